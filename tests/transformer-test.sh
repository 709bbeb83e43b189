#!/usr/bin/env bash
# Decisive verdicts on hand-written transformer backprop (examples/plugins/transformer.c),
# with default settings: a planted bug fails exactly the blocks whose analytic gradient it
# changes (the truth from scripts/transformer-truth.c, which compares the buggy and the
# correct analytic gradients), a correct model passes at about the cost of one central pass,
# and a step whose truncation gcverify sees is escalated instead of failed.
#     tests/transformer-test.sh GCVERIFY SOURCE_ROOT PLUGIN_DIR
. "$(dirname "$0")/lib.sh"
GCV=$1
ROOT=$2
PLUG=$3
# The truth tool dlopens the plugin: under a sanitizer build it needs the same runtime.
SAN=
ldd "$PLUG/libtransformer.so" 2>/dev/null | grep -q libasan && SAN="-fsanitize=address,undefined"
cc -std=c11 -O2 $SAN -I"$ROOT/include" -o "$TMP/truth" "$ROOT/scripts/transformer-truth.c" -ldl -lm ||
    { bad "transformer-truth does not build"; finish transformer; exit 1; }

# run NAME LIB INIT BUG [SEED [OPTION…]]: the check with default settings into $TMP/NAME.json
# (and its text); the model's seed is 1 unless given, the options added to the command line
run() {
    printf '{"name": "%s", "model": {"type": "plugin", "library": "%s/%s", "options": {"init": "%s", "bug": "%s", "seed": %s}}}\n' \
        "$1" "$PLUG" "$2" "$3" "$4" "${5:-1}" >"$TMP/$1.cfg.json"
    "$GCV" "$TMP/$1.cfg.json" --json "$TMP/$1.json" "${@:6}" >"$TMP/$1.txt" 2>&1
    echo $?
}
# failing NAME: the failing blocks, sorted; changed LIB INIT BUG THRESHOLD: the truth's
failing() { json "$TMP/$1.json" '" ".join(sorted(b["name"] for b in d["blocks"] if b["status"] == "fail"))'; }
changed() {
    "$TMP/truth" "$PLUG/$1" "$2" "$3" | awk -v t="$4" '$2 > t {print $1}' | sort | tr '\n' ' ' | sed 's/ $//'
}

# correct double model, GPT-2 init: exit 0 in at most 1.1 × 2P evaluations
rc=$(run ok libtransformer.so gpt2 none)
[ "$rc" = 0 ] && ok "correct, double, gpt2: exit 0" || bad "correct, double, gpt2: exit $rc"
# (the check's 2P less 2 for each of the noise measurement's parameters, 6 evaluations each:
# their θ ± h are the check's points, taken from the memo)
st=$(json "$TMP/ok.json" 'd["evaluations"] <= 1.1 * 2 * d["model"]["params_total"], d["evaluations"] == sum(d["evaluations_by_purpose"].values()), d["evaluations_by_purpose"]["check"] == 2 * d["model"]["params_total"] - d["evaluations_by_purpose"]["noise"] // 3')
[ "$st" = "True True True" ] && ok "correct, double: ≤ 1.1 × 2P evaluations, by purpose" ||
    bad "correct, double: evaluations $(json "$TMP/ok.json" 'd["evaluations"], d["evaluations_by_purpose"]')"

# every bug in double, both inits: exit 1, exactly the changed blocks fail
for init in gpt2 wide; do
    for bug in ln_rstd attn_scale gelu; do
        rc=$(run "d-$init-$bug" libtransformer.so $init $bug)
        f=$(failing "d-$init-$bug")
        t=$(changed libtransformer.so $init $bug 1e-7)
        [ "$rc" = 1 ] && [ "$f" = "$t" ] && ok "double, $init, $bug: exit 1, exactly the 14 changed blocks" ||
            bad "double, $init, $bug: exit $rc, failing '$f', changed '$t'"
    done
done
# the GELU bug changes its blocks by 1e-5 to 1e-4: no failing block may read "≈ 1.000 ×"
grep -q '≈ 1\.000 ×' "$TMP/d-gpt2-gelu.txt" && bad "gelu: a failing block diagnosed as ≈ 1.000 ×" ||
    ok "gelu: no ≈ 1.000 × for a failing block"
expect_grep "gelu: the error's shape instead" '^  [a-z0-9]+ +[0-9]+ of [0-9]+ entries wrong \([0-9]+%\), relative errors: median' "$TMP/d-gpt2-gelu.txt"

# float, the wide init: the correct model passes within 1.1 × 2P, the GELU bug (1e-2
# changes, a model that exited 0 before) fails exactly its blocks
rc=$(run f-ok libtransformer_f.so wide none)
st=$(json "$TMP/f-ok.json" 'd["evaluations"] <= 1.1 * 2 * d["model"]["params_total"]')
[ "$rc $st" = "0 True" ] && ok "correct, float, wide: exit 0 within 1.1 × 2P" ||
    bad "correct, float, wide: exit $rc, $(json "$TMP/f-ok.json" 'd["evaluations"]') evaluations"
rc=$(run f-gelu libtransformer_f.so wide gelu)
f=$(failing f-gelu)
t=$(changed libtransformer_f.so wide gelu 1e-3)
[ "$rc" = 1 ] && [ "$f" = "$t" ] && ok "float, wide, gelu: exit 1, exactly the changed blocks" ||
    bad "float, wide, gelu: exit $rc, failing '$f', changed '$t'"
# float, GPT-2 init, where the ladder's rung errors and the pilot's worst-case rung decide
# (before them: the correct model and the attention bug both ended inconclusive, exit 3)
rc=$(run f-ok libtransformer_f.so gpt2 none)
st=$(json "$TMP/f-ok.json" 'd["status"], d["evaluations"] <= 1.1 * 2 * d["model"]["params_total"]')
[ "$rc" = 0 ] && [ "$st" = "pass True" ] && ok "correct, float, gpt2: exit 0 within 1.1 × 2P" ||
    bad "correct, float, gpt2: exit $rc, $st, $(json "$TMP/f-ok.json" 'd["evaluations"]') evaluations"
# its suspects' ladders (5 rungs, 10 evaluations in float) take the rung at the check's own
# points from the check. The pilot hands the check a rung's nominal step (seed 23: qkvw at
# 2⁻⁶), so every entry's points are that rung's, and each of the 67 re-estimated entries
# costs 2 + 8 evaluations (with the step as float had rounded the pilot's sample, 52 of 66
# missed the rung and cost 2 + 10); the one that is a pilot sample costs 0 + 8, its check's
# points in the memo
rc=$(run f-ok23 libtransformer_f.so gpt2 none 23 --params all)
st=$(json "$TMP/f-ok23.json" 'sorted(set(p["evaluations"] for p in d["params"] if p["block"] == "qkvw" and p["evaluations"] > 2)), sum(p["evaluations"] > 2 for p in d["params"])')
[ "$rc" = 0 ] && [ "$st" = "[8, 10] 67" ] && ok "correct, float, gpt2, seed 23: every suspect's ladder reuses the check's rung" ||
    bad "correct, float, gpt2, seed 23: exit $rc, re-estimated entries' evaluations $st"
# seed 6: the fused attention weights differ by 1.2e-3 at 2⁻⁶ and 1.3e-3 at 2⁻⁴, by 5.6e-4 at
# 2⁻⁵; the pilot, seeing the two rungs within twice of each other, takes the step between
# them (each entry's step 2·2⁻⁵), and nothing of qkvw is re-estimated (the old pilot: 151)
rc=$(run f-ok6 libtransformer_f.so gpt2 none 6 --params all)
st=$(json "$TMP/f-ok6.json" '[(b["status"], b["escalated"]) for b in d["blocks"] if b["name"] == "qkvw"], all(abs(p["step"] - 0.0625) < 1e-7 for p in d["params"] if p["block"] == "qkvw")')
[ "$rc" = 0 ] && [ "$st" = "[('pass', 0)] True" ] && ok "correct, float, gpt2, seed 6: qkvw at the midpoint step, none re-estimated" ||
    bad "correct, float, gpt2, seed 6: exit $rc, qkvw $st"
rc=$(run f-attn libtransformer_f.so gpt2 attn_scale)
f=$(failing f-attn)
t=$(changed libtransformer_f.so gpt2 attn_scale 1e-3)
[ "$rc" = 1 ] && [ "$f" = "$t" ] && ok "float, gpt2, attn_scale: exit 1, exactly the changed blocks ($t)" ||
    bad "float, gpt2, attn_scale: exit $rc, failing '$f', changed '$t'"
# seed 3: the bug moves ln1w by 2.4e-3, and the check leaves it within 4 times its floor,
# checked at 2⁻², the ladder's highest candidate rung: the averaged passes take its gains,
# largest floor first, and it fails after 28 of the 32
rc=$(run f-attn3 libtransformer_f.so gpt2 attn_scale 3 --params all)
f=$(failing f-attn3)
t=$(GCV_TM_SEED=3 "$TMP/truth" "$PLUG/libtransformer_f.so" gpt2 attn_scale | awk '$2 > 1e-3 {print $1}' | sort | tr '\n' ' ' | sed 's/ $//')
[ "$rc" = 1 ] && [ "$f" = "$t" ] && [ "$t" = "ln1w qkvw" ] &&
    ok "float, gpt2, attn_scale, seed 3: exit 1, exactly the changed blocks ($t)" ||
    bad "float, gpt2, attn_scale, seed 3: exit $rc, failing '$f', changed '$t'"
st=$(json "$TMP/f-attn3.json" '[(b["escalated"], b["within_floor"]) for b in d["blocks"] if b["name"] == "ln1w"]')
[ "$st" = "[(28, False)]" ] && ok "float, seed 3: ln1w's gains re-estimated, 28 of 32, resolved" ||
    bad "float, seed 3: ln1w $st"
# each gain re-estimated: 2 evaluations for the check (0 for a pilot sample, whose points the
# memo holds) and 4 averaged copies of the 4 rungs from 2⁻⁶, two below the check's: 34. No
# first ladder (8 more each): at the ladder's highest candidate rung and noise-bound, it could
# only give back the check's own estimate (noise_bound_at_top in escalate.c). With all 5 rungs
# a copy it would be 50 and more. The 4 not re-estimated cost their check's 2.
st=$(json "$TMP/f-attn3.json" 'sorted(set(p["evaluations"] for p in d["params"] if p["block"] == "ln1w"))')
[ "$st" = "[2, 32, 34]" ] && ok "float, seed 3: straight to the averaged passes, from two rungs below the check's" ||
    bad "float, seed 3: ln1w's gains cost $st evaluations"
rc=$(run f-ln libtransformer_f.so gpt2 ln_rstd)
f=$(failing f-ln)
t=$(changed libtransformer_f.so gpt2 ln_rstd 1e-3)
[ "$rc" = 1 ] && [ "$f" = "$t" ] && ok "float, gpt2, ln_rstd: exit 1, exactly the changed blocks" ||
    bad "float, gpt2, ln_rstd: exit $rc, failing '$f', changed '$t'"

# a step with a truncation error gcverify sees (ε = 0.1 on correct nets): escalated, not failed
for c in net l2_dropout; do
    expect_exit "$c with ε = 0.1: no false alarm" 0 "$GCV" "$ROOT/configs/$c.json" --epsilon 0.1 --json "$TMP/$c.json"
    st=$(json "$TMP/$c.json" 'd["params_escalated"] > 0, d["evaluations_by_purpose"]["escalation"] > 0')
    [ "$st" = "True True" ] && ok "$c with ε = 0.1: its suspects escalated" || bad "$c with ε = 0.1: '$st'"
done
# a correct ReLU net whose b2 sits on a kink (the notebook's seed_2d): at ε = 0.1 the
# one-sided look takes the balanced step, and b2 is kink-ok, not a mismatch
for e in 0.1 0.3; do
    expect_exit "seed_2d with ε = $e: no false alarm" 0 "$GCV" "$ROOT/configs/seed_2d.json" --epsilon $e --params all --json "$TMP/s2d.json"
    st=$(json "$TMP/s2d.json" '[p["status"] for p in d["params"] if p["block"] == "b2"]')
    [ "$st" = "['kink-ok', 'kink-ok']" ] && ok "seed_2d with ε = $e: b2 kink-ok" || bad "seed_2d with ε = $e: b2 '$st'"
done
# and a real bug with the same step still fails: the course test case's two faults (the
# config expects the failure: exit 0 says it came)
expect_exit "seed_testcase with ε = 0.1: the expected failure" 0 "$GCV" "$ROOT/configs/seed_testcase.json" --epsilon 0.1 --json "$TMP/tc.json"
[ "$(failing tc) $(json "$TMP/tc.json" 'd["status"]')" = "W2 b1 fail" ] && ok "seed_testcase with ε = 0.1: W2 and b1 fail" ||
    bad "seed_testcase with ε = 0.1: '$(failing tc)'"

# where nothing is escalated (a shard, a time budget: no measured noise), ε = 0.1 on a
# correct leaky-ReLU net leaves blocks over the threshold that nothing resolves: inconclusive,
# never a fail (the steps that step past a kink measure their truncation too; before, W1, b1
# and b2 of net.json failed under --shard 1/1 and --budget); the real bugs still fail
for a in "--shard 1/1" "--budget 100"; do
    expect_exit "net with ε = 0.1, $a: inconclusive, no false alarm" 3 "$GCV" "$ROOT/configs/net.json" --epsilon 0.1 $a --json "$TMP/ns.json"
    [ -z "$(failing ns)" ] && ok "net with ε = 0.1, $a: no block fails" || bad "net with ε = 0.1, $a: '$(failing ns)' fail"
    expect_exit "seed_testcase with ε = 0.1, $a: the expected failure" 0 "$GCV" "$ROOT/configs/seed_testcase.json" --epsilon 0.1 $a --json "$TMP/tcs.json"
    [ "$(failing tcs)" = "W2 b1" ] && ok "seed_testcase with ε = 0.1, $a: W2 and b1 fail" ||
        bad "seed_testcase with ε = 0.1, $a: '$(failing tcs)'"
done

# 6 pilot samples in a block of 256 entries or more: at seed 9, 3 samples of the 256 token
# embeddings missed their truncation, the block took 2⁻⁵ (difference 1.6e-2) and escalation
# re-estimated 84 of them; with 6 it takes a step that passes them all, none re-estimated
rc=$(run f-ok9 libtransformer_f.so gpt2 none 9)
st=$(json "$TMP/f-ok9.json" '[(b["status"], b["escalated"]) for b in d["blocks"] if b["name"] == "wte"]')
[ "$rc" = 0 ] && [ "$st" = "[('pass', 0)]" ] && ok "correct, float, gpt2, seed 9: wte's step from 6 samples, none re-estimated" ||
    bad "correct, float, gpt2, seed 9: exit $rc, wte $st"
# a noise-bound block goes straight to the averaged passes: the correct float model at seed
# 12 has its 32 layernorm gains (‖g‖ = 1.8e-3) checked at 2⁻², the ladder's highest candidate
# rung, within 4 times their floor. A first ladder would only give back each gain's check
# (256 evaluations for nothing: 656 in all, 1.108 × 2P); the first averaged pass decides the
# block with 4 of them, 32 evaluations each
rc=$(run f-ok12 libtransformer_f.so gpt2 none 12)
st=$(json "$TMP/f-ok12.json" '[(b["name"], b["status"], b["escalated"]) for b in d["blocks"] if b["escalated"]], d["evaluations_by_purpose"]["escalation"], d["evaluations"] <= 1.1 * 2 * d["model"]["params_total"]')
[ "$rc" = 0 ] && [ "$st" = "[('ln1w', 'pass', 4)] 128 True" ] && ok "correct, float, gpt2, seed 12: ln1w decided by 4 averaged ladders, within 1.1 × 2P" ||
    bad "correct, float, gpt2, seed 12: exit $rc, $st"
# the same block under an escalation budget of 100: the averaged ladders (32 evaluations each)
# take 2 gains, the block stays within its floor and is inconclusive (exit 3); it counts the 2
# as re-estimated, not its 32 suspects, and the 30 not re-estimated have their floors raised
# to their errors, as a budget leaves any block
printf '{"model": {"type": "plugin", "library": "%s/libtransformer_f.so", "options": {"init": "gpt2", "seed": 12}}, "check": {"escalation": {"max_evaluations": 100}}}\n' "$PLUG" >"$TMP/esc12.json"
expect_exit "seed 12, escalation budget of 100: inconclusive" 3 "$GCV" "$TMP/esc12.json" --params all --json "$TMP/esc12.out.json"
st=$(json "$TMP/esc12.out.json" '[(b["status"], b["escalated"]) for b in d["blocks"] if b["escalated"]], d["evaluations_by_purpose"]["escalation"], sum(p["evaluations"] <= 2 for p in d["params"] if p["block"] == "ln1w"), all(p["floor"] >= p["abs_error"] for p in d["params"] if p["block"] == "ln1w" and p["evaluations"] <= 2)')
[ "$st" = "[('inconclusive', 2)] 64 30 True" ] && ok "seed 12, budget 100: 2 gains re-estimated, the other 30 floors raised to their errors" ||
    bad "seed 12, budget 100: $st"
# the memo the check reads is frozen, and the pilot serial: the same report for any thread count
rc=$(run f-ok29t1 libtransformer_f.so gpt2 none 29 --threads 1)
rc=$(run f-ok29t3 libtransformer_f.so gpt2 none 29 --threads 3)
st=$(python3 - "$TMP/f-ok29t1.json" "$TMP/f-ok29t3.json" <<'PY'
import json, sys
def strip(d):
    if isinstance(d, dict):
        return {k: strip(v) for k, v in d.items() if k not in ("seconds", "threads")}
    return [strip(x) for x in d] if isinstance(d, list) else d
a, b = (strip(json.load(open(f))) for f in sys.argv[1:])
for d in (a, b):
    del d["name"], d["config"]  # the two runs' config files
print(a == b, a["evaluations"])
PY
)
[ "$st" = "True 15230" ] && ok "float, seed 29: the same report on 1 and 3 threads" || bad "float, seed 29, threads 1 and 3: $st"
# batches sized by need: the correct float model at seed 29 has its fused attention weights
# decided by their 71 largest errors. A round takes no more suspects than would bring the
# block to its threshold if they came out exact (at least 4, at most twice the last round),
# so it stops at 71 where plain doubling (4, 8, 16, 32, 64) re-estimates 124
rc=$(run f-ok29 libtransformer_f.so gpt2 none 29)
st=$(json "$TMP/f-ok29.json" '[(b["status"], b["escalated"]) for b in d["blocks"] if b["escalated"]]')
[ "$rc" = 0 ] && [ "$st" = "[('pass', 71)]" ] && ok "correct, float, gpt2, seed 29: qkvw decided by 71 suspects" ||
    bad "correct, float, gpt2, seed 29: exit $rc, escalated $st"
# the escalation's budget (check.escalation.max_evaluations): honoured, and what it leaves
# undecided is inconclusive, never a pass (seed 29: 71 of its fused attention weights are
# re-estimated)
printf '{"model": {"type": "plugin", "library": "%s/libtransformer_f.so", "options": {"init": "gpt2", "seed": 29}}, "check": {"escalation": {"max_evaluations": 100}}}\n' "$PLUG" >"$TMP/esc.json"
expect_exit "escalation budget of 100: undecided blocks inconclusive" 3 "$GCV" "$TMP/esc.json" --json "$TMP/esc.out.json"
st=$(json "$TMP/esc.out.json" '0 < d["evaluations_by_purpose"]["escalation"] <= 100, "pass" in [b["status"] for b in d["blocks"] if b["difference"] > 1e-3]')
[ "$st" = "True False" ] && ok "escalation budget: at most 100 spent, no block over the threshold passed" || bad "escalation budget: '$st'"
printf '{"model": {"type": "plugin", "library": "%s/libtransformer_f.so"}, "check": {"escalation": {"max_evaluations": "x"}}}\n' "$PLUG" >"$TMP/escbad.json"
expect_exit "check.escalation.max_evaluations not a number: exit 2" 2 "$GCV" "$TMP/escbad.json"
expect_grep "check.escalation: the path and what was found" 'check\.escalation\.max_evaluations: expected a positive integer, got "x"' "$TMP/err"

# The same θ reported per layer through the ABI's N-d views ("blocks": "layer", set from the
# command line): the attention bug fails exactly the layer slices it changes (the truth, on
# the same views), in layer 1's qkvw only the key slice, with 3-D coordinates.
printf '{"name": "layers", "model": {"type": "plugin", "library": "%s/libtransformer.so", "options": {"init": "wide", "bug": "attn_scale", "seed": 1}}}\n' "$PLUG" >"$TMP/layers.json"
"$GCV" "$TMP/layers.json" --set model.options.blocks=layer --json "$TMP/layers.out.json" >"$TMP/layers.txt" 2>&1
rc=$?
f=$(json "$TMP/layers.out.json" '" ".join(sorted(b["name"] for b in d["blocks"] if b["status"] == "fail"))')
t=$("$TMP/truth" "$PLUG/libtransformer.so" wide attn_scale layer | awk '$2 > 1e-7 {print $1}' | sort | tr '\n' ' ' | sed 's/ $//')
n=$(json "$TMP/layers.out.json" 'len(d["blocks"])')
[ "$rc" = 1 ] && [ "$n" = 28 ] && [ -n "$t" ] && [ "$f" = "$t" ] &&
    ok "per-layer views: exit 1, 28 blocks, exactly the changed slices fail ($(echo $f | wc -w))" ||
    bad "per-layer views: exit $rc, $n blocks, failing '$f', changed '$t'"
st=$(json "$TMP/layers.out.json" '[(b["mismatches"], b["worst_coords"][0]) for b in d["blocks"] if b["name"] == "qkvw[1]"][0]')
[ "$st" = "(256, 1)" ] && ok "qkvw[1]: 256 mismatches, all in the key slice (first coordinate 1)" ||
    bad "qkvw[1]: (mismatches, first worst coordinate) = $st"
expect_grep "per-layer views: the text shows the 3-D shape" '^3 +qkvw\[1\] +3×16×16 ' "$TMP/layers.txt"

finish transformer

#!/usr/bin/env bash
# The gcverify command end to end: exit codes of the shipped configs, the text and JSON
# reports, determinism across thread counts, and bad command lines.
# usage: cli-test.sh path/to/gcverify source-root
set -u
GCV=$1
ROOT=$2
. "$(dirname "$0")/lib.sh"

# --- the seed test case with the two bugs of seed 001: exactly W2 and b1 flagged. The config
# says "expect": "fail" (it carries them on purpose), so the mismatch exits 0 and says so.
expect_exit "seed_testcase: an expected failure exits 0" 0 "$GCV" "$ROOT/configs/seed_testcase.json" --json "$TMP/tc.json"
cp "$TMP/out" "$TMP/tc.txt"
expect_grep "seed_testcase: the expected failure said" '^expect  fail · FAIL \(expected\)$' "$TMP/tc.txt"
# The same config without "expect": the mismatch exits 1.
mkdir -p "$TMP/plain"
sed '/"expect"/d' "$ROOT/configs/seed_testcase.json" >"$TMP/plain/seed_testcase.json"
expect_exit "seed_testcase without \"expect\" exits 1" 1 "$GCV" "$TMP/plain/seed_testcase.json"
expect_grep "seed_testcase: W2 row fails" '^2 +W2 .*FAIL$' "$TMP/tc.txt"
expect_grep "seed_testcase: b1 row fails" '^1 +b1 .*FAIL$' "$TMP/tc.txt"
n_fail=$(grep -cE ' FAIL$' "$TMP/tc.txt")
[ "$n_fail" -eq 2 ] && ok "seed_testcase: exactly 2 FAIL rows" || bad "seed_testcase: $n_fail FAIL rows"
expect_grep "seed_testcase: W2 diagnosis" '^  W2 +analytic ≈ 2\.000 × numeric$' "$TMP/tc.txt"
expect_grep "seed_testcase: b1 diagnosis" '^  b1 +analytic ≈ 4\.000 × numeric$' "$TMP/tc.txt"
expect_grep "seed_testcase: verdict line" '^overall difference 2\.85e-01 > 1e-07 · FAIL · 2 of 6 blocks' "$TMP/tc.txt"
failed=$(json "$TMP/tc.json" '",".join(b["name"] for b in d["blocks"] if b["status"]=="fail")')
[ "$failed" = "W2,b1" ] || [ "$failed" = "b1,W2" ] && ok "JSON: failing blocks $failed" || bad "JSON: failing blocks '$failed'"
schema=$(json "$TMP/tc.json" 'd["schema"], d["status"], d["params_checked"], d["evaluations_by_purpose"]["check"], d["evaluations"] == sum(d["evaluations_by_purpose"].values()), d["model"]["params_total"]')
# the check's 2 × 47 less 12: the noise stencils' θ ± h at one parameter a block are the
# check's own points, which it takes from the memo
[ "$schema" = "gcverify.report/1 fail 47 82 True 47" ] && ok "JSON: header fields" || bad "JSON: header fields '$schema'"
w2=$(json "$TMP/tc.json" '"%.8f" % [b for b in d["blocks"] if b["name"]=="W2"][0]["difference"]')
[ "$w2" = "0.33333333" ] && ok "JSON: W2 difference 1/3" || bad "JSON: W2 difference $w2"

# (110 evaluations: 2 per parameter, and 2 more for each of the 8 mismatches to see the
# truncation term of its estimate.)

# Left to itself (no --threads, threads 0), a check this small runs on one thread.
t=$(json "$TMP/tc.json" 'd["check"]["threads"]')
[ "$t" = "1" ] && ok "tiny check: one thread by default" || bad "tiny check: $t threads"

# --- the same net, correct: passes
expect_exit "seed_testcase_correct exits 0" 0 "$GCV" "$ROOT/configs/seed_testcase_correct.json"
expect_grep "correct: verdict pass" '^overall difference [0-9.]+e-1[0-9] ≤ 1e-07 · pass' "$TMP/out"

# --- every other shipped config passes
for c in net seed_2d seed_cat_tanh l2_dropout; do
    expect_exit "$c exits 0" 0 "$GCV" "$ROOT/configs/$c.json" --quiet
    [ -s "$TMP/out" ] && bad "$c: --quiet printed to stdout" || ok "$c: --quiet prints nothing"
done

# --- incremental evaluation gives the same verdicts as full passes on every shipped config
for c in seed_testcase seed_testcase_correct net seed_2d seed_cat_tanh l2_dropout; do
    "$GCV" "$ROOT/configs/$c.json" --json "$TMP/inc.json" -q; a=$?
    "$GCV" "$ROOT/configs/$c.json" --json "$TMP/full.json" --full-passes -q; b=$?
    va=$(json "$TMP/inc.json" '",".join(x["name"]+":"+x["status"] for x in d["blocks"])')
    vb=$(json "$TMP/full.json" '",".join(x["name"]+":"+x["status"] for x in d["blocks"])')
    [ "$a" -eq "$b" ] && [ "$va" = "$vb" ] && ok "$c: incremental and full passes agree (exit $a)" \
        || bad "$c: incremental exit $a [$va], full exit $b [$vb]"
done

# --- methods from the command line
for m in forward backward; do
    expect_exit "seed_testcase --method $m still fails" 1 "$GCV" "$TMP/plain/seed_testcase.json" --method $m --threshold 1e-5
    expect_grep "--method $m in header" "^check +$m, ε = 1e-06, threshold 1e-05" "$TMP/out"
done

# --- determinism: identical JSON for 1, 2 and 4 threads, timings and thread counts aside
for t in 1 2 4; do
    "$GCV" "$ROOT/configs/net.json" --threads $t --params all --json "$TMP/t$t.json" --quiet
    grep -v '"seconds"' "$TMP/t$t.json" | sed 's/"threads": [0-9]*/"threads": X/' >"$TMP/t$t.cmp"
done
if cmp -s "$TMP/t1.cmp" "$TMP/t2.cmp" && cmp -s "$TMP/t1.cmp" "$TMP/t4.cmp"; then
    ok "net.json: JSON identical for 1, 2, 4 threads ($(grep -c '"index"' "$TMP/t1.cmp") params)"
else
    bad "net.json: JSON differs between thread counts"
fi

# --- directional + drill-down on the 784-256-128-10 net with a fault in b2: exactly b2, at
# under 5% of the full check's 2P evaluations
expect_exit "directional drill-down finds the fault (expected: exit 0)" 0 "$GCV" "$ROOT/configs/bench/mnist_b2_buggy.json" --method directional --drill-down --json "$TMP/dir.json" -q
st=$(json "$TMP/dir.json" '",".join(b["name"] for b in d["blocks"] if b["status"]=="fail"), d["evaluations"] < 0.05 * 2 * 235146, [b["checked"] for b in d["blocks"]]')
[ "$st" = "b2 True [0, 0, 0, 128, 0, 0]" ] && ok "directional: only b2, drilled, < 5% of the evaluations" || bad "directional: '$st'"

# --- sampling and budgets for big models
expect_exit "--sample 20" 0 "$GCV" "$ROOT/configs/bench/mnist.json" --sample 20 --json "$TMP/s1.json" -q
"$GCV" "$ROOT/configs/bench/mnist.json" --sample 20 --json "$TMP/s2.json" -q --threads 2
st=$(json "$TMP/s1.json" '[b["checked"] for b in d["blocks"]], d["params_checked"], len(d["checked_indices"]), d["sampled"]')
[ "$st" = "[20, 20, 20, 20, 20, 10] 110 110 True" ] && ok "--sample: k per block (all of b3), listed" || bad "--sample: '$st'"
a=$(json "$TMP/s1.json" 'd["checked_indices"]'); b=$(json "$TMP/s2.json" 'd["checked_indices"]')
[ "$a" = "$b" ] && ok "--sample: the same parameters for 1 and 2 threads" || bad "--sample: the choice depends on threads"
expect_exit "--budget 3" 0 "$GCV" "$ROOT/configs/bench/mnist.json" --budget 3 --json "$TMP/bud.json" -q
st=$(json "$TMP/bud.json" 'all(b["checked"] > 0 for b in d["blocks"]), d["stopped"], d["status"], len(d["checked_indices"]) == d["params_checked"] < 235146')
[ "$st" = "True False pass True" ] && ok "--budget: every block covered, a pass on what fitted" || bad "--budget: '$st'"

# --- the seeds' real data: integer labels are converted and the user is told
expect_exit "seed_moons (data.mat) passes" 0 "$GCV" "$ROOT/configs/seed_moons.json" --json "$TMP/moons.json" --top 0
expect_grep "seed_moons: uint8 label note" '^note +data\.y: labels stored as uint8 in data\.mat were converted to double before any arithmetic' "$TMP/out"
n=$(json "$TMP/moons.json" 'len(d["model"]["notes"])')
[ "$n" = "1" ] && ok "seed_moons: the note is in the JSON report" || bad "seed_moons: notes '$n'"

# --- config keys of the newer methods
printf '{"model": {"type": "mlp", "layers": [6, 5, 3], "output_activation": "softmax", "loss": "softmax_cross_entropy"},\n "check": {"method": "directional", "directions": 2, "drill_down": true, "sample": {"per_block": 4, "seed": 1}}}' >"$TMP/dirc.json"
expect_exit "check.method directional from the config" 0 "$GCV" "$TMP/dirc.json" --json "$TMP/dirc.out.json" -q
st=$(json "$TMP/dirc.out.json" 'd["check"]["method"], [b["directions"] for b in d["blocks"]]')
[ "$st" = "directional [2, 2, 2, 2]" ] && ok "check.directions: 2 per block" || bad "check.directions: '$st'"
printf '{"model": {"type": "mlp", "layers": [6, 1]}, "check": {"sample": {"per_block": 3}}}' >"$TMP/samp.json"
"$GCV" "$TMP/samp.json" --json "$TMP/samp.out.json" -q
st=$(json "$TMP/samp.out.json" '[b["checked"] for b in d["blocks"]], d["sampled"]')
[ "$st" = "[3, 1] True" ] && ok "check.sample.per_block from the config" || bad "check.sample: '$st'"

# --- shards and merge (numbered 1..N): bit for bit the report of a one-shard run (timings
# aside; a shard neither measures noise nor escalates, an unsharded run does)
"$GCV" "$ROOT/configs/l2_dropout.json" --shard 1/1 --params all --json "$TMP/whole1.json" -q
"$GCV" merge "$TMP/whole1.json" -o "$TMP/whole.json" --quiet
for k in 1 2 3; do "$GCV" "$ROOT/configs/l2_dropout.json" --shard $k/3 --params all --json "$TMP/part$k.json" -q; done
expect_exit "merge of 3 shards" 0 "$GCV" merge "$TMP/part3.json" "$TMP/part1.json" "$TMP/part2.json" -o "$TMP/merged.json" --quiet
strip() { grep -v '"seconds"' "$1" | sed 's/"threads": [0-9]*/"threads": X/'; }
if cmp -s <(strip "$TMP/whole.json") <(strip "$TMP/merged.json"); then ok "merge: identical to the one-shard run"; else bad "merge: differs from the one-shard run"; fi
expect_exit "merge with a shard missing" 2 "$GCV" merge "$TMP/part1.json" "$TMP/part2.json" -o "$TMP/m2.json"
expect_grep "merge: names the missing shard" 'shards is missing: 3/3 \(every shard K/N with 1 ≤ K ≤ 3' "$TMP/err"
expect_exit "merge of a shard given twice" 2 "$GCV" merge "$TMP/part1.json" "$TMP/part2.json" "$TMP/part2.json" -o "$TMP/m2.json"
expect_grep "merge: names the shard given twice" 'part2.json are both shard 2/3' "$TMP/err"
sh=$(json "$TMP/part1.json" 'd["shard"]["number"], d["shard"]["count"], d["shard"]["index"], min(p["index"] % 3 for p in d["params"])')
[ "$sh" = "1 3 0 0" ] && ok "shard 1/3: number 1, index 0, the indices i % 3 == 0" || bad "shard 1/3: '$sh'"
# shard K/N checks what shard K-1/N checked when they were numbered from 0: l2_dropout's
# indices 2, 5, 8, … are shard 3/3's
sh=$(json "$TMP/part3.json" '[p["index"] for p in d["params"]][:3]')
[ "$sh" = "[2, 5, 8]" ] && ok "shard 3/3: indices 2, 5, 8, …" || bad "shard 3/3 checked $sh"
expect_exit "shard 2/3 of net.json" 0 "$GCV" "$ROOT/configs/net.json" --shard 2/3 --json "$TMP/s2.json"
expect_grep "a shard's text report says it is partial" '^shard 2/3: 129 of 387 parameters; merge the shards for the verdict$' "$TMP/out"
expect_exit "--shard 0/3 is refused" 2 "$GCV" "$ROOT/configs/net.json" --shard 0/3 --json "$TMP/s0.json"
expect_grep "--shard 0/3: explains the numbering" "^gcverify: --shard 0/3: shards are numbered 1..N now \(they were 0..N-1 before\); --shard 0/3 is the first shard: use --shard 1/3" "$TMP/err"
[ -e "$TMP/s0.json" ] && bad "--shard 0/3 wrote a report" || ok "--shard 0/3: nothing checked, nothing written"
expect_exit "--shard 4/3 is refused" 2 "$GCV" "$ROOT/configs/net.json" --shard 4/3 --json "$TMP/s0.json"
expect_grep "--shard 4/3: the range" "^gcverify: --shard: expected K/N with 1 ≤ K ≤ N, such as 1/4, got '4/3'$" "$TMP/err"
expect_exit "--shard without --json" 2 "$GCV" "$ROOT/configs/net.json" --shard 1/2

# --- baselines: a regression fails the run even when the threshold passes
"$GCV" "$ROOT/configs/seed_testcase_correct.json" --json "$TMP/night1.json" -q
expect_exit "baseline: same code, no regression" 0 "$GCV" "$ROOT/configs/seed_testcase_correct.json" --baseline "$TMP/night1.json"
expect_grep "baseline: section says none" '^baseline .* no regressions$' "$TMP/out"
expect_exit "baseline: a fault is a new failure" 1 "$GCV" "$ROOT/configs/seed_testcase.json" --baseline "$TMP/night1.json" --json "$TMP/night2.json"
expect_grep "baseline: W2 listed" 'W2 +new failure' "$TMP/out"
n=$(json "$TMP/night2.json" 'len(d["baseline"]["regressions"])')
[ "$n" = "2" ] && ok "baseline: 2 regressions in the JSON report" || bad "baseline: JSON regressions '$n'"
printf '{"schema": "other"}' >"$TMP/notareport.json"
expect_exit "baseline: not a report" 2 "$GCV" "$ROOT/configs/net.json" --baseline "$TMP/notareport.json"

# --- a saturated output: the cost is flat and the report says a pass means little
printf '{"model": {"type": "mlp", "layers": [1, 1], "params": {"values": {"W1": [[800]], "b1": [[0]]}}},\n "data": {"source": "inline", "x": [[1, 2]], "y": [[1, 1]]}}' >"$TMP/flat.json"
expect_exit "saturated sigmoid" 0 "$GCV" "$TMP/flat.json"
expect_grep "saturated sigmoid: flat-cost warning" '^warning: the cost is flat here' "$TMP/out"

# --- a threshold below what the method resolves: unresolved, neither failed nor passed
# (inconclusive after escalation), and said so; complex_step then resolves it
expect_exit "threshold 1e-14 with central" 3 "$GCV" "$ROOT/configs/net.json" --threshold 1e-14 --top 0
expect_grep "threshold 1e-14: warning" '^warning: the threshold 1e-14 is below what central can resolve here' "$TMP/out"
expect_grep "threshold 1e-14: unresolved blocks named" '^  W1 +difference .* within the numeric floor .* not resolved' "$TMP/out"
expect_exit "threshold 1e-14 with complex_step passes" 0 "$GCV" "$ROOT/configs/net.json" --threshold 1e-14 --method complex_step --top 0
expect_grep "complex_step reaches 1e-14" '^overall difference [0-9.]+e-1[5-9] ≤ 1e-14 · pass$' "$TMP/out"

# --- per-parameter CSV
expect_exit "--params-csv" 1 "$GCV" "$TMP/plain/seed_testcase.json" -q --params-csv "$TMP/p.csv"
[ "$(wc -l <"$TMP/p.csv")" -eq 48 ] && ok "--params-csv: header + 47 rows" || bad "--params-csv: $(wc -l <"$TMP/p.csv") lines"
expect_grep "--params-csv: header" '^index,block,row,column,theta,analytic,numeric,abs_error,rel_error,floor,status$' "$TMP/p.csv"
n_mis=$(grep -c ',mismatch$' "$TMP/p.csv")
[ "$n_mis" -eq 8 ] && ok "--params-csv: 8 mismatch rows" || bad "--params-csv: $n_mis mismatch rows"

# --- several configs: one summary line each, the worst exit code (2 > 1 > 3 > 0)
expect_exit "several configs: a mismatch among passes exits 1" 1 "$GCV" "$ROOT/configs/net.json" "$TMP/plain/seed_testcase.json" "$ROOT/configs/seed_2d.json" --json-dir "$TMP"
[ "$(wc -l <"$TMP/out")" -eq 3 ] && ok "several configs: one line each" || bad "several configs: $(wc -l <"$TMP/out") lines"
expect_grep "several configs: FAIL line" '^FAIL +.*seed_testcase.json · 47 params · difference 2\.85e-01 · 2 of 6 blocks failed' "$TMP/out"
[ -s "$TMP/seed-testcase.json" ] && [ -s "$TMP/net.json" ] && ok "--json-dir: a report per config" || bad "--json-dir: reports missing"
expect_exit "several configs: a broken one makes it 2" 2 "$GCV" "$ROOT/configs/net.json" "$TMP/missing.json" "$ROOT/configs/seed_testcase.json"
expect_grep "several configs: the broken one is listed" '^ERROR +.*missing.json · not checked' "$TMP/out"
expect_exit "several configs: --json is refused" 2 "$GCV" "$ROOT/configs/net.json" "$ROOT/configs/seed_2d.json" --json "$TMP/x.json"

# --- output folders are made as mkdir -p makes them (mode 0777 & ~umask, parents too); a
# report that cannot be written says why, and its config gets one line, the ERROR one
night="$TMP/night/a"
(umask 027; "$GCV" "$ROOT/configs/net.json" "$ROOT/configs/seed_2d.json" --json-dir "$night/json" \
    --html-dir "$night/html" --junit "$night/j/junit.xml" -q)
rc=$?
[ "$rc" -eq 0 ] && [ -s "$night/json/net.json" ] && [ -s "$night/html/seed-2d-relu.html" ] &&
    [ -s "$night/j/junit.xml" ] && ok "--json-dir, --html-dir, --junit: missing folders made" \
    || bad "missing output folders: exit $rc; $(find "$TMP/night" 2>&1 | head -5 | tr '\n' ' ')"
modes="$(stat -c %a "$TMP/night" "$night" "$night/json" "$night/html" "$night/j" 2>&1 | tr '\n' ' ')"
[ "$modes" = "750 750 750 750 750 " ] && ok "folders made with mode 0777 & ~umask (umask 027: 750)" \
    || bad "folder modes under umask 027: $modes"
expect_exit "--json into a missing folder" 0 "$GCV" "$ROOT/configs/net.json" --json "$TMP/x/y/z.json" --params-csv "$TMP/x/c/p.csv" -q
[ -s "$TMP/x/y/z.json" ] && [ -s "$TMP/x/c/p.csv" ] && ok "--json a/b/c.json, --params-csv: folders made" || bad "--json a/b/c.json: no report"
expect_exit "--export into a missing folder" 0 "$GCV" "$ROOT/configs/seed_2d.json" --export "$TMP/exp/seed" -q
[ -s "$TMP/exp/seed/W1.npy" ] && [ -s "$TMP/exp/seed/X.npy" ] && ok "--export DIR: folder made" || bad "--export DIR: files missing"
: >"$TMP/afile"
expect_exit "--json-dir where a file is: exit 2" 2 "$GCV" "$ROOT/configs/net.json" "$ROOT/configs/seed_2d.json" --json-dir "$TMP/afile/json"
expect_grep "--json-dir: the file in the way named, with the reason" "^gcverify: $TMP/afile/json/net.json: cannot write the report: cannot make its folder: $TMP/afile: Not a directory$" "$TMP/err"
n_pass=$(grep -c '^PASS' "$TMP/out"); n_err=$(grep -c '^ERROR .* not checked' "$TMP/out")
[ "$n_pass" -eq 0 ] && [ "$n_err" -eq 2 ] && [ "$(wc -l <"$TMP/out")" -eq 2 ] &&
    ok "a report not written: one status line, ERROR, no PASS" || bad "report not written: summary '$(cat "$TMP/out")'"
expect_exit "--json where a folder is: exit 2" 2 "$GCV" "$ROOT/configs/net.json" --json "$TMP/night" -q
expect_grep "--json where a folder is: the reason" "^gcverify: $TMP/night: cannot write the report: Is a directory$" "$TMP/err"
expect_exit "--export where a file is: exit 2" 2 "$GCV" "$ROOT/configs/seed_2d.json" --export "$TMP/afile/exp" -q
expect_grep "--export: the file in the way" "^gcverify: --export: $TMP/afile/exp: cannot make the folder: $TMP/afile: Not a directory$" "$TMP/err"

# --- stopping early: --max-seconds and SIGTERM give a partial, inconclusive report (exit 3)
expect_exit "--max-seconds stops with exit 3" 3 "$GCV" "$ROOT/configs/bench/mnist.json" --max-seconds 1.5 --json "$TMP/stop.json" --top 0
expect_grep "--max-seconds: verdict says how far it got" 'INCONCLUSIVE · stopped early: [0-9]+ of 235146 params checked' "$TMP/out"
st=$(json "$TMP/stop.json" 'd["stopped"], d["status"], 0 < d["params_checked"] < 235146')
[ "$st" = "True inconclusive True" ] && ok "--max-seconds: JSON marks the partial run" || bad "--max-seconds: JSON '$st'"
st=$(json "$TMP/stop.json" 'sorted({(b["status"], b["difference"]) for b in d["blocks"] if b["checked"] == 0})')
[ "$st" = "[('unchecked', None)]" ] && ok "--max-seconds: the blocks it never reached are unchecked, difference null" ||
    bad "--max-seconds: blocks with nothing checked: '$st'"
expect_grep "--max-seconds: and so in the text" '^3 +b3 +10×1 +0 +— +— +— +0 +— +unchecked$' "$TMP/out"
"$GCV" "$ROOT/configs/bench/mnist.json" -q --json "$TMP/term.json" & pid=$!
sleep 1.5
kill -TERM $pid
wait $pid
rc=$?
[ "$rc" -eq 3 ] && ok "SIGTERM: exit 3" || bad "SIGTERM: exit $rc"
st=$(json "$TMP/term.json" 'd["stopped"], d["status"]')
[ "$st" = "True inconclusive" ] && ok "SIGTERM: partial report written whole" || bad "SIGTERM: JSON '$st'"
ls "$TMP" | grep -q 'tmp-' && bad "a temporary report file was left behind" || ok "no temporary report file left"

# --- blocks with nothing checked are "unchecked" everywhere, and the check is not a pass
# (--limit 3 reaches W1 and W2 of net.json only)
expect_exit "--limit 3: judged on the checked blocks (the rest unchecked, not pass)" 0 "$GCV" "$ROOT/configs/net.json" --limit 3 --json "$TMP/lim.json" --junit "$TMP/lim.xml"
expect_grep "--limit 3: b2 unchecked, no difference" '^2 +b2 +12×1 +0 +— +— +— +0 +— +unchecked$' "$TMP/out"
expect_grep "--limit 3: the verdict says what was left out" '^overall difference [0-9.]+e-[0-9]+ ≤ 1e-07 · pass · 3 of 387 params checked · 3 of 6 blocks unchecked$' "$TMP/out"
st=$(json "$TMP/lim.json" '[(b["name"], b["status"], b["difference"]) for b in d["blocks"][3:]], d["layers"][2]["status"], d["layers"][2]["difference"], d["layers"][1]["status"], d["status"]')
[ "$st" = "[('b2', 'unchecked', None), ('W3', 'unchecked', None), ('b3', 'unchecked', None)] unchecked None pass pass" ] &&
    ok "--limit 3: JSON blocks and layer unchecked with difference null" || bad "--limit 3: JSON '$st'"
expect_grep "--limit 3: JUnit skips the unchecked blocks, saying why" '<skipped message="unchecked: no parameter of 12 checked \(not among the parameters this run checked' "$TMP/lim.xml"
grep -q 'tests="6" failures="0" errors="0" skipped="3"' "$TMP/lim.xml" && ok "--limit 3: 3 of 6 testcases skipped" || bad "--limit 3: JUnit counts"
# against a baseline: an unchecked block is no regression by itself, and hides none.
# Now: of --limit 3's blocks only W1 and W2, checked in part, changed their counts.
"$GCV" "$ROOT/configs/seed_testcase_correct.json" --json "$TMP/base-full.json" -q
"$GCV" "$ROOT/configs/seed_testcase_correct.json" --limit 3 --baseline "$TMP/base-full.json" --json "$TMP/base-lim.json" -q
st=$(json "$TMP/base-lim.json" '[(g["block"], g["kind"]) for g in d["baseline"]["regressions"]]')
[ "$st" = "[('W1', 'params_changed'), ('W2', 'params_changed')]" ] &&
    ok "baseline: the unchecked blocks of --limit 3 are no regressions" || bad "baseline: --limit 3 regressions '$st'"
# Before: a baseline whose b1 a stopped run never reached.
python3 - "$TMP/base-full.json" "$TMP/base-unch.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
b1 = next(b for b in d["blocks"] if b["name"] == "b1")
b1.update(checked=0, difference=None, mismatches=0, status="unchecked")
json.dump(d, open(sys.argv[2], "w"))
PY
expect_exit "baseline: an unchecked block in it reads back and is no regression" 0 "$GCV" "$ROOT/configs/seed_testcase_correct.json" --baseline "$TMP/base-unch.json"
expect_grep "baseline: unchecked before, no regressions" '^baseline .* no regressions$' "$TMP/out"
expect_exit "baseline: unchecked before hides no failure" 1 "$GCV" "$ROOT/configs/seed_testcase.json" --baseline "$TMP/base-unch.json"
expect_grep "baseline: b1, unchecked before, is a new failure" '^  b1 +new failure' "$TMP/out"

# --- directional rows show what the directional method measured, nothing per parameter
expect_exit "directional" 1 "$GCV" "$TMP/plain/seed_testcase.json" --method directional
expect_grep "directional: no max rel err, worst or mismatches" '^1 +W1 +5×4 +3 dirs +[0-9.]+e-[0-9]+ +— +— +— +2e-07 +pass$' "$TMP/out"
grep -qE '0\.0e\+00|\(0,0\)' "$TMP/out" && bad "directional: per-parameter zeros printed" || ok "directional: no 0.0e+00, no (0,0)"
expect_grep "directional: the verdict counts blocks" '· FAIL · 2 of 6 blocks$' "$TMP/out"
# advice names what works: richardson is the method already, complex_step is left
expect_exit "richardson under its floor: inconclusive" 3 "$GCV" "$ROOT/configs/net.json" --threshold 1e-14 --method richardson --top 0
expect_grep "richardson: advice is complex_step alone" '^  W1 +difference .* not resolved; try --method complex_step$' "$TMP/out"

# --- the progress bar on a terminal: no time left before there is progress to tell it
# from, and no escape sequence at all with NO_COLOR (the bar was erased with ESC[K)
on_tty() { # on_tty VAR=VALUE,… CMD…: CMD with stdout and stderr on a pseudo-terminal
    python3 - "$@" <<'PY'
import os, pty, subprocess, sys
env = dict(os.environ)
env.update(kv.split("=", 1) for kv in sys.argv[1].split(",") if kv)
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=s, stderr=s, env=env)
os.close(s)
out = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
sys.stdout.buffer.write(out)
sys.exit(p.wait())
PY
}
on_tty NO_COLOR=1 "$GCV" "$ROOT/configs/bench/mnist.json" --max-seconds 2.5 --top 0 >"$TMP/tty.out"
python3 - "$TMP/tty.out" <<'PY' && ok "progress bar: no ESC, no estimate in the first frame, then one" || bad "progress bar: $(head -c 300 "$TMP/tty.out" | od -c | head -5)"
import sys
d = open(sys.argv[1], "rb").read()
frames = [f for f in d.decode().split("\r") if f.startswith("[")]
sys.exit(b"\x1b" in d or not frames or "left" in frames[0] or
         not any(f.endswith(" s left") for f in frames) or "params checked" not in d.decode())
PY

# --- the limits cover the set-up: eight 512-wide layers on 1000 examples, whose cached pass
# at θ, gradient and first parameter (five_point) took 14 s with --max-seconds 0.5 when only
# the loop looked at the clock; now the deadline and a signal stop the set-up too, within a
# layer, with the usual partial report (nothing checked). 160 MB; a second here.
printf '{"model": {"type": "mlp", "layers": [512, 512, 512, 512, 512, 512, 512, 512, 1],
  "hidden_activation": "tanh", "params": {"init": "xavier"}},
 "data": {"source": "synthetic", "examples": 1000},
 "check": {"threads": 1, "method": "five_point"}}' >"$TMP/setup.json"
secs() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(secs)" 'BEGIN { printf "%.2f", b - a }'; }
t0=$(secs)
expect_exit "--max-seconds 0.5 during the set-up: exit 3" 3 "$GCV" "$TMP/setup.json" --max-seconds 0.5 --json "$TMP/setup-stop.json"
wall=$(elapsed "$t0")
awk -v w="$wall" 'BEGIN { exit !(w < 6) }' && ok "--max-seconds 0.5 during the set-up: ${wall} s (< 6)" \
    || bad "--max-seconds 0.5 during the set-up took ${wall} s"
expect_grep "--max-seconds during the set-up: the verdict says so" 'INCONCLUSIVE · stopped early: 0 of 1839105 params checked' "$TMP/out"
st=$(json "$TMP/setup-stop.json" 'd["stopped"], d["status"], d["params_checked"], d["evaluations"]')
[ "$st" = "True inconclusive 0 0" ] && ok "--max-seconds during the set-up: the partial JSON report" || bad "--max-seconds during the set-up: JSON '$st'"
"$GCV" "$TMP/setup.json" -q --json "$TMP/setup-term.json" & pid=$!
sleep 0.3
t0=$(secs)
kill -TERM $pid
wait $pid
rc=$?
wall=$(elapsed "$t0")
[ "$rc" -eq 3 ] && ok "SIGTERM during the set-up: exit 3, ${wall} s after it" || bad "SIGTERM during the set-up: exit $rc"
st=$(json "$TMP/setup-term.json" 'd["stopped"], d["status"], d["params_checked"]' 2>&1)
[ "$st" = "True inconclusive 0" ] && ok "SIGTERM during the set-up: the partial JSON report" || bad "SIGTERM during the set-up: JSON '$st'"

# --- bad command lines and inputs: exit 2, one line, nothing written
expect_exit "no config" 2 "$GCV"
expect_grep "no config: message" '^gcverify: expected a config file' "$TMP/err"
expect_exit "--threads x" 2 "$GCV" "$ROOT/configs/net.json" --threads x
expect_grep "--threads x: message" "^gcverify: --threads: expected an integer from 0 to 4096, got 'x'$" "$TMP/err"
expect_exit "--method five_point" 2 "$GCV" "$ROOT/configs/net.json" --method nope
expect_exit "unknown option" 2 "$GCV" "$ROOT/configs/net.json" --frobnicate
expect_grep "unknown option: named" "^gcverify: unknown option --frobnicate \(gcverify --help lists them\)$" "$TMP/err"
# a typo gets the nearest option, as a config's keys do
expect_exit "--thread 4 (a typo)" 2 "$GCV" "$ROOT/configs/net.json" --thread 4
expect_grep "--thread: did you mean --threads?" "^gcverify: unknown option --thread \(did you mean --threads\?\)$" "$TMP/err"
[ "$(wc -l <"$TMP/err")" -eq 1 ] && ok "--thread: one line on stderr" || bad "--thread: $(wc -l <"$TMP/err") lines"
expect_exit "--max-second (a typo)" 2 "$GCV" "$ROOT/configs/net.json" --max-second 3
expect_grep "--max-second: did you mean --max-seconds?" "did you mean --max-seconds\?\)$" "$TMP/err"
expect_exit "--jsno (swapped letters)" 2 "$GCV" "$ROOT/configs/net.json" --jsno x.json
expect_grep "--jsno: did you mean --json?" "did you mean --json\?\)$" "$TMP/err"
expect_exit "missing file" 2 "$GCV" "$TMP/nope.json" --json "$TMP/never.json"
expect_grep "missing file: names the file" "nope\.json" "$TMP/err"
[ -e "$TMP/never.json" ] && bad "missing file: a report was written" || ok "missing file: no report written"
[ "$(wc -l <"$TMP/err")" -eq 1 ] && ok "missing file: one line on stderr" || bad "missing file: $(wc -l <"$TMP/err") lines"
printf '{"model": {"type": "mlp", "layers": [4, 5, -3, 1]}}' >"$TMP/neg.json"
expect_exit "negative layer size" 2 "$GCV" "$TMP/neg.json"
expect_grep "negative layer size: message" 'model\.layers\[2\]: expected a positive integer, got -3' "$TMP/err"
printf '{"model": {"type": "mlp", "layers": [4, 1], "hiden_activation": "relu"}}' >"$TMP/typo.json"
expect_exit "typo key" 2 "$GCV" "$TMP/typo.json"
expect_grep "typo key: suggestion" 'did you mean "hidden_activation"' "$TMP/err"
printf '{"model": {"type": "mlp", "layers": [4, 1]},\n "check": {"epsilon": }}' >"$TMP/syntax.json"
expect_exit "malformed JSON" 2 "$GCV" "$TMP/syntax.json"
expect_grep "malformed JSON: line and column" 'line 2, column' "$TMP/err"
printf '{"model": {"type": "mlp", "layers": [100000, 100000, 100000, 1]}}' >"$TMP/huge.json"
expect_exit "absurd size refused" 2 "$GCV" "$TMP/huge.json"
expect_grep "absurd size: memory message" 'expected a check that fits in' "$TMP/err"

expect_exit "--version" 0 "$GCV" --version
expect_grep "--version prints it" '^gcverify [0-9]+\.[0-9]+\.[0-9]+$' "$TMP/out"
expect_exit "--help" 0 "$GCV" --help
expect_grep "--help lists exit codes" 'Exit status: 0 pass, 1 gradient mismatch' "$TMP/out"

finish cli

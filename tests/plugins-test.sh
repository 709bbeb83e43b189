#!/usr/bin/env bash
# User models as plugins, end to end: the example plugins' configs (configs/plugins/), the
# buggy one localised and diagnosed, float32 checked in float's terms, every loader error
# (exit 2, one line), and --isolate turning crashes into inconclusive reports (exit 3).
# usage: plugins-test.sh path/to/gcverify source-root test-plugin-dir
set -u
GCV=$1
ROOT=$2
TP=$3 # build folder of tests/plugins (libtestplugin*.so)
. "$(dirname "$0")/lib.sh"
# A deliberately crashing plugin must die by its signal: AddressSanitizer's own SIGSEGV
# handler would turn it into an abort after a report.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_sigbus=0"

# --- the example plugins: every config under configs/plugins exits 0 (the buggy one says
# "expect": "fail", so its mismatch is the expected outcome)
for cfg in "$ROOT"/configs/plugins/*.json; do
    expect_exit "configs/plugins/$(basename "$cfg")" 0 "$GCV" "$cfg" --json "$TMP/$(basename "$cfg")"
done

# --- the seeds' bugs as user code: exactly W1, b1 and W2 fail, each with its diagnosis
expect_exit "seednet_buggy: an expected failure" 0 "$GCV" "$ROOT/configs/plugins/seednet_buggy.json"
cp "$TMP/out" "$TMP/buggy.txt"
expect_grep "seednet_buggy: said to be expected" '^expect  fail · FAIL \(expected\)$' "$TMP/buggy.txt"
# without "expect" the same mismatch exits 1 (a bare library name is found the same way)
sed '/"expect"/d' "$ROOT/configs/plugins/seednet_buggy.json" >"$TMP/seednet_buggy_plain.json"
expect_exit "seednet_buggy without \"expect\"" 1 "$GCV" "$TMP/seednet_buggy_plain.json"
n_fail=$(grep -cE ' FAIL$' "$TMP/buggy.txt")
[ "$n_fail" -eq 3 ] && ok "seednet_buggy: exactly 3 FAIL rows" || bad "seednet_buggy: $n_fail FAIL rows"
for b in W1 b1 W2; do expect_grep "seednet_buggy: $b fails" "^[0-9] +$b .*FAIL$" "$TMP/buggy.txt"; done
expect_grep "seednet_buggy: W1 diagnosed as transposed" \
    'W1 +analytic matches numeric transposed .*computed as a 5×4 matrix' "$TMP/buggy.txt"
expect_grep "seednet_buggy: b1 ≈ 4 × numeric" 'b1 +analytic ≈ 4\.000 × numeric' "$TMP/buggy.txt"
expect_grep "seednet_buggy: W2 ≈ 2 × numeric" 'W2 +analytic ≈ 2\.000 × numeric' "$TMP/buggy.txt"
expect_grep "seednet_buggy: plugin described" 'model +plugin libseednet\.so: .*classic bugs · 47 params · 3 examples' "$TMP/buggy.txt"
j=$TMP/seednet_buggy.json
[ "$(json "$j" "d['model']['type'], d['model']['params_total'], d['status']")" = "plugin 47 fail" ] &&
    ok "seednet_buggy JSON: type plugin, 47 params, fail" || bad "seednet_buggy JSON: $(json "$j" "d['model']")"
[ "$(json "$TMP/seednet.json" "d['status'], d['difference'] < 1e-9")" = "pass True" ] &&
    ok "seednet (fixed): pass, difference < 1e-9" || bad "seednet: $(json "$TMP/seednet.json" "d['difference']")"

# --- not an MLP: the conv1d plugin, 45 parameters in four blocks, all pass
[ "$(json "$TMP/conv1d.json" "[b['name'] for b in d['blocks']], d['params_checked'], d['status']")" = \
  "['kernel', 'kbias', 'dense', 'dbias'] 45 pass" ] && ok "conv1d: four blocks, 45 checked, pass" ||
    bad "conv1d: $(json "$TMP/conv1d.json" "d['blocks']")"

# --- float32: float's step and thresholds, stated in the report, and a pass
expect_exit "logreg_float" 0 "$GCV" "$ROOT/configs/plugins/logreg_float.json"
expect_grep "float: the check line shows ε = 2⁻⁸ and threshold 1e-3" 'check +central, ε = 4e-03, threshold 1e-03' "$TMP/out"
expect_grep "float: the note states u = 2^-24 and the float defaults" \
    'note +float32 model: .*u = 2\^-24; epsilon 0\.00390625, threshold 0\.001, rtol 0\.01, atol 1e-06' "$TMP/out"
expect_grep "float: the model line says float32" 'plugin liblogreg\.so \(float32\)' "$TMP/out"
d=$(json "$TMP/logreg_float.json" "d['difference']")
python3 -c "import sys; d=float(sys.argv[1]); sys.exit(not (1e-7 < d < 1e-3))" "$d" &&
    ok "float: difference $d between 1e-7 (float noise) and 1e-3" || bad "float: difference $d"
# the Taylor test on a float model: steps from 1.6 down, an order near 2 for every block
expect_exit "float --taylor" 0 "$GCV" "$ROOT/configs/plugins/logreg_float.json" --taylor --json "$TMP/ft.json"
python3 - "$TMP/ft.json" <<'EOF' && ok "float --taylor: observed order 2 ± 0.1 in every block" || bad "float --taylor: $(json "$TMP/ft.json" "[b['taylor_order'] for b in d['blocks']]")"
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not all(b["taylor_order"] is not None and abs(b["taylor_order"] - 2) < 0.1 for b in d["blocks"]))
EOF
# double settings on a float model: no false alarm, and no pass over the threshold: the
# escalation cannot bring float below 1e-7, so it is inconclusive, and the advice names only
# what this model runs: no complex_step (a float plugin has no complex-step cost, the engine
# refuses it with exit 2), richardson, which does run
expect_exit "float with double's ε and threshold: no false FAIL, no false pass: inconclusive" 3 "$GCV" \
    "$ROOT/configs/plugins/logreg_float.json" --epsilon 1e-6 --threshold 1e-7
expect_grep "float: the advice is richardson" '^  w +difference .* not resolved; try --method richardson$' "$TMP/out"
grep -q complex_step "$TMP/out" && bad "float: complex_step suggested: $(grep complex_step "$TMP/out" | head -1)" ||
    ok "float: complex_step never suggested"
# double's ε alone on a float model is noise; the escalation's larger steps decide it
expect_exit "float with double's ε: decided by escalation" 0 "$GCV" "$ROOT/configs/plugins/logreg_float.json" --epsilon 1e-6
# a step the user names is the step taken, not the float defaults' pilot's (which takes only
# steps 2⁻⁸·4ᵏ·max(|θ|,1) and the steps between, never 0.01): every entry's step is 2·0.01
# as float rounds θ ± 0.01
"$GCV" "$ROOT/configs/plugins/logreg_float.json" --quiet --epsilon 0.01 --params all --json "$TMP/feps.json"
st=$(json "$TMP/feps.json" 'd["check"]["epsilon"], all(abs(p["step"] - 0.02) < 1e-7 for p in d["params"] if p["evaluations"] == 2), sum(p["evaluations"] == 2 for p in d["params"]) > 0')
[ "$st" = "0.01 True True" ] && ok "float --epsilon 0.01: the step taken is 0.01" ||
    bad "float --epsilon 0.01: $st, steps $(json "$TMP/feps.json" 'sorted(set(round(p["step"], 7) for p in d["params"]))[:5]')"
expect_exit "float: the advice runs" 0 "$GCV" "$ROOT/configs/plugins/logreg_float.json" --method richardson
# and with richardson already, below what a float cost resolves: no method to name
expect_exit "float richardson, threshold 1e-7: over it, never a pass" 3 "$GCV" "$ROOT/configs/plugins/logreg_float.json" --method richardson --threshold 1e-7
expect_grep "float richardson: no finer method, the threshold it reaches" '^  w +difference .* not resolved; no finer method is available for this model: a threshold of [0-9.]+e-[0-9]+ or more is within its reach$' "$TMP/out"
grep -qE 'complex_step|try --method' "$TMP/out" && bad "float richardson: a method suggested" || ok "float richardson: no method suggested"
# a float model whose gradient is wrong still fails: the seednet-like bug in float terms
cat >"$TMP/float_bad.json" <<EOF
{"model": {"type": "plugin", "library": "$TP/libtestplugin.so",
           "options": {"defect": "float_ok"}}}
EOF
expect_exit "float test plugin, correct: pass" 0 "$GCV" "$TMP/float_bad.json"
expect_grep "float test plugin runs as float32" 'plugin libtestplugin\.so \(float32\)' "$TMP/out"

# --- loader errors: exit 2, one line naming model.library and what was wrong
plugin_cfg() { # plugin_cfg FILE LIBRARY OPTIONS_JSON [EXTRA_TOP_LEVEL]
    printf '{"model": {"type": "plugin", "library": "%s", "options": %s}%s}\n' "$2" "$3" "${4:-}" >"$1"
}
expect_load_error() { # NAME LIBRARY OPTIONS PATTERN [EXTRA]
    plugin_cfg "$TMP/e.json" "$2" "$3" "${5:-}"
    expect_exit "$1" 2 "$GCV" "$TMP/e.json"
    expect_grep "$1: message" "$4" "$TMP/err"
    local lines
    lines=$(wc -l <"$TMP/err")
    [ "$lines" -eq 1 ] && ok "$1: one line" || bad "$1: $lines lines on stderr"
}
echo "not a library" >"$TMP/notelf.so"
: >"$TMP/empty.so"
mkdir -p "$TMP/dir.so"
expect_load_error "missing file" "$TMP/nope.so" '{}' 'model\.library: .*nope\.so: expected a shared object, got no such file'
expect_load_error "not ELF" "$TMP/notelf.so" '{}' 'expected an ELF shared object, got a file starting with "not a li'
expect_load_error "empty file" "$TMP/empty.so" '{}' 'expected an ELF shared object, got an empty file'
expect_load_error "a folder" "$TMP/dir.so" '{}' 'model\.library: .*dir\.so: expected a regular file, got a directory'
expect_load_error "an executable" "$GCV" '{}' 'model\.library: .*gcverify: expected a loadable shared object, got: .*'
expect_load_error "ABI mismatch" "$TP/libtestplugin_abi99.so" '{}' 'expected plugin ABI version 2 \(or 1\), got 99 \(rebuild the plugin'
expect_load_error "no ABI symbol" "$TP/libtestplugin_noabi.so" '{}' 'expected the symbol gcv_plugin_abi_version'
expect_load_error "no entry symbol" "$TP/libtestplugin_noentry.so" '{}' 'expected the function gcv_plugin_model_new, got no such symbol'
expect_load_error "bare name not found" "libnosuchplugin.so" '{}' 'model\.library: libnosuchplugin\.so: expected a plugin of that name in one of .*examples/plugins'
T=$TP/libtestplugin.so
expect_load_error "entry fails" "$T" '{"defect": "fail"}' 'gcv_plugin_model_new failed: test plugin asked to fail'
expect_load_error "blocks do not add up" "$T" '{"defect": "blocks_sum"}' 'blocks: expected blocks adding up to n_params = 6, got 5 parameters in 2 blocks'
expect_load_error "NULL cost" "$T" '{"defect": "null_cost"}' 'returned a bad model: cost: expected a function for a double model, got NULL'
expect_load_error "NaN in θ" "$T" '{"defect": "nan_theta"}' 'theta\[3\] \(A\[1,1\]\): expected a finite number, got NaN'
expect_load_error "-Inf in a float θ" "$T" '{"defect": "float_nan_theta"}' 'theta\[5\] \(c\[1,0\]\): expected a finite number, got -Inf'
expect_load_error "duplicate block name" "$T" '{"defect": "dup_name"}' 'blocks\[1\]\.name: expected a unique name, got "A" again'
expect_load_error "layers decreasing (a version 1 plugin)" "$TP/libtestplugin_v1.so" '{"defect": "layer_order"}' 'blocks\[1\]\.layer: expected a layer ≥ 2'
expect_load_error "empty block" "$T" '{"defect": "zero_rows"}' 'blocks\[0\] \(A\): expected rows and cols ≥ 1, got 0×2'
expect_load_error "no destroy" "$T" '{"defect": "no_destroy"}' 'destroy: expected a function, got NULL'
expect_load_error "bad precision" "$T" '{"defect": "precision"}' 'precision: expected GCV_PLUGIN_DOUBLE \(0\) or GCV_PLUGIN_FLOAT \(1\), got 7'
expect_load_error "gradient fails, with the plugin's reason" "$T" '{"defect": "fail_gradient"}' 'the gradient evaluation failed: test plugin: gradient refused'
# a config that loads but cannot be checked (here: over --max-memory) still gets its suite
plugin_cfg "$TMP/bigws.json" "$T" '{"defect": "huge_ws"}'
expect_exit "--junit, a config over --max-memory and a good one: exit 2" 2 "$GCV" \
    "$TMP/bigws.json" "$ROOT/configs/plugins/logreg.json" --max-memory 1G --junit "$TMP/bigws.xml"
[ "$(grep -c '<testsuite ' "$TMP/bigws.xml")" -eq 2 ] && ok "--junit: a suite for each config" ||
    bad "--junit: $(grep -c '<testsuite ' "$TMP/bigws.xml") suites"
expect_grep "--junit: the config not checked is a suite with one error" \
    '<testsuite name="bigws" tests="1" failures="0" errors="1"' "$TMP/bigws.xml"
expect_grep "--junit: … saying why" '<error [^>]*message="model: expected a check that fits in 1\.0 GiB' "$TMP/bigws.xml"
expect_load_error "options not an object" "$T" '[1]' 'model\.options: expected an object'
expect_load_error "a data section" "$T" '{}' 'data: expected no data section for a plugin model' ', "data": {"source": "synthetic"}'
printf '{"model": {"type": "plugin", "library": "x.so", "layers": [2, 1]}}\n' >"$TMP/e.json"
expect_exit "mlp keys in a plugin model" 2 "$GCV" "$TMP/e.json"
expect_grep "mlp keys in a plugin model: named" 'model\.layers' "$TMP/err"
printf '{"model": {"type": "plugin"}}\n' >"$TMP/e.json"
expect_exit "no library" 2 "$GCV" "$TMP/e.json"
expect_grep "no library: message" "model\.library: expected the path of the plugin's shared object, got nothing" "$TMP/err"
printf '{"model": {"type": "plugin", "library": "%s"}, "check": {"examples": 2}}\n' "$T" >"$TMP/e.json"
expect_exit "check.examples with a plugin" 2 "$GCV" "$TMP/e.json"
# a bare name is found through GCV_PLUGIN_PATH
plugin_cfg "$TMP/bare.json" "libtestplugin.so" '{}'
expect_exit "bare name through GCV_PLUGIN_PATH" 0 env GCV_PLUGIN_PATH="/nonexistent:$TP" "$GCV" "$TMP/bare.json"
# a path resolves against the config's folder
mkdir -p "$TMP/sub" && cp "$T" "$TMP/sub/libmine.so"
plugin_cfg "$TMP/rel.json" "sub/libmine.so" '{}'
(cd / && expect_exit "relative path from the config's folder" 0 "$GCV" "$TMP/rel.json")
# a non-finite cost from the plugin: inconclusive, exit 3
plugin_cfg "$TMP/nan.json" "$T" '{"defect": "nan_cost", "index": 2}'
expect_exit "NaN cost at parameter 2: exit 3" 3 "$GCV" "$TMP/nan.json" --json "$TMP/nan.out.json"
[ "$(json "$TMP/nan.out.json" "d['params'][0]['index'], d['params'][0]['status']" 2>/dev/null)" = "2 nonfinite" ] &&
    ok "NaN cost: parameter 2 is nonfinite" || bad "NaN cost: $(head -c 400 "$TMP/nan.out.json")"

# a plugin that does not say how many examples: the model line says nothing of them
plugin_cfg "$TMP/noex.json" "$T" '{"defect": "no_examples"}'
expect_exit "examples left 0 by the plugin" 0 "$GCV" "$TMP/noex.json"
expect_grep "examples left 0: not printed" '^model   plugin libtestplugin\.so: test plugin · 6 params$' "$TMP/out"

# --- a plugin in C++: plugin.h compiles without a warning, and GCV_PLUGIN_DECLARE_ABI gives
# the version symbol external C linkage (a plain const would be internal in C++)
if command -v g++ >/dev/null; then
    cat >"$TMP/cxx.cpp" <<'EOF'
#include <cstdio>
#include <gcverify/plugin.h>
GCV_PLUGIN_DECLARE_ABI;
extern "C" GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *args,
                                                      gcv_plugin_model *out)
{
    (void)out;
    std::snprintf(args->err, args->err_len, "a C++ plugin says no");
    return 1;
}
EOF
    if g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -fvisibility=hidden -fPIC -shared \
        -I"$ROOT/include" "$TMP/cxx.cpp" -o "$TMP/libcxx.so" 2>"$TMP/cxx.log"; then
        ok "a C++ plugin compiles with -Wall -Wextra -Wpedantic -Werror -fvisibility=hidden"
        plugin_cfg "$TMP/cxx.json" "$TMP/libcxx.so" '{}'
        expect_exit "a C++ plugin: its version is read and its entry point called" 2 "$GCV" "$TMP/cxx.json"
        expect_grep "a C++ plugin: its own reason" 'gcv_plugin_model_new failed: a C\+\+ plugin says no$' "$TMP/err"
    else
        bad "a C++ plugin does not compile: $(head -3 "$TMP/cxx.log")"
    fi
fi

# --- the optional hooks through the ABI: complex step and the incremental accelerator
plugin_cfg "$TMP/hooks.json" "$T" '{"hooks": true}'
expect_exit "plugin cost_complex: --method complex_step" 0 "$GCV" "$TMP/hooks.json" --method complex_step --json "$TMP/cs.json"
d=$(json "$TMP/cs.json" "d['difference']")
python3 -c "import sys; sys.exit(not float(sys.argv[1]) < 1e-15)" "$d" && ok "complex step through the plugin: difference $d < 1e-15" || bad "complex step: $d"
plugin_cfg "$TMP/nohooks.json" "$T" '{}'
expect_exit "no cost_complex: complex_step refused" 2 "$GCV" "$TMP/nohooks.json" --method complex_step
expect_grep "no cost_complex: the reason" 'expected a model with a complex-step cost' "$TMP/err"
"$GCV" "$TMP/hooks.json" --json "$TMP/inc.json" --params all -q
"$GCV" "$TMP/hooks.json" --json "$TMP/full.json" --params all --full-passes -q
python3 - "$TMP/inc.json" "$TMP/full.json" <<'EOF' && ok "cost_perturbed and full passes agree to 1e-12 per parameter" || bad "cost_perturbed differs"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
pa, pb = a["params"], b["params"]
sys.exit(len(pa) != 6 or any(abs(x["numeric"] - y["numeric"]) > 1e-12 * max(1, abs(x["numeric"])) for x, y in zip(pa, pb)))
EOF

# --- shards of a plugin check merge into the one-shard run's report, float32 included (a
# shard sees part of each block, so no shard measures noise or escalates: an unsharded run,
# which does, may decide more; doc/cluster.md)
for cfg in seednet_buggy logreg_float; do
    C=$ROOT/configs/plugins/$cfg.json
    "$GCV" "$C" --shard 1/2 --json "$TMP/s0.json" -q
    "$GCV" "$C" --shard 2/2 --json "$TMP/s1.json" -q
    "$GCV" merge "$TMP/s0.json" "$TMP/s1.json" -o "$TMP/sm.json" -q
    "$GCV" "$C" --shard 1/1 --json "$TMP/s2.json" -q
    "$GCV" merge "$TMP/s2.json" -o "$TMP/sf.json" -q
    same_json "$TMP/sm.json" "$TMP/sf.json" && ok "$cfg: 2 shards merged = one shard" || bad "$cfg: merged report differs"
done
[ "$(json "$TMP/sm.json" "d['model']['precision']")" = float32 ] && ok "merged float report keeps precision float32" || bad "merged precision"
expect_exit "--export refused for a plugin" 2 "$GCV" "$ROOT/configs/plugins/logreg.json" --export "$TMP"
expect_grep "--export: the reason" '--export: expected a built-in mlp model, got a plugin' "$TMP/err"

# --- what the review found: an exit() in the model, a crash in destroy(), a left-out parameter
# under a budget, names, block counts, memory, float stencils
plugin_cfg "$TMP/exit.json" "$T" '{"defect": "exit_cost", "index": 2}'
expect_exit "exit() in cost() without --isolate: exit 3, not the model's 5" 3 "$GCV" "$TMP/exit.json"
expect_grep "exit() without --isolate: one line" '^gcverify: the model called exit\(\) during the check: no report \(--isolate gives one\)$' "$TMP/err"
expect_exit "exit() in cost() with --isolate: exit 3" 3 "$GCV" "$TMP/exit.json" --isolate --json "$TMP/exit.out.json"
expect_grep "exit() with --isolate: function and parameter" 'exit\(5\) called by the model in cost\(\) at parameter 2, A\[1,0\] \(reproduced alone' "$TMP/out"
[ "$(json "$TMP/exit.out.json" "d['status'], d['params_checked']")" = "inconclusive 5" ] &&
    ok "exit() with --isolate: the other 5 checked" || bad "exit() --isolate: $(json "$TMP/exit.out.json" "d['params_checked']")"
plugin_cfg "$TMP/crashb.json" "$T" '{"defect": "crash_cost", "index": 3}'
expect_exit "--isolate --budget: the crashing parameter is left out of the budget's order too" 3 \
    "$GCV" "$TMP/crashb.json" --isolate --budget 5 --json "$TMP/budget.json"
[ "$(json "$TMP/budget.json" "d['status'], d['params_checked'], 'crash' in d")" = "inconclusive 5 False" ] &&
    ok "--isolate --budget: a complete report but for θ[3]" || bad "--isolate --budget: $(head -c 300 "$TMP/budget.json")"
plugin_cfg "$TMP/destroy.json" "$T" '{"defect": "crash_destroy"}'
expect_exit "crash in destroy() under --isolate: exit 3" 3 "$GCV" "$TMP/destroy.json" --isolate --json "$TMP/destroy.out.json"
expect_grep "crash in destroy(): said" 'the model crashed: SIGSEGV \(signal 11\) in the model.s destroy\(\), after the reports were written \(exit 3\)' "$TMP/err"
[ "$(json "$TMP/destroy.out.json" "d['status'], d['params_checked'], 'crash' in d")" = "pass 6 False" ] &&
    ok "crash in destroy(): the full report is kept" || bad "crash in destroy(): $(head -c 300 "$TMP/destroy.out.json")"
expect_load_error "a block name with a newline" "$T" '{"defect": "bad_name"}' 'blocks\[1\]\.name: expected letters, digits and _ \. - \+ : / \( \) \[ \] only, got other characters'
expect_load_error "more blocks than parameters" "$T" '{"defect": "many_blocks"}' 'n_blocks: expected at most n_params = 6 \(every block holds a parameter\), got 100'
plugin_cfg "$TMP/hugews.json" "$T" '{"defect": "huge_ws"}'
expect_exit "--max-memory holds for a plugin's workspace" 2 "$GCV" "$TMP/hugews.json" --max-memory 1G --threads 2
expect_grep "--max-memory: the estimate named" 'model: expected a check that fits in 1\.0 GiB of memory, got an estimated 192\.0 GiB \(6 parameters, a 68719476736-byte workspace, 2 threads\)' "$TMP/err"
# ε below float's spacing gives noise: the blocks go over the threshold, and the escalation's
# ladder of larger steps decides them (a pass, every parameter re-estimated), never nonfinite.
expect_exit "float five_point with ε below float's spacing: decided by escalation, not nonfinite" 0 \
    "$GCV" "$ROOT/configs/plugins/logreg_float.json" --method five_point --epsilon 1e-9 --json "$TMP/f5.json"
[ "$(json "$TMP/f5.json" "sum(b.get('nonfinite', 0) for b in d['blocks']), [(b['status'], b['escalated']) for b in d['blocks']]")" = \
  "0 [('pass', 4), ('pass', 1)]" ] && ok "float five_point: no stencil collapsed, escalated" || bad "float five_point: $(json "$TMP/f5.json" "d['blocks']")"

# --- --isolate: a crash in the user's code becomes an inconclusive report
plugin_cfg "$TMP/crash.json" "$T" '{"defect": "crash_cost", "index": 3}'
"$GCV" "$TMP/crash.json" --quiet >/dev/null 2>&1
rc=$?
[ "$rc" -gt 128 ] && ok "without --isolate the crash ends gcverify (status $rc)" || bad "no crash without --isolate: $rc"
for threads in 1 2 4; do
    expect_exit "--isolate, cost() crashes at θ[3], $threads threads" 3 "$GCV" "$TMP/crash.json" --isolate \
        --threads $threads --json "$TMP/crash$threads.json"
    expect_grep "--isolate ($threads threads): function and parameter named" \
        'the model crashed: SIGSEGV \(signal 11\) in cost\(\) at parameter 3, A\[1,1\] \(reproduced alone on one thread\)' "$TMP/out"
    [ "$(json "$TMP/crash$threads.json" "d['status'], d['params_checked'], [b['status'] for b in d['blocks']]")" = \
      "inconclusive 5 ['inconclusive', 'pass']" ] && ok "--isolate ($threads threads): the other 5 checked, A inconclusive, c pass" ||
        bad "--isolate ($threads): $(json "$TMP/crash$threads.json" "d['status'], d['params_checked'], d['blocks']")"
done
expect_grep "--isolate: the note is in the text report" '^note +the model crashed: SIGSEGV' "$TMP/out"
same_json "$TMP/crash1.json" "$TMP/crash4.json" check && ok "--isolate: 1 and 4 threads give the same report" || bad "--isolate: reports differ"
plugin_cfg "$TMP/crashk.json" "$T" '{"defect": "crash_kinks", "index": 4}'
expect_exit "--isolate, kinks_crossed() crashes at θ[4]" 3 "$GCV" "$TMP/crashk.json" --isolate
expect_grep "--isolate: SIGBUS in kinks_crossed() named" 'SIGBUS \(signal 7\) in kinks_crossed\(\) at parameter 4, c\[0,0\]' "$TMP/out"
plugin_cfg "$TMP/crashg.json" "$T" '{"defect": "crash_gradient"}'
expect_exit "--isolate, gradient() crashes" 3 "$GCV" "$TMP/crashg.json" --isolate --json "$TMP/crashg.out.json" --junit "$TMP/crashg.xml"
expect_grep "--isolate: crash in gradient() named" 'SIGSEGV \(signal 11\) in gradient\(\), before any parameter was perturbed' "$TMP/err"
[ "$(json "$TMP/crashg.out.json" "d['schema'], d['status'], d['params_checked'], d['crash']['signal'], len(d['blocks'])")" = \
  "gcverify.report/1 inconclusive 0 11 2" ] && ok "--isolate: minimal JSON report for a crash in gradient()" ||
    bad "--isolate gradient JSON: $(cat "$TMP/crashg.out.json")"
expect_grep "--isolate: JUnit error of type crash" '<error type="crash" message="the model crashed: SIGSEGV' "$TMP/crashg.xml"
if command -v xmllint >/dev/null; then
    xmllint --noout --schema "$ROOT/tests/junit/junit.xsd" "$TMP/crashg.xml" 2>"$TMP/xsd.log" &&
        ok "--isolate: the crash JUnit file validates against tests/junit/junit.xsd" ||
        bad "--isolate: crash JUnit invalid: $(cat "$TMP/xsd.log")"
fi
plugin_cfg "$TMP/crashgf.json" "$T" '{"defect": "crash_gradient", "float": true}'
expect_exit "--isolate, a float model's gradient() crashes" 3 "$GCV" "$TMP/crashgf.json" --isolate --json "$TMP/crashgf.out.json"
[ "$(json "$TMP/crashgf.out.json" "d['check']['epsilon'], d['check']['threshold']")" = "0.00390625 0.001" ] &&
    ok "--isolate: the minimal report of a float model states float's settings" ||
    bad "--isolate float crash: $(json "$TMP/crashgf.out.json" "d['check']")"
plugin_cfg "$TMP/crashl.json" "$T" '{"defect": "crash_load"}'
expect_exit "--isolate, gcv_plugin_model_new crashes" 3 "$GCV" "$TMP/crashl.json" --isolate
expect_grep "--isolate: crash while loading named" 'SIGSEGV \(signal 11\) while loading the config and the model' "$TMP/err"
# a model that hangs: with --max-seconds S the watchdog kills the child at 1.1·S + 2 s after
# its check began, and the hang is handled as a crash (the parameter found alone, left out)
plugin_cfg "$TMP/hang.json" "$T" '{"defect": "hang_cost", "index": 2}'
t0=$(date +%s)
expect_exit "--isolate --max-seconds 1, cost() hangs at θ[2]: exit 3" 3 "$GCV" "$TMP/hang.json" \
    --isolate --max-seconds 1 --threads 2 --json "$TMP/hang.out.json"
s=$(( $(date +%s) - t0 ))
expect_grep "--isolate: the hang named with its function and parameter" \
    'the model hung: no return within 3\.1 s of the check.s start \(killed\) in cost\(\) at parameter 2, A\[1,0\] \(reproduced alone on one thread\)' "$TMP/out"
[ "$(json "$TMP/hang.out.json" "d['status'], d['params_checked'], [b['status'] for b in d['blocks']]")" = \
  "inconclusive 5 ['inconclusive', 'pass']" ] && ok "--isolate, a hang: the other 5 checked" ||
    bad "--isolate hang: $(json "$TMP/hang.out.json" "d['status'], d['params_checked'], d['blocks']")"
[ "$s" -lt 30 ] && ok "--isolate: the hang cost ${s} s (two kills of 3.1 s and the rest)" || bad "--isolate hang: ${s} s"
plugin_cfg "$TMP/hangg.json" "$T" '{"defect": "hang_gradient"}'
expect_exit "--isolate --max-seconds 0.5, gradient() hangs: exit 3" 3 "$GCV" "$TMP/hangg.json" \
    --isolate --max-seconds 0.5 --json "$TMP/hangg.out.json" --junit "$TMP/hangg.xml"
expect_grep "--isolate: a hang in gradient() named" \
    '^gcverify: .*hangg\.json: the model hung: no return within 2\.55 s of the check.s start \(killed\) in gradient\(\), before any parameter was perturbed$' "$TMP/err"
[ "$(json "$TMP/hangg.out.json" "d['status'], d['crash']['signal'], d['crash']['hung']")" = "inconclusive 9 True" ] &&
    ok "--isolate: the minimal report of a hang says hung, signal 9" || bad "--isolate hang JSON: $(cat "$TMP/hangg.out.json")"
expect_grep "--isolate: JUnit error for the hang" '<error type="crash" message="the model hung: no return' "$TMP/hangg.xml"
# SIGINT to the supervisor: the child stops with its partial report, no further config runs
plugin_cfg "$TMP/slow.json" "$T" '{"defect": "slow"}'
"$GCV" --isolate --threads 1 "$TMP/slow.json" "$TMP/slow.json" >"$TMP/slow.out" 2>&1 &
pid=$!
sleep 1
kill -INT $pid
t0=$(date +%s%N)
wait $pid
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
n=$(grep -c 'slow\.json' "$TMP/slow.out")
[ "$rc" -eq 3 ] && [ "$n" -eq 1 ] && [ "$ms" -lt 1500 ] &&
    ok "--isolate: SIGINT stops the check (exit 3, ${ms} ms) and the second config never starts" ||
    { bad "--isolate SIGINT: exit $rc, $n summary lines, $ms ms"; head -5 "$TMP/slow.out"; }
# several configs: the crash is one line, the others are checked and the JUnit has all
expect_exit "--isolate with three configs: worst is the mismatch" 1 "$GCV" --isolate \
    "$ROOT/configs/plugins/logreg.json" "$TMP/crash.json" "$TMP/seednet_buggy_plain.json" \
    --junit "$TMP/multi.xml"
expect_grep "--isolate, several configs: crash config inconclusive" '^INCONCLUSIVE +.*crash\.json' "$TMP/out"
n=$(grep -c '<testsuite ' "$TMP/multi.xml")
[ "$n" -eq 3 ] && ok "--isolate: the JUnit file has the 3 suites from the children" || bad "--isolate JUnit: $n suites"
# a clean config gives the same report with and without --isolate
"$GCV" "$ROOT/configs/plugins/seednet_buggy.json" --json "$TMP/plain.json" >/dev/null 2>&1
"$GCV" "$ROOT/configs/plugins/seednet_buggy.json" --isolate --json "$TMP/iso.json" >/dev/null 2>&1
same_json "$TMP/plain.json" "$TMP/iso.json" && ok "--isolate changes nothing when nothing crashes" || bad "--isolate report differs"

# --- doc/plugins.md's walkthrough, as written: the file shown is the file built; breaking db as
# it says gives exit 1 and the diagnosis it quotes
python3 - "$ROOT/doc/plugins.md" "$ROOT/examples/plugins/mymodel.c" <<'EOF' && ok "doc/plugins.md shows examples/plugins/mymodel.c verbatim" || bad "doc/plugins.md's mymodel.c differs from the file"
import sys
readme, code = open(sys.argv[1]).read(), open(sys.argv[2]).read()
sys.exit(("```c\n" + code + "```") not in readme)
EOF
if command -v cc >/dev/null; then
    sed 's|g\[6 + r\] += d / 4;|g[6 + r] += d / 2;|' "$ROOT/examples/plugins/mymodel.c" >"$TMP/mymodel.c"
    grep -q 'g\[6 + r\] += d / 2;' "$TMP/mymodel.c" && ok "walkthrough: the bug edit applies" || bad "walkthrough: edit did not apply"
    (cd "$ROOT" && cc -O2 -shared -fPIC -I include -o "$TMP/libmymodel.so" "$TMP/mymodel.c") &&
        ok "walkthrough: doc/plugins.md's cc line builds the plugin" || bad "walkthrough: cc failed"
    echo '{"name": "mymodel", "model": {"type": "plugin", "library": "./libmymodel.so"}}' >"$TMP/mymodel.json"
    expect_exit "walkthrough: the broken db exits 1" 1 "$GCV" "$TMP/mymodel.json"
    expect_grep "walkthrough: b ≈ 2 × numeric" '^  b +analytic ≈ 2\.000 × numeric' "$TMP/out"
    expect_exit "walkthrough: the example as built passes" 0 "$GCV" "$ROOT/configs/plugins/mymodel.json"
    expect_grep "walkthrough: the model line doc/plugins.md quotes" '^model   plugin libmymodel\.so · 8 params · 4 examples$' "$TMP/out"
    expect_grep "walkthrough: the verdict doc/plugins.md quotes" '^overall difference 5\.80e-11 ≤ 1e-07 · pass' "$TMP/out"
else
    echo "skip the walkthrough build (no cc)"
fi

finish plugins

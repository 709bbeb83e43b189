#!/usr/bin/env bash
# Worker models (model.type "process", doc/workers.md) end to end: the examples of
# examples/own-code (the course assignment's NumPy functions with their planted bugs and
# fixed, the notebook's code on data.mat, PyTorch, Octave) with their verdicts and factors;
# reports bit-identical for 1, 2 and 3 workers; every way a worker can fail (dies, hangs,
# prints to stdout, answers short, announces a bad model, disagrees with another worker,
# refuses to start) named in one line with the command and the parameter, the other results
# kept; the config keys' errors; the Python helper from an installed tree.
# usage: workers-test.sh GCVERIFY SOURCE-ROOT BUILD-ROOT
set -u
. "$(dirname "$0")/lib.sh"
GCV=$1
ROOT=$(cd "$2" && pwd)
BUILD=$3
export NO_COLOR=1
# The Debian interpreter first: the examples need its NumPy, SciPy and torch packages.
export PATH=/usr/bin:/bin:$PATH
OWN=$ROOT/examples/own-code

if ! python3 -c 'import numpy' 2>/dev/null; then
    echo "SKIP: python3-numpy is not installed (scripts/bootstrap installs it)"
    exit 77
fi

# ---- the course assignment: the planted bugs, then fixed ----
expect_exit "course, as given: exit 1" 1 "$GCV" --threads 2 "$OWN/course.json" \
    --json "$TMP/course2.json"
cp "$TMP/out" "$TMP/course.txt"
expect_grep "course: b1 fails" '^1 +b1 +5×1 .* FAIL$' "$TMP/course.txt"
expect_grep "course: W2 fails" '^2 +W2 +3×5 .* FAIL$' "$TMP/course.txt"
expect_grep "course: factor 4 on b1" '^  b1 +analytic ≈ 4\.000 × numeric$' "$TMP/course.txt"
expect_grep "course: factor 2 on W2" '^  W2 +analytic ≈ 2\.000 × numeric$' "$TMP/course.txt"
n_fail=$(grep -cE ' FAIL$' "$TMP/course.txt")
[ "$n_fail" -eq 2 ] && ok "course: exactly 2 blocks fail" || bad "course: $n_fail blocks fail"
expect_grep "course: 2 of 6 blocks" 'FAIL · 2 of 6 blocks, 8 of 47 params' "$TMP/course.txt"
expect_grep "course: the model line" '^model +process python3 course\.py: .*· 47 params · 3 examples$' \
    "$TMP/course.txt"
[ "$(json "$TMP/course2.json" 'd["model"]["type"]')" = process ] &&
    ok "course: JSON model.type process" || bad "course: JSON model.type"
expect_exit "course, fixed: exit 0" 0 "$GCV" "$OWN/course-fixed.json"

# ---- the same report for any number of workers ----
for t in 1 3; do
    "$GCV" -q --threads $t "$OWN/course.json" --json "$TMP/course$t.json" >/dev/null 2>&1
done
# Equal but for the timings and the thread count the run echoes (check.threads).
same_report() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("seconds")
    d["check"].pop("threads")
sys.exit(a != b)
EOF
}
for t in 1 3; do
    if same_report "$TMP/course2.json" "$TMP/course$t.json"; then
        ok "course: report with $t workers = with 2, bit for bit"
    else bad "course: report with $t workers differs from 2"; fi
done

# ---- the notebook's code on data.mat: uint8 labels, transposed weights, ReLU kinks ----
if python3 -c 'import scipy.io' 2>/dev/null; then
    expect_exit "notebook: exit 0" 0 "$GCV" --threads 2 "$OWN/notebook.json"
    expect_grep "notebook: the uint8 note" 'note +data\.Y: labels stored as uint8 were converted to double before any arithmetic \(in integer arithmetic -y wraps to 255\)' "$TMP/out"
    # Without its kinks= report, gcverify finds the kinks from the one-sided slopes: the
    # zero biases b2 over dead units sit on them. And a real bug there (db2 doubled) fails.
    here="$OWN" # the copies read data/ relative to the example's folder
    sed -e '/kinks=lambda/d' -e "s|os.path.dirname(os.path.abspath(__file__))|'$here'|" \
        "$OWN/notebook.py" >"$TMP/nokinks.py"
    sed 's|    dJ_db2 = (1 / m) \* np.sum|    dJ_db2 = (2 / m) * np.sum|' "$TMP/nokinks.py" >"$TMP/nokinks_bug.py"
    grep -q '(2 / m) \* np.sum' "$TMP/nokinks_bug.py" && ok "notebook: the db2 bug planted" || bad "notebook: the db2 bug not planted"
    printf '{"model": {"type": "process", "command": ["python3", "nokinks.py"]}}\n' >"$TMP/nokinks.json"
    printf '{"model": {"type": "process", "command": ["python3", "nokinks_bug.py"]}}\n' >"$TMP/nokinks_bug.json"
    expect_exit "notebook without kink reports: exit 0" 0 "$GCV" --threads 2 "$TMP/nokinks.json" --params all
    expect_grep "notebook without kink reports: b2 sits on its kinks" '^kinks +2 params crossed a ReLU kink at ±ε: 0 resolved with a smaller step or one side, 2 sit on the kink' "$TMP/out"
    expect_exit "notebook without kink reports, db2 doubled: exit 1" 1 "$GCV" --threads 2 "$TMP/nokinks_bug.json"
    expect_grep "notebook without kink reports, db2 doubled: the factor" '^  b2 +analytic ≈ 2\.000 × numeric$' "$TMP/out"
else
    echo "SKIP: notebook example (python3-scipy is not installed)"
fi

# ---- PyTorch ----
if python3 -c 'import torch' 2>/dev/null; then
    expect_exit "torch, as given: exit 1" 1 "$GCV" --threads 2 "$OWN/torch.json"
    cp "$TMP/out" "$TMP/torch.txt"
    expect_grep "torch: factor 4 on b1" '^  b1 +analytic ≈ 4\.000 × numeric$' "$TMP/torch.txt"
    expect_grep "torch: factor 2 on W2" '^  W2 +analytic ≈ 2\.000 × numeric$' "$TMP/torch.txt"
    n_fail=$(grep -cE ' FAIL$' "$TMP/torch.txt")
    [ "$n_fail" -eq 2 ] && ok "torch: exactly 2 blocks fail" || bad "torch: $n_fail blocks fail"
    expect_exit "torch, fixed: exit 0" 0 "$GCV" --threads 2 "$OWN/torch-fixed.json"
else
    echo "SKIP: PyTorch example (python3-torch is not installed)"
fi

# ---- Octave ----
if command -v octave-cli >/dev/null 2>&1 && [ -f "$OWN/octave.json" ]; then
    expect_exit "octave, as given: exit 1" 1 "$GCV" --threads 2 "$OWN/octave.json"
    cp "$TMP/out" "$TMP/octave.txt"
    expect_grep "octave: factor 4 on b1" '^  b1 +analytic ≈ 4\.000 × numeric$' "$TMP/octave.txt"
    expect_grep "octave: factor 2 on W2" '^  W2 +analytic ≈ 2\.000 × numeric$' "$TMP/octave.txt"
    n_fail=$(grep -cE ' FAIL$' "$TMP/octave.txt")
    [ "$n_fail" -eq 2 ] && ok "octave: exactly 2 blocks fail" || bad "octave: $n_fail blocks fail"
    expect_exit "octave, fixed: exit 0" 0 "$GCV" --threads 2 "$OWN/octave-fixed.json"
else
    echo "SKIP: Octave example (octave is not installed)"
fi

# ---- the helper's batch paths: each answer the cost at the perturbed parameters ----
if PYTHONPATH="$ROOT/clients/python${PYTHONPATH:+:$PYTHONPATH}" python3 \
    "$ROOT/tests/workers/batch_paths.py" >"$TMP/out" 2>&1; then
    ok "helper batch: C-, Fortran-ordered and strided blocks, J, (J, cache), [J], kinks"
else
    bad "helper batch: $(grep -m1 FAIL "$TMP/out" || tail -1 "$TMP/out")"
fi

# ---- workers started: one per thread of the check (the pre-flight's call on two threads at
# once only when the check runs on two; before, a one-thread check started a second worker).
# The bench worker appends one line per worker process to $GCV_BENCH_COST_FILE.
for t in 1 2; do
    rm -f "$TMP/workers-$t"
    GCV_BENCH_COST_FILE="$TMP/workers-$t" "$GCV" -q --threads $t "$ROOT/scripts/bench-worker/net.json" >/dev/null 2>&1
    n=$(wc -l <"$TMP/workers-$t" 2>/dev/null || echo 0)
    [ "$n" -eq "$t" ] && ok "--threads $t: $t worker process(es)" || bad "--threads $t: $n worker processes"
done

# ---- a float32 model; mixed precisions refused ----
# what a worker computes is what gcverify counts: the points the noise measurement already
# holds (memo.c) are not announced to it again, so the worker's evaluations less the reported
# ones are the same fixed set-up as in a run that measures no noise (--shard 1/1); with the
# noise stencil's points announced too, 4 more
cp "$ROOT/tests/workers/counting.py" "$TMP/"
extra() { # extra THREADS [OPTION]: the worker's cost calls less the evaluations reported
    rm -f "$TMP/count.log"
    printf '{"name": "count", "model": {"type": "process", "command": ["python3", "counting.py"], "options": {"log": "%s/count.log"}}}\n' "$TMP" >"$TMP/count.json"
    "$GCV" "$TMP/count.json" --threads "$1" ${2:+$2} --quiet \
        --json "$TMP/count.out.json" >/dev/null 2>&1
    echo $(($(wc -l <"$TMP/count.log") - $(json "$TMP/count.out.json" 'd["evaluations"]')))
}
for t in 1 2; do
    a=$(extra $t) z=$(extra $t "--shard 1/1")
    [ "$a" = "$z" ] && ok "a worker on $t thread(s) computes only what is counted (set-up $a)" ||
        bad "a worker on $t thread(s): $a evaluations beyond those counted, $z without noise"
done
cp "$ROOT/tests/workers/float32.py" "$TMP/"
printf '{"name": "f32", "model": {"type": "process", "command": ["python3", "float32.py"]}}\n' >"$TMP/f32.json"
expect_exit "float32 worker: exit 0" 0 "$GCV" "$TMP/f32.json"
expect_grep "float32 worker: the model line" '^model +process python3 float32\.py \(float32\) · 12 params$' "$TMP/out"
expect_grep "float32 worker: float steps" '^check +central, ε = 4e-03, threshold 1e-03' "$TMP/out"
printf '{"name": "mixed", "model": {"type": "process", "command": ["python3", "float32.py"], "options": {"mixed": true}}}\n' >"$TMP/mixed.json"
expect_exit "float32 and float64 arrays mixed: exit 2" 2 "$GCV" "$TMP/mixed.json"
expect_grep "mixed: the line" 'worker 1: it reported: ValueError: params: expected all float64 or all float32 arrays, got W float32, b float64$' "$TMP/err"

# ---- workers that fail: one line naming the command and the parameter, the rest kept ----
cp "$ROOT/tests/workers/bad_worker.py" "$TMP/"
bad_cfg() { # NAME MODE [EXTRA-MODEL-MEMBERS]
    printf '{"name": "bad-%s", "model": {"type": "process", "command": ["python3", "bad_worker.py"], "options": {"mode": "%s", "at": 2}%s}}\n' \
        "$1" "$2" "${3:-}" >"$TMP/$1.json"
}
cmd='model\.command \[python3 bad_worker\.py\]: worker [0-9]+: '
kept() { # NAME: parameters 0, 1 and 3 checked and ok, parameter 2 nonfinite
    python3 - "$TMP/$1.out.json" <<'EOF' && ok "$1: w[2] nonfinite, the 3 others ok" || bad "$1: results not kept"
import json, sys
d = json.load(open(sys.argv[1]))
st = [p["status"] for p in d["params"]]
sys.exit(st != ["ok", "ok", "nonfinite", "ok"])
EOF
}
bad_cfg die die
expect_exit "a worker that dies: exit 3" 3 "$GCV" --threads 2 "$TMP/die.json" --json "$TMP/die.out.json" --params all
expect_grep "it died: the line" "^note +${cmd}its output ended after 0 of 12 bytes: it died, exited with status 3, evaluating parameter w\[2\] \(index 2\)$" "$TMP/out"
kept die
bad_cfg hang hang ', "timeout": 0.2'
expect_exit "a worker that hangs (timeout 0.2): exit 3" 3 "$GCV" --threads 1 "$TMP/hang.json" --json "$TMP/hang.out.json" --params all
expect_grep "it hangs: the line" "^note +${cmd}no answer within its timeout \(0\.2 s per evaluation\): killed, evaluating parameter w\[2\] \(index 2\)$" "$TMP/out"
kept hang
bad_cfg hang2 hang
expect_exit "a worker that hangs, no timeout, --max-seconds 3: exit 3" 3 "$GCV" --threads 1 --max-seconds 3 "$TMP/hang2.json"
# (the noise measurement, before the loop, is the first to ask for w[2])
expect_grep "--max-seconds: the line" "${cmd}the run was stopped \(a signal or --max-seconds\) while it worked, evaluating parameter w\[2\] \(index 2\)$" "$TMP/out"
bad_cfg garbage garbage
expect_exit "a worker that prints to stdout: exit 3" 3 "$GCV" "$TMP/garbage.json" --json "$TMP/garbage.out.json" --params all
expect_grep "stdout: the line" "${cmd}expected a frame starting with \"GCVW\", got bytes 64 65 62 75 \(does it print to stdout\? print to stderr instead\), evaluating parameter w\[2\]" "$TMP/out"
kept garbage
bad_cfg short short
expect_exit "a worker that answers short: exit 3" 3 "$GCV" "$TMP/short.json" --json "$TMP/short.out.json" --params all
expect_grep "short: the line" "${cmd}COSTS frame: expected 1 answers in 24 bytes, got a count of 0 in 8 bytes, evaluating parameter w\[2\]" "$TMP/out"
kept short
bad_cfg blocks blocks
expect_exit "a model whose blocks exceed P: exit 2" 2 "$GCV" "$TMP/blocks.json"
expect_grep "blocks: the line" "^gcverify: .*blocks\.json: ${cmd}MODEL frame: block w: dimension 0: expected 1 to 4 \(blocks add up to P = 4\), got 5$" "$TMP/err"
bad_cfg nan nan_theta
expect_exit "a NaN in theta: exit 2" 2 "$GCV" "$TMP/nan.json"
expect_grep "NaN theta: the line" "${cmd}MODEL frame: theta of w\[1\]: expected a finite number, got nan$" "$TMP/err"
bad_cfg hugep huge_p
expect_exit "a model that claims P = 2^40: exit 2" 2 "$GCV" "$TMP/hugep.json"
expect_grep "P = 2^40: the line" "${cmd}MODEL frame: P: expected 1 to [0-9]+ parameters \(what the frame's length holds\), got 1099511627776$" "$TMP/err"
bad_cfg wtype wrong_type
expect_exit "a COSTS frame for a MODEL: exit 2" 2 "$GCV" "$TMP/wtype.json"
expect_grep "wrong type: the line" "${cmd}expected a frame of type 2, got type 4$" "$TMP/err"
bad_cfg v2 version2
expect_exit "protocol version 2: exit 2" 2 "$GCV" "$TMP/v2.json"
expect_grep "version 2: the line" "${cmd}expected protocol version 1, got 2$" "$TMP/err"
bad_cfg per per_worker
expect_exit "workers that disagree: exit 2" 2 "$GCV" --threads 2 "$TMP/per.json"
expect_grep "disagree: the line" "worker 2: announced a different theta than worker 1: every worker must compute the same model" "$TMP/err"
bad_cfg refuse refuse
expect_exit "a worker that reports an error: exit 2" 2 "$GCV" "$TMP/refuse.json"
expect_grep "refuse: the line" "${cmd}it reported: ValueError: no data file given$" "$TMP/err"

# ---- config keys ----
cfg() { printf '%s\n' "$2" >"$TMP/$1.json"; }
cfg nocmd '{"name": "x", "model": {"type": "process"}}'
expect_exit "no model.command: exit 2" 2 "$GCV" "$TMP/nocmd.json"
expect_grep "no command: the line" 'model\.command: expected the worker.s command' "$TMP/err"
cfg emptycmd '{"name": "x", "model": {"type": "process", "command": []}}'
expect_exit "model.command []: exit 2" 2 "$GCV" "$TMP/emptycmd.json"
expect_grep "empty command: the line" 'model\.command: expected a non-empty array of strings' "$TMP/err"
cfg badto '{"name": "x", "model": {"type": "process", "command": ["true"], "timeout": 0}}'
expect_exit "model.timeout 0: exit 2" 2 "$GCV" "$TMP/badto.json"
expect_grep "timeout 0: the line" 'model\.timeout: expected a positive number, got 0' "$TMP/err"
cfg nosuch '{"name": "x", "model": {"type": "process", "command": ["no-such-program-gcv"]}}'
expect_exit "a command that does not exist: exit 2" 2 "$GCV" "$TMP/nosuch.json"
expect_grep "no such program: the line" 'worker 1: could not start no-such-program-gcv: No such file or directory' "$TMP/err"
cfg withdata '{"name": "x", "model": {"type": "process", "command": ["true"]}, "data": {}}'
expect_exit "a data section: exit 2" 2 "$GCV" "$TMP/withdata.json"

# ---- the installed helper ----
if command -v meson >/dev/null && [ -f "$BUILD/build.ninja" ] &&
    meson install -C "$BUILD" --destdir "$TMP/stage" --no-rebuild --quiet >"$TMP/inst.log" 2>&1; then
    helper=$(find "$TMP/stage" -path '*/share/gcverify/python/gcverify_worker.py' | head -1)
    if [ -n "$helper" ]; then
        ok "meson install: gcverify_worker.py in share/gcverify/python"
        export GCVERIFY_CLIENT_DIR
        GCVERIFY_CLIENT_DIR=$(dirname "$(dirname "$helper")")
        expect_exit "course with the installed helper: exit 1" 1 "$GCV" "$OWN/course.json"
        if command -v octave-cli >/dev/null 2>&1; then
            [ -f "$GCVERIFY_CLIENT_DIR/octave/gcverify_serve.m" ] &&
                ok "meson install: gcverify_serve.m in share/gcverify/octave" ||
                bad "meson install: no share/gcverify/octave/gcverify_serve.m"
            expect_exit "octave with the installed helper: exit 1" 1 "$GCV" "$OWN/octave.json"
        fi
        unset GCVERIFY_CLIENT_DIR
    else bad "meson install: no share/gcverify/python/gcverify_worker.py"; fi
else
    echo "SKIP: installed helper (meson install failed or no build tree)"
fi

finish workers

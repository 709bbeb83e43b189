#!/usr/bin/env bash
# Gradient dumps (--gradients, the gradients section): the course assignment's functions
# with their two planted bugs must fail exactly W2 and b1 with factors 2 and 4, and pass
# once fixed, from every form a dump takes (np.savez, np.savez_compressed, a folder of .npy,
# an Octave .mat), with Fortran-order arrays, integer labels (and their note), transposed
# weights (refused with "transposed" and the key, taken with it) and a cost that differs
# (exit 1, "cost differs", both values). tests/dumps/make-dumps.py writes the dumps without
# NumPy; the shipped examples (examples/dumps/course_dump.py with NumPy, course_dump.m with
# Octave) run too where NumPy or Octave is installed, and print a SKIP line where not.
# usage: dumps-test.sh path/to/gcverify source-root
set -u
GCV=$1
ROOT=$2
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
export LC_ALL=C
# Debian's python3 (with python3-numpy) before any other on PATH (a pyenv shim, a venv)
export PATH=/usr/bin:/bin:$PATH
CFG=examples/dumps/course.json
D=$TMP/d
python3 tests/dumps/make-dumps.py "$D" || { echo "FAIL make-dumps.py"; exit 1; }

# course_fails NAME DUMP [OPTIONS…]: exit 1; W2 and b1 fail with factors 2 and 4; the
# other four blocks pass.
course_fails() {
    local name=$1 dump=$2
    shift 2
    expect_exit "$name: exit 1" 1 "$GCV" "$CFG" --gradients "$dump" --json "$TMP/r.json" "$@"
    local got
    got=$(json "$TMP/r.json" "' '.join(b['name'] + ':' + b['status'] for b in d['blocks'])")
    if [ "$got" = "W1:pass b1:fail W2:fail b2:pass W3:pass b3:pass" ]; then
        ok "$name: exactly W2 and b1 fail"
    else
        bad "$name: blocks $got"
    fi
    got=$(json "$TMP/r.json" "'%.4f %.4f' % (d['blocks'][1]['scale'], d['blocks'][2]['scale'])")
    if [ "$got" = "4.0000 2.0000" ]; then ok "$name: factors b1 4, W2 2"; else
        bad "$name: factors b1 W2 = $got"; fi
}

# course_passes NAME DUMP [OPTIONS…]
course_passes() {
    local name=$1 dump=$2
    shift 2
    expect_exit "$name: exit 0" 0 "$GCV" "$CFG" --gradients "$dump" --json "$TMP/r.json" "$@"
    expect_grep "$name: the dump's gradient and cost are named" \
        "note +gradients: the analytic gradient checked is the one in .*; its cost J = 2\.407833(38983435|57620239).* agrees" \
        "$TMP/out"
}

course_fails "np.savez, 1-D int64 Y" "$D/buggy.npz"
expect_grep "int64 labels noted" \
    "labels Y stored as int64 in buggy\.npz were converted to double before any arithmetic$" \
    "$TMP/out"
course_passes "np.savez, fixed" "$D/fixed.npz"
course_fails "np.savez_compressed, uint8 Y" "$D/buggy-compressed.npz"
expect_grep "uint8 labels noted with the wrap" \
    "labels Y stored as uint8 in buggy-compressed\.npz were converted to double before any arithmetic \(in integer arithmetic -y wraps to 255\)$" \
    "$TMP/out"
course_passes "Fortran-order W1, W2, dW2 (compressed)" "$D/fixed-fortran.npz"
course_passes "folder of .npy, Fortran-order dW1" "$D/fixed-npy"
course_fails "two threads" "$D/buggy.npz" --threads 2
cp "$TMP/r.json" "$TMP/two-threads.json"
"$GCV" "$CFG" --gradients "$D/buggy.npz" --threads 1 --json "$TMP/one-thread.json" >/dev/null
if same_json "$TMP/one-thread.json" "$TMP/two-threads.json" check; then
    ok "two threads: the same report as one, bit for bit"
else
    bad "two threads: the report differs from one thread's"
fi
# float32 arrays: the user's arithmetic is float's, so the check is a float model's
course_fails "float32 dump" "$D/buggy-f32.npz"
expect_grep "...checked as a float32 model" "^note +float32 model: steps are rounded to float32" "$TMP/out"
course_passes "float32 dump, fixed" "$D/fixed-f32.npz"
expect_grep "...with float32 defaults" "^check +central, ε = 4e-03, threshold 1e-03" "$TMP/out"

# Transposed weights: refused without the key, with the key named; taken with it.
expect_exit "(n_{l-1}, n_l) weights without the key" 2 "$GCV" "$CFG" --gradients "$D/fixed-in-out.npz"
expect_grep "the message says transposed and names the key" \
    'gradients: .*fixed-in-out\.npz: W1: expected \(5, 4\) = \(n_1, n_0\), got \(4, 5\): it is transposed; for weights laid out \(n_\{l-1\}, n_l\) set "weights": "in_out" in the gradients section$' \
    "$TMP/err"
sed 's|"name": "course-dump",|"name": "course-in-out", "gradients": {"file": "d/fixed-in-out.npz", "weights": "in_out"},|' \
    "$CFG" >"$TMP/in_out.json"
expect_exit "weights in_out in the config" 0 "$GCV" "$TMP/in_out.json"
expect_exit "weights in_out, a dump laid out out_in" 2 "$GCV" "$TMP/in_out.json" --gradients "$D/fixed.npz"
expect_grep "...is called transposed the other way" \
    'gradients\.weights: .*fixed\.npz: W1: expected \(4, 5\) as "weights": "in_out" says, got \(5, 4\): it is transposed; set "weights": "out_in"$' \
    "$TMP/err"
sed 's|"name": "course-dump",|"name": "course-layout", "gradients": {"weights": "in_out"},|' \
    "$CFG" >"$TMP/layout.json"
expect_exit "weights in_out without a file, --gradients" 0 "$GCV" "$TMP/layout.json" --gradients "$D/fixed-in-out.npz"
expect_exit "...and without --gradients" 2 "$GCV" "$TMP/layout.json"
expect_grep "...says the file is missing" 'layout\.json: gradients\.file: expected a dump.s file name \(here or with --gradients\), got nothing$' "$TMP/err"
# The notebook's own layout: W (n_{l-1}, n_l), gradients dJ_dW1 …, uint8 labels.
printf '%s\n' '{"model": {"layers": [2, 3, 2, 1]}, "gradients": {"weights": "in_out"}}' >"$TMP/nb.json"
expect_exit "the notebook's 2-3-2-1 dump, weights in_out" 0 "$GCV" "$TMP/nb.json" --gradients "$D/notebook.npz"
expect_grep "...its uint8 labels noted" \
    "labels Y stored as uint8 in notebook\.npz were converted to double before any arithmetic \(in integer arithmetic -y wraps to 255\)$" \
    "$TMP/out"
expect_grep "...its cost agrees" "its cost J = 0\.7533212596962.* agrees" "$TMP/out"
sed 's|"name": "course-dump",|"name": "course-key", "gradients": {"file": "d/buggy.npz"},|' \
    "$CFG" >"$TMP/key.json"
expect_exit "the gradients section, relative to the config" 1 "$GCV" "$TMP/key.json"

# The user's cost first: a different J is a forward or loss difference, not a backprop bug.
expect_exit "cost differs: exit 1" 1 "$GCV" "$CFG" --gradients "$D/cost-differs.npz" --json "$TMP/c.json"
expect_grep "cost differs: both values and the relative difference" \
    "cost differs: J in cost-differs\.npz is 7\.22350016950307.*, the config's network at the same parameters and data gives 2\.40783338983437.* \(relative difference 6\.67e-01, more than 1e-05\): the forward pass or the loss differ" \
    "$TMP/err"
if [ -e "$TMP/c.json" ]; then bad "cost differs: a gradient report was written"; else
    ok "cost differs: no gradient report"; fi

# Bad dumps: exit 2 with the array named.
expect_exit "a dump without dW3" 2 "$GCV" "$CFG" --gradients "$D/no-dW3.npz"
expect_grep "...names dW3 and what the dump holds" \
    "no-dW3\.npz: expected an array 'dW3', got only: W1, b1, .*; also looked for grads/W3, grads/dW3, dJ_dW3$" "$TMP/err"
expect_exit "X with one example per row" 2 "$GCV" "$CFG" --gradients "$D/x-rows.npz"
expect_grep "...names the dump's X and the shape expected" \
    "gradients: .*x-rows\.npz: X: expected shape \(4, m\) \(features × examples, layers\[0\] = 4\), got \(3, 4\)$" "$TMP/err"
expect_exit "no X and Y anywhere" 2 "$GCV" "$CFG" --gradients "$D/no-data.npz"
expect_grep "...says synthetic data would check another gradient" \
    "expected the examples the gradient was computed on, X and Y, in the dump or in a data section, got neither" "$TMP/err"
printf 'PK\003\004 not really a zip' >"$TMP/broken.npz"
expect_exit "a broken .npz" 2 "$GCV" "$CFG" --gradients "$TMP/broken.npz"
expect_grep "...says it is not a zip archive" "broken\.npz: expected an \.npz \(zip\) archive, got " "$TMP/err"
sed 's|"name": "course-dump",|"name": "course-subset", "check": {"examples": 2},|' "$CFG" >"$TMP/subset.json"
python3 - "$D/buggy-compressed.npz" "$TMP/crc.npz" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[d.find(b"W2.npy") + 80] ^= 0x55  # inside W2's deflated bytes
open(sys.argv[2], "wb").write(d)
PY
expect_exit "a corrupted member" 2 "$GCV" "$CFG" --gradients "$TMP/crc.npz"
expect_grep "...names the member and the zip's own check" \
    "crc\.npz: W2\.npy: expected 248 bytes as the zip entry declares, got fewer \((CRC|Zlib|Compression) error.*\)$" "$TMP/err"
expect_exit "check.examples with a dump" 2 "$GCV" "$TMP/subset.json" --gradients "$D/fixed.npz"
expect_grep "...is refused" "check\.examples: expected no example subset with a gradient dump" "$TMP/err"

# The shipped examples, where their language is installed.
if command -v octave-cli >/dev/null 2>&1; then
    for v in buggy fixed; do
        octave-cli --quiet --no-init-file --path examples/dumps \
            --eval "course_dump('$TMP/oct-$v.mat', $([ $v = buggy ] && echo true || echo false))" \
            >/dev/null 2>"$TMP/oct.err" || { bad "octave course_dump $v"; cat "$TMP/oct.err"; }
    done
    course_fails "Octave .mat" "$TMP/oct-buggy.mat"
    course_passes "Octave .mat, fixed" "$TMP/oct-fixed.mat"
else
    echo "SKIP Octave example (octave-cli not installed: Debian package octave)"
fi
if python3 -c "import numpy" 2>/dev/null; then
    python3 examples/dumps/course_dump.py "$TMP/np-buggy.npz" || bad "course_dump.py"
    python3 examples/dumps/course_dump.py "$TMP/np-fixed.npz" --fixed --compressed ||
        bad "course_dump.py --fixed"
    course_fails "NumPy example" "$TMP/np-buggy.npz"
    course_passes "NumPy example, fixed, compressed" "$TMP/np-fixed.npz"
else
    echo "SKIP NumPy example (numpy not installed: Debian package python3-numpy)"
fi

finish dumps

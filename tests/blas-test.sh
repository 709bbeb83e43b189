#!/usr/bin/env bash
# The -Dblas=enabled build (suite blas): the larger dense products run in BLIS, called by
# every OpenMP thread of the check at once, each with its own buffers. Its reports must be
# the same bit for bit for every thread count and repetition, as the portable build's are
# (doc/design.md), on configs whose products do reach BLIS: incremental, full passes, five_point,
# complex_step (real layers before the perturbed one) and directional; a 2-thread run is
# repeated RUNS times (default 3) to catch a race that strikes now and then. Also: the
# command really links BLIS, and its verdicts are those of the shipped configs' expectations.
# usage: blas-test.sh path/to/gcverify source-root
set -u
GCV=$1
ROOT=$2
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
export LC_ALL=C
THREADS=${BLAS_TEST_THREADS:-"1 2 3 4 8"}
RUNS=${BLAS_TEST_RUNS:-3}

# The binary must link BLIS (else this suite proves nothing); it has the library built in.
if readelf -d "$GCV" | grep -q 'NEEDED.*libblis'; then
    ok "gcverify links BLIS ($(ldd "$GCV" | sed -n 's/.*libblis[^ ]* => \([^ ]*\) .*/\1/p'))"
else
    bad "gcverify does not link BLIS: not a -Dblas=enabled build"
fi

# The report without its timing and thread count (as in stress-test.sh).
normalize() {
    sed -E -e '/^[[:space:]]*"seconds":[^,]*,?[[:space:]]*$/d' \
        -e 's/("[a-z_]*seconds"):[[:space:]]*[-+0-9.eE]+/\1: _/g' \
        -e 's/("threads"):[[:space:]]*[0-9]+/\1: _/g' "$1"
}

# case NAME EXPECTED_EXIT ARGS…: the reports of every thread count equal 1 thread's.
case_() {
    local name=$1 want=$2
    shift 2
    local ref="" t r rc out
    for t in $THREADS; do
        local reps=1
        [ "$t" = 2 ] && reps=$RUNS
        for r in $(seq 1 "$reps"); do
            out="$TMP/$name-t$t-r$r.json"
            "$GCV" "$@" --threads "$t" --params all --json "$out" --quiet >"$TMP/out" 2>&1
            rc=$?
            if [ "$rc" -ne "$want" ] || [ ! -s "$out" ]; then
                bad "$name --threads $t: exit $rc (want $want)"
                head -c 1000 "$TMP/out" | sed 's/^/    /'
                continue
            fi
            normalize "$out" >"$out.norm"
            if [ -z "$ref" ]; then
                ref="$out.norm"
            elif ! cmp -s "$ref" "$out.norm"; then
                bad "$name --threads $t (run $r): report differs from --threads ${THREADS%% *}'s"
                diff "$ref" "$out.norm" | head -n 6 | cut -c1-200 | sed 's/^/    /'
                continue
            fi
        done
    done
    [ -n "$ref" ] && ok "$name: the same report on threads $THREADS (2 threads $RUNS times)"
}

case_ deep 0 configs/bench/deep.json
case_ deep-full 0 configs/bench/deep.json --full-passes --limit 1500
case_ deep-directional 0 configs/bench/deep.json --method directional
case_ l2-dropout 0 configs/l2_dropout.json
case_ l2-dropout-five-point 0 configs/l2_dropout.json --method five_point
case_ cat-tanh-complex-step 0 configs/seed_cat_tanh.json --method complex_step --limit 3000
case_ mnist 0 configs/bench/mnist.json --limit 6000
case_ mnist-b2-buggy 0 configs/bench/mnist_b2_buggy.json --limit 6000 # "expect": "fail"
case_ cat209-full 0 configs/bench/cat209.json --full-passes --limit 200

finish blas

#!/usr/bin/env bash
# The seeds' scenarios on the seeds' own data (issue 8), through the gcverify command:
# configs/seed_moons.json (data/data.mat, 2-3-2-1 relu → sigmoid) and
# configs/seed_catvnoncat.json (data/train_catvnoncat.h5, 12288-5-5-1 tanh → sigmoid, pixels
# scaled by 1/255) check every parameter on all examples and pass.
# usage: test-realdata.sh path/to/gcverify source-root
# A config whose reader was not built in (gcverify without libmatio or libhdf5) is skipped;
# when every config is skipped the script exits 77, which meson reports as SKIP.
set -u
GCV=$1
ROOT=$2
. "$(dirname "$0")/lib.sh"
skip=0

# check NAME PARAMS EXAMPLES: runs configs/NAME.json with a JSON report and checks the verdict,
# the header's counts and the report's params_checked.
check() {
    local name=$1 params=$2 examples=$3 out=$TMP/$1.txt err=$TMP/$1.err json=$TMP/$1.json
    "$GCV" "$ROOT/configs/$name.json" --json "$json" >"$out" 2>"$err"
    local rc=$?
    if [ "$rc" -eq 2 ] && grep -q 'needs gcverify built with' "$err"; then
        skip=$((skip + 1))
        echo "skip $name: $(cat "$err")"
        return
    fi
    if [ "$rc" -eq 0 ]; then ok "$name: exit 0"; else
        bad "$name: exit $rc, expected 0"
        sed 's/^/    /' "$err" | head -5
    fi
    local verdict
    verdict=$(grep -E '^overall difference ' "$out")
    if printf '%s\n' "$verdict" | grep -qE '^overall difference [0-9.]+e[-+][0-9]+ ≤ 1e-07 · pass$'
    then ok "$name: $verdict"; else bad "$name: verdict line '$verdict'"; fi
    if grep -qE "^model +.* · $params params · $examples examples\$" "$out"; then
        ok "$name: header has $params params and $examples examples"
    else
        bad "$name: header line '$(grep -E '^model ' "$out")', expected $params params and" \
            "$examples examples"
    fi
    local checked
    checked=$(grep -oE '"params_checked": *[0-9]+' "$json" 2>/dev/null | grep -oE '[0-9]+$')
    if [ "${checked:-}" = "$params" ]; then ok "$name: JSON params_checked = $params"; else
        bad "$name: JSON params_checked '${checked:-missing}', expected $params"; fi
}

check seed_moons 20 211
check seed_catvnoncat 61481 209

echo
if [ "$skip" -gt 0 ]; then echo "realdata: $pass passed, $fail failed, $skip skipped"; else
    echo "realdata: $pass passed, $fail failed"; fi
[ "$fail" -eq 0 ] || exit 1
[ "$pass" -gt 0 ] || exit 77

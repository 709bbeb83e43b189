#!/usr/bin/env bash
# Determinism under threads: the JSON report of a config must be the same bit for bit for
# every thread count and every repetition (doc/design.md: results are written per parameter
# index and reduced afterwards in a fixed order). Runs each config with --threads 1..8,
# REPS times each (default 5; STRESS_REPS to change, STRESS_MAX_THREADS for the top count),
# with --params all --json, and compares every report with the first (1 thread) after
# blanking what may differ: the timing fields ("seconds" and any other "…seconds" key) and
# the value of "threads". The exit status must match too.
# usage: stress-test.sh path/to/gcverify source-root
set -u
GCV=$1
ROOT=$2
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
export LC_ALL=C
REPS=${STRESS_REPS:-5}
MAX_T=${STRESS_MAX_THREADS:-8}

# The report without its timing and thread count: a line holding only "seconds" goes, an
# inline timing value or thread count is blanked.
normalize() {
    sed -E -e '/^[[:space:]]*"seconds":[^,]*,?[[:space:]]*$/d' \
        -e 's/("[a-z_]*seconds"):[[:space:]]*[-+0-9.eE]+/\1: _/g' \
        -e 's/("threads"):[[:space:]]*[0-9]+/\1: _/g' "$1"
}

for cfg in configs/net.json configs/seed_2d.json; do
    name=$(basename "$cfg" .json)
    ref="" ref_rc=""
    for t in $(seq 1 "$MAX_T"); do
        for r in $(seq 1 "$REPS"); do
            out="$TMP/$name-t$t-r$r.json"
            "$GCV" "$cfg" --threads "$t" --params all --json "$out" --quiet \
                >"$TMP/stdout" 2>"$TMP/stderr"
            rc=$?
            label="$name --threads $t (run $r)"
            if [ ! -s "$out" ]; then
                fail=$((fail + 1))
                echo "FAIL $label: no report (exit $rc)"
                head -c 2000 "$TMP/stderr" | sed 's/^/    /'
                continue
            fi
            if ! grep -q "\"threads\": $t\\b" "$out"; then
                fail=$((fail + 1))
                echo "FAIL $label: the report does not say \"threads\": $t"
                continue
            fi
            normalize "$out" >"$out.norm"
            if [ -z "$ref" ]; then
                ref="$out.norm" ref_rc=$rc
                if [ "$(wc -c <"$ref")" -lt 100 ]; then
                    fail=$((fail + 1))
                    echo "FAIL $label: reference report too short"
                    continue
                fi
                pass=$((pass + 1))
                echo "ok   $label: reference (exit $rc)"
                continue
            fi
            if [ "$rc" -ne "$ref_rc" ]; then
                fail=$((fail + 1))
                echo "FAIL $label: exit $rc, 1 thread gave $ref_rc"
            elif ! cmp -s "$ref" "$out.norm"; then
                fail=$((fail + 1))
                echo "FAIL $label: report differs from 1 thread's:"
                diff "$ref" "$out.norm" | head -n 10 | cut -c1-300 | sed 's/^/    /'
            else
                pass=$((pass + 1))
                echo "ok   $label"
            fi
        done
    done
done

finish stress

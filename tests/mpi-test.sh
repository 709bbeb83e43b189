#!/usr/bin/env bash
# gcverify under MPI (-Dmpi=enabled): `mpirun -n 1`, `-n 2` and `-n 3 --oversubscribe` give
# the plain binary's exit code and reports (JSON, parameter CSV, text, JUnit) on every
# shipped config, the same bytes apart from "seconds" and "threads" (and the text's timing);
# the other options are distributed or run on rank 0 as doc/cluster.md says; a failure on one
# rank (a data file missing on one node, an injected failure after loading or in the check)
# ends every rank with exit 2 and one line from rank 0 naming that rank; no rank hangs (each
# mpirun under `timeout`); ranks other than 0 print and write nothing.
# usage: mpi-test.sh PLAIN_GCVERIFY MPI_GCVERIFY MPI_FAULTS_GCVERIFY SOURCE_ROOT PLUGIN_DIR
set -u
PLAIN=$1
GCV=$2
FAULTS=$3
ROOT=$4
PLUGINS=$5
. "$(dirname "$0")/lib.sh"

if ! command -v mpirun >/dev/null; then
    echo "FAIL mpirun not found (Debian: openmpi-bin)"
    exit 1
fi
[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Reports do not depend on threads; one per rank keeps three ranks on two cores quick.
export OMP_NUM_THREADS=1
# -q: no banner from mpirun when a rank exits non-zero. A hang fails as exit 124.
MPIRUN=(timeout -k 10 300 mpirun -q --oversubscribe)

# Only what doc/ names as timing or thread dependent.
norm_json() { sed -E 's/"seconds": [^,}]*/"seconds": T/; s/"threads": [0-9]+/"threads": N/' "$1"; }
norm_text() { sed -E 's/ · [0-9]+ threads? · / · N threads · /; s/ in [0-9.]+ (µs|ms|s)$/ in T/; s/ · [0-9.]+ (ms|s)$/ · T/' "$1"; }
norm_junit() { sed -E 's/time="[^"]*"/time="T"/g; s/(name="threads" value=)"[0-9]+"/\1"N"/' "$1"; }

# same NAME A B NORMALIZER: the two files agree once normalized.
same() {
    if cmp -s <("$4" "$2") <("$4" "$3"); then return 0; fi
    echo "    $1: $(basename "$2") and $(basename "$3") differ:"
    diff <("$4" "$2") <("$4" "$3") | head -6 | sed 's/^/    /'
    return 1
}

# equal NAME CONFIG ARGS…: the plain binary, then 1, 2 and 3 ranks, same exit code and reports.
equal() {
    local name=$1 cfg=$2
    shift 2
    local d="$TMP/eq"
    rm -rf "$d" && mkdir -p "$d"
    "$PLAIN" "$cfg" "$@" --json "$d/p.json" --params-csv "$d/p.csv" >"$d/p.txt" 2>"$d/p.err"
    local want=$?
    for n in 1 2 3; do
        "${MPIRUN[@]}" -n "$n" "$GCV" "$cfg" "$@" --json "$d/$n.json" --params-csv "$d/$n.csv" \
            >"$d/$n.txt" 2>"$d/$n.err"
        local rc=$?
        if [ "$rc" -ne "$want" ]; then
            bad "$name, $n rank(s): exit $rc, the plain binary $want"
            sed 's/^/    /' "$d/$n.err" | head -5
        elif [ ! -s "$d/p.json" ] || [ ! -s "$d/$n.json" ]; then
            bad "$name, $n rank(s): exit $rc, but no report to compare"
            sed 's/^/    /' "$d/p.err" | head -3
        elif same json "$d/p.json" "$d/$n.json" norm_json && same csv "$d/p.csv" "$d/$n.csv" cat &&
            same text "$d/p.txt" "$d/$n.txt" norm_text && same stderr "$d/p.err" "$d/$n.err" cat; then
            ok "$name, $n rank(s): exit $rc, same JSON, CSV, text"
        else
            bad "$name, $n rank(s): reports differ"
        fi
    done
}

# --- every shipped config (and the small benchmark cases), parameters listed in full
for cfg in "$ROOT"/configs/*.json "$ROOT"/configs/bench/{testcase,moons,cat1,deep}.json; do
    equal "$(basename "$(dirname "$cfg")")/$(basename "$cfg")" "$cfg" --params all --top 5
done

# --- escalation (rank 0 refines the suspects of the gathered slots): a correct float32
# transformer whose first pass leaves blocks over the threshold (seed 29: 71 of the fused
# attention weights re-estimated; when the ranks skipped escalation, a correct run failed
# fcw, exit 1, where the plain run passed), and its attention bug, whose escalation,
# averaged passes included, decides the failing blocks (seed 7: over 10,000 evaluations)
# escalated NAME BUG SEED MIN: the float transformer with BUG, its ranks against the plain
# binary, and the plain check's escalation evaluations above MIN (else the case tests nothing)
escalated() {
    printf '{"name": "tf-%s", "model": {"type": "plugin", "library": "%s", "options": {"init": "gpt2", "bug": "%s", "seed": %s}}}\n' \
        "$2" "$PLUGINS/libtransformer_f.so" "$2" "$3" >"$TMP/tf-$2.json"
    equal "float transformer, $1, escalated" "$TMP/tf-$2.json" --top 5
    local esc
    esc=$(json "$TMP/eq/p.json" 'd["evaluations_by_purpose"]["escalation"]' 2>/dev/null)
    [ "${esc:-0}" -gt "$4" ] && ok "float transformer, $1: the plain check escalated ($esc evaluations)" ||
        bad "float transformer, $1: the plain check escalated ${esc:-nothing}: the case no longer tests it"
}
escalated "correct (exit 0)" none 29 0
escalated "attention bug (exit 1)" attn_scale 7 10000

# --- options: what is split over the ranks and what runs on rank 0 alone
net=$ROOT/configs/net.json
tc=$ROOT/configs/seed_testcase.json
equal "--taylor (rank 0 only, evaluations counted once)" "$net" --taylor --params all
equal "--sample 6 --sample-seed 3 (the sample split)" "$net" --sample 6 --sample-seed 3 --params all
equal "--limit 50 (an even subset split)" "$net" --limit 50 --params all
equal "--limit 2 (fewer indices than ranks: rank 2 idle)" "$net" --limit 2 --params all
equal "--method five_point" "$net" --method five_point
equal "--method richardson" "$tc" --method richardson --params all
equal "--method complex_step" "$net" --method complex_step --params all
equal "--epsilon auto" "$ROOT/configs/seed_2d.json" --epsilon auto --params all
equal "--full-passes --threads 2" "$ROOT/configs/l2_dropout.json" --full-passes --threads 2
equal "--method directional --drill-down (rank 0 only)" "$tc" --method directional --drill-down
equal "--method directional (rank 0 only)" "$net" --method directional --params all

# An infinite cost: every parameter nonfinite, exit 3 on every rank count.
cat >"$TMP/nonfinite.json" <<'EOF'
{"name": "nonfinite",
 "model": {"type": "mlp", "layers": [2, 2, 1], "hidden_activation": "linear",
           "output_activation": "linear", "loss": "mse",
           "params": {"values": {"W1": [[1e200, 1.0], [0.5, -0.25]], "b1": [[0.0], [0.0]],
                                 "W2": [[1e150, 1.0]], "b2": [[0.0]]}}},
 "data": {"source": "inline", "x": [[1.0, 2.0, -1.0], [0.5, 1.0, 3.0]], "y": [[0.0, 1.0, 0.5]]}}
EOF
equal "a non-finite cost (exit 3)" "$TMP/nonfinite.json" --params all

# --- a shard of a shard: --shard 2/3 split over 3 ranks gives the same partial report
"$PLAIN" "$net" --shard 2/3 --json "$TMP/shard-p.json" -q
want=$?
"${MPIRUN[@]}" -n 3 "$GCV" "$net" --shard 2/3 --json "$TMP/shard-3.json" -q
rc=$?
[ "$rc" -eq "$want" ] && same shard "$TMP/shard-p.json" "$TMP/shard-3.json" norm_json &&
    ok "--shard 2/3 on 3 ranks: the plain shard report" || bad "--shard 2/3 on 3 ranks (exit $rc)"

# --- results sent 5 at a time (the test build): many chunks, same report
for cfg in "$ROOT/configs/seed_catvnoncat.json" "$ROOT/configs/bench/deep.json"; do
    "$PLAIN" "$cfg" --json "$TMP/chunk-p.json" --params all -q
    want=$?
    "${MPIRUN[@]}" -n 3 "$FAULTS" "$cfg" --json "$TMP/chunk-3.json" --params all -q
    rc=$?
    [ "$rc" -eq "$want" ] && same chunks "$TMP/chunk-p.json" "$TMP/chunk-3.json" norm_json &&
        ok "$(basename "$cfg") in chunks of 5 results: same report" ||
        bad "$(basename "$cfg") in chunks of 5 (exit $rc, want $want)"
done

# --- several configs in one call: summary lines, --json-dir, --junit, the worst exit code
# (configs whose undivided check escalates nothing, so the reports are the same bits)
l2=$ROOT/configs/l2_dropout.json
mkdir -p "$TMP/jd-p" "$TMP/jd-3"
"$PLAIN" "$net" "$l2" "$ROOT/configs/seed_2d.json" --json-dir "$TMP/jd-p" --junit "$TMP/p.xml" \
    >"$TMP/multi-p.txt" 2>&1
want=$?
"${MPIRUN[@]}" -n 3 "$GCV" "$net" "$l2" "$ROOT/configs/seed_2d.json" --json-dir "$TMP/jd-3" \
    --junit "$TMP/3.xml" >"$TMP/multi-3.txt" 2>&1
rc=$?
res=ok
[ "$rc" -eq "$want" ] || res="exit $rc, want $want"
for f in "$TMP"/jd-p/*.json; do
    same json-dir "$f" "$TMP/jd-3/$(basename "$f")" norm_json || res="$(basename "$f") differs"
done
[ "$(ls "$TMP/jd-p" | wc -l)" -eq "$(ls "$TMP/jd-3" | wc -l)" ] || res="other files in --json-dir"
same junit "$TMP/p.xml" "$TMP/3.xml" norm_junit || res="JUnit differs"
same summary "$TMP/multi-p.txt" "$TMP/multi-3.txt" norm_text || res="summary lines differ"
[ "$res" = ok ] && ok "three configs on 3 ranks: exit $rc, same summary, JSON files, JUnit" ||
    bad "three configs on 3 ranks: $res"

# --- a budget runs on rank 0 alone: a budgeted report, the plain exit code
"${MPIRUN[@]}" -n 2 "$GCV" "$net" --budget 0.5 --json "$TMP/budget.json" -q
rc=$?
[ "$rc" -eq 0 ] && grep -q '"sampled": true' "$TMP/budget.json" &&
    ok "--budget on 2 ranks: rank 0 checks within it (exit 0)" || bad "--budget on 2 ranks: exit $rc"

# --- stopped early: every rank stops, a partial report, exit 3, no hang
"${MPIRUN[@]}" -n 2 "$GCV" "$ROOT/configs/bench/mnist.json" --max-seconds 0.5 \
    --json "$TMP/stop.json" -q
rc=$?
[ "$rc" -eq 3 ] && grep -q '"stopped": true' "$TMP/stop.json" &&
    grep -q '"status": "inconclusive"' "$TMP/stop.json" &&
    ok "--max-seconds 0.5 on 2 ranks: partial inconclusive report, exit 3" ||
    bad "--max-seconds on 2 ranks: exit $rc"

# --- the other ranks print and write nothing, and read no --baseline or --history: rank 0
# works in d0 (which holds base.json), ranks 1 and 2 in d1 (empty)
mkdir -p "$TMP/d0" "$TMP/d1"
"$PLAIN" "$tc" --json "$TMP/d0/base.json" -q
out_args=(--json r.json --params-csv p.csv --junit j.xml --html r.html --baseline base.json
          --history base.json)
"${MPIRUN[@]}" --tag-output -n 1 -wdir "$TMP/d0" "$GCV" "$tc" "${out_args[@]}" : \
    -n 2 -wdir "$TMP/d1" "$GCV" "$tc" "${out_args[@]}" >"$TMP/tag.out" 2>"$TMP/tag.err"
rc=$?
others=$(grep -c '^\[[0-9]*,[12]\]' "$TMP/tag.out" "$TMP/tag.err" | awk -F: '{s += $2} END {print s}')
mine=$(grep -c '^\[[0-9]*,0\]<stdout>' "$TMP/tag.out")
# (exit 0: the course test case's mismatch is expected, "expect": "fail", and the baseline is
# its own report, so nothing regressed)
if [ "$rc" -eq 0 ] && [ -z "$(ls -A "$TMP/d1")" ] && [ "$others" -eq 0 ] && [ "$mine" -gt 10 ] &&
    [ -s "$TMP/d0/r.json" ] && [ -s "$TMP/d0/p.csv" ] && [ -s "$TMP/d0/j.xml" ] &&
    [ -s "$TMP/d0/r.html" ]; then
    ok "ranks 1 and 2 print, write and read nothing; rank 0 writes JSON, CSV, JUnit, HTML"
else
    bad "silent ranks: exit $rc, files of ranks 1-2: '$(ls -A "$TMP/d1")', their lines: $others"
    sed 's/^/    /' "$TMP/tag.err" | head -5
fi

# --- failures. Each rank's own exit code is recorded by a wrapper: all must be 2.
# fails NAME WANT_LINE_REGEX MPIRUN_ARGS…: exit 2 from mpirun and every rank, exactly one
# stderr line (rank 0's) matching the regex, no report written.
fails() {
    local name=$1 re=$2
    shift 2
    rm -f "$TMP"/rc.* "$TMP/fail.json"
    "${MPIRUN[@]}" "$@" >"$TMP/fail.out" 2>"$TMP/fail.err"
    local rc=$?
    local codes
    codes=$(cat "$TMP"/rc.* 2>/dev/null | sort -u | tr '\n' ' ')
    if [ "$rc" -eq 2 ] && [ "$codes" = "2 " ] && [ "$(wc -l <"$TMP/fail.err")" -eq 1 ] &&
        grep -qE -- "$re" "$TMP/fail.err" && [ ! -e "$TMP/fail.json" ]; then
        ok "$name: exit 2 on every rank, one line: $(cut -c1-110 "$TMP/fail.err")"
    else
        bad "$name: mpirun exit $rc, ranks '$codes', stderr:"
        sed 's/^/    /' "$TMP/fail.err" | head -5
    fi
}
# A rank's exit code, kept in $TMP/rc.RANK.
cat >"$TMP/rank.sh" <<EOF
#!/bin/sh
"\$@"
rc=\$?
echo \$rc >"$TMP/rc.\${OMPI_COMM_WORLD_RANK:-x}"
exit \$rc
EOF
chmod +x "$TMP/rank.sh"
R="$TMP/rank.sh"

# One node lacks a data file: ranks 0 and 1 read node a, rank 2 node b without Y.npy.
mkdir -p "$TMP/a" "$TMP/b"
"$PLAIN" "$ROOT/configs/seed_testcase_correct.json" --export "$TMP/a" -q
cat >"$TMP/a/cfg.json" <<'EOF'
{"name": "one-node",
 "model": {"type": "mlp", "layers": [4, 5, 3, 1], "hidden_activation": "relu",
           "output_activation": "sigmoid", "loss": "binary_cross_entropy",
           "params": {"npy_dir": "."}},
 "data": {"source": "npy", "x": "X.npy", "y": "Y.npy"}}
EOF
cp "$TMP"/a/* "$TMP/b/" && rm "$TMP/b/Y.npy"
"$PLAIN" "$TMP/a/cfg.json" -q && ok "node a's files check on their own (exit 0)" ||
    bad "node a's files do not check"
fails "Y.npy missing on rank 2's node" '^gcverify: cfg.json: rank 2 of 3 \(.*\): data.y: Y.npy: cannot open' \
    -n 2 -wdir "$TMP/a" "$R" "$GCV" cfg.json --json "$TMP/fail.json" : \
    -n 1 -wdir "$TMP/b" "$R" "$GCV" cfg.json --json "$TMP/fail.json"
fails "Y.npy missing on rank 0's node" '^gcverify: cfg.json: data.y: Y.npy: cannot open' \
    -n 1 -wdir "$TMP/b" "$R" "$GCV" cfg.json --json "$TMP/fail.json" : \
    -n 2 -wdir "$TMP/a" "$R" "$GCV" cfg.json --json "$TMP/fail.json"
fails "a config missing everywhere" '^gcverify: nowhere.json: cannot open' \
    -n 3 "$R" "$GCV" nowhere.json --json "$TMP/fail.json"
fails "rank 1 fails after loading (injected)" \
    '^gcverify: .*net.json: rank 1 of 3 \(.*\): injected failure after loading' \
    -x GCV_MPI_TEST_FAIL=load:1 -n 3 "$R" "$FAULTS" "$net" --json "$TMP/fail.json"
fails "rank 2 runs out of memory in its check (injected)" \
    '^gcverify: .*net.json: rank 2 of 3 \(.*\): out of memory for the check.s buffers \(injected' \
    -x GCV_MPI_TEST_FAIL=check:2 -n 3 "$R" "$FAULTS" "$net" --json "$TMP/fail.json"
fails "rank 0 runs out of memory in its check (injected)" \
    '^gcverify: .*net.json: out of memory for the check.s buffers \(injected' \
    -x GCV_MPI_TEST_FAIL=check:0 -n 2 "$R" "$FAULTS" "$net" --json "$TMP/fail.json"
fails "a bad command line" "^gcverify: --threads: expected" \
    -n 2 "$R" "$GCV" "$net" --threads -1
fails "--isolate on 2 ranks" "^gcverify: --isolate: expected a single process, got 2 MPI ranks" \
    -n 2 "$R" "$GCV" "$net" --isolate

# Several configs, one failing on one node only: every config is still taken in turn by
# every rank (no rank hangs), the worst exit code is 2 on every rank.
rm -f "$TMP"/rc.*
"${MPIRUN[@]}" -n 2 -wdir "$TMP/a" "$R" "$GCV" cfg.json "$net" : -n 1 -wdir "$TMP/b" "$R" "$GCV" \
    cfg.json "$net" >"$TMP/multi.out" 2>"$TMP/multi.err"
rc=$?
codes=$(cat "$TMP"/rc.* | sort -u | tr '\n' ' ')
if [ "$rc" -eq 2 ] && [ "$codes" = "2 " ] && grep -q '^ERROR .*cfg.json' "$TMP/multi.out" &&
    grep -q '^PASS .*net.json' "$TMP/multi.out" && [ "$(wc -l <"$TMP/multi.err")" -eq 1 ]; then
    ok "two configs, the first missing a file on one node: ERROR, then PASS, exit 2 everywhere"
else
    bad "two configs, one failing on one node: exit $rc, ranks '$codes'"
    sed 's/^/    /' "$TMP/multi.out" "$TMP/multi.err" | head -8
fi

# --- valgrind memcheck on 3 ranks: a config failing everywhere between two checked ones
# (with sampling and the Taylor test, results in chunks of 5), then a check failing on rank
# 1; Open MPI's own leaks suppressed (tests/mpi-valgrind.supp). Every rank must exit 2.
if command -v valgrind >/dev/null; then
    for fault in none check:1; do
        rm -f "$TMP"/rc.*
        "${MPIRUN[@]}" -x GCV_MPI_TEST_FAIL=$fault -n 3 "$R" valgrind -q --num-callers=64 \
            --leak-check=full --show-leak-kinds=definite,indirect,possible \
            --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=9 \
            --suppressions="$ROOT/tests/mpi-valgrind.supp" \
            --suppressions="$ROOT/tests/valgrind.supp" \
            "$FAULTS" "$tc" nowhere.json "$net" --sample 4 --taylor -q >"$TMP/vg.out" 2>"$TMP/vg.err"
        codes=$(cat "$TMP"/rc.* | sort -u | tr '\n' ' ')
        if [ "$codes" = "2 " ]; then
            ok "valgrind on 3 ranks (fault: $fault): no memcheck errors, no leaks, exit 2 everywhere"
        else
            bad "valgrind on 3 ranks (fault: $fault): rank exit codes '$codes' (9: memcheck errors)"
            grep '==' "$TMP/vg.err" | head -20
        fi
    done
else
    echo "skip valgrind on 3 ranks: no valgrind"
fi

# --- --isolate on one rank: its children check as single processes, the plain report
"$PLAIN" "$tc" --isolate --json "$TMP/iso-p.json" -q
want=$?
"${MPIRUN[@]}" -n 1 "$GCV" "$tc" --isolate --json "$TMP/iso-1.json" -q
rc=$?
[ "$rc" -eq "$want" ] && same isolate "$TMP/iso-p.json" "$TMP/iso-1.json" norm_json &&
    ok "--isolate on 1 rank: the plain report (exit $rc)" || bad "--isolate on 1 rank: exit $rc"

# --- the rest of the command: --version once, merge on rank 0
n=$("${MPIRUN[@]}" -n 3 "$GCV" --version | grep -c '^gcverify ')
[ "$n" -eq 1 ] && ok "--version on 3 ranks: printed once" || bad "--version on 3 ranks: $n lines"
for k in 1 2 3; do "$PLAIN" "$net" --shard "$k/3" --json "$TMP/part$k.json" -q; done
"$PLAIN" merge "$TMP"/part*.json -o "$TMP/merged-p.json" --quiet
"${MPIRUN[@]}" -n 2 "$GCV" merge "$TMP"/part*.json -o "$TMP/merged-2.json" --quiet
rc=$?
[ "$rc" -eq 0 ] && cmp -s "$TMP/merged-p.json" "$TMP/merged-2.json" &&
    ok "merge on 2 ranks: the plain merge, bit for bit" || bad "merge on 2 ranks: exit $rc"

finish mpi

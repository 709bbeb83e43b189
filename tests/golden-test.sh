#!/usr/bin/env bash
# Golden reports (cJSON's habit): the text, JSON and JUnit output of every shipped config,
# and of a set of option variants on small configs, compared byte for byte with the files in
# tests/expected/ made from an earlier build. Timings are the only thing taken out: the
# "seconds" members of the JSON, JUnit's time attributes and the text's "in 91 µs".
#     tests/golden-test.sh GCVERIFY SOURCE_ROOT PLUGIN_DIR          compare
#     tests/golden-test.sh GCVERIFY SOURCE_ROOT PLUGIN_DIR --update rewrite tests/expected/
# The files hold the portable build's bits (meson test skips this test in FMA and BLIS
# builds, whose last bits differ by design) on 2 threads.
. "$(dirname "$0")/lib.sh"
bin=$1
root=$2
export GCV_PLUGIN_PATH=$3
update=${4:-}
expected=$root/tests/expected
export OMP_NUM_THREADS=2
export NO_COLOR=1
cd "$root" || exit 2

# strip FILE: timings out, in place.
strip_times() {
    sed -E -i \
        -e 's/"seconds": [-0-9.e+]+/"seconds": 0/g' \
        -e 's/ time="[0-9.e+-]+"/ time="0"/g' \
        -e 's/ in [0-9.]+ (µs|ms|s|min|h)( |$)/ in T\2/g' \
        -e "s|$TMP|@TMP|g" \
        "$1"
}

# case NAME ARGS…: runs gcverify ARGS… --json --junit, and compares (or updates) the
# stdout+stderr text, the exit status, the JSON and the JUnit file.
case_() {
    local name=$1
    shift
    local out="$TMP/$name"
    mkdir -p "$out"
    "$bin" "$@" --json "$out/report.json" --junit "$out/report.xml" >"$out/text" 2>&1
    echo "exit $?" >>"$out/text"
    local kind f
    for kind in text json xml; do
        case $kind in
        text) f=$out/text ;;
        json) f=$out/report.json ;;
        xml) f=$out/report.xml ;;
        esac
        [ -f "$f" ] || echo "(none)" >"$f"
        strip_times "$f"
        if [ -n "$update" ]; then
            cp "$f" "$expected/$name.$kind"
        elif cmp -s "$f" "$expected/$name.$kind"; then
            ok "$name.$kind"
        else
            bad "$name.$kind differs from tests/expected/$name.$kind"
            diff "$expected/$name.$kind" "$f" | head -20 | sed 's/^/    /'
        fi
    done
}

[ -z "$update" ] || { rm -rf "$expected"; mkdir -p "$expected"; }

# Every shipped config, as it is.
for c in configs/*.json configs/plugins/*.json configs/bench/*.json; do
    n=${c#configs/}
    n=${n%.json}
    case_ "${n//\//-}" "$c"
done

# Option variants on the small configs: every method, the Taylor test, sampling, the
# parameter list and CSV, shards, auto steps, float plugins and a failing directional check.
t=configs/seed_testcase.json
case_ v-five-point "$t" --method five_point
case_ v-richardson "$t" --method richardson
case_ v-complex "$t" --method complex_step
case_ v-forward "$t" --method forward --threshold 1e-4
case_ v-directional "$t" --method directional --directions 5
case_ v-drill-down "$t" --method directional --drill-down
case_ v-taylor configs/seed_testcase_correct.json --taylor
case_ v-sample configs/seed_cat_tanh.json --sample 8 --sample-seed 3
case_ v-limit configs/net.json --limit 20
case_ v-params-all "$t" --params all --top 3
case_ v-auto configs/seed_moons.json --epsilon auto
case_ v-shard1 configs/net.json --shard 1/3
case_ v-shard3 configs/net.json --shard 3/3
case_ v-float-taylor configs/plugins/logreg_float.json --taylor
case_ v-plugin-directional configs/plugins/seednet_buggy.json --method directional --drill-down
case_ v-two-configs configs/net.json "$t" --quiet

if [ -n "$update" ]; then
    echo "golden: $(find "$expected" -type f | wc -l) files written to tests/expected/"
    exit 0
fi
finish golden

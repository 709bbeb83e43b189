#!/usr/bin/env bash
# Outputs, stops, exits and messages through the gcverify command (doc/reliability.md):
# an output never destroys what is at its path (devices, links, the run's inputs, another
# output, a folder outside --json-dir), every output is checked before the check and the set
# is written whole or not at all; --method directional honours SIGINT, SIGTERM and
# --max-seconds, --isolate watches the model from loading to destroy(), signals act again
# after the reports, a closed stdout does not kill the run, the OpenMP environment gives one
# line; and the messages for a tiny epsilon, an over-long --export path, a name that is not
# UTF-8 and a plugin that sets a decimal-comma locale.
# usage: outputs-test.sh path/to/gcverify source-root test-plugin-dir
set -u
GCV=$1
ROOT=$2
TP=$3 # build folder of tests/plugins (libtestplugin*.so)
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
NET=$ROOT/configs/net.json

# json_ok NAME FILE: the file is strict JSON (UTF-8, no NaN) with schema gcverify.report/1.
json_ok() {
    if python3 -c 'import json,sys; d=json.loads(open(sys.argv[1],"rb").read().decode("utf-8"), parse_constant=lambda c: 1/0); sys.exit(d.get("schema") != "gcverify.report/1")' "$2" 2>/dev/null
    then ok "$1"; else bad "$1: not a readable report: $(head -c 200 "$2" 2>&1)"; fi
}
# one_line NAME: stderr ($TMP/err) holds exactly one line.
one_line() {
    local n; n=$(wc -l <"$TMP/err")
    [ "$n" -eq 1 ] && ok "$1: one line on stderr" || { bad "$1: $n lines on stderr"; sed 's/^/    /' "$TMP/err" | head -5; }
}
# plugin NAME DEFECT: a config of the test plugin with that defect (index 1) at $TMP/NAME.json.
plugin() {
    printf '{"name": "%s", "model": {"type": "plugin", "library": "%s/libtestplugin.so", "options": {"defect": "%s", "index": 1}}}\n' \
        "$1" "$TP" "$2" >"$TMP/$1.json"
}

# --- devices, links, FIFOs: written in place, never replaced
if mknod "$TMP/null" c 1 3 2>/dev/null; then
    expect_exit "--json onto a copy of /dev/null" 0 "$GCV" "$NET" -q --json "$TMP/null"
    [ -c "$TMP/null" ] && ok "the device stays a character device" || bad "the device became: $(stat -c %F "$TMP/null")"
else # not root: /dev/null itself (a rename over it would fail for want of permission)
    expect_exit "--json /dev/null" 0 "$GCV" "$NET" -q --json /dev/null
    [ -c /dev/null ] && ok "/dev/null stays a character device" || bad "/dev/null is no device"
fi
ln -s /proc/self/fd/1 "$TMP/stdout"
"$GCV" "$NET" --json "$TMP/stdout" >"$TMP/both.txt" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && [ -L "$TMP/stdout" ] && ok "--json LINK-TO-STDOUT: the link kept" || bad "--json link to stdout: exit $rc, $(stat -c %F "$TMP/stdout")"
head -1 "$TMP/both.txt" | grep -q '^gcverify · ' && grep -q '"schema": "gcverify.report/1"' "$TMP/both.txt" &&
    ok "--json LINK-TO-STDOUT: the text report, then the JSON, on stdout" || bad "stdout: $(head -c 300 "$TMP/both.txt")"
mkfifo "$TMP/fifo"
timeout 20 cat "$TMP/fifo" >"$TMP/fifo.out" &
reader=$!
expect_exit "--json onto a FIFO" 0 "$GCV" "$NET" -q --json "$TMP/fifo"
wait $reader
[ -p "$TMP/fifo" ] && ok "the FIFO stays a FIFO" || bad "the FIFO became: $(stat -c %F "$TMP/fifo")"
json_ok "the report came through the FIFO" "$TMP/fifo.out"
echo old >"$TMP/target.json"
ln -s target.json "$TMP/link.json"
expect_exit "--json onto a link to a file" 0 "$GCV" "$NET" -q --json "$TMP/link.json"
[ -L "$TMP/link.json" ] && ok "the link stays a link" || bad "the link was replaced"
json_ok "the file it points to holds the report" "$TMP/target.json"
mkdir "$TMP/afolder"
expect_exit "--json onto a folder" 2 "$GCV" "$NET" -q --json "$TMP/afolder"
expect_grep "--json onto a folder: the reason" "^gcverify: $TMP/afolder: cannot write the report: Is a directory$" "$TMP/err"

# --- the run's inputs are never replaced
cp "$NET" "$TMP/x.json"
expect_exit "--json onto the config itself" 2 "$GCV" "$TMP/x.json" -q --json "$TMP/x.json"
expect_grep "--json onto the config: said so" "^gcverify: $TMP/x\.json: cannot write the report: it is the config this run reads \(refused: it would be lost\)$" "$TMP/err"
cmp -s "$NET" "$TMP/x.json" && ok "the config is unchanged" || bad "the config was overwritten"
plugin crashl crash_load # the crash report of --isolate, written by the parent, too
cp "$TMP/crashl.json" "$TMP/crashl.bak"
expect_exit "--isolate crash report onto the config" 2 "$GCV" "$TMP/crashl.json" -q --isolate --json "$TMP/crashl.json"
cmp -s "$TMP/crashl.bak" "$TMP/crashl.json" && ok "the crashing plugin's config is unchanged" || bad "the config was overwritten by the crash report"
mkdir "$TMP/d"
"$GCV" "$ROOT/configs/seed_2d.json" -q --export "$TMP/d" >/dev/null 2>&1
python3 - "$TMP/d" <<'EOF' # the data stored examples × features, as a user may have it
import ast, struct, sys
for name in ("X", "Y"):
    path = "%s/%s.npy" % (sys.argv[1], name)
    raw = open(path, "rb").read()
    hlen = struct.unpack("<H", raw[8:10])[0]
    r, c = ast.literal_eval(raw[10:10 + hlen].decode())["shape"]
    v = struct.unpack("<%dd" % (r * c), raw[10 + hlen:])
    h = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (c, r)
    h = h.ljust((10 + len(h) + 1 + 63) // 64 * 64 - 11) + "\n"
    t = [v[i * c + j] for j in range(c) for i in range(r)]
    open(path, "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() +
                           struct.pack("<%dd" % len(t), *t))
EOF
printf '{"name": "npydata", "model": {"layers": [2, 3, 1]}, "data": {"source": "npy", "x": "X.npy", "y": "Y.npy", "layout": "examples_by_features"}}\n' >"$TMP/d/npy.json"
cp "$TMP/d/X.npy" "$TMP/X.before"
expect_exit "the npy config runs" 0 "$GCV" "$TMP/d/npy.json" -q
expect_exit "--export into the data folder" 2 "$GCV" "$TMP/d/npy.json" -q --export "$TMP/d"
expect_grep "--export into the data folder: said so" "^gcverify: $TMP/d/X\.npy: cannot write the --export file: it is data\.x this run reads" "$TMP/err"
cmp -s "$TMP/X.before" "$TMP/d/X.npy" && ok "X.npy is unchanged" || bad "X.npy was rewritten"

# --- two outputs on one path; names made file names; duplicates told apart
expect_exit "--json and --junit on one path" 2 "$GCV" "$NET" -q --json "$TMP/one.xml" --junit "$TMP/one.xml"
expect_grep "one path: said so" "one\.xml: cannot write the JUnit report: the report goes to the same file \(two outputs on one path\)$" "$TMP/err"
expect_exit "--json and --junit on one path by two names" 2 "$GCV" "$NET" -q --json "$TMP/two.xml" --junit "$TMP/./two.xml"
python3 - "$NET" "$ROOT/configs/seed_testcase.json" "$TMP" <<'EOF'
import json, sys
net, case, tmp = sys.argv[1:]
d = json.load(open(net)); d["name"] = "../escaped"; json.dump(d, open(tmp + "/esc.json", "w"))
d["name"] = "same"; json.dump(d, open(tmp + "/same1.json", "w"))
c = json.load(open(case)); c["name"] = "same"; c.pop("expect", None)
json.dump(c, open(tmp + "/same2.json", "w"))
EOF
echo garbage >"$TMP/escaped.json"
mkdir -p "$TMP/o/base" "$TMP/o/hist"
expect_exit '"name": "../escaped" with the per-config folders' 0 "$GCV" "$TMP/esc.json" -q \
    --json-dir "$TMP/o/json" --html-dir "$TMP/o/html" --baseline-dir "$TMP/o/base" --history "$TMP/o/hist"
[ -s "$TMP/o/json/_._escaped.json" ] && [ -s "$TMP/o/html/_._escaped.html" ] &&
    ok "the name made a file name inside each folder" || bad "reports: $(find "$TMP/o" -type f | tr '\n' ' ')"
[ "$(cat "$TMP/escaped.json")" = garbage ] && [ ! -e "$TMP/o/escaped.json" ] && [ ! -e "$TMP/o/escaped.html" ] &&
    ok "nothing written or read outside the folders" || bad "a file outside the folders was touched"
expect_exit "two configs of one name, --json-dir" 1 "$GCV" "$TMP/same1.json" "$TMP/same2.json" -q --json-dir "$TMP/dup"
st=$(python3 -c 'import json,sys; print(*(json.load(open(p))["status"] for p in sys.argv[1:]))' "$TMP/dup/same.json" "$TMP/dup/same-2.json" 2>&1)
[ "$st" = "pass fail" ] && ok "each has its report (same.json pass, same-2.json fail)" || bad "duplicate names: '$st'"

# --- every output checked before the check, the set written whole or not at all
: >"$TMP/afile"
expect_exit "a failing --params-csv" 2 "$GCV" "$NET" --json "$TMP/r.json" --params-csv "$TMP/afile/p.csv"
expect_grep "--params-csv: the reason, from the system" "^gcverify: $TMP/afile/p\.csv: cannot write the parameters CSV: cannot make its folder: $TMP/afile: Not a directory$" "$TMP/err"
[ ! -e "$TMP/r.json" ] && ok "--json not written when --params-csv cannot be" || bad "r.json was written"
[ ! -s "$TMP/out" ] && ok "found before the check (no text report)" || bad "the check ran first: $(head -2 "$TMP/out")"
long=$(printf 'a%.0s' $(seq 245)).json # 250 bytes, under NAME_MAX (255)
expect_exit "a 250-byte file name" 0 "$GCV" "$NET" -q --json "$TMP/$long"
json_ok "the 250-byte file name holds the report" "$TMP/$long"
left=$(find "$TMP" -name '.gcv-*' | wc -l)
[ "$left" -eq 0 ] && ok "no temporary left behind" || bad "$left temporaries left"

# --- --method directional: --max-seconds, SIGTERM, SIGINT, and --isolate's watchdog
MN=$ROOT/configs/bench/mnist.json
DIR=(--method directional --directions 1000) # a minute or more of work
# In the JSON: stopped, the verdict, and whether the directional pass itself was begun (some
# block has directions) and cut short (some has none): a stop during the set-up before it
# would not show that the pass looks at the stop flag.
PARTIAL='d["stopped"], d["status"], 0 < sum(b.get("directions", 0) > 0 for b in d["blocks"]) < len(d["blocks"])'
expect_exit "directional --max-seconds 4" 3 timeout -s KILL 60 "$GCV" "$MN" "${DIR[@]}" -q --max-seconds 4 --json "$TMP/dir.json"
st=$(json "$TMP/dir.json" "$PARTIAL" 2>&1)
[ "$st" = "True inconclusive True" ] && ok "directional --max-seconds: a partial report" || bad "directional --max-seconds: '$st'"
for sig in TERM INT; do
    rm -f "$TMP/dir.json"
    timeout -s KILL 60 "$GCV" "$MN" "${DIR[@]}" -q --json "$TMP/dir.json" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    sleep 4
    kill -$sig $pid 2>/dev/null # the timeout; it passes the signal on to gcverify
    wait $pid
    rc=$?
    st=$(json "$TMP/dir.json" "$PARTIAL" 2>&1)
    [ $rc -eq 3 ] && [ "$st" = "True inconclusive True" ] && ok "directional SIG$sig: exit 3, a partial report" ||
        bad "directional SIG$sig: exit $rc, '$st'"
done
expect_exit "directional --isolate --max-seconds 4" 3 timeout -s KILL 60 "$GCV" "$MN" "${DIR[@]}" -q --isolate --max-seconds 4 --json "$TMP/diri.json"
st=$(json "$TMP/diri.json" "$PARTIAL"', "crash" in d' 2>&1)
[ "$st" = "True inconclusive True False" ] && ! grep -q hung "$TMP/err" && ok "directional --isolate: stopped, not killed as hung" || bad "directional --isolate: '$st' $(cat "$TMP/err")"

# --- --isolate: the model's whole lifetime; _exit(0) is a crash
plugin exit0 exit0_cost
expect_exit "_exit(0) in cost() under --isolate" 3 "$GCV" "$TMP/exit0.json" -q --isolate
plugin hangd hang_destroy
expect_exit "a hang in destroy() under --isolate" 3 timeout -s KILL 60 "$GCV" "$TMP/hangd.json" -q --isolate --max-seconds 1 --json "$TMP/hangd.r.json"
expect_grep "a hang in destroy(): said so" "the model hung: no return within 3\.1 s of the start of destroy\(\) \(killed\) in the model's destroy\(\), after the reports were written \(exit 3\)$" "$TMP/err"
json_ok "a hang in destroy(): the report was kept" "$TMP/hangd.r.json"
plugin hangl hang_load
expect_exit "a hang in loading under --isolate" 3 timeout -s KILL 60 "$GCV" "$TMP/hangl.json" -q --isolate --max-seconds 1
expect_grep "a hang in loading: said so" "no return within 3\.1 s of the model's loading \(killed\) while loading the config and the model$" "$TMP/err"

# --- after the reports, SIGTERM acts again (here on a destroy() that never returns)
rm -f "$TMP/hangd.r.json"
timeout -s KILL 30 "$GCV" "$TMP/hangd.json" -q --json "$TMP/hangd.r.json" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$TMP/hangd.r.json" ] && break; sleep 0.1; done
sleep 0.3
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
[ $rc -eq 143 ] && ok "SIGTERM after the reports ends the run (exit 143)" || bad "SIGTERM after the reports: exit $rc"

# --- a closed stdout: no SIGPIPE death, the report still written
rc=$(python3 - "$GCV" "$NET" "$TMP/pipe.json" <<'EOF'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)  # no reader: every write to stdout fails (EPIPE, or SIGPIPE when not ignored)
print(subprocess.run(sys.argv[1:2] + [sys.argv[2], "--json", sys.argv[3]], stdout=w,
                     stderr=subprocess.DEVNULL).returncode)
EOF
)
[ "$rc" = 0 ] && ok "a closed stdout: exit 0, the verdict's" || bad "a closed stdout: exit $rc"
json_ok "a closed stdout: the report written" "$TMP/pipe.json"

# --- the OpenMP environment: one line of gcverify's
expect_exit "OMP_STACKSIZE=100G" 3 env OMP_STACKSIZE=100G "$GCV" "$NET" -q --json "$TMP/omp.json"
expect_grep "OMP_STACKSIZE=100G: said so" "^gcverify: cannot start the check's threads: OMP_STACKSIZE=100G asks each thread for a stack this machine cannot give: " "$TMP/err"
one_line "OMP_STACKSIZE=100G"
expect_exit "OMP_NUM_THREADS=abc" 2 env OMP_NUM_THREADS=abc "$GCV" "$NET" -q
[ "$(grep -c '^gcverify: ' "$TMP/err")" -eq 1 ] && expect_grep "OMP_NUM_THREADS=abc: said so, libgomp's lines explained" \
    "^gcverify: OMP_NUM_THREADS: expected a positive integer or a comma list of them, got 'abc' \(the libgomp lines above, if any, are the OpenMP runtime's own word on it\)$" "$TMP/err" ||
    bad "OMP_NUM_THREADS=abc: $(cat "$TMP/err")"

# --- messages
expect_exit "--epsilon 1e-320" 2 "$GCV" "$NET" --epsilon 1e-320
expect_grep "--epsilon 1e-320: subnormal" "^gcverify: --epsilon: expected a number in \(0, 1\) of at least 2\.2e-308, the smallest normal double, or auto \(this one is subnormal: too small a step\), got '1e-320'$" "$TMP/err"
expect_exit "--epsilon 1e-400" 2 "$GCV" "$NET" --epsilon 1e-400
expect_grep "--epsilon 1e-400: underflows" "underflows to 0 in double precision\), got '1e-400'$" "$TMP/err"
deep=$TMP
while [ ${#deep} -lt 4080 ]; do deep=$deep/$(printf 'd%.0s' $(seq 200)); done
deep=${deep:0:4090} # the folder fits in PATH_MAX (4096), DIR/W1.npy does not
expect_exit "--export DIR/W1.npy over PATH_MAX" 2 "$GCV" "$ROOT/configs/seed_2d.json" -q --export "$deep"
expect_grep "--export over PATH_MAX: said so" "cannot write the --export file: 4097 bytes: the path is over PATH_MAX \(4096 bytes\)$" "$TMP/err"
cut=$(find "$TMP" -name 'W1.n*' ! -name 'W1.npy' | wc -l)
[ "$cut" -eq 0 ] && ok "no file named after a cut path" || bad "$cut files with cut names"
grep -v '"name"' "$NET" >"$TMP/caf$(printf '\351').json" # a Latin-1 file name: the default name is not UTF-8
expect_exit "a name that is not UTF-8" 0 "$GCV" "$TMP/caf$(printf '\351').json" -q --json "$TMP/latin1.json"
json_ok "a name that is not UTF-8: the report is valid JSON" "$TMP/latin1.json"
st=$(json "$TMP/latin1.json" 'ascii(d["name"])' 2>&1)
[ "$st" = "'caf\\ufffd'" ] && ok "the bad byte became U+FFFD" || bad "name: $st"
mkdir "$TMP/locale"
if localedef -i de_DE -f UTF-8 "$TMP/locale/de_DE.UTF-8" >/dev/null 2>&1 || [ -d "$TMP/locale/de_DE.UTF-8" ]; then
    plugin loc setlocale
    expect_exit "a plugin that sets a decimal-comma locale" 0 env LOCPATH="$TMP/locale" "$GCV" "$TMP/loc.json" \
        --json "$TMP/loc.r.json" --params-csv "$TMP/loc.csv" --params all
    json_ok "decimal-comma locale: the report is valid JSON" "$TMP/loc.r.json"
    st=$(json "$TMP/loc.r.json" 'd["check"]["epsilon"]' 2>&1)
    [ "$st" = "1e-06" ] && ok "decimal-comma locale: epsilon 1e-06" || bad "epsilon: $st"
    grep -q '^cost .*J = [0-9]*\.[0-9]' "$TMP/out" && ok "decimal-comma locale: the text report has '.'" || bad "text: $(grep cost "$TMP/out")"
    ! grep -qE '[0-9],[0-9]{2}' "$TMP/loc.csv" && ok "decimal-comma locale: the CSV has '.'" || bad "csv: $(sed -n 2p "$TMP/loc.csv")"
else
    bad "localedef could not make de_DE.UTF-8 (install the Debian package locales)"
fi

finish outputs

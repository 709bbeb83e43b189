#!/usr/bin/env bash
# scripts/run prints gcverify's output and nothing of the build: a build that succeeds (with
# ninja's progress lines) is silent and the check's output and exit status come through; a
# build that fails shows its output and exits 2. A stand-in build folder (GCV_BUILD_DIR)
# whose build.ninja "compiles" by printing and copying the real binary keeps it fast.
# usage: run-test.sh GCVERIFY ROOT
set -u
GCV=$1
ROOT=$2
. "$(dirname "$0")/lib.sh"
command -v ninja >/dev/null || { echo "skip: no ninja"; exit 77; }
cd "$ROOT" || exit 1
B=$TMP/build/release
mkdir -p "$B"
cat >"$B/build.ninja" <<NINJA
rule cc
  command = echo 'Compiling C object src_cli_main.c.o' && echo 'warning: nothing' >&2 && cp $GCV \$out
build gcverify: cc $GCV
default gcverify
NINJA

GCV_BUILD_DIR=$B scripts/run configs/net.json >"$TMP/out1" 2>"$TMP/err1"
rc=$?
[ "$rc" -eq 0 ] && ok "a build, then the check: exit 0" || bad "first run: exit $rc: $(head -3 "$TMP/err1")"
[ ! -s "$TMP/err1" ] && ok "nothing on stderr" || bad "stderr: $(head -3 "$TMP/err1")"
[ "$(head -1 "$TMP/out1")" = "gcverify · configs/net.json" ] && ok "the check's report comes first" ||
    bad "first line: $(head -1 "$TMP/out1")"
grep -qE 'Compiling|ninja|warning' "$TMP/out1" && bad "build output on stdout" || ok "no build output on stdout"
"$GCV" configs/net.json >"$TMP/direct" 2>&1
t='s/ in [0-9.]+ (µs|ms|s)( |$)/ in T\2/'
diff <(sed -E "$t" "$TMP/out1") <(sed -E "$t" "$TMP/direct") >/dev/null &&
    ok "the output is the binary's own" || bad "scripts/run prints more than gcverify"
grep -q 'Compiling C object' "$B.log" && ok "the build's output is kept in the log" || bad "no build log"

# Up to date: ninja has nothing to do; a mismatch's exit status comes through.
sed '/"expect"/d' configs/seed_testcase.json >"$TMP/tc.json"
GCV_BUILD_DIR=$B scripts/run "$TMP/tc.json" --quiet >"$TMP/out2" 2>&1
rc=$?
[ "$rc" -eq 1 ] && [ ! -s "$TMP/out2" ] && ok "up to date, --quiet, a mismatch: exit 1, no output at all" ||
    bad "second run: exit $rc, output: $(head -3 "$TMP/out2")"

# A failing build: its output on stderr, exit 2, gcverify not run.
cat >"$B/build.ninja" <<'NINJA'
rule cc
  command = echo 'src/cli/main.c:1: error: boom' && false
build always: cc
default always
NINJA
GCV_BUILD_DIR=$B scripts/run configs/net.json >"$TMP/out3" 2>"$TMP/err3"
rc=$?
[ "$rc" -eq 2 ] && ok "a failing build: exit 2" || bad "failing build: exit $rc"
expect_grep "a failing build: its error shown" 'main\.c:1: error: boom' "$TMP/err3"
[ ! -s "$TMP/out3" ] && ok "a failing build: gcverify not run" || bad "failing build: stdout $(head -2 "$TMP/out3")"
finish run

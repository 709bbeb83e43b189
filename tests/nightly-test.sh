#!/usr/bin/env bash
# scripts/nightly end to end on two small configs and a buggy one: a first night passes, a
# second night against a doctored baseline (as if last night's net had one parameter more)
# reports a regression and exits 1.  usage: nightly-test.sh GCVERIFY ROOT
set -u
export GCV=$1
ROOT=$2
. "$(dirname "$0")/lib.sh"
mkdir "$TMP/configs"
cp "$ROOT/configs/net.json" "$ROOT/configs/seed_testcase.json" "$ROOT/configs/seed_2d.json" "$TMP/configs/"
export GCV_NIGHTLY_CONFIGS=$TMP/configs
"$ROOT/scripts/nightly" "$TMP/n1" "$TMP/none" >"$TMP/out1" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "first night exits 0" || { bad "first night exit $rc"; cat "$TMP/out1"; }
grep -q '^caught .*seed_testcase.json' "$TMP/out1" && ok "the injected faults are caught" || bad "fault line missing"
[ -s "$TMP/n1/junit.xml" ] && [ -s "$TMP/n1/json/net.json" ] && ok "JUnit and JSON written" || bad "reports missing"
python3 - "$TMP/n1/json/net.json" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
d["model"]["params_total"] += 1
json.dump(d, open(p, "w"))
PY
"$ROOT/scripts/nightly" "$TMP/n2" "$TMP/n1" >"$TMP/out2" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "second night with changed parameter counts exits 1" || { bad "second night exit $rc"; cat "$TMP/out2"; }
grep -q '^REGRESSION .*net.json' "$TMP/out2" && ok "the regression is named" || { bad "no REGRESSION line"; cat "$TMP/out2"; }
grep -q 'regressions' "$TMP/n2/json/net.json" && ok "the JSON report lists it" || bad "JSON without regressions"
finish nightly

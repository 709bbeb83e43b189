#!/usr/bin/env bash
# scripts/nightly end to end, as doc/ci.md shows it (OUT_DIR and a previous night that does
# not exist yet), on the real configs/ tree: a first night exits 0, the configs that carry
# a fault on purpose ("expect": "fail") counted as expected failures; a second night against
# a doctored baseline (as if last night's net had one parameter more) reports a regression
# and exits 1. Then small trees: a config expected to fail that passes (exit 4, NOT CAUGHT)
# and a fault injected without "expect" (exit 1, like any mismatch).
# gcverify runs through a wrapper adding --limit 2000, so the two 235,146-parameter nets take
# a quarter of a second instead of 17 s each (golden-test.sh runs every config in full).
# usage: nightly-test.sh GCVERIFY ROOT
set -u
ROOT=$2
. "$(dirname "$0")/lib.sh"
printf '#!/bin/sh\nexec "%s" "$@" --limit 2000\n' "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" \
    >"$TMP/gcverify"
chmod +x "$TMP/gcverify"
export GCV=$TMP/gcverify
unset GCV_NIGHTLY_CONFIGS

n_configs=$(find "$ROOT/configs" -name '*.json' | wc -l)
buggy=$(grep -rl '"expect": "fail"' "$ROOT/configs" | sort | tr '\n' ' ')
[ "$(echo $buggy | wc -w)" -ge 3 ] && ok "configs/: $n_configs configs, these say \"expect\": \"fail\": $buggy" ||
    bad "configs/: the buggy configs do not say \"expect\": \"fail\": '$buggy'"

# --- night 1: doc/ci.md's command as written (run in a scratch folder), the real tree, no
# previous night yet
doc='scripts/nightly reports/2026-11-23 reports/2026-11-22'
grep -qF "    $doc" "$ROOT/doc/ci.md" && ok "doc/ci.md shows: $doc" || bad "doc/ci.md lacks: $doc"
read -r script out prev <<<"$doc"
(cd "$TMP" && "$ROOT/$script" "$out" "$prev") >"$TMP/out1" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "first night on configs/ exits 0" || { bad "first night exit $rc"; cat "$TMP/out1"; }
expect_grep "first night: no previous reports said" '^nightly: no previous reports in reports/2026-11-22/json' "$TMP/out1"
n=$(grep -cE '^(PASS|XFAIL) ' "$TMP/out1")
[ "$n" -eq "$n_configs" ] && ok "first night: a PASS or XFAIL line for each of the $n configs" ||
    { bad "first night: $n PASS/XFAIL lines for $n_configs configs"; grep -vE '^(PASS|XFAIL) ' "$TMP/out1"; }
for c in $buggy; do
    expect_grep "first night: ${c#"$ROOT"/} failed as expected" "^XFAIL +${c//./\\.} .*failed as expected" "$TMP/out1"
done
[ "$(grep -c '^XFAIL ' "$TMP/out1")" -eq "$(echo $buggy | wc -w)" ] &&
    ok "first night: no other XFAIL line" || bad "first night: XFAIL lines for other configs"
[ "$(ls "$TMP/reports/2026-11-23/json" | wc -l)" -eq "$n_configs" ] && ok "first night: a JSON report per config" ||
    bad "first night: $(ls "$TMP/reports/2026-11-23/json" | wc -l) JSON reports"
j=$TMP/reports/2026-11-23/junit.xml
grep -qE '^<testsuites name="gcverify" tests="[0-9]+" failures="0" errors="0"' "$j" &&
    ok "first night: junit.xml without failures or errors" || bad "first night: $(sed -n 2p "$j")"
n=$(grep -c '<testcase classname="[^"]*" name="expect"' "$j")
[ "$n" -eq "$(echo $buggy | wc -w)" ] && ok "first night: junit.xml has a passing \"expect\" testcase per buggy config" ||
    bad "first night: $n \"expect\" testcases"
[ "$(json "$TMP/reports/2026-11-23/json/seed-testcase.json" 'd["status"], d["expect"]')" = "fail fail" ] &&
    ok "first night: seed-testcase.json says status fail, expect fail" || bad "seed-testcase.json: status/expect"

# --- night 2: the same tree against night 1 with net.json doctored
python3 - "$TMP/reports/2026-11-23/json/net.json" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p))
d["model"]["params_total"] += 1
json.dump(d, open(p, "w"))
PY
(cd "$TMP" && "$ROOT/scripts/nightly" reports/2026-11-24 reports/2026-11-23) >"$TMP/out2" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "second night with changed parameter counts exits 1" || { bad "second night exit $rc"; cat "$TMP/out2"; }
expect_grep "the regression is named" '^REGRESSION .*/net\.json' "$TMP/out2"
[ "$(grep -c '^REGRESSION ' "$TMP/out2")" -eq 1 ] && ok "second night: one REGRESSION line (the expected failures have none)" ||
    bad "second night: $(grep -c '^REGRESSION ' "$TMP/out2") REGRESSION lines"
grep -q 'regressions' "$TMP/reports/2026-11-24/json/net.json" && ok "the JSON report lists it" || bad "JSON without regressions"

# --- a config expected to fail that passes: the fault is no longer caught (exit 4)
mkdir -p "$TMP/xpass" "$TMP/unmarked"
cp "$ROOT/configs/net.json" "$TMP/xpass/"
python3 - "$ROOT/configs/seed_testcase.json" "$TMP/xpass/fixed.json" "$TMP/unmarked/buggy.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["expect"] == "fail" and d["model"]["inject"]
u = dict(d); u.pop("expect"); json.dump(u, open(sys.argv[3], "w"))
del d["model"]["inject"]; json.dump(d, open(sys.argv[2], "w"))
PY
GCV_NIGHTLY_CONFIGS=$TMP/xpass "$ROOT/scripts/nightly" "$TMP/reports/x" >"$TMP/out3" 2>&1
rc=$?
[ $rc -eq 4 ] && ok "a config expected to fail that passes: exit 4" || { bad "unexpected pass: exit $rc"; cat "$TMP/out3"; }
expect_grep "unexpected pass: NOT CAUGHT line" '^NOT CAUGHT +XPASS +.*fixed\.json .*expected to fail, but passed' "$TMP/out3"
expect_grep "unexpected pass: gcverify's own line" 'fixed\.json: expected to fail, but passed' "$TMP/out3"
grep -q '<failure type="unexpected-pass" message="expected to fail, but passed"' "$TMP/reports/x/junit.xml" &&
    ok "unexpected pass: a JUnit failure" || bad "unexpected pass: no JUnit failure"

# --- a fault injected without "expect": a mismatch like any other (exit 1)
cp "$ROOT/configs/net.json" "$TMP/unmarked/"
GCV_NIGHTLY_CONFIGS=$TMP/unmarked "$ROOT/scripts/nightly" "$TMP/reports/u" >"$TMP/out4" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "a fault injected without \"expect\": exit 1" || { bad "unmarked fault: exit $rc"; cat "$TMP/out4"; }
expect_grep "unmarked fault: a FAIL line" '^FAIL +.*buggy\.json' "$TMP/out4"
finish nightly

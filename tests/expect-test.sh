#!/usr/bin/env bash
# The config key "expect" (doc/config.md), strict like pytest's strict xfail: a config that
# says "expect": "fail" and fails exits 0 and says "FAIL (expected)"; one that passes exits 1
# with "expected to fail, but passed", on stderr even with --quiet; inconclusive stays 3, a
# baseline regression still 1, bad input 2. The summary lines (XFAIL, XPASS), the JSON
# member, JUnit (a passing "expect" testcase, or an unexpected-pass failure; valid against
# tests/junit/junit.xsd), shards (not judged) and their merge (judged), and --isolate.
# usage: expect-test.sh GCVERIFY ROOT
set -u
GCV=$1
ROOT=$2
. "$(dirname "$0")/lib.sh"

# Three versions of the course test case: its two faults expected (as shipped), the faults
# removed but still expected (a fault no longer caught), and no "expect" (the default).
python3 - "$ROOT/configs/seed_testcase.json" "$TMP" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["expect"] == "fail"
json.dump(d, open(sys.argv[2] + "/xfail.json", "w"))
p = dict(d); p.pop("expect"); json.dump(p, open(sys.argv[2] + "/plain.json", "w"))
x = json.loads(json.dumps(d)); del x["model"]["inject"]; x["name"] = "fixed"
json.dump(x, open(sys.argv[2] + "/xpass.json", "w"))
n = {"name": "nonfinite", "expect": "fail",
     "model": {"type": "mlp", "layers": [2, 2, 1], "hidden_activation": "linear",
               "output_activation": "linear", "loss": "mse",
               "params": {"values": {"W1": [[1e200, 1.0], [0.5, -0.25]], "b1": [[0.0], [0.0]],
                                     "W2": [[1e150, 1.0]], "b2": [[0.0]]}}},
     "data": {"source": "inline", "x": [[1.0], [2.0]], "y": [[0.5]]}}
json.dump(n, open(sys.argv[2] + "/nonfinite.json", "w"))
PY

# --- one config: the text report ends with the outcome, the exit status follows it
expect_exit "expected failure: exit 0" 0 "$GCV" "$TMP/xfail.json" --json "$TMP/xf.json" --junit "$TMP/xf.xml"
expect_grep "expected failure: the verdict is still FAIL" '^overall difference 2\.85e-01 > 1e-07 · FAIL · 2 of 6 blocks' "$TMP/out"
expect_grep "expected failure: said so" '^expect  fail · FAIL \(expected\)$' "$TMP/out"
[ ! -s "$TMP/err" ] && ok "expected failure: nothing on stderr" || bad "expected failure: stderr $(cat "$TMP/err")"
expect_exit "the same config without \"expect\": exit 1" 1 "$GCV" "$TMP/plain.json" --json "$TMP/plain-r.json"
grep -q '^expect ' "$TMP/out" && bad "no \"expect\": an expect line anyway" || ok "no \"expect\": no expect line"
expect_exit "unexpected pass: exit 1" 1 "$GCV" "$TMP/xpass.json" --json "$TMP/xp.json" --junit "$TMP/xp.xml"
expect_grep "unexpected pass: the verdict line" '^overall difference .* · pass$' "$TMP/out"
expect_grep "unexpected pass: said on stdout" '^expect  fail · expected to fail, but passed: the fault is no longer caught$' "$TMP/out"
expect_grep "unexpected pass: one line on stderr" '^gcverify: .*/xpass\.json: expected to fail, but passed \("expect": "fail"\)$' "$TMP/err"
expect_exit "unexpected pass, --quiet: exit 1" 1 "$GCV" "$TMP/xpass.json" --quiet
[ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q 'expected to fail, but passed' "$TMP/err" &&
    ok "unexpected pass, --quiet: nothing on stdout, the line on stderr" || bad "--quiet: out '$(cat "$TMP/out")' err '$(cat "$TMP/err")'"
expect_exit "inconclusive stays 3" 3 "$GCV" "$TMP/nonfinite.json" --json "$TMP/nf.json"
grep -qE '^expect ' "$TMP/out" && bad "inconclusive: an expect line" || ok "inconclusive: no expect line"
expect_exit "--threshold 1 makes it pass: exit 1" 1 "$GCV" "$TMP/xfail.json" --threshold 1 -q

# --- JSON: "expect" beside "status", "pass" by default
[ "$(json "$TMP/xf.json" 'd["status"], d["expect"]')" = "fail fail" ] && ok "JSON: status fail, expect fail" || bad "JSON xfail: $(json "$TMP/xf.json" 'd["status"], d.get("expect")')"
[ "$(json "$TMP/xp.json" 'd["status"], d["expect"]')" = "pass fail" ] && ok "JSON: status pass, expect fail" || bad "JSON xpass"
[ "$(json "$TMP/plain-r.json" 'd["status"], d["expect"]')" = "fail pass" ] && ok "JSON: expect pass by default" || bad "JSON default"
[ "$(json "$TMP/nf.json" 'd["status"], d["expect"]')" = "inconclusive fail" ] && ok "JSON: inconclusive, expect fail" || bad "JSON inconclusive"

# --- JUnit: the expected failure is all passes, the unexpected pass one failure
xp() { xmllint --xpath "$2" "$1" 2>/dev/null; }
for f in xf xp; do
    xmllint --noout --schema "$ROOT/tests/junit/junit.xsd" "$TMP/$f.xml" 2>/dev/null &&
        ok "$f.xml: valid against junit.xsd" || bad "$f.xml: not valid"
done
[ "$(xp "$TMP/xf.xml" 'concat(/testsuites/@tests, " ", /testsuites/@failures, " ", /testsuites/@errors)')" = "7 0 0" ] &&
    ok "JUnit, expected failure: 7 testcases (6 blocks and expect), no failure" || bad "JUnit xf counts: $(sed -n 2p "$TMP/xf.xml")"
[ "$(xp "$TMP/xf.xml" 'string(//testcase[@name="W2"]/system-out)' |
      grep -c ': fail (expected); diagnosis: analytic ≈ 2\.000 × numeric$')" = 1 ] &&
    [ "$(xp "$TMP/xf.xml" 'count(//testcase[@name="W2"]/*)')" = 1 ] &&
    ok "JUnit: W2 passes, its system-out says it failed as expected, with the diagnosis" ||
    bad "JUnit W2: $(xp "$TMP/xf.xml" '//testcase[@name="W2"]')"
xp "$TMP/xf.xml" 'string(//testcase[@name="expect"]/system-out)' | grep -q '^failed as expected: 2 of 6 blocks fail' &&
    ok "JUnit: the expect testcase says failed as expected" || bad "JUnit expect testcase (xf)"
[ "$(xp "$TMP/xp.xml" 'concat(/testsuites/@tests, " ", /testsuites/@failures)')" = "7 1" ] &&
    [ "$(xp "$TMP/xp.xml" 'string(//testcase[@name="expect"]/failure/@message)')" = "expected to fail, but passed" ] &&
    ok "JUnit, unexpected pass: one failure, in the expect testcase, with that message" || bad "JUnit xp: $(grep -A1 'name="expect"' "$TMP/xp.xml")"

# --- several configs: one line each, the worst status
expect_exit "several configs: XFAIL, PASS" 0 "$GCV" "$TMP/xfail.json" "$ROOT/configs/net.json"
expect_grep "several configs: the XFAIL line" '^XFAIL +.*xfail\.json · 47 params · difference 2\.85e-01 · 2 of 6 blocks failed · failed as expected · ' "$TMP/out"
expect_exit "several configs: an XPASS makes it 1" 1 "$GCV" "$TMP/xfail.json" "$TMP/xpass.json" "$ROOT/configs/net.json"
expect_grep "several configs: the XPASS line" '^XPASS +.*xpass\.json · .* · expected to fail, but passed · ' "$TMP/out"
expect_grep "several configs: the XPASS on stderr" 'xpass\.json: expected to fail, but passed' "$TMP/err"

# --- a baseline regression still fails the run
"$GCV" "$TMP/xfail.json" --json "$TMP/base.json" -q
python3 - "$TMP/base.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["model"]["params_total"] += 1; json.dump(d, open(sys.argv[1], "w"))
PY
expect_exit "expected failure with a regression: exit 1" 1 "$GCV" "$TMP/xfail.json" --baseline "$TMP/base.json"
expect_exit "expected failure against its own baseline: exit 0" 0 "$GCV" "$TMP/xfail.json" --baseline "$TMP/xf.json"

# --- shards: a slice is not judged (its pass may just miss the fault), the merge is
for c in xfail xpass; do
    for k in 1 2; do
        expect_exit "$c shard $k/2: exit 0" 0 "$GCV" "$TMP/$c.json" --shard $k/2 --json "$TMP/$c-s$k.json" -q
    done
done
expect_exit "merge of an expected failure: exit 0" 0 "$GCV" merge "$TMP"/xfail-s*.json -o "$TMP/xfail-m.json" -q
# (a shard neither measures noise nor escalates: the merge equals a one-shard run's)
"$GCV" "$TMP/xfail.json" --shard 1/1 --json "$TMP/xfail-s0.json" -q
"$GCV" merge "$TMP/xfail-s0.json" -o "$TMP/xf1.json" -q
same_json "$TMP/xfail-m.json" "$TMP/xf1.json" && ok "merged = the one-shard run, \"expect\" included" || bad "merged report differs"
expect_exit "merge of an unexpected pass: exit 1" 1 "$GCV" merge "$TMP"/xpass-s*.json -o "$TMP/xpass-m.json" -q
expect_grep "merge: expected to fail, but passed" '^gcverify: merge: .*xpass-m\.json: expected to fail, but passed' "$TMP/err"

# --- --isolate: the child's code comes through
expect_exit "--isolate: expected failure exits 0" 0 "$GCV" --isolate "$TMP/xfail.json" -q
expect_exit "--isolate: unexpected pass exits 1" 1 "$GCV" --isolate "$TMP/xpass.json" -q

finish expect

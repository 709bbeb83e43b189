#!/usr/bin/env bash
# JUnit XML against the schema: the files test-reports writes (one config with a fault; six
# suites with a pass, a fault, an inconclusive block, baseline regressions, a stopped run, a
# block left out by a sample and a config error; a config name full of XML specials) are validated with xmllint against
# tests/junit/junit.xsd, and their counts checked against their testcases with XPath. The
# invalid documents under tests/junit/invalid/ must be refused, so the schema is known to
# check something. When the gcverify given as a third argument has --junit, its output is
# validated too.
# usage: junit-test.sh path/to/test-reports source-root [path/to/gcverify]
# Exit 77 (meson's "skipped") when xmllint is not installed (Debian: libxml2-utils).
set -u
EMIT=$1
ROOT=$2
GCV=${3:-}
XSD=$ROOT/tests/junit/junit.xsd
if ! command -v xmllint >/dev/null 2>&1; then
    echo "junit: skipped: xmllint not found (apt-get install libxml2-utils)"
    exit 77
fi
. "$(dirname "$0")/lib.sh"

# xpath FILE EXPR: the number an XPath 1.0 expression gives.
xpath() { xmllint --xpath "$2" "$1" 2>/dev/null; }

# counts_agree FILE: every count attribute equals what the testcases say.
counts_agree() {
    local f=$1 name=$2 n i
    n=$(xpath "$f" 'count(/testsuites/testsuite)')
    for attr in tests failures errors skipped; do
        case $attr in
        tests) what='testcase' ;;
        failures) what='testcase[failure]' ;;
        errors) what='testcase[error]' ;;
        skipped) what='testcase[skipped]' ;;
        esac
        total=$(xpath "$f" "count(/testsuites/testsuite/$what)")
        [ "$(xpath "$f" "string(/testsuites/@$attr)")" = "$total" ] ||
            { bad "$name: testsuites/@$attr is not $total"; return; }
        for i in $(seq 1 "$n"); do
            want=$(xpath "$f" "count(/testsuites/testsuite[$i]/$what)")
            got=$(xpath "$f" "string(/testsuites/testsuite[$i]/@$attr)")
            [ "$got" = "$want" ] ||
                { bad "$name: testsuite[$i]/@$attr = $got, $want testcases say so"; return; }
        done
    done
    ok "$name: counts agree with the testcases ($n suites)"
}

if "$EMIT" --emit-junit "$TMP" >"$TMP/emit.log" 2>&1; then ok "test-reports --emit-junit"; else
    bad "test-reports --emit-junit"; sed 's/^/    /' "$TMP/emit.log"; fi

for f in "$TMP"/*.xml; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    if xmllint --noout --schema "$XSD" "$f" >"$TMP/lint.log" 2>&1; then
        ok "$name: valid against junit.xsd"
    else
        bad "$name: not valid"; sed 's/^/    /' "$TMP/lint.log" | head -10
    fi
    counts_agree "$f" "$name"
done

# What the documents must say.
[ "$(xpath "$TMP/single.xml" 'string(//testcase[@name="W2"]/failure/@type)')" = "gradient-mismatch" ] &&
    ok "single.xml: W2 fails as gradient-mismatch" || bad "single.xml: W2's failure"
xpath "$TMP/single.xml" 'string(//testcase[@name="W2"]/failure/@message)' | grep -q 'analytic ≈ 2.000 × numeric' &&
    ok "single.xml: the failure message has the diagnosis" || bad "single.xml: no diagnosis"
[ "$(xpath "$TMP/multi.xml" 'count(//error[@type="inconclusive"])')" = 1 ] &&
    ok "multi.xml: one inconclusive block" || bad "multi.xml: inconclusive blocks"
[ "$(xpath "$TMP/multi.xml" 'count(//failure[@type="baseline-regression"])')" -ge 2 ] &&
    ok "multi.xml: baseline regressions" || bad "multi.xml: baseline regressions"
[ "$(xpath "$TMP/multi.xml" 'count(//testcase[skipped])')" = 1 ] &&
    ok "multi.xml: the block a sample left out is skipped (a regressed one is not)" ||
    bad "multi.xml: skipped testcases"
[ "$(xpath "$TMP/weird.xml" 'string(/testsuites/testsuite/@name)')" = "weird <&>\"' �� name" ] &&
    ok "weird.xml: the escaped name reads back" || bad "weird.xml: name reads back as '$(xpath "$TMP/weird.xml" 'string(/testsuites/testsuite/@name)')'"

# The schema refuses what it should.
for f in "$ROOT"/tests/junit/invalid/*.xml; do
    name=invalid/$(basename "$f")
    if xmllint --noout --schema "$XSD" "$f" >/dev/null 2>&1; then bad "$name: accepted"; else
        ok "$name: refused"; fi
done

# The command itself, once it writes JUnit.
if [ -n "$GCV" ] && "$GCV" --help 2>&1 | grep -q -- '--junit'; then
    "$GCV" "$ROOT/configs/seed_testcase.json" --quiet --junit "$TMP/cli.xml" >/dev/null 2>&1
    if xmllint --noout --schema "$XSD" "$TMP/cli.xml" >"$TMP/lint.log" 2>&1; then
        ok "gcverify --junit: valid against junit.xsd"; counts_agree "$TMP/cli.xml" "gcverify --junit"
    else bad "gcverify --junit: not valid"; sed 's/^/    /' "$TMP/lint.log" | head -10; fi
    # a config that does not load still has its suite: named by its path, one error saying why
    echo '{"model": 3}' >"$TMP/bad.json"
    "$GCV" "$TMP/bad.json" "$ROOT/configs/net.json" --quiet --junit "$TMP/bad.xml" >/dev/null 2>&1
    [ "$(xpath "$TMP/bad.xml" 'count(/testsuites/testsuite)')" = 2 ] &&
        [ "$(xpath "$TMP/bad.xml" "string(/testsuites/testsuite[1]/@name)")" = "$TMP/bad.json" ] &&
        xpath "$TMP/bad.xml" 'string(//error/@message)' | grep -q 'model: expected an object, got 3' &&
        ok "gcverify --junit: a config that does not load is a suite with its error" ||
        bad "gcverify --junit: bad config: $(head -c 400 "$TMP/bad.xml")"
fi

finish junit

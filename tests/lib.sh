# The shell test scripts' common part, sourced by each (tests/*.sh):
#     . "$(dirname "$0")/lib.sh"
# a scratch folder $TMP removed on exit, the pass/fail counters with one line per check
# ("ok   …" / "FAIL …"), the checks several scripts share, and the closing summary.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# expect_exit NAME CODE CMD...: runs CMD, stdout to $TMP/out, stderr to $TMP/err; on a
# failure shows the start of both.
expect_exit() {
    local name=$1 code=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    if [ "$rc" -eq "$code" ]; then ok "$name (exit $rc)"; else
        bad "$name: exit $rc, expected $code"; sed 's/^/    /' "$TMP/err" "$TMP/out" | head -20; fi
}

# expect_grep NAME ERE FILE: the file has a line matching the extended regular expression.
expect_grep() {
    local name=$1 pattern=$2 file=$3
    if grep -qE -- "$pattern" "$file"; then ok "$name"; else
        bad "$name: /$pattern/ not in $(basename "$file")"; sed 's/^/    /' "$file" | head -20; fi
}

# json FILE EXPR: prints the Python expression EXPR of the JSON document d in FILE.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# same_json A B [KEY…]: the two JSON reports are equal but for "seconds" and the top-level
# KEYs named.
same_json() {
    python3 - "$@" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    for k in ["seconds"] + sys.argv[3:]:
        d.pop(k, None)
sys.exit(a != b)
EOF
}

# finish NAME: the summary line; succeeds only if no check failed.
finish() {
    echo
    echo "$1: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}

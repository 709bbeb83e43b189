#!/usr/bin/env bash
# The bad-input corpus through the gcverify command: every tests/bad-inputs/NAME.json (and
# the hostile files generated below into a temporary folder: huge strings and keys, deep
# nesting, oversized files, folders, devices, pipes) must exit 2 with exactly one stderr
# line matching its regex (EXPECTED), print nothing on stdout, write no report, and leave
# no sanitizer report.
# usage: bad-inputs-test.sh path/to/gcverify source-root
set -u
GCV=$1
ROOT=$2
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
export LC_ALL=C # regexes and messages compared byte for byte

# run_case LABEL CONFIG REGEX
run_case() {
    local label=$1 cfg=$2 re=$3 why=""
    rm -f "$TMP/r.json"
    timeout 60 "$GCV" "$cfg" --json "$TMP/r.json" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    local lines
    lines=$(wc -l <"$TMP/err")
    if [ "$rc" -ne 2 ]; then
        why="exit $rc, expected 2"
    elif grep -qE 'Sanitizer|runtime error' "$TMP/err"; then
        why="sanitizer report on stderr"
    elif [ "$lines" -ne 1 ] || [ "$(wc -c <"$TMP/err")" -eq 0 ]; then
        why="$lines lines on stderr, expected 1"
    elif ! grep -qE -- "$re" "$TMP/err"; then
        why="message does not match /$re/"
    elif [ -e "$TMP/r.json" ]; then
        why="a report was written"
    elif [ -s "$TMP/out" ]; then
        why="something was printed on stdout"
    fi
    if [ -z "$why" ]; then
        pass=$((pass + 1))
        echo "ok   $label"
    else
        fail=$((fail + 1))
        echo "FAIL $label: $why"
        head -c 2000 "$TMP/err" | sed 's/^/    /'
    fi
}

# The regex matching a literal string.
re_lit() {
    printf '%s' "$1" | sed 's/[][\.*^$(){}?+|]/\\&/g'
}

# --- the committed corpus
declare -A expected
while IFS=$'\t' read -r name re; do
    case "$name" in '' | '#'*) continue ;; esac
    expected[$name]=$re
done <tests/bad-inputs/EXPECTED

for cfg in tests/bad-inputs/*.json; do
    name=${cfg##*/}
    if [ -z "${expected[$name]+set}" ]; then
        fail=$((fail + 1))
        echo "FAIL $name: no line in tests/bad-inputs/EXPECTED"
        continue
    fi
    run_case "$name" "$cfg" "${expected[$name]}"
    unset "expected[$name]"
done
for name in "${!expected[@]}"; do
    fail=$((fail + 1))
    echo "FAIL $name: listed in EXPECTED but missing"
done

# --- hostile files too large to commit, generated here
G=$TMP/gen
mkdir -p "$G"
ELL=$'\xE2\x80\xA6' # "…"

# gen_case NAME REGEX-AFTER-"gcverify: FILE: ": runs $G/NAME
gen_case() {
    run_case "(generated) $1" "$G/$1" "^gcverify: $(re_lit "$G/$1"): $2"
}

big_run() { # big_run CHAR COUNT: COUNT copies of CHAR
    head -c "$2" /dev/zero | tr '\0' "$1"
}

{ printf '{"model": {"layers": "'; big_run A 1048576; printf '"}}'; } >"$G/huge-string.json"
gen_case huge-string.json "model\\.layers: expected an array of at least 2 positive integers \\(input, $ELL, output sizes\\), got \"A{39}$ELL\$"

{ printf '{"model": {"layers": [4, 1]}, "'; big_run K 1048576; printf '": 1}'; } >"$G/huge-key.json"
gen_case huge-key.json "K{40}$ELL: unknown key; expected one of name, model, data, check, report, expect, gradients\$"

{ printf '{"name": "'; big_run n 4194304; printf '", "model": {"layers": [4, 1], "loss": 7}}'; } >"$G/huge-name.json"
gen_case huge-name.json "model\\.loss: expected one of binary_cross_entropy, softmax_cross_entropy, mse, got 7\$"

{ printf '{"model": {"layers": '; big_run '[' 100000; big_run ']' 100000; printf '}}'; } >"$G/deep-arrays.json"
gen_case deep-arrays.json "line 1, column 84: expected nesting at most 64 levels deep, got deeper\$"

{ for _ in $(seq 100000); do printf '{"a":'; done; printf '1'; big_run '}' 100000; } >"$G/deep-objects.json"
gen_case deep-objects.json "line 1, column 321: expected nesting at most 64 levels deep, got deeper\$"

{ printf '{"model": {"layers": [2, 3, 1]}, "data": {"source": "inline", "x": [['; seq -s, 1 1000000; printf ']], "y": [[0]]}}'; } >"$G/wide-inline.json"
gen_case wide-inline.json "data\\.x: expected shape \\(2, m\\) \\(features × examples, layers\\[0\\] = 2\\), got \\(1, 1000000\\)\$"

{ printf '{"model": {"layers": [4, 1'; big_run 1 100000; printf ']}}'; } >"$G/huge-number.json"
gen_case huge-number.json "model\\.layers\\[1\\]: expected a positive integer, got a number beyond the range of a double \\(> 1\\.8e308\\)\$"

{ printf '{"model": {"layers": [4, 1]}}'; big_run ' ' 67108864; } >"$G/oversized.json"
gen_case oversized.json "expected a config file of at most 67108864 bytes, got 67108893 bytes\$"

mkdir "$G/folder.json"
gen_case folder.json "expected a regular file, got a directory\$"

mkfifo "$G/fifo.json"
gen_case fifo.json "expected a regular file, got a pipe\$"

ln -s loop.json "$G/loop.json"
gen_case loop.json "cannot open: Too many levels of symbolic links\$"

run_case "(generated) /dev/zero" /dev/zero "^gcverify: /dev/zero: expected a regular file, got a character device\$"

finish bad-inputs

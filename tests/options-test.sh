#!/usr/bin/env bash
# The options of `gcverify --help` (made from the option table in src/cli/options.c) and
# of the man page's OPTIONS section are the same, each with the same value name; and the
# parser knows every option the usage text lists.
# usage: options-test.sh path/to/gcverify source-root
set -u
GCV=$1
ROOT=$2
MAN=$ROOT/doc/gcverify.1
. "$(dirname "$0")/lib.sh"

# "--name VALUE" (or "--name" for a flag) for each entry of the usage text.
"$GCV" --help >"$TMP/help" 2>&1 || bad "gcverify --help exits non-zero"
sed -nE 's/^  (--[a-z-]+)( [A-Z][A-Z/=]*)?( .*)?$/\1\2/p' "$TMP/help" | sort >"$TMP/help-opts"

# The same for each .TP entry of the man page's OPTIONS section: .B --flag, .BI --name " V",
# .BR --name ", " -n (the one-letter alias is not compared).
awk '
/^\.SH / { in_opts = ($2 == "OPTIONS"); prev = ""; next }
in_opts && prev == ".TP" && $1 ~ /^\.B[IR]?$/ {
    line = $0
    gsub(/\\-/, "-", line)
    split(line, w, " ")
    arg = ""
    if (w[1] == ".BI" && match(line, /"[^"]*"/)) {
        arg = substr(line, RSTART + 1, RLENGTH - 2)
        gsub(/ /, "", arg)
    }
    print w[2] (arg != "" ? " " arg : "")
}
{ prev = $0 }' "$MAN" | sort >"$TMP/man-opts"

n_help=$(wc -l <"$TMP/help-opts")
n_man=$(wc -l <"$TMP/man-opts")
[ "$n_help" -gt 20 ] && ok "--help lists $n_help options" || bad "--help lists only $n_help options"
[ "$n_man" -gt 20 ] && ok "the man page lists $n_man options" ||
    bad "the man page lists only $n_man options"
if cmp -s "$TMP/help-opts" "$TMP/man-opts"; then
    ok "--help and the man page's OPTIONS list the same options"
else
    bad "--help and the man page's OPTIONS differ:"
    comm -23 "$TMP/help-opts" "$TMP/man-opts" | sed 's/^/    only in --help:        /'
    comm -13 "$TMP/help-opts" "$TMP/man-opts" | sed 's/^/    only in the man page:  /'
fi

# Every listed option is one the parser takes (with a value where the text names one).
while read -r opt value; do
    case $opt in --help | --version) continue ;; esac
    "$GCV" "$opt" ${value:+x} >/dev/null 2>"$TMP/err"
    if grep -q 'one of the options in gcverify --help' "$TMP/err"; then
        bad "the parser does not know $opt"
    else
        ok "the parser knows $opt"
    fi
done <"$TMP/help-opts"

finish "options"

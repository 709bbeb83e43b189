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

# The names the config accepts for activations and losses (made from the tables in
# src/model/act.c, read back from the parser's own error) are exactly the names the man page
# and doc/config.md list for the same key: adding a table entry without documenting it fails.
CONFIG_MD=$ROOT/doc/config.md
for key in hidden_activation output_activation loss; do
    printf '{"model": {"layers": [2, 2, 1], "%s": "no-such-name"}}\n' "$key" >"$TMP/names.json"
    "$GCV" "$TMP/names.json" >/dev/null 2>"$TMP/err"
    sed -nE 's/.*expected one of (.*), got .*/\1/p' "$TMP/err" | tr -d ' ' | tr ',' '\n' |
        sort >"$TMP/table-names"
    n=$(wc -l <"$TMP/table-names")
    [ "$n" -ge 3 ] || { bad "model.$key: the parser's error lists $n names"; continue; }
    # the man page: the line after ".B model.KEY" (".BR a ", " b " or " c ,")
    awk -v k="model.$key" 'p { print; exit } $0 == ".B " k { p = 1 }' "$MAN" |
        sed -E 's/^\.BR //; s/" or "/,/g; s/", "/,/g; s/[ .,]+$//; s/ //g' | tr ',' '\n' |
        sort >"$TMP/man-names"
    # doc/config.md: the table row of the key, every `name` in its second column
    grep -E "^\| \`$key\` \|" "$CONFIG_MD" | awk -F'|' '{ print $3 }' |
        grep -oE '`[a-z_]+`' | tr -d '`' | sort >"$TMP/md-names"
    if cmp -s "$TMP/table-names" "$TMP/man-names"; then
        ok "model.$key: the man page lists the table's $n names"
    else
        bad "model.$key: the man page and the table differ: $(tr '\n' ' ' <"$TMP/man-names")vs $(tr '\n' ' ' <"$TMP/table-names")"
    fi
    if cmp -s "$TMP/table-names" "$TMP/md-names"; then
        ok "model.$key: doc/config.md lists the table's $n names"
    else
        bad "model.$key: doc/config.md and the table differ: $(tr '\n' ' ' <"$TMP/md-names")vs $(tr '\n' ' ' <"$TMP/table-names")"
    fi
done

finish "options"

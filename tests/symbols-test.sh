#!/usr/bin/env bash
# What libgcverify.so exports: exactly the public API. Three lists must agree: the functions
# include/gcverify/gcverify.h declares with GCV_EXPORT, the global symbols of the version
# script src/libgcverify.map, and the symbols the shared library defines in its dynamic
# table (each a gcv_ name, under the map's version node). The library is built with hidden
# visibility, so an internal function that leaks shows up here as an extra symbol.
# usage: symbols-test.sh LIBGCVERIFY.so SOURCE-ROOT [versioned|unversioned]
#   unversioned: the linker took no version script; the version checks are skipped.
set -u
LIB=$1
ROOT=$2
MODE=${3:-versioned}
. "$(dirname "$0")/lib.sh"
MAP=$ROOT/src/libgcverify.map
HEADER=$ROOT/include/gcverify/gcverify.h
command -v objdump >/dev/null || { echo "skip: no objdump (binutils)"; exit 77; }

# The map: its one version node, and the names listed under global: (comments removed).
sed -e 's:/\*.*\*/::g' -e '/\/\*/,/\*\//d' "$MAP" >"$TMP/map"
node=$(sed -n 's/^[[:space:]]*\([A-Za-z0-9_.]*\)[[:space:]]*{.*/\1/p' "$TMP/map")
sed -n '/global:/,/local:/p' "$TMP/map" | grep -oE '^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*;' |
    tr -d ' \t;' | sort >"$TMP/map.syms"
[ "$(echo "$node" | wc -w)" -eq 1 ] && ok "the map has one version node: $node" ||
    bad "the map should have exactly one version node, has: ${node:-none}"
[ -s "$TMP/map.syms" ] && ok "the map lists $(wc -l <"$TMP/map.syms") global symbols" ||
    bad "the map lists no global symbols"
grep -qE '^[[:space:]]*local:[[:space:]]*$' "$TMP/map" && grep -qE '^[[:space:]]*\*;' "$TMP/map" &&
    ok "the map makes every other symbol local (local: *;)" || bad "the map lacks local: *;"

# The header: the names of the functions declared with GCV_EXPORT.
grep -oE '^GCV_EXPORT [^(]*\bgcv_[a-z0-9_]+\(' "$HEADER" | grep -oE 'gcv_[a-z0-9_]+\($' |
    tr -d '(' | sort >"$TMP/header.syms"

# The library: defined dynamic symbols as "version name" (objdump -T: ... section size
# version name); the version node's own absolute symbol is left out.
objdump -T "$LIB" >"$TMP/objdump" || { bad "objdump -T $LIB failed"; finish symbols; exit 1; }
awk '/^[0-9a-f]+ / && !/\*UND\*/ && $(NF-1) != $NF { print $(NF-1), $NF }' "$TMP/objdump" |
    sort -k2 >"$TMP/lib.versioned"
awk '{ print $2 }' "$TMP/lib.versioned" >"$TMP/lib.syms"
[ -s "$TMP/lib.syms" ] && ok "$(basename "$LIB") exports $(wc -l <"$TMP/lib.syms") symbols" ||
    bad "$(basename "$LIB") exports nothing"

# Every exported symbol is a gcv_ name and in the map; every map entry is exported.
stray=$(grep -v '^gcv_' "$TMP/lib.syms")
[ -z "$stray" ] && ok "every exported symbol starts with gcv_" ||
    bad "exported without the gcv_ prefix: $(echo $stray)"
extra=$(comm -23 "$TMP/lib.syms" "$TMP/map.syms")
[ -z "$extra" ] && ok "every exported symbol is in the map" ||
    bad "exported but not in src/libgcverify.map: $(echo $extra)"
missing=$(comm -13 "$TMP/lib.syms" "$TMP/map.syms")
[ -z "$missing" ] && ok "every symbol of the map is defined by the library" ||
    bad "in the map but not defined by the library: $(echo $missing)"

# The map and the header name the same functions.
only_map=$(comm -23 "$TMP/map.syms" "$TMP/header.syms")
only_header=$(comm -13 "$TMP/map.syms" "$TMP/header.syms")
[ -z "$only_map$only_header" ] && ok "the map and gcverify.h's GCV_EXPORT functions agree" ||
    bad "map only: $(echo $only_map); GCV_EXPORT in gcverify.h only: $(echo $only_header)"

# Every exported symbol carries the map's node as its default version (@@node).
if [ "$MODE" = versioned ]; then
    grep -qE "^[0-9a-f]+ g +DO? *\*ABS\*.* $node $node\$" "$TMP/objdump" &&
        ok "the library defines version $node" || bad "the library does not define version $node"
    wrong=$(awk -v n="$node" '$1 != n { print $2 "(" $1 ")" }' "$TMP/lib.versioned")
    [ -z "$wrong" ] && ok "every exported symbol has version $node" ||
        bad "exported with another version than $node: $(echo $wrong)"
else
    echo "skip version checks: the linker took no version script"
fi

finish symbols

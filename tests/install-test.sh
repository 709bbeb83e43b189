#!/usr/bin/env bash
# What `meson install` gives a user: the command (which needs no libgcverify.so at run
# time), the library (exporting the public API only), both headers, the pkg-config file, the
# man page (every option of --help, every exit code and config key documented) and the
# example plugins; then a plugin and a gcv_check() program built against the installed tree
# with pkg-config only, as a user's project would.
# usage: install-test.sh PREFIX SOURCE-ROOT   (PREFIX: where meson installed)
set -u
shopt -s extglob
PREFIX=$(cd "$1" && pwd)
ROOT=$(cd "$2" && pwd)
. "$(dirname "$0")/lib.sh"

LIBDIR=$(dirname "$(find "$PREFIX" -name 'libgcverify.so' | head -1)")
PC=$(find "$PREFIX" -name gcverify.pc | head -1)
MAN=$(find "$PREFIX" -name gcverify.1 | head -1)
for f in "$PREFIX/bin/gcverify" "$PREFIX/include/gcverify/gcverify.h" \
         "$PREFIX/include/gcverify/plugin.h" "$PC" "$MAN" "$LIBDIR/libgcverify.so" \
         "$LIBDIR/gcverify/plugins/liblogreg.so" "$LIBDIR/gcverify/plugins/libseednet.so" \
         "$LIBDIR/gcverify/plugins/libconv1d.so"; do
    [ -n "$f" ] && [ -e "$f" ] && ok "installed: ${f#"$PREFIX"/}" || bad "not installed: $f"
done
GCV=$PREFIX/bin/gcverify

# --- the command has the library built in; the shared library exports the public API only
if readelf -d "$GCV" | grep -q 'NEEDED.*libgcverify'; then
    bad "bin/gcverify needs libgcverify.so at run time"
else
    env -u LD_LIBRARY_PATH "$GCV" --version >/dev/null &&
        ok "bin/gcverify runs without libgcverify.so (the library is linked in)" ||
        bad "bin/gcverify --version failed"
fi
if bash "$ROOT/tests/symbols-test.sh" "$LIBDIR/libgcverify.so" "$ROOT" >"$TMP/symbols"; then
    ok "the installed libgcverify.so $(grep -o 'exports [0-9]* symbols' "$TMP/symbols"): the API"
else
    bad "the installed libgcverify.so: tests/symbols-test.sh failed"
    grep FAIL "$TMP/symbols"
fi

export LD_LIBRARY_PATH=$LIBDIR
export PKG_CONFIG_PATH=$(dirname "$PC")

# --- the man page documents every option, exit code and config key
for opt in $("$GCV" --help | grep -oE '^  --[a-z-]+' | sort -u); do
    grep -qF -- "$(echo "$opt" | sed 's/-/\\-/g')" "$MAN" && ok "man page: $opt" || bad "man page lacks $opt"
done
for code in 0 1 2 3; do
    grep -qE "^\.B $code$" "$MAN" && ok "man page: exit status $code" || bad "man page lacks exit $code"
done
keys=$(cat "$ROOT"/src/config/*.c |
       sed -n 's/^static const char \*const [A-Z_]*KEYS\[\] = {\(.*\)/\1/p;' |
       grep -oE '"[a-z_0-9]+"' | tr -d '"' | sort -u)
for k in $keys; do
    grep -qE "(^|[^a-z_])$k([^a-z_]|$)" "$MAN" && ok "man page: key $k" || bad "man page lacks config key $k"
done

# --- a plugin built by a user's project: pkg-config --cflags only, nothing linked
cflags=$(pkg-config --cflags gcverify)
[[ " $cflags " == *" -I$PREFIX/include "* && " $cflags " != *" -I$ROOT/"@(src|include)* ]] &&
    ok "pkg-config --cflags gcverify: $cflags (the installed include/, nothing of the source tree)" ||
    bad "pkg-config --cflags gave '$cflags': not the installed include/ alone"
cp "$ROOT/examples/plugins/seednet.c" "$ROOT/examples/plugins/options.h" "$TMP/"
if cc -O2 -shared -fPIC $cflags -o "$TMP/libmynet.so" "$TMP/seednet.c" -lm; then
    ok "doc/plugins.md's one-liner builds a plugin"
else
    bad "doc/plugins.md's one-liner failed"
fi
printf '{"model": {"type": "plugin", "library": "./libmynet.so", "options": {"bugs": true}}}\n' >"$TMP/mine.json"
"$GCV" "$TMP/mine.json" >"$TMP/out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -qE 'W2 +analytic ≈ 2.000 × numeric' "$TMP/out" &&
    ok "the installed gcverify checks the user's plugin (exit 1, W2 ≈ 2×)" || { bad "user plugin: exit $rc"; head "$TMP/out"; }
printf '{"model": {"type": "plugin", "library": "libconv1d.so"}}\n' >"$TMP/bare.json"
"$GCV" "$TMP/bare.json" --quiet
rc=$?
[ "$rc" -eq 0 ] && ok "a bare name is found in the installed plugin folder" || bad "bare name: exit $rc"
if command -v make >/dev/null; then
    printf 'include %s\nall: libmynet2.so\n' "$ROOT/examples/plugins/gcverify-plugin.mk" >"$TMP/Makefile"
    cp "$TMP/seednet.c" "$TMP/mynet2.c"
    make -s -C "$TMP" >/dev/null && [ -f "$TMP/libmynet2.so" ] && ok "gcverify-plugin.mk builds a plugin" ||
        bad "gcverify-plugin.mk failed"
else
    echo "skip gcverify-plugin.mk (no make here)"
fi

# --- a C program calling gcv_check(), built with pkg-config --cflags --libs
if cc -std=c11 -o "$TMP/api" "$ROOT/examples/api.c" $(pkg-config --cflags --libs gcverify) -lm; then
    ok "examples/api.c builds against the installed library"
    "$TMP/api" >"$TMP/api.out" 2>&1 && ok "examples/api.c runs (exit 0)" || bad "examples/api.c failed: $(cat "$TMP/api.out")"
else
    bad "examples/api.c does not build with pkg-config"
fi

finish install

#!/usr/bin/env bash
# What `meson install` gives a user, used as a user would, with no environment variable of
# ours: every command below that runs the installed program or builds against the installed
# tree runs under `env -i PATH=/usr/bin:/bin`. The command (which links the library in and
# needs no libgcverify.so), every installed ELF's libraries found, the library exporting the
# public API only, the headers, the pkg-config file, the man page (every option of --help,
# every exit code and config key documented), the example plugins and gcverify-plugin.mk;
# then a user's plugin built with doc/plugins.md's commands (the one-liner with
# -I PREFIX/include, and gcverify-plugin.mk from where it is installed) and checked by the
# installed gcverify, and a gcv_check() program built with pkg-config.
# usage: install-test.sh PREFIX SOURCE-ROOT            PREFIX: where meson installed
#        install-test.sh --destdir BUILD SOURCE-ROOT   installs BUILD with meson install
#                                                      --destdir into a scratch folder first
set -u
shopt -s extglob
. "$(dirname "$0")/lib.sh"
staged=0
if [ "$1" = --destdir ]; then
    staged=1
    command -v meson >/dev/null || { echo "skip: no meson on PATH"; exit 77; }
    if ! meson install -C "$2" --destdir "$TMP/stage" --no-rebuild --quiet >"$TMP/install.log" 2>&1; then
        cat "$TMP/install.log"
        bad "meson install -C $2 --destdir failed"
        finish install
        exit 1
    fi
    PREFIX=$(dirname "$(dirname "$(find "$TMP/stage" -path '*/bin/gcverify' | head -1)")")
    ROOT=$(cd "$3" && pwd)
    ok "meson install --destdir: the tree staged under ${PREFIX#"$TMP"/}"
else
    PREFIX=$(cd "$1" && pwd)
    ROOT=$(cd "$2" && pwd)
fi
clean() { env -i PATH=/usr/bin:/bin "$@"; } # a user's shell with nothing of ours set

LIBDIR=$(dirname "$(find "$PREFIX" -name 'libgcverify.so' | head -1)")
PC=$(find "$PREFIX" -name gcverify.pc | head -1)
MAN=$(find "$PREFIX" -name gcverify.1 | head -1)
MK=$PREFIX/share/gcverify/gcverify-plugin.mk
for f in "$PREFIX/bin/gcverify" "$PREFIX/include/gcverify/gcverify.h" \
         "$PREFIX/include/gcverify/plugin.h" "$PC" "$MAN" "$LIBDIR/libgcverify.so" "$MK" \
         "$LIBDIR/gcverify/plugins/liblogreg.so" "$LIBDIR/gcverify/plugins/libseednet.so" \
         "$LIBDIR/gcverify/plugins/libconv1d.so"; do
    [ -n "$f" ] && [ -e "$f" ] && ok "installed: ${f#"$PREFIX"/}" || bad "not installed: $f"
done
GCV=$PREFIX/bin/gcverify

# --- the command runs as installed: the library is in it, every other library is found
if readelf -d "$GCV" | grep -q 'NEEDED.*libgcverify'; then
    bad "bin/gcverify needs libgcverify.so at run time"
fi
for f in "$GCV" "$LIBDIR/libgcverify.so" "$LIBDIR"/gcverify/plugins/*.so; do
    if clean ldd "$f" | grep -q 'not found'; then
        bad "${f#"$PREFIX"/}: libraries not found: $(clean ldd "$f" | grep 'not found' | tr -s ' \t' ' ')"
    else
        ok "${f#"$PREFIX"/}: every library it needs is found with no LD_LIBRARY_PATH"
    fi
done
v=$(clean "$GCV" --version 2>&1)
[[ "$v" == "gcverify "[0-9]* ]] && ok "env -i bin/gcverify --version: $v" || bad "env -i bin/gcverify --version: '$v'"
clean "$GCV" "$ROOT/configs/net.json" >"$TMP/net.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -qE '^overall difference .* · pass$' "$TMP/net.out" &&
    ok "env -i bin/gcverify configs/net.json: exit 0, pass" || { bad "env -i net.json: exit $rc"; head -5 "$TMP/net.out"; }
if bash "$ROOT/tests/symbols-test.sh" "$LIBDIR/libgcverify.so" "$ROOT" >"$TMP/symbols"; then
    ok "the installed libgcverify.so $(grep -o 'exports [0-9]* symbols' "$TMP/symbols"): the API"
else
    bad "the installed libgcverify.so: tests/symbols-test.sh failed"
    grep FAIL "$TMP/symbols"
fi

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

# --- a plugin built by a user's project, as doc/plugins.md says, in a clean environment
cp "$ROOT/examples/plugins/seednet.c" "$ROOT/examples/plugins/options.h" "$TMP/"
if (cd "$TMP" && clean cc -O2 -shared -fPIC -I"$PREFIX/include" -o libmynet.so seednet.c -lm); then
    ok "doc/plugins.md's one-liner (-I PREFIX/include) builds a plugin"
else
    bad "doc/plugins.md's one-liner failed"
fi
printf '{"model": {"type": "plugin", "library": "./libmynet.so", "options": {"bugs": true}}}\n' >"$TMP/mine.json"
clean "$GCV" "$TMP/mine.json" >"$TMP/out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -qE 'W2 +analytic ≈ 2.000 × numeric' "$TMP/out" &&
    ok "the installed gcverify checks the user's plugin (exit 1, W2 ≈ 2×)" || { bad "user plugin: exit $rc"; head "$TMP/out"; }
if [ "$staged" -eq 0 ]; then
    printf '{"model": {"type": "plugin", "library": "libconv1d.so"}}\n' >"$TMP/bare.json"
    clean "$GCV" "$TMP/bare.json" --quiet
    rc=$?
    [ "$rc" -eq 0 ] && ok "a bare name is found in the installed plugin folder" || bad "bare name: exit $rc"
else
    echo "skip a bare plugin name: it is looked up in the final prefix, not under DESTDIR"
fi
if command -v make >/dev/null; then
    mkdir -p "$TMP/proj" "$TMP/nomk"
    cp "$TMP/seednet.c" "$TMP/proj/mynet2.c" && cp "$TMP/options.h" "$TMP/proj/"
    printf 'include %s\nall: libmynet2.so\n' "$MK" >"$TMP/proj/Makefile"
    if clean make -s -C "$TMP/proj" >"$TMP/make.out" 2>&1 && [ -f "$TMP/proj/libmynet2.so" ]; then
        ok "include PREFIX/share/gcverify/gcverify-plugin.mk: a Makefile builds a plugin"
    else
        bad "gcverify-plugin.mk in a Makefile failed: $(head -3 "$TMP/make.out")"
    fi
    cp "$TMP/seednet.c" "$TMP/nomk/mynet3.c" && cp "$TMP/options.h" "$TMP/nomk/"
    printf '{"model": {"type": "plugin", "library": "./libmynet3.so"}}\n' >"$TMP/nomk/c.json"
    if (cd "$TMP/nomk" && clean make -s -f "$MK" libmynet3.so >"$TMP/make3.out" 2>&1) &&
        clean "$GCV" "$TMP/nomk/c.json" --quiet; then
        ok "make -f PREFIX/share/gcverify/gcverify-plugin.mk libmynet3.so: built, and it passes"
    else
        bad "make -f gcverify-plugin.mk failed: $(head -3 "$TMP/make3.out")"
    fi
else
    echo "skip gcverify-plugin.mk (no make here)"
fi

# --- pkg-config, where it can find gcverify.pc: the installed include/, nothing of the sources
if [ "$staged" -eq 0 ] && command -v pkg-config >/dev/null; then
    cflags=$(clean PKG_CONFIG_PATH="$(dirname "$PC")" pkg-config --cflags gcverify)
    [[ " $cflags " == *" -I$PREFIX/include "* && " $cflags " != *" -I$ROOT/"@(src|include)* ]] &&
        ok "pkg-config --cflags gcverify: $cflags (the installed include/)" ||
        bad "pkg-config --cflags gave '$cflags': not the installed include/ alone"
    # a C program calling gcv_check(), linked with libgcverify.so from a non-system prefix
    if clean PKG_CONFIG_PATH="$(dirname "$PC")" sh -c \
        'cc -std=c11 -o "$1" "$2" $(pkg-config --cflags --libs gcverify) -lm' \
        sh "$TMP/api" "$ROOT/examples/api.c"; then
        ok "examples/api.c builds against the installed library"
        clean LD_LIBRARY_PATH="$LIBDIR" "$TMP/api" >"$TMP/api.out" 2>&1 &&
            ok "examples/api.c runs (exit 0)" || bad "examples/api.c failed: $(cat "$TMP/api.out")"
    else
        bad "examples/api.c does not build with pkg-config"
    fi
fi

finish install

#!/usr/bin/env bash
# The public headers as a user's compiler sees them: each of include/gcverify/*.h alone in a
# translation unit (and both together), compiled as pedantic C99 or C++11 with warnings as
# errors, with include/ as the only include path and none of the project's own flags.
# usage: headers-test.sh SOURCE-ROOT c99|c++11
#   the compiler: $CC for c99, $CXX for c++11 (meson passes its own); a missing C++
#   compiler skips the test (exit 77) with a message.
set -u
ROOT=$(cd "$1" && pwd)
LANG_STD=$2
. "$(dirname "$0")/../lib.sh"

case $LANG_STD in
c99)
    read -r -a compiler <<<"${CC:-cc}"
    flags=(-x c -std=c99 -Wall -Wextra -Wpedantic -Werror -Wundef -Wshadow -Wconversion
           -Wstrict-prototypes -Wmissing-prototypes)
    ext=c ;;
c++11)
    if [ -z "${CXX:-}" ]; then
        for c in g++ c++ clang++; do command -v "$c" >/dev/null && { CXX=$c; break; }; done
    fi
    if [ -z "${CXX:-}" ]; then
        echo "skip: no C++ compiler (Debian: apt-get install g++; scripts/test installs it)"
        exit 77
    fi
    read -r -a compiler <<<"$CXX"
    flags=(-x c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -Wundef -Wshadow
           -Wold-style-cast -Wzero-as-null-pointer-constant)
    ext=cpp ;;
*)
    echo "usage: headers-test.sh SOURCE-ROOT c99|c++11" >&2
    exit 2 ;;
esac
echo "compiler: ${compiler[*]} ${flags[*]}"

# compile NAME HEADER...: one translation unit that includes the headers, in that order.
compile() {
    local name=$1 h
    shift
    : >"$TMP/$name.$ext"
    for h in "$@"; do printf '#include <gcverify/%s>\n' "$h" >>"$TMP/$name.$ext"; done
    if "${compiler[@]}" "${flags[@]}" -I"$ROOT/include" -c "$TMP/$name.$ext" \
            -o "$TMP/$name.o" 2>"$TMP/$name.err"; then
        ok "$LANG_STD: $*"
    else
        bad "$LANG_STD: $*"
        sed 's/^/    /' "$TMP/$name.err" | head -20
    fi
}

headers=()
for f in "$ROOT"/include/gcverify/*.h; do headers+=("$(basename "$f")"); done
for h in "${headers[@]}"; do compile "${h%.h}" "$h"; done
compile all "${headers[@]}"

finish "headers ($LANG_STD)"

#!/usr/bin/env bash
# The HTML report in a real browser: headless Chromium loads each page from disk (file://,
# offline, as a user opening the file would), must log nothing to the console (no script, no
# blocked fetch, no CSP violation: the page has none of them, so any console line is an
# error) and must render; a screenshot of each is taken. The detector is proven first on a
# page that does log errors, so a silent console means something. On the seed test case's
# screenshot the failing colours must cover real area (the b1 and W2 tiles, the verdict
# banner), and on the correct net's they must not.
# usage: html-browser.sh path/to/gcverify source-root [SHOT_DIR]
#   SHOT_DIR: where the screenshots are kept (default: a temporary folder, removed).
# Exit 77 when no Chromium is installed (Debian: apt-get install chromium).
set -u
GCV=$1
ROOT=$2
KEEP=${3:-}
BROWSER=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then
        BROWSER=$b
        break
    fi
done
if [ -z "$BROWSER" ]; then
    echo "html-browser: skipped: no chromium (apt-get install chromium)"
    exit 77
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
. "$(dirname "$0")/lib.sh"
SHOTS=${KEEP:-$TMP/shots}
mkdir -p "$SHOTS"

# Chromium refuses to run as root with its sandbox; in a container the sandbox cannot work.
flags=(--headless --disable-gpu --hide-scrollbars --no-first-run --no-default-browser-check
       --disable-extensions --disable-background-networking --disable-sync
       --user-data-dir="$TMP/profile" --enable-logging=stderr --v=0)
[ "$(id -u)" -ne 0 ] || flags+=(--no-sandbox)

# browse PAGE SHOT WIDTH HEIGHT: screenshot of PAGE; the console lines into $TMP/console.
browse() {
    local page=$1 shot=$2
    rm -f "$shot"
    timeout 120 "$BROWSER" "${flags[@]}" --window-size="$3,$4" --screenshot="$shot" \
        "file://$page" >"$TMP/browser.log" 2>&1
    local rc=$?
    # Chromium logs console messages as "…:CONSOLE(line)] "message", source: …" (or
    # ":CONSOLE:line]" in newer builds), and failed loads as net::ERR_….
    grep -E ':CONSOLE[(:]|net::ERR_|Failed to load resource' "$TMP/browser.log" >"$TMP/console"
    return $rc
}

# png_ok SHOT: a PNG of the requested size.
png_ok() {
    [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
}

# dom_ok PAGE ID: Chromium parsed the page into a DOM with that element.
dom_ok() {
    timeout 120 "$BROWSER" "${flags[@]}" --dump-dom "file://$1" 2>/dev/null | grep -q "id=\"$2\""
}

# 0. The detector sees console errors and blocked loads.
cat >"$TMP/broken.html" <<'EOF'
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta charset="utf-8"/>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/>
<title>broken</title></head><body><p id="x">x</p>
<img src="https://example.invalid/a.png"/><script>console.error("boom")</script></body></html>
EOF
browse "$TMP/broken.html" "$TMP/broken.png" 400 300
if [ "$(wc -l <"$TMP/console")" -ge 2 ]; then
    ok "the console detector sees a blocked script and a blocked image ($(wc -l <"$TMP/console") lines)"
else
    bad "the console detector saw nothing on a broken page: a clean result would mean nothing"
    cat "$TMP/browser.log"
fi

cd "$ROOT"
# page NAME RC ARGS…: gcverify writes $TMP/NAME.html; the browser loads it cleanly.
page() {
    local name=$1 want=$2 rc
    shift 2
    "$GCV" "$@" --html "$TMP/$name.html" --quiet 2>"$TMP/gcv.err"
    rc=$?
    if [ "$rc" -ne "$want" ] || [ ! -s "$TMP/$name.html" ]; then
        bad "$name: gcverify exit $rc (expected $want): $(cat "$TMP/gcv.err")"
        return 1
    fi
    if ! browse "$TMP/$name.html" "$SHOTS/$name.png" 1280 1500; then
        bad "$name: the browser failed: $(tail -3 "$TMP/browser.log")"
        return 1
    fi
    if [ -s "$TMP/console" ]; then
        bad "$name: console output: $(head -3 "$TMP/console")"
        return 1
    fi
    if ! png_ok "$SHOTS/$name.png" || ! dom_ok "$TMP/$name.html" verdict; then
        bad "$name: no screenshot, or the page did not parse"
        return 1
    fi
    ok "$name: loaded from disk, no console output, screenshot $(wc -c <"$SHOTS/$name.png") bytes"
}

# colours SHOT: pixel counts of the failing colours (bars and banner #d73027, tiles #b30000).
colours() {
    "$PY" "$ROOT/tests/png-colors.py" "$1" d73027 b30000 | awk 'NR > 1 {printf "%s ", $2}'
}

if page seed 0 configs/seed_testcase.json; then # "expect": "fail": exit 0
    read -r red tiles <<<"$(colours "$SHOTS/seed.png")"
    # 8 tiles of 28×28 pixels (b1's four, W2's four), the banner 1280 pixels wide.
    if [ "${tiles:-0}" -ge 4000 ] && [ "${red:-0}" -ge 50000 ]; then
        ok "seed: the failing colours cover $red + $tiles pixels"
    else
        bad "seed: failing colours cover only ${red:-?} + ${tiles:-?} pixels"
    fi
fi
if page correct 0 configs/seed_testcase_correct.json; then
    read -r red tiles <<<"$(colours "$SHOTS/correct.png")"
    # Only the legend's swatches and the dashed threshold line.
    if [ "${tiles:-1}" -le 400 ] && [ "${red:-1}" -le 3000 ]; then
        ok "correct net: no failing colour beyond the legend ($red + $tiles pixels)"
    else
        bad "correct net: failing colours cover ${red:-?} + ${tiles:-?} pixels"
    fi
fi
"$GCV" configs/seed_testcase_correct.json --json "$TMP/base.json" --quiet
page history 1 configs/seed_testcase.json --baseline "$TMP/base.json" --history "$TMP/base.json"
cat >"$TMP/big.json" <<'EOF'
{"name": "big", "model": {"type": "mlp", "layers": [300, 64, 10], "hidden_activation": "relu",
 "output_activation": "softmax", "loss": "softmax_cross_entropy",
 "inject": [{"block": "W1", "kind": "transpose"}]},
 "data": {"source": "synthetic", "examples": 4, "seed": 2}}
EOF
page big 1 "$TMP/big.json"

finish html-browser

#!/usr/bin/env bash
# The HTML report from the command line (--html, --html-dir, report.html, --history,
# --baseline): every page must be well-formed XML (xmllint), hold one scatter per block and one
# heatmap per weight matrix, and carry exactly the JSON report's numbers (tests/html-check.py,
# which also recomputes every scatter point and heatmap tile from the JSON's parameters). A
# row fault must show as a red row of tiles; the page must be the same bytes for any thread
# count; bad paths give exit 2 with one line and no page.
# usage: html-test.sh path/to/gcverify source-root
# Exit 77 (meson's "skipped") without xmllint or a python3 with numpy.
set -u
GCV=$1
ROOT=$2
CHECK=$ROOT/tests/html-check.py
PY=""
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy' 2>/dev/null; then
        PY=$p
        break
    fi
done
if ! command -v xmllint >/dev/null 2>&1 || [ -z "$PY" ]; then
    echo "html: skipped: needs xmllint (libxml2-utils) and python3 with numpy (python3-numpy)"
    exit 77
fi
. "$(dirname "$0")/lib.sh"

# run WANT_RC NAME ARGS…: gcverify with ARGS, stdout and stderr kept in $TMP/NAME.{out,err}.
run() {
    local want=$1 name=$2 rc
    shift 2
    "$GCV" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        bad "$name: exit $rc, expected $want: $(head -c 300 "$TMP/$name.err")"
        return 1
    fi
}

# page_ok NAME PAGE JSON [--history A,B]: well-formed, and the numbers match the JSON.
page_ok() {
    local name=$1 page=$2 json=$3
    shift 3
    if ! xmllint --noout "$page" 2>"$TMP/xmllint.err"; then
        bad "$name: not well-formed: $(head -3 "$TMP/xmllint.err")"
    elif ! "$PY" "$CHECK" "$page" "$json" "$@" >"$TMP/check.out" 2>&1; then
        bad "$name: $(cat "$TMP/check.out")"
    else
        ok "$name: $(cat "$TMP/check.out")"
    fi
}

cd "$ROOT"

# 1. The seed test case with its two faults (it says "expect": "fail": the mismatch exits 0).
if run 0 seed configs/seed_testcase.json --html "$TMP/seed.html" --json "$TMP/seed.json" \
    --params all --quiet; then
    page_ok "seed test case" "$TMP/seed.html" "$TMP/seed.json"
    # The two broken blocks are drawn in the failing colour, the rest not.
    n=$(grep -o 'class="bar block fail"' "$TMP/seed.html" | wc -l)
    m=$(grep -o 'class="card fail" id="block-[0-9]*" data-block="[^"]*"' "$TMP/seed.html" |
        sed 's/.*data-block=//' | tr '\n' ' ')
    if [ "$n" -eq 2 ] && [ "$m" = '"b1" "W2" ' ]; then
        ok "seed test case: exactly b1 and W2 drawn as failing"
    else
        bad "seed test case: $n failing bars, failing cards $m"
    fi
    # doc/html-report.md states the page's Content-Security-Policy word for word.
    csp=$(sed -n 's/.*http-equiv="Content-Security-Policy" content="\([^"]*\)".*/\1/p' "$TMP/seed.html")
    if [ -n "$csp" ] && tr '\n' ' ' <"$ROOT/doc/html-report.md" |
        grep -qF "Content-Security-Policy (a \`<meta http-equiv>\` tag) is \`$csp\`"; then
        ok "doc/html-report.md states the page's CSP: $csp"
    else
        bad "the page's CSP '$csp' is not what doc/html-report.md states"
    fi
fi

# 2. The same bytes for 1 and 2 threads.
if run 0 threads1 configs/seed_testcase.json --html "$TMP/t1.html" --threads 1 --quiet &&
    run 0 threads2 configs/seed_testcase.json --html "$TMP/t2.html" --threads 2 --quiet; then
    if cmp -s "$TMP/t1.html" "$TMP/t2.html" && cmp -s "$TMP/t1.html" "$TMP/seed.html"; then
        ok "the same page for 1 and 2 threads"
    else
        bad "the page depends on the thread count"
    fi
fi

# 2b. Blocks with nothing checked (--limit 3 reaches W1 and W2 only): "unchecked" cards with
# no plot and no bar; the verdict (over the checked blocks) pass.
if run 0 unchecked configs/net.json --limit 3 --html "$TMP/unch.html" --json "$TMP/unch.json" \
    --params all --quiet; then
    page_ok "--limit 3: unchecked blocks" "$TMP/unch.html" "$TMP/unch.json"
    cards=$(grep -o 'class="card unchecked" id="block-[0-9]*" data-block="[^"]*"' "$TMP/unch.html" |
        sed 's/.*data-block=//' | tr '\n' ' ')
    if [ "$cards" = '"b2" "W3" "b3" ' ] &&
        grep -q '<div class="stats">not checked: none of its 12 parameters was checked by this run' "$TMP/unch.html" &&
        ! grep -q 'id="scatter-3"' "$TMP/unch.html" &&
        grep -q 'id="verdict" data-status="pass"' "$TMP/unch.html" &&
        grep -q ' · 3 of 6 blocks unchecked' "$TMP/unch.html"; then
        ok "--limit 3: b2, W3, b3 unchecked cards without plots; verdict pass"
    else
        bad "--limit 3: unchecked cards $cards"
    fi
fi

# 3. A bigger net with one wrong row: thinned scatter, tiled heatmap, the row visible.
cat >"$TMP/big.json" <<'EOF'
{"name": "big-row-fault",
 "model": {"type": "mlp", "layers": [200, 120, 3], "hidden_activation": "tanh",
           "output_activation": "softmax", "loss": "softmax_cross_entropy",
           "params": {"init": "xavier", "seed": 3},
           "inject": [{"block": "W1", "kind": "scale", "factor": 3.0, "row": 5}]},
 "data": {"source": "synthetic", "examples": 4, "seed": 5},
 "report": {"top": 12}}
EOF
if run 1 big "$TMP/big.json" --html "$TMP/big.html" --json "$TMP/big.json.out" --params all \
    --quiet; then
    page_ok "120×200 W1 with row 5 ×3" "$TMP/big.html" "$TMP/big.json.out"
    # W1 120×200 in tiles of 2×3: 60 × 67 tiles; row 5 is tile row 2, one red run across.
    if grep -q 'data-block="W1" data-rows="120" data-cols="200" data-tile-rows="2" data-tile-cols="3"' "$TMP/big.html" &&
        grep -q '<path class="h8" d="M0 2h67v1h-67z">' "$TMP/big.html" &&
        grep -q 'data-block="W1" data-points="24000" data-shown="600"' "$TMP/big.html"; then
        ok "row fault: tile row 2 red from end to end; 600 of 24000 points"
    else
        bad "row fault: W1's heatmap or scatter is not as expected"
    fi
    size=$(wc -c <"$TMP/big.html")
    if [ "$size" -lt 2000000 ]; then ok "page size $size bytes"; else bad "page size $size bytes"; fi
fi

# 4. report.html in the config, relative to its folder; --html overrides it.
sed 's/"report": {/"report": {"html": "page.html", /' configs/seed_testcase.json \
    >"$TMP/cfg.json"
if run 0 cfghtml "$TMP/cfg.json" --quiet && [ -s "$TMP/page.html" ] &&
    xmllint --noout "$TMP/page.html" 2>/dev/null; then
    rm -f "$TMP/page.html"
    if run 0 cfghtml2 "$TMP/cfg.json" --html "$TMP/over.html" --quiet &&
        [ -s "$TMP/over.html" ] && [ ! -e "$TMP/page.html" ]; then
        ok "report.html written next to the config; --html overrides it"
    else
        bad "--html does not override report.html"
    fi
else
    bad "report.html: no page at $TMP/page.html"
fi

# 5. Several configs: --html-dir gives DIR/<name>.html each; --html alone is refused.
mkdir -p "$TMP/pages"
if run 0 dir configs/seed_testcase.json configs/seed_testcase_correct.json \
    --html-dir "$TMP/pages" --quiet; then
    if [ "$(ls "$TMP/pages" | tr '\n' ' ')" = "seed-testcase-correct.html seed-testcase.html " ] &&
        grep -q 'id="verdict" data-status="pass"' "$TMP/pages/seed-testcase-correct.html"; then
        ok "--html-dir: one page per config, named after it"
    else
        bad "--html-dir wrote: $(ls "$TMP/pages")"
    fi
fi
if run 2 several configs/seed_testcase.json configs/seed_testcase_correct.json \
    --html "$TMP/one.html" && [ "$(wc -l <"$TMP/several.err")" -eq 1 ] &&
    grep -q -- "--html-dir" "$TMP/several.err" && [ ! -e "$TMP/one.html" ]; then
    ok "--html with several configs: exit 2, one line: $(cat "$TMP/several.err")"
else
    bad "--html with several configs"
fi

# 6. A page that cannot be written (a file where its folder would be): exit 2, one line
# saying why, nothing left behind.
: >"$TMP/afile"
if run 2 unwritable configs/seed_testcase.json --html "$TMP/afile/x.html" --quiet &&
    [ "$(cat "$TMP/unwritable.err")" = "gcverify: $TMP/afile/x.html: cannot write the HTML report: cannot make its folder: $TMP/afile: Not a directory" ]; then
    ok "unwritable path: $(cat "$TMP/unwritable.err")"
else
    bad "unwritable path: $(cat "$TMP/unwritable.err" 2>/dev/null)"
fi

# 7. History: earlier reports (a file and a nightly folder), then the baseline, then this run.
mkdir -p "$TMP/night1" "$TMP/night0"
if run 0 h1 configs/seed_testcase_correct.json --json "$TMP/h1.json" --quiet &&
    run 0 h2 configs/seed_testcase_correct.json --json "$TMP/night1/seed-testcase.json" \
        --epsilon 1e-7 --quiet &&
    run 0 h3 configs/seed_testcase.json --json "$TMP/h3.json" --threshold 1e-6 --quiet &&
    run 0 hist configs/seed_testcase.json --history "$TMP/h1.json" --history "$TMP/night0" \
        --history "$TMP/night1" --baseline "$TMP/h3.json" --html "$TMP/hist.html" \
        --json "$TMP/hist.json" --params all --quiet; then
    page_ok "history of 3 reports" "$TMP/hist.html" "$TMP/hist.json" \
        --history "$TMP/h1.json,$TMP/night1/seed-testcase.json,$TMP/h3.json"
    if [ "$(grep -c 'class="history" id="history-' "$TMP/hist.html")" -eq 6 ]; then
        ok "history: one chart per block"
    else
        bad "history: expected 6 charts"
    fi
fi
if run 2 badhist configs/seed_testcase.json --history "$TMP/none.json" --html "$TMP/bh.html" &&
    [ "$(wc -l <"$TMP/badhist.err")" -eq 1 ] && grep -q "none.json" "$TMP/badhist.err" &&
    [ ! -e "$TMP/bh.html" ]; then
    ok "a missing history report: exit 2, one line: $(cat "$TMP/badhist.err")"
else
    bad "a missing history report: $(cat "$TMP/badhist.err" 2>/dev/null)"
fi

finish html

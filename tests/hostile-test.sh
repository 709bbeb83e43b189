#!/usr/bin/env bash
# Hostile inputs to the merge and the baseline readers, through the gcverify command: shards
# edited by hand (terminal escapes in a block name, negative seconds, a parameter count far
# beyond what the merge could hold), a baseline with a name twice, and the memory options
# (--threads through the estimate, --max-memory below 1M). Each must exit 2 with one line
# saying what was expected and what was found, and write nothing.
# usage: hostile-test.sh path/to/gcverify source-root
set -u
GCV=$1
ROOT=$2
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
export LC_ALL=C

for k in 1 2; do "$GCV" configs/l2_dropout.json --shard $k/2 --params all --json "$TMP/part$k.json" -q; done
expect_exit "the two shards merge" 0 "$GCV" merge "$TMP/part1.json" "$TMP/part2.json" -o "$TMP/m.json" --quiet

# edit FILE PYTHON: applies a Python statement to the JSON document d of FILE into FILE.edited
edit() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2; json.dump(d, open(sys.argv[1] + '.edited', 'w'))" "$1"
}
# edit2 PYTHON: the same edit of both shards, so that they still agree with each other
edit2() { edit "$TMP/part1.json" "$1"; edit "$TMP/part2.json" "$1"; }
# refused NAME ERE: merging the edited shards exits 2 with one matching line
refused() {
    rm -f "$TMP/m2.json"
    expect_exit "$1" 2 "$GCV" merge "$TMP/part1.json.edited" "$TMP/part2.json.edited" -o "$TMP/m2.json"
    expect_grep "$1: message" "$2" "$TMP/err"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] && ok "$1: one line" || bad "$1: $(wc -l <"$TMP/err") lines"
    [ ! -e "$TMP/m2.json" ] && ok "$1: nothing written" || bad "$1: a report was written"
}

edit2 'n = d["blocks"][0]["name"]; d["blocks"][0]["name"] = "W\x1b[2J1"; [p.update(block="W\x1b[2J1") for p in d["params"] if p["block"] == n]'
refused "a block name with a terminal escape" \
    'part1\.json\.edited: blocks\[0\]\.name: expected text without control characters, got the byte 0x1B at byte 1$'
edit2 'd["name"] = "net\u009b31m"'
refused "a name with a C1 escape" \
    'part1\.json\.edited: name: expected text without control characters, got the bytes 0xC2 0x9B at byte 3$'
edit2 'd["seconds"] = -5'
refused "negative seconds" \
    'part1\.json\.edited: seconds: expected a finite number of seconds ≥ 0, got -5$'
# 2^50 parameters in one block: the merge would need 10^17 bytes; refused before allocating.
edit2 'd["model"]["params_total"] = 2**50; d["blocks"] = [dict(d["blocks"][0], shape=[2**25, 2**25])]'
refused "a shard claiming 2^50 parameters" \
    'part1\.json\.edited: model\.params_total: expected a parameter count whose merge fits in the .* of memory available, got 1125899906842624 \('
# --max-memory bounds the merge too: 2^20 parameters need about 200 MiB of merge state.
edit2 'd["model"]["params_total"] = 2**20; d["blocks"] = [dict(d["blocks"][0], shape=[2**10, 2**10])]'
expect_exit "a 2^20-parameter merge under --max-memory 64M" 2 "$GCV" merge "$TMP/part1.json.edited" "$TMP/part2.json.edited" -o "$TMP/m2.json" --max-memory 64M
expect_grep "the merge's bound is --max-memory's" \
    'part1\.json\.edited: model\.params_total: expected a parameter count whose merge fits in the 64\.0 MiB of memory --max-memory allows, got 1048576 \(' "$TMP/err"
expect_exit "merge --max-memory 0.5" 2 "$GCV" merge "$TMP/part1.json" "$TMP/part2.json" -o "$TMP/m2.json" --max-memory 0.5
expect_grep "merge --max-memory 0.5: why" "^gcverify: --max-memory: expected a size of at least 1M" "$TMP/err"
[ ! -e "$TMP/m2.json" ] && ok "merge under --max-memory: nothing written" || bad "merge under --max-memory: a report was written"

# ... and the baseline and --history reports: a 200 KB report (a long note member, which the
# schema allows) may make a JSON tree of up to 9.4 MiB, over a 4M budget the check fits in.
"$GCV" configs/net.json --threads 1 --json "$TMP/net.json" -q
edit "$TMP/net.json" 'd["note"] = "x" * 200000'
expect_exit "a 200 KB baseline under --max-memory 4M" 2 "$GCV" configs/net.json --threads 1 --max-memory 4M --baseline "$TMP/net.json.edited" -q
expect_grep "the baseline's bound is --max-memory's" 'net\.json\.edited: expected a report whose JSON tree fits in the 4\.0 MiB of memory --max-memory allows, got 20[0-9]* bytes of text' "$TMP/err"
expect_exit "a 200 KB --history report under --max-memory 4M" 2 "$GCV" configs/net.json --threads 1 --max-memory 4M --history "$TMP/net.json.edited" --html "$TMP/h.html" -q
expect_grep "the history's bound is --max-memory's" 'net\.json\.edited: expected a report whose JSON tree fits in the 4\.0 MiB of memory --max-memory allows' "$TMP/err"
[ ! -e "$TMP/h.html" ] && ok "--history under --max-memory: nothing written" || bad "--history under --max-memory: a page was written"
expect_exit "the same baseline under --max-memory 64M" 0 "$GCV" configs/net.json --threads 1 --max-memory 64M --baseline "$TMP/net.json.edited" -q

# A baseline whose name appears twice: the first repeat in report order is named, whatever
# the sort puts first.
edit "$TMP/part1.json" 'd["blocks"] = d["blocks"] + [dict(d["blocks"][1]), dict(d["blocks"][0])]; d.pop("shard")'
expect_exit "a baseline with a block name twice" 2 "$GCV" configs/l2_dropout.json --baseline "$TMP/part1.json.edited" -q
n=$(json "$TMP/part1.json" 'len(d["blocks"])')
expect_grep "a baseline with a block name twice: the first repeat" \
    "blocks\\[$n\\]\\.name: expected a name no other block has, got \"$(json "$TMP/part1.json" 'd["blocks"][1]["name"]')\" again \\(blocks\\[1\\]\\)" "$TMP/err"

# --threads on the command line goes through the estimate the config's threads go through:
# the same 64 threads, the same 4.2 MiB, refused alike under 4M.
sed 's/"threads": 0/"threads": 64/' configs/net.json >"$TMP/t64.json"
expect_exit "64 threads from the config under --max-memory 4M" 2 "$GCV" "$TMP/t64.json" --max-memory 4M -q
expect_grep "the config's estimate" 'expected a check that fits in 4\.0 MiB of memory, got an estimated 4\.2 MiB \(387 parameters, 64 examples, 64 threads\)$' "$TMP/err"
expect_exit "--threads 64 under --max-memory 4M" 2 "$GCV" configs/net.json --threads 64 --max-memory 4M -q
expect_grep "the same estimate for --threads" 'net\.json: --threads: expected a check that fits in 4\.0 MiB of memory, got an estimated 4\.2 MiB \(387 parameters, 64 examples, 64 threads\)$' "$TMP/err"
expect_exit "--threads 1 under --max-memory 4M fits" 0 "$GCV" configs/net.json --threads 1 --max-memory 4M -q
# --max-memory 0.5 was 0 bytes, that is no limit at all
expect_exit "--max-memory 0.5" 2 "$GCV" configs/net.json --max-memory 0.5 -q
expect_grep "--max-memory 0.5: why" "^gcverify: --max-memory: expected a size of at least 1M \(a suffix K, M, G or T; a bare number is bytes\), got '0\.5'$" "$TMP/err"

echo "hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

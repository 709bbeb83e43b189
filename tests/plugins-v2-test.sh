#!/usr/bin/env bash
# Plugin ABI version 2 end to end: blocks as views (a tensor stored for all layers together,
# reported per layer in N-d without a copy; strides; an index map; the partition check),
# version 1 plugins still loaded, the options' accessors and their errors, --set and
# --plugin (one config and a loop for a bug × precision matrix), the pre-flight checks
# (each defect named), the OpenMP note, and the text table's columns sized to their content.
# usage: plugins-v2-test.sh path/to/gcverify source-root test-plugin-dir example-plugin-dir
set -u
GCV=$1
ROOT=$2
TP=$3 # build folder of tests/plugins (libtestplugin*.so)
EP=$4 # build folder of examples/plugins (libstacked*.so)
. "$(dirname "$0")/lib.sh"
export GCV_PLUGIN_PATH=$EP
T=$TP/libtestplugin.so
cfg() { # cfg FILE LIBRARY OPTIONS_JSON
    printf '{"model": {"type": "plugin", "library": "%s", "options": %s}}\n' "$2" "$3" >"$1"
}

# --- the stacked layout: W (L, 3, C, C), b (L, C), v (C) in one θ; per-layer N-d views
S=$ROOT/configs/plugins/stacked.json
expect_exit "stacked: passes" 0 "$GCV" "$S" --json "$TMP/st.json" --params-csv "$TMP/st.csv" --params all
expect_grep "stacked: W[1] is a 3×4×4 block of layer 1" '^1      W\[1\]   3×4×4 +48 ' "$TMP/out"
expect_grep "stacked: a vector block's shape is one axis" '^3      v      4 +4 ' "$TMP/out"
[ "$(json "$TMP/st.json" "[(b['name'], b['layer'], b['dims'], b['view']) for b in d['blocks'][2:4]]")" = \
  "[('W[1]', 1, [3, 4, 4], {'offset': 48, 'strides': [16, 4, 1]}), ('b[1]', 1, [4], {'offset': 148, 'strides': [1]})]" ] &&
    ok "stacked JSON: W[1] at offset 48 (one layer of 3·4·4 in), b[1] at 3·3·16 + 4: no copy" ||
    bad "stacked JSON: $(json "$TMP/st.json" "d['blocks'][2:4]")"
# θ index 91 = 48 + 2·16 + 2·4 + 3: W[1] (2,2,3)
[ "$(json "$TMP/st.json" "[(p['block'], p['coords']) for p in d['params'] if p['index'] == 91]")" = "[('W[1]', [2, 2, 3])]" ] &&
    ok "stacked JSON: θ[91] is W[1] at (2,2,3)" || bad "stacked JSON: θ[91]: $(json "$TMP/st.json" "[p for p in d['params'] if p['index'] == 91]")"
expect_grep "stacked CSV: θ[91] row 2:2, column 3" '^91,W\[1\],2:2,3,' "$TMP/st.csv"
expect_grep "stacked text: the worst list names θ[91] W[1] (2,2,3)" '^ +91  W\[1\] +\(2,2,3\) ' "$TMP/out"

# a bug in layer 1's backward: W[1]'s d-slab rows named in N-d, layers above untouched
expect_exit "stacked d_half: fails" 1 "$GCV" "$S" --set model.options.bug=d_half --json "$TMP/bug.json"
[ "$(json "$TMP/bug.json" "[b['name'] for b in d['blocks'] if b['status'] == 'fail']")" = "['W[0]', 'b[0]', 'W[1]']" ] &&
    ok "stacked d_half: W[1] and the layer below fail, b[1], layer 2 and v pass" ||
    bad "stacked d_half: $(json "$TMP/bug.json" "[(b['name'], b['status']) for b in d['blocks']]")"
expect_grep "stacked d_half: W[1]'s wrong rows are its d-slab, named (2,0)" \
    'W\[1\] +.*4 of 12 rows with a gradient are wrong, the first is row \(2,0\)' "$TMP/out"

expect_exit "stacked d_half: HTML" 1 "$GCV" "$S" --set model.options.bug=d_half --html "$TMP/bug.html" -q
expect_grep "stacked d_half HTML: W[1]'s heatmap is the 4×4 slice (2,:,:) of its worst entry" \
    'of the slice \(2,:,:\) holding the worst entry' "$TMP/bug.html"
n=$(grep -o 'data-rows="4" data-cols="4"' "$TMP/bug.html" | wc -l)
[ "$n" -eq 3 ] && ok "stacked HTML: each W[l] heatmap a 4×4 slice" || bad "stacked HTML: $n heatmaps of 4×4"

# the matrix: one config, a loop over bug × precision, each exit as expected
for bug in none d_half; do
    for fl in false true; do
        want=0
        [ $bug = d_half ] && want=1
        expect_exit "matrix bug=$bug float=$fl" $want "$GCV" "$S" --set model.options.bug=$bug \
            --set model.options.float=$fl -q
    done
done
expect_exit "matrix: float32 said" 0 "$GCV" "$S" --set model.options.float=true
expect_grep "matrix: the float run is a float model" 'plugin libstacked\.so \(float32\)' "$TMP/out"

# shards of a view model merge into the single run's result
"$GCV" "$S" --shard 1/2 --json "$TMP/sh1.json" -q && "$GCV" "$S" --shard 2/2 --json "$TMP/sh2.json" -q ||
    bad "stacked shards did not run"
expect_exit "stacked: the shards merge" 0 "$GCV" merge "$TMP/sh1.json" "$TMP/sh2.json" -o "$TMP/merged.json"
python3 - "$TMP/merged.json" "$TMP/st.json" <<'PEOF' && ok "stacked: merged = single run (differences, views, params checked)" || bad "stacked: the merge differs from the single run"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
key = lambda d: [(x["name"], x["difference"], x.get("dims"), x.get("view")) for x in d["blocks"]]
sys.exit(not (key(a) == key(b) and a["params_checked"] == b["params_checked"] == 160))
PEOF

# --- views in the test plugin: A column-major through strides, c through an index map
cfg "$TMP/v.json" "$T" '{"defect": "views"}'
expect_exit "views: strides and an index map pass" 0 "$GCV" "$TMP/v.json" --json "$TMP/v.out.json" --params all
[ "$(json "$TMP/v.out.json" "[(p['index'], p['block'], p['coords']) for p in d['params']]")" = \
  "[(0, 'A', [0, 0]), (2, 'A', [0, 1]), (1, 'A', [1, 0]), (3, 'A', [1, 1]), (5, 'c', [0]), (4, 'c', [1])]" ] &&
    ok "views: A(0,1) is θ[2] (column-major), c(0) is θ[5] (the map)" ||
    bad "views: $(json "$TMP/v.out.json" "[(p['index'], p['block'], p['coords']) for p in d['params']]")"
cfg "$TMP/v.json" "$T" '{"defect": "crash_cost", "index": 2, "views": true}'
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0" expect_exit "views --isolate: a crash" 3 "$GCV" --isolate "$TMP/v.json"
expect_grep "views --isolate: the crash named in the view's coordinates" 'in cost\(\) at parameter 2, A\[0,1\] \(reproduced alone' "$TMP/out"
cfg "$TMP/v.json" "$T" '{"defect": "view_overlap"}'
expect_exit "views: an index in two blocks" 2 "$GCV" "$TMP/v.json"
expect_grep "views: the index covered twice named" 'blocks: expected blocks partitioning θ \(every index in exactly one block\), got θ\[3\] is in block 0 \(A\) and again in block 1 \(c\)$' "$TMP/err"
cfg "$TMP/v.json" "$T" '{"defect": "layer_order"}'
expect_exit "version 2: layer labels in any order" 0 "$GCV" "$TMP/v.json"
cfg "$TMP/v.json" "$T" '{"defect": "layer_apart"}'
expect_exit "version 2: a label listed apart" 2 "$GCV" "$TMP/v.json"
expect_grep "version 2: the label listed apart named" 'blocks\[2\]\.layer: expected the blocks of layer 1 listed together, got blocks\[0\] of that layer before blocks\[1\] of layer 2' "$TMP/err"

# --- version 1: a plugin built against the old header still runs, with its old rules
cfg "$TMP/v1.json" "$TP/libtestplugin_v1.so" '{}'
expect_exit "version 1 plugin: still loaded and checked" 0 "$GCV" "$TMP/v1.json" --json "$TMP/v1.out.json"
[ "$(json "$TMP/v1.out.json" "[(b['name'], b['shape']) for b in d['blocks']], d['status']")" = "[('A', [2, 2]), ('c', [2, 1])] pass" ] &&
    ok "version 1 plugin: its blocks as before, pass" || bad "version 1 plugin: $(json "$TMP/v1.out.json" "d['blocks']")"
cfg "$TMP/v1.json" "$TP/libtestplugin_v1.so" '{"defect": "layer_order"}'
expect_exit "version 1 plugin: decreasing layers still refused" 2 "$GCV" "$TMP/v1.json"
expect_grep "version 1 plugin: the old rule's message" 'blocks\[1\]\.layer: expected a layer ≥ 2 \(layers start at 1 and never decrease\), got 1' "$TMP/err"
cfg "$TMP/v1.json" "$TP/libtestplugin_abi99.so" '{}'
expect_exit "an unknown version refused" 2 "$GCV" "$TMP/v1.json"
expect_grep "an unknown version: one clear line" 'expected plugin ABI version 2 \(or 1\), got 99 \(rebuild the plugin against this gcverify.s plugin\.h\)$' "$TMP/err"

# --- the options' accessors: errors name the key
cfg "$TMP/o.json" libstacked.so '{"layers": "three"}'
expect_exit "options: a string for a number" 2 "$GCV" "$TMP/o.json"
expect_grep "options: the key and what it got" 'gcv_plugin_model_new failed: model\.options\.layers: expected a number, got "three"$' "$TMP/err"
cfg "$TMP/o.json" libstacked.so '{"widht": 4}'
expect_exit "options: a misspelt key" 2 "$GCV" "$TMP/o.json"
expect_grep "options: the unknown key named" 'model\.options\.widht: expected one of layers, width, examples, bug, float, got an unknown option$' "$TMP/err"
cfg "$TMP/o.json" libstacked.so '{"float": 1}'
expect_exit "options: a number for a bool" 2 "$GCV" "$TMP/o.json"
expect_grep "options: bool expected" 'model\.options\.float: expected true or false, got 1$' "$TMP/err"

# --- --set and --plugin: validated like the file, errors naming the override
expect_exit "--set: a bad method" 2 "$GCV" "$S" --set check.method=richardsn
expect_grep "--set: the config's message, then the override" 'check\.method: expected one of .*got "richardsn"; did you mean "richardson"\? \(from --set check\.method=richardsn\)$' "$TMP/err"
expect_exit "--set: a plugin option the plugin refuses" 2 "$GCV" "$S" --set model.options.bug=gelu
expect_grep "--set: the plugin's message names the override" 'model\.options\.bug: expected "none" or "d_half", got "gelu" \(from --set model\.options\.bug=gelu\)$' "$TMP/err"
expect_exit "--set: no =" 2 "$GCV" "$S" --set check
expect_grep "--set: the form expected" "^gcverify: --set: expected KEY=VALUE with a dotted KEY such as check\.method=richardson or model\.options\.bug=true, got 'check'$" "$TMP/err"
expect_exit "--set: into a string" 2 "$GCV" "$S" --set name.x=3
expect_grep "--set: not an object on the way" '^gcverify: --set name\.x=3: name: expected an object to set x in, got another value$' "$TMP/err"
expect_exit "--set check.method=richardson runs richardson" 0 "$GCV" "$S" --set check.method=richardson --json "$TMP/r.json"
[ "$(json "$TMP/r.json" "d['options']['method'] if 'options' in d else d['check']['method']")" = richardson ] &&
    ok "--set: the report says richardson" || bad "--set: method $(json "$TMP/r.json" "list(d)")"
echo '{"model": {"type": "plugin", "library": "libnothere.so"}}' >"$TMP/p.json"
cp "$EP/libstacked.so" "$TMP/libmine.so"
(cd "$TMP" && "$GCV" "$TMP/p.json" --plugin ./libmine.so -q) && ok "--plugin: a relative path from the working folder" ||
    bad "--plugin ./libmine.so failed"
expect_exit "--plugin: a missing library" 2 "$GCV" "$TMP/p.json" --plugin "$TMP/none.so"
expect_grep "--plugin: named in the message" 'none\.so: expected a shared object, got no such file .*\(from --plugin .*none\.so\)$' "$TMP/err"

# --- pre-flight: each defect caught before the loop, exit 2, one line naming it
pf() { # pf NAME OPTIONS PATTERN
    cfg "$TMP/pf.json" "$T" "$2"
    expect_exit "pre-flight: $1" 2 "$GCV" "$TMP/pf.json"
    expect_grep "pre-flight: $1: message" "$3" "$TMP/err"
}
pf "+= into the gradient" '{"defect": "accumulate"}' 'pre-flight: gradient\(\) adds to the gradient buffer \(\+=\) without setting it first: 6 of 6 entries, the first A\(0,0\) = θ\[0\]'
pf "+= in a float model" '{"defect": "accumulate", "float": true}' 'pre-flight: gradient\(\) adds to the gradient buffer \(\+=\)'
pf "an entry never written" '{"defect": "unwritten", "index": 3}' 'pre-flight: gradient\(\) never writes 1 of 6 entries, the first A\(1,1\) = θ\[3\]'
pf "hidden state in the cost" '{"defect": "hidden_state"}' 'pre-flight: cost\(\) at the same θ gave J = .*beyond rounding: the cost has hidden state'
cfg "$TMP/pf.json" "$T" '{"defect": "hidden_state"}'
expect_exit "pre-flight, 2 threads: hidden state" 2 "$GCV" --threads 2 "$TMP/pf.json"
expect_grep "pre-flight, 2 threads: two at once" 'gave J = .* \(two threads at once\): a spread' "$TMP/err"
expect_exit "pre-flight, 1 thread: hidden state" 2 "$GCV" --threads 1 "$TMP/pf.json"
expect_grep "pre-flight, 1 thread: one thread, two workspaces" 'gave J = .* \(two other workspaces\): a spread' "$TMP/err"
pf "θ written" '{"defect": "writes_theta", "index": 3}' 'pre-flight: (cost|gradient)\(\) wrote θ: A\(1,1\) = θ\[3\] was -1\.5'
cfg "$TMP/pf.json" "$T" '{"defect": "rounding_state"}'
expect_exit "pre-flight: a last-bit spread is no error" 0 "$GCV" "$TMP/pf.json"
expect_grep "pre-flight: the spread stated as a floor" '^note +pre-flight: cost\(\) at the same θ gave .*a spread of [0-9.]+e-1[5-7] of \|J\|, within rounding' "$TMP/out"

# --- a plugin with its own OpenMP loops: one thread each inside gcverify's, said so
echo '{"model": {"type": "plugin", "library": "libstacked_omp.so", "options": {"examples": 32}}}' >"$TMP/omp.json"
expect_exit "OpenMP plugin: passes" 0 "$GCV" "$TMP/omp.json" --threads 1
expect_grep "OpenMP plugin: the note" '^note +the plugin uses OpenMP: its own parallel regions run on one thread inside gcverify.s threads' "$TMP/out"
expect_exit "no OpenMP: no note" 0 "$GCV" "$S"
grep -q 'uses OpenMP' "$TMP/out" && bad "a plugin without OpenMP got the note" || ok "no OpenMP: no note"

# --- the text table: long block names keep the columns aligned
cat >"$TMP/long.c" <<'CEOF'
#include <gcverify/plugin.h>
GCV_PLUGIN_DECLARE_ABI;
static const double th[3] = {0.5, -0.25, 1.0};
static const gcv_plugin_block bl[2] = {{.name = "fcprojw[0]", .layer = 0, .rows = 1, .cols = 2},
                                       {.name = "b", .layer = 0, .rows = 1, .cols = 1}};
static int cost(const void *s, const double *t, void *w, double *J)
{ *J = t[0] * t[0] + t[1] * t[2]; return 0; }
static int grad(const void *s, const double *t, double *g, void *w, double *J)
{ g[0] = 2 * t[0]; g[1] = t[2]; g[2] = t[1]; return cost(s, t, w, J); }
static void destroy(void *s) {}
GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *a, gcv_plugin_model *o)
{
    o->n_params = 3; o->n_blocks = 2; o->blocks = bl; o->theta = th;
    o->cost = cost; o->gradient = grad; o->destroy = destroy; return 0;
}
CEOF
if command -v cc >/dev/null && cc -shared -fPIC -I "$ROOT/include" -o "$TMP/liblong.so" "$TMP/long.c"; then
    cfg "$TMP/long.json" "$TMP/liblong.so" '{}'
    expect_exit "long names: passes" 0 "$GCV" "$TMP/long.json"
    python3 - "$TMP/out" <<'PEOF' && ok "long names: every row's columns start where the header's do" || bad "long names: misaligned: $(grep -A3 '^layer' "$TMP/out")"
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
i = next(k for k, l in enumerate(lines) if l.startswith("layer  block"))
head, rows = lines[i], lines[i + 1:i + 3]
col = head.index("checked") + len("checked")
sys.exit(not all(len(r) > col and r[col - 1] != " " and r[col] == " " for r in rows))
PEOF
else
    echo "skip the long-name table (no cc)"
fi

# --- building: a skeleton from gcverify plugin-template, built three ways from the source tree
# (the build folder's gcverify-plugin.pc, gcverify-plugin.mk, variants one line each)
BUILD=$(dirname "$GCV")
mkdir -p "$TMP/tpl"
(cd "$TMP/tpl" && "$GCV" plugin-template mynet >"$TMP/out" 2>"$TMP/err") &&
    ok "plugin-template: writes mynet.c" || bad "plugin-template: $(cat "$TMP/err")"
expect_grep "plugin-template: says how to build it" '^    cc -O2 -shared -fPIC \$\(pkg-config --cflags gcverify\) -o libmynet\.so mynet\.c -lm$' "$TMP/out"
(cd "$TMP/tpl" && "$GCV" plugin-template mynet >/dev/null 2>"$TMP/err")
[ $? -eq 2 ] && grep -q 'mynet\.c: cannot create: File exists' "$TMP/err" &&
    ok "plugin-template: never overwrites" || bad "plugin-template overwrote or said: $(cat "$TMP/err")"
expect_exit "plugin-template: a name that is no identifier" 2 "$GCV" plugin-template "my-net"
if command -v cc >/dev/null && command -v pkg-config >/dev/null && command -v make >/dev/null; then
    flags=$(PKG_CONFIG_PATH=$BUILD pkg-config --cflags gcverify-plugin)
    [ "$(echo $flags)" = "-I$ROOT/include" ] && ok "the build folder's gcverify-plugin.pc: -I the source tree's include" ||
        bad "gcverify-plugin.pc: '$flags'"
    (cd "$TMP/tpl" && cc -O2 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror -std=c11 \
        -shared -fPIC $flags -o libmynet.so mynet.c -lm) &&
        ok "plugin-template: the skeleton compiles without a warning" || bad "plugin-template: cc failed"
    echo '{"model": {"type": "plugin", "library": "./libmynet.so", "options": {"n": 5}}}' >"$TMP/tpl/c.json"
    expect_exit "plugin-template: the skeleton passes its check" 0 "$GCV" "$TMP/tpl/c.json"
    expect_grep "plugin-template: 5 parameters" '^model +plugin libmynet\.so: mynet · 5 params$' "$TMP/out"
    cat >"$TMP/tpl/Makefile" <<MEOF
include $ROOT/examples/plugins/gcverify-plugin.mk
\$(eval \$(call gcv_variant,mynet_a,mynet.c,-DVARIANT=1))
\$(eval \$(call gcv_variant,mynet_omp,mynet.c,-fopenmp))
all: libmynet_a.so libmynet_omp.so
MEOF
    (cd "$TMP/tpl" && make -s all >"$TMP/out" 2>&1) && [ -f "$TMP/tpl/libmynet_a.so" ] &&
        [ -f "$TMP/tpl/libmynet_omp.so" ] && ok "gcverify-plugin.mk from the source tree: two variants, one line each" ||
        bad "gcverify-plugin.mk variants: $(cat "$TMP/out")"
    expect_exit "a variant runs" 0 "$GCV" "$TMP/tpl/c.json" --plugin "$TMP/tpl/libmynet_a.so"
else
    echo "skip the builds (no cc, pkg-config or make)"
fi

finish plugins-v2

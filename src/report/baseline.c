/* Baselines; see baseline.h for what counts as a regression and why. */
#include "report/baseline.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/json.h"
#include "engine/internal.h"
#include "engine/memory.h"
#include "report/schema.h"
#include "util/strutil.h"

/* ---- the baseline ---- */

static gcv_status load_block(const gcv_jctx *c, const char *path, const cJSON *o,
                             gcv_baseline_block *bb)
{
    char p[GCV_JPATH_LEN];
    const cJSON *it;
    gcv_status st;
    if (!cJSON_IsObject(o))
        return gcv_json_expected(c, path, "a block object", o);
    if ((st = gcv_schema_block_name(c, path, o, bb->name)) != GCV_OK ||
        (st = gcv_schema_size(c, path, o, "checked", 0, &bb->checked)) != GCV_OK ||
        (st = gcv_schema_member(c, path, o, "difference", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, path, "difference");
    if (!cJSON_IsNull(it) && (!cJSON_IsNumber(it) || !(it->valuedouble >= 0.0)))
        return gcv_json_expected(c, p, "a number ≥ 0 or null", it);
    if ((st = gcv_schema_number_value(c, p, it, &bb->difference)) != GCV_OK ||
        (st = gcv_schema_member(c, path, o, "status", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, path, "status");
    if ((st = gcv_schema_block_verdict(c, p, it, &bb->status)) != GCV_OK)
        return st;

    /* Optional: older or hand-made reports may lack them; the comparison then skips what
     * needs them. */
    bb->mismatches = SIZE_MAX;
    if ((st = gcv_json_get_size(c, path, o, "mismatches", 0, SIZE_MAX, &bb->mismatches)) !=
        GCV_OK)
        return st;
    size_t layer = 0;
    if ((st = gcv_json_get_size(c, path, o, "layer", 0, 1u << 20, &layer)) != GCV_OK)
        return st;
    bb->layer = (int)layer;
    it = cJSON_GetObjectItemCaseSensitive(o, "shape");
    if (it)
        return gcv_schema_shape(c, path, it, &bb->rows, &bb->cols);
    return GCV_OK;
}

/* For qsort: block indices by name, then by position (so a repeat follows its first). */
static const gcv_baseline_block *sort_blocks;

static int by_name_cmp(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    int c = strcmp(sort_blocks[a].name, sort_blocks[b].name);
    return c ? c : (a > b) - (a < b);
}

/* b->by_name, and the first repeated name (in report order) refused. */
static gcv_status index_names(const gcv_jctx *c, gcv_baseline *b)
{
    size_t n = b->n_blocks;
    if (!(b->by_name = malloc(n * sizeof *b->by_name))) {
        snprintf(c->err->msg, GCV_ERROR_LEN, "out of memory for the baseline");
        return GCV_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        b->by_name[i] = i;
    sort_blocks = b->blocks; /* qsort has no context argument in C11 */
    qsort(b->by_name, n, sizeof *b->by_name, by_name_cmp);
    size_t first = SIZE_MAX, again = SIZE_MAX;
    for (size_t k = 1; k < n; k++) {
        size_t x = b->by_name[k - 1], y = b->by_name[k];
        if (strcmp(b->blocks[x].name, b->blocks[y].name) == 0 && y < again) {
            first = x;
            again = y;
        }
    }
    if (again == SIZE_MAX)
        return GCV_OK;
    char p[GCV_JPATH_LEN], q[GCV_JPATH_LEN];
    gcv_json_path_index(p, sizeof p, "blocks", again);
    gcv_json_path_key(q, sizeof q, p, "name");
    return gcv_json_fail(c, q, "expected a name no other block has, got \"%s\" again "
                         "(blocks[%zu])", b->blocks[again].name, first);
}

static gcv_status load_tree(const gcv_jctx *c, const cJSON *root, gcv_baseline *b)
{
    const cJSON *it, *model, *blocks;
    const char *s;
    gcv_status st;
    if ((st = gcv_schema_root(c, root)) != GCV_OK ||
        (st = gcv_schema_string(c, "", root, "name", 0, &s)) != GCV_OK)
        return st;
    if (!(b->name = gcv_strdup(s))) {
        snprintf(c->err->msg, GCV_ERROR_LEN, "out of memory for the baseline");
        return GCV_ERR_NOMEM;
    }
    if ((st = gcv_schema_object(c, "", root, "model", &model)) != GCV_OK ||
        (st = gcv_schema_size(c, "model", model, "params_total", 1, &b->params_total)) != GCV_OK)
        return st;
    b->threshold = NAN;
    const cJSON *check = cJSON_GetObjectItemCaseSensitive(root, "check");
    if (check && !cJSON_IsObject(check))
        return gcv_json_expected(c, "check", "an object", check);
    static const gcv_jnum positive = {0.0, INFINITY, 1, 1, "a positive number"};
    if (check && (st = gcv_json_get_number(c, "check", check, "threshold", &positive,
                                           &b->threshold)) != GCV_OK)
        return st;
    if ((st = gcv_schema_member(c, "", root, "status", &it)) != GCV_OK ||
        (st = gcv_schema_verdict(c, "status", it, &b->status)) != GCV_OK ||
        (st = gcv_schema_member(c, "", root, "blocks", &blocks)) != GCV_OK)
        return st;
    if (!cJSON_IsArray(blocks) || cJSON_GetArraySize(blocks) < 1)
        return gcv_json_expected(c, "blocks", "a non-empty array of blocks", blocks);
    size_t n = (size_t)cJSON_GetArraySize(blocks);
    b->blocks = calloc(n, sizeof *b->blocks);
    if (!b->blocks) {
        snprintf(c->err->msg, GCV_ERROR_LEN, "out of memory for the baseline");
        return GCV_ERR_NOMEM;
    }
    size_t i = 0;
    cJSON_ArrayForEach(it, blocks)
    {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, "blocks", i);
        if ((st = load_block(c, p, it, &b->blocks[i])) != GCV_OK)
            return st;
        b->n_blocks = ++i;
    }
    return index_names(c, b);
}

/* The tree a file of this size could make must fit the memory allowed (max_memory, or what
 * the machine has available when 0): checked before the file is read (a 100 MB report would
 * otherwise take 4 GB as a tree). */
static gcv_status fits_memory(const char *path, size_t max_memory, gcv_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return GCV_OK; /* the reader says why */
    double need = (double)sb.st_size * GCV_BASELINE_TREE_FACTOR;
    size_t have = max_memory ? max_memory : gcv_available_memory();
    if (need <= (double)have)
        return GCV_OK;
    char h[32], w[32];
    gcv_format_bytes((double)have, h, sizeof h);
    gcv_format_bytes(need, w, sizeof w);
    snprintf(err->msg, sizeof err->msg, "%.200s: expected a report whose JSON tree fits in the "
             "%s of memory %s, got %lld bytes of text (up to %s as a tree)", path, h,
             max_memory ? "--max-memory allows" : "available", (long long)sb.st_size, w);
    return GCV_ERR_NOMEM;
}

gcv_status gcv_baseline_load(const char *path, size_t max_memory, gcv_baseline **out,
                             gcv_error *err)
{
    *out = NULL;
    cJSON *root = NULL;
    gcv_status st = fits_memory(path, max_memory, err);
    if (st == GCV_OK)
        st = gcv_schema_load(path, &root, err);
    if (st != GCV_OK)
        return st;
    gcv_baseline *b = calloc(1, sizeof *b);
    if (!b || !(b->path = gcv_strdup(path))) {
        snprintf(err->msg, sizeof err->msg, "%.200s: out of memory for the baseline", path);
        st = GCV_ERR_NOMEM;
    } else {
        gcv_jctx c = {path, err};
        st = load_tree(&c, root, b);
    }
    cJSON_Delete(root);
    if (st != GCV_OK) {
        gcv_baseline_free(b);
        return st;
    }
    *out = b;
    return GCV_OK;
}

void gcv_baseline_free(gcv_baseline *b)
{
    if (!b)
        return;
    free(b->path);
    free(b->name);
    free(b->blocks);
    free(b->by_name);
    free(b);
}

const gcv_baseline_block *gcv_baseline_find(const gcv_baseline *b, const char *name)
{
    if (!b || !name || !b->by_name)
        return NULL;
    size_t lo = 0, hi = b->n_blocks; /* names are unique: at most one match */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const gcv_baseline_block *bb = &b->blocks[b->by_name[mid]];
        int c = strcmp(bb->name, name);
        if (c == 0)
            return bb;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- comparison ---- */

static int push(gcv_regressions *o, gcv_regression_kind kind, const char *block,
                const char *what, double before, double after)
{
    /* The capacity is the next power of two of n: grown by doubling, when n reaches it. */
    if ((o->n & (o->n - 1)) == 0) {
        size_t cap = o->n ? 2 * o->n : 1;
        gcv_regression *items = realloc(o->items, cap * sizeof *items);
        if (!items)
            return -1;
        o->items = items;
    }
    gcv_regression *items = o->items;
    gcv_regression *g = &items[o->n++];
    memset(g, 0, sizeof *g);
    g->kind = kind;
    snprintf(g->block, sizeof g->block, "%s", block);
    g->what = what;
    g->before = before;
    g->after = after;
    return 0;
}

/* The difference below which a block's growth is noise: 1e-3 of the threshold, or what the
 * estimated numeric floor alone would give (with the engine's margin), whichever is more. */
static double noise_level(const gcv_result *r, size_t b)
{
    double floor = r->blocks[b].floor_difference;
    return fmax(GCV_BASELINE_NOISE * r->options.threshold,
                isfinite(floor) ? GCV_MARGIN * floor : 0.0);
}

static int compare_block(const gcv_baseline_block *bb, const gcv_model *m, const gcv_result *r,
                         size_t b, double factor, gcv_regressions *o)
{
    const gcv_block *bl = &m->blocks[b];
    const gcv_block_result *br = &r->blocks[b];
    int shape_known = bb->rows != 0;
    int was_unchecked = bb->status == GCV_UNCHECKED, unchecked = br->status == GCV_UNCHECKED;
    /* A run that checked nothing of the block says how far it got, not that the model
     * changed: its count of 0 is no params_changed (a new shape still is). */
    if ((!was_unchecked && !unchecked && bb->checked != br->checked) ||
        (shape_known && (bb->rows != bl->rows || bb->cols != bl->cols)))
        if (push(o, GCV_REGRESSION_PARAMS_CHANGED, bl->name, "checked", (double)bb->checked,
                 (double)br->checked) != 0)
            return -1;
    /* Nothing measured now: nothing to be worse than before (the run is inconclusive for it,
     * exit 3), and the other blocks are compared as ever. */
    if (unchecked)
        return 0;
    if (br->status == GCV_FAIL && bb->status != GCV_FAIL)
        return push(o, GCV_REGRESSION_NEW_FAILURE, bl->name, "difference", bb->difference,
                    br->difference);
    /* Unchecked before: its 0 mismatches were of 0 parameters, and its difference is null,
     * so only a failure now counts (above), as it would against any baseline. */
    if (!was_unchecked && bb->mismatches == 0 && br->mismatches > 0)
        return push(o, GCV_REGRESSION_NEW_FAILURE, bl->name, "mismatches", 0.0,
                    (double)br->mismatches);
    double before = bb->difference, after = br->difference;
    if (isfinite(before) && isfinite(after) && after > factor * before &&
        after > noise_level(r, b))
        return push(o, GCV_REGRESSION_GREW, bl->name, "difference", before, after);
    return 0;
}

/* For qsort: the model's block names. */
static int name_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The baseline's blocks the model no longer has, in baseline order; n log n. */
static int missing_blocks(const gcv_baseline *b, const gcv_model *m, gcv_regressions *out)
{
    const char **names = malloc((m->n_blocks ? m->n_blocks : 1) * sizeof *names);
    if (!names)
        return -1;
    for (size_t i = 0; i < m->n_blocks; i++)
        names[i] = m->blocks[i].name;
    qsort(names, m->n_blocks, sizeof *names, name_cmp);
    int rc = 0;
    for (size_t k = 0; k < b->n_blocks && rc == 0; k++) {
        const char *key = b->blocks[k].name;
        if (!m->n_blocks || !bsearch(&key, names, m->n_blocks, sizeof *names, name_cmp))
            rc = push(out, GCV_REGRESSION_MISSING, key, "difference", b->blocks[k].difference,
                      NAN);
    }
    free(names);
    return rc;
}

gcv_status gcv_baseline_compare(const gcv_baseline *b, const gcv_model *m, const gcv_result *r,
                                double factor, gcv_regressions *out, gcv_error *err)
{
    memset(out, 0, sizeof *out);
    if (!(factor >= 1.0) || !isfinite(factor)) {
        snprintf(err->msg, sizeof err->msg,
                 "--baseline-factor: expected a finite number ≥ 1, got %g", factor);
        return GCV_ERR_INVALID;
    }
    out->factor = factor;
    if (!(out->path = gcv_strdup(b->path ? b->path : "")))
        goto nomem;
    if (b->params_total != m->n_params &&
        push(out, GCV_REGRESSION_PARAMS_CHANGED, "", "params_total", (double)b->params_total,
             (double)m->n_params) != 0)
        goto nomem;
    for (size_t i = 0; i < m->n_blocks; i++) {
        const gcv_baseline_block *bb = gcv_baseline_find(b, m->blocks[i].name);
        int rc = bb ? compare_block(bb, m, r, i, factor, out)
                    : push(out, GCV_REGRESSION_NEW_BLOCK, m->blocks[i].name, "difference", NAN,
                           r->blocks[i].difference);
        if (rc != 0)
            goto nomem;
    }
    if (missing_blocks(b, m, out) != 0)
        goto nomem;
    return GCV_OK;
nomem:
    gcv_regressions_free(out);
    snprintf(err->msg, sizeof err->msg, "out of memory comparing with the baseline");
    return GCV_ERR_NOMEM;
}

void gcv_regressions_free(gcv_regressions *reg)
{
    if (!reg)
        return;
    free(reg->path);
    free(reg->items);
    memset(reg, 0, sizeof *reg);
}

/* ---- writers ---- */

static void ratio(char *buf, size_t n, size_t *k, double before, double after)
{
    if (before > 0.0)
        gcv_str_append(buf, n, k, " (×%.3g)", after / before);
    else
        gcv_str_append(buf, n, k, " (from 0)");
}

size_t gcv_regression_line(const gcv_regression *g, char *buf, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return 0;
    buf[0] = '\0';
    gcv_str_append(buf, n, &k, "%-6s ", g->block[0] ? g->block : "model");
    switch (g->kind) {
    case GCV_REGRESSION_GREW:
        gcv_str_append(buf, n, &k, "grew         %.1e → %.1e", g->before, g->after);
        ratio(buf, n, &k, g->before, g->after);
        break;
    case GCV_REGRESSION_NEW_FAILURE:
        if (strcmp(g->what, "mismatches") == 0)
            gcv_str_append(buf, n, &k, "new failure  mismatches 0 → %.0f", g->after);
        else
            gcv_str_append(buf, n, &k, "new failure  difference %.1e → %.1e, now over the "
                "threshold", g->before, g->after);
        break;
    case GCV_REGRESSION_PARAMS_CHANGED:
        gcv_str_append(buf, n, &k, "params       %s %.0f → %.0f", g->what, g->before,
            g->after);
        break;
    case GCV_REGRESSION_MISSING:
        gcv_str_append(buf, n, &k, "missing      in the baseline (difference %.1e), not in "
            "this model", g->before);
        break;
    case GCV_REGRESSION_NEW_BLOCK:
        gcv_str_append(buf, n, &k, "new block    difference %.1e, not in the baseline", g->after);
        break;
    }
    return k;
}

void gcv_baseline_text(FILE *f, const gcv_regressions *reg)
{
    char line[256];
    fprintf(f, "baseline  %s · factor %g · ", reg->path ? reg->path : "", reg->factor);
    if (reg->n == 0) {
        fputs("no regressions\n", f);
        return;
    }
    fprintf(f, "%zu regression%s\n", reg->n, reg->n == 1 ? "" : "s");
    for (size_t i = 0; i < reg->n; i++) {
        gcv_regression_line(&reg->items[i], line, sizeof line);
        fprintf(f, "  %s\n", line);
    }
}


int gcv_baseline_json(FILE *f, const gcv_regressions *reg)
{
    return gcv_schema_write_baseline(f, reg);
}

/* Baselines; see baseline.h for what counts as a regression and why. */
#include "report/baseline.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/json.h"
#include "engine/internal.h"
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
        for (size_t k = 0; k < i; k++)
            if (strcmp(b->blocks[k].name, b->blocks[i].name) == 0) {
                char q[GCV_JPATH_LEN];
                gcv_json_path_key(q, sizeof q, p, "name");
                return gcv_json_fail(c, q, "expected a name no other block has, got \"%s\" "
                                     "again (blocks[%zu])", b->blocks[i].name, k);
            }
        b->n_blocks = ++i;
    }
    return GCV_OK;
}

gcv_status gcv_baseline_load(const char *path, gcv_baseline **out, gcv_error *err)
{
    *out = NULL;
    cJSON *root = NULL;
    gcv_status st = gcv_schema_load(path, &root, err);
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
    free(b);
}

const gcv_baseline_block *gcv_baseline_find(const gcv_baseline *b, const char *name)
{
    for (size_t i = 0; b && name && i < b->n_blocks; i++)
        if (strcmp(b->blocks[i].name, name) == 0)
            return &b->blocks[i];
    return NULL;
}

/* ---- comparison ---- */

static int push(gcv_regressions *o, gcv_regression_kind kind, const char *block,
                const char *what, double before, double after)
{
    gcv_regression *items = realloc(o->items, (o->n + 1) * sizeof *items);
    if (!items)
        return -1;
    o->items = items;
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
    for (size_t k = 0; k < b->n_blocks; k++) {
        int found = 0;
        for (size_t i = 0; i < m->n_blocks && !found; i++)
            found = strcmp(m->blocks[i].name, b->blocks[k].name) == 0;
        if (!found && push(out, GCV_REGRESSION_MISSING, b->blocks[k].name, "difference",
                           b->blocks[k].difference, NAN) != 0)
            goto nomem;
    }
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

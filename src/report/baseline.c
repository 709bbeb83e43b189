/* Baselines; see baseline.h for what counts as a regression and why. */
#include "report/baseline.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/json.h"
#include "engine/engine-priv.h"
#include "report/output.h"
#include "util/strutil.h"

/* ---- reading a report ---- */

gcv_status gcv_report_load(const char *path, cJSON **out, gcv_error *err)
{
    char why[GCV_ERROR_LEN / 2];
    uint64_t size;
    *out = NULL;
    int fd = gcv_file_open_regular(path, &size, why, sizeof why);
    if (fd < 0) {
        snprintf(err->msg, sizeof err->msg, "%.200s: %s", path, why);
        return GCV_ERR_IO;
    }
    if (size > GCV_REPORT_MAX_BYTES) {
        close(fd);
        snprintf(err->msg, sizeof err->msg,
                 "%.200s: expected a report of at most %zu bytes, got %llu bytes", path,
                 GCV_REPORT_MAX_BYTES, (unsigned long long)size);
        return GCV_ERR_INVALID;
    }
    /* Read to the end whatever fstat said (a file still being written grows). */
    size_t cap = (size_t)size + 1, n = 0;
    char *text = malloc(cap + 1);
    gcv_status st = GCV_OK;
    for (;;) {
        if (!text) {
            snprintf(err->msg, sizeof err->msg, "%.200s: out of memory reading the report",
                     path);
            close(fd);
            return GCV_ERR_NOMEM;
        }
        if (n == cap) {
            if (cap > GCV_REPORT_MAX_BYTES) {
                snprintf(err->msg, sizeof err->msg,
                         "%.200s: expected a report of at most %zu bytes, got more", path,
                         GCV_REPORT_MAX_BYTES);
                st = GCV_ERR_INVALID;
                break;
            }
            cap *= 2;
            char *t = realloc(text, cap + 1);
            if (!t)
                free(text);
            text = t;
            continue;
        }
        ssize_t r = read(fd, text + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err->msg, sizeof err->msg, "%.200s: cannot read: %s", path,
                     strerror(errno));
            st = GCV_ERR_IO;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (st == GCV_OK) {
        text[n] = '\0';
        st = gcv_json_parse(path, text, n, out, err);
    }
    free(text);
    return st;
}

/* ---- the baseline ---- */

static const char *const verdicts[] = {"pass", "fail", "inconclusive"};
static const gcv_verdict verdict_of[] = {GCV_PASS, GCV_FAIL, GCV_INCONCLUSIVE};

/* A number, or null for a value that was not finite when written (→ NAN). */
static gcv_status number_or_null(const gcv_jctx *c, const char *path, const cJSON *item,
                                 double *out)
{
    if (cJSON_IsNull(item)) {
        *out = NAN;
        return GCV_OK;
    }
    return gcv_json_number(c, path, item, NULL, out);
}

static gcv_status required(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                           const char *key, const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (*out)
        return GCV_OK;
    return gcv_json_fail(c, objpath, "expected a member \"%s\", got none", key);
}

static gcv_status load_block(const gcv_jctx *c, const char *path, const cJSON *o,
                             gcv_baseline_block *bb)
{
    char p[GCV_JPATH_LEN];
    const cJSON *it;
    const char *name;
    gcv_status st;
    if (!cJSON_IsObject(o))
        return gcv_json_expected(c, path, "a block object", o);
    if ((st = required(c, path, o, "name", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, path, "name");
    if ((st = gcv_json_string(c, p, it, &name)) != GCV_OK)
        return st;
    if (strlen(name) >= GCV_NAME_LEN)
        return gcv_json_expected(c, p, "a block name of at most 31 bytes", it);
    memcpy(bb->name, name, strlen(name) + 1);

    if ((st = required(c, path, o, "checked", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, path, "checked");
    if ((st = gcv_json_size(c, p, it, 0, SIZE_MAX, &bb->checked)) != GCV_OK)
        return st;

    if ((st = required(c, path, o, "difference", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, path, "difference");
    if (!cJSON_IsNull(it) && (!cJSON_IsNumber(it) || !(it->valuedouble >= 0.0)))
        return gcv_json_expected(c, p, "a number ≥ 0 or null", it);
    if ((st = number_or_null(c, p, it, &bb->difference)) != GCV_OK)
        return st;

    if ((st = required(c, path, o, "status", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, path, "status");
    size_t idx;
    if ((st = gcv_json_choice(c, p, it, verdicts, 3, &idx)) != GCV_OK)
        return st;
    bb->status = verdict_of[idx];

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
    if (it) {
        gcv_json_path_key(p, sizeof p, path, "shape");
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2)
            return gcv_json_expected(c, p, "[rows, columns]", it);
        char q[GCV_JPATH_LEN];
        gcv_json_path_index(q, sizeof q, p, 0);
        if ((st = gcv_json_size(c, q, cJSON_GetArrayItem(it, 0), 1, SIZE_MAX, &bb->rows)) !=
            GCV_OK)
            return st;
        gcv_json_path_index(q, sizeof q, p, 1);
        if ((st = gcv_json_size(c, q, cJSON_GetArrayItem(it, 1), 1, SIZE_MAX, &bb->cols)) !=
            GCV_OK)
            return st;
    }
    return GCV_OK;
}

static gcv_status load_tree(const gcv_jctx *c, const cJSON *root, gcv_baseline *b)
{
    const cJSON *it, *model, *blocks;
    const char *s;
    gcv_status st;
    if (!cJSON_IsObject(root))
        return gcv_json_expected(c, "", "a gcverify JSON report (an object)", root);
    if ((st = required(c, "", root, "schema", &it)) != GCV_OK)
        return st;
    if (!cJSON_IsString(it) || strcmp(it->valuestring, "gcverify.report/1") != 0)
        return gcv_json_expected(c, "schema", "\"gcverify.report/1\"", it);
    if ((st = required(c, "", root, "name", &it)) != GCV_OK ||
        (st = gcv_json_string(c, "name", it, &s)) != GCV_OK)
        return st;
    if (!(b->name = gcv_strdup(s))) {
        snprintf(c->err->msg, GCV_ERROR_LEN, "out of memory for the baseline");
        return GCV_ERR_NOMEM;
    }
    if ((st = required(c, "", root, "model", &model)) != GCV_OK)
        return st;
    if (!cJSON_IsObject(model))
        return gcv_json_expected(c, "model", "an object", model);
    if ((st = required(c, "model", model, "params_total", &it)) != GCV_OK ||
        (st = gcv_json_size(c, "model.params_total", it, 1, SIZE_MAX, &b->params_total)) !=
            GCV_OK)
        return st;
    b->threshold = NAN;
    const cJSON *check = cJSON_GetObjectItemCaseSensitive(root, "check");
    if (check && !cJSON_IsObject(check))
        return gcv_json_expected(c, "check", "an object", check);
    static const gcv_jnum positive = {0.0, INFINITY, 1, 1, "a positive number"};
    if (check && (st = gcv_json_get_number(c, "check", check, "threshold", &positive,
                                           &b->threshold)) != GCV_OK)
        return st;
    size_t idx;
    if ((st = required(c, "", root, "status", &it)) != GCV_OK ||
        (st = gcv_json_choice(c, "status", it, verdicts, 3, &idx)) != GCV_OK)
        return st;
    b->status = verdict_of[idx];

    if ((st = required(c, "", root, "blocks", &blocks)) != GCV_OK)
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
    gcv_status st = gcv_report_load(path, &root, err);
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

const char *gcv_regression_kind_name(gcv_regression_kind k)
{
    static const char *const n[] = {"grew", "new_failure", "params_changed", "missing",
                                    "new_block"};
    return (unsigned)k < sizeof n / sizeof *n ? n[k] : "?";
}

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
    if (bb->checked != br->checked ||
        (shape_known && (bb->rows != bl->rows || bb->cols != bl->cols)))
        if (push(o, GCV_REGRESSION_PARAMS_CHANGED, bl->name, "checked", (double)bb->checked,
                 (double)br->checked) != 0)
            return -1;
    if (br->status == GCV_FAIL && bb->status != GCV_FAIL)
        return push(o, GCV_REGRESSION_NEW_FAILURE, bl->name, "difference", bb->difference,
                    br->difference);
    if (bb->mismatches == 0 && br->mismatches > 0)
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

static void add(char *buf, size_t n, size_t *k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t n, size_t *k, const char *fmt, ...)
{
    if (*k + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *k, n - *k, fmt, ap);
    va_end(ap);
    if (w > 0)
        *k = *k + (size_t)w < n ? *k + (size_t)w : n - 1;
}

static void ratio(char *buf, size_t n, size_t *k, double before, double after)
{
    if (before > 0.0)
        add(buf, n, k, " (×%.3g)", after / before);
    else
        add(buf, n, k, " (from 0)");
}

size_t gcv_regression_line(const gcv_regression *g, char *buf, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return 0;
    buf[0] = '\0';
    add(buf, n, &k, "%-6s ", g->block[0] ? g->block : "model");
    switch (g->kind) {
    case GCV_REGRESSION_GREW:
        add(buf, n, &k, "grew         %.1e → %.1e", g->before, g->after);
        ratio(buf, n, &k, g->before, g->after);
        break;
    case GCV_REGRESSION_NEW_FAILURE:
        if (strcmp(g->what, "mismatches") == 0)
            add(buf, n, &k, "new failure  mismatches 0 → %.0f", g->after);
        else
            add(buf, n, &k, "new failure  difference %.1e → %.1e, now over the threshold",
                g->before, g->after);
        break;
    case GCV_REGRESSION_PARAMS_CHANGED:
        add(buf, n, &k, "params       %s %.0f → %.0f", g->what, g->before, g->after);
        break;
    case GCV_REGRESSION_MISSING:
        add(buf, n, &k, "missing      in the baseline (difference %.1e), not in this model",
            g->before);
        break;
    case GCV_REGRESSION_NEW_BLOCK:
        add(buf, n, &k, "new block    difference %.1e, not in the baseline", g->after);
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
    fputs("\"baseline\": {\"path\": ", f);
    gcv_json_str(f, reg->path ? reg->path : "");
    fputs(", \"factor\": ", f);
    gcv_json_num(f, reg->factor);
    fputs(", \"regressions\": [", f);
    for (size_t i = 0; i < reg->n; i++) {
        const gcv_regression *g = &reg->items[i];
        fputs(i ? ", {\"block\": " : "{\"block\": ", f);
        if (g->block[0])
            gcv_json_str(f, g->block);
        else
            fputs("null", f);
        fprintf(f, ", \"kind\": \"%s\", \"what\": \"%s\", \"before\": ",
                gcv_regression_kind_name(g->kind), g->what);
        gcv_json_num(f, g->before);
        fputs(", \"after\": ", f);
        gcv_json_num(f, g->after);
        fputc('}', f);
    }
    fputs("]}", f);
    return ferror(f) ? -1 : 0;
}

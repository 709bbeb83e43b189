/* gcverify.report/1: its writers and its reader (see schema.h). */
#include "report/schema.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "engine/blocks.h"
#include "report/output.h"
#include "util/strutil.h"

/* ---- the report of a check ---- */

/* Whether no block of r was checked at all (stopped before the first parameter). */
static int all_unchecked(const gcv_result *r)
{
    for (size_t b = 0; b < r->n_blocks; b++)
        if (r->blocks[b].status != GCV_UNCHECKED)
            return 0;
    return r->n_blocks > 0;
}

/* The members before "layers": who, what and how, and the check's totals. */
static void json_head(FILE *f, const gcv_report_info *in, const gcv_model *m,
                      const gcv_result *r)
{
    const gcv_options *o = &r->options;
    fputs("{\n  \"schema\": \"" GCV_REPORT_SCHEMA "\",\n  \"name\": ", f);
    gcv_json_str(f, in->name);
    fputs(",\n  \"config\": ", f);
    if (in->config)
        gcv_json_str(f, in->config);
    else
        fputs("null", f);
    fputs(",\n  \"version\": \"" GCV_VERSION "\",\n  \"model\": {\"type\": ", f);
    gcv_json_str(f, in->model_type);
    if (in->layers) {
        fputs(", \"layers\": [", f);
        for (size_t l = 0; l < in->n_layers; l++)
            fprintf(f, "%s%zu", l ? ", " : "", in->layers[l]);
        fputc(']', f);
    }
    fputs(", \"description\": ", f);
    gcv_json_str(f, in->description);
    fputs(", \"notes\": [", f);
    for (size_t i = 0; i < in->n_notes; i++) {
        if (i)
            fputs(", ", f);
        gcv_json_str(f, in->notes[i]);
    }
    fputc(']', f);
    fprintf(f, ", \"precision\": \"%s\", \"params_total\": %zu},\n",
            gcv_precision_name(m->precision), m->n_params);
    fprintf(f, "  \"check\": {\"method\": \"%s\", \"epsilon\": ", gcv_method_name(o->method));
    gcv_json_num(f, o->epsilon);
    fputs(", \"threshold\": ", f);
    gcv_json_num(f, o->threshold);
    fputs(", \"rtol\": ", f);
    gcv_json_num(f, o->rtol);
    fputs(", \"atol\": ", f);
    gcv_json_num(f, o->atol);
    fprintf(f, ", \"epsilon_auto\": %s, \"taylor\": %s", o->epsilon_auto ? "true" : "false",
            o->taylor ? "true" : "false");
    fprintf(f, ", \"threads\": %d, \"examples\": %zu},\n  \"cost\": ", r->threads, in->examples);
    gcv_json_num(f, r->cost);
    fprintf(f, ",\n  \"params_checked\": %zu,\n  \"evaluations\": %zu,\n  \"stopped\": %s,\n"
               "  \"sampled\": %s,\n",
            r->params_checked, r->evaluations, r->stopped ? "true" : "false",
            r->sampled ? "true" : "false");
    fprintf(f, "  \"evaluations_by_purpose\": {\"check\": %zu, \"noise\": %zu, "
               "\"escalation\": %zu},\n  \"params_escalated\": %zu,\n  \"fraction_checked\": ",
            r->evaluations - r->evaluations_noise - r->evaluations_escalation,
            r->evaluations_noise, r->evaluations_escalation,
            r->params_escalated);
    gcv_json_num(f, m->n_params ? (double)r->params_checked / (double)m->n_params : 0.0);
    if (r->sampled || r->stopped) {
        /* Exactly which parameters this partial run looked at. */
        fputs(",\n  \"checked_indices\": [", f);
        int first = 1;
        for (size_t i = 0; i < r->n_params; i++)
            if (r->params[i].status != GCV_PARAM_UNCHECKED) {
                fprintf(f, first ? "%zu" : ", %zu", i);
                first = 0;
            }
        fputc(']', f);
    }
    fputs(",\n  \"difference\": ", f);
    gcv_json_num(f, all_unchecked(r) ? NAN : r->difference); /* of nothing: null */
    /* "expect" beside the check's own verdict: "status" stays what the check found, and a
     * reader compares the two (doc/report-format.md). */
    fprintf(f, ",\n  \"status\": \"%s\",\n  \"expect\": \"%s\",\n  \"seconds\": ",
            gcv_verdict_name(r->status), in->expect ? "fail" : "pass");
    gcv_json_num(f, r->seconds);
    fputs(",\n  \"floor_difference\": ", f);
    gcv_json_num(f, r->floor_difference);
    fprintf(f, ",\n  \"mismatches\": %zu, \"kinks\": %zu, \"kinks_ok\": %zu, "
               "\"kinks_avoided\": %zu, \"nonfinite\": %zu, \"blocks_failed\": %zu,\n",
            r->mismatches, r->kinks, r->kinks_ok, r->kinks_avoided, r->nonfinite,
            r->blocks_failed);
}

static void json_layers(FILE *f, const gcv_model *m, const gcv_result *r)
{
    fputs("  \"layers\": [", f);
    for (size_t l = 0; l < r->n_layers; l++) {
        const gcv_layer_result *lr = &r->layers[l];
        fprintf(f, "%s\n    {\"layer\": %d, \"blocks\": [", l ? "," : "", lr->layer);
        for (size_t b = 0; b < lr->n_blocks; b++) {
            if (b)
                fputs(", ", f);
            gcv_json_str(f, m->blocks[lr->first_block + b].name);
        }
        fputs("], \"difference\": ", f);
        /* A layer of unchecked blocks has no difference, as they have none. */
        gcv_json_num(f, lr->status == GCV_UNCHECKED ? NAN : lr->difference);
        fprintf(f, ", \"status\": \"%s\"}", gcv_verdict_name(lr->status));
    }
    fputs("\n  ],\n", f);
}

/* Entry k's coordinates as a JSON array: [row, col] for a matrix, N values for a view of
 * N axes. */
static void json_coords(FILE *f, const gcv_block *bl, size_t k)
{
    size_t c[GCV_MAX_DIMS];
    unsigned nd = gcv_block_coords(bl, k, c);
    for (unsigned a = 0; a < nd; a++)
        fprintf(f, "%s%zu", a ? ", " : "[", c[a]);
    fputs("]", f);
}

/* A view block's own shape and where it lies (absent for a contiguous rows × cols block,
 * whose "shape" says it all): "dims", its worst entry in N-d ("worst_coords"), and "view"
 * with the offset and strides, or "index_map": true for an explicit map. */
static void json_view(FILE *f, const gcv_block *bl, const gcv_block_result *br)
{
    if (bl->ndim == 0)
        return;
    fputs(", \"dims\": ", f);
    for (unsigned a = 0; a < bl->ndim; a++)
        fprintf(f, "%s%zu", a ? ", " : "[", bl->dims[a]);
    fputs("], \"worst_coords\": ", f);
    json_coords(f, bl, br->worst_row * bl->cols + br->worst_col);
    if (bl->index) {
        fputs(", \"view\": {\"index_map\": true}", f);
        return;
    }
    fprintf(f, ", \"view\": {\"offset\": %zu, \"strides\": ", bl->offset);
    for (unsigned a = 0; a < bl->ndim; a++)
        fprintf(f, "%s%zu", a ? ", " : "[", bl->strides[a]);
    fputs("]}", f);
}

static void json_blocks(FILE *f, const gcv_report_info *in, const gcv_model *m,
                        const gcv_result *r)
{
    char diag[GCV_ERROR_LEN];
    fputs("  \"blocks\": [", f);
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        const gcv_block_result *br = &r->blocks[b];
        fprintf(f, "%s\n    {\"name\": ", b ? "," : "");
        gcv_json_str(f, bl->name);
        fprintf(f, ", \"layer\": %d, \"shape\": [%zu, %zu], \"checked\": %zu, "
                   "\"fraction_checked\": ",
                bl->layer, bl->rows, bl->cols, br->checked);
        gcv_json_num(f, (double)br->checked / (double)(bl->rows * bl->cols));
        json_view(f, bl, br);
        fputs(", \"difference\": ", f);
        gcv_json_num(f, br->difference);
        fputs(", \"max_abs_error\": ", f);
        gcv_json_num(f, br->max_abs_error);
        fputs(", \"max_rel_error\": ", f);
        gcv_json_num(f, br->max_rel_error);
        fprintf(f, ", \"worst\": [%zu, %zu], \"mismatches\": %zu, \"kinks\": %zu, "
                   "\"nonfinite\": %zu, \"norm_analytic\": ",
                br->worst_row, br->worst_col, br->mismatches, br->kinks, br->nonfinite);
        gcv_json_num(f, br->norm_analytic);
        fputs(", \"norm_numeric\": ", f);
        gcv_json_num(f, br->norm_numeric);
        fprintf(f, ", \"kinks_ok\": %zu, \"kinks_avoided\": %zu, \"directions\": %u, "
                   "\"floor_difference\": ",
                br->kinks_ok, br->kinks_avoided, br->directions);
        gcv_json_num(f, br->floor_difference);
        fputs(", \"power\": ", f);
        gcv_json_num(f, br->power);
        fputs(", \"scale\": ", f);
        gcv_json_num(f, br->scale);
        fputs(", \"scale_residual\": ", f);
        gcv_json_num(f, br->scale_residual);
        fputs(", \"transposed_difference\": ", f);
        gcv_json_num(f, br->transposed_difference);
        fprintf(f, ", \"bad_rows\": %zu, \"bad_cols\": %zu, \"taylor_order\": ", br->bad_rows,
                br->bad_cols);
        gcv_json_num(f, br->taylor_order);
        fputs(", \"noise\": ", f);
        gcv_json_num(f, br->noise);
        fprintf(f, ", \"escalated\": %zu", br->escalated);
        fprintf(f, ", \"within_floor\": %s, \"diagnosis\": ", br->within_floor ? "true" : "false");
        if (gcv_report_diagnosis(in, m, r, b, diag, sizeof diag))
            gcv_json_str(f, diag);
        else
            fputs("null", f);
        fprintf(f, ", \"status\": \"%s\"}", gcv_verdict_name(br->status));
    }
    fputs("\n  ],\n", f);
}

/* The "params" member without its closing newline: mode 0 none, 1 mismatches, 2 all. */
static void json_params(FILE *f, int mode, const gcv_model *m, const gcv_result *r)
{
    fputs("  \"params\": [", f);
    int first = 1;
    for (size_t b = 0; b < m->n_blocks && mode != 0; b++) {
        const gcv_block *bl = &m->blocks[b];
        for (size_t k = 0; k < bl->rows * bl->cols; k++) {
            size_t i = gcv_block_index(bl, k);
            const gcv_param_result *p = &r->params[i];
            if (p->status == GCV_PARAM_UNCHECKED ||
                (mode == 1 && p->status == GCV_PARAM_OK))
                continue;
            fprintf(f, "%s\n    {\"index\": %zu, \"block\": ", first ? "" : ",", i);
            first = 0;
            gcv_json_str(f, bl->name);
            fputs(", \"coords\": ", f);
            json_coords(f, bl, k);
            fputs(", \"theta\": ", f);
            gcv_json_num(f, p->theta);
            fputs(", \"analytic\": ", f);
            gcv_json_num(f, p->analytic);
            fputs(", \"numeric\": ", f);
            gcv_json_num(f, p->numeric);
            fputs(", \"abs_error\": ", f);
            gcv_json_num(f, p->abs_error);
            fputs(", \"rel_error\": ", f);
            gcv_json_num(f, p->rel_error);
            fputs(", \"floor\": ", f);
            gcv_json_num(f, p->floor);
            fputs(", \"step\": ", f);
            gcv_json_num(f, p->step);
            fprintf(f, ", \"evaluations\": %u", p->evaluations);
            fprintf(f, ", \"status\": \"%s\"}",
                    gcv_param_status_name((gcv_param_status)p->status));
        }
    }
    fputs(first ? "]" : "\n  ]", f);
}

/* The "shard" member: K/N (number K, 1-based as --shard takes it; index K − 1, the remainder
 * of its parameters, as reports before that numbering had it), the merged report's params
 * mode, and the parameters whose ±h crossed a kink a smaller step avoided (a flag the
 * params entries do not carry). */
static void json_shard(FILE *f, const gcv_result *r, const gcv_schema_shard *s)
{
    fprintf(f, ",\n  \"shard\": {\"number\": %zu, \"count\": %zu, \"index\": %zu, "
               "\"params_mode\": \"%s\", \"kinks_avoided\": [",
            s->index + 1, s->count, s->index,
            gcv_params_mode_name((gcv_params_mode)s->params_mode));
    int first = 1;
    for (size_t i = 0; i < r->n_params; i++)
        if (r->params[i].kink_avoided == 1 && r->params[i].status != GCV_PARAM_UNCHECKED) {
            fprintf(f, "%s%zu", first ? "" : ", ", i);
            first = 0;
        }
    fputs("]}", f);
}

int gcv_schema_write(FILE *f, const gcv_report_info *in, const gcv_model *m,
                     const gcv_result *r, const gcv_schema_shard *shard)
{
    json_head(f, in, m, r);
    if (in->json_extra) {
        fputs("  ", f);
        if (in->json_extra(f, in->json_extra_ctx) != 0)
            return -1;
        fputs(",\n", f);
    }
    json_layers(f, m, r);
    json_blocks(f, in, m, r);
    /* A shard lists every parameter it checked: the merge rebuilds the result from them. */
    json_params(f, shard ? GCV_REPORT_PARAMS_ALL : in->params_mode, m, r);
    if (shard)
        json_shard(f, r, shard);
    fputs("\n}\n", f);
    return ferror(f) ? -1 : 0;
}

int gcv_report_json_stream(FILE *f, const gcv_report_info *in, const gcv_model *m,
                           const gcv_result *r)
{
    return gcv_schema_write(f, in, m, r, NULL);
}

typedef struct json_ctx {
    const gcv_report_info *in;
    const gcv_model *m;
    const gcv_result *r;
} json_ctx;

static int json_writer(FILE *f, void *ctx)
{
    const json_ctx *c = ctx;
    return gcv_schema_write(f, c->in, c->m, c->r, NULL);
}

gcv_status gcv_report_json(const char *path, const gcv_report_info *in, const gcv_model *m,
                           const gcv_result *r, gcv_error *err)
{
    json_ctx c = {in, m, r};
    return gcv_write_atomic(path, json_writer, &c, "report", err);
}

/* ---- the baseline member ---- */

static const char *regression_kind_name(gcv_regression_kind k)
{
    static const char *const n[] = {"grew", "new_failure", "params_changed", "missing",
                                    "new_block"};
    return (unsigned)k < sizeof n / sizeof *n ? n[k] : "?";
}

int gcv_schema_write_baseline(FILE *f, const gcv_regressions *reg)
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
                regression_kind_name(g->kind), g->what);
        gcv_json_num(f, g->before);
        fputs(", \"after\": ", f);
        gcv_json_num(f, g->after);
        fputc('}', f);
    }
    fputs("]}", f);
    return ferror(f) ? -1 : 0;
}

/* ---- the report of a crashed check ---- */

int gcv_schema_write_crash(FILE *f, const gcv_schema_crash *c)
{
    fputs("{\n  \"schema\": \"" GCV_REPORT_SCHEMA "\",\n  \"name\": ", f);
    gcv_json_str(f, c->name);
    fputs(",\n  \"config\": ", f);
    gcv_json_str(f, c->config);
    fputs(",\n  \"version\": \"" GCV_VERSION "\",\n", f);
    fprintf(f, "  \"model\": {\"params_total\": %zu},\n", c->params_total);
    fprintf(f, "  \"check\": {\"method\": \"%s\", \"epsilon\": ", gcv_method_name(c->o->method));
    gcv_json_num(f, c->o->epsilon);
    fputs(", \"threshold\": ", f);
    gcv_json_num(f, c->o->threshold);
    fputs(", \"rtol\": ", f);
    gcv_json_num(f, c->o->rtol);
    fputs(", \"atol\": ", f);
    gcv_json_num(f, c->o->atol);
    fputs("},\n  \"cost\": null,\n  \"params_checked\": 0,\n  \"evaluations\": 0,\n"
          "  \"difference\": null,\n  \"status\": \"inconclusive\",\n  \"seconds\": 0,\n"
          "  \"crash\": {\"signal\": ", f);
    fprintf(f, "%d, \"hung\": %s, \"where\": ", c->signal, c->hung ? "true" : "false");
    gcv_json_str(f, c->where);
    fputs(", \"left_out\": [", f);
    for (size_t k = 0; k < c->n_left_out; k++)
        fprintf(f, "%s%zu", k ? ", " : "", c->left_out[k]);
    fputs("]},\n  \"layers\": [],\n  \"blocks\": [", f);
    for (size_t b = 0; b < c->n_blocks; b++) {
        gcv_block bl;
        c->block(c->block_ctx, b, &bl);
        fputs(b ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
        gcv_json_str(f, bl.name);
        fprintf(f, ", \"layer\": %d, \"shape\": [%zu, %zu], \"checked\": 0, \"difference\": "
                   "null, \"mismatches\": 0, \"status\": \"inconclusive\"}",
                bl.layer, bl.rows, bl.cols);
    }
    fputs(c->n_blocks ? "\n  ],\n  \"params\": []\n}\n" : "],\n  \"params\": []\n}\n", f);
    return ferror(f) ? -1 : 0;
}

/* ---- reading ---- */

gcv_status gcv_schema_load(const char *path, cJSON **out, gcv_error *err)
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

gcv_status gcv_schema_member(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                             const char *key, const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (*out)
        return GCV_OK;
    return gcv_json_fail(c, objpath, "expected a member \"%s\", got none", key);
}

gcv_status gcv_schema_root(const gcv_jctx *c, const cJSON *root)
{
    const cJSON *it;
    gcv_status st;
    if (!cJSON_IsObject(root))
        return gcv_json_expected(c, "", "a gcverify JSON report (an object)", root);
    if ((st = gcv_schema_member(c, "", root, "schema", &it)) != GCV_OK)
        return st;
    if (!cJSON_IsString(it) || strcmp(it->valuestring, GCV_REPORT_SCHEMA) != 0)
        return gcv_json_expected(c, "schema", "\"" GCV_REPORT_SCHEMA "\"", it);
    return GCV_OK;
}

gcv_status gcv_schema_object(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                             const char *key, const cJSON **out)
{
    gcv_status st = gcv_schema_member(c, objpath, obj, key, out);
    if (st != GCV_OK)
        return st;
    if (cJSON_IsObject(*out))
        return GCV_OK;
    char p[GCV_JPATH_LEN];
    gcv_json_path_key(p, sizeof p, objpath, key);
    return gcv_json_expected(c, p, "an object", *out);
}

gcv_status gcv_schema_string(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                             const char *key, int nullable, const char **out)
{
    const cJSON *it;
    char p[GCV_JPATH_LEN];
    gcv_status st = gcv_schema_member(c, objpath, obj, key, &it);
    if (st != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, objpath, key);
    if (nullable && cJSON_IsNull(it)) {
        *out = NULL;
        return GCV_OK;
    }
    return gcv_json_string(c, p, it, out);
}

gcv_status gcv_schema_size(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                           const char *key, size_t lo, size_t *out)
{
    const cJSON *it;
    char p[GCV_JPATH_LEN];
    gcv_status st = gcv_schema_member(c, objpath, obj, key, &it);
    if (st != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, objpath, key);
    return gcv_json_size(c, p, it, lo, SIZE_MAX, out);
}

gcv_status gcv_schema_number_value(const gcv_jctx *c, const char *path, const cJSON *item,
                                   double *out)
{
    if (cJSON_IsNull(item)) {
        *out = NAN;
        return GCV_OK;
    }
    if (!cJSON_IsNumber(item))
        return gcv_json_expected(c, path, "a number or null", item);
    *out = item->valuedouble;
    return GCV_OK;
}

gcv_status gcv_schema_number(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                             const char *key, double *out)
{
    const cJSON *it;
    char p[GCV_JPATH_LEN];
    gcv_status st = gcv_schema_member(c, objpath, obj, key, &it);
    if (st != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, objpath, key);
    return gcv_schema_number_value(c, p, it, out);
}

gcv_status gcv_schema_bool(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                           const char *key, int *out)
{
    const cJSON *it;
    char p[GCV_JPATH_LEN];
    gcv_status st = gcv_schema_member(c, objpath, obj, key, &it);
    if (st != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, objpath, key);
    if (!cJSON_IsBool(it))
        return gcv_json_expected(c, p, "true or false", it);
    *out = cJSON_IsTrue(it);
    return GCV_OK;
}

gcv_status gcv_schema_verdict(const gcv_jctx *c, const char *path, const cJSON *item,
                              gcv_verdict *out)
{
    static const char *const names[] = {"pass", "fail", "inconclusive"};
    static const gcv_verdict verdicts[] = {GCV_PASS, GCV_FAIL, GCV_INCONCLUSIVE};
    size_t idx;
    gcv_status st = gcv_json_choice(c, path, item, names, 3, &idx);
    if (st == GCV_OK)
        *out = verdicts[idx];
    return st;
}

gcv_status gcv_schema_block_verdict(const gcv_jctx *c, const char *path, const cJSON *item,
                                    gcv_verdict *out)
{
    static const char *const names[] = {"pass", "fail", "inconclusive", "unchecked"};
    static const gcv_verdict verdicts[] = {GCV_PASS, GCV_FAIL, GCV_INCONCLUSIVE, GCV_UNCHECKED};
    size_t idx;
    gcv_status st = gcv_json_choice(c, path, item, names, 4, &idx);
    if (st == GCV_OK)
        *out = verdicts[idx];
    return st;
}

gcv_status gcv_schema_block_name(const gcv_jctx *c, const char *path, const cJSON *block,
                                 char name[GCV_NAME_LEN])
{
    const cJSON *it;
    const char *s;
    char p[GCV_JPATH_LEN];
    gcv_status st = gcv_schema_member(c, path, block, "name", &it);
    if (st != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, path, "name");
    if ((st = gcv_json_string(c, p, it, &s)) != GCV_OK)
        return st;
    if (strlen(s) >= GCV_NAME_LEN)
        return gcv_json_expected(c, p, "a block name of at most 31 bytes", it);
    memcpy(name, s, strlen(s) + 1);
    return GCV_OK;
}

gcv_status gcv_schema_shape(const gcv_jctx *c, const char *path, const cJSON *shape,
                            size_t *rows, size_t *cols)
{
    char p[GCV_JPATH_LEN], q[GCV_JPATH_LEN];
    gcv_status st;
    gcv_json_path_key(p, sizeof p, path, "shape");
    if (!cJSON_IsArray(shape) || cJSON_GetArraySize(shape) != 2)
        return gcv_json_expected(c, p, "[rows, columns]", shape);
    gcv_json_path_index(q, sizeof q, p, 0);
    if ((st = gcv_json_size(c, q, cJSON_GetArrayItem(shape, 0), 1, SIZE_MAX, rows)) != GCV_OK)
        return st;
    gcv_json_path_index(q, sizeof q, p, 1);
    return gcv_json_size(c, q, cJSON_GetArrayItem(shape, 1), 1, SIZE_MAX, cols);
}

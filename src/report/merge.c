/* Shard reports and their merge; see merge.h for the format and what is guaranteed. */
#include "report/merge.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/json.h"
#include "engine/engine-priv.h"
#include "report/baseline.h"
#include "report/junit.h"
#include "util/strutil.h"

/* ---- writing a shard ---- */

int gcv_shard_parse(const char *s, gcv_shard *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long k = strtoull(s, &end, 10);
    if (errno || *end != '/' || end[1] < '0' || end[1] > '9')
        return -1;
    const char *q = end + 1;
    unsigned long long n = strtoull(q, &end, 10);
    if (errno || *end || n < 1 || k >= n || n > SIZE_MAX)
        return -1;
    out->index = (size_t)k;
    out->count = (size_t)n;
    return 0;
}

gcv_status gcv_shard_subset(const gcv_shard *s, size_t P, const size_t *within,
                            size_t n_within, size_t **out, size_t *n_out, gcv_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (s->count < 1 || s->index >= s->count) {
        snprintf(err->msg, sizeof err->msg,
                 "--shard: expected K/N with 0 ≤ K < N, got %zu/%zu", s->index, s->count);
        return GCV_ERR_INVALID;
    }
    size_t total = within ? n_within : P, k = 0;
    for (size_t t = 0; t < total; t++)
        k += (within ? within[t] : t) % s->count == s->index;
    if (k == 0) {
        snprintf(err->msg, sizeof err->msg,
                 "--shard %zu/%zu: expected at least one parameter in the shard, got none of "
                 "the %zu %s (use fewer shards)", s->index, s->count, total,
                 within ? "parameters selected" : "parameters");
        return GCV_ERR_INVALID;
    }
    size_t *idx = malloc(k * sizeof *idx);
    if (!idx) {
        snprintf(err->msg, sizeof err->msg, "out of memory for the shard's indices");
        return GCV_ERR_NOMEM;
    }
    k = 0;
    for (size_t t = 0; t < total; t++) {
        size_t i = within ? within[t] : t;
        if (i % s->count == s->index)
            idx[k++] = i;
    }
    *out = idx;
    *n_out = k;
    return GCV_OK;
}

int gcv_shard_report_json_stream(FILE *f, const gcv_report_info *info, const gcv_model *m,
                                 const gcv_result *r, const gcv_shard *s)
{
    if (s->count < 1 || s->index >= s->count)
        return -1;
    /* The ordinary report with every checked parameter, then the "shard" member spliced in
     * before the closing brace, so the partial report stays whatever report.c writes. */
    gcv_report_info in = *info;
    in.params_mode = GCV_REPORT_PARAMS_ALL;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return -1;
    int bad = gcv_report_json_stream(mem, &in, m, r) != 0;
    bad |= fclose(mem) != 0;
    if (bad || len < 3 || memcmp(buf + len - 3, "\n}\n", 3) != 0) {
        free(buf);
        return -1;
    }
    fwrite(buf, 1, len - 3, f);
    free(buf);
    fprintf(f, ",\n  \"shard\": {\"index\": %zu, \"count\": %zu, \"params_mode\": \"%s\", "
               "\"kinks_avoided\": [",
            s->index, s->count, gcv_params_mode_name((gcv_params_mode)info->params_mode));
    int first = 1;
    for (size_t i = 0; i < r->n_params; i++)
        if (r->params[i].kink_avoided && r->params[i].status != GCV_PARAM_UNCHECKED) {
            fprintf(f, "%s%zu", first ? "" : ", ", i);
            first = 0;
        }
    fputs("]}\n}\n", f);
    return ferror(f) ? -1 : 0;
}

typedef struct shard_write {
    const gcv_report_info *info;
    const gcv_model *m;
    const gcv_result *r;
    const gcv_shard *s;
} shard_write;

static int shard_cb(FILE *f, void *ctx)
{
    const shard_write *w = ctx;
    return gcv_shard_report_json_stream(f, w->info, w->m, w->r, w->s);
}

gcv_status gcv_shard_report_json(const char *path, const gcv_report_info *info,
                                 const gcv_model *m, const gcv_result *r, const gcv_shard *s,
                                 gcv_error *err)
{
    shard_write w = {info, m, r, s};
    return gcv_write_atomic(path, shard_cb, &w, "report", err);
}

/* ---- reading a shard ---- */

/* Everything of a partial report except its params: what must agree between shards. */
typedef struct header {
    char *name, *config, *version, *type, *description; /* config may be NULL */
    size_t *layers, n_layers;
    int has_layers;
    char **notes;  /* model.notes: what the loader told the user */
    size_t n_notes;
    size_t params_total;
    gcv_precision precision; /* model.precision; float64 when absent (older reports) */
    gcv_options o; /* method, epsilon, epsilon_auto, threshold, rtol, atol, taylor */
    size_t examples;
    double cost, seconds;
    int threads, stopped, sampled;
    size_t params_checked, evaluations;
    gcv_params_mode params_mode;
    gcv_shard shard;
    size_t n_blocks;
    gcv_block *blocks;
    double *taylor; /* per block */
} header;

static void header_free(header *h)
{
    free(h->name);
    free(h->config);
    free(h->version);
    free(h->type);
    free(h->description);
    free(h->layers);
    for (size_t i = 0; i < h->n_notes; i++)
        free(h->notes[i]);
    free(h->notes);
    free(h->blocks);
    free(h->taylor);
    memset(h, 0, sizeof *h);
}

static gcv_status nomem(gcv_error *err, const char *file)
{
    snprintf(err->msg, sizeof err->msg, "%.200s: out of memory merging the shards", file);
    return GCV_ERR_NOMEM;
}

static gcv_status member(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                         const char *key, const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (*out)
        return GCV_OK;
    return gcv_json_fail(c, objpath, "expected a member \"%s\", got none", key);
}

static gcv_status object_at(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                            const char *key, const cJSON **out)
{
    gcv_status st = member(c, objpath, obj, key, out);
    if (st != GCV_OK)
        return st;
    if (cJSON_IsObject(*out))
        return GCV_OK;
    char p[GCV_JPATH_LEN];
    gcv_json_path_key(p, sizeof p, objpath, key);
    return gcv_json_expected(c, p, "an object", *out);
}

/* A copy of the string member key (NULL allowed when nullable and the value is null). */
static gcv_status string_at(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                            const char *key, int nullable, char **out)
{
    const cJSON *it;
    const char *s;
    char p[GCV_JPATH_LEN];
    gcv_status st = member(c, objpath, obj, key, &it);
    if (st != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, objpath, key);
    if (nullable && cJSON_IsNull(it))
        return GCV_OK;
    if ((st = gcv_json_string(c, p, it, &s)) != GCV_OK)
        return st;
    return (*out = gcv_strdup(s)) ? GCV_OK : nomem(c->err, c->file);
}

static gcv_status size_at(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                          const char *key, size_t lo, size_t *out)
{
    const cJSON *it;
    char p[GCV_JPATH_LEN];
    gcv_status st = member(c, objpath, obj, key, &it);
    if (st != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, objpath, key);
    return gcv_json_size(c, p, it, lo, SIZE_MAX, out);
}

/* A number, or null (written for NaN and ±Inf) read as NAN. */
static gcv_status number_value(const gcv_jctx *c, const char *path, const cJSON *it,
                               double *out)
{
    if (cJSON_IsNull(it)) {
        *out = NAN;
        return GCV_OK;
    }
    if (!cJSON_IsNumber(it))
        return gcv_json_expected(c, path, "a number or null", it);
    *out = it->valuedouble;
    return GCV_OK;
}

static gcv_status number_at(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                            const char *key, double *out)
{
    const cJSON *it;
    char p[GCV_JPATH_LEN];
    gcv_status st = member(c, objpath, obj, key, &it);
    if (st != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, objpath, key);
    return number_value(c, p, it, out);
}

static gcv_status bool_at(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                          const char *key, int *out)
{
    const cJSON *it;
    char p[GCV_JPATH_LEN];
    gcv_status st = member(c, objpath, obj, key, &it);
    if (st != GCV_OK)
        return st;
    gcv_json_path_key(p, sizeof p, objpath, key);
    if (!cJSON_IsBool(it))
        return gcv_json_expected(c, p, "true or false", it);
    *out = cJSON_IsTrue(it);
    return GCV_OK;
}

static gcv_status optional_bool(const gcv_jctx *c, const cJSON *obj, const char *key, int *out)
{
    *out = 0;
    return cJSON_GetObjectItemCaseSensitive(obj, key) ? bool_at(c, "", obj, key, out) : GCV_OK;
}

static gcv_status read_model(const gcv_jctx *c, const cJSON *root, header *h)
{
    const cJSON *model, *it;
    gcv_status st;
    if ((st = object_at(c, "", root, "model", &model)) != GCV_OK ||
        (st = string_at(c, "model", model, "type", 0, &h->type)) != GCV_OK ||
        (st = string_at(c, "model", model, "description", 0, &h->description)) != GCV_OK ||
        (st = size_at(c, "model", model, "params_total", 1, &h->params_total)) != GCV_OK)
        return st;
    h->precision = GCV_DOUBLE;
    if ((it = cJSON_GetObjectItemCaseSensitive(model, "precision"))) {
        if (!cJSON_IsString(it) || (strcmp(it->valuestring, "float64") != 0 &&
                                    strcmp(it->valuestring, "float32") != 0))
            return gcv_json_expected(c, "model.precision", "\"float64\" or \"float32\"", it);
        h->precision = strcmp(it->valuestring, "float32") == 0 ? GCV_FLOAT : GCV_DOUBLE;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(model, "notes"))) {
        if (!cJSON_IsArray(it))
            return gcv_json_expected(c, "model.notes", "an array of strings", it);
        size_t n = (size_t)cJSON_GetArraySize(it);
        if (n && !(h->notes = calloc(n, sizeof *h->notes)))
            return nomem(c->err, c->file);
        const cJSON *e;
        cJSON_ArrayForEach(e, it)
        {
            char p[GCV_JPATH_LEN];
            gcv_json_path_index(p, sizeof p, "model.notes", h->n_notes);
            if (!cJSON_IsString(e) || !e->valuestring)
                return gcv_json_expected(c, p, "a string", e);
            if (!(h->notes[h->n_notes] = gcv_strdup(e->valuestring)))
                return nomem(c->err, c->file);
            h->n_notes++;
        }
    }
    if (!(it = cJSON_GetObjectItemCaseSensitive(model, "layers")))
        return GCV_OK;
    if (!cJSON_IsArray(it))
        return gcv_json_expected(c, "model.layers", "an array of layer sizes", it);
    size_t n = (size_t)cJSON_GetArraySize(it);
    h->has_layers = 1;
    h->n_layers = n;
    if (!(h->layers = calloc(n ? n : 1, sizeof *h->layers)))
        return nomem(c->err, c->file);
    const cJSON *e;
    size_t i = 0;
    cJSON_ArrayForEach(e, it)
    {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, "model.layers", i);
        if ((st = gcv_json_size(c, p, e, 0, SIZE_MAX, &h->layers[i++])) != GCV_OK)
            return st;
    }
    return GCV_OK;
}

static gcv_status read_check(const gcv_jctx *c, const cJSON *root, header *h)
{
    const cJSON *check, *it;
    gcv_status st;
    size_t threads;
    gcv_options_default(&h->o);
    if ((st = object_at(c, "", root, "check", &check)) != GCV_OK ||
        (st = member(c, "check", check, "method", &it)) != GCV_OK)
        return st;
    if (!cJSON_IsString(it) || gcv_method_parse(it->valuestring, &h->o.method) != 0)
        return gcv_json_expected(c, "check.method", "a method name", it);
    /* Directional verdicts are per block, from directions no shard has all of: nothing a
     * reduction over parameters could rebuild. */
    if (h->o.method == GCV_METHOD_DIRECTIONAL)
        return gcv_json_expected(c, "check.method", "a per-parameter method (directional "
                                 "checks are not sharded)", it);
    if ((st = number_at(c, "check", check, "epsilon", &h->o.epsilon)) != GCV_OK ||
        (st = number_at(c, "check", check, "threshold", &h->o.threshold)) != GCV_OK ||
        (st = number_at(c, "check", check, "rtol", &h->o.rtol)) != GCV_OK ||
        (st = number_at(c, "check", check, "atol", &h->o.atol)) != GCV_OK ||
        (st = bool_at(c, "check", check, "epsilon_auto", &h->o.epsilon_auto)) != GCV_OK ||
        (st = bool_at(c, "check", check, "taylor", &h->o.taylor)) != GCV_OK ||
        (st = size_at(c, "check", check, "threads", 0, &threads)) != GCV_OK ||
        (st = size_at(c, "check", check, "examples", 0, &h->examples)) != GCV_OK)
        return st;
    if (threads > INT_MAX)
        return gcv_json_fail(c, "check.threads", "expected at most %d threads, got %zu",
                             INT_MAX, threads);
    h->threads = (int)threads;
    return GCV_OK;
}

static gcv_status read_blocks(const gcv_jctx *c, const cJSON *root, header *h)
{
    const cJSON *blocks, *b;
    gcv_status st = member(c, "", root, "blocks", &blocks);
    if (st != GCV_OK)
        return st;
    if (!cJSON_IsArray(blocks) || cJSON_GetArraySize(blocks) < 1)
        return gcv_json_expected(c, "blocks", "a non-empty array of blocks", blocks);
    size_t n = (size_t)cJSON_GetArraySize(blocks), i = 0, offset = 0;
    h->blocks = calloc(n, sizeof *h->blocks);
    h->taylor = calloc(n, sizeof *h->taylor);
    if (!h->blocks || !h->taylor)
        return nomem(c->err, c->file);
    cJSON_ArrayForEach(b, blocks)
    {
        char p[GCV_JPATH_LEN], q[GCV_JPATH_LEN];
        const cJSON *it, *shape;
        const char *name;
        size_t layer;
        gcv_block *bl = &h->blocks[i];
        gcv_json_path_index(p, sizeof p, "blocks", i);
        if (!cJSON_IsObject(b))
            return gcv_json_expected(c, p, "a block object", b);
        if ((st = member(c, p, b, "name", &it)) != GCV_OK)
            return st;
        gcv_json_path_key(q, sizeof q, p, "name");
        if ((st = gcv_json_string(c, q, it, &name)) != GCV_OK)
            return st;
        if (strlen(name) >= GCV_NAME_LEN)
            return gcv_json_expected(c, q, "a block name of at most 31 bytes", it);
        memcpy(bl->name, name, strlen(name) + 1);
        if ((st = size_at(c, p, b, "layer", 1, &layer)) != GCV_OK)
            return st;
        if (layer > INT_MAX)
            return gcv_json_fail(c, p, "expected a layer number up to %d, got %zu", INT_MAX,
                                 layer);
        bl->layer = (int)layer;
        if ((st = member(c, p, b, "shape", &shape)) != GCV_OK)
            return st;
        gcv_json_path_key(q, sizeof q, p, "shape");
        if (!cJSON_IsArray(shape) || cJSON_GetArraySize(shape) != 2)
            return gcv_json_expected(c, q, "[rows, columns]", shape);
        char r[GCV_JPATH_LEN];
        gcv_json_path_index(r, sizeof r, q, 0);
        if ((st = gcv_json_size(c, r, cJSON_GetArrayItem(shape, 0), 1, SIZE_MAX, &bl->rows)) !=
            GCV_OK)
            return st;
        gcv_json_path_index(r, sizeof r, q, 1);
        if ((st = gcv_json_size(c, r, cJSON_GetArrayItem(shape, 1), 1, SIZE_MAX, &bl->cols)) !=
            GCV_OK)
            return st;
        if ((st = number_at(c, p, b, "taylor_order", &h->taylor[i])) != GCV_OK)
            return st;
        /* Blocks cover θ in order without gaps: offsets are the running sum. */
        if (bl->rows > (h->params_total - offset) / bl->cols)
            return gcv_json_fail(c, q, "expected blocks adding up to model.params_total = "
                                 "%zu, got more", h->params_total);
        bl->offset = offset;
        offset += bl->rows * bl->cols;
        h->n_blocks = ++i;
    }
    if (offset != h->params_total)
        return gcv_json_fail(c, "blocks", "expected blocks adding up to model.params_total = "
                             "%zu, got %zu", h->params_total, offset);
    return GCV_OK;
}

static gcv_status read_shard(const gcv_jctx *c, const cJSON *root, header *h)
{
    const cJSON *shard, *it;
    gcv_status st;
    shard = cJSON_GetObjectItemCaseSensitive(root, "shard");
    if (!shard)
        return gcv_json_fail(c, "", "expected a partial report written with --shard K/N (a "
                                    "member \"shard\"), got a report without one");
    if (!cJSON_IsObject(shard))
        return gcv_json_expected(c, "shard", "an object", shard);
    if ((st = size_at(c, "shard", shard, "count", 1, &h->shard.count)) != GCV_OK ||
        (st = size_at(c, "shard", shard, "index", 0, &h->shard.index)) != GCV_OK)
        return st;
    if (h->shard.index >= h->shard.count)
        return gcv_json_fail(c, "shard.index", "expected an index below shard.count = %zu, "
                             "got %zu", h->shard.count, h->shard.index);
    if (h->shard.count > h->params_total)
        return gcv_json_fail(c, "shard.count", "expected at most model.params_total = %zu "
                             "shards, got %zu", h->params_total, h->shard.count);
    static const char *const modes[] = {"none", "mismatches", "all"};
    size_t mode;
    if ((st = member(c, "shard", shard, "params_mode", &it)) != GCV_OK ||
        (st = gcv_json_choice(c, "shard.params_mode", it, modes, 3, &mode)) != GCV_OK)
        return st;
    h->params_mode = (gcv_params_mode)mode;
    if ((st = member(c, "shard", shard, "kinks_avoided", &it)) != GCV_OK)
        return st;
    if (!cJSON_IsArray(it))
        return gcv_json_expected(c, "shard.kinks_avoided", "an array of parameter indices", it);
    return GCV_OK;
}

static gcv_status read_header(const gcv_jctx *c, const cJSON *root, header *h)
{
    const cJSON *it;
    gcv_status st;
    if (!cJSON_IsObject(root))
        return gcv_json_expected(c, "", "a gcverify JSON report (an object)", root);
    if ((st = member(c, "", root, "schema", &it)) != GCV_OK)
        return st;
    if (!cJSON_IsString(it) || strcmp(it->valuestring, "gcverify.report/1") != 0)
        return gcv_json_expected(c, "schema", "\"gcverify.report/1\"", it);
    if ((st = string_at(c, "", root, "name", 0, &h->name)) != GCV_OK ||
        (st = string_at(c, "", root, "config", 1, &h->config)) != GCV_OK ||
        (st = string_at(c, "", root, "version", 0, &h->version)) != GCV_OK)
        return st;
    if (strcmp(h->version, GCV_VERSION) != 0)
        return gcv_json_fail(c, "version", "expected a report of gcverify " GCV_VERSION " (the "
                             "merge reproduces this version's reductions), got \"%.40s\"",
                             h->version);
    if ((st = read_model(c, root, h)) != GCV_OK || (st = read_check(c, root, h)) != GCV_OK ||
        (st = number_at(c, "", root, "cost", &h->cost)) != GCV_OK ||
        (st = size_at(c, "", root, "params_checked", 0, &h->params_checked)) != GCV_OK ||
        (st = size_at(c, "", root, "evaluations", 0, &h->evaluations)) != GCV_OK ||
        (st = number_at(c, "", root, "seconds", &h->seconds)) != GCV_OK ||
        (st = optional_bool(c, root, "stopped", &h->stopped)) != GCV_OK ||
        (st = optional_bool(c, root, "sampled", &h->sampled)) != GCV_OK ||
        (st = read_blocks(c, root, h)) != GCV_OK || (st = read_shard(c, root, h)) != GCV_OK)
        return st;
    return GCV_OK;
}

/* ---- agreement between shards ---- */

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || (a == b && signbit(a) == signbit(b));
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* "part2.json: check.epsilon: expected 1e-06 as in part1.json, got 1e-07: shards of
 * different checks cannot be merged". */
static gcv_status differs(const gcv_jctx *c, const char *path, const char *want, const char *got,
                          const char *file0)
{
    return gcv_json_fail(c, path, "expected %s as in %s, got %s: shards of different checks "
                         "cannot be merged", want, file0, got);
}

static gcv_status diff_str(const gcv_jctx *c, const char *path, const char *a, const char *b,
                           const char *file0)
{
    char want[64], got[64];
    snprintf(want, sizeof want, a ? "\"%.40s\"" : "null", a);
    snprintf(got, sizeof got, b ? "\"%.40s\"" : "null", b);
    return differs(c, path, want, got, file0);
}

static gcv_status diff_num(const gcv_jctx *c, const char *path, double a, double b,
                           const char *file0)
{
    char want[40], got[40];
    gcv_json_format_number(a, want, sizeof want);
    gcv_json_format_number(b, got, sizeof got);
    return differs(c, path, want, got, file0);
}

static gcv_status diff_size(const gcv_jctx *c, const char *path, size_t a, size_t b,
                            const char *file0)
{
    char want[32], got[32];
    snprintf(want, sizeof want, "%zu", a);
    snprintf(got, sizeof got, "%zu", b);
    return differs(c, path, want, got, file0);
}

static gcv_status agree(const gcv_jctx *c, const header *a, const header *b, const char *file0)
{
#define STR(path, field)                                                                   \
    if (!same_str(a->field, b->field))                                                     \
    return diff_str(c, path, a->field, b->field, file0)
#define NUM(path, field)                                                                   \
    if (!same_double(a->field, b->field))                                                  \
    return diff_num(c, path, a->field, b->field, file0)
#define SIZE(path, field)                                                                  \
    if (a->field != b->field)                                                              \
    return diff_size(c, path, (size_t)a->field, (size_t)b->field, file0)
    STR("name", name);
    STR("config", config);
    STR("model.type", type);
    STR("model.description", description);
    SIZE("model.params_total", params_total);
    if (a->precision != b->precision)
        return diff_str(c, "model.precision", gcv_precision_name(a->precision),
                        gcv_precision_name(b->precision), file0);
    if (a->has_layers != b->has_layers || a->n_layers != b->n_layers ||
        (a->n_layers && memcmp(a->layers, b->layers, a->n_layers * sizeof *a->layers) != 0))
        return differs(c, "model.layers", "the same layer sizes", "others", file0);
    int same_notes = a->n_notes == b->n_notes;
    for (size_t i = 0; same_notes && i < a->n_notes; i++)
        same_notes = strcmp(a->notes[i], b->notes[i]) == 0;
    if (!same_notes)
        return differs(c, "model.notes", "the same notes", "others", file0);
    if (a->o.method != b->o.method)
        return diff_str(c, "check.method", gcv_method_name(a->o.method),
                        gcv_method_name(b->o.method), file0);
    NUM("check.epsilon", o.epsilon);
    NUM("check.threshold", o.threshold);
    NUM("check.rtol", o.rtol);
    NUM("check.atol", o.atol);
    SIZE("check.epsilon_auto", o.epsilon_auto);
    SIZE("check.taylor", o.taylor);
    SIZE("check.examples", examples);
    NUM("cost", cost);
    SIZE("shard.count", shard.count);
    if (a->params_mode != b->params_mode)
        return diff_str(c, "shard.params_mode", gcv_params_mode_name(a->params_mode),
                        gcv_params_mode_name(b->params_mode), file0);
    SIZE("blocks", n_blocks);
    for (size_t i = 0; i < a->n_blocks; i++) {
        const gcv_block *x = &a->blocks[i], *y = &b->blocks[i];
        char p[GCV_JPATH_LEN], q[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, "blocks", i);
        if (strcmp(x->name, y->name) != 0) {
            gcv_json_path_key(q, sizeof q, p, "name");
            return diff_str(c, q, x->name, y->name, file0);
        }
        if (x->layer != y->layer || x->rows != y->rows || x->cols != y->cols)
            return differs(c, p, "the same layer and shape", "others", file0);
        /* Every shard runs the same Taylor test on whole blocks: the orders must agree. */
        if (!same_double(a->taylor[i], b->taylor[i])) {
            gcv_json_path_key(q, sizeof q, p, "taylor_order");
            return diff_num(c, q, a->taylor[i], b->taylor[i], file0);
        }
    }
#undef STR
#undef NUM
#undef SIZE
    return GCV_OK;
}

/* ---- the params of one shard ---- */

typedef struct merge_state {
    header ref;           /* the first shard's header */
    const char *ref_file;
    size_t *owner;        /* per parameter: the file that listed it, or SIZE_MAX */
    size_t *shard_file;   /* per shard index: the file that is that shard, or SIZE_MAX */
    gcv_param_result *params;
    size_t listed;        /* parameters listed by all shards */
    size_t extra_evals;   /* the Taylor test's evaluations, counted once */
    double seconds;
    int threads;
    int stopped;          /* a shard stopped early: the merge is as partial as it */
    int sampled;          /* a shard checked a sample: so does the merge */
} merge_state;

/* Reads the parameter at path p into s->params; its index into *index. */
static gcv_status read_param(const gcv_jctx *c, const char *p, const cJSON *e, merge_state *s,
                             const header *h, size_t file, size_t *index)
{
    static const char *const keys_num[] = {"theta", "analytic", "numeric", "abs_error",
                                           "rel_error", "floor", "step"};
    const cJSON *it;
    size_t i, st_idx;
    uint64_t evals;
    char q[GCV_JPATH_LEN];
    gcv_status st;
    if (!cJSON_IsObject(e))
        return gcv_json_expected(c, p, "a parameter object", e);
    if ((st = member(c, p, e, "index", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(q, sizeof q, p, "index");
    if ((st = gcv_json_size(c, q, it, 0, h->params_total - 1, &i)) != GCV_OK)
        return st;
    if (i % h->shard.count != h->shard.index)
        return gcv_json_fail(c, q, "expected an index of shard %zu/%zu (index %% %zu == %zu), "
                             "got %zu", h->shard.index, h->shard.count, h->shard.count,
                             h->shard.index, i);
    if (s->owner[i] != SIZE_MAX)
        return gcv_json_fail(c, q, "expected each parameter once, got index %zu again", i);
    const gcv_block *bl = &h->blocks[gcv_block_find(h->blocks, h->n_blocks, i)];
    size_t off = i - bl->offset;
    if ((st = member(c, p, e, "block", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(q, sizeof q, p, "block");
    if (!cJSON_IsString(it) || strcmp(it->valuestring, bl->name) != 0) {
        char want[GCV_NAME_LEN + 4];
        snprintf(want, sizeof want, "\"%s\"", bl->name);
        return gcv_json_expected(c, q, want, it);
    }
    if ((st = member(c, p, e, "coords", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(q, sizeof q, p, "coords");
    size_t rc[2] = {SIZE_MAX, SIZE_MAX};
    for (int k = 0; k < 2 && cJSON_IsArray(it) && cJSON_GetArraySize(it) == 2; k++) {
        const cJSON *x = cJSON_GetArrayItem(it, k);
        if (cJSON_IsNumber(x) && x->valuedouble >= 0.0 && x->valuedouble < 0x1p53 &&
            x->valuedouble == floor(x->valuedouble))
            rc[k] = (size_t)x->valuedouble;
    }
    if (rc[0] != off / bl->cols || rc[1] != off % bl->cols) {
        char want[64];
        snprintf(want, sizeof want, "[%zu, %zu] for index %zu", off / bl->cols,
                 off % bl->cols, i);
        return gcv_json_expected(c, q, want, it);
    }
    gcv_param_result *r = &s->params[i];
    double *dst[] = {&r->theta, &r->analytic, &r->numeric, &r->abs_error,
                     &r->rel_error, &r->floor, &r->step};
    for (size_t k = 0; k < sizeof keys_num / sizeof *keys_num; k++)
        if ((st = number_at(c, p, e, keys_num[k], dst[k])) != GCV_OK)
            return st;
    if ((st = member(c, p, e, "evaluations", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(q, sizeof q, p, "evaluations");
    if ((st = gcv_json_u64(c, q, it, 0, UINT_MAX, &evals)) != GCV_OK)
        return st;
    r->evaluations = (unsigned)evals;
    /* The statuses a report can hold, named as the writer names them ("unchecked", the
     * last, is never listed). */
    const char *statuses[GCV_PARAM_UNCHECKED];
    for (int k = 0; k < GCV_PARAM_UNCHECKED; k++)
        statuses[k] = gcv_param_status_name((gcv_param_status)k);
    if ((st = member(c, p, e, "status", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(q, sizeof q, p, "status");
    if ((st = gcv_json_choice(c, q, it, statuses, GCV_PARAM_UNCHECKED, &st_idx)) != GCV_OK)
        return st;
    r->status = (unsigned char)st_idx;
    r->kink_avoided = 0;
    s->owner[i] = file;
    *index = i;
    return GCV_OK;
}

static gcv_status read_params(const gcv_jctx *c, const cJSON *root, merge_state *s,
                              const header *h, size_t file)
{
    const cJSON *params, *e;
    gcv_status st = member(c, "", root, "params", &params);
    if (st != GCV_OK)
        return st;
    if (!cJSON_IsArray(params))
        return gcv_json_expected(c, "params", "an array of parameters", params);
    size_t n = 0, evals = 0;
    char p[GCV_JPATH_LEN];
    cJSON_ArrayForEach(e, params)
    {
        gcv_json_path_index(p, sizeof p, "params", n);
        size_t i = 0;
        if ((st = read_param(c, p, e, s, h, file, &i)) != GCV_OK)
            return st;
        evals += s->params[i].evaluations;
        n++;
    }
    /* A partial report lists every parameter it checked: a shorter list was not written
     * by --shard (or was cut). */
    if (n != h->params_checked)
        return gcv_json_fail(c, "params", "expected params_checked = %zu parameters, got %zu "
                             "(a partial report lists every checked parameter)",
                             h->params_checked, n);
    if (evals > h->evaluations)
        return gcv_json_fail(c, "evaluations", "expected at least the %zu evaluations of the "
                             "parameters listed, got %zu", evals, h->evaluations);
    size_t extra = h->evaluations - evals;
    if (file > 0 && extra != s->extra_evals)
        return gcv_json_fail(c, "evaluations", "expected %zu evaluations besides the "
                             "parameters' (the Taylor test's) as in %s, got %zu",
                             s->extra_evals, s->ref_file, extra);
    s->extra_evals = extra;
    s->listed += n;

    const cJSON *ka = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "shard"), "kinks_avoided");
    size_t k = 0;
    cJSON_ArrayForEach(e, ka)
    {
        size_t i;
        gcv_json_path_index(p, sizeof p, "shard.kinks_avoided", k++);
        if ((st = gcv_json_size(c, p, e, 0, h->params_total - 1, &i)) != GCV_OK)
            return st;
        if (s->owner[i] != file)
            return gcv_json_fail(c, p, "expected the index of a parameter listed in params, "
                                 "got %zu", i);
        s->params[i].kink_avoided = 1;
    }
    return GCV_OK;
}

/* ---- the merge ---- */

struct gcv_merged_store {
    header h;
};

static void merged_model_destroy(gcv_model *m)
{
    free(m->blocks);
    free(m);
}

void gcv_merged_free(gcv_merged *mg)
{
    if (!mg)
        return;
    gcv_model_free(mg->model);
    gcv_result_free(mg->result);
    if (mg->store) {
        header_free(&mg->store->h);
        free(mg->store);
    }
    free(mg);
}

/* Reads file k into s: header (checked against the first), coverage, params. */
static gcv_status merge_file(const char *const *paths, size_t k, merge_state *s,
                             gcv_error *err)
{
    cJSON *root = NULL;
    header h;
    memset(&h, 0, sizeof h);
    gcv_jctx c = {paths[k], err};
    gcv_status st = gcv_report_load(paths[k], &root, err);
    if (st != GCV_OK)
        return st;
    header *hp = k == 0 ? &s->ref : &h;
    if ((st = read_header(&c, root, hp)) != GCV_OK)
        goto out;
    if (k == 0) {
        size_t P = hp->params_total, N = hp->shard.count;
        s->ref_file = paths[0];
        s->owner = malloc(P * sizeof *s->owner);
        s->shard_file = malloc(N * sizeof *s->shard_file);
        s->params = calloc(P, sizeof *s->params);
        if (!s->owner || !s->shard_file || !s->params) {
            st = nomem(err, paths[0]);
            goto out;
        }
        for (size_t i = 0; i < P; i++) {
            s->owner[i] = SIZE_MAX;
            s->params[i].status = GCV_PARAM_UNCHECKED;
        }
        for (size_t i = 0; i < N; i++)
            s->shard_file[i] = SIZE_MAX;
    } else if ((st = agree(&c, &s->ref, hp, s->ref_file)) != GCV_OK) {
        goto out;
    }
    size_t K = hp->shard.index;
    if (s->shard_file[K] != SIZE_MAX) {
        snprintf(err->msg, sizeof err->msg, "%.200s and %.200s are both shard %zu/%zu: each "
                 "shard must be given once", paths[s->shard_file[K]], paths[k], K,
                 hp->shard.count);
        st = GCV_ERR_INVALID;
        goto out;
    }
    s->shard_file[K] = k;
    if ((st = read_params(&c, root, s, hp, k)) != GCV_OK)
        goto out;
    s->seconds += isfinite(hp->seconds) ? hp->seconds : 0.0;
    if (hp->threads > s->threads)
        s->threads = hp->threads;
    s->stopped |= hp->stopped;
    s->sampled |= hp->sampled;
out:
    header_free(&h);
    cJSON_Delete(root);
    return st;
}

static gcv_status missing_shards(const merge_state *s, gcv_error *err)
{
    size_t N = s->ref.shard.count, k = 0, missing = 0;
    char list[GCV_ERROR_LEN / 2];
    list[0] = '\0';
    for (size_t i = 0; i < N; i++)
        if (s->shard_file[i] == SIZE_MAX) {
            if (missing++ < 8 && k + 24 < sizeof list)
                k += (size_t)snprintf(list + k, sizeof list - k, "%s%zu/%zu", k ? ", " : "", i,
                                      N);
        }
    if (missing > 8 && k + 8 < sizeof list)
        snprintf(list + k, sizeof list - k, ", …");
    snprintf(err->msg, sizeof err->msg, "%zu of %zu shards %s missing: %s (every shard K/N "
             "with 0 ≤ K < %zu must be given once)", missing, N, missing == 1 ? "is" : "are",
             list, N);
    return GCV_ERR_INVALID;
}

/* Builds the model, the result and the info from a complete state; takes its params. */
static gcv_status build(merge_state *s, gcv_merged *mg, gcv_error *err)
{
    header *h = &s->ref;
    gcv_model *m = calloc(1, sizeof *m);
    gcv_result *r = calloc(1, sizeof *r);
    mg->model = m;
    mg->result = r;
    if (!m || !r || !(m->blocks = malloc(h->n_blocks * sizeof *m->blocks)) ||
        !(r->blocks = calloc(h->n_blocks, sizeof *r->blocks)))
        return nomem(err, s->ref_file);
    memcpy(m->blocks, h->blocks, h->n_blocks * sizeof *m->blocks);
    m->n_blocks = h->n_blocks;
    m->n_params = h->params_total;
    m->destroy = merged_model_destroy;
    snprintf(m->type, sizeof m->type, "%s", h->type);
    m->precision = h->precision;

    /* What gcv_check sets before its reduction. */
    r->params = s->params;
    s->params = NULL;
    r->n_params = h->params_total;
    r->n_blocks = h->n_blocks;
    r->options = h->o;
    r->options.threads = s->threads;
    r->options.subset = NULL; /* the union of the shards' subsets: every listed index */
    r->options.n_subset = 0;
    r->cost = h->cost;
    r->params_checked = s->listed;
    r->threads = s->threads;
    r->stopped = s->stopped; /* before the reduction: a stopped check cannot pass */
    r->sampled = s->sampled;
    if (gcv_reduce(m, r) != GCV_OK)
        return nomem(err, s->ref_file);
    /* What gcv_check does after it: the Taylor test (same in every shard) and the time. */
    if (h->o.taylor)
        for (size_t b = 0; b < h->n_blocks; b++)
            r->blocks[b].taylor_order = h->taylor[b];
    r->evaluations += s->extra_evals;
    r->seconds = s->seconds;

    gcv_report_info *in = &mg->info;
    memset(in, 0, sizeof *in);
    in->name = h->name;
    in->config = h->config;
    in->model_type = h->type;
    in->layers = h->has_layers ? h->layers : NULL;
    in->n_layers = h->n_layers;
    in->description = h->description;
    in->notes = h->notes;
    in->n_notes = h->n_notes;
    in->examples = h->examples;
    in->top = 10;
    in->params_mode = (int)h->params_mode;
    in->color = 0;
    return GCV_OK;
}

gcv_status gcv_merge_load(const char *const *paths, size_t n, gcv_merged **out, gcv_error *err)
{
    *out = NULL;
    if (n == 0) {
        snprintf(err->msg, sizeof err->msg, "merge: expected at least one partial report");
        return GCV_ERR_INVALID;
    }
    merge_state s;
    memset(&s, 0, sizeof s);
    gcv_merged *mg = calloc(1, sizeof *mg);
    gcv_status st = GCV_OK;
    if (!mg || !(mg->store = calloc(1, sizeof *mg->store))) {
        st = nomem(err, paths[0]);
        goto out;
    }
    for (size_t k = 0; k < n && st == GCV_OK; k++) {
        /* More files than shards: one of them repeats a shard, which merge_file reports
         * with both names once it knows the shard index. */
        st = merge_file(paths, k, &s, err);
    }
    if (st == GCV_OK && n < s.ref.shard.count)
        st = missing_shards(&s, err);
    if (st == GCV_OK)
        st = build(&s, mg, err);
out:
    free(s.owner);
    free(s.shard_file);
    free(s.params);
    if (mg && mg->store)
        mg->store->h = s.ref; /* the info points into it */
    else
        header_free(&s.ref);
    if (st != GCV_OK) {
        gcv_merged_free(mg);
        return st;
    }
    *out = mg;
    return GCV_OK;
}

gcv_status gcv_merge_reports(const char *const *paths, size_t n, const char *out_path,
                             gcv_error *err)
{
    gcv_merged *mg = NULL;
    gcv_status st = gcv_merge_load(paths, n, &mg, err);
    if (st != GCV_OK)
        return st;
    st = gcv_report_json(out_path, &mg->info, mg->model, mg->result, err);
    gcv_merged_free(mg);
    return st;
}

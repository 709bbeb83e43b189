/* Reading one shard's partial report: the header every shard must agree on (who, the
 * model, the check's settings, the blocks and their Taylor orders, K/N) and the parameters
 * it lists, through the report reader of schema.c. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/blocks.h"
#include "report/merge-priv.h"
#include "report/merge-views.h"
#include "util/strutil.h"

gcv_status gcv_merge_nomem(gcv_error *err, const char *file)
{
    snprintf(err->msg, sizeof err->msg, "%.200s: out of memory merging the shards", file);
    return GCV_ERR_NOMEM;
}

void gcv_shard_header_free(gcv_shard_header *h)
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

/* Text a shard carries into the merged report and onto the terminal: no control
 * characters (C0, DEL, or C1 as UTF-8), since an edited shard could otherwise put terminal
 * escapes into the merge's output. gcverify writes none there. */
static gcv_status plain_text(const gcv_jctx *c, const char *path, const char *s)
{
    for (size_t i = 0; s[i]; i++) {
        unsigned char ch = (unsigned char)s[i], next = (unsigned char)s[i + 1];
        int c1 = ch == 0xC2 && next >= 0x80 && next <= 0x9F;
        if (ch < 0x20 || ch == 0x7F || c1)
            return gcv_json_fail(c, path, "expected text without control characters, got "
                                 "the byte%s 0x%02X%s at byte %zu", c1 ? "s" : "", ch,
                                 c1 ? (next == 0x9B ? " 0x9B" : " 0x8…") : "", i);
    }
    return GCV_OK;
}

/* A copy of the string member key (NULL allowed when nullable and the value is null). */
static gcv_status string_at(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                            const char *key, int nullable, char **out)
{
    const char *s;
    gcv_status st = gcv_schema_string(c, objpath, obj, key, nullable, &s);
    if (st != GCV_OK || !s)
        return st;
    char p[GCV_JPATH_LEN];
    gcv_json_path_key(p, sizeof p, objpath, key);
    if ((st = plain_text(c, p, s)) != GCV_OK)
        return st;
    return (*out = gcv_strdup(s)) ? GCV_OK : gcv_merge_nomem(c->err, c->file);
}

static gcv_status optional_bool(const gcv_jctx *c, const cJSON *obj, const char *key, int *out)
{
    *out = 0;
    if (!cJSON_GetObjectItemCaseSensitive(obj, key))
        return GCV_OK;
    return gcv_schema_bool(c, "", obj, key, out);
}

/* "expect" (absent from reports older than the member: "pass"). */
static gcv_status read_expect(const gcv_jctx *c, const cJSON *root, int *fail)
{
    static const char *const names[] = {"pass", "fail"};
    size_t k = 0;
    gcv_status st = gcv_json_get_choice(c, "", root, "expect", names, 2, &k);
    *fail = k == 1;
    return st;
}

static gcv_status read_model(const gcv_jctx *c, const cJSON *root, gcv_shard_header *h)
{
    const cJSON *model, *it;
    gcv_status st;
    if ((st = gcv_schema_object(c, "", root, "model", &model)) != GCV_OK ||
        (st = string_at(c, "model", model, "type", 0, &h->type)) != GCV_OK ||
        (st = string_at(c, "model", model, "description", 0, &h->description)) != GCV_OK ||
        (st = gcv_schema_size(c, "model", model, "params_total", 1, &h->params_total)) != GCV_OK)
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
            return gcv_merge_nomem(c->err, c->file);
        const cJSON *e;
        cJSON_ArrayForEach(e, it)
        {
            char p[GCV_JPATH_LEN];
            gcv_json_path_index(p, sizeof p, "model.notes", h->n_notes);
            if (!cJSON_IsString(e) || !e->valuestring)
                return gcv_json_expected(c, p, "a string", e);
            if ((st = plain_text(c, p, e->valuestring)) != GCV_OK)
                return st;
            if (!(h->notes[h->n_notes] = gcv_strdup(e->valuestring)))
                return gcv_merge_nomem(c->err, c->file);
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
        return gcv_merge_nomem(c->err, c->file);
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

static gcv_status read_check(const gcv_jctx *c, const cJSON *root, gcv_shard_header *h)
{
    const cJSON *check, *it;
    gcv_status st;
    size_t threads;
    gcv_options_default(&h->o);
    if ((st = gcv_schema_object(c, "", root, "check", &check)) != GCV_OK ||
        (st = gcv_schema_member(c, "check", check, "method", &it)) != GCV_OK)
        return st;
    if (!cJSON_IsString(it) || gcv_method_parse(it->valuestring, &h->o.method) != 0)
        return gcv_json_expected(c, "check.method", "a method name", it);
    /* Directional verdicts are per block, from directions no shard has all of: nothing a
     * reduction over parameters could rebuild. */
    if (h->o.method == GCV_METHOD_DIRECTIONAL)
        return gcv_json_expected(c, "check.method", "a per-parameter method (directional "
                                 "checks are not sharded)", it);
    if ((st = gcv_schema_number(c, "check", check, "epsilon", &h->o.epsilon)) != GCV_OK ||
        (st = gcv_schema_number(c, "check", check, "threshold", &h->o.threshold)) != GCV_OK ||
        (st = gcv_schema_number(c, "check", check, "rtol", &h->o.rtol)) != GCV_OK ||
        (st = gcv_schema_number(c, "check", check, "atol", &h->o.atol)) != GCV_OK ||
        (st = gcv_schema_bool(c, "check", check, "epsilon_auto", &h->o.epsilon_auto)) != GCV_OK ||
        (st = gcv_schema_bool(c, "check", check, "taylor", &h->o.taylor)) != GCV_OK ||
        (st = gcv_schema_size(c, "check", check, "threads", 0, &threads)) != GCV_OK ||
        (st = gcv_schema_size(c, "check", check, "examples", 0, &h->examples)) != GCV_OK)
        return st;
    if (threads > INT_MAX)
        return gcv_json_fail(c, "check.threads", "expected at most %d threads, got %zu",
                             INT_MAX, threads);
    h->threads = (int)threads;
    return GCV_OK;
}

static gcv_status read_blocks(const gcv_jctx *c, const cJSON *root, gcv_shard_header *h)
{
    const cJSON *blocks, *b;
    gcv_status st = gcv_schema_member(c, "", root, "blocks", &blocks);
    if (st != GCV_OK)
        return st;
    if (!cJSON_IsArray(blocks) || cJSON_GetArraySize(blocks) < 1)
        return gcv_json_expected(c, "blocks", "a non-empty array of blocks", blocks);
    size_t n = (size_t)cJSON_GetArraySize(blocks), i = 0, offset = 0, sum = 0;
    h->blocks = calloc(n, sizeof *h->blocks);
    h->taylor = calloc(n, sizeof *h->taylor);
    if (!h->blocks || !h->taylor)
        return gcv_merge_nomem(c->err, c->file);
    cJSON_ArrayForEach(b, blocks)
    {
        char p[GCV_JPATH_LEN], q[GCV_JPATH_LEN];
        const cJSON *it, *shape;
        const char *name;
        gcv_block *bl = &h->blocks[i];
        gcv_json_path_index(p, sizeof p, "blocks", i);
        if (!cJSON_IsObject(b))
            return gcv_json_expected(c, p, "a block object", b);
        if ((st = gcv_schema_member(c, p, b, "name", &it)) != GCV_OK)
            return st;
        gcv_json_path_key(q, sizeof q, p, "name");
        if ((st = gcv_json_string(c, q, it, &name)) != GCV_OK)
            return st;
        if (strlen(name) >= GCV_NAME_LEN)
            return gcv_json_expected(c, q, "a block name of at most 31 bytes", it);
        if ((st = plain_text(c, q, name)) != GCV_OK)
            return st;
        memcpy(bl->name, name, strlen(name) + 1);
        if ((st = gcv_merge_read_layer(c, p, b, &bl->layer)) != GCV_OK)
            return st;
        if ((st = gcv_schema_member(c, p, b, "shape", &shape)) != GCV_OK)
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
        if ((st = gcv_schema_number(c, p, b, "taylor_order", &h->taylor[i])) != GCV_OK ||
            (st = gcv_merge_read_view(c, p, b, bl)) != GCV_OK)
            return st;
        /* Blocks cover θ: contiguous ones in order without gaps (their offsets are the
         * running sum), views where their "view" says. */
        if (bl->rows > (h->params_total - sum) / bl->cols)
            return gcv_json_fail(c, q, "expected blocks adding up to model.params_total = "
                                 "%zu, got more", h->params_total);
        if (bl->ndim == 0) {
            bl->offset = offset;
            offset += bl->rows * bl->cols;
        }
        sum += bl->rows * bl->cols;
        h->n_blocks = ++i;
    }
    if (sum != h->params_total)
        return gcv_json_fail(c, "blocks", "expected blocks adding up to model.params_total = "
                             "%zu, got %zu", h->params_total, sum);
    if (gcv_blocks_have_views(h->blocks, h->n_blocks))
        return gcv_merge_check_partition(c, h->blocks, h->n_blocks, h->params_total);
    return GCV_OK;
}

/* Which shard: "number" K (1-based, as --shard K/N) into h->shard.index = K − 1. A report
 * written before shards were numbered from 1 has only "index", the same remainder K − 1 (its
 * meaning never changed), and is taken by it; one with both must have them agree. */
static gcv_status read_shard_number(const gcv_jctx *c, const cJSON *shard, gcv_shard_header *h)
{
    gcv_status st;
    size_t number = 0, index = 0, N = h->shard.count;
    int has_number = cJSON_GetObjectItemCaseSensitive(shard, "number") != NULL;
    int has_index = cJSON_GetObjectItemCaseSensitive(shard, "index") != NULL;
    if (has_number && (st = gcv_schema_size(c, "shard", shard, "number", 1, &number)) != GCV_OK)
        return st;
    if ((has_index || !has_number) &&
        (st = gcv_schema_size(c, "shard", shard, "index", 0, &index)) != GCV_OK)
        return st; /* neither: "shard.index" missing, the older name */
    if (has_number && number > N)
        return gcv_json_fail(c, "shard.number", "expected a shard number from 1 to shard.count "
                             "= %zu, got %zu", N, number);
    if (!has_number && index >= N)
        return gcv_json_fail(c, "shard.index", "expected an index below shard.count = %zu, "
                             "got %zu", N, index);
    if (has_number && has_index && index != number - 1)
        return gcv_json_fail(c, "shard.index", "expected shard.number − 1 = %zu, got %zu",
                             number - 1, index);
    h->shard.index = has_number ? number - 1 : index;
    return GCV_OK;
}

static gcv_status read_shard(const gcv_jctx *c, const cJSON *root, gcv_shard_header *h)
{
    const cJSON *shard, *it;
    gcv_status st;
    shard = cJSON_GetObjectItemCaseSensitive(root, "shard");
    if (!shard)
        return gcv_json_fail(c, "", "expected a partial report written with --shard K/N (a "
                                    "member \"shard\"), got a report without one");
    if (!cJSON_IsObject(shard))
        return gcv_json_expected(c, "shard", "an object", shard);
    if ((st = gcv_schema_size(c, "shard", shard, "count", 1, &h->shard.count)) != GCV_OK ||
        (st = read_shard_number(c, shard, h)) != GCV_OK)
        return st;
    if (h->shard.count > h->params_total)
        return gcv_json_fail(c, "shard.count", "expected at most model.params_total = %zu "
                             "shards, got %zu", h->params_total, h->shard.count);
    static const char *const modes[] = {"none", "mismatches", "all"};
    size_t mode;
    if ((st = gcv_schema_member(c, "shard", shard, "params_mode", &it)) != GCV_OK ||
        (st = gcv_json_choice(c, "shard.params_mode", it, modes, 3, &mode)) != GCV_OK)
        return st;
    h->params_mode = (gcv_params_mode)mode;
    if ((st = gcv_schema_member(c, "shard", shard, "kinks_avoided", &it)) != GCV_OK)
        return st;
    if (!cJSON_IsArray(it))
        return gcv_json_expected(c, "shard.kinks_avoided", "an array of parameter indices", it);
    return GCV_OK;
}

/* Seconds are a duration. */
static gcv_status read_counts(const gcv_jctx *c, const cJSON *root, gcv_shard_header *h)
{
    if (!(h->seconds >= 0.0) || !isfinite(h->seconds))
        return gcv_json_expected(c, "seconds", "a finite number of seconds ≥ 0",
                                 cJSON_GetObjectItemCaseSensitive(root, "seconds"));
    return GCV_OK;
}

gcv_status gcv_shard_header_read(const gcv_jctx *c, const cJSON *root, gcv_shard_header *h)
{
    const cJSON *it;
    gcv_status st;
    if (!cJSON_IsObject(root))
        return gcv_json_expected(c, "", "a gcverify JSON report (an object)", root);
    if ((st = gcv_schema_member(c, "", root, "schema", &it)) != GCV_OK)
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
        (st = gcv_schema_number(c, "", root, "cost", &h->cost)) != GCV_OK ||
        (st = gcv_schema_size(c, "", root, "params_checked", 0, &h->params_checked)) != GCV_OK ||
        (st = gcv_schema_size(c, "", root, "evaluations", 0, &h->evaluations)) != GCV_OK ||
        (st = gcv_schema_number(c, "", root, "seconds", &h->seconds)) != GCV_OK ||
        (st = optional_bool(c, root, "stopped", &h->stopped)) != GCV_OK ||
        (st = optional_bool(c, root, "sampled", &h->sampled)) != GCV_OK ||
        (st = read_expect(c, root, &h->expect_fail)) != GCV_OK ||
        (st = read_blocks(c, root, h)) != GCV_OK || (st = read_shard(c, root, h)) != GCV_OK)
        return st;
    return read_counts(c, root, h);
}

/* ---- the params of one shard ---- */


/* Reads the parameter at path p into s->params; its index into *index. */
static gcv_status read_param(const gcv_jctx *c, const char *p, const cJSON *e, gcv_merge_state *s,
                             const gcv_shard_header *h, size_t file, size_t *index)
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
    if ((st = gcv_schema_member(c, p, e, "index", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(q, sizeof q, p, "index");
    if ((st = gcv_json_size(c, q, it, 0, h->params_total - 1, &i)) != GCV_OK)
        return st;
    if (i % h->shard.count != h->shard.index)
        return gcv_json_fail(c, q, "expected an index of shard %zu/%zu (index %% %zu == %zu), "
                             "got %zu", h->shard.index + 1, h->shard.count, h->shard.count,
                             h->shard.index, i);
    if (s->owner[i] != SIZE_MAX)
        return gcv_json_fail(c, q, "expected each parameter once, got index %zu again", i);
    gcv_model view = {.n_params = h->params_total, .n_blocks = h->n_blocks, .blocks = h->blocks};
    size_t off;
    const gcv_block *bl = &h->blocks[gcv_model_locate(&view, i, &off)];
    if ((st = gcv_schema_member(c, p, e, "block", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(q, sizeof q, p, "block");
    if (!cJSON_IsString(it) || strcmp(it->valuestring, bl->name) != 0) {
        char want[GCV_NAME_LEN + 4];
        snprintf(want, sizeof want, "\"%s\"", bl->name);
        return gcv_json_expected(c, q, want, it);
    }
    if ((st = gcv_schema_member(c, p, e, "coords", &it)) != GCV_OK)
        return st;
    gcv_json_path_key(q, sizeof q, p, "coords");
    if ((st = gcv_merge_check_coords(c, q, it, bl, off, i)) != GCV_OK)
        return st;
    gcv_param_result *r = &s->params[i];
    double *dst[] = {&r->theta, &r->analytic, &r->numeric, &r->abs_error,
                     &r->rel_error, &r->floor, &r->step};
    for (size_t k = 0; k < sizeof keys_num / sizeof *keys_num; k++)
        if ((st = gcv_schema_number(c, p, e, keys_num[k], dst[k])) != GCV_OK)
            return st;
    if ((st = gcv_schema_member(c, p, e, "evaluations", &it)) != GCV_OK)
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
    if ((st = gcv_schema_member(c, p, e, "status", &it)) != GCV_OK)
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

gcv_status gcv_shard_params_read(const gcv_jctx *c, const cJSON *root, gcv_merge_state *s,
                                 const gcv_shard_header *h, size_t file)
{
    const cJSON *params, *e;
    gcv_status st = gcv_schema_member(c, "", root, "params", &params);
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
    /* A stopped shard ran no Taylor test (none besides the parameters'): the others say how
     * many it takes. */
    int counts = !(h->stopped && extra == 0);
    if (counts && s->has_extra && extra != s->extra_evals)
        return gcv_json_fail(c, "evaluations", "expected %zu evaluations besides the "
                             "parameters' (the Taylor test's) as in %s, got %zu",
                             s->extra_evals, s->extra_file, extra);
    if (counts && !s->has_extra) {
        s->extra_evals = extra;
        s->extra_file = c->file;
        s->has_extra = 1;
    }
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

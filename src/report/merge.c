/* The merge of shard reports (see merge.h): the shards read one at a time (merge-read.c),
 * checked to be shards of one check, each exactly once, and their parameters assembled into
 * the result one run gives (the engine's own assembly). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/assemble.h"
#include "engine/memory.h"
#include "report/merge-priv.h"

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

/* A shard stopped before its gradient has no cost (null); one stopped at all ran no Taylor
 * test (its orders are null): such a shard says nothing about them, and the others decide. */
static int lacks(const gcv_shard_header *h, double v)
{
    return h->stopped && isnan(v);
}

/* What a shard that has them adds to the first shard's header a: the cost, the Taylor
 * orders (the merged report's come from any shard that has them). */
static void adopt(gcv_shard_header *a, const gcv_shard_header *b)
{
    if (lacks(a, a->cost))
        a->cost = b->cost;
    for (size_t i = 0; i < a->n_blocks; i++)
        if (lacks(a, a->taylor[i]))
            a->taylor[i] = b->taylor[i];
}

/* That shard b is a shard of the same check as a (read from file0). One comparison per
 * member, in the report's order: the length is the list's. */
static gcv_status agree(const gcv_jctx *c, const gcv_shard_header *a, const gcv_shard_header *b,
                        const char *file0)
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
    if (!lacks(a, a->cost) && !lacks(b, b->cost))
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
        if (!lacks(a, a->taylor[i]) && !lacks(b, b->taylor[i]) &&
            !same_double(a->taylor[i], b->taylor[i])) {
            gcv_json_path_key(q, sizeof q, p, "taylor_order");
            return diff_num(c, q, a->taylor[i], b->taylor[i], file0);
        }
    }
#undef STR
#undef NUM
#undef SIZE
    return GCV_OK;
}

/* ---- the merge ---- */

struct gcv_merged_store {
    gcv_shard_header h;
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
        gcv_shard_header_free(&mg->store->h);
        free(mg->store);
    }
    free(mg);
}

/* The merge holds per-parameter state for model.params_total parameters (the owner, the
 * result read, then the assembled result): a few bytes of a shard can claim 5·10^7 of them,
 * so what they would take is checked against the memory allowed (--max-memory, else what
 * the machine has available) before any is allocated. */
static gcv_status merge_fits(const gcv_jctx *c, const gcv_shard_header *h, size_t max_memory)
{
    double per = (double)(sizeof(size_t) + 2 * sizeof(gcv_param_result));
    double need = per * (double)h->params_total;
    size_t have = max_memory ? max_memory : gcv_available_memory();
    if (need <= (double)have)
        return GCV_OK;
    char w[32], a[32];
    gcv_format_bytes(need, w, sizeof w);
    gcv_format_bytes((double)have, a, sizeof a);
    gcv_json_fail(c, "model.params_total", "expected a parameter count whose merge fits in the "
                  "%s of memory %s, got %zu (%s)", a,
                  max_memory ? "--max-memory allows" : "available", h->params_total, w);
    return GCV_ERR_NOMEM;
}

/* Reads file k into s: header (checked against the first), coverage, params. */
static gcv_status merge_file(const char *const *paths, size_t k, gcv_merge_state *s,
                             gcv_error *err)
{
    cJSON *root = NULL;
    gcv_shard_header h;
    memset(&h, 0, sizeof h);
    gcv_jctx c = {paths[k], err};
    gcv_status st = gcv_schema_load(paths[k], &root, err);
    if (st != GCV_OK)
        return st;
    gcv_shard_header *hp = k == 0 ? &s->ref : &h;
    if ((st = gcv_shard_header_read(&c, root, hp)) != GCV_OK)
        goto out;
    if (k == 0 && (st = merge_fits(&c, hp, s->max_memory)) != GCV_OK)
        goto out;
    if (k == 0) {
        size_t P = hp->params_total, N = hp->shard.count;
        s->ref_file = paths[0];
        s->owner = malloc(P * sizeof *s->owner);
        s->shard_file = malloc(N * sizeof *s->shard_file);
        s->params = calloc(P, sizeof *s->params);
        if (!s->owner || !s->shard_file || !s->params) {
            st = gcv_merge_nomem(err, paths[0]);
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
    } else {
        adopt(&s->ref, hp);
    }
    size_t K = hp->shard.index;
    if (s->shard_file[K] != SIZE_MAX) {
        snprintf(err->msg, sizeof err->msg, "%.200s and %.200s are both shard %zu/%zu: each "
                 "shard must be given once", paths[s->shard_file[K]], paths[k], K + 1,
                 hp->shard.count);
        st = GCV_ERR_INVALID;
        goto out;
    }
    s->shard_file[K] = k;
    if ((st = gcv_shard_params_read(&c, root, s, hp, k)) != GCV_OK)
        goto out;
    s->seconds += isfinite(hp->seconds) ? hp->seconds : 0.0;
    if (hp->threads > s->threads)
        s->threads = hp->threads;
    s->stopped |= hp->stopped;
    s->sampled |= hp->sampled;
out:
    gcv_shard_header_free(&h);
    cJSON_Delete(root);
    return st;
}

static gcv_status missing_shards(const gcv_merge_state *s, gcv_error *err)
{
    size_t N = s->ref.shard.count, k = 0, missing = 0;
    char list[GCV_ERROR_LEN / 2];
    list[0] = '\0';
    for (size_t i = 0; i < N; i++)
        if (s->shard_file[i] == SIZE_MAX) {
            if (missing++ < 8 && k + 24 < sizeof list)
                k += (size_t)snprintf(list + k, sizeof list - k, "%s%zu/%zu", k ? ", " : "",
                                      i + 1, N);
        }
    if (missing > 8 && k + 8 < sizeof list)
        snprintf(list + k, sizeof list - k, ", …");
    snprintf(err->msg, sizeof err->msg, "%zu of %zu shards %s missing: %s (every shard K/N "
             "with 1 ≤ K ≤ %zu must be given once)", missing, N, missing == 1 ? "is" : "are",
             list, N);
    return GCV_ERR_INVALID;
}

/* Builds the model, the result and the info from a complete state; takes its params. */
static gcv_status build(gcv_merge_state *s, gcv_merged *mg, gcv_error *err)
{
    gcv_shard_header *h = &s->ref;
    gcv_model *m = calloc(1, sizeof *m);
    mg->model = m;
    if (!m || !(m->blocks = malloc(h->n_blocks * sizeof *m->blocks)))
        return gcv_merge_nomem(err, s->ref_file);
    memcpy(m->blocks, h->blocks, h->n_blocks * sizeof *m->blocks);
    m->n_blocks = h->n_blocks;
    m->n_params = h->params_total;
    m->destroy = merged_model_destroy;
    snprintf(m->type, sizeof m->type, "%s", h->type);
    m->precision = h->precision;

    /* The union of the shards' subsets is every listed index: no subset. */
    gcv_assembly a = {.params = s->params, .options = h->o, .cost = h->cost,
                      .params_checked = s->listed, .threads = s->threads,
                      .stopped = s->stopped, .sampled = s->sampled,
                      .taylor_order = h->o.taylor ? h->taylor : NULL,
                      .extra_evaluations = s->extra_evals};
    s->params = NULL; /* the assembly takes the slots */
    a.options.threads = s->threads;
    a.options.subset = NULL;
    a.options.n_subset = 0;
    if (gcv_result_assemble(m, &a, &mg->result) != GCV_OK)
        return gcv_merge_nomem(err, s->ref_file);
    mg->result->seconds = s->seconds;

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
    in->expect = h->expect_fail ? GCV_EXPECT_FAIL : GCV_EXPECT_PASS; /* the whole: judged */
    return GCV_OK;
}

gcv_status gcv_merge_load(const char *const *paths, size_t n, size_t max_memory,
                          gcv_merged **out, gcv_error *err)
{
    *out = NULL;
    if (n == 0) {
        snprintf(err->msg, sizeof err->msg, "merge: expected at least one partial report");
        return GCV_ERR_INVALID;
    }
    gcv_merge_state s;
    memset(&s, 0, sizeof s);
    s.max_memory = max_memory;
    gcv_merged *mg = calloc(1, sizeof *mg);
    gcv_status st = GCV_OK;
    if (!mg || !(mg->store = calloc(1, sizeof *mg->store))) {
        st = gcv_merge_nomem(err, paths[0]);
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
        gcv_shard_header_free(&s.ref);
    if (st != GCV_OK) {
        gcv_merged_free(mg);
        return st;
    }
    *out = mg;
    return GCV_OK;
}

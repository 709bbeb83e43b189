/* Writing a shard: which parameters shard K/N (1 ≤ K ≤ N) checks, and its partial report (the
 * ordinary report with every checked parameter and the "shard" member; see merge.h). */
#include "report/merge.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "report/output.h"
#include "report/schema.h"

gcv_status gcv_shard_parse(const char *s, gcv_shard *out, gcv_error *err)
{
    char *end = NULL;
    unsigned long long k = 0, n = 0;
    int ok = s && *s >= '0' && *s <= '9';
    if (ok) {
        errno = 0;
        k = strtoull(s, &end, 10);
        ok = !errno && *end == '/' && end[1] >= '0' && end[1] <= '9';
    }
    if (ok) {
        n = strtoull(end + 1, &end, 10);
        ok = !errno && !*end && n >= 1 && n <= SIZE_MAX;
    }
    if (ok && k == 0) {
        /* The numbering changed from 0..N−1 to 1..N: a job that still counts from 0 is told,
         * rather than left to check another slice than it meant. */
        snprintf(err->msg, sizeof err->msg, "--shard %.24s: shards are numbered 1..N now (they "
                 "were 0..N-1 before); --shard 0/%llu is the first shard: use --shard 1/%llu "
                 "(each K/N of before is K+1/N)", s, n, n);
        return GCV_ERR_INVALID;
    }
    if (!ok || k > n) {
        snprintf(err->msg, sizeof err->msg, "--shard: expected K/N with 1 ≤ K ≤ N, such as "
                 "1/4, got '%.40s'", s ? s : "");
        return GCV_ERR_INVALID;
    }
    out->index = (size_t)(k - 1);
    out->count = (size_t)n;
    return GCV_OK;
}

gcv_status gcv_shard_subset(const gcv_shard *s, size_t P, const size_t *within,
                            size_t n_within, size_t **out, size_t *n_out, gcv_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (s->count < 1 || s->index >= s->count) {
        snprintf(err->msg, sizeof err->msg,
                 "--shard: expected K/N with 1 ≤ K ≤ N, got %zu/%zu", s->index + 1, s->count);
        return GCV_ERR_INVALID;
    }
    size_t total = within ? n_within : P, k = 0;
    for (size_t t = 0; t < total; t++)
        k += (within ? within[t] : t) % s->count == s->index;
    if (k == 0) {
        snprintf(err->msg, sizeof err->msg,
                 "--shard %zu/%zu: expected at least one parameter in the shard, got none of "
                 "the %zu %s (use fewer shards)", s->index + 1, s->count, total,
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
    gcv_schema_shard sh = {s->index, s->count, info->params_mode};
    return gcv_schema_write(f, info, m, r, &sh);
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

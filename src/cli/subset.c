/* --limit and --shard: the subset of indices a run checks (see subset.h). */
#include "cli/subset.h"

#include <stdio.h>
#include <stdlib.h>

gcv_status gcv_cli_subset(long limit, const gcv_shard *shard, size_t P, gcv_options *o,
                          size_t **subset, gcv_error *err)
{
    if (limit > 0 && (size_t)limit < P) {
        /* Evenly spaced: index ⌊k·P/K⌋, ascending and distinct since K < P. */
        size_t k = (size_t)limit;
        if (!(*subset = malloc(k * sizeof **subset)))
            return GCV_ERR_NOMEM;
        for (size_t i = 0; i < k; i++)
            (*subset)[i] = (size_t)((unsigned long long)i * P / k);
        o->subset = *subset;
        o->n_subset = k;
    }
    if (!shard)
        return GCV_OK;
    if (o->method == GCV_METHOD_DIRECTIONAL || o->sample_per_block || o->budget_seconds > 0.0) {
        snprintf(err->msg, sizeof err->msg, "--shard: expected a per-parameter check, got %s",
                 o->method == GCV_METHOD_DIRECTIONAL ? "the directional method"
                                                      : "a sampled or budgeted one");
        return GCV_ERR_INVALID;
    }
    size_t *slice = NULL, n = 0;
    gcv_status st = gcv_shard_subset(shard, P, o->subset, o->n_subset, &slice, &n, err);
    if (st != GCV_OK)
        return st;
    free(*subset);
    *subset = slice;
    o->subset = slice;
    o->n_subset = n;
    return GCV_OK;
}

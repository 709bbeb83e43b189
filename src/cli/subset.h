/* Which parameter indices a run checks, from --limit and --shard (sampling and budgets are
 * the engine's own). */
#ifndef GCV_CLI_SUBSET_H
#define GCV_CLI_SUBSET_H

#include "gcverify/gcverify.h"
#include "report/merge.h"

/* limit > 0: K evenly spaced indices of P (index ⌊k·P/K⌋) when K < P; shard (NULL: none):
 * then its slice of them, refused for a directional, sampled or budgeted check. On GCV_OK
 * o->subset and o->n_subset name the indices, held in *subset (NULL: every index), which
 * the caller frees. */
gcv_status gcv_cli_subset(long limit, const gcv_shard *shard, size_t P, gcv_options *o,
                          size_t **subset, gcv_error *err);

#endif

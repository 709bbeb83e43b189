/* Shards: one check split across machines (a cluster job array) and merged back into
 * exactly the report one run gives. shard.c writes a shard, merge-read.c and merge.c merge
 * them.
 *
 * `--shard K/N` (1 ≤ K ≤ N: shards are numbered from 1, as CI systems number the jobs of a
 * matrix) checks the parameter indices i with i % N == K − 1, intersected with any subset
 * the run already had (--limit, sampling), and writes a partial report: the ordinary
 * "gcverify.report/1" document with every checked parameter listed in "params" (as with
 * --params all) and one more top-level member,
 *
 *   "shard": {"number": K, "count": N, "index": K − 1, "params_mode": "mismatches",
 *             "kinks_avoided": [i, …]}
 *
 * number is the K of --shard K/N; index is the remainder i % N of the shard's indices, the
 * member reports had when shards were numbered from 0 (kept, with that meaning, so that no
 * reader of it is misled and the merge still takes those reports). params_mode is the mode
 * the merged report is written with (the run's own); kinks_avoided lists the parameters
 * whose ±h crossed a kink that a smaller step avoided (a per-parameter flag the report's
 * params entries do not carry, needed to recount kinks_avoided).
 *
 * `gcverify merge part*.json -o full.json` reads the partial reports, checks they are shards
 * of one check (same name, config, version, model, check settings, cost, blocks and Taylor
 * orders, the same N, each K exactly once, every listed index in its shard), rebuilds the
 * per-parameter results in memory (numbers with %.17g read back by strtod are exact), runs
 * the engine's own assembly (gcv_result_assemble: blocks, diagnosis, layers, totals, in
 * index order) and writes the report with gcv_report_json: the same bytes as a single run,
 * except
 *   "seconds": the SUM of the shards' seconds (the compute the check cost; the wall time of
 *              a job array is not known to any shard), and
 *   "threads": the MAX of the shards' threads.
 * Evaluations are the parameters' own plus the Taylor test's once (every shard runs the same
 * Taylor test on whole blocks; its evaluations are the report's evaluations minus the
 * parameters'). Shards are read one at a time, so memory holds one shard's JSON tree plus
 * the merged per-parameter results. */
#ifndef GCV_MERGE_H
#define GCV_MERGE_H

#include <stdio.h>

#include "gcverify/gcverify.h"
#include "report/report.h"

typedef struct gcv_shard {
    size_t index; /* K − 1 for shard K/N: the remainder of its indices, 0 ≤ index < count */
    size_t count; /* N ≥ 1 */
} gcv_shard;

/* Parses "K/N" (decimal, 1 ≤ K ≤ N) into index K − 1 and count N. On failure *out is
 * untouched and err says why; "0/N", a job still counting from 0, gets how shards are
 * numbered now and the K/N it meant. */
gcv_status gcv_shard_parse(const char *s, gcv_shard *out, gcv_error *err);

/* The indices this shard checks, ascending: those of within[0, n_within) (every index below
 * P when within is NULL) with i % N == K. On GCV_OK *out is a new array the caller frees,
 * for gcv_options.subset. GCV_ERR_INVALID when no index falls in the shard (P < N + K…). */
gcv_status gcv_shard_subset(const gcv_shard *s, size_t P, const size_t *within,
                            size_t n_within, size_t **out, size_t *n_out, gcv_error *err);

/* The partial report of shard s: info's report with params "all" and the "shard" member;
 * info->params_mode is recorded for the merge. Returns 0, or -1 on a write error or when
 * out of memory. */
int gcv_shard_report_json_stream(FILE *f, const gcv_report_info *info, const gcv_model *m,
                                 const gcv_result *r, const gcv_shard *s);
/* The same to path, atomically. */
gcv_status gcv_shard_report_json(const char *path, const gcv_report_info *info,
                                 const gcv_model *m, const gcv_result *r, const gcv_shard *s,
                                 gcv_error *err);

/* A merged check: what a single run would have had, minus the model's functions. */
typedef struct gcv_merged {
    gcv_report_info info;  /* strings and layers owned by the merge */
    gcv_model *model;      /* n_params, blocks and type only: no θ, no cost */
    gcv_result *result;
    struct gcv_merged_store *store; /* what info points into */
} gcv_merged;

/* Reads and merges the n partial reports paths[0, n) into *out (gcv_merged_free). Errors
 * name the file and the JSON path: "part2.json: check.epsilon: expected 1e-06 as in
 * part1.json, got 1e-07", "part1.json and part3.json are both shard 1/3", "1 of 3 shards is
 * missing: 2/3". Shards are named by their number K of --shard K/N, 1-based. The merge's
 * per-parameter state must fit max_memory bytes (--max-memory; 0: the memory available),
 * checked from the first file's model.params_total before it is allocated. */
gcv_status gcv_merge_load(const char *const *paths, size_t n, size_t max_memory,
                          gcv_merged **out, gcv_error *err);

/* Frees a merge; accepts NULL. */
void gcv_merged_free(gcv_merged *mg);

#endif

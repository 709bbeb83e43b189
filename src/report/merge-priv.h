/* Internals of the shard merge shared by its two files: merge-read.c reads one partial
 * report (its header and its params), merge.c checks that the shards agree and assembles
 * the merged result. */
#ifndef GCV_MERGE_PRIV_H
#define GCV_MERGE_PRIV_H

#include "config/config.h"
#include "report/merge.h"
#include "report/schema.h"

/* Everything of a partial report except its params: what must agree between shards. */
typedef struct gcv_shard_header {
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
    int expect_fail; /* "expect": "fail"; "pass" when absent (older reports) */
    size_t params_checked, evaluations;
    gcv_params_mode params_mode;
    gcv_shard shard;
    size_t n_blocks;
    gcv_block *blocks;
    double *taylor; /* per block */
} gcv_shard_header;


typedef struct gcv_merge_state {
    gcv_shard_header ref;           /* the first shard's header */
    const char *ref_file;
    size_t *owner;        /* per parameter: the file that listed it, or SIZE_MAX */
    size_t *shard_file;   /* per shard index: the file that is that shard, or SIZE_MAX */
    gcv_param_result *params;
    size_t listed;        /* parameters listed by all shards */
    size_t extra_evals;   /* the Taylor test's evaluations, counted once */
    int has_extra;        /* extra_evals is known (a shard not stopped has been read) */
    const char *extra_file; /* the shard it was read from */
    double seconds;
    int threads;
    int stopped;          /* a shard stopped early: the merge is as partial as it */
    int sampled;          /* a shard checked a sample: so does the merge */
    size_t max_memory;    /* --max-memory, or 0: the memory available */
} gcv_merge_state;

/* "FILE: out of memory merging the shards". */
gcv_status gcv_merge_nomem(gcv_error *err, const char *file);

/* Reads the header of the partial report root into h (gcv_shard_header_free it, also after
 * a failure). */
gcv_status gcv_shard_header_read(const gcv_jctx *c, const cJSON *root, gcv_shard_header *h);
void gcv_shard_header_free(gcv_shard_header *h);

/* Reads the params (and shard.kinks_avoided) of root, file number file with header h, into
 * s: each parameter once, in its shard, and as many as the header says were checked. */
gcv_status gcv_shard_params_read(const gcv_jctx *c, const cJSON *root, gcv_merge_state *s,
                                 const gcv_shard_header *h, size_t file);

#endif

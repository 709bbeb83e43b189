/* Baselines: this run against a previous gcverify JSON report ("gcverify.report/1"), so a
 * nightly job notices a gradient that got worse before it crosses the threshold.
 *
 * Regressions, block by block (blocks are matched by name, not position):
 *   new_failure     the block fails now and did not before (status pass/inconclusive → fail),
 *                   or it had no mismatching parameter and now has some (mismatches 0 → k)
 *   grew            its difference grew by more than `factor` (default 10×) AND the new
 *                   difference is above the block's noise level, max(1e-3·threshold,
 *                   GCV_MARGIN·floor_difference). Without the second condition 1e-12 → 2e-11
 *                   would be a "regression": both are rounding noise, and their ratio is noise
 *                   too. Measured against the current run's threshold and floor.
 *   params_changed  a different number of parameters checked in the block, or a different
 *                   shape; or (block "") the model's params_total changed
 *   missing         in the baseline, not in this model
 *   new_block       in this model, not in the baseline
 * A block gets at most one of new_failure / grew (new_failure wins). A block that turned
 * inconclusive is not a regression here: the run already exits 3 for it.
 * Unchecked blocks (status "unchecked": a stopped, limited or sharded run checked none of
 * their parameters) are neither a regression by themselves nor hide one: unchecked in this
 * run, the block is not compared (nothing was measured; the reports list it) but every
 * other block is; unchecked in the baseline, its checked count and mismatches (0 of 0) are
 * not compared, its null difference cannot have grown, and a failure now is still a
 * new_failure. A changed shape is params_changed either way.
 *
 * Nothing here prints except the writers given a stream; every allocation failure and bad
 * input is a status with one line in a gcv_error. */
#ifndef GCV_BASELINE_H
#define GCV_BASELINE_H

#include <stdio.h>

#include "gcverify/gcverify.h"
#include "report/regression.h"

#define GCV_BASELINE_FACTOR 10.0 /* default growth factor */
#define GCV_BASELINE_NOISE 1e-3  /* differences below this × threshold are noise */
/* cJSON's tree of a text: a value of 2 bytes ("0,") becomes a 64-byte node plus the
 * allocator's 16: at most 40 bytes per byte, and the text itself is held while parsing. */
#define GCV_BASELINE_TREE_FACTOR 48
/* One block of the baseline report. */
typedef struct gcv_baseline_block {
    char name[GCV_NAME_LEN];
    int layer;                /* 0 when the report did not say */
    size_t rows, cols;        /* 0 × 0 when the report did not say */
    size_t checked;
    size_t mismatches;        /* SIZE_MAX when the report did not say */
    double difference;        /* NAN when the report had null (not finite) */
    gcv_verdict status;
} gcv_baseline_block;

typedef struct gcv_baseline {
    char *path;               /* the file as given */
    char *name;               /* the config's name in the report */
    size_t params_total;      /* model.params_total */
    double threshold;         /* check.threshold, NAN when absent */
    gcv_verdict status;
    size_t n_blocks;
    gcv_baseline_block *blocks; /* report order */
    size_t *by_name;          /* n_blocks indices into blocks, sorted by name: lookups in
                               * log n, so 150 000 blocks load and compare in n log n */
} gcv_baseline;

/* Reads and validates a previous report: schema "gcverify.report/1", model.params_total,
 * and blocks[] with name, checked, difference (a number or null) and status. Unknown members
 * are fine: the schema is extended, never broken. On GCV_OK *out is a new baseline for
 * gcv_baseline_free; on failure *out is NULL and err says "file: json.path: expected …".
 * The file is refused before it is read (GCV_ERR_NOMEM) when the JSON tree it would make
 * (GCV_BASELINE_TREE_FACTOR bytes per byte of text at most) does not fit max_memory bytes
 * (--max-memory), or when max_memory is 0 the memory available. */
gcv_status gcv_baseline_load(const char *path, size_t max_memory, gcv_baseline **out,
                             gcv_error *err);

/* Frees a baseline; accepts NULL. */
void gcv_baseline_free(gcv_baseline *b);

/* The baseline's block called name, or NULL: for "W2 1.2e-10 → 3.4e-08 (×283)" lines. */
const gcv_baseline_block *gcv_baseline_find(const gcv_baseline *b, const char *name);

/* Compares the run (m, r) with baseline b into *out (overwritten, not freed first).
 * factor: growth that counts (≥ 1; GCV_BASELINE_FACTOR is the default). Returns
 * GCV_ERR_INVALID for a bad factor, GCV_ERR_NOMEM; on failure *out is empty. */
gcv_status gcv_baseline_compare(const gcv_baseline *b, const gcv_model *m, const gcv_result *r,
                                double factor, gcv_regressions *out, gcv_error *err);

/* Releases the contents of reg and empties it; accepts NULL. */
void gcv_regressions_free(gcv_regressions *reg);

/* One regression as a line without newline ("W2     grew         1.2e-10 → 3.4e-08 (×283)")
 * into buf; returns its length (cut to n − 1). */
size_t gcv_regression_line(const gcv_regression *g, char *buf, size_t n);

/* The text report's baseline section: a header line with the file, the factor and the count,
 * then one indented line per regression. */
void gcv_baseline_text(FILE *f, const gcv_regressions *reg);

/* The JSON member for the report (schema.c writes it), without indentation or trailing comma:
 *   "baseline": {"path": …, "factor": 10, "regressions": [{"block": "W2", "kind": "grew",
 *                "what": "difference", "before": 1.2e-10, "after": 3.4e-08}, …]}
 * "block" is null for the model-level change; NaN is written as null; numbers have 17
 * significant digits. Returns 0 on success, -1 on a write error. */
int gcv_baseline_json(FILE *f, const gcv_regressions *reg);

#endif

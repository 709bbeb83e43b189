/* gcverify.report/1, the JSON report (doc/report-format.md): the one module that writes it
 * and reads it back. Writers: the --json report of a check (optionally with the "baseline" member and,
 * for a shard, the "shard" member) and the minimal report of a check that crashed under
 * --isolate. Reader: the document from a file, checked to be a gcverify report, and the
 * typed members with the messages the config reader gives ("file: json.path: expected …"),
 * used by the baseline (and so --history) and by the merge of shard reports.
 *
 * Numbers are written with 17 significant digits, so two reports can be compared exactly and
 * a number read back is the number written; NaN and ±Inf, which JSON cannot hold, are
 * written as null and read back as NaN. The schema is extended, never broken: readers accept
 * members they do not know. */
#ifndef GCV_REPORT_SCHEMA_H
#define GCV_REPORT_SCHEMA_H

#include <stdio.h>

#include <cJSON.h>

#include "gcverify/gcverify.h"
#include "config/json.h"
#include "report/regression.h"
#include "report/report.h"

#define GCV_REPORT_SCHEMA "gcverify.report/1"
/* Reports read back (baselines, history, shard reports) may be this large: a report listing
 * every parameter of a big model is far larger than any config. */
#define GCV_REPORT_MAX_BYTES ((size_t)1 << 30)

/* ---- writing ---- */

/* What makes a report a shard's partial report (see merge.h). */
typedef struct gcv_schema_shard {
    size_t index, count; /* shard K/N: index K − 1 (0-based), count N */
    int params_mode;     /* the mode the merged report is written with (gcv_params_mode) */
} gcv_schema_shard;

/* The report of a check. With shard (else NULL) every checked parameter is listed and the
 * "shard" member follows the params. Returns 0, or -1 on a write error. */
int gcv_schema_write(FILE *f, const gcv_report_info *info, const gcv_model *m,
                     const gcv_result *r, const gcv_schema_shard *shard);

/* The "baseline" member (without indentation or trailing comma; see gcv_baseline_json).
 * Returns 0, or -1 on a write error. */
int gcv_schema_write_baseline(FILE *f, const gcv_regressions *reg);

/* A check that could not finish: its settings, where it crashed, and its blocks. */
typedef struct gcv_schema_crash {
    const char *name, *config;
    const gcv_options *o;
    size_t params_total;
    int signal;              /* the signal that ended it, 0 when none */
    int hung;                /* a watchdog ended it */
    const char *where;       /* one line */
    const size_t *left_out;  /* parameters left out after earlier crashes */
    size_t n_left_out;
    size_t n_blocks;
    /* Block b's name, layer and shape into *out (its offset is not written). */
    void (*block)(const void *ctx, size_t b, gcv_block *out);
    const void *block_ctx;
} gcv_schema_crash;

/* The minimal report of a crashed check: status inconclusive, every block unchecked, and a
 * "crash" member. Returns 0, or -1 on a write error. */
int gcv_schema_write_crash(FILE *f, const gcv_schema_crash *c);

/* ---- reading ---- */

/* Reads a report of at most GCV_REPORT_MAX_BYTES into *out (cJSON_Delete it), with the
 * config reader's messages: "file: line L, column C: expected …". */
gcv_status gcv_schema_load(const char *path, cJSON **out, gcv_error *err);

/* That root is a gcverify report: an object whose "schema" is GCV_REPORT_SCHEMA. */
gcv_status gcv_schema_root(const gcv_jctx *c, const cJSON *root);

/* Members of the object obj at objpath; each fails with "expected a member \"key\", got
 * none" when key is absent, and names objpath.key when its value is not what it should be. */
gcv_status gcv_schema_member(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                             const char *key, const cJSON **out);
gcv_status gcv_schema_object(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                             const char *key, const cJSON **out);
/* A string (borrowed from the tree); NULL for null when nullable. */
gcv_status gcv_schema_string(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                             const char *key, int nullable, const char **out);
gcv_status gcv_schema_size(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                           const char *key, size_t lo, size_t *out);
/* A number, or null (written for NaN and ±Inf) read as NAN. */
gcv_status gcv_schema_number(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                             const char *key, double *out);
gcv_status gcv_schema_bool(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                           const char *key, int *out);

/* A value that is a number or null, at path. */
gcv_status gcv_schema_number_value(const gcv_jctx *c, const char *path, const cJSON *item,
                                   double *out);
/* A verdict, "pass", "fail" or "inconclusive", at path: a report's own status. */
gcv_status gcv_schema_verdict(const gcv_jctx *c, const char *path, const cJSON *item,
                              gcv_verdict *out);
/* A block's or a layer's verdict: those three or "unchecked" (nothing of it checked). */
gcv_status gcv_schema_block_verdict(const gcv_jctx *c, const char *path, const cJSON *item,
                                    gcv_verdict *out);
/* The block object at path: its "name" (at most GCV_NAME_LEN − 1 bytes) into name. */
gcv_status gcv_schema_block_name(const gcv_jctx *c, const char *path, const cJSON *block,
                                 char name[GCV_NAME_LEN]);
/* The "shape" item of the block at path: [rows, columns], both ≥ 1. */
gcv_status gcv_schema_shape(const gcv_jctx *c, const char *path, const cJSON *shape,
                            size_t *rows, size_t *cols);

#endif

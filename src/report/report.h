/* Reports of a finished check: the text report for people (report.c) and the JSON report
 * ("gcverify.report/1", doc/report-format.md) for scripts (schema.c, which also reads it back). Writers
 * take a caller's stream or path; files are written to a temporary name and renamed, so a
 * killed run never leaves a truncated report where the old one was. */
#ifndef GCV_REPORT_H
#define GCV_REPORT_H

#include <stdio.h>

#include "gcverify/gcverify.h"

/* What the report says about the run besides the result. */
typedef struct gcv_report_info {
    const char *name;         /* the config's name */
    const char *config;       /* the config file as given */
    const char *model_type;   /* "mlp" */
    const size_t *layers;     /* layer sizes n0..nL, or NULL for models without them */
    size_t n_layers;          /* entries in layers */
    const char *description;  /* "mlp 4-5-3-1, relu → sigmoid, binary_cross_entropy" */
    size_t examples;          /* m */
    size_t top;               /* worst parameters listed in the text report */
    int params_mode;          /* 0 none, 1 mismatches, 2 all (gcv_params_mode) */
    int color;                /* ANSI colour in the text report */
    char *const *notes;       /* lines the loader wants the user to see (integer labels, …) */
    size_t n_notes;
    /* Optional: writes more top-level JSON members ("name": value, without a trailing
     * comma) after the header fields, e.g. the baseline comparison. Returns 0 on success. */
    int (*json_extra)(FILE *f, const void *ctx);
    const void *json_extra_ctx;
    /* shard_count > 0: this is the partial report of --shard shard_index/shard_count (K from
     * 1, the JSON "shard" member's "number"); the text report says so. */
    size_t shard_index, shard_count;
    int expect;               /* the config's "expect": GCV_EXPECT_* */
} gcv_report_info;

/* gcv_report_info.expect (doc/config.md): "pass", or "fail" (a mismatch is the outcome the
 * config carries on purpose, and a pass is an error), or "fail" in a shard's partial report,
 * which writes it for the merge but cannot judge a pass: the fault may be in another slice. */
enum { GCV_EXPECT_PASS = 0, GCV_EXPECT_FAIL = 1, GCV_EXPECT_FAIL_SLICE = 2 };

/* The text report: header, per-block table, the top worst parameters and the verdict. */
void gcv_report_text(FILE *f, const gcv_report_info *info, const gcv_model *m,
                     const gcv_result *r);

/* The JSON report to path, atomically (written by schema.c, the one writer of the format). */
gcv_status gcv_report_json(const char *path, const gcv_report_info *info, const gcv_model *m,
                           const gcv_result *r, gcv_error *err);

/* The JSON report to a stream (used by gcv_report_json and tests). Returns 0 on success. */
int gcv_report_json_stream(FILE *f, const gcv_report_info *info, const gcv_model *m,
                           const gcv_result *r);

/* Every checked parameter as CSV to path, atomically: index, block, row, column, theta,
 * analytic, numeric, abs_error, rel_error, floor, status (17 significant digits). */
gcv_status gcv_report_params_csv(const char *path, const gcv_model *m, const gcv_result *r,
                                 gcv_error *err);

/* The diagnosis of block b in one sentence into buf ("analytic ≈ 2.000 × numeric", "only
 * row 3 is wrong", …); returns its length, 0 when there is nothing to say. Advice names only
 * methods m accepts (complex_step only for a model with a complex-step cost). */
size_t gcv_report_diagnosis(const gcv_report_info *info, const gcv_model *m,
                            const gcv_result *r, size_t b, char *buf, size_t n);

/* Indices of the n worst parameters (nonfinite first, then by relative error, then by
 * index), into out (n entries); returns how many were written (≤ n, ≤ P). */
size_t gcv_report_worst(const gcv_result *r, size_t n, size_t *out);

#endif

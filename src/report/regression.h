/* A baseline comparison's outcome as plain data: the regressions baseline.c finds and the
 * report writers print (text and JUnit in their modules, the JSON member in schema.c). Types
 * only, so that the report schema can write them without depending on the baseline reader,
 * which itself reads reports through the schema. */
#ifndef GCV_REPORT_REGRESSION_H
#define GCV_REPORT_REGRESSION_H

#include <stddef.h>

#include "gcverify/gcverify.h"

typedef enum gcv_regression_kind {
    GCV_REGRESSION_GREW = 0,
    GCV_REGRESSION_NEW_FAILURE,
    GCV_REGRESSION_PARAMS_CHANGED,
    GCV_REGRESSION_MISSING,
    GCV_REGRESSION_NEW_BLOCK
} gcv_regression_kind;

typedef struct gcv_regression {
    gcv_regression_kind kind;
    char block[GCV_NAME_LEN]; /* "" for the model as a whole (params_total) */
    const char *what;         /* what before/after measure: "difference", "mismatches",
                               * "checked" or "params_total" (a static string) */
    double before, after;     /* NAN where there is none (missing: after; new_block: before) */
} gcv_regression;

/* The outcome of a comparison. The caller owns the struct; gcv_regressions_free releases
 * what gcv_baseline_compare put in it. */
typedef struct gcv_regressions {
    char *path;               /* the baseline's file */
    double factor;
    size_t n;
    gcv_regression *items;    /* n: the model-level params_total change first, then the
                               * blocks in model order, then the missing blocks in baseline
                               * order */
} gcv_regressions;

#endif

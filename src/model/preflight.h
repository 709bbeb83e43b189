/* Pre-flight checks on an opaque model (a plugin, or any model that runs user code), run
 * once before the perturbation loop: what finite differences cannot see or would turn into
 * false alarms, each found with one clear line. */
#ifndef GCV_MODEL_PREFLIGHT_H
#define GCV_MODEL_PREFLIGHT_H

#include <stddef.h>

#include "gcverify/gcverify.h"

typedef struct gcv_preflight {
    /* the cost's spread over repeated calls at θ, relative to |J| (0: the same bits) */
    double cost_spread;
    /* one line for the report when something was measured but not refused, else "" */
    char note[GCV_ERROR_LEN];
} gcv_preflight;

/* Runs the checks on m at m->theta: cost() gives the same bits when repeated and, where the
 * check will run on threads ≥ 2 threads, when called on two threads at once (a spread within rounding is measured and stated as a floor, a
 * larger one refused); gradient(), called into a buffer filled with NaN and then into one
 * filled with another value, writes every entry once (entries never written and entries
 * added to with += are named by block and coordinates); cost() and gradient() leave θ as
 * they found it. About 4 cost and 2 gradient calls. Returns GCV_OK (out filled), or
 * GCV_ERR_INVALID with one line in err ("pre-flight: gradient() adds to …"), or
 * GCV_ERR_NOMEM. */
gcv_status gcv_preflight_run(const gcv_model *m, size_t threads, gcv_preflight *out,
                             gcv_error *err);

#endif

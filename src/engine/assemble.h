/* The one way a gcv_result is made from per-parameter slots: the totals per block (with
 * the block's verdict and diagnosis), per layer and overall, summed serially in index order.
 * gcv_check assembles its own result with it; so do the MPI gather on rank 0 and the merge
 * of shard reports, which is why all three give the same bits for the same slots. */
#ifndef GCV_ENGINE_ASSEMBLE_H
#define GCV_ENGINE_ASSEMBLE_H

#include "gcverify/gcverify.h"

/* What a result is assembled from: the slots and the facts of the run that made them. */
typedef struct gcv_assembly {
    gcv_param_result *params;     /* n_params slots (unchecked ones included); taken over */
    gcv_options options;          /* what the check ran with, as the result reports it */
    double cost;                  /* J at the unperturbed θ */
    size_t params_checked;
    int threads;
    int stopped;                  /* a stopped check cannot pass */
    int sampled;
    const double *taylor_order;   /* per block, from a Taylor test run on whole blocks, or
                                   * NULL (then NaN) */
    size_t extra_evaluations;     /* evaluations besides the parameters' own */
    size_t noise_evaluations;     /* of those, the noise measurement's */
    size_t escalation_evaluations;/* of the parameters' own, escalation's */
    double *noise;                /* per block, the measured noise of J (< 0: none), or NULL */
    size_t *escalated;            /* per block, the parameters escalation refined, or NULL */
    double *step_factor;          /* per block, the first pass's step factor, or NULL */
} gcv_assembly;

/* The result of model m from a (seconds left 0: the caller times what it timed). On GCV_OK
 * *out is a new result owning a->params; on GCV_ERR_NOMEM *out is NULL and a->params has
 * been freed. */
gcv_status gcv_result_assemble(const gcv_model *m, const gcv_assembly *a, gcv_result **out);

/* Escalation (escalate.c) of a's slots, checked elsewhere, exactly as the undivided check
 * runs it after its loop (same suspects, same batches, same bits): for MPI's rank 0 once it
 * holds every rank's slots and the noise they all measured on the whole model. Nothing
 * where the undivided check would not escalate (no measured noise, a caller's subset, a
 * time budget, a stopped check). a->params are refined in place, a->escalated is allocated
 * (the caller frees it) and a->escalation_evaluations set; t0 is when the check began (its
 * max_seconds count from it). GCV_OK, or GCV_ERR_NOMEM with err set. */
gcv_status gcv_assembly_escalate(const gcv_model *m, gcv_assembly *a, double t0,
                                 gcv_error *err);

#endif

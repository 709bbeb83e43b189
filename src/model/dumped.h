/* A model whose cost is another model's (the built-in MLP at the dump's θ and data) and
 * whose analytic gradient is a fixed vector (the user's, from a gradient dump): the engine
 * then checks the user's backward pass against gcverify's numeric differences of the same
 * cost, with the full verdict and diagnosis. And the comparison of the user's own cost with
 * that cost, which comes first: a mismatch there means the forward pass or the loss differ,
 * which no gradient check can untangle. */
#ifndef GCV_MODEL_DUMPED_H
#define GCV_MODEL_DUMPED_H

#include "gcverify/gcverify.h"

/* Wraps inner (taken over: freed with the new model) with the analytic gradient grad (P
 * values, copied), computed in precision p: GCV_FLOAT for a float32 gradient, so that the
 * engine's steps, floors and float defaults fit the user's arithmetic (the cost stays the
 * network's, in double). On failure inner is freed too. */
gcv_status gcv_dumped_new(gcv_model *inner, const double *grad, gcv_precision p,
                          gcv_model **out, gcv_error *err);

/* Relative difference of costs the comparison allows: a sum over examples in another order
 * (NumPy's pairwise sums, BLAS) moves a double cost by ~1e-15 relative; a forward pass or
 * loss that differs (a missing 1/m, an L2 term, another activation) moves it by far more,
 * 1e-2 and up. A float32 cost (u = 6e-8, summed over thousands of examples) gets 1e-4. */
#define GCV_DUMPED_COST_RTOL 1e-5
#define GCV_DUMPED_COST_RTOL_FLOAT 1e-4

/* The relative difference allowed for a model of precision p. */
static inline double gcv_dumped_cost_rtol(gcv_precision p)
{
    return p == GCV_FLOAT ? GCV_DUMPED_COST_RTOL_FLOAT : GCV_DUMPED_COST_RTOL;
}

/* m's cost at its θ into *ours, and whether the user's cost theirs differs from it by more
 * than gcv_dumped_cost_rtol(m->precision) relative (to the larger magnitude; *rel: that
 * difference). Returns -1 when the cost cannot be evaluated, 1 when they differ, 0 when
 * they agree. */
int gcv_dumped_cost_differs(const gcv_model *m, double theirs, double *ours, double *rel);

#endif

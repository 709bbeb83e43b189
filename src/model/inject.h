/* Fault injection for the built-in MLP: known bugs planted in its backprop (a block scaled,
 * negated, zeroed, missing its 1/m or its L2 term, transposed, or computed through another
 * activation's derivative), so that a check can be shown to catch each one in its block.
 * Each fault is a step of its own on the gradient backprop computed; backprop (layer.c)
 * knows nothing about them. */
#ifndef GCV_INJECT_H
#define GCV_INJECT_H

#include <stddef.h>

#include "gcverify/gcverify.h"
#include "act.h"
#include "layer.h"

typedef enum gcv_inject_kind {
    GCV_INJECT_SCALE = 0,        /* analytic block multiplied by factor */
    GCV_INJECT_SIGN,             /* analytic block negated */
    GCV_INJECT_ZERO,             /* analytic block set to 0 */
    GCV_INJECT_DROP_MEAN,        /* the 1/m of the mean forgotten in this block */
    GCV_INJECT_DROP_L2,          /* the L2 term (λ/m)·W forgotten in this block */
    GCV_INJECT_WRONG_DERIVATIVE, /* hidden activation derivative replaced by another's */
    GCV_INJECT_TRANSPOSE         /* W's gradient given as the (n_{l−1}, n_l) matrix dWᵀ */
} gcv_inject_kind;

typedef struct gcv_inject {
    char block[GCV_NAME_LEN];  /* "W2", "b1", …; for wrong_derivative, any block of the layer */
    gcv_inject_kind kind;
    double factor;             /* scale */
    gcv_act_id with;           /* wrong_derivative: whose derivative is used instead */
    size_t only_row;           /* scale: 1 + the one row scaled, or 0 for the whole block */
} gcv_inject;

/* Refuses a fault that names no block of the net sizes[0..n_layers] or changes nothing
 * there (hidden: the L−1 hidden activations; l2: λ; m: the examples). GCV_ERR_INVALID with
 * "model.inject[i]: expected …" in err. */
gcv_status gcv_inject_check(const gcv_inject *in, size_t n, size_t n_layers,
                            const size_t *sizes, const gcv_act_id *hidden, double l2, size_t m,
                            gcv_error *err);

/* The wrong_derivative fault of hidden layer ly, if one of in[0..n) names it (the first
 * that does), as a step after the layer's backward (gcv_layer_backward): the named block
 * alone is recomputed from dZ through the other activation's derivative, so the fault stays
 * in that block while the rest of backprop used the right dZ. a_prev, z: the layer's input
 * and pre-activations; g: the masked ∂J/∂A the layer's backward left; scratch: the layer's
 * rows × m doubles, free; l2 and inv_m as gcv_layer_backward's. g is overwritten. */
void gcv_inject_derivative(const gcv_inject *in, size_t n, size_t layer, const gcv_layer *ly,
                           const double *theta, const double *a_prev, const double *z,
                           double *g, double *scratch, double *grad, double l2, double inv_m);

/* The faults on a finished block gradient (all but wrong_derivative), in order; layers[l]
 * for l = 1..L describes W_l and b_l. Returns 0, or -1 out of memory. */
int gcv_inject_apply(const gcv_inject *in, size_t n, const gcv_layer *layers,
                     const double *theta, double *grad, double l2, size_t m);

#endif

/* One layer of the built-in MLP and every step the model takes through it, side by side:
 * Z_l = W_l·A_{l−1} + b_l and, for a hidden layer, A_l = f_l(Z_l) masked by dropout.
 *
 *   forward           the pass at θ (cost, gradient)
 *   backward          backprop through the layer: ∂J/∂A_l → ∂J/∂Z_l → dW_l, db_l, ∂J/∂A_{l−1}
 *   forward_complex   the pass at θ + i·h·e_idx (the complex-step method)
 *   move_row, forward_rank1, forward_near
 *                     the incremental pass: J with one parameter changed, from the cached
 *                     pass at θ0 (Z0, A0), through f's near form where it has one
 *
 * Buffers are row-major with the m examples contiguous. The model (mlp.c) owns them and
 * chains the layers; a layer knows its sizes, its offsets in θ, its activation and mask,
 * and the cached pass, nothing of the others. */
#ifndef GCV_LAYER_H
#define GCV_LAYER_H

#include <complex.h>
#include <stddef.h>

#include "act.h"

typedef struct gcv_layer {
    size_t rows, cols;        /* n_l and n_{l−1}: W_l is rows × cols */
    size_t m;                 /* examples: a row of Z_l or A_l */
    size_t w_off, b_off;      /* W_l and b_l in θ */
    size_t z_off, a_off;      /* Z_l and A_l in the model's workspace and cache */
    const gcv_act *act;       /* f_l, or NULL for the output layer (the loss applies its f) */
    double slope;             /* leaky_relu's */
    const double *mask;       /* A_l's dropout mask (0 or 1/keep_prob), or NULL */
    const double *z0, *a0;    /* Z_l and A_l at θ0 once the model has cached them, else NULL;
                               * with them, kink crossings are counted against Z0's signs */
} gcv_layer;

/* ---- the pass at θ ---- */

/* Z = W·A_prev + b; for a hidden layer A = f(Z)·mask. With kinks, adds the pre-activations
 * whose sign differs from Z0's (f with a kink, a cache). */
void gcv_layer_forward(const gcv_layer *ly, const double *theta, const double *a_prev,
                       double *z, double *a, size_t *kinks);

/* Backprop through the layer. g holds ∂J/∂A (a hidden layer: masked in place, then its dZ
 * = f′(Z)·g written to dz, g kept) or, for the output layer, ∂J/∂Z itself (dz unused). Then
 * dW = dZ·A_prevᵀ + (l2·inv_m)·W and db = Σ_k dZ into grad at the layer's offsets, and,
 * unless g_prev is NULL (the first layer), ∂J/∂A_prev = Wᵀ·dZ into g_prev. */
void gcv_layer_backward(const gcv_layer *ly, const double *theta, const double *a_prev,
                        const double *z, double *g, double *dz, double *grad, double *g_prev,
                        double l2, double inv_m);

/* ---- the complex-step pass ---- */

/* The layer holding the perturbed parameter: Z = W·A_prev + b in z (real), then zc = Z with
 * i·h·∂Z/∂θ added to row `row` (θ is W[row, col] when is_w, else b[row]), and for a hidden
 * layer ac = f(zc)·mask. */
void gcv_layer_start_complex(const gcv_layer *ly, const double *theta, const double *a_prev,
                             size_t row, size_t col, int is_w, double h, double *z,
                             double complex *zc, double complex *ac);

/* A layer after it: zc = W·ac + b, then for a hidden layer ac = f(zc)·mask (ac holds A_prev
 * on entry and A on return). */
void gcv_layer_forward_complex(const gcv_layer *ly, const double *theta, double complex *ac,
                               double complex *zc);

/* ---- the incremental pass (θ0 + δ·e_idx, from the cache) ---- */

/* The layer holding the changed parameter (W[row, col] when is_w, else b[row]) moved by
 * delta: its row `row` of Z, Z0's row + δ·A_prev[col, :] (or + δ), into zrow; for a hidden
 * layer, the change of A's row, f(zrow)·mask − A0's row, into darow. Returns the kinks
 * crossed in the row (the other rows have not moved). */
size_t gcv_layer_move_row(const gcv_layer *ly, const double *a_prev, size_t row, size_t col,
                          int is_w, double delta, double *zrow, double *darow);

/* The layer after it, whose input changed in row r alone, by darow: Z = Z0 + W[:, r]⊗darow
 * into z. Where f has a near form and neither a kink nor a mask, each row of Z only feeds
 * its activation: it is built in rowbuf (m doubles, L1-resident) and activated into a at
 * once, and the return is 1; else Z is written whole and the return is 0 (then
 * gcv_layer_activate_near activates it). The same bits either way. */
int gcv_layer_forward_rank1(const gcv_layer *ly, const double *theta, size_t r,
                            const double *darow, double *z, double *a, double *rowbuf);

/* A = f(Z)·mask for rows [row, row + rows) of a hidden layer, through f's near form from
 * the cache where f has one (a perturbed pass moves every Z by little); returns the kinks
 * crossed. Elementwise: one call over several rows gives the bits and the count of one
 * call per row. */
size_t gcv_layer_activate_near(const gcv_layer *ly, size_t row, size_t rows, const double *z,
                               double *a);

/* A later layer in full: Z = W·A_prev + b, then gcv_layer_activate_near for a hidden one;
 * returns the kinks crossed. */
size_t gcv_layer_forward_near(const gcv_layer *ly, const double *theta, const double *a_prev,
                              double *z, double *a);

#endif

/* The steps of one MLP layer (layer.h), each one function: forward and backward side by
 * side, then the complex-step and the incremental forms of the forward pass. The products
 * and activations are the kernels' (dense.c, act.c); what is computed here (masks, the L2
 * term, the rank-1 update, the perturbed row) is outside them and never contracted into
 * FMAs, so its bits do not depend on the target CPU. */
#include "layer.h"

#include <string.h>

#include "dense.h"
#include "vec.h"

/* How many of z's signs (−1, 0, +1) differ from those of z0 (the same pre-activations at
 * θ0). A vector at a time where the target has them: a comparison gives −1 in a lane where
 * it holds, and a sign differs where z > 0 or z < 0 differs. */
static size_t count_sign_changes(const double *z, const double *z0, size_t n)
{
    size_t c = 0, i = 0;
#if GCV_HAVE_VEC
    gcv_vmask acc = gcv_vmask0();
    for (; i + GCV_VW <= n; i += GCV_VW) {
        gcv_vec v = gcv_vload(z + i), v0 = gcv_vload(z0 + i);
        acc += ((v > 0.0) ^ (v0 > 0.0)) | ((v < 0.0) ^ (v0 < 0.0)); /* −1 per change */
    }
    for (int k = 0; k < GCV_VW; k++)
        c += (size_t)-acc[k];
#endif
    for (; i < n; i++)
        c += ((z[i] > 0.0) - (z[i] < 0.0)) != ((z0[i] > 0.0) - (z0[i] < 0.0));
    return c;
}

/* ---- the pass at θ, and backprop ---- */

void gcv_layer_forward(const gcv_layer *ly, const double *theta, const double *a_prev,
                       double *z, double *a, size_t *kinks)
{
    gcv_dense_forward(theta + ly->w_off, theta + ly->b_off, a_prev, z, ly->rows, ly->cols,
                      ly->m);
    if (!ly->act)
        return;
    size_t len = ly->rows * ly->m;
    const double *mk = ly->mask;
    ly->act->forward(z, a, len, ly->slope);
    if (mk)
        for (size_t i = 0; i < len; i++)
            a[i] *= mk[i];
    if (kinks && ly->act->has_kink && ly->z0)
        *kinks += count_sign_changes(z, ly->z0, len);
}

void gcv_layer_backward(const gcv_layer *ly, const double *theta, const double *a_prev,
                        const double *z, double *g, double *dz, double *grad, double *g_prev,
                        double l2, double inv_m)
{
    size_t rows = ly->rows, cols = ly->cols, m = ly->m;
    const double *w = theta + ly->w_off, *d = g;
    double *gw = grad + ly->w_off, *gb = grad + ly->b_off;
    if (ly->act) {
        /* Through the dropout mask, then f′ (from Z: the stored A is masked). */
        size_t len = rows * m;
        const double *mk = ly->mask;
        if (mk)
            for (size_t i = 0; i < len; i++)
                g[i] *= mk[i];
        memcpy(dz, g, len * sizeof *dz);
        ly->act->backward(z, NULL, dz, len, ly->slope);
        d = dz;
    }
    gcv_dense_weight_grad(d, a_prev, gw, gb, rows, cols, m);
    if (l2 != 0.0)
        for (size_t i = 0; i < rows * cols; i++)
            gw[i] += l2 * inv_m * w[i];
    if (g_prev)
        gcv_dense_input_grad(w, d, g_prev, rows, cols, m);
}

/* ---- the complex-step pass ---- */

/* Z = W·A + b with A and Z complex (W and b real). */
static void cdense_forward(const double *w, const double *b, const double complex *a,
                           double complex *z, size_t rows, size_t cols, size_t m)
{
    for (size_t i = 0; i < rows; i++) {
        double complex *zi = z + i * m;
        for (size_t k = 0; k < m; k++)
            zi[k] = b[i];
        for (size_t j = 0; j < cols; j++) {
            const double wij = w[i * cols + j];
            const double complex *aj = a + j * m;
            for (size_t k = 0; k < m; k++)
                zi[k] += wij * aj[k];
        }
    }
}

/* ac = f(zc)·mask, through f's complex form. */
static void activate_complex(const gcv_layer *ly, const double complex *zc, double complex *ac)
{
    size_t len = ly->rows * ly->m;
    const gcv_act *act = ly->act;
    const double *mk = ly->mask;
    for (size_t t = 0; t < len; t++) {
        ac[t] = act->cvalue(zc[t], ly->slope);
        if (mk)
            ac[t] *= mk[t];
    }
}

void gcv_layer_start_complex(const gcv_layer *ly, const double *theta, const double *a_prev,
                             size_t row, size_t col, int is_w, double h, double *z,
                             double complex *zc, double complex *ac)
{
    size_t m = ly->m;
    gcv_dense_forward(theta + ly->w_off, theta + ly->b_off, a_prev, z, ly->rows, ly->cols, m);
    for (size_t t = 0; t < ly->rows * m; t++)
        zc[t] = z[t];
    for (size_t k = 0; k < m; k++)
        zc[row * m + k] += I * (h * (is_w ? a_prev[col * m + k] : 1.0));
    if (ly->act)
        activate_complex(ly, zc, ac);
}

void gcv_layer_forward_complex(const gcv_layer *ly, const double *theta, double complex *ac,
                               double complex *zc)
{
    cdense_forward(theta + ly->w_off, theta + ly->b_off, ac, zc, ly->rows, ly->cols, ly->m);
    if (ly->act)
        activate_complex(ly, zc, ac);
}

/* ---- the incremental pass ---- */

size_t gcv_layer_activate_near(const gcv_layer *ly, size_t row, size_t rows, const double *z,
                               double *a)
{
    size_t m = ly->m, len = rows * m;
    const gcv_act *act = ly->act;
    if (act->near && !ly->mask) /* the cache's A is f(Z) itself: no mask applied to it */
        act->near(ly->z0 + row * m, ly->a0 + row * m, z, a, len, ly->slope);
    else
        act->forward(z, a, len, ly->slope);
    if (ly->mask) {
        const double *mk = ly->mask + row * m;
        for (size_t k = 0; k < len; k++)
            a[k] *= mk[k];
    }
    if (act->has_kink && ly->z0)
        return count_sign_changes(z, ly->z0 + row * m, len);
    return 0;
}

size_t gcv_layer_move_row(const gcv_layer *ly, const double *a_prev, size_t row, size_t col,
                          int is_w, double delta, double *zrow, double *darow)
{
    size_t m = ly->m;
    const double *z0 = ly->z0 + row * m;
    for (size_t k = 0; k < m; k++)
        zrow[k] = z0[k] + delta * (is_w ? a_prev[col * m + k] : 1.0);
    if (!ly->act)
        return 0;
    size_t kinks = gcv_layer_activate_near(ly, row, 1, zrow, darow);
    const double *a0 = ly->a0 + row * m;
    for (size_t k = 0; k < m; k++)
        darow[k] -= a0[k];
    return kinks;
}

int gcv_layer_forward_rank1(const gcv_layer *ly, const double *theta, size_t r,
                            const double *darow, double *z, double *a, double *rowbuf)
{
    size_t m = ly->m, rows = ly->rows, cols = ly->cols;
    const double *w = theta + ly->w_off, *z0 = ly->z0, *a0 = ly->a0;
    const gcv_act *f = ly->act;
    int active = f && f->near && !f->has_kink && !ly->mask;
    for (size_t i = 0; i < rows; i++) {
        const double wir = w[i * cols + r];
        double *zi = active ? rowbuf : z + i * m;
        for (size_t k = 0; k < m; k++)
            zi[k] = z0[i * m + k] + wir * darow[k];
        if (active)
            f->near(z0 + i * m, a0 + i * m, zi, a + i * m, m, ly->slope);
    }
    return active;
}

size_t gcv_layer_forward_near(const gcv_layer *ly, const double *theta, const double *a_prev,
                              double *z, double *a)
{
    gcv_dense_forward(theta + ly->w_off, theta + ly->b_off, a_prev, z, ly->rows, ly->cols,
                      ly->m);
    return ly->act ? gcv_layer_activate_near(ly, 0, ly->rows, z, a) : 0;
}

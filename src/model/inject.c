/* Fault injection (inject.h): the check of a spec's faults, the wrong_derivative step after
 * a layer's backward, and the faults on the finished gradient. */
#include "inject.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dense.h"

/* Parses "W3" / "b3" into its layer, or 0 when the name is no block of this net. */
static size_t block_layer(const char *name, size_t L)
{
    if ((name[0] != 'W' && name[0] != 'b') || name[1] < '1' || name[1] > '9')
        return 0;
    char *end;
    unsigned long v = strtoul(name + 1, &end, 10);
    return *end == '\0' && v >= 1 && v <= L ? (size_t)v : 0;
}

/* What fault in must be to change something, or NULL when it does. */
static const char *useless(const gcv_inject *in, size_t n_layers, const size_t *sizes,
                           const gcv_act_id *hidden, double l2, size_t m)
{
    size_t l = block_layer(in->block, n_layers);
    const gcv_act *with = gcv_act_get(in->with);
    if (!l)
        return "a block of the network";
    if (in->kind == GCV_INJECT_DROP_L2 && (in->block[0] != 'W' || l2 == 0.0))
        return "drop_l2 on a weight block of a net with l2 > 0 (otherwise it changes nothing)";
    if (in->kind == GCV_INJECT_WRONG_DERIVATIVE &&
        (l >= n_layers || in->with == hidden[l - 1] || !with ||
         !(with->where & GCV_ACT_HIDDEN)))
        return "wrong_derivative on a hidden layer's block, with another hidden activation";
    if (in->kind == GCV_INJECT_SCALE && (in->factor == 1.0 || !isfinite(in->factor)))
        return "scale with a finite factor other than 1";
    if (in->kind == GCV_INJECT_DROP_MEAN && m == 1)
        return "drop_mean with more than one example (with m = 1 it changes nothing)";
    if (in->kind == GCV_INJECT_TRANSPOSE &&
        (in->block[0] != 'W' || sizes[l] < 2 || sizes[l - 1] < 2))
        return "transpose on a weight block with at least two rows and two columns";
    if (in->only_row > sizes[l])
        return "a row inside the block";
    return NULL;
}

gcv_status gcv_inject_check(const gcv_inject *in, size_t n, size_t n_layers,
                            const size_t *sizes, const gcv_act_id *hidden, double l2, size_t m,
                            gcv_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *why = useless(&in[i], n_layers, sizes, hidden, l2, m);
        if (why) {
            snprintf(err->msg, sizeof err->msg,
                     "model.inject[%zu]: expected %s, got block \"%s\"", i, why, in[i].block);
            return GCV_ERR_INVALID;
        }
    }
    return GCV_OK;
}

void gcv_inject_derivative(const gcv_inject *in, size_t n, size_t layer, const gcv_layer *ly,
                           const double *theta, const double *a_prev, const double *z,
                           double *g, double *scratch, double *grad, double l2, double inv_m)
{
    const gcv_inject *wrong = NULL;
    for (size_t i = 0; i < n && !wrong; i++)
        if (in[i].kind == GCV_INJECT_WRONG_DERIVATIVE && (size_t)atoi(in[i].block + 1) == layer)
            wrong = &in[i];
    if (!wrong || !ly->act)
        return;
    size_t rows = ly->rows, cols = ly->cols, m = ly->m, len = rows * m;
    double *alt = scratch;
    memcpy(alt, g, len * sizeof *alt);
    gcv_act_get(wrong->with)->backward(z, NULL, alt, len, ly->slope);
    if (wrong->block[0] == 'W') {
        const double *w = theta + ly->w_off;
        double *gw = grad + ly->w_off;
        gcv_dense_weight_grad(alt, a_prev, gw, g /* the wrong db, unused */, rows, cols, m);
        if (l2 != 0.0)
            for (size_t i = 0; i < rows * cols; i++)
                gw[i] += l2 * inv_m * w[i];
    } else {
        double *gb = grad + ly->b_off;
        for (size_t i = 0; i < rows; i++) {
            double sb = 0.0;
            for (size_t k = 0; k < m; k++)
                sb += alt[i * m + k];
            gb[i] = sb;
        }
    }
}

/* The (cols, rows) matrix dWᵀ, flattened row-major where dW was expected. */
static int transpose(double *g, size_t rows, size_t cols)
{
    size_t len = rows * cols;
    double *t = malloc(len * sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            t[j * rows + i] = g[i * cols + j];
    memcpy(g, t, len * sizeof *t);
    free(t);
    return 0;
}

/* One fault on its finished block. */
static int apply_one(const gcv_inject *in, const gcv_layer *layers, const double *theta,
                     double *grad, double l2, size_t m)
{
    const gcv_layer *ly = &layers[atoi(in->block + 1)];
    int is_w = in->block[0] == 'W';
    size_t off = is_w ? ly->w_off : ly->b_off;
    size_t len = is_w ? ly->rows * ly->cols : ly->rows;
    double *g = grad + off;
    const double *w = theta + off;
    double reg = is_w ? l2 / (double)m : 0.0;
    if (in->kind == GCV_INJECT_TRANSPOSE)
        return transpose(g, ly->rows, ly->cols);
    size_t width = is_w ? ly->cols : 1;
    for (size_t i = 0; i < len; i++) {
        switch (in->kind) {
        case GCV_INJECT_SCALE:
            if (!in->only_row || i / width == in->only_row - 1)
                g[i] *= in->factor;
            break;
        case GCV_INJECT_SIGN: g[i] = -g[i]; break;
        case GCV_INJECT_ZERO: g[i] = 0.0; break;
        case GCV_INJECT_DROP_MEAN:
            g[i] = (g[i] - reg * w[i]) * (double)m + reg * w[i];
            break;
        case GCV_INJECT_DROP_L2: g[i] -= reg * w[i]; break;
        case GCV_INJECT_WRONG_DERIVATIVE:
        case GCV_INJECT_TRANSPOSE: break;
        }
    }
    return 0;
}

int gcv_inject_apply(const gcv_inject *in, size_t n, const gcv_layer *layers,
                     const double *theta, double *grad, double l2, size_t m)
{
    for (size_t i = 0; i < n; i++)
        if (apply_one(&in[i], layers, theta, grad, l2, m) != 0)
            return -1;
    return 0;
}

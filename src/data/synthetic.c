/* Synthetic data, reproducible from the seed with rng.h's generator:
 *   X (n0 × m) ~ N(0, 1), drawn row by row;
 *   a random teacher T (n_L × n0) ~ N(0, 1), drawn row by row from the same stream after X;
 *   scores S = T·X / √n0 (summed over i in increasing order, then divided).
 * Labels: binary_cross_entropy: y = 1 where S is above its output row's median, else 0, so
 * each output has balanced classes; softmax_cross_entropy: one-hot of argmax_k
 * (S[k, j] − median of row k), the first k on ties, so no class dominates; mse: y = tanh(S).
 * The scores are computed a block of examples at a time, so X streams through the cache
 * once and not once per output; T is held whole only when it is small (n_L·n0 ≤ 2^20),
 * else drawn and applied one row at a time. Either way every score is the same sum in the
 * same order, so the data do not depend on how it was computed. */
#include "data/synthetic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/rng.h"

/* Teacher values held at once: 8 MB. */
#define TEACHER_WHOLE ((size_t)1 << 20)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, size_t m, double *tmp)
{
    memcpy(tmp, v, m * sizeof *tmp);
    qsort(tmp, m, sizeof *tmp, cmp_double);
    return m % 2 ? tmp[m / 2] : 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]);
}

/* Labels y (n_out × m) from the teacher's scores s and their row medians. */
static void teacher_labels(size_t n_out, size_t m, gcv_loss_id loss, const double *s,
                           const double *med, double *y)
{
    for (size_t j = 0; j < m; j++) {
        size_t best = 0;
        for (size_t k = 0; k < n_out; k++) {
            double v = s[k * m + j];
            if (v - med[k] > s[best * m + j] - med[best])
                best = k;
            if (loss == GCV_LOSS_BCE)
                y[k * m + j] = v > med[k] ? 1.0 : 0.0;
            else if (loss == GCV_LOSS_MSE)
                y[k * m + j] = tanh(v);
        }
        for (size_t k = 0; loss == GCV_LOSS_SOFTMAX_CE && k < n_out; k++)
            y[k * m + j] = k == best ? 1.0 : 0.0;
    }
}

/* Examples per block of the scores: a block of S (n_out × 256) stays in cache while X's
 * columns stream past once for all outputs, instead of once per output. */
#define SCORE_BLOCK 256

/* S[k, j] += Σ_i t_k[i]·X[i, j] for the n_rows rows of t (row k at t + k·n0) and the
 * examples of one block [j0, j1): each S[k, j] still summed over i in increasing order. */
static void scores_block(const double *t, size_t n_rows, size_t n0, size_t m, const double *x,
                         double *s, size_t j0, size_t j1)
{
    for (size_t k = 0; k < n_rows; k++) {
        double *sk = s + k * m;
        const double *tk = t + k * n0;
        for (size_t i = 0; i < n0; i++) {
            const double *xi = x + i * m;
            for (size_t j = j0; j < j1; j++)
                sk[j] += tk[i] * xi[j];
        }
    }
}

/* The scores S (n_out × m, zeroed) of the teacher drawn from r after X, and their row
 * medians. t holds n_t teacher rows of n0 (n_t = n_out: the whole teacher, drawn first and
 * applied block by block; else one row at a time). */
static void teacher_scores(gcv_rng *r, size_t n0, size_t n_out, size_t m, const double *x,
                           double *t, size_t n_t, double *s, double *med, double *tmp)
{
    double root = sqrt((double)n0);
    for (size_t k0 = 0; k0 < n_out; k0 += n_t) {
        for (size_t i = 0; i < n_t * n0; i++)
            t[i] = gcv_rng_normal(r);
        for (size_t j0 = 0; j0 < m; j0 += SCORE_BLOCK)
            scores_block(t, n_t, n0, m, x, s + k0 * m, j0,
                         m - j0 < SCORE_BLOCK ? m : j0 + SCORE_BLOCK);
    }
    for (size_t k = 0; k < n_out; k++) {
        double *sk = s + k * m;
        for (size_t j = 0; j < m; j++)
            sk[j] /= root;
        med[k] = median(sk, m, tmp);
    }
}

gcv_status gcv_synthetic(size_t n0, size_t n_out, size_t m, gcv_loss_id loss, uint64_t seed,
                         double **x, double **y)
{
    /* The whole teacher when it is small (it is drawn row after row either way). */
    size_t n_t = n0 * n_out <= TEACHER_WHOLE ? n_out : 1;
    double *t = malloc(n_t * n0 * sizeof *t), *s = calloc(n_out * m, sizeof *s);
    double *tmp = malloc(m * sizeof *tmp), *med = malloc(n_out * sizeof *med);
    *x = malloc(n0 * m * sizeof **x);
    *y = malloc(n_out * m * sizeof **y);
    gcv_status st = GCV_OK;
    if (!t || !s || !tmp || !med || !*x || !*y) {
        free(*x);
        free(*y);
        *x = *y = NULL;
        st = GCV_ERR_NOMEM;
    } else {
        gcv_rng r;
        gcv_rng_seed(&r, seed);
        for (size_t i = 0; i < n0 * m; i++)
            (*x)[i] = gcv_rng_normal(&r);
        teacher_scores(&r, n0, n_out, m, *x, t, n_t, s, med, tmp);
        teacher_labels(n_out, m, loss, s, med, *y);
    }
    free(t);
    free(s);
    free(tmp);
    free(med);
    return st;
}

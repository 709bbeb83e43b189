/* Why a block fails: the least-squares factor between analytic and numeric gradients (a
 * doubled or forgotten factor, a flipped sign, a missing gradient), a transposed matrix,
 * errors confined to rows or columns; and the Taylor remainder test, whose observed order
 * (≈ 2 for a right gradient, ≈ 1 for a wrong one) needs no threshold at all. */
#include <math.h>
#include <stdlib.h>

#include "engine/blocks.h"
#include "engine/internal.h"
#include "util/rng.h"

static int usable(const gcv_param_result *p)
{
    return (p->status == GCV_PARAM_OK || p->status == GCV_PARAM_MISMATCH) &&
           isfinite(p->analytic) && isfinite(p->numeric);
}

/* Sums for a normalized difference and its noise floor (plain sums: the values compared are
 * gradients, far from overflow, and this is serial, so the order is fixed). */
typedef struct sums {
    double dd, gg, nn, ff;
} sums;

static void sums_add(sums *s, double g, double n, double f)
{
    s->dd += (g - n) * (g - n);
    s->gg += g * g;
    s->nn += n * n;
    s->ff += f * f;
}

static double sums_diff(const sums *s)
{
    double den = sqrt(s->gg) + sqrt(s->nn);
    return den > 0.0 ? sqrt(s->dd) / den : 0.0;
}

static double sums_floor(const sums *s)
{
    double den = sqrt(s->gg) + sqrt(s->nn);
    return den > 0.0 ? sqrt(s->ff) / den : 0.0;
}

static int line_is_bad(const sums *s, double threshold)
{
    double d = sums_diff(s);
    return d > threshold && d > GCV_MARGIN * sums_floor(s);
}

int gcv_diagnose_block(const gcv_model *m, size_t b, gcv_result *r)
{
    const gcv_block *bl = &m->blocks[b];
    gcv_block_result *br = &r->blocks[b];
    gcv_param_result *owned;
    const gcv_param_result *p = gcv_block_params(bl, r->params, &owned);
    size_t rows = bl->rows, cols = bl->cols;
    double gn = 0.0, nn = 0.0;
    sums *row = calloc(rows, sizeof *row), *col = calloc(cols, sizeof *col);
    if (!row || !col || !p) {
        free(row);
        free(col);
        free(owned);
        return -1;
    }
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            const gcv_param_result *q = &p[i * cols + j];
            if (!usable(q))
                continue;
            gn += q->analytic * q->numeric;
            nn += q->numeric * q->numeric;
            sums_add(&row[i], q->analytic, q->numeric, q->floor);
            sums_add(&col[j], q->analytic, q->numeric, q->floor);
        }
    br->scale = nn > 0.0 ? gn / nn : 0.0;
    double res = 0.0, gg = 0.0;
    for (size_t k = 0; k < rows * cols; k++)
        if (usable(&p[k])) {
            double e = p[k].analytic - br->scale * p[k].numeric;
            res += e * e;
            gg += p[k].analytic * p[k].analytic;
        }
    /* Relative to ‖g‖ + ‖s·g̃‖, so a missing gradient (g = 0, s = 0) fits exactly. */
    double den = sqrt(gg) + fabs(br->scale) * sqrt(nn);
    br->scale_residual = den > 0.0 ? sqrt(res) / den : 0.0;
    br->bad_rows = br->bad_cols = br->live_rows = br->live_cols = 0;
    for (size_t i = 0; i < rows; i++)
        br->live_rows += row[i].gg + row[i].nn > 0.0;
    for (size_t j = 0; j < cols; j++)
        br->live_cols += col[j].gg + col[j].nn > 0.0;
    /* Rows and columns say something only about a matrix; a vector's "rows" are its entries. */
    for (size_t i = rows; cols > 1 && i-- > 0;)
        if (line_is_bad(&row[i], r->options.threshold)) {
            br->bad_rows++;
            br->first_bad_row = i;
        }
    for (size_t j = cols; rows > 1 && j-- > 0;)
        if (line_is_bad(&col[j], r->options.threshold)) {
            br->bad_cols++;
            br->first_bad_col = j;
        }
    free(row);
    free(col);

    /* A transposed W: analytic read as the (cols, rows) matrix it was computed as. */
    br->transposed_difference = NAN;
    if (rows > 1 && cols > 1 && bl->ndim <= 2) { /* a matrix, not an N-d block seen as one */
        sums t = {0, 0, 0, 0};
        int all = 1;
        for (size_t i = 0; i < rows && all; i++)
            for (size_t j = 0; j < cols; j++) {
                const gcv_param_result *q = &p[i * cols + j], *a = &p[j * rows + i];
                if (!isfinite(a->analytic) || !isfinite(q->numeric) ||
                    q->status == GCV_PARAM_UNCHECKED || a->status == GCV_PARAM_UNCHECKED) {
                    all = 0;
                    break;
                }
                sums_add(&t, a->analytic, q->numeric, 0.0);
            }
        if (all)
            br->transposed_difference = sums_diff(&t);
    }
    free(owned);
    return 0;
}

/* Least-squares slope of log r against log h over the smallest steps whose remainder is
 * above the noise: the asymptotic regime, where the order shows. */
static double fit_order(const double *h, const double *rem, int n, double noise)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int k = 0;
    for (int i = n - 1; i >= 0 && k < 6; i--) {
        if (!(rem[i] > noise) || !isfinite(rem[i]))
            continue;
        double x = log(h[i]), y = log(rem[i]);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        k++;
    }
    if (k < 3)
        return NAN;
    double den = k * sxx - sx * sx;
    return den != 0.0 ? (k * sxy - sx * sy) / den : NAN;
}

#define TAYLOR_STEPS 12
/* A float model's J is rounded 2²⁹ times more coarsely: its remainders sink into the noise
 * 15 halvings sooner, so its steps start 2⁴ higher (1.6) and run 16 long, ending where a
 * double model's do; the fit still takes the smallest steps above the noise. */
#define TAYLOR_STEPS_FLOAT 16

int gcv_taylor_test(const gcv_model *m, const gcv_options *o, const double *grad, double cost0,
                    gcv_result *r)
{
    size_t P = m->n_params;
    double *th = malloc(P * sizeof *th), *v = NULL;
    void *ws = gcv_ws_alloc(m->ws_bytes);
    size_t maxb = 0;
    for (size_t b = 0; b < m->n_blocks; b++)
        if (m->blocks[b].rows * m->blocks[b].cols > maxb)
            maxb = m->blocks[b].rows * m->blocks[b].cols;
    v = malloc(maxb * sizeof *v);
    if (!th || !ws || !v) {
        free(th);
        free(ws);
        free(v);
        return -1;
    }
    for (size_t i = 0; i < P; i++)
        th[i] = m->theta[i];
    /* Rounding of J is about κu|J|: remainders below a hundred times that are noise. */
    double noise = 100.0 * GCV_KAPPA * gcv_model_u(m) * fabs(cost0);
    gcv_trace_slot *slot = gcv_trace_slot_of(o, 0);
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        size_t n = bl->rows * bl->cols;
        gcv_rng rng;
        gcv_rng_seed(&rng, o->taylor_seed ^ (0x7a11u + b));
        double norm = 0.0, gv = 0.0;
        for (size_t k = 0; k < n; k++) {
            v[k] = gcv_rng_normal(&rng);
            norm += v[k] * v[k];
        }
        norm = sqrt(norm);
        for (size_t k = 0; k < n; k++) {
            v[k] /= norm;
            gv += grad[gcv_block_index(bl, k)] * v[k];
        }
        const int steps = m->precision == GCV_FLOAT ? TAYLOR_STEPS_FLOAT : TAYLOR_STEPS;
        double hs[TAYLOR_STEPS_FLOAT], rem[TAYLOR_STEPS_FLOAT];
        for (int s = 0; s < steps; s++) {
            double h = 0.1 * ldexp(1.0, steps - TAYLOR_STEPS - s), j = NAN, lin = h * gv;
            for (size_t k = 0; k < n; k++) {
                size_t i = gcv_block_index(bl, k);
                th[i] = m->precision == GCV_FLOAT ? gcv_model_offset(m, m->theta[i], h * v[k])
                                                  : m->theta[i] + h * v[k];
            }
            if (m->precision == GCV_FLOAT) { /* the linear term along the step taken */
                lin = 0.0;
                for (size_t k = 0; k < n; k++)
                    lin += grad[gcv_block_index(bl, k)] *
                           (th[gcv_block_index(bl, k)] - m->theta[gcv_block_index(bl, k)]);
            }
            gcv_trace_mark(slot, GCV_PHASE_COST, SIZE_MAX);
            if (m->cost(m, th, ws, &j) != 0)
                j = NAN;
            gcv_trace_mark(slot, GCV_PHASE_IDLE, SIZE_MAX);
            hs[s] = h;
            rem[s] = fabs(j - cost0 - lin);
            r->evaluations++;
        }
        for (size_t k = 0; k < n; k++)
            th[gcv_block_index(bl, k)] = m->theta[gcv_block_index(bl, k)];
        r->blocks[b].taylor_order = fit_order(hs, rem, steps, noise);
    }
    free(th);
    free(ws);
    free(v);
    return 0;
}

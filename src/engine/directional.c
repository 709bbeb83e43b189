/* The directional check: for each block, a few seeded random unit directions v supported on
 * the block, and the central difference (J(θ+hv) − J(θ−hv)) / 2h against g·v. A wrong block
 * shows in almost every direction, so a per-layer verdict costs O(blocks) evaluations instead
 * of O(P); --drill-down then checks the failing blocks parameter by parameter.
 *
 * Like the per-parameter loop, the pass looks at the run's watch (the stop flag SIGINT and
 * SIGTERM set, the --max-seconds deadline) before each direction: once it says stop, the
 * directions not yet taken are left out, a block with none taken is unchecked, and the engine
 * marks the result stopped (inconclusive at best). */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "util/rng.h"
#include "util/watch.h"

typedef struct dir_result {
    double analytic, numeric, floor;
    int finite;
    int taken; /* 0: left out by a stop */
} dir_result;

/* Direction d of block b: N(0,1) entries from a seed of (seed, b, d), scaled to unit norm. */
static void direction(const gcv_options *o, size_t b, unsigned d, double *v, size_t n)
{
    gcv_rng r;
    gcv_rng_seed(&r, o->direction_seed ^ (0xd1ec7u + 0x10000u * (uint64_t)b + d));
    double norm = 0.0;
    for (size_t k = 0; k < n; k++) {
        v[k] = gcv_rng_normal(&r);
        norm += v[k] * v[k];
    }
    norm = sqrt(norm);
    for (size_t k = 0; k < n; k++)
        v[k] /= norm;
}

/* Central difference along v with step h; the steps taken are exactly (θ ± h·v) − θ only up
 * to rounding of each entry, so the slope uses h and the floor carries that rounding. For a
 * float model that rounding is large (u = 2⁻²⁴ of each θ): there the entries are rounded to
 * float and *gd gets g·(θ⁺ − θ⁻)/2h, the analytic slope along the step actually taken. */
static double slope(const gcv_model *m, const gcv_block *bl, const double *v, double h,
                    const double *g, double *th, void *ws, double *jmax, int *finite,
                    double *gd, gcv_trace_slot *slot)
{
    double j[2];
    const double *t0 = m->theta;
    for (int s = 0; s < 2; s++) {
        double sg = s ? -1.0 : 1.0;
        for (size_t k = 0; k < bl->rows * bl->cols; k++) {
            size_t i = gcv_block_index(bl, k);
            th[i] = m->precision == GCV_FLOAT ? gcv_model_offset(m, t0[i], sg * h * v[k])
                                             : t0[i] + sg * h * v[k];
        }
        if (s == 0 && m->precision == GCV_FLOAT) {
            *gd = 0.0;
            for (size_t k = 0; k < bl->rows * bl->cols; k++)
                *gd += g[gcv_block_index(bl, k)] * (th[gcv_block_index(bl, k)] -
                                                    t0[gcv_block_index(bl, k)]);
        } else if (m->precision == GCV_FLOAT) {
            for (size_t k = 0; k < bl->rows * bl->cols; k++)
                *gd += g[gcv_block_index(bl, k)] * (t0[gcv_block_index(bl, k)] -
                                                    th[gcv_block_index(bl, k)]);
            *gd /= 2.0 * h;
        }
        gcv_trace_mark(slot, GCV_PHASE_COST, SIZE_MAX);
        if (m->cost(m, th, ws, &j[s]) != 0)
            j[s] = NAN;
        *finite &= isfinite(j[s]);
        *jmax = fmax(*jmax, fabs(j[s]));
    }
    for (size_t k = 0; k < bl->rows * bl->cols; k++)
        th[gcv_block_index(bl, k)] = m->theta[gcv_block_index(bl, k)];
    return (j[0] - j[1]) / (2.0 * h);
}

static void one_direction(const gcv_model *m, const gcv_options *o, const double *grad,
                          size_t b, unsigned d, double *th, void *ws, double *v,
                          dir_result *out, gcv_trace_slot *slot)
{
    const gcv_block *bl = &m->blocks[b];
    size_t n = bl->rows * bl->cols;
    direction(o, b, d, v, n);
    double gv = 0.0;
    for (size_t k = 0; k < n; k++)
        gv += grad[gcv_block_index(bl, k)] * v[k];
    double u = gcv_model_u(m);
    double h = o->epsilon_auto ? cbrt(2.0 * u) : o->epsilon, jmax = 0.0, gd1 = gv, gd2 = gv;
    int finite = 1;
    const double *g = grad;
    double d1 = slope(m, bl, v, h, g, th, ws, &jmax, &finite, &gd1, slot);
    double d2 = slope(m, bl, v, 0.5 * h, g, th, ws, &jmax, &finite, &gd2, slot);
    /* A float model: each slope corrected by what its rounded step added along g. */
    d1 += gv - gd1;
    d2 += gv - gd2;
    out->analytic = gv;
    out->numeric = d1;
    /* Rounding of J over the step, plus the truncation seen from the half step (O(h²)). */
    out->floor = GCV_KAPPA * u * 2.0 * jmax / (2.0 * h) + fabs(d1 - d2) / 0.75;
    out->finite = finite && isfinite(gv);
}

static void reduce_directions(const gcv_options *o, unsigned nd, const dir_result *dr,
                              gcv_block_result *br)
{
    double dd = 0.0, gg = 0.0, nn = 0.0, ff = 0.0, gn = 0.0;
    int finite = 1;
    unsigned taken = 0;
    for (unsigned d = 0; d < nd; d++) {
        if (!dr[d].taken)
            continue; /* left out by a stop: contributes zeros below */
        taken++;
        finite &= dr[d].finite;
        dd += (dr[d].analytic - dr[d].numeric) * (dr[d].analytic - dr[d].numeric);
        gg += dr[d].analytic * dr[d].analytic;
        nn += dr[d].numeric * dr[d].numeric;
        gn += dr[d].analytic * dr[d].numeric;
        ff += dr[d].floor * dr[d].floor;
    }
    double den = sqrt(gg) + sqrt(nn);
    memset(br, 0, sizeof *br);
    br->directions = taken; /* none taken: the verdict calls the block unchecked */
    br->norm_analytic = sqrt(gg);
    br->norm_numeric = sqrt(nn);
    br->difference = den > 0.0 ? sqrt(dd) / den : 0.0;
    br->floor_difference = den > 0.0 ? sqrt(ff) / den : 0.0;
    br->scale = nn > 0.0 ? gn / nn : 0.0;
    double res = 0.0;
    for (unsigned d = 0; d < nd; d++) {
        if (!dr[d].taken)
            continue;
        double e = dr[d].analytic - br->scale * dr[d].numeric;
        res += e * e;
    }
    double sden = sqrt(gg) + fabs(br->scale) * sqrt(nn);
    br->scale_residual = sden > 0.0 ? sqrt(res) / sden : 0.0;
    br->taylor_order = NAN;
    br->transposed_difference = NAN;
    /* The rule of a block checked parameter by parameter. A direction with a non-finite
     * cost or gradient leaves the difference NaN or 0 or the floor non-finite, so such a
     * block is never over the threshold and resolved: it is inconclusive, not failed. */
    br->nonfinite = !finite;
    gcv_block_verdict(br, o->threshold);
}

int gcv_directional(const gcv_model *m, const gcv_options *o, const double *grad,
                    gcv_block_result *out, size_t *evaluations)
{
    unsigned nd = o->directions ? o->directions : 3;
    size_t pairs = m->n_blocks * nd, maxb = 0, P = m->n_params;
    for (size_t b = 0; b < m->n_blocks; b++)
        if (m->blocks[b].rows * m->blocks[b].cols > maxb)
            maxb = m->blocks[b].rows * m->blocks[b].cols;
    dir_result *dr = calloc(pairs, sizeof *dr);
    int failed = dr == NULL;
    /* The run's watch, its deadline counted from the run's start (else from now). */
    gcv_watch w = gcv_watch_of(o->stop, o->started > 0.0 ? o->started : gcv_clock_now(),
                               o->max_seconds);
#pragma omp parallel if (pairs > 1)
    {
        gcv_trace_slot *slot = gcv_trace_slot_of(o, omp_get_thread_num());
        double *th = malloc(P * sizeof *th), *v = malloc(maxb * sizeof *v);
        void *ws = gcv_ws_alloc(m->ws_bytes);
        int ok = th && v && ws && dr;
        if (ok)
            memcpy(th, m->theta, P * sizeof *th);
        else {
#pragma omp atomic write
            failed = 1;
        }
        /* Each pair writes its own slot; the sums come after, serially. */
#pragma omp for schedule(dynamic, 1)
        for (size_t p = 0; p < pairs; p++)
            if (ok && !gcv_watch_stopped(&w)) {
                one_direction(m, o, grad, p / nd, (unsigned)(p % nd), th, ws, v, &dr[p], slot);
                dr[p].taken = 1;
            }
        gcv_trace_mark(slot, GCV_PHASE_IDLE, SIZE_MAX);
        free(th);
        free(v);
        free(ws);
    }
    if (failed) {
        free(dr);
        return -1;
    }
    for (size_t b = 0; b < m->n_blocks; b++)
        reduce_directions(o, nd, dr + b * nd, &out[b]);
    for (size_t p = 0; p < pairs; p++)
        *evaluations += 4 * (size_t)dr[p].taken;
    free(dr);
    return 0;
}

/* The measured noise of the cost, per block: Moré and Wild's ECnoise ("Estimating computational
 * noise", SIAM J. Sci. Comput. 33, 2011) on a few parameters of each block.
 *
 * Why measure it. A difference quotient's error from the cost's rounding is about σ/h, σ the
 * standard deviation of J's noise. The worst-case bound κ·u·|J| (κ = 8) is what a cost made
 * of many rounded terms could do at worst; what a real model does is often ten times less
 * (the errors cancel) or, for a float model with long sums, more. A floor from the bound
 * then either hides real errors (too large: "within the noise" on a wrong gradient) or
 * calls noise a mismatch (too small). Measured, the floor a correct model's difference
 * shows and the floor gcverify claims agree within a small factor.
 *
 * How. For parameter i, J at θᵢ + j·h, j = −3..3 (h the check's step; J(θ) known): the k-th
 * differences of a smooth function shrink like hᵏ, those of noise grow like √(2k choose k),
 * so σ_k = √(γ_k · mean(Δᵏ J)²), γ_k = (k!)²/(2k)!, estimates σ once the smooth part is
 * gone. ECnoise takes the first k whose σ_k, σ_{k+1}, σ_{k+2} agree within a factor 4 and
 * whose k-th differences change sign (noise, not a smooth trend). A parameter whose J does
 * not move at all (no noise seen) or never settles gives no estimate. Per block, up to
 * NOISE_SAMPLE parameters spread over it are tried and the largest estimate kept (a
 * block's floor should not be the luckiest one); 6 evaluations each, and no more than 5% of
 * a central pass in all (one parameter a block at least): not a second step for every
 * parameter. Serial, in
 * index order: the same bits for any thread count. A stop (signal, max_seconds) is looked at
 * before every evaluation and ends the measurement, and with it the check. */
#include <math.h>

#include "engine/internal.h"

#define NOISE_POINTS 7 /* θ + j·h, j = −3..3 */
#define NOISE_SAMPLE 3

/* ECnoise on fval[0..NOISE_POINTS): σ, or −1 when the table shows no noise or no level. */
static double ecnoise(double *fval)
{
    const int nf = NOISE_POINTS;
    double noise[NOISE_POINTS], gamma = 1.0, lo_f = fval[0], hi_f = fval[0];
    int sign_change[NOISE_POINTS] = {0};
    for (int k = 1; k < nf; k++) {
        lo_f = lo_f < fval[k] ? lo_f : fval[k];
        hi_f = hi_f > fval[k] ? hi_f : fval[k];
    }
    /* J must stay within 10% over the stencil: past that the step, not noise, is seen. */
    if (!isfinite(lo_f) || !isfinite(hi_f) || (hi_f - lo_f) > 0.1 * fmax(fabs(lo_f), fabs(hi_f)))
        return -1.0;
    for (int j = 0; j < nf - 1; j++) {
        double ssq = 0.0, emin = HUGE_VAL, emax = -HUGE_VAL;
        for (int i = 0; i < nf - j - 1; i++) {
            fval[i] = fval[i + 1] - fval[i];
            ssq += fval[i] * fval[i];
            emin = fval[i] < emin ? fval[i] : emin;
            emax = fval[i] > emax ? fval[i] : emax;
        }
        gamma *= 0.5 * (double)(j + 1) / (double)(2 * j + 1);
        noise[j] = sqrt(gamma * ssq / (double)(nf - j - 1));
        sign_change[j] = emin * emax < 0.0;
    }
    for (int k = 0; k + 2 < nf - 1; k++) {
        double lo = fmin(noise[k], fmin(noise[k + 1], noise[k + 2]));
        double hi = fmax(noise[k], fmax(noise[k + 1], noise[k + 2]));
        if (lo > 0.0 && hi <= 4.0 * lo && sign_change[k])
            return noise[k];
    }
    return -1.0;
}

/* Point j of the noise table: θᵢ = t moved (j − 3) steps of h, each step from the last
 * (as the model rounds it), so the points are what gcv_model_offset gives. */
static double noise_point(const gcv_model *m, double t, double h, int j)
{
    int k = j - NOISE_POINTS / 2;
    double v = t;
    for (int s = 0; s < (k < 0 ? -k : k); s++)
        v = gcv_model_offset(m, v, k < 0 ? -h : h);
    return v;
}

/* σ at parameter i from the points θᵢ + j·h; −1 when none. th[i] restored. */
static double noise_at(const gcv_loop_ctx *c, double *th, void *ws, size_t i, double h,
                       size_t *evals)
{
    const double t = c->m->theta[i];
    double fval[NOISE_POINTS];
    int broken = 0;
    gcv_estimate e = {NAN, 0.0, 0.0, 0.0, 0, 0, 1, NAN, NAN};
    if (c->m->prefetch && c->incremental) {
        /* A worker process answers the six points in one round trip (prefetch.c): the
         * same values, computed as the loop below computes them. */
        size_t idx[NOISE_POINTS];
        double val[NOISE_POINTS];
        size_t n = 0;
        for (int j = 0; j < NOISE_POINTS; j++) {
            if (j != NOISE_POINTS / 2) {
                idx[n] = i;
                val[n++] = noise_point(c->m, t, h, j);
            }
        }
        (void)c->m->prefetch(c->m, ws, idx, val, n);
    }
    for (int j = 0; j < NOISE_POINTS; j++) {
        if (gcv_watch_stopped(&c->watch)) { /* a stop or max_seconds: no more evaluations */
            *c->halted = 1;
            break;
        }
        fval[j] = j == NOISE_POINTS / 2 ? c->cost0
                                         : gcv_eval_at(c, th, i, noise_point(c->m, t, h, j), ws, &e);
        if (!isfinite(fval[j])) { /* a failed evaluation: no noise from here, and no more
                                     tries (a model that crashes there crashes at each) */
            broken = 1;
            break;
        }
    }
    th[i] = t;
    *evals += e.evals;
    return e.kinks || *c->halted || broken ? -1.0 : ecnoise(fval);
}

void gcv_measure_noise(const gcv_loop_ctx *c, double *th, void *ws, double *sigma,
                       size_t *evals)
{
    const gcv_model *m = c->m;
    /* Up to NOISE_SAMPLE per block while the whole costs at most 5% of a central pass (2P
     * evaluations); at least one per block. */
    size_t per = (m->n_params / 10) / ((NOISE_POINTS - 1) * m->n_blocks);
    per = per < 1 ? 1 : per > NOISE_SAMPLE ? NOISE_SAMPLE : per;
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        size_t n = bl->rows * bl->cols, tries = n < per ? n : per;
        sigma[b] = -1.0;
        for (size_t k = 0; k < tries && !*c->halted; k++) {
            size_t i = gcv_block_index(bl, (2 * k + 1) * n / (2 * tries)); /* spread over the block */
            double t = m->theta[i];
            /* A central check's own step, bit for bit, so that the stencil's θᵢ ± h are
             * its points (memo.c); the other methods' steps are not 1/3 powers of u. */
            double h = c->o->epsilon;
            if (c->o->method == GCV_METHOD_CENTRAL)
                h = gcv_step_for(c, t, i);
            else if (c->o->epsilon_auto || !(c->o->epsilon > 0.0))
                h = cbrt(2.0 * gcv_model_u(m)) * fmax(fabs(t), 1.0);
            double s = noise_at(c, th, ws, i, h, evals);
            sigma[b] = s > sigma[b] ? s : sigma[b];
        }
    }
}

/* Escalation: a block whose difference is over the threshold is never passed as "within the
 * noise"; its suspects are looked at closer until the block is decided or the budget is spent.
 *
 * Why. One central difference per parameter at one step is the cheapest check there is, and
 * for most blocks of a correct model it is decisive (difference far below the threshold).
 * Where it is not, the cause is one of three: a wrong gradient, a step too small for the
 * cost's noise (float models; gradients far below |J|), or a step too large for the cost's
 * curvature (a user's ε = 0.1). A second step for every parameter pays for all three on
 * every parameter; here only the parameters of the blocks over the threshold pay, largest
 * error first, and they pay for a scheme that settles all three.
 *
 * The scheme (gcv_refine_param): central differences D_k on a ladder of steps h_k = h₀·4ᵏ
 * around the step that balances O(h²) truncation and rounding (from a quarter of it up to
 * 0.025·max(|θ|,1) in double; in float from the default ε, 2⁻⁸, up to max(|θ|,1), where
 * noise needs large steps), and
 * their Richardson extrapolations R_k (O(h⁴)). Each candidate's error is its truncation seen
 * from the next rung (a fifteenth of the distance, where the rung below confirms that the
 * leading term dominates; the whole distance to the farther neighbour where it does not) plus
 * its noise σ/h from the block's measured noise (noise.c), so a chance agreement of two noisy
 * rungs cannot pass for accuracy. The candidate with the smallest error wins; that error is
 * the parameter's floor.
 *
 * The decision per block, after each batch (4 suspects, then up to twice as many each round
 * but no more than would bring the block to its threshold if they came out exact: a block
 * that n suspects decide costs at most 2n ladders, usually about n):
 *   - difference ≤ threshold: decided (pass);
 *   - the refined suspects alone prove the threshold exceeded, ‖(|g − g̃| − 4·floor)₊‖ over
 *     them above threshold·(‖g‖ + ‖g̃‖), and the whole block is resolved (difference over 4×
 *     its floor): decided (fail), no need to refine the rest;
 *   - every suspect refined: the block verdict decides (fail when resolved); a block within
 *     4× its floor takes another pass, its suspects again with the ladder averaged over 4
 *     and then 16 copies (averaged_ladder), and after the third is inconclusive with the
 *     smallest error it could have missed.
 * Blocks still open when the budget (check.escalation.max_evaluations) is spent get the
 * floors of their unrefined suspects raised to their errors: inconclusive, never a verdict
 * from a value whose accuracy was not established. Decisions depend only on the slots, and
 * each batch is refined in parallel into its own slots: the same bits for any thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

#define FIRST_BATCH 4
#define LADDER_MAX GCV_LADDER_MAX
/* Passes over an undecided block: 1 the ladder; 2 and 3 the ladder averaged over 4 and 16
 * slightly different steps (averaged_ladder). */
#define PASS_MAX 3

enum { BLOCK_CLEAR = 0, BLOCK_OPEN, BLOCK_DECIDED };

struct gcv_escalation {
    const gcv_model *m;
    double threshold;
    size_t budget, evals0, per_param;
    unsigned char *state; /* per block */
    size_t **ord;         /* per open block: its suspects, largest error first */
    size_t *n_ord, *done, *batch, *take;
    unsigned char *pass; /* per block, 1 … PASS_MAX */
    unsigned char *touched; /* per parameter: refined in some pass */
    size_t *list;
};

static int counts(const gcv_param_result *p)
{
    return p->status == GCV_PARAM_OK || p->status == GCV_PARAM_MISMATCH;
}

static size_t evaluations_of(const gcv_param_result *params, size_t n)
{
    size_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += params[i].evaluations;
    return s;
}

/* The ladder's rungs: the first step and how many, for θᵢ = t. */
static void ladder(const gcv_model *m, double t, double *h0, int *rungs)
{
    double s = fmax(fabs(t), 1.0);
    if (m->precision == GCV_FLOAT) {
        *h0 = 0x1p-8 * s; /* 2⁻⁸ … 1 */
        *rungs = 5;
    } else {
        *h0 = cbrt(2.0 * GCV_U) / 16.0 * s; /* 3.8e-7 … 0.025 */
        *rungs = 9;
    }
}

/* Block b's sums of squares over its counted parameters: of g − g̃ into dd, of g and g̃ into
 * gg and nn, of the floors into ff. */
static void block_sums(const gcv_escalation *e, const gcv_param_result *params, size_t b,
                       double *dd, double *gg, double *nn, double *ff)
{
    const gcv_block *bl = &e->m->blocks[b];
    *dd = *gg = *nn = *ff = 0.0;
    for (size_t k = 0; k < bl->rows * bl->cols; k++) {
        const gcv_param_result *p = &params[gcv_block_index(bl, k)];
        if (!counts(p))
            continue;
        *dd += (p->analytic - p->numeric) * (p->analytic - p->numeric);
        *gg += p->analytic * p->analytic;
        *nn += p->numeric * p->numeric;
        *ff += p->floor * p->floor;
    }
}

/* Block b's difference, floor difference and the refined suspects' lower bound. */
static void block_stats(const gcv_escalation *e, const gcv_param_result *params, size_t b,
                        double *d, double *fd, double *lb)
{
    double dd, gg, nn, ff, ll = 0.0;
    block_sums(e, params, b, &dd, &gg, &nn, &ff);
    for (size_t k = 0; e->ord && e->ord[b] && k < e->n_ord[b]; k++) {
        if (!e->touched[e->ord[b][k]])
            continue;
        const gcv_param_result *p = &params[e->ord[b][k]];
        double x = fmax(0.0, p->abs_error - GCV_MARGIN * p->floor);
        ll += x * x;
    }
    double den = sqrt(gg) + sqrt(nn);
    *d = den > 0.0 ? sqrt(dd) / den : 0.0;
    *fd = den > 0.0 ? sqrt(ff) / den : 0.0;
    *lb = den > 0.0 ? sqrt(ll) / den : 0.0;
}

typedef struct by_err {
    double a;
    size_t i;
} by_err;

static int larger_first(const void *x, const void *y)
{
    const by_err *p = x, *q = y;
    if (p->a != q->a)
        return p->a > q->a ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

/* Open block b's suspects, largest floor first. Returns 0, or -1 when out of memory. */
static int order_by_floor(gcv_escalation *e, const gcv_param_result *params, size_t b)
{
    size_t n = e->n_ord[b];
    by_err *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return -1;
    for (size_t k = 0; k < n; k++)
        v[k] = (by_err){params[e->ord[b][k]].floor, e->ord[b][k]};
    qsort(v, n, sizeof *v, larger_first);
    for (size_t k = 0; k < n; k++)
        e->ord[b][k] = v[k].i;
    free(v);
    return 0;
}

/* Whether every suspect of open block b was checked at its ladder's highest candidate rung
 * (the second from the top, whose error the top rung tells) or between it and the top: the
 * ladder's candidates there are that rung's own difference, those below it (4 and 16 times
 * its noise) and Richardson's from it and the one below (4.3 times), so where noise, not
 * truncation, holds the block (within GCV_MARGIN of its floor), a first pass would spend 8
 * evaluations a suspect on what it already has. Averaging is what lowers that floor. */
static int noise_bound_at_top(const gcv_escalation *e, const gcv_param_result *params, size_t b)
{
    for (size_t k = 0; k < e->n_ord[b]; k++) {
        const gcv_param_result *p = &params[e->ord[b][k]];
        double h0;
        int rungs;
        ladder(e->m, e->m->theta[e->ord[b][k]], &h0, &rungs);
        double top = 2.0 * h0 * ldexp(1.0, 2 * (rungs - 1)); /* the top rung's whole step */
        /* 0.9: the model's rounding of θ ± h moves a step by a few of its last bits */
        if (!(p->step >= 0.9 * top / 4.0 && p->step < 0.9 * top))
            return 0;
    }
    return 1;
}

/* Block b's suspects (its parameters in the difference), largest error first. */
static int open_block(gcv_escalation *e, const gcv_param_result *params, size_t b)
{
    const gcv_block *bl = &e->m->blocks[b];
    size_t n = bl->rows * bl->cols, k = 0;
    by_err *v = malloc(n * sizeof *v);
    e->ord[b] = malloc(n * sizeof *e->ord[b]);
    if (!v || !e->ord[b]) {
        free(v);
        return -1;
    }
    for (size_t j = 0; j < n; j++) {
        const gcv_param_result *p = &params[gcv_block_index(bl, j)];
        /* A parameter on a kink the model does not report is judged by its one-sided
         * slopes: a ladder would run its steps across the kink. */
        if (counts(p) && p->kink_avoided != 2)
            v[k++] = (by_err){p->abs_error, gcv_block_index(bl, j)};
    }
    qsort(v, k, sizeof *v, larger_first);
    for (size_t j = 0; j < k; j++)
        e->ord[b][j] = v[j].i;
    free(v);
    e->n_ord[b] = k;
    e->batch[b] = FIRST_BATCH;
    e->state[b] = BLOCK_OPEN;
    e->pass[b] = 1;
    return 0;
}

gcv_escalation *gcv_escalation_new(const gcv_model *m, const gcv_options *o,
                                   const gcv_param_result *params)
{
    gcv_escalation *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    size_t nb = m->n_blocks;
    e->m = m;
    e->threshold = o->threshold;
    e->budget = o->escalation_max_evaluations
                    ? o->escalation_max_evaluations
                    : (4 * m->n_params > 10000 ? 4 * m->n_params : 10000);
    e->evals0 = evaluations_of(params, m->n_params);
    double h0;
    int rungs;
    ladder(m, 0.0, &h0, &rungs);
    e->per_param = 2 * (size_t)rungs; /* a whole ladder: the most one suspect costs */
    e->state = calloc(nb, 1);
    e->ord = calloc(nb, sizeof *e->ord);
    e->n_ord = calloc(nb, sizeof *e->n_ord);
    e->done = calloc(nb, sizeof *e->done);
    e->batch = calloc(nb, sizeof *e->batch);
    e->take = calloc(nb, sizeof *e->take);
    e->pass = calloc(nb, 1);
    e->touched = calloc(m->n_params ? m->n_params : 1, 1);
    if (!e->state || !e->ord || !e->n_ord || !e->done || !e->batch || !e->take || !e->pass ||
        !e->touched)
        goto nomem;
    for (size_t b = 0; b < nb; b++) {
        double d, fd, lb;
        block_stats(e, params, b, &d, &fd, &lb);
        if (d <= o->threshold)
            continue;
        if (open_block(e, params, b) != 0)
            goto nomem;
        if (d <= GCV_MARGIN * fd && e->n_ord[b] && noise_bound_at_top(e, params, b)) {
            e->pass[b] = 2; /* straight to the averaged ladders */
            if (order_by_floor(e, params, b) != 0)
                goto nomem;
        }
    }
    return e;
nomem:
    gcv_escalation_finish(e, NULL, NULL);
    return NULL;
}

static int ascending(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

/* How many more of open block b's suspects must be refined, largest error first, for its
 * difference to fall to the threshold if each refined one came out exact. */
static size_t needed(const gcv_escalation *e, const gcv_param_result *params, size_t b)
{
    double dd, gg, nn, ff;
    block_sums(e, params, b, &dd, &gg, &nn, &ff);
    double t = e->threshold * (sqrt(gg) + sqrt(nn));
    size_t m = 0;
    for (size_t k = e->done[b]; k < e->n_ord[b] && dd > t * t; k++, m++) {
        const gcv_param_result *p = &params[e->ord[b][k]];
        dd -= (p->analytic - p->numeric) * (p->analytic - p->numeric);
    }
    return m;
}

/* Whether open block b is decided now. */
static int decided(const gcv_escalation *e, const gcv_param_result *params, size_t b)
{
    double d, fd, lb;
    block_stats(e, params, b, &d, &fd, &lb);
    return d <= e->threshold || (lb > e->threshold && d > GCV_MARGIN * fd) ||
           e->done[b] == e->n_ord[b];
}

/* Whether open block b, every suspect refined and still undecided, takes another pass: only
 * when its difference is within GCV_MARGIN times its floor (its floor, not its error, keeps
 * it from a verdict), and not past PASS_MAX. Its suspects are then taken again, largest floor
 * first. */
static int next_pass(gcv_escalation *e, const gcv_param_result *params, size_t b)
{
    double d, fd, lb;
    block_stats(e, params, b, &d, &fd, &lb);
    if (e->done[b] < e->n_ord[b] || e->pass[b] >= PASS_MAX || d > GCV_MARGIN * fd ||
        d <= e->threshold)
        return 0;
    if (order_by_floor(e, params, b) != 0)
        return 0; /* no memory for another pass: the verdict stands as it is */
    e->pass[b]++;
    e->done[b] = 0;
    e->batch[b] = FIRST_BATCH;
    return 1;
}

int gcv_escalation_next(gcv_escalation *e, const gcv_param_result *params, const size_t **list,
                        size_t *n, int *pass)
{
    const gcv_model *m = e->m;
    size_t spent = evaluations_of(params, m->n_params) - e->evals0, total = 0;
    unsigned char low = PASS_MAX + 1;
    *n = 0;
    free(e->list);
    e->list = NULL;
    for (size_t b = 0; b < m->n_blocks; b++) {
        if (e->state[b] != BLOCK_OPEN)
            continue;
        if (decided(e, params, b) && !next_pass(e, params, b)) {
            e->state[b] = BLOCK_DECIDED;
            continue;
        }
        low = e->pass[b] < low ? e->pass[b] : low;
    }
    /* A round refines the blocks of one pass, the lowest: a pass is one scheme for the
     * loop, and a block's first ladders come before another's averaged ones. */
    size_t per = e->per_param << (2 * (low <= PASS_MAX ? low - 1 : 0));
    size_t room = spent < e->budget ? (e->budget - spent) / per : 0;
    for (size_t b = 0; b < m->n_blocks; b++) {
        e->take[b] = 0;
        if (e->state[b] != BLOCK_OPEN || e->pass[b] != low)
            continue;
        size_t k = e->n_ord[b] - e->done[b], need = low == 1 ? needed(e, params, b) : k;
        need = need > FIRST_BATCH ? need : FIRST_BATCH;
        k = k < e->batch[b] ? k : e->batch[b];
        e->take[b] = k < need ? k : need;
        total += e->take[b] < room - total ? e->take[b] : room - total;
    }
    if (total == 0)
        return 0;
    if (!(e->list = malloc(total * sizeof *e->list)))
        return -1;
    *pass = low;
    for (size_t b = 0; b < m->n_blocks && *n < total; b++) {
        if (e->state[b] != BLOCK_OPEN || e->take[b] == 0)
            continue;
        size_t k = e->take[b] < total - *n ? e->take[b] : total - *n;
        memcpy(e->list + *n, e->ord[b] + e->done[b], k * sizeof *e->list);
        for (size_t j = 0; j < k; j++)
            e->touched[e->ord[b][e->done[b] + j]] = 1;
        *n += k;
        e->done[b] += k;
        e->batch[b] *= 2;
    }
    qsort(e->list, *n, sizeof *e->list, ascending);
    *list = e->list;
    return 1;
}

size_t gcv_escalation_finish(gcv_escalation *e, gcv_param_result *params, size_t *refined)
{
    if (!e)
        return 0;
    size_t spent = 0;
    for (size_t b = 0; params && b < e->m->n_blocks; b++) {
        if (refined)
            refined[b] = 0;
        for (size_t k = 0; refined && k < e->n_ord[b]; k++)
            refined[b] += e->touched[e->ord[b][k]];
        if (e->state[b] != BLOCK_OPEN || decided(e, params, b))
            continue;
        for (size_t k = 0; k < e->n_ord[b]; k++) {
            gcv_param_result *p = &params[e->ord[b][k]];
            if (!e->touched[e->ord[b][k]])
                p->floor = fmax(p->floor, p->abs_error);
        }
    }
    if (params)
        spent = evaluations_of(params, e->m->n_params) - e->evals0;
    for (size_t b = 0; e->ord && b < e->m->n_blocks; b++)
        free(e->ord[b]);
    free(e->ord);
    free(e->state);
    free(e->n_ord);
    free(e->done);
    free(e->batch);
    free(e->take);
    free(e->pass);
    free(e->touched);
    free(e->list);
    free(e);
    return spent;
}

/* The error of candidate C[k] of a ladder level (C = D, or R), from its neighbours; or
 * HUGE_VAL when k lacks one (the lowest rung of a float ladder needs only the one above: see
 * below). With the ladder's ratio r = 4, where the leading error term
 * dominates, C[k+1] − C[k] is (r² − 1) = 15 times C[k]'s error or more (r⁴ − 1 for R; the
 * smaller factor is kept for both), so C[k]'s error is about |C[k+1] − C[k]|/15 plus its
 * noise. That holds only in that regime, and the rung below tells whether we are in it: its
 * error is smaller, so C[k] − C[k−1] must stay within C[k]'s estimate and both noises. Where
 * it does not (a secant that flattens or turns at large steps, noise the estimate missed),
 * the candidate is trusted only as far as both neighbours agree with it: the larger distance
 * plus both noises, which is always an upper bound. A float ladder (bottom) has no rung
 * below its lowest, 2⁻⁸·max(|θ|,1): one at 2⁻¹⁰ carries 4 times its noise (σ/h ≈ 2e-4 at
 * σ ≈ 2e-7, the transformer's), so its difference from 2⁻⁸ passes the test below whatever
 * 2⁻⁸'s truncation and confirms nothing, so the lowest rung is taken at its sharp estimate,
 * and two evaluations per ladder are not spent (on the float transformer, 30 correct runs
 * cost 1.078 × 2P on average with a rung at 2⁻¹⁰, 1.068 without, and the matrix's verdicts
 * are the same). The rung below may miss by slack times its floor before the regime is
 * doubted: 1 for a verdict (a kink the model does not report shows only there); 2 for the
 * step pilot, whose choice decides nothing by itself, and where a lower rung's noise over
 * its floor (σ measured on 3 parameters; the floor 1.4 of its standard deviations) made
 * every larger rung look as bad as the smallest and put a block at a noise-bound step. */
static double rung_error(const double *C, const double *fc, int n, int k, int bottom,
                         double slack)
{
    if (k == 0 && bottom && n > 1)
        return fabs(C[1] - C[0]) / 15.0 + fc[0];
    if (k < 1 || k + 1 >= n)
        return HUGE_VAL;
    double up = fabs(C[k + 1] - C[k]), down = fabs(C[k] - C[k - 1]);
    double sharp = up / 15.0 + fc[k];
    if (down <= up / 15.0 + fc[k] + slack * fc[k - 1])
        return sharp;
    return fmax(up, down) + fc[k - 1] + fc[k];
}

/* Picks the best candidate of the ladder's n rungs (values D, half steps a, noise floors f)
 * into value, err and step: level 0, D_k; level 1, R_k, the Richardson extrapolation of D_k
 * and D_{k+1} (O(h⁴)). Each candidate's error is rung_error's; the smallest wins. In float,
 * where the cost is quantised to its ulp, the rung that balances truncation and noise is
 * typically 8 to 30 times more accurate than its distance to the next rung up, and only this
 * sharper estimate lets it win over the large steps. */
static void best_rung(const double *D, const double *a, const double *f, int n, int bottom,
                      double *value, double *err, double *step)
{
    double R[LADDER_MAX], fr[LADDER_MAX];
    for (int k = 0; k + 1 < n; k++) {
        double w = a[k + 1] * a[k + 1], v = a[k] * a[k];
        R[k] = (w * D[k] - v * D[k + 1]) / (w - v);
        fr[k] = (w * f[k] + v * f[k + 1]) / (w - v);
    }
    *err = HUGE_VAL;
    for (int k = bottom ? 0 : 1; k + 1 < n; k++) {
        double e0 = rung_error(D, f, n, k, bottom, 1.0);
        if (e0 < *err) {
            *err = e0;
            *value = D[k];
            *step = 2.0 * a[k];
        }
    }
    for (int k = bottom ? 0 : 1; k + 2 < n; k++) {
        double e1 = rung_error(R, fr, n - 1, k, bottom, 1.0);
        if (e1 < *err) {
            *err = e1;
            *value = R[k];
            *step = 2.0 * a[k + 1];
        }
    }
}

/* Whether rung offsets tp, tm are the check's own points for r: its estimate is then the
 * central difference the rung would compute, bit for bit (the same points of a deterministic
 * cost), and is taken from r instead of evaluated. Only a plain central difference qualifies
 * (not a kink's one-sided value); its step is the two offsets' sum, which ties it to them. */
static int is_check_rung(const gcv_loop_ctx *c, const gcv_param_result *r, double t, double tp,
                         double tm)
{
    return r && c->o->method == GCV_METHOD_CENTRAL && r->kink_avoided == 0 &&
           (r->status == GCV_PARAM_OK || r->status == GCV_PARAM_MISMATCH) &&
           r->step == (tp - t) + (t - tm) && isfinite(r->numeric);
}

/* The ladder's central differences at θᵢ (values D, half steps a, noise floors f) from rung
 * first up to below rung stop (or the top), its steps scale times the nominal ones; returns
 * how many rungs held (stopping at the first kink or failure), evaluations into *evals. The
 * rung that is the check's own step (r, or NULL) costs nothing. */
static int run_ladder(const gcv_loop_ctx *c, double *th, void *ws, size_t i,
                      const gcv_param_result *r, double scale, int first, int stop, double *D,
                      double *a, double *f, unsigned *evals)
{
    const double t = c->m->theta[i];
    double h0;
    int rungs, n = 0;
    ladder(c->m, t, &h0, &rungs);
    rungs = stop < rungs ? stop : rungs;
    h0 *= scale;
    if (c->m->prefetch && c->incremental) {
        /* A worker process answers the whole ladder in one round trip (prefetch.c), the
         * values as gcv_central takes them; rungs past a kink cost the worker, not a
         * result. */
        size_t idx[2 * LADDER_MAX], want = 0, kinks;
        double val[2 * LADDER_MAX], j;
        for (int k = first; k < rungs; k++) {
            double h = h0 * ldexp(1.0, 2 * k);
            double v[2] = {gcv_model_offset(c->m, t, h), gcv_model_offset(c->m, t, -h)};
            if (is_check_rung(c, r, t, v[0], v[1]))
                continue;
            for (int s = 0; s < 2; s++) {
                if (!c->memo || !gcv_memo_get(c->memo, i, v[s], &j, &kinks)) {
                    idx[want] = i;
                    val[want++] = v[s]; /* what the memo holds is not asked for again */
                }
            }
        }
        (void)c->m->prefetch(c->m, ws, idx, val, want);
    }
    for (int k = first; k < rungs; k++) {
        double h = h0 * ldexp(1.0, 2 * k);
        if (is_check_rung(c, r, t, gcv_model_offset(c->m, t, h), gcv_model_offset(c->m, t, -h))) {
            D[n] = r->numeric;
            a[n] = 0.5 * r->step;
            f[n++] = r->floor;
            continue;
        }
        gcv_estimate e = gcv_central(c, th, ws, i, t, h);
        *evals += e.evals;
        if (!e.finite || e.kinks || !(e.step > 0.0))
            break; /* a kink or a failure here: every larger step would cross it too */
        D[n] = e.value;
        a[n] = 0.5 * e.step;
        f[n++] = e.floor;
    }
    th[i] = t;
    return n;
}

void gcv_ladder_sample_run(const gcv_loop_ctx *c, double *th, void *ws, size_t i, int top,
                           gcv_ladder_sample *s, unsigned *evals)
{
    double h0;
    ladder(c->m, c->m->theta[i], &h0, &s->rungs);
    if (!top)
        s->n = run_ladder(c, th, ws, i, NULL, 1.0, 0, s->rungs - 1, s->D, s->a, s->f, evals);
    else if (s->n == s->rungs - 1)
        s->n += run_ladder(c, th, ws, i, NULL, 1.0, s->n, s->rungs, s->D + s->n, s->a + s->n,
                           s->f + s->n, evals);
}

int gcv_ladder_errors(const gcv_loop_ctx *c, const gcv_ladder_sample *s, double *factor,
                      double *err, double *below_top)
{
    int n = s->n, signal = 0;
    for (int k = 0; k < n; k++)
        signal |= fabs(s->D[k]) > 2.0 * s->f[k];
    if (!signal || n < 3)
        return 0; /* J does not move above its noise: any step would do, none is told */
    /* The rungs' nominal steps per unit of max(|θ|,1), not the steps the model's rounding
     * made of them: a block then takes a rung's step exactly, its check's points are that
     * rung's points for every one of its parameters, and escalation reuses them (a rounded
     * factor made them differ in the last bits for most: 12 evaluations a suspect, not 10). */
    const double slack = 2.0; /* the pilot's (rung_error) */
    double h1;
    int rungs;
    ladder(c->m, 0.0, &h1, &rungs);
    for (int k = 0; k < n; k++) {
        factor[k] = h1 * ldexp(1.0, 2 * k);
        err[k] = rung_error(s->D, s->f, n, k, c->m->precision == GCV_FLOAT, slack);
    }
    /* rung_error's two branches: the sharp estimate passes only where the distance to the
     * rung below is within it plus the floors (the lower one's times the slack), the other
     * is at least that distance; both are at least the rung's own floor. */
    if (n < s->rungs)
        *below_top = fmax(s->f[n - 1], fabs(s->D[n - 1] - s->D[n - 2]) - slack * s->f[n - 2]);
    return n;
}

/* The ladder averaged over m copies, copy j's steps 1 + (j + 1)/(2m) times the nominal ones
 * (up to 1.5 times: the same rung in each, and the ratio 4 between rungs kept, so
 * Richardson and rung_error hold for the averages). Rounding noise at points that far
 * apart is independent, as ECnoise's own measurement takes it, so the average's noise is
 * the single rung's over √m: a block whose floor, not its error, leaves it undecided (a
 * float layernorm gain, its best rung noise-bound at the ladder's top) can be decided with
 * m times the evaluations. The floor kept is the larger of the measured noise and the
 * copies' own scatter (√2·sd, as the floor is √2 times one difference's noise), over √m: a
 * noise the measurement understated, or a truncation that the copies' different steps
 * expose, widens it. The copies start at rung first (first_rung). Returns the rungs every
 * copy took. */
static int averaged_ladder(const gcv_loop_ctx *c, double *th, void *ws, size_t i, int m,
                           int first, double *D, double *a, double *f, unsigned *evals)
{
    /* Welford's running mean and sum of squared deviations: the copies differ in their last
     * digits, which a sum of squares minus a squared mean would lose. */
    double mean[LADDER_MAX] = {0}, m2[LADDER_MAX] = {0}, a2[LADDER_MAX] = {0},
           fl[LADDER_MAX] = {0};
    int n = LADDER_MAX;
    for (int j = 0; j < m; j++) {
        double Dj[LADDER_MAX], aj[LADDER_MAX], fj[LADDER_MAX];
        int nj = run_ladder(c, th, ws, i, NULL, 1.0 + (double)(j + 1) / (2.0 * m), first,
                            LADDER_MAX, Dj, aj, fj, evals);
        n = nj < n ? nj : n;
        for (int k = 0; k < nj; k++) {
            double dev = Dj[k] - mean[k];
            mean[k] += dev / (j + 1);
            m2[k] += dev * (Dj[k] - mean[k]);
            a2[k] += aj[k] * aj[k];
            fl[k] += fj[k];
        }
    }
    for (int k = 0; k < n; k++) {
        double var = m2[k] / (m - 1);
        D[k] = mean[k];
        a[k] = sqrt(a2[k] / m);
        f[k] = fmax(fl[k] / m, sqrt(2.0 * var)) / sqrt((double)m);
    }
    return n;
}

/* The first rung an averaged pass takes for a parameter whose estimate so far has the given
 * step: two below that step's rung. Averaging m copies divides the noise by √m, which moves
 * the step balancing noise σ/h against truncation h² down by m^(1/6), 1.6 times at m = 16,
 * less than one rung (4 times): the best rung of the averages is the earlier one's or the
 * one below it, whose error needs the rung below it in turn. The rungs under those carry 16
 * times and more the noise and cannot win; a noise-bound layernorm gain at the ladder's
 * 2⁻² in float takes 4 rungs a copy, not 5. A step between two rungs (the check's midpoint)
 * counts as the lower. At least three rungs are left. */
static int first_rung(const gcv_model *m, double t, double step)
{
    double h0;
    int rungs;
    ladder(m, t, &h0, &rungs);
    double x = 0.5 * step / h0;
    if (!(x > 1.0) || !isfinite(x))
        return 0;
    int k = (int)floor(0.5 * log2(x) + 0.25) - 2;
    k = k < rungs - 3 ? k : rungs - 3;
    return k > 0 ? k : 0;
}

void gcv_refine_param(const gcv_loop_ctx *c, double *th, void *ws, size_t i,
                      gcv_param_result *r)
{
    const double g = c->grad[i];
    double D[LADDER_MAX], a[LADDER_MAX], f[LADDER_MAX];
    unsigned evals = 0;
    /* Pass 1 (c->escalate): the ladder, its rung at the check's step taken from the check;
     * passes 2 and 3: averaged over 4 and 16 copies, from two rungs below the step the
     * estimate so far has. */
    int first = c->escalate > 1 ? first_rung(c->m, c->m->theta[i], r->step) : 0;
    int n = c->escalate > 1 ? averaged_ladder(c, th, ws, i, 1 << (2 * (c->escalate - 1)), first,
                                              D, a, f, &evals)
                            : run_ladder(c, th, ws, i, r, 1.0, 0, LADDER_MAX, D, a, f, &evals);
    r->evaluations += evals;
    if (n < 3)
        return; /* no three rungs: the check's own estimate stands */
    double value = r->numeric, err = r->floor, step = r->step;
    /* A ladder that starts above rung 0 has a rung below its first: the first is no
     * bottom rung. */
    best_rung(D, a, f, n, c->m->precision == GCV_FLOAT && first == 0, &value, &err, &step);
    /* A later pass replaces an earlier one's estimate only where it is more accurate. */
    if (c->escalate > 1 && !(err < r->floor))
        return;
    const gcv_options *o = c->o;
    r->numeric = value;
    r->floor = err;
    r->step = step;
    r->abs_error = fabs(g - value);
    double mx = fmax(fabs(g), fabs(value));
    r->rel_error = mx > 0.0 ? r->abs_error / mx : 0.0;
    r->status = r->abs_error > o->atol + o->rtol * mx && r->abs_error > GCV_MARGIN * err
                    ? GCV_PARAM_MISMATCH
                    : GCV_PARAM_OK;
}

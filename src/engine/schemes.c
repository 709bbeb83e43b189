/* Difference schemes for one parameter, each with its own error estimate, and the handling
 * of kinks. Every step is taken as an exactly representable offset (θ+h) − θ, and θᵢ is
 * restored from the saved value, never by subtracting the step back. */
#include <math.h>
#include <string.h>

#include "engine/internal.h"

double gcv_eval_at(const gcv_loop_ctx *c, double *th, size_t i, double v, void *ws,
                   gcv_estimate *e)
{
    double j;
    size_t kinks = 0;
    th[i] = v;
    if (c->memo && gcv_memo_get(c->memo, i, v, &j, &kinks)) {
        e->kinks += kinks; /* evaluated before, and not counted again */
    } else {
        gcv_trace_mark(c->slot, c->incremental ? GCV_PHASE_COST_PERTURBED : GCV_PHASE_COST, i);
        int bad = c->incremental ? c->m->cost_perturbed(c->m, i, v, ws, &j)
                                 : c->m->cost(c->m, th, ws, &j);
        if (bad)
            j = NAN;
        if (c->m->kinks_crossed) {
            gcv_trace_mark(c->slot, GCV_PHASE_KINKS, i);
            kinks = c->m->kinks_crossed(c->m, ws);
            e->kinks += kinks;
        }
        e->evals++;
        if (c->memo)
            gcv_memo_put(c->memo, i, v, j, kinks);
    }
    e->finite &= isfinite(j);
    if (fabs(j) > e->costs_max)
        e->costs_max = fabs(j);
    return j;
}

double gcv_model_offset(const gcv_model *m, double t, double h)
{
    double v = t + h;
    if (m->precision != GCV_FLOAT)
        return v;
    float f = (float)v;
    if ((double)f == t)
        f = nextafterf((float)t, h > 0.0 ? INFINITY : -INFINITY);
    return (double)f;
}

static gcv_estimate estimate_new(void)
{
    gcv_estimate e = {NAN, 0.0, 0.0, 0.0, 0, 0, 1, NAN, NAN};
    return e;
}

/* (J(θ+h) − J(θ−h)) / (h⁺ + h⁻); floor (σ⁺ + σ⁻) / (h⁺ + h⁻), σ the noise of J (measured,
 * or the rounding bound κu|J|). */
gcv_estimate gcv_central(const gcv_loop_ctx *c, double *th, void *ws, size_t i, double t,
                         double h)
{
    gcv_estimate e = estimate_new();
    double tp = gcv_model_offset(c->m, t, h), tm = gcv_model_offset(c->m, t, -h);
    double jp = gcv_eval_at(c, th, i, tp, ws, &e), jm = gcv_eval_at(c, th, i, tm, ws, &e);
    e.step = (tp - t) + (t - tm);
    e.value = (jp - jm) / e.step;
    e.floor = (gcv_noise_of(c, i, fabs(jp)) + gcv_noise_of(c, i, fabs(jm))) / e.step;
    if (tp > t && t > tm) {
        e.right = (jp - c->cost0) / (tp - t);
        e.left = (c->cost0 - jm) / (t - tm);
    }
    return e;
}

/* dir = +1: (J(θ+h) − J(θ)) / h; dir = −1: (J(θ) − J(θ−h)) / h. */
static gcv_estimate one_sided(const gcv_loop_ctx *c, double *th, void *ws, size_t i, double t,
                              double h, int dir)
{
    gcv_estimate e = estimate_new();
    double tv = gcv_model_offset(c->m, t, dir > 0 ? h : -h);
    double j = gcv_eval_at(c, th, i, tv, ws, &e);
    e.step = fabs(tv - t);
    e.value = dir > 0 ? (j - c->cost0) / e.step : (c->cost0 - j) / e.step;
    e.floor = (gcv_noise_of(c, i, fabs(j)) + gcv_noise_of(c, i, fabs(c->cost0))) / e.step;
    e.finite &= isfinite(c->cost0);
    return e;
}

/* Weights of the derivative at 0 of the polynomial through nodes x[0..n): the derivative of
 * each Lagrange basis polynomial. Used with the actual (representable) offsets, so an
 * asymmetric rounding of θ ± h costs nothing in accuracy. */
static void derivative_weights(const double *x, int n, double *w)
{
    for (int k = 0; k < n; k++) {
        double den = 1.0, sum = 0.0;
        for (int i = 0; i < n; i++)
            if (i != k)
                den *= x[k] - x[i];
        for (int j = 0; j < n; j++) {
            if (j == k)
                continue;
            double p = 1.0;
            for (int i = 0; i < n; i++)
                if (i != k && i != j)
                    p *= -x[i];
            sum += p;
        }
        w[k] = sum / den;
    }
}

/* The 4-evaluation stencil at ±h, ±2h (J(θ) reused, with weight ≈ 0): error O(h⁴). */
static gcv_estimate five_point(const gcv_loop_ctx *c, double *th, void *ws, size_t i, double t,
                               double h)
{
    gcv_estimate e = estimate_new();
    double v[4] = {gcv_model_offset(c->m, t, -2.0 * h), gcv_model_offset(c->m, t, -h),
                   gcv_model_offset(c->m, t, h), gcv_model_offset(c->m, t, 2.0 * h)};
    double x[5], jv[5], w[5];
    for (int k = 0; k < 4; k++) {
        int slot = k < 2 ? k : k + 1;
        jv[slot] = gcv_eval_at(c, th, i, v[k], ws, &e);
        x[slot] = v[k] - t;
    }
    x[2] = 0.0;
    jv[2] = c->cost0;
    e.finite &= isfinite(c->cost0);
    derivative_weights(x, 5, w);
    /* The weights of a derivative sum to zero, so Σ w_k J_k = Σ w_k (J_k − J(θ)): exactly 0
     * when J does not move, and no rounding of the (tiny) centre weight. */
    double s = 0.0, mag = 0.0;
    for (int k = 0; k < 5; k++) {
        if (k == 2)
            continue;
        s += w[k] * (jv[k] - jv[2]);
        mag += fabs(w[k]) * (gcv_noise_of(c, i, fabs(jv[k])) + gcv_noise_of(c, i, fabs(jv[2])));
    }
    e.value = s;
    e.step = x[4] - x[0];
    e.floor = mag;
    return e;
}

static void absorb(gcv_estimate *into, const gcv_estimate *d)
{
    into->evals += d->evals;
    into->finite &= d->finite;
    into->kinks += d->kinks;
    if (d->costs_max > into->costs_max)
        into->costs_max = d->costs_max;
}

/* Ridders' method (the Neville tableau of central differences at h, h/1.4, h/1.4², …):
 * the extrapolated value with the smallest error estimate, stopping once the tableau's
 * diagonal grows (rounding has taken over). The start shrinks until it crosses no kink. */
#define RIDDERS_N 10
static gcv_estimate richardson(const gcv_loop_ctx *c, double *th, void *ws, size_t i,
                               double t, double h)
{
    const double con = 1.4, con2 = con * con, safe = 2.0;
    double a[RIDDERS_N][RIDDERS_N];
    gcv_estimate e = estimate_new();
    gcv_estimate d = gcv_central(c, th, ws, i, t, h);
    for (int shrink = 0; d.kinks && shrink < RIDDERS_N; shrink++) {
        e.evals += d.evals;
        h /= con2 * con2;
        d = gcv_central(c, th, ws, i, t, h);
    }
    absorb(&e, &d);
    a[0][0] = d.value;
    e.value = d.value;
    e.step = d.step;
    double err = HUGE_VAL;
    for (int k = 1; k < RIDDERS_N; k++) {
        h /= con;
        d = gcv_central(c, th, ws, i, t, h);
        absorb(&e, &d);
        a[0][k] = d.value;
        double fac = con2;
        for (int j = 1; j <= k; j++) {
            a[j][k] = (a[j - 1][k] * fac - a[j - 1][k - 1]) / (fac - 1.0);
            fac *= con2;
            double errt = fmax(fabs(a[j][k] - a[j - 1][k]), fabs(a[j][k] - a[j - 1][k - 1]));
            if (errt <= err) {
                err = errt;
                e.value = a[j][k];
                e.step = d.step;
            }
        }
        if (fabs(a[k][k] - a[k - 1][k - 1]) >= safe * err)
            break;
    }
    e.floor = isfinite(err) ? err : d.floor;
    return e;
}

/* Im J(θ + i·h·eᵢ) / h: one evaluation, no subtraction, hence no cancellation. */
static gcv_estimate complex_step(const gcv_loop_ctx *c, double *th, void *ws, size_t i)
{
    gcv_estimate e = estimate_new();
    double re = NAN, im = NAN;
    gcv_trace_mark(c->slot, GCV_PHASE_COST_COMPLEX, i);
    if (c->m->cost_complex(c->m, th, i, GCV_COMPLEX_H, ws, &re, &im) != 0)
        re = im = NAN;
    e.evals = 1;
    e.value = im / GCV_COMPLEX_H;
    e.step = GCV_COMPLEX_H;
    e.finite = isfinite(re) && isfinite(im);
    e.costs_max = fabs(re);
    e.floor = GCV_KAPPA * GCV_U * fabs(e.value);
    return e;
}

static gcv_estimate scheme(const gcv_loop_ctx *c, gcv_method method, double *th, void *ws,
                           size_t i, double t, double h)
{
    switch (method) {
    case GCV_METHOD_FORWARD: return one_sided(c, th, ws, i, t, h, 1);
    case GCV_METHOD_BACKWARD: return one_sided(c, th, ws, i, t, h, -1);
    case GCV_METHOD_FIVE_POINT: return five_point(c, th, ws, i, t, h);
    case GCV_METHOD_RICHARDSON: return richardson(c, th, ws, i, t, h);
    case GCV_METHOD_COMPLEX_STEP: return complex_step(c, th, ws, i);
    default: return gcv_central(c, th, ws, i, t, h);
    }
}

/* Order p of the truncation error O(hᵖ), or 0 for schemes with their own error estimate. */
static int scheme_order(gcv_method method)
{
    switch (method) {
    case GCV_METHOD_CENTRAL: return 2;
    case GCV_METHOD_FORWARD:
    case GCV_METHOD_BACKWARD: return 1;
    case GCV_METHOD_FIVE_POINT: return 4;
    default: return 0;
    }
}

/* The step for θᵢ = t. With "auto", c·max(|t|, 1) with c the step that balances truncation
 * and rounding for the scheme's order p: c = u^{1/(p+1)} (u^{1/2} one-sided, u^{1/3}
 * central, u^{1/5} five-point); Ridders starts large (10⁻²) and shrinks by itself. */
static double step_nominal(const gcv_loop_ctx *c, double t)
{
    const gcv_options *o = c->o;
    if (o->method == GCV_METHOD_RICHARDSON)
        return 1e-2 * fmax(fabs(t), 1.0);
    if (!o->epsilon_auto)
        return o->epsilon;
    int p = scheme_order(o->method);
    return pow(2.0 * gcv_model_u(c->m), 1.0 / (p + 1)) * fmax(fabs(t), 1.0);
}

/* For a float model, at least 4 float ulps of θ: below that the rounded offsets θ ± h,
 * θ ± 2h would coincide and a stencil would divide by zero. */
static double step_for(const gcv_loop_ctx *c, double t, size_t i)
{
    double f = c->step_factor ? c->step_factor[gcv_block_of(c->m, i)] : -1.0;
    double h = f > 0.0 ? f * fmax(fabs(t), 1.0) : step_nominal(c, t);
    if (c->m->precision == GCV_FLOAT) {
        float a = fabsf((float)t);
        h = fmax(h, 4.0 * ((double)nextafterf(a, INFINITY) - (double)a));
    }
    return h;
}

typedef enum { KINK_UNRESOLVED = 0, KINK_AVOIDED, KINK_MATCHED, KINK_NEITHER } kink_outcome;

/* Right (dir +1) or left one-sided derivative, Richardson-extrapolated from h and h/2 to
 * O(h²), with the kinks its evaluations crossed. */
static gcv_estimate one_sided_extrapolated(const gcv_loop_ctx *c, double *th, void *ws,
                                           size_t i, double t, double h, int dir)
{
    gcv_estimate d1 = one_sided(c, th, ws, i, t, h, dir);
    gcv_estimate d2 = one_sided(c, th, ws, i, t, 0.5 * h, dir);
    gcv_estimate e = estimate_new();
    absorb(&e, &d1);
    absorb(&e, &d2);
    e.value = 2.0 * d2.value - d1.value;
    e.step = d1.step;
    e.floor = 2.0 * d2.floor + d1.floor;
    return e;
}

/* The ±h evaluations crossed a kink. First look for a smaller step that crosses none; then
 * for a side with no kink; else θ sits on the kink: the analytic value must equal one of
 * the two one-sided derivatives (e.g. relu'(0) = 0 is the left one). */
static kink_outcome resolve_kink(const gcv_loop_ctx *c, double *th, void *ws, size_t i,
                                 double t, double h, gcv_estimate *e)
{
    unsigned spent = e->evals;
    for (int k = 1; k <= 3; k++) {
        double hk = h * pow(10.0, -k);
        gcv_estimate d = scheme(c, c->o->method, th, ws, i, t, hk);
        spent += d.evals;
        if (!d.kinks && d.finite) {
            /* Without a measured noise no escalation follows, and a step a tenth of a
             * user's ε = 0.1 still truncates: its term is measured from half the step,
             * inside the interval just seen free of kinks, as for any other parameter
             * (gcv_check_param). */
            int p = scheme_order(c->o->method);
            if (!c->noise && p > 0) {
                gcv_estimate d2 = scheme(c, c->o->method, th, ws, i, t, 0.5 * hk);
                spent += d2.evals;
                if (d2.finite && !d2.kinks)
                    d.floor += fabs(d.value - d2.value) / (1.0 - ldexp(1.0, -p));
            }
            *e = d;
            e->evals = spent;
            return KINK_AVOIDED;
        }
    }
    /* The extrapolated one-sided difference is O(h²) with rounding u/h: 1e-5 balances the
     * two (2⁻⁸ in float). A wider step, Ridders' 1e-2 or a user's ε = 0.1, would leave a
     * truncation error that no tolerance below covers, and a correct gradient sitting on a
     * kink would be called a mismatch. */
    h = fmin(h, (c->m->precision == GCV_FLOAT ? 0x1p-8 : 1e-5) * fmax(fabs(t), 1.0));
    gcv_estimate right = one_sided_extrapolated(c, th, ws, i, t, h, 1);
    gcv_estimate left = one_sided_extrapolated(c, th, ws, i, t, h, -1);
    spent += right.evals + left.evals;
    const gcv_estimate *clean = !right.kinks ? &right : !left.kinks ? &left : NULL;
    if (clean && clean->finite) {
        *e = *clean;
        e->evals = spent;
        return KINK_AVOIDED;
    }
    if (!right.finite || !left.finite) {
        e->evals = spent;
        return KINK_UNRESOLVED;
    }
    double g = c->grad[i];
    const gcv_estimate *sides[2] = {&right, &left};
    for (int s = 0; s < 2; s++) {
        double d = sides[s]->value;
        double tol = c->o->atol + c->o->rtol * fmax(fabs(g), fabs(d)) +
                     GCV_MARGIN * sides[s]->floor;
        if (fabs(g - d) <= tol) {
            *e = *sides[s];
            e->evals = spent;
            return KINK_MATCHED;
        }
    }
    /* Neither side: report the nearer one as the numeric value. */
    *e = fabs(g - right.value) <= fabs(g - left.value) ? right : left;
    e->evals = spent;
    return KINK_NEITHER;
}

/* For a model that does not report its kinks (a plugin or worker without kink counts): a
 * parameter about to be called a mismatch is looked at from both sides, with the balanced
 * one-sided step h and h/2 on each side. A smooth cost has one slope; a kink within h of θ (a
 * ReLU input at exactly 0, as zero-initialised biases over dead units give) shows as two
 * slopes, each steady on its side (its values at h and h/2 agree to within a quarter of the
 * jump) and apart by more than tolerance and rounding allow. Noise is never steady that way,
 * so it is not taken for a kink. The floors here are the rounding bound, not the block's
 * measured noise: a kink among the noise measurement's points looks like noise to it and
 * would hide itself. θ then sits on the kink and the analytic value must equal one of the two
 * one-sided derivatives (Richardson-extrapolated), as resolve_kink decides for a model that
 * counts its kinks. Where there is no such jump, nothing changes: the mismatch is the
 * gradient's (or the step's, which escalation then looks at). */
static kink_outcome probe_kink(const gcv_loop_ctx *c, double *th, void *ws, size_t i, double t,
                               double h, gcv_estimate *e)
{
    const gcv_options *o = c->o;
    double hs = fmin(h, (c->m->precision == GCV_FLOAT ? 0x1p-8 : 1e-5) * fmax(fabs(t), 1.0));
    gcv_estimate s[2][2]; /* [right, left][h, h/2] */
    unsigned spent = e->evals;
    int finite = isfinite(c->cost0);
    for (int side = 0; side < 2; side++) {
        for (int k = 0; k < 2; k++) {
            s[side][k] = one_sided(c, th, ws, i, t, k ? 0.5 * hs : hs, side ? -1 : 1);
            spent += s[side][k].evals;
            finite &= s[side][k].finite && isfinite(s[side][k].value);
        }
    }
    e->evals = spent;
    if (!finite)
        return KINK_UNRESOLVED;
    double u = c->m->precision == GCV_FLOAT ? 0x1p-24 : GCV_U;
    double fl = 10.0 * GCV_KAPPA * u * fabs(c->cost0) / hs; /* 2·f(h/2) + f(h), f = 2κu|J|/h */
    double v[2], spread[2];
    for (int side = 0; side < 2; side++) {
        v[side] = 2.0 * s[side][1].value - s[side][0].value;
        spread[side] = fabs(s[side][1].value - s[side][0].value);
    }
    double jump = fabs(v[0] - v[1]);
    double apart = o->atol + o->rtol * fmax(fabs(v[0]), fabs(v[1])) + GCV_MARGIN * 2.0 * fl;
    if (spread[0] > 0.25 * jump || spread[1] > 0.25 * jump)
        return KINK_UNRESOLVED; /* no steady two slopes: no kink told */
    if (jump <= apart) {
        /* One slope within hs: the central differences at hs and hs/2 (the sides' means)
         * are kink-free. A smooth cost's central difference at the check's larger step
         * differs from them by its truncation, which their own difference predicts (O(h²));
         * far more than that is a kink between hs and the step, which the smaller step
         * avoids. Else the step's truncation is escalation's to judge. */
        double c1 = 0.5 * (s[0][0].value + s[1][0].value);
        double c2 = 0.5 * (s[0][1].value + s[1][1].value);
        double half = 0.5 * e->step;
        if (!(half > hs))
            return KINK_UNRESOLVED;
        double trunc = fabs(c1 - c2) * (half * half - hs * hs) / (0.75 * hs * hs);
        double fb = 2.0 * GCV_KAPPA * u * fabs(c->cost0) / e->step;
        if (fabs(e->value - c1) <= GCV_MARGIN * (trunc + fb + fl))
            return KINK_UNRESOLVED;
        double step = e->step;
        *e = s[0][1];
        e->value = (4.0 * c2 - c1) / 3.0;
        e->floor = fl + fabs(c1 - c2) / 3.0;
        e->step = fmin(step, hs);
        e->evals = spent;
        return KINK_AVOIDED;
    }
    double g = c->grad[i];
    int near = fabs(g - v[0]) <= fabs(g - v[1]) ? 0 : 1;
    *e = s[near][0];
    e->value = v[near];
    e->floor = fl + spread[near];
    e->evals = spent;
    double tol = o->atol + o->rtol * fmax(fabs(g), fabs(v[near])) + GCV_MARGIN * e->floor;
    return fabs(g - v[near]) <= tol ? KINK_MATCHED : KINK_NEITHER;
}

void gcv_check_param(const gcv_loop_ctx *c, double *th, void *ws, size_t i,
                     gcv_param_result *r)
{
    const gcv_options *o = c->o;
    const double t = c->m->theta[i], g = c->grad[i];
    const double h = step_for(c, t, i);
    gcv_estimate e = scheme(c, o->method, th, ws, i, t, h);
    kink_outcome kink = KINK_UNRESOLVED;
    int crossed = e.kinks > 0 && o->method != GCV_METHOD_COMPLEX_STEP, probed = 0;
    if (crossed && e.finite)
        kink = resolve_kink(c, th, ws, i, t, h, &e);
    if (!c->m->kinks_crossed && o->method != GCV_METHOD_COMPLEX_STEP && e.finite &&
        isfinite(g) && isfinite(e.value) && e.step > 0.0) {
        /* Against the rounding bound, not the measured noise: a kink inside the noise
         * measurement's points looks like noise to it, and hides itself. */
        double ae = fabs(g - e.value), m0 = fmax(fabs(g), fabs(e.value));
        double u = c->m->precision == GCV_FLOAT ? 0x1p-24 : GCV_U;
        double bound = GCV_KAPPA * u * 2.0 * fabs(c->cost0) / e.step;
        /* A central difference's own points give the two one-sided slopes: where they
         * agree, no kink lies within the step and the probe's evaluations are not spent
         * (a wrong gradient in a smooth model, every entry of a buggy block, costs none). */
        int one_slope = 0;
        if (isfinite(e.right) && isfinite(e.left)) {
            double hb = 2.0 * bound; /* each slope's rounding: κu·2|J|/(step/2) */
            one_slope = fabs(e.right - e.left) <=
                        o->atol + o->rtol * fmax(fabs(e.right), fabs(e.left)) + GCV_MARGIN * 2.0 * hb;
        }
        if (!one_slope && ae > o->atol + o->rtol * m0 && ae > GCV_MARGIN * bound) {
            kink = probe_kink(c, th, ws, i, t, h, &e);
            crossed = kink != KINK_UNRESOLVED;
            probed = 1;
        }
    }
    th[i] = t; /* restored from the saved value */

    r->theta = t;
    r->analytic = g;
    r->numeric = e.value;
    r->step = e.step;
    r->abs_error = fabs(g - e.value);
    double mx = fmax(fabs(g), fabs(e.value));
    r->rel_error = mx > 0.0 ? r->abs_error / mx : 0.0;
    r->kink_avoided = kink == KINK_AVOIDED ? 1 : probed && kink == KINK_NEITHER ? 2 : 0;
    int finite = e.finite && isfinite(g) && isfinite(e.value);
    int candidate = finite && r->abs_error > o->atol + o->rtol * mx;
    int p = scheme_order(o->method);
    /* Without a measured noise, a parameter whose error could matter (over rtol, or over
     * the block threshold in relative terms) gets its truncation term measured; with one,
     * the suspects of a block over its threshold are escalated instead (escalate.c). */
    if (!c->noise && finite && p > 0 && !crossed &&
        (candidate || r->rel_error > o->threshold)) {
        /* The truncation term, seen from a second step at h/2 (inside the kink-free
         * interval already seen): D(h) − D(h/2) = (1 − 2⁻ᵖ)·c·hᵖ. */
        gcv_estimate d2 = scheme(c, o->method, th, ws, i, t, 0.5 * h);
        th[i] = t;
        e.evals += d2.evals;
        if (d2.finite && !d2.kinks)
            e.floor += fabs(e.value - d2.value) / (1.0 - ldexp(1.0, -p));
    }
    r->floor = e.floor;
    r->evaluations = e.evals;
    if (!finite)
        r->status = GCV_PARAM_NONFINITE;
    else if (crossed && kink == KINK_UNRESOLVED)
        r->status = GCV_PARAM_KINK;
    else if (kink == KINK_MATCHED)
        r->status = GCV_PARAM_KINK_OK;
    else if (kink == KINK_NEITHER)
        r->status = GCV_PARAM_MISMATCH;
    else
        r->status = candidate && r->abs_error > GCV_MARGIN * e.floor ? GCV_PARAM_MISMATCH
                                                                      : GCV_PARAM_OK;
}

double gcv_step_for(const gcv_loop_ctx *c, double t, size_t i)
{
    return step_for(c, t, i);
}

/* Pre-flight checks on an opaque model, before the perturbation loop.
 *
 * Why: a gradient check compares g with differences of J, so anything that changes J or g
 * without changing θ shows up as a gradient error, or hides one, and the report then blames
 * the wrong thing. The usual culprits in user code are cheap to catch directly:
 *   - hidden state: J(θ) not the same bits on a second call (a static counter, an RNG that
 *     is not reseeded, uninitialised memory) or on another thread at the same time (shared
 *     scratch). A spread within rounding (a reduction whose order varies) is no bug: it is
 *     measured and stated as a floor on what the check can resolve. A larger one is refused,
 *     since every central difference would carry it divided by the step;
 *   - a gradient that accumulates (g += …) without zeroing the buffer first, or that never
 *     writes some entries: invisible when the buffer happens to hold zeros, garbage
 *     otherwise. gradient() is called twice, once into a buffer of NaN and once into a
 *     buffer of 2^20: an entry still 2^20 was never written; an entry NaN the first time and
 *     finite the second read the old value (accumulation);
 *   - cost() or gradient() writing θ (θ arrives const; C lets code cast it away).
 * Each problem names the block and coordinates of the first entry it concerns and is exit 2,
 * before any time is spent on the loop. The checks call only the gcv_model interface, so any
 * model that runs user code can use them. */
#include "model/preflight.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/blocks.h"
#include "util/strutil.h"

#define PATTERN 0x1p20 /* the second gradient buffer's value: exact in float and double */

typedef struct scratch {
    double *t, *g1, *g2;
    void *ws[2];
} scratch;

static void *ws_new(size_t n)
{
    size_t bytes = (n + 63) / 64 * 64;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p)
        memset(p, 0, bytes ? bytes : 64);
    return p;
}

static void scratch_free(scratch *s)
{
    free(s->t);
    free(s->g1);
    free(s->g2);
    free(s->ws[0]);
    free(s->ws[1]);
}

/* "W[1](2,0,1) = θ[37]" */
static void where(const gcv_model *m, size_t i, char *buf, size_t n)
{
    size_t k, b = gcv_model_locate(m, i, &k);
    char c[96];
    gcv_block_format_coords(&m->blocks[b], k, c, sizeof c);
    snprintf(buf, n, "%.*s%s = θ[%zu]", GCV_NAME_LEN, m->blocks[b].name, c, i);
}

/* θ after a call into the model: the same bits as m->theta, else the first changed. */
static gcv_status theta_kept(const gcv_model *m, const double *t, const char *fn,
                             gcv_error *err)
{
    for (size_t i = 0; i < m->n_params; i++)
        if (memcmp(&t[i], &m->theta[i], sizeof *t) != 0) {
            char w[160];
            where(m, i, w, sizeof w);
            snprintf(err->msg, sizeof err->msg, "pre-flight: %s wrote θ: %s was %.17g and is "
                     "%.17g after the call (θ is read-only to the model: copy it to change it)",
                     fn, w, m->theta[i], t[i]);
            return GCV_ERR_INVALID;
        }
    return GCV_OK;
}

/* J at θ: twice on this thread, then on two threads at once (on this one again for a check
 * on one thread: a worker model would start a second worker the check never uses); the
 * spread of the four. */
static gcv_status cost_repeat(const gcv_model *m, int threads, scratch *s, gcv_preflight *out,
                              gcv_error *err)
{
    double j[4] = {NAN, NAN, NAN, NAN};
    int rc[4] = {0, 0, 0, 0};
    memcpy(s->t, m->theta, m->n_params * sizeof *s->t);
    rc[0] = m->cost(m, s->t, s->ws[0], &j[0]);
    gcv_status st = theta_kept(m, s->t, "cost()", err);
    if (st)
        return st;
    rc[1] = m->cost(m, m->theta, s->ws[0], &j[1]);
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num();
        if (omp_get_num_threads() == 2 || t == 0) /* one thread granted: call it twice */
            for (int r = t; r < 2; r += omp_get_num_threads())
                rc[2 + r] = m->cost(m, m->theta, s->ws[r], &j[2 + r]);
    }
    double lo = j[0], hi = j[0];
    for (int k = 0; k < 4; k++) {
        if (rc[k] != 0 || !isfinite(j[k]))
            return GCV_OK; /* a cost that fails or is not finite: the loop reports it */
        lo = fmin(lo, j[k]);
        hi = fmax(hi, j[k]);
    }
    if (hi == lo)
        return GCV_OK;
    double u = m->precision == GCV_FLOAT ? 0x1p-24 : 0x1p-53;
    double spread = (hi - lo) / fmax(fabs(j[0]), 1e-300);
    out->cost_spread = spread;
    char what[GCV_ERROR_LEN - 64];
    snprintf(what, sizeof what, "cost() at the same θ gave J = %.17g, %.17g (again), %.17g and "
             "%.17g (%s): a spread of %.1e of |J|", j[0], j[1], j[2], j[3],
             threads >= 2 ? "two threads at once" : "two other workspaces", spread);
    if (spread > 64.0 * u)
    {
        gcv_error_set(err, "pre-flight: %s, beyond rounding: the cost has hidden state (a "
                      "counter, an RNG not reseeded, uninitialised or shared scratch memory)",
                      what);
        return GCV_ERR_INVALID;
    }
    snprintf(out->note, sizeof out->note, "pre-flight: %.400s, within rounding (a reduction in "
             "varying order?): differences of J below that are noise", what);
    return GCV_OK;
}

/* gradient() into NaN, then into 2^20: every entry written, none added to. */
static gcv_status gradient_twice(const gcv_model *m, scratch *s, gcv_error *err)
{
    size_t P = m->n_params;
    double j1 = NAN, j2 = NAN;
    memcpy(s->t, m->theta, P * sizeof *s->t);
    for (size_t i = 0; i < P; i++) {
        s->g1[i] = NAN;
        s->g2[i] = PATTERN;
    }
    if (m->gradient(m, s->t, s->g1, s->ws[0], &j1) != 0 ||
        m->gradient(m, s->t, s->g2, s->ws[0], &j2) != 0)
        return GCV_OK; /* a failing gradient: the check says why */
    gcv_status st = theta_kept(m, s->t, "gradient()", err);
    if (st)
        return st;
    size_t unwritten = 0, added = 0, first_u = 0, first_a = 0;
    for (size_t i = 0; i < P; i++) {
        int u = isnan(s->g1[i]) && s->g2[i] == PATTERN;
        int a = isnan(s->g1[i]) && isfinite(s->g2[i]) && s->g2[i] != PATTERN;
        if (u && unwritten++ == 0)
            first_u = i;
        if (a && added++ == 0)
            first_a = i;
    }
    char w[160], what[GCV_ERROR_LEN - 128];
    if (added) {
        where(m, first_a, w, sizeof w);
        snprintf(what, sizeof what, "%zu of %zu entries, the first %s (NaN when the buffer held "
                 "NaN, %.17g when it held 2^20)", added, P, w, s->g2[first_a]);
        gcv_error_set(err, "pre-flight: gradient() adds to the gradient buffer (+=) without "
                      "setting it first: %s; set every entry (g[i] = 0 first, then +=)", what);
        return GCV_ERR_INVALID;
    }
    if (unwritten) {
        where(m, first_u, w, sizeof w);
        snprintf(what, sizeof what, "%zu of %zu entries, the first %s", unwritten, P, w);
        gcv_error_set(err, "pre-flight: gradient() never writes %s; write every entry (0 where "
                      "the cost does not depend on it)", what);
        return GCV_ERR_INVALID;
    }
    return GCV_OK;
}

gcv_status gcv_preflight_run(const gcv_model *m, size_t threads, gcv_preflight *out,
                             gcv_error *err)
{
    size_t P = m->n_params;
    scratch s = {malloc(P * sizeof *s.t), malloc(P * sizeof *s.g1), malloc(P * sizeof *s.g2),
                 {ws_new(m->ws_bytes), ws_new(m->ws_bytes)}};
    out->cost_spread = 0.0;
    out->note[0] = '\0';
    if (!s.t || !s.g1 || !s.g2 || !s.ws[0] || !s.ws[1]) {
        scratch_free(&s);
        snprintf(err->msg, sizeof err->msg, "pre-flight: out of memory");
        return GCV_ERR_NOMEM;
    }
    gcv_status st = gradient_twice(m, &s, err);
    if (!st)
        st = cost_repeat(m, threads >= 2 ? 2 : 1, &s, out, err);
    scratch_free(&s);
    return st;
}

/* The dumped-gradient model; see dumped.h. Every cost hook forwards to the inner model with
 * the inner model as its own argument, so its workspace, kink count and incremental passes
 * serve unchanged; only gradient() differs, returning the user's vector. θ and the blocks
 * are the inner model's (same names, shapes and offsets), so reports look as for the
 * built-in network. */
#include "model/dumped.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"

typedef struct dumped {
    gcv_model *inner;
    double *grad; /* P values */
} dumped;

static const gcv_model *inner_of(const gcv_model *m)
{
    return ((const dumped *)m->self)->inner;
}

static int d_cost(const gcv_model *m, const double *theta, void *ws, double *cost)
{
    const gcv_model *in = inner_of(m);
    return in->cost(in, theta, ws, cost);
}

static int d_gradient(const gcv_model *m, const double *theta, double *grad, void *ws,
                      double *cost)
{
    const dumped *d = m->self;
    memcpy(grad, d->grad, m->n_params * sizeof *grad);
    return d->inner->cost(d->inner, theta, ws, cost);
}

static size_t d_kinks(const gcv_model *m, const void *ws)
{
    const gcv_model *in = inner_of(m);
    return in->kinks_crossed(in, ws);
}

static int d_cost_complex(const gcv_model *m, const double *theta, size_t idx, double h,
                          void *ws, double *re, double *im)
{
    const gcv_model *in = inner_of(m);
    return in->cost_complex(in, theta, idx, h, ws, re, im);
}

static int d_cost_perturbed(const gcv_model *m, size_t idx, double value, void *ws,
                            double *cost)
{
    const gcv_model *in = inner_of(m);
    return in->cost_perturbed(in, idx, value, ws, cost);
}

static const char *d_error(const gcv_model *m, const void *ws)
{
    const gcv_model *in = inner_of(m);
    return in->error(in, ws);
}

static void d_destroy(gcv_model *m)
{
    dumped *d = m->self;
    if (d) {
        gcv_model_free(d->inner); /* its blocks and θ, which m shares, and itself */
        free(d->grad);
        free(d);
    }
    free(m);
}

gcv_status gcv_dumped_new(gcv_model *inner, const double *grad, gcv_precision p,
                          gcv_model **out, gcv_error *err)
{
    gcv_model *m = calloc(1, sizeof *m);
    dumped *d = calloc(1, sizeof *d);
    double *g = malloc((inner->n_params ? inner->n_params : 1) * sizeof *g);
    if (!m || !d || !g) {
        free(m);
        free(d);
        free(g);
        gcv_model_free(inner);
        gcv_error_set(err, "out of memory for the dumped gradient");
        return GCV_ERR_NOMEM;
    }
    memcpy(g, grad, inner->n_params * sizeof *g);
    d->inner = inner;
    d->grad = g;
    *m = *inner; /* sizes, blocks, θ, workspace, precision, type */
    m->self = d;
    m->cost = d_cost;
    m->gradient = d_gradient;
    m->kinks_crossed = inner->kinks_crossed ? d_kinks : NULL;
    m->cost_complex = inner->cost_complex ? d_cost_complex : NULL;
    m->cost_perturbed = inner->cost_perturbed ? d_cost_perturbed : NULL;
    m->error = inner->error ? d_error : NULL;
    m->destroy = d_destroy;
    m->precision = p;
    *out = m;
    return GCV_OK;
}

int gcv_dumped_cost_differs(const gcv_model *m, double theirs, double *ours, double *rel)
{
    size_t n = m->ws_bytes ? (m->ws_bytes + 63) / 64 * 64 : 64;
    void *ws = aligned_alloc(64, n);
    *ours = NAN;
    *rel = NAN;
    if (!ws)
        return -1;
    memset(ws, 0, n); /* zeroed, as the model interface promises */
    int bad = m->cost(m, m->theta, ws, ours);
    free(ws);
    if (bad || !isfinite(*ours))
        return -1;
    double scale = fmax(fabs(*ours), fabs(theirs));
    *rel = scale > 0 ? fabs(*ours - theirs) / scale : 0.0;
    return *rel > gcv_dumped_cost_rtol(m->precision);
}

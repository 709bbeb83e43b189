/* A plugin laid out the way real training code lays out its parameters: every tensor is
 * stored for all layers together in one array (all layers' W, then all layers' b, then the
 * head), as hand-written C trainers do, and gcverify is shown each layer's tensors as their
 * own blocks through views, without copying or permuting θ.
 *
 * The model: L layers of width C on m examples it makes itself,
 *     a = W[l,0]·h + b[l],  c = W[l,1]·h,  d = W[l,2]·h,
 *     h ← tanh(a) + ½·tanh(c)⊙d,
 * then J = (1/m) Σ ½ (v·h − y)². θ in memory: W of shape (L, 3, C, C), then b (L, C), then
 * v (C). Blocks, layer by layer: "W[l]" of shape (3, C, C) at offset l·3C², "b[l]" of shape
 * (C) at offset 3LC² + lC, and "v" (C) last, labelled 0-based by layer (the head is L).
 *
 * Options (read through the accessors of gcv_plugin_args, no JSON parsing here):
 *   "layers" (default 3), "width" (4), "examples" (5);
 *   "bug": "none" (default) or "d_half" — layer 1's backward forgets the ½ on d's
 *     gradient, so only W[1] fails (and the layers below, whose gradient flows through it);
 *   "float": true — a float model (cost_f/gradient_f): float θ in, float J and gradient
 *     out (the arithmetic in between is double, enough for a layout example).
 * Built with -fopenmp -DSTACKED_OMP (the libstacked_omp variant), the forward and backward
 * passes loop over the examples with `#pragma omp parallel for`, as real code does: gcverify
 * runs them on one thread inside its own. */
#include <gcverify/plugin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GCV_PLUGIN_DECLARE_ABI;

typedef struct stacked {
    size_t L, C, m, P;
    int d_half, fl;
    double *x, *y;          /* m × C inputs, m targets */
    double *theta;          /* P values, the layout above */
    float *thetaf;
    gcv_plugin_block *blocks;
    char (*names)[32];
} stacked;

/* One example's forward pass (keeping each layer's input and pre-activations in ws when
 * acts is not NULL) and its output. */
static double forward(const stacked *s, const double *th, const double *x0, double *acts)
{
    size_t C = s->C, L = s->L;
    double h[64], nh[64];
    memcpy(h, x0, C * sizeof *h);
    for (size_t l = 0; l < L; l++) {
        const double *W = th + l * 3 * C * C, *b = th + 3 * L * C * C + l * C;
        double *keep = acts ? acts + l * 4 * C : NULL;
        for (size_t i = 0; i < C; i++) {
            double a = b[i], c = 0, d = 0;
            for (size_t j = 0; j < C; j++) {
                a += W[i * C + j] * h[j];
                c += W[C * C + i * C + j] * h[j];
                d += W[2 * C * C + i * C + j] * h[j];
            }
            nh[i] = tanh(a) + 0.5 * tanh(c) * d;
            if (keep) {
                keep[C + i] = a;
                keep[2 * C + i] = c;
                keep[3 * C + i] = d;
            }
        }
        if (keep)
            memcpy(keep, h, C * sizeof *h);
        memcpy(h, nh, C * sizeof *h);
    }
    double out = 0;
    for (size_t i = 0; i < C; i++)
        out += th[3 * L * C * C + L * C + i] * h[i];
    return out;
}

static double cost_at(const stacked *s, const double *th)
{
    double J = 0;
#ifdef STACKED_OMP
#pragma omp parallel for reduction(+ : J)
#endif
    for (size_t e = 0; e < s->m; e++) {
        double r = forward(s, th, s->x + e * s->C, NULL) - s->y[e];
        J += 0.5 * r * r / (double)s->m;
    }
    return J;
}

/* Back through layer l of one example: dh (the gradient at its output) becomes the
 * gradient at its input; the layer's parameters' gradients are added into g. */
static void backward_layer(const stacked *s, size_t l, const double *th, const double *keep,
                           double *dh, double *g)
{
    size_t C = s->C, L = s->L;
    const double *W = th + l * 3 * C * C, *h = keep;
    double *gW = g + l * 3 * C * C, *gb = g + 3 * L * C * C + l * C, dx[64] = {0};
    double half = s->d_half && l == 1 ? 1.0 : 0.5; /* the bug: ½ forgotten */
    for (size_t i = 0; i < C; i++) {
        double a = keep[C + i], c = keep[2 * C + i], d = keep[3 * C + i];
        double ta = tanh(a), tc = tanh(c);
        double da = dh[i] * (1 - ta * ta), dc = dh[i] * 0.5 * (1 - tc * tc) * d;
        double dd = dh[i] * half * tc;
        gb[i] += da;
        for (size_t j = 0; j < C; j++) {
            gW[i * C + j] += da * h[j];
            gW[C * C + i * C + j] += dc * h[j];
            gW[2 * C * C + i * C + j] += dd * h[j];
            dx[j] += da * W[i * C + j] + dc * W[C * C + i * C + j] + dd * W[2 * C * C + i * C + j];
        }
    }
    memcpy(dh, dx, C * sizeof *dh);
}

static double gradient_at(const stacked *s, const double *th, double *g)
{
    size_t C = s->C, L = s->L;
    double J = 0;
    memset(g, 0, s->P * sizeof *g);
    for (size_t e = 0; e < s->m; e++) { /* serial: every example adds into the same g */
        double acts[16 * 4 * 64], dh[64];
        double out = forward(s, th, s->x + e * C, acts), r = out - s->y[e];
        J += 0.5 * r * r / (double)s->m;
        const double *keep = acts + (L - 1) * 4 * C;
        double hl[64];
        for (size_t i = 0; i < C; i++) { /* the last layer's output, recomputed */
            hl[i] = tanh(keep[C + i]) + 0.5 * tanh(keep[2 * C + i]) * keep[3 * C + i];
            g[3 * L * C * C + L * C + i] += r * hl[i] / (double)s->m;
            dh[i] = r * th[3 * L * C * C + L * C + i] / (double)s->m;
        }
        for (size_t l = L; l-- > 0;)
            backward_layer(s, l, th, acts + l * 4 * C, dh, g);
    }
    return J;
}

static int cost(const void *self, const double *th, void *ws, double *J)
{
    *J = cost_at(self, th);
    return 0;
}

static int gradient(const void *self, const double *th, double *g, void *ws, double *J)
{
    *J = gradient_at(self, th, g);
    return 0;
}

/* The float model: θ widened, J and g rounded to float (a float model as far as gcverify
 * sees: float θ in, float J and g out). */
static int cost_f(const void *self, const float *th, void *ws, float *J)
{
    const stacked *s = self;
    double *t = ws;
    for (size_t i = 0; i < s->P; i++)
        t[i] = th[i];
    *J = (float)cost_at(s, t);
    return 0;
}

static int gradient_f(const void *self, const float *th, float *g, void *ws, float *J)
{
    const stacked *s = self;
    double *t = ws, *gd = t + s->P;
    for (size_t i = 0; i < s->P; i++)
        t[i] = th[i];
    *J = (float)gradient_at(s, t, gd);
    for (size_t i = 0; i < s->P; i++)
        g[i] = (float)gd[i];
    return 0;
}

static void destroy(void *self)
{
    stacked *s = self;
    if (s) {
        free(s->x);
        free(s->y);
        free(s->theta);
        free(s->thetaf);
        free(s->blocks);
        free(s->names);
        free(s);
    }
}

/* The per-layer views over the stacked layout. */
static void make_blocks(stacked *s)
{
    size_t C = s->C, L = s->L, n = 0;
    for (size_t l = 0; l < L; l++) {
        gcv_plugin_block *w = &s->blocks[n], *b = &s->blocks[n + 1];
        snprintf(s->names[n], sizeof s->names[n], "W[%zu]", l);
        snprintf(s->names[n + 1], sizeof s->names[n + 1], "b[%zu]", l);
        *w = (gcv_plugin_block){.name = s->names[n], .layer = (int)l, .ndim = 3,
                                .dims = {3, C, C}, .offset = l * 3 * C * C};
        *b = (gcv_plugin_block){.name = s->names[n + 1], .layer = (int)l, .ndim = 1,
                                .dims = {C}, .offset = 3 * L * C * C + l * C};
        n += 2;
    }
    s->blocks[n] = (gcv_plugin_block){.name = "v", .layer = (int)L, .ndim = 1, .dims = {C},
                                      .offset = 3 * L * C * C + L * C};
}

static int options(const gcv_plugin_args *a, stacked *s)
{
    static const char *const keys[] = {"layers", "width", "examples", "bug", "float"};
    double L = 3, C = 4, m = 5;
    const char *bug = "none";
    if (a->only_keys(a, keys, 5) < 0 || a->get_number(a, "layers", &L) < 0 ||
        a->get_number(a, "width", &C) < 0 || a->get_number(a, "examples", &m) < 0 ||
        a->get_string(a, "bug", &bug) < 0 || a->get_bool(a, "float", &s->fl) < 0)
        return -1;
    if (!(L >= 2 && L <= 16 && C >= 1 && C <= 64 && m >= 1 && m <= 1000)) {
        snprintf(a->err, a->err_len, "model.options: expected layers 2..16, width 1..64, "
                 "examples 1..1000");
        return -1;
    }
    if (strcmp(bug, "none") != 0 && strcmp(bug, "d_half") != 0) {
        snprintf(a->err, a->err_len, "model.options.bug: expected \"none\" or \"d_half\", "
                 "got \"%.40s\"", bug);
        return -1;
    }
    s->d_half = strcmp(bug, "d_half") == 0;
    s->L = (size_t)L;
    s->C = (size_t)C;
    s->m = (size_t)m;
    return 0;
}

GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *args, gcv_plugin_model *out)
{
    stacked *s = calloc(1, sizeof *s);
    if (!s || options(args, s) != 0) {
        free(s);
        return 1;
    }
    size_t L = s->L, C = s->C;
    s->P = 3 * L * C * C + L * C + C;
    s->x = malloc(s->m * C * sizeof *s->x);
    s->y = malloc(s->m * sizeof *s->y);
    s->theta = malloc(s->P * sizeof *s->theta);
    s->thetaf = malloc(s->P * sizeof *s->thetaf);
    s->blocks = calloc(2 * L + 1, sizeof *s->blocks);
    s->names = calloc(2 * L + 1, sizeof *s->names);
    if (!s->x || !s->y || !s->theta || !s->thetaf || !s->blocks || !s->names) {
        destroy(s);
        return 1;
    }
    for (size_t k = 0; k < s->m * C; k++) /* deterministic data and θ */
        s->x[k] = sin(1.7 * (double)k + 0.3);
    for (size_t e = 0; e < s->m; e++)
        s->y[e] = cos(0.9 * (double)e);
    for (size_t i = 0; i < s->P; i++) {
        s->thetaf[i] = (float)(0.5 * sin(0.37 * (double)i + 1.1));
        s->theta[i] = s->thetaf[i];
    }
    make_blocks(s);
    out->self = s;
    out->precision = s->fl ? GCV_PLUGIN_FLOAT : GCV_PLUGIN_DOUBLE;
    out->n_params = s->P;
    out->n_blocks = 2 * L + 1;
    out->blocks = s->blocks;
    out->theta = s->fl ? (const void *)s->thetaf : (const void *)s->theta;
    out->ws_bytes = s->fl ? 2 * s->P * sizeof(double) : 0;
    out->examples = s->m;
    out->description = "stacked layers, tensors stored for all layers together";
    out->cost = cost;
    out->gradient = gradient;
    out->cost_f = cost_f;
    out->gradient_f = gradient_f;
    out->destroy = destroy;
    return 0;
}

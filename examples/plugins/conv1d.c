/* Example plugin (c): a model that is not an MLP — a 1-D convolution, tanh, max pooling and
 * a dense output, trained with squared error — to show that gcverify's engine knows
 * nothing about layers: it sees four named blocks of θ and a cost.
 *
 *   C[k,t] = tanh(b_k + Σ_f K[k,f] · x[t+f])          t = 0 … L−F   (valid convolution)
 *   P[k,s] = max(C[k,2s], C[k,2s+1])                  s = 0 … S−1   (pool 2, stride 2)
 *   ŷ = d0 + Σ_{k,s} D[k·S + s] · P[k,s],   J = (1/m) Σ ½ (ŷ − y)²
 *
 * Max pooling has kinks where the two inputs of a window tie: kinks_crossed() reports how
 * many windows chose the other input than at the unperturbed θ, so gcverify handles them
 * instead of reporting a false mismatch. The plugin makes its own data:
 *   "options": {"length": 16, "filters": 4, "width": 3, "examples": 8, "seed": 3}
 * Build: cc -O2 -shared -fPIC -o libconv1d.so conv1d.c -lm $(pkg-config --cflags gcverify) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcverify/plugin.h>

#include "options.h"

GCV_PLUGIN_DECLARE_ABI;

typedef struct conv {
    size_t L, K, F, m, T, S; /* T = L − F + 1 conv outputs, S = T / 2 pooled */
    size_t oK, ob, oD, od;   /* block offsets in θ */
    double *x, *y;           /* x: L × m (one column per example), y: m */
    double *theta0;
    unsigned char *arg0;     /* the pooling choices at θ0 (K·S·m) */
    gcv_plugin_block blocks[4];
    char description[96];
} conv;

/* The workspace: conv outputs, pooling choices and the kink count of the last cost. */
typedef struct ws_view {
    double *c;          /* K·T·m */
    unsigned char *arg; /* K·S·m: 0 or 1, which input of the window won */
    size_t *kinks;
} ws_view;

static size_t ws_size(const conv *s)
{
    return sizeof(size_t) + s->K * s->T * s->m * sizeof(double) + s->K * s->S * s->m;
}

static ws_view view(const conv *s, void *ws)
{
    ws_view v;
    v.kinks = ws;
    v.c = (double *)((char *)ws + sizeof(size_t));
    v.arg = (unsigned char *)(v.c + s->K * s->T * s->m);
    return v;
}

/* J, and with g the gradient too. */
static double run(const conv *s, const double *th, ws_view v, double *g)
{
    const double *Kw = th + s->oK, *b = th + s->ob, *D = th + s->oD, d0 = th[s->od];
    const size_t m = s->m, T = s->T, S = s->S;
    double J = 0.0;
    if (g)
        memset(g, 0, (s->od + 1) * sizeof *g);
    for (size_t j = 0; j < m; j++) {
        double yhat = d0;
        for (size_t k = 0; k < s->K; k++) {
            double *c = v.c + (k * m + j) * T;
            for (size_t t = 0; t < T; t++) {
                double z = b[k];
                for (size_t f = 0; f < s->F; f++)
                    z += Kw[k * s->F + f] * s->x[(t + f) * m + j];
                c[t] = tanh(z);
            }
            for (size_t q = 0; q < S; q++) {
                unsigned char a = c[2 * q + 1] > c[2 * q];
                v.arg[(k * S + q) * m + j] = a;
                yhat += D[k * S + q] * c[2 * q + a];
            }
        }
        double r = yhat - s->y[j];
        J += 0.5 * r * r;
        if (!g)
            continue;
        /* backward: ∂J/∂ŷ = r / m */
        double dy = r / (double)m;
        g[s->od] += dy;
        for (size_t k = 0; k < s->K; k++) {
            const double *c = v.c + (k * m + j) * T;
            for (size_t q = 0; q < S; q++) {
                size_t t = 2 * q + v.arg[(k * S + q) * m + j];
                g[s->oD + k * S + q] += dy * c[t];
                double dz = dy * D[k * S + q] * (1.0 - c[t] * c[t]); /* through tanh */
                g[s->ob + k] += dz;
                for (size_t f = 0; f < s->F; f++)
                    g[s->oK + k * s->F + f] += dz * s->x[(t + f) * m + j];
            }
        }
    }
    return J / (double)m;
}

static int cost(const void *self, const double *theta, void *ws, double *J)
{
    const conv *s = self;
    ws_view v = view(s, ws);
    *J = run(s, theta, v, NULL);
    size_t n = 0;
    for (size_t i = 0; i < s->K * s->S * s->m; i++)
        n += v.arg[i] != s->arg0[i];
    *v.kinks = n;
    return 0;
}

static int gradient(const void *self, const double *theta, double *g, void *ws, double *J)
{
    const conv *s = self;
    *J = run(s, theta, view(s, ws), g);
    return 0;
}

static size_t kinks_crossed(const void *self, const void *ws)
{
    (void)self;
    return *(const size_t *)ws;
}

static void destroy(void *self)
{
    conv *s = self;
    if (!s)
        return;
    free(s->x);
    free(s->y);
    free(s->theta0);
    free(s->arg0);
    free(s);
}

GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *args, gcv_plugin_model *out)
{
    const char *o = args->options_json;
    int bad = 0;
    double L = opt_number(o, "length", 16, &bad), K = opt_number(o, "filters", 4, &bad);
    double F = opt_number(o, "width", 3, &bad), m = opt_number(o, "examples", 8, &bad);
    double seed = opt_number(o, "seed", 3, &bad);
    if (bad || !(F >= 1 && F <= 64) || !(L >= F + 1 && L <= 1e5) || !(K >= 1 && K <= 1024) ||
        !(m >= 1 && m <= 1e5) || L != floor(L) || K != floor(K) || F != floor(F) ||
        m != floor(m) || !(seed >= 0)) {
        snprintf(args->err, args->err_len, "options: expected integers width 1..64, length "
                 "width+1..1e5, filters 1..1024, examples 1..1e5 and a seed ≥ 0");
        return 1;
    }
    conv *s = calloc(1, sizeof *s);
    if (!s)
        goto nomem;
    s->L = (size_t)L;
    s->K = (size_t)K;
    s->F = (size_t)F;
    s->m = (size_t)m;
    s->T = s->L - s->F + 1;
    s->S = s->T / 2;
    if (s->S == 0) {
        destroy(s);
        snprintf(args->err, args->err_len, "options: length − width + 1 must be ≥ 2 for one "
                 "pooling window");
        return 1;
    }
    s->oK = 0;
    s->ob = s->K * s->F;
    s->oD = s->ob + s->K;
    s->od = s->oD + s->K * s->S;
    size_t P = s->od + 1;
    s->x = malloc(s->L * s->m * sizeof *s->x);
    s->y = malloc(s->m * sizeof *s->y);
    s->theta0 = malloc(P * sizeof *s->theta0);
    s->arg0 = malloc(s->K * s->S * s->m);
    if (!s->x || !s->y || !s->theta0 || !s->arg0)
        goto nomem;
    unsigned long long r = (unsigned long long)seed;
    for (size_t i = 0; i < s->L * s->m; i++)
        s->x[i] = sin(0.7 * (double)(i / s->m)) + 0.5 * (2.0 * opt_uniform(&r) - 1.0);
    for (size_t j = 0; j < s->m; j++)
        s->y[j] = 2.0 * opt_uniform(&r) - 1.0;
    for (size_t i = 0; i < P; i++)
        s->theta0[i] = 0.6 * (2.0 * opt_uniform(&r) - 1.0);
    /* The pooling choices at θ0, for kinks_crossed. */
    void *ws = calloc(1, ws_size(s));
    if (!ws)
        goto nomem;
    ws_view v = view(s, ws);
    run(s, s->theta0, v, NULL);
    memcpy(s->arg0, v.arg, s->K * s->S * s->m);
    free(ws);
    s->blocks[0] = (gcv_plugin_block){.name = "kernel", .layer = 1, .rows = s->K, .cols = s->F};
    s->blocks[1] = (gcv_plugin_block){.name = "kbias", .layer = 1, .rows = s->K, .cols = 1};
    s->blocks[2] =
        (gcv_plugin_block){.name = "dense", .layer = 2, .rows = 1, .cols = s->K * s->S};
    s->blocks[3] = (gcv_plugin_block){.name = "dbias", .layer = 2, .rows = 1, .cols = 1};
    snprintf(s->description, sizeof s->description,
             "conv1d %zu×%zu → tanh → maxpool 2 → dense, squared error, signals of %zu", s->K,
             s->F, s->L);
    out->self = s;
    out->precision = GCV_PLUGIN_DOUBLE;
    out->n_params = P;
    out->n_blocks = 4;
    out->blocks = s->blocks;
    out->theta = s->theta0;
    out->ws_bytes = ws_size(s);
    out->examples = s->m;
    out->description = s->description;
    out->cost = cost;
    out->gradient = gradient;
    out->kinks_crossed = kinks_crossed;
    out->destroy = destroy;
    return 0;
nomem:
    destroy(s);
    snprintf(args->err, args->err_len, "out of memory");
    return 1;
}

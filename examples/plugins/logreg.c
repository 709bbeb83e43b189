/* Example plugin (a): logistic regression written the way a course student writes it
 * (propagate() of the first deep-learning assignment), correct, in double or in float.
 *
 *   A = σ(wᵀX + b),  J = −(1/m) Σ [y log A + (1−y) log(1−A)],
 *   dw = (1/m) X (A − Y)ᵀ,  db = (1/m) Σ (A − Y)
 *
 * θ = [w (n×1), b (1×1)]. The plugin makes its own data (its options say how much):
 *   "options": {"features": 4, "examples": 32, "seed": 1, "precision": "double" | "float"}
 * X is uniform in [−1, 1), the labels come from a fixed random teacher, and w starts small.
 * Build: cc -O2 -shared -fPIC -o liblogreg.so logreg.c -lm $(pkg-config --cflags gcverify) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gcverify/plugin.h>

#include "options.h"

GCV_PLUGIN_DECLARE_ABI;

typedef struct logreg {
    size_t n, m;
    double *x, *y;  /* X: n × m (one column per example), Y: 1 × m */
    float *xf, *yf; /* the same data in float, for the float model */
    double *w0;     /* the initial θ in double (n + 1) */
    float *w0f;     /* and in float */
    gcv_plugin_block blocks[2];
    char description[96];
} logreg;

/* ---- double ---- */

static int propagate(const logreg *s, const double *theta, double *grad, double *cost)
{
    const double *w = theta, b = theta[s->n];
    double J = 0.0;
    if (grad)
        for (size_t i = 0; i <= s->n; i++)
            grad[i] = 0.0;
    for (size_t j = 0; j < s->m; j++) {
        double z = b;
        for (size_t i = 0; i < s->n; i++)
            z += w[i] * s->x[i * s->m + j];
        double a = 1.0 / (1.0 + exp(-z)), y = s->y[j];
        J -= y * log(a) + (1.0 - y) * log(1.0 - a);
        if (grad) {
            for (size_t i = 0; i < s->n; i++)
                grad[i] += s->x[i * s->m + j] * (a - y);
            grad[s->n] += a - y;
        }
    }
    *cost = J / (double)s->m;
    if (grad)
        for (size_t i = 0; i <= s->n; i++)
            grad[i] /= (double)s->m;
    return 0;
}

static int cost(const void *self, const double *theta, void *ws, double *J)
{
    (void)ws;
    return propagate(self, theta, NULL, J);
}

static int gradient(const void *self, const double *theta, double *grad, void *ws, double *J)
{
    (void)ws;
    return propagate(self, theta, grad, J);
}

/* ---- float: the same student code with float everywhere ---- */

static int propagate_f(const logreg *s, const float *theta, float *grad, float *cost)
{
    const float *w = theta, b = theta[s->n];
    float J = 0.0f;
    if (grad)
        for (size_t i = 0; i <= s->n; i++)
            grad[i] = 0.0f;
    for (size_t j = 0; j < s->m; j++) {
        float z = b;
        for (size_t i = 0; i < s->n; i++)
            z += w[i] * s->xf[i * s->m + j];
        float a = 1.0f / (1.0f + expf(-z)), y = s->yf[j];
        J -= y * logf(a) + (1.0f - y) * logf(1.0f - a);
        if (grad) {
            for (size_t i = 0; i < s->n; i++)
                grad[i] += s->xf[i * s->m + j] * (a - y);
            grad[s->n] += a - y;
        }
    }
    *cost = J / (float)s->m;
    if (grad)
        for (size_t i = 0; i <= s->n; i++)
            grad[i] /= (float)s->m;
    return 0;
}

static int cost_f(const void *self, const float *theta, void *ws, float *J)
{
    (void)ws;
    return propagate_f(self, theta, NULL, J);
}

static int gradient_f(const void *self, const float *theta, float *grad, void *ws, float *J)
{
    (void)ws;
    return propagate_f(self, theta, grad, J);
}

static void destroy(void *self)
{
    logreg *s = self;
    if (!s)
        return;
    free(s->x);
    free(s->y);
    free(s->xf);
    free(s->yf);
    free(s->w0);
    free(s->w0f);
    free(s);
}

GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *args, gcv_plugin_model *out)
{
    int bad = 0;
    double n = opt_number(args->options_json, "features", 4, &bad);
    double m = opt_number(args->options_json, "examples", 32, &bad);
    double seed = opt_number(args->options_json, "seed", 1, &bad);
    int fl = opt_is(args->options_json, "precision", "float", 0);
    if (bad || !(n >= 1 && n <= 1e6) || !(m >= 1 && m <= 1e7) || n != floor(n) ||
        m != floor(m) || !(seed >= 0)) {
        snprintf(args->err, args->err_len, "options: expected features and examples as "
                 "positive integers (features ≤ 1e6, examples ≤ 1e7) and a seed ≥ 0");
        return 1;
    }
    logreg *s = calloc(1, sizeof *s);
    if (!s)
        goto nomem;
    s->n = (size_t)n;
    s->m = (size_t)m;
    s->x = malloc(s->n * s->m * sizeof *s->x);
    s->y = malloc(s->m * sizeof *s->y);
    s->xf = malloc(s->n * s->m * sizeof *s->xf);
    s->yf = malloc(s->m * sizeof *s->yf);
    s->w0 = malloc((s->n + 1) * sizeof *s->w0);
    s->w0f = malloc((s->n + 1) * sizeof *s->w0f);
    if (!s->x || !s->y || !s->xf || !s->yf || !s->w0 || !s->w0f)
        goto nomem;
    unsigned long long r = (unsigned long long)seed;
    for (size_t k = 0; k < s->n * s->m; k++) {
        /* float-representable data, so the double and float models see the same inputs */
        s->xf[k] = (float)(2.0 * opt_uniform(&r) - 1.0);
        s->x[k] = s->xf[k];
    }
    for (size_t j = 0; j < s->m; j++) {
        double z = 0.0;
        for (size_t i = 0; i < s->n; i++)
            z += (i % 2 ? -1.0 : 1.0) * s->x[i * s->m + j];
        s->y[j] = z > 0.0;
        s->yf[j] = (float)s->y[j];
    }
    for (size_t i = 0; i <= s->n; i++) {
        s->w0f[i] = (float)(0.5 * opt_uniform(&r) - 0.25);
        s->w0[i] = s->w0f[i];
    }
    s->blocks[0] = (gcv_plugin_block){.name = "w", .layer = 1, .rows = s->n, .cols = 1};
    s->blocks[1] = (gcv_plugin_block){.name = "b", .layer = 1, .rows = 1, .cols = 1};
    snprintf(s->description, sizeof s->description, "logistic regression, %zu features, %s",
             s->n, fl ? "float" : "double");
    out->self = s;
    out->precision = fl ? GCV_PLUGIN_FLOAT : GCV_PLUGIN_DOUBLE;
    out->n_params = s->n + 1;
    out->n_blocks = 2;
    out->blocks = s->blocks;
    out->theta = fl ? (const void *)s->w0f : (const void *)s->w0;
    out->ws_bytes = 0;
    out->examples = s->m;
    out->description = s->description;
    if (fl) {
        out->cost_f = cost_f;
        out->gradient_f = gradient_f;
    } else {
        out->cost = cost;
        out->gradient = gradient;
    }
    out->destroy = destroy;
    return 0;
nomem:
    destroy(s);
    snprintf(args->err, args->err_len, "out of memory");
    return 1;
}

/* A plugin for the loader's and --isolate's tests: a small quadratic model whose options
 * (or compile-time macros) make it defective in one chosen way.
 *
 *   J(θ) = Σᵢ ½ cᵢ θᵢ² + Σᵢ θᵢ,  ∂J/∂θᵢ = cᵢ θᵢ + 1,   θ = [A (2×2, layer 1), c (2×1, layer 2)]
 *
 * "options": {"defect": NAME, "index": i}, NAME one of
 *   none, fail, blocks_sum, null_cost, nan_theta, dup_name, layer_order, zero_rows,
 *   no_destroy, precision, fail_gradient, nan_cost (at index), crash_load,
 *   crash_gradient, crash_cost (when θ[index] is perturbed), crash_kinks (same, in
 *   kinks_crossed), exit_cost (exit(5) when θ[index] is perturbed), crash_destroy,
 *   bad_name, many_blocks, huge_ws, float_nan_theta, slow (each cost takes 0.2 s),
 *   no_examples (examples left 0), hang_cost (never returns when θ[index] is perturbed),
 *   hang_gradient (never returns), exit0_cost (_exit(0) when θ[index] is perturbed),
 *   exit0_destroy (_exit(0) in destroy), hang_destroy and hang_load (never return),
 *   setlocale (sets LC_ALL to de_DE.UTF-8, a decimal comma, when loaded; fails to load
 *   when that locale is missing),
 *   accumulate (gradient adds into g without zeroing it),
 *   unwritten (gradient never writes g[index]), hidden_state (cost adds a call counter),
 *   rounding_state (cost varies in its last bit between calls), writes_theta (cost casts
 *   const away and writes θ[index]), views (version 2: A seen column-major through
 *   strides, c through an index map), view_overlap (c's map names θ[3], which A holds),
 *   layer_apart (three blocks labelled 1, 2, 1)
 * Macros: TEST_ABI=N (the ABI version exported), NO_ABI (no version symbol), NO_ENTRY
 * (the entry point misspelt). */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <complex.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gcverify/plugin.h>

#include "../../examples/plugins/options.h"

#ifndef TEST_ABI
#define TEST_ABI GCV_PLUGIN_ABI_VERSION
#endif
#ifndef NO_ABI
GCV_PLUGIN_EXPORT const unsigned gcv_plugin_abi_version = TEST_ABI;
#endif

enum { P = 6 };

typedef struct tp {
    char defect[32];
    size_t index;
    double theta[P];
    float thetaf[P];
    gcv_plugin_block blocks[3];
} tp;

static const double coef[P] = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
static const double start[P] = {0.5, -0.25, 0.75, -1.5, 1.25, 0.125};

static int is(const tp *s, const char *d) { return strcmp(s->defect, d) == 0; }

static int cost(const void *self, const double *th, void *ws, double *J)
{
    const tp *s = self;
    int *perturbed = ws;
    *perturbed = th[s->index] != start[s->index];
    if (*perturbed && is(s, "crash_cost"))
        raise(SIGSEGV); /* a deliberate crash of "user code" */
    if (*perturbed && is(s, "exit_cost"))
        exit(5); /* what a plugin must not do */
    if (*perturbed && is(s, "exit0_cost"))
        _exit(0); /* nor this: no atexit handler runs */
    while (*perturbed && is(s, "hang_cost"))
        pause(); /* a model stuck in a loop: only a signal ends it */
    if (is(s, "slow")) {
        struct timespec t = {0, 200000000};
        nanosleep(&t, NULL);
    }
    double j = 0.0;
    for (size_t i = 0; i < P; i++)
        j += 0.5 * coef[i] * th[i] * th[i] + th[i];
    static _Atomic unsigned long calls; /* deliberate hidden state: what a plugin must not keep */
    if (is(s, "hidden_state"))
        j += 1e-6 * (double)calls++;
    if (is(s, "rounding_state"))
        j *= 1.0 + 0x1p-52 * (double)(calls++ % 2);
    if (is(s, "writes_theta"))
        ((double *)th)[s->index] += 1.0; /* const cast away: what the ABI forbids */
    *J = *perturbed && is(s, "nan_cost") ? NAN : j;
    return 0;
}

static int gradient(const void *self, const double *th, double *g, void *ws, double *J)
{
    const tp *s = self;
    if (is(s, "crash_gradient"))
        raise(SIGSEGV);
    while (is(s, "hang_gradient"))
        pause();
    if (is(s, "fail_gradient")) {
        strcpy(ws, "test plugin: gradient refused");
        return 1;
    }
    for (size_t i = 0; i < P; i++) {
        if (is(s, "unwritten") && i == s->index)
            continue;
        if (is(s, "accumulate"))
            g[i] += coef[i] * th[i] + 1.0;
        else
            g[i] = coef[i] * th[i] + 1.0;
    }
    return cost(self, th, ws, J);
}

static size_t kinks(const void *self, const void *ws)
{
    const tp *s = self;
    if (*(const int *)ws && is(s, "crash_kinks"))
        raise(SIGBUS);
    return 0;
}

static const char *error_text(const void *self, const void *ws)
{
    (void)self;
    return ws;
}

static int cost_f(const void *self, const float *th, void *ws, float *J)
{
    double t[P], j;
    for (size_t i = 0; i < P; i++)
        t[i] = th[i];
    int rc = cost(self, t, ws, &j);
    *J = (float)j;
    return rc;
}

static int gradient_f(const void *self, const float *th, float *g, void *ws, float *J)
{
    double t[P], gd[P] = {0}, j;
    for (size_t i = 0; i < P; i++)
        t[i] = th[i];
    int rc = gradient(self, t, gd, ws, &j);
    for (size_t i = 0; i < P; i++) /* (unwritten: gd's 0 is written, as float code would not) */
        if (!(is(self, "unwritten") && i == ((const tp *)self)->index))
            g[i] = is(self, "accumulate") ? g[i] + (float)gd[i] : (float)gd[i];
    *J = (float)j;
    return rc;
}

/* The optional hooks ("hooks": true): J(θ + i·h·e_idx) in complex arithmetic, and J with one
 * parameter changed from the start point (a trivial "cache": the start point itself). */
static int cost_complex(const void *self, const double *th, size_t idx, double h, void *ws,
                        double *re, double *im)
{
    (void)self;
    (void)ws;
    double complex j = 0.0;
    for (size_t i = 0; i < P; i++) {
        double complex t = th[i] + (i == idx ? h * I : 0.0);
        j += 0.5 * coef[i] * t * t + t;
    }
    *re = creal(j);
    *im = cimag(j);
    return 0;
}

static int cost_perturbed(const void *self, size_t idx, double value, void *ws, double *J)
{
    double th[P];
    memcpy(th, start, sizeof th);
    th[idx] = value;
    return cost(self, th, ws, J);
}

static void destroy(void *self)
{
    if (is(self, "crash_destroy"))
        raise(SIGSEGV);
    if (is(self, "exit0_destroy"))
        _exit(0);
    while (is(self, "hang_destroy"))
        pause();
    free(self);
}

#ifdef NO_ENTRY /* the entry point misspelt, as a user might */
#define gcv_plugin_model_new gcv_plugin_model_nwe
GCV_PLUGIN_EXPORT int gcv_plugin_model_nwe(const gcv_plugin_args *args, gcv_plugin_model *out);
#endif
GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *args, gcv_plugin_model *out)
{
    int bad = 0;
    tp *s = calloc(1, sizeof *s);
    if (!s)
        return 1;
    const char *d = opt_find(args->options_json, "defect");
    if (d && *d == '"') {
        size_t n = strcspn(d + 1, "\"");
        snprintf(s->defect, sizeof s->defect, "%.*s", (int)(n < 31 ? n : 31), d + 1);
    }
    s->index = (size_t)opt_number(args->options_json, "index", 0, &bad);
    if (bad || s->index >= P) {
        free(s);
        snprintf(args->err, args->err_len, "options.index: expected 0..5");
        return 1;
    }
    if (is(s, "fail")) {
        free(s);
        snprintf(args->err, args->err_len, "test plugin asked to fail");
        return 1;
    }
    if (is(s, "crash_load"))
        raise(SIGSEGV);
    while (is(s, "hang_load"))
        pause();
    if (is(s, "setlocale") && !setlocale(LC_ALL, "de_DE.UTF-8")) {
        free(s);
        snprintf(args->err, args->err_len, "setlocale(LC_ALL, \"de_DE.UTF-8\") failed");
        return 1;
    }
    memcpy(s->theta, start, sizeof start);
    for (size_t i = 0; i < P; i++)
        s->thetaf[i] = (float)start[i];
    s->blocks[0] = (gcv_plugin_block){.name = "A", .layer = 1, .rows = 2, .cols = 2};
    s->blocks[1] = (gcv_plugin_block){.name = "c", .layer = 2, .rows = 2, .cols = 1};
    if (is(s, "blocks_sum"))
        s->blocks[1].rows = 1;
    if (is(s, "dup_name"))
        s->blocks[1].name = "A";
    if (is(s, "layer_order")) {
        s->blocks[0].layer = 2;
        s->blocks[1].layer = 1;
    }
#if GCV_PLUGIN_ABI_VERSION >= 2
    static const size_t c_map[2] = {5, 4}, c_bad[2] = {3, 4};
    /* "views": true gives any defect the views' layout */
    if (is(s, "views") || is(s, "view_overlap") || opt_bool(args->options_json, "views", 0, &bad)) {
        s->blocks[0] = (gcv_plugin_block){.name = "A", .layer = 1, .ndim = 2, .dims = {2, 2},
                                          .strides = {1, 2}};
        s->blocks[1] = (gcv_plugin_block){.name = "c", .layer = 2, .ndim = 1, .dims = {2},
                                          .index = is(s, "view_overlap") ? c_bad : c_map};
    }
    if (is(s, "layer_apart")) {
        s->blocks[1] = (gcv_plugin_block){.name = "c", .layer = 2, .rows = 1, .cols = 1};
        s->blocks[2] = (gcv_plugin_block){.name = "d", .layer = 1, .rows = 1, .cols = 1};
    }
#endif
    if (is(s, "zero_rows"))
        s->blocks[0].rows = 0;
    if (is(s, "bad_name"))
        s->blocks[1].name = "c\n2";
    if (is(s, "nan_theta"))
        s->theta[3] = NAN;
    if (is(s, "float_nan_theta"))
        s->thetaf[5] = -INFINITY;
    int fl = strncmp(s->defect, "float", 5) == 0 || opt_bool(args->options_json, "float", 0, &bad);
    out->self = s;
    out->precision = is(s, "precision") ? 7 : fl ? GCV_PLUGIN_FLOAT : GCV_PLUGIN_DOUBLE;
    out->n_params = P;
    out->n_blocks = is(s, "many_blocks") ? 100 : is(s, "layer_apart") ? 3 : 2; /* 100: a byte
                                                                          count for a count */
    out->blocks = s->blocks;
    out->theta = fl ? (const void *)s->thetaf : (const void *)s->theta;
    out->ws_bytes = is(s, "huge_ws") ? (size_t)1 << 36 : 64;
    out->examples = is(s, "no_examples") ? 0 : 1; /* 0: the plugin does not say */
    out->description = "test plugin";
    out->cost = is(s, "null_cost") ? NULL : cost;
    out->gradient = gradient;
    out->cost_f = cost_f;
    out->gradient_f = gradient_f;
    out->kinks_crossed = kinks;
    out->error = error_text;
    out->destroy = is(s, "no_destroy") ? NULL : destroy;
    if (opt_bool(args->options_json, "hooks", 0, &bad)) {
        out->cost_complex = cost_complex;
        out->cost_perturbed = cost_perturbed;
    }
    if (is(s, "no_destroy"))
        free(s); /* gcverify cannot free it: the test plugin does not leak it either */
    return 0;
}

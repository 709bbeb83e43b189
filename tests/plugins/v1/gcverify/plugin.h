/* (Version 1 of the plugin ABI, kept verbatim so the tests build a plugin the way one was
 * built before version 2: gcverify must still load it.)
 *
 * gcverify plugin ABI: a user's model in a shared object, checked by `gcverify` with
 *
 *     "model": {"type": "plugin", "library": "libmymodel.so", "options": {…}}
 *
 * This header is all a plugin needs: it defines types only, so a plugin links against
 * nothing of gcverify (build it with `cc -shared -fPIC $(pkg-config --cflags gcverify)`).
 *
 * A plugin exports two symbols:
 *
 *     GCV_PLUGIN_DECLARE_ABI          // const unsigned gcv_plugin_abi_version = GCV_PLUGIN_ABI_VERSION;
 *     GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *args,
 *                                                gcv_plugin_model *out);
 *
 * gcverify reads gcv_plugin_abi_version first and refuses the library (exit 2) when it is
 * not the version it speaks, before calling anything in it. Then it calls
 * gcv_plugin_model_new once, on one thread, with out zeroed; the plugin fills out and
 * returns 0, or writes one line into args->err and returns non-zero.
 *
 * Ownership. Everything the plugin hands over (self, blocks, their names, theta,
 * description) stays the plugin's and must stay valid and unchanged until destroy(self),
 * which gcverify calls exactly once (also when it rejects the model after a successful
 * gcv_plugin_model_new). gcverify copies θ before the check; the plugin never sees its own θ
 * array written.
 *
 * Threads. cost() (and the optional hooks below) are called CONCURRENTLY from several
 * threads, each call with its own θ array and its own workspace of ws_bytes bytes (aligned
 * to 64 bytes, zeroed once before first use, and reused by the same thread between calls).
 * self is shared and must be treated as read-only during the check. gradient() is called
 * once, before the perturbations. So a plugin must not:
 *   - keep mutable global or static state, or write to self after gcv_plugin_model_new;
 *   - print, call exit() or abort(), install signal handlers, or change the process
 *     (locale, rounding mode, working directory, environment);
 *   - start threads of its own that outlive a call, or call back into gcverify.
 * It may allocate and free memory inside a call, but the workspace is there so it need not.
 * A crash inside the plugin takes gcverify down with it unless the check runs with
 * `gcverify --isolate`, which reports the function and the parameter index that crashed.
 *
 * Precision. A model computes in double (GCV_PLUGIN_DOUBLE: cost and gradient) or in float
 * (GCV_PLUGIN_FLOAT: cost_f and gradient_f). For a float model gcverify perturbs in float's
 * terms: every θ it passes is exactly the float the step produced, its error floors use
 * float's unit roundoff, and its default step and thresholds are float ones (stated in the
 * report), so a correct float model passes instead of raising false alarms.
 */
#ifndef GCVERIFY_PLUGIN_H
#define GCVERIFY_PLUGIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a struct below changes layout or a function changes meaning. */
#define GCV_PLUGIN_ABI_VERSION 1u

#if defined(__GNUC__)
#define GCV_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define GCV_PLUGIN_EXPORT
#endif

/* The ABI version symbol every plugin defines once (in one of its files). In C++ a const
 * object at namespace scope would have internal linkage (and the visibility attribute
 * ignored): extern "C" gives it external linkage and its C name. */
#ifdef __cplusplus
#define GCV_PLUGIN_DECLARE_ABI \
    extern "C" GCV_PLUGIN_EXPORT const unsigned gcv_plugin_abi_version = GCV_PLUGIN_ABI_VERSION
#else
#define GCV_PLUGIN_DECLARE_ABI \
    GCV_PLUGIN_EXPORT const unsigned gcv_plugin_abi_version = GCV_PLUGIN_ABI_VERSION
#endif

enum { GCV_PLUGIN_DOUBLE = 0, GCV_PLUGIN_FLOAT = 1 };

/* What gcverify passes to gcv_plugin_model_new. */
typedef struct gcv_plugin_args {
    unsigned abi_version;      /* GCV_PLUGIN_ABI_VERSION of the gcverify calling */
    const char *options_json;  /* model.options of the config as JSON text ("{}" if absent) */
    const char *config_dir;    /* the config file's folder, for the plugin's relative paths */
    char *err;                 /* one line of text on failure (no newline), err_len bytes */
    size_t err_len;
} gcv_plugin_args;

/* A named block of θ: rows × cols values, row-major. Blocks follow each other in θ in the
 * order given and together cover θ exactly (Σ rows·cols = n_params). */
typedef struct gcv_plugin_block {
    const char *name;  /* 1 to 31 bytes, unique within the model ("W1", "kernel", …) */
    int layer;         /* ≥ 1, non-decreasing along the blocks; groups blocks in reports */
    size_t rows, cols; /* ≥ 1 each */
} gcv_plugin_block;

/* The model a plugin hands over. Functions return 0 on success; a non-zero return means
 * "this evaluation failed" and is reported as a non-finite result for that parameter (the
 * check is then inconclusive), with error() describing it when provided. */
typedef struct gcv_plugin_model {
    void *self;                    /* the plugin's state, passed back to every function */
    int precision;                 /* GCV_PLUGIN_DOUBLE or GCV_PLUGIN_FLOAT */
    size_t n_params;               /* P ≥ 1 */
    size_t n_blocks;               /* ≥ 1 */
    const gcv_plugin_block *blocks;/* n_blocks entries */
    const void *theta;             /* the point of the check: P doubles, or P floats */
    size_t ws_bytes;               /* per-thread workspace each call needs (may be 0) */
    size_t examples;               /* examples the cost averages over, for the report (0: unsaid) */
    const char *description;       /* one line for the report, e.g. "logistic regression, 2 features" */

    /* GCV_PLUGIN_DOUBLE: J(θ) into *cost; ∂J/∂θ into grad (P values) and J into *cost. */
    int (*cost)(const void *self, const double *theta, void *ws, double *cost);
    int (*gradient)(const void *self, const double *theta, double *grad, void *ws,
                    double *cost);
    /* GCV_PLUGIN_FLOAT: the same in float. */
    int (*cost_f)(const void *self, const float *theta, void *ws, float *cost);
    int (*gradient_f)(const void *self, const float *theta, float *grad, void *ws,
                      float *cost);

    /* Optional (NULL: absent). After a cost call on ws: how many kinks (ReLU-like points where
     * the cost is not differentiable) lie strictly between that θ and the model's θ. */
    size_t (*kinks_crossed)(const void *self, const void *ws);
    /* Optional, double models: J(θ + i·h·e_idx) in complex arithmetic from the cost's own
     * definition, real part into *re, imaginary part into *im (the complex-step method). */
    int (*cost_complex)(const void *self, const double *theta, size_t idx, double h, void *ws,
                        double *re, double *im);
    /* Optional accelerator: J with θ_idx = value and every other parameter at the model's θ,
     * from whatever the plugin cached at that θ in gcv_plugin_model_new. Must agree with
     * cost() up to rounding. value is a double for double models, and for float models a
     * double holding a float value (convert with (float)value, exactly). */
    int (*cost_perturbed)(const void *self, size_t idx, double value, void *ws, double *cost);
    /* Optional: one line about the last failed call on this workspace, or NULL. gcverify
     * puts it in its error line when gradient() fails. */
    const char *(*error)(const void *self, const void *ws);

    /* Required: frees self and everything the plugin handed over. */
    void (*destroy)(void *self);
} gcv_plugin_model;

/* The entry point's type, for gcverify's dlsym. */
typedef int gcv_plugin_model_new_fn(const gcv_plugin_args *args, gcv_plugin_model *out);

/* What a plugin defines (declared here so the compiler checks the plugin's definitions). */
GCV_PLUGIN_EXPORT extern const unsigned gcv_plugin_abi_version;
GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *args, gcv_plugin_model *out);

#ifdef __cplusplus
}
#endif

#endif

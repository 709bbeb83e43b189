/* gcverify plugin ABI: a user's model in a shared object, checked by `gcverify` with
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
 * not a version it speaks, before calling anything in it. It speaks version 2 (this header)
 * and version 1 (the previous one: blocks rows × cols only, contiguous in θ order, layers
 * from 1 non-decreasing, options as JSON text only), so plugins built before version 2 keep
 * working unchanged; any other version is refused with one line naming both. Then it calls
 * gcv_plugin_model_new once, on one thread, with out zeroed; the plugin fills out and
 * returns 0, or writes one line into args->err and returns non-zero.
 *
 * Ownership. Everything the plugin hands over (self, blocks, their names, theta,
 * description, index maps) stays the plugin's and must stay valid and unchanged until
 * destroy(self), which gcverify calls exactly once (also when it rejects the model after a
 * successful gcv_plugin_model_new). gcverify copies θ before the check; the plugin never
 * sees its own θ array written.
 *
 * θ is const. cost() and gradient() receive θ as const: they must not write it (nor the
 * data they read). Code that takes a `float *` may cast the const away to call it, as long
 * as it only reads through that pointer; gcverify checks before the loop that θ is unchanged
 * after a cost() and a gradient() call and refuses the model (exit 2) otherwise.
 *
 * Threads. cost() (and the optional hooks below) are called CONCURRENTLY from several
 * threads, each call with its own θ array and its own workspace of ws_bytes bytes (aligned
 * to 64 bytes, zeroed once before first use, and reused by the same thread between calls).
 * self is shared and must be treated as read-only during the check. gradient() is called
 * once, before the perturbations, plus twice in the pre-flight checks. So a plugin must not:
 *   - keep mutable global or static state, or write to self after gcv_plugin_model_new;
 *   - print, call exit() or abort(), install signal handlers, or change the process
 *     (locale, rounding mode, working directory, environment);
 *   - start threads of its own that outlive a call, or call back into gcverify.
 * It may allocate and free memory inside a call, but the workspace is there so it need not.
 * It may use OpenMP inside a call: gcverify runs every model call with one OpenMP thread
 * (its own threads are the parallelism), so the plugin's `#pragma omp parallel` regions do
 * not nest inside gcverify's and oversubscribe the machine.
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
#define GCV_PLUGIN_ABI_VERSION 2u

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

typedef struct gcv_plugin_args gcv_plugin_args;

/* What gcverify passes to gcv_plugin_model_new. model.options arrives parsed: the get_*
 * functions read one key of it (a top-level member of model.options), so no plugin parses
 * JSON. Each returns 1 when the key is present and of the type asked (the value in *out),
 * 0 when it is absent (*out untouched: keep the default), and -1 when it is present with
 * another type, with one line in err ("model.options.lr: expected a number, got \"fast\"");
 * the plugin then returns non-zero and gcverify prints that line (exit 2). */
struct gcv_plugin_args {
    unsigned abi_version;      /* GCV_PLUGIN_ABI_VERSION of the gcverify calling */
    const char *options_json;  /* model.options of the config as JSON text ("{}" if absent) */
    const char *config_dir;    /* the config file's folder, for the plugin's relative paths */
    char *err;                 /* one line of text on failure (no newline), err_len bytes */
    size_t err_len;
    /* Version 2: the options' accessors. */
    int (*get_number)(const gcv_plugin_args *a, const char *key, double *out);
    int (*get_string)(const gcv_plugin_args *a, const char *key, const char **out);
    int (*get_bool)(const gcv_plugin_args *a, const char *key, int *out);
    /* An array of numbers, at most max of them: their count into *n. More than max, or an
     * element not a number, is -1 naming the key. */
    int (*get_numbers)(const gcv_plugin_args *a, const char *key, double *out, size_t max,
                       size_t *n);
    /* -1 (naming it) when model.options has a key not among the n keys given: a misspelt
     * option is an error, not a silent default. 0 otherwise. */
    int (*only_keys)(const gcv_plugin_args *a, const char *const *keys, size_t n);
};

#define GCV_PLUGIN_MAX_DIMS 4

/* A named block of θ. Two forms:
 *
 *   ndim = 0, rows × cols: the version 1 form. rows × cols values row-major, starting where
 *     the previous ndim = 0 block ended (the first at θ[0]).
 *   ndim = 1 … 4: a view, the N-d array of shape dims[0..ndim) whose entry (c₀, …),
 *     numbered k in row-major order, lies at θ[index[k]] when index is not NULL, else at
 *     θ[offset + Σ c_d·strides[d]]; strides all 0 means row-major contiguous from offset.
 *     rows and cols are ignored.
 *
 * Views let a model report its tensors as they are stored: all layers' W in one (L, 3C, C)
 * array becomes L blocks "W[l]" of shape (3C, C) at offset base + l·3C·C, without a copy.
 * Whatever their form and order, the blocks partition θ: every index in exactly one block
 * (the loader names an index covered twice or not at all). */
typedef struct gcv_plugin_block {
    const char *name;  /* 1 to 31 bytes, unique within the model ("W1", "fcw[3]", …) */
    int layer;         /* a free label (any int) grouping blocks in reports; the blocks of
                          one label are listed one after another */
    size_t rows, cols; /* ndim = 0: ≥ 1 each */
    unsigned ndim;
    size_t dims[GCV_PLUGIN_MAX_DIMS];    /* ≥ 1 each */
    size_t offset;
    size_t strides[GCV_PLUGIN_MAX_DIMS]; /* in elements of θ */
    const size_t *index;                 /* NULL, or dims[0]·…·dims[ndim−1] θ indices */
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

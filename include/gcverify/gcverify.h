/* gcverify: numerical gradient checking of backpropagation, parallel over parameters.
 *
 * The library API. A model (the built-in MLP, or any caller-defined function of θ) is
 * described by a gcv_model; gcv_check() perturbs every parameter across OpenMP threads and
 * returns a gcv_result with per-parameter, per-block and per-layer verdicts. Nothing here
 * prints or exits: every fallible function returns a gcv_status and, on failure, fills a
 * caller-provided gcv_error with one human-readable line. */
#ifndef GCVERIFY_H
#define GCVERIFY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GCV_VERSION "0.1.0"

/* The library's public functions. libgcverify is built with hidden visibility and a version
 * script (src/libgcverify.map), so these, and only these, are what it exports. */
#if defined(__GNUC__)
#define GCV_EXPORT __attribute__((visibility("default")))
#else
#define GCV_EXPORT
#endif

/* Return status of every fallible library function. */
typedef enum gcv_status {
    GCV_OK = 0,
    GCV_ERR_INVALID,  /* bad config, data, argument or model description (exit code 2) */
    GCV_ERR_IO,       /* a file could not be read or written (exit code 2) */
    GCV_ERR_NOMEM     /* allocation failed or the estimate exceeds the memory limit (exit 2) */
} gcv_status;

#define GCV_ERROR_LEN 512

/* One line of human text describing the last failure: "file: json.path: expected …, got …". */
typedef struct gcv_error {
    char msg[GCV_ERROR_LEN];
} gcv_error;

/* ---------------------------------------------------------------------------------------
 * The model interface. The engine knows parameter blocks and cost evaluations, nothing of
 * layers. cost() is called concurrently from several threads, each with its own θ copy and
 * its own workspace of ws_bytes bytes; it must not write to anything else. */

#define GCV_NAME_LEN 32

#define GCV_MAX_DIMS 4

/* A named block of θ. With ndim = 0 it is rows × cols values stored row-major from
 * θ[offset] (entry k at θ[offset + k]). With ndim = 1 … GCV_MAX_DIMS it is a view: an N-d
 * array of shape dims[0..ndim) whose entry (c₀, …, c₍ₙ₋₁₎), numbered k in row-major order,
 * lies at θ[index[k]] when index is not NULL, else at θ[offset + Σ c_d·strides[d]]. A view
 * lets a model whose tensors are stored for all layers together (W of shape (L, 3C, C) in
 * one array) report each layer as its own block without copying θ. For a view, rows × cols
 * is the same block seen as a matrix over its last axis: rows = d₀·…·d₍ₙ₋₂₎ (1 for a
 * vector), cols = d₍ₙ₋₁₎; a "row" is then the line along the last axis named by the leading
 * coordinates. The blocks of a model partition θ: every index in exactly one block. */
typedef struct gcv_block {
    char name[GCV_NAME_LEN]; /* "W1", "b1", … */
    int layer;               /* layer label, used to group consecutive blocks in reports */
    size_t rows, cols;
    size_t offset;
    unsigned ndim;                 /* 0: contiguous rows × cols; 1 … 4: a view */
    size_t dims[GCV_MAX_DIMS];     /* a view's shape */
    size_t strides[GCV_MAX_DIMS];  /* a view's θ index step per axis */
    const size_t *index;           /* NULL, or a view's θ index of each entry (row-major) */
} gcv_block;

typedef struct gcv_model gcv_model;

/* The arithmetic a model's cost is computed in. For GCV_FLOAT the engine perturbs in float's
 * terms: every θ it passes holds float32-representable values (steps are rounded to float
 * before they are taken, and the step used is the one actually taken), and its rounding
 * floors use float's unit roundoff u = 2⁻²⁴ instead of double's 2⁻⁵³. */
typedef enum gcv_precision {
    GCV_DOUBLE = 0,
    GCV_FLOAT = 1
} gcv_precision;

struct gcv_model {
    void *self;              /* the model's own state (read-only during a check) */
    size_t n_params;         /* P */
    size_t n_blocks;
    gcv_block *blocks;       /* n_blocks entries partitioning θ[0, P); contiguous blocks (ndim
                                0) cover it in order without gaps unless views are present */
    double *theta;           /* the point θ at which the gradient is checked, P values */
    size_t ws_bytes;         /* per-thread workspace the cost needs */

    /* J(θ) into *cost; returns 0 on success, non-zero if the evaluation failed. A non-finite
     * *cost is reported by the engine as "nonfinite", not treated as a failure here. */
    int (*cost)(const gcv_model *m, const double *theta, void *ws, double *cost);
    /* The analytic gradient ∂J/∂θ into grad (P values) and J(θ) into *cost. */
    int (*gradient)(const gcv_model *m, const double *theta, double *grad, void *ws,
                    double *cost);
    /* Optional: after a cost() call on ws, how many kinks (ReLU-like points of
     * non-differentiability) lie strictly between that θ and m->theta. NULL: smooth model. */
    size_t (*kinks_crossed)(const gcv_model *m, const void *ws);
    /* Optional, for the complex-step method: J(θ + i·h·e_idx) evaluated in complex
     * arithmetic from the cost's own definition (never from its derivative), real part into
     * *re and imaginary part into *im. ws has ws_bytes bytes. NULL: the model cannot. */
    int (*cost_complex)(const gcv_model *m, const double *theta, size_t idx, double h,
                        void *ws, double *re, double *im);
    /* Optional accelerator: J with θ_idx = value and every other parameter at m->theta,
     * computed from a cached evaluation at m->theta (for the MLP: only the perturbed row and
     * the layers after it). Must equal cost() up to rounding, and set kinks_crossed's count
     * as cost() does. NULL: the engine runs full passes. */
    int (*cost_perturbed)(const gcv_model *m, size_t idx, double value, void *ws,
                          double *cost);
    /* Optional: one line about the last failed call on ws (NULL: nothing to say). Used in
     * the error when gradient() fails. */
    const char *(*error)(const gcv_model *m, const void *ws);
    /* Frees self, blocks and theta. Called by gcv_model_free(). */
    void (*destroy)(gcv_model *m);
    char type[GCV_NAME_LEN]; /* "mlp", or what the caller calls its model */
    gcv_precision precision; /* GCV_DOUBLE (0, the default) or GCV_FLOAT */
    /* Optional, for a check of few parameters on many examples (zero / NULL: none; a model
     * made with calloc or `= {0}` has none). The model's examples fall in n_parts (≥ 2) fixed
     * parts, set by the model alone and never by a thread count, and cost_perturbed is the
     * sum of their shares: cost_part gives part `part`'s share of cost_perturbed(idx, value)
     * and the kinks it crossed, on a workspace of ws_bytes of its own (parts of one
     * evaluation may run at once on several threads, each with its own workspace);
     * cost_join the cost from the n_parts shares. cost_join over cost_part's shares must
     * give cost_perturbed's bits, so a check has the same result whichever way the engine
     * shares the work out. */
    size_t n_parts;
    int (*cost_part)(const gcv_model *m, size_t idx, double value, size_t part, void *ws,
                     double *share, size_t *kinks);
    int (*cost_join)(const gcv_model *m, size_t idx, double value, const double *shares,
                     double *cost);
    /* The same for the gradient (both or neither): gradient_part writes part `part`'s share
     * of ∇J(θ) (P values) into grad and its share of J into *share; gradient_join makes the
     * gradient and J from the shares summed in part order (grad, sum) in place. gradient()
     * must give the bits of the two. */
    int (*gradient_part)(const gcv_model *m, const double *theta, size_t part, void *ws,
                         double *grad, double *share);
    int (*gradient_join)(const gcv_model *m, const double *theta, double sum, double *grad,
                         double *cost);
    /* Optional, for models with view blocks: for each θ index i, the block holding it
     * (locate_block[i]) and its entry in that block (locate_entry[i]), P values each. NULL:
     * gcv_model_locate searches (binary search when every block is contiguous, in order). */
    const size_t *locate_block, *locate_entry;
    /* Optional, with cost_perturbed: the n (idx, value) pairs the engine is about to ask
     * cost_perturbed for on this workspace, announced once per chunk of parameters, so that a
     * model whose evaluations are far away (a worker process) can compute them in one batch
     * and answer the calls that follow from it. The calls still come, in the same order, and
     * may ask for values not announced; an answer must not depend on the announcement.
     * Returns 0, non-zero when the batch failed (the calls then decide). NULL: none. Kept
     * last, so that models which zero their struct (as = {0} or calloc do) leave it NULL. */
    int (*prefetch)(const gcv_model *m, void *ws, const size_t *idx, const double *value,
                    size_t n);
};

/* Frees a model and everything it owns; accepts NULL. */
GCV_EXPORT void gcv_model_free(gcv_model *m);

/* The block holding parameter i, of n blocks that cover θ in order (as a model's do), by
 * binary search; i must be below the last block's end. */
GCV_EXPORT size_t gcv_block_find(const gcv_block *blocks, size_t n, size_t i);

/* θ index of entry k (row-major) of block b. */
GCV_EXPORT size_t gcv_block_index(const gcv_block *b, size_t k);

/* The coordinates of entry k of block b into c; returns how many (ndim, or 2 for a
 * contiguous rows × cols block). */
GCV_EXPORT unsigned gcv_block_coords(const gcv_block *b, size_t k, size_t c[GCV_MAX_DIMS]);

/* The block of m holding θ index i (< n_params), and its entry k in that block. */
GCV_EXPORT size_t gcv_model_locate(const gcv_model *m, size_t i, size_t *k);

/* ---------------------------------------------------------------------------------------
 * The check. */

typedef enum gcv_method {
    GCV_METHOD_CENTRAL = 0, /* (J(θ+h) − J(θ−h)) / 2h, error O(h²) */
    GCV_METHOD_FORWARD,     /* (J(θ+h) − J(θ)) / h,    error O(h)  */
    GCV_METHOD_BACKWARD,    /* (J(θ) − J(θ−h)) / h,    error O(h)  */
    GCV_METHOD_FIVE_POINT,  /* 4-evaluation stencil at ±h, ±2h,  error O(h⁴) */
    GCV_METHOD_RICHARDSON,  /* Ridders' extrapolation of central differences, with an error estimate */
    GCV_METHOD_COMPLEX_STEP,/* Im J(θ + i·h·eᵢ) / h, h = 1e-30: no cancellation, one evaluation */
    GCV_METHOD_DIRECTIONAL, /* per block, (J(θ+εv) − J(θ−εv)) / 2ε against g·v along a few
                               seeded unit directions v: a verdict in O(blocks) evaluations */
    GCV_METHOD_COUNT
} gcv_method;

/* What a thread of the check is doing, for a supervisor that must say where a model crashed
 * (gcverify --isolate keeps these in memory shared with the parent process). */
typedef enum gcv_phase {
    GCV_PHASE_IDLE = 0,
    GCV_PHASE_GRADIENT,       /* in gradient(), before any perturbation */
    GCV_PHASE_COST,           /* in cost() for parameter `index` (SIZE_MAX: a whole block) */
    GCV_PHASE_COST_PERTURBED, /* in cost_perturbed() */
    GCV_PHASE_COST_COMPLEX,   /* in cost_complex() */
    GCV_PHASE_KINKS           /* in kinks_crossed() */
} gcv_phase;

GCV_EXPORT const char *gcv_phase_name(gcv_phase p); /* "gradient()", "cost()", … */

/* One thread's record: the index is stored before the phase, both as volatile stores. */
typedef struct gcv_trace_slot {
    volatile sig_atomic_t phase; /* a gcv_phase */
    volatile size_t index;       /* the parameter being checked, SIZE_MAX for none */
} gcv_trace_slot;

typedef struct gcv_options {
    gcv_method method;
    double epsilon;   /* nominal step; the step taken is h = (θ+ε) − θ, exactly representable */
    int epsilon_auto; /* 1: per-parameter step c·max(|θᵢ|, 1) with c optimal for the method */
    double threshold; /* a block passes when its normalized difference ≤ threshold */
    double rtol, atol;/* a parameter is a mismatch when |g−g̃| > atol + rtol·max(|g|,|g̃|) */
    int threads;      /* 0: OpenMP's default */
    int taylor;       /* 1: also run the Taylor remainder test per block */
    int full_passes;  /* 1: never use the model's cost_perturbed accelerator */
    const size_t *subset; /* when not NULL: check only these n_subset indices (ascending) */
    size_t n_subset;
    /* Stopping early: the loop stops taking new parameters once *stop is non-zero (e.g. set
     * from a signal handler) or max_seconds (> 0) have passed (counted from `started`, below);
     * the result is then a partial, inconclusive one with stopped = 1 and the unvisited
     * parameters "unchecked". */
    const volatile sig_atomic_t *stop;
    double max_seconds;
    /* Progress, called from one thread about ten times a second (never from the library's
     * other threads, never concurrently): done of total parameters. NULL: none. */
    void (*progress)(void *ctx, size_t done, size_t total, double seconds);
    void *progress_ctx;
    uint64_t taylor_seed; /* seed of the Taylor test's directions */
    unsigned directions;  /* directional: directions per block (0: 3) */
    uint64_t direction_seed;
    int drill_down;       /* directional: then check every parameter of each failing block */
    /* Sampling for big models: per block, the largest-|g| parameters (a quarter of k, at
     * least one) and seeded random others, k in all (0: every parameter). */
    size_t sample_per_block;
    uint64_t sample_seed;
    /* A time budget (> 0): every block covered first, each in priority order (largest |g|,
     * then seeded random), round-robin over blocks, until the budget is spent. Which
     * parameters come first never depends on the machine; how many fit does. Not a stop:
     * the verdict is on what was checked. */
    double budget_seconds;
    /* Optional: thread t (t < n_trace) records in trace[t] what it is doing before each call
     * into the model, and GCV_PHASE_IDLE when the check is over. NULL: no record. */
    gcv_trace_slot *trace;
    int n_trace;
    /* When the caller's run of this check began, in seconds on CLOCK_MONOTONIC (as
     * clock_gettime gives them): max_seconds and budget_seconds then count the caller's own
     * set-up too (reading data, initialising θ, building the model), so a limit holds for the
     * whole run. The check's set-up (its result slots, the gradient at θ, the threads' θ
     * copies) stops early as the loop does once *stop is set or max_seconds have passed:
     * nothing is checked, the result is stopped and its cost NaN when the gradient was not
     * reached. 0: the limits count from gcv_check's call. */
    double started;
    /* Escalation (doc/methods.md): the most cost evaluations spent re-estimating the suspects
     * of blocks over the threshold; 0: 4·P, at least 10,000. */
    size_t escalation_max_evaluations;
    /* 1: the central difference's step is chosen per block from a pilot on a few of its
     * parameters (the measured noise against the curvature), starting from epsilon; the
     * float32 defaults set it where the config gives no epsilon. */
    int step_pilot;
    /* 1: this check is one share of a check over the whole model split between processes
     * (an MPI rank's share in subset): the noise is measured, and the steps piloted, on the
     * whole model as the undivided check does, so every share judges its parameters as that
     * check would; escalation, which needs whole blocks, is left out. */
    int share_of_whole;
} gcv_options;

/* The defaults (doc/methods.md): central, ε = 1e-6, threshold 1e-7, rtol 1e-5, atol 1e-8. */
GCV_EXPORT void gcv_options_default(gcv_options *o);

/* The defaults for a model computed in precision p. GCV_DOUBLE: gcv_options_default().
 * GCV_FLOAT: ε = 2⁻⁸ ≈ 3.9e-3 (near the step (3u)^{1/3} that balances the O(h²) truncation
 * of central differences against float rounding, and exactly representable), threshold
 * 1e-3, rtol 1e-2, atol 1e-6: a correct float32 gradient checked that way differs from its
 * central difference by about 1e-5 to 1e-4, a wrong one by 1e-1 or more. */
GCV_EXPORT void gcv_options_default_for(gcv_options *o, gcv_precision p);
GCV_EXPORT const char *gcv_precision_name(gcv_precision p); /* "float64", "float32" */
GCV_EXPORT const char *gcv_method_name(gcv_method m);
/* Parses a method name ("central", "five_point", …); returns 0 on success, -1 if unknown. */
GCV_EXPORT int gcv_method_parse(const char *s, gcv_method *out);

typedef enum gcv_param_status {
    GCV_PARAM_OK = 0,
    GCV_PARAM_MISMATCH,
    GCV_PARAM_KINK,      /* the ±h evaluations crossed a kink: no verdict on this parameter */
    GCV_PARAM_NONFINITE, /* a cost or the analytic value was NaN or ±Inf */
    GCV_PARAM_KINK_OK,   /* θ sits on a kink; the analytic value is one of the one-sided derivatives */
    GCV_PARAM_UNCHECKED  /* not in the subset checked by this run */
} gcv_param_status;

typedef enum gcv_verdict {
    GCV_PASS = 0,
    GCV_FAIL = 1,
    GCV_INCONCLUSIVE = 3,
    /* A block (or a layer of such blocks) of which this run checked no parameter and no
     * direction (stopped early, --limit, --shard, a budget that ran out): nothing was
     * measured, so it neither passes nor fails. Never the whole check's status: the check
     * is judged on its checked blocks (inconclusive when none was checked, or when it was
     * stopped before it checked all it was asked to). */
    GCV_UNCHECKED = 4
} gcv_verdict;

GCV_EXPORT const char *gcv_param_status_name(gcv_param_status s);
GCV_EXPORT const char *gcv_verdict_name(gcv_verdict v);

/* One parameter's outcome, written by the thread that checked it. */
typedef struct gcv_param_result {
    double theta, analytic, numeric, abs_error, rel_error;
    double step;              /* the step actually taken (h⁺ + h⁻ for central) */
    double floor;             /* estimated error of numeric: rounding + truncation */
    unsigned evaluations;     /* cost evaluations spent on this parameter */
    unsigned char status;     /* a gcv_param_status */
    unsigned char kink_avoided; /* 1: ±h crossed a kink and a smaller step avoided it; 2: θ
                                 * sits on a kink the model does not report (found from its
                                 * one-sided slopes), numeric is the nearer one-sided
                                 * derivative, and no step ladder may replace it */
} gcv_param_result;

typedef struct gcv_block_result {
    size_t checked, mismatches, kinks, nonfinite;
    double difference;        /* ‖g − g̃‖ / (‖g‖ + ‖g̃‖) over the block's finite, non-kink entries */
    double norm_analytic, norm_numeric;
    double max_abs_error, max_rel_error;
    size_t worst_row, worst_col; /* coordinates of the largest relative error */
    size_t kinks_ok, kinks_avoided;
    double floor_difference;  /* ‖floor‖ / (‖g‖ + ‖g̃‖): the difference noise alone would give */
    double power;             /* smallest relative gradient error this run would have detected */
    double scale;             /* least-squares s with g ≈ s·g̃ */
    double scale_residual;    /* ‖g − s·g̃‖ / ‖g‖: 0 when one factor explains the error */
    double transposed_difference; /* difference of g against g̃ transposed (NAN: not a matrix) */
    size_t bad_rows, bad_cols;    /* rows / columns whose own difference exceeds the threshold */
    size_t first_bad_row, first_bad_col;
    size_t live_rows, live_cols;  /* rows / columns with a non-zero gradient at all */
    double taylor_order;      /* observed convergence order of the Taylor remainder (NAN: not run) */
    unsigned directions;      /* > 0: judged by that many directional derivatives, not per parameter */
    int within_floor;         /* 1: difference over the threshold but within the numeric floor */
    gcv_verdict status;
    double noise;             /* measured standard deviation of J's noise (NaN: not measured) */
    size_t escalated;         /* parameters re-estimated by escalation */
} gcv_block_result;

typedef struct gcv_layer_result {
    int layer;
    size_t first_block, n_blocks; /* blocks of this layer: consecutive in the model */
    double difference;
    gcv_verdict status;
} gcv_layer_result;

typedef struct gcv_result {
    size_t n_params, n_blocks, n_layers;
    gcv_param_result *params;   /* n_params, index order */
    gcv_block_result *blocks;   /* n_blocks, model order */
    gcv_layer_result *layers;   /* n_layers, model order */
    double cost;                /* J at the unperturbed θ */
    double difference;          /* over all checked parameters */
    double floor_difference;    /* the difference the estimated numeric noise alone gives */
    size_t params_checked, evaluations;
    size_t mismatches, kinks, nonfinite, kinks_ok, kinks_avoided;
    size_t blocks_failed;
    int threads;                /* threads actually used */
    double seconds;             /* wall time of gcv_check: set-up, gradient, loop, assembly */
    int stopped;                /* 1: stopped early (signal or max_seconds); partial result */
    int sampled;                /* 1: a sample or a budget chose the parameters checked */
    gcv_verdict status;
    gcv_options options;        /* the options the check ran with */
    /* evaluations by purpose: the check itself (with the Taylor test's and a directional
     * pass's), the noise measurement, the escalation of suspects; they add up to evaluations */
    size_t evaluations_check, evaluations_noise, evaluations_escalation;
    size_t params_escalated;
} gcv_result;

/* Checks m's analytic gradient at m->theta. On GCV_OK *out holds a new result that the
 * caller frees with gcv_result_free(). A cost or gradient that is not finite is no error
 * here: the parameters it touches get status nonfinite and the verdict is inconclusive. */
GCV_EXPORT gcv_status gcv_check(const gcv_model *m, const gcv_options *o, gcv_result **out,
                                gcv_error *err);

/* Frees a result; accepts NULL. */
GCV_EXPORT void gcv_result_free(gcv_result *r);

/* Normalized difference ‖a − b‖₂ / (‖a‖₂ + ‖b‖₂) of n values, 0 when both are zero.
 * Scaled so that it neither overflows nor underflows. */
GCV_EXPORT double gcv_difference(const double *a, const double *b, size_t n);

#ifdef __cplusplus
}
#endif

#endif

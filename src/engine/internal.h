/* The engine's internals, shared by its files (the loop context, the per-parameter difference
 * schemes, the block verdict, the diagnosis, sampling, the workspace) and read by the few
 * outside it that rebuild a result (the MPI gather, the baseline, the HTML report). */
#ifndef GCV_ENGINE_INTERNAL_H
#define GCV_ENGINE_INTERNAL_H

#include "gcverify/gcverify.h"
#include "util/watch.h"

/* Unit roundoff of double, u = 2⁻⁵³. */
#define GCV_U 0x1p-53
/* J(θ) is a sum of many rounded terms: its rounding error is taken as GCV_KAPPA·u·|J|. */
#define GCV_KAPPA 8.0
/* A difference counts as real only when it exceeds the estimated numeric floor this much. */
#define GCV_MARGIN 4.0
/* The complex step, small enough that O(h²) terms vanish below u for any sane scale. */
#define GCV_COMPLEX_H 1e-30

/* Unit roundoff of the model's arithmetic: 2⁻⁵³ for double, 2⁻²⁴ for float. */
static inline double gcv_model_u(const gcv_model *m)
{
    return m->precision == GCV_FLOAT ? 0x1p-24 : GCV_U;
}

/* The value t + h as the model holds it: rounded to float for a float model, and then never
 * equal to t (one float ulp away, in the direction of h, when h is below t's spacing). The
 * schemes take (offset − t) as the step, so the step used is always the step taken. */
double gcv_model_offset(const gcv_model *m, double t, double h);

/* Records what thread slot s is doing (s may be NULL: no trace). Index before phase. */
static inline void gcv_trace_mark(gcv_trace_slot *s, gcv_phase p, size_t index)
{
    if (s) {
        s->index = index;
        s->phase = (sig_atomic_t)p;
    }
}

/* The slot of thread t in o's trace, or NULL. */
static inline gcv_trace_slot *gcv_trace_slot_of(const gcv_options *o, int t)
{
    return o->trace && t >= 0 && t < o->n_trace ? &o->trace[t] : NULL;
}

typedef struct gcv_loop_ctx {
    const gcv_model *m;
    const gcv_options *o;
    const double *grad;
    double cost0;
    int incremental; /* evaluate through m->cost_perturbed */
    size_t *done;    /* parameters finished so far (atomic) */
    int *halted;     /* set once the loop must stop taking parameters (atomic): 1 stopped
                      * (the watch), 2 the budget spent */
    double t0;       /* when gcv_check started (the progress counts from it) */
    gcv_trace_slot *slot; /* this thread's trace slot (each thread has its own copy), or NULL */
    gcv_watch watch; /* the stop flag and max_seconds' deadline, from the run's start */
    double budget_end; /* when budget_seconds, from the run's start, are spent; 0: no budget */
} gcv_loop_ctx;

/* The directional check of every block into out (n_blocks entries, zeroed by it), adding
 * its cost evaluations to *evaluations. Returns 0, or -1 when out of memory. */
int gcv_directional(const gcv_model *m, const gcv_options *o, const double *grad,
                    gcv_block_result *out, size_t *evaluations);

/* The indices a sampled (sample_per_block, ascending) or budgeted (priority order, every
 * index) check visits; *n_out of them. NULL when out of memory. The caller frees. */
size_t *gcv_sample_order(const gcv_model *m, const gcv_options *o, const double *grad,
                         size_t *n_out);

/* A model workspace of ws_bytes (at least 64), 64-byte aligned and zeroed, as the model
 * interface promises; freed with free(). NULL when out of memory. */
void *gcv_ws_alloc(size_t ws_bytes);

/* A caller's subset (--limit, --shard, a parameter left out after a crash) restricts the
 * indices a sample, a budget or a drill-down chose too: keeps those of idx[0..n) that are in
 * o->subset (ascending), in their order; returns how many. No subset: n. */
size_t gcv_subset_keep(const gcv_options *o, size_t *idx, size_t n);

/* Monotonic wall-clock seconds (gcv_clock_now: CLOCK_MONOTONIC, as gcv_options.started). */
double gcv_now_seconds(void);

/* One numeric derivative with its error estimate. */
typedef struct gcv_estimate {
    double value;     /* g̃ */
    double floor;     /* estimated |g̃ − true derivative| */
    double step;      /* step actually taken */
    double costs_max; /* the largest |J| seen (for the rounding floor) */
    size_t kinks;     /* kinks crossed by its evaluations */
    unsigned evals;
    int finite;       /* every evaluation was finite */
} gcv_estimate;

/* The nominal step the schemes take for θᵢ = t (before gcv_model_offset rounds θ ± h). */
double gcv_step_for(const gcv_loop_ctx *c, double t);

/* Announces to a model with a prefetch hook the evaluations the chunk of loop positions
 * [k, k + 8) will ask for (prefetch.c); nothing for other models or methods. */
void gcv_prefetch_chunk(const gcv_loop_ctx *c, void *ws, size_t k, size_t n_iter);

/* Checks parameter i into r, using th (this thread's θ copy, restored on return) and ws. */
void gcv_check_param(const gcv_loop_ctx *c, double *th, void *ws, size_t i,
                     gcv_param_result *r);

/* The verdict of block br from its difference, floor_difference and nonfinite count: sets
 * its power, within_floor and status (verdict.c). Used for blocks checked parameter by
 * parameter and along random directions alike. A block with checked and directions both 0
 * is GCV_UNCHECKED, its difference, errors, floor, power and scale NaN. */
void gcv_block_verdict(gcv_block_result *br, double threshold);

/* The worse of two verdicts: fail over inconclusive over pass; unchecked with unchecked is
 * unchecked, unchecked with pass is inconclusive (commutative and associative, but with no
 * neutral element: fold from the first verdict, not from GCV_PASS, where an unchecked one
 * may come). */
gcv_verdict gcv_verdict_worse(gcv_verdict a, gcv_verdict b);

/* Block diagnosis after the reduction: least-squares factor, transposition, rows and
 * columns, floor and power. Returns 0, or -1 when out of memory. */
int gcv_diagnose_block(const gcv_model *m, size_t b, gcv_result *r);

/* The Taylor remainder test of every block (serial, on the calling thread). */
int gcv_taylor_test(const gcv_model *m, const gcv_options *o, const double *grad, double cost0,
                    gcv_result *r);

#endif

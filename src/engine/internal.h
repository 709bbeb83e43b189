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
    const double *noise; /* per block, the measured standard deviation of J's noise (noise.c),
                          * or NULL: floors from the rounding bound κ·u·|J| */
    int escalate;        /* ≥ 1: the loop refines its indices (escalate.c) instead of checking,
                          * with that pass's scheme (1 the ladder, 2 and 3 averaged ladders) */
    const double *step_factor; /* per block, the first pass's step factor (steps.c), or NULL */
    struct gcv_memo *memo;     /* the serial phases' evaluations, reused (memo.c), or NULL */
} gcv_loop_ctx;

/* Evaluations kept by (parameter index, value) from the serial phases (memo.c): a table for
 * about expected of them, NULL when out of memory; get returns 1 and J and its kinks where
 * (i, v) was put; after freeze, put keeps nothing and threads may get concurrently. */
typedef struct gcv_memo gcv_memo;
gcv_memo *gcv_memo_new(size_t expected);
void gcv_memo_free(gcv_memo *m);
int gcv_memo_get(const gcv_memo *m, size_t i, double v, double *j, size_t *kinks);
void gcv_memo_put(gcv_memo *m, size_t i, double v, double j, size_t kinks);
void gcv_memo_freeze(gcv_memo *m);

/* The block holding θ index i (blocks may be views, blocks.c). */
static inline size_t gcv_block_of(const gcv_model *m, size_t i)
{
    size_t k;
    return gcv_model_locate(m, i, &k);
}

/* The noise of one evaluation of J near |J| = jabs, for parameter i: the block's measured
 * standard deviation where c has one, else the rounding bound κ·u·|J|. */
static inline double gcv_noise_of(const gcv_loop_ctx *c, size_t i, double jabs)
{
    double s = c->noise ? c->noise[gcv_block_of(c->m, i)] : -1.0;
    return s >= 0.0 ? s : GCV_KAPPA * (c->m->precision == GCV_FLOAT ? 0x1p-24 : GCV_U) * jabs;
}

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
    double right, left; /* central only: the one-sided slopes its two points give with J(θ)
                         * (NAN otherwise), which tell a kink from a smooth cost for free */
} gcv_estimate;

/* The nominal step the schemes take for θᵢ = t (before gcv_model_offset rounds θ ± h). */
double gcv_step_for(const gcv_loop_ctx *c, double t, size_t i);

/* Parameters per chunk of the loop's schedule at most for a model with a prefetch hook. */
#define GCV_PREFETCH_MAX 32
/* The loop's schedule chunk for n_iter positions on threads threads: 8, or for a model with
 * a prefetch hook up to GCV_PREFETCH_MAX (one announcement, one round trip, per chunk). */
size_t gcv_loop_chunk(const gcv_model *m, size_t n_iter, int threads);
/* Announces to a model with a prefetch hook the evaluations the chunk of loop positions
 * [k, k + chunk) will ask for (prefetch.c); nothing for other models or methods. */
void gcv_prefetch_chunk(const gcv_loop_ctx *c, void *ws, size_t k, size_t n_iter, size_t chunk);
/* J with θᵢ = v on this thread's θ copy th (θᵢ left at v), counted into e; NaN when the
 * model reports a failed evaluation. */
double gcv_eval_at(const gcv_loop_ctx *c, double *th, size_t i, double v, void *ws,
                   gcv_estimate *e);

/* The central difference at θᵢ = t with nominal step h, its floor from the noise. */
gcv_estimate gcv_central(const gcv_loop_ctx *c, double *th, void *ws, size_t i, double t,
                         double h);

/* Measures the noise of J per block (Moré and Wild's ECnoise on a few parameters of each
 * block, noise.c) into sigma (n_blocks; −1 where none could be measured), on the calling
 * thread with its own θ copy th and workspace ws; adds its evaluations to *evals. */
void gcv_measure_noise(const gcv_loop_ctx *c, double *th, void *ws, double *sigma,
                       size_t *evals);

/* Escalation (escalate.c): the suspect parameters of the blocks over the threshold are
 * re-estimated, batch by batch, with a ladder of larger and smaller steps and Richardson
 * extrapolation, within a budget of evaluations. */
typedef struct gcv_escalation gcv_escalation;

/* A new escalation over params (the check's slots), or NULL when out of memory. */
gcv_escalation *gcv_escalation_new(const gcv_model *m, const gcv_options *o,
                                   const gcv_param_result *params);
/* The next batch of indices to refine (ascending) into *list, *n of them, and the pass they
 * are refined with into *pass (gcv_refine_param's c->escalate); 0 when nothing more is to
 * be refined (every block decided, or the budget spent); −1 out of memory. */
int gcv_escalation_next(gcv_escalation *e, const gcv_param_result *params, const size_t **list,
                        size_t *n, int *pass);
/* After the last batch: the blocks left undecided get their unrefined suspects' floors raised
 * to their errors (no verdict from a value whose accuracy was not established); the count of
 * refined parameters per block into refined (n_blocks, or NULL); returns the evaluations
 * escalation spent and frees e (params NULL: only frees). */
size_t gcv_escalation_finish(gcv_escalation *e, gcv_param_result *params, size_t *refined);

/* Re-estimates parameter i into r (escalate.c): adds its evaluations, replaces its numeric
 * value, step and floor with the best rung of the step ladder (averaged in passes 2 and 3,
 * and there only where more accurate), and its status. */
void gcv_refine_param(const gcv_loop_ctx *c, double *th, void *ws, size_t i,
                      gcv_param_result *r);

/* A pilot sample's ladder at parameter i (escalate.c): its central differences D, half steps
 * a and noise floors f, n rungs held of the ladder's rungs. */
#define GCV_LADDER_MAX 12
typedef struct gcv_ladder_sample {
    double D[GCV_LADDER_MAX], a[GCV_LADDER_MAX], f[GCV_LADDER_MAX];
    int n, rungs;
} gcv_ladder_sample;
/* Without top, the rungs below the ladder's top into s (a kink or a failed evaluation ends
 * it); with top, the top rung as well, where the rungs below held. Evaluations into *evals. */
void gcv_ladder_sample_run(const gcv_loop_ctx *c, double *th, void *ws, size_t i, int top,
                           gcv_ladder_sample *s, unsigned *evals);
/* The sample's rungs: for each, its nominal step (h₀·4ᵏ, before the model rounds the points)
 * over max(|θᵢ|, 1) into factor and its estimated error into err (HUGE_VAL at the two ends,
 * which lack a neighbour). Rung k has the same factor at every parameter of a model. Where
 * the top rung is missing, *below_top gets the least error the rung under it could show
 * with it. Returns the number of rungs; 0 when fewer than three were taken or none shows a
 * slope above the noise (and then, where the top rung is missing, it may show one there).
 * factor and err hold GCV_LADDER_MAX entries. */
int gcv_ladder_errors(const gcv_loop_ctx *c, const gcv_ladder_sample *s, double *factor,
                      double *err, double *below_top);

/* Per block, the factor f of the first pass's step f·max(|θᵢ|, 1), from the ladder on the
 * parameters the noise was measured on (steps.c); evaluations added to *evals. */
void gcv_pilot_steps(const gcv_loop_ctx *c, double *th, void *ws, double *factor,
                     size_t *evals);

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

/* The perturbation loop. Parameters are split across OpenMP threads; each thread owns a θ
 * copy and a workspace, allocated and first touched by itself before the loop. Every
 * iteration writes only its own result slot; all sums are taken afterwards, serially and in
 * index order, so results are bit-identical for any thread count or schedule. */
#include "gcverify/gcverify.h"
#include "engine/internal.h"
#include "engine/split.h"
#include "engine/assemble.h"
#include "engine/blocks.h"
#include "util/strutil.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gcv_options_default(gcv_options *o)
{
    memset(o, 0, sizeof *o);
    o->method = GCV_METHOD_CENTRAL;
    o->epsilon = 1e-6;
    o->threshold = 1e-7;
    o->rtol = 1e-5;
    o->atol = 1e-8;
    o->threads = 0;
}

void gcv_options_default_for(gcv_options *o, gcv_precision p)
{
    gcv_options_default(o);
    if (p == GCV_FLOAT) {
        o->epsilon = 0x1p-8;
        o->threshold = 1e-3;
        o->rtol = 1e-2;
        o->atol = 1e-6;
        o->step_pilot = 1;
    }
}

const char *gcv_precision_name(gcv_precision p)
{
    return p == GCV_FLOAT ? "float32" : p == GCV_DOUBLE ? "float64" : "?";
}

const char *gcv_phase_name(gcv_phase p)
{
    static const char *const n[] = {"nothing (between calls)", "gradient()", "cost()",
                                    "cost_perturbed()", "cost_complex()", "kinks_crossed()"};
    return (unsigned)p < sizeof n / sizeof *n ? n[p] : "?";
}

static const char *const method_names[GCV_METHOD_COUNT] = {
    "central", "forward", "backward", "five_point", "richardson", "complex_step", "directional"};

const char *gcv_method_name(gcv_method m)
{
    return (unsigned)m < sizeof method_names / sizeof *method_names ? method_names[m] : "?";
}

int gcv_method_parse(const char *s, gcv_method *out)
{
    for (unsigned i = 0; i < sizeof method_names / sizeof *method_names; i++)
        if (strcmp(s, method_names[i]) == 0) {
            *out = (gcv_method)i;
            return 0;
        }
    return -1;
}

const char *gcv_param_status_name(gcv_param_status s)
{
    static const char *const n[] = {"ok", "mismatch", "kink", "nonfinite", "kink-ok",
                                    "unchecked"};
    return (unsigned)s < sizeof n / sizeof *n ? n[s] : "?";
}

const char *gcv_verdict_name(gcv_verdict v)
{
    return v == GCV_PASS ? "pass" : v == GCV_FAIL ? "fail" : v == GCV_UNCHECKED ? "unchecked"
                                                                             : "inconclusive";
}

void gcv_model_free(gcv_model *m)
{
    if (m && m->destroy)
        m->destroy(m);
}

void gcv_result_free(gcv_result *r)
{
    if (!r)
        return;
    free(r->params);
    free(r->blocks);
    free(r->layers);
    free(r);
}

/* ---- validation ---- */

static gcv_status fail(gcv_error *err, gcv_status st, const char *msg)
{
    if (err)
        snprintf(err->msg, sizeof err->msg, "%s", msg);
    return st;
}

static gcv_status validate(const gcv_model *m, const gcv_options *o, gcv_error *err)
{
    if (!m || !m->cost || !m->gradient || !m->theta || !m->blocks)
        return fail(err, GCV_ERR_INVALID, "model: expected cost, gradient, θ and blocks, got NULL");
    if (m->n_params == 0 || m->n_blocks == 0)
        return fail(err, GCV_ERR_INVALID, "model: expected at least one parameter and one block");
    size_t next = 0;
    if (gcv_blocks_have_views(m->blocks, m->n_blocks)) { /* views: any order, a partition */
        char why[GCV_ERROR_LEN - 32];
        int rc = gcv_blocks_partition(m->blocks, m->n_blocks, m->n_params, NULL, NULL, why,
                                      sizeof why);
        if (rc == -2)
            return fail(err, GCV_ERR_NOMEM, "model.blocks: out of memory");
        if (rc != 0) {
            char msg[GCV_ERROR_LEN];
            snprintf(msg, sizeof msg, "model.blocks: expected blocks partitioning θ: %.400s", why);
            return fail(err, GCV_ERR_INVALID, msg);
        }
        next = m->n_params;
    }
    for (size_t b = 0; next < m->n_params && b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        if (bl->offset != next || bl->rows == 0 || bl->cols == 0 ||
            bl->rows > (m->n_params - next) / bl->cols) {
            char msg[GCV_ERROR_LEN];
            snprintf(msg, sizeof msg,
                     "model.blocks[%zu] (%.*s): expected a block starting at θ[%zu] within "
                     "the %zu parameters, got offset %zu and shape %zu×%zu",
                     b, GCV_NAME_LEN, bl->name, next, m->n_params, bl->offset, bl->rows,
                     bl->cols);
            return fail(err, GCV_ERR_INVALID, msg);
        }
        next += bl->rows * bl->cols;
    }
    if (next != m->n_params)
        return fail(err, GCV_ERR_INVALID, "model.blocks: expected blocks adding up to P");
    if (m->precision != GCV_DOUBLE && m->precision != GCV_FLOAT)
        return fail(err, GCV_ERR_INVALID, "model.precision: expected GCV_DOUBLE or GCV_FLOAT");
    for (size_t i = 0; i < m->n_params; i++) {
        char msg[GCV_ERROR_LEN];
        if (!isfinite(m->theta[i])) {
            snprintf(msg, sizeof msg, "model.theta[%zu]: expected a finite number, got %g", i,
                     m->theta[i]);
            return fail(err, GCV_ERR_INVALID, msg);
        }
        if (m->precision == GCV_FLOAT && (double)(float)m->theta[i] != m->theta[i]) {
            snprintf(msg, sizeof msg, "model.theta[%zu]: expected a float32 value for a float "
                     "model, got %.17g", i, m->theta[i]);
            return fail(err, GCV_ERR_INVALID, msg);
        }
    }
    if (!o || (unsigned)o->method >= GCV_METHOD_COUNT)
        return fail(err, GCV_ERR_INVALID, "check.method: expected a known method");
    if (o->method == GCV_METHOD_COMPLEX_STEP && !m->cost_complex)
        return fail(err, GCV_ERR_INVALID,
                    "check.method: expected a model with a complex-step cost for complex_step, "
                    "got one without (use richardson or five_point for this model)");
    int uses_eps = o->method != GCV_METHOD_RICHARDSON && o->method != GCV_METHOD_COMPLEX_STEP;
    if (uses_eps && !o->epsilon_auto && (!(o->epsilon > 0.0) || !isfinite(o->epsilon)))
        return fail(err, GCV_ERR_INVALID, "check.epsilon: expected a positive finite number");
    if (!(o->threshold > 0.0) || !(o->rtol >= 0.0) || !(o->atol >= 0.0))
        return fail(err, GCV_ERR_INVALID,
                    "check: expected threshold > 0, rtol ≥ 0 and atol ≥ 0");
    for (size_t k = 0; o->subset && k < o->n_subset; k++)
        if (o->subset[k] >= m->n_params || (k && o->subset[k] <= o->subset[k - 1]))
            return fail(err, GCV_ERR_INVALID, "check.subset: expected ascending indices below P");
    if (o->subset && o->n_subset == 0)
        return fail(err, GCV_ERR_INVALID, "check.subset: expected at least one index");
    if (o->threads < 0)
        return fail(err, GCV_ERR_INVALID, "check.threads: expected an integer ≥ 0");
    return GCV_OK;
}

/* ---- the parallel loop ---- */

/* Thread set-up outcomes. */
enum { SETUP_NOMEM = 0, SETUP_READY = 1, SETUP_STOPPED = 2 };

/* This thread's θ copy and workspace, first touched by it. An incremental check never reads
 * its copy beyond the value it perturbs (eval_at writes θᵢ, cost_perturbed reads m->theta):
 * its copy is then left as untouched zero pages, written only where perturbed, instead of P
 * values every thread first-touches before the first parameter (on a 33.6 M-parameter net,
 * 270 MB per thread). A full copy is made in chunks, between which the watch can stop it. */
static int thread_setup(const gcv_loop_ctx *c, double **th, void **ws)
{
    const size_t P = c->m->n_params;
    int lazy = c->incremental && c->o->method != GCV_METHOD_COMPLEX_STEP;
    *th = lazy ? calloc(P, sizeof **th) : malloc(P * sizeof **th);
    *ws = gcv_ws_alloc(c->m->ws_bytes); /* zeroed: first touch in the owning thread */
    if (!*th || !*ws)
        return SETUP_NOMEM;
    if (!lazy)
        gcv_prefault(*th, P * sizeof **th);
    for (size_t k = 0; !lazy && k < P; k += GCV_WATCH_EVERY) {
        if (gcv_watch_stopped(&c->watch))
            return SETUP_STOPPED;
        size_t n = P - k < GCV_WATCH_EVERY ? P - k : GCV_WATCH_EVERY;
        memcpy(*th + k, c->m->theta + k, n * sizeof **th);
    }
    return SETUP_READY;
}

/* Why thread 0 stops the loop after a parameter: 1 the watch (stop flag or max_seconds), 2
 * the budget is spent, 0 neither. */
static int halt_reason(const gcv_loop_ctx *c, double now)
{
    const gcv_options *o = c->o;
    if ((o->stop && *o->stop) || (c->watch.deadline > 0.0 && now > c->watch.deadline))
        return 1;
    return c->budget_end > 0.0 && now > c->budget_end ? 2 : 0;
}

/* The loop over the n_iter indices, on this thread. */
static void loop_share(gcv_loop_ctx *mine, double *th, void *ws, gcv_param_result *res, int t,
                       int n_threads)
{
    const gcv_loop_ctx *c = mine;
    const gcv_options *o = c->o;
    const size_t *sub = o->subset;
    size_t n_iter = sub ? o->n_subset : c->m->n_params;
    /* Which thread takes which index never changes a result, only the round trips. */
    size_t chunk = gcv_loop_chunk(c->m, n_iter, n_threads);
    double next_report = c->t0 + 0.1;
#pragma omp for schedule(dynamic, chunk)
    for (size_t k = 0; k < n_iter; k++) {
        int halt;
#pragma omp atomic read
        halt = *c->halted;
        if (halt)
            continue;
        size_t i = sub ? sub[k] : k;
        if (c->escalate) {
            gcv_refine_param(mine, th, ws, i, &res[i]);
        } else {
            if (k % chunk == 0) /* the start of a chunk of the schedule */
                gcv_prefetch_chunk(mine, ws, k, n_iter, chunk);
            gcv_check_param(mine, th, ws, i, &res[i]);
        }
#pragma omp atomic update
        (*c->done)++;
        if (t != 0)
            continue;
        /* Thread 0 alone watches the clock, the stop flag and the progress. */
        double now = gcv_now_seconds();
        int why = halt_reason(c, now);
        if (why) {
#pragma omp atomic write
            *c->halted = why;
        }
        if (o->progress && now >= next_report) {
            size_t d;
#pragma omp atomic read
            d = *c->done;
            o->progress(o->progress_ctx, d, n_iter, now - c->t0);
            next_report = now + 0.1;
        }
    }
    gcv_trace_mark(mine->slot, GCV_PHASE_IDLE, SIZE_MAX);
}

/* One thread's part of the loop: its θ copy and workspace, then its share of the indices
 * once every thread has its buffers (ok[t]: its set-up outcome). Outside a parallel region
 * (one thread) the barrier, single and for constructs bind to this thread alone. */
static void loop_thread(const gcv_loop_ctx *c, gcv_param_result *res, int *ok, int *used)
{
    int t = omp_get_thread_num(), n = omp_get_num_threads();
    gcv_loop_ctx mine = *c; /* this thread's copy, with its own trace slot */
    mine.slot = gcv_trace_slot_of(c->o, t);
    double *th = NULL;
    void *ws = NULL;
    ok[t] = thread_setup(c, &th, &ws);
#pragma omp barrier
    int nomem = 0, stopped = 0;
    for (int k = 0; k < n; k++) {
        nomem |= ok[k] == SETUP_NOMEM;
        stopped |= ok[k] == SETUP_STOPPED;
    }
    if (!nomem && !stopped)
        loop_share(&mine, th, ws, res, t, n);
#pragma omp single
    {
        *used = nomem ? 0 : n;
        if (stopped && !nomem)
            *c->halted = 1;
    }
    free(th);
    free(ws);
}

/* Runs the loop on nt threads; returns the number of threads used, or 0 if a thread could
 * not allocate its buffers (then nothing was evaluated). A stop while the threads make their
 * copies sets *halted to 1 and evaluates nothing. One thread runs it without a parallel
 * region, so that the teams a split check starts for each evaluation (split.c) are not
 * nested ones, which libgomp makes afresh each time instead of reusing its threads. */
static int run_loop(const gcv_loop_ctx *c, gcv_param_result *res, int nt)
{
    int used = 0;
    int *ok = calloc((size_t)nt, sizeof *ok);
    if (!ok)
        return 0;
    /* Chunks of 8 keep neighbouring result slots (64 bytes each) mostly in one thread's
     * cache lines while still balancing blocks of very different cost. */
    if (nt == 1) {
        loop_thread(c, res, ok, &used);
    } else {
#pragma omp parallel num_threads(nt)
        loop_thread(c, res, ok, &used);
    }
    free(ok);
    return used;
}

double gcv_now_seconds(void)
{
    return gcv_clock_now();
}

/* Blocks not drilled down keep their directional verdict; layers and the whole then take the
 * worst status and the largest difference of their blocks. */
static void merge_directional(const gcv_model *m, const gcv_block_result *dir, gcv_result *r)
{
    r->status = GCV_PASS;
    r->blocks_failed = 0;
    for (size_t b = 0; b < m->n_blocks; b++) {
        if (r->blocks[b].checked == 0)
            r->blocks[b] = dir[b];
        r->status = gcv_verdict_worse(r->status, r->blocks[b].status);
        r->blocks_failed += r->blocks[b].status == GCV_FAIL;
        if (r->blocks[b].difference > r->difference)
            r->difference = r->blocks[b].difference;
    }
    if (r->stopped && r->status == GCV_PASS)
        r->status = GCV_INCONCLUSIVE;
    for (size_t l = 0; l < r->n_layers; l++) {
        gcv_layer_result *lr = &r->layers[l];
        lr->status = GCV_PASS;
        for (size_t b = lr->first_block; b < lr->first_block + lr->n_blocks; b++) {
            lr->status = gcv_verdict_worse(lr->status, r->blocks[b].status);
            if (r->blocks[b].difference > lr->difference)
                lr->difference = r->blocks[b].difference;
        }
    }
}

size_t gcv_subset_keep(const gcv_options *o, size_t *idx, size_t n)
{
    if (!o->subset)
        return n;
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        size_t lo = 0, hi = o->n_subset;
        while (lo < hi) { /* o->subset is ascending */
            size_t mid = lo + (hi - lo) / 2;
            if (o->subset[mid] < idx[j])
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < o->n_subset && o->subset[lo] == idx[j])
            idx[k++] = idx[j];
    }
    return k;
}

/* The directional verdict of every block into dir (n_blocks, zeroed), its evaluations into
 * *evals, and with drill_down the indices of the failing blocks' parameters (within the
 * caller's subset) into a new *drill of *n_drill. Returns 0, or -1 when out of memory. */
static int directional_first(const gcv_model *m, const gcv_options *o, const double *grad,
                             gcv_block_result *dir, size_t *evals, size_t **drill,
                             size_t *n_drill)
{
    if (gcv_directional(m, o, grad, dir, evals) != 0)
        return -1;
    size_t n = 0;
    for (size_t b = 0; b < m->n_blocks; b++)
        if (o->drill_down && dir[b].status == GCV_FAIL)
            n += m->blocks[b].rows * m->blocks[b].cols;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return -1;
    n = 0;
    for (size_t b = 0; b < m->n_blocks; b++)
        for (size_t k = 0; o->drill_down && dir[b].status == GCV_FAIL &&
                           k < m->blocks[b].rows * m->blocks[b].cols; k++)
            idx[n++] = gcv_block_index(&m->blocks[b], k);
    *drill = idx;
    *n_drill = gcv_subset_keep(o, idx, n);
    return 0;
}

/* The analytic gradient and the cost at θ, on the calling thread (traced as thread 0). */
static gcv_status gradient_at_theta(const gcv_model *m, const gcv_options *o, double *grad,
                                    void *ws, double *cost, gcv_error *err)
{
    gcv_trace_mark(gcv_trace_slot_of(o, 0), GCV_PHASE_GRADIENT, SIZE_MAX);
    int split = 0; /* many examples: the gradient's parts on the threads (split.c) */
    int bad = gcv_split_gradient(m, o, m->theta, grad, cost, &split);
    bad = split ? bad : m->gradient(m, m->theta, grad, ws, cost);
    gcv_trace_mark(gcv_trace_slot_of(o, 0), GCV_PHASE_IDLE, SIZE_MAX);
    if (!bad)
        return GCV_OK;
    const char *why = m->error ? m->error(m, ws) : NULL;
    if (err)
        snprintf(err->msg, sizeof err->msg, "model: the gradient evaluation failed%s%s",
                 why && *why ? ": " : "", why && *why ? why : "");
    return GCV_ERR_INVALID;
}

/* How many threads the loop gets: the caller's count, or left to itself no more than there
 * are chunks of work worth waking one for (a few hundred evaluations each); results do not
 * depend on it either way. */
static int loop_threads(const gcv_options *o, size_t work)
{
    int nt = o->threads > 0 ? o->threads : omp_get_max_threads();
    if (o->threads == 0 && (size_t)nt > work / 256 + 1)
        nt = (int)(work / 256 + 1);
    return nt;
}

/* Which indices the per-parameter loop visits, into lo (subset, method): a sample or a budget's
 * priority order; for the directional method, its per-block pass first (into *dir) and then
 * the failing blocks' parameters, if drilled down. Returns 0, or -1 when out of memory. */
static int choose_indices(const gcv_model *m, const gcv_options *o, const double *grad,
                          gcv_options *lo, gcv_assembly *a, gcv_block_result **dir,
                          size_t **drill)
{
    if (o->method != GCV_METHOD_DIRECTIONAL && (o->sample_per_block || o->budget_seconds > 0.0)) {
        size_t n = 0;
        *drill = gcv_sample_order(m, o, grad, &n);
        if (!*drill)
            return -1;
        lo->subset = *drill;
        lo->n_subset = gcv_subset_keep(o, *drill, n);
        a->sampled = 1;
    }
    if (o->method == GCV_METHOD_DIRECTIONAL) {
        /* Per block first; with drill_down, the failing blocks then parameter by parameter
         * (central differences), the rest keeping their directional verdict. */
        *dir = calloc(m->n_blocks, sizeof **dir);
        if (!*dir || directional_first(m, o, grad, *dir, &a->extra_evaluations, drill,
                                       &lo->n_subset) != 0)
            return -1;
        lo->method = GCV_METHOD_CENTRAL;
        lo->subset = *drill;
    }
    return 0;
}

/* P result slots, each "unchecked" at its θ until checked: a subset or an early stop leaves
 * some that way. They are the one O(P) buffer every report needs (64 bytes a parameter), so
 * they are made even when the run is already stopped. NULL when out of memory. */
static gcv_param_result *new_slots(const gcv_model *m)
{
    gcv_param_result *params = calloc(m->n_params, sizeof *params);
    gcv_prefault(params, m->n_params * sizeof *params);
    for (size_t i = 0; params && i < m->n_params; i++) {
        params[i].status = GCV_PARAM_UNCHECKED;
        params[i].theta = m->theta[i];
    }
    return params;
}

/* The check's limits, counted from the run's start (o->started) or else from t0: the watch
 * (stop flag, max_seconds) and the end of the budget. */
static void set_limits(const gcv_options *o, double t0, gcv_loop_ctx *c)
{
    double start = o->started > 0.0 ? o->started : t0;
    c->watch = (gcv_watch){o->stop, o->max_seconds > 0.0 ? start + o->max_seconds : 0.0};
    c->budget_end = o->budget_seconds > 0.0 ? start + o->budget_seconds : 0.0;
}

/* A loop context for model m under the caller's options o, the loop's own options lo, the
 * gradient grad and J(θ) = cost0: no noise, steps or memo yet. */
static gcv_loop_ctx loop_ctx(const gcv_model *m, const gcv_options *o, const gcv_options *lo,
                             const double *grad, double cost0, size_t *done, int *halted,
                             double t0)
{
    gcv_loop_ctx c = {.m = m,
                      .o = lo,
                      .grad = grad,
                      .cost0 = cost0,
                      .incremental = m->cost_perturbed != NULL && !o->full_passes,
                      .done = done,
                      .halted = halted,
                      .t0 = t0};
    set_limits(o, t0, &c);
    return c;
}

/* The set-up after the slots: the gradient's workspace (into *ws) and the gradient and cost at
 * θ (into grad and c->cost0), then the indices the loop visits (into lo). The watch is looked
 * at before and after the gradient; a model that looks at the same watch (the MLP does) gives
 * up its pass when it says stop, and that failure is the stop. Stopped, *c->halted is 1 and
 * the loop is not run. */
static gcv_status prepare(gcv_loop_ctx *c, double *grad, void **ws, gcv_options *lo,
                          gcv_assembly *a, gcv_block_result **dir, size_t **drill,
                          gcv_error *err)
{
    const gcv_options *o = &a->options;
    if (gcv_watch_stopped(&c->watch)) {
        *c->halted = 1;
        return GCV_OK;
    }
    if (!(*ws = gcv_ws_alloc(c->m->ws_bytes)))
        return fail(err, GCV_ERR_NOMEM, "out of memory for the check's buffers");
    gcv_prefault(grad, c->m->n_params * sizeof *grad); /* the gradient writes it whole */
    gcv_status st = gradient_at_theta(c->m, o, grad, *ws, &c->cost0, err);
    if (gcv_watch_stopped(&c->watch)) {
        if (st != GCV_OK)
            c->cost0 = NAN; /* the pass was given up: no cost to report */
        a->cost = c->cost0;
        *c->halted = 1;
        return GCV_OK;
    }
    if (st != GCV_OK)
        return st;
    a->cost = c->cost0;
    if (choose_indices(c->m, o, grad, lo, a, dir, drill) != 0)
        return fail(err, GCV_ERR_NOMEM, "out of memory for the check's buffers");
    return GCV_OK;
}

/* The methods whose floors come from the measured noise and whose suspects are escalated:
 * the fixed-step differences. Ridders and the complex step carry their own error estimates;
 * a directional check is judged per direction. */
static int uses_noise(const gcv_options *o)
{
    return o->method == GCV_METHOD_CENTRAL || o->method == GCV_METHOD_FORWARD ||
           o->method == GCV_METHOD_BACKWARD || o->method == GCV_METHOD_FIVE_POINT;
}

/* The noise of J per block into noise (noise.c), on this thread; c->noise then points to it.
 * Returns 0, or -1 when out of memory. */
static int measure_noise(gcv_loop_ctx *c, void *ws, double *noise, gcv_assembly *a)
{
    const size_t P = c->m->n_params;
    double *th = c->incremental ? calloc(P, sizeof *th) : malloc(P * sizeof *th);
    if (!th)
        return -1;
    if (!c->incremental)
        memcpy(th, c->m->theta, P * sizeof *th);
    size_t before = a->extra_evaluations;
    c->slot = gcv_trace_slot_of(c->o, 0); /* traced as thread 0, as the gradient is */
    gcv_measure_noise(c, th, ws, noise, &a->extra_evaluations);
    gcv_trace_mark(c->slot, GCV_PHASE_IDLE, SIZE_MAX);
    c->slot = NULL;
    a->noise_evaluations = a->extra_evaluations - before;
    free(th);
    c->noise = noise;
    return 0;
}

/* The first pass's step per block (steps.c) into a->step_factor, which it allocates; c->
 * step_factor then points to it. Returns 0, or -1 when out of memory. */
static int pilot_steps(gcv_loop_ctx *c, void *ws, gcv_assembly *a)
{
    const size_t P = c->m->n_params;
    double *th = c->incremental ? calloc(P, sizeof *th) : malloc(P * sizeof *th);
    a->step_factor = malloc(c->m->n_blocks * sizeof *a->step_factor);
    if (!th || !a->step_factor) {
        free(th);
        return -1;
    }
    if (!c->incremental)
        memcpy(th, c->m->theta, P * sizeof *th);
    size_t before = a->extra_evaluations;
    c->slot = gcv_trace_slot_of(c->o, 0);
    gcv_pilot_steps(c, th, ws, a->step_factor, &a->extra_evaluations);
    gcv_trace_mark(c->slot, GCV_PHASE_IDLE, SIZE_MAX);
    c->slot = NULL;
    a->noise_evaluations += a->extra_evaluations - before;
    free(th);
    c->step_factor = a->step_factor;
    return 0;
}

/* Escalation of the blocks over the threshold (escalate.c), batch by batch through the
 * parallel loop, into params; refined per block into refined. Returns 0, or -1 when out of
 * memory. A stop during it makes the run a stopped one. */
static int escalate_suspects(const gcv_loop_ctx *c, gcv_param_result *params, size_t *refined,
                             gcv_assembly *a, int one_thread)
{
    gcv_escalation *e = gcv_escalation_new(c->m, c->o, params);
    if (!e)
        return -1;
    gcv_options eo = *c->o;
    eo.progress = NULL;
    gcv_loop_ctx ec = *c;
    size_t done = 0;
    int halted = 0, st;
    ec.o = &eo;
    ec.escalate = 1;
    ec.done = &done;
    ec.halted = &halted;
    const size_t *list;
    st = 0;
    int pass = 1;
    while (!halted && (st = gcv_escalation_next(e, params, &list, &eo.n_subset, &pass)) > 0) {
        eo.subset = list;
        ec.escalate = pass;
        if (run_loop(&ec, params, one_thread ? 1 : loop_threads(c->o, eo.n_subset * 16)) == 0)
            st = -1;
        if (st < 0)
            break;
    }
    a->escalation_evaluations = gcv_escalation_finish(e, params, refined);
    a->stopped |= halted == 1;
    return halted ? 0 : st < 0 ? -1 : 0;
}

gcv_status gcv_assembly_escalate(const gcv_model *m, gcv_assembly *a, double t0, gcv_error *err)
{
    const gcv_options *o = &a->options;
    /* As check_loop decides for the undivided check. */
    if (!a->noise || !uses_noise(o) || o->subset || o->budget_seconds > 0.0 || a->stopped)
        return GCV_OK;
    const size_t P = m->n_params;
    double *grad = malloc(P * sizeof *grad);
    a->escalated = calloc(m->n_blocks, sizeof *a->escalated);
    if (!grad || !a->escalated) {
        free(grad);
        return fail(err, GCV_ERR_NOMEM, "out of memory for the check's buffers");
    }
    for (size_t i = 0; i < P; i++) /* escalation reads g only at checked slots */
        grad[i] = a->params[i].analytic;
    gcv_options lo = *o;
    size_t done = 0;
    int halted = 0;
    gcv_loop_ctx c = loop_ctx(m, o, &lo, grad, a->cost, &done, &halted, t0);
    c.noise = a->noise;
    int rc = escalate_suspects(&c, a->params, a->escalated, a, 0);
    free(grad);
    return rc != 0 ? fail(err, GCV_ERR_NOMEM, "out of memory for the check's buffers") : GCV_OK;
}

/* The loop over the chosen indices, with the noise measured before it and the suspects
 * escalated after it where the method uses them (per block, into a->noise and a->escalated,
 * which it allocates). Returns the threads the loop used, 0 when out of memory. */
static int check_loop(gcv_loop_ctx *c, void *ws, gcv_param_result *params, size_t work, int nt,
                      int split, gcv_assembly *a)
{
    const size_t nb = c->m->n_blocks;
    /* A caller's subset (a shard, a limit, an MPI rank) sees only part of each block: no
     * noise measurement and no escalation there, so that the parts merge into what one run
     * on the same subsets gives. A time budget spends its time on coverage instead. */
    int noisy = work && uses_noise(&a->options) &&
                (!a->options.subset || a->options.share_of_whole) &&
                !(a->options.budget_seconds > 0.0) && !*c->halted;
    if (noisy) {
        double *noise = malloc(nb * sizeof *noise);
        size_t *esc = calloc(nb, sizeof *esc);
        a->noise = noise;
        a->escalated = esc;
        /* The noise stencils, the pilot's ladders and the check share points: a memo spares
         * their second evaluation (memo.c). It is sized for the stencils (6 points for each
         * of up to 3 parameters a block) and the pilot's ladders (10 for each of up to 6);
         * without one (no memory) those points are evaluated again. */
        int pilot = c->o->step_pilot && c->o->method == GCV_METHOD_CENTRAL;
        c->memo = gcv_memo_new((pilot ? 6 * 3 + 10 * 6 : 6 * 3) * nb);
        int bad = !noise || !esc || measure_noise(c, ws, noise, a) != 0 ||
                  (pilot && !*c->halted && pilot_steps(c, ws, a) != 0);
        gcv_memo_freeze(c->memo); /* the loop's threads only read it */
        if (bad) {
            gcv_memo_free(c->memo);
            c->memo = NULL;
            return 0;
        }
    }
    int used = work ? run_loop(c, params, nt) : 1;
    gcv_memo_free(c->memo); /* escalation evaluates afresh, as on MPI's rank 0 */
    c->memo = NULL;
    if (used && noisy && !a->options.share_of_whole && !*c->halted &&
        escalate_suspects(c, params, a->escalated, a, split) != 0)
        return 0;
    return used;
}

/* check_loop with few parameters and many examples: each evaluation's parts of the examples
 * shared out over the threads (split.c) while the loops run on one, the model restored after. */
static int check_loop_split(gcv_loop_ctx *c, void *ws, gcv_param_result *params, size_t work,
                            gcv_assembly *a)
{
    const gcv_model *model = c->m;
    int nt = work ? loop_threads(c->o, work) : 1;
    gcv_split split;
    if (gcv_split_begin(&split, &c->m, c->o, c->incremental, work, &nt) != 0)
        return 0;
    int used = gcv_split_end(&split, check_loop(c, ws, params, work, nt, split.threads > 0, a));
    c->m = model;
    return used;
}

gcv_status gcv_check(const gcv_model *m, const gcv_options *o, gcv_result **out, gcv_error *err)
{
    *out = NULL;
    gcv_status st = validate(m, o, err);
    if (st != GCV_OK)
        return st;
    double t0 = gcv_now_seconds();
    const size_t P = m->n_params;
    gcv_result *r = NULL;
    gcv_block_result *dir = NULL;
    size_t *drill = NULL;
    double *grad = malloc(P * sizeof *grad);
    void *ws = NULL; /* the gradient's workspace, made once the watch lets the gradient run */
    gcv_param_result *params = new_slots(m);
    gcv_assembly a = {.options = *o, .cost = NAN};
    if (!params || !grad)
        goto nomem;
    for (size_t i = 0; i < P; i++) /* an entry the model leaves unwritten shows as NaN */
        grad[i] = NAN;
    gcv_options lo = *o; /* the per-parameter loop's options */
    size_t done = 0;
    int halted = 0;
    gcv_loop_ctx c = loop_ctx(m, o, &lo, grad, NAN, &done, &halted, t0);
    if ((st = prepare(&c, grad, &ws, &lo, &a, &dir, &drill, err)) != GCV_OK)
        goto out;
    if (!halted && o->method == GCV_METHOD_DIRECTIONAL && gcv_watch_stopped(&c.watch))
        halted = 1; /* the directional pass left directions out */
    size_t work = halted ? 0 : lo.subset ? lo.n_subset : P;
    a.threads = check_loop_split(&c, ws, params, work, &a);
    if (a.threads == 0)
        goto nomem;
    a.params_checked = done;
    a.stopped = halted == 1;
    if (o->method == GCV_METHOD_COMPLEX_STEP)
        a.options.epsilon = GCV_COMPLEX_H;
    a.params = params;
    params = NULL; /* the assembly takes the slots */
    if (gcv_result_assemble(m, &a, &r) != GCV_OK)
        goto nomem;
    if (dir)
        merge_directional(m, dir, r);
    /* Stopped, the Taylor test's evaluations would be more work after the stop. */
    if (o->taylor && !a.stopped && gcv_taylor_test(m, o, grad, c.cost0, r) != 0)
        goto nomem;
    r->evaluations_check = r->evaluations - r->evaluations_noise - r->evaluations_escalation;
    r->seconds = gcv_now_seconds() - t0;
    free(a.noise);
    free(a.escalated);
    free(a.step_factor);
    free(grad);
    free(ws);
    free(dir);
    free(drill);
    *out = r;
    return GCV_OK;
nomem:
    st = fail(err, GCV_ERR_NOMEM, "out of memory for the check's buffers");
out:
    free(a.noise);
    free(a.escalated);
    free(a.step_factor);
    free(params);
    free(grad);
    free(ws);
    free(dir);
    free(drill);
    gcv_result_free(r);
    return st;
}

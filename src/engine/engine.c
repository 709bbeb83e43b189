/* The perturbation loop. Parameters are split across OpenMP threads; each thread owns a θ
 * copy and a workspace, allocated and first touched by itself before the loop. Every
 * iteration writes only its own result slot; all sums are taken afterwards, serially and in
 * index order, so results are bit-identical for any thread count or schedule. */
#include "gcverify/gcverify.h"
#include "engine/internal.h"
#include "engine/assemble.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

size_t gcv_block_find(const gcv_block *blocks, size_t n, size_t i)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (blocks[mid].offset <= i)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
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
    for (size_t b = 0; b < m->n_blocks; b++) {
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

/* Runs the loop on nt threads; returns the number of threads used, or 0 if a thread could
 * not allocate its buffers (then nothing was evaluated). */
static int run_loop(const gcv_loop_ctx *c, gcv_param_result *res, int nt)
{
    const gcv_model *m = c->m;
    const size_t P = m->n_params;
    int used = 0;
    int *ok = calloc((size_t)nt, sizeof *ok);
    if (!ok)
        return 0;
    /* Chunks of 8 keep neighbouring result slots (48 bytes each) mostly in one thread's
     * cache lines while still balancing blocks of very different cost. */
#pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num(), n = omp_get_num_threads();
        gcv_loop_ctx mine = *c; /* this thread's copy, with its own trace slot */
        mine.slot = gcv_trace_slot_of(c->o, t);
        double *th = malloc(P * sizeof *th);
        void *ws = gcv_ws_alloc(m->ws_bytes); /* zeroed: first touch in the owning thread */
        if (th && ws) {
            memcpy(th, m->theta, P * sizeof *th);
            ok[t] = 1;
        }
#pragma omp barrier
        int all = 1;
        for (int k = 0; k < n; k++)
            all &= ok[k];
        if (all) {
            const gcv_options *o = c->o;
            const size_t *sub = o->subset;
            size_t n_iter = sub ? o->n_subset : P;
            double next_report = c->t0 + 0.1;
#pragma omp for schedule(dynamic, 8)
            for (size_t k = 0; k < n_iter; k++) {
                int halt;
#pragma omp atomic read
                halt = *c->halted;
                if (halt)
                    continue;
                size_t i = sub ? sub[k] : k;
                gcv_check_param(&mine, th, ws, i, &res[i]);
#pragma omp atomic update
                (*c->done)++;
                if (t != 0)
                    continue;
                /* Thread 0 alone watches the clock, the stop flag and the progress. */
                double now = gcv_now_seconds();
                int why = (o->stop && *o->stop) ||
                                  (o->max_seconds > 0.0 && now - c->t0 > o->max_seconds)
                              ? 1
                          : o->budget_seconds > 0.0 && now - c->t0 > o->budget_seconds ? 2
                                                                                      : 0;
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
            gcv_trace_mark(mine.slot, GCV_PHASE_IDLE, SIZE_MAX);
        }
#pragma omp single
        used = all ? n : 0;
        free(th);
        free(ws);
    }
    free(ok);
    return used;
}

double gcv_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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
            idx[n++] = m->blocks[b].offset + k;
    *drill = idx;
    *n_drill = gcv_subset_keep(o, idx, n);
    return 0;
}

/* The analytic gradient and the cost at θ, on the calling thread (traced as thread 0). */
static gcv_status gradient_at_theta(const gcv_model *m, const gcv_options *o, double *grad,
                                    void *ws, double *cost, gcv_error *err)
{
    gcv_trace_mark(gcv_trace_slot_of(o, 0), GCV_PHASE_GRADIENT, SIZE_MAX);
    int bad = m->gradient(m, m->theta, grad, ws, cost);
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
    void *ws = gcv_ws_alloc(m->ws_bytes);
    gcv_param_result *params = calloc(P, sizeof *params);
    if (!params || !grad || !ws)
        goto nomem;
    /* Every slot starts unchecked: a subset or an early stop leaves some that way. */
    for (size_t i = 0; i < P; i++) {
        params[i].status = GCV_PARAM_UNCHECKED;
        params[i].theta = m->theta[i];
    }
    gcv_assembly a = {.options = *o};
    gcv_options lo = *o; /* the per-parameter loop's options */
    gcv_loop_ctx c = {m, &lo, grad, NAN, m->cost_perturbed != NULL && !o->full_passes,
                      NULL, NULL, t0, NULL};
    if ((st = gradient_at_theta(m, o, grad, ws, &c.cost0, err)) != GCV_OK)
        goto out;
    a.cost = c.cost0;
    if (choose_indices(m, o, grad, &lo, &a, &dir, &drill) != 0)
        goto nomem;
    size_t done = 0;
    int halted = 0;
    c.done = &done;
    c.halted = &halted;
    size_t work = lo.subset ? lo.n_subset : P;
    a.threads = work ? run_loop(&c, params, loop_threads(o, work)) : 1;
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
    if (o->taylor && gcv_taylor_test(m, o, grad, c.cost0, r) != 0)
        goto nomem;
    r->seconds = gcv_now_seconds() - t0;
    free(grad);
    free(ws);
    free(dir);
    free(drill);
    *out = r;
    return GCV_OK;
nomem:
    st = fail(err, GCV_ERR_NOMEM, "out of memory for the check's buffers");
out:
    free(params);
    free(grad);
    free(ws);
    free(dir);
    free(drill);
    gcv_result_free(r);
    return st;
}

/* Examples-parallel evaluation. The loop's threads normally take one parameter each, which
 * starves when there are few parameters to check and each evaluation is large (a sampled
 * check of a net on tens of thousands of examples: a hundred parameters, each evaluation a
 * pass over every example). A model that evaluates its examples in fixed parts (the
 * gcv_model hooks n_parts, cost_part, cost_join) lets the engine turn that around: the
 * loop takes one parameter at a time, and each of its evaluations runs the parts on all the
 * threads, each thread with its own workspace, each part's share into its own slot, and the
 * model joins the shares in part order. The parts are the model's, never the threads', so
 * the cost has the same bits for any thread count, and the same as the model's own
 * cost_perturbed, which runs the same parts one after the other: a report does not depend
 * on which way the work was shared out.
 *
 * The loop sees a copy of the model (the view) whose cost_perturbed is the shared one and
 * whose kinks_crossed sums the parts' kinks; nothing else changes, so the difference schemes,
 * the stop, the budget and the progress work as they do for one thread.
 *
 * The gradient at θ (gradient_part, gradient_join) is shared out the same way whenever there
 * is more than one thread: rounds of as many parts as threads, each part's share into a slot
 * of its own (threads × P doubles), added to the gradient in part order.
 *
 * When: the model has the hooks, the check runs through cost_perturbed (not full passes, not
 * the complex step), more than one thread is asked for (each gets at least one part; no
 * more threads than parts), and either the parameters are few (under GCV_SPLIT_PER_THREAD a
 * thread: sharing them out would leave threads idle at the end, or all of them, as a
 * default thread count caps the loop's threads by the work) or each evaluation is large (at
 * least GCV_SPLIT_PARTS_PER_THREAD parts a thread, so that the time a team takes to meet for
 * each evaluation is small beside it). A workspace is one part's, so splitting costs a few
 * megabytes a thread, not a pass over every example. */
#include "engine/split.h"

#include <omp.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/internal.h"

#define GCV_SPLIT_PER_THREAD 64

/* The gradient's workspaces and slots, a round of up to `t` parts at a time. */
typedef struct grad_round {
    const gcv_model *m;
    const double *theta;
    double *slots; /* t × P */
    void **ws;
    double *shares;
    int t;
} grad_round;

/* Parts [p0, p0 + n) of the gradient into the slots, at once; then grad (p0 = 0: set, else
 * added to) += slot 0 + slot 1 + … in part order, elementwise, so each entry is the sum the
 * model's own gradient() takes one part after the other. Returns non-zero on failure. */
static int gradient_round(const grad_round *g, size_t p0, size_t n, double *grad)
{
    const gcv_model *m = g->m;
    size_t P = m->n_params;
    int bad = 0;
#pragma omp parallel num_threads(g->t) reduction(| : bad)
    {
        void *mine = g->ws[omp_get_thread_num()];
#pragma omp for schedule(static, 1)
        for (size_t q = 0; q < n; q++)
            bad |= m->gradient_part(m, g->theta, p0 + q, mine, g->slots + q * P,
                                    &g->shares[p0 + q]);
    }
    if (bad)
        return bad;
#pragma omp parallel for num_threads(g->t) schedule(static)
    for (size_t i = 0; i < P; i++) {
        double v = p0 ? grad[i] + g->slots[i] : g->slots[i];
        for (size_t q = 1; q < n; q++)
            v += g->slots[q * P + i];
        grad[i] = v;
    }
    return 0;
}

int gcv_split_gradient(const gcv_model *m, const gcv_options *o, const double *theta,
                       double *grad, double *cost, int *done)
{
    *done = 0;
    int t = o->threads > 0 ? o->threads : omp_get_max_threads();
    if (m->n_parts < 2 || !m->gradient_part || !m->gradient_join || t < 2)
        return 0;
    if ((size_t)t > m->n_parts)
        t = (int)m->n_parts;
    size_t P = m->n_params, n = m->n_parts;
    grad_round g = {m, theta, NULL, calloc((size_t)t, sizeof(void *)),
                    malloc(n * sizeof(double)), t};
    g.slots = P <= SIZE_MAX / sizeof(double) / (size_t)t ? malloc((size_t)t * P * sizeof(double))
                                                          : NULL;
    int ok = g.ws && g.shares && g.slots;
#pragma omp parallel for num_threads(t) schedule(static, 1)
    for (int k = 0; k < t; k++)
        if (ok)
            g.ws[k] = gcv_ws_alloc(m->ws_bytes);
    for (int k = 0; ok && k < t; k++)
        ok = g.ws[k] != NULL;
    int bad = 0;
    if (ok) { /* else: not done, the model's own gradient() runs (same bits, one thread) */
        *done = 1;
        for (size_t p0 = 0; p0 < n && !bad; p0 += (size_t)t)
            bad = gradient_round(&g, p0, n - p0 < (size_t)t ? n - p0 : (size_t)t, grad);
        double sum = 0.0;
        for (size_t p = 0; p < n; p++)
            sum += g.shares[p];
        bad = bad || m->gradient_join(m, theta, sum, grad, cost);
    }
    for (int k = 0; g.ws && k < t; k++)
        free(g.ws[k]);
    free(g.ws);
    free(g.shares);
    free(g.slots);
    return bad;
}
#define GCV_SPLIT_PARTS_PER_THREAD 4

static int split_cost_perturbed(const gcv_model *view, size_t idx, double value, void *ws,
                                double *cost)
{
    (void)ws; /* the loop thread's own: the parts use the split's workspaces */
    gcv_split *s = (gcv_split *)(uintptr_t)view; /* view is s's first member; s is not const */
    const gcv_model *m = s->m;
    size_t n = m->n_parts;
    int bad = 0;
#pragma omp parallel num_threads(s->threads) reduction(| : bad)
    {
        void *mine = s->ws[omp_get_thread_num()];
#pragma omp for schedule(static)
        for (size_t p = 0; p < n; p++)
            bad |= m->cost_part(m, idx, value, p, mine, &s->shares[p], &s->kinks[p]);
    }
    size_t k = 0;
    for (size_t p = 0; p < n; p++)
        k += s->kinks[p];
    s->last_kinks = k;
    s->delegate = 0;
    return bad || m->cost_join(m, idx, value, s->shares, cost);
}

static int split_cost(const gcv_model *view, const double *theta, void *ws, double *cost)
{
    gcv_split *s = (gcv_split *)(uintptr_t)view;
    s->delegate = 1;
    return s->m->cost(s->m, theta, ws, cost);
}

static size_t split_kinks(const gcv_model *view, const void *ws)
{
    const gcv_split *s = (const gcv_split *)(const void *)view;
    return s->delegate ? s->m->kinks_crossed(s->m, ws) : s->last_kinks;
}

/* Whether to split, and on how many threads (0: not). */
static int split_threads(const gcv_model *m, const gcv_options *o, int incremental,
                         size_t work)
{
    if (!work || !incremental || o->method == GCV_METHOD_COMPLEX_STEP || m->n_parts < 2 ||
        !m->cost_part || !m->cost_join)
        return 0;
    int nt = o->threads > 0 ? o->threads : omp_get_max_threads();
    if ((size_t)nt > m->n_parts)
        nt = (int)m->n_parts;
    if (nt < 2)
        return 0;
    size_t t = (size_t)nt;
    int few = work < GCV_SPLIT_PER_THREAD * t;
    int large = m->n_parts >= GCV_SPLIT_PARTS_PER_THREAD * t;
    return few || large ? nt : 0;
}

int gcv_split_begin(gcv_split *s, const gcv_model **model, const gcv_options *o, int incremental,
                    size_t work, int *nt)
{
    const gcv_model *m = *model;
    *s = (gcv_split){.m = m};
    int t = split_threads(m, o, incremental, work);
    if (!t)
        return 0;
    s->ws = calloc((size_t)t, sizeof *s->ws);
    s->shares = calloc(m->n_parts, sizeof *s->shares);
    s->kinks = calloc(m->n_parts, sizeof *s->kinks);
    if (!s->ws || !s->shares || !s->kinks) {
        gcv_split_end(s, 0);
        return -1;
    }
    /* Workspace k is made (and first touched) by thread k where the team is whole. */
#pragma omp parallel for num_threads(t) schedule(static, 1)
    for (int k = 0; k < t; k++)
        s->ws[k] = gcv_ws_alloc(m->ws_bytes);
    s->threads = t;
    int ok = 1;
    for (int k = 0; k < t; k++)
        ok &= s->ws[k] != NULL;
    if (!ok) {
        gcv_split_end(s, 0);
        return -1;
    }
    s->view = *m;
    s->view.cost = split_cost;
    s->view.cost_perturbed = split_cost_perturbed;
    s->view.kinks_crossed = m->kinks_crossed ? split_kinks : NULL;
    *model = &s->view;
    *nt = 1;
    return 0;
}

int gcv_split_end(gcv_split *s, int loop_used)
{
    int used = s->threads && loop_used ? s->threads : loop_used;
    for (int k = 0; s->ws && k < s->threads; k++)
        free(s->ws[k]);
    free(s->ws);
    free(s->shares);
    free(s->kinks);
    s->ws = NULL;
    s->shares = NULL;
    s->kinks = NULL;
    return used;
}

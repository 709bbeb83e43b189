/* The process model as a gcv_model: the adapter between the engine's calls and the worker
 * pool's requests (doc/workers.md).
 *
 * The engine evaluates J at θ with one parameter changed (cost_perturbed) and, before each
 * chunk of parameters, announces the values it will ask for (prefetch): those go to a worker
 * in one EVAL frame and their answers wait in the thread's workspace, so a pipe round trip
 * (tens of microseconds) is paid once per chunk and not once per evaluation. A value that
 * was not announced (a smaller step near a kink, the second step that measures truncation)
 * is asked for alone. Either way the answer depends only on the request, never on which
 * worker gave it or what it was batched with. Whole-θ evaluations (the directional method,
 * the Taylor test, --full-passes) send θ whole.
 *
 * The workspace holds which worker the thread prefers and the answers of its last batch; the
 * workers themselves belong to the model (the engine frees workspaces without telling it). */
#include "model/process.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/process_pool.h"
#include "util/strutil.h"

#define CACHE 128 /* answers a workspace keeps: a chunk of up to 32 parameters × 4 evaluations */

typedef struct proc_ws {
    int pref;              /* the worker this thread asks first (1-based; 0: none yet) */
    size_t last_kinks;     /* kinks of the last evaluation */
    size_t n_cache;
    size_t idx[CACHE];
    double val[CACHE];
    gcv_answer ans[CACHE];
    unsigned char req[8 + 16 * CACHE];
    char err[GCV_ERROR_LEN];
} proc_ws;

static size_t round64(size_t n)
{
    return (n + 63) / 64 * 64;
}

/* The buffer for a whole-θ request, after the workspace proper. */
static unsigned char *theta_req(void *ws)
{
    return (unsigned char *)ws + round64(sizeof(proc_ws));
}

/* One request to a worker; on failure a line for the report naming the command, the worker,
 * what went wrong and `what` was evaluated (when note is set), and that line in ws->err. */
static int request(const gcv_model *m, proc_ws *w, const unsigned char *req, uint32_t len,
                   size_t n, gcv_answer *out, const char *what, int note)
{
    gcv_process *p = m->self;
    char why[GCV_ERROR_LEN];
    if (gcv_watch_stopped(&p->watch)) { /* the report says the run stopped; no line here */
        snprintf(w->err, sizeof w->err, "%.180s: the run was stopped", p->shown);
        return -1;
    }
    int k = gcv_pool_take(p, &w->pref, why, sizeof why);
    int rc = k < 0 ? -1 : gcv_pool_eval(p, k, req, len, n, out, why, sizeof why);
    if (k >= 0)
        gcv_pool_release(p, k);
    if (rc == 0)
        return 0;
    snprintf(w->err, sizeof w->err, "%.180s: %.220s, evaluating %.80s", p->shown, why, what);
    if (note)
        gcv_pool_note(p, w->err);
    return -1;
}

/* EVAL of n single-parameter changes. */
static uint32_t perturb_req(unsigned char *req, const size_t *idx, const double *value, size_t n)
{
    gcv_put_u32(req, 1);
    gcv_put_u32(req + 4, (uint32_t)n);
    for (size_t j = 0; j < n; j++) {
        gcv_put_u64(req + 8 + 16 * j, idx[j]);
        gcv_put_f64(req + 16 + 16 * j, value[j]);
    }
    return (uint32_t)(8 + 16 * n);
}

static int prefetch(const gcv_model *m, void *ws, const size_t *idx, const double *value,
                    size_t n)
{
    proc_ws *w = ws;
    if (n > CACHE)
        n = CACHE;
    w->n_cache = 0;
    if (n == 0)
        return 0;
    uint32_t len = perturb_req(w->req, idx, value, n);
    /* A failed batch is not reported: its evaluations are asked for again one by one, and
     * the one that fails then is reported with its parameter. Unless the run was stopped
     * while the batch was out: then there is no "again", and the line names the batch. */
    char what[160], first[64], last[64];
    const gcv_announce *a = &((const gcv_process *)m->self)->a;
    gcv_announce_name(a, idx[0], first, sizeof first);
    gcv_announce_name(a, idx[n - 1], last, sizeof last);
    int one = 1; /* the noise points or a step ladder: every value for one parameter */
    for (size_t j = 1; j < n && one; j++)
        one = idx[j] == idx[0];
    if (one)
        snprintf(what, sizeof what, "parameter %s (index %zu)", first, idx[0]);
    else
        snprintf(what, sizeof what, "a batch of parameters %s to %s", first, last);
    if (request(m, w, w->req, len, n, w->ans, what, 0) != 0) {
        if (gcv_watch_stopped(&((const gcv_process *)m->self)->watch))
            gcv_pool_note(m->self, w->err);
        return -1;
    }
    memcpy(w->idx, idx, n * sizeof *idx);
    memcpy(w->val, value, n * sizeof *value);
    w->n_cache = n;
    return 0;
}

static int cost_perturbed(const gcv_model *m, size_t idx, double value, void *ws, double *cost)
{
    proc_ws *w = ws;
    for (size_t j = 0; j < w->n_cache; j++)
        if (w->idx[j] == idx && memcmp(&w->val[j], &value, sizeof value) == 0) {
            *cost = w->ans[j].cost;
            w->last_kinks = (size_t)w->ans[j].kinks;
            return 0;
        }
    gcv_answer a;
    uint32_t len = perturb_req(w->req, &idx, &value, 1);
    char what[96], name[64];
    gcv_announce_name(&((const gcv_process *)m->self)->a, idx, name, sizeof name);
    snprintf(what, sizeof what, "parameter %s (index %zu)", name, idx);
    w->last_kinks = 0;
    if (request(m, w, w->req, len, 1, &a, what, 1) != 0)
        return 1;
    *cost = a.cost;
    w->last_kinks = (size_t)a.kinks;
    return 0;
}

static int cost_full(const gcv_model *m, const double *theta, void *ws, double *cost)
{
    proc_ws *w = ws;
    unsigned char *req = theta_req(ws);
    gcv_put_u32(req, 2);
    gcv_put_u32(req + 4, 1);
    for (size_t i = 0; i < m->n_params; i++)
        gcv_put_f64(req + 8 + 8 * i, theta[i]);
    gcv_answer a;
    w->last_kinks = 0;
    if (request(m, w, req, (uint32_t)(8 + 8 * m->n_params), 1, &a, "a whole theta (a "
                "direction or a Taylor step)", 1) != 0)
        return 1;
    *cost = a.cost;
    w->last_kinks = (size_t)a.kinks;
    return 0;
}

/* The worker's gradient is the one it announced, at the θ it announced. */
static int gradient(const gcv_model *m, const double *theta, double *grad, void *ws,
                    double *cost)
{
    const gcv_process *p = m->self;
    proc_ws *w = ws;
    if (memcmp(theta, p->a.theta, m->n_params * sizeof *theta) != 0) {
        snprintf(w->err, sizeof w->err, "%s: the gradient is known at the announced theta "
                 "only", p->shown);
        return 1;
    }
    memcpy(grad, p->a.grad, m->n_params * sizeof *grad);
    if (p->a.has_cost) {
        *cost = p->a.cost;
        return 0;
    }
    return cost_full(m, theta, ws, cost);
}

static size_t kinks_crossed(const gcv_model *m, const void *ws)
{
    (void)m;
    return ((const proc_ws *)ws)->last_kinks;
}

static const char *error_line(const gcv_model *m, const void *ws)
{
    (void)m;
    return ((const proc_ws *)ws)->err;
}

static void free_spec(gcv_process_spec *s)
{
    for (size_t k = 0; s->argv && k < s->argc; k++)
        free(s->argv[k]);
    free(s->argv);
    free(s->cwd);
    free(s->options_json);
}

static void destroy(gcv_model *m)
{
    gcv_process *p = m->self;
    if (p) {
        gcv_pool_stop(p);
        pthread_mutex_destroy(&p->lock);
        free_spec(&p->spec);
        free(p);
    }
    free(m);
}

/* Owned copies of the spec, and the command as messages show it. */
static int copy_spec(gcv_process *p, const gcv_process_spec *s)
{
    p->spec.argc = s->argc;
    p->spec.timeout = s->timeout;
    p->spec.argv = calloc(s->argc + 1, sizeof *p->spec.argv);
    if (!p->spec.argv)
        return -1;
    int k = snprintf(p->shown, sizeof p->shown, "model.command [");
    for (size_t j = 0; j < s->argc; j++) {
        if (!(p->spec.argv[j] = gcv_strdup(s->argv[j])))
            return -1;
        if (k > 0 && (size_t)k < sizeof p->shown)
            k += snprintf(p->shown + k, sizeof p->shown - (size_t)k, "%s%s", j ? " " : "",
                          s->argv[j]);
    }
    if (k > 0 && (size_t)k < sizeof p->shown)
        snprintf(p->shown + k, sizeof p->shown - (size_t)k, "]");
    p->spec.cwd = s->cwd ? gcv_strdup(s->cwd) : NULL;
    p->spec.options_json = gcv_strdup(s->options_json ? s->options_json : "{}");
    return (s->cwd && !p->spec.cwd) || !p->spec.options_json ? -1 : 0;
}

static void fill(gcv_model *m, gcv_process *p)
{
    m->self = p;
    m->n_params = p->a.P;
    m->n_blocks = p->a.n_blocks;
    m->blocks = p->a.blocks;
    m->theta = p->a.theta;
    m->ws_bytes = round64(sizeof(proc_ws)) + 8 + 8 * p->a.P;
    m->cost = cost_full;
    m->gradient = gradient;
    m->kinks_crossed = p->a.kinks ? kinks_crossed : NULL;
    m->cost_perturbed = cost_perturbed;
    m->error = error_line;
    m->destroy = destroy;
    m->prefetch = prefetch;
    m->precision = p->a.precision;
    snprintf(m->type, sizeof m->type, "process");
}

gcv_status gcv_process_load(const gcv_process_spec *spec, unsigned workers,
                            const gcv_watch *watch, gcv_model **out, gcv_error *err)
{
    *out = NULL;
    gcv_model *m = calloc(1, sizeof *m);
    gcv_process *p = calloc(1, sizeof *p);
    if (!m || !p || pthread_mutex_init(&p->lock, NULL) != 0) {
        free(m);
        free(p);
        snprintf(err->msg, sizeof err->msg, "out of memory for the process model");
        return GCV_ERR_NOMEM;
    }
    m->self = p;
    m->destroy = destroy;
    if (copy_spec(p, spec) != 0) {
        gcv_model_free(m);
        snprintf(err->msg, sizeof err->msg, "out of memory for the process model");
        return GCV_ERR_NOMEM;
    }
    if (watch)
        p->watch = *watch;
    for (int k = 0; k < GCV_POOL_MAX; k++)
        p->workers[k].wire = (gcv_wire){0, -1};
    gcv_status st = gcv_pool_start(p, workers ? workers : 1, err);
    if (st != GCV_OK) {
        gcv_model_free(m);
        return st;
    }
    fill(m, p);
    *out = m;
    return GCV_OK;
}

const char *gcv_process_description(const gcv_model *m)
{
    return ((const gcv_process *)m->self)->a.description;
}

size_t gcv_process_examples(const gcv_model *m)
{
    return ((const gcv_process *)m->self)->a.examples;
}

size_t gcv_process_notes(const gcv_model *m, const char **out, size_t max)
{
    gcv_process *p = m->self;
    size_t n = 0;
    for (size_t k = 0; k < p->a.n_notes && n < max; k++)
        out[n++] = p->a.notes[k];
    pthread_mutex_lock(&p->lock);
    for (size_t k = 0; k < p->n_fails && k < GCV_POOL_NOTES && n < max; k++)
        if (p->fails[k])
            out[n++] = p->fails[k];
    if (p->n_fails > GCV_POOL_NOTES && n < max) {
        snprintf(p->more, sizeof p->more, "%s: %zu more failed requests", p->shown,
                 p->n_fails - GCV_POOL_NOTES);
        out[n++] = p->more;
    }
    pthread_mutex_unlock(&p->lock);
    return n;
}

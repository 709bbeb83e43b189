/* The worker pool: starting workers and checking that they all announce the same model,
 * lending one to a request at a time, the evaluation round trip, and what happens when a
 * worker dies, hangs or answers wrongly (the request fails with a line naming the worker and
 * why, the worker is stopped, and the next request that needs it starts it again, up to
 * GCV_POOL_RESTARTS times in all). See process_pool.h. */
#include "model/process_pool.h"

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"

/* "worker k: " prefix and the reason, into why. */
static int failed(char *why, size_t n, int k, const char *reason)
{
    char tmp[GCV_ERROR_LEN];
    snprintf(tmp, sizeof tmp, "worker %d: %.480s", k + 1, reason);
    snprintf(why, n, "%s", tmp);
    return -1;
}

static int send_hello(const gcv_process *p, int k, char *why, size_t n)
{
    const char *opt = p->spec.options_json ? p->spec.options_json : "{}";
    size_t ol = strlen(opt);
    unsigned char *buf = malloc(12 + ol);
    if (!buf)
        return snprintf(why, n, "out of memory"), -1;
    gcv_put_u32(buf, GCV_WIRE_VERSION);
    gcv_put_u32(buf + 4, (uint32_t)k);
    gcv_put_u32(buf + 8, (uint32_t)ol);
    memcpy(buf + 12, opt, ol);
    int rc = gcv_wire_send(&p->workers[k].wire, GCV_FRAME_HELLO, buf, (uint32_t)(12 + ol),
                           why, n);
    free(buf);
    return rc;
}

/* Reads a frame of the expected type, of at most max bytes (a worker that announces more is
 * refused before anything is allocated), into a new buffer (*buf, *len). An ERROR frame
 * becomes "it reported: …" in why. */
static int read_frame(const gcv_process *p, int k, unsigned want, double deadline,
                      uint32_t max, unsigned char **buf, uint32_t *len, char *why, size_t n)
{
    const gcv_wire *w = &p->workers[k].wire;
    unsigned type;
    *buf = NULL;
    if (gcv_wire_header(w, &p->watch, deadline, max, &type, len, why, n))
        return -1;
    if (type != want && type != GCV_FRAME_ERROR)
        return snprintf(why, n, "expected a frame of type %u, got type %u", want, type), -1;
    if (!(*buf = malloc(*len + 1u)))
        return snprintf(why, n, "out of memory for a %u-byte frame", *len), -1;
    if (gcv_wire_read(w, &p->watch, deadline, *buf, *len, why, n))
        return free(*buf), *buf = NULL, -1;
    if (type == GCV_FRAME_ERROR) {
        (*buf)[*len] = '\0';
        snprintf(why, n, "it reported: %.400s", (char *)*buf);
        free(*buf);
        *buf = NULL;
        return -2;
    }
    return 0;
}

/* The first difference between worker k's model b and the first worker's a, or 0. */
static int same_model(const gcv_announce *a, const gcv_announce *b, char *why, size_t n)
{
    const char *what = NULL;
    if (a->P != b->P || a->n_blocks != b->n_blocks || a->precision != b->precision ||
        a->has_cost != b->has_cost || a->kinks != b->kinks)
        what = "a different size, block count, precision or flags";
    for (size_t k = 0; !what && k < a->n_blocks; k++)
        if (strcmp(a->blocks[k].name, b->blocks[k].name) || a->ndim[k] != b->ndim[k] ||
            memcmp(a->dims[k], b->dims[k], sizeof a->dims[k]) ||
            a->blocks[k].layer != b->blocks[k].layer)
            what = "different blocks";
    if (!what && memcmp(a->theta, b->theta, a->P * sizeof *a->theta))
        what = "a different theta";
    if (!what && memcmp(a->grad, b->grad, a->P * sizeof *a->grad))
        what = "a different gradient";
    if (!what && a->has_cost && memcmp(&a->cost, &b->cost, sizeof a->cost))
        what = "a different cost";
    if (!what)
        return 0;
    snprintf(why, n, "announced %s than worker 1: every worker must compute the same model "
             "(seed its random numbers, read the same files)", what);
    return -1;
}

/* Starts worker k's process and sends its HELLO (no waiting). */
static int launch(gcv_process *p, int k, char *why, size_t n)
{
    gcv_worker *w = &p->workers[k];
    char r[GCV_ERROR_LEN];
    if (gcv_wire_start(&w->wire, p->spec.argv, p->spec.cwd, (unsigned)k, r, sizeof r) ||
        send_hello(p, k, r, sizeof r)) {
        gcv_wire_stop(&w->wire, 0.0, NULL);
        return failed(why, n, k, r);
    }
    return 0;
}

/* Reads worker k's MODEL: into p->a for the first, else compared with it. */
static int handshake(gcv_process *p, int k, char *why, size_t n)
{
    gcv_worker *w = &p->workers[k];
    unsigned char *buf;
    uint32_t len;
    char r[GCV_ERROR_LEN];
    /* The start-up (an interpreter, its imports, the user's set-up) is bounded by the run's
     * limits only: model.timeout is per evaluation. */
    int rc = read_frame(p, k, GCV_FRAME_MODEL, 0.0, GCV_WIRE_MAX, &buf, &len, r, sizeof r);
    if (rc == 0) {
        gcv_announce mine;
        gcv_announce *into = k == 0 && !p->a.P ? &p->a : &mine;
        rc = gcv_announce_parse(buf, len, into, r, sizeof r);
        if (rc == 0 && into == &mine)
            rc = same_model(&p->a, &mine, r, sizeof r);
        if (into == &mine)
            gcv_announce_free(&mine);
        free(buf);
    }
    if (rc == 0) {
        w->alive = 1;
        return 0;
    }
    int st;
    gcv_wire_stop(&w->wire, 0.5, &st);
    if (strncmp(r, "its output ended", 16) == 0) {
        size_t l = strlen(r);
        snprintf(r + l, sizeof r - l, " (it ");
        gcv_wire_describe_exit(st, r + strlen(r), sizeof r - strlen(r));
        l = strlen(r);
        snprintf(r + l, sizeof r - l, ")");
    }
    return failed(why, n, k, r);
}

gcv_status gcv_pool_start(gcv_process *p, unsigned n, gcv_error *err)
{
    char why[GCV_ERROR_LEN];
    int rc = 0;
    unsigned k;
    if (n > GCV_POOL_MAX)
        n = GCV_POOL_MAX;
    /* All started first, so that their start-ups (an interpreter, its imports) overlap. */
    for (k = 0; k < n && !rc; k++)
        rc = launch(p, (int)k, why, sizeof why);
    atomic_store(&p->n_workers, (int)(rc ? k - 1 : n));
    for (k = 0; !rc && k < n; k++)
        rc = handshake(p, (int)k, why, sizeof why);
    if (!rc)
        return GCV_OK;
    snprintf(err->msg, sizeof err->msg, "%.190s: %.310s", p->shown, why);
    gcv_pool_stop(p);
    return GCV_ERR_INVALID;
}

void gcv_pool_stop(gcv_process *p)
{
    int nw = atomic_load(&p->n_workers);
    /* Every socket closed first: the workers see the end of their input and exit together. */
    for (int k = 0; k < nw; k++) {
        gcv_wire *w = &p->workers[k].wire;
        if (w->fd >= 0) {
            gcv_wire c = *w;
            c.pid = 0;
            gcv_wire_stop(&c, 0.0, NULL);
            w->fd = -1;
        }
    }
    for (int k = 0; k < nw; k++) {
        gcv_wire_stop(&p->workers[k].wire, 2.0, NULL);
        p->workers[k].alive = 0;
    }
    atomic_store(&p->n_workers, 0);
    gcv_announce_free(&p->a);
    for (size_t k = 0; k < p->n_fails && k < GCV_POOL_NOTES; k++)
        free(p->fails[k]);
    p->n_fails = 0;
}

/* Worker k again after a failure (or for the first time, grown): counted against the pool's
 * restarts. */
static int restart(gcv_process *p, int k, char *why, size_t n)
{
    pthread_mutex_lock(&p->lock);
    int allowed = p->restarts < GCV_POOL_RESTARTS;
    p->restarts += (unsigned)allowed;
    pthread_mutex_unlock(&p->lock);
    if (!allowed)
        return snprintf(why, n, "worker %d: not restarted (%d restarts already)", k + 1,
                        GCV_POOL_RESTARTS), -1;
    if (launch(p, k, why, n))
        return -1;
    return handshake(p, k, why, n);
}

static int take_free(gcv_process *p, int nw, int start)
{
    for (int j = 0; j < nw; j++) {
        int k = (start + j) % nw, idle = 0;
        if (atomic_compare_exchange_strong(&p->workers[k].busy, &idle, 1))
            return k;
    }
    return -1;
}

int gcv_pool_take(gcv_process *p, int *pref, char *why, size_t n)
{
    for (;;) {
        int nw = atomic_load(&p->n_workers);
        int k = nw ? take_free(p, nw, *pref > 0 ? *pref - 1 : 0) : -1;
        if (k < 0) {
            /* More threads than workers: one more, while there is room. */
            pthread_mutex_lock(&p->lock);
            nw = atomic_load(&p->n_workers);
            if (nw < GCV_POOL_MAX) {
                k = nw;
                atomic_store(&p->workers[k].busy, 1);
                p->workers[k].alive = 0;
                p->workers[k].wire = (gcv_wire){0, -1};
                atomic_store(&p->n_workers, nw + 1);
            }
            pthread_mutex_unlock(&p->lock);
            if (k < 0) {
                sched_yield();
                continue;
            }
        }
        *pref = k + 1;
        if (!p->workers[k].alive && restart(p, k, why, n)) {
            gcv_pool_release(p, k);
            return -1;
        }
        return k;
    }
}

void gcv_pool_release(gcv_process *p, int k)
{
    atomic_store(&p->workers[k].busy, 0);
}

void gcv_pool_note(gcv_process *p, const char *line)
{
    pthread_mutex_lock(&p->lock);
    int seen = 0; /* both steps of one parameter fail alike: one line says it */
    for (size_t k = 0; k < p->n_fails && k < GCV_POOL_NOTES && !seen; k++)
        seen = p->fails[k] && strcmp(p->fails[k], line) == 0;
    if (!seen && p->n_fails < GCV_POOL_NOTES)
        p->fails[p->n_fails] = gcv_strdup(line);
    p->n_fails += !seen;
    pthread_mutex_unlock(&p->lock);
}

/* The COSTS payload of n answers: count, a zero, then n × (cost, kinks). */
static int parse_costs(const unsigned char *buf, uint32_t len, size_t n, gcv_answer *out,
                       char *why, size_t wn)
{
    if (len != 8 + 16 * n || gcv_get_u32(buf) != n || gcv_get_u32(buf + 4) != 0)
        return snprintf(why, wn, "COSTS frame: expected %zu answers in %zu bytes, got a count "
                        "of %u in %u bytes", n, 8 + 16 * n, len >= 4 ? gcv_get_u32(buf) : 0,
                        len), -1;
    for (size_t j = 0; j < n; j++) {
        out[j].cost = gcv_get_f64(buf + 8 + 16 * j);
        out[j].kinks = gcv_get_u64(buf + 16 + 16 * j);
    }
    return 0;
}

int gcv_pool_eval(gcv_process *p, int k, const unsigned char *req, uint32_t len, size_t n,
                  gcv_answer *out, char *why, size_t wn)
{
    gcv_worker *w = &p->workers[k];
    char r[GCV_ERROR_LEN];
    double deadline = p->spec.timeout > 0.0
                      ? gcv_clock_now() + p->spec.timeout * (double)(n ? n : 1) : 0.0;
    unsigned char *buf = NULL;
    uint32_t blen = 0;
    int rc = gcv_wire_send(&w->wire, GCV_FRAME_EVAL, req, len, r, sizeof r);
    if (!rc)
        rc = read_frame(p, k, GCV_FRAME_COSTS, deadline,
                        (uint32_t)(8 + 16 * n > 4096 ? 8 + 16 * n : 4096), &buf, &blen, r,
                        sizeof r);
    if (!rc)
        rc = parse_costs(buf, blen, n, out, r, sizeof r);
    free(buf);
    if (rc == 0 || rc == -2) /* answered, or reported its own error: still in step */
        return rc ? failed(why, wn, k, r) : 0;
    int st;
    int timed_out = strncmp(r, "no answer", 9) == 0;
    gcv_wire_stop(&w->wire, timed_out ? 0.0 : 0.5, &st);
    w->alive = 0;
    size_t l = strlen(r);
    if (timed_out)
        snprintf(r + l, sizeof r - l, " (%g s per evaluation): killed", p->spec.timeout);
    else if (strncmp(r, "its output ended", 16) == 0 || strncmp(r, "could not write", 15) == 0) {
        snprintf(r + l, sizeof r - l, ": it died, ");
        gcv_wire_describe_exit(st, r + strlen(r), sizeof r - strlen(r));
    }
    return failed(why, wn, k, r);
}

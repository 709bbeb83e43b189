/* The worker pool of a process model: what the workers announced, the running workers, and
 * the evaluation round trip. Shared by process_pool.c (the pool) and process.c (the adapter to
 * a gcv_model); see process.h for what the rest of gcverify sees.
 *
 * Every worker must announce the same model (blocks, θ, gradient, bit for bit): the answers
 * then depend on the request alone, whichever worker gives them, and a report is the same for
 * any number of workers. A worker is taken for one request at a time (an atomic flag), so
 * several threads never share one; the pool grows when more threads ask than were started. */
#ifndef GCV_MODEL_PROCESS_POOL_H
#define GCV_MODEL_PROCESS_POOL_H

#include <pthread.h>
#include <stdatomic.h>

#include "gcverify/gcverify.h"
#include "model/process_spec.h"
#include "model/process_wire.h"

#define GCV_POOL_MAX 256   /* workers at most (threads beyond that wait for one) */
#define GCV_POOL_NOTES 8   /* failure lines kept; later ones are counted */
#define GCV_POOL_RESTARTS 8 /* restarts after failures before the pool gives up */

typedef struct gcv_worker {
    gcv_wire wire;
    atomic_int busy;  /* taken for a request */
    int alive;        /* started and its model matched; 0: (re)start on next use */
} gcv_worker;

/* What a worker announced (its MODEL frame). */
typedef struct gcv_announce {
    gcv_precision precision;
    int has_cost, kinks;
    size_t P, n_blocks, examples;
    gcv_block *blocks;
    unsigned *ndim;            /* per block, 1..4 */
    size_t (*dims)[4];         /* per block, its shape */
    double *theta, *grad;
    double cost;
    char description[256];
    char **notes;
    size_t n_notes;
} gcv_announce;

typedef struct gcv_process {
    gcv_process_spec spec;     /* owned copies */
    char shown[200];           /* "model.command [python3 check.py]" for messages */
    gcv_watch watch;
    gcv_announce a;            /* the first worker's */
    gcv_worker workers[GCV_POOL_MAX];
    atomic_int n_workers;      /* slots in use (started or to restart) */
    pthread_mutex_t lock;      /* growing the pool, restarts and failure lines */
    unsigned restarts;
    char *fails[GCV_POOL_NOTES];
    size_t n_fails;
    char more[GCV_ERROR_LEN]; /* "… N more failed requests" */
} gcv_process;

/* One request's outcome: cost and kinks crossed. */
typedef struct gcv_answer {
    double cost;
    uint64_t kinks;
} gcv_answer;

/* Starts n workers, reads their models, keeps the first one's in p->a (the others must
 * match it). On failure err names the command, the worker and what was wrong; every worker
 * started is stopped. */
gcv_status gcv_pool_start(gcv_process *p, unsigned n, gcv_error *err);

/* Stops every worker and frees the pool's announce and failure lines (not p itself). */
void gcv_pool_stop(gcv_process *p);

/* A worker for one request, preferring *pref (a 1-based index, 0: none; updated): its index,
 * or -1 when none can be had (the reason in why). Release it with gcv_pool_release. */
int gcv_pool_take(gcv_process *p, int *pref, char *why, size_t n);
void gcv_pool_release(gcv_process *p, int k);

/* Sends one EVAL frame (payload as built by the caller: kind, count, entries) to worker k and
 * reads its n answers, waiting up to the timeout per evaluation. Returns 0, or -1 with the
 * reason in why; then the worker is stopped and restarted on its next use. */
int gcv_pool_eval(gcv_process *p, int k, const unsigned char *req, uint32_t len, size_t n,
                  gcv_answer *out, char *why, size_t wn);

/* Keeps one failure line (the first GCV_POOL_NOTES; later ones are counted). */
void gcv_pool_note(gcv_process *p, const char *line);

/* Parses a MODEL payload into a (zeroed first). Returns 0, or -1 with what is wrong in why. */
int gcv_announce_parse(const unsigned char *buf, size_t len, gcv_announce *a, char *why,
                       size_t n);
void gcv_announce_free(gcv_announce *a);

/* "W1[2][3]": parameter i by its block's own shape. */
void gcv_announce_name(const gcv_announce *a, size_t i, char *out, size_t n);

#endif

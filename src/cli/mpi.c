/* gcverify across MPI ranks: the process's start and end (MPI around the command), the
 * agreements every rank joins for each config, and the distributed check with its gather on
 * rank 0. The protocol is described in mpi.h; results travel as the engine's own per-index
 * slots. */
#include "cli/mpi.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/exit.h"
#include "engine/assemble.h"
#include "engine/internal.h"

enum { TAG_WHY = 1, TAG_HEAD, TAG_PARAMS };

/* Per-index results travel in messages of at most 64 MiB: counts stay far below INT_MAX
 * whatever P is, and so does the buffer each side needs. The test build sends 5 at a time,
 * so that the tests go through many chunks. */
#ifdef GCV_MPI_TEST_FAULTS
#define CHUNK ((size_t)5)
#else
#define CHUNK ((size_t)(64u << 20) / sizeof(gcv_param_result))
#endif

static struct {
    MPI_Comm comm;
    int rank, size;
    pid_t pid;         /* the MPI process; a child forked from it (--isolate) is no rank */
    char host[MPI_MAX_PROCESSOR_NAME];
    int argc;
    char **argv;       /* the command line, to recognise a config path in a message */
    int agreed;        /* this config passed its load agreement on this rank */
    int finished;      /* a rank left the loop over configs: no collective is left to join */
    int final_rc;      /* once finished: rank 0's exit code */
    int started;       /* MPI is initialised: gcv_mpi_end finalises it */
    int worst_rc;      /* rank 0: the worst exit code so far (gcv_exit_severity) */
    FILE *real_stderr; /* non-root ranks: stderr while gcverify's own is captured */
    FILE *devnull;
    FILE *capture;     /* non-root ranks: what gcverify writes to stderr, for rank 0 */
    char *captured;
    size_t captured_len;
} g;

/* Set when a rank was asked to stop before the check began: every rank then stops. */
static const volatile sig_atomic_t stop_now = 1;

int gcv_mpi_root(void)
{
    return g.rank == 0;
}

/* In a child the command forked (--isolate, one rank only), MPI must not be touched: it
 * checks and settles as a single process. */
static int forked(void)
{
    return getpid() != g.pid;
}

/* Waits for rq without spinning: a rank that waits for another (rank 0 alone on a
 * directional check, ranks done before the others) must not take a core from the OpenMP
 * threads next to it. The sleep starts at 1 µs and doubles up to 1 ms. */
static void wait_gently(MPI_Request *rq, MPI_Status *status)
{
    long ns = 1000;
    for (;;) {
        int done = 0;
        MPI_Test(rq, &done, status);
        if (done)
            return;
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < 1000000)
            ns *= 2;
    }
}

/* ---- stdout and stderr of the other ranks ---- */

/* gcverify's stderr on a non-root rank goes to memory (glibc lets a program assign stderr),
 * so that rank 0 can print the line of a rank that failed; MPI's own messages, written to
 * file descriptor 2, still show. Elsewhere it goes to /dev/null. */
static void capture_open(void)
{
    g.captured = NULL;
    g.captured_len = 0;
#ifdef __GLIBC__
    g.capture = open_memstream(&g.captured, &g.captured_len);
    stderr = g.capture ? g.capture : g.devnull ? g.devnull : g.real_stderr;
#endif
}

static void capture_close(void)
{
    if (g.capture)
        fclose(g.capture);
    free(g.captured);
    g.capture = NULL;
    g.captured = NULL;
    g.captured_len = 0;
}

static void quiet_begin(void)
{
    /* Should /dev/null not open, the stream is closed: this rank's prints fail quietly. */
    FILE *f = freopen("/dev/null", "w", stdout);
    g.real_stderr = stderr;
#ifdef __GLIBC__
    g.devnull = fopen("/dev/null", "w");
    capture_open();
#else
    f = freopen("/dev/null", "w", stderr);
#endif
    (void)f;
}

static void quiet_end(void)
{
    capture_close();
#ifdef __GLIBC__
    stderr = g.real_stderr;
#endif
    if (g.devnull)
        fclose(g.devnull);
}

/* The last line this rank wrote to stderr, without the "gcverify: " every line starts with
 * nor a leading "PATH: " naming an argument (rank 0 prints the config's path itself). */
static void captured_line(char *buf, size_t n)
{
    snprintf(buf, n, "failed before the check (no message)");
    if (!g.capture || fflush(g.capture) != 0 || !g.captured)
        return;
    size_t end = g.captured_len;
    while (end && (g.captured[end - 1] == '\n' || g.captured[end - 1] == '\r'))
        end--;
    if (end == 0)
        return;
    size_t start = end;
    while (start && g.captured[start - 1] != '\n')
        start--;
    static const char prefix[] = "gcverify: ";
    if (end - start >= sizeof prefix - 1 &&
        memcmp(g.captured + start, prefix, sizeof prefix - 1) == 0)
        start += sizeof prefix - 1;
    for (int i = 1; i < g.argc; i++) {
        size_t k = strlen(g.argv[i]);
        if (k && end - start > k + 2 && memcmp(g.captured + start, g.argv[i], k) == 0 &&
            memcmp(g.captured + start + k, ": ", 2) == 0) {
            start += k + 2;
            break;
        }
    }
    snprintf(buf, n, "%.*s", (int)(end - start), g.captured + start);
}

/* ---- agreements ---- */

/* One agreement: each rank's view, reduced with MAX. B_FINAL: the rank has left the loop over
 * configs; B_STOP: it was asked to stop; B_FAILED: size − rank of a failed rank (so the MAX
 * names the first); B_RC: rank 0's exit code (the others give −1). */
enum { B_FINAL, B_STOP, B_FAILED, B_RC, B_N };

static void ballot(int final, int stop, int failed, int rc, int out[B_N])
{
    int in[B_N] = {final, stop != 0, failed ? g.size - g.rank : 0, g.rank == 0 ? rc : -1};
    MPI_Request rq;
    MPI_Iallreduce(in, out, B_N, MPI_INT, MPI_MAX, g.comm, &rq);
    wait_gently(&rq, MPI_STATUS_IGNORE);
}

/* A rank left the loop over configs while this one began another: a stop reached them on
 * either side of the loop's test. This rank gives up the config, joins no more collectives
 * and exits with rank 0's code (rank 0's worst so far, or its final one). */
static gcv_status finish(const int b[B_N], gcv_error *err)
{
    g.finished = 1;
    g.final_rc = b[B_RC];
    snprintf(err->msg, sizeof err->msg, "not checked: the run was stopped on another rank");
    return GCV_ERR_INVALID;
}

/* The first failed rank sends its reason to rank 0, which puts it into err. */
static void forward_reason(int first, const char *why, gcv_error *err)
{
    char msg[GCV_ERROR_LEN];
    MPI_Request rq;
    if (first <= 0)
        return;
    if (g.rank == first) {
        snprintf(msg, sizeof msg, "rank %d of %d (%s): %s", g.rank, g.size, g.host, why);
        MPI_Isend(msg, (int)sizeof msg, MPI_CHAR, 0, TAG_WHY, g.comm, &rq);
        wait_gently(&rq, MPI_STATUS_IGNORE);
    } else if (g.rank == 0) {
        MPI_Irecv(msg, (int)sizeof msg, MPI_CHAR, first, TAG_WHY, g.comm, &rq);
        wait_gently(&rq, MPI_STATUS_IGNORE);
        msg[sizeof msg - 1] = '\0';
        memcpy(err->msg, msg, sizeof msg);
    }
}

/* Every rank's outcome of one step (loading, checking): GCV_OK when all succeeded. Otherwise
 * every rank returns the first failure's status; rank 0's err then holds that rank's reason
 * (when it is another rank's: rank 0's own is in err already). */
static gcv_status agree(int load, gcv_status st, const char *why, int stop, int *stop_all,
                        gcv_error *err)
{
    int b[B_N];
    ballot(0, stop, st != GCV_OK, g.worst_rc, b);
    if (b[B_FINAL])
        return finish(b, err);
    if (stop_all)
        *stop_all = b[B_STOP];
    if (!b[B_FAILED])
        return GCV_OK;
    int first = g.size - b[B_FAILED];
    forward_reason(first, why, err);
    if (st == GCV_OK && g.rank != 0)
        snprintf(err->msg, sizeof err->msg, "not checked: rank %d failed %s", first,
                 load ? "to load it" : "in its check");
    return st != GCV_OK ? st : GCV_ERR_INVALID;
}

int gcv_mpi_settle(int rc, volatile sig_atomic_t *stop)
{
    gcv_error err;
    if (forked())
        return rc;
    if (!g.finished && !g.agreed) {
        /* This rank failed before its check: the others wait in gcv_mpi_check. */
        char why[GCV_ERROR_LEN];
        captured_line(why, sizeof why);
        (void)agree(1, GCV_ERR_INVALID, why, *stop, NULL, &err);
    }
    g.agreed = 0;
    if (g.rank != 0) {
        capture_close();
        capture_open();
    }
    if (g.finished) {
        *stop = 1;
        return EXIT_PASS;
    }
    if (g.rank == 0 && gcv_exit_severity(rc) > gcv_exit_severity(g.worst_rc))
        g.worst_rc = rc;
    int b[B_N];
    ballot(0, *stop, 0, rc, b);
    if (b[B_FINAL]) {
        (void)finish(b, &err);
        *stop = 1;
        return EXIT_PASS;
    }
    if (b[B_STOP])
        *stop = 1;
    return b[B_RC];
}

static int final_agree(int rc)
{
    if (g.finished)
        return g.rank == 0 ? rc : g.final_rc;
    int b[B_N];
    ballot(1, 0, 0, rc, b);
    return g.rank == 0 ? rc : b[B_RC];
}

/* ---- the distributed check ---- */

#ifdef GCV_MPI_TEST_FAULTS
/* Test builds only (tests/meson.build): GCV_MPI_TEST_FAIL=load:K or check:K makes rank K
 * fail after loading or in its check, as an unreadable file or a failed allocation on one
 * node would. */
static int injected(const char *phase)
{
    const char *s = getenv("GCV_MPI_TEST_FAIL");
    size_t n = strlen(phase);
    char *end;
    if (!s || strncmp(s, phase, n) != 0 || s[n] != ':')
        return 0;
    long k = strtol(s + n + 1, &end, 10);
    return *end == '\0' && end != s + n + 1 && k == g.rank;
}
#endif

/* Index at position t of the indices to check: base[t], or t when every index is. */
static size_t at(const size_t *base, size_t t)
{
    return base ? base[t] : t;
}

/* How many of n positions fall to rank q (positions q, q + R, q + 2R, …). Positions, not
 * index values: gcv_shard_subset's i mod N would put a strided subset (a --shard slice, a
 * --limit spacing) on few ranks. With every index checked the two are the same split. */
static size_t share_count(size_t n, int q)
{
    size_t r = (size_t)g.size, k = (size_t)q;
    return n > k ? (n - k - 1) / r + 1 : 0;
}

/* The indices every rank splits, the same on each: a sample (drawn from the gradient as
 * gcv_check would draw it, within the caller's subset as there), the caller's subset, or every
 * index (*base NULL, *n = P). *owned is what the caller frees. */
static gcv_status base_indices(const gcv_model *m, const gcv_options *o, const size_t **base,
                               size_t *n, size_t **owned, gcv_error *err)
{
    *owned = NULL;
    *base = o->subset;
    *n = o->subset ? o->n_subset : m->n_params;
    if (!o->sample_per_block)
        return GCV_OK;
    *base = NULL;
    *n = m->n_params;
    double *grad = malloc(m->n_params * sizeof *grad), cost = 0.0;
    void *ws = gcv_ws_alloc(m->ws_bytes);
    int ok = grad && ws;
    /* When the gradient fails, gcv_check fails the same way on every rank and says so. */
    if (ok && m->gradient(m, m->theta, grad, ws, &cost) == 0) {
        size_t k = 0;
        ok = (*owned = gcv_sample_order(m, o, grad, &k)) != NULL;
        *base = *owned;
        *n = ok ? gcv_subset_keep(o, *owned, k) : *n; /* within the caller's subset, as gcv_check */
    }
    free(grad);
    free(ws);
    if (ok)
        return GCV_OK;
    snprintf(err->msg, sizeof err->msg, "out of memory for the MPI ranks' shares");
    return GCV_ERR_NOMEM;
}

/* Sends this rank's results to rank 0: a head (parameters checked, threads, stopped), then
 * its share's slots in index order, in chunks through buf. */
static void send_share(const gcv_result *r, const size_t *share, size_t n_share,
                       gcv_param_result *buf, size_t cap)
{
    unsigned long long head[3] = {r ? r->params_checked : 0, r ? (unsigned)r->threads : 0,
                                  r ? (unsigned)r->stopped : 0};
    MPI_Request rq;
    MPI_Isend(head, 3, MPI_UNSIGNED_LONG_LONG, 0, TAG_HEAD, g.comm, &rq);
    wait_gently(&rq, MPI_STATUS_IGNORE);
    for (size_t s = 0; s < n_share; s += cap) {
        size_t k = n_share - s < cap ? n_share - s : cap;
        for (size_t j = 0; j < k; j++)
            memcpy(&buf[j], &r->params[share[s + j]], sizeof *buf);
        MPI_Isend(buf, (int)(k * sizeof *buf), MPI_BYTE, 0, TAG_PARAMS, g.comm, &rq);
        wait_gently(&rq, MPI_STATUS_IGNORE);
    }
}

/* Rank 0: every other rank's slots into r->params; their heads summed into *head. */
static void receive_shares(gcv_result *r, const size_t *base, size_t n_base,
                           gcv_param_result *buf, size_t cap, unsigned long long head[3])
{
    for (int q = 1; q < g.size; q++) {
        unsigned long long h[3];
        MPI_Request rq;
        MPI_Irecv(h, 3, MPI_UNSIGNED_LONG_LONG, q, TAG_HEAD, g.comm, &rq);
        wait_gently(&rq, MPI_STATUS_IGNORE);
        head[0] += h[0];
        head[1] = h[1] > head[1] ? h[1] : head[1];
        head[2] |= h[2];
        size_t n = share_count(n_base, q);
        for (size_t s = 0; s < n; s += cap) {
            size_t k = n - s < cap ? n - s : cap;
            MPI_Status status;
            int bytes = -1;
            MPI_Irecv(buf, (int)(k * sizeof *buf), MPI_BYTE, q, TAG_PARAMS, g.comm, &rq);
            wait_gently(&rq, &status);
            MPI_Get_count(&status, MPI_BYTE, &bytes);
            if (bytes != (int)(k * sizeof *buf)) {
                fprintf(stderr, "gcverify: rank %d sent %d bytes of results, expected %zu "
                        "(every rank must run the same gcverify build)\n", q, bytes,
                        k * sizeof *buf);
                MPI_Abort(g.comm, EXIT_BAD_INPUT);
            }
            for (size_t j = 0; j < k; j++)
                memcpy(&r->params[at(base, (size_t)q + (s + j) * (size_t)g.size)], &buf[j],
                       sizeof *buf);
        }
    }
}

/* Rank 0: the full result from its own (own, with every slot now filled) as gcv_check
 * builds it: the engine's assembly in index order (as the shard merge does) with the
 * options the caller gave, then the Taylor test's orders and evaluations (run here only). */
static gcv_status rebuild(const gcv_model *m, const gcv_options *o, gcv_result *own,
                          const unsigned long long head[3], size_t taylor_evals, int sampled,
                          double t0, gcv_result **out, gcv_error *err)
{
    double *taylor = o->taylor ? malloc(m->n_blocks * sizeof *taylor) : NULL;
    if (o->taylor && !taylor) {
        snprintf(err->msg, sizeof err->msg, "out of memory for the check's buffers");
        return GCV_ERR_NOMEM;
    }
    for (size_t b = 0; taylor && b < m->n_blocks; b++)
        taylor[b] = own->blocks[b].taylor_order;
    /* Every share measured the noise on the whole model as the undivided check does; rank
     * 0's measurement (the same bits on every rank) and its evaluations are the check's. */
    double *noise = malloc(m->n_blocks * sizeof *noise);
    if (!noise) {
        free(taylor);
        snprintf(err->msg, sizeof err->msg, "out of memory for the check's buffers");
        return GCV_ERR_NOMEM;
    }
    for (size_t b = 0; b < m->n_blocks; b++)
        noise[b] = isnan(own->blocks[b].noise) ? -1.0 : own->blocks[b].noise;
    gcv_assembly a = {.params = own->params, .options = own->options, .cost = own->cost,
                      .params_checked = (size_t)head[0], .threads = (int)head[1],
                      .stopped = head[2] != 0, .sampled = own->sampled || sampled,
                      .taylor_order = taylor,
                      .extra_evaluations = taylor_evals, /* the noise's included */
                      .noise_evaluations = own->evaluations_noise, .noise = noise};
    own->params = NULL; /* the assembly takes the slots */
    /* What this rank's own check ran with differs from the caller's options only here. */
    a.options.subset = o->subset;
    a.options.n_subset = o->n_subset;
    a.options.taylor = o->taylor;
    a.options.sample_per_block = o->sample_per_block;
    a.options.progress = o->progress;
    a.options.progress_ctx = o->progress_ctx;
    a.options.stop = o->stop;
    a.options.share_of_whole = o->share_of_whole;
    /* The suspects of the blocks over their threshold, refined here as the undivided check
     * refines them: escalation needs whole blocks, which only rank 0 holds. */
    gcv_status st = gcv_assembly_escalate(m, &a, t0, err);
    if (st == GCV_OK)
        st = gcv_result_assemble(m, &a, out);
    else
        free(a.params);
    free(taylor);
    free(noise);
    free(a.escalated);
    if (st != GCV_OK) {
        snprintf(err->msg, sizeof err->msg, "out of memory for the check's buffers");
        return st;
    }
    (*out)->seconds = gcv_now_seconds() - t0;
    return GCV_OK;
}

/* The check split over the ranks (see mpi.h); t0 is when it began. */
static gcv_status distributed(const gcv_model *m, const gcv_options *o, int stop_all,
                              double t0, gcv_result **out, gcv_error *err)
{
    const size_t *base = NULL;
    size_t *owned = NULL, *share = NULL, n_base = 0, n_share = 0, cap = 0;
    gcv_param_result *buf = NULL;
    gcv_result *r = NULL;
    gcv_status st = base_indices(m, o, &base, &n_base, &owned, err);
    if (st == GCV_OK) {
        n_share = share_count(n_base, g.rank);
        /* Rank 1 has the largest share of the others: rank 0 receives through a buffer
         * that fits one chunk of it. Allocated before the agreement, like everything. */
        size_t biggest = g.rank == 0 ? share_count(n_base, 1) : n_share;
        cap = biggest < CHUNK ? biggest : CHUNK;
        share = malloc((n_share ? n_share : 1) * sizeof *share);
        buf = malloc((cap ? cap : 1) * sizeof *buf);
        if (!share || !buf) {
            snprintf(err->msg, sizeof err->msg, "out of memory for the MPI ranks' shares");
            st = GCV_ERR_NOMEM;
        }
    }
    /* Rank 0 checks even an empty share, so that gcv_check refuses an empty subset there. */
    if (st == GCV_OK && (n_share || g.rank == 0)) {
        for (size_t j = 0; j < n_share; j++)
            share[j] = at(base, (size_t)g.rank + j * (size_t)g.size);
        gcv_options lo = *o;
        lo.subset = share;
        lo.n_subset = n_share;
        lo.sample_per_block = 0; /* drawn already: the share is part of the sample */
        lo.share_of_whole = !o->subset; /* a caller's subset stays one (as a shard) */
        lo.taylor = g.rank == 0 && o->taylor; /* whole blocks: once, on rank 0 */
        if (g.rank != 0)
            lo.progress = NULL;
        if (stop_all)
            lo.stop = &stop_now;
        st = gcv_check(m, &lo, &r, err);
#ifdef GCV_MPI_TEST_FAULTS
        if (st == GCV_OK && injected("check")) {
            gcv_result_free(r);
            r = NULL;
            snprintf(err->msg, sizeof err->msg,
                     "out of memory for the check's buffers (injected by GCV_MPI_TEST_FAIL)");
            st = GCV_ERR_NOMEM;
        }
#endif
    }
    st = agree(0, st, err->msg, 0, NULL, err);
    if (st == GCV_OK && g.rank != 0) {
        send_share(r, share, n_share, buf, cap);
    } else if (st == GCV_OK) {
        /* Rank 0's own evaluations beyond its parameters' are the Taylor test's and the
         * noise measurement's. */
        size_t own_evals = 0;
        for (size_t j = 0; j < n_share; j++)
            own_evals += r->params[share[j]].evaluations;
        unsigned long long head[3] = {r->params_checked, (unsigned)r->threads,
                                      (unsigned)r->stopped};
        receive_shares(r, base, n_base, buf, cap, head);
        st = rebuild(m, o, r, head, r->evaluations - own_evals, o->sample_per_block != 0, t0,
                     out, err);
    }
    gcv_result_free(r);
    free(owned);
    free(share);
    free(buf);
    return st;
}

gcv_status gcv_mpi_check(const gcv_model *m, const gcv_options *o, gcv_result **out,
                         gcv_error *err)
{
    *out = NULL;
    if (forked())
        return gcv_check(m, o, out, err);
    gcv_status st = GCV_OK;
    const char *why = "";
#ifdef GCV_MPI_TEST_FAULTS
    if (injected("load")) {
        why = "injected failure after loading (GCV_MPI_TEST_FAIL)";
        snprintf(err->msg, sizeof err->msg, "%s", why);
        st = GCV_ERR_INVALID;
    }
#endif
    int stop_all = 0;
    g.agreed = 1;
    st = agree(1, st, why, o->stop && *o->stop, &stop_all, err);
    if (st != GCV_OK)
        return st;
    double t0 = gcv_now_seconds();
    /* The directional verdict is a few evaluations per block and a budget is a promise about
     * wall time: both run on rank 0 alone, as one process would run them. */
    if (g.size > 1 && o->method != GCV_METHOD_DIRECTIONAL && !(o->budget_seconds > 0.0))
        return distributed(m, o, stop_all, t0, out, err);
    gcv_options lo = *o;
    if (stop_all)
        lo.stop = &stop_now;
    if (g.rank == 0)
        st = gcv_check(m, &lo, out, err);
    st = agree(0, st, err->msg, 0, NULL, err);
    if (st != GCV_OK) {
        gcv_result_free(*out);
        *out = NULL;
    } else if (*out) {
        (*out)->options.stop = o->stop;
    }
    return st;
}

/* ---- the process ---- */

int gcv_mpi_begin(int *argc, char ***argv)
{
    int provided = 0, len = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fputs("gcverify: MPI_Init_thread failed\n", stderr);
        return EXIT_BAD_INPUT;
    }
    g.started = 1;
    /* Only this thread calls MPI (FUNNELED); the OpenMP threads never do. */
    MPI_Comm_dup(MPI_COMM_WORLD, &g.comm);
    MPI_Comm_rank(g.comm, &g.rank);
    MPI_Comm_size(g.comm, &g.size);
    MPI_Get_processor_name(g.host, &len);
    g.pid = getpid();
    g.argc = *argc;
    g.argv = *argv;
    if (g.rank != 0)
        quiet_begin();
    /* Launchers hand the ranks a pseudo-terminal for stdout (Open MPI does) wherever their
     * own output goes: colour would end up in pipes and files. */
    if (g.size > 1 || getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK"))
        setenv("NO_COLOR", "1", 0);
    for (int i = 1; i < g.argc && g.size > 1; i++)
        if (strcmp(g.argv[i], "--isolate") == 0) {
            fprintf(stderr, "gcverify: --isolate: expected a single process, got %d MPI ranks "
                    "(its child processes cannot take part in the ranks' check)\n", g.size);
            return EXIT_BAD_INPUT;
        }
    /* gcverify merge reads and writes files only: rank 0's job. */
    if (g.rank != 0 && g.argc >= 2 && strcmp(g.argv[1], "merge") == 0)
        return EXIT_PASS;
    return -1;
}

int gcv_mpi_end(int rc)
{
    if (!g.started)
        return rc;
    rc = final_agree(rc);
    if (g.rank != 0)
        quiet_end();
    MPI_Comm_free(&g.comm);
    MPI_Finalize();
    return rc;
}

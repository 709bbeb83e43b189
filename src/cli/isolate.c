/* --isolate (see isolate.h): the supervising parent and its children, the child's plan and
 * hand-over, and the reports of a config whose model crashed. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "cli/isolate.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "cli/exit.h"
#include "report/output.h"
#include "report/schema.h"
#include "util/path.h"

/* Room for how a child died: "SIGSEGV (signal 11)", "exit(5) called by the model". */
#define HOW_LEN 96

static pid_t child_pid;
static volatile sig_atomic_t forwarded;

/* SIGTERM (or SIGINT) to the parent: passed on to the child, which stops cleanly with a
 * partial report; the parent then reports what the child returns. A second one kills the
 * child (SIGKILL): a model stuck where no stop flag is looked at (its loading, its destroy())
 * must not make gcverify deaf to the user. */
static void forward(int sig)
{
    int again = forwarded != 0;
    forwarded = sig;
    if (child_pid > 0)
        kill(child_pid, again ? SIGKILL : sig);
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGTRAP: return "SIGTRAP";
    case SIGSYS: return "SIGSYS";
    default: return "a signal";
    }
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The watchdog's view of the child's stage: 1 while model code runs for long stretches the
 * engine cannot stop (loading the model, the check, destroy()), when hang_seconds applies. */
static int watched(sig_atomic_t s)
{
    return s == GCV_ISO_LOADING || s == GCV_ISO_CHECKING || s == GCV_ISO_CLEANUP;
}

/* One child with the current plan; returns the wait status, or -1 if fork failed. SIGINT
 * and SIGTERM are held while the child starts, so forward() always knows its pid. With
 * hang_seconds > 0, a child still in one stage of the model's lifetime (loading, the check,
 * destroy()) that long after the stage began is killed (SIGKILL) and *hung set: the parent
 * looks every 10 ms. */
static int run_child(gcv_iso_child_fn fn, void *ctx, gcv_iso *iso, int junit_fd,
                     double hang_seconds, int *hung)
{
    *hung = 0;
    iso->stage = GCV_ISO_STARTING;
    iso->rc = 0;
    memset((void *)iso->slots, 0, sizeof iso->slots);
    for (size_t t = 0; t < GCV_ISO_SLOTS; t++)
        iso->slots[t].index = SIZE_MAX;
    fflush(stdout);
    fflush(stderr);
    sigset_t hold, old;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    sigprocmask(SIG_BLOCK, &hold, &old);
    pid_t pid = fork();
    if (pid < 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        return -1;
    }
    if (pid == 0) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGTERM, &dfl, NULL);
        sigaction(SIGINT, &dfl, NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        int rc = fn(ctx, iso, junit_fd);
        iso->stage = GCV_ISO_DONE;
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    child_pid = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    int status = 0;
    double began = 0.0;
    sig_atomic_t seen = GCV_ISO_STARTING;
    for (;;) {
        pid_t r = waitpid(pid, &status, hang_seconds > 0.0 ? WNOHANG : 0);
        if (r == pid || (r < 0 && errno != EINTR))
            break;
        if (r != 0)
            continue; /* EINTR */
        sig_atomic_t s = iso->stage;
        double t = now_seconds();
        if (s != seen) {
            seen = s;
            began = t;
        } else if (watched(s) && !*hung && t - began > hang_seconds) {
            kill(pid, SIGKILL);
            *hung = 1;
        }
        struct timespec nap = {0, 10000000};
        nanosleep(&nap, NULL);
    }
    sigprocmask(SIG_BLOCK, &hold, NULL);
    child_pid = 0; /* not while a handler could still kill() the reaped pid */
    sigprocmask(SIG_SETMASK, &old, NULL);
    return status;
}

/* The child died before finishing its work: by a signal, or by an exit() in the model
 * (gcverify's own exits all pass through the end of the child's work). */
static int died(int st, const gcv_iso *iso)
{
    return WIFSIGNALED(st) || (WIFEXITED(st) && iso->stage != GCV_ISO_DONE);
}

/* "SIGSEGV (signal 11)", "exit(5) called by the model" or, for a child the watchdog
 * killed, "no return within 3.2 s of the check's start (killed)" (of the model's loading, of
 * the start of destroy(): the stage it was killed in). */
static void death(int st, int hung, double hang_seconds, sig_atomic_t stage, char *buf,
                  size_t n)
{
    const char *of = stage == GCV_ISO_LOADING   ? "the model's loading"
                     : stage == GCV_ISO_CLEANUP ? "the start of destroy()"
                                                : "the check's start";
    if (hung && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
        snprintf(buf, n, "no return within %.3g s of %s (killed)", hang_seconds, of);
    else if (WIFSIGNALED(st))
        snprintf(buf, n, "%s (signal %d)", signal_name(WTERMSIG(st)), WTERMSIG(st));
    else
        snprintf(buf, n, "exit(%d) called by the model", WEXITSTATUS(st));
}

/* Block b as the child recorded it, for the crash report. */
static void crash_block(const void *ctx, size_t b, gcv_block *out)
{
    const gcv_iso_block *bl = &((const gcv_iso *)ctx)->blocks[b];
    memset(out, 0, sizeof *out);
    memcpy(out->name, bl->name, sizeof out->name);
    out->layer = bl->layer;
    out->rows = bl->rows;
    out->cols = bl->cols;
    out->offset = bl->offset;
    if (!bl->mapped) { /* an index map stays the plugin's: the report keeps the matrix shape */
        out->ndim = bl->ndim;
        memcpy(out->dims, bl->dims, sizeof out->dims);
        memcpy(out->strides, bl->strides, sizeof out->strides);
    }
}

void gcv_iso_param_name(const gcv_iso *iso, size_t i, char *buf, size_t n)
{
    size_t nb = iso->n_blocks < GCV_ISO_BLOCKS ? iso->n_blocks : GCV_ISO_BLOCKS;
    for (size_t b = 0; b < nb; b++) {
        const gcv_iso_block *bl = &iso->blocks[b];
        if (bl->ndim && !bl->mapped) { /* a view: its entries searched (a crash's report) */
            gcv_block v;
            crash_block(iso, b, &v);
            for (size_t k = 0; k < bl->rows * bl->cols; k++)
                if (gcv_block_index(&v, k) == i) {
                    size_t c[GCV_MAX_DIMS], used = 0;
                    unsigned nd = gcv_block_coords(&v, k, c);
                    used = (size_t)snprintf(buf, n, "%.*s", GCV_NAME_LEN, bl->name);
                    for (unsigned a = 0; a < nd && used < n; a++)
                        used += (size_t)snprintf(buf + used, n - used, "%s%zu", a ? "," : "[",
                                                 c[a]);
                    if (used < n)
                        snprintf(buf + used, n - used, "]");
                    return;
                }
            continue;
        }
        if (!bl->ndim && i >= bl->offset && i - bl->offset < bl->rows * bl->cols) {
            size_t k = i - bl->offset;
            snprintf(buf, n, "%.*s[%zu,%zu]", GCV_NAME_LEN, bl->name, k / bl->cols,
                     k % bl->cols);
            return;
        }
    }
    snprintf(buf, n, "θ[%zu]", i);
}

static const char *stage_text(sig_atomic_t s)
{
    return s == GCV_ISO_LOADING     ? "while loading the config and the model"
           : s == GCV_ISO_REPORTING ? "while writing the reports"
           : s == GCV_ISO_CLEANUP   ? "while freeing the model"
           : s == GCV_ISO_DONE      ? "while exiting"
                                    : "before loading the config";
}

/* The parameters in flight when the child died (every slot not idle, each index once) into
 * cand and phase; returns how many. *in_gradient: a thread was in gradient(); *whole_block:
 * one was in a whole-block evaluation (no index). */
static size_t in_flight(const gcv_iso *iso, size_t *cand, gcv_phase *phase, int *whole_block,
                        int *in_gradient)
{
    size_t nc = 0;
    *whole_block = *in_gradient = 0;
    for (size_t t = 0; t < GCV_ISO_SLOTS; t++) {
        gcv_phase p = (gcv_phase)iso->slots[t].phase;
        size_t i = iso->slots[t].index;
        if (p == GCV_PHASE_IDLE)
            continue;
        *in_gradient |= p == GCV_PHASE_GRADIENT;
        if (i == SIZE_MAX) {
            *whole_block |= p != GCV_PHASE_GRADIENT;
            continue;
        }
        int dup = 0;
        for (size_t k = 0; k < nc; k++)
            dup |= cand[k] == i;
        if (!dup) {
            phase[nc] = p;
            cand[nc++] = i;
        }
    }
    return nc;
}

/* Which of the nc parameters in flight crashes: each alone, on one thread, in a fresh
 * child. Returns its index (SIZE_MAX: none did, or SIGINT/SIGTERM came first), with the
 * model function in *where, its death in how and out->hung. */
static size_t find_culprit(gcv_iso_child_fn fn, void *ctx, gcv_iso *iso, const size_t *cand,
                           size_t nc, double hang_seconds, gcv_phase *where, char *how,
                           gcv_iso_outcome *out)
{
    for (size_t k = 0; k < nc && !forwarded; k++) {
        iso->threads = 1;
        iso->only = 1;
        iso->only_index = cand[k];
        int hung1 = 0;
        int st1 = run_child(fn, ctx, iso, -1, hang_seconds, &hung1);
        if (st1 >= 0 && died(st1, iso) && iso->stage == GCV_ISO_CHECKING &&
            iso->slots[0].index == cand[k]) {
            *where = (gcv_phase)iso->slots[0].phase;
            death(st1, hung1, hang_seconds, iso->stage, how, HOW_LEN);
            out->hung = hung1;
            return cand[k];
        }
    }
    return SIZE_MAX;
}

/* The child crashed (how) while checking: the parameter that did it is pinned down and
 * left out of the next run. Returns 1 to run again, 0 when out is final (the crash could
 * not be pinned to one parameter, the same one crashed again, too many did, or the user
 * stopped the search). */
static int pin_down(gcv_iso_child_fn fn, void *ctx, gcv_iso *iso, double hang_seconds,
                    char *how, gcv_iso_outcome *out)
{
    size_t cand[GCV_ISO_SLOTS];
    gcv_phase phase[GCV_ISO_SLOTS];
    int whole_block, in_gradient;
    size_t nc = in_flight(iso, cand, phase, &whole_block, &in_gradient);
    if (in_gradient) { /* the gradient comes first and alone */
        snprintf(out->what, sizeof out->what, "%s in gradient(), before any parameter "
                 "was perturbed", how);
        return 0;
    }
    if (nc == 0) {
        snprintf(out->what, sizeof out->what, "%s in %s during a whole-block evaluation "
                 "(directional method or Taylor test)", how,
                 whole_block ? "cost()" : "the check");
        return 0;
    }
    gcv_phase where = GCV_PHASE_IDLE;
    size_t culprit = find_culprit(fn, ctx, iso, cand, nc, hang_seconds, &where, how, out);
    if (forwarded) {
        out->interrupted = 1;
        snprintf(out->what, sizeof out->what, "%s; then SIGINT or SIGTERM stopped the "
                 "search for the parameter", how);
        return 0;
    }
    char name[128], list[256] = "";
    if (culprit == SIZE_MAX) {
        size_t len = 0;
        for (size_t k = 0; k < nc && len + 32 < sizeof list; k++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%zu", k ? ", " : "",
                                    cand[k]);
        snprintf(out->what, sizeof out->what, "%s in %s while parameter%s %s %s in "
                 "flight; no single one crashes alone on one thread", how,
                 gcv_phase_name(phase[0]), nc > 1 ? "s" : "", list, nc > 1 ? "were" : "was");
        return 0;
    }
    gcv_iso_param_name(iso, culprit, name, sizeof name);
    snprintf(out->what, sizeof out->what, "%s in %s at parameter %zu, %s (reproduced alone "
             "on one thread)", how, gcv_phase_name(where), culprit, name);
    int again = 0;
    for (size_t e = 0; e < iso->n_exclude; e++)
        again |= iso->exclude[e] == culprit;
    if (again || iso->n_exclude == GCV_ISO_MAX_CRASHES)
        return 0; /* left out and still reached, or too many crash sites: give up */
    /* The what line is under 200 bytes; the note has room for it. */
    snprintf(iso->notes[iso->n_exclude], GCV_ERROR_LEN, "the model %s: %.400s; that "
             "parameter was left unchecked and the verdict is at best inconclusive",
             out->hung ? "hung" : "crashed", out->what);
    iso->exclude[iso->n_exclude++] = culprit;
    out->signal = 0;
    out->hung = 0;
    out->what[0] = '\0';
    return 1;
}

/* One run of the whole check in a child, with the current plan. Returns 1 to run again
 * (a parameter was left out), 0 when out is final, -1 when fork failed (err says why). */
static int one_round(gcv_iso_child_fn fn, void *ctx, gcv_iso *iso, int junit_fd,
                     double hang_seconds, gcv_iso_outcome *out, gcv_error *err)
{
    iso->threads = 0;
    iso->only = 0;
    int hung = 0;
    int st = run_child(fn, ctx, iso, junit_fd, hang_seconds, &hung);
    if (st < 0) {
        snprintf(err->msg, sizeof err->msg, "--isolate: cannot fork: %s", strerror(errno));
        return -1;
    }
    out->interrupted = forwarded != 0;
    char how[HOW_LEN];
    death(st, hung, hang_seconds, iso->stage, how, sizeof how);
    out->hung = hung;
    if (!died(st, iso)) {
        out->exited = 1;
        out->code = WEXITSTATUS(st);
        return 0;
    }
    if (iso->stage == GCV_ISO_CLEANUP) {
        /* The reports are out; the model crashed freeing itself. Keep them, and make
         * sure the crash shows: at least inconclusive. */
        out->exited = 1;
        out->cleanup_crash = 1;
        out->code = iso->rc == 1 || iso->rc == 2 ? iso->rc : 3;
        snprintf(out->what, sizeof out->what, "%s in the model's destroy(), after the "
                 "reports were written", how);
        return 0;
    }
    out->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    if (forwarded) { /* killed on the user's request, not crashed */
        snprintf(out->what, sizeof out->what, "%s sent to gcverify", how);
        return 0;
    }
    if (iso->stage != GCV_ISO_CHECKING) {
        snprintf(out->what, sizeof out->what, "%s %s", how, stage_text(iso->stage));
        return 0;
    }
    return pin_down(fn, ctx, iso, hang_seconds, how, out);
}

int gcv_isolate(gcv_iso_child_fn fn, void *ctx, int junit_fd, double hang_seconds,
                gcv_iso_outcome *out, gcv_error *err)
{
    memset(out, 0, sizeof *out);
    gcv_iso *iso = mmap(NULL, sizeof *iso, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                        -1, 0);
    if (iso == MAP_FAILED) {
        snprintf(err->msg, sizeof err->msg, "--isolate: cannot map shared memory: %s",
                 strerror(errno));
        return -1;
    }
    memset(iso, 0, sizeof *iso);
    out->iso = iso;
    struct sigaction sa, old_term, old_int;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward;
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGINT, &sa, &old_int);
    forwarded = 0;
    int r;
    while ((r = one_round(fn, ctx, iso, junit_fd, hang_seconds, out, err)) > 0)
        continue;
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGINT, &old_int, NULL);
    return r < 0 ? -1 : 0;
}

void gcv_isolate_release(gcv_iso_outcome *out)
{
    if (out->iso)
        munmap(out->iso, sizeof *out->iso);
    out->iso = NULL;
}

/* ---- the command's side: the child's plan and the parent's reports ---- */

gcv_status gcv_iso_plan(gcv_iso *iso, const gcv_model *m, gcv_options *o, size_t **subset,
                        gcv_error *err)
{
    iso->n_params = m->n_params;
    iso->n_blocks = m->n_blocks;
    iso->precision = (int)m->precision;
    for (size_t b = 0; b < m->n_blocks && b < GCV_ISO_BLOCKS; b++) {
        gcv_iso_block *ib = &iso->blocks[b];
        memcpy(ib->name, m->blocks[b].name, GCV_NAME_LEN);
        ib->layer = m->blocks[b].layer;
        ib->offset = m->blocks[b].offset;
        ib->rows = m->blocks[b].rows;
        ib->cols = m->blocks[b].cols;
        ib->ndim = m->blocks[b].ndim;
        memcpy(ib->dims, m->blocks[b].dims, sizeof ib->dims);
        memcpy(ib->strides, m->blocks[b].strides, sizeof ib->strides);
        ib->mapped = m->blocks[b].index != NULL;
    }
    o->trace = iso->slots;
    o->n_trace = GCV_ISO_SLOTS;
    if (iso->threads > 0)
        o->threads = iso->threads;
    /* Every thread must have a trace slot, or a crash could not be pinned down. */
    if (o->threads > GCV_ISO_SLOTS || (o->threads == 0 && omp_get_max_threads() > GCV_ISO_SLOTS))
        o->threads = GCV_ISO_SLOTS;
    if (!iso->only && iso->n_exclude == 0)
        return GCV_OK;
    size_t n = o->subset ? o->n_subset : m->n_params, k = 0;
    size_t *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return GCV_ERR_NOMEM;
    }
    if (iso->only) {
        s[k++] = iso->only_index;
        o->method = o->method == GCV_METHOD_DIRECTIONAL ? GCV_METHOD_CENTRAL : o->method;
        o->sample_per_block = 0;
        o->budget_seconds = 0.0;
        o->taylor = 0;
    } else {
        for (size_t j = 0; j < n; j++) {
            size_t i = o->subset ? o->subset[j] : j;
            int out = 0;
            for (size_t e = 0; e < iso->n_exclude; e++)
                out |= iso->exclude[e] == i;
            if (!out)
                s[k++] = i;
        }
    }
    if (k == 0) {
        free(s);
        snprintf(err->msg, sizeof err->msg, "--isolate: every parameter left to check crashed");
        return GCV_ERR_INVALID;
    }
    free(*subset);
    *subset = s;
    o->subset = s;
    o->n_subset = k;
    return GCV_OK;
}

void gcv_iso_mark(const gcv_iso *iso, const gcv_model *m, gcv_result *r)
{
    for (size_t e = 0; e < iso->n_exclude; e++) {
        size_t b = gcv_block_find(m->blocks, m->n_blocks, iso->exclude[e]);
        if (r->blocks[b].status == GCV_PASS)
            r->blocks[b].status = GCV_INCONCLUSIVE;
    }
    for (size_t l = 0; l < r->n_layers; l++)
        for (size_t b = r->layers[l].first_block;
             b < r->layers[l].first_block + r->layers[l].n_blocks; b++)
            if (r->blocks[b].status == GCV_INCONCLUSIVE && r->layers[l].status == GCV_PASS)
                r->layers[l].status = GCV_INCONCLUSIVE;
    if (iso->n_exclude && r->status == GCV_PASS)
        r->status = GCV_INCONCLUSIVE;
}

void gcv_iso_save_junit(const gcv_junit *junit, size_t before, int fd)
{
    if (fd < 0 || gcv_junit_count(junit) <= before)
        return;
    FILE *f = fdopen(dup(fd), "w");
    if (!f)
        return;
    if (ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0)
        for (size_t i = before; i < gcv_junit_count(junit); i++)
            gcv_junit_suite_save(junit, i, f);
    fclose(f);
}

/* The reports of a config whose model crashed or hung beyond what --isolate works around:
 * the line on stderr and stdout, the JSON report and the JUnit suite. Returns 0, or
 * EXIT_BAD_INPUT when the JSON report could not be written. */
static int crash_reports(const gcv_cli *c, gcv_junit *junit, const char *path,
                         const gcv_iso_outcome *out, gcv_stems *stems, gcv_error *err)
{
    /* The config loads in the parent without running any plugin code: for its name, its
     * report paths and its settings. */
    gcv_config *cfg = NULL;
    const char *name = path;
    char json_buf[4096];
    int rc = 0;
    gcv_config_load(path, c->max_memory, &cfg, err);
    if (cfg) {
        /* the child said what the model computes in, if it got that far */
        if (out->iso->n_params)
            gcv_config_precision_defaults(cfg, (gcv_precision)out->iso->precision);
        gcv_cli_apply(c, cfg);
        name = cfg->name;
    }
    const char *verb = out->hung ? "hung" : "crashed";
    fprintf(stderr, "gcverify: %s: the model %s: %s\n", path, verb, out->what);
    if (!c->quiet)
        printf("%-12s %s · the model %s: %s\n", "INCONCLUSIVE", path, verb, out->what);
    const char *json = c->json ? c->json : cfg ? cfg->json_path : NULL;
    gcv_iso *iso = out->iso;
    if (!iso->stem[0]) /* the child did not get as far as its plan */
        gcv_stems_pick(stems, name, iso->stem, sizeof iso->stem);
    if (c->json_dir)
        json = gcv_path_in_dir(json_buf, sizeof json_buf, c->json_dir, iso->stem, ".json");
    /* The crash report never replaces an input of the run either (the config, its data). */
    gcv_plan plan;
    if (!cfg || gcv_plan_outputs(c, cfg, NULL, stems, 0, &plan, err) != GCV_OK) {
        gcv_output_plan_reset();
        gcv_output_input(path, "the config");
    }
    if (cfg)
        gcv_plan_free(&plan);
    gcv_options dflt;
    gcv_options_default(&dflt);
    if (json && gcv_iso_report_json(json, name, path, cfg ? &cfg->opts : &dflt, out, err) !=
                    GCV_OK) {
        fprintf(stderr, "gcverify: %s\n", err->msg);
        rc = EXIT_BAD_INPUT;
    }
    if (junit) {
        char msg[GCV_ERROR_LEN + 32];
        snprintf(msg, sizeof msg, "the model %s: %s", verb, out->what);
        gcv_junit_add_crash(junit, name, path, msg, err);
    }
    gcv_output_plan_reset();
    gcv_config_free(cfg);
    return rc;
}

int gcv_iso_run_config(const gcv_cli *c, gcv_junit *junit, const char *path,
                       gcv_iso_child_fn fn, void *ctx, volatile sig_atomic_t *stop,
                       gcv_stems *stems)
{
    gcv_error err = {{0}};
    gcv_iso_outcome out;
    FILE *jf = junit ? tmpfile() : NULL;
    if (junit && !jf) {
        fprintf(stderr, "gcverify: --isolate: cannot create a temporary file\n");
        return EXIT_BAD_INPUT;
    }
    int rc = EXIT_INCONCLUSIVE;
    /* The watchdog: a child still loading its model, checking or in destroy() well after
     * --max-seconds should have stopped it (the engine stops between evaluations) is stuck
     * in the model. */
    double hang = c->max_seconds > 0.0 ? c->max_seconds * 1.1 + 2.0 : 0.0;
    if (gcv_isolate(fn, ctx, jf ? fileno(jf) : -1, hang, &out, &err) != 0) {
        fprintf(stderr, "gcverify: %s\n", err.msg);
        rc = EXIT_BAD_INPUT;
    } else if (out.exited) {
        rc = out.code;
        if (out.cleanup_crash)
            fprintf(stderr, "gcverify: %s: the model %s: %s (exit %d)\n", path,
                    out.hung ? "hung" : "crashed", out.what, rc);
        if (jf) {
            rewind(jf);
            if (gcv_junit_suite_load(junit, jf, &err) != GCV_OK) {
                fprintf(stderr, "gcverify: %s\n", err.msg);
                rc = EXIT_BAD_INPUT;
            }
        }
    } else if (crash_reports(c, junit, path, &out, stems, &err) != 0) {
        rc = EXIT_BAD_INPUT;
    }
    if (out.iso && out.iso->stem[0] && gcv_stems_add(stems, out.iso->stem) != 0)
        rc = EXIT_BAD_INPUT;
    if (out.interrupted)
        *stop = 1; /* SIGINT/SIGTERM: no further configs, as without --isolate */
    gcv_isolate_release(&out);
    if (jf)
        fclose(jf);
    return rc;
}

typedef struct crash_ctx {
    const char *name, *config;
    const gcv_options *o;
    const gcv_iso_outcome *out;
} crash_ctx;

static int write_crash(FILE *f, void *p)
{
    const crash_ctx *c = p;
    const gcv_iso *iso = c->out->iso;
    gcv_schema_crash cr = {
        .name = c->name, .config = c->config, .o = c->o, .params_total = iso->n_params,
        .signal = c->out->signal, .hung = c->out->hung, .where = c->out->what,
        .left_out = iso->exclude, .n_left_out = iso->n_exclude,
        .n_blocks = iso->n_blocks < GCV_ISO_BLOCKS ? iso->n_blocks : GCV_ISO_BLOCKS,
        .block = crash_block, .block_ctx = iso};
    return gcv_schema_write_crash(f, &cr);
}

gcv_status gcv_iso_report_json(const char *path, const char *name, const char *config,
                               const gcv_options *o, const gcv_iso_outcome *out,
                               gcv_error *err)
{
    crash_ctx c = {name, config, o, out};
    return gcv_write_atomic(path, write_crash, &c, "JSON report", err);
}

/* One config's run (see run.h): load, check, describe, report, and the end of the config,
 * which every MPI rank reaches whatever happened. */
#include "cli/run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/exit.h"
#include "cli/export.h"
#include "cli/mpi.h"
#include "cli/progress.h"
#include "cli/subset.h"
#include "model/build.h"
#include "model/mlp_describe.h"
#include "model/plugin.h"
#include "model/process.h"
#include "report/baseline.h"
#include "report/html.h"
#include "report/report.h"
#include "util/path.h"
#include "util/watch.h"

volatile sig_atomic_t gcv_stop_requested;

/* Model code can run (a plugin, without --isolate): an exit() now is the model's. */
static volatile sig_atomic_t model_active;

static void on_signal(int sig)
{
    (void)sig;
    gcv_stop_requested = 1;
}

static void model_exit_guard(void)
{
    if (model_active) {
        static const char msg[] = "gcverify: the model called exit() during the check: no "
                                  "report (--isolate gives one)\n";
        if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
            _exit(EXIT_INCONCLUSIVE);
        _exit(EXIT_INCONCLUSIVE);
    }
}

void gcv_run_guard_model_exit(void)
{
    atexit(model_exit_guard);
}

/* One config's state, from loading to the exit code. */
typedef struct one {
    gcv_run *run;
    const gcv_cli *c;
    const char *path;
    size_t junit_before;        /* --junit: suites before this config (it adds one, an
                                 * <error> one when it could not be checked) */
    gcv_config *cfg;
    gcv_model *model;
    gcv_result *res;
    gcv_baseline *base;
    gcv_html_history hist;      /* --history: earlier reports for the HTML page */
    gcv_regressions reg;
    gcv_junit *own_junit;       /* report.junit of this config alone */
    size_t *subset;
    gcv_error err;
    double started;             /* when this config's run began (gcv_clock_now): the limits
                                 * (--max-seconds, --budget) count from here */
    int unwritten;              /* checked, but a report could not be written */
    char desc[256], float_note[320]; /* the report's description, and notes it points to */
    char *notes[64];
    size_t n_notes;
} one;

/* ---- loading ---- */

/* The baseline for this config: --baseline, or DIR/<name>.json when present. */
static gcv_status load_baseline(one *o)
{
    char buf[4096];
    const char *path = o->c->baseline;
    if (!path && o->c->baseline_dir) {
        path = gcv_path_in_dir(buf, sizeof buf, o->c->baseline_dir, o->cfg->name, ".json");
        if (access(path, F_OK) != 0)
            return GCV_OK; /* no previous night for this config: nothing to compare */
    }
    return path ? gcv_baseline_load(path, &o->base, &o->err) : GCV_OK;
}

/* From the start of a config's run a signal stops it cleanly with a partial report, in the
 * set-up too (θ's initialisation, the model's cached pass, the check's own set-up look at the
 * flag), as --max-seconds does. */
static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The config and its model, the command line laid over them, the subset, the history, an
 * isolated child's plan and the baseline. Returns 0, or -1 with the reason on stderr. The
 * config is loaded within the run's limits, which the model's set-up then sees too. */
static int load(one *o)
{
    const gcv_cli *c = o->c;
    gcv_iso *iso = o->run->iso;
    gcv_options limits = {.stop = &gcv_stop_requested, .started = o->started,
                          .max_seconds = c->max_seconds};
    catch_stop_signals();
    if (gcv_config_load_limited(o->path, c->max_memory, &limits, &o->cfg, &o->err) != GCV_OK) {
        fprintf(stderr, "gcverify: %s\n", o->err.msg);
        return -1;
    }
    gcv_config *cfg = o->cfg;
    if (iso)
        iso->stage = GCV_ISO_LOADING;
    model_active = !iso && cfg->is_plugin;
    if (c->threads >= 0) /* a process model starts one worker per thread of the check */
        cfg->opts.threads = c->threads;
    if (gcv_config_model_new(cfg, &o->model, &o->err) != GCV_OK) {
        fprintf(stderr, "gcverify: %s: %s\n", o->path, o->err.msg);
        return -1;
    }
    /* A float model gets float defaults where the file set none; the command line still
     * overrides both. */
    gcv_config_precision_defaults(cfg, o->model->precision);
    gcv_cli_apply(c, cfg);
    if (gcv_config_check_memory(cfg, o->model, &o->err) != GCV_OK ||
        gcv_cli_subset(c->limit, c->sharded ? &c->shard : NULL, o->model->n_params, &cfg->opts,
                       &o->subset, &o->err) != GCV_OK ||
        (gcv_mpi_root() && gcv_html_history_load(c->history, c->n_history, cfg->name, &o->hist,
                                                 &o->err) != GCV_OK) ||
        (iso && gcv_iso_plan(iso, o->model, &cfg->opts, &o->subset, &o->err) != GCV_OK) ||
        (c->export_dir && cfg->is_plugin &&
         (snprintf(o->err.msg, sizeof o->err.msg, "--export: expected a built-in mlp model, "
                   "got a plugin (it owns its data)"), 1)) ||
        (gcv_mpi_root() && load_baseline(o) != GCV_OK)) {
        fprintf(stderr, "gcverify: %s: %s\n", o->path, o->err.msg);
        return -1;
    }
    return 0;
}

/* ---- the check ---- */

/* The check (with -Dmpi=enabled every rank's share of it), with the progress bar. */
static gcv_status check(one *o)
{
    gcv_options *opts = &o->cfg->opts;
    opts->stop = &gcv_stop_requested;
    opts->max_seconds = o->c->max_seconds;
    opts->started = o->started; /* the limits cover loading and building too */
    int bar = gcv_progress_wanted(o->c->quiet);
    if (bar)
        opts->progress = gcv_progress_show;
    gcv_iso *iso = o->run->iso;
    if (iso)
        iso->stage = GCV_ISO_CHECKING;
    gcv_status st = gcv_mpi_check(o->model, opts, &o->res, &o->err);
    if (iso)
        iso->stage = GCV_ISO_REPORTING;
    if (bar)
        gcv_progress_clear();
    return st;
}

/* ---- the reports ---- */

static int use_color(void)
{
    const char *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
}

static int baseline_member(FILE *f, const void *ctx)
{
    return gcv_baseline_json(f, ctx);
}

/* "plugin libmodel.so (float32): the plugin's own description" */
static void describe_plugin(const gcv_config *cfg, const gcv_model *m, char *buf, size_t n)
{
    const char *lib = strrchr(cfg->plugin_library, '/');
    const char *d = gcv_plugin_description(m);
    snprintf(buf, n, "plugin %s%s%s%s", lib ? lib + 1 : cfg->plugin_library,
             m->precision == GCV_FLOAT ? " (float32)" : "", *d ? ": " : "", d);
}

/* "process python3 check.py (float32): the worker's own description" */
static void describe_process(const gcv_config *cfg, const gcv_model *m, char *buf, size_t n)
{
    int k = snprintf(buf, n, "process");
    for (size_t j = 0; j < cfg->process_argc && k > 0 && (size_t)k < n; j++)
        k += snprintf(buf + k, n - (size_t)k, " %s", cfg->process_argv[j]);
    const char *d = gcv_process_description(m);
    if (k > 0 && (size_t)k < n)
        snprintf(buf + k, n - (size_t)k, "%s%s%s", m->precision == GCV_FLOAT ? " (float32)" : "",
                 *d ? ": " : "", d);
}

/* What every report says about the config: its name, model, description line and notes
 * (the config's, a float32 model's settings, the parameters an isolated run left out). */
static gcv_report_info describe(one *o)
{
    const gcv_config *cfg = o->cfg;
    gcv_iso *iso = o->run->iso;
    for (size_t k = 0; k < cfg->n_notes && k < 32; k++)
        o->notes[o->n_notes++] = cfg->notes[k];
    if (o->model->precision == GCV_FLOAT) {
        snprintf(o->float_note, sizeof o->float_note,
                 "float32 model: steps are rounded to float32 and taken as rounded, error floors "
                 "use float's unit roundoff u = 2^-24; epsilon %g, threshold %g, rtol %g, atol %g "
                 "(float32 defaults for what the config does not set)", cfg->opts.epsilon,
                 cfg->opts.threshold, cfg->opts.rtol, cfg->opts.atol);
        o->notes[o->n_notes++] = o->float_note;
    }
    for (size_t k = 0; iso && k < iso->n_exclude; k++)
        o->notes[o->n_notes++] = iso->notes[k];
    if (cfg->is_process) {
        const char **room = (const char **)(o->notes + o->n_notes);
        size_t left = sizeof o->notes / sizeof o->notes[0] - o->n_notes;
        o->n_notes += gcv_process_notes(o->model, room, left < 16 ? left : 16);
        describe_process(cfg, o->model, o->desc, sizeof o->desc);
    } else if (cfg->is_plugin) {
        describe_plugin(cfg, o->model, o->desc, sizeof o->desc);
    } else {
        gcv_mlp_spec spec;
        gcv_config_mlp_spec(cfg, &spec);
        gcv_mlp_describe(&spec, o->desc, sizeof o->desc);
    }
    return (gcv_report_info){
        .name = cfg->name,
        .config = o->path,
        .model_type = cfg->is_process ? "process" : cfg->is_plugin ? "plugin" : "mlp",
        .layers = cfg->is_plugin ? NULL : cfg->sizes,
        .n_layers = cfg->is_plugin ? 0 : cfg->n_layers + 1,
        .description = o->desc,
        .examples = cfg->is_process  ? gcv_process_examples(o->model)
                    : cfg->is_plugin ? gcv_plugin_examples(o->model)
                                     : cfg->m,
        .top = cfg->top,
        .params_mode = (int)cfg->params_mode,
        .color = use_color(),
        .expect = !cfg->expect_fail ? GCV_EXPECT_PASS
                  : o->c->sharded   ? GCV_EXPECT_FAIL_SLICE
                                    : GCV_EXPECT_FAIL,
        .notes = o->n_notes ? o->notes : NULL,
        .n_notes = o->n_notes,
        .json_extra = o->base ? baseline_member : NULL,
        .json_extra_ctx = &o->reg,
        /* --shard K/N as the user wrote it (K from 1) */
        .shard_index = o->c->sharded ? o->c->shard.index + 1 : 0,
        .shard_count = o->c->sharded ? o->c->shard.count : 0,
    };
}

/* How the verdict meets the config's "expect" (GCV_EXPECT_*): "FAIL (expected)" or
 * "expected to fail, but passed"; NULL when it expects a pass, the check was inconclusive,
 * or a shard passed (its slice may not hold the fault: the merge judges). */
static const char *expect_note(int expect, const gcv_result *r)
{
    if (expect == GCV_EXPECT_PASS || r->status == GCV_INCONCLUSIVE)
        return NULL;
    if (r->status == GCV_FAIL)
        return "FAIL (expected)";
    return expect == GCV_EXPECT_FAIL ? "expected to fail, but passed" : NULL;
}

/* With several configs, one line each. */
static void summary_line(const char *path, const gcv_model *m, const gcv_result *r,
                         const gcv_regressions *reg, int expect)
{
    char t[32];
    double s = r->seconds;
    snprintf(t, sizeof t, s < 1.0 ? "%.1f ms" : "%.2f s", s < 1.0 ? s * 1e3 : s);
    const char *word = r->status == GCV_PASS   ? "PASS"
                       : r->status == GCV_FAIL ? "FAIL"
                                               : "INCONCLUSIVE";
    if (reg && reg->n && r->status != GCV_FAIL)
        word = "REGRESSION";
    const char *note = expect_note(expect, r);
    if (note)
        word = r->status == GCV_FAIL ? "XFAIL" : "XPASS";
    printf("%-12s %s · %zu params · difference %.2e · %zu of %zu blocks failed", word, path,
           m->n_params, r->difference, r->blocks_failed, r->n_blocks);
    if (reg)
        printf(" · %zu regression%s", reg->n, reg->n == 1 ? "" : "s");
    if (note)
        printf(" · %s", r->status == GCV_FAIL ? "failed as expected" : note);
    printf(" · %s\n", t);
}

/* On stdout: the text report (and the baseline comparison), or the summary line. */
static void print_text(const one *o, const gcv_report_info *info)
{
    if (o->c->quiet)
        return;
    if (o->c->n_configs > 1) {
        summary_line(o->path, o->model, o->res, o->base ? &o->reg : NULL, info->expect);
    } else {
        gcv_report_text(stdout, info, o->model, o->res);
        if (o->base)
            gcv_baseline_text(stdout, &o->reg);
        const char *note = expect_note(info->expect, o->res);
        if (note)
            printf("\nexpect  fail · %s%s\n", note,
                   o->res->status == GCV_PASS ? ": the fault is no longer caught" : "");
    }
    fflush(stdout);
}

/* --html, --html-dir or report.html: the HTML page, with the --history reports and the
 * baseline. Nothing to do when none names a path. */
static gcv_status html_report(one *o, const gcv_report_info *info)
{
    char buf[4096];
    const gcv_cli *c = o->c;
    const char *path = c->html ? c->html : o->cfg->html_path;
    if (c->html_dir)
        path = gcv_path_in_dir(buf, sizeof buf, c->html_dir, o->cfg->name, ".html");
    if (!path)
        return GCV_OK;
    gcv_html_options ho = {.history = &o->hist, .baseline = o->base,
                           .regressions = o->base ? &o->reg : NULL};
    return gcv_report_html(path, info, o->model, o->res, &ho, &o->err);
}

/* The report files: JSON (a shard's partial one), parameters CSV, HTML, JUnit. */
static gcv_status write_files(one *o, const gcv_report_info *info)
{
    char buf[4096];
    const gcv_cli *c = o->c;
    const gcv_config *cfg = o->cfg;
    const gcv_regressions *reg = o->base ? &o->reg : NULL;
    gcv_junit *junit = o->run->junit;
    const char *json = c->json ? c->json : cfg->json_path;
    if (c->json_dir)
        json = gcv_path_in_dir(buf, sizeof buf, c->json_dir, cfg->name, ".json");
    gcv_status st = GCV_OK;
    if (json)
        st = c->sharded ? gcv_shard_report_json(json, info, o->model, o->res, &c->shard, &o->err)
                        : gcv_report_json(json, info, o->model, o->res, &o->err);
    if (!st && c->params_csv)
        st = gcv_report_params_csv(c->params_csv, o->model, o->res, &o->err);
    if (!st)
        st = html_report(o, info);
    if (!st && junit) {
        st = gcv_junit_add(junit, info, o->model, o->res, reg, &o->err);
    } else if (!st && cfg->junit_path && !c->junit) {
        st = gcv_junit_new(&o->own_junit, &o->err);
        if (!st)
            st = gcv_junit_add(o->own_junit, info, o->model, o->res, reg, &o->err);
        if (!st)
            st = gcv_junit_write(o->own_junit, cfg->junit_path, &o->err);
    }
    return st;
}

/* After the check st: the verdict against the baseline, --export, the reports; returns the
 * config's exit code. */
static int report(one *o, gcv_status st)
{
    gcv_iso *iso = o->run->iso;
    if (st == GCV_OK && !gcv_mpi_root()) /* rank 0 reports; its exit code is all's */
        return EXIT_PASS;
    if (iso && iso->only) /* a silent re-run of one parameter: no reports */
        return st == GCV_OK ? gcv_exit_code(o->res->status) : EXIT_BAD_INPUT;
    if (st == GCV_OK && iso)
        gcv_iso_mark(iso, o->model, o->res);
    if (st != GCV_OK || (o->base && gcv_baseline_compare(o->base, o->model, o->res,
                                                         o->c->baseline_factor, &o->reg,
                                                         &o->err))) {
        fprintf(stderr, "gcverify: %s: %s\n", o->path, o->err.msg);
        return EXIT_BAD_INPUT;
    }
    if (o->c->export_dir &&
        gcv_export_inputs(o->c->export_dir, o->cfg, o->model, &o->err) != GCV_OK) {
        fprintf(stderr, "gcverify: --export: %s\n", o->err.msg);
        return EXIT_BAD_INPUT;
    }
    gcv_report_info info = describe(o);
    /* One config: its text report, then the files. Several: each one's summary line once
     * its files are written, so that a config whose report cannot be written has one line,
     * the ERROR one (finish), not a PASS line and then an ERROR line. */
    int several = o->c->n_configs > 1;
    if (!several)
        print_text(o, &info);
    if (write_files(o, &info) != GCV_OK) {
        fprintf(stderr, "gcverify: %s\n", o->err.msg);
        o->unwritten = 1;
        return EXIT_BAD_INPUT;
    }
    if (several)
        print_text(o, &info);
    int rc = gcv_exit_code(o->res->status);
    /* A regression fails the run even when every threshold still passes. */
    if (o->reg.n && gcv_exit_severity(rc) < gcv_exit_severity(EXIT_MISMATCH))
        rc = EXIT_MISMATCH;
    /* "expect": "fail": the expected mismatch is 0, a pass an error everyone must see. */
    if (info.expect == GCV_EXPECT_FAIL && o->res->status == GCV_PASS)
        fprintf(stderr, "gcverify: %s: expected to fail, but passed (\"expect\": \"fail\")\n",
                o->path);
    return gcv_exit_expected(rc, o->res->status, o->reg.n > 0, info.expect);
}

/* ---- the end ---- */

/* The end of the config, whatever happened: the ranks' agreement, the line and JUnit suite
 * of a config that was not checked, an isolated child's hand-over, and the frees. */
static int finish(one *o, int rc)
{
    gcv_junit *junit = o->run->junit;
    gcv_iso *iso = o->run->iso;
    rc = gcv_mpi_settle(rc, &gcv_stop_requested); /* every rank: rank 0's code, one stop for all */
    if (o->c->n_configs > 1 && rc == EXIT_BAD_INPUT && !o->c->quiet)
        printf("%-12s %s · %s (see stderr)\n", "ERROR", o->path,
               o->unwritten ? "checked, report not written" : "not checked");
    if (rc == EXIT_BAD_INPUT && junit && gcv_junit_count(junit) == o->junit_before) {
        /* not checked (the config, the model, the memory estimate, the gradient, a
         * baseline): the suite says why */
        gcv_error jerr = {{0}};
        gcv_junit_add_error(junit, o->cfg ? o->cfg->name : o->path, o->path, o->err.msg, &jerr);
    }
    if (iso) { /* the reports are out: hand them over before the model is freed */
        gcv_iso_save_junit(junit, o->run->iso_junit_before, o->run->iso_junit_fd);
        fflush(stdout);
        iso->rc = rc;
        iso->stage = GCV_ISO_CLEANUP;
    }
    free(o->subset);
    gcv_junit_free(o->own_junit);
    gcv_regressions_free(&o->reg);
    gcv_baseline_free(o->base);
    gcv_html_history_free(&o->hist);
    gcv_result_free(o->res);
    gcv_model_free(o->model);
    model_active = 0;
    gcv_config_free(o->cfg);
    return rc;
}

int gcv_run_one(gcv_run *run, const char *path)
{
    one o;
    memset(&o, 0, sizeof o);
    o.run = run;
    o.c = run->cli;
    o.path = path;
    o.started = gcv_clock_now();
    o.junit_before = run->junit ? gcv_junit_count(run->junit) : 0;
    int rc = EXIT_BAD_INPUT;
    if (load(&o) == 0)
        rc = report(&o, check(&o));
    return finish(&o, rc);
}

int gcv_run_child(void *ctx, gcv_iso *iso, int junit_fd)
{
    gcv_run_job *job = ctx;
    gcv_run *run = job->run;
    run->iso = iso;
    run->iso_junit_fd = junit_fd;
    run->iso_junit_before = gcv_junit_count(run->junit);
    return gcv_run_one(run, job->path);
}

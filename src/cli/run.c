/* One config's run (see run.h): load, check, describe, report, and the end of the config,
 * which every MPI rank reaches whatever happened. */
#include "cli/run.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/exit.h"
#include "cli/export.h"
#include "cli/mpi.h"
#include "cli/outputs.h"
#include "cli/progress.h"
#include "cli/subset.h"
#include "engine/memory.h"
#include "model/build.h"
#include "model/dumped.h"
#include "model/mlp_describe.h"
#include "model/plugin.h"
#include "model/preflight.h"
#include "model/process.h"
#include "report/baseline.h"
#include "report/html.h"
#include "report/output.h"
#include "report/report.h"
#include "util/path.h"
#include "util/watch.h"

volatile sig_atomic_t gcv_stop_requested;

/* Model code can run (a plugin, without --isolate): an exit() now is the model's. */
static volatile sig_atomic_t model_active;
/* The check runs: an exit() now is the model's or the OpenMP runtime's (libgomp exits with
 * status 1, gcverify's mismatch code, when it cannot start a thread). */
static volatile sig_atomic_t check_running;

static void on_signal(int sig)
{
    (void)sig;
    gcv_stop_requested = 1;
}

static void model_exit_guard(void)
{
    if (check_running && !model_active) {
        static const char msg[] = "gcverify: the OpenMP runtime ended the check (its line "
                                  "above says why): no report\n";
        if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
            _exit(EXIT_INCONCLUSIVE);
        _exit(EXIT_INCONCLUSIVE);
    }
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
    gcv_plan plan;              /* the paths of its outputs, checked before the check */
    size_t *subset;
    gcv_error err;
    double started;             /* when this config's run began (gcv_clock_now): the limits
                                 * (--max-seconds, --budget) count from here */
    int unwritten;              /* checked, but a report could not be written */
    char desc[256], float_note[320]; /* the report's description, and notes it points to */
    char dump_note[640];        /* a gradient dump: whose gradient, and how the costs agree */
    gcv_preflight preflight;    /* a plugin's pre-flight checks (model/preflight.h) */
    char *notes[64];
    size_t n_notes;
} one;

/* ---- loading ---- */

/* The baseline for this config: --baseline, or DIR/<stem>.json when present. */
static gcv_status load_baseline(one *o)
{
    const char *path = o->plan.baseline_path;
    if (path && !o->c->baseline && access(path, F_OK) != 0)
        return GCV_OK; /* no previous night for this config: nothing to compare */
    return path ? gcv_baseline_load(path, o->c->max_memory, &o->base, &o->err) : GCV_OK;
}

/* From the start of a config's run a signal stops it cleanly with a partial report, in the
 * set-up too (θ's initialisation, the model's cached pass, the check's own set-up look at the
 * flag), as --max-seconds does. */
static struct sigaction old_int, old_term;

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
}

/* Once the reports are out, SIGINT and SIGTERM act as they did before the config (a model
 * whose destroy() hangs can still be interrupted); a stop that came meanwhile stays in the
 * flag, so no further config is begun. */
static void release_stop_signals(void)
{
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
}

/* The outputs' paths, checked now (before the check; on rank 0, the one that writes them),
 * and the stem they use taken for this config (an isolated child hands it to the parent). */
static gcv_status plan(one *o)
{
    gcv_iso *iso = o->run->iso;
    gcv_status st = gcv_plan_outputs(o->c, o->cfg, o->model, &o->run->stems,
                                     gcv_mpi_root() && !(iso && iso->only), &o->plan, &o->err);
    if (st == GCV_OK && gcv_stems_add(&o->run->stems, o->plan.stem) != 0) {
        snprintf(o->err.msg, sizeof o->err.msg, "out of memory");
        st = GCV_ERR_NOMEM;
    }
    if (st == GCV_OK && iso)
        snprintf(iso->stem, sizeof iso->stem, "%s", o->plan.stem);
    return st;
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
    gcv_config_edit edit = gcv_override_edit(&c->overrides);
    if (gcv_config_load_full(o->path, c->max_memory, &limits, &edit, c->gradients, &o->cfg,
                             &o->err) != GCV_OK) {
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
        gcv_override_name(&c->overrides, o->err.msg, sizeof o->err.msg);
        fprintf(stderr, "gcverify: %s: %s\n", o->path, o->err.msg);
        return -1;
    }
    /* A float model gets float defaults where the file set none; the command line still
     * overrides both. */
    gcv_config_precision_defaults(cfg, o->model->precision);
    gcv_cli_apply(c, cfg);
    if (plan(o) != GCV_OK) {
        fprintf(stderr, "gcverify: %s\n", o->err.msg);
        return -1;
    }
    if (gcv_config_check_memory(cfg, o->model, &o->err) != GCV_OK ||
        gcv_cli_check_memory(c, cfg, &o->err) != GCV_OK ||
        gcv_cli_subset(c->limit, c->sharded ? &c->shard : NULL, o->model->n_params, &cfg->opts,
                       &o->subset, &o->err) != GCV_OK ||
        (gcv_mpi_root() && gcv_html_history_load(c->history, c->n_history, o->plan.stem,
                                                 c->max_memory, &o->hist, &o->err) != GCV_OK) ||
        (iso && gcv_iso_plan(iso, o->model, &cfg->opts, &o->subset, &o->err) != GCV_OK) ||
        (c->export_dir && cfg->is_plugin &&
         (snprintf(o->err.msg, sizeof o->err.msg, "--export: expected a built-in mlp model, "
                   "got a plugin (it owns its data)"), 1)) ||
        (gcv_mpi_root() && load_baseline(o) != GCV_OK) ||
        /* A plugin's pre-flight checks (model/preflight.h), once the check is known to fit
         * in memory. Not in an --isolate child: there a crash or a hang must be pinned to
         * the check's own traced calls. */
        (cfg->is_plugin && !iso && gcv_preflight_run(o->model, gcv_check_threads(cfg->opts.threads),
                                                 &o->preflight, &o->err))) {
        fprintf(stderr, "gcverify: %s: %s\n", o->path, o->err.msg);
        return -1;
    }
    return 0;
}

/* ---- the check ---- */

/* A gradient dump with the user's cost J: gcverify's cost at the same θ and data must agree
 * before the gradient means anything. Returns 0 (with a note for the report) when it does
 * or there is nothing to compare, -1 with the line on stderr when it does not. */
static int dump_cost_agrees(one *o)
{
    const gcv_config *cfg = o->cfg;
    if (!cfg->grad)
        return 0;
    const char *base = strrchr(cfg->gradients.file, '/');
    base = base && base[1] ? base + 1 : cfg->gradients.file;
    if (!cfg->has_cost) {
        snprintf(o->dump_note, sizeof o->dump_note, "gradients: the analytic gradient checked "
                 "is the one in %s; it holds no cost J to compare with the network's", base);
        return 0;
    }
    double ours, rel;
    int r = gcv_dumped_cost_differs(o->model, cfg->cost, &ours, &rel);
    if (r == 0) {
        snprintf(o->dump_note, sizeof o->dump_note, "gradients: the analytic gradient checked "
                 "is the one in %s; its cost %s = %.17g agrees with the network's (relative "
                 "difference %.1e)", base, cfg->cost_name, cfg->cost, rel);
        return 0;
    }
    if (!gcv_mpi_root()) /* every rank sees the same costs; rank 0 says so */
        return -1;
    fprintf(stderr, "gcverify: %s: cost differs: %s in %s is %.17g, the config's network at "
            "the same parameters and data gives %.17g (relative difference %.2e, more than "
            "%g): the forward pass or the loss differ from the config's (layers, activations, "
            "loss, l2), so the gradient was not checked\n", o->path, cfg->cost_name, base,
            cfg->cost, ours, rel, gcv_dumped_cost_rtol(o->model->precision));
    if (o->c->n_configs > 1 && !o->c->quiet)
        printf("%-12s %s · cost differs (see stderr)\n", "FAIL", o->path);
    return -1;
}

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
    check_running = !iso; /* an isolated child's exit is the parent's to report */
    gcv_status st = gcv_mpi_check(o->model, opts, &o->res, &o->err);
    check_running = 0;
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
    if (o->dump_note[0])
        o->notes[o->n_notes++] = o->dump_note;
    if (cfg->is_plugin && o->preflight.note[0])
        o->notes[o->n_notes++] = o->preflight.note;
    if (cfg->is_plugin && !cfg->is_process && gcv_plugin_uses_openmp(o->model))
        o->notes[o->n_notes++] = "the plugin uses OpenMP: its own parallel regions run on one "
                                 "thread inside gcverify's threads (no nesting, no "
                                 "oversubscription)";
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
    const char *path = o->plan.html_path;
    if (!path)
        return GCV_OK;
    gcv_html_options ho = {.history = &o->hist, .baseline = o->base,
                           .regressions = o->base ? &o->reg : NULL};
    return gcv_report_html(path, info, o->model, o->res, &ho, &o->err);
}

/* The report files: JSON (a shard's partial one), parameters CSV, HTML, JUnit. */
static gcv_status write_files(one *o, const gcv_report_info *info)
{
    const gcv_cli *c = o->c;
    const gcv_regressions *reg = o->base ? &o->reg : NULL;
    gcv_junit *junit = o->run->junit;
    const char *json = o->plan.json_path;
    gcv_status st = GCV_OK;
    if (json)
        st = c->sharded ? gcv_shard_report_json(json, info, o->model, o->res, &c->shard, &o->err)
                        : gcv_report_json(json, info, o->model, o->res, &o->err);
    if (!st && o->plan.params_csv)
        st = gcv_report_params_csv(o->plan.params_csv, o->model, o->res, &o->err);
    if (!st)
        st = html_report(o, info);
    if (!st && junit) {
        st = gcv_junit_add(junit, info, o->model, o->res, reg, &o->err);
    } else if (!st && o->plan.junit_own) {
        st = gcv_junit_new(&o->own_junit, &o->err);
        if (!st)
            st = gcv_junit_add(o->own_junit, info, o->model, o->res, reg, &o->err);
        if (!st)
            st = gcv_junit_write(o->own_junit, o->plan.junit_own, &o->err);
    }
    return st;
}

/* --export and the report files, staged: all of them, or (one failed) none. */
static gcv_status write_set(one *o, const gcv_report_info *info)
{
    gcv_output_stage();
    gcv_status st = GCV_OK;
    if (o->c->export_dir &&
        (st = gcv_export_inputs(o->c->export_dir, o->cfg, o->model, &o->err)) != GCV_OK) {
        char msg[GCV_ERROR_LEN];
        memcpy(msg, o->err.msg, sizeof msg);
        if (snprintf(o->err.msg, sizeof o->err.msg, "--export: %s", msg) < 0)
            o->err.msg[0] = '\0';
    }
    if (st == GCV_OK)
        st = write_files(o, info);
    if (st == GCV_OK)
        return gcv_output_commit(&o->err);
    gcv_output_discard();
    return st;
}

/* After the check st: the verdict against the baseline, --export, the reports; returns the
 * config's exit code. */
static int report_in_c(one *o, gcv_status st)
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
    gcv_report_info info = describe(o);
    /* One config: its text report, then the files. Several: each one's summary line once
     * its files are written, so that a config whose report cannot be written has one line,
     * the ERROR one (finish), not a PASS line and then an ERROR line. */
    int several = o->c->n_configs > 1;
    if (!several)
        print_text(o, &info);
    if (write_set(o, &info) != GCV_OK) {
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

/* The reports in the "C" locale on this thread: a plugin that called setlocale(LC_ALL,
 * "de_DE.UTF-8") would otherwise put decimal commas into the text, JSON, CSV, HTML and JUnit
 * reports' numbers. */
static int report(one *o, gcv_status st)
{
    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    int rc = report_in_c(o, st);
    if (c) {
        uselocale(old);
        freelocale(c);
    }
    return rc;
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
    release_stop_signals();
    gcv_plan_free(&o->plan);
    gcv_output_plan_reset(); /* the next config names its own inputs and outputs */
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
        rc = dump_cost_agrees(&o) ? EXIT_MISMATCH : report(&o, check(&o));
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

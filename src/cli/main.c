/* The gcverify command: parses the command line, loads the config, runs the check and
 * writes the reports. Exit codes (DESIGN.md): 0 pass, 1 mismatch, 2 bad input, 3 inconclusive. */
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "cli/isolate.h"
#include "config/config.h"
#include "data/npy.h"
#include "gcverify/gcverify.h"
#include "model/build.h"
#include "model/mlp.h"
#include "model/plugin.h"
#include "report/baseline.h"
#include "report/html.h"
#include "report/junit.h"
#include "report/merge.h"
#include "report/report.h"
#ifdef GCV_HAVE_MPI
#include "cli/mpi.h" /* -Dmpi=enabled: the check split across MPI ranks (src/cli/mpi.c) */
#else
#define gcv_mpi_root() 1 /* one process: it writes the reports */
#endif

enum { EXIT_PASS = 0, EXIT_MISMATCH = 1, EXIT_BAD_INPUT = 2, EXIT_INCONCLUSIVE = 3 };

static const char usage[] =
    "usage: gcverify [options] CONFIG.json [CONFIG.json …]\n"
    "       gcverify merge PART.json … -o FULL.json [--quiet]\n"
    "\n"
    "Checks a network's backpropagation against numerical differentiation, every parameter,\n"
    "in parallel. Exit status: 0 pass, 1 gradient mismatch, 2 bad command/config/data,\n"
    "3 inconclusive (non-finite cost or gradient, or stopped early). With several configs,\n"
    "one summary line each and the worst status: 2, then 1, then 3, then 0.\n"
    "\n"
    "options (override the config file):\n"
    "  --threads N         OpenMP threads (0: OMP_NUM_THREADS or all cores)\n"
    "  --method M          central | forward | backward | five_point | richardson |\n"
    "                      complex_step | directional (see the README: choosing a method)\n"
    "  --epsilon E         perturbation step (default 1e-6), or auto: c·max(|θᵢ|, 1) with c\n"
    "                      the step that balances truncation and rounding for the method\n"
    "  --drill-down        with --method directional: then check every parameter of each\n"
    "                      failing block (central differences)\n"
    "  --directions N      with --method directional: directions per block (default 3)\n"
    "  --taylor            also run the Taylor remainder test per block (observed order)\n"
    "  --full-passes       evaluate every perturbation with a full forward pass (default:\n"
    "                      incremental, from a cached pass, where the model supports it)\n"
    "  --threshold T       a block passes when its normalized difference <= T (default 1e-7)\n"
    "  --json PATH         write the JSON report (schema gcverify.report/1) to PATH\n"
    "  --params-csv PATH   every checked parameter as CSV (index, block, row, column, θ,\n"
    "                      analytic, numeric, errors, floor, status)\n"
    "  --junit PATH        JUnit XML for CI servers: a testsuite per config, a testcase per block\n"
    "  --html PATH         a self-contained HTML page of plots (config: report.html)\n"
    "  --html-dir DIR      several configs: DIR/<name>.html each\n"
    "  --history PATH      an earlier report (or DIR/<name>.json) for the HTML history chart\n"
    "  --baseline PATH     compare with a previous JSON report: a block whose difference grew\n"
    "                      more than --baseline-factor (default 10), a new failure or changed\n"
    "                      parameter counts is a regression and exits 1\n"
    "  --baseline-dir DIR  several configs: DIR/<name>.json each, where present\n"
    "  --shard K/N         check the K-th (0-based) of N interleaved slices of the parameters\n"
    "                      and write a partial report to --json, for gcverify merge\n"
    "  --json-dir DIR      write DIR/<name>.json for each config (several configs)\n"
    "  --params MODE       parameters listed in the JSON report: none | mismatches | all\n"
    "  --top N             worst parameters listed in the text report (default 10)\n"
    "  --max-memory SIZE   refuse checks estimated above SIZE bytes (suffixes K, M, G, T;\n"
    "                      default: the machine's available memory)\n"
    "  --sample K          check K parameters per block: the largest |g| (a quarter of K)\n"
    "                      and seeded random others (--sample-seed S, default 0)\n"
    "  --budget SECONDS    check what fits in the time: every block covered, largest |g|\n"
    "                      first, then seeded random ones; the report lists which\n"
    "  --limit K           check only K parameters spread evenly over θ (for timing runs;\n"
    "                      the JSON report lists which were checked)\n"
    "  --export DIR        also write what was checked as .npy files: W1.npy, b1.npy, …,\n"
    "                      X.npy (n0 × m) and Y.npy (nL × m), to reproduce it elsewhere\n";
/* The rest of the text (one string literal would pass the 4095 bytes C11 guarantees). */
static const char usage_end[] =
    "  --max-seconds S     stop after S seconds with a partial, inconclusive report (exit 3);\n"
    "                      SIGINT and SIGTERM stop the same way\n"
    "  --isolate           check each config in a child process: a crash in the model (a\n"
    "                      plugin) is reported with the function and parameter it hit, that\n"
    "                      parameter is left out, and the rest is checked (exit 3); with\n"
    "                      --max-seconds, a hang in the model too (killed at 1.1 S + 2 s)\n"
    "  --quiet             no text report and no progress bar; the exit status and files only\n"
    "  --help              this text\n"
    "  --version           the version\n";

typedef struct cli {
    const char *config;    /* the first config */
    const char **configs;  /* every config named, in order */
    size_t n_configs;
    const char *json_dir;  /* several configs: DIR/<name>.json each */
    const char *params_csv;
    int threads;           /* -1: from the config */
    int method_set;
    gcv_method method;
    double epsilon, threshold; /* NAN: from the config */
    const char *json;
    int params_mode;       /* -1: from the config */
    long top;              /* -1: from the config */
    size_t max_memory;
    int quiet;
    int epsilon_auto;
    int taylor;
    int full_passes;
    const char *export_dir;
    long limit;            /* 0: every parameter */
    double max_seconds;    /* 0: no limit */
    int drill_down;
    long directions;       /* 0: from the config */
    const char *junit;
    const char *baseline, *baseline_dir;
    double baseline_factor;
    int sharded;
    gcv_shard shard;
    gcv_junit *junit_doc;  /* the suites gathered over every config */
    long sample;           /* 0: from the config */
    long sample_seed;
    double budget;
    const char *html;      /* --html PATH */
    const char *html_dir;  /* several configs: DIR/<name>.html each */
    const char **history;  /* --history paths, oldest first (the caller's array) */
    size_t n_history;
    int isolate;           /* --isolate */
    gcv_iso *iso;          /* in an isolated child: the plan and the shared trace */
    int iso_junit_fd;      /* in an isolated child: where its JUnit suites go (-1: none) */
    size_t iso_junit_before; /* suites the document had when the child started */
} cli;

static int bad_arg(const char *opt, const char *expected, const char *got)
{
    fprintf(stderr, "gcverify: %s: expected %s, got '%s'\n", opt, expected, got ? got : "");
    return EXIT_BAD_INPUT;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_positive(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0.0) || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    double mult = 1.0;
    if (*end == 'K' || *end == 'k')
        mult = 0x1p10;
    else if (*end == 'M')
        mult = 0x1p20;
    else if (*end == 'G')
        mult = 0x1p30;
    else if (*end == 'T')
        mult = 0x1p40;
    if (mult != 1.0)
        end++;
    if (errno || end == s || *end || !(v > 0.0) || v * mult >= 0x1p63)
        return -1;
    *out = (size_t)(v * mult);
    return 0;
}

/* Returns -1 when the command line is fine, or the exit code to stop with. */
static int parse_args(int argc, char **argv, cli *c)
{
    const char **configs = c->configs; /* the caller's array for the config paths */
    const char **history = c->history; /* and for the --history paths */
    *c = (cli){NULL, configs, 0, NULL, NULL, -1, 0, GCV_METHOD_CENTRAL, NAN, NAN, NULL, -1, -1, 0, 0, 0, 0, 0, NULL, 0, 0.0, 0, 0, NULL, NULL, NULL,
               GCV_BASELINE_FACTOR, 0, {0, 0}, NULL, 0, -1, 0.0, NULL, NULL, history, 0, 0, NULL, -1, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            fputs(usage_end, stdout);
            return EXIT_PASS;
        }
        if (strcmp(a, "--version") == 0) {
            printf("gcverify %s\n", GCV_VERSION);
            return EXIT_PASS;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            c->quiet = 1;
            continue;
        }
        if (strcmp(a, "--taylor") == 0) {
            c->taylor = 1;
            continue;
        }
        if (strcmp(a, "--drill-down") == 0) {
            c->drill_down = 1;
            continue;
        }
        if (strcmp(a, "--full-passes") == 0) {
            c->full_passes = 1;
            continue;
        }
        if (strcmp(a, "--isolate") == 0) {
            c->isolate = 1;
            continue;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (!c->config)
                c->config = a;
            c->configs[c->n_configs++] = a;
            continue;
        }
        static const char *const with_value[] = {"--threads", "--method", "--epsilon",
                                                 "--threshold", "--json", "--params",
                                                 "--top", "--max-memory", "--export",
                                                 "--limit", "--max-seconds",
                                                 "--json-dir", "--params-csv", "--directions",
                                                 "--sample", "--sample-seed", "--budget",
                                                 "--junit", "--baseline", "--baseline-dir",
                                                 "--baseline-factor", "--shard",
                                                 "--html", "--html-dir", "--history"};
        int known = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof *with_value; k++)
            known |= strcmp(a, with_value[k]) == 0;
        if (!known)
            return bad_arg("option", "one of the options in gcverify --help", a);
        if (i + 1 >= argc)
            return bad_arg(a, "a value", NULL);
        const char *v = argv[++i];
        long n;
        if (strcmp(a, "--threads") == 0) {
            if (parse_long(v, 0, 4096, &n))
                return bad_arg(a, "an integer from 0 to 4096", v);
            c->threads = (int)n;
        } else if (strcmp(a, "--method") == 0) {
            if (gcv_method_parse(v, &c->method))
                return bad_arg(a, "one of central, forward, backward, five_point, richardson, "
                                  "complex_step, directional", v);
            c->method_set = 1;
        } else if (strcmp(a, "--epsilon") == 0) {
            if (strcmp(v, "auto") == 0)
                c->epsilon_auto = 1;
            else if (parse_positive(v, &c->epsilon) || c->epsilon >= 1.0)
                return bad_arg(a, "a number in (0, 1) or auto", v);
        } else if (strcmp(a, "--threshold") == 0) {
            if (parse_positive(v, &c->threshold))
                return bad_arg(a, "a positive number", v);
        } else if (strcmp(a, "--json") == 0) {
            c->json = v;
        } else if (strcmp(a, "--export") == 0) {
            c->export_dir = v;
        } else if (strcmp(a, "--junit") == 0) {
            c->junit = v;
        } else if (strcmp(a, "--html") == 0) {
            c->html = v;
        } else if (strcmp(a, "--html-dir") == 0) {
            c->html_dir = v;
        } else if (strcmp(a, "--history") == 0) {
            c->history[c->n_history++] = v;
        } else if (strcmp(a, "--baseline") == 0) {
            c->baseline = v;
        } else if (strcmp(a, "--baseline-dir") == 0) {
            c->baseline_dir = v;
        } else if (strcmp(a, "--baseline-factor") == 0) {
            if (parse_positive(v, &c->baseline_factor) || c->baseline_factor < 1.0)
                return bad_arg(a, "a number ≥ 1", v);
        } else if (strcmp(a, "--shard") == 0) {
            if (gcv_shard_parse(v, &c->shard) != 0)
                return bad_arg(a, "K/N with 0 ≤ K < N, such as 0/4", v);
            c->sharded = 1;
        } else if (strcmp(a, "--sample") == 0) {
            if (parse_long(v, 1, 1L << 40, &n))
                return bad_arg(a, "a positive integer (parameters per block)", v);
            c->sample = n;
        } else if (strcmp(a, "--sample-seed") == 0) {
            if (parse_long(v, 0, 1L << 53, &n))
                return bad_arg(a, "an integer from 0 to 2^53", v);
            c->sample_seed = n;
        } else if (strcmp(a, "--budget") == 0) {
            if (parse_positive(v, &c->budget))
                return bad_arg(a, "a positive number of seconds", v);
        } else if (strcmp(a, "--directions") == 0) {
            if (parse_long(v, 1, 1000, &n))
                return bad_arg(a, "an integer from 1 to 1000", v);
            c->directions = n;
        } else if (strcmp(a, "--params-csv") == 0) {
            c->params_csv = v;
        } else if (strcmp(a, "--json-dir") == 0) {
            c->json_dir = v;
        } else if (strcmp(a, "--max-seconds") == 0) {
            if (parse_positive(v, &c->max_seconds))
                return bad_arg(a, "a positive number of seconds", v);
        } else if (strcmp(a, "--limit") == 0) {
            if (parse_long(v, 1, 1L << 40, &n))
                return bad_arg(a, "a positive integer", v);
            c->limit = n;
        } else if (strcmp(a, "--params") == 0) {
            gcv_params_mode pm;
            if (gcv_params_mode_parse(v, &pm))
                return bad_arg(a, "none, mismatches or all", v);
            c->params_mode = (int)pm;
        } else if (strcmp(a, "--top") == 0) {
            if (parse_long(v, 0, 1000000, &n))
                return bad_arg(a, "an integer from 0 to 1000000", v);
            c->top = n;
        } else if (parse_size(v, &c->max_memory)) {
            return bad_arg(a, "a size in bytes such as 512M or 8G", v);
        }
    }
    if (!c->config) {
        fputs("gcverify: expected a config file (gcverify --help for usage)\n", stderr);
        return EXIT_BAD_INPUT;
    }
    if (c->sharded && (!c->json || c->n_configs > 1 || c->budget > 0.0 || c->sample))
        return bad_arg("--shard", "one config, --json PATH for the partial report, and no "
                       "--budget or --sample", c->json ? c->config : "no --json");
    const char *single = c->json ? "--json" : c->export_dir ? "--export"
                         : c->params_csv ? "--params-csv" : c->baseline ? "--baseline" : NULL;
    if (c->n_configs > 1 && c->html)
        return bad_arg("--html", "a single config (with several, use --html-dir DIR for one "
                       "page each)", c->html);
    if (c->n_configs > 1 && single)
        return bad_arg(single, "a single config (with several, use --json-dir DIR for one "
                       "report each)", c->json ? c->json : c->export_dir ? c->export_dir
                                                   : c->params_csv ? c->params_csv : c->baseline);
    return -1;
}

static void apply_overrides(const cli *c, gcv_config *cfg)
{
    if (c->threads >= 0)
        cfg->opts.threads = c->threads;
    if (c->method_set)
        cfg->opts.method = c->method;
    if (!isnan(c->epsilon)) {
        cfg->opts.epsilon = c->epsilon;
        cfg->opts.epsilon_auto = 0;
    }
    if (c->epsilon_auto)
        cfg->opts.epsilon_auto = 1;
    if (c->taylor)
        cfg->opts.taylor = 1;
    if (c->full_passes)
        cfg->opts.full_passes = 1;
    if (c->drill_down)
        cfg->opts.drill_down = 1;
    if (c->directions)
        cfg->opts.directions = (unsigned)c->directions;
    if (c->sample)
        cfg->opts.sample_per_block = (size_t)c->sample;
    if (c->sample_seed >= 0)
        cfg->opts.sample_seed = (uint64_t)c->sample_seed;
    if (c->budget > 0.0)
        cfg->opts.budget_seconds = c->budget;
    if (!isnan(c->threshold))
        cfg->opts.threshold = c->threshold;
    if (c->params_mode >= 0)
        cfg->params_mode = (gcv_params_mode)c->params_mode;
    if (c->top >= 0)
        cfg->top = (size_t)c->top;
}

/* "mlp 4-5-3-1, relu → sigmoid, binary_cross_entropy, l2 0.1, dropout keep 0.8" */
static void describe(const gcv_config *cfg, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "mlp ");
    for (size_t l = 0; l <= cfg->n_layers && k < n; l++)
        k += (size_t)snprintf(buf + k, n - k, "%s%zu", l ? "-" : "", cfg->sizes[l]);
    int uniform = 1;
    for (size_t l = 1; l + 1 < cfg->n_layers; l++)
        uniform &= cfg->hidden[l] == cfg->hidden[0];
    for (size_t l = 0; l + 1 < cfg->n_layers && k < n; l++) {
        k += (size_t)snprintf(buf + k, n - k, "%s%s", l ? "/" : ", ",
                              gcv_act_get(cfg->hidden[l])->name);
        if (uniform)
            break;
    }
    if (k < n)
        k += (size_t)snprintf(buf + k, n - k, " → %s, %s", gcv_act_get(cfg->output)->name,
                              gcv_loss_get(cfg->loss)->name);
    if (cfg->l2 > 0.0 && k < n)
        k += (size_t)snprintf(buf + k, n - k, ", l2 %g", cfg->l2);
    if (cfg->keep_prob < 1.0 && k < n)
        k += (size_t)snprintf(buf + k, n - k, ", dropout keep %g", cfg->keep_prob);
    if (cfg->n_inject && k < n)
        snprintf(buf + k, n - k, ", %zu fault%s injected", cfg->n_inject,
                 cfg->n_inject == 1 ? "" : "s");
}

/* "plugin libmodel.so (float32): the plugin's own description" */
static void describe_plugin(const gcv_config *cfg, const gcv_model *m, char *buf, size_t n)
{
    const char *lib = strrchr(cfg->plugin_library, '/');
    const char *d = gcv_plugin_description(m);
    snprintf(buf, n, "plugin %s%s%s%s", lib ? lib + 1 : cfg->plugin_library,
             m->precision == GCV_FLOAT ? " (float32)" : "", *d ? ": " : "", d);
}

/* --isolate, in the child: the JUnit suites this config added, into the parent's file. */
static void iso_save_junit(const cli *c)
{
    if (c->iso_junit_fd < 0 || gcv_junit_count(c->junit_doc) <= c->iso_junit_before)
        return;
    FILE *f = fdopen(dup(c->iso_junit_fd), "w");
    if (!f)
        return;
    if (ftruncate(c->iso_junit_fd, 0) == 0 && lseek(c->iso_junit_fd, 0, SEEK_SET) == 0)
        for (size_t i = c->iso_junit_before; i < gcv_junit_count(c->junit_doc); i++)
            gcv_junit_suite_save(c->junit_doc, i, f);
    fclose(f);
}

/* Without --isolate, a model that calls exit() would end gcverify with its status and no
 * report; while model code can run, an exit is turned into exit 3 with one line. */
static volatile sig_atomic_t model_active;
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

/* --isolate, in the child: records the model's blocks for the parent, hands the engine the
 * shared trace, and applies the plan (one parameter alone, or the crashed ones left out). */
static gcv_status iso_plan(gcv_iso *iso, const gcv_model *m, gcv_options *o, size_t **subset,
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

/* --isolate: a block, layer or run with a crashed parameter is at best inconclusive. */
static void iso_mark(const gcv_iso *iso, const gcv_model *m, gcv_result *r)
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

/* Writes θ's blocks and the data as float64 .npy files into dir (which must exist). */
static gcv_status export_inputs(const char *dir, const gcv_config *cfg, const gcv_model *m,
                                gcv_error *err)
{
    char path[4096];
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        size_t shape[2] = {bl->rows, bl->cols};
        snprintf(path, sizeof path, "%s/%s.npy", dir, bl->name);
        gcv_status st = gcv_npy_write(path, shape, 2, m->theta + bl->offset, err);
        if (st != GCV_OK)
            return st;
    }
    size_t xs[2] = {cfg->sizes[0], cfg->m}, ys[2] = {cfg->sizes[cfg->n_layers], cfg->m};
    snprintf(path, sizeof path, "%s/X.npy", dir);
    gcv_status st = gcv_npy_write(path, xs, 2, cfg->x, err);
    snprintf(path, sizeof path, "%s/Y.npy", dir);
    return st != GCV_OK ? st : gcv_npy_write(path, ys, 2, cfg->y, err);
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* A progress bar on stderr, only on a terminal. */
static void show_progress(void *ctx, size_t done, size_t total, double seconds)
{
    (void)ctx;
    int width = 30, fill = total ? (int)((double)width * (double)done / (double)total) : 0;
    double rate = seconds > 0.0 ? (double)done / seconds : 0.0;
    double left = rate > 0.0 ? (double)(total - done) / rate : 0.0;
    fprintf(stderr, "\r[%.*s%*s] %3.0f%% %zu/%zu params · %.0f/s · %.0f s left ",
            fill, "==============================", width - fill, "",
            total ? 100.0 * (double)done / (double)total : 100.0, done, total, rate, left);
}

static int use_color(void)
{
    const char *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
}

static int exit_code(gcv_verdict v)
{
    return v == GCV_PASS ? EXIT_PASS : v == GCV_FAIL ? EXIT_MISMATCH : EXIT_INCONCLUSIVE;
}

/* Exit codes from worst to best, for a combined status. */
static int severity(int rc)
{
    return rc == EXIT_BAD_INPUT ? 3 : rc == EXIT_MISMATCH ? 2 : rc == EXIT_INCONCLUSIVE ? 1 : 0;
}

static void summary_line(const char *path, const gcv_model *m, const gcv_result *r,
                         const gcv_regressions *reg)
{
    char t[32];
    double s = r->seconds;
    snprintf(t, sizeof t, s < 1.0 ? "%.1f ms" : "%.2f s", s < 1.0 ? s * 1e3 : s);
    const char *word = r->status == GCV_PASS ? "PASS" : r->status == GCV_FAIL ? "FAIL" : "INCONCLUSIVE";
    if (reg && reg->n && r->status != GCV_FAIL)
        word = "REGRESSION";
    printf("%-12s %s · %zu params · difference %.2e · %zu of %zu blocks failed", word, path,
           m->n_params, r->difference, r->blocks_failed, r->n_blocks);
    if (reg)
        printf(" · %zu regression%s", reg->n, reg->n == 1 ? "" : "s");
    printf(" · %s\n", t);
}

static int baseline_member(FILE *f, const void *ctx)
{
    return gcv_baseline_json(f, ctx);
}

/* The baseline for this config: --baseline, or DIR/<name>.json when present. */
static gcv_status load_baseline(const cli *c, const gcv_config *cfg, gcv_baseline **out,
                                gcv_error *err)
{
    char buf[4096];
    const char *path = c->baseline;
    *out = NULL;
    if (!path && c->baseline_dir) {
        snprintf(buf, sizeof buf, "%s/%s.json", c->baseline_dir, cfg->name);
        if (access(buf, F_OK) != 0)
            return GCV_OK; /* no previous night for this config: nothing to compare */
        path = buf;
    }
    return path ? gcv_baseline_load(path, out, err) : GCV_OK;
}

/* --limit and --shard: the subset of indices this run checks, or NULL for all. */
static gcv_status choose_subset(const cli *c, const gcv_model *model, gcv_options *o,
                                size_t **subset, gcv_error *err)
{
    size_t P = model->n_params;
    if (c->limit > 0 && (size_t)c->limit < P) {
        /* Evenly spaced: index ⌊k·P/K⌋, ascending and distinct since K < P. */
        size_t k = (size_t)c->limit;
        if (!(*subset = malloc(k * sizeof **subset)))
            return GCV_ERR_NOMEM;
        for (size_t i = 0; i < k; i++)
            (*subset)[i] = (size_t)((unsigned long long)i * P / k);
        o->subset = *subset;
        o->n_subset = k;
    }
    if (!c->sharded)
        return GCV_OK;
    if (o->method == GCV_METHOD_DIRECTIONAL || o->sample_per_block || o->budget_seconds > 0.0) {
        snprintf(err->msg, sizeof err->msg, "--shard: expected a per-parameter check, got %s",
                 o->method == GCV_METHOD_DIRECTIONAL ? "the directional method"
                                                      : "a sampled or budgeted one");
        return GCV_ERR_INVALID;
    }
    size_t *shard = NULL, n = 0;
    gcv_status st = gcv_shard_subset(&c->shard, P, o->subset, o->n_subset, &shard, &n, err);
    if (st != GCV_OK)
        return st;
    free(*subset);
    *subset = shard;
    o->subset = shard;
    o->n_subset = n;
    return GCV_OK;
}

/* --html, --html-dir or report.html: the HTML page, with the --history reports and the
 * baseline. Nothing to do when none names a path. */
static gcv_status html_report(const cli *c, const gcv_config *cfg, const gcv_report_info *info,
                              const gcv_model *m, const gcv_result *r,
                              const gcv_html_history *hist, const gcv_baseline *base,
                              const gcv_regressions *reg, gcv_error *err)
{
    char buf[4096];
    const char *path = c->html ? c->html : cfg->html_path;
    if (c->html_dir) {
        snprintf(buf, sizeof buf, "%s/%s.html", c->html_dir, cfg->name);
        path = buf;
    }
    if (!path)
        return GCV_OK;
    gcv_html_options o = {.history = hist, .baseline = base, .regressions = reg};
    return gcv_report_html(path, info, m, r, &o, err);
}

/* The check: gcv_check itself, or with -Dmpi=enabled every rank's share of it. */
static gcv_status check_model(const gcv_model *m, const gcv_options *o, gcv_result **out,
                              gcv_error *err)
{
#ifdef GCV_HAVE_MPI
    return gcv_mpi_check(m, o, out, err);
#else
    return gcv_check(m, o, out, err);
#endif
}

/* Loads, checks and reports one config; returns its exit code. */
static int run_one(cli *c, const char *path)
{
    gcv_config *cfg = NULL;
    gcv_model *model = NULL;
    gcv_result *res = NULL;
    gcv_baseline *base = NULL;
    gcv_html_history hist = {0, NULL}; /* --history: earlier reports for the HTML page */
    gcv_regressions reg;
    gcv_junit *own_junit = NULL;
    size_t *subset = NULL;
    gcv_error err = {{0}};
    int multi = c->n_configs > 1, rc = EXIT_BAD_INPUT;
    char json_buf[4096];
    /* --junit: every config gets a suite, an <error> one when it could not be checked */
    size_t junit_before = c->junit_doc ? gcv_junit_count(c->junit_doc) : 0;
    memset(&reg, 0, sizeof reg);
    if (gcv_config_load(path, c->max_memory, &cfg, &err) != GCV_OK) {
        fprintf(stderr, "gcverify: %s\n", err.msg);
        goto done;
    }
    if (c->iso)
        c->iso->stage = GCV_ISO_LOADING;
    model_active = !c->iso && cfg->is_plugin;
    if (gcv_config_model_new(cfg, &model, &err) != GCV_OK) {
        fprintf(stderr, "gcverify: %s: %s\n", path, err.msg);
        goto done;
    }
    /* A float model gets float defaults where the file set none; the command line still
     * overrides both. */
    gcv_config_precision_defaults(cfg, model->precision);
    apply_overrides(c, cfg);
    if (gcv_config_check_memory(cfg, model, &err) != GCV_OK ||
        choose_subset(c, model, &cfg->opts, &subset, &err) != GCV_OK ||
        (gcv_mpi_root() &&
         gcv_html_history_load(c->history, c->n_history, cfg->name, &hist, &err) != GCV_OK) ||
        (c->iso && iso_plan(c->iso, model, &cfg->opts, &subset, &err) != GCV_OK) ||
        (c->export_dir && cfg->is_plugin &&
         (snprintf(err.msg, sizeof err.msg, "--export: expected a built-in mlp model, got a "
                   "plugin (it owns its data)"), 1)) ||
        (gcv_mpi_root() && load_baseline(c, cfg, &base, &err) != GCV_OK)) {
        fprintf(stderr, "gcverify: %s: %s\n", path, err.msg);
        goto done;
    }
    /* From here a signal stops the check cleanly with a partial report; before, while
     * loading, the default action (ending the process) is right: nothing is written yet. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    cfg->opts.stop = &stop_requested;
    cfg->opts.max_seconds = c->max_seconds;
    int bar = !c->quiet && isatty(STDERR_FILENO);
    if (bar)
        cfg->opts.progress = show_progress;
    if (c->iso)
        c->iso->stage = GCV_ISO_CHECKING;
    int check_st = check_model(model, &cfg->opts, &res, &err);
    if (c->iso)
        c->iso->stage = GCV_ISO_REPORTING;
    if (bar)
        fputs("\r\033[K", stderr);
#ifdef GCV_HAVE_MPI
    if (check_st == GCV_OK && !gcv_mpi_root()) { /* rank 0 reports; its exit code is all's */
        rc = EXIT_PASS;
        goto done;
    }
#endif
    if (c->iso && c->iso->only) { /* a silent re-run of one parameter: no reports */
        rc = check_st == GCV_OK ? exit_code(res->status) : EXIT_BAD_INPUT;
        goto done;
    }
    if (check_st == GCV_OK && c->iso)
        iso_mark(c->iso, model, res);
    if (check_st != GCV_OK ||
        (base && gcv_baseline_compare(base, model, res, c->baseline_factor, &reg, &err))) {
        fprintf(stderr, "gcverify: %s: %s\n", path, err.msg);
        goto done;
    }
    if (c->export_dir && export_inputs(c->export_dir, cfg, model, &err) != GCV_OK) {
        fprintf(stderr, "gcverify: --export: %s\n", err.msg);
        goto done;
    }
    char desc[256], float_note[320];
    char *notes[64];
    size_t n_notes = 0;
    for (size_t k = 0; k < cfg->n_notes && k < 32; k++)
        notes[n_notes++] = cfg->notes[k];
    if (model->precision == GCV_FLOAT) {
        snprintf(float_note, sizeof float_note,
                 "float32 model: steps are rounded to float32 and taken as rounded, error floors "
                 "use float's unit roundoff u = 2^-24; epsilon %g, threshold %g, rtol %g, atol %g "
                 "(float32 defaults for what the config does not set)", cfg->opts.epsilon,
                 cfg->opts.threshold, cfg->opts.rtol, cfg->opts.atol);
        notes[n_notes++] = float_note;
    }
    for (size_t k = 0; c->iso && k < c->iso->n_exclude; k++)
        notes[n_notes++] = c->iso->notes[k];
    if (cfg->is_plugin)
        describe_plugin(cfg, model, desc, sizeof desc);
    else
        describe(cfg, desc, sizeof desc);
    gcv_report_info info = {cfg->name, path, cfg->is_plugin ? "plugin" : "mlp",
                            cfg->is_plugin ? NULL : cfg->sizes,
                            cfg->is_plugin ? 0 : cfg->n_layers + 1, desc,
                            cfg->is_plugin ? gcv_plugin_examples(model) : cfg->m, cfg->top,
                            (int)cfg->params_mode, use_color(),
                            n_notes ? notes : NULL, n_notes, base ? baseline_member : NULL, &reg};
    if (!c->quiet) {
        if (multi)
            summary_line(path, model, res, base ? &reg : NULL);
        else {
            gcv_report_text(stdout, &info, model, res);
            if (base)
                gcv_baseline_text(stdout, &reg);
        }
        fflush(stdout);
    }
    const char *json = c->json ? c->json : cfg->json_path;
    if (c->json_dir) {
        snprintf(json_buf, sizeof json_buf, "%s/%s.json", c->json_dir, cfg->name);
        json = json_buf;
    }
    gcv_status wst = GCV_OK;
    if (json)
        wst = c->sharded ? gcv_shard_report_json(json, &info, model, res, &c->shard, &err)
                         : gcv_report_json(json, &info, model, res, &err);
    if (!wst && c->params_csv)
        wst = gcv_report_params_csv(c->params_csv, model, res, &err);
    if (!wst)
        wst = html_report(c, cfg, &info, model, res, &hist, base, base ? &reg : NULL, &err);
    if (!wst && c->junit_doc)
        wst = gcv_junit_add(c->junit_doc, &info, model, res, base ? &reg : NULL, &err);
    else if (!wst && cfg->junit_path && !c->junit) {
        /* report.junit of this config alone */
        wst = gcv_junit_new(&own_junit, &err);
        if (!wst)
            wst = gcv_junit_add(own_junit, &info, model, res, base ? &reg : NULL, &err);
        if (!wst)
            wst = gcv_junit_write(own_junit, cfg->junit_path, &err);
    }
    if (wst != GCV_OK) {
        fprintf(stderr, "gcverify: %s\n", err.msg);
        goto done;
    }
    rc = exit_code(res->status);
    /* A regression fails the run even when every threshold still passes. */
    if (reg.n && severity(rc) < severity(EXIT_MISMATCH))
        rc = EXIT_MISMATCH;
done:
#ifdef GCV_HAVE_MPI
    rc = gcv_mpi_settle(rc, &stop_requested); /* every rank: rank 0's code, one stop for all */
#endif
    if (multi && rc == EXIT_BAD_INPUT && !c->quiet)
        printf("%-12s %s · not checked (see stderr)\n", "ERROR", path);
    if (rc == EXIT_BAD_INPUT && c->junit_doc && gcv_junit_count(c->junit_doc) == junit_before) {
        /* not checked (the config, the model, the memory estimate, the gradient, a
         * baseline): the suite says why */
        gcv_error jerr = {{0}};
        gcv_junit_add_error(c->junit_doc, cfg ? cfg->name : path, path, err.msg, &jerr);
    }
    if (c->iso) { /* the reports are out: hand them over before the model is freed */
        iso_save_junit(c);
        fflush(stdout);
        c->iso->rc = rc;
        c->iso->stage = GCV_ISO_CLEANUP;
    }
    free(subset);
    gcv_junit_free(own_junit);
    gcv_regressions_free(&reg);
    gcv_baseline_free(base);
    gcv_html_history_free(&hist);
    gcv_result_free(res);
    gcv_model_free(model);
    model_active = 0;
    gcv_config_free(cfg);
    return rc;
}

/* --isolate: one child's work. Its JUnit suite, if any, goes to junit_fd for the parent. */
typedef struct iso_job {
    cli *c;
    const char *path;
} iso_job;

static int iso_child(void *ctx, gcv_iso *iso, int junit_fd)
{
    iso_job *job = ctx;
    cli *c = job->c;
    c->iso = iso;
    c->iso_junit_fd = junit_fd;
    c->iso_junit_before = gcv_junit_count(c->junit_doc);
    return run_one(c, job->path);
}

/* --isolate: runs the config in children (cli/isolate.h); a crash that could not be worked
 * around gives a minimal inconclusive report (text line, JSON, JUnit). */
static int run_isolated(cli *c, const char *path)
{
    gcv_error err = {{0}};
    gcv_iso_outcome out;
    iso_job job = {c, path};
    FILE *jf = c->junit_doc ? tmpfile() : NULL;
    if (c->junit_doc && !jf) {
        fprintf(stderr, "gcverify: --isolate: cannot create a temporary file\n");
        return EXIT_BAD_INPUT;
    }
    int rc = EXIT_INCONCLUSIVE;
    /* The watchdog: a child's check still running well after --max-seconds should have
     * stopped it (the engine stops between evaluations) is stuck in the model. */
    double hang = c->max_seconds > 0.0 ? c->max_seconds * 1.1 + 2.0 : 0.0;
    if (gcv_isolate(iso_child, &job, jf ? fileno(jf) : -1, hang, &out, &err) != 0) {
        fprintf(stderr, "gcverify: %s\n", err.msg);
        rc = EXIT_BAD_INPUT;
    } else if (out.exited) {
        rc = out.code;
        if (out.cleanup_crash)
            fprintf(stderr, "gcverify: %s: the model %s: %s (exit %d)\n", path,
                    out.hung ? "hung" : "crashed", out.what, rc);
        if (jf) {
            rewind(jf);
            if (gcv_junit_suite_load(c->junit_doc, jf, &err) != GCV_OK) {
                fprintf(stderr, "gcverify: %s\n", err.msg);
                rc = EXIT_BAD_INPUT;
            }
        }
    } else {
        /* The config loads in the parent without running any plugin code: for its name, its
         * report paths and its settings. */
        gcv_config *cfg = NULL;
        const char *name = path;
        char json_buf[4096];
        gcv_config_load(path, c->max_memory, &cfg, &err);
        if (cfg) {
            /* the child said what the model computes in, if it got that far */
            if (out.iso->n_params)
                gcv_config_precision_defaults(cfg, (gcv_precision)out.iso->precision);
            apply_overrides(c, cfg);
            name = cfg->name;
        }
        const char *verb = out.hung ? "hung" : "crashed";
        fprintf(stderr, "gcverify: %s: the model %s: %s\n", path, verb, out.what);
        if (!c->quiet)
            printf("%-12s %s · the model %s: %s\n", "INCONCLUSIVE", path, verb, out.what);
        const char *json = c->json ? c->json : cfg ? cfg->json_path : NULL;
        if (c->json_dir) {
            snprintf(json_buf, sizeof json_buf, "%s/%s.json", c->json_dir, name);
            json = json_buf;
        }
        gcv_options dflt;
        gcv_options_default(&dflt);
        if (json && gcv_iso_report_json(json, name, path, cfg ? &cfg->opts : &dflt, &out,
                                        &err) != GCV_OK) {
            fprintf(stderr, "gcverify: %s\n", err.msg);
            rc = EXIT_BAD_INPUT;
        }
        if (c->junit_doc) {
            char msg[GCV_ERROR_LEN + 32];
            snprintf(msg, sizeof msg, "the model %s: %s", verb, out.what);
            gcv_junit_add_crash(c->junit_doc, name, path, msg, &err);
        }
        gcv_config_free(cfg);
    }
    if (out.interrupted)
        stop_requested = 1; /* SIGINT/SIGTERM: no further configs, as without --isolate */
    gcv_isolate_release(&out);
    if (jf)
        fclose(jf);
    return rc;
}

/* gcverify merge PART.json … -o FULL.json [--quiet]: the shards' partial reports into the
 * report a single run gives. */
static int merge_main(int argc, char **argv)
{
    const char *out = NULL;
    int quiet = 0;
    size_t n = 0;
    const char **parts = calloc((size_t)argc, sizeof *parts);
    if (!parts)
        return EXIT_BAD_INPUT;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
            quiet = 1;
        else if (argv[i][0] == '-') {
            free(parts);
            return bad_arg("merge", "PART.json … -o FULL.json [--quiet]", argv[i]);
        } else
            parts[n++] = argv[i];
    }
    if (!out || n == 0) {
        free(parts);
        return bad_arg("merge", "partial reports and -o FULL.json", out ? "no parts" : "no -o");
    }
    gcv_merged *mg = NULL;
    gcv_error err = {{0}};
    int rc = EXIT_BAD_INPUT;
    if (gcv_merge_load(parts, n, &mg, &err) != GCV_OK ||
        gcv_report_json(out, &mg->info, mg->model, mg->result, &err) != GCV_OK) {
        fprintf(stderr, "gcverify: merge: %s\n", err.msg);
    } else {
        if (!quiet)
            gcv_report_text(stdout, &mg->info, mg->model, mg->result);
        rc = exit_code(mg->result->status);
    }
    gcv_merged_free(mg);
    free(parts);
    return rc;
}

#ifdef GCV_HAVE_MPI
int gcv_cli_main(int argc, char **argv) /* src/cli/mpi.c's main runs it on every rank */
#else
int main(int argc, char **argv)
#endif
{
    if (argc > 1 && strcmp(argv[1], "merge") == 0)
        return merge_main(argc, argv);
    cli c;
    /* One array: the config paths in the first argc entries, the --history paths after. */
    const char **configs = calloc(2 * (size_t)argc, sizeof *configs);
    if (!configs)
        return EXIT_BAD_INPUT;
    c.configs = configs;
    atexit(model_exit_guard);
    c.history = configs + argc;
    int rc = parse_args(argc, argv, &c);
    if (rc >= 0) {
        free(configs);
        return rc;
    }
    rc = EXIT_PASS;
    gcv_error err = {{0}};
    if (c.junit && gcv_junit_new(&c.junit_doc, &err) != GCV_OK) {
        fprintf(stderr, "gcverify: --junit: %s\n", err.msg);
        free(configs);
        return EXIT_BAD_INPUT;
    }
    for (size_t i = 0; i < c.n_configs && !stop_requested; i++) {
        int r = c.isolate ? run_isolated(&c, c.configs[i]) : run_one(&c, c.configs[i]);
        if (severity(r) > severity(rc))
            rc = r;
    }
    if (c.junit_doc && gcv_mpi_root() && gcv_junit_write(c.junit_doc, c.junit, &err) != GCV_OK) {
        fprintf(stderr, "gcverify: %s\n", err.msg);
        rc = EXIT_BAD_INPUT;
    }
    gcv_junit_free(c.junit_doc);
    free(configs);
    return rc;
}

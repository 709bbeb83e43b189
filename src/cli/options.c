/* The command line: one table of options (name, value, usage text, what it sets), from
 * which both the parser and `gcverify --help` are made; the checks across options; and the
 * options laid over a loaded config. */
#include "cli/options.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exit.h"
#include "config/json.h"
#include "engine/memory.h"
#include "model/mlp_size.h"
#include "report/baseline.h"

static const char usage_head[] =
    "usage: gcverify [options] CONFIG.json [CONFIG.json …]\n"
    "       gcverify merge PART.json … -o FULL.json [--quiet] [--max-memory SIZE]\n"
    "       gcverify plugin-template NAME   (writes NAME.c, a plugin to start from)\n"
    "\n"
    "Checks a network's backpropagation against numerical differentiation, every parameter,\n"
    "in parallel. Exit status: 0 pass, 1 gradient mismatch, 2 bad command/config/data,\n"
    "3 inconclusive (non-finite cost or gradient, or stopped early). With several configs,\n"
    "one summary line each and the worst status: 2, then 1, then 3, then 0.\n"
    "\n"
    "options (override the config file):\n";

/* ---- reading values ---- */

int gcv_cli_bad_arg(const char *opt, const char *expected, const char *got)
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

/* ---- what the options with their own rules set: -1 to go on, or the exit code ---- */

static void usage(void);

static int set_help(gcv_cli *c, const char *a, const char *v)
{
    usage();
    return EXIT_PASS;
}

static int set_version(gcv_cli *c, const char *a, const char *v)
{
    printf("gcverify %s\n", GCV_VERSION);
    return EXIT_PASS;
}

static int set_threads(gcv_cli *c, const char *a, const char *v)
{
    long n;
    if (parse_long(v, 0, 4096, &n))
        return gcv_cli_bad_arg(a, "an integer from 0 to 4096", v);
    c->threads = (int)n;
    return -1;
}

static int set_method(gcv_cli *c, const char *a, const char *v)
{
    if (gcv_method_parse(v, &c->method))
        return gcv_cli_bad_arg(a, "one of central, forward, backward, five_point, richardson, "
                                  "complex_step, directional", v);
    c->method_set = 1;
    return -1;
}

/* What --epsilon V should have been: a value under DBL_MIN (2.2e-308) underflows (strtod
 * says ERANGE) to a subnormal step, lost when added to θ, or to 0; say which. */
static const char *epsilon_expected(const char *v)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || !(x >= 0.0 && x < DBL_MIN) || (x == 0.0 && errno != ERANGE))
        return "a number in (0, 1) or auto";
    return x == 0.0 ? "a number in (0, 1) or auto (this one underflows to 0 in double "
                      "precision)"
                    : "a number in (0, 1) of at least 2.2e-308, the smallest normal double, or "
                      "auto (this one is subnormal: too small a step)";
}

static int set_epsilon(gcv_cli *c, const char *a, const char *v)
{
    if (strcmp(v, "auto") == 0)
        c->epsilon_auto = 1;
    else if (parse_positive(v, &c->epsilon) || c->epsilon >= 1.0 || c->epsilon < DBL_MIN)
        return gcv_cli_bad_arg(a, epsilon_expected(v), v);
    return -1;
}

static int set_directions(gcv_cli *c, const char *a, const char *v)
{
    if (parse_long(v, 1, 1000, &c->directions))
        return gcv_cli_bad_arg(a, "an integer from 1 to 1000", v);
    return -1;
}

static int set_threshold(gcv_cli *c, const char *a, const char *v)
{
    if (parse_positive(v, &c->threshold))
        return gcv_cli_bad_arg(a, "a positive number", v);
    return -1;
}

static int set_history(gcv_cli *c, const char *a, const char *v)
{
    c->history[c->n_history++] = v;
    return -1;
}

static int set_baseline_factor(gcv_cli *c, const char *a, const char *v)
{
    if (parse_positive(v, &c->baseline_factor) || c->baseline_factor < 1.0)
        return gcv_cli_bad_arg(a, "a number ≥ 1", v);
    return -1;
}

static int set_shard(gcv_cli *c, const char *a, const char *v)
{
    gcv_error err;
    if (gcv_shard_parse(v, &c->shard, &err) != GCV_OK) {
        fprintf(stderr, "gcverify: %s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    c->sharded = 1;
    return -1;
}

static int set_params(gcv_cli *c, const char *a, const char *v)
{
    gcv_params_mode pm;
    if (gcv_params_mode_parse(v, &pm))
        return gcv_cli_bad_arg(a, "none, mismatches or all", v);
    c->params_mode = (int)pm;
    return -1;
}

static int set_top(gcv_cli *c, const char *a, const char *v)
{
    if (parse_long(v, 0, 1000000, &c->top))
        return gcv_cli_bad_arg(a, "an integer from 0 to 1000000", v);
    return -1;
}

/* Below 1 MiB no check with data fits, and "0.5" (half a byte, truncated to 0, which means
 * "no limit") or "64" are far more likely a missing suffix than an intent: refused. */
#define GCV_CLI_MIN_MEMORY ((size_t)1 << 20)

int gcv_cli_parse_memory(const char *a, const char *v, size_t *out)
{
    if (parse_size(v, out))
        return gcv_cli_bad_arg(a, "a size in bytes such as 512M or 8G", v);
    if (*out < GCV_CLI_MIN_MEMORY)
        return gcv_cli_bad_arg(a, "a size of at least 1M (a suffix K, M, G or T; a bare number "
                               "is bytes)", v);
    return -1;
}

static int set_max_memory(gcv_cli *c, const char *a, const char *v)
{
    return gcv_cli_parse_memory(a, v, &c->max_memory);
}

static int set_sample(gcv_cli *c, const char *a, const char *v)
{
    if (parse_long(v, 1, 1L << 40, &c->sample))
        return gcv_cli_bad_arg(a, "a positive integer (parameters per block)", v);
    return -1;
}

static int set_sample_seed(gcv_cli *c, const char *a, const char *v)
{
    if (parse_long(v, 0, 1L << 53, &c->sample_seed))
        return gcv_cli_bad_arg(a, "an integer from 0 to 2^53", v);
    return -1;
}

static int set_budget(gcv_cli *c, const char *a, const char *v)
{
    if (parse_positive(v, &c->budget))
        return gcv_cli_bad_arg(a, "a positive number of seconds", v);
    return -1;
}

static int set_limit(gcv_cli *c, const char *a, const char *v)
{
    if (parse_long(v, 1, 1L << 40, &c->limit))
        return gcv_cli_bad_arg(a, "a positive integer", v);
    return -1;
}

static int set_max_seconds(gcv_cli *c, const char *a, const char *v)
{
    if (parse_positive(v, &c->max_seconds))
        return gcv_cli_bad_arg(a, "a positive number of seconds", v);
    return -1;
}

static int set_set(gcv_cli *c, const char *a, const char *v)
{
    char why[GCV_ERROR_LEN];
    if (gcv_override_check(v, why, sizeof why) != 0) {
        fprintf(stderr, "gcverify: %s: %s\n", a, why);
        return EXIT_BAD_INPUT;
    }
    if (c->overrides.n_sets == GCV_MAX_SETS)
        return gcv_cli_bad_arg(a, "at most 64 of them", v);
    c->overrides.sets[c->overrides.n_sets++] = v;
    return -1;
}

static int set_plugin(gcv_cli *c, const char *a, const char *v)
{
    if (!*v)
        return gcv_cli_bad_arg(a, "the path of a plugin's shared object", v);
    c->overrides.plugin = v;
    return -1;
}

/* ---- the table ---- */

/* A flag sets an int member to 1, a path sets a string member to its value, the rest call
 * their function. */
typedef enum { OPT_FLAG, OPT_PATH, OPT_CALL } opt_kind;

typedef struct cli_option {
    const char *name;
    const char *alias;  /* a one-letter form, or NULL */
    const char *value;  /* the value's name in the usage text; NULL: a flag */
    const char *help;   /* the usage text; \n between its lines */
    opt_kind kind;
    size_t member;      /* OPT_FLAG, OPT_PATH: offsetof(gcv_cli, member) */
    int (*set)(gcv_cli *c, const char *a, const char *v); /* OPT_CALL */
} cli_option;

#define FLAG(f) OPT_FLAG, offsetof(gcv_cli, f), NULL
#define PATH(f) OPT_PATH, offsetof(gcv_cli, f), NULL
#define CALL(fn) OPT_CALL, 0, fn

/* In the order of the usage text. */
static const cli_option options[] = {
    {"--gradients", NULL, "PATH",
     "check your own gradient: a dump (.npz, .npy folder, .mat, .h5) of\n"
     "your W1, b1, …, their gradients dW1, db1, … and optionally X, Y and\n"
     "your cost J, against the network the config names\n"
     "(doc/gradient-files.md)", PATH(gradients)},
    {"--threads", NULL, "N", "OpenMP threads (0: OMP_NUM_THREADS or all cores)", CALL(set_threads)},
    {"--method", NULL, "M",
     "central | forward | backward | five_point | richardson |\n"
     "complex_step | directional (see doc/methods.md)", CALL(set_method)},
    {"--epsilon", NULL, "E",
     "perturbation step (default 1e-6), or auto: c·max(|θᵢ|, 1) with c\n"
     "the step that balances truncation and rounding for the method", CALL(set_epsilon)},
    {"--drill-down", NULL, NULL,
     "with --method directional: then check every parameter of each\n"
     "failing block (central differences)", FLAG(drill_down)},
    {"--directions", NULL, "N", "with --method directional: directions per block (default 3)",
     CALL(set_directions)},
    {"--taylor", NULL, NULL, "also run the Taylor remainder test per block (observed order)",
     FLAG(taylor)},
    {"--full-passes", NULL, NULL,
     "evaluate every perturbation with a full forward pass (default:\n"
     "incremental, from a cached pass, where the model supports it)", FLAG(full_passes)},
    {"--threshold", NULL, "T",
     "a block passes when its normalized difference <= T (default 1e-7)", CALL(set_threshold)},
    {"--json", NULL, "PATH",
     "write the JSON report (schema gcverify.report/1) to PATH; report\n"
     "paths and DIRs below get their missing folders made (mkdir -p)", PATH(json)},
    {"--params-csv", NULL, "PATH",
     "every checked parameter as CSV (index, block, row, column, θ,\n"
     "analytic, numeric, errors, floor, status)", PATH(params_csv)},
    {"--junit", NULL, "PATH",
     "JUnit XML for CI servers: a testsuite per config, a testcase per block", PATH(junit)},
    {"--html", NULL, "PATH", "a self-contained HTML page of plots (config: report.html)",
     PATH(html)},
    {"--html-dir", NULL, "DIR", "several configs: DIR/<name>.html each", PATH(html_dir)},
    {"--history", NULL, "PATH",
     "an earlier report (or DIR/<name>.json) for the HTML history chart", CALL(set_history)},
    {"--baseline", NULL, "PATH",
     "compare with a previous JSON report: a block whose difference grew\n"
     "more than --baseline-factor (default 10), a new failure or changed\n"
     "parameter counts is a regression and exits 1", PATH(baseline)},
    {"--baseline-dir", NULL, "DIR", "several configs: DIR/<name>.json each, where present",
     PATH(baseline_dir)},
    {"--baseline-factor", NULL, "F", "the growth factor that counts as a regression (at least 1)",
     CALL(set_baseline_factor)},
    {"--shard", NULL, "K/N",
     "check the K-th of N interleaved slices of the parameters (1 ≤ K ≤ N)\n"
     "and write a partial report to --json, for gcverify merge", CALL(set_shard)},
    {"--json-dir", NULL, "DIR", "write DIR/<name>.json for each config (several configs)",
     PATH(json_dir)},
    {"--params", NULL, "MODE", "parameters listed in the JSON report: none | mismatches | all",
     CALL(set_params)},
    {"--top", NULL, "N", "worst parameters listed in the text report (default 10)",
     CALL(set_top)},
    {"--max-memory", NULL, "SIZE",
     "refuse checks estimated above SIZE bytes (suffixes K, M, G, T;\n"
     "default: the machine's available memory)", CALL(set_max_memory)},
    {"--sample", NULL, "K",
     "check K parameters per block: the largest |g| (a quarter of K)\n"
     "and seeded random others (--sample-seed S, default 0)", CALL(set_sample)},
    {"--sample-seed", NULL, "S", "the seed of --sample (default 0)", CALL(set_sample_seed)},
    {"--budget", NULL, "SECONDS",
     "check what fits in the time (loading included): every block covered,\n"
     "largest |g| first, then seeded random ones; the report lists which",
     CALL(set_budget)},
    {"--limit", NULL, "K",
     "check only K parameters spread evenly over θ (for timing runs;\n"
     "the JSON report lists which were checked)", CALL(set_limit)},
    {"--export", NULL, "DIR",
     "also write what was checked as .npy files: W1.npy, b1.npy, …,\n"
     "X.npy (n0 × m) and Y.npy (nL × m), to reproduce it elsewhere", PATH(export_dir)},
    {"--max-seconds", NULL, "S",
     "stop after S seconds of the config's run (loading and set-up\n"
     "included) with a partial, inconclusive report (exit 3); SIGINT\n"
     "and SIGTERM stop the same way", CALL(set_max_seconds)},
    {"--isolate", NULL, NULL,
     "check each config in a child process: a crash in the model (a\n"
     "plugin) is reported with the function and parameter it hit, that\n"
     "parameter is left out, and the rest is checked (exit 3); with\n"
     "--max-seconds, a hang in the model too (killed at 1.1 S + 2 s)", FLAG(isolate)},
    {"--set", NULL, "KEY=VALUE",
     "set any config key before the config is checked, e.g.\n"
     "check.method=richardson or model.options.bug=true: VALUE is JSON\n"
     "when it parses as JSON, else a string; repeatable, later ones win", CALL(set_set)},
    {"--plugin", NULL, "PATH",
     "check the plugin PATH (model.type plugin, model.library PATH;\n"
     "a relative PATH from the working folder)", CALL(set_plugin)},
    {"--quiet", "-q", NULL, "no text report and no progress bar; the exit status and files only",
     FLAG(quiet)},
    {"--help", "-h", NULL, "this text", CALL(set_help)},
    {"--version", NULL, NULL, "the version", CALL(set_version)},
};

/* The usage text: each option's name and value in a column of 20, its help beside. */
static void usage(void)
{
    fputs(usage_head, stdout);
    for (size_t k = 0; k < sizeof options / sizeof *options; k++) {
        const cli_option *o = &options[k];
        char left[32];
        snprintf(left, sizeof left, "%s%s%s", o->name, o->value ? " " : "",
                 o->value ? o->value : "");
        printf("  %-20s", left);
        for (const char *line = o->help; line;) {
            const char *nl = strchr(line, '\n');
            int len = nl ? (int)(nl - line) : (int)strlen(line);
            printf("%s%.*s\n", line == o->help ? "" : "                      ", len, line);
            line = nl ? nl + 1 : NULL;
        }
    }
}

static const cli_option *find(const char *a)
{
    for (size_t k = 0; k < sizeof options / sizeof *options; k++)
        if (strcmp(a, options[k].name) == 0 ||
            (options[k].alias && strcmp(a, options[k].alias) == 0))
            return &options[k];
    return NULL;
}

/* An option that is none of the table's: its nearest name when it looks like a typo of one
 * ("--thread", "--threads=4"), by the rule the config's keys get (gcv_json_nearest). */
static int unknown_option(const char *a)
{
    const char *names[sizeof options / sizeof *options];
    for (size_t k = 0; k < sizeof options / sizeof *options; k++)
        names[k] = options[k].name;
    const char *near = gcv_json_nearest(a, names, sizeof names / sizeof *names);
    if (near)
        fprintf(stderr, "gcverify: unknown option %s (did you mean %s?)\n", a, near);
    else
        fprintf(stderr, "gcverify: unknown option %s (gcverify --help lists them)\n", a);
    return EXIT_BAD_INPUT;
}

/* What the option a (its value v) does to c: -1 to go on, or the exit code. */
static int apply(const cli_option *o, gcv_cli *c, const char *a, const char *v)
{
    switch (o->kind) {
    case OPT_FLAG:
        *(int *)(void *)((char *)c + o->member) = 1;
        return -1;
    case OPT_PATH:
        *(const char **)(void *)((char *)c + o->member) = v;
        return -1;
    case OPT_CALL:
    default:
        return o->set(c, a, v);
    }
}

/* The rules across options, once every one is read: -1, or the exit code. */
static int check_combination(const gcv_cli *c)
{
    if (!c->config) {
        fputs("gcverify: expected a config file (gcverify --help for usage)\n", stderr);
        return EXIT_BAD_INPUT;
    }
    if (c->sharded && (!c->json || c->n_configs > 1 || c->budget > 0.0 || c->sample))
        return gcv_cli_bad_arg("--shard", "one config, --json PATH for the partial report, and "
                               "no --budget or --sample", c->json ? c->config : "no --json");
    const char *single = c->json ? "--json" : c->export_dir ? "--export"
                         : c->params_csv ? "--params-csv" : c->baseline ? "--baseline" : NULL;
    if (c->n_configs > 1 && c->html)
        return gcv_cli_bad_arg("--html", "a single config (with several, use --html-dir DIR "
                               "for one page each)", c->html);
    if (c->n_configs > 1 && single)
        return gcv_cli_bad_arg(single, "a single config (with several, use --json-dir DIR for "
                               "one report each)", c->json ? c->json : c->export_dir ? c->export_dir
                               : c->params_csv ? c->params_csv : c->baseline);
    return -1;
}

int gcv_cli_parse(int argc, char **argv, const char **configs, const char **history,
                  gcv_cli *c)
{
    *c = (gcv_cli){.configs = configs, .history = history, .threads = -1,
                   .method = GCV_METHOD_CENTRAL, .epsilon = NAN, .threshold = NAN,
                   .sample_seed = -1, .params_mode = -1, .top = -1,
                   .baseline_factor = GCV_BASELINE_FACTOR};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const cli_option *o = find(a);
        if (!o && (a[0] != '-' || a[1] == '\0')) { /* a config ("-" too) */
            if (!c->config)
                c->config = a;
            c->configs[c->n_configs++] = a;
            continue;
        }
        if (!o)
            return unknown_option(a);
        if (o->value && i + 1 >= argc)
            return gcv_cli_bad_arg(a, "a value", NULL);
        int rc = apply(o, c, a, o->value ? argv[++i] : NULL);
        if (rc >= 0)
            return rc;
    }
    return check_combination(c);
}

gcv_status gcv_cli_check_memory(const gcv_cli *c, const gcv_config *cfg, gcv_error *err)
{
    if (c->threads < 0 || cfg->is_plugin) /* a plugin's check counts the threads it runs */
        return GCV_OK;
    size_t threads = gcv_check_threads(c->threads);
    size_t P = cfg->n_params, m = cfg->m_total;
    size_t need = gcv_sat_add(gcv_engine_bytes(P, threads),
                              gcv_mlp_bytes(cfg->n_layers, cfg->sizes, m, threads));
    size_t budget = c->max_memory ? c->max_memory : gcv_available_memory();
    if (need <= budget)
        return GCV_OK;
    char have[32], want[32];
    gcv_format_bytes((double)budget, have, sizeof have);
    gcv_format_bytes(gcv_engine_bytes_f(P, threads) +
                     gcv_mlp_bytes_f(cfg->n_layers, cfg->sizes, m, threads), want, sizeof want);
    snprintf(err->msg, sizeof err->msg, "--threads: expected a check that fits in %s of memory, "
             "got an estimated %s (%zu parameters, %zu examples, %zu thread%s)", have, want, P,
             m, threads, threads == 1 ? "" : "s");
    return GCV_ERR_NOMEM;
}

void gcv_cli_apply(const gcv_cli *c, gcv_config *cfg)
{
    if (c->threads >= 0)
        cfg->opts.threads = c->threads;
    if (c->method_set)
        cfg->opts.method = c->method;
    /* A step the user names is the step taken: the float defaults' step pilot, set before
     * this (the model's precision is known first), would otherwise choose another. */
    if (!isnan(c->epsilon)) {
        cfg->opts.epsilon = c->epsilon;
        cfg->opts.epsilon_auto = 0;
        cfg->opts.step_pilot = 0;
    }
    if (c->epsilon_auto) {
        cfg->opts.epsilon_auto = 1;
        cfg->opts.step_pilot = 0;
    }
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

/* JUnit XML; see junit.h for the document's shape. Each suite is rendered into its own
 * memory buffer when added (so a failure while adding leaves the collection as it was) and
 * the buffers are concatenated under a <testsuites> carrying their totals when written. */
#include "report/junit.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/blocks.h"
#include "util/strutil.h"

/* ---- escaping ---- */

/* Length of the valid UTF-8 sequence at p (2–4), or 0 if it is not one. Overlong forms,
 * surrogates and code points above U+10FFFF are invalid. */
static size_t utf8_seq(const unsigned char *p)
{
    unsigned c = p[0];
    if (c >= 0xC2 && c <= 0xDF)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4
                                                                                        : 0;
    }
    return 0;
}

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

void gcv_xml_escape(FILE *f, const char *s, int attr)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned c = *p;
        if (c >= 0x80) {
            /* The checks of utf8_seq stop at the first bad byte, so they never read past
             * the terminating NUL (which is not a continuation byte). */
            size_t k = utf8_seq(p);
            /* U+FFFE and U+FFFF are not XML characters either. */
            if (k == 3 && c == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
                k = 0;
            if (k == 0) {
                fputs(REPLACEMENT, f);
                p++;
            } else {
                fwrite(p, 1, k, f);
                p += k;
            }
            continue;
        }
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break; /* also keeps "]]>" out of text */
        case '"': fputs(attr ? "&quot;" : "\"", f); break;
        case '\'': fputs(attr ? "&apos;" : "'", f); break;
        /* Attribute-value normalisation turns literal tab and newline into spaces, and every
         * parser turns a literal CR into a newline: references keep them. */
        case '\t': fputs(attr ? "&#9;" : "\t", f); break;
        case '\n': fputs(attr ? "&#10;" : "\n", f); break;
        case '\r': fputs("&#13;", f); break;
        default:
            if (c < 0x20)
                fputs(REPLACEMENT, f); /* not allowed in XML 1.0, even as a reference */
            else
                fputc((int)c, f);
        }
        p++;
    }
}

/* ---- one suite ---- */

/* OUT_XFAIL: a block that fails in a config that says "expect": "fail": a passing testcase. */
typedef enum outcome { OUT_PASS, OUT_FAILURE, OUT_REGRESSION, OUT_ERROR, OUT_SKIPPED,
                       OUT_XFAIL } outcome;

typedef struct counts {
    size_t tests, failures, errors, skipped;
    double time;
} counts;

/* Whether a regression belongs to a block of this run: model-level and missing-block
 * regressions have none and go into the testcase "baseline". */
static int block_regressed(const gcv_regression *g)
{
    return g->block[0] && g->kind != GCV_REGRESSION_MISSING;
}

static size_t n_block_regressions(const gcv_regressions *reg, const char *name)
{
    size_t k = 0;
    for (size_t i = 0; reg && i < reg->n; i++)
        k += block_regressed(&reg->items[i]) && strcmp(reg->items[i].block, name) == 0;
    return k;
}

static size_t n_other_regressions(const gcv_regressions *reg)
{
    size_t k = 0;
    for (size_t i = 0; reg && i < reg->n; i++)
        k += !block_regressed(&reg->items[i]);
    return k;
}

static outcome block_outcome(const gcv_report_info *in, const gcv_model *m,
                             const gcv_result *r, const gcv_regressions *reg, size_t b)
{
    const gcv_block_result *br = &r->blocks[b];
    if (br->status == GCV_FAIL && in->expect) /* the fault the config carries on purpose */
        return n_block_regressions(reg, m->blocks[b].name) ? OUT_REGRESSION : OUT_XFAIL;
    if (br->status == GCV_FAIL)
        return OUT_FAILURE;
    if (br->status == GCV_INCONCLUSIVE)
        return OUT_ERROR;
    if (n_block_regressions(reg, m->blocks[b].name))
        return OUT_REGRESSION;
    /* Skipped is for what was not checked at all; a directional block (0 parameters, some
     * directions) was judged. */
    return br->status == GCV_UNCHECKED ? OUT_SKIPPED : OUT_PASS;
}

static void count_outcome(counts *c, outcome o)
{
    c->tests++;
    c->failures += o == OUT_FAILURE || o == OUT_REGRESSION;
    c->errors += o == OUT_ERROR;
    c->skipped += o == OUT_SKIPPED;
}

static double clean_time(double s)
{
    return isfinite(s) && s > 0.0 ? s : 0.0;
}

static void put_attr(FILE *f, const char *name, const char *value)
{
    fprintf(f, " %s=\"", name);
    gcv_xml_escape(f, value, 1);
    fputc('"', f);
}

static void put_property(FILE *f, const char *name, const char *value)
{
    fputs("      <property", f);
    put_attr(f, "name", name);
    put_attr(f, "value", value ? value : "");
    fputs("/>\n", f);
}

static void put_property_fmt(FILE *f, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put_property_fmt(FILE *f, const char *name, const char *fmt, ...)
{
    char v[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    put_property(f, name, v);
}

static void properties(FILE *f, const gcv_report_info *in, const gcv_model *m,
                       const gcv_result *r, const gcv_regressions *reg)
{
    const gcv_options *o = &r->options;
    fputs("    <properties>\n", f);
    if (in->config)
        put_property(f, "config", in->config);
    put_property(f, "model", in->description ? in->description : in->model_type);
    put_property_fmt(f, "params_total", "%zu", m->n_params);
    put_property_fmt(f, "params_checked", "%zu", r->params_checked);
    put_property_fmt(f, "examples", "%zu", in->examples);
    put_property(f, "method", gcv_method_name(o->method));
    if (o->epsilon_auto)
        put_property(f, "epsilon", "auto");
    else
        put_property_fmt(f, "epsilon", "%.17g", o->epsilon);
    put_property_fmt(f, "threshold", "%.17g", o->threshold);
    put_property_fmt(f, "threads", "%d", r->threads);
    put_property_fmt(f, "evaluations", "%zu", r->evaluations);
    put_property_fmt(f, "difference", "%.17g", r->difference);
    put_property(f, "status", gcv_verdict_name(r->status));
    if (in->expect)
        put_property(f, "expect", "fail");
    if (reg) {
        put_property(f, "baseline", reg->path);
        put_property_fmt(f, "baseline_factor", "%.17g", reg->factor);
        put_property_fmt(f, "regressions", "%zu", reg->n);
    }
    fputs("    </properties>\n", f);
}

/* "W2 (layer 2, 3×5): 15 of 15 checked, difference 3.3e-01 > 1e-07, max rel err 5.0e-01 at
 * (0,2), 12 mismatches: fail" */
static void block_summary(char *buf, size_t n, const gcv_model *m, const gcv_result *r,
                          size_t b)
{
    const gcv_block *bl = &m->blocks[b];
    const gcv_block_result *br = &r->blocks[b];
    size_t k = 0;
    buf[0] = '\0';
    /* No numbers the run did not measure: none for an unchecked block, none per parameter
     * for a directional one. */
    if (br->status == GCV_UNCHECKED || br->directions) {
        gcv_str_append(buf, n, &k, "%s (layer %d, %zu×%zu): ", bl->name, bl->layer, bl->rows,
            bl->cols);
        if (br->directions)
            gcv_str_append(buf, n, &k, "%u directions, difference %.2e %s %.3g",
                br->directions, br->difference,
                br->difference > r->options.threshold ? ">" : "≤", r->options.threshold);
        else
            gcv_str_append(buf, n, &k, "0 of %zu checked", bl->rows * bl->cols);
        gcv_str_append(buf, n, &k, ": %s", gcv_verdict_name(br->status));
        return;
    }
    char shape[96], worst[96];
    gcv_block_format_shape(bl, shape, sizeof shape);
    gcv_block_format_coords(bl, br->worst_row * bl->cols + br->worst_col, worst, sizeof worst);
    gcv_str_append(buf, n, &k, "%s (layer %d, %s): %zu of %zu checked, difference "
        "%.2e %s %.3g, max rel err %.2e at %s, %zu mismatch%s", bl->name, bl->layer,
        shape, br->checked, bl->rows * bl->cols, br->difference,
        br->difference > r->options.threshold ? ">" : "≤", r->options.threshold,
        br->max_rel_error, worst, br->mismatches,
        br->mismatches == 1 ? "" : "es");
    size_t kinks = br->kinks + br->kinks_ok + br->kinks_avoided;
    if (kinks)
        gcv_str_append(buf, n, &k, ", %zu kink%s (%zu unresolved)", kinks,
            kinks == 1 ? "" : "s", br->kinks);
    if (br->nonfinite)
        gcv_str_append(buf, n, &k, ", %zu non-finite", br->nonfinite);
    gcv_str_append(buf, n, &k, ": %s", gcv_verdict_name(br->status));
}

/* "(0,2), θ[27] = 0.5: analytic 1.2e-01, numeric 6.1e-02, abs err …, rel err …" for entry e
 * of block bl. */
static void param_line(char *buf, size_t n, size_t *k, const gcv_block *bl,
                       const gcv_result *r, size_t e)
{
    size_t i = gcv_block_index(bl, e);
    const gcv_param_result *p = &r->params[i];
    char coords[96];
    gcv_block_format_coords(bl, e, coords, sizeof coords);
    gcv_str_append(buf, n, k, "%s%s = θ[%zu] = %.17g: analytic %.17g, numeric %.17g, "
        "abs error %.3e, rel error %.3e, status %s", bl->name, coords, i,
        p->theta, p->analytic, p->numeric, p->abs_error, p->rel_error,
        gcv_param_status_name((gcv_param_status)p->status));
}

static void regression_lines(char *buf, size_t n, size_t *k, const gcv_regressions *reg,
                             const char *name, int block_level)
{
    char line[256];
    for (size_t i = 0; reg && i < reg->n; i++) {
        const gcv_regression *g = &reg->items[i];
        if (block_level ? !(block_regressed(g) && strcmp(g->block, name) == 0)
                        : block_regressed(g))
            continue;
        gcv_regression_line(g, line, sizeof line);
        gcv_str_append(buf, n, k, "\nbaseline    %s", line);
    }
}

static void first_regression(char *buf, size_t n, const gcv_regressions *reg, const char *name)
{
    buf[0] = '\0';
    for (size_t i = 0; reg && i < reg->n; i++) {
        const gcv_regression *g = &reg->items[i];
        if (block_regressed(g) && strcmp(g->block, name) == 0) {
            gcv_regression_line(g, buf, n);
            return;
        }
    }
}

/* The failure / error / skipped element of block b, if any. */
static void block_verdict(FILE *f, const gcv_report_info *in, const gcv_model *m,
                          const gcv_result *r, const gcv_regressions *reg, size_t b,
                          outcome o)
{
    const gcv_block *bl = &m->blocks[b];
    const gcv_block_result *br = &r->blocks[b];
    char diag[GCV_ERROR_LEN], msg[GCV_ERROR_LEN + 128], body[4096];
    size_t k = 0, km = 0;
    if (o == OUT_PASS || o == OUT_XFAIL)
        return;
    body[0] = msg[0] = '\0';
    size_t nd = gcv_report_diagnosis(in, m, r, b, diag, sizeof diag);
    if (o == OUT_SKIPPED) {
        fprintf(f, "      <skipped message=\"unchecked: no parameter of %zu checked (%s)\"/>\n",
                bl->rows * bl->cols, r->stopped ? "the run stopped early"
                : "not among the parameters this run checked: --limit, --shard or --budget");
        return;
    }
    if (o == OUT_FAILURE) {
        gcv_str_append(msg, sizeof msg, &km, "difference %.2e > threshold %.3g",
            br->difference, r->options.threshold);
        if (nd)
            gcv_str_append(msg, sizeof msg, &km, ": %s", diag);
        gcv_str_append(body, sizeof body, &k, "difference  %.17g\nthreshold   %.17g\n"
            "floor       %.3e (the difference numeric noise alone gives)\n",
            br->difference, r->options.threshold, br->floor_difference);
        if (br->directions) /* judged along directions: no parameter counts */
            gcv_str_append(body, sizeof body, &k, "directions  %u", br->directions);
        else
            gcv_str_append(body, sizeof body, &k, "mismatches  %zu of %zu checked",
                br->mismatches, br->checked);
        size_t we = br->worst_row * bl->cols + br->worst_col;
        if (br->checked && r->params[gcv_block_index(bl, we)].status != GCV_PARAM_UNCHECKED) {
            gcv_str_append(body, sizeof body, &k, "\nworst       ");
            param_line(body, sizeof body, &k, bl, r, we);
        }
        gcv_str_append(body, sizeof body, &k, "\ndiagnosis   %s", nd ? diag : "none");
        regression_lines(body, sizeof body, &k, reg, bl->name, 1);
        fputs("      <failure type=\"gradient-mismatch\"", f);
    } else if (o == OUT_ERROR) {
        gcv_str_append(msg, sizeof msg, &km, "%zu of %zu checked parameters had a non-finite "
            "cost or gradient", br->nonfinite, br->checked);
        gcv_str_append(body, sizeof body, &k, "nonfinite   %zu of %zu checked",
            br->nonfinite, br->checked);
        for (size_t q = 0; q < bl->rows * bl->cols; q++)
            if (r->params[gcv_block_index(bl, q)].status == GCV_PARAM_NONFINITE) {
                gcv_str_append(body, sizeof body, &k, "\nfirst       ");
                param_line(body, sizeof body, &k, bl, r, q);
                break;
            }
        regression_lines(body, sizeof body, &k, reg, bl->name, 1);
        fputs("      <error type=\"inconclusive\"", f);
    } else { /* OUT_REGRESSION */
        char line[256];
        first_regression(line, sizeof line, reg, bl->name);
        gcv_str_append(msg, sizeof msg, &km, "regression against the baseline: %s", line);
        gcv_str_append(body, sizeof body, &k, "difference  %.17g (threshold %.17g: %s)",
            br->difference, r->options.threshold, br->status == GCV_FAIL ? "over it, as the "
            "config's \"expect\": \"fail\" says" : "still passes");
        regression_lines(body, sizeof body, &k, reg, bl->name, 1);
        fputs("      <failure type=\"baseline-regression\"", f);
    }
    put_attr(f, "message", msg);
    fputc('>', f);
    gcv_xml_escape(f, body, 0);
    fputs(o == OUT_ERROR ? "</error>\n" : "</failure>\n", f);
}

static void verdict_line(char *buf, size_t n, const gcv_result *r, int expect)
{
    size_t k = 0;
    buf[0] = '\0';
    gcv_str_append(buf, n, &k, "overall difference %.2e %s %.3g: %s", r->difference,
        r->difference > r->options.threshold ? ">" : "≤", r->options.threshold,
        gcv_verdict_name(r->status));
    if (expect && r->status == GCV_FAIL)
        gcv_str_append(buf, n, &k, " (expected)");
    else if (expect == GCV_EXPECT_FAIL && r->status == GCV_PASS)
        gcv_str_append(buf, n, &k, " (expected to fail, but passed)");
    if (r->stopped)
        gcv_str_append(buf, n, &k, ", stopped early");
    size_t unchecked = 0;
    for (size_t b = 0; b < r->n_blocks; b++)
        unchecked += r->blocks[b].status == GCV_UNCHECKED;
    if (unchecked)
        gcv_str_append(buf, n, &k, ", %zu of %zu blocks unchecked", unchecked, r->n_blocks);
    if (r->status == GCV_FAIL && r->params_checked)
        gcv_str_append(buf, n, &k, ", %zu of %zu blocks, %zu of %zu params",
            r->blocks_failed, r->n_blocks, r->mismatches + r->nonfinite, r->n_params);
    else if (r->status == GCV_FAIL) /* directional: blocks judged, no parameter */
        gcv_str_append(buf, n, &k, ", %zu of %zu blocks", r->blocks_failed, r->n_blocks);
    else if (r->status == GCV_INCONCLUSIVE && r->nonfinite)
        gcv_str_append(buf, n, &k, ", %zu of %zu params with a non-finite cost or gradient",
            r->nonfinite, r->n_params);
    gcv_str_append(buf, n, &k, "; %zu of %zu params checked, %zu cost evaluations",
        r->params_checked, r->n_params, r->evaluations);
}

static void suite_open(FILE *f, const char *name, const counts *c)
{
    fputs("  <testsuite", f);
    put_attr(f, "name", name);
    fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.6f\">\n",
            c->tests, c->failures, c->errors, c->skipped, c->time);
}

static void testcase_open(FILE *f, const char *classname, const char *name, double t)
{
    fputs("    <testcase", f);
    put_attr(f, "classname", classname);
    put_attr(f, "name", name);
    fprintf(f, " time=\"%.6f\">\n", t);
}

static void system_out(FILE *f, const char *indent, const char *text)
{
    fprintf(f, "%s<system-out>", indent);
    gcv_xml_escape(f, text, 0);
    fputs("</system-out>\n", f);
}

/* After a block's summary line, a block that fails as its config expects: "(expected)" and
 * its diagnosis, which no failure element carries for it. */
static void xfail_note(char *line, size_t n, const gcv_report_info *in, const gcv_model *m,
                       const gcv_result *r, size_t b)
{
    char diag[GCV_ERROR_LEN];
    size_t k = strlen(line);
    gcv_str_append(line, n, &k, " (expected)");
    if (gcv_report_diagnosis(in, m, r, b, diag, sizeof diag))
        gcv_str_append(line, n, &k, "; diagnosis: %s", diag);
}

/* The testcase "expect" of a config that says "expect": "fail" (strict): it passes when the
 * check failed as the config says it must, and fails when the check passed, since the fault
 * the config carries is then no longer caught. None for an inconclusive check, nor for a
 * shard (GCV_EXPECT_FAIL_SLICE), whose slice may not hold the fault: the merge judges. */
static void expect_case(FILE *f, const char *name, const gcv_result *r, int expect)
{
    if (expect != GCV_EXPECT_FAIL || r->status == GCV_INCONCLUSIVE)
        return;
    testcase_open(f, name, "expect", 0.0);
    if (r->status == GCV_PASS) {
        fputs("      <failure type=\"unexpected-pass\" message=\"expected to fail, but passed\">"
              "the config says &quot;expect&quot;: &quot;fail&quot;, but every checked block "
              "passes: the fault it carries is no longer caught</failure>\n", f);
    } else {
        char line[256];
        snprintf(line, sizeof line, "failed as expected: %zu of %zu blocks fail, and the config "
                 "says \"expect\": \"fail\"", r->blocks_failed, r->n_blocks);
        system_out(f, "      ", line);
    }
    fputs("    </testcase>\n", f);
}

static void write_suite(FILE *f, const gcv_report_info *in, const gcv_model *m,
                        const gcv_result *r, const gcv_regressions *reg, counts *c)
{
    const char *name = in->name ? in->name : "gcverify";
    memset(c, 0, sizeof *c);
    for (size_t b = 0; b < m->n_blocks; b++)
        count_outcome(c, block_outcome(in, m, r, reg, b));
    if (in->expect == GCV_EXPECT_FAIL && r->status != GCV_INCONCLUSIVE)
        count_outcome(c, r->status == GCV_PASS ? OUT_FAILURE : OUT_PASS);
    size_t other = n_other_regressions(reg);
    if (other)
        count_outcome(c, OUT_REGRESSION);
    if (r->stopped)
        count_outcome(c, OUT_ERROR);
    c->time = clean_time(r->seconds);
    suite_open(f, name, c);
    properties(f, in, m, r, reg);

    /* A block's time is the check's time shared out by its cost evaluations (see junit.h). */
    size_t evals = 0;
    for (size_t i = 0; i < r->n_params; i++)
        evals += r->params[i].evaluations;
    char line[GCV_ERROR_LEN];
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        size_t be = 0;
        for (size_t q = 0; q < bl->rows * bl->cols; q++)
            be += r->params[gcv_block_index(bl, q)].evaluations;
        double t = evals ? c->time * (double)be / (double)evals : 0.0;
        testcase_open(f, name, bl->name, t);
        outcome o = block_outcome(in, m, r, reg, b);
        block_verdict(f, in, m, r, reg, b, o);
        block_summary(line, sizeof line, m, r, b);
        if (o == OUT_XFAIL || (o == OUT_REGRESSION && r->blocks[b].status == GCV_FAIL))
            xfail_note(line, sizeof line, in, m, r, b);
        system_out(f, "      ", line);
        fputs("    </testcase>\n", f);
    }
    if (other) {
        char body[4096];
        size_t k = 0;
        body[0] = '\0';
        gcv_str_append(body, sizeof body, &k, "baseline    %s (factor %g)", reg->path,
            reg->factor);
        regression_lines(body, sizeof body, &k, reg, NULL, 0);
        testcase_open(f, name, "baseline", 0.0);
        fprintf(f, "      <failure type=\"baseline-regression\" message=\"%zu regression%s of "
                   "the model against the baseline\">", other, other == 1 ? "" : "s");
        gcv_xml_escape(f, body, 0);
        fputs("</failure>\n    </testcase>\n", f);
    }
    if (r->stopped) {
        /* Every block may pass and the run still be open: say so where CI looks. */
        testcase_open(f, name, "complete", 0.0);
        fprintf(f, "      <error type=\"stopped\" message=\"stopped early: %zu of %zu params "
                   "checked\">the check was stopped (signal or time limit) before it "
                   "visited every parameter; the run is inconclusive</error>\n    </testcase>\n",
                r->params_checked, r->n_params);
    }
    expect_case(f, name, r, in->expect);
    verdict_line(line, sizeof line, r, in->expect);
    system_out(f, "    ", line);
    fputs("  </testsuite>\n", f);
}

static void write_error_suite(FILE *f, const char *name, const char *config, const char *message,
                              const char *type, counts *c)
{
    memset(c, 0, sizeof *c);
    count_outcome(c, OUT_ERROR);
    suite_open(f, name, c);
    if (config) {
        fputs("    <properties>\n", f);
        put_property(f, "config", config);
        fputs("    </properties>\n", f);
    }
    testcase_open(f, name, type ? "check" : "config", 0.0);
    fprintf(f, "      <error type=\"%s\"", type ? type : "invalid-input");
    put_attr(f, "message", message);
    fputc('>', f);
    gcv_xml_escape(f, message, 0);
    fputs("</error>\n    </testcase>\n  </testsuite>\n", f);
}

/* ---- the collection ---- */

typedef struct suite_text {
    char *xml;
    size_t len;
    counts c;
} suite_text;

struct gcv_junit {
    suite_text *suites;
    size_t n, cap;
};

gcv_status gcv_junit_new(gcv_junit **out, gcv_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out) {
        snprintf(err->msg, sizeof err->msg, "out of memory for the JUnit report");
        return GCV_ERR_NOMEM;
    }
    return GCV_OK;
}

void gcv_junit_free(gcv_junit *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++)
        free(j->suites[i].xml);
    free(j->suites);
    free(j);
}

size_t gcv_junit_count(const gcv_junit *j)
{
    return j ? j->n : 0;
}

/* The arguments of one suite, rendered by render(). */
typedef struct suite_args {
    const gcv_report_info *in;
    const gcv_model *m;
    const gcv_result *r;
    const gcv_regressions *reg;
    const char *name, *config, *message; /* error suites */
    const char *type;                    /* NULL: invalid-input */
} suite_args;

static gcv_status push_suite(gcv_junit *j, const suite_args *a, gcv_error *err)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 4;
        suite_text *s = realloc(j->suites, cap * sizeof *s);
        if (!s)
            goto nomem;
        j->suites = s;
        j->cap = cap;
    }
    suite_text *s = &j->suites[j->n];
    memset(s, 0, sizeof *s);
    FILE *f = open_memstream(&s->xml, &s->len);
    if (!f)
        goto nomem;
    if (a->r)
        write_suite(f, a->in, a->m, a->r, a->reg, &s->c);
    else
        write_error_suite(f, a->name, a->config, a->message, a->type, &s->c);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(s->xml);
        s->xml = NULL;
        goto nomem;
    }
    j->n++;
    return GCV_OK;
nomem:
    snprintf(err->msg, sizeof err->msg, "out of memory for the JUnit report");
    return GCV_ERR_NOMEM;
}

gcv_status gcv_junit_add(gcv_junit *j, const gcv_report_info *info, const gcv_model *m,
                         const gcv_result *r, const gcv_regressions *reg, gcv_error *err)
{
    suite_args a = {info, m, r, reg, NULL, NULL, NULL, NULL};
    return push_suite(j, &a, err);
}

gcv_status gcv_junit_add_error(gcv_junit *j, const char *name, const char *config,
                               const char *message, gcv_error *err)
{
    suite_args a = {NULL, NULL, NULL, NULL, name ? name : "gcverify", config,
                    message ? message : "", NULL};
    return push_suite(j, &a, err);
}

gcv_status gcv_junit_add_crash(gcv_junit *j, const char *name, const char *config,
                               const char *message, gcv_error *err)
{
    suite_args a = {NULL, NULL, NULL, NULL, name ? name : "gcverify", config,
                    message ? message : "", "crash"};
    return push_suite(j, &a, err);
}

int gcv_junit_suite_save(const gcv_junit *j, size_t i, FILE *f)
{
    if (i >= j->n)
        return -1;
    const suite_text *s = &j->suites[i];
    fprintf(f, "%zu %zu %zu %zu %a %zu\n", s->c.tests, s->c.failures, s->c.errors,
            s->c.skipped, s->c.time, s->len);
    fwrite(s->xml, 1, s->len, f);
    return ferror(f) ? -1 : 0;
}

gcv_status gcv_junit_suite_load(gcv_junit *j, FILE *f, gcv_error *err)
{
    counts c;
    size_t len;
    while (fscanf(f, "%zu %zu %zu %zu %la %zu", &c.tests, &c.failures, &c.errors, &c.skipped,
                  &c.time, &len) == 6) {
        if (fgetc(f) != '\n' || len > ((size_t)1 << 30))
            break;
        char *xml = malloc(len + 1);
        if (!xml || fread(xml, 1, len, f) != len) {
            free(xml);
            snprintf(err->msg, sizeof err->msg, "--isolate: the child's JUnit suite could not "
                     "be read back");
            return GCV_ERR_IO;
        }
        if (j->n == j->cap) {
            size_t cap = j->cap ? 2 * j->cap : 4;
            suite_text *ns = realloc(j->suites, cap * sizeof *ns);
            if (!ns) {
                free(xml);
                snprintf(err->msg, sizeof err->msg, "out of memory for the JUnit report");
                return GCV_ERR_NOMEM;
            }
            j->suites = ns;
            j->cap = cap;
        }
        j->suites[j->n].xml = xml;
        j->suites[j->n].len = len;
        j->suites[j->n].c = c;
        j->n++;
    }
    return GCV_OK;
}

int gcv_junit_write_stream(const gcv_junit *j, FILE *f)
{
    counts t = {0, 0, 0, 0, 0.0};
    for (size_t i = 0; i < j->n; i++) {
        const counts *c = &j->suites[i].c;
        t.tests += c->tests;
        t.failures += c->failures;
        t.errors += c->errors;
        t.skipped += c->skipped;
        t.time += c->time;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<testsuites name=\"gcverify\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
               "skipped=\"%zu\" time=\"%.6f\">\n",
            t.tests, t.failures, t.errors, t.skipped, t.time);
    for (size_t i = 0; i < j->n; i++)
        fwrite(j->suites[i].xml, 1, j->suites[i].len, f);
    fputs("</testsuites>\n", f);
    return ferror(f) ? -1 : 0;
}

static int write_cb(FILE *f, void *ctx)
{
    return gcv_junit_write_stream(ctx, f);
}

gcv_status gcv_junit_write(const gcv_junit *j, const char *path, gcv_error *err)
{
    return gcv_write_atomic(path, write_cb, (void *)(uintptr_t)j, "JUnit report", err);
}

/* The text report, its diagnosis lines and ordering of the worst parameters (shared with the
 * JSON, JUnit and HTML reports), and the parameters as CSV. The JSON report is schema.c's. */
#include "report.h"

#include "engine/blocks.h"
#include "engine/internal.h"
#include "output.h"
#include "util/strutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- ordering of the worst parameters ---- */

static int rank_of(int status)
{
    return status == GCV_PARAM_NONFINITE ? 0 : status == GCV_PARAM_MISMATCH ? 1 : 2;
}

typedef struct worst_key {
    int rank;
    double rel;
    size_t index;
} worst_key;

static int cmp_worst(const void *a, const void *b)
{
    const worst_key *p = a, *q = b;
    if (p->rank != q->rank)
        return p->rank < q->rank ? -1 : 1;
    if (p->rel != q->rel)
        return p->rel > q->rel ? -1 : 1;
    return p->index < q->index ? -1 : p->index > q->index;
}

size_t gcv_report_worst(const gcv_result *r, size_t n, size_t *out)
{
    size_t P = r->n_params;
    if (n == 0 || P == 0)
        return 0;
    worst_key *keys = malloc(P * sizeof *keys);
    if (!keys)
        return 0;
    size_t np = 0;
    for (size_t i = 0; i < P; i++) {
        const gcv_param_result *p = &r->params[i];
        if (p->status == GCV_PARAM_UNCHECKED)
            continue;
        /* NaN relative errors sort as +Inf so the order stays total. */
        keys[np++] =
            (worst_key){rank_of(p->status), isnan(p->rel_error) ? INFINITY : p->rel_error, i};
    }
    qsort(keys, np, sizeof *keys, cmp_worst);
    size_t k = n < np ? n : np;
    for (size_t i = 0; i < k; i++)
        out[i] = keys[i].index;
    free(keys);
    return k;
}


/* ---- advice ---- */

/* Whether m takes --method complex_step (the engine refuses it without a complex-step cost:
 * float models, plugins without cost_complex). A merged report's model is its blocks alone,
 * with no cost at all: a built-in MLP in double, which always has the complex-step cost. */
static int has_complex_step(const gcv_model *m)
{
    if (m->cost_complex)
        return 1;
    return !m->cost && m->precision == GCV_DOUBLE && strcmp(m->type, "mlp") == 0;
}

/* The methods that could resolve what `method` left within its numeric floor, as this
 * model accepts them: "complex_step or richardson", one of the two, or NULL for none. */
static const char *finer_methods(const gcv_model *m, gcv_method method)
{
    int cs = method != GCV_METHOD_COMPLEX_STEP && has_complex_step(m);
    int ri = method != GCV_METHOD_COMPLEX_STEP && method != GCV_METHOD_RICHARDSON;
    return cs && ri ? "complex_step or richardson" : cs ? "complex_step" : ri ? "richardson" : NULL;
}

/* ---- diagnosis ---- */

static const char *factor_meaning(double s, size_t m)
{
    if (fabs(s) < 1e-3)
        return " (the gradient is missing)";
    if (fabs(s + 1.0) < 1e-3)
        return " (the sign is flipped)";
    if (m > 1 && fabs(s - (double)m) < 1e-3 * (double)m)
        return " (the 1/m of the mean is forgotten)";
    if (m > 1 && fabs(s * (double)m - 1.0) < 1e-3)
        return " (divided by m once too often)";
    return "";
}

static int by_value(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* The shape of a failing block's error when no factor other than ≈ 1 fits: how many entries
 * are wrong and the quantiles of the relative errors of those in the difference. */
static void error_shape(char *buf, size_t n, size_t *k, const gcv_model *m, const gcv_result *r,
                        size_t b)
{
    const gcv_block *bl = &m->blocks[b];
    const gcv_block_result *br = &r->blocks[b];
    size_t cnt = 0, size = bl->rows * bl->cols;
    double *rel = malloc((size ? size : 1) * sizeof *rel);
    for (size_t j = 0; rel && j < size; j++) {
        const gcv_param_result *p = &r->params[bl->offset + j];
        if (p->status == GCV_PARAM_OK || p->status == GCV_PARAM_MISMATCH)
            rel[cnt++] = p->rel_error;
    }
    gcv_str_append(buf, n, k, "%zu of %zu entries wrong (%.0f%%)", br->mismatches,
                   br->checked, br->checked ? 100.0 * (double)br->mismatches / (double)br->checked
                                            : 0.0);
    if (rel && cnt) {
        qsort(rel, cnt, sizeof *rel, by_value);
        gcv_str_append(buf, n, k, ", relative errors: median %.1e, 90%% %.1e, largest %.1e",
                       rel[cnt / 2], rel[(cnt * 9) / 10 < cnt ? (cnt * 9) / 10 : cnt - 1],
                       rel[cnt - 1]);
    }
    free(rel);
}

size_t gcv_report_diagnosis(const gcv_report_info *in, const gcv_model *m,
                            const gcv_result *r, size_t b, char *buf, size_t n)
{
    const gcv_block *bl = &m->blocks[b];
    const gcv_block_result *br = &r->blocks[b];
    size_t k = 0;
    buf[0] = '\0';
    if (br->within_floor) {
        const char *finer = finer_methods(m, r->options.method);
        gcv_str_append(buf, n, &k, "difference %.1e is over the threshold but within the "
            "numeric floor %.1e", br->difference, br->floor_difference);
        if (br->escalated)
            gcv_str_append(buf, n, &k, " after %zu parameters re-estimated", br->escalated);
        if (br->power > 0.0 && isfinite(br->power))
            gcv_str_append(buf, n, &k, " (a relative error up to %.0e could be missed)",
                           br->power);
        gcv_str_append(buf, n, &k, ", so it was not resolved; ");
        /* Only what this model can run: no complex_step for a float model, say. */
        if (finer)
            gcv_str_append(buf, n, &k, "try --method %s", finer);
        else
            gcv_str_append(buf, n, &k, "no finer method is available for this model: a "
                "threshold of %.1e or more is within its reach", GCV_MARGIN * br->floor_difference);
        return k;
    }
    if (br->status != GCV_FAIL)
        return 0;
    const char *sep = "";
    if (br->transposed_difference <= r->options.threshold) {
        gcv_str_append(buf, n, &k, "analytic matches numeric transposed (difference %.1e): the "
            "gradient was computed as a %zu×%zu matrix", br->transposed_difference, bl->cols,
            bl->rows);
        sep = "; ";
    } else if (fabs(br->scale - 1.0) >= 5e-4 && br->scale_residual < 1e-3) {
        gcv_str_append(buf, n, &k, "analytic ≈ %.3f × numeric%s", br->scale,
            factor_meaning(br->scale, in->examples));
        sep = "; ";
    } else {
        /* No factor explains it, or one that prints as 1.000 and reads as "fine": say how
         * the error is spread instead. */
        error_shape(buf, n, &k, m, r, b);
        sep = "; ";
    }
    /* Rows whose gradient is zero throughout (a dead unit) cannot show an error: a bug is
     * confined to some rows only when other rows with a gradient are right. */
    /* An N-d block's rows are its lines along the last axis, named by their leading
     * coordinates. */
    char row[96];
    gcv_block_format_row(bl, br->first_bad_row, row, sizeof row);
    if (br->bad_rows && br->bad_rows < br->live_rows) {
        if (br->bad_rows == 1)
            gcv_str_append(buf, n, &k, "%sonly row %s is wrong", sep, row);
        else
            gcv_str_append(buf, n, &k, "%s%zu of %zu rows with a gradient are wrong, the first "
                "is row %s", sep, br->bad_rows, br->live_rows, row);
    } else if (br->bad_cols && br->bad_cols < br->live_cols) {
        if (br->bad_cols == 1)
            gcv_str_append(buf, n, &k, "%sonly column %zu is wrong", sep, br->first_bad_col);
        else
            gcv_str_append(buf, n, &k, "%s%zu of %zu columns with a gradient are wrong, the "
                "first is column %zu", sep, br->bad_cols, br->live_cols, br->first_bad_col);
    }
    return k;
}

/* ---- text ---- */

/* Unchecked is not painted: nothing was found, good or bad. */
static const char *paint(const gcv_report_info *in, gcv_verdict v)
{
    if (!in->color || v == GCV_UNCHECKED)
        return "";
    return v == GCV_PASS ? "\033[32m" : v == GCV_FAIL ? "\033[1;31m" : "\033[33m";
}

static const char *reset(const gcv_report_info *in, gcv_verdict v)
{
    return in->color && v != GCV_UNCHECKED ? "\033[0m" : "";
}

static void verdict_word(char *buf, size_t n, gcv_verdict v)
{
    snprintf(buf, n, "%s", v == GCV_PASS        ? "pass"
                           : v == GCV_FAIL      ? "FAIL"
                           : v == GCV_UNCHECKED ? "unchecked"
                                                : "INCONCLUSIVE");
}

/* s in a column w wide, right-aligned (or left): padded by display columns, not bytes, so
 * "—" and "×" (3 and 2 bytes, 1 column) line up with the numbers. */
static void cell(FILE *f, const char *s, int w, int left)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        cols += (*p & 0xC0) != 0x80;
    int pad = w > cols ? w - cols : 0;
    if (left)
        fprintf(f, "%s%*s", s, pad, "");
    else
        fprintf(f, "%*s%s", pad, "", s);
}

#define NONE "—" /* not measured: an unchecked block's numbers, a directional block's per
                  * parameter ones */

static void fmt_seconds(char *buf, size_t n, double s)
{
    if (s < 1e-3)
        snprintf(buf, n, "%.0f µs", s * 1e6);
    else if (s < 1.0)
        snprintf(buf, n, "%.1f ms", s * 1e3);
    else
        snprintf(buf, n, "%.2f s", s);
}

static void text_header(FILE *f, const gcv_report_info *in, const gcv_model *m,
                        const gcv_result *r)
{
    char t[32];
    fmt_seconds(t, sizeof t, r->seconds);
    fprintf(f, "gcverify · %s\n", in->config ? in->config : in->name);
    fprintf(f, "model   %s · %zu params", in->description, m->n_params);
    if (in->examples) /* 0: not said (a plugin may not say) */
        fprintf(f, " · %zu example%s", in->examples, in->examples == 1 ? "" : "s");
    fputc('\n', f);
    char step[64];
    const gcv_options *o = &r->options;
    if (o->method == GCV_METHOD_COMPLEX_STEP)
        snprintf(step, sizeof step, "h = 1e-30 (imaginary)");
    else if (o->method == GCV_METHOD_RICHARDSON)
        snprintf(step, sizeof step, "h₀ = 1e-2·max(|θ|,1)");
    else if (o->epsilon_auto)
        snprintf(step, sizeof step, "ε = auto");
    else
        snprintf(step, sizeof step, "ε = %.0e", o->epsilon);
    fprintf(f, "check   %s, %s, threshold %.0e · %d thread%s · %zu cost evaluations in %s\n",
            gcv_method_name(o->method), step, o->threshold, r->threads,
            r->threads == 1 ? "" : "s", r->evaluations, t);
    if (r->evaluations_noise + r->evaluations_escalation)
        fprintf(f, "        %zu for the check, %zu measuring the noise, %zu escalating %zu "
                   "suspect parameters\n",
                r->evaluations - r->evaluations_noise - r->evaluations_escalation,
                r->evaluations_noise, r->evaluations_escalation, r->params_escalated);
    for (size_t i = 0; i < in->n_notes; i++)
        fprintf(f, "note    %s\n", in->notes[i]);
    fprintf(f, "cost    J = %.10g\n\n", r->cost);
}

static size_t block_kinks(const gcv_block_result *br)
{
    return br->kinks + br->kinks_ok + br->kinks_avoided;
}

/* The numbers of block b's row that the run measured, else NONE: an unchecked block has
 * none; a directional one has its difference and power but no per-parameter errors, worst
 * coordinates or mismatch count. */
static void block_cells(FILE *f, const gcv_block *bl, const gcv_block_result *br)
{
    char diff[32], rel[32], worst[48], mis[32], power[32];
    int unchecked = br->status == GCV_UNCHECKED, per_param = !unchecked && !br->directions;
    snprintf(diff, sizeof diff, "%.1e", br->difference);
    snprintf(rel, sizeof rel, "%.1e", br->max_rel_error);
    gcv_block_format_coords(bl, br->worst_row * bl->cols + br->worst_col, worst, sizeof worst);
    snprintf(mis, sizeof mis, "%zu", br->mismatches);
    snprintf(power, sizeof power, "%.0e", br->power);
    fputs("  ", f);
    cell(f, unchecked ? NONE : diff, 10, 0);
    fputs("  ", f);
    cell(f, per_param ? rel : NONE, 11, 0);
    fputs("  ", f);
    cell(f, per_param ? worst : NONE, 11, 1);
    fputs(" ", f);
    cell(f, br->directions ? NONE : mis, 11, 0);
    fputs("  ", f);
    cell(f, unchecked ? NONE : power, 5, 0);
}

/* Display columns of s (UTF-8: "×" is two bytes, one column). */
static size_t text_columns(const char *s)
{
    size_t cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        cols += (*p & 0xC0) != 0x80;
    return cols;
}

/* The block column as wide as the longest name (at least "block"), the shape column as the
 * widest shape (at least 11 columns, as it always was), so long names ("fcprojw[0]") and
 * N-d shapes keep the table aligned. */
static int name_width(const gcv_model *m)
{
    size_t w = 5;
    for (size_t b = 0; b < m->n_blocks; b++)
        if (strlen(m->blocks[b].name) > w)
            w = strlen(m->blocks[b].name);
    return (int)w;
}

static int shape_width(const gcv_model *m)
{
    size_t w = 11;
    for (size_t b = 0; b < m->n_blocks; b++) {
        char shape[96];
        gcv_block_format_shape(&m->blocks[b], shape, sizeof shape);
        if (text_columns(shape) > w)
            w = text_columns(shape);
    }
    return (int)w;
}

static void text_blocks(FILE *f, const gcv_report_info *in, const gcv_model *m,
                        const gcv_result *r)
{
    int kinks = r->kinks + r->kinks_ok + r->kinks_avoided > 0, nonfin = r->nonfinite > 0;
    int taylor = r->options.taylor, wn = name_width(m), ws = shape_width(m);
    fprintf(f, "layer  %-*s  %-*schecked  difference  max rel err  worst        "
               "mismatches  power%s%s%s  status\n", wn, "block", ws + 2, "shape",
            kinks ? "  kinks" : "", nonfin ? "  nonfinite" : "", taylor ? "  taylor" : "");
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        const gcv_block_result *br = &r->blocks[b];
        char shape[96], st[16];
        gcv_block_format_shape(bl, shape, sizeof shape);
        verdict_word(st, sizeof st, br->status);
        char checked[32];
        if (br->directions)
            snprintf(checked, sizeof checked, "%u dirs", br->directions);
        else
            snprintf(checked, sizeof checked, "%zu", br->checked);
        fprintf(f, "%-5d  %-*s  ", bl->layer, wn, bl->name);
        cell(f, shape, ws, 1);
        fprintf(f, " %8s", checked);
        block_cells(f, bl, br);
        if (kinks)
            fprintf(f, "  %5zu", block_kinks(br));
        if (nonfin)
            fprintf(f, "  %9zu", br->nonfinite);
        if (taylor && block_kinks(br))
            fputs("    kink", f); /* J is not differentiable there: no order to see */
        else if (taylor)
            fprintf(f, "  %6.2f", br->taylor_order);
        fprintf(f, "  %s%s%s\n", paint(in, br->status), st, reset(in, br->status));
    }
}

static void text_diagnosis(FILE *f, const gcv_report_info *in, const gcv_model *m,
                           const gcv_result *r)
{
    char line[GCV_ERROR_LEN];
    int header = 0, wn = name_width(m);
    for (size_t b = 0; b < m->n_blocks; b++) {
        if (!gcv_report_diagnosis(in, m, r, b, line, sizeof line))
            continue;
        if (!header++)
            fputs("\ndiagnosis\n", f);
        fprintf(f, "  %-*s  %s\n", wn, m->blocks[b].name, line);
    }
    if (r->kinks + r->kinks_ok + r->kinks_avoided) {
        fprintf(f, "\nkinks   %zu params crossed a ReLU kink at ±ε: %zu resolved with a smaller "
                   "step or one side, %zu sit on the kink with the analytic value equal to a "
                   "one-sided derivative%s",
                r->kinks + r->kinks_ok + r->kinks_avoided, r->kinks_avoided, r->kinks_ok,
                r->kinks ? ", " : "\n");
        if (r->kinks)
            fprintf(f, "%zu unresolved (not judged)\n", r->kinks);
    }
    if (r->status != GCV_FAIL && r->options.threshold < r->floor_difference) {
        const char *finer = finer_methods(m, r->options.method);
        fprintf(f, "\nwarning: the threshold %.0e is below what %s can resolve here (numeric "
                   "floor %.1e); %s%s\n",
                r->options.threshold, gcv_method_name(r->options.method), r->floor_difference,
                finer ? "use " : "no finer method is available for this model",
                finer ? finer : "");
    }
    /* A flat cost (saturated outputs, dead units) makes every check pass vacuously. */
    double gmax = 0.0;
    for (size_t i = 0; i < r->n_params; i++)
        if (r->params[i].status != GCV_PARAM_UNCHECKED && isfinite(r->params[i].analytic))
            gmax = fmax(gmax, fabs(r->params[i].analytic));
    if (r->params_checked && gmax < 1e-12 * fmax(1.0, fabs(r->cost)))
        fprintf(f, "warning: the cost is flat here (largest |g| %.1e): saturated outputs or "
                   "dead units; a pass says little about the gradient code\n", gmax);
    for (size_t b = 0; b < m->n_blocks; b++)
        if (r->blocks[b].floor_difference > 0.1)
            fprintf(f, "warning: %s's gradient is at the noise level of the numeric estimate "
                       "(floor %.1e of its norm): its difference says little\n",
                    m->blocks[b].name, r->blocks[b].floor_difference);
}

static void text_worst(FILE *f, const gcv_report_info *in, const gcv_model *m,
                       const gcv_result *r)
{
    size_t n = in->top;
    if (n == 0)
        return;
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx)
        return;
    size_t k = gcv_report_worst(r, n, idx);
    if (k == 0) {
        free(idx);
        return;
    }
    /* The index column as wide as the largest index listed (P may have 9 digits). */
    int w = 5;
    for (size_t t = 0; t < k; t++)
        for (int d = snprintf(NULL, 0, "%zu", idx[t]); d > w; w = d)
            ;
    fprintf(f, "\nworst %zu parameter%s by relative error\n", k, k == 1 ? "" : "s");
    int wn = name_width(m);
    fprintf(f, "  %*s  %-*s  coords        theta         analytic          numeric    rel err  "
               "status\n", w, "index", wn, "block");
    for (size_t t = 0; t < k; t++) {
        size_t i = idx[t];
        const gcv_param_result *p = &r->params[i];
        size_t off;
        const gcv_block *bl = &m->blocks[gcv_model_locate(m, i, &off)];
        char coords[96];
        gcv_block_format_coords(bl, off, coords, sizeof coords);
        fprintf(f, "  %*zu  %-*s  %-10s  %11.4e  %15.8e  %15.8e  %9.2e  %s\n", w, i, wn, bl->name,
                coords, p->theta, p->analytic, p->numeric, p->rel_error,
                gcv_param_status_name((gcv_param_status)p->status));
    }
    free(idx);
}

/* A shard's report is one slice of the check: its verdict is not the model's. */
static void text_shard(FILE *f, const gcv_report_info *in, const gcv_result *r)
{
    if (in->shard_count)
        fprintf(f, "\nshard %zu/%zu: %zu of %zu parameters; merge the shards for the verdict\n",
                in->shard_index, in->shard_count, r->params_checked, r->n_params);
}

static void text_verdict(FILE *f, const gcv_report_info *in, const gcv_result *r)
{
    char st[16];
    verdict_word(st, sizeof st, r->status);
    size_t bad_params = r->mismatches + r->nonfinite, unchecked = 0;
    for (size_t b = 0; b < r->n_blocks; b++)
        unchecked += r->blocks[b].status == GCV_UNCHECKED;
    if (r->n_blocks && unchecked == r->n_blocks) /* nothing measured: no difference to give */
        fprintf(f, "%soverall difference " NONE " · %s%s%s", in->shard_count ? "" : "\n",
                paint(in, r->status), st, reset(in, r->status));
    else
        fprintf(f, "%soverall difference %.2e %s %.0e · %s%s%s", in->shard_count ? "" : "\n",
                r->difference, r->difference > r->options.threshold ? ">" : "≤",
                r->options.threshold, paint(in, r->status), st, reset(in, r->status));
    if (r->stopped)
        fprintf(f, " · stopped early: %zu of %zu params checked", r->params_checked,
                r->n_params);
    else if (r->sampled)
        fprintf(f, " · sampled: %zu of %zu params checked (%.1f%%)", r->params_checked,
                r->n_params, 100.0 * (double)r->params_checked / (double)r->n_params);
    else if (unchecked) /* --limit, --shard */
        fprintf(f, " · %zu of %zu params checked", r->params_checked, r->n_params);
    if (unchecked)
        fprintf(f, " · %zu of %zu blocks unchecked", unchecked, r->n_blocks);
    /* A directional check without drill-down counted blocks, not parameters. */
    if (r->status == GCV_FAIL && r->params_checked)
        fprintf(f, " · %zu of %zu blocks, %zu of %zu params", r->blocks_failed, r->n_blocks,
                bad_params, r->n_params);
    else if (r->status == GCV_FAIL)
        fprintf(f, " · %zu of %zu blocks", r->blocks_failed, r->n_blocks);
    else if (r->status == GCV_INCONCLUSIVE && r->nonfinite)
        fprintf(f, " · %zu of %zu params with a non-finite cost or gradient", r->nonfinite,
                r->n_params);
    fputc('\n', f);
}

void gcv_report_text(FILE *f, const gcv_report_info *in, const gcv_model *m,
                     const gcv_result *r)
{
    text_header(f, in, m, r);
    text_blocks(f, in, m, r);
    text_diagnosis(f, in, m, r);
    text_worst(f, in, m, r);
    text_shard(f, in, r);
    text_verdict(f, in, r);
}

/* ---- parameters as CSV ---- */

typedef struct csv_ctx {
    const gcv_model *m;
    const gcv_result *r;
} csv_ctx;

/* The CSV's row column: the row of a matrix; for a block of three or four axes its leading
 * coordinates joined by ':' (the column is the last axis), so the columns stay the same. */
static void csv_row(const gcv_block *bl, size_t k, char *buf, size_t n)
{
    size_t c[GCV_MAX_DIMS], len = 0;
    unsigned nd = gcv_block_coords(bl, k, c);
    buf[0] = '\0';
    if (nd <= 2) {
        snprintf(buf, n, "%zu", nd == 2 ? c[0] : 0);
        return;
    }
    for (unsigned a = 0; a + 1 < nd && len < n; a++)
        len += (size_t)snprintf(buf + len, n - len, "%s%zu", a ? ":" : "", c[a]);
}

static int csv_writer(FILE *f, void *ctx)
{
    const csv_ctx *c = ctx;
    const gcv_model *m = c->m;
    fputs("index,block,row,column,theta,analytic,numeric,abs_error,rel_error,floor,status\n", f);
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        for (size_t k = 0; k < bl->rows * bl->cols; k++) {
            const gcv_param_result *p = &c->r->params[gcv_block_index(bl, k)];
            if (p->status == GCV_PARAM_UNCHECKED)
                continue;
            char row[96];
            csv_row(bl, k, row, sizeof row);
            fprintf(f, "%zu,%s,%s,%zu,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%s\n",
                    gcv_block_index(bl, k), bl->name, row, k % bl->cols, p->theta,
                    p->analytic, p->numeric, p->abs_error, p->rel_error, p->floor,
                    gcv_param_status_name((gcv_param_status)p->status));
        }
    }
    return ferror(f) ? -1 : 0;
}

gcv_status gcv_report_params_csv(const char *path, const gcv_model *m, const gcv_result *r,
                                 gcv_error *err)
{
    csv_ctx c = {m, r};
    return gcv_write_atomic(path, csv_writer, &c, "report", err);
}

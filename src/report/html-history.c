/* The HTML report's history (see html.h): each block's difference over earlier reports of
 * the same config (--history, then the baseline) and this run, and the loading of those
 * reports (through the baseline reader). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/html-priv.h"

/* ---- history over earlier reports ---- */

static double history_value(const gcv_baseline *rep, const char *name)
{
    const gcv_baseline_block *bb = gcv_baseline_find(rep, name);
    return bb ? bb->difference : NAN;
}

enum { HX0 = 40, HXW = 170, HY0 = 8 };

/* Block b's difference in each earlier report (NAN where it is absent), then this run's. */
static void block_history(const page *p, const gcv_baseline *const *reps, size_t n, size_t b,
                          double *v)
{
    for (size_t j = 0; j + 1 < n; j++)
        v[j] = history_value(reps[j], p->m->blocks[b].name);
    v[n - 1] = p->r->blocks[b].difference;
}

/* One axis for every block's chart: the decades of all values and the threshold. */
static axis history_axis(const page *p, const gcv_baseline *const *reps, size_t n, double *v)
{
    double thr = p->r->options.threshold, vmin = thr, vmax = thr;
    for (size_t b = 0; b < p->m->n_blocks; b++) {
        block_history(p, reps, n, b, v);
        for (size_t j = 0; j < n; j++)
            if (v[j] > 0.0 && isfinite(v[j])) {
                vmin = fmin(vmin, v[j]);
                vmax = fmax(vmax, v[j]);
            }
    }
    axis ay = {floor(log10(vmin)), ceil(log10(vmax)), 0, 56};
    if (ay.hi - ay.lo < 2.0)
        ay.lo = ay.hi - 2.0;
    return ay;
}

static double hx(size_t j, size_t n)
{
    return HX0 + 6 + (HXW - 12) * (double)j / (double)(n - 1);
}

static double hy(const axis *ay, double v)
{
    return HY0 + ay->w - ax_pos(ay, v);
}

/* Block b's chart: its values as data-differences, the threshold, a line through consecutive
 * known points (a missing one breaks it) and a point per report, this run's coloured. */
static void history_chart(page *p, const gcv_baseline *const *reps, size_t n, const axis *ay,
                          size_t b, double *v)
{
    FILE *f = p->f;
    const gcv_block *bl = &p->m->blocks[b];
    block_history(p, reps, n, b, v);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"history\" id=\"history-%zu\" "
               "width=\"220\" height=\"86\" viewBox=\"0 0 220 86\"",
            b);
    attr(f, "data-block", bl->name);
    fputs(" data-differences=\"", f);
    for (size_t j = 0; j < n; j++) {
        if (isfinite(v[j]))
            fprintf(f, j ? " %.17g" : "%.17g", v[j]);
        else
            fputs(j ? " null" : "null", f);
    }
    fputs("\">\n<text class=\"lab\" x=\"4\" y=\"82\">", f);
    text(f, bl->name);
    fprintf(f, "</text><text x=\"36\" y=\"%.1f\" text-anchor=\"end\">", HY0 + 4.0);
    decade(f, ay->hi);
    fprintf(f, "</text><text x=\"36\" y=\"%.1f\" text-anchor=\"end\">", HY0 + ay->w + 4);
    decade(f, ay->lo);
    fprintf(f, "</text><rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%.0f\"/>",
            HX0, HY0, HXW, ay->w);
    double yt = hy(ay, p->r->options.threshold);
    fprintf(f, "<line class=\"threshold\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", HX0,
            yt, HX0 + HXW, yt);
    for (size_t j = 0; j + 1 < n; j++)
        if (!isnan(v[j]) && !isnan(v[j + 1]))
            fprintf(f, "<line class=\"hist\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                    hx(j, n), hy(ay, v[j]), hx(j + 1, n), hy(ay, v[j + 1]));
    for (size_t j = 0; j < n; j++) {
        if (isnan(v[j]))
            continue;
        int now = j + 1 == n;
        fprintf(f, "<circle class=\"hpt %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\"><title>",
                now ? gcv_verdict_name(p->r->blocks[b].status) : "", hx(j, n), hy(ay, v[j]),
                now ? "4" : "3");
        text(f, now ? "this run" : reps[j]->path);
        fputs(": ", f);
        sci(f, v[j], 2);
        fputs("</title></circle>", f);
    }
    fputs("\n</svg>\n", f);
}

/* The history charts, when there are earlier reports: --history's, then the baseline. */
void gcv_html_history_section(page *p)
{
    FILE *f = p->f;
    const gcv_html_history *hs = p->o ? p->o->history : NULL;
    const gcv_baseline *base = p->o ? p->o->baseline : NULL;
    size_t nh = hs ? hs->n : 0, n = nh + (base != NULL) + 1;
    if (n < 2)
        return;
    const gcv_baseline **reps = malloc((n - 1) * sizeof *reps);
    double *v = malloc(n * sizeof *v);
    if (!reps || !v) {
        free(reps);
        free(v);
        p->nomem = 1;
        return;
    }
    for (size_t j = 0; j < nh; j++)
        reps[j] = hs->reports[j];
    if (base)
        reps[nh] = base;
    axis ay = history_axis(p, reps, n, v);
    fputs("<h2>History</h2>\n<div class=\"history\">\n", f);
    for (size_t b = 0; b < p->m->n_blocks; b++)
        history_chart(p, reps, n, &ay, b, v);
    fputs("</div>\n<p class=\"stats\">Each block's difference over the reports, oldest first, "
          "then this run (dashed: the threshold):</p>\n<ol class=\"stats\">\n",
          f);
    for (size_t j = 0; j + 1 < n; j++) {
        fputs("<li><code>", f);
        text(f, reps[j]->path);
        fputs("</code></li>\n", f);
    }
    fputs("<li>this run</li>\n</ol>\n", f);
    free(reps);
    free(v);
}

/* ---- history files ---- */

gcv_status gcv_html_history_load(const char *const *paths, size_t n, const char *name,
                                 size_t max_memory, gcv_html_history *out, gcv_error *err)
{
    out->n = 0;
    out->reports = NULL;
    if (n == 0)
        return GCV_OK;
    if (!(out->reports = calloc(n, sizeof *out->reports))) {
        snprintf(err->msg, sizeof err->msg, "out of memory for the history");
        return GCV_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const char *path = paths[i];
        char *joined = NULL;
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            size_t len = strlen(path) + strlen(name) + 7;
            if (!(joined = malloc(len))) {
                gcv_html_history_free(out);
                snprintf(err->msg, sizeof err->msg, "out of memory for the history");
                return GCV_ERR_NOMEM;
            }
            snprintf(joined, len, "%s/%s.json", path, name);
            if (access(joined, F_OK) != 0) {
                free(joined); /* no report of this config that night */
                continue;
            }
            path = joined;
        }
        gcv_status st = gcv_baseline_load(path, max_memory, &out->reports[out->n], err);
        free(joined);
        if (st != GCV_OK) {
            gcv_html_history_free(out);
            return st;
        }
        out->n++;
    }
    return GCV_OK;
}

void gcv_html_history_free(gcv_html_history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        gcv_baseline_free(h->reports[i]);
    free(h->reports);
    h->n = 0;
    h->reports = NULL;
}

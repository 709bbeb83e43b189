/* The HTML report's block cards (see html.h): per block a scatter of |analytic| against
 * |numeric| and a heatmap (or strip) of the relative error, drawn from the result alone.
 * The only allocations are the per-block scratch arrays for the scatter and the heatmap. */
#include <stdlib.h>
#include <string.h>

#include "engine/blocks.h"
#include "report/html-priv.h"

/* ---- scatter of analytic against numeric ---- */

enum { SC_X0 = GCV_HTML_SCATTER_X0, SC_Y0 = GCV_HTML_SCATTER_Y0, SC_S = GCV_HTML_SCATTER_S };

static int drawable(const gcv_param_result *q)
{
    return q->status != GCV_PARAM_UNCHECKED && q->status != GCV_PARAM_NONFINITE &&
           isfinite(q->analytic) && isfinite(q->numeric) &&
           (q->analytic != 0.0 || q->numeric != 0.0);
}

static int notable(const gcv_param_result *q)
{
    return q->status == GCV_PARAM_MISMATCH || q->status == GCV_PARAM_KINK;
}

typedef struct rank_key {
    double rel;
    size_t k;
} rank_key;

static int cmp_rank(const void *a, const void *b)
{
    const rank_key *x = a, *y = b;
    if (x->rel != y->rel)
        return x->rel > y->rel ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

/* Which of the block's parameters the scatter shows, as flags in pick (one per entry):
 * every drawable one when they fit; otherwise the mismatches and kinks by relative error
 * (at most half the points), then the others evenly spread over the block. Returns how many
 * were picked, or SIZE_MAX when out of memory. */
static size_t scatter_pick(const gcv_param_result *ps, size_t n, unsigned char *pick,
                           size_t *n_drawable)
{
    size_t nd = 0, nn = 0;
    for (size_t k = 0; k < n; k++) {
        pick[k] = 0;
        if (drawable(&ps[k])) {
            nd++;
            nn += (size_t)notable(&ps[k]);
        }
    }
    *n_drawable = nd;
    if (nd <= GCV_HTML_MAX_POINTS) {
        for (size_t k = 0; k < n; k++)
            pick[k] = (unsigned char)drawable(&ps[k]);
        return nd;
    }
    size_t taken = 0;
    if (nn) {
        rank_key *keys = malloc(nn * sizeof *keys);
        if (!keys)
            return SIZE_MAX;
        size_t j = 0;
        for (size_t k = 0; k < n; k++)
            if (drawable(&ps[k]) && notable(&ps[k]))
                keys[j++] = (rank_key){isnan(ps[k].rel_error) ? INFINITY : ps[k].rel_error, k};
        qsort(keys, nn, sizeof *keys, cmp_rank);
        size_t cap = GCV_HTML_MAX_POINTS / 2;
        for (j = 0; j < nn && j < cap; j++)
            pick[keys[j].k] = 1;
        taken = j;
        free(keys);
    }
    size_t rest = nd - taken, want = GCV_HTML_MAX_POINTS - taken;
    /* The t-th of the rest is picked when it is the first at or after ⌈j·rest/want⌉. */
    size_t t = 0, next = 0, j = 0;
    for (size_t k = 0; k < n && j < want; k++) {
        if (!drawable(&ps[k]) || pick[k])
            continue;
        if (t == next) {
            pick[k] = 1;
            j++;
            next = (size_t)(((unsigned long long)j * rest + want - 1) / want);
        }
        t++;
    }
    return taken + j;
}

static void point(page *p, const gcv_block *bl, const axis *ax, size_t k, const gcv_param_result *q)
{
    FILE *f = p->f;
    double a = q->analytic, g = q->numeric;
    const char *sign = a == 0.0 || g == 0.0 ? "zero"
                       : (a > 0) != (g > 0) ? "flip"
                       : a > 0              ? "pos"
                                            : "neg";
    int bad = q->status == GCV_PARAM_MISMATCH, kink = q->status == GCV_PARAM_KINK;
    double x = ax_pos(ax, fabs(g)), y = SC_Y0 + SC_S - (ax_pos(ax, fabs(a)) - SC_X0);
    fprintf(f, "<circle class=\"pt %s%s%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" data-i=\"%zu\">"
               "<title>",
            sign, bad ? " bad" : "", kink ? " kink" : "", x, y, bad ? "3.8" : "2.4",
            gcv_block_index(bl, k));
    text(f, bl->name);
    char coords[96];
    gcv_block_format_coords(bl, k, coords, sizeof coords);
    fprintf(f, " %s analytic %.4e, numeric %.4e, rel err %.2e, %s</title></circle>\n",
            coords, a, g, q->rel_error,
            gcv_param_status_name((gcv_param_status)q->status));
}

/* The scatter's decades: the picked values' range, 2 to 12 decades. */
static axis scatter_axis(const gcv_param_result *ps, size_t n, const unsigned char *pick,
                         size_t shown)
{
    double vmin = INFINITY, vmax = 0.0;
    for (size_t k = 0; k < n; k++) {
        if (!pick[k])
            continue;
        double v[2] = {fabs(ps[k].analytic), fabs(ps[k].numeric)};
        for (int i = 0; i < 2; i++)
            if (v[i] > 0.0) {
                vmin = fmin(vmin, v[i]);
                vmax = fmax(vmax, v[i]);
            }
    }
    axis ax = {0.0, 1.0, SC_X0, SC_S};
    if (shown) {
        ax.hi = ceil(log10(vmax));
        ax.lo = floor(log10(vmin));
        if (ax.hi - ax.lo < 2.0)
            ax.lo = ax.hi - 2.0;
        if (ax.hi - ax.lo > 12.0)
            ax.lo = ax.hi - 12.0;
    }
    return ax;
}

/* Grid, decade labels, frame, the y = x line and the axis titles. */
static void scatter_frame(FILE *f, const axis *ax)
{
    fputs("<g class=\"grid\">", f);
    int step = ax->hi - ax->lo > 6 ? 2 : 1;
    for (double d = ax->lo; d <= ax->hi; d += step) {
        double t = SC_S * (d - ax->lo) / (ax->hi - ax->lo);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>", SC_X0 + t, SC_Y0,
                SC_X0 + t, SC_Y0 + SC_S);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", SC_X0,
                SC_Y0 + SC_S - t, SC_X0 + SC_S, SC_Y0 + SC_S - t);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", SC_X0 + t,
                SC_Y0 + SC_S + 14);
        decade(f, d);
        fprintf(f, "</text><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", SC_X0 - 4,
                SC_Y0 + SC_S - t + 4);
        decade(f, d);
        fputs("</text>", f);
    }
    fprintf(f, "</g>\n<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
               "<line class=\"diag\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
            SC_X0, SC_Y0, SC_S, SC_S, SC_X0, SC_Y0 + SC_S, SC_X0 + SC_S, SC_Y0);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">|numeric|</text>"
               "<text transform=\"rotate(-90)\" x=\"%d\" y=\"11\" text-anchor=\"middle\">"
               "|analytic|</text>\n",
            SC_X0 + SC_S / 2, SC_Y0 + SC_S + 30, -(SC_Y0 + SC_S / 2));
}

/* Why nothing is drawn, in the middle of an empty plot. */
static void scatter_empty(FILE *f, const gcv_block_result *br)
{
    if (br->directions)
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">judged along %u "
                   "directions:</text><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no "
                   "per-parameter values</text>\n",
                SC_X0 + SC_S / 2, SC_Y0 + SC_S / 2 - 8, br->directions, SC_X0 + SC_S / 2,
                SC_Y0 + SC_S / 2 + 8);
    else
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">nothing to plot</text>\n",
                SC_X0 + SC_S / 2, SC_Y0 + SC_S / 2);
}

/* What was drawn and what was not. */
static void scatter_caption(FILE *f, const gcv_param_result *ps, size_t n, size_t shown,
                            size_t nd)
{
    size_t zeros = 0, nonfin = 0;
    for (size_t k = 0; k < n; k++) {
        if (ps[k].status == GCV_PARAM_NONFINITE)
            nonfin++;
        else if (ps[k].status != GCV_PARAM_UNCHECKED && ps[k].analytic == 0.0 &&
                 ps[k].numeric == 0.0)
            zeros++;
    }
    fputs("<figcaption>analytic against numeric, log-log; ", f);
    if (shown < nd)
        fprintf(f, "%zu of %zu shown (the worst first, then evenly spread)", shown, nd);
    else
        fprintf(f, "all %zu shown", nd);
    if (zeros)
        fprintf(f, "; %zu with g = g̃ = 0 not drawn", zeros);
    if (nonfin)
        fprintf(f, "; %zu non-finite not drawn", nonfin);
    fputs("</figcaption></figure>\n", f);
}

static void scatter(page *p, size_t b)
{
    FILE *f = p->f;
    const gcv_block *bl = &p->m->blocks[b];
    size_t n = bl->rows * bl->cols, nd = 0;
    gcv_param_result *owned;
    const gcv_param_result *ps = gcv_block_params(bl, p->r->params, &owned);
    unsigned char *pick = malloc(n ? n : 1);
    size_t shown = pick && ps ? scatter_pick(ps, n, pick, &nd) : SIZE_MAX;
    if (shown == SIZE_MAX) {
        p->nomem = 1;
        free(pick);
        free(owned);
        return;
    }
    axis ax = scatter_axis(ps, n, pick, shown);
    int w = SC_X0 + SC_S + 14, h = SC_Y0 + SC_S + 40;
    fprintf(f, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"scatter\" "
               "id=\"scatter-%zu\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\"",
            b, w, h, w, h);
    attr(f, "data-block", bl->name);
    fprintf(f, " data-points=\"%zu\" data-shown=\"%zu\" data-lo=\"%d\" data-hi=\"%d\" "
               "role=\"img\"", nd, shown, (int)ax.lo, (int)ax.hi);
    attr(f, "aria-label", bl->name);
    fputs(">\n", f);
    scatter_frame(f, &ax);
    /* The mismatches last, so they are drawn on top. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < n; k++)
            if (pick[k] && notable(&ps[k]) == pass)
                point(p, bl, &ax, k, &ps[k]);
    if (!shown)
        scatter_empty(f, &p->r->blocks[b]);
    fputs("</svg>\n", f);
    scatter_caption(f, ps, n, shown, nd);
    free(pick);
    free(owned);
}

/* ---- heatmap of the relative error ---- */

/* A parameter's colour code: 0 unchecked, 1 no gradient, 2–5 ok by relative error, 6 an
 * unresolved kink, 7–9 a mismatch by relative error, 10 non-finite. A tile takes the
 * largest code of its parameters. The class of code c ≥ 2 is "h(c−1)". */
static unsigned char param_code(const gcv_param_result *q)
{
    double e = q->rel_error;
    switch (q->status) {
    case GCV_PARAM_UNCHECKED:
        return 0;
    case GCV_PARAM_NONFINITE:
        return 10;
    case GCV_PARAM_MISMATCH:
        return e >= 1e-1 ? 9 : e >= 1e-3 ? 8 : 7;
    case GCV_PARAM_KINK:
        return 6;
    default:
        if (q->analytic == 0.0 && q->numeric == 0.0)
            return 1;
        return e >= 1e-6 ? 5 : e >= 1e-8 ? 4 : e >= 1e-10 ? 3 : 2;
    }
}

static const char *const code_class[11] = {"hu", "hz", "h1", "h2", "h3", "h4",
                                           "h5", "h6", "h7", "h8", "h9"};
static const char *const code_meaning[11] = {
    "not checked", "no gradient (g = g̃ = 0)", "relative error below 1e-10",
    "relative error 1e-10 to 1e-8", "relative error 1e-8 to 1e-6", "relative error above 1e-6",
    "a kink not resolved", "mismatch, relative error below 1e-3",
    "mismatch, relative error 1e-3 to 1e-1", "mismatch, relative error 1e-1 or more",
    "non-finite"};

/* The tiling of a rows × cols block: tr × tc parameters a tile, nr × nc tiles. */
typedef struct tiling {
    size_t rows, cols, tr, tc, nr, nc;
    double cw, ch; /* a tile's size in pixels */
} tiling;

static tiling tile_block(size_t rows, size_t cols)
{
    tiling t = {rows, cols, (rows + GCV_HTML_MAX_TILES - 1) / GCV_HTML_MAX_TILES,
                (cols + GCV_HTML_MAX_TILES - 1) / GCV_HTML_MAX_TILES, 0, 0, 0, 0};
    t.nr = (rows + t.tr - 1) / t.tr;
    t.nc = (cols + t.tc - 1) / t.tc;
    /* At most 220 pixels a side, 28 a tile, and tiles no more than 3:1. */
    t.cw = fmin(28.0, 220.0 / (double)t.nc);
    t.ch = fmin(28.0, 220.0 / (double)t.nr);
    t.cw = fmin(t.cw, 3.0 * t.ch);
    t.ch = fmin(t.ch, 3.0 * t.cw);
    return t;
}

/* Row and column numbers at the ends (every one for small matrices), the grid at (L, T). */
static void heatmap_labels(FILE *f, const tiling *t, int L, int T)
{
    double W = t->cw * (double)t->nc, H = t->ch * (double)t->nr;
    size_t lab_r = t->nr <= 12 ? 1 : t->nr, lab_c = t->nc <= 12 ? 1 : t->nc;
    for (size_t i = 0; i < t->nr; i += lab_r)
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%zu</text>", L - 4,
                T + ((double)i + 0.5) * t->ch + 4, i * t->tr);
    if (lab_r > 1)
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%zu</text>", L - 4, T + H,
                t->rows - 1);
    for (size_t j = 0; j < t->nc; j += lab_c)
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%zu</text>",
                L + ((double)j + 0.5) * t->cw, T - 4, j * t->tc);
    if (lab_c > 1)
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\">%zu</text>", L + W, T - 4,
                t->cols - 1);
}

/* One path per colour code present, each tile a unit square; dense grids merge the tiles
 * of a run along a row into one rectangle. */
static void heatmap_paths(FILE *f, const tiling *t, const unsigned char *code, int dense)
{
    size_t count[11] = {0};
    for (size_t k = 0; k < t->nr * t->nc; k++)
        count[code[k]]++;
    for (unsigned c = 0; c < 11; c++) {
        if (!count[c])
            continue;
        fprintf(f, "<path class=\"%s\" d=\"", code_class[c]);
        for (size_t i = 0; i < t->nr; i++)
            for (size_t j = 0; j < t->nc; j++) {
                if (code[i * t->nc + j] != c)
                    continue;
                size_t e = j + 1;
                while (dense && e < t->nc && code[i * t->nc + e] == c)
                    e++;
                fprintf(f, "M%zu %zuh%zuv1h-%zuz", j, i, e - j, e - j);
                j = e - 1;
            }
        fprintf(f, "\"><title>%s</title></path>\n", code_meaning[c]);
    }
}

static void heatmap(page *p, size_t b)
{
    FILE *f = p->f;
    const gcv_block *bl = &p->m->blocks[b];
    gcv_param_result *owned;
    const gcv_param_result *ps = gcv_block_params(bl, p->r->params, &owned);
    /* A block of three or four axes: the 2-D slice over its last two axes that holds its
     * worst entry. */
    size_t rows = bl->rows, cols = bl->cols, k0 = 0;
    char slice[96] = "";
    if (bl->ndim >= 3) {
        const gcv_block_result *br = &p->r->blocks[b];
        rows = bl->dims[bl->ndim - 2];
        size_t worst = br->worst_row * cols + br->worst_col;
        k0 = worst - worst % (rows * cols);
        gcv_block_format_coords(bl, k0, slice, sizeof slice);
        size_t len = strlen(slice); /* "(c0,c1,0,0)" → "(c0,c1,:,:)" */
        if (len >= 4) {
            slice[len - 4] = ':';
            slice[len - 2] = ':';
        }
    }
    if (!ps || rows == 0 || cols == 0) {
        p->nomem = !ps;
        free(owned);
        return;
    }
    ps += k0;
    tiling t = tile_block(rows, cols);
    unsigned char *code = calloc(t.nr * t.nc, 1);
    if (!code) {
        p->nomem = 1;
        free(owned);
        return;
    }
    for (size_t k = 0; k < rows * cols; k++) {
        size_t i = (k / cols / t.tr) * t.nc + (k % cols) / t.tc;
        unsigned char c = param_code(&ps[k]);
        if (c > code[i])
            code[i] = c;
    }
    double W = t.cw * (double)t.nc, H = t.ch * (double)t.nr;
    int matrix = rows > 1 && cols > 1, dense = t.nr * t.nc > 1024;
    const int L = 40, T = 16;
    const char *cls = matrix ? "heatmap" : "strip";
    fprintf(f, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" id=\"%s-%zu\" "
               "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\"",
            cls, cls, b, L + W + 6, T + H + 6, L + W + 6, T + H + 6);
    attr(f, "data-block", bl->name);
    fprintf(f, " data-rows=\"%zu\" data-cols=\"%zu\" data-tile-rows=\"%zu\" "
               "data-tile-cols=\"%zu\" role=\"img\"",
            rows, cols, t.tr, t.tc);
    attr(f, "aria-label", bl->name);
    fputs(">\n", f);
    heatmap_labels(f, &t, L, T);
    fprintf(f, "\n<svg class=\"hm%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" "
               "viewBox=\"0 0 %zu %zu\" preserveAspectRatio=\"none\" "
               "shape-rendering=\"crispEdges\">\n",
            dense ? " dense" : "", L, T, W, H, t.nc, t.nr);
    heatmap_paths(f, &t, code, dense);
    fprintf(f, "</svg>\n<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%.1f\" "
               "height=\"%.1f\"/>\n</svg>\n<figcaption>relative error over (row, column)",
            L, T, W, H);
    if (slice[0])
        fprintf(f, " of the slice %s holding the worst entry", slice);
    if (t.tr > 1 || t.tc > 1)
        fprintf(f, "; tiles of %zu×%zu, each showing its worst", t.tr, t.tc);
    fputs("</figcaption></figure>\n", f);
    free(code);
    free(owned);
}

void gcv_html_legend(FILE *f)
{
    fputs("<div class=\"legend\"><span><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"12\" "
          "height=\"12\"><circle class=\"pt pos\" cx=\"6\" cy=\"6\" r=\"4\"/></svg>both "
          "positive</span><span><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"12\" "
          "height=\"12\"><circle class=\"pt neg\" cx=\"6\" cy=\"6\" r=\"4\"/></svg>both "
          "negative</span><span><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"12\" "
          "height=\"12\"><circle class=\"pt flip\" cx=\"6\" cy=\"6\" r=\"4\"/></svg>signs "
          "differ</span><span><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"12\" "
          "height=\"12\"><circle class=\"pt pos bad\" cx=\"6\" cy=\"6\" r=\"4\"/></svg>mismatch"
          "</span><span>dashed: y = x</span></div>\n<div class=\"legend\">",
          f);
    for (int c = 10; c >= 0; c--) {
        fprintf(f, "<span><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"13\" height=\"13\">"
                   "<rect class=\"%s\" width=\"13\" height=\"13\" stroke=\"#bbb\"/></svg>%s</span>",
                code_class[c], code_meaning[c]);
    }
    fputs("</div>\n", f);
}

/* ---- per block ---- */

void gcv_html_card(page *p, size_t b)
{
    FILE *f = p->f;
    const gcv_block *bl = &p->m->blocks[b];
    const gcv_block_result *br = &p->r->blocks[b];
    const char *st = gcv_verdict_name(br->status);
    char line[GCV_ERROR_LEN];
    fprintf(f, "<section class=\"card %s\" id=\"block-%zu\"", st, b);
    attr(f, "data-block", bl->name);
    fputs("><h3>", f);
    text(f, bl->name);
    char shape[96], worst[96];
    gcv_block_format_shape(bl, shape, sizeof shape);
    gcv_block_format_coords(bl, br->worst_row * bl->cols + br->worst_col, worst, sizeof worst);
    fprintf(f, " <span class=\"stats\">%s · layer %d</span><span class=\"badge %s\">%s"
               "</span></h3>\n",
            shape, bl->layer, st, word(br->status));
    /* Unchecked: what there is to say, and no plot of nothing. */
    if (br->status == GCV_UNCHECKED) {
        fprintf(f, "<div class=\"stats\">not checked: none of its %zu parameters was checked "
                   "by this run (%s)</div>\n</section>\n",
                bl->rows * bl->cols, p->r->stopped ? "it stopped early"
                : "--limit, --shard or a budget left them out");
        return;
    }
    fputs("<div class=\"stats\">difference <b class=\"num\">", f);
    sci(f, br->difference, 2);
    if (br->directions) { /* judged along directions: no per-parameter errors */
        fprintf(f, "</b> · along %u directions", br->directions);
    } else {
        fputs("</b> · max rel err ", f);
        sci(f, br->max_rel_error, 1);
        fprintf(f, " at %s · %zu mismatch%s of %zu checked", worst, br->mismatches,
                br->mismatches == 1 ? "" : "es", br->checked);
    }
    fputs(" · power ", f);
    sci(f, br->power, 0);
    fputs("</div>\n", f);
    if (gcv_report_diagnosis(p->in, p->m, p->r, b, line, sizeof line)) {
        fputs("<p class=\"diag\">", f);
        text(f, line);
        fputs("</p>\n", f);
    }
    fputs("<div class=\"plots\">\n", f);
    scatter(p, b);
    heatmap(p, b);
    fputs("</div>\n</section>\n", f);
}

/* The HTML report (see html.h): one page of inline SVG and CSS drawn from the result alone,
 * so the same check gives the same bytes. Everything is written straight to the stream.
 * This file writes the page and its overview (verdict, diagnosis, settings, the layers'
 * and blocks' differences, the worst parameters); the block cards are html-block.c's and
 * the history html-history.c's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/blocks.h"
#include "engine/internal.h"
#include "report/html-priv.h"
#include "report/output.h"

/* ---- style ---- */

static const char *const css[] = {
    ":root{--pass:#1a9850;--fail:#d73027;--inc:#e6a700;--ink:#1d1d1f;--mute:#667;"
    "--line:#d8dae0}\n",
    "*{box-sizing:border-box}\n",
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',"
    "sans-serif;color:var(--ink);background:#f4f5f7}\n",
    "main{max-width:1320px;margin:0 auto;padding:12px 20px 32px}\n",
    "h1{font-size:19px;margin:0;font-weight:600;word-break:break-all}\n",
    "h2{font-size:16px;margin:22px 0 8px}.panel h2:first-child{margin-top:2px}\n",
    "h3{font-size:15px;margin:0 0 4px}\n",
    "code,.num,td.n{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,monospace;"
    "font-size:12.5px}\n",
    ".verdict{display:flex;gap:20px;align-items:center;padding:14px 20px;color:#fff}\n",
    ".verdict.pass{background:var(--pass)}.verdict.fail{background:var(--fail)}"
    ".verdict.inconclusive{background:var(--inc);color:#1d1d1f}"
    ".verdict.regression{background:#a63603}\n",
    ".verdict .word{font-size:34px;font-weight:800;letter-spacing:1px}\n",
    ".verdict p{margin:2px 0 0}\n",
    ".chips{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}\n",
    ".chip{padding:1px 9px;border-radius:10px;font-weight:600;font-size:13px;"
    "background:rgba(255,255,255,.9);color:var(--ink);text-decoration:none}\n",
    ".chip.fail{background:#fff;color:var(--fail);outline:2px solid #fff}\n",
    ".chip.inconclusive{color:#8a6400}.chip.unchecked{color:var(--mute);font-weight:400}\n",
    ".top{display:flex;flex-wrap:wrap;gap:20px;align-items:flex-start}\n",
    ".panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 14px}\n",
    ".chart{flex:0 1 auto;max-width:840px}.side{flex:1 1 330px;min-width:300px}\n",
    "ul.diagnosis{margin:0;padding-left:18px}ul.diagnosis li{margin:2px 0}\n",
    "li.fail b{color:var(--fail)}li.regression b{color:#a63603}\n",
    "table{border-collapse:collapse}\n",
    "table.settings td{padding:1px 10px 1px 0;vertical-align:top;overflow-wrap:anywhere}"
    "table.settings td:first-child{color:var(--mute);white-space:nowrap}\n",
    "table.worst{background:#fff;border:1px solid var(--line)}\n",
    "table.worst th,table.worst td{padding:3px 10px;border-bottom:1px solid #eceef2;"
    "text-align:right}\n",
    "table.worst th{background:#f0f1f4;font-weight:600}\n",
    "table.worst td.l,table.worst th.l{text-align:left}\n",
    "tr.param.mismatch td,tr.param.nonfinite td{color:var(--fail)}\n",
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(590px,1fr));gap:14px}\n",
    ".card{background:#fff;border:1px solid var(--line);border-left:7px solid var(--pass);"
    "border-radius:6px;padding:10px 14px}\n",
    ".card.fail{border-left-color:var(--fail);background:#fff7f6}"
    ".card.inconclusive{border-left-color:var(--inc)}"
    ".card.unchecked{border-left-color:var(--line);background:#fafafb}\n",
    ".badge{font-size:12px;padding:1px 8px;border-radius:9px;color:#fff;"
    "background:var(--pass);vertical-align:2px;margin-left:6px}\n",
    ".badge.fail{background:var(--fail)}.badge.inconclusive{background:var(--inc)}"
    ".badge.unchecked{background:var(--mute)}\n",
    ".stats{color:var(--mute);font-size:13px}\n",
    "p.diag{margin:4px 0;font-weight:600;color:var(--fail)}\n",
    ".plots{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start;margin-top:6px}\n",
    "figure{margin:0}figcaption{font-size:12px;color:var(--mute);max-width:300px}\n",
    "svg text{font-family:system-ui,'DejaVu Sans',sans-serif;font-size:11px;fill:#445}\n",
    "svg .grid line{stroke:#e6e8ec}\n",
    "svg .frame{fill:none;stroke:#b8bcc6}\n",
    "svg .threshold{stroke:var(--fail);stroke-width:1.5;stroke-dasharray:5 3}\n",
    "svg text.threshold{fill:var(--fail);stroke:none}\n",
    "svg .noise{fill:#cfd3da;opacity:.7}\n",
    "svg .bound{stroke:#333;stroke-width:2}\n",
    "svg .bar.pass{fill:var(--pass)}svg .bar.fail{fill:var(--fail)}"
    "svg .bar.inconclusive{fill:var(--inc)}\n",
    "svg .bar.layer{opacity:.55}\n",
    "svg text.lab{fill:var(--ink);font-size:12px}svg text.lab.layer{font-weight:700}\n",
    "svg text.val{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:11px}\n",
    "svg text.val.fail{fill:var(--fail);font-weight:700}svg text.val.unchecked{fill:var(--mute)}\n",
    "svg .diag{stroke:#888;stroke-dasharray:4 3}\n",
    "svg .pt{stroke-width:.6;fill-opacity:.75}\n",
    "svg .pt.pos{fill:#2c7bb6;stroke:#1d4f75}svg .pt.neg{fill:#a6611a;stroke:#6b3e10}\n",
    "svg .pt.flip{fill:#d01c8b;stroke:#7a0f52}svg .pt.zero{fill:#fff;stroke:#777}\n",
    "svg .pt.kink{stroke:#e6a700;stroke-width:2}\n",
    "svg .pt.bad{stroke:var(--fail);stroke-width:2.2;fill-opacity:1}\n",
    "svg .hm path{stroke:#fff;stroke-width:1;vector-effect:non-scaling-stroke}\n",
    "svg .hm.dense path{stroke:none}\n",
    ".hu{fill:#f7f7f7}.hz{fill:#d4d4d4}.h1{fill:#eef3fb}.h2{fill:#c6dbef}.h3{fill:#9ecae1}"
    ".h4{fill:#6baed6}.h5{fill:#fee08b}.h6{fill:#fc8d59}.h7{fill:#e34a33}.h8{fill:#b30000}"
    ".h9{fill:#3f007d}\n",
    "svg .hist{fill:none;stroke:#555;stroke-width:1.5}\n",
    "svg .hpt{fill:#555}svg .hpt.pass{fill:var(--pass)}svg .hpt.fail{fill:var(--fail)}"
    "svg .hpt.inconclusive{fill:var(--inc)}\n",
    ".legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--mute);"
    "margin:4px 0 10px}\n",
    ".legend span{display:inline-flex;align-items:center;gap:5px}\n",
    ".sw{display:inline-block;width:13px;height:13px;border:1px solid #bbb}\n",
    ".history{display:flex;flex-wrap:wrap;gap:10px}\n",
    "footer{color:var(--mute);font-size:12px;margin-top:24px}\n"};

/* ---- head and verdict ---- */

static void head(page *p)
{
    FILE *f = p->f;
    const gcv_report_info *in = p->in;
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
          "<meta name=\"generator\" content=\"gcverify " GCV_VERSION "\"/>\n<title>", f);
    text(f, in->name ? in->name : "gcverify");
    fprintf(f, " · gcverify · %s</title>\n<style>\n", word(p->r->status));
    for (size_t i = 0; i < sizeof css / sizeof *css; i++)
        fputs(css[i], f);
    fputs("</style>\n</head>\n<body>\n", f);
}

static void verdict(page *p)
{
    FILE *f = p->f;
    const gcv_result *r = p->r;
    const gcv_model *m = p->m;
    const char *st = gcv_verdict_name(r->status);
    const gcv_regressions *reg = p->o ? p->o->regressions : NULL;
    /* A regression fails the run (exit 1) even when every block passes: say so on top. */
    int regressed = reg && reg->n && r->status != GCV_FAIL;
    size_t unchecked = 0;
    for (size_t b = 0; b < m->n_blocks; b++)
        unchecked += r->blocks[b].status == GCV_UNCHECKED;
    int none = unchecked && unchecked == m->n_blocks; /* nothing measured: no difference */
    fprintf(f, "<header class=\"verdict %s\" id=\"verdict\" data-status=\"%s\"",
            regressed ? "regression" : st, st);
    dnum(f, "difference", none ? NAN : r->difference);
    dnum(f, "threshold", r->options.threshold);
    fprintf(f, ">\n<div class=\"word\">%s</div>\n<div>\n<h1>gcverify · ",
            regressed ? "REGRESSION" : word(r->status));
    text(f, p->in->config ? p->in->config : p->in->name);
    if (none) {
        fputs("</h1>\n<p>nothing checked", f);
    } else {
        fputs("</h1>\n<p>overall difference <b class=\"num\">", f);
        sci(f, r->difference, 2);
        fprintf(f, "</b> %s ", r->difference > r->options.threshold ? "&gt;" : "≤");
        sci(f, r->options.threshold, 0);
    }
    if (r->status == GCV_FAIL && r->params_checked)
        fprintf(f, " · %zu of %zu blocks, %zu of %zu parameters", r->blocks_failed,
                r->n_blocks, r->mismatches + r->nonfinite, r->n_params);
    else if (r->status == GCV_FAIL) /* directional: blocks judged, no parameter */
        fprintf(f, " · %zu of %zu blocks", r->blocks_failed, r->n_blocks);
    else if (r->status == GCV_INCONCLUSIVE && r->nonfinite)
        fprintf(f, " · %zu of %zu parameters with a non-finite cost or gradient",
                r->nonfinite, r->n_params);
    if (r->stopped)
        fprintf(f, " · stopped early: %zu of %zu parameters checked", r->params_checked,
                r->n_params);
    else if (r->sampled)
        fprintf(f, " · sampled: %zu of %zu parameters checked", r->params_checked,
                r->n_params);
    if (unchecked)
        fprintf(f, " · %zu of %zu blocks unchecked", unchecked, m->n_blocks);
    if (reg && reg->n)
        fprintf(f, " · %zu regression%s against the baseline", reg->n, reg->n == 1 ? "" : "s");
    fputs("</p>\n<div class=\"chips\">", f);
    for (size_t b = 0; b < m->n_blocks; b++) {
        const char *bs = gcv_verdict_name(r->blocks[b].status);
        fprintf(f, "<a class=\"chip %s\" href=\"#block-%zu\">", bs, b);
        text(f, m->blocks[b].name);
        fprintf(f, " %s</a>", r->blocks[b].status == GCV_PASS ? "✓" : word(r->blocks[b].status));
    }
    fputs("</div>\n</div>\n</header>\n<main>\n", f);
}

/* ---- diagnosis and settings ---- */

static void diagnosis(page *p)
{
    FILE *f = p->f;
    char line[GCV_ERROR_LEN];
    int any = 0;
    fputs("<h2>Diagnosis</h2>\n<ul class=\"diagnosis\">\n", f);
    for (size_t b = 0; b < p->m->n_blocks; b++) {
        if (!gcv_report_diagnosis(p->in, p->m, p->r, b, line, sizeof line))
            continue;
        any = 1;
        fprintf(f, "<li class=\"%s\"", gcv_verdict_name(p->r->blocks[b].status));
        attr(f, "data-block", p->m->blocks[b].name);
        fputs("><b>", f);
        text(f, p->m->blocks[b].name);
        fputs("</b> ", f);
        text(f, line);
        fputs("</li>\n", f);
    }
    const gcv_regressions *reg = p->o ? p->o->regressions : NULL;
    for (size_t i = 0; reg && i < reg->n; i++) {
        gcv_regression_line(&reg->items[i], line, sizeof line);
        fputs("<li class=\"regression\"><b>regression</b> ", f);
        text(f, line);
        fputs("</li>\n", f);
        any = 1;
    }
    if (!any)
        fputs(p->r->status == GCV_PASS
                  ? "<li>every block passes; nothing to explain</li>\n"
                  : "<li>no diagnosis for this verdict</li>\n",
              f);
    fputs("</ul>\n", f);
}

static void setting(FILE *f, const char *key, const char *value)
{
    fprintf(f, "<tr><td>%s</td><td>", key);
    text(f, value);
    fputs("</td></tr>\n", f);
}

static void settings(page *p)
{
    FILE *f = p->f;
    const gcv_report_info *in = p->in;
    const gcv_result *r = p->r;
    const gcv_options *o = &r->options;
    char v[256];
    fputs("<h2>Run</h2>\n<table class=\"settings\">\n", f);
    setting(f, "config", in->config ? in->config : "(none)");
    setting(f, "name", in->name ? in->name : "");
    setting(f, "model", in->description ? in->description : p->m->type);
    setting(f, "precision", gcv_precision_name(p->m->precision));
    snprintf(v, sizeof v, "%zu, %zu checked%s", p->m->n_params, r->params_checked,
             r->stopped ? " (stopped early)" : r->sampled ? " (sampled)" : "");
    setting(f, "parameters", v);
    snprintf(v, sizeof v, "%zu", in->examples);
    setting(f, "examples", v);
    if (o->method == GCV_METHOD_COMPLEX_STEP)
        snprintf(v, sizeof v, "complex_step, h = 1e-30 (imaginary)");
    else if (o->method == GCV_METHOD_RICHARDSON)
        snprintf(v, sizeof v, "richardson, h₀ = 1e-2·max(|θ|,1)");
    else if (o->epsilon_auto)
        snprintf(v, sizeof v, "%s, ε = auto", gcv_method_name(o->method));
    else
        snprintf(v, sizeof v, "%s, ε = %.0e", gcv_method_name(o->method), o->epsilon);
    setting(f, "method", v);
    snprintf(v, sizeof v, "%.0e (rtol %.0e, atol %.0e)", o->threshold, o->rtol, o->atol);
    setting(f, "threshold", v);
    snprintf(v, sizeof v, "%zu", r->evaluations);
    setting(f, "cost evaluations", v);
    snprintf(v, sizeof v, "J = %.10g", r->cost);
    setting(f, "cost", v);
    if (r->kinks + r->kinks_ok + r->kinks_avoided) {
        snprintf(v, sizeof v, "%zu crossed: %zu avoided, %zu kink-ok, %zu unresolved",
                 r->kinks + r->kinks_ok + r->kinks_avoided, r->kinks_avoided, r->kinks_ok,
                 r->kinks);
        setting(f, "ReLU kinks", v);
    }
    for (size_t i = 0; i < in->n_notes; i++)
        setting(f, "note", in->notes[i]);
    setting(f, "gcverify", GCV_VERSION);
    fputs("</table>\n", f);
}

/* ---- differences by layer ---- */

enum { BAR_LABEL = 92, BAR_W = 520, BAR_ROW = 21, BAR_TOP = 30 };

static void bar_row(page *p, const axis *ax, double y, const char *cls, double diff,
                    gcv_verdict v)
{
    FILE *f = p->f;
    /* Unchecked: no bar, neither empty nor full (NaN would draw a full one). */
    if (v != GCV_UNCHECKED && (diff > 0.0 || isnan(diff))) {
        double x1 = isnan(diff) ? ax->x0 + ax->w : ax_pos(ax, diff);
        fprintf(f, "<rect class=\"bar %s %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                   "height=\"13\"", cls, gcv_verdict_name(v), ax->x0, y + 3, x1 - ax->x0);
    } else {
        fprintf(f, "<rect class=\"bar %s %s\" x=\"%.1f\" y=\"%.1f\" width=\"0\" height=\"13\"",
                cls, gcv_verdict_name(v), ax->x0, y + 3);
    }
}

/* The bars' axis: from a decade below the smallest difference, noise band or threshold (but
 * not below 1e-18) up to 1, at least three decades. */
static axis layer_axis(const page *p)
{
    const gcv_result *r = p->r;
    double thr = r->options.threshold, vmin = thr;
    for (size_t b = 0; b < p->m->n_blocks; b++) {
        const gcv_block_result *br = &r->blocks[b];
        double noise = GCV_MARGIN * br->floor_difference;
        if (br->difference > 0.0 && isfinite(br->difference))
            vmin = fmin(vmin, br->difference);
        if (noise > 0.0 && isfinite(noise))
            vmin = fmin(vmin, noise);
    }
    axis ax = {floor(log10(vmin)) - 1.0, 0.0, BAR_LABEL, BAR_W};
    ax.lo = clamp(ax.lo, -18.0, floor(log10(thr)) - 2.0);
    if (ax.hi - ax.lo < 3.0)
        ax.lo = ax.hi - 3.0;
    return ax;
}

/* Vertical lines and labels at the decades, from y0 to y1, labels at y1 + 14. */
static void decade_grid(FILE *f, const axis *ax, double y0, double y1)
{
    fputs("<g class=\"grid\">", f);
    int step = ax->hi - ax->lo > 10 ? 2 : 1;
    for (double d = ax->hi; d >= ax->lo; d -= step) {
        double x = ax->x0 + ax->w * (d - ax->lo) / (ax->hi - ax->lo);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\"/>", x, y0, x, y1);
        fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">", x, y1 + 14);
        decade(f, d);
        fputs("</text>", f);
    }
    fputs("</g>\n", f);
}

static void layer_row(page *p, const axis *ax, double y, const gcv_layer_result *lr)
{
    FILE *f = p->f;
    const char *st = gcv_verdict_name(lr->status);
    int unchecked = lr->status == GCV_UNCHECKED;
    double diff = unchecked ? NAN : lr->difference; /* of no parameter: none, as in the JSON */
    fprintf(f, "<text class=\"lab layer\" x=\"4\" y=\"%.1f\">layer %d</text>", y + 14,
            lr->layer);
    bar_row(p, ax, y, "layer", diff, lr->status);
    fprintf(f, " data-layer=\"%d\" data-status=\"%s\"", lr->layer, st);
    dnum(f, "difference", diff);
    fprintf(f, "><title>layer %d: difference ", lr->layer);
    sci(f, diff, 2);
    fprintf(f, ", %s</title></rect>", st);
    fprintf(f, "<text class=\"val %s\" x=\"%d\" y=\"%.1f\">", st, BAR_LABEL + BAR_W + 8, y + 14);
    if (unchecked)
        fputs("unchecked", f);
    else
        sci(f, diff, 1);
    fputs("</text>\n", f);
}

/* A block's row: its name (a link to its card), the noise band, the bar, the noise bound
 * where it is above the threshold, and the difference and power as text. */
static void block_row(page *p, const axis *ax, double y, size_t b)
{
    FILE *f = p->f;
    const gcv_block_result *br = &p->r->blocks[b];
    const char *name = p->m->blocks[b].name, *st = gcv_verdict_name(br->status);
    double noise = GCV_MARGIN * br->floor_difference;
    fprintf(f, "<a href=\"#block-%zu\"><text class=\"lab\" x=\"22\" y=\"%.1f\">", b, y + 14);
    text(f, name);
    fputs("</text></a>", f);
    if (noise > 0.0)
        fprintf(f, "<rect class=\"noise\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                   "height=\"19\"><title>noise: %g × the floor difference</title></rect>",
                ax->x0, y + 0.0, ax_pos(ax, noise) - ax->x0, GCV_MARGIN);
    bar_row(p, ax, y, "block", br->difference, br->status);
    attr(f, "data-block", name);
    fprintf(f, " data-status=\"%s\"", st);
    dnum(f, "difference", br->difference);
    dnum(f, "floor", br->floor_difference);
    dnum(f, "power", br->power);
    fputs("><title>", f);
    text(f, name);
    fputs(": difference ", f);
    sci(f, br->difference, 2);
    fprintf(f, ", %s</title></rect>", st);
    if (noise > p->r->options.threshold)
        fprintf(f, "<line class=\"bound\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                ax_pos(ax, noise), y + 1, ax_pos(ax, noise), y + 18);
    fprintf(f, "<text class=\"val %s\" x=\"%d\" y=\"%.1f\">", st, BAR_LABEL + BAR_W + 8, y + 14);
    if (br->status == GCV_UNCHECKED) {
        fputs("unchecked</text>\n", f);
        return;
    }
    sci(f, br->difference, 1);
    fputs("  power ", f);
    sci(f, br->power, 0);
    fputs("</text>\n", f);
}

static void layer_chart(page *p)
{
    FILE *f = p->f;
    const gcv_result *r = p->r;
    double thr = r->options.threshold;
    axis ax = layer_axis(p);
    size_t rows = r->n_layers + p->m->n_blocks;
    double h = BAR_TOP + (double)rows * BAR_ROW + 26;
    int width = BAR_LABEL + BAR_W + 190;
    fputs("<section class=\"panel chart\">\n<h2>Differences by layer</h2>\n", f);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"layers\" width=\"%d\" "
               "height=\"%.0f\" viewBox=\"0 0 %d %.0f\" role=\"img\" aria-label=\"normalized "
               "difference per layer and block, log scale\">\n",
            width, h, width, h);
    decade_grid(f, &ax, BAR_TOP - 4, h - 22);
    double y = BAR_TOP;
    for (size_t l = 0; l < r->n_layers; l++) {
        layer_row(p, &ax, y, &r->layers[l]);
        y += BAR_ROW;
        for (size_t k = 0; k < r->layers[l].n_blocks; k++) {
            block_row(p, &ax, y, r->layers[l].first_block + k);
            y += BAR_ROW;
        }
    }
    double xt = ax_pos(&ax, thr);
    fprintf(f, "<line class=\"threshold\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.0f\"/>", xt,
            BAR_TOP - 10, xt, h - 22);
    fprintf(f, "<text class=\"threshold\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">threshold ",
            xt, BAR_TOP - 14);
    sci(f, thr, 0);
    fputs("</text>\n</svg>\n<div class=\"legend\"><span><i class=\"sw\" style=\"background:"
          "#1a9850\"></i>pass</span><span><i class=\"sw\" style=\"background:#d73027\"></i>"
          "fail</span><span><i class=\"sw\" style=\"background:#cfd3da\"></i>numeric noise (4 × "
          "floor): differences inside it cannot be resolved</span><span>power: the smallest "
          "relative gradient error the run would catch</span></div>\n</section>\n",
          f);
}

/* ---- the worst parameters ---- */

static void worst(page *p)
{
    FILE *f = p->f;
    size_t n = p->in->top < GCV_HTML_MAX_ROWS ? p->in->top : GCV_HTML_MAX_ROWS;
    if (n == 0)
        return;
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx) {
        p->nomem = 1;
        return;
    }
    size_t k = gcv_report_worst(p->r, n, idx);
    fprintf(f, "<h2>Worst %zu parameter%s by relative error</h2>\n<table class=\"worst\">\n"
               "<tr><th>index</th><th class=\"l\">block</th><th class=\"l\">coords</th>"
               "<th>θ</th><th>analytic</th><th>numeric</th><th>rel err</th>"
               "<th class=\"l\">status</th></tr>\n",
            k, k == 1 ? "" : "s");
    for (size_t t = 0; t < k; t++) {
        size_t i = idx[t];
        const gcv_param_result *q = &p->r->params[i];
        size_t off;
        const gcv_block *bl = &p->m->blocks[gcv_model_locate(p->m, i, &off)];
        char coords[96];
        gcv_block_format_coords(bl, off, coords, sizeof coords);
        const char *st = gcv_param_status_name((gcv_param_status)q->status);
        fprintf(f, "<tr class=\"param %s\" data-index=\"%zu\"", st, i);
        dnum(f, "theta", q->theta);
        dnum(f, "analytic", q->analytic);
        dnum(f, "numeric", q->numeric);
        dnum(f, "rel-error", q->rel_error);
        fprintf(f, " data-status=\"%s\"><td class=\"n\">%zu</td><td class=\"l\">", st, i);
        text(f, bl->name);
        fprintf(f, "</td><td class=\"l n\">%s</td><td class=\"n\">%.4e</td>"
                   "<td class=\"n\">%.8e</td><td class=\"n\">%.8e</td><td class=\"n\">%.2e</td>"
                   "<td class=\"l\">%s</td></tr>\n",
                coords, q->theta, q->analytic, q->numeric,
                q->rel_error, st);
    }
    fputs("</table>\n", f);
    free(idx);
}

/* ---- the page ---- */

int gcv_report_html_stream(FILE *f, const gcv_report_info *in, const gcv_model *m,
                           const gcv_result *r, const gcv_html_options *o)
{
    page p = {f, in, m, r, o, 0};
    head(&p);
    verdict(&p);
    fputs("<div class=\"top\">\n", f);
    layer_chart(&p);
    fputs("<section class=\"panel side\">\n", f);
    diagnosis(&p);
    settings(&p);
    fputs("</section>\n</div>\n", f);
    gcv_html_history_section(&p);
    fputs("<h2>Blocks</h2>\n", f);
    gcv_html_legend(f);
    fputs("<div class=\"cards\">\n", f);
    for (size_t b = 0; b < m->n_blocks && !p.nomem; b++)
        gcv_html_card(&p, b);
    fputs("</div>\n", f);
    worst(&p);
    fputs("<footer>gcverify " GCV_VERSION " · the numbers behind every mark are in its data- "
          "attributes, with the JSON report's 17 digits · no script, nothing fetched</footer>\n"
          "</main>\n</body>\n</html>\n",
          f);
    return ferror(f) || p.nomem ? -1 : 0;
}

typedef struct html_ctx {
    const gcv_report_info *in;
    const gcv_model *m;
    const gcv_result *r;
    const gcv_html_options *o;
    int nomem;
} html_ctx;

static int html_writer(FILE *f, void *ctx)
{
    html_ctx *c = ctx;
    int rc = gcv_report_html_stream(f, c->in, c->m, c->r, c->o);
    /* A write error shows in ferror; anything else was an allocation. */
    c->nomem = rc != 0 && !ferror(f);
    return rc;
}

gcv_status gcv_report_html(const char *path, const gcv_report_info *in, const gcv_model *m,
                           const gcv_result *r, const gcv_html_options *o, gcv_error *err)
{
    html_ctx c = {in, m, r, o, 0};
    gcv_status st = gcv_write_atomic(path, html_writer, &c, "HTML report", err);
    if (st != GCV_OK && c.nomem) {
        snprintf(err->msg, sizeof err->msg, "%.400s: out of memory for the HTML report", path);
        return GCV_ERR_NOMEM;
    }
    return st;
}

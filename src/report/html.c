/* The HTML report (see html.h): one page of inline SVG and CSS drawn from the result alone,
 * so the same check gives the same bytes. Everything is written straight to the stream;
 * the only allocations are the per-block scratch arrays for the scatter and the heatmap. */
#include "report/html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine-priv.h"
#include "report/junit.h"
#include "report/output.h"

typedef struct page {
    FILE *f;
    const gcv_report_info *in;
    const gcv_model *m;
    const gcv_result *r;
    const gcv_html_options *o;
    int nomem; /* a scratch allocation failed: the page is incomplete */
} page;

/* ---- small writers ---- */

static void text(FILE *f, const char *s)
{
    gcv_xml_escape(f, s, 0);
}

static void attr(FILE *f, const char *name, const char *v)
{
    fprintf(f, " %s=\"", name);
    gcv_xml_escape(f, v, 1);
    fputc('"', f);
}

/* data-NAME with the JSON report's number form: 17 digits, null when not finite. */
static void dnum(FILE *f, const char *name, double v)
{
    if (isfinite(v))
        fprintf(f, " data-%s=\"%.17g\"", name, v);
    else
        fprintf(f, " data-%s=\"null\"", name);
}

/* A number for people: 1.8e-10 (digits after the point), n/a for NaN. */
static void sci(FILE *f, double v, int digits)
{
    if (isnan(v))
        fputs("n/a", f);
    else if (isinf(v))
        fputs(v > 0 ? "∞" : "−∞", f);
    else
        fprintf(f, "%.*e", digits, v);
}

static const char *word(gcv_verdict v)
{
    return v == GCV_PASS ? "pass" : v == GCV_FAIL ? "FAIL" : "INCONCLUSIVE";
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}


/* A log10 axis: decades lo..hi onto pixels x0..x0+w (or y, inverted, by the caller). */
typedef struct axis {
    double lo, hi, x0, w;
} axis;

static double ax_pos(const axis *a, double v)
{
    double t = v > 0.0 && isfinite(v) ? (log10(v) - a->lo) / (a->hi - a->lo) : 0.0;
    if (isinf(v) && v > 0)
        t = 1.0;
    return a->x0 + a->w * clamp(t, 0.0, 1.0);
}

/* "1e-8" for decade d. */
static void decade(FILE *f, double d)
{
    fprintf(f, "1e%d", (int)d);
}

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
    ".chip.inconclusive{color:#8a6400}\n",
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
    ".card.inconclusive{border-left-color:var(--inc)}\n",
    ".badge{font-size:12px;padding:1px 8px;border-radius:9px;color:#fff;"
    "background:var(--pass);vertical-align:2px;margin-left:6px}\n",
    ".badge.fail{background:var(--fail)}.badge.inconclusive{background:var(--inc)}\n",
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
    "svg text.val.fail{fill:var(--fail);font-weight:700}\n",
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
    fprintf(f, "<header class=\"verdict %s\" id=\"verdict\" data-status=\"%s\"",
            regressed ? "regression" : st, st);
    dnum(f, "difference", r->difference);
    dnum(f, "threshold", r->options.threshold);
    fprintf(f, ">\n<div class=\"word\">%s</div>\n<div>\n<h1>gcverify · ",
            regressed ? "REGRESSION" : word(r->status));
    text(f, p->in->config ? p->in->config : p->in->name);
    fputs("</h1>\n<p>overall difference <b class=\"num\">", f);
    sci(f, r->difference, 2);
    fprintf(f, "</b> %s ", r->difference > r->options.threshold ? "&gt;" : "≤");
    sci(f, r->options.threshold, 0);
    if (r->status == GCV_FAIL)
        fprintf(f, " · %zu of %zu blocks, %zu of %zu parameters", r->blocks_failed,
                r->n_blocks, r->mismatches + r->nonfinite, r->n_params);
    else if (r->status == GCV_INCONCLUSIVE && r->nonfinite)
        fprintf(f, " · %zu of %zu parameters with a non-finite cost or gradient",
                r->nonfinite, r->n_params);
    if (r->stopped)
        fprintf(f, " · stopped early: %zu of %zu parameters checked", r->params_checked,
                r->n_params);
    else if (r->sampled)
        fprintf(f, " · sampled: %zu of %zu parameters checked", r->params_checked,
                r->n_params);
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
    if (diff > 0.0 || isnan(diff)) {
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
    fprintf(f, "<text class=\"lab layer\" x=\"4\" y=\"%.1f\">layer %d</text>", y + 14,
            lr->layer);
    bar_row(p, ax, y, "layer", lr->difference, lr->status);
    fprintf(f, " data-layer=\"%d\" data-status=\"%s\"", lr->layer, st);
    dnum(f, "difference", lr->difference);
    fprintf(f, "><title>layer %d: difference ", lr->layer);
    sci(f, lr->difference, 2);
    fprintf(f, ", %s</title></rect>", st);
    fprintf(f, "<text class=\"val %s\" x=\"%d\" y=\"%.1f\">", st, BAR_LABEL + BAR_W + 8, y + 14);
    sci(f, lr->difference, 1);
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
            bl->offset + k);
    text(f, bl->name);
    fprintf(f, " (%zu,%zu) analytic %.4e, numeric %.4e, rel err %.2e, %s</title></circle>\n",
            k / bl->cols, k % bl->cols, a, g, q->rel_error,
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
    const gcv_param_result *ps = p->r->params + bl->offset;
    unsigned char *pick = malloc(n ? n : 1);
    size_t shown = pick ? scatter_pick(ps, n, pick, &nd) : SIZE_MAX;
    if (shown == SIZE_MAX) {
        p->nomem = 1;
        free(pick);
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
    const gcv_param_result *ps = p->r->params + bl->offset;
    if (bl->rows == 0 || bl->cols == 0)
        return;
    tiling t = tile_block(bl->rows, bl->cols);
    unsigned char *code = calloc(t.nr * t.nc, 1);
    if (!code) {
        p->nomem = 1;
        return;
    }
    for (size_t k = 0; k < bl->rows * bl->cols; k++) {
        size_t i = (k / bl->cols / t.tr) * t.nc + (k % bl->cols) / t.tc;
        unsigned char c = param_code(&ps[k]);
        if (c > code[i])
            code[i] = c;
    }
    double W = t.cw * (double)t.nc, H = t.ch * (double)t.nr;
    int matrix = bl->rows > 1 && bl->cols > 1, dense = t.nr * t.nc > 1024;
    const int L = 40, T = 16;
    const char *cls = matrix ? "heatmap" : "strip";
    fprintf(f, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" id=\"%s-%zu\" "
               "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\"",
            cls, cls, b, L + W + 6, T + H + 6, L + W + 6, T + H + 6);
    attr(f, "data-block", bl->name);
    fprintf(f, " data-rows=\"%zu\" data-cols=\"%zu\" data-tile-rows=\"%zu\" "
               "data-tile-cols=\"%zu\" role=\"img\"",
            bl->rows, bl->cols, t.tr, t.tc);
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
    if (t.tr > 1 || t.tc > 1)
        fprintf(f, "; tiles of %zu×%zu, each showing its worst", t.tr, t.tc);
    fputs("</figcaption></figure>\n", f);
    free(code);
}

static void legend(FILE *f)
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

static void card(page *p, size_t b)
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
    fprintf(f, " <span class=\"stats\">%zu×%zu · layer %d</span><span class=\"badge %s\">%s"
               "</span></h3>\n<div class=\"stats\">difference <b class=\"num\">",
            bl->rows, bl->cols, bl->layer, st, word(br->status));
    sci(f, br->difference, 2);
    fputs("</b> · max rel err ", f);
    sci(f, br->max_rel_error, 1);
    fprintf(f, " at (%zu,%zu) · %zu mismatch%s of ", br->worst_row, br->worst_col,
            br->mismatches, br->mismatches == 1 ? "" : "es");
    if (br->directions)
        fprintf(f, "%u directions", br->directions);
    else
        fprintf(f, "%zu checked", br->checked);
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
static void history(page *p)
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
        const gcv_block *bl = &p->m->blocks[gcv_block_find(p->m->blocks, p->m->n_blocks, i)];
        size_t off = i - bl->offset;
        const char *st = gcv_param_status_name((gcv_param_status)q->status);
        fprintf(f, "<tr class=\"param %s\" data-index=\"%zu\"", st, i);
        dnum(f, "theta", q->theta);
        dnum(f, "analytic", q->analytic);
        dnum(f, "numeric", q->numeric);
        dnum(f, "rel-error", q->rel_error);
        fprintf(f, " data-status=\"%s\"><td class=\"n\">%zu</td><td class=\"l\">", st, i);
        text(f, bl->name);
        fprintf(f, "</td><td class=\"l n\">(%zu,%zu)</td><td class=\"n\">%.4e</td>"
                   "<td class=\"n\">%.8e</td><td class=\"n\">%.8e</td><td class=\"n\">%.2e</td>"
                   "<td class=\"l\">%s</td></tr>\n",
                off / bl->cols, off % bl->cols, q->theta, q->analytic, q->numeric,
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
    history(&p);
    fputs("<h2>Blocks</h2>\n", f);
    legend(f);
    fputs("<div class=\"cards\">\n", f);
    for (size_t b = 0; b < m->n_blocks && !p.nomem; b++)
        card(&p, b);
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

/* ---- history files ---- */

gcv_status gcv_html_history_load(const char *const *paths, size_t n, const char *name,
                                 gcv_html_history *out, gcv_error *err)
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
        gcv_status st = gcv_baseline_load(path, &out->reports[out->n], err);
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

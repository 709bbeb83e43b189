/* The HTML report: one self-contained page (inline SVG and CSS, no script, nothing fetched;
 * a Content-Security-Policy of default-src 'none' says so to the browser) that shows what
 * the text report can only list:
 *   - the verdict, the diagnosis lines, the config and the run's settings;
 *   - bars of each layer's and block's normalized difference on a log scale, with the
 *     threshold line, the block's noise band (GCV_MARGIN × floor difference) and its power;
 *   - per block, a scatter of |analytic| against |numeric| (log-log), coloured by sign, with
 *     the y = x line and the mismatches ringed in red, thinned deterministically to at most
 *     GCV_HTML_MAX_POINTS points (the worst parameters first, then evenly over the rest);
 *   - per weight matrix (rows > 1 and columns > 1) a heatmap of the relative error over
 *     (row, column), aggregated into at most GCV_HTML_MAX_TILES × GCV_HTML_MAX_TILES tiles
 *     (a tile shows its worst parameter), and per vector a strip drawn the same way;
 *   - the worst parameters (gcv_report_worst, info->top of them, GCV_HTML_MAX_ROWS at most);
 *   - with earlier reports (a baseline, a nightly history), each block's difference over
 *     them and this run.
 *
 * The page is well-formed XML as well as HTML (XHTML-compatible markup), so xmllint can check
 * it. It carries no time and no thread count: the same check gives the same bytes whatever
 * the thread count. Numbers the tests compare with the JSON report are in data- attributes
 * with 17 significant digits ("null" where the JSON has null):
 *   #verdict             data-status, data-difference, data-threshold
 *   rect.bar.layer       data-layer, data-difference, data-status
 *   rect.bar.block       data-block, data-difference, data-floor, data-power, data-status
 *   svg.scatter          data-block, data-points (drawable), data-shown, data-lo and data-hi
 *                        (the axes' decades: cx = X0 + S·(log10|g̃| − lo)/(hi − lo) clamped
 *                        to the box, cy = Y0 + S − S·(log10|g| − lo)/(hi − lo), with X0, Y0
 *                        and S the GCV_HTML_SCATTER_* below); one per block
 *   circle.pt            data-i (parameter index); classes pos/neg/flip/zero, bad, kink
 *   svg.heatmap/.strip   data-block, data-rows, data-cols, data-tile-rows, data-tile-cols;
 *                        one path per colour class h0…h9, hz (no gradient), hu (unchecked),
 *                        each tile a unit square "Mc rh…" of a run along a row of tiles
 *   tr.param             data-index, data-theta, data-analytic, data-numeric, data-rel-error,
 *                        data-status
 *   svg.history          data-block, data-differences (one per report, oldest first, then
 *                        this run)
 *
 * Tile colour classes, from the parameters in the tile (the first that applies):
 *   h9 a non-finite value; h8/h7/h6 a mismatch with relative error ≥ 1e-1 / ≥ 1e-3 / less;
 *   h5 an unresolved kink; h4/h3/h2/h1 relative error ≥ 1e-6 / ≥ 1e-8 / ≥ 1e-10 / less;
 *   hz every checked parameter has g = g̃ = 0; hu nothing checked. */
#ifndef GCV_HTML_H
#define GCV_HTML_H

#include <stdio.h>

#include "gcverify/gcverify.h"
#include "report/baseline.h"
#include "report/report.h"

#define GCV_HTML_MAX_POINTS 600 /* scatter points per block */
#define GCV_HTML_MAX_TILES 96   /* heatmap tiles along a side */
#define GCV_HTML_MAX_ROWS 100   /* rows of the worst-parameters table (info->top, at most) */
/* The scatter's plot box in its own pixels: left, top, side. */
#define GCV_HTML_SCATTER_X0 46
#define GCV_HTML_SCATTER_Y0 8
#define GCV_HTML_SCATTER_S 236

/* Earlier reports of the same config, oldest first. */
typedef struct gcv_html_history {
    size_t n;
    gcv_baseline **reports;
} gcv_html_history;

typedef struct gcv_html_options {
    const gcv_html_history *history;    /* earlier reports, oldest first, or NULL */
    const gcv_baseline *baseline;       /* the report compared with (after history), or NULL */
    const gcv_regressions *regressions; /* the comparison with baseline, or NULL */
} gcv_html_options;

/* Loads the history for the config called name: each path is a JSON report, or a folder
 * holding <name>.json (skipped when absent, as --baseline-dir does). On GCV_OK *out holds
 * the reports in the order given (release with gcv_html_history_free); on failure *out is
 * empty and err says "file: json.path: expected …" as gcv_baseline_load does, which each
 * report goes through with max_memory (0: the memory available). */
gcv_status gcv_html_history_load(const char *const *paths, size_t n, const char *name,
                                 size_t max_memory, gcv_html_history *out, gcv_error *err);

/* Frees the reports in h and empties it; accepts NULL. */
void gcv_html_history_free(gcv_html_history *h);

/* The page to a stream. opt may be NULL. Returns 0 on success, -1 on a write error or when
 * out of memory. */
int gcv_report_html_stream(FILE *f, const gcv_report_info *info, const gcv_model *m,
                           const gcv_result *r, const gcv_html_options *opt);

/* The page to path, atomically (gcv_write_atomic): "PATH: cannot write the HTML report" on a
 * write error, "PATH: out of memory for the HTML report" (GCV_ERR_NOMEM). */
gcv_status gcv_report_html(const char *path, const gcv_report_info *info, const gcv_model *m,
                           const gcv_result *r, const gcv_html_options *opt, gcv_error *err);

#endif

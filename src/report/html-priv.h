/* Internals of the HTML report shared by its files: the page being written and the small
 * writers every part uses. html.c writes the page (head, verdict, charts of the layers,
 * settings, worst parameters), html-block.c each block's card (scatter, heatmap), and
 * html-history.c the history charts and the reports they come from. */
#ifndef GCV_HTML_PRIV_H
#define GCV_HTML_PRIV_H

#include <math.h>
#include <stdio.h>

#include "report/html.h"
#include "report/junit.h"

typedef struct page {
    FILE *f;
    const gcv_report_info *in;
    const gcv_model *m;
    const gcv_result *r;
    const gcv_html_options *o;
    int nomem; /* a scratch allocation failed: the page is incomplete */
} page;

/* ---- small writers ---- */

static inline void text(FILE *f, const char *s)
{
    gcv_xml_escape(f, s, 0);
}

static inline void attr(FILE *f, const char *name, const char *v)
{
    fprintf(f, " %s=\"", name);
    gcv_xml_escape(f, v, 1);
    fputc('"', f);
}

/* data-NAME with the JSON report's number form: 17 digits, null when not finite. */
static inline void dnum(FILE *f, const char *name, double v)
{
    if (isfinite(v))
        fprintf(f, " data-%s=\"%.17g\"", name, v);
    else
        fprintf(f, " data-%s=\"null\"", name);
}

/* A number for people: 1.8e-10 (digits after the point), n/a for NaN. */
static inline void sci(FILE *f, double v, int digits)
{
    if (isnan(v))
        fputs("n/a", f);
    else if (isinf(v))
        fputs(v > 0 ? "∞" : "−∞", f);
    else
        fprintf(f, "%.*e", digits, v);
}

static inline const char *word(gcv_verdict v)
{
    return v == GCV_PASS        ? "pass"
           : v == GCV_FAIL      ? "FAIL"
           : v == GCV_UNCHECKED ? "unchecked"
                                : "INCONCLUSIVE";
}

static inline double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}


/* A log10 axis: decades lo..hi onto pixels x0..x0+w (or y, inverted, by the caller). */
typedef struct axis {
    double lo, hi, x0, w;
} axis;

static inline double ax_pos(const axis *a, double v)
{
    double t = v > 0.0 && isfinite(v) ? (log10(v) - a->lo) / (a->hi - a->lo) : 0.0;
    if (isinf(v) && v > 0)
        t = 1.0;
    return a->x0 + a->w * clamp(t, 0.0, 1.0);
}

/* "1e-8" for decade d. */
static inline void decade(FILE *f, double d)
{
    fprintf(f, "1e%d", (int)d);
}

/* Block b's card: its numbers, diagnosis, scatter and heatmap (html-block.c). */
void gcv_html_card(page *p, size_t b);
/* The key to the heatmaps' colours (html-block.c). */
void gcv_html_legend(FILE *f);
/* The history charts, when there are earlier reports (html-history.c). */
void gcv_html_history_section(page *p);

#endif

/* A CSV source: the table read whole (at most what the memory budget allows), its label
 * columns (data.label_columns, by index or header name; the last column by default) split
 * off as Y and the other columns, in the table's order, kept as X; both with one example
 * per row. Labels are checked as data.labels says, or as the loss implies: class ids for
 * softmax_cross_entropy with one label column, one-hot columns with several, the values as
 * they are otherwise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/load.h"
#include "engine/memory.h"
#include "model/mlp.h"
#include "util/strutil.h"

typedef struct csv_split {
    const char *file;  /* as resolved, for messages */
    const gcv_csv *t;
    size_t *lab;       /* the label columns, in data.label_columns order */
    size_t n_lab;
    gcv_label_mode mode;
} csv_split;

/* A name of the header row; "" when there is none. */
static const char *csv_name(const gcv_csv *t, size_t col)
{
    return t->names && t->names[col] ? t->names[col] : "";
}

/* data.label_columns[i] (lc) as a column of the table. */
static gcv_status csv_column(const gcv_loader *ld, const csv_split *s,
                             const gcv_label_column *lc, size_t i, size_t *col)
{
    char p[GCV_JPATH_LEN];
    const gcv_csv *t = s->t;
    gcv_json_path_index(p, sizeof p, "data.label_columns", i);
    if (!lc->name) {
        *col = lc->index;
        if (*col < t->cols)
            return GCV_OK;
        return gcv_json_fail(&ld->j, p, "expected a column index below %zu (the columns of "
                             "%s), got %s", t->cols, s->file, lc->shown);
    }
    if (!t->names)
        return gcv_json_fail(&ld->j, p, "expected a column index (%s has no header row), got "
                             "%s", s->file, lc->shown);
    for (*col = 0; *col < t->cols; (*col)++) {
        if (strcmp(csv_name(t, *col), lc->name) != 0)
            continue;
        /* A name two columns share would pick the first and make the other a feature. */
        for (size_t k = *col + 1; k < t->cols; k++)
            if (strcmp(csv_name(t, k), lc->name) == 0)
                return gcv_json_fail(&ld->j, p, "expected a name that one column of %s has, "
                                     "got %s, the name of columns %zu and %zu (use an index)",
                                     s->file, lc->shown, *col, k);
        return GCV_OK;
    }
    const char *near = gcv_json_nearest(lc->name, (const char *const *)t->names, t->cols);
    char hint[GCV_JSON_SHOW_MAX + 32] = "";
    if (near)
        snprintf(hint, sizeof hint, "; did you mean \"%.*s\"?", GCV_JSON_SHOW_MAX, near);
    return gcv_json_fail(&ld->j, p, "expected a column name in the header of %s, got %s%s",
                         s->file, lc->shown, hint);
}

/* The label columns: data.label_columns resolved, each once; by default the last one. */
static gcv_status csv_label_columns(gcv_loader *ld, csv_split *s)
{
    const gcv_data_spec *d = &ld->c->data;
    s->n_lab = d->label_columns ? d->n_label_columns : 1;
    if (!(s->lab = malloc(s->n_lab * sizeof *s->lab)))
        return gcv_data_nomem(ld);
    if (!d->label_columns) {
        s->lab[0] = s->t->cols - 1;
        return GCV_OK;
    }
    for (size_t i = 0; i < s->n_lab; i++) {
        gcv_status st = csv_column(ld, s, &d->label_columns[i], i, &s->lab[i]);
        for (size_t k = 0; !st && k < i; k++)
            if (s->lab[k] == s->lab[i]) {
                char p[GCV_JPATH_LEN];
                gcv_json_path_index(p, sizeof p, "data.label_columns", i);
                st = gcv_json_fail(&ld->j, p, "expected each column once, got column %zu "
                                   "(\"%.*s\") a second time", s->lab[i], GCV_JSON_SHOW_MAX,
                                   csv_name(s->t, s->lab[i]));
            }
        if (st)
            return st;
    }
    return GCV_OK;
}

/* How labels are read: data.labels, else class ids for softmax_cross_entropy with one label
 * column, one-hot columns for it with several, the values as they are otherwise. */
static gcv_label_mode csv_mode(const gcv_loader *ld, size_t n_lab)
{
    if (ld->c->data.labels != GCV_LABELS_AUTO)
        return ld->c->data.labels;
    if (ld->c->loss == GCV_LOSS_SOFTMAX_CE)
        return n_lab == 1 ? GCV_LABELS_CLASS_ID : GCV_LABELS_ONE_HOT;
    return GCV_LABELS_VALUES;
}

/* The table's columns against the network: layers[0] features, and labels for n_L outputs. */
static gcv_status csv_counts(gcv_loader *ld, const csv_split *s)
{
    const gcv_config *c = ld->c;
    size_t n0 = c->sizes[0], n_out = c->sizes[c->n_layers], L = c->n_layers;
    if (s->t->cols != n0 + s->n_lab)
        return gcv_json_fail(&ld->j, "data.file", "%s: expected %zu columns (%zu features for "
                             "layers[0] = %zu, and %zu label column%s), got %zu", s->file,
                             n0 + s->n_lab, n0, n0, s->n_lab, s->n_lab == 1 ? "" : "s",
                             s->t->cols);
    if (s->mode == GCV_LABELS_CLASS_ID && s->n_lab != 1)
        return gcv_json_fail(&ld->j, "data.label_columns", "expected one column for class_id "
                             "labels, got %zu", s->n_lab);
    if (s->mode != GCV_LABELS_CLASS_ID && s->n_lab != n_out)
        return gcv_json_fail(&ld->j, "data.label_columns", "expected %zu label column%s (one "
                             "per output, layers[%zu] = %zu)%s, got %zu%s", n_out,
                             n_out == 1 ? "" : "s", L, n_out, s->mode == GCV_LABELS_ONE_HOT ?
                             " for one_hot labels" : "", s->n_lab,
                             c->data.label_columns ? "" : " (the last column, by default)");
    return GCV_OK;
}

/* X (m, n0) from the feature columns, in the table's order. */
static gcv_status csv_features(gcv_loader *ld, const csv_split *s)
{
    const gcv_csv *t = s->t;
    size_t n0 = ld->c->sizes[0], m = t->rows;
    gcv_npy *x = &ld->xr;
    memset(x, 0, sizeof *x);
    if (!(x->data = malloc(n0 * m * sizeof *x->data)))
        return gcv_data_nomem(ld);
    x->ndim = 2;
    x->shape[0] = m;
    x->shape[1] = n0;
    x->count = n0 * m;
    for (size_t col = 0, k = 0; col < t->cols; col++) {
        int is_lab = 0;
        for (size_t i = 0; i < s->n_lab; i++)
            is_lab |= s->lab[i] == col;
        for (size_t r = 0; !is_lab && r < m; r++)
            x->data[r * n0 + k] = t->data[r * t->cols + col];
        k += !is_lab;
    }
    return GCV_OK;
}

/* "line 5, column 3" of the table's value (r, col), as an editor numbers them. */
static void csv_where(const csv_split *s, size_t r, size_t col, char *out, size_t n)
{
    snprintf(out, n, "line %zu, column %zu", r + 1 + (s->t->names != NULL), col + 1);
}

/* One label value against the mode and the loss; what it should have been in *what. */
static int csv_label_ok(const gcv_loader *ld, gcv_label_mode mode, double v, char *what,
                        size_t n)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers], ids = n_out < 2 ? 2 : n_out;
    if (mode == GCV_LABELS_CLASS_ID) {
        snprintf(what, n, "a class id (an integer in [0, %zu))", ids);
        return v == floor(v) && v >= 0 && v < (double)ids;
    }
    if (mode == GCV_LABELS_ONE_HOT) {
        snprintf(what, n, "0 or 1 (one_hot labels)");
        return v == 0.0 || v == 1.0;
    }
    snprintf(what, n, "a label in [0, 1] for binary_cross_entropy");
    return ld->c->loss != GCV_LOSS_BCE || (v >= 0.0 && v <= 1.0);
}

/* Row r's labels into y (n_out values): checked, class ids turned into one-hot. */
static gcv_status csv_label_row(gcv_loader *ld, const csv_split *s, size_t r, double *y)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers];
    double ones = 0.0;
    char what[64], where[64], vs[32];
    for (size_t i = 0; i < s->n_lab; i++) {
        double v = s->t->data[r * s->t->cols + s->lab[i]];
        if (!csv_label_ok(ld, s->mode, v, what, sizeof what)) {
            gcv_json_format_number(v, vs, sizeof vs);
            csv_where(s, r, s->lab[i], where, sizeof where);
            return gcv_json_fail(&ld->j, "data.label_columns", "%s: %s: expected %s, got %s",
                                 s->file, where, what, vs);
        }
        ones += v;
        if (s->mode == GCV_LABELS_CLASS_ID && n_out > 1)
            y[(size_t)v] = 1.0;
        else
            y[i] = v;
    }
    if (s->mode != GCV_LABELS_ONE_HOT || ones == 1.0)
        return GCV_OK;
    snprintf(where, sizeof where, "line %zu", r + 1 + (s->t->names != NULL));
    return gcv_json_fail(&ld->j, "data.label_columns", "%s: %s: expected exactly one 1 among "
                         "the %zu label columns (one_hot labels), got %.0f", s->file, where,
                         s->n_lab, ones);
}

/* Y (m, n_L) from the label columns. */
static gcv_status csv_labels(gcv_loader *ld, const csv_split *s)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers], m = s->t->rows;
    gcv_npy *y = &ld->yr;
    memset(y, 0, sizeof *y);
    if (!(y->data = calloc(n_out * m, sizeof *y->data)))
        return gcv_data_nomem(ld);
    y->ndim = 2;
    y->shape[0] = m;
    y->shape[1] = n_out;
    y->count = n_out * m;
    gcv_status st = GCV_OK;
    for (size_t r = 0; r < m && !st; r++)
        st = csv_label_row(ld, s, r, y->data + r * n_out);
    return st;
}

static gcv_status csv_take(gcv_loader *ld, csv_split *s)
{
    gcv_status st = csv_label_columns(ld, s);
    if (st)
        return st;
    s->mode = csv_mode(ld, s->n_lab);
    if (!(st = csv_counts(ld, s)) && !(st = csv_features(ld, s)))
        st = csv_labels(ld, s);
    ld->c->m_total = s->t->rows;
    return st;
}

/* A table larger than the budget: the reader's line, and why that is the limit. */
static gcv_status csv_too_big(gcv_loader *ld, const gcv_error *inner, size_t P, size_t max_m)
{
    char have[32];
    gcv_format_bytes((double)ld->budget, have, sizeof have);
    gcv_json_fail(&ld->j, "data.file", "%s (a check of %zu parameters fits in %s of memory with "
                  "at most %zu examples)", inner->msg, P, have, max_m);
    return GCV_ERR_NOMEM;
}

/* Reads data.file whole (at most what the budget allows), then splits X and Y off it. */
gcv_status gcv_data_load_csv(gcv_loader *ld)
{
    gcv_config *c = ld->c;
    size_t P = gcv_mlp_param_count(c->n_layers, c->sizes);
    if (P == 0)
        return gcv_data_guard(ld, 1); /* reports the overflow */
    size_t n_lab = c->data.label_columns ? c->data.n_label_columns : 1;
    size_t max_m = gcv_data_max_examples(ld, P);
    size_t cap = gcv_sat_mul(gcv_sat_add(c->sizes[0], n_lab), max_m);
    char *file = gcv_path_join(ld->dir, c->data.file);
    if (!file)
        return gcv_data_nomem(ld);
    gcv_csv t;
    gcv_error inner;
    gcv_csv_options o = c->data.csv;
    o.max_bytes = ld->budget; /* the line and its fields too, not only the values */
    gcv_status st = gcv_csv_read(file, &o, cap, &t, &inner);
    if (st == GCV_ERR_NOMEM && strstr(inner.msg, "expected at most"))
        st = csv_too_big(ld, &inner, P, max_m);
    else if (st)
        st = gcv_data_wrap(ld, "data.file", &inner, st);
    else {
        csv_split s = {.file = file, .t = &t};
        st = csv_take(ld, &s);
        free(s.lab);
    }
    gcv_csv_free(&t);
    free(file);
    return st;
}


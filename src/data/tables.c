/* X and Y as read (gcv_loader's xr and yr) turned into the arrays the MLP takes: shapes
 * checked against the network in the layout data.layout names, X scaled, Y checked against
 * the loss (labels in [0, 1], class ids, one-hot columns) and class ids made one-hot, both
 * transposed to one example per column; then the check.examples subset. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/array.h"
#include "data/load.h"
#include "engine/memory.h"
#include "util/rng.h"
#include "util/strutil.h"

#define SUBSET_SALT UINT64_C(0x5eed) /* check.examples seed = data seed XOR this */

enum { Y_MATRIX, Y_VECTOR, Y_IDS, Y_BAD }; /* how a label array maps to (n_L, m) */

/* layout examples_by_features or examples_first: one example per row. */
static int by_examples(const gcv_loader *ld)
{
    return ld->c->data.layout != GCV_LAYOUT_FEATURES;
}

static gcv_status x_count(gcv_loader *ld, const char *got, size_t m)
{
    if (m == 0)
        return gcv_json_fail(&ld->j, "data.x", "expected at least one example, got shape %s",
                             got);
    if (m > GCV_CONFIG_SIZE_LIMIT)
        return gcv_json_fail(&ld->j, "data.x", "expected at most %zu examples, got shape %s",
                             GCV_CONFIG_SIZE_LIMIT, got);
    return GCV_OK;
}

/* examples_first: m = shape[0], the rest flattened in C order must hold layers[0] values;
 * a is reshaped to (m, n0) (a 1-D array stays (m,) when n0 = 1). */
static gcv_status x_shape_first(gcv_loader *ld, gcv_npy *a, size_t *m)
{
    size_t n0 = ld->c->sizes[0], per = 1;
    char got[GCV_ARRAY_SHAPE_LEN];
    gcv_array_shape(a, got, sizeof got);
    for (size_t i = 1; i < a->ndim; i++)
        per = gcv_sat_mul(per, a->shape[i]);
    if (a->ndim == 0 || per != n0)
        return gcv_json_fail(&ld->j, "data.x", "expected %zu values per example (layers[0] = "
                             "%zu; examples_first: the first dimension indexes the examples), "
                             "got shape %s (%zu per example)", n0, n0, got, a->ndim ? per : 0);
    *m = a->shape[0];
    if (a->ndim > 2) {
        a->ndim = 2;
        a->shape[1] = per;
    }
    return x_count(ld, got, *m);
}

/* X must be (n0, m), or (m, n0) with examples_by_features, or (m,) when n0 = 1. */
gcv_status gcv_table_x_shape(gcv_loader *ld, gcv_npy *a, size_t *m)
{
    size_t n0 = ld->c->sizes[0];
    char got[GCV_ARRAY_SHAPE_LEN];
    if (ld->c->data.layout == GCV_LAYOUT_FIRST)
        return x_shape_first(ld, a, m);
    gcv_array_shape(a, got, sizeof got);
    if (a->ndim == 2 && a->shape[by_examples(ld) ? 1 : 0] == n0)
        *m = a->shape[by_examples(ld) ? 0 : 1];
    else if (a->ndim == 1 && n0 == 1)
        *m = a->shape[0];
    else if (by_examples(ld))
        return gcv_json_fail(&ld->j, "data.x", "expected shape (m, %zu) (examples × features, "
                             "layers[0] = %zu), got %s", n0, n0, got);
    else
        return gcv_json_fail(&ld->j, "data.x", "expected shape (%zu, m) (features × examples, "
                             "layers[0] = %zu), got %s", n0, n0, got);
    return x_count(ld, got, *m);
}

/* data.scale: X times the scale, which must leave it finite. */
static gcv_status scale_x(gcv_loader *ld)
{
    char bad[96];
    if (ld->c->data.scale == 1.0)
        return GCV_OK;
    for (size_t i = 0; i < ld->xr.count; i++)
        ld->xr.data[i] *= ld->c->data.scale;
    if (gcv_array_first_nonfinite(&ld->xr, bad, sizeof bad))
        return gcv_json_fail(&ld->j, "data.scale", "expected a scale that keeps x finite, got "
                             "%s after scaling", bad);
    return GCV_OK;
}

/* X into c->x as (n0, m), scaled, transposing an array that holds one example per row. */
gcv_status gcv_table_take_x(gcv_loader *ld)
{
    gcv_config *c = ld->c;
    char bad[96];
    gcv_status st;
    if (gcv_array_first_nonfinite(&ld->xr, bad, sizeof bad))
        return gcv_json_fail(&ld->j, "data.x", "expected finite numbers, got %s", bad);
    if ((st = scale_x(ld)) != GCV_OK)
        return st;
    if (!by_examples(ld) || ld->xr.ndim == 1) {
        c->x = ld->xr.data;
        ld->xr.data = NULL;
        return GCV_OK;
    }
    size_t n0 = c->sizes[0], m = c->m_total;
    if (!(c->x = malloc(n0 * m * sizeof *c->x)))
        return gcv_data_nomem(ld);
    for (size_t j = 0; j < m; j++)
        for (size_t k = 0; k < n0; k++)
            c->x[k * m + j] = ld->xr.data[j * n0 + k];
    return GCV_OK;
}

static int y_layout(const gcv_loader *ld, const gcv_npy *a)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers], m = ld->c->m_total;
    size_t r = by_examples(ld) ? m : n_out, cl = by_examples(ld) ? n_out : m;
    if (a->ndim == 2 && a->shape[0] == r && a->shape[1] == cl)
        return Y_MATRIX;
    int vec = (a->ndim == 1 && a->shape[0] == m) ||
              (a->ndim == 2 && ((a->shape[0] == 1 && a->shape[1] == m) ||
                                (a->shape[0] == m && a->shape[1] == 1)));
    if (!vec)
        return Y_BAD;
    if (n_out == 1)
        return Y_VECTOR;
    return ld->c->loss == GCV_LOSS_SOFTMAX_CE ? Y_IDS : Y_BAD;
}

gcv_status gcv_table_y_shape_error(const gcv_loader *ld, const gcv_npy *a)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers], m = ld->c->m_total;
    char got[GCV_ARRAY_SHAPE_LEN], want[96], alt[64] = "";
    gcv_array_shape(a, got, sizeof got);
    if (by_examples(ld))
        snprintf(want, sizeof want, "(%zu, %zu) (examples × outputs)", m, n_out);
    else
        snprintf(want, sizeof want, "(%zu, %zu) (outputs × examples)", n_out, m);
    if (n_out == 1)
        snprintf(alt, sizeof alt, " or (%zu,)", m);
    else if (ld->c->loss == GCV_LOSS_SOFTMAX_CE)
        snprintf(alt, sizeof alt, ", or %zu class ids of shape (%zu,)", m, m);
    return gcv_json_fail(&ld->j, "data.y", "expected shape %s%s, got %s", want, alt, got);
}

/* Labels in their own layout: BCE in [0, 1]; class ids integers in [0, n_L). */
static gcv_status check_labels(const gcv_loader *ld, const gcv_npy *a, int layout)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers];
    for (size_t i = 0; i < a->count; i++) {
        double v = a->data[i];
        int ids = layout == Y_IDS;
        if (ids ? (v == floor(v) && v >= 0 && v < (double)n_out)
                : (ld->c->loss != GCV_LOSS_BCE || (v >= 0 && v <= 1)))
            continue;
        char vs[32], at[48];
        gcv_json_format_number(v, vs, sizeof vs);
        gcv_array_coord(a, i, at, sizeof at);
        if (ids)
            return gcv_json_fail(&ld->j, "data.y", "expected class ids (integers in [0, %zu)) "
                                 "for softmax_cross_entropy, got %s at %s", n_out, vs, at);
        return gcv_json_fail(&ld->j, "data.y", "expected labels in [0, 1] for "
                             "binary_cross_entropy, got %s at %s", vs, at);
    }
    return GCV_OK;
}

/* softmax_cross_entropy with a label matrix: each example's column is one-hot. */
static gcv_status check_one_hot(const gcv_loader *ld)
{
    const gcv_config *c = ld->c;
    size_t n_out = c->sizes[c->n_layers], m = c->m_total;
    for (size_t j = 0; j < m; j++) {
        double sum = 0.0;
        for (size_t k = 0; k < n_out; k++) {
            double v = c->y[k * m + j];
            sum += v;
            if (v == 0.0 || v == 1.0)
                continue;
            char vs[32];
            gcv_json_format_number(v, vs, sizeof vs);
            return gcv_json_fail(&ld->j, "data.y", "expected one-hot labels (0 or 1) for "
                                 "softmax_cross_entropy, got %s at (%zu, %zu)", vs,
                                 by_examples(ld) ? j : k, by_examples(ld) ? k : j);
        }
        if (sum != 1.0)
            return gcv_json_fail(&ld->j, "data.y", "expected exactly one 1 per example for "
                                 "softmax_cross_entropy, got %.0f in example %zu", sum, j);
    }
    return GCV_OK;
}

/* Y into c->y as (n_L, m): transposed, or one-hot from class ids. */
static gcv_status take_y(gcv_loader *ld, int layout)
{
    gcv_config *c = ld->c;
    size_t n_out = c->sizes[c->n_layers], m = c->m_total;
    if (layout == Y_VECTOR || (layout == Y_MATRIX && (!by_examples(ld) || n_out == 1))) {
        c->y = ld->yr.data;
        ld->yr.data = NULL;
        return GCV_OK;
    }
    if (!(c->y = calloc(n_out * m, sizeof *c->y)))
        return gcv_data_nomem(ld);
    for (size_t j = 0; j < m; j++) {
        if (layout == Y_IDS)
            c->y[(size_t)ld->yr.data[j] * m + j] = 1.0;
        else
            for (size_t k = 0; k < n_out; k++)
                c->y[k * m + j] = ld->yr.data[j * n_out + k];
    }
    return GCV_OK;
}

/* examples_first: labels (m, a, b, …) become (m, a·b·…) when that is (m, n_L). */
void gcv_table_y_flatten(const gcv_loader *ld, gcv_npy *a)
{
    size_t per = 1;
    if (ld->c->data.layout != GCV_LAYOUT_FIRST || a->ndim <= 2 || a->shape[0] != ld->c->m_total)
        return;
    for (size_t i = 1; i < a->ndim; i++)
        per = gcv_sat_mul(per, a->shape[i]);
    if (per == ld->c->sizes[ld->c->n_layers]) {
        a->ndim = 2;
        a->shape[1] = per;
    }
}

static gcv_status add_note(gcv_loader *ld, const char *fmt, ...) GCV_PRINTF(2, 3);

/* Appends one line to c->notes. */
static gcv_status add_note(gcv_loader *ld, const char *fmt, ...)
{
    gcv_config *c = ld->c;
    char line[GCV_ERROR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char **notes = realloc(c->notes, (c->n_notes + 1) * sizeof *notes);
    if (!notes)
        return gcv_data_nomem(ld);
    c->notes = notes;
    if (!(notes[c->n_notes] = gcv_strdup(line)))
        return gcv_data_nomem(ld);
    c->n_notes++;
    return GCV_OK;
}

/* The NumPy name of an integer type: hdf5 and mat give it, npy gives a descr ("|u1"). */
static void int_dtype_name(const gcv_loader *ld, char *out, size_t n)
{
    const char *d = ld->yr.dtype;
    int npy = ld->c->data.source == GCV_DATA_NPY && d[0] && d[1] && d[2];
    if (npy && d[1] == 'b')
        snprintf(out, n, "bool");
    else if (npy && (d[1] == 'u' || d[1] == 'i'))
        snprintf(out, n, "%sint%d", d[1] == 'u' ? "u" : "", 8 * atoi(d + 2));
    else
        snprintf(out, n, "%s", d);
}

/* Integer labels (uint8, as the cat-vs-non-cat HDF5 files store them) are doubles from here
 * on; say so, and where unsigned arithmetic would have wrapped −y around (uint8: −1 → 255, and
 * a gradient check of code that computed 1 − y in uint8 reports a difference near 1). */
gcv_status gcv_table_note_integer_labels(gcv_loader *ld)
{
    char dtype[24], wraps[96] = "";
    if (!ld->yr.is_integer)
        return GCV_OK;
    int_dtype_name(ld, dtype, sizeof dtype);
    int bits = strncmp(dtype, "uint", 4) == 0 ? atoi(dtype + 4) : 0;
    if (bits >= 8 && bits <= 64)
        snprintf(wraps, sizeof wraps, " (in integer arithmetic -y wraps to %llu)", bits == 64 ? ~0ULL : (1ULL << bits) - 1);
    const gcv_data_spec *s = &ld->c->data;
    const char *file = s->source == GCV_DATA_NPY ? s->y : s->file;
    const char *base = strrchr(file, '/');
    return add_note(ld, "data.y: labels stored as %s in %s were converted to double before any "
                    "arithmetic%s", dtype, base && base[1] ? base + 1 : file, wraps);
}

gcv_status gcv_table_take_y(gcv_loader *ld)
{
    char bad[96];
    gcv_status st;
    int layout = y_layout(ld, &ld->yr);
    if (layout == Y_BAD)
        return gcv_table_y_shape_error(ld, &ld->yr);
    if (gcv_array_first_nonfinite(&ld->yr, bad, sizeof bad))
        return gcv_json_fail(&ld->j, "data.y", "expected finite numbers, got %s", bad);
    if ((st = check_labels(ld, &ld->yr, layout)) || (st = take_y(ld, layout)))
        return st;
    return layout == Y_MATRIX && ld->c->loss == GCV_LOSS_SOFTMAX_CE ? check_one_hot(ld) : GCV_OK;
}

/* check.examples = k: a seeded sorted subset of columns, kept in their order. */
gcv_status gcv_table_subset(gcv_loader *ld)
{
    gcv_config *c = ld->c;
    size_t k = c->data.subset, m = c->m_total, n0 = c->sizes[0], n_out = c->sizes[c->n_layers];
    c->m = m;
    if (!k || k == m)
        return GCV_OK;
    if (k > m)
        return gcv_json_fail(&ld->j, "check.examples", "expected at most %zu (the examples in "
                             "the data), got %zu", m, k);
    size_t *idx = malloc(k * sizeof *idx);
    double *x = malloc(n0 * k * sizeof *x), *y = malloc(n_out * k * sizeof *y);
    if (!idx || !x || !y) {
        free(idx);
        free(x);
        free(y);
        return gcv_data_nomem(ld);
    }
    gcv_rng r;
    gcv_rng_seed(&r, c->data.seed ^ SUBSET_SALT);
    gcv_rng_sample_sorted(&r, m, k, idx);
    for (size_t i = 0; i < n0; i++)
        for (size_t j = 0; j < k; j++)
            x[i * k + j] = c->x[i * m + idx[j]];
    for (size_t i = 0; i < n_out; i++)
        for (size_t j = 0; j < k; j++)
            y[i * k + j] = c->y[i * m + idx[j]];
    free(idx);
    free(c->x);
    free(c->y);
    c->x = x;
    c->y = y;
    c->m = k;
    return GCV_OK;
}

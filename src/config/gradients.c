/* A gradient dump into a config (see gradients.h). Names follow the user's own dicts: W1,
 * b1, … for the parameters; dW1 (or grads/W1, grads/dW1, dJ_dW1) for their gradient, as the
 * course's backward pass returns it (its dZ3, dA2, … are never asked for, so they are
 * ignored); X and Y (or x, y) for the data; J (or cost) for the cost. A weight matrix in the
 * other orientation, (n_{l-1}, n_l), is taken with "weights": "in_out" and otherwise refused
 * with a message that says it is transposed and names the key; vectors (b, and W with a
 * dimension of 1) may come in any of the shapes NumPy and MATLAB give them. */
#include "config/gradients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/array.h"
#include "data/dump.h"
#include "engine/memory.h"
#include "model/mlp.h"
#include "util/strutil.h"

typedef struct gl {
    gcv_loader *ld;
    gcv_dump *d;
    const char *file;   /* the dump, for messages */
    const char *config; /* the config file, ld->j.file */
    char label[1024];   /* "config: gradients: dump", the file the table steps name */
} gl;

/* The table steps (data/tables.c) check the dump's X and Y as they check a data section's;
 * their messages then name the dump, and the array ("X") where they say "data.x". */
static void name_dump(gl *g, int on)
{
    gcv_loader *ld = g->ld;
    ld->j.file = on ? g->label : g->config;
    if (on)
        return;
    static const char *const from[] = {": data.x: ", ": data.y: "};
    for (size_t k = 0; k < 2; k++) {
        char *at = strstr(ld->j.err->msg, from[k]);
        if (!at)
            continue;
        size_t n = strlen(from[k]); /* ": data.x: " → ": X: ", the rest moved up */
        at[2] = k ? 'Y' : 'X';
        memmove(at + 3, at + n - 2, strlen(at + n - 2) + 1);
    }
}

static gcv_status inner_fail(const gl *g, const gcv_error *inner, gcv_status st)
{
    gcv_json_fail(&g->ld->j, "gradients", "%s", inner->msg);
    return st;
}

/* The first of names[0, n) the dump has, into *a (*which: its index); with none, *which is
 * n and GCV_OK when optional, else the reader's message for names[0] and the other names. */
static gcv_status read_any(const gl *g, const char *const *names, size_t n, size_t cap,
                           int optional, gcv_npy *a, size_t *which)
{
    gcv_error inner, first = {{0}};
    for (*which = 0; *which < n; ++*which) {
        int missing = 0;
        gcv_status st = gcv_dump_read(g->d, names[*which], cap, a, &missing, &inner);
        if (!st)
            return GCV_OK;
        if (!missing)
            return inner_fail(g, &inner, st);
        if (*which == 0)
            first = inner;
    }
    if (optional)
        return GCV_OK;
    char also[96] = "";
    for (size_t k = 1; k < n; k++)
        snprintf(also + strlen(also), sizeof also - strlen(also), "%s%s", k > 1 ? ", " : "",
                 names[k]);
    return gcv_json_fail(&g->ld->j, "gradients", "%s%s%s", first.msg,
                         n > 1 ? "; also looked for " : "", also);
}

/* W_l's shape message, with the transposed case named and the key that takes it. */
static gcv_status w_shape_error(const gl *g, const char *name, const gcv_npy *a, size_t rows,
                                size_t cols, size_t l)
{
    const gcv_gradients_spec *s = &g->ld->c->gradients;
    char got[GCV_ARRAY_SHAPE_LEN];
    gcv_array_shape(a, got, sizeof got);
    int in_out = s->weights == GCV_WEIGHTS_IN_OUT;
    size_t r = in_out ? cols : rows, c = in_out ? rows : cols; /* the shape expected */
    int transposed = a->ndim == 2 && a->shape[0] == c && a->shape[1] == r;
    if (transposed && !s->weights_given)
        return gcv_json_fail(&g->ld->j, "gradients", "%s: %s: expected (%zu, %zu) = (n_%zu, "
                             "n_%zu), got %s: it is transposed; for weights laid out "
                             "(n_{l-1}, n_l) set \"weights\": \"in_out\" in the gradients "
                             "section", g->file, name, rows, cols, l, l - 1, got);
    if (transposed)
        return gcv_json_fail(&g->ld->j, "gradients.weights", "%s: %s: expected (%zu, %zu) as "
                             "\"weights\": \"%s\" says, got %s: it is transposed; set "
                             "\"weights\": \"%s\"", g->file, name, r, c,
                             in_out ? "in_out" : "out_in", got, in_out ? "out_in" : "in_out");
    return gcv_json_fail(&g->ld->j, "gradients", "%s: %s: expected (%zu, %zu)%s, got %s",
                         g->file, name, r, c, in_out ? " (weights in_out)" : "", got);
}

/* a (named name) into dst as the rows × cols block of θ: layer l's W, or its b (bias). */
static gcv_status place(const gl *g, const char *name, const gcv_npy *a, size_t rows,
                        size_t cols, size_t l, int bias, double *dst)
{
    char bad[96];
    int vector = rows == 1 || cols == 1;
    int flat = a->ndim <= 1 || (a->ndim == 2 && (a->shape[0] == 1 || a->shape[1] == 1));
    if (a->count != rows * cols || !(vector ? flat : a->ndim == 2)) {
        if (!bias)
            return w_shape_error(g, name, a, rows, cols, l);
        gcv_array_shape(a, bad, sizeof bad);
        return gcv_json_fail(&g->ld->j, "gradients", "%s: %s: expected %zu values, (%zu, 1) "
                             "or (%zu,), got %s", g->file, name, rows, rows, rows, bad);
    }
    if (gcv_array_first_nonfinite(a, bad, sizeof bad))
        return gcv_json_fail(&g->ld->j, "gradients", "%s: %s: expected finite numbers, got %s",
                             g->file, name, bad);
    if (vector) { /* the same values in either orientation */
        memcpy(dst, a->data, rows * cols * sizeof *dst);
        return GCV_OK;
    }
    int as_stored = a->shape[0] == rows && a->shape[1] == cols;
    int swapped = a->shape[0] == cols && a->shape[1] == rows;
    const gcv_gradients_spec *s = &g->ld->c->gradients;
    int in_out = s->weights == GCV_WEIGHTS_IN_OUT;
    if (in_out ? !swapped : !as_stored)
        return w_shape_error(g, name, a, rows, cols, l);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            dst[i * cols + j] = in_out ? a->data[j * rows + i] : a->data[i * cols + j];
    return GCV_OK;
}

/* A float32 array, as each reader names the dtype ("<f4", "float32"). */
static int is_float32(const gcv_npy *a)
{
    return strcmp(a->dtype + (a->dtype[0] == '<' || a->dtype[0] == '>'), "f4") == 0 ||
           strcmp(a->dtype, "float32") == 0;
}

/* Layer l's W or b (b: bias) and its gradient into θ and grad. */
static gcv_status take_layer_block(const gl *g, size_t l, int bias, size_t offset)
{
    gcv_config *c = g->ld->c;
    size_t rows = c->sizes[l], cols = bias ? 1 : c->sizes[l - 1];
    char p[2][24], d[4][24];
    const char *v = bias ? "b" : "W";
    snprintf(p[0], sizeof p[0], "%s%zu", v, l);
    snprintf(p[1], sizeof p[1], "parameters/%s%zu", v, l);
    snprintf(d[0], sizeof d[0], "d%s%zu", v, l);
    snprintf(d[1], sizeof d[1], "grads/%s%zu", v, l);
    snprintf(d[2], sizeof d[2], "grads/d%s%zu", v, l);
    snprintf(d[3], sizeof d[3], "dJ_d%s%zu", v, l); /* ∂J/∂W1 spelt out, as some code does */
    const char *pn[] = {p[0], p[1]}, *dn[] = {d[0], d[1], d[2], d[3]};
    gcv_npy a;
    size_t which;
    gcv_status st = read_any(g, pn, 2, rows * cols, 0, &a, &which);
    if (st == GCV_ERR_NOMEM && a.count > rows * cols) /* refused by its size: say the shape */
        return place(g, pn[which], &a, rows, cols, l, bias, c->theta + offset);
    if (!st)
        st = place(g, pn[which], &a, rows, cols, l, bias, c->theta + offset);
    free(a.data);
    if (st)
        return st;
    st = read_any(g, dn, 4, rows * cols, 0, &a, &which);
    if (st == GCV_ERR_NOMEM && a.count > rows * cols)
        return place(g, dn[which], &a, rows, cols, l, bias, c->grad + offset);
    if (!st)
        st = place(g, dn[which], &a, rows, cols, l, bias, c->grad + offset);
    if (!st && is_float32(&a))
        c->grad_float32 = 1;
    free(a.data);
    return st;
}

/* θ and the gradient, W1, b1, W2, … in θ order; then J when the dump has it. */
static gcv_status take_params(const gl *g)
{
    gcv_config *c = g->ld->c;
    free(c->theta);
    c->theta = calloc(c->n_params ? c->n_params : 1, sizeof *c->theta);
    c->grad = calloc(c->n_params ? c->n_params : 1, sizeof *c->grad);
    if (!c->theta || !c->grad)
        return gcv_data_nomem(g->ld);
    gcv_status st = GCV_OK;
    for (size_t l = 1, off = 0; !st && l <= c->n_layers; l++) {
        st = take_layer_block(g, l, 0, off);
        off += c->sizes[l] * c->sizes[l - 1];
        if (!st)
            st = take_layer_block(g, l, 1, off);
        off += c->sizes[l];
    }
    static const char *const jn[] = {"J", "cost"};
    gcv_npy a;
    size_t which;
    if (!st)
        st = read_any(g, jn, 2, 1, 1, &a, &which);
    if (!st && which < 2) {
        char bad[96];
        if (a.count != 1 || gcv_array_first_nonfinite(&a, bad, sizeof bad))
            st = gcv_json_fail(&g->ld->j, "gradients", "%s: %s: expected one finite number "
                               "(the cost at these parameters), got %zu values", g->file,
                               jn[which], a.count);
        c->has_cost = !st;
        c->cost = st ? 0 : a.data[0];
        snprintf(c->cost_name, sizeof c->cost_name, "%s", jn[which]);
        free(a.data);
    }
    return st;
}

/* Appends one line to c->notes. */
static gcv_status add_note(const gl *g, const char *line)
{
    gcv_config *c = g->ld->c;
    char **notes = realloc(c->notes, (c->n_notes + 1) * sizeof *notes);
    if (!notes)
        return gcv_data_nomem(g->ld);
    c->notes = notes;
    if (!(notes[c->n_notes] = gcv_strdup(line)))
        return gcv_data_nomem(g->ld);
    c->n_notes++;
    return GCV_OK;
}

/* Integer labels in the dump: the note gcverify's own loaders give (data/tables.c), with
 * the dump's name. An .npy descr ("|u1") is said as NumPy names it ("uint8"). */
static gcv_status note_integer_labels(const gl *g, const gcv_npy *y, const char *name)
{
    if (!y->is_integer)
        return GCV_OK;
    char dtype[24], wraps[96] = "", line[GCV_ERROR_LEN];
    const char *t = y->dtype;
    int npy = (t[0] == '<' || t[0] == '>' || t[0] == '|') && t[1] && t[2];
    if (npy && t[1] == 'b')
        snprintf(dtype, sizeof dtype, "bool");
    else if (npy)
        snprintf(dtype, sizeof dtype, "%sint%d", t[1] == 'u' ? "u" : "", 8 * atoi(t + 2));
    else
        snprintf(dtype, sizeof dtype, "%s", t);
    int bits = strncmp(dtype, "uint", 4) == 0 ? atoi(dtype + 4) : 0;
    if (bits >= 8 && bits <= 64)
        snprintf(wraps, sizeof wraps, " (in integer arithmetic -y wraps to %llu)",
                 bits == 64 ? ~0ULL : (1ULL << bits) - 1);
    const char *base = strrchr(g->file, '/');
    snprintf(line, sizeof line, "gradients: labels %s stored as %s in %s were converted to "
             "double before any arithmetic%s", name, dtype, base && base[1] ? base + 1 : g->file,
             wraps);
    return add_note(g, line);
}

/* X from the dump (then *from_dump), or from the data section when the dump has none. */
static gcv_status read_x(gl *g, int *from_dump)
{
    gcv_loader *ld = g->ld;
    gcv_config *c = ld->c;
    static const char *const xn[] = {"X", "x"};
    size_t P = gcv_mlp_param_count(c->n_layers, c->sizes), which;
    if (P == 0)
        return gcv_data_guard(ld, 1); /* reports the overflow */
    size_t cap = gcv_sat_mul(c->sizes[0], gcv_data_max_examples(ld, P));
    gcv_status st = read_any(g, xn, 2, cap, 1, &ld->xr, &which);
    if (st)
        return st;
    *from_dump = which < 2;
    if (*from_dump) {
        name_dump(g, 1);
        st = gcv_table_x_shape(ld, &ld->xr, &c->m_total);
        name_dump(g, 0);
        return st;
    }
    if (c->data.source == GCV_DATA_SYNTHETIC)
        return gcv_json_fail(&ld->j, "gradients", "%s: expected the examples the gradient was "
                             "computed on, X and Y, in the dump or in a data section, got "
                             "neither (synthetic data would check another gradient)", g->file);
    return gcv_data_read_x(ld);
}

/* Y from the dump, into c->y as the data section's would be. */
static gcv_status take_dump_y(gl *g)
{
    gcv_loader *ld = g->ld;
    gcv_config *c = ld->c;
    static const char *const yn[] = {"Y", "y"};
    size_t which, want = c->sizes[c->n_layers] * c->m_total; /* guarded: no overflow */
    gcv_status st = read_any(g, yn, 2, want, 0, &ld->yr, &which);
    name_dump(g, 1);
    if (st == GCV_ERR_NOMEM && ld->yr.count > want)
        st = gcv_table_y_shape_error(ld, &ld->yr);
    if (!st) {
        gcv_table_y_flatten(ld, &ld->yr);
        st = note_integer_labels(g, &ld->yr, yn[which]);
    }
    if (!st)
        st = gcv_table_take_y(ld);
    name_dump(g, 0);
    return st;
}

gcv_status gcv_gradients_load(gcv_loader *ld)
{
    gcv_config *c = ld->c;
    gl g = {.ld = ld, .file = c->gradients.file, .config = ld->j.file};
    gcv_error inner;
    int from_dump = 0;
    if (c->n_inject)
        return gcv_json_fail(&ld->j, "model.inject", "expected no fault injection with a "
                             "gradient dump (the gradient checked is the dump's), got %zu",
                             c->n_inject);
    if (c->data.subset)
        return gcv_json_fail(&ld->j, "check.examples", "expected no example subset with a "
                             "gradient dump (its gradient is over all its examples), got %zu",
                             c->data.subset);
    gcv_status st = gcv_dump_open(c->gradients.file, &g.d, &inner);
    if (st)
        return inner_fail(&g, &inner, st);
    snprintf(g.label, sizeof g.label, "%s: gradients: %s", g.config, g.file);
    st = read_x(&g, &from_dump);
    if (!st)
        st = gcv_data_guard(ld, c->m_total);
    if (!st)
        st = take_params(&g);
    if (!st && from_dump) {
        name_dump(&g, 1);
        st = gcv_table_take_x(ld);
        name_dump(&g, 0);
        if (!st)
            st = take_dump_y(&g);
        if (!st)
            st = gcv_table_subset(ld); /* none (refused above): sets c->m */
    } else if (!st) {
        st = gcv_data_take(ld);
    }
    gcv_dump_close(g.d);
    return st;
}

/* Loading the data of a parsed config: reading X and Y from the source the data spec names,
 * with caps from the memory budget, and handing them to the table conversions (tables.c)
 * or making them with the synthetic teacher. See load.h. */
#include "data/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/hdf5.h"
#include "data/mat.h"
#include "data/synthetic.h"
#include "engine/memory.h"
#include "model/mlp.h"
#include "util/strutil.h"

/* Whether gcverify was built without the library the source needs: the reader then says how
 * to enable it, and the message belongs to data.source rather than to the file. */
static int library_missing(const gcv_loader *ld)
{
#ifndef GCV_HAVE_HDF5
    if (ld->c->data.source == GCV_DATA_HDF5)
        return 1;
#endif
#ifndef GCV_HAVE_MATIO
    if (ld->c->data.source == GCV_DATA_MAT)
        return 1;
#endif
    (void)ld;
    return 0;
}

/* A reader's error under the config file and JSON path. */
static gcv_status wrap_read(const gcv_loader *ld, const char *path, const gcv_error *inner,
                            gcv_status st)
{
    return gcv_data_wrap(ld, library_missing(ld) ? "data.source" : path, inner, st);
}

/* Reads data.x or data.y (name) of an npy, hdf5 or mat source, at most cap values. */
static gcv_status read_data(const gcv_loader *ld, const char *name, size_t cap, gcv_npy *out,
                            gcv_error *inner)
{
    const gcv_data_spec *s = &ld->c->data;
    int named = s->source == GCV_DATA_HDF5 || s->source == GCV_DATA_MAT;
    char *file = gcv_path_join(ld->dir, named ? s->file : name);
    gcv_status st;
    memset(out, 0, sizeof *out);
    if (!file) {
        snprintf(inner->msg, sizeof inner->msg, "out of memory");
        return GCV_ERR_NOMEM;
    }
    if (s->source == GCV_DATA_HDF5)
        st = gcv_hdf5_read(file, name, cap, out, inner);
    else if (s->source == GCV_DATA_MAT)
        st = gcv_mat_read(file, name, cap, out, inner);
    else
        st = gcv_npy_read(file, cap, out, inner);
    free(file);
    return st;
}

/* An inline array as parsed into *out (the spec gives it up), or the parser's fault. */
static gcv_status take_inline(gcv_loader *ld, gcv_config_array *v, gcv_npy *out)
{
    if (v->fault.st)
        return gcv_config_fault_report(&v->fault, ld->j.err);
    *out = v->a;
    memset(&v->a, 0, sizeof v->a);
    return GCV_OK;
}

/* Reads data.x of a file source, refusing from its header alone more examples than the
 * budget allows. */
static gcv_status load_file_x(gcv_loader *ld, size_t *m)
{
    gcv_config *c = ld->c;
    size_t P = gcv_mlp_param_count(c->n_layers, c->sizes);
    if (P == 0)
        return gcv_data_guard(ld, 1); /* reports the overflow */
    size_t cap = gcv_sat_mul(c->sizes[0], gcv_data_max_examples(ld, P));
    gcv_error inner;
    gcv_status st = read_data(ld, c->data.x, cap, &ld->xr, &inner);
    if (st == GCV_ERR_NOMEM && ld->xr.count > cap) {
        st = gcv_table_x_shape(ld, &ld->xr, m); /* a wrong shape is the better message */
        if (!st && (st = gcv_data_guard(ld, *m)) == GCV_OK)
            st = gcv_data_wrap(ld, "data.x", &inner, GCV_ERR_NOMEM);
        return st;
    }
    if (st)
        return wrap_read(ld, "data.x", &inner, st);
    return gcv_table_x_shape(ld, &ld->xr, m);
}

gcv_status gcv_data_read_x(gcv_loader *ld)
{
    gcv_config *c = ld->c;
    gcv_status st = GCV_OK;
    if (c->data.source == GCV_DATA_SYNTHETIC)
        c->m_total = c->data.examples;
    else if (c->data.source == GCV_DATA_CSV)
        st = gcv_data_load_csv(ld);
    else if (c->data.source != GCV_DATA_INLINE)
        st = load_file_x(ld, &c->m_total);
    else if (!(st = take_inline(ld, &c->data.x_values, &ld->xr)))
        st = gcv_table_x_shape(ld, &ld->xr, &c->m_total);
    return st;
}

/* Y as read, before its checks: from the file (at most the values the network's outputs
 * and X's examples call for) or from the config. */
static gcv_status load_y(gcv_loader *ld)
{
    gcv_config *c = ld->c;
    size_t want = c->sizes[c->n_layers] * c->m_total; /* guarded: no overflow */
    if (c->data.source == GCV_DATA_INLINE)
        return take_inline(ld, &c->data.y_values, &ld->yr);
    if (c->data.source == GCV_DATA_CSV)
        return GCV_OK; /* split from the table with X */
    gcv_error inner;
    gcv_status st = read_data(ld, c->data.y, want, &ld->yr, &inner);
    if (st == GCV_ERR_NOMEM && ld->yr.count > want)
        return gcv_table_y_shape_error(ld, &ld->yr); /* refused before reading: too many */
    if (st)
        return wrap_read(ld, "data.y", &inner, st);
    gcv_table_y_flatten(ld, &ld->yr);
    return gcv_table_note_integer_labels(ld);
}

/* The synthetic teacher, refused up front where it would cost more than test data is worth
 * (see synthetic.h). */
static gcv_status make_synthetic(gcv_loader *ld)
{
    gcv_config *c = ld->c;
    size_t n0 = c->sizes[0], n_out = c->sizes[c->n_layers], m = c->m_total;
    double work = (double)n0 * (double)n_out * (double)m;
    if (work > GCV_SYNTHETIC_MAX_WORK)
        return gcv_json_fail(&ld->j, "data.examples",
                             "expected synthetic data of at most 2^29 teacher multiply-adds "
                             "(layers[0] × layers[L] × examples), got %.3g; use fewer "
                             "examples, a smaller net or real data", work);
    if (gcv_synthetic(n0, n_out, m, c->loss, c->data.seed, &c->x, &c->y) != GCV_OK)
        return gcv_data_nomem(ld);
    return GCV_OK;
}

gcv_status gcv_data_take(gcv_loader *ld)
{
    gcv_status st;
    if (ld->c->data.source == GCV_DATA_SYNTHETIC)
        st = make_synthetic(ld);
    else if (!(st = gcv_table_take_x(ld)) && !(st = load_y(ld)))
        st = gcv_table_take_y(ld);
    return st ? st : gcv_table_subset(ld);
}

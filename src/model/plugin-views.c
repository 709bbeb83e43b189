/* A plugin's blocks: checked as the plugin handed them over, then made the engine's
 * gcv_blocks, views included, with the tables that map a θ index back to its block.
 *
 * Version 2 blocks are either the version 1 form (ndim = 0: rows × cols, laid one after the
 * other from θ[0]) or views (ndim 1 … 4: an N-d shape at an offset with strides, or an
 * explicit index map); see include/gcverify/plugin.h. Whatever the form, the blocks must
 * partition θ, and the check says which index is covered twice or not at all, since a
 * view's offsets and strides are easy to get wrong by one layer.
 *
 * Layer labels: version 1 wants them from 1 and non-decreasing (its blocks are in θ order,
 * so that is the order of the network). Version 2's blocks may come in any order, so a
 * label is free; only the blocks of one label must be listed one after another, since the
 * reports group a layer's blocks as a consecutive run. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/blocks.h"
#include "model/plugin-internal.h"

typedef struct v1_block { /* plugin.h version 1's gcv_plugin_block */
    const char *name;
    int layer;
    size_t rows, cols;
} v1_block;

gcv_status gcv_plugin_bad_model(gcv_error *err, const char *lib, const char *fmt, ...)
{
    char what[GCV_ERROR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    gcv_error_set(err, "model.library: %s: gcv_plugin_model_new returned a bad model: %s", lib,
                  what);
    return GCV_ERR_INVALID;
}

gcv_plugin_block *gcv_plugin_blocks_from_v1(const void *v1_blocks, size_t n)
{
    const v1_block *v = v1_blocks;
    gcv_plugin_block *b = calloc(n ? n : 1, sizeof *b);
    for (size_t i = 0; b && i < n; i++) {
        b[i].name = v[i].name;
        b[i].layer = v[i].layer;
        b[i].rows = v[i].rows;
        b[i].cols = v[i].cols;
    }
    return b;
}

/* Block names go into every report format (text columns, CSV, JSON, XML, HTML): letters,
 * digits and _ . - + : / ( ) [ ] only. */
static int name_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("_.-+:/()[]", *s)))
            return 0;
    return 1;
}

static int cmp_name(const void *a, const void *b)
{
    const gcv_plugin_block *x = *(const gcv_plugin_block *const *)a;
    const gcv_plugin_block *y = *(const gcv_plugin_block *const *)b;
    return strcmp(x->name, y->name);
}

/* Unique names: sorted, so a model of a million blocks is checked in O(n log n). */
static gcv_status check_unique_names(const gcv_plugin_model *pm, const char *lib,
                                     gcv_error *err)
{
    const gcv_plugin_block **sorted = malloc(pm->n_blocks * sizeof *sorted);
    if (!sorted) {
        gcv_error_set(err, "model.library: %s: out of memory for the model", lib);
        return GCV_ERR_NOMEM;
    }
    for (size_t b = 0; b < pm->n_blocks; b++)
        sorted[b] = &pm->blocks[b];
    qsort(sorted, pm->n_blocks, sizeof *sorted, cmp_name);
    for (size_t b = 1; b < pm->n_blocks; b++)
        if (strcmp(sorted[b - 1]->name, sorted[b]->name) == 0) {
            /* the later of the two, as a reader scanning the blocks in order meets it */
            size_t i = (size_t)(sorted[b] - pm->blocks), j = (size_t)(sorted[b - 1] - pm->blocks);
            free(sorted);
            return gcv_plugin_bad_model(err, lib, "blocks[%zu].name: expected a unique name, "
                                        "got \"%s\" again (blocks[%zu])", i > j ? i : j,
                                        pm->blocks[i].name, i > j ? j : i);
        }
    free(sorted);
    return GCV_OK;
}

/* Version 1: layers from 1, never decreasing. Version 2: a label seen before only in the
 * run just before it. */
static gcv_status check_layer(const gcv_plugin_model *pm, unsigned abi, size_t b,
                              const char *lib, gcv_error *err)
{
    const gcv_plugin_block *bl = &pm->blocks[b];
    int last = b ? pm->blocks[b - 1].layer : 1;
    if (abi == 1 && bl->layer < last)
        return gcv_plugin_bad_model(err, lib, "blocks[%zu].layer: expected a layer ≥ %d "
                                    "(layers start at 1 and never decrease), got %d", b, last,
                                    bl->layer);
    for (size_t j = 0; abi != 1 && b && bl->layer != last && j + 1 < b; j++)
        if (pm->blocks[j].layer == bl->layer)
            return gcv_plugin_bad_model(err, lib, "blocks[%zu].layer: expected the blocks of "
                                        "layer %d listed together, got blocks[%zu] of that "
                                        "layer before blocks[%zu] of layer %d", b, bl->layer,
                                        j, b - 1, last);
    return GCV_OK;
}

/* One block's name, label and shape. */
static gcv_status check_block(const gcv_plugin_model *pm, unsigned abi, size_t b,
                              const char *lib, gcv_error *err)
{
    const gcv_plugin_block *bl = &pm->blocks[b];
    size_t len = bl->name ? strnlen(bl->name, GCV_NAME_LEN) : 0;
    if (len == 0 || len >= GCV_NAME_LEN)
        return gcv_plugin_bad_model(err, lib, "blocks[%zu].name: expected 1 to %d bytes, got "
                                    "%s", b, GCV_NAME_LEN - 1,
                                    !bl->name ? "NULL" : len ? "a longer name" : "\"\"");
    if (!name_ok(bl->name))
        return gcv_plugin_bad_model(err, lib, "blocks[%zu].name: expected letters, digits and "
                                    "_ . - + : / ( ) [ ] only, got other characters", b);
    gcv_status st = check_layer(pm, abi, b, lib, err);
    if (st)
        return st;
    if (bl->ndim == 0) {
        if (bl->rows == 0 || bl->cols == 0)
            return gcv_plugin_bad_model(err, lib, "blocks[%zu] (%s): expected rows and cols ≥ "
                                        "1, got %zu×%zu", b, bl->name, bl->rows, bl->cols);
        if (bl->rows > pm->n_params / bl->cols)
            return gcv_plugin_bad_model(err, lib, "blocks[%zu] (%s): expected a size that "
                                        "fits, got %zu×%zu", b, bl->name, bl->rows, bl->cols);
        return GCV_OK;
    }
    if (bl->ndim > GCV_PLUGIN_MAX_DIMS)
        return gcv_plugin_bad_model(err, lib, "blocks[%zu] (%s).ndim: expected 0 to %d, got "
                                    "%u", b, bl->name, GCV_PLUGIN_MAX_DIMS, bl->ndim);
    size_t n = 1;
    for (unsigned a = 0; a < bl->ndim; a++) {
        if (bl->dims[a] == 0 || bl->dims[a] > pm->n_params / n)
            return gcv_plugin_bad_model(err, lib, "blocks[%zu] (%s).dims[%u]: expected ≥ 1 "
                                        "and a size within n_params = %zu, got %zu", b,
                                        bl->name, a, pm->n_params, bl->dims[a]);
        n *= bl->dims[a];
    }
    return GCV_OK;
}

/* The engine's block for the plugin's block bl; *next: where the next ndim = 0 block
 * starts. */
static void make_block(const gcv_plugin_block *bl, gcv_block *out, size_t *next)
{
    snprintf(out->name, sizeof out->name, "%s", bl->name);
    out->layer = bl->layer;
    if (bl->ndim == 0) {
        out->rows = bl->rows;
        out->cols = bl->cols;
        out->offset = *next;
        *next += bl->rows * bl->cols;
        return;
    }
    int all_zero = 1;
    for (unsigned a = 0; a < bl->ndim; a++)
        all_zero &= bl->strides[a] == 0;
    out->ndim = bl->ndim;
    out->offset = bl->offset;
    out->index = bl->index;
    out->rows = 1;
    size_t step = 1;
    for (unsigned a = bl->ndim; a-- > 0;) {
        out->dims[a] = bl->dims[a];
        out->strides[a] = all_zero ? step : bl->strides[a];
        step *= bl->dims[a];
        if (a + 1 < bl->ndim)
            out->rows *= bl->dims[a];
    }
    out->cols = bl->dims[bl->ndim - 1];
}

static gcv_status nomem(const char *lib, gcv_error *err)
{
    gcv_error_set(err, "model.library: %s: out of memory for the model", lib);
    return GCV_ERR_NOMEM;
}

gcv_status gcv_plugin_make_blocks(const gcv_plugin_model *pm, unsigned abi, const char *lib,
                                  gcv_model *m, size_t **locate_block, size_t **locate_entry,
                                  gcv_error *err)
{
    gcv_status st = GCV_OK;
    *locate_block = *locate_entry = NULL;
    for (size_t b = 0; b < pm->n_blocks && !st; b++)
        st = check_block(pm, abi, b, lib, err);
    if (st || (st = check_unique_names(pm, lib, err)) != GCV_OK)
        return st;
    if (!(m->blocks = calloc(pm->n_blocks, sizeof *m->blocks)))
        return nomem(lib, err);
    m->n_blocks = pm->n_blocks;
    size_t next = 0, sum = 0;
    for (size_t b = 0; b < pm->n_blocks; b++) {
        make_block(&pm->blocks[b], &m->blocks[b], &next);
        size_t n = m->blocks[b].rows * m->blocks[b].cols;
        sum = sum > SIZE_MAX - n ? SIZE_MAX : sum + n;
    }
    if (sum != pm->n_params)
        return gcv_plugin_bad_model(err, lib, "blocks: expected blocks adding up to n_params "
                                    "= %zu, got %zu parameters in %zu blocks", pm->n_params,
                                    sum, pm->n_blocks);
    if (!gcv_blocks_have_views(m->blocks, m->n_blocks))
        return GCV_OK; /* version 1's layout: contiguous, in order, adding up to P */
    size_t P = pm->n_params;
    *locate_block = malloc(P * sizeof **locate_block);
    *locate_entry = malloc(P * sizeof **locate_entry);
    if (!*locate_block || !*locate_entry)
        return nomem(lib, err);
    char why[GCV_ERROR_LEN - 128];
    int rc = gcv_blocks_partition(m->blocks, m->n_blocks, P, *locate_block, *locate_entry, why,
                                  sizeof why);
    if (rc == -2)
        return nomem(lib, err);
    if (rc != 0)
        return gcv_plugin_bad_model(err, lib, "blocks: expected blocks partitioning θ (every "
                                    "index in exactly one block), got %s", why);
    return GCV_OK;
}

gcv_status gcv_plugin_check_theta(const gcv_plugin_model *pm, const gcv_model *m,
                                  const char *lib, gcv_error *err)
{
    int fl = pm->precision == GCV_PLUGIN_FLOAT;
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        for (size_t k = 0; k < bl->rows * bl->cols; k++) {
            size_t i = gcv_block_index(bl, k);
            double v = fl ? (double)((const float *)pm->theta)[i]
                          : ((const double *)pm->theta)[i];
            if (!isfinite(v)) {
                char c[96];
                gcv_block_format_coords(bl, k, c, sizeof c);
                c[0] = '[';
                c[strlen(c) - 1] = ']';
                return gcv_plugin_bad_model(err, lib, "theta[%zu] (%s%s): expected a finite "
                                            "number, got %s", i, bl->name, c,
                                            isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
            }
        }
    }
    return GCV_OK;
}

/* θ for the MLP a config describes (model.params): drawn by an initialisation scheme (he,
 * xavier, normal: gcv_mlp_init), read from one .npy file a block (npy_dir/W1.npy, b1.npy,
 * …), or taken from the blocks written in the config. Every block is checked against the
 * network (shape, finite values) and copied into θ in order W1, b1, W2, …; messages name the
 * config file and model.params' path. */
#include "model/init.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/array.h"
#include "model/mlp.h"
#include "util/strutil.h"

static gcv_status nomem(const gcv_jctx *j)
{
    snprintf(j->err->msg, GCV_ERROR_LEN, "%s: out of memory", j->file);
    return GCV_ERR_NOMEM;
}

/* A vector block as stored: b (n, 1) or flat (n,); a W with a dimension of 1 flat or 2-D
 * either way round (its values are in the same order whichever way it is laid out).
 * MATLAB's jsonencode writes every vector flat. */
static int vector_shape_ok(const gcv_npy *a, size_t rows, size_t cols, int is_b)
{
    if (a->count != rows * cols)
        return 0;
    if (a->ndim <= 1) /* flat, or a 0-d scalar for a 1×1 block */
        return 1;
    return a->ndim == 2 && (is_b ? a->shape[1] == 1 : (a->shape[0] == 1 || a->shape[1] == 1));
}

/* "expected shape …" for a block that does not fit, saying so when W is transposed. */
static gcv_status shape_error(const gcv_jctx *j, const gcv_config *c, const char *path,
                              const char *prefix, const gcv_npy *a, size_t rows, size_t cols,
                              int is_b)
{
    char got[GCV_ARRAY_SHAPE_LEN];
    gcv_array_shape(a, got, sizeof got);
    int in_out = c->params.in_out;
    size_t r = in_out ? cols : rows, k = in_out ? rows : cols;
    if (is_b)
        return gcv_json_fail(j, path, "%sexpected shape (%zu, 1) or (%zu,), got %s", prefix,
                             rows, rows, got);
    if (a->ndim == 2 && a->shape[0] == k && a->shape[1] == r && r != k)
        return gcv_json_fail(j, path, "%sexpected shape (%zu, %zu), got %s: it is transposed; "
                             "for weights laid out %s set \"weights\": \"%s\" in model.params",
                             prefix, r, k, got, in_out ? "(n_l, n_{l-1})" : "(n_{l-1}, n_l)",
                             in_out ? "out_in" : "in_out");
    return gcv_json_fail(j, path, "%sexpected shape (%zu, %zu)%s, got %s", prefix, r, k,
                         in_out ? " (weights in_out)" : "", got);
}

/* Checks a block read as a (shape, finiteness) and copies it into θ at *off, transposed
 * when model.params.weights is in_out. prefix names the file inside the message when the
 * block came from one. */
static gcv_status put_block(const gcv_jctx *j, gcv_config *c, const char *path,
                            const char *prefix, const gcv_npy *a, size_t l, int is_b,
                            size_t *off)
{
    size_t rows = c->sizes[l], cols = is_b ? 1 : c->sizes[l - 1];
    int in_out = c->params.in_out, vector = rows == 1 || cols == 1;
    char bad[96];
    int fits = vector ? vector_shape_ok(a, rows, cols, is_b)
                      : a->ndim == 2 && a->shape[0] == (in_out ? cols : rows) &&
                            a->shape[1] == (in_out ? rows : cols);
    if (!fits)
        return shape_error(j, c, path, prefix, a, rows, cols, is_b);
    if (gcv_array_first_nonfinite(a, bad, sizeof bad))
        return gcv_json_fail(j, path, "%sexpected finite numbers, got %s", prefix, bad);
    double *dst = c->theta + *off;
    if (vector || !in_out)
        memcpy(dst, a->data, a->count * sizeof *a->data);
    else
        for (size_t i = 0; i < rows; i++)
            for (size_t k = 0; k < cols; k++)
                dst[i * cols + k] = a->data[k * rows + i];
    *off += a->count;
    return GCV_OK;
}

static gcv_status npy_block(const gcv_jctx *j, gcv_config *c, const char *dir, size_t l,
                            int is_b, size_t *off)
{
    const char *path = "model.params.npy_dir";
    size_t count = c->sizes[l] * (is_b ? 1 : c->sizes[l - 1]);
    char name[48], prefix[GCV_ERROR_LEN / 2];
    snprintf(name, sizeof name, "%c%zu.npy", is_b ? 'b' : 'W', l);
    char *file = gcv_path_join(dir, name);
    if (!file)
        return nomem(j);
    gcv_npy a;
    gcv_error inner;
    gcv_status st = gcv_npy_read(file, count, &a, &inner);
    snprintf(prefix, sizeof prefix, "%s: ", file);
    if (st == GCV_ERR_NOMEM && a.count > count)
        st = put_block(j, c, path, prefix, &a, l, is_b, off); /* a shape error */
    else if (st)
        gcv_json_fail(j, path, "%s", inner.msg); /* the reader's line, under the path */
    else
        st = put_block(j, c, path, prefix, &a, l, is_b, off);
    free(a.data);
    free(file);
    return st;
}

static gcv_status theta_from_npy(const gcv_jctx *j, gcv_config *c, const char *config_dir)
{
    char *dir = gcv_path_join(config_dir, c->params.npy_dir);
    if (!dir)
        return nomem(j);
    size_t off = 0;
    gcv_status st = GCV_OK;
    for (size_t l = 1; l <= c->n_layers && !st; l++) {
        st = npy_block(j, c, dir, l, 0, &off);
        if (!st)
            st = npy_block(j, c, dir, l, 1, &off);
    }
    free(dir);
    return st;
}

/* The blocks as parsed, in θ order; a fault the parser kept is reported when its block is
 * reached. */
static gcv_status theta_from_values(const gcv_jctx *j, gcv_config *c)
{
    gcv_params_spec *s = &c->params;
    size_t off = 0;
    if (s->fault.st)
        return gcv_config_fault_report(&s->fault, j->err);
    for (size_t i = 0; i < 2 * c->n_layers; i++) {
        gcv_config_array *b = &s->blocks[i];
        char p[GCV_JPATH_LEN], name[32];
        int is_b = (int)(i % 2);
        if (b->fault.st)
            return gcv_config_fault_report(&b->fault, j->err);
        snprintf(name, sizeof name, "%c%zu", is_b ? 'b' : 'W', i / 2 + 1);
        gcv_json_path_key(p, sizeof p, "model.params.values", name);
        gcv_status st = put_block(j, c, p, "", &b->a, i / 2 + 1, is_b, &off);
        free(b->a.data);
        b->a.data = NULL;
        if (st)
            return st;
    }
    return GCV_OK;
}

gcv_status gcv_theta_load(const gcv_jctx *j, gcv_config *c, const char *dir, const gcv_watch *w)
{
    /* calloc: θ drawn only in part (stopped) is zero beyond, finite for the checks that
     * follow, and its untouched pages cost nothing until read. */
    c->theta = calloc(c->n_params, sizeof *c->theta);
    if (!c->theta)
        return nomem(j);
    gcv_prefault(c->theta, c->n_params * sizeof *c->theta);
    if (c->params.source == GCV_PARAMS_NPY)
        return theta_from_npy(j, c, dir);
    if (c->params.source == GCV_PARAMS_VALUES)
        return theta_from_values(j, c);
    (void)gcv_mlp_init_watched(c->n_layers, c->sizes, (gcv_init_kind)c->params.init,
                               c->params.scale, c->params.seed, c->theta, w);
    return GCV_OK;
}

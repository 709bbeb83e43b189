/* The merge's side of blocks as views (engine/blocks.c): a shard's report describes a view
 * block by "dims" and "view" (offset and strides) beside its matrix "shape", and its
 * parameters by N-d "coords"; this reads them back, so shards of a model whose blocks are
 * views merge like any other. A block with an explicit index map cannot be rebuilt from a
 * report (the map is not in it) and is refused with a line saying so. */
#include "report/merge-views.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/blocks.h"

gcv_status gcv_merge_read_layer(const gcv_jctx *c, const char *p, const cJSON *b, int *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(b, "layer");
    char q[GCV_JPATH_LEN];
    gcv_json_path_key(q, sizeof q, p, "layer");
    if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) ||
        fabs(it->valuedouble) > INT_MAX)
        return gcv_json_expected(c, q, "an integer layer label", it);
    *out = (int)it->valuedouble;
    return GCV_OK;
}

/* An array of 1 … GCV_MAX_DIMS sizes at key of b (lo the smallest allowed) into out. */
static gcv_status read_sizes(const gcv_jctx *c, const char *p, const cJSON *o, const char *key,
                             size_t lo, size_t *out, unsigned *n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    char q[GCV_JPATH_LEN], r[GCV_JPATH_LEN];
    gcv_json_path_key(q, sizeof q, p, key);
    int len = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
    if (len < 1 || len > GCV_MAX_DIMS)
        return gcv_json_expected(c, q, "an array of 1 to 4 sizes", a);
    for (int k = 0; k < len; k++) {
        gcv_json_path_index(r, sizeof r, q, (size_t)k);
        gcv_status st = gcv_json_size(c, r, cJSON_GetArrayItem(a, k), lo, SIZE_MAX, &out[k]);
        if (st)
            return st;
    }
    *n = (unsigned)len;
    return GCV_OK;
}

gcv_status gcv_merge_read_view(const gcv_jctx *c, const char *p, const cJSON *b, gcv_block *bl)
{
    const cJSON *view = cJSON_GetObjectItemCaseSensitive(b, "view");
    if (!view)
        return GCV_OK;
    char q[GCV_JPATH_LEN];
    gcv_json_path_key(q, sizeof q, p, "view");
    if (!cJSON_IsObject(view))
        return gcv_json_expected(c, q, "an object (offset, strides)", view);
    if (cJSON_GetObjectItemCaseSensitive(view, "index_map"))
        return gcv_json_fail(c, q, "expected a view of offset and strides, got an index map "
                             "(not in the report: shards of such a model cannot be merged)");
    unsigned nd = 0, ns = 0;
    gcv_status st = read_sizes(c, p, b, "dims", 1, bl->dims, &nd);
    if (!st)
        st = read_sizes(c, q, view, "strides", 0, bl->strides, &ns);
    if (!st)
        st = gcv_schema_size(c, q, view, "offset", 0, &bl->offset);
    if (st)
        return st;
    if (ns != nd)
        return gcv_json_fail(c, q, "expected %u strides (one per axis of dims), got %u", nd, ns);
    bl->ndim = nd;
    size_t rows = 1;
    for (unsigned a = 0; a + 1 < nd; a++)
        rows *= bl->dims[a];
    if (rows != bl->rows || bl->dims[nd - 1] != bl->cols)
        return gcv_json_fail(c, p, "expected shape [%zu, %zu] for dims of %u axes, got [%zu, "
                             "%zu]", rows, bl->dims[nd - 1], nd, bl->rows, bl->cols);
    return GCV_OK;
}

gcv_status gcv_merge_check_partition(const gcv_jctx *c, const gcv_block *blocks, size_t n,
                                     size_t P)
{
    char why[GCV_ERROR_LEN / 2];
    int rc = gcv_blocks_partition(blocks, n, P, NULL, NULL, why, sizeof why);
    if (rc == -2)
        return gcv_json_fail(c, "blocks", "out of memory");
    if (rc != 0)
        return gcv_json_fail(c, "blocks", "expected blocks partitioning the %zu parameters, "
                             "got %s", P, why);
    return GCV_OK;
}

gcv_status gcv_merge_check_coords(const gcv_jctx *c, const char *q, const cJSON *it,
                                  const gcv_block *bl, size_t k, size_t i)
{
    size_t want[GCV_MAX_DIMS];
    unsigned nd = gcv_block_coords(bl, k, want);
    int ok = cJSON_IsArray(it) && cJSON_GetArraySize(it) == (int)nd;
    for (unsigned a = 0; ok && a < nd; a++) {
        const cJSON *x = cJSON_GetArrayItem(it, (int)a);
        ok = cJSON_IsNumber(x) && x->valuedouble >= 0.0 && x->valuedouble < 0x1p53 &&
             x->valuedouble == floor(x->valuedouble) && (size_t)x->valuedouble == want[a];
    }
    if (ok)
        return GCV_OK;
    char w[96], text[128];
    gcv_block_format_coords(bl, k, w, sizeof w);
    w[0] = '[';
    w[strlen(w) - 1] = ']';
    size_t t = 0; /* "[2,2,3]" as the report writes it: "[2, 2, 3]" */
    for (const char *s = w; *s && t + 2 < sizeof text; s++) {
        text[t++] = *s;
        if (*s == ',')
            text[t++] = ' ';
    }
    text[t] = '\0';
    char msg[160];
    snprintf(msg, sizeof msg, "%s for index %zu", text, i);
    return gcv_json_expected(c, q, msg, it);
}

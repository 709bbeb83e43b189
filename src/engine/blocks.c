/* Blocks as views: from a block's entry number to its θ index and its N-d coordinates, the
 * inverse (θ index to block and entry), and the check that a model's blocks partition θ.
 *
 * Why views: real training code stores a tensor for all layers together (all layers' W of
 * shape (L, 3C, C) in one array, then all layers' b, …). Blocks that must be contiguous and
 * in θ order then either lump the layers together (a failing upstream layer fails every
 * lumped block) or force the model to permute θ on every call. A view names any set of θ
 * indices with an offset and strides (or an explicit index map) and an N-d shape of up to
 * four axes, so a block can be "layer 3's W, a 3C × C matrix" without a copy.
 *
 * The engine only ever walks a block by entry number k (0 … size − 1) and asks for the θ
 * index of each: every per-parameter result stays indexed by θ index, so the reports, the
 * shards and the merge are unchanged by how the blocks lie. Contiguous blocks (the
 * built-in MLP, v1 plugins) take the fast path θ[offset + k]. */
#include "engine/blocks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shape of b as up to four axes (a contiguous block is rows × cols). */
static unsigned shape_of(const gcv_block *b, size_t d[GCV_MAX_DIMS])
{
    if (b->ndim == 0) {
        d[0] = b->rows;
        d[1] = b->cols;
        return 2;
    }
    for (unsigned a = 0; a < b->ndim; a++)
        d[a] = b->dims[a];
    return b->ndim;
}

unsigned gcv_block_coords(const gcv_block *b, size_t k, size_t c[GCV_MAX_DIMS])
{
    size_t d[GCV_MAX_DIMS];
    unsigned n = shape_of(b, d);
    for (unsigned a = n; a-- > 0;) {
        c[a] = d[a] ? k % d[a] : 0;
        k = d[a] ? k / d[a] : 0;
    }
    return n;
}

int gcv_block_contiguous(const gcv_block *b)
{
    if (b->ndim == 0)
        return 1;
    if (b->index)
        return 0;
    size_t step = 1;
    for (unsigned a = b->ndim; a-- > 0;) {
        if (b->dims[a] > 1 && b->strides[a] != step)
            return 0;
        step *= b->dims[a];
    }
    return 1;
}

int gcv_blocks_have_views(const gcv_block *blocks, size_t n)
{
    size_t next = 0;
    for (size_t b = 0; b < n; b++) {
        if (!gcv_block_contiguous(&blocks[b]) || blocks[b].offset != next)
            return 1;
        next += blocks[b].rows * blocks[b].cols;
    }
    return 0;
}

size_t gcv_block_index(const gcv_block *b, size_t k)
{
    if (b->ndim == 0)
        return b->offset + k;
    if (b->index)
        return b->index[k];
    size_t i = b->offset;
    for (unsigned a = b->ndim; a-- > 0;) {
        i += (k % b->dims[a]) * b->strides[a];
        k /= b->dims[a];
    }
    return i;
}

size_t gcv_block_find(const gcv_block *blocks, size_t n, size_t i)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (blocks[mid].offset <= i)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

size_t gcv_model_locate(const gcv_model *m, size_t i, size_t *k)
{
    if (m->locate_block && m->locate_entry) {
        *k = m->locate_entry[i];
        return m->locate_block[i];
    }
    if (!gcv_blocks_have_views(m->blocks, m->n_blocks)) {
        size_t b = gcv_block_find(m->blocks, m->n_blocks, i);
        *k = i - m->blocks[b].offset;
        return b;
    }
    /* A view model without tables (built by a library caller): a search, O(P). */
    for (size_t b = 0; b < m->n_blocks; b++)
        for (size_t e = 0; e < m->blocks[b].rows * m->blocks[b].cols; e++)
            if (gcv_block_index(&m->blocks[b], e) == i) {
                *k = e;
                return b;
            }
    *k = 0;
    return 0;
}

/* Block b's size, 0 when its shape is empty or overflows. */
static size_t block_size(const gcv_block *b)
{
    size_t d[GCV_MAX_DIMS], n = 1;
    unsigned nd = shape_of(b, d);
    for (unsigned a = 0; a < nd; a++) {
        if (d[a] == 0 || n > SIZE_MAX / d[a])
            return 0;
        n *= d[a];
    }
    return n;
}

/* Every index of block b below P; the largest one is enough for strides. */
static int block_fits(const gcv_block *b, size_t size, size_t P, size_t *bad)
{
    if (b->index) {
        for (size_t k = 0; k < size; k++)
            if (b->index[k] >= P) {
                *bad = k;
                return 0;
            }
        return 1;
    }
    size_t last = b->offset;
    for (unsigned a = 0; a < (b->ndim ? b->ndim : 1); a++) {
        size_t d = b->ndim ? b->dims[a] : size, s = b->ndim ? b->strides[a] : 1;
        if (s && d - 1 > (SIZE_MAX - last) / s)
            return *bad = size - 1, 0;
        last += (d - 1) * s;
    }
    *bad = size - 1;
    return last < P;
}

static int two_blocks(const gcv_block *blocks, size_t i, size_t first, size_t b, char *why,
                      size_t n)
{
    snprintf(why, n, "θ[%zu] is in block %zu (%.*s) and again in block %zu (%.*s)", i, first,
             GCV_NAME_LEN, blocks[first].name, b, GCV_NAME_LEN, blocks[b].name);
    return -1;
}

int gcv_blocks_partition(const gcv_block *blocks, size_t n, size_t P, size_t *block_of,
                         size_t *entry_of, char *why, size_t why_len)
{
    size_t *own = NULL, *owner = block_of;
    if (!owner && !(owner = own = malloc((P ? P : 1) * sizeof *owner)))
        return -2;
    for (size_t i = 0; i < P; i++)
        owner[i] = SIZE_MAX;
    int rc = 0;
    for (size_t b = 0; b < n && rc == 0; b++) {
        const gcv_block *bl = &blocks[b];
        size_t size = block_size(bl), bad = 0;
        if (size == 0 || size != bl->rows * bl->cols) {
            snprintf(why, why_len, "block %zu (%.*s): expected a shape of at least one entry "
                     "with rows × cols its size, got an empty or inconsistent shape", b,
                     GCV_NAME_LEN, bl->name);
            rc = -1;
        } else if (!block_fits(bl, size, P, &bad)) {
            char c[96];
            gcv_block_format_coords(bl, bad, c, sizeof c);
            snprintf(why, why_len, "block %zu (%.*s): entry %s lies beyond θ's %zu "
                     "parameters", b, GCV_NAME_LEN, bl->name, c, P);
            rc = -1;
        }
        for (size_t k = 0; rc == 0 && k < size; k++) {
            size_t i = gcv_block_index(bl, k);
            if (owner[i] != SIZE_MAX)
                rc = two_blocks(blocks, i, owner[i], b, why, why_len);
            owner[i] = b;
            if (entry_of)
                entry_of[i] = k;
        }
    }
    for (size_t i = 0; i < P && rc == 0; i++)
        if (owner[i] == SIZE_MAX) {
            snprintf(why, why_len, "θ[%zu] is in no block (the blocks must cover all %zu "
                     "parameters)", i, P);
            rc = -1;
        }
    free(own);
    return rc;
}

const gcv_param_result *gcv_block_params(const gcv_block *b, const gcv_param_result *r,
                                         gcv_param_result **owned)
{
    *owned = NULL;
    if (gcv_block_contiguous(b))
        return r + b->offset;
    size_t n = b->rows * b->cols;
    gcv_param_result *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        return NULL;
    for (size_t k = 0; k < n; k++)
        p[k] = r[gcv_block_index(b, k)];
    return *owned = p;
}

/* "(c0,c1,…)" of the first n coordinates. */
static void format_list(const size_t *c, unsigned n, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = '\0';
    for (unsigned a = 0; a < n && k < len; a++)
        k += (size_t)snprintf(buf + k, len - k, "%s%zu", a ? "," : "(", c[a]);
    if (k < len)
        snprintf(buf + k, len - k, ")");
}

void gcv_block_format_coords(const gcv_block *b, size_t k, char *buf, size_t n)
{
    size_t c[GCV_MAX_DIMS];
    format_list(c, gcv_block_coords(b, k, c), buf, n);
}

void gcv_block_format_row(const gcv_block *b, size_t row, char *buf, size_t n)
{
    size_t c[GCV_MAX_DIMS];
    unsigned nd = gcv_block_coords(b, row * b->cols, c);
    if (nd <= 2) /* a matrix's row is its number, as it always was */
        snprintf(buf, n, "%zu", row);
    else
        format_list(c, nd - 1, buf, n);
}

void gcv_block_format_shape(const gcv_block *b, char *buf, size_t n)
{
    size_t d[GCV_MAX_DIMS], k = 0;
    unsigned nd = shape_of(b, d);
    buf[0] = '\0';
    for (unsigned a = 0; a < nd && k < n; a++)
        k += (size_t)snprintf(buf + k, n - k, "%s%zu", a ? "×" : "", d[a]);
}

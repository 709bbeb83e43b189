/* Which parameters a sampled or budgeted check looks at, and in what order. Per block: the
 * largest |g| first (a wrong gradient is most visible where it is large), then a seeded
 * random permutation of the rest. Depends only on the gradient and the seed. */
#include <math.h>
#include <stdlib.h>

#include "engine/internal.h"
#include "util/rng.h"

typedef struct mag {
    double a;
    size_t i;
} mag;

static int by_magnitude(const void *x, const void *y)
{
    const mag *p = x, *q = y;
    if (p->a != q->a)
        return p->a > q->a ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

/* order (n entries, the block's indices): the top `top` by |g|, then the rest shuffled. */
static int block_order(const gcv_block *bl, const double *grad, size_t top, gcv_rng *r,
                       size_t *order)
{
    size_t n = bl->rows * bl->cols;
    mag *m = malloc(n * sizeof *m);
    if (!m)
        return -1;
    for (size_t k = 0; k < n; k++)
        m[k] = (mag){isnan(grad[gcv_block_index(bl, k)]) ? INFINITY
                                                         : fabs(grad[gcv_block_index(bl, k)]),
                     gcv_block_index(bl, k)};
    qsort(m, n, sizeof *m, by_magnitude);
    for (size_t k = 0; k < n; k++)
        order[k] = m[k].i;
    free(m);
    if (top > n)
        top = n;
    /* Fisher–Yates on the tail, from the block's own stream. */
    for (size_t k = n; k > top + 1; k--) {
        size_t j = top + (size_t)gcv_rng_below(r, (uint64_t)(k - top));
        size_t t = order[k - 1];
        order[k - 1] = order[j];
        order[j] = t;
    }
    return 0;
}

static int cmp_index(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

size_t *gcv_sample_order(const gcv_model *m, const gcv_options *o, const double *grad,
                         size_t *n_out)
{
    size_t P = m->n_params, k = o->sample_per_block, n = 0;
    size_t *all = malloc(P * sizeof *all), *out = malloc(P * sizeof *out);
    size_t *start = calloc(m->n_blocks + 1, sizeof *start);
    if (!all || !out || !start)
        goto fail;
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        size_t nb = bl->rows * bl->cols, take = k && k < nb ? k : nb;
        size_t top = k ? (k / 4 ? k / 4 : 1) : nb;
        gcv_rng r;
        gcv_rng_seed(&r, o->sample_seed ^ (0x5a3b1e00u + b));
        /* all holds each block's order from start[b] (its offset when blocks are
         * contiguous; views lie anywhere in θ) */
        start[b + 1] = start[b] + nb;
        if (block_order(bl, grad, k ? top : 1, &r, all + start[b]) != 0)
            goto fail;
        if (k) {
            for (size_t t = 0; t < take; t++)
                out[n++] = all[start[b] + t];
        }
    }
    if (k) {
        qsort(out, n, sizeof *out, cmp_index); /* a plain subset: index order */
    } else {
        /* Budget: round-robin over blocks in their priority orders. */
        for (size_t round = 0; n < P; round++)
            for (size_t b = 0; b < m->n_blocks; b++)
                if (round < m->blocks[b].rows * m->blocks[b].cols)
                    out[n++] = all[start[b] + round];
    }
    free(all);
    free(start);
    *n_out = n;
    return out;
fail:
    free(all);
    free(out);
    free(start);
    return NULL;
}

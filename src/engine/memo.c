/* Evaluations remembered by (parameter, value): filled by the serial phases before the check
 * (the noise measurement and the step pilot), read by those phases and by the check's loop.
 *
 * Why. The model is deterministic (a cost is a function of θ), so a point evaluated once
 * need not be evaluated again, and the phases share points: the noise stencil's θᵢ ± h is,
 * with the same rounded offsets, the first rung of the pilot's ladder in float (h the float
 * default ε, 2⁻⁸) and the check's own pair for a central difference at the nominal step;
 * the pilot's ladder holds the check's pair for every sampled parameter of a block that
 * takes a rung's step. Reused, they spare two evaluations per sampled parameter in each
 * phase: on the example transformer in float, 66 of the pilot's and about 90 of the check's
 * 2P = 13,952 (13,862 on average over 30 seeds); in double, 96 of the check's (2 for each of
 * the 48 measured parameters).
 *
 * How. Open addressing on (i, the bits of θᵢ), a fixed power-of-two table sized for the two
 * phases; when it is half full, nothing more is kept (a miss only costs an evaluation). The
 * kinks an evaluation crossed are kept with it. Before the check's loop the table is frozen:
 * the loop's threads only read it, so no lock is needed, and what they find is what the
 * serial phases left, the same for any thread count. Escalation runs without it: an MPI
 * job escalates on rank 0 after the ranks' checks, with no memo, and the counts agree. */
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

/* A table above this many entries is not worth its memory (2 MiB); a larger model keeps the
 * first ones. */
#define MEMO_MAX ((size_t)1 << 16)

typedef struct memo_entry {
    size_t i;
    double v, j;
    size_t kinks;
    int used;
} memo_entry;

struct gcv_memo {
    memo_entry *e;
    size_t cap, n;
    int frozen; /* read only from now on (gcv_memo_freeze) */
};

gcv_memo *gcv_memo_new(size_t expected)
{
    gcv_memo *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cap = 16;
    while (m->cap < 2 * expected && m->cap < MEMO_MAX)
        m->cap *= 2;
    m->e = calloc(m->cap, sizeof *m->e);
    if (!m->e) {
        free(m);
        return NULL;
    }
    return m;
}

void gcv_memo_free(gcv_memo *m)
{
    if (m)
        free(m->e);
    free(m);
}

static size_t slot_of(const gcv_memo *m, size_t i, double v)
{
    unsigned long long bits;
    memcpy(&bits, &v, sizeof bits);
    unsigned long long h = (unsigned long long)i * 0x9E3779B97F4A7C15ull ^ bits;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return (size_t)(h & (m->cap - 1));
}

int gcv_memo_get(const gcv_memo *m, size_t i, double v, double *j, size_t *kinks)
{
    for (size_t s = slot_of(m, i, v), k = 0; k < m->cap; k++, s = (s + 1) & (m->cap - 1)) {
        const memo_entry *x = &m->e[s];
        if (!x->used)
            return 0;
        if (x->i == i && memcmp(&x->v, &v, sizeof v) == 0) {
            *j = x->j;
            *kinks = x->kinks;
            return 1;
        }
    }
    return 0;
}

void gcv_memo_freeze(gcv_memo *m)
{
    if (m)
        m->frozen = 1;
}

void gcv_memo_put(gcv_memo *m, size_t i, double v, double j, size_t kinks)
{
    if (m->frozen || 2 * (m->n + 1) > m->cap)
        return; /* half full: kept as it is, so that a miss stays short */
    size_t s = slot_of(m, i, v);
    while (m->e[s].used) {
        if (m->e[s].i == i && memcmp(&m->e[s].v, &v, sizeof v) == 0)
            return;
        s = (s + 1) & (m->cap - 1);
    }
    m->e[s] = (memo_entry){i, v, j, kinks, 1};
    m->n++;
}

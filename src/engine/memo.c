/* Evaluations remembered by (parameter, value), for the serial phases before the check: the
 * noise measurement and the step pilot.
 *
 * Why. In float the pilot's ladder and the noise measurement's stencil share points: the
 * stencil's θᵢ ± h, h the float default ε = 2⁻⁸, is the ladder's third rung for |θᵢ| ≤ 1,
 * with the same rounded offsets. The model is deterministic (a cost is a function of θ), so
 * what was evaluated once is not evaluated again: two evaluations per sampled parameter, 6 %
 * of what the two phases spend. The check's own loop and the escalation run on many threads
 * and never repeat a point, and keep no memo.
 *
 * How. Open addressing on (i, the bits of θᵢ), a fixed power-of-two table sized for the two
 * phases; when it is full, nothing more is kept (a miss only costs an evaluation). The kinks
 * an evaluation crossed are kept with it. */
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

void gcv_memo_put(gcv_memo *m, size_t i, double v, double j, size_t kinks)
{
    if (2 * (m->n + 1) > m->cap)
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

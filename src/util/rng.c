/* SplitMix64 and the polar normal method; see rng.h for why these. */
#include "rng.h"

#include <math.h>

void gcv_rng_seed(gcv_rng *r, uint64_t seed)
{
    r->state = seed;
    r->spare = 0.0;
    r->has_spare = 0;
}

uint64_t gcv_rng_next(gcv_rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

double gcv_rng_uniform(gcv_rng *r)
{
    return (double)(gcv_rng_next(r) >> 11) * 0x1.0p-53;
}

double gcv_rng_normal(gcv_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * gcv_rng_uniform(r) - 1.0;
        v = 2.0 * gcv_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = sqrt(-2.0 * log(s) / s);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

uint64_t gcv_rng_below(gcv_rng *r, uint64_t n)
{
    /* Rejection of the top partial range removes the modulo bias. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = gcv_rng_next(r);
    } while (x >= limit);
    return x % n;
}

void gcv_rng_sample_sorted(gcv_rng *r, size_t n, size_t k, size_t *out)
{
    /* Selection sampling (Knuth's Algorithm S): one pass, output already sorted. */
    size_t chosen = 0;
    for (size_t i = 0; i < n && chosen < k; i++) {
        uint64_t left = (uint64_t)(n - i);
        if (gcv_rng_below(r, left) < (uint64_t)(k - chosen))
            out[chosen++] = i;
    }
}

/* Seeded, portable random numbers: SplitMix64 (Steele, Lea, Flood 2014), a 64-bit state
 * advanced by a Weyl constant and mixed by two xor-shift-multiply rounds. Uniforms take the
 * top 53 bits; normals use Marsaglia's polar method (log and sqrt only), so the same seed
 * gives the same numbers on every IEEE-754 machine with the same libm log. */
#ifndef GCV_RNG_H
#define GCV_RNG_H

#include <stdint.h>
#include <stddef.h>

typedef struct gcv_rng {
    uint64_t state;
    double spare;   /* the polar method makes normals in pairs */
    int has_spare;
} gcv_rng;

void gcv_rng_seed(gcv_rng *r, uint64_t seed);
uint64_t gcv_rng_next(gcv_rng *r);
/* Uniform on [0, 1), 53 random bits. */
double gcv_rng_uniform(gcv_rng *r);
/* Standard normal N(0, 1). */
double gcv_rng_normal(gcv_rng *r);
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t gcv_rng_below(gcv_rng *r, uint64_t n);
/* Sorted sample of k distinct indices from [0, n) into out (k ≤ n), seeded by r. */
void gcv_rng_sample_sorted(gcv_rng *r, size_t n, size_t k, size_t *out);

#endif

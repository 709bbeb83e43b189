/* One vector of doubles for the hand-written kernels (dense.c, act.c), through the GCC and
 * Clang vector extensions: 8 lanes with AVX-512, 4 with AVX, 2 with SSE2. Lane-wise IEEE
 * arithmetic, so a lane computes the bits of the scalar code: ISO C mode never contracts
 * a·b + c into an FMA, and an FMA build of the kernels (meson fma) contracts the scalar
 * and the vector forms of an expression alike (test-kernels checks both ways). GCV_HAVE_VEC
 * is 0 for a compiler without the extensions. */
#ifndef GCV_VEC_H
#define GCV_VEC_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define GCV_HAVE_VEC 1
#if defined(__AVX512F__)
#define GCV_VW 8
#elif defined(__AVX__)
#define GCV_VW 4
#else
#define GCV_VW 2
#endif

typedef double gcv_vec __attribute__((vector_size(GCV_VW * sizeof(double))));
/* What a comparison of two gcv_vec gives: all ones in a lane where it holds, else 0. */
typedef int64_t gcv_vmask __attribute__((vector_size(GCV_VW * sizeof(double))));
typedef uint64_t gcv_vbits __attribute__((vector_size(GCV_VW * sizeof(double))));

#define GCV_INLINE static inline __attribute__((always_inline))

GCV_INLINE gcv_vec gcv_vload(const double *p)
{
    gcv_vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

GCV_INLINE void gcv_vstore(double *p, gcv_vec v)
{
    memcpy(p, &v, sizeof v);
}

GCV_INLINE gcv_vec gcv_vsplat(double c)
{
    gcv_vec v;
    for (int i = 0; i < GCV_VW; i++)
        v[i] = c;
    return v;
}

GCV_INLINE gcv_vmask gcv_vmask0(void)
{
    gcv_vmask v;
    for (int i = 0; i < GCV_VW; i++)
        v[i] = 0;
    return v;
}

/* Lane by lane: mask ? a : b. */
GCV_INLINE gcv_vec gcv_vsel(gcv_vmask mask, gcv_vec a, gcv_vec b)
{
    return (gcv_vec)(((gcv_vbits)a & (gcv_vbits)mask) | ((gcv_vbits)b & ~(gcv_vbits)mask));
}

/* 1 if every lane of mask is set. */
GCV_INLINE int gcv_vall(gcv_vmask mask)
{
    int64_t all = -1;
    for (int i = 0; i < GCV_VW; i++)
        all &= mask[i];
    return all != 0;
}

#else
#define GCV_HAVE_VEC 0
#endif

#endif

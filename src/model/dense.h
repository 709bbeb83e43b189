/* The dense products of the MLP, row-major with the m examples contiguous: the forward
 * Z = W·A + b and the backward dW = D·Aᵀ, dA = Wᵀ·D. Portable kernels by default; with
 * -Dblas=enabled the larger products go to BLIS (see dense.c for why BLIS and why serial). */
#ifndef GCV_DENSE_H
#define GCV_DENSE_H

#include <stddef.h>

/* Z = W·A + b: W is rows × cols, A cols × m, Z rows × m, b one value per row. The portable
 * kernel sums every Z element over j in ascending order from 0.0, then adds b, so its bits
 * depend on neither the tiling, the vector width nor the thread count. */
void gcv_dense_forward(const double *w, const double *b, const double *a, double *z,
                       size_t rows, size_t cols, size_t m);

/* dW = D·Aᵀ (rows × cols) and db = Σ_k D[i, k] (rows) from D (rows × m), A (cols × m). */
void gcv_dense_weight_grad(const double *d, const double *a, double *gw, double *gb,
                           size_t rows, size_t cols, size_t m);

/* dA = Wᵀ·D: W rows × cols, D rows × m, dA cols × m. */
void gcv_dense_input_grad(const double *w, const double *d, double *da, size_t rows,
                          size_t cols, size_t m);

/* "blis" when the larger products run in BLIS (-Dblas=enabled), else "portable"; with
 * "+fma" where the kernels fuse multiply-adds (-Dfma, a native build on a CPU with FMA). */
const char *gcv_dense_kernels(void);

#endif

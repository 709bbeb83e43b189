/* The MLP's examples in fixed parts: why and how, see mlp_parts.c. */
#ifndef GCV_MLP_PARTS_H
#define GCV_MLP_PARTS_H

#include <stddef.h>

/* Examples per part. Fixed, never derived from a thread count: a cost over m examples is
 * the sum of its parts' shares taken in part order, so its bits depend on m alone. */
#define GCV_MLP_PART 512

/* The part length for m examples (m itself when m ≤ GCV_MLP_PART) and the number of parts. */
size_t gcv_parts_len(size_t m);
size_t gcv_parts_count(size_t m);

/* Examples in part p of m examples in parts of len: len, or fewer in the last part. */
size_t gcv_parts_m(size_t m, size_t len, size_t p);

/* Copies src (rows × m, row-major, the m examples contiguous) into part-major order: part
 * p's rows × m_p values (stride m_p) at dst + p·stride + off. With one part (m ≤ len) and
 * off 0 this is a plain copy. */
void gcv_parts_gather(const double *src, size_t rows, size_t m, size_t len, double *dst,
                      size_t stride, size_t off);

#endif

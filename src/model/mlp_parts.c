/* The built-in MLP evaluates its m examples in parts of at most GCV_MLP_PART, one after the
 * other, on a workspace sized for one part. Two reasons:
 *
 *   - Memory. A workspace holds Z_l and A_l of every layer and backprop's three scratch
 *     buffers; for all m examples at once that is about 4·Σ n_l·m doubles per thread, which
 *     on 784-256-128-10 × 16,000 examples was half a gigabyte a thread. Per part it is a
 *     few megabytes whatever m is. What grows with m is held once: X, Y and the cached pass
 *     at θ0 that the incremental cost starts from.
 *   - Parallel examples. A check of few parameters on many examples has little to share
 *     out by parameter; the parts of one evaluation are independent, and the engine (split.c)
 *     can give them to its threads. Since the parts are fixed by m, not by the threads, and
 *     their shares are summed in part order, the cost has the same bits for any thread count
 *     and either way of sharing the work out.
 *
 * So that a part is a small contiguous problem the layer kernels run as they are (rows × m_p,
 * stride m_p), X, Y, the dropout masks and the cache are stored part-major: part p's block
 * after part p−1's. With m ≤ GCV_MLP_PART there is one part, stored exactly as before, and
 * every evaluation is bit for bit what it was; with more, sums over examples (the cost, and
 * the gradient's dW = dZ·Aᵀ, db = Σ dZ) are taken per part and then over parts in order,
 * which differs from one long sum in the last bits only. */
#include "model/mlp_parts.h"

#include <string.h>

size_t gcv_parts_len(size_t m)
{
    return m < GCV_MLP_PART ? (m ? m : 1) : GCV_MLP_PART;
}

size_t gcv_parts_count(size_t m)
{
    size_t len = gcv_parts_len(m);
    return m ? (m + len - 1) / len : 1;
}

size_t gcv_parts_m(size_t m, size_t len, size_t p)
{
    size_t start = p * len;
    return m - start < len ? m - start : len;
}

void gcv_parts_gather(const double *src, size_t rows, size_t m, size_t len, double *dst,
                      size_t stride, size_t off)
{
    size_t n = gcv_parts_count(m);
    for (size_t p = 0; p < n; p++) {
        size_t mp = gcv_parts_m(m, len, p);
        double *d = dst + p * stride + off;
        for (size_t i = 0; i < rows; i++)
            memcpy(d + i * mp, src + i * m + p * len, mp * sizeof *d);
    }
}

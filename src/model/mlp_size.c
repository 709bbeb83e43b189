/* The MLP's memory estimate; see mlp_size.h. The arithmetic follows mlp.c's layout: X and Y
 * part-major (padded to whole parts), the cached pass at θ0 (Z_l of every layer, A_l of the
 * hidden ones, all examples), and per workspace one part's Z and A, backprop's scratch
 * (4 × the widest layer × a part: two complex buffers for the complex step) and a share
 * slot per part. */
#include "model/mlp_size.h"

#include "engine/memory.h" /* saturating arithmetic */
#include "model/mlp_parts.h"

/* Doubles: *cached Z and A per example (all layers), *widest layer (not the input). */
static void widths(size_t n_layers, const size_t *sizes, double *za, double *widest)
{
    *za = *widest = 0.0;
    for (size_t l = 1; l <= n_layers; l++) {
        double n = (double)sizes[l];
        *za += l < n_layers ? 2.0 * n : n;
        if (n > *widest)
            *widest = n;
    }
}

double gcv_mlp_bytes_f(size_t n_layers, const size_t *sizes, size_t m, size_t copies)
{
    double za, widest, len = (double)gcv_parts_len(m), parts = (double)gcv_parts_count(m);
    widths(n_layers, sizes, &za, &widest);
    double padded = parts * len, io = (double)sizes[0] + (double)sizes[n_layers];
    double once = 2.0 * io * (double)m + io * padded + za * padded;
    double ws = (za + 4.0 * widest) * len + parts + 16.0;
    return 8.0 * (once + ((double)copies + 1.0) * ws);
}

size_t gcv_mlp_bytes(size_t n_layers, const size_t *sizes, size_t m, size_t copies)
{
    double b = gcv_mlp_bytes_f(n_layers, sizes, m, copies);
    return b >= 0x1p63 || b >= (double)SIZE_MAX ? SIZE_MAX : (size_t)b;
}

/* The MLP's memory estimate; see mlp_size.h. */
#include "model/mlp_size.h"

#include "engine/memory.h" /* saturating arithmetic */

size_t gcv_mlp_bytes(size_t n_layers, const size_t *sizes, size_t m, size_t copies)
{
    size_t io = gcv_sat_add(sizes[0], sizes[n_layers]), units = 0;
    for (size_t l = 0; l <= n_layers; l++)
        units = gcv_sat_add(units, sizes[l]);
    size_t once = gcv_sat_mul(8, gcv_sat_mul(io, m));
    return gcv_sat_add(once, gcv_sat_mul(copies, gcv_sat_mul(32, gcv_sat_mul(m, units))));
}

double gcv_mlp_bytes_f(size_t n_layers, const size_t *sizes, size_t m, size_t copies)
{
    double t = (double)copies, md = (double)m;
    double sum = 0.0;
    for (size_t l = 0; l <= n_layers; l++)
        sum += (double)sizes[l];
    return 8.0 * ((double)sizes[0] + (double)sizes[n_layers]) * md + t * 32.0 * md * sum;
}

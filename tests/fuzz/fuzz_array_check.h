/* What fuzz_mat and fuzz_h5 assert of an array a reader returned: the shape's product is the
 * count, within the limit the targets allow, data present, integer dtypes integral, every
 * value finite (NaN and Inf are errors by contract) and read (the sanitizers see the
 * reads). */
#ifndef GCV_FUZZ_ARRAY_CHECK_H
#define GCV_FUZZ_ARRAY_CHECK_H

#include <math.h>

#include "fuzz_common.h"
#include "data/npy.h"

static void gcv_fuzz_check_array(const gcv_npy *a)
{
    if (a->ndim > GCV_NPY_MAX_DIMS || a->count == 0 || a->count > GCV_FUZZ_MAX_COUNT ||
        !a->data || memchr(a->dtype, '\0', sizeof a->dtype) == NULL)
        abort();
    size_t n = 1;
    for (size_t d = 0; d < a->ndim; d++)
        n *= a->shape[d]; /* cannot overflow: the reader refused counts over the limit */
    if (n != a->count)
        abort();
    for (size_t i = 0; i < a->count; i++)
        if (!isfinite(a->data[i]) || (a->is_integer && a->data[i] != floor(a->data[i])))
            abort();
}

#endif

/* libFuzzer target: the .npy reader (src/data/npy.c, gcv_npy_read) on arbitrary bytes.
 * On success the array must be consistent (count = product of the shape, ndim within
 * bounds, data present when count > 0, integer dtypes giving integral values); on failure
 * the message must be one line. Arrays over 256 MiB must be refused, not allocated. */
#include <math.h>

#include "fuzz_common.h"
#include "data/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128];
    gcv_fuzz_write("input.npy", data, size, path, sizeof path);
    gcv_npy a;
    gcv_error err;
    memset(&a, 0, sizeof a);
    memset(&err, 0, sizeof err);
    if (gcv_npy_read(path, GCV_FUZZ_MAX_COUNT, &a, &err) != GCV_OK) {
        gcv_fuzz_check_error(&err);
        return 0;
    }
    if (a.ndim > GCV_NPY_MAX_DIMS || a.count > GCV_FUZZ_MAX_COUNT || (a.count && !a.data))
        abort();
    size_t n = 1;
    for (size_t d = 0; d < a.ndim; d++)
        n *= a.shape[d]; /* cannot overflow: the reader refused counts over the limit */
    if (n != a.count || memchr(a.dtype, '\0', sizeof a.dtype) == NULL)
        abort();
    double sum = 0;
    for (size_t i = 0; i < a.count; i++) { /* every value was written (ASan/MSan see reads) */
        if (a.is_integer && a.data[i] != floor(a.data[i]))
            abort();
        sum += a.data[i];
    }
    (void)sum;
    free(a.data);
    return 0;
}

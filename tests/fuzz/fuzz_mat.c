/* libFuzzer target: the MATLAB reader (src/data/mat.c and mat5-check.c, gcv_mat_read on
 * libmatio) on arbitrary bytes, reading the variables X and y. On success the array is
 * consistent (fuzz_array_check.h); on failure the message is one line and *out is zeroed.
 * Declared sizes beyond 256 MiB, or beyond the bytes present, must be refused before matio
 * allocates them. Without libmatio the reader refuses every input, which is checked too. */
#include "fuzz_array_check.h"
#include "data/mat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"X", "y"};
    char path[128];
    gcv_fuzz_write("input.mat", data, size, path, sizeof path);
    for (size_t k = 0; k < 2; k++) {
        gcv_npy a;
        gcv_error err;
        memset(&a, 0xA5, sizeof a); /* the reader must set every field */
        memset(&err, 0, sizeof err);
        if (gcv_mat_read(path, names[k], GCV_FUZZ_MAX_COUNT, &a, &err) != GCV_OK) {
            gcv_fuzz_check_error(&err);
            if (a.data)
                abort();
            continue;
        }
        gcv_fuzz_check_array(&a);
        free(a.data);
    }
    return 0;
}

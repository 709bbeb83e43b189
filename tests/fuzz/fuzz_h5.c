/* libFuzzer target: the HDF5 reader (src/data/hdf5.c and hdf5-limits.c, gcv_hdf5_read on
 * libhdf5) on arbitrary bytes, reading the datasets x and grp/y. On success the array is
 * consistent (fuzz_array_check.h); on failure the message is one line and *out is zeroed.
 * Types libhdf5 would mis-convert, and chunks or storage beyond 256 MiB or beyond what the
 * file could hold, must be refused before H5Dread. libhdf5 reads in a child process
 * (src/data/sandbox.c), whose coverage libFuzzer does not see: this target proves that no
 * input takes gcverify down, and GCV_FUZZ_INPROCESS=1 scripts/fuzz SECONDS h5 builds the
 * reader in the fuzzer's process instead, to search the reader's own code with coverage
 * (where a crash inside libhdf5 then stops the run, as the sandbox would have contained it).
 * Without libhdf5 the reader refuses every input. */
#include "fuzz_array_check.h"
#include "data/hdf5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"x", "grp/y"};
    char path[128];
    gcv_fuzz_write("input.h5", data, size, path, sizeof path);
    for (size_t k = 0; k < 2; k++) {
        gcv_npy a;
        gcv_error err;
        memset(&a, 0xA5, sizeof a);
        memset(&err, 0, sizeof err);
        if (gcv_hdf5_read(path, names[k], GCV_FUZZ_MAX_COUNT, &a, &err) != GCV_OK) {
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

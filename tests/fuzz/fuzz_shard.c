/* libFuzzer target: the merge (src/report/merge-read.c and merge.c, gcv_merge_load) on
 * arbitrary bytes as shard 1 of a merge whose shard 2 is a valid partial report (seeds: a
 * two-shard split of a small check, so that mutations of a real shard 1 get past the
 * agreement checks). On success the merged result is consistent (params_checked within
 * params_total); on failure one line and no result. Parameter counts whose state would not
 * fit the memory available are refused before allocating. */
#include "fuzz_common.h"
#include "report/merge.h"

#ifndef GCV_FUZZ_SHARD2
#define GCV_FUZZ_SHARD2 "tests/fuzz/seeds/shard/part2.json"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128];
    gcv_fuzz_write("part1.json", data, size, path, sizeof path);
    const char *paths[2] = {path, GCV_FUZZ_SHARD2};
    for (size_t n = 1; n <= 2; n++) {
        gcv_merged *mg = (gcv_merged *)&size; /* must be set to NULL on failure */
        gcv_error err;
        memset(&err, 0, sizeof err);
        if (gcv_merge_load(paths, n, 0, &mg, &err) != GCV_OK) {
            gcv_fuzz_check_error(&err);
            if (mg)
                abort();
            continue;
        }
        if (!mg || !mg->result || !mg->model ||
            mg->result->params_checked > mg->model->n_params)
            abort();
        gcv_merged_free(mg);
    }
    return 0;
}

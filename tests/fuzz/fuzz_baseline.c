/* libFuzzer target: the baseline reader (src/report/baseline.c, gcv_baseline_load), which
 * reads --baseline files and every --history file, on arbitrary bytes. On success the block
 * names are unique and each is found by gcv_baseline_find; on failure the message is one
 * line and *out is NULL. */
#include "fuzz_common.h"
#include "report/baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128];
    gcv_fuzz_write("baseline.json", data, size, path, sizeof path);
    gcv_baseline *b = (gcv_baseline *)&size; /* must be set to NULL on failure */
    gcv_error err;
    memset(&err, 0, sizeof err);
    if (gcv_baseline_load(path, 0, &b, &err) != GCV_OK) {
        gcv_fuzz_check_error(&err);
        if (b)
            abort();
        return 0;
    }
    if (!b || b->n_blocks == 0 || !b->name)
        abort();
    for (size_t i = 0; i < b->n_blocks; i++)
        if (gcv_baseline_find(b, b->blocks[i].name) != &b->blocks[i])
            abort();
    gcv_baseline_free(b);
    return 0;
}

/* libFuzzer target: the CSV reader (src/data/csv.c, gcv_csv_read) on arbitrary bytes, read
 * three times with different options (',' with the header guessed, ';' without a header, a
 * tab with a header). On success: rows ≥ 1, cols ≥ 1, every value finite (NaN and Inf are
 * errors by contract), names present exactly when there was a header; on failure a one-line
 * message and a zeroed result. */
#include <math.h>

#include "fuzz_common.h"
#include "data/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const gcv_csv_options opts[] = {{',', -1, 0}, {';', 0, 0}, {'\t', 1, 0}};
    char path[128];
    gcv_fuzz_write("input.csv", data, size, path, sizeof path);
    for (size_t k = 0; k < sizeof opts / sizeof *opts; k++) {
        gcv_csv t;
        gcv_error err;
        memset(&t, 0xA5, sizeof t); /* the reader must set every field */
        memset(&err, 0, sizeof err);
        if (gcv_csv_read(path, &opts[k], GCV_FUZZ_MAX_COUNT, &t, &err) != GCV_OK) {
            gcv_fuzz_check_error(&err);
            if (t.rows || t.cols || t.data || t.names) /* contract: *out is zeroed */
                abort();
            continue;
        }
        if (t.rows == 0 || t.cols == 0 || !t.data || t.rows > GCV_FUZZ_MAX_COUNT / t.cols)
            abort();
        if (opts[k].header == 0 && t.names)
            abort();
        if (opts[k].header == 1 && !t.names)
            abort();
        for (size_t i = 0; i < t.rows * t.cols; i++)
            if (!isfinite(t.data[i]))
                abort();
        if (t.names)
            for (size_t j = 0; j < t.cols; j++)
                if (!t.names[j] || strlen(t.names[j]) > size)
                    abort();
        gcv_csv_free(&t);
    }
    return 0;
}

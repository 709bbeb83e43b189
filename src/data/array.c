/* Arrays in messages; see array.h. */
#include "data/array.h"

#include <math.h>
#include <stdio.h>

#include "config/json.h"
#include "util/strutil.h"

void gcv_array_shape(const gcv_npy *a, char *out, size_t n)
{
    gcv_format_shape(a->shape, a->ndim, out, n);
}

void gcv_array_coord(const gcv_npy *a, size_t i, char *out, size_t n)
{
    if (a->ndim == 2 && a->shape[1])
        snprintf(out, n, "(%zu, %zu)", i / a->shape[1], i % a->shape[1]);
    else
        snprintf(out, n, "[%zu]", i);
}

int gcv_array_first_nonfinite(const gcv_npy *a, char *out, size_t n)
{
    for (size_t i = 0; i < a->count; i++) {
        if (isfinite(a->data[i]))
            continue;
        char v[32], at[48];
        gcv_json_format_number(a->data[i], v, sizeof v);
        gcv_array_coord(a, i, at, sizeof at);
        snprintf(out, n, "%s at %s", v, at);
        return 1;
    }
    return 0;
}

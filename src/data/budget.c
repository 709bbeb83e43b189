/* The memory guard of loading: before θ and the data are allocated, the check the config
 * describes (the engine's share and the MLP's, on the threads it will run on) must fit the
 * budget, and every data file is read with a cap of the examples that fit. */
#include <stdio.h>

#include "data/load.h"
#include "engine/memory.h"
#include "model/mlp.h"
#include "model/mlp_size.h"
#include "util/strutil.h"

/* Bytes a check of P parameters on m examples needs; SIZE_MAX on overflow. */
static size_t estimate(const gcv_loader *ld, size_t P, size_t m)
{
    const gcv_config *c = ld->c;
    size_t threads = gcv_check_threads(c->opts.threads);
    return gcv_sat_add(gcv_engine_bytes(P, threads),
                       gcv_mlp_bytes(c->n_layers, c->sizes, m, threads));
}

/* The key to blame when the data is what does not fit. */
static const char *data_path(const gcv_loader *ld)
{
    if (ld->c->data.source == GCV_DATA_SYNTHETIC)
        return "data.examples";
    return ld->c->data.source == GCV_DATA_CSV ? "data.file" : "data.x";
}

gcv_status gcv_data_guard(gcv_loader *ld, size_t m)
{
    gcv_config *c = ld->c;
    size_t P = gcv_mlp_param_count(c->n_layers, c->sizes);
    if (P == 0)
        return gcv_json_fail(&ld->j, "model.layers", "expected a network whose parameter count "
                             "fits in memory, got an overflowing product");
    c->n_params = P;
    size_t need = estimate(ld, P, m);
    if (need != SIZE_MAX && need <= ld->budget)
        return GCV_OK;
    /* The same in floating point, split in the part that grows with P and the part that
     * grows with m, so that the message can name the culprit and show sizes beyond
     * SIZE_MAX. */
    size_t threads = gcv_check_threads(c->opts.threads);
    double params = gcv_engine_bytes_f(P, threads);
    double data = gcv_mlp_bytes_f(c->n_layers, c->sizes, m, threads);
    char have[32], want[32];
    gcv_format_bytes((double)ld->budget, have, sizeof have);
    gcv_format_bytes(params + data, want, sizeof want);
    gcv_json_fail(&ld->j, params >= data ? "model.layers" : data_path(ld),
                  "expected a check that fits in %s of memory, got an estimated %s (%zu "
                  "parameters, %zu examples, %zu thread%s)", have, want, P, m, threads,
                  threads == 1 ? "" : "s");
    return GCV_ERR_NOMEM;
}

/* Monotone in m, so bisect. */
size_t gcv_data_max_examples(const gcv_loader *ld, size_t P)
{
    size_t lo = 0, hi = GCV_CONFIG_SIZE_LIMIT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        size_t need = estimate(ld, P, mid);
        if (need != SIZE_MAX && need <= ld->budget)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The model from a loaded config; see build.h. With a gradient dump, the MLP wrapped so
 * that its analytic gradient is the dump's (model/dumped.h). */
#include "model/build.h"

#include <stdio.h>
#include <string.h>

#include "engine/memory.h"
#include "model/dumped.h"
#include "model/plugin.h"
#include "model/process.h"
#include "util/strutil.h"

void gcv_config_mlp_spec(const gcv_config *c, gcv_mlp_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->n_layers = c->n_layers;
    spec->sizes = c->sizes;
    spec->hidden = c->hidden;
    spec->leaky_slope = c->leaky_slope;
    spec->output = c->output;
    spec->loss = c->loss;
    spec->l2 = c->l2;
    spec->keep_prob = c->keep_prob;
    spec->dropout_seed = c->dropout_seed;
    spec->inject = c->inject;
    spec->n_inject = c->n_inject;
    spec->theta = c->theta;
    spec->x = c->x;
    spec->y = c->y;
    spec->m = c->m;
}

gcv_status gcv_config_model_new(const gcv_config *c, gcv_model **out, gcv_error *err)
{
    if (c->is_process) {
        gcv_process_spec ps = {c->process_argv, c->process_argc, c->process_cwd,
                               c->plugin_options, c->process_timeout};
        gcv_watch w = gcv_watch_of(c->opts.stop, c->opts.started, c->opts.max_seconds);
        /* One worker per thread of the check (more are started if more threads ask). */
        return gcv_process_load(&ps, (unsigned)gcv_check_threads(c->opts.threads), &w, out,
                                err);
    }
    if (c->is_plugin) {
        gcv_plugin_spec ps = {c->plugin_library, c->plugin_options, c->plugin_dir};
        return gcv_plugin_load(&ps, out, err);
    }
    gcv_mlp_spec spec;
    gcv_config_mlp_spec(c, &spec);
    /* The run's limits, as the config was loaded within them (gcv_config_load_limited). */
    gcv_watch w = gcv_watch_of(c->opts.stop, c->opts.started, c->opts.max_seconds);
    gcv_status st = gcv_mlp_new_watched(&spec, &w, out, err);
    if (st || !c->grad)
        return st;
    /* A gradient dump: the network's cost, the user's gradient. */
    gcv_model *mlp_model = *out;
    *out = NULL;
    return gcv_dumped_new(mlp_model, c->grad, c->grad_float32 ? GCV_FLOAT : GCV_DOUBLE, out,
                          err);
}

gcv_status gcv_config_check_memory(const gcv_config *c, const gcv_model *m, gcv_error *err)
{
    if (!c->is_plugin) /* the MLP's check was estimated while loading */
        return GCV_OK;
    size_t threads = gcv_check_threads(c->opts.threads);
    size_t need = gcv_engine_model_bytes(m->n_params, m->ws_bytes, threads);
    size_t budget = c->max_memory ? c->max_memory : gcv_available_memory();
    if (need <= budget)
        return GCV_OK;
    char have[32], want[32];
    gcv_format_bytes((double)budget, have, sizeof have);
    gcv_format_bytes((double)need, want, sizeof want);
    snprintf(err->msg, sizeof err->msg, "model: expected a check that fits in %s of memory, got "
             "an estimated %s (%zu parameters, a %zu-byte workspace, %zu thread%s)", have, want,
             m->n_params, m->ws_bytes, threads, threads == 1 ? "" : "s");
    return GCV_ERR_NOMEM;
}

/* The model a loaded config describes: the built-in MLP from its spec, θ and data, or the
 * plugin it names; and a plugin's check against the memory budget, which needs the model's
 * workspace. */
#ifndef GCV_MODEL_BUILD_H
#define GCV_MODEL_BUILD_H

#include "config/config.h"
#include "gcverify/gcverify.h"
#include "model/mlp.h"

/* The model the config describes: the built-in MLP, or the plugin loaded. On GCV_OK *out is
 * a new model for gcv_model_free(). */
gcv_status gcv_config_model_new(const gcv_config *c, gcv_model **out, gcv_error *err);

/* A plugin's check against the memory budget (max_memory, or what the machine has), with
 * the threads of c->opts: refused with GCV_ERR_NOMEM and one line above it. The built-in
 * MLP was estimated while loading: GCV_OK. */
gcv_status gcv_config_check_memory(const gcv_config *c, const gcv_model *m, gcv_error *err);

/* The spec of the MLP the config describes; points into c (valid while c lives). */
void gcv_config_mlp_spec(const gcv_config *c, gcv_mlp_spec *spec);

#endif

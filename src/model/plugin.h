/* The plugin loader: a user's model from a shared object (include/gcverify/plugin.h) turned
 * into a gcv_model the engine checks like any other. Everything the plugin hands over is
 * validated before use; each problem is one line naming what was expected and what was
 * found. The library stays loaded until the model is freed. */
#ifndef GCV_MODEL_PLUGIN_H
#define GCV_MODEL_PLUGIN_H

#include <stddef.h>

#include "gcverify/gcverify.h"

typedef struct gcv_plugin_spec {
    const char *library;      /* path of the shared object (relative to the working folder) */
    const char *options_json; /* JSON text handed to the plugin; NULL: "{}" */
    const char *config_dir;   /* handed to the plugin for its relative paths; NULL: "." */
} gcv_plugin_spec;

/* Loads and validates the plugin. On GCV_OK *out is a new model freed with
 * gcv_model_free() (which calls the plugin's destroy and unloads the library); its type is
 * "plugin". On failure err says "model.library: PATH: expected …, got …" or
 * "model.FIELD: …" for a model the plugin handed over, and nothing stays loaded. */
gcv_status gcv_plugin_load(const gcv_plugin_spec *spec, gcv_model **out, gcv_error *err);

/* For reports: the plugin's one-line description (or "") and the examples it averages over
 * (0: unsaid). m must come from gcv_plugin_load. */
const char *gcv_plugin_description(const gcv_model *m);
size_t gcv_plugin_examples(const gcv_model *m);
/* 1 when the plugin's library links an OpenMP runtime (its own regions then run on one
 * thread inside gcverify's: plugin.c). */
int gcv_plugin_uses_openmp(const gcv_model *m);

#endif

/* What the plugin loader's files share (plugin.c: loading and the adapter; plugin-views.c:
 * the blocks; plugin-options.c: the options' accessors). Not part of the plugin ABI. */
#ifndef GCV_MODEL_PLUGIN_INTERNAL_H
#define GCV_MODEL_PLUGIN_INTERNAL_H

#include "gcverify/gcverify.h"
#include "gcverify/plugin.h"
#include "util/strutil.h"

/* "model.library: LIB: gcv_plugin_model_new returned a bad model: WHAT"; GCV_ERR_INVALID. */
gcv_status gcv_plugin_bad_model(gcv_error *err, const char *lib, const char *fmt, ...)
    GCV_PRINTF(3, 4);

/* A version 1 plugin's blocks (name, layer, rows, cols) as version 2 blocks of ndim 0, in a
 * new array the caller frees; NULL when out of memory. */
gcv_plugin_block *gcv_plugin_blocks_from_v1(const void *v1_blocks, size_t n);

/* The blocks the plugin handed over, checked (names, labels, shapes: version 1's rules for
 * abi 1) and made the model's: m->blocks (n_blocks new entries), and for a model with views
 * the tables of gcv_model_locate in *locate_block and *locate_entry (new, P each; NULL when
 * every block is contiguous in order). Errors name the block, or the θ index covered twice
 * or not at all. */
gcv_status gcv_plugin_make_blocks(const gcv_plugin_model *pm, unsigned abi, const char *lib,
                                  gcv_model *m, size_t **locate_block, size_t **locate_entry,
                                  gcv_error *err);

/* Every value of θ finite, else the first that is not named by index, block and coords. */
gcv_status gcv_plugin_check_theta(const gcv_plugin_model *pm, const gcv_model *m,
                                  const char *lib, gcv_error *err);

/* The version 2 arguments: the ABI's struct first (what the plugin sees), then the options
 * parsed (a cJSON object, or NULL when model.options is absent or not an object). */
typedef struct gcv_plugin_args_full {
    gcv_plugin_args a;
    void *options; /* cJSON * */
} gcv_plugin_args_full;

/* Parses options_json and fills the accessors of f->a; 0, or -1 with err set. The caller
 * frees with gcv_plugin_args_done. */
int gcv_plugin_args_init(gcv_plugin_args_full *f, const char *options_json, gcv_error *err);
void gcv_plugin_args_done(gcv_plugin_args_full *f);

#endif

/* Loading a config file (doc/config.md): parse and validate the whole file into the plain
 * values of spec.h, with every error naming the file, the JSON path, what was expected and
 * what was found; then read or make θ and the data the spec describes, checked against the
 * network. The config builds no model: model/build.h makes one from it. */
#ifndef GCV_CONFIG_H
#define GCV_CONFIG_H

#include <stddef.h>

#include "config/spec.h"
#include "gcverify/gcverify.h"

/* Reads, validates and loads path. Relative paths inside resolve against the config's
 * folder. Before allocating anything large, the memory the check will need (with `threads`
 * threads, 0 meaning the machine's count) is estimated and refused with GCV_ERR_NOMEM above
 * max_memory bytes (0: the machine's available memory). On GCV_OK *out is a new config
 * freed with gcv_config_free(); on failure err holds "path: json.path: expected …, got …". */
gcv_status gcv_config_load(const char *path, size_t max_memory, gcv_config **out,
                           gcv_error *err);

/* The same within a run's limits: the config's opts get stop, started and max_seconds from
 * limits (NULL: none) before anything is read, so that loading (the initialisation of θ) and
 * everything built from the config later (the model's set-up, the check) see one watch
 * (util/watch.h). Stopped while drawing θ, loading still succeeds, with the rest of θ zero:
 * the run's later steps see the same stop and check nothing. */
gcv_status gcv_config_load_limited(const char *path, size_t max_memory,
                                   const gcv_options *limits, gcv_config **out, gcv_error *err);

/* The same with a gradient dump (--gradients: the path as given, relative to the working
 * folder) in place of the config's gradients.file; NULL: the config's own, if any. */
gcv_status gcv_config_load_dump(const char *path, size_t max_memory, const gcv_options *limits,
                                const char *gradients, gcv_config **out, gcv_error *err);
/* Edits of the parsed JSON tree made before it is validated (the command line's --set and
 * --plugin), so an edited value is checked exactly as if the file held it. apply edits root
 * (a cJSON *) and returns 0, or -1 with err set; origin writes into buf the edit that set the
 * JSON path (or a member above or below it), returning 0 when none did: a message about that
 * path then names the edit too. */
typedef struct gcv_config_edit {
    int (*apply)(const void *ctx, void *root, gcv_error *err);
    int (*origin)(const void *ctx, const char *path, char *buf, size_t n);
    const void *ctx;
} gcv_config_edit;

/* gcv_config_load_limited with the tree edited first (edit NULL: none). */
gcv_status gcv_config_load_edited(const char *path, size_t max_memory,
                                  const gcv_options *limits, const gcv_config_edit *edit,
                                  gcv_config **out, gcv_error *err);

/* Both: the tree edited first, then a gradient dump in place of gradients.file. */
gcv_status gcv_config_load_full(const char *path, size_t max_memory, const gcv_options *limits,
                                const gcv_config_edit *edit, const char *gradients,
                                gcv_config **out, gcv_error *err);

/* Frees a config; accepts NULL. */
void gcv_config_free(gcv_config *c);

/* For a model computed in precision p, the defaults of p (gcv_options_default_for) for each
 * of check.epsilon, threshold, rtol and atol that the file did not set. Returns 1 when
 * anything could have changed (p is not double), else 0. */
int gcv_config_precision_defaults(gcv_config *c, gcv_precision p);

#endif

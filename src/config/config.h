/* The JSON config file (DESIGN.md, "Config file"): parsed and validated in full, with every
 * error naming the file, the JSON path, what was expected and what was found; then the
 * parameters and data it describes are built or loaded and checked against the network. */
#ifndef GCV_CONFIG_H
#define GCV_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "gcverify/gcverify.h"
#include "model/mlp.h"
#include "model/plugin.h"

/* Bits of gcv_config.given: the check keys the file set itself. */
enum { GCV_GIVEN_EPSILON = 1u, GCV_GIVEN_THRESHOLD = 2u, GCV_GIVEN_RTOL = 4u, GCV_GIVEN_ATOL = 8u };

typedef enum gcv_params_mode { GCV_REPORT_PARAMS_NONE = 0, GCV_REPORT_PARAMS_MISMATCHES,
                               GCV_REPORT_PARAMS_ALL } gcv_params_mode;

typedef struct gcv_config {
    char *path;              /* the config file as given */
    char *name;              /* "name", default: the file's base name without .json */

    /* model */
    size_t n_layers;         /* L */
    size_t *sizes;           /* L+1 */
    gcv_act_id *hidden;      /* L−1 */
    double leaky_slope;      /* default 0.01 */
    gcv_act_id output;       /* default sigmoid */
    gcv_loss_id loss;        /* default binary_cross_entropy */
    double l2;               /* default 0 */
    double keep_prob;        /* default 1 */
    uint64_t dropout_seed;   /* default 0 */
    gcv_inject *inject;
    size_t n_inject;
    size_t n_params;         /* P */
    double *theta;           /* P values, θ order: initialised, read from npy_dir or inline */

    /* data, after layout conversion, validation and the examples subset */
    double *x;               /* n0 × m */
    double *y;               /* n_L × m (class ids already turned into one-hot) */
    size_t m;
    size_t m_total;          /* examples before check.examples took a subset */
    char data_source[16];    /* "synthetic" | "npy" | "inline" | "csv" | "hdf5" | "mat" */

    gcv_options opts;
    size_t max_memory;       /* as given to gcv_config_load; 0: the machine's available memory */
    unsigned given;          /* GCV_GIVEN_* of the check keys present in the file */

    /* model.type "plugin" (then sizes, theta, x and y are NULL and n_params, m are 0) */
    int is_plugin;
    char *plugin_library;    /* resolved against the config's folder */
    char *plugin_options;    /* model.options as JSON text, "{}" when absent */
    char *plugin_dir;        /* the config's folder, handed to the plugin */

    /* report */
    size_t top;              /* default 10 */
    char *json_path;         /* resolved against the config's folder; NULL: none */
    gcv_params_mode params_mode; /* default mismatches */

    /* Lines worth telling the user about the data as loaded, one sentence each without a
     * trailing newline, e.g. that integer labels were converted to double (the seed 000
     * trap). Owned by the config; n_notes may be 0 (notes then NULL). */
    char *junit_path;        /* report.junit, resolved like report.json; NULL: none */
    char *html_path;         /* report.html, resolved like report.json; NULL: none */
    char **notes;
    size_t n_notes;
} gcv_config;

/* Reads, validates and loads path. Relative paths inside resolve against the config's
 * folder. Before allocating anything large, the memory the check will need (with `threads`
 * threads, 0 meaning the machine's count) is estimated and refused with GCV_ERR_NOMEM above
 * max_memory bytes (0: the machine's available memory). On GCV_OK *out is a new config
 * freed with gcv_config_free(); on failure err holds "path: json.path: expected …, got …". */
gcv_status gcv_config_load(const char *path, size_t max_memory, gcv_config **out,
                           gcv_error *err);

/* Frees a config; accepts NULL. */
void gcv_config_free(gcv_config *c);

/* The model the config describes: the built-in MLP, or the plugin loaded. On GCV_OK *out is
 * a new model for gcv_model_free(). */
gcv_status gcv_config_model_new(const gcv_config *c, gcv_model **out, gcv_error *err);

/* A plugin's check against the memory budget (max_memory, or what the machine has), with
 * the threads of c->opts: refused with GCV_ERR_NOMEM and one line above it. The built-in
 * MLP was estimated while loading: GCV_OK. */
gcv_status gcv_config_check_memory(const gcv_config *c, const gcv_model *m, gcv_error *err);

/* For a model computed in precision p, the defaults of p (gcv_options_default_for) for each
 * of check.epsilon, threshold, rtol and atol that the file did not set. Returns 1 when
 * anything could have changed (p is not double), else 0. */
int gcv_config_precision_defaults(gcv_config *c, gcv_precision p);

/* The spec of the MLP the config describes; points into c (valid while c lives). */
void gcv_config_mlp_spec(const gcv_config *c, gcv_mlp_spec *spec);

const char *gcv_params_mode_name(gcv_params_mode m);
int gcv_params_mode_parse(const char *s, gcv_params_mode *out);

#endif

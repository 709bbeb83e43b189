/* The config file's contents as plain values (doc/config.md): what parsing produces (parse.h)
 * and loading completes with θ and the data arrays (data/load.h, model/init.h). Types and
 * the few helpers on them only; the loading itself is config.h. No cJSON here: the tree is
 * gone after parsing. */
#ifndef GCV_CONFIG_SPEC_H
#define GCV_CONFIG_SPEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "data/csv.h"
#include "data/npy.h"
#include "gcverify/gcverify.h"
#include "model/act.h"

struct gcv_inject; /* one fault to inject into the MLP's gradient (model/mlp.h) */

/* Examples, layer sizes and CSV columns above this are refused. */
#define GCV_CONFIG_SIZE_LIMIT ((size_t)1 << 31)

/* Bits of gcv_config.given: the check keys the file set itself. */
enum { GCV_GIVEN_EPSILON = 1u, GCV_GIVEN_THRESHOLD = 2u, GCV_GIVEN_RTOL = 4u, GCV_GIVEN_ATOL = 8u };

typedef enum gcv_params_mode { GCV_REPORT_PARAMS_NONE = 0, GCV_REPORT_PARAMS_MISMATCHES,
                               GCV_REPORT_PARAMS_ALL } gcv_params_mode;

/* Where θ comes from (model.params). */
typedef enum gcv_params_source { GCV_PARAMS_INIT = 0, GCV_PARAMS_NPY, GCV_PARAMS_VALUES }
    gcv_params_source;

/* data.source, in the order of the names the file uses. */
typedef enum gcv_data_source { GCV_DATA_SYNTHETIC = 0, GCV_DATA_NPY, GCV_DATA_INLINE,
                               GCV_DATA_CSV, GCV_DATA_HDF5, GCV_DATA_MAT } gcv_data_source;

/* data.layout: where the examples are in X and Y. */
typedef enum gcv_data_layout { GCV_LAYOUT_FEATURES = 0, GCV_LAYOUT_EXAMPLES, GCV_LAYOUT_FIRST }
    gcv_data_layout;

/* data.labels of a CSV table; AUTO: chosen from the loss; VALUES: the labels as they are. */
typedef enum gcv_label_mode { GCV_LABELS_AUTO = -1, GCV_LABELS_CLASS_ID = 0, GCV_LABELS_ONE_HOT,
                              GCV_LABELS_VALUES } gcv_label_mode;

/* A value the parser converted but refused. The load reports it when it reaches the value,
 * so that a file with several faults names the one met first, in the order the loading
 * steps use the values (θ after the data's shape and the memory guard, for instance). */
typedef struct gcv_config_fault {
    gcv_status st;   /* GCV_OK: no fault */
    char *msg;       /* the whole message, "file: path: expected …, got …" */
} gcv_config_fault;

/* A JSON array of numbers (inline data, a θ block) as parsed: 1-D, or rows of equal length
 * as a 2-D array, or the fault that refused it. */
typedef struct gcv_config_array {
    int given;               /* the key was present */
    gcv_npy a;               /* the numbers; a.data is NULL unless given and accepted */
    gcv_config_fault fault;
} gcv_config_array;

/* gradients.weights and model.params.weights: how W blocks are laid out. */
typedef enum gcv_weights_layout { GCV_WEIGHTS_OUT_IN = 0, GCV_WEIGHTS_IN_OUT } gcv_weights_layout;

/* model.params. */
typedef struct gcv_params_spec {
    gcv_params_source source;   /* default: init */
    unsigned init;              /* gcv_init_kind (model/mlp.h): he (default), xavier, normal */
    uint64_t seed;              /* default 1 */
    double scale;               /* normal's standard deviation, default 0.01 */
    char *npy_dir;              /* npy: as written, relative to the config's folder */
    int in_out;                 /* npy, values: "weights": "in_out", W_l is (n_{l-1}, n_l) */
    int weights_given;          /* "weights" was written: a transposed W is taken as it says */
    gcv_config_array *blocks;   /* values: the 2L blocks in θ order W1, b1, W2, … */
    gcv_config_fault fault;     /* values: an unknown or repeated key */
} gcv_params_spec;

/* One of data.label_columns: an index from 0 or a header name. */
typedef struct gcv_label_column {
    char *name;              /* NULL: an index */
    size_t index;
    char *shown;             /* the value as the file wrote it, for messages */
} gcv_label_column;

/* The data section; what a source does not use keeps its default. */
typedef struct gcv_data_spec {
    gcv_data_source source;          /* default: synthetic */
    size_t examples;                 /* synthetic: data.examples, default 64 */
    uint64_t seed;                   /* synthetic: data.seed, default 7; 0 for other sources */
    gcv_data_layout layout;
    char *file;                      /* csv, hdf5, mat: data.file as written */
    char *x, *y;                     /* npy: paths as written; hdf5, mat: names inside file */
    gcv_config_array x_values, y_values; /* inline */
    double scale;                    /* data.scale, multiplies X only; 1 when absent */
    gcv_csv_options csv;             /* data.delimiter and data.header */
    gcv_label_column *label_columns; /* data.label_columns; NULL: the last column */
    size_t n_label_columns;
    gcv_label_mode labels;           /* data.labels */
    size_t subset;                   /* check.examples; 0: all */
} gcv_data_spec;

/* The gradients section (or --gradients): the user's parameters, analytic gradient and
 * optionally data and cost, read from a dump (config/gradients.h). */
typedef struct gcv_gradients_spec {
    char *file;                 /* resolved; NULL: no dump, the built-in network's gradient */
    gcv_weights_layout weights; /* default out_in: W_l is (n_l, n_{l-1}) */
    int weights_given;          /* the key was written: a transposed W is taken, not refused */
    int given;                  /* the section is in the file (its file may come from
                                 * --gradients instead) */
} gcv_gradients_spec;

typedef struct gcv_config {
    char *path;              /* the config file as given */
    char *name;              /* "name", default: the file's base name without .json */
    int expect_fail;         /* "expect": "fail" (default "pass"): the config carries a fault
                              * on purpose, so a mismatch is its expected outcome */

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
    struct gcv_inject *inject;
    size_t n_inject;
    gcv_params_spec params;
    size_t n_params;         /* P */
    double *theta;           /* P values, θ order: initialised, read from npy_dir or inline */

    /* data, after layout conversion, validation and the examples subset */
    gcv_data_spec data;
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
    /* model.type "process": is_plugin is set too (the workers own θ and the data, as a
     * plugin does); plugin_options holds model.options, plugin_library is NULL */
    int is_process;
    char **process_argv;     /* model.command, NULL-terminated */
    size_t process_argc;
    char *process_cwd;       /* model.cwd resolved against the config's folder (default) */
    double process_timeout;  /* model.timeout, seconds per evaluation; 0: none */

    /* gradients (NULL grad: none) */
    gcv_gradients_spec gradients;
    double *grad;            /* P values, θ order: the dump's analytic gradient */
    int has_cost;            /* the dump held the user's cost J at θ */
    double cost;
    char cost_name[16];      /* the name it had in the dump ("J", "cost") */
    int grad_float32;        /* the dump's gradient is float32: the user's code computed in
                              * float, and is checked as a float model is */

    /* report */
    size_t top;              /* default 10 */
    char *json_path;         /* resolved against the config's folder; NULL: none */
    gcv_params_mode params_mode; /* default mismatches */
    char *junit_path;        /* report.junit, resolved like report.json; NULL: none */
    char *html_path;         /* report.html, resolved like report.json; NULL: none */

    /* Lines worth telling the user about the data as loaded, one sentence each without a
     * trailing newline, e.g. that integer labels were converted to double before any
     * arithmetic. Owned by the config; n_notes may be 0 (notes then NULL). */
    char **notes;
    size_t n_notes;
} gcv_config;

/* A fault the parser kept (gcv_config_fault) into err; returns its status. */
static inline gcv_status gcv_config_fault_report(const gcv_config_fault *f, gcv_error *err)
{
    snprintf(err->msg, GCV_ERROR_LEN, "%s", f->msg);
    return f->st;
}

/* report.params: "none", "mismatches" or "all" (parse_report.c). */
const char *gcv_params_mode_name(gcv_params_mode m);
int gcv_params_mode_parse(const char *s, gcv_params_mode *out);

#endif

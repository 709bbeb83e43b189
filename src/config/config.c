/* The JSON config file (DESIGN.md, "Config file"). Loading has two phases: parse validates
 * every key with its JSON path and allocates nothing large; build runs the memory guard,
 * then creates θ and the data, checks them against the network and takes the
 * check.examples subset. Every failure is one "file: path: expected …, got …" line.
 *
 * Data sources: synthetic, inline, npy (one file each for X and Y), hdf5 and mat (one file,
 * x and y name a dataset or variable in it), csv (one table, rows are examples, the label
 * columns split off). Every file reader gets a max_count derived from the memory budget, so
 * a file larger than the check could use is refused before it is read whole. */
#include "config/config.h"

#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/csv.h"
#include "data/hdf5.h"
#include "config/json.h"
#include "data/mat.h"
#include "data/npy.h"
#include "util/rng.h"
#include "util/strutil.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define SIZE_LIMIT ((size_t)1 << 31) /* largest layer size and example count */
#define THREADS_MAX 4096
#define ELLIPSIS "\xE2\x80\xA6" /* "…" in UTF-8 */
#define SUBSET_SALT UINT64_C(0x5eed) /* check.examples seed = data seed XOR this */

enum { PARAMS_INIT, PARAMS_NPY, PARAMS_VALUES };
enum { DATA_SYNTHETIC, DATA_NPY, DATA_INLINE, DATA_CSV, DATA_HDF5, DATA_MAT }; /* SOURCES */
enum { LAYOUT_FEATURES, LAYOUT_EXAMPLES, LAYOUT_FIRST };      /* the order of FILE_LAYOUTS */
enum { LABELS_CLASS_ID, LABELS_ONE_HOT, LABELS_VALUES };      /* LABEL_MODES, then values */
enum { Y_MATRIX, Y_VECTOR, Y_IDS, Y_BAD };      /* how a label array maps to (n_L, m) */

static const char *const TOP_KEYS[] = {"name", "model", "data", "check", "report"};
static const char *const MODEL_KEYS[] = {"type", "layers", "hidden_activation", "leaky_slope",
                                         "output_activation", "loss", "l2", "dropout",
                                         "params", "inject"};
static const char *const PLUGIN_KEYS[] = {"type", "library", "options"};
static const char *const DROPOUT_KEYS[] = {"keep_prob", "seed"};
static const char *const PARAMS_KEYS[] = {"init", "seed", "scale", "npy_dir", "values"};
static const char *const INJECT_KEYS[] = {"block", "kind", "factor", "with", "row"};
static const char *const SYNTH_KEYS[] = {"source", "examples", "seed"};
static const char *const NPY_KEYS[] = {"source", "x", "y", "layout"};
static const char *const INLINE_KEYS[] = {"source", "x", "y"};
static const char *const FILE_KEYS[] = {"source", "file", "x", "y", "scale", "layout"};
static const char *const CSV_KEYS[] = {"source", "file", "delimiter", "header", "label_columns",
                                       "labels", "scale"};
static const char *const CHECK_KEYS[] = {"method", "epsilon", "threshold", "rtol", "atol",
                                         "examples", "sample", "threads", "taylor",
                                         "incremental", "directions", "drill_down"};
static const char *const SAMPLE_KEYS[] = {"per_block", "seed"};
static const char *const REPORT_KEYS[] = {"top", "json", "params", "junit", "html"};

static const char *const HIDDEN_NAMES[] = {"relu", "leaky_relu", "tanh", "sigmoid", "linear"};
static const char *const OUTPUT_NAMES[] = {"sigmoid", "softmax", "linear"};
static const char *const LOSS_NAMES[] = {"binary_cross_entropy", "softmax_cross_entropy", "mse"};
static const char *const INIT_NAMES[] = {"he", "xavier", "normal"}; /* gcv_init_kind order */
static const char *const INJECT_KINDS[] = {"scale",     "sign",    "zero",
                                           "drop_mean", "drop_l2", "wrong_derivative",
                                           "transpose"};
static const char *const SOURCES[] = {"synthetic", "npy", "inline", "csv", "hdf5", "mat"};
static const char *const LAYOUTS[] = {"features_by_examples", "examples_by_features"};
static const char *const FILE_LAYOUTS[] = {"features_by_examples", "examples_by_features",
                                           "examples_first"};
static const char *const LABEL_MODES[] = {"class_id", "one_hot"};
static const char *const METHODS[] = {"central",    "forward",    "backward",
                                      "five_point", "richardson", "complex_step",
                                      "directional"};
static const char *const PARAMS_MODES[] = {"none", "mismatches", "all"};

static const gcv_jnum ANY_FINITE = {-HUGE_VAL, HUGE_VAL, 0, 0, "a finite number"};
static const gcv_jnum NON_NEGATIVE = {0.0, HUGE_VAL, 0, 0, "a non-negative number"};
static const gcv_jnum POSITIVE = {0.0, HUGE_VAL, 1, 0, "a positive number"};

/* Everything the two phases share; the cJSON tree outlives both. */
typedef struct loader {
    gcv_jctx j;
    gcv_config *c;
    char *dir;                /* the config's folder: relative paths resolve against it */
    size_t max_memory;        /* as given; 0: what the machine has available */
    size_t budget;            /* the bytes the check may use */
    int params_kind;
    gcv_init_kind init;
    double scale;
    uint64_t init_seed;
    const cJSON *params_src;  /* npy_dir string or values object */
    int data_kind;
    size_t synth_m;
    uint64_t data_seed;       /* synthetic seed; 0 for files and inline data */
    int layout;               /* LAYOUT_*: where the examples are in X and Y */
    int by_examples;          /* layout examples_by_features or examples_first */
    const cJSON *x_src, *y_src; /* npy: file paths; hdf5, mat: names inside data.file */
    const cJSON *file_src;    /* data.file of the csv, hdf5 and mat sources */
    double x_scale;           /* data.scale, multiplies X only; 1 when absent */
    gcv_csv_options csv;      /* data.delimiter and data.header */
    const cJSON *label_src;   /* data.label_columns; NULL: the last column */
    int labels;               /* data.labels (LABELS_*); -1: chosen from the loss */
    size_t subset;            /* check.examples; 0: all */
    gcv_npy xr, yr;           /* X and Y as read, before the layout conversion */
} loader;

/* ---------------------------------------------------------------------------------------
 * Small helpers */

static size_t sat_mul(size_t a, size_t b)
{
    return (a && b > SIZE_MAX / a) ? SIZE_MAX : a * b;
}

static size_t sat_add(size_t a, size_t b)
{
    return b > SIZE_MAX - a ? SIZE_MAX : a + b;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
    return obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

static size_t count_items(const cJSON *a)
{
    size_t n = 0;
    for (const cJSON *e = a ? a->child : NULL; e; e = e->next)
        n++;
    return n;
}

static gcv_status nomem(const loader *ld)
{
    snprintf(ld->j.err->msg, GCV_ERROR_LEN, "%s: out of memory", ld->j.file);
    return GCV_ERR_NOMEM;
}

/* A required member; its absence is reported at the member's own path. */
static gcv_status required(const loader *ld, const char *objpath, const cJSON *obj,
                           const char *key, const char *what, const cJSON **out)
{
    *out = member(obj, key);
    if (*out)
        return GCV_OK;
    char p[GCV_JPATH_LEN];
    gcv_json_path_key(p, sizeof p, objpath, key);
    return gcv_json_fail(&ld->j, p, "expected %s, got nothing", what);
}

/* An error of another reader (npy), placed under the config file and JSON path. */
static gcv_status wrap(const loader *ld, const char *path, const gcv_error *inner,
                       gcv_status st)
{
    gcv_json_fail(&ld->j, path, "%s", inner->msg);
    return st;
}

static void shape_str(const gcv_npy *a, char *out, size_t n)
{
    gcv_format_shape(a->shape, a->ndim, out, n);
}

/* Coordinates of element i in a's own layout: "(row, column)", or "[i]" when 1-D. */
static void coord_str(const gcv_npy *a, size_t i, char *out, size_t n)
{
    if (a->ndim == 2 && a->shape[1])
        snprintf(out, n, "(%zu, %zu)", i / a->shape[1], i % a->shape[1]);
    else
        snprintf(out, n, "[%zu]", i);
}

/* "nan at (3, 1)" for the first NaN or ±Inf of a; 0 when every value is finite. */
static int first_nonfinite(const gcv_npy *a, char *out, size_t n)
{
    for (size_t i = 0; i < a->count; i++) {
        if (isfinite(a->data[i]))
            continue;
        char v[32], at[48];
        gcv_json_format_number(a->data[i], v, sizeof v);
        coord_str(a, i, at, sizeof at);
        snprintf(out, n, "%s at %s", v, at);
        return 1;
    }
    return 0;
}

/* "W2" → layer 2, not a bias; the layer must exist. No leading zeros, no sign. */
static int parse_block(const char *s, size_t n_layers, int *is_b, size_t *layer)
{
    if ((s[0] != 'W' && s[0] != 'b') || s[1] < '1' || s[1] > '9')
        return 0;
    size_t l = 0;
    for (const char *p = s + 1; *p; p++) {
        if (*p < '0' || *p > '9' || l > n_layers)
            return 0;
        l = l * 10 + (size_t)(*p - '0');
    }
    *is_b = s[0] == 'b';
    *layer = l;
    return l >= 1 && l <= n_layers;
}

/* "W1…W3 and b1…b3" (or "W1 and b1") for messages. */
static void block_range(size_t n_layers, char *out, size_t n)
{
    if (n_layers == 1)
        snprintf(out, n, "W1 and b1");
    else
        snprintf(out, n, "W1" ELLIPSIS "W%zu and b1" ELLIPSIS "b%zu", n_layers, n_layers);
}

/* ---------------------------------------------------------------------------------------
 * Parse: model */

static gcv_status parse_layers(loader *ld, const cJSON *a)
{
    gcv_config *c = ld->c;
    const char *what = "an array of at least 2 positive integers (input, …, output sizes)";
    if (!a)
        return gcv_json_fail(&ld->j, "model.layers", "expected %s, got nothing", what);
    size_t n = count_items(a);
    if (!cJSON_IsArray(a) || n < 2)
        return gcv_json_expected(&ld->j, "model.layers", what, a);
    c->sizes = malloc(n * sizeof *c->sizes);
    if (!c->sizes)
        return nomem(ld);
    c->n_layers = n - 1;
    size_t i = 0;
    for (const cJSON *e = a->child; e; e = e->next, i++) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, "model.layers", i);
        gcv_status st = gcv_json_size(&ld->j, p, e, 1, SIZE_LIMIT, &c->sizes[i]);
        if (st)
            return st;
    }
    return GCV_OK;
}

static gcv_status act_id(const loader *ld, const char *path, const char *name, gcv_act_id *out)
{
    if (gcv_act_parse(name, out) == 0)
        return GCV_OK;
    return gcv_json_fail(&ld->j, path, "expected an activation the MLP implements, got \"%s\"",
                         name);
}

static gcv_status hidden_name(loader *ld, const char *path, const cJSON *item, gcv_act_id *out)
{
    size_t k;
    gcv_status st = gcv_json_choice(&ld->j, path, item, HIDDEN_NAMES, N_OF(HIDDEN_NAMES), &k);
    return st ? st : act_id(ld, path, HIDDEN_NAMES[k], out);
}

/* One name for every hidden layer, or an array of L−1 names. */
static gcv_status parse_hidden(loader *ld, const cJSON *h)
{
    gcv_config *c = ld->c;
    size_t nh = c->n_layers - 1;
    const char *path = "model.hidden_activation";
    c->hidden = malloc((nh ? nh : 1) * sizeof *c->hidden);
    if (!c->hidden)
        return nomem(ld);
    for (size_t i = 0; i < nh; i++)
        c->hidden[i] = GCV_ACT_RELU;
    if (!h)
        return GCV_OK;
    if (!cJSON_IsArray(h)) {
        gcv_act_id id;
        gcv_status st = hidden_name(ld, path, h, &id);
        for (size_t i = 0; i < nh && !st; i++)
            c->hidden[i] = id;
        return st;
    }
    if (count_items(h) != nh) {
        char shown[GCV_JSON_SHOW_MAX + 64];
        gcv_json_describe(h, shown, sizeof shown);
        return gcv_json_fail(&ld->j, path, "expected a name or an array of %zu names (one per "
                             "hidden layer), got %s", nh, shown);
    }
    size_t i = 0;
    for (const cJSON *e = h->child; e; e = e->next, i++) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, path, i);
        gcv_status st = hidden_name(ld, p, e, &c->hidden[i]);
        if (st)
            return st;
    }
    return GCV_OK;
}

static gcv_status parse_dropout(loader *ld, const cJSON *d)
{
    static const gcv_jnum keep = {0.0, 1.0, 1, 0, "a number in (0, 1]"};
    if (!d)
        return GCV_OK;
    gcv_status st = gcv_json_check_keys(&ld->j, "model.dropout", d, DROPOUT_KEYS,
                                        N_OF(DROPOUT_KEYS));
    if (!st)
        st = gcv_json_get_number(&ld->j, "model.dropout", d, "keep_prob", &keep,
                                 &ld->c->keep_prob);
    if (!st)
        st = gcv_json_get_u64(&ld->j, "model.dropout", d, "seed", 0, GCV_JSON_INT_MAX,
                              &ld->c->dropout_seed);
    return st;
}

static gcv_status parse_output_loss(loader *ld, const cJSON *m)
{
    gcv_config *c = ld->c;
    size_t out = 0, loss = 0;
    gcv_status st = gcv_json_get_choice(&ld->j, "model", m, "output_activation", OUTPUT_NAMES,
                                        N_OF(OUTPUT_NAMES), &out);
    if (!st)
        st = act_id(ld, "model.output_activation", OUTPUT_NAMES[out], &c->output);
    if (!st)
        st = gcv_json_get_choice(&ld->j, "model", m, "loss", LOSS_NAMES, N_OF(LOSS_NAMES),
                                 &loss);
    if (!st && gcv_loss_parse(LOSS_NAMES[loss], &c->loss) != 0)
        st = gcv_json_fail(&ld->j, "model.loss", "expected a loss the MLP implements, got "
                           "\"%s\"", LOSS_NAMES[loss]);
    if (st)
        return st;
    /* Softmax needs two outputs to normalise over, and its cross-entropy needs softmax. */
    size_t n_out = c->sizes[c->n_layers];
    if (c->loss == GCV_LOSS_SOFTMAX_CE && c->output != GCV_ACT_SOFTMAX)
        return gcv_json_fail(&ld->j, "model.output_activation", "expected \"softmax\" with the "
                             "loss softmax_cross_entropy, got \"%s\"", OUTPUT_NAMES[out]);
    if (c->output == GCV_ACT_SOFTMAX && n_out < 2) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, "model.layers", c->n_layers);
        return gcv_json_fail(&ld->j, p, "expected at least 2 outputs for a softmax output, "
                             "got %zu", n_out);
    }
    return GCV_OK;
}

/* {"init": …, "seed": …, "scale": …}: the defaults fill what is left out. */
static gcv_status parse_init(loader *ld, const cJSON *p)
{
    size_t k = 0;
    gcv_status st = gcv_json_get_choice(&ld->j, "model.params", p, "init", INIT_NAMES,
                                        N_OF(INIT_NAMES), &k);
    if (st)
        return st;
    ld->init = (gcv_init_kind)k;
    st = gcv_json_get_u64(&ld->j, "model.params", p, "seed", 0, GCV_JSON_INT_MAX,
                          &ld->init_seed);
    const cJSON *scale = member(p, "scale");
    if (st || !scale)
        return st;
    if (ld->init != GCV_INIT_NORMAL) {
        char shown[GCV_JSON_SHOW_MAX + 64];
        gcv_json_describe(scale, shown, sizeof shown);
        return gcv_json_fail(&ld->j, "model.params.scale", "expected no scale with init \"%s\" "
                             "(only \"normal\" takes one), got %s", INIT_NAMES[k], shown);
    }
    return gcv_json_number(&ld->j, "model.params.scale", scale, &POSITIVE, &ld->scale);
}

static gcv_status parse_params(loader *ld, const cJSON *p)
{
    ld->params_kind = PARAMS_INIT;
    ld->init = GCV_INIT_HE;
    ld->init_seed = 1;
    ld->scale = 0.01;
    if (!p)
        return GCV_OK;
    gcv_status st = gcv_json_check_keys(&ld->j, "model.params", p, PARAMS_KEYS,
                                        N_OF(PARAMS_KEYS));
    if (st)
        return st;
    const cJSON *dir = member(p, "npy_dir"), *vals = member(p, "values");
    int init = member(p, "init") || member(p, "seed") || member(p, "scale");
    if ((dir != NULL) + (vals != NULL) + init > 1)
        return gcv_json_expected(&ld->j, "model.params", "exactly one of {\"init\": …}, "
                                 "{\"npy_dir\": …} or {\"values\": …}", p);
    if (dir) {
        const char *s;
        ld->params_kind = PARAMS_NPY;
        ld->params_src = dir;
        return gcv_json_string(&ld->j, "model.params.npy_dir", dir, &s);
    }
    if (vals) {
        ld->params_kind = PARAMS_VALUES;
        ld->params_src = vals;
        if (!cJSON_IsObject(vals))
            return gcv_json_expected(&ld->j, "model.params.values",
                                     "an object of blocks {\"W1\": [[…]], \"b1\": [[…]], …}", vals);
        return GCV_OK;
    }
    return parse_init(ld, p);
}

/* A "factor" or "with" given to a kind that takes none. */
static gcv_status refuse_arg(const loader *ld, const char *path, const cJSON *e,
                             const char *key, const char *kind)
{
    const cJSON *v = member(e, key);
    if (!v)
        return GCV_OK;
    char p[GCV_JPATH_LEN], shown[GCV_JSON_SHOW_MAX + 64];
    gcv_json_path_key(p, sizeof p, path, key);
    gcv_json_describe(v, shown, sizeof shown);
    return gcv_json_fail(&ld->j, p, "expected no \"%s\" for kind \"%s\", got %s", key, kind,
                         shown);
}

/* wrong_derivative replaces a hidden activation's derivative: the block's layer must have one. */
static gcv_status hidden_block(const loader *ld, const char *path, const gcv_inject *in,
                               size_t layer)
{
    size_t L = ld->c->n_layers;
    char bp[GCV_JPATH_LEN];
    if (layer < L)
        return GCV_OK;
    gcv_json_path_key(bp, sizeof bp, path, "block");
    if (L == 1)
        return gcv_json_fail(&ld->j, bp, "expected a block of a hidden layer for "
                             "wrong_derivative, got \"%s\" (the network has no hidden layer)",
                             in->block);
    return gcv_json_fail(&ld->j, bp, "expected a block of a hidden layer (layers 1 to %zu) for "
                         "wrong_derivative, got \"%s\"", L - 1, in->block);
}

/* "factor" belongs to scale (required there) and "with" to wrong_derivative. */
static gcv_status parse_inject_args(loader *ld, const char *path, const cJSON *e,
                                    gcv_inject *out, size_t layer)
{
    const char *kind = INJECT_KINDS[out->kind];
    int scale = out->kind == GCV_INJECT_SCALE, wrong = out->kind == GCV_INJECT_WRONG_DERIVATIVE;
    gcv_status st = scale ? GCV_OK : refuse_arg(ld, path, e, "factor", kind);
    if (!st && !scale)
        st = refuse_arg(ld, path, e, "row", kind);
    if (!st && scale && member(e, "row")) {
        /* "row": only that row of the block is scaled (a bug confined to one unit). */
        char rp[GCV_JPATH_LEN];
        size_t row = 0;
        gcv_json_path_key(rp, sizeof rp, path, "row");
        st = gcv_json_size(&ld->j, rp, member(e, "row"), 0,
                           ld->c->sizes[layer] ? ld->c->sizes[layer] - 1 : 0, &row);
        out->only_row = row + 1;
    }
    if (!st && !wrong)
        st = refuse_arg(ld, path, e, "with", kind);
    if (st || (!scale && !wrong))
        return st;
    const char *arg = scale ? "factor" : "with";
    const cJSON *v;
    char p[GCV_JPATH_LEN];
    gcv_json_path_key(p, sizeof p, path, arg);
    st = required(ld, path, e, arg, scale ? "a finite number (the factor for kind \"scale\")"
                  : "an activation name (for kind \"wrong_derivative\")", &v);
    if (!st && scale)
        return gcv_json_number(&ld->j, p, v, &ANY_FINITE, &out->factor);
    if (!st)
        st = hidden_block(ld, path, out, layer);
    return st ? st : hidden_name(ld, p, v, &out->with);
}

static gcv_status parse_inject_one(loader *ld, const char *path, const cJSON *e, gcv_inject *out)
{
    const cJSON *b = NULL, *k = NULL;
    char bp[GCV_JPATH_LEN], range[64];
    size_t kind, layer;
    int is_b;
    block_range(ld->c->n_layers, range, sizeof range);
    gcv_status st = gcv_json_check_keys(&ld->j, path, e, INJECT_KEYS, N_OF(INJECT_KEYS));
    if (!st)
        st = required(ld, path, e, "block", "a block name such as \"W1\"", &b);
    if (st)
        return st;
    gcv_json_path_key(bp, sizeof bp, path, "block");
    if (!cJSON_IsString(b) || !b->valuestring ||
        !parse_block(b->valuestring, ld->c->n_layers, &is_b, &layer)) {
        char what[96];
        snprintf(what, sizeof what, "a block of the network (%s)", range);
        return gcv_json_expected(&ld->j, bp, what, b);
    }
    snprintf(out->block, sizeof out->block, "%.*s", GCV_NAME_LEN - 1, b->valuestring);
    st = required(ld, path, e, "kind", "one of scale, sign, zero, drop_mean, drop_l2, "
                  "wrong_derivative, transpose", &k);
    if (st)
        return st;
    char kp[GCV_JPATH_LEN];
    gcv_json_path_key(kp, sizeof kp, path, "kind");
    st = gcv_json_choice(&ld->j, kp, k, INJECT_KINDS, N_OF(INJECT_KINDS), &kind);
    if (st)
        return st;
    out->kind = (gcv_inject_kind)kind;
    return parse_inject_args(ld, path, e, out, layer);
}

static gcv_status parse_inject(loader *ld, const cJSON *a)
{
    gcv_config *c = ld->c;
    if (!a)
        return GCV_OK;
    if (!cJSON_IsArray(a))
        return gcv_json_expected(&ld->j, "model.inject",
                                 "an array of {\"block\": …, \"kind\": …} objects", a);
    size_t n = count_items(a);
    c->inject = calloc(n ? n : 1, sizeof *c->inject);
    if (!c->inject)
        return nomem(ld);
    c->n_inject = n;
    size_t i = 0;
    for (const cJSON *e = a->child; e; e = e->next, i++) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, "model.inject", i);
        gcv_status st = parse_inject_one(ld, p, e, &c->inject[i]);
        if (st)
            return st;
    }
    return GCV_OK;
}

/* model.type "plugin": the library (resolved against the config's folder) and its options,
 * handed to the plugin as JSON text. The plugin owns its data, so there is no data section. */
static gcv_status parse_plugin(loader *ld, const cJSON *m)
{
    const gcv_jctx *j = &ld->j;
    const cJSON *libj = NULL;
    gcv_status st = gcv_json_check_keys(j, "model", m, PLUGIN_KEYS, N_OF(PLUGIN_KEYS));
    if (!st)
        st = required(ld, "model", m, "library", "the path of the plugin's shared object",
                      &libj);
    if (st)
        return st;
    if (!cJSON_IsString(libj) || !libj->valuestring[0])
        return gcv_json_expected(j, "model.library", "a non-empty path", libj);
    const char *lib = libj->valuestring;
    const cJSON *opts = member(m, "options");
    if (opts && !cJSON_IsObject(opts))
        return gcv_json_expected(j, "model.options", "an object (handed to the plugin as JSON)",
                                 opts);
    gcv_config *c = ld->c;
    c->is_plugin = 1;
    /* A path resolves against the config's folder; a bare name is searched for by the
     * loader (GCV_PLUGIN_PATH, next to gcverify, the installed folder). */
    c->plugin_library = strchr(lib, '/') ? gcv_path_join(ld->dir, lib) : gcv_strdup(lib);
    c->plugin_options = opts ? cJSON_PrintUnformatted(opts) : gcv_strdup("{}");
    c->plugin_dir = gcv_strdup(ld->dir);
    if (!c->plugin_library || !c->plugin_options || !c->plugin_dir)
        return nomem(ld);
    snprintf(c->data_source, sizeof c->data_source, "plugin");
    return GCV_OK;
}

static gcv_status parse_model(loader *ld, const cJSON *m)
{
    const gcv_jctx *j = &ld->j;
    if (!m)
        return gcv_json_fail(j, "model", "expected an object describing the network, got "
                             "nothing");
    const cJSON *type = member(m, "type");
    if (type && cJSON_IsString(type) && strcmp(type->valuestring, "plugin") == 0)
        return parse_plugin(ld, m);
    if (type && !(cJSON_IsString(type) && strcmp(type->valuestring, "mlp") == 0))
        return gcv_json_expected(j, "model.type", "\"mlp\" or \"plugin\"", type);
    gcv_status st = gcv_json_check_keys(j, "model", m, MODEL_KEYS, N_OF(MODEL_KEYS));
    if (st)
        return st;
    if ((st = parse_layers(ld, member(m, "layers"))) ||
        (st = parse_hidden(ld, member(m, "hidden_activation"))) ||
        (st = gcv_json_get_number(j, "model", m, "leaky_slope", &ANY_FINITE,
                                  &ld->c->leaky_slope)) ||
        (st = parse_output_loss(ld, m)) ||
        (st = gcv_json_get_number(j, "model", m, "l2", &NON_NEGATIVE, &ld->c->l2)) ||
        (st = parse_dropout(ld, member(m, "dropout"))) ||
        (st = parse_params(ld, member(m, "params"))))
        return st;
    return parse_inject(ld, member(m, "inject"));
}

/* ---------------------------------------------------------------------------------------
 * Parse: data, check, report */

static gcv_status parse_source(loader *ld, const cJSON *d, size_t *kind)
{
    const cJSON *src = member(d, "source");
    *kind = DATA_SYNTHETIC;
    if (!src && (member(d, "x") || member(d, "y") || member(d, "file")))
        return gcv_json_fail(&ld->j, "data.source", "expected one of npy, inline, csv, hdf5, "
                             "mat alongside x, y or file, got nothing");
    if (!src)
        return GCV_OK;
    return gcv_json_choice(&ld->j, "data.source", src, SOURCES, N_OF(SOURCES), kind);
}

/* A required non-empty string member of data; *out points into the tree. */
static gcv_status data_string(loader *ld, const cJSON *d, const char *key, const char *what,
                              const cJSON **out)
{
    const char *s;
    char p[GCV_JPATH_LEN];
    gcv_json_path_key(p, sizeof p, "data", key);
    gcv_status st = required(ld, "data", d, key, what, out);
    return st ? st : gcv_json_string(&ld->j, p, *out, &s);
}

/* data.layout among the first n of FILE_LAYOUTS, def when absent. */
static gcv_status parse_layout(loader *ld, const cJSON *d, size_t n, size_t def)
{
    size_t layout = def;
    gcv_status st = gcv_json_get_choice(&ld->j, "data", d, "layout", FILE_LAYOUTS, n, &layout);
    ld->layout = (int)layout;
    ld->by_examples = layout != LAYOUT_FEATURES;
    return st;
}

static gcv_status parse_data_files(loader *ld, const cJSON *d)
{
    gcv_status st = data_string(ld, d, "x", "the path of an .npy file", &ld->x_src);
    if (!st)
        st = data_string(ld, d, "y", "the path of an .npy file", &ld->y_src);
    return st ? st : parse_layout(ld, d, N_OF(LAYOUTS), LAYOUT_FEATURES);
}

/* hdf5 and mat: {"file": …, "x": name, "y": name, "layout": …, "scale": …}. HDF5 images come
 * as (m, 64, 64, 3), hence examples_first; a MATLAB matrix has one example per row. */
static gcv_status parse_data_named(loader *ld, const cJSON *d, size_t kind)
{
    int h5 = kind == DATA_HDF5;
    const char *what = h5 ? "a dataset name" : "a variable name";
    gcv_status st = data_string(ld, d, "file", h5 ? "the path of an HDF5 file" :
                                "the path of a MATLAB .mat file", &ld->file_src);
    if (!st)
        st = data_string(ld, d, "x", what, &ld->x_src);
    if (!st)
        st = data_string(ld, d, "y", what, &ld->y_src);
    if (!st)
        st = parse_layout(ld, d, N_OF(FILE_LAYOUTS), h5 ? LAYOUT_FIRST : LAYOUT_EXAMPLES);
    return st ? st : gcv_json_get_number(&ld->j, "data", d, "scale", &POSITIVE, &ld->x_scale);
}

static gcv_status parse_csv_format(loader *ld, const cJSON *d)
{
    const cJSON *dl = member(d, "delimiter"), *h = member(d, "header");
    ld->csv.delimiter = ',';
    ld->csv.header = -1;
    if (dl && !(cJSON_IsString(dl) && dl->valuestring[0] && !dl->valuestring[1] &&
                strchr(",;\t", dl->valuestring[0])))
        return gcv_json_expected(&ld->j, "data.delimiter", "\",\", \";\" or \"\\t\"", dl);
    if (dl)
        ld->csv.delimiter = dl->valuestring[0];
    if (cJSON_IsBool(h))
        ld->csv.header = cJSON_IsTrue(h);
    else if (h && !(cJSON_IsString(h) && strcmp(h->valuestring, "auto") == 0))
        return gcv_json_expected(&ld->j, "data.header", "true, false or \"auto\"", h);
    return GCV_OK;
}

/* data.label_columns: indices from 0 or header names, resolved once the file is read. */
static gcv_status parse_label_columns(loader *ld, const cJSON *a)
{
    const char *path = "data.label_columns";
    if (!a)
        return GCV_OK;
    if (!cJSON_IsArray(a) || !a->child)
        return gcv_json_expected(&ld->j, path, "a non-empty array of column indices (from 0) "
                                 "or header names", a);
    size_t i = 0, k;
    for (const cJSON *e = a->child; e; e = e->next, i++) {
        char p[GCV_JPATH_LEN];
        const char *s;
        gcv_json_path_index(p, sizeof p, path, i);
        gcv_status st = cJSON_IsString(e) ? gcv_json_string(&ld->j, p, e, &s)
                                          : gcv_json_size(&ld->j, p, e, 0, SIZE_LIMIT, &k);
        if (st)
            return st;
    }
    ld->label_src = a;
    return GCV_OK;
}

/* csv: {"file": …, "delimiter": …, "header": …, "label_columns": […], "labels": …}. */
static gcv_status parse_data_csv(loader *ld, const cJSON *d)
{
    size_t mode = 0;
    ld->layout = LAYOUT_EXAMPLES;
    ld->by_examples = 1;
    gcv_status st = data_string(ld, d, "file", "the path of a CSV file", &ld->file_src);
    if (!st)
        st = parse_csv_format(ld, d);
    if (!st)
        st = parse_label_columns(ld, member(d, "label_columns"));
    if (!st)
        st = gcv_json_get_choice(&ld->j, "data", d, "labels", LABEL_MODES, N_OF(LABEL_MODES),
                                 &mode);
    ld->labels = member(d, "labels") ? (int)mode : -1;
    return st ? st : gcv_json_get_number(&ld->j, "data", d, "scale", &POSITIVE, &ld->x_scale);
}

static gcv_status parse_data(loader *ld, const cJSON *d)
{
    static const char *const *const keys[] = {SYNTH_KEYS, NPY_KEYS, INLINE_KEYS, CSV_KEYS,
                                              FILE_KEYS, FILE_KEYS};
    static const size_t n_keys[] = {N_OF(SYNTH_KEYS), N_OF(NPY_KEYS), N_OF(INLINE_KEYS),
                                    N_OF(CSV_KEYS), N_OF(FILE_KEYS), N_OF(FILE_KEYS)};
    ld->data_kind = DATA_SYNTHETIC;
    ld->synth_m = 64;
    ld->data_seed = 7;
    if (!d)
        return GCV_OK;
    if (!cJSON_IsObject(d))
        return gcv_json_expected(&ld->j, "data", "an object", d);
    size_t kind;
    gcv_status st = parse_source(ld, d, &kind);
    if (!st)
        st = gcv_json_check_keys(&ld->j, "data", d, keys[kind], n_keys[kind]);
    if (st)
        return st;
    ld->data_kind = (int)kind;
    snprintf(ld->c->data_source, sizeof ld->c->data_source, "%s", SOURCES[kind]);
    if (kind == DATA_SYNTHETIC) {
        st = gcv_json_get_size(&ld->j, "data", d, "examples", 1, SIZE_LIMIT, &ld->synth_m);
        return st ? st : gcv_json_get_u64(&ld->j, "data", d, "seed", 0, GCV_JSON_INT_MAX,
                                          &ld->data_seed);
    }
    ld->data_seed = 0;
    if (kind == DATA_NPY)
        return parse_data_files(ld, d);
    if (kind == DATA_CSV)
        return parse_data_csv(ld, d);
    if (kind == DATA_HDF5 || kind == DATA_MAT)
        return parse_data_named(ld, d, kind);
    st = required(ld, "data", d, "x", "an array of rows (one per input feature)", &ld->x_src);
    return st ? st : required(ld, "data", d, "y", "an array of labels", &ld->y_src);
}

/* check.sample: {"per_block": k, "seed": s}: k parameters per block, the largest |g| in. */
static gcv_status parse_sample(loader *ld, const cJSON *sample)
{
    gcv_options *o = &ld->c->opts;
    if (!cJSON_IsObject(sample))
        return gcv_json_expected(&ld->j, "check.sample",
                                 "\"all\" or {\"per_block\": k, \"seed\": s}", sample);
    gcv_status st = gcv_json_check_keys(&ld->j, "check.sample", sample, SAMPLE_KEYS,
                                        N_OF(SAMPLE_KEYS));
    if (!st && !member(sample, "per_block"))
        return gcv_json_fail(&ld->j, "check.sample.per_block",
                             "expected a positive integer, got nothing");
    if (!st)
        st = gcv_json_get_size(&ld->j, "check.sample", sample, "per_block", 1, SIZE_LIMIT,
                               &o->sample_per_block);
    if (!st)
        st = gcv_json_get_u64(&ld->j, "check.sample", sample, "seed", 0, UINT64_C(1) << 53,
                              &o->sample_seed);
    return st;
}

/* check.directions (directional method) and check.drill_down. */
static gcv_status parse_directional(loader *ld, const cJSON *ck)
{
    gcv_options *o = &ld->c->opts;
    size_t nd = o->directions;
    gcv_status st = gcv_json_get_size(&ld->j, "check", ck, "directions", 1, 1000, &nd);
    o->directions = (unsigned)nd;
    const cJSON *dd = member(ck, "drill_down");
    if (!st && dd) {
        if (!cJSON_IsBool(dd))
            return gcv_json_expected(&ld->j, "check.drill_down", "true or false", dd);
        o->drill_down = cJSON_IsTrue(dd);
    }
    return st;
}

static gcv_status parse_check_special(loader *ld, const cJSON *ck)
{
    static const gcv_jnum eps = {0.0, 1.0, 1, 1, "a number in (0, 1)"};
    const cJSON *e = member(ck, "epsilon"), *ex = member(ck, "examples");
    const cJSON *sample = member(ck, "sample");
    const cJSON *taylor = member(ck, "taylor");
    gcv_status st = GCV_OK;
    if (taylor) {
        if (!cJSON_IsBool(taylor))
            return gcv_json_expected(&ld->j, "check.taylor", "true or false", taylor);
        ld->c->opts.taylor = cJSON_IsTrue(taylor);
    }
    const cJSON *inc = member(ck, "incremental");
    if (inc) {
        if (!cJSON_IsBool(inc))
            return gcv_json_expected(&ld->j, "check.incremental", "true or false", inc);
        ld->c->opts.full_passes = cJSON_IsFalse(inc);
    }
    if (cJSON_IsString(e) && strcmp(e->valuestring, "auto") == 0)
        ld->c->opts.epsilon_auto = 1;
    else if (e && cJSON_IsString(e))
        return gcv_json_expected(&ld->j, "check.epsilon", "a number in (0, 1) or \"auto\"", e);
    else if (e)
        st = gcv_json_number(&ld->j, "check.epsilon", e, &eps, &ld->c->opts.epsilon);
    if (st)
        return st;
    if (ex && !(cJSON_IsString(ex) && strcmp(ex->valuestring, "all") == 0)) {
        if (!cJSON_IsNumber(ex))
            return gcv_json_expected(&ld->j, "check.examples", "\"all\" or a positive integer",
                                     ex);
        st = gcv_json_size(&ld->j, "check.examples", ex, 1, SIZE_LIMIT, &ld->subset);
    }
    if (!st && sample && !(cJSON_IsString(sample) && strcmp(sample->valuestring, "all") == 0))
        st = parse_sample(ld, sample);
    return st;
}

static gcv_status parse_check(loader *ld, const cJSON *ck)
{
    gcv_options *o = &ld->c->opts;
    const gcv_jctx *j = &ld->j;
    size_t method = 0, threads = 0;
    if (!ck)
        return GCV_OK;
    gcv_status st = gcv_json_check_keys(j, "check", ck, CHECK_KEYS, N_OF(CHECK_KEYS));
    if (st)
        return st;
    if (member(ck, "method")) {
        st = gcv_json_get_choice(j, "check", ck, "method", METHODS, N_OF(METHODS), &method);
        if (!st && gcv_method_parse(METHODS[method], &o->method) != 0)
            st = gcv_json_fail(j, "check.method", "expected a method the engine implements, got "
                               "\"%s\"", METHODS[method]);
    }
    ld->c->given = (member(ck, "epsilon") ? GCV_GIVEN_EPSILON : 0u) |
                   (member(ck, "threshold") ? GCV_GIVEN_THRESHOLD : 0u) |
                   (member(ck, "rtol") ? GCV_GIVEN_RTOL : 0u) |
                   (member(ck, "atol") ? GCV_GIVEN_ATOL : 0u);
    if (st || (st = parse_check_special(ld, ck)) || (st = parse_directional(ld, ck)) ||
        (st = gcv_json_get_number(j, "check", ck, "threshold", &POSITIVE, &o->threshold)) ||
        (st = gcv_json_get_number(j, "check", ck, "rtol", &NON_NEGATIVE, &o->rtol)) ||
        (st = gcv_json_get_number(j, "check", ck, "atol", &NON_NEGATIVE, &o->atol)))
        return st;
    threads = (size_t)o->threads;
    st = gcv_json_get_size(j, "check", ck, "threads", 0, THREADS_MAX, &threads);
    o->threads = (int)threads;
    return st;
}

static gcv_status parse_report(loader *ld, const cJSON *r)
{
    gcv_config *c = ld->c;
    const char *json = NULL, *junit = NULL, *html = NULL;
    size_t mode = (size_t)c->params_mode;
    if (!r)
        return GCV_OK;
    gcv_status st = gcv_json_check_keys(&ld->j, "report", r, REPORT_KEYS, N_OF(REPORT_KEYS));
    if (!st)
        st = gcv_json_get_size(&ld->j, "report", r, "top", 0, SIZE_LIMIT, &c->top);
    if (!st)
        st = gcv_json_get_string(&ld->j, "report", r, "json", &json);
    if (!st)
        st = gcv_json_get_string(&ld->j, "report", r, "junit", &junit);
    if (!st)
        st = gcv_json_get_string(&ld->j, "report", r, "html", &html);
    if (!st)
        st = gcv_json_get_choice(&ld->j, "report", r, "params", PARAMS_MODES,
                                 N_OF(PARAMS_MODES), &mode);
    if (st)
        return st;
    c->params_mode = (gcv_params_mode)mode;
    if (json && !(c->json_path = gcv_path_join(ld->dir, json)))
        return nomem(ld);
    if (junit && !(c->junit_path = gcv_path_join(ld->dir, junit)))
        return nomem(ld);
    if (html && !(c->html_path = gcv_path_join(ld->dir, html)))
        return nomem(ld);
    return GCV_OK;
}

static gcv_status parse_root(loader *ld, const cJSON *root)
{
    if (!cJSON_IsObject(root))
        return gcv_json_expected(&ld->j, "", "a JSON object at the top level", root);
    const char *name = NULL;
    gcv_status st = gcv_json_check_keys(&ld->j, "", root, TOP_KEYS, N_OF(TOP_KEYS));
    if (!st)
        st = gcv_json_get_string(&ld->j, "", root, "name", &name);
    if (st)
        return st;
    if (name) {
        free(ld->c->name);
        if (!(ld->c->name = gcv_strdup(name)))
            return nomem(ld);
    }
    if ((st = parse_model(ld, member(root, "model"))))
        return st;
    if (ld->c->is_plugin && member(root, "data"))
        return gcv_json_expected(&ld->j, "data", "no data section for a plugin model (the "
                                 "plugin reads its own data: pass file names in model.options)",
                                 member(root, "data"));
    if ((!ld->c->is_plugin && (st = parse_data(ld, member(root, "data")))) ||
        (st = parse_check(ld, member(root, "check"))))
        return st;
    if (ld->c->is_plugin && ld->subset)
        return gcv_json_fail(&ld->j, "check.examples", "expected no example subset for a plugin "
                             "model (the plugin chooses its examples), got %zu", ld->subset);
    return parse_report(ld, member(root, "report"));
}

/* ---------------------------------------------------------------------------------------
 * Memory guard */

/* MemAvailable counts the page cache the kernel will give back; the free page count of
 * sysconf(_SC_AVPHYS_PAGES) does not, and on a busy machine it is a small fraction of what
 * a check can really use. Falls back to sysconf where /proc is missing. */
static size_t meminfo_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    unsigned long long kb = 0;
    int found = 0;
    char line[160];
    while (f && !found && fgets(line, sizeof line, f))
        found = sscanf(line, "MemAvailable: %llu kB", &kb) == 1;
    if (f)
        fclose(f);
    if (!found)
        return 0;
    return kb > SIZE_MAX / 1024 ? SIZE_MAX : (size_t)kb * 1024;
}

/* A container's own limit (cgroup v2) when it is below what the machine has. */
static size_t cgroup_limit(void)
{
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
    unsigned long long b = 0;
    int ok = f && fscanf(f, "%llu", &b) == 1; /* "max" reads as no limit */
    if (f)
        fclose(f);
    return ok ? (b > SIZE_MAX ? SIZE_MAX : (size_t)b) : 0;
}

static size_t available_memory(void)
{
    size_t avail = meminfo_available();
#ifdef _SC_AVPHYS_PAGES
    if (!avail) {
        long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        if (pages > 0 && page > 0)
            avail = sat_mul((size_t)pages, (size_t)page);
    }
#endif
    size_t limit = cgroup_limit();
    if (limit && (!avail || limit < avail))
        avail = limit;
    return avail ? avail : SIZE_MAX; /* unknown: do not refuse on a guess */
}

static size_t thread_count(const loader *ld)
{
    int t = ld->c->opts.threads > 0 ? ld->c->opts.threads : omp_get_max_threads();
    return t > 0 ? (size_t)t : 1;
}

static size_t sum_sizes(const gcv_config *c)
{
    size_t s = 0;
    for (size_t l = 0; l <= c->n_layers; l++)
        s = sat_add(s, c->sizes[l]);
    return s;
}

/* Bytes a check of P parameters on m examples needs, SIZE_MAX on overflow: θ, the engine's
 * per-parameter results (about 10 doubles a parameter) and the data, shared; then per
 * thread a θ copy and forward/backward buffers (about 4 doubles a unit and example). */
static size_t estimate(const loader *ld, size_t P, size_t m)
{
    const gcv_config *c = ld->c;
    size_t io = sat_add(c->sizes[0], c->sizes[c->n_layers]);
    size_t shared = sat_mul(8, sat_add(sat_mul(P, 10), sat_mul(io, m)));
    size_t per_thread = sat_add(sat_mul(8, P), sat_mul(32, sat_mul(m, sum_sizes(c))));
    return sat_add(shared, sat_mul(thread_count(ld), per_thread));
}

/* The same in floating point, split in the part that grows with P and the part that grows
 * with m, so that the message can name the culprit and show sizes beyond SIZE_MAX. */
static void estimate_parts(const loader *ld, size_t P, size_t m, double *params, double *data)
{
    const gcv_config *c = ld->c;
    size_t threads = thread_count(ld);
    double t = (double)threads, p = (double)P, md = (double)m;
    double sum = 0.0;
    for (size_t l = 0; l <= c->n_layers; l++)
        sum += (double)c->sizes[l];
    *params = 8.0 * 10.0 * p + t * 8.0 * p;
    *data = 8.0 * ((double)c->sizes[0] + (double)c->sizes[c->n_layers]) * md +
            t * 32.0 * md * sum;
}

static const char *data_path(const loader *ld)
{
    if (ld->data_kind == DATA_SYNTHETIC)
        return "data.examples";
    return ld->data_kind == DATA_CSV ? "data.file" : "data.x";
}

static gcv_status memory_guard(loader *ld, size_t m)
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
    double params, data;
    char have[32], want[32];
    estimate_parts(ld, P, m, &params, &data);
    gcv_format_bytes((double)ld->budget, have, sizeof have);
    gcv_format_bytes(params + data, want, sizeof want);
    gcv_json_fail(&ld->j, params >= data ? "model.layers" : data_path(ld),
                  "expected a check that fits in %s of memory, got an estimated %s (%zu "
                  "parameters, %zu examples, %zu thread%s)", have, want, P, m, thread_count(ld),
                  thread_count(ld) == 1 ? "" : "s");
    return GCV_ERR_NOMEM;
}

/* The most examples whose check fits the budget (monotone in m, so bisect). */
static size_t max_examples(const loader *ld, size_t P)
{
    size_t lo = 0, hi = SIZE_LIMIT;
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

/* ---------------------------------------------------------------------------------------
 * Build: arrays from JSON */

static gcv_status json_row(loader *ld, const char *path, const cJSON *row, size_t cols,
                           double *out)
{
    if (!cJSON_IsArray(row) || count_items(row) != cols) {
        char shown[GCV_JSON_SHOW_MAX + 64];
        gcv_json_describe(row, shown, sizeof shown);
        return gcv_json_fail(&ld->j, path, "expected a row of %zu numbers like the first, got "
                             "%s", cols, shown);
    }
    size_t k = 0;
    for (const cJSON *e = row->child; e; e = e->next, k++) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, path, k);
        gcv_status st = gcv_json_number(&ld->j, p, e, &ANY_FINITE, &out[k]);
        if (st)
            return st;
    }
    return GCV_OK;
}

/* A JSON array of numbers (1-D) or of equally long rows of numbers (2-D) as doubles. On
 * failure out->data is NULL. The sizes are bounded by the file's, so no guard is needed. */
static gcv_status json_array(loader *ld, const char *path, const cJSON *a, gcv_npy *out)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsArray(a))
        return gcv_json_expected(&ld->j, path, "an array of numbers or of rows of numbers", a);
    int two_d = a->child && cJSON_IsArray(a->child);
    size_t rows = count_items(a), cols = two_d ? count_items(a->child) : 1;
    out->ndim = two_d ? 2 : 1;
    out->shape[0] = rows;
    out->shape[1] = cols;
    out->count = rows * cols;
    out->data = malloc((out->count ? out->count : 1) * sizeof *out->data);
    if (!out->data)
        return nomem(ld);
    gcv_status st = GCV_OK;
    size_t i = 0;
    for (const cJSON *r = a->child; r && !st; r = r->next, i++) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, path, i);
        st = two_d ? json_row(ld, p, r, cols, out->data + i * cols)
                   : gcv_json_number(&ld->j, p, r, &ANY_FINITE, &out->data[i]);
    }
    if (st) {
        free(out->data);
        out->data = NULL;
    }
    return st;
}

/* ---------------------------------------------------------------------------------------
 * Build: θ */

static int block_shape_ok(const gcv_npy *a, size_t rows, size_t cols, int is_b)
{
    if (a->ndim == 2 && a->shape[0] == rows && a->shape[1] == cols)
        return 1;
    return is_b && a->ndim == 1 && a->shape[0] == rows;
}

/* Checks a block read as a (shape, finiteness) and copies it into θ at *off. prefix names
 * the file inside the message when the block came from one. */
static gcv_status put_block(loader *ld, const char *path, const char *prefix, const gcv_npy *a,
                            size_t rows, size_t cols, int is_b, size_t *off)
{
    char got[GCV_NPY_MAX_DIMS * 22 + 4], bad[96];
    if (!block_shape_ok(a, rows, cols, is_b)) {
        shape_str(a, got, sizeof got);
        if (is_b)
            return gcv_json_fail(&ld->j, path, "%sexpected shape (%zu, 1) or (%zu,), got %s",
                                 prefix, rows, rows, got);
        return gcv_json_fail(&ld->j, path, "%sexpected shape (%zu, %zu), got %s", prefix, rows,
                             cols, got);
    }
    if (first_nonfinite(a, bad, sizeof bad))
        return gcv_json_fail(&ld->j, path, "%sexpected finite numbers, got %s", prefix, bad);
    memcpy(ld->c->theta + *off, a->data, a->count * sizeof *a->data);
    *off += a->count;
    return GCV_OK;
}

static gcv_status npy_block(loader *ld, const char *dir, size_t l, int is_b, size_t *off)
{
    const char *path = "model.params.npy_dir";
    size_t rows = ld->c->sizes[l], cols = is_b ? 1 : ld->c->sizes[l - 1];
    char name[48], prefix[GCV_ERROR_LEN / 2];
    snprintf(name, sizeof name, "%c%zu.npy", is_b ? 'b' : 'W', l);
    char *file = gcv_path_join(dir, name);
    if (!file)
        return nomem(ld);
    gcv_npy a;
    gcv_error inner;
    gcv_status st = gcv_npy_read(file, rows * cols, &a, &inner);
    snprintf(prefix, sizeof prefix, "%s: ", file);
    if (st == GCV_ERR_NOMEM && a.count > rows * cols)
        st = put_block(ld, path, prefix, &a, rows, cols, is_b, off); /* a shape error */
    else if (st)
        st = wrap(ld, path, &inner, st);
    else
        st = put_block(ld, path, prefix, &a, rows, cols, is_b, off);
    free(a.data);
    free(file);
    return st;
}

static gcv_status theta_from_npy(loader *ld)
{
    char *dir = gcv_path_join(ld->dir, ld->params_src->valuestring);
    if (!dir)
        return nomem(ld);
    size_t off = 0;
    gcv_status st = GCV_OK;
    for (size_t l = 1; l <= ld->c->n_layers && !st; l++) {
        st = npy_block(ld, dir, l, 0, &off);
        if (!st)
            st = npy_block(ld, dir, l, 1, &off);
    }
    free(dir);
    return st;
}

/* Indexes values' members by block (W_l at 2(l−1), b_l after it), refusing unknown and
 * repeated keys; one pass, so a network of many layers costs no quadratic lookup. */
static gcv_status index_values(loader *ld, const cJSON *v, const cJSON **items)
{
    const char *vp = "model.params.values";
    char range[64];
    block_range(ld->c->n_layers, range, sizeof range);
    for (const cJSON *e = v->child; e; e = e->next) {
        char p[GCV_JPATH_LEN];
        const char *key = e->string ? e->string : "";
        size_t l;
        int is_b;
        gcv_json_path_key(p, sizeof p, vp, key);
        if (!parse_block(key, ld->c->n_layers, &is_b, &l))
            return gcv_json_fail(&ld->j, p, "unknown key; expected the blocks %s", range);
        size_t i = 2 * (l - 1) + (size_t)is_b;
        if (items[i])
            return gcv_json_fail(&ld->j, p, "expected each key once, got \"%s\" a second time",
                                 key);
        items[i] = e;
    }
    return GCV_OK;
}

static gcv_status theta_from_values(loader *ld)
{
    const char *vp = "model.params.values";
    size_t L = ld->c->n_layers, off = 0;
    const cJSON **items = calloc(2 * L, sizeof *items);
    if (!items)
        return nomem(ld);
    gcv_status st = index_values(ld, ld->params_src, items);
    for (size_t i = 0; i < 2 * L && !st; i++) {
        size_t l = i / 2 + 1;
        int is_b = (int)(i % 2);
        char name[32], p[GCV_JPATH_LEN], range[64];
        snprintf(name, sizeof name, "%c%zu", is_b ? 'b' : 'W', l);
        if (!items[i]) {
            block_range(L, range, sizeof range);
            st = gcv_json_fail(&ld->j, vp, "expected every block (%s), got no \"%s\"", range,
                               name);
            break;
        }
        gcv_json_path_key(p, sizeof p, vp, name);
        gcv_npy a;
        st = json_array(ld, p, items[i], &a);
        if (!st)
            st = put_block(ld, p, "", &a, ld->c->sizes[l], is_b ? 1 : ld->c->sizes[l - 1],
                           is_b, &off);
        free(a.data);
    }
    free(items);
    return st;
}

static gcv_status build_theta(loader *ld)
{
    gcv_config *c = ld->c;
    c->theta = malloc(c->n_params * sizeof *c->theta);
    if (!c->theta)
        return nomem(ld);
    if (ld->params_kind == PARAMS_NPY)
        return theta_from_npy(ld);
    if (ld->params_kind == PARAMS_VALUES)
        return theta_from_values(ld);
    gcv_mlp_init(c->n_layers, c->sizes, ld->init, ld->scale, ld->init_seed, c->theta);
    return GCV_OK;
}

/* ---------------------------------------------------------------------------------------
 * Build: reading data files */

/* Whether gcverify was built without the library the source needs: the reader then says how
 * to enable it, and the message belongs to data.source rather than to the file. */
static int library_missing(const loader *ld)
{
#ifndef GCV_HAVE_HDF5
    if (ld->data_kind == DATA_HDF5)
        return 1;
#endif
#ifndef GCV_HAVE_MATIO
    if (ld->data_kind == DATA_MAT)
        return 1;
#endif
    (void)ld;
    return 0;
}

/* A reader's error under the config file and JSON path. */
static gcv_status wrap_read(const loader *ld, const char *path, const gcv_error *inner,
                            gcv_status st)
{
    return wrap(ld, library_missing(ld) ? "data.source" : path, inner, st);
}

/* Reads data.x or data.y (src) of an npy, hdf5 or mat source, at most cap values. */
static gcv_status read_data(const loader *ld, const cJSON *src, size_t cap, gcv_npy *out,
                            gcv_error *inner)
{
    int named = ld->data_kind == DATA_HDF5 || ld->data_kind == DATA_MAT;
    char *file = gcv_path_join(ld->dir, (named ? ld->file_src : src)->valuestring);
    gcv_status st;
    memset(out, 0, sizeof *out);
    if (!file) {
        snprintf(inner->msg, sizeof inner->msg, "out of memory");
        return GCV_ERR_NOMEM;
    }
    if (ld->data_kind == DATA_HDF5)
        st = gcv_hdf5_read(file, src->valuestring, cap, out, inner);
    else if (ld->data_kind == DATA_MAT)
        st = gcv_mat_read(file, src->valuestring, cap, out, inner);
    else
        st = gcv_npy_read(file, cap, out, inner);
    free(file);
    return st;
}

/* ---------------------------------------------------------------------------------------
 * Build: X */

static gcv_status x_count(loader *ld, const char *got, size_t m)
{
    if (m == 0)
        return gcv_json_fail(&ld->j, "data.x", "expected at least one example, got shape %s",
                             got);
    if (m > SIZE_LIMIT)
        return gcv_json_fail(&ld->j, "data.x", "expected at most %zu examples, got shape %s",
                             SIZE_LIMIT, got);
    return GCV_OK;
}

/* examples_first: m = shape[0], the rest flattened in C order must hold layers[0] values;
 * a is reshaped to (m, n0) (a 1-D array stays (m,) when n0 = 1). */
static gcv_status x_shape_first(loader *ld, gcv_npy *a, size_t *m)
{
    size_t n0 = ld->c->sizes[0], per = 1;
    char got[GCV_NPY_MAX_DIMS * 22 + 4];
    shape_str(a, got, sizeof got);
    for (size_t i = 1; i < a->ndim; i++)
        per = sat_mul(per, a->shape[i]);
    if (a->ndim == 0 || per != n0)
        return gcv_json_fail(&ld->j, "data.x", "expected %zu values per example (layers[0] = "
                             "%zu; examples_first: the first dimension indexes the examples), "
                             "got shape %s (%zu per example)", n0, n0, got, a->ndim ? per : 0);
    *m = a->shape[0];
    if (a->ndim > 2) {
        a->ndim = 2;
        a->shape[1] = per;
    }
    return x_count(ld, got, *m);
}

/* X must be (n0, m), or (m, n0) with examples_by_features, or (m,) when n0 = 1. */
static gcv_status x_shape(loader *ld, gcv_npy *a, size_t *m)
{
    size_t n0 = ld->c->sizes[0];
    char got[GCV_NPY_MAX_DIMS * 22 + 4];
    if (ld->layout == LAYOUT_FIRST)
        return x_shape_first(ld, a, m);
    shape_str(a, got, sizeof got);
    if (a->ndim == 2 && a->shape[ld->by_examples ? 1 : 0] == n0)
        *m = a->shape[ld->by_examples ? 0 : 1];
    else if (a->ndim == 1 && n0 == 1)
        *m = a->shape[0];
    else if (ld->by_examples)
        return gcv_json_fail(&ld->j, "data.x", "expected shape (m, %zu) (examples × features, "
                             "layers[0] = %zu), got %s", n0, n0, got);
    else
        return gcv_json_fail(&ld->j, "data.x", "expected shape (%zu, m) (features × examples, "
                             "layers[0] = %zu), got %s", n0, n0, got);
    return x_count(ld, got, *m);
}

/* Reads data.x of a file source, refusing from its header alone more examples than the
 * budget allows. */
static gcv_status load_file_x(loader *ld, size_t *m)
{
    gcv_config *c = ld->c;
    size_t P = gcv_mlp_param_count(c->n_layers, c->sizes);
    if (P == 0)
        return memory_guard(ld, 1); /* reports the overflow */
    size_t cap = sat_mul(c->sizes[0], max_examples(ld, P));
    gcv_error inner;
    gcv_status st = read_data(ld, ld->x_src, cap, &ld->xr, &inner);
    if (st == GCV_ERR_NOMEM && ld->xr.count > cap) {
        st = x_shape(ld, &ld->xr, m);           /* a wrong shape is the better message */
        if (!st && (st = memory_guard(ld, *m)) == GCV_OK)
            st = wrap(ld, "data.x", &inner, GCV_ERR_NOMEM);
        return st;
    }
    if (st)
        return wrap_read(ld, "data.x", &inner, st);
    return x_shape(ld, &ld->xr, m);
}

static gcv_status load_csv(loader *ld);

static gcv_status load_x(loader *ld)
{
    gcv_config *c = ld->c;
    gcv_status st = GCV_OK;
    if (ld->data_kind == DATA_SYNTHETIC)
        c->m_total = ld->synth_m;
    else if (ld->data_kind == DATA_CSV)
        st = load_csv(ld);
    else if (ld->data_kind != DATA_INLINE)
        st = load_file_x(ld, &c->m_total);
    else if (!(st = json_array(ld, "data.x", ld->x_src, &ld->xr)))
        st = x_shape(ld, &ld->xr, &c->m_total);
    return st;
}

/* data.scale: X times the scale, which must leave it finite. */
static gcv_status scale_x(loader *ld)
{
    char bad[96];
    if (ld->x_scale == 1.0)
        return GCV_OK;
    for (size_t i = 0; i < ld->xr.count; i++)
        ld->xr.data[i] *= ld->x_scale;
    if (first_nonfinite(&ld->xr, bad, sizeof bad))
        return gcv_json_fail(&ld->j, "data.scale", "expected a scale that keeps x finite, got "
                             "%s after scaling", bad);
    return GCV_OK;
}

/* X into c->x as (n0, m), scaled, transposing an array that holds one example per row. */
static gcv_status take_x(loader *ld)
{
    gcv_config *c = ld->c;
    char bad[96];
    gcv_status st;
    if (first_nonfinite(&ld->xr, bad, sizeof bad))
        return gcv_json_fail(&ld->j, "data.x", "expected finite numbers, got %s", bad);
    if ((st = scale_x(ld)) != GCV_OK)
        return st;
    if (!ld->by_examples || ld->xr.ndim == 1) {
        c->x = ld->xr.data;
        ld->xr.data = NULL;
        return GCV_OK;
    }
    size_t n0 = c->sizes[0], m = c->m_total;
    if (!(c->x = malloc(n0 * m * sizeof *c->x)))
        return nomem(ld);
    for (size_t j = 0; j < m; j++)
        for (size_t k = 0; k < n0; k++)
            c->x[k * m + j] = ld->xr.data[j * n0 + k];
    return GCV_OK;
}

/* ---------------------------------------------------------------------------------------
 * Build: Y */

static int y_layout(const loader *ld, const gcv_npy *a)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers], m = ld->c->m_total;
    size_t r = ld->by_examples ? m : n_out, cl = ld->by_examples ? n_out : m;
    if (a->ndim == 2 && a->shape[0] == r && a->shape[1] == cl)
        return Y_MATRIX;
    int vec = (a->ndim == 1 && a->shape[0] == m) ||
              (a->ndim == 2 && ((a->shape[0] == 1 && a->shape[1] == m) ||
                                (a->shape[0] == m && a->shape[1] == 1)));
    if (!vec)
        return Y_BAD;
    if (n_out == 1)
        return Y_VECTOR;
    return ld->c->loss == GCV_LOSS_SOFTMAX_CE ? Y_IDS : Y_BAD;
}

static gcv_status y_shape_error(const loader *ld, const gcv_npy *a)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers], m = ld->c->m_total;
    char got[GCV_NPY_MAX_DIMS * 22 + 4], want[96], alt[64] = "";
    shape_str(a, got, sizeof got);
    if (ld->by_examples)
        snprintf(want, sizeof want, "(%zu, %zu) (examples × outputs)", m, n_out);
    else
        snprintf(want, sizeof want, "(%zu, %zu) (outputs × examples)", n_out, m);
    if (n_out == 1)
        snprintf(alt, sizeof alt, " or (%zu,)", m);
    else if (ld->c->loss == GCV_LOSS_SOFTMAX_CE)
        snprintf(alt, sizeof alt, ", or %zu class ids of shape (%zu,)", m, m);
    return gcv_json_fail(&ld->j, "data.y", "expected shape %s%s, got %s", want, alt, got);
}

/* Labels in their own layout: BCE in [0, 1]; class ids integers in [0, n_L). */
static gcv_status check_labels(const loader *ld, const gcv_npy *a, int layout)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers];
    for (size_t i = 0; i < a->count; i++) {
        double v = a->data[i];
        int ids = layout == Y_IDS;
        if (ids ? (v == floor(v) && v >= 0 && v < (double)n_out)
                : (ld->c->loss != GCV_LOSS_BCE || (v >= 0 && v <= 1)))
            continue;
        char vs[32], at[48];
        gcv_json_format_number(v, vs, sizeof vs);
        coord_str(a, i, at, sizeof at);
        if (ids)
            return gcv_json_fail(&ld->j, "data.y", "expected class ids (integers in [0, %zu)) "
                                 "for softmax_cross_entropy, got %s at %s", n_out, vs, at);
        return gcv_json_fail(&ld->j, "data.y", "expected labels in [0, 1] for "
                             "binary_cross_entropy, got %s at %s", vs, at);
    }
    return GCV_OK;
}

/* softmax_cross_entropy with a label matrix: each example's column is one-hot. */
static gcv_status check_one_hot(const loader *ld)
{
    const gcv_config *c = ld->c;
    size_t n_out = c->sizes[c->n_layers], m = c->m_total;
    for (size_t j = 0; j < m; j++) {
        double sum = 0.0;
        for (size_t k = 0; k < n_out; k++) {
            double v = c->y[k * m + j];
            sum += v;
            if (v == 0.0 || v == 1.0)
                continue;
            char vs[32];
            gcv_json_format_number(v, vs, sizeof vs);
            return gcv_json_fail(&ld->j, "data.y", "expected one-hot labels (0 or 1) for "
                                 "softmax_cross_entropy, got %s at (%zu, %zu)", vs,
                                 ld->by_examples ? j : k, ld->by_examples ? k : j);
        }
        if (sum != 1.0)
            return gcv_json_fail(&ld->j, "data.y", "expected exactly one 1 per example for "
                                 "softmax_cross_entropy, got %.0f in example %zu", sum, j);
    }
    return GCV_OK;
}

/* Y into c->y as (n_L, m): transposed, or one-hot from class ids. */
static gcv_status take_y(loader *ld, int layout)
{
    gcv_config *c = ld->c;
    size_t n_out = c->sizes[c->n_layers], m = c->m_total;
    if (layout == Y_VECTOR || (layout == Y_MATRIX && (!ld->by_examples || n_out == 1))) {
        c->y = ld->yr.data;
        ld->yr.data = NULL;
        return GCV_OK;
    }
    if (!(c->y = calloc(n_out * m, sizeof *c->y)))
        return nomem(ld);
    for (size_t j = 0; j < m; j++) {
        if (layout == Y_IDS)
            c->y[(size_t)ld->yr.data[j] * m + j] = 1.0;
        else
            for (size_t k = 0; k < n_out; k++)
                c->y[k * m + j] = ld->yr.data[j * n_out + k];
    }
    return GCV_OK;
}

/* examples_first: labels (m, a, b, …) become (m, a·b·…) when that is (m, n_L). */
static void y_flatten(const loader *ld, gcv_npy *a)
{
    size_t per = 1;
    if (ld->layout != LAYOUT_FIRST || a->ndim <= 2 || a->shape[0] != ld->c->m_total)
        return;
    for (size_t i = 1; i < a->ndim; i++)
        per = sat_mul(per, a->shape[i]);
    if (per == ld->c->sizes[ld->c->n_layers]) {
        a->ndim = 2;
        a->shape[1] = per;
    }
}

static gcv_status add_note(loader *ld, const char *fmt, ...) GCV_PRINTF(2, 3);

/* Appends one line to c->notes. */
static gcv_status add_note(loader *ld, const char *fmt, ...)
{
    gcv_config *c = ld->c;
    char line[GCV_ERROR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char **notes = realloc(c->notes, (c->n_notes + 1) * sizeof *notes);
    if (!notes)
        return nomem(ld);
    c->notes = notes;
    if (!(notes[c->n_notes] = gcv_strdup(line)))
        return nomem(ld);
    c->n_notes++;
    return GCV_OK;
}

/* The NumPy name of an integer type: hdf5 and mat give it, npy gives a descr ("|u1"). */
static void int_dtype_name(const loader *ld, char *out, size_t n)
{
    const char *d = ld->yr.dtype;
    int npy = ld->data_kind == DATA_NPY && d[0] && d[1] && d[2];
    if (npy && d[1] == 'b')
        snprintf(out, n, "bool");
    else if (npy && (d[1] == 'u' || d[1] == 'i'))
        snprintf(out, n, "%sint%d", d[1] == 'u' ? "u" : "", 8 * atoi(d + 2));
    else
        snprintf(out, n, "%s", d);
}

/* Integer labels are doubles from here on; say so, and where unsigned arithmetic would have
 * wrapped −y around (uint8: −1 → 255, the seeds' "difference = 0.9999"). */
static gcv_status note_integer_labels(loader *ld)
{
    char dtype[24], wraps[96] = "";
    if (!ld->yr.is_integer)
        return GCV_OK;
    int_dtype_name(ld, dtype, sizeof dtype);
    int bits = strncmp(dtype, "uint", 4) == 0 ? atoi(dtype + 4) : 0;
    if (bits >= 8 && bits <= 64)
        snprintf(wraps, sizeof wraps, " (in integer arithmetic -y wraps to %llu: the seed 000 "
                 "trap)", bits == 64 ? ~0ULL : (1ULL << bits) - 1);
    const char *file = (ld->data_kind == DATA_NPY ? ld->y_src : ld->file_src)->valuestring;
    const char *base = strrchr(file, '/');
    return add_note(ld, "data.y: labels stored as %s in %s were converted to double before any "
                    "arithmetic%s", dtype, base && base[1] ? base + 1 : file, wraps);
}

static gcv_status load_y(loader *ld)
{
    size_t want = ld->c->sizes[ld->c->n_layers] * ld->c->m_total; /* guarded: no overflow */
    if (ld->data_kind == DATA_INLINE)
        return json_array(ld, "data.y", ld->y_src, &ld->yr);
    if (ld->data_kind == DATA_CSV)
        return GCV_OK; /* split from the table with X */
    gcv_error inner;
    gcv_status st = read_data(ld, ld->y_src, want, &ld->yr, &inner);
    if (st == GCV_ERR_NOMEM && ld->yr.count > want)
        return y_shape_error(ld, &ld->yr); /* refused before reading: too many values */
    if (st)
        return wrap_read(ld, "data.y", &inner, st);
    y_flatten(ld, &ld->yr);
    return note_integer_labels(ld);
}

static gcv_status build_y(loader *ld)
{
    char bad[96];
    gcv_status st = load_y(ld);
    if (st)
        return st;
    int layout = y_layout(ld, &ld->yr);
    if (layout == Y_BAD)
        return y_shape_error(ld, &ld->yr);
    if (first_nonfinite(&ld->yr, bad, sizeof bad))
        return gcv_json_fail(&ld->j, "data.y", "expected finite numbers, got %s", bad);
    if ((st = check_labels(ld, &ld->yr, layout)) || (st = take_y(ld, layout)))
        return st;
    return layout == Y_MATRIX && ld->c->loss == GCV_LOSS_SOFTMAX_CE ? check_one_hot(ld) : GCV_OK;
}

/* ---------------------------------------------------------------------------------------
 * Build: CSV (rows are examples; the label columns split off, the others are features) */

typedef struct csv_split {
    const char *file;  /* as resolved, for messages */
    const gcv_csv *t;
    size_t *lab;       /* the label columns, in data.label_columns order */
    size_t n_lab;
    int mode;          /* LABELS_* */
} csv_split;

/* A name of the header row; "" when there is none. */
static const char *csv_name(const gcv_csv *t, size_t col)
{
    return t->names && t->names[col] ? t->names[col] : "";
}

/* data.label_columns[i] (e) as a column of the table. */
static gcv_status csv_column(loader *ld, const csv_split *s, const cJSON *e, size_t i,
                             size_t *col)
{
    char p[GCV_JPATH_LEN], shown[GCV_JSON_SHOW_MAX + 64];
    const gcv_csv *t = s->t;
    gcv_json_path_index(p, sizeof p, "data.label_columns", i);
    gcv_json_describe(e, shown, sizeof shown);
    if (cJSON_IsNumber(e)) {
        *col = (size_t)e->valuedouble; /* an integer in [0, SIZE_LIMIT]: parse checked */
        if (*col < t->cols)
            return GCV_OK;
        return gcv_json_fail(&ld->j, p, "expected a column index below %zu (the columns of "
                             "%s), got %s", t->cols, s->file, shown);
    }
    if (!t->names)
        return gcv_json_fail(&ld->j, p, "expected a column index (%s has no header row), got "
                             "%s", s->file, shown);
    for (*col = 0; *col < t->cols; (*col)++)
        if (strcmp(csv_name(t, *col), e->valuestring) == 0)
            return GCV_OK;
    const char *near = gcv_json_nearest(e->valuestring, (const char *const *)t->names, t->cols);
    char hint[GCV_JSON_SHOW_MAX + 32] = "";
    if (near)
        snprintf(hint, sizeof hint, "; did you mean \"%.*s\"?", GCV_JSON_SHOW_MAX, near);
    return gcv_json_fail(&ld->j, p, "expected a column name in the header of %s, got %s%s",
                         s->file, shown, hint);
}

/* The label columns: data.label_columns resolved, each once; by default the last one. */
static gcv_status csv_label_columns(loader *ld, csv_split *s)
{
    s->n_lab = ld->label_src ? count_items(ld->label_src) : 1;
    if (!(s->lab = malloc(s->n_lab * sizeof *s->lab)))
        return nomem(ld);
    if (!ld->label_src) {
        s->lab[0] = s->t->cols - 1;
        return GCV_OK;
    }
    size_t i = 0;
    for (const cJSON *e = ld->label_src->child; e; e = e->next, i++) {
        gcv_status st = csv_column(ld, s, e, i, &s->lab[i]);
        for (size_t k = 0; !st && k < i; k++)
            if (s->lab[k] == s->lab[i]) {
                char p[GCV_JPATH_LEN];
                gcv_json_path_index(p, sizeof p, "data.label_columns", i);
                st = gcv_json_fail(&ld->j, p, "expected each column once, got column %zu "
                                   "(\"%.*s\") a second time", s->lab[i], GCV_JSON_SHOW_MAX,
                                   csv_name(s->t, s->lab[i]));
            }
        if (st)
            return st;
    }
    return GCV_OK;
}

/* How labels are read: data.labels, else class ids for softmax_cross_entropy with one label
 * column, one-hot columns for it with several, the values as they are otherwise. */
static int csv_mode(const loader *ld, size_t n_lab)
{
    if (ld->labels >= 0)
        return ld->labels;
    if (ld->c->loss == GCV_LOSS_SOFTMAX_CE)
        return n_lab == 1 ? LABELS_CLASS_ID : LABELS_ONE_HOT;
    return LABELS_VALUES;
}

/* The table's columns against the network: layers[0] features, and labels for n_L outputs. */
static gcv_status csv_counts(loader *ld, const csv_split *s)
{
    const gcv_config *c = ld->c;
    size_t n0 = c->sizes[0], n_out = c->sizes[c->n_layers], L = c->n_layers;
    if (s->t->cols != n0 + s->n_lab)
        return gcv_json_fail(&ld->j, "data.file", "%s: expected %zu columns (%zu features for "
                             "layers[0] = %zu, and %zu label column%s), got %zu", s->file,
                             n0 + s->n_lab, n0, n0, s->n_lab, s->n_lab == 1 ? "" : "s",
                             s->t->cols);
    if (s->mode == LABELS_CLASS_ID && s->n_lab != 1)
        return gcv_json_fail(&ld->j, "data.label_columns", "expected one column for class_id "
                             "labels, got %zu", s->n_lab);
    if (s->mode != LABELS_CLASS_ID && s->n_lab != n_out)
        return gcv_json_fail(&ld->j, "data.label_columns", "expected %zu label column%s (one "
                             "per output, layers[%zu] = %zu)%s, got %zu%s", n_out,
                             n_out == 1 ? "" : "s", L, n_out, s->mode == LABELS_ONE_HOT ?
                             " for one_hot labels" : "", s->n_lab, ld->label_src ? "" :
                             " (the last column, by default)");
    return GCV_OK;
}

/* X (m, n0) from the feature columns, in the table's order. */
static gcv_status csv_features(loader *ld, const csv_split *s)
{
    const gcv_csv *t = s->t;
    size_t n0 = ld->c->sizes[0], m = t->rows;
    gcv_npy *x = &ld->xr;
    memset(x, 0, sizeof *x);
    if (!(x->data = malloc(n0 * m * sizeof *x->data)))
        return nomem(ld);
    x->ndim = 2;
    x->shape[0] = m;
    x->shape[1] = n0;
    x->count = n0 * m;
    for (size_t col = 0, k = 0; col < t->cols; col++) {
        int is_lab = 0;
        for (size_t i = 0; i < s->n_lab; i++)
            is_lab |= s->lab[i] == col;
        for (size_t r = 0; !is_lab && r < m; r++)
            x->data[r * n0 + k] = t->data[r * t->cols + col];
        k += !is_lab;
    }
    return GCV_OK;
}

/* "line 5, column 3" of the table's value (r, col), as an editor numbers them. */
static void csv_where(const csv_split *s, size_t r, size_t col, char *out, size_t n)
{
    snprintf(out, n, "line %zu, column %zu", r + 1 + (s->t->names != NULL), col + 1);
}

/* One label value against the mode and the loss; what it should have been in *what. */
static int csv_label_ok(const loader *ld, int mode, double v, char *what, size_t n)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers], ids = n_out < 2 ? 2 : n_out;
    if (mode == LABELS_CLASS_ID) {
        snprintf(what, n, "a class id (an integer in [0, %zu))", ids);
        return v == floor(v) && v >= 0 && v < (double)ids;
    }
    if (mode == LABELS_ONE_HOT) {
        snprintf(what, n, "0 or 1 (one_hot labels)");
        return v == 0.0 || v == 1.0;
    }
    snprintf(what, n, "a label in [0, 1] for binary_cross_entropy");
    return ld->c->loss != GCV_LOSS_BCE || (v >= 0.0 && v <= 1.0);
}

/* Row r's labels into y (n_out values): checked, class ids turned into one-hot. */
static gcv_status csv_label_row(loader *ld, const csv_split *s, size_t r, double *y)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers];
    double ones = 0.0;
    char what[64], where[64], vs[32];
    for (size_t i = 0; i < s->n_lab; i++) {
        double v = s->t->data[r * s->t->cols + s->lab[i]];
        if (!csv_label_ok(ld, s->mode, v, what, sizeof what)) {
            gcv_json_format_number(v, vs, sizeof vs);
            csv_where(s, r, s->lab[i], where, sizeof where);
            return gcv_json_fail(&ld->j, "data.label_columns", "%s: %s: expected %s, got %s",
                                 s->file, where, what, vs);
        }
        ones += v;
        if (s->mode == LABELS_CLASS_ID && n_out > 1)
            y[(size_t)v] = 1.0;
        else
            y[i] = v;
    }
    if (s->mode != LABELS_ONE_HOT || ones == 1.0)
        return GCV_OK;
    snprintf(where, sizeof where, "line %zu", r + 1 + (s->t->names != NULL));
    return gcv_json_fail(&ld->j, "data.label_columns", "%s: %s: expected exactly one 1 among "
                         "the %zu label columns (one_hot labels), got %.0f", s->file, where,
                         s->n_lab, ones);
}

/* Y (m, n_L) from the label columns. */
static gcv_status csv_labels(loader *ld, const csv_split *s)
{
    size_t n_out = ld->c->sizes[ld->c->n_layers], m = s->t->rows;
    gcv_npy *y = &ld->yr;
    memset(y, 0, sizeof *y);
    if (!(y->data = calloc(n_out * m, sizeof *y->data)))
        return nomem(ld);
    y->ndim = 2;
    y->shape[0] = m;
    y->shape[1] = n_out;
    y->count = n_out * m;
    gcv_status st = GCV_OK;
    for (size_t r = 0; r < m && !st; r++)
        st = csv_label_row(ld, s, r, y->data + r * n_out);
    return st;
}

static gcv_status csv_take(loader *ld, csv_split *s)
{
    gcv_status st = csv_label_columns(ld, s);
    if (st)
        return st;
    s->mode = csv_mode(ld, s->n_lab);
    if (!(st = csv_counts(ld, s)) && !(st = csv_features(ld, s)))
        st = csv_labels(ld, s);
    ld->c->m_total = s->t->rows;
    return st;
}

/* A table larger than the budget: the reader's line, and why that is the limit. */
static gcv_status csv_too_big(loader *ld, const gcv_error *inner, size_t P, size_t max_m)
{
    char have[32];
    gcv_format_bytes((double)ld->budget, have, sizeof have);
    gcv_json_fail(&ld->j, "data.file", "%s (a check of %zu parameters fits in %s of memory with "
                  "at most %zu examples)", inner->msg, P, have, max_m);
    return GCV_ERR_NOMEM;
}

/* Reads data.file whole (at most what the budget allows), then splits X and Y off it. */
static gcv_status load_csv(loader *ld)
{
    gcv_config *c = ld->c;
    size_t P = gcv_mlp_param_count(c->n_layers, c->sizes);
    if (P == 0)
        return memory_guard(ld, 1); /* reports the overflow */
    size_t n_lab = ld->label_src ? count_items(ld->label_src) : 1, max_m = max_examples(ld, P);
    size_t cap = sat_mul(sat_add(c->sizes[0], n_lab), max_m);
    char *file = gcv_path_join(ld->dir, ld->file_src->valuestring);
    if (!file)
        return nomem(ld);
    gcv_csv t;
    gcv_error inner;
    gcv_status st = gcv_csv_read(file, &ld->csv, cap, &t, &inner);
    if (st == GCV_ERR_NOMEM && strstr(inner.msg, "expected at most"))
        st = csv_too_big(ld, &inner, P, max_m);
    else if (st)
        st = wrap(ld, "data.file", &inner, st);
    else {
        csv_split s = {.file = file, .t = &t};
        st = csv_take(ld, &s);
        free(s.lab);
    }
    gcv_csv_free(&t);
    free(file);
    return st;
}

/* ---------------------------------------------------------------------------------------
 * Build: synthetic data */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, size_t m, double *tmp)
{
    memcpy(tmp, v, m * sizeof *tmp);
    qsort(tmp, m, sizeof *tmp, cmp_double);
    return m % 2 ? tmp[m / 2] : 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]);
}

/* Labels from the teacher's scores s (n_L × m) and their row medians. */
static void teacher_labels(gcv_config *c, const double *s, const double *med)
{
    size_t n_out = c->sizes[c->n_layers], m = c->m_total;
    for (size_t j = 0; j < m; j++) {
        size_t best = 0;
        for (size_t k = 0; k < n_out; k++) {
            double v = s[k * m + j];
            if (v - med[k] > s[best * m + j] - med[best])
                best = k;
            if (c->loss == GCV_LOSS_BCE)
                c->y[k * m + j] = v > med[k] ? 1.0 : 0.0;
            else if (c->loss == GCV_LOSS_MSE)
                c->y[k * m + j] = tanh(v);
        }
        for (size_t k = 0; c->loss == GCV_LOSS_SOFTMAX_CE && k < n_out; k++)
            c->y[k * m + j] = k == best ? 1.0 : 0.0;
    }
}

/* Synthetic data, reproducible from data.seed with rng.h's generator:
 *   X (n0 × m) ~ N(0, 1), drawn row by row;
 *   a random teacher T (n_L × n0) ~ N(0, 1), drawn row by row from the same stream after X;
 *   scores S = T·X / √n0 (summed over i in increasing order, then divided).
 * Labels: binary_cross_entropy: y = 1 where S is above its output row's median, else 0, so
 * each output has balanced classes; softmax_cross_entropy: one-hot of argmax_k
 * (S[k, j] − median of row k), the first k on ties, so no class dominates; mse: y = tanh(S).
 * T is drawn one row at a time: the teacher is never stored whole (n_L·n0 may be large). */
/* The teacher costs n0·n_L·m multiply-adds: past 2^27 (a tenth of a second here, many
 * seconds under sanitizers) generating test data costs more than it is worth, so such a
 * config is refused up front (found by the config fuzzer). */
#define SYNTHETIC_MAX_WORK 134217728.0

static gcv_status make_synthetic(loader *ld)
{
    gcv_config *c = ld->c;
    size_t n0 = c->sizes[0], n_out = c->sizes[c->n_layers], m = c->m_total;
    double work = (double)n0 * (double)n_out * (double)m;
    if (work > SYNTHETIC_MAX_WORK)
        return gcv_json_fail(&ld->j, "data.examples",
                             "expected synthetic data of at most 2^27 teacher multiply-adds "
                             "(layers[0] × layers[L] × examples), got %.3g; use fewer "
                             "examples, a smaller net or real data", work);
    double *t = malloc(n0 * sizeof *t), *s = calloc(n_out * m, sizeof *s);
    double *tmp = malloc(m * sizeof *tmp), *med = malloc(n_out * sizeof *med);
    c->x = malloc(n0 * m * sizeof *c->x);
    c->y = malloc(n_out * m * sizeof *c->y);
    gcv_status st = GCV_OK;
    if (!t || !s || !tmp || !med || !c->x || !c->y) {
        st = nomem(ld);
        goto done;
    }
    gcv_rng r;
    gcv_rng_seed(&r, ld->data_seed);
    for (size_t i = 0; i < n0 * m; i++)
        c->x[i] = gcv_rng_normal(&r);
    double root = sqrt((double)n0);
    for (size_t k = 0; k < n_out; k++) {
        double *sk = s + k * m;
        for (size_t i = 0; i < n0; i++)
            t[i] = gcv_rng_normal(&r);
        for (size_t i = 0; i < n0; i++)
            for (size_t j = 0; j < m; j++)
                sk[j] += t[i] * c->x[i * m + j];
        for (size_t j = 0; j < m; j++)
            sk[j] /= root;
        med[k] = median(sk, m, tmp);
    }
    teacher_labels(c, s, med);
done:
    free(t);
    free(s);
    free(tmp);
    free(med);
    return st;
}

/* ---------------------------------------------------------------------------------------
 * Build: the whole */

/* check.examples = k: a seeded sorted subset of columns, kept in their order. */
static gcv_status take_subset(loader *ld)
{
    gcv_config *c = ld->c;
    size_t k = ld->subset, m = c->m_total, n0 = c->sizes[0], n_out = c->sizes[c->n_layers];
    c->m = m;
    if (!k || k == m)
        return GCV_OK;
    if (k > m)
        return gcv_json_fail(&ld->j, "check.examples", "expected at most %zu (the examples in "
                             "the data), got %zu", m, k);
    size_t *idx = malloc(k * sizeof *idx);
    double *x = malloc(n0 * k * sizeof *x), *y = malloc(n_out * k * sizeof *y);
    if (!idx || !x || !y) {
        free(idx);
        free(x);
        free(y);
        return nomem(ld);
    }
    gcv_rng r;
    gcv_rng_seed(&r, ld->data_seed ^ SUBSET_SALT);
    gcv_rng_sample_sorted(&r, m, k, idx);
    for (size_t i = 0; i < n0; i++)
        for (size_t j = 0; j < k; j++)
            x[i * k + j] = c->x[i * m + idx[j]];
    for (size_t i = 0; i < n_out; i++)
        for (size_t j = 0; j < k; j++)
            y[i * k + j] = c->y[i * m + idx[j]];
    free(idx);
    free(c->x);
    free(c->y);
    c->x = x;
    c->y = y;
    c->m = k;
    return GCV_OK;
}

static gcv_status build(loader *ld)
{
    if (ld->c->is_plugin) /* nothing to load: the plugin owns θ and data */
        return GCV_OK;
    ld->budget = ld->max_memory ? ld->max_memory : available_memory();
    gcv_status st = load_x(ld);
    if (!st)
        st = memory_guard(ld, ld->c->m_total);
    if (!st)
        st = build_theta(ld);
    if (st)
        return st;
    if (ld->data_kind == DATA_SYNTHETIC)
        st = make_synthetic(ld);
    else if (!(st = take_x(ld)))
        st = build_y(ld);
    return st ? st : take_subset(ld);
}

static gcv_status loader_init(loader *ld, const char *path, size_t max_memory, gcv_error *err)
{
    memset(ld, 0, sizeof *ld);
    ld->j.file = path;
    ld->j.err = err;
    ld->max_memory = max_memory;
    ld->x_scale = 1.0;
    ld->labels = -1;
    gcv_config *c = ld->c = calloc(1, sizeof *c);
    if (!c)
        return nomem(ld);
    c->path = gcv_strdup(path);
    c->name = gcv_path_stem(path);
    c->max_memory = max_memory;
    ld->dir = gcv_path_dirname(path);
    if (!c->path || !c->name || !ld->dir)
        return nomem(ld);
    c->leaky_slope = 0.01;
    c->output = GCV_ACT_SIGMOID;
    c->loss = GCV_LOSS_BCE;
    c->keep_prob = 1.0;
    c->top = 10;
    c->params_mode = GCV_REPORT_PARAMS_MISMATCHES;
    snprintf(c->data_source, sizeof c->data_source, "synthetic");
    gcv_options_default(&c->opts);
    return GCV_OK;
}

gcv_status gcv_config_load(const char *path, size_t max_memory, gcv_config **out,
                           gcv_error *err)
{
    gcv_error scratch;
    cJSON *root = NULL;
    loader ld;
    if (!err)
        err = &scratch;
    *out = NULL;
    err->msg[0] = '\0';
    gcv_status st = loader_init(&ld, path, max_memory, err);
    if (!st)
        st = gcv_json_load_file(path, &root, err);
    if (!st)
        st = parse_root(&ld, root);
    if (!st)
        st = build(&ld);
    cJSON_Delete(root);
    free(ld.dir);
    free(ld.xr.data);
    free(ld.yr.data);
    if (st == GCV_OK)
        *out = ld.c;
    else
        gcv_config_free(ld.c);
    return st;
}

void gcv_config_free(gcv_config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->name);
    free(c->sizes);
    free(c->hidden);
    free(c->inject);
    free(c->theta);
    free(c->x);
    free(c->y);
    free(c->json_path);
    free(c->junit_path);
    free(c->html_path);
    free(c->plugin_library);
    free(c->plugin_options);
    free(c->plugin_dir);
    for (size_t i = 0; i < c->n_notes; i++)
        free(c->notes[i]);
    free(c->notes);
    free(c);
}

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

const char *gcv_params_mode_name(gcv_params_mode m)
{
    return (size_t)m < N_OF(PARAMS_MODES) ? PARAMS_MODES[m] : "?";
}

int gcv_params_mode_parse(const char *s, gcv_params_mode *out)
{
    for (size_t i = 0; i < N_OF(PARAMS_MODES); i++)
        if (strcmp(s, PARAMS_MODES[i]) == 0) {
            *out = (gcv_params_mode)i;
            return 0;
        }
    return -1;
}

gcv_status gcv_config_model_new(const gcv_config *c, gcv_model **out, gcv_error *err)
{
    if (c->is_plugin) {
        gcv_plugin_spec ps = {c->plugin_library, c->plugin_options, c->plugin_dir};
        return gcv_plugin_load(&ps, out, err);
    }
    gcv_mlp_spec spec;
    gcv_config_mlp_spec(c, &spec);
    return gcv_mlp_new(&spec, out, err);
}

int gcv_config_precision_defaults(gcv_config *c, gcv_precision p)
{
    if (p == GCV_DOUBLE)
        return 0;
    gcv_options d;
    gcv_options_default_for(&d, p);
    if (!(c->given & GCV_GIVEN_EPSILON) && !c->opts.epsilon_auto)
        c->opts.epsilon = d.epsilon;
    if (!(c->given & GCV_GIVEN_THRESHOLD))
        c->opts.threshold = d.threshold;
    if (!(c->given & GCV_GIVEN_RTOL))
        c->opts.rtol = d.rtol;
    if (!(c->given & GCV_GIVEN_ATOL))
        c->opts.atol = d.atol;
    return 1;
}

gcv_status gcv_config_check_memory(const gcv_config *c, const gcv_model *m, gcv_error *err)
{
    if (!c->is_plugin) /* the MLP's check was estimated while loading */
        return GCV_OK;
    size_t threads = c->opts.threads > 0 ? (size_t)c->opts.threads
                                         : (size_t)omp_get_max_threads();
    size_t P = m->n_params, ws = sat_add(m->ws_bytes, 64);
    /* per thread: a θ copy and a workspace; once: θ, the gradient and its workspace, the
     * result slots (64 bytes each), an index list */
    size_t need = sat_mul(threads, sat_add(sat_mul(P, 8), ws));
    need = sat_add(need, sat_add(ws, sat_mul(P, 8 + 8 + 8 + 64)));
    size_t budget = c->max_memory ? c->max_memory : available_memory();
    if (need <= budget)
        return GCV_OK;
    char have[32], want[32];
    gcv_format_bytes((double)budget, have, sizeof have);
    gcv_format_bytes((double)need, want, sizeof want);
    snprintf(err->msg, sizeof err->msg, "model: expected a check that fits in %s of memory, got "
             "an estimated %s (%zu parameters, a %zu-byte workspace, %zu thread%s)", have, want,
             P, m->ws_bytes, threads, threads == 1 ? "" : "s");
    return GCV_ERR_NOMEM;
}

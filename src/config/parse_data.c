/* Parsing the data section into the config's data spec. Sources: synthetic, inline, npy
 * (one file each for X and Y), hdf5 and mat (one file, x and y name a dataset or variable
 * in it), csv (one table, rows are examples, the label columns split off). Files are only
 * named here; data/load.c reads them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/parse.h"
#include "util/strutil.h"

static const char *const SYNTH_KEYS[] = {"source", "examples", "seed"};
static const char *const NPY_KEYS[] = {"source", "x", "y", "layout"};
static const char *const INLINE_KEYS[] = {"source", "x", "y"};
static const char *const FILE_KEYS[] = {"source", "file", "x", "y", "scale", "layout"};
static const char *const CSV_KEYS[] = {"source", "file", "delimiter", "header", "label_columns",
                                       "labels", "scale"};

static const char *const SOURCES[] = {"synthetic", "npy", "inline", "csv", "hdf5", "mat"};
static const char *const LAYOUTS[] = {"features_by_examples", "examples_by_features"};
static const char *const FILE_LAYOUTS[] = {"features_by_examples", "examples_by_features",
                                           "examples_first"};
static const char *const LABEL_MODES[] = {"class_id", "one_hot"};

static gcv_status parse_source(const gcv_parser *ps, const cJSON *d, size_t *kind)
{
    const cJSON *src = member(d, "source");
    *kind = GCV_DATA_SYNTHETIC;
    if (!src && (member(d, "x") || member(d, "y") || member(d, "file")))
        return gcv_json_fail(&ps->j, "data.source", "expected one of npy, inline, csv, hdf5, "
                             "mat alongside x, y or file, got nothing");
    if (!src)
        return GCV_OK;
    return gcv_json_choice(&ps->j, "data.source", src, SOURCES, GCV_N_OF(SOURCES), kind);
}

/* A required non-empty string member of data, copied into *out. */
static gcv_status data_string(const gcv_parser *ps, const cJSON *d, const char *key,
                              const char *what, char **out)
{
    const char *s;
    const cJSON *item;
    char p[GCV_JPATH_LEN];
    gcv_json_path_key(p, sizeof p, "data", key);
    gcv_status st = gcv_parse_required(ps, "data", d, key, what, &item);
    if (!st)
        st = gcv_json_string(&ps->j, p, item, &s);
    return st ? st : gcv_parse_strdup(ps, item, out);
}

/* data.layout among the first n of FILE_LAYOUTS, def when absent. */
static gcv_status parse_layout(gcv_parser *ps, const cJSON *d, size_t n, size_t def)
{
    size_t layout = def;
    gcv_status st = gcv_json_get_choice(&ps->j, "data", d, "layout", FILE_LAYOUTS, n, &layout);
    ps->c->data.layout = (gcv_data_layout)layout;
    return st;
}

static gcv_status parse_data_files(gcv_parser *ps, const cJSON *d)
{
    gcv_data_spec *s = &ps->c->data;
    gcv_status st = data_string(ps, d, "x", "the path of an .npy file", &s->x);
    if (!st)
        st = data_string(ps, d, "y", "the path of an .npy file", &s->y);
    return st ? st : parse_layout(ps, d, GCV_N_OF(LAYOUTS), GCV_LAYOUT_FEATURES);
}

/* hdf5 and mat: {"file": …, "x": name, "y": name, "layout": …, "scale": …}. HDF5 images come
 * as (m, 64, 64, 3), hence examples_first; a MATLAB matrix has one example per row. */
static gcv_status parse_data_named(gcv_parser *ps, const cJSON *d, size_t kind)
{
    gcv_data_spec *s = &ps->c->data;
    int h5 = kind == GCV_DATA_HDF5;
    const char *what = h5 ? "a dataset name" : "a variable name";
    gcv_status st = data_string(ps, d, "file", h5 ? "the path of an HDF5 file" :
                                "the path of a MATLAB .mat file", &s->file);
    if (!st)
        st = data_string(ps, d, "x", what, &s->x);
    if (!st)
        st = data_string(ps, d, "y", what, &s->y);
    if (!st)
        st = parse_layout(ps, d, GCV_N_OF(FILE_LAYOUTS),
                          h5 ? GCV_LAYOUT_FIRST : GCV_LAYOUT_EXAMPLES);
    return st ? st : gcv_json_get_number(&ps->j, "data", d, "scale", &gcv_parse_positive,
                                         &s->scale);
}

static gcv_status parse_csv_format(const gcv_parser *ps, const cJSON *d)
{
    gcv_csv_options *o = &ps->c->data.csv;
    const cJSON *dl = member(d, "delimiter"), *h = member(d, "header");
    o->delimiter = ',';
    o->header = -1;
    if (dl && !(cJSON_IsString(dl) && dl->valuestring[0] && !dl->valuestring[1] &&
                strchr(",;\t", dl->valuestring[0])))
        return gcv_json_expected(&ps->j, "data.delimiter", "\",\", \";\" or \"\\t\"", dl);
    if (dl)
        o->delimiter = dl->valuestring[0];
    if (cJSON_IsBool(h))
        o->header = cJSON_IsTrue(h);
    else if (h && !(cJSON_IsString(h) && strcmp(h->valuestring, "auto") == 0))
        return gcv_json_expected(&ps->j, "data.header", "true, false or \"auto\"", h);
    return GCV_OK;
}

/* data.label_columns: indices from 0 or header names, resolved once the file is read. */
static gcv_status parse_label_columns(const gcv_parser *ps, const cJSON *a)
{
    gcv_data_spec *s = &ps->c->data;
    const char *path = "data.label_columns";
    if (!a)
        return GCV_OK;
    if (!cJSON_IsArray(a) || !a->child)
        return gcv_json_expected(&ps->j, path, "a non-empty array of column indices (from 0) "
                                 "or header names", a);
    s->n_label_columns = count_items(a);
    if (!(s->label_columns = calloc(s->n_label_columns, sizeof *s->label_columns)))
        return gcv_parse_nomem(ps);
    size_t i = 0;
    for (const cJSON *e = a->child; e; e = e->next, i++) {
        gcv_label_column *col = &s->label_columns[i];
        char p[GCV_JPATH_LEN], shown[GCV_JSON_SHOW_MAX + 64];
        const char *str;
        gcv_json_path_index(p, sizeof p, path, i);
        gcv_status st = cJSON_IsString(e)
                            ? gcv_json_string(&ps->j, p, e, &str)
                            : gcv_json_size(&ps->j, p, e, 0, GCV_CONFIG_SIZE_LIMIT, &col->index);
        if (!st && cJSON_IsString(e))
            st = gcv_parse_strdup(ps, e, &col->name);
        if (st)
            return st;
        gcv_json_describe(e, shown, sizeof shown);
        if (!(col->shown = gcv_strdup(shown)))
            return gcv_parse_nomem(ps);
    }
    return GCV_OK;
}

/* csv: {"file": …, "delimiter": …, "header": …, "label_columns": […], "labels": …}. */
static gcv_status parse_data_csv(gcv_parser *ps, const cJSON *d)
{
    gcv_data_spec *s = &ps->c->data;
    size_t mode = 0;
    s->layout = GCV_LAYOUT_EXAMPLES;
    gcv_status st = data_string(ps, d, "file", "the path of a CSV file", &s->file);
    if (!st)
        st = parse_csv_format(ps, d);
    if (!st)
        st = parse_label_columns(ps, member(d, "label_columns"));
    if (!st)
        st = gcv_json_get_choice(&ps->j, "data", d, "labels", LABEL_MODES,
                                 GCV_N_OF(LABEL_MODES), &mode);
    s->labels = member(d, "labels") ? (gcv_label_mode)mode : GCV_LABELS_AUTO;
    return st ? st : gcv_json_get_number(&ps->j, "data", d, "scale", &gcv_parse_positive,
                                         &s->scale);
}

/* inline: {"x": [[…], …], "y": […]}, converted now, checked against the network by the
 * load. */
static gcv_status parse_data_inline(gcv_parser *ps, const cJSON *d)
{
    gcv_data_spec *s = &ps->c->data;
    const cJSON *x, *y;
    gcv_status st = gcv_parse_required(ps, "data", d, "x",
                                       "an array of rows (one per input feature)", &x);
    if (!st)
        st = gcv_parse_required(ps, "data", d, "y", "an array of labels", &y);
    if (!st)
        st = gcv_parse_array(ps, "data.x", x, &s->x_values);
    return st ? st : gcv_parse_array(ps, "data.y", y, &s->y_values);
}

gcv_status gcv_parse_data(gcv_parser *ps, const cJSON *d)
{
    static const char *const *const keys[] = {SYNTH_KEYS, NPY_KEYS, INLINE_KEYS, CSV_KEYS,
                                              FILE_KEYS, FILE_KEYS};
    static const size_t n_keys[] = {GCV_N_OF(SYNTH_KEYS), GCV_N_OF(NPY_KEYS),
                                    GCV_N_OF(INLINE_KEYS), GCV_N_OF(CSV_KEYS),
                                    GCV_N_OF(FILE_KEYS), GCV_N_OF(FILE_KEYS)};
    gcv_data_spec *s = &ps->c->data;
    if (!d)
        return GCV_OK;
    if (!cJSON_IsObject(d))
        return gcv_json_expected(&ps->j, "data", "an object", d);
    size_t kind;
    gcv_status st = parse_source(ps, d, &kind);
    if (!st)
        st = gcv_json_check_keys(&ps->j, "data", d, keys[kind], n_keys[kind]);
    if (st)
        return st;
    s->source = (gcv_data_source)kind;
    snprintf(ps->c->data_source, sizeof ps->c->data_source, "%s", SOURCES[kind]);
    if (kind == GCV_DATA_SYNTHETIC) {
        st = gcv_json_get_size(&ps->j, "data", d, "examples", 1, GCV_CONFIG_SIZE_LIMIT,
                               &s->examples);
        return st ? st : gcv_json_get_u64(&ps->j, "data", d, "seed", 0, GCV_JSON_INT_MAX,
                                          &s->seed);
    }
    s->seed = 0;
    if (kind == GCV_DATA_NPY)
        return parse_data_files(ps, d);
    if (kind == GCV_DATA_CSV)
        return parse_data_csv(ps, d);
    if (kind == GCV_DATA_HDF5 || kind == GCV_DATA_MAT)
        return parse_data_named(ps, d, kind);
    return parse_data_inline(ps, d);
}

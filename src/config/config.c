/* Loading a config file (doc/config.md) in two phases. Parsing (the top level
 * here, the sections in parse*.c) validates every key with its JSON path, allocates nothing
 * large and leaves plain values; the cJSON tree is deleted before anything is read. Loading
 * then runs the memory guard and reads or makes θ (model/init.c) and the data
 * (data/load.c), checks them against the network and takes the check.examples subset.
 * Every failure is one "file: path: expected …, got …" line. */
#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/gradients.h"
#include "config/parse.h"
#include "data/load.h"
#include "engine/memory.h"
#include "model/init.h"
#include "util/strutil.h"
#include "util/watch.h"

static const char *const TOP_KEYS[] = {"name",   "model",  "data",     "check",
                                       "report", "expect", "gradients"};
/* "expect": the outcome the config is meant to have (strict: the other one is an error). */
static const char *const EXPECT_NAMES[] = {"pass", "fail"};

/* A new config holding every default, for path (max_memory as given). */
static gcv_status config_new(const char *path, size_t max_memory, gcv_config **out,
                             gcv_error *err)
{
    gcv_config *c = *out = calloc(1, sizeof *c);
    if (c) {
        c->path = gcv_strdup(path);
        c->name = gcv_path_stem(path);
    }
    if (!c || !c->path || !c->name) {
        snprintf(err->msg, GCV_ERROR_LEN, "%s: out of memory", path);
        return GCV_ERR_NOMEM;
    }
    c->max_memory = max_memory;
    c->leaky_slope = 0.01;
    c->output = GCV_ACT_SIGMOID;
    c->loss = GCV_LOSS_BCE;
    c->keep_prob = 1.0;
    c->params.seed = 1;
    c->params.scale = 0.01;
    c->data.examples = 64;
    c->data.seed = 7;
    c->data.scale = 1.0;
    c->data.labels = GCV_LABELS_AUTO;
    c->top = 10;
    c->params_mode = GCV_REPORT_PARAMS_MISMATCHES;
    snprintf(c->data_source, sizeof c->data_source, "synthetic");
    gcv_options_default(&c->opts);
    return GCV_OK;
}

/* The top-level keys, then the sections in the order model, data, check, report. */
static gcv_status parse_root(gcv_parser *ps, const cJSON *root)
{
    gcv_config *c = ps->c;
    if (!cJSON_IsObject(root))
        return gcv_json_expected(&ps->j, "", "a JSON object at the top level", root);
    const char *name = NULL;
    size_t expect = 0;
    gcv_status st = gcv_json_check_keys(&ps->j, "", root, TOP_KEYS, GCV_N_OF(TOP_KEYS));
    if (!st)
        st = gcv_json_get_string(&ps->j, "", root, "name", &name);
    if (!st)
        st = gcv_json_get_choice(&ps->j, "", root, "expect", EXPECT_NAMES,
                                 GCV_N_OF(EXPECT_NAMES), &expect);
    if (st)
        return st;
    c->expect_fail = expect == 1;
    if (name) {
        free(c->name);
        if (!(c->name = gcv_strdup(name)))
            return gcv_parse_nomem(ps);
    }
    if ((st = gcv_parse_model(ps, member(root, "model"))) ||
        (st = gcv_parse_gradients(ps, member(root, "gradients"))))
        return st;
    if (c->is_plugin && member(root, "data"))
        return gcv_json_expected(&ps->j, "data", "no data section for a plugin model (the "
                                 "plugin reads its own data: pass file names in model.options)",
                                 member(root, "data"));
    if ((!c->is_plugin && (st = gcv_parse_data(ps, member(root, "data")))) ||
        (st = gcv_parse_check(ps, member(root, "check"))))
        return st;
    if (c->is_plugin && c->data.subset)
        return gcv_json_fail(&ps->j, "check.examples", "expected no example subset for a plugin "
                             "model (the plugin chooses its examples), got %zu", c->data.subset);
    return gcv_parse_report(ps, member(root, "report"));
}

/* A message "FILE: PATH: …" about a path an edit set gets " (from EDIT)" added. */
static void name_edit(const gcv_config *c, const gcv_config_edit *edit, gcv_error *err)
{
    size_t lf = strlen(c->path);
    if (strncmp(err->msg, c->path, lf) != 0 || strncmp(err->msg + lf, ": ", 2) != 0)
        return;
    const char *p = err->msg + lf + 2, *end = strstr(p, ": ");
    char path[256], by[300];
    size_t n = end ? (size_t)(end - p) : 0;
    if (n == 0 || n >= sizeof path)
        return;
    memcpy(path, p, n);
    path[n] = '\0';
    size_t len = strlen(err->msg);
    if (edit->origin(edit->ctx, path, by, sizeof by) && len < sizeof err->msg)
        snprintf(err->msg + len, sizeof err->msg - len, " (from %s)", by);
}

/* Reads and parses the file into c, edited first; the tree is gone on return. */
static gcv_status parse_file(gcv_config *c, const char *dir, const gcv_config_edit *edit,
                             gcv_error *err)
{
    gcv_parser ps = {.j = {.file = c->path, .err = err}, .c = c, .dir = dir};
    cJSON *root = NULL;
    gcv_status st = gcv_json_load_file(c->path, &root, err);
    if (!st && edit && edit->apply(edit->ctx, root, err) != 0)
        st = GCV_ERR_INVALID;
    else if (!st && (st = parse_root(&ps, root)) != GCV_OK && edit)
        name_edit(c, edit, err);
    cJSON_Delete(root);
    return st;
}

/* θ and the data of a parsed MLP config. */
static gcv_status load(gcv_config *c, const char *dir, gcv_error *err)
{
    if (c->is_plugin) /* nothing to load: the plugin owns θ and data */
        return GCV_OK;
    gcv_loader ld = {.j = {.file = c->path, .err = err}, .c = c, .dir = dir};
    ld.budget = c->max_memory ? c->max_memory : gcv_available_memory();
    if (c->gradients.file) { /* the dump's θ and data replace model.params and data */
        gcv_status st = gcv_gradients_load(&ld);
        free(ld.xr.data);
        free(ld.yr.data);
        return st;
    }
    gcv_status st = gcv_data_read_x(&ld);
    if (!st)
        st = gcv_data_guard(&ld, c->m_total);
    gcv_watch w = gcv_watch_of(c->opts.stop, c->opts.started, c->opts.max_seconds);
    if (!st)
        st = gcv_theta_load(&ld.j, c, dir, &w);
    if (!st)
        st = gcv_data_take(&ld);
    free(ld.xr.data);
    free(ld.yr.data);
    return st;
}

gcv_status gcv_config_load(const char *path, size_t max_memory, gcv_config **out,
                           gcv_error *err)
{
    return gcv_config_load_limited(path, max_memory, NULL, out, err);
}

gcv_status gcv_config_load_limited(const char *path, size_t max_memory,
                                   const gcv_options *limits, gcv_config **out, gcv_error *err)
{
    return gcv_config_load_full(path, max_memory, limits, NULL, NULL, out, err);
}

/* --gradients PATH (as given, not against the config's folder) in place of the file's. */
static gcv_status override_gradients(gcv_config *c, const char *gradients, gcv_error *err)
{
    if (c->is_plugin) {
        snprintf(err->msg, GCV_ERROR_LEN, "%s: --gradients: expected a built-in mlp model, "
                 "got a plugin (a dump is checked against the built-in network)", c->path);
        return GCV_ERR_INVALID;
    }
    free(c->gradients.file);
    if ((c->gradients.file = gcv_strdup(gradients)))
        return GCV_OK;
    snprintf(err->msg, GCV_ERROR_LEN, "%s: out of memory", c->path);
    return GCV_ERR_NOMEM;
}

gcv_status gcv_config_load_dump(const char *path, size_t max_memory, const gcv_options *limits,
                                const char *gradients, gcv_config **out, gcv_error *err)
{
    return gcv_config_load_full(path, max_memory, limits, NULL, gradients, out, err);
}

gcv_status gcv_config_load_edited(const char *path, size_t max_memory,
                                  const gcv_options *limits, const gcv_config_edit *edit,
                                  gcv_config **out, gcv_error *err)
{
    return gcv_config_load_full(path, max_memory, limits, edit, NULL, out, err);
}

gcv_status gcv_config_load_full(const char *path, size_t max_memory, const gcv_options *limits,
                                const gcv_config_edit *edit, const char *gradients,
                                gcv_config **out, gcv_error *err)
{
    gcv_error scratch;
    gcv_config *c = NULL;
    char *dir = NULL;
    if (!err)
        err = &scratch;
    *out = NULL;
    err->msg[0] = '\0';
    gcv_status st = config_new(path, max_memory, &c, err);
    if (!st && limits) {
        c->opts.stop = limits->stop;
        c->opts.started = limits->started;
        c->opts.max_seconds = limits->max_seconds;
    }
    if (!st && !(dir = gcv_path_dirname(path))) {
        snprintf(err->msg, GCV_ERROR_LEN, "%s: out of memory", path);
        st = GCV_ERR_NOMEM;
    }
    if (!st)
        st = parse_file(c, dir, edit, err);
    if (!st && gradients)
        st = override_gradients(c, gradients, err);
    if (!st && c->gradients.given && !c->gradients.file) {
        snprintf(err->msg, GCV_ERROR_LEN, "%s: gradients.file: expected a dump's file name "
                 "(here or with --gradients), got nothing", c->path);
        st = GCV_ERR_INVALID;
    }
    if (!st)
        st = load(c, dir, err);
    free(dir);
    if (st == GCV_OK)
        *out = c;
    else
        gcv_config_free(c);
    return st;
}

static void free_array(gcv_config_array *a)
{
    free(a->a.data);
    free(a->fault.msg);
}

static void free_specs(gcv_config *c)
{
    gcv_params_spec *p = &c->params;
    gcv_data_spec *d = &c->data;
    free(p->npy_dir);
    for (size_t i = 0; p->blocks && i < 2 * c->n_layers; i++)
        free_array(&p->blocks[i]);
    free(p->blocks);
    free(p->fault.msg);
    free(c->gradients.file);
    free(d->file);
    free(d->x);
    free(d->y);
    free_array(&d->x_values);
    free_array(&d->y_values);
    for (size_t i = 0; d->label_columns && i < d->n_label_columns; i++) {
        free(d->label_columns[i].name);
        free(d->label_columns[i].shown);
    }
    free(d->label_columns);
}

void gcv_config_free(gcv_config *c)
{
    if (!c)
        return;
    free_specs(c);
    free(c->path);
    free(c->name);
    free(c->sizes);
    free(c->hidden);
    free(c->inject);
    free(c->theta);
    free(c->grad);
    free(c->x);
    free(c->y);
    free(c->json_path);
    free(c->junit_path);
    free(c->html_path);
    free(c->plugin_library);
    free(c->plugin_options);
    free(c->plugin_dir);
    for (size_t i = 0; i < c->process_argc; i++)
        free(c->process_argv[i]);
    free(c->process_argv);
    free(c->process_cwd);
    for (size_t i = 0; i < c->n_notes; i++)
        free(c->notes[i]);
    free(c->notes);
    free(c);
}

int gcv_config_precision_defaults(gcv_config *c, gcv_precision p)
{
    if (p == GCV_DOUBLE)
        return 0;
    gcv_options d;
    gcv_options_default_for(&d, p);
    if (!(c->given & GCV_GIVEN_EPSILON) && !c->opts.epsilon_auto) {
        c->opts.epsilon = d.epsilon;
        c->opts.step_pilot = d.step_pilot;
    }
    if (!(c->given & GCV_GIVEN_THRESHOLD))
        c->opts.threshold = d.threshold;
    if (!(c->given & GCV_GIVEN_RTOL))
        c->opts.rtol = d.rtol;
    if (!(c->given & GCV_GIVEN_ATOL))
        c->opts.atol = d.atol;
    return 1;
}

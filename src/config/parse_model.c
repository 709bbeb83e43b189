/* Parsing the model section: the MLP's layers, activations, loss, regularisation and
 * where θ comes from (model.params), a plugin's library and options, or a worker process's
 * command, folder, options and timeout. model.inject has
 * its own file (parse_inject.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/parse.h"
#include "model/mlp.h"
#include "util/strutil.h"

static const char *const MODEL_KEYS[] = {"type", "layers", "hidden_activation", "leaky_slope",
                                         "output_activation", "loss", "l2", "dropout",
                                         "params", "inject"};
static const char *const PLUGIN_KEYS[] = {"type", "library", "options"};
static const char *const PROCESS_KEYS[] = {"type", "command", "cwd", "options", "timeout"};
static const char *const DROPOUT_KEYS[] = {"keep_prob", "seed"};
static const char *const PARAMS_KEYS[] = {"init", "seed", "scale", "npy_dir", "values",
                                          "weights"};
/* out_in: W_l is (n_l, n_{l-1}), gcverify's own layout; in_out: the transpose, as code
 * computing X·W stores it. */
static const char *const WEIGHTS_NAMES[] = {"out_in", "in_out"};

static const char *const INIT_NAMES[] = {"he", "xavier", "normal"}; /* gcv_init_kind order */

static gcv_status parse_layers(gcv_parser *ps, const cJSON *a)
{
    gcv_config *c = ps->c;
    const char *what = "an array of at least 2 positive integers (input, …, output sizes)";
    if (!a)
        return gcv_json_fail(&ps->j, "model.layers", "expected %s, got nothing", what);
    size_t n = count_items(a);
    if (!cJSON_IsArray(a) || n < 2)
        return gcv_json_expected(&ps->j, "model.layers", what, a);
    c->sizes = malloc(n * sizeof *c->sizes);
    if (!c->sizes)
        return gcv_parse_nomem(ps);
    c->n_layers = n - 1;
    size_t i = 0;
    for (const cJSON *e = a->child; e; e = e->next, i++) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, "model.layers", i);
        gcv_status st = gcv_json_size(&ps->j, p, e, 1, GCV_CONFIG_SIZE_LIMIT, &c->sizes[i]);
        if (st)
            return st;
    }
    return GCV_OK;
}

/* One name for every hidden layer, or an array of L−1 names. */
static gcv_status parse_hidden(gcv_parser *ps, const cJSON *h)
{
    gcv_config *c = ps->c;
    size_t nh = c->n_layers - 1;
    const char *path = "model.hidden_activation";
    c->hidden = malloc((nh ? nh : 1) * sizeof *c->hidden);
    if (!c->hidden)
        return gcv_parse_nomem(ps);
    for (size_t i = 0; i < nh; i++)
        c->hidden[i] = GCV_ACT_RELU;
    if (!h)
        return GCV_OK;
    if (!cJSON_IsArray(h)) {
        gcv_act_id id;
        gcv_status st = gcv_parse_hidden_name(ps, path, h, &id);
        for (size_t i = 0; i < nh && !st; i++)
            c->hidden[i] = id;
        return st;
    }
    if (count_items(h) != nh) {
        char shown[GCV_JSON_SHOW_MAX + 64];
        gcv_json_describe(h, shown, sizeof shown);
        return gcv_json_fail(&ps->j, path, "expected a name or an array of %zu names (one per "
                             "hidden layer), got %s", nh, shown);
    }
    size_t i = 0;
    for (const cJSON *e = h->child; e; e = e->next, i++) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, path, i);
        gcv_status st = gcv_parse_hidden_name(ps, p, e, &c->hidden[i]);
        if (st)
            return st;
    }
    return GCV_OK;
}

static gcv_status parse_dropout(gcv_parser *ps, const cJSON *d)
{
    static const gcv_jnum keep = {0.0, 1.0, 1, 0, "a number in (0, 1]"};
    if (!d)
        return GCV_OK;
    gcv_status st = gcv_json_check_keys(&ps->j, "model.dropout", d, DROPOUT_KEYS,
                                        GCV_N_OF(DROPOUT_KEYS));
    if (!st)
        st = gcv_json_get_number(&ps->j, "model.dropout", d, "keep_prob", &keep,
                                 &ps->c->keep_prob);
    if (!st)
        st = gcv_json_get_u64(&ps->j, "model.dropout", d, "seed", 0, GCV_JSON_INT_MAX,
                              &ps->c->dropout_seed);
    return st;
}

static gcv_status parse_output_loss(gcv_parser *ps, const cJSON *m)
{
    gcv_config *c = ps->c;
    const char *outputs[GCV_ACT_COUNT], *losses[GCV_LOSS_COUNT];
    size_t n_outputs = gcv_act_names(GCV_ACT_OUTPUT, outputs);
    size_t n_losses = gcv_loss_names(losses);
    size_t out = 0, loss = 0;
    gcv_status st = gcv_json_get_choice(&ps->j, "model", m, "output_activation", outputs,
                                        n_outputs, &out);
    if (!st)
        st = gcv_json_get_choice(&ps->j, "model", m, "loss", losses, n_losses, &loss);
    if (st)
        return st;
    gcv_act_parse(outputs[out], &c->output); /* names of the tables: always found */
    gcv_loss_parse(losses[loss], &c->loss);
    /* Softmax needs two outputs to normalise over, and its cross-entropy needs softmax. */
    size_t n_out = c->sizes[c->n_layers];
    if (c->loss == GCV_LOSS_SOFTMAX_CE && c->output != GCV_ACT_SOFTMAX)
        return gcv_json_fail(&ps->j, "model.output_activation", "expected \"softmax\" with the "
                             "loss softmax_cross_entropy, got \"%s\"", outputs[out]);
    if (c->output == GCV_ACT_SOFTMAX && n_out < 2) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, "model.layers", c->n_layers);
        return gcv_json_fail(&ps->j, p, "expected at least 2 outputs for a softmax output, "
                             "got %zu", n_out);
    }
    return GCV_OK;
}

/* {"init": …, "seed": …, "scale": …}: the defaults fill what is left out. */
static gcv_status parse_init(gcv_parser *ps, const cJSON *p)
{
    gcv_params_spec *s = &ps->c->params;
    size_t k = 0;
    gcv_status st = gcv_json_get_choice(&ps->j, "model.params", p, "init", INIT_NAMES,
                                        GCV_N_OF(INIT_NAMES), &k);
    if (st)
        return st;
    s->init = (unsigned)k;
    st = gcv_json_get_u64(&ps->j, "model.params", p, "seed", 0, GCV_JSON_INT_MAX, &s->seed);
    const cJSON *scale = member(p, "scale");
    if (st || !scale)
        return st;
    if (s->init != GCV_INIT_NORMAL) {
        char shown[GCV_JSON_SHOW_MAX + 64];
        gcv_json_describe(scale, shown, sizeof shown);
        return gcv_json_fail(&ps->j, "model.params.scale", "expected no scale with init \"%s\" "
                             "(only \"normal\" takes one), got %s", INIT_NAMES[k], shown);
    }
    return gcv_json_number(&ps->j, "model.params.scale", scale, &gcv_parse_positive,
                           &s->scale);
}

/* Indexes values' members by block (W_l at 2(l−1), b_l after it), refusing unknown and
 * repeated keys; one pass, so a network of many layers costs no quadratic lookup. */
static gcv_status index_values(const gcv_parser *ps, const cJSON *v, const cJSON **items)
{
    const char *vp = "model.params.values";
    size_t L = ps->c->n_layers;
    char range[64];
    gcv_parse_block_range(L, range, sizeof range);
    for (const cJSON *e = v->child; e; e = e->next) {
        char p[GCV_JPATH_LEN];
        const char *key = e->string ? e->string : "";
        size_t l;
        int is_b;
        gcv_json_path_key(p, sizeof p, vp, key);
        if (!gcv_parse_block(key, L, &is_b, &l))
            return gcv_json_fail(&ps->j, p, "unknown key; expected the blocks %s", range);
        size_t i = 2 * (l - 1) + (size_t)is_b;
        if (items[i])
            return gcv_json_fail(&ps->j, p, "expected each key once, got \"%s\" a second time",
                                 key);
        items[i] = e;
    }
    return GCV_OK;
}

/* The blocks of model.params.values in θ order. Their faults (an unknown or repeated key, a
 * missing block, a malformed array) are kept for the load, which checks the blocks against
 * the network in that order; blocks after the first fault are never reached. */
static gcv_status parse_values(gcv_parser *ps, const cJSON *v)
{
    const char *vp = "model.params.values";
    gcv_params_spec *s = &ps->c->params;
    size_t L = ps->c->n_layers;
    gcv_error scratch;
    gcv_parser deferred = *ps;
    deferred.j.err = &scratch;
    const cJSON **items = calloc(2 * L, sizeof *items);
    s->blocks = calloc(2 * L, sizeof *s->blocks);
    if (!items || !s->blocks) {
        free(items);
        return gcv_parse_nomem(ps);
    }
    gcv_status st = index_values(&deferred, v, items);
    if (st)
        st = gcv_parse_defer(ps, &scratch, st, &s->fault);
    for (size_t i = 0; i < 2 * L && !st && !s->fault.st; i++) {
        gcv_config_array *b = &s->blocks[i];
        char name[32], p[GCV_JPATH_LEN], range[64];
        snprintf(name, sizeof name, "%c%zu", i % 2 ? 'b' : 'W', i / 2 + 1);
        gcv_json_path_key(p, sizeof p, vp, name);
        if (items[i]) {
            st = gcv_parse_array(ps, p, items[i], b);
            if (!st && b->fault.st)
                break;
            continue;
        }
        gcv_parse_block_range(L, range, sizeof range);
        st = gcv_json_fail(&deferred.j, vp, "expected every block (%s), got no \"%s\"", range,
                           name);
        st = gcv_parse_defer(ps, &scratch, st, &b->fault);
        break;
    }
    free(items);
    return st;
}

static gcv_status parse_params(gcv_parser *ps, const cJSON *p)
{
    gcv_params_spec *s = &ps->c->params;
    if (!p)
        return GCV_OK;
    gcv_status st = gcv_json_check_keys(&ps->j, "model.params", p, PARAMS_KEYS,
                                        GCV_N_OF(PARAMS_KEYS));
    if (st)
        return st;
    const cJSON *dir = member(p, "npy_dir"), *vals = member(p, "values");
    int init = member(p, "init") || member(p, "seed") || member(p, "scale");
    if ((dir != NULL) + (vals != NULL) + init > 1)
        return gcv_json_expected(&ps->j, "model.params", "exactly one of {\"init\": …}, "
                                 "{\"npy_dir\": …} or {\"values\": …}", p);
    size_t weights = 0;
    if ((st = gcv_json_get_choice(&ps->j, "model.params", p, "weights", WEIGHTS_NAMES,
                                  GCV_N_OF(WEIGHTS_NAMES), &weights)))
        return st;
    s->in_out = weights == 1;
    s->weights_given = member(p, "weights") != NULL;
    if (s->weights_given && !dir && !vals)
        return gcv_json_expected(&ps->j, "model.params.weights", "no weights layout with "
                                 "initialised parameters (it says how npy_dir or values lay "
                                 "W out)", member(p, "weights"));
    if (dir) {
        const char *str;
        s->source = GCV_PARAMS_NPY;
        st = gcv_json_string(&ps->j, "model.params.npy_dir", dir, &str);
        return st ? st : gcv_parse_strdup(ps, dir, &s->npy_dir);
    }
    if (vals) {
        s->source = GCV_PARAMS_VALUES;
        if (!cJSON_IsObject(vals))
            return gcv_json_expected(&ps->j, "model.params.values",
                                     "an object of blocks {\"W1\": [[…]], \"b1\": [[…]], …}", vals);
        return parse_values(ps, vals);
    }
    return parse_init(ps, p);
}

/* model.type "plugin": the library (resolved against the config's folder) and its options,
 * handed to the plugin as JSON text. The plugin owns its data, so there is no data section. */
static gcv_status parse_plugin(gcv_parser *ps, const cJSON *m)
{
    const gcv_jctx *j = &ps->j;
    const cJSON *libj = NULL;
    gcv_status st = gcv_json_check_keys(j, "model", m, PLUGIN_KEYS, GCV_N_OF(PLUGIN_KEYS));
    if (!st)
        st = gcv_parse_required(ps, "model", m, "library",
                                "the path of the plugin's shared object", &libj);
    if (st)
        return st;
    if (!cJSON_IsString(libj) || !libj->valuestring[0])
        return gcv_json_expected(j, "model.library", "a non-empty path", libj);
    const char *lib = libj->valuestring;
    const cJSON *opts = member(m, "options");
    if (opts && !cJSON_IsObject(opts))
        return gcv_json_expected(j, "model.options", "an object (handed to the plugin as JSON)",
                                 opts);
    gcv_config *c = ps->c;
    c->is_plugin = 1;
    /* A path resolves against the config's folder; a bare name is searched for by the
     * loader (GCV_PLUGIN_PATH, next to gcverify, the installed folder). */
    c->plugin_library = strchr(lib, '/') ? gcv_path_join(ps->dir, lib) : gcv_strdup(lib);
    c->plugin_options = opts ? cJSON_PrintUnformatted(opts) : gcv_strdup("{}");
    c->plugin_dir = gcv_strdup(ps->dir);
    if (!c->plugin_library || !c->plugin_options || !c->plugin_dir)
        return gcv_parse_nomem(ps);
    snprintf(c->data_source, sizeof c->data_source, "plugin");
    return GCV_OK;
}

/* model.command: the worker's argv, a non-empty array of non-empty strings. */
static gcv_status parse_command(gcv_parser *ps, const cJSON *cmd)
{
    const char *what = "a non-empty array of strings (the program and its arguments, e.g. "
                       "[\"python3\", \"check_mine.py\"])";
    size_t n = count_items(cmd);
    if (!cJSON_IsArray(cmd) || n == 0 || n > 4096)
        return gcv_json_expected(&ps->j, "model.command", what, cmd);
    gcv_config *c = ps->c;
    if (!(c->process_argv = calloc(n + 1, sizeof *c->process_argv)))
        return gcv_parse_nomem(ps);
    size_t i = 0;
    for (const cJSON *e = cmd->child; e; e = e->next, i++) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, "model.command", i);
        if (!cJSON_IsString(e) || !e->valuestring[0])
            return gcv_json_expected(&ps->j, p, "a non-empty string", e);
        if (!(c->process_argv[i] = gcv_strdup(e->valuestring)))
            return gcv_parse_nomem(ps);
        c->process_argc = i + 1;
    }
    return GCV_OK;
}

/* model.type "process": the worker's command (run in model.cwd, resolved against the config's
 * folder, which is also the default), its options (handed to each worker as JSON text) and
 * its timeout per evaluation. Like a plugin, the worker owns θ and the data. */
static gcv_status parse_process(gcv_parser *ps, const cJSON *m)
{
    const gcv_jctx *j = &ps->j;
    gcv_config *c = ps->c;
    const cJSON *cmd = NULL, *cwd = member(m, "cwd"), *opts = member(m, "options");
    gcv_status st = gcv_json_check_keys(j, "model", m, PROCESS_KEYS, GCV_N_OF(PROCESS_KEYS));
    if (!st)
        st = gcv_parse_required(ps, "model", m, "command", "the worker's command, e.g. "
                                "[\"python3\", \"check_mine.py\"]", &cmd);
    if (!st)
        st = parse_command(ps, cmd);
    if (!st)
        st = gcv_json_get_number(j, "model", m, "timeout", &gcv_parse_positive,
                                 &c->process_timeout);
    if (st)
        return st;
    if (cwd && (!cJSON_IsString(cwd) || !cwd->valuestring[0]))
        return gcv_json_expected(j, "model.cwd", "a non-empty path (the workers' folder)", cwd);
    if (opts && !cJSON_IsObject(opts))
        return gcv_json_expected(j, "model.options", "an object (handed to each worker as "
                                 "JSON)", opts);
    c->is_plugin = 1;
    c->is_process = 1;
    c->process_cwd = cwd ? gcv_path_join(ps->dir, cwd->valuestring) : gcv_strdup(ps->dir);
    c->plugin_options = opts ? cJSON_PrintUnformatted(opts) : gcv_strdup("{}");
    c->plugin_dir = gcv_strdup(ps->dir);
    if (!c->process_cwd || !c->plugin_options || !c->plugin_dir)
        return gcv_parse_nomem(ps);
    snprintf(c->data_source, sizeof c->data_source, "process");
    return GCV_OK;
}

gcv_status gcv_parse_model(gcv_parser *ps, const cJSON *m)
{
    const gcv_jctx *j = &ps->j;
    gcv_config *c = ps->c;
    if (!m)
        return gcv_json_fail(j, "model", "expected an object describing the network, got "
                             "nothing");
    const cJSON *type = member(m, "type");
    if (type && cJSON_IsString(type) && strcmp(type->valuestring, "plugin") == 0)
        return parse_plugin(ps, m);
    if (type && cJSON_IsString(type) && strcmp(type->valuestring, "process") == 0)
        return parse_process(ps, m);
    if (type && !(cJSON_IsString(type) && strcmp(type->valuestring, "mlp") == 0))
        return gcv_json_expected(j, "model.type", "\"mlp\", \"plugin\" or \"process\"",
                                 type);
    gcv_status st = gcv_json_check_keys(j, "model", m, MODEL_KEYS, GCV_N_OF(MODEL_KEYS));
    if (st)
        return st;
    if ((st = parse_layers(ps, member(m, "layers"))) ||
        (st = parse_hidden(ps, member(m, "hidden_activation"))) ||
        (st = gcv_json_get_number(j, "model", m, "leaky_slope", &gcv_parse_any_finite,
                                  &c->leaky_slope)) ||
        (st = parse_output_loss(ps, m)) ||
        (st = gcv_json_get_number(j, "model", m, "l2", &gcv_parse_non_negative, &c->l2)) ||
        (st = parse_dropout(ps, member(m, "dropout"))) ||
        (st = parse_params(ps, member(m, "params"))))
        return st;
    return gcv_parse_inject(ps, member(m, "inject"));
}

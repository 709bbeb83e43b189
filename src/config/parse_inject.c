/* Parsing model.inject: the faults to inject into the MLP's analytic gradient, each a block
 * and a kind ("scale" with a factor and maybe one row, "wrong_derivative" with the
 * activation whose derivative is used instead, and the kinds that take nothing). */
#include <stdio.h>
#include <stdlib.h>

#include "config/parse.h"
#include "model/mlp.h"

static const char *const INJECT_KEYS[] = {"block", "kind", "factor", "with", "row"};
static const char *const INJECT_KINDS[] = {"scale",     "sign",    "zero",
                                           "drop_mean", "drop_l2", "wrong_derivative",
                                           "transpose"};

/* A "factor" or "with" given to a kind that takes none. */
static gcv_status refuse_arg(const gcv_parser *ps, const char *path, const cJSON *e,
                             const char *key, const char *kind)
{
    const cJSON *v = member(e, key);
    if (!v)
        return GCV_OK;
    char p[GCV_JPATH_LEN], shown[GCV_JSON_SHOW_MAX + 64];
    gcv_json_path_key(p, sizeof p, path, key);
    gcv_json_describe(v, shown, sizeof shown);
    return gcv_json_fail(&ps->j, p, "expected no \"%s\" for kind \"%s\", got %s", key, kind,
                         shown);
}

/* wrong_derivative replaces a hidden activation's derivative: the block's layer must have one. */
static gcv_status hidden_block(const gcv_parser *ps, const char *path, const gcv_inject *in,
                               size_t layer)
{
    size_t L = ps->c->n_layers;
    char bp[GCV_JPATH_LEN];
    if (layer < L)
        return GCV_OK;
    gcv_json_path_key(bp, sizeof bp, path, "block");
    if (L == 1)
        return gcv_json_fail(&ps->j, bp, "expected a block of a hidden layer for "
                             "wrong_derivative, got \"%s\" (the network has no hidden layer)",
                             in->block);
    return gcv_json_fail(&ps->j, bp, "expected a block of a hidden layer (layers 1 to %zu) for "
                         "wrong_derivative, got \"%s\"", L - 1, in->block);
}

/* "factor" belongs to scale (required there) and "with" to wrong_derivative. */
static gcv_status parse_inject_args(gcv_parser *ps, const char *path, const cJSON *e,
                                    gcv_inject *out, size_t layer)
{
    const char *kind = INJECT_KINDS[out->kind];
    int scale = out->kind == GCV_INJECT_SCALE, wrong = out->kind == GCV_INJECT_WRONG_DERIVATIVE;
    gcv_status st = scale ? GCV_OK : refuse_arg(ps, path, e, "factor", kind);
    if (!st && !scale)
        st = refuse_arg(ps, path, e, "row", kind);
    if (!st && scale && member(e, "row")) {
        /* "row": only that row of the block is scaled (a bug confined to one unit). */
        char rp[GCV_JPATH_LEN];
        size_t row = 0;
        gcv_json_path_key(rp, sizeof rp, path, "row");
        st = gcv_json_size(&ps->j, rp, member(e, "row"), 0,
                           ps->c->sizes[layer] ? ps->c->sizes[layer] - 1 : 0, &row);
        out->only_row = row + 1;
    }
    if (!st && !wrong)
        st = refuse_arg(ps, path, e, "with", kind);
    if (st || (!scale && !wrong))
        return st;
    const char *arg = scale ? "factor" : "with";
    const cJSON *v;
    char p[GCV_JPATH_LEN];
    gcv_json_path_key(p, sizeof p, path, arg);
    st = gcv_parse_required(ps, path, e, arg,
                            scale ? "a finite number (the factor for kind \"scale\")"
                                  : "an activation name (for kind \"wrong_derivative\")", &v);
    if (!st && scale)
        return gcv_json_number(&ps->j, p, v, &gcv_parse_any_finite, &out->factor);
    if (!st)
        st = hidden_block(ps, path, out, layer);
    return st ? st : gcv_parse_hidden_name(ps, p, v, &out->with);
}

static gcv_status parse_inject_one(gcv_parser *ps, const char *path, const cJSON *e,
                                   gcv_inject *out)
{
    const cJSON *b = NULL, *k = NULL;
    char bp[GCV_JPATH_LEN], range[64];
    size_t kind, layer;
    int is_b;
    gcv_parse_block_range(ps->c->n_layers, range, sizeof range);
    gcv_status st = gcv_json_check_keys(&ps->j, path, e, INJECT_KEYS, GCV_N_OF(INJECT_KEYS));
    if (!st)
        st = gcv_parse_required(ps, path, e, "block", "a block name such as \"W1\"", &b);
    if (st)
        return st;
    gcv_json_path_key(bp, sizeof bp, path, "block");
    if (!cJSON_IsString(b) || !b->valuestring ||
        !gcv_parse_block(b->valuestring, ps->c->n_layers, &is_b, &layer)) {
        char what[96];
        snprintf(what, sizeof what, "a block of the network (%s)", range);
        return gcv_json_expected(&ps->j, bp, what, b);
    }
    snprintf(out->block, sizeof out->block, "%.*s", GCV_NAME_LEN - 1, b->valuestring);
    st = gcv_parse_required(ps, path, e, "kind", "one of scale, sign, zero, drop_mean, "
                            "drop_l2, wrong_derivative, transpose", &k);
    if (st)
        return st;
    char kp[GCV_JPATH_LEN];
    gcv_json_path_key(kp, sizeof kp, path, "kind");
    st = gcv_json_choice(&ps->j, kp, k, INJECT_KINDS, GCV_N_OF(INJECT_KINDS), &kind);
    if (st)
        return st;
    out->kind = (gcv_inject_kind)kind;
    return parse_inject_args(ps, path, e, out, layer);
}

gcv_status gcv_parse_inject(gcv_parser *ps, const cJSON *a)
{
    gcv_config *c = ps->c;
    if (!a)
        return GCV_OK;
    if (!cJSON_IsArray(a))
        return gcv_json_expected(&ps->j, "model.inject",
                                 "an array of {\"block\": …, \"kind\": …} objects", a);
    size_t n = count_items(a);
    c->inject = calloc(n ? n : 1, sizeof *c->inject);
    if (!c->inject)
        return gcv_parse_nomem(ps);
    c->n_inject = n;
    size_t i = 0;
    for (const cJSON *e = a->child; e; e = e->next, i++) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, "model.inject", i);
        gcv_status st = parse_inject_one(ps, p, e, &c->inject[i]);
        if (st)
            return st;
    }
    return GCV_OK;
}

/* The helpers the config's section parsers share: required members, strings, block names,
 * hidden activation names and arrays of numbers. See parse.h. */
#include "config/parse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"

const gcv_jnum gcv_parse_any_finite = {-HUGE_VAL, HUGE_VAL, 0, 0, "a finite number"};
const gcv_jnum gcv_parse_non_negative = {0.0, HUGE_VAL, 0, 0, "a non-negative number"};
const gcv_jnum gcv_parse_positive = {0.0, HUGE_VAL, 1, 0, "a positive number"};

gcv_status gcv_parse_nomem(const gcv_parser *ps)
{
    snprintf(ps->j.err->msg, GCV_ERROR_LEN, "%s: out of memory", ps->j.file);
    return GCV_ERR_NOMEM;
}

gcv_status gcv_parse_required(const gcv_parser *ps, const char *objpath, const cJSON *obj,
                              const char *key, const char *what, const cJSON **out)
{
    *out = member(obj, key);
    if (*out)
        return GCV_OK;
    char p[GCV_JPATH_LEN];
    gcv_json_path_key(p, sizeof p, objpath, key);
    return gcv_json_fail(&ps->j, p, "expected %s, got nothing", what);
}

gcv_status gcv_parse_strdup(const gcv_parser *ps, const cJSON *item, char **out)
{
    *out = gcv_strdup(item->valuestring);
    return *out ? GCV_OK : gcv_parse_nomem(ps);
}

gcv_status gcv_parse_hidden_name(gcv_parser *ps, const char *path, const cJSON *item,
                                 gcv_act_id *out)
{
    const char *names[GCV_ACT_COUNT];
    size_t k, n = gcv_act_names(GCV_ACT_HIDDEN, names);
    gcv_status st = gcv_json_choice(&ps->j, path, item, names, n, &k);
    if (!st)
        gcv_act_parse(names[k], out); /* a name of the table: always found */
    return st;
}

int gcv_parse_block(const char *s, size_t n_layers, int *is_b, size_t *layer)
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

void gcv_parse_block_range(size_t n_layers, char *out, size_t n)
{
    if (n_layers == 1)
        snprintf(out, n, "W1 and b1");
    else
        snprintf(out, n, "W1" GCV_ELLIPSIS "W%zu and b1" GCV_ELLIPSIS "b%zu", n_layers,
                 n_layers);
}

gcv_status gcv_parse_defer(const gcv_parser *ps, const gcv_error *scratch, gcv_status st,
                           gcv_config_fault *out)
{
    out->st = st;
    out->msg = gcv_strdup(scratch->msg);
    return out->msg ? GCV_OK : gcv_parse_nomem(ps);
}

/* ---------------------------------------------------------------------------------------
 * Arrays of numbers */

static gcv_status json_row(const gcv_parser *ps, const char *path, const cJSON *row,
                           size_t cols, double *out)
{
    if (!cJSON_IsArray(row) || count_items(row) != cols) {
        char shown[GCV_JSON_SHOW_MAX + 64];
        gcv_json_describe(row, shown, sizeof shown);
        return gcv_json_fail(&ps->j, path, "expected a row of %zu numbers like the first, got "
                             "%s", cols, shown);
    }
    size_t k = 0;
    for (const cJSON *e = row->child; e; e = e->next, k++) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, path, k);
        gcv_status st = gcv_json_number(&ps->j, p, e, &gcv_parse_any_finite, &out[k]);
        if (st)
            return st;
    }
    return GCV_OK;
}

/* The array as doubles; on failure out->data is NULL. The sizes are bounded by the file's,
 * so no memory guard is needed. */
static gcv_status json_array(const gcv_parser *ps, const char *path, const cJSON *a,
                             gcv_npy *out)
{
    memset(out, 0, sizeof *out);
    if (cJSON_IsNumber(a)) { /* MATLAB's jsonencode writes a 1×1 matrix as a bare number */
        out->ndim = 1;
        out->shape[0] = out->count = 1;
        if (!(out->data = malloc(sizeof *out->data)))
            return gcv_parse_nomem(ps);
        gcv_status st = gcv_json_number(&ps->j, path, a, &gcv_parse_any_finite, out->data);
        if (st) {
            free(out->data);
            out->data = NULL;
        }
        return st;
    }
    if (!cJSON_IsArray(a))
        return gcv_json_expected(&ps->j, path, "an array of numbers or of rows of numbers", a);
    int two_d = a->child && cJSON_IsArray(a->child);
    size_t rows = count_items(a), cols = two_d ? count_items(a->child) : 1;
    out->ndim = two_d ? 2 : 1;
    out->shape[0] = rows;
    out->shape[1] = cols;
    out->count = rows * cols;
    out->data = malloc((out->count ? out->count : 1) * sizeof *out->data);
    if (!out->data)
        return gcv_parse_nomem(ps);
    gcv_status st = GCV_OK;
    size_t i = 0;
    for (const cJSON *r = a->child; r && !st; r = r->next, i++) {
        char p[GCV_JPATH_LEN];
        gcv_json_path_index(p, sizeof p, path, i);
        st = two_d ? json_row(ps, p, r, cols, out->data + i * cols)
                   : gcv_json_number(&ps->j, p, r, &gcv_parse_any_finite, &out->data[i]);
    }
    if (st) {
        free(out->data);
        out->data = NULL;
    }
    return st;
}

gcv_status gcv_parse_array(gcv_parser *ps, const char *path, const cJSON *a,
                           gcv_config_array *out)
{
    gcv_error scratch;
    gcv_parser deferred = *ps;
    deferred.j.err = &scratch;
    out->given = 1;
    gcv_status st = json_array(&deferred, path, a, &out->a);
    return st ? gcv_parse_defer(ps, &scratch, st, &out->fault) : GCV_OK;
}

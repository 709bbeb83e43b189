/* model.options as a plugin sees it: parsed once by gcverify and read through the
 * accessors of gcv_plugin_args (get_number, get_string, get_bool, get_numbers, only_keys),
 * so a plugin neither parses JSON nor links anything of gcverify: the accessors are
 * function pointers in the arguments it is handed.
 *
 * Errors name the key as a config path ("model.options.lr: expected a number, got
 * \"fast\"") and go into args->err, the line gcverify prints when the plugin then returns
 * non-zero. The JSON text of options_json stays in the arguments too (version 1 plugins read
 * it, and a plugin with nested options may still want it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "model/plugin-internal.h"

static const cJSON *member(const gcv_plugin_args *a, const char *key)
{
    const gcv_plugin_args_full *f = (const gcv_plugin_args_full *)a;
    return f->options && key ? cJSON_GetObjectItemCaseSensitive(f->options, key) : NULL;
}

/* What a value is, for "got …": the value itself when short, else its kind. */
static void shown(const cJSON *v, char *buf, size_t n)
{
    char *text = cJSON_PrintUnformatted(v);
    if (text && strlen(text) <= 40)
        snprintf(buf, n, "%s", text);
    else
        snprintf(buf, n, "%s", cJSON_IsObject(v) ? "an object" : cJSON_IsArray(v) ? "an array"
                               : cJSON_IsString(v) ? "a long string" : "another value");
    free(text);
}

static int wrong(const gcv_plugin_args *a, const char *key, const char *expected,
                 const cJSON *v)
{
    char got[64];
    shown(v, got, sizeof got);
    if (a->err && a->err_len)
        snprintf(a->err, a->err_len, "model.options.%s: expected %s, got %s", key, expected,
                 got);
    return -1;
}

static int get_number(const gcv_plugin_args *a, const char *key, double *out)
{
    const cJSON *v = member(a, key);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v))
        return wrong(a, key, "a number", v);
    *out = v->valuedouble;
    return 1;
}

static int get_string(const gcv_plugin_args *a, const char *key, const char **out)
{
    const cJSON *v = member(a, key);
    if (!v)
        return 0;
    if (!cJSON_IsString(v))
        return wrong(a, key, "a string", v);
    *out = v->valuestring;
    return 1;
}

static int get_bool(const gcv_plugin_args *a, const char *key, int *out)
{
    const cJSON *v = member(a, key);
    if (!v)
        return 0;
    if (!cJSON_IsBool(v))
        return wrong(a, key, "true or false", v);
    *out = cJSON_IsTrue(v);
    return 1;
}

static int get_numbers(const gcv_plugin_args *a, const char *key, double *out, size_t max,
                       size_t *n)
{
    const cJSON *v = member(a, key), *e;
    if (!v)
        return 0;
    if (!cJSON_IsArray(v))
        return wrong(a, key, "an array of numbers", v);
    size_t k = 0;
    cJSON_ArrayForEach(e, v) {
        if (!cJSON_IsNumber(e))
            return wrong(a, key, "an array of numbers", v);
        if (k == max) {
            char expected[64];
            snprintf(expected, sizeof expected, "at most %zu numbers", max);
            return wrong(a, key, expected, v);
        }
        out[k++] = e->valuedouble;
    }
    *n = k;
    return 1;
}

static int only_keys(const gcv_plugin_args *a, const char *const *keys, size_t n)
{
    const gcv_plugin_args_full *f = (const gcv_plugin_args_full *)a;
    const cJSON *e;
    cJSON_ArrayForEach(e, (const cJSON *)f->options) {
        size_t k = 0;
        while (k < n && strcmp(keys[k], e->string) != 0)
            k++;
        if (k < n)
            continue;
        size_t used = 0;
        if (a->err && a->err_len) {
            used = (size_t)snprintf(a->err, a->err_len, "model.options.%s: expected one of",
                                    e->string);
            for (k = 0; k < n && used < a->err_len; k++)
                used += (size_t)snprintf(a->err + used, a->err_len - used, "%s %s",
                                         k ? "," : "", keys[k]);
            if (used < a->err_len)
                snprintf(a->err + used, a->err_len - used, ", got an unknown option");
        }
        return -1;
    }
    return 0;
}

int gcv_plugin_args_init(gcv_plugin_args_full *f, const char *options_json, gcv_error *err)
{
    f->a.get_number = get_number;
    f->a.get_string = get_string;
    f->a.get_bool = get_bool;
    f->a.get_numbers = get_numbers;
    f->a.only_keys = only_keys;
    f->options = NULL;
    if (!options_json)
        return 0;
    cJSON *o = cJSON_Parse(options_json);
    if (!o || !cJSON_IsObject(o)) { /* the config's parser made this text from an object */
        cJSON_Delete(o);
        gcv_error_set(err, "model.options: expected a JSON object, got other text");
        return -1;
    }
    f->options = o;
    return 0;
}

void gcv_plugin_args_done(gcv_plugin_args_full *f)
{
    cJSON_Delete(f->options);
    f->options = NULL;
}

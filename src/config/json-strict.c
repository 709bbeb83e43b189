/* What strict JSON demands beyond what cJSON checks, applied to every text gcv_json_parse
 * accepts (configs, reports, baselines, shards):
 *
 * - No NUL inside a string, written as \u0000. cJSON decodes it and then keeps the string
 *   as a C string, so "model\u0000junk" would be read as "model" and "central\u0000xyz"
 *   as "central": a different value than the file holds, silently.
 * - Strings are UTF-8. RFC 8259 requires it, and a name that is not valid UTF-8 would be
 *   copied into the reports, whose readers then refuse them.
 * - Each key once per object, everywhere. cJSON keeps duplicates and its lookups return
 *   the first, so the value used would not be the one the user last wrote. The config
 *   parser checked this for the objects it knows; sections passed on whole (model.options to
 *   a plugin) were not checked at all. Keys are compared after sorting, so an object of a
 *   million keys costs n log n, not n².
 *
 * The text checks report the byte offset as well as the line and column: a NUL or a stray
 * byte is what an editor shows worst. */
#include "config/json-strict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence at s[0, n): 1 to 4, or 0 when it is not valid UTF-8
 * (overlong forms, surrogates and code points beyond U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t k;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        k = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < k || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return k;
}

int gcv_json_text_flaw(const char *text, size_t len, size_t *pos, const char **what,
                       char *found, size_t n)
{
    const unsigned char *t = (const unsigned char *)text;
    int in_str = 0;
    for (size_t i = 0; i < len;) {
        if (!in_str) {
            in_str = t[i] == '"';
            i++;
            continue;
        }
        if (t[i] == '"') {
            in_str = 0;
            i++;
        } else if (t[i] == '\\') {
            if (len - i >= 6 && memcmp(text + i, "\\u0000", 6) == 0) {
                *pos = i;
                *what = "a string without NUL characters";
                snprintf(found, n, "\\u0000");
                return 1;
            }
            i += 2;
        } else if (t[i] < 0x80) {
            i++;
        } else {
            size_t k = utf8_len(t + i, len - i);
            if (k == 0) {
                *pos = i;
                *what = "UTF-8 text in a string";
                snprintf(found, n, "the byte 0x%02x, which does not start or continue a "
                         "UTF-8 character there", (unsigned)t[i]);
                return 1;
            }
            i += k;
        }
    }
    return 0;
}

/* A key and where it stands among its siblings. */
typedef struct key_at {
    const char *key;
    size_t index;
    const cJSON *item;
} key_at;

static int key_cmp(const void *a, const void *b)
{
    const key_at *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The first repeated key of object o (in the order of the file), or NULL; -1 when out of
 * memory. */
static int first_repeat(const cJSON *o, const cJSON **dup)
{
    size_t n = 0;
    *dup = NULL;
    for (const cJSON *m = o->child; m; m = m->next)
        n++;
    if (n < 2)
        return 0;
    key_at *k = malloc(n * sizeof *k);
    if (!k)
        return -1;
    size_t i = 0;
    for (const cJSON *m = o->child; m; m = m->next, i++)
        k[i] = (key_at){m->string ? m->string : "", i, m};
    qsort(k, n, sizeof *k, key_cmp);
    size_t best = SIZE_MAX;
    for (i = 1; i < n; i++)
        if (strcmp(k[i - 1].key, k[i].key) == 0 && k[i].index < best) {
            best = k[i].index;
            *dup = k[i].item;
        }
    free(k);
    return 0;
}

static gcv_status walk(const char *file, const cJSON *v, const char *path, gcv_error *err)
{
    if (cJSON_IsObject(v)) {
        const cJSON *dup;
        if (first_repeat(v, &dup) < 0) {
            snprintf(err->msg, GCV_ERROR_LEN, "%s: out of memory checking keys", file);
            return GCV_ERR_NOMEM;
        }
        if (dup) {
            char p[GCV_JPATH_LEN];
            gcv_json_path_key(p, sizeof p, path, dup->string);
            gcv_jctx c = {.file = file, .err = err};
            return gcv_json_fail(&c, p, "expected each key once, got \"%.*s\" a second time",
                                 GCV_JSON_SHOW_MAX, dup->string);
        }
    }
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
        return GCV_OK;
    size_t i = 0;
    for (const cJSON *m = v->child; m; m = m->next, i++) {
        if (!cJSON_IsObject(m) && !cJSON_IsArray(m))
            continue;
        char p[GCV_JPATH_LEN];
        if (cJSON_IsObject(v))
            gcv_json_path_key(p, sizeof p, path, m->string ? m->string : "");
        else
            gcv_json_path_index(p, sizeof p, path, i);
        gcv_status st = walk(file, m, p, err);
        if (st != GCV_OK)
            return st;
    }
    return GCV_OK;
}

gcv_status gcv_json_unique_keys(const char *file, const cJSON *root, gcv_error *err)
{
    return walk(file, root, "", err);
}

/* Helpers around cJSON for the config loader; see json.h. Every failure becomes one
 * line naming the file, the JSON path, what was expected and what was found, so that a user
 * can fix a config without reading the source. */
#include "config/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"

/* ---------------------------------------------------------------------------------------
 * Messages */

void gcv_json_finish_msg(gcv_error *e, int written)
{
    static const char ell[] = "\xE2\x80\xA6"; /* "…" */
    for (char *p = e->msg; *p; p++) /* one line: a path's control bytes shown as '?' */
        *p = (unsigned char)*p < 0x20 || *p == 0x7F ? '?' : *p;
    if (written < GCV_ERROR_LEN)
        return;
    size_t keep = gcv_utf8_prefix(e->msg, strlen(e->msg), GCV_ERROR_LEN - sizeof ell);
    memcpy(e->msg + keep, ell, sizeof ell);
}

gcv_status gcv_json_fail(const gcv_jctx *c, const char *path, const char *fmt, ...)
{
    char what[GCV_ERROR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int w;
    if (path && path[0])
        w = snprintf(c->err->msg, GCV_ERROR_LEN, "%s: %s: %s", c->file, path, what);
    else
        w = snprintf(c->err->msg, GCV_ERROR_LEN, "%s: %s", c->file, what);
    gcv_json_finish_msg(c->err, w);
    return GCV_ERR_INVALID;
}

gcv_status gcv_json_expected(const gcv_jctx *c, const char *path, const char *what,
                             const cJSON *got)
{
    char shown[GCV_JSON_SHOW_MAX + 64];
    gcv_json_describe(got, shown, sizeof shown);
    return gcv_json_fail(c, path, "expected %s, got %s", what, shown);
}

void gcv_json_format_number(double x, char *out, size_t n)
{
    if (isnan(x)) {
        snprintf(out, n, "nan");
    } else if (isinf(x)) {
        snprintf(out, n, x > 0 ? "inf" : "-inf");
    } else {
        /* %.15g is what a person wrote in most cases; %.17g when it does not read back. */
        snprintf(out, n, "%.15g", x);
        if (strtod(out, NULL) != x)
            snprintf(out, n, "%.17g", x);
    }
}

/* ---------------------------------------------------------------------------------------
 * Describing a found value: compact JSON, bounded, without building the whole text (a found
 * value may be a megabyte array of data). */

typedef struct sink {
    char buf[GCV_JSON_SHOW_MAX + 1];
    size_t len;
    int cut;
} sink;

static void put(sink *k, const char *s, size_t n)
{
    if (k->cut)
        return;
    if (n > GCV_JSON_SHOW_MAX - k->len) {
        n = gcv_utf8_prefix(s, n, GCV_JSON_SHOW_MAX - k->len);
        k->cut = 1;
    }
    memcpy(k->buf + k->len, s, n);
    k->len += n;
}

static void puts_(sink *k, const char *s)
{
    put(k, s, strlen(s));
}

static void put_string(sink *k, const char *s)
{
    puts_(k, "\"");
    for (; *s && !k->cut; s++) {
        char esc[8];
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            put(k, esc, 2);
        } else if (ch < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", ch);
            puts_(k, esc);
        } else {
            put(k, s, 1);
        }
    }
    puts_(k, "\"");
}

static void put_value(sink *k, const cJSON *v)
{
    char num[32];
    if (cJSON_IsNumber(v)) {
        gcv_json_format_number(v->valuedouble, num, sizeof num);
        puts_(k, num);
    } else if (cJSON_IsString(v)) {
        put_string(k, v->valuestring ? v->valuestring : "");
    } else if (cJSON_IsTrue(v)) {
        puts_(k, "true");
    } else if (cJSON_IsFalse(v)) {
        puts_(k, "false");
    } else if (cJSON_IsNull(v)) {
        puts_(k, "null");
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        int obj = cJSON_IsObject(v);
        puts_(k, obj ? "{" : "[");
        for (const cJSON *e = v->child; e && !k->cut; e = e->next) {
            if (e != v->child)
                puts_(k, ",");
            if (obj) {
                put_string(k, e->string ? e->string : "");
                puts_(k, ":");
            }
            put_value(k, e); /* depth is bounded by GCV_JSON_MAX_DEPTH */
        }
        puts_(k, obj ? "}" : "]");
    } else {
        puts_(k, "?");
    }
}

static void sink_out(const sink *k, char *out, size_t n)
{
    snprintf(out, n, "%.*s%s", (int)k->len, k->buf, k->cut ? "\xE2\x80\xA6" : "");
}

void gcv_json_describe(const cJSON *item, char *out, size_t n)
{
    if (!item) {
        snprintf(out, n, "nothing");
        return;
    }
    if (cJSON_IsNumber(item) && isinf(item->valuedouble)) {
        /* cJSON turns 1e999 into ±inf; say so rather than print a number nobody wrote. */
        snprintf(out, n, "a number beyond the range of a double (%s1.8e308)",
                 item->valuedouble > 0 ? "> " : "< -");
        return;
    }
    sink k = {.len = 0, .cut = 0};
    put_value(&k, item);
    sink_out(&k, out, n);
}

/* s as a JSON string literal, bounded like a described value. */
static void quote_string(const char *s, char *out, size_t n)
{
    sink k = {.len = 0, .cut = 0};
    put_string(&k, s);
    sink_out(&k, out, n);
}

/* ---------------------------------------------------------------------------------------
 * Paths */

static int plain_key(const char *k)
{
    if (!*k)
        return 0;
    for (; *k; k++) {
        char ch = *k;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '_'))
            return 0;
    }
    return 1;
}

void gcv_json_path_key(char *out, size_t n, const char *parent, const char *key)
{
    char shown[GCV_JSON_SHOW_MAX + 64];
    if (plain_key(key)) {
        size_t len = strlen(key);
        size_t keep = gcv_utf8_prefix(key, len, GCV_JSON_SHOW_MAX);
        snprintf(shown, sizeof shown, "%.*s%s", (int)keep, key, keep < len ? "\xE2\x80\xA6" : "");
    } else {
        /* Odd keys ("foo bar", "a.b") are shown as ["…"] so the path stays unambiguous. */
        char q[GCV_JSON_SHOW_MAX + 8];
        quote_string(key, q, sizeof q);
        snprintf(shown, sizeof shown, "[%s]", q);
    }
    const char *dot = (parent[0] && shown[0] != '[') ? "." : "";
    snprintf(out, n, "%s%s%s", parent, dot, shown);
}

void gcv_json_path_index(char *out, size_t n, const char *parent, size_t i)
{
    snprintf(out, n, "%s[%zu]", parent, i);
}

/* ---------------------------------------------------------------------------------------
 * Keys */

static void join_names(const char *const *names, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && len < cap; i++) {
        int w = snprintf(out + len, cap - len, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            return;
        len += (size_t)w;
    }
}

const char *gcv_json_nearest(const char *s, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = gcv_levenshtein(s, names[i]);
        size_t len = strlen(names[i]);
        /* A typo changes a few characters; replacing a whole short name ("x" for "y") is
         * a different word, not a typo. */
        size_t limit = len / 3 > 1 ? len / 3 : 1;
        if (d <= limit && d < len && d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best;
}

static size_t index_of(const char *s, const char *const *names, size_t n)
{
    size_t i = 0;
    while (i < n && strcmp(s, names[i]) != 0)
        i++;
    return i;
}

static gcv_status unknown_key(const gcv_jctx *c, const char *path, const char *key,
                              const char *const *keys, size_t n)
{
    const char *near = gcv_json_nearest(key, keys, n);
    if (near)
        return gcv_json_fail(c, path, "unknown key; did you mean \"%s\"?", near);
    char list[GCV_ERROR_LEN];
    join_names(keys, n, list, sizeof list);
    return gcv_json_fail(c, path, "unknown key; expected one of %s", list);
}

gcv_status gcv_json_check_keys(const gcv_jctx *c, const char *path, const cJSON *item,
                               const char *const *keys, size_t n)
{
    if (!cJSON_IsObject(item))
        return gcv_json_expected(c, path, "an object", item);
    uint64_t seen = 0;
    for (const cJSON *m = item->child; m; m = m->next) {
        char p[GCV_JPATH_LEN];
        const char *key = m->string ? m->string : "";
        gcv_json_path_key(p, sizeof p, path, key);
        size_t i = index_of(key, keys, n);
        if (i == n)
            return unknown_key(c, p, key, keys, n);
        /* cJSON keeps duplicates and its lookups return the first: refuse them so the
         * value used is never silently a different one than the user last wrote. */
        if ((seen >> i) & 1u)
            return gcv_json_fail(c, p, "expected each key once, got \"%s\" a second time",
                                 keys[i]);
        seen |= UINT64_C(1) << i;
    }
    return GCV_OK;
}

/* ---------------------------------------------------------------------------------------
 * Typed values */

gcv_status gcv_json_number(const gcv_jctx *c, const char *path, const cJSON *item,
                           const gcv_jnum *range, double *out)
{
    const char *what = range ? range->what : "a finite number";
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
        return gcv_json_expected(c, path, what, item);
    double v = item->valuedouble;
    if (range && (v < range->lo || v > range->hi || (range->lo_open && !(v > range->lo)) ||
                  (range->hi_open && !(v < range->hi))))
        return gcv_json_expected(c, path, what, item);
    *out = v;
    return GCV_OK;
}

static void int_what(uint64_t lo, uint64_t hi, int say_hi, char *out, size_t n)
{
    int w;
    if (lo == 0)
        w = snprintf(out, n, "a non-negative integer");
    else if (lo == 1)
        w = snprintf(out, n, "a positive integer");
    else
        w = snprintf(out, n, "an integer \xE2\x89\xA5 %" PRIu64, lo);
    if (say_hi && w > 0 && (size_t)w < n)
        snprintf(out + w, n - (size_t)w, " no larger than %" PRIu64, hi);
}

gcv_status gcv_json_u64(const gcv_jctx *c, const char *path, const cJSON *item,
                        uint64_t lo, uint64_t hi, uint64_t *out)
{
    char what[96];
    if (hi > GCV_JSON_INT_MAX)
        hi = GCV_JSON_INT_MAX; /* 2^53 + 1 parses as 2^53: from 2^53 on, a value is ambiguous */
    double v = cJSON_IsNumber(item) ? item->valuedouble : (double)NAN;
    int ok = isfinite(v) && v == floor(v) && v >= (double)lo;
    int too_big = ok && v > (double)hi;
    if (!ok || too_big) {
        int_what(lo, hi, too_big, what, sizeof what);
        return gcv_json_expected(c, path, what, item);
    }
    *out = (uint64_t)v;
    return GCV_OK;
}

gcv_status gcv_json_size(const gcv_jctx *c, const char *path, const cJSON *item,
                         size_t lo, size_t hi, size_t *out)
{
    uint64_t v = 0, h = (uint64_t)hi; /* set on GCV_OK (GCC -O3 cannot see that) */
    if ((uint64_t)SIZE_MAX < h) /* a 32-bit size_t */
        h = (uint64_t)SIZE_MAX;
    gcv_status st = gcv_json_u64(c, path, item, (uint64_t)lo, h, &v);
    if (st == GCV_OK)
        *out = (size_t)v;
    return st;
}

gcv_status gcv_json_string(const gcv_jctx *c, const char *path, const cJSON *item,
                           const char **out)
{
    if (!cJSON_IsString(item) || !item->valuestring || !item->valuestring[0])
        return gcv_json_expected(c, path, "a non-empty string", item);
    *out = item->valuestring;
    return GCV_OK;
}

gcv_status gcv_json_choice(const gcv_jctx *c, const char *path, const cJSON *item,
                           const char *const *names, size_t n, size_t *idx)
{
    char what[GCV_ERROR_LEN];
    if (n == 1) {
        snprintf(what, sizeof what, "\"%s\"", names[0]);
    } else {
        char list[GCV_ERROR_LEN - 16];
        join_names(names, n, list, sizeof list);
        snprintf(what, sizeof what, "one of %s", list);
    }
    if (!cJSON_IsString(item) || !item->valuestring)
        return gcv_json_expected(c, path, what, item);
    size_t i = index_of(item->valuestring, names, n);
    if (i < n) {
        *idx = i;
        return GCV_OK;
    }
    const char *near = gcv_json_nearest(item->valuestring, names, n);
    if (!near)
        return gcv_json_expected(c, path, what, item);
    char shown[GCV_JSON_SHOW_MAX + 64];
    gcv_json_describe(item, shown, sizeof shown);
    return gcv_json_fail(c, path, "expected %s, got %s; did you mean \"%s\"?", what, shown,
                         near);
}

/* ---------------------------------------------------------------------------------------
 * Optional members */

#define MEMBER(objpath, obj, key, path, item)                                                \
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);                         \
    if (!item)                                                                               \
        return GCV_OK;                                                                       \
    char path[GCV_JPATH_LEN];                                                                \
    gcv_json_path_key(path, sizeof path, objpath, key)

gcv_status gcv_json_get_number(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                               const char *key, const gcv_jnum *range, double *out)
{
    MEMBER(objpath, obj, key, path, item);
    return gcv_json_number(c, path, item, range, out);
}

gcv_status gcv_json_get_u64(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                            const char *key, uint64_t lo, uint64_t hi, uint64_t *out)
{
    MEMBER(objpath, obj, key, path, item);
    return gcv_json_u64(c, path, item, lo, hi, out);
}

gcv_status gcv_json_get_size(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                             const char *key, size_t lo, size_t hi, size_t *out)
{
    MEMBER(objpath, obj, key, path, item);
    return gcv_json_size(c, path, item, lo, hi, out);
}

gcv_status gcv_json_get_string(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                               const char *key, const char **out)
{
    MEMBER(objpath, obj, key, path, item);
    return gcv_json_string(c, path, item, out);
}

gcv_status gcv_json_get_choice(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                               const char *key, const char *const *names, size_t n,
                               size_t *idx)
{
    MEMBER(objpath, obj, key, path, item);
    return gcv_json_choice(c, path, item, names, n, idx);
}

/* Helpers around cJSON for validating readers: reading and parsing a file with line and
 * column on syntax errors, JSON paths ("model.layers[2]") for messages, and typed getters
 * that turn every mismatch into one line "file: path: expected …, got …" in a gcv_error.
 * Getters named gcv_json_get_* read an optional member and leave *out untouched (the
 * default) when the member is absent. */
#ifndef GCV_CONFIG_JSON_H
#define GCV_CONFIG_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "gcverify/gcverify.h"

#define GCV_JSON_MAX_BYTES ((size_t)64 << 20) /* files larger than this are refused */
#define GCV_JSON_MAX_DEPTH 64                 /* deeper nesting is refused before cJSON */
#define GCV_JSON_INT_MAX ((UINT64_C(1) << 53) - 1) /* beyond, two integers read as one */
#define GCV_JPATH_LEN 160                     /* a JSON path, cut with "…" beyond this */
#define GCV_JSON_SHOW_MAX 40                  /* bytes of a found value shown in messages */

#include "util/strutil.h" /* GCV_PRINTF */

/* Where messages go: the file named first in every message, and the caller's error. */
typedef struct gcv_jctx {
    const char *file;
    gcv_error *err;
} gcv_jctx;

/* An accepted range of numbers; what names it in messages, e.g. "a number in (0, 1]". */
typedef struct gcv_jnum {
    double lo, hi;
    int lo_open, hi_open;
    const char *what;
} gcv_jnum;

/* Reads path (a regular file of at most GCV_JSON_MAX_BYTES) and parses it. On GCV_OK *out
 * is a tree the caller frees with cJSON_Delete(); on failure *out is NULL and err says
 * why (GCV_ERR_IO: unreadable; GCV_ERR_INVALID: not JSON, with line and column). */
gcv_status gcv_json_load_file(const char *path, cJSON **out, gcv_error *err);

/* Parses text[0, len), which must be followed by a NUL at text[len]; file names it in
 * messages. Same ownership and errors as gcv_json_load_file. */
gcv_status gcv_json_parse(const char *file, const char *text, size_t len, cJSON **out,
                          gcv_error *err);

/* Ends a message snprintf wrote into e (written: its return value): control bytes shown as
 * '?', so that the message stays one line, and a cut moved back to a UTF-8 boundary and
 * marked "…" (snprintf cuts at a byte). */
void gcv_json_finish_msg(gcv_error *e, int written);

/* The path of member key / element i of the value at parent ("" is the top level). */
void gcv_json_path_key(char *out, size_t n, const char *parent, const char *key);
void gcv_json_path_index(char *out, size_t n, const char *parent, size_t i);

/* item as compact JSON, cut after GCV_JSON_SHOW_MAX bytes with "…"; "nothing" for NULL. */
void gcv_json_describe(const cJSON *item, char *out, size_t n);
/* x as the shortest of %.15g and %.17g that reads back exactly ("0.1", "-3", "nan"). */
void gcv_json_format_number(double x, char *out, size_t n);

/* Writes "file: path: <fmt…>" ("file: <fmt…>" when path is empty) into the error and
 * returns GCV_ERR_INVALID. */
gcv_status gcv_json_fail(const gcv_jctx *c, const char *path, const char *fmt, ...)
    GCV_PRINTF(3, 4);
/* "file: path: expected <what>, got <item described>"; returns GCV_ERR_INVALID. */
gcv_status gcv_json_expected(const gcv_jctx *c, const char *path, const char *what,
                             const cJSON *got);

/* item must be an object whose members are all among keys[0, n) (n ≤ 64), each at most
 * once. An unknown key is reported with the nearest valid one ("did you mean …?"). */
gcv_status gcv_json_check_keys(const gcv_jctx *c, const char *path, const cJSON *item,
                               const char *const *keys, size_t n);
/* The nearest of names[0, n) to s if it is close enough to be a likely typo, else NULL. */
const char *gcv_json_nearest(const char *s, const char *const *names, size_t n);

/* Typed values at path. */
gcv_status gcv_json_number(const gcv_jctx *c, const char *path, const cJSON *item,
                           const gcv_jnum *range, double *out);
/* An integral number in [lo, hi] (hi is capped at GCV_JSON_INT_MAX). */
gcv_status gcv_json_u64(const gcv_jctx *c, const char *path, const cJSON *item,
                        uint64_t lo, uint64_t hi, uint64_t *out);
gcv_status gcv_json_size(const gcv_jctx *c, const char *path, const cJSON *item,
                         size_t lo, size_t hi, size_t *out);
/* A non-empty string; *out points into item. */
gcv_status gcv_json_string(const gcv_jctx *c, const char *path, const cJSON *item,
                           const char **out);
/* One of names[0, n); *idx is its index. */
gcv_status gcv_json_choice(const gcv_jctx *c, const char *path, const cJSON *item,
                           const char *const *names, size_t n, size_t *idx);

/* The same for an optional member key of the object at objpath. */
gcv_status gcv_json_get_number(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                               const char *key, const gcv_jnum *range, double *out);
gcv_status gcv_json_get_u64(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                            const char *key, uint64_t lo, uint64_t hi, uint64_t *out);
gcv_status gcv_json_get_size(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                             const char *key, size_t lo, size_t hi, size_t *out);
gcv_status gcv_json_get_string(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                               const char *key, const char **out);
gcv_status gcv_json_get_choice(const gcv_jctx *c, const char *objpath, const cJSON *obj,
                               const char *key, const char *const *names, size_t n,
                               size_t *idx);

#endif

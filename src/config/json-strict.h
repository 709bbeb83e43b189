/* Strict JSON beyond cJSON: no \u0000 in strings, UTF-8 strings, each key once in every
 * object. Used by gcv_json_parse on every text it accepts. */
#ifndef GCV_CONFIG_JSON_STRICT_H
#define GCV_CONFIG_JSON_STRICT_H

#include <stddef.h>

#include "config/json.h"

/* 1 when text[0, len) (JSON that cJSON accepted) has a \u0000 escape or a byte that is not
 * UTF-8 inside a string: *pos is its offset, *what what was expected there and found (n
 * bytes) what was there. 0 otherwise. */
int gcv_json_text_flaw(const char *text, size_t len, size_t *pos, const char **what,
                       char *found, size_t n);

/* GCV_OK when no object in root holds a key twice; otherwise GCV_ERR_INVALID and
 * "file: path: expected each key once, got "k" a second time", path naming the second
 * occurrence (the first repeat in the order of the file, per object, outer objects first). */
gcv_status gcv_json_unique_keys(const char *file, const cJSON *root, gcv_error *err);

#endif

/* The config parser's sections (parse_model.c, parse_inject.c, parse_data.c,
 * parse_check.c, parse_report.c, parse_gradients.c) and the helpers they share (parse.c):
 * each section validates its keys with their JSON paths and fills the gcv_config with plain
 * values. Nothing allocated here points into the cJSON tree, which config.c deletes once
 * parsing is done. */
#ifndef GCV_CONFIG_PARSE_H
#define GCV_CONFIG_PARSE_H

#include <stddef.h>

#include <cJSON.h>

#include "config/spec.h"
#include "config/json.h"

#define GCV_N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define GCV_ELLIPSIS "\xE2\x80\xA6" /* "…" in UTF-8 */

typedef struct gcv_parser {
    gcv_jctx j;              /* messages: the config file and the caller's error */
    gcv_config *c;           /* filled section by section */
    const char *dir;         /* the config's folder: relative paths resolve against it */
} gcv_parser;

extern const gcv_jnum gcv_parse_any_finite;   /* "a finite number" */
extern const gcv_jnum gcv_parse_non_negative; /* "a non-negative number" */
extern const gcv_jnum gcv_parse_positive;     /* "a positive number" */

static inline const cJSON *member(const cJSON *obj, const char *key)
{
    return obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

static inline size_t count_items(const cJSON *a)
{
    size_t n = 0;
    for (const cJSON *e = a ? a->child : NULL; e; e = e->next)
        n++;
    return n;
}

/* The sections, each given its object (NULL when absent). */
gcv_status gcv_parse_model(gcv_parser *ps, const cJSON *m);
gcv_status gcv_parse_inject(gcv_parser *ps, const cJSON *a);
gcv_status gcv_parse_data(gcv_parser *ps, const cJSON *d);
gcv_status gcv_parse_check(gcv_parser *ps, const cJSON *ck);
gcv_status gcv_parse_report(gcv_parser *ps, const cJSON *r);
gcv_status gcv_parse_gradients(gcv_parser *ps, const cJSON *g);

/* "file: out of memory" into the error; GCV_ERR_NOMEM. */
gcv_status gcv_parse_nomem(const gcv_parser *ps);

/* A required member; its absence is reported at the member's own path. */
gcv_status gcv_parse_required(const gcv_parser *ps, const char *objpath, const cJSON *obj,
                              const char *key, const char *what, const cJSON **out);

/* A copy of the string item (already validated) into *out. */
gcv_status gcv_parse_strdup(const gcv_parser *ps, const cJSON *item, char **out);

/* A hidden activation's name at path: one of the table's hidden activations. */
gcv_status gcv_parse_hidden_name(gcv_parser *ps, const char *path, const cJSON *item,
                                 gcv_act_id *out);

/* "W2" → layer 2, not a bias; the layer must exist. No leading zeros, no sign. */
int gcv_parse_block(const char *s, size_t n_layers, int *is_b, size_t *layer);
/* "W1…W3 and b1…b3" (or "W1 and b1") for messages. */
void gcv_parse_block_range(size_t n_layers, char *out, size_t n);

/* A JSON array of numbers (1-D) or of equally long rows of numbers (2-D) at path into
 * *out. A malformed array becomes out->fault, for the load to report; the return value
 * fails only when memory runs out. */
gcv_status gcv_parse_array(gcv_parser *ps, const char *path, const cJSON *a,
                           gcv_config_array *out);

/* What a conversion wrote into scratch becomes *out, a fault for the load to report. */
gcv_status gcv_parse_defer(const gcv_parser *ps, const gcv_error *scratch, gcv_status st,
                           gcv_config_fault *out);

#endif

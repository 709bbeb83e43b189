/* Loading a parsed config's data: X and Y read from the source its data spec names (or made
 * by the synthetic teacher), checked against the network, turned into the (n0, m) and
 * (n_L, m) arrays the MLP takes, and cut to the check.examples subset. Every file is read
 * with a cap derived from the memory budget, so a file larger than the check could use is
 * refused before it is read whole. Messages name the config file and the JSON path of the
 * key at fault; nothing here builds a model.
 *
 * The steps, in the order gcv_config_load runs them: gcv_data_read_x, gcv_data_guard, (θ:
 * model/init.h), gcv_data_take. */
#ifndef GCV_DATA_LOAD_H
#define GCV_DATA_LOAD_H

#include <stddef.h>
#include <stdio.h>

#include "config/spec.h"
#include "config/json.h"
#include "data/npy.h"

/* What the loading steps share. */
typedef struct gcv_loader {
    gcv_jctx j;              /* messages: the config file and the caller's error */
    gcv_config *c;           /* the parsed config: loading fills m_total, n_params, x, y, m */
    const char *dir;         /* the config's folder: relative paths resolve against it */
    size_t budget;           /* the bytes the check may use */
    gcv_npy xr, yr;          /* X and Y as read, before the layout conversion */
} gcv_loader;

/* data.source's X (or the size of the synthetic data): c->m_total from its shape. */
gcv_status gcv_data_read_x(gcv_loader *ld);

/* The memory guard: the check of the network on m examples must fit ld->budget, else
 * GCV_ERR_NOMEM naming the key that makes it large. Sets c->n_params. */
gcv_status gcv_data_guard(gcv_loader *ld, size_t m);

/* X and Y into c->x and c->y: made by the teacher, or Y read and both converted; then the
 * check.examples subset. */
gcv_status gcv_data_take(gcv_loader *ld);

/* --- between the files of the data loader (budget.c, load.c, tables.c, csv_table.c) --- */

/* "file: out of memory" into the error; GCV_ERR_NOMEM. */
static inline gcv_status gcv_data_nomem(const gcv_loader *ld)
{
    snprintf(ld->j.err->msg, GCV_ERROR_LEN, "%s: out of memory", ld->j.file);
    return GCV_ERR_NOMEM;
}

/* An error of another reader, placed under the config file and the JSON path. */
static inline gcv_status gcv_data_wrap(const gcv_loader *ld, const char *path,
                                       const gcv_error *inner, gcv_status st)
{
    gcv_json_fail(&ld->j, path, "%s", inner->msg);
    return st;
}
/* The most examples whose check of P parameters fits the budget. */
size_t gcv_data_max_examples(const gcv_loader *ld, size_t P);

/* Reads data.file of a csv source (at most what the budget allows) and splits X and Y off
 * it into ld->xr and ld->yr, both (m, n) with one example per row; sets c->m_total. */
gcv_status gcv_data_load_csv(gcv_loader *ld);

/* X as read must be (n0, m), (m, n0) or (m, …) as data.layout says, or (m,) when n0 = 1;
 * sets *m. An examples_first array is reshaped to (m, n0). */
gcv_status gcv_table_x_shape(gcv_loader *ld, gcv_npy *a, size_t *m);
/* X into c->x as (n0, m), scaled by data.scale. */
gcv_status gcv_table_take_x(gcv_loader *ld);
/* examples_first: labels (m, a, b, …) become (m, a·b·…) when that is (m, n_L). */
void gcv_table_y_flatten(const gcv_loader *ld, gcv_npy *a);
/* The message for labels of the wrong shape a. */
gcv_status gcv_table_y_shape_error(const gcv_loader *ld, const gcv_npy *a);
/* A note for labels stored as integers (converted to double before any arithmetic). */
gcv_status gcv_table_note_integer_labels(gcv_loader *ld);
/* Y as read into c->y as (n_L, m): checked against the loss, class ids made one-hot. */
gcv_status gcv_table_take_y(gcv_loader *ld);
/* check.examples = k: a seeded sorted subset of the examples, kept in their order. */
gcv_status gcv_table_subset(gcv_loader *ld);

#endif

/* Reading view blocks and their N-d coordinates back from shard reports (merge-views.c). */
#ifndef GCV_REPORT_MERGE_VIEWS_H
#define GCV_REPORT_MERGE_VIEWS_H

#include "report/schema.h"

/* A block's "layer": any integer label (views allow 0 and negative labels). */
gcv_status gcv_merge_read_layer(const gcv_jctx *c, const char *p, const cJSON *b, int *out);

/* The block's optional "view" and "dims" into bl (ndim, dims, offset, strides), checked
 * against its "shape" (already in bl->rows, bl->cols). No "view": bl unchanged. */
gcv_status gcv_merge_read_view(const gcv_jctx *c, const char *p, const cJSON *b, gcv_block *bl);

/* The blocks partition θ[0, P). */
gcv_status gcv_merge_check_partition(const gcv_jctx *c, const gcv_block *blocks, size_t n,
                                     size_t P);

/* A parameter's "coords" at q are entry k of bl (θ index i), else an error. */
gcv_status gcv_merge_check_coords(const gcv_jctx *c, const char *q, const cJSON *it,
                                  const gcv_block *bl, size_t k, size_t i);

#endif

/* Blocks as views (gcverify.h, gcv_block): what the engine, the loaders and the report
 * writers share about them beyond the public helpers. */
#ifndef GCV_ENGINE_BLOCKS_H
#define GCV_ENGINE_BLOCKS_H

#include <stddef.h>

#include "gcverify/gcverify.h"

/* 1 when entry k of b is θ[b->offset + k] for every k (a contiguous block, or a view whose
 * strides are row-major and that has no index map). */
int gcv_block_contiguous(const gcv_block *b);

/* 1 unless the blocks lie one after the other from θ[0], each contiguous (version 1's
 * layout, where a θ index finds its block by binary search on the offsets). */
int gcv_blocks_have_views(const gcv_block *blocks, size_t n);

/* Checks that the n blocks partition θ[0, P): each shape fits, every index in exactly one
 * block. When block_of and entry_of are not NULL (P values each) they are filled with the
 * block and entry of each index. Returns 0, or -1 with one line in why ("θ[12] is in block
 * 3 (b) and again in block 5 (c)", "θ[7] is in no block", …); -2 when out of memory. */
int gcv_blocks_partition(const gcv_block *blocks, size_t n, size_t P, size_t *block_of,
                         size_t *entry_of, char *why, size_t why_len);

/* The parameter results of block b in entry order: r + b->offset when b is contiguous,
 * else a gathered copy in *owned (freed by the caller; NULL on out of memory with the
 * return NULL). */
const gcv_param_result *gcv_block_params(const gcv_block *b, const gcv_param_result *r,
                                         gcv_param_result **owned);

/* Entry k's coordinates as "(c0,c1,…)" into buf; row r (the line along the last axis) of b
 * seen as rows × cols as its leading coordinates "(c0,…)"; the shape as "d0×d1×…". */
void gcv_block_format_coords(const gcv_block *b, size_t k, char *buf, size_t n);
void gcv_block_format_row(const gcv_block *b, size_t row, char *buf, size_t n);
void gcv_block_format_shape(const gcv_block *b, char *buf, size_t n);

#endif

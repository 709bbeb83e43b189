/* The variables of a level-5 .mat file checked against the bytes present before matio reads
 * them (see mat5-check.c for what and why). */
#ifndef GCV_DATA_MAT5_CHECK_H
#define GCV_DATA_MAT5_CHECK_H

#ifdef GCV_HAVE_MATIO

#include <stddef.h>
#include <stdint.h>

#include "gcverify/gcverify.h"

/* GCV_OK when path is not a level-5 file or when every top-level variable of it holds the
 * bytes its header declares; GCV_ERR_INVALID (damaged, truncated or inconsistent) or
 * GCV_ERR_NOMEM (cells whose headers alone would exceed max_bytes) with "path: variable
 * 'X': expected …, got …" in err otherwise. file_size: the file's size in bytes. */
gcv_status gcv_mat5_check(const char *path, uint64_t file_size, size_t max_bytes,
                          gcv_error *err);

#endif

#endif

/* What an HDF5 dataset's metadata must satisfy before H5Dread may run on it: a data type
 * libhdf5 converts safely, and storage and chunk sizes consistent with the file's size and
 * with the memory the read is allowed. See hdf5-limits.c for why each rule is there. */
#ifndef GCV_DATA_HDF5_LIMITS_H
#define GCV_DATA_HDF5_LIMITS_H

#ifdef GCV_HAVE_HDF5

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "gcverify/gcverify.h"

/* The most a deflate stream inflates per byte stored (zlib's documented limit is 1032:1). */
#define GCV_H5_MAX_RATIO 1032u

/* The dataset being checked, for messages and limits. */
typedef struct gcv_h5_meta {
    const char *path, *dataset;
    hid_t obj, type;
    H5T_class_t cls;
    size_t bytes;       /* of one stored element */
    size_t count;       /* elements of the dataset */
    uint64_t file_size; /* bytes of the file */
    size_t max_bytes;   /* the most the read may allocate for any one buffer */
} gcv_h5_meta;

/* The stored type's width and layout: integers of 1, 2, 4 or 8 bytes, floats of 2, 4 or 8
 * bytes, with precision and offset inside the width. GCV_ERR_INVALID with err set
 * otherwise. */
gcv_status gcv_h5_check_width(const gcv_h5_meta *m, gcv_error *err);

/* The layout: chunks no larger than max_bytes nor than the file could hold, and the bytes
 * stored enough for count elements (all of them written, no more than the file has).
 * GCV_ERR_INVALID (damaged or never written) or GCV_ERR_NOMEM (too large) with err set. */
gcv_status gcv_h5_check_storage(const gcv_h5_meta *m, gcv_error *err);

#endif

#endif

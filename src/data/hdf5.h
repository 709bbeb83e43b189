/* Reader for one dataset of an HDF5 file (libhdf5): any integer or floating-point type, any
 * byte order, any rank up to GCV_NPY_MAX_DIMS, converted to double in C order. Strings,
 * compounds, enums and other non-numeric types are refused by name. The library never
 * prints: the first call switches HDF5's automatic error printing off for the process, and
 * leaves it off (see gcv_hdf5_read in hdf5.c for why).
 *
 * Always declared and always linked: in a build without libhdf5 (no GCV_HAVE_HDF5) the
 * function returns GCV_ERR_INVALID with a message saying how to enable it, so a config that
 * asks for HDF5 gets a clear exit-2 message instead of a link error. */
#ifndef GCV_HDF5_H
#define GCV_HDF5_H

#include <stddef.h>

#include "data/npy.h"

/* Reads dataset (a path inside the file, "x" or "group/x") of the HDF5 file at path into
 * *out: ndim and shape as stored (ndim 0 for a scalar dataspace), dtype as a NumPy-style
 * name ("uint8", "int64", "float32", …), is_integer for integer types, data malloc'd doubles
 * in C order that the caller frees with free(). On failure *out is zeroed and err->msg says
 * "path: dataset: expected …, got …"; a missing dataset lists the datasets the file has.
 * Returns GCV_ERR_IO when the file cannot be opened, GCV_ERR_INVALID for content that is not
 * a non-empty numeric dataset of finite values, GCV_ERR_NOMEM when it holds more than
 * max_count elements (refused before allocating; ndim, shape and count then say what the
 * file holds, and data is NULL, as with gcv_npy_read) or allocation fails. */
gcv_status gcv_hdf5_read(const char *path, const char *dataset, size_t max_count, gcv_npy *out,
                         gcv_error *err);

#endif

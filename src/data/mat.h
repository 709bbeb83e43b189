/* Reader for one variable of a MATLAB .mat file (libmatio: level 4, 5 compressed or not, and
 * 7.3 when matio was built with HDF5): real numeric classes (double, single, int8 … uint64,
 * logical), any rank up to GCV_NPY_MAX_DIMS, converted to double and from MATLAB's
 * column-major order to C (row-major) order. matio's log output is captured, never printed.
 *
 * Always declared and always linked: in a build without libmatio (no GCV_HAVE_MATIO) the
 * function returns GCV_ERR_INVALID with a message saying how to enable it. */
#ifndef GCV_MAT_H
#define GCV_MAT_H

#include <stddef.h>

#include "data/npy.h"

/* Reads variable from the .mat file at path into *out. shape is MATLAB's size() (always at
 * least 2 dimensions: a column vector is (n, 1)); data[i*cols + j] = X(i+1, j+1). dtype names
 * the type the values are *stored* as, which a level-5 file may make narrower than the
 * class: data/data.mat stores its class-double labels y as uint8, so dtype is "uint8" and
 * is_integer is 1 although MATLAB calls them double. Logical arrays give "bool". On failure
 * *out is zeroed and err->msg says "path: variable: expected …, got …"; a missing variable
 * lists the variables the file has. Statuses, and the shape kept on a max_count refusal, as
 * for gcv_hdf5_read. */
gcv_status gcv_mat_read(const char *path, const char *variable, size_t max_count, gcv_npy *out,
                        gcv_error *err);

#endif

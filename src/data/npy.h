/* Reader for NumPy .npy files (format versions 1.0, 2.0 and 3.0): C-order or Fortran-order
 * (np.save of a transposed array) arrays of float64, float32, signed and unsigned integers
 * of 1, 2, 4 and 8 bytes, little- or big-endian, and bool, all converted to double in C
 * order. The header is validated against the file's size before the payload is read. */
#ifndef GCV_NPY_H
#define GCV_NPY_H

#include <stddef.h>

#include "gcverify/gcverify.h"

#define GCV_NPY_MAX_DIMS 8

typedef struct gcv_npy {
    size_t ndim;
    size_t shape[GCV_NPY_MAX_DIMS];
    size_t count;     /* product of shape (1 for a 0-d array) */
    char dtype[8];    /* the descr as written, e.g. "<f8", "|u1" */
    int is_integer;   /* integer or bool dtype: values are exact integers */
    double *data;     /* count values, C order */
} gcv_npy;

/* Reads path into *out. On GCV_OK the caller frees out->data with free(). Errors name the
 * file, the byte offset or header field, what was expected and what was found. Arrays of
 * more than max_count elements are refused before allocating. */
gcv_status gcv_npy_read(const char *path, size_t max_count, gcv_npy *out, gcv_error *err);

/* The same for an .npy image in memory (a member of an .npz archive); name is what messages
 * call it ("dump.npz: W1.npy"). buf need not outlive the call. */
gcv_status gcv_npy_read_mem(const char *name, const void *buf, size_t len, size_t max_count,
                            gcv_npy *out, gcv_error *err);

/* Writes a C-order float64 array (used by tests and tools). */
gcv_status gcv_npy_write(const char *path, const size_t *shape, size_t ndim,
                         const double *data, gcv_error *err);

#endif

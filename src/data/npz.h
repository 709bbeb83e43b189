/* Reader for NumPy .npz archives (np.savez: stored members; np.savez_compressed: deflated),
 * through libzip. Each member NAME.npy is an .npy image read by gcv_npy_read_mem, so every
 * dtype and Fortran order work as for a file. A member is refused from its zip entry's size
 * before any allocation when it could hold more than the caller's cap, and its .npy header
 * must account for exactly the bytes the entry holds.
 *
 * Always declared and always linked: in a build without libzip (no GCV_HAVE_LIBZIP) opening
 * returns GCV_ERR_INVALID with a message saying how to enable it. */
#ifndef GCV_NPZ_H
#define GCV_NPZ_H

#include <stddef.h>

#include "data/npy.h"

typedef struct gcv_npz gcv_npz;

/* Opens the archive at path. On GCV_OK the caller closes *out with gcv_npz_close(). */
gcv_status gcv_npz_open(const char *path, gcv_npz **out, gcv_error *err);

/* Whether the archive has the member name + ".npy" (name as np.savez's keyword). */
int gcv_npz_has(const gcv_npz *z, const char *name);

/* Reads the member name + ".npy" into *out (as gcv_npy_read: the caller frees out->data).
 * Errors name "file: name.npy". A missing member lists the names the archive holds. */
gcv_status gcv_npz_read(const gcv_npz *z, const char *name, size_t max_count, gcv_npy *out,
                        gcv_error *err);

/* The archive's array names ("W1, b1, dW1"), cut with "…" to fit n bytes. */
void gcv_npz_names(const gcv_npz *z, char *out, size_t n);

/* Closes the archive; accepts NULL. */
void gcv_npz_close(gcv_npz *z);

#endif

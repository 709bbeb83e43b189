/* A gradient dump: a set of named arrays in one of the forms a user's own code writes with
 * one call — an .npz archive (np.savez, np.savez_compressed), a folder of NAME.npy files
 * (np.save in a loop), a MATLAB/Octave .mat file (save) or an HDF5 file (h5py, Octave's
 * save -hdf5). Only reading by name; what the names mean is config/gradients.c's business. */
#ifndef GCV_DATA_DUMP_H
#define GCV_DATA_DUMP_H

#include <stddef.h>

#include "data/npy.h"

typedef struct gcv_dump gcv_dump;

/* Opens the dump at path: a folder, or a file told by its extension (.npz, .mat, .h5,
 * .hdf5) or else by its first bytes. On GCV_OK the caller closes *out with
 * gcv_dump_close(). */
gcv_status gcv_dump_open(const char *path, gcv_dump **out, gcv_error *err);

/* Reads the array name into *out (at most max_count values; the caller frees out->data).
 * Sets *missing to 1 (and returns GCV_ERR_INVALID) when the dump has no such array, so that
 * a caller can try another spelling; any other failure leaves *missing 0. */
gcv_status gcv_dump_read(const gcv_dump *d, const char *name, size_t max_count, gcv_npy *out,
                         int *missing, gcv_error *err);

/* The dump's path as given, and its kind: "npz", "npy folder", "mat" or "hdf5". */
const char *gcv_dump_path(const gcv_dump *d);
const char *gcv_dump_kind(const gcv_dump *d);

/* Closes the dump; accepts NULL. */
void gcv_dump_close(gcv_dump *d);

#endif

/* --export DIR: what a check ran on, as float64 .npy files, to reproduce it elsewhere. */
#ifndef GCV_CLI_EXPORT_H
#define GCV_CLI_EXPORT_H

#include "gcverify/gcverify.h"
#include "config/config.h"

/* Writes θ's blocks (W1.npy, b1.npy, …) and the data (X.npy, n0 × m, and Y.npy, nL × m) of
 * the built-in MLP into dir, made first when missing (parents too, mode 0777 & ~umask), each
 * through gcv_write_atomic (so never over an input of the run; staged with the reports when
 * the caller stages). Errors name the file or the folder and say why ("DIR: cannot make the
 * folder: out: Not a directory", "DIR/W1.npy: cannot write the --export file: Permission
 * denied"). */
gcv_status gcv_export_inputs(const char *dir, const gcv_config *cfg, const gcv_model *m,
                             gcv_error *err);

#endif

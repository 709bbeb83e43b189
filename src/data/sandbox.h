/* Reading a file through a library gcverify does not control (libhdf5, matio) in a child
 * process, so that a damaged or hostile file can make that library fail but never take
 * gcverify down with it.
 *
 * Why: gcverify validates every size it can see before allocating, but libhdf5 and matio
 * parse their metadata themselves, before any API shows a size to check. Fuzzing found inputs
 * on which libhdf5 1.10 asks malloc for whatever a damaged metadata entry declares, or reads
 * past a buffer of its own. In the child that costs a refused file ("the HDF5 library
 * crashed reading it (signal 11)"), exit code 2, nothing else; the child also runs under an
 * address-space limit sized from the memory the read may take, so a declared size malloc
 * could satisfy is refused there instead of being paged in.
 *
 * The child sends its status, message and array back through a pipe; the parent checks
 * every field it receives (a child that crashed half-way sends a short or torn message)
 * before allocating max_count values at most. Without fork (not POSIX) the reader runs in
 * the process, as it did before. */
#ifndef GCV_DATA_SANDBOX_H
#define GCV_DATA_SANDBOX_H

#include <stddef.h>

#include "data/npy.h"

/* A reader as gcv_hdf5_read and gcv_mat_read take it: fills *out (data malloc'd) or err. */
typedef gcv_status (*gcv_sandbox_reader)(const char *path, const char *name, size_t max_count,
                                         gcv_npy *out, gcv_error *err);

/* Runs reader(path, name, max_count, out, err) in a child process and returns what it
 * returned, with *out and err as it left them. library names the library in the message
 * when the child dies ("the HDF5 library"). When the child cannot be started (fork fails)
 * the read runs here instead. */
gcv_status gcv_sandbox_read(gcv_sandbox_reader reader, const char *library, const char *path,
                            const char *name, size_t max_count, gcv_npy *out, gcv_error *err);

/* 1 when the child runs under the address-space limit; 0 in a sanitizer build, whose
 * runtime reserves terabytes of address space for its shadow memory. */
int gcv_sandbox_limits_memory(void);

#endif

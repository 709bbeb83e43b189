/* Gradient dumps by name; see dump.h. The four forms map a name to an array each in their
 * own way: an .npz member NAME.npy, a file NAME.npy in the folder (NAME may hold a '/': a
 * subfolder), a .mat variable, an HDF5 dataset path ("grads/W1"). The .mat and HDF5 readers
 * are used as they are; their "not found" message (which lists what the file holds) is how
 * a missing array is told from a broken one. */
#include "data/dump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/hdf5.h"
#include "data/mat.h"
#include "data/npz.h"
#include "util/strutil.h"

typedef enum dump_kind { DUMP_NPZ, DUMP_DIR, DUMP_MAT, DUMP_HDF5 } dump_kind;

struct gcv_dump {
    dump_kind kind;
    char *path;
    gcv_npz *npz;
};

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        char c = s[n - k + i];
        if ((c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c) != tail[i])
            return 0;
    }
    return 1;
}

/* The kind of a file from its extension, else from its first bytes; -1: none. */
static int file_kind(const char *path)
{
    if (ends_with(path, ".npz") || ends_with(path, ".zip"))
        return DUMP_NPZ;
    if (ends_with(path, ".mat"))
        return DUMP_MAT;
    if (ends_with(path, ".h5") || ends_with(path, ".hdf5"))
        return DUMP_HDF5;
    unsigned char b[8] = {0};
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(b, 1, sizeof b, f) : 0;
    if (f)
        fclose(f);
    if (got >= 4 && memcmp(b, "PK\x03\x04", 4) == 0)
        return DUMP_NPZ;
    if (got >= 8 && memcmp(b, "\x89HDF\r\n\x1a\n", 8) == 0)
        return DUMP_HDF5;
    if (got >= 6 && memcmp(b, "MATLAB", 6) == 0)
        return DUMP_MAT;
    return -1;
}

gcv_status gcv_dump_open(const char *path, gcv_dump **out, gcv_error *err)
{
    struct stat sb;
    *out = NULL;
    if (stat(path, &sb) != 0) {
        gcv_error_set(err, "%s: cannot open: %s", path, strerror(errno));
        return GCV_ERR_IO;
    }
    int kind = S_ISDIR(sb.st_mode) ? DUMP_DIR : file_kind(path);
    if (kind < 0) {
        gcv_error_set(err, "%s: expected a gradient dump (an .npz, .mat or .h5 "
                 "file, or a folder of .npy files), got a file of none of these kinds", path);
        return GCV_ERR_INVALID;
    }
    gcv_dump *d = calloc(1, sizeof *d);
    if (!d || !(d->path = gcv_strdup(path))) {
        free(d);
        gcv_error_set(err, "%s: out of memory", path);
        return GCV_ERR_NOMEM;
    }
    d->kind = (dump_kind)kind;
    gcv_status st = kind == DUMP_NPZ ? gcv_npz_open(path, &d->npz, err) : GCV_OK;
    if (st) {
        gcv_dump_close(d);
        return st;
    }
    *out = d;
    return GCV_OK;
}

static gcv_status read_npy_file(const gcv_dump *d, const char *name, size_t max_count,
                                gcv_npy *out, int *missing, gcv_error *err)
{
    char rel[512];
    snprintf(rel, sizeof rel, "%s.npy", name);
    char *file = gcv_path_join(d->path, rel);
    if (!file) {
        gcv_error_set(err, "%s: out of memory", d->path);
        return GCV_ERR_NOMEM;
    }
    gcv_status st;
    if (access(file, F_OK) != 0) {
        *missing = 1;
        gcv_error_set(err, "%s: expected a file %s, got none", d->path, rel);
        st = GCV_ERR_INVALID;
    } else {
        st = gcv_npy_read(file, max_count, out, err);
    }
    free(file);
    return st;
}

gcv_status gcv_dump_read(const gcv_dump *d, const char *name, size_t max_count, gcv_npy *out,
                         int *missing, gcv_error *err)
{
    *missing = 0;
    memset(out, 0, sizeof *out);
    if (d->kind == DUMP_NPZ) {
        if (!gcv_npz_has(d->npz, name))
            *missing = 1;
        return gcv_npz_read(d->npz, name, max_count, out, err);
    }
    if (d->kind == DUMP_DIR)
        return read_npy_file(d, name, max_count, out, missing, err);
    gcv_status st = d->kind == DUMP_MAT ? gcv_mat_read(d->path, name, max_count, out, err)
                                        : gcv_hdf5_read(d->path, name, max_count, out, err);
    if (st == GCV_ERR_INVALID && strstr(err->msg, "not found"))
        *missing = 1;
    return st;
}

const char *gcv_dump_path(const gcv_dump *d)
{
    return d->path;
}

const char *gcv_dump_kind(const gcv_dump *d)
{
    static const char *const names[] = {"npz", "npy folder", "mat", "hdf5"};
    return names[d->kind];
}

void gcv_dump_close(gcv_dump *d)
{
    if (!d)
        return;
    gcv_npz_close(d->npz);
    free(d->path);
    free(d);
}

/* --export (see export.h): each array as a float64 .npy file through the output module, so
 * that an export is written like every report (atomically, never over an input of the run,
 * and staged with the reports), with the .npy header NumPy writes. */
#include "cli/export.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/output.h"
#include "util/path.h"
#include "util/strutil.h"

typedef struct npy_ctx {
    size_t shape[2];
    const double *data;
} npy_ctx;

/* A 2-D little-endian float64 .npy: magic, version 1.0, the header padded with spaces to a
 * multiple of 64 bytes and ended by '\n', then the values in C order. */
static int npy_writer(FILE *f, void *p)
{
    const npy_ctx *c = p;
    char sh[64], h[256];
    gcv_format_shape(c->shape, 2, sh, sizeof sh);
    int w = snprintf(h, sizeof h, "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }", sh);
    size_t len = (size_t)w, total = (10 + len + 1 + 63) / 64 * 64;
    while (10 + len + 1 < total)
        h[len++] = ' ';
    h[len++] = '\n';
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(len & 0xFF),
                             (unsigned char)(len >> 8)};
    if (fwrite(pre, 1, sizeof pre, f) != sizeof pre || fwrite(h, 1, len, f) != len)
        return -1;
    for (size_t i = 0; i < c->shape[0] * c->shape[1]; i++) {
        uint64_t u;
        unsigned char b[8];
        memcpy(&u, &c->data[i], sizeof u);
        for (size_t k = 0; k < 8; k++) /* little-endian whatever the host */
            b[k] = (unsigned char)(u >> (8 * k));
        if (fwrite(b, 1, 8, f) != 8)
            return -1;
    }
    return ferror(f) ? -1 : 0;
}

/* DIR/<name>.npy of a rows × cols array. */
static gcv_status put(const char *dir, const char *name, size_t rows, size_t cols,
                      const double *data, gcv_error *err)
{
    char stem[GCV_STEM_MAX + 1];
    gcv_path_file_stem(name, stem, sizeof stem);
    size_t n = strlen(dir) + strlen(stem) + 6;
    char *path = malloc(n);
    if (!path) {
        snprintf(err->msg, sizeof err->msg, "%.200s: out of memory", dir);
        return GCV_ERR_NOMEM;
    }
    npy_ctx c = {{rows, cols}, data};
    gcv_status st = gcv_write_atomic(gcv_path_in_dir(path, n, dir, stem, ".npy"), npy_writer,
                                     &c, "--export file", err);
    free(path);
    return st;
}

gcv_status gcv_export_inputs(const char *dir, const gcv_config *cfg, const gcv_model *m,
                             gcv_error *err)
{
    char why[GCV_ERROR_LEN / 2];
    if (gcv_make_dirs(dir, why, sizeof why) != 0) {
        snprintf(err->msg, sizeof err->msg, "%.200s: cannot make the folder: %s", dir, why);
        return GCV_ERR_IO;
    }
    gcv_status st = GCV_OK;
    for (size_t b = 0; b < m->n_blocks && st == GCV_OK; b++) {
        const gcv_block *bl = &m->blocks[b];
        st = put(dir, bl->name, bl->rows, bl->cols, m->theta + bl->offset, err);
    }
    if (st == GCV_OK)
        st = put(dir, "X", cfg->sizes[0], cfg->m, cfg->x, err);
    if (st == GCV_OK)
        st = put(dir, "Y", cfg->sizes[cfg->n_layers], cfg->m, cfg->y, err);
    return st;
}

/* --export (see export.h). */
#include "cli/export.h"

#include <stdio.h>

#include "data/npy.h"
#include "util/path.h"

gcv_status gcv_export_inputs(const char *dir, const gcv_config *cfg, const gcv_model *m,
                             gcv_error *err)
{
    char path[4096], why[GCV_ERROR_LEN / 2];
    if (gcv_make_dirs(dir, why, sizeof why) != 0) {
        snprintf(err->msg, sizeof err->msg, "%.200s: cannot make the folder: %s", dir, why);
        return GCV_ERR_IO;
    }
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        size_t shape[2] = {bl->rows, bl->cols};
        gcv_path_in_dir(path, sizeof path, dir, bl->name, ".npy");
        gcv_status st = gcv_npy_write(path, shape, 2, m->theta + bl->offset, err);
        if (st != GCV_OK)
            return st;
    }
    size_t xs[2] = {cfg->sizes[0], cfg->m}, ys[2] = {cfg->sizes[cfg->n_layers], cfg->m};
    gcv_status st = gcv_npy_write(gcv_path_in_dir(path, sizeof path, dir, "X", ".npy"), xs, 2,
                                  cfg->x, err);
    return st != GCV_OK ? st
                        : gcv_npy_write(gcv_path_in_dir(path, sizeof path, dir, "Y", ".npy"),
                                        ys, 2, cfg->y, err);
}

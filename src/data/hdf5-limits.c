/* The metadata of an HDF5 dataset checked before anything is allocated or H5Dread runs.
 *
 * libhdf5 trusts what a file declares. A float type declared 264 bytes wide makes its
 * conversion to double read past a heap buffer; a chunk declared 1 GiB is allocated whole
 * whatever the dataset holds; a dataset whose data were never written (or whose storage a
 * damaged file cut short) reads as fill values, that is zeros a gradient check would accept
 * as data. So the type is held to the widths NumPy and h5py write, and every size the read
 * will allocate is held against the two things the file cannot lie about: its own size
 * (stored bytes, unless compressed, cannot exceed it; compressed ones expand at most by the
 * deflate limit) and the memory the caller allows. */
#include "data/hdf5-limits.h"

#ifdef GCV_HAVE_HDF5

#include <stdio.h>

#include "util/strutil.h"

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    return a != 0 && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

gcv_status gcv_h5_check_width(const gcv_h5_meta *m, gcv_error *err)
{
    size_t b = m->bytes, bits = 8 * b;
    int width_ok = b == 1 || b == 2 || b == 4 || b == 8;
    if (m->cls == H5T_FLOAT)
        width_ok = b == 2 || b == 4 || b == 8;
    size_t prec = H5Tget_precision(m->type);
    int off = H5Tget_offset(m->type);
    int layout_ok = prec > 0 && prec <= bits && off >= 0 && (size_t)off + prec <= bits;
    if (layout_ok && m->cls == H5T_FLOAT) {
        size_t spos, epos, esize, mpos, msize;
        layout_ok = H5Tget_fields(m->type, &spos, &epos, &esize, &mpos, &msize) >= 0 &&
                    spos < bits && esize > 0 && esize <= 11 && epos + esize <= bits &&
                    msize > 0 && mpos + msize <= bits;
    }
    if (width_ok && layout_ok)
        return GCV_OK;
    const char *kind = m->cls == H5T_FLOAT ? "a float" : "an integer";
    if (!width_ok)
        gcv_error_set(err, "%s: %s: expected an integer of 1, 2, 4 or 8 bytes or a float of 2, "
                      "4 or 8 bytes, got %s of %zu bytes", m->path, m->dataset, kind, b);
    else
        gcv_error_set(err, "%s: %s: expected %s type whose bit fields lie within its %zu "
                      "bytes, got precision %zu at offset %d (damaged file?)", m->path,
                      m->dataset, kind, b, prec, off);
    return GCV_ERR_INVALID;
}

/* The bytes of one chunk, or 0 when the layout is not chunked; *filtered says whether its
 * chunks are compressed (or otherwise filtered). -1 when the property list is unreadable. */
static int chunk_bytes(const gcv_h5_meta *m, H5D_layout_t *layout, uint64_t *bytes,
                       int *filtered)
{
    *bytes = 0;
    *filtered = 0;
    hid_t dcpl = H5Dget_create_plist(m->obj);
    if (dcpl < 0)
        return -1;
    int rc = 0;
    *layout = H5Pget_layout(dcpl);
    if (*layout == H5D_CHUNKED) {
        hsize_t dims[H5S_MAX_RANK];
        int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, dims);
        if (rank <= 0)
            rc = -1;
        uint64_t n = m->bytes;
        for (int d = 0; d < rank && rc == 0; d++)
            n = sat_mul(n, dims[d]);
        *bytes = n;
        *filtered = H5Pget_nfilters(dcpl) > 0;
    } else if (*layout < 0) {
        rc = -1;
    }
    H5Pclose(dcpl);
    return rc;
}

static gcv_status size_error(const gcv_h5_meta *m, gcv_error *err, gcv_status st,
                             const char *what, double want, const char *why, double got)
{
    char w[32], g[32];
    gcv_format_bytes(want, w, sizeof w);
    gcv_format_bytes(got, g, sizeof g);
    gcv_error_set(err, "%s: %s: expected %s of at most %s (%s), got %s", m->path, m->dataset,
                  what, w, why, g);
    return st;
}

gcv_status gcv_h5_check_storage(const gcv_h5_meta *m, gcv_error *err)
{
    H5D_layout_t layout = H5D_LAYOUT_ERROR;
    uint64_t chunk = 0;
    int filtered = 0;
    if (chunk_bytes(m, &layout, &chunk, &filtered) < 0) {
        gcv_error_set(err, "%s: %s: cannot read the storage layout (damaged file?)", m->path,
                      m->dataset);
        return GCV_ERR_INVALID;
    }
    if (layout == H5D_VIRTUAL) {
        gcv_error_set(err, "%s: %s: expected a dataset stored in this file, got a virtual one",
                      m->path, m->dataset);
        return GCV_ERR_INVALID;
    }
    uint64_t expand = filtered ? GCV_H5_MAX_RATIO : 1;
    uint64_t in_file = sat_mul(m->file_size, expand);
    if (chunk > m->max_bytes)
        return size_error(m, err, GCV_ERR_NOMEM, "chunks", (double)m->max_bytes,
                          "the memory the read may use", (double)chunk);
    if (chunk > in_file)
        return size_error(m, err, GCV_ERR_INVALID, "chunks", (double)in_file,
                          filtered ? "the file's size times the deflate limit 1032"
                                   : "the file's size", (double)chunk);
    uint64_t need = sat_mul(m->count, m->bytes);
    uint64_t stored = H5Dget_storage_size(m->obj);
    if (stored > m->file_size)
        return size_error(m, err, GCV_ERR_INVALID, "stored data", (double)m->file_size,
                          "the file's size; damaged file?", (double)stored);
    if (sat_mul(stored, expand) < need) {
        gcv_error_set(err, "%s: %s: expected %zu elements of %zu bytes stored in the file, got "
                      "%llu bytes%s (data never written, or a damaged or truncated file)",
                      m->path, m->dataset, m->count, m->bytes, (unsigned long long)stored,
                      filtered ? " compressed" : "");
        return GCV_ERR_INVALID;
    }
    return GCV_OK;
}

#endif

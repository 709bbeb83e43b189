/* HDF5 dataset reader. Everything HDF5 can convert to double is read through H5Dread with
 * H5T_NATIVE_DOUBLE as the memory type, so the library handles byte order, width and
 * signedness; this file only decides what to accept, checks sizes before allocating, and
 * turns failures into one-line messages. */
#include "data/hdf5.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "data/hdf5-limits.h"
#include "data/sandbox.h"
#include "util/strutil.h"

#ifdef GCV_HAVE_HDF5

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <hdf5.h>

#endif

#ifndef GCV_HAVE_HDF5

gcv_status gcv_hdf5_read(const char *path, const char *dataset, size_t max_count, gcv_npy *out,
                         gcv_error *err)
{
    (void)dataset;
    (void)max_count;
    if (out)
        memset(out, 0, sizeof *out);
    gcv_error_set(err,
                "%s: reading HDF5 needs gcverify built with libhdf5: install libhdf5-dev and "
                "reconfigure (meson setup --reconfigure build -Dhdf5=enabled)",
                path ? path : "(null)");
    return GCV_ERR_INVALID;
}

#else

/* The deepest entry of HDF5's error stack is the root cause ("unable to open file", "required
 * filter 'lzf' is not registered"); the upper ones only say which API call failed. */
typedef struct gcv_h5_reason {
    char text[200];
} gcv_h5_reason;

static herr_t gcv_h5_walk(unsigned n, const H5E_error2_t *e, void *data)
{
    (void)n;
    gcv_h5_reason *r = data;
    const char *s = (e->desc && e->desc[0]) ? e->desc : e->func_name;
    if (s)
        snprintf(r->text, sizeof r->text, "%s", s);
    for (char *c = r->text; *c; c++) /* error messages are one line */
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    return 0;
}

/* Must run right after the failing call: the next HDF5 API call clears the stack. */
static const char *gcv_h5_reason_of(gcv_h5_reason *r)
{
    r->text[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, gcv_h5_walk, r);
    if (!r->text[0])
        snprintf(r->text, sizeof r->text, "HDF5 gave no reason");
    return r->text;
}

/* Collects "a, b, grp/c" of every dataset reachable by hard links, bounded by the buffer:
 * the message must stay one bounded line even for a file with thousands of datasets. */
typedef struct gcv_h5_names {
    char text[300];
    size_t len;
    size_t count;
    int truncated;
} gcv_h5_names;

static herr_t gcv_h5_collect(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
    gcv_h5_names *l = data;
    if (info->type != H5L_TYPE_HARD)
        return 0; /* soft and external links may dangle; the targets are listed anyway */
    hid_t obj = H5Oopen(group, name, H5P_DEFAULT);
    if (obj < 0)
        return 0;
    int is_dataset = H5Iget_type(obj) == H5I_DATASET;
    H5Oclose(obj);
    if (!is_dataset)
        return 0;
    l->count++;
    if (l->truncated)
        return 0;
    size_t room = sizeof l->text - l->len;
    int w = snprintf(l->text + l->len, room, "%s%s", l->count > 1 ? ", " : "", name);
    /* Keep 8 bytes for ", …" so a cut list says it was cut. */
    if (w < 0 || (size_t)w + 8 >= room) {
        l->text[l->len] = '\0';
        l->truncated = 1;
        return 0;
    }
    l->len += (size_t)w;
    return 0;
}

static const char *gcv_h5_class_name(H5T_class_t c)
{
    switch (c) {
    case H5T_STRING: return "a string";
    case H5T_COMPOUND: return "a compound";
    case H5T_ENUM: return "an enum";
    case H5T_BITFIELD: return "a bitfield";
    case H5T_OPAQUE: return "an opaque";
    case H5T_REFERENCE: return "a reference";
    case H5T_VLEN: return "a variable-length";
    case H5T_ARRAY: return "an array";
    case H5T_TIME: return "a time";
    default: return "an unknown";
    }
}

/* "uint8", "int64", "float32": the names NumPy and h5py print. Formatted through a wide
 * buffer and kept only when it fits dtype[8]; a 16-byte float becomes "f128". */
static void gcv_h5_dtype_name(char *dtype, size_t n, H5T_class_t c, H5T_sign_t sign,
                              size_t bytes)
{
    char tmp[32];
    const char *base = c == H5T_FLOAT ? "float" : (sign == H5T_SGN_NONE ? "uint" : "int");
    snprintf(tmp, sizeof tmp, "%s%zu", base, bytes * 8);
    if (strlen(tmp) >= n)
        snprintf(tmp, sizeof tmp, "%c%zu", base[0], bytes * 8);
    if (strlen(tmp) >= n)
        tmp[n - 1] = '\0';
    memcpy(dtype, tmp, strlen(tmp) + 1);
}

/* The C-order coordinates of flat index k, for messages about one element. */
static void gcv_h5_coords(size_t k, const size_t *shape, size_t ndim, char *buf, size_t n)
{
    size_t idx[GCV_NPY_MAX_DIMS] = {0};
    for (size_t d = ndim; d-- > 0;) {
        idx[d] = k % shape[d];
        k /= shape[d];
    }
    gcv_format_shape(idx, ndim, buf, n);
}

/* Opens the file read-only; on failure fills *why. File locking is kept but ignored where the
 * file system does not support it (NFS, some containers), which otherwise makes HDF5 ≥ 1.10
 * refuse to open perfectly readable files. */
static hid_t gcv_h5_open(const char *path, gcv_h5_reason *why)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) {
        gcv_h5_reason_of(why);
        return H5I_INVALID_HID;
    }
#if H5_VERSION_GE(1, 12, 1) || (H5_VERSION_GE(1, 10, 7) && !H5_VERSION_GE(1, 12, 0))
    H5Pset_file_locking(fapl, 1, 1);
#endif
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (file < 0)
        gcv_h5_reason_of(why); /* now: H5Pclose below starts a new error stack */
    H5Pclose(fapl);
    return file;
}

static htri_t gcv_h5_is_hdf5(const char *path)
{
#if H5_VERSION_GE(1, 12, 0)
    return H5Fis_accessible(path, H5P_DEFAULT);
#else
    return H5Fis_hdf5(path);
#endif
}

/* One read in progress: the handles it holds, which gcv_h5_close releases however far the read
 * got, and what each step learns about the dataset for the steps after it. */
typedef struct gcv_h5_reader {
    const char *path, *dataset;
    size_t max_count;
    uint64_t file_size;
    gcv_npy *out;
    gcv_error *err;
    hid_t file, obj, type, space;
    H5T_class_t cls;
    H5T_sign_t sign;
    size_t bytes;                   /* of one stored element */
    hsize_t dims[GCV_NPY_MAX_DIMS]; /* as stored, ndim of them */
    size_t ndim, count;
    double *data;
    int keep_shape; /* refused by max_count: out keeps ndim, shape and count */
    gcv_h5_reason why;
} gcv_h5_reader;

/* Each step below returns GCV_OK, or the read's status with err set. */

static gcv_status gcv_h5_open_file(gcv_h5_reader *r)
{
    if (gcv_h5_is_hdf5(r->path) <= 0) {
        gcv_error_set(r->err, "%s: expected an HDF5 file, got a file without the HDF5 signature",
                      r->path);
        return GCV_ERR_INVALID;
    }
    r->file = gcv_h5_open(r->path, &r->why);
    if (r->file < 0) {
        /* The signature is there but the file cannot be opened: truncated or damaged. */
        gcv_error_set(r->err, "%s: expected a readable HDF5 file, got one HDF5 cannot open: %s",
                      r->path, r->why.text);
        return GCV_ERR_INVALID;
    }
    return GCV_OK;
}

/* The dataset could not be opened, r->why says why: either the name leads to something
 * unreadable, or it is not there and the message lists what is. */
static void gcv_h5_report_missing(gcv_h5_reader *r)
{
    if (H5Lexists(r->file, r->dataset, H5P_DEFAULT) > 0) {
        /* The name is there but the object behind it cannot be read: damaged metadata,
         * or a soft or external link to nowhere. */
        gcv_error_set(r->err, "%s: %s: expected a readable dataset, got one HDF5 cannot open: %s",
                      r->path, r->dataset, r->why.text);
        return;
    }
    gcv_h5_names names = {.len = 0};
    H5Lvisit(r->file, H5_INDEX_NAME, H5_ITER_INC, gcv_h5_collect, &names);
    if (names.count == 0)
        gcv_error_set(r->err, "%s: dataset '%s' not found; the file has no datasets", r->path,
                      r->dataset);
    else
        gcv_error_set(r->err, "%s: dataset '%s' not found; available datasets: %s%s", r->path,
                      r->dataset, names.text, names.truncated ? ", …" : "");
}

static gcv_status gcv_h5_open_dataset(gcv_h5_reader *r)
{
    r->obj = H5Oopen(r->file, r->dataset, H5P_DEFAULT);
    if (r->obj < 0) {
        gcv_h5_reason_of(&r->why);
        gcv_h5_report_missing(r);
        return GCV_ERR_INVALID;
    }
    H5I_type_t kind = H5Iget_type(r->obj);
    if (kind != H5I_DATASET) {
        gcv_error_set(r->err, "%s: %s: expected a dataset, got %s", r->path, r->dataset,
                      kind == H5I_GROUP ? "a group" :
                      kind == H5I_DATATYPE ? "a named datatype" : "another kind of object");
        return GCV_ERR_INVALID;
    }
    return GCV_OK;
}

/* For an HDF5 call that just failed: its reason is quoted before anything clears it. */
static gcv_status gcv_h5_unreadable(gcv_h5_reader *r, const char *what)
{
    gcv_error_set(r->err, "%s: %s: cannot read the %s: %s", r->path, r->dataset, what,
                  gcv_h5_reason_of(&r->why));
    return GCV_ERR_INVALID;
}

/* Integers and floats only: those HDF5 converts to double by itself. */
static gcv_status gcv_h5_check_type(gcv_h5_reader *r)
{
    r->type = H5Dget_type(r->obj);
    if (r->type < 0)
        return gcv_h5_unreadable(r, "data type");
    r->cls = H5Tget_class(r->type);
    if (r->cls != H5T_INTEGER && r->cls != H5T_FLOAT) {
        gcv_error_set(r->err,
                      "%s: %s: expected an integer or floating-point dataset, got %s dataset",
                      r->path, r->dataset, gcv_h5_class_name(r->cls));
        return GCV_ERR_INVALID;
    }
    r->bytes = H5Tget_size(r->type);
    r->sign = r->cls == H5T_INTEGER ? H5Tget_sign(r->type) : H5T_SGN_ERROR;
    if (r->bytes == 0 || (r->cls == H5T_INTEGER && r->sign == H5T_SGN_ERROR))
        return gcv_h5_unreadable(r, "data type");
    gcv_h5_meta m = {.path = r->path, .dataset = r->dataset, .obj = r->obj, .type = r->type,
                     .cls = r->cls, .bytes = r->bytes};
    return gcv_h5_check_width(&m, r->err);
}

/* The layout and the bytes stored, against the file's size and the memory allowed: checked
 * from the metadata, before libhdf5 allocates anything for the read. */
static gcv_status gcv_h5_check_layout(gcv_h5_reader *r)
{
    size_t cap = r->max_count > SIZE_MAX / sizeof(double) ? SIZE_MAX
                                                          : r->max_count * sizeof(double);
    gcv_h5_meta m = {.path = r->path, .dataset = r->dataset, .obj = r->obj, .type = r->type,
                     .cls = r->cls, .bytes = r->bytes, .count = r->count,
                     .file_size = r->file_size, .max_bytes = cap};
    return gcv_h5_check_storage(&m, r->err);
}

/* The rank and the dimensions as stored, into r->ndim and r->dims. */
static gcv_status gcv_h5_read_dims(gcv_h5_reader *r)
{
    r->space = H5Dget_space(r->obj);
    if (r->space < 0)
        return gcv_h5_unreadable(r, "shape");
    if (H5Sget_simple_extent_type(r->space) == H5S_NULL) {
        gcv_error_set(r->err, "%s: %s: expected a dataset with values, got a null dataspace",
                      r->path, r->dataset);
        return GCV_ERR_INVALID;
    }
    int rank = H5Sget_simple_extent_ndims(r->space);
    if (rank < 0)
        return gcv_h5_unreadable(r, "shape");
    if (rank > GCV_NPY_MAX_DIMS) {
        gcv_error_set(r->err, "%s: %s: expected at most %d dimensions, got %d", r->path,
                      r->dataset, GCV_NPY_MAX_DIMS, rank);
        return GCV_ERR_INVALID;
    }
    hsize_t maxdims[GCV_NPY_MAX_DIMS] = {0};
    if (rank > 0 && H5Sget_simple_extent_dims(r->space, r->dims, maxdims) < 0)
        return gcv_h5_unreadable(r, "shape");
    /* HDF5 itself does not check this on reading; a damaged size field then makes it read
     * millions of fill-value chunks that were never written. */
    for (int d = 0; d < rank; d++) {
        if (maxdims[d] != H5S_UNLIMITED && r->dims[d] > maxdims[d]) {
            gcv_error_set(r->err, "%s: %s: dimension %d: expected a size within the maximum "
                          "%llu, got %llu (damaged file?)", r->path, r->dataset, d,
                          (unsigned long long)maxdims[d], (unsigned long long)r->dims[d]);
            return GCV_ERR_INVALID;
        }
    }
    r->ndim = (size_t)rank;
    return GCV_OK;
}

/* The shape into out->shape and the element count into r->count, checked before anything is
 * allocated: a few bytes of a damaged or hostile file must not be able to ask for terabytes. */
static gcv_status gcv_h5_check_count(gcv_h5_reader *r)
{
    gcv_npy *out = r->out;
    size_t count = 1;
    int overflow = 0;
    for (size_t d = 0; d < r->ndim; d++) {
        if (r->dims[d] > SIZE_MAX) {
            overflow = 1;
            break;
        }
        out->shape[d] = (size_t)r->dims[d];
        if (out->shape[d] != 0 && count > SIZE_MAX / out->shape[d])
            overflow = 1;
        else
            count *= out->shape[d];
    }
    char shape_text[160];
    gcv_format_shape(out->shape, r->ndim, shape_text, sizeof shape_text);
    if (overflow) {
        gcv_error_set(r->err, "%s: %s: expected a shape whose size fits in memory, got %s",
                      r->path, r->dataset, shape_text);
        return GCV_ERR_INVALID;
    }
    if (count == 0) {
        gcv_error_set(r->err, "%s: %s: expected a non-empty dataset, got shape %s", r->path,
                      r->dataset, shape_text);
        return GCV_ERR_INVALID;
    }
    if (count > r->max_count || count > SIZE_MAX / sizeof(double)) {
        gcv_error_set(r->err, "%s: %s: expected at most %zu elements, got %zu (shape %s)",
                      r->path, r->dataset, r->max_count, count, shape_text);
        r->keep_shape = 1;
        out->ndim = r->ndim;
        out->count = count;
        return GCV_ERR_NOMEM;
    }
    r->count = count;
    return GCV_OK;
}

/* The values as doubles into r->data, every one finite: a NaN or Inf makes every cost
 * non-finite and the check inconclusive; naming the element here turns that into a data
 * error the user can find. */
static gcv_status gcv_h5_read_data(gcv_h5_reader *r)
{
    r->data = malloc(r->count * sizeof *r->data);
    if (!r->data) {
        gcv_error_set(r->err, "%s: %s: out of memory for %zu values", r->path, r->dataset,
                      r->count);
        return GCV_ERR_NOMEM;
    }
    /* A damaged file can make H5Dread succeed without writing every element (fuzzing found
     * one): each starts as NaN, which no integer converts to and a float dataset may not
     * hold, so an element HDF5 left unwritten is refused below instead of read as garbage. */
    for (size_t k = 0; k < r->count; k++)
        r->data[k] = NAN;
    if (H5Dread(r->obj, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, r->data) < 0)
        return gcv_h5_unreadable(r, "data");
    for (size_t k = 0; k < r->count; k++) {
        double v = r->data[k];
        if (!isfinite(v)) {
            char at[160];
            gcv_h5_coords(k, r->out->shape, r->ndim, at, sizeof at);
            if (r->cls == H5T_INTEGER)
                gcv_error_set(r->err, "%s: %s: element %s: expected an integer, got none: "
                              "HDF5 read the dataset without writing it (damaged file?)",
                              r->path, r->dataset, at);
            else
                gcv_error_set(r->err, "%s: %s: element %s: expected a finite number, got %s",
                              r->path, r->dataset, at,
                              isnan(v) ? "NaN" : (v > 0 ? "inf" : "-inf"));
            return GCV_ERR_INVALID;
        }
    }
    return GCV_OK;
}

/* A read that passed every step: out takes the data. */
static void gcv_h5_fill(gcv_h5_reader *r)
{
    gcv_npy *out = r->out;
    out->ndim = r->ndim;
    out->count = r->count;
    out->is_integer = r->cls == H5T_INTEGER;
    gcv_h5_dtype_name(out->dtype, sizeof out->dtype, r->cls, r->sign, r->bytes);
    out->data = r->data;
    r->data = NULL;
}

/* Releases what the read holds; after a failure, out is zeroed but for the shape a max_count
 * refusal keeps. */
static void gcv_h5_close(gcv_h5_reader *r, gcv_status st)
{
    free(r->data);
    if (r->space >= 0)
        H5Sclose(r->space);
    if (r->type >= 0)
        H5Tclose(r->type);
    if (r->obj >= 0)
        H5Oclose(r->obj);
    if (r->file >= 0)
        H5Fclose(r->file);
    if (st != GCV_OK) {
        /* As gcv_npy_read does: a caller refused by max_count can still say how much the
         * file asked for. Nothing else of a failed read is meaningful. */
        gcv_npy *out = r->out;
        gcv_npy shape = *out;
        memset(out, 0, sizeof *out);
        if (r->keep_shape) {
            out->ndim = shape.ndim;
            out->count = shape.count;
            memcpy(out->shape, shape.shape, sizeof out->shape);
        }
    }
}

/* The body of gcv_hdf5_read, run with HDF5's automatic error printing off. */
static gcv_status gcv_h5_read_quiet(const char *path, const char *dataset, size_t max_count,
                                    uint64_t file_size, gcv_npy *out, gcv_error *err)
{
    gcv_h5_reader r = {.path = path, .dataset = dataset, .max_count = max_count,
                       .file_size = file_size, .out = out,
                       .err = err, .file = H5I_INVALID_HID, .obj = H5I_INVALID_HID,
                       .type = H5I_INVALID_HID, .space = H5I_INVALID_HID};
    gcv_status st = gcv_h5_open_file(&r);
    if (st == GCV_OK)
        st = gcv_h5_open_dataset(&r);
    if (st == GCV_OK)
        st = gcv_h5_check_type(&r);
    if (st == GCV_OK)
        st = gcv_h5_read_dims(&r);
    if (st == GCV_OK)
        st = gcv_h5_check_count(&r);
    if (st == GCV_OK)
        st = gcv_h5_check_layout(&r);
    if (st == GCV_OK)
        st = gcv_h5_read_data(&r);
    if (st == GCV_OK)
        gcv_h5_fill(&r);
    gcv_h5_close(&r, st);
    return st;
}

/* The read, in the sandbox's child process (see gcv_hdf5_read). */
static gcv_status gcv_h5_read_child(const char *path, const char *dataset, size_t max_count,
                                    gcv_npy *out, gcv_error *err)
{
    uint64_t size = 0;
    gcv_status opened = gcv_file_size_of(path, &size, err);
    if (opened != GCV_OK)
        return opened;
    /* HDF5 prints its error stack to stderr by default, and the library must never print,
     * so automatic printing is switched off, and left off: HDF5 also reports at exit, from
     * its atexit handler, internal state that a damaged file left behind ("HDF5: infinite
     * loop closing library"), and that report stays quiet only if printing is still off
     * then (the child ends with _exit, but where fork failed the read runs in this process).
     * A program that wants HDF5's printing back can call H5Eset_auto2 itself. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    gcv_status st = gcv_h5_read_quiet(path, dataset, max_count, size, out, err);
    H5Eclear2(H5E_DEFAULT);
    return st;
}

gcv_status gcv_hdf5_read(const char *path, const char *dataset, size_t max_count, gcv_npy *out,
                         gcv_error *err)
{
    if (!out || !path || !dataset || !dataset[0]) {
        if (out)
            memset(out, 0, sizeof *out);
        gcv_error_set(err, "%s: expected a file, a dataset name and an output array, got %s",
                    path ? path : "(null)",
                    !path ? "no file name" : !out ? "no output array" : "no dataset name");
        return GCV_ERR_INVALID;
    }
    memset(out, 0, sizeof *out);

    /* Open it ourselves first: HDF5 reports a missing file, a folder and a file that is not
     * HDF5 alike, and only this tells the user which one it is. */
    uint64_t size = 0;
    gcv_status opened = gcv_file_size_of(path, &size, err);
    if (opened != GCV_OK)
        return opened;

    /* libhdf5 parses a file's metadata before any API shows a size to check, and a damaged
     * file can make it crash or ask for any amount of memory: it reads in a child process
     * (data/sandbox.h). */
    return gcv_sandbox_read(gcv_h5_read_child, "the HDF5 library", path, dataset, max_count,
                            out, err);
}

#endif

/* MATLAB .mat reader on libmatio. matio reads and converts the values; this file checks what
 * is acceptable before the data are read, reorders MATLAB's column-major data into C order,
 * and finds the type the values are stored as, which matio does not expose (see
 * gcv_mat5_stored_type). */
#include "data/mat.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/strutil.h"

#ifdef GCV_HAVE_MATIO

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <matio.h>
#include <zlib.h>

#include "data/mat5-check.h"
#include "data/sandbox.h"
#ifdef GCV_HAVE_HDF5
#include <hdf5.h>
#endif

#endif

#ifndef GCV_HAVE_MATIO

gcv_status gcv_mat_read(const char *path, const char *variable, size_t max_count, gcv_npy *out,
                        gcv_error *err)
{
    (void)variable;
    (void)max_count;
    if (out)
        memset(out, 0, sizeof *out);
    gcv_error_set(err,
                 "%s: reading MATLAB .mat files needs gcverify built with libmatio: install "
                 "libmatio-dev and reconfigure (meson setup --reconfigure build -Dmatio=enabled)",
                 path ? path : "(null)");
    return GCV_ERR_INVALID;
}

#else

/* ---- matio's log ------------------------------------------------------------------------ */

/* matio logs errors to stderr unless given a log function, and the library must never print.
 * The last message is kept per thread so that a failure can quote matio's reason. The log
 * function is process-wide in matio; installing it on every call is cheap and idempotent. */
static _Thread_local char gcv_mat_last_log[200];

static void gcv_mat_log(int level, char *message)
{
    if (!(level & (MATIO_LOG_LEVEL_ERROR | MATIO_LOG_LEVEL_CRITICAL | MATIO_LOG_LEVEL_WARNING)))
        return;
    snprintf(gcv_mat_last_log, sizeof gcv_mat_last_log, "%s", message ? message : "");
    for (char *c = gcv_mat_last_log; *c; c++) /* error messages are one line */
        if ((unsigned char)*c < 0x20)
            *c = ' ';
}

static const char *gcv_mat_reason(void)
{
    return gcv_mat_last_log[0] ? gcv_mat_last_log : "matio gave no reason";
}

/* ---- the stored type of a level-5 variable -------------------------------------------------
 *
 * A level-5 file may store a class-double variable with a narrower integer type (MATLAB does
 * this for integer-valued doubles: data/data.mat stores y as miUINT8). matio converts to the
 * class on reading and forgets the stored type, yet that type is what tells the user the
 * labels are integers. So the element header is parsed here, as far as the real part's tag:
 * top-level elements are miMATRIX or miCOMPRESSED (a zlib stream holding one miMATRIX), and
 * a matrix starts with array flags, dimensions, name, then the real part. Only a bounded
 * prefix of each element is read or inflated. Any surprise means "unknown": the caller then
 * falls back to the class, so this can only make the dtype more precise, never wrong. */

enum { GCV_MI_INT8 = 1, GCV_MI_UINT32 = 6, GCV_MI_INT32 = 5, GCV_MI_MATRIX = 14,
       GCV_MI_COMPRESSED = 15 };
#define GCV_MAT_PROBE_BYTES 4096

static uint32_t gcv_mat_u32(const unsigned char *p, int big_endian)
{
    if (big_endian)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* One data element tag at buf[off]: its type, its data's offset and length, and the offset
 * of the next element (8-byte aligned). Handles the small-element form, where a payload of
 * at most 4 bytes shares the tag's 8 bytes. Returns 0, or -1 if it does not fit in len. */
static int gcv_mat_tag(const unsigned char *buf, size_t len, size_t off, int be, uint32_t *type,
                       size_t *data_off, size_t *data_len, size_t *next)
{
    if (off > len || len - off < 8)
        return -1;
    uint32_t w0 = gcv_mat_u32(buf + off, be);
    if (w0 >> 16) {
        *type = w0 & 0xFFFFu;
        *data_len = w0 >> 16;
        if (*data_len > 4)
            return -1;
        *data_off = off + 4;
        *next = off + 8;
        return 0;
    }
    uint32_t n = gcv_mat_u32(buf + off + 4, be);
    size_t padded = ((size_t)n + 7) / 8 * 8;
    *type = w0;
    *data_off = off + 8;
    *data_len = n;
    if (padded > len - off - 8)
        *next = SIZE_MAX; /* fine for the last sub-element we look at, checked below */
    else
        *next = off + 8 + padded;
    return 0;
}

/* Parses the start of one miMATRIX element (tag included) and, if it is a real numeric array
 * named name, stores the type tag of its real part in *stored. Returns 1 when the name
 * matched (stored set or left alone), 0 when it did not, -1 when it cannot tell. */
static int gcv_mat_probe_matrix(const unsigned char *buf, size_t len, int be, const char *name,
                                uint32_t *stored)
{
    uint32_t type;
    size_t doff, dlen, next;
    if (gcv_mat_tag(buf, len, 0, be, &type, &doff, &dlen, &next) || type != GCV_MI_MATRIX)
        return -1;
    /* array flags: the class is the low byte of the first word */
    if (gcv_mat_tag(buf, len, 8, be, &type, &doff, &dlen, &next) || type != GCV_MI_UINT32 ||
        dlen < 8 || next == SIZE_MAX)
        return -1;
    uint32_t cls = gcv_mat_u32(buf + doff, be) & 0xFFu;
    /* dimensions */
    if (gcv_mat_tag(buf, len, next, be, &type, &doff, &dlen, &next) || type != GCV_MI_INT32 ||
        next == SIZE_MAX)
        return -1;
    /* name */
    if (gcv_mat_tag(buf, len, next, be, &type, &doff, &dlen, &next) || type != GCV_MI_INT8 ||
        doff + dlen > len)
        return -1;
    if (dlen != strlen(name) || memcmp(buf + doff, name, dlen) != 0)
        return 0;
    if (cls < MAT_C_DOUBLE || cls > MAT_C_UINT64 || next == SIZE_MAX)
        return 1;
    /* the real part: only its tag matters */
    if (gcv_mat_tag(buf, len, next, be, &type, &doff, &dlen, &next))
        return 1;
    switch (type) {
    case MAT_T_INT8: case MAT_T_UINT8: case MAT_T_INT16: case MAT_T_UINT16:
    case MAT_T_INT32: case MAT_T_UINT32: case MAT_T_SINGLE: case MAT_T_DOUBLE:
    case MAT_T_INT64: case MAT_T_UINT64:
        *stored = type;
        break;
    default:
        break;
    }
    return 1;
}

/* Inflates at most cap bytes of a zlib stream of n bytes read from f. */
static size_t gcv_mat_inflate_prefix(FILE *f, uint64_t n, unsigned char *outbuf, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK)
        return 0;
    unsigned char in[1024];
    zs.next_out = outbuf;
    zs.avail_out = (uInt)cap;
    while (zs.avail_out > 0 && n > 0) {
        size_t want = n < sizeof in ? (size_t)n : sizeof in;
        size_t got = fread(in, 1, want, f);
        if (got == 0)
            break;
        n -= got;
        zs.next_in = in;
        zs.avail_in = (uInt)got;
        int r = inflate(&zs, Z_NO_FLUSH);
        if (r != Z_OK && r != Z_BUF_ERROR)
            break; /* Z_STREAM_END or damage: what was inflated so far is all there is */
    }
    size_t have = cap - zs.avail_out;
    inflateEnd(&zs);
    return have;
}

/* The stored type of variable name in the level-5 file at path, or MAT_T_UNKNOWN. */
static enum matio_types gcv_mat5_stored_type(const char *path, const char *name)
{
    uint32_t stored = MAT_T_UNKNOWN;
    FILE *f = fopen(path, "rb");
    if (!f)
        return MAT_T_UNKNOWN;
    unsigned char head[128];
    if (fread(head, 1, sizeof head, f) != sizeof head)
        goto done;
    /* The endian indicator is the two characters "MI" written as a 16-bit integer: a
     * little-endian writer leaves the bytes 'I','M'. */
    int be;
    if (head[126] == 'I' && head[127] == 'M')
        be = 0;
    else if (head[126] == 'M' && head[127] == 'I')
        be = 1;
    else
        goto done;
    if (fseeko(f, 0, SEEK_END) != 0)
        goto done;
    off_t end = ftello(f);
    if (end < 0)
        goto done;

    static const size_t cap = GCV_MAT_PROBE_BYTES;
    unsigned char *buf = malloc(cap);
    if (!buf)
        goto done;
    uint64_t pos = 128;
    while (pos + 8 <= (uint64_t)end) {
        unsigned char tag[8];
        if (fseeko(f, (off_t)pos, SEEK_SET) != 0 || fread(tag, 1, 8, f) != 8)
            break;
        uint32_t type = gcv_mat_u32(tag, be);
        uint64_t n = gcv_mat_u32(tag + 4, be);
        size_t have = 0;
        if (type == GCV_MI_COMPRESSED) {
            have = gcv_mat_inflate_prefix(f, n, buf, cap);
        } else if (type == GCV_MI_MATRIX) {
            memcpy(buf, tag, 8);
            size_t want = n < cap - 8 ? (size_t)n : cap - 8;
            have = 8 + fread(buf + 8, 1, want, f);
        } else if (type >> 16) {
            break; /* a small element at top level: not a file we understand */
        }
        if (have > 0) {
            int r = gcv_mat_probe_matrix(buf, have, be, name, &stored);
            if (r != 0)
                break; /* found it, or cannot tell: either way stop */
        }
        /* Uncompressed elements are padded to 8 bytes, compressed ones are not. */
        uint64_t step = 8 + (type == GCV_MI_COMPRESSED ? n : (n + 7) / 8 * 8);
        pos += step;
    }
    free(buf);
done:
    fclose(f);
    return (enum matio_types)stored;
}

/* ---- names ------------------------------------------------------------------------------ */

static const char *gcv_mat_class_name(enum matio_classes c)
{
    switch (c) {
    case MAT_C_EMPTY: return "an empty value";
    case MAT_C_CELL: return "a cell array";
    case MAT_C_STRUCT: return "a struct";
    case MAT_C_OBJECT: return "an object";
    case MAT_C_CHAR: return "a char array";
    case MAT_C_SPARSE: return "a sparse matrix";
    case MAT_C_FUNCTION: return "a function handle";
    case MAT_C_OPAQUE: return "an opaque object";
    default: return "an unknown class";
    }
}

/* NumPy-style name of a stored type, and whether it holds integers. */
static const char *gcv_mat_type_name(enum matio_types t, int *is_integer)
{
    *is_integer = 1;
    switch (t) {
    case MAT_T_INT8: return "int8";
    case MAT_T_UINT8: return "uint8";
    case MAT_T_INT16: return "int16";
    case MAT_T_UINT16: return "uint16";
    case MAT_T_INT32: return "int32";
    case MAT_T_UINT32: return "uint32";
    case MAT_T_INT64: return "int64";
    case MAT_T_UINT64: return "uint64";
    case MAT_T_SINGLE: *is_integer = 0; return "float32";
    case MAT_T_DOUBLE: *is_integer = 0; return "float64";
    default: *is_integer = 0; return NULL;
    }
}

/* The in-memory type matio uses for a class after reading (the class decides, not the file). */
static enum matio_types gcv_mat_class_type(enum matio_classes c)
{
    switch (c) {
    case MAT_C_DOUBLE: return MAT_T_DOUBLE;
    case MAT_C_SINGLE: return MAT_T_SINGLE;
    case MAT_C_INT8: return MAT_T_INT8;
    case MAT_C_UINT8: return MAT_T_UINT8;
    case MAT_C_INT16: return MAT_T_INT16;
    case MAT_C_UINT16: return MAT_T_UINT16;
    case MAT_C_INT32: return MAT_T_INT32;
    case MAT_C_UINT32: return MAT_T_UINT32;
    case MAT_C_INT64: return MAT_T_INT64;
    case MAT_C_UINT64: return MAT_T_UINT64;
    default: return MAT_T_UNKNOWN;
    }
}

/* "X, y, yval, Xval" of every variable in the file, bounded like the HDF5 list. */
static void gcv_mat_list(mat_t *mat, char *text, size_t n, size_t *count)
{
    size_t len = 0;
    int truncated = 0;
    *count = 0;
    text[0] = '\0';
    if (Mat_Rewind(mat) != 0)
        return;
    matvar_t *v;
    while ((v = Mat_VarReadNextInfo(mat)) != NULL) {
        if (v->name) {
            (*count)++;
            if (!truncated) {
                int w = snprintf(text + len, n - len, "%s%s", *count > 1 ? ", " : "", v->name);
                if (w < 0 || (size_t)w + 8 >= n - len) {
                    text[len] = '\0';
                    snprintf(text + len, n - len, ", …");
                    truncated = 1;
                } else {
                    len += (size_t)w;
                }
            }
        }
        Mat_VarFree(v);
    }
}

/* Converts n values of in-memory type t to double, in the order they are stored. */
static int gcv_mat_to_double(const void *src, enum matio_types t, size_t n, double *dst)
{
#define GCV_MAT_CONVERT(ctype)                                                                 \
    do {                                                                                       \
        const ctype *s = src;                                                                  \
        for (size_t k = 0; k < n; k++)                                                         \
            dst[k] = (double)s[k];                                                             \
    } while (0)
    switch (t) {
    case MAT_T_DOUBLE: GCV_MAT_CONVERT(double); return 0;
    case MAT_T_SINGLE: GCV_MAT_CONVERT(float); return 0;
    case MAT_T_INT8: GCV_MAT_CONVERT(int8_t); return 0;
    case MAT_T_UINT8: GCV_MAT_CONVERT(uint8_t); return 0;
    case MAT_T_INT16: GCV_MAT_CONVERT(int16_t); return 0;
    case MAT_T_UINT16: GCV_MAT_CONVERT(uint16_t); return 0;
    case MAT_T_INT32: GCV_MAT_CONVERT(int32_t); return 0;
    case MAT_T_UINT32: GCV_MAT_CONVERT(uint32_t); return 0;
    case MAT_T_INT64: GCV_MAT_CONVERT(int64_t); return 0;
    case MAT_T_UINT64: GCV_MAT_CONVERT(uint64_t); return 0;
    default: return -1;
    }
#undef GCV_MAT_CONVERT
}

/* Column-major (first index fastest) src into C order (last index fastest) dst. The C-order
 * index tuple is counted up like an odometer while its column-major offset f follows. */
static void gcv_mat_to_c_order(const double *src, const size_t *dims, size_t ndim, size_t count,
                               double *dst)
{
    size_t idx[GCV_NPY_MAX_DIMS] = {0}, fstride[GCV_NPY_MAX_DIMS];
    size_t s = 1;
    for (size_t d = 0; d < ndim; d++) {
        fstride[d] = s;
        s *= dims[d];
    }
    size_t f = 0;
    for (size_t c = 0; c < count; c++) {
        dst[c] = src[f];
        for (size_t d = ndim; d-- > 0;) {
            if (++idx[d] < dims[d]) {
                f += fstride[d];
                break;
            }
            f -= (dims[d] - 1) * fstride[d];
            idx[d] = 0;
        }
    }
}

static void gcv_mat_coords(size_t k, const size_t *shape, size_t ndim, char *buf, size_t n)
{
    size_t idx[GCV_NPY_MAX_DIMS] = {0};
    for (size_t d = ndim; d-- > 0;) {
        idx[d] = k % shape[d];
        k /= shape[d];
    }
    gcv_format_shape(idx, ndim, buf, n);
}

/* ---- the reader ------------------------------------------------------------------------- */

/* One read in progress: what it holds, which gcv_mat_close releases however far the read got,
 * and what each step learns about the variable for the steps after it. */
typedef struct gcv_mat_reader {
    const char *path, *variable;
    size_t max_count;
    gcv_npy *out;
    gcv_error *err;
    mat_t *mat;
    matvar_t *info;            /* the variable's header, read first */
    matvar_t *var;             /* the variable with its data */
    enum matio_types mem_type; /* the type matio holds the class's values in */
    size_t ndim, count;
    double *tmp, *data; /* the values in MATLAB's order, then in C order */
    int keep_shape;     /* refused by max_count: out keeps ndim, shape and count */
    int logical;        /* a logical array (stored as uint8) */
} gcv_mat_reader;

/* Each step below returns GCV_OK, or the read's status with err set. */

static gcv_status gcv_mat_open(gcv_mat_reader *r)
{
    r->mat = Mat_Open(r->path, MAT_ACC_RDONLY);
    if (!r->mat) {
        gcv_error_set(r->err, "%s: expected a MATLAB .mat file (level 4, 5 or 7.3), got a file "
                      "matio cannot open (%s)", r->path, gcv_mat_reason());
        return GCV_ERR_INVALID;
    }
    return GCV_OK;
}

/* The variable is not in the file: the message lists the ones that are. */
static void gcv_mat_report_missing(gcv_mat_reader *r)
{
    char names[300];
    size_t nvars = 0;
    gcv_mat_list(r->mat, names, sizeof names, &nvars);
    /* A damaged file also ends the list early; matio's complaint then says why. */
    char note[240] = "";
    if (gcv_mat_last_log[0])
        snprintf(note, sizeof note, " (matio: %s)", gcv_mat_last_log);
    if (nvars == 0)
        gcv_error_set(r->err, "%s: variable '%s' not found; the file has no variables%s",
                      r->path, r->variable, note);
    else
        gcv_error_set(r->err, "%s: variable '%s' not found; available variables: %s%s",
                      r->path, r->variable, names, note);
}

/* The header alone: class, complexity and rank are checked before any data are read or
 * allocated. */
static gcv_status gcv_mat_read_header(gcv_mat_reader *r)
{
    r->info = Mat_VarReadInfo(r->mat, r->variable);
    if (!r->info) {
        gcv_mat_report_missing(r);
        return GCV_ERR_INVALID;
    }
    const matvar_t *info = r->info;
    r->mem_type = gcv_mat_class_type(info->class_type);
    if (r->mem_type == MAT_T_UNKNOWN) {
        gcv_error_set(r->err, "%s: %s: expected a numeric or logical array, got %s", r->path,
                      r->variable, gcv_mat_class_name(info->class_type));
        return GCV_ERR_INVALID;
    }
    if (info->isComplex) {
        gcv_error_set(r->err, "%s: %s: expected a real array, got a complex one", r->path,
                      r->variable);
        return GCV_ERR_INVALID;
    }
    if (info->rank < 1 || info->rank > GCV_NPY_MAX_DIMS || !info->dims) {
        gcv_error_set(r->err, "%s: %s: expected 1 to %d dimensions, got %d", r->path,
                      r->variable, GCV_NPY_MAX_DIMS, info->rank);
        return GCV_ERR_INVALID;
    }
    r->ndim = (size_t)info->rank;
    return GCV_OK;
}

/* The size into out->shape and the element count into r->count, checked against max_count
 * before the data are read. */
static gcv_status gcv_mat_check_count(gcv_mat_reader *r)
{
    gcv_npy *out = r->out;
    const size_t *dims = r->info->dims;
    size_t count = 1;
    int overflow = 0;
    for (size_t d = 0; d < r->ndim; d++) {
        out->shape[d] = dims[d];
        if (dims[d] != 0 && count > SIZE_MAX / dims[d])
            overflow = 1;
        else
            count *= dims[d];
    }
    char shape_text[160];
    gcv_format_shape(out->shape, r->ndim, shape_text, sizeof shape_text);
    if (overflow) {
        gcv_error_set(r->err, "%s: %s: expected a size that fits in memory, got %s", r->path,
                      r->variable, shape_text);
        return GCV_ERR_INVALID;
    }
    if (count == 0) {
        gcv_error_set(r->err, "%s: %s: expected a non-empty array, got size %s", r->path,
                      r->variable, shape_text);
        return GCV_ERR_INVALID;
    }
    if (count > r->max_count || count > SIZE_MAX / sizeof(double)) {
        gcv_error_set(r->err, "%s: %s: expected at most %zu elements, got %zu (size %s)",
                      r->path, r->variable, r->max_count, count, shape_text);
        r->keep_shape = 1;
        out->ndim = r->ndim;
        out->count = count;
        return GCV_ERR_NOMEM;
    }
    r->count = count;
    return GCV_OK;
}

/* The variable with its data, which must be what the header promised. */
static gcv_status gcv_mat_read_values(gcv_mat_reader *r)
{
    r->var = Mat_VarRead(r->mat, r->variable);
    const matvar_t *var = r->var, *info = r->info;
    if (!var || !var->data) {
        gcv_error_set(r->err, "%s: %s: cannot read the data: %s", r->path, r->variable,
                      gcv_mat_reason());
        return GCV_ERR_INVALID;
    }
    /* Same variable, read again: make sure matio's view did not change under us. */
    int same = var->class_type == info->class_type && var->rank == info->rank && var->dims &&
               !var->isComplex;
    for (size_t d = 0; same && d < r->ndim; d++)
        same = var->dims[d] == info->dims[d];
    size_t elem = Mat_SizeOf(r->mem_type);
    if (!same || var->data_type != r->mem_type || elem == 0 || var->nbytes / elem < r->count) {
        gcv_error_set(r->err, "%s: %s: expected %zu values of the variable's class, got data "
                      "matio could not convert", r->path, r->variable, r->count);
        return GCV_ERR_INVALID;
    }
    return GCV_OK;
}

/* The values as doubles in C order into r->data, every one finite. */
static gcv_status gcv_mat_convert(gcv_mat_reader *r)
{
    r->tmp = malloc(r->count * sizeof *r->tmp);
    if (!r->tmp) {
        gcv_error_set(r->err, "%s: %s: out of memory for %zu values", r->path, r->variable,
                      r->count);
        return GCV_ERR_NOMEM;
    }
    if (gcv_mat_to_double(r->var->data, r->mem_type, r->count, r->tmp) != 0) {
        gcv_error_set(r->err, "%s: %s: expected a numeric array, got an unsupported data type",
                      r->path, r->variable);
        return GCV_ERR_INVALID;
    }
    /* matio's copy is no longer needed: freed now, the read peaks at two copies, not three */
    r->logical = r->var->isLogical;
    Mat_VarFree(r->var);
    r->var = NULL;
    if (!(r->data = malloc(r->count * sizeof *r->data))) {
        gcv_error_set(r->err, "%s: %s: out of memory for %zu values", r->path, r->variable,
                      r->count);
        return GCV_ERR_NOMEM;
    }
    gcv_mat_to_c_order(r->tmp, r->out->shape, r->ndim, r->count, r->data);
    for (size_t k = 0; k < r->count; k++) {
        double v = r->data[k];
        if (!isfinite(v)) {
            char at[160];
            gcv_mat_coords(k, r->out->shape, r->ndim, at, sizeof at);
            gcv_error_set(r->err, "%s: %s: element %s: expected a finite number, got %s",
                          r->path, r->variable, at, isnan(v) ? "NaN" : (v > 0 ? "Inf" : "-Inf"));
            return GCV_ERR_INVALID;
        }
        if (r->logical && v != 0.0 && v != 1.0) {
            /* MATLAB writes logicals as uint8 0 and 1; a logical flag on other values is
             * a damaged or hand-made header, and would be reported as "bool" data. */
            char at[160], shown[32];
            gcv_mat_coords(k, r->out->shape, r->ndim, at, sizeof at);
            snprintf(shown, sizeof shown, "%.17g", v);
            gcv_error_set(r->err, "%s: %s: element %s: expected 0 or 1 in a logical array, got "
                          "%s", r->path, r->variable, at, shown);
            return GCV_ERR_INVALID;
        }
    }
    return GCV_OK;
}

/* A read that passed every step: out takes the data, and the dtype names the stored type
 * when the file says more than the class (level 5 only: level 4 has no narrower storage and
 * 7.3 files store the class's own type). */
static void gcv_mat_fill(gcv_mat_reader *r)
{
    gcv_npy *out = r->out;
    enum matio_types stored = MAT_T_UNKNOWN;
    if (Mat_GetVersion(r->mat) == MAT_FT_MAT5)
        stored = gcv_mat5_stored_type(r->path, r->variable);
    if (stored == MAT_T_UNKNOWN)
        stored = r->mem_type;
    int is_integer = 0;
    const char *dtype = gcv_mat_type_name(stored, &is_integer);
    if (r->logical) {
        dtype = "bool";
        is_integer = 1;
    }
    snprintf(out->dtype, sizeof out->dtype, "%s", dtype ? dtype : "unknown");
    out->is_integer = is_integer;
    out->ndim = r->ndim;
    out->count = r->count;
    out->data = r->data;
    r->data = NULL;
}

/* Releases what the read holds; after a failure, out is zeroed but for the shape a max_count
 * refusal keeps. */
static void gcv_mat_close(gcv_mat_reader *r, gcv_status st)
{
    free(r->tmp);
    free(r->data);
    if (r->var)
        Mat_VarFree(r->var);
    if (r->info)
        Mat_VarFree(r->info);
    if (r->mat)
        Mat_Close(r->mat);
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

/* The body of gcv_mat_read, run with matio's log captured. */
static gcv_status gcv_mat_read_quiet(const char *path, const char *variable, size_t max_count,
                                     gcv_npy *out, gcv_error *err)
{
    gcv_mat_reader r = {.path = path, .variable = variable, .max_count = max_count, .out = out,
                        .err = err};
    gcv_status st = gcv_mat_open(&r);
    if (st == GCV_OK)
        st = gcv_mat_read_header(&r);
    if (st == GCV_OK)
        st = gcv_mat_check_count(&r);
    if (st == GCV_OK)
        st = gcv_mat_read_values(&r);
    if (st == GCV_OK)
        st = gcv_mat_convert(&r);
    if (st == GCV_OK)
        gcv_mat_fill(&r);
    gcv_mat_close(&r, st);
    return st;
}

/* The read, in the sandbox's child process (see gcv_mat_read). */
static gcv_status gcv_mat_read_child(const char *path, const char *variable, size_t max_count,
                                     gcv_npy *out, gcv_error *err)
{
    Mat_LogInitFunc("gcverify", gcv_mat_log);
    gcv_mat_last_log[0] = '\0';
#ifdef GCV_HAVE_HDF5
    /* Level 7.3 files are read through HDF5. matio silences HDF5 while it works, but a
     * damaged file can leave HDF5 state behind that its atexit handler reports on stderr
     * unless automatic printing is off, as gcv_hdf5_read leaves it (see there). */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
#endif
    return gcv_mat_read_quiet(path, variable, max_count, out, err);
}

gcv_status gcv_mat_read(const char *path, const char *variable, size_t max_count, gcv_npy *out,
                        gcv_error *err)
{
    if (!out || !path || !variable || !variable[0]) {
        if (out)
            memset(out, 0, sizeof *out);
        gcv_error_set(err, "%s: expected a file, a variable name and an output array, got %s",
                      path ? path : "(null)",
                      !path ? "no file name" : !out ? "no output array" : "no variable name");
        return GCV_ERR_INVALID;
    }
    memset(out, 0, sizeof *out);

    /* matio says "could not open" alike for a missing file and a file that is not a .mat
     * file; opening it here first tells the two apart. */
    uint64_t fsize = 0;
    gcv_status opened = gcv_file_size_of(path, &fsize, err);
    if (opened != GCV_OK)
        return opened;
    /* Before matio sees the file: every variable must hold what its header declares. */
    size_t max_bytes = max_count > SIZE_MAX / sizeof(double) ? SIZE_MAX
                                                             : max_count * sizeof(double);
    gcv_status st = gcv_mat5_check(path, fsize, max_bytes, err);
    if (st != GCV_OK)
        return st;

    /* matio (and libhdf5 under it, for level 7.3 files) parses what the check above cannot
     * see: it reads in a child process (data/sandbox.h). */
    return gcv_sandbox_read(gcv_mat_read_child, "matio", path, variable, max_count, out, err);
}

#endif

/* Every variable of a level-5 .mat file checked against the bytes present, before matio
 * reads anything of it.
 *
 * matio trusts the sizes a file declares. A variable declared 8×3 whose data element holds
 * 2 values is read as 24 values: zeros, the next variable's bytes or uninitialised heap,
 * which a gradient check then accepts as data. A cell array declared 10^4 × 10^4 in a file
 * of 300 bytes makes matio allocate a pointer per cell (800 MB) while reading only the
 * variable's header, which it does for every variable before the one asked for. So each
 * top-level element is walked here first: its declared length must lie within the file (a
 * compressed one must inflate to its declared length), a numeric array's data element must
 * hold dims × width bytes (its imaginary part too), a cell or struct cannot have more
 * elements than its bytes could describe (each is at least an 8-byte tag), and what matio
 * would allocate for the cells must fit the memory allowed.
 *
 * Level-4 files (a header of five integers, the name, the data, per variable) are walked
 * too: their name length alone made matio allocate 760 MB for a 254-byte file. Level 7.3 is
 * HDF5, read by matio through libhdf5, and not walked here. A compressed element is inflated in full (to count its bytes) but
 * only its first GCV_MAT5_HEAD bytes are kept: the memory used is fixed, the time at most
 * the file's size times zlib's limit ratio. */
#include "data/mat5-check.h"

#ifdef GCV_HAVE_MATIO

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <matio.h>
#include <zlib.h>

#include "util/strutil.h"

#define GCV_MAT5_HEAD 4096 /* a variable's header must lie within its first bytes */

enum { MI_INT8 = 1, MI_INT32 = 5, MI_UINT32 = 6, MI_MATRIX = 14, MI_COMPRESSED = 15 };

/* One top-level variable being checked. */
typedef struct mat5_var {
    const char *path;
    gcv_error *err;
    uint64_t at;              /* its offset in the file, for messages */
    unsigned char head[GCV_MAT5_HEAD];
    size_t have;              /* bytes of head filled */
    uint64_t avail;           /* bytes of the element present (inflated, for compressed) */
    int be;
    char name[72];
} mat5_var;

static uint32_t rd32(const unsigned char *p, int be)
{
    if (be)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* The sub-element at off in v->head: type, data offset and length; next, the offset after
 * it (8-byte aligned). -1 when its tag or data lies beyond the bytes kept. */
static int sub(const mat5_var *v, size_t off, uint32_t *type, size_t *doff, size_t *dlen,
               size_t *next)
{
    if (off > v->have || v->have - off < 8)
        return -1;
    uint32_t w0 = rd32(v->head + off, v->be);
    if (w0 >> 16) { /* small element: up to 4 bytes of data inside the tag */
        *type = w0 & 0xFFFFu;
        *dlen = w0 >> 16;
        *doff = off + 4;
        *next = off + 8;
        return *dlen > 4 ? -1 : 0;
    }
    *type = w0;
    *dlen = rd32(v->head + off + 4, v->be);
    *doff = off + 8;
    *next = off + 8 + (*dlen + 7) / 8 * 8;
    return 0;
}

static gcv_status bad(const mat5_var *v, gcv_status st, const char *fmt, ...)
    GCV_PRINTF(3, 4);

/* "path: variable 'X': what": the variable by name once its header gave one. */
static gcv_status bad(const mat5_var *v, gcv_status st, const char *fmt, ...)
{
    char who[120], text[GCV_ERROR_LEN];
    if (v->name[0])
        snprintf(who, sizeof who, "variable '%s'", v->name);
    else
        snprintf(who, sizeof who, "the variable at byte %llu", (unsigned long long)v->at);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    gcv_error_set(v->err, "%s: %s: %s", v->path, who, text);
    return st;
}

/* A name for messages: printable ASCII, anything else shown as '?'. */
static void show_name(const unsigned char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (; k < n && k + 1 < cap; k++)
        out[k] = s[k] >= 0x20 && s[k] < 0x7F ? (char)s[k] : '?';
    out[k] = '\0';
}

/* The bytes of one value of a data element type; 0 when it is not a numeric one. */
static size_t width_of(uint32_t t)
{
    switch (t) {
    case MAT_T_INT8: case MAT_T_UINT8: case MAT_T_UTF8: return 1;
    case MAT_T_INT16: case MAT_T_UINT16: case MAT_T_UTF16: return 2;
    case MAT_T_INT32: case MAT_T_UINT32: case MAT_T_SINGLE: case MAT_T_UTF32: return 4;
    case MAT_T_INT64: case MAT_T_UINT64: case MAT_T_DOUBLE: return 8;
    default: return 0;
    }
}

/* A numeric part (real or imaginary) at off: count values of its type must be there. */
static gcv_status check_part(const mat5_var *v, size_t off, uint64_t count, const char *which,
                             size_t *next)
{
    uint32_t type;
    size_t doff, dlen;
    if (sub(v, off, &type, &doff, &dlen, next) != 0)
        return bad(v, GCV_ERR_INVALID, "expected its %s part after the header, got the end "
                   "of the variable (%llu bytes)", which, (unsigned long long)v->avail);
    size_t w = width_of(type);
    if (w == 0)
        return bad(v, GCV_ERR_INVALID, "expected a numeric type for its %s part, got data "
                   "element type %u (damaged file?)", which, (unsigned)type);
    uint64_t need = count > UINT64_MAX / w ? UINT64_MAX : count * w;
    if (dlen < need)
        return bad(v, GCV_ERR_INVALID, "expected %llu values of %zu bytes (%llu bytes) as its "
                   "dimensions say, got %zu bytes of %s data (damaged file?)",
                   (unsigned long long)count, w, (unsigned long long)need, dlen, which);
    if ((uint64_t)doff + dlen > v->avail)
        return bad(v, GCV_ERR_INVALID, "expected its %s data within the variable, %llu bytes "
                   "from its start, got a variable of %llu bytes (truncated file?)", which,
                   (unsigned long long)doff + dlen, (unsigned long long)v->avail);
    return GCV_OK;
}

/* The header of the matrix in v->head: class, dimensions, name, then the data as above. */
static gcv_status check_matrix(mat5_var *v, size_t max_bytes)
{
    uint32_t type;
    size_t doff, dlen, next;
    if (sub(v, 8, &type, &doff, &dlen, &next) || type != MI_UINT32 || dlen < 8)
        return bad(v, GCV_ERR_INVALID, "expected its array flags, got none (damaged file?)");
    uint32_t flags = rd32(v->head + doff, v->be);
    unsigned cls = flags & 0xFFu;
    int complex = (flags >> 11) & 1;
    if (sub(v, next, &type, &doff, &dlen, &next) || type != MI_INT32 || dlen < 8 || dlen % 4 ||
        doff + dlen > v->have)
        return bad(v, GCV_ERR_INVALID, "expected its dimensions (at least 2), got none or "
                   "%zu bytes of them (damaged file?)", dlen);
    uint64_t count = 1;
    for (size_t k = 0; k < dlen / 4; k++) {
        uint64_t d = rd32(v->head + doff + 4 * k, v->be);
        count = d != 0 && count > UINT64_MAX / d ? UINT64_MAX : count * d;
    }
    size_t noff, nlen;
    if (sub(v, next, &type, &noff, &nlen, &next) || type != MI_INT8 || noff + nlen > v->have)
        return bad(v, GCV_ERR_INVALID, "expected its name, got none within its first %d "
                   "bytes (damaged file?)", GCV_MAT5_HEAD);
    show_name(v->head + noff, nlen, v->name, sizeof v->name);
    if (cls >= MAT_C_DOUBLE && cls <= MAT_C_UINT64) {
        gcv_status st = check_part(v, next, count, "real", &next);
        if (st == GCV_OK && complex)
            st = check_part(v, next, count, "imaginary", &next);
        return st;
    }
    if (cls == MAT_C_CELL || cls == MAT_C_STRUCT) {
        /* each cell or struct element is a tag of 8 bytes at least */
        if (count > v->avail / 8)
            return bad(v, GCV_ERR_INVALID, "expected at most %llu cell or struct elements (8 "
                       "bytes each at least, in %llu bytes), got %llu declared",
                       (unsigned long long)(v->avail / 8), (unsigned long long)v->avail,
                       (unsigned long long)count);
        uint64_t per = sizeof(matvar_t) + sizeof(void *);
        if (count > max_bytes / per)
            return bad(v, GCV_ERR_NOMEM, "expected at most %llu cell or struct elements (what "
                       "the memory allowed holds of their headers), got %llu",
                       (unsigned long long)(max_bytes / per), (unsigned long long)count);
    }
    return GCV_OK;
}

/* Reads an uncompressed element's head (its whole length must be in the file). */
static int read_plain(FILE *f, mat5_var *v, uint64_t n, uint64_t file_size)
{
    v->avail = 8 + n;
    if (v->at + 8 + n > file_size)
        return -1;
    size_t want = 8 + n < GCV_MAT5_HEAD ? (size_t)(8 + n) : GCV_MAT5_HEAD;
    v->have = 8 + fread(v->head + 8, 1, want - 8, f);
    return 0;
}

/* Inflates a compressed element of n bytes: its first bytes into v->head, the length of the
 * whole into v->avail (stopping once the declared length of the matrix inside is reached).
 * Returns the declared length + 8, or 0 when the stream does not start with a matrix tag. */
static uint64_t read_compressed(FILE *f, mat5_var *v, uint64_t n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    v->have = 0;
    v->avail = 0;
    if (inflateInit(&zs) != Z_OK)
        return 0;
    unsigned char in[16384], scratch[16384];
    uint64_t declared = UINT64_MAX;
    int r = Z_OK;
    while (n > 0 && r != Z_STREAM_END && v->avail < declared) {
        size_t got = fread(in, 1, n < sizeof in ? (size_t)n : sizeof in, f);
        if (got == 0)
            break;
        n -= got;
        zs.next_in = in;
        zs.avail_in = (uInt)got;
        do {
            int keep = v->have < GCV_MAT5_HEAD;
            zs.next_out = keep ? v->head + v->have : scratch;
            zs.avail_out = (uInt)(keep ? GCV_MAT5_HEAD - v->have : sizeof scratch);
            uInt before = zs.avail_out;
            r = inflate(&zs, Z_NO_FLUSH);
            size_t out = before - zs.avail_out;
            if (keep)
                v->have += out;
            v->avail += out;
            if (declared == UINT64_MAX && v->have >= 8)
                declared = rd32(v->head, v->be) == MI_MATRIX ? 8 + (uint64_t)rd32(v->head + 4, v->be)
                                                             : 0;
        } while ((r == Z_OK) && zs.avail_out == 0 && v->avail < declared);
        if (r != Z_OK && r != Z_BUF_ERROR)
            break;
    }
    inflateEnd(&zs);
    return declared == UINT64_MAX ? 0 : declared;
}

/* One top-level element at v->at, whose tag is tag. */
static gcv_status check_element(FILE *f, mat5_var *v, const unsigned char *tag,
                                uint64_t file_size, size_t max_bytes, uint64_t *step)
{
    uint32_t type = rd32(tag, v->be);
    uint64_t n = rd32(tag + 4, v->be);
    v->name[0] = '\0';
    if (type == MI_MATRIX) {
        *step = 8 + (n + 7) / 8 * 8;
        memcpy(v->head, tag, 8);
        if (read_plain(f, v, n, file_size) != 0)
            return bad(v, GCV_ERR_INVALID, "expected a variable of %llu bytes, got %llu bytes "
                       "left in the file (truncated file?)", (unsigned long long)(8 + n),
                       (unsigned long long)(file_size - v->at));
    } else if (type == MI_COMPRESSED) {
        *step = 8 + n;
        if (v->at + 8 + n > file_size)
            return bad(v, GCV_ERR_INVALID, "expected a compressed variable of %llu bytes, got "
                       "%llu bytes left in the file (truncated file?)", (unsigned long long)(8 + n),
                       (unsigned long long)(file_size - v->at));
        uint64_t declared = read_compressed(f, v, n);
        if (declared == 0)
            return bad(v, GCV_ERR_INVALID, "expected a compressed variable holding a matrix, got "
                       "a stream that does not inflate to one (%llu bytes inflated)",
                       (unsigned long long)v->avail);
        if (v->avail < declared)
            return bad(v, GCV_ERR_INVALID, "expected a compressed variable inflating to its "
                       "declared %llu bytes, got %llu (truncated or damaged stream)",
                       (unsigned long long)declared, (unsigned long long)v->avail);
        v->avail = declared;
    } else {
        *step = 8 + (n + 7) / 8 * 8; /* not a variable: matio skips it too */
        return GCV_OK;
    }
    /* matio reads a variable's header whatever its length says, past the end of a shorter
     * element: flags, dimensions and a name take 40 bytes at least. */
    if (v->avail < 8 + 40)
        return bad(v, GCV_ERR_INVALID, "expected a variable of at least 40 bytes (flags, "
                   "dimensions, name), got %llu", (unsigned long long)(v->avail - 8));
    return check_matrix(v, max_bytes);
}

/* ---- level 4 -------------------------------------------------------------------------- */

/* A level-4 header h (type MOPT, rows, columns, imaginary flag, name length) in byte order
 * be: 1 when plausible (what matio accepts), with *width the bytes of one value. */
static int v4_header(const unsigned char *h, int be, uint32_t v[5], size_t *width)
{
    static const size_t widths[6] = {8, 4, 4, 2, 2, 1};
    for (int k = 0; k < 5; k++)
        v[k] = rd32(h + 4 * k, be);
    uint32_t t = v[0], m = t / 1000, o = t / 100 % 10, p = t / 10 % 10, ty = t % 10;
    if (t >= 5000 || m > 4 || o != 0 || p > 5 || ty > 2 || v[1] > INT32_MAX ||
        v[2] > INT32_MAX || v[3] > 1 || v[4] == 0)
        return 0;
    *width = widths[p];
    return 1;
}

/* Every variable of a level-4 file: its name and data within the file. */
static gcv_status check_v4(FILE *f, mat5_var *v, const unsigned char *first, uint64_t size)
{
    uint32_t h[5];
    size_t w;
    int be = 0;
    if (!v4_header(first, 0, h, &w) && !v4_header(first, be = 1, h, &w)) {
        /* Refused here: matio tries level 4 last and allocates the name length it reads
         * before it looks at the rest of the header. */
        gcv_error_set(v->err, "%s: expected a MATLAB .mat file (level 4, 5 or 7.3), got a file "
                      "that starts with neither a level-5 header nor a level-4 variable",
                      v->path);
        return GCV_ERR_INVALID;
    }
    unsigned char buf[20];
    for (uint64_t pos = 0; pos + 20 <= size;) {
        if (fseeko(f, (off_t)pos, SEEK_SET) != 0 || fread(buf, 1, 20, f) != 20)
            break;
        v->at = pos;
        if (!v4_header(buf, be, h, &w))
            return bad(v, GCV_ERR_INVALID, "expected a level-4 variable header, got type %u "
                       "(damaged file?)", (unsigned)h[0]);
        uint64_t left = size - pos - 20;
        if (h[4] > left)
            return bad(v, GCV_ERR_INVALID, "expected a name of at most the %llu bytes left in "
                       "the file, got a length of %u (damaged file?)", (unsigned long long)left,
                       (unsigned)h[4]);
        left -= h[4];
        uint64_t data = (uint64_t)h[1] * h[2] * w * (h[3] ? 2 : 1);
        if (data > left)
            return bad(v, GCV_ERR_INVALID, "expected %u × %u values of %zu bytes as its header "
                       "says (%llu bytes), got %llu bytes left in the file (truncated file?)",
                       (unsigned)h[1], (unsigned)h[2], w, (unsigned long long)data,
                       (unsigned long long)left);
        pos += 20 + h[4] + data;
    }
    return GCV_OK;
}

gcv_status gcv_mat5_check(const char *path, uint64_t file_size, size_t max_bytes,
                          gcv_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return GCV_OK; /* the open that follows says why */
    mat5_var *v = calloc(1, sizeof *v);
    unsigned char hdr[128], tag[8];
    gcv_status st = GCV_OK;
    if (!v) {
        gcv_error_set(err, "%s: out of memory checking the variables", path);
        fclose(f);
        return GCV_ERR_NOMEM;
    }
    v->path = path;
    v->err = err;
    int level5 = fread(hdr, 1, sizeof hdr, f) == sizeof hdr;
    if (level5 && hdr[126] == 'I' && hdr[127] == 'M' && hdr[124] == 0x00 && hdr[125] == 0x01)
        v->be = 0;
    else if (level5 && hdr[126] == 'M' && hdr[127] == 'I' && hdr[124] == 0x01 &&
             hdr[125] == 0x00)
        v->be = 1;
    else if (level5 && (memcmp(hdr + 124, "\x00\x02IM", 4) == 0 ||
                        memcmp(hdr + 124, "\x02\x00MI", 4) == 0))
        level5 = 0; /* 7.3: HDF5, read by matio through libhdf5 */
    else {
        level5 = 0;
        if (file_size >= 20)
            st = check_v4(f, v, hdr, file_size);
    }
    for (uint64_t pos = 128; level5 && st == GCV_OK && pos + 8 <= file_size;) {
        if (fseeko(f, (off_t)pos, SEEK_SET) != 0 || fread(tag, 1, 8, f) != 8)
            break;
        if (rd32(tag, v->be) >> 16)
            break; /* a small element at the top level: matio stops there too */
        v->at = pos;
        uint64_t step = 0;
        st = check_element(f, v, tag, file_size, max_bytes, &step);
        pos += step;
    }
    free(v);
    fclose(f);
    return st;
}

#endif

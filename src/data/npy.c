/* NumPy .npy reader and writer; see npy.h and NumPy's format.rst (NEP 1). The header is a
 * Python dict literal; it is parsed by hand (any key order, either quote, spaces, trailing
 * commas) and checked against the file size before anything large is allocated. Values are
 * assembled from bytes in the file's byte order, so the host's endianness never matters. */
#include "data/npy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/strutil.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_HEADER_MAX ((size_t)1 << 20) /* NumPy itself writes a few hundred bytes */
#define NPY_CHUNK 65536                   /* payload bytes converted per read() */

#if defined(__GNUC__)
#define GCV_NPY_PRINTF __attribute__((format(printf, 4, 5)))
#else
#define GCV_NPY_PRINTF
#endif

static gcv_status npy_fail(gcv_error *err, gcv_status st, const char *path, const char *fmt,
                           ...) GCV_NPY_PRINTF;

static gcv_status npy_fail(gcv_error *err, gcv_status st, const char *path, const char *fmt,
                           ...)
{
    int w = snprintf(err->msg, GCV_ERROR_LEN, "%s: ", path);
    if (w >= 0 && w < GCV_ERROR_LEN) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg + w, GCV_ERROR_LEN - (size_t)w, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* ---------------------------------------------------------------------------------------
 * Header: {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), } */

typedef struct hdr {
    const char *s;
    size_t n, i;
    char descr[16];
    int fortran;
    size_t ndim, shape[GCV_NPY_MAX_DIMS];
    size_t dims_seen; /* dimensions written in the shape, even beyond GCV_NPY_MAX_DIMS */
    int dim_overflow; /* a dimension beyond SIZE_MAX */
    unsigned seen; /* bit 0 descr, 1 fortran_order, 2 shape */
    char bad_key[48]; /* an unknown or repeated key, quoted, for the message */
} hdr;

static void h_ws(hdr *h)
{
    while (h->i < h->n && (h->s[h->i] == ' ' || h->s[h->i] == '\t' || h->s[h->i] == '\n' ||
                           h->s[h->i] == '\r'))
        h->i++;
}

static int h_eat(hdr *h, char ch)
{
    h_ws(h);
    if (h->i < h->n && h->s[h->i] == ch) {
        h->i++;
        return 1;
    }
    return 0;
}

/* A quoted Python string without escapes (NumPy never writes any in these fields). */
static int h_str(hdr *h, char *out, size_t cap)
{
    h_ws(h);
    if (h->i >= h->n || (h->s[h->i] != '\'' && h->s[h->i] != '"'))
        return 0;
    char q = h->s[h->i++];
    size_t start = h->i;
    while (h->i < h->n && h->s[h->i] != q && h->s[h->i] != '\\')
        h->i++;
    if (h->i >= h->n || h->s[h->i] != q || h->i - start >= cap)
        return 0;
    memcpy(out, h->s + start, h->i - start);
    out[h->i - start] = '\0';
    h->i++;
    return 1;
}

static int h_word(hdr *h, const char *w)
{
    size_t n = strlen(w);
    h_ws(h);
    if (h->n - h->i >= n && memcmp(h->s + h->i, w, n) == 0) {
        h->i += n;
        return 1;
    }
    return 0;
}

/* A non-negative integer, refusing overflow; Python 2 wrote longs with an 'L'. */
static int h_int(hdr *h, size_t *out)
{
    h_ws(h);
    size_t v = 0, start = h->i;
    while (h->i < h->n && h->s[h->i] >= '0' && h->s[h->i] <= '9') {
        size_t d = (size_t)(h->s[h->i] - '0');
        if (v > (SIZE_MAX - d) / 10) {
            h->dim_overflow = 1;
            return 0;
        }
        v = v * 10 + d;
        h->i++;
    }
    if (h->i == start)
        return 0;
    if (h->i < h->n && h->s[h->i] == 'L')
        h->i++;
    *out = v;
    return 1;
}

static int h_shape(hdr *h)
{
    if (!h_eat(h, '('))
        return 0;
    h->ndim = 0;
    while (!h_eat(h, ')')) {
        size_t dim;
        if (!h_int(h, &dim))
            return 0;
        /* Dimensions past the limit are counted, not stored, so the message can say. */
        if (h->ndim < GCV_NPY_MAX_DIMS)
            h->shape[h->ndim++] = dim;
        h->dims_seen++;
        if (!h_eat(h, ',')) {
            if (!h_eat(h, ')'))
                return 0;
            break;
        }
    }
    return 1;
}

/* One "key: value" entry; 0 on a syntax error, -1 on an unknown or repeated key. */
static int h_entry(hdr *h)
{
    char key[32];
    if (!h_str(h, key, sizeof key) || !h_eat(h, ':'))
        return 0;
    unsigned bit = strcmp(key, "descr") == 0           ? 1u
                   : strcmp(key, "fortran_order") == 0 ? 2u
                   : strcmp(key, "shape") == 0         ? 4u
                                                       : 0u;
    if (!bit || (h->seen & bit)) {
        snprintf(h->bad_key, sizeof h->bad_key, bit ? "'%s' twice" : "'%s'", key);
        return -1;
    }
    h->seen |= bit;
    if (bit == 1u)
        return h_str(h, h->descr, sizeof h->descr);
    if (bit == 2u) {
        if (h_word(h, "True"))
            h->fortran = 1;
        else if (!h_word(h, "False"))
            return 0;
        return 1;
    }
    return h_shape(h);
}

static int h_dict(hdr *h)
{
    if (!h_eat(h, '{'))
        return 0;
    while (!h_eat(h, '}')) {
        int r = h_entry(h);
        if (r <= 0)
            return r;
        if (!h_eat(h, ',')) {
            if (!h_eat(h, '}'))
                return 0;
            break;
        }
    }
    h_ws(h); /* the padding: spaces and a final newline */
    return h->i == h->n ? 1 : 0;
}

/* ---------------------------------------------------------------------------------------
 * dtypes */

typedef struct dtype {
    char kind;   /* 'f', 'i', 'u', 'b' */
    size_t size; /* bytes per element */
    int big;     /* big-endian in the file */
} dtype;

static int parse_dtype(const char *d, dtype *t)
{
    static const char *const known[] = {"f8", "f4", "i1", "i2", "i4", "i8",
                                        "u1", "u2", "u4", "u8", "b1"};
    if (d[0] != '<' && d[0] != '>' && d[0] != '|')
        return 0;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        if (strcmp(d + 1, known[k]) != 0)
            continue;
        t->kind = known[k][0];
        t->size = (size_t)(known[k][1] - '0');
        t->big = d[0] == '>';
        /* '|' (not applicable) is only meaningful for one-byte types. */
        return d[0] != '|' || t->size == 1;
    }
    return 0;
}

static double convert_one(const unsigned char *p, const dtype *t)
{
    uint64_t u = 0;
    for (size_t k = 0; k < t->size; k++)
        u = (u << 8) | p[t->big ? k : t->size - 1 - k];
    if (t->kind == 'f' && t->size == 8) {
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
    if (t->kind == 'f') {
        uint32_t w = (uint32_t)u;
        float f;
        memcpy(&f, &w, sizeof f);
        return (double)f;
    }
    if (t->kind == 'b')
        return u != 0 ? 1.0 : 0.0;
    if (t->kind == 'u')
        return (double)u;
    /* Sign-extend, then reinterpret: int64_t is two's complement by definition. */
    if (t->size < 8 && ((u >> (8 * t->size - 1)) & 1u))
        u |= ~UINT64_C(0) << (8 * t->size);
    int64_t s;
    memcpy(&s, &u, sizeof s);
    return (double)s;
}

static int host_little(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* ---------------------------------------------------------------------------------------
 * Reading */

/* Reads exactly n bytes; returns how many were read before end of file, or -1. */
static long read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (long)got;
}

/* The bytes come from a file (fd) or, for an .npz member, from memory (mem). */
typedef struct reader {
    const char *path;
    int fd;
    const unsigned char *mem;
    size_t mem_pos;
    uint64_t file_size;
    size_t data_offset;
    int fortran; /* the header said fortran_order True: the payload is column-major */
    gcv_error *err;
} reader;

/* Reads exactly n bytes from the file or the buffer; as read_full. */
static long r_read(reader *r, void *buf, size_t n)
{
    if (!r->mem)
        return read_full(r->fd, buf, n);
    size_t left = (size_t)r->file_size - r->mem_pos;
    size_t k = n < left ? n : left;
    memcpy(buf, r->mem + r->mem_pos, k);
    r->mem_pos += k;
    return (long)k;
}

static gcv_status io_fail(const reader *r, const char *what)
{
    return npy_fail(r->err, GCV_ERR_IO, r->path, "cannot read %s: %s", what, strerror(errno));
}

/* Magic, version and header length; leaves the header text in *text. */
static gcv_status read_prefix(reader *r, char **text, size_t *len)
{
    unsigned char pre[12];
    long got = r_read(r, pre, 10);
    if (got < 0)
        return io_fail(r, "the header");
    if (got >= NPY_MAGIC_LEN && got < 10 && memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) == 0)
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected a 10-byte prefix (magic, version, header length), got %ld "
                        "bytes (the file is truncated)", got);
    if (got < 10 || memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        char seen[64] = "";
        for (long k = 0; k < (got < 8 ? got : 8); k++)
            snprintf(seen + 3 * k, sizeof seen - (size_t)(3 * k), " %02x", pre[k]);
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected a .npy file (starting with \\x93NUMPY), got %s%s",
                        got ? "the bytes" : "an empty file", seen);
    }
    unsigned major = pre[6], minor = pre[7];
    if (major < 1 || major > 3)
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected format version 1.0, 2.0 or 3.0, got %u.%u", major, minor);
    size_t hlen = (size_t)pre[8] | (size_t)pre[9] << 8, pre_len = 10;
    if (major >= 2) {
        if (r_read(r, pre + 10, 2) != 2)
            return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                            "expected a 4-byte header length, got the end of the file");
        hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        pre_len = 12;
    }
    if (hlen > NPY_HEADER_MAX)
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected a header of at most %zu bytes, got %zu", NPY_HEADER_MAX, hlen);
    r->data_offset = pre_len + hlen;
    *text = malloc(hlen + 1);
    if (!*text)
        return npy_fail(r->err, GCV_ERR_NOMEM, r->path, "out of memory reading the header");
    got = r_read(r, *text, hlen);
    if (got < 0)
        return io_fail(r, "the header");
    if ((size_t)got < hlen)
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected a header of %zu bytes, got %ld (the file is truncated)", hlen,
                        got);
    (*text)[hlen] = '\0';
    *len = hlen;
    return GCV_OK;
}

/* Header text for a one-line message: the padding trimmed (with trim), control characters escaped
 * (\n, \t, \xNN), cut after max source bytes with "…". */
static void show_text(const char *s, size_t n, size_t max, int trim, char *out, size_t cap)
{
    while (trim && n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' ||
                     s[n - 1] == '\t' || s[n - 1] == '\0'))
        n--;
    size_t keep = gcv_utf8_prefix(s, n, max), len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < keep && len + 8 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n' || ch == '\t' || ch == '\r')
            len += (size_t)snprintf(out + len, cap - len, "\\%c",
                                    ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r');
        else if (ch < 0x20 || ch == 0x7f)
            len += (size_t)snprintf(out + len, cap - len, "\\x%02x", (unsigned)ch);
        else
            out[len++] = (char)ch;
        out[len] = '\0';
    }
    if (keep < n && len + 4 <= cap)
        memcpy(out + len, "\xE2\x80\xA6", 4);
}

/* The header's dict into out's shape, count and dtype. */
static gcv_status parse_header(reader *r, const char *text, size_t len, gcv_npy *out,
                               dtype *t)
{
    hdr h;
    memset(&h, 0, sizeof h);
    h.s = text;
    h.n = len;
    int ok = h_dict(&h);
    char shown[60 * 4 + 8];
    if (ok < 0) {
        show_text(h.bad_key, strlen(h.bad_key), sizeof h.bad_key, 0, shown, sizeof shown);
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected the header keys 'descr', 'fortran_order' and 'shape' once "
                        "each, got %s", shown);
    }
    if (!ok && h.dim_overflow)
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected a shape whose size fits in memory, got a dimension beyond "
                        "%zu", (size_t)SIZE_MAX);
    if (ok > 0 && h.seen != 7u)
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected the header keys 'descr', 'fortran_order' and 'shape', got no "
                        "'%s'", !(h.seen & 1u) ? "descr" : !(h.seen & 2u) ? "fortran_order"
                                                                          : "shape");
    if (!ok) {
        show_text(text, strnlen(text, len), 60, 1, shown, sizeof shown);
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected a header like {'descr': '<f8', 'fortran_order': False, "
                        "'shape': (3, 4)}, got %s", shown[0] ? shown : "an empty header");
    }
    if (h.dims_seen > GCV_NPY_MAX_DIMS)
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected a shape of at most %d dimensions, got %zu", GCV_NPY_MAX_DIMS,
                        h.dims_seen);
    if (!parse_dtype(h.descr, t)) {
        show_text(h.descr, strlen(h.descr), sizeof h.descr, 0, shown, sizeof shown);
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected a dtype among f8, f4, i1, i2, i4, i8, u1, u2, u4, u8, b1 "
                        "(with <, > or |), got '%s'", shown);
    }
    r->fortran = h.fortran;
    out->ndim = h.ndim;
    memcpy(out->shape, h.shape, sizeof h.shape);
    snprintf(out->dtype, sizeof out->dtype, "%.7s", h.descr); /* validated: 3 bytes */
    out->is_integer = t->kind != 'f';
    return GCV_OK;
}

/* The element count, checked against max_count and against the bytes in the file. */
static gcv_status check_sizes(const reader *r, gcv_npy *out, const dtype *t, size_t max_count)
{
    char shape[GCV_NPY_MAX_DIMS * 22 + 4];
    gcv_format_shape(out->shape, out->ndim, shape, sizeof shape);
    size_t count = 1;
    for (size_t k = 0; k < out->ndim; k++) {
        if (out->shape[k] && count > SIZE_MAX / t->size / out->shape[k])
            return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                            "expected a shape whose size fits in memory, got %s", shape);
        count *= out->shape[k];
    }
    out->count = count;
    if (count > max_count)
        return npy_fail(r->err, GCV_ERR_NOMEM, r->path,
                        "expected at most %zu values, got shape %s (%zu values)", max_count,
                        shape, count);
    uint64_t want = (uint64_t)count * t->size;
    uint64_t have = r->file_size > r->data_offset ? r->file_size - r->data_offset : 0;
    if (have != want)
        return npy_fail(r->err, GCV_ERR_INVALID, r->path,
                        "expected %" PRIu64 " bytes of data after the %zu-byte header for shape "
                        "%s of '%s', got %" PRIu64 " bytes", want, r->data_offset, shape,
                        out->dtype, have);
    return GCV_OK;
}

static gcv_status read_payload(reader *r, gcv_npy *out, const dtype *t)
{
    out->data = malloc(out->count ? out->count * sizeof(double) : 1);
    unsigned char *chunk = malloc(NPY_CHUNK);
    gcv_status st = GCV_OK;
    if (!out->data || !chunk) {
        st = npy_fail(r->err, GCV_ERR_NOMEM, r->path, "out of memory for %zu values",
                      out->count);
        goto done;
    }
    int fast = t->kind == 'f' && t->size == 8 && !t->big && host_little();
    size_t per = NPY_CHUNK / t->size, done_n = 0;
    while (done_n < out->count) {
        size_t n = out->count - done_n < per ? out->count - done_n : per;
        long got = r_read(r, chunk, n * t->size);
        if (got < 0 || (size_t)got != n * t->size) {
            st = got < 0 ? io_fail(r, "the data")
                         : npy_fail(r->err, GCV_ERR_IO, r->path, "the file shrank while read");
            goto done;
        }
        if (fast)
            memcpy(out->data + done_n, chunk, n * sizeof(double));
        else
            for (size_t k = 0; k < n; k++)
                out->data[done_n + k] = convert_one(chunk + k * t->size, t);
        done_n += n;
    }
done:
    free(chunk);
    if (st != GCV_OK) {
        free(out->data);
        out->data = NULL;
    }
    return st;
}

/* A Fortran-order payload (np.save of a transposed array, or of np.asfortranarray) into C
 * order. The element with index (i0, …, ik) sits at i0 + s0·(i1 + s1·(…)) in the file; the
 * C-order walk below keeps that offset up to date with one stride per dimension. */
static gcv_status fortran_to_c(reader *r, gcv_npy *out)
{
    if (!r->fortran || out->ndim < 2 || out->count < 2)
        return GCV_OK; /* one dimension: both orders are the same */
    double *c = malloc(out->count * sizeof *c);
    if (!c)
        return npy_fail(r->err, GCV_ERR_NOMEM, r->path, "out of memory for %zu values",
                        out->count);
    size_t stride[GCV_NPY_MAX_DIMS], idx[GCV_NPY_MAX_DIMS] = {0}, off = 0;
    for (size_t k = 0, s = 1; k < out->ndim; k++) {
        stride[k] = s;
        s *= out->shape[k];
    }
    for (size_t i = 0; i < out->count; i++) {
        c[i] = out->data[off];
        for (size_t k = out->ndim; k-- > 0;) { /* the last index runs fastest in C order */
            off += stride[k];
            if (++idx[k] < out->shape[k])
                break;
            off -= stride[k] * out->shape[k];
            idx[k] = 0;
        }
    }
    free(out->data);
    out->data = c;
    return GCV_OK;
}

/* Header, sizes, payload and order, from a file or a buffer; frees out->data on failure. */
static gcv_status read_all(reader *r, size_t max_count, gcv_npy *out)
{
    char *text = NULL;
    size_t len = 0;
    dtype t = {.kind = 'f', .size = 8, .big = 0};
    gcv_status st = read_prefix(r, &text, &len);
    if (st == GCV_OK)
        st = parse_header(r, text, len, out, &t);
    if (st == GCV_OK)
        st = check_sizes(r, out, &t, max_count);
    if (st == GCV_OK)
        st = read_payload(r, out, &t);
    if (st == GCV_OK && (st = fortran_to_c(r, out)) != GCV_OK) {
        free(out->data);
        out->data = NULL;
    }
    free(text);
    return st;
}

gcv_status gcv_npy_read_mem(const char *name, const void *buf, size_t len, size_t max_count,
                            gcv_npy *out, gcv_error *err)
{
    memset(out, 0, sizeof *out);
    reader r = {.path = name, .fd = -1, .mem = buf, .file_size = len, .err = err};
    static const unsigned char empty[1] = {0};
    if (!r.mem)
        r.mem = empty; /* a zero-length member: the prefix check says so */
    return read_all(&r, max_count, out);
}

gcv_status gcv_npy_read(const char *path, size_t max_count, gcv_npy *out, gcv_error *err)
{
    /* On failure out->data is NULL; the shape stays filled in when the header was read, so
     * that a caller refused by max_count can say how much the file asked for. */
    memset(out, 0, sizeof *out);
    char why[GCV_ERROR_LEN / 2];
    reader r = {.path = path, .fd = -1, .file_size = 0, .data_offset = 0, .err = err};
    r.fd = gcv_file_open_regular(path, &r.file_size, why, sizeof why);
    if (r.fd < 0)
        return npy_fail(err, GCV_ERR_IO, path, "%s", why);
    gcv_status st = read_all(&r, max_count, out);
    close(r.fd);
    return st;
}

/* ---------------------------------------------------------------------------------------
 * Writing: version 1.0, '<f8', C order, header padded so the data starts 64-byte aligned. */

static size_t build_header(const size_t *shape, size_t ndim, char *h, size_t cap)
{
    char sh[GCV_NPY_MAX_DIMS * 22 + 4];
    gcv_format_shape(shape, ndim, sh, sizeof sh);
    int w = snprintf(h, cap, "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }", sh);
    size_t len = (size_t)w;
    size_t total = (10 + len + 1 + 63) / 64 * 64; /* magic..length + dict + '\n' */
    while (10 + len + 1 < total)
        h[len++] = ' ';
    h[len++] = '\n';
    return len;
}

static int write_all(FILE *f, const void *p, size_t n)
{
    return fwrite(p, 1, n, f) == n;
}

static int write_payload(FILE *f, const double *data, size_t count)
{
    unsigned char buf[8 * 512];
    for (size_t done = 0; done < count;) {
        size_t n = count - done < 512 ? count - done : 512;
        for (size_t k = 0; k < n; k++) {
            uint64_t u;
            memcpy(&u, &data[done + k], sizeof u);
            for (size_t b = 0; b < 8; b++) /* little-endian whatever the host */
                buf[8 * k + b] = (unsigned char)(u >> (8 * b));
        }
        if (!write_all(f, buf, 8 * n))
            return 0;
        done += n;
    }
    return 1;
}

gcv_status gcv_npy_write(const char *path, const size_t *shape, size_t ndim,
                         const double *data, gcv_error *err)
{
    if (ndim > GCV_NPY_MAX_DIMS)
        return npy_fail(err, GCV_ERR_INVALID, path, "expected at most %d dimensions, got %zu",
                        GCV_NPY_MAX_DIMS, ndim);
    size_t count = 1;
    for (size_t k = 0; k < ndim; k++) {
        if (shape[k] && count > SIZE_MAX / 8 / shape[k])
            return npy_fail(err, GCV_ERR_INVALID, path, "expected a shape that fits in memory");
        count *= shape[k];
    }
    char h[512];
    size_t hlen = build_header(shape, ndim, h, sizeof h);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(hlen & 0xFF), (unsigned char)(hlen >> 8)};
    FILE *f = fopen(path, "wb");
    if (!f)
        return npy_fail(err, GCV_ERR_IO, path, "cannot create: %s", strerror(errno));
    int ok = write_all(f, pre, sizeof pre) && write_all(f, h, hlen) &&
             write_payload(f, data, count);
    int saved = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (!ok) {
        remove(path); /* no half-written file is left behind */
        return npy_fail(err, GCV_ERR_IO, path, "cannot write: %s", strerror(saved));
    }
    return GCV_OK;
}

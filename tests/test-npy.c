/* The .npy reader: every dtype in both byte orders from bytes written by hand (so the test
 * does not trust the writer it checks), format versions 1.0 to 3.0, the writer's round
 * trip, Fortran order read as C order, an image in memory, .npz archives (stored and
 * deflated members, through libzip), and the hostile files (bad magic, truncated payloads,
 * headers that lie about their size, unknown dtypes), each with its exact message. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/npy.h"
#include "gcverify/gcverify.h"

/* ---- a temporary folder for the whole run, removed at exit ---- */

static char tmp_dir[64];

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[512];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* path of name inside the temporary folder (a static buffer per call site is enough). */
static void tmp_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tmp_dir, name);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

/* A .npy file of the given format version with header dict text and payload, the header
 * padded with spaces and a newline to a multiple of 64 bytes as NumPy does. */
static void write_npy(const char *path, unsigned major, const char *dict, const void *payload,
                      size_t payload_len)
{
    size_t pre = major == 1 ? 10 : 12, dlen = strlen(dict);
    size_t total = (pre + dlen + 1 + 63) / 64 * 64;
    size_t hlen = total - pre;
    unsigned char *buf = malloc(total + payload_len);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    for (size_t k = 0; k < pre - 8; k++)
        buf[8 + k] = (unsigned char)(hlen >> (8 * k));
    memcpy(buf + pre, dict, dlen);
    memset(buf + pre + dlen, ' ', hlen - dlen - 1);
    buf[total - 1] = '\n';
    if (payload_len)
        memcpy(buf + total, payload, payload_len);
    write_file(path, buf, total + payload_len);
    free(buf);
}

/* The low `size` bytes of bits in little- or big-endian order. */
static void put_bytes(unsigned char *out, uint64_t bits, size_t size, int big)
{
    for (size_t k = 0; k < size; k++)
        out[big ? size - 1 - k : k] = (unsigned char)(bits >> (8 * k));
}

static uint64_t f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static uint64_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* ---- every dtype, both byte orders ---- */

typedef struct dtype_case {
    const char *code;     /* "f8", "i2", … */
    size_t size;
    int is_integer;
    uint64_t bits[4];     /* the stored bit patterns */
    double want[4];       /* what they must read as */
} dtype_case;

static const dtype_case DTYPES[] = {
    {"f8", 8, 0, {0, 0, 0, 0}, {1.5, -2.25, 1e300, -0.0}},
    {"f4", 4, 0, {0, 0, 0, 0}, {1.5, -2.25, 3.0e38, 0.1f}},
    {"i1", 1, 1, {0x80, 0x7f, 0xff, 0x00}, {-128, 127, -1, 0}},
    {"i2", 2, 1, {0x8000, 0x7fff, 0xfffe, 0x0102}, {-32768, 32767, -2, 258}},
    {"i4", 4, 1, {0x80000000u, 0x7fffffffu, 0xfffffffdu, 0x01020304u},
     {-2147483648.0, 2147483647.0, -3, 16909060}},
    {"i8", 8, 1, {UINT64_C(0x8000000000000000), UINT64_C(1) << 53, ~UINT64_C(3), 0x0102030405060708},
     {-9223372036854775808.0, 9007199254740992.0, -4, 72623859790382856.0}},
    {"u1", 1, 1, {0, 255, 7, 128}, {0, 255, 7, 128}},
    {"u2", 2, 1, {65535, 0, 258, 0x8000}, {65535, 0, 258, 32768}},
    {"u4", 4, 1, {0xffffffffu, 0, 65536, 0x80000000u}, {4294967295.0, 0, 65536, 2147483648.0}},
    {"u8", 8, 1, {UINT64_MAX, 0, UINT64_C(1) << 53, UINT64_C(0x8000000000000000)},
     {18446744073709551615.0, 0, 9007199254740992.0, 9223372036854775808.0}},
    {"b1", 1, 1, {0, 1, 2, 0xff}, {0, 1, 1, 1}},
};

/* The bit patterns of case c; floats are taken from want[]. */
static uint64_t case_bits(const dtype_case *c, size_t i)
{
    if (strcmp(c->code, "f8") == 0)
        return f64_bits(c->want[i]);
    if (strcmp(c->code, "f4") == 0)
        return f32_bits((float)c->want[i]);
    return c->bits[i];
}

static void check_dtype(const dtype_case *c, char order)
{
    unsigned char payload[4 * 8];
    char dict[128], path[256], name[32];
    int big = order == '>';
    for (size_t i = 0; i < 4; i++)
        put_bytes(payload + i * c->size, case_bits(c, i), c->size, big);
    snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': False, 'shape': (2, 2), }",
             order, c->code);
    snprintf(name, sizeof name, "dtype-%s-%d.npy", c->code, (int)(unsigned char)order);
    tmp_path(path, sizeof path, name);
    write_npy(path, 1, dict, payload, 4 * c->size);

    gcv_npy a;
    gcv_error err = {{0}};
    gcv_status st = gcv_npy_read(path, 100, &a, &err);
    ck_assert_msg(st == GCV_OK, "%c%s: %s", order, c->code, err.msg);
    ck_assert_uint_eq(a.ndim, 2);
    ck_assert_uint_eq(a.shape[0], 2);
    ck_assert_uint_eq(a.shape[1], 2);
    ck_assert_uint_eq(a.count, 4);
    ck_assert_int_eq(a.is_integer, c->is_integer);
    ck_assert_str_eq(a.dtype + 1, c->code);
    ck_assert_int_eq(a.dtype[0], order);
    for (size_t i = 0; i < 4; i++) {
        double want = strcmp(c->code, "f4") == 0 ? (double)(float)c->want[i] : c->want[i];
        ck_assert_msg(f64_bits(a.data[i]) == f64_bits(want), "%c%s[%zu]: got %.17g, want %.17g",
                      order, c->code, i, a.data[i], want);
    }
    free(a.data);
}

START_TEST(every_dtype_should_read_in_both_byte_orders)
{
    for (size_t k = 0; k < sizeof DTYPES / sizeof DTYPES[0]; k++) {
        check_dtype(&DTYPES[k], '<');
        check_dtype(&DTYPES[k], '>');
        if (DTYPES[k].size == 1)
            check_dtype(&DTYPES[k], '|');
    }
}
END_TEST

START_TEST(float_specials_should_survive_conversion)
{
    /* NaN, ±Inf and subnormals as big-endian f4 and f8: the reader does not judge values. */
    unsigned char p8[4 * 8], p4[4 * 4];
    const double d[4] = {NAN, INFINITY, -INFINITY, 4.9406564584124654e-324};
    const float f[4] = {NAN, INFINITY, -INFINITY, 1.4e-45f};
    for (size_t i = 0; i < 4; i++) {
        put_bytes(p8 + 8 * i, f64_bits(d[i]), 8, 1);
        put_bytes(p4 + 4 * i, f32_bits(f[i]), 4, 1);
    }
    char path8[256], path4[256];
    tmp_path(path8, sizeof path8, "special8.npy");
    tmp_path(path4, sizeof path4, "special4.npy");
    write_npy(path8, 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (4,), }", p8, sizeof p8);
    write_npy(path4, 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", p4, sizeof p4);
    gcv_npy a, b;
    gcv_error err;
    ck_assert_int_eq(gcv_npy_read(path8, 4, &a, &err), GCV_OK);
    ck_assert_int_eq(gcv_npy_read(path4, 4, &b, &err), GCV_OK);
    for (gcv_npy *x = &a; x; x = x == &a ? &b : NULL) {
        ck_assert(isnan(x->data[0]));
        ck_assert(isinf(x->data[1]) && x->data[1] > 0);
        ck_assert(isinf(x->data[2]) && x->data[2] < 0);
        ck_assert(x->data[3] > 0 && x->data[3] < 2e-45);
    }
    ck_assert(a.data[3] == 4.9406564584124654e-324);
    ck_assert(b.data[3] == (double)1.4e-45f);
    free(a.data);
    free(b.data);
}
END_TEST

/* ---- format versions and header spellings ---- */

START_TEST(versions_1_2_and_3_should_read_alike)
{
    unsigned char payload[3 * 8];
    for (size_t i = 0; i < 3; i++)
        put_bytes(payload + 8 * i, f64_bits((double)i - 0.5), 8, 0);
    for (unsigned v = 1; v <= 3; v++) {
        char path[256], name[32];
        snprintf(name, sizeof name, "version%u.npy", v);
        tmp_path(path, sizeof path, name);
        write_npy(path, v, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", payload,
                  sizeof payload);
        gcv_npy a;
        gcv_error err;
        gcv_status st = gcv_npy_read(path, 3, &a, &err);
        ck_assert_msg(st == GCV_OK, "version %u: %s", v, err.msg);
        ck_assert_uint_eq(a.ndim, 1);
        ck_assert_uint_eq(a.shape[0], 3);
        ck_assert(a.data[0] == -0.5 && a.data[1] == 0.5 && a.data[2] == 1.5);
        free(a.data);
    }
}
END_TEST

START_TEST(version_2_should_read_a_header_longer_than_64_kib)
{
    /* Version 2.0 exists for headers past 65535 bytes (structured dtypes with many fields);
     * a long padded header must be read whole. */
    char *dict = malloc(70000);
    ck_assert_ptr_nonnull(dict);
    int w = snprintf(dict, 70000, "{'descr': '<i2', 'fortran_order': False, 'shape': (1,), }");
    memset(dict + w, ' ', 70000 - (size_t)w - 1);
    dict[69999] = '\0';
    unsigned char payload[2] = {0x39, 0x30}; /* 12345 */
    char path[256];
    tmp_path(path, sizeof path, "long-header.npy");
    write_npy(path, 2, dict, payload, 2);
    free(dict);
    gcv_npy a;
    gcv_error err;
    ck_assert_int_eq(gcv_npy_read(path, 1, &a, &err), GCV_OK);
    ck_assert(a.data[0] == 12345.0);
    free(a.data);
}
END_TEST

START_TEST(header_spellings_numpy_accepts_should_parse)
{
    /* Any key order, double quotes, no spaces, no trailing comma, Python 2 longs, 0-d. */
    static const char *const dicts[] = {
        "{'shape': (2,), 'fortran_order': False, 'descr': '<f8'}",
        "{\"descr\":\"<f8\",\"fortran_order\":False,\"shape\":(2,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }",
        "{ 'descr' : '<f8' , 'fortran_order' : False , 'shape' : ( 2 , ) , }",
    };
    unsigned char payload[16];
    put_bytes(payload, f64_bits(7.0), 8, 0);
    put_bytes(payload + 8, f64_bits(-7.0), 8, 0);
    for (size_t k = 0; k < sizeof dicts / sizeof dicts[0]; k++) {
        char path[256], name[32];
        snprintf(name, sizeof name, "spelling%zu.npy", k);
        tmp_path(path, sizeof path, name);
        write_npy(path, 1, dicts[k], payload, sizeof payload);
        gcv_npy a;
        gcv_error err;
        gcv_status st = gcv_npy_read(path, 2, &a, &err);
        ck_assert_msg(st == GCV_OK, "%s: %s", dicts[k], err.msg);
        ck_assert(a.ndim == 1 && a.shape[0] == 2 && a.data[0] == 7.0 && a.data[1] == -7.0);
        free(a.data);
    }
    char path[256];
    tmp_path(path, sizeof path, "scalar.npy");
    write_npy(path, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", payload, 8);
    gcv_npy a;
    gcv_error err;
    ck_assert_int_eq(gcv_npy_read(path, 1, &a, &err), GCV_OK);
    ck_assert_uint_eq(a.ndim, 0);
    ck_assert_uint_eq(a.count, 1);
    ck_assert(a.data[0] == 7.0);
    free(a.data);
}
END_TEST

/* ---- the writer ---- */

START_TEST(write_then_read_should_round_trip_bit_for_bit)
{
    const size_t shapes[][3] = {{2, 3, 0}, {5, 0, 0}, {2, 2, 2}, {0, 3, 0}};
    const size_t ndims[] = {2, 1, 3, 2};
    double data[8] = {0.1, -1e-308, 1e308, NAN, INFINITY, -0.0, 3.0, 4.9406564584124654e-324};
    for (size_t k = 0; k < 4; k++) {
        char path[256], name[32];
        snprintf(name, sizeof name, "roundtrip%zu.npy", k);
        tmp_path(path, sizeof path, name);
        gcv_error err;
        ck_assert_int_eq(gcv_npy_write(path, shapes[k], ndims[k], data, &err), GCV_OK);
        gcv_npy a;
        ck_assert_int_eq(gcv_npy_read(path, 100, &a, &err), GCV_OK);
        ck_assert_uint_eq(a.ndim, ndims[k]);
        size_t count = 1;
        for (size_t d = 0; d < ndims[k]; d++) {
            ck_assert_uint_eq(a.shape[d], shapes[k][d]);
            count *= shapes[k][d];
        }
        ck_assert_uint_eq(a.count, count);
        ck_assert_str_eq(a.dtype, "<f8");
        ck_assert_int_eq(a.is_integer, 0);
        for (size_t i = 0; i < count; i++)
            ck_assert(f64_bits(a.data[i]) == f64_bits(data[i]));
        free(a.data);
        /* NumPy's layout: the payload starts on a 64-byte boundary. */
        struct stat sb;
        ck_assert_int_eq(stat(path, &sb), 0);
        ck_assert_uint_eq(((size_t)sb.st_size - 8 * count) % 64, 0);
    }
}
END_TEST

START_TEST(write_to_a_missing_folder_should_fail_with_the_reason)
{
    char path[256], want[512];
    tmp_path(path, sizeof path, "no-such-dir/x.npy");
    snprintf(want, sizeof want, "%s: cannot create: No such file or directory", path);
    size_t shape[1] = {1};
    double v = 1.0;
    gcv_error err;
    ck_assert_int_eq(gcv_npy_write(path, shape, 1, &v, &err), GCV_ERR_IO);
    ck_assert_str_eq(err.msg, want);
}
END_TEST

/* ---- hostile files ---- */

/* Reads path expecting status st and the message "<path>: <tail>". */
static void expect_error(const char *path, size_t max_count, gcv_status st, const char *tail)
{
    char want[GCV_ERROR_LEN + 300];
    snprintf(want, sizeof want, "%s: %s", path, tail);
    gcv_npy a;
    gcv_error err = {{0}};
    gcv_status got = gcv_npy_read(path, max_count, &a, &err);
    ck_assert_msg(got == st, "%s: status %d, want %d (%s)", path, (int)got, (int)st, err.msg);
    ck_assert_ptr_null(a.data);
    ck_assert_str_eq(err.msg, want);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
}

/* A .npy with a one-line header dict and n f8 zeros of payload. */
static void npy_with(const char *name, unsigned major, const char *dict, size_t payload_len,
                     char *path, size_t n)
{
    unsigned char *zeros = calloc(payload_len ? payload_len : 1, 1);
    ck_assert_ptr_nonnull(zeros);
    tmp_path(path, n, name);
    write_npy(path, major, dict, zeros, payload_len);
    free(zeros);
}

START_TEST(bad_magic_should_show_the_bytes_found)
{
    char path[256];
    tmp_path(path, sizeof path, "zip.npy");
    write_file(path, "PK\x03\x04\x14\x00\x00\x00\x08\x00rest", 14);
    expect_error(path, 10, GCV_ERR_INVALID,
                 "expected a .npy file (starting with \\x93NUMPY), got the bytes 50 4b 03 04 14 "
                 "00 00 00");
    tmp_path(path, sizeof path, "empty.npy");
    write_file(path, "", 0);
    expect_error(path, 10, GCV_ERR_INVALID,
                 "expected a .npy file (starting with \\x93NUMPY), got an empty file");
}
END_TEST

START_TEST(file_cut_inside_the_prefix_should_say_truncated)
{
    char path[256];
    tmp_path(path, sizeof path, "short-prefix.npy");
    write_file(path, "\x93NUMPY\x01\x00", 8);
    expect_error(path, 10, GCV_ERR_INVALID,
                 "expected a 10-byte prefix (magic, version, header length), got 8 bytes (the "
                 "file is truncated)");
    tmp_path(path, sizeof path, "short-prefix2.npy");
    write_file(path, "\x93NUMPY\x02\x00\x40\x00", 10);
    expect_error(path, 10, GCV_ERR_INVALID,
                 "expected a 4-byte header length, got the end of the file");
}
END_TEST

START_TEST(unknown_versions_should_be_refused)
{
    char path[256];
    npy_with("version4.npy", 4, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 8,
             path, sizeof path);
    expect_error(path, 10, GCV_ERR_INVALID, "expected format version 1.0, 2.0 or 3.0, got 4.0");
    npy_with("version0.npy", 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 8,
             path, sizeof path);
    /* version 0 with a 2-byte length like 1.0; still refused by its number */
    expect_error(path, 10, GCV_ERR_INVALID, "expected format version 1.0, 2.0 or 3.0, got 0.0");
}
END_TEST

/* np.save(f, a.T) of a C-order a writes a's bytes with fortran_order True: element (i, j)
 * of the (2, 3) array is at i + 2·j. The reader hands back C order. */
START_TEST(fortran_order_2d_should_read_as_c_order)
{
    char path[256];
    tmp_path(path, sizeof path, "fortran2.npy");
    const double col[6] = {11, 21, 12, 22, 13, 23}; /* a[i][j] = 10·(i+1) + (j+1) */
    unsigned char payload[48];
    for (size_t k = 0; k < 6; k++)
        put_bytes(payload + 8 * k, f64_bits(col[k]), 8, 0);
    write_npy(path, 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", payload,
              sizeof payload);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_msg(gcv_npy_read(path, 100, &a, &err) == GCV_OK, "%s", err.msg);
    ck_assert_uint_eq(a.ndim, 2);
    ck_assert_uint_eq(a.shape[0], 2);
    ck_assert_uint_eq(a.shape[1], 3);
    const double want[6] = {11, 12, 13, 21, 22, 23};
    for (size_t k = 0; k < 6; k++)
        ck_assert_msg(a.data[k] == want[k], "[%zu]: got %g, want %g", k, a.data[k], want[k]);
    free(a.data);
}
END_TEST

/* Three dimensions and a big-endian integer dtype: (2, 3, 2) with a[i][j][k] = 100i + 10j + k
 * stored with i fastest, then j, then k. */
START_TEST(fortran_order_3d_big_endian_should_read_as_c_order)
{
    char path[256];
    tmp_path(path, sizeof path, "fortran3.npy");
    unsigned char payload[12 * 2];
    size_t at = 0;
    for (unsigned k = 0; k < 2; k++)
        for (unsigned j = 0; j < 3; j++)
            for (unsigned i = 0; i < 2; i++, at++)
                put_bytes(payload + 2 * at, 100u * i + 10u * j + k, 2, 1);
    write_npy(path, 1, "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3, 2), }",
              payload, sizeof payload);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_msg(gcv_npy_read(path, 100, &a, &err) == GCV_OK, "%s", err.msg);
    ck_assert_uint_eq(a.count, 12);
    ck_assert_int_eq(a.is_integer, 1);
    at = 0;
    for (unsigned i = 0; i < 2; i++)
        for (unsigned j = 0; j < 3; j++)
            for (unsigned k = 0; k < 2; k++, at++)
                ck_assert_msg(a.data[at] == 100.0 * i + 10.0 * j + k, "[%u][%u][%u]: got %g", i,
                              j, k, a.data[at]);
    free(a.data);
}
END_TEST

/* The in-memory reader (.npz members) reads what the file reader reads and says the same. */
START_TEST(memory_image_should_read_like_a_file)
{
    static const char dict[] = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }";
    unsigned char buf[128 + 32];
    memset(buf, ' ', sizeof buf);
    memcpy(buf, "\x93NUMPY\x01\x00\x76\x00", 10); /* 10 + 118 = 128 */
    memcpy(buf + 10, dict, sizeof dict - 1);
    buf[127] = '\n';
    const double col[4] = {1, 3, 2, 4};
    for (size_t k = 0; k < 4; k++)
        put_bytes(buf + 128 + 8 * k, f64_bits(col[k]), 8, 0);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_msg(gcv_npy_read_mem("d.npz: W1.npy", buf, sizeof buf, 10, &a, &err) == GCV_OK,
                  "%s", err.msg);
    for (size_t k = 0; k < 4; k++)
        ck_assert(a.data[k] == (double)(k + 1));
    free(a.data);
    ck_assert_int_eq(gcv_npy_read_mem("d.npz: W1.npy", buf, sizeof buf - 8, 10, &a, &err),
                     GCV_ERR_INVALID);
    ck_assert_str_eq(err.msg, "d.npz: W1.npy: expected 32 bytes of data after the 128-byte "
                              "header for shape (2, 2) of '<f8', got 24 bytes");
    ck_assert_ptr_null(a.data);
    ck_assert_int_eq(gcv_npy_read_mem("d.npz: W1.npy", buf, sizeof buf, 3, &a, &err),
                     GCV_ERR_NOMEM);
}
END_TEST

START_TEST(truncated_payload_should_give_the_byte_counts)
{
    char path[256];
    npy_with("truncated.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }",
             50, path, sizeof path);
    expect_error(path, 100, GCV_ERR_INVALID,
                 "expected 96 bytes of data after the 128-byte header for shape (3, 4) of '<f8', "
                 "got 50 bytes");
    npy_with("trailing.npy", 3, "{'descr': '>i2', 'fortran_order': False, 'shape': (5,), }",
             11, path, sizeof path);
    expect_error(path, 100, GCV_ERR_INVALID,
                 "expected 10 bytes of data after the 128-byte header for shape (5,) of '>i2', "
                 "got 11 bytes");
    npy_with("no-payload.npy", 2, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }",
             0, path, sizeof path);
    expect_error(path, 100, GCV_ERR_INVALID,
                 "expected 4 bytes of data after the 128-byte header for shape (2, 2) of '|u1', "
                 "got 0 bytes");
}
END_TEST

START_TEST(truncated_header_should_give_the_byte_counts)
{
    char path[256];
    /* announces 118 header bytes, holds 20 */
    unsigned char buf[30] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
    memcpy(buf + 10, "{'descr': '<f8', 'fo", 20);
    tmp_path(path, sizeof path, "cut-header.npy");
    write_file(path, buf, sizeof buf);
    expect_error(path, 100, GCV_ERR_INVALID,
                 "expected a header of 118 bytes, got 20 (the file is truncated)");
    /* version 2 announcing 16 MiB of header */
    unsigned char big[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0, 0, 0, 1};
    tmp_path(path, sizeof path, "huge-header.npy");
    write_file(path, big, sizeof big);
    expect_error(path, 100, GCV_ERR_INVALID,
                 "expected a header of at most 1048576 bytes, got 16777216");
}
END_TEST

START_TEST(lying_header_should_be_refused_before_allocating)
{
    char path[256];
    gcv_npy a;
    gcv_error err;
    /* 10^12 values announced, 16 bytes present: refused by max_count, shape kept for the caller */
    npy_with("liar.npy", 1,
             "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", 16, path,
             sizeof path);
    expect_error(path, 1000, GCV_ERR_NOMEM,
                 "expected at most 1000 values, got shape (1000000, 1000000) (1000000000000 "
                 "values)");
    ck_assert_int_eq(gcv_npy_read(path, 1000, &a, &err), GCV_ERR_NOMEM);
    ck_assert_uint_eq(a.count, 1000000000000u);
    ck_assert_uint_eq(a.shape[1], 1000000);
    ck_assert_ptr_null(a.data);
    /* allowed by max_count, still a liar: the file size gives it away before any malloc */
    expect_error(path, SIZE_MAX, GCV_ERR_INVALID,
                 "expected 8000000000000 bytes of data after the 128-byte header for shape "
                 "(1000000, 1000000) of '<f8', got 16 bytes");
    /* a product beyond size_t */
    npy_with("overflow.npy", 1,
             "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 8,
             path, sizeof path);
    expect_error(path, SIZE_MAX, GCV_ERR_INVALID,
                 "expected a shape whose size fits in memory, got (4294967296, 4294967296)");
    /* a dimension beyond size_t itself is a header syntax error */
    npy_with("bigdim.npy", 1,
             "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8,
             path, sizeof path);
    expect_error(path, SIZE_MAX, GCV_ERR_INVALID,
                 "expected a shape whose size fits in memory, got a dimension beyond "
                 "18446744073709551615");
}
END_TEST

START_TEST(unknown_dtype_should_list_the_known_ones)
{
    static const char *const bad[] = {"<c16", "|O", "<U10", "<f2", "|f8", "<M8[ns]"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char dict[128], name[32], path[256], tail[256];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (1,), }",
                 bad[k]);
        snprintf(name, sizeof name, "dtype-bad%zu.npy", k);
        npy_with(name, 1, dict, 16, path, sizeof path);
        snprintf(tail, sizeof tail, "expected a dtype among f8, f4, i1, i2, i4, i8, u1, u2, u4, "
                 "u8, b1 (with <, > or |), got '%s'", bad[k]);
        expect_error(path, 10, GCV_ERR_INVALID, tail);
    }
}
END_TEST

START_TEST(malformed_headers_should_be_named)
{
    char path[256];
    npy_with("no-shape.npy", 1, "{'descr': '<f8', 'fortran_order': False, }", 8, path,
             sizeof path);
    expect_error(path, 10, GCV_ERR_INVALID,
                 "expected the header keys 'descr', 'fortran_order' and 'shape', got no 'shape'");
    npy_with("twice.npy", 1, "{'descr': '<f8', 'descr': '<f4', 'shape': (1,), }", 8, path,
             sizeof path);
    expect_error(path, 10, GCV_ERR_INVALID,
                 "expected the header keys 'descr', 'fortran_order' and 'shape' once each, got "
                 "'descr' twice");
    npy_with("extra-key.npy", 1,
             "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'order': 'C'}", 8, path,
             sizeof path);
    expect_error(path, 10, GCV_ERR_INVALID,
                 "expected the header keys 'descr', 'fortran_order' and 'shape' once each, got "
                 "'order'");
    npy_with("nine-dims.npy", 1,
             "{'descr': '<f8', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 8,
             path, sizeof path);
    expect_error(path, 10, GCV_ERR_INVALID, "expected a shape of at most 8 dimensions, got 9");
    /* control characters in a header never reach the one-line message raw */
    npy_with("newline-descr.npy", 1,
             "{'descr': '<f\n8', 'fortran_order': False, 'shape': (1,), }", 8, path,
             sizeof path);
    expect_error(path, 10, GCV_ERR_INVALID,
                 "expected a dtype among f8, f4, i1, i2, i4, i8, u1, u2, u4, u8, b1 (with <, > "
                 "or |), got '<f\\n8'");
    npy_with("newline-header.npy", 1,
             "{'descr': '<f8',\n'fortran_order': Nope, 'shape': (1,), }", 8, path, sizeof path);
    expect_error(path, 10, GCV_ERR_INVALID,
                 "expected a header like {'descr': '<f8', 'fortran_order': False, 'shape': (3, "
                 "4)}, got {'descr': '<f8',\\n'fortran_order': Nope, 'shape': (1,), }");
    /* the padding is no part of what was found */
    npy_with("list.npy", 1, "[1, 2]", 8, path, sizeof path);
    expect_error(path, 10, GCV_ERR_INVALID,
                 "expected a header like {'descr': '<f8', 'fortran_order': False, 'shape': (3, "
                 "4)}, got [1, 2]");
    /* a long header is cut after 60 bytes */
    npy_with("cut-shown.npy", 1,
             "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x' 1}", 8, path,
             sizeof path);
    expect_error(path, 10, GCV_ERR_INVALID,
                 "expected a header like {'descr': '<f8', 'fortran_order': False, 'shape': (3, "
                 "4)}, got {'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x' "
                 "\xE2\x80\xA6");
}
END_TEST

START_TEST(non_regular_files_should_be_refused)
{
    expect_error(tmp_dir, 10, GCV_ERR_IO, "expected a regular file, got a directory");
    expect_error("/dev/zero", 10, GCV_ERR_IO, "expected a regular file, got a character device");
    char path[256];
    tmp_path(path, sizeof path, "missing.npy");
    expect_error(path, 10, GCV_ERR_IO, "cannot open: No such file or directory");
}
END_TEST

/* ---- .npz archives (np.savez: stored; np.savez_compressed: deflated) ---- */

#ifdef GCV_HAVE_LIBZIP
#include <zip.h>

#include "data/npz.h"

/* An .npy image of a (rows, cols) float64 array in memory, header padded to 64-byte
 * multiples as NumPy pads it. */
static size_t npy_image(unsigned char *buf, size_t rows, size_t cols, const double *v,
                        int fortran)
{
    char dict[128];
    int n = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': %s, 'shape': (%zu, "
                     "%zu), }", fortran ? "True" : "False", rows, cols);
    size_t total = (10 + (size_t)n + 1 + 63) / 64 * 64;
    memset(buf, ' ', total);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)((total - 10) & 0xff);
    buf[9] = (unsigned char)((total - 10) >> 8);
    memcpy(buf + 10, dict, (size_t)n);
    buf[total - 1] = '\n';
    for (size_t k = 0; k < rows * cols; k++)
        put_bytes(buf + total + 8 * k, f64_bits(v[k]), 8, 0);
    return total + 8 * rows * cols;
}

/* Adds member name (its bytes copied) to z, deflated or stored. */
static void zip_member(zip_t *z, const char *name, const void *data, size_t n, int deflate)
{
    void *copy = malloc(n);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, data, n);
    zip_source_t *src = zip_source_buffer(z, copy, n, 1);
    ck_assert_ptr_nonnull(src);
    zip_int64_t idx = zip_file_add(z, name, src, ZIP_FL_OVERWRITE);
    ck_assert_int_ge(idx, 0);
    ck_assert_int_eq(zip_set_file_compression(z, (zip_uint64_t)idx,
                                              deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0), 0);
}

/* W1 (2, 3) stored in C order, dW1 the same values deflated in Fortran order, and b1. */
static void write_npz(const char *path, int deflate)
{
    static const double w[6] = {1, 2, 3, 4, 5, 6}, wf[6] = {1, 4, 2, 5, 3, 6}, b[2] = {7, 8};
    unsigned char buf[256];
    int code = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    ck_assert_ptr_nonnull(z);
    zip_member(z, "W1.npy", buf, npy_image(buf, 2, 3, w, 0), deflate);
    zip_member(z, "dW1.npy", buf, npy_image(buf, 2, 3, wf, 1), 1);
    zip_member(z, "b1.npy", buf, npy_image(buf, 2, 1, b, 0), deflate);
    ck_assert_int_eq(zip_close(z), 0);
}

START_TEST(npz_stored_and_deflated_members_should_read)
{
    for (int deflate = 0; deflate < 2; deflate++) {
        char path[256];
        tmp_path(path, sizeof path, deflate ? "savez_compressed.npz" : "savez.npz");
        write_npz(path, deflate);
        gcv_npz *z = NULL;
        gcv_error err = {{0}};
        ck_assert_msg(gcv_npz_open(path, &z, &err) == GCV_OK, "%s", err.msg);
        ck_assert(gcv_npz_has(z, "W1") && gcv_npz_has(z, "dW1") && !gcv_npz_has(z, "W2"));
        char names[64];
        gcv_npz_names(z, names, sizeof names);
        ck_assert_str_eq(names, "W1, dW1, b1");
        gcv_npy a, d;
        ck_assert_msg(gcv_npz_read(z, "W1", 6, &a, &err) == GCV_OK, "%s", err.msg);
        ck_assert_msg(gcv_npz_read(z, "dW1", 6, &d, &err) == GCV_OK, "%s", err.msg);
        ck_assert_uint_eq(a.shape[0], 2);
        ck_assert_uint_eq(a.shape[1], 3);
        for (size_t k = 0; k < 6; k++) {
            ck_assert(a.data[k] == (double)(k + 1));
            ck_assert_msg(d.data[k] == a.data[k], "Fortran member [%zu] = %g", k, d.data[k]);
        }
        free(a.data);
        free(d.data);
        gcv_npz_close(z);
    }
}
END_TEST

START_TEST(npz_refusals_should_name_the_member)
{
    char path[256], want[600];
    tmp_path(path, sizeof path, "refusals.npz");
    write_npz(path, 1);
    gcv_npz *z = NULL;
    gcv_error err = {{0}};
    gcv_npy a;
    ck_assert_int_eq(gcv_npz_open(path, &z, &err), GCV_OK);
    ck_assert_int_eq(gcv_npz_read(z, "W2", 10, &a, &err), GCV_ERR_INVALID);
    snprintf(want, sizeof want, "%s: expected an array 'W2', got only: W1, dW1, b1", path);
    ck_assert_str_eq(err.msg, want);
    /* more values than the cap: refused by the .npy header, the shape kept */
    ck_assert_int_eq(gcv_npz_read(z, "W1", 5, &a, &err), GCV_ERR_NOMEM);
    ck_assert_ptr_null(a.data);
    ck_assert_uint_eq(a.count, 6);
    gcv_npz_close(z);
    gcv_npz_close(NULL);
    /* a member whose header claims more data than the entry holds */
    unsigned char buf[256];
    static const double v[4] = {1, 2, 3, 4};
    size_t n = npy_image(buf, 2, 2, v, 0);
    int code = 0;
    zip_t *zw = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    ck_assert_ptr_nonnull(zw);
    zip_member(zw, "short.npy", buf, n - 8, 1);
    ck_assert_int_eq(zip_close(zw), 0);
    ck_assert_int_eq(gcv_npz_open(path, &z, &err), GCV_OK);
    ck_assert_int_eq(gcv_npz_read(z, "short", 10, &a, &err), GCV_ERR_INVALID);
    snprintf(want, sizeof want, "%s: short.npy: expected 32 bytes of data after the 128-byte "
             "header for shape (2, 2) of '<f8', got 24 bytes", path);
    ck_assert_str_eq(err.msg, want);
    gcv_npz_close(z);
    /* not a zip at all */
    tmp_path(path, sizeof path, "not-a-zip.npz");
    write_file(path, "PK\x03\x04 nothing", 12);
    ck_assert_int_eq(gcv_npz_open(path, &z, &err), GCV_ERR_INVALID);
    ck_assert_ptr_null(z);
    snprintf(want, sizeof want, "%s: expected an .npz (zip) archive, got ", path);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
}
END_TEST
#endif

static Suite *npy_suite(void)
{
    Suite *s = suite_create("npy");
    TCase *t = tcase_create("read");
    tcase_add_test(t, every_dtype_should_read_in_both_byte_orders);
    tcase_add_test(t, float_specials_should_survive_conversion);
    tcase_add_test(t, versions_1_2_and_3_should_read_alike);
    tcase_add_test(t, version_2_should_read_a_header_longer_than_64_kib);
    tcase_add_test(t, header_spellings_numpy_accepts_should_parse);
    tcase_add_test(t, fortran_order_2d_should_read_as_c_order);
    tcase_add_test(t, fortran_order_3d_big_endian_should_read_as_c_order);
    tcase_add_test(t, memory_image_should_read_like_a_file);
    suite_add_tcase(s, t);
    t = tcase_create("write");
    tcase_add_test(t, write_then_read_should_round_trip_bit_for_bit);
    tcase_add_test(t, write_to_a_missing_folder_should_fail_with_the_reason);
    suite_add_tcase(s, t);
#ifdef GCV_HAVE_LIBZIP
    t = tcase_create("npz");
    tcase_add_test(t, npz_stored_and_deflated_members_should_read);
    tcase_add_test(t, npz_refusals_should_name_the_member);
    suite_add_tcase(s, t);
#endif
    t = tcase_create("hostile");
    tcase_add_test(t, bad_magic_should_show_the_bytes_found);
    tcase_add_test(t, file_cut_inside_the_prefix_should_say_truncated);
    tcase_add_test(t, unknown_versions_should_be_refused);
    tcase_add_test(t, truncated_payload_should_give_the_byte_counts);
    tcase_add_test(t, truncated_header_should_give_the_byte_counts);
    tcase_add_test(t, lying_header_should_be_refused_before_allocating);
    tcase_add_test(t, unknown_dtype_should_list_the_known_ones);
    tcase_add_test(t, malformed_headers_should_be_named);
    tcase_add_test(t, non_regular_files_should_be_refused);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/gcv-test-npy-XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    SRunner *sr = srunner_create(npy_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_tree(tmp_dir);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

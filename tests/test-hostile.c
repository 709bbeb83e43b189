/* The readers on hostile files: sizes declared that the bytes present do not back, types
 * libhdf5 would mis-convert, chunks and cells that would make a library allocate gigabytes
 * from a few bytes, and CSV files whose first row or label names are ambiguous. Each file is
 * made here, by the libraries' own writers where they can write it, or byte by byte where
 * only a damaged or hand-made file looks like that. Every case must be refused with a
 * message naming what was expected and what was found, before anything large is
 * allocated. */
#include <check.h>
#include <stdint.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/csv.h"
#include "data/hdf5.h"
#include "data/mat.h"

#ifdef GCV_HAVE_HDF5
#include <hdf5.h>
#endif
#ifdef GCV_HAVE_MATIO
#include <zlib.h>
#endif

static char tmp_dir[256];

static void tmp_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmp_dir, name);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

#define ASSERT_MSG_HAS(err, text)                                                              \
    ck_assert_msg(strstr((err).msg, (text)) != NULL, "message '%s' lacks '%s'", (err).msg,     \
                  (text))

/* ==== HDF5 ============================================================================= */

#ifdef GCV_HAVE_HDF5

/* A 1-D dataset of n elements of type t, chunked by chunk (0: contiguous), written from
 * values when given (as doubles), else never written. */
static void h5_make(const char *path, hid_t t, hsize_t n, hsize_t chunk, const double *values)
{
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(file, 0);
    hsize_t maxdims = chunk ? H5S_UNLIMITED : n;
    hid_t space = H5Screate_simple(1, &n, &maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunk)
        ck_assert_int_ge(H5Pset_chunk(dcpl, 1, &chunk), 0);
    hid_t ds = H5Dcreate2(file, "x", t, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    if (values)
        ck_assert_int_ge(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values),
                         0);
    H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(file);
}

START_TEST(hdf5_should_refuse_a_float_type_264_bytes_wide)
{
    char p[512];
    tmp_path(p, sizeof p, "wide.h5");
    hid_t t = H5Tcopy(H5T_IEEE_F64LE);
    ck_assert_int_ge(H5Tset_size(t, 264), 0);
    h5_make(p, t, 4, 0, NULL);
    H5Tclose(t);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(p, "x", 1000, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "wide.h5: x: expected an integer of 1, 2, 4 or 8 bytes or a float of "
                        "2, 4 or 8 bytes, got a float of 264 bytes");
    ck_assert_ptr_null(a.data);
}
END_TEST

/* A 1 GiB chunk (2^27 doubles) for 10 values, read under 256 MiB: refused from the
 * metadata, before libhdf5 allocates the chunk. */
START_TEST(hdf5_should_refuse_a_chunk_larger_than_the_memory_allowed)
{
    char p[512];
    tmp_path(p, sizeof p, "bigchunk.h5");
    h5_make(p, H5T_IEEE_F64LE, 10, (hsize_t)1 << 27, NULL);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(p, "x", ((size_t)256 << 20) / 8, &a, &err), GCV_ERR_NOMEM);
    ASSERT_MSG_HAS(err, "bigchunk.h5: x: expected chunks of at most 256.0 MiB (the memory the "
                        "read may use), got 1.0 GiB");
}
END_TEST

/* A small file declaring 16 MiB chunks without compression cannot hold one of them. */
START_TEST(hdf5_should_refuse_a_chunk_larger_than_the_file)
{
    char p[512];
    tmp_path(p, sizeof p, "filechunk.h5");
    h5_make(p, H5T_IEEE_F64LE, 10, (hsize_t)1 << 21, NULL);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(p, "x", (size_t)1 << 30, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "filechunk.h5: x: expected chunks of at most ");
    ASSERT_MSG_HAS(err, "(the file's size), got 16.0 MiB");
}
END_TEST

/* Data never written reads as fill values (zeros): not data to check a gradient on. */
START_TEST(hdf5_should_refuse_a_dataset_never_written)
{
    char p[512];
    tmp_path(p, sizeof p, "unwritten.h5");
    h5_make(p, H5T_IEEE_F64LE, 4, 0, NULL);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(p, "x", 1000, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "unwritten.h5: x: expected 4 elements of 8 bytes stored in the file, "
                        "got 0 bytes (data never written, or a damaged or truncated file)");
}
END_TEST

/* The same files written in full still read, chunked or not. */
START_TEST(hdf5_should_still_read_written_chunked_and_contiguous_data)
{
    char p[512];
    tmp_path(p, sizeof p, "fine.h5");
    double v[5] = {1, -2, 3.5, 0, 7};
    for (int chunked = 0; chunked < 2; chunked++) {
        h5_make(p, H5T_IEEE_F32LE, 5, chunked ? 2 : 0, v);
        gcv_npy a;
        gcv_error err = {{0}};
        ck_assert_int_eq(gcv_hdf5_read(p, "x", 1000, &a, &err), GCV_OK);
        ck_assert_uint_eq(a.count, 5);
        for (int k = 0; k < 5; k++)
            ck_assert_double_eq(a.data[k], v[k]);
        free(a.data);
    }
}
END_TEST

#endif

/* ==== MAT (level 5, made byte by byte: matio writes only consistent files) ============= */

#ifdef GCV_HAVE_MATIO

typedef struct buf {
    unsigned char b[4096];
    size_t n;
} buf;

static void put32(buf *o, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        o->b[o->n++] = (unsigned char)(v >> (8 * k));
}

static void put_header(buf *o)
{
    memset(o->b, ' ', 116);
    memcpy(o->b, "MATLAB 5.0 MAT-file, made by test-hostile", 41);
    memset(o->b + 116, 0, 8);
    o->b[124] = 0x00;
    o->b[125] = 0x01;
    o->b[126] = 'I';
    o->b[127] = 'M';
    o->n = 128;
}

/* A miMATRIX of class cls named name (one character), dims r × c, with k doubles of data
 * (for a numeric class). */
static void put_matrix(buf *o, unsigned cls, char name, uint32_t r, uint32_t c, size_t k)
{
    size_t data = cls == 6 ? 8 + 8 * k : 0;
    put32(o, 14);
    put32(o, (uint32_t)(16 + 16 + 8 + data));
    put32(o, 6); /* array flags */
    put32(o, 8);
    put32(o, cls);
    put32(o, 0);
    put32(o, 5); /* dimensions */
    put32(o, 8);
    put32(o, r);
    put32(o, c);
    put32(o, 1 | 1u << 16); /* name, small element */
    o->b[o->n++] = (unsigned char)name;
    o->b[o->n++] = 0;
    o->b[o->n++] = 0;
    o->b[o->n++] = 0;
    if (cls != 6)
        return;
    put32(o, 9); /* miDOUBLE */
    put32(o, (uint32_t)(8 * k));
    for (size_t i = 0; i < k; i++) {
        double v = 1.5 + (double)i;
        memcpy(o->b + o->n, &v, 8);
        o->n += 8;
    }
}

/* The element at el[0, n) compressed into a miCOMPRESSED element appended to o. */
static void put_compressed(buf *o, const unsigned char *el, size_t n)
{
    uLongf clen = sizeof o->b - o->n - 8;
    ck_assert_int_eq(compress2(o->b + o->n + 8, &clen, el, (uLong)n, 6), Z_OK);
    put32(o, 15);
    put32(o, (uint32_t)clen);
    o->n += clen;
}

START_TEST(mat_should_refuse_a_variable_declaring_more_values_than_it_holds)
{
    int compressed = _i;
    char p[512];
    tmp_path(p, sizeof p, "short.mat");
    buf o, el = {.n = 0};
    put_header(&o);
    put_matrix(&el, 6, 'X', 8, 3, 2); /* 8×3 declared, 2 values present */
    put_matrix(&el, 6, 'Y', 1, 3, 3); /* the next variable's bytes must not be taken */
    if (compressed)
        put_compressed(&o, el.b, el.n);
    else {
        memcpy(o.b + o.n, el.b, el.n);
        o.n += el.n;
    }
    write_bytes(p, o.b, o.n);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_mat_read(p, "X", 1000, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "short.mat: variable 'X': expected 24 values of 8 bytes (192 bytes) as "
                        "its dimensions say, got 16 bytes of real data");
    ck_assert_ptr_null(a.data);
}
END_TEST

/* 10^4 × 10^4 cells in a file of 176 bytes: matio would allocate 800 MB of cell pointers
 * while reading the header alone. Refused whichever variable is asked for. */
START_TEST(mat_should_refuse_a_cell_declaring_more_cells_than_its_bytes)
{
    char p[512];
    tmp_path(p, sizeof p, "cells.mat");
    buf o;
    put_header(&o);
    put_matrix(&o, 1, 'C', 10000, 10000, 0);
    put_matrix(&o, 6, 'X', 1, 2, 2);
    write_bytes(p, o.b, o.n);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_mat_read(p, "X", 1000, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "cells.mat: variable 'C': expected at most 6 cell or struct elements "
                        "(8 bytes each at least, in 48 bytes), got 100000000 declared");
}
END_TEST

START_TEST(mat_should_refuse_a_truncated_variable)
{
    char p[512];
    tmp_path(p, sizeof p, "cut.mat");
    buf o;
    put_header(&o);
    put_matrix(&o, 6, 'X', 2, 2, 4);
    write_bytes(p, o.b, o.n - 12);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_mat_read(p, "X", 1000, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "cut.mat: the variable at byte 128: expected a variable of 88 bytes, "
                        "got 76 bytes left in the file (truncated file?)");
}
END_TEST

/* Level 4: five integers (type, rows, columns, imaginary flag, name length), the name, the
 * data. A name length of 758 MB in a file of 40 bytes, with the header otherwise valid or
 * not, must be refused before matio allocates it. */
START_TEST(mat_should_refuse_a_level_4_name_longer_than_the_file)
{
    char p[512];
    tmp_path(p, sizeof p, "v4.mat");
    buf o = {.n = 0};
    put32(&o, 0);           /* double, little-endian, full matrix */
    put32(&o, 1);
    put32(&o, 1);
    put32(&o, 0);
    put32(&o, 758396511);   /* the name length */
    memcpy(o.b + o.n, "X\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
    o.n += 20;
    write_bytes(p, o.b, o.n);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_mat_read(p, "X", 1000, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "v4.mat: the variable at byte 0: expected a name of at most the 20 bytes "
                        "left in the file, got a length of 758396511");
    o.b[12] = 0x36; /* imaginary flag 54: neither level 4 nor 5, refused before matio too */
    write_bytes(p, o.b, o.n);
    ck_assert_int_eq(gcv_mat_read(p, "X", 1000, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "v4.mat: expected a MATLAB .mat file (level 4, 5 or 7.3), got a file "
                        "that starts with neither a level-5 header nor a level-4 variable");
}
END_TEST

/* A double array flagged logical reads as "bool": its values must then be 0 and 1. */
START_TEST(mat_should_refuse_a_logical_flag_on_values_other_than_0_and_1)
{
    char p[512];
    tmp_path(p, sizeof p, "logical.mat");
    buf o;
    put_header(&o);
    put_matrix(&o, 6, 'X', 1, 3, 3); /* values 1.5 2.5 3.5 */
    o.b[128 + 17] = 0x02;            /* array flags: the logical bit */
    write_bytes(p, o.b, o.n);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_mat_read(p, "X", 1000, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "logical.mat: X: element (0, 0): expected 0 or 1 in a logical array, "
                        "got 1.5");
}
END_TEST

/* The same layout, consistent, reads: the check refuses only what is inconsistent. */
START_TEST(mat_should_still_read_a_consistent_hand_made_file)
{
    int compressed = _i;
    char p[512];
    tmp_path(p, sizeof p, "fine.mat");
    buf o, el = {.n = 0};
    put_header(&o);
    put_matrix(&el, 6, 'X', 2, 3, 6);
    if (compressed)
        put_compressed(&o, el.b, el.n);
    else {
        memcpy(o.b + o.n, el.b, el.n);
        o.n += el.n;
    }
    write_bytes(p, o.b, o.n);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_msg(gcv_mat_read(p, "X", 1000, &a, &err) == GCV_OK, "%s", err.msg);
    ck_assert_uint_eq(a.count, 6);
    /* column-major 1.5 2.5 … 6.5 in C order: row 0 is 1.5 3.5 5.5 */
    ck_assert_double_eq(a.data[0], 1.5);
    ck_assert_double_eq(a.data[1], 3.5);
    ck_assert_double_eq(a.data[5], 6.5);
    free(a.data);
}
END_TEST

#endif

/* ==== CSV ============================================================================== */

static gcv_status csv_read_text(const char *text, int header, size_t max_bytes, gcv_csv *c,
                                gcv_error *err)
{
    char p[512];
    tmp_path(p, sizeof p, "t.csv");
    write_bytes(p, text, strlen(text));
    gcv_csv_options o = {.delimiter = ',', .header = header, .max_bytes = max_bytes};
    return gcv_csv_read(p, &o, (size_t)1 << 30, c, err);
}

/* A typo in the first data row made it a header, dropped silently. */
START_TEST(csv_should_refuse_a_first_row_mixing_numbers_and_text)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ck_assert_int_eq(csv_read_text("1,2.O,3\n4,5,6\n", -1, 0, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "t.csv: line 1, column 2: expected a number, got '2.O' (the first row "
                        "mixes numbers and text");
    /* all text is a header, all numbers data, and a header can still be forced */
    ck_assert_int_eq(csv_read_text("a,b,c\n4,5,6\n", -1, 0, &c, &err), GCV_OK);
    ck_assert_uint_eq(c.rows, 1);
    ck_assert_str_eq(c.names[2], "c");
    gcv_csv_free(&c);
    ck_assert_int_eq(csv_read_text("x,0,1\n4,5,6\n", 1, 0, &c, &err), GCV_OK);
    ck_assert_str_eq(c.names[1], "0");
    gcv_csv_free(&c);
}
END_TEST

/* Old Mac exports end lines with a lone CR: read as lines, not as one header line. */
START_TEST(csv_should_read_cr_only_line_ends)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ck_assert_msg(csv_read_text("a,b\r1,2\r3,4\r", -1, 0, &c, &err) == GCV_OK, "%s", err.msg);
    ck_assert_uint_eq(c.rows, 2);
    ck_assert_uint_eq(c.cols, 2);
    ck_assert_double_eq(c.data[3], 4);
    gcv_csv_free(&c);
}
END_TEST

/* One 32 MiB line of commas under 64 MiB: its 32 Mi fields (512 MiB of field table) must
 * be refused before they are held; the process stays well under the limit. */
START_TEST(csv_should_keep_a_32_mib_line_of_commas_under_the_memory_allowed)
{
    char p[512];
    tmp_path(p, sizeof p, "commas.csv");
    size_t n = (size_t)32 << 20;
    char *text = malloc(n);
    ck_assert_ptr_nonnull(text);
    memset(text, ',', n);
    write_bytes(p, text, n);
    free(text);
    gcv_csv_options o = {.delimiter = ',', .header = -1, .max_bytes = (size_t)64 << 20};
    gcv_csv c;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_csv_read(p, &o, (size_t)1 << 30, &c, &err), GCV_ERR_NOMEM);
    ASSERT_MSG_HAS(err, "commas.csv: line 1: expected a table that fits in 64.0 MiB of memory, "
                        "got a line of 33554432 bytes with more than ");
    /* The peak of this test's own process: only meaningful when Check forks one per test
     * (CK_FORK=no, as under valgrind, runs them all in one process, valgrind included), and
     * without AddressSanitizer, whose quarantine keeps freed blocks resident. */
    const char *fork_mode = getenv("CK_FORK");
    int measured = !fork_mode || strcmp(fork_mode, "no") != 0;
#if defined(__SANITIZE_ADDRESS__)
    measured = 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    measured = 0;
#endif
#endif
    if (measured) {
        struct rusage ru;
        ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
        ck_assert_msg(ru.ru_maxrss < 100 * 1024, "peak %ld KiB", ru.ru_maxrss);
    }
}
END_TEST

/* ======================================================================================== */

static Suite *hostile_suite(void)
{
    Suite *s = suite_create("hostile");
    TCase *h = tcase_create("hdf5");
    tcase_set_timeout(h, 60);
#ifdef GCV_HAVE_HDF5
    tcase_add_test(h, hdf5_should_refuse_a_float_type_264_bytes_wide);
    tcase_add_test(h, hdf5_should_refuse_a_chunk_larger_than_the_memory_allowed);
    tcase_add_test(h, hdf5_should_refuse_a_chunk_larger_than_the_file);
    tcase_add_test(h, hdf5_should_refuse_a_dataset_never_written);
    tcase_add_test(h, hdf5_should_still_read_written_chunked_and_contiguous_data);
#endif
    suite_add_tcase(s, h);
    TCase *m = tcase_create("mat");
#ifdef GCV_HAVE_MATIO
    tcase_add_loop_test(m, mat_should_refuse_a_variable_declaring_more_values_than_it_holds, 0,
                        2);
    tcase_add_test(m, mat_should_refuse_a_cell_declaring_more_cells_than_its_bytes);
    tcase_add_test(m, mat_should_refuse_a_truncated_variable);
    tcase_add_test(m, mat_should_refuse_a_level_4_name_longer_than_the_file);
    tcase_add_test(m, mat_should_refuse_a_logical_flag_on_values_other_than_0_and_1);
    tcase_add_loop_test(m, mat_should_still_read_a_consistent_hand_made_file, 0, 2);
#endif
    suite_add_tcase(s, m);
    TCase *c = tcase_create("csv");
    tcase_set_timeout(c, 60);
    tcase_add_test(c, csv_should_refuse_a_first_row_mixing_numbers_and_text);
    tcase_add_test(c, csv_should_read_cr_only_line_ends);
    tcase_add_test(c, csv_should_keep_a_32_mib_line_of_commas_under_the_memory_allowed);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "%s/gcv-hostile-XXXXXX",
             getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    SRunner *sr = srunner_create(hostile_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp_dir);
    return failed ? 1 : 0;
}

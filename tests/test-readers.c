/* The HDF5, MATLAB and CSV readers on the course's real data files (data/, whose facts were
 * measured independently with h5py and scipy, see data/README.md) and on small files generated
 * here with each library's own writer, one per supported type, plus the error cases. The
 * HDF5 and MAT suites need the library compiled in (GCV_HAVE_HDF5, GCV_HAVE_MATIO); without
 * it the test checks the "how to enable it" message instead. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/csv.h"
#include "data/hdf5.h"
#include "data/mat.h"

#ifdef GCV_HAVE_HDF5
#include <hdf5.h>
#endif
#ifdef GCV_HAVE_MATIO
#include <matio.h>
#endif

#ifndef GCV_DATA_DIR
#define GCV_DATA_DIR "data"
#endif
#define TRAIN_H5 GCV_DATA_DIR "/train_catvnoncat.h5"
#define TEST_H5 GCV_DATA_DIR "/test_catvnoncat.h5"
#define DATA_MAT GCV_DATA_DIR "/data.mat"

#define BIG ((size_t)1 << 30)

/* ---- temporary files ----------------------------------------------------------------- */

static char tmp_dir[256];

static void tmp_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmp_dir, name);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    ck_assert_int_eq(fclose(f), 0);
}

/* A CSV file with the given content in the temporary folder; its path in buf. */
static const char *csv_file(char *buf, size_t n, const char *text)
{
    tmp_path(buf, n, "t.csv");
    write_text(buf, text);
    return buf;
}

static void remove_tmp_dir(void)
{
    DIR *d = opendir(tmp_dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[512];
        tmp_path(p, sizeof p, e->d_name);
        remove(p);
    }
    closedir(d);
    rmdir(tmp_dir);
}

#if defined(GCV_HAVE_HDF5) || defined(GCV_HAVE_MATIO)

/* stderr goes to a file between these two calls, which return how many bytes were printed:
 * the readers and the libraries under them must print nothing, even on errors. */
static int stderr_saved = -1;

static void stderr_capture_begin(void)
{
    char p[512];
    tmp_path(p, sizeof p, "stderr.txt");
    fflush(stderr);
    stderr_saved = dup(2);
    ck_assert_int_ge(stderr_saved, 0);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_ge(dup2(fd, 2), 0);
    close(fd);
}

static long stderr_capture_end(void)
{
    char p[512];
    tmp_path(p, sizeof p, "stderr.txt");
    fflush(stderr);
    dup2(stderr_saved, 2);
    close(stderr_saved);
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    return (long)st.st_size;
}

#endif

#define ASSERT_OK(st, err) ck_assert_msg((st) == GCV_OK, "unexpected error: %s", (err).msg)
#define ASSERT_MSG_HAS(err, text)                                                              \
    ck_assert_msg(strstr((err).msg, (text)) != NULL, "message '%s' lacks '%s'", (err).msg,     \
                  (text))

static void assert_zeroed(const gcv_npy *a)
{
    ck_assert_ptr_null(a->data);
    ck_assert_uint_eq(a->count, 0);
    ck_assert_uint_eq(a->ndim, 0);
}

#ifdef GCV_HAVE_HDF5
static double mean_of(const gcv_npy *a)
{
    double s = 0;
    for (size_t k = 0; k < a->count; k++)
        s += a->data[k];
    return s / (double)a->count;
}

#endif

#if defined(GCV_HAVE_HDF5) || defined(GCV_HAVE_MATIO)
static size_t count_equal(const gcv_npy *a, double v)
{
    size_t c = 0;
    for (size_t k = 0; k < a->count; k++)
        c += a->data[k] == v;
    return c;
}
#endif

/* ======================================================================================== */
/* HDF5                                                                                      */
/* ======================================================================================== */

#ifdef GCV_HAVE_HDF5

START_TEST(hdf5_should_read_catvnoncat_shape_and_first_pixel)
{
    gcv_npy a;
    gcv_error err = {{0}};
    gcv_status st = gcv_hdf5_read(TRAIN_H5, "train_set_x", BIG, &a, &err);
    ASSERT_OK(st, err);
    ck_assert_uint_eq(a.ndim, 4);
    ck_assert_uint_eq(a.shape[0], 209);
    ck_assert_uint_eq(a.shape[1], 64);
    ck_assert_uint_eq(a.shape[2], 64);
    ck_assert_uint_eq(a.shape[3], 3);
    ck_assert_uint_eq(a.count, 209u * 64 * 64 * 3);
    ck_assert_str_eq(a.dtype, "uint8");
    ck_assert_int_eq(a.is_integer, 1);
    /* first pixel (0, 0, 0, :) and last pixel (208, 63, 63, :), as h5dump shows them */
    ck_assert_double_eq(a.data[0], 17);
    ck_assert_double_eq(a.data[1], 31);
    ck_assert_double_eq(a.data[2], 56);
    ck_assert_double_eq(a.data[a.count - 3], 0);
    ck_assert_double_eq(a.data[a.count - 1], 0);
    /* the mean h5py gives, to the 3 decimals the data README records */
    ck_assert_double_eq_tol(mean_of(&a), 103.007, 5e-4);
    free(a.data);
}
END_TEST

START_TEST(hdf5_should_read_catvnoncat_test_images)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ASSERT_OK(gcv_hdf5_read(TEST_H5, "test_set_x", BIG, &a, &err), err);
    ck_assert_uint_eq(a.ndim, 4);
    ck_assert_uint_eq(a.shape[0], 50);
    ck_assert_uint_eq(a.count, 50u * 64 * 64 * 3);
    ck_assert_str_eq(a.dtype, "uint8");
    ck_assert_double_eq(a.data[0], 158);
    ck_assert_double_eq(a.data[1], 104);
    ck_assert_double_eq(a.data[2], 83);
    ck_assert_double_eq(a.data[a.count - 3], 5);
    ck_assert_double_eq(a.data[a.count - 2], 22);
    ck_assert_double_eq(a.data[a.count - 1], 5);
    ck_assert_double_eq_tol(mean_of(&a), 107.372, 5e-4);
    free(a.data);
}
END_TEST

START_TEST(hdf5_should_read_catvnoncat_labels_as_int64)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ASSERT_OK(gcv_hdf5_read(TRAIN_H5, "train_set_y", BIG, &a, &err), err);
    ck_assert_uint_eq(a.ndim, 1);
    ck_assert_uint_eq(a.shape[0], 209);
    ck_assert_str_eq(a.dtype, "int64");
    ck_assert_int_eq(a.is_integer, 1);
    ck_assert_double_eq(a.data[0], 0);
    ck_assert_double_eq(a.data[2], 1);
    ck_assert_double_eq(a.data[208], 0);
    ck_assert_uint_eq(count_equal(&a, 1), 72);
    ck_assert_uint_eq(count_equal(&a, 0), 137);
    free(a.data);

    ASSERT_OK(gcv_hdf5_read(TEST_H5, "test_set_y", BIG, &a, &err), err);
    ck_assert_uint_eq(a.ndim, 1);
    ck_assert_uint_eq(a.shape[0], 50);
    ck_assert_str_eq(a.dtype, "int64");
    ck_assert_double_eq(a.data[0], 1);
    ck_assert_double_eq(a.data[49], 0);
    ck_assert_uint_eq(count_equal(&a, 1), 33);
    ck_assert_uint_eq(count_equal(&a, 0), 17);
    free(a.data);
}
END_TEST

START_TEST(hdf5_should_refuse_a_string_dataset_naming_its_class)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(TRAIN_H5, "list_classes", BIG, &a, &err), GCV_ERR_INVALID);
    assert_zeroed(&a);
    ASSERT_MSG_HAS(err, "train_catvnoncat.h5: list_classes: expected an integer or "
                        "floating-point dataset, got a string dataset");
}
END_TEST

START_TEST(hdf5_should_list_available_datasets_when_the_name_is_missing)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(TRAIN_H5, "train_x", BIG, &a, &err), GCV_ERR_INVALID);
    assert_zeroed(&a);
    ASSERT_MSG_HAS(err, "dataset 'train_x' not found; available datasets: list_classes, "
                        "train_set_x, train_set_y");
}
END_TEST

START_TEST(hdf5_should_refuse_a_missing_file_as_io_error)
{
    gcv_npy a;
    gcv_error err = {{0}};
    char p[512];
    tmp_path(p, sizeof p, "no-such-file.h5");
    ck_assert_int_eq(gcv_hdf5_read(p, "x", BIG, &a, &err), GCV_ERR_IO);
    assert_zeroed(&a);
    ASSERT_MSG_HAS(err, "no-such-file.h5: cannot open: No such file or directory");
}
END_TEST

START_TEST(hdf5_should_refuse_a_file_that_is_not_hdf5)
{
    gcv_npy a;
    gcv_error err = {{0}};
    char p[512];
    tmp_path(p, sizeof p, "text.h5");
    write_text(p, "this is not an HDF5 file\n");
    ck_assert_int_eq(gcv_hdf5_read(p, "x", BIG, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "text.h5: expected an HDF5 file");
    /* a folder is not a file either */
    ck_assert_int_eq(gcv_hdf5_read(tmp_dir, "x", BIG, &a, &err), GCV_ERR_IO);
    ASSERT_MSG_HAS(err, "expected a regular file, got a directory");
    /* nor is a MATLAB level-5 file */
    ck_assert_int_eq(gcv_hdf5_read(DATA_MAT, "X", BIG, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "expected an HDF5 file");
}
END_TEST

START_TEST(hdf5_should_refuse_more_than_max_count_before_allocating)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(TRAIN_H5, "train_set_x", 1000, &a, &err), GCV_ERR_NOMEM);
    ck_assert_ptr_null(a.data); /* the shape says what the file asked for */
    ck_assert_uint_eq(a.ndim, 4);
    ck_assert_uint_eq(a.shape[0], 209);
    ck_assert_uint_eq(a.count, 2568192);
    ASSERT_MSG_HAS(err, "train_set_x: expected at most 1000 elements, got 2568192 "
                        "(shape (209, 64, 64, 3))");
}
END_TEST

/* ---- generated files ---- */

/* Writes one dataset: rank 0 means a scalar dataspace. name may contain '/': intermediate
 * groups are created. A second call on the same path adds to the file. */
static void h5_write(const char *path, int create, const char *name, hid_t ftype, hid_t mtype,
                     int rank, const hsize_t *dims, const void *buf)
{
    hid_t file = create ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT) :
                          H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert_int_ge(file, 0);
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
    ck_assert_int_ge(space, 0);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t ds = H5Dcreate2(file, name, ftype, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    if (buf)
        ck_assert_int_ge(H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Dclose(ds);
    H5Pclose(lcpl);
    H5Sclose(space);
    H5Fclose(file);
}

enum { T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_U64, T_I64, T_F32, T_F64, T_COUNT };

static const char *const type_names[T_COUNT] = {"uint8", "int8", "uint16", "int16", "uint32",
                                                "int32", "uint64", "int64", "float32",
                                                "float64"};

/* Six values per type, the extremes included, all exact in the type and in double. */
static const double type_values[T_COUNT][6] = {
    [T_U8] = {0, 1, 2, 127, 200, 255},
    [T_I8] = {-128, -1, 0, 1, 100, 127},
    [T_U16] = {0, 1, 255, 256, 40000, 65535},
    [T_I16] = {-32768, -1, 0, 1, 1000, 32767},
    [T_U32] = {0, 1, 65536, 3000000000.0, 4294967294.0, 4294967295.0},
    [T_I32] = {-2147483648.0, -1, 0, 1, 123456789, 2147483647},
    [T_U64] = {0, 1, 4294967296.0, 9007199254740992.0, 9223372036854775808.0,
               18446744073709549568.0 /* the largest double below 2^64 */},
    [T_I64] = {-9223372036854775808.0, -1, 0, 1, 9007199254740992.0, 4611686018427387904.0},
    [T_F32] = {-1.5, 0.25, FLT_MAX, FLT_MIN, 1.401298464324817e-45 /* smallest subnormal */,
               -0.0},
    [T_F64] = {-1.5, 0.1, DBL_MAX, DBL_MIN, 4.9406564584124654e-324, -3.0e300},
};

/* The type's little-endian file type and native memory type, and the values packed in it. */
static void h5_type(int t, hid_t *ftype, hid_t *mtype, unsigned char *buf)
{
    const double *v = type_values[t];
    for (int k = 0; k < 6; k++) {
        switch (t) {
        case T_U8: ((uint8_t *)(void *)buf)[k] = (uint8_t)v[k]; break;
        case T_I8: ((int8_t *)(void *)buf)[k] = (int8_t)v[k]; break;
        case T_U16: ((uint16_t *)(void *)buf)[k] = (uint16_t)v[k]; break;
        case T_I16: ((int16_t *)(void *)buf)[k] = (int16_t)v[k]; break;
        case T_U32: ((uint32_t *)(void *)buf)[k] = (uint32_t)v[k]; break;
        case T_I32: ((int32_t *)(void *)buf)[k] = (int32_t)v[k]; break;
        case T_U64: ((uint64_t *)(void *)buf)[k] = (uint64_t)v[k]; break;
        case T_I64: ((int64_t *)(void *)buf)[k] = (int64_t)v[k]; break;
        case T_F32: ((float *)(void *)buf)[k] = (float)v[k]; break;
        default: ((double *)(void *)buf)[k] = v[k]; break;
        }
    }
    switch (t) {
    case T_U8: *ftype = H5T_STD_U8LE; *mtype = H5T_NATIVE_UINT8; break;
    case T_I8: *ftype = H5T_STD_I8LE; *mtype = H5T_NATIVE_INT8; break;
    case T_U16: *ftype = H5T_STD_U16LE; *mtype = H5T_NATIVE_UINT16; break;
    case T_I16: *ftype = H5T_STD_I16LE; *mtype = H5T_NATIVE_INT16; break;
    case T_U32: *ftype = H5T_STD_U32LE; *mtype = H5T_NATIVE_UINT32; break;
    case T_I32: *ftype = H5T_STD_I32LE; *mtype = H5T_NATIVE_INT32; break;
    case T_U64: *ftype = H5T_STD_U64LE; *mtype = H5T_NATIVE_UINT64; break;
    case T_I64: *ftype = H5T_STD_I64LE; *mtype = H5T_NATIVE_INT64; break;
    case T_F32: *ftype = H5T_IEEE_F32LE; *mtype = H5T_NATIVE_FLOAT; break;
    default: *ftype = H5T_IEEE_F64LE; *mtype = H5T_NATIVE_DOUBLE; break;
    }
}

/* One loop iteration per type: a (2, 3) dataset read back exactly, in C order. */
START_TEST(hdf5_should_convert_every_numeric_type_to_double)
{
    int t = _i;
    char p[512];
    tmp_path(p, sizeof p, "types.h5");
    unsigned char buf[6 * 8];
    hid_t ftype, mtype;
    h5_type(t, &ftype, &mtype, buf);
    hsize_t dims[2] = {2, 3};
    h5_write(p, 1, "v", ftype, mtype, 2, dims, buf);

    gcv_npy a;
    gcv_error err = {{0}};
    ASSERT_OK(gcv_hdf5_read(p, "v", 100, &a, &err), err);
    ck_assert_uint_eq(a.ndim, 2);
    ck_assert_uint_eq(a.shape[0], 2);
    ck_assert_uint_eq(a.shape[1], 3);
    ck_assert_uint_eq(a.count, 6);
    ck_assert_str_eq(a.dtype, type_names[t]);
    ck_assert_int_eq(a.is_integer, t < T_F32);
    for (int k = 0; k < 6; k++) {
        double want = t == T_F32 ? (double)(float)type_values[t][k] : type_values[t][k];
        ck_assert_msg(a.data[k] == want, "%s[%d]: got %.17g, want %.17g", type_names[t], k,
                      a.data[k], want);
    }
    free(a.data);
}
END_TEST

START_TEST(hdf5_should_convert_big_endian_data)
{
    char p[512];
    tmp_path(p, sizeof p, "be.h5");
    int32_t iv[3] = {-7, 0, 1 << 20};
    double dv[3] = {-0.5, 1e-300, 12345.678};
    hsize_t dims[1] = {3};
    h5_write(p, 1, "i", H5T_STD_I32BE, H5T_NATIVE_INT32, 1, dims, iv);
    h5_write(p, 0, "d", H5T_IEEE_F64BE, H5T_NATIVE_DOUBLE, 1, dims, dv);
    gcv_npy a;
    gcv_error err = {{0}};
    ASSERT_OK(gcv_hdf5_read(p, "i", 100, &a, &err), err);
    ck_assert_str_eq(a.dtype, "int32");
    for (int k = 0; k < 3; k++)
        ck_assert_double_eq(a.data[k], iv[k]);
    free(a.data);
    ASSERT_OK(gcv_hdf5_read(p, "d", 100, &a, &err), err);
    ck_assert_str_eq(a.dtype, "float64");
    for (int k = 0; k < 3; k++)
        ck_assert_double_eq(a.data[k], dv[k]);
    free(a.data);
}
END_TEST

START_TEST(hdf5_should_read_any_rank_in_c_order_and_inside_groups)
{
    char p[512];
    tmp_path(p, sizeof p, "rank.h5");
    double v[2 * 3 * 4];
    for (int k = 0; k < 24; k++)
        v[k] = k;
    hsize_t dims3[3] = {2, 3, 4};
    h5_write(p, 1, "grp/sub/cube", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dims3, v);
    double scalar = 42.5;
    h5_write(p, 0, "scalar", H5T_IEEE_F32LE, H5T_NATIVE_DOUBLE, 0, NULL, &scalar);

    gcv_npy a;
    gcv_error err = {{0}};
    ASSERT_OK(gcv_hdf5_read(p, "grp/sub/cube", 100, &a, &err), err);
    ck_assert_uint_eq(a.ndim, 3);
    ck_assert_uint_eq(a.shape[0], 2);
    ck_assert_uint_eq(a.shape[1], 3);
    ck_assert_uint_eq(a.shape[2], 4);
    for (int k = 0; k < 24; k++)
        ck_assert_double_eq(a.data[k], k); /* HDF5 and gcverify are both C order */
    free(a.data);

    ASSERT_OK(gcv_hdf5_read(p, "/scalar", 100, &a, &err), err);
    ck_assert_uint_eq(a.ndim, 0);
    ck_assert_uint_eq(a.count, 1);
    ck_assert_str_eq(a.dtype, "float32");
    ck_assert_double_eq(a.data[0], 42.5);
    free(a.data);

    /* nested datasets show up in the list of available names, groups do not */
    ck_assert_int_eq(gcv_hdf5_read(p, "cube", 100, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "available datasets: grp/sub/cube, scalar");
    /* and naming a group is refused as such */
    ck_assert_int_eq(gcv_hdf5_read(p, "grp/sub", 100, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "grp/sub: expected a dataset, got a group");
}
END_TEST

START_TEST(hdf5_should_explain_a_name_that_exists_but_cannot_be_opened)
{
    char p[512];
    tmp_path(p, sizeof p, "dangling.h5");
    double v = 1;
    h5_write(p, 1, "real", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, NULL, &v);
    hid_t file = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert_int_ge(file, 0);
    ck_assert_int_ge(H5Lcreate_soft("/nowhere", file, "ghost", H5P_DEFAULT, H5P_DEFAULT), 0);
    H5Fclose(file);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(p, "ghost", 100, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "dangling.h5: ghost: expected a readable dataset, got one HDF5 cannot "
                        "open: ");
}
END_TEST

START_TEST(hdf5_should_refuse_a_compound_dataset_naming_its_class)
{
    char p[512];
    tmp_path(p, sizeof p, "compound.h5");
    typedef struct pair {
        int a;
        double b;
    } pair;
    hid_t ct = H5Tcreate(H5T_COMPOUND, sizeof(pair));
    H5Tinsert(ct, "a", offsetof(pair, a), H5T_NATIVE_INT);
    H5Tinsert(ct, "b", offsetof(pair, b), H5T_NATIVE_DOUBLE);
    pair v[2];
    memset(v, 0, sizeof v); /* the padding is written to the file too */
    v[0].a = 1, v[0].b = 2.0, v[1].a = 3, v[1].b = 4.0;
    hsize_t dims[1] = {2};
    h5_write(p, 1, "pairs", ct, ct, 1, dims, v);
    H5Tclose(ct);

    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(p, "pairs", 100, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "pairs: expected an integer or floating-point dataset, got a compound "
                        "dataset");
}
END_TEST

START_TEST(hdf5_should_refuse_nan_naming_the_element)
{
    char p[512];
    tmp_path(p, sizeof p, "nan.h5");
    double v[6] = {0, 1, 2, 3, NAN, 5};
    hsize_t dims[2] = {3, 2};
    h5_write(p, 1, "x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, v);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(p, "x", 100, &a, &err), GCV_ERR_INVALID);
    assert_zeroed(&a);
    ASSERT_MSG_HAS(err, "nan.h5: x: element (2, 0): expected a finite number, got NaN");
}
END_TEST

START_TEST(hdf5_should_refuse_empty_and_too_many_dimensions)
{
    char p[512];
    tmp_path(p, sizeof p, "shapes.h5");
    hsize_t empty[2] = {0, 3};
    h5_write(p, 1, "empty", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, empty, NULL);
    hsize_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    double one = 1;
    h5_write(p, 0, "nine", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 9, nine, &one);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(p, "empty", 100, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "empty: expected a non-empty dataset, got shape (0, 3)");
    ck_assert_int_eq(gcv_hdf5_read(p, "nine", 100, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "nine: expected at most 8 dimensions, got 9");
}
END_TEST

START_TEST(hdf5_should_never_print_even_on_errors)
{
    char p[512];
    tmp_path(p, sizeof p, "junk.h5");
    /* the HDF5 signature followed by garbage: HDF5 gets far enough to fail loudly */
    write_text(p, "\x89HDF\r\n\x1a\n garbage garbage garbage garbage garbage garbage");
    gcv_npy a;
    gcv_error err = {{0}};
    stderr_capture_begin();
    gcv_status s1 = gcv_hdf5_read(p, "x", 100, &a, &err);
    gcv_status s2 = gcv_hdf5_read(TRAIN_H5, "nope", 100, &a, &err);
    gcv_status s3 = gcv_hdf5_read(TRAIN_H5, "list_classes", 100, &a, &err);
    gcv_status s4 = gcv_hdf5_read(DATA_MAT, "X", 100, &a, &err);
    long printed = stderr_capture_end();
    ck_assert_int_eq(s1, GCV_ERR_INVALID);
    ck_assert_int_eq(s2, GCV_ERR_INVALID);
    ck_assert_int_eq(s3, GCV_ERR_INVALID);
    ck_assert_int_eq(s4, GCV_ERR_INVALID);
    ck_assert_int_eq(printed, 0);
    /* The reads ran in child processes (data/sandbox.h), which end with _exit: HDF5's exit
     * handler, which reports damaged state on stderr, never ran. */
}
END_TEST

#else /* !GCV_HAVE_HDF5 */

START_TEST(hdf5_should_explain_how_to_enable_it_when_not_built_in)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_hdf5_read(TRAIN_H5, "train_set_x", BIG, &a, &err), GCV_ERR_INVALID);
    assert_zeroed(&a);
    ASSERT_MSG_HAS(err, "train_catvnoncat.h5: reading HDF5 needs gcverify built with libhdf5: "
                        "install libhdf5-dev and reconfigure (meson setup --reconfigure build "
                        "-Dhdf5=enabled)");
}
END_TEST

#endif

/* ======================================================================================== */
/* MATLAB                                                                                    */
/* ======================================================================================== */

#ifdef GCV_HAVE_MATIO

START_TEST(mat_should_read_moons_X_in_c_order)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ASSERT_OK(gcv_mat_read(DATA_MAT, "X", BIG, &a, &err), err);
    ck_assert_uint_eq(a.ndim, 2);
    ck_assert_uint_eq(a.shape[0], 211);
    ck_assert_uint_eq(a.shape[1], 2);
    ck_assert_str_eq(a.dtype, "float64");
    ck_assert_int_eq(a.is_integer, 0);
    /* X(1,:) and X(211,:) in MATLAB's terms: row-major now, data[i*2 + j] */
    ck_assert_double_eq(a.data[0], -0.158986);
    ck_assert_double_eq(a.data[1], 0.423977);
    ck_assert_double_eq(a.data[420], -0.153111);
    ck_assert_double_eq(a.data[421], 0.184503);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < a.count; k++) {
        lo = fmin(lo, a.data[k]);
        hi = fmax(hi, a.data[k]);
    }
    ck_assert_double_eq_tol(lo, -0.657895, 5e-7);
    ck_assert_double_eq_tol(hi, 0.573392, 5e-7);
    free(a.data);

    ASSERT_OK(gcv_mat_read(DATA_MAT, "Xval", BIG, &a, &err), err);
    ck_assert_uint_eq(a.shape[0], 200);
    ck_assert_uint_eq(a.shape[1], 2);
    ck_assert_str_eq(a.dtype, "float64");
    ck_assert_double_eq(a.data[0], -0.3530623458334412);
    ck_assert_double_eq(a.data[1], -0.67390181296655283);
    ck_assert_double_eq(a.data[398], -0.31689908531098365);
    ck_assert_double_eq(a.data[399], -0.42941272913886863);
    lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < a.count; k++) {
        lo = fmin(lo, a.data[k]);
        hi = fmax(hi, a.data[k]);
    }
    ck_assert_double_eq(lo, -0.7948161385602274);
    ck_assert_double_eq(hi, 0.5975321589468918);
    free(a.data);
}
END_TEST

/* The trap of issue 8: y is class double but stored as uint8. */
START_TEST(mat_should_report_the_uint8_storage_of_the_labels)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ASSERT_OK(gcv_mat_read(DATA_MAT, "y", BIG, &a, &err), err);
    ck_assert_uint_eq(a.ndim, 2);
    ck_assert_uint_eq(a.shape[0], 211);
    ck_assert_uint_eq(a.shape[1], 1);
    ck_assert_str_eq(a.dtype, "uint8");
    ck_assert_int_eq(a.is_integer, 1);
    ck_assert_double_eq(a.data[0], 1);
    ck_assert_double_eq(a.data[210], 0);
    ck_assert_uint_eq(count_equal(&a, 1), 106);
    ck_assert_uint_eq(count_equal(&a, 0), 105);
    free(a.data);

    ASSERT_OK(gcv_mat_read(DATA_MAT, "yval", BIG, &a, &err), err);
    ck_assert_uint_eq(a.shape[0], 200);
    ck_assert_uint_eq(a.shape[1], 1);
    ck_assert_str_eq(a.dtype, "uint8");
    ck_assert_int_eq(a.is_integer, 1);
    ck_assert_double_eq(a.data[0], 0);
    ck_assert_double_eq(a.data[199], 0);
    ck_assert_uint_eq(count_equal(&a, 1), 87);
    ck_assert_uint_eq(count_equal(&a, 0), 113);
    free(a.data);
}
END_TEST

START_TEST(mat_should_list_available_variables_when_the_name_is_missing)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_mat_read(DATA_MAT, "Y", BIG, &a, &err), GCV_ERR_INVALID);
    assert_zeroed(&a);
    ASSERT_MSG_HAS(err, "data.mat: variable 'Y' not found; available variables: X, y, yval, "
                        "Xval");
}
END_TEST

START_TEST(mat_should_refuse_a_missing_file_and_a_file_that_is_not_mat)
{
    gcv_npy a;
    gcv_error err = {{0}};
    char p[512];
    tmp_path(p, sizeof p, "missing.mat");
    ck_assert_int_eq(gcv_mat_read(p, "X", BIG, &a, &err), GCV_ERR_IO);
    ASSERT_MSG_HAS(err, "missing.mat: cannot open: No such file or directory");

    tmp_path(p, sizeof p, "text.mat");
    char text[300];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    write_text(p, text);
    ck_assert_int_eq(gcv_mat_read(p, "X", BIG, &a, &err), GCV_ERR_INVALID);
    assert_zeroed(&a);
    ASSERT_MSG_HAS(err, "text.mat: expected a MATLAB .mat file");
}
END_TEST

START_TEST(mat_should_refuse_more_than_max_count_before_reading)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_mat_read(DATA_MAT, "X", 100, &a, &err), GCV_ERR_NOMEM);
    ck_assert_ptr_null(a.data); /* the shape says what the file asked for */
    ck_assert_uint_eq(a.ndim, 2);
    ck_assert_uint_eq(a.shape[0], 211);
    ck_assert_uint_eq(a.shape[1], 2);
    ck_assert_uint_eq(a.count, 422);
    ASSERT_MSG_HAS(err, "data.mat: X: expected at most 100 elements, got 422 (size (211, 2))");
}
END_TEST

/* ---- generated files ---- */

static void mat_write(const char *path, enum mat_ft ver, matvar_t *v, enum matio_compression z)
{
    mat_t *m = Mat_CreateVer(path, NULL, ver);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(Mat_VarWrite(m, v, z), 0);
    Mat_VarFree(v);
    Mat_Close(m);
}

/* Loop index: bit 0 compression, bits 1-2 the class (double, uint8, int32, single). A 3×2
 * matrix, X(i,j) = 10(i+1) + (j+1) with signs and fractions where the type has them, must
 * come back as shape (3, 2) with data[i*2 + j] = X(i, j). */
START_TEST(mat_should_read_generated_classes_compressed_or_not)
{
    enum matio_compression z = (_i & 1) ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE;
    int kind = _i >> 1;
    double want[3][2];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) {
            double x = 10.0 * (i + 1) + (j + 1);
            want[i][j] = kind == 0 ? (j ? -x - 0.25 : x + 0.125) :
                         kind == 2 ? (j ? -x * 1000 : x * 1000) :
                         kind == 3 ? x + 0.5 : x;
        }
    union {
        double d[6];
        float f[6];
        uint8_t u8[6];
        int32_t i32[6];
    } buf;
    for (int j = 0, k = 0; j < 2; j++) /* column-major, as MATLAB stores it */
        for (int i = 0; i < 3; i++, k++) {
            if (kind == 0)
                buf.d[k] = want[i][j];
            else if (kind == 1)
                buf.u8[k] = (uint8_t)want[i][j];
            else if (kind == 2)
                buf.i32[k] = (int32_t)want[i][j];
            else
                buf.f[k] = (float)want[i][j];
        }
    static const enum matio_classes cls[4] = {MAT_C_DOUBLE, MAT_C_UINT8, MAT_C_INT32,
                                              MAT_C_SINGLE};
    static const enum matio_types typ[4] = {MAT_T_DOUBLE, MAT_T_UINT8, MAT_T_INT32,
                                            MAT_T_SINGLE};
    static const char *const names[4] = {"float64", "uint8", "int32", "float32"};
    size_t dims[2] = {3, 2};
    char p[512];
    tmp_path(p, sizeof p, "gen.mat");
    mat_write(p, MAT_FT_MAT5, Mat_VarCreate("A_matrix", cls[kind], typ[kind], 2, dims, &buf, 0),
              z);

    gcv_npy a;
    gcv_error err = {{0}};
    ASSERT_OK(gcv_mat_read(p, "A_matrix", 100, &a, &err), err);
    ck_assert_uint_eq(a.ndim, 2);
    ck_assert_uint_eq(a.shape[0], 3);
    ck_assert_uint_eq(a.shape[1], 2);
    ck_assert_str_eq(a.dtype, names[kind]);
    ck_assert_int_eq(a.is_integer, kind == 1 || kind == 2);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            ck_assert_msg(a.data[i * 2 + j] == want[i][j], "%s z=%d (%d,%d): got %g, want %g",
                          names[kind], (int)z, i, j, a.data[i * 2 + j], want[i][j]);
    free(a.data);
}
END_TEST

START_TEST(mat_should_reorder_rank_3_arrays_to_c_order)
{
    size_t dims[3] = {2, 3, 4};
    double v[24];
    /* column-major: the value at (i, j, k) is stored at i + 2j + 6k and equals 100i + 10j + k */
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 3; j++)
            for (int i = 0; i < 2; i++)
                v[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
    char p[512];
    tmp_path(p, sizeof p, "cube.mat");
    mat_write(p, MAT_FT_MAT5, Mat_VarCreate("cube", MAT_C_DOUBLE, MAT_T_DOUBLE, 3, dims, v, 0),
              MAT_COMPRESSION_ZLIB);
    gcv_npy a;
    gcv_error err = {{0}};
    ASSERT_OK(gcv_mat_read(p, "cube", 100, &a, &err), err);
    ck_assert_uint_eq(a.ndim, 3);
    ck_assert_uint_eq(a.shape[0], 2);
    ck_assert_uint_eq(a.shape[1], 3);
    ck_assert_uint_eq(a.shape[2], 4);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++)
                ck_assert_double_eq(a.data[(i * 3 + j) * 4 + k], 100 * i + 10 * j + k);
    free(a.data);
}
END_TEST

START_TEST(mat_should_read_logical_arrays_as_bool)
{
    size_t dims[2] = {1, 4};
    uint8_t v[4] = {1, 0, 0, 1};
    char p[512];
    tmp_path(p, sizeof p, "logical.mat");
    mat_write(p, MAT_FT_MAT5,
              Mat_VarCreate("mask", MAT_C_UINT8, MAT_T_UINT8, 2, dims, v, MAT_F_LOGICAL),
              MAT_COMPRESSION_NONE);
    gcv_npy a;
    gcv_error err = {{0}};
    ASSERT_OK(gcv_mat_read(p, "mask", 100, &a, &err), err);
    ck_assert_str_eq(a.dtype, "bool");
    ck_assert_int_eq(a.is_integer, 1);
    ck_assert_uint_eq(a.shape[0], 1);
    ck_assert_uint_eq(a.shape[1], 4);
    for (int k = 0; k < 4; k++)
        ck_assert_double_eq(a.data[k], v[k]);
    free(a.data);
}
END_TEST

START_TEST(mat_should_refuse_char_struct_and_complex_naming_them)
{
    char p[512];
    gcv_npy a;
    gcv_error err = {{0}};

    tmp_path(p, sizeof p, "char.mat");
    size_t cdims[2] = {1, 5};
    mat_write(p, MAT_FT_MAT5, Mat_VarCreate("s", MAT_C_CHAR, MAT_T_UINT8, 2, cdims, "hello", 0),
              MAT_COMPRESSION_NONE);
    ck_assert_int_eq(gcv_mat_read(p, "s", 100, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "char.mat: s: expected a numeric or logical array, got a char array");

    tmp_path(p, sizeof p, "struct.mat");
    size_t sdims[2] = {1, 1};
    const char *fields[] = {"a", NULL};
    mat_write(p, MAT_FT_MAT5, Mat_VarCreateStruct2("st", 2, sdims, fields),
              MAT_COMPRESSION_ZLIB);
    ck_assert_int_eq(gcv_mat_read(p, "st", 100, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "st: expected a numeric or logical array, got a struct");

    tmp_path(p, sizeof p, "complex.mat");
    size_t zdims[2] = {2, 1};
    double re[2] = {1, 2}, im[2] = {0.5, -0.5};
    mat_complex_split_t z = {re, im};
    mat_write(p, MAT_FT_MAT5,
              Mat_VarCreate("z", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, zdims, &z, MAT_F_COMPLEX),
              MAT_COMPRESSION_NONE);
    ck_assert_int_eq(gcv_mat_read(p, "z", 100, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "z: expected a real array, got a complex one");
    assert_zeroed(&a);
}
END_TEST

START_TEST(mat_should_refuse_nan_naming_the_element)
{
    size_t dims[2] = {2, 2};
    double v[4] = {1, 2, 3, INFINITY}; /* column-major: Inf is X(2,2), element (1, 1) */
    char p[512];
    tmp_path(p, sizeof p, "inf.mat");
    mat_write(p, MAT_FT_MAT5, Mat_VarCreate("w", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, v, 0),
              MAT_COMPRESSION_NONE);
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_mat_read(p, "w", 100, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "inf.mat: w: element (1, 1): expected a finite number, got Inf");
}
END_TEST

/* A level-5 file written byte by byte, as MATLAB writes integer-valued doubles: class double,
 * data stored as miUINT8 ("a", 2×3) and as miINT8 in the 4-byte small-element form ("bb",
 * 1×2). Loop index 0 writes it little-endian, 1 big-endian. matio cannot write this itself. */
static size_t put32(unsigned char *p, uint32_t v, int be)
{
    for (int k = 0; k < 4; k++)
        p[k] = (unsigned char)(v >> (be ? 24 - 8 * k : 8 * k));
    return 4;
}

START_TEST(mat_should_find_narrow_storage_in_either_byte_order)
{
    int be = _i;
    unsigned char b[128 + 64 + 56];
    memset(b, 0, sizeof b);
    memset(b, ' ', 116);
    memcpy(b, "MATLAB 5.0 MAT-file, written by test-readers", 44);
    b[124] = be ? 0x01 : 0x00; /* version 0x0100 */
    b[125] = be ? 0x00 : 0x01;
    b[126] = be ? 'M' : 'I';
    b[127] = be ? 'I' : 'M';
    size_t o = 128;
    /* a: miMATRIX of 56 bytes */
    o += put32(b + o, 14, be), o += put32(b + o, 56, be);
    o += put32(b + o, 6, be), o += put32(b + o, 8, be);      /* array flags, miUINT32 */
    o += put32(b + o, 6, be), o += put32(b + o, 0, be);      /* class double, nzmax */
    o += put32(b + o, 5, be), o += put32(b + o, 8, be);      /* dims, miINT32 */
    o += put32(b + o, 2, be), o += put32(b + o, 3, be);
    o += put32(b + o, 1u << 16 | 1, be);                     /* name, small miINT8 */
    b[o] = 'a', o += 4;
    o += put32(b + o, 2, be), o += put32(b + o, 6, be);      /* real part, miUINT8 */
    for (int k = 0; k < 6; k++)
        b[o + (size_t)k] = (unsigned char)(k + 1);
    o += 8;
    /* bb: miMATRIX of 48 bytes */
    o += put32(b + o, 14, be), o += put32(b + o, 48, be);
    o += put32(b + o, 6, be), o += put32(b + o, 8, be);
    o += put32(b + o, 6, be), o += put32(b + o, 0, be);
    o += put32(b + o, 5, be), o += put32(b + o, 8, be);
    o += put32(b + o, 1, be), o += put32(b + o, 2, be);
    o += put32(b + o, 2u << 16 | 1, be);
    b[o] = 'b', b[o + 1] = 'b', o += 4;
    o += put32(b + o, 2u << 16 | 1, be);                     /* real part, small miINT8 */
    b[o] = 0xFF, b[o + 1] = 0x02, o += 4;
    ck_assert_uint_eq(o, sizeof b);

    char p[512];
    tmp_path(p, sizeof p, "narrow.mat");
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, sizeof b, f), sizeof b);
    fclose(f);

    gcv_npy a;
    gcv_error err = {{0}};
    ASSERT_OK(gcv_mat_read(p, "a", 100, &a, &err), err);
    ck_assert_uint_eq(a.shape[0], 2);
    ck_assert_uint_eq(a.shape[1], 3);
    ck_assert_str_eq(a.dtype, "uint8");
    ck_assert_int_eq(a.is_integer, 1);
    double want_a[6] = {1, 3, 5, 2, 4, 6};
    for (int k = 0; k < 6; k++)
        ck_assert_double_eq(a.data[k], want_a[k]);
    free(a.data);

    ASSERT_OK(gcv_mat_read(p, "bb", 100, &a, &err), err);
    ck_assert_uint_eq(a.shape[0], 1);
    ck_assert_uint_eq(a.shape[1], 2);
    ck_assert_str_eq(a.dtype, "int8");
    ck_assert_int_eq(a.is_integer, 1);
    ck_assert_double_eq(a.data[0], -1);
    ck_assert_double_eq(a.data[1], 2);
    free(a.data);
}
END_TEST

/* Level 7.3 files are HDF5 underneath; matio reads them when it was built with HDF5. */
START_TEST(mat_should_read_v73_files_when_matio_supports_them)
{
    char p[512];
    tmp_path(p, sizeof p, "v73.mat");
    mat_t *m = Mat_CreateVer(p, NULL, MAT_FT_MAT73);
    if (!m)
        return; /* this matio was built without HDF5: nothing to check */
    size_t dims[2] = {3, 2};
    double v[6] = {1, 2, 3, 4, 5, 6};
    matvar_t *var = Mat_VarCreate("B", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, v, 0);
    ck_assert_int_eq(Mat_VarWrite(m, var, MAT_COMPRESSION_NONE), 0);
    Mat_VarFree(var);
    Mat_Close(m);

    gcv_npy a;
    gcv_error err = {{0}};
    stderr_capture_begin();
    gcv_status s1 = gcv_mat_read(p, "B", 100, &a, &err);
    long printed = stderr_capture_end();
    ASSERT_OK(s1, err);
    ck_assert_int_eq(printed, 0);
    ck_assert_str_eq(a.dtype, "float64");
    ck_assert_uint_eq(a.shape[0], 3);
    ck_assert_uint_eq(a.shape[1], 2);
    double want[6] = {1, 4, 2, 5, 3, 6};
    for (int k = 0; k < 6; k++)
        ck_assert_double_eq(a.data[k], want[k]);
    free(a.data);

    stderr_capture_begin();
    gcv_status s2 = gcv_mat_read(p, "missing", 100, &a, &err);
    printed = stderr_capture_end();
    ck_assert_int_eq(s2, GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "variable 'missing' not found; available variables: B");
    ck_assert_int_eq(printed, 0);
}
END_TEST

START_TEST(mat_should_never_print_even_on_errors)
{
    char p[512];
    tmp_path(p, sizeof p, "junk.mat");
    /* a level-5 header followed by a truncated element */
    char junk[140];
    memset(junk, ' ', sizeof junk);
    memcpy(junk, "MATLAB 5.0 MAT-file", 19);
    junk[124] = 0x00;
    junk[125] = 0x01;
    junk[126] = 'I';
    junk[127] = 'M';
    memcpy(junk + 128, "\x0e\x00\x00\x00\xff\xff\x00\x00zzzz", 12);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(junk, 1, sizeof junk, f);
    fclose(f);
    gcv_npy a;
    gcv_error err = {{0}};
    stderr_capture_begin();
    gcv_status s1 = gcv_mat_read(p, "X", 100, &a, &err);
    gcv_status s2 = gcv_mat_read(DATA_MAT, "nope", 100, &a, &err);
    gcv_status s3 = gcv_mat_read(TRAIN_H5, "X", 100, &a, &err);
    long printed = stderr_capture_end();
    ck_assert_int_ne(s1, GCV_OK);
    ck_assert_int_eq(s2, GCV_ERR_INVALID);
    ck_assert_int_ne(s3, GCV_OK);
    ck_assert_int_eq(printed, 0);
}
END_TEST

#else /* !GCV_HAVE_MATIO */

START_TEST(mat_should_explain_how_to_enable_it_when_not_built_in)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_mat_read(DATA_MAT, "X", BIG, &a, &err), GCV_ERR_INVALID);
    assert_zeroed(&a);
    ASSERT_MSG_HAS(err, "data.mat: reading MATLAB .mat files needs gcverify built with "
                        "libmatio: install libmatio-dev and reconfigure (meson setup "
                        "--reconfigure build -Dmatio=enabled)");
}
END_TEST

#endif

/* ======================================================================================== */
/* CSV                                                                                       */
/* ======================================================================================== */

static gcv_status csv_read_text(const char *text, char delim, int header, gcv_csv *c,
                                gcv_error *err)
{
    char p[512];
    gcv_csv_options o = {.delimiter = delim, .header = header};
    return gcv_csv_read(csv_file(p, sizeof p, text), &o, BIG, c, err);
}

START_TEST(csv_should_read_numbers_without_a_header)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ASSERT_OK(csv_read_text("1,2.5,-3\n4e-3, +5 ,6.\n", ',', -1, &c, &err), err);
    ck_assert_uint_eq(c.rows, 2);
    ck_assert_uint_eq(c.cols, 3);
    ck_assert_ptr_null(c.names);
    double want[6] = {1, 2.5, -3, 4e-3, 5, 6};
    for (int k = 0; k < 6; k++)
        ck_assert_double_eq(c.data[k], want[k]);
    gcv_csv_free(&c);
    ck_assert_ptr_null(c.data);
    gcv_csv_free(&c); /* twice is harmless */
}
END_TEST

START_TEST(csv_should_detect_a_header_row)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ASSERT_OK(csv_read_text("x1,x2,label\n0.5,1,0\n-0.25,2,1\n", 0, -1, &c, &err), err);
    ck_assert_uint_eq(c.rows, 2);
    ck_assert_uint_eq(c.cols, 3);
    ck_assert_ptr_nonnull(c.names);
    ck_assert_str_eq(c.names[0], "x1");
    ck_assert_str_eq(c.names[1], "x2");
    ck_assert_str_eq(c.names[2], "label");
    ck_assert_double_eq(c.data[3], -0.25);
    gcv_csv_free(&c);
}
END_TEST

START_TEST(csv_should_take_a_numeric_first_row_as_header_when_told)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ASSERT_OK(csv_read_text("1,2\n3,4\n", ',', 1, &c, &err), err);
    ck_assert_uint_eq(c.rows, 1);
    ck_assert_str_eq(c.names[0], "1");
    ck_assert_str_eq(c.names[1], "2");
    ck_assert_double_eq(c.data[1], 4);
    gcv_csv_free(&c);
}
END_TEST

START_TEST(csv_should_refuse_a_text_first_row_when_header_is_off)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ck_assert_int_eq(csv_read_text("a,b\n1,2\n", ',', 0, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "t.csv: line 1, column 1: expected a number, got 'a'");
    ck_assert_ptr_null(c.data);
}
END_TEST

START_TEST(csv_should_accept_semicolon_and_tab_delimiters)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ASSERT_OK(csv_read_text("a;b\n1.5;2\n", ';', -1, &c, &err), err);
    ck_assert_uint_eq(c.cols, 2);
    ck_assert_double_eq(c.data[0], 1.5);
    gcv_csv_free(&c);
    ASSERT_OK(csv_read_text("a\tb c\n1.5\t 2\n", '\t', -1, &c, &err), err);
    ck_assert_uint_eq(c.cols, 2);
    ck_assert_str_eq(c.names[1], "b c");
    ck_assert_double_eq(c.data[1], 2);
    gcv_csv_free(&c);
}
END_TEST

START_TEST(csv_should_accept_crlf_bom_and_empty_lines_at_the_end)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ASSERT_OK(csv_read_text("\xEF\xBB\xBFx,y\r\n1,2\r\n3,4\r\n\r\n  \n\n", ',', -1, &c, &err),
              err);
    ck_assert_uint_eq(c.rows, 2);
    ck_assert_uint_eq(c.cols, 2);
    ck_assert_str_eq(c.names[0], "x");
    ck_assert_double_eq(c.data[3], 4);
    gcv_csv_free(&c);
    /* and a last line without a newline */
    ASSERT_OK(csv_read_text("1,2\n3,4", ',', -1, &c, &err), err);
    ck_assert_uint_eq(c.rows, 2);
    gcv_csv_free(&c);
}
END_TEST

START_TEST(csv_should_accept_quoted_header_names)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ASSERT_OK(csv_read_text("\"width, cm\",\"say \"\"hi\"\"\", \"z\" \n1,2,\"3\"\n", ',', -1, &c,
                            &err), err);
    ck_assert_uint_eq(c.cols, 3);
    ck_assert_str_eq(c.names[0], "width, cm");
    ck_assert_str_eq(c.names[1], "say \"hi\"");
    ck_assert_str_eq(c.names[2], "z");
    ck_assert_double_eq(c.data[2], 3);
    gcv_csv_free(&c);

    ck_assert_int_eq(csv_read_text("\"open,b\n1,2\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "line 1, column 1: expected a closing quote, got the end of the line");
    ck_assert_int_eq(csv_read_text("\"a\"b,c\n1,2\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "line 1, column 1: expected a delimiter after the closing quote, got "
                        "'b,c'");
}
END_TEST

START_TEST(csv_should_report_a_ragged_row_with_line_and_counts)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ck_assert_int_eq(csv_read_text("a,b,c\n1,2,3\n4,5\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ck_assert_ptr_null(c.data);
    ASSERT_MSG_HAS(err, "t.csv: line 3: expected 3 fields (as on line 1), got 2");
    ck_assert_int_eq(csv_read_text("1,2\n3,4,\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "line 2: expected 2 fields (as on line 1), got 3");
}
END_TEST

START_TEST(csv_should_report_a_text_field_with_line_column_and_text)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ck_assert_int_eq(csv_read_text("x,y\n1,2\n3,abc\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "t.csv: line 3, column 2 (y): expected a number, got 'abc'");
    ck_assert_int_eq(csv_read_text("1,2\n3,\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "line 2, column 2: expected a number, got an empty field");
    ck_assert_int_eq(csv_read_text("1;2\n3;4,5\n", ';', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "line 2, column 2: expected a number, got '4,5' (the decimal "
                        "separator is '.')");
    ck_assert_int_eq(csv_read_text("1,2\n1,0x1A\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "line 2, column 2: expected a number, got '0x1A'");
    ck_assert_int_eq(csv_read_text("1,2\n1.2.3,4\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "line 2, column 1: expected a number, got '1.2.3'");
    /* a control byte is shown escaped, so the message stays on one line (a CR is a line end) */
    ck_assert_int_eq(csv_read_text("1,2\n3,4\x01" "5\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "got '4\\x015'");
}
END_TEST

START_TEST(csv_should_refuse_nan_and_inf)
{
    static const char *const bad[] = {"nan", "NaN", "inf", "-Infinity", "1e999"};
    const char *text = bad[_i];
    char csv[64];
    snprintf(csv, sizeof csv, "a,b\n1,2\n3,%s\n", text);
    gcv_csv c;
    gcv_error err = {{0}};
    ck_assert_int_eq(csv_read_text(csv, ',', -1, &c, &err), GCV_ERR_INVALID);
    char want[96];
    snprintf(want, sizeof want, "line 3, column 2 (b): expected a finite number, got '%s'",
             text);
    ASSERT_MSG_HAS(err, want);
    /* a NaN in the first row does not turn it into a header */
    snprintf(csv, sizeof csv, "1,%s\n", text);
    ck_assert_int_eq(csv_read_text(csv, ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "line 1, column 2: expected a finite number");
}
END_TEST

START_TEST(csv_should_refuse_empty_lines_before_the_end)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ck_assert_int_eq(csv_read_text("1,2\n\n3,4\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "t.csv: line 2: expected a row of values, got an empty line");
    ck_assert_int_eq(csv_read_text("\n1,2\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "line 1: expected a row of values, got an empty line");
}
END_TEST

START_TEST(csv_should_refuse_a_file_without_data_rows)
{
    gcv_csv c;
    gcv_error err = {{0}};
    ck_assert_int_eq(csv_read_text("", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "expected at least one data row, got an empty file");
    ck_assert_int_eq(csv_read_text("x,y\n\n", ',', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "expected at least one data row, got only a header");
}
END_TEST

START_TEST(csv_should_refuse_more_than_max_count)
{
    char p[512];
    gcv_csv c;
    gcv_error err = {{0}};
    csv_file(p, sizeof p, "1,2\n3,4\n5,6\n");
    ck_assert_int_eq(gcv_csv_read(p, NULL, 4, &c, &err), GCV_ERR_NOMEM);
    ASSERT_MSG_HAS(err, "t.csv: line 3: expected at most 4 values, got more");
    ASSERT_OK(gcv_csv_read(p, NULL, 6, &c, &err), err);
    gcv_csv_free(&c);
}
END_TEST

START_TEST(csv_should_refuse_a_missing_file_and_bad_options)
{
    char p[512];
    gcv_csv c;
    gcv_error err = {{0}};
    tmp_path(p, sizeof p, "absent.csv");
    ck_assert_int_eq(gcv_csv_read(p, NULL, BIG, &c, &err), GCV_ERR_IO);
    ASSERT_MSG_HAS(err, "absent.csv: cannot open: No such file or directory");
    ck_assert_int_eq(csv_read_text("1\n", '|', -1, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "expected the delimiter ',', ';' or a tab, got '|'");
    ck_assert_int_eq(csv_read_text("1\n", ',', 2, &c, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "expected header -1 (auto), 0 or 1, got 2");
}
END_TEST

/* Numbers are read in the C locale even when the program switched to a comma-decimal one.
 * Only meaningful where such a locale is installed; elsewhere it checks the C locale. */
START_TEST(csv_should_parse_numbers_in_the_c_locale_whatever_the_process_locale)
{
    static const char *const comma_locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                                "fr_FR.utf8", "nl_NL.UTF-8"};
    char *saved = NULL;
    const char *cur = setlocale(LC_NUMERIC, NULL);
    if (cur)
        saved = strdup(cur);
    for (size_t k = 0; k < sizeof comma_locales / sizeof *comma_locales; k++)
        if (setlocale(LC_NUMERIC, comma_locales[k]))
            break;
    gcv_csv c;
    gcv_error err = {{0}};
    gcv_status st = csv_read_text("0.5;1.25\n", ';', -1, &c, &err);
    setlocale(LC_NUMERIC, saved ? saved : "C");
    free(saved);
    ASSERT_OK(st, err);
    ck_assert_double_eq(c.data[0], 0.5);
    ck_assert_double_eq(c.data[1], 1.25);
    gcv_csv_free(&c);
}
END_TEST

/* ======================================================================================== */

static Suite *readers_suite(void)
{
    Suite *s = suite_create("readers");
    TCase *h = tcase_create("hdf5");
    tcase_set_timeout(h, 60);
#ifdef GCV_HAVE_HDF5
    tcase_add_test(h, hdf5_should_read_catvnoncat_shape_and_first_pixel);
    tcase_add_test(h, hdf5_should_read_catvnoncat_test_images);
    tcase_add_test(h, hdf5_should_read_catvnoncat_labels_as_int64);
    tcase_add_test(h, hdf5_should_refuse_a_string_dataset_naming_its_class);
    tcase_add_test(h, hdf5_should_list_available_datasets_when_the_name_is_missing);
    tcase_add_test(h, hdf5_should_refuse_a_missing_file_as_io_error);
    tcase_add_test(h, hdf5_should_refuse_a_file_that_is_not_hdf5);
    tcase_add_test(h, hdf5_should_refuse_more_than_max_count_before_allocating);
    tcase_add_loop_test(h, hdf5_should_convert_every_numeric_type_to_double, 0, T_COUNT);
    tcase_add_test(h, hdf5_should_convert_big_endian_data);
    tcase_add_test(h, hdf5_should_read_any_rank_in_c_order_and_inside_groups);
    tcase_add_test(h, hdf5_should_explain_a_name_that_exists_but_cannot_be_opened);
    tcase_add_test(h, hdf5_should_refuse_a_compound_dataset_naming_its_class);
    tcase_add_test(h, hdf5_should_refuse_nan_naming_the_element);
    tcase_add_test(h, hdf5_should_refuse_empty_and_too_many_dimensions);
    tcase_add_test(h, hdf5_should_never_print_even_on_errors);
#else
    tcase_add_test(h, hdf5_should_explain_how_to_enable_it_when_not_built_in);
#endif
    suite_add_tcase(s, h);

    TCase *m = tcase_create("mat");
    tcase_set_timeout(m, 60);
#ifdef GCV_HAVE_MATIO
    tcase_add_test(m, mat_should_read_moons_X_in_c_order);
    tcase_add_test(m, mat_should_report_the_uint8_storage_of_the_labels);
    tcase_add_test(m, mat_should_list_available_variables_when_the_name_is_missing);
    tcase_add_test(m, mat_should_refuse_a_missing_file_and_a_file_that_is_not_mat);
    tcase_add_test(m, mat_should_refuse_more_than_max_count_before_reading);
    tcase_add_loop_test(m, mat_should_read_generated_classes_compressed_or_not, 0, 8);
    tcase_add_test(m, mat_should_reorder_rank_3_arrays_to_c_order);
    tcase_add_test(m, mat_should_read_logical_arrays_as_bool);
    tcase_add_test(m, mat_should_refuse_char_struct_and_complex_naming_them);
    tcase_add_test(m, mat_should_refuse_nan_naming_the_element);
    tcase_add_loop_test(m, mat_should_find_narrow_storage_in_either_byte_order, 0, 2);
    tcase_add_test(m, mat_should_read_v73_files_when_matio_supports_them);
    tcase_add_test(m, mat_should_never_print_even_on_errors);
#else
    tcase_add_test(m, mat_should_explain_how_to_enable_it_when_not_built_in);
#endif
    suite_add_tcase(s, m);

    TCase *c = tcase_create("csv");
    tcase_add_test(c, csv_should_read_numbers_without_a_header);
    tcase_add_test(c, csv_should_detect_a_header_row);
    tcase_add_test(c, csv_should_take_a_numeric_first_row_as_header_when_told);
    tcase_add_test(c, csv_should_refuse_a_text_first_row_when_header_is_off);
    tcase_add_test(c, csv_should_accept_semicolon_and_tab_delimiters);
    tcase_add_test(c, csv_should_accept_crlf_bom_and_empty_lines_at_the_end);
    tcase_add_test(c, csv_should_accept_quoted_header_names);
    tcase_add_test(c, csv_should_report_a_ragged_row_with_line_and_counts);
    tcase_add_test(c, csv_should_report_a_text_field_with_line_column_and_text);
    tcase_add_loop_test(c, csv_should_refuse_nan_and_inf, 0, 5);
    tcase_add_test(c, csv_should_refuse_empty_lines_before_the_end);
    tcase_add_test(c, csv_should_refuse_a_file_without_data_rows);
    tcase_add_test(c, csv_should_refuse_more_than_max_count);
    tcase_add_test(c, csv_should_refuse_a_missing_file_and_bad_options);
    tcase_add_test(c, csv_should_parse_numbers_in_the_c_locale_whatever_the_process_locale);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/gcv-readers-XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(readers_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_tmp_dir();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

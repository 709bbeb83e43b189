/* The child-process reader (src/data/sandbox.c) with readers written here to behave as a
 * foreign library on a hostile file might: one killed mid-read, one that exits, one that
 * reports more than it was allowed or a shape that does not match its count, one that asks
 * for more memory than the read may take; and the ordinary cases, whose result and message
 * must come through unchanged. Plus the HDF5 input fuzzing found on which H5Dread succeeded
 * without writing the array. */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/hdf5.h"
#include "data/sandbox.h"
#include "util/strutil.h"

#define ASSERT_MSG_HAS(err, text) \
    ck_assert_msg(strstr((err).msg, (text)) != NULL, "message \"%s\" lacks \"%s\"", (err).msg, \
                  (text))

static gcv_status fill_2x3(const char *path, const char *name, size_t max_count, gcv_npy *out,
                           gcv_error *err)
{
    (void)path;
    (void)name;
    (void)err;
    (void)max_count;
    out->ndim = 2;
    out->shape[0] = 2;
    out->shape[1] = 3;
    out->count = 6;
    snprintf(out->dtype, sizeof out->dtype, "int16");
    out->is_integer = 1;
    out->data = malloc(6 * sizeof *out->data);
    for (int k = 0; k < 6; k++)
        out->data[k] = k - 2;
    return GCV_OK;
}

static gcv_status refuse_big(const char *path, const char *name, size_t max_count, gcv_npy *out,
                             gcv_error *err)
{
    out->ndim = 1;
    out->shape[0] = 5000;
    out->count = 5000;
    gcv_error_set(err, "%s: %s: expected at most %zu elements, got 5000", path, name, max_count);
    return GCV_ERR_NOMEM;
}

static gcv_status killed(const char *path, const char *name, size_t max_count, gcv_npy *out,
                         gcv_error *err)
{
    (void)path, (void)name, (void)max_count, (void)out, (void)err;
    raise(SIGKILL);
    return GCV_OK;
}

static gcv_status exits(const char *path, const char *name, size_t max_count, gcv_npy *out,
                        gcv_error *err)
{
    (void)path, (void)name, (void)max_count, (void)out, (void)err;
    _exit(7);
}

/* Claims 6 values while max_count is smaller: the parent must not believe it. */
static gcv_status too_many(const char *path, const char *name, size_t max_count, gcv_npy *out,
                           gcv_error *err)
{
    return fill_2x3(path, name, max_count, out, err);
}

static gcv_status torn_shape(const char *path, const char *name, size_t max_count, gcv_npy *out,
                             gcv_error *err)
{
    gcv_status st = fill_2x3(path, name, max_count, out, err);
    out->shape[1] = 4; /* 2 × 4 ≠ 6 */
    return st;
}

/* Asks for 8 GiB, as a damaged metadata entry can make libhdf5 do; within the sandbox's
 * address-space limit (the read may take max_count values) malloc must say no. */
static gcv_status greedy(const char *path, const char *name, size_t max_count, gcv_npy *out,
                         gcv_error *err)
{
    (void)max_count;
    void *p = malloc((size_t)8 << 30);
    if (!p) {
        gcv_error_set(err, "%s: %s: out of memory", path, name);
        return GCV_ERR_NOMEM;
    }
    free(p);
    return fill_2x3(path, name, max_count, out, err);
}

START_TEST(sandbox_should_pass_an_array_through)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_sandbox_read(fill_2x3, "the test library", "f.h5", "x", 100, &a, &err),
                     GCV_OK);
    ck_assert_uint_eq(a.ndim, 2);
    ck_assert_uint_eq(a.shape[0], 2);
    ck_assert_uint_eq(a.shape[1], 3);
    ck_assert_uint_eq(a.count, 6);
    ck_assert_str_eq(a.dtype, "int16");
    ck_assert_int_eq(a.is_integer, 1);
    for (int k = 0; k < 6; k++)
        ck_assert(a.data[k] == k - 2);
    free(a.data);
}
END_TEST

START_TEST(sandbox_should_pass_a_refusal_through_with_its_shape)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_sandbox_read(refuse_big, "the test library", "f.h5", "x", 100, &a,
                                      &err),
                     GCV_ERR_NOMEM);
    ck_assert_str_eq(err.msg, "f.h5: x: expected at most 100 elements, got 5000");
    ck_assert_ptr_null(a.data);
    ck_assert_uint_eq(a.ndim, 1);
    ck_assert_uint_eq(a.count, 5000);
}
END_TEST

START_TEST(sandbox_should_turn_a_killed_reader_into_an_error)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_sandbox_read(killed, "the test library", "f.h5", "x", 100, &a, &err),
                     GCV_ERR_INVALID);
    ck_assert_str_eq(err.msg, "f.h5: x: expected a file the test library can read, got one "
                              "that made it crash (signal 9, Killed): the file is damaged or "
                              "not what it claims to be");
    ck_assert_ptr_null(a.data);
    ck_assert_uint_eq(a.count, 0);
}
END_TEST

START_TEST(sandbox_should_turn_an_exiting_reader_into_an_error)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_sandbox_read(exits, "the test library", "f.h5", "x", 100, &a, &err),
                     GCV_ERR_INVALID);
    ck_assert_str_eq(err.msg, "f.h5: x: expected a file the test library can read, got one it "
                              "failed on (its reading process ended with status 7 before it "
                              "reported)");
    ck_assert_ptr_null(a.data);
}
END_TEST

START_TEST(sandbox_should_not_believe_a_reader_beyond_max_count)
{
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_sandbox_read(too_many, "the test library", "f.h5", "x", 5, &a, &err),
                     GCV_ERR_INVALID);
    ck_assert_str_eq(err.msg,
                     "f.h5: x: expected the test library to report a read, got more values "
                     "than allowed");
    ck_assert_ptr_null(a.data);
    ck_assert_int_eq(gcv_sandbox_read(torn_shape, "the test library", "f.h5", "x", 100, &a,
                                      &err),
                     GCV_ERR_INVALID);
    ck_assert_str_eq(err.msg,
                     "f.h5: x: expected the test library to report a read, got a shape that "
                     "does not match its count");
}
END_TEST

START_TEST(sandbox_should_bound_the_readers_memory)
{
    if (!gcv_sandbox_limits_memory())
        return; /* sanitizer runtimes need an unlimited address space: no limit there */
    gcv_npy a;
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_sandbox_read(greedy, "the test library", "f.h5", "x", 1000, &a, &err),
                     GCV_ERR_NOMEM);
    ck_assert_str_eq(err.msg, "f.h5: x: out of memory");
}
END_TEST

#ifdef GCV_HAVE_HDF5
/* tests/fuzz/regressions/h5/unwritten-int16-elements.h5: libhdf5 1.10 returned success from
 * H5Dread and left the first two elements of x as whatever malloc gave. */
START_TEST(hdf5_should_refuse_elements_it_did_not_write)
{
    gcv_npy a;
    gcv_error err = {{0}};
    const char *p = GCV_FUZZ_REGRESSIONS "/h5/unwritten-int16-elements.h5";
    ck_assert_int_eq(gcv_hdf5_read(p, "x", 1000, &a, &err), GCV_ERR_INVALID);
    ASSERT_MSG_HAS(err, "unwritten-int16-elements.h5: x: element (0, 0): expected an integer, "
                        "got none: HDF5 read the dataset without writing it (damaged file?)");
    ck_assert_ptr_null(a.data);
}
END_TEST
#endif

static Suite *sandbox_suite(void)
{
    Suite *s = suite_create("sandbox");
    TCase *t = tcase_create("child");
    tcase_add_test(t, sandbox_should_pass_an_array_through);
    tcase_add_test(t, sandbox_should_pass_a_refusal_through_with_its_shape);
    tcase_add_test(t, sandbox_should_turn_a_killed_reader_into_an_error);
    tcase_add_test(t, sandbox_should_turn_an_exiting_reader_into_an_error);
    tcase_add_test(t, sandbox_should_not_believe_a_reader_beyond_max_count);
    tcase_add_test(t, sandbox_should_bound_the_readers_memory);
#ifdef GCV_HAVE_HDF5
    tcase_add_test(t, hdf5_should_refuse_elements_it_did_not_write);
#endif
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sandbox_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

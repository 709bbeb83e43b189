/* The config loader: one test per class of bad input of issue 2 (missing file, malformed
 * JSON, wrong types, unknown and duplicate keys, inconsistent shapes, labels out of range,
 * NaN/Inf, absurd sizes), each asserting the status and the exact one-line message; then
 * the good paths (defaults, synthetic data, label conversion, layouts, subsets, paths); then
 * the file sources of issue 8: csv, hdf5 and mat (on the real data/ files and on small files
 * written here), layouts, scale, integer labels and their notes, and their error cases. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "data/npy.h"
#include "gcverify/gcverify.h"
#include "util/rng.h"

#define ELL "\xE2\x80\xA6" /* "…" */
#define GIB ((size_t)1 << 30)

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

static void tmp_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tmp_dir, name);
}

static void make_dir(const char *name)
{
    char path[256];
    tmp_path(path, sizeof path, name);
    ck_assert_int_eq(mkdir(path, 0700), 0);
}

/* Writes text to tmp_dir/name; the full path into path. */
static void write_text(const char *name, const char *text, char *path, size_t n)
{
    tmp_path(path, n, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
}

/* A float64 .npy at tmp_dir/name. */
static void write_array(const char *name, const size_t *shape, size_t ndim, const double *data)
{
    char path[256];
    gcv_error err;
    tmp_path(path, sizeof path, name);
    gcv_status st = gcv_npy_write(path, shape, ndim, data, &err);
    ck_assert_msg(st == GCV_OK, "%s", err.msg);
}

/* Loads the config text written as name, expecting success. */
static gcv_config *load_ok(const char *name, const char *text)
{
    char path[256];
    gcv_config *c = NULL;
    gcv_error err = {{0}};
    write_text(name, text, path, sizeof path);
    gcv_status st = gcv_config_load(path, 0, &c, &err);
    ck_assert_msg(st == GCV_OK, "%s: %s", name, err.msg);
    ck_assert_ptr_nonnull(c);
    return c;
}

/* Loads the config text written as name with the memory limit max_memory, expecting status
 * st and the message "<path>: <tail>" on one line. */
static void expect_error_mem(const char *name, const char *text, size_t max_memory,
                             gcv_status st, const char *tail)
{
    char path[256], want[GCV_ERROR_LEN + 512];
    gcv_config *c = (gcv_config *)&c; /* must be reset to NULL on failure */
    gcv_error err = {{0}};
    write_text(name, text, path, sizeof path);
    snprintf(want, sizeof want, "%s: %s", path, tail);
    gcv_status got = gcv_config_load(path, max_memory, &c, &err);
    ck_assert_msg(got == st, "%s: status %d, want %d (%s)", name, (int)got, (int)st, err.msg);
    ck_assert_ptr_null(c);
    ck_assert_str_eq(err.msg, want);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
}

static void expect_error(const char *name, const char *text, const char *tail)
{
    expect_error_mem(name, text, 0, GCV_ERR_INVALID, tail);
}

/* ---------------------------------------------------------------------------------------
 * Bad input, one test per class */

START_TEST(missing_file_should_name_the_file_and_the_reason)
{
    char path[256], want[512];
    gcv_config *c = NULL;
    gcv_error err;
    tmp_path(path, sizeof path, "nope.json");
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    ck_assert_int_eq(gcv_config_load(path, 0, &c, &err), GCV_ERR_IO);
    ck_assert_ptr_null(c);
    ck_assert_str_eq(err.msg, want);
    /* a folder is no config either */
    snprintf(want, sizeof want, "%s: expected a regular file, got a directory", tmp_dir);
    ck_assert_int_eq(gcv_config_load(tmp_dir, 0, &c, &err), GCV_ERR_IO);
    ck_assert_str_eq(err.msg, want);
    /* NULL err is allowed: the status alone */
    ck_assert_int_eq(gcv_config_load(path, 0, &c, NULL), GCV_ERR_IO);
}
END_TEST

START_TEST(malformed_json_should_give_line_and_column)
{
    expect_error("syntax-value.json",
                 "{\"model\": {\"layers\": [4, 1]},\n \"check\": {\"epsilon\": }}",
                 "line 2, column 23: expected a value, got '}}'");
    expect_error("syntax-comma.json", "{\"model\": {\"layers\": [4, 1],}}",
                 "line 1, column 29: expected a key in double quotes, got '}}' (JSON allows no "
                 "comma before a closing bracket)");
    expect_error("syntax-open.json", "{\"model\": {\"layers\": [4, 1]",
                 "line 1, column 28: expected ',' or '}', got the end of the file (an unclosed "
                 "bracket, brace or string?)");
    expect_error("syntax-comment.json", "{\n  // the net\n  \"model\": {\"layers\": [4, 1]}\n}",
                 "line 2, column 3: expected a key in double quotes, got '// the net' (JSON has "
                 "no comments)");
    /* columns count characters, not bytes: "é" is one column */
    expect_error("syntax-utf8.json", "{\"name\": \"caf\xC3\xA9\" \"model\": {}}",
                 "line 1, column 17: expected ',' or '}', got '\"model\": {}}'");
    expect_error("syntax-empty.json", "  \n",
                 "line 2, column 1: expected a JSON object, got an empty file");
}
END_TEST

START_TEST(wrong_type_should_name_the_path_the_expected_and_the_found)
{
    expect_error("type-layers.json", "{\"model\": {\"layers\": \"4,1\"}}",
                 "model.layers: expected an array of at least 2 positive integers (input, " ELL
                 ", output sizes), got \"4,1\"");
    expect_error("type-threshold.json",
                 "{\"model\": {\"layers\": [4, 1]}, \"check\": {\"threshold\": \"small\"}}",
                 "check.threshold: expected a positive number, got \"small\"");
    expect_error("type-examples.json",
                 "{\"model\": {\"layers\": [4, 1]}, \"data\": {\"examples\": 2.5}}",
                 "data.examples: expected a positive integer, got 2.5");
    expect_error("type-negative.json", "{\"model\": {\"layers\": [4, 5, -3, 1]}}",
                 "model.layers[2]: expected a positive integer, got -3");
    expect_error("type-model.json", "{\"model\": [4, 1]}",
                 "model: expected an object, got [4,1]");
    expect_error("type-top.json", "[1, 2]",
                 "expected a JSON object at the top level, got [1,2]");
    expect_error("type-big.json", "{\"model\": {\"layers\": [4294967296, 1]}}",
                 "model.layers[0]: expected a positive integer no larger than 2147483648, got "
                 "4294967296");
    expect_error("type-inf.json", "{\"model\": {\"layers\": [4, 1], \"l2\": 1e999}}",
                 "model.l2: expected a non-negative number, got a number beyond the range of a "
                 "double (> 1.8e308)");
    /* a found value is cut, not copied whole */
    expect_error("type-long.json",
                 "{\"model\": {\"layers\": [4, 1], \"loss\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, "
                 "12, 13, 14, 15, 16, 17, 18, 19, 20]}}",
                 "model.loss: expected one of binary_cross_entropy, softmax_cross_entropy, mse, "
                 "got [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16," ELL);
}
END_TEST

START_TEST(unknown_key_should_suggest_nearest)
{
    expect_error("typo-hidden.json",
                 "{\"model\": {\"layers\": [4, 1], \"hiden_activation\": \"relu\"}}",
                 "model.hiden_activation: unknown key; did you mean \"hidden_activation\"?");
    expect_error("typo-model.json", "{\"modle\": {\"layers\": [4, 1]}}",
                 "modle: unknown key; did you mean \"model\"?");
    expect_error("typo-far.json", "{\"model\": {\"layers\": [4, 1]}, \"xyzzy\": 1}",
                 "xyzzy: unknown key; expected one of name, model, data, check, report, expect, "
                 "gradients");
    /* names inside values get the same help */
    expect_error("typo-act.json",
                 "{\"model\": {\"layers\": [4, 3, 1], \"hidden_activation\": \"tahn\"}}",
                 "model.hidden_activation: expected one of relu, leaky_relu, tanh, sigmoid, "
                 "linear, got \"tahn\"; did you mean \"tanh\"?");
    /* a key no path can print plainly is quoted */
    expect_error("typo-odd.json", "{\"model\": {\"layers\": [4, 1]}, \"a b\": 1}",
                 "[\"a b\"]: unknown key; expected one of name, model, data, check, report, "
                 "expect, gradients");
}
END_TEST

/* "expect": "pass" (the default) or "fail"; anything else is refused with its path. */
START_TEST(expect_should_be_pass_or_fail)
{
    gcv_config *c = load_ok("expect-none.json", "{\"model\": {\"layers\": [3, 1]}}");
    ck_assert_int_eq(c->expect_fail, 0);
    gcv_config_free(c);
    c = load_ok("expect-fail.json", "{\"expect\": \"fail\", \"model\": {\"layers\": [3, 1]}}");
    ck_assert_int_eq(c->expect_fail, 1);
    gcv_config_free(c);
    c = load_ok("expect-pass.json", "{\"model\": {\"layers\": [3, 1]}, \"expect\": \"pass\"}");
    ck_assert_int_eq(c->expect_fail, 0);
    gcv_config_free(c);
    expect_error("expect-typo.json", "{\"model\": {\"layers\": [3, 1]}, \"expect\": \"fial\"}",
                 "expect: expected one of pass, fail, got \"fial\"; did you mean \"fail\"?");
    expect_error("expect-case.json", "{\"model\": {\"layers\": [3, 1]}, \"expect\": \"xfail\"}",
                 "expect: expected one of pass, fail, got \"xfail\"; did you mean \"fail\"?");
    expect_error("expect-bool.json", "{\"model\": {\"layers\": [3, 1]}, \"expect\": false}",
                 "expect: expected one of pass, fail, got false");
    expect_error("expect-key.json", "{\"model\": {\"layers\": [3, 1]}, \"expected\": \"fail\"}",
                 "expected: unknown key; did you mean \"expect\"?");
}
END_TEST

START_TEST(duplicate_key_should_be_refused)
{
    expect_error("dup-check.json",
                 "{\"model\": {\"layers\": [4, 1]}, \"check\": {\"epsilon\": 1e-6, "
                 "\"epsilon\": 1e-7}}",
                 "check.epsilon: expected each key once, got \"epsilon\" a second time");
    expect_error("dup-top.json", "{\"model\": {\"layers\": [4, 1]}, \"model\": {}}",
                 "model: expected each key once, got \"model\" a second time");
    expect_error("dup-values.json",
                 "{\"model\": {\"layers\": [1, 1], \"params\": {\"values\": {\"W1\": [[1]], "
                 "\"b1\": [[0]], \"W1\": [[2]]}}}}",
                 "model.params.values.W1: expected each key once, got \"W1\" a second time");
}
END_TEST

START_TEST(values_with_a_wrong_shape_should_give_both_shapes)
{
    expect_error("shape-values.json",
                 "{\"model\": {\"layers\": [2, 3, 1], \"params\": {\"values\": {"
                 "\"W1\": [[1, 2, 3], [4, 5, 6]], \"b1\": [0, 0, 0],"
                 "\"W2\": [[1, 2, 3]], \"b2\": [0]}}}}",
                 "model.params.values.W1: expected shape (3, 2), got (2, 3): it is transposed; "
                 "for weights laid out (n_{l-1}, n_l) set \"weights\": \"in_out\" in "
                 "model.params");
    expect_error("shape-bias.json",
                 "{\"model\": {\"layers\": [2, 3, 1], \"params\": {\"values\": {"
                 "\"W1\": [[1, 2], [3, 4], [5, 6]], \"b1\": [[0, 0, 0]],"
                 "\"W2\": [[1, 2, 3]], \"b2\": [0]}}}}",
                 "model.params.values.b1: expected shape (3, 1) or (3,), got (1, 3)");
    expect_error("shape-ragged.json",
                 "{\"model\": {\"layers\": [2, 3, 1], \"params\": {\"values\": {"
                 "\"W1\": [[1, 2], [3], [5, 6]], \"b1\": [0, 0, 0],"
                 "\"W2\": [[1, 2, 3]], \"b2\": [0]}}}}",
                 "model.params.values.W1[1]: expected a row of 2 numbers like the first, got [3]");
    expect_error("shape-missing.json",
                 "{\"model\": {\"layers\": [2, 3, 1], \"params\": {\"values\": {"
                 "\"W1\": [[1, 2], [3, 4], [5, 6]], \"b1\": [0, 0, 0], \"W2\": [[1, 2, 3]]}}}}",
                 "model.params.values: expected every block (W1" ELL "W2 and b1" ELL "b2), got "
                 "no \"b2\"");
}
END_TEST

/* "weights": "in_out": W laid out (n_{l-1}, n_l), as code computing X·W keeps it, is taken
 * transposed, from inline values and from npy_dir alike. */
START_TEST(weights_in_out_should_transpose_w)
{
    const double w1t[6] = {1, 2, 3, 4, 5, 6}, b1[3] = {0}, w2[3] = {1, 1, 1}, b2[1] = {0};
    const size_t s_w1t[2] = {2, 3}, s_b1[2] = {3, 1}, s_w2[2] = {1, 3}, s_b2[1] = {1};
    make_dir("inout");
    write_array("inout/W1.npy", s_w1t, 2, w1t);
    write_array("inout/b1.npy", s_b1, 2, b1);
    write_array("inout/W2.npy", s_w2, 2, w2);
    write_array("inout/b2.npy", s_b2, 1, b2);
    gcv_config *a = load_ok("inout-npy.json", "{\"model\": {\"layers\": [2, 3, 1], \"params\": "
                                              "{\"npy_dir\": \"inout\", \"weights\": \"in_out\"}}}");
    gcv_config *b = load_ok("inout-values.json",
                            "{\"model\": {\"layers\": [2, 3, 1], \"params\": {\"weights\": "
                            "\"in_out\", \"values\": {\"W1\": [[1, 2, 3], [4, 5, 6]], \"b1\": "
                            "[0, 0, 0], \"W2\": [[1, 1, 1]], \"b2\": [0]}}}}");
    const double want[6] = {1, 4, 2, 5, 3, 6}; /* W1 (3, 2) in C order */
    for (size_t i = 0; i < 6; i++) {
        ck_assert_msg(a->theta[i] == want[i], "npy θ[%zu] = %g", i, a->theta[i]);
        ck_assert_msg(b->theta[i] == want[i], "values θ[%zu] = %g", i, b->theta[i]);
    }
    gcv_config_free(a);
    gcv_config_free(b);
    /* the layout the key names is then the one required, and the other is "transposed" */
    expect_error("inout-wrong.json",
                 "{\"model\": {\"layers\": [2, 3, 1], \"params\": {\"weights\": \"in_out\", "
                 "\"values\": {\"W1\": [[1, 2], [3, 4], [5, 6]], \"b1\": [0, 0, 0], "
                 "\"W2\": [[1, 2, 3]], \"b2\": [0]}}}}",
                 "model.params.values.W1: expected shape (2, 3), got (3, 2): it is transposed; "
                 "for weights laid out (n_l, n_{l-1}) set \"weights\": \"out_in\" in "
                 "model.params");
}
END_TEST

/* MATLAB's jsonencode writes every vector flat ([1, 2, 3] for a 1×3 or 3×1 matrix) and a
 * 1×1 matrix as a bare number: where the block's shape is a vector, these are taken. */
START_TEST(matlab_jsonencode_vectors_and_scalars_should_load)
{
    gcv_config *c = load_ok("jsonencode.json",
                            "{\"model\": {\"layers\": [2, 3, 1], \"params\": {\"values\": {"
                            "\"W1\": [[1, 2], [3, 4], [5, 6]], \"b1\": [7, 8, 9], "
                            "\"W2\": [10, 11, 12], \"b2\": 13}}}, \"data\": {\"source\": "
                            "\"inline\", \"x\": [[1, 2, 3], [4, 5, 6]], \"y\": [1, 0, 1]}}");
    ck_assert_uint_eq(c->n_params, 13);
    for (size_t i = 0; i < 13; i++)
        ck_assert_msg(c->theta[i] == (double)(i + 1), "θ[%zu] = %g", i, c->theta[i]);
    ck_assert_uint_eq(c->m, 3);
    ck_assert(c->y[0] == 1 && c->y[1] == 0 && c->y[2] == 1);
    gcv_config_free(c);
    /* a bare number where a matrix is needed is still the wrong shape */
    expect_error("jsonencode-bad.json",
                 "{\"model\": {\"layers\": [2, 3, 1], \"params\": {\"values\": {"
                 "\"W1\": 1, \"b1\": [7, 8, 9], \"W2\": [10, 11, 12], \"b2\": 13}}}}",
                 "model.params.values.W1: expected shape (3, 2), got (1,)");
}
END_TEST

START_TEST(npy_dir_with_a_transposed_w_should_name_the_file)
{
    const double w1t[6] = {1, 2, 3, 4, 5, 6}, b1[3] = {0}, w2[3] = {1, 1, 1}, b2[1] = {0};
    const size_t s_w1t[2] = {2, 3}, s_b1[2] = {3, 1}, s_w2[2] = {1, 3}, s_b2[1] = {1};
    make_dir("transposed");
    write_array("transposed/W1.npy", s_w1t, 2, w1t);
    write_array("transposed/b1.npy", s_b1, 2, b1);
    write_array("transposed/W2.npy", s_w2, 2, w2);
    write_array("transposed/b2.npy", s_b2, 1, b2);
    char tail[512];
    snprintf(tail, sizeof tail, "model.params.npy_dir: %s/transposed/W1.npy: expected shape (3, "
             "2), got (2, 3): it is transposed; for weights laid out (n_{l-1}, n_l) set "
             "\"weights\": \"in_out\" in model.params", tmp_dir);
    expect_error("npydir-transposed.json",
                 "{\"model\": {\"layers\": [2, 3, 1], \"params\": {\"npy_dir\": \"transposed\"}}}",
                 tail);
    /* more values than the block holds: refused from the header, same message */
    const double big[12] = {0};
    const size_t s_big[2] = {3, 4};
    make_dir("toobig");
    write_array("toobig/W1.npy", s_big, 2, big);
    snprintf(tail, sizeof tail, "model.params.npy_dir: %s/toobig/W1.npy: expected shape (3, 2), "
             "got (3, 4)", tmp_dir);
    expect_error("npydir-toobig.json",
                 "{\"model\": {\"layers\": [2, 3, 1], \"params\": {\"npy_dir\": \"toobig\"}}}",
                 tail);
}
END_TEST

START_TEST(inline_x_rows_should_match_layers_0)
{
    expect_error("x-rows.json",
                 "{\"model\": {\"layers\": [2, 3, 1]}, \"data\": {\"source\": \"inline\", "
                 "\"x\": [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], \"y\": [[0, 1, 0, 1]]}}",
                 "data.x: expected shape (2, m) (features " "\xC3\x97" " examples, layers[0] = "
                 "2), got (3, 4)");
}
END_TEST

START_TEST(y_columns_should_match_x_columns)
{
    expect_error("y-cols.json",
                 "{\"model\": {\"layers\": [2, 3, 1]}, \"data\": {\"source\": \"inline\", "
                 "\"x\": [[1, 2, 3, 4], [5, 6, 7, 8]], \"y\": [[0, 1, 0]]}}",
                 "data.y: expected shape (1, 4) (outputs \xC3\x97 examples) or (4,), got (1, 3)");
    expect_error("y-cols-softmax.json",
                 "{\"model\": {\"layers\": [2, 3], \"output_activation\": \"softmax\", "
                 "\"loss\": \"softmax_cross_entropy\"}, \"data\": {\"source\": \"inline\", "
                 "\"x\": [[1, 2], [5, 6]], \"y\": [[0, 1], [1, 0]]}}",
                 "data.y: expected shape (3, 2) (outputs \xC3\x97 examples), or 2 class ids of "
                 "shape (2,), got (2, 2)");
}
END_TEST

START_TEST(labels_out_of_range_should_give_value_and_place)
{
    expect_error("label-bce.json",
                 "{\"model\": {\"layers\": [2, 3, 1]}, \"data\": {\"source\": \"inline\", "
                 "\"x\": [[1, 2, 3], [4, 5, 6]], \"y\": [[0, 2, 1]]}}",
                 "data.y: expected labels in [0, 1] for binary_cross_entropy, got 2 at (0, 1)");
    expect_error("label-id.json",
                 "{\"model\": {\"layers\": [2, 4, 3], \"output_activation\": \"softmax\", "
                 "\"loss\": \"softmax_cross_entropy\"}, \"data\": {\"source\": \"inline\", "
                 "\"x\": [[1, 2, 3], [4, 5, 6]], \"y\": [0, 1, 3]}}",
                 "data.y: expected class ids (integers in [0, 3)) for softmax_cross_entropy, got "
                 "3 at [2]");
    expect_error("label-frac.json",
                 "{\"model\": {\"layers\": [2, 4, 3], \"output_activation\": \"softmax\", "
                 "\"loss\": \"softmax_cross_entropy\"}, \"data\": {\"source\": \"inline\", "
                 "\"x\": [[1, 2, 3], [4, 5, 6]], \"y\": [0, 1.5, 2]}}",
                 "data.y: expected class ids (integers in [0, 3)) for softmax_cross_entropy, got "
                 "1.5 at [1]");
    expect_error("label-onehot.json",
                 "{\"model\": {\"layers\": [2, 2], \"output_activation\": \"softmax\", "
                 "\"loss\": \"softmax_cross_entropy\"}, \"data\": {\"source\": \"inline\", "
                 "\"x\": [[1, 2, 3], [4, 5, 6]], \"y\": [[1, 0, 1], [0, 0, 1]]}}",
                 "data.y: expected exactly one 1 per example for softmax_cross_entropy, got 0 in "
                 "example 1");
}
END_TEST

START_TEST(nan_and_inf_in_data_and_params_should_be_located)
{
    double x[2 * 3] = {1, 2, 3, 4, 5, 6};
    x[1 * 3 + 2] = NAN;
    const double y[3] = {0, 1, 0};
    const size_t sx[2] = {2, 3}, sy[2] = {1, 3};
    write_array("nan-X.npy", sx, 2, x);
    write_array("nan-Y.npy", sy, 2, y);
    expect_error("nan-x.json",
                 "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"source\": \"npy\", "
                 "\"x\": \"nan-X.npy\", \"y\": \"nan-Y.npy\"}}",
                 "data.x: expected finite numbers, got nan at (1, 2)");

    const double yi[3] = {0, INFINITY, 0};
    write_array("inf-Y.npy", sy, 2, yi);
    x[1 * 3 + 2] = 0.5;
    write_array("fine-X.npy", sx, 2, x);
    expect_error("inf-y.json",
                 "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"source\": \"npy\", "
                 "\"x\": \"fine-X.npy\", \"y\": \"inf-Y.npy\"}}",
                 "data.y: expected finite numbers, got inf at (0, 1)");

    const double w1[2] = {1, 2}, b1[1] = {-INFINITY};
    const size_t sw[2] = {1, 2}, sb[1] = {1};
    make_dir("infparams");
    write_array("infparams/W1.npy", sw, 2, w1);
    write_array("infparams/b1.npy", sb, 1, b1);
    char tail[512];
    snprintf(tail, sizeof tail, "model.params.npy_dir: %s/infparams/b1.npy: expected finite "
             "numbers, got -inf at [0]", tmp_dir);
    expect_error("inf-params.json",
                 "{\"model\": {\"layers\": [2, 1], \"params\": {\"npy_dir\": \"infparams\"}}}",
                 tail);

    /* inline JSON holds no NaN; an overflowing literal is its Inf */
    expect_error("inf-inline.json",
                 "{\"model\": {\"layers\": [1, 1], \"params\": {\"values\": {"
                 "\"W1\": [[1e999]], \"b1\": [0]}}}}",
                 "model.params.values.W1[0][0]: expected a finite number, got a number beyond "
                 "the range of a double (> 1.8e308)");
}
END_TEST

START_TEST(absurd_size_should_be_refused_by_the_memory_guard)
{
    /* 2·10^10 parameters: 96 bytes each with 2 threads, 1.7 TiB in all */
    expect_error_mem("huge-net.json",
                     "{\"model\": {\"layers\": [100000, 100000, 100000, 1]}, "
                     "\"check\": {\"threads\": 2}}",
                     GIB, GCV_ERR_NOMEM,
                     "model.layers: expected a check that fits in 1.0 GiB of memory, got an "
                     "estimated 1.7 TiB (20000300001 parameters, 64 examples, 2 threads)");
    /* the data's side is named when it dominates */
    expect_error_mem("huge-data.json",
                     "{\"model\": {\"layers\": [4, 1]}, \"data\": {\"examples\": 100000000}, "
                     "\"check\": {\"threads\": 1}}",
                     GIB, GCV_ERR_NOMEM,
                     "data.examples: expected a check that fits in 1.0 GiB of memory, got an "
                     "estimated 11.9 GiB (5 parameters, 100000000 examples, 1 thread)");
    /* a header that lies about its size is refused from the header alone */
    static const char dict[] = "{'descr': '<f8', 'fortran_order': False, 'shape': "
                               "(2, 2000000000), }";
    unsigned char file[128 + 16] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
    memcpy(file + 10, dict, sizeof dict - 1);
    memset(file + 10 + sizeof dict - 1, ' ', 117 - (sizeof dict - 1));
    file[127] = '\n'; /* then 16 zero bytes of data for 4·10^9 announced values */
    char path[256];
    tmp_path(path, sizeof path, "liar-X.npy");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(file, 1, sizeof file, f), sizeof file);
    ck_assert_int_eq(fclose(f), 0);
    const double y[1] = {0};
    const size_t sy[1] = {1};
    write_array("liar-Y.npy", sy, 1, y);
    expect_error_mem("huge-npy.json",
                     "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"source\": \"npy\", "
                     "\"x\": \"liar-X.npy\", \"y\": \"liar-Y.npy\"}, \"check\": {\"threads\": 1}}",
                     GIB, GCV_ERR_NOMEM,
                     "data.x: expected a check that fits in 1.0 GiB of memory, got an estimated "
                     "149.1 GiB (3 parameters, 2000000000 examples, 1 thread)");
    /* a product beyond size_t is no size at all */
    expect_error("overflow.json",
                 "{\"model\": {\"layers\": [2147483648, 2147483648, 2147483648, 2147483648, "
                 "2147483648]}}",
                 "model.layers: expected a network whose parameter count fits in memory, got an "
                 "overflowing product");
}
END_TEST

START_TEST(machine_memory_should_be_the_default_limit)
{
    /* 10^12 parameters exceed any machine this runs on; the limit is what it has */
    char path[256];
    gcv_config *c = NULL;
    gcv_error err;
    write_text("trillion.json", "{\"model\": {\"layers\": [1000000, 1000000, 1]}}", path,
               sizeof path);
    ck_assert_int_eq(gcv_config_load(path, 0, &c, &err), GCV_ERR_NOMEM);
    ck_assert_ptr_null(c);
    char head[512];
    snprintf(head, sizeof head, "%s: model.layers: expected a check that fits in ", path);
    ck_assert_msg(strncmp(err.msg, head, strlen(head)) == 0, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "iB of memory, got an estimated "));
    ck_assert_ptr_nonnull(strstr(err.msg, " (1000002000001 parameters, 64 examples, "));
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * Good paths */

START_TEST(defaults_should_be_applied)
{
    gcv_config *c = load_ok("mini.json", "{\"model\": {\"layers\": [3, 2, 1]}}");
    ck_assert_str_eq(c->name, "mini");
    ck_assert_int_eq(c->opts.method, GCV_METHOD_CENTRAL);
    ck_assert(c->opts.epsilon == 1e-6);
    ck_assert(c->opts.threshold == 1e-7);
    ck_assert(c->opts.rtol == 1e-5);
    ck_assert(c->opts.atol == 1e-8);
    ck_assert_int_eq(c->opts.threads, 0);
    ck_assert_uint_eq(c->top, 10);
    ck_assert_int_eq(c->params_mode, GCV_REPORT_PARAMS_MISMATCHES);
    ck_assert_ptr_null(c->json_path);
    ck_assert_uint_eq(c->n_layers, 2);
    ck_assert_uint_eq(c->n_params, 3 * 2 + 2 + 2 * 1 + 1);
    ck_assert_int_eq(c->hidden[0], GCV_ACT_RELU);
    ck_assert_int_eq(c->output, GCV_ACT_SIGMOID);
    ck_assert_int_eq(c->loss, GCV_LOSS_BCE);
    ck_assert(c->leaky_slope == 0.01 && c->l2 == 0.0 && c->keep_prob == 1.0);
    ck_assert_uint_eq(c->n_inject, 0);
    ck_assert_str_eq(c->data_source, "synthetic");
    ck_assert_uint_eq(c->m, 64);
    ck_assert_uint_eq(c->m_total, 64);
    /* he init: biases zero, weights not */
    ck_assert(c->theta[6] == 0.0 && c->theta[7] == 0.0 && c->theta[10] == 0.0);
    ck_assert(c->theta[0] != 0.0);
    gcv_config_free(c);

    c = load_ok("named.json", "{\"name\": \"given\", \"model\": {\"layers\": [3, 1]}, "
                "\"check\": {\"method\": \"forward\", \"epsilon\": 1e-5, \"threshold\": 1e-6, "
                "\"rtol\": 0, \"atol\": 0.5, \"threads\": 3}, "
                "\"report\": {\"top\": 0, \"params\": \"all\"}}");
    ck_assert_str_eq(c->name, "given");
    ck_assert_int_eq(c->opts.method, GCV_METHOD_FORWARD);
    ck_assert(c->opts.epsilon == 1e-5 && c->opts.threshold == 1e-6);
    ck_assert(c->opts.rtol == 0.0 && c->opts.atol == 0.5);
    ck_assert_int_eq(c->opts.threads, 3);
    ck_assert_uint_eq(c->top, 0);
    ck_assert_int_eq(c->params_mode, GCV_REPORT_PARAMS_ALL);
    gcv_config_free(c);
}
END_TEST

/* Ones per output row of y (n_out × m). */
static void count_ones(const gcv_config *c, size_t *ones)
{
    size_t n_out = c->sizes[c->n_layers];
    for (size_t k = 0; k < n_out; k++) {
        ones[k] = 0;
        for (size_t j = 0; j < c->m; j++) {
            double v = c->y[k * c->m + j];
            ck_assert(v == 0.0 || v == 1.0);
            ones[k] += v == 1.0;
        }
    }
}

START_TEST(synthetic_data_should_be_balanced_for_bce)
{
    size_t ones[2];
    gcv_config *c = load_ok("synth-even.json", "{\"model\": {\"layers\": [3, 4, 2]}, "
                            "\"data\": {\"source\": \"synthetic\", \"examples\": 10, "
                            "\"seed\": 3}}");
    ck_assert_uint_eq(c->m, 10);
    count_ones(c, ones);
    ck_assert_uint_eq(ones[0], 5);
    ck_assert_uint_eq(ones[1], 5);
    gcv_config_free(c);
    c = load_ok("synth-odd.json", "{\"model\": {\"layers\": [5, 1]}, "
                "\"data\": {\"examples\": 11, \"seed\": 99}}");
    count_ones(c, ones);
    ck_assert_uint_eq(ones[0], 5); /* strictly above the median, which is one of them */
    gcv_config_free(c);
    /* softmax: one-hot columns */
    c = load_ok("synth-softmax.json", "{\"model\": {\"layers\": [3, 4], \"output_activation\": "
                "\"softmax\", \"loss\": \"softmax_cross_entropy\"}, \"data\": {\"examples\": "
                "40}}");
    for (size_t j = 0; j < c->m; j++) {
        double sum = 0.0;
        for (size_t k = 0; k < 4; k++) {
            double v = c->y[k * c->m + j];
            ck_assert(v == 0.0 || v == 1.0);
            sum += v;
        }
        ck_assert(sum == 1.0);
    }
    gcv_config_free(c);
    /* the same seed, the same data */
    gcv_config *a = load_ok("synth-a.json", "{\"model\": {\"layers\": [3, 1]}}");
    gcv_config *b = load_ok("synth-b.json", "{\"model\": {\"layers\": [3, 1]}, "
                            "\"data\": {\"seed\": 7, \"examples\": 64}}");
    ck_assert_mem_eq(a->x, b->x, 3 * 64 * sizeof(double));
    ck_assert_mem_eq(a->y, b->y, 64 * sizeof(double));
    gcv_config_free(a);
    gcv_config_free(b);
}
END_TEST

START_TEST(class_ids_should_become_one_hot)
{
    static const double want[3 * 4] = {0, 1, 0, 0, /* class 0 */
                                       0, 0, 1, 0, /* class 1 */
                                       1, 0, 0, 1};
    gcv_config *c = load_ok("ids.json", "{\"model\": {\"layers\": [2, 3], "
                            "\"output_activation\": \"softmax\", \"loss\": "
                            "\"softmax_cross_entropy\"}, \"data\": {\"source\": \"inline\", "
                            "\"x\": [[1, 2, 3, 4], [5, 6, 7, 8]], \"y\": [2, 0, 1, 2]}}");
    ck_assert_uint_eq(c->m, 4);
    for (size_t i = 0; i < 12; i++)
        ck_assert_msg(c->y[i] == want[i], "y[%zu] = %g", i, c->y[i]);
    gcv_config_free(c);
    /* the same from an (m, 1) .npy column of ids */
    const double ids[4] = {2, 0, 1, 2}, x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const size_t sid[2] = {4, 1}, sx[2] = {2, 4};
    write_array("ids-Y.npy", sid, 2, ids);
    write_array("ids-X.npy", sx, 2, x);
    c = load_ok("ids-npy.json", "{\"model\": {\"layers\": [2, 3], \"output_activation\": "
                "\"softmax\", \"loss\": \"softmax_cross_entropy\"}, \"data\": {\"source\": "
                "\"npy\", \"x\": \"ids-X.npy\", \"y\": \"ids-Y.npy\"}}");
    for (size_t i = 0; i < 12; i++)
        ck_assert(c->y[i] == want[i]);
    gcv_config_free(c);
}
END_TEST

START_TEST(examples_by_features_should_be_transposed)
{
    /* X as (m = 3, n0 = 2): x[j][k] = 10j + k; Y as (m, n_out = 2): 100 + 10j + k */
    const double x[6] = {0, 1, 10, 11, 20, 21}, y[6] = {100, 101, 110, 111, 120, 121};
    const size_t s[2] = {3, 2};
    write_array("ex-X.npy", s, 2, x);
    write_array("ex-Y.npy", s, 2, y);
    gcv_config *c = load_ok("by-examples.json", "{\"model\": {\"layers\": [2, 3, 2], "
                            "\"output_activation\": \"linear\", \"loss\": \"mse\"}, "
                            "\"data\": {\"source\": \"npy\", \"x\": \"ex-X.npy\", "
                            "\"y\": \"ex-Y.npy\", \"layout\": \"examples_by_features\"}}");
    static const double wx[6] = {0, 10, 20, 1, 11, 21}, wy[6] = {100, 110, 120, 101, 111, 121};
    ck_assert_uint_eq(c->m, 3);
    ck_assert_str_eq(c->data_source, "npy");
    for (size_t i = 0; i < 6; i++) {
        ck_assert_msg(c->x[i] == wx[i], "x[%zu] = %g", i, c->x[i]);
        ck_assert_msg(c->y[i] == wy[i], "y[%zu] = %g", i, c->y[i]);
    }
    gcv_config_free(c);
    /* the default layout reads the same file as (features, examples): a shape error here */
    expect_error("by-features.json", "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"source\": "
                 "\"npy\", \"x\": \"ex-X.npy\", \"y\": \"ex-Y.npy\"}}",
                 "data.x: expected shape (2, m) (features \xC3\x97 examples, layers[0] = 2), got "
                 "(3, 2)");
}
END_TEST

START_TEST(examples_subset_should_be_seeded_and_sorted)
{
    const char *text = "{\"model\": {\"layers\": [1, 2, 1], \"output_activation\": \"linear\", "
                       "\"loss\": \"mse\"}, \"data\": {\"source\": \"inline\", "
                       "\"x\": [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]], "
                       "\"y\": [[0, 10, 20, 30, 40, 50, 60, 70, 80, 90]]}, "
                       "\"check\": {\"examples\": 4}}";
    gcv_config *a = load_ok("subset-a.json", text);
    gcv_config *b = load_ok("subset-b.json", text);
    ck_assert_uint_eq(a->m, 4);
    ck_assert_uint_eq(a->m_total, 10);
    /* the documented generator: Knuth's selection sampling seeded by data seed ^ 0x5eed,
     * data seed 0 for inline data */
    size_t idx[4];
    gcv_rng r;
    gcv_rng_seed(&r, UINT64_C(0x5eed));
    gcv_rng_sample_sorted(&r, 10, 4, idx);
    for (size_t j = 0; j < 4; j++) {
        ck_assert(a->x[j] == (double)idx[j]);
        ck_assert(a->y[j] == 10.0 * (double)idx[j]); /* labels follow their examples */
        ck_assert(b->x[j] == a->x[j] && b->y[j] == a->y[j]);
        if (j)
            ck_assert(a->x[j] > a->x[j - 1]);
    }
    gcv_config_free(a);
    gcv_config_free(b);

    /* synthetic data: the subset is columns of the full set */
    gcv_config *full = load_ok("subset-full.json", "{\"model\": {\"layers\": [2, 1]}, "
                               "\"data\": {\"examples\": 20, \"seed\": 5}}");
    gcv_config *part = load_ok("subset-part.json", "{\"model\": {\"layers\": [2, 1]}, "
                               "\"data\": {\"examples\": 20, \"seed\": 5}, "
                               "\"check\": {\"examples\": 6}}");
    ck_assert_uint_eq(part->m, 6);
    gcv_rng_seed(&r, UINT64_C(5) ^ UINT64_C(0x5eed));
    size_t pick[6];
    gcv_rng_sample_sorted(&r, 20, 6, pick);
    for (size_t j = 0; j < 6; j++) {
        ck_assert(part->x[j] == full->x[pick[j]]);
        ck_assert(part->x[6 + j] == full->x[20 + pick[j]]);
        ck_assert(part->y[j] == full->y[pick[j]]);
    }
    gcv_config_free(full);
    gcv_config_free(part);

    gcv_config *all = load_ok("subset-all.json", "{\"model\": {\"layers\": [2, 1]}, "
                              "\"data\": {\"examples\": 8}, \"check\": {\"examples\": \"all\"}}");
    ck_assert_uint_eq(all->m, 8);
    gcv_config_free(all);
    expect_error("subset-over.json", "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"examples\": "
                 "8}, \"check\": {\"examples\": 9}}",
                 "check.examples: expected at most 8 (the examples in the data), got 9");
}
END_TEST

START_TEST(relative_paths_should_resolve_against_the_config_folder)
{
    make_dir("rel");
    make_dir("rel/data");
    make_dir("rel/params");
    const double x[4] = {1, 2, 3, 4}, y[2] = {0, 1}, w1[2] = {0.5, -0.5}, b1[1] = {0.25};
    const size_t sx[2] = {2, 2}, sy[1] = {2}, sw[2] = {1, 2}, sb[2] = {1, 1};
    write_array("rel/data/X.npy", sx, 2, x);
    write_array("rel/data/Y.npy", sy, 1, y);
    write_array("rel/params/W1.npy", sw, 2, w1);
    write_array("rel/params/b1.npy", sb, 2, b1);
    gcv_config *c = load_ok("rel/net.json", "{\"model\": {\"layers\": [2, 1], \"params\": "
                            "{\"npy_dir\": \"params\"}}, \"data\": {\"source\": \"npy\", "
                            "\"x\": \"data/X.npy\", \"y\": \"data/Y.npy\"}, "
                            "\"report\": {\"json\": \"out/r.json\"}}");
    char want[256];
    tmp_path(want, sizeof want, "rel/out/r.json");
    ck_assert_str_eq(c->json_path, want);
    ck_assert(c->theta[0] == 0.5 && c->theta[1] == -0.5 && c->theta[2] == 0.25);
    ck_assert(c->x[0] == 1 && c->x[3] == 4 && c->y[1] == 1);
    ck_assert_uint_eq(c->m, 2);
    gcv_config_free(c);
    /* absolute paths stay as written */
    c = load_ok("rel/abs.json", "{\"model\": {\"layers\": [2, 1]}, \"report\": "
                "{\"json\": \"/somewhere/r.json\"}}");
    ck_assert_str_eq(c->json_path, "/somewhere/r.json");
    gcv_config_free(c);
    /* and a missing file is named where it was looked for */
    char tail[512];
    snprintf(tail, sizeof tail, "data.x: %s/rel/data/nope.npy: cannot open: No such file or "
             "directory", tmp_dir);
    expect_error_mem("rel/missing.json",
                     "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"source\": \"npy\", "
                     "\"x\": \"data/nope.npy\", \"y\": \"data/Y.npy\"}}",
                     0, GCV_ERR_IO, tail);
    snprintf(tail, sizeof tail, "data.x: %s/rel/data: expected a regular file, got a directory",
             tmp_dir);
    expect_error_mem("rel/folder.json",
                     "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"source\": \"npy\", "
                     "\"x\": \"data\", \"y\": \"data/Y.npy\"}}",
                     0, GCV_ERR_IO, tail);
    expect_error_mem("rel/devzero.json",
                     "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"source\": \"npy\", "
                     "\"x\": \"/dev/zero\", \"y\": \"data/Y.npy\"}}",
                     0, GCV_ERR_IO,
                     "data.x: /dev/zero: expected a regular file, got a character device");
}
END_TEST

START_TEST(hidden_activation_should_apply_per_layer)
{
    gcv_config *c = load_ok("hidden-list.json", "{\"model\": {\"layers\": [2, 3, 3, 3, 1], "
                            "\"hidden_activation\": [\"tanh\", \"sigmoid\", \"leaky_relu\"], "
                            "\"leaky_slope\": 0.2}}");
    ck_assert_int_eq(c->hidden[0], GCV_ACT_TANH);
    ck_assert_int_eq(c->hidden[1], GCV_ACT_SIGMOID);
    ck_assert_int_eq(c->hidden[2], GCV_ACT_LEAKY_RELU);
    ck_assert(c->leaky_slope == 0.2);
    gcv_config_free(c);
    c = load_ok("hidden-one.json", "{\"model\": {\"layers\": [2, 3, 3, 1], "
                "\"hidden_activation\": \"linear\"}}");
    ck_assert_int_eq(c->hidden[0], GCV_ACT_LINEAR);
    ck_assert_int_eq(c->hidden[1], GCV_ACT_LINEAR);
    gcv_config_free(c);
    expect_error("hidden-count.json", "{\"model\": {\"layers\": [2, 3, 3, 3, 1], "
                 "\"hidden_activation\": [\"tanh\", \"relu\"]}}",
                 "model.hidden_activation: expected a name or an array of 3 names (one per "
                 "hidden layer), got [\"tanh\",\"relu\"]");
    expect_error("hidden-item.json", "{\"model\": {\"layers\": [2, 3, 3, 1], "
                 "\"hidden_activation\": [\"tanh\", \"softmax\"]}}",
                 "model.hidden_activation[1]: expected one of relu, leaky_relu, tanh, sigmoid, "
                 "linear, got \"softmax\"");
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * Data sources: csv, hdf5, mat (issue 8), and integer labels from any file */

#ifndef GCV_TEST_DATA
#define GCV_TEST_DATA "tests/data"
#endif

/* rel under the source root, which is GCV_TEST_DATA without its "/tests/data". */
static void source_path(char *out, size_t n, const char *rel)
{
    const char *d = GCV_TEST_DATA, *suffix = "/tests/data";
    size_t len = strlen(d), sl = strlen(suffix);
    if (len >= sl && strcmp(d + len - sl, suffix) == 0)
        snprintf(out, n, "%.*s/%s", (int)(len - sl), d, rel);
    else
        snprintf(out, n, "%s/%s", ".", rel);
}

/* s with every "@" replaced by with. */
static void subst(char *out, size_t n, const char *s, const char *with)
{
    size_t k = 0;
    for (const char *p = s; *p && k + strlen(with) + 1 < n; p++) {
        if (*p == '@')
            k += (size_t)snprintf(out + k, n - k, "%s", with);
        else
            out[k++] = *p;
    }
    out[k] = '\0';
}

/* The config {"model": model, "data": data} with every "@" in data replaced by the absolute
 * path of the source root's data/ folder. */
static void data_config(char *out, size_t n, const char *model, const char *data)
{
    char dir[256], d[2048];
    source_path(dir, sizeof dir, "data");
    subst(d, sizeof d, data, dir);
    snprintf(out, n, "{\"model\": %s, \"data\": %s}", model, d);
}

/* tail with "@" replaced by the data folder, as data_config does. */
static void data_tail(char *out, size_t n, const char *tail)
{
    char dir[256];
    source_path(dir, sizeof dir, "data");
    subst(out, n, tail, dir);
}

/* Expects the config text to fail with status st and tail, "@" in tail being tmp_dir. */
static void expect_tmp_error(const char *name, const char *text, gcv_status st,
                             const char *tail)
{
    char want[GCV_ERROR_LEN];
    subst(want, sizeof want, tail, tmp_dir);
    expect_error_mem(name, text, 0, st, want);
}

static void expect_data_error(const char *name, const char *model, const char *data,
                              size_t max_memory, gcv_status st, const char *tail)
{
    char text[4096], want[GCV_ERROR_LEN];
    data_config(text, sizeof text, model, data);
    data_tail(want, sizeof want, tail);
    expect_error_mem(name, text, max_memory, st, want);
}

#if defined(GCV_HAVE_HDF5) || defined(GCV_HAVE_MATIO)

static gcv_config *load_data_ok(const char *name, const char *model, const char *data)
{
    char text[4096];
    data_config(text, sizeof text, model, data);
    return load_ok(name, text);
}

/* The number of labels equal to 1 in c->y (n_L = 1). */
static size_t ones_in(const gcv_config *c)
{
    size_t n = 0;
    for (size_t j = 0; j < c->m; j++)
        n += c->y[j] == 1.0;
    return n;
}

#endif

#ifdef GCV_HAVE_MATIO

/* ---- MATLAB level-5 files written byte by byte (no library needed to write them) ---- */

enum { MI_INT8 = 1, MI_UINT8 = 2, MI_INT16 = 3, MI_UINT16 = 4, MI_INT32 = 5, MI_UINT32 = 6,
       MI_DOUBLE = 9, MI_MATRIX = 14 };

typedef struct mat_var {
    const char *name;
    int type;          /* the stored type of the values; the class is always double */
    size_t ndim;
    size_t dims[3];    /* MATLAB's size() */
    const double *v;   /* the values in MATLAB's column-major order */
} mat_var;

static void put_le(unsigned char *p, uint64_t v, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A tagged element at buf + *off: type, len bytes of data, zero padding to 8 bytes. */
static void mat_element(unsigned char *buf, size_t *off, int type, const void *data, size_t len)
{
    put_le(buf + *off, (uint64_t)type, 4);
    put_le(buf + *off + 4, len, 4);
    memcpy(buf + *off + 8, data, len);
    *off += 8 + (len + 7) / 8 * 8;
}

static size_t mat_var_bytes(const mat_var *v, unsigned char *out)
{
    unsigned char flags[8] = {6}, dims[12], data[2048] = {0};
    size_t sz = v->type == MI_DOUBLE ? 8 : v->type >= MI_INT16 ? 2 : 1, count = 1, off = 0;
    for (size_t d = 0; d < v->ndim; d++) {
        put_le(dims + 4 * d, v->dims[d], 4);
        count *= v->dims[d];
    }
    for (size_t i = 0; i < count; i++) {
        uint64_t bits;
        if (v->type == MI_DOUBLE)
            memcpy(&bits, &v->v[i], sizeof bits);
        else
            bits = (uint64_t)(int64_t)v->v[i];
        put_le(data + i * sz, bits, sz);
    }
    mat_element(out, &off, MI_UINT32, flags, 8); /* mxDOUBLE_CLASS */
    mat_element(out, &off, MI_INT32, dims, 4 * v->ndim);
    mat_element(out, &off, MI_INT8, v->name, strlen(v->name));
    mat_element(out, &off, v->type, data, count * sz);
    return off;
}

/* tmp_dir/name: an uncompressed little-endian MAT-file holding vars[0, n). */
static void write_mat(const char *name, const mat_var *vars, size_t n)
{
    static unsigned char buf[16384], sub[4096];
    size_t off = 128;
    memset(buf, 0, sizeof buf);
    memset(buf, ' ', 116);
    memcpy(buf, "MATLAB 5.0 MAT-file, written by test-config.c", 45);
    put_le(buf + 124, 0x0100, 2);
    buf[126] = 'I';
    buf[127] = 'M';
    for (size_t i = 0; i < n; i++) {
        memset(sub, 0, sizeof sub);
        size_t len = mat_var_bytes(&vars[i], sub);
        mat_element(buf, &off, MI_MATRIX, sub, len);
    }
    char path[256];
    tmp_path(path, sizeof path, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, off, f), off);
    ck_assert_int_eq(fclose(f), 0);
}

#endif /* GCV_HAVE_MATIO */

/* A .npy of uint8 (descr "|u1") values of shape (rows, cols). */
static void write_u8_npy(const char *name, size_t rows, size_t cols, const unsigned char *v)
{
    char dict[118], path[256];
    int len = snprintf(dict, sizeof dict, "{'descr': '|u1', 'fortran_order': False, "
                       "'shape': (%zu, %zu), }", rows, cols);
    memset(dict + len, ' ', sizeof dict - 1 - (size_t)len);
    dict[sizeof dict - 1] = '\n';
    unsigned char head[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, sizeof dict, 0};
    tmp_path(path, sizeof path, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(head, 1, sizeof head, f), sizeof head);
    ck_assert_uint_eq(fwrite(dict, 1, sizeof dict, f), sizeof dict);
    ck_assert_uint_eq(fwrite(v, 1, rows * cols, f), rows * cols);
    ck_assert_int_eq(fclose(f), 0);
}

#define NOTE_U8(file) "data.y: labels stored as uint8 in " file " were converted to double " \
                      "before any arithmetic (in integer arithmetic -y wraps to 255)"

START_TEST(npy_integer_labels_should_be_noted)
{
    const double x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, yf[4] = {1, 0, 1, 1};
    const unsigned char yu[4] = {1, 0, 1, 1};
    const size_t sx[2] = {2, 4}, sy[2] = {1, 4};
    write_array("note-X.npy", sx, 2, x);
    write_u8_npy("note-Y-u8.npy", 1, 4, yu);
    write_array("note-Y-f8.npy", sy, 2, yf);
    gcv_config *c = load_ok("note-u8.json", "{\"model\": {\"layers\": [2, 1]}, \"data\": "
                            "{\"source\": \"npy\", \"x\": \"note-X.npy\", \"y\": "
                            "\"note-Y-u8.npy\"}}");
    ck_assert_uint_eq(c->n_notes, 1);
    ck_assert_str_eq(c->notes[0], NOTE_U8("note-Y-u8.npy"));
    for (size_t j = 0; j < 4; j++)
        ck_assert(c->y[j] == yf[j]);
    gcv_config_free(c);
    c = load_ok("note-f8.json", "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"source\": "
                "\"npy\", \"x\": \"note-X.npy\", \"y\": \"note-Y-f8.npy\"}}");
    ck_assert_uint_eq(c->n_notes, 0);
    ck_assert_ptr_null(c->notes);
    gcv_config_free(c);
    /* synthetic and inline data hold no stored type: no note */
    c = load_ok("note-none.json", "{\"model\": {\"layers\": [2, 1]}}");
    ck_assert_uint_eq(c->n_notes, 0);
    gcv_config_free(c);
}
END_TEST

#ifdef GCV_HAVE_MATIO

START_TEST(mat_should_read_data_mat_as_the_seeds_do)
{
    const char *net = "{\"layers\": [2, 3, 2, 1]}";
    gcv_config *c = load_data_ok("mat-real.json", net, "{\"source\": \"mat\", \"file\": "
                                 "\"@/data.mat\", \"x\": \"X\", \"y\": \"y\"}");
    ck_assert_str_eq(c->data_source, "mat");
    ck_assert_uint_eq(c->m, 211);
    ck_assert_uint_eq(c->m_total, 211);
    /* X(1,:) = (-0.158986, 0.423977) is column 0; X(211,:) = (-0.153111, 0.184503) the last */
    ck_assert_double_eq_tol(c->x[0], -0.158986, 5e-7);
    ck_assert_double_eq_tol(c->x[211], 0.423977, 5e-7);
    ck_assert_double_eq_tol(c->x[210], -0.153111, 5e-7);
    ck_assert_double_eq_tol(c->x[211 + 210], 0.184503, 5e-7);
    ck_assert(c->y[0] == 1.0 && c->y[210] == 0.0);
    ck_assert_uint_eq(ones_in(c), 106);
    ck_assert_uint_eq(c->n_notes, 1);
    ck_assert_str_eq(c->notes[0], NOTE_U8("data.mat"));
    /* scale multiplies x only */
    gcv_config *s = load_data_ok("mat-scaled.json", net, "{\"source\": \"mat\", \"file\": "
                                 "\"@/data.mat\", \"x\": \"X\", \"y\": \"y\", \"scale\": 2, "
                                 "\"layout\": \"examples_by_features\"}");
    for (size_t i = 0; i < 2 * 211; i++)
        ck_assert(s->x[i] == 2.0 * c->x[i]);
    ck_assert_mem_eq(s->y, c->y, 211 * sizeof(double));
    gcv_config_free(s);
    gcv_config_free(c);
}
END_TEST

START_TEST(mat_errors_should_name_the_file_the_variable_and_the_shapes)
{
    const char *net = "{\"layers\": [2, 3, 2, 1]}";
    expect_data_error("mat-layout.json", net, "{\"source\": \"mat\", \"file\": \"@/data.mat\", "
                      "\"x\": \"X\", \"y\": \"y\", \"layout\": \"features_by_examples\"}", 0,
                      GCV_ERR_INVALID, "data.x: expected shape (2, m) (features \xC3\x97 "
                      "examples, layers[0] = 2), got (211, 2)");
    expect_data_error("mat-layers.json", "{\"layers\": [3, 1]}", "{\"source\": \"mat\", "
                      "\"file\": \"@/data.mat\", \"x\": \"X\", \"y\": \"y\"}", 0,
                      GCV_ERR_INVALID, "data.x: expected shape (m, 3) (examples \xC3\x97 "
                      "features, layers[0] = 3), got (211, 2)");
    expect_data_error("mat-novar.json", net, "{\"source\": \"mat\", \"file\": \"@/data.mat\", "
                      "\"x\": \"Xtrain\", \"y\": \"y\"}", 0, GCV_ERR_INVALID,
                      "data.x: @/data.mat: variable 'Xtrain' not found; available variables: "
                      "X, y, yval, Xval");
    expect_data_error("mat-y.json", net, "{\"source\": \"mat\", \"file\": \"@/data.mat\", "
                      "\"x\": \"X\", \"y\": \"yval\"}", 0, GCV_ERR_INVALID,
                      "data.y: expected shape (211, 1) (examples \xC3\x97 outputs) or (211,), "
                      "got (200, 1)");
    expect_data_error("mat-nofile.json", net, "{\"source\": \"mat\", \"file\": "
                      "\"@/nope.mat\", \"x\": \"X\", \"y\": \"y\"}", 0, GCV_ERR_IO,
                      "data.x: @/nope.mat: cannot open: No such file or directory");
}
END_TEST

START_TEST(mat_should_convert_integer_types_and_layouts)
{
    /* X (3 examples × 2 features) stored as int16, y as uint8 */
    const double xv[6] = {-1, 300, 5, 2, -4, 6}, yv[3] = {1, 0, 1};
    mat_var v[2] = {{"X", MI_INT16, 2, {3, 2, 0}, xv}, {"y", MI_UINT8, 2, {3, 1, 0}, yv}};
    write_mat("ints.mat", v, 2);
    gcv_config *c = load_ok("mat-ints.json", "{\"model\": {\"layers\": [2, 1]}, \"data\": "
                            "{\"source\": \"mat\", \"file\": \"ints.mat\", \"x\": \"X\", "
                            "\"y\": \"y\"}}");
    static const double wx[6] = {-1, 300, 5, 2, -4, 6};
    for (size_t i = 0; i < 6; i++)
        ck_assert_msg(c->x[i] == wx[i], "x[%zu] = %g", i, c->x[i]);
    ck_assert(c->y[0] == 1 && c->y[1] == 0 && c->y[2] == 1);
    ck_assert_uint_eq(c->n_notes, 1);
    ck_assert_str_eq(c->notes[0], NOTE_U8("ints.mat"));
    gcv_config_free(c);

    /* features_by_examples: X (2 features × 3 examples) as it is; labels uint16 */
    const double fv[6] = {1, 4, 2, 5, 3, 6};
    v[0] = (mat_var){"X", MI_DOUBLE, 2, {2, 3, 0}, fv};
    v[1] = (mat_var){"y", MI_UINT16, 2, {1, 3, 0}, yv};
    write_mat("u16.mat", v, 2);
    c = load_ok("mat-u16.json", "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"source\": "
                "\"mat\", \"file\": \"u16.mat\", \"x\": \"X\", \"y\": \"y\", \"layout\": "
                "\"features_by_examples\"}}");
    for (size_t i = 0; i < 6; i++)
        ck_assert(c->x[i] == (double)(i + 1));
    ck_assert_str_eq(c->notes[0], "data.y: labels stored as uint16 in u16.mat were converted to "
                     "double before any arithmetic (in integer arithmetic -y wraps to 65535)");
    gcv_config_free(c);

    /* examples_first on a (2, 2, 3) array: 2 examples of 6 values flattened in C order */
    double xf[12];
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 2; j++)
            for (size_t k = 0; k < 3; k++)
                xf[i + 2 * j + 4 * k] = (double)(100 * i + 10 * j + k);
    const double y2[2] = {0, 1};
    v[0] = (mat_var){"X", MI_DOUBLE, 3, {2, 2, 3}, xf};
    v[1] = (mat_var){"y", MI_INT8, 2, {2, 1, 0}, y2};
    write_mat("cube.mat", v, 2);
    c = load_ok("mat-cube.json", "{\"model\": {\"layers\": [6, 1]}, \"data\": {\"source\": "
                "\"mat\", \"file\": \"cube.mat\", \"x\": \"X\", \"y\": \"y\", \"layout\": "
                "\"examples_first\"}}");
    ck_assert_uint_eq(c->m, 2);
    for (size_t e = 0; e < 2; e++)
        for (size_t f = 0; f < 6; f++)
            ck_assert(c->x[f * 2 + e] == (double)(100 * e + 10 * (f / 3) + f % 3));
    ck_assert_str_eq(c->notes[0], "data.y: labels stored as int8 in cube.mat were converted to "
                     "double before any arithmetic");
    gcv_config_free(c);

    /* softmax: uint8 class ids become one-hot */
    const double ids[3] = {2, 0, 1};
    v[0] = (mat_var){"X", MI_DOUBLE, 2, {3, 2, 0}, xv};
    v[1] = (mat_var){"y", MI_UINT8, 2, {3, 1, 0}, ids};
    write_mat("ids.mat", v, 2);
    c = load_ok("mat-ids.json", "{\"model\": {\"layers\": [2, 3], \"output_activation\": "
                "\"softmax\", \"loss\": \"softmax_cross_entropy\"}, \"data\": {\"source\": "
                "\"mat\", \"file\": \"ids.mat\", \"x\": \"X\", \"y\": \"y\"}}");
    static const double onehot[9] = {0, 1, 0, 0, 0, 1, 1, 0, 0};
    for (size_t i = 0; i < 9; i++)
        ck_assert(c->y[i] == onehot[i]);
    gcv_config_free(c);

    /* labels outside [0, 1] stay an error for binary_cross_entropy */
    const double bad[3] = {0, 2, 1};
    v[1] = (mat_var){"y", MI_UINT8, 2, {3, 1, 0}, bad};
    write_mat("bad.mat", v, 2);
    expect_error("mat-bad.json", "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"source\": "
                 "\"mat\", \"file\": \"bad.mat\", \"x\": \"X\", \"y\": \"y\"}}",
                 "data.y: expected labels in [0, 1] for binary_cross_entropy, got 2 at (1, 0)");
}
END_TEST

#endif /* GCV_HAVE_MATIO */

#ifdef GCV_HAVE_HDF5

#define S255 0.00392156862745098

START_TEST(hdf5_should_flatten_and_scale_the_cat_images)
{
    gcv_config *c = load_data_ok("h5-train.json", "{\"layers\": [12288, 1]}", "{\"source\": "
                                 "\"hdf5\", \"file\": \"@/train_catvnoncat.h5\", \"x\": "
                                 "\"train_set_x\", \"y\": \"train_set_y\", \"scale\": "
                                 "0.00392156862745098}");
    size_t m = 209;
    ck_assert_str_eq(c->data_source, "hdf5");
    ck_assert_uint_eq(c->m, m);
    /* the first pixel (17, 31, 56) is features 0, 1, 2 of example 0, scaled */
    ck_assert(c->x[0] == 17 * S255 && c->x[m] == 31 * S255 && c->x[2 * m] == 56 * S255);
    /* the last pixel of the last example is (0, 0, 0) */
    ck_assert(c->x[12285 * m + 208] == 0 && c->x[12287 * m + 208] == 0);
    double mean = 0.0;
    for (size_t i = 0; i < 12288 * m; i++)
        mean += c->x[i];
    ck_assert_double_eq_tol(mean / (12288.0 * (double)m), 103.007 * S255, 0.0005 * S255);
    ck_assert(c->y[0] == 0 && c->y[208] == 0);
    ck_assert_uint_eq(ones_in(c), 72);
    ck_assert_uint_eq(c->n_notes, 1);
    ck_assert_str_eq(c->notes[0], "data.y: labels stored as int64 in train_catvnoncat.h5 were "
                     "converted to double before any arithmetic");
    gcv_config_free(c);

    /* unscaled, layout given: the test set's first pixel (158, 104, 83), last (5, 22, 5) */
    c = load_data_ok("h5-test.json", "{\"layers\": [12288, 1]}", "{\"source\": \"hdf5\", "
                     "\"file\": \"@/test_catvnoncat.h5\", \"x\": \"test_set_x\", \"y\": "
                     "\"test_set_y\", \"layout\": \"examples_first\"}");
    m = 50;
    ck_assert(c->x[0] == 158 && c->x[m] == 104 && c->x[2 * m] == 83);
    ck_assert(c->x[12285 * m + 49] == 5 && c->x[12286 * m + 49] == 22 &&
              c->x[12287 * m + 49] == 5);
    ck_assert(c->y[0] == 1 && c->y[49] == 0);
    ck_assert_uint_eq(ones_in(c), 33);
    gcv_config_free(c);
}
END_TEST

START_TEST(hdf5_errors_should_name_the_file_the_dataset_and_the_shapes)
{
    const char *net = "{\"layers\": [12288, 1]}";
    expect_data_error("h5-per.json", "{\"layers\": [100, 1]}", "{\"source\": \"hdf5\", "
                      "\"file\": \"@/train_catvnoncat.h5\", \"x\": \"train_set_x\", \"y\": "
                      "\"train_set_y\"}", 0, GCV_ERR_INVALID,
                      "data.x: expected 100 values per example (layers[0] = 100; "
                      "examples_first: the first dimension indexes the examples), got shape "
                      "(209, 64, 64, 3) (12288 per example)");
    expect_data_error("h5-layout.json", net, "{\"source\": \"hdf5\", \"file\": "
                      "\"@/train_catvnoncat.h5\", \"x\": \"train_set_x\", \"y\": "
                      "\"train_set_y\", \"layout\": \"features_by_examples\"}", 0,
                      GCV_ERR_INVALID, "data.x: expected shape (12288, m) (features \xC3\x97 "
                      "examples, layers[0] = 12288), got (209, 64, 64, 3)");
    expect_data_error("h5-nods.json", net, "{\"source\": \"hdf5\", \"file\": "
                      "\"@/train_catvnoncat.h5\", \"x\": \"train_x\", \"y\": \"train_set_y\"}",
                      0, GCV_ERR_INVALID, "data.x: @/train_catvnoncat.h5: dataset 'train_x' not "
                      "found; available datasets: list_classes, train_set_x, train_set_y");
    expect_data_error("h5-string.json", net, "{\"source\": \"hdf5\", \"file\": "
                      "\"@/train_catvnoncat.h5\", \"x\": \"train_set_x\", \"y\": "
                      "\"list_classes\"}", 0, GCV_ERR_INVALID, "data.y: @/train_catvnoncat.h5: "
                      "list_classes: expected an integer or floating-point dataset, got a "
                      "string dataset");
    expect_data_error("h5-nofile.json", net, "{\"source\": \"hdf5\", \"file\": \"@/nope.h5\", "
                      "\"x\": \"train_set_x\", \"y\": \"train_set_y\"}", 0, GCV_ERR_IO,
                      "data.x: @/nope.h5: cannot open: No such file or directory");
    /* pixels as labels: (209, 64, 64, 3) flattened to (209, 12288), out of range for BCE */
    expect_data_error("h5-labels.json", "{\"layers\": [1, 12288]}", "{\"source\": \"hdf5\", "
                      "\"file\": \"@/train_catvnoncat.h5\", \"x\": \"train_set_y\", \"y\": "
                      "\"train_set_x\"}", 0, GCV_ERR_INVALID, "data.y: expected labels in [0, "
                      "1] for binary_cross_entropy, got 17 at (0, 0)");
    /* the memory guard sees the shape before the reader allocates */
    expect_data_error("h5-memory.json", "{\"layers\": [12288, 5, 5, 1]}, \"check\": "
                      "{\"threads\": 1}", "{\"source\": \"hdf5\", \"file\": "
                      "\"@/train_catvnoncat.h5\", \"x\": \"train_set_x\", \"y\": "
                      "\"train_set_y\"}", (size_t)16 << 20, GCV_ERR_NOMEM,
                      "data.x: expected a check that fits in 16.0 MiB of memory, got an "
                      "estimated 64.1 MiB (61481 parameters, 209 examples, 1 thread)");
}
END_TEST

#endif /* GCV_HAVE_HDF5 */

#if !defined(GCV_HAVE_HDF5) || !defined(GCV_HAVE_MATIO)

START_TEST(missing_library_should_say_how_to_enable_it)
{
#ifndef GCV_HAVE_HDF5
    expect_data_error("nolib-h5.json", "{\"layers\": [2, 1]}", "{\"source\": \"hdf5\", "
                      "\"file\": \"@/train_catvnoncat.h5\", \"x\": \"a\", \"y\": \"b\"}", 0,
                      GCV_ERR_INVALID, "data.source: @/train_catvnoncat.h5: reading HDF5 needs "
                      "gcverify built with libhdf5: install libhdf5-dev and reconfigure (meson "
                      "setup --reconfigure build -Dhdf5=enabled)");
#endif
#ifndef GCV_HAVE_MATIO
    char text[4096], want[GCV_ERROR_LEN], path[256];
    gcv_config *c = NULL;
    gcv_error err;
    data_config(text, sizeof text, "{\"layers\": [2, 1]}", "{\"source\": \"mat\", \"file\": "
                "\"@/data.mat\", \"x\": \"X\", \"y\": \"y\"}");
    write_text("nolib-mat.json", text, path, sizeof path);
    ck_assert_int_eq(gcv_config_load(path, 0, &c, &err), GCV_ERR_INVALID);
    data_tail(want, sizeof want, ": data.source: @/data.mat: reading MATLAB .mat files needs "
              "gcverify built with libmatio: install ");
    ck_assert_msg(strstr(err.msg, want) != NULL, "%s", err.msg);
#endif
}
END_TEST

#endif

START_TEST(csv_should_split_features_and_labels)
{
    char path[256];
    write_text("f.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,1\n7,8,0\n", path, sizeof path);
    gcv_config *c = load_ok("csv-basic.json", "{\"model\": {\"layers\": [2, 3, 1]}, \"data\": "
                            "{\"source\": \"csv\", \"file\": \"f.csv\"}}");
    static const double wx[8] = {1, 3, 5, 7, 2, 4, 6, 8}, wy[4] = {0, 1, 1, 0};
    ck_assert_str_eq(c->data_source, "csv");
    ck_assert_uint_eq(c->m, 4);
    for (size_t i = 0; i < 8; i++)
        ck_assert(c->x[i] == wx[i]);
    for (size_t j = 0; j < 4; j++)
        ck_assert(c->y[j] == wy[j]);
    ck_assert_uint_eq(c->n_notes, 0);
    gcv_config_free(c);

    /* the label in the middle by index, ';', no header, scaled features */
    write_text("mid.csv", "1;0;2\n3;1;4\n5;1;6\n", path, sizeof path);
    c = load_ok("csv-mid.json", "{\"model\": {\"layers\": [2, 1]}, \"data\": {\"source\": "
                "\"csv\", \"file\": \"mid.csv\", \"delimiter\": \";\", \"header\": false, "
                "\"label_columns\": [1], \"scale\": 0.5}}");
    static const double mx[6] = {0.5, 1.5, 2.5, 1, 2, 3}, my[3] = {0, 1, 1};
    for (size_t i = 0; i < 6; i++)
        ck_assert(c->x[i] == mx[i]);
    for (size_t j = 0; j < 3; j++)
        ck_assert(c->y[j] == my[j]);
    gcv_config_free(c);

    /* softmax: one label column holds class ids, made one-hot; tabs */
    write_text("ids.csv", "x1\tx2\tclass\n1\t2\t2\n3\t4\t0\n5\t6\t1\n", path, sizeof path);
    c = load_ok("csv-ids.json", "{\"model\": {\"layers\": [2, 3], \"output_activation\": "
                "\"softmax\", \"loss\": \"softmax_cross_entropy\"}, \"data\": {\"source\": "
                "\"csv\", \"file\": \"ids.csv\", \"delimiter\": \"\\t\", \"header\": true}}");
    static const double onehot[9] = {0, 1, 0, 0, 0, 1, 1, 0, 0};
    for (size_t i = 0; i < 9; i++)
        ck_assert(c->y[i] == onehot[i]);
    gcv_config_free(c);

    /* one-hot columns named first, in the order given; the rest are the features */
    write_text("hot.csv", "c1,x1,c0,x2\n0,1,1,2\n1,3,0,4\n", path, sizeof path);
    c = load_ok("csv-hot.json", "{\"model\": {\"layers\": [2, 2], \"output_activation\": "
                "\"softmax\", \"loss\": \"softmax_cross_entropy\"}, \"data\": {\"source\": "
                "\"csv\", \"file\": \"hot.csv\", \"label_columns\": [\"c0\", \"c1\"], "
                "\"labels\": \"one_hot\"}}");
    static const double hx[4] = {1, 3, 2, 4}, hy[4] = {1, 0, 0, 1};
    for (size_t i = 0; i < 4; i++)
        ck_assert(c->x[i] == hx[i] && c->y[i] == hy[i]);
    gcv_config_free(c);

    /* mse: label values as they are, two outputs */
    c = load_ok("csv-mse.json", "{\"model\": {\"layers\": [2, 2], \"output_activation\": "
                "\"linear\", \"loss\": \"mse\"}, \"data\": {\"source\": \"csv\", \"file\": "
                "\"hot.csv\", \"label_columns\": [\"x1\", \"x2\"]}}");
    static const double vx[4] = {0, 1, 1, 0}, vy[4] = {1, 3, 2, 4};
    for (size_t i = 0; i < 4; i++)
        ck_assert(c->x[i] == vx[i] && c->y[i] == vy[i]);
    gcv_config_free(c);
}
END_TEST

/* A csv config for a net of the given layers; data members after file. */
static void csv_config(char *out, size_t n, const char *layers, const char *file,
                       const char *more)
{
    snprintf(out, n, "{\"model\": {\"layers\": %s}, \"data\": {\"source\": \"csv\", \"file\": "
             "\"%s\"%s%s}}", layers, file, more[0] ? ", " : "", more);
}

static void expect_csv_error(const char *layers, const char *file, const char *more,
                             gcv_status st, const char *tail)
{
    char text[1024];
    csv_config(text, sizeof text, layers, file, more);
    expect_tmp_error("csv-error.json", text, st, tail);
}

START_TEST(csv_errors_should_name_line_and_column)
{
    char path[256];
    write_text("g.csv", "a,b,label\n1,2,0\n3,4,2\n", path, sizeof path);
    write_text("ragged.csv", "a,b,label\n1,2,0\n3,4\n", path, sizeof path);
    write_text("plain.csv", "1,2,0\n3,4,1\n", path, sizeof path);
    write_text("two.csv", "a,b,c0,c1\n1,2,1,1\n", path, sizeof path);
    /* the reader's message passes through under data.file */
    expect_csv_error("[2, 1]", "ragged.csv", "", GCV_ERR_INVALID,
                     "data.file: @/ragged.csv: line 3: expected 3 fields (as on line 1), got 2");
    expect_csv_error("[2, 1]", "nope.csv", "", GCV_ERR_IO,
                     "data.file: @/nope.csv: cannot open: No such file or directory");
    expect_csv_error("[3, 1]", "g.csv", "", GCV_ERR_INVALID,
                     "data.file: @/g.csv: expected 4 columns (3 features for layers[0] = 3, and "
                     "1 label column), got 3");
    /* label columns that are not in the file */
    expect_csv_error("[2, 1]", "g.csv", "\"label_columns\": [\"lable\"]", GCV_ERR_INVALID,
                     "data.label_columns[0]: expected a column name in the header of @/g.csv, "
                     "got \"lable\"; did you mean \"label\"?");
    expect_csv_error("[2, 1]", "g.csv", "\"label_columns\": [3]", GCV_ERR_INVALID,
                     "data.label_columns[0]: expected a column index below 3 (the columns of "
                     "@/g.csv), got 3");
    expect_csv_error("[2, 1]", "plain.csv", "\"label_columns\": [\"label\"]", GCV_ERR_INVALID,
                     "data.label_columns[0]: expected a column index (@/plain.csv has no header "
                     "row), got \"label\"");
    expect_csv_error("[1, 2]", "g.csv", "\"label_columns\": [1, \"b\"]", GCV_ERR_INVALID,
                     "data.label_columns[1]: expected each column once, got column 1 (\"b\") a "
                     "second time");
    /* labels the loss does not accept, located in the file */
    expect_csv_error("[2, 1]", "g.csv", "", GCV_ERR_INVALID,
                     "data.label_columns: @/g.csv: line 3, column 3: expected a label in [0, 1] "
                     "for binary_cross_entropy, got 2");
    expect_csv_error("[2, 2], \"output_activation\": \"softmax\", \"loss\": "
                     "\"softmax_cross_entropy\"", "g.csv", "", GCV_ERR_INVALID,
                     "data.label_columns: @/g.csv: line 3, column 3: expected a class id (an "
                     "integer in [0, 2)), got 2");
    expect_csv_error("[2, 2], \"output_activation\": \"softmax\", \"loss\": "
                     "\"softmax_cross_entropy\"", "two.csv", "\"label_columns\": [2, 3]",
                     GCV_ERR_INVALID, "data.label_columns: @/two.csv: line 2: expected exactly "
                     "one 1 among the 2 label columns (one_hot labels), got 2");
    expect_csv_error("[2, 2]", "two.csv", "\"label_columns\": [2, 3], \"labels\": "
                     "\"class_id\"", GCV_ERR_INVALID, "data.label_columns: expected one column "
                     "for class_id labels, got 2");
    expect_csv_error("[3, 2]", "two.csv", "", GCV_ERR_INVALID, "data.label_columns: expected 2 "
                     "label columns (one per output, layers[1] = 2), got 1 (the last column, by "
                     "default)");
}
END_TEST

START_TEST(file_sources_should_be_validated_before_reading)
{
    const char *m = "{\"model\": {\"layers\": [2, 1]}, \"data\": ";
    char text[512];
#define DATA_ERROR(data, tail)                                         \
    do {                                                               \
        snprintf(text, sizeof text, "%s%s}", m, data);                 \
        expect_error("file-parse.json", text, tail);                   \
    } while (0)
    DATA_ERROR("{\"source\": \"hdf5\", \"x\": \"a\", \"y\": \"b\"}",
               "data.file: expected the path of an HDF5 file, got nothing");
    DATA_ERROR("{\"source\": \"mat\", \"file\": \"d.mat\", \"y\": \"b\"}",
               "data.x: expected a variable name, got nothing");
    DATA_ERROR("{\"source\": \"hdf5\", \"file\": \"d.h5\", \"x\": \"\", \"y\": \"b\"}",
               "data.x: expected a non-empty string, got \"\"");
    DATA_ERROR("{\"source\": \"hdf5\", \"file\": \"d.h5\", \"x\": \"a\", \"y\": \"b\", "
               "\"layout\": \"examples_last\"}",
               "data.layout: expected one of features_by_examples, examples_by_features, "
               "examples_first, got \"examples_last\"; did you mean \"examples_first\"?");
    DATA_ERROR("{\"source\": \"npy\", \"x\": \"a\", \"y\": \"b\", \"layout\": "
               "\"examples_first\"}",
               "data.layout: expected one of features_by_examples, examples_by_features, got "
               "\"examples_first\"");
    DATA_ERROR("{\"source\": \"mat\", \"file\": \"d.mat\", \"x\": \"a\", \"y\": \"b\", "
               "\"scale\": 0}", "data.scale: expected a positive number, got 0");
    DATA_ERROR("{\"source\": \"mat\", \"file\": \"d.mat\", \"x\": \"a\", \"y\": \"b\", "
               "\"dataset\": \"c\"}", "data.dataset: unknown key; expected one of source, "
               "file, x, y, scale, layout");
    DATA_ERROR("{\"file\": \"d.mat\"}", "data.source: expected one of npy, inline, csv, hdf5, "
               "mat alongside x, y or file, got nothing");
    DATA_ERROR("{\"source\": \"csv\", \"file\": \"f.csv\", \"delimiter\": \"|\"}",
               "data.delimiter: expected \",\", \";\" or \"\\t\", got \"|\"");
    DATA_ERROR("{\"source\": \"csv\", \"file\": \"f.csv\", \"header\": \"yes\"}",
               "data.header: expected true, false or \"auto\", got \"yes\"");
    DATA_ERROR("{\"source\": \"csv\", \"file\": \"f.csv\", \"labels\": \"onehot\"}",
               "data.labels: expected one of class_id, one_hot, got \"onehot\"; did you mean "
               "\"one_hot\"?");
    DATA_ERROR("{\"source\": \"csv\", \"file\": \"f.csv\", \"label_columns\": []}",
               "data.label_columns: expected a non-empty array of column indices (from 0) or "
               "header names, got []");
    DATA_ERROR("{\"source\": \"csv\", \"file\": \"f.csv\", \"label_columns\": [-1]}",
               "data.label_columns[0]: expected a non-negative integer, got -1");
    DATA_ERROR("{\"source\": \"csv\", \"file\": \"f.csv\", \"x\": \"a\"}",
               "data.x: unknown key; expected one of source, file, delimiter, header, "
               "label_columns, labels, scale");
#undef DATA_ERROR
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *t = tcase_create("bad input");
    tcase_add_test(t, missing_file_should_name_the_file_and_the_reason);
    tcase_add_test(t, malformed_json_should_give_line_and_column);
    tcase_add_test(t, wrong_type_should_name_the_path_the_expected_and_the_found);
    tcase_add_test(t, unknown_key_should_suggest_nearest);
    tcase_add_test(t, expect_should_be_pass_or_fail);
    tcase_add_test(t, duplicate_key_should_be_refused);
    tcase_add_test(t, values_with_a_wrong_shape_should_give_both_shapes);
    tcase_add_test(t, npy_dir_with_a_transposed_w_should_name_the_file);
    tcase_add_test(t, weights_in_out_should_transpose_w);
    tcase_add_test(t, matlab_jsonencode_vectors_and_scalars_should_load);
    tcase_add_test(t, inline_x_rows_should_match_layers_0);
    tcase_add_test(t, y_columns_should_match_x_columns);
    tcase_add_test(t, labels_out_of_range_should_give_value_and_place);
    tcase_add_test(t, nan_and_inf_in_data_and_params_should_be_located);
    tcase_add_test(t, absurd_size_should_be_refused_by_the_memory_guard);
    tcase_add_test(t, machine_memory_should_be_the_default_limit);
    suite_add_tcase(s, t);
    t = tcase_create("good input");
    tcase_add_test(t, defaults_should_be_applied);
    tcase_add_test(t, synthetic_data_should_be_balanced_for_bce);
    tcase_add_test(t, class_ids_should_become_one_hot);
    tcase_add_test(t, examples_by_features_should_be_transposed);
    tcase_add_test(t, examples_subset_should_be_seeded_and_sorted);
    tcase_add_test(t, relative_paths_should_resolve_against_the_config_folder);
    tcase_add_test(t, hidden_activation_should_apply_per_layer);
    suite_add_tcase(s, t);
    t = tcase_create("data sources");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, npy_integer_labels_should_be_noted);
    tcase_add_test(t, csv_should_split_features_and_labels);
    tcase_add_test(t, csv_errors_should_name_line_and_column);
    tcase_add_test(t, file_sources_should_be_validated_before_reading);
#ifdef GCV_HAVE_MATIO
    tcase_add_test(t, mat_should_read_data_mat_as_the_seeds_do);
    tcase_add_test(t, mat_errors_should_name_the_file_the_variable_and_the_shapes);
    tcase_add_test(t, mat_should_convert_integer_types_and_layouts);
#endif
#ifdef GCV_HAVE_HDF5
    tcase_add_test(t, hdf5_should_flatten_and_scale_the_cat_images);
    tcase_add_test(t, hdf5_errors_should_name_the_file_the_dataset_and_the_shapes);
#endif
#if !defined(GCV_HAVE_HDF5) || !defined(GCV_HAVE_MATIO)
    tcase_add_test(t, missing_library_should_say_how_to_enable_it);
#endif
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/gcv-test-config-XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    SRunner *sr = srunner_create(config_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_tree(tmp_dir);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

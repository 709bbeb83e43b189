/* The config loader: one test per class of bad input of issue 2 (missing file, malformed
 * JSON, wrong types, unknown and duplicate keys, inconsistent shapes, labels out of range,
 * NaN/Inf, absurd sizes), each asserting the status and the exact one-line message; then
 * the good paths (defaults, synthetic data, label conversion, layouts, subsets, paths). */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gcverify/gcverify.h"
#include "io/config.h"
#include "io/npy.h"
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
                 "xyzzy: unknown key; expected one of name, model, data, check, report");
    /* names inside values get the same help */
    expect_error("typo-act.json",
                 "{\"model\": {\"layers\": [4, 3, 1], \"hidden_activation\": \"tahn\"}}",
                 "model.hidden_activation: expected one of relu, leaky_relu, tanh, sigmoid, "
                 "linear, got \"tahn\"; did you mean \"tanh\"?");
    /* a key no path can print plainly is quoted */
    expect_error("typo-odd.json", "{\"model\": {\"layers\": [4, 1]}, \"a b\": 1}",
                 "[\"a b\"]: unknown key; expected one of name, model, data, check, report");
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
                 "model.params.values.W1: expected shape (3, 2), got (2, 3)");
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
             "2), got (2, 3)", tmp_dir);
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
                     "estimated 18.6 GiB (5 parameters, 100000000 examples, 1 thread)");
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
                     "223.5 GiB (3 parameters, 2000000000 examples, 1 thread)");
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

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *t = tcase_create("bad input");
    tcase_add_test(t, missing_file_should_name_the_file_and_the_reason);
    tcase_add_test(t, malformed_json_should_give_line_and_column);
    tcase_add_test(t, wrong_type_should_name_the_path_the_expected_and_the_found);
    tcase_add_test(t, unknown_key_should_suggest_nearest);
    tcase_add_test(t, duplicate_key_should_be_refused);
    tcase_add_test(t, values_with_a_wrong_shape_should_give_both_shapes);
    tcase_add_test(t, npy_dir_with_a_transposed_w_should_name_the_file);
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

/* Gradient dumps into a config (src/data/dump.c, src/config/gradients.c) from the library
 * side: an HDF5 dump as h5py writes one (W1 … at the top, the gradient in a grads group),
 * its θ, gradient and data in θ order; the user's cost kept for the comparison; a dump's kind
 * told by its first bytes when the extension says nothing; and the dumped model, whose cost
 * is the network's and whose gradient is the dump's. The command-line side (every form,
 * the course's planted bugs, the messages) is tests/dumps-test.sh. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "data/dump.h"
#include "model/build.h"
#include "model/dumped.h"

#ifdef GCV_HAVE_HDF5
#include <hdf5.h>
#endif

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

static void write_text(const char *name, const char *text, char *path, size_t n)
{
    tmp_path(path, n, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/* A 2-3-1 network: W1 (3, 2), b1 (3, 1), W2 (1, 3), b2 (1, 1); θ is 0.1·(i+1) - 0.5 and the
 * gradient 0.01·(i+1), i in θ order. */
static const size_t BLOCK_ROWS[4] = {3, 3, 1, 1}, BLOCK_COLS[4] = {2, 1, 3, 1};
static const char *const BLOCK_NAMES[4] = {"W1", "b1", "W2", "b2"};
static const char NET[] = "{\"model\": {\"layers\": [2, 3, 1], \"hidden_activation\": "
                          "\"tanh\"}}";

static double theta_at(size_t i)
{
    return 0.1 * (double)(i + 1) - 0.5;
}

#ifdef GCV_HAVE_HDF5
static void h5_put(hid_t file, const char *name, int rank, const hsize_t *dims,
                   const double *v)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t ds = H5Dcreate2(file, name, H5T_IEEE_F64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(ds, 0);
    ck_assert_int_ge(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
    H5Dclose(ds);
    H5Pclose(lcpl);
    H5Sclose(space);
}

/* h5py's f.create_dataset per array: parameters at the top level, gradients under grads/,
 * X (2, 4), Y (4,) as 1-D, and J. */
static void write_h5_dump(const char *path, double J)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    size_t off = 0;
    for (size_t k = 0; k < 4; k++) {
        double v[8], g[8];
        size_t n = BLOCK_ROWS[k] * BLOCK_COLS[k];
        for (size_t i = 0; i < n; i++) {
            v[i] = theta_at(off + i);
            g[i] = 0.01 * (double)(off + i + 1);
        }
        hsize_t dims[2] = {BLOCK_ROWS[k], BLOCK_COLS[k]};
        char name[32];
        h5_put(f, BLOCK_NAMES[k], 2, dims, v);
        snprintf(name, sizeof name, "grads/%s", BLOCK_NAMES[k]);
        h5_put(f, name, 2, dims, g);
        off += n;
    }
    const double x[8] = {0.5, -1, 2, 0.25, 1, 1.5, -0.5, 0}, y[4] = {1, 0, 1, 1};
    hsize_t xd[2] = {2, 4}, yd[1] = {4}, jd[1] = {1};
    h5_put(f, "X", 2, xd, x);
    h5_put(f, "Y", 1, yd, y);
    h5_put(f, "J", 1, jd, &J);
    H5Fclose(f);
}

START_TEST(h5_dump_should_give_theta_gradient_data_and_cost)
{
    char h5[256], cfg_path[256];
    tmp_path(h5, sizeof h5, "dump.h5");
    write_h5_dump(h5, 0.75);
    write_text("net.json", NET, cfg_path, sizeof cfg_path);
    gcv_config *c = NULL;
    gcv_error err = {{0}};
    ck_assert_msg(gcv_config_load_dump(cfg_path, 0, NULL, h5, &c, &err) == GCV_OK, "%s",
                  err.msg);
    ck_assert_uint_eq(c->n_params, 13);
    for (size_t i = 0; i < 13; i++) {
        ck_assert_msg(c->theta[i] == theta_at(i), "θ[%zu] = %g", i, c->theta[i]);
        ck_assert_msg(c->grad[i] == 0.01 * (double)(i + 1), "grad[%zu] = %g", i, c->grad[i]);
    }
    ck_assert_uint_eq(c->m, 4);
    ck_assert(c->x[0] == 0.5 && c->x[4] == 1 && c->x[7] == 0);
    ck_assert(c->y[0] == 1 && c->y[1] == 0);
    ck_assert_int_eq(c->has_cost, 1);
    ck_assert(c->cost == 0.75);
    ck_assert_str_eq(c->cost_name, "J");

    /* The model: the network's cost at θ, the dump's gradient; J is not the network's. */
    gcv_model *m = NULL;
    ck_assert_msg(gcv_config_model_new(c, &m, &err) == GCV_OK, "%s", err.msg);
    ck_assert_uint_eq(m->n_params, 13);
    ck_assert_str_eq(m->blocks[2].name, "W2");
    double *g = calloc(13, sizeof *g), ours = 0, rel = 0, cost = 0;
    void *ws = aligned_alloc(64, (m->ws_bytes + 63) / 64 * 64 + 64);
    ck_assert_ptr_nonnull(g);
    ck_assert_ptr_nonnull(ws);
    memset(ws, 0, (m->ws_bytes + 63) / 64 * 64 + 64);
    ck_assert_int_eq(m->gradient(m, m->theta, g, ws, &cost), 0);
    for (size_t i = 0; i < 13; i++)
        ck_assert(g[i] == c->grad[i]);
    ck_assert_int_eq(gcv_dumped_cost_differs(m, c->cost, &ours, &rel), 1);
    ck_assert(ours == cost && ours > 0 && ours != 0.75);
    ck_assert(fabs(rel - fabs(ours - 0.75) / fmax(ours, 0.75)) < 1e-15);
    /* the same cost is "no difference" */
    ck_assert_int_eq(gcv_dumped_cost_differs(m, ours, &ours, &rel), 0);
    ck_assert(rel == 0.0);
    free(ws);
    free(g);
    gcv_model_free(m);
    gcv_config_free(c);
}
END_TEST
#endif

/* The kind from the first bytes when the name says nothing; a file of no known kind is
 * refused by name. */
START_TEST(dump_kind_should_follow_the_magic_without_an_extension)
{
    char path[256];
    gcv_dump *d = NULL;
    gcv_error err = {{0}};
    write_text("plain", "just text, not a dump", path, sizeof path);
    ck_assert_int_eq(gcv_dump_open(path, &d, &err), GCV_ERR_INVALID);
    ck_assert_ptr_null(d);
    ck_assert_ptr_nonnull(strstr(err.msg, "expected a gradient dump (an .npz, .mat or .h5 "
                                          "file, or a folder of .npy files)"));
    write_text("matlike", "MATLAB 5.0 MAT-file", path, sizeof path);
    ck_assert_int_eq(gcv_dump_open(path, &d, &err), GCV_OK);
    ck_assert_str_eq(gcv_dump_kind(d), "mat");
    gcv_dump_close(d);
    ck_assert_int_eq(gcv_dump_open(tmp_dir, &d, &err), GCV_OK);
    ck_assert_str_eq(gcv_dump_kind(d), "npy folder");
    gcv_npy a;
    int missing = 0;
    ck_assert_int_eq(gcv_dump_read(d, "W1", 10, &a, &missing, &err), GCV_ERR_INVALID);
    ck_assert_int_eq(missing, 1);
    ck_assert_ptr_null(a.data);
    gcv_dump_close(d);
    gcv_dump_close(NULL);
}
END_TEST

static Suite *dumps_suite(void)
{
    Suite *s = suite_create("dumps");
    TCase *t = tcase_create("dumps");
#ifdef GCV_HAVE_HDF5
    tcase_add_test(t, h5_dump_should_give_theta_gradient_data_and_cost);
#endif
    tcase_add_test(t, dump_kind_should_follow_the_magic_without_an_extension);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/gcv-test-dumps-XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    SRunner *sr = srunner_create(dumps_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_tree(tmp_dir);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

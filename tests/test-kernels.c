/* The MLP's hand-written kernels and, in a -Dblas=enabled build, the BLIS path: the dense
 * products against the one-row loops (bit for bit in the portable build, within rounding
 * with BLIS), the vector tanh and the near forms against the scalar ones, the same bits from 8 threads calling
 * at once, and a net large enough for BLIS checked end to end on 1 to 4 threads. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcverify/gcverify.h"
#include "model/act.h"
#include "model/dense.h"
#include "model/mlp.h"
#include "util/rng.h"

#ifdef GCV_HAVE_BLAS
static const int blas = 1;
#else
static const int blas = 0;
#endif

/* s + x·y as the kernels compute it: one rounding where they fuse multiply-adds (-Dfma,
 * which the library reports), else two. */
static int fused(void)
{
    return strstr(gcv_dense_kernels(), "+fma") != NULL;
}
static double madd(double s, double x, double y)
{
    return fused() ? fma(x, y, s) : s + x * y;
}

static double *randn(size_t n, gcv_rng *r)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++)
        v[i] = gcv_rng_normal(r);
    return v;
}

/* got equals want bit for bit (portable kernels), or, with BLIS, which sums in its own
 * order, within the rounding bound of two sums of `terms` terms: terms·ε·Σ|term|. */
static void expect_close(const double *got, const double *want, const double *mag, size_t n,
                         size_t terms, const char *what)
{
    const double tol = (double)(terms + 2) * DBL_EPSILON;
    for (size_t i = 0; i < n; i++) {
        if (!blas)
            ck_assert_msg(memcmp(&got[i], &want[i], sizeof got[i]) == 0,
                          "%s[%zu]: %.17g, the one-row loop gives %.17g", what, i, got[i],
                          want[i]);
        else
            ck_assert_msg(fabs(got[i] - want[i]) <= tol * mag[i],
                          "%s[%zu]: %.17g, the one-row loop gives %.17g", what, i, got[i],
                          want[i]);
    }
}

/* The reference: Z = W·A + b one element at a time, j ascending from 0.0 (each step fused
 * where the kernels fuse), then + b. */
static void ref_forward(const double *w, const double *b, const double *a, double *z,
                        double *mag, size_t rows, size_t cols, size_t m)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t k = 0; k < m; k++) {
            double s = 0.0, g = 0.0;
            for (size_t j = 0; j < cols; j++) {
                s = madd(s, w[i * cols + j], a[j * m + k]);
                g += fabs(w[i * cols + j] * a[j * m + k]);
            }
            z[i * m + k] = s + b[i];
            mag[i * m + k] = g + fabs(b[i]);
        }
}

static void forward_case(size_t rows, size_t cols, size_t m, uint64_t seed)
{
    gcv_rng r;
    gcv_rng_seed(&r, seed);
    double *w = randn(rows * cols, &r), *b = randn(rows, &r), *a = randn(cols * m, &r);
    double *z = malloc(rows * m * sizeof *z), *want = malloc(rows * m * sizeof *want);
    double *mag = malloc(rows * m * sizeof *mag);
    gcv_dense_forward(w, b, a, z, rows, cols, m);
    ref_forward(w, b, a, want, mag, rows, cols, m);
    char what[64];
    snprintf(what, sizeof what, "Z %zux%zux%zu", rows, cols, m);
    expect_close(z, want, mag, rows * m, cols, what);
    free(w);
    free(b);
    free(a);
    free(z);
    free(want);
    free(mag);
}

/* Every tile shape and tail: rows through the 8, 4, 2 and 1-row groups, m through whole
 * vectors, half vectors, scalar tails and m = 1, cols small and large. */
START_TEST(dense_forward_should_sum_each_element_in_the_one_row_order)
{
    static const size_t rows[] = {1, 2, 3, 5, 8, 9, 13, 17};
    static const size_t cols[] = {1, 3, 8, 64, 301};
    static const size_t ms[] = {1, 2, 3, 7, 8, 9, 16, 17, 31, 33, 64, 65};
    uint64_t seed = 1;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        for (size_t j = 0; j < sizeof cols / sizeof *cols; j++)
            for (size_t k = 0; k < sizeof ms / sizeof *ms; k++)
                forward_case(rows[i], cols[j], ms[k], seed++);
}
END_TEST

/* A's rows in several passes (the 12288-input layer on 209 examples: 20 MB of A), each
 * continuing from the partial sums left in Z. */
START_TEST(dense_forward_should_keep_its_order_across_passes_over_a)
{
    forward_case(5, 12288, 209, 7);
    forward_case(9, 4099, 33, 8);
    forward_case(3, 70000, 1, 9);
}
END_TEST

START_TEST(backward_products_should_match_the_plain_loops)
{
    static const size_t shapes[][3] = {{5, 4, 3}, {13, 17, 9}, {40, 48, 37}, {128, 256, 64}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        size_t rows = shapes[s][0], cols = shapes[s][1], m = shapes[s][2];
        gcv_rng r;
        gcv_rng_seed(&r, 100 + s);
        double *w = randn(rows * cols, &r), *d = randn(rows * m, &r), *a = randn(cols * m, &r);
        double *gw = malloc(rows * cols * sizeof *gw), *gb = malloc(rows * sizeof *gb);
        double *da = malloc(cols * m * sizeof *da);
        double *want = malloc((rows * cols + cols * m + rows) * sizeof *want);
        double *mag = malloc((rows * cols + cols * m + rows) * sizeof *mag);
        gcv_dense_weight_grad(d, a, gw, gb, rows, cols, m);
        gcv_dense_input_grad(w, d, da, rows, cols, m);
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++) {
                double t = 0.0, g = 0.0;
                for (size_t k = 0; k < m; k++) {
                    t = madd(t, d[i * m + k], a[j * m + k]);
                    g += fabs(d[i * m + k] * a[j * m + k]);
                }
                want[i * cols + j] = t;
                mag[i * cols + j] = g;
            }
        expect_close(gw, want, mag, rows * cols, m, "dW");
        for (size_t j = 0; j < cols; j++)
            for (size_t k = 0; k < m; k++) {
                double t = 0.0, g = 0.0;
                for (size_t i = 0; i < rows; i++) {
                    t = madd(t, w[i * cols + j], d[i * m + k]);
                    g += fabs(w[i * cols + j] * d[i * m + k]);
                }
                want[j * m + k] = t;
                mag[j * m + k] = g;
            }
        expect_close(da, want, mag, cols * m, rows, "dA");
        for (size_t i = 0; i < rows; i++) {
            double t = 0.0;
            for (size_t k = 0; k < m; k++)
                t += d[i * m + k];
            ck_assert_msg(memcmp(&t, &gb[i], sizeof t) == 0, "db[%zu]", i);
        }
        free(w);
        free(d);
        free(a);
        free(gw);
        free(gb);
        free(da);
        free(want);
        free(mag);
    }
}
END_TEST

/* The table's tanh runs whole vectors and a scalar tail: every lane must hold the bits of
 * gcv_tanh (the scalar form), on both branches, at the switch points and saturated. */
START_TEST(vector_tanh_should_give_the_bits_of_the_scalar_tanh)
{
    const gcv_act *t = gcv_act_get(GCV_ACT_TANH);
    enum { N = 4099 };
    static double z[N], a[N];
    gcv_rng r;
    gcv_rng_seed(&r, 42);
    static const double special[] = {0.0, -0.0, 0.625, -0.625, 0.6249999999999999, 20.0, -20.0,
                                     19.999999999999996, 40.0, 1e-310, -4.9e-324, 1e300,
                                     INFINITY, -INFINITY};
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < N; i++)
            z[i] = round % 2 ? 30.0 * (gcv_rng_uniform(&r) - 0.5)
                             : 1.5 * (gcv_rng_uniform(&r) - 0.5);
        if (round == 0)
            memcpy(z, special, sizeof special);
        size_t n = N - (size_t)round % 9; /* tails of every length */
        t->forward(z, a, n, 0.0);
        for (size_t i = 0; i < n; i++) {
            double s = gcv_tanh(z[i]);
            ck_assert_msg(memcmp(&s, &a[i], sizeof s) == 0, "tanh(%.17g): %.17g, scalar %.17g",
                          z[i], a[i], s);
        }
    }
    z[0] = NAN;
    t->forward(z, a, 9, 0.0);
    ck_assert(isnan(a[0]));
}
END_TEST

/* The incremental check's tanh and sigmoid from a nearby cached point: every element of the
 * table's near form (whole vectors and tail for tanh; a loop the compiler may vectorise for
 * sigmoid) must hold the bits of its scalar form, with steps inside 2⁻¹², outside it (those
 * elements take f itself: forward's bits), mixed in one vector, exactly at it, NaN and ±Inf.
 * _i: 0 tanh, 1 sigmoid. */
START_TEST(near_forms_should_give_the_bits_of_their_scalar_forms)
{
    const gcv_act_id id = _i == 0 ? GCV_ACT_TANH : GCV_ACT_SIGMOID;
    double (*scalar)(double, double, double) = _i == 0 ? gcv_tanh_near : gcv_sigmoid_near;
    const gcv_act *t = gcv_act_get(id);
    ck_assert(t->near != NULL);
    enum { N = 1031 };
    static double z0[N], a0[N], z[N], a[N], f[N];
    gcv_rng r;
    gcv_rng_seed(&r, 7);
    for (int round = 0; round < 300; round++) {
        /* round % 3: all steps small; one element in 50 outside; all outside */
        for (size_t i = 0; i < N; i++) {
            z0[i] = (round % 2 ? 30.0 : 2.0) * (gcv_rng_uniform(&r) - 0.5);
            double e = -12.0 - 40.0 * gcv_rng_uniform(&r);
            if (round % 3 == 2 || (round % 3 == 1 && i % 50 == 7))
                e = -11.9 + 12.0 * gcv_rng_uniform(&r);
            z[i] = z0[i] + ldexp(gcv_rng_uniform(&r) - 0.5, (int)e + 1);
        }
        if (round == 1) {
            static const double special[][2] = {{0.5, 0.5 + 0x1p-12}, {0.5, 0.5 - 0x1p-12},
                                                {1.0, 1.0 + 0x1p-12 + 0x1p-52},
                                                {0.0, -0.0}, {25.0, 25.0 + 1e-9},
                                                {0.3, INFINITY}, {0.3, -INFINITY}};
            for (size_t k = 0; k < sizeof special / sizeof special[0]; k++) {
                z0[k] = special[k][0];
                z[k] = special[k][1];
            }
        }
        t->forward(z0, a0, N, 0.0);
        size_t n = N - (size_t)round % 9;
        t->near(z0, a0, z, a, n, 0.0);
        t->forward(z, f, n, 0.0);
        for (size_t i = 0; i < n; i++) {
            double s = scalar(z0[i], a0[i], z[i]);
            ck_assert_msg(memcmp(&s, &a[i], sizeof s) == 0,
                          "%s near(%.17g → %.17g): %.17g, scalar %.17g", t->name, z0[i], z[i],
                          a[i], s);
            /* outside 2⁻¹² the value is f's own */
            if (!(fabs(z[i] - z0[i]) <= 0x1p-12))
                ck_assert_msg(memcmp(&f[i], &a[i], sizeof f[i]) == 0, "%s near(%.17g → %.17g)",
                              t->name, z0[i], z[i]);
        }
    }
    z0[0] = 0.1;
    z[0] = NAN;
    t->forward(z0, a0, 9, 0.0);
    t->near(z0, a0, z, a, 9, 0.0);
    ck_assert(isnan(a[0]));
    ck_assert(a[1] == scalar(z0[1], a0[1], z[1]));
}
END_TEST

/* Eight threads at once, each with its own buffers, call the products (shapes that go to
 * BLIS in a BLAS build and shapes that stay on the kernel) over and over: every result must
 * be the bits the same call gave alone. This is how the check's loop calls them. */
START_TEST(concurrent_products_should_give_the_bits_of_serial_ones)
{
    enum { S = 4, REPS = 60 };
    static const size_t sh[S][3] = {{256, 784, 64}, {64, 64, 128}, {10, 128, 64}, {5, 5, 3}};
    double *w[S], *b[S], *a[S], *ref[S], *gref[S];
    gcv_rng r;
    gcv_rng_seed(&r, 5);
    for (int s = 0; s < S; s++) {
        size_t rows = sh[s][0], cols = sh[s][1], m = sh[s][2];
        w[s] = randn(rows * cols, &r);
        b[s] = randn(rows, &r);
        a[s] = randn(cols * m, &r);
        ref[s] = malloc(rows * m * sizeof *ref[s]);
        gref[s] = malloc(cols * m * sizeof *gref[s]);
        gcv_dense_forward(w[s], b[s], a[s], ref[s], rows, cols, m);
        gcv_dense_input_grad(w[s], ref[s], gref[s], rows, cols, m);
    }
    int bad = 0;
#pragma omp parallel num_threads(8) reduction(+ : bad)
    {
        double *z = malloc(256 * 128 * sizeof *z), *g = malloc(784 * 128 * sizeof *g);
        for (int k = 0; k < REPS; k++) {
            int s = (k + omp_get_thread_num()) % S;
            size_t rows = sh[s][0], cols = sh[s][1], m = sh[s][2];
            gcv_dense_forward(w[s], b[s], a[s], z, rows, cols, m);
            bad += memcmp(z, ref[s], rows * m * sizeof *z) != 0;
            gcv_dense_input_grad(w[s], z, g, rows, cols, m);
            bad += memcmp(g, gref[s], cols * m * sizeof *g) != 0;
        }
        free(z);
        free(g);
    }
    ck_assert_msg(bad == 0, "%d of %d concurrent products differ from the serial ones", bad,
                  8 * REPS * 2);
    for (int s = 0; s < S; s++) {
        free(w[s]);
        free(b[s]);
        free(a[s]);
        free(ref[s]);
        free(gref[s]);
    }
}
END_TEST

/* A tanh net whose layers are large enough for BLIS (48×40×37 multiply-adds and up): the
 * gradient passes central differences, every incremental cost equals the full pass, and
 * the results are the same bits on 1, 2, 3 and 4 threads. */
START_TEST(a_net_large_enough_for_blas_should_pass_and_not_depend_on_threads)
{
    size_t sizes[4] = {40, 48, 40, 3};
    size_t P = gcv_mlp_param_count(3, sizes), m = 37;
    gcv_rng r;
    gcv_rng_seed(&r, 9);
    double *th = malloc(P * sizeof *th), *x = randn(sizes[0] * m, &r);
    double *y = calloc(sizes[3] * m, sizeof *y);
    gcv_mlp_init(3, sizes, GCV_INIT_XAVIER, 0.0, 3, th);
    for (size_t j = 0; j < m; j++)
        y[gcv_rng_below(&r, sizes[3]) * m + j] = 1.0;
    gcv_act_id hid[2] = {GCV_ACT_TANH, GCV_ACT_TANH};
    gcv_mlp_spec s = {3, sizes, hid, 0.01, GCV_ACT_SOFTMAX, GCV_LOSS_SOFTMAX_CE, 0.1, 1.0, 0,
                      NULL, 0, th, x, y, m};
    gcv_model *model = NULL;
    gcv_error err;
    ck_assert_msg(gcv_mlp_new(&s, &model, &err) == GCV_OK, "%s", err.msg);
    void *ws = malloc(model->ws_bytes);
    double *t2 = malloc(P * sizeof *t2);
    memcpy(t2, model->theta, P * sizeof *t2);
    for (size_t i = 0; i < P; i += 97) {
        double full, inc, v = model->theta[i] + 1e-3;
        t2[i] = v;
        model->cost(model, t2, ws, &full);
        t2[i] = model->theta[i];
        model->cost_perturbed(model, i, v, ws, &inc);
        ck_assert_msg(fabs(full - inc) <= 1e-13 * (1.0 + fabs(full)), "θ[%zu]: %.17g vs %.17g",
                      i, full, inc);
    }
    gcv_result *ref = NULL;
    for (int t = 1; t <= 4; t++) {
        gcv_options o;
        gcv_options_default(&o);
        o.threads = t;
        gcv_result *res = NULL;
        ck_assert_msg(gcv_check(model, &o, &res, &err) == GCV_OK, "%s", err.msg);
        ck_assert_msg(res->status == GCV_PASS, "difference %g", res->difference);
        if (!ref) {
            ref = res;
            continue;
        }
        ck_assert(memcmp(&res->difference, &ref->difference, sizeof res->difference) == 0);
        for (size_t i = 0; i < P; i++)
            ck_assert_msg(memcmp(&res->params[i].numeric, &ref->params[i].numeric,
                                 sizeof(double)) == 0 &&
                              memcmp(&res->params[i].analytic, &ref->params[i].analytic,
                                     sizeof(double)) == 0,
                          "θ[%zu] differs between 1 and %d threads", i, t);
        gcv_result_free(res);
    }
    gcv_result_free(ref);
    free(ws);
    free(t2);
    free(th);
    free(x);
    free(y);
    gcv_model_free(model);
}
END_TEST

START_TEST(the_kernels_should_say_which_they_are)
{
#ifdef GCV_FMA_EXPECTED
    const char *want = blas ? "blis+fma" : "portable+fma";
#else
    const char *want = blas ? "blis" : "portable";
#endif
    ck_assert_str_eq(gcv_dense_kernels(), want);
}
END_TEST

static Suite *kernels_suite(void)
{
    Suite *s = suite_create("kernels");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, dense_forward_should_sum_each_element_in_the_one_row_order);
    tcase_add_test(tc, dense_forward_should_keep_its_order_across_passes_over_a);
    tcase_add_test(tc, backward_products_should_match_the_plain_loops);
    tcase_add_test(tc, vector_tanh_should_give_the_bits_of_the_scalar_tanh);
    tcase_add_loop_test(tc, near_forms_should_give_the_bits_of_their_scalar_forms, 0, 2);
    tcase_add_test(tc, concurrent_products_should_give_the_bits_of_serial_ones);
    tcase_add_test(tc, a_net_large_enough_for_blas_should_pass_and_not_depend_on_threads);
    tcase_add_test(tc, the_kernels_should_say_which_they_are);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kernels_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

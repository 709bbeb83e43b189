/* The engine on functions whose gradients are known exactly: the seeds' J = θx, a quadratic
 * form and Rosenbrock's function. Tolerances follow from the error terms of each scheme:
 * central O(h²·|J'''|) + O(u·|J|/h), one-sided O(h·|J''|) + O(u·|J|/h). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gcverify/gcverify.h"

/* ---- a tiny model framework for closed-form functions ---- */

typedef double (*fn_t)(const double *th, size_t n);

typedef struct fn_model {
    fn_t f;
    void (*g)(const double *th, double *grad, size_t n);
    double wrong_factor; /* multiplies the analytic gradient of the last block, 1: correct */
} fn_model;

static int fn_cost(const gcv_model *m, const double *th, void *ws, double *cost)
{
    (void)ws;
    const fn_model *s = m->self;
    *cost = s->f(th, m->n_params);
    return 0;
}

static int fn_grad(const gcv_model *m, const double *th, double *g, void *ws, double *cost)
{
    const fn_model *s = m->self;
    s->g(th, g, m->n_params);
    const gcv_block *last = &m->blocks[m->n_blocks - 1];
    for (size_t i = 0; i < last->rows * last->cols; i++)
        g[last->offset + i] *= s->wrong_factor;
    return fn_cost(m, th, ws, cost);
}

static void fn_destroy(gcv_model *m)
{
    free(m->blocks);
    free(m->theta);
    free(m->self);
    free(m);
}

/* n parameters in two blocks "a" (first half, layer 1) and "b" (rest, layer 2). */
static gcv_model *fn_model_new(fn_t f, void (*g)(const double *, double *, size_t),
                               const double *theta, size_t n, double wrong)
{
    gcv_model *m = calloc(1, sizeof *m);
    fn_model *s = calloc(1, sizeof *s);
    s->f = f;
    s->g = g;
    s->wrong_factor = wrong;
    m->self = s;
    m->n_params = n;
    m->theta = malloc(n * sizeof *m->theta);
    memcpy(m->theta, theta, n * sizeof *theta);
    size_t half = n / 2 ? n / 2 : 1;
    m->n_blocks = n > 1 ? 2 : 1;
    m->blocks = calloc(m->n_blocks, sizeof *m->blocks);
    strcpy(m->blocks[0].name, "a");
    m->blocks[0].layer = 1;
    m->blocks[0].rows = half;
    m->blocks[0].cols = 1;
    if (n > 1) {
        strcpy(m->blocks[1].name, "b");
        m->blocks[1].layer = 2;
        m->blocks[1].rows = n - half;
        m->blocks[1].cols = 1;
        m->blocks[1].offset = half;
    }
    m->ws_bytes = 8;
    m->cost = fn_cost;
    m->gradient = fn_grad;
    m->destroy = fn_destroy;
    return m;
}

/* The seeds' example: J(θ) = θ·x with x = 2 (one parameter, θ = 4): dJ/dθ = x. */
static double linear_f(const double *th, size_t n)
{
    (void)n;
    return th[0] * 2.0;
}
static void linear_g(const double *th, double *g, size_t n)
{
    (void)th; (void)n;
    g[0] = 2.0;
}

/* J = Σ_i c_i θ_i² / 2 + Σ_{i} θ_i θ_{i+1} with c_i = i + 1: a coupled quadratic form. */
static double quad_f(const double *th, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += 0.5 * (double)(i + 1) * th[i] * th[i];
        if (i + 1 < n)
            s += th[i] * th[i + 1];
    }
    return s;
}
static void quad_g(const double *th, double *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g[i] = (double)(i + 1) * th[i];
        if (i + 1 < n)
            g[i] += th[i + 1];
        if (i > 0)
            g[i] += th[i - 1];
    }
}

/* Rosenbrock's function Σ 100(θ_{i+1} − θ_i²)² + (1 − θ_i)². */
static double rosen_f(const double *th, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i + 1 < n; i++) {
        double a = th[i + 1] - th[i] * th[i], b = 1.0 - th[i];
        s += 100.0 * a * a + b * b;
    }
    return s;
}
static void rosen_g(const double *th, double *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g[i] = 0.0;
    for (size_t i = 0; i + 1 < n; i++) {
        double a = th[i + 1] - th[i] * th[i];
        g[i] += -400.0 * th[i] * a - 2.0 * (1.0 - th[i]);
        g[i + 1] += 200.0 * a;
    }
}

static gcv_result *run(gcv_model *m, gcv_method method, double eps, int threads)
{
    gcv_options o;
    gcv_options_default(&o);
    o.method = method;
    o.epsilon = eps;
    o.threads = threads;
    gcv_result *r = NULL;
    gcv_error err;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_OK);
    return r;
}

static const double rosen_theta[] = {-1.2, 1.0, 0.5, -0.3, 0.8, 1.1, -0.7, 0.2};

START_TEST(central_should_recover_seed_linear_example_exactly)
{
    double th = 4.0;
    gcv_model *m = fn_model_new(linear_f, linear_g, &th, 1, 1.0);
    gcv_result *r = run(m, GCV_METHOD_CENTRAL, 1e-7, 1);
    /* J is linear: the only error is the rounding of J(θ±h), at most u·|J| each. */
    ck_assert_double_eq_tol(r->params[0].numeric, 2.0, 4.0 * 0x1p-52 * 8.0 / 2e-7);
    ck_assert_int_eq(r->status, GCV_PASS);
    /* The noise measurement's 6 (θ ± h, ± 2h, ± 3h) hold the check's own θ ± h, bit for
     * bit: the check takes them from the memo and evaluates nothing (it would be 2). */
    ck_assert_uint_eq(r->evaluations_check, 0);
    ck_assert_uint_eq(r->evaluations_noise, 6);
    ck_assert_uint_eq(r->evaluations_escalation, 0);
    ck_assert_uint_eq(r->evaluations, 6);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(every_method_should_agree_with_quadratic_gradient)
{
    double th[6] = {0.3, -1.1, 2.0, 0.7, -0.4, 1.5};
    gcv_model *m = fn_model_new(quad_f, quad_g, th, 6, 1.0);
    for (int method = 0; method < 3; method++) {
        gcv_result *r = run(m, (gcv_method)method, 1e-6, 2);
        /* central is exact on quadratics up to rounding (u·|J|/h ≈ 1e-10 here); one-sided
         * schemes carry the truncation term h·c_i/2 ≤ 3e-6 absolute. */
        double tol = method == GCV_METHOD_CENTRAL ? 1e-8 : 5e-6;
        for (size_t i = 0; i < 6; i++)
            ck_assert_double_eq_tol(r->params[i].numeric, r->params[i].analytic, tol);
        /* Central: 2 per parameter, less the 2 of each parameter the noise was measured on
         * (6 evaluations each, its θ ± h the check's). One-sided: 1 per parameter, plus a
         * second step for each parameter whose error is over rtol (to see its truncation
         * term). */
        size_t spent = 0;
        for (size_t i = 0; i < 6; i++)
            spent += r->params[i].evaluations;
        ck_assert_uint_eq(r->evaluations, spent + r->evaluations_noise);
        if (method == GCV_METHOD_CENTRAL)
            ck_assert_uint_eq(r->evaluations_check, 12u - r->evaluations_noise / 3);
        else
            ck_assert_uint_ge(r->evaluations, 6u);
        gcv_result_free(r);
    }
    gcv_model_free(m);
}
END_TEST

START_TEST(central_should_beat_forward_on_rosenbrock)
{
    gcv_model *m = fn_model_new(rosen_f, rosen_g, rosen_theta, 8, 1.0);
    gcv_result *c = run(m, GCV_METHOD_CENTRAL, 1e-5, 1);
    gcv_result *f = run(m, GCV_METHOD_FORWARD, 1e-5, 1);
    gcv_result *b = run(m, GCV_METHOD_BACKWARD, 1e-5, 1);
    /* Measured: central ≈ 1e-11, one-sided ≈ 1e-6 on this point: over the threshold, so the
     * one-sided checks escalate their suspects (a ladder of central differences) and pass;
     * central needs none of that. */
    ck_assert_double_lt(c->difference, 1e-9);
    ck_assert_uint_eq(c->params_escalated, 0);
    ck_assert_uint_gt(f->params_escalated, 0);
    ck_assert_uint_gt(b->params_escalated, 0);
    ck_assert_uint_gt(f->evaluations_escalation, 0);
    ck_assert_double_lt(f->difference, 1e-7);
    ck_assert_int_eq(c->status, GCV_PASS);
    ck_assert_int_eq(f->status, GCV_PASS);
    ck_assert_int_eq(b->status, GCV_PASS);
    gcv_result_free(c);
    gcv_result_free(f);
    gcv_result_free(b);
    gcv_model_free(m);
}
END_TEST

START_TEST(wrong_block_should_fail_alone)
{
    gcv_model *m = fn_model_new(rosen_f, rosen_g, rosen_theta, 8, 2.0);
    gcv_result *r = run(m, GCV_METHOD_CENTRAL, 1e-6, 2);
    ck_assert_int_eq(r->status, GCV_FAIL);
    ck_assert_int_eq(r->blocks[0].status, GCV_PASS);
    ck_assert_int_eq(r->blocks[1].status, GCV_FAIL);
    ck_assert_uint_eq(r->blocks_failed, 1);
    /* g = 2·g̃: ‖g − g̃‖ / (‖g‖ + ‖g̃‖) = 1/3 exactly, up to the numeric error. */
    ck_assert_double_eq_tol(r->blocks[1].difference, 1.0 / 3.0, 1e-8);
    ck_assert_uint_eq(r->n_layers, 2);
    ck_assert_int_eq(r->layers[1].status, GCV_FAIL);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(step_taken_should_be_exactly_representable)
{
    double th[2] = {0.1, 3.0};
    gcv_model *m = fn_model_new(quad_f, quad_g, th, 2, 1.0);
    gcv_result *r = run(m, GCV_METHOD_CENTRAL, 1e-7, 1);
    for (size_t i = 0; i < 2; i++) {
        double t = th[i];
        double h = ((t + 1e-7) - t) + (t - (t - 1e-7));
        ck_assert(r->params[i].step == h);
        ck_assert(r->params[i].theta == t);
    }
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

static double nan_f(const double *th, size_t n)
{
    (void)n;
    return th[0] > 1.0 ? NAN : th[0] * th[0];
}
static void nan_g(const double *th, double *g, size_t n)
{
    (void)n;
    g[0] = 2.0 * th[0];
    g[1] = 0.0;
}

START_TEST(nonfinite_cost_should_be_inconclusive)
{
    double th[2] = {1.0, 0.0}; /* θ+h crosses into the NaN region */
    gcv_model *m = fn_model_new(nan_f, nan_g, th, 2, 1.0);
    gcv_result *r = run(m, GCV_METHOD_CENTRAL, 1e-6, 1);
    ck_assert_int_eq(r->params[0].status, GCV_PARAM_NONFINITE);
    ck_assert_int_eq(r->params[1].status, GCV_PARAM_OK);
    ck_assert_int_eq(r->blocks[0].status, GCV_INCONCLUSIVE);
    ck_assert_int_eq(r->status, GCV_INCONCLUSIVE);
    ck_assert_uint_eq(r->nonfinite, 1);
    ck_assert(isfinite(r->difference));
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(results_should_be_bit_identical_for_any_thread_count)
{
    double th[64];
    for (size_t i = 0; i < 64; i++)
        th[i] = sin((double)i) * 1.3;
    gcv_model *m = fn_model_new(rosen_f, rosen_g, th, 64, 1.0);
    gcv_result *ref = run(m, GCV_METHOD_CENTRAL, 1e-6, 1);
    for (int t = 2; t <= 8; t *= 2) {
        gcv_result *r = run(m, GCV_METHOD_CENTRAL, 1e-6, t);
        ck_assert_int_eq(r->threads, t);
        ck_assert_mem_eq(r->params, ref->params, 64 * sizeof *r->params);
        ck_assert_mem_eq(r->blocks, ref->blocks, 2 * sizeof *r->blocks);
        ck_assert(r->difference == ref->difference);
        gcv_result_free(r);
    }
    gcv_result_free(ref);
    gcv_model_free(m);
}
END_TEST

START_TEST(invalid_models_should_be_refused_with_a_message)
{
    double th[2] = {NAN, 1.0};
    gcv_model *m = fn_model_new(quad_f, quad_g, th, 2, 1.0);
    gcv_options o;
    gcv_options_default(&o);
    gcv_result *r = NULL;
    gcv_error err;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_ERR_INVALID);
    ck_assert_ptr_null(r);
    ck_assert_str_eq(err.msg, "model.theta[0]: expected a finite number, got nan");
    m->theta[0] = 1.0;
    m->blocks[1].rows = 5; /* blocks no longer add up to P */
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "model.blocks[1] (b)"));
    m->blocks[1].rows = 1;
    o.epsilon = -1.0;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_ERR_INVALID);
    ck_assert_str_eq(err.msg, "check.epsilon: expected a positive finite number");
    gcv_model_free(m);
}
END_TEST

START_TEST(difference_should_follow_the_seeds_formula)
{
    double a[2] = {3.0, 4.0}, b[2] = {0.0, 0.0}, c[2] = {3.0, 4.0};
    ck_assert_double_eq(gcv_difference(a, b, 2), 1.0);
    ck_assert_double_eq(gcv_difference(a, c, 2), 0.0);
    ck_assert_double_eq(gcv_difference(b, b, 2), 0.0);
    double big[2] = {3e300, 4e300}, big2[2] = {0.0, 4e300};
    /* ‖(3,0)‖ / (5 + 4) without overflow */
    ck_assert_double_eq_tol(gcv_difference(big, big2, 2) * 3.0, 1.0, 1e-15);
}
END_TEST

/* ---- float32 models: J computed in float, checked in float's terms ---- */

static int nonfloat_theta_seen; /* set when cost() gets a θ entry float cannot hold (1 thread) */

static int quadf_cost(const gcv_model *m, const double *th, void *ws, double *cost)
{
    (void)ws;
    float s = 0.0f;
    for (size_t i = 0; i < m->n_params; i++) {
        float t = (float)th[i];
        nonfloat_theta_seen |= (double)t != th[i];
        s += 0.5f * (float)(i + 1) * t * t;
        if (i + 1 < m->n_params)
            s += t * (float)th[i + 1];
    }
    *cost = (double)s;
    return 0;
}

static int quadf_grad(const gcv_model *m, const double *th, double *g, void *ws, double *cost)
{
    const fn_model *s = m->self;
    quad_g(th, g, m->n_params);
    for (size_t i = 0; i < m->n_params; i++) /* the gradient too is a float computation */
        g[i] = (double)(float)g[i];
    for (size_t i = m->blocks[1].offset; i < m->n_params; i++)
        g[i] *= s->wrong_factor;
    return quadf_cost(m, th, ws, cost);
}

/* Values with full float mantissas, so J's rounding is not exact by luck. */
static const float float_thetaf[8] = {0.1f, -1.3f, 0.7f, 2.1f, -0.37f, 1.9f, -2.3f, 0.11f};
static double float_theta[8];

static gcv_model *float_model_new(double wrong)
{
    for (size_t i = 0; i < 8; i++)
        float_theta[i] = (double)float_thetaf[i];
    gcv_model *m = fn_model_new(quad_f, quad_g, float_theta, 8, wrong);
    m->precision = GCV_FLOAT;
    m->cost = quadf_cost;
    m->gradient = quadf_grad;
    return m;
}

START_TEST(float_model_should_pass_with_float_steps_and_floors)
{
    gcv_model *m = float_model_new(1.0);
    gcv_options o;
    gcv_options_default_for(&o, GCV_FLOAT);
    ck_assert(o.epsilon == 0x1p-8 && o.threshold == 1e-3 && o.rtol == 1e-2 && o.step_pilot);
    o.threads = 1;
    o.step_pilot = 0; /* every step from ε, to see it taken as rounded */
    nonfloat_theta_seen = 0;
    gcv_result *r = NULL;
    gcv_error err;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_OK);
    ck_assert_int_eq(nonfloat_theta_seen, 0);
    ck_assert_int_eq(r->status, GCV_PASS);
    /* a quadratic has no truncation error: what is left is float rounding, far above
     * double's 1e-10 and far below the float threshold */
    ck_assert_msg(r->difference > 1e-9 && r->difference < 1e-4, "difference %g", r->difference);
    for (size_t i = 0; i < 8; i++) {
        double t = float_theta[i];
        double h = ((double)(float)(t + 0x1p-8) - t) + (t - (double)(float)(t - 0x1p-8));
        ck_assert(r->params[i].step == h);
    }
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(float_model_with_a_wrong_block_should_fail_there_only)
{
    gcv_model *m = float_model_new(2.0);
    gcv_options o;
    gcv_options_default_for(&o, GCV_FLOAT);
    gcv_result *r = NULL;
    gcv_error err;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_OK);
    ck_assert_int_eq(r->blocks[0].status, GCV_PASS);
    ck_assert_int_eq(r->blocks[1].status, GCV_FAIL);
    ck_assert_double_eq_tol(r->blocks[1].scale, 2.0, 1e-3);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(float_model_under_double_settings_should_raise_no_false_alarm)
{
    /* ε = 1e-6 and threshold 1e-7 on a float cost: the first differences are noise, and the
     * floor (u = 2⁻²⁴) says so; no block may fail, and none may pass with a difference over
     * the threshold: those are inconclusive. The ladder alone leaves both blocks within
     * their floors; the averaged passes (escalate.c) take their parameters again over 4 and
     * then 16 copies of the ladder, more than one ladder (14 evaluations in float) per
     * parameter, and that decides one of them: a pass, its difference under 1e-7. */
    gcv_model *m = float_model_new(1.0);
    gcv_result *r = run(m, GCV_METHOD_CENTRAL, 1e-6, 1);
    ck_assert_uint_eq(r->blocks_failed, 0);
    ck_assert_uint_gt(r->evaluations_escalation, 14 * 8);
    size_t passed = 0;
    for (size_t b = 0; b < r->n_blocks; b++) {
        const gcv_block_result *br = &r->blocks[b];
        ck_assert(br->within_floor || br->difference <= 1e-7);
        ck_assert_int_eq(br->status, br->within_floor ? GCV_INCONCLUSIVE : GCV_PASS);
        passed += br->status == GCV_PASS;
    }
    ck_assert_uint_eq(passed, 1);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(float_model_with_a_double_theta_should_be_refused)
{
    gcv_model *m = float_model_new(1.0);
    m->theta[3] = 0.1; /* not a float value */
    gcv_options o;
    gcv_options_default_for(&o, GCV_FLOAT);
    gcv_result *r = NULL;
    gcv_error err;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_ERR_INVALID);
    ck_assert_str_eq(err.msg, "model.theta[3]: expected a float32 value for a float model, got "
                              "0.10000000000000001");
    gcv_model_free(m);
}
END_TEST

START_TEST(block_find_should_name_the_block_of_every_index)
{
    gcv_block b[4] = {{.name = "W1", .layer = 1, .rows = 2, .cols = 2, .offset = 0},
                      {.name = "b1", .layer = 1, .rows = 1, .cols = 1, .offset = 4},
                      {.name = "W2", .layer = 2, .rows = 2, .cols = 3, .offset = 5},
                      {.name = "b2", .layer = 2, .rows = 1, .cols = 1, .offset = 11}};
    static const size_t want[12] = {0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 3};
    for (size_t i = 0; i < 12; i++)
        ck_assert_uint_eq(gcv_block_find(b, 4, i), want[i]);
    ck_assert_uint_eq(gcv_block_find(b, 1, 3), 0);
}
END_TEST

/* ---- limits that cover the set-up: a stop flag, max_seconds and the budget from `started` */

static double monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int gradient_calls;
static volatile sig_atomic_t raised; /* set by a gradient, as a signal arriving then would */

static int counting_grad(const gcv_model *m, const double *th, double *g, void *ws, double *cost)
{
    gradient_calls++;
    return fn_grad(m, th, g, ws, cost);
}

/* A gradient during which the stop comes: it gives up (fails) when fail is set, as the MLP's
 * does, or finishes. */
static int stop_in_grad(const gcv_model *m, const double *th, double *g, void *ws, double *cost,
                        int fail)
{
    raised = 1;
    return fail ? 1 : fn_grad(m, th, g, ws, cost);
}

static int stop_in_grad_failing(const gcv_model *m, const double *th, double *g, void *ws,
                                double *cost)
{
    return stop_in_grad(m, th, g, ws, cost, 1);
}

static int stop_in_grad_finishing(const gcv_model *m, const double *th, double *g, void *ws,
                                  double *cost)
{
    return stop_in_grad(m, th, g, ws, cost, 0);
}

/* Stopped before anything was checked: an inconclusive, stopped result, every parameter
 * unchecked, no evaluation, the cost known (want_cost) or NaN. */
static void expect_stopped_empty(const gcv_result *r, int want_cost)
{
    ck_assert_int_eq(r->stopped, 1);
    ck_assert_int_eq(r->status, GCV_INCONCLUSIVE);
    ck_assert_uint_eq(r->params_checked, 0);
    ck_assert_uint_eq(r->evaluations, 0);
    ck_assert_int_eq(isfinite(r->cost), want_cost);
    for (size_t i = 0; i < r->n_params; i++)
        ck_assert_int_eq(r->params[i].status, GCV_PARAM_UNCHECKED);
    for (size_t b = 0; b < r->n_blocks; b++)
        ck_assert_uint_eq(r->blocks[b].checked, 0);
}

START_TEST(a_stop_before_the_check_should_check_nothing)
{
    /* The flag already set (a signal during loading): not even the gradient is computed. */
    gcv_model *m = fn_model_new(rosen_f, rosen_g, rosen_theta, 8, 1.0);
    m->gradient = counting_grad;
    static volatile sig_atomic_t stop = 1;
    gcv_options o;
    gcv_options_default(&o);
    o.stop = &stop;
    o.taylor = 1; /* more work after a stop: not done */
    gcv_result *r = NULL;
    gcv_error err;
    gradient_calls = 0;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_OK);
    expect_stopped_empty(r, 0);
    ck_assert_int_eq(gradient_calls, 0);
    ck_assert(isnan(r->blocks[0].taylor_order));
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(max_seconds_and_budget_should_count_from_the_runs_start)
{
    gcv_model *m = fn_model_new(rosen_f, rosen_g, rosen_theta, 8, 1.0);
    gcv_options o;
    gcv_options_default(&o);
    o.threads = 1;
    o.started = monotonic_now() - 10.0; /* ten seconds of loading already */
    o.max_seconds = 5.0;
    gcv_result *r = NULL;
    gcv_error err;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_OK);
    expect_stopped_empty(r, 0);
    gcv_result_free(r);
    /* A budget spent while loading: not a stop; the loop checks one parameter and ends. */
    o.max_seconds = 0.0;
    o.budget_seconds = 5.0;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_OK);
    ck_assert_int_eq(r->stopped, 0);
    ck_assert_int_eq(r->sampled, 1);
    ck_assert_uint_eq(r->params_checked, 1);
    gcv_result_free(r);
    /* Time left: everything is checked. */
    o.budget_seconds = 0.0;
    o.max_seconds = 1000.0;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_OK);
    ck_assert_int_eq(r->stopped, 0);
    ck_assert_uint_eq(r->params_checked, 8);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(a_stop_during_the_gradient_should_be_a_stop_not_an_error)
{
    gcv_model *m = fn_model_new(rosen_f, rosen_g, rosen_theta, 8, 1.0);
    gcv_options o;
    gcv_options_default(&o);
    o.stop = &raised;
    gcv_result *r = NULL;
    gcv_error err;
    /* The gradient gives up when the stop comes (as the MLP's does): no cost. */
    m->gradient = stop_in_grad_failing;
    raised = 0;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_OK);
    expect_stopped_empty(r, 0);
    gcv_result_free(r);
    /* The gradient finishes: its cost is reported, and nothing is checked after it. */
    m->gradient = stop_in_grad_finishing;
    raised = 0;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_OK);
    expect_stopped_empty(r, 1);
    ck_assert(r->cost == rosen_f(rosen_theta, 8));
    gcv_result_free(r);
    /* Without a stop a failing gradient is still the model's error. */
    m->gradient = stop_in_grad_failing;
    o.stop = NULL;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_ERR_INVALID);
    ck_assert_str_eq(err.msg, "model: the gradient evaluation failed");
    gcv_model_free(m);
}
END_TEST

static Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, central_should_recover_seed_linear_example_exactly);
    tcase_add_test(tc, every_method_should_agree_with_quadratic_gradient);
    tcase_add_test(tc, central_should_beat_forward_on_rosenbrock);
    tcase_add_test(tc, wrong_block_should_fail_alone);
    tcase_add_test(tc, step_taken_should_be_exactly_representable);
    tcase_add_test(tc, nonfinite_cost_should_be_inconclusive);
    tcase_add_test(tc, results_should_be_bit_identical_for_any_thread_count);
    tcase_add_test(tc, invalid_models_should_be_refused_with_a_message);
    tcase_add_test(tc, difference_should_follow_the_seeds_formula);
    tcase_add_test(tc, float_model_should_pass_with_float_steps_and_floors);
    tcase_add_test(tc, float_model_with_a_wrong_block_should_fail_there_only);
    tcase_add_test(tc, float_model_under_double_settings_should_raise_no_false_alarm);
    tcase_add_test(tc, float_model_with_a_double_theta_should_be_refused);
    tcase_add_test(tc, block_find_should_name_the_block_of_every_index);
    tcase_add_test(tc, a_stop_before_the_check_should_check_nothing);
    tcase_add_test(tc, max_seconds_and_budget_should_count_from_the_runs_start);
    tcase_add_test(tc, a_stop_during_the_gradient_should_be_a_stop_not_an_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(engine_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

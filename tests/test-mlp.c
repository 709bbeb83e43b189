/* The built-in MLP's backprop against central differences: every hidden activation ×
 * output × loss, with and without L2 and dropout; the course's 4-5-3-1 test case with its
 * known figures; every fault injection caught in exactly its block; the activation and
 * loss table against the man page. */
#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcverify/gcverify.h"
#include "model/mlp.h"
#include "util/rng.h"

#include "seed_testcase.h"

typedef struct net_case {
    size_t sizes[4];
    size_t L;
    gcv_act_id hidden;
    gcv_act_id out;
    gcv_loss_id loss;
    double l2, keep;
    size_t m;
    const gcv_inject *inject;
    size_t n_inject;
} net_case;

/* Builds a net with xavier weights, small random biases (so no pre-activation sits exactly
 * on a kink) and seeded data with labels valid for the loss. */
static gcv_model *build(const net_case *c, uint64_t seed)
{
    size_t P = gcv_mlp_param_count(c->L, c->sizes);
    size_t n0 = c->sizes[0], nl = c->sizes[c->L], m = c->m;
    double *th = malloc(P * sizeof *th), *x = malloc(n0 * m * sizeof *x);
    double *y = calloc(nl * m, sizeof *y);
    gcv_mlp_init(c->L, c->sizes, GCV_INIT_XAVIER, 0.0, seed, th);
    gcv_rng r;
    gcv_rng_seed(&r, seed ^ 0xabcdef);
    size_t off = 0;
    for (size_t l = 1; l <= c->L; l++) {
        off += c->sizes[l] * c->sizes[l - 1];
        for (size_t i = 0; i < c->sizes[l]; i++)
            th[off + i] = 0.1 * gcv_rng_normal(&r);
        off += c->sizes[l];
    }
    for (size_t i = 0; i < n0 * m; i++)
        x[i] = gcv_rng_normal(&r);
    for (size_t j = 0; j < m; j++) {
        if (c->loss == GCV_LOSS_SOFTMAX_CE)
            y[gcv_rng_below(&r, nl) * m + j] = 1.0;
        else
            for (size_t k = 0; k < nl; k++)
                y[k * m + j] = c->loss == GCV_LOSS_BCE ? (double)gcv_rng_below(&r, 2)
                                                       : gcv_rng_normal(&r);
    }
    gcv_act_id hid[3] = {c->hidden, c->hidden, c->hidden};
    gcv_mlp_spec s = {c->L, c->sizes, hid, 0.05, c->out, c->loss, c->l2, c->keep, 11,
                      c->inject, c->n_inject, th, x, y, m};
    gcv_model *model = NULL;
    gcv_error err;
    ck_assert_msg(gcv_mlp_new(&s, &model, &err) == GCV_OK, "%s", err.msg);
    free(th);
    free(x);
    free(y);
    return model;
}

static gcv_result *check_model(const gcv_model *m, double eps, int threads)
{
    gcv_options o;
    gcv_options_default(&o);
    o.epsilon = eps;
    o.threads = threads;
    gcv_result *r = NULL;
    gcv_error err;
    ck_assert_msg(gcv_check(m, &o, &r, &err) == GCV_OK, "%s", err.msg);
    return r;
}

/* _i indexes activation (5) × output/loss pair (7) × regularisation (4). */
START_TEST(backprop_should_match_central_differences_for_every_combination)
{
    static const gcv_act_id acts[] = {GCV_ACT_RELU, GCV_ACT_LEAKY_RELU, GCV_ACT_TANH,
                                      GCV_ACT_SIGMOID, GCV_ACT_LINEAR};
    static const struct { gcv_act_id out; gcv_loss_id loss; } heads[] = {
        {GCV_ACT_SIGMOID, GCV_LOSS_BCE}, {GCV_ACT_SOFTMAX, GCV_LOSS_BCE},
        {GCV_ACT_SIGMOID, GCV_LOSS_MSE}, {GCV_ACT_SOFTMAX, GCV_LOSS_MSE},
        {GCV_ACT_LINEAR, GCV_LOSS_MSE},  {GCV_ACT_SOFTMAX, GCV_LOSS_SOFTMAX_CE},
        {GCV_ACT_SIGMOID, GCV_LOSS_SOFTMAX_CE}};
    int a = _i % 5, h = (_i / 5) % 7, reg = _i / 35;
    net_case c = {{4, 6, 5, 3}, 3, acts[a], heads[h].out, heads[h].loss,
                  (reg & 1) ? 0.3 : 0.0, (reg & 2) ? 0.7 : 1.0, 9, NULL, 0};
    gcv_model *m = build(&c, (uint64_t)_i + 1);
    gcv_result *r = check_model(m, 1e-6, 2);
    ck_assert_msg(r->difference < 1e-7, "act %d head %d reg %d: difference %g", a, h, reg,
                  r->difference);
    ck_assert_int_eq(r->status, GCV_PASS);
    ck_assert_uint_eq(r->nonfinite, 0);
    ck_assert_uint_eq(r->n_blocks, 6);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

static gcv_model *seed_testcase(const gcv_inject *inj, size_t n_inj)
{
    static const size_t sizes[] = {4, 5, 3, 1};
    static const gcv_act_id hid[] = {GCV_ACT_RELU, GCV_ACT_RELU};
    static const double y[] = {1, 1, 0};
    gcv_mlp_spec s = {3, sizes, hid, 0.01, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 0.0, 1.0, 0,
                      inj, n_inj, seed_tc_theta, seed_tc_x, y, 3};
    gcv_model *m = NULL;
    gcv_error err;
    ck_assert_msg(gcv_mlp_new(&s, &m, &err) == GCV_OK, "%s", err.msg);
    return m;
}

START_TEST(seed_testcase_bugs_should_flag_exactly_w2_and_b1)
{
    /* The course's buggy backprop: dW2 doubled and db1 multiplied by 4. The course reports
     * a difference of 0.2850931567761624 for this at ε = 1e-7. */
    gcv_inject inj[2] = {{"W2", GCV_INJECT_SCALE, 2.0, GCV_ACT_RELU, 0},
                         {"b1", GCV_INJECT_SCALE, 4.0, GCV_ACT_RELU, 0}};
    gcv_model *m = seed_testcase(inj, 2);
    gcv_result *r = check_model(m, 1e-7, 2);
    ck_assert_double_eq_tol(r->difference, 0.2850931567761624, 1e-8);
    ck_assert_double_eq_tol(r->cost, 2.4078333898343733, 1e-15);
    ck_assert_int_eq(r->status, GCV_FAIL);
    for (size_t b = 0; b < 6; b++) {
        int bad = strcmp(m->blocks[b].name, "W2") == 0 || strcmp(m->blocks[b].name, "b1") == 0;
        ck_assert_int_eq(r->blocks[b].status, bad ? GCV_FAIL : GCV_PASS);
    }
    /* g = s·g̃ gives the difference |s − 1| / (s + 1): 1/3 for W2, 3/5 for b1. */
    ck_assert_double_eq_tol(r->blocks[2].difference, 1.0 / 3.0, 1e-8);
    ck_assert_double_eq_tol(r->blocks[1].difference, 0.6, 1e-8);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(seed_testcase_correct_should_pass_where_the_course_did_not)
{
    /* The course's own check of the correct net gives 1.19e-7 at ε = 1e-7, over its 1e-7
     * threshold. With the cost taken from the logits it stays far below, at both steps. */
    gcv_model *m = seed_testcase(NULL, 0);
    gcv_result *r = check_model(m, 1e-7, 1);
    ck_assert_double_lt(r->difference, 1e-8);
    ck_assert_int_eq(r->status, GCV_PASS);
    gcv_result_free(r);
    r = check_model(m, 1e-6, 1);
    ck_assert_double_lt(r->difference, 1e-9);
    ck_assert_int_eq(r->status, GCV_PASS);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

/* _i indexes the injection kinds; each must fail its block and no other. */
START_TEST(every_injection_should_be_localised_to_its_block)
{
    static const gcv_inject kinds[] = {
        {"W2", GCV_INJECT_SCALE, 1.5, GCV_ACT_RELU, 0},
        {"b3", GCV_INJECT_SIGN, 0, GCV_ACT_RELU, 0},
        {"W1", GCV_INJECT_ZERO, 0, GCV_ACT_RELU, 0},
        {"b2", GCV_INJECT_DROP_MEAN, 0, GCV_ACT_RELU, 0},
        {"W3", GCV_INJECT_DROP_L2, 0, GCV_ACT_RELU, 0},
        {"W2", GCV_INJECT_WRONG_DERIVATIVE, 0, GCV_ACT_SIGMOID, 0},
        {"b1", GCV_INJECT_WRONG_DERIVATIVE, 0, GCV_ACT_RELU, 0},
    };
    const gcv_inject *in = &kinds[_i];
    net_case c = {{5, 7, 4, 2}, 3, _i == 6 ? GCV_ACT_TANH : GCV_ACT_TANH, GCV_ACT_SOFTMAX,
                  GCV_LOSS_SOFTMAX_CE, 0.2, 1.0, 16, in, 1};
    gcv_model *m = build(&c, 77);
    gcv_result *r = check_model(m, 1e-6, 2);
    ck_assert_int_eq(r->status, GCV_FAIL);
    ck_assert_uint_eq(r->blocks_failed, 1);
    for (size_t b = 0; b < r->n_blocks; b++)
        ck_assert_msg(r->blocks[b].status == (strcmp(m->blocks[b].name, in->block) == 0
                                                  ? GCV_FAIL : GCV_PASS),
                      "injection %d: block %s status %d", _i, m->blocks[b].name,
                      r->blocks[b].status);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(injections_that_change_nothing_should_be_refused)
{
    gcv_inject in = {"W3", GCV_INJECT_DROP_L2, 0, GCV_ACT_RELU, 0};
    size_t sizes[] = {3, 4, 2};
    gcv_act_id hid[] = {GCV_ACT_TANH};
    double th[30] = {0}, x[6] = {0}, y[2] = {0, 1};
    gcv_mlp_spec s = {2, sizes, hid, 0.01, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 0.0, 1.0, 0,
                      &in, 1, th, x, y, 1};
    gcv_model *m = NULL;
    gcv_error err;
    ck_assert_int_eq(gcv_mlp_new(&s, &m, &err), GCV_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "model.inject[0]: expected"));
    ck_assert_ptr_null(m);
    in.kind = GCV_INJECT_WRONG_DERIVATIVE;
    in.with = GCV_ACT_TANH; /* the layer's own derivative is no fault */
    strcpy(in.block, "W1");
    ck_assert_int_eq(gcv_mlp_new(&s, &m, &err), GCV_ERR_INVALID);
}
END_TEST

START_TEST(relu_kinks_should_not_fail_a_correct_net)
{
    /* A relu net whose biases are zero and whose inputs include a zero column puts
     * pre-activations exactly on the kink; those parameters get status kink, not mismatch. */
    size_t sizes[] = {2, 3, 2, 1};
    gcv_act_id hid[] = {GCV_ACT_RELU, GCV_ACT_RELU};
    double th[20];
    gcv_mlp_init(3, sizes, GCV_INIT_HE, 0.0, 5, th);
    double x[8] = {0.5, -0.2, 0.0, 1.0, 0.3, 0.9, 0.0, -1.0};
    double y[4] = {1, 0, 1, 0};
    gcv_mlp_spec s = {3, sizes, hid, 0.01, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 0.0, 1.0, 0,
                      NULL, 0, th, x, y, 4};
    gcv_model *m = NULL;
    gcv_error err;
    ck_assert_int_eq(gcv_mlp_new(&s, &m, &err), GCV_OK);
    gcv_result *r = check_model(m, 1e-6, 1);
    ck_assert_uint_gt(r->kinks + r->kinks_ok + r->kinks_avoided, 0);
    ck_assert_uint_eq(r->kinks, 0); /* every one resolved */
    ck_assert_int_eq(r->status, GCV_PASS);
    ck_assert_uint_eq(r->mismatches, 0);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

/* The run's watch in the MLP's set-up: θ's initialisation, the cached pass at θ0 and the
 * gradient stop when it says so; a model whose cached pass was stopped is incomplete and
 * says why rather than being checked without its cache. */
START_TEST(the_watch_should_stop_the_mlps_set_up)
{
    size_t sizes[] = {2, 3, 2, 1};
    gcv_act_id hid[] = {GCV_ACT_RELU, GCV_ACT_TANH};
    double th[20] = {0}, full[20];
    static volatile sig_atomic_t flag;
    gcv_watch w = {&flag, 0.0};
    flag = 1;
    ck_assert_int_eq(gcv_mlp_init_watched(3, sizes, GCV_INIT_HE, 0.0, 5, th, &w), 1);
    for (size_t i = 0; i < 20; i++)
        ck_assert(th[i] == 0.0); /* stopped before the first value */
    flag = 0;
    ck_assert_int_eq(gcv_mlp_init_watched(3, sizes, GCV_INIT_HE, 0.0, 5, th, &w), 0);
    gcv_mlp_init(3, sizes, GCV_INIT_HE, 0.0, 5, full);
    ck_assert_int_eq(memcmp(th, full, sizeof th), 0);

    double x[8] = {0.5, -0.2, 0.1, 1.0, 0.3, 0.9, 0.2, -1.0};
    double y[4] = {1, 0, 1, 0};
    gcv_mlp_spec s = {3, sizes, hid, 0.01, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 0.0, 1.0, 0,
                      NULL, 0, th, x, y, 4};
    gcv_model *m = NULL;
    gcv_error err;
    /* Stopped before its cached pass: built, but without the incremental cost or the kink
     * count, and a gradient that fails saying why (gcv_check then refuses it). */
    flag = 1;
    ck_assert_int_eq(gcv_mlp_new_watched(&s, &w, &m, &err), GCV_OK);
    ck_assert(m->cost_perturbed == NULL);
    ck_assert(m->kinks_crossed == NULL);
    gcv_options o;
    gcv_options_default(&o);
    gcv_result *r = NULL;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_ERR_INVALID);
    ck_assert_str_eq(err.msg, "model: the gradient evaluation failed: the model's set-up was "
                              "stopped (a signal or --max-seconds) before its pass at θ");
    gcv_model_free(m);
    /* Built in full, then stopped: the gradient gives up and says so; with the same flag
     * in the options the check is a stopped one with nothing checked. */
    flag = 0;
    ck_assert_int_eq(gcv_mlp_new_watched(&s, &w, &m, &err), GCV_OK);
    ck_assert(m->cost_perturbed != NULL);
    ck_assert(m->kinks_crossed != NULL);
    void *ws = calloc(1, m->ws_bytes);
    double g[20], cost = 0.0;
    ck_assert_int_eq(m->gradient(m, m->theta, g, ws, &cost), 0);
    ck_assert_ptr_null(m->error(m, ws));
    flag = 1;
    ck_assert_int_ne(m->gradient(m, m->theta, g, ws, &cost), 0);
    ck_assert_str_eq(m->error(m, ws), "stopped (a signal or --max-seconds)");
    free(ws);
    o.stop = &flag;
    ck_assert_int_eq(gcv_check(m, &o, &r, &err), GCV_OK);
    ck_assert_int_eq(r->stopped, 1);
    ck_assert_uint_eq(r->params_checked, 0);
    gcv_result_free(r);
    /* A deadline already past stops the same way. */
    flag = 0;
    o.stop = NULL;
    gcv_model_free(m);
    w.deadline = 1e-9;
    ck_assert_int_eq(gcv_mlp_new_watched(&s, &w, &m, &err), GCV_OK);
    ck_assert(m->cost_perturbed == NULL);
    gcv_model_free(m);
}
END_TEST

START_TEST(mlp_results_should_be_bit_identical_for_1_2_and_4_threads)
{
    net_case c = {{6, 8, 5, 3}, 3, GCV_ACT_TANH, GCV_ACT_SOFTMAX, GCV_LOSS_SOFTMAX_CE, 0.1,
                  0.8, 10, NULL, 0};
    gcv_model *m = build(&c, 3);
    gcv_result *ref = check_model(m, 1e-6, 1);
    for (int t = 2; t <= 4; t *= 2) {
        gcv_result *r = check_model(m, 1e-6, t);
        ck_assert_mem_eq(r->params, ref->params, m->n_params * sizeof *r->params);
        ck_assert_mem_eq(r->blocks, ref->blocks, m->n_blocks * sizeof *r->blocks);
        ck_assert(r->difference == ref->difference && r->cost == ref->cost);
        gcv_result_free(r);
    }
    gcv_result_free(ref);
    gcv_model_free(m);
}
END_TEST

START_TEST(saturated_sigmoid_output_should_give_a_finite_cost)
{
    /* z = ±800 overflows exp in the naive −log σ(z); the logit form stays finite. */
    size_t sizes[] = {1, 1};
    double th[2] = {800.0, 0.0}, x[2] = {1.0, -1.0}, y[2] = {0.0, 1.0};
    gcv_mlp_spec s = {1, sizes, NULL, 0.01, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 0.0, 1.0, 0,
                      NULL, 0, th, x, y, 2};
    gcv_model *m = NULL;
    gcv_error err;
    ck_assert_int_eq(gcv_mlp_new(&s, &m, &err), GCV_OK);
    gcv_result *r = check_model(m, 1e-6, 1);
    ck_assert_double_eq_tol(r->cost, 800.0, 1e-9);
    ck_assert_uint_eq(r->nonfinite, 0);
    ck_assert_int_eq(r->status, GCV_PASS);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

/* The incremental evaluation (cached pass, perturbed row, rank-1 update, layers after) must
 * equal a full forward pass up to rounding: |ΔJ| ≤ 1e-13·(1 + |J|), measured ≤ 4e-16·|J|.
 * _i picks activation × head × regularisation as above (every layer's W and b visited). */
START_TEST(incremental_cost_should_equal_full_pass_for_every_parameter)
{
    static const gcv_act_id acts[] = {GCV_ACT_RELU, GCV_ACT_LEAKY_RELU, GCV_ACT_TANH,
                                      GCV_ACT_SIGMOID, GCV_ACT_LINEAR};
    static const struct { gcv_act_id out; gcv_loss_id loss; } heads[] = {
        {GCV_ACT_SIGMOID, GCV_LOSS_BCE}, {GCV_ACT_SOFTMAX, GCV_LOSS_SOFTMAX_CE},
        {GCV_ACT_LINEAR, GCV_LOSS_MSE}};
    int a = _i % 5, h = (_i / 5) % 3, reg = _i / 15;
    /* BCE without L2 has one output: gcv_loss_sum's inline path for a binary classifier */
    size_t outputs = h == 0 && !(reg & 1) ? 1 : 3;
    net_case c = {{4, 6, 5, outputs}, 3, acts[a], heads[h].out, heads[h].loss,
                  (reg & 1) ? 0.3 : 0.0, (reg & 2) ? 0.7 : 1.0, 7, NULL, 0};
    gcv_model *m = build(&c, (uint64_t)_i + 100);
    void *ws = malloc(m->ws_bytes);
    double *th = malloc(m->n_params * sizeof *th);
    memcpy(th, m->theta, m->n_params * sizeof *th);
    /* A large step (every row recomputed by f itself) and the check's own scale of step,
     * where tanh takes its near form from the cached pass. */
    for (size_t i = 0; i < 2 * m->n_params; i++) {
        size_t p = i % m->n_params;
        double step = i < m->n_params ? 0.37 : 1e-6;
        double v = th[p] + step * (1.0 + fabs(th[p])), full, inc;
        th[p] = v;
        ck_assert_int_eq(m->cost(m, th, ws, &full), 0);
        size_t kinks_full = m->kinks_crossed ? m->kinks_crossed(m, ws) : 0;
        th[p] = m->theta[p];
        ck_assert_int_eq(m->cost_perturbed(m, p, v, ws, &inc), 0);
        size_t kinks_inc = m->kinks_crossed ? m->kinks_crossed(m, ws) : 0;
        ck_assert_msg(fabs(inc - full) <= 1e-13 * (1.0 + fabs(full)),
                      "param %zu, step %g: incremental %.17g, full %.17g", p, step, inc, full);
        ck_assert_uint_eq(kinks_inc, kinks_full);
    }
    free(th);
    free(ws);
    gcv_model_free(m);
}
END_TEST

/* The table's tanh against libm's: at most 2 ulp over [−25, 25] and down to 1e-300; exact
 * ±1 beyond 20, NaN kept. (The figure the comment in act.c states.) */
START_TEST(vector_tanh_should_stay_within_2_ulp_of_libm)
{
    double worst = 0.0;
    for (long i = 0; i < 2000000; i++) {
        double x = -25.0 + 50.0 * (double)i / 2e6 + 1e-9 * (double)(i % 7);
        double a = gcv_tanh(x), b = tanh(x);
        if (b == 0.0)
            continue;
        double ulp = nextafter(fabs(b), INFINITY) - fabs(b);
        worst = fmax(worst, fabs(a - b) / ulp);
    }
    for (double x = 1e-300; x < 1.0; x *= 1.01) {
        double a = gcv_tanh(x), b = tanh(x);
        worst = fmax(worst, fabs(a - b) / (nextafter(b, INFINITY) - b));
    }
    ck_assert_double_le(worst, 2.0);
    ck_assert(gcv_tanh(30.0) == 1.0 && gcv_tanh(-INFINITY) == -1.0);
    ck_assert(isnan(gcv_tanh(NAN)));
    ck_assert(gcv_tanh(0.0) == 0.0);
}
END_TEST

/* tanh from a nearby cached point (the incremental check's form, act.c): within 4.5 ulp of
 * max(|a0|, |tanh z|, |z − z0|) of libm's tanh(z) — a0's own ≤ 2 ulp, about an ulp of the
 * correction (≲ |d|), one rounding, libm's own; measured 4.0 over 2·10⁷ points — for steps
 * from 2⁻⁶⁴ to 2⁻¹² around points in [−20, 20], near 0, and crossing 0 (z0 ≈ −d·u). */
START_TEST(tanh_near_should_stay_within_4_5_ulp_of_libm)
{
    gcv_rng r;
    gcv_rng_seed(&r, 11);
    double worst = 0.0;
    for (long i = 0; i < 3000000; i++) {
        double d = ldexp(2.0 * gcv_rng_uniform(&r) - 1.0, -12 - (int)(52.0 * gcv_rng_uniform(&r)));
        double z0 = i % 4 == 0   ? -1.5 * d * gcv_rng_uniform(&r)
                    : i % 4 == 1 ? 40.0 * (gcv_rng_uniform(&r) - 0.5)
                    : i % 4 == 2 ? 3.0 * (gcv_rng_uniform(&r) - 0.5)
                                 : 0.2 * (gcv_rng_uniform(&r) - 0.5);
        double z = z0 + d;
        double a0 = gcv_tanh(z0), a = gcv_tanh_near(z0, a0, z), b = tanh(z);
        double mx = fmax(fmax(fabs(a0), fabs(b)), fabs(z - z0));
        if (mx == 0.0)
            continue;
        worst = fmax(worst, fabs(a - b) / (nextafter(mx, INFINITY) - mx));
    }
    ck_assert_double_le(worst, 4.5);
    ck_assert(worst > 0.0);
    ck_assert(gcv_tanh_near(0.5, gcv_tanh(0.5), 0.5) == gcv_tanh(0.5));
    ck_assert(gcv_tanh_near(0.5, gcv_tanh(0.5), 0.6) == gcv_tanh(0.6)); /* outside: tanh's bits */
    ck_assert(isnan(gcv_tanh_near(0.5, gcv_tanh(0.5), NAN)));
    ck_assert(gcv_tanh_near(25.0, 1.0, 25.0 + 1e-9) == 1.0);
}
END_TEST

/* sigmoid from a nearby cached point: within 3.5 ulp of max(|a0|, |σ(z)|) of σ(z) computed
 * in long double — a0's own error (the table's sigmoid, measured ≤ 2.3 ulp) plus one
 * rounding; measured 2.7 over 2·10⁷ points. */
START_TEST(sigmoid_near_should_stay_within_3_5_ulp)
{
    const gcv_act *sg = gcv_act_get(GCV_ACT_SIGMOID);
    gcv_rng r;
    gcv_rng_seed(&r, 13);
    double worst = 0.0;
    for (long i = 0; i < 2000000; i++) {
        double z0 = (i % 3 == 0 ? 80.0 : i % 3 == 1 ? 6.0 : 0.2) * (gcv_rng_uniform(&r) - 0.5);
        double d = ldexp(2.0 * gcv_rng_uniform(&r) - 1.0, -12 - (int)(52.0 * gcv_rng_uniform(&r)));
        double z = z0 + d, a0;
        sg->forward(&z0, &a0, 1, 0.0);
        double a = gcv_sigmoid_near(z0, a0, z);
        long double ref = 1.0L / (1.0L + expl(-(long double)z));
        double mx = fmax(fabs(a0), fabs((double)ref));
        worst = fmax(worst, (double)(fabsl((long double)a - ref) / (nextafter(mx, INFINITY) - mx)));
    }
    ck_assert_double_le(worst, 3.5);
    ck_assert(worst > 0.0);
    double a0;
    double z0 = 0.5;
    sg->forward(&z0, &a0, 1, 0.0);
    ck_assert(gcv_sigmoid_near(0.5, a0, 0.5) == a0);
    ck_assert(isnan(gcv_sigmoid_near(0.5, a0, NAN)));
}
END_TEST

/* gcv_loss_sum gives the bits of summing the table's per-column cost in column order, on
 * its inline path (BCE over one sigmoid output) and off it (3 outputs, other heads), with
 * labels 0, 1 and in between, saturated and NaN logits. */
START_TEST(loss_sum_should_give_the_bits_of_the_column_loop)
{
    static const struct { gcv_act_id out; gcv_loss_id loss; size_t n; } heads[] = {
        {GCV_ACT_SIGMOID, GCV_LOSS_BCE, 1}, {GCV_ACT_SIGMOID, GCV_LOSS_BCE, 3},
        {GCV_ACT_SOFTMAX, GCV_LOSS_SOFTMAX_CE, 3}, {GCV_ACT_LINEAR, GCV_LOSS_MSE, 2}};
    enum { M = 257 };
    static double z[3 * M], y[3 * M];
    gcv_rng r;
    gcv_rng_seed(&r, 17);
    for (int round = 0; round < 400; round++) {
        const int h = round % 4;
        const size_t n = heads[h].n;
        for (size_t k = 0; k < n * M; k++) {
            z[k] = (round % 3 == 0 ? 80.0 : 6.0) * (gcv_rng_uniform(&r) - 0.5);
            double u = gcv_rng_uniform(&r);
            y[k] = heads[h].loss == GCV_LOSS_BCE ? (u < 0.4 ? 0.0 : u < 0.8 ? 1.0 : u) : u;
        }
        if (round == 5)
            z[3] = NAN;
        const gcv_loss *loss = gcv_loss_get(heads[h].loss);
        double want = 0.0;
        for (size_t j = 0; j < M; j++)
            want += loss->cost((int)heads[h].out, z + j, y + j, n, M, 0.0);
        double got = gcv_loss_sum(heads[h].loss, (int)heads[h].out, z, y, n, M, 0.0);
        ck_assert_msg(memcmp(&got, &want, sizeof got) == 0 || (isnan(got) && isnan(want)),
                      "round %d (%s, %zu outputs): %.17g, column loop %.17g", round,
                      loss->name, n, got, want);
    }
}
END_TEST

/* Every name of the activation and loss tables is in the man page (doc/gcverify.1) as a
 * word of its own, so an entry added to act.c cannot go undocumented; and the table lists
 * them in the order the config's messages give (tests/bad-inputs/EXPECTED). */
static int has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        int before = p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after = isalnum((unsigned char)p[n]) || p[n] == '_';
        if (!before && !after)
            return 1;
    }
    return 0;
}

static void expect_names(const char *const *got, size_t n, const char *want)
{
    char joined[256] = "";
    for (size_t i = 0; i < n; i++) {
        strcat(joined, i ? ", " : "");
        strcat(joined, got[i]);
    }
    ck_assert_str_eq(joined, want);
}

START_TEST(every_activation_and_loss_should_be_in_the_man_page)
{
    /* The source root is GCV_TEST_DATA (its tests/data, which need not exist) less that. */
    const char *root = GCV_TEST_DATA, *suffix = "/tests/data";
    ck_assert_uint_gt(strlen(root), strlen(suffix));
    char path[1024];
    snprintf(path, sizeof path, "%.*s/doc/gcverify.1", (int)(strlen(root) - strlen(suffix)),
             root);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char man[1 << 20];
    size_t len = fread(man, 1, sizeof man - 1, f);
    fclose(f);
    ck_assert_uint_gt(len, 0);
    man[len] = '\0';
    const char *names[GCV_ACT_COUNT + GCV_LOSS_COUNT];
    size_t n_act = gcv_act_names(GCV_ACT_HIDDEN | GCV_ACT_OUTPUT, names);
    size_t n_loss = gcv_loss_names(names + n_act);
    ck_assert_uint_ge(n_act, 6);
    ck_assert_uint_ge(n_loss, 3);
    for (size_t i = 0; i < n_act + n_loss; i++)
        ck_assert_msg(has_word(man, names[i]), "\"%s\" is not in doc/gcverify.1", names[i]);
    /* Each name is its table entry's, reached by its id. */
    for (size_t i = 0; i < n_act; i++) {
        gcv_act_id id;
        ck_assert_int_eq(gcv_act_parse(names[i], &id), 0);
        ck_assert_str_eq(gcv_act_get(id)->name, names[i]);
    }
    for (size_t i = 0; i < n_loss; i++) {
        gcv_loss_id id;
        ck_assert_int_eq(gcv_loss_parse(names[n_act + i], &id), 0);
        ck_assert_uint_eq((size_t)id, i);
        ck_assert_str_eq(gcv_loss_get(id)->name, names[n_act + i]);
    }
    ck_assert_str_eq(gcv_act_get(GCV_ACT_RELU)->name, "relu");
    ck_assert_str_eq(gcv_act_get(GCV_ACT_SOFTMAX)->name, "softmax");
    ck_assert_str_eq(gcv_loss_get(GCV_LOSS_SOFTMAX_CE)->name, "softmax_cross_entropy");
    ck_assert_ptr_null(gcv_act_get((gcv_act_id)(GCV_ACT_COUNT - 1)));
    size_t n = gcv_act_names(GCV_ACT_HIDDEN, names);
    expect_names(names, n, "relu, leaky_relu, tanh, sigmoid, linear");
    n = gcv_act_names(GCV_ACT_OUTPUT, names);
    expect_names(names, n, "sigmoid, softmax, linear");
    n = gcv_loss_names(names);
    expect_names(names, n, "binary_cross_entropy, softmax_cross_entropy, mse");
}
END_TEST

static Suite *mlp_suite(void)
{
    Suite *s = suite_create("mlp");
    TCase *tc = tcase_create("backprop");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, backprop_should_match_central_differences_for_every_combination, 0,
                        140);
    tcase_add_test(tc, seed_testcase_bugs_should_flag_exactly_w2_and_b1);
    tcase_add_test(tc, seed_testcase_correct_should_pass_where_the_course_did_not);
    tcase_add_loop_test(tc, every_injection_should_be_localised_to_its_block, 0, 7);
    tcase_add_test(tc, injections_that_change_nothing_should_be_refused);
    tcase_add_test(tc, relu_kinks_should_not_fail_a_correct_net);
    tcase_add_test(tc, the_watch_should_stop_the_mlps_set_up);
    tcase_add_test(tc, mlp_results_should_be_bit_identical_for_1_2_and_4_threads);
    tcase_add_test(tc, saturated_sigmoid_output_should_give_a_finite_cost);
    tcase_add_loop_test(tc, incremental_cost_should_equal_full_pass_for_every_parameter, 0, 60);
    tcase_add_test(tc, vector_tanh_should_stay_within_2_ulp_of_libm);
    tcase_add_test(tc, tanh_near_should_stay_within_4_5_ulp_of_libm);
    tcase_add_test(tc, sigmoid_near_should_stay_within_3_5_ulp);
    tcase_add_test(tc, loss_sum_should_give_the_bits_of_the_column_loop);
    tcase_add_test(tc, every_activation_and_loss_should_be_in_the_man_page);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mlp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

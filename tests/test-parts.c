/* The MLP on many examples: its workspace is one part's and never holds the input width;
 * the cost and gradient over several parts are the parts' sums (within rounding of the
 * example-weighted sums of nets on each part alone) and backprop still matches central
 * differences; the engine shares a model's parts out over its threads (the gradient always,
 * the evaluations when the parameters are few), with the same bits for any thread count. */
#include <check.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "gcverify/gcverify.h"
#include "model/mlp.h"
#include "util/rng.h"

typedef struct net {
    size_t sizes[4];
    size_t L;
    gcv_act_id hidden, out;
    gcv_loss_id loss;
    double l2, keep;
} net;

/* Seeded θ (xavier, small biases), X ~ N(0, 1) and labels valid for the loss, m examples. */
typedef struct data {
    double *theta, *x, *y;
    size_t m;
} data;

static data make_data(const net *c, size_t m, uint64_t seed)
{
    size_t P = gcv_mlp_param_count(c->L, c->sizes), n0 = c->sizes[0], nl = c->sizes[c->L];
    data d = {malloc(P * sizeof(double)), malloc(n0 * m * sizeof(double)),
              calloc(nl * m, sizeof(double)), m};
    gcv_mlp_init(c->L, c->sizes, GCV_INIT_XAVIER, 0.0, seed, d.theta);
    gcv_rng r;
    gcv_rng_seed(&r, seed ^ 0x5eed);
    for (size_t l = 1, off = 0; l <= c->L; l++) {
        off += c->sizes[l] * c->sizes[l - 1];
        for (size_t i = 0; i < c->sizes[l]; i++)
            d.theta[off + i] = 0.1 * gcv_rng_normal(&r);
        off += c->sizes[l];
    }
    for (size_t i = 0; i < n0 * m; i++)
        d.x[i] = gcv_rng_normal(&r);
    for (size_t j = 0; j < m; j++) {
        if (c->loss == GCV_LOSS_SOFTMAX_CE)
            d.y[gcv_rng_below(&r, nl) * m + j] = 1.0;
        else
            for (size_t k = 0; k < nl; k++)
                d.y[k * m + j] = c->loss == GCV_LOSS_BCE ? (double)gcv_rng_below(&r, 2)
                                                         : gcv_rng_normal(&r);
    }
    return d;
}

static void free_data(data *d)
{
    free(d->theta);
    free(d->x);
    free(d->y);
}

/* The net on examples [j0, j0 + m) of d. */
static gcv_model *build_range(const net *c, const data *d, size_t j0, size_t m)
{
    size_t n0 = c->sizes[0], nl = c->sizes[c->L];
    double *x = malloc(n0 * m * sizeof *x), *y = malloc(nl * m * sizeof *y);
    for (size_t i = 0; i < n0; i++)
        memcpy(x + i * m, d->x + i * d->m + j0, m * sizeof *x);
    for (size_t i = 0; i < nl; i++)
        memcpy(y + i * m, d->y + i * d->m + j0, m * sizeof *y);
    gcv_act_id hid[3] = {c->hidden, c->hidden, c->hidden};
    gcv_mlp_spec s = {c->L, c->sizes, hid, 0.05, c->out, c->loss, c->l2, c->keep, 11,
                      NULL, 0, d->theta, x, y, m};
    gcv_model *model = NULL;
    gcv_error err;
    ck_assert_msg(gcv_mlp_new(&s, &model, &err) == GCV_OK, "%s", err.msg);
    free(x);
    free(y);
    return model;
}

static gcv_model *build(const net *c, const data *d)
{
    return build_range(c, d, 0, d->m);
}

START_TEST(workspace_should_hold_one_part_of_the_hidden_and_output_layers)
{
    /* The course's cat net on its 209 examples: the input layer (12288 wide) was 4 × 12288
     * × 209 doubles of backprop scratch a thread (82 MB); backprop never computes ∂J/∂X. */
    net cat = {{12288, 5, 5, 1}, 3, GCV_ACT_TANH, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 0.0, 1.0};
    data d = make_data(&cat, 209, 3);
    gcv_model *m = build(&cat, &d);
    /* Z and A of layers 1, 2 (5 + 5 each), Z3 (1), scratch 4 × 5: 41 doubles an example. */
    ck_assert_uint_le(m->ws_bytes, 64 + 8 * (41 * 209 + 2));
    ck_assert_uint_eq(m->n_parts, 0); /* 209 examples: one part, no part hooks */
    gcv_model_free(m);
    free_data(&d);
    /* Many examples: a part's worth (512), whatever m is. */
    net wide = {{300, 16, 8, 3}, 3, GCV_ACT_RELU, GCV_ACT_SOFTMAX, GCV_LOSS_SOFTMAX_CE, 0.0, 1.0};
    size_t ws[2];
    for (int k = 0; k < 2; k++) {
        data e = make_data(&wide, k ? 5000 : 1100, 4);
        gcv_model *n = build(&wide, &e);
        ws[k] = n->ws_bytes;
        ck_assert_uint_eq(n->n_parts, k ? 10 : 3);
        /* (16 + 16 + 8 + 8 + 3) + 4 × 16 = 115 doubles an example of the part. */
        ck_assert_uint_le(n->ws_bytes, 64 + 8 * (115 * 512 + 12));
        gcv_model_free(n);
        free_data(&e);
    }
    ck_assert_uint_eq(ws[1] - ws[0], 8 * (10 - 3)); /* one share slot a part, no more */
}
END_TEST

/* _i: the cases below. */
static const net CASES[] = {
    {{7, 9, 6, 3}, 3, GCV_ACT_TANH, GCV_ACT_SOFTMAX, GCV_LOSS_SOFTMAX_CE, 0.0, 1.0},
    {{7, 9, 6, 3}, 3, GCV_ACT_RELU, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 0.3, 1.0},
    {{7, 9, 6, 2}, 3, GCV_ACT_SIGMOID, GCV_ACT_LINEAR, GCV_LOSS_MSE, 0.1, 1.0},
    {{7, 9, 6, 3}, 3, GCV_ACT_LEAKY_RELU, GCV_ACT_SOFTMAX, GCV_LOSS_SOFTMAX_CE, 0.2, 0.7},
};

START_TEST(cost_and_gradient_over_parts_should_be_the_weighted_sums_of_the_parts)
{
    /* 1100 examples: parts of 512, 512, 76. Without dropout, a net on each part alone has
     * the part's own data term, so J·m and ∇J·m (less the decay) are the example-weighted
     * sums of the three nets' up to rounding. */
    const net *c = &CASES[_i];
    if (c->keep < 1.0)
        return; /* the masks differ per net; the next test covers dropout */
    data d = make_data(c, 1100, 20 + (uint64_t)_i);
    gcv_model *all = build(c, &d);
    size_t P = all->n_params;
    double *g = malloc(P * sizeof *g), *gp = malloc(P * sizeof *gp), *sum = calloc(P, sizeof *sum);
    void *ws = calloc(1, all->ws_bytes);
    double J, Jp, Jsum = 0.0;
    ck_assert_int_eq(all->gradient(all, all->theta, g, ws, &J), 0);
    static const size_t start[] = {0, 512, 1024}, len[] = {512, 512, 76};
    for (int p = 0; p < 3; p++) {
        gcv_model *one = build_range(c, &d, start[p], len[p]);
        void *w1 = calloc(1, one->ws_bytes);
        ck_assert_int_eq(one->gradient(one, one->theta, gp, w1, &Jp), 0);
        Jsum += Jp * (double)len[p];
        for (size_t i = 0; i < P; i++)
            sum[i] += gp[i] * (double)len[p];
        free(w1);
        gcv_model_free(one);
    }
    /* The decay is λ/(2m)·Σ‖W‖² in J and λ/m·W in ∇J for each net: the same λ·Σ‖W‖²/2
     * and λW in every J·m, counted three times in the sums, once in J·1100. */
    double w2 = 0.0;
    for (size_t l = 0; l < 2 * c->L; l += 2) {
        const gcv_block *bw = &all->blocks[l];
        for (size_t i = 0; i < bw->rows * bw->cols; i++)
            w2 += all->theta[bw->offset + i] * all->theta[bw->offset + i];
    }
    double want = Jsum - 2.0 * c->l2 * w2 / 2.0;
    ck_assert_msg(fabs(J * 1100.0 - want) <= 1e-12 * fabs(want), "J·m %.17g, parts %.17g",
                  J * 1100.0, want);
    for (size_t b = 0; b < all->n_blocks; b++) {
        const gcv_block *bl = &all->blocks[b];
        int is_w = bl->name[0] == 'W';
        for (size_t i = bl->offset; i < bl->offset + bl->rows * bl->cols; i++) {
            double s = sum[i] - (is_w ? 2.0 * c->l2 * all->theta[i] : 0.0);
            ck_assert_msg(fabs(g[i] * 1100.0 - s) <= 1e-11 * (1.0 + fabs(s)),
                          "θ[%zu]: ∇J·m %.17g, parts %.17g", i, g[i] * 1100.0, s);
        }
    }
    free(g);
    free(gp);
    free(sum);
    free(ws);
    gcv_model_free(all);
    free_data(&d);
}
END_TEST

static gcv_result *run(const gcv_model *m, int threads, size_t per_block, int full)
{
    gcv_options o;
    gcv_options_default(&o);
    o.threads = threads;
    o.sample_per_block = per_block;
    o.sample_seed = 5;
    o.full_passes = full;
    gcv_result *r = NULL;
    gcv_error err;
    ck_assert_msg(gcv_check(m, &o, &r, &err) == GCV_OK, "%s", err.msg);
    return r;
}

START_TEST(backprop_over_parts_should_match_central_differences)
{
    const net *c = &CASES[_i];
    data d = make_data(c, 1100, 40 + (uint64_t)_i);
    gcv_model *m = build(c, &d);
    ck_assert_uint_eq(m->n_parts, 3);
    gcv_result *r = run(m, 2, 0, 0);
    ck_assert_msg(r->difference < 1e-7, "case %d: difference %g", _i, r->difference);
    ck_assert_int_eq(r->status, GCV_PASS);
    ck_assert_uint_eq(r->params_checked, m->n_params);
    /* The incremental cost over parts against full passes over parts: the same derivative
     * up to the differences' rounding noise (u·|J|/h, about 1e-10 here). */
    gcv_result *f = run(m, 2, 0, 1);
    for (size_t i = 0; i < m->n_params; i++)
        ck_assert_msg(fabs(r->params[i].numeric - f->params[i].numeric) <=
                          1e-8 + 1e-6 * fabs(f->params[i].numeric),
                      "θ[%zu]: incremental %.17g, full %.17g", i, r->params[i].numeric,
                      f->params[i].numeric);
    gcv_result_free(f);
    gcv_result_free(r);
    gcv_model_free(m);
    free_data(&d);
}
END_TEST

static void same_bits(const gcv_result *a, const gcv_result *b, int threads)
{
    ck_assert_uint_eq(a->params_checked, b->params_checked);
    ck_assert_msg(memcmp(&a->cost, &b->cost, sizeof a->cost) == 0, "%d threads: cost", threads);
    ck_assert_msg(memcmp(&a->difference, &b->difference, sizeof a->difference) == 0,
                  "%d threads: difference %.17g against %.17g", threads, b->difference,
                  a->difference);
    for (size_t i = 0; i < a->n_params; i++) {
        const gcv_param_result *p = &a->params[i], *q = &b->params[i];
        ck_assert_msg(memcmp(&p->analytic, &q->analytic, sizeof p->analytic) == 0,
                      "%d threads, θ[%zu]: analytic %.17g against %.17g", threads, i,
                      q->analytic, p->analytic);
        ck_assert_msg(memcmp(&p->numeric, &q->numeric, sizeof p->numeric) == 0 &&
                          memcmp(&p->floor, &q->floor, sizeof p->floor) == 0 &&
                          p->status == q->status && p->evaluations == q->evaluations,
                      "%d threads, θ[%zu]: numeric %.17g against %.17g", threads, i, q->numeric,
                      p->numeric);
    }
}

START_TEST(shared_parts_should_give_the_same_bits_for_any_thread_count)
{
    /* 2100 examples (5 parts), 6 a block sampled: 32 or 33 parameters, fewer than 64 a thread, so
     * with 2–5 threads each evaluation's parts are shared out; 1 thread runs them in turn. */
    const net *c = &CASES[_i];
    data d = make_data(c, 2100, 60 + (uint64_t)_i);
    gcv_model *m = build(c, &d);
    ck_assert_uint_eq(m->n_parts, 5);
    gcv_result *one = run(m, 1, 6, 0);
    size_t want = 0;
    for (size_t b = 0; b < m->n_blocks; b++) {
        size_t n = m->blocks[b].rows * m->blocks[b].cols;
        want += n < 6 ? n : 6;
    }
    ck_assert_uint_eq(one->params_checked, want);
    ck_assert_int_eq(one->status, GCV_PASS);
    for (int t = 2; t <= 5; t++) {
        gcv_result *r = run(m, t, 6, 0);
        same_bits(one, r, t);
        ck_assert_int_eq(r->threads, t);
        gcv_result_free(r);
    }
    gcv_result_free(one);
    gcv_model_free(m);
    free_data(&d);
}
END_TEST

/* A model whose cost is Σ_j (θ0·x_j)² + Σ_j θ1·x_j over 8 parts of 4 "examples", each part
 * recording which thread evaluated it (a test model may know that; the MLP does not). */
#define TOY_PARTS 8
static int toy_thread[TOY_PARTS];

static double toy_share(const double *th, size_t p)
{
    double s = 0.0;
    for (size_t j = 4 * p; j < 4 * p + 4; j++) {
        double x = 0.25 * (double)j - 3.0;
        s += th[0] * x * th[0] * x + th[1] * x;
    }
    return s;
}

static int toy_cost(const gcv_model *m, const double *th, void *ws, double *cost)
{
    (void)m;
    (void)ws;
    double s = 0.0;
    for (size_t p = 0; p < TOY_PARTS; p++)
        s += toy_share(th, p);
    *cost = s;
    return 0;
}

static int toy_gradient(const gcv_model *m, const double *th, double *g, void *ws, double *c)
{
    g[0] = g[1] = 0.0;
    for (size_t j = 0; j < 4 * TOY_PARTS; j++) {
        double x = 0.25 * (double)j - 3.0;
        g[0] += 2.0 * th[0] * x * x;
        g[1] += x;
    }
    return toy_cost(m, th, ws, c);
}

static int toy_part(const gcv_model *m, size_t idx, double value, size_t part, void *ws,
                    double *share, size_t *kinks)
{
    (void)ws;
    double th[2] = {m->theta[0], m->theta[1]};
    th[idx] = value;
    *share = toy_share(th, part);
    *kinks = 0;
    toy_thread[part] = omp_get_thread_num();
    return 0;
}

static int toy_join(const gcv_model *m, size_t idx, double value, const double *shares,
                    double *cost)
{
    (void)m;
    (void)idx;
    (void)value;
    double s = 0.0;
    for (size_t p = 0; p < TOY_PARTS; p++)
        s += shares[p];
    *cost = s;
    return 0;
}

static int toy_perturbed(const gcv_model *m, size_t idx, double value, void *ws, double *cost)
{
    double shares[TOY_PARTS];
    size_t k;
    for (size_t p = 0; p < TOY_PARTS; p++)
        toy_part(m, idx, value, p, ws, &shares[p], &k);
    return toy_join(m, idx, value, shares, cost);
}

START_TEST(the_engine_should_share_a_models_parts_out_over_its_threads)
{
    double theta[2] = {0.7, -0.3};
    gcv_block blocks[1] = {{.name = "w", .layer = 1, .rows = 1, .cols = 2, .offset = 0}};
    gcv_model m = {0};
    m.n_params = 2;
    m.n_blocks = 1;
    m.blocks = blocks;
    m.theta = theta;
    m.ws_bytes = 64;
    m.cost = toy_cost;
    m.gradient = toy_gradient;
    m.cost_perturbed = toy_perturbed;
    m.n_parts = TOY_PARTS;
    m.cost_part = toy_part;
    m.cost_join = toy_join;
    gcv_result *one = run(&m, 1, 0, 0);
    ck_assert_int_eq(one->status, GCV_PASS);
    for (size_t p = 0; p < TOY_PARTS; p++)
        toy_thread[p] = -1;
    gcv_result *two = run(&m, 2, 0, 0);
    same_bits(one, two, 2);
    /* schedule(static): the first four parts on thread 0, the last four on thread 1 */
    for (size_t p = 0; p < TOY_PARTS; p++)
        ck_assert_msg(toy_thread[p] == (p < TOY_PARTS / 2 ? 0 : 1), "part %zu on thread %d",
                      p, toy_thread[p]);
    gcv_result_free(one);
    gcv_result_free(two);
}
END_TEST

static Suite *parts_suite(void)
{
    Suite *s = suite_create("parts");
    TCase *tc = tcase_create("parts");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, workspace_should_hold_one_part_of_the_hidden_and_output_layers);
    tcase_add_loop_test(tc, cost_and_gradient_over_parts_should_be_the_weighted_sums_of_the_parts,
                        0, 4);
    tcase_add_loop_test(tc, backprop_over_parts_should_match_central_differences, 0, 4);
    tcase_add_loop_test(tc, shared_parts_should_give_the_same_bits_for_any_thread_count, 0, 4);
    tcase_add_test(tc, the_engine_should_share_a_models_parts_out_over_its_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(parts_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

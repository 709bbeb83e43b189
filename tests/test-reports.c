/* Reports for nightly jobs: JUnit XML (content and escaping; the schema is checked by
 * junit-test.sh with xmllint), baselines (pairs of reports: growth, new failures, changed
 * parameter counts, noise that is not a regression, bad files) and the merge of shard
 * reports, which must give the single run's report byte for byte, timings aside.
 *
 * `test-reports --emit-junit DIR` writes sample JUnit files for junit-test.sh instead of
 * running the suite. */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "engine/assemble.h"
#include "gcverify/gcverify.h"
#include "model/mlp.h"
#include "report/baseline.h"
#include "report/junit.h"
#include "report/merge.h"
#include "report/report.h"
#include "util/rng.h"

#ifndef GCV_TEST_REPORTS
#define GCV_TEST_REPORTS "tests/reports"
#endif

/* ---- files ---- */

static char *tmp_dir(void)
{
    char *d = strdup("/tmp/gcv-reports-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(d));
    return d;
}

static void rm_dir(char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
    free(dir);
}

static size_t dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static char *fixture(const char *name)
{
    return path_in(GCV_TEST_REPORTS, name);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* What a writer puts on a stream, as a string. */
typedef struct memout {
    char *buf;
    size_t len;
    FILE *f;
} memout;

static void mem_open(memout *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    ck_assert_ptr_nonnull(m->f);
}

static char *mem_close(memout *m)
{
    fclose(m->f);
    return m->buf;
}

/* One config, one JUnit document: to a stream (0 on success) or to a file. */
static int junit_one_stream(FILE *f, const gcv_report_info *in, const gcv_model *m,
                            const gcv_result *r)
{
    gcv_junit *j = NULL;
    gcv_error err;
    int rc = -1;
    if (gcv_junit_new(&j, &err) == GCV_OK && gcv_junit_add(j, in, m, r, NULL, &err) == GCV_OK)
        rc = gcv_junit_write_stream(j, f);
    gcv_junit_free(j);
    return rc;
}

static gcv_status junit_one(const char *path, const gcv_report_info *in, const gcv_model *m,
                            const gcv_result *r, gcv_error *err)
{
    gcv_junit *j = NULL;
    gcv_status st = gcv_junit_new(&j, err);
    if (st == GCV_OK)
        st = gcv_junit_add(j, in, m, r, NULL, err);
    if (st == GCV_OK)
        st = gcv_junit_write(j, path, err);
    gcv_junit_free(j);
    return st;
}

/* What `gcverify merge PARTS -o OUT` does: the merge, then its JSON report. */
static gcv_status merge_reports(const char *const *paths, size_t n, const char *out,
                                gcv_error *err)
{
    gcv_merged *mg = NULL;
    gcv_status st = gcv_merge_load(paths, n, 0, &mg, err);
    if (st != GCV_OK)
        return st;
    st = gcv_report_json(out, &mg->info, mg->model, mg->result, err);
    gcv_merged_free(mg);
    return st;
}

/* The report without what may differ between two runs of one check: the "seconds" line and
 * the thread count. */
static void strip_timings(char *s)
{
    char *p = strstr(s, "\n  \"seconds\": ");
    ck_assert_ptr_nonnull(p);
    char *e = strchr(p + 1, '\n');
    memmove(p, e, strlen(e) + 1);
    p = strstr(s, "\"threads\": ");
    ck_assert_ptr_nonnull(p);
    p += strlen("\"threads\": ");
    e = p;
    while (*e >= '0' && *e <= '9')
        e++;
    memmove(p, e, strlen(e) + 1);
}

static size_t count_of(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* The text of <testcase … name="NAME" …> up to its </testcase>, copied. */
static char *testcase_of(const char *xml, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, " name=\"%s\" time=\"", name);
    const char *p = strstr(xml, key);
    ck_assert_msg(p != NULL, "no testcase %s", name);
    const char *e = strstr(p, "</testcase>");
    ck_assert_ptr_nonnull(e);
    size_t n = (size_t)(e - p);
    char *t = malloc(n + 1);
    memcpy(t, p, n);
    t[n] = '\0';
    return t;
}

/* ---- models ---- */

typedef struct net {
    size_t sizes[4];
    size_t L;
    gcv_act_id hidden, out;
    gcv_loss_id loss;
    size_t m;
    const gcv_inject *inject;
    size_t n_inject;
    double bias_scale; /* biases ~ N(0, s²) */
    int tiny_examples; /* 1: the first two examples are tiny (x ~ 1e-9, 1e-7), so with zero
                        * biases their first-layer pre-activations lie within ε of a ReLU
                        * kink: perturbing b1 crosses it, and a smaller step or one side
                        * avoids it */
} net;

static gcv_model *build(const net *c, uint64_t seed)
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
            th[off + i] = c->bias_scale * gcv_rng_normal(&r);
        off += c->sizes[l];
    }
    for (size_t i = 0; i < n0 * m; i++)
        x[i] = gcv_rng_normal(&r) * (!c->tiny_examples || i % m > 1 ? 1.0 : i % m ? 1e-7 : 1e-9);
    for (size_t j = 0; j < m; j++) {
        if (c->loss == GCV_LOSS_SOFTMAX_CE)
            y[gcv_rng_below(&r, nl) * m + j] = 1.0;
        else
            for (size_t k = 0; k < nl; k++)
                y[k * m + j] = (double)gcv_rng_below(&r, 2);
    }
    gcv_act_id hid[3] = {c->hidden, c->hidden, c->hidden};
    gcv_mlp_spec s = {.n_layers = c->L, .sizes = c->sizes, .hidden = hid, .leaky_slope = 0.05,
                      .output = c->out, .loss = c->loss, .l2 = 0.0, .keep_prob = 1.0,
                      .dropout_seed = 11, .inject = c->inject, .n_inject = c->n_inject,
                      .theta = th, .x = x, .y = y, .m = m};
    gcv_model *model = NULL;
    gcv_error err;
    ck_assert_msg(gcv_mlp_new(&s, &model, &err) == GCV_OK, "%s", err.msg);
    free(th);
    free(x);
    free(y);
    return model;
}

static const gcv_inject scale_w2 = {.block = "W2", .kind = GCV_INJECT_SCALE, .factor = 2.0};

/* A 4-5-3-1 tanh net; with fault, W2's gradient doubled. */
static gcv_model *small_net(int fault)
{
    net c = {{4, 5, 3, 1}, 3, GCV_ACT_TANH, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 6,
             fault ? &scale_w2 : NULL, fault ? 1u : 0u, 0.1, 0};
    return build(&c, 5);
}

static gcv_result *check(const gcv_model *m, const gcv_options *o)
{
    gcv_result *r = NULL;
    gcv_error err;
    ck_assert_msg(gcv_check(m, o, &r, &err) == GCV_OK, "%s", err.msg);
    return r;
}

static gcv_result *check_default(const gcv_model *m)
{
    gcv_options o;
    gcv_options_default(&o);
    o.threads = 2;
    return check(m, &o);
}

static const size_t small_layers[] = {4, 5, 3, 1};

static gcv_report_info info_for(const char *name, size_t examples, int params_mode)
{
    /* Designated: gcv_report_info grows as the reports do. */
    gcv_report_info in = {.name = name, .config = "configs/test.json", .model_type = "mlp",
                          .layers = small_layers, .n_layers = 4,
                          .description = "mlp 4-5-3-1, tanh → sigmoid, binary_cross_entropy",
                          .examples = examples, .top = 10, .params_mode = params_mode};
    return in;
}

/* A function with a NaN region, J = θ₀² + θ₁² + θ₂² + θ₃², NaN when θ₀ > 1: checking at
 * θ₀ = 1 gives one non-finite parameter in block "W1". */
static int nan_cost(const gcv_model *m, const double *th, void *ws, double *cost)
{
    (void)ws;
    double s = 0.0;
    for (size_t i = 0; i < m->n_params; i++)
        s += th[i] * th[i];
    *cost = th[0] > 1.0 ? NAN : s;
    return 0;
}

static int nan_grad(const gcv_model *m, const double *th, double *g, void *ws, double *cost)
{
    for (size_t i = 0; i < m->n_params; i++)
        g[i] = 2.0 * th[i];
    return nan_cost(m, th, ws, cost);
}

static void nan_destroy(gcv_model *m)
{
    free(m->blocks);
    free(m->theta);
    free(m);
}

static gcv_model *nan_model(void)
{
    gcv_model *m = calloc(1, sizeof *m);
    m->n_params = 4;
    m->n_blocks = 2;
    m->blocks = calloc(2, sizeof *m->blocks);
    m->theta = malloc(4 * sizeof *m->theta);
    const double th[4] = {1.0, 0.5, -0.25, 0.75};
    memcpy(m->theta, th, sizeof th);
    m->blocks[0] = (gcv_block){.name = "W1", .layer = 1, .rows = 1, .cols = 2, .offset = 0};
    m->blocks[1] = (gcv_block){.name = "b1", .layer = 1, .rows = 2, .cols = 1, .offset = 2};
    m->ws_bytes = 8;
    m->cost = nan_cost;
    m->gradient = nan_grad;
    m->destroy = nan_destroy;
    snprintf(m->type, sizeof m->type, "quadratic");
    return m;
}

static gcv_report_info nan_info(const char *name)
{
    gcv_report_info in = {.name = name, .model_type = "quadratic",
                          .description = "J = |θ|², NaN for θ₀ > 1", .examples = 1, .top = 10,
                          .params_mode = 1};
    return in;
}

/* A model and result made by hand: blocks W1 (5×4), b1 (5×1), W2 (3×5), b2 (3×1) as in
 * tests/reports/baseline.json, each block passing with the given difference. */
typedef struct fake {
    gcv_model m;
    gcv_block blocks[4];
    gcv_result r;
    gcv_block_result br[4];
    gcv_param_result params[43];
} fake;

static void fake_init(fake *f, const double diff[4])
{
    static const gcv_block b[4] = {
        {.name = "W1", .layer = 1, .rows = 5, .cols = 4, .offset = 0},
        {.name = "b1", .layer = 1, .rows = 5, .cols = 1, .offset = 20},
        {.name = "W2", .layer = 2, .rows = 3, .cols = 5, .offset = 25},
        {.name = "b2", .layer = 2, .rows = 3, .cols = 1, .offset = 40}};
    memset(f, 0, sizeof *f);
    memcpy(f->blocks, b, sizeof b);
    f->m.n_params = 43;
    f->m.n_blocks = 4;
    f->m.blocks = f->blocks;
    snprintf(f->m.type, sizeof f->m.type, "mlp");
    gcv_options_default(&f->r.options);
    f->r.n_params = 43;
    f->r.n_blocks = 4;
    f->r.params = f->params;
    f->r.blocks = f->br;
    f->r.params_checked = 43;
    for (size_t i = 0; i < 43; i++)
        f->params[i].evaluations = 2;
    f->r.evaluations = 86;
    f->r.threads = 1;
    for (size_t k = 0; k < 4; k++) {
        f->br[k].checked = b[k].rows * b[k].cols;
        f->br[k].difference = diff[k];
        f->br[k].status = GCV_PASS;
        f->br[k].transposed_difference = NAN;
        f->br[k].taylor_order = NAN;
    }
}

static gcv_baseline *load_baseline(void)
{
    char *p = fixture("baseline.json");
    gcv_baseline *b = NULL;
    gcv_error err;
    ck_assert_msg(gcv_baseline_load(p, 0, &b, &err) == GCV_OK, "%s", err.msg);
    free(p);
    return b;
}

/* ======================================================================================
 * JUnit */

START_TEST(junit_failure_should_carry_the_diagnosis_of_a_scale_2_fault)
{
    gcv_model *m = small_net(1);
    gcv_result *r = check_default(m);
    ck_assert_int_eq(r->status, GCV_FAIL);
    gcv_report_info in = info_for("scale-2", 6, 1);
    memout o;
    mem_open(&o);
    ck_assert_int_eq(junit_one_stream(o.f, &in, m, r), 0);
    char *xml = mem_close(&o);

    ck_assert_ptr_nonnull(strstr(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    ck_assert_ptr_nonnull(strstr(xml, "<testsuite name=\"scale-2\" tests=\"6\" failures=\"1\" "
                                      "errors=\"0\" skipped=\"0\" time=\""));
    ck_assert_uint_eq(count_of(xml, "<testcase classname=\"scale-2\""), 6);
    ck_assert_uint_eq(count_of(xml, "<failure "), 1);
    char *w2 = testcase_of(xml, "W2");
    ck_assert_ptr_nonnull(strstr(w2, "<failure type=\"gradient-mismatch\" message=\"difference "));
    ck_assert_ptr_nonnull(strstr(w2, "&gt; threshold 1e-07: analytic ≈ 2.000 × numeric\""));
    ck_assert_ptr_nonnull(strstr(w2, "\ndiagnosis   analytic ≈ 2.000 × numeric"));
    ck_assert_ptr_nonnull(strstr(w2, "\nthreshold   9.9999999999999995e-08"));
    /* The worst parameter with its coordinates and both values. */
    const gcv_block_result *br = &r->blocks[2];
    char worst[96];
    snprintf(worst, sizeof worst, "\nworst       W2(%zu,%zu) = θ[%zu]", br->worst_row,
             br->worst_col, m->blocks[2].offset + br->worst_row * 5 + br->worst_col);
    ck_assert_msg(strstr(w2, worst) != NULL, "%s not in %s", worst, w2);
    ck_assert_ptr_nonnull(strstr(w2, ": analytic "));
    ck_assert_ptr_nonnull(strstr(w2, ", numeric "));
    ck_assert_ptr_nonnull(strstr(w2, "<system-out>W2 (layer 2, 3×5): 15 of 15 checked"));
    ck_assert_ptr_nonnull(strstr(w2, ": fail</system-out>"));
    char *w1 = testcase_of(xml, "W1");
    ck_assert_ptr_null(strstr(w1, "<failure"));
    ck_assert_ptr_nonnull(strstr(w1, ": pass</system-out>"));
    ck_assert_ptr_nonnull(strstr(xml, "    <system-out>overall difference "));
    ck_assert_ptr_nonnull(strstr(xml, "<property name=\"status\" value=\"fail\"/>"));
    free(w1);
    free(w2);
    free(xml);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(junit_should_escape_xml_and_replace_what_xml_cannot_hold)
{
    static const struct {
        const char *in;
        int attr;
        const char *out;
    } cases[] = {
        {"a<b & \"c\" 'd'>", 1, "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"},
        {"a<b & \"c\" 'd'>", 0, "a&lt;b &amp; \"c\" 'd'&gt;"},
        {"]]>", 0, "]]&gt;"},
        {"tab\there\nline\rcr", 1, "tab&#9;here&#10;line&#13;cr"},
        {"tab\there\nline\rcr", 0, "tab\there\nline&#13;cr"},
        {"bell\x01 esc\x1b", 0, "bell\xEF\xBF\xBD esc\xEF\xBF\xBD"},
        {"≈ × θ \xF0\x9F\x98\x80", 1, "≈ × θ \xF0\x9F\x98\x80"}, /* valid UTF-8 passes */
        {"bad \xff end", 0, "bad \xEF\xBF\xBD end"},
        {"overlong \xC0\xAF", 0, "overlong \xEF\xBF\xBD\xEF\xBF\xBD"},
        {"surrogate \xED\xA0\x80", 0, "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"nonchar \xEF\xBF\xBE", 0, "nonchar \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"cut \xE2\x89", 0, "cut \xEF\xBF\xBD\xEF\xBF\xBD"},
        {"", 1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memout o;
        mem_open(&o);
        gcv_xml_escape(o.f, cases[i].in, cases[i].attr);
        char *s = mem_close(&o);
        ck_assert_msg(strcmp(s, cases[i].out) == 0, "case %zu: got '%s', expected '%s'", i, s,
                      cases[i].out);
        free(s);
    }
    /* And in a whole document: a config name with every special. */
    gcv_model *m = small_net(0);
    gcv_result *r = check_default(m);
    gcv_report_info in = info_for("n<&>\"'\x01\xff", 6, 1);
    memout o;
    mem_open(&o);
    ck_assert_int_eq(junit_one_stream(o.f, &in, m, r), 0);
    char *xml = mem_close(&o);
    ck_assert_ptr_nonnull(
        strstr(xml, "<testsuite name=\"n&lt;&amp;&gt;&quot;&apos;\xEF\xBF\xBD\xEF\xBF\xBD\""));
    ck_assert_ptr_null(strchr(xml, '\x01'));
    ck_assert_ptr_null(strchr(xml, '\xff'));
    free(xml);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(junit_inconclusive_block_should_be_an_error)
{
    gcv_model *m = nan_model();
    gcv_options o;
    gcv_options_default(&o);
    o.threads = 1;
    gcv_result *r = check(m, &o);
    ck_assert_int_eq(r->blocks[0].status, GCV_INCONCLUSIVE);
    gcv_report_info in = nan_info("nan-region");
    memout mo;
    mem_open(&mo);
    ck_assert_int_eq(junit_one_stream(mo.f, &in, m, r), 0);
    char *xml = mem_close(&mo);
    ck_assert_ptr_nonnull(strstr(xml, "tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"0\""));
    char *w1 = testcase_of(xml, "W1");
    ck_assert_ptr_nonnull(strstr(w1, "<error type=\"inconclusive\" message=\"1 of 2 checked "
                                     "parameters had a non-finite cost or gradient\">"));
    ck_assert_ptr_nonnull(strstr(w1, "\nfirst       W1(0,0) = θ[0] = 1: analytic 2, numeric "));
    ck_assert_ptr_nonnull(strstr(w1, "status nonfinite"));
    char *b1 = testcase_of(xml, "b1");
    ck_assert_ptr_null(strstr(b1, "<error"));
    ck_assert_ptr_nonnull(strstr(xml, "<property name=\"status\" value=\"inconclusive\"/>"));
    free(w1);
    free(b1);
    free(xml);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(junit_writer_should_hold_several_suites_with_totals)
{
    gcv_model *good = small_net(0), *bad = small_net(1), *nan = nan_model();
    gcv_result *rg = check_default(good), *rb = check_default(bad), *rn = check_default(nan);
    gcv_report_info ig = info_for("good", 6, 1), ib = info_for("bad", 6, 1);
    gcv_report_info in = nan_info("nan");
    gcv_junit *j = NULL;
    gcv_error err;
    ck_assert_int_eq(gcv_junit_new(&j, &err), GCV_OK);
    ck_assert_int_eq(gcv_junit_add(j, &ig, good, rg, NULL, &err), GCV_OK);
    ck_assert_int_eq(gcv_junit_add(j, &ib, bad, rb, NULL, &err), GCV_OK);
    ck_assert_int_eq(gcv_junit_add(j, &in, nan, rn, NULL, &err), GCV_OK);
    ck_assert_int_eq(gcv_junit_add_error(j, "broken", "configs/broken.json",
                                         "configs/broken.json: model.layers[2]: expected a "
                                         "positive integer, got -3", &err), GCV_OK);
    ck_assert_uint_eq(gcv_junit_count(j), 4);
    memout o;
    mem_open(&o);
    ck_assert_int_eq(gcv_junit_write_stream(j, o.f), 0);
    char *xml = mem_close(&o);
    ck_assert_ptr_nonnull(strstr(xml, "<testsuites name=\"gcverify\" tests=\"15\" failures=\"1\" "
                                      "errors=\"2\" skipped=\"0\" time=\""));
    ck_assert_uint_eq(count_of(xml, "<testsuite "), 4);
    ck_assert_ptr_nonnull(strstr(xml, "<testsuite name=\"broken\" tests=\"1\" failures=\"0\" "
                                      "errors=\"1\""));
    ck_assert_ptr_nonnull(strstr(xml, "<error type=\"invalid-input\" message=\"configs/broken"
                                      ".json: model.layers[2]: expected a positive integer, "
                                      "got -3\">"));
    /* The file is the stream's bytes, written atomically: nothing else left in the folder. */
    char *dir = tmp_dir(), *p = path_in(dir, "junit.xml");
    ck_assert_int_eq(gcv_junit_write(j, p, &err), GCV_OK);
    char *file = slurp(p);
    ck_assert_str_eq(file, xml);
    ck_assert_uint_eq(dir_entries(dir), 1);
    /* An unwritable path (a file where its folder would be): an error naming it and saying
     * why, and no temporary file left behind. */
    char *bad_path = path_in(dir, "junit.xml/x.xml");
    ck_assert_int_eq(gcv_junit_write(j, bad_path, &err), GCV_ERR_IO);
    ck_assert_msg(strstr(err.msg, "junit.xml/x.xml: cannot write the JUnit report: cannot make "
                                  "its folder: ") && strstr(err.msg, "junit.xml: Not a directory"),
                  "%s", err.msg);
    ck_assert_uint_eq(dir_entries(dir), 1);
    free(bad_path);
    free(file);
    free(p);
    rm_dir(dir);
    free(xml);
    gcv_junit_free(j);
    gcv_junit_free(NULL);
    gcv_result_free(rg);
    gcv_result_free(rb);
    gcv_result_free(rn);
    gcv_model_free(good);
    gcv_model_free(bad);
    gcv_model_free(nan);
}
END_TEST

START_TEST(junit_should_show_baseline_regressions_and_stopped_runs)
{
    gcv_baseline *b = load_baseline();
    fake f;
    const double diff[4] = {3.4e-8, 1e-12, 2e-10, 3e-10}; /* W1 grew ×283, still passes */
    fake_init(&f, diff);
    /* b2 gone, c2 new */
    f.blocks[3] = (gcv_block){.name = "c2", .layer = 2, .rows = 3, .cols = 1, .offset = 40};
    f.r.stopped = 1;
    f.r.status = GCV_INCONCLUSIVE;
    f.r.params_checked = 40;
    gcv_regressions reg;
    gcv_error err;
    ck_assert_int_eq(gcv_baseline_compare(b, &f.m, &f.r, 10.0, &reg, &err), GCV_OK);
    ck_assert_uint_eq(reg.n, 3); /* W1 grew, c2 new, b2 missing */
    gcv_report_info in = info_for("regressed", 16, 1);
    gcv_junit *j = NULL;
    ck_assert_int_eq(gcv_junit_new(&j, &err), GCV_OK);
    ck_assert_int_eq(gcv_junit_add(j, &in, &f.m, &f.r, &reg, &err), GCV_OK);
    memout o;
    mem_open(&o);
    ck_assert_int_eq(gcv_junit_write_stream(j, o.f), 0);
    char *xml = mem_close(&o);
    /* 4 blocks + "baseline" (the missing b2) + "complete" (stopped early) */
    ck_assert_ptr_nonnull(strstr(xml, "<testsuite name=\"regressed\" tests=\"6\" failures=\"3\" "
                                      "errors=\"1\""));
    char *w1 = testcase_of(xml, "W1");
    ck_assert_ptr_nonnull(strstr(w1, "<failure type=\"baseline-regression\" message=\"regression "
                                     "against the baseline: W1     grew         1.2e-10 → "
                                     "3.4e-08 (×283)\">"));
    char *c2 = testcase_of(xml, "c2");
    ck_assert_ptr_nonnull(strstr(c2, "new block"));
    char *bl = testcase_of(xml, "baseline");
    ck_assert_ptr_nonnull(strstr(bl, "missing      in the baseline"));
    char *done = testcase_of(xml, "complete");
    ck_assert_ptr_nonnull(strstr(done, "<error type=\"stopped\" message=\"stopped early: 40 of "
                                       "43 params checked\">"));
    ck_assert_ptr_nonnull(strstr(xml, "<property name=\"regressions\" value=\"3\"/>"));
    free(w1);
    free(c2);
    free(bl);
    free(done);
    free(xml);
    gcv_junit_free(j);
    gcv_regressions_free(&reg);
    gcv_baseline_free(b);
}
END_TEST

/* ======================================================================================
 * Baselines */

START_TEST(baseline_should_load_a_report)
{
    gcv_baseline *b = load_baseline();
    ck_assert_str_eq(b->name, "baseline-fixture");
    ck_assert_uint_eq(b->params_total, 43);
    ck_assert_uint_eq(b->n_blocks, 4);
    ck_assert(b->threshold == 1e-7);
    ck_assert_int_eq(b->status, GCV_PASS);
    const gcv_baseline_block *w2 = gcv_baseline_find(b, "W2");
    ck_assert_ptr_nonnull(w2);
    ck_assert(w2->difference == 2e-10);
    ck_assert_uint_eq(w2->checked, 15);
    ck_assert_uint_eq(w2->mismatches, 0);
    ck_assert_uint_eq(w2->rows, 3);
    ck_assert_uint_eq(w2->cols, 5);
    ck_assert_int_eq(w2->layer, 2);
    ck_assert_ptr_null(gcv_baseline_find(b, "W9"));
    ck_assert_ptr_null(gcv_baseline_find(NULL, "W1"));
    gcv_baseline_free(b);
    gcv_baseline_free(NULL);
}
END_TEST

static const struct {
    const char *file;
    gcv_status st;
    const char *msg;
} bad_baselines[] = {
    {"bad-json.json", GCV_ERR_INVALID,
     "bad-json.json: line 5, column 19: expected a key in double quotes"},
    {"wrong-schema.json", GCV_ERR_INVALID,
     "wrong-schema.json: schema: expected \"gcverify.report/1\", got \"gcverify.report/2\""},
    {"no-blocks.json", GCV_ERR_INVALID, "no-blocks.json: expected a member \"blocks\", got none"},
    {"block-no-difference.json", GCV_ERR_INVALID,
     "block-no-difference.json: blocks[1]: expected a member \"difference\", got none"},
    {"block-bad-status.json", GCV_ERR_INVALID,
     "block-bad-status.json: blocks[2].status: expected one of"},
    {"duplicate-block.json", GCV_ERR_INVALID,
     "duplicate-block.json: blocks[3].name: expected a name no other block has, got \"W1\" "
     "again (blocks[0])"},
    {"block-negative-checked.json", GCV_ERR_INVALID,
     "block-negative-checked.json: blocks[0].checked: expected a non-negative integer, got -3"},
    {"no-params-total.json", GCV_ERR_INVALID,
     "no-params-total.json: model: expected a member \"params_total\", got none"},
    {"top-array.json", GCV_ERR_INVALID,
     "top-array.json: expected a gcverify JSON report (an object), got ["},
    {"no-such-file.json", GCV_ERR_IO, "no-such-file.json: cannot open"},
};

START_TEST(baseline_should_refuse_bad_reports_with_one_clear_line)
{
    char *p = fixture(bad_baselines[_i].file);
    gcv_baseline *b = (gcv_baseline *)&p; /* must be reset to NULL */
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_baseline_load(p, 0, &b, &err), bad_baselines[_i].st);
    ck_assert_ptr_null(b);
    ck_assert_msg(strstr(err.msg, bad_baselines[_i].msg) != NULL, "got: %s\nexpected: %s",
                  err.msg, bad_baselines[_i].msg);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    free(p);
}
END_TEST

/* Compares a fake run with the fixture baseline; returns the regressions. */
static gcv_regressions compare_fake(const gcv_baseline *b, const fake *f, double factor)
{
    gcv_regressions reg;
    gcv_error err;
    ck_assert_msg(gcv_baseline_compare(b, &f->m, &f->r, factor, &reg, &err) == GCV_OK, "%s",
                  err.msg);
    return reg;
}

START_TEST(baseline_same_run_should_have_no_regression)
{
    gcv_baseline *b = load_baseline();
    fake f;
    const double same[4] = {1.2e-10, 1e-12, 2e-10, 3e-10};
    fake_init(&f, same);
    gcv_regressions reg = compare_fake(b, &f, GCV_BASELINE_FACTOR);
    ck_assert_uint_eq(reg.n, 0);
    ck_assert_str_eq(reg.path, b->path);
    memout o;
    mem_open(&o);
    gcv_baseline_text(o.f, &reg);
    char *t = mem_close(&o);
    ck_assert_ptr_nonnull(strstr(t, "baseline.json · factor 10 · no regressions\n"));
    free(t);
    gcv_regressions_free(&reg);
    gcv_regressions_free(&reg); /* emptied: a second call is harmless */
    gcv_regressions_free(NULL);
    gcv_baseline_free(b);
}
END_TEST

START_TEST(baseline_growth_beyond_the_factor_should_regress)
{
    gcv_baseline *b = load_baseline();
    fake f;
    const double grown[4] = {3.4e-8, 1e-12, 1.9e-9, 3e-10}; /* W1 ×283, W2 ×9.5 */
    fake_init(&f, grown);
    gcv_regressions reg = compare_fake(b, &f, 10.0);
    ck_assert_uint_eq(reg.n, 1);
    ck_assert_int_eq(reg.items[0].kind, GCV_REGRESSION_GREW);
    ck_assert_str_eq(reg.items[0].block, "W1");
    ck_assert_str_eq(reg.items[0].what, "difference");
    ck_assert(reg.items[0].before == 1.2e-10 && reg.items[0].after == 3.4e-8);
    char line[256];
    gcv_regression_line(&reg.items[0], line, sizeof line);
    ck_assert_str_eq(line, "W1     grew         1.2e-10 → 3.4e-08 (×283)");
    gcv_regressions_free(&reg);
    /* A larger factor forgives ×283; a smaller one catches W2's ×9.5. */
    reg = compare_fake(b, &f, 1000.0);
    ck_assert_uint_eq(reg.n, 0);
    gcv_regressions_free(&reg);
    reg = compare_fake(b, &f, 5.0);
    ck_assert_uint_eq(reg.n, 2);
    ck_assert_str_eq(reg.items[1].block, "W2");
    gcv_regressions_free(&reg);
    gcv_baseline_free(b);
}
END_TEST

START_TEST(baseline_growth_within_the_noise_should_not_regress)
{
    gcv_baseline *b = load_baseline();
    fake f;
    /* b1: 1e-12 → 2e-11 (×20) is below 1e-3 × threshold = 1e-10: rounding noise. */
    const double noisy[4] = {1.2e-10, 2e-11, 2e-10, 3e-10};
    fake_init(&f, noisy);
    gcv_regressions reg = compare_fake(b, &f, 10.0);
    ck_assert_uint_eq(reg.n, 0);
    gcv_regressions_free(&reg);
    /* Over 1e-3 × threshold, it counts ... */
    f.br[1].difference = 5e-10;
    reg = compare_fake(b, &f, 10.0);
    ck_assert_uint_eq(reg.n, 1);
    ck_assert_int_eq(reg.items[0].kind, GCV_REGRESSION_GREW);
    gcv_regressions_free(&reg);
    /* ... unless the block's own numeric floor says 5e-10 is noise there (4 × 2e-10). */
    f.br[1].floor_difference = 2e-10;
    reg = compare_fake(b, &f, 10.0);
    ck_assert_uint_eq(reg.n, 0);
    gcv_regressions_free(&reg);
    gcv_baseline_free(b);
}
END_TEST

START_TEST(baseline_new_failures_should_regress)
{
    gcv_baseline *b = load_baseline();
    fake f;
    const double d[4] = {1.2e-10, 1e-12, 0.33, 3.1e-10};
    fake_init(&f, d);
    f.br[2].status = GCV_FAIL;  /* W2 over its threshold now */
    f.br[2].mismatches = 12;
    f.br[3].mismatches = 2;     /* b2 still passes, but two parameters mismatch */
    gcv_regressions reg = compare_fake(b, &f, 10.0);
    ck_assert_uint_eq(reg.n, 2);
    ck_assert_int_eq(reg.items[0].kind, GCV_REGRESSION_NEW_FAILURE);
    ck_assert_str_eq(reg.items[0].block, "W2");
    ck_assert_str_eq(reg.items[0].what, "difference"); /* not also "grew": one per block */
    ck_assert_int_eq(reg.items[1].kind, GCV_REGRESSION_NEW_FAILURE);
    ck_assert_str_eq(reg.items[1].block, "b2");
    ck_assert_str_eq(reg.items[1].what, "mismatches");
    ck_assert(reg.items[1].before == 0.0 && reg.items[1].after == 2.0);
    memout o;
    mem_open(&o);
    gcv_baseline_text(o.f, &reg);
    char *t = mem_close(&o);
    ck_assert_ptr_nonnull(strstr(t, "· factor 10 · 2 regressions\n"));
    ck_assert_ptr_nonnull(strstr(t, "\n  W2     new failure  difference 2.0e-10 → 3.3e-01, now "
                                    "over the threshold\n"));
    ck_assert_ptr_nonnull(strstr(t, "\n  b2     new failure  mismatches 0 → 2\n"));
    free(t);
    gcv_regressions_free(&reg);
    gcv_baseline_free(b);
}
END_TEST

START_TEST(baseline_changed_parameter_counts_should_regress)
{
    gcv_baseline *b = load_baseline();
    fake f;
    const double same[4] = {1.2e-10, 1e-12, 2e-10, 3e-10};
    fake_init(&f, same);
    f.m.n_params = 44;        /* b2 grew a row */
    f.blocks[3].rows = 4;
    f.br[3].checked = 4;
    f.br[0].checked = 10;     /* W1 sampled: 10 of 20 */
    gcv_regressions reg = compare_fake(b, &f, 10.0);
    ck_assert_uint_eq(reg.n, 3);
    ck_assert_int_eq(reg.items[0].kind, GCV_REGRESSION_PARAMS_CHANGED);
    ck_assert_str_eq(reg.items[0].block, "");
    ck_assert_str_eq(reg.items[0].what, "params_total");
    ck_assert(reg.items[0].before == 43.0 && reg.items[0].after == 44.0);
    ck_assert_str_eq(reg.items[1].block, "W1");
    ck_assert_str_eq(reg.items[1].what, "checked");
    ck_assert(reg.items[1].before == 20.0 && reg.items[1].after == 10.0);
    ck_assert_str_eq(reg.items[2].block, "b2");
    /* Renamed blocks: one missing, one new. */
    f.m.n_params = 43;
    f.blocks[3].rows = 3;
    f.br[3].checked = 3;
    f.br[0].checked = 20;
    snprintf(f.blocks[3].name, sizeof f.blocks[3].name, "c2");
    gcv_regressions_free(&reg);
    reg = compare_fake(b, &f, 10.0);
    ck_assert_uint_eq(reg.n, 2);
    ck_assert_int_eq(reg.items[0].kind, GCV_REGRESSION_NEW_BLOCK);
    ck_assert_str_eq(reg.items[0].block, "c2");
    ck_assert(isnan(reg.items[0].before));
    ck_assert_int_eq(reg.items[1].kind, GCV_REGRESSION_MISSING);
    ck_assert_str_eq(reg.items[1].block, "b2");
    ck_assert(isnan(reg.items[1].after));
    /* The JSON member: valid JSON once wrapped in braces, null for what is not there. */
    memout o;
    mem_open(&o);
    fputc('{', o.f);
    ck_assert_int_eq(gcv_baseline_json(o.f, &reg), 0);
    fputc('}', o.f);
    char *j = mem_close(&o);
    cJSON *root = cJSON_Parse(j);
    ck_assert_msg(root != NULL, "not JSON: %s", j);
    const cJSON *bl = cJSON_GetObjectItemCaseSensitive(root, "baseline");
    ck_assert(cJSON_GetObjectItemCaseSensitive(bl, "factor")->valuedouble == 10.0);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(bl, "regressions");
    ck_assert_int_eq(cJSON_GetArraySize(items), 2);
    const cJSON *first = cJSON_GetArrayItem(items, 0);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(first, "kind")->valuestring, "new_block");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(first, "before")));
    ck_assert(cJSON_GetObjectItemCaseSensitive(first, "after")->valuedouble == 3e-10);
    ck_assert_msg(strstr(j, "{\"block\": \"b2\", \"kind\": \"missing\", \"what\": "
                            "\"difference\", \"before\": 3e-10, "
                            "\"after\": null}") != NULL, "%s", j);
    cJSON_Delete(root);
    free(j);
    gcv_regressions_free(&reg);
    gcv_baseline_free(b);
}
END_TEST

START_TEST(baseline_factor_should_be_validated)
{
    gcv_baseline *b = load_baseline();
    fake f;
    const double same[4] = {1.2e-10, 1e-12, 2e-10, 3e-10};
    fake_init(&f, same);
    const double bad[] = {0.5, 0.0, -10.0, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        gcv_regressions reg;
        gcv_error err;
        ck_assert_int_eq(gcv_baseline_compare(b, &f.m, &f.r, bad[i], &reg, &err),
                         GCV_ERR_INVALID);
        ck_assert_ptr_nonnull(strstr(err.msg, "expected a finite number ≥ 1"));
        ck_assert_uint_eq(reg.n, 0);
        ck_assert_ptr_null(reg.items);
        gcv_regressions_free(&reg);
    }
    gcv_baseline_free(b);
}
END_TEST

/* A real check's own report as its baseline: nothing regresses; the same net with W2's
 * gradient doubled: W2 newly fails. */
START_TEST(baseline_end_to_end_with_a_real_report)
{
    char *dir = tmp_dir(), *p = path_in(dir, "last.json");
    gcv_model *good = small_net(0), *bad = small_net(1);
    gcv_result *rg = check_default(good), *rb = check_default(bad);
    gcv_report_info in = info_for("e2e", 6, 1);
    gcv_error err;
    ck_assert_int_eq(gcv_report_json(p, &in, good, rg, &err), GCV_OK);
    gcv_baseline *b = NULL;
    ck_assert_msg(gcv_baseline_load(p, 0, &b, &err) == GCV_OK, "%s", err.msg);
    ck_assert_uint_eq(b->n_blocks, 6);
    for (size_t k = 0; k < 6; k++)
        ck_assert(gcv_baseline_find(b, good->blocks[k].name)->difference ==
                  rg->blocks[k].difference);
    gcv_regressions reg;
    ck_assert_int_eq(gcv_baseline_compare(b, good, rg, GCV_BASELINE_FACTOR, &reg, &err), GCV_OK);
    ck_assert_uint_eq(reg.n, 0);
    gcv_regressions_free(&reg);
    ck_assert_int_eq(gcv_baseline_compare(b, bad, rb, GCV_BASELINE_FACTOR, &reg, &err), GCV_OK);
    ck_assert_uint_ge(reg.n, 1);
    ck_assert_int_eq(reg.items[0].kind, GCV_REGRESSION_NEW_FAILURE);
    ck_assert_str_eq(reg.items[0].block, "W2");
    gcv_regressions_free(&reg);
    gcv_baseline_free(b);
    gcv_result_free(rg);
    gcv_result_free(rb);
    gcv_model_free(good);
    gcv_model_free(bad);
    free(p);
    rm_dir(dir);
}
END_TEST

/* ======================================================================================
 * Shards and their merge */

/* Shards are numbered 1..N, as CI systems number a matrix's jobs; shard K checks the same
 * slice shard K − 1 did when they were numbered from 0 (index K − 1, the remainder). */
START_TEST(shard_spec_should_parse_k_of_n_from_one)
{
    gcv_shard s = {99, 99};
    gcv_error err;
    ck_assert_int_eq(gcv_shard_parse("1/3", &s, &err), GCV_OK);
    ck_assert_uint_eq(s.index, 0);
    ck_assert_uint_eq(s.count, 3);
    ck_assert_int_eq(gcv_shard_parse("3/3", &s, &err), GCV_OK);
    ck_assert_uint_eq(s.index, 2);
    ck_assert_int_eq(gcv_shard_parse("1/1", &s, &err), GCV_OK);
    ck_assert_uint_eq(s.index, 0);
    const char *bad[] = {"4/3", "1/0", "0/0", "a/3", "1/3x", "-1/3", "/3", "1/", "1", "",
                         " 1/3", "1/ 3", "1/+3", "99999999999999999999/3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        s = (gcv_shard){7, 8};
        ck_assert_msg(gcv_shard_parse(bad[i], &s, &err) == GCV_ERR_INVALID, "accepted '%s'",
                      bad[i]);
        ck_assert_uint_eq(s.index, 7);
        ck_assert_msg(strstr(err.msg, "expected K/N with 1 ≤ K ≤ N, such as 1/4, got '") != NULL,
                      "%s: %s", bad[i], err.msg);
    }
    ck_assert_int_eq(gcv_shard_parse(NULL, &s, &err), GCV_ERR_INVALID);
    /* 0/N is a job that still counts from 0: told how, and which K/N it meant. */
    ck_assert_int_eq(gcv_shard_parse("0/3", &s, &err), GCV_ERR_INVALID);
    ck_assert_uint_eq(s.index, 7);
    ck_assert_str_eq(err.msg, "--shard 0/3: shards are numbered 1..N now (they were 0..N-1 "
                              "before); --shard 0/3 is the first shard: use --shard 1/3 (each "
                              "K/N of before is K+1/N)");
}
END_TEST

START_TEST(shard_subset_should_interleave_and_intersect)
{
    size_t *idx = NULL, n = 0;
    gcv_error err;
    gcv_shard s = {1, 3};
    ck_assert_int_eq(gcv_shard_subset(&s, 10, NULL, 0, &idx, &n, &err), GCV_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(idx[0], 1);
    ck_assert_uint_eq(idx[1], 4);
    ck_assert_uint_eq(idx[2], 7);
    free(idx);
    const size_t within[] = {0, 2, 4, 6, 8};
    ck_assert_int_eq(gcv_shard_subset(&s, 10, within, 5, &idx, &n, &err), GCV_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(idx[0], 4);
    free(idx);
    s = (gcv_shard){4, 5};
    ck_assert_int_eq(gcv_shard_subset(&s, 3, NULL, 0, &idx, &n, &err), GCV_ERR_INVALID);
    ck_assert_ptr_null(idx);
    ck_assert_ptr_nonnull(strstr(err.msg, "--shard 5/5: expected at least one parameter in the "
                                          "shard, got none of the 3 parameters"));
    s = (gcv_shard){3, 3};
    ck_assert_int_eq(gcv_shard_subset(&s, 10, NULL, 0, &idx, &n, &err), GCV_ERR_INVALID);
}
END_TEST

/* The variants of a check that a merge must reproduce. */
typedef struct merge_case {
    net net;
    gcv_method method;
    double epsilon;
    int taylor;
    int params_mode;
    size_t shards;
    size_t limit_step; /* > 0: a prior subset of every limit_step-th index (like --limit) */
} merge_case;

static const gcv_inject transpose_w1 = {.block = "W1", .kind = GCV_INJECT_TRANSPOSE};

static const merge_case merge_cases[] = {
    /* a fault with a diagnosis, the default listing */
    {{{4, 5, 3, 1}, 3, GCV_ACT_TANH, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 6, &scale_w2, 1, 0.1, 0},
     GCV_METHOD_CENTRAL, 1e-6, 0, 1, 3, 0},
    /* ReLU within ε of its kinks (tiny examples, zero biases), every parameter listed */
    {{{5, 6, 4, 3}, 3, GCV_ACT_RELU, GCV_ACT_SOFTMAX, GCV_LOSS_SOFTMAX_CE, 4, NULL, 0, 0.0, 1},
     GCV_METHOD_CENTRAL, 1e-6, 0, 2, 3, 0},
    /* the Taylor test (run by every shard, counted once), five-point, nothing listed */
    {{{3, 4, 2, 0}, 2, GCV_ACT_SIGMOID, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 5, NULL, 0, 0.1, 0},
     GCV_METHOD_FIVE_POINT, 1e-4, 1, 0, 4, 0},
    /* shards of a subset, like --limit */
    {{{4, 5, 3, 1}, 3, GCV_ACT_LEAKY_RELU, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 6, &scale_w2, 1, 0.1,
      0}, GCV_METHOD_CENTRAL, 1e-6, 0, 2, 3, 2},
    /* one shard */
    {{{4, 5, 3, 1}, 3, GCV_ACT_TANH, GCV_ACT_SIGMOID, GCV_LOSS_BCE, 6, &scale_w2, 1, 0.1, 0},
     GCV_METHOD_FORWARD, 1e-7, 0, 1, 1, 0},
    /* more shards than a block has entries; a transposed W1; Richardson */
    {{{3, 3, 2, 1}, 3, GCV_ACT_TANH, GCV_ACT_LINEAR, GCV_LOSS_MSE, 4, &transpose_w1, 1, 0.1, 0},
     GCV_METHOD_RICHARDSON, 1e-6, 0, 2, 7, 0},
};

/* Runs case c once in full and once as its shards into dir; returns the full result. */
static gcv_result *run_shards(const merge_case *c, const char *dir, gcv_model **model_out,
                              char ***parts_out)
{
    gcv_model *m = build(&c->net, 21);
    gcv_options o;
    gcv_options_default(&o);
    o.method = c->method;
    o.epsilon = c->epsilon;
    o.taylor = c->taylor;
    o.threads = 2;
    /* The whole run is given its indices as the shards are given theirs (every one without a
     * limit): the noise measurement and the escalation look at whole blocks, which a slice
     * does not have, so a run on a caller's subset takes neither (doc/cluster.md). */
    size_t *within = malloc(m->n_params * sizeof *within), n_within = 0;
    for (size_t i = 0; i < m->n_params; i += c->limit_step ? c->limit_step : 1)
        within[n_within++] = i;
    o.subset = within;
    o.n_subset = n_within;
    gcv_result *full = check(m, &o);
    size_t layers[4];
    for (size_t l = 0; l <= c->net.L; l++)
        layers[l] = c->net.sizes[l];
    static char *const notes[] = {"labels read as class ids", "a \"quoted\" note"};
    gcv_report_info in = {.name = "merge-case", .config = "configs/merge.json",
                          .model_type = "mlp", .layers = layers, .n_layers = c->net.L + 1,
                          .description = "mlp under test", .examples = c->net.m, .top = 10,
                          .params_mode = c->params_mode, .notes = notes,
                          .n_notes = c->shards % 2 ? 2 : 0};
    gcv_error err;
    char *full_path = path_in(dir, "full.json");
    ck_assert_int_eq(gcv_report_json(full_path, &in, m, full, &err), GCV_OK);
    free(full_path);
    char **parts = calloc(c->shards, sizeof *parts);
    for (size_t k = 0; k < c->shards; k++) {
        gcv_shard s = {k, c->shards};
        size_t *idx = NULL, n = 0;
        ck_assert_msg(gcv_shard_subset(&s, m->n_params, within, n_within, &idx, &n, &err) ==
                          GCV_OK, "%s", err.msg);
        gcv_options os = o;
        os.subset = idx;
        os.n_subset = n;
        os.threads = 1 + (int)(k % 2); /* shards on machines of different sizes */
        gcv_result *r = check(m, &os);
        char name[32];
        snprintf(name, sizeof name, "part%zu.json", k);
        parts[k] = path_in(dir, name);
        ck_assert_msg(gcv_shard_report_json(parts[k], &in, m, r, &s, &err) == GCV_OK, "%s",
                      err.msg);
        gcv_result_free(r);
        free(idx);
    }
    free(within);
    *model_out = m;
    *parts_out = parts;
    return full;
}

static void free_parts(char **parts, size_t n)
{
    for (size_t k = 0; k < n; k++)
        free(parts[k]);
    free(parts);
}

START_TEST(merged_shards_should_equal_the_single_run_byte_for_byte)
{
    const merge_case *c = &merge_cases[_i];
    char *dir = tmp_dir();
    gcv_model *m = NULL;
    char **parts = NULL;
    gcv_result *full = run_shards(c, dir, &m, &parts);
    if (_i == 1) /* the case is there for its kinks: make sure it has them */
        ck_assert_uint_gt(full->kinks_avoided, 0);
    if (_i == 0 || _i == 3 || _i == 5)
        ck_assert_int_eq(full->status, GCV_FAIL);
    char *merged_path = path_in(dir, "merged.json"), *full_path = path_in(dir, "full.json");
    gcv_error err;
    ck_assert_msg(merge_reports((const char *const *)parts, c->shards, merged_path, &err) ==
                      GCV_OK, "%s", err.msg);
    char *a = slurp(full_path), *b = slurp(merged_path);
    strip_timings(a);
    strip_timings(b);
    ck_assert_str_eq(b, a);
    free(a);
    free(b);

    /* The merged result in memory is the single run's, field for field. */
    gcv_merged *mg = NULL;
    ck_assert_int_eq(gcv_merge_load((const char *const *)parts, c->shards, 0, &mg, &err), GCV_OK);
    const gcv_result *r = mg->result;
    ck_assert_int_eq(r->status, full->status);
    ck_assert(memcmp(&r->difference, &full->difference, sizeof r->difference) == 0);
    ck_assert_uint_eq(r->evaluations, full->evaluations);
    ck_assert_uint_eq(r->params_checked, full->params_checked);
    ck_assert_uint_eq(r->kinks_avoided, full->kinks_avoided);
    ck_assert_uint_eq(mg->model->n_params, m->n_params);
    ck_assert_int_eq(r->threads, c->shards > 1 ? 2 : 1); /* the largest shard's */
    for (size_t b2 = 0; b2 < m->n_blocks; b2++)
        ck_assert(memcmp(&r->blocks[b2].scale, &full->blocks[b2].scale, sizeof(double)) == 0);
    gcv_merged_free(mg);
    gcv_merged_free(NULL);

    /* Any order of the inputs gives the same bytes. */
    char **rev = calloc(c->shards, sizeof *rev);
    for (size_t k = 0; k < c->shards; k++)
        rev[k] = parts[c->shards - 1 - k];
    char *merged2 = path_in(dir, "merged2.json");
    ck_assert_int_eq(merge_reports((const char *const *)rev, c->shards, merged2, &err),
                     GCV_OK);
    a = slurp(merged_path);
    b = slurp(merged2);
    strip_timings(a);
    strip_timings(b);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    free(rev);
    free(merged2);
    free(merged_path);
    free(full_path);
    free_parts(parts, c->shards);
    gcv_result_free(full);
    gcv_model_free(m);
    rm_dir(dir);
}
END_TEST

/* Reports make their folders as mkdir -p does (mode 0777 & ~umask, parents too), and a
 * write that fails says why: the file in the way, or the system's reason. */
START_TEST(reports_should_make_their_folders_and_say_why_they_cannot)
{
    char *dir = tmp_dir();
    gcv_model *m = small_net(0);
    gcv_result *r = check_default(m);
    gcv_report_info in = info_for("folders", 6, 1);
    gcv_error err;
    char *p = path_in(dir, "a/b/c.json"), *a = path_in(dir, "a"), *ab = path_in(dir, "a/b");
    mode_t old = umask(027);
    ck_assert_msg(gcv_report_json(p, &in, m, r, &err) == GCV_OK, "%s", err.msg);
    umask(old);
    struct stat st;
    const char *made[] = {a, ab};
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(stat(made[k], &st), 0);
        ck_assert(S_ISDIR(st.st_mode));
        ck_assert_uint_eq(st.st_mode & 07777, 0750);
    }
    ck_assert_uint_eq(dir_entries(ab), 1); /* c.json, no temporary file */
    char want[1024];
    /* A file where a folder would be: named, nothing written. */
    char *q = path_in(dir, "a/b/c.json/d/e.json");
    ck_assert_int_eq(gcv_report_json(q, &in, m, r, &err), GCV_ERR_IO);
    snprintf(want, sizeof want, "%s: cannot write the report: cannot make its folder: %s: Not a "
             "directory", q, p);
    ck_assert_str_eq(err.msg, want);
    /* A folder where the file would be: the system's reason, no temporary file left. */
    ck_assert_int_eq(gcv_report_json(ab, &in, m, r, &err), GCV_ERR_IO);
    snprintf(want, sizeof want, "%s: cannot write the report: Is a directory", ab);
    ck_assert_str_eq(err.msg, want);
    ck_assert_uint_eq(dir_entries(a), 1);
    ck_assert_uint_eq(dir_entries(ab), 1);
    unlink(p);
    rmdir(ab);
    rmdir(a);
    free(q);
    free(p);
    free(a);
    free(ab);
    rm_dir(dir);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

/* A stop that comes during the loop: the first perturbed cost raises the flag, as a signal
 * arriving then would (a flag already set stops the check before its gradient). */
static volatile sig_atomic_t loop_stop;
static int (*loop_stop_inner)(const gcv_model *, size_t, double, void *, double *);

static int cost_then_stop(const gcv_model *m, size_t idx, double value, void *ws, double *cost)
{
    loop_stop = 1;
    return loop_stop_inner(m, idx, value, ws, cost);
}

/* Shards stopped early (a signal, --max-seconds) merge into a partial report that says so,
 * and cannot pass: one stopped in its loop, and one stopped before its gradient (no cost:
 * the others' is the check's). */
START_TEST(merged_stopped_shards_should_stay_stopped)
{
    char *dir = tmp_dir();
    gcv_model *m = small_net(0);
    gcv_model stopping = *m; /* the same net; its perturbed cost raises the flag */
    loop_stop_inner = m->cost_perturbed;
    stopping.cost_perturbed = cost_then_stop;
    static volatile sig_atomic_t set_up_stop = 1;
    gcv_report_info in = info_for("stopped", 6, 1);
    char *parts[3];
    gcv_error err;
    for (size_t k = 0; k < 3; k++) {
        gcv_shard s = {k, 3};
        size_t *idx = NULL, n = 0;
        ck_assert_int_eq(gcv_shard_subset(&s, m->n_params, NULL, 0, &idx, &n, &err), GCV_OK);
        gcv_options o;
        gcv_options_default(&o);
        o.threads = 1;
        o.subset = idx;
        o.n_subset = n;
        loop_stop = 0;
        o.stop = k == 1 ? &loop_stop : k == 2 ? &set_up_stop : NULL;
        gcv_result *r = check(k == 1 ? &stopping : m, &o);
        ck_assert_int_eq(r->stopped, k > 0);
        ck_assert_uint_eq(r->params_checked, k == 1 ? 1 : k == 2 ? 0 : n);
        ck_assert(k == 2 ? isnan(r->cost) : isfinite(r->cost));
        char name[32];
        snprintf(name, sizeof name, "part%zu.json", k);
        parts[k] = path_in(dir, name);
        ck_assert_int_eq(gcv_shard_report_json(parts[k], &in, m, r, &s, &err), GCV_OK);
        gcv_result_free(r);
        free(idx);
    }
    gcv_result *full = check_default(m);
    /* In any order: the shard without a cost first too. */
    const char *const orders[2][3] = {{parts[0], parts[1], parts[2]},
                                      {parts[2], parts[1], parts[0]}};
    for (int t = 0; t < 2; t++) {
        gcv_merged *mg = NULL;
        ck_assert_msg(gcv_merge_load(orders[t], 3, 0, &mg, &err) == GCV_OK, "%s", err.msg);
        ck_assert_int_eq(mg->result->stopped, 1);
        ck_assert_int_eq(mg->result->status, GCV_INCONCLUSIVE);
        ck_assert_uint_eq(mg->result->params_checked, (m->n_params + 2) / 3 + 1);
        ck_assert(mg->result->cost == full->cost);
        gcv_merged_free(mg);
    }
    gcv_result_free(full);
    for (size_t k = 0; k < 3; k++)
        free(parts[k]);
    gcv_model_free(m);
    rm_dir(dir);
}
END_TEST

/* Expects the merge of paths to fail with st and a message containing each of want[]. */
static void expect_merge_error(const char *const *paths, size_t n, const char *out,
                               gcv_status st, const char *want1, const char *want2)
{
    gcv_error err = {{0}};
    ck_assert_int_eq(merge_reports(paths, n, out, &err), st);
    ck_assert_msg(strstr(err.msg, want1) != NULL, "got: %s\nexpected: %s", err.msg, want1);
    ck_assert_msg(!want2 || strstr(err.msg, want2) != NULL, "got: %s\nexpected: %s", err.msg,
                  want2);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    ck_assert_int_ne(access(out, F_OK), 0); /* no report written */
}

/* Replaces the first occurrence of from in file path by to. */
static void edit_file(const char *path, const char *from, const char *to)
{
    char *s = slurp(path);
    char *p = strstr(s, from);
    ck_assert_msg(p != NULL, "'%s' not in %s", from, path);
    FILE *f = fopen(path, "wb");
    fwrite(s, 1, (size_t)(p - s), f);
    fputs(to, f);
    fputs(p + strlen(from), f);
    fclose(f);
    free(s);
}

/* A shard's report names it by its number K (1-based, as --shard K/N) and keeps "index",
 * K − 1, with the meaning it had when shards were numbered from 0. The merge takes both, and
 * reports with only "index" (written before the numbering changed) the same way, so that a
 * job array half done when gcverify was upgraded still merges; where the two disagree it
 * refuses. */
START_TEST(shard_reports_should_name_their_number_and_keep_their_index)
{
    const merge_case *c = &merge_cases[0]; /* 3 shards */
    char *dir = tmp_dir();
    gcv_model *m = NULL;
    char **parts = NULL;
    gcv_result *full = run_shards(c, dir, &m, &parts);
    for (size_t k = 0; k < 3; k++) {
        char *doc = slurp(parts[k]), want[96];
        snprintf(want, sizeof want, "\"shard\": {\"number\": %zu, \"count\": 3, \"index\": %zu, ",
                 k + 1, k);
        ck_assert_msg(strstr(doc, want) != NULL, "%s not in part%zu.json", want, k);
        free(doc);
    }
    char *out = path_in(dir, "merged.json"), *out_new = path_in(dir, "merged-new.json");
    gcv_error err;
    ck_assert_int_eq(merge_reports((const char *const *)parts, 3, out_new, &err), GCV_OK);
    /* The first shard as an older gcverify wrote it: only "index". Same merge. */
    edit_file(parts[0], "\"number\": 1, \"count\": 3, \"index\": 0, ",
              "\"index\": 0, \"count\": 3, ");
    ck_assert_msg(merge_reports((const char *const *)parts, 3, out, &err) == GCV_OK, "%s",
                  err.msg);
    char *a = slurp(out), *b = slurp(out_new);
    strip_timings(a);
    strip_timings(b);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    unlink(out);
    unlink(out_new);
    /* Number and index that disagree, a number 0 or above the count: refused, named. */
    edit_file(parts[1], "\"number\": 2, \"count\": 3, \"index\": 1, ",
              "\"number\": 3, \"count\": 3, \"index\": 1, ");
    const char *disagree[] = {parts[1]};
    expect_merge_error(disagree, 1, out_new, GCV_ERR_INVALID, "part1.json: shard.index: expected "
                       "shard.number − 1 = 2, got 1", NULL);
    edit_file(parts[1], "\"number\": 3, ", "\"number\": 0, ");
    expect_merge_error(disagree, 1, out_new, GCV_ERR_INVALID, "part1.json: shard.number: "
                       "expected ", NULL);
    edit_file(parts[1], "\"number\": 0, ", "\"number\": 4, ");
    expect_merge_error(disagree, 1, out_new, GCV_ERR_INVALID, "part1.json: shard.number: "
                       "expected a shard number from 1 to shard.count = 3, got 4", NULL);
    free(out);
    free(out_new);
    free_parts(parts, 3);
    gcv_result_free(full);
    gcv_model_free(m);
    rm_dir(dir);
}
END_TEST

START_TEST(merge_should_refuse_what_is_not_one_check_split_in_shards)
{
    const merge_case *c = &merge_cases[0]; /* 3 shards */
    char *dir = tmp_dir();
    gcv_model *m = NULL;
    char **parts = NULL;
    gcv_result *full = run_shards(c, dir, &m, &parts);
    char *out = path_in(dir, "merged.json"), *full_path = path_in(dir, "full.json");
    char *bad_json = fixture("bad-json.json"), *wrong_schema = fixture("wrong-schema.json");

    const char *overlap[] = {parts[0], parts[1], parts[1]};
    expect_merge_error(overlap, 3, out, GCV_ERR_INVALID, "part1.json and ",
                       "part1.json are both shard 2/3: each shard must be given once");
    const char *missing[] = {parts[0], parts[2]};
    expect_merge_error(missing, 2, out, GCV_ERR_INVALID, "1 of 3 shards is missing: 2/3 (every "
                       "shard K/N with 1 ≤ K ≤ 3 must be given once)", NULL);
    const char *one[] = {parts[2]};
    expect_merge_error(one, 1, out, GCV_ERR_INVALID, "2 of 3 shards are missing: 1/3, 2/3",
                       NULL);
    const char *not_partial[] = {parts[0], full_path, parts[2]};
    expect_merge_error(not_partial, 3, out, GCV_ERR_INVALID, "full.json: expected a partial "
                       "report written with --shard K/N", NULL);
    const char *broken[] = {parts[0], bad_json};
    expect_merge_error(broken, 2, out, GCV_ERR_INVALID, "bad-json.json: line 5, column 19",
                       NULL);
    const char *schema[] = {wrong_schema, parts[0]};
    expect_merge_error(schema, 2, out, GCV_ERR_INVALID,
                       "wrong-schema.json: schema: expected \"gcverify.report/1\"", NULL);
    char *nofile = path_in(dir, "part9.json");
    const char *absent[] = {parts[0], nofile};
    expect_merge_error(absent, 2, out, GCV_ERR_IO, "part9.json: cannot open", NULL);
    gcv_error err;
    ck_assert_int_eq(merge_reports(NULL, 0, out, &err), GCV_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "expected at least one partial report"));

    /* Shards of a different check: another ε. */
    merge_case other = *c;
    other.epsilon = 1e-7;
    char *dir2 = tmp_dir();
    gcv_model *m2 = NULL;
    char **parts2 = NULL;
    gcv_result *full2 = run_shards(&other, dir2, &m2, &parts2);
    const char *mixed[] = {parts[0], parts2[1], parts[2]};
    expect_merge_error(mixed, 3, out, GCV_ERR_INVALID, "part1.json: check.epsilon: expected "
                       "1e-06 as in ", "part0.json, got 1e-07: shards of different checks");

    /* Good shards, an output path that cannot be written (a file where its folder would
     * be): an I/O error saying why, nothing left. */
    char *no_dir = path_in(dir, "part0.json/merged.json");
    const char *good[] = {parts[0], parts[1], parts[2]};
    expect_merge_error(good, 3, no_dir, GCV_ERR_IO, "part0.json/merged.json: cannot write "
                       "the report: cannot make its folder: ", "part0.json: Not a directory");

    /* Hand-edited shards: a count that disagrees, a parameter in the wrong shard, wrong
     * coordinates, a list cut short, a kink flag on a parameter the shard did not list. */
    edit_file(parts2[0], "\"count\": 3", "\"count\": 4");
    const char *counts[] = {parts2[1], parts2[0]};
    expect_merge_error(counts, 2, out, GCV_ERR_INVALID, "part0.json: shard.count: expected 3 as "
                       "in ", "part1.json, got 4");
    edit_file(parts2[2], "{\"index\": 2, \"block\": \"W1\", \"coords\": [0, 2]",
              "{\"index\": 3, \"block\": \"W1\", \"coords\": [0, 3]");
    const char *wrong_shard[] = {parts2[2]};
    expect_merge_error(wrong_shard, 1, out, GCV_ERR_INVALID,
                       "part2.json: params[0].index: expected an index of shard 3/3 (index % 3 "
                       "== 2), got 3", NULL);
    edit_file(parts2[1], "{\"index\": 1, \"block\": \"W1\", \"coords\": [0, 1]",
              "{\"index\": 1, \"block\": \"W1\", \"coords\": [1, 0]");
    const char *coords[] = {parts2[1]};
    expect_merge_error(coords, 1, out, GCV_ERR_INVALID,
                       "part1.json: params[0].coords: expected [0, 1] for index 1, got [1,0]",
                       NULL);
    edit_file(parts[1], "\"params_checked\": 16", "\"params_checked\": 17");
    const char *cut[] = {parts[1]};
    expect_merge_error(cut, 1, out, GCV_ERR_INVALID, "part1.json: params: expected "
                       "params_checked = 17 parameters, got 16", NULL);
    edit_file(parts[2], "\"kinks_avoided\": []", "\"kinks_avoided\": [0]");
    const char *kink[] = {parts[2]};
    expect_merge_error(kink, 1, out, GCV_ERR_INVALID, "part2.json: shard.kinks_avoided[0]: "
                       "expected the index of a parameter listed in params, got 0", NULL);
    ck_assert_uint_eq(dir_entries(dir), 4); /* full.json and the three parts: no leftovers */

    free(no_dir);
    free(nofile);
    free(out);
    free(full_path);
    free(bad_json);
    free(wrong_schema);
    free_parts(parts, c->shards);
    free_parts(parts2, other.shards);
    gcv_result_free(full);
    gcv_result_free(full2);
    gcv_model_free(m);
    gcv_model_free(m2);
    rm_dir(dir);
    rm_dir(dir2);
}
END_TEST

/* ======================================================================================
 * Samples for junit-test.sh */

static const char *emit_dir;

/* Run as a Check test too, since the helpers assert (Check's asserts need a test). */
START_TEST(emit_junit)
{
    const char *dir = emit_dir;
    gcv_error err;
    gcv_model *good = small_net(0), *bad = small_net(1), *nan = nan_model();
    gcv_result *rg = check_default(good), *rb = check_default(bad), *rn = check_default(nan);
    gcv_report_info ig = info_for("good", 6, 1), ib = info_for("scale-2", 6, 1);
    gcv_report_info iw = info_for("weird <&>\"' \x01\xff name", 6, 1);
    gcv_report_info in = nan_info("nan");
    char *p = path_in(dir, "single.xml");
    int rc = junit_one(p, &ib, bad, rb, &err) != GCV_OK;
    free(p);
    p = path_in(dir, "weird.xml");
    rc |= junit_one(p, &iw, good, rg, &err) != GCV_OK;
    free(p);

    gcv_baseline *b = NULL;
    char *bp = fixture("baseline.json");
    rc |= gcv_baseline_load(bp, 0, &b, &err) != GCV_OK;
    free(bp);
    fake f;
    const double diff[4] = {3.4e-8, 1e-12, 0.3, 3e-10};
    fake_init(&f, diff);
    f.br[2].status = GCV_FAIL;
    f.br[2].mismatches = 3;
    f.br[1].checked = 0; /* judged along directions, fewer checked than the baseline: */
    f.br[1].directions = 3; /* a regression, not skipped */
    f.br[0].checked = 20;
    f.blocks[3] = (gcv_block){.name = "c2", .layer = 2, .rows = 3, .cols = 1, .offset = 40};
    f.m.n_params = 43;
    f.r.stopped = 1;
    f.r.status = GCV_FAIL;
    gcv_regressions reg = {0};
    if (b)
        rc |= gcv_baseline_compare(b, &f.m, &f.r, 10.0, &reg, &err) != GCV_OK;
    gcv_report_info ifk = info_for("regressed", 16, 1);

    gcv_junit *j = NULL;
    rc |= gcv_junit_new(&j, &err) != GCV_OK;
    if (j) {
        rc |= gcv_junit_add(j, &ig, good, rg, NULL, &err) != GCV_OK;
        rc |= gcv_junit_add(j, &ib, bad, rb, NULL, &err) != GCV_OK;
        rc |= gcv_junit_add(j, &in, nan, rn, NULL, &err) != GCV_OK;
        rc |= gcv_junit_add(j, &ifk, &f.m, &f.r, &reg, &err) != GCV_OK;
        /* A sample that left b1 out: skipped. */
        fake g;
        const double ok[4] = {1e-10, 0.0, 2e-10, 3e-10};
        fake_init(&g, ok);
        g.br[1].checked = 0;
        g.br[1].status = GCV_UNCHECKED;
        g.r.params_checked = 38;
        g.r.sampled = 1;
        gcv_report_info is = info_for("sampled", 16, 1);
        rc |= gcv_junit_add(j, &is, &g.m, &g.r, NULL, &err) != GCV_OK;
        rc |= gcv_junit_add_error(j, "broken", "configs/broken.json",
                                  "configs/broken.json: model.layers[2]: expected a positive "
                                  "integer, got -3", &err) != GCV_OK;
        p = path_in(dir, "multi.xml");
        rc |= gcv_junit_write(j, p, &err) != GCV_OK;
        free(p);
    }
    gcv_junit_free(j);
    gcv_regressions_free(&reg);
    gcv_baseline_free(b);
    gcv_result_free(rg);
    gcv_result_free(rb);
    gcv_result_free(rn);
    gcv_model_free(good);
    gcv_model_free(bad);
    gcv_model_free(nan);
    ck_assert_msg(rc == 0, "%s", err.msg);
}
END_TEST

/* ======================================================================================
 * Unchecked blocks, advice that works, directional rows, the text table */

/* The text report of (m, r) as a string. */
static char *text_of(const gcv_report_info *in, const gcv_model *m, const gcv_result *r)
{
    memout o;
    mem_open(&o);
    gcv_report_text(o.f, in, m, r);
    return mem_close(&o);
}

/* The JSON report of (m, r), parsed. */
static cJSON *json_of(const gcv_report_info *in, const gcv_model *m, const gcv_result *r)
{
    memout o;
    mem_open(&o);
    ck_assert_int_eq(gcv_report_json_stream(o.f, in, m, r), 0);
    char *s = mem_close(&o);
    cJSON *d = cJSON_Parse(s);
    ck_assert_msg(d != NULL, "not JSON: %s", s);
    free(s);
    return d;
}

static const cJSON *member(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(it != NULL, "no member %s", key);
    return it;
}

/* The small net checked at θ[0] and θ[1] only (both in W1), as --limit or --shard leave it. */
static gcv_result *check_two(const gcv_model *m)
{
    static const size_t two[2] = {0, 1};
    gcv_options o;
    gcv_options_default(&o);
    o.threads = 2;
    o.subset = two;
    o.n_subset = 2;
    return check(m, &o);
}

START_TEST(blocks_with_nothing_checked_should_be_unchecked_not_pass)
{
    gcv_model *m = small_net(0);
    gcv_result *r = check_two(m);
    ck_assert_int_eq(r->blocks[0].status, GCV_PASS);
    for (size_t b = 1; b < 6; b++) {
        const gcv_block_result *br = &r->blocks[b];
        ck_assert_int_eq(br->status, GCV_UNCHECKED);
        ck_assert(isnan(br->difference) && isnan(br->max_rel_error) && isnan(br->power));
        ck_assert(isnan(br->floor_difference) && isnan(br->scale));
    }
    /* Judged on what was checked: a layer of a passing and an unchecked block passes, one
     * of unchecked blocks only is unchecked, and the check (of a subset the caller chose)
     * passes; the reports name every unchecked block. */
    ck_assert_int_eq(r->layers[0].status, GCV_PASS);
    ck_assert_int_eq(r->layers[1].status, GCV_UNCHECKED);
    ck_assert_int_eq(r->layers[2].status, GCV_UNCHECKED);
    ck_assert_int_eq(r->status, GCV_PASS);
    ck_assert_str_eq(gcv_verdict_name(GCV_UNCHECKED), "unchecked");

    gcv_report_info in = info_for("two", 6, 1);
    char *t = text_of(&in, m, r);
    ck_assert_msg(strstr(t, "\n1      b1     5×1                0           —            —  "
                            "—                     0      —  unchecked\n") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "\n3      b3     1×1                0           —            —  "
                            "—                     0      —  unchecked\n") != NULL, "%s", t);
    ck_assert_msg(strstr(t, " · pass · 2 of 47 params checked · 5 of 6 blocks "
                            "unchecked\n") != NULL, "%s", t);
    ck_assert_ptr_null(strstr(t, "shard"));
    free(t);

    cJSON *d = json_of(&in, m, r);
    const cJSON *b1 = cJSON_GetArrayItem(member(d, "blocks"), 1);
    ck_assert_str_eq(member(b1, "name")->valuestring, "b1");
    ck_assert_str_eq(member(b1, "status")->valuestring, "unchecked");
    ck_assert(cJSON_IsNull(member(b1, "difference")));
    ck_assert(cJSON_IsNull(member(b1, "max_rel_error")));
    ck_assert(cJSON_IsNull(member(b1, "power")));
    ck_assert_int_eq(member(b1, "checked")->valueint, 0);
    const cJSON *l2 = cJSON_GetArrayItem(member(d, "layers"), 1);
    ck_assert_str_eq(member(l2, "status")->valuestring, "unchecked");
    ck_assert(cJSON_IsNull(member(l2, "difference")));
    ck_assert_str_eq(member(cJSON_GetArrayItem(member(d, "layers"), 0), "status")->valuestring,
                     "pass");
    ck_assert_str_eq(member(d, "status")->valuestring, "pass");
    ck_assert(cJSON_IsNumber(member(d, "difference"))); /* W1 was checked */
    cJSON_Delete(d);

    memout o;
    mem_open(&o);
    ck_assert_int_eq(junit_one_stream(o.f, &in, m, r), 0);
    char *xml = mem_close(&o);
    ck_assert_ptr_nonnull(strstr(xml, "skipped=\"5\""));
    char *tb1 = testcase_of(xml, "b1"), *tw1 = testcase_of(xml, "W1");
    ck_assert_msg(strstr(tb1, "<skipped message=\"unchecked: no parameter of 5 checked (not "
                              "among the parameters this run checked: --limit, --shard or "
                              "--budget)\"/>") != NULL, "%s", tb1);
    ck_assert_msg(strstr(tb1, "<system-out>b1 (layer 1, 5×1): 0 of 5 checked: unchecked"
                              "</system-out>") != NULL, "%s", tb1);
    ck_assert_ptr_null(strstr(tw1, "<skipped"));
    ck_assert_ptr_nonnull(strstr(xml, "blocks unchecked") ? xml : NULL);
    free(tb1);
    free(tw1);
    free(xml);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(a_run_stopped_before_anything_should_give_no_difference)
{
    gcv_model *m = small_net(0);
    gcv_param_result *slots = calloc(m->n_params, sizeof *slots);
    for (size_t i = 0; i < m->n_params; i++)
        slots[i].status = GCV_PARAM_UNCHECKED;
    gcv_assembly a = {.params = slots, .cost = 0.5, .threads = 1, .stopped = 1};
    gcv_options_default(&a.options);
    gcv_result *r = NULL;
    ck_assert_int_eq(gcv_result_assemble(m, &a, &r), GCV_OK);
    ck_assert_int_eq(r->status, GCV_INCONCLUSIVE);
    for (size_t l = 0; l < r->n_layers; l++)
        ck_assert_int_eq(r->layers[l].status, GCV_UNCHECKED);
    gcv_report_info in = info_for("stopped", 6, 1);
    char *t = text_of(&in, m, r);
    ck_assert_msg(strstr(t, "\noverall difference — · INCONCLUSIVE · stopped early: 0 of 47 "
                            "params checked · 6 of 6 blocks unchecked\n") != NULL, "%s", t);
    free(t);
    cJSON *d = json_of(&in, m, r);
    ck_assert(cJSON_IsNull(member(d, "difference")));
    ck_assert_str_eq(member(d, "status")->valuestring, "inconclusive");
    cJSON_Delete(d);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(a_shard_text_report_should_say_it_is_partial)
{
    gcv_model *m = small_net(0);
    gcv_result *r = check_two(m);
    gcv_report_info in = info_for("shard", 6, 1);
    in.shard_index = 2;
    in.shard_count = 3;
    char *t = text_of(&in, m, r);
    ck_assert_msg(strstr(t, "\n\nshard 2/3: 2 of 47 parameters; merge the shards for the "
                            "verdict\noverall difference ") != NULL, "%s", t);
    free(t);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(baseline_unchecked_blocks_should_neither_regress_nor_hide_one)
{
    /* A baseline whose b1 was unchecked reads back as such. */
    gcv_baseline *bu = NULL;
    gcv_error err;
    char *p = fixture("baseline-unchecked.json");
    ck_assert_msg(gcv_baseline_load(p, 0, &bu, &err) == GCV_OK, "%s", err.msg);
    free(p);
    ck_assert_int_eq(gcv_baseline_find(bu, "b1")->status, GCV_UNCHECKED);
    ck_assert(isnan(gcv_baseline_find(bu, "b1")->difference));
    fake f;
    const double same[4] = {1.2e-10, 1e-12, 2e-10, 3e-10};
    fake_init(&f, same);
    /* Checked now, unchecked before: 0 → 5 checked is no regression ... */
    gcv_regressions reg = compare_fake(bu, &f, 10.0);
    ck_assert_uint_eq(reg.n, 0);
    gcv_regressions_free(&reg);
    /* ... and mismatches 0 of 0 before are not "0 → 2", but a failure now still is one. */
    f.br[1].mismatches = 2;
    reg = compare_fake(bu, &f, 10.0);
    ck_assert_uint_eq(reg.n, 0);
    gcv_regressions_free(&reg);
    f.br[1].status = GCV_FAIL;
    f.br[1].difference = 0.5;
    reg = compare_fake(bu, &f, 10.0);
    ck_assert_uint_eq(reg.n, 1);
    ck_assert_int_eq(reg.items[0].kind, GCV_REGRESSION_NEW_FAILURE);
    ck_assert_str_eq(reg.items[0].block, "b1");
    gcv_regressions_free(&reg);
    gcv_baseline_free(bu);

    /* Unchecked now against a full baseline: W2 is not compared, W1's growth still shows. */
    gcv_baseline *b = load_baseline();
    const double grown[4] = {1.2e-7, 1e-12, NAN, 3e-10};
    fake_init(&f, grown);
    f.br[2].checked = 0;
    f.br[2].status = GCV_UNCHECKED;
    reg = compare_fake(b, &f, 10.0);
    ck_assert_uint_eq(reg.n, 1);
    ck_assert_int_eq(reg.items[0].kind, GCV_REGRESSION_GREW);
    ck_assert_str_eq(reg.items[0].block, "W1");
    gcv_regressions_free(&reg);
    /* A new shape is still a change, checked or not. */
    f.blocks[2].rows = 4;
    f.blocks[3].offset = 45;
    f.m.n_params = 48;
    reg = compare_fake(b, &f, 10.0);
    ck_assert_uint_eq(reg.n, 3);
    ck_assert_str_eq(reg.items[2].block, "W2");
    ck_assert_int_eq(reg.items[2].kind, GCV_REGRESSION_PARAMS_CHANGED);
    gcv_regressions_free(&reg);
    gcv_baseline_free(b);
}
END_TEST

static int some_complex_cost(const gcv_model *m, const double *th, size_t i, double h,
                             void *ws, double *re, double *im)
{
    (void)m, (void)th, (void)i, (void)h, (void)ws;
    *re = *im = 0.0;
    return 0;
}

static int some_cost(const gcv_model *m, const double *th, void *ws, double *cost)
{
    (void)m, (void)th, (void)ws;
    *cost = 0.0;
    return 0;
}

/* Block 0's diagnosis of a fake whose W1 is within its numeric floor. */
static void unresolved_advice(fake *f, char *buf, size_t n)
{
    gcv_report_info in = info_for("advice", 16, 1);
    ck_assert_uint_gt(gcv_report_diagnosis(&in, &f->m, &f->r, 0, buf, n), 0);
}

START_TEST(advice_should_name_only_methods_the_model_accepts)
{
    fake f;
    const double diff[4] = {3e-7, 1e-12, 2e-10, 3e-10};
    fake_init(&f, diff);
    f.br[0].within_floor = 1;
    f.br[0].floor_difference = 1e-7;
    char d[GCV_ERROR_LEN];
    /* A model with a complex-step cost: both. */
    f.m.cost = some_cost;
    f.m.cost_complex = some_complex_cost;
    unresolved_advice(&f, d, sizeof d);
    ck_assert_str_eq(d, "difference 3.0e-07 is over the threshold but within the numeric floor "
                        "1.0e-07, so it was not resolved; try --method complex_step or richardson");
    /* A plugin without one, and a float model: never complex_step. */
    f.m.cost_complex = NULL;
    snprintf(f.m.type, sizeof f.m.type, "plugin");
    unresolved_advice(&f, d, sizeof d);
    ck_assert_msg(strstr(d, "; try --method richardson") && !strstr(d, "complex"), "%s", d);
    /* A merged report's model (blocks only, no cost): the MLP has the hook, in double. */
    f.m.cost = NULL;
    snprintf(f.m.type, sizeof f.m.type, "mlp");
    unresolved_advice(&f, d, sizeof d);
    ck_assert_msg(strstr(d, "; try --method complex_step or richardson"), "%s", d);
    f.m.precision = GCV_FLOAT;
    unresolved_advice(&f, d, sizeof d);
    ck_assert_msg(strstr(d, "; try --method richardson") && !strstr(d, "complex"), "%s", d);
    /* Already richardson and no complex step: nothing finer to name. */
    f.r.options.method = GCV_METHOD_RICHARDSON;
    unresolved_advice(&f, d, sizeof d);
    ck_assert_msg(strstr(d, "; no finer method is available for this model: a threshold of "
                            "4.0e-07 or more is within its reach") && !strstr(d, "--method"),
                  "%s", d);
    /* Already richardson with a complex step: complex_step only. */
    f.m.precision = GCV_DOUBLE;
    unresolved_advice(&f, d, sizeof d);
    ck_assert_msg(strstr(d, "; try --method complex_step") && !strstr(d, "richardson"), "%s", d);

    /* The warning of a threshold below the floor says the same. */
    f.m.precision = GCV_FLOAT;
    f.r.options.method = GCV_METHOD_CENTRAL;
    f.r.floor_difference = 1e-6;
    f.br[0].within_floor = 0;
    gcv_report_info in = info_for("advice", 16, 1);
    char *t = text_of(&in, &f.m, &f.r);
    ck_assert_msg(strstr(t, "\nwarning: the threshold 1e-07 is below what central can resolve "
                            "here (numeric floor 1.0e-06); use richardson\n") != NULL, "%s", t);
    free(t);
}
END_TEST

START_TEST(directional_rows_should_show_only_what_was_measured)
{
    fake f;
    const double diff[4] = {4.4e-10, 0.6, 2e-10, 3e-10};
    fake_init(&f, diff);
    for (size_t b = 0; b < 4; b++) {
        f.br[b].checked = 0;
        f.br[b].directions = 5;
        f.br[b].power = 2e-7;
    }
    for (size_t i = 0; i < 43; i++)
        f.params[i].status = GCV_PARAM_UNCHECKED;
    f.br[1].status = GCV_FAIL;
    f.br[1].scale = 4.0;
    f.r.status = GCV_FAIL;
    f.r.blocks_failed = 1;
    f.r.params_checked = 0;
    f.r.difference = 0.6;
    gcv_report_info in = info_for("dirs", 16, 1);
    char *t = text_of(&in, &f.m, &f.r);
    ck_assert_msg(strstr(t, "\n1      W1     5×4           5 dirs     4.4e-10            —  —    "
                            "                 —  2e-07  pass\n") != NULL, "%s", t);
    ck_assert_ptr_null(strstr(t, "0.0e+00"));
    ck_assert_msg(strstr(t, "(0,0)") == NULL, "%s", t);
    ck_assert_msg(strstr(t, " · FAIL · 1 of 4 blocks\n") != NULL, "%s", t);
    free(t);
    memout o;
    mem_open(&o);
    ck_assert_int_eq(junit_one_stream(o.f, &in, &f.m, &f.r), 0);
    char *xml = mem_close(&o);
    ck_assert_ptr_nonnull(strstr(xml, "skipped=\"0\"")); /* judged, not skipped */
    ck_assert_ptr_nonnull(strstr(xml, "<system-out>overall difference 6.00e-01 &gt; 1e-07: fail, "
                                      "1 of 4 blocks; 0 of 43 params checked"));
    ck_assert_ptr_nonnull(strstr(xml, "<system-out>W1 (layer 1, 5×4): 5 directions, difference "
                                      "4.40e-10 ≤ 1e-07: pass</system-out>"));
    char *tb1 = testcase_of(xml, "b1");
    ck_assert_msg(strstr(tb1, "\ndirections  5</failure>") || strstr(tb1, "\ndirections  5\n"),
                  "%s", tb1);
    ck_assert_ptr_null(strstr(tb1, "mismatches"));
    free(tb1);
    free(xml);
}
END_TEST

static void big_destroy(gcv_model *m)
{
    (void)m;
}

START_TEST(the_index_column_should_fit_the_largest_index)
{
    enum { ROWS = 400, COLS = 300, P = ROWS * COLS };
    gcv_block blk = {.name = "W1", .layer = 1, .rows = ROWS, .cols = COLS, .offset = 0};
    gcv_model m = {.n_params = P, .n_blocks = 1, .blocks = &blk, .destroy = big_destroy};
    gcv_param_result *ps = calloc(P, sizeof *ps);
    for (size_t i = 0; i < P; i++)
        ps[i].status = GCV_PARAM_UNCHECKED;
    const size_t idx[3] = {7, 119999, 12345};
    for (size_t k = 0; k < 3; k++) {
        ps[idx[k]].status = GCV_PARAM_OK;
        ps[idx[k]].analytic = ps[idx[k]].numeric = 1.0;
        ps[idx[k]].rel_error = 1e-9 * (double)(3 - k);
    }
    gcv_block_result br = {.checked = 3, .difference = 1e-10, .power = 2e-7,
                           .transposed_difference = NAN, .taylor_order = NAN};
    gcv_layer_result lr = {.layer = 1, .n_blocks = 1, .difference = 1e-10};
    gcv_result r = {.n_params = P, .n_blocks = 1, .n_layers = 1, .params = ps, .blocks = &br,
                    .layers = &lr, .params_checked = 3, .threads = 1, .sampled = 1};
    gcv_options_default(&r.options);
    gcv_report_info in = info_for("wide", 1, 1);
    char *t = text_of(&in, &m, &r);
    ck_assert_msg(strstr(t, "\n   index  block  coords        theta ") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "\n       7  W1     (0,7)    ") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "\n  119999  W1     (399,299)") != NULL, "%s", t);
    ck_assert_msg(strstr(t, "\n   12345  W1     (41,45)  ") != NULL, "%s", t);
    free(t);
    free(ps);
}
END_TEST

static Suite *reports_suite(void)
{
    Suite *s = suite_create("reports");
    TCase *tc = tcase_create("junit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, junit_failure_should_carry_the_diagnosis_of_a_scale_2_fault);
    tcase_add_test(tc, junit_should_escape_xml_and_replace_what_xml_cannot_hold);
    tcase_add_test(tc, junit_inconclusive_block_should_be_an_error);
    tcase_add_test(tc, junit_writer_should_hold_several_suites_with_totals);
    tcase_add_test(tc, junit_should_show_baseline_regressions_and_stopped_runs);
    suite_add_tcase(s, tc);

    tc = tcase_create("baseline");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, baseline_should_load_a_report);
    tcase_add_loop_test(tc, baseline_should_refuse_bad_reports_with_one_clear_line, 0,
                        (int)(sizeof bad_baselines / sizeof *bad_baselines));
    tcase_add_test(tc, baseline_same_run_should_have_no_regression);
    tcase_add_test(tc, baseline_growth_beyond_the_factor_should_regress);
    tcase_add_test(tc, baseline_growth_within_the_noise_should_not_regress);
    tcase_add_test(tc, baseline_new_failures_should_regress);
    tcase_add_test(tc, baseline_changed_parameter_counts_should_regress);
    tcase_add_test(tc, baseline_factor_should_be_validated);
    tcase_add_test(tc, baseline_end_to_end_with_a_real_report);
    suite_add_tcase(s, tc);

    tc = tcase_create("merge");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, shard_spec_should_parse_k_of_n_from_one);
    tcase_add_test(tc, shard_reports_should_name_their_number_and_keep_their_index);
    tcase_add_test(tc, shard_subset_should_interleave_and_intersect);
    tcase_add_loop_test(tc, merged_shards_should_equal_the_single_run_byte_for_byte, 0,
                        (int)(sizeof merge_cases / sizeof *merge_cases));
    tcase_add_test(tc, merged_stopped_shards_should_stay_stopped);
    tcase_add_test(tc, reports_should_make_their_folders_and_say_why_they_cannot);
    tcase_add_test(tc, merge_should_refuse_what_is_not_one_check_split_in_shards);
    suite_add_tcase(s, tc);

    tc = tcase_create("unchecked and advice");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, blocks_with_nothing_checked_should_be_unchecked_not_pass);
    tcase_add_test(tc, a_run_stopped_before_anything_should_give_no_difference);
    tcase_add_test(tc, a_shard_text_report_should_say_it_is_partial);
    tcase_add_test(tc, baseline_unchecked_blocks_should_neither_regress_nor_hide_one);
    tcase_add_test(tc, advice_should_name_only_methods_the_model_accepts);
    tcase_add_test(tc, directional_rows_should_show_only_what_was_measured);
    tcase_add_test(tc, the_index_column_should_fit_the_largest_index);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    Suite *s;
    if (argc == 3 && strcmp(argv[1], "--emit-junit") == 0) {
        emit_dir = argv[2];
        s = suite_create("emit");
        TCase *tc = tcase_create("emit");
        tcase_add_test(tc, emit_junit);
        suite_add_tcase(s, tc);
    } else {
        s = reports_suite();
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

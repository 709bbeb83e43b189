/* The HTML report (src/report/html.c): one scatter per block and one heatmap per weight
 * matrix, the seed test case's two faults drawn where they are, deterministic thinning and
 * tiling of big blocks, escaping, the same bytes for any thread count, the history chart and
 * atomic writes. tests/html-test.sh checks the CLI's pages against the JSON report and with
 * xmllint; tests/html-browser.sh loads them in a browser. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gcverify/gcverify.h"
#include "model/mlp.h"
#include "report/baseline.h"
#include "report/html.h"
#include "report/report.h"
#include "seed_testcase.h"

/* ---- helpers ---- */

static char *tmp_dir(void)
{
    char *d = strdup("/tmp/gcv-html-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(d));
    return d;
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

/* Removes dir and the files (and empty folders) in it. */
static void rm_dir(char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            if (unlink(p) != 0)
                rmdir(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
    free(dir);
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

static size_t count_of(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* The element that starts with the first occurrence of key, up to (not including) end. */
static char *part(const char *s, const char *key, const char *end)
{
    const char *p = strstr(s, key);
    ck_assert_msg(p != NULL, "no %s in the page", key);
    const char *e = strstr(p, end);
    ck_assert_msg(e != NULL, "no %s after %s", end, key);
    size_t n = (size_t)(e - p);
    char *t = malloc(n + 1);
    memcpy(t, p, n);
    t[n] = '\0';
    return t;
}

/* The page as a string. */
static char *render(const gcv_report_info *in, const gcv_model *m, const gcv_result *r,
                    const gcv_html_options *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(gcv_report_html_stream(f, in, m, r, o), 0);
    fclose(f);
    return buf;
}

/* ---- the seed test case ---- */

static const size_t seed_layers[] = {4, 5, 3, 1};

static gcv_model *seed_model(void)
{
    static const gcv_act_id hid[] = {GCV_ACT_RELU, GCV_ACT_RELU};
    static const double y[] = {1, 1, 0};
    static const gcv_inject inj[2] = {{"W2", GCV_INJECT_SCALE, 2.0, GCV_ACT_RELU, 0},
                                      {"b1", GCV_INJECT_SCALE, 4.0, GCV_ACT_RELU, 0}};
    gcv_mlp_spec s = {.n_layers = 3, .sizes = seed_layers, .hidden = hid, .leaky_slope = 0.01,
                      .output = GCV_ACT_SIGMOID, .loss = GCV_LOSS_BCE, .keep_prob = 1.0,
                      .inject = inj, .n_inject = 2, .theta = seed_tc_theta, .x = seed_tc_x,
                      .y = y, .m = 3};
    gcv_model *m = NULL;
    gcv_error err;
    ck_assert_msg(gcv_mlp_new(&s, &m, &err) == GCV_OK, "%s", err.msg);
    return m;
}

static gcv_result *check_with(const gcv_model *m, int threads)
{
    gcv_options o;
    gcv_options_default(&o);
    o.threads = threads;
    gcv_result *r = NULL;
    gcv_error err;
    ck_assert_msg(gcv_check(m, &o, &r, &err) == GCV_OK, "%s", err.msg);
    return r;
}

static gcv_report_info seed_info(void)
{
    /* Designated: gcv_report_info grows at its end. */
    gcv_report_info in = {.name = "seed-testcase", .config = "configs/seed_testcase.json",
                          .model_type = "mlp", .layers = seed_layers, .n_layers = 4,
                          .description = "mlp 4-5-3-1, relu → sigmoid, binary_cross_entropy",
                          .examples = 3, .top = 10, .params_mode = 1};
    return in;
}

START_TEST(page_should_draw_one_scatter_per_block_and_one_heatmap_per_matrix)
{
    gcv_model *m = seed_model();
    gcv_result *r = check_with(m, 2);
    gcv_report_info in = seed_info();
    char *s = render(&in, m, r, NULL);
    ck_assert_uint_eq(count_of(s, "class=\"scatter\""), 6);
    ck_assert_uint_eq(count_of(s, "class=\"heatmap\""), 2); /* W1 5×4, W2 3×5 */
    ck_assert_uint_eq(count_of(s, "class=\"strip\""), 4);   /* b1, b2, W3 1×3, b3 */
    ck_assert_uint_eq(count_of(s, "class=\"bar block "), 6);
    ck_assert_uint_eq(count_of(s, "class=\"bar layer "), 3);
    ck_assert_ptr_nonnull(strstr(s, "id=\"verdict\" data-status=\"fail\""));
    ck_assert_ptr_null(strstr(s, "<script"));
    ck_assert_ptr_nonnull(strstr(s, "default-src 'none'"));
    /* W2 ×2 and b1 ×4 fail, and their bars are drawn in the failing colour. */
    ck_assert_ptr_nonnull(strstr(s, "class=\"bar block fail\" x=\"92.0\""));
    ck_assert_uint_eq(count_of(s, "class=\"bar block fail\""), 2);
    ck_assert_ptr_nonnull(strstr(s, "<b>b1</b> analytic ≈ 4.000 × numeric"));
    ck_assert_ptr_nonnull(strstr(s, "<b>W2</b> analytic ≈ 2.000 × numeric"));
    /* W2: only row 2 has a gradient (rows 0 and 1 are dead units); its first four entries
     * are mismatches with relative error 0.5 (h8), (2,4) has no gradient either (hz). */
    char *w2 = part(s, "id=\"heatmap-2\"", "</figure>");
    ck_assert_ptr_nonnull(strstr(w2, "data-block=\"W2\" data-rows=\"3\" data-cols=\"5\" "
                                     "data-tile-rows=\"1\" data-tile-cols=\"1\""));
    ck_assert_ptr_nonnull(
        strstr(w2, "<path class=\"h8\" d=\"M0 2h1v1h-1zM1 2h1v1h-1zM2 2h1v1h-1zM3 2h1v1h-1z\">"));
    ck_assert_ptr_nonnull(strstr(w2, "<path class=\"hz\" d=\"M0 0h1v1h-1zM1 0h1v1h-1z"));
    ck_assert_ptr_null(strstr(w2, "class=\"h1\"")); /* nothing in W2 is right */
    /* b1: four mismatches ×4 (relative error 0.75) and the dead unit 4. */
    char *b1 = part(s, "id=\"strip-1\"", "</figure>");
    ck_assert_ptr_nonnull(
        strstr(b1, "<path class=\"h8\" d=\"M0 0h1v1h-1zM0 1h1v1h-1zM0 2h1v1h-1zM0 3h1v1h-1z\">"));
    ck_assert_ptr_nonnull(strstr(b1, "<path class=\"hz\" d=\"M0 4h1v1h-1z\">"));
    /* The scatter of b1: its four drawable parameters (indices 20–23), all ringed. */
    char *sc = part(s, "id=\"scatter-1\"", "</svg>");
    ck_assert_ptr_nonnull(strstr(sc, "data-points=\"4\" data-shown=\"4\""));
    ck_assert_uint_eq(count_of(sc, " bad\""), 4);
    for (int i = 20; i < 24; i++) {
        char key[32];
        snprintf(key, sizeof key, "data-i=\"%d\"", i);
        ck_assert_msg(strstr(sc, key) != NULL, "%s not drawn", key);
    }
    /* The worst table starts with the b1 entries (20–23, relative error 0.75), then W2's. */
    char *top = part(s, "<tr class=\"param ", "</tr>");
    const char *di = strstr(top, "data-index=\"");
    ck_assert_ptr_nonnull(di);
    long first = strtol(di + strlen("data-index=\""), NULL, 10);
    ck_assert_msg(first >= 20 && first <= 23, "the worst parameter is %ld", first);
    ck_assert_uint_eq(count_of(s, "<tr class=\"param "), 10);
    free(top);
    free(sc);
    free(b1);
    free(w2);
    free(s);
    gcv_result_free(r);
    gcv_model_free(m);
}
END_TEST

START_TEST(page_should_be_the_same_bytes_for_any_thread_count)
{
    gcv_model *m = seed_model();
    gcv_report_info in = seed_info();
    char *first = NULL;
    for (int t = 1; t <= 4; t *= 2) {
        gcv_result *r = check_with(m, t);
        ck_assert_int_eq(r->threads, t);
        char *s = render(&in, m, r, NULL);
        if (!first)
            first = s;
        else {
            ck_assert_msg(strcmp(first, s) == 0, "the page differs with %d threads", t);
            free(s);
        }
        gcv_result_free(r);
    }
    free(first);
    gcv_model_free(m);
}
END_TEST

/* ---- made-up results: one block of any shape, every parameter chosen by the test ---- */

typedef struct fake {
    gcv_model m;
    gcv_block block;
    gcv_result r;
    gcv_block_result br;
    gcv_layer_result lr;
} fake;

/* One block "W1" rows × cols, every parameter ok with g = g̃ = 0.01·(k+1) and a relative
 * error of 1e-9. */
static fake *fake_new(size_t rows, size_t cols)
{
    fake *f = calloc(1, sizeof *f);
    size_t P = rows * cols;
    f->block = (gcv_block){.name = "W1", .layer = 1, .rows = rows, .cols = cols, .offset = 0};
    f->m.n_params = P;
    f->m.n_blocks = 1;
    f->m.blocks = &f->block;
    snprintf(f->m.type, sizeof f->m.type, "test");
    gcv_options_default(&f->r.options);
    f->r.n_params = P;
    f->r.n_blocks = 1;
    f->r.n_layers = 1;
    f->r.params = calloc(P, sizeof *f->r.params);
    f->r.blocks = &f->br;
    f->r.layers = &f->lr;
    f->r.params_checked = P;
    f->r.threads = 1;
    for (size_t k = 0; k < P; k++) {
        gcv_param_result *q = &f->r.params[k];
        q->analytic = q->numeric = 0.01 * (double)(k + 1);
        q->rel_error = 1e-9;
        q->status = GCV_PARAM_OK;
    }
    f->br = (gcv_block_result){.checked = P, .difference = 1e-9, .transposed_difference = NAN,
                               .taylor_order = NAN, .status = GCV_PASS};
    f->lr = (gcv_layer_result){.layer = 1, .first_block = 0, .n_blocks = 1, .difference = 1e-9};
    return f;
}

static void fake_mismatch(fake *f, size_t k, double rel)
{
    gcv_param_result *q = &f->r.params[k];
    q->analytic = q->numeric / (1.0 - rel);
    q->rel_error = rel;
    q->status = GCV_PARAM_MISMATCH;
    f->br.mismatches++;
    f->r.mismatches++;
    f->br.status = f->lr.status = f->r.status = GCV_FAIL;
    f->br.difference = f->lr.difference = f->r.difference = 0.1;
}

static void fake_free(fake *f)
{
    free(f->r.params);
    free(f);
}

static gcv_report_info fake_info(const char *name, const char *config)
{
    gcv_report_info in = {.name = name, .config = config, .model_type = "test",
                          .description = "a made-up result", .examples = 1, .top = 5};
    return in;
}

START_TEST(scatter_should_thin_big_blocks_keeping_every_mismatch)
{
    fake *f = fake_new(40, 100);
    for (size_t k = 7; k < 4000; k += 107) /* 38 mismatches spread over the block */
        fake_mismatch(f, k, 0.5);
    gcv_report_info in = fake_info("thin", NULL);
    char *s = render(&in, &f->m, &f->r, NULL);
    char *sc = part(s, "id=\"scatter-0\"", "</svg>");
    ck_assert_ptr_nonnull(strstr(sc, "data-points=\"4000\" data-shown=\"600\""));
    ck_assert_uint_eq(count_of(sc, "<circle "), 600);
    ck_assert_uint_eq(count_of(sc, " bad\""), 38);
    for (size_t k = 7; k < 4000; k += 107) {
        char key[32];
        snprintf(key, sizeof key, "data-i=\"%zu\"", k);
        ck_assert_msg(strstr(sc, key) != NULL, "mismatch %zu left out", k);
    }
    /* The others evenly: the first and the last of the rest are in. */
    ck_assert_ptr_nonnull(strstr(sc, "data-i=\"0\""));
    ck_assert_ptr_nonnull(strstr(s, "600 of 4000 shown"));
    char *again = render(&in, &f->m, &f->r, NULL);
    ck_assert_str_eq(s, again);
    free(again);
    free(sc);
    free(s);
    /* More mismatches than half the points: the worst 300 of them (relative error 0.9 from
     * index 2000 on, in index order), then evenly over all the others, mismatches or not. */
    for (size_t k = 0; k < 4000; k += 5)
        if (f->r.params[k].status == GCV_PARAM_OK)
            fake_mismatch(f, k, k < 2000 ? 1e-2 : 0.9);
    s = render(&in, &f->m, &f->r, NULL);
    sc = part(s, "id=\"scatter-0\"", "</svg>");
    ck_assert_uint_eq(count_of(sc, "<circle "), 600);
    size_t nbad = count_of(sc, " bad\"");
    ck_assert_msg(nbad >= 300 && nbad < 600, "%zu mismatches drawn", nbad);
    for (size_t k = 2000, found = 0; found < 300; k += 5) {
        if (f->r.params[k].rel_error != 0.9)
            continue; /* one of the 0.5 ones from before */
        found++;
        char key[32];
        snprintf(key, sizeof key, "data-i=\"%zu\"", k);
        ck_assert_msg(strstr(sc, key) != NULL, "one of the worst, %zu, left out", k);
    }
    free(sc);
    free(s);
    fake_free(f);
}
END_TEST

START_TEST(heatmap_should_tile_big_matrices_by_their_worst)
{
    fake *f = fake_new(500, 300);
    for (size_t c = 0; c < 300; c++)
        fake_mismatch(f, 7 * 300 + c, 0.5); /* row 7 wrong throughout */
    fake_mismatch(f, 250 * 300 + 150, 0.5);
    f->r.params[299].status = GCV_PARAM_NONFINITE; /* (0, 299) */
    f->r.params[299].rel_error = NAN;
    for (size_t k = 499 * 300; k < 500 * 300; k++) /* the last row left unchecked */
        f->r.params[k].status = GCV_PARAM_UNCHECKED;
    gcv_report_info in = fake_info("tiles", NULL);
    char *s = render(&in, &f->m, &f->r, NULL);
    char *hm = part(s, "id=\"heatmap-0\"", "</figure>");
    /* ⌈500/96⌉ = 6 rows and ⌈300/96⌉ = 4 columns a tile: 84 × 75 tiles. */
    ck_assert_ptr_nonnull(strstr(hm, "data-rows=\"500\" data-cols=\"300\" data-tile-rows=\"6\" "
                                     "data-tile-cols=\"4\""));
    ck_assert_ptr_nonnull(strstr(hm, "class=\"hm dense\""));
    ck_assert_ptr_nonnull(strstr(hm, "viewBox=\"0 0 75 84\""));
    /* Row 7 is in tile row 1, as one run; (250, 150) in tile (41, 37). */
    ck_assert_ptr_nonnull(strstr(hm, "<path class=\"h8\" d=\"M0 1h75v1h-75zM37 41h1v1h-1z\">"));
    ck_assert_ptr_nonnull(strstr(hm, "<path class=\"h9\" d=\"M74 0h1v1h-1z\">"));
    /* Rows 498 and 499 share the last tile row: the checked row 498 colours it. */
    ck_assert_ptr_null(strstr(hm, "class=\"hu\""));
    ck_assert_ptr_nonnull(strstr(hm, "tiles of 6×4, each showing its worst"));
    free(hm);
    free(s);
    fake_free(f);
}
END_TEST

START_TEST(page_should_escape_every_name_and_path)
{
    fake *f = fake_new(2, 2);
    snprintf(f->block.name, sizeof f->block.name, "W<1>&\"x\"");
    char *notes[1] = {"a note with a tab\tand a bad byte \xff"};
    gcv_report_info in = fake_info("a<b>&\"c'", "</title><script>alert(1)</script>.json");
    in.notes = notes;
    in.n_notes = 1;
    char *s = render(&in, &f->m, &f->r, NULL);
    ck_assert_ptr_null(strstr(s, "<script"));
    ck_assert_ptr_null(strstr(s, "<b>&"));
    ck_assert_ptr_null(strstr(s, "\xff"));
    ck_assert_ptr_nonnull(strstr(s, "<title>a&lt;b&gt;&amp;\"c' · gcverify"));
    ck_assert_ptr_nonnull(strstr(s, "gcverify · &lt;/title&gt;&lt;script&gt;alert(1)"));
    ck_assert_ptr_nonnull(strstr(s, "data-block=\"W&lt;1&gt;&amp;&quot;x&quot;\""));
    ck_assert_ptr_nonnull(strstr(s, "a bad byte \xef\xbf\xbd")); /* U+FFFD */
    free(s);
    fake_free(f);
}
END_TEST

START_TEST(unchecked_and_directional_cards_should_show_only_what_was_measured)
{
    /* Nothing of the block checked: an "unchecked" card without plots, no bar, no number. */
    fake *f = fake_new(3, 2);
    for (size_t k = 0; k < 6; k++)
        f->r.params[k].status = GCV_PARAM_UNCHECKED;
    f->r.params_checked = 0;
    f->r.stopped = 1;
    f->br = (gcv_block_result){.difference = NAN, .power = NAN, .floor_difference = NAN,
                               .max_rel_error = NAN, .transposed_difference = NAN,
                               .taylor_order = NAN, .status = GCV_UNCHECKED};
    f->lr.status = GCV_UNCHECKED;
    f->r.status = GCV_INCONCLUSIVE;
    gcv_report_info in = fake_info("unchecked", NULL);
    char *s = render(&in, &f->m, &f->r, NULL);
    ck_assert_ptr_nonnull(strstr(s, "<section class=\"card unchecked\" id=\"block-0\""));
    ck_assert_ptr_nonnull(strstr(s, "<span class=\"badge unchecked\">unchecked</span>"));
    ck_assert_ptr_nonnull(strstr(s, "<div class=\"stats\">not checked: none of its 6 parameters "
                                    "was checked by this run (it stopped early)</div>"));
    ck_assert_ptr_null(strstr(s, "id=\"scatter-0\""));
    ck_assert_ptr_null(strstr(s, "id=\"heatmap-0\""));
    ck_assert_ptr_nonnull(strstr(s, "<rect class=\"bar block unchecked\" x=\"92.0\" y=\"54.0\" "
                                    "width=\"0\""));
    ck_assert_ptr_nonnull(strstr(s, "<p>nothing checked · stopped early: 0 of 6 parameters "
                                    "checked · 1 of 1 blocks unchecked"));
    ck_assert_ptr_nonnull(strstr(s, "id=\"verdict\" data-status=\"inconclusive\" "
                                    "data-difference=\"null\""));
    ck_assert_ptr_null(strstr(s, "0.00e+00"));
    free(s);
    fake_free(f);
    /* Judged along directions: the difference and power, no per-parameter errors. */
    f = fake_new(3, 2);
    for (size_t k = 0; k < 6; k++)
        f->r.params[k].status = GCV_PARAM_UNCHECKED;
    f->r.params_checked = 0;
    f->br.checked = 0;
    f->br.directions = 3;
    f->br.power = 2e-7;
    in = fake_info("directional", NULL);
    s = render(&in, &f->m, &f->r, NULL);
    ck_assert_ptr_nonnull(strstr(s, "<div class=\"stats\">difference <b class=\"num\">1.00e-09"
                                    "</b> · along 3 directions · power 2e-07</div>"));
    ck_assert_ptr_null(strstr(s, "max rel err"));
    free(s);
    fake_free(f);
}
END_TEST

START_TEST(nonfinite_parameters_should_show_as_inconclusive)
{
    fake *f = fake_new(3, 1);
    f->r.params[1].status = GCV_PARAM_NONFINITE;
    f->r.params[1].numeric = NAN;
    f->r.params[1].rel_error = NAN;
    f->r.nonfinite = f->br.nonfinite = 1;
    f->r.status = f->br.status = f->lr.status = GCV_INCONCLUSIVE;
    gcv_report_info in = fake_info("nan", NULL);
    char *s = render(&in, &f->m, &f->r, NULL);
    ck_assert_ptr_nonnull(strstr(s, "id=\"verdict\" data-status=\"inconclusive\""));
    ck_assert_ptr_nonnull(strstr(s, "<path class=\"h9\" d=\"M0 1h1v1h-1z\">"));
    ck_assert_ptr_nonnull(strstr(s, "data-points=\"2\" data-shown=\"2\""));
    ck_assert_ptr_nonnull(strstr(s, "1 non-finite not drawn"));
    /* First in the worst table, with null where the JSON has null. */
    char *top = part(s, "<tr class=\"param ", "</tr>");
    ck_assert_ptr_nonnull(strstr(top, "data-index=\"1\""));
    ck_assert_ptr_nonnull(strstr(top, "data-numeric=\"null\""));
    ck_assert_ptr_nonnull(strstr(top, "data-rel-error=\"null\""));
    free(top);
    free(s);
    fake_free(f);
}
END_TEST

START_TEST(html_should_write_atomically_and_say_why_it_cannot)
{
    fake *f = fake_new(2, 3);
    gcv_report_info in = fake_info("atomic", NULL);
    gcv_error err = {{0}};
    ck_assert_int_eq(gcv_report_html("/dev/null/x.html", &in, &f->m, &f->r, NULL, &err),
                     GCV_ERR_IO);
    ck_assert_str_eq(err.msg, "/dev/null/x.html: cannot write the HTML report: cannot make its "
                              "folder: /dev/null: Not a directory");
    char *dir = tmp_dir();
    char path[512];
    snprintf(path, sizeof path, "%s/page.html", dir);
    FILE *old = fopen(path, "w");
    fputs("old", old);
    fclose(old);
    ck_assert_int_eq(gcv_report_html(path, &in, &f->m, &f->r, NULL, &err), GCV_OK);
    ck_assert_uint_eq(dir_entries(dir), 1); /* replaced, no temporary left */
    char *s = slurp(path);
    char *want = render(&in, &f->m, &f->r, NULL);
    ck_assert_str_eq(s, want);
    free(want);
    free(s);
    rm_dir(dir);
    fake_free(f);
}
END_TEST

/* Writes a JSON report of f with block difference d to path. */
static void write_report(fake *f, double d, const char *path)
{
    f->br.difference = f->lr.difference = f->r.difference = d;
    gcv_report_info in = fake_info("hist", NULL);
    gcv_error err;
    ck_assert_msg(gcv_report_json(path, &in, &f->m, &f->r, &err) == GCV_OK, "%s", err.msg);
}

START_TEST(history_should_chart_each_block_over_the_reports)
{
    fake *f = fake_new(2, 2);
    char *dir = tmp_dir();
    char old[512], night[512], empty[512], base[512];
    snprintf(old, sizeof old, "%s/old.json", dir);
    snprintf(night, sizeof night, "%s/night", dir);
    snprintf(empty, sizeof empty, "%s/empty", dir);
    snprintf(base, sizeof base, "%s/base.json", dir);
    ck_assert_int_eq(mkdir(night, 0755), 0);
    ck_assert_int_eq(mkdir(empty, 0755), 0);
    write_report(f, 1e-10, old);
    char p[600];
    snprintf(p, sizeof p, "%s/hist.json", night); /* a nightly folder: <name>.json */
    write_report(f, 2.5e-10, p);
    write_report(f, 4e-9, base);
    const char *paths[3] = {old, night, empty}; /* the empty folder has no report: skipped */
    gcv_html_history h;
    gcv_error err = {{0}};
    ck_assert_msg(gcv_html_history_load(paths, 3, "hist", 0, &h, &err) == GCV_OK, "%s", err.msg);
    ck_assert_uint_eq(h.n, 2);
    gcv_baseline *b = NULL;
    ck_assert_int_eq(gcv_baseline_load(base, 0, &b, &err), GCV_OK);
    f->br.difference = f->lr.difference = f->r.difference = 3e-8;
    gcv_html_options o = {.history = &h, .baseline = b};
    gcv_report_info in = fake_info("hist", NULL);
    char *s = render(&in, &f->m, &f->r, &o);
    ck_assert_uint_eq(count_of(s, "class=\"history\" id=\"history-"), 1);
    /* The two history reports, the baseline, this run; 17 digits as in the JSON. */
    ck_assert_ptr_nonnull(strstr(s, "data-block=\"W1\" data-differences=\"1e-10 "
                                    "2.5000000000000002e-10 4.0000000000000002e-09 "
                                    "2.9999999999999997e-08\""));
    ck_assert_uint_eq(count_of(s, "<line class=\"hist\""), 3);
    ck_assert_ptr_nonnull(strstr(s, "<header class=\"verdict pass\" id=\"verdict\" "
                                    "data-status=\"pass\""));
    free(s);
    /* A regression against the baseline fails the run though every block passes: the
     * banner says so (the status stays the JSON's), and the regression is listed. */
    gcv_regression g = {.kind = GCV_REGRESSION_GREW, .block = "W1", .what = "difference",
                        .before = 4e-9, .after = 3e-8};
    gcv_regressions reg = {.path = base, .factor = 5.0, .n = 1, .items = &g};
    o.regressions = &reg;
    s = render(&in, &f->m, &f->r, &o);
    ck_assert_ptr_nonnull(strstr(s, "<header class=\"verdict regression\" id=\"verdict\" "
                                    "data-status=\"pass\""));
    ck_assert_ptr_nonnull(strstr(s, "<div class=\"word\">REGRESSION</div>"));
    ck_assert_ptr_nonnull(strstr(s, "1 regression against the baseline"));
    ck_assert_ptr_nonnull(strstr(s, "<li class=\"regression\"><b>regression</b> W1"));
    free(s);
    /* Without earlier reports there is no history section. */
    s = render(&in, &f->m, &f->r, NULL);
    ck_assert_ptr_null(strstr(s, "class=\"history\""));
    free(s);
    gcv_baseline_free(b);
    gcv_html_history_free(&h);
    ck_assert_uint_eq(h.n, 0);
    /* A report that is not there is an error naming it; nothing is kept. */
    const char *missing[2] = {old, "/nonexistent-gcv/r.json"};
    ck_assert_int_ne(gcv_html_history_load(missing, 2, "hist", 0, &h, &err), GCV_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-gcv/r.json"));
    ck_assert_uint_eq(h.n, 0);
    ck_assert_ptr_null(h.reports);
    unlink(p);
    rm_dir(dir);
    fake_free(f);
}
END_TEST

static Suite *html_suite(void)
{
    Suite *s = suite_create("html");
    TCase *tc = tcase_create("page");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, page_should_draw_one_scatter_per_block_and_one_heatmap_per_matrix);
    tcase_add_test(tc, page_should_be_the_same_bytes_for_any_thread_count);
    tcase_add_test(tc, scatter_should_thin_big_blocks_keeping_every_mismatch);
    tcase_add_test(tc, heatmap_should_tile_big_matrices_by_their_worst);
    tcase_add_test(tc, page_should_escape_every_name_and_path);
    tcase_add_test(tc, nonfinite_parameters_should_show_as_inconclusive);
    tcase_add_test(tc, unchecked_and_directional_cards_should_show_only_what_was_measured);
    tcase_add_test(tc, html_should_write_atomically_and_say_why_it_cannot);
    tcase_add_test(tc, history_should_chart_each_block_over_the_reports);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(html_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

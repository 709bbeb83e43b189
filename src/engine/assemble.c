/* Result assembly (see assemble.h): every total of a result from its per-parameter slots,
 * serially and in index order, so the same slots give the same bits whatever thread, rank
 * or shard filled them. Norms are taken the way LAPACK's dnrm2 does (a scaled sum of
 * squares), so they neither overflow nor underflow. */
#include "engine/assemble.h"

#include <math.h>
#include <stdlib.h>

#include "engine/internal.h"

typedef struct norm_acc {
    double scale, ssq;
} norm_acc;

static void norm_add(norm_acc *a, double x)
{
    double ax = fabs(x);
    if (ax == 0.0)
        return;
    if (a->scale < ax) {
        double r = a->scale / ax;
        a->ssq = 1.0 + a->ssq * r * r;
        a->scale = ax;
    } else {
        double r = ax / a->scale;
        a->ssq += r * r;
    }
}

static double norm_value(const norm_acc *a)
{
    return a->scale * sqrt(a->ssq);
}

static double ratio_or_zero(double num, double den)
{
    return den > 0.0 ? num / den : 0.0;
}

double gcv_difference(const double *a, const double *b, size_t n)
{
    norm_acc d = {0, 0}, na = {0, 0}, nb = {0, 0};
    for (size_t i = 0; i < n; i++) {
        norm_add(&d, a[i] - b[i]);
        norm_add(&na, a[i]);
        norm_add(&nb, b[i]);
    }
    return ratio_or_zero(norm_value(&d), norm_value(&na) + norm_value(&nb));
}

/* The norms of a set of parameters: of g − g̃, of g, of g̃ and of their floors. */
typedef struct acc {
    norm_acc d, g, n, f;
} acc;

static void acc_add(acc *a, const gcv_param_result *p)
{
    norm_add(&a->d, p->analytic - p->numeric);
    norm_add(&a->g, p->analytic);
    norm_add(&a->n, p->numeric);
    norm_add(&a->f, p->floor);
}

static double acc_diff(const acc *a)
{
    return ratio_or_zero(norm_value(&a->d), norm_value(&a->g) + norm_value(&a->n));
}

static int counts_in_difference(int status)
{
    return status == GCV_PARAM_OK || status == GCV_PARAM_MISMATCH;
}

static void reduce_block(const gcv_model *m, size_t b, gcv_result *r)
{
    const gcv_block *bl = &m->blocks[b];
    gcv_block_result *br = &r->blocks[b];
    acc a = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
    size_t n = bl->rows * bl->cols, worst = 0;
    double worst_rel = -1.0;
    for (size_t k = 0; k < n; k++) {
        const gcv_param_result *p = &r->params[gcv_block_index(bl, k)];
        if (p->status == GCV_PARAM_UNCHECKED)
            continue;
        br->checked++;
        br->mismatches += p->status == GCV_PARAM_MISMATCH;
        br->kinks += p->status == GCV_PARAM_KINK;
        br->kinks_ok += p->status == GCV_PARAM_KINK_OK;
        br->kinks_avoided += p->kink_avoided == 1;
        br->nonfinite += p->status == GCV_PARAM_NONFINITE;
        if (!counts_in_difference(p->status))
            continue;
        acc_add(&a, p);
        if (p->abs_error > br->max_abs_error)
            br->max_abs_error = p->abs_error;
        if (p->rel_error > worst_rel) {
            worst_rel = p->rel_error;
            worst = k;
        }
    }
    br->max_rel_error = worst_rel > 0.0 ? worst_rel : 0.0;
    br->worst_row = worst / bl->cols;
    br->worst_col = worst % bl->cols;
    br->norm_analytic = norm_value(&a.g);
    br->norm_numeric = norm_value(&a.n);
    br->difference = acc_diff(&a);
    double den = norm_value(&a.g) + norm_value(&a.n);
    br->floor_difference = den > 0.0 ? norm_value(&a.f) / den : 0.0;
    gcv_block_verdict(br, r->options.threshold);
    br->taylor_order = NAN;
}

/* Every layer's difference and verdict, from its blocks' parameters and verdicts. */
static gcv_status reduce_layers(const gcv_model *m, gcv_result *r)
{
    size_t nl = 0;
    for (size_t b = 0; b < m->n_blocks; b++)
        nl += b == 0 || m->blocks[b].layer != m->blocks[b - 1].layer;
    r->layers = calloc(nl, sizeof *r->layers);
    if (!r->layers)
        return GCV_ERR_NOMEM;
    r->n_layers = nl;
    size_t li = 0;
    for (size_t b = 0; b < m->n_blocks; li++) {
        gcv_layer_result *lr = &r->layers[li];
        acc a = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
        lr->layer = m->blocks[b].layer;
        lr->first_block = b;
        /* From the first block's verdict: a layer of unchecked blocks is unchecked. */
        lr->status = r->blocks[b].status;
        for (; b < m->n_blocks && m->blocks[b].layer == lr->layer; b++) {
            const gcv_block *bl = &m->blocks[b];
            for (size_t k = 0; k < bl->rows * bl->cols; k++)
                if (counts_in_difference(r->params[gcv_block_index(bl, k)].status))
                    acc_add(&a, &r->params[gcv_block_index(bl, k)]);
            lr->status = gcv_verdict_worse(lr->status, r->blocks[b].status);
            lr->n_blocks++;
        }
        lr->difference = acc_diff(&a);
    }
    return GCV_OK;
}

/* Every total of r from r->params: per block (with the diagnosis), per layer and overall,
 * plus evaluations. r->options, n_params and n_blocks set, r->blocks zeroed, r->layers NULL
 * and the other totals zero. */
static gcv_status reduce(const gcv_model *m, gcv_result *r)
{
    acc all = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
    for (size_t i = 0; i < r->n_params; i++) {
        const gcv_param_result *p = &r->params[i];
        r->mismatches += p->status == GCV_PARAM_MISMATCH;
        r->kinks += p->status == GCV_PARAM_KINK;
        r->kinks_ok += p->status == GCV_PARAM_KINK_OK;
        r->kinks_avoided += p->kink_avoided == 1;
        r->nonfinite += p->status == GCV_PARAM_NONFINITE;
        r->evaluations += p->evaluations;
        if (counts_in_difference(p->status))
            acc_add(&all, p);
    }
    r->difference = acc_diff(&all);
    double den = norm_value(&all.g) + norm_value(&all.n);
    r->floor_difference = den > 0.0 ? norm_value(&all.f) / den : 0.0;
    /* Over the checked blocks: the blocks a subset (--limit, --shard, a sample) left out
     * are unchecked in every report, and the check passes when every checked block does. */
    r->status = GCV_UNCHECKED;
    for (size_t b = 0; b < m->n_blocks; b++) {
        reduce_block(m, b, r);
        /* A block with nothing checked has nothing to diagnose: its numbers stay NaN. */
        if (r->blocks[b].status != GCV_UNCHECKED && gcv_diagnose_block(m, b, r) != 0)
            return GCV_ERR_NOMEM;
        r->blocks_failed += r->blocks[b].status == GCV_FAIL;
        r->status = gcv_verdict_worse(r->status, r->blocks[b].status);
    }
    /* Nothing checked is no pass; a stopped run has not looked at all it was asked to: it
     * cannot pass either, only fail or stay open. The check's status is pass, fail or
     * inconclusive, never unchecked. */
    if (r->status == GCV_UNCHECKED || (r->stopped && r->status == GCV_PASS))
        r->status = GCV_INCONCLUSIVE;
    return reduce_layers(m, r);
}

gcv_status gcv_result_assemble(const gcv_model *m, const gcv_assembly *a, gcv_result **out)
{
    *out = NULL;
    gcv_result *r = calloc(1, sizeof *r);
    if (!r || !(r->blocks = calloc(m->n_blocks, sizeof *r->blocks))) {
        free(r);
        free(a->params);
        return GCV_ERR_NOMEM;
    }
    r->params = a->params;
    r->n_params = m->n_params;
    r->n_blocks = m->n_blocks;
    r->options = a->options;
    r->cost = a->cost;
    r->params_checked = a->params_checked;
    r->threads = a->threads;
    r->stopped = a->stopped;
    r->sampled = a->sampled;
    if (reduce(m, r) != GCV_OK) {
        free(r->params);
        free(r->blocks);
        free(r->layers);
        free(r);
        return GCV_ERR_NOMEM;
    }
    for (size_t b = 0; a->taylor_order && b < m->n_blocks; b++)
        r->blocks[b].taylor_order = a->taylor_order[b];
    r->evaluations += a->extra_evaluations;
    r->evaluations_noise = a->noise_evaluations;
    r->evaluations_escalation = a->escalation_evaluations;
    r->evaluations_check = r->evaluations - a->noise_evaluations - a->escalation_evaluations;
    for (size_t b = 0; b < m->n_blocks; b++) {
        double s = a->noise ? a->noise[b] : -1.0;
        r->blocks[b].noise = s >= 0.0 ? s : NAN;
        r->blocks[b].escalated = a->escalated ? a->escalated[b] : 0;
        r->params_escalated += r->blocks[b].escalated;
    }
    *out = r;
    return GCV_OK;
}

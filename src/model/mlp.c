/* The built-in MLP as a gcv_model: the callbacks (cost, gradient, complex-step cost,
 * incremental cost, kinks crossed), each a chain of the layers' steps (layer.c) with the
 * loss (act.c) at the end and the faults (inject.c) after backprop; the layout of θ and of
 * the workspace; the cached pass at θ0 the incremental cost starts from; construction.
 * Buffers are row-major with the m examples contiguous, so every inner loop runs over a
 * contiguous row of length m (or, for one example, over a contiguous weight row). */
#include "mlp.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"
#include "mlp_parts.h"
#include "util/rng.h"
#include "util/strutil.h"

typedef struct mlp {
    size_t L;            /* weight layers */
    gcv_layer *layer;    /* per part of the examples (mlp_parts.c), L + 1 layers: part p's
                          * layer l at layer[p·(L+1) + l] (l = 0 unused): sizes, offsets of
                          * W_l and b_l in θ and of Z_l and A_l in the workspace, f_l, the
                          * part's examples, mask and cache */
    double slope;
    gcv_act_id out;
    gcv_loss_id loss;
    double l2;
    double *x, *y;       /* n0 × m, nL × m, part-major (part p's block at p·n·part) */
    size_t m;            /* examples in all */
    size_t part, n_parts;/* examples per part (the last may have fewer), parts */
    double *mask;        /* hidden layers' dropout masks (0 or 1/keep_prob), part-major, or NULL */
    size_t buf_off, buf_len; /* a part's Z and A end at buf_off; then three scratch buffers of
                              * buf_len doubles for backward (widest layer × part) */
    gcv_inject *inject;
    size_t n_inject;
    double *base;        /* the workspace's Z_l and A_l at θ0, part p's at p·buf_off (same
                          * offsets), for cost_perturbed */
    double w_sq0;        /* Σ‖W_l‖² at θ0 */
    const double *theta0;/* the model's θ (owned by the gcv_model) */
    gcv_watch watch;     /* the run's limits, for the passes of the set-up (see mlp.h) */
    int incomplete;      /* 1: the cached pass at θ0 was stopped; the gradient fails */
} mlp;

/* The workspace starts with this header, then the doubles. */
typedef struct ws_head {
    size_t kinks;
    size_t stopped; /* 1: the last gradient() on this workspace was stopped by the watch */
    size_t pad[6];  /* keeps the doubles on their own cache line */
} ws_head;

static double *ws_data(void *ws)
{
    return (double *)((char *)ws + sizeof(ws_head));
}

static int mul_ok(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

size_t gcv_mlp_param_count(size_t n_layers, const size_t *sizes)
{
    size_t p = 0;
    for (size_t l = 1; l <= n_layers; l++) {
        size_t w;
        if (!mul_ok(sizes[l], sizes[l - 1], &w) || w > SIZE_MAX - sizes[l] ||
            p > SIZE_MAX - w - sizes[l])
            return 0;
        p += w + sizes[l];
    }
    return p;
}

int gcv_mlp_init_watched(size_t n_layers, const size_t *sizes, gcv_init_kind kind, double scale,
                         uint64_t seed, double *theta, const gcv_watch *w)
{
    gcv_rng r;
    gcv_rng_seed(&r, seed);
    size_t off = 0;
    for (size_t l = 1; l <= n_layers; l++) {
        double fan_in = (double)sizes[l - 1], fan_out = (double)sizes[l];
        double sd = kind == GCV_INIT_HE       ? sqrt(2.0 / fan_in)
                    : kind == GCV_INIT_XAVIER ? sqrt(2.0 / (fan_in + fan_out))
                                              : scale;
        size_t nw = sizes[l] * sizes[l - 1];
        for (size_t i = 0; i < nw; i++) {
            if (i % GCV_WATCH_EVERY == 0 && gcv_watch_stopped(w))
                return 1;
            theta[off + i] = sd * gcv_rng_normal(&r);
        }
        off += nw;
        memset(theta + off, 0, sizes[l] * sizeof *theta);
        off += sizes[l];
    }
    return 0;
}

void gcv_mlp_init(size_t n_layers, const size_t *sizes, gcv_init_kind kind, double scale,
                  uint64_t seed, double *theta)
{
    (void)gcv_mlp_init_watched(n_layers, sizes, kind, scale, seed, theta, NULL);
}

/* Part p's layers (index 1..L), X and Y. */
static const gcv_layer *part_layers(const mlp *net, size_t p)
{
    return net->layer + p * (net->L + 1);
}

static const double *part_x(const mlp *net, size_t p)
{
    return net->x + p * net->layer[1].cols * net->part;
}

static const double *part_y(const mlp *net, size_t p)
{
    return net->y + p * net->layer[net->L].rows * net->part;
}

/* Part p's data term Σ_j loss_j (not yet / m) from Z_L in the workspace doubles d. */
static double data_term(const mlp *net, size_t p, const double *d)
{
    const gcv_layer *out = &part_layers(net, p)[net->L];
    return gcv_loss_sum(net->loss, (int)net->out, d + out->z_off, part_y(net, p), out->rows,
                        out->m, net->slope);
}

/* Forward pass of part p at θ into the workspace doubles d, adding its kinks to *kinks;
 * returns its data term, or NaN when the watch w (NULL: none; looked at before each layer)
 * stopped it. */
static double forward_part(const mlp *net, size_t p, const double *theta, double *d,
                           const gcv_watch *w, size_t *kinks)
{
    const gcv_layer *lay = part_layers(net, p);
    const double *a_prev = part_x(net, p);
    for (size_t l = 1; l <= net->L; l++) {
        const gcv_layer *ly = &lay[l];
        if (gcv_watch_stopped(w))
            return NAN;
        gcv_layer_forward(ly, theta, a_prev, d + ly->z_off, d + ly->a_off, kinks);
        a_prev = d + ly->a_off;
    }
    return data_term(net, p, d);
}

static double weight_squares(const mlp *net, const double *theta)
{
    double s = 0.0;
    for (size_t l = 1; l <= net->L; l++) {
        const double *w = theta + net->layer[l].w_off;
        size_t nw = net->layer[l].rows * net->layer[l].cols;
        for (size_t i = 0; i < nw; i++)
            s += w[i] * w[i];
    }
    return s;
}

static double l2_term(const mlp *net, const double *theta)
{
    return net->l2 == 0.0 ? 0.0 : net->l2 / (2.0 * (double)net->m) * weight_squares(net, theta);
}

/* The forward pass of cost(), part after part, the data terms summed in part order: never
 * stopped (the engine stops between parameters). */
static int mlp_cost(const gcv_model *model, const double *theta, void *ws, double *cost)
{
    const mlp *net = model->self;
    double data = 0.0;
    size_t kinks = 0;
    for (size_t p = 0; p < net->n_parts; p++)
        data += forward_part(net, p, theta, ws_data(ws), NULL, &kinks);
    ((ws_head *)ws)->kinks = kinks;
    *cost = data / (double)net->m + l2_term(net, theta);
    return 0;
}

static size_t mlp_kinks(const gcv_model *model, const void *ws)
{
    (void)model;
    return ((const ws_head *)ws)->kinks;
}

/* Backprop of part p after its forward pass in d: the loss's ∂J/∂Z_L, then each layer's
 * backward from the last to the first (and its wrong_derivative fault, if any, as a step
 * after it), the part's dW and db into grad. l2: the weight decay to add (0 when the caller
 * adds it once after the parts). Returns 1 when the run's watch stopped it between layers. */
static int backward_part(const mlp *net, size_t p, const double *theta, double *d,
                         double *grad, double l2)
{
    const gcv_layer *lay = part_layers(net, p);
    size_t L = net->L, mp = lay[1].m;
    double inv_m = 1.0 / (double)net->m;
    /* g: ∂J/∂A_l (∂J/∂Z_L first), dz: ∂J/∂Z_l, g_prev: ∂J/∂A_{l−1} */
    double *g = d + net->buf_off, *dz = g + net->buf_len, *g_prev = dz + net->buf_len;
    const gcv_loss *loss = gcv_loss_get(net->loss);
    const gcv_layer *out = &lay[L];
    const double *zl = d + out->z_off, *y = part_y(net, p);
    for (size_t j = 0; j < mp; j++)
        loss->delta((int)net->out, zl + j, y + j, g + j, out->rows, mp, net->slope);
    for (size_t i = 0; i < out->rows * mp; i++)
        g[i] *= inv_m;

    for (size_t l = L; l >= 1; l--) {
        const gcv_layer *ly = &lay[l];
        if (l < L && gcv_watch_stopped(&net->watch))
            return 1;
        const double *a_prev = l > 1 ? d + lay[l - 1].a_off : part_x(net, p);
        const double *z = d + ly->z_off;
        gcv_layer_backward(ly, theta, a_prev, z, g, dz, grad, l > 1 ? g_prev : NULL, l2, inv_m);
        gcv_inject_derivative(net->inject, net->n_inject, l, ly, theta, a_prev, z, g, dz, grad,
                              l2, inv_m);
        double *t = g;
        g = g_prev;
        g_prev = t;
    }
    return 0;
}

/* grad += (l2/m)·W for every weight: the decay of a gradient summed over several parts. */
static void add_decay(const mlp *net, const double *theta, double *grad)
{
    double c = net->l2 * (1.0 / (double)net->m);
    for (size_t l = 1; net->l2 != 0.0 && l <= net->L; l++) {
        const gcv_layer *ly = &net->layer[l];
        for (size_t i = ly->w_off; i < ly->b_off; i++)
            grad[i] += c * theta[i];
    }
}

/* Part p's share of the gradient into grad (its dW and db, and the decay when it is the
 * only part) and of the data term into *share, on ws; 1 when the run's watch stopped it or
 * the model is incomplete. Parts are independent: the engine may run several at once, each
 * on its own workspace (split.c). */
static int mlp_gradient_part(const gcv_model *model, const double *theta, size_t p, void *ws,
                             double *grad, double *share)
{
    const mlp *net = model->self;
    if (net->incomplete) /* no cached pass: the incremental cost and the kinks are off */
        return 1;
    size_t kinks = 0;
    double *d = ws_data(ws);
    *share = forward_part(net, p, theta, d, &net->watch, &kinks);
    if (isnan(*share) && gcv_watch_stopped(&net->watch))
        return 1;
    ((ws_head *)ws)->kinks = kinks;
    return backward_part(net, p, theta, d, grad, net->n_parts > 1 ? 0.0 : net->l2);
}

/* From the parts' gradient shares summed in part order (grad) and their data terms summed in
 * part order (data): the decay once (several parts), the cost, then the faults. */
static int mlp_gradient_join(const gcv_model *model, const double *theta, double data,
                             double *grad, double *cost)
{
    const mlp *net = model->self;
    if (net->n_parts > 1)
        add_decay(net, theta, grad);
    *cost = data * (1.0 / (double)net->m) + l2_term(net, theta);
    return gcv_inject_apply(net->inject, net->n_inject, net->layer, theta, grad, net->l2,
                            net->m);
}

/* The gradient: the parts one after the other, part 0's share into grad and each later
 * one's into a scratch copy added to it, then the join. The gradient at θ0 is the last pass
 * of the check's set-up: the run's watch can stop it between layers (a failure that error()
 * names, and the engine, looking at the same watch, takes for the stop). */
static int mlp_gradient(const gcv_model *model, const double *theta, double *grad, void *ws,
                        double *cost)
{
    const mlp *net = model->self;
    size_t P = model->n_params;
    ws_head *h = ws;
    h->stopped = 1;
    int multi = net->n_parts > 1;
    double *part_grad = multi ? malloc(P * sizeof *part_grad) : NULL, data = 0.0, share;
    if (multi && !part_grad)
        return 1;
    int stopped = 0;
    for (size_t p = 0; p < net->n_parts && !stopped; p++) {
        stopped = mlp_gradient_part(model, theta, p, ws, p ? part_grad : grad, &share);
        data += share;
        for (size_t i = 0; p && !stopped && i < P; i++)
            grad[i] += part_grad[i];
    }
    free(part_grad);
    if (stopped)
        return 1;
    h->stopped = 0;
    return mlp_gradient_join(model, theta, data, grad, cost);
}

static const char *mlp_error(const gcv_model *model, const void *ws)
{
    const mlp *net = model->self;
    if (net->incomplete)
        return "the model's set-up was stopped (a signal or --max-seconds) before its pass at θ";
    return ((const ws_head *)ws)->stopped ? "stopped (a signal or --max-seconds)" : NULL;
}

/* The layer of parameter idx, whether it is in W (else b), and its row and column. */
static void locate(const mlp *net, size_t idx, size_t *layer, int *is_w, size_t *row,
                   size_t *col)
{
    size_t l = net->L;
    while (l > 1 && idx < net->layer[l].w_off)
        l--;
    const gcv_layer *ly = &net->layer[l];
    *layer = l;
    *is_w = idx < ly->b_off;
    size_t off = *is_w ? idx - ly->w_off : idx - ly->b_off;
    *row = *is_w ? off / ly->cols : off;
    *col = *is_w ? off % ly->cols : 0;
}

/* Part p's share of J(θ + i·h·e_idx), added to *sum: layers before idx's (layer l, row r,
 * column c) are real; from l on, every value is complex and the loss is evaluated from its
 * definition. */
static void complex_part(const mlp *net, size_t p, const double *theta, size_t l, size_t r,
                         size_t c, int is_w, double h, double *d, double complex *sum)
{
    const gcv_layer *lay = part_layers(net, p);
    size_t L = net->L, mp = lay[1].m;
    const double *a_prev = part_x(net, p), *y = part_y(net, p);
    for (size_t k = 1; k < l; k++) {
        gcv_layer_forward(&lay[k], theta, a_prev, d + lay[k].z_off, d + lay[k].a_off, NULL);
        a_prev = d + lay[k].a_off;
    }
    double complex *zc = (double complex *)(void *)(d + net->buf_off);
    double complex *ac = zc + net->buf_len;
    gcv_layer_start_complex(&lay[l], theta, a_prev, r, c, is_w, h, d + lay[l].z_off, zc, ac);
    for (size_t k = l + 1; k <= L; k++)
        gcv_layer_forward_complex(&lay[k], theta, ac, zc);
    const gcv_loss *loss = gcv_loss_get(net->loss);
    for (size_t j = 0; j < mp; j++)
        *sum += loss->ccost((int)net->out, zc + j, y + j, lay[L].rows, mp, net->slope);
}

/* J(θ + i·h·e_idx), the parts' losses summed in one running sum. Returns Re and Im. */
static int mlp_cost_complex(const gcv_model *model, const double *theta, size_t idx, double h,
                            void *ws, double *re, double *im)
{
    const mlp *net = model->self;
    size_t m = net->m, l, r, c;
    int is_w;
    locate(net, idx, &l, &is_w, &r, &c);
    double complex sum = 0.0;
    for (size_t p = 0; p < net->n_parts; p++)
        complex_part(net, p, theta, l, r, c, is_w, h, ws_data(ws), &sum);
    double complex cost = sum / (double)m + l2_term(net, theta);
    if (is_w && net->l2 != 0.0) {
        /* ((W + ih)² − W²) of the perturbed weight, in complex arithmetic. */
        double complex wv = theta[idx], wp = wv + I * h;
        cost += net->l2 / (2.0 * (double)m) * (wp * wp - wv * wv);
    }
    *re = creal(cost);
    *im = cimag(cost);
    return 0;
}

/* Part p's share (its data term, not yet / m) of J with one parameter changed, from the
 * cached forward pass at θ0, on the workspace ws; the kinks it crossed into *kinks.
 * Changing W_l[r,c] by δ changes only row r of Z_l, by δ·A_{l−1}[c,:] (b_l[r]: by δ); its
 * activation row then changes Z_{l+1} by the rank-1 term W_{l+1}[:,r]·ΔA_l[r,:]; later
 * layers run in full. Parts are independent: the engine may run them on several threads,
 * each with its own workspace (split.c). */
static int mlp_cost_part(const gcv_model *model, size_t idx, double value, size_t p, void *ws,
                         double *share, size_t *kinks_out)
{
    const mlp *net = model->self;
    double *d = ws_data(ws);
    size_t L = net->L, l, r, c;
    int is_w;
    locate(net, idx, &l, &is_w, &r, &c);
    const gcv_layer *lay = part_layers(net, p), *ly = &lay[l];
    const double *base = net->base + p * net->buf_off;
    size_t mp = ly->m;
    const double delta = value - net->theta0[idx];
    const double *a_prev = l > 1 ? base + lay[l - 1].a_off : part_x(net, p);
    double *zrow = d + net->buf_off, *darow = zrow + mp;
    if (l == L) {
        /* The output layer: its own row changes, and the loss sees every column. */
        double *zl = d + ly->z_off;
        memcpy(zl, base + ly->z_off, ly->rows * mp * sizeof *zl);
        zrow = zl + r * mp;
    }
    /* Rows other than r in layer l are unchanged, so their kinks cannot have moved. */
    size_t kinks = gcv_layer_move_row(ly, a_prev, r, c, is_w, delta, zrow, darow);
    if (l < L) {
        const gcv_layer *next = &lay[l + 1];
        double *zn = d + next->z_off, *an = d + next->a_off;
        int active = gcv_layer_forward_rank1(next, model->theta, r, darow, zn, an, darow + mp);
        if (!active && next->act)
            kinks += gcv_layer_activate_near(next, 0, next->rows, zn, an);
        for (size_t k = l + 2; k <= L; k++) {
            const gcv_layer *lk = &lay[k];
            kinks += gcv_layer_forward_near(lk, model->theta, d + lay[k - 1].a_off,
                                            d + lk->z_off, d + lk->a_off);
        }
    }
    *share = data_term(net, p, d);
    *kinks_out = kinks;
    return 0;
}

/* The cost from the parts' shares of the data term, summed in part order from 0.0 (so that
 * one part gives its share's own bits), / m, plus the weight decay with θ_idx = value. */
static int mlp_cost_join(const gcv_model *model, size_t idx, double value,
                         const double *shares, double *cost)
{
    const mlp *net = model->self;
    double data = 0.0, m = (double)net->m;
    for (size_t p = 0; p < net->n_parts; p++)
        data += shares[p];
    double w_sq = net->w_sq0;
    size_t l, r, c;
    int is_w;
    locate(net, idx, &l, &is_w, &r, &c);
    if (is_w)
        w_sq += value * value - net->theta0[idx] * net->theta0[idx];
    *cost = data / m + (net->l2 != 0.0 ? net->l2 / (2.0 * m) * w_sq : 0.0);
    return 0;
}

/* J with one parameter changed: the parts one after the other on ws, then their join. The
 * same bits as the engine's parts on several threads joined by mlp_cost_join. */
static int mlp_cost_perturbed(const gcv_model *model, size_t idx, double value, void *ws,
                              double *cost)
{
    const mlp *net = model->self;
    double one, *shares = net->n_parts > 1 ? ws_data(ws) + net->buf_off + 4 * net->buf_len : &one;
    size_t kinks = 0, k;
    for (size_t p = 0; p < net->n_parts; p++) {
        mlp_cost_part(model, idx, value, p, ws, &shares[p], &k);
        kinks += k;
    }
    ((ws_head *)ws)->kinks = kinks;
    return mlp_cost_join(model, idx, value, shares, cost);
}

static void mlp_destroy(gcv_model *model)
{
    mlp *net = model->self;
    if (net) {
        free(net->layer);
        free(net->x);
        free(net->y);
        free(net->mask);
        free(net->inject);
        free(net->base);
        free(net);
    }
    free(model->blocks);
    free(model->theta);
    free(model);
}

static double *dup_doubles(const double *src, size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    gcv_prefault(d, n * sizeof *d);
    if (d && n)
        memcpy(d, src, n * sizeof *d);
    return d;
}

/* rows × m values (the examples contiguous) copied part-major, in parts of len. */
static double *parts_copy(const double *src, size_t rows, size_t m, size_t len)
{
    size_t n = gcv_parts_count(m) * rows * len;
    double *d = malloc((n ? n : 1) * sizeof *d);
    gcv_prefault(d, n * sizeof *d);
    if (d)
        gcv_parts_gather(src, rows, m, len, d, rows * len, 0);
    return d;
}

static gcv_status build_blocks(gcv_model *model, const mlp *net)
{
    model->n_blocks = 2 * net->L;
    model->blocks = calloc(model->n_blocks, sizeof *model->blocks);
    if (!model->blocks)
        return GCV_ERR_NOMEM;
    for (size_t l = 1; l <= net->L; l++) {
        const gcv_layer *ly = &net->layer[l];
        gcv_block *bw = &model->blocks[2 * (l - 1)], *bb = bw + 1;
        snprintf(bw->name, sizeof bw->name, "W%zu", l);
        snprintf(bb->name, sizeof bb->name, "b%zu", l);
        bw->layer = bb->layer = (int)l;
        bw->rows = bb->rows = ly->rows;
        bw->cols = ly->cols;
        bb->cols = 1;
        bw->offset = ly->w_off;
        bb->offset = ly->b_off;
    }
    return GCV_OK;
}

/* Part 0's layers: sizes, activations, offsets of θ's blocks and of the workspace's buffers
 * for a part of net->part examples. Returns the workspace doubles Z and A take; the hidden
 * units and the widest layer (never the input: backprop does not compute ∂J/∂X) into
 * *hidden and *widest. */
static size_t layout_layers(mlp *net, const gcv_mlp_spec *s, size_t *hidden, size_t *widest)
{
    size_t L = net->L, B = net->part, p = 0, w = 0;
    *hidden = *widest = 0;
    for (size_t l = 1; l <= L; l++) {
        gcv_layer *ly = &net->layer[l];
        ly->rows = s->sizes[l];
        ly->cols = s->sizes[l - 1];
        ly->m = gcv_parts_m(net->m, B, 0);
        ly->act = l < L ? gcv_act_get(s->hidden[l - 1]) : NULL;
        ly->slope = s->leaky_slope;
        ly->w_off = p;
        p += ly->rows * ly->cols;
        ly->b_off = p;
        p += ly->rows;
        ly->z_off = w;
        w += ly->rows * B;
        ly->a_off = w;
        if (l < L) {
            w += ly->rows * B;
            *hidden += ly->rows;
        }
        if (ly->rows > *widest)
            *widest = ly->rows;
    }
    return w;
}

/* The hidden layers' dropout masks, drawn in the order of one (rows × m) block per layer,
 * then stored part-major (part p's layers at p·hidden·part) and pointed to by each part's
 * layers. */
static gcv_status build_masks(mlp *net, const gcv_mlp_spec *s, size_t hidden)
{
    size_t m = net->m, B = net->part, L = net->L, n = hidden * m;
    gcv_rng r;
    gcv_rng_seed(&r, s->dropout_seed);
    double *drawn = malloc(n * sizeof *drawn);
    net->mask = malloc(net->n_parts * hidden * B * sizeof *net->mask);
    if (!drawn || !net->mask) {
        free(drawn);
        return GCV_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        drawn[i] = gcv_rng_uniform(&r) < s->keep_prob ? 1.0 / s->keep_prob : 0.0;
    for (size_t l = 1, off = 0; l < L; off += net->layer[l].rows, l++) {
        gcv_parts_gather(drawn + off * m, net->layer[l].rows, m, B, net->mask, hidden * B,
                         off * B);
        for (size_t q = 0; q < net->n_parts; q++)
            net->layer[q * (L + 1) + l].mask = net->mask + q * hidden * B + off * B;
    }
    free(drawn);
    return GCV_OK;
}

/* The layers of every part (part 0's, each later part's a copy with its own examples), the
 * workspace's layout: a part's Z and A, then the scratch (three real buffers for backward,
 * or two complex ones, four doubles' worth, for the complex step; an even offset keeps the
 * complex values aligned) and, with several parts, their shares of a perturbed cost. */
static gcv_status build_layout(mlp *net, const gcv_mlp_spec *s, size_t *ws_doubles)
{
    size_t L = net->L, m = net->m, n = gcv_parts_count(m), hidden, widest;
    net->part = gcv_parts_len(m);
    net->n_parts = n;
    net->layer = calloc(n * (L + 1), sizeof *net->layer);
    if (!net->layer)
        return GCV_ERR_NOMEM;
    size_t w = layout_layers(net, s, &hidden, &widest);
    net->buf_off = w + (w & 1);
    net->buf_len = widest * net->part;
    *ws_doubles = net->buf_off + 4 * net->buf_len + (n > 1 ? n : 0);
    for (size_t q = 1; q < n; q++)
        for (size_t l = 1; l <= L; l++) {
            gcv_layer *ly = &net->layer[q * (L + 1) + l];
            *ly = net->layer[l];
            ly->m = gcv_parts_m(m, net->part, q);
        }
    if (s->keep_prob < 1.0 && hidden)
        return build_masks(net, s, hidden);
    return GCV_OK;
}

/* One forward pass at θ0: the cache cost_perturbed starts from (Z0 and A0 of every layer),
 * whose Z also gives the signs that kink crossings are counted against. The run's watch can
 * stop it between layers (a long pass on many examples): the model is then incomplete, with
 * neither the incremental cost nor the kink count, and its gradient fails; the engine, looking
 * at the same watch, checks nothing. */
static gcv_status cache_theta0(gcv_model *model, mlp *net)
{
    size_t n = net->n_parts * net->buf_off, kinks = 0;
    int stopped = gcv_watch_stopped(&net->watch);
    net->base = stopped ? NULL : malloc((n ? n : 1) * sizeof *net->base);
    if (!stopped && !net->base)
        return GCV_ERR_NOMEM;
    gcv_prefault(net->base, n * sizeof *net->base); /* written whole by the passes */
    for (size_t p = 0; !stopped && p < net->n_parts; p++) {
        double *d = net->base + p * net->buf_off;
        d[net->buf_off - 1] = 0.0; /* the alignment pad, if any */
        if (isnan(forward_part(net, p, model->theta, d, &net->watch, &kinks)))
            stopped = gcv_watch_stopped(&net->watch);
    }
    if (stopped) {
        free(net->base);
        net->base = NULL;
        net->incomplete = 1;
        model->cost_perturbed = NULL;
        return GCV_OK;
    }
    int kinked = 0;
    for (size_t p = 0; p < net->n_parts; p++)
        for (size_t l = 1; l <= net->L; l++) {
            gcv_layer *ly = &net->layer[p * (net->L + 1) + l];
            ly->z0 = net->base + p * net->buf_off + ly->z_off;
            if (ly->act) {
                ly->a0 = net->base + p * net->buf_off + ly->a_off;
                kinked |= ly->act->has_kink;
            }
        }
    if (kinked)
        model->kinks_crossed = mlp_kinks;
    return GCV_OK;
}

gcv_status gcv_mlp_new(const gcv_mlp_spec *s, gcv_model **out, gcv_error *err)
{
    return gcv_mlp_new_watched(s, NULL, out, err);
}

gcv_status gcv_mlp_new_watched(const gcv_mlp_spec *s, const gcv_watch *w, gcv_model **out,
                               gcv_error *err)
{
    *out = NULL;
    gcv_status st = gcv_inject_check(s->inject, s->n_inject, s->n_layers, s->sizes, s->hidden,
                                     s->l2, s->m, err);
    if (st != GCV_OK)
        return st;
    gcv_model *model = calloc(1, sizeof *model);
    mlp *net = calloc(1, sizeof *net);
    if (!model || !net) {
        free(model);
        free(net);
        goto nomem;
    }
    model->self = net;
    model->destroy = mlp_destroy;
    snprintf(model->type, sizeof model->type, "mlp");
    size_t L = s->n_layers, m = s->m;
    net->L = L;
    net->m = m;
    net->slope = s->leaky_slope;
    net->out = s->output;
    net->loss = s->loss;
    net->l2 = s->l2;
    net->inject = malloc((s->n_inject ? s->n_inject : 1) * sizeof *net->inject);
    model->n_params = gcv_mlp_param_count(L, s->sizes);
    if (!net->inject)
        goto nomem;
    if (s->n_inject)
        memcpy(net->inject, s->inject, s->n_inject * sizeof *net->inject);
    net->n_inject = s->n_inject;
    model->theta = dup_doubles(s->theta, model->n_params);
    size_t ws_doubles;
    if (!model->theta || (st = build_layout(net, s, &ws_doubles)) != GCV_OK ||
        (st = build_blocks(model, net)) != GCV_OK)
        goto nomem;
    net->x = parts_copy(s->x, s->sizes[0], m, net->part);
    net->y = parts_copy(s->y, s->sizes[L], m, net->part);
    if (!net->x || !net->y)
        goto nomem;
    model->ws_bytes = sizeof(ws_head) + ws_doubles * sizeof(double);
    model->cost = mlp_cost;
    model->gradient = mlp_gradient;
    model->cost_complex = mlp_cost_complex;
    model->cost_perturbed = mlp_cost_perturbed;
    model->error = mlp_error;
    if (w)
        net->watch = *w;
    net->theta0 = model->theta;
    net->w_sq0 = weight_squares(net, model->theta);
    if (cache_theta0(model, net) != GCV_OK)
        goto nomem;
    if (model->cost_perturbed && net->n_parts > 1) {
        model->n_parts = net->n_parts;
        model->cost_part = mlp_cost_part;
        model->cost_join = mlp_cost_join;
        model->gradient_part = mlp_gradient_part;
        model->gradient_join = mlp_gradient_join;
    }
    *out = model;
    return GCV_OK;
nomem:
    if (model)
        mlp_destroy(model);
    snprintf(err->msg, sizeof err->msg, "out of memory building the network");
    return GCV_ERR_NOMEM;
}

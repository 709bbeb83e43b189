/* The built-in MLP: forward (cost), backward (gradient), initialisation and fault injection.
 * Buffers are row-major with the m examples contiguous, so every inner loop runs over a
 * contiguous row of length m (or, for one example, over a contiguous weight row). */
#include "mlp.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dense.h"
#include "vec.h"
#include "util/rng.h"

typedef struct mlp {
    size_t L;            /* weight layers */
    size_t *n;           /* L+1 sizes */
    gcv_act_id *act;     /* act[l] for layer l = 1..L−1 (act[0] unused) */
    double slope;
    gcv_act_id out;
    gcv_loss_id loss;
    double l2;
    double *x, *y;       /* n0 × m, nL × m */
    size_t m;
    double *mask;        /* hidden layers' dropout masks (0 or 1/keep_prob), or NULL */
    size_t *mask_off;    /* mask_off[l]: offset of layer l's mask in mask */
    size_t *w_off, *b_off;
    size_t *z_off, *a_off; /* offsets of Z_l and A_l in the workspace's doubles */
    size_t buf_off, buf_len; /* three scratch buffers of buf_len doubles for backward */
    int kinked;          /* a hidden activation has a kink: crossings are counted against
                          * the signs of base's Z (set once base holds θ0's pass) */
    gcv_inject *inject;
    size_t n_inject;
    double *base;        /* the workspace's Z_l and A_l at θ0 (same offsets), for cost_perturbed */
    double w_sq0;        /* Σ‖W_l‖² at θ0 */
    const double *theta0;/* the model's θ (owned by the gcv_model) */
} mlp;

/* The workspace starts with this header, then the doubles. */
typedef struct ws_head {
    size_t kinks;
    size_t pad[7]; /* keeps the doubles on their own cache line */
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

void gcv_mlp_init(size_t n_layers, const size_t *sizes, gcv_init_kind kind, double scale,
                  uint64_t seed, double *theta)
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
        for (size_t i = 0; i < nw; i++)
            theta[off + i] = sd * gcv_rng_normal(&r);
        off += nw;
        memset(theta + off, 0, sizes[l] * sizeof *theta);
        off += sizes[l];
    }
}

/* How many of z's signs (−1, 0, +1) differ from those of z0 (the same pre-activations at
 * θ0). A vector at a time where the target has them: a comparison gives −1 in a lane where
 * it holds, and a sign differs where z > 0 or z < 0 differs. */
static size_t count_sign_changes(const double *z, const double *z0, size_t n)
{
    size_t c = 0, i = 0;
#if GCV_HAVE_VEC
    gcv_vmask acc = gcv_vmask0();
    for (; i + GCV_VW <= n; i += GCV_VW) {
        gcv_vec v = gcv_vload(z + i), v0 = gcv_vload(z0 + i);
        acc += ((v > 0.0) ^ (v0 > 0.0)) | ((v < 0.0) ^ (v0 < 0.0)); /* −1 per change */
    }
    for (int k = 0; k < GCV_VW; k++)
        c += (size_t)-acc[k];
#endif
    for (; i < n; i++)
        c += ((z[i] > 0.0) - (z[i] < 0.0)) != ((z0[i] > 0.0) - (z0[i] < 0.0));
    return c;
}

/* Forward pass at θ into the workspace; returns the data term Σ_j loss_j (not yet / m). */
static double forward(const mlp *net, const double *theta, void *ws)
{
    ws_head *h = ws;
    double *d = ws_data(ws);
    const double *a_prev = net->x;
    size_t m = net->m;
    h->kinks = 0;
    for (size_t l = 1; l <= net->L; l++) {
        size_t rows = net->n[l], len = rows * m;
        double *z = d + net->z_off[l];
        gcv_dense_forward(theta + net->w_off[l], theta + net->b_off[l], a_prev, z, rows,
                      net->n[l - 1], m);
        if (l == net->L)
            break;
        const gcv_act *act = gcv_act_get(net->act[l]);
        double *a = d + net->a_off[l];
        act->forward(z, a, len, net->slope);
        if (net->mask) {
            const double *mk = net->mask + net->mask_off[l];
            for (size_t i = 0; i < len; i++)
                a[i] *= mk[i];
        }
        if (net->kinked && act->has_kink)
            h->kinks += count_sign_changes(z, net->base + net->z_off[l], len);
        a_prev = a;
    }
    const double *zl = d + net->z_off[net->L];
    return gcv_loss_sum(net->loss, (int)net->out, zl, net->y, net->n[net->L], m, net->slope);
}

static double weight_squares(const mlp *net, const double *theta)
{
    double s = 0.0;
    for (size_t l = 1; l <= net->L; l++) {
        const double *w = theta + net->w_off[l];
        size_t nw = net->n[l] * net->n[l - 1];
        for (size_t i = 0; i < nw; i++)
            s += w[i] * w[i];
    }
    return s;
}

static double l2_term(const mlp *net, const double *theta)
{
    return net->l2 == 0.0 ? 0.0 : net->l2 / (2.0 * (double)net->m) * weight_squares(net, theta);
}

static int mlp_cost(const gcv_model *model, const double *theta, void *ws, double *cost)
{
    const mlp *net = model->self;
    *cost = forward(net, theta, ws) / (double)net->m + l2_term(net, theta);
    return 0;
}

static size_t mlp_kinks(const gcv_model *model, const void *ws)
{
    (void)model;
    return ((const ws_head *)ws)->kinks;
}

static const gcv_inject *find_wrong_derivative(const mlp *net, size_t l)
{
    for (size_t i = 0; i < net->n_inject; i++) {
        const gcv_inject *in = &net->inject[i];
        if (in->kind == GCV_INJECT_WRONG_DERIVATIVE && (size_t)atoi(in->block + 1) == l)
            return in;
    }
    return NULL;
}

/* Faults applied to a finished block gradient (all but wrong_derivative). */
static int apply_injection(const mlp *net, const gcv_inject *in, const double *theta,
                           double *grad)
{
    size_t l = (size_t)atoi(in->block + 1);
    int is_w = in->block[0] == 'W';
    size_t off = is_w ? net->w_off[l] : net->b_off[l];
    size_t len = is_w ? net->n[l] * net->n[l - 1] : net->n[l];
    double *g = grad + off;
    const double *w = theta + off;
    double reg = is_w ? net->l2 / (double)net->m : 0.0;
    if (in->kind == GCV_INJECT_TRANSPOSE) {
        size_t rows = net->n[l], cols = net->n[l - 1];
        double *t = malloc(len * sizeof *t);
        if (!t)
            return -1;
        /* The (cols, rows) matrix dWᵀ, flattened row-major where dW was expected. */
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < cols; j++)
                t[j * rows + i] = g[i * cols + j];
        memcpy(g, t, len * sizeof *t);
        free(t);
        return 0;
    }
    size_t width = is_w ? net->n[l - 1] : 1;
    for (size_t i = 0; i < len; i++) {
        switch (in->kind) {
        case GCV_INJECT_SCALE:
            if (!in->only_row || i / width == in->only_row - 1)
                g[i] *= in->factor;
            break;
        case GCV_INJECT_SIGN: g[i] = -g[i]; break;
        case GCV_INJECT_ZERO: g[i] = 0.0; break;
        case GCV_INJECT_DROP_MEAN:
            g[i] = (g[i] - reg * w[i]) * (double)net->m + reg * w[i];
            break;
        case GCV_INJECT_DROP_L2: g[i] -= reg * w[i]; break;
        case GCV_INJECT_WRONG_DERIVATIVE:
        case GCV_INJECT_TRANSPOSE: break;
        }
    }
    return 0;
}

static int mlp_gradient(const gcv_model *model, const double *theta, double *grad, void *ws,
                        double *cost)
{
    const mlp *net = model->self;
    double *d = ws_data(ws);
    size_t m = net->m, L = net->L;
    double inv_m = 1.0 / (double)m;
    double data = forward(net, theta, ws);
    *cost = data * inv_m + l2_term(net, theta);

    double *dz = d + net->buf_off, *da = dz + net->buf_len, *alt = da + net->buf_len;
    const gcv_loss *loss = gcv_loss_get(net->loss);
    const double *zl = d + net->z_off[L];
    for (size_t j = 0; j < m; j++)
        loss->delta((int)net->out, zl + j, net->y + j, dz + j, net->n[L], m, net->slope);
    for (size_t i = 0; i < net->n[L] * m; i++)
        dz[i] *= inv_m;

    const gcv_inject *wrong = NULL; /* a wrong_derivative fault whose alt dZ is ready */
    for (size_t l = L; l >= 1; l--) {
        size_t rows = net->n[l], cols = net->n[l - 1];
        const double *a_prev = l > 1 ? d + net->a_off[l - 1] : net->x;
        const double *w = theta + net->w_off[l];
        double *gw = grad + net->w_off[l], *gb = grad + net->b_off[l];
        gcv_dense_weight_grad(dz, a_prev, gw, gb, rows, cols, m);
        if (wrong) {
            /* The named block alone is computed from the wrong dZ, so the fault stays
             * localised to it; the rest of backprop uses the right one. */
            if (wrong->block[0] == 'W')
                gcv_dense_weight_grad(alt, a_prev, gw, da, rows, cols, m);
            else
                for (size_t i = 0; i < rows; i++) {
                    double sb = 0.0;
                    for (size_t k = 0; k < m; k++)
                        sb += alt[i * m + k];
                    gb[i] = sb;
                }
        }
        if (net->l2 != 0.0)
            for (size_t i = 0; i < rows * cols; i++)
                gw[i] += net->l2 * inv_m * w[i];
        if (l == 1)
            break;
        /* Propagate to layer l−1: dA = Wᵀ·dZ, through the dropout mask, then f'. */
        size_t len = cols * m;
        gcv_dense_input_grad(w, dz, da, rows, cols, m);
        if (net->mask) {
            const double *mk = net->mask + net->mask_off[l - 1];
            for (size_t i = 0; i < len; i++)
                da[i] *= mk[i];
        }
        const double *zp = d + net->z_off[l - 1];
        wrong = find_wrong_derivative(net, l - 1);
        if (wrong) {
            memcpy(alt, da, len * sizeof *da);
            gcv_act_get(wrong->with)->backward(zp, NULL, alt, len, net->slope);
        }
        gcv_act_get(net->act[l - 1])->backward(zp, NULL, da, len, net->slope);
        double *t = dz;
        dz = da;
        da = t;
    }
    for (size_t i = 0; i < net->n_inject; i++)
        if (apply_injection(net, &net->inject[i], theta, grad) != 0)
            return -1;
    return 0;
}

/* The layer of parameter idx, whether it is in W (else b), and its row and column. */
static void locate(const mlp *net, size_t idx, size_t *layer, int *is_w, size_t *row,
                   size_t *col)
{
    size_t l = net->L;
    while (l > 1 && idx < net->w_off[l])
        l--;
    *layer = l;
    *is_w = idx < net->b_off[l];
    size_t off = *is_w ? idx - net->w_off[l] : idx - net->b_off[l];
    *row = *is_w ? off / net->n[l - 1] : off;
    *col = *is_w ? off % net->n[l - 1] : 0;
}

/* Z = W·A + b with A and Z complex (W and b real). */
static void cdense_forward(const double *w, const double *b, const double complex *a,
                           double complex *z, size_t rows, size_t cols, size_t m)
{
    for (size_t i = 0; i < rows; i++) {
        double complex *zi = z + i * m;
        for (size_t k = 0; k < m; k++)
            zi[k] = b[i];
        for (size_t j = 0; j < cols; j++) {
            const double wij = w[i * cols + j];
            const double complex *aj = a + j * m;
            for (size_t k = 0; k < m; k++)
                zi[k] += wij * aj[k];
        }
    }
}

/* J(θ + i·h·e_idx): layers before idx's are real; from its layer on, every value is complex
 * and each function is evaluated from its own definition (the act table's complex forms). */
static int mlp_cost_complex(const gcv_model *model, const double *theta, size_t idx, double h,
                            void *ws, double *re, double *im)
{
    const mlp *net = model->self;
    double *d = ws_data(ws);
    size_t m = net->m, L = net->L, l, r, c;
    int is_w;
    locate(net, idx, &l, &is_w, &r, &c);
    const double *a_prev = net->x;
    for (size_t k = 1; k < l; k++) {
        size_t len = net->n[k] * m;
        double *z = d + net->z_off[k], *a = d + net->a_off[k];
        gcv_dense_forward(theta + net->w_off[k], theta + net->b_off[k], a_prev, z, net->n[k],
                      net->n[k - 1], m);
        gcv_act_get(net->act[k])->forward(z, a, len, net->slope);
        if (net->mask)
            for (size_t t = 0; t < len; t++)
                a[t] *= net->mask[net->mask_off[k] + t];
        a_prev = a;
    }
    double complex *zc = (double complex *)(void *)(d + net->buf_off);
    double complex *ac = zc + net->buf_len;
    double *zl = d + net->z_off[l];
    gcv_dense_forward(theta + net->w_off[l], theta + net->b_off[l], a_prev, zl, net->n[l],
                  net->n[l - 1], m);
    for (size_t t = 0; t < net->n[l] * m; t++)
        zc[t] = zl[t];
    for (size_t k = 0; k < m; k++)
        zc[r * m + k] += I * (h * (is_w ? a_prev[c * m + k] : 1.0));
    for (size_t k = l; k < L; k++) {
        const gcv_act *act = gcv_act_get(net->act[k]);
        size_t len = net->n[k] * m;
        for (size_t t = 0; t < len; t++) {
            ac[t] = act->cvalue(zc[t], net->slope);
            if (net->mask)
                ac[t] *= net->mask[net->mask_off[k] + t];
        }
        cdense_forward(theta + net->w_off[k + 1], theta + net->b_off[k + 1], ac, zc,
                       net->n[k + 1], net->n[k], m);
    }
    const gcv_loss *loss = gcv_loss_get(net->loss);
    double complex sum = 0.0;
    for (size_t j = 0; j < m; j++)
        sum += loss->ccost((int)net->out, zc + j, net->y + j, net->n[L], m, net->slope);
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

/* Activation of `rows` consecutive rows of hidden layer l from row `row` on (z → a through f
 * and the mask; through f's near form from base's same rows where f has one: a perturbed
 * pass moves every Z by little), counting kink crossings. Elementwise, so one call over several rows gives
 * the bits and the count of one call per row. */
static size_t activate_rows(const mlp *net, size_t l, size_t row, size_t rows, const double *z,
                            double *a)
{
    size_t m = net->m, len = rows * m;
    const gcv_act *act = gcv_act_get(net->act[l]);
    if (act->near && !net->mask) /* base's A is f(Z) itself: no mask applied to it */
        act->near(net->base + net->z_off[l] + row * m, net->base + net->a_off[l] + row * m, z,
                  a, len, net->slope);
    else
        act->forward(z, a, len, net->slope);
    if (net->mask) {
        const double *mk = net->mask + net->mask_off[l] + row * m;
        for (size_t k = 0; k < len; k++)
            a[k] *= mk[k];
    }
    if (net->kinked && act->has_kink)
        return count_sign_changes(z, net->base + net->z_off[l] + row * m, len);
    return 0;
}

/* Layers l+1..L in full from Z_{l+1} already in the workspace (or, with active, from
 * A_{l+1} already computed); returns the data term. */
static double forward_from(const mlp *net, const double *theta, double *d, size_t l,
                           int active, size_t *kinks)
{
    size_t m = net->m;
    for (size_t k = l + 1; k < net->L; k++) {
        double *z = d + net->z_off[k], *a = d + net->a_off[k];
        if (k > l + 1 || !active)
            *kinks += activate_rows(net, k, 0, net->n[k], z, a);
        gcv_dense_forward(theta + net->w_off[k + 1], theta + net->b_off[k + 1], a,
                      d + net->z_off[k + 1], net->n[k + 1], net->n[k], m);
    }
    const double *zl = d + net->z_off[net->L];
    return gcv_loss_sum(net->loss, (int)net->out, zl, net->y, net->n[net->L], m, net->slope);
}

/* J with one parameter changed, from the cached forward pass at θ0. Changing W_l[r,c] by δ
 * changes only row r of Z_l, by δ·A_{l−1}[c,:] (b_l[r]: by δ); its activation row then
 * changes Z_{l+1} by the rank-1 term W_{l+1}[:,r]·ΔA_l[r,:]; later layers run in full. */
static int mlp_cost_perturbed(const gcv_model *model, size_t idx, double value, void *ws,
                              double *cost)
{
    const mlp *net = model->self;
    ws_head *h = ws;
    double *d = ws_data(ws);
    size_t m = net->m, L = net->L, l, r, c;
    int is_w;
    locate(net, idx, &l, &is_w, &r, &c);
    const double delta = value - net->theta0[idx];
    const double *a_prev = l > 1 ? net->base + net->a_off[l - 1] : net->x;
    const double *z0 = net->base + net->z_off[l] + r * m;
    size_t kinks = 0;
    int active = 0; /* A_{l+1} computed here, not from Z_{l+1} by forward_from */
    double *zrow = d + net->buf_off, *arow = zrow + m;
    if (l == L) {
        /* The output layer: its own row changes, and the loss sees every column. */
        double *zl = d + net->z_off[L];
        memcpy(zl, net->base + net->z_off[L], net->n[L] * m * sizeof *zl);
        zrow = zl + r * m;
    }
    for (size_t k = 0; k < m; k++)
        zrow[k] = z0[k] + delta * (is_w ? a_prev[c * m + k] : 1.0);
    if (l < L) {
        kinks += activate_rows(net, l, r, 1, zrow, arow);
        const double *a0 = net->base + net->a_off[l] + r * m;
        for (size_t k = 0; k < m; k++)
            arow[k] -= a0[k];
        /* Z_{l+1} = Z0_{l+1} + W_{l+1}[:, r] ⊗ ΔA_l[r, :] */
        size_t rows = net->n[l + 1], cols = net->n[l];
        const double *w = model->theta + net->w_off[l + 1];
        double *zn = d + net->z_off[l + 1];
        const double *zn0 = net->base + net->z_off[l + 1];
        const gcv_act *next = l + 1 < L ? gcv_act_get(net->act[l + 1]) : NULL;
        /* A hidden layer whose f has a near form and no kink: each row of Z_{l+1} only
         * feeds its activation, so it is built in a row buffer that stays in L1 and
         * activated at once (the same operations, the same bits as the whole Z first). */
        active = next && next->near && !next->has_kink && !net->mask;
        for (size_t i = 0; i < rows; i++) {
            const double wir = w[i * cols + r];
            double *zi = active ? arow + m : zn + i * m;
            for (size_t k = 0; k < m; k++)
                zi[k] = zn0[i * m + k] + wir * arow[k];
            if (active)
                next->near(zn0 + i * m, net->base + net->a_off[l + 1] + i * m, zi,
                           d + net->a_off[l + 1] + i * m, m, net->slope);
        }
    }
    /* Rows other than r in layer l are unchanged, so their kinks cannot have moved. */
    double data = forward_from(net, model->theta, d, l < L ? l : L, active, &kinks);
    h->kinks = kinks;
    double w_sq = net->w_sq0;
    if (is_w)
        w_sq += value * value - net->theta0[idx] * net->theta0[idx];
    *cost = data / (double)m + (net->l2 != 0.0 ? net->l2 / (2.0 * (double)m) * w_sq : 0.0);
    return 0;
}

static void mlp_destroy(gcv_model *model)
{
    mlp *net = model->self;
    if (net) {
        free(net->n);
        free(net->act);
        free(net->x);
        free(net->y);
        free(net->mask);
        free(net->mask_off);
        free(net->w_off);
        free(net->b_off);
        free(net->z_off);
        free(net->a_off);
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
    if (d && n)
        memcpy(d, src, n * sizeof *d);
    return d;
}

/* Parses "W3" / "b3" into its layer, or 0 when the name is no block of this net. */
static size_t block_layer(const char *name, size_t L)
{
    if ((name[0] != 'W' && name[0] != 'b') || name[1] < '1' || name[1] > '9')
        return 0;
    char *end;
    unsigned long v = strtoul(name + 1, &end, 10);
    return *end == '\0' && v >= 1 && v <= L ? (size_t)v : 0;
}

static gcv_status check_injections(const gcv_mlp_spec *s, gcv_error *err)
{
    for (size_t i = 0; i < s->n_inject; i++) {
        const gcv_inject *in = &s->inject[i];
        size_t l = block_layer(in->block, s->n_layers);
        const char *why = NULL;
        if (!l)
            why = "a block of the network";
        else if (in->kind == GCV_INJECT_DROP_L2 && (in->block[0] != 'W' || s->l2 == 0.0))
            why = "drop_l2 on a weight block of a net with l2 > 0 (otherwise it changes nothing)";
        else if (in->kind == GCV_INJECT_WRONG_DERIVATIVE &&
                 (l >= s->n_layers || in->with == s->hidden[l - 1] ||
                  !gcv_act_get(in->with)->hidden_ok))
            why = "wrong_derivative on a hidden layer's block, with another hidden activation";
        else if (in->kind == GCV_INJECT_SCALE && (in->factor == 1.0 || !isfinite(in->factor)))
            why = "scale with a finite factor other than 1";
        else if (in->kind == GCV_INJECT_DROP_MEAN && s->m == 1)
            why = "drop_mean with more than one example (with m = 1 it changes nothing)";
        else if (in->kind == GCV_INJECT_TRANSPOSE &&
                 (in->block[0] != 'W' || s->sizes[l] < 2 || s->sizes[l - 1] < 2))
            why = "transpose on a weight block with at least two rows and two columns";
        else if (in->only_row > s->sizes[l])
            why = "a row inside the block";
        if (why) {
            snprintf(err->msg, sizeof err->msg,
                     "model.inject[%zu]: expected %s, got block \"%s\"", i, why, in->block);
            return GCV_ERR_INVALID;
        }
    }
    return GCV_OK;
}

static gcv_status build_blocks(gcv_model *model, const mlp *net)
{
    model->n_blocks = 2 * net->L;
    model->blocks = calloc(model->n_blocks, sizeof *model->blocks);
    if (!model->blocks)
        return GCV_ERR_NOMEM;
    for (size_t l = 1; l <= net->L; l++) {
        gcv_block *bw = &model->blocks[2 * (l - 1)], *bb = bw + 1;
        snprintf(bw->name, sizeof bw->name, "W%zu", l);
        snprintf(bb->name, sizeof bb->name, "b%zu", l);
        bw->layer = bb->layer = (int)l;
        bw->rows = bb->rows = net->n[l];
        bw->cols = net->n[l - 1];
        bb->cols = 1;
        bw->offset = net->w_off[l];
        bb->offset = net->b_off[l];
    }
    return GCV_OK;
}

/* Offsets of θ's blocks and of the workspace's buffers; the dropout masks. */
static gcv_status build_layout(mlp *net, const gcv_mlp_spec *s, size_t *ws_doubles)
{
    size_t L = net->L, m = net->m;
    net->w_off = calloc(L + 1, sizeof(size_t));
    net->b_off = calloc(L + 1, sizeof(size_t));
    net->z_off = calloc(L + 1, sizeof(size_t));
    net->a_off = calloc(L + 1, sizeof(size_t));
    net->mask_off = calloc(L + 1, sizeof(size_t));
    if (!net->w_off || !net->b_off || !net->z_off || !net->a_off || !net->mask_off)
        return GCV_ERR_NOMEM;
    size_t p = 0, w = 0, hidden = 0, maxn = 0;
    for (size_t l = 1; l <= L; l++) {
        net->w_off[l] = p;
        p += net->n[l] * net->n[l - 1];
        net->b_off[l] = p;
        p += net->n[l];
        net->z_off[l] = w;
        w += net->n[l] * m;
        net->a_off[l] = w;
        if (l < L) {
            w += net->n[l] * m;
            net->mask_off[l] = hidden;
            hidden += net->n[l] * m;
        }
        if (net->n[l - 1] > maxn)
            maxn = net->n[l - 1];
        if (net->n[l] > maxn)
            maxn = net->n[l];
    }
    /* Scratch: three real buffers for backward, or two complex ones (four doubles' worth)
     * for the complex step; an even offset keeps the complex values aligned. */
    net->buf_off = w + (w & 1);
    net->buf_len = maxn * m;
    *ws_doubles = net->buf_off + 4 * net->buf_len;

    if (s->keep_prob < 1.0 && hidden) {
        gcv_rng r;
        gcv_rng_seed(&r, s->dropout_seed);
        net->mask = malloc(hidden * sizeof *net->mask);
        if (!net->mask)
            return GCV_ERR_NOMEM;
        for (size_t i = 0; i < hidden; i++)
            net->mask[i] = gcv_rng_uniform(&r) < s->keep_prob ? 1.0 / s->keep_prob : 0.0;
    }
    return GCV_OK;
}

gcv_status gcv_mlp_new(const gcv_mlp_spec *s, gcv_model **out, gcv_error *err)
{
    *out = NULL;
    gcv_status st = check_injections(s, err);
    if (st != GCV_OK)
        return st;
    gcv_model *model = calloc(1, sizeof *model);
    mlp *net = calloc(1, sizeof *net);
    void *ws = NULL;
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
    net->n = malloc((L + 1) * sizeof *net->n);
    net->act = calloc(L + 1, sizeof *net->act);
    net->inject = malloc((s->n_inject ? s->n_inject : 1) * sizeof *net->inject);
    model->n_params = gcv_mlp_param_count(L, s->sizes);
    if (!net->n || !net->act || !net->inject)
        goto nomem;
    memcpy(net->n, s->sizes, (L + 1) * sizeof *net->n);
    for (size_t l = 1; l < L; l++)
        net->act[l] = s->hidden[l - 1];
    if (s->n_inject)
        memcpy(net->inject, s->inject, s->n_inject * sizeof *net->inject);
    net->n_inject = s->n_inject;
    net->x = dup_doubles(s->x, s->sizes[0] * m);
    net->y = dup_doubles(s->y, s->sizes[L] * m);
    model->theta = dup_doubles(s->theta, model->n_params);
    if (!net->x || !net->y || !model->theta)
        goto nomem;
    size_t ws_doubles;
    if ((st = build_layout(net, s, &ws_doubles)) != GCV_OK ||
        (st = build_blocks(model, net)) != GCV_OK)
        goto nomem;
    model->ws_bytes = sizeof(ws_head) + ws_doubles * sizeof(double);
    model->cost = mlp_cost;
    model->gradient = mlp_gradient;
    model->cost_complex = mlp_cost_complex;
    model->cost_perturbed = mlp_cost_perturbed;
    net->theta0 = model->theta;
    net->w_sq0 = weight_squares(net, model->theta);
    /* One forward pass at θ0: the cache cost_perturbed starts from, whose Z also gives the
     * signs that kink crossings are counted against. */
    ws = malloc(model->ws_bytes);
    net->base = malloc((net->buf_off ? net->buf_off : 1) * sizeof *net->base);
    if (!ws || !net->base)
        goto nomem;
    forward(net, model->theta, ws);
    memcpy(net->base, ws_data(ws), net->buf_off * sizeof *net->base);
    for (size_t l = 1; l < L; l++)
        net->kinked |= gcv_act_get(net->act[l])->has_kink;
    if (net->kinked)
        model->kinks_crossed = mlp_kinks;
    free(ws);
    ws = NULL;
    *out = model;
    return GCV_OK;
nomem:
    free(ws);
    if (model)
        mlp_destroy(model);
    snprintf(err->msg, sizeof err->msg, "out of memory building the network");
    return GCV_ERR_NOMEM;
}

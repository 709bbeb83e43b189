/* Example plugin: a tiny GPT-2-style transformer with hand-written backprop, the kind of C
 * training code (llm.c) whose gradients nobody can check by eye: token and position
 * embeddings, layernorm, causal multi-head self-attention, a GELU MLP, residuals, a final
 * layernorm, logits through the tied token embedding, and softmax cross-entropy averaged
 * over B·T positions.
 *
 * Memory layout as in llm.c: each parameter tensor is stored for all layers together (all
 * layers' ln1w, then all ln1b, …), so a block here is one tensor over every layer. The block
 * list is made in one function (declare_blocks) so that a finer view (one block per layer)
 * changes that function only.
 *
 * One source, two precisions: built as is it computes in double; built with -DTF_FLOAT
 * (libtransformer_f.so) every value, the cost and the gradient are float.
 *
 *   "options": {"init": "gpt2" | "wide", "bug": "none" | "ln_rstd" | "attn_scale" | "gelu",
 *               "seed": 1,
 *               "blocks": "tensor" | "layer"}
 *
 * "gpt2" initialises weights N(0, 0.02) with zero biases and unit layernorm gains, as GPT-2
 * does; "wide" draws weights N(0, 0.3), biases N(0, 0.1) and gains 1 + N(0, 0.1), so the
 * activations leave the near-linear region. The bugs are one-line mistakes of the kind a
 * hand-written backward pass has:
 *   ln_rstd     layernorm backward without its last factor rstd;
 *   attn_scale  the key gradient of q·k without its factor 1/√hs;
 *   gelu        GELU's derivative with 0.044715·x² where 3·0.044715·x² belongs.
 * Build: cc -O2 -shared -fPIC -o libtransformer.so transformer.c -lm $(pkg-config --cflags gcverify) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcverify/plugin.h>

#include "options.h"

GCV_PLUGIN_DECLARE_ABI;

#ifdef TF_FLOAT
typedef float real;
#define R_EXP expf
#define R_LOG logf
#define R_TANH tanhf
#define R_COSH coshf
#define R_SQRT sqrtf
#define TF_PRECISION GCV_PLUGIN_FLOAT
#else
typedef double real;
#define R_EXP exp
#define R_LOG log
#define R_TANH tanh
#define R_COSH cosh
#define R_SQRT sqrt
#define TF_PRECISION GCV_PLUGIN_DOUBLE
#endif

/* Vocabulary, context, channels, layers, heads, batch. */
enum { V = 16, T = 8, C = 16, L = 2, NH = 2, B = 2, HS = C / NH, BT = B * T };

/* The parameter tensors, in θ's order. */
enum { WTE, WPE, LN1W, LN1B, QKVW, QKVB, ATTPROJW, ATTPROJB, LN2W, LN2B, FCW, FCB, FCPROJW,
       FCPROJB, LNFW, LNFB, NT };

/* Elements of each tensor: rows × cols, with L layers stacked in the rows. */
static const size_t t_rows[NT] = {V, T, L, L, L * 3 * C, L, L * C, L, L, L, L * 4 * C, L,
                                  L * C, L, 1, 1};
static const size_t t_cols[NT] = {C, C, C, C, C, 3 * C, C, C, C, C, C, 4 * C, 4 * C, C, C, C};
static const char *const t_names[NT] = {"wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb",
                                        "attprojw", "attprojb", "ln2w", "ln2b", "fcw", "fcb",
                                        "fcprojw", "fcprojb", "lnfw", "lnfb"};
/* Report layer of each tensor: 1 embeddings, 2 the transformer blocks, 3 the final norm. */
static const int t_layer[NT] = {1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3};

enum { BUG_NONE, BUG_LN_RSTD, BUG_ATTN_SCALE, BUG_GELU };

typedef struct tf {
    int bug;
    size_t off[NT + 1];     /* offset of each tensor in θ; off[NT] = P */
    int tokens[BT], targets[BT];
    real *theta;
    gcv_plugin_block blocks[4 + 12 * L]; /* per tensor (NT), or per layer */
    char names[4 + 12 * L][16];
    size_t n_blocks;
    char description[96];
} tf;

/* The forward pass's activations (per layer where stacked), kept for the backward pass. */
typedef struct acts {
    real *enc, *ln1, *ln1m, *ln1r, *qkv, *att, *atty, *res2, *ln2, *ln2m, *ln2r, *fch, *gel,
        *res3, *lnf, *lnfm, *lnfr, *probs;
    real *buf;
} acts;

static int acts_new(acts *a)
{
    const size_t n[] = {BT * C, L * BT * C, L * BT, L * BT, L * BT * 3 * C,
                        (size_t)L * B * NH * T * T, L * BT * C, L * BT * C, L * BT * C, L * BT,
                        L * BT, L * BT * 4 * C, L * BT * 4 * C, L * BT * C, BT * C, BT, BT,
                        BT * V};
    real **p[] = {&a->enc, &a->ln1, &a->ln1m, &a->ln1r, &a->qkv, &a->att, &a->atty, &a->res2,
                  &a->ln2, &a->ln2m, &a->ln2r, &a->fch, &a->gel, &a->res3, &a->lnf, &a->lnfm,
                  &a->lnfr, &a->probs};
    size_t total = 0;
    for (size_t k = 0; k < sizeof n / sizeof *n; k++)
        total += n[k];
    a->buf = calloc(total, sizeof *a->buf);
    if (!a->buf)
        return -1;
    total = 0;
    for (size_t k = 0; k < sizeof n / sizeof *n; k++) {
        *p[k] = a->buf + total;
        total += n[k];
    }
    return 0;
}

/* ---- forward ---- */

static void layernorm(real *out, real *mean, real *rstd, const real *inp, const real *w,
                      const real *b)
{
    for (size_t i = 0; i < BT; i++) {
        const real *x = inp + i * C;
        real m = 0, v = 0;
        for (size_t c = 0; c < C; c++)
            m += x[c];
        m /= (real)C;
        for (size_t c = 0; c < C; c++)
            v += (x[c] - m) * (x[c] - m);
        v /= (real)C;
        real s = (real)1 / R_SQRT(v + (real)1e-5);
        for (size_t c = 0; c < C; c++)
            out[i * C + c] = (x[c] - m) * s * w[c] + b[c];
        mean[i] = m;
        rstd[i] = s;
    }
}

/* out (BT × oc) = inp (BT × ic) · wᵀ + bias, w stored oc × ic. */
static void matmul(real *out, const real *inp, const real *w, const real *bias, size_t ic,
                   size_t oc)
{
    for (size_t i = 0; i < BT; i++)
        for (size_t o = 0; o < oc; o++) {
            real s = bias ? bias[o] : 0;
            for (size_t c = 0; c < ic; c++)
                s += inp[i * ic + c] * w[o * ic + c];
            out[i * oc + o] = s;
        }
}

/* Causal self-attention of qkv (BT × 3C: q, k, v) into out (BT × C); att keeps the softmax
 * weights (B × NH × T × T). */
static void attention(real *out, real *att, const real *qkv)
{
    const real scale = (real)1 / R_SQRT((real)HS);
    for (size_t b = 0; b < B; b++)
        for (size_t t = 0; t < T; t++)
            for (size_t h = 0; h < NH; h++) {
                const real *q = qkv + (b * T + t) * 3 * C + h * HS;
                real *a = att + ((b * NH + h) * T + t) * T, mx = -1e30f, sum = 0;
                for (size_t t2 = 0; t2 <= t; t2++) {
                    const real *k = qkv + (b * T + t2) * 3 * C + h * HS + C;
                    real d = 0;
                    for (size_t i = 0; i < HS; i++)
                        d += q[i] * k[i];
                    a[t2] = d * scale;
                    mx = a[t2] > mx ? a[t2] : mx;
                }
                for (size_t t2 = 0; t2 <= t; t2++) {
                    a[t2] = R_EXP(a[t2] - mx);
                    sum += a[t2];
                }
                real *o = out + (b * T + t) * C + h * HS;
                memset(o, 0, HS * sizeof *o);
                for (size_t t2 = 0; t2 <= t; t2++) {
                    a[t2] /= sum;
                    const real *v = qkv + (b * T + t2) * 3 * C + h * HS + 2 * C;
                    for (size_t i = 0; i < HS; i++)
                        o[i] += a[t2] * v[i];
                }
            }
}

#define GELU_S ((real)0.7978845608028654) /* √(2/π) */
#define GELU_A ((real)0.044715)

static void gelu(real *out, const real *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (real)0.5 * x[i] * (1 + R_TANH(GELU_S * (x[i] + GELU_A * x[i] * x[i] * x[i])));
}

/* One transformer block l on the residual stream x (BT × C) into a's layer-l slots. */
static void block_forward(const tf *s, const real *th, acts *a, size_t l, const real *x)
{
    const size_t bc = BT * C;
    real *ln1 = a->ln1 + l * bc, *qkv = a->qkv + l * 3 * bc, *atty = a->atty + l * bc;
    real *res2 = a->res2 + l * bc, *ln2 = a->ln2 + l * bc, *res3 = a->res3 + l * bc;
    real *fch = a->fch + l * 4 * bc, *gel = a->gel + l * 4 * bc, tmp[BT * C];
    const size_t *o = s->off;
    layernorm(ln1, a->ln1m + l * BT, a->ln1r + l * BT, x, th + o[LN1W] + l * C,
              th + o[LN1B] + l * C);
    matmul(qkv, ln1, th + o[QKVW] + l * 3 * C * C, th + o[QKVB] + l * 3 * C, C, 3 * C);
    attention(atty, a->att + l * B * NH * T * T, qkv);
    matmul(tmp, atty, th + o[ATTPROJW] + l * C * C, th + o[ATTPROJB] + l * C, C, C);
    for (size_t i = 0; i < bc; i++)
        res2[i] = x[i] + tmp[i];
    layernorm(ln2, a->ln2m + l * BT, a->ln2r + l * BT, res2, th + o[LN2W] + l * C,
              th + o[LN2B] + l * C);
    matmul(fch, ln2, th + o[FCW] + l * 4 * C * C, th + o[FCB] + l * 4 * C, C, 4 * C);
    gelu(gel, fch, 4 * bc);
    matmul(tmp, gel, th + o[FCPROJW] + l * 4 * C * C, th + o[FCPROJB] + l * C, 4 * C, C);
    for (size_t i = 0; i < bc; i++)
        res3[i] = res2[i] + tmp[i];
}

/* The whole forward pass; returns the mean cross-entropy. */
static real forward(const tf *s, const real *th, acts *a)
{
    const size_t *o = s->off;
    for (size_t i = 0; i < BT; i++)
        for (size_t c = 0; c < C; c++)
            a->enc[i * C + c] = th[o[WTE] + (size_t)s->tokens[i] * C + c] +
                                th[o[WPE] + (i % T) * C + c];
    for (size_t l = 0; l < L; l++)
        block_forward(s, th, a, l, l == 0 ? a->enc : a->res3 + (l - 1) * BT * C);
    layernorm(a->lnf, a->lnfm, a->lnfr, a->res3 + (L - 1) * BT * C, th + o[LNFW], th + o[LNFB]);
    real logits[BT * V], loss = 0;
    matmul(logits, a->lnf, th + o[WTE], NULL, C, V); /* tied: logits = lnf · wteᵀ */
    for (size_t i = 0; i < BT; i++) {
        real *z = logits + i * V, mx = z[0], sum = 0;
        for (size_t v = 1; v < V; v++)
            mx = z[v] > mx ? z[v] : mx;
        for (size_t v = 0; v < V; v++)
            sum += R_EXP(z[v] - mx);
        for (size_t v = 0; v < V; v++)
            a->probs[i * V + v] = R_EXP(z[v] - mx) / sum;
        loss += R_LOG(sum) + mx - z[s->targets[i]];
    }
    return loss / (real)BT;
}

/* ---- backward ---- */

/* dinp += dout · w; dw += doutᵀ · inp; db += Σ dout (w stored oc × ic). */
static void matmul_backward(real *dinp, real *dw, real *db, const real *dout, const real *inp,
                            const real *w, size_t ic, size_t oc)
{
    for (size_t i = 0; i < BT; i++)
        for (size_t o = 0; o < oc; o++) {
            real d = dout[i * oc + o];
            for (size_t c = 0; c < ic; c++) {
                dinp[i * ic + c] += d * w[o * ic + c];
                dw[o * ic + c] += d * inp[i * ic + c];
            }
            if (db)
                db[o] += d;
        }
}

static void layernorm_backward(const tf *s, real *dinp, real *dw, real *db, const real *dout,
                               const real *inp, const real *w, const real *mean,
                               const real *rstd)
{
    for (size_t i = 0; i < BT; i++) {
        const real *x = inp + i * C, *dy = dout + i * C;
        real dmean = 0, dnormmean = 0;
        for (size_t c = 0; c < C; c++) {
            real n = (x[c] - mean[i]) * rstd[i];
            dmean += w[c] * dy[c];
            dnormmean += w[c] * dy[c] * n;
        }
        dmean /= (real)C;
        dnormmean /= (real)C;
        for (size_t c = 0; c < C; c++) {
            real n = (x[c] - mean[i]) * rstd[i];
            db[c] += dy[c];
            dw[c] += n * dy[c];
            real dv = w[c] * dy[c] - dmean - n * dnormmean;
            if (s->bug != BUG_LN_RSTD)
                dv *= rstd[i];
            dinp[i * C + c] += dv;
        }
    }
}

/* dqkv += the gradient of the attention output datty (BT × C); dqkv zeroed by the caller. */
static void attention_backward(const tf *s, real *dqkv, const real *datty, const real *qkv,
                               const real *att)
{
    const real scale = (real)1 / R_SQRT((real)HS);
    for (size_t b = 0; b < B; b++)
        for (size_t t = 0; t < T; t++)
            for (size_t h = 0; h < NH; h++) {
                const real *a = att + ((b * NH + h) * T + t) * T;
                const real *dout = datty + (b * T + t) * C + h * HS;
                const real *q = qkv + (b * T + t) * 3 * C + h * HS;
                real *dq = dqkv + (b * T + t) * 3 * C + h * HS, da[T] = {0}, dpre[T] = {0};
                for (size_t t2 = 0; t2 <= t; t2++) {
                    size_t vo = (b * T + t2) * 3 * C + h * HS + 2 * C;
                    for (size_t i = 0; i < HS; i++) {
                        da[t2] += qkv[vo + i] * dout[i];
                        dqkv[vo + i] += a[t2] * dout[i];
                    }
                }
                for (size_t t2 = 0; t2 <= t; t2++)
                    for (size_t t3 = 0; t3 <= t; t3++)
                        dpre[t3] += a[t2] * ((t2 == t3 ? (real)1 : (real)0) - a[t3]) * da[t2];
                for (size_t t2 = 0; t2 <= t; t2++) {
                    size_t ko = (b * T + t2) * 3 * C + h * HS + C;
                    for (size_t i = 0; i < HS; i++) {
                        dq[i] += qkv[ko + i] * dpre[t2] * scale;
                        dqkv[ko + i] += s->bug == BUG_ATTN_SCALE ? q[i] * dpre[t2]
                                                                 : q[i] * dpre[t2] * scale;
                    }
                }
            }
}

static void gelu_backward(const tf *s, real *dx, const real *x, const real *dout, size_t n)
{
    const real k = s->bug == BUG_GELU ? 1 : 3;
    for (size_t i = 0; i < n; i++) {
        real u = GELU_S * (x[i] + GELU_A * x[i] * x[i] * x[i]);
        real th = R_TANH(u), ch = R_COSH(u), sech2 = 1 / (ch * ch);
        real local = (real)0.5 * (1 + th) +
                     x[i] * (real)0.5 * sech2 * GELU_S * (1 + k * GELU_A * x[i] * x[i]);
        dx[i] = local * dout[i];
    }
}

/* Scratch gradients of the backward pass. */
typedef struct dacts {
    real dx[BT * C], dln[BT * C], datty[BT * C], dqkv[BT * 3 * C], dgel[BT * 4 * C],
        dfch[BT * 4 * C];
} dacts;

/* Block l backward: d->dx holds ∂J/∂(block output) on entry and ∂J/∂(block input) on
 * return; the block's parameter gradients are added into g. */
static void block_backward(const tf *s, const real *th, const acts *a, real *g, dacts *d,
                           size_t l, const real *x)
{
    const size_t bc = BT * C, *o = s->off;
    memset(d->dgel, 0, sizeof d->dgel);
    matmul_backward(d->dgel, g + o[FCPROJW] + l * 4 * C * C, g + o[FCPROJB] + l * C, d->dx,
                    a->gel + l * 4 * bc, th + o[FCPROJW] + l * 4 * C * C, 4 * C, C);
    gelu_backward(s, d->dfch, a->fch + l * 4 * bc, d->dgel, 4 * bc);
    memset(d->dln, 0, sizeof d->dln);
    matmul_backward(d->dln, g + o[FCW] + l * 4 * C * C, g + o[FCB] + l * 4 * C, d->dfch,
                    a->ln2 + l * bc, th + o[FCW] + l * 4 * C * C, C, 4 * C);
    layernorm_backward(s, d->dx, g + o[LN2W] + l * C, g + o[LN2B] + l * C, d->dln,
                       a->res2 + l * bc, th + o[LN2W] + l * C, a->ln2m + l * BT,
                       a->ln2r + l * BT);
    memset(d->datty, 0, sizeof d->datty);
    matmul_backward(d->datty, g + o[ATTPROJW] + l * C * C, g + o[ATTPROJB] + l * C, d->dx,
                    a->atty + l * bc, th + o[ATTPROJW] + l * C * C, C, C);
    memset(d->dqkv, 0, sizeof d->dqkv);
    attention_backward(s, d->dqkv, d->datty, a->qkv + l * 3 * bc, a->att + l * B * NH * T * T);
    memset(d->dln, 0, sizeof d->dln);
    matmul_backward(d->dln, g + o[QKVW] + l * 3 * C * C, g + o[QKVB] + l * 3 * C, d->dqkv,
                    a->ln1 + l * bc, th + o[QKVW] + l * 3 * C * C, C, 3 * C);
    layernorm_backward(s, d->dx, g + o[LN1W] + l * C, g + o[LN1B] + l * C, d->dln, x,
                       th + o[LN1W] + l * C, a->ln1m + l * BT, a->ln1r + l * BT);
}

static void backward(const tf *s, const real *th, const acts *a, real *g, dacts *d)
{
    const size_t *o = s->off;
    memset(g, 0, s->off[NT] * sizeof *g);
    real dlogits[BT * V], dlnf[BT * C] = {0};
    for (size_t i = 0; i < BT; i++)
        for (size_t v = 0; v < V; v++)
            dlogits[i * V + v] = (a->probs[i * V + v] - (v == (size_t)s->targets[i] ? 1 : 0)) /
                                 (real)BT;
    matmul_backward(dlnf, g + o[WTE], NULL, dlogits, a->lnf, th + o[WTE], C, V);
    memset(d->dx, 0, sizeof d->dx);
    layernorm_backward(s, d->dx, g + o[LNFW], g + o[LNFB], dlnf, a->res3 + (L - 1) * BT * C,
                       th + o[LNFW], a->lnfm, a->lnfr);
    for (size_t l = L; l-- > 0;)
        block_backward(s, th, a, g, d, l, l == 0 ? a->enc : a->res3 + (l - 1) * BT * C);
    for (size_t i = 0; i < BT; i++)
        for (size_t c = 0; c < C; c++) {
            g[o[WTE] + (size_t)s->tokens[i] * C + c] += d->dx[i * C + c];
            g[o[WPE] + (i % T) * C + c] += d->dx[i * C + c];
        }
}

/* ---- the plugin interface ---- */

static int run(const tf *s, const real *th, real *grad, real *cost)
{
    acts a;
    if (acts_new(&a) != 0)
        return 1;
    *cost = forward(s, th, &a);
    dacts *d = grad ? malloc(sizeof *d) : NULL;
    if (grad && d)
        backward(s, th, &a, grad, d);
    int bad = grad && !d;
    free(d);
    free(a.buf);
    return bad;
}

#ifdef TF_FLOAT
static int cost_f(const void *self, const float *theta, void *ws, float *J)
{
    (void)ws;
    return run(self, theta, NULL, J);
}

static int gradient_f(const void *self, const float *theta, float *grad, void *ws, float *J)
{
    (void)ws;
    return run(self, theta, grad, J);
}
#else
static int cost(const void *self, const double *theta, void *ws, double *J)
{
    (void)ws;
    return run(self, theta, NULL, J);
}

static int gradient(const void *self, const double *theta, double *grad, void *ws, double *J)
{
    (void)ws;
    return run(self, theta, grad, J);
}
#endif

static void destroy(void *self)
{
    tf *s = self;
    if (s)
        free(s->theta);
    free(s);
}

/* The tensors' offsets in θ (llm.c's layout: each tensor for all layers together). */
static void place_tensors(tf *s)
{
    s->off[0] = 0;
    for (size_t k = 0; k < NT; k++)
        s->off[k + 1] = s->off[k] + t_rows[k] * t_cols[k];
}

/* The blocks gcverify sees, one per tensor: all layers together, as the tensors lie. */
static void declare_tensor_blocks(tf *s)
{
    for (size_t k = 0; k < NT; k++)
        s->blocks[k] = (gcv_plugin_block){.name = t_names[k], .layer = t_layer[k],
                                          .rows = t_rows[k], .cols = t_cols[k]};
    s->n_blocks = NT;
}

/* One layer's slice of tensor k as an N-d view (row-major from its offset: strides 0). */
static void view(tf *s, size_t k, size_t l, int label, unsigned nd, size_t d0, size_t d1,
                 size_t d2)
{
    gcv_plugin_block *b = &s->blocks[s->n_blocks];
    char *name = s->names[s->n_blocks++];
    size_t per = t_rows[k] * t_cols[k] / (label == 1 || label == L + 2 ? 1 : L);
    if (label == 1 || label == L + 2)
        snprintf(name, sizeof s->names[0], "%s", t_names[k]);
    else
        snprintf(name, sizeof s->names[0], "%s[%zu]", t_names[k], l);
    *b = (gcv_plugin_block){.name = name, .layer = label, .ndim = nd, .dims = {d0, d1, d2},
                            .offset = s->off[k] + l * per};
}

/* The same θ per layer: the embeddings, then each layer's twelve slices, then the final
 * norm, each block a view into the stacked tensors. */
static void declare_layer_blocks(tf *s)
{
    s->n_blocks = 0;
    view(s, WTE, 0, 1, 2, V, C, 0);
    view(s, WPE, 0, 1, 2, T, C, 0);
    for (size_t l = 0; l < L; l++) {
        int lab = (int)l + 2;
        view(s, LN1W, l, lab, 1, C, 0, 0);
        view(s, LN1B, l, lab, 1, C, 0, 0);
        view(s, QKVW, l, lab, 3, 3, C, C);
        view(s, QKVB, l, lab, 2, 3, C, 0);
        view(s, ATTPROJW, l, lab, 2, C, C, 0);
        view(s, ATTPROJB, l, lab, 1, C, 0, 0);
        view(s, LN2W, l, lab, 1, C, 0, 0);
        view(s, LN2B, l, lab, 1, C, 0, 0);
        view(s, FCW, l, lab, 2, 4 * C, C, 0);
        view(s, FCB, l, lab, 1, 4 * C, 0, 0);
        view(s, FCPROJW, l, lab, 2, C, 4 * C, 0);
        view(s, FCPROJB, l, lab, 1, C, 0, 0);
    }
    view(s, LNFW, 0, L + 2, 1, C, 0, 0);
    view(s, LNFB, 0, L + 2, 1, C, 0, 0);
}

/* A normal deviate (Box–Muller on the options' SplitMix64). */
static double normal(unsigned long long *r)
{
    double u1 = opt_uniform(r), u2 = opt_uniform(r);
    return sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
}

static void initialise(tf *s, int wide, unsigned long long r)
{
    for (size_t i = 0; i < BT; i++) {
        s->tokens[i] = (int)(opt_uniform(&r) * V);
        s->targets[i] = (int)(opt_uniform(&r) * V);
    }
    for (size_t k = 0; k < NT; k++) {
        int gain = k == LN1W || k == LN2W || k == LNFW;
        int bias = k == LN1B || k == LN2B || k == LNFB || k == QKVB || k == ATTPROJB ||
                   k == FCB || k == FCPROJB;
        double sd = gain || bias ? (wide ? 0.1 : 0.0) : wide ? 0.3 : 0.02;
        for (size_t i = s->off[k]; i < s->off[k + 1]; i++)
            s->theta[i] = (real)((gain ? 1.0 : 0.0) + sd * normal(&r));
    }
}

GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *args, gcv_plugin_model *out)
{
    const char *js = args->options_json;
    int bad = 0;
    double seed = opt_number(js, "seed", 1, &bad);
    int wide = opt_is(js, "init", "wide", 0);
    int per_layer = opt_is(js, "blocks", "layer", 0);
    int bug = opt_is(js, "bug", "ln_rstd", 0) ? BUG_LN_RSTD
              : opt_is(js, "bug", "attn_scale", 0) ? BUG_ATTN_SCALE
              : opt_is(js, "bug", "gelu", 0) ? BUG_GELU : BUG_NONE;
    if (bad || !(seed >= 0 && seed < 1e15) || seed != floor(seed) ||
        (!wide && !opt_is(js, "init", "gpt2", 1)) ||
        (bug == BUG_NONE && !opt_is(js, "bug", "none", 1)) ||
        (!per_layer && !opt_is(js, "blocks", "tensor", 1))) {
        snprintf(args->err, args->err_len, "options: expected \"init\": \"gpt2\" or \"wide\", "
                 "\"bug\": \"none\", \"ln_rstd\", \"attn_scale\" or \"gelu\", \"blocks\": "
                 "\"tensor\" or \"layer\", and an integer seed ≥ 0");
        return 1;
    }
    tf *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(args->err, args->err_len, "out of memory");
        return 1;
    }
    s->bug = bug;
    place_tensors(s);
    if (per_layer)
        declare_layer_blocks(s);
    else
        declare_tensor_blocks(s);
    s->theta = malloc(s->off[NT] * sizeof *s->theta);
    if (!s->theta) {
        destroy(s);
        snprintf(args->err, args->err_len, "out of memory");
        return 1;
    }
    initialise(s, wide, (unsigned long long)seed);
    snprintf(s->description, sizeof s->description,
             "GPT-2-style transformer, V=%d T=%d C=%d L=%d heads=%d B=%d, %s", V, T, C, L, NH,
             B, TF_PRECISION == GCV_PLUGIN_FLOAT ? "float" : "double");
    out->self = s;
    out->precision = TF_PRECISION;
    out->n_params = s->off[NT];
    out->n_blocks = s->n_blocks;
    out->blocks = s->blocks;
    out->theta = s->theta;
    out->examples = BT;
    out->description = s->description;
#ifdef TF_FLOAT
    out->cost_f = cost_f;
    out->gradient_f = gradient_f;
#else
    out->cost = cost;
    out->gradient = gradient;
#endif
    out->destroy = destroy;
    return 0;
}

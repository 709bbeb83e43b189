/* Example plugin (b): the course's 3-layer network as a user's own C code, with the classic
 * bugs when asked for ("bugs": true):
 *   - the NumPy gradient-checking notebook stores each W in the (n_{l-1}, n_l) orientation
 *     and computes Z = Wᵀ·A + b; the bug: dW1 computed in the course's orientation,
 *     dZ1·A0ᵀ (n1 × n0), and written into the (n0 × n1) block as it is — a transposed
 *     gradient;
 *   - the course assignment's doubled dW2 (dW2 = 1/m · dZ2·A1ᵀ · 2);
 *   - the course assignment's db1 = 4/m · Σ dZ1.
 * Layers 4-5-3-1, ReLU, ReLU, sigmoid, binary cross-entropy, on the course's test case
 * (X 4 × 3, Y = [1, 1, 0], θ from np.random.seed(1)). θ = [W1, b1, W2, b2, W3, b3] with
 * W_l of shape (n_{l-1}, n_l) as the user stores it: gcverify knows nothing of layers, so
 * the blocks simply say what the user's arrays are.
 *   "options": {"bugs": false}
 * Build: cc -O2 -shared -fPIC -o libseednet.so seednet.c -lm $(pkg-config --cflags gcverify) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcverify/plugin.h>

#include "options.h"

GCV_PLUGIN_DECLARE_ABI;

/* θ of the course test case (the assignment's gradient_check_n_test_case: np.random.seed(1)),
 * each W stored in the notebook's (n_{l-1}, n_l) orientation, i.e. the course's W transposed. */
static const double theta0[47] = {
    -0.3224172040135075, -0.17242820755043575, -1.1006191772129212, 0.9008559492644118,
    -0.2678880796260159, -0.38405435466841564, -0.8778584179213718, 1.1447237098396141,
    -0.6837278591743331, 0.530355466738186, 1.1337694423354374, 0.04221374671559283,
    0.9015907205927955, -0.12289022551864817, -0.691660751725309, -1.0998912673140309,
    0.5828152137158222, 0.5024943389018682, -0.9357694342590688, -0.39675352685597737,
    -0.6871727001195994, -0.8452056414987196, -0.671246130836819, -0.01266459891890136,
    -1.1173103486352778, 0.23441569781709215, -0.7471582937508376, 2.100255136478842,
    1.6598021771098705, 1.6924546010277466, 0.12015895248162915, 0.7420441605773356,
    0.05080775477602897, 0.6172031097074192, -0.19183555236161492, -0.6369956465693534,
    0.3001703199558275, -0.8876289640848363, 0.19091548466746602, -0.35224984649351865,
    -1.1425181980221402, -0.3493427224128775, -0.2088942333747781, 0.5866231911821976,
    0.8389834138745049, 0.9311020813035573, 0.2855873252542588};
/* X (4 × 3, one column per example) and Y = [1, 1, 0]. */
static const double x_data[12] = {
    1.6243453636632417, -0.6117564136500754, -0.5281717522634557, -1.0729686221561705,
    0.8654076293246785, -2.3015386968802827, 1.74481176421648, -0.7612069008951028,
    0.31903909605709857, -0.2493703754774101, 1.462107937044974, -2.060140709497654};
static const double y_data[3] = {1.0, 1.0, 0.0};

enum { N0 = 4, N1 = 5, N2 = 3, N3 = 1, M = 3, P = 47 };
/* Offsets of the blocks in θ. */
enum { OW1 = 0, OB1 = OW1 + N0 * N1, OW2 = OB1 + N1, OB2 = OW2 + N1 * N2, OW3 = OB2 + N2,
       OB3 = OW3 + N2 * N3 };

typedef struct seednet {
    int bugs;
    gcv_plugin_block blocks[6];
} seednet;

/* The workspace: every activation of the forward pass, kept for the backward pass. */
typedef struct ws_t {
    double a1[N1 * M], a2[N2 * M], a3[N3 * M];
    double dz1[N1 * M], dz2[N2 * M], dz3[N3 * M];
    size_t kinks; /* ReLU units whose side differs from the unperturbed pass */
} ws_t;

/* Z = Wᵀ·A + b with W (nin × nout) as the NumPy notebook stores it. */
static void layer(const double *w, const double *b, const double *a, double *z, int nin,
                  int nout)
{
    for (int i = 0; i < nout; i++)
        for (int j = 0; j < M; j++) {
            double s = b[i];
            for (int k = 0; k < nin; k++)
                s += w[k * nout + i] * a[k * M + j];
            z[i * M + j] = s;
        }
}

static double relu(double z) { return z > 0.0 ? z : 0.0; }

static double forward(const double *t, ws_t *w)
{
    layer(t + OW1, t + OB1, x_data, w->a1, N0, N1);
    for (int k = 0; k < N1 * M; k++)
        w->a1[k] = relu(w->a1[k]);
    layer(t + OW2, t + OB2, w->a1, w->a2, N1, N2);
    for (int k = 0; k < N2 * M; k++)
        w->a2[k] = relu(w->a2[k]);
    layer(t + OW3, t + OB3, w->a2, w->a3, N2, N3);
    double J = 0.0;
    for (int j = 0; j < M; j++) {
        double z = w->a3[j], y = y_data[j];
        /* −[y log σ(z) + (1−y) log(1−σ(z))], from the logit so it stays finite */
        J += fmax(z, 0.0) - z * y + log1p(exp(-fabs(z)));
        w->a3[j] = 1.0 / (1.0 + exp(-z));
    }
    return J / M;
}

/* ReLU units on the other side of their kink than at θ0: a perturbation that moves one of
 * them crossed a kink, and its difference quotient means nothing there. */
static size_t kinks_vs_theta0(const ws_t *w)
{
    ws_t base;
    forward(theta0, &base);
    size_t n = 0;
    for (int k = 0; k < N1 * M; k++)
        n += (w->a1[k] > 0.0) != (base.a1[k] > 0.0);
    for (int k = 0; k < N2 * M; k++)
        n += (w->a2[k] > 0.0) != (base.a2[k] > 0.0);
    return n;
}

static int cost(const void *self, const double *theta, void *ws, double *J)
{
    (void)self;
    ws_t *w = ws;
    *J = forward(theta, w);
    w->kinks = kinks_vs_theta0(w);
    return 0;
}

static size_t kinks_crossed(const void *self, const void *ws)
{
    (void)self;
    return ((const ws_t *)ws)->kinks;
}

static int gradient(const void *self, const double *theta, double *g, void *ws, double *J)
{
    const seednet *s = self;
    ws_t *w = ws;
    *J = forward(theta, w);
    const double *W2 = theta + OW2, *W3 = theta + OW3;
    for (int j = 0; j < M; j++)
        w->dz3[j] = w->a3[j] - y_data[j];
    /* dW3 = 1/m · A2·dZ3ᵀ (N2 × N3), db3 = 1/m · Σ dZ3 */
    for (int k = 0; k < N2; k++) {
        double sum = 0.0;
        for (int j = 0; j < M; j++)
            sum += w->a2[k * M + j] * w->dz3[j];
        g[OW3 + k] = sum / M;
    }
    g[OB3] = (w->dz3[0] + w->dz3[1] + w->dz3[2]) / M;
    /* dZ2 = W3·dZ3 ∘ relu'(A2) */
    for (int k = 0; k < N2; k++)
        for (int j = 0; j < M; j++)
            w->dz2[k * M + j] = W3[k] * w->dz3[j] * (w->a2[k * M + j] > 0.0);
    /* dW2 = 1/m · A1·dZ2ᵀ (N1 × N2) — the bug: × 2 */
    for (int k = 0; k < N1; k++)
        for (int i = 0; i < N2; i++) {
            double sum = 0.0;
            for (int j = 0; j < M; j++)
                sum += w->a1[k * M + j] * w->dz2[i * M + j];
            g[OW2 + k * N2 + i] = sum / M * (s->bugs ? 2.0 : 1.0);
        }
    for (int i = 0; i < N2; i++) {
        double sum = 0.0;
        for (int j = 0; j < M; j++)
            sum += w->dz2[i * M + j];
        g[OB2 + i] = sum / M;
    }
    /* dZ1 = W2·dZ2 ∘ relu'(A1) */
    for (int k = 0; k < N1; k++)
        for (int j = 0; j < M; j++) {
            double sum = 0.0;
            for (int i = 0; i < N2; i++)
                sum += W2[k * N2 + i] * w->dz2[i * M + j];
            w->dz1[k * M + j] = sum * (w->a1[k * M + j] > 0.0);
        }
    /* dW1 = 1/m · A0·dZ1ᵀ (N0 × N1). The bug: dZ1·A0ᵀ (N1 × N0), stored as it comes. */
    for (int r = 0; r < (s->bugs ? N1 : N0); r++)
        for (int c = 0; c < (s->bugs ? N0 : N1); c++) {
            double sum = 0.0;
            for (int j = 0; j < M; j++)
                sum += s->bugs ? w->dz1[r * M + j] * x_data[c * M + j]
                               : x_data[r * M + j] * w->dz1[c * M + j];
            g[OW1 + r * (s->bugs ? N0 : N1) + c] = sum / M;
        }
    /* db1 = 1/m · Σ dZ1 — the bug: 4/m */
    for (int k = 0; k < N1; k++) {
        double sum = 0.0;
        for (int j = 0; j < M; j++)
            sum += w->dz1[k * M + j];
        g[OB1 + k] = sum * (s->bugs ? 4.0 : 1.0) / M;
    }
    return 0;
}

static void destroy(void *self)
{
    free(self);
}

GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *args, gcv_plugin_model *out)
{
    int bad = 0;
    int bugs = opt_bool(args->options_json, "bugs", 0, &bad);
    if (bad) {
        snprintf(args->err, args->err_len, "options.bugs: expected true or false");
        return 1;
    }
    seednet *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(args->err, args->err_len, "out of memory");
        return 1;
    }
    s->bugs = bugs;
    const gcv_plugin_block b[6] = {{.name = "W1", .layer = 1, .rows = N0, .cols = N1},
                                   {.name = "b1", .layer = 1, .rows = N1, .cols = 1},
                                   {.name = "W2", .layer = 2, .rows = N1, .cols = N2},
                                   {.name = "b2", .layer = 2, .rows = N2, .cols = 1},
                                   {.name = "W3", .layer = 3, .rows = N2, .cols = N3},
                                   {.name = "b3", .layer = 3, .rows = N3, .cols = 1}};
    memcpy(s->blocks, b, sizeof b);
    out->self = s;
    out->precision = GCV_PLUGIN_DOUBLE;
    out->n_params = P;
    out->n_blocks = 6;
    out->blocks = s->blocks;
    out->theta = theta0;
    out->ws_bytes = sizeof(ws_t);
    out->examples = M;
    out->description = bugs ? "the seeds' 3-layer net, (n_{l-1}, n_l) weights, with the "
                              "classic bugs"
                            : "the seeds' 3-layer net, (n_{l-1}, n_l) weights";
    out->cost = cost;
    out->gradient = gradient;
    out->kinks_crossed = kinks_crossed;
    out->destroy = destroy;
    return 0;
}

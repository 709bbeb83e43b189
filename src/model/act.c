/* The activation and loss tables: each function's forms side by side, then its one entry
 * in acts[] or losses[] (an id is its index there). Output losses are computed from the
 * logits z so that a saturated output gives a finite cost: log σ(z) = −softplus(−z),
 * log softmax = z − lse(z). */
#include "act.h"

#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "vec.h"

/* ---- elementwise activations: value and derivative side by side ---- */

static void relu_f(const double *z, double *a, size_t n, double s)
{
    (void)s;
    for (size_t i = 0; i < n; i++)
        a[i] = z[i] > 0.0 ? z[i] : 0.0;
}
static void relu_b(const double *z, const double *a, double *d, size_t n, double s)
{
    (void)a; (void)s;
    /* relu'(0) = 0: the one-sided choice (np.int64(A > 0) in the course's NumPy code). */
    for (size_t i = 0; i < n; i++)
        d[i] = z[i] > 0.0 ? d[i] : 0.0;
}

static void leaky_f(const double *z, double *a, size_t n, double s)
{
    for (size_t i = 0; i < n; i++)
        a[i] = z[i] > 0.0 ? z[i] : s * z[i];
}
static void leaky_b(const double *z, const double *a, double *d, size_t n, double s)
{
    (void)a;
    for (size_t i = 0; i < n; i++)
        d[i] = z[i] > 0.0 ? d[i] : s * d[i];
}

/* Horner steps of e^r = Σ rⁿ/n! from r¹¹ down, p holding 1/12! on entry: one list for the
 * scalar exp_0_40 and the vector vexp_0_40, whose bits must agree (test-kernels). */
#define EXP_TAYLOR(p, r)                                                                     \
    do {                                                                                     \
        static const double c_[12] = {1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,   \
                                      1.0 / 40320.0,    1.0 / 5040.0,    1.0 / 720.0,      \
                                      1.0 / 120.0,      1.0 / 24.0,      1.0 / 6.0,        \
                                      0.5,              1.0,             1.0};             \
        _Pragma("GCC unroll 12") for (int k_ = 0; k_ < 12; k_++)                            \
            (p) = (p) * (r) + c_[k_];                                                        \
    } while (0)

/* e^y for y in [0, 40]: y = k·ln2 + r with |r| ≤ ln2/2 (ln2 split in two so k·ln2 is
 * exact), e^r by its Taylor series to r¹² (truncation < 2e-17 relative), 2^k built in the
 * exponent bits. The rounding to k uses the 1.5·2⁵² trick and the bits of the same sum, so
 * the loop vectorises without SSE4.1 or a float-to-int conversion. */
static inline double exp_0_40(double y)
{
    const double ln2hi = 6.93147180369123816490e-01, ln2lo = 1.90821492927058770002e-10;
    const double magic = 0x1.8p52;
    double sh = y * 1.44269504088896338700 + magic, k = sh - magic;
    uint64_t sb, mb;
    memcpy(&sb, &sh, sizeof sb);
    memcpy(&mb, &magic, sizeof mb);
    double r = (y - k * ln2hi) - k * ln2lo;
    double p = 1.0 / 479001600.0;
    EXP_TAYLOR(p, r);
    uint64_t bits = (sb - mb + 1023) << 52;
    double two_k;
    memcpy(&two_k, &bits, sizeof two_k);
    return p * two_k;
}

/* tanh without a call: for |x| < 0.625 Cephes' rational form x + x·z·P(z)/Q(z) (z = x²),
 * else 1 − 2/(e^{2|x|} + 1), which has no cancellation there; |x| > 20 gives ±1 exactly.
 * Both branches are computed and one selected, so the loop vectorises. Measured: at most
 * 2 ulp from glibc's tanh over 5·10⁶ points in [−25, 25] and down to 1e-300 (test-mlp
 * asserts it), about 3× faster with AVX2 or AVX-512. NaN propagates; ±Inf gives ±1. */
static inline double tanh_fast(double x)
{
    double a = fabs(x), z = x * x;
    double p = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z -
               1.61468768441708447952e3;
    double q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z +
               4.84406305325125486048e3;
    double small = x + x * z * p / q;
    double ac = a > 20.0 ? 20.0 : a;
    double big = copysign(1.0 - 2.0 / (exp_0_40(2.0 * ac) + 1.0), x);
    return a < 0.625 ? small : big;
}

/* tanh_fast for one value, with a branch: only the side it returns is computed (the same
 * operations, so the same bits). The tail of tanh_f and gcv_tanh use it; one example per
 * check (m = 1) runs all its hidden rows through here. */
#if defined(__GNUC__)
__attribute__((noinline)) /* a loop of calls: never vectorised (GCC did, for 1 to 7 values) */
#endif
static double tanh_one(double x)
{
    double a = fabs(x), z = x * x;
    if (a < 0.625) {
        double p = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z -
                   1.61468768441708447952e3;
        double q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z +
                   4.84406305325125486048e3;
        return x + x * z * p / q;
    }
    double ac = a > 20.0 ? 20.0 : a;
    return copysign(1.0 - 2.0 / (exp_0_40(2.0 * ac) + 1.0), x);
}

double gcv_tanh(double x)
{
    return tanh_one(x);
}

#if GCV_HAVE_VEC
/* exp_0_40 and tanh_fast on one vector, operation for operation. Written out because GCC
 * if-converts the scalar form into two masked halves, each with its own division (the
 * vector loop waited on them); here one division serves both branches, each lane dividing
 * the operands its branch divides: x·z·p by q below 0.625, 2 by e^{2|x|} + 1 above.
 * tanh_f gives the bits of tanh_fast (checked on 10⁸ points, in test-kernels too). */
GCV_INLINE gcv_vec vexp_0_40(gcv_vec y)
{
    const double ln2hi = 6.93147180369123816490e-01, ln2lo = 1.90821492927058770002e-10;
    const double magic = 0x1.8p52;
    gcv_vec sh = y * 1.44269504088896338700 + magic, k = sh - magic;
    gcv_vec r = (y - k * ln2hi) - k * ln2lo;
    gcv_vec p = gcv_vsplat(1.0 / 479001600.0);
    EXP_TAYLOR(p, r);
    uint64_t mb;
    memcpy(&mb, &magic, sizeof mb);
    gcv_vbits bits = ((gcv_vbits)sh - mb + 1023) << 52;
    return p * (gcv_vec)bits;
}

GCV_INLINE gcv_vec vtanh(gcv_vec x)
{
    const uint64_t sign = 0x8000000000000000u;
    gcv_vec a = (gcv_vec)((gcv_vbits)x & ~sign), z = x * x;
    gcv_vec p = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z -
                1.61468768441708447952e3;
    gcv_vec q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z +
                4.84406305325125486048e3;
    gcv_vec ac = gcv_vsel(a > 20.0, gcv_vsplat(20.0), a);
    gcv_vmask lo = a < 0.625;
    gcv_vec num = gcv_vsel(lo, x * z * p, gcv_vsplat(2.0));
    gcv_vec den = gcv_vsel(lo, q, vexp_0_40(2.0 * ac) + 1.0);
    gcv_vec r = num / den;
    gcv_vec big = (gcv_vec)(((gcv_vbits)(1.0 - r) & ~sign) | ((gcv_vbits)x & sign));
    return gcv_vsel(lo, x + r, big);
}
#endif

#if GCV_HAVE_VEC
/* The whole vectors of z; out of line, so that a short call (one example: a few values)
 * does not set up the vector constants for nothing. */
static __attribute__((noinline)) void tanh_vectors(const double *z, double *a, size_t n)
{
    for (size_t i = 0; i + GCV_VW <= n; i += GCV_VW)
        gcv_vstore(a + i, vtanh(gcv_vload(z + i)));
}
#endif

static void tanh_f(const double *z, double *a, size_t n, double s)
{
    (void)s;
    size_t i = 0;
#if GCV_HAVE_VEC
    if (n >= GCV_VW) {
        tanh_vectors(z, a, n);
        i = n - n % GCV_VW;
    }
#endif
    for (; i < n; i++)
        a[i] = tanh_one(z[i]);
}
/* tanh(z) from z0 nearby and a0 = tanh(z0), for the incremental check, where a perturbed
 * pass changes every Z by a little: with d = z − z0 and t = tanh(d), the addition theorem
 * tanh(z0 + d) = (a0 + t)/(1 + a0·t) = a0 + t·(1 − a0²)/(1 + a0·t). For |d| ≤ 2⁻¹² (steps
 * of 1e-6 give |d| ~ 1e-6), t = d − d³/3 + 2d⁵/15 (the next term is < 2⁻⁷⁶·|d|) and
 * 1/(1 + s), s = a0·t, by 1 − s + s² − s³ + s⁴ (|s| ≤ 2⁻¹²: the rest ≤ 2⁻⁶⁰·(1 + 2⁻¹²)):
 * no division, no exp. The correction a0 is moved by (|correction| ≲ |d|) carries about an
 * ulp of its own size from its roundings, and the result is a0 + correction rounded once.
 * So the value is tanh(z) to within a0's own error (≤ 2 ulp, as tanh_fast), about an ulp
 * of |d| and half an ulp: measured ≤ 4 ulp of max(|a0|, |tanh z|, |d|) against libm,
 * crossings of 0 included (test-mlp). Absolute, that is ≲ 2⁻⁵⁰·max(|a0|, |d|): far under
 * the rounding noise of the cost. About 3× faster than tanh_fast (a multiply-add chain the
 * vector unit keeps busy, where tanh_fast waits on its exp and its division). No derivative
 * code is used: the factor 1 − a0² comes from the addition theorem, not from tanh_b, so a
 * wrong tanh′ in backprop is still caught (test-mlp's wrong_derivative injections).
 * Larger |d|, NaN and ±Inf take tanh_one(z), bit for bit. */
#define NEAR_MAX 0x1p-12 /* the largest |z − z0| the near forms take */

/* out = tanh(z0 + d) from a0 = tanh(z0), for T double or gcv_vec: one text for the scalar
 * and the vector form, so a lane computes the scalar's operations (test-kernels). */
#define TANH_NEAR_SERIES(T, out, a0, d)                                                    \
    do {                                                                                   \
        T d2_ = (d) * (d);                                                                 \
        T t_ = (d) + (d) * d2_ * (-1.0 / 3.0 + d2_ * (2.0 / 15.0));                       \
        T sa_ = (a0) * t_;                                                                 \
        T geo_ = 1.0 - sa_ * (1.0 - sa_ * (1.0 - sa_ * (1.0 - sa_)));                      \
        (out) = (a0) + t_ * (1.0 - (a0) * (a0)) * geo_;                                   \
    } while (0)

double gcv_tanh_near(double z0, double a0, double z)
{
    double d = z - z0, a;
    if (!(fabs(d) <= NEAR_MAX))
        return tanh_one(z);
    TANH_NEAR_SERIES(double, a, a0, d);
    return a;
}

#if GCV_HAVE_VEC
/* gcv_tanh_near on whole vectors (the same series). Lanes outside 2⁻¹² are noted
 * (one OR per vector, not a test) and, if there were any, a second pass puts vtanh (the
 * bits of tanh_one) in those lanes. */
static __attribute__((noinline)) void tanh_near_vectors(const double *z0, const double *a0,
                                                        const double *z, double *a, size_t n)
{
    const uint64_t sign = 0x8000000000000000u;
    gcv_vmask far = gcv_vmask0();
    for (size_t i = 0; i + GCV_VW <= n; i += GCV_VW) {
        gcv_vec x = gcv_vload(z + i), a0v = gcv_vload(a0 + i);
        gcv_vec d = x - gcv_vload(z0 + i);
        far |= ~((gcv_vec)((gcv_vbits)d & ~sign) <= NEAR_MAX);
        gcv_vec r;
        TANH_NEAR_SERIES(gcv_vec, r, a0v, d);
        gcv_vstore(a + i, r);
    }
    if (gcv_vall(~far))
        return;
    for (size_t i = 0; i + GCV_VW <= n; i += GCV_VW) {
        gcv_vec x = gcv_vload(z + i), d = x - gcv_vload(z0 + i);
        gcv_vmask near = (gcv_vec)((gcv_vbits)d & ~sign) <= NEAR_MAX;
        if (!gcv_vall(near))
            gcv_vstore(a + i, gcv_vsel(near, gcv_vload(a + i), vtanh(x)));
    }
}
#endif

static void tanh_n(const double *z0, const double *a0, const double *z, double *a, size_t n,
                   double s)
{
    (void)s;
    size_t i = 0;
#if GCV_HAVE_VEC
    if (n >= GCV_VW) {
        tanh_near_vectors(z0, a0, z, a, n);
        i = n - n % GCV_VW;
    }
#endif
    for (; i < n; i++)
        a[i] = gcv_tanh_near(z0[i], a0[i], z[i]);
}

static void tanh_b(const double *z, const double *a, double *d, size_t n, double s)
{
    (void)s;
    for (size_t i = 0; i < n; i++) {
        double t = a ? a[i] : tanh_fast(z[i]);
        d[i] *= 1.0 - t * t;
    }
}

/* σ(z) without overflow of exp for large |z|. */
static double sigmoid1(double z)
{
    if (z >= 0.0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}
static void sigmoid_f(const double *z, double *a, size_t n, double s)
{
    (void)s;
    for (size_t i = 0; i < n; i++)
        a[i] = sigmoid1(z[i]);
}
/* σ(z) from z0 nearby and a0 = σ(z0), as tanh_n for tanh: with d = z − z0 and q = e^d − 1,
 * σ(z0 + d) = a0·e^d/(1 − a0 + a0·e^d) = a0 + a0·(1 − a0)·q/(1 + a0·q). For |d| ≤ 2⁻¹², q is
 * d + d²/2 + … + d⁵/120 (the rest < 2⁻⁶⁹·|d|) and 1/(1 + s), s = a0·q, is 1 − s + s² − s³ + s⁴
 * (|s| ≤ |q| < 1.001·2⁻¹²: the rest < 2⁻⁵⁹): no exp and no division, where sigmoid1 spends
 * both on every value. The value is σ(z) within a0's own error plus half an ulp (test-mlp).
 * Larger |d|, NaN and ±Inf get sigmoid1(z), bit for bit. */
static inline double sigmoid_series(double d, double a0)
{
    double q = d + d * d * (0.5 + d * (1.0 / 6.0 + d * (1.0 / 24.0 + d * (1.0 / 120.0))));
    double sa = a0 * q;
    double geo = 1.0 - sa * (1.0 - sa * (1.0 - sa * (1.0 - sa)));
    return a0 + a0 * (1.0 - a0) * q * geo;
}

double gcv_sigmoid_near(double z0, double a0, double z)
{
    double d = z - z0;
    return fabs(d) <= NEAR_MAX ? sigmoid_series(d, a0) : sigmoid1(z);
}

/* The series for every value, in a loop the compiler may vectorise (the same operations as
 * gcv_sigmoid_near, lane or not), then sigmoid1 where |d| was larger. */
static void sigmoid_n(const double *z0, const double *a0, const double *z, double *a, size_t n,
                      double s)
{
    (void)s;
    int far = 0;
    for (size_t i = 0; i < n; i++) {
        double d = z[i] - z0[i];
        far |= !(fabs(d) <= NEAR_MAX);
        a[i] = sigmoid_series(d, a0[i]);
    }
    if (far)
        for (size_t i = 0; i < n; i++)
            if (!(fabs(z[i] - z0[i]) <= NEAR_MAX))
                a[i] = sigmoid1(z[i]);
}

static void sigmoid_b(const double *z, const double *a, double *d, size_t n, double s)
{
    (void)s;
    for (size_t i = 0; i < n; i++) {
        double t = a ? a[i] : sigmoid1(z[i]);
        d[i] *= t * (1.0 - t);
    }
}

static void linear_f(const double *z, double *a, size_t n, double s)
{
    (void)s;
    if (a != z)
        memcpy(a, z, n * sizeof *a);
}
static void linear_b(const double *z, const double *a, double *d, size_t n, double s)
{
    (void)z; (void)a; (void)d; (void)n; (void)s;
}

/* Complex forms: the holomorphic extension of each function's value. */
static double complex relu_c(double complex z, double s)
{
    (void)s;
    return creal(z) > 0.0 ? z : 0.0;
}
static double complex leaky_c(double complex z, double s)
{
    return creal(z) > 0.0 ? z : s * z;
}
static double complex tanh_c(double complex z, double s)
{
    (void)s;
    return ctanh(z);
}
static double complex sigmoid_c(double complex z, double s)
{
    (void)s;
    if (creal(z) >= 0.0)
        return 1.0 / (1.0 + cexp(-z));
    double complex e = cexp(z);
    return e / (1.0 + e);
}
static double complex linear_c(double complex z, double s)
{
    (void)s;
    return z;
}

#define HIDDEN GCV_ACT_HIDDEN
#define OUTPUT GCV_ACT_OUTPUT

/* The activations. A new one is one entry at the end (it takes the next index; give it a
 * constant in act.h only if code must name it) and its functions above. Table order is the
 * order the names are listed in (the config's messages, gcv_act_names). */
static const gcv_act acts[] = {
    [GCV_ACT_RELU] = {.name = "relu", .where = HIDDEN, .has_kink = 1,
                      .forward = relu_f, .backward = relu_b, .cvalue = relu_c},
    [GCV_ACT_LEAKY_RELU] = {.name = "leaky_relu", .where = HIDDEN, .has_kink = 1,
                            .forward = leaky_f, .backward = leaky_b, .cvalue = leaky_c},
    [GCV_ACT_TANH] = {.name = "tanh", .where = HIDDEN,
                      .forward = tanh_f, .backward = tanh_b, .cvalue = tanh_c, .near = tanh_n},
    [GCV_ACT_SIGMOID] = {.name = "sigmoid", .where = HIDDEN | OUTPUT, .forward = sigmoid_f,
                         .backward = sigmoid_b, .cvalue = sigmoid_c, .near = sigmoid_n},
    [GCV_ACT_SOFTMAX] = {.name = "softmax", .where = OUTPUT},
    [GCV_ACT_LINEAR] = {.name = "linear", .where = HIDDEN | OUTPUT,
                        .forward = linear_f, .backward = linear_b, .cvalue = linear_c},
};
#define N_ACTS (sizeof acts / sizeof acts[0])
_Static_assert(N_ACTS <= GCV_ACT_COUNT, "more activations than GCV_ACT_COUNT: raise it");

/* The table entry of an output activation the losses know by its entry alone (not
 * sigmoid, softmax or linear, which they take in closed form), or NULL. An id that is no
 * output activation is the identity there, as linear. */
static const gcv_act *out_entry(int out)
{
    if (out == GCV_ACT_SIGMOID || out == GCV_ACT_SOFTMAX || out == GCV_ACT_LINEAR ||
        out < 0 || (size_t)out >= N_ACTS || !(acts[out].where & GCV_ACT_OUTPUT))
        return NULL;
    return &acts[out];
}

/* ---- complex helpers for one output column ---- */

static double complex csoftplus(double complex x)
{
    return creal(x) > 0.0 ? x + clog(1.0 + cexp(-x)) : clog(1.0 + cexp(x));
}

static double complex clse(const double complex *z, size_t n, size_t st)
{
    double mx = creal(z[0]);
    for (size_t k = 1; k < n; k++)
        if (creal(z[k * st]) > mx)
            mx = creal(z[k * st]);
    double complex s = 0.0;
    for (size_t k = 0; k < n; k++)
        s += cexp(z[k * st] - mx);
    return mx + clog(s);
}

static double complex cout_value(int out, const double complex *z, size_t k, size_t st,
                                 double complex lse, double s)
{
    switch (out) {
    case GCV_ACT_SIGMOID: return sigmoid_c(z[k * st], 0.0);
    case GCV_ACT_SOFTMAX: return cexp(z[k * st] - lse);
    case GCV_ACT_LINEAR: return z[k * st];
    default: return out_entry(out) ? out_entry(out)->cvalue(z[k * st], s) : z[k * st];
    }
}

static double complex bce_ccost(int out, const double complex *z, const double *y, size_t n,
                                size_t st, double s)
{
    double complex sum = 0.0, lse = out == GCV_ACT_SOFTMAX ? clse(z, n, st) : 0.0;
    for (size_t k = 0; k < n; k++) {
        double yk = y[k * st];
        double complex log_a, log_1ma;
        if (out == GCV_ACT_SIGMOID) {
            log_a = -csoftplus(-z[k * st]);
            log_1ma = -csoftplus(z[k * st]);
        } else {
            double complex a = cout_value(out, z, k, st, lse, s);
            log_a = out == GCV_ACT_SOFTMAX ? z[k * st] - lse : clog(a);
            log_1ma = clog(1.0 - a);
        }
        if (yk != 0.0)
            sum -= yk * log_a;
        if (yk != 1.0)
            sum -= (1.0 - yk) * log_1ma;
    }
    return sum;
}

static double complex ce_ccost(int out, const double complex *z, const double *y, size_t n,
                               size_t st, double s)
{
    double complex sum = 0.0, lse = out == GCV_ACT_SOFTMAX ? clse(z, n, st) : 0.0;
    for (size_t k = 0; k < n; k++) {
        double yk = y[k * st];
        if (yk == 0.0)
            continue;
        double complex log_a = out == GCV_ACT_SOFTMAX   ? z[k * st] - lse
                               : out == GCV_ACT_SIGMOID ? -csoftplus(-z[k * st])
                                                        : clog(cout_value(out, z, k, st, 0.0, s));
        sum -= yk * log_a;
    }
    return sum;
}

static double complex mse_ccost(int out, const double complex *z, const double *y, size_t n,
                                size_t st, double s)
{
    double complex sum = 0.0, lse = out == GCV_ACT_SOFTMAX ? clse(z, n, st) : 0.0;
    for (size_t k = 0; k < n; k++) {
        double complex r = cout_value(out, z, k, st, lse, s) - y[k * st];
        sum += r * r;
    }
    return 0.5 * sum;
}

/* ---- helpers for one output column (n values, stride apart) ---- */

/* softplus(x) = log(1 + e^x), exact for large |x|. */
static double softplus(double x)
{
    return x > 0.0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double col_max(const double *z, size_t n, size_t st)
{
    double mx = z[0];
    for (size_t k = 1; k < n; k++)
        if (z[k * st] > mx)
            mx = z[k * st];
    return mx;
}

/* log Σ_k e^{z_k}, shifted by the maximum. */
static double col_lse(const double *z, size_t n, size_t st)
{
    double mx = col_max(z, n, st);
    if (!isfinite(mx))
        return mx;
    double s = 0.0;
    for (size_t k = 0; k < n; k++)
        s += exp(z[k * st] - mx);
    return mx + log(s);
}

/* Output activation value a_k of the column: softmax, sigmoid and linear in closed form, any
 * other elementwise activation through its table entry. */
static double out_value(int out, const double *z, size_t k, size_t st, double lse, double s)
{
    switch (out) {
    case GCV_ACT_SIGMOID: return sigmoid1(z[k * st]);
    case GCV_ACT_SOFTMAX: return exp(z[k * st] - lse);
    case GCV_ACT_LINEAR: return z[k * st];
    default: {
        const gcv_act *f = out_entry(out);
        double a = z[k * st];
        if (f)
            f->forward(&z[k * st], &a, 1, s);
        return a;
    }
    }
}

/* Maps ∂L/∂a (in dz) to ∂L/∂z in place for the output activation. */
static void out_backward(int out, const double *z, double *dz, size_t n, size_t st, double lse,
                         double s)
{
    const gcv_act *f = out_entry(out);
    if (f) {
        for (size_t k = 0; k < n; k++)
            f->backward(&z[k * st], NULL, &dz[k * st], 1, s);
    } else if (out == GCV_ACT_SIGMOID) {
        for (size_t k = 0; k < n; k++) {
            double a = sigmoid1(z[k * st]);
            dz[k * st] *= a * (1.0 - a);
        }
    } else if (out == GCV_ACT_SOFTMAX) {
        /* ∂L/∂z_k = a_k (∂L/∂a_k − Σ_j a_j ∂L/∂a_j) */
        double dot = 0.0;
        for (size_t k = 0; k < n; k++)
            dot += exp(z[k * st] - lse) * dz[k * st];
        for (size_t k = 0; k < n; k++)
            dz[k * st] = exp(z[k * st] - lse) * (dz[k * st] - dot);
    }
}

/* ---- losses ---- */

/* log σ(z) and log(1 − σ(z)) as −softplus(∓z), each x·[x > 0] + log1p(e^{−|z|}): the
 * bits of two softplus() calls with one log1p and one exp for both. */
static inline void log_sigmoids(double zk, double *log_a, double *log_1ma)
{
    double lz = log1p(exp(-fabs(zk)));
    *log_a = -(zk < 0.0 ? -zk + lz : lz);
    *log_1ma = -(zk > 0.0 ? zk + lz : lz);
}

/* One output's binary cross-entropy term, subtracted from sum; terms with a zero label
 * weight are skipped so that 0·log 0 counts as 0. */
static inline double bce_term(double sum, double yk, double log_a, double log_1ma)
{
    if (yk != 0.0)
        sum -= yk * log_a;
    if (yk != 1.0)
        sum -= (1.0 - yk) * log_1ma;
    return sum;
}

static double bce_cost(int out, const double *z, const double *y, size_t n, size_t st, double s)
{
    double sum = 0.0;
    double lse = out == GCV_ACT_SOFTMAX ? col_lse(z, n, st) : 0.0;
    for (size_t k = 0; k < n; k++) {
        double yk = y[k * st], zk = z[k * st];
        double log_a, log_1ma;
        if (out == GCV_ACT_SIGMOID) {
            log_sigmoids(zk, &log_a, &log_1ma);
        } else {
            double a = out_value(out, z, k, st, lse, s);
            log_a = out == GCV_ACT_SOFTMAX ? zk - lse : log(a);
            log_1ma = log1p(-a);
        }
        sum = bce_term(sum, yk, log_a, log_1ma);
    }
    return sum;
}

static void bce_delta(int out, const double *z, const double *y, double *dz, size_t n,
                      size_t st, double s)
{
    if (out == GCV_ACT_SIGMOID) {
        for (size_t k = 0; k < n; k++)
            dz[k * st] = sigmoid1(z[k * st]) - y[k * st];
        return;
    }
    double lse = out == GCV_ACT_SOFTMAX ? col_lse(z, n, st) : 0.0;
    for (size_t k = 0; k < n; k++) {
        double a = out_value(out, z, k, st, lse, s), yk = y[k * st];
        dz[k * st] = -yk / a + (1.0 - yk) / (1.0 - a);
    }
    out_backward(out, z, dz, n, st, lse, s);
}

static double ce_cost(int out, const double *z, const double *y, size_t n, size_t st, double s)
{
    double sum = 0.0;
    double lse = out == GCV_ACT_SOFTMAX ? col_lse(z, n, st) : 0.0;
    for (size_t k = 0; k < n; k++) {
        double yk = y[k * st];
        if (yk == 0.0)
            continue;
        double log_a;
        if (out == GCV_ACT_SOFTMAX)
            log_a = z[k * st] - lse;
        else if (out == GCV_ACT_SIGMOID)
            log_a = -softplus(-z[k * st]);
        else
            log_a = log(out_value(out, z, k, st, 0.0, s));
        sum -= yk * log_a;
    }
    return sum;
}

static void ce_delta(int out, const double *z, const double *y, double *dz, size_t n, size_t st,
                     double s)
{
    if (out == GCV_ACT_SOFTMAX) {
        double lse = col_lse(z, n, st), ysum = 0.0;
        for (size_t k = 0; k < n; k++)
            ysum += y[k * st];
        for (size_t k = 0; k < n; k++)
            dz[k * st] = exp(z[k * st] - lse) * ysum - y[k * st];
        return;
    }
    for (size_t k = 0; k < n; k++) {
        double yk = y[k * st];
        if (out == GCV_ACT_SIGMOID)
            dz[k * st] = -yk * (1.0 - sigmoid1(z[k * st]));
        else
            dz[k * st] = yk == 0.0 ? 0.0 : -yk / out_value(out, z, k, st, 0.0, s);
    }
    if (out != GCV_ACT_SIGMOID)
        out_backward(out, z, dz, n, st, 0.0, s);
}

static double mse_cost(int out, const double *z, const double *y, size_t n, size_t st, double s)
{
    double lse = out == GCV_ACT_SOFTMAX ? col_lse(z, n, st) : 0.0;
    double sum = 0.0;
    for (size_t k = 0; k < n; k++) {
        double r = out_value(out, z, k, st, lse, s) - y[k * st];
        sum += r * r;
    }
    return 0.5 * sum;
}

static void mse_delta(int out, const double *z, const double *y, double *dz, size_t n,
                      size_t st, double s)
{
    double lse = out == GCV_ACT_SOFTMAX ? col_lse(z, n, st) : 0.0;
    for (size_t k = 0; k < n; k++)
        dz[k * st] = out_value(out, z, k, st, lse, s) - y[k * st];
    out_backward(out, z, dz, n, st, lse, s);
}

/* The losses; a new one is one entry at the end, as for the activations. */
static const gcv_loss losses[] = {
    [GCV_LOSS_BCE] = {.name = "binary_cross_entropy",
                      .cost = bce_cost, .delta = bce_delta, .ccost = bce_ccost},
    [GCV_LOSS_SOFTMAX_CE] = {.name = "softmax_cross_entropy",
                             .cost = ce_cost, .delta = ce_delta, .ccost = ce_ccost},
    [GCV_LOSS_MSE] = {.name = "mse", .cost = mse_cost, .delta = mse_delta, .ccost = mse_ccost},
};
#define N_LOSSES (sizeof losses / sizeof losses[0])
_Static_assert(N_LOSSES <= GCV_LOSS_COUNT, "more losses than GCV_LOSS_COUNT: raise it");

const gcv_act *gcv_act_get(gcv_act_id id)
{
    return (size_t)id < N_ACTS ? &acts[id] : NULL;
}

double gcv_loss_sum(gcv_loss_id id, int out, const double *z, const double *y, size_t n,
                    size_t m, double slope)
{
    double sum = 0.0;
    if (id == GCV_LOSS_BCE && out == GCV_ACT_SIGMOID && n == 1) {
        /* One sigmoid output (a binary classifier, the deep bench net): bce_cost's
         * operations inline, without a call and its column set-up per example. */
        for (size_t j = 0; j < m; j++) {
            double log_a, log_1ma;
            log_sigmoids(z[j], &log_a, &log_1ma);
            sum += bce_term(0.0, y[j], log_a, log_1ma);
        }
        return sum;
    }
    const gcv_loss *loss = gcv_loss_get(id);
    for (size_t j = 0; j < m; j++)
        sum += loss->cost(out, z + j, y + j, n, m, slope);
    return sum;
}

const gcv_loss *gcv_loss_get(gcv_loss_id id)
{
    return (size_t)id < N_LOSSES ? &losses[id] : NULL;
}

int gcv_act_parse(const char *name, gcv_act_id *out)
{
    for (size_t i = 0; i < N_ACTS; i++)
        if (strcmp(name, acts[i].name) == 0) {
            *out = (gcv_act_id)i;
            return 0;
        }
    return -1;
}

int gcv_loss_parse(const char *name, gcv_loss_id *out)
{
    for (size_t i = 0; i < N_LOSSES; i++)
        if (strcmp(name, losses[i].name) == 0) {
            *out = (gcv_loss_id)i;
            return 0;
        }
    return -1;
}

size_t gcv_act_names(unsigned where, const char **names)
{
    size_t n = 0;
    for (size_t i = 0; i < N_ACTS; i++)
        if (acts[i].where & where)
            names[n++] = acts[i].name;
    return n;
}

size_t gcv_loss_names(const char **names)
{
    for (size_t i = 0; i < N_LOSSES; i++)
        names[i] = losses[i].name;
    return N_LOSSES;
}

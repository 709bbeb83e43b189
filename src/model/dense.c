/* The dense products of the MLP. The portable kernels keep one summation order per output
 * element (over j ascending from 0.0, then + b), so their bits are the same for any tiling,
 * vector width or thread count. With GCV_HAVE_BLAS (-Dblas=enabled) the larger products go
 * to BLIS instead: other bits, still the same for every thread count (see blas_gemm). */
#include "dense.h"

#include <string.h>

#include "vec.h"

#ifdef GCV_HAVE_BLAS
#include <blis.h>
#endif

/* ---- the portable forward kernel ---- */

#if GCV_HAVE_VEC
#define VW GCV_VW

/* One pass of the forward product: the sums over j in [j0, j1) of Z = W·A + b. A pass
 * that does not start at j = 0 continues from the partial sums it finds in Z, and only the
 * pass that ends at cols adds b: spilling a sum to Z and reloading it changes no bit. */
typedef struct pass {
    const double *w, *b, *a;
    double *z;
    size_t cols, m, j0, j1;
} pass;

/* Z[i0 .. i0+R, k0 .. k0+NV·VW) in registers: acc += W[i, j]·A[j, ·] for j ascending, then
 * Z = acc + b[i]. R ≤ 8 and NV ≤ 8 (R·NV ≤ 16) are constants after inlining, so acc is
 * R·NV vector registers and each vector of A loaded serves R rows. */
GCV_INLINE void tile(const pass *p, size_t i0, size_t k0, int R, int NV)
{
    const size_t m = p->m, cols = p->cols;
    double *z = p->z + i0 * m + k0;
    gcv_vec acc[8][8];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++)
            acc[r][v] = p->j0 == 0 ? gcv_vsplat(0.0)
                                   : gcv_vload(z + (size_t)r * m + (size_t)v * VW);
    const double *wi = p->w + i0 * cols;
    for (size_t j = p->j0; j < p->j1; j++) {
        gcv_vec av[8];
        for (int v = 0; v < NV; v++)
            av[v] = gcv_vload(p->a + j * m + k0 + (size_t)v * VW);
        for (int r = 0; r < R; r++) {
            const double c = wi[(size_t)r * cols + j];
            for (int v = 0; v < NV; v++)
                acc[r][v] += c * av[v];
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++)
            gcv_vstore(z + (size_t)r * m + (size_t)v * VW,
                       p->j1 == cols ? acc[r][v] + p->b[i0 + (size_t)r] : acc[r][v]);
}

/* Columns k0 .. m−1 (fewer than a vector, or m = 1) one at a time, R rows together so
 * that R sums advance side by side; each is the same scalar sum as above. */
GCV_INLINE void tile_tail(const pass *p, size_t i0, size_t k0, int R)
{
    const size_t m = p->m, cols = p->cols;
    const double *wi = p->w + i0 * cols;
    for (size_t k = k0; k < m; k++) {
        double s[8];
        for (int r = 0; r < R; r++)
            s[r] = p->j0 == 0 ? 0.0 : p->z[(i0 + (size_t)r) * m + k];
        for (size_t j = p->j0; j < p->j1; j++) {
            const double av = p->a[j * m + k];
            for (int r = 0; r < R; r++)
                s[r] += wi[(size_t)r * cols + j] * av;
        }
        for (int r = 0; r < R; r++)
            p->z[(i0 + (size_t)r) * m + k] = p->j1 == cols ? s[r] + p->b[i0 + (size_t)r] : s[r];
    }
}

GCV_INLINE void row_block(const pass *p, size_t i0, int R)
{
    /* Fewer rows, more vectors across: each accumulator is a chain of dependent adds, so a
     * tile of one or two rows needs 8 or 4 vectors of Z in flight to keep the adder busy
     * (the deep net's 1×64 output layer: 16 → 21 GFLOP/s per thread). */
    const int NW = R == 1 ? 8 : R == 2 ? 4 : 2;
    size_t k = 0;
    for (; k + (size_t)NW * VW <= p->m; k += (size_t)NW * VW)
        tile(p, i0, k, R, NW);
    for (; k + 2 * VW <= p->m; k += 2 * VW)
        tile(p, i0, k, R, 2);
    if (k + VW <= p->m) {
        tile(p, i0, k, R, 1);
        k += VW;
    }
    if (k < p->m)
        tile_tail(p, i0, k, R);
}

/* Rows of A per pass: about 512 KiB of A, so that a pass's rows stay in L2 while every
 * group of rows of W runs over them (the 12288-input layer on 209 examples needs 20 MB). */
#define PASS_DOUBLES 65536

static void own_forward(const double *w, const double *b, const double *a, double *z,
                        size_t rows, size_t cols, size_t m)
{
    if (m == 1 && rows * cols <= 256) {
        /* A few dot products (the small layers of one example): the plain loop is the
         * fastest, and the same sums. */
        for (size_t i = 0; i < rows; i++) {
            double s = 0.0;
            for (size_t j = 0; j < cols; j++)
                s += w[i * cols + j] * a[j];
            z[i] = s + b[i];
        }
        return;
    }
    size_t step = cols * m <= PASS_DOUBLES ? cols : PASS_DOUBLES / m > 0 ? PASS_DOUBLES / m : 1;
    for (size_t j0 = 0; j0 < cols; j0 += step) {
        pass p = {w, b, a, z, cols, m, j0, cols - j0 > step ? j0 + step : cols};
        size_t i = 0;
        for (; i + 8 <= rows; i += 8)
            row_block(&p, i, 8);
        /* The last 1 to 7 rows as one group, so A is read once more, not up to three
         * times (the 12288-input layer has 5 rows). */
        switch (rows - i) {
        case 7: row_block(&p, i, 7); break;
        case 6: row_block(&p, i, 6); break;
        case 5: row_block(&p, i, 5); break;
        case 4: row_block(&p, i, 4); break;
        case 3: row_block(&p, i, 3); break;
        case 2: row_block(&p, i, 2); break;
        case 1: row_block(&p, i, 1); break;
        default: break;
        }
    }
}

#else /* no vector extensions: one row at a time, the same order */

static void own_forward(const double *w, const double *b, const double *a, double *z,
                        size_t rows, size_t cols, size_t m)
{
    for (size_t i = 0; i < rows; i++) {
        double *zi = z + i * m;
        const double *wi = w + i * cols;
        for (size_t k = 0; k < m; k++)
            zi[k] = 0.0;
        for (size_t j = 0; j < cols; j++)
            for (size_t k = 0; k < m; k++)
                zi[k] += wi[j] * a[j * m + k];
        for (size_t k = 0; k < m; k++)
            zi[k] += b[i];
    }
}

#endif

/* ---- the portable backward kernels (run once per check: plain loops) ---- */

static void own_weight_grad(const double *d, const double *a, double *gw, size_t rows,
                            size_t cols, size_t m)
{
    for (size_t i = 0; i < rows; i++) {
        const double *di = d + i * m;
        for (size_t j = 0; j < cols; j++) {
            const double *aj = a + j * m;
            double s = 0.0;
            for (size_t k = 0; k < m; k++)
                s += di[k] * aj[k];
            gw[i * cols + j] = s;
        }
    }
}

static void own_input_grad(const double *w, const double *d, double *da, size_t rows,
                           size_t cols, size_t m)
{
    memset(da, 0, cols * m * sizeof *da);
    for (size_t i = 0; i < rows; i++) {
        const double *di = d + i * m;
        for (size_t j = 0; j < cols; j++) {
            const double wij = w[i * cols + j];
            double *dj = da + j * m;
            for (size_t k = 0; k < m; k++)
                dj[k] += wij * di[k];
        }
    }
}

/* ---- BLIS ---- */

#ifdef GCV_HAVE_BLAS
/* Products of fewer multiply-adds stay on the portable kernel: a BLIS call costs about a
 * microsecond before it multiplies anything (5×5×1 ran at 0.08 GFLOP/s), and the kernel
 * is as fast up to about 16×16×16 (scripts/kernel_bench). The choice depends on the shape
 * alone, so every thread makes the same one. */
#define BLAS_MIN 16384.0

static int use_blas(size_t rows, size_t cols, size_t m)
{
    return (double)rows * (double)cols * (double)m >= BLAS_MIN;
}

/* C (m × n, row-major) = A·B, A and B given by their row and column strides. BLIS is
 * thread-safe in every flavour (its FAQ: pthreads are used for that unconditionally), and
 * each calling thread passes its own buffers. The rntm_t asks for one thread: whichever
 * flavour the libblis.so.4 alternative resolves to at run time, no product is split among
 * threads, so its summation order, and the report's bits, do not depend on the thread
 * count of the check (or on OMP_NUM_THREADS / BLIS_NUM_THREADS). */
static void blas_gemm(size_t m, size_t n, size_t k, const double *a, size_t rsa, size_t csa,
                      const double *b, size_t rsb, size_t csb, double *c)
{
    rntm_t rntm = BLIS_RNTM_INITIALIZER;
    bli_rntm_set_num_threads(1, &rntm);
    double one = 1.0, zero = 0.0;
    /* BLIS takes non-const pointers but writes only C. */
    bli_dgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n, (dim_t)k, &one,
                 (double *)a, (inc_t)rsa, (inc_t)csa, (double *)b, (inc_t)rsb, (inc_t)csb,
                 &zero, c, (inc_t)n, 1, NULL, &rntm);
}
#endif

/* ---- the entry points ---- */

void gcv_dense_forward(const double *w, const double *b, const double *a, double *z,
                       size_t rows, size_t cols, size_t m)
{
#ifdef GCV_HAVE_BLAS
    if (use_blas(rows, cols, m)) {
        blas_gemm(rows, m, cols, w, cols, 1, a, m, 1, z);
        for (size_t i = 0; i < rows; i++)
            for (size_t k = 0; k < m; k++)
                z[i * m + k] += b[i];
        return;
    }
#endif
    own_forward(w, b, a, z, rows, cols, m);
}

void gcv_dense_weight_grad(const double *d, const double *a, double *gw, double *gb,
                           size_t rows, size_t cols, size_t m)
{
    for (size_t i = 0; i < rows; i++) {
        double s = 0.0;
        for (size_t k = 0; k < m; k++)
            s += d[i * m + k];
        gb[i] = s;
    }
#ifdef GCV_HAVE_BLAS
    if (use_blas(rows, cols, m)) {
        blas_gemm(rows, cols, m, d, m, 1, a, 1, m, gw); /* Aᵀ: A read column-wise */
        return;
    }
#endif
    own_weight_grad(d, a, gw, rows, cols, m);
}

void gcv_dense_input_grad(const double *w, const double *d, double *da, size_t rows,
                          size_t cols, size_t m)
{
#ifdef GCV_HAVE_BLAS
    if (use_blas(rows, cols, m)) {
        blas_gemm(cols, m, rows, w, 1, cols, d, m, 1, da); /* Wᵀ: W read column-wise */
        return;
    }
#endif
    own_input_grad(w, d, da, rows, cols, m);
}

const char *gcv_dense_kernels(void)
{
#if defined(GCV_HAVE_BLAS) && defined(GCV_FMA)
    return "blis+fma";
#elif defined(GCV_HAVE_BLAS)
    return "blis";
#elif defined(GCV_FMA)
    return "portable+fma";
#else
    return "portable";
#endif
}

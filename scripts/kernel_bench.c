/* The MLP's dense kernel (gcv_dense_forward of the build it is linked with) against
 * serial BLAS dgemm, inside an OpenMP loop as in the check: every thread computes its own
 * products on its own buffers. Prints GFLOP/s per thread, the best of REPEATS runs.
 *   kernel_bench [--blis LIBBLIS.so] [--openblas LIBOPENBLAS.so]
 * Each BLAS is opened with dlopen (RTLD_LOCAL, so the two never see each other's symbols)
 * and called through cblas_dgemm: BLIS's serial flavour runs one thread per call by itself;
 * OpenBLAS is told openblas_set_num_threads(1). Built by meson (target kernel-bench, linked
 * with the internal library) and run by scripts/bench. */
#include <dlfcn.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/dense.h"

/* cblas_dgemm with the enums as their values (CblasRowMajor 101, CblasNoTrans 111). */
typedef void (*dgemm_fn)(int order, int ta, int tb, int m, int n, int k, double alpha,
                         const double *a, int lda, const double *b, int ldb, double beta,
                         double *c, int ldc);

/* GFLOP/s per thread of reps products rows × cols × m on every thread; gemm NULL: the
 * kernel. */
static double run(dgemm_fn gemm, size_t rows, size_t cols, size_t m, long reps)
{
    double t = 0.0;
#pragma omp parallel reduction(max : t)
    {
        double *w = malloc(rows * cols * sizeof *w), *a = malloc(cols * m * sizeof *a);
        double *z = malloc(rows * m * sizeof *z), *b = calloc(rows, sizeof *b);
        for (size_t i = 0; i < rows * cols; i++)
            w[i] = (double)(i % 7) * 0.1 - 0.3;
        for (size_t i = 0; i < cols * m; i++)
            a[i] = (double)(i % 5) * 0.2 - 0.4;
#pragma omp barrier
        double t0 = omp_get_wtime();
        for (long r = 0; r < reps; r++) {
            if (gemm)
                gemm(101, 111, 111, (int)rows, (int)m, (int)cols, 1.0, w, (int)cols, a, (int)m,
                     0.0, z, (int)m);
            else
                gcv_dense_forward(w, b, a, z, rows, cols, m);
        }
        t = omp_get_wtime() - t0;
        free(w);
        free(a);
        free(z);
        free(b);
    }
    return 2.0 * (double)(rows * cols * m) * (double)reps / t / 1e9;
}

static dgemm_fn open_blas(const char *path, int openblas)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "kernel_bench: %s\n", dlerror());
        return NULL;
    }
    if (openblas) {
        void (*set)(int) = NULL;
        *(void **)&set = dlsym(h, "openblas_set_num_threads");
        if (set)
            set(1);
    }
    dgemm_fn f = NULL;
    *(void **)&f = dlsym(h, "cblas_dgemm");
    return f;
}

int main(int argc, char **argv)
{
    dgemm_fn blis = NULL, openblas = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--blis"))
            blis = open_blas(argv[i + 1], 0);
        else if (!strcmp(argv[i], "--openblas"))
            openblas = open_blas(argv[i + 1], 1);
    }
    static const struct { const char *name; size_t r, c, m; } shapes[] = {
        {"784 net, layer 1 (256×784, m 64)", 256, 784, 64},
        {"784 net, layer 2 (128×256, m 64)", 128, 256, 64},
        {"784 net, layer 3 (10×128, m 64)", 10, 128, 64},
        {"deep net, hidden (64×64, m 128)", 64, 64, 128},
        {"deep net, output (1×64, m 128)", 1, 64, 128},
        {"12288 net, layer 1 (5×12288, m 209)", 5, 12288, 209},
        {"12288 net, layer 2 (5×5, m 209)", 5, 5, 209},
        {"12288 net, layer 1 (5×12288, m 1)", 5, 12288, 1},
        {"12288 net, layer 2 (5×5, m 1)", 5, 5, 1},
    };
    enum { REPEATS = 3 };
    printf("| shape (%d threads, GFLOP/s per thread, best of %d) | kernel | BLIS dgemm | "
           "OpenBLAS dgemm |\n|---|---|---|---|\n",
           omp_get_max_threads(), REPEATS);
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        double flops = 2.0 * (double)(shapes[s].r * shapes[s].c * shapes[s].m);
        long reps = (long)(4e8 / flops) + 1;
        double best[3] = {0, 0, 0};
        dgemm_fn fn[3] = {NULL, blis, openblas};
        for (int k = 0; k < REPEATS; k++) /* interleaved, so a busy moment hits all three */
            for (int v = 0; v < 3; v++) {
                if (v && !fn[v])
                    continue;
                double g = run(fn[v], shapes[s].r, shapes[s].c, shapes[s].m, reps);
                best[v] = g > best[v] ? g : best[v];
            }
        printf("| %s | %.1f |", shapes[s].name, best[0]);
        for (int v = 1; v < 3; v++)
            printf(fn[v] ? " %.1f |" : " - |", best[v]);
        printf("\n");
    }
    return 0;
}

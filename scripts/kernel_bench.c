/* The dense kernel of the MLP against a serial BLAS (cblas_dgemm, one BLAS thread per OpenMP
 * thread) on the forward shapes of the benchmark cases, each OpenMP thread computing its own
 * products as in the check's loop. Prints GFLOP/s per thread for both.
 * Built and run by scripts/bench when OpenBLAS's development files are installed. */
#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/mlp.h"

void openblas_set_num_threads(int n);

static double run(int blas, size_t rows, size_t cols, size_t m, int reps)
{
    double t0 = omp_get_wtime();
#pragma omp parallel
    {
        double *w = malloc(rows * cols * sizeof *w), *a = malloc(cols * m * sizeof *a);
        double *z = malloc(rows * m * sizeof *z), *b = calloc(rows, sizeof *b);
        for (size_t i = 0; i < rows * cols; i++)
            w[i] = (double)(i % 7) * 0.1;
        for (size_t i = 0; i < cols * m; i++)
            a[i] = (double)(i % 5) * 0.2;
        for (int r = 0; r < reps; r++) {
            if (blas)
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)m,
                            (int)cols, 1.0, w, (int)cols, a, (int)m, 0.0, z, (int)m);
            else
                gcv_dense_forward(w, b, a, z, rows, cols, m);
        }
        free(w);
        free(a);
        free(z);
        free(b);
    }
    /* Every thread did reps products: this is the rate of one thread. */
    double t = omp_get_wtime() - t0;
    return 2.0 * (double)(rows * cols * m) * reps / t / 1e9;
}

int main(void)
{
    openblas_set_num_threads(1);
    static const struct { const char *name; size_t r, c, m; } shapes[] = {
        {"784 net, layer 1 (256×784, m 64)", 256, 784, 64},
        {"784 net, layer 2 (128×256, m 64)", 128, 256, 64},
        {"784 net, layer 3 (10×128, m 64)", 10, 128, 64},
        {"deep net (64×64, m 128)", 64, 64, 128},
        {"12288 net, layer 1 (5×12288, m 209)", 5, 12288, 209},
        {"12288 net, layer 2 (5×5, m 209)", 5, 5, 209},
    };
    printf("| shape (%d threads) | own kernel GFLOP/s per thread | OpenBLAS dgemm GFLOP/s per thread |\n|---|---|---|\n", omp_get_max_threads());
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        double flops = 2.0 * (double)(shapes[s].r * shapes[s].c * shapes[s].m);
        int reps = (int)(2e9 / flops) + 1;
        double own = run(0, shapes[s].r, shapes[s].c, shapes[s].m, reps);
        double blas = run(1, shapes[s].r, shapes[s].c, shapes[s].m, reps);
        printf("| %s | %.1f | %.1f |\n", shapes[s].name, own, blas);
    }
    return 0;
}

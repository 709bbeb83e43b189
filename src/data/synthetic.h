/* Synthetic data for a network of n0 inputs and n_out outputs, reproducible from a seed: X
 * drawn from N(0, 1), labels from a random linear teacher, balanced for every loss (see
 * synthetic.c for the exact draws). */
#ifndef GCV_DATA_SYNTHETIC_H
#define GCV_DATA_SYNTHETIC_H

#include <stddef.h>
#include <stdint.h>

#include "gcverify/gcverify.h"
#include "model/act.h"

/* The teacher costs n0·n_out·m multiply-adds, taken a block of examples at a time (X read
 * once), after n0·m Gaussian draws. Past 2^29 (about half a second on a current machine for
 * the teacher, many seconds under sanitizers) generating test data costs more than it is
 * worth, so callers refuse such a request up front (the config fuzzer found one that took
 * minutes). 2^29 admits MNIST's size: 784 inputs × 10 outputs × 60,000 examples is 4.7e8. */
#define GCV_SYNTHETIC_MAX_WORK 536870912.0

/* X (n0 × m) and Y (n_out × m) for loss, new arrays in *x and *y that the caller frees.
 * GCV_ERR_NOMEM when allocation fails (*x and *y then NULL). */
gcv_status gcv_synthetic(size_t n0, size_t n_out, size_t m, gcv_loss_id loss, uint64_t seed,
                         double **x, double **y);

#endif

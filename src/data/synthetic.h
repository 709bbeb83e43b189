/* Synthetic data for a network of n0 inputs and n_out outputs, reproducible from a seed: X
 * drawn from N(0, 1), labels from a random linear teacher, balanced for every loss (see
 * synthetic.c for the exact draws). */
#ifndef GCV_DATA_SYNTHETIC_H
#define GCV_DATA_SYNTHETIC_H

#include <stddef.h>
#include <stdint.h>

#include "gcverify/gcverify.h"
#include "model/act.h"

/* The teacher costs n0·n_out·m multiply-adds: past 2^27 (a tenth of a second on a current
 * machine, many seconds under sanitizers) generating test data costs more than it is worth,
 * so callers refuse such a request up front (the config fuzzer found one that took
 * minutes). */
#define GCV_SYNTHETIC_MAX_WORK 134217728.0

/* X (n0 × m) and Y (n_out × m) for loss, new arrays in *x and *y that the caller frees.
 * GCV_ERR_NOMEM when allocation fails (*x and *y then NULL). */
gcv_status gcv_synthetic(size_t n0, size_t n_out, size_t m, gcv_loss_id loss, uint64_t seed,
                         double **x, double **y);

#endif

/* The built-in MLP's share of a check's memory, known from the layer sizes before the model
 * is built (the memory guard refuses a check before its data is read). The engine's share
 * is in engine/memory.h. */
#ifndef GCV_MLP_SIZE_H
#define GCV_MLP_SIZE_H

#include <stddef.h>

/* Bytes for m examples: X and Y once (n0 + n_L doubles an example), and for each of
 * `copies` concurrent evaluations the forward and backward buffers (about 4 doubles a unit
 * and example). Saturates at SIZE_MAX. */
size_t gcv_mlp_bytes(size_t n_layers, const size_t *sizes, size_t m, size_t copies);

/* The same in floating point, for messages that show sizes beyond SIZE_MAX. */
double gcv_mlp_bytes_f(size_t n_layers, const size_t *sizes, size_t m, size_t copies);

#endif

/* The built-in MLP's share of a check's memory, known from the layer sizes before the model
 * is built (the memory guard refuses a check before its data is read). The engine's share
 * is in engine/memory.h. */
#ifndef GCV_MLP_SIZE_H
#define GCV_MLP_SIZE_H

#include <stddef.h>

/* Bytes for m examples: X and Y as loaded and the model's part-major copy, the cached pass
 * at θ0 (Z_l of every layer and A_l of the hidden ones, all examples), and for each of
 * `copies` concurrent evaluations, plus the gradient's, a workspace of one part
 * (GCV_MLP_PART examples at most): its Z and A, and 4 × the widest layer (never the input)
 * for backprop's scratch. Dropout masks (2 doubles a hidden unit and example while the model
 * is built) are not counted. Saturates at SIZE_MAX. */
size_t gcv_mlp_bytes(size_t n_layers, const size_t *sizes, size_t m, size_t copies);

/* The same in floating point, for messages that show sizes beyond SIZE_MAX. */
double gcv_mlp_bytes_f(size_t n_layers, const size_t *sizes, size_t m, size_t copies);

#endif

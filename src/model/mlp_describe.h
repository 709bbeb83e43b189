/* The one-line description of a built-in MLP that the reports show under its name. */
#ifndef GCV_MLP_DESCRIBE_H
#define GCV_MLP_DESCRIBE_H

#include <stddef.h>

#include "model/mlp.h"

/* "mlp 4-5-3-1, relu → sigmoid, binary_cross_entropy, l2 0.1, dropout keep 0.8" into buf
 * (truncated to n bytes); the hidden activations are listed one per layer ("tanh/relu")
 * unless they are all the same. */
void gcv_mlp_describe(const gcv_mlp_spec *spec, char *buf, size_t n);

#endif

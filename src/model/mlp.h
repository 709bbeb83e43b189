/* The built-in multilayer perceptron as a gcv_model: Z_l = W_l·A_{l−1} + b_l,
 * θ = [W1, b1, W2, b2, …] row-major, X of shape (n0, m) and Y of shape (n_L, m), as in
 * doc/config.md. The model glue is mlp.c; a layer's steps (forward, backward, complex-step,
 * incremental) are layer.h, the activations and losses act.h, the faults inject.h. */
#ifndef GCV_MLP_H
#define GCV_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "gcverify/gcverify.h"
#include "act.h"
#include "inject.h"
#include "util/watch.h"

/* Everything that defines the network and its data. The MLP copies what it keeps. */
typedef struct gcv_mlp_spec {
    size_t n_layers;           /* L: number of weight layers; sizes has L+1 entries */
    const size_t *sizes;       /* n0, n1, …, n_L */
    const gcv_act_id *hidden;  /* L−1 hidden activations */
    double leaky_slope;
    gcv_act_id output;         /* sigmoid | softmax | linear */
    gcv_loss_id loss;
    double l2;                 /* λ */
    double keep_prob;          /* 1: no dropout */
    uint64_t dropout_seed;
    const gcv_inject *inject;
    size_t n_inject;
    const double *theta;       /* P values in θ order */
    const double *x;           /* n0 × m, row-major: one column per example */
    const double *y;           /* n_L × m */
    size_t m;
} gcv_mlp_spec;

/* Number of parameters of the network sizes[0..n_layers], or 0 on size_t overflow. */
size_t gcv_mlp_param_count(size_t n_layers, const size_t *sizes);

/* Builds the model. On GCV_OK *out is a new model freed with gcv_model_free(). The spec's
 * arrays are copied; the caller keeps ownership of them. */
gcv_status gcv_mlp_new(const gcv_mlp_spec *spec, gcv_model **out, gcv_error *err);

/* The same within a run's limits w (NULL: none), which the two long passes of the set-up
 * look at between layers: the cached pass at θ0 (here) and the gradient at θ0. Stopped in
 * the first, the model is built incomplete: neither the incremental cost nor the kink count,
 * and a gradient that fails, saying why. Stopped in the second, that gradient call fails.
 * Cost evaluations are never stopped (the engine stops between parameters). */
gcv_status gcv_mlp_new_watched(const gcv_mlp_spec *spec, const gcv_watch *w, gcv_model **out,
                               gcv_error *err);

/* Fills θ for sizes with an initialisation scheme, reproducibly from seed:
 * he: W ~ N(0, 2/n_{l−1}); xavier: W ~ N(0, 2/(n_{l−1}+n_l)) (Glorot normal);
 * normal: W ~ N(0, scale²). Biases are zero, as in the seeds. Normals come from rng.h,
 * drawn block after block in θ order. */
typedef enum gcv_init_kind { GCV_INIT_HE = 0, GCV_INIT_XAVIER, GCV_INIT_NORMAL } gcv_init_kind;
void gcv_mlp_init(size_t n_layers, const size_t *sizes, gcv_init_kind kind, double scale,
                  uint64_t seed, double *theta);
/* The same, looking at the watch w (NULL: none) every GCV_WATCH_EVERY values: returns 1 when
 * it said stop (θ is then filled only in part), else 0. */
int gcv_mlp_init_watched(size_t n_layers, const size_t *sizes, gcv_init_kind kind, double scale,
                         uint64_t seed, double *theta, const gcv_watch *w);

#endif

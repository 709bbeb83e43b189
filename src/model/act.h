/* The activation and loss tables (act.c): one entry per function, holding its value, its
 * derivative, its complex-step form and its near form side by side. Adding an activation or
 * a loss is one entry in act.c's table: its id is its index there, and the names, the
 * parser and the lists the config and the man page test read all come from the table. */
#ifndef GCV_ACT_H
#define GCV_ACT_H

#include <complex.h>
#include <stddef.h>

/* An activation is its index in act.c's table. The constants are the entries other code
 * names (defaults, the losses' own forms of a sigmoid or softmax output, tests); an entry
 * without one is reached by name (gcv_act_parse). Ids are below GCV_ACT_COUNT, the room in
 * the table, so an array of GCV_ACT_COUNT holds one value per activation. */
typedef enum gcv_act_id {
    GCV_ACT_RELU = 0,
    GCV_ACT_LEAKY_RELU,
    GCV_ACT_TANH,
    GCV_ACT_SIGMOID,
    GCV_ACT_SOFTMAX, /* output only: normalises each column */
    GCV_ACT_LINEAR,
    GCV_ACT_COUNT = 32
} gcv_act_id;

/* A loss is its index in act.c's table, as an activation is. */
typedef enum gcv_loss_id {
    GCV_LOSS_BCE = 0,       /* binary_cross_entropy: −[y log a + (1−y) log(1−a)], summed over outputs */
    GCV_LOSS_SOFTMAX_CE,    /* softmax_cross_entropy: −Σ_k y_k log a_k */
    GCV_LOSS_MSE,           /* mse: ½ Σ_k (a_k − y_k)² */
    GCV_LOSS_COUNT = 16
} gcv_loss_id;

/* Where an activation may be used: a bit set of these. */
enum { GCV_ACT_HIDDEN = 1u, GCV_ACT_OUTPUT = 2u };

typedef struct gcv_act {
    const char *name;
    unsigned where; /* GCV_ACT_HIDDEN, GCV_ACT_OUTPUT or both */
    int has_kink;   /* non-differentiable at z = 0 (relu, leaky_relu) */
    /* a[i] = f(z[i]) for n elements (elementwise activations only; softmax, which
     * normalises a column, lives in the losses and has none of these functions). An output
     * activation other than sigmoid and linear, which the losses know in closed form, is
     * evaluated there through forward, backward and cvalue one element at a time. */
    void (*forward)(const double *z, double *a, size_t n, double slope);
    /* d[i] *= f'(z[i]); a is f(z) when the caller has it, or NULL to recompute it from z
     * (needed under dropout, where the stored activation is masked). */
    void (*backward)(const double *z, const double *a, double *d, size_t n, double slope);
    /* f(z) for complex z, from f's definition alone (never from its derivative), for the
     * complex-step method; kinks are decided on the real part. */
    double complex (*cvalue)(double complex z, double slope);
    /* a[i] = f(z[i]) from a nearby point whose value is known: a0[i] = forward's f(z0[i])
     * (the MLP's cached pass at θ0, for the incremental check). Cheaper than forward where
     * |z − z0| is small, exact-to-rounding there (within a few ulp of forward's value, not
     * its bits), forward's own bits elsewhere; the bits do not depend on n or the vector
     * width. a must not alias z (the fallback re-reads z after a is written). NULL where
     * forward is as cheap. */
    void (*near)(const double *z0, const double *a0, const double *z, double *a, size_t n,
                 double slope);
} gcv_act;

typedef struct gcv_loss {
    const char *name;
    /* Loss of one example from the output layer's pre-activations z (n values, stride
     * apart) and labels y (same layout), in a numerically stable form for out. */
    double (*cost)(int out, const double *z, const double *y, size_t n, size_t stride,
                   double slope);
    /* dz = ∂loss/∂z for the same column. */
    void (*delta)(int out, const double *z, const double *y, double *dz, size_t n,
                  size_t stride, double slope);
    /* The loss of one column for complex logits, from the loss's definition alone. */
    double complex (*ccost)(int out, const double complex *z, const double *y, size_t n,
                            size_t stride, double slope);
} gcv_loss;

/* The tanh of the activation table (inlined and vectorisable; ≤ 2 ulp from libm's). */
double gcv_tanh(double x);
/* tanh(z) from a nearby z0 and a0 = gcv_tanh(z0): the scalar form of the table's tanh near. */
double gcv_tanh_near(double z0, double a0, double z);
/* σ(z) from a nearby z0 and a0 = σ(z0): the scalar form of the table's sigmoid near. */
double gcv_sigmoid_near(double z0, double a0, double z);

const gcv_act *gcv_act_get(gcv_act_id id);
const gcv_loss *gcv_loss_get(gcv_loss_id id);
/* Σ_j of the loss of the m columns of z (n outputs × m examples, row-major) against y: the
 * bits of summing gcv_loss_get(id)->cost column by column, in column order. */
double gcv_loss_sum(gcv_loss_id id, int out, const double *z, const double *y, size_t n,
                    size_t m, double slope);
/* Name to id; return 0 on success, -1 if the name is unknown. */
int gcv_act_parse(const char *name, gcv_act_id *out);
int gcv_loss_parse(const char *name, gcv_loss_id *out);

/* The names of the activations usable where (GCV_ACT_HIDDEN, GCV_ACT_OUTPUT: those usable
 * in either place it names), in table order; names must hold GCV_ACT_COUNT entries.
 * Returns how many. */
size_t gcv_act_names(unsigned where, const char **names);
/* The loss names in table order; names must hold GCV_LOSS_COUNT entries. Returns how many. */
size_t gcv_loss_names(const char **names);

#endif

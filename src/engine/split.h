/* Sharing one evaluation's examples out over the threads; see split.c. */
#ifndef GCV_ENGINE_SPLIT_H
#define GCV_ENGINE_SPLIT_H

#include <stddef.h>

#include "gcverify/gcverify.h"

typedef struct gcv_split {
    gcv_model view;   /* first: the model as the loop sees it (its cost_perturbed shares the
                       * parts out); every other hook is the model's own */
    const gcv_model *m;
    int threads;      /* threads each evaluation runs on; 0: not split */
    void **ws;        /* a workspace per thread */
    double *shares;   /* the parts' shares of the last evaluation */
    size_t *kinks;    /* the kinks each part crossed */
    size_t last_kinks;
    int delegate;     /* 1: the last evaluation was the model's own cost() */
} gcv_split;

/* Decides whether a check of `work` parameters of m, evaluated through cost_perturbed
 * (incremental) with `method`, on *nt threads as the loop would run it, shares each
 * evaluation's parts out instead: then s->threads is the threads an evaluation gets, *model
 * is s's view and *nt is 1 (the loop takes one parameter at a time). Otherwise s is inert
 * and nothing changes. Returns 0, or -1 when out of memory. */
int gcv_split_begin(gcv_split *s, const gcv_model **model, const gcv_options *o, int incremental,
                    size_t work, int *nt);

/* The gradient and cost at θ with m's parts shared out over the threads o asks for, when m
 * has gradient_part and gradient_join, at least two parts and more than one thread is asked
 * for (*done = 1; the bits of m->gradient()); else *done = 0 and nothing is computed (also
 * when out of memory: the caller then runs m->gradient()). Returns 0, or non-zero when a
 * part or the join failed. */
int gcv_split_gradient(const gcv_model *m, const gcv_options *o, const double *theta,
                       double *grad, double *cost, int *done);

/* Frees s's buffers; returns the threads the check used: s->threads when split, else
 * loop_used. */
int gcv_split_end(gcv_split *s, int loop_used);

#endif

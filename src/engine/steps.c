/* The first pass's step per block, chosen from a pilot (Gill, Murray, Saunders and Wright's
 * idea: a step from the measured noise and curvature, not a constant).
 *
 * Why. A float model's cost carries noise of about u·|J| ≈ 1e-7·|J|, so the central
 * difference's error σ/h swamps a gradient entry of 1e-4 at the default ε = 2⁻⁸, while a
 * block whose cost is nearly quadratic in it (layernorm gains near 1, small weights) takes a
 * step of 0.1 or more with little truncation; another block (embeddings) wants small steps.
 * One ε for all gives noise in some blocks and truncation in others, and the escalation then
 * has to redo whole blocks.
 *
 * How. On the parameters the noise was measured on (up to 3 per block), the step ladder of
 * escalate.c gives the central step with the smallest estimated error (truncation from the
 * next rung, noise from the block's measured σ); the block's factor is the middle one of
 * those steps over max(|θᵢ|, 1). About 14 evaluations per sampled parameter in float.
 * Used where the engine is told to (gcv_options.step_pilot: the float defaults, when the
 * config sets no ε); serial, in index order. */
#include <math.h>
#include <stdlib.h>

#include "engine/internal.h"

#define PILOT_SAMPLE 3

static int ascending(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

void gcv_pilot_steps(const gcv_loop_ctx *c, double *th, void *ws, double *factor,
                     size_t *evals)
{
    const gcv_model *m = c->m;
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        size_t n = bl->rows * bl->cols, tries = n < PILOT_SAMPLE ? n : PILOT_SAMPLE, got = 0;
        double f[PILOT_SAMPLE];
        for (size_t k = 0; k < tries; k++) {
            if (gcv_watch_stopped(&c->watch)) {
                *c->halted = 1;
                break;
            }
            size_t i = gcv_block_index(bl, (2 * k + 1) * n / (2 * tries));
            double step = 0.0;
            unsigned e = 0;
            if (gcv_ladder_step(c, th, ws, i, &step, &e) == 0)
                f[got++] = step / fmax(fabs(m->theta[i]), 1.0);
            *evals += e;
        }
        qsort(f, got, sizeof *f, ascending);
        factor[b] = got ? f[got / 2] : -1.0;
    }
}

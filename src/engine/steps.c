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
 * How. On up to 3 parameters per block, those the noise was measured on (6 spread over a
 * block of 256 entries or more: PILOT_LARGE), the step ladder of escalate.c estimates
 * each rung's error (truncation from the next rung, noise from the block's measured σ);
 * the block takes the rung whose worst error over the sampled
 * parameters is smallest. The worst and not the typical one: the block's difference is
 * normalised by the block, so its largest entries' truncation matters, while a step too
 * small for a tiny entry costs only σ/h, the same absolute error for every entry (in an
 * attention block's fused Q, K, V weights the value rows want a step 16 times smaller than
 * the query and key rows; the median step made the block's first difference 1.9e-2, the
 * worst-case one 10 times less). Three samples do not see a block's largest truncation,
 * only its noise (measured per block), so a rung is taken only where its neighbours are
 * clearly worse; where one is close (PILOT_MID), the step between them. 10 evaluations per
 * sampled parameter in float, 8 where the noise measurement's points are the ladder's
 * (memo.c), 2 fewer where the top rung cannot change the choice (need_top: on the example
 * transformer in float, about 100 evaluations a run of the pilot's 564).
 * Used where the engine is told to (gcv_options.step_pilot: the float defaults, when
 * neither the config nor --epsilon names ε); serial, in index order. */
#include <math.h>
#include <stdlib.h>

#include "engine/internal.h"

#define PILOT_SAMPLE 3
/* A block of PILOT_LARGE entries or more takes twice the samples: 3 see a block's noise (the
 * same for every entry) but can miss its largest truncation. On the example transformer in
 * float: at GPT-2 init, seed 6, 3 of the 2,048 MLP weights missed the truncation a quarter of
 * them show at the step they chose, and escalation re-estimated 519 (1.55 × 2P for a correct
 * model; 1.17 with 6); at seed 9, 3 of the 256 token embeddings put the block at 2⁻⁵, where
 * its difference is 1.6e-2 and 2⁻⁸'s 3.5e-4, and escalation re-estimated 84 (1.146 × 2P; with
 * 6, none: 1.066). 36 evaluations more per such block (6 ladders of 10 where there were 3 of
 * 8: the 6 are not the noise measurement's points, so the memo spares none; placing them
 * there made the fused attention weights' samples all column 0, and 4 of 30 correct runs
 * cost over 1.1 × 2P). From 1,024 entries down to 256, the 30 correct runs at GPT-2 init
 * cost 1.0686 × 2P on average instead of 1.0675, the dearest 1.108 instead of 1.146. */
#define PILOT_LARGE 256
/* How close a neighbouring rung's worst error must come to the best rung's for the step
 * between them to be taken (see below). Chosen on the example transformer in float, 36
 * correct runs (GPT-2 init seeds 1-30, wide init 6 seeds), by the parameters escalation
 * then re-estimates (replayed from each parameter's central differences at every 2⁻ᵏ):
 * 889 taking the smaller of two rungs within 2 of each other instead of the step between,
 * 795 at 1.5, 477 at 2, 585 at 3, 1,233 at 4; at 2 all 160 runs of the matrix stay exact. */
#define PILOT_MID 2.0

/* Over the ran samples of a block: the worst error per rung of those that have a say (a
 * slope above the noise) into worst, each rung's factor into at, the fewest rungs any of
 * them holds into *rungs, and the largest lower bound on the error of the rung under a
 * missing top into *below_top (0 where every top was taken). Returns how many have a say. */
static int block_worst(const gcv_loop_ctx *c, const gcv_ladder_sample *smp, size_t ran,
                       double *worst, double *at, int *rungs, double *below_top)
{
    int got = 0;
    *rungs = GCV_LADDER_MAX;
    *below_top = 0.0;
    for (int q = 0; q < GCV_LADDER_MAX; q++)
        worst[q] = 0.0;
    for (size_t k = 0; k < ran; k++) {
        double fac[GCV_LADDER_MAX], err[GCV_LADDER_MAX], bt = 0.0;
        int r = gcv_ladder_errors(c, &smp[k], fac, err, &bt);
        if (r == 0)
            continue; /* no slope above the noise here: it has no say */
        *rungs = r < *rungs ? r : *rungs;
        *below_top = fmax(*below_top, bt);
        for (int q = 0; q < r; q++) {
            worst[q] = fmax(worst[q], err[q]);
            at[q] = fac[q];
        }
        got++;
    }
    return got;
}

/* Whether the block's samples, which hold every rung under the top, need their top rung:
 * only where the rung below it could be the block's choice or its neighbour. The top rung
 * is no candidate (nothing above tells its error); it tells the error of the rung below,
 * which is at least below_top. Where that is over PILOT_MID times the smallest worst error
 * of the rungs under it, the rung below the top is neither the least nor within PILOT_MID
 * of it, so the choice is the same with or without the top rung, bit for bit, and its 2
 * evaluations a sample are spared (on the example transformer in float, at about 50 of a
 * run's 63 samples; the pilot chose the same step for every block of 60 correct runs with
 * the top rung always taken and with this). A sample with a kink under the top, or with no
 * slope above the noise there (the top may show one), keeps the usual rules. */
static int need_top(const gcv_loop_ctx *c, const gcv_ladder_sample *smp, size_t ran)
{
    for (size_t k = 0; k < ran; k++)
        if (smp[k].n < smp[k].rungs - 1)
            return 1;
    double worst[GCV_LADDER_MAX], at[GCV_LADDER_MAX], lb;
    int rungs;
    if ((size_t)block_worst(c, smp, ran, worst, at, &rungs, &lb) < ran)
        return 1;
    double least = HUGE_VAL; /* the rung under the top has no error yet: HUGE_VAL */
    for (int q = 0; q < rungs; q++)
        least = fmin(least, worst[q]);
    return !(lb > PILOT_MID * least);
}

/* Stops the pilot where a stop or max_seconds says so. */
static int stopped(const gcv_loop_ctx *c)
{
    if (gcv_watch_stopped(&c->watch))
        *c->halted = 1;
    return *c->halted;
}

void gcv_pilot_steps(const gcv_loop_ctx *c, double *th, void *ws, double *factor,
                     size_t *evals)
{
    const gcv_model *m = c->m;
    for (size_t b = 0; b < m->n_blocks; b++) {
        const gcv_block *bl = &m->blocks[b];
        size_t n = bl->rows * bl->cols, tries = n < PILOT_SAMPLE ? n : PILOT_SAMPLE, ran = 0;
        if (n >= PILOT_LARGE)
            tries = 2 * PILOT_SAMPLE;
        gcv_ladder_sample smp[2 * PILOT_SAMPLE];
        size_t at_i[2 * PILOT_SAMPLE];
        unsigned e = 0;
        /* Every sample's rungs under the top first; then the top rung, where it can matter. */
        for (; ran < tries && !stopped(c); ran++) {
            at_i[ran] = gcv_block_index(bl, (2 * ran + 1) * n / (2 * tries));
            gcv_ladder_sample_run(c, th, ws, at_i[ran], 0, &smp[ran], &e);
        }
        if (!*c->halted && need_top(c, smp, ran))
            for (size_t k = 0; k < ran && !stopped(c); k++)
                gcv_ladder_sample_run(c, th, ws, at_i[k], 1, &smp[k], &e);
        *evals += e;
        double worst[GCV_LADDER_MAX], at[GCV_LADDER_MAX], lb;
        int rungs, got = block_worst(c, smp, ran, worst, at, &rungs, &lb);
        factor[b] = -1.0;
        double best = HUGE_VAL;
        int pick = -1;
        for (int q = 0; got && q < rungs; q++) {
            if (worst[q] < best) {
                best = worst[q];
                pick = q;
            }
        }
        if (pick < 0)
            continue;
        /* The rungs are 4 times apart, and a block's error is V-shaped in log h (noise σ/h
         * on one side, truncation h² on the other), so the best rung can be up to 1.4 times
         * worse than the step at the V's bottom. Where a neighbour is within PILOT_MID times
         * of it, the bottom lies between them: the geometric midpoint, twice or half the
         * rung's step, is taken (the lower neighbour wins a tie: truncation, 16 times the
         * smaller step's, is seen on the samples only, noise is the block's measurement). */
        int lo = pick > 0 && worst[pick - 1] <= PILOT_MID * worst[pick];
        int hi = pick + 1 < rungs && worst[pick + 1] <= PILOT_MID * worst[pick];
        factor[b] = at[pick];
        if (lo && (!hi || worst[pick - 1] <= worst[pick + 1]))
            factor[b] *= 0.5;
        else if (hi)
            factor[b] *= 2.0;
    }
}

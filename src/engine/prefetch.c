/* Announcing evaluations ahead: for a model with a prefetch hook (a worker process, whose
 * every answer costs a round trip through a pipe), the values the next chunk of parameters
 * will be evaluated at, computed exactly as the difference schemes will compute them (the
 * same step, the same rounded offsets, in the same order). The model answers them in one
 * batch; what the schemes then ask for that was not announced (a smaller step at a kink, the
 * second step of a truncation estimate, Ridders' tableau) it evaluates one by one. So the
 * announcement changes how many round trips are made, never a result. */
#include "engine/internal.h"

/* Evaluations per parameter at most (the five-point stencil's four). */
#define PER_PARAM 4

size_t gcv_loop_chunk(const gcv_model *m, size_t n_iter, int threads)
{
    if (!m->prefetch)
        return 8; /* in-process: a chunk is only the schedule's grain */
    /* A worker: one round trip per chunk, so as large as still leaves each thread four
     * chunks to balance with (a round trip costs as much as a few cheap evaluations). */
    size_t per = n_iter / (4 * (size_t)(threads > 0 ? threads : 1));
    return per < 8 ? 8 : per > GCV_PREFETCH_MAX ? GCV_PREFETCH_MAX : per;
}

void gcv_prefetch_chunk(const gcv_loop_ctx *c, void *ws, size_t k, size_t n_iter, size_t chunk)
{
    const gcv_model *m = c->m;
    const gcv_options *o = c->o;
    gcv_method me = o->method;
    if (!m->prefetch || !c->incremental ||
        !(me == GCV_METHOD_CENTRAL || me == GCV_METHOD_FORWARD ||
          me == GCV_METHOD_BACKWARD || me == GCV_METHOD_FIVE_POINT))
        return;
    size_t idx[GCV_PREFETCH_MAX * PER_PARAM];
    double val[GCV_PREFETCH_MAX * PER_PARAM];
    size_t n = 0;
    if (chunk > GCV_PREFETCH_MAX)
        chunk = GCV_PREFETCH_MAX;
    for (size_t j = k; j < k + chunk && j < n_iter; j++) {
        size_t i = o->subset ? o->subset[j] : j;
        double t = m->theta[i], h = gcv_step_for(c, t, i);
        double off[PER_PARAM];
        int cnt = 0;
        if (me == GCV_METHOD_FIVE_POINT) {
            off[cnt++] = -2.0 * h;
            off[cnt++] = -h;
            off[cnt++] = h;
            off[cnt++] = 2.0 * h;
        } else {
            if (me != GCV_METHOD_BACKWARD)
                off[cnt++] = h;
            if (me != GCV_METHOD_FORWARD)
                off[cnt++] = -h;
        }
        for (int e = 0; e < cnt; e++) {
            double v = gcv_model_offset(m, t, off[e]), held;
            size_t kinks;
            if (c->memo && gcv_memo_get(c->memo, i, v, &held, &kinks))
                continue; /* the serial phases' (memo.c): not asked for again */
            idx[n] = i;
            val[n++] = v;
        }
    }
    gcv_trace_mark(c->slot, GCV_PHASE_COST_PERTURBED, o->subset ? o->subset[k] : k);
    (void)m->prefetch(m, ws, idx, val, n);
}

/* The memory a check needs and the memory the machine has: what the kernel says is
 * available (capped by a container's limit), the engine's own share of a check, and the
 * saturating size arithmetic the estimates use (SIZE_MAX: more than can ever be had). The
 * model's share comes from the model (model/mlp_size.h for the built-in MLP, ws_bytes for
 * any model). */
#ifndef GCV_ENGINE_MEMORY_H
#define GCV_ENGINE_MEMORY_H

#include <stddef.h>
#include <stdint.h>

static inline size_t gcv_sat_mul(size_t a, size_t b)
{
    return (a && b > SIZE_MAX / a) ? SIZE_MAX : a * b;
}

static inline size_t gcv_sat_add(size_t a, size_t b)
{
    return b > SIZE_MAX - a ? SIZE_MAX : a + b;
}

/* Bytes the machine can give a check: MemAvailable, or sysconf's free pages where /proc is
 * missing, capped by a cgroup v2 limit; SIZE_MAX when nothing says (a check is not refused
 * on a guess). */
size_t gcv_available_memory(void);

/* The threads a check runs on: threads when positive, else OpenMP's count. */
size_t gcv_check_threads(int threads);

/* The engine's bytes for a check of P parameters on `threads` threads, as estimated before
 * the model exists: about 10 doubles a parameter once (θ, the gradient, the per-parameter
 * results) and a θ copy per thread. */
size_t gcv_engine_bytes(size_t P, size_t threads);
/* The same in floating point, for messages that show sizes beyond SIZE_MAX. */
double gcv_engine_bytes_f(size_t P, size_t threads);

/* The bytes of a whole check of a model of P parameters whose cost needs a workspace of
 * ws_bytes: per thread a θ copy and a workspace; once θ, the gradient and its workspace,
 * the result slots (64 bytes each) and an index list. */
size_t gcv_engine_model_bytes(size_t P, size_t ws_bytes, size_t threads);

#endif

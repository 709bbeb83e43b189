/* A run's limits as its set-up sees them: a stop flag (set from a signal handler) and a
 * deadline on the monotonic clock. Initialising θ, building a model's cached pass and the
 * check's own set-up look at one between steps, so that a stop or a --max-seconds that passes
 * during them ends them early instead of after all of their work. A watch only goes one way:
 * once it says stop it always will (the flag is never cleared during a run and the clock does
 * not go back), so every later step of the same run sees the stop too. Header only. */
#ifndef GCV_UTIL_WATCH_H
#define GCV_UTIL_WATCH_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

typedef struct gcv_watch {
    const volatile sig_atomic_t *stop; /* non-zero: stop; NULL: no flag */
    double deadline;                   /* gcv_clock_now() seconds; 0: none */
} gcv_watch;

/* Seconds on CLOCK_MONOTONIC (the clock gcv_options.started is read on). */
static inline double gcv_clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The watch of a run that began at started (gcv_clock_now() seconds; 0: unknown, then no
 * deadline) with a limit of max_seconds (0: none) and the stop flag stop (NULL: none). The
 * engine's own deadline is the same sum (gcv_check), so both say stop at the same instant. */
static inline gcv_watch gcv_watch_of(const volatile sig_atomic_t *stop, double started,
                                     double max_seconds)
{
    gcv_watch w = {stop, 0.0};
    if (max_seconds > 0.0 && started > 0.0)
        w.deadline = started + max_seconds;
    return w;
}

/* 1 when w (NULL: no limits) says stop now. */
static inline int gcv_watch_stopped(const gcv_watch *w)
{
    if (!w)
        return 0;
    if (w->stop && *w->stop)
        return 1;
    return w->deadline > 0.0 && gcv_clock_now() > w->deadline;
}

/* How often the long loops of a set-up (θ initialised value by value, a copy made in
 * chunks) look at their watch: every this many values, a few milliseconds of work. */
#define GCV_WATCH_EVERY ((size_t)1 << 18)

#endif

/* The progress bar on stderr while a check runs: only on a terminal, never with --quiet. */
#ifndef GCV_CLI_PROGRESS_H
#define GCV_CLI_PROGRESS_H

#include <stddef.h>

/* 1 when the bar is to be shown: not quiet, and stderr is a terminal. */
int gcv_progress_wanted(int quiet);

/* gcv_options.progress: redraws the bar ("[=====     ]  50% 10/20 params · 8/s · 1 s left");
 * the rate and the time left only once parameters have been done for a second, measured
 * from the first frame that had some (never from the set-up before). */
void gcv_progress_show(void *ctx, size_t done, size_t total, double seconds);

/* Erases the bar with blanks (no escape sequence), so the reports start on a clean line. */
void gcv_progress_clear(void);

#endif

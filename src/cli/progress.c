/* The progress bar (see progress.h). */
#include "cli/progress.h"

#include <stdio.h>
#include <unistd.h>

int gcv_progress_wanted(int quiet)
{
    return !quiet && isatty(STDERR_FILENO);
}

void gcv_progress_show(void *ctx, size_t done, size_t total, double seconds)
{
    (void)ctx;
    int width = 30, fill = total ? (int)((double)width * (double)done / (double)total) : 0;
    double rate = seconds > 0.0 ? (double)done / seconds : 0.0;
    double left = rate > 0.0 ? (double)(total - done) / rate : 0.0;
    fprintf(stderr, "\r[%.*s%*s] %3.0f%% %zu/%zu params · %.0f/s · %.0f s left ",
            fill, "==============================", width - fill, "",
            total ? 100.0 * (double)done / (double)total : 100.0, done, total, rate, left);
}

void gcv_progress_clear(void)
{
    fputs("\r\033[K", stderr);
}

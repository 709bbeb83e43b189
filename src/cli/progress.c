/* The progress bar (see progress.h). It draws with "\r" and spaces only, no escape sequence
 * (not even ESC[K to erase), so NO_COLOR and terminals without ANSI get plain text. */
#include "cli/progress.h"

#include <stdio.h>
#include <unistd.h>

/* The estimate needs this much time since the first parameter was done: the first frames
 * come 0.1 s into a check whose set-up (gradient, first touch of θ copies) has no parameter
 * to show for it, and a rate taken over them promised "30281 s left". */
#define ETA_WINDOW 1.0

/* One check's bar, drawn from one thread (gcv_options.progress says so). */
static struct {
    int anchored;       /* a frame with parameters done was seen */
    size_t done0;       /* parameters done at that frame */
    double seconds0;    /* and its time */
    int width;          /* columns of the last frame, to erase or overwrite */
} bar;

int gcv_progress_wanted(int quiet)
{
    return !quiet && isatty(STDERR_FILENO);
}

/* Display columns of s: UTF-8 continuation bytes take none ("·" is two bytes, one column). */
static int columns(const char *s)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

void gcv_progress_show(void *ctx, size_t done, size_t total, double seconds)
{
    (void)ctx;
    if (bar.anchored && done < bar.done0)
        bar.anchored = 0; /* a new check */
    if (!bar.anchored && done > 0) {
        bar.anchored = 1;
        bar.done0 = done;
        bar.seconds0 = seconds;
    }
    char line[256];
    int width = 30, fill = total ? (int)((double)width * (double)done / (double)total) : 0;
    int k = snprintf(line, sizeof line, "[%.*s%*s] %3.0f%% %zu/%zu params", fill,
                     "==============================", width - fill, "",
                     total ? 100.0 * (double)done / (double)total : 100.0, done, total);
    double span = seconds - bar.seconds0;
    if (bar.anchored && span >= ETA_WINDOW && done > bar.done0 && k > 0 &&
        (size_t)k < sizeof line) {
        double rate = (double)(done - bar.done0) / span;
        snprintf(line + k, sizeof line - (size_t)k, " · %.0f/s · %.0f s left", rate,
                 (double)(total - done) / rate);
    }
    int cols = columns(line);
    /* Over a longer previous frame: blanks, not an erase sequence. */
    fprintf(stderr, "\r%s%*s", line, bar.width > cols ? bar.width - cols : 0, "");
    bar.width = cols > bar.width ? cols : bar.width;
}

void gcv_progress_clear(void)
{
    if (bar.width)
        fprintf(stderr, "\r%*s\r", bar.width, "");
    bar.anchored = 0;
    bar.width = 0;
}

/* What output.c asks of the plan (output-plan.c): the inputs it must not replace. */
#ifndef GCV_OUTPUT_PRIV_H
#define GCV_OUTPUT_PRIV_H

#include <stddef.h>

/* The longest output path taken, its terminating NUL included (Linux's PATH_MAX): a longer
 * one is refused with its length, never cut. */
#define GCV_OUT_PATH_MAX 4096

/* 1 when the file at path is an input of this run (gcv_output_input), what it is into what
 * (n bytes); else 0. */
int gcv_output_is_input(const char *path, char *what, size_t n);

#endif

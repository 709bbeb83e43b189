/* The command's exit codes (doc/ci.md) and how several of them combine: 0 pass,
 * 1 mismatch, 2 bad input, 3 inconclusive; with several configs the worst counts, in the
 * order 2, then 1, then 3, then 0. */
#ifndef GCV_CLI_EXIT_H
#define GCV_CLI_EXIT_H

#include "gcverify/gcverify.h"

enum { EXIT_PASS = 0, EXIT_MISMATCH = 1, EXIT_BAD_INPUT = 2, EXIT_INCONCLUSIVE = 3 };

/* A verdict's exit code. */
static inline int gcv_exit_code(gcv_verdict v)
{
    return v == GCV_PASS ? EXIT_PASS : v == GCV_FAIL ? EXIT_MISMATCH : EXIT_INCONCLUSIVE;
}

/* Exit codes from worst (3) to best (0), for a combined status. */
static inline int gcv_exit_severity(int rc)
{
    return rc == EXIT_BAD_INPUT ? 3 : rc == EXIT_MISMATCH ? 2 : rc == EXIT_INCONCLUSIVE ? 1 : 0;
}

#endif

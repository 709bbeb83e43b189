/* The command's exit codes (doc/ci.md) and how several of them combine: 0 pass,
 * 1 mismatch, 2 bad input, 3 inconclusive; with several configs the worst counts, in the
 * order 2, then 1, then 3, then 0. */
#ifndef GCV_CLI_EXIT_H
#define GCV_CLI_EXIT_H

#include "gcverify/gcverify.h"
#include "report/report.h"

enum { EXIT_PASS = 0, EXIT_MISMATCH = 1, EXIT_BAD_INPUT = 2, EXIT_INCONCLUSIVE = 3 };

/* A verdict's exit code. */
static inline int gcv_exit_code(gcv_verdict v)
{
    return v == GCV_PASS ? EXIT_PASS : v == GCV_FAIL ? EXIT_MISMATCH : EXIT_INCONCLUSIVE;
}

/* A config's code rc under its "expect" (GCV_EXPECT_*, doc/config.md). With "fail" the
 * expectation is strict, like pytest's strict xfail: the mismatch the config carries on
 * purpose is its expected outcome (0) and a pass is an error (1), since the fault is no
 * longer caught; a shard's pass is not judged (the fault may be in another slice: the merge
 * judges). Inconclusive stays 3; a baseline regression (regressed) still fails the run. */
static inline int gcv_exit_expected(int rc, gcv_verdict v, int regressed, int expect)
{
    if (expect == GCV_EXPECT_PASS || v == GCV_INCONCLUSIVE)
        return rc;
    if (v == GCV_PASS)
        return expect == GCV_EXPECT_FAIL ? EXIT_MISMATCH : rc;
    return regressed ? EXIT_MISMATCH : EXIT_PASS;
}

/* Exit codes from worst (3) to best (0), for a combined status. */
static inline int gcv_exit_severity(int rc)
{
    return rc == EXIT_BAD_INPUT ? 3 : rc == EXIT_MISMATCH ? 2 : rc == EXIT_INCONCLUSIVE ? 1 : 0;
}

#endif

/* The gcverify command across MPI ranks (built with -Dmpi=enabled, src/cli/mpi.c): every
 * rank loads the config, checks an interleaved share of the parameter indices with the
 * OpenMP engine, and rank 0 gathers the per-index results, reduces them as one process would
 * and writes the only reports. The command calls these hooks at its start and end and around
 * each config's check; built without MPI they are the one-process no-ops below.
 *
 * Every rank goes through the same agreements (MPI_Allreduce) for each config: after
 * loading (did every rank load it?), after checking (did every rank's check succeed?) and
 * at the end (rank 0's exit code, and whether any rank was asked to stop). A failure on one
 * rank therefore reaches all of them, and rank 0 prints it, naming the rank and its host. */
#ifndef GCV_CLI_MPI_H
#define GCV_CLI_MPI_H

#include <signal.h>

#include "gcverify/gcverify.h"

#ifdef GCV_HAVE_MPI

/* The process's start, before the command reads its arguments: MPI_Init_thread, and the
 * other ranks' output silenced. Returns -1 when the command is to run on this rank, or the
 * exit code to end with: MPI failed to start, --isolate with several ranks (its children
 * cannot take part in the ranks' check), or `gcverify merge` on a rank other than 0 (it
 * reads and writes files only: rank 0's job). */
int gcv_mpi_begin(int *argc, char ***argv);

/* The process's end, on every rank: agrees on rank 0's exit code rc, which every rank
 * returns, and MPI_Finalize. */
int gcv_mpi_end(int rc);

/* 1 on rank 0, the one rank that prints and writes files; 0 on the others. */
int gcv_mpi_root(void);

/* gcv_check for the command, across the ranks. A rank that reaches it has loaded its config;
 * it first agrees on that with the others. Per-parameter methods are split: rank k checks
 * the k-th of every R indices (of the subset, sample or all), and on rank 0 *out is then the
 * result one process gives, bit for bit, except "seconds" (the wall time of the whole
 * distributed check) and "threads" (the most any rank used). The directional method, a
 * --budget, and a single rank run on rank 0 alone. On the other ranks *out is NULL on
 * success: they write nothing. On failure every rank returns non-OK; on rank 0 err names
 * the rank that failed first and why. */
gcv_status gcv_mpi_check(const gcv_model *m, const gcv_options *o, gcv_result **out,
                         gcv_error *err);

/* The end of one config, on every rank, whatever happened: a rank that failed before
 * gcv_mpi_check agrees on that here (its stderr line goes to rank 0); then returns rank 0's
 * exit code rc for every rank, and sets *stop on every rank when any rank had it set, so
 * that all of them leave the loop over configs together. */
int gcv_mpi_settle(int rc, volatile sig_atomic_t *stop);

#else /* one process: it runs the command, checks alone and writes the reports */

static inline int gcv_mpi_begin(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return -1;
}

static inline int gcv_mpi_end(int rc)
{
    return rc;
}

static inline int gcv_mpi_root(void)
{
    return 1;
}

static inline gcv_status gcv_mpi_check(const gcv_model *m, const gcv_options *o,
                                       gcv_result **out, gcv_error *err)
{
    return gcv_check(m, o, out, err);
}

static inline int gcv_mpi_settle(int rc, volatile sig_atomic_t *stop)
{
    (void)stop;
    return rc;
}

#endif

#endif

/* One config from start to end, as the command runs it: load the config and its model,
 * check, write the reports the command line and the config ask for, and return the exit
 * code. With --isolate the same work runs in a child process (cli/isolate.h). */
#ifndef GCV_CLI_RUN_H
#define GCV_CLI_RUN_H

#include <signal.h>
#include <stddef.h>

#include "cli/isolate.h"
#include "cli/options.h"
#include "cli/outputs.h"
#include "report/junit.h"

/* What the configs of one command share. */
typedef struct gcv_run {
    const gcv_cli *cli;
    gcv_junit *junit;         /* --junit: the suites gathered over every config; else NULL */
    gcv_iso *iso;             /* in an isolated child: the plan and the shared trace */
    int iso_junit_fd;         /* in an isolated child: where its JUnit suites go (-1: none) */
    size_t iso_junit_before;  /* suites the document had when the child started */
    gcv_stems stems;          /* the file stems of the configs run so far (outputs.h) */
} gcv_run;

/* Set by SIGINT or SIGTERM during a check (which then stops with a partial report), and
 * when another rank or an isolated child was stopped: no further configs are begun. */
extern volatile sig_atomic_t gcv_stop_requested;

/* Without --isolate, a model that calls exit() would end gcverify with its status and no
 * report: installs the exit handler that turns such an exit, while model code can run, into
 * exit 3 with one line on stderr. */
void gcv_run_guard_model_exit(void);

/* Loads, checks and reports the config at path; returns its exit code. */
int gcv_run_one(gcv_run *run, const char *path);

/* --isolate: one child's work (a gcv_iso_child_fn), ctx a gcv_run_job. */
typedef struct gcv_run_job {
    gcv_run *run;
    const char *path;
} gcv_run_job;
int gcv_run_child(void *ctx, gcv_iso *iso, int junit_fd);

#endif

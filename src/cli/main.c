/* The gcverify command: `gcverify merge …`, or the options and then each config in turn
 * (in a child process with --isolate), and the worst exit code of them (cli/exit.h). With
 * -Dmpi=enabled every rank runs this between the MPI hooks of cli/mpi.h. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exit.h"
#include "cli/isolate.h"
#include "cli/merge_cmd.h"
#include "cli/mpi.h"
#include "cli/omp_env.h"
#include "cli/options.h"
#include "cli/run.h"
#include "cli/template.h"
#include "report/junit.h"

/* Every config of the command line; returns the worst exit code. */
static int run_all(const gcv_cli *c)
{
    gcv_error err = {{0}};
    gcv_run run = {.cli = c, .iso_junit_fd = -1};
    if (c->junit && gcv_junit_new(&run.junit, &err) != GCV_OK) {
        fprintf(stderr, "gcverify: --junit: %s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    int rc = EXIT_PASS;
    for (size_t i = 0; i < c->n_configs && !gcv_stop_requested; i++) {
        gcv_run_job job = {&run, c->configs[i]};
        int r = c->isolate ? gcv_iso_run_config(c, run.junit, job.path, gcv_run_child, &job,
                                                &gcv_stop_requested, &run.stems)
                           : gcv_run_one(&run, job.path);
        if (gcv_exit_severity(r) > gcv_exit_severity(rc))
            rc = r;
    }
    if (run.junit && gcv_mpi_root() && gcv_junit_write(run.junit, c->junit, &err) != GCV_OK) {
        fprintf(stderr, "gcverify: %s\n", err.msg);
        rc = EXIT_BAD_INPUT;
    }
    gcv_junit_free(run.junit);
    gcv_stems_free(&run.stems);
    return rc;
}

static int command(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "merge") == 0)
        return gcv_merge_main(argc, argv);
    if (argc > 1 && strcmp(argv[1], "plugin-template") == 0)
        return gcv_template_main(argc, argv);
    /* One array: the config paths in the first argc entries, the --history paths after. */
    const char **paths = calloc(2 * (size_t)argc, sizeof *paths);
    if (!paths)
        return EXIT_BAD_INPUT;
    gcv_run_guard_model_exit();
    int env = gcv_omp_env_check();
    if (env >= 0) {
        free(paths);
        return env;
    }
    gcv_cli c;
    int rc = gcv_cli_parse(argc, argv, paths, paths + argc, &c);
    if (rc < 0)
        rc = run_all(&c);
    free(paths);
    return rc;
}

int main(int argc, char **argv)
{
    /* A closed stdout (`gcverify … | head -1`) must not kill the run before its report
     * files are written: the write fails with EPIPE instead, the text is lost, and the exit
     * code stays the verdict's. */
    signal(SIGPIPE, SIG_IGN);
    int rc = gcv_mpi_begin(&argc, &argv);
    if (rc < 0)
        rc = command(argc, argv);
    return gcv_mpi_end(rc);
}

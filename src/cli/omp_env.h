/* The OpenMP runtime's environment, checked by the command before any parallel region. */
#ifndef GCV_CLI_OMP_ENV_H
#define GCV_CLI_OMP_ENV_H

/* OMP_NUM_THREADS must be a positive integer or a comma list of them (else exit 2: libgomp
 * would only warn, in two lines of its own, and use every core); with OMP_STACKSIZE set, one
 * thread is started with that stack first, so that a size the machine cannot give ends the
 * run with exit 3 and one line now, instead of libgomp's exit 1 (the mismatch code) at the
 * first parallel region. Returns -1 when the run may go on, else the exit code, its line on
 * stderr. */
int gcv_omp_env_check(void);

#endif

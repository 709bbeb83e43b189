/* What a process model is started from (model.type "process"): the worker's command, its
 * folder, its options and its timeout. Types only; shared by process.h (the model) and
 * process_pool.h (its workers). */
#ifndef GCV_MODEL_PROCESS_SPEC_H
#define GCV_MODEL_PROCESS_SPEC_H

#include <stddef.h>

typedef struct gcv_process_spec {
    char **argv;          /* the command, NULL-terminated; argv[0] looked up on PATH */
    size_t argc;
    char *cwd;            /* the workers' folder; NULL: gcverify's own */
    char *options_json;   /* model.options as JSON text, handed to each worker ("{}") */
    double timeout;       /* seconds a worker may take per evaluation (0: no limit) */
} gcv_process_spec;

#endif

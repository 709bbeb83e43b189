/* A model computed by worker processes in the user's own language (model.type "process";
 * doc/workers.md): gcverify starts the command once per check thread, each worker announces
 * its parameter blocks, θ and analytic gradient over a small binary protocol, and answers
 * batches of cost evaluations. The result is a gcv_model the engine checks like any other. */
#ifndef GCV_MODEL_PROCESS_H
#define GCV_MODEL_PROCESS_H

#include <stddef.h>

#include "gcverify/gcverify.h"
#include "model/process_spec.h"
#include "util/watch.h"


/* Starts `workers` workers (at least 1) and makes the model. The watch (NULL: none) bounds
 * every wait for a worker, during the start and the check. On failure err names the command,
 * the worker and what was wrong, and no worker is left running. */
gcv_status gcv_process_load(const gcv_process_spec *spec, unsigned workers,
                            const gcv_watch *watch, gcv_model **out, gcv_error *err);

/* For reports; m must come from gcv_process_load. The description line the worker gave (or
 * ""), the examples it averages over (0: unsaid), and its notes followed by one line per
 * failed request (a worker that died, hung or answered wrongly), up to max of them. */
const char *gcv_process_description(const gcv_model *m);
size_t gcv_process_examples(const gcv_model *m);
size_t gcv_process_notes(const gcv_model *m, const char **out, size_t max);

#endif

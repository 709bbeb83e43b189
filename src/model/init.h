/* θ from the config's model.params (see init.c). */
#ifndef GCV_MODEL_INIT_H
#define GCV_MODEL_INIT_H

#include "config/spec.h"
#include "config/json.h"
#include "util/watch.h"

/* Allocates c->theta (c->n_params values, set by the memory guard) and fills it as
 * c->params says; relative paths resolve against dir. Messages go to j. The values' blocks
 * are released as they are copied. An initialisation scheme draws its values looking at the
 * run's watch w (NULL: none): stopped, the rest of θ is zero (the run then checks nothing:
 * every later step sees the same stop). */
gcv_status gcv_theta_load(const gcv_jctx *j, gcv_config *c, const char *dir, const gcv_watch *w);

#endif

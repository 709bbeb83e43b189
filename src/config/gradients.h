/* Loading a config with a gradient dump (the gradients section or --gradients): the user's
 * parameters become θ, their analytic gradient the config's grad, their cost J (when
 * present) the cost to compare, and their X and Y (when present) the data, in place of
 * model.params and the data section. See doc/gradient-files.md. */
#ifndef GCV_CONFIG_GRADIENTS_H
#define GCV_CONFIG_GRADIENTS_H

#include "data/load.h"

/* Does for a config with c->gradients.file what the data and θ steps do for one without:
 * fills c->theta, c->grad, c->x, c->y, c->m and, when the dump has it, c->cost. Messages
 * name the config, "gradients", the dump and the array. */
gcv_status gcv_gradients_load(gcv_loader *ld);

#endif

/* Parsing the gradients section: the dump holding the user's own parameters and analytic
 * gradient (doc/gradient-files.md), resolved against the config's folder, and how its
 * weight matrices are laid out. The dump itself is read at load time (gradients.c). */
#include <stdlib.h>

#include "config/parse.h"
#include "util/strutil.h"

static const char *const GRADIENTS_KEYS[] = {"file", "weights"};
/* out_in: W_l is (n_l, n_{l-1}), as the course's code and gcverify's θ; in_out: the
 * transpose, (n_{l-1}, n_l), as code that computes X·W writes it. */
static const char *const WEIGHTS_NAMES[] = {"out_in", "in_out"};

gcv_status gcv_parse_gradients(gcv_parser *ps, const cJSON *g)
{
    gcv_config *c = ps->c;
    const char *file = NULL;
    size_t weights = 0;
    if (!g)
        return GCV_OK;
    if (!cJSON_IsObject(g))
        return gcv_json_expected(&ps->j, "gradients", "an object like {\"file\": \"dump.npz\"}",
                                 g);
    gcv_status st = gcv_json_check_keys(&ps->j, "gradients", g, GRADIENTS_KEYS,
                                        GCV_N_OF(GRADIENTS_KEYS));
    if (!st)
        st = gcv_json_get_string(&ps->j, "gradients", g, "file", &file);
    if (!st)
        st = gcv_json_get_choice(&ps->j, "gradients", g, "weights", WEIGHTS_NAMES,
                                 GCV_N_OF(WEIGHTS_NAMES), &weights);
    if (st)
        return st;
    if (c->is_plugin)
        return gcv_json_expected(&ps->j, "gradients", "no gradients section for a plugin "
                                 "model (a dump is checked against the built-in network)", g);
    c->gradients.given = 1;
    c->gradients.weights = (gcv_weights_layout)weights;
    c->gradients.weights_given = member(g, "weights") != NULL;
    /* Without a file the section only says how the dump of --gradients is laid out. */
    if (file && !(c->gradients.file = gcv_path_join(ps->dir, file)))
        return gcv_parse_nomem(ps);
    return GCV_OK;
}

/* The MLP's description line (see mlp_describe.h). */
#include "model/mlp_describe.h"

#include <stdio.h>

#include "model/act.h"

void gcv_mlp_describe(const gcv_mlp_spec *spec, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "mlp ");
    for (size_t l = 0; l <= spec->n_layers && k < n; l++)
        k += (size_t)snprintf(buf + k, n - k, "%s%zu", l ? "-" : "", spec->sizes[l]);
    int uniform = 1;
    for (size_t l = 1; l + 1 < spec->n_layers; l++)
        uniform &= spec->hidden[l] == spec->hidden[0];
    for (size_t l = 0; l + 1 < spec->n_layers && k < n; l++) {
        k += (size_t)snprintf(buf + k, n - k, "%s%s", l ? "/" : ", ",
                              gcv_act_get(spec->hidden[l])->name);
        if (uniform)
            break;
    }
    if (k < n)
        k += (size_t)snprintf(buf + k, n - k, " → %s, %s", gcv_act_get(spec->output)->name,
                              gcv_loss_get(spec->loss)->name);
    if (spec->l2 > 0.0 && k < n)
        k += (size_t)snprintf(buf + k, n - k, ", l2 %g", spec->l2);
    if (spec->keep_prob < 1.0 && k < n)
        k += (size_t)snprintf(buf + k, n - k, ", dropout keep %g", spec->keep_prob);
    if (spec->n_inject && k < n)
        snprintf(buf + k, n - k, ", %zu fault%s injected", spec->n_inject,
                 spec->n_inject == 1 ? "" : "s");
}

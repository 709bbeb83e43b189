/* The truth for scripts/transformer-matrix: which blocks a planted bug changes. Loads the
 * transformer plugin twice (bug "none" and the bug asked for), computes both analytic
 * gradients at the same θ, and prints one line per block: its name and the normalized
 * difference ‖g_bug − g‖ / (‖g_bug‖ + ‖g‖). Knows nothing of gcverify's engine.
 *   transformer-truth LIBRARY INIT BUG [BLOCKS]
 * BLOCKS ("tensor" or "layer") is the plugin's "blocks" option; a view block is taken as
 * row-major from its offset, as the transformer declares its per-layer views. The seed is
 * $GCV_TM_SEED (default 1), as scripts/transformer-matrix passes it. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gcverify/plugin.h>

static const char *blocks_opt = "tensor";

static int gradient_of(void *lib, const char *init, const char *bug, double **g,
                       gcv_plugin_model *m)
{
    gcv_plugin_model_new_fn *make = (gcv_plugin_model_new_fn *)dlsym(lib, "gcv_plugin_model_new");
    char opts[200], err[256] = "";
    const char *seed = getenv("GCV_TM_SEED");
    snprintf(opts, sizeof opts,
             "{\"init\": \"%s\", \"bug\": \"%s\", \"seed\": %lu, \"blocks\": \"%s\"}", init,
             bug, seed ? strtoul(seed, NULL, 10) : 1ul, blocks_opt);
    gcv_plugin_args a = {.abi_version = GCV_PLUGIN_ABI_VERSION, .options_json = opts,
                         .config_dir = ".", .err = err, .err_len = sizeof err};
    if (!make || make(&a, m) != 0) {
        fprintf(stderr, "transformer-truth: %s\n", err);
        return -1;
    }
    *g = malloc(m->n_params * sizeof **g);
    if (m->precision == GCV_PLUGIN_FLOAT) {
        float *gf = malloc(m->n_params * sizeof *gf), c;
        m->gradient_f(m->self, m->theta, gf, NULL, &c);
        for (size_t i = 0; i < m->n_params; i++)
            (*g)[i] = gf[i];
        free(gf);
    } else {
        double c;
        m->gradient(m->self, m->theta, *g, NULL, &c);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5)
        blocks_opt = argv[4];
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: transformer-truth LIBRARY INIT BUG [BLOCKS]\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "transformer-truth: %s\n", dlerror());
        return 2;
    }
    gcv_plugin_model ok = {0}, bug = {0};
    double *g0, *g1;
    if (gradient_of(lib, argv[2], "none", &g0, &ok) || gradient_of(lib, argv[2], argv[3], &g1, &bug))
        return 2;
    size_t off = 0;
    for (size_t b = 0; b < ok.n_blocks; b++) {
        const gcv_plugin_block *bl = &ok.blocks[b];
        size_t n = bl->rows * bl->cols;
        if (bl->ndim > 0) {
            n = 1;
            for (unsigned a = 0; a < bl->ndim; a++)
                n *= bl->dims[a];
            off = bl->offset;
        }
        double d = 0, n0 = 0, n1 = 0;
        for (size_t i = off; i < off + n; i++) {
            d += (g1[i] - g0[i]) * (g1[i] - g0[i]);
            n0 += g0[i] * g0[i];
            n1 += g1[i] * g1[i];
        }
        double den = sqrt(n0) + sqrt(n1);
        printf("%s %.3e\n", ok.blocks[b].name, den > 0 ? sqrt(d) / den : 0.0);
        off += n;
    }
    ok.destroy(ok.self);
    bug.destroy(bug.self);
    free(g0);
    free(g1);
    dlclose(lib);
    return 0;
}

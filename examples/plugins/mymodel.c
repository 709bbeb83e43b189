/* The walkthrough of doc/plugins.md: a user's own model, y = W·x + b with squared error, on
 * four examples it owns. Build: cc -shared -fPIC -I include -o libmymodel.so mymodel.c */
#include <gcverify/plugin.h>
#include <stdlib.h>

GCV_PLUGIN_DECLARE_ABI;

static const double X[4][3] = {{1, 2, 0.5}, {-1, 0.5, 2}, {0.25, -2, 1}, {2, 1, -1}};
static const double Y[4][2] = {{1, 0}, {0, 1}, {-1, 0.5}, {0.5, -0.5}};
static const double theta0[8] = {0.1, -0.2, 0.3, 0.4, 0.0, -0.1, 0.05, -0.05}; /* W (2×3), b (2) */
static const gcv_plugin_block blocks[2] = {{.name = "W", .layer = 1, .rows = 2, .cols = 3},
                                           {.name = "b", .layer = 1, .rows = 2, .cols = 1}};

/* J = (1/m) Σ ½‖W·x + b − y‖², and with g != NULL its gradient. */
static double run(const double *th, double *g)
{
    double J = 0;
    for (int i = 0; g && i < 8; i++)
        g[i] = 0;
    for (int e = 0; e < 4; e++)
        for (int r = 0; r < 2; r++) {
            double d = th[6 + r] - Y[e][r];
            for (int c = 0; c < 3; c++)
                d += th[r * 3 + c] * X[e][c];
            J += 0.5 * d * d / 4;
            for (int c = 0; g && c < 3; c++)
                g[r * 3 + c] += d * X[e][c] / 4;
            if (g)
                g[6 + r] += d / 4;
        }
    return J;
}

static int cost(const void *self, const double *th, void *ws, double *J)
{
    *J = run(th, NULL);
    return 0;
}

static int gradient(const void *self, const double *th, double *g, void *ws, double *J)
{
    *J = run(th, g);
    return 0;
}

static void destroy(void *self) {}

GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *args, gcv_plugin_model *out)
{
    out->n_params = 8;
    out->n_blocks = 2;
    out->blocks = blocks;
    out->theta = theta0;
    out->examples = 4;
    out->cost = cost;
    out->gradient = gradient;
    out->destroy = destroy;
    return 0;
}

/* gcv_check() from a C unit test: J(θ) = Σ θᵢ³ / 3, gradient θᵢ², in two blocks. */
#include <gcverify/gcverify.h>
#include <stdio.h>

static int cost(const gcv_model *m, const double *th, void *ws, double *j)
{
    (void)ws;
    *j = 0;
    for (size_t i = 0; i < m->n_params; i++)
        *j += th[i] * th[i] * th[i] / 3;
    return 0;
}

static int grad(const gcv_model *m, const double *th, double *g, void *ws, double *j)
{
    for (size_t i = 0; i < m->n_params; i++)
        g[i] = th[i] * th[i];
    return cost(m, th, ws, j);
}

int main(void)
{
    double theta[6] = {0.5, -1, 2, 0.25, 3, -0.5};
    gcv_block blocks[2] = {{.name = "W1", .layer = 1, .rows = 2, .cols = 2, .offset = 0},
                           {.name = "b1", .layer = 1, .rows = 2, .cols = 1, .offset = 4}};
    gcv_model m = {.n_params = 6, .n_blocks = 2, .blocks = blocks, .theta = theta,
                   .cost = cost, .gradient = grad};
    gcv_options o;
    gcv_options_default(&o);
    gcv_result *r;
    gcv_error err;
    if (gcv_check(&m, &o, &r, &err) != GCV_OK)
        return fprintf(stderr, "%s\n", err.msg), 2;
    printf("difference %.2e: %s\n", r->difference, gcv_verdict_name(r->status));
    int rc = r->status == GCV_PASS ? 0 : 1;
    gcv_result_free(r);
    return rc;
}

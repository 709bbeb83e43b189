/* `gcverify plugin-template NAME` writes NAME.c: a plugin that compiles as it is and passes
 * its check, with every part a real plugin needs in its place (the ABI symbol, options read
 * through the accessors, a block as a view, cost and gradient, destroy), so a user replaces
 * the model rather than learning the ABI from the header first. It refuses to overwrite a
 * file, and NAME must be a C identifier (it names the file, the library and the struct). */
#include "cli/template.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/exit.h"

/* The skeleton; every "@" is replaced by NAME. */
static const char skeleton[] =
    "/* @: a gcverify plugin (made by `gcverify plugin-template @`).\n"
    " *\n"
    " * Build:  cc -O2 -shared -fPIC $(pkg-config --cflags gcverify) -o lib@.so @.c -lm\n"
    " *   (or: make -f PREFIX/share/gcverify/gcverify-plugin.mk lib@.so)\n"
    " * Check:  gcverify --plugin ./lib@.so CONFIG.json, with a config such as\n"
    " *   {\"model\": {\"type\": \"plugin\", \"library\": \"./lib@.so\", \"options\": {\"n\": 3}}}\n"
    " *\n"
    " * The model here is J(θ) = Σ ½·c·θᵢ² over one block \"w\" of n values: replace cost(),\n"
    " * gradient() and the blocks with yours (doc/plugins.md: the contract). */\n"
    "#include <gcverify/plugin.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "\n"
    "GCV_PLUGIN_DECLARE_ABI;\n"
    "\n"
    "typedef struct @_model {\n"
    "    size_t n;\n"
    "    double c;\n"
    "    double *theta;\n"
    "    gcv_plugin_block block;\n"
    "} @_model;\n"
    "\n"
    "static int cost(const void *self, const double *theta, void *ws, double *J)\n"
    "{\n"
    "    const @_model *s = self;\n"
    "    double j = 0;\n"
    "    (void)ws; /* the per-thread workspace: ws_bytes of it, 0 here */\n"
    "    for (size_t i = 0; i < s->n; i++)\n"
    "        j += 0.5 * s->c * theta[i] * theta[i];\n"
    "    *J = j;\n"
    "    return 0;\n"
    "}\n"
    "\n"
    "/* Every entry of g written (never +=: the buffer holds anything on entry). */\n"
    "static int gradient(const void *self, const double *theta, double *g, void *ws, double *J)\n"
    "{\n"
    "    const @_model *s = self;\n"
    "    for (size_t i = 0; i < s->n; i++)\n"
    "        g[i] = s->c * theta[i];\n"
    "    return cost(self, theta, ws, J);\n"
    "}\n"
    "\n"
    "static void destroy(void *self)\n"
    "{\n"
    "    @_model *s = self;\n"
    "    if (s)\n"
    "        free(s->theta);\n"
    "    free(s);\n"
    "}\n"
    "\n"
    "GCV_PLUGIN_EXPORT int gcv_plugin_model_new(const gcv_plugin_args *args, gcv_plugin_model *out)\n"
    "{\n"
    "    static const char *const keys[] = {\"n\", \"c\"};\n"
    "    double n = 3, c = 2;\n"
    "    if (args->only_keys(args, keys, 2) < 0 || args->get_number(args, \"n\", &n) < 0 ||\n"
    "        args->get_number(args, \"c\", &c) < 0)\n"
    "        return 1; /* args->err names the option */\n"
    "    if (!(n >= 1 && n <= 1e6)) {\n"
    "        snprintf(args->err, args->err_len, \"model.options.n: expected 1 to 1e6, got %g\", n);\n"
    "        return 1;\n"
    "    }\n"
    "    @_model *s = calloc(1, sizeof *s);\n"
    "    if (!s || !(s->theta = malloc((size_t)n * sizeof *s->theta))) {\n"
    "        free(s);\n"
    "        snprintf(args->err, args->err_len, \"out of memory\");\n"
    "        return 1;\n"
    "    }\n"
    "    s->n = (size_t)n;\n"
    "    s->c = c;\n"
    "    for (size_t i = 0; i < s->n; i++)\n"
    "        s->theta[i] = 0.1 * (double)(i + 1);\n"
    "    /* One block: a view of n values from θ[0] (an N-d shape, strides or an index map\n"
    "     * describe any layout: include/gcverify/plugin.h). */\n"
    "    s->block = (gcv_plugin_block){.name = \"w\", .layer = 1, .ndim = 1, .dims = {s->n}};\n"
    "    out->self = s;\n"
    "    out->precision = GCV_PLUGIN_DOUBLE;\n"
    "    out->n_params = s->n;\n"
    "    out->n_blocks = 1;\n"
    "    out->blocks = &s->block;\n"
    "    out->theta = s->theta;\n"
    "    out->description = \"@\";\n"
    "    out->cost = cost;\n"
    "    out->gradient = gradient;\n"
    "    out->destroy = destroy;\n"
    "    return 0;\n"
    "}\n";

static int name_ok(const char *s)
{
    if (!*s || strlen(s) > 64 || (*s >= '0' && *s <= '9'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

int gcv_template_main(int argc, char **argv)
{
    if (argc != 3 || !name_ok(argv[2])) {
        fprintf(stderr, "gcverify: plugin-template: expected one NAME (a C identifier such as "
                "mymodel), got %s\n", argc < 3 ? "none" : argc > 3 ? "more" : argv[2]);
        return EXIT_BAD_INPUT;
    }
    const char *name = argv[2];
    char path[80];
    snprintf(path, sizeof path, "%s.c", name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "gcverify: plugin-template: %s: cannot create: %s\n", path,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return EXIT_BAD_INPUT;
    }
    for (const char *p = skeleton; *p; p++)
        if (*p == '@')
            fputs(name, f);
        else
            fputc(*p, f);
    if (fclose(f) != 0) {
        fprintf(stderr, "gcverify: plugin-template: %s: cannot write: %s\n", path,
                strerror(errno));
        return EXIT_BAD_INPUT;
    }
    printf("wrote %s; build it with\n    cc -O2 -shared -fPIC $(pkg-config --cflags gcverify) "
           "-o lib%s.so %s -lm\n", path, name, path);
    return EXIT_PASS;
}

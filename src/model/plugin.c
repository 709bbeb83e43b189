/* The plugin loader and the adapter from a gcv_plugin_model (plugin ABI) to a gcv_model
 * (engine interface).
 *
 * Order of loading, each step refusing with one line before the next one runs:
 *   1. the file: present, a regular file, an ELF shared object (ET_DYN), not an executable;
 *   2. dlopen (RTLD_NOW | RTLD_LOCAL: every symbol resolved now, none leaking into others);
 *   3. gcv_plugin_abi_version: present and equal to ours, read before gcverify calls any
 *      plugin function (dlopen has run the library's ELF constructors, if any);
 *   4. gcv_plugin_model_new: present; called once with a zeroed model;
 *   5. the model it filled: functions for its precision, blocks adding up to P, names,
 *      layers, shapes, a finite θ (float-representable for float models).
 * A model rejected in step 5 is destroyed through its own destroy(); the library is closed
 * on every failure path.
 *
 * Float models: the adapter's workspace starts with a float copy of θ (and, for the one
 * gradient call, a float gradient), then the plugin's own workspace at a 64-byte offset.
 * The engine only ever passes float-representable θ to a float model (gcv_model.precision),
 * so converting θ to float is exact and J is the plugin's float J, widened exactly. */
#include "plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gcverify/plugin.h"
#include "util/strutil.h"

typedef struct plugin_self {
    void *handle;        /* dlopen handle */
    gcv_plugin_model pm; /* what the plugin handed over */
    size_t ws_off;       /* the plugin's workspace inside ours */
    char description[256];
    char err_line[256];  /* the plugin's error(), made one clean line (used once, after a
                            failed gradient, on one thread) */
} plugin_self;

static size_t round64(size_t n)
{
    return (n + 63) / 64 * 64;
}

static void *plugin_ws(const plugin_self *s, void *ws)
{
    return (char *)ws + s->ws_off;
}

static int cost_double(const gcv_model *m, const double *theta, void *ws, double *cost)
{
    const plugin_self *s = m->self;
    return s->pm.cost(s->pm.self, theta, ws, cost);
}

static int gradient_double(const gcv_model *m, const double *theta, double *grad, void *ws,
                           double *cost)
{
    const plugin_self *s = m->self;
    return s->pm.gradient(s->pm.self, theta, grad, ws, cost);
}

static int cost_float(const gcv_model *m, const double *theta, void *ws, double *cost)
{
    const plugin_self *s = m->self;
    float *t = ws, j = NAN;
    for (size_t i = 0; i < m->n_params; i++)
        t[i] = (float)theta[i];
    int rc = s->pm.cost_f(s->pm.self, t, plugin_ws(s, ws), &j);
    *cost = (double)j;
    return rc;
}

static int gradient_float(const gcv_model *m, const double *theta, double *grad, void *ws,
                          double *cost)
{
    const plugin_self *s = m->self;
    float *t = ws, *g = t + m->n_params, j = NAN;
    for (size_t i = 0; i < m->n_params; i++) {
        t[i] = (float)theta[i];
        g[i] = NAN; /* a gradient the plugin leaves unwritten shows as non-finite */
    }
    int rc = s->pm.gradient_f(s->pm.self, t, g, plugin_ws(s, ws), &j);
    for (size_t i = 0; i < m->n_params; i++)
        grad[i] = (double)g[i];
    *cost = (double)j;
    return rc;
}

static size_t kinks_crossed(const gcv_model *m, const void *ws)
{
    const plugin_self *s = m->self;
    return s->pm.kinks_crossed(s->pm.self, (const char *)ws + s->ws_off);
}

static int cost_complex(const gcv_model *m, const double *theta, size_t idx, double h,
                        void *ws, double *re, double *im)
{
    const plugin_self *s = m->self;
    return s->pm.cost_complex(s->pm.self, theta, idx, h, plugin_ws(s, ws), re, im);
}

static int cost_perturbed(const gcv_model *m, size_t idx, double value, void *ws,
                          double *cost)
{
    const plugin_self *s = m->self;
    return s->pm.cost_perturbed(s->pm.self, idx, value, plugin_ws(s, ws), cost);
}

static void clean_line(char *dst, size_t n, const char *src);

static const char *error_text(const gcv_model *m, const void *ws)
{
    plugin_self *s = m->self;
    clean_line(s->err_line, sizeof s->err_line,
               s->pm.error(s->pm.self, (const char *)ws + s->ws_off));
    return s->err_line;
}

static void destroy(gcv_model *m)
{
    plugin_self *s = m->self;
    if (s) {
        if (s->pm.destroy)
            s->pm.destroy(s->pm.self);
        if (s->handle)
            dlclose(s->handle);
        free(s);
    }
    free(m->blocks);
    free(m->theta);
    free(m);
}

const char *gcv_plugin_description(const gcv_model *m)
{
    return ((const plugin_self *)m->self)->description;
}

size_t gcv_plugin_examples(const gcv_model *m)
{
    return ((const plugin_self *)m->self)->pm.examples;
}

/* ---- step 1: the file itself ---- */

/* The ELF machine (e_machine) and class (EI_CLASS: 1 32-bit, 2 64-bit) this gcverify was
 * built for, and a machine's name; dlopen only says "No such file or directory" or "wrong
 * ELF class" for a library built for another machine. */
#if defined(__x86_64__)
#define HOST_MACHINE 62u
#elif defined(__aarch64__)
#define HOST_MACHINE 183u
#elif defined(__i386__)
#define HOST_MACHINE 3u
#elif defined(__arm__)
#define HOST_MACHINE 40u
#elif defined(__riscv)
#define HOST_MACHINE 243u
#elif defined(__powerpc64__)
#define HOST_MACHINE 21u
#elif defined(__s390x__)
#define HOST_MACHINE 22u
#endif
#define HOST_CLASS (sizeof(void *) == 8 ? 2u : 1u)

static const char *machine_name(unsigned m, unsigned cls)
{
    switch (m) {
    case 62: return "x86-64";
    case 183: return "aarch64";
    case 3: return "i386";
    case 40: return "32-bit ARM";
    case 243: return cls == 1 ? "32-bit RISC-V" : "RISC-V";
    case 21: return "64-bit PowerPC";
    case 20: return "32-bit PowerPC";
    case 22: return cls == 1 ? "s390" : "s390x";
    case 8: return "MIPS";
    default: return NULL;
    }
}

/* The ELF header h (n bytes) names this machine and class; else the error. */
static gcv_status check_machine(const char *path, const unsigned char *h, size_t n,
                                gcv_error *err)
{
#ifdef HOST_MACHINE
    if (n < 20)
        return GCV_OK;
    unsigned cls = h[4];
    unsigned m = h[5] == 2 ? (unsigned)h[18] << 8 | h[19] : (unsigned)h[19] << 8 | h[18];
    if (m == HOST_MACHINE && cls == HOST_CLASS)
        return GCV_OK;
    const char *got = machine_name(m, cls), *host = machine_name(HOST_MACHINE, HOST_CLASS);
    char num[48];
    snprintf(num, sizeof num, "ELF machine %u, %u-bit", m, cls == 1 ? 32u : 64u);
    gcv_error_set(err, "model.library: %s: expected a shared object built for %s (the machine "
                  "this gcverify runs on), got one built for %s%s", path, host,
                  got && m != HOST_MACHINE ? got : num,
                  m == HOST_MACHINE ? " (rebuild it for this machine's word size)" : "");
    return GCV_ERR_INVALID;
#else
    (void)path, (void)h, (void)n, (void)err;
    return GCV_OK;
#endif
}

static gcv_status check_file(const char *path, gcv_error *err)
{
    uint64_t size = 0;
    char why[160];
    int fd = gcv_file_open_regular(path, &size, why, sizeof why);
    if (fd < 0) {
        if (strstr(why, "No such file"))
            gcv_error_set(err, "model.library: %s: expected a shared object, got no such file "
                          "(relative paths start at the config's folder)", path);
        else
            gcv_error_set(err, "model.library: %s: %s", path, why);
        return GCV_ERR_IO;
    }
    unsigned char h[64];
    FILE *f = fdopen(fd, "rb");
    size_t n = f ? fread(h, 1, sizeof h, f) : 0;
    if (f)
        fclose(f);
    if (n < 4 || memcmp(h, "\177ELF", 4) != 0) {
        char shown[24];
        size_t k = 0;
        for (size_t i = 0; i < n && i < 8 && k + 5 < sizeof shown; i++)
            k += (size_t)snprintf(shown + k, sizeof shown - k,
                                  h[i] >= 0x20 && h[i] < 0x7f && h[i] != '"' ? "%c" : "\\x%02x",
                                  h[i]);
        shown[k] = '\0';
        gcv_error_set(err, "model.library: %s: expected an ELF shared object, got %s", path,
                      n == 0 ? "an empty file" : "a file starting with \"");
        if (n) {
            size_t len = strlen(err->msg);
            snprintf(err->msg + len, sizeof err->msg - len, "%s\" (not ELF)", shown);
        }
        return GCV_ERR_INVALID;
    }
    if (n >= 18) {
        /* e_type at offset 16, in the file's byte order (EI_DATA at 5: 1 little, 2 big). */
        unsigned type = h[5] == 2 ? (unsigned)h[16] << 8 | h[17] : (unsigned)h[17] << 8 | h[16];
        const char *what = type == 1 ? "a relocatable object (.o): link it with -shared"
                           : type == 2 ? "an executable: build the model with -shared -fPIC"
                           : type == 4 ? "a core dump"
                                       : NULL;
        if (type != 3) {
            gcv_error_set(err, "model.library: %s: expected an ELF shared object, got %s", path,
                          what ? what : "an ELF file of an unknown type");
            return GCV_ERR_INVALID;
        }
    }
    return check_machine(path, h, n, err);
}

/* ---- text from the plugin ---- */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    for (size_t k = 1; k < n; k++) {
        unsigned b = s[k];
        if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
            return 0;
    }
    return n;
}

/* A description or error line from the plugin, made safe for one report line: copied up to
 * the first control character or malformed UTF-8 byte, at most n − 1 bytes, never cutting a
 * character. */
static void clean_line(char *dst, size_t n, const char *src)
{
    size_t k = 0;
    const unsigned char *s = (const unsigned char *)(src ? src : "");
    while (*s && *s >= 0x20 && *s != 0x7F) {
        size_t len = utf8_len(s);
        if (len == 0 || k + len >= n)
            break;
        memcpy(dst + k, s, len);
        k += len;
        s += len;
    }
    dst[k] = '\0';
}

/* Block names go into every report format (text columns, CSV, JSON, XML, HTML): letters,
 * digits and _ . - + : / ( ) [ ] only. */
static int name_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("_.-+:/()[]", *s)))
            return 0;
    return 1;
}

static int cmp_name(const void *a, const void *b)
{
    const gcv_plugin_block *x = *(const gcv_plugin_block *const *)a;
    const gcv_plugin_block *y = *(const gcv_plugin_block *const *)b;
    return strcmp(x->name, y->name);
}

/* ---- step 5: the model the plugin handed over ---- */

static gcv_status bad_model(gcv_error *err, const char *lib, const char *fmt, ...)
    GCV_PRINTF(3, 4);
static gcv_status bad_model(gcv_error *err, const char *lib, const char *fmt, ...)
{
    char what[GCV_ERROR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    gcv_error_set(err, "model.library: %s: gcv_plugin_model_new returned a bad model: %s", lib,
                  what);
    return GCV_ERR_INVALID;
}

#define WS_LIMIT ((size_t)1 << 40)

/* The model's fields other than its blocks: precision and functions, sizes, θ present. */
static gcv_status check_fields(const gcv_plugin_model *pm, const char *lib, gcv_error *err)
{
    if (pm->precision != GCV_PLUGIN_DOUBLE && pm->precision != GCV_PLUGIN_FLOAT)
        return bad_model(err, lib, "precision: expected GCV_PLUGIN_DOUBLE (0) or "
                         "GCV_PLUGIN_FLOAT (1), got %d", pm->precision);
    int fl = pm->precision == GCV_PLUGIN_FLOAT;
    const char *missing = fl && !pm->cost_f           ? "cost_f"
                          : fl && !pm->gradient_f     ? "gradient_f"
                          : !fl && !pm->cost          ? "cost"
                          : !fl && !pm->gradient      ? "gradient"
                                                      : NULL;
    if (missing)
        return bad_model(err, lib, "%s: expected a function for a %s model, got NULL", missing,
                         fl ? "float" : "double");
    if (fl && pm->cost_complex)
        return bad_model(err, lib, "cost_complex: expected NULL for a float model (the complex "
                         "step is a double-precision method), got a function");
    if (pm->n_params == 0)
        return bad_model(err, lib, "n_params: expected at least 1, got 0");
    if (pm->n_blocks == 0 || !pm->blocks)
        return bad_model(err, lib, "blocks: expected at least one block, got %s",
                         pm->blocks ? "n_blocks = 0" : "NULL");
    if (!pm->theta)
        return bad_model(err, lib, "theta: expected %zu values, got NULL", pm->n_params);
    if (pm->ws_bytes > WS_LIMIT)
        return bad_model(err, lib, "ws_bytes: expected at most 2^40, got %zu", pm->ws_bytes);
    if (pm->n_blocks > pm->n_params)
        return bad_model(err, lib, "n_blocks: expected at most n_params = %zu (every block holds "
                         "a parameter), got %zu", pm->n_params, pm->n_blocks);
    return GCV_OK;
}

/* Each block named, in layer order, of a size that fits; together n_params parameters. */
static gcv_status check_blocks(const gcv_plugin_model *pm, const char *lib, gcv_error *err)
{
    size_t sum = 0;
    int last_layer = 1;
    for (size_t b = 0; b < pm->n_blocks; b++) {
        const gcv_plugin_block *bl = &pm->blocks[b];
        size_t len = bl->name ? strnlen(bl->name, GCV_NAME_LEN) : 0;
        if (len == 0 || len >= GCV_NAME_LEN)
            return bad_model(err, lib, "blocks[%zu].name: expected 1 to %d bytes, got %s", b,
                             GCV_NAME_LEN - 1, !bl->name ? "NULL" : len ? "a longer name" : "\"\"");
        if (!name_ok(bl->name))
            return bad_model(err, lib, "blocks[%zu].name: expected letters, digits and "
                             "_ . - + : / ( ) [ ] only, got other characters", b);
        if (bl->layer < last_layer)
            return bad_model(err, lib, "blocks[%zu].layer: expected a layer ≥ %d (layers "
                             "start at 1 and never decrease), got %d", b, last_layer,
                             bl->layer);
        last_layer = bl->layer;
        if (bl->rows == 0 || bl->cols == 0)
            return bad_model(err, lib, "blocks[%zu] (%s): expected rows and cols ≥ 1, got "
                             "%zu×%zu", b, bl->name, bl->rows, bl->cols);
        if (bl->rows > SIZE_MAX / bl->cols || sum > SIZE_MAX - bl->rows * bl->cols)
            return bad_model(err, lib, "blocks[%zu] (%s): expected a size that fits, got "
                             "%zu×%zu", b, bl->name, bl->rows, bl->cols);
        sum += bl->rows * bl->cols;
    }
    if (sum != pm->n_params)
        return bad_model(err, lib, "blocks: expected blocks adding up to n_params = %zu, got "
                         "%zu parameters in %zu blocks", pm->n_params, sum, pm->n_blocks);
    return GCV_OK;
}

/* Unique names: sorted, so a model of a million blocks is checked in O(n log n). */
static gcv_status check_unique_names(const gcv_plugin_model *pm, const char *lib,
                                     gcv_error *err)
{
    const gcv_plugin_block **sorted = malloc(pm->n_blocks * sizeof *sorted);
    if (!sorted) {
        gcv_error_set(err, "model.library: %s: out of memory for the model", lib);
        return GCV_ERR_NOMEM;
    }
    for (size_t b = 0; b < pm->n_blocks; b++)
        sorted[b] = &pm->blocks[b];
    qsort(sorted, pm->n_blocks, sizeof *sorted, cmp_name);
    for (size_t b = 1; b < pm->n_blocks; b++)
        if (strcmp(sorted[b - 1]->name, sorted[b]->name) == 0) {
            /* the later of the two, as a reader scanning the blocks in order meets it */
            size_t i = (size_t)(sorted[b] - pm->blocks), j = (size_t)(sorted[b - 1] - pm->blocks);
            free(sorted);
            return bad_model(err, lib, "blocks[%zu].name: expected a unique name, got \"%s\" "
                             "again (blocks[%zu])", i > j ? i : j, pm->blocks[i].name,
                             i > j ? j : i);
        }
    free(sorted);
    return GCV_OK;
}

/* Every value of θ finite, named by its block and position. */
static gcv_status check_theta(const gcv_plugin_model *pm, const char *lib, gcv_error *err)
{
    int fl = pm->precision == GCV_PLUGIN_FLOAT;
    size_t off = 0;
    for (size_t b = 0; b < pm->n_blocks; b++) {
        const gcv_plugin_block *bl = &pm->blocks[b];
        for (size_t k = 0; k < bl->rows * bl->cols; k++) {
            double v = fl ? (double)((const float *)pm->theta)[off + k]
                          : ((const double *)pm->theta)[off + k];
            if (!isfinite(v))
                return bad_model(err, lib, "theta[%zu] (%s[%zu,%zu]): expected a finite "
                                 "number, got %s", off + k, bl->name, k / bl->cols,
                                 k % bl->cols, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
        }
        off += bl->rows * bl->cols;
    }
    return GCV_OK;
}

static gcv_status check_model(const gcv_plugin_model *pm, const char *lib, gcv_error *err)
{
    gcv_status st;
    if ((st = check_fields(pm, lib, err)) != GCV_OK ||
        (st = check_blocks(pm, lib, err)) != GCV_OK ||
        (st = check_unique_names(pm, lib, err)) != GCV_OK)
        return st;
    return check_theta(pm, lib, err);
}

/* The gcv_model around a validated plugin model. */
static gcv_status wrap(plugin_self *s, const char *lib, gcv_model **out, gcv_error *err)
{
    const gcv_plugin_model *pm = &s->pm;
    const size_t P = pm->n_params;
    int fl = pm->precision == GCV_PLUGIN_FLOAT;
    gcv_model *m = calloc(1, sizeof *m);
    if (!m)
        goto nomem;
    m->self = s;
    m->destroy = destroy;
    snprintf(m->type, sizeof m->type, "plugin");
    m->n_params = P;
    m->n_blocks = pm->n_blocks;
    m->blocks = calloc(pm->n_blocks, sizeof *m->blocks);
    m->theta = malloc(P * sizeof *m->theta);
    if (!m->blocks || !m->theta)
        goto nomem;
    size_t off = 0;
    for (size_t b = 0; b < pm->n_blocks; b++) {
        gcv_block *bl = &m->blocks[b];
        snprintf(bl->name, sizeof bl->name, "%s", pm->blocks[b].name);
        bl->layer = pm->blocks[b].layer;
        bl->rows = pm->blocks[b].rows;
        bl->cols = pm->blocks[b].cols;
        bl->offset = off;
        off += bl->rows * bl->cols;
    }
    for (size_t i = 0; i < P; i++)
        m->theta[i] = fl ? (double)((const float *)pm->theta)[i] : ((const double *)pm->theta)[i];
    /* Float: θ and the gradient as floats first, then the plugin's own workspace. */
    s->ws_off = fl ? round64(2 * P * sizeof(float)) : 0;
    if (fl && (P > WS_LIMIT / (2 * sizeof(float)) || pm->ws_bytes > WS_LIMIT))
        goto nomem;
    m->ws_bytes = s->ws_off + pm->ws_bytes;
    m->precision = fl ? GCV_FLOAT : GCV_DOUBLE;
    m->cost = fl ? cost_float : cost_double;
    m->gradient = fl ? gradient_float : gradient_double;
    m->kinks_crossed = pm->kinks_crossed ? kinks_crossed : NULL;
    m->cost_complex = pm->cost_complex ? cost_complex : NULL;
    m->cost_perturbed = pm->cost_perturbed ? cost_perturbed : NULL;
    m->error = pm->error ? error_text : NULL;
    clean_line(s->description, sizeof s->description, pm->description);
    *out = m;
    return GCV_OK;
nomem:
    if (m) {
        m->self = NULL; /* the caller still owns s */
        free(m->blocks);
        free(m->theta);
        free(m);
    }
    gcv_error_set(err, "model.library: %s: out of memory for the model", lib);
    return GCV_ERR_NOMEM;
}

#ifndef GCV_PLUGINDIR
#define GCV_PLUGINDIR "/usr/local/lib/gcverify/plugins"
#endif

/* A bare name (no '/') is looked up in the folders of GCV_PLUGIN_PATH (colon-separated),
 * then in examples/plugins/ next to the running gcverify (a build tree), then in the
 * installed plugin folder. Returns 0 with the path in buf, or -1 with the places tried. */
static int find_plugin(const char *name, char *buf, size_t n, char *tried, size_t tn)
{
    char dirs[4096] = "", exe[4096];
    const char *env = getenv("GCV_PLUGIN_PATH");
    size_t k = 0;
    if (env && *env)
        k += (size_t)snprintf(dirs + k, sizeof dirs - k, "%s:", env);
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0 && k < sizeof dirs) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            k += (size_t)snprintf(dirs + k, sizeof dirs - k, "%s/examples/plugins:", exe);
        }
    }
    if (k < sizeof dirs)
        snprintf(dirs + k, sizeof dirs - k, "%s", GCV_PLUGINDIR);
    snprintf(tried, tn, "%s", dirs);
    for (char *d = dirs, *next; d; d = next) {
        next = strchr(d, ':');
        if (next)
            *next++ = '\0';
        if (!*d)
            continue;
        snprintf(buf, n, "%s/%s", d, name);
        if (access(buf, F_OK) == 0)
            return 0;
    }
    return -1;
}

gcv_status gcv_plugin_load(const gcv_plugin_spec *spec, gcv_model **out, gcv_error *err)
{
    const char *lib = spec->library;
    char found[4096], tried[4096];
    *out = NULL;
    if (!strchr(lib, '/')) {
        if (find_plugin(lib, found, sizeof found, tried, sizeof tried) != 0) {
            gcv_error_set(err, "model.library: %s: expected a plugin of that name in one of "
                          "%.300s (GCV_PLUGIN_PATH, then next to gcverify, then the installed "
                          "folder), got none", lib, tried);
            return GCV_ERR_IO;
        }
        lib = found;
    }
    gcv_status st = check_file(lib, err);
    if (st)
        return st;
    plugin_self *s = calloc(1, sizeof *s);
    if (!s) {
        gcv_error_set(err, "model.library: %s: out of memory", lib);
        return GCV_ERR_NOMEM;
    }
    dlerror();
    s->handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!s->handle) {
        const char *e = dlerror();
        gcv_error_set(err, "model.library: %s: expected a loadable shared object, got: %s", lib,
                      e ? e : "dlopen failed");
        free(s);
        return GCV_ERR_INVALID;
    }
    const unsigned *abi = dlsym(s->handle, "gcv_plugin_abi_version");
    union {
        void *p;
        gcv_plugin_model_new_fn *f;
    } entry;
    entry.p = dlsym(s->handle, "gcv_plugin_model_new");
    char msg[GCV_ERROR_LEN] = "";
    gcv_plugin_args args = {GCV_PLUGIN_ABI_VERSION, spec->options_json ? spec->options_json : "{}",
                            spec->config_dir ? spec->config_dir : ".", msg, sizeof msg};
    if (!abi) {
        gcv_error_set(err, "model.library: %s: expected the symbol gcv_plugin_abi_version "
                      "(GCV_PLUGIN_DECLARE_ABI in the plugin), got none", lib);
        st = GCV_ERR_INVALID;
    } else if (*abi != GCV_PLUGIN_ABI_VERSION) {
        gcv_error_set(err, "model.library: %s: expected plugin ABI version %u, got %u "
                      "(rebuild the plugin against this gcverify's plugin.h)", lib,
                      GCV_PLUGIN_ABI_VERSION, *abi);
        st = GCV_ERR_INVALID;
    } else if (!entry.p) {
        gcv_error_set(err, "model.library: %s: expected the function gcv_plugin_model_new, got "
                      "no such symbol", lib);
        st = GCV_ERR_INVALID;
    } else if (entry.f(&args, &s->pm) != 0) {
        msg[sizeof msg - 1] = '\0';
        char line[GCV_ERROR_LEN];
        clean_line(line, sizeof line, msg);
        gcv_error_set(err, "model.library: %s: gcv_plugin_model_new failed: %s", lib,
                      line[0] ? line : "(it gave no reason)");
        st = GCV_ERR_INVALID;
        /* A plugin that fails cleans up after itself; its model is not ours to destroy. */
        memset(&s->pm, 0, sizeof s->pm);
    } else if (!s->pm.destroy) {
        gcv_error_set(err, "model.library: %s: gcv_plugin_model_new returned a bad model: "
                      "destroy: expected a function, got NULL", lib);
        st = GCV_ERR_INVALID;
        memset(&s->pm, 0, sizeof s->pm); /* nothing can free it: the plugin's leak */
    } else if ((st = check_model(&s->pm, lib, err)) == GCV_OK) {
        st = wrap(s, lib, out, err);
    }
    if (st != GCV_OK) {
        if (s->pm.destroy)
            s->pm.destroy(s->pm.self);
        dlclose(s->handle);
        free(s);
    }
    return st;
}

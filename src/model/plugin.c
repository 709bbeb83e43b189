/* The plugin loader and the adapter from a gcv_plugin_model (plugin ABI) to a gcv_model
 * (engine interface).
 *
 * Order of loading, each step refusing with one line before the next one runs:
 *   1. the file: present, a regular file, an ELF shared object (ET_DYN), not an executable;
 *   2. dlopen (RTLD_NOW | RTLD_LOCAL: every symbol resolved now, none leaking into others);
 *   3. gcv_plugin_abi_version: present and one we speak (2, or 1 through the compatibility
 *      path: its smaller block struct converted, its layer rule kept), read before gcverify
 *      calls any plugin function (dlopen has run the library's ELF constructors, if any);
 *   4. gcv_plugin_model_new: present; called once with a zeroed model;
 *   5. the model it filled: functions for its precision, blocks partitioning θ (views
 *      included: plugin-views.c), names, layers, shapes, a finite θ.
 * A model rejected in step 5 is destroyed through its own destroy(); the library is closed
 * on every failure path.
 *
 * Float models: the adapter's workspace starts with a float copy of θ (and, for the one
 * gradient call, a float gradient), then the plugin's own workspace at a 64-byte offset.
 * The engine only ever passes float-representable θ to a float model (gcv_model.precision),
 * so converting θ to float is exact and J is the plugin's float J, widened exactly.
 *
 * OpenMP: every call into the plugin runs with one OpenMP thread for the regions the plugin
 * opens itself (the calling thread's nthreads ICV set to 1 around the call, then restored).
 * gcverify's threads are the parallelism; a model's own `#pragma omp parallel for` nested
 * inside them (or, with --threads 1, opened by each of thousands of cost calls on a few
 * thousand values) costs thread wake-ups per call and oversubscribes the machine. */
#include "plugin.h"

#include <dlfcn.h>
#include <omp.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gcverify/plugin.h"
#include "model/plugin-internal.h"
#include "util/strutil.h"

typedef struct plugin_self {
    void *handle;        /* dlopen handle */
    gcv_plugin_model pm; /* what the plugin handed over */
    size_t ws_off;       /* the plugin's workspace inside ours */
    char description[256];
    char err_line[256];  /* the plugin's error(), made one clean line (used once, after a
                            failed gradient, on one thread) */
    unsigned abi;        /* the version the plugin was built for */
    gcv_plugin_block *v1_blocks; /* a version 1 plugin's blocks, converted */
    size_t *locate_block, *locate_entry; /* gcv_model_locate's tables (views only) */
    int openmp;          /* the library links an OpenMP runtime of its own calls */
} plugin_self;

/* The plugin's own OpenMP regions get one thread (see the top): around every call. */
#define ONE_THREAD(call)                                                                   \
    do {                                                                                   \
        int saved_threads_ = omp_get_max_threads();                                        \
        omp_set_num_threads(1);                                                            \
        call;                                                                              \
        omp_set_num_threads(saved_threads_);                                               \
    } while (0)

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
    int rc;
    ONE_THREAD(rc = s->pm.cost(s->pm.self, theta, ws, cost));
    return rc;
}

static int gradient_double(const gcv_model *m, const double *theta, double *grad, void *ws,
                           double *cost)
{
    const plugin_self *s = m->self;
    int rc;
    ONE_THREAD(rc = s->pm.gradient(s->pm.self, theta, grad, ws, cost));
    return rc;
}

static int cost_float(const gcv_model *m, const double *theta, void *ws, double *cost)
{
    const plugin_self *s = m->self;
    float *t = ws, j = NAN;
    for (size_t i = 0; i < m->n_params; i++)
        t[i] = (float)theta[i];
    int rc;
    ONE_THREAD(rc = s->pm.cost_f(s->pm.self, t, plugin_ws(s, ws), &j));
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
        g[i] = (float)grad[i]; /* what the caller's buffer holds (NaN from the engine, the
                                  pre-flight's patterns), so both precisions see the same */
    }
    int rc;
    ONE_THREAD(rc = s->pm.gradient_f(s->pm.self, t, g, plugin_ws(s, ws), &j));
    for (size_t i = 0; i < m->n_params; i++)
        grad[i] = (double)g[i];
    *cost = (double)j;
    return rc;
}

static size_t kinks_crossed(const gcv_model *m, const void *ws)
{
    const plugin_self *s = m->self;
    size_t n;
    ONE_THREAD(n = s->pm.kinks_crossed(s->pm.self, (const char *)ws + s->ws_off));
    return n;
}

static int cost_complex(const gcv_model *m, const double *theta, size_t idx, double h,
                        void *ws, double *re, double *im)
{
    const plugin_self *s = m->self;
    int rc;
    ONE_THREAD(rc = s->pm.cost_complex(s->pm.self, theta, idx, h, plugin_ws(s, ws), re, im));
    return rc;
}

static int cost_perturbed(const gcv_model *m, size_t idx, double value, void *ws,
                          double *cost)
{
    const plugin_self *s = m->self;
    int rc;
    ONE_THREAD(rc = s->pm.cost_perturbed(s->pm.self, idx, value, plugin_ws(s, ws), cost));
    return rc;
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
        free(s->v1_blocks);
        free(s->locate_block);
        free(s->locate_entry);
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

int gcv_plugin_uses_openmp(const gcv_model *m)
{
    return ((const plugin_self *)m->self)->openmp;
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

/* ---- step 5: the model the plugin handed over ---- */

#define WS_LIMIT ((size_t)1 << 40)

/* The model's fields other than its blocks: precision and functions, sizes, θ present. */
static gcv_status check_fields(const gcv_plugin_model *pm, const char *lib, gcv_error *err)
{
    if (pm->precision != GCV_PLUGIN_DOUBLE && pm->precision != GCV_PLUGIN_FLOAT)
        return gcv_plugin_bad_model(err, lib, "precision: expected GCV_PLUGIN_DOUBLE (0) or "
                         "GCV_PLUGIN_FLOAT (1), got %d", pm->precision);
    int fl = pm->precision == GCV_PLUGIN_FLOAT;
    const char *missing = fl && !pm->cost_f           ? "cost_f"
                          : fl && !pm->gradient_f     ? "gradient_f"
                          : !fl && !pm->cost          ? "cost"
                          : !fl && !pm->gradient      ? "gradient"
                                                      : NULL;
    if (missing)
        return gcv_plugin_bad_model(err, lib, "%s: expected a function for a %s model, got NULL", missing,
                         fl ? "float" : "double");
    if (fl && pm->cost_complex)
        return gcv_plugin_bad_model(err, lib, "cost_complex: expected NULL for a float model (the complex "
                         "step is a double-precision method), got a function");
    if (pm->n_params == 0)
        return gcv_plugin_bad_model(err, lib, "n_params: expected at least 1, got 0");
    if (pm->n_blocks == 0 || !pm->blocks)
        return gcv_plugin_bad_model(err, lib, "blocks: expected at least one block, got %s",
                         pm->blocks ? "n_blocks = 0" : "NULL");
    if (!pm->theta)
        return gcv_plugin_bad_model(err, lib, "theta: expected %zu values, got NULL", pm->n_params);
    if (pm->ws_bytes > WS_LIMIT)
        return gcv_plugin_bad_model(err, lib, "ws_bytes: expected at most 2^40, got %zu", pm->ws_bytes);
    if (pm->n_blocks > pm->n_params)
        return gcv_plugin_bad_model(err, lib, "n_blocks: expected at most n_params = %zu (every block holds "
                         "a parameter), got %zu", pm->n_params, pm->n_blocks);
    return GCV_OK;
}

/* The gcv_model around the plugin model: its fields checked (check_fields), its blocks
 * checked and made views (plugin-views.c), its θ finite. */
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
    gcv_status st = gcv_plugin_make_blocks(pm, s->abi, lib, m, &s->locate_block,
                                           &s->locate_entry, err);
    if (!st)
        st = gcv_plugin_check_theta(pm, m, lib, err);
    if (st) {
        m->self = NULL;
        free(m->blocks);
        free(m);
        return st;
    }
    m->locate_block = s->locate_block;
    m->locate_entry = s->locate_entry;
    m->theta = malloc(P * sizeof *m->theta);
    if (!m->theta)
        goto nomem;
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

/* Steps 3 and 4: the ABI version, the entry point called with the options' accessors, the
 * model's fields; a version 1 plugin's blocks converted. */
static gcv_status call_entry(plugin_self *s, const gcv_plugin_spec *spec, const char *lib,
                             gcv_error *err)
{
    const unsigned *abi = dlsym(s->handle, "gcv_plugin_abi_version");
    union {
        void *p;
        gcv_plugin_model_new_fn *f;
    } entry;
    entry.p = dlsym(s->handle, "gcv_plugin_model_new");
    s->openmp = dlsym(s->handle, "omp_get_num_threads") != NULL;
    char msg[GCV_ERROR_LEN] = "";
    gcv_plugin_args_full args = {{GCV_PLUGIN_ABI_VERSION,
                                  spec->options_json ? spec->options_json : "{}",
                                  spec->config_dir ? spec->config_dir : ".", msg, sizeof msg,
                                  NULL, NULL, NULL, NULL, NULL},
                                 NULL};
    if (!abi) {
        gcv_error_set(err, "model.library: %s: expected the symbol gcv_plugin_abi_version "
                      "(GCV_PLUGIN_DECLARE_ABI in the plugin), got none", lib);
        return GCV_ERR_INVALID;
    }
    if (*abi != GCV_PLUGIN_ABI_VERSION && *abi != 1) {
        gcv_error_set(err, "model.library: %s: expected plugin ABI version %u (or 1), got %u "
                      "(rebuild the plugin against this gcverify's plugin.h)", lib,
                      GCV_PLUGIN_ABI_VERSION, *abi);
        return GCV_ERR_INVALID;
    }
    s->abi = *abi;
    if (!entry.p) {
        gcv_error_set(err, "model.library: %s: expected the function gcv_plugin_model_new, got "
                      "no such symbol", lib);
        return GCV_ERR_INVALID;
    }
    if (gcv_plugin_args_init(&args, spec->options_json, err) != 0)
        return GCV_ERR_INVALID;
    args.a.abi_version = s->abi; /* a version 1 plugin is told the version it speaks */
    int rc;
    ONE_THREAD(rc = entry.f(&args.a, &s->pm));
    gcv_plugin_args_done(&args);
    if (rc != 0) {
        msg[sizeof msg - 1] = '\0';
        char line[GCV_ERROR_LEN];
        clean_line(line, sizeof line, msg);
        gcv_error_set(err, "model.library: %s: gcv_plugin_model_new failed: %s", lib,
                      line[0] ? line : "(it gave no reason)");
        /* A plugin that fails cleans up after itself; its model is not ours to destroy. */
        memset(&s->pm, 0, sizeof s->pm);
        return GCV_ERR_INVALID;
    }
    if (!s->pm.destroy) {
        gcv_error_set(err, "model.library: %s: gcv_plugin_model_new returned a bad model: "
                      "destroy: expected a function, got NULL", lib);
        memset(&s->pm, 0, sizeof s->pm); /* nothing can free it: the plugin's leak */
        return GCV_ERR_INVALID;
    }
    gcv_status st = check_fields(&s->pm, lib, err);
    if (st == GCV_OK && s->abi == 1) {
        if (!(s->v1_blocks = gcv_plugin_blocks_from_v1(s->pm.blocks, s->pm.n_blocks))) {
            gcv_error_set(err, "model.library: %s: out of memory", lib);
            return GCV_ERR_NOMEM;
        }
        s->pm.blocks = s->v1_blocks;
    }
    return st;
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
    st = call_entry(s, spec, lib, err);
    if (st == GCV_OK)
        st = wrap(s, lib, out, err);
    if (st != GCV_OK) {
        if (s->pm.destroy)
            s->pm.destroy(s->pm.self);
        dlclose(s->handle);
        free(s->v1_blocks);
        free(s->locate_block);
        free(s->locate_entry);
        free(s);
    }
    return st;
}

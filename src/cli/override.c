/* --set KEY=VALUE and --plugin PATH on the parsed JSON tree of each config, before the
 * config's own validation runs: the value is parsed as JSON when it is JSON (3, true,
 * [1, 2], {"a": 1}, "text") and taken as a string otherwise (gelu, richardson), then set at
 * the dotted key, making the objects on the way when the file has none. Nothing here knows
 * which keys exist or what they take: the config's parser decides, and its message about a
 * key an override set ends with "(from --set KEY=VALUE)".
 *
 * --plugin PATH is model.type "plugin" and model.library PATH, a relative PATH taken from
 * the working folder (where the command line was typed), not the config's folder. */
#include "cli/override.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

int gcv_override_check(const char *arg, char *why, size_t n)
{
    const char *eq = strchr(arg, '=');
    size_t klen = eq ? (size_t)(eq - arg) : 0;
    int ok = eq && klen > 0 && arg[0] != '.' && arg[klen - 1] != '.';
    for (size_t i = 0; ok && i + 1 < klen; i++)
        ok = !(arg[i] == '.' && arg[i + 1] == '.');
    if (!ok) {
        snprintf(why, n, "expected KEY=VALUE with a dotted KEY such as check.method=richardson "
                 "or model.options.bug=true, got '%s'", arg);
        return -1;
    }
    return 0;
}

/* VALUE as JSON when it is, else as a string. */
static cJSON *value_of(const char *v)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(v, &end, 1);
    return j ? j : cJSON_CreateString(v);
}

/* Sets key (dotted, klen bytes) to val in root; -1 with err naming arg when a member on the
 * way is not an object. */
static int set_path(cJSON *root, const char *key, size_t klen, cJSON *val, const char *arg,
                    gcv_error *err)
{
    cJSON *at = root;
    char part[256], done[512] = "";
    for (size_t i = 0; i < klen;) {
        size_t j = i;
        while (j < klen && key[j] != '.')
            j++;
        snprintf(part, sizeof part, "%.*s", (int)(j - i), key + i);
        if (!cJSON_IsObject(at)) {
            snprintf(err->msg, sizeof err->msg, "--set %.150s: %.150s: expected an object to "
                     "set %.150s in, got another value", arg, done[0] ? done : "the top level",
                     part);
            cJSON_Delete(val);
            return -1;
        }
        if (j == klen) { /* the last name: set it */
            if (cJSON_GetObjectItemCaseSensitive(at, part))
                cJSON_ReplaceItemInObjectCaseSensitive(at, part, val);
            else
                cJSON_AddItemToObject(at, part, val);
            return 0;
        }
        cJSON *next = cJSON_GetObjectItemCaseSensitive(at, part);
        if (!next)
            next = cJSON_AddObjectToObject(at, part);
        size_t d = strlen(done);
        snprintf(done + d, sizeof done - d, "%s%s", d ? "." : "", part);
        at = next;
        i = j + 1;
    }
    cJSON_Delete(val);
    return 0;
}

static int set_one(cJSON *root, const char *key, const char *value, const char *arg,
                   gcv_error *err)
{
    cJSON *val = value_of(value);
    if (!val) {
        snprintf(err->msg, sizeof err->msg, "%s: out of memory", arg);
        return -1;
    }
    return set_path(root, key, strlen(key), val, arg, err);
}

static int apply(const void *ctx, void *root_, gcv_error *err)
{
    const gcv_overrides *o = ctx;
    cJSON *root = root_;
    if (o->plugin) {
        char abs[PATH_MAX + 2], cwd[PATH_MAX];
        if (o->plugin[0] != '/' && strchr(o->plugin, '/') && getcwd(cwd, sizeof cwd))
            snprintf(abs, sizeof abs, "%.*s/%s", (int)(sizeof abs / 2), cwd, o->plugin);
        else
            snprintf(abs, sizeof abs, "%s", o->plugin);
        cJSON *type = cJSON_CreateString("plugin"), *lib = cJSON_CreateString(abs);
        if (!type || !lib) {
            cJSON_Delete(type);
            cJSON_Delete(lib);
            snprintf(err->msg, sizeof err->msg, "--plugin: out of memory");
            return -1;
        }
        if (set_path(root, "model.type", 10, type, o->plugin, err) != 0 ||
            set_path(root, "model.library", 13, lib, o->plugin, err) != 0)
            return -1;
    }
    for (size_t k = 0; k < o->n_sets; k++) {
        const char *eq = strchr(o->sets[k], '=');
        char key[512];
        snprintf(key, sizeof key, "%.*s", (int)(eq - o->sets[k]), o->sets[k]);
        if (set_one(root, key, eq + 1, o->sets[k], err) != 0)
            return -1;
    }
    return 0;
}

/* 1 when a and b name the same member or one lies inside the other. */
static int related(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;
    if (strncmp(a, b, n) != 0)
        return 0;
    const char *rest = la > lb ? a + n : b + n;
    return *rest == '\0' || *rest == '.' || *rest == '[';
}

static int origin(const void *ctx, const char *path, char *buf, size_t n)
{
    const gcv_overrides *o = ctx;
    for (size_t k = o->n_sets; k-- > 0;) { /* the last one set it */
        char key[512];
        snprintf(key, sizeof key, "%.*s", (int)(strchr(o->sets[k], '=') - o->sets[k]),
                 o->sets[k]);
        if (related(key, path)) {
            snprintf(buf, n, "--set %s", o->sets[k]);
            return 1;
        }
    }
    if (o->plugin && (related("model.library", path) || related("model.type", path))) {
        snprintf(buf, n, "--plugin %s", o->plugin);
        return 1;
    }
    return 0;
}

void gcv_override_name(const gcv_overrides *o, char *msg, size_t n)
{
    const char *p = strstr(msg, "model.options.");
    char path[256], by[300];
    if (!p && o->plugin && strncmp(msg, "model.library: ", 15) == 0)
        p = msg; /* a message about the library --plugin named */
    size_t len = p ? strcspn(p, ": ") : 0;
    if (len == 0 || len >= sizeof path)
        return;
    snprintf(path, sizeof path, "%.*s", (int)len, p);
    size_t used = strlen(msg);
    if (origin(o, path, by, sizeof by) && used < n)
        snprintf(msg + used, n - used, " (from %s)", by);
}

gcv_config_edit gcv_override_edit(const gcv_overrides *o)
{
    return (gcv_config_edit){apply, origin, o};
}

/* A minimal reader of the plugin's options (the JSON object of model.options, as text) for
 * the example plugins: flat numbers, booleans and strings by key. A real plugin may link
 * cJSON instead; these examples stay dependency-free so they build with one cc line. */
#ifndef EXAMPLE_OPTIONS_H
#define EXAMPLE_OPTIONS_H

#include <stdlib.h>
#include <string.h>

/* The text after "key": (whitespace skipped), or NULL when the key is absent. */
static inline const char *opt_find(const char *json, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = strchr(json, '"'); p; p = strchr(p + 1, '"')) {
        if (strncmp(p + 1, key, n) == 0 && p[n + 1] == '"') {
            const char *q = p + n + 2;
            while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
                q++;
            if (*q != ':')
                continue;
            q++;
            while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
                q++;
            return q;
        }
    }
    return NULL;
}

/* A number option; def when absent; *bad set when present but not a number. */
static inline double opt_number(const char *json, const char *key, double def, int *bad)
{
    const char *v = opt_find(json, key);
    if (!v)
        return def;
    char *end;
    double x = strtod(v, &end);
    if (end == v)
        *bad = 1;
    return x;
}

/* A boolean option. */
static inline int opt_bool(const char *json, const char *key, int def, int *bad)
{
    const char *v = opt_find(json, key);
    if (!v)
        return def;
    if (strncmp(v, "true", 4) == 0)
        return 1;
    if (strncmp(v, "false", 5) == 0)
        return 0;
    *bad = 1;
    return def;
}

/* Whether the string option key equals want (def when absent). */
static inline int opt_is(const char *json, const char *key, const char *want, int def)
{
    const char *v = opt_find(json, key);
    if (!v)
        return def;
    size_t n = strlen(want);
    return v[0] == '"' && strncmp(v + 1, want, n) == 0 && v[n + 1] == '"';
}

/* A deterministic uniform in [0, 1) (SplitMix64), so the examples make their own data. */
static inline double opt_uniform(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-53;
}

#endif

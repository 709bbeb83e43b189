/* DIR/<name><ext>, and folders made as `mkdir -p` makes them (see path.h). */
#include "util/path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *gcv_path_in_dir(char *buf, size_t n, const char *dir, const char *name, const char *ext)
{
    snprintf(buf, n, "%s/%s%s", dir, name, ext);
    return buf;
}

/* The folder prefix p (a copy of part of the path) exists as a folder, or is made one: 0, or
 * -1 with "p: reason" in why. */
static int make_one(const char *p, char *why, size_t n)
{
    struct stat st;
    int e;
    if (stat(p, &st) == 0) {
        e = S_ISDIR(st.st_mode) ? 0 : ENOTDIR; /* a file in the way */
    } else if (errno != ENOENT) {
        e = errno;
    } else if (mkdir(p, 0777) == 0) { /* the mode is 0777 & ~umask, as mkdir(1) gives */
        e = 0;
    } else {
        e = errno;
        if (e == EEXIST && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            e = 0; /* made by someone else meanwhile */
    }
    if (e)
        snprintf(why, n, "%s: %s", p, strerror(e));
    return e ? -1 : 0;
}

int gcv_make_dirs(const char *dir, char *why, size_t n)
{
    size_t len = strlen(dir);
    char *p = malloc(len + 1);
    if (!p) {
        snprintf(why, n, "%s: %s", dir, strerror(ENOMEM));
        return -1;
    }
    memcpy(p, dir, len + 1);
    int rc = 0;
    /* Each prefix ending before a '/' (the root and empty parts aside), then the whole. */
    for (size_t i = 1; i <= len && rc == 0; i++) {
        if (i < len && p[i] != '/')
            continue;
        if (i < len && p[i - 1] == '/')
            continue; /* "a//b": the empty part */
        char c = p[i];
        p[i] = '\0';
        rc = make_one(p, why, n);
        p[i] = c;
    }
    free(p);
    return rc;
}

int gcv_make_parent_dirs(const char *path, char *why, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) /* in the current folder, or in the root */
        return 0;
    size_t len = (size_t)(slash - path);
    char *dir = malloc(len + 1);
    if (!dir) {
        snprintf(why, n, "%s: %s", path, strerror(ENOMEM));
        return -1;
    }
    memcpy(dir, path, len);
    dir[len] = '\0';
    int rc = gcv_make_dirs(dir, why, n);
    free(dir);
    return rc;
}

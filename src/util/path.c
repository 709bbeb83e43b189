/* DIR/<name><ext>, a name made a file name, and folders made as `mkdir -p` makes them (see
 * path.h). */
#include "util/path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/utf8.h"

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

/* Kept as is: letters, digits and "-_.+,=@ " of ASCII, and valid UTF-8 beyond it. */
static int keep_ascii(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("-_.+,=@ ", c) != NULL);
}

char *gcv_path_file_stem(const char *name, char *buf, size_t n)
{
    size_t k = 0, cap = n - 1 < GCV_STEM_MAX ? n - 1 : GCV_STEM_MAX;
    for (const unsigned char *p = (const unsigned char *)name; *p && k < cap;) {
        size_t len = *p >= 0x80 ? gcv_utf8_len(p) : keep_ascii(*p) ? 1 : 0;
        if (len == 0 || k + len > cap) { /* a byte that could leave the folder, or cut */
            buf[k++] = '_';
            p += len ? len : 1;
            continue;
        }
        memcpy(buf + k, p, len);
        k += len;
        p += len;
    }
    if (k > 0 && buf[0] == '.')
        buf[0] = '_'; /* ".", "..", and no hidden file */
    if (k == 0)
        buf[k++] = '_';
    buf[k] = '\0';
    return buf;
}

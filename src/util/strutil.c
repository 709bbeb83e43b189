/* String, path and file helpers; see strutil.h. Paths are plain byte strings with '/'
 * separators (POSIX), which is all the config format promises. */
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE and MADV_POPULATE_WRITE */
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

char *gcv_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *gcv_path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return gcv_strdup(".");
    /* "a//b.json" has the folder "a", and "/x.json" the folder "/". */
    while (slash > path && slash[-1] == '/')
        slash--;
    if (slash == path)
        return gcv_strdup("/");
    return dup_range(path, (size_t)(slash - path));
}

char *gcv_path_join(const char *dir, const char *rel)
{
    /* Keeping "X.npy" rather than "./X.npy" makes messages shorter and equal to what the
     * user wrote when the config sits in the current folder. */
    if (rel[0] == '/' || !dir || dir[0] == '\0' || strcmp(dir, ".") == 0)
        return gcv_strdup(rel);
    size_t nd = strlen(dir), nr = strlen(rel);
    int sep = dir[nd - 1] != '/';
    char *out = malloc(nd + (size_t)sep + nr + 1);
    if (!out)
        return NULL;
    memcpy(out, dir, nd);
    if (sep)
        out[nd] = '/';
    memcpy(out + nd + (size_t)sep, rel, nr + 1);
    return out;
}

char *gcv_path_stem(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    /* A leading dot (".json") is a hidden file's name, not an extension. */
    size_t n = (dot && dot != base) ? (size_t)(dot - base) : strlen(base);
    return dup_range(base, n);
}

size_t gcv_levenshtein(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > GCV_LEVENSHTEIN_MAX || nb > GCV_LEVENSHTEIN_MAX)
        return SIZE_MAX;
    /* Three rows: the transposition looks two rows back. */
    size_t rows[3][GCV_LEVENSHTEIN_MAX + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t best = sub < del ? sub : del;
            best = best < ins ? best : ins;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1; /* "modle" is one slip from "model", not two */
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

size_t gcv_utf8_prefix(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    /* Back off continuation bytes (10xxxxxx) so the cut lands before a lead byte. */
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

void gcv_format_bytes(double bytes, char *out, size_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
                                        "ZiB", "YiB"};
    size_t u = 0;
    while (bytes >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        bytes /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(out, n, "%.0f B", bytes);
    else
        snprintf(out, n, "%.1f %s", bytes, units[u]);
}

void gcv_format_shape(const size_t *shape, size_t ndim, char *out, size_t n)
{
    size_t len = 0;
    if (n == 0)
        return;
    out[0] = '\0';
    int w = snprintf(out, n, "(");
    for (size_t i = 0; i < ndim && w >= 0; i++) {
        len += (size_t)w;
        if (len >= n)
            return;
        w = snprintf(out + len, n - len, i ? ", %zu" : "%zu", shape[i]);
    }
    if (w < 0)
        return;
    len += (size_t)w;
    if (len < n)
        snprintf(out + len, n - len, ndim == 1 ? ",)" : ")");
}

static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISFIFO(mode))
        return "a pipe";
    if (S_ISSOCK(mode))
        return "a socket";
    return "something that is not a regular file";
}

int gcv_file_open_regular(const char *path, uint64_t *size, char *why, size_t why_len)
{
    /* O_NONBLOCK so that a FIFO is refused instead of blocking the open until a writer
     * comes; fstat on the open descriptor so the check and the read see the same file. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_len, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(why, why_len, "cannot stat: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, why_len, "expected a regular file, got %s", file_kind(st.st_mode));
        close(fd);
        return -1;
    }
    *size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
    return fd;
}

gcv_status gcv_file_size_of(const char *path, uint64_t *size, gcv_error *err)
{
    char why[200];
    int fd = gcv_file_open_regular(path, size, why, sizeof why);
    if (fd < 0) {
        gcv_error_set(err, "%s: %s", path, why);
        return GCV_ERR_IO;
    }
    close(fd);
    return GCV_OK;
}

void gcv_str_append(char *buf, size_t n, size_t *k, const char *fmt, ...)
{
    if (*k + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *k, n - *k, fmt, ap);
    va_end(ap);
    if (w > 0)
        *k = *k + (size_t)w < n ? *k + (size_t)w : n - 1;
}

void gcv_error_set(gcv_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void gcv_prefault(void *p, size_t n)
{
#if defined(MADV_HUGEPAGE) || defined(MADV_POPULATE_WRITE)
    if (!p || n < GCV_PREFAULT_MIN)
        return;
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t pg = page > 0 ? (uintptr_t)page : 4096u;
    uintptr_t lo = ((uintptr_t)p + pg - 1) / pg * pg, hi = ((uintptr_t)p + n) / pg * pg;
    if (hi <= lo)
        return;
    /* Hints only: a kernel without them (EINVAL) or out of huge pages faults as usual. */
#ifdef MADV_HUGEPAGE
    (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
    (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#endif
#else
    (void)p;
    (void)n;
#endif
}

/* The one way gcverify writes a file (see output.h): into a short-named temporary in the
 * target's folder, then renamed over it, or in place where the target is a device, a FIFO
 * or a standard stream; staged so that one config's set of reports appears whole or not at
 * all; and JSON numbers and strings written the one way the contract wants (17 significant
 * digits with '.', null for NaN and ±Inf, valid UTF-8).
 *
 * Why in place for streams: renaming over /dev/null (as root) would turn the device into a
 * regular file, and renaming over /dev/stdout would replace the link and print nothing; a
 * device or a FIFO is meant to be written to, not replaced.
 *
 * Why the temporary's name is short and fixed in length: "PATH.tmp-XXXXXX" made a legal
 * 250-byte file name 261 bytes long, over NAME_MAX (255), so the file could not be written. */
#define _GNU_SOURCE /* open_memstream, O_CLOEXEC */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/output-priv.h"
#include "util/path.h"
#include "util/utf8.h"

/* "PATH: cannot write the WHAT: reason" into err; returns GCV_ERR_IO. */
static gcv_status write_error(gcv_error *err, const char *path, const char *what,
                              const char *reason)
{
    /* Bounded parts: a very long path still leaves room for the reason (and a line cut
     * short is still one line). */
    if (snprintf(err->msg, sizeof err->msg, "%.240s: cannot write the %.40s: %.240s", path,
                 what, reason) < 0)
        err->msg[0] = '\0';
    return GCV_ERR_IO;
}

/* One staged file: a temporary to rename (tmp, dest), or a stream's bytes to write in place
 * (buf, len to dest or to descriptor fd). */
typedef struct staged {
    char *tmp, *dest, *shown, *buf;
    size_t len;
    int fd;
    const char *what;
} staged;

static int staging;
static staged *pending;
static size_t n_pending, cap_pending;

static void staged_free(staged *s)
{
    if (s->tmp)
        unlink(s->tmp);
    free(s->tmp);
    free(s->dest);
    free(s->shown);
    free(s->buf);
}

static int push(const staged *s)
{
    if (n_pending == cap_pending) {
        size_t cap = cap_pending ? 2 * cap_pending : 8;
        staged *p = realloc(pending, cap * sizeof *p);
        if (!p)
            return -1;
        pending = p;
        cap_pending = cap;
    }
    pending[n_pending++] = *s;
    return 0;
}

/* A copy of s, or NULL. */
static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

/* A temporary file in the folder of dest: its name into *tmp (malloc'd), with the usual mode
 * under the umask; the folder is made first when missing. Returns the stream, or NULL with
 * the reason in why. */
static FILE *open_temp(const char *dest, char **tmp, char *why, size_t n)
{
    const char *slash = strrchr(dest, '/');
    size_t dlen = slash ? (size_t)(slash - dest) + 1 : 0;
    char *t = malloc(dlen + 16);
    if (!t) {
        snprintf(why, n, "%s", strerror(ENOMEM));
        return NULL;
    }
    memcpy(t, dest, dlen);
    strcpy(t + dlen, ".gcv-XXXXXX");
    int fd = mkstemp(t);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
        /* A folder on the way is missing: made as mkdir -p would (or the part in the way
         * named), then tried again with a fresh template. */
        char dirwhy[GCV_ERROR_LEN / 2];
        if (gcv_make_parent_dirs(dest, dirwhy, sizeof dirwhy) != 0) {
            snprintf(why, n, "cannot make its folder: %s", dirwhy);
            free(t);
            return NULL;
        }
        strcpy(t + dlen, ".gcv-XXXXXX");
        fd = mkstemp(t);
    }
    FILE *f = NULL;
    if (fd >= 0) {
        /* mkstemp makes the file 0600; give it the usual mode under the umask. */
        mode_t mask = umask(0);
        umask(mask);
        if (fchmod(fd, (mode_t)(0666 & ~mask)) == 0)
            f = fdopen(fd, "w");
        if (!f) {
            int e = errno;
            close(fd);
            unlink(t);
            errno = e;
        }
    }
    if (!f) {
        snprintf(why, n, "%s", strerror(errno));
        free(t);
        return NULL;
    }
    *tmp = t;
    return f;
}

/* Runs write into f and closes it; 0, or the first failure's errno (a full disk shows at the
 * write, the flush or the close; -1 when write failed without one). */
static int fill(FILE *f, int (*write)(FILE *f, void *ctx), void *ctx, int sync)
{
    errno = 0;
    int bad = write(f, ctx) != 0, e = bad ? (errno ? errno : -1) : 0;
    if (!bad && (fflush(f) != 0 || (sync && fsync(fileno(f)) != 0)))
        bad = 1, e = errno;
    if (fclose(f) != 0 && !bad)
        e = errno ? errno : -1;
    return e;
}

static const char *reason(int e)
{
    return e > 0 ? strerror(e) : "write error";
}

/* A regular file (or a new one) at dest, shown as path: a temporary, then the rename. */
static gcv_status write_file(const char *path, const char *dest,
                             int (*write)(FILE *f, void *ctx), void *ctx, const char *what,
                             gcv_error *err)
{
    char why[GCV_ERROR_LEN];
    char *tmp = NULL;
    FILE *f = open_temp(dest, &tmp, why, sizeof why);
    if (!f)
        return write_error(err, path, what, why);
    int e = fill(f, write, ctx, 1);
    if (!e && staging) {
        staged s = {.tmp = tmp, .dest = dup_str(dest), .shown = dup_str(path), .fd = -1,
                    .what = what};
        if (s.dest && s.shown && push(&s) == 0)
            return GCV_OK;
        s.tmp = NULL;
        staged_free(&s);
        e = ENOMEM;
    }
    if (!e && rename(tmp, dest) != 0)
        e = errno;
    if (e)
        unlink(tmp);
    free(tmp);
    return e ? write_error(err, path, what, reason(e)) : GCV_OK;
}

/* The bytes buf[0..len) to a stream target (descriptor fd, else dest opened for writing,
 * neither made nor truncated); 0 or errno. */
static int stream_out(const char *dest, int fd, const char *buf, size_t len)
{
    fflush(stdout);
    fflush(stderr);
    int out = fd >= 0 ? dup(fd) : open(dest, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (out < 0)
        return errno;
    int e = 0;
    for (size_t done = 0; done < len && !e;) {
        ssize_t w = write(out, buf + done, len - done);
        if (w < 0 && errno != EINTR)
            e = errno;
        else if (w > 0)
            done += (size_t)w;
    }
    if (close(out) != 0 && !e && errno != EINTR)
        e = errno;
    return e;
}

/* A device, a FIFO or a standard stream: the report made in memory, then written in place
 * (at the commit while staging). */
static gcv_status write_stream(const char *path, const char *dest, int fd,
                               int (*write)(FILE *f, void *ctx), void *ctx, const char *what,
                               gcv_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return write_error(err, path, what, strerror(errno));
    int e = fill(f, write, ctx, 0);
    if (!e && staging) {
        staged s = {.dest = dup_str(dest), .shown = dup_str(path), .buf = buf, .len = len,
                    .fd = fd, .what = what};
        if (s.dest && s.shown && push(&s) == 0)
            return GCV_OK;
        staged_free(&s);
        return write_error(err, path, what, strerror(ENOMEM));
    }
    if (!e)
        e = stream_out(dest, fd, buf, len);
    free(buf);
    return e ? write_error(err, path, what, reason(e)) : GCV_OK;
}

gcv_status gcv_write_atomic(const char *path, int (*write)(FILE *f, void *ctx), void *ctx,
                            const char *what, gcv_error *err)
{
    char real[GCV_OUT_PATH_MAX], why[GCV_ERROR_LEN / 2], input[64];
    int fd = -1;
    gcv_output_kind k = gcv_output_kind_of(path, real, sizeof real, &fd, why, sizeof why);
    if (k == GCV_OUT_BAD)
        return write_error(err, path, what, why);
    if (k == GCV_OUT_STREAM)
        return write_stream(path, real, fd, write, ctx, what, err);
    if (k == GCV_OUT_FILE && gcv_output_is_input(real, input, sizeof input)) {
        snprintf(why, sizeof why, "it is %s this run reads (refused: it would be lost)",
                 input);
        return write_error(err, path, what, why);
    }
    return write_file(path, real, write, ctx, what, err);
}

void gcv_output_stage(void)
{
    gcv_output_discard();
    staging = 1;
}

void gcv_output_discard(void)
{
    for (size_t i = 0; i < n_pending; i++)
        staged_free(&pending[i]);
    free(pending);
    pending = NULL;
    n_pending = cap_pending = 0;
    staging = 0;
}

gcv_status gcv_output_commit(gcv_error *err)
{
    gcv_status st = GCV_OK;
    for (size_t i = 0; i < n_pending && st == GCV_OK; i++) {
        staged *s = &pending[i];
        int e = 0;
        if (s->tmp) {
            e = rename(s->tmp, s->dest) != 0 ? errno : 0;
            if (!e) {
                free(s->tmp);
                s->tmp = NULL;
            }
        } else {
            e = stream_out(s->dest, s->fd, s->buf, s->len);
        }
        if (e)
            st = write_error(err, s->shown, s->what, reason(e));
    }
    gcv_output_discard(); /* after a failure: the temporaries not yet renamed */
    return st;
}

/* ---- JSON numbers and strings ---- */

void gcv_json_num(FILE *f, double v)
{
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    /* printf follows LC_NUMERIC, which a plugin may have set to a decimal comma: the
     * locale's decimal point (possibly several bytes) is put back to '.'. */
    char buf[64], out[64];
    snprintf(buf, sizeof buf, "%.17g", v);
    const char *dp = localeconv()->decimal_point;
    size_t dl = dp ? strlen(dp) : 0, k = 0;
    for (const char *p = buf; *p && k + 1 < sizeof out;) {
        if (dl && strncmp(p, dp, dl) == 0 && strcmp(dp, ".") != 0) {
            out[k++] = '.';
            p += dl;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
    fputs(out, f);
}

void gcv_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = gcv_utf8_len(p);
        if (n == 0) {
            fputs("\\ufffd", f); /* not UTF-8: the replacement character */
            p++;
        } else if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p++);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p++);
        } else {
            fwrite(p, 1, n, f);
            p += n;
        }
    }
    fputc('"', f);
}

/* What every report writer shares: files replaced atomically (their folders made when
 * missing), and JSON numbers and strings written the one way the contract wants (17
 * significant digits, null for NaN and ±Inf). */
#include "output.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/path.h"

/* "PATH: cannot write the WHAT: reason" into err; returns GCV_ERR_IO. */
static gcv_status write_error(gcv_error *err, const char *path, const char *what,
                              const char *reason)
{
    /* Bounded parts: a very long path still leaves room for the reason (and a line cut
     * short is still one line). */
    if (snprintf(err->msg, sizeof err->msg, "%.240s: cannot write the %.20s: %.240s", path,
                 what, reason) < 0)
        err->msg[0] = '\0';
    return GCV_ERR_IO;
}

/* A temporary file next to path, its name into tmp (tmp_n bytes: path.tmp-XXXXXX made
 * unique), with the usual mode under the umask; its folder is made first when missing.
 * Returns the stream, or NULL with the reason in why. */
static FILE *open_temp(const char *path, char *tmp, size_t tmp_n, char *why, size_t n)
{
    snprintf(tmp, tmp_n, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
        /* A folder on the way is missing: made as mkdir -p would (or the part in the way
         * named), then tried again (mkstemp may have changed the Xs: a new template). */
        char dirwhy[GCV_ERROR_LEN / 2];
        if (gcv_make_parent_dirs(path, dirwhy, sizeof dirwhy) != 0) {
            snprintf(why, n, "cannot make its folder: %s", dirwhy);
            return NULL;
        }
        snprintf(tmp, tmp_n, "%s.tmp-XXXXXX", path);
        fd = mkstemp(tmp);
    }
    if (fd < 0) {
        snprintf(why, n, "%s", strerror(errno));
        return NULL;
    }
    /* mkstemp makes the file 0600; give it the usual mode under the umask. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, (mode_t)(0666 & ~mask));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        snprintf(why, n, "%s", strerror(errno));
        close(fd);
        unlink(tmp);
    }
    return f;
}

gcv_status gcv_write_atomic(const char *path, int (*write)(FILE *f, void *ctx), void *ctx,
                            const char *what, gcv_error *err)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp)
        return write_error(err, path, what, strerror(ENOMEM));
    char why[GCV_ERROR_LEN];
    FILE *f = open_temp(path, tmp, n, why, sizeof why);
    if (!f) {
        free(tmp);
        return write_error(err, path, what, why);
    }
    /* The first failure's errno: a full disk shows at the write, the flush or the close. */
    errno = 0;
    int bad = write(f, ctx) != 0, e = bad ? errno : 0;
    if (!bad && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        bad = 1, e = errno;
    if (fclose(f) != 0 && !bad)
        bad = 1, e = errno;
    if (!bad && rename(tmp, path) != 0)
        bad = 1, e = errno;
    if (bad) {
        unlink(tmp);
        free(tmp);
        return write_error(err, path, what, e ? strerror(e) : "write error");
    }
    free(tmp);
    return GCV_OK;
}


void gcv_json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

void gcv_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* What every report writer shares: files replaced atomically, and JSON numbers and strings
 * written the one way the contract wants (17 significant digits, null for NaN and ±Inf). */
#include "output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

gcv_status gcv_write_atomic(const char *path, int (*write)(FILE *f, void *ctx), void *ctx,
                            const char *what, gcv_error *err)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) {
        snprintf(err->msg, sizeof err->msg, "%s: out of memory", path);
        return GCV_ERR_NOMEM;
    }
    snprintf(tmp, n, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd >= 0) {
        /* mkstemp makes the file 0600; give it the usual mode under the umask. */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, (mode_t)(0666 & ~mask));
    }
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        snprintf(err->msg, sizeof err->msg, "%s: cannot write the %s", path, what);
        free(tmp);
        return GCV_ERR_IO;
    }
    int bad = write(f, ctx) != 0;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        unlink(tmp);
        snprintf(err->msg, sizeof err->msg, "%s: cannot write the %s", path, what);
        free(tmp);
        return GCV_ERR_IO;
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

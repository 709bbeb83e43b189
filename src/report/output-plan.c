/* The plan of a run's outputs (see output.h): what is at each output path, the run's inputs
 * that no output may replace, and the claims that check every output before the check
 * starts.
 *
 * Why before the check: a path that cannot be written (a read-only folder, a file in the way
 * of a folder, a name over NAME_MAX) used to be found only after the whole check had run, and
 * a second report that failed left the first one written. Claiming each path first (its
 * folder made, a probe file made and removed) turns those into one exit-2 line before any
 * work, with the system's reason.
 *
 * Why inputs are compared by device and inode: "x.json" and "./x.json", a link or another
 * spelling name the same file; only its identity says that `--json x.json` would replace the
 * config it was read from, or --export the X.npy the run reads.
 *
 * The state is the process's (the command plans and writes from one thread): inputs and claims
 * of the config being run, forgotten by gcv_output_plan_reset. */
#define _GNU_SOURCE /* realpath with a buffer */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/output-priv.h"
#include "report/output.h"
#include "util/path.h"

typedef struct input {
    dev_t dev;
    ino_t ino;
    char what[48];
} input;

typedef struct claim {
    char *key;      /* "#dev:ino" of an existing file, else its folder's real path + name */
    char what[48];
} claim;

static input *inputs;
static size_t n_inputs;
static claim *claims;
static size_t n_claims;

void gcv_output_plan_reset(void)
{
    free(inputs);
    inputs = NULL;
    n_inputs = 0;
    for (size_t i = 0; i < n_claims; i++)
        free(claims[i].key);
    free(claims);
    claims = NULL;
    n_claims = 0;
}

int gcv_output_input(const char *path, const char *what)
{
    struct stat st;
    if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0; /* nothing there (the reader says so), or not a file an output could be */
    input *p = realloc(inputs, (n_inputs + 1) * sizeof *p);
    if (!p)
        return -1;
    inputs = p;
    input *in = &inputs[n_inputs++];
    in->dev = st.st_dev;
    in->ino = st.st_ino;
    snprintf(in->what, sizeof in->what, "%s", what);
    return 0;
}

int gcv_output_is_input(const char *path, char *what, size_t n)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    for (size_t i = 0; i < n_inputs; i++)
        if (inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino) {
            snprintf(what, n, "%s", inputs[i].what);
            return 1;
        }
    return 0;
}

/* The descriptor a standard-stream path names: /dev/stdout 1, /dev/stderr 2, /dev/fd/N and
 * /proc/self/fd/N N; else -1. Written to through that descriptor: opening /dev/stdout anew
 * would start at offset 0 of a file the shell redirected to and overwrite the text report. */
static int std_fd(const char *path)
{
    if (strcmp(path, "/dev/stdout") == 0)
        return 1;
    if (strcmp(path, "/dev/stderr") == 0)
        return 2;
    const char *n = strncmp(path, "/dev/fd/", 8) == 0         ? path + 8
                    : strncmp(path, "/proc/self/fd/", 14) == 0 ? path + 14
                                                               : NULL;
    if (!n || *n < '0' || *n > '9')
        return -1;
    char *end;
    long v = strtol(n, &end, 10);
    return *end == '\0' && v >= 0 && v < INT_MAX ? (int)v : -1;
}

/* why = a followed by b; GCV_OUT_BAD. */
static gcv_output_kind bad(char *why, size_t wn, const char *a, const char *b)
{
    if (snprintf(why, wn, "%s%s", a, b) < 0)
        why[0] = '\0';
    return GCV_OUT_BAD;
}

gcv_output_kind gcv_output_kind_of(const char *path, char *real, size_t n, int *fd, char *why,
                                   size_t wn)
{
    char len[32];
    snprintf(len, sizeof len, "%zu", strlen(path));
    if (strlen(path) >= GCV_OUT_PATH_MAX || strlen(path) >= n)
        return bad(why, wn, len, " bytes: the path is over PATH_MAX (4096 bytes)");
    strcpy(real, path);
    *fd = std_fd(path);
    char link[64];
    ssize_t ln = *fd < 0 ? readlink(path, link, sizeof link - 1) : -1;
    if (ln > 0) { /* a link of one's own to /proc/self/fd/1 is the standard output too */
        link[ln] = '\0';
        *fd = std_fd(link);
    }
    if (*fd >= 0) {
        int fl = fcntl(*fd, F_GETFL);
        if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
            return bad(why, wn, path, " is not open for writing");
        return GCV_OUT_STREAM;
    }
    struct stat st, lst;
    if (lstat(path, &lst) != 0)
        return GCV_OUT_NEW; /* a missing folder is made, other reasons come at the write */
    if (stat(path, &st) != 0)
        return bad(why, wn, "it is a symbolic link to nothing: ", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return bad(why, wn, strerror(EISDIR), "");
    if (S_ISBLK(st.st_mode))
        return bad(why, wn, "it is a block device (refused: a report would overwrite it)", "");
    if (!S_ISREG(st.st_mode))
        return GCV_OUT_STREAM; /* a character device, a FIFO, a socket: written in place */
    if (S_ISLNK(lst.st_mode) && !realpath(path, real)) {
        strcpy(real, path);
        return bad(why, wn, "cannot follow the link: ", strerror(errno));
    }
    return GCV_OUT_FILE;
}

/* "PATH: cannot write the WHAT: reason" into err. */
static gcv_status refuse(gcv_error *err, const char *path, const char *what, const char *why)
{
    if (snprintf(err->msg, sizeof err->msg, "%.240s: cannot write the %.40s: %.240s", path,
                 what, why) < 0)
        err->msg[0] = '\0';
    return GCV_ERR_IO;
}

/* The file at real could be made or replaced: its name fits the folder's NAME_MAX, and a
 * probe temporary is made and removed in its folder (the file itself is never touched: a
 * concurrent writer may be renaming its own report there). 0, or errno. */
static int probe(const char *real)
{
    const char *slash = strrchr(real, '/');
    size_t dlen = slash ? (size_t)(slash - real) + 1 : 0;
    char t[GCV_OUT_PATH_MAX + 16];
    memcpy(t, real, dlen);
    strcpy(t + dlen, "."); /* the folder, for its NAME_MAX */
    long name_max = pathconf(t, _PC_NAME_MAX);
    if (name_max > 0 && strlen(real + dlen) > (size_t)name_max)
        return ENAMETOOLONG;
    strcpy(t + dlen, ".gcv-XXXXXX");
    int fd = mkstemp(t);
    if (fd < 0)
        return errno;
    close(fd);
    unlink(t);
    return 0;
}

/* The identity of the output at real: "#dev:ino" when it exists, else its folder's real path
 * and its name (the folder exists: it was made). NULL when out of memory. */
static char *key_of(const char *real)
{
    struct stat st;
    char buf[GCV_OUT_PATH_MAX + 64], dir[PATH_MAX];
    if (stat(real, &st) == 0) {
        snprintf(buf, sizeof buf, "#%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    } else {
        const char *slash = strrchr(real, '/');
        char folder[GCV_OUT_PATH_MAX];
        snprintf(folder, sizeof folder, "%.*s", slash ? (int)(slash - real) : 1,
                 slash ? (slash == real ? "/" : real) : ".");
        if (!realpath(folder, dir))
            snprintf(dir, sizeof dir, "%s", folder);
        if (snprintf(buf, sizeof buf, "%s/%s", dir, slash ? slash + 1 : real) < 0)
            return NULL;
    }
    size_t len = strlen(buf) + 1;
    char *k = malloc(len);
    return k ? memcpy(k, buf, len) : NULL;
}

gcv_status gcv_output_claim(const char *path, const char *what, gcv_error *err)
{
    char real[GCV_OUT_PATH_MAX], why[GCV_ERROR_LEN / 2];
    int fd = -1;
    gcv_output_kind k = gcv_output_kind_of(path, real, sizeof real, &fd, why, sizeof why);
    if (k == GCV_OUT_BAD)
        return refuse(err, path, what, why);
    if (k == GCV_OUT_STREAM) {
        if (fd < 0 && access(real, W_OK) != 0)
            return refuse(err, path, what, strerror(errno));
        return GCV_OK; /* /dev/null twice is fine: nothing is replaced */
    }
    char dirwhy[GCV_ERROR_LEN / 2], input_what[48];
    if (gcv_make_parent_dirs(real, dirwhy, sizeof dirwhy) != 0) {
        if (snprintf(why, sizeof why, "cannot make its folder: %s", dirwhy) < 0)
            why[0] = '\0';
        return refuse(err, path, what, why);
    }
    if (k == GCV_OUT_FILE && gcv_output_is_input(real, input_what, sizeof input_what)) {
        snprintf(why, sizeof why, "it is %s this run reads (refused: it would be lost)",
                 input_what);
        return refuse(err, path, what, why);
    }
    int e = probe(real);
    if (e)
        return refuse(err, path, what, strerror(e));
    char *key = key_of(real);
    claim *p = key ? realloc(claims, (n_claims + 1) * sizeof *p) : NULL;
    if (!p) {
        free(key);
        return refuse(err, path, what, strerror(ENOMEM));
    }
    claims = p;
    for (size_t i = 0; i < n_claims; i++)
        if (strcmp(claims[i].key, key) == 0) {
            if (snprintf(why, sizeof why, "the %s goes to the same file (two outputs on one "
                         "path)", claims[i].what) < 0)
                why[0] = '\0';
            free(key);
            return refuse(err, path, what, why);
        }
    claims[n_claims].key = key;
    snprintf(claims[n_claims++].what, sizeof claims->what, "%s", what);
    return GCV_OK;
}

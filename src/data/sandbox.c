/* The child-process reader of sandbox.h. The child runs the reader, then writes one message:
 *
 *   header   magic, status, ndim, shape, count, dtype, is_integer, has_data, error text
 *   data     count doubles when has_data
 *
 * and ends with _exit (no atexit handler of libhdf5's runs twice). The parent reads the
 * header, checks it field by field against what the read may produce (a known status, a rank
 * within GCV_NPY_MAX_DIMS, a shape whose product is count, count within max_count, both texts
 * NUL-terminated), then the data, then reaps the child: any exit but a clean one after a
 * whole message turns into a one-line error naming the file, the library and the signal. */
#include "data/sandbox.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/strutil.h"

/* Sanitizer runtimes reserve terabytes of address space for their shadow memory: an
 * address-space limit would stop the child before it starts. Their builds run the child
 * without one, and keep its stderr (the sanitizer's report is the point of those builds). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GCV_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define GCV_SANITIZED 1
#endif
#endif
#ifndef GCV_SANITIZED
#define GCV_SANITIZED 0
#endif

#define GCV_SANDBOX_MAGIC 0x67637362u /* "gcsb" */

typedef struct gcv_sandbox_msg {
    uint32_t magic;
    int32_t status;
    uint64_t ndim;
    uint64_t shape[GCV_NPY_MAX_DIMS];
    uint64_t count;
    char dtype[8];
    int32_t is_integer;
    int32_t has_data;
    char msg[GCV_ERROR_LEN];
} gcv_sandbox_msg;

/* Beyond the array itself (held twice at the end of a read: libhdf5's conversion buffer and
 * ours), what a library may take for its own metadata and caches while reading. */
#define GCV_SANDBOX_SLACK ((uint64_t)512 << 20)

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Returns the bytes read: n, or fewer when the child closed the pipe early. */
static size_t read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* The child's address space now, in bytes (0 when /proc is not there). */
static uint64_t address_space_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long pages = 0;
    int ok = fscanf(f, "%llu", &pages) == 1;
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    if (!ok || page <= 0 || pages > UINT64_MAX / (uint64_t)page)
        return 0;
    return (uint64_t)pages * (uint64_t)page;
}

/* What the read may add to the child's address space: the array twice and the slack. When
 * that does not fit in 64 bits (no cap was asked for), the child runs without a limit. */
static void limit_child(size_t max_count)
{
    if (GCV_SANITIZED)
        return;
    uint64_t now = address_space_now();
    uint64_t n = (uint64_t)max_count;
    if (now == 0 || n > (UINT64_MAX - GCV_SANDBOX_SLACK - now) / 16)
        return;
    uint64_t limit = now + 16 * n + GCV_SANDBOX_SLACK;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0)
        return;
    if (rl.rlim_max != RLIM_INFINITY && (uint64_t)rl.rlim_max < limit)
        limit = (uint64_t)rl.rlim_max;
    if (rl.rlim_cur != RLIM_INFINITY && (uint64_t)rl.rlim_cur < limit)
        return; /* already tighter */
    rl.rlim_cur = (rlim_t)limit;
    setrlimit(RLIMIT_AS, &rl);
}

static void run_child(int fd, gcv_sandbox_reader reader, const char *path, const char *name,
                      size_t max_count)
{
    if (!GCV_SANITIZED) {
        /* glibc reports heap corruption it detects on stderr before aborting; the library
         * never prints, and the parent says what happened. */
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, STDERR_FILENO);
            close(null);
        }
    }
    limit_child(max_count);
    gcv_npy out;
    gcv_error err;
    memset(&out, 0, sizeof out);
    memset(&err, 0, sizeof err);
    gcv_status st = reader(path, name, max_count, &out, &err);

    gcv_sandbox_msg m;
    memset(&m, 0, sizeof m);
    m.magic = GCV_SANDBOX_MAGIC;
    m.status = (int32_t)st;
    m.ndim = out.ndim;
    for (size_t d = 0; d < GCV_NPY_MAX_DIMS; d++)
        m.shape[d] = out.shape[d];
    m.count = out.count;
    memcpy(m.dtype, out.dtype, sizeof m.dtype);
    m.dtype[sizeof m.dtype - 1] = '\0';
    m.is_integer = out.is_integer;
    m.has_data = st == GCV_OK && out.data != NULL;
    memcpy(m.msg, err.msg, sizeof m.msg);
    m.msg[sizeof m.msg - 1] = '\0';
    int bad = write_all(fd, &m, sizeof m);
    if (!bad && m.has_data)
        bad = write_all(fd, out.data, out.count * sizeof *out.data);
    free(out.data);
    _exit(bad ? 3 : 0);
}

int gcv_sandbox_limits_memory(void)
{
    return !GCV_SANITIZED;
}

static int known_status(int32_t s)
{
    return s == GCV_OK || s == GCV_ERR_IO || s == GCV_ERR_INVALID || s == GCV_ERR_NOMEM;
}

/* The header passed every check: a status the reader can return, a shape that matches its
 * count, and for data, a count within max_count. Returns NULL or what is wrong. */
static const char *check_header(const gcv_sandbox_msg *m, size_t max_count)
{
    if (m->magic != GCV_SANDBOX_MAGIC)
        return "a message without the sandbox's mark";
    if (!known_status(m->status))
        return "an unknown status";
    if (!memchr(m->msg, '\0', sizeof m->msg) || !memchr(m->dtype, '\0', sizeof m->dtype))
        return "an unterminated text";
    if (m->has_data != (m->status == GCV_OK))
        return "data that does not match its status";
    if (m->ndim > GCV_NPY_MAX_DIMS)
        return "a rank beyond the largest";
    uint64_t count = 1;
    for (uint64_t d = 0; d < m->ndim; d++) {
        if (m->shape[d] != 0 && count > UINT64_MAX / m->shape[d])
            return "a shape that overflows";
        count *= m->shape[d];
    }
    if (m->status == GCV_OK) {
        if (count != m->count || count == 0)
            return "a shape that does not match its count";
        if (m->count > max_count || m->count > SIZE_MAX / sizeof(double))
            return "more values than allowed";
    }
    return NULL;
}

/* Reaps the child; returns its wait status, or -1. */
static int reap(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return status;
}

gcv_status gcv_sandbox_read(gcv_sandbox_reader reader, const char *library, const char *path,
                            const char *name, size_t max_count, gcv_npy *out, gcv_error *err)
{
    memset(out, 0, sizeof *out);
#ifdef GCV_SANDBOX_INPROCESS
    /* scripts/fuzz with GCV_FUZZ_INPROCESS=1: libFuzzer sees the coverage of the reader
     * only when it runs in the fuzzer's own process. */
    (void)library;
    return reader(path, name, max_count, out, err);
#endif
    int fds[2];
    if (pipe(fds) != 0)
        return reader(path, name, max_count, out, err);
    /* Our stdio buffers are copied into the child; it ends with _exit and never flushes. */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return reader(path, name, max_count, out, err);
    }
    if (pid == 0) {
        close(fds[0]);
        run_child(fds[1], reader, path, name, max_count);
    }
    close(fds[1]);

    gcv_sandbox_msg m;
    memset(&m, 0, sizeof m);
    const char *wrong = NULL;
    double *data = NULL;
    int whole = read_all(fds[0], &m, sizeof m) == sizeof m;
    if (whole && !(wrong = check_header(&m, max_count)) && m.has_data) {
        data = malloc((size_t)m.count * sizeof *data);
        if (!data)
            wrong = "more values than memory holds";
        else if (read_all(fds[0], data, (size_t)m.count * sizeof *data) !=
                 (size_t)m.count * sizeof *data)
            whole = 0;
    }
    close(fds[0]);
    int status = reap(pid);

    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !whole || wrong) {
        free(data);
        if (wrong) { /* first: the child may have died of the pipe we closed on it */
            gcv_error_set(err, "%s: %s: expected %s to report a read, got %s", path, name,
                          library, wrong);
        } else if (status != -1 && WIFSIGNALED(status)) {
            int sig = WTERMSIG(status);
            gcv_error_set(err, "%s: %s: expected a file %s can read, got one that made it crash "
                          "(signal %d, %s): the file is damaged or not what it claims to be",
                          path, name, library, sig, strsignal(sig));
        } else {
            gcv_error_set(err, "%s: %s: expected a file %s can read, got one it failed on "
                          "(its reading process ended with status %d%s)", path, name, library,
                          status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                          whole ? "" : " before it reported");
        }
        return wrong && !strcmp(wrong, "more values than memory holds") ? GCV_ERR_NOMEM
                                                                         : GCV_ERR_INVALID;
    }

    gcv_status st = (gcv_status)m.status;
    out->ndim = (size_t)m.ndim;
    for (size_t d = 0; d < GCV_NPY_MAX_DIMS; d++)
        out->shape[d] = d < out->ndim ? (size_t)m.shape[d] : 0;
    out->count = (size_t)m.count;
    memcpy(out->dtype, m.dtype, sizeof out->dtype);
    out->is_integer = m.is_integer != 0;
    out->data = data;
    if (st != GCV_OK)
        gcv_error_set(err, "%s", m.msg);
    return st;
}

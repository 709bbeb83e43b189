/* The worker protocol's transport; see process_wire.h.
 *
 * Why a socket pair and not two pipes: a worker that dies leaves gcverify writing into a
 * closed channel, and a pipe answers that with SIGPIPE, which would end gcverify itself (a
 * library must not change the process's signal dispositions to avoid it). send() with
 * MSG_NOSIGNAL on a stream socket reports EPIPE instead. To the worker the socket is an
 * ordinary file descriptor 0 and 1: it reads and writes them as it would pipes.
 *
 * Why posix_spawnp and not fork: a worker may be restarted in the middle of a check, while
 * other threads run; posix_spawn is safe there, a fork followed by setenv is not. */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np, SOCK_CLOEXEC */
#include "model/process_wire.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The variables every worker gets: its number, and one thread for the libraries that would
 * otherwise start a pool per worker (gcverify already runs one worker per thread). */
static const char *const ONE_THREAD[] = {"OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1",
                                         "MKL_NUM_THREADS=1", "BLIS_NUM_THREADS=1",
                                         "VECLIB_MAXIMUM_THREADS=1", "NUMEXPR_NUM_THREADS=1"};
#define N_ONE_THREAD (sizeof ONE_THREAD / sizeof ONE_THREAD[0])

/* 1 when the environment entry e sets one of the variables gcverify sets. */
static int overridden(const char *e)
{
    if (strncmp(e, "GCVERIFY_WORKER=", 16) == 0 || strncmp(e, "PYTHONPATH=", 11) == 0 ||
        strncmp(e, "OCTAVE_PATH=", 12) == 0)
        return 1;
    for (size_t k = 0; k < N_ONE_THREAD; k++) {
        size_t len = (size_t)(strchr(ONE_THREAD[k], '=') - ONE_THREAD[k]) + 1;
        if (strncmp(e, ONE_THREAD[k], len) == 0)
            return 1;
    }
    return 0;
}

/* meson defines both (the install prefix's share/gcverify and the source tree's clients/);
 * a build outside meson (the fuzz targets) gets the default prefix's. */
#ifndef GCV_CLIENTDIR
#define GCV_CLIENTDIR "/usr/local/share/gcverify"
#endif
#ifndef GCV_SOURCE_CLIENTDIR
#define GCV_SOURCE_CLIENTDIR GCV_CLIENTDIR
#endif

/* Where the client helpers are (gcverify_worker.py, gcverify_serve.m): $GCVERIFY_CLIENT_DIR,
 * else the installed folder, else the source tree's clients/ (a gcverify run from its build
 * folder). */
static const char *client_dir(void)
{
    const char *d = getenv("GCVERIFY_CLIENT_DIR");
    if (d && *d)
        return d;
    return access(GCV_CLIENTDIR, R_OK) == 0 ? GCV_CLIENTDIR : GCV_SOURCE_CLIENTDIR;
}

/* "NAME=<the caller's value>:<dir>/<sub>": the helpers are found after the user's own path. */
static char *search_path(const char *name, const char *sub)
{
    const char *old = getenv(name), *dir = client_dir();
    size_t n = strlen(name) + (old ? strlen(old) : 0) + strlen(dir) + strlen(sub) + 4;
    char *v = malloc(n);
    if (v)
        snprintf(v, n, "%s=%s%s%s/%s", name, old && *old ? old : "", old && *old ? ":" : "",
                 dir, sub);
    return v;
}

/* environ without the variables above, then those, then GCVERIFY_WORKER; NULL-terminated. */
static char **worker_env(char *number, char **paths)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = malloc((n + N_ONE_THREAD + 4) * sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!overridden(environ[i]))
            env[k++] = environ[i];
    for (size_t i = 0; i < N_ONE_THREAD; i++)
        env[k++] = (char *)ONE_THREAD[i];
    env[k++] = number;
    env[k++] = paths[0];
    env[k++] = paths[1];
    env[k] = NULL;
    return env;
}

static int spawn(gcv_wire *w, char *const *argv, const char *cwd, int child_fd, char **env,
                 char *why, size_t n)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        snprintf(why, n, "could not prepare the process");
        return -1;
    }
    int rc = posix_spawn_file_actions_adddup2(&fa, child_fd, 0);
    if (!rc)
        rc = posix_spawn_file_actions_adddup2(&fa, child_fd, 1);
    if (!rc)
        rc = posix_spawn_file_actions_addclose(&fa, child_fd);
    if (!rc)
        rc = posix_spawn_file_actions_addclose(&fa, w->fd);
    if (!rc && cwd)
        rc = posix_spawn_file_actions_addchdir_np(&fa, cwd);
    if (!rc)
        rc = posix_spawnp(&w->pid, argv[0], &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(why, n, "could not start %s: %s", argv[0], strerror(rc));
        w->pid = 0;
        return -1;
    }
    return 0;
}

int gcv_wire_start(gcv_wire *w, char *const *argv, const char *cwd, unsigned number, char *why,
                   size_t n)
{
    int sv[2];
    w->pid = 0;
    w->fd = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(why, n, "could not make its socket pair: %s", strerror(errno));
        return -1;
    }
    w->fd = sv[0];
    char num[40];
    snprintf(num, sizeof num, "GCVERIFY_WORKER=%u", number);
    char *paths[2] = {search_path("PYTHONPATH", "python"), search_path("OCTAVE_PATH", "octave")};
    char **env = paths[0] && paths[1] ? worker_env(num, paths) : NULL;
    /* The child's end loses CLOEXEC through dup2 onto 0 and 1 only. */
    int rc = env ? spawn(w, argv, cwd, sv[1], env, why, n) : -1;
    if (!env)
        snprintf(why, n, "out of memory");
    free(env);
    free(paths[0]);
    free(paths[1]);
    close(sv[1]);
    if (rc != 0) {
        close(w->fd);
        w->fd = -1;
    }
    return rc;
}

int gcv_wire_send(const gcv_wire *w, unsigned type, const void *payload, uint32_t len,
                  char *why, size_t n)
{
    unsigned char h[GCV_WIRE_HEADER];
    memcpy(h, "GCVW", 4);
    h[4] = GCV_WIRE_VERSION & 0xff;
    h[5] = GCV_WIRE_VERSION >> 8;
    h[6] = (unsigned char)(type & 0xff);
    h[7] = (unsigned char)(type >> 8);
    gcv_put_u32(h + 8, len);
    const unsigned char *parts[2] = {h, payload};
    size_t sizes[2] = {sizeof h, len};
    for (int k = 0; k < 2; k++) {
        size_t done = 0;
        while (done < sizes[k]) {
            ssize_t r = send(w->fd, parts[k] + done, sizes[k] - done, MSG_NOSIGNAL);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                snprintf(why, n, "could not write to it: %s",
                         r < 0 ? strerror(errno) : "nothing written");
                return -1;
            }
            done += (size_t)r;
        }
    }
    return 0;
}

/* Waits until fd is readable: 0, or -1 with the reason (the stop, the deadline). */
static int wait_readable(int fd, const gcv_watch *watch, double deadline, char *why, size_t n)
{
    for (;;) {
        if (gcv_watch_stopped(watch)) {
            snprintf(why, n, "the run was stopped (a signal or --max-seconds) while it worked");
            return -1;
        }
        double now = gcv_clock_now();
        if (deadline > 0.0 && now >= deadline) {
            snprintf(why, n, "no answer within its timeout");
            return -1;
        }
        double wait = 0.2; /* the watch is looked at five times a second */
        if (deadline > 0.0 && deadline - now < wait)
            wait = deadline - now;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)ceil(wait * 1000.0));
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR) {
            snprintf(why, n, "could not wait for it: %s", strerror(errno));
            return -1;
        }
    }
}

int gcv_wire_read(const gcv_wire *w, const gcv_watch *watch, double deadline, void *buf,
                  size_t len, char *why, size_t n)
{
    size_t done = 0;
    while (done < len) {
        if (wait_readable(w->fd, watch, deadline, why, n) != 0)
            return -1;
        ssize_t r = recv(w->fd, (char *)buf + done, len - done, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r < 0 && errno == ECONNRESET) /* it exited with a request unread */
            r = 0;
        if (r <= 0) {
            snprintf(why, n, "%s after %zu of %zu bytes", r == 0 ? "its output ended"
                     : strerror(errno), done, len);
            return -1;
        }
        done += (size_t)r;
    }
    return 0;
}

int gcv_wire_header(const gcv_wire *w, const gcv_watch *watch, double deadline, uint32_t max,
                    unsigned *type, uint32_t *len, char *why, size_t n)
{
    unsigned char h[GCV_WIRE_HEADER];
    if (gcv_wire_read(w, watch, deadline, h, sizeof h, why, n) != 0)
        return -1;
    if (memcmp(h, "GCVW", 4) != 0) {
        snprintf(why, n, "expected a frame starting with \"GCVW\", got bytes %02x %02x %02x %02x "
                 "(does it print to stdout? print to stderr instead)", h[0], h[1], h[2], h[3]);
        return -1;
    }
    unsigned version = h[4] | (unsigned)h[5] << 8;
    *type = h[6] | (unsigned)h[7] << 8;
    *len = gcv_get_u32(h + 8);
    if (version != GCV_WIRE_VERSION) {
        snprintf(why, n, "expected protocol version %d, got %u", GCV_WIRE_VERSION, version);
        return -1;
    }
    if (*type < GCV_FRAME_HELLO || *type > GCV_FRAME_ERROR) {
        snprintf(why, n, "expected a frame type 1 to 5, got %u", *type);
        return -1;
    }
    if (*len > max) {
        snprintf(why, n, "expected a frame of at most %u bytes, got a length of %u", max, *len);
        return -1;
    }
    return 0;
}

void gcv_wire_stop(gcv_wire *w, double grace, int *status)
{
    int st = 0;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    if (w->pid > 0) {
        double end = gcv_clock_now() + grace;
        pid_t r;
        while ((r = waitpid(w->pid, &st, WNOHANG)) == 0 && gcv_clock_now() < end) {
            struct timespec ts = {0, 5000000}; /* 5 ms */
            nanosleep(&ts, NULL);
        }
        if (r == 0) {
            kill(w->pid, SIGKILL);
            while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
                ;
        }
    }
    w->pid = 0;
    if (status)
        *status = st;
}

void gcv_wire_describe_exit(int status, char *out, size_t n)
{
    if (WIFSIGNALED(status))
        snprintf(out, n, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(out, n, "exited with status %d", WEXITSTATUS(status));
}

void gcv_put_u32(unsigned char *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

void gcv_put_u64(unsigned char *p, uint64_t v)
{
    for (int k = 0; k < 8; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

void gcv_put_f64(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    gcv_put_u64(p, u);
}

uint32_t gcv_get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int k = 3; k >= 0; k--)
        v = v << 8 | p[k];
    return v;
}

uint64_t gcv_get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--)
        v = v << 8 | p[k];
    return v;
}

double gcv_get_f64(const unsigned char *p)
{
    uint64_t u = gcv_get_u64(p);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

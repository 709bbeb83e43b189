/* The worker protocol's transport (doc/workers.md): starting a worker process on a socket
 * pair that is its stdin and stdout, writing and reading whole frames with a deadline, and
 * ending the process. Nothing here knows what a frame means; process_pool.c does.
 *
 * A frame is a 12-byte header (the magic "GCVW", the protocol version and the frame type as
 * little-endian u16, the payload length as a little-endian u32) and its payload. */
#ifndef GCV_MODEL_PROCESS_WIRE_H
#define GCV_MODEL_PROCESS_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/watch.h"

#define GCV_WIRE_VERSION 1
#define GCV_WIRE_HEADER 12
/* The largest payload either side may send: 1 GiB (θ and the gradient of 67 M parameters). */
#define GCV_WIRE_MAX ((uint32_t)1 << 30)

enum { GCV_FRAME_HELLO = 1, GCV_FRAME_MODEL = 2, GCV_FRAME_EVAL = 3, GCV_FRAME_COSTS = 4,
       GCV_FRAME_ERROR = 5 };

/* A started worker: its process and gcverify's end of the socket pair (-1: none). */
typedef struct gcv_wire {
    pid_t pid;
    int fd;
} gcv_wire;

/* Starts argv (argv[0] looked up on PATH) in cwd (NULL: gcverify's own) with the socket as its
 * stdin and stdout, its stderr gcverify's, and GCVERIFY_WORKER=number, one-thread settings
 * for OpenMP and the BLAS libraries, and the client helpers' folders appended to PYTHONPATH
 * and OCTAVE_PATH added to the environment. Returns 0, or -1 with the reason
 * in why. */
int gcv_wire_start(gcv_wire *w, char *const *argv, const char *cwd, unsigned number,
                   char *why, size_t n);

/* Sends one frame (header and payload). Returns 0, or -1 with the reason in why (the worker
 * closed its end, …). Never raises SIGPIPE. */
int gcv_wire_send(const gcv_wire *w, unsigned type, const void *payload, uint32_t len,
                  char *why, size_t n);

/* Reads one frame header and checks it: magic, version, a type, a length up to max. Waits
 * until the absolute time deadline (gcv_clock_now() seconds; 0: none) or the watch's stop.
 * Returns 0 with *type and *len, or -1 with the reason in why. */
int gcv_wire_header(const gcv_wire *w, const gcv_watch *watch, double deadline, uint32_t max,
                    unsigned *type, uint32_t *len, char *why, size_t n);

/* Reads exactly len payload bytes into buf, within the same limits. */
int gcv_wire_read(const gcv_wire *w, const gcv_watch *watch, double deadline, void *buf,
                  size_t len, char *why, size_t n);

/* Ends the worker: closes the socket (a well-behaved worker exits on end of input), waits up to
 * grace seconds for it, then kills it (SIGKILL) and reaps it. *status gets waitpid's status
 * (NULL: not wanted). Safe on a wire that never started. */
void gcv_wire_stop(gcv_wire *w, double grace, int *status);

/* How a reaped process ended, for messages: "exited with status 3", "killed by signal 9". */
void gcv_wire_describe_exit(int status, char *out, size_t n);

/* Little-endian fields. */
void gcv_put_u32(unsigned char *p, uint32_t v);
void gcv_put_u64(unsigned char *p, uint64_t v);
void gcv_put_f64(unsigned char *p, double v);
uint32_t gcv_get_u32(const unsigned char *p);
uint64_t gcv_get_u64(const unsigned char *p);
double gcv_get_f64(const unsigned char *p);

#endif

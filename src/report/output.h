/* The one output module: every report and export file gcverify writes goes through
 * gcv_write_atomic, which knows what may be written where (output-plan.c) and writes a set of
 * files all or none (the staging below); and the JSON number and string forms. */
#ifndef GCV_OUTPUT_H
#define GCV_OUTPUT_H

#include <stdio.h>

#include "gcverify/gcverify.h"

/* Runs write(f, ctx) into a temporary file in path's folder (a short name, ".gcv-XXXXXX", so
 * that a legal file name of up to NAME_MAX bytes stays writable) and renames it over path, so
 * a killed run never leaves a truncated file where the old one was. The folder is made first
 * when missing, parents too, with mode 0777 & ~umask (as `mkdir -p`). write returns 0 on
 * success. What is at path decides how it is written (gcv_output_kind):
 *   - nothing, or a regular file: replaced atomically as above; a symbolic link to a regular
 *     file keeps the link and replaces the file it points to;
 *   - a character device, a FIFO, /dev/stdout, /dev/stderr or /dev/fd/N: written in place
 *     (/dev/null stays a device, /dev/stdout writes to the standard output gcverify has);
 *   - a folder, a block device, a dangling link: refused.
 * While staging (gcv_output_stage), the rename (or the in-place write) waits for
 * gcv_output_commit. On failure nothing is left behind and err says "PATH: cannot write the
 * <what>: <reason>", the reason the system's (strerror), or "cannot make its folder: PART:
 * <reason>" naming the part that could not be made or the file in the way. */
gcv_status gcv_write_atomic(const char *path, int (*write)(FILE *f, void *ctx), void *ctx,
                            const char *what, gcv_error *err);

/* Staging: from gcv_output_stage on, each gcv_write_atomic leaves its file in its temporary
 * (an in-place target: in memory) and gcv_output_commit renames them all, so a set of files
 * (one config's reports) is written whole or not at all: gcv_output_discard (or a failed
 * commit) removes every temporary not yet renamed. The command writes its reports from one
 * thread; the staging is that thread's process-wide state. */
void gcv_output_stage(void);
gcv_status gcv_output_commit(gcv_error *err);
void gcv_output_discard(void);

/* What is at an output path, followed through symbolic links. */
typedef enum gcv_output_kind {
    GCV_OUT_NEW,    /* nothing yet: made */
    GCV_OUT_FILE,   /* a regular file: replaced atomically */
    GCV_OUT_STREAM, /* a device, a FIFO, a standard stream: written in place */
    GCV_OUT_BAD     /* a folder, a block device, a dangling link: refused */
} gcv_output_kind;

/* The kind of path; the file to replace (the link's target for a link to a regular file,
 * else path) into real (n bytes); for GCV_OUT_BAD the reason into why (wn bytes); for
 * /dev/stdout, /dev/stderr and /dev/fd/N (and /proc/self/fd/N) the descriptor into *fd, else
 * -1. */
gcv_output_kind gcv_output_kind_of(const char *path, char *real, size_t n, int *fd, char *why,
                                   size_t wn);

/* ---- the plan (output-plan.c): every output of a run checked before the check ---- */

/* Forgets the inputs and claims of the previous config. */
void gcv_output_plan_reset(void);
/* The file at path (when it exists) is an input of this run, what it is ("the config",
 * "data.x"): no output may replace it (same device and inode). Returns 0, or -1 when out of
 * memory. */
int gcv_output_input(const char *path, const char *what);
/* Claims path for the output what ("--json report"): makes its folder, and refuses (exit-2
 * error in err) a path that is not writable (the system's reason), not a file (a folder, a
 * block device), an input of this run, or a path another output of this run already claimed
 * (the same file by another name too). */
gcv_status gcv_output_claim(const char *path, const char *what, gcv_error *err);

/* A JSON number with 17 significant digits (round-trips exactly), or null for NaN/±Inf;
 * always with a decimal point '.', whatever locale a plugin or the host program set. */
void gcv_json_num(FILE *f, double v);
/* A JSON string, quotes, backslashes and control characters escaped; a byte that is not
 * part of valid UTF-8 written as U+FFFD, so the report stays valid JSON whatever a name
 * holds. */
void gcv_json_str(FILE *f, const char *s);

#endif

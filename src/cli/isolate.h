/* --isolate: each config is checked in a child process, so a crash in a user's model (a
 * plugin) becomes an inconclusive result with a report instead of a lost run.
 *
 * The child records in memory shared with the parent what it is doing: its stage, and per
 * thread the model function it is in and the parameter index (the engine's gcv_trace_slot).
 * When the child dies by a signal while checking, the parent re-runs each parameter that
 * was in flight alone, on one thread, in a fresh child: the one that crashes again is the
 * culprit (so the report never guesses between threads). Then the whole check runs again
 * with the culprit left out and a note in every report, up to GCV_ISO_MAX_CRASHES crash
 * sites; the verdict is then at least inconclusive (exit 3). A crash that cannot be pinned
 * to a parameter (while loading, in gradient(), in a whole-block evaluation) ends the
 * config with a minimal inconclusive report that says where it happened. */
#ifndef GCV_ISOLATE_H
#define GCV_ISOLATE_H

#include <signal.h>
#include <stddef.h>

#include "cli/options.h"
#include "cli/outputs.h"
#include "gcverify/gcverify.h"
#include "report/junit.h"

#define GCV_ISO_SLOTS 512        /* threads traced (more threads are not named in a crash) */
#define GCV_ISO_BLOCKS 1024      /* blocks named in a crash report */
#define GCV_ISO_MAX_CRASHES 4    /* crash sites left out before giving up */

typedef enum gcv_iso_stage {
    GCV_ISO_STARTING = 0,
    GCV_ISO_LOADING,   /* reading the config, building or loading the model */
    GCV_ISO_CHECKING,  /* inside gcv_check */
    GCV_ISO_REPORTING, /* writing the reports */
    GCV_ISO_CLEANUP,   /* reports written (exit code in rc); freeing the model */
    GCV_ISO_DONE
} gcv_iso_stage;

typedef struct gcv_iso_block {
    char name[GCV_NAME_LEN];
    int layer;
    size_t offset, rows, cols;
    unsigned ndim;                /* a view (gcv_block): its shape and strides */
    size_t dims[GCV_MAX_DIMS], strides[GCV_MAX_DIMS];
    int mapped;                   /* a view by index map (not copied: named by θ index) */
} gcv_iso_block;

/* The shared page. The parent sets the plan; the child writes the rest. */
typedef struct gcv_iso {
    /* the plan of this run */
    int threads;                 /* > 0: this many threads (a re-run alone: 1) */
    int only;                    /* 1: check only only_index */
    size_t only_index;
    size_t n_exclude;            /* parameters that crashed before: left unchecked */
    size_t exclude[GCV_ISO_MAX_CRASHES];
    char notes[GCV_ISO_MAX_CRASHES][GCV_ERROR_LEN]; /* one line per crash site */
    /* what the child did */
    volatile sig_atomic_t stage; /* a gcv_iso_stage */
    volatile sig_atomic_t rc;    /* the exit code, once the reports are written */
    gcv_trace_slot slots[GCV_ISO_SLOTS];
    size_t n_params, n_blocks;
    int precision;               /* the model's gcv_precision */
    gcv_iso_block blocks[GCV_ISO_BLOCKS];
    char stem[GCV_STEM_MAX + 16]; /* the file stem its reports took (outputs.h); "": none */
} gcv_iso;

/* The work of one child: checks the config with the plan in iso, writes its reports, and
 * returns the exit code. junit_fd is a file the child may write its JUnit suite to. */
typedef int (*gcv_iso_child_fn)(void *ctx, gcv_iso *iso, int junit_fd);

typedef struct gcv_iso_outcome {
    int exited;                  /* 1: the last child finished its work, with exit code `code` */
    int code;
    int signal;                  /* else: the signal that ended it (0: the model called exit) */
    int interrupted;             /* SIGINT or SIGTERM reached the parent: stop after this */
    int cleanup_crash;           /* exited, but the model crashed in destroy() afterwards */
    int hung;                    /* what: the watchdog killed a child that did not return */
    char what[GCV_ERROR_LEN];    /* where, in one line: "SIGSEGV in gradient()" */
    gcv_iso *iso;                /* the shared page of the last run (blocks, P) */
} gcv_iso_outcome;

/* Runs fn in child processes as described above. junit_fd (or -1) is passed to the
 * children; the parent reads it afterwards. hang_seconds > 0: a child still checking that
 * long after its check began is killed, and the hang is handled as a crash (the parameters
 * in flight tried alone, each with the same limit; the culprit left out). Returns 0, or -1
 * when it could not fork or map memory (err says why). out->iso stays mapped until
 * gcv_isolate_release(out). */
int gcv_isolate(gcv_iso_child_fn fn, void *ctx, int junit_fd, double hang_seconds,
                gcv_iso_outcome *out, gcv_error *err);
void gcv_isolate_release(gcv_iso_outcome *out);

/* --isolate for one config, in the parent: runs fn (ctx: the config's whole work in a
 * child, gcv_isolate above) and returns the exit code. The child's JUnit suites, if any,
 * join junit; a crash that could not be worked around gives a minimal inconclusive report
 * (text line, JSON, JUnit) with the config's name and report paths read in the parent,
 * which runs no model code. SIGINT or SIGTERM during the run sets *stop. The stem the
 * config's reports took (the child's, or for a crash report one picked here) joins stems. */
int gcv_iso_run_config(const gcv_cli *c, gcv_junit *junit, const char *path,
                       gcv_iso_child_fn fn, void *ctx, volatile sig_atomic_t *stop,
                       gcv_stems *stems);

/* In the child, once the model is built: records its blocks for the parent, hands the
 * engine the shared trace, and applies the plan to o (one parameter alone, or the crashed
 * ones left out: *subset, which the caller frees, then holds the indices). */
gcv_status gcv_iso_plan(gcv_iso *iso, const gcv_model *m, gcv_options *o, size_t **subset,
                        gcv_error *err);

/* In the child, after the check: a block, layer or run with a parameter left out is at
 * best inconclusive. */
void gcv_iso_mark(const gcv_iso *iso, const gcv_model *m, gcv_result *r);

/* In the child, after the reports: the JUnit suites from index `before` on, into the
 * parent's file fd (-1: none). */
void gcv_iso_save_junit(const gcv_junit *junit, size_t before, int fd);

/* "W1[2,3]" for index i using the blocks the child recorded, or "θ[i]" past them. */
void gcv_iso_param_name(const gcv_iso *iso, size_t i, char *buf, size_t n);

/* The minimal JSON report (schema gcverify.report/1, status inconclusive, every block
 * unchecked, and a "crash" member) for a config whose check could not finish. */
gcv_status gcv_iso_report_json(const char *path, const char *name, const char *config,
                               const gcv_options *o, const gcv_iso_outcome *out,
                               gcv_error *err);

#endif

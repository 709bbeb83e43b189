/* Shared by the libFuzzer targets in tests/fuzz/: the readers take a path, so each input is
 * written to a file in a private temporary folder made once per process and removed at exit.
 * Also the invariants every target asserts: an error message is one non-empty line. */
#ifndef GCV_FUZZ_COMMON_H
#define GCV_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gcverify/gcverify.h"

/* What the targets allow a reader to allocate: bigger sizes must be refused, not tried. */
#define GCV_FUZZ_MAX_MEMORY ((size_t)256 << 20)
#define GCV_FUZZ_MAX_COUNT (GCV_FUZZ_MAX_MEMORY / sizeof(double))

static char gcv_fuzz_dir[64];

static void gcv_fuzz_cleanup(void)
{
    if (!gcv_fuzz_dir[0])
        return;
    /* The folder holds only what the targets put there (a few files and one symlink). */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", gcv_fuzz_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", gcv_fuzz_dir);
}

/* Makes the temporary folder once; returns it. In memory (/dev/shm) when there is one:
 * writing each input to a disk file costs 25 times the executions per second. The folder
 * can be chosen with GCV_FUZZ_TMPDIR. */
static const char *gcv_fuzz_tmpdir(void)
{
    if (!gcv_fuzz_dir[0]) {
        const char *base = getenv("GCV_FUZZ_TMPDIR");
        if (!base || !*base || strlen(base) >= 40)
            base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        if (!base || !*base || strlen(base) >= 40)
            base = "/tmp";
        snprintf(gcv_fuzz_dir, sizeof gcv_fuzz_dir, "%s/gcv-fuzz-XXXXXX", base);
        if (!mkdtemp(gcv_fuzz_dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(gcv_fuzz_cleanup);
    }
    return gcv_fuzz_dir;
}

/* Writes data to NAME in the temporary folder; *path receives its full path. */
static void gcv_fuzz_write(const char *name, const uint8_t *data, size_t size, char *path,
                           size_t cap)
{
    snprintf(path, cap, "%s/%s", gcv_fuzz_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz: writing the input file");
        abort();
    }
}

/* A failing read must leave one line of text: not empty, no newline, NUL-terminated. */
static void gcv_fuzz_check_error(const gcv_error *err)
{
    if (memchr(err->msg, '\0', sizeof err->msg) == NULL) {
        fprintf(stderr, "fuzz: error message not NUL-terminated\n");
        abort();
    }
    if (err->msg[0] == '\0' || strchr(err->msg, '\n') || strchr(err->msg, '\r')) {
        fprintf(stderr, "fuzz: error message is not one non-empty line: \"%s\"\n", err->msg);
        abort();
    }
}

#endif

/* Shared by the report writers: atomic files and the JSON number and string forms. */
#ifndef GCV_OUTPUT_H
#define GCV_OUTPUT_H

#include <stdio.h>

#include "gcverify/gcverify.h"

/* Runs write(f, ctx) into a temporary file next to path and renames it over path, so a
 * killed run never leaves a truncated file where the old one was (as gcv_report_json does).
 * The folder path is in is made first when missing, parents too, with mode 0777 & ~umask
 * (as `mkdir -p`). write returns 0 on success. On failure nothing is left behind and err
 * says "PATH: cannot write the <what>: <reason>", the reason the system's (strerror), or
 * "cannot make its folder: PART: <reason>" naming the part that could not be made or the
 * file in the way. */
gcv_status gcv_write_atomic(const char *path, int (*write)(FILE *f, void *ctx), void *ctx,
                            const char *what, gcv_error *err);

/* A JSON number with 17 significant digits (round-trips exactly), or null for NaN/±Inf. */
void gcv_json_num(FILE *f, double v);
/* A JSON string, quotes, backslashes and control characters escaped. */
void gcv_json_str(FILE *f, const char *s);

#endif

/* The one way the command names a file in a folder: DIR/<name><ext>, for the per-config
 * reports of --json-dir, --html-dir and --baseline-dir and the files of --export. */
#ifndef GCV_UTIL_PATH_H
#define GCV_UTIL_PATH_H

#include <stddef.h>

/* Writes "dir/name" followed by ext (may be "") into buf, truncated to n bytes like
 * snprintf, and returns buf. The parts are joined as given: no folder is resolved. */
char *gcv_path_in_dir(char *buf, size_t n, const char *dir, const char *name, const char *ext);

#endif

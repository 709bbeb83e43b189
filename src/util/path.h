/* The one way the command names a file in a folder: DIR/<name><ext>, for the per-config
 * reports of --json-dir, --html-dir and --baseline-dir and the files of --export; and the
 * folders that output goes into, made as `mkdir -p` makes them. */
#ifndef GCV_UTIL_PATH_H
#define GCV_UTIL_PATH_H

#include <stddef.h>

/* Writes "dir/name" followed by ext (may be "") into buf, truncated to n bytes like
 * snprintf, and returns buf. The parts are joined as given: no folder is resolved. */
char *gcv_path_in_dir(char *buf, size_t n, const char *dir, const char *name, const char *ext);

/* The folder dir and every missing folder above it, made with mode 0777 & ~umask (as
 * `mkdir -p`). Returns 0, or -1 with "PART: reason" in why (n bytes), naming the part that
 * could not be made or the file in the way ("out/json: Not a directory"). */
int gcv_make_dirs(const char *dir, char *why, size_t n);

/* The same for the folder path is in (nothing to do for a bare file name). */
int gcv_make_parent_dirs(const char *path, char *why, size_t n);

/* The longest file stem gcv_path_file_stem makes, in bytes: with ".json" or "-NN.html" and the
 * output module's temporaries still under NAME_MAX (255). */
#define GCV_STEM_MAX 200

/* A config's name as a file name in a folder (buf, n bytes), so that DIR/<stem><ext> stays in
 * DIR whatever the name holds: '/', '\\', control bytes, other ASCII punctuation and bytes
 * that are not valid UTF-8 become '_'; a leading '.' becomes '_' (so "..", "." and hidden files
 * cannot be named); an empty name is "_"; at most GCV_STEM_MAX bytes, never cutting a UTF-8
 * character. Returns buf. */
char *gcv_path_file_stem(const char *name, char *buf, size_t n);

#endif

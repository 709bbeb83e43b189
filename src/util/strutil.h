/* Small string, path and file helpers shared by the readers: duplication, paths relative to
 * a config file's folder, edit distance for "did you mean", human-readable sizes and shapes
 * for messages, and big buffers' first touch. Nothing here prints; allocating functions
 * return NULL on failure. */
#ifndef GCV_STRUTIL_H
#define GCV_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "gcverify/gcverify.h"

#if defined(__GNUC__)
#define GCV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define GCV_PRINTF(f, a)
#endif

/* Appends printf-style text to buf (n bytes) at *k and advances *k, keeping buf terminated:
 * text past the end is cut, and nothing is added once buf is full. */
void gcv_str_append(char *buf, size_t n, size_t *k, const char *fmt, ...) GCV_PRINTF(4, 5);

/* Formats one line into err->msg (bounded); does nothing when err is NULL. */
void gcv_error_set(gcv_error *err, const char *fmt, ...) GCV_PRINTF(2, 3);

/* A copy of s (NULL if s is NULL or on allocation failure); the caller frees it. */
char *gcv_strdup(const char *s);

/* The folder part of path: "configs" for "configs/x.json", "." for "x.json", "/" for
 * "/x.json". The caller frees the result. */
char *gcv_path_dirname(const char *path);

/* rel resolved against dir: rel itself when absolute or when dir is "." or empty, else
 * "dir/rel". The caller frees the result. */
char *gcv_path_join(const char *dir, const char *rel);

/* The base name of path without its last extension: "net" for "configs/net.json". The
 * caller frees the result. */
char *gcv_path_stem(const char *path);

/* Edit distance between a and b: insertions, deletions, substitutions and transpositions
 * of two adjacent bytes, one each (Damerau's optimal string alignment), since swapped
 * letters are the commonest typo. SIZE_MAX when either string is longer than GCV_LEVENSHTEIN_MAX: no suggestion is
 * worth a quadratic cost on a pathological key. */
#define GCV_LEVENSHTEIN_MAX 64
size_t gcv_levenshtein(const char *a, const char *b);

/* The longest prefix of s, at most max bytes, that does not split a UTF-8 sequence. */
size_t gcv_utf8_prefix(const char *s, size_t len, size_t max);

/* bytes in binary units with one decimal ("23.4 GiB"; "512 B" below 1 KiB) into out. */
void gcv_format_bytes(double bytes, char *out, size_t n);

/* A shape the way NumPy prints it, "(3, 4)", "(5,)" or "()", into out. */
void gcv_format_shape(const size_t *shape, size_t ndim, char *out, size_t n);

/* Opens path for reading and makes sure it is a regular file (not a folder, device or
 * pipe; opening never blocks on a pipe). Returns the descriptor and its size in *size, or
 * -1 with the reason in why ("cannot open: No such file or directory", "expected a regular
 * file, got a directory"). The caller closes the descriptor. */
int gcv_file_open_regular(const char *path, uint64_t *size, char *why, size_t why_len);

/* The same check for a reader that hands the file to a library by name: *size as above, or
 * GCV_ERR_IO with err "path: why". The descriptor is closed again. */
gcv_status gcv_file_size_of(const char *path, uint64_t *size, gcv_error *err);

/* A buffer of n bytes at p (from malloc or calloc) that is about to be written whole: asked
 * of the kernel now, in huge pages and one call (Linux's MADV_HUGEPAGE, MADV_POPULATE_WRITE),
 * instead of one page fault per 4 KiB as the writes reach it. On the virtual machines
 * measured (doc/performance.md) a fault costs microseconds: 2 GiB of a 33.6 M-parameter
 * check's result slots took 8 s to first-touch page by page and 0.25 s this way. Contents
 * are unchanged (calloc's zeros stay zero). Buffers under GCV_PREFAULT_MIN are left alone;
 * elsewhere than Linux, and where the kernel refuses, it does nothing. */
#define GCV_PREFAULT_MIN ((size_t)1 << 24)
void gcv_prefault(void *p, size_t n);

#endif

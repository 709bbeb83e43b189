/* Reader for numeric CSV files, no library: one row per line, fields separated by ',', ';' or
 * a tab, an optional header row of column names, every other field a finite decimal number
 * parsed in the C locale whatever the process locale is. Strict on purpose: a text field, an
 * empty field, NaN or Inf, or a row with a different number of fields is an error naming
 * the line, the column and what was found, never a silently skipped value.
 *
 * Accepted: LF, CRLF or CR-only line ends, a UTF-8 byte-order mark, spaces around fields (and tabs
 * when the delimiter is not a tab), empty lines at the end of the file, and fields in double
 * quotes ("a, b", with "" for a quote inside), meant for header names; a quoted data field
 * must still hold a number. Quoted fields cannot span lines. */
#ifndef GCV_CSV_H
#define GCV_CSV_H

#include <stddef.h>

#include "gcverify/gcverify.h"

typedef struct gcv_csv_options {
    char delimiter;   /* ',', ';' or '\t'; 0 means ',' */
    int header;       /* -1 auto: the first row is a header when it has text fields and no
                         number (text and numbers mixed is refused: a typo in the first data
                         row must not pass as a header); 0 no header; 1 the first row is a
                         header */
    size_t max_bytes; /* the most the read may hold at once (line, fields, table); 0: twice
                         the bytes of max_count values, plus 1 MiB */
} gcv_csv_options;

typedef struct gcv_csv {
    size_t rows, cols;
    double *data;   /* rows × cols values, row-major */
    char **names;   /* cols column names from the header, or NULL when there is none */
} gcv_csv;

/* Reads path into *out (o may be NULL: ',' and auto header). On GCV_OK the caller releases
 * *out with gcv_csv_free(). On failure *out is zeroed and err->msg says
 * "path: line N, column M: expected …, got …" with 1-based line and column numbers, as an
 * editor shows them. At least one data row is required. Tables of more than max_count
 * values are refused with GCV_ERR_NOMEM as soon as a row crosses the limit, and so is a line
 * or a row of fields that would take the memory held past o->max_bytes, before it grows. */
gcv_status gcv_csv_read(const char *path, const gcv_csv_options *o, size_t max_count,
                        gcv_csv *out, gcv_error *err);

/* Frees what gcv_csv_read allocated and zeroes *c; safe on a zeroed struct and on NULL. */
void gcv_csv_free(gcv_csv *c);

#endif

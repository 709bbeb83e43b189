/* Numeric CSV reader. Lines are read with getline and split in place; every field of a data
 * row is validated, so a file is either read completely or refused with the line and column
 * of the first problem. Numbers are parsed with strtod under a private "C" locale installed
 * for this thread only (uselocale), so a program that called setlocale(LC_ALL, "") in a
 * comma-decimal locale still reads "0.5" as one half, and other threads are not affected. */
#include "data/csv.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "util/strutil.h"

void gcv_csv_free(gcv_csv *c)
{
    if (!c)
        return;
    if (c->names) {
        for (size_t j = 0; j < c->cols; j++)
            free(c->names[j]);
        free(c->names);
    }
    free(c->data);
    memset(c, 0, sizeof *c);
}

/* A field of the current line: start in the line buffer (NUL-terminated in place) and length;
 * quoted fields have been unescaped in place. */
typedef struct gcv_csv_field {
    char *s;
    size_t len;
} gcv_csv_field;

/* One read in progress: the file, the line being split, and the table so far. What it holds
 * is released by gcv_csv_close however far the read got. */
typedef struct gcv_csv_reader {
    const char *path;
    char delim;
    int header; /* as in gcv_csv_options */
    size_t max_count, max_bytes;
    gcv_error *err;
    FILE *f;
    locale_t c_locale, old_locale; /* c_locale is (locale_t)0 until installed */
    char *line;
    size_t line_cap, lineno;
    size_t blank_line;     /* the first empty line so far, 0 while there is none */
    gcv_csv_field *fields; /* of the current line, nfields of them */
    size_t nfields, cap;
    int have_first;        /* the first non-empty row, header or data, has been seen */
    size_t first_row_line, cols;
    char **names;          /* cols header names, or NULL */
    double *data;          /* rows × cols values, room for data_cap */
    size_t rows, data_cap;
} gcv_csv_reader;

static int gcv_csv_is_space(const gcv_csv_reader *r, char c)
{
    return c == ' ' || (c == '\t' && r->delim != '\t');
}

/* Field text for a message: at most 40 bytes without splitting a UTF-8 character, control
 * bytes escaped so the message stays one line, and "…" when cut. */
static void gcv_csv_show(const char *s, size_t len, char *out, size_t n)
{
    size_t keep = gcv_utf8_prefix(s, len, 40);
    size_t o = 0;
    for (size_t i = 0; i < keep && o + 5 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F)
            o += (size_t)snprintf(out + o, n - o, "\\x%02X", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
    if (keep < len && o + 4 < n)
        snprintf(out + o, n - o, "…");
}

/* " (name)" after a column number when the header named it. */
static void gcv_csv_colname(char *const *names, size_t col, char *out, size_t n)
{
    out[0] = '\0';
    if (names && names[col] && names[col][0]) {
        char shown[64];
        gcv_csv_show(names[col], strlen(names[col]), shown, sizeof shown);
        snprintf(out, n, " (%s)", shown);
    }
}

/* The read holds its line buffer, field table and table within max_bytes, checked before
 * each of them grows. */

/* The most bytes left for one of the three buffers when the other two keep their size. */
static size_t gcv_csv_room(const gcv_csv_reader *r, size_t line_cap, size_t field_cap,
                           size_t data_cap)
{
    size_t used = 0, parts[3] = {line_cap, field_cap * sizeof *r->fields,
                                 data_cap * sizeof(double)};
    for (int k = 0; k < 3; k++)
        used = parts[k] > SIZE_MAX - used ? SIZE_MAX : used + parts[k];
    return used >= r->max_bytes ? 0 : r->max_bytes - used;
}

/* The new capacity of a buffer that must hold need units, doubling gave doubled, and most
 * units are left: doubling while it takes at most half of what is left, then a quarter of
 * the rest beyond need; 0 when need itself does not fit. */
static size_t gcv_csv_grow(size_t doubled, size_t need, size_t most)
{
    if (doubled <= most / 2)
        return doubled;
    return need > most ? 0 : need + (most - need) / 4;
}

/* "line N: expected … that fit in X of memory": GCV_ERR_NOMEM. */
static gcv_status gcv_csv_too_much(const gcv_csv_reader *r, size_t lineno, const char *what)
{
    char have[32];
    gcv_format_bytes((double)r->max_bytes, have, sizeof have);
    gcv_error_set(r->err, "%s: line %zu: expected a table that fits in %s of memory, got %s",
                  r->path, lineno, have, what);
    return GCV_ERR_NOMEM;
}

static gcv_status gcv_csv_push(gcv_csv_reader *r, char *s, size_t len)
{
    if (r->nfields == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        cap = gcv_csv_grow(cap, r->cap + 1,
                           gcv_csv_room(r, r->line_cap, 0, r->data_cap) / sizeof *r->fields);
        if (cap <= r->cap)
            return GCV_ERR_NOMEM;
        gcv_csv_field *f = realloc(r->fields, cap * sizeof *f);
        if (!f)
            return GCV_ERR_NOMEM;
        r->fields = f;
        r->cap = cap;
    }
    r->fields[r->nfields].s = s;
    r->fields[r->nfields].len = len;
    r->nfields++;
    return GCV_OK;
}

/* Splits line s (n bytes, s[n] == '\0') into r->fields, in place: each field is trimmed,
 * unquoted and NUL-terminated. */
static gcv_status gcv_csv_split(gcv_csv_reader *r, char *s, size_t n, size_t lineno)
{
    r->nfields = 0;
    size_t i = 0;
    for (;;) {
        while (i < n && gcv_csv_is_space(r, s[i]))
            i++;
        size_t start, end;
        if (i < n && s[i] == '"') {
            /* Unescape into the same buffer: the write position never passes the read one. */
            size_t w = ++i;
            start = w;
            for (;;) {
                if (i >= n) {
                    gcv_error_set(r->err, "%s: line %zu, column %zu: expected a closing quote, "
                                 "got the end of the line (quoted fields cannot span lines)",
                                 r->path, lineno, r->nfields + 1);
                    return GCV_ERR_INVALID;
                }
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        s[w++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                s[w++] = s[i++];
            }
            end = w;
            while (i < n && gcv_csv_is_space(r, s[i]))
                i++;
            if (i < n && s[i] != r->delim) {
                char shown[64];
                gcv_csv_show(s + i, n - i, shown, sizeof shown);
                gcv_error_set(r->err, "%s: line %zu, column %zu: expected a delimiter after the "
                             "closing quote, got '%s'", r->path, lineno, r->nfields + 1, shown);
                return GCV_ERR_INVALID;
            }
        } else {
            start = i;
            while (i < n && s[i] != r->delim)
                i++;
            end = i;
            while (end > start && gcv_csv_is_space(r, s[end - 1]))
                end--;
        }
        int last = i >= n;
        s[end] = '\0'; /* overwrites the delimiter or trailing blanks, never unread text */
        if (gcv_csv_push(r, s + start, end - start) != GCV_OK) {
            char what[96];
            snprintf(what, sizeof what, "a line of %zu bytes with more than %zu fields", n,
                     r->nfields);
            return gcv_csv_too_much(r, lineno, what);
        }
        if (last)
            return GCV_OK;
        i++; /* past the delimiter; a delimiter at the end of the line gives an empty field */
    }
}

typedef enum gcv_csv_num {
    GCV_CSV_NUMBER,
    GCV_CSV_EMPTY,
    GCV_CSV_TEXT,
    GCV_CSV_NONFINITE,   /* nan, inf, infinity */
    GCV_CSV_OUT_OF_RANGE /* a decimal number beyond the range of double, e.g. 1e999 */
} gcv_csv_num;

/* Classifies one field. Accepted numbers are decimal ones only: strtod would also take hex
 * ("0x1A"), "nan" and "inf", and none of those belong in a data file read by a gradient
 * checker. */
static gcv_csv_num gcv_csv_number(const char *s, size_t len, double *v)
{
    if (len == 0)
        return GCV_CSV_EMPTY;
    int decimal_chars = 1;
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789+-.eE", s[i]) || s[i] == '\0')
            decimal_chars = 0;
    char *end = NULL;
    errno = 0;
    double x = strtod(s, &end);
    if (end != s + len)
        return GCV_CSV_TEXT;
    if (!decimal_chars)
        return isfinite(x) ? GCV_CSV_TEXT : GCV_CSV_NONFINITE;
    if (!isfinite(x))
        return GCV_CSV_OUT_OF_RANGE;
    *v = x;
    return GCV_CSV_NUMBER;
}

/* An error for field col of a data row, or GCV_OK and the value in *v. */
static gcv_status gcv_csv_value(gcv_csv_reader *r, char *const *names, size_t lineno, size_t col,
                                double *v)
{
    const gcv_csv_field *f = &r->fields[col];
    gcv_csv_num kind = gcv_csv_number(f->s, f->len, v);
    if (kind == GCV_CSV_NUMBER)
        return GCV_OK;
    char name[80], shown[200];
    gcv_csv_colname(names, col, name, sizeof name);
    gcv_csv_show(f->s, f->len, shown, sizeof shown);
    switch (kind) {
    case GCV_CSV_EMPTY:
        gcv_error_set(r->err, "%s: line %zu, column %zu%s: expected a number, got an empty field",
                     r->path, lineno, col + 1, name);
        break;
    case GCV_CSV_NONFINITE:
        gcv_error_set(r->err, "%s: line %zu, column %zu%s: expected a finite number, got '%s'",
                     r->path, lineno, col + 1, name, shown);
        break;
    case GCV_CSV_OUT_OF_RANGE:
        gcv_error_set(r->err, "%s: line %zu, column %zu%s: expected a finite number, got '%s' "
                     "(beyond the range of a double)", r->path, lineno, col + 1, name, shown);
        break;
    default:
        /* "1,5" in a ';'-separated file is a decimal comma; say so rather than just "text". */
        gcv_error_set(r->err, "%s: line %zu, column %zu%s: expected a number, got '%s'%s",
                     r->path, lineno, col + 1, name, shown,
                     r->delim != ',' && memchr(f->s, ',', f->len) ?
                     " (the decimal separator is '.')" : "");
        break;
    }
    return GCV_ERR_INVALID;
}

/* Grows r->data to hold at least need values (amortised doubling, overflow-checked, the
 * growth cut back to need where doubling would pass max_bytes). -1: out of memory; -2: more
 * than max_bytes. */
static int gcv_csv_reserve(gcv_csv_reader *r, size_t need)
{
    if (need <= r->data_cap)
        return 0;
    size_t c = r->data_cap ? r->data_cap : 256;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return -1;
        c *= 2;
    }
    c = gcv_csv_grow(c, need, gcv_csv_room(r, r->line_cap, r->cap, 0) / sizeof(double));
    if (c < need)
        return -2;
    double *d = realloc(r->data, c * sizeof *d);
    if (!d)
        return -1;
    r->data = d;
    r->data_cap = c;
    return 0;
}

/* Only spaces and tabs: an empty line. A line of delimiters (",,") is a row of empty
 * fields instead, and reported as such. */
static int gcv_csv_is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

/* Each step below returns GCV_OK, or the read's status with err set. */

static gcv_status gcv_csv_check_options(const gcv_csv_reader *r)
{
    if (r->delim != ',' && r->delim != ';' && r->delim != '\t') {
        gcv_error_set(r->err, "%s: expected the delimiter ',', ';' or a tab, got '%c'", r->path,
                      (r->delim >= 0x20 && r->delim < 0x7F) ? r->delim : '?');
        return GCV_ERR_INVALID;
    }
    if (r->header < -1 || r->header > 1) {
        gcv_error_set(r->err, "%s: expected header -1 (auto), 0 or 1, got %d", r->path,
                      r->header);
        return GCV_ERR_INVALID;
    }
    return GCV_OK;
}

static gcv_status gcv_csv_open(gcv_csv_reader *r)
{
    char why[200];
    uint64_t fsize = 0;
    int fd = gcv_file_open_regular(r->path, &fsize, why, sizeof why);
    if (fd < 0) {
        gcv_error_set(r->err, "%s: %s", r->path, why);
        return GCV_ERR_IO;
    }
    r->f = fdopen(fd, "r");
    if (!r->f) {
        gcv_error_set(r->err, "%s: cannot open: %s", r->path, strerror(errno));
        close(fd);
        return GCV_ERR_IO;
    }
    return GCV_OK;
}

/* Installs the C locale for this thread (see the top of the file); gcv_csv_close puts the
 * thread's own locale back. */
static gcv_status gcv_csv_use_c_locale(gcv_csv_reader *r)
{
    r->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (r->c_locale == (locale_t)0) {
        gcv_error_set(r->err, "%s: cannot create the C locale for parsing numbers: %s", r->path,
                      strerror(errno));
        return GCV_ERR_NOMEM;
    }
    r->old_locale = uselocale(r->c_locale);
    return GCV_OK;
}

/* Room for n + 1 bytes in r->line, within max_bytes. */
static gcv_status gcv_csv_line_room(gcv_csv_reader *r, size_t n)
{
    if (n + 1 <= r->line_cap)
        return GCV_OK;
    size_t cap = r->line_cap ? r->line_cap : 256;
    while (cap < n + 1 && cap <= SIZE_MAX / 2)
        cap *= 2;
    cap = gcv_csv_grow(cap, n + 1, gcv_csv_room(r, 0, r->cap, r->data_cap));
    if (cap < n + 1) {
        char what[96];
        snprintf(what, sizeof what, "a line longer than %zu bytes", n);
        return gcv_csv_too_much(r, r->lineno + 1, what);
    }
    char *line = realloc(r->line, cap);
    if (!line) {
        gcv_error_set(r->err, "%s: line %zu: out of memory", r->path, r->lineno + 1);
        return GCV_ERR_NOMEM;
    }
    r->line = line;
    r->line_cap = cap;
    return GCV_OK;
}

/* Reads the next line into r->line, ended by LF, CRLF or a lone CR (old Mac exports), within
 * max_bytes: a line of 32 MiB of commas must be refused, not held with its 32 Mi fields. *s
 * and *n are its text without the line end and, on the first line, without a byte-order
 * mark. At the end of the file *eof is set instead. */
static gcv_status gcv_csv_next_line(gcv_csv_reader *r, char **s, size_t *n, int *eof)
{
    size_t len = 0;
    int c, ended = 0;
    errno = 0;
    while ((c = getc_unlocked(r->f)) != EOF) {
        if (c == '\n' || c == '\r') {
            int d = c == '\r' ? getc_unlocked(r->f) : '\n';
            if (d != '\n' && d != EOF)
                ungetc(d, r->f);
            ended = 1;
            break;
        }
        gcv_status st = gcv_csv_line_room(r, len + 1);
        if (st != GCV_OK)
            return st;
        r->line[len++] = (char)c;
    }
    if (ferror(r->f)) {
        gcv_error_set(r->err, "%s: line %zu: cannot read: %s", r->path, r->lineno + 1,
                      strerror(errno));
        return GCV_ERR_IO;
    }
    if (!ended && len == 0) {
        *eof = 1;
        return GCV_OK;
    }
    gcv_status st = gcv_csv_line_room(r, len);
    if (st != GCV_OK)
        return st;
    r->line[len] = '\0';
    r->lineno++;
    char *text = r->line;
    if (r->lineno == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3; /* UTF-8 byte-order mark, as spreadsheet programs write it */
        len -= 3;
    }
    *s = text;
    *n = len;
    return GCV_OK;
}

/* Copies the fields of the header row into r->names. */
static gcv_status gcv_csv_take_names(gcv_csv_reader *r)
{
    r->names = calloc(r->cols, sizeof *r->names);
    if (!r->names) {
        gcv_error_set(r->err, "%s: line %zu: out of memory", r->path, r->lineno);
        return GCV_ERR_NOMEM;
    }
    for (size_t j = 0; j < r->cols; j++) {
        r->names[j] = gcv_strdup(r->fields[j].s);
        if (!r->names[j]) {
            gcv_error_set(r->err, "%s: line %zu: out of memory", r->path, r->lineno);
            return GCV_ERR_NOMEM;
        }
    }
    return GCV_OK;
}

/* A first row of text and numbers, with header auto: the first text field is named. */
static gcv_status gcv_csv_mixed_first_row(gcv_csv_reader *r, size_t col)
{
    char shown[200];
    gcv_csv_show(r->fields[col].s, r->fields[col].len, shown, sizeof shown);
    gcv_error_set(r->err, "%s: line %zu, column %zu: expected a number, got '%s' (the first row "
                  "mixes numbers and text, so it is neither data nor a header; if it names "
                  "the columns, set data.header to true)", r->path, r->lineno, col + 1,
                  shown);
    return GCV_ERR_INVALID;
}

/* The first non-empty row fixes the number of columns; *is_header says whether it names the
 * columns (the names are then kept) rather than holding data. */
static gcv_status gcv_csv_first_row(gcv_csv_reader *r, int *is_header)
{
    r->have_first = 1;
    r->first_row_line = r->lineno;
    r->cols = r->nfields;
    *is_header = r->header == 1;
    if (r->header == -1) {
        /* A header is a first row with text fields and no number; an empty or non-finite
         * field alone does not make one ("1,,3" is a broken data row, "1,nan" a data row
         * with a NaN, both reported as such by gcv_csv_add_row). Text and numbers mixed is
         * a data row with a typo as often as a header with numeric names, and taking it
         * for a header would drop a row silently: it is refused, at the first text field. */
        size_t text = r->cols, numbers = 0;
        for (size_t j = 0; j < r->cols; j++) {
            double v;
            gcv_csv_num k = gcv_csv_number(r->fields[j].s, r->fields[j].len, &v);
            if (k == GCV_CSV_TEXT && text == r->cols)
                text = j;
            numbers += k == GCV_CSV_NUMBER;
        }
        if (text < r->cols && numbers > 0)
            return gcv_csv_mixed_first_row(r, text);
        *is_header = text < r->cols;
    }
    return *is_header ? gcv_csv_take_names(r) : GCV_OK;
}

/* Appends the fields of the current line to r->data as one row of numbers. */
static gcv_status gcv_csv_add_row(gcv_csv_reader *r)
{
    if (r->nfields != r->cols) {
        gcv_error_set(r->err, "%s: line %zu: expected %zu fields (as on line %zu), got %zu",
                      r->path, r->lineno, r->cols, r->first_row_line, r->nfields);
        return GCV_ERR_INVALID;
    }
    /* Checked per row, before growing: a huge file is refused without reading it all. */
    if (r->rows + 1 > r->max_count / r->cols) {
        gcv_error_set(r->err, "%s: line %zu: expected at most %zu values, got more", r->path,
                      r->lineno, r->max_count);
        return GCV_ERR_NOMEM;
    }
    int grown = gcv_csv_reserve(r, (r->rows + 1) * r->cols);
    if (grown == -2) {
        char what[96];
        snprintf(what, sizeof what, "more than %zu values", r->rows * r->cols);
        return gcv_csv_too_much(r, r->lineno, what);
    }
    if (grown != 0) {
        gcv_error_set(r->err, "%s: line %zu: out of memory for %zu values", r->path, r->lineno,
                      (r->rows + 1) * r->cols);
        return GCV_ERR_NOMEM;
    }
    double *row = r->data + r->rows * r->cols;
    for (size_t j = 0; j < r->cols; j++)
        if (gcv_csv_value(r, r->names, r->lineno, j, &row[j]) != GCV_OK)
            return GCV_ERR_INVALID;
    r->rows++;
    return GCV_OK;
}

/* Every line of the file, into r->names and r->data. */
static gcv_status gcv_csv_read_rows(gcv_csv_reader *r)
{
    for (;;) {
        char *s = NULL;
        size_t n = 0;
        int eof = 0;
        gcv_status st = gcv_csv_next_line(r, &s, &n, &eof);
        if (st != GCV_OK || eof)
            return st;
        if (gcv_csv_is_blank(s, n)) {
            if (!r->blank_line)
                r->blank_line = r->lineno;
            continue;
        }
        /* Empty lines are fine at the end only: in the middle they usually mean two tables
         * pasted together or a truncated export, which must not pass silently. */
        if (r->blank_line) {
            gcv_error_set(r->err, "%s: line %zu: expected a row of values, got an empty line "
                          "(empty lines are allowed only at the end of the file)", r->path,
                          r->blank_line);
            return GCV_ERR_INVALID;
        }
        if ((st = gcv_csv_split(r, s, n, r->lineno)) != GCV_OK)
            return st;
        int is_header = 0;
        if (!r->have_first && (st = gcv_csv_first_row(r, &is_header)) != GCV_OK)
            return st;
        if (!is_header && (st = gcv_csv_add_row(r)) != GCV_OK)
            return st;
    }
}

/* A file read to its end: out takes the table, which must have a data row. */
static gcv_status gcv_csv_fill(gcv_csv_reader *r, gcv_csv *out)
{
    if (r->rows == 0) {
        gcv_error_set(r->err, "%s: expected at least one data row, got %s", r->path,
                      r->names ? "only a header" : "an empty file");
        return GCV_ERR_INVALID;
    }
    out->rows = r->rows;
    out->cols = r->cols;
    out->data = r->data;
    out->names = r->names;
    r->data = NULL;
    r->names = NULL;
    return GCV_OK;
}

/* Puts the thread's locale back and releases what the read holds. */
static void gcv_csv_close(gcv_csv_reader *r)
{
    if (r->c_locale != (locale_t)0) {
        uselocale(r->old_locale);
        freelocale(r->c_locale);
    }
    if (r->names) {
        for (size_t j = 0; j < r->cols; j++)
            free(r->names[j]);
        free(r->names);
    }
    free(r->data);
    free(r->line);
    free(r->fields);
    if (r->f)
        fclose(r->f);
}

gcv_status gcv_csv_read(const char *path, const gcv_csv_options *o, size_t max_count,
                        gcv_csv *out, gcv_error *err)
{
    if (!out || !path) {
        if (out)
            memset(out, 0, sizeof *out);
        gcv_error_set(err, "(null): expected a CSV file name, got none");
        return GCV_ERR_INVALID;
    }
    memset(out, 0, sizeof *out);
    size_t max_bytes = o && o->max_bytes ? o->max_bytes
                       : max_count > (SIZE_MAX >> 21) / sizeof(double)
                           ? SIZE_MAX
                           : max_count * 2 * sizeof(double) + ((size_t)1 << 20);
    gcv_csv_reader r = {.path = path, .delim = (o && o->delimiter) ? o->delimiter : ',',
                        .header = o ? o->header : -1, .max_count = max_count,
                        .max_bytes = max_bytes, .err = err};
    gcv_status st = gcv_csv_check_options(&r);
    if (st == GCV_OK)
        st = gcv_csv_open(&r);
    if (st == GCV_OK)
        st = gcv_csv_use_c_locale(&r);
    if (st == GCV_OK)
        st = gcv_csv_read_rows(&r);
    if (st == GCV_OK)
        st = gcv_csv_fill(&r, out);
    gcv_csv_close(&r);
    return st;
}

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

typedef struct gcv_csv_reader {
    const char *path;
    char delim;
    gcv_csv_field *fields;
    size_t nfields, cap;
    gcv_error *err;
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

static gcv_status gcv_csv_push(gcv_csv_reader *r, char *s, size_t len)
{
    if (r->nfields == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        if (cap > SIZE_MAX / sizeof *r->fields)
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
            gcv_error_set(r->err, "%s: line %zu: out of memory", r->path, lineno);
            return GCV_ERR_NOMEM;
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

/* Grows *data to hold at least need values (amortised doubling, overflow-checked). */
static int gcv_csv_reserve(double **data, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 256;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return -1;
        c *= 2;
    }
    if (c > SIZE_MAX / sizeof **data)
        return -1;
    double *d = realloc(*data, c * sizeof *d);
    if (!d)
        return -1;
    *data = d;
    *cap = c;
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
    char delim = (o && o->delimiter) ? o->delimiter : ',';
    int header = o ? o->header : -1;
    if (delim != ',' && delim != ';' && delim != '\t') {
        gcv_error_set(err, "%s: expected the delimiter ',', ';' or a tab, got '%c'", path,
                     (delim >= 0x20 && delim < 0x7F) ? delim : '?');
        return GCV_ERR_INVALID;
    }
    if (header < -1 || header > 1) {
        gcv_error_set(err, "%s: expected header -1 (auto), 0 or 1, got %d", path, header);
        return GCV_ERR_INVALID;
    }

    char why[200];
    uint64_t fsize = 0;
    int fd = gcv_file_open_regular(path, &fsize, why, sizeof why);
    if (fd < 0) {
        gcv_error_set(err, "%s: %s", path, why);
        return GCV_ERR_IO;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        gcv_error_set(err, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return GCV_ERR_IO;
    }

    gcv_status st = GCV_ERR_INVALID;
    gcv_csv_reader r = {.path = path, .delim = delim, .err = err};
    char *line = NULL, **names = NULL;
    size_t line_cap = 0, cols = 0, rows = 0, data_cap = 0;
    size_t lineno = 0, blank_line = 0, first_row_line = 0;
    double *data = NULL;
    int have_first = 0;

    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0) {
        gcv_error_set(err, "%s: cannot create the C locale for parsing numbers: %s", path,
                     strerror(errno));
        fclose(f);
        return GCV_ERR_NOMEM;
    }
    locale_t old_locale = uselocale(c_locale);

    for (;;) {
        errno = 0;
        ssize_t got = getline(&line, &line_cap, f);
        if (got < 0) {
            if (ferror(f)) {
                gcv_error_set(err, "%s: line %zu: cannot read: %s", path, lineno + 1,
                             strerror(errno));
                st = errno == ENOMEM ? GCV_ERR_NOMEM : GCV_ERR_IO;
                goto cleanup;
            }
            break;
        }
        lineno++;
        size_t n = (size_t)got;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        char *s = line;
        if (lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3; /* UTF-8 byte-order mark, as spreadsheet programs write it */
            n -= 3;
        }

        if (gcv_csv_is_blank(s, n)) {
            if (!blank_line)
                blank_line = lineno;
            continue;
        }
        /* Empty lines are fine at the end only: in the middle they usually mean two tables
         * pasted together or a truncated export, which must not pass silently. */
        if (blank_line) {
            gcv_error_set(err, "%s: line %zu: expected a row of values, got an empty line "
                         "(empty lines are allowed only at the end of the file)", path,
                         blank_line);
            goto cleanup;
        }
        if ((st = gcv_csv_split(&r, s, n, lineno)) != GCV_OK)
            goto cleanup;
        st = GCV_ERR_INVALID;

        if (!have_first) {
            have_first = 1;
            first_row_line = lineno;
            cols = r.nfields;
            int is_header = header == 1;
            if (header == -1) {
                /* A header is a first row with at least one field that is text; an empty
                 * or non-finite field alone does not make one ("1,,3" is a broken data row,
                 * "1,nan" a data row with a NaN, both reported as such below). */
                for (size_t j = 0; j < cols && !is_header; j++) {
                    double v;
                    is_header = gcv_csv_number(r.fields[j].s, r.fields[j].len, &v) ==
                                GCV_CSV_TEXT;
                }
            }
            if (is_header) {
                names = calloc(cols, sizeof *names);
                if (!names) {
                    gcv_error_set(err, "%s: line %zu: out of memory", path, lineno);
                    st = GCV_ERR_NOMEM;
                    goto cleanup;
                }
                for (size_t j = 0; j < cols; j++) {
                    names[j] = gcv_strdup(r.fields[j].s);
                    if (!names[j]) {
                        gcv_error_set(err, "%s: line %zu: out of memory", path, lineno);
                        st = GCV_ERR_NOMEM;
                        goto cleanup;
                    }
                }
                continue;
            }
        }

        if (r.nfields != cols) {
            gcv_error_set(err, "%s: line %zu: expected %zu fields (as on line %zu), got %zu",
                         path, lineno, cols, first_row_line, r.nfields);
            goto cleanup;
        }
        /* Checked per row, before growing: a huge file is refused without reading it all. */
        if (rows + 1 > max_count / cols) {
            gcv_error_set(err, "%s: line %zu: expected at most %zu values, got more", path,
                         lineno, max_count);
            st = GCV_ERR_NOMEM;
            goto cleanup;
        }
        if (gcv_csv_reserve(&data, &data_cap, (rows + 1) * cols) != 0) {
            gcv_error_set(err, "%s: line %zu: out of memory for %zu values", path, lineno,
                         (rows + 1) * cols);
            st = GCV_ERR_NOMEM;
            goto cleanup;
        }
        for (size_t j = 0; j < cols; j++)
            if (gcv_csv_value(&r, names, lineno, j, &data[rows * cols + j]) != GCV_OK)
                goto cleanup;
        rows++;
    }

    if (rows == 0) {
        gcv_error_set(err, "%s: expected at least one data row, got %s", path,
                     names ? "only a header" : "an empty file");
        goto cleanup;
    }
    out->rows = rows;
    out->cols = cols;
    out->data = data;
    out->names = names;
    data = NULL;
    names = NULL;
    st = GCV_OK;

cleanup:
    uselocale(old_locale);
    freelocale(c_locale);
    if (names) {
        for (size_t j = 0; j < cols; j++)
            free(names[j]);
        free(names);
    }
    free(data);
    free(line);
    free(r.fields);
    fclose(f);
    return st;
}

/* Reading a JSON file and parsing it (gcv_json_load_file, gcv_json_parse; see json.h) with
 * messages a user can act on. The file is read whole, with its size cap checked while
 * reading (fstat can lie: a file still growing, one in /proc). cJSON parses; when it refuses
 * a text, a strict scanner of our own finds the first offending byte and says what should
 * have been there, with the line and column an editor shows and a hint for the usual
 * mistakes (a comment, single quotes, a comma before a closing bracket, an unclosed one).
 * Nesting is bounded before cJSON sees the text, since cJSON recurses per level. */
#include "config/json.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/json-strict.h"
#include "util/strutil.h"

static void line_col(const char *text, size_t pos, size_t *line, size_t *col)
{
    size_t l = 1, c = 1, i = 0;
    if (pos >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3; /* a byte-order mark is no column an editor shows */
    for (; i < pos; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            c++; /* count characters, not UTF-8 continuation bytes */
        }
    }
    *line = l;
    *col = c;
}

static gcv_status fail_at(const char *file, const char *text, size_t pos, gcv_error *err,
                          const char *what, const char *found, const char *hint)
{
    size_t line, col;
    line_col(text, pos, &line, &col);
    int w = snprintf(err->msg, GCV_ERROR_LEN, "%s: line %zu, column %zu: expected %s, got %s%s",
                     file, line, col, what, found, hint);
    gcv_json_finish_msg(err, w);
    return GCV_ERR_INVALID;
}

/* Brackets outside strings deeper than GCV_JSON_MAX_DEPTH: cJSON recurses per level, so a
 * hostile file of a million '[' must be refused before it reaches the parser. */
static int too_deep(const char *t, size_t len, size_t *pos)
{
    size_t depth = 0;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = t[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '[' || ch == '{') {
            if (++depth > GCV_JSON_MAX_DEPTH) {
                *pos = i;
                return 1;
            }
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return 0;
}

/* A strict JSON scanner used only after cJSON has refused a text: cJSON's error pointer is
 * sometimes far from the mistake (a trailing comma in an object points at the end of the
 * file) and never says what was expected. The scanner finds the first offending byte and
 * names what should have been there. Depth is already bounded by too_deep(). */
typedef struct scan {
    const char *t;
    size_t len, i;
    const char *what; /* set at the first error */
} scan;

static int scan_fail(scan *s, const char *what)
{
    s->what = what;
    return 0;
}

static void scan_ws(scan *s)
{
    while (s->i < s->len && strchr(" \t\r\n", s->t[s->i]) && s->t[s->i])
        s->i++;
}

static int scan_peek(const scan *s)
{
    return s->i < s->len ? (unsigned char)s->t[s->i] : -1;
}

static int scan_digits(scan *s)
{
    size_t start = s->i;
    while (s->i < s->len && s->t[s->i] >= '0' && s->t[s->i] <= '9')
        s->i++;
    return s->i > start ? 1 : scan_fail(s, "a digit");
}

static int scan_number(scan *s)
{
    if (scan_peek(s) == '-')
        s->i++;
    if (scan_peek(s) == '0')
        s->i++;
    else if (!scan_digits(s))
        return 0;
    if (scan_peek(s) == '.') {
        s->i++;
        if (!scan_digits(s))
            return 0;
    }
    if (scan_peek(s) == 'e' || scan_peek(s) == 'E') {
        s->i++;
        if (scan_peek(s) == '+' || scan_peek(s) == '-')
            s->i++;
        if (!scan_digits(s))
            return 0;
    }
    return 1;
}

static int scan_string(scan *s)
{
    s->i++; /* the opening quote */
    for (;;) {
        int ch = scan_peek(s);
        if (ch < 0)
            return scan_fail(s, "a closing '\"'");
        if (ch < 0x20)
            return scan_fail(s, "a closing '\"' on the same line (or an escape like \\n)");
        s->i++;
        if (ch == '"')
            return 1;
        if (ch != '\\')
            continue;
        ch = scan_peek(s);
        if (ch < 0 || !strchr("\"\\/bfnrtu", ch))
            return scan_fail(s, "an escape among \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
        s->i++;
        for (int k = 0; ch == 'u' && k < 4; k++, s->i++)
            if (scan_peek(s) < 0 || !strchr("0123456789abcdefABCDEF", scan_peek(s)))
                return scan_fail(s, "four hexadecimal digits after \\u");
    }
}

static int scan_literal(scan *s, const char *word)
{
    size_t n = strlen(word);
    if (s->len - s->i < n || memcmp(s->t + s->i, word, n) != 0)
        return scan_fail(s, "a value");
    s->i += n;
    return 1;
}

static int scan_value(scan *s);

/* The members of an object or the elements of an array, after the opening bracket. */
static int scan_items(scan *s, int obj)
{
    int close = obj ? '}' : ']';
    s->i++;
    scan_ws(s);
    if (scan_peek(s) == close) {
        s->i++;
        return 1;
    }
    for (;;) {
        if (obj) {
            if (scan_peek(s) != '"')
                return scan_fail(s, "a key in double quotes");
            if (!scan_string(s))
                return 0;
            scan_ws(s);
            if (scan_peek(s) != ':')
                return scan_fail(s, "':' after the key");
            s->i++;
        }
        if (!scan_value(s))
            return 0;
        scan_ws(s);
        if (scan_peek(s) == close) {
            s->i++;
            return 1;
        }
        if (scan_peek(s) != ',')
            return scan_fail(s, obj ? "',' or '}'" : "',' or ']'");
        s->i++;
        scan_ws(s);
    }
}

static int scan_value(scan *s)
{
    scan_ws(s);
    int ch = scan_peek(s);
    if (ch == '{' || ch == '[')
        return scan_items(s, ch == '{');
    if (ch == '"')
        return scan_string(s);
    if (ch == '-' || (ch >= '0' && ch <= '9'))
        return scan_number(s);
    if (ch == 't')
        return scan_literal(s, "true");
    if (ch == 'f')
        return scan_literal(s, "false");
    if (ch == 'n')
        return scan_literal(s, "null");
    return scan_fail(s, "a value");
}

/* Where and why text is not JSON; 0 if the scanner finds nothing wrong. */
static int scan_error(const char *text, size_t len, size_t *pos, const char **what)
{
    scan s = {.t = text, .len = len, .i = 0, .what = NULL};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        s.i = 3; /* cJSON skips a byte-order mark too */
    if (scan_value(&s)) {
        scan_ws(&s);
        if (s.i == len)
            return 0;
        s.what = "the end of the file after the top-level value";
    }
    *pos = s.i;
    *what = s.what;
    return 1;
}

/* A few characters from pos, quoted, as the "got" of a syntax error. */
static void show_at(const char *text, size_t len, size_t pos, char *out, size_t n)
{
    if (pos >= len) {
        snprintf(out, n, "the end of the file");
        return;
    }
    size_t k = 0;
    while (pos + k < len && (unsigned char)text[pos + k] >= 0x20 && k < 64)
        k++;
    if (k == 0) {
        snprintf(out, n, "the byte 0x%02x", (unsigned)(unsigned char)text[pos]);
        return;
    }
    size_t keep = gcv_utf8_prefix(text + pos, k, 12);
    snprintf(out, n, "'%.*s'%s", (int)keep, text + pos, keep < k ? "\xE2\x80\xA6" : "");
}

/* The classic reasons a hand-written config is not JSON. */
static const char *syntax_hint(const char *text, size_t len, size_t pos)
{
    if (pos >= len)
        return " (an unclosed bracket, brace or string?)";
    char ch = text[pos];
    if (ch == '/' || ch == '#')
        return " (JSON has no comments)";
    if (ch == '\'')
        return " (JSON strings take double quotes)";
    size_t i = pos;
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n' ||
                     text[i - 1] == '\r'))
        i--;
    if (i > 0 && text[i - 1] == ',' && (ch == '}' || ch == ']'))
        return " (JSON allows no comma before a closing bracket)";
    return "";
}

gcv_status gcv_json_parse(const char *file, const char *text, size_t len, cJSON **out,
                          gcv_error *err)
{
    *out = NULL;
    const char *nul = memchr(text, '\0', len);
    if (nul)
        return fail_at(file, text, (size_t)(nul - text), err, "UTF-8 text", "a NUL byte",
                       "");
    size_t first = strspn(text, " \t\r\n");
    if (first == len)
        return fail_at(file, text, len, err, "a JSON object", "an empty file", "");
    size_t pos;
    if (too_deep(text, len, &pos)) {
        char what[64];
        snprintf(what, sizeof what, "nesting at most %d levels deep", GCV_JSON_MAX_DEPTH);
        return fail_at(file, text, pos, err, what, "deeper", "");
    }
    const char *end = NULL;
    /* len + 1: cJSON's require_null_terminated looks at the terminator itself. */
    cJSON *root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    if (!root) {
        char found[96];
        const char *what = "valid JSON";
        if (!scan_error(text, len, &pos, &what)) /* cJSON refused what we accept: trust it */
            pos = (end && end >= text && (size_t)(end - text) <= len) ? (size_t)(end - text) : 0;
        show_at(text, len, pos, found, sizeof found);
        return fail_at(file, text, pos, err, what, found, syntax_hint(text, len, pos));
    }
    const char *flaw = NULL;
    char found[96], at[48];
    if (gcv_json_text_flaw(text, len, &pos, &flaw, found, sizeof found)) {
        cJSON_Delete(root);
        snprintf(at, sizeof at, " (byte %zu)", pos);
        return fail_at(file, text, pos, err, flaw, found, at);
    }
    gcv_status st = gcv_json_unique_keys(file, root, err);
    if (st != GCV_OK) {
        cJSON_Delete(root);
        return st;
    }
    *out = root;
    return GCV_OK;
}

static gcv_status too_large(const char *path, double bytes, gcv_error *err)
{
    char got[32], max[32];
    gcv_format_bytes(bytes, got, sizeof got);
    gcv_format_bytes((double)GCV_JSON_MAX_BYTES, max, sizeof max);
    if (strcmp(got, max) == 0) { /* "at most 64.0 MiB, got 64.0 MiB" would say nothing */
        snprintf(got, sizeof got, "%.0f bytes", bytes);
        snprintf(max, sizeof max, "%zu bytes", GCV_JSON_MAX_BYTES);
    }
    int w = snprintf(err->msg, GCV_ERROR_LEN, "%s: expected a config file of at most %s, got %s",
                     path, max, got);
    gcv_json_finish_msg(err, w);
    return GCV_ERR_INVALID;
}

/* Reads all of fd into a NUL-terminated buffer, refusing more than GCV_JSON_MAX_BYTES even
 * when the size announced by fstat was smaller (a file growing, or one in /proc). */
static gcv_status read_fd(const char *path, int fd, uint64_t size, char **text, size_t *len,
                          gcv_error *err)
{
    size_t cap = (size_t)size + 1, n = 0;
    char *buf = malloc(cap + 1);
    gcv_status st = GCV_OK;
    for (;;) {
        if (!buf) {
            snprintf(err->msg, GCV_ERROR_LEN, "%s: out of memory reading the file", path);
            return GCV_ERR_NOMEM;
        }
        if (n == cap) {
            if (cap > GCV_JSON_MAX_BYTES) {
                st = too_large(path, (double)n, err);
                break;
            }
            cap = cap * 2 > GCV_JSON_MAX_BYTES + 1 ? GCV_JSON_MAX_BYTES + 1 : cap * 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb)
                free(buf);
            buf = nb;
            continue;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err->msg, GCV_ERROR_LEN, "%s: cannot read: %s", path, strerror(errno));
            st = GCV_ERR_IO;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (st != GCV_OK) {
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return GCV_OK;
}

gcv_status gcv_json_load_file(const char *path, cJSON **out, gcv_error *err)
{
    char why[GCV_ERROR_LEN / 2];
    uint64_t size;
    *out = NULL;
    int fd = gcv_file_open_regular(path, &size, why, sizeof why);
    if (fd < 0) {
        int w = snprintf(err->msg, GCV_ERROR_LEN, "%s: %s", path, why);
        gcv_json_finish_msg(err, w);
        return GCV_ERR_IO;
    }
    if (size > GCV_JSON_MAX_BYTES) {
        close(fd);
        return too_large(path, (double)size, err);
    }
    char *text = NULL;
    size_t len = 0;
    gcv_status st = read_fd(path, fd, size, &text, &len, err);
    close(fd);
    if (st == GCV_OK)
        st = gcv_json_parse(path, text, len, out, err);
    free(text);
    return st;
}

/* A worker's MODEL frame, parsed and validated in full before anything uses it: the layout
 * is in doc/workers.md. Every count is checked against the bytes that are left before it is
 * used for an allocation, so a worker that lies about sizes gets a message, never a huge
 * allocation or a read past the frame. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/process_pool.h"
#include "util/strutil.h"

/* A reading position in the payload; bad is set (and why filled) at the first fault. */
typedef struct cursor {
    const unsigned char *p;
    size_t left;
    int bad;
    char *why;
    size_t n;
} cursor;

static int need(cursor *c, size_t bytes, const char *what)
{
    if (c->bad)
        return -1;
    if (c->left < bytes) {
        snprintf(c->why, c->n, "MODEL frame: expected %zu more bytes for %s, got %zu", bytes,
                 what, c->left);
        c->bad = 1;
        return -1;
    }
    return 0;
}

static uint32_t u32(cursor *c, const char *what)
{
    if (need(c, 4, what))
        return 0;
    uint32_t v = gcv_get_u32(c->p);
    c->p += 4;
    c->left -= 4;
    return v;
}

static uint64_t u64(cursor *c, const char *what)
{
    if (need(c, 8, what))
        return 0;
    uint64_t v = gcv_get_u64(c->p);
    c->p += 8;
    c->left -= 8;
    return v;
}

static int fault(cursor *c, const char *fmt, ...) GCV_PRINTF(2, 3);

static int fault(cursor *c, const char *fmt, ...)
{
    if (c->bad)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int k = snprintf(c->why, c->n, "MODEL frame: ");
    vsnprintf(c->why + k, c->n - (size_t)k, fmt, ap);
    va_end(ap);
    c->bad = 1;
    return -1;
}

/* A text of len bytes into out (size n, NUL-terminated), printable ASCII or UTF-8. */
static int text(cursor *c, size_t len, char *out, size_t n, const char *what)
{
    if (len >= n)
        return fault(c, "%s: expected at most %zu bytes, got %zu", what, n - 1, len);
    if (need(c, len, what))
        return -1;
    memcpy(out, c->p, len);
    out[len] = '\0';
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)out[k] < 0x20)
            return fault(c, "%s: expected printable text, got byte 0x%02x", what,
                         (unsigned char)out[k]);
    c->p += len;
    c->left -= len;
    return 0;
}

/* A block's name: 1 to 31 letters, digits or underscores. */
static int block_name(cursor *c, size_t b, gcv_block *bl)
{
    char what[48];
    snprintf(what, sizeof what, "block %zu's name", b);
    uint32_t len = u32(c, what);
    if (!c->bad && (len == 0 || len >= GCV_NAME_LEN))
        return fault(c, "%s: expected 1 to %d bytes, got %u", what, GCV_NAME_LEN - 1, len);
    if (text(c, len, bl->name, sizeof bl->name, what))
        return -1;
    for (uint32_t k = 0; k < len; k++) {
        char ch = bl->name[k];
        if (!(ch == '_' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
              (ch >= 'A' && ch <= 'Z')))
            return fault(c, "%s: expected letters, digits and _, got \"%s\"", what, bl->name);
    }
    return 0;
}

/* Block b: name, layer, shape; its offset is *off, advanced by its size. */
static int block(cursor *c, gcv_announce *a, size_t b, int *last_layer, size_t *off)
{
    gcv_block *bl = &a->blocks[b];
    if (block_name(c, b, bl))
        return -1;
    uint32_t layer = u32(c, "a layer"), nd = u32(c, "a number of dimensions");
    if (c->bad)
        return -1;
    if (layer < (uint32_t)*last_layer || layer > 1000000)
        return fault(c, "block %s: expected a layer ≥ %d (layers start at 1 and never "
                     "decrease), got %u", bl->name, *last_layer, layer);
    if (nd < 1 || nd > 4)
        return fault(c, "block %s: expected 1 to 4 dimensions, got %u", bl->name, nd);
    size_t size = 1;
    for (uint32_t d = 0; d < nd; d++) {
        uint64_t v = u64(c, "a dimension");
        if (c->bad)
            return -1;
        if (v == 0 || v > a->P || size > a->P / v)
            return fault(c, "block %s: dimension %u: expected 1 to %zu (blocks add up to P = "
                         "%zu), got %llu", bl->name, d, a->P / size, a->P,
                         (unsigned long long)v);
        a->dims[b][d] = (size_t)v;
        size *= (size_t)v;
    }
    *last_layer = (int)layer;
    a->ndim[b] = nd;
    bl->layer = (int)layer;
    /* The engine takes rows × cols: the leading dimensions are flattened into the rows; a
     * one-dimensional block is a column. */
    bl->cols = nd == 1 ? 1 : a->dims[b][nd - 1];
    bl->rows = size / bl->cols;
    bl->offset = *off;
    if (size > a->P - *off)
        return fault(c, "block %s: expected at most %zu values (P = %zu), got %zu", bl->name,
                     a->P - *off, a->P, size);
    *off += size;
    return 0;
}

static int values(cursor *c, gcv_announce *a, double *v, const char *what)
{
    if (need(c, a->P * 8, what))
        return -1;
    for (size_t i = 0; i < a->P; i++)
        v[i] = gcv_get_f64(c->p + 8 * i);
    c->p += a->P * 8;
    c->left -= a->P * 8;
    return 0;
}

void gcv_announce_name(const gcv_announce *a, size_t i, char *out, size_t n)
{
    size_t b = gcv_block_find(a->blocks, a->n_blocks, i), j = i - a->blocks[b].offset;
    size_t idx[4];
    for (unsigned d = a->ndim[b]; d-- > 0;) {
        idx[d] = j % a->dims[b][d];
        j /= a->dims[b][d];
    }
    int k = snprintf(out, n, "%s", a->blocks[b].name);
    for (unsigned d = 0; d < a->ndim[b] && k > 0 && (size_t)k < n; d++)
        k += snprintf(out + k, n - (size_t)k, "[%zu]", idx[d]);
}

/* θ finite everywhere, and float-representable for a float32 model. */
static int check_theta(cursor *c, const gcv_announce *a)
{
    char name[64];
    for (size_t i = 0; i < a->P; i++) {
        int nonfinite = !isfinite(a->theta[i]);
        if (!nonfinite && !(a->precision == GCV_FLOAT &&
                            (double)(float)a->theta[i] != a->theta[i]))
            continue;
        gcv_announce_name(a, i, name, sizeof name);
        if (nonfinite)
            return fault(c, "theta of %s: expected a finite number, got %g", name,
                         a->theta[i]);
        return fault(c, "theta of %s: expected a float32 value (the model is float32), got "
                     "%.17g", name, a->theta[i]);
    }
    return 0;
}

static int header(cursor *c, gcv_announce *a)
{
    uint32_t prec = u32(c, "the precision"), flags = u32(c, "the flags");
    uint32_t nb = u32(c, "the number of blocks"), nn = u32(c, "the number of notes");
    uint64_t P = u64(c, "P"), ex = u64(c, "the examples");
    if (c->bad)
        return -1;
    if (need(c, 8, "the cost"))
        return -1;
    a->cost = gcv_get_f64(c->p);
    c->p += 8;
    c->left -= 8;
    if (prec > 1)
        return fault(c, "precision: expected 0 (float64) or 1 (float32), got %u", prec);
    if (flags > 3)
        return fault(c, "flags: expected bits 0 (cost given) and 1 (kinks counted) only, "
                     "got %u", flags);
    /* Each parameter takes 16 bytes (θ and gradient) and each block at least 20. */
    if (P == 0 || P > c->left / 16)
        return fault(c, "P: expected 1 to %zu parameters (what the frame's length holds), "
                     "got %llu", c->left / 16, (unsigned long long)P);
    if (nb == 0 || nb > P || nb > c->left / 20)
        return fault(c, "blocks: expected 1 to %llu blocks, got %u",
                     (unsigned long long)(P < c->left / 20 ? P : c->left / 20), nb);
    if (nn > 64)
        return fault(c, "notes: expected at most 64, got %u", nn);
    a->precision = prec ? GCV_FLOAT : GCV_DOUBLE;
    a->has_cost = flags & 1u;
    a->kinks = (flags >> 1) & 1u;
    if (!a->has_cost)
        a->cost = NAN;
    a->P = (size_t)P;
    a->n_blocks = nb;
    a->examples = (size_t)ex;
    a->n_notes = nn;
    return 0;
}

static int alloc(cursor *c, gcv_announce *a)
{
    a->blocks = calloc(a->n_blocks, sizeof *a->blocks);
    a->ndim = calloc(a->n_blocks, sizeof *a->ndim);
    a->dims = calloc(a->n_blocks, sizeof *a->dims);
    a->theta = malloc(a->P * sizeof *a->theta);
    a->grad = malloc(a->P * sizeof *a->grad);
    a->notes = calloc(a->n_notes + 1, sizeof *a->notes);
    if (!a->blocks || !a->ndim || !a->dims || !a->theta || !a->grad || !a->notes)
        return fault(c, "out of memory for %zu parameters", a->P);
    return 0;
}

static int notes(cursor *c, gcv_announce *a)
{
    char line[GCV_ERROR_LEN];
    uint32_t len = u32(c, "the description");
    if (text(c, len, a->description, sizeof a->description, "the description"))
        return -1;
    for (size_t k = 0; k < a->n_notes; k++) {
        len = u32(c, "a note");
        if (text(c, len, line, sizeof line, "a note"))
            return -1;
        if (!(a->notes[k] = gcv_strdup(line)))
            return fault(c, "out of memory");
    }
    if (c->left)
        return fault(c, "expected the frame to end after the notes, got %zu more bytes",
                     c->left);
    return 0;
}

int gcv_announce_parse(const unsigned char *buf, size_t len, gcv_announce *a, char *why,
                       size_t n)
{
    memset(a, 0, sizeof *a);
    cursor c = {buf, len, 0, why, n};
    if (header(&c, a) || alloc(&c, a))
        return -1;
    int last_layer = 1;
    size_t off = 0;
    for (size_t b = 0; b < a->n_blocks; b++)
        if (block(&c, a, b, &last_layer, &off))
            return -1;
    if (off != a->P)
        return fault(&c, "blocks: expected shapes adding up to P = %zu, got %zu values",
                     a->P, off);
    if (values(&c, a, a->theta, "theta") || values(&c, a, a->grad, "the gradient") ||
        check_theta(&c, a))
        return -1;
    return notes(&c, a);
}

void gcv_announce_free(gcv_announce *a)
{
    for (size_t k = 0; a->notes && k < a->n_notes; k++)
        free(a->notes[k]);
    free(a->notes);
    free(a->blocks);
    free(a->ndim);
    free(a->dims);
    free(a->theta);
    free(a->grad);
    memset(a, 0, sizeof *a);
}

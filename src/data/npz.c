/* NumPy .npz archives through libzip; see npz.h. An .npz is a plain zip file whose members
 * are .npy images named after np.savez's keywords, so the zip layer only finds a member,
 * checks its size against the cap and inflates it whole; the .npy reader does the rest. The
 * zip's own checks (CRC, declared sizes) run as the member is read to its end. */
#include "data/npz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"

#ifdef GCV_HAVE_LIBZIP
#include <unistd.h>
#include <zip.h>

#define NPZ_HEADER_ROOM (((size_t)1 << 20) + 12) /* the .npy reader's header limit */

struct gcv_npz {
    char *path;
    zip_t *zip;
};

static gcv_status zip_failed(gcv_error *err, const char *path, int code)
{
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    gcv_error_set(err, "%s: expected an .npz (zip) archive, got %s", path,
             zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return GCV_ERR_INVALID;
}

gcv_status gcv_npz_open(const char *path, gcv_npz **out, gcv_error *err)
{
    char why[GCV_ERROR_LEN / 2];
    uint64_t size = 0;
    *out = NULL;
    int fd = gcv_file_open_regular(path, &size, why, sizeof why);
    if (fd < 0) {
        gcv_error_set(err, "%s: %s", path, why);
        return GCV_ERR_IO;
    }
    int code = 0;
    zip_t *zip = zip_fdopen(fd, ZIP_CHECKCONS, &code); /* owns fd from here on success */
    if (!zip) {
        close(fd);
        return zip_failed(err, path, code);
    }
    gcv_npz *z = calloc(1, sizeof *z);
    if (!z || !(z->path = gcv_strdup(path))) {
        free(z);
        zip_discard(zip);
        gcv_error_set(err, "%s: out of memory", path);
        return GCV_ERR_NOMEM;
    }
    z->zip = zip;
    *out = z;
    return GCV_OK;
}

static zip_int64_t locate(const gcv_npz *z, const char *name)
{
    char member[512];
    if ((size_t)snprintf(member, sizeof member, "%s.npy", name) >= sizeof member)
        return -1;
    return zip_name_locate(z->zip, member, 0);
}

int gcv_npz_has(const gcv_npz *z, const char *name)
{
    return locate(z, name) >= 0;
}

void gcv_npz_names(const gcv_npz *z, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    zip_int64_t count = zip_get_num_entries(z->zip, 0);
    for (zip_int64_t i = 0; i < count; i++) {
        const char *nm = zip_get_name(z->zip, (zip_uint64_t)i, 0);
        size_t k = nm ? strlen(nm) : 0;
        if (k > 4 && strcmp(nm + k - 4, ".npy") == 0)
            k -= 4;
        if (len + k + 8 >= n) {
            snprintf(out + len, n - len, "%s…", len ? ", " : "");
            return;
        }
        len += (size_t)snprintf(out + len, n - len, "%s%.*s", len ? ", " : "", (int)k, nm);
    }
}

/* The member's bytes, all sb.size of them and not one more (the zip checks its CRC at the
 * end); *buf is malloc'd. */
static gcv_status inflate_member(const gcv_npz *z, zip_uint64_t idx, const char *shown,
                                 size_t size, unsigned char **buf, gcv_error *err)
{
    zip_file_t *f = zip_fopen_index(z->zip, idx, 0);
    *buf = malloc(size ? size : 1);
    gcv_status st = GCV_OK;
    if (!f || !*buf) {
        gcv_error_set(err, "%s: %s", shown,
                 !f ? zip_strerror(z->zip) : "out of memory");
        st = !f ? GCV_ERR_INVALID : GCV_ERR_NOMEM;
        goto done;
    }
    size_t got = 0;
    while (got < size) {
        zip_int64_t r = zip_fread(f, *buf + got, size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    unsigned char extra;
    if (got != size || zip_fread(f, &extra, 1) != 0) {
        gcv_error_set(err, "%s: expected %zu bytes as the zip entry declares, "
                 "got %s (%s)", shown, size, got != size ? "fewer" : "more",
                 zip_file_strerror(f));
        st = GCV_ERR_INVALID;
    }
done:
    if (f)
        zip_fclose(f);
    if (st) {
        free(*buf);
        *buf = NULL;
    }
    return st;
}

gcv_status gcv_npz_read(const gcv_npz *z, const char *name, size_t max_count, gcv_npy *out,
                        gcv_error *err)
{
    char shown[600], names[200];
    memset(out, 0, sizeof *out);
    snprintf(shown, sizeof shown, "%s: %s.npy", z->path, name);
    zip_int64_t idx = locate(z, name);
    if (idx < 0) {
        gcv_npz_names(z, names, sizeof names);
        gcv_error_set(err, "%s: expected an array '%s', got only: %s", z->path,
                 name, names[0] ? names : "no arrays");
        return GCV_ERR_INVALID;
    }
    zip_stat_t sb;
    if (zip_stat_index(z->zip, (zip_uint64_t)idx, 0, &sb) != 0 || !(sb.valid & ZIP_STAT_SIZE)) {
        gcv_error_set(err, "%s: %s", shown, zip_strerror(z->zip));
        return GCV_ERR_INVALID;
    }
    /* The memory guard, from the entry alone: at most 8 bytes a value past the header. */
    size_t room = max_count > (SIZE_MAX - NPZ_HEADER_ROOM) / 8 ? SIZE_MAX
                                                               : NPZ_HEADER_ROOM + 8 * max_count;
    if (sb.size > room) {
        gcv_error_set(err, "%s: expected at most %zu values, got a member of "
                 "%llu bytes", shown, max_count, (unsigned long long)sb.size);
        return GCV_ERR_NOMEM;
    }
    unsigned char *buf = NULL;
    gcv_status st = inflate_member(z, (zip_uint64_t)idx, shown, (size_t)sb.size, &buf, err);
    if (!st)
        st = gcv_npy_read_mem(shown, buf, (size_t)sb.size, max_count, out, err);
    free(buf);
    return st;
}

void gcv_npz_close(gcv_npz *z)
{
    if (!z)
        return;
    zip_discard(z->zip); /* read-only: nothing to write back */
    free(z->path);
    free(z);
}

#else /* no libzip */

struct gcv_npz {
    int unused;
};

gcv_status gcv_npz_open(const char *path, gcv_npz **out, gcv_error *err)
{
    *out = NULL;
    gcv_error_set(err, "%s: expected a gcverify built with libzip to read .npz "
             "(Debian: libzip-dev, then meson setup --reconfigure), got a build without it",
             path);
    return GCV_ERR_INVALID;
}

int gcv_npz_has(const gcv_npz *z, const char *name)
{
    (void)z;
    (void)name;
    return 0;
}

gcv_status gcv_npz_read(const gcv_npz *z, const char *name, size_t max_count, gcv_npy *out,
                        gcv_error *err)
{
    (void)z;
    (void)max_count;
    memset(out, 0, sizeof *out);
    gcv_error_set(err, "%s: no .npz support in this build", name);
    return GCV_ERR_INVALID;
}

void gcv_npz_names(const gcv_npz *z, char *out, size_t n)
{
    (void)z;
    if (n)
        out[0] = '\0';
}

void gcv_npz_close(gcv_npz *z)
{
    (void)z;
}

#endif

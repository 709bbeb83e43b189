/* DIR/<name><ext> (see path.h). */
#include "util/path.h"

#include <stdio.h>

char *gcv_path_in_dir(char *buf, size_t n, const char *dir, const char *name, const char *ext)
{
    snprintf(buf, n, "%s/%s%s", dir, name, ext);
    return buf;
}

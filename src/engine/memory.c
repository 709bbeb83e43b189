/* Available memory and the engine's share of a check's memory; see memory.h. */
#include "engine/memory.h"

#include <omp.h>
#include <stdio.h>
#include <unistd.h>

/* MemAvailable counts the page cache the kernel will give back; the free page count of
 * sysconf(_SC_AVPHYS_PAGES) does not, and on a busy machine it is a small fraction of what
 * a check can really use. 0 where /proc is missing. */
static size_t meminfo_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    unsigned long long kb = 0;
    int found = 0;
    char line[160];
    while (f && !found && fgets(line, sizeof line, f))
        found = sscanf(line, "MemAvailable: %llu kB", &kb) == 1;
    if (f)
        fclose(f);
    if (!found)
        return 0;
    return kb > SIZE_MAX / 1024 ? SIZE_MAX : (size_t)kb * 1024;
}

/* A container's own limit (cgroup v2) when it is below what the machine has. */
static size_t cgroup_limit(void)
{
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
    unsigned long long b = 0;
    int ok = f && fscanf(f, "%llu", &b) == 1; /* "max" reads as no limit */
    if (f)
        fclose(f);
    return ok ? (b > SIZE_MAX ? SIZE_MAX : (size_t)b) : 0;
}

size_t gcv_available_memory(void)
{
    size_t avail = meminfo_available();
#ifdef _SC_AVPHYS_PAGES
    if (!avail) {
        long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        if (pages > 0 && page > 0)
            avail = gcv_sat_mul((size_t)pages, (size_t)page);
    }
#endif
    size_t limit = cgroup_limit();
    if (limit && (!avail || limit < avail))
        avail = limit;
    return avail ? avail : SIZE_MAX; /* unknown: do not refuse on a guess */
}

size_t gcv_check_threads(int threads)
{
    int t = threads > 0 ? threads : omp_get_max_threads();
    return t > 0 ? (size_t)t : 1;
}

size_t gcv_engine_bytes(size_t P, size_t threads)
{
    size_t once = gcv_sat_mul(8, gcv_sat_mul(P, 10));
    return gcv_sat_add(once, gcv_sat_mul(threads, gcv_sat_mul(8, P)));
}

double gcv_engine_bytes_f(size_t P, size_t threads)
{
    double t = (double)threads, p = (double)P;
    return 8.0 * 10.0 * p + t * 8.0 * p;
}

size_t gcv_engine_model_bytes(size_t P, size_t ws_bytes, size_t threads)
{
    size_t ws = gcv_sat_add(ws_bytes, 64);
    size_t need = gcv_sat_mul(threads, gcv_sat_add(gcv_sat_mul(P, 8), ws));
    return gcv_sat_add(need, gcv_sat_add(ws, gcv_sat_mul(P, 8 + 8 + 8 + 64)));
}

/* The OpenMP environment (see omp_env.h).
 *
 * Why here: libgomp reads OMP_NUM_THREADS and OMP_STACKSIZE when it is loaded, before main.
 * An unusable value costs either a silent change of meaning (OMP_NUM_THREADS=abc: two lines of
 * libgomp's, then every core) or the run itself: libgomp cannot start a thread with an
 * OMP_STACKSIZE of 100G and calls exit(1), which is gcverify's mismatch code, with no report.
 * The lines libgomp printed before main cannot be taken back; gcverify's own line says what
 * they meant and what it does about it. */
#include "cli/omp_env.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exit.h"

/* "4" or "4,2,1" (spaces around the numbers allowed), every number positive. */
static int valid_threads(const char *s)
{
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (!isdigit((unsigned char)*s))
            return 0;
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || v < 1)
            return 0;
        s = end;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '\0')
            return 1;
        if (*s++ != ',')
            return 0;
    }
}

/* OMP_STACKSIZE as libgomp reads it: a size with an optional B, K, M, G or T (K when none).
 * 0 when it does not parse (libgomp then ignores it and says so). */
static size_t stack_bytes(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return 0;
    while (isspace((unsigned char)*end))
        end++;
    unsigned shift = 10;
    switch (toupper((unsigned char)*end)) {
    case 'B': shift = 0; end++; break;
    case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    case 'T': shift = 40; end++; break;
    default: break;
    }
    while (isspace((unsigned char)*end))
        end++;
    if (*end || v > (unsigned long long)(SIZE_MAX >> shift))
        return 0;
    return (size_t)v << shift;
}

static void *nothing(void *arg)
{
    return arg;
}

/* 0 when a thread with a stack of bytes starts, else its errno. */
static int try_thread(size_t bytes)
{
    pthread_attr_t a;
    pthread_t t;
    int e = pthread_attr_init(&a);
    if (e)
        return e;
    e = pthread_attr_setstacksize(&a, bytes);
    if (!e)
        e = pthread_create(&t, &a, nothing, NULL);
    if (!e)
        pthread_join(t, NULL);
    pthread_attr_destroy(&a);
    return e;
}

int gcv_omp_env_check(void)
{
    const char *n = getenv("OMP_NUM_THREADS");
    if (n && !valid_threads(n)) {
        fprintf(stderr, "gcverify: OMP_NUM_THREADS: expected a positive integer or a comma "
                        "list of them, got '%.60s' (the libgomp lines above, if any, are the "
                        "OpenMP runtime's own word on it)\n", n);
        return EXIT_BAD_INPUT;
    }
    const char *s = getenv("OMP_STACKSIZE");
    size_t bytes = s ? stack_bytes(s) : 0;
    int e = bytes ? try_thread(bytes) : 0;
    if (e) {
        fprintf(stderr, "gcverify: cannot start the check's threads: OMP_STACKSIZE=%.40s asks "
                        "each thread for a stack this machine cannot give: %s\n", s,
                strerror(e));
        return EXIT_INCONCLUSIVE;
    }
    return -1;
}

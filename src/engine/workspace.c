/* A model's workspace, allocated by whoever evaluates the model (the loop's threads, the
 * diagnosis, the directional method): 64-byte aligned so that a thread's buffers start on a
 * cache line of their own, and zeroed as the model interface promises (the first touch is
 * then in the thread that uses it). Its own file so that the loop and the methods it calls
 * share it without depending on each other. */
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "util/strutil.h"

void *gcv_ws_alloc(size_t ws_bytes)
{
    size_t n = ws_bytes ? ws_bytes : 64;
    n = (n + 63) / 64 * 64;
    void *ws = n >= ws_bytes ? aligned_alloc(64, n) : NULL;
    gcv_prefault(ws, n); /* a big one (wide layers × many examples) in a few faults */
    if (ws)
        memset(ws, 0, n);
    return ws;
}

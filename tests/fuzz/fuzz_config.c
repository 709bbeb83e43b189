/* libFuzzer target: the JSON config loader (src/config/config.c, gcv_config_load) on arbitrary
 * bytes, written as config.json in a temporary folder. Relative paths in the config resolve
 * against that folder, where data/ links to tests/bad-inputs/data (GCV_FUZZ_DATA_DIR), so
 * "data/X.npy", "data/params-missing" and the other hostile data files of the bad-input
 * corpus are reachable from mutated configs. The memory limit is 256 MiB: bigger networks
 * or data must be refused before anything is allocated. On success the loaded config must
 * be consistent (θ and data present, or a plugin's library and options); on failure the
 * message must be one line. */
#include <sys/stat.h>

#include "fuzz_common.h"
#include "config/config.h"

#ifndef GCV_FUZZ_DATA_DIR
#define GCV_FUZZ_DATA_DIR "tests/bad-inputs/data"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char link[128], target[4096];
    const char *d = GCV_FUZZ_DATA_DIR;
    if (d[0] != '/') { /* relative: to the current folder */
        if (!getcwd(target, sizeof target - strlen(d) - 2))
            abort();
        strcat(target, "/");
        strcat(target, d);
    } else {
        snprintf(target, sizeof target, "%s", d);
    }
    snprintf(link, sizeof link, "%s/data", gcv_fuzz_tmpdir());
    struct stat st;
    if (stat(target, &st) != 0 || symlink(target, link) != 0)
        fprintf(stderr, "fuzz_config: no data folder at %s; npy paths will not resolve\n",
                target);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128];
    gcv_fuzz_write("config.json", data, size, path, sizeof path);
    gcv_config *c = NULL;
    gcv_error err;
    memset(&err, 0, sizeof err);
    gcv_status st = gcv_config_load(path, GCV_FUZZ_MAX_MEMORY, &c, &err);
    if (st != GCV_OK) {
        gcv_fuzz_check_error(&err);
        if (c) /* nothing handed out on failure */
            abort();
        return 0;
    }
    if (!c)
        abort();
    /* A plugin config loads nothing (the library is opened later, by gcv_config_model_new,
     * which this target never calls: fuzzed paths must not be dlopen'ed). */
    if (c->is_plugin ? !c->plugin_library || !c->plugin_options || c->theta || c->x
                     : c->n_layers < 1 || !c->sizes || c->n_params == 0 || !c->theta || !c->x ||
                           !c->y || c->m == 0 || c->m > c->m_total)
        abort();
    gcv_config_free(c);
    return 0;
}

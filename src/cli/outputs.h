/* Every file one config's run writes, settled and checked before the check starts: the
 * config's name made a file name (unique within the command), the paths of its reports and
 * --export files, and the run's inputs that none of them may replace (report/output.h). */
#ifndef GCV_CLI_OUTPUTS_H
#define GCV_CLI_OUTPUTS_H

#include "cli/options.h"
#include "config/config.h"
#include "util/path.h"

/* The file stems the command's configs used so far, in order (for --json-dir, --html-dir
 * and --baseline-dir: a second config of the same name gets "<name>-2"). */
typedef struct gcv_stems {
    char **s;
    size_t n;
} gcv_stems;

/* name as a file stem (gcv_path_file_stem), with "-2", "-3" … when an earlier config of this
 * command used it; into out (n bytes, at least GCV_STEM_MAX + 16). */
void gcv_stems_pick(const gcv_stems *t, const char *name, char *out, size_t n);
/* Adds stem; returns 0, or -1 when out of memory. */
int gcv_stems_add(gcv_stems *t, const char *stem);
void gcv_stems_free(gcv_stems *t);

/* One config's outputs. NULL: not written. */
typedef struct gcv_plan {
    char stem[GCV_STEM_MAX + 16];
    char *json, *html, *baseline; /* made for --json-dir, --html-dir, --baseline-dir: owned */
    const char *json_path, *html_path, *baseline_path, *params_csv, *junit_own;
} gcv_plan;

/* The plan of the config cfg (model m) under the command line c, its stem picked against
 * used; with claim, every output is claimed (gcv_output_claim) after the run's inputs (the
 * config, its data files, model.params.npy_dir's files, the plugin library) were named, so
 * that an output that cannot be written, or would replace an input or another output, is an
 * exit-2 error now. Returns GCV_OK, or an error in err (p is then still freed by
 * gcv_plan_free). */
gcv_status gcv_plan_outputs(const gcv_cli *c, const gcv_config *cfg, const gcv_model *m,
                            const gcv_stems *used, int claim, gcv_plan *p, gcv_error *err);
void gcv_plan_free(gcv_plan *p);

#endif

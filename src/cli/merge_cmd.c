/* The merge subcommand (see merge_cmd.h): its command line, the merge, the text report. */
#include "cli/merge_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exit.h"
#include "cli/options.h"
#include "report/merge.h"
#include "report/report.h"

int gcv_merge_main(int argc, char **argv)
{
    const char *out = NULL;
    int quiet = 0;
    size_t n = 0, max_memory = 0;
    const char **parts = calloc((size_t)argc, sizeof *parts);
    if (!parts)
        return EXIT_BAD_INPUT;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
            quiet = 1;
        else if (strcmp(argv[i], "--max-memory") == 0 && i + 1 < argc) {
            int rc = gcv_cli_parse_memory("--max-memory", argv[i + 1], &max_memory);
            i++;
            if (rc != -1) {
                free(parts);
                return rc;
            }
        } else if (argv[i][0] == '-') {
            free(parts);
            return gcv_cli_bad_arg("merge",
                                   "PART.json … -o FULL.json [--quiet] [--max-memory SIZE]",
                                   argv[i]);
        } else
            parts[n++] = argv[i];
    }
    if (!out || n == 0) {
        free(parts);
        return gcv_cli_bad_arg("merge", "partial reports and -o FULL.json",
                               out ? "no parts" : "no -o");
    }
    gcv_merged *mg = NULL;
    gcv_error err = {{0}};
    int rc = EXIT_BAD_INPUT;
    if (gcv_merge_load(parts, n, max_memory, &mg, &err) != GCV_OK ||
        gcv_report_json(out, &mg->info, mg->model, mg->result, &err) != GCV_OK) {
        fprintf(stderr, "gcverify: merge: %s\n", err.msg);
    } else {
        if (!quiet)
            gcv_report_text(stdout, &mg->info, mg->model, mg->result);
        /* The config's "expect" travels in the shards' reports: the merge honours it too. */
        gcv_verdict v = mg->result->status;
        if (mg->info.expect == GCV_EXPECT_FAIL && v == GCV_PASS)
            fprintf(stderr, "gcverify: merge: %s: expected to fail, but passed (\"expect\": "
                    "\"fail\")\n", out);
        rc = gcv_exit_expected(gcv_exit_code(v), v, 0, mg->info.expect);
    }
    gcv_merged_free(mg);
    free(parts);
    return rc;
}

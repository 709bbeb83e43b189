/* `gcverify merge PART.json … -o FULL.json [--quiet] [--max-memory SIZE]`: the shards'
 * partial reports into the report a single run gives (report/merge.h). */
#ifndef GCV_CLI_MERGE_CMD_H
#define GCV_CLI_MERGE_CMD_H

/* argv[1] is "merge"; returns the exit code. */
int gcv_merge_main(int argc, char **argv);

#endif

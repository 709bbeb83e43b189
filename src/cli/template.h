/* `gcverify plugin-template NAME`: a compilable plugin skeleton to start from. */
#ifndef GCV_CLI_TEMPLATE_H
#define GCV_CLI_TEMPLATE_H

/* argv[1] is "plugin-template"; writes NAME.c (and a one-line build hint on stdout).
 * Returns the exit code: 0, or 2 with one line on stderr. */
int gcv_template_main(int argc, char **argv);

#endif

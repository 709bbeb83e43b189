/* JUnit XML for CI servers (Jenkins, GitLab, GitHub Actions test reporters): one
 * <testsuites> per file, one <testsuite> per config, one <testcase> per parameter block.
 *
 *   <testsuites name="gcverify" tests=… failures=… errors=… skipped=… time=…>
 *     <testsuite name=CONFIG tests=BLOCKS failures=… errors=… skipped=… time=SECONDS>
 *       <properties> config, model, method, epsilon, threshold, difference, status … </properties>
 *       <testcase classname=CONFIG name="W1" time=…>
 *         <failure type="gradient-mismatch" message="…">   block over its threshold
 *         <failure type="baseline-regression" message="…"> block passes, but regressed
 *         <error type="inconclusive" message="…">          a non-finite cost or gradient
 *         <skipped message="…"/>                           no parameter of the block checked
 *         <system-out>the block's summary line</system-out>
 *       </testcase>
 *       <testcase classname=CONFIG name="baseline">        only for regressions no block
 *                                                          carries (a missing block, P changed)
 *       <testcase classname=CONFIG name="complete">        only for a run stopped early
 *                                                          (signal, --max-seconds): an error,
 *                                                          since every block may pass and the
 *                                                          run still be inconclusive
 *       <system-out>the overall verdict line</system-out>
 *     </testsuite>
 *   </testsuites>
 *
 * A config that could not be checked at all (exit 2) becomes a suite with one testcase
 * "config" in error, so a nightly job over many configs still shows it.
 *
 * The shape follows the Jenkins/Surefire JUnit schema: at most one failure, error or
 * skipped per testcase, then system-out. tests/junit/junit.xsd holds the schema the output
 * is validated against. Times are decimals with 6 places (xs:decimal has no exponent), no
 * timestamp or hostname is written, so the same results give the same bytes. A testcase's
 * time is the suite's shared out by the block's cost evaluations (the loop interleaves blocks
 * across threads, so no per-block clock exists).
 *
 * Text is escaped for XML 1.0: the five specials as entities, tab/newline/CR in attributes
 * as character references (attribute normalisation would eat them), and what XML 1.0
 * cannot carry at all (other C0 controls, invalid UTF-8, U+FFFE/U+FFFF) as U+FFFD. */
#ifndef GCV_JUNIT_H
#define GCV_JUNIT_H

#include <stdio.h>

#include "gcverify/gcverify.h"
#include "output.h"
#include "report/baseline.h"
#include "report/report.h"

/* Suites collected for one file. Suites are kept in memory until written, because the
 * <testsuites> element carries the totals of all of them. */
typedef struct gcv_junit gcv_junit;

/* A new, empty collection into *out (NULL on failure). */
gcv_status gcv_junit_new(gcv_junit **out, gcv_error *err);

/* Adds the suite of one checked config. reg, when not NULL, is the comparison with a
 * baseline: a regressed block gets a baseline-regression failure (or, if it already fails
 * its threshold, a line in its failure's text), and regressions of no current block go into
 * an extra testcase "baseline". On failure (out of memory) j is unchanged. */
gcv_status gcv_junit_add(gcv_junit *j, const gcv_report_info *info, const gcv_model *m,
                         const gcv_result *r, const gcv_regressions *reg, gcv_error *err);

/* Adds the suite of a config that could not be checked: name (the config's name or file),
 * config (its path, or NULL) and message (the one-line error) become a suite with one
 * testcase "config" carrying <error type="invalid-input">. */
gcv_status gcv_junit_add_error(gcv_junit *j, const char *name, const char *config,
                               const char *message, gcv_error *err);

/* The suite of a config whose check crashed (gcverify --isolate): one testcase "check"
 * carrying <error type="crash"> with message. */
gcv_status gcv_junit_add_crash(gcv_junit *j, const char *name, const char *config,
                               const char *message, gcv_error *err);

/* --isolate: suite i written to f (a counts line, then the XML), and every suite so written
 * read back from f into j, so a child process's suite lands in its parent's document. */
int gcv_junit_suite_save(const gcv_junit *j, size_t i, FILE *f);
gcv_status gcv_junit_suite_load(gcv_junit *j, FILE *f, gcv_error *err);

/* Number of suites added so far. */
size_t gcv_junit_count(const gcv_junit *j);

/* Writes the document to a stream; returns 0 on success, -1 on a write error. */
int gcv_junit_write_stream(const gcv_junit *j, FILE *f);

/* Writes the document to path atomically (temporary file in the same folder + rename). */
gcv_status gcv_junit_write(const gcv_junit *j, const char *path, gcv_error *err);

/* Frees j; accepts NULL. */
void gcv_junit_free(gcv_junit *j);

/* Writes s to f as XML 1.0 character data (attr = 0) or an attribute value (attr = 1),
 * escaped as described above. Exposed for tests and other XML writers. */
void gcv_xml_escape(FILE *f, const char *s, int attr);

#endif

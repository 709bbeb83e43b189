/* --set KEY=VALUE and --plugin PATH: edits of a config's JSON tree made before it is
 * validated (config.h, gcv_config_edit), so one config and a loop run a whole matrix of
 * variants, each checked exactly as if the file said it. */
#ifndef GCV_CLI_OVERRIDE_H
#define GCV_CLI_OVERRIDE_H

#include <stddef.h>

#include "config/config.h"

#define GCV_MAX_SETS 64

typedef struct gcv_overrides {
    const char *sets[GCV_MAX_SETS]; /* "KEY=VALUE" as given, in order (later ones win) */
    size_t n_sets;
    const char *plugin;             /* --plugin PATH, or NULL */
} gcv_overrides;

/* Checks the form of one --set argument: "KEY=VALUE" with KEY dotted names ("check.method",
 * "model.options.bug"). Returns 0, or -1 with "expected …, got …" in why. */
int gcv_override_check(const char *arg, char *why, size_t n);

/* A plugin's message about one of its options ("… model.options.bug: expected …") gets
 * " (from --set model.options.bug=gelu)" added when an override set that option, and one
 * about the library " (from --plugin PATH)" when --plugin named it. */
void gcv_override_name(const gcv_overrides *o, char *msg, size_t n);

/* The edit that applies o to a config's tree (o must outlive the load). */
gcv_config_edit gcv_override_edit(const gcv_overrides *o);

#endif

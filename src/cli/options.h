/* The command line of `gcverify [options] CONFIG.json …`: what the options say, parsed from
 * one option table (options.c) that also writes the usage text, so --help and the parser
 * cannot disagree; and how the options override a loaded config. */
#ifndef GCV_CLI_OPTIONS_H
#define GCV_CLI_OPTIONS_H

#include <stdio.h>

#include "gcverify/gcverify.h"
#include "cli/override.h"
#include "config/config.h"
#include "report/merge.h"

typedef struct gcv_cli {
    const char *config;       /* the first config */
    const char **configs;     /* every config named, in order (the caller's array) */
    size_t n_configs;
    const char **history;     /* --history paths, oldest first (the caller's array) */
    size_t n_history;
    int threads;              /* -1: from the config */
    int method_set;
    gcv_method method;
    double epsilon, threshold; /* NAN: from the config */
    int epsilon_auto;
    int taylor;
    int full_passes;
    int drill_down;
    long directions;          /* 0: from the config */
    long sample;              /* 0: from the config */
    long sample_seed;         /* -1: from the config */
    double budget;            /* 0: none */
    long limit;               /* 0: every parameter */
    int sharded;
    gcv_shard shard;
    size_t max_memory;        /* 0: the machine's available memory */
    double max_seconds;       /* 0: no limit */
    int isolate;
    int quiet;
    int params_mode;          /* -1: from the config */
    long top;                 /* -1: from the config */
    const char *json;
    const char *json_dir;     /* several configs: DIR/<name>.json each */
    const char *params_csv;
    const char *junit;
    const char *html;
    const char *html_dir;     /* several configs: DIR/<name>.html each */
    const char *baseline, *baseline_dir;
    double baseline_factor;
    const char *export_dir;
    const char *gradients;    /* a gradient dump in place of the config's gradients.file */
    gcv_overrides overrides;  /* --set KEY=VALUE … and --plugin PATH */
} gcv_cli;

/* Parses argv into c. configs and history are the caller's arrays of argc entries each,
 * for the config paths and the --history paths. Returns -1 when the command line is fine,
 * or the exit code to stop with: 0 after --help or --version, 2 after a bad command line
 * (its one line printed on stderr). */
int gcv_cli_parse(int argc, char **argv, const char **configs, const char **history,
                  gcv_cli *c);

/* The MLP's check estimated again with --threads N (the config's estimate, made while
 * loading, counted the config's threads): GCV_ERR_NOMEM with "--threads: expected a check
 * that fits in …" when it exceeds --max-memory (or the memory available). GCV_OK when no
 * --threads was given or the model is a plugin (gcv_config_check_memory counts those). */
gcv_status gcv_cli_check_memory(const gcv_cli *c, const gcv_config *cfg, gcv_error *err);

/* The options given on the command line, over what the config file says. */
void gcv_cli_apply(const gcv_cli *c, gcv_config *cfg);

/* "gcverify: OPT: expected EXPECTED, got 'GOT'" on stderr; returns exit code 2. */
int gcv_cli_bad_arg(const char *opt, const char *expected, const char *got);

/* --max-memory's value v ("512M", "8G", bytes without a suffix; at least 1M) into *out:
 * returns -1 when it is one, else gcv_cli_bad_arg's exit code for option a. */
int gcv_cli_parse_memory(const char *a, const char *v, size_t *out);

#endif

/* One config's outputs, planned before its check (see outputs.h).
 *
 * Why a plan: the report paths used to be put together after the check, each writer on its
 * own, so a path that could not be written was found after all the work, a failed second
 * report left the first written, `"name": "../x"` put --json-dir's report outside the folder,
 * two configs of one name overwrote each other's report, and `--json config.json` replaced
 * the config. Here every path is made once, from a name made a file name, and claimed (its
 * folder made, written to as a probe, checked against the inputs and the other outputs)
 * before the check; run.c then writes the set staged, all or nothing. */
#include "cli/outputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/output.h"
#include "util/strutil.h"

void gcv_stems_pick(const gcv_stems *t, const char *name, char *out, size_t n)
{
    char base[GCV_STEM_MAX + 1];
    gcv_path_file_stem(name, base, sizeof base);
    snprintf(out, n, "%s", base);
    for (unsigned k = 2;; k++) {
        int used = 0;
        for (size_t i = 0; i < t->n && !used; i++)
            used = strcmp(t->s[i], out) == 0;
        if (!used)
            return;
        snprintf(out, n, "%s-%u", base, k);
    }
}

int gcv_stems_add(gcv_stems *t, const char *stem)
{
    char **s = realloc(t->s, (t->n + 1) * sizeof *s);
    if (!s)
        return -1;
    t->s = s;
    size_t len = strlen(stem) + 1;
    if (!(s[t->n] = malloc(len)))
        return -1;
    memcpy(s[t->n++], stem, len);
    return 0;
}

void gcv_stems_free(gcv_stems *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->s[i]);
    free(t->s);
    t->s = NULL;
    t->n = 0;
}

/* DIR/<stem><ext>, malloc'd (NULL when out of memory). */
static char *in_dir(const char *dir, const char *stem, const char *ext)
{
    size_t n = strlen(dir) + strlen(stem) + strlen(ext) + 2;
    char *p = malloc(n);
    return p ? gcv_path_in_dir(p, n, dir, stem, ext) : NULL;
}

/* The file rel names relative to the config's folder dir is an input (what). */
static int input_in(const char *dir, const char *rel, const char *what)
{
    if (!rel)
        return 0;
    char *p = gcv_path_join(dir, rel);
    int rc = p ? gcv_output_input(p, what) : -1;
    free(p);
    return rc;
}

/* The files the run reads: the config, its data files, model.params.npy_dir's blocks and
 * the plugin library named by a path. 0, or -1 when out of memory. */
static int name_inputs(const gcv_config *cfg)
{
    char *dir = gcv_path_dirname(cfg->path);
    if (!dir)
        return -1;
    const gcv_data_spec *d = &cfg->data;
    int bad = gcv_output_input(cfg->path, "the config");
    if (d->source == GCV_DATA_NPY)
        bad |= input_in(dir, d->x, "data.x") | input_in(dir, d->y, "data.y");
    else if (d->source == GCV_DATA_CSV || d->source == GCV_DATA_HDF5 ||
             d->source == GCV_DATA_MAT)
        bad |= input_in(dir, d->file, "data.file");
    char *pdir = cfg->params.source == GCV_PARAMS_NPY ? gcv_path_join(dir, cfg->params.npy_dir)
                                                       : NULL;
    for (size_t l = 1; pdir && l <= cfg->n_layers; l++) {
        char name[48];
        for (int b = 0; b < 2; b++) {
            snprintf(name, sizeof name, "%c%zu.npy", b ? 'b' : 'W', l);
            bad |= input_in(pdir, name, "a file of model.params.npy_dir");
        }
    }
    if (cfg->is_plugin && cfg->plugin_library && strchr(cfg->plugin_library, '/'))
        bad |= gcv_output_input(cfg->plugin_library, "the plugin library");
    free(pdir);
    free(dir);
    return bad ? -1 : 0;
}

/* --export's folder (made now) and files: DIR/<block>.npy for each block, X.npy and Y.npy. */
static gcv_status claim_export(const char *dir, const gcv_model *m, gcv_error *err)
{
    char why[GCV_ERROR_LEN / 2];
    if (gcv_make_dirs(dir, why, sizeof why) != 0) {
        snprintf(err->msg, sizeof err->msg, "--export: %.200s: cannot make the folder: %s", dir,
                 why);
        return GCV_ERR_IO;
    }
    gcv_status st = GCV_OK;
    for (size_t b = 0; b <= m->n_blocks + 1 && st == GCV_OK; b++) {
        char stem[GCV_STEM_MAX + 1];
        const char *name = b < m->n_blocks ? m->blocks[b].name : b == m->n_blocks ? "X" : "Y";
        char *p = in_dir(dir, gcv_path_file_stem(name, stem, sizeof stem), ".npy");
        if (!p) {
            snprintf(err->msg, sizeof err->msg, "--export: out of memory");
            return GCV_ERR_NOMEM;
        }
        st = gcv_output_claim(p, "--export file", err);
        free(p);
    }
    return st;
}

/* The paths, from the command line over the config. 0, or -1 when out of memory. */
static int make_paths(const gcv_cli *c, const gcv_config *cfg, gcv_plan *p)
{
    p->json_path = c->json ? c->json : cfg->json_path;
    if (c->json_dir && !(p->json_path = p->json = in_dir(c->json_dir, p->stem, ".json")))
        return -1;
    p->html_path = c->html ? c->html : cfg->html_path;
    if (c->html_dir && !(p->html_path = p->html = in_dir(c->html_dir, p->stem, ".html")))
        return -1;
    p->baseline_path = c->baseline;
    if (!c->baseline && c->baseline_dir &&
        !(p->baseline_path = p->baseline = in_dir(c->baseline_dir, p->stem, ".json")))
        return -1;
    p->params_csv = c->params_csv;
    p->junit_own = c->junit ? NULL : cfg->junit_path;
    return 0;
}

gcv_status gcv_plan_outputs(const gcv_cli *c, const gcv_config *cfg, const gcv_model *m,
                            const gcv_stems *used, int claim, gcv_plan *p, gcv_error *err)
{
    memset(p, 0, sizeof *p);
    gcv_stems_pick(used, cfg->name, p->stem, sizeof p->stem);
    gcv_output_plan_reset();
    if (make_paths(c, cfg, p) != 0 || name_inputs(cfg) != 0) {
        snprintf(err->msg, sizeof err->msg, "out of memory planning the reports");
        return GCV_ERR_NOMEM;
    }
    if (!claim)
        return GCV_OK;
    gcv_status st = GCV_OK;
    if (p->json_path)
        st = gcv_output_claim(p->json_path, "report", err); /* as the writer says */
    if (!st && p->params_csv)
        st = gcv_output_claim(p->params_csv, "parameters CSV", err);
    if (!st && p->html_path)
        st = gcv_output_claim(p->html_path, "HTML report", err);
    if (!st && (c->junit || p->junit_own))
        st = gcv_output_claim(c->junit ? c->junit : p->junit_own, "JUnit report", err);
    if (!st && c->export_dir && m && !cfg->is_plugin) /* a plugin: refused by run.c */
        st = claim_export(c->export_dir, m, err);
    return st;
}

void gcv_plan_free(gcv_plan *p)
{
    free(p->json);
    free(p->html);
    free(p->baseline);
    p->json = p->html = p->baseline = NULL;
}

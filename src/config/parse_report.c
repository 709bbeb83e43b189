/* Parsing the report section (how many rows, which parameters, the JSON, JUnit and HTML
 * files, resolved against the config's folder), and the names of the report.params modes. */
#include <stdlib.h>
#include <string.h>

#include "config/parse.h"
#include "util/strutil.h"

static const char *const REPORT_KEYS[] = {"top", "json", "params", "junit", "html"};
static const char *const PARAMS_MODES[] = {"none", "mismatches", "all"};

gcv_status gcv_parse_report(gcv_parser *ps, const cJSON *r)
{
    gcv_config *c = ps->c;
    const char *json = NULL, *junit = NULL, *html = NULL;
    size_t mode = (size_t)c->params_mode;
    if (!r)
        return GCV_OK;
    gcv_status st = gcv_json_check_keys(&ps->j, "report", r, REPORT_KEYS,
                                        GCV_N_OF(REPORT_KEYS));
    if (!st)
        st = gcv_json_get_size(&ps->j, "report", r, "top", 0, GCV_CONFIG_SIZE_LIMIT,
                               &c->top);
    if (!st)
        st = gcv_json_get_string(&ps->j, "report", r, "json", &json);
    if (!st)
        st = gcv_json_get_string(&ps->j, "report", r, "junit", &junit);
    if (!st)
        st = gcv_json_get_string(&ps->j, "report", r, "html", &html);
    if (!st)
        st = gcv_json_get_choice(&ps->j, "report", r, "params", PARAMS_MODES,
                                 GCV_N_OF(PARAMS_MODES), &mode);
    if (st)
        return st;
    c->params_mode = (gcv_params_mode)mode;
    if (json && !(c->json_path = gcv_path_join(ps->dir, json)))
        return gcv_parse_nomem(ps);
    if (junit && !(c->junit_path = gcv_path_join(ps->dir, junit)))
        return gcv_parse_nomem(ps);
    if (html && !(c->html_path = gcv_path_join(ps->dir, html)))
        return gcv_parse_nomem(ps);
    return GCV_OK;
}

const char *gcv_params_mode_name(gcv_params_mode m)
{
    return (size_t)m < GCV_N_OF(PARAMS_MODES) ? PARAMS_MODES[m] : "?";
}

int gcv_params_mode_parse(const char *s, gcv_params_mode *out)
{
    for (size_t i = 0; i < GCV_N_OF(PARAMS_MODES); i++)
        if (strcmp(s, PARAMS_MODES[i]) == 0) {
            *out = (gcv_params_mode)i;
            return 0;
        }
    return -1;
}

/* Parsing the check section: the method and its step, the thresholds, the examples subset
 * and the parameter sample, threads, and the Taylor, incremental and directional options.
 * The values go into the config's gcv_options; which thresholds the file set goes into
 * gcv_config.given, so that a model in another precision can take its own defaults. */
#include <float.h>
#include <string.h>

#include "config/parse.h"

#define THREADS_MAX 4096

static const char *const CHECK_KEYS[] = {"method", "epsilon", "threshold", "rtol", "atol",
                                         "examples", "sample", "threads", "taylor",
                                         "incremental", "directions", "drill_down",
                                         "escalation"};
static const char *const SAMPLE_KEYS[] = {"per_block", "seed"};
static const char *const ESCALATION_KEYS[] = {"max_evaluations"};

static const char *const METHODS[] = {"central",    "forward",    "backward",
                                      "five_point", "richardson", "complex_step",
                                      "directional"};

/* check.sample: {"per_block": k, "seed": s}: k parameters per block, the largest |g| in. */
static gcv_status parse_sample(gcv_parser *ps, const cJSON *sample)
{
    gcv_options *o = &ps->c->opts;
    if (!cJSON_IsObject(sample))
        return gcv_json_expected(&ps->j, "check.sample",
                                 "\"all\" or {\"per_block\": k, \"seed\": s}", sample);
    gcv_status st = gcv_json_check_keys(&ps->j, "check.sample", sample, SAMPLE_KEYS,
                                        GCV_N_OF(SAMPLE_KEYS));
    if (!st && !member(sample, "per_block"))
        return gcv_json_fail(&ps->j, "check.sample.per_block",
                             "expected a positive integer, got nothing");
    if (!st)
        st = gcv_json_get_size(&ps->j, "check.sample", sample, "per_block", 1,
                               GCV_CONFIG_SIZE_LIMIT, &o->sample_per_block);
    if (!st)
        st = gcv_json_get_u64(&ps->j, "check.sample", sample, "seed", 0, UINT64_C(1) << 53,
                              &o->sample_seed);
    return st;
}

/* check.escalation: {"max_evaluations": n}, the budget of the suspects' re-estimation. */
static gcv_status parse_escalation(gcv_parser *ps, const cJSON *ck)
{
    const cJSON *esc = member(ck, "escalation");
    if (!esc)
        return GCV_OK;
    if (!cJSON_IsObject(esc))
        return gcv_json_expected(&ps->j, "check.escalation", "{\"max_evaluations\": n}", esc);
    gcv_status st = gcv_json_check_keys(&ps->j, "check.escalation", esc, ESCALATION_KEYS,
                                        GCV_N_OF(ESCALATION_KEYS));
    if (!st)
        st = gcv_json_get_size(&ps->j, "check.escalation", esc, "max_evaluations", 1,
                               GCV_CONFIG_SIZE_LIMIT, &ps->c->opts.escalation_max_evaluations);
    return st;
}

/* check.directions (directional method) and check.drill_down. */
static gcv_status parse_directional(gcv_parser *ps, const cJSON *ck)
{
    gcv_options *o = &ps->c->opts;
    size_t nd = o->directions;
    gcv_status st = gcv_json_get_size(&ps->j, "check", ck, "directions", 1, 1000, &nd);
    o->directions = (unsigned)nd;
    const cJSON *dd = member(ck, "drill_down");
    if (!st && dd) {
        if (!cJSON_IsBool(dd))
            return gcv_json_expected(&ps->j, "check.drill_down", "true or false", dd);
        o->drill_down = cJSON_IsTrue(dd);
    }
    return st;
}

/* An epsilon of 0 or below the smallest normal double (DBL_MIN, 2.2e-308): a literal such
 * as 1e-400 has already underflowed to 0 when the file is read, and a subnormal step is lost
 * when added to any θ of a usual size, so both are refused saying so. */
static gcv_status tiny_epsilon(gcv_parser *ps, const cJSON *e)
{
    return gcv_json_expected(&ps->j, "check.epsilon",
                             e->valuedouble == 0.0
                                 ? "a number in (0, 1) (a literal under 2.5e-324, such as "
                                   "1e-400, underflows to 0 in double precision)"
                                 : "a number in (0, 1) of at least 2.2e-308, the smallest "
                                   "normal double (this one is subnormal: too small a step)",
                             e);
}

static gcv_status parse_check_special(gcv_parser *ps, const cJSON *ck)
{
    static const gcv_jnum eps = {0.0, 1.0, 1, 1, "a number in (0, 1)"};
    const cJSON *e = member(ck, "epsilon"), *ex = member(ck, "examples");
    const cJSON *sample = member(ck, "sample");
    const cJSON *taylor = member(ck, "taylor");
    gcv_status st = GCV_OK;
    if (taylor) {
        if (!cJSON_IsBool(taylor))
            return gcv_json_expected(&ps->j, "check.taylor", "true or false", taylor);
        ps->c->opts.taylor = cJSON_IsTrue(taylor);
    }
    const cJSON *inc = member(ck, "incremental");
    if (inc) {
        if (!cJSON_IsBool(inc))
            return gcv_json_expected(&ps->j, "check.incremental", "true or false", inc);
        ps->c->opts.full_passes = cJSON_IsFalse(inc);
    }
    if (cJSON_IsString(e) && strcmp(e->valuestring, "auto") == 0)
        ps->c->opts.epsilon_auto = 1;
    else if (e && cJSON_IsString(e))
        return gcv_json_expected(&ps->j, "check.epsilon", "a number in (0, 1) or \"auto\"", e);
    else if (cJSON_IsNumber(e) && e->valuedouble >= 0.0 && e->valuedouble < DBL_MIN)
        return tiny_epsilon(ps, e);
    else if (e)
        st = gcv_json_number(&ps->j, "check.epsilon", e, &eps, &ps->c->opts.epsilon);
    if (st)
        return st;
    if (ex && !(cJSON_IsString(ex) && strcmp(ex->valuestring, "all") == 0)) {
        if (!cJSON_IsNumber(ex))
            return gcv_json_expected(&ps->j, "check.examples", "\"all\" or a positive integer",
                                     ex);
        st = gcv_json_size(&ps->j, "check.examples", ex, 1, GCV_CONFIG_SIZE_LIMIT,
                           &ps->c->data.subset);
    }
    if (!st && sample && !(cJSON_IsString(sample) && strcmp(sample->valuestring, "all") == 0))
        st = parse_sample(ps, sample);
    return st;
}

gcv_status gcv_parse_check(gcv_parser *ps, const cJSON *ck)
{
    gcv_options *o = &ps->c->opts;
    const gcv_jctx *j = &ps->j;
    size_t method = 0, threads = 0;
    if (!ck)
        return GCV_OK;
    gcv_status st = gcv_json_check_keys(j, "check", ck, CHECK_KEYS, GCV_N_OF(CHECK_KEYS));
    if (st)
        return st;
    if (member(ck, "method")) {
        st = gcv_json_get_choice(j, "check", ck, "method", METHODS, GCV_N_OF(METHODS),
                                 &method);
        if (!st && gcv_method_parse(METHODS[method], &o->method) != 0)
            st = gcv_json_fail(j, "check.method", "expected a method the engine implements, got "
                               "\"%s\"", METHODS[method]);
    }
    ps->c->given = (member(ck, "epsilon") ? GCV_GIVEN_EPSILON : 0u) |
                   (member(ck, "threshold") ? GCV_GIVEN_THRESHOLD : 0u) |
                   (member(ck, "rtol") ? GCV_GIVEN_RTOL : 0u) |
                   (member(ck, "atol") ? GCV_GIVEN_ATOL : 0u);
    if (st || (st = parse_check_special(ps, ck)) || (st = parse_directional(ps, ck)) ||
        (st = parse_escalation(ps, ck)) ||
        (st = gcv_json_get_number(j, "check", ck, "threshold", &gcv_parse_positive,
                                  &o->threshold)) ||
        (st = gcv_json_get_number(j, "check", ck, "rtol", &gcv_parse_non_negative,
                                  &o->rtol)) ||
        (st = gcv_json_get_number(j, "check", ck, "atol", &gcv_parse_non_negative,
                                  &o->atol)))
        return st;
    threads = (size_t)o->threads;
    st = gcv_json_get_size(j, "check", ck, "threads", 0, THREADS_MAX, &threads);
    o->threads = (int)threads;
    return st;
}


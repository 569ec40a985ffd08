/* attrib explain — why one conversion was attributed as it was (docs/explain.md). The
 * scan and the renderers are src/explain/ (include/attrib/explain.h); this file parses
 * the options, runs the scan on every rank and prints on rank 0. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd.h"
#include "attrib/err.h"
#include "attrib/explain.h"

const char attrib_usage_explain[] =
    "usage: attrib explain -c RULES -i IN.h5 --conversion ID [--advertiser A]\n"
    "                      [--identity H] [--from DATE] [--to DATE] [--model M]\n"
    "                      [--results RESULTS.h5] [--no-stitch] [--max-component N] [--json]\n"
    "\n"
    "Explain how `attrib run` attributes one conversion: every touch of the conversion's\n"
    "identity for its advertiser, from the longest lookback before the conversion to the\n"
    "same span after it, each with its status and reason; the rule version that applied\n"
    "to each campaign and where in RULES it comes from; the model and how it split the\n"
    "credit. The figures are those of `attrib run`'s /credits (the engine itself runs on\n"
    "the identity's rows).\n"
    "\n"
    "  -c, --rules FILE     rules file (as given to attrib run)\n"
    "  -i, --input FILE     input HDF5 file (as given to attrib run)\n"
    "      --conversion ID  the conversion_id\n"
    "      --advertiser A   its advertiser, when several advertisers use that id\n"
    "      --identity H     its identity hash, when several identities use that id\n"
    "      --from DATE      --to DATE  --model M: as given to attrib run, so that the\n"
    "                       explanation agrees with a run made with them\n"
    "      --results FILE   the run's results: a markov conversion's weights are the\n"
    "                       removal effects of the whole period, read from its\n"
    "                       /report/markov (required for those; docs/datadriven.md)\n"
    "      --no-stitch      --max-component N: as given to attrib run. When the input has\n"
    "                       /links, the conversion's identity is its person's (the\n"
    "                       smallest hash of its linked identities); the explanation lists\n"
    "                       the identities merged into it and, per touch, the one it was\n"
    "                       read under (docs/identity.md)\n"
    "      --json           one JSON document instead of text\n"
    "\n"
    "Statuses: credited (a candidate with a share of the credit), zero_share (a candidate\n"
    "the model gives nothing, e.g. not the last under last_touch), beaten_by_engagement\n"
    "(a candidate dropped by engagement priority), outside_window (older than its kind's\n"
    "lookback, by how much), kind_off (its kind's lookback is \"off\" for its campaign),\n"
    "type_excluded (its campaign does not count this conversion type), after_conversion,\n"
    "duplicate (a redelivered row dropped by dedup).\n"
    "Unattributed conversions show their reason (no_touch, rule_excluded, outside_window).\n"
    "\n"
    "Exit: 0 explained (also when outside the period: it says so), 2 conversion not found,\n"
    "ambiguous (the choices are listed) or bad input, 3 internal failure.\n"
    "Runs on one process or under mpirun: each rank scans a slab of the input.\n"
    "\n"
    "`attrib run --explain` writes /explain/conversion (see docs/explain.md): one row per\n"
    "conversion in the period with its outcome and counts of touches, candidates, path\n"
    "length, credited touches, exclusions by reason, touches after the conversion and\n"
    "dropped duplicates, sorted like /credits.\n";

enum { OPT_CONVERSION = ATTRIB_OPT_ID_USER, OPT_ADVERTISER, OPT_IDENTITY, OPT_RESULTS,
       OPT_NO_STITCH, OPT_MAX_COMPONENT };

static const attrib_opt options[] = {
    ATTRIB_OPT_RULES, ATTRIB_OPT_INPUT, {"conversion", 0, 1, OPT_CONVERSION},
    {"advertiser", 0, 1, OPT_ADVERTISER}, {"identity", 0, 1, OPT_IDENTITY},
    {"results", 0, 1, OPT_RESULTS}, {"no-stitch", 0, 0, OPT_NO_STITCH},
    {"max-component", 0, 1, OPT_MAX_COMPONENT},
    ATTRIB_OPT_FROM, ATTRIB_OPT_TO, ATTRIB_OPT_MODEL, ATTRIB_OPT_JSON, ATTRIB_OPT_QUIET,
    ATTRIB_OPT_END};

/* 0, 1 for --help, or a negative attrib_err. */
static int parse(int argc, char **argv, attrib_explain_query *q, int *json)
{
    *q = (attrib_explain_query){.model = -1, .from = INT64_MIN, .to = INT64_MAX};
    int id, has_cid = 0;
    uint64_t v;
    attrib_args a;
    attrib_args_init(&a, argc, argv);
    while ((id = attrib_args_next(&a, options)) != ATTRIB_ARGS_END) {
        switch (id) {
        case ATTRIB_ARGS_HELP: return 1;
        case ATTRIB_OPT_ID_RULES: q->rules_path = a.val; break;
        case ATTRIB_OPT_ID_INPUT: q->input_path = a.val; break;
        case ATTRIB_OPT_ID_FROM: ATTRIB_TRY(attrib_args_time(&a, &q->from)); break;
        case ATTRIB_OPT_ID_TO: ATTRIB_TRY(attrib_args_time(&a, &q->to)); break;
        case ATTRIB_OPT_ID_MODEL: ATTRIB_TRY(attrib_args_model(&a, &q->model)); break;
        case ATTRIB_OPT_ID_JSON: *json = 1; break;
        case ATTRIB_OPT_ID_QUIET: break;
        case OPT_CONVERSION:
            ATTRIB_TRY(attrib_args_u64(&a, UINT64_MAX, &q->conversion_id));
            has_cid = 1;
            break;
        case OPT_ADVERTISER:
            ATTRIB_TRY(attrib_args_u64(&a, UINT32_MAX, &v));
            q->advertiser_id = (uint32_t)v;
            q->has_advertiser = 1;
            break;
        case OPT_IDENTITY:
            ATTRIB_TRY(attrib_args_u64(&a, UINT64_MAX, &q->identity));
            q->has_identity = 1;
            break;
        case OPT_RESULTS: q->results_path = a.val; break;
        case OPT_NO_STITCH: q->no_stitch = 1; break;
        case OPT_MAX_COMPONENT: ATTRIB_TRY(attrib_args_max_component(&a, &q->max_component)); break;
        case ATTRIB_ARGS_POS:
            return attrib_err_set(ATTRIB_EUSAGE, "unexpected argument '%s'", a.val);
        default: return id;
        }
    }
    if (!q->rules_path || !q->input_path || !has_cid)
        return attrib_err_set(ATTRIB_EUSAGE, "-c RULES, -i IN.h5 and --conversion ID are required");
    if (q->from >= q->to)
        return attrib_err_set(ATTRIB_EUSAGE, "--from must be before --to");
    return 0;
}

int attrib_cmd_explain(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    attrib_explain_query q;
    int json = 0;
    int rc = parse(argc, argv, &q, &json);
    if (rc == 1) {
        if (ctx->par->rank == 0)
            fputs(attrib_usage_explain, stdout);
        return 0;
    }
    if (rc)
        return attrib_cmd_fail(ctx, rc, 0);
    attrib_explain_result *r = NULL;
    rc = attrib_explain_scan(ctx->par, &q, &r);
    if (rc == 0) {
        if (ctx->par->rank == 0) {
            (json ? attrib_explain_print_json : attrib_explain_print_text)(r, stdout);
            if (fflush(stdout) != 0 || ferror(stdout))
                rc = attrib_err_write("standard output", errno);
        }
        rc = attrib_par_agree(ctx->par, rc);
    }
    attrib_explain_result_free(r);
    return attrib_cmd_fail(ctx, rc, 0);
}

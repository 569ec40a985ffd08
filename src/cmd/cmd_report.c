/* attrib report RESULTS.h5: the reports of a results file as text, CSV, JSON or one
 * self-contained HTML page. A command without MPI: the figures are computed by
 * attrib_report_build and rendered by attrib_report_write_* (src/report). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "attrib/err.h"
#include "attrib/output.h"
#include "attrib/report.h"
#include "attrib/results.h"

const char attrib_usage_report[] =
    "usage: attrib report RESULTS.h5 [--format text|csv|json|html] [-o OUT]\n"
    "                     [--table NAME] [--top N]\n"
    "\n"
    "Print the reports of a results file written by `attrib run`. The header names the\n"
    "run (period, model, rules, input, software and ranks) and warns when the input's\n"
    "identities were hashed with the built-in public key (set a key of your own with\n"
    "`attrib import --hash-key`).\n"
    "\n"
    "  -f, --format F   text (default): aligned tables with totals — campaigns,\n"
    "                   advertisers, unattributed conversions by reason, the\n"
    "                   time-to-convert distribution and the daily trend;\n"
    "                   csv: one table (see --table) in the format of `attrib export`;\n"
    "                   json: every section as one JSON object (NaN as null);\n"
    "                   html: one self-contained page (no network access needed or made)\n"
    "                   with charts — conversions and value by campaign, the daily trend\n"
    "                   by conversion day and by touch day, the time-to-convert\n"
    "                   distribution, unattributed conversions by reason, ROAS of the\n"
    "                   campaigns whose cost is known — and the tables.\n"
    "  -o, --output F   write to F (written as F.tmp, renamed when complete; never the\n"
    "                   results file itself); default (and -) standard output\n"
    "      --table T    the table --format csv prints: campaign (default; the columns of\n"
    "                   report/campaign), daily, daily_touch, advertiser, daily_total\n"
    "                   (every campaign summed per day, by conversion and by touch day),\n"
    "                   time_to_convert, unattributed; paths, markov, shapley, models,\n"
    "                   identity\n"
    "                   (the file's report/ table whole, as `attrib export` writes it;\n"
    "                   exit 2 when the file has no such table)\n"
    "      --top N      campaigns shown in the per-campaign charts of --format html,\n"
    "                   the N largest by the charted figure (default 25; 0 = all)\n"
    "\n"
    "When the results file has them, text, json and html also show the data-driven\n"
    "tables (csv prints them with --table; a file without them gets none of these):\n"
    "  - models compared (report/models, run --compare): per campaign, the conversions\n"
    "    and the value under each model side by side, in the file's model order, with\n"
    "    totals; in HTML also a grouped bar chart of conversions per campaign and model\n"
    "    (the --top campaigns with the most conversions summed over the models);\n"
    "  - top paths per advertiser (report/paths): its distinct paths and journeys\n"
    "    (converting and not), and the 10 paths with the most conversions (then the\n"
    "    most nulls, then the path bytewise) with conversions, value, nulls and the\n"
    "    conversion rate conversions / (conversions + nulls); text cuts paths at 60\n"
    "    bytes;\n"
    "  - Markov removal effects next to Shapley (report/markov, report/shapley) per\n"
    "    advertiser and campaign: removal_effect, Markov conversions and value, Shapley\n"
    "    conversions and value.\n"
    "When the run stitched identities (its input had /links, docs/identity.md), text and\n"
    "html show the identity graph's figures (report/identity: links, identities,\n"
    "components merged and left over the cap, the largest); json always has them as\n"
    "\"identity\", with \"stitched\" and \"max_component\".\n"
    "\n"
    "Definitions (docs/conventions.md): conversions are sums of credit; value is the sum\n"
    "of credited value; roas = value / cost (NaN when cost is 0); total ROAS is over the\n"
    "campaigns with a cost > 0 only. The time-to-convert distribution is credit-weighted:\n"
    "each credit row adds its credit to the bucket of conv_ts - touch_ts. Reach totals are\n"
    "sums over campaigns (an identity touched by two campaigns counts twice).\n"
    "\n"
    "Exit codes: 0 success, 2 usage error, a missing or bad results file, or an output\n"
    "that cannot be written.\n";

enum { OPT_FORMAT = ATTRIB_OPT_ID_USER, OPT_TABLE, OPT_TOP };
enum { FMT_TEXT, FMT_CSV, FMT_JSON, FMT_HTML };
static const char *const formats[] = {"text", "csv", "json", "html", NULL};

static const attrib_opt options[] = {{"format", 'f', 1, OPT_FORMAT},
                                     ATTRIB_OPT_OUTPUT,
                                     {"table", 0, 1, OPT_TABLE},
                                     {"top", 0, 1, OPT_TOP},
                                     ATTRIB_OPT_END};

typedef struct report_opts {
    const char *path, *output; /* output NULL: standard output */
    int format, table;
    attrib_report_options build;
} report_opts;

static void render(const attrib_report *rep, const report_opts *o, FILE *out)
{
    switch (o->format) {
    case FMT_TEXT: attrib_report_write_text(rep, out); break;
    case FMT_CSV: attrib_report_write_csv(rep, out, o->table); break;
    case FMT_JSON: attrib_report_write_json(rep, out); break;
    default: attrib_report_write_html(rep, out); break;
    }
}

/* Render to `out` (named `name` in messages): 0 or ATTRIB_EIO. */
static int render_to(const attrib_report *rep, const report_opts *o, FILE *out, const char *name)
{
    render(rep, o, out);
    if (fflush(out) != 0 || ferror(out))
        return attrib_err_write(name, errno);
    return 0;
}

static int report(const report_opts *o)
{
    attrib_output *dst = NULL;
    if (o->output) {
        const char *inputs[] = {o->path, NULL};
        ATTRIB_TRY(attrib_output_begin(NULL, o->output, inputs, &dst));
    }
    attrib_results *r = NULL;
    attrib_report *rep = NULL;
    int rc = attrib_results_open(o->path, &r);
    if (rc == 0)
        rc = attrib_report_build(r, &o->build, &rep);
    if (rc == 0 && o->format == FMT_CSV)
        rc = attrib_report_csv_check(rep, o->table);
    attrib_results_close(r);
    if (rc == 0 && !dst) {
        rc = render_to(rep, o, stdout, "standard output");
    } else if (rc == 0) {
        FILE *out = fopen(attrib_output_tmp(dst), "wb");
        rc = out ? render_to(rep, o, out, o->output) : attrib_err_write(o->output, errno);
        if (out && fclose(out) != 0 && rc == 0)
            rc = attrib_err_write(o->output, errno);
    }
    attrib_report_free(rep);
    return dst ? attrib_output_finish(NULL, dst, rc) : rc;
}

int attrib_cmd_report(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    report_opts o = {.format = FMT_TEXT, .table = 0, .build = {.top = 25}};
    attrib_args a;
    attrib_args_init(&a, argc, argv);
    int id;
    while ((id = attrib_args_next(&a, options)) != ATTRIB_ARGS_END) {
        int rc = 0;
        uint64_t top;
        switch (id) {
        case ATTRIB_ARGS_HELP: fputs(attrib_usage_report, stdout); return 0;
        case OPT_FORMAT: rc = attrib_args_choice(&a, formats, &o.format); break;
        case OPT_TABLE: rc = attrib_args_choice(&a, attrib_report_csv_tables, &o.table); break;
        case OPT_TOP:
            rc = attrib_args_u64(&a, SIZE_MAX, &top);
            o.build.top = (size_t)top;
            break;
        case ATTRIB_OPT_ID_OUTPUT: o.output = strcmp(a.val, "-") == 0 ? NULL : a.val; break;
        case ATTRIB_ARGS_POS:
            if (o.path)
                rc = attrib_err_set(ATTRIB_EUSAGE, "unexpected argument '%s'", a.val);
            o.path = a.val;
            break;
        default: rc = id; break;
        }
        if (rc < 0)
            return attrib_cmd_fail(ctx, rc, 0);
    }
    if (!o.path)
        return attrib_cmd_fail(ctx, attrib_err_set(ATTRIB_EUSAGE, "missing RESULTS.h5"), 0);
    return attrib_cmd_fail(ctx, report(&o), 0);
}

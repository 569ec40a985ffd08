/* attrib reconcile A B — compare two attributions, campaign by campaign or conversion
 * by conversion. The comparison and its renderers are src/reconcile/
 * (include/attrib/reconcile.h); this file parses the options and picks the renderer.
 * Exit 0 when A and B agree within the tolerance, 1 when not, 2 on bad input. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd.h"
#include "attrib/err.h"
#include "attrib/reconcile.h"

const char attrib_usage_reconcile[] =
    "usage: attrib reconcile A B [--by campaign|conversion] [--tolerance T] [--relative]\n"
    "                            [--json] [--all] [--limit N]\n"
    "\n"
    "Compare A with B. Each is a results file of `attrib run` (HDF5, recognised by its\n"
    "signature) or, for --by campaign, a campaign report as CSV — an export of figures\n"
    "reported by another system, or `attrib report --format csv`, or `attrib export\n"
    "RESULTS report/campaign`. Exit 0 when A and B agree within the tolerance, 1 when\n"
    "they do not, 2 on bad input or usage.\n"
    "\n"
    "  --by campaign      (default) per campaign: conversions (sum of credit) and value\n"
    "                     (credited value) of A and B, their difference (B - A), absolute\n"
    "                     and relative to A, with totals; campaigns are listed by impact\n"
    "                     (the larger of |delta conversions| / total conversions and\n"
    "                     |delta value| / total value, totals the larger of A's and B's),\n"
    "                     campaigns beyond tolerance first. Campaigns with no difference\n"
    "                     are counted, not listed (--all lists them).\n"
    "  --by conversion    A and B must be results files: lists the conversions whose\n"
    "                     credited campaigns or credits differ, both sides shown, grouped\n"
    "                     by kind: new (credited in B only; in A unattributed or absent),\n"
    "                     lost (credited in A only), moved (the set of credited campaigns\n"
    "                     changed), credit changed (same campaigns, a campaign's credit or\n"
    "                     credited value differs beyond tolerance). A conversion is\n"
    "                     identified by (conversion_id, advertiser_id).\n"
    "  --tolerance T      (default 0.001) a figure differs when |A - B| > T: an absolute\n"
    "                     tolerance, in conversions for conversions and credit and in\n"
    "                     money for value. So a single conversion moved between two\n"
    "                     campaigns is caught whatever the size of the campaigns, while\n"
    "                     the last bits of float sums are not; use e.g. 0.01 against a\n"
    "                     CSV rounded to cents. T = 0 asks for exact equality.\n"
    "  --relative         make T relative: a figure differs when\n"
    "                     |A - B| > T * max(|A|, |B|)\n"
    "  --json             print one JSON object instead of text\n"
    "  --all              --by campaign: list every campaign, also those without difference\n"
    "  --limit N          --by conversion: conversions listed per kind (default 20, 0 = all;\n"
    "                     the counts are always complete)\n"
    "\n"
    "CSV campaign reports: a header line naming at least the columns campaign_id,\n"
    "conversions and value (any order, names matched case-insensitively; other columns\n"
    "are ignored), then one row per campaign: campaign_id a decimal integer below 2^32,\n"
    "conversions and value decimal numbers. An optional advertiser_id column is compared\n"
    "when both sides have one (a campaign under another advertiser differs). RFC 4180\n"
    "quoting; .gz and .zst files are read too. A missing column, a row with another\n"
    "number of fields, a bad number or a campaign_id given twice is bad input (exit 2).\n"
    "\n"
    "A campaign present on one side only (a results file lists every catalog campaign, an\n"
    "external report may leave out campaigns without conversions) is compared with zero\n"
    "conversions and zero value on the other side: it differs only when its figures do,\n"
    "and is marked 'only in A' or 'only in B'.\n";

enum { OPT_BY = ATTRIB_OPT_ID_USER, OPT_TOLERANCE, OPT_RELATIVE, OPT_ALL, OPT_LIMIT };

static const attrib_opt options[] = {
    {"by", 0, 1, OPT_BY},          {"tolerance", 0, 1, OPT_TOLERANCE},
    {"relative", 0, 0, OPT_RELATIVE}, {"all", 0, 0, OPT_ALL},
    {"limit", 0, 1, OPT_LIMIT},    ATTRIB_OPT_JSON,
    ATTRIB_OPT_END};

static const char *const by_names[] = {"campaign", "conversion", NULL};

typedef struct opts {
    const char *a, *b;
    int by_conversion, json;
    attrib_reconcile_opts r;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    attrib_args a;
    attrib_args_init(&a, argc, argv);
    int id;
    uint64_t v;
    while ((id = attrib_args_next(&a, options)) != ATTRIB_ARGS_END) {
        switch (id) {
        case ATTRIB_ARGS_HELP: return 1;
        case OPT_BY: ATTRIB_TRY(attrib_args_choice(&a, by_names, &o->by_conversion)); break;
        case OPT_TOLERANCE: ATTRIB_TRY(attrib_args_double(&a, 0, HUGE_VAL, &o->r.tolerance)); break;
        case OPT_RELATIVE: o->r.relative = 1; break;
        case OPT_ALL: o->r.all = 1; break;
        case OPT_LIMIT:
            ATTRIB_TRY(attrib_args_u64(&a, SIZE_MAX, &v));
            o->r.limit = (size_t)v;
            break;
        case ATTRIB_OPT_ID_JSON: o->json = 1; break;
        case ATTRIB_ARGS_POS:
            if (o->a && o->b)
                return attrib_err_set(ATTRIB_EUSAGE, "unexpected argument '%s'", a.val);
            *(o->a ? &o->b : &o->a) = a.val;
            break;
        default: return id;
        }
    }
    if (!o->a || !o->b)
        return attrib_err_set(ATTRIB_EUSAGE, "two files A and B are required");
    return 0;
}

/* Print to standard output; a write error is the command's failure. */
static int flushed(void)
{
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : attrib_err_write("standard output", errno);
}

int attrib_cmd_reconcile(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    opts o = {.r = ATTRIB_RECONCILE_OPTS_DEFAULT};
    int rc = parse(argc, argv, &o);
    if (rc == 1) {
        fputs(attrib_usage_reconcile, stdout);
        return 0;
    }
    if (rc)
        return attrib_cmd_fail(ctx, rc, 0);
    int within = 0;
    if (o.by_conversion) {
        attrib_reconcile_conversions *r = NULL;
        rc = attrib_reconcile_by_conversion(o.a, o.b, &o.r, &r);
        if (rc == 0) {
            (o.json ? attrib_reconcile_conversions_print_json
                    : attrib_reconcile_conversions_print_text)(r, stdout);
            within = r->within_tolerance;
        }
        attrib_reconcile_conversions_free(r);
    } else {
        attrib_reconcile_campaigns *r = NULL;
        rc = attrib_reconcile_by_campaign(o.a, o.b, &o.r, &r);
        if (rc == 0) {
            (o.json ? attrib_reconcile_campaigns_print_json
                    : attrib_reconcile_campaigns_print_text)(r, stdout);
            within = r->within_tolerance;
        }
        attrib_reconcile_campaigns_free(r);
    }
    if (rc == 0)
        rc = flushed();
    return rc ? attrib_cmd_fail(ctx, rc, 0) : within ? 0 : 1;
}

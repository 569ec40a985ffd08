/* attrib fit --paths F: every data-driven model of a path table written elsewhere. A
 * command without MPI: the file is read (plain, .gz or .zst) into the path-table parser
 * (src/model/pathfile.c), each advertiser is fitted (src/model/fit.c) and the figures
 * are printed as CSV or JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "attrib/csvfile.h"
#include "attrib/err.h"
#include "attrib/markov.h"
#include "attrib/paths.h"
#include "attrib/textout.h"

const char attrib_usage_fit[] =
    "usage: attrib fit --paths F [--sep C] [--order K] [--no-nulls] [--json]\n"
    "\n"
    "Fit the data-driven models on a table of paths (one row per distinct path) and\n"
    "print, per channel: the exact Markov removal effect and the conversions and value\n"
    "it implies, the simplified Shapley conversions, and the first-, last- and linear-\n"
    "touch conversions (repeats counted). docs/datadriven.md has the definitions.\n"
    "\n"
    "options:\n"
    "      --paths F    the path table (CSV; .gz and .zst are decompressed)\n"
    "      --sep C      column separator: one character, or 'tab' (default: the first\n"
    "                   of , ; tab | in the header line)\n"
    "      --order K    Markov order, 1 to 4 (default 1): states are the sliding\n"
    "                   K-grams of each path\n"
    "      --no-nulls   ignore non-converting counts (the column may be absent)\n"
    "      --json       print one JSON object instead of CSV\n"
    "  -h, --help       this text\n"
    "\n"
    "Input columns, by name in the header (others are ignored): path (channels\n"
    "separated by '>', each trimmed), total_conversions or conversions, total_null or\n"
    "nulls, optional total_conversion_value or value, optional advertiser_id (each\n"
    "advertiser is fitted apart). This reads ChannelAttribution's tables and attrib's\n"
    "report/paths exported as CSV.\n"
    "\n"
    "Output: CSV with the header\n"
    "  channel,removal_effect,conversions,value,shapley,first,last,linear\n"
    "(advertiser_id first when the input has it), one row per channel on any path,\n"
    "sorted by advertiser_id, then channel bytewise; numbers printed with 17\n"
    "significant digits. The result does not depend on the order of the rows.\n"
    "\n"
    "Exit codes: 0 success, 2 usage error, unreadable file or bad row (the message\n"
    "names the file and line), 3 internal failure.\n";

enum { OPT_PATHS = ATTRIB_OPT_ID_USER, OPT_SEP, OPT_ORDER, OPT_NO_NULLS };

static const attrib_opt options[] = {{"paths", 0, 1, OPT_PATHS},      {"sep", 0, 1, OPT_SEP},
                                     {"order", 0, 1, OPT_ORDER},      {"no-nulls", 0, 0, OPT_NO_NULLS},
                                     ATTRIB_OPT_JSON,                 ATTRIB_OPT_END};

static int read_paths(const char *path, attrib_pathfile *pf)
{
    attrib_csvfile *f = NULL;
    ATTRIB_TRY(attrib_csvfile_open(path, 0, 0, &f));
    size_t used = 0;
    int rc = 0;
    for (;;) {
        const char *p;
        size_t n;
        int eof;
        rc = attrib_csvfile_window(f, used, &p, &n, &eof);
        if (rc < 0)
            break;
        rc = attrib_pathfile_feed(pf, p, n, eof, &used);
        if (rc < 0 || eof)
            break;
    }
    attrib_csvfile_close(f);
    return rc < 0 ? rc : attrib_pathfile_finish(pf);
}

static void put_csv_row(FILE *out, int has_adv, uint64_t adv, const char *name, size_t len,
                        const attrib_fit_result *r, size_t k)
{
    if (has_adv)
        fprintf(out, "%llu,", (unsigned long long)adv);
    attrib_csv_put_str(out, name, len);
    const double v[] = {r->removal_effect[k], r->markov_conv[k], r->markov_value[k], r->shapley_conv[k],
                        r->first_conv[k], r->last_conv[k], r->linear_conv[k]};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        fputc(',', out);
        attrib_csv_put_num(out, v[i]);
    }
    fputc('\n', out);
}

static void put_json_group(FILE *out, int has_adv, const attrib_pathgroup *g, const attrib_fit_result *r)
{
    fputs("{", out);
    if (has_adv)
        fprintf(out, "\"advertiser_id\":%llu,", (unsigned long long)g->advertiser_id);
    fprintf(out, "\"paths\":%zu,\"journeys\":%llu,\"conversions\":%llu,\"value\":", g->tab.npaths,
            (unsigned long long)r->journeys, (unsigned long long)r->conversions);
    attrib_json_num(out, r->value);
    fputs(",\"conversion_probability\":", out);
    attrib_json_num(out, r->p);
    fprintf(out, ",\"states\":%zu,\"transitions\":%zu,\"solver\":\"%s\",\"sweeps\":%u,\"channels\":[", r->nstates,
            r->ntransitions,
            r->method == ATTRIB_MARKOV_DENSE ? "dense" : r->method == ATTRIB_MARKOV_SWEEP ? "sweep" : "none",
            r->sweeps);
    static const char *const keys[] = {"removal_effect", "conversions", "value", "shapley", "first",
                                       "last", "linear", "value_removal_effect", "shapley_value",
                                       "first_value", "last_value", "linear_value"};
    for (size_t k = 0; k < r->nchan; k++) {
        const double v[] = {r->removal_effect[k], r->markov_conv[k], r->markov_value[k], r->shapley_conv[k],
                            r->first_conv[k],     r->last_conv[k],   r->linear_conv[k],  r->vre[k],
                            r->shapley_value[k],  r->first_value[k], r->last_value[k],   r->linear_value[k]};
        fputs(k ? ",{\"channel\":" : "{\"channel\":", out);
        attrib_json_str(out, g->names[k], g->name_len[k]);
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
            fprintf(out, ",\"%s\":", keys[i]);
            attrib_json_num(out, v[i]);
        }
        fputc('}', out);
    }
    fputs("]}", out);
}

static int fit_file(const char *path, const attrib_pathfile_opts *po, int order, int json)
{
    attrib_pathfile *pf = NULL;
    ATTRIB_TRY(attrib_pathfile_new(path, po, &pf));
    int rc = read_paths(path, pf);
    const size_t ng = rc == 0 ? attrib_pathfile_ngroups(pf) : 0;
    /* Fit every advertiser before printing anything: a failure prints no partial table. */
    attrib_fit_result *res = attrib_xcalloc(ng ? ng : 1, sizeof *res);
    const int has_adv = rc == 0 && attrib_pathfile_has_advertiser(pf);
    for (size_t gi = 0; rc == 0 && gi < ng; gi++) {
        attrib_pathgroup g;
        attrib_pathfile_group(pf, gi, &g);
        rc = attrib_fit_paths(&g.tab, order, &res[gi]);
        if (rc < 0 && has_adv) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", attrib_err_msg());
            rc = attrib_err_set(rc, "%s: advertiser %llu: %s", path, (unsigned long long)g.advertiser_id, msg);
        } else if (rc < 0) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", attrib_err_msg());
            rc = attrib_err_set(rc, "%s: %s", path, msg);
        }
    }
    FILE *out = stdout;
    if (rc == 0 && json)
        fprintf(out, "{\"order\":%d,\"advertisers\":[", order);
    else if (rc == 0)
        fputs(has_adv ? "advertiser_id,channel,removal_effect,conversions,value,shapley,first,last,linear\n"
                      : "channel,removal_effect,conversions,value,shapley,first,last,linear\n",
              out);
    for (size_t gi = 0; rc == 0 && gi < ng; gi++) {
        attrib_pathgroup g;
        attrib_pathfile_group(pf, gi, &g);
        if (json) {
            if (gi)
                fputc(',', out);
            put_json_group(out, has_adv, &g, &res[gi]);
        } else {
            for (size_t k = 0; k < res[gi].nchan; k++)
                put_csv_row(out, has_adv, g.advertiser_id, g.names[k], g.name_len[k], &res[gi], k);
        }
    }
    if (rc == 0 && json)
        fputs("]}\n", out);
    for (size_t gi = 0; gi < ng; gi++)
        attrib_fit_result_free(&res[gi]);
    free(res);
    attrib_pathfile_free(pf);
    if (fflush(out) != 0 && rc == 0)
        rc = attrib_err_write("standard output", errno);
    return rc;
}

int attrib_cmd_fit(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    const char *path = NULL;
    attrib_pathfile_opts po = {0, 0};
    int json = 0, id;
    uint64_t order = 1;
    attrib_args a;
    attrib_args_init(&a, argc, argv);
    while ((id = attrib_args_next(&a, options)) != ATTRIB_ARGS_END) {
        switch (id) {
        case ATTRIB_ARGS_HELP: fputs(attrib_usage_fit, stdout); return 0;
        case OPT_PATHS: path = a.val; break;
        case OPT_SEP:
            if (strcmp(a.val, "tab") == 0 || strcmp(a.val, "\\t") == 0)
                po.sep = '\t';
            else if (strlen(a.val) == 1 && a.val[0] != '"' && a.val[0] != '>' && a.val[0] != '\n' &&
                     a.val[0] != '\r')
                po.sep = a.val[0];
            else
                return attrib_cmd_fail(ctx,
                                       attrib_err_set(ATTRIB_EUSAGE,
                                                      "--sep: '%s' is not one character (other than '\"', "
                                                      "'>', CR, LF) or 'tab'",
                                                      a.val),
                                       0);
            break;
        case OPT_ORDER: {
            static const char *const orders[] = {"1", "2", "3", "4", NULL};
            int k;
            if (attrib_args_choice(&a, orders, &k) < 0)
                return attrib_cmd_fail(ctx, ATTRIB_EUSAGE, 0);
            order = (uint64_t)k + 1;
            break;
        }
        case OPT_NO_NULLS: po.no_nulls = 1; break;
        case ATTRIB_OPT_ID_JSON: json = 1; break;
        case ATTRIB_ARGS_POS:
            return attrib_cmd_fail(ctx, attrib_err_set(ATTRIB_EUSAGE, "unexpected argument '%s'", a.val), 0);
        default: return attrib_cmd_fail(ctx, id, 0);
        }
    }
    if (!path)
        return attrib_cmd_fail(ctx, attrib_err_set(ATTRIB_EUSAGE, "no path table (--paths F)"), 0);
    return attrib_cmd_fail(ctx, fit_file(path, &po, (int)order, json), 0);
}

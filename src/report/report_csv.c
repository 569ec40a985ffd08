/* One table of a report as CSV (include/attrib/report.h). The tables of the results
 * file keep their schema's columns and the format of `attrib export` (docs/formats.md). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/report.h"
#include "attrib/textout.h"
#include "report_fmt.h"

const char *const attrib_report_csv_tables[] = {"campaign", "daily", "daily_touch", "advertiser",
                                                "daily_total", "time_to_convert", "unattributed",
                                                "paths", "markov", "shapley", "models", "identity", NULL};
enum {
    T_CAMPAIGN, T_DAILY, T_DAILY_TOUCH, T_ADVERTISER, T_DAILY_TOTAL, T_TTC, T_UNATTRIBUTED,
    T_PATHS, T_MARKOV, T_SHAPLEY, T_MODELS, T_IDENTITY
};

static void header(FILE *out, const attrib_schema *s)
{
    for (size_t c = 0; c < s->ncols; c++)
        fprintf(out, "%s%s", c ? "," : "", s->cols[c].name);
    fputc('\n', out);
}

static void num(FILE *out, double v)
{
    fputc(',', out);
    attrib_csv_put_num(out, v);
}

static void campaigns(const attrib_report *rep, FILE *out)
{
    header(out, &attrib_schema_report_campaign);
    for (size_t i = 0; i < rep->ncampaigns; i++) {
        const attrib_report_campaign *c = &rep->campaigns[i];
        fprintf(out, "%" PRIu32 ",%" PRIu32 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
                c->campaign_id, c->advertiser_id, c->impressions, c->engagements, c->nurtures,
                c->reach);
        num(out, c->cost);
        num(out, c->conversions);
        num(out, c->value);
        fprintf(out, ",%" PRIu64, c->credited_touches);
        num(out, c->mean_ttc_s);
        num(out, c->roas);
        fputc('\n', out);
    }
}

static void daily(FILE *out, const attrib_schema *s, const attrib_report_daily *d, size_t n)
{
    header(out, s);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%" PRIu32 ",", d[i].campaign_id);
        attrib_csv_put_str(out, d[i].day, strlen(d[i].day));
        num(out, d[i].conversions);
        num(out, d[i].value);
        fputc('\n', out);
    }
}

static void advertisers(const attrib_report *rep, FILE *out)
{
    header(out, &attrib_schema_report_advertiser);
    for (size_t i = 0; i < rep->nadvertisers; i++) {
        uint64_t v[ATTRIB_RA_NCOLS];
        attrib_report_advertiser_values(&rep->advertisers[i], v);
        for (int k = 0; k < ATTRIB_RA_NCOLS; k++)
            fprintf(out, "%s%" PRIu64, k ? "," : "", v[k]);
        fputc('\n', out);
    }
}

/* A data-driven table as read, row by row in file order, as `attrib export` writes it
 * (these schemas have no enumerations nor timestamps). */
static void whole_table(FILE *out, const attrib_table *t)
{
    const attrib_schema *s = t->schema;
    header(out, s);
    for (size_t i = 0; i < t->n; i++) {
        for (size_t c = 0; c < s->ncols; c++) {
            if (c)
                fputc(',', out);
            switch (s->cols[c].type) {
            case ATTRIB_T_U32: fprintf(out, "%" PRIu32, ATTRIB_COL(t, c, uint32_t)[i]); break;
            case ATTRIB_T_U64: fprintf(out, "%" PRIu64, ATTRIB_COL(t, c, uint64_t)[i]); break;
            case ATTRIB_T_F64: attrib_csv_put_num(out, ATTRIB_COL(t, c, double)[i]); break;
            case ATTRIB_T_STR:
                attrib_csv_put_str(out, attrib_table_str(t, c, i), attrib_table_strlen(t, c, i));
                break;
            default: break; /* not in these schemas */
            }
        }
        fputc('\n', out);
    }
}

/* The data-driven table behind csv table `table`, NULL when it is not one; *has whether
 * the file has it. */
static const attrib_table *dd_table(const attrib_report *rep, int table, int *has)
{
    switch (table) {
    case T_PATHS: *has = rep->has_paths; return &rep->paths_table;
    case T_MARKOV: *has = rep->has_markov; return &rep->markov_table;
    case T_SHAPLEY: *has = rep->has_shapley; return &rep->shapley_table;
    case T_MODELS: *has = rep->has_models; return &rep->models_table;
    case T_IDENTITY: *has = rep->has_identity; return NULL;
    default: *has = 1; return NULL;
    }
}

int attrib_report_csv_check(const attrib_report *rep, int table)
{
    int has;
    const attrib_table *t = dd_table(rep, table, &has);
    if (table == T_IDENTITY && !has)
        return attrib_err_set(ATTRIB_EINPUT, "%s: no /report/identity table (a results file of an "
                              "older attrib lacks it)", rep->path);
    if (t && !has)
        return attrib_err_set(ATTRIB_EINPUT, "%s: no /%s table (%s)", rep->path, t->schema->name,
                              table == T_MODELS ? "written by attrib run --compare only"
                                                : "a results file of an older attrib lacks it");
    return 0;
}

void attrib_report_write_csv(const attrib_report *rep, FILE *out, int table)
{
    switch (table) {
    case T_CAMPAIGN: campaigns(rep, out); break;
    case T_DAILY: daily(out, &attrib_schema_report_daily, rep->daily, rep->ndaily); break;
    case T_DAILY_TOUCH:
        daily(out, &attrib_schema_report_daily_touch, rep->daily_touch, rep->ndaily_touch);
        break;
    case T_ADVERTISER: advertisers(rep, out); break;
    case T_DAILY_TOTAL:
        fputs("day,conversions,value,conversions_by_touch_day,value_by_touch_day\n", out);
        for (size_t i = 0; i < rep->ndays; i++) {
            const attrib_report_day *d = &rep->days[i];
            fputs(d->day, out);
            num(out, d->conversions);
            num(out, d->value);
            num(out, d->conversions_by_touch_day);
            num(out, d->value_by_touch_day);
            fputc('\n', out);
        }
        break;
    case T_TTC:
        fputs("bucket,lo_s,hi_s,credit,credited_touches,credited_value\n", out);
        for (int k = 0; k < ATTRIB_REPORT_NTTC; k++) {
            const attrib_report_ttc *x = &rep->ttc[k];
            fputs(x->label, out);
            num(out, x->lo_s);
            num(out, x->hi_s);
            num(out, x->credit);
            fprintf(out, ",%" PRIu64, x->credited_touches);
            num(out, x->credited_value);
            fputc('\n', out);
        }
        break;
    case T_IDENTITY:
        header(out, &attrib_schema_report_identity);
        for (size_t c = 0; c < ATTRIB_RI_NCOLS; c++)
            fprintf(out, "%s%" PRIu64, c ? "," : "", rep->identity[c]);
        fputc('\n', out);
        break;
    case T_UNATTRIBUTED:
        fputs("reason,conversions\n", out);
        for (int k = 0; k < ATTRIB_NREASONS; k++)
            fprintf(out, "%s,%" PRIu64 "\n", rep->unattributed[k].reason,
                    rep->unattributed[k].conversions);
        break;
    default: {
        int has;
        const attrib_table *t = dd_table(rep, table, &has);
        if (t && has)
            whole_table(out, t);
        break;
    }
    }
}

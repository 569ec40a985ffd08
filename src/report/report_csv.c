/* One table of a report as CSV (include/attrib/report.h). The tables of the results
 * file keep their schema's columns and the format of `attrib export` (docs/formats.md). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "attrib/report.h"
#include "attrib/textout.h"
#include "report_fmt.h"

const char *const attrib_report_csv_tables[] = {"campaign", "daily", "daily_touch", "advertiser",
                                                "daily_total", "time_to_convert", "unattributed",
                                                NULL};
enum { T_CAMPAIGN, T_DAILY, T_DAILY_TOUCH, T_ADVERTISER, T_DAILY_TOTAL, T_TTC, T_UNATTRIBUTED };

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
    case T_UNATTRIBUTED:
        fputs("reason,conversions\n", out);
        for (int k = 0; k < ATTRIB_NREASONS; k++)
            fprintf(out, "%s,%" PRIu64 "\n", rep->unattributed[k].reason,
                    rep->unattributed[k].conversions);
        break;
    default: break;
    }
}

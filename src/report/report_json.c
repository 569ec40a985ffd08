/* The report as one JSON object (include/attrib/report.h). Rows of the results' tables
 * keep their schema's column names; NaN and infinities are null. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "attrib/report.h"
#include "attrib/textout.h"
#include "report_fmt.h"

#define KV attrib_report_json_kv

/* `,\n"KEY": [` and the separator before row i. */
static void array_open(FILE *out, const char *key) { fprintf(out, ",\n\"%s\": [", key); }
static void row_open(FILE *out, size_t i) { fputs(i ? ",\n  {" : "\n  {", out); }

static void campaigns(const attrib_report *rep, FILE *out)
{
    const attrib_colspec *n = attrib_schema_report_campaign.cols;
    array_open(out, "campaigns");
    for (size_t i = 0; i < rep->ncampaigns; i++) {
        const attrib_report_campaign *c = &rep->campaigns[i];
        row_open(out, i);
        fprintf(out, "\"%s\": %" PRIu32 ", \"%s\": %" PRIu32 ", \"%s\": %" PRIu64
                     ", \"%s\": %" PRIu64 ", \"%s\": %" PRIu64 ", \"%s\": %" PRIu64,
                n[ATTRIB_RC_CAMPAIGN_ID].name, c->campaign_id, n[ATTRIB_RC_ADVERTISER_ID].name, c->advertiser_id,
                n[ATTRIB_RC_IMPRESSIONS].name, c->impressions, n[ATTRIB_RC_ENGAGEMENTS].name, c->engagements,
                n[ATTRIB_RC_NURTURES].name, c->nurtures, n[ATTRIB_RC_REACH].name, c->reach);
        KV(out, n[ATTRIB_RC_COST].name, c->cost);
        KV(out, n[ATTRIB_RC_CONVERSIONS].name, c->conversions);
        KV(out, n[ATTRIB_RC_VALUE].name, c->value);
        fprintf(out, ", \"%s\": %" PRIu64, n[ATTRIB_RC_CREDITED_TOUCHES].name, c->credited_touches);
        KV(out, n[ATTRIB_RC_MEAN_TTC_S].name, c->mean_ttc_s);
        KV(out, n[ATTRIB_RC_ROAS].name, c->roas);
        if (c->name) {
            fputs(", \"name\": ", out);
            attrib_json_str(out, c->name, strlen(c->name));
        }
        fputc('}', out);
    }
    fputs("]", out);
}

static void advertisers(const attrib_report *rep, FILE *out)
{
    const attrib_colspec *n = attrib_schema_report_advertiser.cols;
    array_open(out, "advertisers");
    for (size_t i = 0; i < rep->nadvertisers; i++) {
        uint64_t v[ATTRIB_RA_NCOLS];
        attrib_report_advertiser_values(&rep->advertisers[i], v);
        row_open(out, i);
        for (int k = 0; k < ATTRIB_RA_NCOLS; k++)
            fprintf(out, "%s\"%s\": %" PRIu64, k ? ", " : "", n[k].name, v[k]);
        fputc('}', out);
    }
    fputs("]", out);
}

static void daily(FILE *out, const char *key, const attrib_schema *s, const attrib_report_daily *d,
                  size_t nrows)
{
    const attrib_colspec *n = s->cols;
    array_open(out, key);
    for (size_t i = 0; i < nrows; i++) {
        row_open(out, i);
        fprintf(out, "\"%s\": %" PRIu32 ", \"%s\": ", n[ATTRIB_RD_CAMPAIGN_ID].name, d[i].campaign_id,
                n[ATTRIB_RD_DAY].name);
        attrib_json_str(out, d[i].day, strlen(d[i].day));
        KV(out, n[ATTRIB_RD_CONVERSIONS].name, d[i].conversions);
        KV(out, n[ATTRIB_RD_VALUE].name, d[i].value);
        fputc('}', out);
    }
    fputs("]", out);
}

void attrib_report_write_json(const attrib_report *rep, FILE *out)
{
    fputs("{\"file\": ", out);
    attrib_json_str(out, rep->path, strlen(rep->path));
    fputs(",\n\"attributes\": {", out);
    int first = 1;
    for (int i = 0; i < ATTRIB_RES_NATTRS; i++) {
        if (!rep->attr[i])
            continue;
        fprintf(out, "%s\"%s\": ", first ? "" : ", ", attrib_results_attr_names[i]);
        attrib_json_str(out, rep->attr[i], strlen(rep->attr[i]));
        first = 0;
    }
    if (rep->ranks >= 0)
        fprintf(out, "%s\"ranks\": %" PRId64, first ? "" : ", ", rep->ranks);
    /* true: hashed with the built-in public key (pseudonymous only); null: not recorded. */
    fprintf(out, "},\n\"identity_hash_public_key\": %s",
            rep->identity_key == ATTRIB_REPORT_KEY_PUBLIC ? "true"
            : rep->identity_key == ATTRIB_REPORT_KEY_OWN  ? "false"
                                                          : "null");
    const attrib_report_campaign *c = &rep->campaign_total;
    const attrib_report_advertiser *a = &rep->advertiser_total;
    fprintf(out, ",\n\"totals\": {\"conversions\": %" PRIu64 ", \"attributed\": %" PRIu64
                 ", \"unattributed\": %" PRIu64 ", \"impressions\": %" PRIu64
                 ", \"engagements\": %" PRIu64 ", \"nurtures\": %" PRIu64
                 ", \"reach_sum\": %" PRIu64 ", \"credited_touches\": %" PRIu64
                 ", \"credit_rows\": %" PRIu64,
            a->conversions, a->attributed, rep->unattributed_total.conversions, c->impressions,
            c->engagements, c->nurtures, c->reach, c->credited_touches, rep->credit_rows);
    KV(out, "credited_conversions", c->conversions);
    KV(out, "value", c->value);
    KV(out, "cost", c->cost);
    KV(out, "roas_cost_known", c->roas);
    KV(out, "mean_time_to_convert_s", c->mean_ttc_s);
    fputs("}", out);
    campaigns(rep, out);
    advertisers(rep, out);
    daily(out, "daily", &attrib_schema_report_daily, rep->daily, rep->ndaily);
    daily(out, "daily_touch", &attrib_schema_report_daily_touch, rep->daily_touch,
          rep->ndaily_touch);
    fputs(",\n\"daily_totals\": [", out);
    for (size_t i = 0; i < rep->ndays; i++) {
        const attrib_report_day *d = &rep->days[i];
        fprintf(out, "%s{\"day\": \"%s\"", i ? ",\n  " : "\n  ", d->day);
        KV(out, "conversions", d->conversions);
        KV(out, "value", d->value);
        KV(out, "conversions_by_touch_day", d->conversions_by_touch_day);
        KV(out, "value_by_touch_day", d->value_by_touch_day);
        fputc('}', out);
    }
    fputs("],\n\"unattributed_by_reason\": [", out);
    for (int k = 0; k < ATTRIB_NREASONS; k++)
        fprintf(out, "%s{\"reason\": \"%s\", \"conversions\": %" PRIu64 "}", k ? ", " : "",
                rep->unattributed[k].reason, rep->unattributed[k].conversions);
    fputs("],\n\"time_to_convert\": [", out);
    for (int k = 0; k < ATTRIB_REPORT_NTTC; k++) {
        const attrib_report_ttc *x = &rep->ttc[k];
        fprintf(out, "%s{\"bucket\": \"%s\", \"order\": %d", k ? ",\n  " : "\n  ", x->label, k);
        KV(out, "lo_s", x->lo_s);
        KV(out, "hi_s", x->hi_s); /* null: unbounded */
        KV(out, "credit", x->credit);
        fprintf(out, ", \"credited_touches\": %" PRIu64, x->credited_touches);
        KV(out, "credited_value", x->credited_value);
        fputc('}', out);
    }
    fputs("]}\n", out);
}

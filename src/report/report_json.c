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

/* ---- Data-driven tables (each key only when the file has its table) ---- */

/* {"MODEL": v, …} of one figure of a models row: 0 conversions, 1 value, 2 touches. */
static void model_obj(FILE *out, const attrib_report_models *M, const attrib_report_model_row *r,
                      int which)
{
    fputc('{', out);
    for (size_t m = 0; m < M->n; m++) {
        if (m)
            fputs(", ", out);
        attrib_json_str(out, M->name[m], strlen(M->name[m]));
        fputs(": ", out);
        if (which == 2)
            fprintf(out, "%" PRIu64, r->credited_touches[m]);
        else
            attrib_json_num(out, which ? r->value[m] : r->conversions[m]);
    }
    fputc('}', out);
}

static void model_figures(FILE *out, const attrib_report_models *M, const attrib_report_model_row *r)
{
    fputs("\"conversions\": ", out);
    model_obj(out, M, r, 0);
    fputs(", \"value\": ", out);
    model_obj(out, M, r, 1);
    fputs(", \"credited_touches\": ", out);
    model_obj(out, M, r, 2);
}

static void json_models(const attrib_report *rep, FILE *out)
{
    const attrib_report_models *M = &rep->models;
    fputs(",\n\"models_compared\": {\"models\": [", out);
    for (size_t m = 0; m < M->n; m++) {
        fputs(m ? ", " : "", out);
        attrib_json_str(out, M->name[m], strlen(M->name[m]));
    }
    fputs("],\n \"campaigns\": [", out);
    for (size_t k = 0; k < M->nrows; k++) {
        const attrib_report_model_row *r = &M->rows[k];
        row_open(out, k);
        fprintf(out, "\"campaign_id\": %" PRIu32 ", \"advertiser_id\": %" PRIu32 ", ",
                r->campaign_id, r->advertiser_id);
        if (r->name) {
            fputs("\"name\": ", out);
            attrib_json_str(out, r->name, strlen(r->name));
            fputs(", ", out);
        }
        model_figures(out, M, r);
        fputc('}', out);
    }
    fputs("],\n \"total\": {", out);
    model_figures(out, M, &M->total);
    fputs("}}", out);
}

static void json_paths(const attrib_report *rep, FILE *out)
{
    array_open(out, "paths");
    for (size_t i = 0; i < rep->npath_groups; i++) {
        const attrib_report_path_group *x = &rep->path_groups[i];
        row_open(out, i);
        fprintf(out, "\"advertiser_id\": %" PRIu32 ", \"distinct_paths\": %" PRIu64
                     ", \"journeys\": %" PRIu64 ", \"converting_journeys\": %" PRIu64
                     ", \"non_converting_journeys\": %" PRIu64,
                x->advertiser_id, x->paths, x->converting + x->non_converting, x->converting,
                x->non_converting);
        KV(out, "value", x->value);
        fputs(", \"top\": [", out);
        for (size_t k = 0; k < x->ntop; k++) {
            const attrib_report_path *p = &rep->paths[x->top[k]];
            fputs(k ? ",\n    {\"path\": " : "\n    {\"path\": ", out);
            attrib_json_str(out, p->path, strlen(p->path));
            fprintf(out, ", \"conversions\": %" PRIu64, p->conversions);
            KV(out, "value", p->value);
            fprintf(out, ", \"nulls\": %" PRIu64, p->nulls);
            KV(out, "conversion_rate", p->conversion_rate);
            fputc('}', out);
        }
        fputs("]}", out);
    }
    fputs("]", out);
}

static void json_dd(const attrib_report *rep, FILE *out)
{
    array_open(out, "markov_shapley");
    for (size_t i = 0; i < rep->ndd; i++) {
        const attrib_report_dd *d = &rep->dd[i];
        row_open(out, i);
        fprintf(out, "\"advertiser_id\": %" PRIu32 ", \"campaign_id\": %" PRIu32, d->advertiser_id,
                d->campaign_id);
        if (rep->has_markov) {
            KV(out, "removal_effect", d->removal_effect);
            KV(out, "markov_conversions", d->markov_conversions);
            KV(out, "markov_value", d->markov_value);
        }
        if (rep->has_shapley) {
            KV(out, "shapley_conversions", d->shapley_conversions);
            KV(out, "shapley_value", d->shapley_value);
        }
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
    fputs("]", out);
    if (rep->has_identity) { /* report/identity's row, and whether the run stitched */
        fprintf(out, ",\n\"identity\": {\"stitched\": %s", rep->stitched ? "true" : "false");
        if (rep->max_component >= 0)
            fprintf(out, ", \"max_component\": %" PRId64, rep->max_component);
        for (size_t c = 0; c < ATTRIB_RI_NCOLS; c++)
            fprintf(out, ", \"%s\": %" PRIu64, attrib_schema_report_identity.cols[c].name,
                    rep->identity[c]);
        fputc('}', out);
    }
    if (rep->has_models)
        json_models(rep, out);
    if (rep->has_paths)
        json_paths(rep, out);
    if (rep->has_markov || rep->has_shapley)
        json_dd(rep, out);
    fputs("}\n", out);
}

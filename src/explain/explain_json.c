/* attrib explain: the JSON renderer (include/attrib/explain.h), one document. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "attrib/explain.h"
#include "attrib/textout.h"
#include "attrib/timeparse.h"
#include "explain_words.h"

static void json_key(FILE *out, const char *k, int *first)
{
    fprintf(out, "%s\"%s\":", *first ? "" : ",", k);
    *first = 0;
}

static void print_json(const attrib_explain_view *c, FILE *out)
{
    const attrib_explanation *x = c->x;
    char buf[1024], iso[40];
    int f = 1;
    fputc('{', out);
    json_key(out, "conversion_id", &f);
    fprintf(out, "%" PRIu64, x->conversion_id);
    json_key(out, "advertiser_id", &f);
    fprintf(out, "%u", (unsigned)x->advertiser_id);
    json_key(out, "identity", &f);
    fprintf(out, "%" PRIu64, x->identity);
    json_key(out, "stitched", &f);
    fputs(c->stitched ? "true" : "false", out);
    if (c->stitched) { /* the person's identities, and those the conversion was read under */
        json_key(out, "person_identities", &f);
        for (size_t i = 0; i < c->nmembers; i++)
            fprintf(out, "%s%" PRIu64, i ? "," : "[", c->members[i]);
        fputs(c->nmembers ? "]" : "[]", out);
        json_key(out, "conversion_read_under", &f);
        for (size_t i = 0; i < c->nconv_dev; i++)
            fprintf(out, "%s%" PRIu64, i ? "," : "[", c->conv_dev[i]);
        fputs(c->nconv_dev ? "]" : "[]", out);
    }
    json_key(out, "conv_ts", &f);
    fprintf(out, "%" PRId64, x->ts);
    attrib_time_format_iso(x->ts, iso);
    json_key(out, "conv_time", &f);
    attrib_json_str(out, iso, strlen(iso));
    json_key(out, "type", &f);
    attrib_json_str(out, attrib_explain_type_name(c), strlen(attrib_explain_type_name(c)));
    json_key(out, "value", &f);
    attrib_json_num(out, x->value);
    json_key(out, "period", &f);
    attrib_explain_period_text(c, buf, sizeof buf);
    attrib_json_str(out, buf, strlen(buf));
    json_key(out, "in_period", &f);
    fputs(x->in_period ? "true" : "false", out);
    json_key(out, "duplicate_conversions", &f);
    fprintf(out, "%u", (unsigned)x->counts.duplicate_conversions);
    if (x->in_period) {
        json_key(out, "outcome", &f);
        attrib_json_str(out, attrib_xoutcome_names[x->outcome],
                        strlen(attrib_xoutcome_names[x->outcome]));
        json_key(out, "reason", &f);
        if (x->outcome == ATTRIB_XOUT_ATTRIBUTED)
            fputs("null", out);
        else
            attrib_json_str(out, attrib_xoutcome_names[x->outcome],
                            strlen(attrib_xoutcome_names[x->outcome]));
        const attrib_adv_rule *ar = &x->adv_rule;
        json_key(out, "model", &f);
        int g = 1;
        fputc('{', out);
        json_key(out, "name", &g);
        attrib_json_str(out, attrib_model_names[ar->model], strlen(attrib_model_names[ar->model]));
        json_key(out, "overridden", &g);
        fputs(c->model_overridden ? "true" : "false", out);
        json_key(out, "engagement_priority", &g);
        fputs(ar->engagement_priority ? "true" : "false", out);
        json_key(out, "priority_applied", &g);
        fputs(x->priority_applied ? "true" : "false", out);
        json_key(out, "half_life_ms", &g);
        fprintf(out, "%" PRId64, ar->half_life_ms);
        json_key(out, "first", &g);
        attrib_json_num(out, ar->first);
        json_key(out, "last", &g);
        attrib_json_num(out, ar->last);
        json_key(out, "summary", &g);
        attrib_explain_model_summary(c, buf, sizeof buf);
        attrib_json_str(out, buf, strlen(buf));
        fputc('}', out);

        const attrib_xcounts *k = &x->counts;
        json_key(out, "counts", &f);
        fprintf(out,
                "{\"touches\":%u,\"candidates\":%u,\"path_length\":%u,\"credited\":%u,"
                "\"excluded_outside_window\":%u,\"excluded_kind_off\":%u,\"excluded_type\":%u,"
                "\"beaten_by_engagement\":%u,\"after_conversion\":%u,\"duplicate_touches\":%u,"
                "\"duplicate_conversions\":%u}",
                k->touches, k->candidates, k->path_length, k->credited, k->outside_window,
                k->kind_off, k->type_excluded, k->beaten_by_engagement, k->after_conversion,
                k->duplicate_touches, k->duplicate_conversions);
        json_key(out, "journey_horizon_ms", &f);
        fprintf(out, "%" PRId64, x->max_lookback_ms);

        json_key(out, "touches", &f);
        fputc('[', out);
        for (size_t i = 0; i < x->ntouches; i++) {
            const attrib_xtouch *t = &x->touch[i];
            int h = 1;
            fputs(i ? ",{" : "{", out);
            json_key(out, "event_id", &h);
            fprintf(out, "%" PRIu64, t->event_id);
            if (c->stitched) {
                size_t nd;
                const uint64_t *d = attrib_explain_touch_devices(c, t->event_id, &nd);
                json_key(out, "read_under", &h);
                for (size_t k = 0; k < nd; k++)
                    fprintf(out, "%s%" PRIu64, k ? "," : "[", d[2 * k + 1]);
                fputs(nd ? "]" : "[]", out);
            }
            json_key(out, "ts", &h);
            fprintf(out, "%" PRId64, t->ts);
            json_key(out, "offset_ms", &h);
            fprintf(out, "%" PRId64, -t->age_ms);
            attrib_explain_format_offset(-t->age_ms, buf, sizeof buf);
            json_key(out, "offset", &h);
            attrib_json_str(out, buf, strlen(buf));
            json_key(out, "campaign_id", &h);
            fprintf(out, "%u", (unsigned)t->campaign_id);
            size_t nl;
            const char *nm = attrib_explain_campaign_name(c, t->campaign_id, &nl);
            json_key(out, "campaign_name", &h);
            attrib_json_str(out, nm, nl);
            json_key(out, "kind", &h);
            attrib_json_str(out, attrib_kind_names[t->kind], strlen(attrib_kind_names[t->kind]));
            json_key(out, "cost", &h);
            attrib_json_num(out, t->cost);
            json_key(out, "status", &h);
            attrib_json_str(out, attrib_xstatus_names[t->status],
                            strlen(attrib_xstatus_names[t->status]));
            attrib_explain_touch_reason(c, t, buf, sizeof buf);
            json_key(out, "reason", &h);
            attrib_json_str(out, buf, strlen(buf));
            json_key(out, "lookback_ms", &h);
            fprintf(out, "%" PRId64, t->lookback_ms);
            if (t->status == ATTRIB_XS_OUTSIDE_WINDOW) {
                json_key(out, "outside_by_ms", &h);
                fprintf(out, "%" PRId64, t->age_ms - t->lookback_ms);
            }
            json_key(out, "rule_version", &h);
            fprintf(out, "%u", (unsigned)t->rule_version);
            json_key(out, "position", &h);
            fprintf(out, "%u", (unsigned)t->position);
            json_key(out, "credit", &h);
            attrib_json_num(out, t->credit);
            json_key(out, "credited_value", &h);
            attrib_json_num(out, t->status == ATTRIB_XS_CREDITED ? t->credited_value : 0.0);
            json_key(out, "in_journey", &h);
            fputs(t->in_journey ? "true" : "false", out);
            if (t->position && (x->adv_rule.model == ATTRIB_MODEL_MARKOV ||
                                x->adv_rule.model == ATTRIB_MODEL_SHAPLEY)) {
                json_key(out, "multiplicity", &h); /* its campaign's candidates on the path */
                fprintf(out, "%u", (unsigned)t->multiplicity);
                if (x->adv_rule.model == ATTRIB_MODEL_MARKOV) {
                    json_key(out, "removal_effect", &h);
                    attrib_json_num(out, t->removal_effect);
                }
                json_key(out, "weight", &h);
                attrib_json_num(out, t->weight);
            }
            fputc('}', out);
        }
        fputc(']', out);

        json_key(out, "campaigns", &f);
        fputc('[', out);
        for (size_t i = 0; i < x->ncamps; i++) {
            const attrib_xcamp *xc = &x->camp[i];
            int h = 1;
            fputs(i ? ",{" : "{", out);
            json_key(out, "campaign_id", &h);
            fprintf(out, "%u", (unsigned)xc->campaign_id);
            json_key(out, "rule_version", &h);
            fprintf(out, "%u", (unsigned)xc->rule_version);
            json_key(out, "origin", &h);
            attrib_json_str(out, xc->origin, strlen(xc->origin));
            json_key(out, "in_force_since", &h);
            if (xc->since == INT64_MIN) {
                fputs("null", out);
            } else {
                attrib_time_format_iso(xc->since, iso);
                attrib_json_str(out, iso, strlen(iso));
            }
            json_key(out, "lookback_ms", &h);
            fprintf(out,
                    "{\"impression\":%" PRId64 ",\"engagement\":%" PRId64 ",\"nurture\":%" PRId64
                    "}",
                    xc->lookback_ms[0], xc->lookback_ms[1], xc->lookback_ms[2]);
            json_key(out, "conversion_types", &h);
            if (!xc->type_allowed) {
                fputs("null", out);
            } else {
                fputc('[', out);
                int first = 1;
                for (size_t t = 0; t < c->ntypes; t++)
                    if (xc->type_allowed[t]) {
                        if (!first)
                            fputc(',', out);
                        first = 0;
                        attrib_json_str(out, c->type_names[t], strlen(c->type_names[t]));
                    }
                fputc(']', out);
            }
            fputc('}', out);
        }
        fputc(']', out);
    }
    fputs("}\n", out);
}
void attrib_explain_print_json(const attrib_explain_result *r, FILE *out)
{
    attrib_explain_view c;
    attrib_explain_view_init(&c, r);
    print_json(&c, out);
}

/* attrib explain: the text renderer (include/attrib/explain.h), for people. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "attrib/explain.h"
#include "attrib/textout.h"
#include "attrib/timeparse.h"
#include "explain_words.h"

static void fmt_num(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.6g", v);
}

static void lookbacks_text(const int64_t *lb, char *buf, size_t size)
{
    char d[3][32];
    for (int k = 0; k < ATTRIB_NKINDS; k++)
        attrib_explain_format_duration(lb[k], d[k], sizeof d[k]);
    snprintf(buf, size, "engagement %s, impression %s, nurture %s", d[ATTRIB_KIND_ENGAGEMENT],
             d[ATTRIB_KIND_IMPRESSION], d[ATTRIB_KIND_NURTURE]);
}

static void print_text(const attrib_explain_view *c, FILE *out)
{
    const attrib_explanation *x = c->x;
    char iso[40], buf[1024], hz[64];
    attrib_time_format_iso(x->ts, iso);
    fprintf(out, "conversion %" PRIu64 " of advertiser %u, identity %" PRIu64 "\n",
            x->conversion_id, (unsigned)x->advertiser_id, x->identity);
    const int cross = attrib_explain_cross_device(c);
    if (cross) {
        fprintf(out, "  person: %zu identities merged by the input's /links (the smallest hash "
                     "names the person):", c->nmembers);
        for (size_t i = 0; i < c->nmembers; i++)
            fprintf(out, "%s %" PRIu64, i ? "," : "", c->members[i]);
        fprintf(out, "\n  the conversion's row%s read under:", c->nconv_dev == 1 ? " was" : "s were");
        for (size_t i = 0; i < c->nconv_dev; i++)
            fprintf(out, "%s %" PRIu64, i ? "," : "", c->conv_dev[i]);
        fputc('\n', out);
    } else if (c->stitched) {
        fprintf(out, "  person: this identity alone (in no merged component of /links)\n");
    }
    fprintf(out, "  at %s, type %s, value %.17g\n", iso, attrib_explain_type_name(c), x->value);
    if (x->counts.duplicate_conversions)
        fprintf(out,
                "  %u duplicate row%s of this conversion dropped by dedup (the earliest is "
                "kept)\n",
                (unsigned)x->counts.duplicate_conversions,
                x->counts.duplicate_conversions == 1 ? "" : "s");
    attrib_explain_period_text(c, buf, sizeof buf);
    fprintf(out, "  period: %s\n", buf);
    if (!x->in_period) {
        fprintf(out, "\nOutside the period: a run with this period does not attribute it (no "
                     "credit, no unattributed row).\n");
        return;
    }
    if (x->outcome == ATTRIB_XOUT_ATTRIBUTED) {
        double sum = 0, vsum = 0;
        for (size_t i = 0; i < x->ntouches; i++)
            if (x->touch[i].status == ATTRIB_XS_CREDITED) {
                sum += x->touch[i].credit;
                vsum += x->touch[i].credited_value;
            }
        fprintf(out, "  outcome: attributed to %u touch%s (credit %.6g, credited value %.6g)\n",
                (unsigned)x->counts.credited, x->counts.credited == 1 ? "" : "es", sum, vsum);
    } else {
        static const char *const why[] = {
            "", "no touch of this identity for this advertiser at or before the conversion",
            ("every touch at or before the conversion is excluded by its campaign's kind or "
             "conversion-type rules"),
            "touches pass the rules, but none is within its lookback"};
        fprintf(out, "  outcome: unattributed, reason %s: %s\n", attrib_xoutcome_names[x->outcome],
                why[x->outcome]);
    }

    attrib_explain_format_duration(x->max_lookback_ms, hz, sizeof hz);
    fprintf(out,
            "\nJourney: touches of this %s for advertiser %u from %s before to %s "
            "after the conversion (time relative to it)\n",
            cross ? "person (any of its identities)" : "identity", (unsigned)x->advertiser_id, hz, hz);
    static const char *const head[] = {"when",   "event",  "campaign", "kind",  "rule",
                                       "status", "credit", "value",    "reason"};
    static const char *const head_x[] = {"when", "event",  "identity", "campaign", "kind",
                                         "rule", "status", "credit",   "value",    "reason"};
    attrib_grid *g = cross ? attrib_grid_create(10, head_x, "lrrllrlrrl")
                           : attrib_grid_create(9, head, "lrllrlrrl");
    size_t shown = 0;
    for (size_t i = 0; i < x->ntouches; i++) {
        const attrib_xtouch *t = &x->touch[i];
        if (!t->in_journey)
            continue;
        char when[64], ev[32], camp[96], ver[16], cr[32] = "", val[32] = "", reason[768];
        attrib_explain_format_offset(-t->age_ms, when, sizeof when);
        snprintf(ev, sizeof ev, "%" PRIu64, t->event_id);
        size_t nl;
        const char *nm = attrib_explain_campaign_name(c, t->campaign_id, &nl);
        snprintf(camp, sizeof camp, "%u%s%.*s", (unsigned)t->campaign_id, nl ? " " : "",
                 (int)(nl > 24 ? 24 : nl), nm);
        snprintf(ver, sizeof ver, "v%u", (unsigned)t->rule_version);
        if (t->status == ATTRIB_XS_CREDITED) {
            fmt_num(t->credit, cr, sizeof cr);
            fmt_num(t->credited_value, val, sizeof val);
        } else if (t->status == ATTRIB_XS_ZERO_SHARE) {
            snprintf(cr, sizeof cr, "0");
        }
        attrib_explain_touch_reason(c, t, reason, sizeof reason);
        const char *cells[] = {
            when, ev,  camp,  attrib_kind_names[t->kind], ver, attrib_xstatus_names[t->status],
            cr,   val, reason};
        if (cross) { /* the identity (device) the touch was read under: the person's journey */
            char dev[128] = "";
            size_t nd;
            const uint64_t *d = attrib_explain_touch_devices(c, t->event_id, &nd);
            for (size_t k = 0; k < nd && strlen(dev) < sizeof dev - 48; k++)
                snprintf(dev + strlen(dev), sizeof dev - strlen(dev), "%s%" PRIu64, k ? "+" : "",
                         d[2 * k + 1]);
            const char *xcells[] = {when, ev, dev, camp, attrib_kind_names[t->kind], ver,
                                    attrib_xstatus_names[t->status], cr, val, reason};
            attrib_grid_row(g, xcells);
        } else {
            attrib_grid_row(g, cells);
        }
        shown++;
    }
    if (shown)
        attrib_grid_print(g, out, "  ");
    else
        fprintf(out, "  (no touch)\n");
    attrib_grid_free(g);
    if (x->before_journey || x->after_journey)
        fprintf(out, "  not shown: %zu older and %zu later touches beyond %s (counted below)\n",
                x->before_journey, x->after_journey, hz);
    const attrib_xcounts *k = &x->counts;
    fprintf(out,
            "  counts: %u touches at or before the conversion: %u candidates (%u beaten "
            "by engagement, %u on the path, %u credited), %u outside their window, %u kind "
            "off, %u type excluded; %u after; %u duplicate rows dropped\n",
            (unsigned)k->touches, (unsigned)k->candidates, (unsigned)k->beaten_by_engagement,
            (unsigned)k->path_length, (unsigned)k->credited, (unsigned)k->outside_window,
            (unsigned)k->kind_off, (unsigned)k->type_excluded, (unsigned)k->after_conversion,
            (unsigned)k->duplicate_touches);

    fprintf(out, "\nRules in force at the conversion:\n");
    if (x->ncamps == 0)
        fprintf(out, "  (no campaign of this advertiser touched this identity)\n");
    for (size_t i = 0; i < x->ncamps; i++) {
        const attrib_xcamp *xc = &x->camp[i];
        char since[64] = "", lb[256], types[512];
        if (xc->since != INT64_MIN) {
            char d[40];
            attrib_time_format_iso(xc->since, d);
            snprintf(since, sizeof since, ", in force since %s", d);
        }
        lookbacks_text(xc->lookback_ms, lb, sizeof lb);
        if (xc->type_allowed)
            attrib_explain_type_list(c, xc->type_allowed, types, sizeof types);
        else
            snprintf(types, sizeof types, "all");
        if (xc->rule_version)
            fprintf(out, "  campaign %u: version %u from %s%s\n", (unsigned)xc->campaign_id,
                    (unsigned)xc->rule_version, xc->origin, since);
        else
            fprintf(out, "  campaign %u: no entry of its own in force (version 0), from %s%s\n",
                    (unsigned)xc->campaign_id, xc->origin, since);
        fprintf(out, "      lookback %s; conversion types: %s\n", lb, types);
    }

    const attrib_adv_rule *ar = &x->adv_rule;
    char hl[32];
    attrib_explain_format_duration(ar->half_life_ms, hl, sizeof hl);
    fprintf(out, "\nModel: advertiser %u uses %s%s; engagement priority %s",
            (unsigned)x->advertiser_id, attrib_model_names[ar->model],
            c->model_overridden ? " (--model)" : "", ar->engagement_priority ? "on" : "off");
    if (ar->engagement_priority)
        fprintf(out, "%s",
                x->priority_applied ? " (applied: engagement candidates only)" : " (not applied)");
    fprintf(out, "\n");
    attrib_explain_model_summary(c, buf, sizeof buf);
    fprintf(out, "  %s\n", buf);
    if (ar->model == ATTRIB_MODEL_MARKOV || ar->model == ATTRIB_MODEL_SHAPLEY) {
        fprintf(out, ar->model == ATTRIB_MODEL_MARKOV
                         ? "  weights: removal effect of the touch's campaign (fitted on every "
                           "journey of the period, --results) / its candidates on that "
                           "campaign; credit = weight / sum of weights\n"
                         : "  weights: 1 / (%zu distinct campaigns x the touch's candidates on "
                           "its campaign)\n",
                x->ndistinct);
        for (size_t i = 0; i < x->ntouches; i++) {
            const attrib_xtouch *t = &x->touch[i];
            if (!t->position)
                continue;
            if (ar->model == ATTRIB_MODEL_MARKOV)
                fprintf(out, "    event %llu campaign %u: RE %.6g / %u = weight %.6g -> credit %.6g\n",
                        (unsigned long long)t->event_id, (unsigned)t->campaign_id,
                        t->removal_effect, (unsigned)t->multiplicity, t->weight, t->credit);
            else
                fprintf(out, "    event %llu campaign %u: 1 / (%zu x %u) = %.6g\n",
                        (unsigned long long)t->event_id, (unsigned)t->campaign_id, x->ndistinct,
                        (unsigned)t->multiplicity, t->credit);
        }
    }
}
void attrib_explain_print_text(const attrib_explain_result *r, FILE *out)
{
    attrib_explain_view c;
    attrib_explain_view_init(&c, r);
    print_text(&c, out);
}

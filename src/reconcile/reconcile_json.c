/* attrib reconcile: the JSON renderers (include/attrib/reconcile.h), one object per
 * comparison. Numbers as attrib_json_num (%.17g, null for NaN and infinities). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "attrib/reconcile.h"
#include "attrib/table.h"
#include "attrib/textout.h"

static void num_kv(FILE *out, const char *k, double v)
{
    fprintf(out, ", \"%s\": ", k);
    attrib_json_num(out, v);
}

static void side_json(FILE *out, const char *key, const attrib_reconcile_side *s)
{
    fprintf(out, "\"%s\": {\"path\": ", key);
    attrib_json_str(out, s->path, strlen(s->path));
    fprintf(out, ", \"kind\": \"%s\", \"campaigns\": %zu, \"conversions\": ",
            s->is_results ? "results" : "csv", s->ncampaigns);
    attrib_json_num(out, s->conversions);
    fputs(", \"value\": ", out);
    attrib_json_num(out, s->value);
    fputs("}", out);
}

/* (b - a) / |a|; 0 when both are 0, NaN (null) when only a is. */
static double delta_rel(double a, double b)
{
    return a != 0 ? (b - a) / fabs(a) : (b == 0 ? 0 : NAN);
}

static const char *tolerance_mode(const attrib_reconcile_opts *o)
{
    return o->relative ? "relative" : "absolute";
}

void attrib_reconcile_campaigns_print_json(const attrib_reconcile_campaigns *r, FILE *out)
{
    fputs("{\"by\": \"campaign\", ", out);
    side_json(out, "a", &r->a);
    fputs(", ", out);
    side_json(out, "b", &r->b);
    fputs(", \"tolerance\": ", out);
    attrib_json_num(out, r->opts.tolerance);
    fprintf(out,
            ", \"tolerance_mode\": \"%s\", \"within_tolerance\": %s, \"campaigns_compared\": %zu"
            ", \"campaigns_differing\": %zu, \"only_in_a\": %zu, \"only_in_b\": %zu",
            tolerance_mode(&r->opts), r->within_tolerance ? "true" : "false", r->n, r->ndiffering,
            r->only_a, r->only_b);
    fputs(", \"totals\": {\"conversions_a\": ", out);
    attrib_json_num(out, r->a.conversions);
    num_kv(out, "conversions_b", r->b.conversions);
    num_kv(out, "conversions_delta", r->b.conversions - r->a.conversions);
    num_kv(out, "value_a", r->a.value);
    num_kv(out, "value_b", r->b.value);
    num_kv(out, "value_delta", r->b.value - r->a.value);
    fputs("},\n\"campaigns\": [", out);
    size_t w = 0;
    for (size_t k = 0; k < r->n; k++) {
        const attrib_reconcile_campaign *c = &r->camp[k];
        if (!c->listed)
            continue;
        fprintf(out, "%s{\"campaign_id\": %" PRIu32 ", \"in_a\": %s, \"in_b\": %s",
                w++ ? ",\n  " : "\n  ", c->campaign_id, c->in_a ? "true" : "false",
                c->in_b ? "true" : "false");
        if (c->in_a && r->a.has_advertiser)
            fprintf(out, ", \"advertiser_id_a\": %" PRIu32, c->advertiser_a);
        if (c->in_b && r->b.has_advertiser)
            fprintf(out, ", \"advertiser_id_b\": %" PRIu32, c->advertiser_b);
        num_kv(out, "conversions_a", c->conversions_a);
        num_kv(out, "conversions_b", c->conversions_b);
        num_kv(out, "conversions_delta", c->conversions_b - c->conversions_a);
        num_kv(out, "conversions_delta_rel", delta_rel(c->conversions_a, c->conversions_b));
        num_kv(out, "value_a", c->value_a);
        num_kv(out, "value_b", c->value_b);
        num_kv(out, "value_delta", c->value_b - c->value_a);
        num_kv(out, "value_delta_rel", delta_rel(c->value_a, c->value_b));
        num_kv(out, "impact", c->impact);
        fprintf(out, ", \"differs\": %s}", c->differs ? "true" : "false");
    }
    fputs("]}\n", out);
}

static void conv_side_json(FILE *out, const attrib_reconcile_conv_side *s)
{
    if (s->status == ATTRIB_RECONCILE_UNATTRIBUTED) {
        fprintf(out, "{\"status\": \"unattributed\", \"reason\": \"%s\"}",
                attrib_reason_names[s->reason]);
        return;
    }
    if (s->status == ATTRIB_RECONCILE_ABSENT) {
        fputs("{\"status\": \"absent\"}", out);
        return;
    }
    fputs("{\"status\": \"credited\", \"credits\": [", out);
    for (size_t i = 0; i < s->ncredits; i++) {
        fprintf(out, "%s{\"campaign_id\": %" PRIu32 ", \"credit\": ", i ? ", " : "",
                s->credit[i].campaign_id);
        attrib_json_num(out, s->credit[i].credit);
        fputs(", \"credited_value\": ", out);
        attrib_json_num(out, s->credit[i].credited_value);
        fputc('}', out);
    }
    fputs("]}", out);
}

void attrib_reconcile_conversions_print_json(const attrib_reconcile_conversions *r, FILE *out)
{
    fputs("{\"by\": \"conversion\", \"a\": {\"path\": ", out);
    attrib_json_str(out, r->path_a, strlen(r->path_a));
    fprintf(out, ", \"credited_conversions\": %" PRIu64 "}, \"b\": {\"path\": ", r->credited_a);
    attrib_json_str(out, r->path_b, strlen(r->path_b));
    fprintf(out, ", \"credited_conversions\": %" PRIu64 "}, \"tolerance\": ", r->credited_b);
    attrib_json_num(out, r->opts.tolerance);
    fprintf(out,
            ", \"tolerance_mode\": \"%s\", \"within_tolerance\": %s, \"unchanged\": %" PRIu64
            ", \"changed\": %zu, \"counts\": {",
            tolerance_mode(&r->opts), r->within_tolerance ? "true" : "false", r->unchanged,
            r->changed);
    for (int k = 0; k < ATTRIB_RECONCILE_NKINDS; k++)
        fprintf(out, "%s\"%s\": %zu", k ? ", " : "", attrib_reconcile_kind_names[k],
                r->kind[k].count);
    fputs("}", out);
    for (int k = 0; k < ATTRIB_RECONCILE_NKINDS; k++) {
        const attrib_reconcile_kind_list *l = &r->kind[k];
        fprintf(out, ",\n\"%s\": [", attrib_reconcile_kind_names[k]);
        for (size_t i = 0; i < l->n; i++) {
            const attrib_reconcile_conversion *e = &l->conv[i];
            fprintf(out,
                    "%s{\"conversion_id\": %" PRIu64 ", \"advertiser_id\": %" PRIu32 ", \"a\": ",
                    i ? ",\n  " : "\n  ", e->conversion_id, e->advertiser_id);
            conv_side_json(out, &e->side[0]);
            fputs(", \"b\": ", out);
            conv_side_json(out, &e->side[1]);
            fputc('}', out);
        }
        fprintf(out, "], \"%s_truncated\": %s", attrib_reconcile_kind_names[k],
                l->n < l->count ? "true" : "false");
    }
    fputs("}\n", out);
}

/* attrib explain's words (src/explain/explain_words.h), shared by the text and JSON
 * renderers so both say the same thing. */
#include "explain_words.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "attrib/input.h"
#include "attrib/timeparse.h"

void attrib_explain_view_init(attrib_explain_view *c, const attrib_explain_result *r)
{
    *c = (attrib_explain_view){.x = r->x,
                               .rules = r->rules,
                               .type_names = r->input->type_names,
                               .ntypes = r->input->ntypes,
                               .cat = &r->input->catalog,
                               .from = r->from,
                               .to = r->to,
                               .model_overridden = r->model_overridden,
                               .stitched = r->stitched,
                               .members = r->members,
                               .nmembers = r->nmembers,
                               .touch_dev = r->touch_dev,
                               .ntouch_dev = r->ntouch_dev,
                               .conv_dev = r->conv_dev,
                               .nconv_dev = r->nconv_dev};
}

const uint64_t *attrib_explain_touch_devices(const attrib_explain_view *c, uint64_t event_id,
                                             size_t *n)
{
    size_t lo = 0, hi = c->ntouch_dev;
    while (lo < hi) { /* the first pair of event_id */
        const size_t m = lo + (hi - lo) / 2;
        if (c->touch_dev[2 * m] < event_id)
            lo = m + 1;
        else
            hi = m;
    }
    size_t k = lo;
    while (k < c->ntouch_dev && c->touch_dev[2 * k] == event_id)
        k++;
    *n = k - lo;
    return c->touch_dev + 2 * lo;
}

int attrib_explain_cross_device(const attrib_explain_view *c)
{
    return c->stitched && c->nmembers > 1;
}

const char *attrib_explain_campaign_name(const attrib_explain_view *c, uint32_t id, size_t *len)
{
    const int64_t ci = attrib_rules_camp_index(c->rules, id);
    *len = 0;
    if (ci < 0 || (size_t)ci >= c->cat->n)
        return "";
    *len = attrib_table_strlen(c->cat, ATTRIB_CA_NAME, (size_t)ci);
    return attrib_table_str(c->cat, ATTRIB_CA_NAME, (size_t)ci);
}

static const attrib_xcamp *xcamp_of(const attrib_explanation *x, uint32_t id)
{
    for (size_t i = 0; i < x->ncamps; i++)
        if (x->camp[i].campaign_id == id)
            return &x->camp[i];
    return NULL;
}

static void dur_abs(int64_t ms, char *buf, size_t size)
{
    char tmp[64];
    attrib_explain_format_offset(ms, tmp, sizeof tmp);
    snprintf(buf, size, "%s", tmp[0] == '+' || tmp[0] == '-' ? tmp + 1 : tmp);
}

void attrib_explain_type_list(const attrib_explain_view *c, const uint8_t *allowed, char *buf,
                              size_t size)
{
    buf[0] = '\0';
    for (size_t t = 0; t < c->ntypes; t++)
        if (allowed[t]) {
            size_t l = strlen(buf);
            snprintf(buf + l, size - l, "%s%s", l ? ", " : "", c->type_names[t]);
        }
    if (!buf[0])
        snprintf(buf, size, "no type present in the input");
}

const char *attrib_explain_type_name(const attrib_explain_view *c)
{
    return c->x->type < c->ntypes ? c->type_names[c->x->type] : "?";
}

/* The reason column: why this touch has its status, in words. */
void attrib_explain_touch_reason(const attrib_explain_view *c, const attrib_xtouch *t, char *buf,
                                 size_t size)
{
    const attrib_explanation *x = c->x;
    const char *kind = attrib_kind_names[t->kind];
    const attrib_xcamp *xc = xcamp_of(x, t->campaign_id);
    const char *origin = xc ? xc->origin : "?";
    char d1[64], d2[64], types[512];
    switch (t->status) {
    case ATTRIB_XS_CREDITED:
    case ATTRIB_XS_ZERO_SHARE:
        snprintf(buf, size, "position %u of %u%s", (unsigned)t->position,
                 (unsigned)x->counts.path_length,
                 t->status == ATTRIB_XS_ZERO_SHARE ? ": the model gives it no share" : "");
        break;
    case ATTRIB_XS_BEATEN_BY_ENGAGEMENT:
        snprintf(buf, size,
                 "in its %s window, but engagement priority keeps only the %u "
                 "engagement candidate%s",
                 kind, (unsigned)x->counts.path_length, x->counts.path_length == 1 ? "" : "s");
        break;
    case ATTRIB_XS_OUTSIDE_WINDOW:
        attrib_explain_format_duration(t->lookback_ms, d1, sizeof d1);
        dur_abs(t->age_ms - t->lookback_ms, d2, sizeof d2);
        snprintf(buf, size, "older than the %s %s lookback by %s", d1, kind, d2);
        break;
    case ATTRIB_XS_KIND_OFF:
        snprintf(buf, size, "%s lookback is off for campaign %u (%s)", kind,
                 (unsigned)t->campaign_id, origin);
        break;
    case ATTRIB_XS_TYPE_EXCLUDED:
        if (xc && xc->type_allowed)
            attrib_explain_type_list(c, xc->type_allowed, types, sizeof types);
        else
            snprintf(types, sizeof types, "?");
        snprintf(buf, size, "campaign %u counts only %s (%s), not %s", (unsigned)t->campaign_id,
                 types, origin, attrib_explain_type_name(c));
        break;
    case ATTRIB_XS_AFTER_CONVERSION:
        snprintf(buf, size, "after the conversion: never a candidate for it");
        break;
    case ATTRIB_XS_DUPLICATE:
        snprintf(buf, size, "redelivery of event %" PRIu64 ", dropped by dedup (%s)", t->event_id,
                 t->dup_exact ? "an exact copy"
                              : "differs; the smallest (ts, campaign, kind, cost) is kept");
        break;
    default:
        snprintf(buf, size, "?");
    }
}

/* "linear over 3 candidates: 1/3 each", … */
void attrib_explain_model_summary(const attrib_explain_view *c, char *buf, size_t size)
{
    const attrib_explanation *x = c->x;
    const attrib_adv_rule *ar = &x->adv_rule;
    const char *name = attrib_model_names[ar->model];
    const unsigned n = x->counts.path_length;
    char hl[64];
    if (x->outcome != ATTRIB_XOUT_ATTRIBUTED) {
        snprintf(buf, size, "%s: nothing to split (no candidate)", name);
        return;
    }
    switch (ar->model) {
    case ATTRIB_MODEL_LAST_TOUCH:
        snprintf(buf, size, "last_touch over %u candidate%s: the last one gets 1", n,
                 n == 1 ? "" : "s");
        break;
    case ATTRIB_MODEL_FIRST_TOUCH:
        snprintf(buf, size, "first_touch over %u candidate%s: the first one gets 1", n,
                 n == 1 ? "" : "s");
        break;
    case ATTRIB_MODEL_LINEAR:
        snprintf(buf, size, "linear over %u candidate%s: 1/%u each", n, n == 1 ? "" : "s", n);
        break;
    case ATTRIB_MODEL_TIME_DECAY:
        attrib_explain_format_duration(ar->half_life_ms, hl, sizeof hl);
        snprintf(buf, size,
                 "time_decay over %u candidate%s: weight 2^-(age - youngest age)/%s (the "
                 "half-life), normalised to sum 1",
                 n, n == 1 ? "" : "s", hl);
        break;
    case ATTRIB_MODEL_MARKOV:
        snprintf(buf, size,
                 "markov over %u candidate%s: each weighs its campaign's removal effect divided "
                 "by the candidates on that campaign, normalised to sum 1",
                 n, n == 1 ? "" : "s");
        break;
    case ATTRIB_MODEL_SHAPLEY:
        snprintf(buf, size,
                 "shapley over %u candidate%s on %zu campaign%s: 1/%zu per campaign, split "
                 "equally among its candidates",
                 n, n == 1 ? "" : "s", x->ndistinct, x->ndistinct == 1 ? "" : "s", x->ndistinct);
        break;
    default:
        if (n == 1)
            snprintf(buf, size, "%s (first %g, last %g) over 1 candidate: it gets 1", name,
                     ar->first, ar->last);
        else if (n == 2)
            snprintf(buf, size,
                     "%s (first %g, last %g) over 2 candidates: first/(first+last) and "
                     "last/(first+last)",
                     name, ar->first, ar->last);
        else
            snprintf(buf, size,
                     "%s over %u candidates: first %g, last %g, the %u in the middle share "
                     "%g (%.6g each)",
                     name, n, ar->first, ar->last, n - 2,
                     ar->first + ar->last >= 1 ? 0.0 : 1 - ar->first - ar->last,
                     ar->first + ar->last >= 1 ? 0.0 : (1 - ar->first - ar->last) / (n - 2));
    }
}

void attrib_explain_period_text(const attrib_explain_view *c, char *buf, size_t size)
{
    char a[40] = "", b[40] = "";
    if (c->from == INT64_MIN && c->to == INT64_MAX) {
        snprintf(buf, size, "all conversions (no --from/--to)");
        return;
    }
    if (c->from != INT64_MIN)
        attrib_time_format_iso(c->from, a);
    if (c->to != INT64_MAX)
        attrib_time_format_iso(c->to, b);
    snprintf(buf, size, "[%s, %s)", a[0] ? a : "-inf", b[0] ? b : "+inf");
}

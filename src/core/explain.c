/* Explanations of one conversion's attribution, and the per-conversion counts of
 * `attrib run --explain` (see include/attrib/explain.h).
 *
 * One classifier, classify(), gives every deduplicated touch of an (identity,
 * advertiser) its status for a conversion; both the single-conversion explanation and
 * the counts at scale use it. Dedup and the models are the engine's own functions, and
 * attrib_explain_build() also runs the engine itself on the identity's rows and checks
 * that the classifier's candidates, positions and shares are the engine's credit rows.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/engine.h"
#include "attrib/err.h"
#include "attrib/explain.h"
#include "attrib/sort.h"

const char *const attrib_xstatus_names[] = {
    "credited", "zero_share", "beaten_by_engagement", "outside_window", "kind_off",
    "type_excluded", "after_conversion", "duplicate", NULL};

const char *const attrib_xoutcome_names[] = {"attributed", "no_touch", "rule_excluded",
                                             "outside_window", NULL};

const attrib_schema attrib_schema_explain_conversion = {
    "explain/conversion", ATTRIB_XC_NCOLS,
    {{"conversion_id", ATTRIB_T_U64, NULL}, {"advertiser_id", ATTRIB_T_U32, NULL},
     {"identity", ATTRIB_T_U64, NULL}, {"conv_ts", ATTRIB_T_I64, NULL},
     {"outcome", ATTRIB_T_U8, attrib_xoutcome_names}, {"touches", ATTRIB_T_U32, NULL},
     {"candidates", ATTRIB_T_U32, NULL}, {"path_length", ATTRIB_T_U32, NULL},
     {"credited", ATTRIB_T_U32, NULL}, {"excluded_outside_window", ATTRIB_T_U32, NULL},
     {"excluded_kind_off", ATTRIB_T_U32, NULL}, {"excluded_type", ATTRIB_T_U32, NULL},
     {"beaten_by_engagement", ATTRIB_T_U32, NULL}, {"after_conversion", ATTRIB_T_U32, NULL},
     {"duplicate_touches", ATTRIB_T_U32, NULL},
     {"duplicate_conversions", ATTRIB_T_U32, NULL}}};

/* ---- the classifier ---- */

/* A deduplicated touch of one (identity, advertiser). */
typedef struct xrow {
    uint64_t eid;
    int64_t ts;
    uint32_t camp; /* catalog index */
    uint32_t advid;
    uint32_t tag;  /* caller's (row or slot) */
    uint8_t kind;
} xrow;

static int xrow_cmp(const void *a, const void *b)
{
    const xrow *x = a, *y = b;
    if (x->advid != y->advid)
        return x->advid < y->advid ? -1 : 1;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->eid != y->eid)
        return x->eid < y->eid ? -1 : 1;
    return 0;
}

typedef struct xscratch {
    size_t cap;
    uint32_t *cand, *camp;
    uint64_t *age;
    double *share;
} xscratch;

static void scratch_grow(xscratch *s, size_t n)
{
    if (n <= s->cap)
        return;
    size_t c = s->cap ? s->cap : 64;
    while (c < n)
        c *= 2;
    s->cand = attrib_xrealloc(s->cand, c * sizeof *s->cand);
    s->camp = attrib_xrealloc(s->camp, c * sizeof *s->camp);
    s->age = attrib_xrealloc(s->age, c * sizeof *s->age);
    s->share = attrib_xrealloc(s->share, c * sizeof *s->share);
    s->cap = c;
}

static void scratch_free(xscratch *s)
{
    free(s->cand);
    free(s->camp);
    free(s->age);
    free(s->share);
}

static const attrib_adv_rule *adv_rule_at(const attrib_rules *r, uint32_t advid, int64_t ts)
{
    const int64_t ai = attrib_rules_adv_index(r, advid);
    return ai >= 0 ? attrib_rules_adv_at(r, (size_t)ai, ts)
                   : attrib_rules_adv_default_at(r, advid, ts);
}

/* Classify the touches t[0..n) of one (identity, advertiser), sorted by (ts, event_id),
 * for a conversion at cts of type ctype (the rules of docs/rules.md, as the engine
 * applies them).
 * status[i], pos[i] (1-based path position, 0 off the path) and share[i] are written
 * when non-NULL. Adds to *k (touches .. beaten_by_engagement, after_conversion) and
 * returns the outcome. */
static int classify(const attrib_rules *r, int64_t cts, uint16_t ctype,
                    const attrib_adv_rule *ar, const xrow *t, size_t n, xscratch *s,
                    uint8_t *status, uint32_t *pos, double *share, attrib_xcounts *k,
                    int *priority_applied, const double *re)
{
    scratch_grow(s, n ? n : 1);
    size_t nc = 0, nbefore = 0, has_eng = 0;
    for (size_t i = 0; i < n; i++) {
        int st;
        /* Ages as the engine computes them (wrapping difference, compared signed). */
        const int64_t age = (int64_t)((uint64_t)cts - (uint64_t)t[i].ts);
        if (t[i].ts > cts) {
            st = ATTRIB_XS_AFTER_CONVERSION;
            k->after_conversion++;
        } else {
            nbefore++;
            const attrib_camp_rule *cr = attrib_rules_camp_at(r, t[i].camp, cts);
            const int64_t lb = cr->lookback_ms[t[i].kind];
            if (lb == ATTRIB_LOOKBACK_OFF || lb < 0) {
                st = ATTRIB_XS_KIND_OFF;
                k->kind_off++;
            } else if (cr->type_allowed && !cr->type_allowed[ctype]) {
                st = ATTRIB_XS_TYPE_EXCLUDED;
                k->type_excluded++;
            } else if (age > lb) {
                st = ATTRIB_XS_OUTSIDE_WINDOW;
                k->outside_window++;
            } else {
                st = ATTRIB_XS_ZERO_SHARE; /* a candidate; settled below */
                s->cand[nc++] = (uint32_t)i;
                has_eng |= t[i].kind == ATTRIB_KIND_ENGAGEMENT;
            }
        }
        if (status)
            status[i] = (uint8_t)st;
        if (pos)
            pos[i] = 0;
        if (share)
            share[i] = 0;
    }
    k->touches += (uint32_t)nbefore;
    k->candidates += (uint32_t)nc;
    if (nc == 0) {
        if (nbefore == 0)
            return ATTRIB_XOUT_NO_TOUCH;
        /* Not a candidate yet not excluded by the rules means outside its window. */
        return k->outside_window ? ATTRIB_XOUT_OUTSIDE_WINDOW : ATTRIB_XOUT_RULE_EXCLUDED;
    }
    size_t m = nc;
    if (ar->engagement_priority && has_eng) {
        m = 0;
        for (size_t j = 0; j < nc; j++) {
            const uint32_t i = s->cand[j];
            if (t[i].kind == ATTRIB_KIND_ENGAGEMENT) {
                s->cand[m++] = i;
            } else {
                k->beaten_by_engagement++;
                if (status)
                    status[i] = ATTRIB_XS_BEATEN_BY_ENGAGEMENT;
            }
        }
        if (priority_applied)
            *priority_applied = m < nc;
    }
    k->path_length += (uint32_t)m;
    for (size_t j = 0; j < m; j++) {
        s->age[j] = (uint64_t)cts - (uint64_t)t[s->cand[j]].ts;
        s->camp[j] = t[s->cand[j]].camp;
    }
    if (ar->model == ATTRIB_MODEL_MARKOV && !re) {
        /* run --explain counts before the fit: every markov candidate is credited (each
         * is on its conversion's path, so its removal effect is > 0: docs/datadriven.md) */
        for (size_t j = 0; j < m; j++)
            s->share[j] = 1.0 / (double)m;
    } else {
        attrib_engine_model_shares_dd(ar, m, s->age, s->camp, re, s->share);
    }
    for (size_t j = 0; j < m; j++) {
        const uint32_t i = s->cand[j];
        const int credited = s->share[j] > 0;
        k->credited += (uint32_t)credited;
        if (status)
            status[i] = (uint8_t)(credited ? ATTRIB_XS_CREDITED : ATTRIB_XS_ZERO_SHARE);
        if (pos)
            pos[i] = (uint32_t)(j + 1);
        if (share)
            share[i] = s->share[j];
    }
    return ATTRIB_XOUT_ATTRIBUTED;
}

/* ---- formatting ---- */

void attrib_explain_format_offset(int64_t ms, char *buf, size_t size)
{
    if (ms == 0) {
        snprintf(buf, size, "0");
        return;
    }
    const char sign = ms < 0 ? '-' : '+';
    const uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    const uint64_t d = a / 86400000u, h = a / 3600000u % 24, mi = a / 60000u % 60,
                   s = a / 1000u % 60, f = a % 1000u;
    char days[32] = "";
    if (d)
        snprintf(days, sizeof days, "%" PRIu64 "d ", d);
    if (f)
        snprintf(buf, size, "%c%s%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%03" PRIu64, sign,
                 days, h, mi, s, f);
    else if (s)
        snprintf(buf, size, "%c%s%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, sign, days, h, mi, s);
    else
        snprintf(buf, size, "%c%s%02" PRIu64 ":%02" PRIu64, sign, days, h, mi);
}

void attrib_explain_format_duration(int64_t ms, char *buf, size_t size)
{
    static const struct {
        int64_t unit;
        const char *name;
    } u[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
    if (ms == ATTRIB_LOOKBACK_OFF) {
        snprintf(buf, size, "off");
        return;
    }
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
        if (ms != 0 && ms % u[i].unit == 0) {
            snprintf(buf, size, "%" PRId64 "%s", ms / u[i].unit, u[i].name);
            return;
        }
    snprintf(buf, size, "%" PRId64 "ms", ms);
}

/* ---- one conversion ---- */

/* Start of the resolved rule segment of campaign ci in force at ts: segments are
 * contiguous in time and attrib_rules_camp_at returns one object per segment. */
static int64_t segment_since(const attrib_rules *r, size_t ci, int64_t ts)
{
    const attrib_camp_rule *p = attrib_rules_camp_at(r, ci, ts);
    if (attrib_rules_camp_at(r, ci, INT64_MIN) == p)
        return INT64_MIN;
    int64_t lo = INT64_MIN, hi = ts; /* lo: another segment, hi: this one */
    while ((uint64_t)hi - (uint64_t)lo > 1) {
        const int64_t mid = (int64_t)((uint64_t)lo + ((uint64_t)hi - (uint64_t)lo) / 2);
        if (attrib_rules_camp_at(r, ci, mid) == p)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

static int xtouch_cmp(const void *a, const void *b)
{
    const attrib_xtouch *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->event_id != y->event_id)
        return x->event_id < y->event_id ? -1 : 1;
    /* A kept row before its dropped copies. */
    return (x->status == ATTRIB_XS_DUPLICATE) - (y->status == ATTRIB_XS_DUPLICATE);
}

static uint32_t camp_adv_id(const attrib_rules *r, size_t ci)
{
    return attrib_rules_adv_id(r, attrib_rules_camp_adv(r, ci));
}

void attrib_explanation_free(attrib_explanation *x)
{
    if (!x)
        return;
    free(x->touch);
    free(x->camp);
    free(x);
}

/* Compare the classifier's path with the engine's rows for the conversion. */
static int check_engine(const attrib_explanation *x, const attrib_table *cr,
                        const attrib_table *un)
{
    const uint64_t cid = x->conversion_id;
    if (!x->in_period) {
        if (cr->n || un->n)
            return attrib_err_set(ATTRIB_EINTERNAL,
                                  "explain: conversion %" PRIu64
                                  " is outside the period yet the engine attributed it",
                                  cid);
        return 0;
    }
    if (x->outcome != ATTRIB_XOUT_ATTRIBUTED) {
        if (cr->n != 0 || un->n != 1 ||
            (int)ATTRIB_COL(un, ATTRIB_UN_REASON, uint8_t)[0] + 1 != x->outcome)
            return attrib_err_set(ATTRIB_EINTERNAL,
                                  "explain: conversion %" PRIu64
                                  ": the engine's outcome differs from '%s' (%zu credit rows, %zu "
                                  "unattributed rows)",
                                  cid, attrib_xoutcome_names[x->outcome], cr->n, un->n);
        return 0;
    }
    if (un->n != 0 || cr->n != x->counts.credited)
        return attrib_err_set(ATTRIB_EINTERNAL,
                              "explain: conversion %" PRIu64
                              ": the engine wrote %zu credit rows, the explanation has %u",
                              cid, cr->n, (unsigned)x->counts.credited);
    for (size_t i = 0; i < x->ntouches; i++) {
        const attrib_xtouch *t = &x->touch[i];
        if (t->status != ATTRIB_XS_CREDITED)
            continue;
        size_t j = 0;
        while (j < cr->n && ATTRIB_COL(cr, ATTRIB_CR_EVENT_ID, uint64_t)[j] != t->event_id)
            j++;
        if (j == cr->n || ATTRIB_COL(cr, ATTRIB_CR_TOUCH_TS, int64_t)[j] != t->ts ||
            ATTRIB_COL(cr, ATTRIB_CR_CAMPAIGN_ID, uint32_t)[j] != t->campaign_id ||
            ATTRIB_COL(cr, ATTRIB_CR_KIND, uint8_t)[j] != t->kind ||
            ATTRIB_COL(cr, ATTRIB_CR_POSITION, uint32_t)[j] != t->position ||
            ATTRIB_COL(cr, ATTRIB_CR_PATH_LENGTH, uint32_t)[j] != x->counts.path_length ||
            ATTRIB_COL(cr, ATTRIB_CR_CREDIT, double)[j] != t->credit ||
            ATTRIB_COL(cr, ATTRIB_CR_RULE_VERSION, uint32_t)[j] != t->rule_version)
            return attrib_err_set(ATTRIB_EINTERNAL,
                                  "explain: conversion %" PRIu64 ": event %" PRIu64
                                  " differs from the engine's credit row",
                                  cid, t->event_id);
    }
    return 0;
}

int attrib_explain_build(const attrib_explain_in *in, const attrib_table *events,
                         const attrib_table *conversions, attrib_explanation **out)
{
    const attrib_rules *r = in->rules;
    *out = NULL;
    attrib_table E, C, E2, C2, cr, un;
    attrib_table_init(&E, &attrib_schema_events, 1);
    attrib_table_init(&C, &attrib_schema_conversions, 1);
    attrib_table_init(&E2, &attrib_schema_events, 1);
    attrib_table_init(&C2, &attrib_schema_conversions, 1);
    attrib_table_init(&cr, &attrib_schema_credits, 1);
    attrib_table_init(&un, &attrib_schema_unattributed, 1);
    attrib_acc acc;
    attrib_acc_init(&acc, attrib_rules_ncampaigns(r));
    uint32_t *kept = NULL, *pos = NULL;
    uint8_t *status = NULL;
    double *share = NULL;
    xrow *rows = NULL;
    xscratch s = {0};
    attrib_explanation *x = attrib_xcalloc(1, sizeof *x);
    int rc = 0;

    for (size_t i = 0; i < events->n; i++)
        if (ATTRIB_COL(events, ATTRIB_EV_IDENTITY, uint64_t)[i] == in->identity)
            attrib_table_append(&E, events, i, 1);
    for (size_t i = 0; i < conversions->n; i++)
        if (ATTRIB_COL(conversions, ATTRIB_CV_IDENTITY, uint64_t)[i] == in->identity &&
            ATTRIB_COL(conversions, ATTRIB_CV_ADVERTISER_ID, uint32_t)[i] == in->advertiser_id &&
            ATTRIB_COL(conversions, ATTRIB_CV_CONVERSION_ID, uint64_t)[i] == in->conversion_id)
            attrib_table_append(&C, conversions, i, 1);
    if (C.n == 0) {
        rc = attrib_err_set(ATTRIB_EINPUT, "conversion %" PRIu64 " of advertiser %u not found",
                            in->conversion_id, (unsigned)in->advertiser_id);
        goto done;
    }

    /* The engine itself, on exactly the rows a run gives it for this conversion. */
    attrib_table_append(&E2, &E, 0, E.n);
    attrib_table_append(&C2, &C, 0, C.n);
    {
        const attrib_engine_cfg cfg = {.rules = r, .from = in->from, .to = in->to, .re = in->re};
        rc = attrib_engine_run(&cfg, &E2, &C2, in->ntypes, &cr, &un, &acc);
        if (rc)
            goto done;
    }

    /* The conversion as dedup keeps it. */
    kept = attrib_xmalloc((C.n > E.n ? C.n : E.n ? E.n : 1) * sizeof *kept);
    attrib_engine_dedup_conversions(&C, 0, C.n, kept);
    const size_t k0 = kept[0];
    x->conversion_id = in->conversion_id;
    x->identity = in->identity;
    x->advertiser_id = in->advertiser_id;
    x->ts = ATTRIB_COL(&C, ATTRIB_CV_TS, int64_t)[k0];
    x->type = ATTRIB_COL(&C, ATTRIB_CV_TYPE, uint16_t)[k0];
    x->value = ATTRIB_COL(&C, ATTRIB_CV_VALUE, double)[k0];
    x->counts.duplicate_conversions = (uint32_t)(C.n - 1);
    x->in_period = x->ts >= in->from && x->ts < in->to;
    x->adv_rule = *adv_rule_at(r, x->advertiser_id, x->ts);
    x->max_lookback_ms = attrib_rules_max_lookback(r);
    if (!x->in_period)
        goto check;

    /* Touches: the kept ones of the advertiser are classified; dropped copies whose kept
     * row or own campaign is of the advertiser are listed as duplicates. */
    attrib_engine_dedup_touches(r, &E, 0, E.n, kept);
    x->touch = attrib_xcalloc(E.n ? E.n : 1, sizeof *x->touch);
    rows = attrib_xmalloc((E.n ? E.n : 1) * sizeof *rows);
    size_t nrows = 0;
    for (size_t i = 0; i < E.n; i++) {
        if (kept[i] == UINT32_MAX)
            continue;
        const uint32_t camp_id = ATTRIB_COL(&E, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[i];
        const size_t ci = (size_t)attrib_rules_camp_index(r, camp_id);
        const uint32_t kci = (uint32_t)attrib_rules_camp_index(
            r, ATTRIB_COL(&E, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[kept[i]]);
        const int mine = camp_adv_id(r, ci) == x->advertiser_id;
        const int kept_mine = camp_adv_id(r, kci) == x->advertiser_id;
        const int dup = kept[i] != i;
        if (!(dup ? mine || kept_mine : mine))
            continue;
        attrib_xtouch *t = &x->touch[x->ntouches];
        t->event_id = ATTRIB_COL(&E, ATTRIB_EV_EVENT_ID, uint64_t)[i];
        t->ts = ATTRIB_COL(&E, ATTRIB_EV_TS, int64_t)[i];
        t->age_ms = (int64_t)((uint64_t)x->ts - (uint64_t)t->ts);
        t->campaign_id = camp_id;
        t->kind = ATTRIB_COL(&E, ATTRIB_EV_KIND, uint8_t)[i];
        t->cost = ATTRIB_COL(&E, ATTRIB_EV_COST, double)[i];
        const attrib_camp_rule *rule = attrib_rules_camp_at(r, ci, x->ts);
        t->lookback_ms = rule->lookback_ms[t->kind];
        t->rule_version = rule->rule_version;
        if (dup) {
            const size_t kr = kept[i];
            t->status = ATTRIB_XS_DUPLICATE;
            t->dup_exact = ATTRIB_COL(&E, ATTRIB_EV_TS, int64_t)[kr] == t->ts &&
                           ATTRIB_COL(&E, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[kr] == camp_id &&
                           ATTRIB_COL(&E, ATTRIB_EV_KIND, uint8_t)[kr] == t->kind &&
                           memcmp(&ATTRIB_COL(&E, ATTRIB_EV_COST, double)[kr], &t->cost,
                                  sizeof t->cost) == 0;
            if (kept_mine)
                x->counts.duplicate_touches++;
        } else {
            rows[nrows++] = (xrow){.eid = t->event_id, .ts = t->ts, .camp = (uint32_t)ci,
                                   .advid = x->advertiser_id, .tag = (uint32_t)x->ntouches,
                                   .kind = t->kind};
        }
        x->ntouches++;
    }
    if (nrows) /* rows is NULL when there are none (qsort's argument is nonnull) */
        qsort(rows, nrows, sizeof *rows, xrow_cmp);
    if (x->in_period && x->adv_rule.model == ATTRIB_MODEL_MARKOV && !in->re) {
        rc = attrib_err_set(ATTRIB_EUSAGE,
                            "conversion %" PRIu64 " is credited by model markov, whose weights are "
                            "the removal effects of the whole period: give the run's results "
                            "with --results RESULTS.h5",
                            in->conversion_id);
        goto done;
    }
    status = attrib_xmalloc((nrows ? nrows : 1) * sizeof *status);
    pos = attrib_xmalloc((nrows ? nrows : 1) * sizeof *pos);
    share = attrib_xmalloc((nrows ? nrows : 1) * sizeof *share);
    x->outcome = classify(r, x->ts, x->type, &x->adv_rule, rows, nrows, &s, status, pos, share,
                          &x->counts, &x->priority_applied, in->re);
    for (size_t i = 0; i < nrows; i++) {
        attrib_xtouch *t = &x->touch[rows[i].tag];
        t->status = (enum attrib_xstatus)status[i];
        t->position = pos[i];
        t->credit = share[i];
        t->credited_value = share[i] * x->value;
    }
    /* markov, shapley: where each weight comes from (the shares came from the engine's
     * own functions above) */
    if (x->adv_rule.model == ATTRIB_MODEL_MARKOV || x->adv_rule.model == ATTRIB_MODEL_SHAPLEY) {
        for (size_t i = 0; i < nrows; i++) {
            if (!pos[i])
                continue;
            uint32_t m = 0, first = 1;
            for (size_t j = 0; j < nrows; j++)
                if (pos[j] && rows[j].camp == rows[i].camp) {
                    m++;
                    first &= !(j < i);
                }
            x->ndistinct += first;
            attrib_xtouch *t = &x->touch[rows[i].tag];
            t->multiplicity = m;
            t->removal_effect = in->re ? in->re[rows[i].camp] : 0;
        }
        for (size_t i = 0; i < nrows; i++) {
            attrib_xtouch *t = &x->touch[rows[i].tag];
            if (pos[i])
                t->weight = x->adv_rule.model == ATTRIB_MODEL_MARKOV
                                ? t->removal_effect / (double)t->multiplicity
                                : 1.0 / ((double)x->ndistinct * (double)t->multiplicity);
        }
    }
    if (x->ntouches)
        qsort(x->touch, x->ntouches, sizeof *x->touch, xtouch_cmp);

    /* The journey's horizon, and the rules of its campaigns. */
    const uint64_t h = (uint64_t)(x->max_lookback_ms > 0 ? x->max_lookback_ms : 0);
    x->camp = attrib_xcalloc(x->ntouches ? x->ntouches : 1, sizeof *x->camp);
    for (size_t i = 0; i < x->ntouches; i++) {
        attrib_xtouch *t = &x->touch[i];
        const uint64_t dist = t->age_ms >= 0 ? (uint64_t)t->age_ms : (uint64_t)0 - (uint64_t)t->age_ms;
        t->in_journey = dist <= h;
        if (!t->in_journey)
            (*(t->age_ms > 0 ? &x->before_journey : &x->after_journey))++;
        size_t j = 0;
        while (j < x->ncamps && x->camp[j].campaign_id != t->campaign_id)
            j++;
        if (j < x->ncamps)
            continue;
        const size_t ci = (size_t)attrib_rules_camp_index(r, t->campaign_id);
        const attrib_camp_rule *rule = attrib_rules_camp_at(r, ci, x->ts);
        attrib_xcamp *c = &x->camp[x->ncamps++];
        c->campaign_id = t->campaign_id;
        c->rule_version = rule->rule_version;
        c->origin = attrib_rules_camp_origin(r, ci, x->ts);
        c->since = segment_since(r, ci, x->ts);
        memcpy(c->lookback_ms, rule->lookback_ms, sizeof c->lookback_ms);
        c->type_allowed = rule->type_allowed;
    }
    for (size_t i = 1; i < x->ncamps; i++) /* few: insertion sort by id */
        for (size_t j = i; j > 0 && x->camp[j].campaign_id < x->camp[j - 1].campaign_id; j--) {
            const attrib_xcamp tmp = x->camp[j];
            x->camp[j] = x->camp[j - 1];
            x->camp[j - 1] = tmp;
        }

check:
    rc = check_engine(x, &cr, &un);
    if (!rc && x->in_period && x->outcome == ATTRIB_XOUT_ATTRIBUTED)
        for (size_t i = 0; i < x->ntouches; i++) /* the engine's own figures */
            for (size_t j = 0; j < cr.n; j++)
                if (x->touch[i].status == ATTRIB_XS_CREDITED &&
                    ATTRIB_COL(&cr, ATTRIB_CR_EVENT_ID, uint64_t)[j] == x->touch[i].event_id)
                    x->touch[i].credited_value = ATTRIB_COL(&cr, ATTRIB_CR_CREDITED_VALUE, double)[j];
done:
    if (rc) {
        attrib_explanation_free(x);
        x = NULL;
    }
    *out = x;
    free(kept);
    free(pos);
    free(status);
    free(share);
    free(rows);
    scratch_free(&s);
    attrib_acc_free(&acc);
    attrib_table *all[] = {&E, &C, &E2, &C2, &cr, &un};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        attrib_table_free(all[i]);
    return rc;
}

/* ---- run --explain ---- */

static void counts_row(attrib_table *o, uint64_t cid, uint32_t advid, uint64_t identity,
                       int64_t ts, int outcome, const attrib_xcounts *k)
{
    const size_t r = attrib_table_push(o);
    ATTRIB_COL(o, ATTRIB_XC_CONVERSION_ID, uint64_t)[r] = cid;
    ATTRIB_COL(o, ATTRIB_XC_ADVERTISER_ID, uint32_t)[r] = advid;
    ATTRIB_COL(o, ATTRIB_XC_IDENTITY, uint64_t)[r] = identity;
    ATTRIB_COL(o, ATTRIB_XC_CONV_TS, int64_t)[r] = ts;
    ATTRIB_COL(o, ATTRIB_XC_OUTCOME, uint8_t)[r] = (uint8_t)outcome;
    ATTRIB_COL(o, ATTRIB_XC_TOUCHES, uint32_t)[r] = k->touches;
    ATTRIB_COL(o, ATTRIB_XC_CANDIDATES, uint32_t)[r] = k->candidates;
    ATTRIB_COL(o, ATTRIB_XC_PATH_LENGTH, uint32_t)[r] = k->path_length;
    ATTRIB_COL(o, ATTRIB_XC_CREDITED, uint32_t)[r] = k->credited;
    ATTRIB_COL(o, ATTRIB_XC_OUTSIDE_WINDOW, uint32_t)[r] = k->outside_window;
    ATTRIB_COL(o, ATTRIB_XC_KIND_OFF, uint32_t)[r] = k->kind_off;
    ATTRIB_COL(o, ATTRIB_XC_TYPE_EXCLUDED, uint32_t)[r] = k->type_excluded;
    ATTRIB_COL(o, ATTRIB_XC_BEATEN_BY_ENGAGEMENT, uint32_t)[r] = k->beaten_by_engagement;
    ATTRIB_COL(o, ATTRIB_XC_AFTER_CONVERSION, uint32_t)[r] = k->after_conversion;
    ATTRIB_COL(o, ATTRIB_XC_DUPLICATE_TOUCHES, uint32_t)[r] = k->duplicate_touches;
    ATTRIB_COL(o, ATTRIB_XC_DUPLICATE_CONVERSIONS, uint32_t)[r] = k->duplicate_conversions;
}

typedef struct cconv {
    uint64_t cid;
    int64_t ts;
    uint32_t advid, ndup;
    uint16_t type;
} cconv;

int attrib_explain_counts(const attrib_engine_cfg *cfg, attrib_table *events,
                          attrib_table *conversions, size_t ntypes, attrib_table *out)
{
    const attrib_rules *r = cfg->rules;
    assert(out->schema == &attrib_schema_explain_conversion);
    const size_t ne = events->n, ncv = conversions->n;
    if (ne > UINT32_MAX || ncv > UINT32_MAX)
        return attrib_err_set(ATTRIB_EINPUT, "explain: more than 2^32 rows on one rank");
    for (size_t i = 0; i < ne; i++)
        if (ATTRIB_COL(events, ATTRIB_EV_KIND, uint8_t)[i] >= ATTRIB_NKINDS)
            return attrib_err_set(ATTRIB_EINPUT, "events: row %zu: kind out of range", i);
    for (size_t i = 0; i < ncv; i++)
        if (ATTRIB_COL(conversions, ATTRIB_CV_TYPE, uint16_t)[i] >= ntypes)
            return attrib_err_set(ATTRIB_EINPUT, "conversions: row %zu: type beyond the type names",
                                  i);

    uint32_t *perm = attrib_xmalloc((ne > ncv ? ne : ncv ? ncv : 1) * sizeof *perm);
    const uint64_t *key = events->col[ATTRIB_EV_IDENTITY];
    if (ne) {
        attrib_sort_lex(ne, 1, &key, perm);
        attrib_table_permute(events, perm, ne);
    }
    key = conversions->col[ATTRIB_CV_IDENTITY];
    if (ncv) {
        attrib_sort_lex(ncv, 1, &key, perm);
        attrib_table_permute(conversions, perm, ncv);
    }
    free(perm);

    const uint64_t *eid = events->col[ATTRIB_EV_IDENTITY], *cid = conversions->col[ATTRIB_CV_IDENTITY];
    size_t cap = 0, ccap = 0;
    uint32_t *kept = NULL, *ckept = NULL, *dupadv = NULL;
    xrow *rows = NULL;
    cconv *cs = NULL;
    xscratch s = {0};
    size_t i = 0, j = 0;
    while (i < ne || j < ncv) {
        const uint64_t id = (j == ncv || (i < ne && eid[i] <= cid[j])) ? eid[i] : cid[j];
        size_t ie = i, je = j;
        while (ie < ne && eid[ie] == id)
            ie++;
        while (je < ncv && cid[je] == id)
            je++;
        const size_t nt = ie - i, nc = je - j;
        if (nc == 0)
            goto next;
        if (nt > cap) {
            cap = nt;
            kept = attrib_xrealloc(kept, cap * sizeof *kept);
            dupadv = attrib_xrealloc(dupadv, cap * sizeof *dupadv);
            rows = attrib_xrealloc(rows, cap * sizeof *rows);
        }
        if (nc > ccap) {
            ccap = nc;
            ckept = attrib_xrealloc(ckept, ccap * sizeof *ckept);
            cs = attrib_xrealloc(cs, ccap * sizeof *cs);
        }
        /* Touches: kept ones by (advertiser, ts, event_id); dropped ones' advertisers. */
        attrib_engine_dedup_touches(r, events, i, nt, kept);
        size_t nrows = 0, ndup = 0;
        for (size_t a = 0; a < nt; a++) {
            if (kept[a] == UINT32_MAX)
                continue;
            const size_t row = i + kept[a];
            const size_t ci =
                (size_t)attrib_rules_camp_index(r, ATTRIB_COL(events, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[row]);
            if (kept[a] != a) {
                dupadv[ndup++] = camp_adv_id(r, ci);
                continue;
            }
            rows[nrows++] = (xrow){.eid = ATTRIB_COL(events, ATTRIB_EV_EVENT_ID, uint64_t)[row],
                                   .ts = ATTRIB_COL(events, ATTRIB_EV_TS, int64_t)[row],
                                   .camp = (uint32_t)ci, .advid = camp_adv_id(r, ci),
                                   .kind = ATTRIB_COL(events, ATTRIB_EV_KIND, uint8_t)[row]};
        }
        if (nrows) /* rows may be NULL when there are none */
            qsort(rows, nrows, sizeof *rows, xrow_cmp);
        /* Conversions: kept ones with their count of dropped rows. */
        attrib_engine_dedup_conversions(conversions, j, nc, ckept);
        size_t ncs = 0;
        for (size_t a = 0; a < nc; a++) {
            if (ckept[a] != a)
                continue;
            const size_t row = j + a;
            cs[ncs++] = (cconv){.cid = ATTRIB_COL(conversions, ATTRIB_CV_CONVERSION_ID, uint64_t)[row],
                                .ts = ATTRIB_COL(conversions, ATTRIB_CV_TS, int64_t)[row],
                                .advid = ATTRIB_COL(conversions, ATTRIB_CV_ADVERTISER_ID, uint32_t)[row],
                                .type = ATTRIB_COL(conversions, ATTRIB_CV_TYPE, uint16_t)[row],
                                .ndup = 0};
            ckept[a] = (uint32_t)(ncs - 1) | UINT32_C(0x80000000); /* slot of a kept row */
        }
        for (size_t a = 0; a < nc; a++)
            if (!(ckept[a] & UINT32_C(0x80000000)))
                cs[ckept[ckept[a]] & ~UINT32_C(0x80000000)].ndup++;
        for (size_t b = 0; b < ncs; b++) {
            const cconv *c = &cs[b];
            if (c->ts < cfg->from || c->ts >= cfg->to)
                continue;
            size_t lo = 0;
            while (lo < nrows && rows[lo].advid < c->advid)
                lo++;
            size_t hi = lo;
            while (hi < nrows && rows[hi].advid == c->advid)
                hi++;
            attrib_xcounts k = {0};
            k.duplicate_conversions = c->ndup;
            for (size_t d = 0; d < ndup; d++)
                k.duplicate_touches += dupadv[d] == c->advid;
            const int outcome = classify(r, c->ts, c->type, adv_rule_at(r, c->advid, c->ts),
                                         nrows ? rows + lo : rows, hi - lo, &s, NULL, NULL, NULL, &k, NULL,
                                         NULL);
            counts_row(out, c->cid, c->advid, id, c->ts, outcome, &k);
        }
    next:
        i = ie;
        j = je;
    }
    free(kept);
    free(ckept);
    free(dupadv);
    free(rows);
    free(cs);
    scratch_free(&s);
    return 0;
}

/* The figures of a report (include/attrib/report.h): read once from a results file,
 * summed in the order the file gives them, so that every renderer prints the same
 * numbers. The report tables are small and read whole (attrib_results_open); the
 * time-to-convert distribution needs every credit row, so /credits is read in blocks. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/hash.h"
#include "attrib/report.h"
#include "attrib/textout.h"
#include "report_fmt.h"

static const double ttc_edge[ATTRIB_REPORT_NTTC + 1] = {
    0, 3600, 6 * 3600, 86400, 2 * 86400, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400,
    60 * 86400, 90 * 86400, INFINITY};
static const char *const ttc_label[ATTRIB_REPORT_NTTC] = {
    "<1h", "1-6h", "6-24h", "1-2d", "2-3d", "3-7d", "7-14d", "14-30d", "30-60d", "60-90d", ">=90d"};

/* ---- Shared with the renderers (report_fmt.h) ---- */

const char *attrib_report_fmt(char *buf, size_t n, const char *f, double v)
{
    if (!isfinite(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, f, v == 0 ? 0.0 : v);
    return buf;
}

const char *attrib_report_fmtu(char *buf, size_t n, uint64_t v)
{
    snprintf(buf, n, "%" PRIu64, v);
    return buf;
}

void attrib_report_json_kv(FILE *out, const char *key, double v)
{
    fprintf(out, ", \"%s\": ", key);
    attrib_json_num(out, v);
}

void attrib_report_advertiser_values(const attrib_report_advertiser *a, uint64_t v[ATTRIB_RA_NCOLS])
{
    v[ATTRIB_RA_ADVERTISER_ID] = a->advertiser_id;
    v[ATTRIB_RA_CONVERSIONS] = a->conversions;
    v[ATTRIB_RA_ATTRIBUTED] = a->attributed;
    for (int k = 0; k < ATTRIB_NREASONS; k++)
        v[ATTRIB_RA_UNATTR_NO_TOUCH + k] = a->unattributed[k];
    v[ATTRIB_RA_DUP_TOUCHES] = a->dup_touches;
    v[ATTRIB_RA_DUP_TOUCHES_INEXACT] = a->dup_touches_inexact;
    v[ATTRIB_RA_DUP_CONVERSIONS] = a->dup_conversions;
    v[ATTRIB_RA_DUP_CONVERSIONS_INEXACT] = a->dup_conversions_inexact;
}

/* ---- The run ---- */

int attrib_report_identity_key(const char *identity_hash)
{
    if (!identity_hash)
        return ATTRIB_REPORT_KEY_UNKNOWN;
    if (strstr(identity_hash, "public-default"))
        return ATTRIB_REPORT_KEY_PUBLIC;
    /* What import and gen write: "siphash-2-4 key_id=HEX16", the id of the key used. */
    attrib_hash_key key;
    char id[17], want[32];
    if (attrib_hash_key_parse(ATTRIB_HASH_DEFAULT_KEY, &key) != 0) {
        attrib_err_clear();
        return ATTRIB_REPORT_KEY_OWN;
    }
    attrib_hash_key_id(&key, id);
    snprintf(want, sizeof want, "key_id=%s", id);
    const char *at = strstr(identity_hash, want);
    if (!at)
        return ATTRIB_REPORT_KEY_OWN;
    const char c = at[strlen(want)]; /* the whole id, not the prefix of a longer one */
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ? ATTRIB_REPORT_KEY_OWN
                                                            : ATTRIB_REPORT_KEY_PUBLIC;
}

/* ---- Campaigns and advertisers ---- */

static void build_campaigns(attrib_report *rep, const attrib_results *r)
{
    const attrib_table *c = &r->campaign;
    attrib_report_campaign *t = &rep->campaign_total;
    rep->ncampaigns = c->n;
    rep->campaigns = attrib_xcalloc(c->n ? c->n : 1, sizeof *rep->campaigns);
    snprintf(t->label, sizeof t->label, "TOTAL");
    double ttc_num = 0;
    for (size_t i = 0; i < c->n; i++) {
        attrib_report_campaign *x = &rep->campaigns[i];
        x->campaign_id = ATTRIB_COL(c, ATTRIB_RC_CAMPAIGN_ID, uint32_t)[i];
        x->advertiser_id = ATTRIB_COL(c, ATTRIB_RC_ADVERTISER_ID, uint32_t)[i];
        x->impressions = ATTRIB_COL(c, ATTRIB_RC_IMPRESSIONS, uint64_t)[i];
        x->engagements = ATTRIB_COL(c, ATTRIB_RC_ENGAGEMENTS, uint64_t)[i];
        x->nurtures = ATTRIB_COL(c, ATTRIB_RC_NURTURES, uint64_t)[i];
        x->reach = ATTRIB_COL(c, ATTRIB_RC_REACH, uint64_t)[i];
        x->credited_touches = ATTRIB_COL(c, ATTRIB_RC_CREDITED_TOUCHES, uint64_t)[i];
        x->cost = ATTRIB_COL(c, ATTRIB_RC_COST, double)[i];
        x->conversions = ATTRIB_COL(c, ATTRIB_RC_CONVERSIONS, double)[i];
        x->value = ATTRIB_COL(c, ATTRIB_RC_VALUE, double)[i];
        x->mean_ttc_s = ATTRIB_COL(c, ATTRIB_RC_MEAN_TTC_S, double)[i];
        x->roas = ATTRIB_COL(c, ATTRIB_RC_ROAS, double)[i];
        size_t len = 0;
        const char *name = attrib_results_campaign_name(r, x->campaign_id, &len);
        if (name) {
            x->name = attrib_xmalloc(len + 1);
            memcpy(x->name, name, len);
            x->name[len] = 0;
        }
        if (name && len)
            snprintf(x->label, sizeof x->label, "%.*s (%" PRIu32 ")", (int)(len > 60 ? 60 : len),
                     name, x->campaign_id);
        else
            snprintf(x->label, sizeof x->label, "campaign %" PRIu32, x->campaign_id);

        t->impressions += x->impressions;
        t->engagements += x->engagements;
        t->nurtures += x->nurtures;
        t->reach += x->reach;
        t->credited_touches += x->credited_touches;
        t->cost += x->cost;
        t->conversions += x->conversions;
        t->value += x->value;
        if (x->conversions > 0 && isfinite(x->mean_ttc_s))
            ttc_num += x->mean_ttc_s * x->conversions;
        if (x->cost > 0) {
            rep->cost_known_cost += x->cost;
            rep->cost_known_value += x->value;
        }
    }
    t->mean_ttc_s = t->conversions > 0 ? ttc_num / t->conversions : NAN;
    t->roas = rep->cost_known_cost > 0 ? rep->cost_known_value / rep->cost_known_cost : NAN;
}

static void advertiser_add(attrib_report_advertiser *t, const attrib_report_advertiser *x)
{
    t->conversions += x->conversions;
    t->attributed += x->attributed;
    for (int k = 0; k < ATTRIB_NREASONS; k++)
        t->unattributed[k] += x->unattributed[k];
    t->dup_touches += x->dup_touches;
    t->dup_touches_inexact += x->dup_touches_inexact;
    t->dup_conversions += x->dup_conversions;
    t->dup_conversions_inexact += x->dup_conversions_inexact;
}

static void build_advertisers(attrib_report *rep, const attrib_results *r)
{
    const attrib_table *a = &r->advertiser;
    rep->nadvertisers = a->n;
    rep->advertisers = attrib_xcalloc(a->n ? a->n : 1, sizeof *rep->advertisers);
    for (size_t i = 0; i < a->n; i++) {
        attrib_report_advertiser *x = &rep->advertisers[i];
        x->advertiser_id = ATTRIB_COL(a, ATTRIB_RA_ADVERTISER_ID, uint32_t)[i];
        x->conversions = ATTRIB_COL(a, ATTRIB_RA_CONVERSIONS, uint64_t)[i];
        x->attributed = ATTRIB_COL(a, ATTRIB_RA_ATTRIBUTED, uint64_t)[i];
        for (int k = 0; k < ATTRIB_NREASONS; k++)
            x->unattributed[k] = ATTRIB_COL(a, ATTRIB_RA_UNATTR_NO_TOUCH + k, uint64_t)[i];
        x->dup_touches = ATTRIB_COL(a, ATTRIB_RA_DUP_TOUCHES, uint64_t)[i];
        x->dup_touches_inexact = ATTRIB_COL(a, ATTRIB_RA_DUP_TOUCHES_INEXACT, uint64_t)[i];
        x->dup_conversions = ATTRIB_COL(a, ATTRIB_RA_DUP_CONVERSIONS, uint64_t)[i];
        x->dup_conversions_inexact = ATTRIB_COL(a, ATTRIB_RA_DUP_CONVERSIONS_INEXACT, uint64_t)[i];
        advertiser_add(&rep->advertiser_total, x);
    }
    const attrib_report_advertiser *t = &rep->advertiser_total;
    const double all = (double)t->conversions;
    uint64_t u = 0;
    for (int k = 0; k < ATTRIB_NREASONS; k++) {
        rep->unattributed[k].reason = attrib_reason_names[k];
        rep->unattributed[k].conversions = t->unattributed[k];
        rep->unattributed[k].share = t->conversions ? (double)t->unattributed[k] / all : NAN;
        u += t->unattributed[k];
    }
    rep->unattributed_total.reason = "TOTAL";
    rep->unattributed_total.conversions = u;
    rep->unattributed_total.share = t->conversions ? (double)u / all : NAN;
}

/* ---- Days ---- */

static void copy_day(char *dst, const attrib_table *t, size_t i)
{
    size_t len = attrib_table_strlen(t, ATTRIB_RD_DAY, i);
    if (len >= ATTRIB_REPORT_DAY_SIZE)
        len = ATTRIB_REPORT_DAY_SIZE - 1;
    memcpy(dst, attrib_table_str(t, ATTRIB_RD_DAY, i), len);
    dst[len] = 0;
}

static attrib_report_daily *copy_daily(const attrib_table *t, size_t *n)
{
    attrib_report_daily *d = attrib_xcalloc(t->n ? t->n : 1, sizeof *d);
    for (size_t i = 0; i < t->n; i++) {
        d[i].campaign_id = ATTRIB_COL(t, ATTRIB_RD_CAMPAIGN_ID, uint32_t)[i];
        copy_day(d[i].day, t, i);
        d[i].conversions = ATTRIB_COL(t, ATTRIB_RD_CONVERSIONS, double)[i];
        d[i].value = ATTRIB_COL(t, ATTRIB_RD_VALUE, double)[i];
    }
    *n = t->n;
    return d;
}

typedef struct day_row {
    char day[ATTRIB_REPORT_DAY_SIZE];
    double conv[2], value[2]; /* [0] by conversion day, [1] by touch day */
} day_row;

static int day_cmp(const void *a, const void *b)
{
    return strcmp(((const day_row *)a)->day, ((const day_row *)b)->day);
}

/* Sum report/daily (side 0) and report/daily_touch (side 1) over campaigns per day. */
static void build_days(attrib_report *rep, const attrib_results *r)
{
    const attrib_table *t[2] = {&r->daily, &r->daily_touch};
    size_t cap = t[0]->n + t[1]->n, n = 0;
    day_row *d = attrib_xcalloc(cap ? cap : 1, sizeof *d);
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < t[s]->n; i++) {
            copy_day(d[n].day, t[s], i);
            d[n].conv[s] = ATTRIB_COL(t[s], ATTRIB_RD_CONVERSIONS, double)[i];
            d[n].value[s] = ATTRIB_COL(t[s], ATTRIB_RD_VALUE, double)[i];
            n++;
        }
    qsort(d, n, sizeof *d, day_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && strcmp(d[m - 1].day, d[i].day) == 0) {
            for (int s = 0; s < 2; s++) {
                d[m - 1].conv[s] += d[i].conv[s];
                d[m - 1].value[s] += d[i].value[s];
            }
        } else {
            d[m++] = d[i];
        }
    }
    rep->days = attrib_xcalloc(m ? m : 1, sizeof *rep->days);
    rep->ndays = m;
    attrib_report_day *tot = &rep->day_total;
    snprintf(tot->day, sizeof tot->day, "TOTAL");
    for (size_t i = 0; i < m; i++) {
        attrib_report_day *x = &rep->days[i];
        memcpy(x->day, d[i].day, sizeof x->day);
        x->conversions = d[i].conv[0];
        x->value = d[i].value[0];
        x->conversions_by_touch_day = d[i].conv[1];
        x->value_by_touch_day = d[i].value[1];
        tot->conversions += x->conversions;
        tot->value += x->value;
        tot->conversions_by_touch_day += x->conversions_by_touch_day;
        tot->value_by_touch_day += x->value_by_touch_day;
    }
    free(d);
}

/* ---- Time to convert ---- */

static int build_ttc(attrib_report *rep, const attrib_results *r)
{
    for (int k = 0; k < ATTRIB_REPORT_NTTC; k++) {
        rep->ttc[k].label = ttc_label[k];
        rep->ttc[k].lo_s = ttc_edge[k];
        rep->ttc[k].hi_s = ttc_edge[k + 1];
    }
    for (uint64_t start = 0; start < r->ncredits; start += ATTRIB_RESULTS_BLOCK_ROWS) {
        uint64_t cnt = r->ncredits - start;
        if (cnt > ATTRIB_RESULTS_BLOCK_ROWS)
            cnt = ATTRIB_RESULTS_BLOCK_ROWS;
        attrib_table t;
        ATTRIB_TRY(attrib_results_read(r, &attrib_schema_credits, start, cnt, &t));
        const int64_t *cts = ATTRIB_COL(&t, ATTRIB_CR_CONV_TS, int64_t);
        const int64_t *tts = ATTRIB_COL(&t, ATTRIB_CR_TOUCH_TS, int64_t);
        const double *cr = ATTRIB_COL(&t, ATTRIB_CR_CREDIT, double);
        const double *cv = ATTRIB_COL(&t, ATTRIB_CR_CREDITED_VALUE, double);
        for (size_t i = 0; i < t.n; i++) {
            double dt = ((double)cts[i] - (double)tts[i]) / 1000.0;
            int b = 0;
            while (b + 1 < ATTRIB_REPORT_NTTC && dt >= ttc_edge[b + 1])
                b++;
            rep->ttc[b].credit += cr[i];
            rep->ttc[b].credited_value += cv[i];
            rep->ttc[b].credited_touches++;
        }
        attrib_table_free(&t);
    }
    attrib_report_ttc *tot = &rep->ttc_total;
    tot->label = "TOTAL";
    tot->lo_s = 0;
    tot->hi_s = INFINITY;
    for (int k = 0; k < ATTRIB_REPORT_NTTC; k++) {
        tot->credit += rep->ttc[k].credit;
        tot->credited_value += rep->ttc[k].credited_value;
        tot->credited_touches += rep->ttc[k].credited_touches;
    }
    for (int k = 0; k < ATTRIB_REPORT_NTTC; k++)
        rep->ttc[k].share = tot->credit > 0 ? rep->ttc[k].credit / tot->credit : NAN;
    tot->share = tot->credit > 0 ? 1.0 : NAN;
    return 0;
}

/* ---- Charts ---- */

enum { BY_CONVERSIONS, BY_VALUE, BY_COST };

static double chart_value(const attrib_report_campaign *c, int by)
{
    double v = by == BY_CONVERSIONS ? c->conversions : by == BY_VALUE ? c->value : c->cost;
    return isfinite(v) ? v : -INFINITY;
}

static const attrib_report_campaign *sort_rows;
static int sort_by;
static int cmp_desc(const void *a, const void *b)
{
    const attrib_report_campaign *x = &sort_rows[*(const size_t *)a];
    const attrib_report_campaign *y = &sort_rows[*(const size_t *)b];
    double u = chart_value(x, sort_by), v = chart_value(y, sort_by);
    if (u != v)
        return u < v ? 1 : -1;
    return (x->campaign_id > y->campaign_id) - (x->campaign_id < y->campaign_id);
}

/* Campaigns by the figure `by`, largest first (ties by campaign_id); for BY_COST only
 * those with a cost > 0. At most `top` shown (0 = all). */
static void build_series(const attrib_report *rep, int by, size_t top, attrib_report_series *s)
{
    s->row = attrib_xmalloc((rep->ncampaigns ? rep->ncampaigns : 1) * sizeof *s->row);
    size_t n = 0;
    for (size_t i = 0; i < rep->ncampaigns; i++)
        if (by != BY_COST || rep->campaigns[i].cost > 0)
            s->row[n++] = i;
    sort_rows = rep->campaigns;
    sort_by = by;
    qsort(s->row, n, sizeof *s->row, cmp_desc);
    s->eligible = n;
    s->n = top && n > top ? top : n;
}

/* ---- Build ---- */

int attrib_report_build(const attrib_results *r, const attrib_report_options *opt,
                        attrib_report **out)
{
    *out = NULL;
    attrib_report *rep = attrib_xcalloc(1, sizeof *rep);
    rep->path = attrib_xstrdup(r->path);
    for (int i = 0; i < ATTRIB_RES_NATTRS; i++)
        rep->attr[i] = r->attr[i] ? attrib_xstrdup(r->attr[i]) : NULL;
    rep->ranks = r->ranks;
    const char *from = r->attr[ATTRIB_RES_PERIOD_FROM], *to = r->attr[ATTRIB_RES_PERIOD_TO];
    rep->period_all = from && to && !*from && !*to;
    rep->identity_key = attrib_report_identity_key(r->attr[ATTRIB_RES_IDENTITY_HASH]);
    rep->credit_rows = r->ncredits;
    rep->top = opt ? opt->top : 0;

    build_campaigns(rep, r);
    build_advertisers(rep, r);
    rep->daily = copy_daily(&r->daily, &rep->ndaily);
    rep->daily_touch = copy_daily(&r->daily_touch, &rep->ndaily_touch);
    build_days(rep, r);
    int rc = build_ttc(rep, r);
    if (rc < 0) {
        attrib_report_free(rep);
        return rc;
    }
    build_series(rep, BY_CONVERSIONS, rep->top, &rep->by_conversions);
    build_series(rep, BY_VALUE, rep->top, &rep->by_value);
    build_series(rep, BY_COST, rep->top, &rep->by_cost);
    *out = rep;
    return 0;
}

void attrib_report_free(attrib_report *rep)
{
    if (!rep)
        return;
    free(rep->path);
    for (int i = 0; i < ATTRIB_RES_NATTRS; i++)
        free(rep->attr[i]);
    for (size_t i = 0; i < rep->ncampaigns; i++)
        free(rep->campaigns[i].name);
    free(rep->campaigns);
    free(rep->advertisers);
    free(rep->daily);
    free(rep->daily_touch);
    free(rep->days);
    free(rep->by_conversions.row);
    free(rep->by_value.row);
    free(rep->by_cost.row);
    free(rep);
}

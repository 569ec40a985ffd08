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
#include "attrib/h5io.h"
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


/* ---- Data-driven tables (present or not) ---- */

/* The label of campaign `id` as report/campaign gives it (rep->campaigns is sorted by
 * campaign_id), or "campaign ID". */
static void campaign_label(const attrib_report *rep, uint32_t id, char *buf, size_t n,
                           const char **name)
{
    *name = NULL;
    size_t lo = 0, hi = rep->ncampaigns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rep->campaigns[mid].campaign_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < rep->ncampaigns && rep->campaigns[lo].campaign_id == id)
    {
        snprintf(buf, n, "%s", rep->campaigns[lo].label);
        *name = rep->campaigns[lo].name;
    } else
        snprintf(buf, n, "campaign %" PRIu32, id);
}

/* Read report table `s` whole when the file has it: *has 1; else *has 0 and `t` empty. */
static int read_optional(const attrib_results *r, const attrib_schema *s, attrib_table *t,
                         int *has)
{
    *has = 0;
    int e = attrib_h5_exists(r->f, s->name);
    if (e <= 0)
        return e;
    uint64_t n = 0;
    ATTRIB_TRY(attrib_h5_table_rows(r->f, s, &n));
    attrib_table_free(t);
    int rc = attrib_results_read(r, s, 0, n, t);
    if (rc < 0) {
        attrib_table_free(t);
        attrib_table_init(t, s, 1);
        return rc;
    }
    *has = 1;
    return 0;
}

static char *table_strdup(const attrib_table *t, size_t c, size_t i)
{
    size_t len = attrib_table_strlen(t, c, i);
    char *s = attrib_xmalloc(len + 1);
    memcpy(s, attrib_table_str(t, c, i), len);
    s[len] = 0;
    return s;
}

static const attrib_report_path *top_rows;
static int cmp_top(const void *a, const void *b)
{
    const attrib_report_path *x = &top_rows[*(const size_t *)a], *y = &top_rows[*(const size_t *)b];
    if (x->conversions != y->conversions)
        return x->conversions < y->conversions ? 1 : -1;
    if (x->nulls != y->nulls)
        return x->nulls < y->nulls ? 1 : -1;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int cmp_u32(uint32_t a, uint32_t b) { return (a > b) - (a < b); }

static const attrib_report_path *adv_rows;
static int cmp_adv(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = cmp_u32(adv_rows[i].advertiser_id, adv_rows[j].advertiser_id);
    return c ? c : (i > j) - (i < j);
}

/* report/paths: the rows, then per advertiser its counts and top paths. */
static void build_paths(attrib_report *rep)
{
    const attrib_table *t = &rep->paths_table;
    rep->npaths = t->n;
    rep->paths = attrib_xcalloc(t->n ? t->n : 1, sizeof *rep->paths);
    for (size_t i = 0; i < t->n; i++) {
        attrib_report_path *p = &rep->paths[i];
        p->advertiser_id = ATTRIB_COL(t, ATTRIB_RP_ADVERTISER_ID, uint32_t)[i];
        p->path = table_strdup(t, ATTRIB_RP_PATH, i);
        p->conversions = ATTRIB_COL(t, ATTRIB_RP_CONVERSIONS, uint64_t)[i];
        p->value = ATTRIB_COL(t, ATTRIB_RP_VALUE, double)[i];
        p->nulls = ATTRIB_COL(t, ATTRIB_RP_NULLS, uint64_t)[i];
        const double all = (double)p->conversions + (double)p->nulls;
        p->conversion_rate = all > 0 ? (double)p->conversions / all : NAN;
    }
    /* The rows by advertiser (the file is sorted so; a foreign writer's order is kept
     * within an advertiser). */
    size_t n = t->n;
    size_t *ord = attrib_xmalloc((n ? n : 1) * sizeof *ord);
    for (size_t i = 0; i < n; i++)
        ord[i] = i;
    adv_rows = rep->paths;
    qsort(ord, n, sizeof *ord, cmp_adv);
    rep->path_groups = attrib_xcalloc(n ? n : 1, sizeof *rep->path_groups);
    size_t g = 0;
    for (size_t lo = 0; lo < n;) {
        size_t hi = lo;
        const uint32_t adv = rep->paths[ord[lo]].advertiser_id;
        attrib_report_path_group *x = &rep->path_groups[g++];
        x->advertiser_id = adv;
        while (hi < n && rep->paths[ord[hi]].advertiser_id == adv) {
            const attrib_report_path *p = &rep->paths[ord[hi]];
            x->paths++;
            x->converting += p->conversions;
            x->non_converting += p->nulls;
            x->value += p->value;
            hi++;
        }
        top_rows = rep->paths;
        qsort(ord + lo, hi - lo, sizeof *ord, cmp_top);
        x->ntop = hi - lo < ATTRIB_REPORT_TOP_PATHS ? hi - lo : ATTRIB_REPORT_TOP_PATHS;
        memcpy(x->top, ord + lo, x->ntop * sizeof *ord);
        lo = hi;
    }
    rep->npath_groups = g;
    free(ord);
}

typedef struct dd_item {
    attrib_report_dd d;
    int side;   /* 0 report/markov, 1 report/shapley */
    size_t seq; /* row in its table */
} dd_item;

static int cmp_dd(const void *a, const void *b)
{
    const dd_item *x = a, *y = b;
    int c = cmp_u32(x->d.advertiser_id, y->d.advertiser_id);
    if (!c)
        c = cmp_u32(x->d.campaign_id, y->d.campaign_id);
    if (!c)
        c = (x->side > y->side) - (x->side < y->side);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* report/markov next to report/shapley: the union of their (advertiser, campaign). A key
 * repeated within one table (not what run writes) keeps its first row. */
static void build_dd(attrib_report *rep)
{
    const attrib_table *m = &rep->markov_table, *s = &rep->shapley_table;
    size_t cap = m->n + s->n, n = 0;
    dd_item *it = attrib_xcalloc(cap ? cap : 1, sizeof *it);
    for (size_t i = 0; i < m->n; i++, n++) {
        attrib_report_dd *d = &it[n].d;
        it[n].side = 0;
        it[n].seq = i;
        d->advertiser_id = ATTRIB_COL(m, ATTRIB_RM_ADVERTISER_ID, uint32_t)[i];
        d->campaign_id = ATTRIB_COL(m, ATTRIB_RM_CAMPAIGN_ID, uint32_t)[i];
        d->removal_effect = ATTRIB_COL(m, ATTRIB_RM_REMOVAL_EFFECT, double)[i];
        d->markov_conversions = ATTRIB_COL(m, ATTRIB_RM_CONVERSIONS, double)[i];
        d->markov_value = ATTRIB_COL(m, ATTRIB_RM_VALUE, double)[i];
        d->shapley_conversions = d->shapley_value = NAN;
    }
    for (size_t i = 0; i < s->n; i++, n++) {
        attrib_report_dd *d = &it[n].d;
        it[n].side = 1;
        it[n].seq = i;
        d->advertiser_id = ATTRIB_COL(s, ATTRIB_RS_ADVERTISER_ID, uint32_t)[i];
        d->campaign_id = ATTRIB_COL(s, ATTRIB_RS_CAMPAIGN_ID, uint32_t)[i];
        d->removal_effect = d->markov_conversions = d->markov_value = NAN;
        d->shapley_conversions = ATTRIB_COL(s, ATTRIB_RS_CONVERSIONS, double)[i];
        d->shapley_value = ATTRIB_COL(s, ATTRIB_RS_VALUE, double)[i];
    }
    qsort(it, n, sizeof *it, cmp_dd);
    rep->dd = attrib_xcalloc(n ? n : 1, sizeof *rep->dd);
    size_t k = 0;
    int have[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        const attrib_report_dd *d = &it[i].d;
        attrib_report_dd *x = k ? &rep->dd[k - 1] : NULL;
        if (!x || x->advertiser_id != d->advertiser_id || x->campaign_id != d->campaign_id) {
            rep->dd[k] = *d;
            const char *name;
            campaign_label(rep, d->campaign_id, rep->dd[k].label, sizeof rep->dd[k].label, &name);
            k++;
            have[0] = it[i].side == 0;
            have[1] = it[i].side == 1;
        } else if (!have[it[i].side]) {
            have[it[i].side] = 1;
            x->shapley_conversions = d->shapley_conversions;
            x->shapley_value = d->shapley_value;
        }
    }
    free(it);
    rep->ndd = k;
}

typedef struct model_key {
    uint32_t campaign_id, advertiser_id;
} model_key;

static int cmp_model_key(const void *a, const void *b)
{
    const model_key *x = a, *y = b;
    int c = cmp_u32(x->campaign_id, y->campaign_id);
    return c ? c : cmp_u32(x->advertiser_id, y->advertiser_id);
}

static void model_row_alloc(attrib_report_model_row *r, size_t n)
{
    r->conversions = attrib_xmalloc((n ? n : 1) * sizeof *r->conversions);
    r->value = attrib_xmalloc((n ? n : 1) * sizeof *r->value);
    r->credited_touches = attrib_xcalloc(n ? n : 1, sizeof *r->credited_touches);
    for (size_t m = 0; m < n; m++)
        r->conversions[m] = r->value[m] = NAN;
}

static void model_row_free(attrib_report_model_row *r)
{
    free(r->conversions);
    free(r->value);
    free(r->credited_touches);
}

static const attrib_report_models *chart_models;
static double model_sum(const attrib_report_model_row *r, size_t n)
{
    double s = 0;
    for (size_t m = 0; m < n; m++)
        if (isfinite(r->conversions[m]))
            s += r->conversions[m];
    return s;
}
static int cmp_model_chart(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double u = model_sum(&chart_models->rows[i], chart_models->n);
    double v = model_sum(&chart_models->rows[j], chart_models->n);
    if (u != v)
        return u < v ? 1 : -1;
    return (i > j) - (i < j);
}

/* report/models side by side: one row per campaign, one column per model. */
static void build_models(attrib_report *rep)
{
    const attrib_table *t = &rep->models_table;
    attrib_report_models *M = &rep->models;
    const uint32_t *camp = ATTRIB_COL(t, ATTRIB_RMO_CAMPAIGN_ID, uint32_t);
    const uint32_t *adv = ATTRIB_COL(t, ATTRIB_RMO_ADVERTISER_ID, uint32_t);
    /* The models, in order of first appearance. */
    M->name = attrib_xcalloc(t->n ? t->n : 1, sizeof *M->name);
    size_t *model_of = attrib_xmalloc((t->n ? t->n : 1) * sizeof *model_of);
    for (size_t i = 0; i < t->n; i++) {
        const char *s = attrib_table_str(t, ATTRIB_RMO_MODEL, i);
        size_t len = attrib_table_strlen(t, ATTRIB_RMO_MODEL, i), m = 0;
        while (m < M->n && !(strlen(M->name[m]) == len && memcmp(M->name[m], s, len) == 0))
            m++;
        if (m == M->n)
            M->name[M->n++] = table_strdup(t, ATTRIB_RMO_MODEL, i);
        model_of[i] = m;
    }
    /* The campaigns, sorted and distinct. */
    model_key *keys = attrib_xmalloc((t->n ? t->n : 1) * sizeof *keys);
    for (size_t i = 0; i < t->n; i++)
        keys[i] = (model_key){camp[i], adv[i]};
    qsort(keys, t->n, sizeof *keys, cmp_model_key);
    size_t nk = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!nk || cmp_model_key(&keys[nk - 1], &keys[i]) != 0)
            keys[nk++] = keys[i];
    M->nrows = nk;
    M->rows = attrib_xcalloc(nk ? nk : 1, sizeof *M->rows);
    for (size_t k = 0; k < nk; k++) {
        attrib_report_model_row *r = &M->rows[k];
        r->campaign_id = keys[k].campaign_id;
        r->advertiser_id = keys[k].advertiser_id;
        campaign_label(rep, r->campaign_id, r->label, sizeof r->label, &r->name);
        model_row_alloc(r, M->n);
    }
    /* The cells; a (campaign, model) given twice adds up. */
    for (size_t i = 0; i < t->n; i++) {
        model_key want = {camp[i], adv[i]};
        const model_key *at = bsearch(&want, keys, nk, sizeof *keys, cmp_model_key);
        attrib_report_model_row *r = &M->rows[at - keys];
        const size_t m = model_of[i];
        const double c = ATTRIB_COL(t, ATTRIB_RMO_CONVERSIONS, double)[i];
        const double v = ATTRIB_COL(t, ATTRIB_RMO_VALUE, double)[i];
        r->conversions[m] = isnan(r->conversions[m]) ? c : r->conversions[m] + c;
        r->value[m] = isnan(r->value[m]) ? v : r->value[m] + v;
        r->credited_touches[m] += ATTRIB_COL(t, ATTRIB_RMO_CREDITED_TOUCHES, uint64_t)[i];
    }
    attrib_report_model_row *tot = &M->total;
    snprintf(tot->label, sizeof tot->label, "TOTAL");
    model_row_alloc(tot, M->n);
    for (size_t m = 0; m < M->n; m++) {
        tot->conversions[m] = tot->value[m] = 0;
        for (size_t k = 0; k < nk; k++) {
            const attrib_report_model_row *r = &M->rows[k];
            if (isfinite(r->conversions[m]))
                tot->conversions[m] += r->conversions[m];
            if (isfinite(r->value[m]))
                tot->value[m] += r->value[m];
            tot->credited_touches[m] += r->credited_touches[m];
        }
    }
    attrib_report_series *s = &M->chart;
    s->row = attrib_xmalloc((nk ? nk : 1) * sizeof *s->row);
    for (size_t k = 0; k < nk; k++)
        s->row[k] = k;
    chart_models = M;
    qsort(s->row, nk, sizeof *s->row, cmp_model_chart);
    s->eligible = nk;
    s->n = rep->top && nk > rep->top ? rep->top : nk;
    free(keys);
    free(model_of);
}

/* Every data-driven table the file has. */
static int build_datadriven(attrib_report *rep, const attrib_results *r)
{
    attrib_table_init(&rep->paths_table, &attrib_schema_report_paths, 1);
    attrib_table_init(&rep->markov_table, &attrib_schema_report_markov, 1);
    attrib_table_init(&rep->shapley_table, &attrib_schema_report_shapley, 1);
    attrib_table_init(&rep->models_table, &attrib_schema_report_models, 1);
    ATTRIB_TRY(read_optional(r, &attrib_schema_report_paths, &rep->paths_table, &rep->has_paths));
    ATTRIB_TRY(read_optional(r, &attrib_schema_report_markov, &rep->markov_table, &rep->has_markov));
    ATTRIB_TRY(read_optional(r, &attrib_schema_report_shapley, &rep->shapley_table,
                             &rep->has_shapley));
    ATTRIB_TRY(read_optional(r, &attrib_schema_report_models, &rep->models_table, &rep->has_models));
    build_paths(rep);
    build_dd(rep);
    build_models(rep);
    return 0;
}

/* report/identity and the stitching attributes, when the file has them. */
static int build_identity(attrib_report *rep, const attrib_results *r)
{
    attrib_table t;
    attrib_table_init(&t, &attrib_schema_report_identity, 1);
    int rc = read_optional(r, &attrib_schema_report_identity, &t, &rep->has_identity);
    if (rc == 0 && rep->has_identity && t.n == 1)
        for (size_t c = 0; c < ATTRIB_RI_NCOLS; c++)
            rep->identity[c] = ATTRIB_COL(&t, c, uint64_t)[0];
    attrib_table_free(&t);
    ATTRIB_TRY(rc);
    int64_t v = 0;
    rep->max_component = -1;
    if (attrib_h5_get_attr_i64(r->f, ATTRIB_RES_ATTR_STITCHED, &v) == 0)
        rep->stitched = v != 0;
    if (attrib_h5_get_attr_i64(r->f, ATTRIB_RES_ATTR_MAX_COMPONENT, &v) == 0)
        rep->max_component = v;
    attrib_err_clear(); /* absent in older files */
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
    rc = build_datadriven(rep, r);
    if (rc == 0)
        rc = build_identity(rep, r);
    if (rc < 0) {
        attrib_report_free(rep);
        return rc;
    }
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
    attrib_table_free(&rep->paths_table);
    attrib_table_free(&rep->markov_table);
    attrib_table_free(&rep->shapley_table);
    attrib_table_free(&rep->models_table);
    for (size_t i = 0; i < rep->npaths; i++)
        free(rep->paths[i].path);
    free(rep->paths);
    free(rep->path_groups);
    free(rep->dd);
    attrib_report_models *M = &rep->models;
    for (size_t m = 0; m < M->n; m++)
        free(M->name[m]);
    free(M->name);
    for (size_t k = 0; k < M->nrows; k++)
        model_row_free(&M->rows[k]);
    free(M->rows);
    model_row_free(&M->total);
    free(M->chart.row);
    free(rep);
}

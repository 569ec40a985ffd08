/* The attribution engine of one rank: dedup, match, models, accumulation (docs/models.md).
 *
 * Shape: one radix sort of each table by identity, then every identity is handled
 * alone. Its rows are gathered into small local arrays (cache-resident for all but
 * extreme identities), deduplicated, re-sorted by (advertiser, ts, id) and matched with
 * a two-pointer window per (identity, advertiser): `hi` = touches at or before the
 * conversion, `lo` = first touch within the longest lookback of any rule. Both only
 * move forward as conversions advance in time, so the work per conversion is the
 * window, never the identity's history.
 *
 * Order independence: every local sort is by a total order over the row's values
 * (ties are exact copies, which are interchangeable), and every sum is fixed point.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/engine.h"
#include "attrib/err.h"
#include "attrib/journeys.h"
#include "attrib/msort.h"
#include "attrib/partition.h"

/* ---- small stable sorts over local arrays: attrib/msort.h ---- */

/* A touch of the identity being processed. */
typedef struct ltouch {
    uint64_t eid;
    int64_t ts;
    uint64_t costkey; /* cost as an order-preserving integer (total order on bits) */
    double cost;
    uint32_t camp;  /* catalog index (its order is campaign_id order) */
    uint32_t advid; /* advertiser id of the campaign */
    uint32_t pid;   /* (campaign, kind) pair id within the (identity, advertiser) group */
    uint8_t kind;
} ltouch;

/* What a touch of the identity being processed earned (run --labels), indexed like the
 * touches once they are in match order. */
typedef struct llabel {
    uint32_t cand, elig, cred; /* candidate_of, eligible_of, credited_of */
    int64_t next_ms;           /* c.ts - t.ts of its earliest candidate conversion, -1 */
    double credit, cvalue;     /* sums, in the order the conversions are matched */
} llabel;

/* A conversion of the identity being processed. */
typedef struct lconv {
    uint64_t cid;
    int64_t ts;
    uint64_t valkey;
    double value;
    uint32_t advid;
    uint16_t type;
} lconv;

#define T_DEDUP_LESS(a, b)                                                                     \
    ((a)->eid != (b)->eid       ? (a)->eid < (b)->eid                                          \
     : (a)->ts != (b)->ts       ? (a)->ts < (b)->ts                                            \
     : (a)->camp != (b)->camp   ? (a)->camp < (b)->camp                                        \
     : (a)->kind != (b)->kind   ? (a)->kind < (b)->kind                                        \
                                : (a)->costkey < (b)->costkey)
#define T_MATCH_LESS(a, b)                                                                     \
    ((a)->advid != (b)->advid ? (a)->advid < (b)->advid                                        \
     : (a)->ts != (b)->ts     ? (a)->ts < (b)->ts                                              \
                              : (a)->eid < (b)->eid)
#define C_DEDUP_LESS(a, b)                                                                     \
    ((a)->advid != (b)->advid ? (a)->advid < (b)->advid                                        \
     : (a)->cid != (b)->cid   ? (a)->cid < (b)->cid                                            \
     : (a)->ts != (b)->ts     ? (a)->ts < (b)->ts                                              \
     : (a)->type != (b)->type ? (a)->type < (b)->type                                          \
                              : (a)->valkey < (b)->valkey)
#define C_MATCH_LESS(a, b)                                                                     \
    ((a)->advid != (b)->advid ? (a)->advid < (b)->advid                                        \
     : (a)->ts != (b)->ts     ? (a)->ts < (b)->ts                                              \
                              : (a)->cid < (b)->cid)

DEFINE_MSORT(sort_t_dedup, ltouch, T_DEDUP_LESS)
DEFINE_MSORT(sort_t_match, ltouch, T_MATCH_LESS)
DEFINE_MSORT(sort_c_dedup, lconv, C_DEDUP_LESS)
DEFINE_MSORT(sort_c_match, lconv, C_MATCH_LESS)

#define FX_CREDIT(x) attrib_fx_from_double_fast((x), 0x1p64, ATTRIB_FX_CREDIT_SHIFT)
#define FX_MONEY(x) attrib_fx_from_double_fast((x), 0x1p52, ATTRIB_FX_MONEY_SHIFT)

/* Doubles as integers in IEEE total order, so that "smallest cost/value" is defined for
 * every bit pattern and two rows are exact copies iff their keys are equal. */
static uint64_t double_key(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return (b >> 63) ? ~b : b | (UINT64_C(1) << 63);
}

static int64_t day_of(int64_t ms)
{
    int64_t d = ms / INT64_C(86400000);
    return (ms % INT64_C(86400000) < 0) ? d - 1 : d;
}

static uint64_t day_key(size_t camp, int64_t ms)
{
    return ((uint64_t)camp << 32) | (uint32_t)((uint64_t)day_of(ms) + (UINT64_C(1) << 31));
}

/* ---- models (docs/models.md): shares of n >= 1 candidates in (ts, event_id) order ---- */

/* What the data-driven models need beyond the ages: each candidate's campaign (catalog
 * index), how many candidates share that campaign, the number of distinct campaigns, and
 * the removal effect per campaign index (markov; NULL for the others). */
typedef struct model_ctx {
    const uint32_t *camp, *mult;
    size_t ndistinct;
    const double *re;
} model_ctx;

typedef void (*model_fn)(size_t n, const uint64_t *age, const attrib_adv_rule *r,
                         const model_ctx *x, double *share);

static void model_last(size_t n, const uint64_t *age, const attrib_adv_rule *r,
                       const model_ctx *x, double *share)
{
    for (size_t i = 0; i < n; i++)
        share[i] = 0;
    share[n - 1] = 1;
}

static void model_first(size_t n, const uint64_t *age, const attrib_adv_rule *r,
                       const model_ctx *x, double *share)
{
    for (size_t i = 0; i < n; i++)
        share[i] = 0;
    share[0] = 1;
}

static void model_linear(size_t n, const uint64_t *age, const attrib_adv_rule *r,
                       const model_ctx *x, double *share)
{
    const double s = 1.0 / (double)n;
    for (size_t i = 0; i < n; i++)
        share[i] = s;
}

static void model_time_decay(size_t n, const uint64_t *age, const attrib_adv_rule *r,
                             const model_ctx *x, double *share)
{
    uint64_t min_age = age[0];
    for (size_t i = 1; i < n; i++)
        if (age[i] < min_age)
            min_age = age[i];
    const double hl = (double)r->half_life_ms;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        share[i] = exp2(-(double)(age[i] - min_age) / hl);
        sum += share[i];
    }
    /* The youngest candidate weighs exactly 1, so sum >= 1. */
    for (size_t i = 0; i < n; i++)
        share[i] /= sum;
}

static void model_position(size_t n, const uint64_t *age, const attrib_adv_rule *r,
                           const model_ctx *x, double *share)
{
    const double f = r->first, l = r->last;
    if (n == 1) {
        share[0] = 1;
    } else if (n == 2) {
        if (f + l == 0) {
            share[0] = share[1] = 0.5;
        } else {
            share[0] = f / (f + l);
            share[1] = l / (f + l);
        }
    } else {
        /* first + last = 1 must leave the middle exactly 0 (no rows), even where
         * 1 - f - l would round to a tiny non-zero. */
        const double rest = f + l >= 1.0 ? 0.0 : 1.0 - (f + l);
        const double mid = rest / (double)(n - 2);
        share[0] = f;
        for (size_t i = 1; i + 1 < n; i++)
            share[i] = mid;
        share[n - 1] = l;
    }
}

/* shapley (docs/datadriven.md): 1/|S| per distinct campaign, split equally among its
 * candidates. */
static void model_shapley(size_t n, const uint64_t *age, const attrib_adv_rule *r,
                          const model_ctx *x, double *share)
{
    for (size_t i = 0; i < n; i++)
        share[i] = 1.0 / ((double)x->ndistinct * (double)x->mult[i]);
}

/* markov: weight RE(campaign) / multiplicity, normalised; all weights 0: linear. */
static void model_markov(size_t n, const uint64_t *age, const attrib_adv_rule *r,
                         const model_ctx *x, double *share)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        share[i] = x->re[x->camp[i]] / (double)x->mult[i];
        sum += share[i];
    }
    if (!(sum > 0)) {
        model_linear(n, age, r, x, share);
        return;
    }
    for (size_t i = 0; i < n; i++)
        share[i] /= sum;
}

static const model_fn model_table[ATTRIB_NMODELS] = {
    [ATTRIB_MODEL_LAST_TOUCH] = model_last,
    [ATTRIB_MODEL_FIRST_TOUCH] = model_first,
    [ATTRIB_MODEL_LINEAR] = model_linear,
    [ATTRIB_MODEL_TIME_DECAY] = model_time_decay,
    [ATTRIB_MODEL_POSITION_BASED] = model_position,
    [ATTRIB_MODEL_U_SHAPED] = model_position,
    [ATTRIB_MODEL_J_CURVE] = model_position,
    [ATTRIB_MODEL_INVERSE_J] = model_position,
    [ATTRIB_MODEL_SHAPLEY] = model_shapley,
    [ATTRIB_MODEL_MARKOV] = model_markov,
};

/* A conversion whose markov credit waits for the removal effects of the whole period
 * (attrib_engine_finish_markov), and its candidates after engagement priority. */
#define PEND_CREDIT (UINT32_C(1) << 31) /* its credit rows are markov's; bits 0..30: the
                                           --compare slots evaluated with markov */
typedef struct pconv {
    uint64_t cid, identity;
    int64_t ts;
    double value;
    uint32_t advid, n, mask;
    uint64_t first; /* its first pending touch */
} pconv;
typedef struct ptouch {
    uint64_t eid;
    int64_t ts;
    uint32_t camp, ver;
    uint32_t label; /* its /labels row, UINT32_MAX for none */
    uint8_t kind;
} ptouch;

/* ---- engine state ---- */

typedef struct attrib_engine engine;
struct attrib_engine {
    const attrib_rules *rules;
    int64_t from, to;
    uint64_t maxlb;
    size_t ncamp, nadv;
    attrib_acc *acc;
    attrib_table *credits, *unattr;
    attrib_table *labels; /* NULL unless labels are asked for */
    llabel *lab;
    uint32_t *lrow;       /* per touch of the identity: its label row, UINT32_MAX */
    size_t labcap, lrowcap;
    attrib_pathmap *paths; /* NULL unless journeys are counted */
    uint32_t *pathbuf;
    size_t pathcap;
    const double *re;      /* removal effects given up front (explain), or NULL */
    const int *cmp;        /* --compare models (ATTRIB_MODEL_OWN: the rules'), ncmp */
    size_t ncmp;
    double *cshare;        /* candcap: shares under a compared model */
    /* data-driven model inputs of the current candidates (candcap) */
    uint32_t *mcamp, *mult;
    uint32_t *camp_cnt;    /* per campaign index, valid where camp_cstamp = cnt_serial */
    uint64_t *camp_cstamp, cnt_serial;
    /* markov conversions waiting for the fit */
    pconv *pc;
    size_t npc, pccap;
    ptouch *pt;
    size_t npt, ptcap, pt_ident0;

    /* per campaign index */
    uint32_t *camp_id, *camp_advid;
    uint32_t *camp_advidx;
    uint64_t *reach_stamp; /* identity serial that last counted reach */
    /* per (campaign, kind): pair id within the current (identity, advertiser) group */
    uint64_t *pair_stamp;
    uint32_t *pair_id;
    /* per pair of the current group */
    size_t pair_cap;
    uint32_t *pair_key;   /* camp * 3 + kind */
    int64_t *pair_eff;    /* effective lookback at the current conversion, -1 = excluded */
    uint32_t *pair_ver;   /* rule_version at the current conversion */
    uint64_t *pair_cstamp;/* conversion serial pair_eff/ver were computed for */

    /* per catalog advertiser index: counters ATTRIB_ACC_A_N, and whether seen */
    uint64_t *adv_cnt;
    uint8_t *adv_seen;

    /* scratch */
    ltouch *t, *ttmp;
    size_t tcap;
    lconv *c, *ctmp;
    size_t ccap;
    uint32_t *cand;
    uint64_t *age;
    int64_t *seg_ts;   /* ts of the group's touches entered so far, contiguous for the scan */
    uint32_t *seg_pid; /* their pair ids */
    uint8_t *seg_kind; /* their kinds */
    double *share;
    size_t candcap;

    /* touch sort and duplicate detection scratch */
    uint32_t *ridx, *ridx2;
    size_t ridx_cap;
    uint64_t *hkey, *hstamp, hgen;
    uint32_t *hval;  /* per slot: the row kept of its event id (dedup_touches) */
    size_t hcap;
    uint32_t *hrow;  /* per touch: its slot (dedup_touches) */
    size_t hrowcap;
    /* partition scratch: the other half of the identity radix sort */
    attrib_ev_rec *evtmp, *evbuf; /* evbuf: grouped rows fed as pieces (both evtmp_cap) */
    size_t evtmp_cap;
    attrib_cv_rec *cvtmp, *cvbuf;
    size_t cvtmp_cap;

    uint64_t ident_serial, group_serial, conv_serial;
    uint32_t last_camp_id;
    int64_t last_camp_idx;
};

static void adv_count(engine *e, uint32_t advid, int field, uint64_t k)
{
    int64_t ai = attrib_rules_adv_index(e->rules, advid);
    if (ai >= 0) {
        e->adv_cnt[(size_t)ai * ATTRIB_ACC_A_N + field] += k;
        e->adv_seen[ai] = 1;
    } else {
        attrib_fx v[ATTRIB_ACC_A_N] = {0};
        v[field] = (attrib_fx)k;
        attrib_sparse_add(&e->acc->advertiser, advid, v);
    }
}

static void adv_count_idx(engine *e, size_t ai, int field, uint64_t k)
{
    e->adv_cnt[ai * ATTRIB_ACC_A_N + field] += k;
    e->adv_seen[ai] = 1;
}

static int64_t camp_index(engine *e, uint32_t id)
{
    /* Touches of an identity cluster on few campaigns. */
    if (id != e->last_camp_id || e->last_camp_idx == INT64_MIN) {
        e->last_camp_id = id;
        e->last_camp_idx = attrib_rules_camp_index(e->rules, id);
    }
    return e->last_camp_idx;
}

static void grow_touches(engine *e, size_t n)
{
    if (n <= e->tcap)
        return;
    size_t c = e->tcap ? e->tcap : 64;
    while (c < n)
        c *= 2;
    free(e->t);
    free(e->ttmp);
    e->t = attrib_xmalloc(c * sizeof *e->t);
    e->ttmp = attrib_xmalloc(c * sizeof *e->ttmp);
    e->tcap = c;
}

static void grow_convs(engine *e, size_t n)
{
    if (n <= e->ccap)
        return;
    size_t c = e->ccap ? e->ccap : 64;
    while (c < n)
        c *= 2;
    free(e->c);
    free(e->ctmp);
    e->c = attrib_xmalloc(c * sizeof *e->c);
    e->ctmp = attrib_xmalloc(c * sizeof *e->ctmp);
    e->ccap = c;
}

static void grow_cand(engine *e, size_t n)
{
    if (n <= e->candcap)
        return;
    size_t c = e->candcap ? e->candcap : 64;
    while (c < n)
        c *= 2;
    e->cand = attrib_xrealloc(e->cand, c * sizeof *e->cand);
    e->age = attrib_xrealloc(e->age, c * sizeof *e->age);
    e->seg_ts = attrib_xrealloc(e->seg_ts, c * sizeof *e->seg_ts);
    e->seg_pid = attrib_xrealloc(e->seg_pid, c * sizeof *e->seg_pid);
    e->seg_kind = attrib_xrealloc(e->seg_kind, c * sizeof *e->seg_kind);
    e->share = attrib_xrealloc(e->share, c * sizeof *e->share);
    e->cshare = attrib_xrealloc(e->cshare, c * sizeof *e->cshare);
    e->mcamp = attrib_xrealloc(e->mcamp, c * sizeof *e->mcamp);
    e->mult = attrib_xrealloc(e->mult, c * sizeof *e->mult);
    e->pathbuf = attrib_xrealloc(e->pathbuf, c * sizeof *e->pathbuf);
    e->candcap = c;
}

static uint32_t pair_of(engine *e, uint32_t camp, uint8_t kind, uint32_t *npairs)
{
    const size_t k = (size_t)camp * ATTRIB_NKINDS + kind;
    if (e->pair_stamp[k] == e->group_serial)
        return e->pair_id[k];
    if (*npairs == e->pair_cap) {
        size_t c = e->pair_cap ? e->pair_cap * 2 : 16;
        e->pair_key = attrib_xrealloc(e->pair_key, c * sizeof *e->pair_key);
        e->pair_eff = attrib_xrealloc(e->pair_eff, c * sizeof *e->pair_eff);
        e->pair_ver = attrib_xrealloc(e->pair_ver, c * sizeof *e->pair_ver);
        e->pair_cstamp = attrib_xrealloc(e->pair_cstamp, c * sizeof *e->pair_cstamp);
        e->pair_cap = c;
    }
    const uint32_t p = (*npairs)++;
    e->pair_stamp[k] = e->group_serial;
    e->pair_id[k] = p;
    e->pair_key[p] = (uint32_t)k;
    e->pair_cstamp[p] = 0;
    return p;
}

/* Effective lookback of pair p for conversion c under the rule versions in force at c.ts:
 * -1 when the kind is off or c's type does not count for the campaign. */
static int64_t pair_eff(engine *e, uint32_t p, const lconv *c)
{
    if (e->pair_cstamp[p] != e->conv_serial) {
        const uint32_t k = e->pair_key[p];
        const attrib_camp_rule *cr =
            attrib_rules_camp_at(e->rules, k / ATTRIB_NKINDS, c->ts);
        const int64_t lb = cr->lookback_ms[k % ATTRIB_NKINDS];
        const int ok = lb != ATTRIB_LOOKBACK_OFF && lb >= 0 &&
                       (!cr->type_allowed || cr->type_allowed[c->type]);
        e->pair_eff[p] = ok ? lb : -1;
        e->pair_ver[p] = cr->rule_version;
        e->pair_cstamp[p] = e->conv_serial;
    }
    return e->pair_eff[p];
}

static void emit_unattributed(engine *e, uint64_t identity, const lconv *c, int reason)
{
    attrib_table *u = e->unattr;
    if (u->n == u->cap)
        attrib_table_reserve(u, u->n + 1);
    const size_t r = u->n++;
    ATTRIB_COL(u, ATTRIB_UN_CONVERSION_ID, uint64_t)[r] = c->cid;
    ATTRIB_COL(u, ATTRIB_UN_ADVERTISER_ID, uint32_t)[r] = c->advid;
    ATTRIB_COL(u, ATTRIB_UN_IDENTITY, uint64_t)[r] = identity;
    ATTRIB_COL(u, ATTRIB_UN_CONV_TS, int64_t)[r] = c->ts;
    ATTRIB_COL(u, ATTRIB_UN_VALUE, double)[r] = c->value;
    ATTRIB_COL(u, ATTRIB_UN_REASON, uint8_t)[r] = (uint8_t)reason;
}

/* One credit row, and its report sums. */
static void emit_credit(engine *e, uint64_t identity, uint64_t cid, uint32_t advid, int64_t cts,
                        double value, uint64_t eid, uint32_t camp, uint8_t kind, int64_t tts,
                        uint32_t ver, size_t pos, size_t n, double credit, double cvalue)
{
    attrib_table *cr = e->credits;
    if (cr->n == cr->cap)
        attrib_table_reserve(cr, cr->n + 1);
    const size_t r = cr->n++;
    ATTRIB_COL(cr, ATTRIB_CR_CONVERSION_ID, uint64_t)[r] = cid;
    ATTRIB_COL(cr, ATTRIB_CR_ADVERTISER_ID, uint32_t)[r] = advid;
    ATTRIB_COL(cr, ATTRIB_CR_IDENTITY, uint64_t)[r] = identity;
    ATTRIB_COL(cr, ATTRIB_CR_CONV_TS, int64_t)[r] = cts;
    ATTRIB_COL(cr, ATTRIB_CR_VALUE, double)[r] = value;
    ATTRIB_COL(cr, ATTRIB_CR_EVENT_ID, uint64_t)[r] = eid;
    ATTRIB_COL(cr, ATTRIB_CR_CAMPAIGN_ID, uint32_t)[r] = e->camp_id[camp];
    ATTRIB_COL(cr, ATTRIB_CR_KIND, uint8_t)[r] = kind;
    ATTRIB_COL(cr, ATTRIB_CR_TOUCH_TS, int64_t)[r] = tts;
    ATTRIB_COL(cr, ATTRIB_CR_POSITION, uint32_t)[r] = (uint32_t)pos;
    ATTRIB_COL(cr, ATTRIB_CR_PATH_LENGTH, uint32_t)[r] = (uint32_t)n;
    ATTRIB_COL(cr, ATTRIB_CR_CREDIT, double)[r] = credit;
    ATTRIB_COL(cr, ATTRIB_CR_CREDITED_VALUE, double)[r] = cvalue;
    ATTRIB_COL(cr, ATTRIB_CR_RULE_VERSION, uint32_t)[r] = ver;

    const uint64_t age = (uint64_t)cts - (uint64_t)tts;
    const attrib_fx fcredit = FX_CREDIT(credit);
    const attrib_fx fvalue = FX_MONEY(cvalue);
    attrib_fx *a = e->acc->camp + (size_t)camp * ATTRIB_ACC_C_N;
    a[ATTRIB_ACC_C_CONVERSIONS] += fcredit;
    a[ATTRIB_ACC_C_VALUE] += fvalue;
    a[ATTRIB_ACC_C_CREDITED_TOUCHES] += 1;
    a[ATTRIB_ACC_C_TTC] += FX_MONEY(credit * ((double)age / 1000.0));
    attrib_fx dv[ATTRIB_ACC_D_N];
    dv[ATTRIB_ACC_D_CONVERSIONS] = fcredit;
    dv[ATTRIB_ACC_D_VALUE] = fvalue;
    attrib_sparse_add(&e->acc->daily, day_key(camp, cts), dv);
    attrib_sparse_add(&e->acc->daily_touch, day_key(camp, tts), dv);
}

/* The data-driven inputs of n candidates whose campaigns are camp[0..n): multiplicities
 * (e->mult) and the number of distinct campaigns. */
static size_t multiplicities(engine *e, const uint32_t *camp, size_t n)
{
    const uint64_t s = ++e->cnt_serial;
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        const uint32_t k = camp[i];
        if (e->camp_cstamp[k] != s) {
            e->camp_cstamp[k] = s;
            e->camp_cnt[k] = 0;
            nd++;
        }
        e->camp_cnt[k]++;
    }
    for (size_t i = 0; i < n; i++)
        e->mult[i] = e->camp_cnt[camp[i]];
    return nd;
}

/* --compare: add the shares of a conversion's candidates under slot s's model. */
static void cmp_add(engine *e, size_t s, const uint32_t *camp, size_t n, const double *share,
                    double value)
{
    attrib_fx *base = e->acc->cmp + s * e->ncamp * ATTRIB_ACC_M_N;
    for (size_t i = 0; i < n; i++) {
        if (!(share[i] > 0))
            continue;
        attrib_fx *a = base + (size_t)camp[i] * ATTRIB_ACC_M_N;
        a[ATTRIB_ACC_M_CONVERSIONS] += FX_CREDIT(share[i]);
        a[ATTRIB_ACC_M_VALUE] += FX_MONEY(share[i] * value);
        a[ATTRIB_ACC_M_CREDITED_TOUCHES] += 1;
    }
}

/* Attribute conversion c given its candidates e->cand[0..n) (indices into t, in
 * (ts, event_id) order, after engagement priority): credit rows under its advertiser's
 * model (markov waits for the fit), and the --compare sums. */
static void attribute(engine *e, uint64_t identity, const lconv *c, const ltouch *t, size_t n,
                      const attrib_adv_rule *ar, llabel *lab)
{
    for (size_t i = 0; i < n; i++) {
        e->age[i] = (uint64_t)c->ts - (uint64_t)e->seg_ts[e->cand[i]];
        e->mcamp[i] = t[e->cand[i]].camp;
    }
    model_ctx x = {e->mcamp, e->mult, 0, NULL};
    int need_mult = ar->model == ATTRIB_MODEL_SHAPLEY || ar->model == ATTRIB_MODEL_MARKOV;
    for (size_t k = 0; k < e->ncmp; k++)
        need_mult |= e->cmp[k] == ATTRIB_MODEL_SHAPLEY || e->cmp[k] == ATTRIB_MODEL_MARKOV ||
                     e->cmp[k] == ATTRIB_MODEL_OWN;
    if (need_mult)
        x.ndistinct = multiplicities(e, e->mcamp, n);

    const int defer = ar->model == ATTRIB_MODEL_MARKOV && !e->re;
    x.re = e->re;
    uint32_t mask = defer ? PEND_CREDIT : 0;
    for (size_t k = 0; k < e->ncmp; k++) {
        const attrib_adv_rule m = attrib_rules_adv_with_model(ar, e->cmp[k]);
        if (m.model == ATTRIB_MODEL_MARKOV && !e->re) {
            mask |= UINT32_C(1) << k;
            continue;
        }
        model_table[m.model](n, e->age, &m, &x, e->cshare);
        cmp_add(e, k, e->mcamp, n, e->cshare, c->value);
    }
    if (mask) { /* the removal effects come after every wave: keep the candidates */
        if (e->npc == e->pccap) {
            e->pccap = e->pccap ? e->pccap * 2 : 1024;
            e->pc = attrib_xrealloc(e->pc, e->pccap * sizeof *e->pc);
        }
        if (e->npt + n > e->ptcap) {
            while (e->npt + n > e->ptcap)
                e->ptcap = e->ptcap ? e->ptcap * 2 : 4096;
            e->pt = attrib_xrealloc(e->pt, e->ptcap * sizeof *e->pt);
        }
        e->pc[e->npc++] = (pconv){c->cid, identity, c->ts, c->value, c->advid, (uint32_t)n, mask,
                                  e->npt};
        for (size_t i = 0; i < n; i++) {
            const ltouch *tt = &t[e->cand[i]];
            e->pt[e->npt++] = (ptouch){tt->eid, tt->ts, tt->camp, e->pair_ver[tt->pid],
                                       lab ? (uint32_t)((size_t)(t - e->t) + e->cand[i]) : UINT32_MAX,
                                       tt->kind};
        }
    }
    if (defer)
        return;

    model_table[ar->model](n, e->age, ar, &x, e->share);
    for (size_t i = 0; i < n; i++) {
        const double credit = e->share[i];
        if (!(credit > 0))
            continue;
        const ltouch *tt = &t[e->cand[i]];
        const double cvalue = credit * c->value;
        if (lab) {
            llabel *l = &lab[e->cand[i]];
            l->cred++;
            l->credit += credit;
            l->cvalue += cvalue;
        }
        emit_credit(e, identity, c->cid, c->advid, c->ts, c->value, tt->eid, tt->camp, tt->kind,
                    tt->ts, e->pair_ver[tt->pid], i + 1, n, credit, cvalue);
    }
}

/* The non-converting journey of an (identity, advertiser) group without conversions of
 * that advertiser: t[0..nt) in (ts, event_id) order (docs/datadriven.md). */
static void null_journey(engine *e, const ltouch *t, size_t nt)
{
    size_t star = nt;
    for (size_t i = nt; i-- > 0;) {
        if (t[i].ts < e->from || t[i].ts >= e->to)
            continue;
        const attrib_camp_rule *cr = attrib_rules_camp_at(e->rules, t[i].camp, t[i].ts);
        const int64_t lb = cr->lookback_ms[t[i].kind];
        if (lb != ATTRIB_LOOKBACK_OFF && lb >= 0) {
            star = i;
            break;
        }
    }
    if (star == nt)
        return;
    const int64_t T = t[star].ts;
    grow_cand(e, nt);
    size_t k = 0;
    for (size_t i = 0; i < nt && t[i].ts <= T; i++) {
        const attrib_camp_rule *cr = attrib_rules_camp_at(e->rules, t[i].camp, T);
        const int64_t lb = cr->lookback_ms[t[i].kind];
        if (lb != ATTRIB_LOOKBACK_OFF && lb >= 0 && (uint64_t)T - (uint64_t)t[i].ts <= (uint64_t)lb)
            e->pathbuf[k++] = e->camp_id[t[i].camp];
    }
    attrib_pathmap_add(e->paths, t[star].advid, e->pathbuf, k, 0, 0, 1);
}

/* Match one (identity, advertiser) group: touches t[0..nt) and conversions c[0..nc),
 * both in time order; lab[0..nt) (NULL without labels) gathers what each touch earns. */
static void match_group(engine *e, uint64_t identity, ltouch *t, size_t nt, const lconv *c,
                        size_t nc, llabel *lab)
{
    const uint32_t advid = c[0].advid;
    const int64_t advidx = attrib_rules_adv_index(e->rules, advid);
    e->group_serial++;
    uint32_t npairs = 0;
    size_t lo = 0, hi = 0;
    grow_cand(e, nt);

    for (size_t k = 0; k < nc; k++) {
        const lconv *cv = &c[k];
        if (cv->ts < e->from || cv->ts >= e->to)
            continue;
        e->conv_serial++;
        while (hi < nt && t[hi].ts <= cv->ts) {
            const uint32_t p = pair_of(e, t[hi].camp, t[hi].kind, &npairs);
            t[hi].pid = p;
            e->seg_ts[hi] = t[hi].ts;
            e->seg_pid[hi] = p;
            e->seg_kind[hi] = t[hi].kind;
            hi++;
        }
        while (lo < hi && (uint64_t)cv->ts - (uint64_t)t[lo].ts > e->maxlb)
            lo++;

        int reason = -1;
        size_t n = 0;
        if (hi == 0) {
            reason = ATTRIB_REASON_NO_TOUCH;
        } else {
            /* Rules first (per pair, few), then a branch-free scan of the window, which
             * may be long for a heavy identity. Ages in [lo, hi) are <= maxlb, so they fit
             * an int64, and an excluded pair's -1 rejects every age. */
            for (uint32_t p = 0; p < npairs; p++)
                (void)pair_eff(e, p, cv);
            const int64_t *eff = e->pair_eff, *sts = e->seg_ts;
            const uint32_t *spid = e->seg_pid;
            const uint8_t *skind = e->seg_kind;
            uint32_t *cand = e->cand;
            const uint64_t cts = (uint64_t)cv->ts;
            int has_eng = 0;
            for (size_t j = lo; j < hi; j++) {
                const int64_t age = (int64_t)(cts - (uint64_t)sts[j]);
                const int ok = age <= eff[spid[j]];
                cand[n] = (uint32_t)j;
                n += (size_t)ok;
                has_eng |= ok & (skind[j] == ATTRIB_KIND_ENGAGEMENT);
            }
            if (n == 0) {
                /* Not a candidate yet not excluded means outside its window; the pairs
                 * seen so far stand for every touch at or before c.ts. */
                reason = ATTRIB_REASON_RULE_EXCLUDED;
                for (uint32_t p = 0; p < npairs; p++)
                    if (pair_eff(e, p, cv) >= 0) {
                        reason = ATTRIB_REASON_OUTSIDE_WINDOW;
                        break;
                    }
            } else {
                if (e->paths) { /* the converting journey: candidates before priority */
                    for (size_t i = 0; i < n; i++)
                        e->pathbuf[i] = e->camp_id[t[cand[i]].camp];
                    attrib_pathmap_add(e->paths, advid, e->pathbuf, n, 1, FX_MONEY(cv->value), 0);
                }
                if (lab)
                    for (size_t i = 0; i < n; i++) {
                        llabel *l = &lab[cand[i]];
                        l->cand++;
                        if (l->next_ms < 0) /* conversions come in time order */
                            l->next_ms = (int64_t)(cts - (uint64_t)sts[cand[i]]);
                    }
                const attrib_adv_rule *ar =
                    advidx >= 0 ? attrib_rules_adv_at(e->rules, (size_t)advidx, cv->ts)
                                : attrib_rules_adv_default_at(e->rules, advid, cv->ts);
                if (ar->engagement_priority && has_eng) {
                    size_t m = 0;
                    for (size_t i = 0; i < n; i++) {
                        const uint32_t j = cand[i];
                        cand[m] = j;
                        m += skind[j] == ATTRIB_KIND_ENGAGEMENT;
                    }
                    n = m;
                }
                if (lab)
                    for (size_t i = 0; i < n; i++)
                        lab[cand[i]].elig++;
                attribute(e, identity, cv, t, n, ar, lab);
            }
        }
        if (advidx >= 0) {
            adv_count_idx(e, (size_t)advidx, ATTRIB_ACC_A_CONVERSIONS, 1);
            adv_count_idx(e, (size_t)advidx,
                          reason < 0 ? ATTRIB_ACC_A_ATTRIBUTED : ATTRIB_ACC_A_NO_TOUCH + reason, 1);
        } else {
            attrib_fx v[ATTRIB_ACC_A_N] = {0};
            v[ATTRIB_ACC_A_CONVERSIONS] = 1;
            v[reason < 0 ? ATTRIB_ACC_A_ATTRIBUTED : ATTRIB_ACC_A_NO_TOUCH + reason] = 1;
            attrib_sparse_add(&e->acc->advertiser, advid, v);
        }
        if (reason >= 0)
            emit_unattributed(e, identity, cv, reason);
    }
}

/* 1 when two of t[0..n) share an event id (the common answer is no: then dedup has
 * nothing to do and needs no sort). Open addressing over a table stamped per call. */
static int has_dup_eid(engine *e, const ltouch *t, size_t n)
{
    if (n < 2)
        return 0;
    if (n <= 8) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (t[i].eid == t[j].eid)
                    return 1;
        return 0;
    }
    int bits = 4;
    while (((size_t)1 << bits) < 2 * n)
        bits++;
    const size_t cap = (size_t)1 << bits, mask = cap - 1;
    if (cap > e->hcap) {
        free(e->hkey);
        free(e->hstamp);
        e->hkey = attrib_xmalloc(cap * sizeof *e->hkey);
        e->hstamp = attrib_xcalloc(cap, sizeof *e->hstamp);
        e->hcap = cap;
    }
    const uint64_t gen = ++e->hgen;
    uint64_t *key = e->hkey, *stamp = e->hstamp;
    for (size_t i = 0; i < n; i++) {
        const uint64_t id = t[i].eid;
        size_t h = (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - bits));
        while (stamp[h] == gen) {
            if (key[h] == id)
                return 1;
            h = (h + 1) & mask;
        }
        stamp[h] = gen;
        key[h] = id;
    }
    return 0;
}

/* Count a dropped duplicate of kept row k (docs/models.md: the kept row is the first in
 * T_DEDUP_LESS order; the counts go to its advertiser). */
static void count_dup(engine *e, const ltouch *k, const ltouch *x)
{
    const size_t ai = e->camp_advidx[k->camp];
    adv_count_idx(e, ai, ATTRIB_ACC_A_DUP_TOUCHES, 1);
    if (k->ts != x->ts || k->camp != x->camp || k->kind != x->kind || k->costkey != x->costkey)
        adv_count_idx(e, ai, ATTRIB_ACC_A_DUP_TOUCHES_INEXACT, 1);
}

/* Drop repeated event ids, keeping of each the first row in T_DEDUP_LESS order, and
 * count the dropped ones; returns the rows left. Short lists with a repeat are sorted;
 * long ones (heavy identities) find the kept row of each id in a hash table and keep
 * the rest in their order, which matters to nothing after (sums, then sort_touch_match,
 * a total order once the ids are unique). */
static size_t dedup_touches(engine *e, ltouch *t, size_t n)
{
    if (n <= 8) {
        if (!has_dup_eid(e, t, n))
            return n;
        sort_t_dedup(t, n, e->ttmp);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (m > 0 && t[m - 1].eid == t[i].eid)
                count_dup(e, &t[m - 1], &t[i]);
            else
                t[m++] = t[i];
        }
        return m;
    }
    int bits = 4;
    while (((size_t)1 << bits) < 2 * n)
        bits++;
    const size_t cap = (size_t)1 << bits, mask = cap - 1;
    if (cap > e->hcap) {
        free(e->hkey);
        free(e->hstamp);
        free(e->hval);
        e->hkey = attrib_xmalloc(cap * sizeof *e->hkey);
        e->hstamp = attrib_xcalloc(cap, sizeof *e->hstamp);
        e->hval = attrib_xmalloc(cap * sizeof *e->hval);
        e->hcap = cap;
    }
    if (n > e->hrowcap) {
        free(e->hrow);
        e->hrowcap = n + n / 4;
        e->hrow = attrib_xmalloc(e->hrowcap * sizeof *e->hrow);
    }
    const uint64_t gen = ++e->hgen;
    uint64_t *key = e->hkey, *stamp = e->hstamp;
    uint32_t *val = e->hval, *row = e->hrow;
    int dup = 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t id = t[i].eid;
        size_t h = (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - bits));
        while (stamp[h] == gen && key[h] != id)
            h = (h + 1) & mask;
        if (stamp[h] != gen) {
            stamp[h] = gen;
            key[h] = id;
            val[h] = (uint32_t)i;
        } else {
            dup = 1;
            if (T_DEDUP_LESS(&t[i], &t[val[h]]))
                val[h] = (uint32_t)i;
        }
        row[i] = (uint32_t)h;
    }
    if (!dup)
        return n;
    for (size_t i = 0; i < n; i++) /* counted against the kept rows, all still in place */
        if (val[row[i]] != i)
            count_dup(e, &t[val[row[i]]], &t[i]);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (val[row[i]] == i)
            t[m++] = t[i];
    return m;
}

/* Sort touches by T_MATCH_LESS (advertiser, ts, event_id); their event ids are unique.
 * Long lists (heavy identities carry most rows) go through an LSD radix sort of indices
 * on ts then advertiser, bytes that are the same in every touch skipped; equal
 * (advertiser, ts) runs are then ordered by event id. Same result as sort_t_match. */
static void sort_touch_match(engine *e, ltouch *t, size_t n)
{
    if (n < 64) {
        if (n > 1)
            sort_t_match(t, n, e->ttmp);
        return;
    }
    if (n > e->ridx_cap) {
        free(e->ridx);
        free(e->ridx2);
        e->ridx_cap = n + n / 4;
        e->ridx = attrib_xmalloc(e->ridx_cap * sizeof *e->ridx);
        e->ridx2 = attrib_xmalloc(e->ridx_cap * sizeof *e->ridx2);
    }
    uint32_t *idx = e->ridx, *idx2 = e->ridx2;
    const uint64_t SIGN = UINT64_C(1) << 63;
    uint64_t tor = 0, tand = ~UINT64_C(0);
    uint32_t aor = 0, aand = ~UINT32_C(0);
    for (size_t i = 0; i < n; i++) {
        const uint64_t k = (uint64_t)t[i].ts ^ SIGN;
        tor |= k;
        tand &= k;
        aor |= t[i].advid;
        aand &= t[i].advid;
        idx[i] = (uint32_t)i;
    }
    const uint64_t tvar = tor ^ tand;
    const uint32_t avar = aor ^ aand;
    for (int d = 0; d < 12; d++) {
        const int is_ts = d < 8, shift = (is_ts ? d : d - 8) * 8;
        if (((is_ts ? tvar : (uint64_t)avar) >> shift & 0xff) == 0)
            continue;
        uint32_t cnt[256] = {0};
#define DIGIT(x) (is_ts ? (uint32_t)((((uint64_t)(x).ts ^ SIGN) >> shift) & 0xff)                 \
                        : (uint32_t)(((x).advid >> shift) & 0xff))
        for (size_t i = 0; i < n; i++)
            cnt[DIGIT(t[idx[i]])]++;
        uint32_t sum = 0;
        for (int b = 0; b < 256; b++) {
            const uint32_t c = cnt[b];
            cnt[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            idx2[cnt[DIGIT(t[idx[i]])]++] = idx[i];
#undef DIGIT
        uint32_t *x = idx;
        idx = idx2;
        idx2 = x;
    }
    ltouch *tmp = e->ttmp;
    for (size_t i = 0; i < n; i++)
        tmp[i] = t[idx[i]];
    memcpy(t, tmp, n * sizeof *t);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && t[j].advid == t[i].advid && t[j].ts == t[i].ts)
            j++;
        if (j - i > 1)
            sort_t_match(t + i, j - i, e->ttmp);
        i = j;
    }
}

/* The label row of touch k (run --labels), when its ts is in the period; l NULL: it
 * earned nothing. */
static uint32_t emit_label(engine *e, uint64_t identity, const ltouch *k, const llabel *l)
{
    if (k->ts < e->from || k->ts >= e->to)
        return UINT32_MAX;
    attrib_table *lb = e->labels;
    if (lb->n == lb->cap)
        attrib_table_reserve(lb, lb->n + 1);
    const size_t r = lb->n++;
    ATTRIB_COL(lb, ATTRIB_LB_EVENT_ID, uint64_t)[r] = k->eid;
    ATTRIB_COL(lb, ATTRIB_LB_IDENTITY, uint64_t)[r] = identity;
    ATTRIB_COL(lb, ATTRIB_LB_CAMPAIGN_ID, uint32_t)[r] = e->camp_id[k->camp];
    ATTRIB_COL(lb, ATTRIB_LB_ADVERTISER_ID, uint32_t)[r] = k->advid;
    ATTRIB_COL(lb, ATTRIB_LB_KIND, uint8_t)[r] = k->kind;
    ATTRIB_COL(lb, ATTRIB_LB_TS, int64_t)[r] = k->ts;
    ATTRIB_COL(lb, ATTRIB_LB_COST, double)[r] = k->cost;
    ATTRIB_COL(lb, ATTRIB_LB_CANDIDATE_OF, uint32_t)[r] = l ? l->cand : 0;
    ATTRIB_COL(lb, ATTRIB_LB_ELIGIBLE_OF, uint32_t)[r] = l ? l->elig : 0;
    ATTRIB_COL(lb, ATTRIB_LB_CREDITED_OF, uint32_t)[r] = l ? l->cred : 0;
    ATTRIB_COL(lb, ATTRIB_LB_CREDIT, double)[r] = l ? l->credit : 0.0;
    ATTRIB_COL(lb, ATTRIB_LB_CREDITED_VALUE, double)[r] = l ? l->cvalue : 0.0;
    ATTRIB_COL(lb, ATTRIB_LB_MS_TO_NEXT, int64_t)[r] = l ? l->next_ms : -1;
    return (uint32_t)r;
}

/* The non-converting journeys of touches t[0..nt) in match order, each advertiser
 * group of which has no conversion of the identity. */
static void null_journeys(engine *e, const ltouch *t, size_t nt)
{
    for (size_t i = 0; i < nt;) {
        size_t j = i + 1;
        while (j < nt && t[j].advid == t[i].advid)
            j++;
        null_journey(e, t + i, j - i);
        i = j;
    }
}

/* Every row of one identity: ev[0..ne), cv[0..nc). */
static void process_identity(engine *e, const attrib_ev_rec *ev, size_t ne,
                             const attrib_cv_rec *cv, size_t nc, uint64_t identity)
{
    e->ident_serial++;
    /* Touches: gather the catalog ones, dedup, count. */
    grow_touches(e, ne);
    ltouch *t = e->t;
    size_t nt = 0;
    for (size_t i = 0; i < ne; i++) {
        const attrib_ev_rec *r = &ev[i];
        const int64_t ci = camp_index(e, r->campaign_id);
        if (ci < 0)
            continue;
        ltouch *x = &t[nt++];
        x->eid = r->event_id;
        x->ts = r->ts;
        x->cost = r->cost;
        x->costkey = double_key(x->cost);
        x->camp = (uint32_t)ci;
        x->advid = e->camp_advid[ci];
        x->kind = r->kind;
        x->pid = 0;
    }
    nt = dedup_touches(e, t, nt);
    for (size_t i = 0; i < nt; i++) {
        const ltouch *k = &t[i];
        if (k->ts >= e->from && k->ts < e->to) {
            attrib_fx *a = e->acc->camp + (size_t)k->camp * ATTRIB_ACC_C_N;
            a[ATTRIB_ACC_C_IMPRESSIONS + k->kind] += 1;
            a[ATTRIB_ACC_C_COST] += FX_MONEY(k->cost);
            if (e->reach_stamp[k->camp] != e->ident_serial) {
                e->reach_stamp[k->camp] = e->ident_serial;
                a[ATTRIB_ACC_C_REACH] += 1;
            }
        }
    }
    if (nc == 0) {
        if (e->labels)
            for (size_t i = 0; i < nt; i++)
                emit_label(e, identity, &t[i], NULL);
        if (e->paths && nt) {
            sort_touch_match(e, t, nt);
            null_journeys(e, t, nt);
        }
        return;
    }

    /* Conversions: gather, dedup. */
    grow_convs(e, nc);
    lconv *c = e->c;
    for (size_t i = 0; i < nc; i++) {
        const attrib_cv_rec *r = &cv[i];
        lconv *x = &c[i];
        x->cid = r->conversion_id;
        x->ts = r->ts;
        x->advid = r->advertiser_id;
        x->type = r->type;
        x->value = r->value;
        x->valkey = double_key(x->value);
    }
    if (nc > 1)
        sort_c_dedup(c, nc, e->ctmp);
    size_t m = 0;
    for (size_t i = 0; i < nc; i++) {
        if (m > 0 && c[m - 1].advid == c[i].advid && c[m - 1].cid == c[i].cid) {
            const lconv *k = &c[m - 1];
            adv_count(e, k->advid, ATTRIB_ACC_A_DUP_CONVERSIONS, 1);
            if (k->ts != c[i].ts || k->type != c[i].type || k->valkey != c[i].valkey)
                adv_count(e, k->advid, ATTRIB_ACC_A_DUP_CONVERSIONS_INEXACT, 1);
            continue;
        }
        c[m++] = c[i];
        /* Every conversion's advertiser gets a report row, in period or not. */
        adv_count(e, c[m - 1].advid, ATTRIB_ACC_A_CONVERSIONS, 0);
    }
    nc = m;

    /* Only touches of an advertiser the identity converted with can be candidates:
     * drop the others before sorting (c is in (advertiser, …) order here). With labels
     * they are kept: every touch of the period gets a label row; and with journeys, for
     * the non-converting ones. */
    if (!e->labels && !e->paths) {
        uint32_t a0 = c[0].advid, nadv = 1;
        for (size_t i = 1; i < nc; i++)
            nadv += c[i].advid != c[i - 1].advid;
        size_t k = 0;
        if (nadv == 1) {
            for (size_t i = 0; i < nt; i++)
                if (t[i].advid == a0)
                    t[k++] = t[i];
        } else if (nadv <= 8) {
            uint32_t set[8];
            size_t m = 0;
            for (size_t i = 0; i < nc; i++)
                if (i == 0 || c[i].advid != c[i - 1].advid)
                    set[m++] = c[i].advid;
            for (size_t i = 0; i < nt; i++) {
                int in = 0;
                for (size_t j = 0; j < m; j++)
                    in |= t[i].advid == set[j];
                if (in)
                    t[k++] = t[i];
            }
        } else {
            for (size_t i = 0; i < nt; i++) {
                size_t lo = 0, hi = nc; /* is t[i].advid among the conversions'? */
                while (lo < hi) {
                    const size_t mid = lo + (hi - lo) / 2;
                    if (c[mid].advid < t[i].advid)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                if (lo < nc && c[lo].advid == t[i].advid)
                    t[k++] = t[i];
            }
        }
        nt = k;
    }

    /* Match per advertiser: both sides sorted by (advertiser id, ts, id). */
    sort_touch_match(e, t, nt);
    if (nc > 1)
        sort_c_match(c, nc, e->ctmp);
    llabel *lab = NULL;
    if (e->labels) {
        if (nt > e->labcap) {
            free(e->lab);
            e->labcap = nt + nt / 4;
            e->lab = attrib_xmalloc(e->labcap * sizeof *e->lab);
        }
        lab = e->lab;
        for (size_t i = 0; i < nt; i++)
            lab[i] = (llabel){0, 0, 0, -1, 0.0, 0.0};
    }
    size_t ti = 0;
    e->pt_ident0 = e->npt;
    for (size_t ci = 0; ci < nc;) {
        const uint32_t a = c[ci].advid;
        size_t ce = ci + 1;
        while (ce < nc && c[ce].advid == a)
            ce++;
        size_t t0 = ti;
        while (ti < nt && t[ti].advid < a)
            ti++;
        if (e->paths && ti > t0) /* advertisers the identity never converted with */
            null_journeys(e, t + t0, ti - t0);
        size_t te = ti;
        while (te < nt && t[te].advid == a)
            te++;
        /* fuzz/sanitize helper: t is NULL when the identity has no touches (UBSan:
         * "applying zero offset to null pointer"); match_group gets NULL, 0 then. */
        match_group(e, identity, nt ? t + ti : t, te - ti, c + ci, ce - ci,
                    lab ? lab + ti : NULL);
        ti = te;
        ci = ce;
    }
    if (e->paths && ti < nt)
        null_journeys(e, t + ti, nt - ti);
    if (lab) {
        if (nt > e->lrowcap) {
            e->lrowcap = nt + nt / 4;
            e->lrow = attrib_xrealloc(e->lrow, e->lrowcap * sizeof *e->lrow);
        }
        for (size_t i = 0; i < nt; i++)
            e->lrow[i] = emit_label(e, identity, &t[i], &lab[i]);
        for (size_t k = e->pt_ident0; k < e->npt; k++) /* pending markov touches */
            e->pt[k].label = e->lrow[e->pt[k].label];
    }
}

static void engine_free(engine *e)
{
    free(e->camp_id);
    free(e->camp_advid);
    free(e->camp_advidx);
    free(e->reach_stamp);
    free(e->pair_stamp);
    free(e->pair_id);
    free(e->pair_key);
    free(e->pair_eff);
    free(e->pair_ver);
    free(e->pair_cstamp);
    free(e->adv_cnt);
    free(e->adv_seen);
    free(e->t);
    free(e->ttmp);
    free(e->c);
    free(e->ctmp);
    free(e->cand);
    free(e->age);
    free(e->seg_ts);
    free(e->seg_pid);
    free(e->seg_kind);
    free(e->share);
    free(e->evtmp);
    free(e->cvtmp);
    free(e->evbuf);
    free(e->cvbuf);
    free(e->ridx);
    free(e->ridx2);
    free(e->hkey);
    free(e->hstamp);
    free(e->hval);
    free(e->hrow);
    free(e->lab);
    free(e->lrow);
    free(e->pathbuf);
    free(e->cshare);
    free(e->mcamp);
    free(e->mult);
    free(e->camp_cnt);
    free(e->camp_cstamp);
    free(e->pc);
    free(e->pt);
}

int attrib_engine_open(const attrib_engine_cfg *cfg, attrib_table *credits, attrib_table *unattr,
                       attrib_acc *acc, attrib_engine **out)
{
    const attrib_rules *r = cfg->rules;
    assert(credits->schema == &attrib_schema_credits);
    assert(unattr->schema == &attrib_schema_unattributed);
    *out = NULL;
    const size_t ncamp = attrib_rules_ncampaigns(r);
    if (acc->ncampaigns != ncamp)
        return attrib_err_set(ATTRIB_EINTERNAL,
                              "engine: accumulator has %zu campaigns, the rules %zu",
                              acc->ncampaigns, ncamp);
    engine *e = attrib_xcalloc(1, sizeof *e);
    e->rules = r;
    e->from = cfg->from;
    e->to = cfg->to;
    const int64_t maxlb = attrib_rules_max_lookback(r);
    e->maxlb = maxlb > 0 ? (uint64_t)maxlb : 0;
    e->ncamp = ncamp;
    e->nadv = attrib_rules_nadvertisers(r);
    e->acc = acc;
    e->credits = credits;
    e->unattr = unattr;
    e->labels = cfg->labels;
    assert(!e->labels || e->labels->schema == &attrib_schema_labels);
    e->paths = cfg->paths;
    e->re = cfg->re;
    e->cmp = cfg->compare;
    e->ncmp = cfg->ncompare;
    if (e->ncmp > 31 || (e->ncmp && acc->ncmp != e->ncmp)) {
        free(e);
        return attrib_err_set(ATTRIB_EINTERNAL, "engine: %zu compared models, accumulator %zu",
                              cfg->ncompare, acc->ncmp);
    }
    e->last_camp_idx = INT64_MIN;
    const size_t nc1 = ncamp ? ncamp : 1;
    e->camp_id = attrib_xmalloc(nc1 * sizeof *e->camp_id);
    e->camp_advid = attrib_xmalloc(nc1 * sizeof *e->camp_advid);
    e->camp_advidx = attrib_xmalloc(nc1 * sizeof *e->camp_advidx);
    e->reach_stamp = attrib_xcalloc(nc1, sizeof *e->reach_stamp);
    e->camp_cnt = attrib_xcalloc(nc1, sizeof *e->camp_cnt);
    e->camp_cstamp = attrib_xcalloc(nc1, sizeof *e->camp_cstamp);
    e->pair_stamp = attrib_xcalloc(nc1 * ATTRIB_NKINDS, sizeof *e->pair_stamp);
    e->pair_id = attrib_xcalloc(nc1 * ATTRIB_NKINDS, sizeof *e->pair_id);
    for (size_t i = 0; i < ncamp; i++) {
        const size_t ai = attrib_rules_camp_adv(r, i);
        e->camp_id[i] = attrib_rules_camp_id(r, i);
        e->camp_advidx[i] = (uint32_t)ai;
        e->camp_advid[i] = attrib_rules_adv_id(r, ai);
    }
    e->adv_cnt = attrib_xcalloc((e->nadv ? e->nadv : 1) * ATTRIB_ACC_A_N, sizeof *e->adv_cnt);
    e->adv_seen = attrib_xcalloc(e->nadv ? e->nadv : 1, 1);
    *out = e;
    return 0;
}

/* ---- grouping a partition's records by identity ----
 * Identities are keyed hashes, so their low 16 bits are uniform within a partition (the
 * partition comes from a mix of all bits): two LSD byte passes leave the rows grouped by
 * those bits, and runs where two identities share them (rare, short) are sorted by the
 * whole identity. Rows of one identity may end in any order: process_identity sorts them
 * by a total order of their values. */
/* The grouping order: (low 16 bits, identity). */
#define GKEY(id) ((((uint64_t)(id)) & 0xffff) << 48 | (((uint64_t)(id)) >> 16))
#define ID_LESS(a, b) (GKEY((a)->identity) < GKEY((b)->identity))
DEFINE_MSORT(sort_ev_id, attrib_ev_rec, ID_LESS)
DEFINE_MSORT(sort_cv_id, attrib_cv_rec, ID_LESS)

/* NAME(src, np, out, tmp): the n rows of pieces src[0..np) grouped into out[0..n) (out
 * may be the only piece's own rows: the first pass reads everything before the second
 * writes); tmp has room for n. */
#define DEFINE_GROUP_BY_ID(NAME, T, MSORT)                                                     \
    static void NAME(const attrib_piece *src, size_t np, size_t n, T *out, T *tmp)            \
    {                                                                                          \
        if (n < 64) {                                                                          \
            size_t k = 0;                                                                      \
            for (size_t p = 0; p < np; p++) {                                                  \
                if ((const T *)src[p].rows != out + k && src[p].n)                             \
                    memmove(out + k, src[p].rows, src[p].n * sizeof(T));                       \
                k += src[p].n;                                                                 \
            }                                                                                  \
            if (n > 1)                                                                         \
                MSORT(out, n, tmp);                                                            \
            return;                                                                            \
        }                                                                                      \
        uint32_t c0[256] = {0}, c1[256] = {0};                                                 \
        for (size_t p = 0; p < np; p++) {                                                      \
            const T *a = src[p].rows;                                                          \
            for (size_t i = 0; i < src[p].n; i++) {                                            \
                c0[a[i].identity & 0xff]++;                                                    \
                c1[(a[i].identity >> 8) & 0xff]++;                                             \
            }                                                                                  \
        }                                                                                      \
        uint32_t s0 = 0, s1 = 0;                                                               \
        for (int k = 0; k < 256; k++) {                                                        \
            const uint32_t x0 = c0[k], x1 = c1[k];                                             \
            c0[k] = s0;                                                                        \
            c1[k] = s1;                                                                        \
            s0 += x0;                                                                          \
            s1 += x1;                                                                          \
        }                                                                                      \
        for (size_t p = 0; p < np; p++) {                                                      \
            const T *a = src[p].rows;                                                          \
            for (size_t i = 0; i < src[p].n; i++)                                              \
                tmp[c0[a[i].identity & 0xff]++] = a[i];                                        \
        }                                                                                      \
        for (size_t i = 0; i < n; i++)                                                         \
            out[c1[(tmp[i].identity >> 8) & 0xff]++] = tmp[i];                                 \
        for (size_t i = 0; i < n;) {                                                           \
            const uint64_t lo = out[i].identity & 0xffff;                                      \
            size_t j = i + 1;                                                                  \
            int mixed = 0;                                                                     \
            while (j < n && (out[j].identity & 0xffff) == lo) {                                \
                mixed |= out[j].identity != out[i].identity;                                   \
                j++;                                                                           \
            }                                                                                  \
            if (mixed)                                                                         \
                MSORT(out + i, j - i, tmp);                                                    \
            i = j;                                                                             \
        }                                                                                      \
    }
DEFINE_GROUP_BY_ID(group_ev_by_id, attrib_ev_rec, sort_ev_id)
DEFINE_GROUP_BY_ID(group_cv_by_id, attrib_cv_rec, sort_cv_id)

static void grow_rec_bufs(attrib_engine *e, size_t ne, size_t nc, int own)
{
    if (ne > e->evtmp_cap) {
        free(e->evtmp);
        free(e->evbuf);
        e->evtmp_cap = ne + ne / 4;
        e->evtmp = attrib_xmalloc(e->evtmp_cap * sizeof *e->evtmp);
        e->evbuf = NULL;
    }
    if (own && !e->evbuf)
        e->evbuf = attrib_xmalloc((e->evtmp_cap ? e->evtmp_cap : 1) * sizeof *e->evbuf);
    if (nc > e->cvtmp_cap) {
        free(e->cvtmp);
        free(e->cvbuf);
        e->cvtmp_cap = nc + nc / 4;
        e->cvtmp = attrib_xmalloc(e->cvtmp_cap * sizeof *e->cvtmp);
        e->cvbuf = NULL;
    }
    if (own && !e->cvbuf)
        e->cvbuf = attrib_xmalloc((e->cvtmp_cap ? e->cvtmp_cap : 1) * sizeof *e->cvbuf);
}

/* Both sides in one order of identities, one identity at a time: GKEY order (low 16
 * bits, then the whole identity; by_gkey) as the grouping leaves them, or plain identity
 * order as a partitioned store holds them. */
static void feed_grouped(attrib_engine *e, const attrib_ev_rec *ev, size_t ne,
                         const attrib_cv_rec *cv, size_t nc, int by_gkey)
{
    size_t i = 0, j = 0;
    while (i < ne || j < nc) {
        uint64_t id;
        if (j == nc || (i < ne && (by_gkey ? GKEY(ev[i].identity) <= GKEY(cv[j].identity)
                                           : ev[i].identity <= cv[j].identity)))
            id = ev[i].identity;
        else
            id = cv[j].identity;
        size_t ie = i, je = j;
        while (ie < ne && ev[ie].identity == id)
            ie++;
        while (je < nc && cv[je].identity == id)
            je++;
        /* fuzz/sanitize helper: no pointer arithmetic on an empty side (may be NULL) */
        process_identity(e, ie > i ? ev + i : NULL, ie - i, je > j ? cv + j : NULL, je - j, id);
        i = ie;
        j = je;
    }
}

/* Is a side one piece (or none) already sorted by identity? */
static int sorted_piece(const attrib_piece *p, size_t np, int events)
{
    if (np == 0)
        return 1;
    if (np > 1)
        return 0;
    if (events) {
        const attrib_ev_rec *r = p->rows;
        for (size_t i = 1; i < p->n; i++)
            if (r[i].identity < r[i - 1].identity)
                return 0;
    } else {
        const attrib_cv_rec *r = p->rows;
        for (size_t i = 1; i < p->n; i++)
            if (r[i].identity < r[i - 1].identity)
                return 0;
    }
    return 1;
}

void attrib_engine_feed(attrib_engine *e, attrib_ev_rec *ev, size_t ne, attrib_cv_rec *cv,
                        size_t nc)
{
    grow_rec_bufs(e, ne, nc, 0);
    const attrib_piece pe = {ev, ne}, pc = {cv, nc};
    if (ne)
        group_ev_by_id(&pe, 1, ne, ev, e->evtmp);
    if (nc)
        group_cv_by_id(&pc, 1, nc, cv, e->cvtmp);
    feed_grouped(e, ev, ne, cv, nc, 1);
}

void attrib_engine_feed_pieces(attrib_engine *e, const attrib_piece *ev, size_t nevp,
                               const attrib_piece *cv, size_t ncvp)
{
    size_t ne = 0, nc = 0;
    for (size_t p = 0; p < nevp; p++)
        ne += ev[p].n;
    for (size_t p = 0; p < ncvp; p++)
        nc += cv[p].n;
    if (sorted_piece(ev, nevp, 1) && sorted_piece(cv, ncvp, 0)) { /* read where they lie */
        feed_grouped(e, nevp ? ev->rows : NULL, ne, ncvp ? cv->rows : NULL, nc, 0);
        return;
    }
    grow_rec_bufs(e, ne, nc, 1);
    if (ne)
        group_ev_by_id(ev, nevp, ne, e->evbuf, e->evtmp);
    if (nc)
        group_cv_by_id(cv, ncvp, nc, e->cvbuf, e->cvtmp);
    feed_grouped(e, e->evbuf, ne, e->cvbuf, nc, 1);
}

size_t attrib_engine_pending(const attrib_engine *e)
{
    return e->npc;
}

void attrib_engine_finish_markov(attrib_engine *e, const double *re)
{
    attrib_table *lb = e->labels;
    for (size_t k = 0; k < e->npc; k++) {
        const pconv *c = &e->pc[k];
        const ptouch *pt = e->pt + c->first;
        const size_t n = c->n;
        grow_cand(e, n);
        for (size_t i = 0; i < n; i++) {
            e->mcamp[i] = pt[i].camp;
            e->age[i] = (uint64_t)c->ts - (uint64_t)pt[i].ts;
        }
        const model_ctx x = {e->mcamp, e->mult, multiplicities(e, e->mcamp, n), re};
        model_markov(n, e->age, NULL, &x, e->share);
        if (c->mask & PEND_CREDIT)
            for (size_t i = 0; i < n; i++) {
                const double credit = e->share[i];
                if (!(credit > 0))
                    continue;
                const double cvalue = credit * c->value;
                emit_credit(e, c->identity, c->cid, c->advid, c->ts, c->value, pt[i].eid,
                            pt[i].camp, pt[i].kind, pt[i].ts, pt[i].ver, i + 1, n, credit, cvalue);
                if (lb && pt[i].label != UINT32_MAX) {
                    const size_t r = pt[i].label;
                    ATTRIB_COL(lb, ATTRIB_LB_CREDITED_OF, uint32_t)[r] += 1;
                    ATTRIB_COL(lb, ATTRIB_LB_CREDIT, double)[r] += credit;
                    ATTRIB_COL(lb, ATTRIB_LB_CREDITED_VALUE, double)[r] += cvalue;
                }
            }
        for (size_t s = 0; s < e->ncmp; s++)
            if (c->mask & (UINT32_C(1) << s))
                cmp_add(e, s, e->mcamp, n, e->share, c->value);
    }
    e->npc = e->npt = 0;
}

void attrib_engine_close(attrib_engine *e)
{
    if (!e)
        return;
    attrib_acc *acc = e->acc;
    for (size_t a = 0; a < e->nadv; a++) {
        if (!e->adv_seen[a])
            continue;
        attrib_fx v[ATTRIB_ACC_A_N];
        for (int f = 0; f < ATTRIB_ACC_A_N; f++)
            v[f] = (attrib_fx)e->adv_cnt[a * ATTRIB_ACC_A_N + f];
        attrib_sparse_add(&acc->advertiser, attrib_rules_adv_id(e->rules, a), v);
    }
    attrib_sparse_finish(&acc->daily);
    attrib_sparse_finish(&acc->daily_touch);
    attrib_sparse_finish(&acc->advertiser);
    engine_free(e);
    free(e);
}

/* ---- packing ---- */

void attrib_pack_slots(const uint64_t *identity, size_t n, const int32_t *slot_of_part,
                       int32_t *slot, uint64_t *count)
{
    for (size_t i = 0; i < n; i++) {
        const int32_t s = slot_of_part[attrib_partition_of(identity[i])];
        slot[i] = s;
        if (s >= 0)
            count[s]++;
    }
}

void attrib_pack_events(const attrib_ev_cols *c, size_t n, const int32_t *slot,
                        uint64_t *cursor, attrib_ev_rec *out)
{
    for (size_t i = 0; i < n; i++) {
        const int32_t s = slot[i];
        if (s < 0)
            continue;
        attrib_ev_rec *r = &out[cursor[s]++];
        r->identity = c->identity[i];
        r->event_id = c->event_id[i];
        r->ts = c->ts[i];
        r->cost = c->cost[i];
        r->campaign_id = c->campaign_id[i];
        r->kind = c->kind[i];
        r->pad[0] = r->pad[1] = r->pad[2] = 0;
    }
}

void attrib_pack_conversions(const attrib_cv_cols *c, size_t n, const int32_t *slot,
                             uint64_t *cursor, attrib_cv_rec *out)
{
    for (size_t i = 0; i < n; i++) {
        const int32_t s = slot[i];
        if (s < 0)
            continue;
        attrib_cv_rec *r = &out[cursor[s]++];
        r->identity = c->identity[i];
        r->conversion_id = c->conversion_id[i];
        r->ts = c->ts[i];
        r->value = c->value[i];
        r->advertiser_id = c->advertiser_id[i];
        r->type = c->type[i];
        r->pad = 0;
    }
}

static attrib_ev_cols ev_cols_of(const attrib_table *t, size_t r0)
{
    assert(t->schema == &attrib_schema_events);
    attrib_ev_cols c = {
        ATTRIB_COL(t, ATTRIB_EV_IDENTITY, const uint64_t) + r0, ATTRIB_COL(t, ATTRIB_EV_EVENT_ID, const uint64_t) + r0,
        ATTRIB_COL(t, ATTRIB_EV_TS, const int64_t) + r0,       ATTRIB_COL(t, ATTRIB_EV_CAMPAIGN_ID, const uint32_t) + r0,
        ATTRIB_COL(t, ATTRIB_EV_KIND, const uint8_t) + r0,     ATTRIB_COL(t, ATTRIB_EV_COST, const double) + r0};
    return c;
}

static attrib_cv_cols cv_cols_of(const attrib_table *t, size_t r0)
{
    assert(t->schema == &attrib_schema_conversions);
    attrib_cv_cols c = {
        ATTRIB_COL(t, ATTRIB_CV_IDENTITY, const uint64_t) + r0,
        ATTRIB_COL(t, ATTRIB_CV_CONVERSION_ID, const uint64_t) + r0,
        ATTRIB_COL(t, ATTRIB_CV_TS, const int64_t) + r0,
        ATTRIB_COL(t, ATTRIB_CV_ADVERTISER_ID, const uint32_t) + r0,
        ATTRIB_COL(t, ATTRIB_CV_TYPE, const uint16_t) + r0,
        ATTRIB_COL(t, ATTRIB_CV_VALUE, const double) + r0};
    return c;
}

int attrib_engine_run(const attrib_engine_cfg *cfg, attrib_table *events,
                      attrib_table *conversions, size_t ntypes, attrib_table *credits,
                      attrib_table *unattr, attrib_acc *acc)
{
    assert(events->schema == &attrib_schema_events);
    assert(conversions->schema == &attrib_schema_conversions);
    if (events->n > UINT32_MAX || conversions->n > UINT32_MAX)
        return attrib_err_set(ATTRIB_EINPUT, "engine: more than 2^32 rows on one rank");

    /* Check the input contract before touching any output. */
    const uint8_t *kinds = events->col[ATTRIB_EV_KIND];
    for (size_t i = 0; i < events->n; i++)
        if (kinds[i] >= ATTRIB_NKINDS)
            return attrib_err_set(ATTRIB_EINPUT, "events: row %zu: kind %u out of range", i,
                                  (unsigned)kinds[i]);
    const uint16_t *types = conversions->col[ATTRIB_CV_TYPE];
    for (size_t i = 0; i < conversions->n; i++)
        if (types[i] >= ntypes)
            return attrib_err_set(ATTRIB_EINPUT,
                                  "conversions: row %zu: type %u beyond the %zu type names", i,
                                  (unsigned)types[i], ntypes);
    attrib_engine *e;
    int rc = attrib_engine_open(cfg, credits, unattr, acc, &e);
    if (rc)
        return rc;

    /* Pack both tables into records grouped by logical partition (slot = partition),
     * then feed the engine one partition at a time. */
    const size_t ne = events->n, nc = conversions->n, nmax = ne > nc ? ne : nc;
    int32_t *slot_of_part = attrib_xmalloc(ATTRIB_NPARTITIONS * sizeof *slot_of_part);
    for (int32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        slot_of_part[q] = q;
    int32_t *slot = attrib_xmalloc((nmax ? nmax : 1) * sizeof *slot);
    uint64_t *ecnt = attrib_xcalloc(ATTRIB_NPARTITIONS + 1, sizeof *ecnt);
    uint64_t *ccnt = attrib_xcalloc(ATTRIB_NPARTITIONS + 1, sizeof *ccnt);
    uint64_t *cur = attrib_xmalloc(ATTRIB_NPARTITIONS * sizeof *cur);
    attrib_ev_rec *er = attrib_xmalloc((ne ? ne : 1) * sizeof *er);
    attrib_cv_rec *cr = attrib_xmalloc((nc ? nc : 1) * sizeof *cr);
    if (ne) {
        attrib_ev_cols c = ev_cols_of(events, 0);
        attrib_pack_slots(c.identity, ne, slot_of_part, slot, ecnt + 1);
        for (int q = 0; q < ATTRIB_NPARTITIONS; q++)
            ecnt[q + 1] += ecnt[q]; /* ecnt[q] = where partition q starts */
        for (int q = 0; q < ATTRIB_NPARTITIONS; q++)
            cur[q] = ecnt[q];
        attrib_pack_events(&c, ne, slot, cur, er);
    }
    if (nc) {
        attrib_cv_cols c = cv_cols_of(conversions, 0);
        attrib_pack_slots(c.identity, nc, slot_of_part, slot, ccnt + 1);
        for (int q = 0; q < ATTRIB_NPARTITIONS; q++)
            ccnt[q + 1] += ccnt[q];
        for (int q = 0; q < ATTRIB_NPARTITIONS; q++)
            cur[q] = ccnt[q];
        attrib_pack_conversions(&c, nc, slot, cur, cr);
    }
    for (int q = 0; q < ATTRIB_NPARTITIONS; q++)
        attrib_engine_feed(e, er + ecnt[q], ecnt[q + 1] - ecnt[q], cr + ccnt[q],
                           ccnt[q + 1] - ccnt[q]);
    attrib_engine_close(e);
    free(er);
    free(cr);
    free(cur);
    free(ecnt);
    free(ccnt);
    free(slot);
    free(slot_of_part);
    return 0;
}

/* ==== explain: additions for `attrib explain` and `attrib run --explain`
 * (src/core/explain.c). Strictly additive: attrib_engine_run never calls them. They
 * expose the engine's own dedup order and models, so that an explanation cannot drift
 * from what the engine does. ==== */

void attrib_engine_model_shares(const attrib_adv_rule *r, size_t n, const uint64_t *age,
                                double *share)
{
    assert(n >= 1 && (unsigned)r->model < ATTRIB_NMODELS && r->model != ATTRIB_MODEL_MARKOV &&
           r->model != ATTRIB_MODEL_SHAPLEY);
    model_table[r->model](n, age, r, NULL, share);
}

void attrib_engine_model_shares_dd(const attrib_adv_rule *r, size_t n, const uint64_t *age,
                                   const uint32_t *camp, const double *re, double *share)
{
    assert(n >= 1 && (unsigned)r->model < ATTRIB_NMODELS);
    uint32_t *mult = attrib_xmalloc(n * sizeof *mult);
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) { /* explain: few candidates, quadratic is fine */
        size_t m = 0, first = 1;
        for (size_t j = 0; j < n; j++) {
            m += camp[j] == camp[i];
            if (j < i && camp[j] == camp[i])
                first = 0;
        }
        mult[i] = (uint32_t)m;
        nd += first;
    }
    const model_ctx x = {camp, mult, nd, re};
    assert(r->model != ATTRIB_MODEL_MARKOV || re);
    model_table[r->model](n, age, r, &x, share);
    free(mult);
}

void attrib_engine_dedup_touches(const attrib_rules *r, const attrib_table *ev, size_t e0,
                                 size_t n, uint32_t *kept)
{
    ltouch *t = attrib_xmalloc((n ? n : 1) * sizeof *t);
    ltouch *tmp = attrib_xmalloc((n ? n : 1) * sizeof *tmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t row = e0 + i;
        const int64_t ci =
            attrib_rules_camp_index(r, ATTRIB_COL(ev, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[row]);
        kept[i] = UINT32_MAX;
        if (ci < 0)
            continue;
        ltouch *x = &t[m++];
        x->eid = ATTRIB_COL(ev, ATTRIB_EV_EVENT_ID, uint64_t)[row];
        x->ts = ATTRIB_COL(ev, ATTRIB_EV_TS, int64_t)[row];
        x->cost = ATTRIB_COL(ev, ATTRIB_EV_COST, double)[row];
        x->costkey = double_key(x->cost);
        x->camp = (uint32_t)ci;
        x->advid = 0;
        x->kind = ATTRIB_COL(ev, ATTRIB_EV_KIND, uint8_t)[row];
        x->pid = (uint32_t)i; /* the row, carried through the sort (not a sort key) */
    }
    if (m > 1)
        sort_t_dedup(t, m, tmp);
    for (size_t i = 0, k = 0; i < m; i++) {
        if (i == 0 || t[i].eid != t[k].eid)
            k = i;
        kept[t[i].pid] = t[k].pid;
    }
    free(t);
    free(tmp);
}

void attrib_engine_dedup_conversions(const attrib_table *cv, size_t c0, size_t n,
                                     uint32_t *kept)
{
    lconv *c = attrib_xmalloc((n ? n : 1) * sizeof *c);
    lconv *tmp = attrib_xmalloc((n ? n : 1) * sizeof *tmp);
    for (size_t i = 0; i < n; i++) {
        const size_t row = c0 + i;
        lconv *x = &c[i];
        x->cid = ATTRIB_COL(cv, ATTRIB_CV_CONVERSION_ID, uint64_t)[row];
        x->ts = ATTRIB_COL(cv, ATTRIB_CV_TS, int64_t)[row];
        x->advid = ATTRIB_COL(cv, ATTRIB_CV_ADVERTISER_ID, uint32_t)[row];
        x->type = ATTRIB_COL(cv, ATTRIB_CV_TYPE, uint16_t)[row];
        x->valkey = double_key(ATTRIB_COL(cv, ATTRIB_CV_VALUE, double)[row]);
        x->value = (double)i; /* the row, carried through the sort (valkey is the key) */
    }
    if (n > 1)
        sort_c_dedup(c, n, tmp);
    for (size_t i = 0, k = 0; i < n; i++) {
        if (i == 0 || c[i].advid != c[k].advid || c[i].cid != c[k].cid)
            k = i;
        kept[(size_t)c[i].value] = (uint32_t)c[k].value;
    }
    free(c);
    free(tmp);
}
/* ==== end of explain additions ==== */

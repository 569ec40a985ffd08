/* The synthetic data generator (see include/attrib/gen.h for the scheme).
 *
 * The model, per identity:
 *  - 1–3 advertisers (50/30/20 %), drawn with Zipf-like popularity (weight 1/(a+2));
 *    for each a "journey": a time span of 10 min – 14 days somewhere in
 *    [from − lookback, to), with 1–6 sessions and 1–3 preferred campaigns.
 *  - touches: advertiser by slot weight (65/35, 55/30/15), a preferred campaign 80 % of
 *    the time, kind 70/20/10 impression/engagement/nurture, timestamp in a session
 *    (2 % exactly at the session's centre: identical timestamps), clamped to the
 *    journey. 0.5 % of rows re-emit an earlier row of the identity (a tenth of those
 *    with the timestamp moved by up to ±10 min: inexact duplicates).
 *  - conversions: 80 % shortly (30 s – ~11 d) after one of the identity's touches,
 *    10 % more than 31 days after (or before) every touch of that advertiser, 10 %
 *    for an advertiser the identity never touched; duplicates as for touches.
 * Every draw comes from a counter-based stream keyed by (seed, identity, table, row),
 * so no row depends on which process produced it or on anything but its indices.
 *
 * With links (devices > 1 or hubs > 0) an identity number is a person: it has 1..K
 * devices (K = devices), each row is on a device drawn from its own stream (so a
 * re-emitted row, same event_id or conversion_id, lands on another device of the
 * person (K-1)/K of the time: a cross-device redelivery), and the links of
 * attrib_gen_person_links join the devices. Those streams are new tags: without links
 * no draw of the model above changes.
 */
#include "attrib/gen.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"

const char *const attrib_gen_type_names[ATTRIB_GEN_NTYPES] = {"add_to_cart", "purchase", "signup"};

#define GOLDEN UINT64_C(0x9E3779B97F4A7C15)
#define MAX_ADV 3
/* Capped at 2^8 x the base activity and with conversions growing like the square root of
 * activity: heavy identities exist, but a conversion's path stays in the tens of touches
 * on average, as in real ad traffic (uncapped, a few bot-like identities with thousands of
 * conversions in one dense journey dominated every figure). */
#define WEIGHT_MAX_OCTAVE 8
/* Probabilities as thresholds on a uniform u64. */
#define P_DUP UINT64_C(92233720368547758) /* 0.005 * 2^64 */
#define TIE_PERCENT 2
#define INEXACT_MAX_MS INT64_C(600000)
#define FAR_GAP_MS (31 * ATTRIB_DAY_MS + INT64_C(3600000))

enum {
    TAG_IDENT = 1,
    TAG_WEIGHT,
    TAG_EV_BASE,
    TAG_EV_DUP,
    TAG_CV_BASE,
    TAG_CV_DUP,
    TAG_SESSION,
    TAG_NDEV,   /* devices of a person */
    TAG_EV_DEV, /* the device of an event row */
    TAG_CV_DEV, /* the device of a conversion row */
    TAG_LINK,   /* a person's links (cycle, hub device, repeat, self link) */
};

struct attrib_gen {
    attrib_gen_params p;
    uint64_t seedkey;
    int64_t t0, t1;     /* touches in [t0, t1) */
    int64_t from, to;   /* conversions (mostly) in [from, to) */
    uint32_t aeff;      /* advertisers that own at least one campaign */
    uint64_t *adv_cum;  /* cumulative popularity of advertisers 1..aeff */
    attrib_u128 we, wc; /* weight totals */
};

typedef struct ident {
    uint64_t id, key, hash;
    uint64_t ev_off, ev_n, cv_off, cv_n;
    uint64_t w, v;
    int64_t js[MAX_ADV], jl[MAX_ADV];
    uint32_t adv[MAX_ADV];
    uint32_t cum[MAX_ADV];
    uint32_t nsess[MAX_ADV];
    uint32_t npref[MAX_ADV];
    uint32_t pref[MAX_ADV][3];
    uint32_t nadv;
    uint32_t ndev;
    uint64_t devhash[ATTRIB_GEN_MAX_DEVICES]; /* devhash[0] == hash */
} ident;

_Static_assert(sizeof(ident) <= sizeof(((attrib_gen_cursor *)0)->ident),
               "attrib_gen_cursor.ident too small");

/* ---- counter-based randomness ---- */

static inline uint64_t mix(uint64_t x)
{
    return attrib_mix64(x + GOLDEN);
}

static inline uint64_t hh(uint64_t a, uint64_t b)
{
    return mix(mix(a) ^ (b * GOLDEN + UINT64_C(0x632BE59BD9B4E019)));
}

typedef struct rng {
    uint64_t s;
} rng;

static inline rng rng_at(uint64_t key, uint64_t tag, uint64_t j)
{
    rng r = {hh(key ^ (tag * UINT64_C(0xD1B54A32D192ED03)), j)};
    return r;
}

static inline uint64_t next(rng *r)
{
    r->s += GOLDEN;
    return attrib_mix64(r->s);
}

/* Uniform in [0, n) (n >= 1), by multiply-shift. */
static inline uint64_t uni(rng *r, uint64_t n)
{
    return (uint64_t)(((attrib_u128)next(r) * n) >> 64);
}

static inline uint64_t uni_h(uint64_t h, uint64_t n)
{
    return (uint64_t)(((attrib_u128)h * n) >> 64);
}

/* ---- parameters, weights ---- */

int attrib_gen_create(const attrib_gen_params *p, attrib_gen **out)
{
    *out = NULL;
    if (p->events > ATTRIB_GEN_MAX_ROWS || p->conversions > ATTRIB_GEN_MAX_ROWS)
        return attrib_err_set(ATTRIB_EUSAGE, "at most 2^40 rows per table");
    if (p->identities < 1 || p->identities > ATTRIB_GEN_MAX_ROWS)
        return attrib_err_set(ATTRIB_EUSAGE, "--identities must be in 1..2^40");
    if (p->advertisers < 1 || p->advertisers > 10000000)
        return attrib_err_set(ATTRIB_EUSAGE, "--advertisers must be in 1..10000000");
    if (p->campaigns < 1 || p->campaigns > 10000000)
        return attrib_err_set(ATTRIB_EUSAGE, "--campaigns must be in 1..10000000");
    if (p->days < 1 || p->days > 3660 || p->lookback_days > 3660)
        return attrib_err_set(ATTRIB_EUSAGE,
                              "--days must be in 1..3660 and --lookback-days in 0..3660");
    if (p->from_ms < -(INT64_C(1) << 52) || p->from_ms > (INT64_C(1) << 52))
        return attrib_err_set(ATTRIB_EUSAGE, "--from out of range");
    if (p->devices > ATTRIB_GEN_MAX_DEVICES)
        return attrib_err_set(ATTRIB_EUSAGE, "--devices-per-person must be in 1..%d",
                              ATTRIB_GEN_MAX_DEVICES);
    if (p->hubs > ATTRIB_GEN_MAX_HUBS)
        return attrib_err_set(ATTRIB_EUSAGE, "--hubs must be in 0..%d", ATTRIB_GEN_MAX_HUBS);
    if (p->hubs > 0 && (p->hub_persons < 1 || p->hub_persons > ATTRIB_GEN_MAX_ROWS))
        return attrib_err_set(ATTRIB_EUSAGE, "--hub-persons must be in 1..2^40");
    attrib_gen *g = attrib_xcalloc(1, sizeof *g);
    g->p = *p;
    if (g->p.devices == 0)
        g->p.devices = 1;
    g->seedkey = hh(UINT64_C(0x6174747269622d67), p->seed);
    g->from = p->from_ms;
    g->to = p->from_ms + (int64_t)p->days * ATTRIB_DAY_MS;
    g->t0 = p->from_ms - (int64_t)p->lookback_days * ATTRIB_DAY_MS;
    g->t1 = g->to;
    g->aeff = p->advertisers < p->campaigns ? p->advertisers : p->campaigns;
    g->adv_cum = attrib_xmalloc(sizeof(uint64_t) * g->aeff);
    uint64_t acc = 0;
    for (uint32_t a = 1; a <= g->aeff; a++) {
        acc += (UINT64_C(1) << 40) / (a + 2);
        g->adv_cum[a - 1] = acc;
    }
    *out = g;
    return 0;
}

void attrib_gen_free(attrib_gen *g)
{
    if (!g)
        return;
    free(g->adv_cum);
    free(g);
}

const attrib_gen_params *attrib_gen_params_of(const attrib_gen *g)
{
    return &g->p;
}

/* Heavy-tailed activity: 2^k·(1 + f) with P(k >= m) ≈ 2^(−1.25 m), k capped. */
static inline void weights(const attrib_gen *g, uint64_t id, uint64_t *w, uint64_t *v)
{
    uint64_t h = hh(g->seedkey ^ TAG_WEIGHT, id);
    unsigned lz = h >> 16 ? (unsigned)__builtin_clzll(h >> 16) - 16 : 48;
    unsigned k = lz * 4 / 5;
    if (k > WEIGHT_MAX_OCTAVE)
        k = WEIGHT_MAX_OCTAVE;
    *w = (UINT64_C(65536) + (h & 0xFFFF)) << k;
    uint64_t h2 = mix(h);
    /* conversions: sqrt-of-activity growth, times 0.25 .. 1.75 */
    *v = (((UINT64_C(65536) + (h & 0xFFFF)) << (k / 2)) * (1 + h2 % 7)) >> 2;
}

void attrib_gen_weight_sum(const attrib_gen *g, uint64_t lo, uint64_t hi, attrib_u128 *we,
                           attrib_u128 *wc)
{
    attrib_u128 a = 0, b = 0;
    for (uint64_t id = lo; id < hi; id++) {
        uint64_t w, v;
        weights(g, id, &w, &v);
        a += w;
        b += v;
    }
    *we = a;
    *wc = b;
}

void attrib_gen_set_totals(attrib_gen *g, attrib_u128 we_total, attrib_u128 wc_total)
{
    g->we = we_total;
    g->wc = wc_total;
}

void attrib_gen_compute_totals(attrib_gen *g)
{
    attrib_gen_weight_sum(g, 0, g->p.identities, &g->we, &g->wc);
}

uint64_t attrib_gen_row_of(const attrib_gen *g, int which, attrib_u128 prefix)
{
    attrib_u128 n = which == ATTRIB_GEN_EVENTS ? g->p.events : g->p.conversions;
    attrib_u128 w = which == ATTRIB_GEN_EVENTS ? g->we : g->wc;
    assert(w > 0 && prefix <= w);
    return (uint64_t)(n * prefix / w);
}

size_t attrib_gen_identity_string(uint64_t id, char out[64])
{
    const uint64_t t = id >> ATTRIB_GEN_CODE_SHIFT;
    const uint64_t i = id & ((UINT64_C(1) << ATTRIB_GEN_CODE_SHIFT) - 1);
    int n;
    if (t == 0)
        n = snprintf(out, 64, "u%012llu@example.test", (unsigned long long)(i + 1));
    else if (id >= ATTRIB_GEN_HUB_CODE(0))
        n = snprintf(out, 64, "hub%012llu@example.test", (unsigned long long)(i + 1));
    else
        n = snprintf(out, 64, "u%012llu-d%u@example.test", (unsigned long long)(i + 1),
                     (unsigned)t);
    return (size_t)n;
}

uint64_t attrib_gen_code_hash(const attrib_gen *g, uint64_t code)
{
    char s[64];
    size_t len = attrib_gen_identity_string(code, s);
    return attrib_identity_hash(&g->p.key, s, len);
}

int attrib_gen_has_links(const attrib_gen *g)
{
    return g->p.devices > 1 || g->p.hubs > 0;
}

uint32_t attrib_gen_devices_of(const attrib_gen *g, uint64_t id)
{
    if (g->p.devices <= 1)
        return 1;
    return 1 + (uint32_t)uni_h(hh(g->seedkey ^ TAG_NDEV, id), g->p.devices);
}

static inline uint64_t dev_code(uint64_t id, uint32_t t)
{
    return id + ((uint64_t)t << ATTRIB_GEN_CODE_SHIFT);
}

size_t attrib_gen_person_links(const attrib_gen *g, uint64_t id, uint64_t *a, uint64_t *b)
{
    const uint32_t nd = attrib_gen_devices_of(g, id);
    rng r = rng_at(hh(g->seedkey ^ TAG_LINK, id), TAG_LINK, 0);
    size_t n = 0;
    for (uint32_t t = 0; t + 1 < nd; t++, n++) {
        a[n] = dev_code(id, t);
        b[n] = dev_code(id, t + 1);
    }
    if (nd >= 3 && uni(&r, 2) == 0) { /* a cycle */
        a[n] = dev_code(id, nd - 1);
        b[n++] = dev_code(id, 0);
    }
    const uint64_t H = g->p.hubs;
    if (H > 0 && (attrib_u128)id < (attrib_u128)H * g->p.hub_persons) {
        a[n] = ATTRIB_GEN_HUB_CODE(id % H);
        b[n++] = dev_code(id, (uint32_t)uni(&r, nd));
    }
    if (nd >= 2 && uni(&r, 8) == 0) { /* the first link again, reversed */
        a[n] = dev_code(id, 1);
        b[n++] = dev_code(id, 0);
    }
    if (uni(&r, 64) == 0) { /* a self link */
        a[n] = dev_code(id, 0);
        b[n++] = dev_code(id, 0);
    }
    return n;
}

/* ---- identities ---- */

static inline uint32_t adv_campaigns(const attrib_gen *g, uint32_t a)
{
    return a <= g->p.campaigns ? (g->p.campaigns - a) / g->p.advertisers + 1 : 0;
}

static uint32_t pick_advertiser(const attrib_gen *g, rng *r)
{
    uint64_t x = uni(r, g->adv_cum[g->aeff - 1]);
    uint32_t lo = 0, hi = g->aeff - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->adv_cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo + 1;
}

static void ident_build(const attrib_gen *g, uint64_t id, attrib_u128 pe, attrib_u128 pc, ident *d)
{
    memset(d, 0, sizeof *d);
    d->id = id;
    d->key = hh(g->seedkey ^ TAG_IDENT, id);
    char s[64];
    size_t len = attrib_gen_identity_string(id, s);
    d->hash = attrib_identity_hash(&g->p.key, s, len);
    d->ndev = attrib_gen_devices_of(g, id);
    d->devhash[0] = d->hash;
    for (uint32_t t = 1; t < d->ndev; t++)
        d->devhash[t] = attrib_gen_code_hash(g, dev_code(id, t));
    weights(g, id, &d->w, &d->v);
    d->ev_off = attrib_gen_row_of(g, ATTRIB_GEN_EVENTS, pe);
    d->ev_n = attrib_gen_row_of(g, ATTRIB_GEN_EVENTS, pe + d->w) - d->ev_off;
    d->cv_off = attrib_gen_row_of(g, ATTRIB_GEN_CONVERSIONS, pc);
    d->cv_n = attrib_gen_row_of(g, ATTRIB_GEN_CONVERSIONS, pc + d->v) - d->cv_off;

    rng r = rng_at(d->key, TAG_IDENT, 0);
    uint64_t x = uni(&r, 100);
    uint32_t want = x < 50 ? 1 : x < 80 ? 2 : 3;
    if (want > g->aeff)
        want = g->aeff;
    for (int tries = 0; d->nadv < want && tries < 32; tries++) {
        uint32_t a = pick_advertiser(g, &r);
        int seen = 0;
        for (uint32_t k = 0; k < d->nadv; k++)
            seen |= d->adv[k] == a;
        if (!seen)
            d->adv[d->nadv++] = a;
    }
    static const uint32_t cum[4][MAX_ADV] = {{0}, {100}, {65, 100}, {55, 85, 100}};
    const int64_t span = g->t1 - g->t0;
    for (uint32_t k = 0; k < d->nadv; k++) {
        d->cum[k] = cum[d->nadv][k];
        int64_t jl = (int64_t)(600000 + uni(&r, 600000)) << uni(&r, 11);
        if (jl > span - 1)
            jl = span - 1;
        if (uni(&r, 100) < 80) {
            /* most journeys end inside the period, so conversions can follow them */
            int64_t je = g->from + (int64_t)uni(&r, (uint64_t)(g->to - g->from));
            int64_t js = je - jl < g->t0 ? g->t0 : je - jl;
            d->js[k] = js;
            d->jl[k] = je - js;
        } else {
            d->js[k] = g->t0 + (int64_t)uni(&r, (uint64_t)(span - jl));
            d->jl[k] = jl;
        }
        d->nsess[k] = 1 + (uint32_t)uni(&r, 6);
        uint32_t na = adv_campaigns(g, d->adv[k]);
        d->npref[k] = 1 + (uint32_t)uni(&r, 3);
        if (d->npref[k] > na)
            d->npref[k] = na;
        for (uint32_t q = 0; q < d->npref[k]; q++)
            d->pref[k][q] = d->adv[k] + g->p.advertisers * (uint32_t)uni(&r, na);
    }
}

/* ---- rows ---- */

typedef struct ev_row {
    int64_t ts;
    uint32_t campaign;
    uint8_t kind;
    double cost;
} ev_row;

static void ev_base(const attrib_gen *g, const ident *d, uint64_t j, ev_row *e)
{
    rng r = rng_at(d->key, TAG_EV_BASE, j);
    uint64_t x = uni(&r, 100);
    uint32_t k = 0;
    while (k + 1 < d->nadv && x >= d->cum[k])
        k++;
    const uint32_t a = d->adv[k];
    if (uni(&r, 100) < 80)
        e->campaign = d->pref[k][uni(&r, d->npref[k])];
    else
        e->campaign = a + g->p.advertisers * (uint32_t)uni(&r, adv_campaigns(g, a));
    x = uni(&r, 100);
    if (x < 70) {
        e->kind = ATTRIB_KIND_IMPRESSION;
        e->cost = (double)(2000 + uni(&r, 8001)) / 1e6;
    } else if (x < 90) {
        e->kind = ATTRIB_KIND_ENGAGEMENT;
        e->cost = (double)(100000 + uni(&r, 900001)) / 1e6;
    } else {
        e->kind = ATTRIB_KIND_NURTURE;
        e->cost = 0.0;
    }
    const uint64_t sess = uni(&r, d->nsess[k]);
    const int64_t lo = d->js[k], hi = d->js[k] + d->jl[k];
    int64_t ts =
        lo + (int64_t)uni_h(hh(d->key ^ TAG_SESSION, k * 8 + sess), (uint64_t)d->jl[k] + 1);
    if (uni(&r, 100) >= TIE_PERCENT) {
        int64_t off = (int64_t)uni(&r, 1000) << uni(&r, 15); /* ms; up to ~4.5 h */
        ts += (next(&r) & 1) ? off : -off;
        if (ts < lo || ts > hi) /* redraw inside the journey: clamping would pile up ties */
            ts = lo + (int64_t)uni(&r, (uint64_t)d->jl[k] + 1);
    }
    e->ts = ts;
}

/* Is row j of a table (keyed by tag) a re-emission of an earlier row? Then *target is
 * that row (before resolving chains) and *shift the timestamp change (0: exact copy). */
static int dup_of(const ident *d, uint64_t tag, uint64_t j, uint64_t *target, int64_t *shift)
{
    if (j == 0)
        return 0;
    rng r = rng_at(d->key, tag, j);
    if (next(&r) >= P_DUP)
        return 0;
    *target = uni(&r, j);
    *shift = 0;
    if (uni(&r, 10) == 0) {
        int64_t s = 1000 + (int64_t)uni(&r, (uint64_t)INEXACT_MAX_MS - 999);
        *shift = (next(&r) & 1) ? s : -s;
    }
    return 1;
}

/* The original row that row j shows (following re-emission chains). */
static uint64_t resolve(const ident *d, uint64_t tag, uint64_t j, int64_t *shift)
{
    uint64_t t;
    int64_t s, s0 = 0;
    int first = 1;
    while (dup_of(d, tag, j, &t, &s)) {
        if (first)
            s0 = s;
        first = 0;
        j = t;
    }
    *shift = s0;
    return j;
}

static inline uint32_t adv_of(const attrib_gen *g, uint32_t campaign)
{
    return (campaign - 1) % g->p.advertisers + 1;
}

typedef struct cv_row {
    int64_t ts;
    uint32_t advertiser;
    uint16_t type;
    double value;
} cv_row;

static void cv_base(const attrib_gen *g, const ident *d, uint64_t q, cv_row *c)
{
    rng r = rng_at(d->key, TAG_CV_BASE, q);
    uint64_t x = uni(&r, 100);
    if (x < 50) {
        c->type = ATTRIB_GEN_PURCHASE;
        uint64_t a = uni(&r, 49501), b = uni(&r, 49501);
        c->value = (double)(500 + (a < b ? a : b)) / 100.0;
    } else if (x < 85) {
        c->type = ATTRIB_GEN_ADD_TO_CART;
        c->value = 0.0;
    } else {
        c->type = ATTRIB_GEN_SIGNUP;
        c->value = 0.0;
    }
    const int64_t period = g->to - g->from;
    uint64_t mode = uni(&r, 100);
    if (d->ev_n == 0 || d->nadv == 0)
        mode = 99;
    if (mode < 80) { /* shortly after one of the identity's touches */
        for (int t = 0; t < 6; t++) {
            int64_t sh;
            uint64_t j = resolve(d, TAG_EV_DUP, uni(&r, d->ev_n), &sh);
            ev_row e;
            ev_base(g, d, j, &e);
            int64_t delay = (int64_t)(30000 + uni(&r, 30000)) << uni(&r, 14);
            int64_t ts = e.ts + delay;
            if (ts >= g->from && ts < g->to) {
                c->ts = ts;
                c->advertiser = adv_of(g, e.campaign);
                return;
            }
        }
        uint32_t k = (uint32_t)uni(&r, d->nadv);
        int64_t lo = d->js[k] > g->from ? d->js[k] : g->from;
        if (lo >= g->to)
            lo = g->from;
        c->ts = lo + (int64_t)uni(&r, (uint64_t)(g->to - lo));
        c->advertiser = d->adv[k];
        return;
    }
    if (mode < 90) { /* far from every touch of an advertiser the identity knows */
        uint32_t k = (uint32_t)uni(&r, d->nadv);
        int64_t after = d->js[k] + d->jl[k] + FAR_GAP_MS;
        int64_t before = d->js[k] - INEXACT_MAX_MS - 1;
        if (after < g->to) {
            int64_t lo = after > g->from ? after : g->from;
            c->ts = lo + (int64_t)uni(&r, (uint64_t)(g->to - lo));
            c->advertiser = d->adv[k];
            return;
        }
        if (before > g->from) {
            c->ts = g->from + (int64_t)uni(&r, (uint64_t)(before - g->from));
            c->advertiser = d->adv[k];
            return;
        }
    }
    /* an advertiser the identity never touched (when there is one) */
    uint32_t a = 1 + (uint32_t)uni(&r, g->p.advertisers);
    for (int t = 0; t < 16 && d->nadv < g->p.advertisers; t++) {
        int seen = 0;
        for (uint32_t k = 0; k < d->nadv; k++)
            seen |= d->adv[k] == a;
        if (!seen)
            break;
        a = 1 + (uint32_t)uni(&r, g->p.advertisers);
    }
    c->advertiser = a;
    c->ts = g->from + (int64_t)uni(&r, (uint64_t)period);
}

/* ---- cursors ---- */

/* The device of row r, a re-emission of row `orig` (orig == r: an original row): an
 * original row's device is drawn uniformly; a re-emission of a person with 2+ devices
 * always comes under another device than its original (a cross-device redelivery). */
static inline uint32_t row_device(const ident *d, uint64_t tag, uint64_t r, uint64_t orig)
{
    if (d->ndev <= 1)
        return 0;
    uint32_t t = (uint32_t)uni_h(hh(d->key ^ tag, orig), d->ndev);
    if (orig != r)
        t = (t + 1 + (uint32_t)uni_h(hh(d->key ^ tag, r), d->ndev - 1)) % d->ndev;
    return t;
}

void attrib_gen_cursor_init(attrib_gen_cursor *c, const attrib_gen *g, int which, uint64_t lo,
                            uint64_t hi, attrib_u128 we_lo, attrib_u128 wc_lo)
{
    memset(c, 0, sizeof *c);
    assert(g->we > 0 && g->wc > 0);
    c->g = g;
    c->which = which;
    c->id = lo;
    c->id_hi = hi;
    c->pe = we_lo;
    c->pc = wc_lo;
}

size_t attrib_gen_cursor_fill(attrib_gen_cursor *c, attrib_table *out, size_t max, uint64_t *ids)
{
    const attrib_gen *g = c->g;
    ident *d = (ident *)(void *)c->ident;
    size_t n = 0;
    while (n < max) {
        if (!c->have_ident) {
            if (c->id >= c->id_hi)
                break;
            ident_build(g, c->id, c->pe, c->pc, d);
            c->have_ident = 1;
            c->j = 0;
        }
        const uint64_t rows = c->which == ATTRIB_GEN_EVENTS ? d->ev_n : d->cv_n;
        if (c->j >= rows) {
            c->pe += d->w;
            c->pc += d->v;
            c->id++;
            c->have_ident = 0;
            continue;
        }
        size_t k = max - n;
        if (k > rows - c->j)
            k = (size_t)(rows - c->j);
        const size_t base = out->n;
        attrib_table_resize(out, base + k);
        /* The device of each row (0 for a person of one device: no draw). */
        const uint64_t dtag = c->which == ATTRIB_GEN_EVENTS ? TAG_EV_DEV : TAG_CV_DEV;
        if (c->which == ATTRIB_GEN_EVENTS) {
            uint64_t *eid = ATTRIB_COL(out, ATTRIB_EV_EVENT_ID, uint64_t);
            uint64_t *idn = ATTRIB_COL(out, ATTRIB_EV_IDENTITY, uint64_t);
            int64_t *ts = ATTRIB_COL(out, ATTRIB_EV_TS, int64_t);
            uint32_t *cam = ATTRIB_COL(out, ATTRIB_EV_CAMPAIGN_ID, uint32_t);
            uint8_t *kind = ATTRIB_COL(out, ATTRIB_EV_KIND, uint8_t);
            double *cost = ATTRIB_COL(out, ATTRIB_EV_COST, double);
            for (size_t i = 0; i < k; i++) {
                int64_t sh;
                uint64_t j = resolve(d, TAG_EV_DUP, c->j + i, &sh);
                ev_row e;
                ev_base(g, d, j, &e);
                const uint32_t t = row_device(d, dtag, c->j + i, j);
                if (ids)
                    ids[n + i] = dev_code(c->id, t);
                eid[base + i] = d->ev_off + j + 1;
                idn[base + i] = d->devhash[t];
                ts[base + i] = e.ts + sh;
                cam[base + i] = e.campaign;
                kind[base + i] = e.kind;
                cost[base + i] = e.cost;
            }
        } else {
            uint64_t *cid = ATTRIB_COL(out, ATTRIB_CV_CONVERSION_ID, uint64_t);
            uint64_t *idn = ATTRIB_COL(out, ATTRIB_CV_IDENTITY, uint64_t);
            int64_t *ts = ATTRIB_COL(out, ATTRIB_CV_TS, int64_t);
            uint32_t *adv = ATTRIB_COL(out, ATTRIB_CV_ADVERTISER_ID, uint32_t);
            uint16_t *type = ATTRIB_COL(out, ATTRIB_CV_TYPE, uint16_t);
            double *val = ATTRIB_COL(out, ATTRIB_CV_VALUE, double);
            for (size_t i = 0; i < k; i++) {
                int64_t sh;
                uint64_t q = resolve(d, TAG_CV_DUP, c->j + i, &sh);
                cv_row v;
                cv_base(g, d, q, &v);
                const uint32_t t = row_device(d, dtag, c->j + i, q);
                if (ids)
                    ids[n + i] = dev_code(c->id, t);
                cid[base + i] = d->cv_off + q + 1;
                idn[base + i] = d->devhash[t];
                ts[base + i] = v.ts + sh;
                adv[base + i] = v.advertiser;
                type[base + i] = v.type;
                val[base + i] = v.value;
            }
        }
        c->j += k;
        n += k;
    }
    return n;
}

void attrib_gen_campaigns(const attrib_gen *g, attrib_table *out)
{
    attrib_table_init(out, &attrib_schema_campaigns, 1);
    size_t w = 1;
    char name[96];
    for (uint32_t cid = 1; cid <= g->p.campaigns; cid++) {
        int len = snprintf(name, sizeof name, "Campaign %u (adv %u)", cid, adv_of(g, cid));
        if ((size_t)len > w)
            w = (size_t)len;
    }
    attrib_table_set_strw(out, ATTRIB_CA_NAME, w);
    attrib_table_resize(out, g->p.campaigns);
    for (uint32_t cid = 1; cid <= g->p.campaigns; cid++) {
        int len = snprintf(name, sizeof name, "Campaign %u (adv %u)", cid, adv_of(g, cid));
        ATTRIB_COL(out, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[cid - 1] = cid;
        ATTRIB_COL(out, ATTRIB_CA_ADVERTISER_ID, uint32_t)[cid - 1] = adv_of(g, cid);
        attrib_table_set_str(out, ATTRIB_CA_NAME, cid - 1, name, (size_t)len);
    }
}

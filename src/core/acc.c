/* Exact report accumulators (include/attrib/acc.h): dense per campaign, sparse by key. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/acc.h"
#include "attrib/sort.h"
#include "attrib/err.h"
#include "attrib/timeparse.h"

void attrib_sparse_init(attrib_sparse *s, size_t nvals)
{
    memset(s, 0, sizeof *s);
    s->nvals = nvals;
    s->sorted = 1;
}

void attrib_sparse_free(attrib_sparse *s)
{
    if (!s)
        return;
    free(s->key);
    free(s->val);
    size_t nv = s->nvals;
    attrib_sparse_init(s, nv);
}

static void sparse_grow(attrib_sparse *s, size_t need)
{
    if (need <= s->cap)
        return;
    size_t nc = s->cap ? s->cap * 2 : 64;
    while (nc < need)
        nc *= 2;
    s->key = attrib_xrealloc(s->key, nc * sizeof *s->key);
    s->val = attrib_xrealloc(s->val, nc * s->nvals * sizeof *s->val);
    s->cap = nc;
}

void attrib_sparse_add(attrib_sparse *s, uint64_t key, const attrib_fx *vals)
{
    const size_t nv = s->nvals;
    if (s->n > 0 && s->key[s->n - 1] == key) {
        attrib_fx *d = s->val + (s->n - 1) * nv;
        for (size_t j = 0; j < nv; j++)
            d[j] += vals[j];
        return;
    }
    if (s->n == s->cap && !s->sorted) {
        /* Combine before growing: the map stays proportional to its distinct keys, not
         * to the number of additions. */
        attrib_sparse_finish(s);
        if (s->n > 0 && s->key[s->n - 1] == key) {
            attrib_fx *d = s->val + (s->n - 1) * nv;
            for (size_t j = 0; j < nv; j++)
                d[j] += vals[j];
            return;
        }
        if (s->n * 2 > s->cap)
            sparse_grow(s, s->cap + 1);
    }
    sparse_grow(s, s->n + 1);
    if (s->n > 0 && key < s->key[s->n - 1])
        s->sorted = 0;
    s->key[s->n] = key;
    memcpy(s->val + s->n * nv, vals, nv * sizeof *vals);
    s->n++;
}

void attrib_sparse_finish(attrib_sparse *s)
{
    if (s->sorted || s->n == 0) {
        s->sorted = 1;
        return;
    }
    const size_t nv = s->nvals;
    uint32_t *perm = attrib_xmalloc(s->n * sizeof *perm);
    const uint64_t *keys[1] = {s->key};
    attrib_sort_lex(s->n, 1, keys, perm);
    uint64_t *nk = attrib_xmalloc(s->cap * sizeof *nk);
    attrib_fx *nval = attrib_xmalloc(s->cap * nv * sizeof *nval);
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        const uint64_t k = s->key[perm[i]];
        const attrib_fx *v = s->val + (size_t)perm[i] * nv;
        if (m > 0 && nk[m - 1] == k) {
            for (size_t j = 0; j < nv; j++)
                nval[(m - 1) * nv + j] += v[j];
        } else {
            nk[m] = k;
            memcpy(nval + m * nv, v, nv * sizeof *v);
            m++;
        }
    }
    free(perm);
    free(s->key);
    free(s->val);
    s->key = nk;
    s->val = nval;
    s->n = m;
    s->sorted = 1;
}

void attrib_sparse_merge(attrib_sparse *dst, const attrib_sparse *src)
{
    assert(dst->nvals == src->nvals && dst->sorted && src->sorted);
    const size_t nv = dst->nvals;
    if (src->n == 0)
        return;
    size_t cap = dst->n + src->n;
    uint64_t *nk = attrib_xmalloc(cap * sizeof *nk);
    attrib_fx *nval = attrib_xmalloc(cap * nv * sizeof *nval);
    size_t i = 0, j = 0, m = 0;
    while (i < dst->n || j < src->n) {
        if (j == src->n || (i < dst->n && dst->key[i] < src->key[j])) {
            nk[m] = dst->key[i];
            memcpy(nval + m * nv, dst->val + i * nv, nv * sizeof *nval);
            i++;
        } else if (i == dst->n || src->key[j] < dst->key[i]) {
            nk[m] = src->key[j];
            memcpy(nval + m * nv, src->val + j * nv, nv * sizeof *nval);
            j++;
        } else {
            nk[m] = dst->key[i];
            for (size_t v = 0; v < nv; v++)
                nval[m * nv + v] = dst->val[i * nv + v] + src->val[j * nv + v];
            i++;
            j++;
        }
        m++;
    }
    free(dst->key);
    free(dst->val);
    dst->key = nk;
    dst->val = nval;
    dst->n = m;
    dst->cap = cap;
}

void attrib_acc_init(attrib_acc *a, size_t ncampaigns)
{
    a->ncampaigns = ncampaigns;
    a->camp = attrib_xcalloc(ncampaigns ? ncampaigns * ATTRIB_ACC_C_N : 1, sizeof *a->camp);
    attrib_sparse_init(&a->daily, ATTRIB_ACC_D_N);
    attrib_sparse_init(&a->daily_touch, ATTRIB_ACC_D_N);
    attrib_sparse_init(&a->advertiser, ATTRIB_ACC_A_N);
    a->ncmp = 0;
    a->cmp = NULL;
}

void attrib_acc_init_compare(attrib_acc *a, size_t ncmp)
{
    free(a->cmp);
    a->ncmp = ncmp;
    a->cmp = ncmp ? attrib_xcalloc(ncmp * (a->ncampaigns ? a->ncampaigns : 1) * ATTRIB_ACC_M_N,
                                   sizeof *a->cmp)
                  : NULL;
}

void attrib_acc_free(attrib_acc *a)
{
    if (!a)
        return;
    free(a->camp);
    a->camp = NULL;
    a->ncampaigns = 0;
    free(a->cmp);
    a->cmp = NULL;
    a->ncmp = 0;
    attrib_sparse_free(&a->daily);
    attrib_sparse_free(&a->daily_touch);
    attrib_sparse_free(&a->advertiser);
}

/* Counts are stored as attrib_fx but are plain non-negative integers. */
static uint64_t fx_count(attrib_fx v)
{
    return v <= 0 ? 0 : v >= (attrib_fx)UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

static void daily_to_table(const attrib_sparse *s, const attrib_rules *r, attrib_table *t,
                           const attrib_schema *schema)
{
    assert(s->sorted);
    attrib_table_init(t, schema, 10);
    attrib_table_resize(t, s->n);
    for (size_t i = 0; i < s->n; i++) {
        const uint64_t key = s->key[i];
        const size_t camp = (size_t)(key >> 32);
        const int64_t day = (int64_t)(uint32_t)key - (INT64_C(1) << 31);
        char buf[40];
        attrib_time_format_day(day * INT64_C(86400000), buf);
        ATTRIB_COL(t, ATTRIB_RD_CAMPAIGN_ID, uint32_t)[i] = attrib_rules_camp_id(r, camp);
        attrib_table_set_str(t, ATTRIB_RD_DAY, i, buf, strlen(buf));
        ATTRIB_COL(t, ATTRIB_RD_CONVERSIONS, double)[i] =
            attrib_fx_to_double(s->val[i * ATTRIB_ACC_D_N + ATTRIB_ACC_D_CONVERSIONS], ATTRIB_FX_CREDIT_SHIFT);
        ATTRIB_COL(t, ATTRIB_RD_VALUE, double)[i] =
            attrib_fx_to_double(s->val[i * ATTRIB_ACC_D_N + ATTRIB_ACC_D_VALUE], ATTRIB_FX_MONEY_SHIFT);
    }
}

void attrib_acc_to_tables(const attrib_acc *a, const attrib_rules *r, attrib_table *campaign,
                          attrib_table *daily, attrib_table *daily_touch,
                          attrib_table *advertiser)
{
    const size_t nc = attrib_rules_ncampaigns(r);
    assert(nc == a->ncampaigns);

    attrib_table_init(campaign, &attrib_schema_report_campaign, 1);
    attrib_table_resize(campaign, nc);
    for (size_t c = 0; c < nc; c++) {
        const attrib_fx *v = a->camp + c * ATTRIB_ACC_C_N;
        const double conv = attrib_fx_to_double(v[ATTRIB_ACC_C_CONVERSIONS], ATTRIB_FX_CREDIT_SHIFT);
        const double value = attrib_fx_to_double(v[ATTRIB_ACC_C_VALUE], ATTRIB_FX_MONEY_SHIFT);
        const double cost = attrib_fx_to_double(v[ATTRIB_ACC_C_COST], ATTRIB_FX_MONEY_SHIFT);
        const double ttc = attrib_fx_to_double(v[ATTRIB_ACC_C_TTC], ATTRIB_FX_MONEY_SHIFT);
        ATTRIB_COL(campaign, ATTRIB_RC_CAMPAIGN_ID, uint32_t)[c] = attrib_rules_camp_id(r, c);
        ATTRIB_COL(campaign, ATTRIB_RC_ADVERTISER_ID, uint32_t)[c] =
            attrib_rules_adv_id(r, attrib_rules_camp_adv(r, c));
        ATTRIB_COL(campaign, ATTRIB_RC_IMPRESSIONS, uint64_t)[c] = fx_count(v[ATTRIB_ACC_C_IMPRESSIONS]);
        ATTRIB_COL(campaign, ATTRIB_RC_ENGAGEMENTS, uint64_t)[c] = fx_count(v[ATTRIB_ACC_C_ENGAGEMENTS]);
        ATTRIB_COL(campaign, ATTRIB_RC_NURTURES, uint64_t)[c] = fx_count(v[ATTRIB_ACC_C_NURTURES]);
        ATTRIB_COL(campaign, ATTRIB_RC_REACH, uint64_t)[c] = fx_count(v[ATTRIB_ACC_C_REACH]);
        ATTRIB_COL(campaign, ATTRIB_RC_COST, double)[c] = cost;
        ATTRIB_COL(campaign, ATTRIB_RC_CONVERSIONS, double)[c] = conv;
        ATTRIB_COL(campaign, ATTRIB_RC_VALUE, double)[c] = value;
        ATTRIB_COL(campaign, ATTRIB_RC_CREDITED_TOUCHES, uint64_t)[c] =
            fx_count(v[ATTRIB_ACC_C_CREDITED_TOUCHES]);
        /* Tested on the exact sums, so "zero" means exactly zero. */
        ATTRIB_COL(campaign, ATTRIB_RC_MEAN_TTC_S, double)[c] =
            v[ATTRIB_ACC_C_CONVERSIONS] == 0 ? NAN : ttc / conv;
        ATTRIB_COL(campaign, ATTRIB_RC_ROAS, double)[c] = v[ATTRIB_ACC_C_COST] == 0 ? NAN : value / cost;
    }

    daily_to_table(&a->daily, r, daily, &attrib_schema_report_daily);
    daily_to_table(&a->daily_touch, r, daily_touch, &attrib_schema_report_daily_touch);

    /* Catalog advertisers (every one gets a row) merged with the map's keys. */
    const size_t na = attrib_rules_nadvertisers(r);
    uint64_t *cat = attrib_xmalloc((na ? na : 1) * sizeof *cat);
    for (size_t i = 0; i < na; i++)
        cat[i] = attrib_rules_adv_id(r, i);
    uint32_t *perm = attrib_xmalloc((na ? na : 1) * sizeof *perm);
    const uint64_t *keys[1] = {cat};
    attrib_sort_lex(na, 1, keys, perm);

    const attrib_sparse *m = &a->advertiser;
    assert(m->sorted);
    attrib_table_init(advertiser, &attrib_schema_report_advertiser, 1);
    attrib_table_reserve(advertiser, na + m->n);
    size_t i = 0, j = 0;
    while (i < na || j < m->n) {
        uint64_t id;
        const attrib_fx *v = NULL;
        if (j == m->n || (i < na && cat[perm[i]] < m->key[j])) {
            id = cat[perm[i++]];
        } else {
            id = m->key[j];
            v = m->val + j * ATTRIB_ACC_A_N;
            if (i < na && cat[perm[i]] == id)
                i++;
            j++;
        }
        const size_t row = attrib_table_push(advertiser);
        ATTRIB_COL(advertiser, ATTRIB_RA_ADVERTISER_ID, uint32_t)[row] = (uint32_t)id;
        static const int col_of[ATTRIB_ACC_A_N] = {
            [ATTRIB_ACC_A_CONVERSIONS] = ATTRIB_RA_CONVERSIONS,
            [ATTRIB_ACC_A_ATTRIBUTED] = ATTRIB_RA_ATTRIBUTED,
            [ATTRIB_ACC_A_NO_TOUCH] = ATTRIB_RA_UNATTR_NO_TOUCH,
            [ATTRIB_ACC_A_RULE_EXCLUDED] = ATTRIB_RA_UNATTR_RULE_EXCLUDED,
            [ATTRIB_ACC_A_OUTSIDE_WINDOW] = ATTRIB_RA_UNATTR_OUTSIDE_WINDOW,
            [ATTRIB_ACC_A_DUP_TOUCHES] = ATTRIB_RA_DUP_TOUCHES,
            [ATTRIB_ACC_A_DUP_TOUCHES_INEXACT] = ATTRIB_RA_DUP_TOUCHES_INEXACT,
            [ATTRIB_ACC_A_DUP_CONVERSIONS] = ATTRIB_RA_DUP_CONVERSIONS,
            [ATTRIB_ACC_A_DUP_CONVERSIONS_INEXACT] = ATTRIB_RA_DUP_CONVERSIONS_INEXACT,
        };
        for (int f = 0; f < ATTRIB_ACC_A_N; f++)
            ATTRIB_COL(advertiser, col_of[f], uint64_t)[row] = v ? fx_count(v[f]) : 0;
    }
    free(cat);
    free(perm);
}

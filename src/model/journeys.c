/* The path map of a run's journeys (include/attrib/journeys.h): an open-addressing hash
 * of (advertiser, path) over an arena of campaign ids, and the fit of every advertiser
 * through attrib_fit_paths (markov.h). */
#define _GNU_SOURCE /* qsort_r */
#include "attrib/journeys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/markov.h"

typedef struct pentry {
    uint64_t hash;
    uint64_t off; /* first step in the arena */
    uint32_t adv, len;
    uint64_t conv, nulls;
    attrib_fx value;
} pentry;

struct attrib_pathmap {
    pentry *e;
    size_t n, cap;
    uint32_t *step; /* arena */
    uint64_t nstep, capstep;
    uint64_t *slot; /* entry index + 1, 0 = empty */
    size_t nslot;   /* power of two */
    uint64_t journeys;
};

static uint64_t path_hash(uint32_t adv, const uint32_t *c, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)adv << 32) ^ n;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

attrib_pathmap *attrib_pathmap_new(void)
{
    attrib_pathmap *m = attrib_xcalloc(1, sizeof *m);
    m->nslot = 1024;
    m->slot = attrib_xcalloc(m->nslot, sizeof *m->slot);
    return m;
}

void attrib_pathmap_free(attrib_pathmap *m)
{
    if (!m)
        return;
    free(m->e);
    free(m->step);
    free(m->slot);
    free(m);
}

static void rehash(attrib_pathmap *m)
{
    free(m->slot);
    m->nslot *= 2;
    m->slot = attrib_xcalloc(m->nslot, sizeof *m->slot);
    const size_t mask = m->nslot - 1;
    for (size_t i = 0; i < m->n; i++) {
        size_t h = (size_t)m->e[i].hash & mask;
        while (m->slot[h])
            h = (h + 1) & mask;
        m->slot[h] = i + 1;
    }
}

void attrib_pathmap_add(attrib_pathmap *m, uint32_t adv, const uint32_t *c, size_t n,
                        uint64_t conv, attrib_fx value, uint64_t nulls)
{
    const uint64_t h = path_hash(adv, c, n);
    const size_t mask = m->nslot - 1;
    size_t s = (size_t)h & mask;
    m->journeys += conv + nulls;
    for (; m->slot[s]; s = (s + 1) & mask) {
        pentry *x = &m->e[m->slot[s] - 1];
        if (x->hash == h && x->adv == adv && x->len == n &&
            memcmp(m->step + x->off, c, n * sizeof *c) == 0) {
            x->conv += conv;
            x->nulls += nulls;
            x->value += value;
            return;
        }
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->e = attrib_xrealloc(m->e, m->cap * sizeof *m->e);
    }
    if (m->nstep + n > m->capstep) {
        while (m->nstep + n > m->capstep)
            m->capstep = m->capstep ? m->capstep * 2 : 4096;
        m->step = attrib_xrealloc(m->step, m->capstep * sizeof *m->step);
    }
    memcpy(m->step + m->nstep, c, n * sizeof *c);
    m->e[m->n] = (pentry){h, m->nstep, adv, (uint32_t)n, conv, nulls, value};
    m->nstep += n;
    m->slot[s] = ++m->n;
    if (2 * m->n > m->nslot)
        rehash(m);
}

size_t attrib_pathmap_size(const attrib_pathmap *m)
{
    return m->n;
}

uint64_t attrib_pathmap_journeys(const attrib_pathmap *m)
{
    return m->journeys;
}

/* Packed entry: adv u32, len u32, conv u64, nulls u64, value 16 bytes, len u32 steps. */
#define PACK_HEAD 40

void attrib_pathmap_pack(const attrib_pathmap *m, uint8_t **buf, size_t *len)
{
    const size_t total = m->n * PACK_HEAD + m->nstep * sizeof(uint32_t);
    uint8_t *b = attrib_xmalloc(total ? total : 1), *p = b;
    for (size_t i = 0; i < m->n; i++) {
        const pentry *x = &m->e[i];
        memcpy(p, &x->adv, 4);
        memcpy(p + 4, &x->len, 4);
        memcpy(p + 8, &x->conv, 8);
        memcpy(p + 16, &x->nulls, 8);
        memcpy(p + 24, &x->value, 16);
        memcpy(p + PACK_HEAD, m->step + x->off, x->len * sizeof(uint32_t));
        p += PACK_HEAD + x->len * sizeof(uint32_t);
    }
    *buf = b;
    *len = total;
}

int attrib_pathmap_add_packed(attrib_pathmap *m, const uint8_t *buf, size_t len)
{
    uint32_t *tmp = NULL;
    size_t tcap = 0;
    for (size_t at = 0; at < len;) {
        uint32_t adv, n;
        uint64_t conv, nulls;
        attrib_fx value;
        if (len - at < PACK_HEAD)
            goto bad;
        memcpy(&adv, buf + at, 4);
        memcpy(&n, buf + at + 4, 4);
        memcpy(&conv, buf + at + 8, 8);
        memcpy(&nulls, buf + at + 16, 8);
        memcpy(&value, buf + at + 24, 16);
        at += PACK_HEAD;
        if (n == 0 || (len - at) / sizeof(uint32_t) < n)
            goto bad;
        if (n > tcap) {
            tcap = n;
            tmp = attrib_xrealloc(tmp, tcap * sizeof *tmp);
        }
        memcpy(tmp, buf + at, n * sizeof(uint32_t));
        at += n * sizeof(uint32_t);
        attrib_pathmap_add(m, adv, tmp, n, conv, value, nulls);
    }
    free(tmp);
    return 0;
bad:
    free(tmp);
    return attrib_err_set(ATTRIB_EINTERNAL, "path map: corrupt packed buffer");
}

/* ---- /report/paths ---- */

/* Decimal digits of v at out (no NUL); their number. */
static size_t put_u32(uint32_t v, char *out)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static size_t path_string(const uint32_t *c, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            memcpy(out + k, " > ", 3);
            k += 3;
        }
        k += put_u32(c[i], out + k);
    }
    return k;
}

struct attrib_pathrows {
    const attrib_pathmap *m;
    size_t *order;  /* entries in output order */
    uint64_t *soff; /* per entry: its string in chars (soff[i] .. soff[i+1]) */
    char *chars;
    size_t width;
};

static int prow_cmp(const void *pa, const void *pb, void *ctx)
{
    const attrib_pathrows *r = ctx;
    const size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    const pentry *e = r->m->e;
    if (e[a].adv != e[b].adv)
        return e[a].adv < e[b].adv ? -1 : 1;
    const size_t la = r->soff[a + 1] - r->soff[a] - 1, lb = r->soff[b + 1] - r->soff[b] - 1;
    const int k = memcmp(r->chars + r->soff[a], r->chars + r->soff[b], la < lb ? la : lb);
    if (k)
        return k;
    return (la > lb) - (la < lb);
}

attrib_pathrows *attrib_pathrows_new(const attrib_pathmap *m)
{
    attrib_pathrows *r = attrib_xcalloc(1, sizeof *r);
    r->m = m;
    r->order = attrib_xmalloc((m->n ? m->n : 1) * sizeof *r->order);
    r->soff = attrib_xmalloc((m->n + 1) * sizeof *r->soff);
    uint64_t total = 0;
    for (size_t i = 0; i < m->n; i++)
        total += (uint64_t)m->e[i].len * 13 + 1; /* "4294967295 > ", NUL */
    r->chars = attrib_xmalloc(total ? (size_t)total : 1);
    r->soff[0] = 0;
    r->width = 1;
    for (size_t i = 0; i < m->n; i++) {
        const pentry *x = &m->e[i];
        const size_t l = path_string(m->step + x->off, x->len, r->chars + r->soff[i]);
        r->chars[r->soff[i] + l] = '\0';
        r->soff[i + 1] = r->soff[i] + l + 1;
        r->width = l > r->width ? l : r->width;
        r->order[i] = i;
    }
    qsort_r(r->order, m->n, sizeof *r->order, prow_cmp, r);
    return r;
}

size_t attrib_pathrows_count(const attrib_pathrows *r)
{
    return r->m->n;
}

size_t attrib_pathrows_width(const attrib_pathrows *r)
{
    return r->width;
}

void attrib_pathrows_get(const attrib_pathrows *r, size_t start, size_t count, attrib_table *t)
{
    if (t->strw[ATTRIB_RP_PATH] != r->width)
        attrib_table_set_strw(t, ATTRIB_RP_PATH, r->width);
    attrib_table_resize(t, count);
    for (size_t i = 0; i < count; i++) {
        const size_t k = r->order[start + i];
        const pentry *x = &r->m->e[k];
        ATTRIB_COL(t, ATTRIB_RP_ADVERTISER_ID, uint32_t)[i] = x->adv;
        attrib_table_set_str(t, ATTRIB_RP_PATH, i, r->chars + r->soff[k],
                             (size_t)(r->soff[k + 1] - r->soff[k] - 1));
        ATTRIB_COL(t, ATTRIB_RP_CONVERSIONS, uint64_t)[i] = x->conv;
        ATTRIB_COL(t, ATTRIB_RP_VALUE, double)[i] = attrib_fx_to_double(x->value, ATTRIB_FX_MONEY_SHIFT);
        ATTRIB_COL(t, ATTRIB_RP_NULLS, uint64_t)[i] = x->nulls;
    }
}

void attrib_pathrows_get_all(const attrib_pathrows *r, attrib_table *t, const char **strs)
{
    attrib_table_set_strw(t, ATTRIB_RP_PATH, 1);
    attrib_table_resize(t, r->m->n);
    for (size_t i = 0; i < r->m->n; i++) {
        const size_t k = r->order[i];
        const pentry *x = &r->m->e[k];
        ATTRIB_COL(t, ATTRIB_RP_ADVERTISER_ID, uint32_t)[i] = x->adv;
        strs[i] = r->chars + r->soff[k];
        ATTRIB_COL(t, ATTRIB_RP_CONVERSIONS, uint64_t)[i] = x->conv;
        ATTRIB_COL(t, ATTRIB_RP_VALUE, double)[i] = attrib_fx_to_double(x->value, ATTRIB_FX_MONEY_SHIFT);
        ATTRIB_COL(t, ATTRIB_RP_NULLS, uint64_t)[i] = x->nulls;
    }
}

void attrib_pathrows_free(attrib_pathrows *r)
{
    if (!r)
        return;
    free(r->order);
    free(r->soff);
    free(r->chars);
    free(r);
}

/* ---- the fit ---- */

static int adv_entry_cmp(const void *pa, const void *pb, void *ctx)
{
    const pentry *e = ctx;
    const size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    if (e[a].adv != e[b].adv)
        return e[a].adv < e[b].adv ? -1 : 1;
    return (a > b) - (a < b);
}

static int u32_cmp(const void *pa, const void *pb)
{
    const uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* Campaign ids by the bytewise order of their decimal strings. */
typedef struct dec_key {
    char s[12];
    uint32_t id;
} dec_key;

static int dec_cmp(const void *pa, const void *pb)
{
    return strcmp(((const dec_key *)pa)->s, ((const dec_key *)pb)->s);
}

static size_t find_u32(const uint32_t *v, size_t n, uint32_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int attrib_pathmap_fit(const attrib_pathmap *m, int (*order_of)(uint32_t, void *),
                       void (*re_out)(uint32_t, uint32_t, double, void *), void *ctx,
                       attrib_table *markov, attrib_table *shapley)
{
    size_t *idx = attrib_xmalloc((m->n ? m->n : 1) * sizeof *idx);
    for (size_t i = 0; i < m->n; i++)
        idx[i] = i;
    qsort_r(idx, m->n, sizeof *idx, adv_entry_cmp, m->e);
    int rc = 0;
    for (size_t g0 = 0; g0 < m->n && !rc;) {
        const uint32_t adv = m->e[idx[g0]].adv;
        size_t g1 = g0;
        uint64_t nsteps = 0;
        while (g1 < m->n && m->e[idx[g1]].adv == adv)
            nsteps += m->e[idx[g1++]].len;
        const size_t np = g1 - g0;
        /* the advertiser's campaigns (distinct: an open-addressing set over the steps),
         * by id (lookup) and by decimal string (channels) */
        size_t cap = 64;
        while (cap < 2 * nsteps && cap < ((size_t)1 << 20))
            cap *= 2;
        uint32_t *set = attrib_xmalloc(cap * sizeof *set);
        uint8_t *used = attrib_xcalloc(cap, 1);
        uint32_t *ids = NULL;
        size_t nu = 0, idcap = 0;
        for (size_t i = g0; i < g1; i++) {
            const pentry *x = &m->e[idx[i]];
            for (uint32_t k = 0; k < x->len; k++) {
                const uint32_t c = m->step[x->off + k];
                size_t h = (size_t)((c * UINT64_C(0x9E3779B97F4A7C15)) >> 40) & (cap - 1);
                while (used[h] && set[h] != c)
                    h = (h + 1) & (cap - 1);
                if (used[h])
                    continue;
                if (2 * (nu + 1) > cap) { /* grow: rebuild from ids */
                    cap *= 2;
                    free(set);
                    free(used);
                    set = attrib_xmalloc(cap * sizeof *set);
                    used = attrib_xcalloc(cap, 1);
                    for (size_t j = 0; j < nu; j++) {
                        size_t g = (size_t)((ids[j] * UINT64_C(0x9E3779B97F4A7C15)) >> 40) & (cap - 1);
                        while (used[g])
                            g = (g + 1) & (cap - 1);
                        used[g] = 1;
                        set[g] = ids[j];
                    }
                    h = (size_t)((c * UINT64_C(0x9E3779B97F4A7C15)) >> 40) & (cap - 1);
                    while (used[h])
                        h = (h + 1) & (cap - 1);
                }
                used[h] = 1;
                set[h] = c;
                if (nu == idcap) {
                    idcap = idcap ? idcap * 2 : 64;
                    ids = attrib_xrealloc(ids, idcap * sizeof *ids);
                }
                ids[nu++] = c;
            }
        }
        free(set);
        free(used);
        qsort(ids, nu, sizeof *ids, u32_cmp);
        dec_key *bydec = attrib_xmalloc(nu * sizeof *bydec);
        for (size_t k = 0; k < nu; k++) {
            bydec[k].s[put_u32(ids[k], bydec[k].s)] = '\0';
            bydec[k].id = ids[k];
        }
        qsort(bydec, nu, sizeof *bydec, dec_cmp);
        uint32_t *chan_of = attrib_xmalloc(nu * sizeof *chan_of); /* by id order */
        for (size_t k = 0; k < nu; k++)
            chan_of[find_u32(ids, nu, bydec[k].id)] = (uint32_t)k;
        uint64_t *off = attrib_xmalloc((np + 1) * sizeof *off);
        uint32_t *step = attrib_xmalloc(nsteps * sizeof *step);
        uint64_t *conv = attrib_xmalloc(np * sizeof *conv);
        uint64_t *nulls = attrib_xmalloc(np * sizeof *nulls);
        double *value = attrib_xmalloc(np * sizeof *value);
        off[0] = 0;
        for (size_t i = 0; i < np; i++) {
            const pentry *x = &m->e[idx[g0 + i]];
            for (uint32_t s = 0; s < x->len; s++)
                step[off[i] + s] = chan_of[find_u32(ids, nu, m->step[x->off + s])];
            off[i + 1] = off[i] + x->len;
            conv[i] = x->conv;
            nulls[i] = x->nulls;
            value[i] = attrib_fx_to_double(x->value, ATTRIB_FX_MONEY_SHIFT);
        }
        attrib_pathtab tab = {nu, np, off, step, conv, nulls, value};
        attrib_fit_result res;
        rc = attrib_fit_paths(&tab, order_of(adv, ctx), &res);
        if (rc) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", attrib_err_msg());
            rc = attrib_err_set(rc, "advertiser %u: %s", adv, msg);
        } else {
            const size_t r0 = markov->n, s0 = shapley->n;
            attrib_table_resize(markov, r0 + nu);
            attrib_table_resize(shapley, s0 + nu);
            for (size_t i = 0; i < nu; i++) { /* campaign id order */
                const uint32_t k = chan_of[i];
                ATTRIB_COL(markov, ATTRIB_RM_ADVERTISER_ID, uint32_t)[r0 + i] = adv;
                ATTRIB_COL(markov, ATTRIB_RM_CAMPAIGN_ID, uint32_t)[r0 + i] = ids[i];
                ATTRIB_COL(markov, ATTRIB_RM_REMOVAL_EFFECT, double)[r0 + i] = res.removal_effect[k];
                ATTRIB_COL(markov, ATTRIB_RM_CONVERSIONS, double)[r0 + i] = res.markov_conv[k];
                ATTRIB_COL(markov, ATTRIB_RM_VALUE, double)[r0 + i] = res.markov_value[k];
                ATTRIB_COL(shapley, ATTRIB_RS_ADVERTISER_ID, uint32_t)[s0 + i] = adv;
                ATTRIB_COL(shapley, ATTRIB_RS_CAMPAIGN_ID, uint32_t)[s0 + i] = ids[i];
                ATTRIB_COL(shapley, ATTRIB_RS_CONVERSIONS, double)[s0 + i] = res.shapley_conv[k];
                ATTRIB_COL(shapley, ATTRIB_RS_VALUE, double)[s0 + i] = res.shapley_value[k];
                if (re_out)
                    re_out(adv, ids[i], res.removal_effect[k], ctx);
            }
            attrib_fit_result_free(&res);
        }
        free(ids);
        free(bydec);
        free(chan_of);
        free(off);
        free(step);
        free(conv);
        free(nulls);
        free(value);
        g0 = g1;
    }
    free(idx);
    return rc;
}

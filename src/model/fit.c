/* Every data-driven model of one path table (markov.h): the order-K chain built from the
 * paths, its removal effects (markov.c), and the Shapley, first, last and linear splits.
 * Rows are visited in sorted order, so every sum runs in the same order whatever the
 * order of the caller's rows. */
#define _GNU_SOURCE /* qsort_r */
#include "attrib/markov.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"

/* A state: up to ATTRIB_MARKOV_MAX_ORDER channels. */
typedef struct state_key {
    uint32_t c[ATTRIB_MARKOV_MAX_ORDER];
    uint32_t len;
} state_key;

static int key_cmp(const state_key *a, const state_key *b)
{
    const uint32_t m = a->len < b->len ? a->len : b->len;
    for (uint32_t i = 0; i < m; i++)
        if (a->c[i] != b->c[i])
            return a->c[i] < b->c[i] ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

static int key_eq(const state_key *a, const state_key *b)
{
    return a->len == b->len && memcmp(a->c, b->c, a->len * sizeof a->c[0]) == 0;
}

static uint64_t key_hash(const state_key *k)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ k->len;
    for (uint32_t i = 0; i < k->len; i++) {
        h ^= k->c[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
    }
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

/* Compensated (Neumaier) summation: the sum of many values to about one rounding,
 * whatever their number and order. */
static inline void ksum(double *s, double *c, double x)
{
    const double t = *s + x;
    *c += fabs(*s) >= fabs(x) ? (*s - t) + x : (x - t) + *s;
    *s = t;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

/* Interning table of states: provisional ids in order of first appearance (from 1). */
typedef struct state_set {
    state_key *keys; /* [id] */
    size_t n, cap;
    uint32_t *slot;  /* open addressing: id, 0 = empty */
    size_t mask;
} state_set;

static void set_grow(state_set *s)
{
    const size_t ns = (s->mask + 1) * 2;
    uint32_t *slot = attrib_xcalloc(ns, sizeof *slot);
    for (size_t id = 1; id < s->n; id++) {
        size_t h = key_hash(&s->keys[id]) & (ns - 1);
        while (slot[h])
            h = (h + 1) & (ns - 1);
        slot[h] = (uint32_t)id;
    }
    free(s->slot);
    s->slot = slot;
    s->mask = ns - 1;
}

static uint32_t set_intern(state_set *s, const state_key *k)
{
    size_t h = key_hash(k) & s->mask;
    while (s->slot[h]) {
        if (key_eq(&s->keys[s->slot[h]], k))
            return s->slot[h];
        h = (h + 1) & s->mask;
    }
    if (s->n == s->cap) {
        s->cap *= 2;
        s->keys = attrib_xrealloc(s->keys, s->cap * sizeof *s->keys);
    }
    const uint32_t id = (uint32_t)s->n++;
    s->keys[id] = *k;
    s->slot[h] = id;
    if (2 * s->n > s->mask)
        set_grow(s);
    return id;
}

/* Row order: the path's steps, then its counts and value, so that equal keys are equal
 * rows and any sort gives the same sequence. */
static int row_cmp(const void *pa, const void *pb, void *ctx)
{
    const attrib_pathtab *t = ctx;
    const size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    const uint64_t la = t->off[a + 1] - t->off[a], lb = t->off[b + 1] - t->off[b];
    const uint32_t *sa = t->step + t->off[a], *sb = t->step + t->off[b];
    for (uint64_t i = 0; i < la && i < lb; i++)
        if (sa[i] != sb[i])
            return sa[i] < sb[i] ? -1 : 1;
    if (la != lb)
        return la < lb ? -1 : 1;
    if (t->conv[a] != t->conv[b])
        return t->conv[a] < t->conv[b] ? -1 : 1;
    const uint64_t na = t->nulls ? t->nulls[a] : 0, nb = t->nulls ? t->nulls[b] : 0;
    if (na != nb)
        return na < nb ? -1 : 1;
    const double va = t->value ? t->value[a] : 0.0, vb = t->value ? t->value[b] : 0.0;
    return (va > vb) - (va < vb);
}

static int perm_cmp(const void *pa, const void *pb, void *ctx)
{
    const state_key *keys = ctx;
    return key_cmp(&keys[*(const uint32_t *)pa], &keys[*(const uint32_t *)pb]);
}

typedef struct trans {
    uint64_t key; /* from << 32 | to */
    uint64_t count;
} trans;

static int trans_cmp(const void *pa, const void *pb)
{
    const uint64_t a = ((const trans *)pa)->key, b = ((const trans *)pb)->key;
    return (a > b) - (a < b);
}

/* The order-K chain of the rows `idx` (sorted) and its removal effects. */
static int fit_markov(const attrib_pathtab *t, const size_t *idx, int order, attrib_fit_result *r)
{
    const size_t K = (size_t)order;
    state_set s = {0};
    s.cap = 1024;
    s.keys = attrib_xmalloc(s.cap * sizeof *s.keys);
    s.n = 1; /* id 0: start */
    s.mask = 2047;
    s.slot = attrib_xcalloc(s.mask + 1, sizeof *s.slot);
    size_t ntr = 0, trcap = 1024, tmask = 4095;
    trans *tr = attrib_xmalloc(trcap * sizeof *tr);
    uint32_t *tslot = attrib_xcalloc(tmask + 1, sizeof *tslot); /* index + 1 into tr */
    int overflow = 0;
    size_t acap = 1024;
    uint64_t *aconv = attrib_xcalloc(acap, sizeof *aconv), *anull = attrib_xcalloc(acap, sizeof *anull);
    double *aval = attrib_xcalloc(acap, sizeof *aval), *avalc = attrib_xcalloc(acap, sizeof *avalc);
    int rc = 0;

    for (size_t ii = 0; ii < t->npaths; ii++) {
        const size_t i = idx[ii];
        const uint64_t nul = t->nulls ? t->nulls[i] : 0, w = t->conv[i] + nul;
        if (w == 0)
            continue;
        const uint32_t *p = t->step + t->off[i];
        const size_t len = t->off[i + 1] - t->off[i];
        const size_t ngrams = len < K ? 1 : len - K + 1;
        uint32_t prev = 0;
        state_key k = {{0}, 0};
        for (size_t g = 0; g < ngrams; g++) {
            k.len = (uint32_t)(len < K ? len : K);
            memcpy(k.c, p + g, k.len * sizeof k.c[0]);
            const uint32_t id = set_intern(&s, &k);
            if (id == prev)
                continue; /* consecutive identical states collapse */
            if (s.n > acap) {
                const size_t na = acap * 2;
                aconv = attrib_xrealloc(aconv, na * sizeof *aconv);
                anull = attrib_xrealloc(anull, na * sizeof *anull);
                aval = attrib_xrealloc(aval, na * sizeof *aval);
                avalc = attrib_xrealloc(avalc, na * sizeof *avalc);
                memset(aconv + acap, 0, (na - acap) * sizeof *aconv);
                memset(anull + acap, 0, (na - acap) * sizeof *anull);
                memset(aval + acap, 0, (na - acap) * sizeof *aval);
                memset(avalc + acap, 0, (na - acap) * sizeof *avalc);
                acap = na;
            }
            const uint64_t key = (uint64_t)prev << 32 | id;
            size_t h = (size_t)(mix64(key) & tmask);
            while (tslot[h] && tr[tslot[h] - 1].key != key)
                h = (h + 1) & tmask;
            if (tslot[h]) {
                overflow |= __builtin_add_overflow(tr[tslot[h] - 1].count, w, &tr[tslot[h] - 1].count);
            } else {
                if (ntr == trcap) {
                    trcap *= 2;
                    tr = attrib_xrealloc(tr, trcap * sizeof *tr);
                }
                tr[ntr] = (trans){key, w};
                tslot[h] = (uint32_t)++ntr;
                if (2 * ntr > tmask) { /* grow and rehash */
                    tmask = 2 * tmask + 1;
                    free(tslot);
                    tslot = attrib_xcalloc(tmask + 1, sizeof *tslot);
                    for (size_t j = 0; j < ntr; j++) {
                        size_t hh = (size_t)(mix64(tr[j].key) & tmask);
                        while (tslot[hh])
                            hh = (hh + 1) & tmask;
                        tslot[hh] = (uint32_t)(j + 1);
                    }
                }
            }
            prev = id;
        }
        aconv[prev] += t->conv[i];
        anull[prev] += nul;
        if (t->value)
            ksum(&aval[prev], &avalc[prev], t->value[i]);
    }
    const size_t n = s.n;
    if (overflow) {
        rc = attrib_err_set(ATTRIB_EINPUT, "path table: counts overflow 64 bits");
        goto out;
    }
    if (n > UINT32_MAX) {
        rc = attrib_err_set(ATTRIB_EINPUT, "Markov chain: more than 2^32 states");
        goto out;
    }
    /* Number states in sorted order: final id rank[provisional]. */
    uint32_t *perm = attrib_xmalloc(n * sizeof *perm), *rank = attrib_xmalloc(n * sizeof *rank);
    for (size_t j = 0; j < n - 1; j++)
        perm[j] = (uint32_t)(j + 1);
    qsort_r(perm, n - 1, sizeof *perm, perm_cmp, s.keys);
    rank[0] = 0;
    for (size_t j = 0; j < n - 1; j++)
        rank[perm[j]] = (uint32_t)(j + 1);
    for (size_t j = 0; j < ntr; j++)
        tr[j].key = (uint64_t)rank[tr[j].key >> 32] << 32 | rank[(uint32_t)tr[j].key];
    qsort(tr, ntr, sizeof *tr, trans_cmp); /* distinct keys (rank is one to one) */
    const size_t m = ntr;
    uint32_t *from = attrib_xmalloc((m ? m : 1) * sizeof *from), *to = attrib_xmalloc((m ? m : 1) * sizeof *to);
    uint64_t *cnt = attrib_xmalloc((m ? m : 1) * sizeof *cnt);
    for (size_t j = 0; j < m; j++) {
        from[j] = (uint32_t)(tr[j].key >> 32);
        to[j] = (uint32_t)tr[j].key;
        cnt[j] = tr[j].count;
    }
    uint64_t *conv = attrib_xmalloc(n * sizeof *conv), *null = attrib_xmalloc(n * sizeof *null);
    double *val = attrib_xmalloc(n * sizeof *val);
    for (size_t j = 0; j < n; j++) {
        conv[rank[j]] = aconv[j];
        null[rank[j]] = anull[j];
        val[rank[j]] = aval[j] + avalc[j];
    }
    /* Groups: the states that contain each channel (a state's channels counted once). */
    uint64_t *goff = attrib_xcalloc(t->nchan + 1, sizeof *goff);
    for (size_t j = 1; j < n; j++) {
        const state_key *k = &s.keys[perm[j - 1]];
        for (uint32_t a = 0; a < k->len; a++) {
            uint32_t b = 0;
            while (b < a && k->c[b] != k->c[a])
                b++;
            if (b == a)
                goff[k->c[a] + 1]++;
        }
    }
    for (size_t g = 0; g < t->nchan; g++)
        goff[g + 1] += goff[g];
    uint32_t *gstate = attrib_xmalloc((goff[t->nchan] ? goff[t->nchan] : 1) * sizeof *gstate);
    uint64_t *gfill = attrib_xmalloc((t->nchan ? t->nchan : 1) * sizeof *gfill);
    memcpy(gfill, goff, t->nchan * sizeof *gfill);
    for (size_t j = 1; j < n; j++) { /* final ids ascending: each list sorted */
        const state_key *k = &s.keys[perm[j - 1]];
        for (uint32_t a = 0; a < k->len; a++) {
            uint32_t b = 0;
            while (b < a && k->c[b] != k->c[a])
                b++;
            if (b == a)
                gstate[gfill[k->c[a]]++] = (uint32_t)j;
        }
    }
    if (rc == 0) {
        const attrib_markov_chain c = {.n = n, .ntrans = m, .ngroups = t->nchan, .from = from, .to = to,
                                       .count = cnt, .conv = conv, .null = null, .value = val,
                                       .goff = goff, .gstate = gstate};
        r->nstates = n - 1;
        r->ntransitions = m;
        double *rem = attrib_xmalloc((t->nchan ? t->nchan : 1) * sizeof *rem);
        rc = attrib_markov_removal(&c, rem, r->vre, &r->method, &r->sweeps);
        for (size_t g = 0; g < t->nchan && rc == 0; g++) {
            double re = r->conversions ? rem[g] / (double)r->conversions : 0.0;
            r->removal_effect[g] = re > 1.0 ? 1.0 : re; /* rounding only: RE <= 1 */
            r->vre[g] = r->journeys ? r->vre[g] / (double)r->journeys : 0.0;
        }
        free(rem);
    }
    free(gfill);
    free(gstate);
    free(goff);
    free(val);
    free(null);
    free(conv);
    free(cnt);
    free(to);
    free(from);
    free(rank);
    free(perm);
out:
    free(avalc);
    free(aval);
    free(anull);
    free(aconv);
    free(tslot);
    free(tr);
    free(s.slot);
    free(s.keys);
    return rc;
}

/* The rows in an order that depends on their contents only: by a hash of the row, then
 * (for equal hashes, in practice only identical rows) by row_cmp. LSD radix sort on the
 * hash, 16 bits a pass. Returns the permutation (caller frees). */
static size_t *sort_rows(const attrib_pathtab *t)
{
    const size_t n = t->npaths;
    uint64_t *h = attrib_xmalloc((n ? n : 1) * sizeof *h), *h2 = attrib_xmalloc((n ? n : 1) * sizeof *h2);
    size_t *idx = attrib_xmalloc((n ? n : 1) * sizeof *idx), *idx2 = attrib_xmalloc((n ? n : 1) * sizeof *idx2);
    for (size_t i = 0; i < n; i++) {
        uint64_t x = mix64(t->conv[i] ^ 0x243f6a8885a308d3ull) ^ mix64((t->nulls ? t->nulls[i] : 0) + 1);
        double v = t->value ? t->value[i] : 0.0;
        uint64_t vb;
        v += 0.0; /* -0.0 and 0.0 hash alike (they compare equal) */
        memcpy(&vb, &v, sizeof vb);
        x = mix64(x ^ vb);
        for (uint64_t j = t->off[i]; j < t->off[i + 1]; j++)
            x = mix64(x ^ (t->step[j] + 0x9e3779b97f4a7c15ull));
        h[i] = mix64(x ^ (t->off[i + 1] - t->off[i]));
        idx[i] = i;
    }
    size_t *cnt = attrib_xmalloc(65536 * sizeof *cnt);
    for (int pass = 0; pass < 4; pass++) {
        const int sh = 16 * pass;
        memset(cnt, 0, 65536 * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(h[i] >> sh) & 0xffff]++;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            const size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            const size_t o = cnt[(h[i] >> sh) & 0xffff]++;
            h2[o] = h[i];
            idx2[o] = idx[i];
        }
        uint64_t *th = h;
        h = h2;
        h2 = th;
        size_t *ti = idx;
        idx = idx2;
        idx2 = ti;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && h[j] == h[i])
            j++;
        if (j - i > 1)
            qsort_r(idx + i, j - i, sizeof *idx, row_cmp, (void *)t);
        i = j;
    }
    free(cnt);
    free(idx2);
    free(h2);
    free(h);
    return idx;
}

void attrib_fit_result_free(attrib_fit_result *r)
{
    if (!r)
        return;
    free(r->removal_effect); /* one block holds every array */
    memset(r, 0, sizeof *r);
}

enum { NCOLS = 13 };

int attrib_fit_paths(const attrib_pathtab *t, int order, attrib_fit_result *r)
{
    memset(r, 0, sizeof *r);
    if (order < 1 || order > ATTRIB_MARKOV_MAX_ORDER)
        return attrib_err_set(ATTRIB_EINPUT, "Markov order %d (valid: 1 to %d)", order,
                              ATTRIB_MARKOV_MAX_ORDER);
    if (t->nchan > UINT32_MAX)
        return attrib_err_set(ATTRIB_EINPUT, "path table: %zu channels", t->nchan);
    uint64_t journeys = 0, conversions = 0;
    double value = 0.0;
    for (size_t i = 0; i < t->npaths; i++) {
        const uint64_t nul = t->nulls ? t->nulls[i] : 0;
        const double v = t->value ? t->value[i] : 0.0;
        if (t->off[i + 1] <= t->off[i])
            return attrib_err_set(ATTRIB_EINPUT, "path table: row %zu has an empty path", i);
        for (uint64_t j = t->off[i]; j < t->off[i + 1]; j++)
            if (t->step[j] >= t->nchan)
                return attrib_err_set(ATTRIB_EINPUT, "path table: row %zu: channel %u out of range", i,
                                      t->step[j]);
        if (!(v >= 0.0) || !isfinite(v) || (v > 0.0 && t->conv[i] == 0))
            return attrib_err_set(ATTRIB_EINPUT, "path table: row %zu: bad value %g", i, v);
        if (__builtin_add_overflow(journeys, t->conv[i], &journeys) ||
            __builtin_add_overflow(journeys, nul, &journeys))
            return attrib_err_set(ATTRIB_EINPUT, "path table: counts overflow 64 bits");
        conversions += t->conv[i]; /* <= journeys */
    }
    size_t *idx = sort_rows(t);
    double valuec = 0.0;
    for (size_t ii = 0; ii < t->npaths; ii++)
        ksum(&value, &valuec, t->value ? t->value[idx[ii]] : 0.0);
    value += valuec;
    if (!isfinite(value)) {
        free(idx);
        return attrib_err_set(ATTRIB_EINPUT, "path table: the values add up to more than %g", DBL_MAX);
    }

    const size_t nc = t->nchan;
    double *block = attrib_xcalloc(NCOLS * (nc ? nc : 1), sizeof *block);
    r->nchan = nc;
    r->order = order;
    r->journeys = journeys;
    r->conversions = conversions;
    r->value = value;
    r->p = journeys ? (double)conversions / (double)journeys : 0.0;
    double **cols[NCOLS] = {&r->removal_effect, &r->vre, &r->markov_conv, &r->markov_value,
                            &r->shapley_conv, &r->shapley_value, &r->first_conv, &r->last_conv,
                            &r->linear_conv, &r->first_value, &r->last_value, &r->linear_value, NULL};
    for (int c = 0; cols[c]; c++)
        *cols[c] = block + (size_t)c * (nc ? nc : 1);

    /* Shapley, first, last, linear: repeats counted, paths in sorted order. */
    /* compensation terms of the ten sums below, column by column as in `block` */
    double *comp = attrib_xcalloc(NCOLS * (nc ? nc : 1), sizeof *comp);
#define ADD(col, k, x) ksum(&r->col[k], &comp[(size_t)(r->col - block) + (k)], (x))
    uint64_t *stamp = attrib_xcalloc(nc ? nc : 1, sizeof *stamp);
    uint64_t *times = attrib_xcalloc(nc ? nc : 1, sizeof *times);
    for (size_t ii = 0; ii < t->npaths; ii++) {
        const size_t i = idx[ii];
        const uint64_t cv = t->conv[i];
        if (cv == 0)
            continue;
        const double c = (double)cv, v = t->value ? t->value[i] : 0.0;
        const uint32_t *p = t->step + t->off[i];
        const size_t len = t->off[i + 1] - t->off[i];
        size_t distinct = 0;
        for (size_t j = 0; j < len; j++) {
            if (stamp[p[j]] != ii + 1) {
                stamp[p[j]] = ii + 1;
                times[p[j]] = 0;
                distinct++;
            }
            times[p[j]]++;
        }
        ADD(first_conv, p[0], c);
        ADD(first_value, p[0], v);
        ADD(last_conv, p[len - 1], c);
        ADD(last_value, p[len - 1], v);
        for (size_t j = 0; j < len; j++) {
            const uint32_t k = p[j];
            if (times[k] == 0)
                continue; /* already credited at its first occurrence */
            ADD(shapley_conv, k, c / (double)distinct);
            ADD(shapley_value, k, v / (double)distinct);
            ADD(linear_conv, k, c * (double)times[k] / (double)len);
            ADD(linear_value, k, v * (double)times[k] / (double)len);
            times[k] = 0;
        }
    }
#undef ADD
    for (size_t j = 0; j < NCOLS * (nc ? nc : 1); j++)
        block[j] += comp[j];
    free(comp);
    free(times);
    free(stamp);

    int rc = 0;
    if (conversions > 0)
        rc = fit_markov(t, idx, order, r);
    if (rc == 0) {
        double sre = 0.0, svre = 0.0;
        for (size_t k = 0; k < nc; k++) {
            sre += r->removal_effect[k];
            svre += r->vre[k];
        }
        for (size_t k = 0; k < nc; k++) {
            r->markov_conv[k] = sre > 0.0 ? (double)conversions * r->removal_effect[k] / sre : 0.0;
            r->markov_value[k] = svre > 0.0 ? value * r->vre[k] / svre : 0.0;
        }
    }
    free(idx);
    if (rc < 0)
        attrib_fit_result_free(r);
    return rc;
}

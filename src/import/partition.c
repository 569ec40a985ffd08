/* attrib import — rows grouped by logical partition (partition.h). The rows travel as
 * the run's 40-byte records through the record exchange (include/attrib/recx.h: one
 * wave, every partition's owner the rank of its range), then each rank sorts each of
 * its partitions in cache and unpacks them into columns. */
#include "partition.h"

#include <stdlib.h>
#include <string.h>

#include "attrib/engine.h"
#include "attrib/err.h"
#include "attrib/par_coll.h"
#include "attrib/partition.h"
#include "attrib/recx.h"

/* Rows per exchange step: 2^18 rows are 10 MiB of records. */
#define SEND_ROWS (UINT64_C(1) << 18)

/* Pack rows [lo, hi) of table t (events or conversions) at their slots. */
static void pack(const attrib_table *t, int is_events, size_t lo, size_t hi, const int32_t *slot,
                 uint64_t *cursor, void *out)
{
    if (is_events) {
        attrib_ev_cols c = {ATTRIB_COL(t, ATTRIB_EV_IDENTITY, uint64_t) + lo,
                            ATTRIB_COL(t, ATTRIB_EV_EVENT_ID, uint64_t) + lo,
                            ATTRIB_COL(t, ATTRIB_EV_TS, int64_t) + lo,
                            ATTRIB_COL(t, ATTRIB_EV_CAMPAIGN_ID, uint32_t) + lo,
                            ATTRIB_COL(t, ATTRIB_EV_KIND, uint8_t) + lo,
                            ATTRIB_COL(t, ATTRIB_EV_COST, double) + lo};
        attrib_pack_events(&c, hi - lo, slot, cursor, out);
    } else {
        attrib_cv_cols c = {ATTRIB_COL(t, ATTRIB_CV_IDENTITY, uint64_t) + lo,
                            ATTRIB_COL(t, ATTRIB_CV_CONVERSION_ID, uint64_t) + lo,
                            ATTRIB_COL(t, ATTRIB_CV_TS, int64_t) + lo,
                            ATTRIB_COL(t, ATTRIB_CV_ADVERTISER_ID, uint32_t) + lo,
                            ATTRIB_COL(t, ATTRIB_CV_TYPE, uint16_t) + lo,
                            ATTRIB_COL(t, ATTRIB_CV_VALUE, double) + lo};
        attrib_pack_conversions(&c, hi - lo, slot, cursor, out);
    }
}

/* Send every row of *t to its partition's owner, then replace *t by this rank's
 * partitions, sorted. */
static int regroup(const attrib_par *p, const attrib_recx_layout *L, const uint64_t *hist,
                   const int *owner, int is_events, attrib_table *t)
{
    const int P = p->size;
    uint64_t cap = 0;
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        cap += owner[q] == p->rank ? hist[q] : 0;
    const size_t recsize = is_events ? sizeof(attrib_ev_rec) : sizeof(attrib_cv_rec);
    const int idcol = is_events ? ATTRIB_EV_IDENTITY : ATTRIB_CV_IDENTITY;
    attrib_recx_store st;
    attrib_recx_store_init(&st, recsize, (uint32_t)L->nslot[p->rank], cap);
    const size_t ns = L->nslots ? L->nslots : 1;
    uint64_t *cnt = attrib_xmalloc(ns * sizeof *cnt), *cursor = attrib_xmalloc(ns * sizeof *cursor);
    const uint64_t step = P == 1 ? (t->n ? t->n : 1) : SEND_ROWS;
    int32_t *slot = attrib_xmalloc((size_t)(step < t->n ? step : (t->n ? t->n : 1)) * sizeof *slot);
    char *sendbuf = P > 1 ? attrib_xmalloc((size_t)(step < t->n ? step : (t->n ? t->n : 1)) * recsize) : NULL;
    const uint64_t steps = attrib_par_max_u64(p, (t->n + step - 1) / step);
    int rc = 0;
    for (uint64_t k = 0; k < steps && rc == 0; k++) {
        const size_t lo = (size_t)(k * step < t->n ? k * step : t->n);
        const size_t hi = (size_t)((k + 1) * step < t->n ? (k + 1) * step : t->n);
        memset(cnt, 0, L->nslots * sizeof *cnt);
        if (hi > lo) /* an empty table has no columns to offset into */
            attrib_pack_slots((const uint64_t *)t->col[idcol] + lo, hi - lo, L->slot_of_part, slot,
                              cnt);
        uint64_t tot = 0;
        for (uint32_t s = 0; s < L->nslots; s++) {
            cursor[s] = tot;
            tot += cnt[s];
        }
        if (P == 1) {
            char *dst = attrib_recx_store_append(&st, cnt);
            if (!dst)
                rc = ATTRIB_EINTERNAL;
            else if (hi > lo)
                pack(t, is_events, lo, hi, slot, cursor, dst);
        } else {
            if (hi > lo)
                pack(t, is_events, lo, hi, slot, cursor, sendbuf);
            rc = attrib_recx_exchange(p, L, sendbuf, cnt, &st);
        }
    }
    free(cnt);
    free(cursor);
    free(slot);
    free(sendbuf);
    if (!rc && st.n != st.cap)
        rc = attrib_err_set(ATTRIB_EINTERNAL, "import: received %llu rows, counted %llu",
                            (unsigned long long)st.n, (unsigned long long)st.cap);
    rc = attrib_par_agree(p, rc);
    if (rc) {
        attrib_recx_store_free(&st);
        return rc;
    }
    /* This rank's partitions, each gathered from its pieces of every block, sorted, into
     * the table's own columns (all sent by now): resized in place, so its pages are
     * reused rather than fresh ones faulted in, and not cleared (every row is written). */
    t->n = 0;
    attrib_table_reserve(t, (size_t)cap);
    t->n = (size_t)cap;
    uint64_t *cur = attrib_xmalloc((st.nblk ? st.nblk : 1) * sizeof *cur);
    if (st.nblk)
        memcpy(cur, st.base, st.nblk * sizeof *cur);
    uint64_t biggest = 0;
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        biggest = owner[q] == p->rank && hist[q] > biggest ? hist[q] : biggest;
    char *buf = attrib_xmalloc((size_t)(biggest ? biggest : 1) * recsize);
    char *tmp = attrib_xmalloc((size_t)(biggest ? biggest : 1) * recsize);
    size_t at = 0;
    for (uint32_t j = 0; j < st.nmine; j++) {
        size_t n = 0;
        for (size_t b = 0; b < st.nblk; b++) {
            const uint32_t c = st.cnt[b * st.nmine + j];
            if (c)
                memcpy(buf + n * recsize, st.rows + cur[b] * recsize, (size_t)c * recsize);
            cur[b] += c;
            n += c;
        }
        if (is_events) {
            attrib_sort_stored_events((attrib_ev_rec *)buf, n, (attrib_ev_rec *)tmp);
            attrib_unpack_events((const attrib_ev_rec *)buf, n, t, at);
        } else {
            attrib_sort_stored_conversions((attrib_cv_rec *)buf, n, (attrib_cv_rec *)tmp);
            attrib_unpack_conversions((const attrib_cv_rec *)buf, n, t, at);
        }
        at += n;
    }
    free(buf);
    free(tmp);
    free(cur);
    attrib_recx_store_free(&st);
    return 0;
}

int attrib_import_partition(const attrib_par *p, attrib_table *ev, attrib_table *cv,
                            attrib_table *parts, uint64_t first[2])
{
    const uint32_t NP = ATTRIB_NPARTITIONS;
    uint64_t *hist = attrib_xcalloc(2 * (size_t)NP, sizeof *hist);
    const uint64_t *eid = ev->col[ATTRIB_EV_IDENTITY], *cid = cv->col[ATTRIB_CV_IDENTITY];
    for (size_t i = 0; i < ev->n; i++)
        hist[attrib_partition_of(eid[i])]++;
    for (size_t i = 0; i < cv->n; i++)
        hist[NP + attrib_partition_of(cid[i])]++;
    int rc = attrib_par_agree(p, attrib_par_sum_u64_array(p, hist, 2 * (size_t)NP));
    if (rc) {
        free(hist);
        return rc;
    }
    uint64_t *rows = attrib_xmalloc(NP * sizeof *rows);
    for (uint32_t q = 0; q < NP; q++)
        rows[q] = hist[q] + hist[NP + q];
    int *owner = attrib_xmalloc(NP * sizeof *owner);
    attrib_plan_ranges(rows, NP, p->size, owner);
    uint16_t *wave = attrib_xcalloc(NP, sizeof *wave);
    attrib_recx_layout L;
    attrib_recx_layout_build(p->size, NP, owner, wave, 0, &L);
    rc = regroup(p, &L, hist, owner, 1, ev);
    if (!rc)
        rc = regroup(p, &L, hist + NP, owner, 0, cv);
    attrib_recx_layout_free(&L);
    if (!rc) {
        attrib_table_init(parts, &attrib_schema_partitions, 1);
        attrib_table_resize(parts, NP + 1);
        uint64_t *pe = parts->col[ATTRIB_PT_EVENTS], *pc = parts->col[ATTRIB_PT_CONVERSIONS];
        pe[0] = pc[0] = 0;
        for (uint32_t q = 0; q < NP; q++) {
            pe[q + 1] = pe[q] + hist[q];
            pc[q + 1] = pc[q] + hist[NP + q];
        }
        first[0] = attrib_par_exscan_u64(p, ev->n);
        first[1] = attrib_par_exscan_u64(p, cv->n);
    }
    free(wave);
    free(owner);
    free(rows);
    free(hist);
    return rc;
}

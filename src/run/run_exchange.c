/* attrib run — the exchange of one wave: every rank reads its slab again a round (one
 * file chunk, 2^20 rows, or the budget's round) at a time, the columns other than
 * identity only; checks the input contract row by row; packs each row of the wave's
 * partitions into a 40-byte record at its destination slot (owner rank, then
 * partition); and sends them with the record exchange (include/attrib/recx.h), in
 * sub-rounds that keep the send buffer small. The receiver's store knows per block
 * (sub-round, source rank) how many rows each of its partitions has.
 *
 * A partitioned store (the index /partitions, docs/formats.md) takes the other path,
 * run_direct_stream: every rank's partitions are one range of rows, read where they
 * lie a step of partitions at a time, each step packed and matched before the next is
 * read, with nothing sent.
 */
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/par_coll.h"
#include "attrib/partition.h"
#include "attrib/timeparse.h"
#include "run_impl.h"

/* Rows sent per exchange step: 2^18 rows are 10 MiB of records. */
#define SEND_ROWS (UINT64_C(1) << 18)

/* The input tables without their identity column (read once, in run_read.c). */
static attrib_schema ev_rest, cv_rest;
enum { EVR_EVENT_ID, EVR_TS, EVR_CAMPAIGN_ID, EVR_KIND, EVR_COST };
enum { CVR_CONVERSION_ID, CVR_TS, CVR_ADVERTISER_ID, CVR_TYPE, CVR_VALUE };

static void sub_schema(attrib_schema *out, const attrib_schema *full, const int *cols, size_t n)
{
    memset(out, 0, sizeof *out);
    out->name = full->name;
    out->ncols = n;
    for (size_t i = 0; i < n; i++)
        out->cols[i] = full->cols[cols[i]];
}

static void init_schemas(void)
{
    static const int evr[] = {ATTRIB_EV_EVENT_ID, ATTRIB_EV_TS, ATTRIB_EV_CAMPAIGN_ID, ATTRIB_EV_KIND, ATTRIB_EV_COST};
    static const int cvr[] = {ATTRIB_CV_CONVERSION_ID, ATTRIB_CV_TS, ATTRIB_CV_ADVERTISER_ID, ATTRIB_CV_TYPE, ATTRIB_CV_VALUE};
    sub_schema(&ev_rest, &attrib_schema_events, evr, 5);
    sub_schema(&cv_rest, &attrib_schema_conversions, cvr, 5);
}

/* The rows of a round must satisfy the input contract; the message names the row. */
static int check_events(const run_input *ri, const attrib_table *t, uint64_t row0)
{
    const uint8_t *kind = t->col[EVR_KIND];
    const int64_t *ts = t->col[EVR_TS];
    const double *cost = t->col[EVR_COST];
    for (size_t i = 0; i < t->n; i++) {
        if (!attrib_amount_ok(cost[i]))
            return attrib_err_set(ATTRIB_EINPUT,
                                  "%s: dataset /events/cost row %llu: %g is not an amount from 0 to %g",
                                  ri->path, (unsigned long long)(row0 + i), cost[i], ATTRIB_AMOUNT_MAX);
        if (kind[i] >= ATTRIB_NKINDS)
            return attrib_err_set(ATTRIB_EINPUT, "%s: dataset /events/kind row %llu: %u is not a kind",
                                  ri->path, (unsigned long long)(row0 + i), (unsigned)kind[i]);
        if (ts[i] < ATTRIB_TIME_MIN_MS || ts[i] > ATTRIB_TIME_MAX_MS)
            return attrib_err_set(ATTRIB_EINPUT,
                                  "%s: dataset /events/ts row %llu: %lld is outside years 0000 to 9999",
                                  ri->path, (unsigned long long)(row0 + i), (long long)ts[i]);
    }
    return 0;
}

static int check_conversions(const run_input *ri, const attrib_table *t, uint64_t row0)
{
    const uint16_t *type = t->col[CVR_TYPE];
    const int64_t *ts = t->col[CVR_TS];
    const double *value = t->col[CVR_VALUE];
    for (size_t i = 0; i < t->n; i++) {
        if (!attrib_amount_ok(value[i]))
            return attrib_err_set(ATTRIB_EINPUT,
                                  "%s: dataset /conversions/value row %llu: %g is not an amount from 0 to %g",
                                  ri->path, (unsigned long long)(row0 + i), value[i], ATTRIB_AMOUNT_MAX);
        if (type[i] >= ri->ntypes)
            return attrib_err_set(ATTRIB_EINPUT,
                                  "%s: dataset /conversions/type row %llu: %u is beyond the %zu names "
                                  "of /conversions/type_names",
                                  ri->path, (unsigned long long)(row0 + i), (unsigned)type[i],
                                  ri->ntypes);
        if (ts[i] < ATTRIB_TIME_MIN_MS || ts[i] > ATTRIB_TIME_MAX_MS)
            return attrib_err_set(ATTRIB_EINPUT,
                                  "%s: dataset /conversions/ts row %llu: %lld is outside years 0000 to 9999",
                                  ri->path, (unsigned long long)(row0 + i), (long long)ts[i]);
    }
    return 0;
}

/* One table (events or conversions) of one wave: `rounds` rounds over [lo, hi). */
typedef struct table_pass {
    const attrib_schema *rest;
    const uint64_t *ids; /* identity of rows lo.. */
    uint64_t lo, hi, rounds, round; /* slab, rounds and rows per round */
    int is_events;
    attrib_recx_store *st;
} table_pass;

/* Pack rows [r0, r0+n) of the round's table t (identities ids[0..n)). */
static void pack_round(const table_pass *tp, const attrib_table *t, size_t r0, const uint64_t *ids,
                       size_t n, const int32_t *slot, uint64_t *cursor, char *out)
{
    if (tp->is_events) {
        attrib_ev_cols c = {ids, ATTRIB_COL(t, EVR_EVENT_ID, uint64_t) + r0,
                            ATTRIB_COL(t, EVR_TS, int64_t) + r0,
                            ATTRIB_COL(t, EVR_CAMPAIGN_ID, uint32_t) + r0,
                            ATTRIB_COL(t, EVR_KIND, uint8_t) + r0, ATTRIB_COL(t, EVR_COST, double) + r0};
        attrib_pack_events(&c, n, slot, cursor, (attrib_ev_rec *)out);
    } else {
        attrib_cv_cols c = {ids, ATTRIB_COL(t, CVR_CONVERSION_ID, uint64_t) + r0,
                            ATTRIB_COL(t, CVR_TS, int64_t) + r0,
                            ATTRIB_COL(t, CVR_ADVERTISER_ID, uint32_t) + r0,
                            ATTRIB_COL(t, CVR_TYPE, uint16_t) + r0, ATTRIB_COL(t, CVR_VALUE, double) + r0};
        attrib_pack_conversions(&c, n, slot, cursor, (attrib_cv_rec *)out);
    }
}

/* Slots and their counts of n rows, and each slot's first position (cursor). */
static void slots_of(const attrib_recx_layout *L, const uint64_t *ids, size_t n, int32_t *slot,
                     uint64_t *cnt, uint64_t *cursor)
{
    memset(cnt, 0, L->nslots * sizeof *cnt);
    attrib_pack_slots(ids, n, L->slot_of_part, slot, cnt);
    uint64_t tot = 0;
    for (uint32_t s = 0; s < L->nslots; s++) {
        cursor[s] = tot;
        tot += cnt[s];
    }
}

static int exchange_table(const attrib_par *p, const run_input *ri, const attrib_recx_layout *L,
                          const table_pass *tp, double *read_s)
{
    attrib_recx_store *st = tp->st;
    const int P = p->size;
    int rc = 0;
    const size_t ns = L->nslots ? L->nslots : 1;
    uint64_t *cnt = attrib_xmalloc(ns * sizeof *cnt), *cursor = attrib_xmalloc(ns * sizeof *cursor);
    const uint64_t slot_rows = P > 1 && SEND_ROWS < ri->round_rows ? SEND_ROWS : ri->round_rows;
    int32_t *slot = attrib_xmalloc((size_t)(slot_rows ? slot_rows : 1) * sizeof *slot);
    char *sendbuf = P > 1 ? attrib_xmalloc((size_t)(slot_rows ? slot_rows : 1) * st->recsize) : NULL;

    for (uint64_t k = 0; k < tp->rounds && rc == 0; k++) {
        uint64_t a = tp->lo + k * tp->round, b = a + tp->round;
        a = a < tp->hi ? a : tp->hi;
        b = b < tp->hi ? b : tp->hi;
        const size_t n = (size_t)(b - a);
        attrib_table t;
        attrib_table_init(&t, tp->rest, 1);
        const double t0 = attrib_par_wtime();
        if (n > 0) {
            rc = attrib_h5_read_table(ri->in, tp->rest, a, n, &t);
            if (!rc)
                rc = tp->is_events ? check_events(ri, &t, a) : check_conversions(ri, &t, a);
        }
        *read_s += attrib_par_wtime() - t0;
        rc = attrib_par_agree(p, rc);
        const uint64_t *ids = n > 0 ? tp->ids + (a - tp->lo) : NULL; /* no rows: no column */
        if (!rc && P == 1) {
            /* No one to send to: pack straight into the store. */
            slots_of(L, ids, n, slot, cnt, cursor);
            char *dst = attrib_recx_store_append(st, cnt);
            if (!dst)
                rc = ATTRIB_EINTERNAL;
            else if (n > 0) /* a round past the slab's end has no columns */
                pack_round(tp, &t, 0, ids, n, slot, cursor, dst);
        }
        /* Sent in sub-rounds of SEND_ROWS rows: the send buffer stays small. Every rank
         * makes the same number of them (tp->round is the same everywhere). */
        for (uint64_t s0 = 0; !rc && P > 1 && s0 < tp->round; s0 += SEND_ROWS) {
            const size_t s1 = (size_t)(s0 + SEND_ROWS < tp->round ? s0 + SEND_ROWS : tp->round);
            const size_t lo = s0 < n ? (size_t)s0 : n, hi = s1 < n ? s1 : n;
            slots_of(L, hi > lo ? ids + lo : NULL, hi - lo, slot, cnt, cursor);
            if (hi > lo)
                pack_round(tp, &t, lo, ids + lo, hi - lo, slot, cursor, sendbuf);
            rc = attrib_recx_exchange(p, L, sendbuf, cnt, st);
        }
        attrib_table_free(&t);
    }
    free(cnt);
    free(cursor);
    free(slot);
    free(sendbuf);
    return rc;
}

int run_exchange_wave(const attrib_par *p, run_input *ri, const attrib_plan *plan,
                      const uint16_t *wave_of_part, int w, attrib_recx_store *ev,
                      attrib_recx_store *cv, double *read_s)
{
    init_schemas();
    attrib_recx_layout L;
    attrib_recx_layout_build(p->size, ATTRIB_NPARTITIONS, plan->owner, wave_of_part, w, &L);
    /* The exact number of rows this rank receives in this wave. */
    uint64_t ecap = 0, ccap = 0;
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        if (wave_of_part[q] == w && plan->owner[q] == p->rank) {
            ecap += ri->ev_hist[q];
            ccap += ri->cv_hist[q];
        }
    const uint32_t nmine = (uint32_t)L.nslot[p->rank];
    attrib_recx_store_init(ev, sizeof(attrib_ev_rec), nmine, ecap);
    attrib_recx_store_init(cv, sizeof(attrib_cv_rec), nmine, ccap);
    table_pass te = {&ev_rest, ri->eid, ri->e0, ri->e1, ri->ev_rounds, ri->ev_round, 1, ev};
    table_pass tc = {&cv_rest, ri->cid, ri->c0, ri->c1, ri->cv_rounds, ri->cv_round, 0, cv};
    int rc = exchange_table(p, ri, &L, &te, read_s);
    if (!rc)
        rc = exchange_table(p, ri, &L, &tc, read_s);
    rc = attrib_par_agree(p, rc);
    if (!rc && (ev->n != ev->cap || cv->n != cv->cap))
        rc = attrib_err_set(ATTRIB_EINTERNAL, "received %llu + %llu rows, the plan counted %llu + %llu",
                            (unsigned long long)ev->n, (unsigned long long)cv->n,
                            (unsigned long long)ev->cap, (unsigned long long)cv->cap);
    rc = attrib_par_agree(p, rc);
    attrib_recx_layout_free(&L);
    if (rc) {
        attrib_recx_store_free(ev);
        attrib_recx_store_free(cv);
    }
    return rc;
}

/* ---- a partitioned store: read, do not send ---- */

static attrib_schema ev_id_only, cv_id_only;

/* This rank's partitions of wave w: [*qa, *qb), one range (the plan of a partitioned
 * store gives each rank a range, and the waves cut it in index order). */
static int wave_range(const attrib_plan *plan, const uint16_t *wave_of_part, int w, int rank,
                      uint32_t *qa, uint32_t *qb)
{
    uint32_t a = UINT32_MAX, b = 0, n = 0;
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        if (wave_of_part[q] == w && plan->owner[q] == rank) {
            a = q < a ? q : a;
            b = q + 1;
            n++;
        }
    if (n == 0) {
        *qa = *qb = 0;
        return 0;
    }
    if (b - a != n)
        return attrib_err_set(ATTRIB_EINTERNAL, "wave %d of rank %d is not one range of partitions",
                              w, rank);
    *qa = a;
    *qb = b;
    return 0;
}

/* Rows [tp->lo, tp->hi) of one table, which hold partitions qs.. of this rank (slot
 * q - qs), read, checked (the input contract; each row in the partition the index gives
 * it) and packed into tp->st, one block. Local: errors are agreed on by the caller. */
static int direct_piece(const run_input *ri, const table_pass *tp, const attrib_schema *id_only,
                        const uint64_t *off, uint32_t qs, double *read_s)
{
    attrib_recx_store *st = tp->st;
    const uint64_t a = tp->lo, b = tp->hi;
    const char *name = tp->is_events ? "events" : "conversions";
    const size_t n = (size_t)(b - a);
    attrib_table t, ti;
    attrib_table_init(&t, tp->rest, 1);
    attrib_table_init(&ti, id_only, 1);
    const double t0 = attrib_par_wtime();
    int rc = attrib_h5_read_table(ri->in, id_only, a, n, &ti);
    if (!rc)
        rc = attrib_h5_read_table(ri->in, tp->rest, a, n, &t);
    *read_s += attrib_par_wtime() - t0;
    if (!rc && n > 0)
        rc = tp->is_events ? check_events(ri, &t, a) : check_conversions(ri, &t, a);
    const uint64_t *ids = ti.col[0];
    uint64_t *cnt = attrib_xcalloc(st->nmine ? st->nmine : 1, sizeof *cnt);
    uint64_t *cursor = attrib_xmalloc((st->nmine ? st->nmine : 1) * sizeof *cursor);
    int32_t *slot = attrib_xmalloc((n ? n : 1) * sizeof *slot);
    uint32_t q = qs;
    for (size_t i = 0; i < n && rc == 0; i++) {
        while (a + i >= off[q + 1])
            q++;
        const uint32_t pq = attrib_partition_of(ids[i]);
        if (pq != q)
            rc = attrib_err_set(ATTRIB_EINPUT,
                                "%s: dataset /%s/identity row %llu is of logical partition "
                                "%u, but /partitions places it in partition %u: re-import "
                                "the store, or delete /partitions to read it unpartitioned",
                                ri->path, name, (unsigned long long)(a + i), pq, q);
        slot[i] = (int32_t)(q - qs);
        cnt[q - qs]++;
    }
    if (!rc) {
        uint64_t tot = 0;
        for (uint32_t j = 0; j < st->nmine; j++) {
            cursor[j] = tot;
            tot += cnt[j];
        }
        char *dst = attrib_recx_store_append(st, cnt);
        if (!dst)
            rc = ATTRIB_EINTERNAL;
        else if (n > 0)
            pack_round(tp, &t, 0, ids, n, slot, cursor, dst);
    }
    free(cnt);
    free(cursor);
    free(slot);
    attrib_table_free(&t);
    attrib_table_free(&ti);
    return rc;
}

int run_direct_stream(const attrib_par *p, run_input *ri, const attrib_plan *plan,
                      const uint16_t *wave_of_part, int w, attrib_engine *e,
                      const attrib_engine_cfg *cfg, attrib_table *xconv, run_stream_figures *fig)
{
    init_schemas();
    static const int evi[] = {ATTRIB_EV_IDENTITY}, cvi[] = {ATTRIB_CV_IDENTITY};
    sub_schema(&ev_id_only, &attrib_schema_events, evi, 1);
    sub_schema(&cv_id_only, &attrib_schema_conversions, cvi, 1);
    uint32_t qa = 0, qb = 0;
    int rc = attrib_par_agree(p, wave_range(plan, wave_of_part, w, p->rank, &qa, &qb));
    if (rc)
        return rc;
    const uint64_t *eo = ri->ev_off, *co = ri->cv_off;
    /* Steps of whole partitions, about RUN_STEP_ROWS rows each (fewer under a memory
     * budget's smaller rounds; at least one partition),
     * read and matched in turn: the records of one step stay small, in cache, and in
     * memory the allocator reuses, instead of the whole range faulted in at once. */
    uint64_t step = ri->round_rows && ri->round_rows < RUN_STEP_ROWS ? ri->round_rows : RUN_STEP_ROWS;
    const char *ts = getenv("ATTRIB_TEST_STEP_ROWS"); /* test hook: many steps on small data */
    if (ts && strtoull(ts, NULL, 10) > 0)
        step = strtoull(ts, NULL, 10);
    for (uint32_t qs = qa; qs < qb && rc == 0;) {
        uint32_t qe = qs + 1;
        while (qe < qb && (eo[qe + 1] - eo[qs]) + (co[qe + 1] - co[qs]) <= step)
            qe++;
        attrib_recx_store ev, cv;
        attrib_recx_store_init(&ev, sizeof(attrib_ev_rec), qe - qs, eo[qe] - eo[qs]);
        attrib_recx_store_init(&cv, sizeof(attrib_cv_rec), qe - qs, co[qe] - co[qs]);
        table_pass te = {&ev_rest, NULL, eo[qs], eo[qe], 1, eo[qe] - eo[qs], 1, &ev};
        table_pass tc = {&cv_rest, NULL, co[qs], co[qe], 1, co[qe] - co[qs], 0, &cv};
        rc = direct_piece(ri, &te, &ev_id_only, eo, qs, &fig->read_s);
        if (!rc)
            rc = direct_piece(ri, &tc, &cv_id_only, co, qs, &fig->read_s);
        fig->rows += ev.n + cv.n;
        fig->bytes += ev.n * ev.recsize + cv.n * cv.recsize;
        const double t1 = attrib_par_wtime();
        if (!rc)
            rc = run_match_wave(&ev, &cv, e, cfg, ri->ntypes, xconv); /* frees the stores */
        else {
            attrib_recx_store_free(&ev);
            attrib_recx_store_free(&cv);
        }
        fig->match_s += attrib_par_wtime() - t1;
        qs = qe;
    }
    return attrib_par_agree(p, rc);
}

/* attrib run — the rows' journey from the input file to the engine.
 *
 *   1. every rank reads the identity column of its slab of /events and /conversions (a
 *      range of whole file chunks) and counts rows per logical partition: the plan;
 *   2. per wave, every rank reads its slab again a round (one file chunk, 2^20 rows) at
 *      a time, the other columns only; checks the input contract row by row; packs each
 *      row of the wave's partitions into a 40-byte record at its destination slot (owner
 *      rank, then partition); and sends them with one MPI_Alltoallv of records per round
 *      (and one of the per-slot counts). The receiver appends to its store, which knows
 *      per block (round, source) how many rows each of its partitions has;
 *   3. each partition's pieces are gathered into a cache-sized buffer and fed to the
 *      engine, which groups them by identity in cache.
 *
 * Memory per rank: the identity columns (8 bytes per slab row), one round's columns, the
 * send buffer and the received records (40 bytes per row received), instead of whole
 * input columns plus their exchanged and sorted copies. Every order here is fixed by the
 * plan and the input; the engine's result depends only on the set of rows it is fed.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/explain.h"
#include "attrib/timeparse.h"
#include "run_rows.h"

#define RUN_CHUNK_ROWS ((uint64_t)1 << 20) /* rows per round: the large files' chunk size */

/* Sub-schemas of the input tables: the identity column alone, and the others. The
 * column specs are copied from the full schemas, so names and types cannot drift. */
static attrib_schema ev_ids, ev_rest, cv_ids, cv_rest;
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
    static const int evi[] = {EV_IDENTITY}, cvi[] = {CV_IDENTITY};
    static const int evr[] = {EV_EVENT_ID, EV_TS, EV_CAMPAIGN_ID, EV_KIND, EV_COST};
    static const int cvr[] = {CV_CONVERSION_ID, CV_TS, CV_ADVERTISER_ID, CV_TYPE, CV_VALUE};
    sub_schema(&ev_ids, &attrib_schema_events, evi, 1);
    sub_schema(&ev_rest, &attrib_schema_events, evr, 5);
    sub_schema(&cv_ids, &attrib_schema_conversions, cvi, 1);
    sub_schema(&cv_rest, &attrib_schema_conversions, cvr, 5);
}

/* Rank r's slab of n rows: whole file chunks of `unit` rows, split as evenly as chunks
 * go (the exchange rebalances rows anyway), so no chunk is decompressed twice. */
static void slab_of(uint64_t n, uint64_t unit, int rank, int size, uint64_t *lo, uint64_t *hi)
{
    const uint64_t nch = (n + unit - 1) / unit;
    const uint64_t a = nch * (uint64_t)rank / (uint64_t)size;
    const uint64_t b = nch * (uint64_t)(rank + 1) / (uint64_t)size;
    *lo = a * unit < n ? a * unit : n;
    *hi = b * unit < n ? b * unit : n;
}

/* Rows per read round of a table chunked by `unit`: whole chunks up to `target` rows
 * (at least one chunk unless target is smaller: then sub-chunk reads). */
static uint64_t round_of(uint64_t unit, uint64_t target)
{
    return unit <= target ? target / unit * unit : target;
}

/* Rounds of the largest slab: the same number on every rank. */
static uint64_t rounds_of(uint64_t n, uint64_t unit, int size, uint64_t round)
{
    const uint64_t nch = (n + unit - 1) / unit;
    const uint64_t rows = ((nch + (uint64_t)size - 1) / (uint64_t)size) * unit;
    return (rows + round - 1) / round;
}

/* The file's chunk rows of a column (RUN_CHUNK_ROWS when it is not chunked). */
static uint64_t unit_of(attrib_h5file *in, const char *path)
{
    uint64_t u = 0;
    if (attrib_h5_chunk_rows_of(in, path, &u) != 0 || u == 0)
        u = RUN_CHUNK_ROWS;
    return u;
}

static int read_ids(attrib_h5file *in, const attrib_schema *s, uint64_t lo, uint64_t hi,
                    uint64_t **out)
{
    attrib_table t;
    int rc = attrib_h5_read_table(in, s, lo, hi - lo, &t);
    if (rc)
        return rc;
    *out = t.col[0]; /* take the column over */
    t.col[0] = NULL;
    attrib_table_free(&t);
    if (!*out)
        *out = attrib_xmalloc(sizeof **out);
    return 0;
}

int run_read_identities(const attrib_par *p, attrib_h5file *in, const char *path,
                        size_t ntypes, uint64_t nev, uint64_t ncv, uint64_t round_rows,
                        run_input *ri)
{
    memset(ri, 0, sizeof *ri);
    init_schemas();
    ri->in = in;
    ri->path = path;
    ri->ntypes = ntypes;
    ri->nev = nev;
    ri->ncv = ncv;
    /* Rounds: whole file chunks up to 2^20 rows (or the budget's round size), and small
     * enough that every count and displacement of the exchange fits an int. */
    uint64_t rr = round_rows ? round_rows : RUN_CHUNK_ROWS;
    const uint64_t cap = (uint64_t)INT_MAX / (uint64_t)p->size;
    rr = rr < cap ? rr : cap;
    const uint64_t eu = unit_of(in, "events/identity"), cu = unit_of(in, "conversions/identity");
    ri->ev_round = round_of(eu, rr);
    ri->cv_round = round_of(cu, rr);
    ri->round_rows = ri->ev_round > ri->cv_round ? ri->ev_round : ri->cv_round;
    slab_of(nev, eu, p->rank, p->size, &ri->e0, &ri->e1);
    slab_of(ncv, cu, p->rank, p->size, &ri->c0, &ri->c1);
    ri->ev_rounds = rounds_of(nev, eu, p->size, ri->ev_round);
    ri->cv_rounds = rounds_of(ncv, cu, p->size, ri->cv_round);
    int rc = read_ids(in, &ev_ids, ri->e0, ri->e1, &ri->eid);
    if (!rc)
        rc = read_ids(in, &cv_ids, ri->c0, ri->c1, &ri->cid);
    rc = attrib_par_agree(p, rc);
    if (rc)
        return rc;
    /* Global rows per partition and table: the exact size of every rank's stores. */
    ri->ev_hist = attrib_xcalloc(ATTRIB_NPARTITIONS, sizeof *ri->ev_hist);
    ri->cv_hist = attrib_xcalloc(ATTRIB_NPARTITIONS, sizeof *ri->cv_hist);
    for (uint64_t i = 0; i < ri->e1 - ri->e0; i++)
        ri->ev_hist[attrib_partition_of(ri->eid[i])]++;
    for (uint64_t i = 0; i < ri->c1 - ri->c0; i++)
        ri->cv_hist[attrib_partition_of(ri->cid[i])]++;
    ri->local_rows = attrib_xmalloc(ATTRIB_NPARTITIONS * sizeof *ri->local_rows);
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        ri->local_rows[q] = ri->ev_hist[q] + ri->cv_hist[q];
    if (MPI_Allreduce(MPI_IN_PLACE, ri->ev_hist, ATTRIB_NPARTITIONS, MPI_UINT64_T, MPI_SUM,
                      p->comm) != MPI_SUCCESS ||
        MPI_Allreduce(MPI_IN_PLACE, ri->cv_hist, ATTRIB_NPARTITIONS, MPI_UINT64_T, MPI_SUM,
                      p->comm) != MPI_SUCCESS)
        rc = attrib_err_set(ATTRIB_EMPI, "MPI_Allreduce of partition counts failed");
    return attrib_par_agree(p, rc);
}

void run_local_counts(const run_input *ri, uint64_t *rows)
{
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        rows[q] += ri->local_rows[q];
}

void run_store_free(run_store *s)
{
    free(s->rows);
    free(s->cnt);
    free(s->base);
    memset(s, 0, sizeof *s);
}

void run_input_free(run_input *ri)
{
    free(ri->eid);
    free(ri->cid);
    free(ri->ev_hist);
    free(ri->cv_hist);
    free(ri->local_rows);
    memset(ri, 0, sizeof *ri);
}

/* Append a block (its base row and nmine counts, filled by the caller). */
static uint32_t *store_block(run_store *s, uint64_t base)
{
    if (s->nblk == s->blkcap) {
        s->blkcap = s->blkcap ? 2 * s->blkcap : 64;
        s->base = attrib_xrealloc(s->base, s->blkcap * sizeof *s->base);
        s->cnt = attrib_xrealloc(s->cnt, s->blkcap * (s->nmine ? s->nmine : 1) * sizeof *s->cnt);
    }
    s->base[s->nblk] = base;
    return s->cnt + s->nblk++ * s->nmine;
}

/* The rows of a round must satisfy the input contract; the message names the row. */
static int check_events(const run_input *ri, const attrib_table *t, uint64_t row0)
{
    const uint8_t *kind = t->col[EVR_KIND];
    const int64_t *ts = t->col[EVR_TS];
    for (size_t i = 0; i < t->n; i++) {
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
    for (size_t i = 0; i < t->n; i++) {
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

/* Destinations of wave w: slots ordered by (owner rank, partition). */
typedef struct wave_layout {
    int32_t *slot_of_part; /* ATTRIB_NPARTITIONS; -1 outside the wave */
    int *nslot, *slot0;    /* per rank */
    uint32_t nslots;
} wave_layout;

static void layout_build(const attrib_par *p, const attrib_plan *plan, const uint16_t *wave_of_part,
                         int w, wave_layout *L)
{
    L->slot_of_part = attrib_xmalloc(ATTRIB_NPARTITIONS * sizeof *L->slot_of_part);
    L->nslot = attrib_xcalloc((size_t)p->size, sizeof *L->nslot);
    L->slot0 = attrib_xcalloc((size_t)p->size, sizeof *L->slot0);
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        if (wave_of_part[q] == w)
            L->nslot[plan->owner[q]]++;
    int s = 0;
    for (int r = 0; r < p->size; r++) {
        L->slot0[r] = s;
        s += L->nslot[r];
    }
    L->nslots = (uint32_t)s;
    int *next = attrib_xmalloc((size_t)p->size * sizeof *next);
    memcpy(next, L->slot0, (size_t)p->size * sizeof *next);
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        L->slot_of_part[q] = wave_of_part[q] == w ? next[plan->owner[q]]++ : -1;
    free(next);
}

static void layout_free(wave_layout *L)
{
    free(L->slot_of_part);
    free(L->nslot);
    free(L->slot0);
}

/* One table (events or conversions) of one wave: `rounds` rounds over [lo, hi). */
typedef struct table_pass {
    const attrib_schema *rest;
    const uint64_t *ids; /* identity of rows lo.. */
    uint64_t lo, hi, rounds, round; /* slab, rounds and rows per round */
    int is_events;
    run_store *st;
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

/* Rows sent per MPI_Alltoallv: 2^18 rows are 10 MiB of records. */
#define SEND_ROWS (UINT64_C(1) << 18)

/* Pack rows [lo, hi) of the round's table and send them to their owners (collective:
 * every rank calls it, possibly with no rows); append what arrives to the store. */
static int send_rows(const attrib_par *p, const wave_layout *L, const table_pass *tp,
                     const attrib_table *t, size_t lo, size_t hi, const uint64_t *ids,
                     int32_t *slot, uint64_t *cnt, uint32_t *cnt32, uint64_t *cursor, char *sendbuf,
                     int *scount, int *sdispl, int *rcount, int *rdispl, MPI_Datatype rec)
{
    run_store *st = tp->st;
    const size_t rs = st->recsize;
    const int P = p->size, me = p->rank;
    const uint32_t nmine = st->nmine;
    int rc = 0;
    memset(cnt, 0, L->nslots * sizeof *cnt);
    attrib_pack_slots(ids + lo, hi - lo, L->slot_of_part, slot, cnt);
    uint64_t tot = 0;
    for (uint32_t s = 0; s < L->nslots; s++) {
        cursor[s] = tot;
        tot += cnt[s];
        cnt32[s] = (uint32_t)cnt[s];
    }
    if (hi > lo)
        pack_round(tp, t, lo, ids + lo, hi - lo, slot, cursor, sendbuf);
    /* The per-slot counts first: rank r gets ours for its slots. */
    uint32_t *bc = attrib_xmalloc(((size_t)P * nmine + 1) * sizeof *bc);
    for (int r = 0; r < P; r++) {
        scount[r] = L->nslot[r];
        sdispl[r] = L->slot0[r];
        rcount[r] = (int)nmine;
        rdispl[r] = r * (int)nmine;
    }
    if (MPI_Alltoallv(cnt32, scount, sdispl, MPI_UINT32_T, bc, rcount, rdispl, MPI_UINT32_T,
                      p->comm) != MPI_SUCCESS)
        rc = attrib_err_set(ATTRIB_EMPI, "MPI_Alltoallv of row counts failed");
    rc = attrib_par_agree(p, rc); /* a rank whose call failed must not leave the others */
    if (rc) {
        free(bc);
        return rc;
    }
    uint64_t rtot = 0, off = 0;
    for (int r = 0; r < P; r++) {
        uint64_t sum = 0;
        for (uint32_t j = 0; j < nmine; j++)
            sum += bc[(size_t)r * nmine + j];
        rcount[r] = (int)sum;
        rdispl[r] = (int)rtot;
        rtot += sum;
        uint64_t sc = 0;
        for (int s = 0; s < L->nslot[r]; s++)
            sc += cnt[L->slot0[r] + s];
        scount[r] = (int)sc;
        sdispl[r] = (int)off;
        off += sc;
    }
    if (st->n + rtot > st->cap)
        rc = attrib_err_set(ATTRIB_EINTERNAL, "run: rank %d receives more rows than the plan counted", me);
    rc = attrib_par_agree(p, rc); /* no rank may enter the next collective alone */
    if (rc) {
        free(bc);
        return rc;
    }
    for (int r = 0; r < P; r++) {
        uint32_t *dst = store_block(st, st->n + (uint64_t)rdispl[r]);
        memcpy(dst, bc + (size_t)r * nmine, nmine * sizeof *dst);
    }
    free(bc);
    if (MPI_Alltoallv(sendbuf, scount, sdispl, rec, st->rows + st->n * rs, rcount, rdispl, rec,
                      p->comm) != MPI_SUCCESS)
        rc = attrib_err_set(ATTRIB_EMPI, "MPI_Alltoallv of rows failed");
    rc = attrib_par_agree(p, rc);
    if (!rc)
        st->n += rtot;
    return rc;
}

static int exchange_table(const attrib_par *p, const run_input *ri, const wave_layout *L,
                          const table_pass *tp, double *read_s)
{
    run_store *st = tp->st;
    const size_t rs = st->recsize;
    const int P = p->size;
    const uint32_t nmine = st->nmine;
    int rc = 0;
    uint64_t *cnt = attrib_xmalloc((L->nslots ? L->nslots : 1) * sizeof *cnt);
    uint64_t *cursor = attrib_xmalloc((L->nslots ? L->nslots : 1) * sizeof *cursor);
    uint32_t *cnt32 = attrib_xmalloc((L->nslots ? L->nslots : 1) * sizeof *cnt32);
    const uint64_t slot_rows = P > 1 && SEND_ROWS < ri->round_rows ? SEND_ROWS : ri->round_rows;
    int32_t *slot = attrib_xmalloc((size_t)slot_rows * sizeof *slot);
    char *sendbuf = P > 1 ? attrib_xmalloc((size_t)slot_rows * rs) : NULL;
    int *scount = attrib_xcalloc((size_t)P, sizeof *scount), *sdispl = attrib_xcalloc((size_t)P, sizeof *sdispl);
    int *rcount = attrib_xcalloc((size_t)P, sizeof *rcount), *rdispl = attrib_xcalloc((size_t)P, sizeof *rdispl);
    MPI_Datatype rec;
    MPI_Type_contiguous((int)rs, MPI_BYTE, &rec);
    MPI_Type_commit(&rec);

    for (uint64_t k = 0; k < tp->rounds && rc == 0; k++) {
        uint64_t a = tp->lo + k * tp->round, b = a + tp->round;
        a = a < tp->hi ? a : tp->hi;
        b = b < tp->hi ? b : tp->hi;
        const size_t n = (size_t)(b - a);
        attrib_table t;
        attrib_table_init(&t, tp->rest, 1);
        double t0 = MPI_Wtime();
        if (n > 0) {
            rc = attrib_h5_read_table(ri->in, tp->rest, a, n, &t);
            if (!rc)
                rc = tp->is_events ? check_events(ri, &t, a) : check_conversions(ri, &t, a);
        }
        *read_s += MPI_Wtime() - t0;
        rc = attrib_par_agree(p, rc);
        if (rc) {
            attrib_table_free(&t);
            break;
        }
        const uint64_t *ids = tp->ids + (a - tp->lo);
        if (P == 1) {
            memset(cnt, 0, L->nslots * sizeof *cnt);
            attrib_pack_slots(ids, n, L->slot_of_part, slot, cnt);
            /* No one to send to: pack straight into the store. */
            uint64_t tot = 0;
            for (uint32_t s = 0; s < L->nslots; s++) {
                cursor[s] = st->n + tot;
                tot += cnt[s];
            }
            if (st->n + tot > st->cap) {
                rc = attrib_err_set(ATTRIB_EINTERNAL, "run: more rows than the plan counted");
                attrib_table_free(&t);
                break;
            }
            uint32_t *bc = store_block(st, st->n);
            for (uint32_t j = 0; j < nmine; j++)
                bc[j] = (uint32_t)cnt[j];
            pack_round(tp, &t, 0, ids, n, slot, cursor, st->rows);
            st->n += tot;
            attrib_table_free(&t);
            continue;
        }
        /* Sent in sub-rounds of SEND_ROWS rows: the send buffer stays small. Every rank
         * makes the same number of them (tp->round is the same everywhere). */
        for (uint64_t s0 = 0; s0 < tp->round && rc == 0; s0 += SEND_ROWS) {
            const size_t s1 = (size_t)(s0 + SEND_ROWS < tp->round ? s0 + SEND_ROWS : tp->round);
            const size_t lo = s0 < n ? (size_t)s0 : n, hi = s1 < n ? s1 : n;
            rc = send_rows(p, L, tp, &t, lo, hi, ids, slot, cnt, cnt32, cursor, sendbuf, scount, sdispl,
                           rcount, rdispl, rec);
        }
        attrib_table_free(&t);
    }
    MPI_Type_free(&rec);
    free(cnt);
    free(cursor);
    free(cnt32);
    free(slot);
    free(sendbuf);
    free(scount);
    free(sdispl);
    free(rcount);
    free(rdispl);
    return rc;
}

int run_exchange_wave(const attrib_par *p, run_input *ri, const attrib_plan *plan,
                      const uint16_t *wave_of_part, int w, run_store *ev, run_store *cv,
                      double *read_s)
{
    wave_layout L;
    layout_build(p, plan, wave_of_part, w, &L);
    memset(ev, 0, sizeof *ev);
    memset(cv, 0, sizeof *cv);
    ev->recsize = sizeof(attrib_ev_rec);
    cv->recsize = sizeof(attrib_cv_rec);
    ev->nmine = cv->nmine = (uint32_t)L.nslot[p->rank];
    /* The exact number of rows this rank receives in this wave. */
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        if (wave_of_part[q] == w && plan->owner[q] == p->rank) {
            ev->cap += ri->ev_hist[q];
            cv->cap += ri->cv_hist[q];
        }
    ev->rows = attrib_xmalloc((size_t)(ev->cap ? ev->cap : 1) * ev->recsize);
    cv->rows = attrib_xmalloc((size_t)(cv->cap ? cv->cap : 1) * cv->recsize);
    table_pass te = {&ev_rest, ri->eid, ri->e0, ri->e1, ri->ev_rounds, ri->ev_round, 1, ev};
    table_pass tc = {&cv_rest, ri->cid, ri->c0, ri->c1, ri->cv_rounds, ri->cv_round, 0, cv};
    int rc = exchange_table(p, ri, &L, &te, read_s);
    if (!rc)
        rc = exchange_table(p, ri, &L, &tc, read_s);
    rc = attrib_par_agree(p, rc);
    if (!rc && (ev->n != ev->cap || cv->n != cv->cap))
        rc = attrib_err_set(ATTRIB_EINTERNAL, "run: rank %d received %llu + %llu rows, the plan "
                                              "counted %llu + %llu",
                            p->rank, (unsigned long long)ev->n, (unsigned long long)cv->n,
                            (unsigned long long)ev->cap, (unsigned long long)cv->cap);
    rc = attrib_par_agree(p, rc);
    layout_free(&L);
    if (rc) {
        run_store_free(ev);
        run_store_free(cv);
    }
    return rc;
}

/* Rows of this rank's j-th partition: the pieces of every block, gathered into *buf
 * unless they are one piece already contiguous (then *out points into the store). */
typedef struct gather {
    uint64_t *cur; /* per block: next row */
    char *buf;
    uint64_t bufcap;
} gather;

static char *gather_part(run_store *s, gather *g, uint32_t j, uint64_t *n_out)
{
    uint64_t n = 0, pieces = 0, first = 0;
    for (size_t b = 0; b < s->nblk; b++) {
        const uint32_t c = s->cnt[b * s->nmine + j];
        if (c) {
            if (!pieces)
                first = g->cur[b];
            pieces++;
            n += c;
        }
    }
    *n_out = n;
    if (pieces <= 1) {
        for (size_t b = 0; b < s->nblk; b++)
            g->cur[b] += s->cnt[b * s->nmine + j];
        return s->rows + first * s->recsize;
    }
    if (n > g->bufcap) {
        free(g->buf);
        g->bufcap = n + n / 4;
        g->buf = attrib_xmalloc((size_t)g->bufcap * s->recsize);
    }
    char *d = g->buf;
    for (size_t b = 0; b < s->nblk; b++) {
        const uint32_t c = s->cnt[b * s->nmine + j];
        memcpy(d, s->rows + g->cur[b] * s->recsize, (size_t)c * s->recsize);
        d += (size_t)c * s->recsize;
        g->cur[b] += c;
    }
    return g->buf;
}

/* The non-empty pieces of this rank's j-th partition, one per block; advances cur. */
static size_t pieces_of(const run_store *s, uint64_t *cur, uint32_t j, attrib_piece *out)
{
    size_t k = 0;
    for (size_t b = 0; b < s->nblk; b++) {
        const uint32_t c = s->cnt[b * s->nmine + j];
        if (c) {
            out[k].rows = s->rows + cur[b] * s->recsize;
            out[k++].n = c;
            cur[b] += c;
        }
    }
    return k;
}

/* attrib run --explain: the per-conversion counts take tables. */
static int explain_part(const attrib_engine_cfg *cfg, size_t ntypes, const attrib_ev_rec *ev,
                        size_t ne, const attrib_cv_rec *cv, size_t nc, attrib_table *xconv)
{
    attrib_table te, tc;
    attrib_table_init(&te, &attrib_schema_events, 1);
    attrib_table_init(&tc, &attrib_schema_conversions, 1);
    attrib_table_resize(&te, ne);
    attrib_table_resize(&tc, nc);
    for (size_t i = 0; i < ne; i++) {
        ATTRIB_COL(&te, EV_EVENT_ID, uint64_t)[i] = ev[i].event_id;
        ATTRIB_COL(&te, EV_IDENTITY, uint64_t)[i] = ev[i].identity;
        ATTRIB_COL(&te, EV_TS, int64_t)[i] = ev[i].ts;
        ATTRIB_COL(&te, EV_CAMPAIGN_ID, uint32_t)[i] = ev[i].campaign_id;
        ATTRIB_COL(&te, EV_KIND, uint8_t)[i] = ev[i].kind;
        ATTRIB_COL(&te, EV_COST, double)[i] = ev[i].cost;
    }
    for (size_t i = 0; i < nc; i++) {
        ATTRIB_COL(&tc, CV_CONVERSION_ID, uint64_t)[i] = cv[i].conversion_id;
        ATTRIB_COL(&tc, CV_IDENTITY, uint64_t)[i] = cv[i].identity;
        ATTRIB_COL(&tc, CV_TS, int64_t)[i] = cv[i].ts;
        ATTRIB_COL(&tc, CV_ADVERTISER_ID, uint32_t)[i] = cv[i].advertiser_id;
        ATTRIB_COL(&tc, CV_TYPE, uint16_t)[i] = cv[i].type;
        ATTRIB_COL(&tc, CV_VALUE, double)[i] = cv[i].value;
    }
    int rc = attrib_explain_counts(cfg, &te, &tc, ntypes, xconv);
    attrib_table_free(&te);
    attrib_table_free(&tc);
    return rc;
}

int run_match_wave(run_store *ev, run_store *cv, attrib_engine *e,
                   const attrib_engine_cfg *cfg, size_t ntypes, attrib_table *xconv)
{
    int rc = 0;
    gather ge = {attrib_xmalloc((ev->nblk ? ev->nblk : 1) * sizeof(uint64_t)), NULL, 0};
    gather gc = {attrib_xmalloc((cv->nblk ? cv->nblk : 1) * sizeof(uint64_t)), NULL, 0};
    if (ev->nblk) /* base is NULL while there are no blocks */
        memcpy(ge.cur, ev->base, ev->nblk * sizeof(uint64_t));
    if (cv->nblk)
        memcpy(gc.cur, cv->base, cv->nblk * sizeof(uint64_t));
    attrib_piece *pe = attrib_xmalloc((ev->nblk ? ev->nblk : 1) * sizeof *pe);
    attrib_piece *pc = attrib_xmalloc((cv->nblk ? cv->nblk : 1) * sizeof *pc);
    for (uint32_t j = 0; j < ev->nmine && rc == 0; j++) {
        if (xconv) { /* explain's counts take contiguous tables: gather */
            uint64_t ne, nc;
            attrib_ev_rec *er = (attrib_ev_rec *)gather_part(ev, &ge, j, &ne);
            attrib_cv_rec *cr = (attrib_cv_rec *)gather_part(cv, &gc, j, &nc);
            rc = explain_part(cfg, ntypes, er, (size_t)ne, cr, (size_t)nc, xconv);
            if (!rc)
                attrib_engine_feed(e, ne ? er : NULL, (size_t)ne, nc ? cr : NULL, (size_t)nc);
            continue;
        }
        /* The engine reads the partition's pieces where they arrived: no gathering copy. */
        size_t npe = pieces_of(ev, ge.cur, j, pe), npc = pieces_of(cv, gc.cur, j, pc);
        attrib_engine_feed_pieces(e, pe, npe, pc, npc);
    }
    free(pe);
    free(pc);
    free(ge.cur);
    free(ge.buf);
    free(gc.cur);
    free(gc.buf);
    run_store_free(ev);
    run_store_free(cv);
    return rc;
}

/* mpi: 1 2 3 4 */
/* The record exchange (include/attrib/recx.h): known 40-byte records, packed by slot and
 * exchanged in several steps per wave, arrive exactly once at the owner of their
 * partition, only in their partition's wave, and in the documented order (per partition:
 * step after step, source rank after source rank, each sender's order); the layout
 * numbers slots by (owner, partition); a store too small fails on every rank and is left
 * unchanged; records that stay local append a block. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/engine.h"
#include "attrib/err.h"
#include "attrib/par.h"
#include "attrib/recx.h"

static int failures, rank;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "rank %d: %s:%d: check failed: %s\n", rank, __FILE__, __LINE__, #c);   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#define N 20011         /* global records */
#define STEP 997        /* rows per exchange step */
#define NWAVES 3
#define NPART ATTRIB_NPARTITIONS

static uint64_t mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Global record g, as the engine's packer lays it out. */
static attrib_ev_rec rec_of(uint64_t g)
{
    attrib_ev_rec r;
    memset(&r, 0, sizeof r);
    r.identity = mix(g);
    r.event_id = g;
    r.ts = (int64_t)g * 3 - 1000;
    r.cost = (double)g * 0.5;
    r.campaign_id = (uint32_t)(g % 97);
    r.kind = (uint8_t)(g % 3);
    return r;
}

/* The owners leave the last rank without partitions at 3 and 4 ranks. */
static int owner_of(uint32_t q, int size)
{
    const int m = size > 2 ? size - 1 : size;
    return (int)((q * 5u) % (unsigned)m);
}

static int wave_of(uint32_t q)
{
    return (int)((q / 7) % NWAVES);
}

static void slab(int r, int size, uint64_t *lo, uint64_t *hi)
{
    *lo = (uint64_t)N * (uint64_t)r / (uint64_t)size;
    *hi = (uint64_t)N * (uint64_t)(r + 1) / (uint64_t)size;
}

/* Pack rows [a, b) of this rank's slab (columns) by slot; returns the records' count. */
static size_t pack(const attrib_recx_layout *L, const uint64_t *id, const uint64_t *eid,
                   const int64_t *ts, const uint32_t *camp, const uint8_t *kind, const double *cost,
                   size_t a, size_t b, int32_t *slot, uint64_t *cnt, attrib_ev_rec *out)
{
    memset(cnt, 0, (L->nslots ? L->nslots : 1) * sizeof *cnt);
    attrib_pack_slots(id + a, b - a, L->slot_of_part, slot, cnt);
    uint64_t *cursor = malloc((L->nslots + 1) * sizeof *cursor), tot = 0;
    for (uint32_t s = 0; s < L->nslots; s++) {
        cursor[s] = tot;
        tot += cnt[s];
    }
    attrib_ev_cols c = {id + a, eid + a, ts + a, camp + a, kind + a, cost + a};
    attrib_pack_events(&c, b - a, slot, cursor, out);
    free(cursor);
    return (size_t)tot;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    attrib_par p;
    attrib_par_init(&p, MPI_COMM_WORLD);
    p.progress = 0;
    rank = p.rank;
    const int size = p.size;

    uint32_t *part = malloc(N * sizeof *part); /* of every global record */
    for (uint64_t g = 0; g < N; g++)
        part[g] = attrib_partition_of(rec_of(g).identity);
    int *owner = malloc(NPART * sizeof *owner);
    uint16_t *wave = malloc(NPART * sizeof *wave);
    for (uint32_t q = 0; q < NPART; q++) {
        owner[q] = owner_of(q, size);
        wave[q] = (uint16_t)wave_of(q);
    }
    uint64_t lo, hi;
    slab(rank, size, &lo, &hi);
    const size_t n = (size_t)(hi - lo);
    uint64_t *id = malloc((n + 1) * sizeof *id), *eid = malloc((n + 1) * sizeof *eid);
    int64_t *ts = malloc((n + 1) * sizeof *ts);
    uint32_t *camp = malloc((n + 1) * sizeof *camp);
    uint8_t *kind = malloc(n + 1);
    double *cost = malloc((n + 1) * sizeof *cost);
    for (size_t i = 0; i < n; i++) {
        const attrib_ev_rec r = rec_of(lo + i);
        id[i] = r.identity, eid[i] = r.event_id, ts[i] = r.ts, camp[i] = r.campaign_id;
        kind[i] = r.kind, cost[i] = r.cost;
    }
    uint64_t maxslab = 0;
    for (int r = 0; r < size; r++) {
        uint64_t a, b;
        slab(r, size, &a, &b);
        maxslab = b - a > maxslab ? b - a : maxslab;
    }
    const uint64_t nsteps = (maxslab + STEP - 1) / STEP; /* the same on every rank */
    int32_t *slot = malloc(STEP * sizeof *slot);
    attrib_ev_rec *send = malloc(STEP * sizeof *send);
    uint64_t total = 0;

    for (int w = 0; w < NWAVES; w++) {
        attrib_recx_layout L;
        attrib_recx_layout_build(size, NPART, owner, wave, w, &L);
        /* The layout: the wave's partitions, slots by (owner rank, partition index). */
        uint32_t inwave = 0;
        int32_t prev = -1;
        int prev_owner = -1;
        for (uint32_t q = 0; q < NPART; q++)
            if (wave[q] == w)
                inwave++;
        CHECK(L.nslots == inwave);
        for (int r = 0; r < size; r++) {
            CHECK(L.slot0[r] == (r ? L.slot0[r - 1] + L.nslot[r - 1] : 0));
            for (uint32_t q = 0; q < NPART; q++)
                if (wave[q] == w && owner[q] == r) {
                    CHECK(L.slot_of_part[q] == prev + 1); /* consecutive in (r, q) order */
                    prev = L.slot_of_part[q];
                    CHECK(r >= prev_owner);
                    prev_owner = r;
                }
        }
        for (uint32_t q = 0; q < NPART; q++)
            if (wave[q] != w)
                CHECK(L.slot_of_part[q] == -1);
        if (size > 2)
            CHECK(L.nslot[size - 1] == 0); /* the rank without partitions */

        /* My partitions of the wave, in slot order, and what each should receive. */
        const uint32_t nmine = (uint32_t)L.nslot[rank];
        uint32_t *mine = malloc((nmine + 1) * sizeof *mine);
        uint32_t k = 0;
        for (uint32_t q = 0; q < NPART; q++)
            if (wave[q] == w && owner[q] == rank)
                mine[k++] = q;
        CHECK(k == nmine);
        uint64_t cap = 0;
        for (uint64_t g = 0; g < N; g++)
            cap += wave[part[g]] == w && owner[part[g]] == rank;
        attrib_recx_store st;
        attrib_recx_store_init(&st, sizeof(attrib_ev_rec), nmine, cap);
        uint64_t *cnt = malloc((L.nslots + 1) * sizeof *cnt);
        for (uint64_t s = 0; s < nsteps; s++) {
            const size_t a = (size_t)(s * STEP) < n ? (size_t)(s * STEP) : n;
            const size_t b = a + STEP < n ? a + STEP : n;
            pack(&L, id, eid, ts, camp, kind, cost, a, b, slot, cnt, send);
            CHECK(attrib_recx_exchange(&p, &L, send, cnt, &st) == 0);
        }
        CHECK(st.n == cap);
        CHECK(st.nblk == nsteps * (uint64_t)size);
        /* Blocks: contiguous, in (step, source) order. */
        uint64_t at = 0;
        for (size_t b = 0; b < st.nblk; b++) {
            CHECK(st.base[b] == at);
            for (uint32_t j = 0; j < nmine; j++)
                at += st.cnt[b * nmine + j];
        }
        CHECK(at == st.n);
        /* Each of my partitions: its pieces over the blocks are, in order, the records of
         * that partition from step 0 of rank 0, step 0 of rank 1, …, step 1 of rank 0, … */
        for (uint32_t j = 0; j < nmine; j++) {
            uint64_t got = 0;
            size_t b = 0;
            for (uint64_t s = 0; s < nsteps; s++)
                for (int r = 0; r < size; r++, b++) {
                    uint64_t rlo, rhi;
                    slab(r, size, &rlo, &rhi);
                    const uint64_t a = rlo + s * STEP < rhi ? rlo + s * STEP : rhi;
                    const uint64_t e = a + STEP < rhi ? a + STEP : rhi;
                    /* the row offset of piece j in block b */
                    uint64_t off = st.base[b];
                    for (uint32_t i = 0; i < j; i++)
                        off += st.cnt[b * nmine + i];
                    uint64_t m = 0;
                    for (uint64_t g = a; g < e; g++) {
                        if (part[g] != mine[j])
                            continue;
                        const attrib_ev_rec want = rec_of(g);
                        CHECK(m < st.cnt[b * nmine + j]);
                        if (m < st.cnt[b * nmine + j])
                            CHECK(memcmp(st.rows + (off + m) * st.recsize, &want, sizeof want) == 0);
                        m++;
                    }
                    CHECK(m == st.cnt[b * nmine + j]);
                    got += m;
                }
            (void)got;
        }
        total += st.n;
        free(cnt);
        free(mine);
        attrib_recx_store_free(&st);
        attrib_recx_layout_free(&L);
    }
    /* Every record arrived once, over the waves. */
    CHECK(attrib_par_sum_u64(&p, total) == N);

    /* A store one record too small on rank 0: every rank fails alike, rank 0's store is
     * left as it was. One step with every row of wave 0. */
    {
        attrib_recx_layout L;
        attrib_recx_layout_build(size, NPART, owner, wave, 0, &L);
        uint64_t cap = 0;
        for (uint64_t g = 0; g < N; g++)
            cap += wave[part[g]] == 0 && owner[part[g]] == rank;
        CHECK(rank != 0 || cap > 0);
        attrib_recx_store st;
        attrib_recx_store_init(&st, sizeof(attrib_ev_rec), (uint32_t)L.nslot[rank],
                               rank == 0 ? cap - 1 : cap);
        int32_t *slot2 = malloc((n + 1) * sizeof *slot2);
        attrib_ev_rec *all = malloc((n + 1) * sizeof *all);
        uint64_t *cnt = malloc((L.nslots + 1) * sizeof *cnt);
        pack(&L, id, eid, ts, camp, kind, cost, 0, n, slot2, cnt, all);
        const int rc = attrib_recx_exchange(&p, &L, all, cnt, &st);
        CHECK(rc == ATTRIB_EINTERNAL);
        CHECK(strstr(attrib_err_msg(), "more than the") != NULL);
        CHECK(size == 1 || strncmp(attrib_err_msg(), "rank 0: ", 8) == 0);
        CHECK(st.n == 0 && st.nblk == 0);
        free(cnt);
        free(all);
        free(slot2);
        attrib_recx_store_free(&st);
        attrib_recx_layout_free(&L);
    }

    /* Local appends: a block of counts, then one too many. */
    {
        attrib_recx_store st;
        attrib_recx_store_init(&st, 8, 3, 3);
        const uint64_t c1[3] = {2, 0, 1}, c2[3] = {0, 1, 0};
        char *d = attrib_recx_store_append(&st, c1);
        CHECK(d == st.rows && st.n == 3 && st.nblk == 1 && st.base[0] == 0);
        CHECK(st.cnt[0] == 2 && st.cnt[1] == 0 && st.cnt[2] == 1);
        CHECK(attrib_recx_store_append(&st, c2) == NULL && st.n == 3 && st.nblk == 1);
        attrib_recx_store_free(&st);
        attrib_recx_store_free(&st); /* a zeroed store frees again */
    }

    free(part);
    free(owner);
    free(wave);
    free(id);
    free(eid);
    free(ts);
    free(camp);
    free(kind);
    free(cost);
    free(slot);
    free(send);
    int all = 0;
    MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s: %d failure(s) at %d rank(s)\n", all ? "FAIL" : "ok", all, size);
    MPI_Finalize();
    return all ? 1 : 0;
}

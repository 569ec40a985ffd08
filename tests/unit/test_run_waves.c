/* The memory model of a run (src/run/waves.c, include/attrib/run.h): the budget check
 * before reading (its "need at least K ranks" is exact: K ranks pass, K - 1 do not),
 * the round size it gives, and the waves (same count on every rank, a rank's partitions
 * cut in index order, each wave's rows near rank_rows / waves, the room and the largest
 * partition reported). Local functions: no MPI needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/run.h"

static int failures;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#define MIB (UINT64_C(1) << 20)

static uint64_t rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void check_budget(void)
{
    uint64_t rr = 7;
    CHECK(attrib_run_check_budget(0, UINT64_C(1) << 40, 1, &rr) == 0 && rr == 0);
    /* Below the base and the smallest rounds. */
    CHECK(attrib_run_check_budget(10 * MIB, 1000, 4, &rr) == ATTRIB_EUSAGE);
    CHECK(strstr(attrib_err_msg(), "--memory-per-rank 10 MiB is below the 65 MiB a rank needs "
                                   "before any data") != NULL);
    /* Enough: rounds between 2^14 and 2^20 rows. */
    CHECK(attrib_run_check_budget(2048 * MIB, 1000000, 2, &rr) == 0);
    CHECK(rr == (UINT64_C(1) << 20));
    CHECK(attrib_run_check_budget(70 * MIB, 1000, 1, &rr) == 0);
    CHECK(rr >= (UINT64_C(1) << 14) && rr <= (UINT64_C(1) << 20));
    /* 1.1M rows at 70 MiB and 2 ranks (tests/e2e/run_memory.sh): too small. */
    CHECK(attrib_run_check_budget(70 * MIB, 1100000, 2, &rr) == ATTRIB_EUSAGE);
    CHECK(strstr(attrib_err_msg(), "--memory-per-rank 70 MiB is too small for 2 ranks: ") != NULL);
    /* "need at least K ranks" is exact, over budgets and sizes. */
    uint64_t seed = 5;
    int cases = 0;
    for (int i = 0; i < 2000; i++) {
        const uint64_t budget = 66 * MIB + rng(&seed) % (400 * MIB);
        const uint64_t nrows = rng(&seed) % (UINT64_C(1) << 31);
        const int ranks = 1 + (int)(rng(&seed) % 64);
        if (attrib_run_check_budget(budget, nrows, ranks, &rr) == 0)
            continue;
        const char *m = strstr(attrib_err_msg(), "need at least ");
        CHECK(m != NULL);
        if (!m)
            continue;
        const long k = strtol(m + strlen("need at least "), NULL, 10);
        CHECK(k > ranks);
        CHECK(attrib_run_check_budget(budget, nrows, (int)k, &rr) == 0);
        CHECK(attrib_run_check_budget(budget, nrows, (int)k - 1, &rr) == ATTRIB_EUSAGE);
        cases++;
    }
    CHECK(cases > 100);
}

/* A plan of `nranks` ranks over ATTRIB_NPARTITIONS partitions with the given rows. */
static void make_plan(attrib_plan *pl, int nranks, const uint64_t *rows)
{
    memset(pl, 0, sizeof *pl);
    pl->npart = ATTRIB_NPARTITIONS;
    pl->rows = calloc(pl->npart, sizeof *pl->rows);
    pl->bytes = calloc(pl->npart, sizeof *pl->bytes);
    pl->owner = calloc(pl->npart, sizeof *pl->owner);
    pl->rank_rows = calloc((size_t)nranks, sizeof *pl->rank_rows);
    pl->rank_bytes = calloc((size_t)nranks, sizeof *pl->rank_bytes);
    for (uint32_t q = 0; q < pl->npart; q++) {
        pl->rows[q] = rows[q];
        pl->bytes[q] = rows[q] * 40;
        pl->owner[q] = (int)((q * 7u) % (unsigned)nranks);
        pl->rank_rows[pl->owner[q]] += rows[q];
        pl->rank_bytes[pl->owner[q]] += rows[q] * 40;
    }
}

static void check_waves(int nranks, uint64_t budget, const uint64_t *rows, uint64_t slab_rows,
                        uint64_t round_rows)
{
    attrib_plan pl;
    make_plan(&pl, nranks, rows);
    attrib_run_waves w, w2;
    attrib_run_plan_waves(budget, &pl, nranks, slab_rows, round_rows, &w);
    attrib_run_plan_waves(budget, &pl, nranks, slab_rows, round_rows, &w2);
    CHECK(w.n == w2.n && memcmp(w.of_part, w2.of_part, pl.npart * sizeof *w.of_part) == 0);
    const uint64_t used = (UINT64_C(64) << 20) + 8 * slab_rows + 80 * round_rows;
    const uint64_t room = budget > used ? budget - used : 1;
    CHECK(w.room == room);
    uint64_t maxw = 1, biggest = 0;
    for (int r = 0; r < nranks; r++) {
        const uint64_t k = (44 * pl.rank_rows[r] + room - 1) / room;
        maxw = k > maxw ? k : maxw;
    }
    for (uint32_t q = 0; q < pl.npart; q++)
        biggest = rows[q] > biggest ? rows[q] : biggest;
    CHECK(w.n == (int)(maxw < 65535 ? maxw : 65535));
    CHECK(w.largest == 44 * biggest);
    /* Per rank: waves nondecreasing in partition order, each wave near rank_rows / n. */
    uint64_t *wrows = calloc((size_t)nranks * (size_t)w.n, sizeof *wrows);
    uint64_t *rbig = calloc((size_t)nranks, sizeof *rbig);
    int *last = calloc((size_t)nranks, sizeof *last);
    for (uint32_t q = 0; q < pl.npart; q++) {
        const int r = pl.owner[q], k = w.of_part[q];
        CHECK(k >= 0 && k < w.n);
        CHECK(k >= last[r]);
        last[r] = k;
        wrows[(size_t)r * (size_t)w.n + (size_t)k] += rows[q];
        rbig[r] = rows[q] > rbig[r] ? rows[q] : rbig[r];
    }
    for (int r = 0; r < nranks; r++)
        for (int k = 0; k < w.n; k++)
            CHECK(wrows[(size_t)r * (size_t)w.n + (size_t)k] <=
                  (pl.rank_rows[r] + (uint64_t)w.n - 1) / (uint64_t)w.n + rbig[r]);
    free(wrows);
    free(rbig);
    free(last);
    attrib_run_waves_free(&w);
    attrib_run_waves_free(&w2);
    attrib_plan_free(&pl);
}

int main(void)
{
    check_budget();

    uint64_t *rows = calloc(ATTRIB_NPARTITIONS, sizeof *rows), seed = 9;
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        rows[q] = 100 + rng(&seed) % 1000;
    /* No budget: one wave, every partition in it. */
    {
        attrib_plan pl;
        make_plan(&pl, 3, rows);
        attrib_run_waves w;
        attrib_run_plan_waves(0, &pl, 3, 1000, 1000, &w);
        CHECK(w.n == 1 && w.room == 0);
        int all0 = 1;
        for (uint32_t q = 0; q < pl.npart; q++)
            all0 &= w.of_part[q] == 0;
        CHECK(all0);
        attrib_run_waves_free(&w);
        attrib_plan_free(&pl);
    }
    /* Budgets from one wave to many, at 1 to 5 ranks. */
    for (int nr = 1; nr <= 5; nr++)
        for (uint64_t b = 66; b <= 200; b += 7)
            check_waves(nr, b * MIB, rows, 300000 / (uint64_t)nr, 16384);
    /* A room below one byte per row: the count is capped, the rest still holds. */
    check_waves(2, 65 * MIB, rows, 100000, 16384);
    /* One partition holding most rows: it is larger than a wave's room, and said so. */
    rows[17] = 50000000;
    {
        attrib_plan pl;
        make_plan(&pl, 2, rows);
        attrib_run_waves w;
        attrib_run_plan_waves(100 * MIB, &pl, 2, 100000, 16384, &w);
        CHECK(w.largest > w.room && w.n > 1);
        attrib_run_waves_free(&w);
        attrib_plan_free(&pl);
    }
    check_waves(2, 100 * MIB, rows, 100000, 16384);
    free(rows);
    printf("%s: %d failure(s)\n", failures ? "FAIL" : "ok", failures);
    return failures ? 1 : 0;
}

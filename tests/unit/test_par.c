/* mpi: 1 2 3 4 */
/* The MPI layer: exchange delivers every row to its destination exactly once (in rounds
 * small enough to force several), the sample sort yields the same global order at any
 * rank count, the plan assigns each partition once and balances, and the exact report
 * reduction gives the same bits at any rank count. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/engine.h"
#include "attrib/err.h"
#include "attrib/par.h"

static int failures;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "rank %d: %s:%d: check failed: %s\n", rank, __FILE__, __LINE__, #c);   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static uint64_t rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Global row g of the test data set (the same whatever the rank count). */
static void make_row(attrib_table *t, size_t r, uint64_t g)
{
    uint64_t s = g * 7919 + 1;
    ATTRIB_COL(t, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[r] = (uint32_t)(rng(&s) % 50); /* many ties */
    ATTRIB_COL(t, ATTRIB_CA_ADVERTISER_ID, uint32_t)[r] = (uint32_t)g;          /* unique tiebreak */
    char name[32];
    int n = snprintf(name, sizeof name, "row-%llu", (unsigned long long)g);
    attrib_table_set_str(t, ATTRIB_CA_NAME, r, name, (size_t)n);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    attrib_par p;
    attrib_par_init(&p, MPI_COMM_WORLD);
    p.progress = 0;
    int rank = p.rank, size = p.size;
    const uint64_t N = 10007;

    /* Exchange: rows go to dest = g % size; tiny rounds force many of them. */
    attrib_table t;
    attrib_table_init(&t, &attrib_schema_campaigns, 16);
    uint64_t lo = N * (uint64_t)rank / (uint64_t)size, hi = N * (uint64_t)(rank + 1) / (uint64_t)size;
    attrib_table_resize(&t, (size_t)(hi - lo));
    int *dest = malloc((t.n + 1) * sizeof *dest);
    for (uint64_t g = lo; g < hi; g++) {
        make_row(&t, (size_t)(g - lo), g);
        dest[g - lo] = (int)(g % (uint64_t)size);
    }
    CHECK(attrib_par_exchange(&p, &t, dest, 64) == 0);
    uint64_t expect = 0;
    for (uint64_t g = 0; g < N; g++)
        expect += g % (uint64_t)size == (uint64_t)rank;
    CHECK(t.n == expect);
    for (size_t r = 0; r < t.n; r++) {
        uint64_t g = ATTRIB_COL(&t, ATTRIB_CA_ADVERTISER_ID, uint32_t)[r];
        CHECK(g % (uint64_t)size == (uint64_t)rank);
        char name[32];
        snprintf(name, sizeof name, "row-%llu", (unsigned long long)g);
        CHECK(strcmp(attrib_table_str(&t, ATTRIB_CA_NAME, r), name) == 0);
    }
    CHECK(attrib_par_sum_u64(&p, t.n) == N);

    /* Sample sort by (campaign_id, advertiser_id): rank r's rows must be exactly the
     * r-th slice of the globally sorted sequence, which we check by gathering keys. */
    int keys[2] = {ATTRIB_CA_CAMPAIGN_ID, ATTRIB_CA_ADVERTISER_ID};
    CHECK(attrib_par_sort(&p, &t, keys, 2) == 0);
    uint64_t *mine = malloc((t.n + 1) * sizeof *mine);
    for (size_t r = 0; r < t.n; r++)
        mine[r] = ((uint64_t)ATTRIB_COL(&t, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[r] << 32) |
                  ATTRIB_COL(&t, ATTRIB_CA_ADVERTISER_ID, uint32_t)[r];
    int n = (int)t.n, *counts = malloc((size_t)size * sizeof *counts), *displs = malloc((size_t)size * sizeof *displs);
    MPI_Allgather(&n, 1, MPI_INT, counts, 1, MPI_INT, p.comm);
    int tot = 0;
    for (int r = 0; r < size; r++) {
        displs[r] = tot;
        tot += counts[r];
    }
    uint64_t *all = malloc(((size_t)tot + 1) * sizeof *all);
    MPI_Allgatherv(mine, n, MPI_UINT64_T, all, counts, displs, MPI_UINT64_T, p.comm);
    CHECK((uint64_t)tot == N);
    for (int i = 1; i < tot; i++)
        CHECK(all[i - 1] < all[i]);
    /* The sorted sequence is a permutation of the generated rows: compare key sums. */
    uint64_t ksum = 0, want = 0;
    for (int i = 0; i < tot; i++)
        ksum += all[i];
    for (uint64_t g = 0; g < N; g++) {
        uint64_t s = g * 7919 + 1;
        want += ((rng(&s) % 50) << 32) | g;
    }
    CHECK(ksum == want);
    free(all);
    free(mine);
    free(counts);
    free(displs);

    /* Plan: every partition has one owner; LPT keeps the heaviest rank within 4/3 of
     * the mean plus the largest partition. */
    uint64_t *rows = calloc(ATTRIB_NPARTITIONS, sizeof *rows), *bytes = calloc(ATTRIB_NPARTITIONS, sizeof *bytes);
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++) {
        rows[q] = (q * 31u + (uint32_t)rank) % 97;
        bytes[q] = rows[q] * 40;
    }
    attrib_plan plan;
    CHECK(attrib_plan_build(&p, rows, bytes, &plan) == 0);
    uint64_t sum = 0, mx = 0, maxpart = 0;
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++) {
        CHECK(plan.owner[q] >= 0 && plan.owner[q] < size);
        sum += plan.bytes[q];
        maxpart = plan.bytes[q] > maxpart ? plan.bytes[q] : maxpart;
    }
    for (int r = 0; r < size; r++)
        mx = plan.rank_bytes[r] > mx ? plan.rank_bytes[r] : mx;
    CHECK(mx <= sum / (uint64_t)size + maxpart);
    attrib_plan_free(&plan);
    free(rows);
    free(bytes);

    /* Exact reduction: each rank adds its share of the same global contributions; the
     * reduced bits must equal a sequential sum done on rank 0 alone. */
    attrib_acc acc;
    attrib_acc_init(&acc, 3);
    attrib_fx seq[3 * ATTRIB_ACC_C_N];
    memset(seq, 0, sizeof seq);
    attrib_sparse seqd;
    attrib_sparse_init(&seqd, ATTRIB_ACC_D_N);
    for (uint64_t g = 0; g < N; g++) {
        uint64_t s = g + 99;
        double credit = (double)(rng(&s) % 1000000) / 1e6 + 1e-9;
        size_t f = (size_t)(g % 3) * ATTRIB_ACC_C_N + ATTRIB_ACC_C_CONVERSIONS;
        attrib_fx v = attrib_fx_from_double(credit, ATTRIB_FX_CREDIT_SHIFT);
        attrib_fx dv[ATTRIB_ACC_D_N] = {v, attrib_fx_from_double(credit * 3.7, ATTRIB_FX_MONEY_SHIFT)};
        seq[f] += v;
        attrib_sparse_add(&seqd, g % 17, dv);
        if (g % (uint64_t)size == (uint64_t)rank) {
            acc.camp[f] += v;
            attrib_sparse_add(&acc.daily, g % 17, dv);
        }
    }
    attrib_sparse_finish(&seqd);
    attrib_sparse_finish(&acc.daily);
    attrib_sparse_finish(&acc.daily_touch);
    attrib_sparse_finish(&acc.advertiser);
    CHECK(attrib_par_reduce_acc(&p, &acc) == 0);
    if (rank == 0) {
        CHECK(memcmp(acc.camp, seq, sizeof seq) == 0);
        CHECK(acc.daily.n == seqd.n && seqd.n == 17);
        CHECK(acc.daily.n == seqd.n && memcmp(acc.daily.key, seqd.key, seqd.n * sizeof *seqd.key) == 0 &&
              memcmp(acc.daily.val, seqd.val, seqd.n * ATTRIB_ACC_D_N * sizeof *seqd.val) == 0);
    }
    attrib_sparse_free(&seqd);
    attrib_acc_free(&acc);

    /* Error agreement: a failure on the last rank reaches every rank with its message. */
    int rc = rank == size - 1 ? attrib_err_set(ATTRIB_EINPUT, "boom on %d", rank) : 0;
    rc = attrib_par_agree(&p, rc);
    CHECK(rc == ATTRIB_EINPUT);
    CHECK(strstr(attrib_err_msg(), "boom") != NULL);
    CHECK(attrib_par_agree(&p, 0) == 0);

    free(dest);
    attrib_table_free(&t);
    int total_fail = 0;
    MPI_Allreduce(&failures, &total_fail, 1, MPI_INT, MPI_SUM, p.comm);
    if (rank == 0)
        printf("test_par (%d ranks): %s\n", size, total_fail ? "FAILED" : "ok");
    MPI_Finalize();
    return total_fail ? 1 : 0;
}

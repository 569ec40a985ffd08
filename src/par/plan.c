/* The partition plan: which rank owns which logical partition. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/par.h"

int attrib_plan_build(const attrib_par *p, const uint64_t *local_rows, const uint64_t *local_bytes,
                      attrib_plan *plan)
{
    const uint32_t np = ATTRIB_NPARTITIONS;
    memset(plan, 0, sizeof *plan);
    plan->npart = np;
    plan->rows = attrib_xcalloc(np, sizeof *plan->rows);
    plan->bytes = attrib_xcalloc(np, sizeof *plan->bytes);
    plan->owner = attrib_xcalloc(np, sizeof *plan->owner);
    plan->rank_rows = attrib_xcalloc((size_t)p->size, sizeof *plan->rank_rows);
    plan->rank_bytes = attrib_xcalloc((size_t)p->size, sizeof *plan->rank_bytes);

    if (MPI_Allreduce(local_rows, plan->rows, (int)np, MPI_UINT64_T, MPI_SUM, p->comm) != MPI_SUCCESS ||
        MPI_Allreduce(local_bytes, plan->bytes, (int)np, MPI_UINT64_T, MPI_SUM, p->comm) != MPI_SUCCESS)
        return attrib_err_set(ATTRIB_EMPI, "MPI_Allreduce of partition counts failed");

    if (p->rank == 0) {
        /* Largest partition first to the least-loaded rank (LPT): within 4/3 of the
         * optimum, and good under skew where one partition dwarfs the rest. */
        uint32_t *order = attrib_xmalloc(np * sizeof *order);
        for (uint32_t i = 0; i < np; i++)
            order[i] = i;
        /* Insertion of 4096 items by descending bytes, ties by index: a simple stable sort. */
        for (uint32_t i = 1; i < np; i++) {
            uint32_t v = order[i];
            uint32_t j = i;
            while (j > 0 && plan->bytes[order[j - 1]] < plan->bytes[v]) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = v;
        }
        for (uint32_t i = 0; i < np; i++) {
            uint32_t part = order[i];
            int best = 0;
            for (int r = 1; r < p->size; r++)
                if (plan->rank_bytes[r] < plan->rank_bytes[best])
                    best = r;
            plan->owner[part] = best;
            plan->rank_bytes[best] += plan->bytes[part];
            plan->rank_rows[best] += plan->rows[part];
        }
        free(order);
    }
    if (MPI_Bcast(plan->owner, (int)np, MPI_INT, 0, p->comm) != MPI_SUCCESS ||
        MPI_Bcast(plan->rank_rows, p->size, MPI_UINT64_T, 0, p->comm) != MPI_SUCCESS ||
        MPI_Bcast(plan->rank_bytes, p->size, MPI_UINT64_T, 0, p->comm) != MPI_SUCCESS)
        return attrib_err_set(ATTRIB_EMPI, "MPI_Bcast of the plan failed");
    return 0;
}

void attrib_plan_ranges(const uint64_t *rows, uint32_t npart, int nranks, int *owner)
{
    unsigned __int128 total = 0, before = 0;
    for (uint32_t q = 0; q < npart; q++)
        total += rows[q];
    for (uint32_t q = 0; q < npart; q++) {
        uint64_t o;
        if (total == 0)
            o = (uint64_t)q * (uint64_t)nranks / npart;
        else /* the rank of the partition's midpoint: 2·before + rows over 2·total */
            o = (uint64_t)((2 * before + rows[q]) * (unsigned __int128)nranks / (2 * total));
        owner[q] = o < (uint64_t)nranks ? (int)o : nranks - 1;
        before += rows[q];
    }
}

void attrib_plan_build_ranges(int nranks, const uint64_t *rows, const uint64_t *bytes,
                              attrib_plan *plan)
{
    const uint32_t np = ATTRIB_NPARTITIONS;
    memset(plan, 0, sizeof *plan);
    plan->npart = np;
    plan->rows = attrib_xmalloc(np * sizeof *plan->rows);
    plan->bytes = attrib_xmalloc(np * sizeof *plan->bytes);
    plan->owner = attrib_xcalloc(np, sizeof *plan->owner);
    plan->rank_rows = attrib_xcalloc((size_t)nranks, sizeof *plan->rank_rows);
    plan->rank_bytes = attrib_xcalloc((size_t)nranks, sizeof *plan->rank_bytes);
    memcpy(plan->rows, rows, np * sizeof *rows);
    memcpy(plan->bytes, bytes, np * sizeof *bytes);
    attrib_plan_ranges(bytes, np, nranks, plan->owner);
    for (uint32_t q = 0; q < np; q++) {
        plan->rank_rows[plan->owner[q]] += rows[q];
        plan->rank_bytes[plan->owner[q]] += bytes[q];
    }
}

void attrib_plan_free(attrib_plan *plan)
{
    if (!plan)
        return;
    free(plan->rows);
    free(plan->bytes);
    free(plan->owner);
    free(plan->rank_rows);
    free(plan->rank_bytes);
    memset(plan, 0, sizeof *plan);
}

void attrib_plan_print(const attrib_plan *plan, int nranks, FILE *out)
{
    uint64_t total = 0, maxp = 0, nonempty = 0;
    for (uint32_t i = 0; i < plan->npart; i++) {
        total += plan->rows[i];
        if (plan->rows[i] > maxp)
            maxp = plan->rows[i];
        nonempty += plan->rows[i] > 0;
    }
    fprintf(out, "plan: %u logical partitions (%llu non-empty), %llu rows, largest partition %llu rows\n",
            plan->npart, (unsigned long long)nonempty, (unsigned long long)total,
            (unsigned long long)maxp);
    uint64_t mx = 0, mn = UINT64_MAX;
    for (int r = 0; r < nranks; r++) {
        uint32_t parts = 0;
        for (uint32_t i = 0; i < plan->npart; i++)
            parts += plan->owner[i] == r;
        fprintf(out, "  rank %d: %u partitions, %llu rows, %.1f MiB\n", r, parts,
                (unsigned long long)plan->rank_rows[r], (double)plan->rank_bytes[r] / 1048576.0);
        if (plan->rank_bytes[r] > mx)
            mx = plan->rank_bytes[r];
        if (plan->rank_bytes[r] < mn)
            mn = plan->rank_bytes[r];
    }
    double mean = 0;
    for (int r = 0; r < nranks; r++)
        mean += (double)plan->rank_bytes[r];
    mean /= nranks > 0 ? nranks : 1;
    fprintf(out, "  balance: max/mean bytes %.3f, max/min %.3f\n", mean > 0 ? (double)mx / mean : 1.0,
            mn > 0 ? (double)mx / (double)mn : (mx > 0 ? INFINITY : 1.0));
}

/* The memory model of a run and its waves (include/attrib/run.h). Local functions: every
 * rank computes the same figures from the same plan. */
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/run.h"

/* Bytes of the model (include/attrib/run.h). */
#define RUN_BASE_BYTES (UINT64_C(64) << 20) /* MPI, HDF5, the libraries */
#define RUN_ID_BYTES 8                       /* an identity of the slab, held all run */
#define RUN_REC_BYTES 44                     /* a received 40-byte record + a tenth */
#define RUN_ROUND_ROW_BYTES 80               /* a row of a round: columns, record, slot */
#define RUN_MIN_ROUND_ROWS (UINT64_C(1) << 14)
#define RUN_MAX_ROUND_ROWS (UINT64_C(1) << 20) /* the files' chunk size */
#define RUN_MAX_WAVES 65535

int attrib_run_check_budget(uint64_t budget, uint64_t nrows, int nranks, uint64_t *round_rows)
{
    return attrib_run_check_budget_held(budget, nrows * RUN_ID_BYTES, nranks, round_rows);
}

int attrib_run_check_budget_held(uint64_t budget, uint64_t held, int nranks, uint64_t *round_rows)
{
    *round_rows = 0;
    if (!budget)
        return 0;
    /* What is held all run (the identities of a slab; label rows) and the smallest
     * rounds must fit, with room to spare (a quarter of what is held) for the waves. */
    const uint64_t total = held, P = (uint64_t)nranks;
    const uint64_t slab = (total + P - 1) / P, floor = RUN_MIN_ROUND_ROWS * RUN_ROUND_ROW_BYTES;
    const uint64_t room = budget > RUN_BASE_BYTES ? budget - RUN_BASE_BYTES : 0;
    if (room > floor && slab + slab / 4 <= room - floor) {
        uint64_t rr = (room - slab) / 4 / RUN_ROUND_ROW_BYTES;
        rr = rr < RUN_MIN_ROUND_ROWS ? RUN_MIN_ROUND_ROWS : rr;
        *round_rows = rr < RUN_MAX_ROUND_ROWS ? rr : RUN_MAX_ROUND_ROWS;
        return 0;
    }
    if (room > floor) {
        uint64_t need = (total + total / 4 + (room - floor) - 1) / (room - floor);
        return attrib_err_set(ATTRIB_EUSAGE,
                              "--memory-per-rank %.0f MiB is too small for %d rank%s: each "
                              "rank holds the identities of its share of the input (and "
                              "with --labels its label rows: %.0f MiB) plus working space; these data need at least %llu ranks at this "
                              "budget",
                              (double)budget / 1048576.0, nranks, nranks == 1 ? "" : "s",
                              (double)slab / 1048576.0, (unsigned long long)need);
    }
    return attrib_err_set(ATTRIB_EUSAGE,
                          "--memory-per-rank %.0f MiB is below the %.0f MiB a rank needs "
                          "before any data",
                          (double)budget / 1048576.0, (double)(RUN_BASE_BYTES + floor) / 1048576.0);
}

void attrib_run_plan_waves(uint64_t budget, const attrib_plan *plan, int nranks,
                           uint64_t slab_rows_max, uint64_t round_rows, attrib_run_waves *wv)
{
    memset(wv, 0, sizeof *wv);
    wv->n = 1;
    wv->of_part = attrib_xcalloc(plan->npart ? plan->npart : 1, sizeof *wv->of_part);
    if (!budget)
        return;
    const uint64_t used = RUN_BASE_BYTES + slab_rows_max * RUN_ID_BYTES + round_rows * RUN_ROUND_ROW_BYTES;
    const uint64_t room = budget > used ? budget - used : 1;
    uint64_t maxw = 1, biggest = 0;
    for (int r = 0; r < nranks; r++) {
        const uint64_t need = RUN_REC_BYTES * plan->rank_rows[r];
        const uint64_t w = (need + room - 1) / room;
        maxw = w > maxw ? w : maxw;
    }
    for (uint32_t q = 0; q < plan->npart; q++)
        biggest = plan->rows[q] > biggest ? plan->rows[q] : biggest;
    if (maxw > RUN_MAX_WAVES)
        maxw = RUN_MAX_WAVES;
    wv->n = (int)maxw;
    wv->room = room;
    wv->largest = RUN_REC_BYTES * biggest;
    /* Within a rank: its partitions in index order, cut where the running row count
     * crosses each multiple of rank_rows / waves. */
    uint64_t *cum = attrib_xcalloc((size_t)nranks, sizeof *cum);
    for (uint32_t q = 0; q < plan->npart; q++) {
        const int r = plan->owner[q];
        const uint64_t tot = plan->rank_rows[r] ? plan->rank_rows[r] : 1;
        const uint64_t w = (uint64_t)((unsigned __int128)cum[r] * maxw / tot);
        wv->of_part[q] = (uint16_t)(w < maxw ? w : maxw - 1);
        cum[r] += plan->rows[q];
    }
    free(cum);
}

void attrib_run_waves_free(attrib_run_waves *w)
{
    free(w->of_part);
    memset(w, 0, sizeof *w);
}

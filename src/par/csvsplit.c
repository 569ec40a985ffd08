/* CSV files shared out among ranks as byte ranges (include/attrib/csvsplit.h). */
#include "attrib/csvsplit.h"

#include <stdlib.h>

#include "attrib/err.h"

size_t attrib_csvsplit_plan(const attrib_par *p, const attrib_csvsplit_file *files,
                            size_t nfiles, attrib_csvsplit_unit **out)
{
    const int N = p->size;
    size_t n = 0, rr = 0;
    attrib_csvsplit_unit *u = attrib_xcalloc(nfiles * (size_t)N + 1, sizeof *u);
    for (size_t i = 0; i < nfiles; i++) {
        const attrib_csvsplit_file *f = &files[i];
        if (!f->whole && !f->on_root) {
            for (int r = 0; r < N; r++) {
                attrib_csvsplit_unit *x = &u[n++];
                x->file = i;
                x->owner = r;
                x->split = 1;
                x->start = (uint64_t)((unsigned __int128)f->size * (unsigned)r / (unsigned)N);
                x->end = r == N - 1 ? UINT64_MAX
                                    : (uint64_t)((unsigned __int128)f->size * (unsigned)(r + 1) /
                                                 (unsigned)N);
            }
        } else {
            attrib_csvsplit_unit *x = &u[n++];
            x->file = i;
            x->owner = f->on_root ? 0 : (int)(rr++ % (size_t)N);
            x->start = 0;
            x->end = UINT64_MAX;
        }
    }
    *out = u;
    return n;
}

int attrib_csvsplit_scan(const attrib_par *p, const attrib_csvsplit_file *files, size_t nfiles,
                         attrib_csvsplit_unit *units, size_t nunits, attrib_csvsplit_count_fn count,
                         void *ctx, attrib_csvsplit_stats *stats)
{
    /* Indexed by file: a file's ranges are owned by ranks 0..N-1 in order, so the
     * exclusive scan over ranks of the per-range counts is the count before a range. */
    uint64_t *mine = attrib_xcalloc(2 * nfiles + 1, sizeof *mine);
    uint64_t *before = attrib_xcalloc(2 * nfiles + 1, sizeof *before);
    uint64_t mystats[3] = {0, 0, 0}; /* ranges, bytes, lines */
    int rc = 0;
    for (size_t k = 0; k < nunits && rc == 0; k++) {
        const attrib_csvsplit_unit *u = &units[k];
        /* The last range's counts are nobody's prefix. */
        if (!u->split || u->owner != p->rank || u->owner == p->size - 1)
            continue;
        const uint64_t size = files[u->file].size;
        const uint64_t end = u->end < size ? u->end : size;
        if (end <= u->start)
            continue;
        const uint64_t lfs = mine[2 * u->file + 1];
        rc = count(ctx, u->file, u->start, end, &mine[2 * u->file], &mine[2 * u->file + 1]);
        mystats[0]++;
        mystats[1] += end - u->start;
        mystats[2] += mine[2 * u->file + 1] - lfs;
    }
    rc = attrib_par_agree(p, rc);
    if (rc == 0) {
        if (MPI_Exscan(mine, before, (int)(2 * nfiles), MPI_UINT64_T, MPI_SUM, p->comm) !=
            MPI_SUCCESS)
            attrib_par_die(p, "MPI_Exscan of quote counts failed");
        for (size_t k = 0; k < nunits; k++) {
            attrib_csvsplit_unit *u = &units[k];
            if (u->owner != p->rank || !u->split)
                continue;
            /* MPI_Exscan leaves rank 0's buffer undefined. */
            const uint64_t q = p->rank ? before[2 * u->file] : 0;
            const uint64_t l = p->rank ? before[2 * u->file + 1] : 0;
            u->parity = (int)(q & 1);
            u->line0 = l + 1;
        }
        uint64_t all[3];
        if (MPI_Allreduce(mystats, all, 3, MPI_UINT64_T, MPI_SUM, p->comm) != MPI_SUCCESS)
            attrib_par_die(p, "MPI_Allreduce of scan counts failed");
        stats->ranges = all[0];
        stats->bytes = all[1];
        stats->lines = all[2];
    }
    free(mine);
    free(before);
    return rc;
}

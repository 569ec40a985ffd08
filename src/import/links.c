/* The canonical form of the identity links (include/attrib/import.h): each undirected
 * edge once, as (min, max) of its two identity hashes, self links dropped, sorted by
 * (a, b) across the ranks. Shared by `attrib import --links` and `attrib gen --links`,
 * so a store's /links is the same whichever wrote it, for any rank count. */
#include "attrib/import.h"

#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/table.h"

int attrib_links_canonical(const attrib_par *p, attrib_table *t, attrib_links_figures *f)
{
    memset(f, 0, sizeof *f);
    uint64_t *a = ATTRIB_COL(t, ATTRIB_LK_A, uint64_t), *b = ATTRIB_COL(t, ATTRIB_LK_B, uint64_t);
    const uint64_t nread = t->n;
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        const uint64_t x = a[i], y = b[i];
        if (x == y)
            continue;
        a[n] = x < y ? x : y;
        b[n] = x < y ? y : x;
        n++;
    }
    const uint64_t nself = nread - n;
    t->n = n;
    static const int keys[2] = {ATTRIB_LK_A, ATTRIB_LK_B};
    int rc = attrib_par_sort(p, t, keys, 2);
    if (rc < 0)
        return rc;
    /* Equal edges are now adjacent: within a rank, and across the boundary between a rank
     * and the nearest rank before it that holds any. */
    a = ATTRIB_COL(t, ATTRIB_LK_A, uint64_t);
    b = ATTRIB_COL(t, ATTRIB_LK_B, uint64_t);
    n = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (n > 0 && a[i] == a[n - 1] && b[i] == b[n - 1])
            continue;
        a[n] = a[i];
        b[n] = b[i];
        n++;
    }
    t->n = n;
    const int P = p->size;
    uint64_t mine[3] = {n > 0, n ? a[n - 1] : 0, n ? b[n - 1] : 0};
    uint64_t *last = attrib_xmalloc(3 * (size_t)P * sizeof *last);
    if (MPI_Allgather(mine, 3, MPI_UINT64_T, last, 3, MPI_UINT64_T, p->comm) != MPI_SUCCESS) {
        free(last);
        return attrib_err_set(ATTRIB_EMPI, "MPI_Allgather of link boundaries failed");
    }
    for (int r = p->rank - 1; r >= 0 && n > 0; r--) {
        if (!last[3 * r])
            continue;
        if (last[3 * r + 1] == a[0] && last[3 * r + 2] == b[0]) {
            memmove(a, a + 1, (n - 1) * sizeof *a);
            memmove(b, b + 1, (n - 1) * sizeof *b);
            n--;
            t->n = n;
        }
        break;
    }
    free(last);
    uint64_t loc[3] = {nread, nself, t->n}, glob[3];
    if (MPI_Allreduce(loc, glob, 3, MPI_UINT64_T, MPI_SUM, p->comm) != MPI_SUCCESS)
        return attrib_err_set(ATTRIB_EMPI, "MPI_Allreduce of link counts failed");
    f->read = glob[0];
    f->self = glob[1];
    f->kept = glob[2];
    f->repeats = glob[0] - glob[1] - glob[2];
    return 0;
}

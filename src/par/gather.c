/* Gathering rows to rank 0 and broadcasting small values (include/attrib/gather.h). */
#include "attrib/gather.h"

#include <limits.h>
#include <stdlib.h>

#include "attrib/err.h"
#include "attrib/par_coll.h"

int attrib_par_gather_rows(const attrib_par *p, attrib_table *t)
{
    if (p->size == 1)
        return 0;
    attrib_par_agree_strw(p, t);
    /* Every rank learns every count, so all take the same branch below. */
    uint64_t mine = t->n;
    uint64_t *counts = attrib_xcalloc((size_t)p->size, sizeof *counts);
    if (MPI_Allgather(&mine, 1, MPI_UINT64_T, counts, 1, MPI_UINT64_T, p->comm) != MPI_SUCCESS) {
        free(counts);
        return attrib_err_set(ATTRIB_EMPI, "MPI_Allgather failed");
    }
    uint64_t total = 0;
    for (int r = 0; r < p->size; r++)
        total += counts[r];
    size_t widest = 1;
    for (size_t c = 0; c < t->schema->ncols; c++)
        if (attrib_table_elem_size(t, c) > widest)
            widest = attrib_table_elem_size(t, c);
    if (total > (uint64_t)INT_MAX / widest) {
        free(counts);
        return attrib_err_set(ATTRIB_EINPUT,
                              "%llu rows to gather on one rank: more than MPI "
                              "counts allow",
                              (unsigned long long)total);
    }
    attrib_table all;
    attrib_table_init(&all, t->schema, 1);
    for (size_t c = 0; c < t->schema->ncols; c++)
        if (t->schema->cols[c].type == ATTRIB_T_STR)
            attrib_table_set_strw(&all, c, t->strw[c]);
    int *bc = NULL, *bd = NULL;
    if (p->rank == 0) {
        attrib_table_resize(&all, (size_t)total);
        bc = attrib_xmalloc((size_t)p->size * sizeof *bc);
        bd = attrib_xmalloc((size_t)p->size * sizeof *bd);
    }
    int rc = 0;
    static char empty;
    for (size_t c = 0; c < t->schema->ncols && !rc; c++) {
        const int es = (int)attrib_table_elem_size(t, c);
        if (p->rank == 0) {
            int off = 0;
            for (int r = 0; r < p->size; r++) {
                bc[r] = (int)counts[r] * es;
                bd[r] = off;
                off += bc[r];
            }
        }
        if (MPI_Gatherv(t->n ? t->col[c] : &empty, (int)t->n * es, MPI_BYTE,
                        p->rank == 0 && total ? all.col[c] : NULL, bc, bd, MPI_BYTE, 0,
                        p->comm) != MPI_SUCCESS)
            rc = attrib_err_set(ATTRIB_EMPI, "MPI_Gatherv failed");
    }
    free(bc);
    free(bd);
    free(counts);
    if (p->rank == 0) {
        attrib_table_free(t);
        *t = all;
    } else {
        attrib_table_free(&all);
        t->n = 0;
    }
    return rc;
}

int attrib_par_gather_bytes(const attrib_par *p, const void *buf, size_t len, void **all,
                            size_t *all_len)
{
    *all = NULL;
    *all_len = 0;
    const uint64_t mine = len;
    uint64_t *lens = p->rank == 0 ? attrib_xmalloc((size_t)p->size * sizeof *lens) : NULL;
    int rc = 0;
    if (MPI_Gather(&mine, 1, MPI_UINT64_T, lens, 1, MPI_UINT64_T, 0, p->comm) != MPI_SUCCESS)
        rc = attrib_err_set(ATTRIB_EMPI, "MPI_Gather of buffer sizes failed");
    uint64_t total = 0;
    int *counts = NULL, *displs = NULL;
    if (!rc && p->rank == 0) {
        counts = attrib_xmalloc((size_t)p->size * sizeof *counts);
        displs = attrib_xmalloc((size_t)p->size * sizeof *displs);
        for (int r = 0; r < p->size; r++) {
            displs[r] = (int)total;
            counts[r] = (int)lens[r];
            total += lens[r];
            if (total > INT32_MAX)
                break;
        }
    }
    uint64_t t = total;
    if (!rc && attrib_par_bcast_u64(p, &t, 1, 0) != 0)
        rc = attrib_err_set(ATTRIB_EMPI, "MPI_Bcast of a buffer size failed");
    if (!rc && t > INT32_MAX)
        rc = attrib_err_set(ATTRIB_EINPUT, "gathering %llu bytes on one rank: more than 2^31 - 1",
                            (unsigned long long)t);
    char *dst = NULL;
    if (!rc && p->rank == 0)
        dst = attrib_xmalloc(total ? (size_t)total : 1);
    if (!rc && MPI_Gatherv(buf, (int)len, MPI_BYTE, dst, counts, displs, MPI_BYTE, 0, p->comm) !=
                   MPI_SUCCESS)
        rc = attrib_err_set(ATTRIB_EMPI, "MPI_Gatherv of buffers failed");
    free(lens);
    free(counts);
    free(displs);
    if (rc) {
        free(dst);
        return rc;
    }
    *all = dst;
    *all_len = (size_t)total;
    return 0;
}

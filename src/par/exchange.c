/* Redistribution of table rows between ranks, one column at a time, in rounds. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/par.h"

#define DEFAULT_ROUND_ROWS (UINT64_C(4) << 20)

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

int attrib_par_exchange(const attrib_par *p, attrib_table *t, const int *dest, uint64_t round_rows)
{
    const int P = p->size;
    if (P == 1)
        return 0;
    if (round_rows == 0)
        round_rows = DEFAULT_ROUND_ROWS;
    if (round_rows > INT_MAX / 2)
        round_rows = INT_MAX / 2;
    uint64_t chunk = round_rows / (uint64_t)P;
    if (chunk == 0)
        chunk = 1;

    uint64_t *scount = attrib_xcalloc((size_t)P, sizeof *scount);
    uint64_t *sdisp = attrib_xcalloc((size_t)P, sizeof *sdisp);
    uint64_t *rcount = attrib_xcalloc((size_t)P, sizeof *rcount);
    int *sc = attrib_xmalloc((size_t)P * sizeof *sc), *sd = attrib_xmalloc((size_t)P * sizeof *sd);
    int *rc = attrib_xmalloc((size_t)P * sizeof *rc), *rd = attrib_xmalloc((size_t)P * sizeof *rd);
    int err = 0;

    /* Group rows by destination (a stable counting sort), so that each destination's
     * rows are one contiguous run of every column. */
    for (size_t i = 0; i < t->n; i++)
        scount[dest[i]]++;
    for (int d = 1; d < P; d++)
        sdisp[d] = sdisp[d - 1] + scount[d - 1];
    int grouped = 1; /* already grouped (a sorted table): no permutation to apply */
    for (size_t i = 1; i < t->n && grouped; i++)
        grouped = dest[i] >= dest[i - 1];
    if (t->n > 0 && !grouped) {
        uint32_t *perm = attrib_xmalloc(t->n * sizeof *perm);
        uint64_t *pos = attrib_xmalloc((size_t)P * sizeof *pos);
        memcpy(pos, sdisp, (size_t)P * sizeof *pos);
        for (size_t i = 0; i < t->n; i++)
            perm[pos[dest[i]]++] = (uint32_t)i;
        attrib_table_permute(t, perm, t->n);
        free(pos);
        free(perm);
    }

    if (MPI_Alltoall(scount, 1, MPI_UINT64_T, rcount, 1, MPI_UINT64_T, p->comm) != MPI_SUCCESS) {
        err = attrib_err_set(ATTRIB_EMPI, "MPI_Alltoall of row counts failed");
        goto out;
    }
    uint64_t nrecv = 0, local_rounds = 0, rounds = 0;
    for (int d = 0; d < P; d++) {
        nrecv += rcount[d];
        uint64_t r = (scount[d] + chunk - 1) / chunk;
        if (r > local_rounds)
            local_rounds = r;
    }
    if (MPI_Allreduce(&local_rounds, &rounds, 1, MPI_UINT64_T, MPI_MAX, p->comm) != MPI_SUCCESS) {
        err = attrib_err_set(ATTRIB_EMPI, "MPI_Allreduce of exchange rounds failed");
        goto out;
    }

    /* Rows grouped by destination are sent from the column itself (displacements into
     * it, which must fit an int); otherwise each round is copied into a send buffer. */
    const int in_place = t->n <= (size_t)INT_MAX;
    size_t sendcap = in_place ? 0 : (size_t)min_u64(t->n, chunk * (uint64_t)P);
    static const char empty[1];
    for (size_t c = 0; c < t->schema->ncols && !err; c++) {
        size_t es = attrib_table_elem_size(t, c);
        MPI_Datatype ty;
        MPI_Type_contiguous((int)es, MPI_BYTE, &ty);
        MPI_Type_commit(&ty);
        char *newcol = attrib_xmalloc((size_t)nrecv * es);
        char *sendbuf = in_place ? NULL : attrib_xmalloc((sendcap ? sendcap : 1) * es);
        const char *col = t->col[c];
        const char *from = in_place ? (col ? col : empty) : sendbuf;
        uint64_t got = 0;
        for (uint64_t k = 0; k < rounds; k++) {
            uint64_t base = k * chunk;
            int soff = 0, roff = 0;
            for (int d = 0; d < P; d++) {
                uint64_t ns = scount[d] > base ? min_u64(chunk, scount[d] - base) : 0;
                uint64_t nr = rcount[d] > base ? min_u64(chunk, rcount[d] - base) : 0;
                if (ns && !in_place) /* an empty local table may have NULL columns */
                    memcpy(sendbuf + (size_t)soff * es, col + (size_t)(sdisp[d] + base) * es,
                           (size_t)ns * es);
                sc[d] = (int)ns;
                sd[d] = in_place ? (ns ? (int)(sdisp[d] + base) : 0) : soff;
                soff += (int)ns;
                rc[d] = (int)nr;
                rd[d] = roff;
                roff += (int)nr;
            }
            if (MPI_Alltoallv(from, sc, sd, ty, newcol + (size_t)got * es, rc, rd, ty,
                              p->comm) != MPI_SUCCESS) {
                err = attrib_err_set(ATTRIB_EMPI, "MPI_Alltoallv of column '%s' failed",
                                     t->schema->cols[c].name);
                break;
            }
            got += (uint64_t)roff;
        }
        free(sendbuf);
        MPI_Type_free(&ty);
        free(t->col[c]);
        t->col[c] = newcol;
    }
    if (!err)
        t->n = t->cap = (size_t)nrecv;

out:
    free(scount);
    free(sdisp);
    free(rcount);
    free(sc);
    free(sd);
    free(rc);
    free(rd);
    return err;
}

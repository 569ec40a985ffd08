/* The record exchange (include/attrib/recx.h): slots per (owner rank, partition), one
 * MPI_Alltoallv of per-slot counts and one of records per step, agreement after each. */
#include "attrib/recx.h"

#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"

void attrib_recx_layout_build(int nranks, uint32_t npart, const int *owner,
                              const uint16_t *wave_of_part, int w, attrib_recx_layout *L)
{
    L->nranks = nranks;
    L->npart = npart;
    L->slot_of_part = attrib_xmalloc((npart ? npart : 1) * sizeof *L->slot_of_part);
    L->nslot = attrib_xcalloc((size_t)nranks, sizeof *L->nslot);
    L->slot0 = attrib_xcalloc((size_t)nranks, sizeof *L->slot0);
    for (uint32_t q = 0; q < npart; q++)
        if (wave_of_part[q] == w)
            L->nslot[owner[q]]++;
    int s = 0;
    for (int r = 0; r < nranks; r++) {
        L->slot0[r] = s;
        s += L->nslot[r];
    }
    L->nslots = (uint32_t)s;
    int *next = attrib_xmalloc((size_t)nranks * sizeof *next);
    memcpy(next, L->slot0, (size_t)nranks * sizeof *next);
    for (uint32_t q = 0; q < npart; q++)
        L->slot_of_part[q] = wave_of_part[q] == w ? next[owner[q]]++ : -1;
    free(next);
}

void attrib_recx_layout_free(attrib_recx_layout *L)
{
    free(L->slot_of_part);
    free(L->nslot);
    free(L->slot0);
    memset(L, 0, sizeof *L);
}

void attrib_recx_store_init(attrib_recx_store *s, size_t recsize, uint32_t nmine, uint64_t cap)
{
    memset(s, 0, sizeof *s);
    s->recsize = recsize;
    s->nmine = nmine;
    s->cap = cap;
    s->rows = attrib_xmalloc((size_t)(cap ? cap : 1) * recsize);
}

void attrib_recx_store_free(attrib_recx_store *s)
{
    free(s->rows);
    free(s->cnt);
    free(s->base);
    memset(s, 0, sizeof *s);
}

/* Append a block starting at row `base`; the caller fills its nmine counts. */
static uint32_t *store_block(attrib_recx_store *s, uint64_t base)
{
    if (s->nblk == s->blkcap) {
        s->blkcap = s->blkcap ? 2 * s->blkcap : 64;
        s->base = attrib_xrealloc(s->base, s->blkcap * sizeof *s->base);
        s->cnt = attrib_xrealloc(s->cnt, s->blkcap * (s->nmine ? s->nmine : 1) * sizeof *s->cnt);
    }
    s->base[s->nblk] = base;
    return s->cnt + s->nblk++ * s->nmine;
}

char *attrib_recx_store_append(attrib_recx_store *s, const uint64_t *count)
{
    uint64_t tot = 0;
    for (uint32_t j = 0; j < s->nmine; j++)
        tot += count[j];
    if (s->n + tot > s->cap) {
        attrib_err_set(ATTRIB_EINTERNAL, "%llu records arrive for a store of %llu",
                       (unsigned long long)(s->n + tot), (unsigned long long)s->cap);
        return NULL;
    }
    uint32_t *bc = store_block(s, s->n);
    for (uint32_t j = 0; j < s->nmine; j++)
        bc[j] = (uint32_t)count[j];
    char *dst = s->rows + s->n * s->recsize;
    s->n += tot;
    return dst;
}

int attrib_recx_exchange(const attrib_par *p, const attrib_recx_layout *L, const void *send,
                         const uint64_t *count, attrib_recx_store *st)
{
    const int P = p->size;
    const uint32_t nmine = st->nmine;
    int rc = 0;
    int *scount = attrib_xmalloc((size_t)P * sizeof *scount);
    int *sdispl = attrib_xmalloc((size_t)P * sizeof *sdispl);
    int *rcount = attrib_xmalloc((size_t)P * sizeof *rcount);
    int *rdispl = attrib_xmalloc((size_t)P * sizeof *rdispl);
    uint32_t *cnt32 = attrib_xmalloc((L->nslots ? L->nslots : 1) * sizeof *cnt32);
    uint32_t *bc = attrib_xmalloc(((size_t)P * nmine + 1) * sizeof *bc);
    for (uint32_t s = 0; s < L->nslots; s++)
        cnt32[s] = (uint32_t)count[s];
    /* The per-slot counts first: rank r gets ours for its slots. */
    for (int r = 0; r < P; r++) {
        scount[r] = L->nslot[r];
        sdispl[r] = L->slot0[r];
        rcount[r] = (int)nmine;
        rdispl[r] = r * (int)nmine;
    }
    if (MPI_Alltoallv(cnt32, scount, sdispl, MPI_UINT32_T, bc, rcount, rdispl, MPI_UINT32_T,
                      p->comm) != MPI_SUCCESS)
        rc = attrib_err_set(ATTRIB_EMPI, "MPI_Alltoallv of record counts failed");
    rc = attrib_par_agree(p, rc); /* a rank whose call failed must not leave the others */
    if (rc)
        goto done;
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
            sc += count[L->slot0[r] + s];
        scount[r] = (int)sc;
        sdispl[r] = (int)off;
        off += sc;
    }
    MPI_Datatype rec = MPI_DATATYPE_NULL;
    if (st->n + rtot > st->cap)
        rc = attrib_err_set(ATTRIB_EINTERNAL, "receives %llu records, more than the %llu expected",
                            (unsigned long long)(st->n + rtot), (unsigned long long)st->cap);
    else if (MPI_Type_contiguous((int)st->recsize, MPI_BYTE, &rec) != MPI_SUCCESS ||
             MPI_Type_commit(&rec) != MPI_SUCCESS)
        rc = attrib_err_set(ATTRIB_EMPI, "MPI_Type_contiguous of %zu bytes failed", st->recsize);
    rc = attrib_par_agree(p, rc); /* no rank may enter the next collective alone */
    if (!rc && MPI_Alltoallv(send, scount, sdispl, rec, st->rows + st->n * st->recsize, rcount,
                             rdispl, rec, p->comm) != MPI_SUCCESS)
        rc = attrib_err_set(ATTRIB_EMPI, "MPI_Alltoallv of records failed");
    if (rec != MPI_DATATYPE_NULL)
        MPI_Type_free(&rec);
    rc = attrib_par_agree(p, rc);
    if (rc)
        goto done;
    for (int r = 0; r < P; r++) {
        uint32_t *dst = store_block(st, st->n + (uint64_t)rdispl[r]);
        memcpy(dst, bc + (size_t)r * nmine, nmine * sizeof *dst);
    }
    st->n += rtot;
done:
    free(scount);
    free(sdispl);
    free(rcount);
    free(rdispl);
    free(cnt32);
    free(bc);
    return rc;
}

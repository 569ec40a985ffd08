/* Exact reduction of report accumulators to rank 0. */
#include <stdlib.h>
#include <string.h>

#include "attrib/acc.h"
#include "attrib/err.h"
#include "attrib/par.h"

/* MPI has no 128-bit integer type: a user op adds pairs of 64-bit words as one
 * two's-complement 128-bit integer. Integer addition is associative and commutative,
 * so MPI may combine in any order. */
static void fx_sum(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    (void)dt;
    const attrib_fx *a = in;
    attrib_fx *b = inout;
    for (int i = 0; i < *len; i++)
        b[i] += a[i];
}

static int reduce_sparse(const attrib_par *p, attrib_sparse *s, MPI_Datatype fxtype)
{
    const int P = p->size;
    int n = (int)s->n, *counts = NULL, *displs = NULL, *vcounts = NULL, *vdispls = NULL;
    int total = 0, err = 0;
    if (p->rank == 0) {
        counts = attrib_xmalloc((size_t)P * sizeof *counts);
        displs = attrib_xmalloc((size_t)P * sizeof *displs);
        vcounts = attrib_xmalloc((size_t)P * sizeof *vcounts);
        vdispls = attrib_xmalloc((size_t)P * sizeof *vdispls);
    }
    if (MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, p->comm) != MPI_SUCCESS)
        err = ATTRIB_EMPI;
    if (p->rank == 0)
        for (int r = 0; r < P; r++) {
            displs[r] = total;
            total += counts[r];
            vcounts[r] = counts[r] * (int)s->nvals;
            vdispls[r] = displs[r] * (int)s->nvals;
        }
    attrib_sparse all;
    attrib_sparse_init(&all, s->nvals);
    if (p->rank == 0) {
        all.n = all.cap = (size_t)total;
        all.key = attrib_xmalloc(((size_t)total + 1) * sizeof *all.key);
        all.val = attrib_xmalloc(((size_t)total * s->nvals + 1) * sizeof *all.val);
    }
    if (!err && (MPI_Gatherv(s->key, n, MPI_UINT64_T, all.key, counts, displs, MPI_UINT64_T, 0,
                             p->comm) != MPI_SUCCESS ||
                 MPI_Gatherv(s->val, n * (int)s->nvals, fxtype, all.val, vcounts, vdispls, fxtype,
                             0, p->comm) != MPI_SUCCESS))
        err = ATTRIB_EMPI;
    if (p->rank == 0 && !err) {
        all.sorted = 0;
        attrib_sparse_finish(&all);
        attrib_sparse_free(s);
        *s = all;
    } else {
        attrib_sparse_free(&all);
    }
    free(counts);
    free(displs);
    free(vcounts);
    free(vdispls);
    return err ? attrib_err_set(ATTRIB_EMPI, "MPI_Gatherv of report rows failed") : 0;
}

int attrib_par_reduce_acc(const attrib_par *p, attrib_acc *acc)
{
    if (p->size == 1)
        return 0;
    MPI_Datatype fxtype;
    MPI_Op op;
    MPI_Type_contiguous((int)sizeof(attrib_fx), MPI_BYTE, &fxtype);
    MPI_Type_commit(&fxtype);
    MPI_Op_create(fx_sum, 1, &op);
    int err = 0;
    size_t n = acc->ncampaigns * ATTRIB_ACC_C_N;
    attrib_fx *sum = p->rank == 0 ? attrib_xcalloc(n ? n : 1, sizeof *sum) : NULL;
    if (n && MPI_Reduce(acc->camp, sum, (int)n, fxtype, op, 0, p->comm) != MPI_SUCCESS)
        err = attrib_err_set(ATTRIB_EMPI, "MPI_Reduce of campaign figures failed");
    if (p->rank == 0 && n) {
        memcpy(acc->camp, sum, n * sizeof *sum);
    }
    free(sum);
    const size_t nm = acc->ncmp * acc->ncampaigns * ATTRIB_ACC_M_N;
    if (!err && nm) { /* --compare sums; every rank has the same shape */
        attrib_fx *msum = p->rank == 0 ? attrib_xcalloc(nm, sizeof *msum) : NULL;
        if (MPI_Reduce(acc->cmp, msum, (int)nm, fxtype, op, 0, p->comm) != MPI_SUCCESS)
            err = attrib_err_set(ATTRIB_EMPI, "MPI_Reduce of compared models failed");
        if (p->rank == 0 && !err)
            memcpy(acc->cmp, msum, nm * sizeof *msum);
        free(msum);
    }
    if (!err)
        err = reduce_sparse(p, &acc->daily, fxtype);
    if (!err)
        err = reduce_sparse(p, &acc->daily_touch, fxtype);
    if (!err)
        err = reduce_sparse(p, &acc->advertiser, fxtype);
    MPI_Op_free(&op);
    MPI_Type_free(&fxtype);
    return err;
}

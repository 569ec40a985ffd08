/* Distributed sample sort of table rows by integer key columns. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/sort.h"
#include "attrib/err.h"
#include "attrib/par.h"

#define SAMPLES_PER_RANK 64

static uint64_t key_at(const attrib_table *t, int c, size_t r)
{
    const void *col = t->col[c];
    switch (t->schema->cols[c].type) {
    case ATTRIB_T_U8: return ((const uint8_t *)col)[r];
    case ATTRIB_T_U16: return ((const uint16_t *)col)[r];
    case ATTRIB_T_U32: return ((const uint32_t *)col)[r];
    case ATTRIB_T_U64: return ((const uint64_t *)col)[r];
    case ATTRIB_T_I64: return (uint64_t)((const int64_t *)col)[r] ^ (UINT64_C(1) << 63);
    default: assert(!"sort key must be an integer column"); return 0;
    }
}

/* The key columns of t as u64 arrays (i64 mapped to unsigned order). */
static uint64_t **gather_keys(const attrib_table *t, const int *key_cols, size_t nkeys)
{
    uint64_t **keys = attrib_xmalloc(nkeys * sizeof *keys);
    for (size_t k = 0; k < nkeys; k++) {
        uint64_t *kc = keys[k] = attrib_xmalloc((t->n ? t->n : 1) * sizeof **keys);
        const void *col = t->col[key_cols[k]];
        const size_t n = t->n;
        switch (t->schema->cols[key_cols[k]].type) { /* one loop per type, not a switch per row */
        case ATTRIB_T_U8: for (size_t r = 0; r < n; r++) kc[r] = ((const uint8_t *)col)[r]; break;
        case ATTRIB_T_U16: for (size_t r = 0; r < n; r++) kc[r] = ((const uint16_t *)col)[r]; break;
        case ATTRIB_T_U32: for (size_t r = 0; r < n; r++) kc[r] = ((const uint32_t *)col)[r]; break;
        case ATTRIB_T_U64: if (n) memcpy(kc, col, n * sizeof *kc); break;
        case ATTRIB_T_I64:
            for (size_t r = 0; r < n; r++)
                kc[r] = (uint64_t)((const int64_t *)col)[r] ^ (UINT64_C(1) << 63);
            break;
        default:
            for (size_t r = 0; r < n; r++)
                kc[r] = key_at(t, key_cols[k], r);
        }
    }
    return keys;
}

void attrib_table_sort_perm(const attrib_table *t, const int *key_cols, size_t nkeys, uint32_t *perm)
{
    uint64_t **keys = gather_keys(t, key_cols, nkeys);
    attrib_sort_lex(t->n, nkeys, (const uint64_t *const *)keys, perm);
    for (size_t k = 0; k < nkeys; k++)
        free(keys[k]);
    free(keys);
}

/* After the exchange a rank holds a few sorted runs (one per source and round): merge
 * them (stable, bottom-up over the runs) instead of sorting again. Returns 0 when the
 * rows are not made of at most 64 runs, leaving t unchanged. */
static int merge_runs(attrib_table *t, const int *key_cols, size_t nkeys)
{
    const size_t n = t->n;
    if (n < 2)
        return 1;
    uint64_t **keys = gather_keys(t, key_cols, nkeys);
    size_t bnd[66], nb = 0; /* run starts, then n */
    bnd[nb++] = 0;
    for (size_t i = 1; i < n && nb <= 64; i++)
        if (attrib_lex_less(nkeys, (const uint64_t *const *)keys, (uint32_t)i, (uint32_t)(i - 1)))
            bnd[nb++] = i;
    int ok = nb <= 64;
    if (ok && nb > 1) {
        bnd[nb] = n;
        uint32_t *a = attrib_xmalloc(n * sizeof *a), *b = attrib_xmalloc(n * sizeof *b);
        for (size_t i = 0; i < n; i++)
            a[i] = (uint32_t)i;
        size_t runs = nb;
        while (runs > 1) {
            size_t out = 0;
            for (size_t r = 0; r < runs; r += 2) {
                const size_t s0 = bnd[r], m = r + 1 < runs ? bnd[r + 1] : bnd[runs];
                const size_t e = r + 2 <= runs ? bnd[r + 2 < runs ? r + 2 : runs] : bnd[runs];
                attrib_lex_merge(a, s0, m, e, b, nkeys, (const uint64_t *const *)keys);
                bnd[out++] = s0;
            }
            bnd[out] = n;
            runs = out;
            uint32_t *x = a;
            a = b;
            b = x;
        }
        attrib_table_permute(t, a, n);
        free(a);
        free(b);
    }
    for (size_t k = 0; k < nkeys; k++)
        free(keys[k]);
    free(keys);
    return ok;
}

static void sort_local(attrib_table *t, const int *key_cols, size_t nkeys)
{
    if (t->n < 2)
        return;
    uint32_t *perm = attrib_xmalloc(t->n * sizeof *perm);
    attrib_table_sort_perm(t, key_cols, nkeys, perm);
    attrib_table_permute(t, perm, t->n);
    free(perm);
}

static size_t g_nkeys; /* for qsort's comparator; psort is not reentrant across threads */

static int cmp_tuple(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    for (size_t k = 0; k < g_nkeys; k++)
        if (x[k] != y[k])
            return x[k] < y[k] ? -1 : 1;
    return 0;
}

int attrib_par_sort(const attrib_par *p, attrib_table *t, const int *key_cols, size_t nkeys)
{
    sort_local(t, key_cols, nkeys);
    if (p->size == 1)
        return 0;
    const int P = p->size;

    /* Regularly spaced samples of the locally sorted rows. */
    int ns = t->n == 0 ? 0 : (int)(t->n < SAMPLES_PER_RANK ? t->n : SAMPLES_PER_RANK);
    uint64_t *mine = attrib_xmalloc(((size_t)ns * nkeys + 1) * sizeof *mine);
    for (int j = 0; j < ns; j++) {
        size_t r = (size_t)(((double)j + 0.5) * (double)t->n / ns);
        for (size_t k = 0; k < nkeys; k++)
            mine[(size_t)j * nkeys + k] = key_at(t, key_cols[k], r);
    }
    int *counts = attrib_xmalloc((size_t)P * sizeof *counts);
    int *displs = attrib_xmalloc((size_t)P * sizeof *displs);
    int mycount = ns * (int)nkeys;
    int err = 0;
    if (MPI_Allgather(&mycount, 1, MPI_INT, counts, 1, MPI_INT, p->comm) != MPI_SUCCESS)
        err = ATTRIB_EMPI;
    int total = 0;
    for (int r = 0; r < P && !err; r++) {
        displs[r] = total;
        total += counts[r];
    }
    uint64_t *all = attrib_xmalloc(((size_t)total + 1) * sizeof *all);
    if (!err && MPI_Allgatherv(mine, mycount, MPI_UINT64_T, all, counts, displs, MPI_UINT64_T,
                               p->comm) != MPI_SUCCESS)
        err = ATTRIB_EMPI;
    free(mine);
    free(counts);
    free(displs);
    if (err) {
        free(all);
        return attrib_err_set(ATTRIB_EMPI, "MPI_Allgather of sort samples failed");
    }
    size_t nsamp = (size_t)total / nkeys;
    g_nkeys = nkeys;
    qsort(all, nsamp, nkeys * sizeof *all, cmp_tuple);

    /* P-1 splitters; a row goes to the number of splitters <= its key. Every rank
     * computes the same splitters from the same samples. */
    int *dest = attrib_xmalloc((t->n ? t->n : 1) * sizeof *dest);
    uint64_t *key = attrib_xmalloc(nkeys * sizeof *key);
    int d = 0;
    for (size_t r = 0; r < t->n; r++) {
        for (size_t k = 0; k < nkeys; k++)
            key[k] = key_at(t, key_cols[k], r);
        /* Rows are sorted, so the destination only moves forward. */
        while (d < P - 1 && nsamp > 0) {
            size_t s = (size_t)(d + 1) * nsamp / (size_t)P;
            if (s >= nsamp || cmp_tuple(&all[s * nkeys], key) > 0)
                break;
            d++;
        }
        dest[r] = d;
    }
    free(key);
    free(all);
    err = attrib_par_exchange(p, t, dest, 0);
    free(dest);
    if (err)
        return err;
    if (!merge_runs(t, key_cols, nkeys))
        sort_local(t, key_cols, nkeys);
    return 0;
}

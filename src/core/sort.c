/* Stable lexicographic sort of row indices by several u64 key columns (LSD radix). */
#include <stdlib.h>
#include <string.h>

#include "attrib/engine.h"
#include "attrib/err.h"

#define DIGIT_BITS 11
#define NBUCKETS (1u << DIGIT_BITS)
#define NDIGITS ((64 + DIGIT_BITS - 1) / DIGIT_BITS)

/* Below this many rows the histograms cost more than the whole sort. */
#define SMALL_SORT 48

static int lex_less(size_t nkeys, const uint64_t *const *keys, uint32_t a, uint32_t b)
{
    for (size_t k = 0; k < nkeys; k++)
        if (keys[k][a] != keys[k][b])
            return keys[k][a] < keys[k][b];
    return 0;
}

void attrib_sort_lex(size_t n, size_t nkeys, const uint64_t *const *keys, uint32_t *out)
{
    uint32_t *perm = out;
    if (n > UINT32_MAX)
        ATTRIB_DIE("attrib_sort_lex: %zu rows exceed the 32-bit permutation", n);
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    if (n < 2 || nkeys == 0)
        return;
    if (n <= SMALL_SORT) {
        /* Insertion sort moves an element only past strictly greater ones: stable. */
        for (size_t i = 1; i < n; i++) {
            uint32_t x = perm[i];
            size_t j = i;
            while (j > 0 && lex_less(nkeys, keys, x, perm[j - 1])) {
                perm[j] = perm[j - 1];
                j--;
            }
            perm[j] = x;
        }
        return;
    }

    /* The current key column travels with the permutation, so that every pass reads
     * sequentially and only the scatter writes are random; one gather per column. */
    uint64_t *kk = attrib_xmalloc(n * sizeof *kk);
    uint64_t *kk2 = attrib_xmalloc(n * sizeof *kk2);
    uint32_t *scratch = attrib_xmalloc(n * sizeof *scratch);
    uint32_t *perm2 = scratch;
    size_t (*hist)[NBUCKETS] = attrib_xmalloc(NDIGITS * sizeof *hist);
    int first_gather = 1;

    for (size_t k = nkeys; k-- > 0;) {
        const uint64_t *col = keys[k];
        if (first_gather)
            memcpy(kk, col, n * sizeof *kk);
        else
            for (size_t i = 0; i < n; i++)
                kk[i] = col[perm[i]];
        first_gather = 0;

        /* Digit histograms depend only on the multiset of values, so one pass serves
         * every digit of this column. */
        memset(hist, 0, NDIGITS * sizeof *hist);
        for (size_t i = 0; i < n; i++) {
            uint64_t v = kk[i];
            for (int d = 0; d < NDIGITS; d++)
                hist[d][(v >> (d * DIGIT_BITS)) & (NBUCKETS - 1)]++;
        }
        int last_pass = -1;
        for (int d = 0; d < NDIGITS; d++) {
            size_t b0 = (kk[0] >> (d * DIGIT_BITS)) & (NBUCKETS - 1);
            if (hist[d][b0] != n)
                last_pass = d;
        }
        for (int d = 0; d <= last_pass; d++) {
            size_t b0 = (kk[0] >> (d * DIGIT_BITS)) & (NBUCKETS - 1);
            if (hist[d][b0] == n)
                continue; /* constant digit: the pass would be the identity */
            size_t off = 0;
            for (size_t b = 0; b < NBUCKETS; b++) {
                size_t c = hist[d][b];
                hist[d][b] = off;
                off += c;
            }
            size_t *pos = hist[d];
            const int shift = d * DIGIT_BITS;
            if (d == last_pass && k == 0) {
                /* Final pass of the final column: only the permutation is needed. */
                for (size_t i = 0; i < n; i++)
                    perm2[pos[(kk[i] >> shift) & (NBUCKETS - 1)]++] = perm[i];
            } else {
                for (size_t i = 0; i < n; i++) {
                    uint64_t v = kk[i];
                    size_t p = pos[(v >> shift) & (NBUCKETS - 1)]++;
                    kk2[p] = v;
                    perm2[p] = perm[i];
                }
                uint64_t *t = kk;
                kk = kk2;
                kk2 = t;
            }
            uint32_t *tp = perm2;
            perm2 = perm;
            perm = tp;
        }
    }
    if (perm != out)
        memcpy(out, perm, n * sizeof *out);
    free(kk);
    free(kk2);
    free(hist);
    free(scratch);
}

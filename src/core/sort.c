/* Stable lexicographic sort of row indices by several u64 key columns (LSD radix). */
#include <stdlib.h>
#include <string.h>

#include "attrib/sort.h"
#include "attrib/err.h"

#define DIGIT_BITS 11
#define NBUCKETS (1u << DIGIT_BITS)
#define NDIGITS ((64 + DIGIT_BITS - 1) / DIGIT_BITS)

/* Below this many rows the histograms cost more than the whole sort. */
#define SMALL_SORT 48

void attrib_lex_merge(const uint32_t *src, size_t s, size_t m, size_t e, uint32_t *dst,
                      size_t nkeys, const uint64_t *const *keys)
{
    size_t i = s, j = m, k = s;
    while (i < m && j < e)
        dst[k++] = attrib_lex_less(nkeys, keys, src[j], src[i]) ? src[j++] : src[i++];
    while (i < m)
        dst[k++] = src[i++];
    while (j < e)
        dst[k++] = src[j++];
}

static void insertion_rows(uint32_t *rows, size_t n, size_t nkeys, const uint64_t *const *keys)
{
    /* Moves an element only past strictly greater ones: stable. */
    for (size_t i = 1; i < n; i++) {
        uint32_t x = rows[i];
        size_t j = i;
        while (j > 0 && attrib_lex_less(nkeys, keys, x, rows[j - 1])) {
            rows[j] = rows[j - 1];
            j--;
        }
        rows[j] = x;
    }
}

/* Below this, a stable merge sort beats histograms of 2048 buckets per digit. */
#define MERGE_SORT_MAX 2048

/* Stable merge sort of rows[0..n) by the keys (insertion sort on runs of SMALL_SORT);
 * tmp has n entries. */
static void merge_rows(uint32_t *rows, size_t n, size_t nkeys, const uint64_t *const *keys,
                       uint32_t *tmp)
{
    for (size_t s = 0; s < n; s += SMALL_SORT)
        insertion_rows(rows + s, n - s < SMALL_SORT ? n - s : SMALL_SORT, nkeys, keys);
    uint32_t *src = rows, *dst = tmp;
    for (size_t w = SMALL_SORT; w < n; w *= 2) {
        for (size_t s = 0; s < n; s += 2 * w) {
            size_t m = s + w < n ? s + w : n, e = s + 2 * w < n ? s + 2 * w : n;
            attrib_lex_merge(src, s, m, e, dst, nkeys, keys);
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != rows)
        memcpy(rows, src, n * sizeof *rows);
}

/* Stable sort of rows[0..n) (indices into the key columns) by keys[0..nkeys): an LSD
 * radix sort on the first key (its constant digits skipped), then every run of rows
 * equal in it is sorted by the remaining keys the same way. Sort keys are mostly
 * near-unique in their first column (conversion ids, identities), so this makes a few
 * passes where a radix sort over every key would make one per varying digit of each.
 * Scratch: kk (u64) and rows2 (u32) of n entries, kk2 of nkeys × n (each level of the
 * recursion takes a run's worth of it for its own kk); hist of NDIGITS × NBUCKETS. */
static void sort_rows(uint32_t *rows, size_t n, size_t nkeys, const uint64_t *const *keys,
                      uint64_t *kk, uint64_t *kk2, uint32_t *rows2, size_t (*hist)[NBUCKETS])
{
    if (n < 2 || nkeys == 0)
        return;
    if (n <= SMALL_SORT) {
        insertion_rows(rows, n, nkeys, keys);
        return;
    }
    if (n <= MERGE_SORT_MAX) {
        merge_rows(rows, n, nkeys, keys, rows2);
        return;
    }
    const uint64_t *col = keys[0];
    uint64_t vor = 0, vand = ~UINT64_C(0);
    for (size_t i = 0; i < n; i++) {
        const uint64_t v = col[rows[i]];
        kk[i] = v;
        vor |= v;
        vand &= v;
    }
    /* Only digits that vary get a histogram and a pass. */
    const uint64_t var = vor ^ vand;
    int active[NDIGITS], nact = 0;
    for (int d = 0; d < NDIGITS; d++)
        if ((var >> (d * DIGIT_BITS)) & (NBUCKETS - 1))
            active[nact++] = d;
    for (int a = 0; a < nact; a++)
        memset(hist[active[a]], 0, sizeof *hist);
    for (size_t i = 0; i < n; i++) {
        const uint64_t v = kk[i];
        for (int a = 0; a < nact; a++) {
            const int d = active[a];
            hist[d][(v >> (d * DIGIT_BITS)) & (NBUCKETS - 1)]++;
        }
    }
    uint32_t *perm = rows, *perm2 = rows2;
    uint64_t *k1 = kk, *k2 = kk2;
    for (int a = 0; a < nact; a++) {
        const int d = active[a];
        size_t b0 = (k1[0] >> (d * DIGIT_BITS)) & (NBUCKETS - 1);
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
        for (size_t i = 0; i < n; i++) {
            uint64_t v = k1[i];
            size_t p = pos[(v >> shift) & (NBUCKETS - 1)]++;
            k2[p] = v;
            perm2[p] = perm[i];
        }
        uint64_t *t = k1;
        k1 = k2;
        k2 = t;
        uint32_t *tp = perm2;
        perm2 = perm;
        perm = tp;
    }
    if (perm != rows) {
        memcpy(rows, perm, n * sizeof *rows);
        memcpy(kk, k1, n * sizeof *kk);
    }
    if (nkeys == 1)
        return;
    /* Runs equal in the first key, by the remaining keys. kk holds the sorted first key
     * (read while the recursion works in kk2; rows2 and hist are free again here). */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && kk[j] == kk[i])
            j++;
        if (j - i > 1) {
            if (j - i <= SMALL_SORT)
                insertion_rows(rows + i, j - i, nkeys - 1, keys + 1);
            else
                sort_rows(rows + i, j - i, nkeys - 1, keys + 1, kk2, kk2 + (j - i), rows2,
                          hist);
        }
        i = j;
    }
}

void attrib_sort_lex(size_t n, size_t nkeys, const uint64_t *const *keys, uint32_t *out)
{
    if (n > UINT32_MAX)
        ATTRIB_DIE("attrib_sort_lex: %zu rows exceed the 32-bit permutation", n);
    for (size_t i = 0; i < n; i++)
        out[i] = (uint32_t)i;
    if (n < 2 || nkeys == 0)
        return;
    if (n <= SMALL_SORT) {
        insertion_rows(out, n, nkeys, keys);
        return;
    }
    uint64_t *kk = attrib_xmalloc(n * sizeof *kk);
    uint64_t *kk2 = attrib_xmalloc(nkeys * n * sizeof *kk2);
    uint32_t *rows2 = attrib_xmalloc(n * sizeof *rows2);
    size_t (*hist)[NBUCKETS] = attrib_xmalloc(NDIGITS * sizeof *hist);
    sort_rows(out, n, nkeys, keys, kk, kk2, rows2, hist);
    free(kk);
    free(kk2);
    free(rows2);
    free(hist);
}

/* attrib — the local lexicographic sort (core, src/core/sort.c). All local. */
#ifndef ATTRIB_SORT_H
#define ATTRIB_SORT_H

#include <stddef.h>
#include <stdint.h>

/* Sort helper: a stable permutation ordering rows lexicographically by keys[0],
 * keys[1], … (unsigned 64-bit; map signed values with x ^ (1ull<<63)): an LSD radix sort
 * (11-bit digits, those constant over all rows skipped) on keys[0], then each run of
 * rows equal in it sorted by the remaining keys the same way (merge sort for short
 * runs); n <= UINT32_MAX. perm has n entries (output). Scratch: 12 + 8 × nkeys bytes per
 * row, freed before return. Local. */
void attrib_sort_lex(size_t n, size_t nkeys, const uint64_t *const *keys, uint32_t *perm);

/* Row a before row b in the order of attrib_sort_lex. */
static inline int attrib_lex_less(size_t nkeys, const uint64_t *const *keys, uint32_t a,
                                  uint32_t b)
{
    for (size_t k = 0; k < nkeys; k++)
        if (keys[k][a] != keys[k][b])
            return keys[k][a] < keys[k][b];
    return 0;
}

/* Merge the sorted runs src[s..m) and src[m..e) of row indices into dst[s..e), stably
 * (ties keep the first run first), in the order of attrib_sort_lex. */
void attrib_lex_merge(const uint32_t *src, size_t s, size_t m, size_t e, uint32_t *dst,
                      size_t nkeys, const uint64_t *const *keys);

#endif

/* attrib — a small stable merge sort over local arrays of records, with the comparison
 * inlined (core; no MPI). Used where records are sorted by a few fields in cache: the
 * engine's per-identity sorts and import's per-partition order. */
#ifndef ATTRIB_MSORT_H
#define ATTRIB_MSORT_H

#include <stddef.h>
#include <string.h>

#define INSERTION_MAX 16

/* Defines `static void NAME(T *a, size_t n, T *tmp)`: stable merge sort (insertion sort
 * on short runs). tmp has room for n elements. LESS(pa, pb) compares pointers. */
#define DEFINE_MSORT(NAME, T, LESS)                                                            \
    static void NAME##_ins(T *a, size_t n)                                                     \
    {                                                                                          \
        for (size_t i = 1; i < n; i++) {                                                       \
            T x = a[i];                                                                        \
            size_t j = i;                                                                      \
            while (j > 0 && LESS(&x, &a[j - 1])) {                                             \
                a[j] = a[j - 1];                                                               \
                j--;                                                                           \
            }                                                                                  \
            a[j] = x;                                                                          \
        }                                                                                      \
    }                                                                                          \
    static void NAME(T *a, size_t n, T *tmp)                                                   \
    {                                                                                          \
        for (size_t s = 0; s < n; s += INSERTION_MAX)                                          \
            NAME##_ins(a + s, n - s < INSERTION_MAX ? n - s : INSERTION_MAX);                  \
        T *src = a, *dst = tmp;                                                                \
        for (size_t w = INSERTION_MAX; w < n; w *= 2) {                                        \
            for (size_t s = 0; s < n; s += 2 * w) {                                            \
                size_t m = s + w < n ? s + w : n, e = s + 2 * w < n ? s + 2 * w : n;           \
                size_t i = s, j = m, k = s;                                                    \
                while (i < m && j < e)                                                         \
                    dst[k++] = LESS(&src[j], &src[i]) ? src[j++] : src[i++];                   \
                while (i < m)                                                                  \
                    dst[k++] = src[i++];                                                       \
                while (j < e)                                                                  \
                    dst[k++] = src[j++];                                                       \
            }                                                                                  \
            T *t = src;                                                                        \
            src = dst;                                                                         \
            dst = t;                                                                           \
        }                                                                                      \
        if (src != a)                                                                          \
            memcpy(a, src, n * sizeof *a);                                                     \
    }

#endif

/* Fast equivalents of two HDF5 filters, for the direct chunk read of h5io.c
 * (declarations in include/attrib/h5io.h). No HDF5 calls here.
 *
 *  - attrib_fletcher32: exactly HDF5's H5_checksum_fletcher32 (1.10), which sums the
 *    data as big-endian 16-bit words (an odd last byte is the high byte of a last word
 *    whose low byte is 0) into sum1 and sum2, folding with (x & 0xffff) + (x >> 16).
 *    A fold keeps the value modulo 65535 and never turns a non-zero value into 0, so
 *    each final 16-bit sum is 0 when every word is 0 and otherwise the sum modulo
 *    65535 written in 1..0xffff (a residue of 0 reads 0xffff). That lets us sum in
 *    any order and grouping: here SSE2 lanes and 64-bit totals reduced per block.
 *    tests/unit/test_h5fast.c compares it with libhdf5's own function.
 *  - attrib_unshuffle_rows: the reverse of HDF5's shuffle filter for whole elements,
 *    writing only a row range of the chunk, straight into the destination column.
 */
#include <stdint.h>
#include <string.h>

#include "attrib/h5io.h"
#include "h5_private.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* 16-bit words per lane block: each of the 8 lane sums B_k stays below 2^32 for up to
 * 360 steps of words <= 0xffff (65535 * 360 * 361 / 2 < 2^32). */
#define FL_STEPS 256
#define FL_LANES 8

static inline uint32_t fold_final(uint64_t s, int nonzero)
{
    if (!nonzero)
        return 0;
    uint32_t r = (uint32_t)(s % 65535u);
    return r ? r : 0xffffu;
}

uint32_t attrib_fletcher32(const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t nw = len / 2; /* whole 16-bit words */
    uint64_t s1 = 0, s2 = 0; /* kept reduced modulo 65535 between blocks */
    int nonzero = 0;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128();
    while (nw >= (size_t)FL_STEPS * FL_LANES) {
        __m128i a0 = zero, a1 = zero, b0 = zero, b1 = zero, any = zero;
        for (int t = 0; t < FL_STEPS; t++, p += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)p);
            any = _mm_or_si128(any, v);
            /* big-endian 16-bit words: swap the bytes of each */
            __m128i w = _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8));
            a0 = _mm_add_epi32(a0, _mm_unpacklo_epi16(w, zero));
            a1 = _mm_add_epi32(a1, _mm_unpackhi_epi16(w, zero));
            b0 = _mm_add_epi32(b0, a0);
            b1 = _mm_add_epi32(b1, a1);
        }
        uint32_t A[FL_LANES], B[FL_LANES];
        _mm_storeu_si128((__m128i *)A, a0);
        _mm_storeu_si128((__m128i *)(A + 4), a1);
        _mm_storeu_si128((__m128i *)B, b0);
        _mm_storeu_si128((__m128i *)(B + 4), b1);
        /* word i = 8t + k of the block of n = 8T words adds (n - i) * w to sum2 and
         * n - i = 8 (T - t) - k; B_k = sum_t (T - t) w_tk, A_k = sum_t w_tk. */
        uint64_t sa = 0, sb = 0, ska = 0;
        for (int k = 0; k < FL_LANES; k++) {
            sa += A[k];
            sb += B[k];
            ska += (uint64_t)k * A[k];
        }
        s2 = (s2 + (uint64_t)FL_STEPS * FL_LANES * s1 + FL_LANES * sb - ska) % 65535u;
        /* (FL_LANES * sb >= ska: each B_k >= A_k.) */
        s1 = (s1 + sa) % 65535u;
        nonzero |= _mm_movemask_epi8(_mm_cmpeq_epi8(any, zero)) != 0xffff;
        nw -= (size_t)FL_STEPS * FL_LANES;
    }
#endif
    while (nw > 0) {
        size_t n = nw > 4096 ? 4096 : nw; /* 64-bit sums cannot overflow in 4096 steps */
        nw -= n;
        for (size_t i = 0; i < n; i++, p += 2) {
            uint32_t w = ((uint32_t)p[0] << 8) | p[1];
            nonzero |= w != 0;
            s1 += w;
            s2 += s1;
        }
        s1 %= 65535u;
        s2 %= 65535u;
    }
    if (len % 2) {
        uint32_t w = (uint32_t)p[0] << 8;
        nonzero |= w != 0;
        s1 += w;
        s2 += s1;
    }
    return (fold_final(s2, nonzero) << 16) | fold_final(s1, nonzero);
}

int attrib_fletcher32_check(const void *chunk, size_t nbytes)
{
    if (nbytes < 4)
        return 0;
    const uint8_t *e = (const uint8_t *)chunk + nbytes - 4;
    /* stored little-endian after the data (HDF5's UINT32ENCODE) */
    uint32_t stored = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
                      (uint32_t)e[3] << 24;
    uint32_t f = attrib_fletcher32(chunk, nbytes - 4);
    /* HDF5 also accepts the value of its pre-1.6.3 bug: bytes 0,1 and 2,3 swapped in
     * the little-endian image of the checksum. */
    uint32_t rev = ((f & 0x00ff00ffu) << 8) | ((f >> 8) & 0x00ff00ffu);
    return stored == f || stored == rev;
}

/* dst[i * es + j] = src[j * n + row0 + i] for i < nrows, j < es. */
static void unshuffle_generic(uint8_t *dst, const uint8_t *src, size_t n, size_t es, size_t row0,
                              size_t nrows)
{
    for (size_t j = 0; j < es; j++) {
        const uint8_t *s = src + j * n + row0;
        uint8_t *d = dst + j;
        for (size_t i = 0; i < nrows; i++)
            d[i * es] = s[i];
    }
}

void attrib_unshuffle_rows(void *dstv, const void *srcv, size_t n, size_t es, size_t row0,
                           size_t nrows)
{
    uint8_t *dst = dstv;
    const uint8_t *src = srcv;
    if (es == 1) {
        memcpy(dst, src + row0, nrows);
        return;
    }
    size_t i = 0;
#if defined(__SSE2__)
    const uint8_t *s = src + row0;
    if (es == 8) {
        for (; i + 16 <= nrows; i += 16) {
            __m128i a0 = _mm_loadu_si128((const __m128i *)(s + 0 * n + i));
            __m128i a1 = _mm_loadu_si128((const __m128i *)(s + 1 * n + i));
            __m128i a2 = _mm_loadu_si128((const __m128i *)(s + 2 * n + i));
            __m128i a3 = _mm_loadu_si128((const __m128i *)(s + 3 * n + i));
            __m128i a4 = _mm_loadu_si128((const __m128i *)(s + 4 * n + i));
            __m128i a5 = _mm_loadu_si128((const __m128i *)(s + 5 * n + i));
            __m128i a6 = _mm_loadu_si128((const __m128i *)(s + 6 * n + i));
            __m128i a7 = _mm_loadu_si128((const __m128i *)(s + 7 * n + i));
            /* bytes (0,1) (2,3) (4,5) (6,7) of rows 0-7 (lo) and 8-15 (hi) */
            __m128i t01l = _mm_unpacklo_epi8(a0, a1), t01h = _mm_unpackhi_epi8(a0, a1);
            __m128i t23l = _mm_unpacklo_epi8(a2, a3), t23h = _mm_unpackhi_epi8(a2, a3);
            __m128i t45l = _mm_unpacklo_epi8(a4, a5), t45h = _mm_unpackhi_epi8(a4, a5);
            __m128i t67l = _mm_unpacklo_epi8(a6, a7), t67h = _mm_unpackhi_epi8(a6, a7);
            /* bytes 0-3 and 4-7 of rows 0-3, 4-7, 8-11, 12-15 */
            __m128i u0 = _mm_unpacklo_epi16(t01l, t23l), u1 = _mm_unpackhi_epi16(t01l, t23l);
            __m128i u2 = _mm_unpacklo_epi16(t01h, t23h), u3 = _mm_unpackhi_epi16(t01h, t23h);
            __m128i v0 = _mm_unpacklo_epi16(t45l, t67l), v1 = _mm_unpackhi_epi16(t45l, t67l);
            __m128i v2 = _mm_unpacklo_epi16(t45h, t67h), v3 = _mm_unpackhi_epi16(t45h, t67h);
            __m128i *d = (__m128i *)(dst + i * 8);
            _mm_storeu_si128(d + 0, _mm_unpacklo_epi32(u0, v0));
            _mm_storeu_si128(d + 1, _mm_unpackhi_epi32(u0, v0));
            _mm_storeu_si128(d + 2, _mm_unpacklo_epi32(u1, v1));
            _mm_storeu_si128(d + 3, _mm_unpackhi_epi32(u1, v1));
            _mm_storeu_si128(d + 4, _mm_unpacklo_epi32(u2, v2));
            _mm_storeu_si128(d + 5, _mm_unpackhi_epi32(u2, v2));
            _mm_storeu_si128(d + 6, _mm_unpacklo_epi32(u3, v3));
            _mm_storeu_si128(d + 7, _mm_unpackhi_epi32(u3, v3));
        }
    } else if (es == 4) {
        for (; i + 16 <= nrows; i += 16) {
            __m128i a0 = _mm_loadu_si128((const __m128i *)(s + 0 * n + i));
            __m128i a1 = _mm_loadu_si128((const __m128i *)(s + 1 * n + i));
            __m128i a2 = _mm_loadu_si128((const __m128i *)(s + 2 * n + i));
            __m128i a3 = _mm_loadu_si128((const __m128i *)(s + 3 * n + i));
            __m128i t01l = _mm_unpacklo_epi8(a0, a1), t01h = _mm_unpackhi_epi8(a0, a1);
            __m128i t23l = _mm_unpacklo_epi8(a2, a3), t23h = _mm_unpackhi_epi8(a2, a3);
            __m128i *d = (__m128i *)(dst + i * 4);
            _mm_storeu_si128(d + 0, _mm_unpacklo_epi16(t01l, t23l));
            _mm_storeu_si128(d + 1, _mm_unpackhi_epi16(t01l, t23l));
            _mm_storeu_si128(d + 2, _mm_unpacklo_epi16(t01h, t23h));
            _mm_storeu_si128(d + 3, _mm_unpackhi_epi16(t01h, t23h));
        }
    } else if (es == 2) {
        for (; i + 16 <= nrows; i += 16) {
            __m128i a0 = _mm_loadu_si128((const __m128i *)(s + 0 * n + i));
            __m128i a1 = _mm_loadu_si128((const __m128i *)(s + 1 * n + i));
            __m128i *d = (__m128i *)(dst + i * 2);
            _mm_storeu_si128(d + 0, _mm_unpacklo_epi8(a0, a1));
            _mm_storeu_si128(d + 1, _mm_unpackhi_epi8(a0, a1));
        }
    }
#endif
    if (i < nrows)
        unshuffle_generic(dst + i * es, src, n, es, row0 + i, nrows - i);
}

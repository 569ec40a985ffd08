/* attrib — exact fixed-point sums (core). Report sums are accumulated in 128-bit fixed
 * point (attrib_fx), so that adding partial sums in any order — across ranks, in any
 * reduction tree — gives the same bits. Scales: credits ×2^64, money (cost, value) ×2^52,
 * credit-weighted time-to-convert in seconds ×2^52; counts are plain integers. At 2^52
 * every double >= 1 converts exactly (a double has 53 significant bits), so a sum of money
 * is the correctly rounded exact sum of the row values (49.90 stays 49.9), and the range
 * is ±2^75 ≈ 3.8e22; credits >= 2^-12 convert exactly at 2^64. All local. */
#ifndef ATTRIB_FIXED_H
#define ATTRIB_FIXED_H

#include <stdint.h>

typedef __int128 attrib_fx;

#define ATTRIB_FX_CREDIT_SHIFT 64
#define ATTRIB_FX_MONEY_SHIFT 52

/* Convert a double to fixed point with 2^shift scale (round to nearest) and back. */
attrib_fx attrib_fx_from_double(double x, int shift);
double attrib_fx_to_double(attrib_fx v, int shift);

/* attrib_fx_from_double inlined for hot paths (scale = 2^shift): the same value for every
 * input (tests/unit/test_engine.c checks). Below 2^52 in magnitude, adding and
 * subtracting 2^52 rounds to the nearest integer, ties to even, as nearbyint does in the
 * default rounding mode (baseline x86-64 has no rounding instruction, so nearbyint is a
 * library call); from 2^52 to 2^64 a double is an integer already; anything else (NaN,
 * huge) takes the full function. */
static inline attrib_fx attrib_fx_from_double_fast(double x, double scale, int shift)
{
    double v = x * scale;
    if (v > -0x1p52 && v < 0x1p52) {
        v = v >= 0 ? (v + 0x1p52) - 0x1p52 : (v - 0x1p52) + 0x1p52;
        return (attrib_fx)(int64_t)v;
    }
    if (v >= 0x1p52 && v < 0x1p64)
        return (attrib_fx)(uint64_t)v;
    return attrib_fx_from_double(x, shift);
}

#endif

/* Exact fixed point (include/attrib/fixed.h). */
#include <math.h>
#include <stdint.h>

#include "attrib/fixed.h"

#define FX_MAX ((attrib_fx)(((unsigned __int128)1 << 127) - 1))
#define FX_MIN (-FX_MAX - 1)

attrib_fx attrib_fx_from_double(double x, int shift)
{
    if (isnan(x))
        return 0;
    /* Scaling by a power of two is exact (barring overflow, clamped below), so the only
     * rounding is nearbyint's: to nearest, ties to even. */
    const double scale = shift >= 0 && shift < 64 ? (double)(UINT64_C(1) << shift)
                                                  : ldexp(1.0, shift);
    const double s = nearbyint(x * scale);
    if (s > -0x1p63 && s < 0x1p63)
        return (attrib_fx)(int64_t)s; /* the common case, without a soft-float call */
    if (s >= 0x1p127)
        return FX_MAX;
    if (s < -0x1p127)
        return FX_MIN;
    return (attrib_fx)s;
}

double attrib_fx_to_double(attrib_fx v, int shift)
{
    /* The integer → double conversion rounds once (to nearest); ldexp is exact. */
    return ldexp((double)v, -shift);
}


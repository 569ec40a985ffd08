/* libFuzzer target: the timestamp parsers (docs/formats.md) and the duration parser
 * (docs/rules.md).
 * No allocation, no MPI, no HDF5: one input is a few hundred nanoseconds.
 *
 * The input is parsed as a timestamp (not NUL-terminated: the parser must not read
 * past `len`), then as a NUL-terminated duration. Properties checked:
 *  - an accepted timestamp formats (ISO and day) without overflowing its buffer, and
 *    when its year has four digits the ISO text parses back to the same millisecond
 *    and the day text to that day's midnight;
 *  - the integer form of every accepted value parses back to the same value;
 *  - an accepted duration is non-negative and its integer part times the unit
 *    multiplier is exactly the result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/timeparse.h"

#define MS_PER_DAY 86400000LL

static void roundtrip(int64_t ms)
{
    char iso[40], day[40], num[32];
    attrib_time_format_iso(ms, iso);
    attrib_time_format_day(ms, day);
    if (memchr(iso, 0, sizeof iso) == NULL || memchr(day, 0, sizeof day) == NULL)
        abort();
    size_t il = strlen(iso), dl = strlen(day);
    int64_t back;
    /* Four-digit years are what the parser accepts; the formatter widens others. */
    if (il == 24 && iso[0] != '-') {
        if (attrib_time_parse(iso, il, &back) != 0 || back != ms)
            abort();
        if (dl != 10 || memcmp(iso, day, 10) != 0)
            abort();
        int64_t mid = ms - (((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY);
        if (attrib_time_parse(day, dl, &back) != 0 || back != mid)
            abort();
    }
    int nl = snprintf(num, sizeof num, "%lld", (long long)ms);
    if (attrib_time_parse(num, (size_t)nl, &back) != 0 || back != ms)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64)
        return 0; /* longer than any timestamp or duration worth trying */
    /* libFuzzer's copy of the input is a heap block of exactly `size` bytes, so ASan
     * catches a read past the end. */
    int64_t ms = 0;
    if (attrib_time_parse((const char *)data, size, &ms) == 0)
        roundtrip(ms);

    char z[65];
    memcpy(z, data, size);
    z[size] = '\0';
    int64_t d = -1;
    if (attrib_duration_parse(z, &d) == 0) {
        if (d < 0)
            abort();
        size_t i = 0;
        int64_t v = 0;
        while (z[i] >= '0' && z[i] <= '9')
            v = v * 10 + (z[i++] - '0'); /* cannot overflow: the parser accepted it */
        const char *u = z + i;
        int64_t mult = !strcmp(u, "ms")  ? 1
                       : !strcmp(u, "s") ? 1000
                       : !strcmp(u, "m") ? 60000
                       : !strcmp(u, "h") ? 3600000
                       : !strcmp(u, "d") ? MS_PER_DAY
                                         : 0;
        if (mult == 0 || v * mult != d)
            abort();
    }
    return 0;
}

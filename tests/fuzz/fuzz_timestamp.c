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
 *    multiplier is exactly the result;
 *  - the input parser under each unit of integers agrees with attrib_time_parse: with
 *    ms exactly; without a unit except that an integer in the epoch-seconds range is
 *    ATTRIB_TIME_SECONDS (with the integer); with s an integer is 1000 times as much
 *    (or ATTRIB_TIME_OVERFLOW when that does not fit), anything else the same; a
 *    refused input is ATTRIB_TIME_NO_ZONE exactly when it is a valid date and time of
 *    day with nothing after it. */
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

static int is_integer(const char *s, size_t n)
{
    size_t i = n > 0 && s[0] == '-';
    if (i == n)
        return 0;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* "YYYY-MM-DDTHH:MM:SS" or with ".f…": the shape of a time of day without a zone. */
static int no_zone_shape(const char *s, size_t n)
{
    if (n < 19 || s[10] != 'T')
        return 0;
    if (n == 19)
        return 1;
    if (s[19] != '.' || n == 20)
        return 0;
    for (size_t i = 20; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static void units(const char *s, size_t n, int ok, int64_t ms)
{
    int64_t a = 0, b = 0, c = 0;
    const int rn = attrib_time_parse_input(s, n, ATTRIB_TIME_UNIT_NONE, &a);
    const int rm = attrib_time_parse_input(s, n, ATTRIB_TIME_UNIT_MS, &b);
    const int rs = attrib_time_parse_input(s, n, ATTRIB_TIME_UNIT_S, &c);
    const int integer = ok && is_integer(s, n);
    if ((rm == ATTRIB_TIME_OK) != ok || (ok && b != ms))
        abort();
    if (integer && attrib_time_looks_seconds(ms)) {
        if (rn != ATTRIB_TIME_SECONDS || a != ms)
            abort();
    } else if (rn != rm || (ok && a != ms)) {
        abort();
    }
    if (integer) {
        int64_t want;
        if (__builtin_mul_overflow(ms, 1000, &want) ? rs != ATTRIB_TIME_OVERFLOW
                                                    : (rs != ATTRIB_TIME_OK || c != want))
            abort();
    } else if (rs != rm || (ok && c != ms)) {
        abort();
    }
    if (!ok) {
        /* Refused: NO_ZONE only for a valid date-time that stops where the zone goes. */
        if (rm != ATTRIB_TIME_BAD && rm != ATTRIB_TIME_NO_ZONE)
            abort();
        if (rm == ATTRIB_TIME_NO_ZONE) {
            if (!no_zone_shape(s, n))
                abort();
            /* Adding the zone makes it a timestamp. */
            char z[80];
            memcpy(z, s, n);
            z[n] = 'Z';
            int64_t t;
            if (attrib_time_parse(z, n + 1, &t) != 0)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64)
        return 0; /* longer than any timestamp or duration worth trying */
    /* libFuzzer's copy of the input is a heap block of exactly `size` bytes, so ASan
     * catches a read past the end. */
    int64_t ms = 0;
    const int ok = attrib_time_parse((const char *)data, size, &ms) == 0;
    if (ok)
        roundtrip(ms);
    units((const char *)data, size, ok, ms);

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

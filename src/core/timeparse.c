/* Timestamps and durations (see timeparse.h). Civil-date arithmetic after Howard
 * Hinnant's days_from_civil / civil_from_days: exact for every proleptic Gregorian
 * date, before 1970 included, with no table and no libc time zone state. */
#include "attrib/timeparse.h"

#include <stdio.h>
#include <string.h>

#include "attrib/err.h"

#define MS_PER_DAY 86400000LL

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9)
            return -1;
        v = v * 10 + (int)d;
    }
    return v;
}

static int parse_int_ms(const char *s, size_t len, int64_t *ms)
{
    size_t i = 0;
    int neg = 0;
    if (s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == len || len - i > 19)
        return ATTRIB_EINPUT;
    uint64_t v = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9)
            return ATTRIB_EINPUT;
        v = v * 10 + d; /* 19 digits cannot overflow 64 bits */
    }
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
        return ATTRIB_EINPUT;
    *ms = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* The grammar of both parsers. *integer is set when `s` is an integer (then *ms is its
 * value, unit unknown); *no_zone when `s` is a valid date and time of day with nothing
 * after it (returned as ATTRIB_EINPUT). */
static int parse_any(const char *s, size_t len, int64_t *ms, int *integer, int *no_zone)
{
    *integer = 0;
    *no_zone = 0;
    if (len == 0)
        return ATTRIB_EINPUT;
    /* An integer: an optional '-' then digits only. */
    size_t i = s[0] == '-' ? 1 : 0;
    while (i < len && (unsigned)((unsigned char)s[i] - '0') <= 9u)
        i++;
    if (i == len) {
        int rc = parse_int_ms(s, len, ms);
        *integer = rc == 0;
        return rc;
    }

    if (len < 10 || s[4] != '-' || s[7] != '-')
        return ATTRIB_EINPUT;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
        return ATTRIB_EINPUT;
    int64_t t = days_from_civil(y, (unsigned)mo, (unsigned)d) * MS_PER_DAY;
    if (len == 10) {
        *ms = t;
        return 0;
    }
    if (len < 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return ATTRIB_EINPUT;
    int hh = digits(s + 11, 2), mi = digits(s + 14, 2), ss = digits(s + 17, 2);
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59)
        return ATTRIB_EINPUT;
    t += ((int64_t)hh * 3600 + mi * 60 + ss) * 1000;
    size_t p = 19;
    if (p < len && s[p] == '.') {
        p++;
        size_t f0 = p;
        int frac = 0;
        while (p < len && (unsigned)((unsigned char)s[p] - '0') <= 9u) {
            /* Digits past the millisecond are dropped: truncation toward the past. */
            if (p - f0 < 3)
                frac = frac * 10 + (s[p] - '0');
            p++;
        }
        if (p == f0)
            return ATTRIB_EINPUT;
        for (size_t k = p - f0; k < 3; k++)
            frac *= 10;
        t += frac;
    }
    if (p == len) {
        *no_zone = 1; /* a local time without zone is ambiguous */
        return ATTRIB_EINPUT;
    }
    if (s[p] == 'Z') {
        if (p + 1 != len)
            return ATTRIB_EINPUT;
        *ms = t;
        return 0;
    }
    if (s[p] != '+' && s[p] != '-')
        return ATTRIB_EINPUT;
    int sign = s[p] == '+' ? 1 : -1;
    size_t rest = len - p - 1;
    const char *z = s + p + 1;
    int oh, om = 0;
    if (rest == 2) {
        oh = digits(z, 2);
    } else if (rest == 4) {
        oh = digits(z, 2);
        om = digits(z + 2, 2);
    } else if (rest == 5 && z[2] == ':') {
        oh = digits(z, 2);
        om = digits(z + 3, 2);
    } else {
        return ATTRIB_EINPUT;
    }
    if (oh < 0 || oh > 23 || om < 0 || om > 59)
        return ATTRIB_EINPUT;
    /* Local time = UTC + offset, so UTC = local - offset. */
    *ms = t - sign * ((int64_t)oh * 3600 + om * 60) * 1000;
    return 0;
}

int attrib_time_parse(const char *s, size_t len, int64_t *ms)
{
    int integer, no_zone;
    return parse_any(s, len, ms, &integer, &no_zone);
}

int attrib_time_looks_seconds(int64_t v)
{
    return v >= ATTRIB_TIME_SECONDS_LO && v <= ATTRIB_TIME_SECONDS_HI;
}

int attrib_time_parse_input(const char *s, size_t len, int unit, int64_t *ms)
{
    int integer, no_zone;
    int64_t v = 0;
    if (parse_any(s, len, &v, &integer, &no_zone) != 0)
        return no_zone ? ATTRIB_TIME_NO_ZONE : ATTRIB_TIME_BAD;
    if (integer) {
        if (unit == ATTRIB_TIME_UNIT_S) {
            if (__builtin_mul_overflow(v, 1000, &v))
                return ATTRIB_TIME_OVERFLOW;
        } else if (unit != ATTRIB_TIME_UNIT_MS && attrib_time_looks_seconds(v)) {
            *ms = v;
            return ATTRIB_TIME_SECONDS;
        }
    }
    *ms = v;
    return ATTRIB_TIME_OK;
}

static void split(int64_t ms, int64_t *y, unsigned *mo, unsigned *d, int64_t *rem)
{
    int64_t days = ms / MS_PER_DAY;
    *rem = ms % MS_PER_DAY;
    if (*rem < 0) {
        *rem += MS_PER_DAY;
        days--;
    }
    civil_from_days(days, y, mo, d);
}

void attrib_time_format_iso(int64_t ms, char buf[40])
{
    int64_t y, rem;
    unsigned mo, d;
    split(ms, &y, &mo, &d, &rem);
    snprintf(buf, 40, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, mo, d,
             (unsigned)(rem / 3600000), (unsigned)(rem / 60000 % 60), (unsigned)(rem / 1000 % 60),
             (unsigned)(rem % 1000));
}

void attrib_time_format_day(int64_t ms, char buf[40])
{
    int64_t y, rem;
    unsigned mo, d;
    split(ms, &y, &mo, &d, &rem);
    snprintf(buf, 40, "%04lld-%02u-%02u", (long long)y, mo, d);
}

int attrib_duration_parse(const char *s, int64_t *ms)
{
    if (!s)
        return ATTRIB_EINPUT;
    int64_t v = 0;
    size_t i = 0;
    while ((unsigned)((unsigned char)s[i] - '0') <= 9u) {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v))
            return ATTRIB_EINPUT;
        i++;
    }
    if (i == 0)
        return ATTRIB_EINPUT;
    const char *u = s + i;
    int64_t mult;
    if (strcmp(u, "ms") == 0)
        mult = 1;
    else if (strcmp(u, "s") == 0)
        mult = 1000;
    else if (strcmp(u, "m") == 0)
        mult = 60000;
    else if (strcmp(u, "h") == 0)
        mult = 3600000;
    else if (strcmp(u, "d") == 0)
        mult = MS_PER_DAY;
    else
        return ATTRIB_EINPUT;
    if (__builtin_mul_overflow(v, mult, ms))
        return ATTRIB_EINPUT;
    return 0;
}

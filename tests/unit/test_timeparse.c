/* Timestamps (docs/formats.md) and durations (docs/rules.md). Expected values computed
 * by hand and cross-checked with `date -u -d ... +%s`. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "attrib/err.h"
#include "attrib/timeparse.h"

static int fails;

static void ok(const char *s, long long want)
{
    int64_t ms = 12345;
    int rc = attrib_time_parse(s, strlen(s), &ms);
    if (rc != 0 || ms != want) {
        fprintf(stderr, "'%s': rc %d ms %lld, want %lld\n", s, rc, (long long)ms, want);
        fails++;
    }
}

static void bad(const char *s)
{
    int64_t ms;
    if (attrib_time_parse(s, strlen(s), &ms) == 0) {
        fprintf(stderr, "'%s' accepted as %lld\n", s, (long long)ms);
        fails++;
    }
}

static void fmt(long long ms, const char *iso, const char *day)
{
    char b[40], d[40];
    attrib_time_format_iso(ms, b);
    attrib_time_format_day(ms, d);
    if (strcmp(b, iso) != 0 || strcmp(d, day) != 0) {
        fprintf(stderr, "format %lld: '%s' '%s', want '%s' '%s'\n", ms, b, d, iso, day);
        fails++;
    }
}

static void dur(const char *s, long long want)
{
    int64_t ms = -1;
    int rc = attrib_duration_parse(s, &ms);
    if (want < 0 ? rc == 0 : (rc != 0 || ms != want)) {
        fprintf(stderr, "duration '%s': rc %d ms %lld, want %lld\n", s, rc, (long long)ms, want);
        fails++;
    }
}

int main(void)
{
    /* Integer milliseconds. */
    ok("0", 0);
    ok("1790856000000", 1790856000000LL);
    ok("-1", -1);
    ok("9223372036854775807", 9223372036854775807LL);
    ok("-9223372036854775808", (-9223372036854775807LL - 1));
    bad("9223372036854775808");
    bad("-");
    bad("");
    bad("12a");
    bad("+5");
    /* ISO 8601 with a zone. */
    ok("2026-10-01T12:00:00Z", 1790856000000LL);
    ok("2026-10-01T12:00:00.250+02:00", 1790848800250LL);
    ok("2026-10-01T12:00:00.250+0200", 1790848800250LL);
    ok("2026-10-01T12:00:00.250+02", 1790848800250LL);
    ok("2026-10-01T06:30:00-05:30", 1790856000000LL);
    ok("2026-10-01T12:00:00.1Z", 1790856000100LL);
    ok("2026-10-01T12:00:00.12Z", 1790856000120LL);
    ok("2026-10-01T12:00:00.123999Z", 1790856000123LL); /* truncated, not rounded */
    ok("1970-01-01T00:00:00Z", 0);
    ok("1970-01-01", 0);
    ok("2026-10-01", 1790812800000LL);
    /* Before 1970: truncation toward the past still holds. */
    ok("1969-12-31T23:59:59.999Z", -1);
    ok("1969-12-31T23:59:59.9999Z", -1);
    ok("1900-01-01T00:00:00Z", -2208988800000LL);
    ok("0000-03-01T00:00:00Z", -62162035200000LL);
    /* Leap years: 2024 yes, 2100 no, 2000 yes. */
    ok("2024-02-29T00:00:00Z", 1709164800000LL);
    ok("2000-02-29T00:00:00Z", 951782400000LL);
    ok("2024-03-01T00:00:00+00:00", 1709251200000LL);
    bad("2100-02-29T00:00:00Z");
    bad("2023-02-29");
    bad("2026-13-01T00:00:00Z");
    bad("2026-00-01T00:00:00Z");
    bad("2026-04-31T00:00:00Z");
    bad("2026-10-01T24:00:00Z");
    bad("2026-10-01T12:60:00Z");
    bad("2026-10-01T12:00:60Z");
    bad("2026-10-01T12:00:00");       /* no zone: ambiguous */
    bad("2026-10-01T12:00:00.Z");
    bad("2026-10-01T12:00:00+2:00");
    bad("2026-10-01T12:00:00+02:60");
    bad("2026-10-01T12:00:00Zjunk");
    bad("2026-10-01 12:00:00Z");
    bad("2026-10-1T12:00:00Z");
    bad("26-10-01");
    bad("2026/10/01");
    bad("2026-10-01T12:00Z");
    /* A field that is not NUL-terminated: only `len` bytes are read. */
    {
        int64_t ms;
        const char buf[] = "2026-10-01T12:00:00Z9999";
        if (attrib_time_parse(buf, 20, &ms) != 0 || ms != 1790856000000LL) {
            fprintf(stderr, "length-bounded parse failed\n");
            fails++;
        }
        if (attrib_time_parse("12345", 3, &ms) != 0 || ms != 123) {
            fprintf(stderr, "length-bounded integer parse failed\n");
            fails++;
        }
    }
    /* Input timestamps and the unit of integers. */
    {
        static const struct {
            const char *s;
            int unit, status;
            long long ms;
        } in[] = {
            {"0", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_OK, 0},
            {"99999999", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_OK, 99999999},
            {"100000000", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_SECONDS, 100000000},
            {"1790856000", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_SECONDS, 1790856000},
            {"99999999999", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_SECONDS, 99999999999LL},
            {"100000000000", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_OK, 100000000000LL},
            {"-1790856000", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_OK, -1790856000LL},
            {"1790856000", ATTRIB_TIME_UNIT_MS, ATTRIB_TIME_OK, 1790856000},
            {"1790856000000", ATTRIB_TIME_UNIT_MS, ATTRIB_TIME_OK, 1790856000000LL},
            {"1790856000", ATTRIB_TIME_UNIT_S, ATTRIB_TIME_OK, 1790856000000LL},
            {"-1", ATTRIB_TIME_UNIT_S, ATTRIB_TIME_OK, -1000},
            {"9223372036854775", ATTRIB_TIME_UNIT_S, ATTRIB_TIME_OK, 9223372036854775000LL},
            {"9223372036854776", ATTRIB_TIME_UNIT_S, ATTRIB_TIME_OVERFLOW, 0},
            {"-9223372036854776", ATTRIB_TIME_UNIT_S, ATTRIB_TIME_OVERFLOW, 0},
            {"9223372036854775808", ATTRIB_TIME_UNIT_MS, ATTRIB_TIME_BAD, 0},
            {"2026-10-01T12:00:00Z", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_OK, 1790856000000LL},
            {"2026-10-01T12:00:00Z", ATTRIB_TIME_UNIT_S, ATTRIB_TIME_OK, 1790856000000LL},
            {"2026-10-01", ATTRIB_TIME_UNIT_S, ATTRIB_TIME_OK, 1790812800000LL},
            {"2026-10-01T12:00:00", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_NO_ZONE, 0},
            {"2026-10-01T12:00:00.5", ATTRIB_TIME_UNIT_MS, ATTRIB_TIME_NO_ZONE, 0},
            {"2026-10-01T12:00:60", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_BAD, 0},
            {"2026-10-01T12:00", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_BAD, 0},
            {"2026-10-01T12:00:00.", ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_BAD, 0},
            {"", ATTRIB_TIME_UNIT_S, ATTRIB_TIME_BAD, 0},
        };
        for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
            int64_t ms = 0;
            int st = attrib_time_parse_input(in[i].s, strlen(in[i].s), in[i].unit, &ms);
            if (st != in[i].status || ((st == ATTRIB_TIME_OK || st == ATTRIB_TIME_SECONDS) &&
                                       ms != in[i].ms)) {
                fprintf(stderr, "input '%s' unit %d: status %d ms %lld, want %d %lld\n",
                        in[i].s, in[i].unit, st, (long long)ms, in[i].status, in[i].ms);
                fails++;
            }
        }
    }
    /* Formatting, and the round trip against the C library for many instants. */
    fmt(0, "1970-01-01T00:00:00.000Z", "1970-01-01");
    fmt(1790848800250LL, "2026-10-01T10:00:00.250Z", "2026-10-01");
    fmt(-1, "1969-12-31T23:59:59.999Z", "1969-12-31");
    fmt(951868799999LL, "2000-02-29T23:59:59.999Z", "2000-02-29");
    for (long long s = -4000000000LL; s < 8000000000LL; s += 7777777) {
        time_t t = (time_t)s;
        struct tm tm;
        gmtime_r(&t, &tm);
        char want[40], got[40];
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
        attrib_time_format_iso(s * 1000, got);
        int64_t back;
        if (strcmp(want, got) != 0 || attrib_time_parse(got, strlen(got), &back) != 0 ||
            back != s * 1000) {
            fprintf(stderr, "round trip %lld: '%s' vs libc '%s'\n", s, got, want);
            fails++;
            break;
        }
    }
    /* Durations. */
    dur("0ms", 0);
    dur("250ms", 250);
    dur("30s", 30000);
    dur("5m", 300000);
    dur("12h", 43200000);
    dur("30d", 2592000000LL);
    dur("007d", 604800000LL);
    dur("106751991167d", 106751991167LL * 86400000LL);
    dur("106751991168d", -1); /* overflows int64 ms */
    dur("99999999999999999999ms", -1);
    dur("", -1);
    dur("d", -1);
    dur("5", -1);
    dur("5 d", -1);
    dur("-5d", -1);
    dur("5w", -1);
    dur("5dd", -1);
    dur("1.5h", -1);
    dur("off", -1);
    printf("test_timeparse: %s\n", fails ? "FAILED" : "ok");
    return fails != 0;
}

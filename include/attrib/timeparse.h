/* attrib — timestamps (docs/formats.md) and durations (docs/rules.md). Local, no
 * allocation. */
#ifndef ATTRIB_TIMEPARSE_H
#define ATTRIB_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Parse a timestamp: integer milliseconds since the Unix epoch (optional leading '-'),
 * or ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff…]" followed by 'Z' or "+HH:MM"/"-HH:MM"
 * (also "+HHMM"), or a bare date "YYYY-MM-DD" (midnight UTC). Fractions beyond
 * milliseconds are truncated toward the past. `s` need not be NUL-terminated.
 * Returns 0 or ATTRIB_EINPUT (no message set: the caller names file and line). */
int attrib_time_parse(const char *s, size_t len, int64_t *ms);

/* The timestamps attrib accepts in its inputs: ISO 8601 years 0000 to 9999, so that every
 * one has a 4-digit ISO form that reads back, a 10-character day, and no sentinel of an
 * open period (INT64_MIN, INT64_MAX) is a real time (docs/conventions.md). */
#define ATTRIB_TIME_MIN_MS INT64_C(-62167219200000) /* 0000-01-01T00:00:00.000Z */
#define ATTRIB_TIME_MAX_MS INT64_C(253402300799999) /* 9999-12-31T23:59:59.999Z */

/* Integer timestamps that look like epoch seconds: 10^8 to 10^11 - 1 read as seconds
 * are 1973-03-03 to 5138-11-16, a plausible time; read as milliseconds they are
 * 1970-01-02 to 1973-03-03, which no attribution data holds. Such a value is never
 * taken silently: without a stated unit it is an error naming file and line
 * (attrib_time_parse_input, `attrib import --timestamp-unit`). */
#define ATTRIB_TIME_SECONDS_LO INT64_C(100000000)
#define ATTRIB_TIME_SECONDS_HI INT64_C(99999999999)

/* Local. Is the integer `v` in ATTRIB_TIME_SECONDS_LO..HI (it looks like epoch seconds)? */
int attrib_time_looks_seconds(int64_t v);

/* The unit of integer timestamps in an input (`attrib import --timestamp-unit`). */
enum attrib_time_unit {
    ATTRIB_TIME_UNIT_NONE = 0, /* not stated: milliseconds, but one that looks like epoch
                                  seconds is ATTRIB_TIME_SECONDS */
    ATTRIB_TIME_UNIT_MS = 1,   /* milliseconds, whatever their value */
    ATTRIB_TIME_UNIT_S = 2,    /* seconds: multiplied by 1000 exactly */
};

/* What attrib_time_parse_input found. */
enum attrib_time_status {
    ATTRIB_TIME_OK = 0,
    ATTRIB_TIME_BAD,      /* not a timestamp */
    ATTRIB_TIME_NO_ZONE,  /* a valid date and time of day, but no zone after it */
    ATTRIB_TIME_SECONDS,  /* an integer that looks like epoch seconds, unit not stated */
    ATTRIB_TIME_OVERFLOW, /* seconds whose milliseconds do not fit in 64 bits */
};

/* Local. Parse a timestamp of an input file as attrib_time_parse does, with integers in
 * `unit` (enum attrib_time_unit). ISO 8601 text and dates are the same for every unit.
 * Returns ATTRIB_TIME_OK with *ms set, ATTRIB_TIME_SECONDS with *ms set to the integer
 * as written, or another enum attrib_time_status (no message set: the caller names file
 * and line). The years range is the caller's check. */
int attrib_time_parse_input(const char *s, size_t len, int unit, int64_t *ms);

/* Format as "YYYY-MM-DDTHH:MM:SS.fffZ" (24 chars + NUL; wider for years beyond 9999). */
void attrib_time_format_iso(int64_t ms, char buf[40]);
/* Format the UTC date of `ms` as "YYYY-MM-DD" (10 chars + NUL). */
void attrib_time_format_day(int64_t ms, char buf[40]);

/* Parse a duration "<integer><unit>", unit ms|s|m|h|d, into milliseconds (> = 0).
 * Returns 0 or ATTRIB_EINPUT (overflow, missing unit, junk). */
int attrib_duration_parse(const char *s, int64_t *ms);

#endif

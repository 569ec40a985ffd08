/* attrib — reading path tables written elsewhere (ChannelAttribution's layout, or
 * attrib's own /report/paths exported as CSV) into per-advertiser attrib_pathtab
 * (markov.h). Core layer, no I/O: the caller hands the file's bytes over in windows, so
 * any reader (plain, gzip, zstd) can feed it. Local; functions return 0 or a negative
 * attrib_err with the message set; row errors read "FILE:LINE: reason".
 *
 * Format (docs/datadriven.md): a header line, then one row per path. Columns, by name
 * (extra columns ignored, a column named twice is an error):
 *   path                                   channels separated by '>', each trimmed of
 *                                          spaces and tabs; none may be empty
 *   total_conversions | conversions        non-negative integer (required)
 *   total_null | nulls                     non-negative integer (required unless no_nulls)
 *   total_conversion_value | value         finite non-negative decimal, empty = 0
 *                                          (optional; must be 0 when conversions is 0)
 *   advertiser_id                          decimal integer (optional: when present each
 *                                          advertiser is a table of its own)
 * The column separator is opts.sep, or when 0 the first of ',' ';' TAB '|' in the header
 * line outside double quotes. Fields may be double-quoted (RFC 4180, "" for a quote);
 * CRLF line ends and a UTF-8 byte-order mark are accepted; empty lines are skipped.
 */
#ifndef ATTRIB_PATHS_H
#define ATTRIB_PATHS_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/markov.h"

typedef struct attrib_pathfile attrib_pathfile;

typedef struct attrib_pathfile_opts {
    char sep;     /* column separator, 0 = detect from the header */
    int no_nulls; /* ignore null counts: every path's null count is 0 */
} attrib_pathfile_opts;

/* Local. A parser for a file called `name` (used in messages; copied). */
int attrib_pathfile_new(const char *name, const attrib_pathfile_opts *opts, attrib_pathfile **out);

/* Local. Parse the complete lines of [p, p + n). *used is set to the bytes consumed (the
 * rest, an incomplete last line, must be given again with more bytes); with `eof` the
 * window is the end of the file and everything is consumed. */
int attrib_pathfile_feed(attrib_pathfile *pf, const char *p, size_t n, int eof, size_t *used);

/* Local. After the last feed: check that there was a header, number each advertiser's
 * channels by name (bytewise) and build the tables. */
int attrib_pathfile_finish(attrib_pathfile *pf);

/* One advertiser's table, valid until attrib_pathfile_free. names[k] (name_len[k]
 * bytes, not NUL-terminated) is channel k; the channels are the ones on its paths,
 * sorted bytewise. */
typedef struct attrib_pathgroup {
    uint64_t advertiser_id; /* 0 when the file has no advertiser_id column */
    attrib_pathtab tab;
    const char *const *names;
    const size_t *name_len;
} attrib_pathgroup;

/* Local, after finish. Advertisers in ascending id order (one group without the column). */
size_t attrib_pathfile_ngroups(const attrib_pathfile *pf);
void attrib_pathfile_group(const attrib_pathfile *pf, size_t g, attrib_pathgroup *out);
int attrib_pathfile_has_advertiser(const attrib_pathfile *pf);
/* The separator in use (given or detected; 0 before the header). */
char attrib_pathfile_sep(const attrib_pathfile *pf);
/* Data rows read. */
size_t attrib_pathfile_rows(const attrib_pathfile *pf);

/* Local. Free; NULL ok. */
void attrib_pathfile_free(attrib_pathfile *pf);

#endif

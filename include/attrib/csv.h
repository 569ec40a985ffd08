/* attrib — CSV records (RFC 4180) and the row parsers of the import's CSV files
 * (docs/formats.md). Local, no I/O.
 *
 * Record boundaries follow quote parity: a record ends at the first LF preceded (since
 * the record's start) by an even number of '"' bytes. For valid RFC 4180 input this is
 * exactly "an LF outside a quoted field"; for malformed input it is still a rule that
 * a rank can apply from the middle of a file, knowing only the parity of the '"' count
 * before its byte range (see attrib_csv_find_row_start). So the rows of a file are the
 * same whether one process reads it or N processes read N byte ranges of it.
 *
 * Fields of a record point into the input buffer (unquoted fields) or into the
 * record's scratch buffer (quoted fields, with doubled quotes undone); they are valid
 * until the next call on the record or the input buffer changes. A CR just before the
 * LF that ends a record is not part of the last field. Lines holding nothing (LF or
 * CRLF alone) come back as records of one empty unquoted field; callers skip them.
 */
#ifndef ATTRIB_CSV_H
#define ATTRIB_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/hash.h"

typedef struct attrib_csv_field {
    const char *p;
    size_t len;
    size_t off;     /* internal: offset in scratch while the record is being built */
    int quoted;
} attrib_csv_field;

typedef struct attrib_csv_rec {
    attrib_csv_field *f;
    size_t nf, capf;
    char *scratch;
    size_t scap;
    size_t nlf;     /* LF bytes consumed by the record, its terminator included */
    int bad_quote;  /* quoting malformed ('"' inside an unquoted field, junk after a
                       closing quote, or a quoted field still open at end of input) */
} attrib_csv_rec;

/* Local. Initialise / free a record (free accepts NULL; the record owns its arrays). */
void attrib_csv_rec_init(attrib_csv_rec *r);
void attrib_csv_rec_free(attrib_csv_rec *r);

enum { ATTRIB_CSV_REC = 0, ATTRIB_CSV_END = 1, ATTRIB_CSV_NEED_MORE = 2 };

/* Local. Parse the record starting at p (p <= end). Returns ATTRIB_CSV_REC with *used
 * set to the bytes consumed (terminator included); ATTRIB_CSV_END when p == end and
 * `eof`; ATTRIB_CSV_NEED_MORE when the record does not end before `end` and not `eof`
 * (call again from the same p with more bytes). At `eof` the last record may lack its
 * LF. Never fails: malformed quoting sets r->bad_quote and the record still ends by the
 * parity rule. */
int attrib_csv_next(attrib_csv_rec *r, const char *p, const char *end, int eof, size_t *used);

/* Local. Scan bytes [p, p+n), *in_quotes being the parity of the '"' bytes before p in
 * the file, for the first LF outside quotes. Returns 1 and sets *start to the offset
 * just past it (where the first record beginning after p starts), or returns 0 with
 * *in_quotes updated to the parity at p+n (to go on with the next bytes). *nlf gets the
 * number of LF bytes scanned. */
int attrib_csv_find_row_start(const char *p, size_t n, int *in_quotes, size_t *start,
                              uint64_t *nlf);

/* Local. Count '"' and LF bytes in [p, p+n) (added to *quotes and *lfs). */
void attrib_csv_count(const char *p, size_t n, uint64_t *quotes, uint64_t *lfs);

/* ---- Row parsers ---- */

typedef enum attrib_csv_kind {
    ATTRIB_CSV_CAMPAIGNS = 0,
    ATTRIB_CSV_EVENTS = 1,
    ATTRIB_CSV_CONVERSIONS = 2,
    ATTRIB_CSV_LINKS = 3,        /* the identity graph's edges (import --links) */
    ATTRIB_CSV_NKINDS = 4
} attrib_csv_kind;
extern const char *const attrib_csv_kind_names[]; /* "campaigns", "events", "conversions",
                                                     "links" */

/* Value slots shared by the kinds (a kind leaves some unused):
 * events:      event_id, identity, timestamp, campaign_id,   kind, cost
 * conversions: conversion_id, identity, timestamp, advertiser_id, type, value
 * campaigns:   campaign_id, -, -, advertiser_id, name, -
 * links:       -, identity_a, -, -, identity_b, - */
enum { ATTRIB_CSV_ID, ATTRIB_CSV_IDENTITY, ATTRIB_CSV_TS, ATTRIB_CSV_REF, ATTRIB_CSV_STR,
       ATTRIB_CSV_AMOUNT, ATTRIB_CSV_NSLOTS };

/* Where each slot is in the records of one file. */
typedef struct attrib_csv_header {
    int kind;
    int ncols;                      /* fields in the header line */
    int at[ATTRIB_CSV_NSLOTS];      /* field index of each slot, -1 when absent */
} attrib_csv_header;

/* Local. Map the header record `r` (its first field may start with a UTF-8 BOM) of a
 * file of `kind`. Column names match exactly after removing the BOM; extra columns are
 * ignored. Returns 0, or ATTRIB_EINPUT with *missing set to the name of a required
 * column that is absent (or duplicated: then *dup = 1). No message is set. */
int attrib_csv_header_parse(attrib_csv_header *h, attrib_csv_kind kind, const attrib_csv_rec *r,
                            const char **missing, int *dup);

/* One parsed row. `str` (type or campaign name) points into the record. */
typedef struct attrib_csv_values {
    uint64_t id;
    uint64_t identity; /* keyed hash of the raw identity (links: of identity_a) */
    uint64_t identity_b; /* links: keyed hash of identity_b (0 for other kinds) */
    int64_t ts;
    uint32_t ref;      /* campaign_id (events) or advertiser_id */
    uint8_t kind;      /* enum attrib_kind (events) */
    double amount;     /* cost or value; 0 when the column is absent or the field empty */
    const char *str;
    size_t str_len;
} attrib_csv_values;

/* Reasons a row is rejected (docs/formats.md). 0 is "accepted". */
enum attrib_csv_reason {
    ATTRIB_CSV_OK = 0,
    ATTRIB_CSV_R_COLUMNS,        /* wrong column count */
    ATTRIB_CSV_R_QUOTING,        /* malformed quoting */
    ATTRIB_CSV_R_ID,             /* bad event_id / conversion_id / campaign_id */
    ATTRIB_CSV_R_REF,            /* bad campaign_id (events) / advertiser_id */
    ATTRIB_CSV_R_TS,             /* bad timestamp */
    ATTRIB_CSV_R_KIND,           /* unknown kind */
    ATTRIB_CSV_R_IDENTITY_EMPTY,
    ATTRIB_CSV_R_IDENTITY_LONG,  /* > 256 bytes */
    ATTRIB_CSV_R_TYPE_EMPTY,
    ATTRIB_CSV_R_TYPE_LONG,      /* > 32 bytes */
    ATTRIB_CSV_R_TYPE_NUL,       /* a NUL byte in type (stored NUL-padded, so ambiguous) */
    ATTRIB_CSV_R_NAME_LONG,      /* campaign name > 256 bytes */
    ATTRIB_CSV_R_AMOUNT,         /* cost/value not a finite non-negative decimal */
    ATTRIB_CSV_R_UNKNOWN_CAMPAIGN, /* touch of a campaign not in the catalog (caller) */
    ATTRIB_CSV_R_DUP_CAMPAIGN,   /* campaign_id already in the catalog (caller) */
    ATTRIB_CSV_R_TS_RANGE,       /* timestamp outside years 0000 to 9999 */
    ATTRIB_CSV_R_TS_NO_ZONE,     /* date and time of day without a zone */
    ATTRIB_CSV_R_TS_SECONDS,     /* an integer that looks like epoch seconds, unit not
                                    stated: not a reject, the import stops (caller) */
    ATTRIB_CSV_R_IDENTITY_B_EMPTY, /* links: empty identity_b (an empty identity_a is
                                      ATTRIB_CSV_R_IDENTITY_EMPTY) */
    ATTRIB_CSV_R_IDENTITY_B_LONG,  /* links: identity_b > 256 bytes */
    ATTRIB_CSV_NREASONS
};

#define ATTRIB_CSV_IDENTITY_MAX 256
#define ATTRIB_CSV_TYPE_MAX 32
#define ATTRIB_CSV_NAME_MAX 256

/* Local. The reason text written to the rejects file for a kind (it names the column:
 * "bad event_id", "bad cost", …). Never contains row data. Static string. */
const char *attrib_csv_reason_str(attrib_csv_kind kind, int reason);

/* How rows are read: the identity hash key and the unit of integer timestamps. */
typedef struct attrib_csv_parse_opts {
    const attrib_hash_key *key;
    int ts_unit; /* enum attrib_time_unit (timeparse.h) */
} attrib_csv_parse_opts;

/* Local. Parse record `r` of a file with header `h`; identities are hashed with
 * o->key, integer timestamps read in o->ts_unit. A links row is accepted when both
 * identities are 1..256 bytes (any bytes); v->identity and v->identity_b are their
 * hashes, as they come (self links and repeats are the caller's). Returns ATTRIB_CSV_OK
 * with *v filled, or a reason (> 0); ATTRIB_CSV_R_TS_SECONDS leaves the integer in v->ts.
 * Campaign membership and catalog duplicates are the caller's checks. */
int attrib_csv_parse_row(const attrib_csv_header *h, const attrib_csv_rec *r,
                         const attrib_csv_parse_opts *o, attrib_csv_values *v);

/* Local. Strict field parsers of the row parsers, shared by every CSV reader: decimal
 * unsigned integers without sign or spaces, and finite non-negative decimals
 * ("12", "0.25", "1e3"; no sign but an optional '+', no hex, inf or nan), exact to
 * the nearest double. Return 0 or -1. */
int attrib_csv_parse_u64(const char *s, size_t len, uint64_t *out);
int attrib_csv_parse_amount(const char *s, size_t len, double *out);

#endif

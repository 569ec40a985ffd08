/* attrib — comparing two attributions (attrib reconcile), as figures.
 *
 * By campaign: each side is a results file of `attrib run` (its report/campaign) or a
 * campaign report as CSV (columns campaign_id, conversions, value, optionally
 * advertiser_id: see `attrib reconcile --help`); every campaign of either side is
 * compared, one missing on a side counting as zero conversions and zero value there.
 * By conversion: two results files; /credits (and /unattributed, for the reason a
 * conversion has no credit) of both are read in blocks and merged in their common sort
 * order (conversion_id, advertiser_id, …), so memory does not grow with the files.
 *
 * The renderers (text, JSON) print the figures and compute nothing; whether A and B
 * agree (the command's exit 0 or 1) is the figures' within_tolerance.
 *
 * App layer (src/reconcile/). Every function is local: results files are opened on
 * MPI_COMM_SELF (include/attrib/results.h), so MPI must be initialised. Errors are a
 * negative attrib_err with the message (naming the file, and the line for a CSV) in
 * attrib_err_msg(); messages do not name the command.
 */
#ifndef ATTRIB_RECONCILE_H
#define ATTRIB_RECONCILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct attrib_reconcile_opts {
    double tolerance; /* >= 0: a figure differs when |A - B| > tolerance */
    int relative;     /* ... when |A - B| > tolerance * max(|A|, |B|) */
    int all;          /* by campaign: list every campaign, also those without difference */
    size_t limit;     /* by conversion: conversions kept per kind (0: all); counts are complete */
} attrib_reconcile_opts;

/* The command's defaults: tolerance 0.001 absolute, 20 conversions per kind. */
#define ATTRIB_RECONCILE_OPTS_DEFAULT                                                              \
    {                                                                                              \
        0.001, 0, 0, 20                                                                            \
    }

/* Local. Does figure b differ from figure a beyond the tolerance? Two NaN agree; a NaN
 * and a number differ. */
int attrib_reconcile_differs(const attrib_reconcile_opts *o, double a, double b);

/* ---- By campaign ---- */

typedef struct attrib_reconcile_side {
    char *path;         /* as given */
    int is_results;     /* a results file; else a CSV campaign report */
    int has_advertiser; /* the side names each campaign's advertiser */
    size_t ncampaigns;
    double conversions, value; /* totals over its campaigns */
} attrib_reconcile_side;

typedef struct attrib_reconcile_campaign {
    uint32_t campaign_id;
    int in_a, in_b;
    uint32_t advertiser_a, advertiser_b; /* meaningful when in that side and it has_advertiser */
    int advertiser_differs;              /* both sides have advertisers and they differ */
    double conversions_a, conversions_b, value_a, value_b; /* 0 on a side without it */
    /* max(|delta conversions| / total conversions, |delta value| / total value), each
     * total the larger of A's and B's (at least 1e-12); +inf when not finite. */
    double impact;
    int differs; /* a figure beyond tolerance, or advertiser_differs */
    int listed;  /* shown: differs, any difference at all, on one side only, or opts.all */
} attrib_reconcile_campaign;

typedef struct attrib_reconcile_campaigns {
    attrib_reconcile_opts opts;
    attrib_reconcile_side a, b;
    size_t n;                        /* campaigns compared (either side) */
    attrib_reconcile_campaign *camp; /* differing first, then by impact (largest first), then id */
    size_t ndiffering, nlisted, only_a, only_b;
    int totals_differ;    /* total conversions or total value beyond tolerance */
    int within_tolerance; /* no campaign differs */
} attrib_reconcile_campaigns;

/* Local. Compare A with B campaign by campaign. Each path is a results file (recognised
 * by the HDF5 signature) or a CSV campaign report. ATTRIB_EINPUT for a bad file (a
 * missing column, a row with another number of fields, a bad number, a campaign_id
 * given twice, an empty file: "PATH:LINE: …"), ATTRIB_EIO when it cannot be read. On
 * success *out is owned by the caller (attrib_reconcile_campaigns_free); on failure it
 * is NULL. */
int attrib_reconcile_by_campaign(const char *a, const char *b, const attrib_reconcile_opts *o,
                                 attrib_reconcile_campaigns **out);
void attrib_reconcile_campaigns_free(attrib_reconcile_campaigns *r); /* NULL ok */

/* Local. Print the comparison (the listed campaigns and the totals) as aligned text,
 * or as one JSON object. The caller checks `out` for write errors. */
void attrib_reconcile_campaigns_print_text(const attrib_reconcile_campaigns *r, FILE *out);
void attrib_reconcile_campaigns_print_json(const attrib_reconcile_campaigns *r, FILE *out);

/* ---- By conversion ---- */

/* What differs for a conversion (conversion_id, advertiser_id). */
enum attrib_reconcile_kind {
    ATTRIB_RECONCILE_NEW,            /* credited in B only (in A unattributed or absent) */
    ATTRIB_RECONCILE_LOST,           /* credited in A only */
    ATTRIB_RECONCILE_MOVED,          /* the set of credited campaigns changed */
    ATTRIB_RECONCILE_CREDIT_CHANGED, /* same campaigns, a credit or credited value differs */
    ATTRIB_RECONCILE_NKINDS
};
/* "new", "lost", "moved", "credit_changed" in enum order, NULL-terminated. */
extern const char *const attrib_reconcile_kind_names[];

/* A conversion's state on one side. */
enum { ATTRIB_RECONCILE_CREDITED, ATTRIB_RECONCILE_UNATTRIBUTED, ATTRIB_RECONCILE_ABSENT };

typedef struct attrib_reconcile_credit {
    uint32_t campaign_id;
    double credit, credited_value; /* summed over the conversion's rows of that campaign */
} attrib_reconcile_credit;

typedef struct attrib_reconcile_conv_side {
    int status; /* ATTRIB_RECONCILE_CREDITED, _UNATTRIBUTED or _ABSENT */
    int reason; /* unattributed: enum attrib_reason */
    size_t ncredits;
    attrib_reconcile_credit *credit; /* credited: by campaign_id */
} attrib_reconcile_conv_side;

typedef struct attrib_reconcile_conversion {
    uint64_t conversion_id;
    uint32_t advertiser_id;
    attrib_reconcile_conv_side side[2]; /* A, B */
} attrib_reconcile_conversion;

typedef struct attrib_reconcile_kind_list {
    size_t count;                      /* every conversion of the kind */
    size_t n;                          /* kept (at most opts.limit when not 0) */
    attrib_reconcile_conversion *conv; /* the first n by (conversion_id, advertiser_id) */
} attrib_reconcile_kind_list;

typedef struct attrib_reconcile_conversions {
    attrib_reconcile_opts opts;
    char *path_a, *path_b;
    uint64_t credited_a, credited_b; /* conversions with a credit row, per side */
    uint64_t unchanged;              /* credited on both sides, no difference */
    size_t changed;                  /* the sum of the kinds' counts */
    attrib_reconcile_kind_list kind[ATTRIB_RECONCILE_NKINDS];
    int within_tolerance; /* changed == 0 */
} attrib_reconcile_conversions;

/* Local. Compare two results files conversion by conversion. ATTRIB_EUSAGE when a path
 * is not a results file, ATTRIB_EINPUT when one has no /credits or is malformed. On
 * success *out is owned by the caller (attrib_reconcile_conversions_free); on failure it
 * is NULL. */
int attrib_reconcile_by_conversion(const char *a, const char *b, const attrib_reconcile_opts *o,
                                   attrib_reconcile_conversions **out);
void attrib_reconcile_conversions_free(attrib_reconcile_conversions *r); /* NULL ok */

/* Local. Print the kept conversions of each kind with both sides, and the counts, as
 * aligned text, or as one JSON object. The caller checks `out` for write errors. */
void attrib_reconcile_conversions_print_text(const attrib_reconcile_conversions *r, FILE *out);
void attrib_reconcile_conversions_print_json(const attrib_reconcile_conversions *r, FILE *out);

#endif

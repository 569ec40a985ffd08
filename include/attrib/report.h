/* attrib — the figures of `attrib report` and their renderers (src/report).
 *
 * attrib_report_build reads a results file once (its report tables, its root attributes
 * and, in blocks, /credits) and computes every figure a report shows into an
 * attrib_report: the run's metadata, totals, one row per campaign (with its name) and per
 * advertiser, unattributed conversions by reason, the time-to-convert distribution, the
 * daily totals over campaigns and the campaigns each chart shows; and, when the file has
 * them, the data-driven tables (paths per advertiser, Markov next to Shapley, the models
 * compared side by side). The renderers only
 * format those figures: aligned text, CSV (one table), JSON, and one self-contained HTML
 * page with charts. The definitions are in docs/conventions.md; the report's layout is
 * described by `attrib report --help`.
 *
 * Everything here is local and needs no MPI (the results file is opened on
 * MPI_COMM_NULL). Functions that can fail return 0 or a negative attrib_err with the
 * detail in attrib_err_msg().
 */
#ifndef ATTRIB_REPORT_H
#define ATTRIB_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "attrib/results.h"
#include "attrib/table.h"

/* Buckets of the time-to-convert distribution (conv_ts - touch_ts): <1h, 1-6h, 6-24h,
 * 1-2d, 2-3d, 3-7d, 7-14d, 14-30d, 30-60d, 60-90d, >=90d. */
#define ATTRIB_REPORT_NTTC 11

/* Room for a day string ("YYYY-MM-DD"; longer values are cut). */
#define ATTRIB_REPORT_DAY_SIZE 16

/* One row of report/campaign, or the TOTAL row (campaign_id and advertiser_id 0). */
typedef struct attrib_report_campaign {
    uint32_t campaign_id, advertiser_id;
    char *name;      /* from /campaigns (owned by the report), NULL when unknown */
    char label[96];  /* what tables and charts show: "NAME (ID)" with the name cut to 60
                        bytes, or "campaign ID" without a name; "TOTAL" for the total */
    uint64_t impressions, engagements, nurtures, reach, credited_touches;
    double cost, conversions, value;
    /* Rows: the file's values. TOTAL: reach is the sum over campaigns; mean_ttc_s is
     * credit-weighted over the campaigns (NaN without credit); roas is over the
     * campaigns with cost > 0 only (NaN when none). */
    double mean_ttc_s, roas;
} attrib_report_campaign;

/* One row of report/advertiser, or the TOTAL row (advertiser_id 0). */
typedef struct attrib_report_advertiser {
    uint32_t advertiser_id;
    uint64_t conversions, attributed;
    uint64_t unattributed[ATTRIB_NREASONS]; /* by enum attrib_reason */
    uint64_t dup_touches, dup_touches_inexact, dup_conversions, dup_conversions_inexact;
} attrib_report_advertiser;

/* One row of report/daily or report/daily_touch (per campaign and UTC day). */
typedef struct attrib_report_daily {
    uint32_t campaign_id;
    char day[ATTRIB_REPORT_DAY_SIZE];
    double conversions, value;
} attrib_report_daily;

/* Every campaign summed per UTC day, by the day of the conversion (report/daily) and by
 * the day of the credited touch (report/daily_touch). Days sorted; a day present on one
 * side only has 0 on the other. */
typedef struct attrib_report_day {
    char day[ATTRIB_REPORT_DAY_SIZE]; /* "TOTAL" in the total row */
    double conversions, value, conversions_by_touch_day, value_by_touch_day;
} attrib_report_day;

/* One bucket of the credit-weighted time to convert, or the total (label "TOTAL",
 * bounds 0 and infinity). */
typedef struct attrib_report_ttc {
    const char *label; /* "<1h", … (static) */
    double lo_s, hi_s; /* the bucket is [lo_s, hi_s) seconds; hi_s infinite for >=90d */
    double credit, credited_value;
    double share;              /* credit / all credit; NaN when there is no credit */
    uint64_t credited_touches; /* credit rows in the bucket */
} attrib_report_ttc;

/* Unattributed conversions of one reason, or the total (reason "TOTAL"). */
typedef struct attrib_report_reason {
    const char *reason; /* attrib_reason_names[k] (static) */
    uint64_t conversions;
    double share; /* of all conversions; NaN when there are none */
} attrib_report_reason;

/* The campaigns a chart shows: indexes into attrib_report.campaigns, in chart order
 * (largest first, ties by campaign_id). */
typedef struct attrib_report_series {
    size_t n;        /* shown: at most the top-N asked for */
    size_t eligible; /* campaigns that qualified before the top-N cut */
    size_t *row;
} attrib_report_series;

/* How the input's identities were hashed (the results' identity_hash attribute). */
enum attrib_report_key {
    ATTRIB_REPORT_KEY_UNKNOWN = -1, /* the results file does not say */
    ATTRIB_REPORT_KEY_OWN = 0,      /* a key of the site's own */
    ATTRIB_REPORT_KEY_PUBLIC = 1,   /* the built-in public default key (pseudonymous only) */
};

/* ---- The data-driven tables (report/paths, report/markov, report/shapley,
 * report/models), each present or not: a file written before them has none, and
 * report/models is written only by `run --compare`. ---- */

/* Paths shown per advertiser: the most converting first (then the most nulls, then the
 * path bytewise). */
#define ATTRIB_REPORT_TOP_PATHS 10

/* One row of report/paths. */
typedef struct attrib_report_path {
    uint32_t advertiser_id;
    char *path; /* campaign ids joined by " > " (owned by the report) */
    uint64_t conversions, nulls;
    double value;
    double conversion_rate; /* conversions / (conversions + nulls); NaN when both are 0 */
} attrib_report_path;

/* One advertiser of report/paths (sorted by advertiser_id). */
typedef struct attrib_report_path_group {
    uint32_t advertiser_id;
    uint64_t paths;                       /* distinct paths: its rows */
    uint64_t converting, non_converting;  /* journeys: sums of conversions and nulls */
    double value;                         /* sum of value */
    size_t ntop;                          /* <= ATTRIB_REPORT_TOP_PATHS */
    size_t top[ATTRIB_REPORT_TOP_PATHS];  /* indexes into attrib_report.paths, in order */
} attrib_report_path_group;

/* Markov and Shapley for one (advertiser, campaign) of report/markov or report/shapley
 * (the union of their rows, sorted by advertiser_id, campaign_id); NaN on the side whose
 * table lacks the row. */
typedef struct attrib_report_dd {
    uint32_t advertiser_id, campaign_id;
    char label[96]; /* as attrib_report_campaign.label */
    double removal_effect, markov_conversions, markov_value;
    double shapley_conversions, shapley_value;
} attrib_report_dd;

/* One campaign of report/models, every model side by side (sorted by campaign_id, then
 * advertiser_id); arrays of attrib_report_models.n entries, in the model order. A model
 * without a row for the campaign has NaN and 0 touches. */
typedef struct attrib_report_model_row {
    uint32_t campaign_id, advertiser_id;
    char label[96];   /* as attrib_report_campaign.label */
    const char *name; /* the campaign's name (in attrib_report.campaigns), NULL when unknown */
    double *conversions, *value;
    uint64_t *credited_touches;
} attrib_report_model_row;

typedef struct attrib_report_models {
    size_t n;       /* models */
    char **name;    /* in the file's order (of first appearance) */
    attrib_report_model_row *rows;
    size_t nrows;
    attrib_report_model_row total; /* label "TOTAL": sums over campaigns (NaN cells skipped) */
    attrib_report_series chart;    /* rows charted: by the sum over models of conversions,
                                      largest first, ties by row order; at most `top` */
} attrib_report_models;

typedef struct attrib_report_options {
    size_t top; /* campaigns per per-campaign chart, the largest by the charted figure; 0 = all */
} attrib_report_options;

typedef struct attrib_report {
    /* ---- The run (root attributes of the results file) ---- */
    char *path;                   /* the results file as given */
    char *attr[ATTRIB_RES_NATTRS]; /* ATTRIB_RES_* values, NULL when absent; the period's
                                     ends are "" when open (run without --from / --to) */
    int64_t ranks;                /* ranks of the run, -1 when absent */
    int period_all;               /* 1: both ends of the period are open (all conversions) */
    int identity_key;             /* enum attrib_report_key */
    uint64_t credit_rows;         /* rows of /credits */

    /* ---- Campaigns (report/campaign, sorted by campaign_id) ---- */
    attrib_report_campaign *campaigns;
    size_t ncampaigns;
    attrib_report_campaign campaign_total;
    double cost_known_cost, cost_known_value; /* sums over the campaigns with cost > 0 */

    /* ---- Advertisers (report/advertiser) ---- */
    attrib_report_advertiser *advertisers;
    size_t nadvertisers;
    attrib_report_advertiser advertiser_total;

    /* ---- Unattributed conversions by reason (from the advertiser totals) ---- */
    attrib_report_reason unattributed[ATTRIB_NREASONS];
    attrib_report_reason unattributed_total;

    /* ---- Time to convert, credit-weighted, from /credits ---- */
    attrib_report_ttc ttc[ATTRIB_REPORT_NTTC];
    attrib_report_ttc ttc_total;

    /* ---- Days ---- */
    attrib_report_daily *daily, *daily_touch; /* the file's tables, in file order */
    size_t ndaily, ndaily_touch;
    attrib_report_day *days; /* every campaign summed per day */
    size_t ndays;
    attrib_report_day day_total;

    /* ---- Charts ---- */
    size_t top;                          /* the option given */
    attrib_report_series by_conversions; /* every campaign, by conversions */
    attrib_report_series by_value;       /* every campaign, by value */
    attrib_report_series by_cost;        /* campaigns with cost > 0 (ROAS chart), by cost */

    /* ---- Data-driven tables (absent: has_* 0 and nothing else set) ---- */
    int has_paths, has_markov, has_shapley, has_models;
    attrib_table paths_table, markov_table, shapley_table, models_table; /* as read */
    attrib_report_path *paths; /* report/paths rows, in file order */
    size_t npaths;
    attrib_report_path_group *path_groups;
    size_t npath_groups;
    attrib_report_dd *dd; /* Markov next to Shapley */
    size_t ndd;
    attrib_report_models models;

    /* ---- Identity graph (report/identity; root attributes stitched, max_component) ---- */
    int has_identity;             /* the file has /report/identity */
    int stitched;                 /* the run stitched identities (its input had /links) */
    int64_t max_component;        /* the cap in force, -1 when absent */
    uint64_t identity[ATTRIB_RI_NCOLS]; /* the row, zeros when absent */
} attrib_report;

/* Local. Compute every figure of the report of the open results file `r` (reads /credits
 * in blocks of ATTRIB_RESULTS_BLOCK_ROWS). On success *out is owned by the caller
 * (attrib_report_free) and does not refer to `r`; on failure *out is NULL. */
int attrib_report_build(const attrib_results *r, const attrib_report_options *opt,
                        attrib_report **out);

/* Local. Free a report; NULL ok. */
void attrib_report_free(attrib_report *rep);

/* Local. How an identity_hash attribute names its key (enum attrib_report_key): public
 * when it says "public-default" or names the key id of ATTRIB_HASH_DEFAULT_KEY; NULL is
 * unknown. */
int attrib_report_identity_key(const char *identity_hash);

/* ---- Renderers: local; they write to `out` and leave error checking of the stream to
 * the caller (ferror/fclose). ---- */

/* Aligned text: the run, totals, and the tables of campaigns, advertisers, unattributed
 * conversions by reason, time to convert and daily totals. */
void attrib_report_write_text(const attrib_report *rep, FILE *out);

/* The tables --format csv can print, NULL-terminated: campaign, daily, daily_touch,
 * advertiser, daily_total, time_to_convert, unattributed, paths, markov, shapley,
 * models, identity (the last five: the file's report/ tables, as `attrib export` writes
 * them). */
extern const char *const attrib_report_csv_tables[];
/* Local. 0 when `table` (an index into attrib_report_csv_tables) can be printed for this
 * report; ATTRIB_EINPUT naming the file when it is a table the results file lacks. */
int attrib_report_csv_check(const attrib_report *rep, int table);
/* One table as CSV, `table` an index into attrib_report_csv_tables (a table the file
 * lacks prints nothing: check first). */
void attrib_report_write_csv(const attrib_report *rep, FILE *out, int table);

/* Every section as one JSON object (NaN and infinities as null). */
void attrib_report_write_json(const attrib_report *rep, FILE *out);

/* One self-contained HTML page (no network access) with charts drawn in the page by the
 * embedded Vega-Lite (include/attrib/html_assets.h) and the tables. */
void attrib_report_write_html(const attrib_report *rep, FILE *out);

#endif

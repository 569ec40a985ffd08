/* attrib — columnar tables (struct of arrays) and their schemas.
 *
 * Every bulk data set in attrib (events, conversions, campaigns, credits, reports)
 * is an attrib_table: a schema (a const list of typed columns) plus one array per
 * column. Generic code — HDF5 read/write, CSV export, MPI exchange, permutation —
 * walks the schema, so adding a column is one line in schema.c.
 *
 * Tables are local (no MPI). Ownership: the table owns its column arrays.
 */
#ifndef ATTRIB_TABLE_H
#define ATTRIB_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef enum attrib_type {
    ATTRIB_T_U8,
    ATTRIB_T_U16,
    ATTRIB_T_U32,
    ATTRIB_T_U64,
    ATTRIB_T_I64,
    ATTRIB_T_F64,
    ATTRIB_T_STR, /* fixed width per table instance (attrib_table.strw[c]), NUL padded */
} attrib_type;

typedef struct attrib_colspec {
    const char *name;
    attrib_type type;
    /* For ATTRIB_T_U8 columns that are enumerations: the names of values 0..n-1,
     * NULL-terminated. Written to HDF5 as an enum type; exported as names. */
    const char *const *enum_names;
} attrib_colspec;

#define ATTRIB_MAX_COLS 24

typedef struct attrib_schema {
    const char *name; /* HDF5 group path of the table, e.g. "events", "report/daily" */
    size_t ncols;
    attrib_colspec cols[ATTRIB_MAX_COLS];
} attrib_schema;

typedef struct attrib_table {
    const attrib_schema *schema;
    size_t n;   /* rows */
    size_t cap; /* rows allocated */
    void *col[ATTRIB_MAX_COLS];
    size_t strw[ATTRIB_MAX_COLS]; /* byte width of ATTRIB_T_STR columns (>= 1) */
} attrib_table;

/* Size in bytes of one element of a column of this type (strings: strw). */
size_t attrib_type_size(attrib_type t);
size_t attrib_table_elem_size(const attrib_table *t, size_t c);

/* Initialise an empty table. String columns get width `strw_default` (>= 1). */
void attrib_table_init(attrib_table *t, const attrib_schema *s, size_t strw_default);
/* Free the column arrays; the table is left empty and may be reused. NULL ok. */
void attrib_table_free(attrib_table *t);
/* Make room for at least `cap` rows (never shrinks). Dies on out of memory. */
void attrib_table_reserve(attrib_table *t, size_t cap);
/* Set n (reserving as needed); new rows are zeroed. */
void attrib_table_resize(attrib_table *t, size_t n);
/* Append one row slot (zeroed) and return its index. */
size_t attrib_table_push(attrib_table *t);
/* Change the width of a string column, copying and truncating/padding values. */
void attrib_table_set_strw(attrib_table *t, size_t c, size_t w);
/* Store a string in row r of string column c (truncated to the width). */
void attrib_table_set_str(attrib_table *t, size_t c, size_t r, const char *s, size_t len);
/* Pointer to row r of string column c (not NUL-terminated when it fills the width). */
const char *attrib_table_str(const attrib_table *t, size_t c, size_t r);
/* Length of the string in row r of string column c. */
size_t attrib_table_strlen(const attrib_table *t, size_t c, size_t r);
/* Append rows [from, from+count) of src (same schema) to dst. */
void attrib_table_append(attrib_table *dst, const attrib_table *src, size_t from, size_t count);
/* Reorder rows: new row i = old row perm[i], for i < n_out (perm may select a subset). */
void attrib_table_permute(attrib_table *t, const uint32_t *perm, size_t n_out);
/* Column index by name, or -1. */
int attrib_schema_col(const attrib_schema *s, const char *name);
/* Sort a campaign catalog (attrib_schema_campaigns) by campaign_id, as the rules' bind
 * needs it. A campaign_id present twice is ATTRIB_EINPUT naming `file` and the id. Local. */
int attrib_catalog_sort(attrib_table *cat, const char *file);

/* Typed column access (no checks beyond an assert in debug builds). */
#define ATTRIB_COL(t, c, T) ((T *)(t)->col[(c)])

/* ---- The schemas of the store and the results (docs/formats.md) ---- */

/* The largest cost or value a row may have: report sums are exact 128-bit fixed point
 * (include/attrib/fixed.h, about ±3.8e22), so rows up to 1e15 (a quadrillion in the
 * input's unit) can be summed by the ten million without overflow. Import rejects a
 * larger amount as a bad cost/value; run and explain refuse a store that has one. */
#define ATTRIB_AMOUNT_MAX 1e15
static inline int attrib_amount_ok(double v) { return v >= 0 && v <= ATTRIB_AMOUNT_MAX; }

enum attrib_kind { ATTRIB_KIND_IMPRESSION = 0, ATTRIB_KIND_ENGAGEMENT = 1, ATTRIB_KIND_NURTURE = 2 };
#define ATTRIB_NKINDS 3
extern const char *const attrib_kind_names[];

enum attrib_reason { ATTRIB_REASON_NO_TOUCH = 0, ATTRIB_REASON_RULE_EXCLUDED = 1, ATTRIB_REASON_OUTSIDE_WINDOW = 2 };
#define ATTRIB_NREASONS 3
extern const char *const attrib_reason_names[];

enum { ATTRIB_EV_EVENT_ID, ATTRIB_EV_IDENTITY, ATTRIB_EV_TS, ATTRIB_EV_CAMPAIGN_ID, ATTRIB_EV_KIND, ATTRIB_EV_COST, ATTRIB_EV_NCOLS };
enum { ATTRIB_CV_CONVERSION_ID, ATTRIB_CV_IDENTITY, ATTRIB_CV_TS, ATTRIB_CV_ADVERTISER_ID, ATTRIB_CV_TYPE, ATTRIB_CV_VALUE, ATTRIB_CV_NCOLS };
enum { ATTRIB_CA_CAMPAIGN_ID, ATTRIB_CA_ADVERTISER_ID, ATTRIB_CA_NAME, ATTRIB_CA_NCOLS };
enum {
    ATTRIB_CR_CONVERSION_ID, ATTRIB_CR_ADVERTISER_ID, ATTRIB_CR_IDENTITY, ATTRIB_CR_CONV_TS, ATTRIB_CR_VALUE, ATTRIB_CR_EVENT_ID,
    ATTRIB_CR_CAMPAIGN_ID, ATTRIB_CR_KIND, ATTRIB_CR_TOUCH_TS, ATTRIB_CR_POSITION, ATTRIB_CR_PATH_LENGTH, ATTRIB_CR_CREDIT,
    ATTRIB_CR_CREDITED_VALUE, ATTRIB_CR_RULE_VERSION, ATTRIB_CR_NCOLS
};
enum { ATTRIB_UN_CONVERSION_ID, ATTRIB_UN_ADVERTISER_ID, ATTRIB_UN_IDENTITY, ATTRIB_UN_CONV_TS, ATTRIB_UN_VALUE, ATTRIB_UN_REASON, ATTRIB_UN_NCOLS };
enum {
    ATTRIB_RC_CAMPAIGN_ID, ATTRIB_RC_ADVERTISER_ID, ATTRIB_RC_IMPRESSIONS, ATTRIB_RC_ENGAGEMENTS, ATTRIB_RC_NURTURES, ATTRIB_RC_REACH,
    ATTRIB_RC_COST, ATTRIB_RC_CONVERSIONS, ATTRIB_RC_VALUE, ATTRIB_RC_CREDITED_TOUCHES, ATTRIB_RC_MEAN_TTC_S, ATTRIB_RC_ROAS, ATTRIB_RC_NCOLS
};
enum { ATTRIB_RD_CAMPAIGN_ID, ATTRIB_RD_DAY, ATTRIB_RD_CONVERSIONS, ATTRIB_RD_VALUE, ATTRIB_RD_NCOLS };
enum {
    ATTRIB_RA_ADVERTISER_ID, ATTRIB_RA_CONVERSIONS, ATTRIB_RA_ATTRIBUTED, ATTRIB_RA_UNATTR_NO_TOUCH, ATTRIB_RA_UNATTR_RULE_EXCLUDED,
    ATTRIB_RA_UNATTR_OUTSIDE_WINDOW, ATTRIB_RA_DUP_TOUCHES, ATTRIB_RA_DUP_TOUCHES_INEXACT, ATTRIB_RA_DUP_CONVERSIONS,
    ATTRIB_RA_DUP_CONVERSIONS_INEXACT, ATTRIB_RA_NCOLS
};
enum {
    ATTRIB_LB_EVENT_ID, ATTRIB_LB_IDENTITY, ATTRIB_LB_CAMPAIGN_ID, ATTRIB_LB_ADVERTISER_ID, ATTRIB_LB_KIND, ATTRIB_LB_TS,
    ATTRIB_LB_COST, ATTRIB_LB_CANDIDATE_OF, ATTRIB_LB_ELIGIBLE_OF, ATTRIB_LB_CREDITED_OF, ATTRIB_LB_CREDIT,
    ATTRIB_LB_CREDITED_VALUE, ATTRIB_LB_MS_TO_NEXT, ATTRIB_LB_NCOLS
};
/* Data-driven models (docs/datadriven.md): journeys' paths, Markov, Shapley, --compare. */
enum { ATTRIB_RP_ADVERTISER_ID, ATTRIB_RP_PATH, ATTRIB_RP_CONVERSIONS, ATTRIB_RP_VALUE, ATTRIB_RP_NULLS, ATTRIB_RP_NCOLS };
enum { ATTRIB_RM_ADVERTISER_ID, ATTRIB_RM_CAMPAIGN_ID, ATTRIB_RM_REMOVAL_EFFECT, ATTRIB_RM_CONVERSIONS, ATTRIB_RM_VALUE, ATTRIB_RM_NCOLS };
enum { ATTRIB_RS_ADVERTISER_ID, ATTRIB_RS_CAMPAIGN_ID, ATTRIB_RS_CONVERSIONS, ATTRIB_RS_VALUE, ATTRIB_RS_NCOLS };
/* /links (input, import --links) and /report/identity (run, one row). */
enum { ATTRIB_LK_A, ATTRIB_LK_B, ATTRIB_LK_NCOLS };
/* /partitions (input written by import): ATTRIB_NPARTITIONS + 1 rows; row q is the first
 * row of logical partition q in /events and in /conversions (docs/formats.md). */
enum { ATTRIB_PT_EVENTS, ATTRIB_PT_CONVERSIONS, ATTRIB_PT_NCOLS };
enum {
    ATTRIB_RI_LINKS, ATTRIB_RI_VERTICES, ATTRIB_RI_COMPONENTS, ATTRIB_RI_MERGED_COMPONENTS,
    ATTRIB_RI_IDENTITIES_MERGED, ATTRIB_RI_OVERSIZE_COMPONENTS, ATTRIB_RI_OVERSIZE_IDENTITIES,
    ATTRIB_RI_LARGEST_COMPONENT, ATTRIB_RI_NCOLS
};
enum {
    ATTRIB_RMO_ADVERTISER_ID, ATTRIB_RMO_CAMPAIGN_ID, ATTRIB_RMO_MODEL, ATTRIB_RMO_CONVERSIONS, ATTRIB_RMO_VALUE,
    ATTRIB_RMO_CREDITED_TOUCHES, ATTRIB_RMO_NCOLS
};

extern const attrib_schema attrib_schema_events;        /* "events" */
extern const attrib_schema attrib_schema_conversions;   /* "conversions" */
extern const attrib_schema attrib_schema_campaigns;     /* "campaigns" */
extern const attrib_schema attrib_schema_credits;       /* "credits" */
extern const attrib_schema attrib_schema_unattributed;  /* "unattributed" */
extern const attrib_schema attrib_schema_report_campaign;   /* "report/campaign" */
extern const attrib_schema attrib_schema_report_daily;      /* "report/daily" */
extern const attrib_schema attrib_schema_report_daily_touch;/* "report/daily_touch" */
extern const attrib_schema attrib_schema_report_advertiser; /* "report/advertiser" */
extern const attrib_schema attrib_schema_labels;            /* "labels" (run --labels) */
extern const attrib_schema attrib_schema_report_paths;      /* "report/paths" */
extern const attrib_schema attrib_schema_report_markov;     /* "report/markov" */
extern const attrib_schema attrib_schema_report_shapley;    /* "report/shapley" */
extern const attrib_schema attrib_schema_report_models;     /* "report/models" (run --compare) */
extern const attrib_schema attrib_schema_links;             /* "links" (input, import --links) */
extern const attrib_schema attrib_schema_partitions;        /* "partitions" (input, import) */
extern const attrib_schema attrib_schema_report_identity;   /* "report/identity" (run, one row) */

/* All schemas above, NULL-terminated; and lookup by table name with or without '/'. */
extern const attrib_schema *const attrib_schemas[];
const attrib_schema *attrib_schema_find(const char *name);

#endif

/* attrib — reading a results file written by `attrib run` (docs/formats.md): its report
 * tables, its root attributes, and its large tables (/credits, /unattributed) in row
 * blocks. Shared by `attrib report`, `attrib reconcile` and `attrib explain`.
 *
 * Local: the file is opened on MPI_COMM_NULL (HDF5's POSIX driver), so only the calling
 * process takes part and MPI need not be initialised. Every function returns 0 or a
 * negative attrib_err with the detail (naming the file) in attrib_err_msg().
 */
#ifndef ATTRIB_RESULTS_H
#define ATTRIB_RESULTS_H

#include <stdint.h>

#include "attrib/h5io.h"
#include "attrib/table.h"

/* Root attributes `attrib run` writes, in this order; a results file may lack some
 * (older or foreign writers): their value is then NULL. */
enum {
    ATTRIB_RES_PERIOD_FROM, ATTRIB_RES_PERIOD_TO, ATTRIB_RES_MODEL, ATTRIB_RES_RULES_FILE,
    ATTRIB_RES_INPUT_FILE, ATTRIB_RES_INPUT_CHECKSUM, ATTRIB_RES_SOFTWARE_VERSION,
    ATTRIB_RES_RULES, ATTRIB_RES_IDENTITY_HASH,
    ATTRIB_RES_NATTRS
};
extern const char *const attrib_results_attr_names[]; /* "period_from", … */
/* Numeric root attributes. */
#define ATTRIB_RES_ATTR_RANKS "ranks"
#define ATTRIB_RES_ATTR_SCHEMA_VERSION "schema_version"
#define ATTRIB_RES_ATTR_SECONDS_PREFIX "seconds_" /* seconds_read, …, seconds_total */
#define ATTRIB_RES_ATTR_PEAK_RSS "peak_rss_mib_max"
#define ATTRIB_RES_ATTR_STITCHED "stitched"           /* 1: identities stitched by /links */
#define ATTRIB_RES_ATTR_MAX_COMPONENT "max_component" /* the cap in force */

/* What `attrib run` records at the root of a results file: the string attributes in
 * ATTRIB_RES_* order (NULL: not written), then the numbers. */
typedef struct attrib_results_meta {
    const char *attr[ATTRIB_RES_NATTRS];
    int64_t ranks;
    size_t nphases;
    const char *const *phase_names; /* "read", "plan", … */
    const double *phase_seconds;
    double seconds_total;
    double peak_rss_mib; /* max over ranks */
} attrib_results_meta;

/* Collective (identical `m` on every rank). Write the root attributes of a results
 * file being written; also schema_version. */
int attrib_results_write_meta(attrib_h5file *f, const attrib_results_meta *m);

typedef struct attrib_results {
    char *path;
    attrib_h5file *f;             /* open until attrib_results_close */
    attrib_table campaign;        /* report/campaign, sorted by campaign_id */
    attrib_table daily;           /* report/daily */
    attrib_table daily_touch;     /* report/daily_touch */
    attrib_table advertiser;      /* report/advertiser */
    attrib_table campaigns;       /* /campaigns (names) when the file has it, else 0 rows */
    int has_credits;              /* the file has /credits (else ncredits is 0) */
    int has_unattributed;         /* the file has /unattributed */
    uint64_t ncredits;            /* rows of /credits */
    uint64_t nunattributed;       /* rows of /unattributed */
    char *attr[ATTRIB_RES_NATTRS]; /* malloc'd or NULL when absent */
    int64_t ranks;                /* "ranks" attribute, -1 when absent */
} attrib_results;

/* Local. Does the file at `path` start with the HDF5 signature (at offset 0, 512, 1024,
 * … as HDF5 allows a user block)? 1 yes, 0 no (also when it cannot be read). */
int attrib_results_is_hdf5(const char *path);

/* Local. Open a results file and read its four report tables, its root attributes and
 * the row counts of /credits and /unattributed when present (checked for shape, not
 * read). A file
 * that is not HDF5, lacks a report table or has a schema_version other than
 * ATTRIB_SCHEMA_VERSION is ATTRIB_EINPUT. On success *out is owned by the caller
 * (attrib_results_close); on failure *out is NULL. */
int attrib_results_open(const char *path, attrib_results **out);

/* Local. Close the file and free everything; NULL ok. */
void attrib_results_close(attrib_results *r);

/* Local. Read rows [start, start+count) of /credits or /unattributed (`s` is
 * attrib_schema_credits or attrib_schema_unattributed) into `out` (initialised here;
 * caller frees with attrib_table_free). */
int attrib_results_read(const attrib_results *r, const attrib_schema *s, uint64_t start,
                        uint64_t count, attrib_table *out);

/* Local. Name of campaign `campaign_id` from /campaigns, or NULL when unknown. The
 * pointer is into r->campaigns (not NUL-terminated when it fills the column width: use
 * *len). */
const char *attrib_results_campaign_name(const attrib_results *r, uint32_t campaign_id,
                                         size_t *len);

/* Rows read per block by the readers of /credits and /unattributed. */
#define ATTRIB_RESULTS_BLOCK_ROWS ((uint64_t)1 << 16)

#endif

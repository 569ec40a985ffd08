/* attrib — explanations of the attribution of one conversion (attrib explain) and the
 * per-conversion candidate counts of `attrib run --explain`. The classifier is core
 * (src/core/explain.c: no MPI, no HDF5); the scan over an input file, the renderers and
 * the writer of /explain/conversion, declared at the end, are app (src/explain/).
 *
 * An explanation is built from every row of one identity: the engine itself
 * (attrib_engine_run) is run on those rows and gives the credits; a classifier that
 * uses the engine's own dedup and models gives every touch a status and a reason, and
 * is checked against the engine's rows (a disagreement is ATTRIB_EINTERNAL, never a
 * wrong explanation). All functions are local unless said otherwise.
 */
#ifndef ATTRIB_EXPLAIN_H
#define ATTRIB_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "attrib/engine.h"
#include "attrib/rules.h"
#include "attrib/table.h"

/* Status of one touch row for one conversion. */
enum attrib_xstatus {
    ATTRIB_XS_CREDITED,             /* a candidate with a share > 0 */
    ATTRIB_XS_ZERO_SHARE,           /* a candidate the model gives 0 (e.g. last_touch's others) */
    ATTRIB_XS_BEATEN_BY_ENGAGEMENT, /* a candidate removed by engagement priority */
    ATTRIB_XS_OUTSIDE_WINDOW,       /* older than its kind's lookback */
    ATTRIB_XS_KIND_OFF,             /* its kind's lookback is "off" for its campaign */
    ATTRIB_XS_TYPE_EXCLUDED,        /* its campaign does not count the conversion's type */
    ATTRIB_XS_AFTER_CONVERSION,     /* later than the conversion */
    ATTRIB_XS_DUPLICATE,            /* a redelivery dropped by dedup */
    ATTRIB_XS_N
};
/* "credited", "zero_share", … in enum order, NULL-terminated. */
extern const char *const attrib_xstatus_names[];

/* Outcome of a conversion: attributed, or its unattributed reason. */
enum { ATTRIB_XOUT_ATTRIBUTED = 0, ATTRIB_XOUT_NO_TOUCH, ATTRIB_XOUT_RULE_EXCLUDED,
       ATTRIB_XOUT_OUTSIDE_WINDOW };
extern const char *const attrib_xoutcome_names[]; /* "attributed", "no_touch", … */

/* Counts over the deduplicated touches of the conversion's (identity, advertiser). */
typedef struct attrib_xcounts {
    uint32_t touches;        /* at or before c.ts (= candidates + the three exclusions) */
    uint32_t candidates;     /* before engagement priority */
    uint32_t path_length;    /* after engagement priority */
    uint32_t credited;       /* candidates with a share > 0 (= credit rows) */
    uint32_t outside_window, kind_off, type_excluded, beaten_by_engagement;
    uint32_t after_conversion;      /* touches later than c.ts */
    uint32_t duplicate_touches;     /* dropped touch rows whose kept row is of the advertiser */
    uint32_t duplicate_conversions; /* dropped rows of this conversion */
} attrib_xcounts;

typedef struct attrib_xtouch {
    uint64_t event_id;
    int64_t ts;
    int64_t age_ms;      /* c.ts - ts (negative after the conversion) */
    uint32_t campaign_id;
    uint8_t kind;
    double cost;
    enum attrib_xstatus status;
    int64_t lookback_ms; /* of its kind for its campaign at c.ts; ATTRIB_LOOKBACK_OFF */
    uint32_t rule_version;
    uint32_t position;   /* 1-based among the path (credited / zero_share), else 0 */
    double credit, credited_value; /* credited: the engine's /credits figures */
    /* on the path of a markov or shapley conversion: candidates of the path on its
     * campaign, its campaign's removal effect (markov), and its weight before
     * normalising (markov: RE / multiplicity; shapley: 1 / (distinct campaigns x
     * multiplicity)) */
    uint32_t multiplicity;
    double removal_effect, weight;
    int dup_exact;       /* duplicate: an exact copy of the kept row */
    int in_journey;      /* ts within the longest lookback before/after the conversion */
} attrib_xtouch;

/* Rule provenance of one campaign of the journey, at the conversion's ts. */
typedef struct attrib_xcamp {
    uint32_t campaign_id;
    uint32_t rule_version; /* 0: no entry of the campaign in force */
    const char *origin;    /* "rules.cfg:21", "defaults", … (owned by the rules) */
    int64_t since;         /* start of the resolved rule in force; INT64_MIN: always */
    int64_t lookback_ms[ATTRIB_NKINDS];
    const uint8_t *type_allowed; /* NULL: every type counts */
} attrib_xcamp;

typedef struct attrib_explanation {
    uint64_t conversion_id, identity;
    uint32_t advertiser_id;
    int64_t ts;
    uint16_t type;
    double value;
    int in_period;             /* c.ts in [from, to); otherwise nothing below is filled */
    int outcome;               /* ATTRIB_XOUT_* */
    attrib_adv_rule adv_rule;  /* the advertiser's rule at c.ts (after --model) */
    int priority_applied;      /* engagement priority removed some candidates */
    int64_t max_lookback_ms;   /* the journey's horizon */
    attrib_xcounts counts;
    size_t ntouches;           /* every touch row of the (identity, advertiser), dedup */
    attrib_xtouch *touch;      /* dropped ones included, in (ts, event_id) order */
    size_t ncamps;
    attrib_xcamp *camp;        /* by campaign_id */
    size_t before_journey, after_journey; /* touches outside the horizon (not in_journey) */
    size_t ndistinct;          /* distinct campaigns of the path (markov, shapley) */
} attrib_explanation;

typedef struct attrib_explain_in {
    const attrib_rules *rules; /* bound, --model applied */
    int64_t from, to;          /* period, INT64_MIN / INT64_MAX when open */
    size_t ntypes;             /* conversion type names of the input */
    uint64_t conversion_id, identity;
    uint32_t advertiser_id;
    /* The removal effect of every catalog campaign (by index), from a run's
     * /report/markov: needed when the conversion's model is markov; NULL otherwise. */
    const double *re;
} attrib_explain_in;

/* Explain conversion (identity, advertiser_id, conversion_id). `events` must hold every
 * touch row of the identity (other identities' rows are ignored), `conversions` every row
 * of the conversion (others ignored); neither is modified. *out is owned by the caller
 * (attrib_explanation_free). ATTRIB_EINPUT when the conversion has no row,
 * ATTRIB_EINTERNAL when the classifier and the engine disagree. */
int attrib_explain_build(const attrib_explain_in *in, const attrib_table *events,
                         const attrib_table *conversions, attrib_explanation **out);
void attrib_explanation_free(attrib_explanation *x); /* NULL ok */

/* "-2d 03:10", "-45s", "+1h 00:00", "0" : a signed offset relative to the conversion,
 * printed to the minute (seconds and ms shown only when non-zero). buf >= 48 bytes. */
void attrib_explain_format_offset(int64_t ms, char *buf, size_t size);
/* "30d", "1d 12h", "90m", "1500ms": a duration as the rules would write it. */
void attrib_explain_format_duration(int64_t ms, char *buf, size_t size);

/* ---- attrib run --explain: per-conversion counts at scale ---- */

/* /explain/conversion, one row per conversion in the period (attributed or not), sorted
 * like /credits by (conversion_id, advertiser_id, identity). */
enum {
    ATTRIB_XC_CONVERSION_ID, ATTRIB_XC_ADVERTISER_ID, ATTRIB_XC_IDENTITY, ATTRIB_XC_CONV_TS, ATTRIB_XC_OUTCOME, ATTRIB_XC_TOUCHES,
    ATTRIB_XC_CANDIDATES, ATTRIB_XC_PATH_LENGTH, ATTRIB_XC_CREDITED, ATTRIB_XC_OUTSIDE_WINDOW, ATTRIB_XC_KIND_OFF, ATTRIB_XC_TYPE_EXCLUDED,
    ATTRIB_XC_BEATEN_BY_ENGAGEMENT, ATTRIB_XC_AFTER_CONVERSION, ATTRIB_XC_DUPLICATE_TOUCHES, ATTRIB_XC_DUPLICATE_CONVERSIONS,
    ATTRIB_XC_NCOLS
};
extern const attrib_schema attrib_schema_explain_conversion; /* "explain/conversion" */

/* Append one /explain/conversion row (unsorted) per conversion in cfg's period of this
 * rank's rows, counted by the same classifier as attrib_explain_build. `events` and
 * `conversions` are permuted in place (grouped by identity; the row set is unchanged,
 * so attrib_engine_run may consume them afterwards). `out` is initialised by the caller
 * with attrib_schema_explain_conversion. 0 or ATTRIB_EINPUT (kind/type out of range). */
int attrib_explain_counts(const attrib_engine_cfg *cfg, attrib_table *events,
                          attrib_table *conversions, size_t ntypes, attrib_table *out);

/* ---- app layer (src/explain/): the scan of `attrib explain`, its renderers, and the
 * writer of /explain/conversion for `attrib run --explain`. Not for core code: these
 * take MPI and HDF5 handles (declared here without their headers). ---- */
struct attrib_par;
struct attrib_h5file;
struct attrib_input;

/* Which conversion to explain, under which rules, for which period. */
typedef struct attrib_explain_query {
    const char *rules_path; /* as given to attrib run */
    const char *input_path; /* an input file of attrib import or attrib gen */
    int model;              /* enum attrib_model replacing every advertiser's (--model), or -1 */
    uint64_t conversion_id;
    uint32_t advertiser_id; /* when has_advertiser: only rows of this advertiser */
    uint64_t identity;      /* when has_identity: only rows of this identity */
    int has_advertiser, has_identity;
    int64_t from, to; /* period, INT64_MIN / INT64_MAX when open */
    const char *results_path; /* a run's results (--results): /report/markov's removal
                                 effects for markov conversions; NULL */
    int no_stitch;            /* ignore the input's /links (as attrib run --no-stitch) */
    uint64_t max_component;   /* as attrib run --max-component; 0 = its default */
} attrib_explain_query;

/* An explanation with what its renderers need to name things. */
typedef struct attrib_explain_result {
    attrib_explanation *x;      /* rank 0; NULL on the other ranks */
    attrib_rules *rules;        /* bound to the input, --model applied */
    struct attrib_input *input; /* its type names and sorted catalog; the file is closed */
    int64_t from, to;           /* the query's period */
    int model_overridden;       /* the query gave a model */
    /* Stitching (the input has /links, no --no-stitch; docs/identity.md), rank 0: the
     * identities merged into the explained person (sorted; just itself when it is in no
     * merged component), and the identity each row was read under: (event_id, identity)
     * pairs of the person's touch rows and the conversion's rows' identities, distinct
     * and sorted. */
    int stitched;
    uint64_t *members;
    size_t nmembers;
    uint64_t *touch_dev;        /* 2 * ntouch_dev: event_id, identity */
    size_t ntouch_dev;
    uint64_t *conv_dev;
    size_t nconv_dev;
} attrib_explain_result;

/* Collective (identical query). Load the rules (every rank reads the file) and apply
 * the model; open the input with attrib_input_open (so a results file is named as
 * such); every rank scans its slab of /conversions in blocks for the conversion's rows
 * and rank 0 gets them; rank 0 chooses the (advertiser, identity): none is
 * ATTRIB_EINPUT "conversion ID not found in 'PATH'", several are ATTRIB_EINPUT listing
 * the choices ("… is ambiguous: advertisers 1, 2 have it; pass --advertiser A"); every
 * rank scans its slab of /events for that identity's rows the same way; rank 0 builds
 * the explanation (attrib_explain_build). No rank holds more than a block of the input
 * plus the identity's rows. Every rank returns the same code; on success *out is owned
 * by the caller (attrib_explain_result_free), else it is NULL. */
int attrib_explain_scan(const struct attrib_par *p, const attrib_explain_query *q,
                        attrib_explain_result **out);
/* Collective when the input's file is still open (never after a successful scan):
 * free everything. NULL ok. */
void attrib_explain_result_free(attrib_explain_result *r);

/* Local (rank 0, whose result holds the explanation). Print it for people: the
 * conversion and its outcome, the journey table with every touch's status and reason,
 * the rules in force with their origin, the model and how it split the credit
 * (docs/explain.md). The caller checks `out` for write errors. */
void attrib_explain_print_text(const attrib_explain_result *r, FILE *out);
/* Local (rank 0). The same as one JSON document (docs/explain.md). */
void attrib_explain_print_json(const attrib_explain_result *r, FILE *out);

/* Collective. Sort `t` (attrib_schema_explain_conversion) globally and write it to `f`
 * as /explain/conversion with zstd level `level`. */
int attrib_explain_write(const struct attrib_par *p, struct attrib_h5file *f, attrib_table *t,
                         int level);

#endif

/* attrib — the attribution engine of one rank (core: no MPI, no HDF5).
 *
 * Given every row of a set of identities (the rank's partitions, after the exchange),
 * in any order, attrib_engine_run() deduplicates, sorts, matches conversions to touches
 * (the semantics of docs/models.md) and applies the models, appending credit and
 * unattributed rows and accumulating the reports (acc.h, exact fixed point). The result
 * depends only on the set of input rows, never on their order. Local.
 */
#ifndef ATTRIB_ENGINE_H
#define ATTRIB_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/acc.h"
#include "attrib/journeys.h"
#include "attrib/records.h"
#include "attrib/rules.h"
#include "attrib/table.h"

typedef struct attrib_engine_cfg {
    const attrib_rules *rules; /* bound */
    int64_t from, to;          /* period [from, to); INT64_MIN / INT64_MAX when open */
    /* NULL, or a table (attrib_schema_labels) to which one row is appended per touch
     * (after dedup, on a catalog campaign) with ts in the period: the conversions of the
     * period it was a candidate of (before engagement priority), eligible for (after
     * it), the credit rows it got and their sums (added in the order the conversions
     * are matched: ts, then conversion id), and c.ts - t.ts of the earliest conversion
     * it was a candidate of (-1: none). docs/formats.md, /labels. */
    attrib_table *labels;
    /* NULL, or a map to which every journey is added (journeys.h; docs/datadriven.md):
     * the converting journey of each conversion of the period with candidates (before
     * priority) and the non-converting journey of each (identity, advertiser) without a
     * conversion of that advertiser. */
    attrib_pathmap *paths;
    /* --compare: models (enum attrib_model, or ATTRIB_MODEL_OWN for each advertiser's
     * own) evaluated on every attributed conversion into acc->cmp (at most 31; the
     * accumulator must have been initialised for as many, attrib_acc_init_compare). */
    const int *compare;
    size_t ncompare;
    /* NULL, or the removal effect of every catalog campaign (by index): then markov
     * conversions are credited at once instead of waiting for attrib_engine_finish_markov
     * (attrib explain, with the removal effects of a run). */
    const double *re;
} attrib_engine_cfg;

/* Run the engine on this rank's rows. `events` and `conversions` are consumed: they are
 * reordered in place (grouped by identity) and their contents are unspecified afterwards.
 * Credit rows are appended to `credits` (attrib_schema_credits) and unattributed rows to
 * `unattr` (attrib_schema_unattributed), both initialised by the caller; their order is
 * unspecified (the caller sorts). Report figures are added to `acc` (initialised with
 * the bound rules' campaign count; may already hold sums, e.g. of other partitions); on
 * return its three sparse maps are finished (sorted, ready for attrib_sparse_merge).
 * Touches whose campaign is absent from the catalog are ignored entirely, before dedup
 * (they neither win a dedup nor count as duplicates). Returns 0, or ATTRIB_EINPUT for
 * data that breaks the input contract (a type id beyond the type table, a kind > 2,
 * more than 2^32 rows), in which case nothing has been appended or accumulated.
 * Local. Transient memory beyond the inputs and outputs: about 24 bytes per row of the
 * larger table (sort and permutation scratch), plus buffers sized to the largest
 * identity. */
int attrib_engine_run(const attrib_engine_cfg *cfg, attrib_table *events,
                      attrib_table *conversions, size_t ntypes, attrib_table *credits,
                      attrib_table *unattr, attrib_acc *acc);

typedef struct attrib_engine attrib_engine;

/* Start an engine: credits/unattr/acc as for attrib_engine_run (the accumulator must
 * have the bound rules' campaign count). Returns 0 or ATTRIB_EINTERNAL. */
int attrib_engine_open(const attrib_engine_cfg *cfg, attrib_table *credits, attrib_table *unattr,
                       attrib_acc *acc, attrib_engine **out);
/* Every row of a set of identities (typically one logical partition), in any order:
 * reorders ev and cv in place and appends/accumulates their results. The rows' kinds and
 * types must be in range (the caller checked the input contract). Memory: scratch of the
 * largest call, kept for the next. */
void attrib_engine_feed(attrib_engine *e, attrib_ev_rec *ev, size_t ne, attrib_cv_rec *cv,
                        size_t nc);
/* The same for rows given as pieces (e.g. what each source rank sent for a partition):
 * grouped into the engine's own buffers, the pieces are only read. */
typedef struct attrib_piece {
    const void *rows; /* attrib_ev_rec or attrib_cv_rec */
    size_t n;
} attrib_piece;
void attrib_engine_feed_pieces(attrib_engine *e, const attrib_piece *ev, size_t nev_pieces,
                               const attrib_piece *cv, size_t ncv_pieces);
/* Conversions whose advertiser's model is markov (or whose --compare slots hold it) wait,
 * with their candidates, for the removal effects of the whole period: their number. */
size_t attrib_engine_pending(const attrib_engine *e);
/* Give them their credit rows (and label sums, --compare sums), with re[k] the removal
 * effect of the campaign of catalog index k (0 for one on no path). After the last feed,
 * before close. */
void attrib_engine_finish_markov(attrib_engine *e, const double *re);
/* Add the per-advertiser counters to the accumulator, finish its sparse maps, free. */
void attrib_engine_close(attrib_engine *e);

/* ==== explain: additions used by src/core/explain.c (attrib explain, run --explain);
 * attrib_engine_run does not call them. All local. ==== */

/* The engine's model: shares of n >= 1 candidates in (ts, event_id) order, `age` =
 * c.ts - t.ts of each (ms), written to share[0..n). Bit-identical to the engine's. */
void attrib_engine_model_shares(const attrib_adv_rule *r, size_t n, const uint64_t *age,
                                double *share);
/* The same for every model: camp[i] is candidate i's campaign (catalog index) and re the
 * removal effect per campaign index (markov; may be NULL for the others). */
void attrib_engine_model_shares_dd(const attrib_adv_rule *r, size_t n, const uint64_t *age,
                                   const uint32_t *camp, const double *re, double *share);
/* The engine's dedup (docs/models.md, "Dedup") of rows [e0, e0+n) of `events`, all of one identity:
 * kept[i] = the offset (0..n) of the row kept for row e0+i's event id (itself when it is
 * the kept row), or UINT32_MAX for a row whose campaign is absent from the bound rules'
 * catalog (the engine ignores those). */
void attrib_engine_dedup_touches(const attrib_rules *r, const attrib_table *events, size_t e0,
                                 size_t n, uint32_t *kept);
/* The same for rows [c0, c0+n) of `conversions`, all of one identity (key: advertiser,
 * conversion id; the earliest, then smallest type, then value is kept). */
void attrib_engine_dedup_conversions(const attrib_table *conversions, size_t c0, size_t n,
                                     uint32_t *kept);
/* ==== end of explain additions ==== */

#endif

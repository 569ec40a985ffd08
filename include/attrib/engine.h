/* attrib — the attribution engine of one rank (core: no MPI, no HDF5).
 *
 * Given every row of a set of identities (the rank's partitions, after the exchange),
 * in any order, attrib_engine_run() deduplicates, sorts, matches conversions to touches
 * per SPEC 4 and applies the models, appending credit and unattributed rows and
 * accumulating the reports. The result depends only on the set of input rows, never on
 * their order. Local.
 *
 * Report sums are accumulated exactly in 128-bit fixed point (attrib_fx), so that
 * adding partial sums in any order — across ranks, in any reduction tree — gives the
 * same bits. Scales: credits ×2^64, money (cost, value) ×2^52, credit-weighted
 * time-to-convert in seconds ×2^52; counts are plain integers. At 2^52 every double
 * >= 1 converts exactly (a double has 53 significant bits), so a sum of money is the
 * correctly rounded exact sum of the row values (49.90 stays 49.9), and the range is
 * ±2^75 ≈ 3.8e22; credits >= 2^-12 convert exactly at 2^64.
 */
#ifndef ATTRIB_ENGINE_H
#define ATTRIB_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/rules.h"
#include "attrib/table.h"

typedef __int128 attrib_fx;

#define ATTRIB_FX_CREDIT_SHIFT 64
#define ATTRIB_FX_MONEY_SHIFT 52

/* Convert a double to fixed point with 2^shift scale (round to nearest) and back. */
attrib_fx attrib_fx_from_double(double x, int shift);
double attrib_fx_to_double(attrib_fx v, int shift);

/* attrib_fx_from_double inlined for hot paths (scale = 2^shift): the same value for every
 * input (tests/unit/test_engine.c checks). Below 2^52 in magnitude, adding and
 * subtracting 2^52 rounds to the nearest integer, ties to even, as nearbyint does in the
 * default rounding mode (baseline x86-64 has no rounding instruction, so nearbyint is a
 * library call); from 2^52 to 2^64 a double is an integer already; anything else (NaN,
 * huge) takes the full function. */
static inline attrib_fx attrib_fx_from_double_fast(double x, double scale, int shift)
{
    double v = x * scale;
    if (v > -0x1p52 && v < 0x1p52) {
        v = v >= 0 ? (v + 0x1p52) - 0x1p52 : (v - 0x1p52) + 0x1p52;
        return (attrib_fx)(int64_t)v;
    }
    if (v >= 0x1p52 && v < 0x1p64)
        return (attrib_fx)(uint64_t)v;
    return attrib_fx_from_double(x, shift);
}

/* Dense per-campaign accumulator fields (index = campaign index * ACC_C_N + field). */
enum {
    ACC_C_IMPRESSIONS, ACC_C_ENGAGEMENTS, ACC_C_NURTURES, /* touches with ts in period */
    ACC_C_REACH,            /* distinct identities with a touch of the campaign in period */
    ACC_C_COST,             /* money: sum of cost of those touches */
    ACC_C_CONVERSIONS,      /* credit: sum of credit */
    ACC_C_VALUE,            /* money: sum of credited value */
    ACC_C_CREDITED_TOUCHES, /* count of credit rows */
    ACC_C_TTC,              /* money scale: sum of credit × (conv_ts − touch_ts)/1000 */
    ACC_C_N
};

/* Sparse accumulators: sorted unique u64 keys, each with `nvals` attrib_fx values. */
typedef struct attrib_sparse {
    size_t n, cap, nvals;
    uint64_t *key;
    attrib_fx *val; /* n * nvals */
    int sorted;     /* keys sorted and unique */
} attrib_sparse;

/* daily / daily_touch: key = (campaign index << 32) | (uint32_t)(day + 2^31) where day
 * is days since 1970-01-01 (floor); values {conversions (credit scale), value (money)}.
 * advertiser: key = advertiser id; values, all plain counts:
 * {conversions, attributed, no_touch, rule_excluded, outside_window,
 *  dup_touches, dup_touches_inexact, dup_conversions, dup_conversions_inexact}. */
enum { ACC_D_CONVERSIONS, ACC_D_VALUE, ACC_D_N };
enum {
    ACC_A_CONVERSIONS, ACC_A_ATTRIBUTED, ACC_A_NO_TOUCH, ACC_A_RULE_EXCLUDED,
    ACC_A_OUTSIDE_WINDOW, ACC_A_DUP_TOUCHES, ACC_A_DUP_TOUCHES_INEXACT, ACC_A_DUP_CONVERSIONS,
    ACC_A_DUP_CONVERSIONS_INEXACT, ACC_A_N
};

typedef struct attrib_acc {
    size_t ncampaigns;
    attrib_fx *camp; /* ncampaigns * ACC_C_N */
    attrib_sparse daily, daily_touch, advertiser;
} attrib_acc;

void attrib_acc_init(attrib_acc *a, size_t ncampaigns);
void attrib_acc_free(attrib_acc *a);

void attrib_sparse_init(attrib_sparse *s, size_t nvals);
void attrib_sparse_free(attrib_sparse *s);
/* Add `vals` (nvals of them) to key (may leave the map unsorted). The map combines
 * equal keys whenever it would grow, so its size follows its distinct keys. */
void attrib_sparse_add(attrib_sparse *s, uint64_t key, const attrib_fx *vals);
/* Sort by key and combine equal keys. */
void attrib_sparse_finish(attrib_sparse *s);
/* Merge another finished map into a finished map (sums equal keys). */
void attrib_sparse_merge(attrib_sparse *dst, const attrib_sparse *src);

/* Build the four report tables (initialised here) from a fully reduced accumulator.
 * report/campaign has one row per catalog campaign (zero rows included), sorted by
 * campaign_id; the others sorted by their keys. */
void attrib_acc_to_tables(const attrib_acc *a, const attrib_rules *bound_rules,
                          attrib_table *campaign, attrib_table *daily, attrib_table *daily_touch,
                          attrib_table *advertiser);

typedef struct attrib_engine_cfg {
    const attrib_rules *rules; /* bound */
    int64_t from, to;          /* period [from, to); INT64_MIN / INT64_MAX when open */
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

/* ---- The engine over packed rows (what `attrib run` uses) ----
 *
 * A row of each input table packed into 40 bytes, exactly its values (nothing derived),
 * so rows travel between ranks as one block and the engine reads them sequentially. */
typedef struct attrib_ev_rec {
    uint64_t identity, event_id;
    int64_t ts;
    double cost;
    uint32_t campaign_id;
    uint8_t kind;
    uint8_t pad[3]; /* zero */
} attrib_ev_rec;

typedef struct attrib_cv_rec {
    uint64_t identity, conversion_id;
    int64_t ts;
    double value;
    uint32_t advertiser_id;
    uint16_t type;
    uint16_t pad; /* zero */
} attrib_cv_rec;

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
/* Add the per-advertiser counters to the accumulator, finish its sparse maps, free. */
void attrib_engine_close(attrib_engine *e);

/* Packing rows into records grouped by destination. `slot_of_part[q]` is the slot of
 * logical partition q (slots are the caller's order of destinations, e.g. (rank,
 * partition)), or -1 to leave out the rows of q. attrib_pack_slots() writes the slot of
 * each of n rows to slot[i] (-1 when left out) and adds to count[slot]; then, with
 * cursor[s] = the position of slot s's next row in `out`, attrib_pack_events/_conversions
 * copy the n rows (column pointers already offset to the first row) to their slots'
 * positions, advancing the cursors. Local. */
typedef struct attrib_ev_cols {
    const uint64_t *identity, *event_id;
    const int64_t *ts;
    const uint32_t *campaign_id;
    const uint8_t *kind;
    const double *cost;
} attrib_ev_cols;
typedef struct attrib_cv_cols {
    const uint64_t *identity, *conversion_id;
    const int64_t *ts;
    const uint32_t *advertiser_id;
    const uint16_t *type;
    const double *value;
} attrib_cv_cols;
void attrib_pack_slots(const uint64_t *identity, size_t n, const int32_t *slot_of_part,
                       int32_t *slot, uint64_t *count);
void attrib_pack_events(const attrib_ev_cols *c, size_t n, const int32_t *slot,
                        uint64_t *cursor, attrib_ev_rec *out);
void attrib_pack_conversions(const attrib_cv_cols *c, size_t n, const int32_t *slot,
                             uint64_t *cursor, attrib_cv_rec *out);

/* Sort helper: a stable permutation ordering rows lexicographically by keys[0],
 * keys[1], … (unsigned 64-bit; map signed values with x ^ (1ull<<63)): an LSD radix sort
 * (11-bit digits, those constant over all rows skipped) on keys[0], then each run of
 * rows equal in it sorted by the remaining keys the same way (merge sort for short
 * runs); n <= UINT32_MAX. perm has n entries (output). Scratch: 12 + 8 × nkeys bytes per
 * row, freed before return. Local. */
void attrib_sort_lex(size_t n, size_t nkeys, const uint64_t *const *keys, uint32_t *perm);

/* Row a before row b in the order of attrib_sort_lex. */
static inline int attrib_lex_less(size_t nkeys, const uint64_t *const *keys, uint32_t a,
                                  uint32_t b)
{
    for (size_t k = 0; k < nkeys; k++)
        if (keys[k][a] != keys[k][b])
            return keys[k][a] < keys[k][b];
    return 0;
}

/* Merge the sorted runs src[s..m) and src[m..e) of row indices into dst[s..e), stably
 * (ties keep the first run first), in the order of attrib_sort_lex. */
void attrib_lex_merge(const uint32_t *src, size_t s, size_t m, size_t e, uint32_t *dst,
                      size_t nkeys, const uint64_t *const *keys);


/* ==== explain: additions used by src/core/explain.c (attrib explain, run --explain);
 * attrib_engine_run does not call them. All local. ==== */

/* The engine's model: shares of n >= 1 candidates in (ts, event_id) order, `age` =
 * c.ts - t.ts of each (ms), written to share[0..n). Bit-identical to the engine's. */
void attrib_engine_model_shares(const attrib_adv_rule *r, size_t n, const uint64_t *age,
                                double *share);
/* The engine's dedup (SPEC 4.1) of rows [e0, e0+n) of `events`, all of one identity:
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

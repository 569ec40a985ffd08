/* attrib — the synthetic data generator behind `attrib gen` (pure, no MPI, no I/O).
 *
 * Every row is a pure function of (seed, identity number, row index within the
 * identity): a counter-based generator (splitmix64 finaliser over those counters), so
 * any contiguous range of identities — and any row range inside one identity — can be
 * generated on its own and gives the same rows whatever the split. That is what makes
 * `mpirun -n P attrib gen` write the same tables for every P with bounded memory.
 *
 * Exact sizes: identity i has an activity weight w_i (heavy-tailed, Zipf-like, capped)
 * for events and v_i for conversions. With S_i = w_0 + … + w_{i-1} and W = S_I, the
 * identity's first event row is floor(N·S_i/W) and its count
 * floor(N·S_{i+1}/W) − floor(N·S_i/W): the counts telescope to exactly N. Integer
 * sums (128-bit) make this independent of how the identities are split.
 *
 * Everything here is local.
 */
#ifndef ATTRIB_GEN_H
#define ATTRIB_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/hash.h"
#include "attrib/table.h"

typedef unsigned __int128 attrib_u128;

#define ATTRIB_GEN_MAX_ROWS (UINT64_C(1) << 40)
#define ATTRIB_DAY_MS INT64_C(86400000)

typedef struct attrib_gen_params {
    uint64_t events;        /* N: exact number of event rows (duplicates included) */
    uint64_t conversions;   /* M: exact number of conversion rows */
    uint64_t identities;    /* I >= 1 */
    uint32_t advertisers;   /* A >= 1 */
    uint32_t campaigns;     /* C >= 1; campaign c belongs to advertiser ((c-1) % A) + 1 */
    int64_t from_ms;        /* start of the period (conversions) */
    uint32_t days;          /* period length in days (>= 1) */
    uint32_t lookback_days; /* touches also in [from - lookback_days, from) */
    uint64_t seed;
    attrib_hash_key key; /* identity hashing key (as import uses) */
    /* The identity graph (gen --links): identity number i is then a person with 1..devices
     * device identities (uniform), its rows spread over them and its devices linked as a
     * chain (sometimes closed into a cycle); `hubs` shared devices, hub h linked to one
     * device of each person i < hubs·hub_persons with i % hubs == h. devices == 1 and
     * hubs == 0: no links, and the rows are exactly those of a generator without them. */
    uint32_t devices;     /* 1..ATTRIB_GEN_MAX_DEVICES (0 is taken as 1) */
    uint32_t hubs;        /* 0..ATTRIB_GEN_MAX_HUBS */
    uint64_t hub_persons; /* persons per hub, >= 1 */
} attrib_gen_params;

#define ATTRIB_GEN_MAX_DEVICES 16
#define ATTRIB_GEN_MAX_HUBS 1000000
/* Links one person contributes at most (chain, cycle, hub, a repeat, a self link). */
#define ATTRIB_GEN_MAX_PERSON_LINKS (ATTRIB_GEN_MAX_DEVICES + 3)

/* Conversion type names, sorted bytewise; conversions.type indexes this list. */
#define ATTRIB_GEN_NTYPES 3
extern const char *const attrib_gen_type_names[ATTRIB_GEN_NTYPES];
enum { ATTRIB_GEN_ADD_TO_CART = 0, ATTRIB_GEN_PURCHASE = 1, ATTRIB_GEN_SIGNUP = 2 };

/* Which table a cursor produces. */
enum attrib_gen_table { ATTRIB_GEN_EVENTS = 0, ATTRIB_GEN_CONVERSIONS = 1 };

typedef struct attrib_gen attrib_gen;

/* Validate the parameters and build a generator. Returns 0 or ATTRIB_EUSAGE with a
 * message. *out is owned by the caller (attrib_gen_free). */
int attrib_gen_create(const attrib_gen_params *p, attrib_gen **out);
void attrib_gen_free(attrib_gen *g); /* NULL ok */
const attrib_gen_params *attrib_gen_params_of(const attrib_gen *g);

/* Sums of the event and conversion weights of identities [lo, hi). */
void attrib_gen_weight_sum(const attrib_gen *g, uint64_t lo, uint64_t hi, attrib_u128 *we,
                           attrib_u128 *wc);
/* Tell the generator the totals over all identities (needed before any cursor). */
void attrib_gen_set_totals(attrib_gen *g, attrib_u128 we_total, attrib_u128 wc_total);
/* Without MPI: compute the totals by a pass over all identities. */
void attrib_gen_compute_totals(attrib_gen *g);

/* Global row index of the first row of identity `id` in table `which`, given the
 * weight prefix S_id of that table (id == I gives the table's row count). */
uint64_t attrib_gen_row_of(const attrib_gen *g, int which, attrib_u128 prefix);

/* The rows of one identity range, produced in batches. Fields are private. */
typedef struct attrib_gen_cursor {
    const attrib_gen *g;
    int which;
    uint64_t id, id_hi; /* current identity, end of the range */
    attrib_u128 pe, pc; /* event and conversion weight prefixes of `id` */
    uint64_t j;         /* next row within the identity */
    int have_ident;
    _Alignas(16) unsigned char ident[512]; /* cached per-identity state (opaque) */
} attrib_gen_cursor;

/* Start a cursor over identities [lo, hi) of table `which`; `we_lo` and `wc_lo` are the
 * event and conversion weight prefixes S_lo (from attrib_gen_weight_sum over [0, lo),
 * or an exclusive scan of range sums). */
void attrib_gen_cursor_init(attrib_gen_cursor *c, const attrib_gen *g, int which, uint64_t lo,
                            uint64_t hi, attrib_u128 we_lo, attrib_u128 wc_lo);
/* Append up to `max` rows to `out` (schema events or conversions per `which`).
 * When `ids` is not NULL (room for `max`), ids[k] receives the identity number of the
 * k-th appended row (for writing raw identifiers, see attrib_gen_identity_string).
 * Returns the number appended (0 when the range is exhausted). */
size_t attrib_gen_cursor_fill(attrib_gen_cursor *c, attrib_table *out, size_t max, uint64_t *ids);

/* The campaigns catalog (C rows, names "Campaign 14 (adv 4)"), into `out`
 * (initialised here; caller frees). */
void attrib_gen_campaigns(const attrib_gen *g, attrib_table *out);

/* The raw identifier of identity code `id` ("u000000000001@example.test"); writes at
 * most 64 bytes including the NUL and returns the length. A code is an identity (person)
 * number i < 2^40 for its first device, i + t·2^40 for its device t >= 1
 * ("u000000000001-d2@example.test"), ATTRIB_GEN_HUB_CODE(h) for hub h
 * ("hub000000000001@example.test"); the ids of attrib_gen_cursor_fill are codes. */
size_t attrib_gen_identity_string(uint64_t id, char out[64]);
#define ATTRIB_GEN_CODE_SHIFT 40
#define ATTRIB_GEN_HUB_CODE(h) ((UINT64_C(0xFFFF) << ATTRIB_GEN_CODE_SHIFT) | (uint64_t)(h))

/* Does the generator make links (devices > 1 or hubs > 0)? */
int attrib_gen_has_links(const attrib_gen *g);
/* Devices of person `id` (1 without links). */
uint32_t attrib_gen_devices_of(const attrib_gen *g, uint64_t id);
/* The links person `id` contributes, as identity codes a[k] - b[k] (room for
 * ATTRIB_GEN_MAX_PERSON_LINKS): its device chain d0-d1, d1-d2, …; for some persons of 3+
 * devices the closing edge of a cycle; its hub edge (hub, one of its devices); and, for
 * a few persons, the chain's first edge again reversed and a self link d0-d0, as real
 * link feeds have (import and gen store them once / drop them). Returns the count. */
size_t attrib_gen_person_links(const attrib_gen *g, uint64_t id, uint64_t *a, uint64_t *b);
/* The identity hash of an identity code. */
uint64_t attrib_gen_code_hash(const attrib_gen *g, uint64_t code);

#endif

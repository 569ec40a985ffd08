/* attrib — input rows packed as 40-byte records (core): what the exchange moves between
 * ranks and the engine reads, and the packing of columns into them by destination. */
#ifndef ATTRIB_RECORDS_H
#define ATTRIB_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/table.h"

/* A row of each input table packed into 40 bytes, exactly its values (nothing derived),
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

/* The order of the rows inside each partition of a partitioned store (docs/formats.md):
 * identity, ts, the id, then the other columns in table order (amounts by their bits),
 * a total order of the row's values. Stable merge sort; tmp has room for n. Local. */
void attrib_sort_stored_events(attrib_ev_rec *a, size_t n, attrib_ev_rec *tmp);
void attrib_sort_stored_conversions(attrib_cv_rec *a, size_t n, attrib_cv_rec *tmp);
/* Records e[0..n) into rows [at, at + n) of t (events / conversions schema; t has them
 * already). Local. */
void attrib_unpack_events(const attrib_ev_rec *e, size_t n, attrib_table *t, size_t at);
void attrib_unpack_conversions(const attrib_cv_rec *c, size_t n, attrib_table *t, size_t at);

#endif

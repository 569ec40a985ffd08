/* attrib — the record exchange (par layer): fixed-size records (the 40-byte rows of
 * `attrib run`, attrib_ev_rec / attrib_cv_rec) sent to the ranks that own their logical
 * partitions, one wave of partitions at a time.
 *
 * Layout of a wave. A wave is a set of logical partitions (those q with
 * wave_of_part[q] == w). Its partitions are numbered as slots ordered by (owner rank,
 * partition index): rank r's partitions of the wave are the slots slot0[r] ..
 * slot0[r] + nslot[r] - 1, in increasing partition index; partitions outside the wave
 * have slot -1. Every rank builds the same layout from the same plan.
 *
 * Sending. A sender groups its records by slot, in slot order (attrib_pack_slots and
 * attrib_pack_events/_conversions of engine.h do exactly that), and calls
 * attrib_recx_exchange with the count of each slot. One call is one step: one
 * MPI_Alltoallv of the per-slot counts, one of the records, and an agreement after each
 * (and after the capacity check between them), so that no rank enters a collective that
 * another has left.
 *
 * Store. What a rank receives: `rows` (n of cap records of `recsize` bytes) in blocks.
 * A step appends one block per source rank, in rank order; block b starts at row
 * base[b] and holds, for each of this rank's `nmine` slots j of the wave (j in slot
 * order, i.e. its partitions in increasing index), cnt[b * nmine + j] records of that
 * partition, in the sender's order. So partition j's rows are its pieces of every block,
 * block after block: the order is fixed by the steps and the senders, never by timing.
 */
#ifndef ATTRIB_RECX_H
#define ATTRIB_RECX_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/par.h"

typedef struct attrib_recx_layout {
    int nranks;
    uint32_t npart;
    int32_t *slot_of_part; /* npart entries; -1 outside the wave */
    int *nslot, *slot0;    /* per rank: its slots of the wave, and the first */
    uint32_t nslots;       /* the wave's partitions */
} attrib_recx_layout;

/* Local. The layout of wave w of `npart` partitions owned by owner[q] (0 <= owner[q] <
 * nranks). Free with attrib_recx_layout_free. */
void attrib_recx_layout_build(int nranks, uint32_t npart, const int *owner,
                              const uint16_t *wave_of_part, int w, attrib_recx_layout *L);
void attrib_recx_layout_free(attrib_recx_layout *L);

typedef struct attrib_recx_store {
    size_t recsize;
    char *rows;       /* cap records */
    uint64_t n, cap;  /* records held, and room (the exact count the plan expects) */
    uint32_t nmine;   /* this rank's slots of the wave */
    uint32_t *cnt;    /* per block: nmine record counts */
    uint64_t *base;   /* per block: its first row */
    size_t nblk, blkcap;
} attrib_recx_store;

/* Local. An empty store for `cap` records of `recsize` bytes and `nmine` slots (this
 * rank's nslot of the layout). Free with attrib_recx_store_free (which also accepts a
 * zeroed store). */
void attrib_recx_store_init(attrib_recx_store *s, size_t recsize, uint32_t nmine, uint64_t cap);
void attrib_recx_store_free(attrib_recx_store *s);

/* Local. Append one block of records that stay on this rank (a run at one rank has no
 * one to send to): count[j] records of each of the nmine slots. Returns where the
 * caller writes them (sum of count records, grouped by slot in slot order), or NULL with
 * ATTRIB_EINTERNAL set when they exceed the store's cap (nothing appended). */
char *attrib_recx_store_append(attrib_recx_store *s, const uint64_t *count);

/* Collective (the same layout on every rank; a rank with nothing to send passes counts
 * of 0). `send` holds this rank's records grouped by slot in slot order, count[s] of
 * slot s (L->nslots entries, each below 2^32; the sum and what a rank receives below
 * 2^31 records). Sends every slot's records to the slot's owner and appends what
 * arrives to `st` (one block per source rank, see above). Returns 0, or on every rank
 * the same ATTRIB_EMPI, or ATTRIB_EINTERNAL when a rank would receive more than its
 * store's cap (then that store is unchanged). */
int attrib_recx_exchange(const attrib_par *p, const attrib_recx_layout *L, const void *send,
                         const uint64_t *count, attrib_recx_store *st);

#endif

/* attrib run — the rows' journey from the input file to the engine (cmd_run_rows.c).
 * Private to `attrib run`. See cmd_run_rows.c for the shape. */
#ifndef ATTRIB_RUN_ROWS_H
#define ATTRIB_RUN_ROWS_H

#include <stdint.h>

#include "attrib/engine.h"
#include "attrib/h5io.h"
#include "attrib/par.h"
#include "attrib/table.h"

/* The input as this rank reads it. */
typedef struct run_input {
    attrib_h5file *in;
    const char *path;
    size_t ntypes;
    uint64_t nev, ncv;       /* global rows */
    uint64_t e0, e1, c0, c1; /* this rank's slabs: whole file chunks */
    uint64_t ev_round, cv_round;   /* rows read (and exchanged) per round of each table */
    uint64_t round_rows;           /* the larger of the two: the size of round buffers */
    uint64_t ev_rounds, cv_rounds; /* rounds per wave, the same on every rank */
    uint64_t *eid, *cid;     /* identity columns of the slabs, kept for every wave */
    uint64_t *ev_hist, *cv_hist; /* global rows per logical partition */
    uint64_t *local_rows;        /* this rank's rows (both tables) per logical partition */
} run_input;

/* What a wave received: records grouped per block (round, source rank) and, within a
 * block, by this rank's partitions of the wave in increasing index. */
typedef struct run_store {
    size_t recsize;
    char *rows;
    uint64_t n, cap;
    uint32_t nmine;  /* this rank's partitions in the wave */
    uint32_t *cnt;   /* per block: nmine row counts */
    uint64_t *base;  /* per block: its first row */
    size_t nblk, blkcap;
} run_store;

/* Collective. Slabs, round size, and the identity columns of this rank's slabs; then the
 * global per-partition row counts (ri->ev_hist, ri->cv_hist). `round_rows` = 0 for the
 * default (the files' chunk size, 2^20). */
int run_read_identities(const attrib_par *p, attrib_h5file *in, const char *path,
                        size_t ntypes, uint64_t nev, uint64_t ncv, uint64_t round_rows,
                        run_input *ri);
/* Local. This rank's rows per logical partition (events + conversions), for the plan. */
void run_local_counts(const run_input *ri, uint64_t *rows);

/* Collective. Read the slab again round by round (the columns other than identity),
 * check the input contract, pack the rows of wave w's partitions into records and send
 * them to their owners; fill the stores (events, conversions) of this rank. Adds the
 * seconds spent reading the input to *read_s. */
int run_exchange_wave(const attrib_par *p, run_input *ri, const attrib_plan *plan,
                      const uint16_t *wave_of_part, int w, run_store *ev, run_store *cv,
                      double *read_s);
/* Local. Feed the engine partition by partition from the stores (freed on return);
 * with xconv != NULL also append the /explain/conversion rows (attrib run --explain). */
int run_match_wave(run_store *ev, run_store *cv, attrib_engine *e,
                   const attrib_engine_cfg *cfg, size_t ntypes, attrib_table *xconv);

void run_store_free(run_store *s);
void run_input_free(run_input *ri);

#endif

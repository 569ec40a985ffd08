/* attrib run — the state of a run and the helpers its phases share (private to src/run;
 * the API is include/attrib/run.h). */
#ifndef ATTRIB_RUN_IMPL_H
#define ATTRIB_RUN_IMPL_H

#include <stdint.h>

#include "attrib/engine.h"
#include "attrib/h5io.h"
#include "attrib/input.h"
#include "attrib/journeys.h"
#include "attrib/par.h"
#include "attrib/recx.h"
#include "attrib/rules.h"
#include "attrib/run.h"
#include "attrib/table.h"

/* The input as this rank reads it (run_read.c). */
typedef struct run_input {
    attrib_h5file *in;
    const char *path;
    size_t ntypes;
    uint64_t nev, ncv;             /* global rows */
    uint64_t e0, e1, c0, c1;       /* this rank's slabs: whole file chunks */
    uint64_t ev_round, cv_round;   /* rows read (and exchanged) per round of each table */
    uint64_t round_rows;           /* the larger of the two: the size of round buffers */
    uint64_t ev_rounds, cv_rounds; /* rounds per wave, the same on every rank */
    uint64_t *eid, *cid;           /* identity columns of the slabs, kept for every wave */
    uint64_t *ev_hist, *cv_hist;   /* global rows per logical partition (plan) */
    uint64_t *local_rows;          /* this rank's rows (both tables) per logical partition */
    uint64_t ev_unit, cv_unit;     /* rows per file chunk of each table */
    /* A partitioned store read directly (no stitch): no slabs, no identity columns held;
     * the index of the input (attrib_input: ev_off, cv_off) gives every partition's rows. */
    int direct;
    const uint64_t *ev_off, *cv_off;
} run_input;

struct attrib_run {
    const attrib_par *p;
    attrib_run_opts o;
    attrib_run_figures fig;
    double t;                  /* start of the current phase */
    /* rules */
    attrib_rules *rules;
    char *rules_text;          /* the rules file's text, recorded in the results */
    /* read */
    attrib_input *in;
    char *identity_hash;       /* the input's root attribute, NULL when it has none */
    uint32_t in_crc;
    uint64_t in_size;
    run_input ri;
    /* plan */
    attrib_plan plan;
    attrib_run_waves waves;
    /* exchange, match: the current wave's records */
    attrib_recx_store sev, scv;
    attrib_engine_cfg cfg;
    attrib_engine *eng;
    attrib_acc acc;
    int acc_init;
    /* results */
    attrib_table credits, unattr, xconv, labels;
    attrib_table rep[4];       /* report/campaign, daily, daily_touch, advertiser */
    attrib_pathmap *paths;     /* this rank's journeys; after the fit, rank 0: all */
    attrib_pathrows *prows;    /* rank 0 after the fit: /report/paths in order */
    attrib_table dd[4];        /* rank 0: report/paths (a block), markov, shapley, models */
};

/* test hook: ATTRIB_TEST_CRASH="PHASE:RANK" makes that rank SIGKILL itself (run.c). */
void run_test_crash(const attrib_par *p, const char *phase);

/* Collective (run_read.c). Slabs, round size, and the identity columns of this rank's
 * slabs. `round_rows` = 0 for the default (the files' chunk size, 2^20). */
int run_read_identities(const attrib_par *p, attrib_h5file *in, const char *path,
                        size_t ntypes, uint64_t nev, uint64_t ncv, uint64_t round_rows,
                        run_input *ri);
/* Collective (run_read.c). For a partitioned store read directly: the round sizes and
 * the global per-partition row counts (ri->ev_hist, ri->cv_hist) from its index; nothing
 * is read and no slab is held. */
int run_read_index(const attrib_par *p, const attrib_input *in, uint64_t round_rows, run_input *ri);
/* Collective (run_read.c). The global per-partition row counts (ri->ev_hist,
 * ri->cv_hist) and this rank's (ri->local_rows) of the identity columns as they are now
 * (after the stitch). */
int run_count_partitions(const attrib_par *p, run_input *ri);
void run_input_free(run_input *ri);

/* Collective (run_exchange.c). Read the slab again round by round (the columns other
 * than identity), check the input contract, pack the rows of wave w's partitions into
 * records and send them to their owners; fill the stores (events, conversions) of this
 * rank. Adds the seconds spent reading the input to *read_s. */
int run_exchange_wave(const attrib_par *p, run_input *ri, const attrib_plan *plan,
                      const uint16_t *wave_of_part, int w, attrib_recx_store *ev,
                      attrib_recx_store *cv, double *read_s);

/* Rows per step of a partitioned store's read (run_direct_stream): about 20 MiB of
 * records, which the allocator reuses from step to step (below its mmap threshold). */
#define RUN_STEP_ROWS (UINT64_C(1) << 19)

typedef struct run_stream_figures {
    double read_s;     /* reading the input (HDF5, decompression) */
    double match_s;    /* the engine */
    uint64_t rows, bytes; /* records of this rank, and their bytes */
} run_stream_figures;

/* Collective (run_exchange.c). The exchange and match of wave w for a partitioned store
 * (ri->direct): this rank reads the rows of its partitions of the wave, one range of
 * each table, a step of whole partitions at a time (RUN_STEP_ROWS); checks them (the
 * input contract, and that each row lies in the partition the index gives it), packs
 * them into records and feeds the engine before reading the next step. Nothing is sent
 * and nothing waits for the other ranks until the wave's end. Adds to *fig. */
int run_direct_stream(const attrib_par *p, run_input *ri, const attrib_plan *plan,
                      const uint16_t *wave_of_part, int w, attrib_engine *e,
                      const attrib_engine_cfg *cfg, attrib_table *xconv, run_stream_figures *fig);

/* Local (run_match.c). Feed the engine partition by partition from the stores (freed on
 * return); with xconv != NULL also append the /explain/conversion rows. */
int run_match_wave(attrib_recx_store *ev, attrib_recx_store *cv, attrib_engine *e,
                   const attrib_engine_cfg *cfg, size_t ntypes, attrib_table *xconv);

#endif

/* attrib — the distributed attribution run (app layer, src/run): the pipeline behind
 * `attrib run`, one function per phase, and its memory model.
 *
 *   rules     rank 0 parses and validates the rules, every rank gets the parsed form
 *   read      open and validate the input, bind the rules; each rank reads the identity
 *             column of its slab of /events and /conversions (whole file chunks)
 *   stitch    when the input has /links (and not no_stitch): the identity graph's
 *             components across ranks (include/attrib/idgraph.h), and every identity read
 *             replaced by its person's, before anything is partitioned or deduplicated
 *   plan      rows per logical partition → owner ranks (balanced by bytes); under a
 *             memory budget, the waves: groups of partitions exchanged and matched at
 *             a time
 *   exchange  per wave: read the other columns round by round, check the input
 *             contract, pack rows into 40-byte records and send them to their owners
 *             (attrib_recx_exchange, include/attrib/recx.h)
 *   match     per wave: feed the engine partition by partition (credits, unattributed,
 *             report sums, journeys; with explain, the /explain/conversion rows)
 *   fit       the journeys' paths to rank 0, the data-driven models fitted there, the
 *             removal effects back to every rank for the markov credit
 *   reduce    exact report sums to rank 0
 *   sort      the global order of /credits and /unattributed, independent of the rank
 *             count (docs/formats.md)
 *   write     every table and the root attributes to a file (the caller's temporary
 *             name: the command renames it, include/attrib/output.h)
 *
 * Usage: attrib_run_create; attrib_run_rules; attrib_run_read; attrib_run_stitch; attrib_run_plan; for w in
 * 0 .. nwaves-1: attrib_run_exchange(w), attrib_run_match(w); attrib_run_fit; attrib_run_reduce;
 * attrib_run_sort; attrib_run_write; attrib_run_free. The phase functions are collective
 * over the context given to attrib_run_create (every rank calls them in this order with
 * identical options) and return the same code on every rank: 0, or a negative attrib_err
 * with the message (naming file, dataset and row for input errors) in attrib_err_msg().
 * After a failure only attrib_run_figures and attrib_run_free may be called. They print
 * nothing: the figures are for the caller to render.
 *
 * Test hook: with ATTRIB_TEST_CRASH="PHASE:RANK" in the environment, rank RANK kills
 * itself (SIGKILL) as phase PHASE begins (rules, read, stitch, plan, exchange, match, reduce,
 * sort; write once the credits are written, the file half done).
 */
#ifndef ATTRIB_RUN_H
#define ATTRIB_RUN_H

#include <stdint.h>

#include "attrib/idgraph.h"
#include "attrib/input.h"
#include "attrib/par.h"

typedef struct attrib_run_opts {
    const char *rules;  /* rules file */
    const char *input;  /* input HDF5 file (attrib import / attrib gen) */
    int64_t from, to;   /* period [from, to); INT64_MIN / INT64_MAX when open */
    int model;          /* enum attrib_model replacing every advertiser's, or -1 */
    const char *model_name; /* as the user named it, recorded in the results; NULL */
    int level;          /* zstd level of the output, 0..22 (0: no compression) */
    int explain;        /* also write /explain/conversion */
    int labels;         /* also write /labels (one row per touch of the period) */
    const int *compare; /* --compare: models (ATTRIB_MODEL_OWN for the rules'), or NULL */
    size_t ncompare;
    const char *compare_arg; /* as the user gave it, recorded in the results; NULL */
    int journeys;       /* count journeys and fit the data-driven models even when no
                           advertiser uses them and there is no --compare */
    uint64_t memory_per_rank; /* bytes per rank, 0 = no budget */
    int no_stitch;      /* ignore the input's /links */
    uint64_t max_component; /* largest component merged, 0 = ATTRIB_RUN_MAX_COMPONENT */
} attrib_run_opts;
#define ATTRIB_RUN_MAX_COMPONENT ATTRIB_IDGRAPH_MAX_COMPONENT

/* The phases that are timed (seconds_<name> in the results), in order. */
enum {
    ATTRIB_RUN_READ, ATTRIB_RUN_STITCH, ATTRIB_RUN_PLAN, ATTRIB_RUN_EXCHANGE, ATTRIB_RUN_MATCH, ATTRIB_RUN_FIT,
    ATTRIB_RUN_REDUCE, ATTRIB_RUN_SORT, ATTRIB_RUN_WRITE, ATTRIB_RUN_NPHASES
};
extern const char *const attrib_run_phase_names[]; /* "read", "stitch", … "write", NULL */

/* What the phases found, the same on every rank unless said otherwise. Filled as the
 * phases go; owned by the run. */
typedef struct attrib_run_figures {
    double t_start;                /* attrib_par_wtime() at attrib_run_create */
    /* read */
    const attrib_input *input;     /* the open input (type names, catalog, the rules'
                                      binding warnings); NULL before read */
    uint64_t nevents, nconversions;
    int direct;                    /* a partitioned store read where it lies: no exchange
                                      (the input has /partitions and is not stitched) */
    /* stitch */
    int stitched;                  /* the identities were stitched (the input has /links,
                                      no no_stitch) */
    uint64_t max_component;        /* the cap in force */
    attrib_idgraph_figures idg;    /* zeros when not stitched */
    /* plan */
    const attrib_plan *plan;       /* NULL before plan */
    uint64_t rank_rows_max, rank_rows_min;
    int nwaves;                    /* 1 without a memory budget */
    uint64_t round_rows;           /* rows read and exchanged per round */
    uint64_t wave_room;            /* bytes a wave's records may take per rank (budget) */
    uint64_t largest_partition_bytes; /* its records' bytes, by the memory model */
    /* exchange: the wave last exchanged */
    uint64_t wave_rows, wave_bytes; /* records received by all ranks, and their bytes */
    double wave_read_s;            /* this rank: seconds reading the input in it */
    double wave_exchange_s;        /* this rank: seconds of the wave's exchange (for a
                                    * partitioned store: its reading, checking and packing,
                                    * interleaved with the match in attrib_run_match) */
    /* match, after the last wave */
    uint64_t ncredits, nunattributed;
    uint64_t nlabels;              /* rows of /labels (0 without labels) */
    /* fit */
    uint64_t journeys, paths;      /* journeys counted, distinct (advertiser, path) */
    uint64_t markov_pending;       /* conversions credited (or compared) by markov */
    int datadriven;                /* journeys counted, /report/paths, markov, shapley written */
    /* seconds per phase (this rank's clock; exchange and match over every wave) */
    double seconds[ATTRIB_RUN_NPHASES];
    /* write */
    uint64_t peak_rss_max;         /* bytes: the largest peak resident set over ranks */
} attrib_run_figures;

typedef struct attrib_run attrib_run;

/* Collective (identical options). A run over p's communicator; `o` (and the strings it
 * points to) must outlive it. *out is owned by the caller (attrib_run_free). */
void attrib_run_create(const attrib_par *p, const attrib_run_opts *o, attrib_run **out);

/* Collective. Load the rules file on rank 0, send the parsed rules and the file's text
 * to every rank, apply o->model. */
int attrib_run_rules(attrib_run *r);

/* Collective. Open the input (attrib_input_open: validates it and binds the rules), check
 * the memory budget before reading anything large (too small: ATTRIB_EUSAGE naming the
 * rank count needed), read each rank's identities and count rows per partition, and
 * checksum the input file. */
int attrib_run_read(attrib_run *r);

/* Collective. When the input has /links and o->no_stitch is not set: read each rank's
 * slab of them, find the components across ranks and replace every identity read by
 * its person's (the component's smallest hash for a component of at most
 * o->max_component vertices; docs/identity.md). A graph that does not fit the memory
 * budget is ATTRIB_EINPUT naming the budget it needs. Without links: nothing. */
int attrib_run_stitch(attrib_run *r);

/* Collective. The partition plan and, under a memory budget, the waves. */
int attrib_run_plan(attrib_run *r);

/* Collective, w = 0 .. nwaves-1 in order, each followed by attrib_run_match(r, w). Read
 * the other columns, check the input contract (a bad kind, type or timestamp is
 * ATTRIB_EINPUT naming dataset and row), and exchange the rows of wave w's partitions to
 * their owners. For a partitioned store read in place (figures.direct) nothing happens
 * here: attrib_run_match reads the rows itself, a step of partitions at a time. */
int attrib_run_exchange(attrib_run *r, int w);

/* Collective. Match wave w's partitions on their owner (for a partitioned store: read,
 * check and match them a step at a time; the reading counts as the exchange phase);
 * after the last wave close the input file and count the credits and unattributed rows. */
int attrib_run_match(attrib_run *r, int w);

/* Collective. The data-driven models: every rank's journeys to rank 0, which writes
 * /report/paths and fits each advertiser (/report/markov, /report/shapley); the removal
 * effects go back to every rank, which gives the conversions waiting for them (model
 * markov, --compare) their credit. Then the engine closes. */
int attrib_run_fit(attrib_run *r);

/* Collective. The report tables: exact sums on rank 0. */
int attrib_run_reduce(attrib_run *r);

/* Collective. /credits, /unattributed and /labels in their global order, rank r holding
 * the r-th range (/explain/conversion is sorted as it is written). */
int attrib_run_sort(attrib_run *r);

/* Collective (identical arguments). Create `path` and write every table and the root
 * attributes (docs/formats.md), then close it; messages call the file `name` (the path
 * the user gave, when `path` is its temporary name; NULL: `path`). The caller removes
 * the file on failure (attrib_output_finish does). A write failure that leaves HDF5's
 * collective close unsafe (a full disk) ends the job from the io layer, exit 2, with
 * the message printed there (include/attrib/h5io.h). */
int attrib_run_write(attrib_run *r, const char *path, const char *name);

/* Local. The figures so far. */
const attrib_run_figures *attrib_run_figures_of(const attrib_run *r);

/* Collective. Close the input and free everything; NULL ok. */
void attrib_run_free(attrib_run *r);

/* ---- The memory model (src/run/waves.c; local, the same result on every rank) ----
 *
 * Estimated peak of a rank: a fixed base (MPI, HDF5, libraries), the identity column of
 * its slab (8 bytes per row, held for the whole run), the buffers of one read round (its
 * other columns, packed records and slots: 80 bytes per row of a round), and per wave
 * the records it receives (40 bytes per row) plus a tenth for the partition buffers and
 * the engine's scratch. Output rows (credits) come on top: they are what the run is
 * for. With labels, each event row also holds its label row (88 bytes) and, for the
 * sort, a second copy of it, for the whole run. Under a budget, rounds shrink to a
 * quarter of the room the identities (and labels) leave. */

/* Local. Before reading: can `nranks` ranks hold the identities of `nrows` input rows
 * (events + conversions) under `budget` bytes each (0: no budget), with room for the
 * rounds and waves? Returns 0 with *round_rows the rows per read round (0: the default,
 * under no budget), or ATTRIB_EUSAGE: "--memory-per-rank B MiB is too small for N ranks:
 * … these data need at least K ranks at this budget" (K ranks pass this check), or
 * "… is below the M MiB a rank needs before any data". */
int attrib_run_check_budget(uint64_t budget, uint64_t nrows, int nranks, uint64_t *round_rows);
/* Local. The same given the bytes all ranks together hold for the whole run (`held`:
 * 8 per row for the identities, plus ATTRIB_RUN_LABEL_BYTES per event with labels). */
int attrib_run_check_budget_held(uint64_t budget, uint64_t held, int nranks, uint64_t *round_rows);
#define ATTRIB_RUN_LABEL_BYTES 176 /* a label row (88 bytes) and its copy in the sort */

typedef struct attrib_run_waves {
    int n;             /* number of waves (1 without a budget) */
    uint16_t *of_part; /* plan->npart entries: the wave of each logical partition */
    uint64_t room;     /* bytes of records a wave may bring to a rank (0: no budget) */
    uint64_t largest;  /* bytes of the largest partition's records, by the model */
} attrib_run_waves;

/* Local. Split each rank's partitions, in index order, into the same number n of waves
 * so that REC_BYTES (44) times the rows of a rank's wave fits the room the budget leaves
 * once the identities of the largest slab (`slab_rows_max` rows, the maximum over ranks)
 * and one round of `round_rows` rows are held: n = the largest over ranks of
 * ceil(44 * rank_rows / room) (at most 65535), and a rank's wave k holds the partitions whose running
 * row count (before them) lies in [k, k+1) * rank_rows / n. A partition is never split,
 * so a wave can exceed rank_rows / n by less than its last partition; one partition
 * larger than the room may exceed the budget (w->largest > w->room says so). Without a
 * budget: one wave. Every rank computes the same table from the same plan. *w is owned
 * by the caller (attrib_run_waves_free). */
void attrib_run_plan_waves(uint64_t budget, const attrib_plan *plan, int nranks,
                           uint64_t slab_rows_max, uint64_t round_rows, attrib_run_waves *w);
void attrib_run_waves_free(attrib_run_waves *w);

#endif

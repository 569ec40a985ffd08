/* attrib — the MPI layer: communicator context, agreement on errors, progress.
 * Library code takes an attrib_par (never MPI_COMM_WORLD).
 *
 * The MPI-failure policy, the same everywhere: MPI calls return codes (main() sets
 * MPI_ERRORS_RETURN); a failed call that returns attrib's code becomes ATTRIB_EMPI with a
 * message naming the call, and the ranks agree at the phase boundary (exit 3); a failed
 * collective whose result the caller cannot do without (a sum, a maximum, the agreement
 * itself) ends the job at once through attrib_par_die (MPI_Abort, exit 3), so no rank
 * waits in a collective the others left. */
#ifndef ATTRIB_PAR_H
#define ATTRIB_PAR_H

#include <mpi.h>
#include <stdio.h>
#include <stdint.h>

#include "attrib/partition.h"
#include "attrib/table.h"

typedef struct attrib_par {
    MPI_Comm comm;
    int rank, size;
    double t_start;  /* MPI_Wtime() at init */
    double t_phase;  /* start of the current phase */
    int progress;    /* print progress lines (rank 0 only) */
} attrib_par;

/* Collective. Fill the context for `comm`. */
void attrib_par_init(attrib_par *p, MPI_Comm comm);

/* Collective. Agree on the outcome of a phase: every rank passes its local rc (0 or
 * negative). Returns 0 everywhere when all succeeded; otherwise every rank returns the
 * rc of the lowest failing rank and holds its message in attrib_err_msg(), prefixed
 * with "rank R: " when the job has more than one rank — except when every rank failed
 * with the same code (an outcome agreed before, or one cause all saw): then each keeps
 * its own message, so agreeing on an agreed outcome changes nothing. */
int attrib_par_agree(const attrib_par *p, int rc);

/* Local, noreturn. Unrecoverable failure: print "attrib: rank R: fatal: …" and
 * MPI_Abort(comm, 3) so that no rank hangs. */
_Noreturn void attrib_par_die(const attrib_par *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Collective. Make string column widths of `t` equal on all ranks (the max). */
void attrib_par_agree_strw(const attrib_par *p, attrib_table *t);

/* Local (rank 0 prints; others return). Start a phase / end a phase with a line
 * "attrib: <phase>: <rows> rows, <MiB> MiB, <s> s" on stderr. `rows` and `bytes` are
 * the global totals the caller computed. */
void attrib_progress_begin(attrib_par *p, const char *phase);
void attrib_progress_end(attrib_par *p, const char *phase, uint64_t rows, uint64_t bytes,
                         const char *extra);

/* ---- The silence watchdog (watchdog.c) ----
 * A thread per rank exchanges heartbeats with rank 0 on a communicator of its own; a
 * rank not heard from for `timeout` seconds (a host down, a network partition) makes
 * the rank that noticed print one line naming the silent ranks, their hosts and the
 * phase, and _exit(3). Local work does not count, however long. Needs
 * MPI_THREAD_MULTIPLE (else it stays off), and more than one rank. */
#define ATTRIB_SILENCE_TIMEOUT_DEFAULT 60.0

/* Local. ATTRIB_SILENCE_TIMEOUT (seconds, 0 = off), or the default when unset; a bad
 * value is reported on stderr and the default used. */
double attrib_par_timeout_env(void);

/* Collective the first time it starts the thread (every rank passes the same timeout),
 * local afterwards (changes the timeout; 0 = heartbeats go on but nobody is judged).
 * 0, or ATTRIB_EMPI with the message set. */
int attrib_par_watchdog(const attrib_par *p, double timeout);

/* Local. Say goodbye to the peers (no longer expected to speak) and stop the thread;
 * before MPI_Finalize. Nothing when no watchdog runs. */
void attrib_par_watchdog_stop(void);

/* Local. Name the current phase (a string that lives as long as the process): the
 * watchdog's messages and heartbeats carry it. attrib_progress_begin calls it. */
void attrib_par_phase(const char *name);

/* Collective. Sum a u64 over ranks (to every rank). */
uint64_t attrib_par_sum_u64(const attrib_par *p, uint64_t v);
/* Collective. Exclusive prefix sum of a u64 (rank 0 gets 0). */
uint64_t attrib_par_exscan_u64(const attrib_par *p, uint64_t v);


/* ---- Redistribution of rows (exchange.c) ---- */

/* Collective. Send every row of `t` to rank dest[i] (0 <= dest[i] < size); on return `t`
 * holds the rows this rank received (in an unspecified but deterministic order: by
 * round, then source rank, then the sender's order). Columns are exchanged one at a
 * time with MPI_Alltoallv in rounds of at most `round_rows` rows per rank and round
 * (0: a default of 4M), so no count exceeds 2^31 and the extra memory is one column
 * plus one round buffer. String widths must already agree (attrib_par_agree_strw).
 * Returns 0 or ATTRIB_EMPI. */
int attrib_par_exchange(const attrib_par *p, attrib_table *t, const int *dest,
                        uint64_t round_rows);

/* ---- The partition plan (plan.c) ---- */

/* Logical partitions: attrib_partition_of(), ATTRIB_NPARTITIONS (partition.h). */

typedef struct attrib_plan {
    uint32_t npart;
    uint64_t *rows;   /* per partition: global rows (events + conversions) */
    uint64_t *bytes;  /* per partition: global bytes of those rows */
    int *owner;       /* per partition: rank */
    uint64_t *rank_rows; /* per rank: rows assigned */
    uint64_t *rank_bytes;
} attrib_plan;

/* Collective. Build the plan from each rank's per-partition local row and byte counts:
 * rank 0 sums them, assigns partitions to ranks so that bytes (not partitions) are
 * balanced (largest partition first to the least-loaded rank, ties by lower index), and
 * broadcasts the plan. */
int attrib_plan_build(const attrib_par *p, const uint64_t *local_rows,
                      const uint64_t *local_bytes, attrib_plan *plan);
/* Local. Contiguous ranges of partitions: owner[q] nondecreasing in q, each rank's
 * range cut where the running count of rows[] crosses its share (a partition goes to
 * the rank its midpoint falls in). The same on every rank for the same rows; used where
 * a rank reads or writes its partitions as one range of a partitioned store. */
void attrib_plan_ranges(const uint64_t *rows, uint32_t npart, int nranks, int *owner);
/* Local. The plan of a partitioned store: the global rows (and bytes) per partition are
 * known to every rank (from /partitions), the owners are attrib_plan_ranges of the
 * bytes. */
void attrib_plan_build_ranges(int nranks, const uint64_t *rows, const uint64_t *bytes,
                              attrib_plan *plan);
void attrib_plan_free(attrib_plan *plan);
/* Local. Print the plan for people (attrib run --plan). */
void attrib_plan_print(const attrib_plan *plan, int nranks, FILE *out);

/* ---- Distributed sort (psort.c) ---- */

/* Collective. Sort the rows of `t` across ranks lexicographically by the given u64 key
 * columns (each column index must be an integer column: u8..u64, i64 mapped to
 * unsigned order). On return rank r holds the r-th range of the global order, sorted,
 * so that concatenating the ranks' rows in rank order gives the global order, which
 * does not depend on the number of ranks. keys must be a total order for that. */
int attrib_par_sort(const attrib_par *p, attrib_table *t, const int *key_cols, size_t nkeys);

/* Local. A permutation sorting `t` by the given key columns (as attrib_par_sort orders). */
void attrib_table_sort_perm(const attrib_table *t, const int *key_cols, size_t nkeys,
                            uint32_t *perm);

/* ---- Report reduction (reduce.c) ---- */
struct attrib_acc;
/* Collective. Combine every rank's report accumulator into rank 0's (other ranks' are
 * left unspecified). Sums are exact 128-bit integers, so the result does not depend on
 * the reduction order or the rank count. Sparse maps must be finished
 * (attrib_sparse_finish) on entry. */
int attrib_par_reduce_acc(const attrib_par *p, struct attrib_acc *acc);

#endif

/* attrib — the MPI layer: communicator context, agreement on errors, progress.
 * Library code takes an attrib_par (never MPI_COMM_WORLD). */
#ifndef ATTRIB_PAR_H
#define ATTRIB_PAR_H

#include <mpi.h>
#include <stdint.h>

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
 * with "rank R: " when the job has more than one rank. */
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

/* Collective. Sum a u64 over ranks (to every rank). */
uint64_t attrib_par_sum_u64(const attrib_par *p, uint64_t v);
/* Collective. Exclusive prefix sum of a u64 (rank 0 gets 0). */
uint64_t attrib_par_exscan_u64(const attrib_par *p, uint64_t v);

#endif

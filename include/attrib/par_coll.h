/* attrib — small collectives over a context (par layer): broadcasts, a maximum, a sum
 * of arrays, and the wall clock, so that no layer above calls MPI itself.
 *
 * Every function here except attrib_par_wtime is collective over p->comm: every rank
 * calls it, with the same `root`, `len` and `n`.
 */
#ifndef ATTRIB_PAR_COLL_H
#define ATTRIB_PAR_COLL_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/par.h"

/* Collective. Broadcast `len` bytes at `buf` from rank `root` (any length: sent in pieces
 * below 2^31). Returns 0, or ATTRIB_EMPI (then every rank has failed: call
 * attrib_par_agree before the next step anyway). */
int attrib_par_bcast_bytes(const attrib_par *p, void *buf, size_t len, int root);

/* Collective. Broadcast n u64 values from rank `root`. 0 or ATTRIB_EMPI. */
int attrib_par_bcast_u64(const attrib_par *p, uint64_t *v, size_t n, int root);

/* Collective. Rank `root`'s value of v, on every rank. */
double attrib_par_bcast_f64(const attrib_par *p, double v, int root);

/* Collective. The maximum of v over ranks, on every rank. */
uint64_t attrib_par_max_u64(const attrib_par *p, uint64_t v);

/* Collective. Element-wise sum of v[0..n) over ranks, in place on every rank. 0 or
 * ATTRIB_EMPI (with the message set). */
int attrib_par_sum_u64_array(const attrib_par *p, uint64_t *v, size_t n);

/* Local. Wall-clock seconds (MPI_Wtime). */
double attrib_par_wtime(void);

#endif

/* attrib — gathering rows to one rank and broadcasting small values (par layer), for
 * scans that keep few rows of a large table: every rank filters its slab, rank 0 gets
 * what they kept (attrib explain). */
#ifndef ATTRIB_GATHER_H
#define ATTRIB_GATHER_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/par.h"
#include "attrib/table.h"

/* Collective. Every rank's rows of `t` go to rank 0, appended after rank 0's own in
 * rank order; the other ranks are left with no rows. String widths are made equal
 * first (the widest). Every rank returns the same code: 0, ATTRIB_EINPUT when a
 * column of the gathered rows would exceed 2^31 - 1 bytes (the rows are then left as
 * they were), ATTRIB_EMPI when MPI fails. */
int attrib_par_gather_rows(const attrib_par *p, attrib_table *t);

/* Collective. Every rank's `len` bytes at `buf` to rank 0, concatenated in rank order
 * into *all (malloc'd, *all_len bytes; NULL and 0 on the other ranks). Every rank returns
 * the same code: 0, ATTRIB_EINPUT when the total exceeds 2^31 - 1 bytes, ATTRIB_EMPI. */
int attrib_par_gather_bytes(const attrib_par *p, const void *buf, size_t len, void **all,
                            size_t *all_len);


#endif

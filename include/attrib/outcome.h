/* attrib — the outcome of work one rank did, for every rank (par layer).
 *
 * attrib_par_agree (par.h) is for work every rank did: the lowest failing rank wins and
 * its message is prefixed with "rank R: ". Where one rank alone did the work (rank 0
 * reading headers, a key file, writing a rejects file) or where the failure is the
 * input's, the same for any rank count (the first bad unit of an import), the rank
 * says nothing: the message goes out as that rank set it.
 */
#ifndef ATTRIB_OUTCOME_H
#define ATTRIB_OUTCOME_H

#include "attrib/par.h"

/* Collective (identical `root`). Every rank returns `root`'s rc (0 or a negative
 * attrib_err; other ranks' rc are ignored) and, on failure, holds root's message as it
 * is in attrib_err_msg(). */
int attrib_par_outcome_of(const attrib_par *p, int root, int rc);

#endif

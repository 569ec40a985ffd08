/* The outcome of one rank's work for every rank (include/attrib/outcome.h). */
#include "attrib/outcome.h"

#include <stdio.h>

#include "attrib/err.h"

int attrib_par_outcome_of(const attrib_par *p, int root, int rc)
{
    if (p->size == 1)
        return rc;
    int code = rc < 0 ? rc : 0;
    if (MPI_Bcast(&code, 1, MPI_INT, root, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Bcast of an outcome failed");
    if (code == 0)
        return 0;
    char msg[4096];
    if (p->rank == root)
        snprintf(msg, sizeof msg, "%s", attrib_err_msg());
    if (MPI_Bcast(msg, sizeof msg, MPI_CHAR, root, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Bcast of a message failed");
    msg[sizeof msg - 1] = '\0';
    attrib_err_set(code, "%s", msg);
    return code;
}

#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "attrib/cmd.h"
#include "attrib/err.h"

int attrib_cmd_fail_legacy(int rc, int all)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rc < 0 && (all || rank == 0)) {
        const char *m = attrib_err_msg();
        fprintf(stderr, "attrib: %s\n", *m ? m : attrib_strerror(rc));
    }
    return attrib_err_exit_code(rc);
}

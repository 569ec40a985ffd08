/* Proof that the leak suppressions hide nothing of ours (sanitizer builds only; the
 * test sanitize.leak_canary expects LeakSanitizer to fail this program).
 *
 * Does what every attrib command does — MPI_Init, open an HDF5 file through attrib's
 * store, MPI_Finalize — and leaks one 4242-byte block from attrib-side code. With the
 * suppressions of tests/lsan.supp and the nodlclose preload, the report must name
 * exactly that block: "4242 byte(s) leaked in 1 allocation(s)" and this function. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/h5io.h"

void *volatile attrib_canary_sink; /* volatile: the stores stay */

__attribute__((noinline)) static void attrib_canary_leak(void)
{
    char *p = malloc(4242);
    memset(p, 7, 4242);
    attrib_canary_sink = p;
    attrib_canary_sink = NULL; /* the only pointer is gone: a definite leak */
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    attrib_h5file *f = NULL;
    if (argc > 1 && attrib_h5_open(MPI_COMM_SELF, argv[1], &f) == 0)
        attrib_h5_close(f);
    attrib_canary_leak();
    MPI_Finalize();
    return 0;
}

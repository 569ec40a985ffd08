/* Small collectives over a context (include/attrib/par_coll.h). */
#include "attrib/par_coll.h"

#include <limits.h>

#include "attrib/err.h"

#define PIECE ((size_t)1 << 30) /* bytes per MPI_Bcast: counts are ints */

int attrib_par_bcast_bytes(const attrib_par *p, void *buf, size_t len, int root)
{
    char *b = buf;
    for (size_t off = 0; off < len; off += PIECE) {
        const size_t n = len - off < PIECE ? len - off : PIECE;
        if (MPI_Bcast(b + off, (int)n, MPI_BYTE, root, p->comm) != MPI_SUCCESS)
            return attrib_err_set(ATTRIB_EMPI, "MPI_Bcast of %zu bytes failed", len);
    }
    return 0;
}

int attrib_par_bcast_u64(const attrib_par *p, uint64_t *v, size_t n, int root)
{
    return attrib_par_bcast_bytes(p, v, n * sizeof *v, root);
}

double attrib_par_bcast_f64(const attrib_par *p, double v, int root)
{
    if (MPI_Bcast(&v, 1, MPI_DOUBLE, root, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Bcast of a number failed");
    return v;
}

uint64_t attrib_par_max_u64(const attrib_par *p, uint64_t v)
{
    uint64_t m = v;
    if (MPI_Allreduce(&v, &m, 1, MPI_UINT64_T, MPI_MAX, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Allreduce of a maximum failed");
    return m;
}

int attrib_par_sum_u64_array(const attrib_par *p, uint64_t *v, size_t n)
{
    for (size_t off = 0; off < n; off += INT_MAX / 2) {
        const size_t k = n - off < INT_MAX / 2 ? n - off : INT_MAX / 2;
        if (MPI_Allreduce(MPI_IN_PLACE, v + off, (int)k, MPI_UINT64_T, MPI_SUM, p->comm) !=
            MPI_SUCCESS)
            return attrib_err_set(ATTRIB_EMPI, "MPI_Allreduce of %zu counts failed", n);
    }
    return 0;
}

double attrib_par_wtime(void)
{
    return MPI_Wtime();
}

#include "attrib/par.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/err.h"

extern void (*attrib_die_hook)(void);
static MPI_Comm g_abort_comm = MPI_COMM_NULL;

static void abort_hook(void)
{
    if (g_abort_comm != MPI_COMM_NULL)
        MPI_Abort(g_abort_comm, 3);
}

void attrib_par_init(attrib_par *p, MPI_Comm comm)
{
    memset(p, 0, sizeof *p);
    p->comm = comm;
    MPI_Comm_rank(comm, &p->rank);
    MPI_Comm_size(comm, &p->size);
    p->t_start = p->t_phase = MPI_Wtime();
    p->progress = 1;
    g_abort_comm = comm;
    attrib_die_hook = abort_hook;
}

int attrib_par_agree(const attrib_par *p, int rc)
{
    const int failed = rc < 0;
    /* MIN of: the failing rank (size when none), 0 when every rank failed (-1 otherwise),
     * the smallest and minus the largest code. */
    int in[4] = {failed ? p->rank : p->size, failed ? 0 : -1, rc, -rc}, out[4];
    if (MPI_Allreduce(in, out, 4, MPI_INT, MPI_MIN, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Allreduce failed while agreeing on a phase's outcome");
    const int lowest = out[0];
    if (lowest == p->size)
        return 0;
    /* Every rank failed with the same code (an outcome agreed before, or one cause seen
     * by all): each keeps its message, so agreeing twice changes nothing. */
    if (out[1] == 0 && out[2] == -out[3])
        return rc;
    int code = rc;
    if (MPI_Bcast(&code, 1, MPI_INT, lowest, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Bcast failed while agreeing on a phase's outcome");
    char msg[4096];
    if (p->rank == lowest) {
        if (p->size > 1)
            snprintf(msg, sizeof msg, "rank %d: %s", lowest, attrib_err_msg());
        else
            snprintf(msg, sizeof msg, "%s", attrib_err_msg());
    }
    if (MPI_Bcast(msg, sizeof msg, MPI_CHAR, lowest, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Bcast failed while agreeing on a phase's outcome");
    msg[sizeof msg - 1] = '\0';
    attrib_err_set(code, "%s", msg);
    return code;
}

void attrib_par_die(const attrib_par *p, const char *fmt, ...)
{
    va_list ap;
    const char *cmd = attrib_err_command();
    fprintf(stderr, "attrib: %s%srank %d: fatal: ", cmd, *cmd ? ": " : "", p->rank);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    MPI_Abort(p->comm, 3);
    abort();
}

void attrib_par_agree_strw(const attrib_par *p, attrib_table *t)
{
    for (size_t c = 0; c < t->schema->ncols; c++) {
        if (t->schema->cols[c].type != ATTRIB_T_STR)
            continue;
        unsigned long w = t->strw[c], m = 0;
        if (MPI_Allreduce(&w, &m, 1, MPI_UNSIGNED_LONG, MPI_MAX, p->comm) != MPI_SUCCESS)
            attrib_par_die(p, "MPI_Allreduce of string widths failed");
        if (m != w)
            attrib_table_set_strw(t, c, m);
    }
}

void attrib_progress_begin(attrib_par *p, const char *phase)
{
    attrib_par_phase(phase);
    p->t_phase = MPI_Wtime();
}

void attrib_progress_end(attrib_par *p, const char *phase, uint64_t rows, uint64_t bytes,
                         const char *extra)
{
    double now = MPI_Wtime();
    if (p->rank == 0 && p->progress) {
        fprintf(stderr, "attrib: %-10s %12llu rows %10.1f MiB %8.3f s%s%s\n", phase,
                (unsigned long long)rows, (double)bytes / 1048576.0, now - p->t_phase,
                extra && *extra ? "  " : "", extra ? extra : "");
        fflush(stderr);
    }
    p->t_phase = now;
}

uint64_t attrib_par_sum_u64(const attrib_par *p, uint64_t v)
{
    uint64_t s = 0;
    if (MPI_Allreduce(&v, &s, 1, MPI_UINT64_T, MPI_SUM, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Allreduce of a count failed");
    return s;
}

uint64_t attrib_par_exscan_u64(const attrib_par *p, uint64_t v)
{
    uint64_t s = 0;
    if (MPI_Exscan(&v, &s, 1, MPI_UINT64_T, MPI_SUM, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Exscan of a count failed");
    return p->rank == 0 ? 0 : s;
}

/* The silence watchdog (include/attrib/par.h): a heartbeat thread per rank.
 *
 * Why: when a host's network goes away (a link down, a switch port lost) TCP notices
 * nothing for many minutes; every rank then waits in its next collective and Open MPI
 * neither recovers nor ends the job. Nothing inside a blocking collective can say who
 * is missing, so the heartbeats run beside the work, in a thread of their own, on a
 * communicator of their own (a duplicate of the job's, so no message of theirs can
 * match one of the work's):
 *  - every rank r > 0 sends rank 0 a small message every `interval` seconds, and rank 0
 *    sends one to every rank; each message carries the sender's current phase;
 *  - rank 0 notes when it last heard from each rank; a rank not heard from for `timeout`
 *    seconds is silent: rank 0 prints one line naming the silent ranks, their hosts, the
 *    phase rank 0 is in and the phase each was last heard in, and ends its process with
 *    _exit(3) (its launcher then ends the job);
 *  - a rank r > 0 that has not heard from rank 0 for `timeout` seconds does the same,
 *    naming rank 0 (the case where rank 0's own host is cut off);
 *  - a rank that reaches the end (attrib_par_watchdog_stop) says goodbye, and is no
 *    longer expected to speak: ranks finish at different times.
 * Local work, however long, does not count: the thread sends while the main thread
 * computes or waits. What counts is a process that cannot be heard: a host down, a
 * network partitioned, a process stopped (SIGSTOP) or starving for CPU for `timeout`.
 *
 * The thread calls MPI, so the job must be initialised with MPI_THREAD_MULTIPLE (main()
 * asks for it); with less, the watchdog stays off. It never calls MPI_Abort: with a
 * host unreachable, mpirun's abort waits on that host's daemon; _exit(3) lets the
 * launcher see a failed process at once (see docs/cluster.md for what the launcher
 * itself then needs: mpirun's out-of-band keepalive). */
#define _POSIX_C_SOURCE 200809L
#include "attrib/par.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attrib/err.h"

enum { HB_TAG = 7001, HB_BEAT = 1, HB_BYE = 2, PHASE_LEN = 24, HOST_LEN = 64 };

typedef struct hb_msg {
    int kind;
    char phase[PHASE_LEN];
} hb_msg;

static struct {
    int running;
    MPI_Comm comm;
    int rank, size;
    pthread_t th;
    atomic_int stop;
    _Atomic double timeout; /* seconds; 0 = do not judge (heartbeats go on) */
    _Atomic double interval; /* seconds between heartbeats: T/5 within [0.05, 1] */
    /* rank 0: per rank; others: index 0 only (rank 0) */
    double *last;
    unsigned char *gone;
    char (*peer_phase)[PHASE_LEN];
    char (*host)[HOST_LEN]; /* rank 0: every rank's host; others: [0] = rank 0's */
    hb_msg *sbuf;           /* one per destination */
    MPI_Request *sreq;
    hb_msg rbuf;
    MPI_Request rreq;
} W = {.comm = MPI_COMM_NULL};

static _Atomic(const char *) g_phase = "start-up";

void attrib_par_phase(const char *name)
{
    atomic_store(&g_phase, name ? name : "");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double attrib_par_timeout_env(void)
{
    const char *s = getenv("ATTRIB_SILENCE_TIMEOUT");
    if (!s || !*s)
        return ATTRIB_SILENCE_TIMEOUT_DEFAULT;
    char *end;
    double v = strtod(s, &end);
    if (*end || v < 0 || v != v) {
        fprintf(stderr, "attrib: ATTRIB_SILENCE_TIMEOUT='%s' is not a number of seconds >= 0; "
                        "using %g\n", s, (double)ATTRIB_SILENCE_TIMEOUT_DEFAULT);
        return ATTRIB_SILENCE_TIMEOUT_DEFAULT;
    }
    return v;
}

static int npeers(void)
{
    return W.rank == 0 ? W.size : 1;
}

/* Peer index i (rank 0: rank i; others: 0 = rank 0) → its rank. */
static int peer_rank(int i)
{
    return W.rank == 0 ? i : 0;
}

static void post_recv(void)
{
    MPI_Irecv(&W.rbuf, (int)sizeof W.rbuf, MPI_BYTE, W.rank == 0 ? MPI_ANY_SOURCE : 0, HB_TAG,
              W.comm, &W.rreq);
}

static void drain_recv(double t)
{
    for (;;) {
        int flag = 0;
        MPI_Status st;
        if (MPI_Test(&W.rreq, &flag, &st) != MPI_SUCCESS || !flag)
            return;
        const int i = W.rank == 0 ? st.MPI_SOURCE : 0;
        if (i >= 0 && i < npeers()) {
            W.last[i] = t;
            memcpy(W.peer_phase[i], W.rbuf.phase, PHASE_LEN);
            W.peer_phase[i][PHASE_LEN - 1] = '\0';
            if (W.rbuf.kind == HB_BYE)
                W.gone[i] = 1;
        }
        post_recv();
    }
}

/* Send `kind` to every peer still there whose previous message has left. */
static void send_all(int kind)
{
    const char *ph = atomic_load(&g_phase);
    for (int i = 0; i < npeers(); i++) {
        const int r = peer_rank(i);
        if (r == W.rank || W.gone[i])
            continue;
        if (W.sreq[i] != MPI_REQUEST_NULL) {
            int flag = 0;
            MPI_Test(&W.sreq[i], &flag, MPI_STATUS_IGNORE);
            if (!flag)
                continue; /* the previous one has not left: that peer is not listening */
        }
        W.sbuf[i].kind = kind;
        snprintf(W.sbuf[i].phase, PHASE_LEN, "%s", ph);
        MPI_Isend(&W.sbuf[i], (int)sizeof W.sbuf[i], MPI_BYTE, r, HB_TAG, W.comm, &W.sreq[i]);
    }
}

_Noreturn static void silent_exit(double t, double timeout)
{
    char list[4096];
    size_t n = 0;
    int count = 0;
    list[0] = '\0';
    /* Named: every rank that has missed three heartbeats or more, not only the first
     * past the bound (ranks cut off together fall silent within a heartbeat). */
    const double interval = atomic_load(&W.interval);
    const double named = 3 * interval < timeout ? 3 * interval : timeout;
    for (int i = 0; i < npeers(); i++) {
        const int r = peer_rank(i);
        if (r == W.rank || W.gone[i] || t - W.last[i] <= named)
            continue;
        if (n < sizeof list - 200)
            n += (size_t)snprintf(list + n, sizeof list - n,
                                  "%s%d (%s, silent %.1f s, last heard in '%s')",
                                  count ? ", " : "", r, W.host[i], t - W.last[i],
                                  W.peer_phase[i]);
        count++;
    }
    const char *cmd = attrib_err_command();
    fprintf(stderr,
            "attrib: %s%srank %d: no word for %g s from %s %s, during phase '%s': a host down "
            "or the network partitioned; ending the job (exit 3; --silence-timeout or "
            "ATTRIB_SILENCE_TIMEOUT set the bound, 0 turns it off)\n",
            cmd, *cmd ? ": " : "", W.rank, timeout, count == 1 ? "rank" : "ranks", list,
            atomic_load(&g_phase));
    fflush(stderr);
    _exit(3);
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    double t = now_s(), next_send = t;
    for (int i = 0; i < npeers(); i++)
        W.last[i] = t;
    while (!atomic_load(&W.stop)) {
        t = now_s();
        drain_recv(t);
        const double interval = atomic_load(&W.interval);
        if (t >= next_send || next_send - t > interval) {
            send_all(HB_BEAT);
            next_send = t + interval;
        }
        const double timeout = atomic_load(&W.timeout);
        if (timeout > 0)
            for (int i = 0; i < npeers(); i++)
                if (peer_rank(i) != W.rank && !W.gone[i] && t - W.last[i] > timeout)
                    silent_exit(t, timeout);
        const double nap = interval / 5 < 0.1 ? interval / 5 : 0.1;
        struct timespec ts = {0, (long)(nap * 1e9)};
        nanosleep(&ts, NULL);
    }
    /* Goodbye: bounded, a peer that left already takes nothing. */
    send_all(HB_BYE);
    const double until = now_s() + 1.0;
    for (int i = 0; i < npeers(); i++)
        while (W.sreq[i] != MPI_REQUEST_NULL) {
            int flag = 0;
            MPI_Test(&W.sreq[i], &flag, MPI_STATUS_IGNORE);
            if (flag || now_s() > until)
                break;
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    return NULL;
}

static double beat_interval(double timeout)
{
    const double i = timeout / 5 < 1.0 ? timeout / 5 : 1.0;
    return i < 0.05 ? 0.05 : i;
}

int attrib_par_watchdog(const attrib_par *p, double timeout)
{
    if (W.running) {
        if (timeout > 0)
            atomic_store(&W.interval, beat_interval(timeout));
        atomic_store(&W.timeout, timeout);
        return 0;
    }
    int level = MPI_THREAD_SINGLE;
    MPI_Query_thread(&level);
    /* The same on every rank (same arguments and environment): collective or not at all. */
    if (timeout <= 0 || p->size < 2 || level < MPI_THREAD_MULTIPLE)
        return 0;
    if (MPI_Comm_dup(p->comm, &W.comm) != MPI_SUCCESS)
        return attrib_err_set(ATTRIB_EMPI, "MPI_Comm_dup for the watchdog failed");
    W.rank = p->rank;
    W.size = p->size;
    atomic_store(&W.timeout, timeout);
    atomic_store(&W.stop, 0);
    atomic_store(&W.interval, beat_interval(timeout));
    const int n = npeers();
    W.last = attrib_xcalloc((size_t)n, sizeof *W.last);
    W.gone = attrib_xcalloc((size_t)n, sizeof *W.gone);
    W.peer_phase = attrib_xcalloc((size_t)n, sizeof *W.peer_phase);
    W.host = attrib_xcalloc((size_t)(p->rank == 0 ? p->size : 1), sizeof *W.host);
    W.sbuf = attrib_xcalloc((size_t)n, sizeof *W.sbuf);
    W.sreq = attrib_xcalloc((size_t)n, sizeof *W.sreq);
    for (int i = 0; i < n; i++)
        W.sreq[i] = MPI_REQUEST_NULL;
    /* Host names, for the message: rank 0 knows every rank's, the others rank 0's. */
    char me[HOST_LEN] = {0};
    int len = 0;
    char pn[MPI_MAX_PROCESSOR_NAME];
    if (MPI_Get_processor_name(pn, &len) == MPI_SUCCESS && len > 0)
        memcpy(me, pn, (size_t)(len < HOST_LEN - 1 ? len : HOST_LEN - 1));
    if (MPI_Gather(me, HOST_LEN, MPI_CHAR, p->rank == 0 ? W.host[0] : NULL, HOST_LEN, MPI_CHAR,
                   0, W.comm) != MPI_SUCCESS ||
        MPI_Bcast(p->rank == 0 ? W.host[0] : me, HOST_LEN, MPI_CHAR, 0, W.comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Gather of host names for the watchdog failed");
    if (p->rank != 0)
        memcpy(W.host[0], me, HOST_LEN);
    for (int i = 0; i < n; i++)
        W.host[i][HOST_LEN - 1] = '\0';
    post_recv();
    if (pthread_create(&W.th, NULL, watchdog_main, NULL) != 0) {
        MPI_Cancel(&W.rreq);
        MPI_Wait(&W.rreq, MPI_STATUS_IGNORE);
        return 0; /* no thread, no watchdog: the job runs as before */
    }
    W.running = 1;
    return 0;
}

void attrib_par_watchdog_stop(void)
{
    if (!W.running)
        return;
    atomic_store(&W.stop, 1);
    pthread_join(W.th, NULL);
    W.running = 0;
    MPI_Cancel(&W.rreq);
    MPI_Wait(&W.rreq, MPI_STATUS_IGNORE);
    int pending = 0;
    for (int i = 0; i < npeers(); i++)
        if (W.sreq[i] != MPI_REQUEST_NULL) {
            MPI_Request_free(&W.sreq[i]); /* to a peer that left: never matched */
            pending = 1;
        }
    free(W.last);
    free(W.gone);
    free(W.peer_phase);
    free(W.host);
    if (!pending) /* else MPI may still read it: it lives until the process ends */
        free(W.sbuf);
    free(W.sreq);
}

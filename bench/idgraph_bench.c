/* attrib-bench-idgraph — a driver for the identity graph's component pass
 * (src/par/idgraph.c), run by bench/idgraph.sh. Each rank generates its share of a graph
 * in memory, then attrib_idgraph_build and attrib_idgraph_apply run on it; rank 0 prints
 * one line of figures (key=value) and the bytes of each FastSV round.
 *
 *   attrib-bench-idgraph persons LINKS [APPLY_IDS_PER_RANK] [MAX_COMPONENT] [BUDGET]
 *       "persons with devices": each person has 1..5 devices (random 64-bit ids), each
 *       device after the first linked to an earlier one at random, a repeat of the
 *       first link in the other direction for a third of them, and one person in 2000
 *       also linked to one of 50 shared hubs (a call centre, a shared tablet), which
 *       makes a few oversize components; LINKS in all, split evenly over the ranks.
 *   attrib-bench-idgraph chain LENGTH [APPLY_IDS_PER_RANK]
 *       one path of LENGTH vertices with random ids (diameter LENGTH - 1).
 *
 * BUDGET is the bytes per rank the pass may hold (0, the default: no limit).
 * apply maps APPLY_IDS_PER_RANK ids per rank (default LINKS / ranks): three quarters
 * vertices of the graph (with repeats), a quarter ids outside it. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/idgraph.h"
#include "attrib/par.h"
#include "attrib/par_coll.h"

static uint64_t mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t vm_hwm_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long v = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %llu kB", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    attrib_malloc_tune();
    attrib_par p;
    attrib_par_init(&p, MPI_COMM_WORLD);
    p.progress = 0;
    if (argc < 3 || (strcmp(argv[1], "persons") && strcmp(argv[1], "chain"))) {
        if (p.rank == 0)
            fprintf(stderr, "usage: attrib-bench-idgraph persons|chain N [APPLY_IDS] [MAX_COMPONENT] [BUDGET]\n");
        MPI_Finalize();
        return 2;
    }
    const int chain = strcmp(argv[1], "chain") == 0;
    const uint64_t N = strtoull(argv[2], NULL, 10);
    const uint64_t P = (uint64_t)p.size, r = (uint64_t)p.rank;
    uint64_t napply = argc > 3 ? strtoull(argv[3], NULL, 10) : (N + P - 1) / P;
    const uint64_t maxc = argc > 4 ? strtoull(argv[4], NULL, 10) : 1000;
    const uint64_t budget = argc > 5 ? strtoull(argv[5], NULL, 10) : 0;

    /* This rank's links. */
    const uint64_t lo = N * r / P, hi = N * (r + 1) / P;
    size_t n = 0, cap = (size_t)(hi - lo) + 8;
    uint64_t *a = attrib_xmalloc(cap * sizeof *a), *b = attrib_xmalloc(cap * sizeof *b);
    if (chain) {
        for (uint64_t i = lo; i < hi && i + 1 < N; i++) {
            a[n] = mix(i);
            b[n++] = mix(i + 1);
        }
    } else {
        /* persons numbered from a rank-specific base; stop at this rank's share */
        uint64_t q = r << 40;
        while (n < hi - lo) {
            uint64_t s = mix(q ^ 0x5bd1e995);
            int k = 1 + (int)(s % 5);
            uint64_t dev[5];
            for (int i = 0; i < k; i++)
                dev[i] = mix(q * 8 + (uint64_t)i);
            for (int i = 1; i < k && n < hi - lo; i++) {
                a[n] = dev[i];
                b[n++] = dev[mix(s + (uint64_t)i) % (uint64_t)i];
            }
            if (k >= 2 && s % 3 == 0 && n < hi - lo) {
                a[n] = dev[0];
                b[n++] = dev[1];
            }
            if (s % 2000 == 7 && n < hi - lo) {
                a[n] = dev[0];
                b[n++] = mix(0xabcdef ^ (s % 50));
            }
            q++;
        }
    }

    attrib_idgraph *g = NULL;
    attrib_idgraph_figures fig;
    MPI_Barrier(p.comm);
    int rc = attrib_idgraph_build(&p, a, b, n, maxc, budget, &g, &fig);
    if (rc) {
        if (p.rank == 0)
            fprintf(stderr, "attrib-bench-idgraph: %s\n", attrib_err_msg());
        MPI_Finalize();
        return 1;
    }
    const uint64_t hwm_build = attrib_par_max_u64(&p, vm_hwm_kib());

    /* apply: ids drawn from this rank's links (vertices) and outsiders */
    uint64_t *ids = attrib_xmalloc((size_t)(napply ? napply : 1) * sizeof *ids);
    for (uint64_t i = 0; i < napply; i++) {
        uint64_t s = mix(i * 1315423911u + r);
        ids[i] = (s & 3) && n ? ((s >> 2) & 1 ? a : b)[(s >> 3) % n] : mix(s);
    }
    free(a);
    free(b);
    MPI_Barrier(p.comm);
    double t0 = MPI_Wtime();
    attrib_idgraph_apply(&p, g, ids, (size_t)napply);
    double ta = MPI_Wtime() - t0, tmax = ta;
    MPI_Allreduce(&ta, &tmax, 1, MPI_DOUBLE, MPI_MAX, p.comm);
    const uint64_t hwm = attrib_par_max_u64(&p, vm_hwm_kib());
    uint64_t changed = 0; /* a checksum of the mapping, so it cannot be optimised away */
    for (uint64_t i = 0; i < napply; i++)
        changed ^= ids[i];
    changed = attrib_par_sum_u64(&p, changed & 0xffff);

    if (p.rank == 0) {
        printf("kind=%s ranks=%d links=%llu vertices=%llu components=%llu merged=%llu "
               "identities_merged=%llu oversize=%llu oversize_identities=%llu largest=%llu "
               "rounds=%d seconds=%.2f bytes=%llu max_round_bytes=%llu peak_bytes=%llu "
               "vmhwm_build_kib=%llu apply_ids=%llu apply_seconds=%.2f vmhwm_kib=%llu check=%llu\n",
               argv[1], p.size, (unsigned long long)fig.links,
               (unsigned long long)fig.vertices, (unsigned long long)fig.components,
               (unsigned long long)fig.merged_components,
               (unsigned long long)fig.identities_merged,
               (unsigned long long)fig.oversize_components,
               (unsigned long long)fig.oversize_identities,
               (unsigned long long)fig.largest_component, fig.rounds, fig.seconds,
               (unsigned long long)fig.bytes, (unsigned long long)fig.max_round_bytes,
               (unsigned long long)fig.peak_bytes, (unsigned long long)hwm_build,
               (unsigned long long)(napply * P), tmax, (unsigned long long)hwm,
               (unsigned long long)changed);
        int nr = 0;
        const uint64_t *rb = attrib_idgraph_round_bytes(g, &nr);
        printf("round_bytes=");
        for (int i = 0; i < nr; i++)
            printf("%s%llu", i ? "," : "", (unsigned long long)rb[i]);
        printf("\n");
    }
    free(ids);
    attrib_idgraph_free(g);
    MPI_Finalize();
    return 0;
}

/* attrib run — the stitch phase (docs/identity.md): when the input has /links, the
 * identity graph's components across ranks (include/attrib/idgraph.h), and the identity
 * columns every rank read replaced by their person's, before the plan partitions them.
 * Everything after (dedup, candidates, reach, credits, labels) sees the merged
 * identities; the records packed for the exchange take their identity from these columns.
 *
 * Memory per rank: the slab of /links (16 bytes per link) while the graph is built, and
 * what the graph pass holds (counted by it against the budget the identities leave).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/par_coll.h"
#include "run_impl.h"

#define STITCH_BASE_BYTES (UINT64_C(64) << 20) /* MPI, HDF5, the libraries (waves.c) */

int attrib_run_stitch(attrib_run *r)
{
    const attrib_par *p = r->p;
    const double t = attrib_par_wtime();
    r->fig.max_component = r->o.max_component ? r->o.max_component : ATTRIB_RUN_MAX_COMPONENT;
    memset(&r->fig.idg, 0, sizeof r->fig.idg);
    r->fig.stitched = r->in->has_links && !r->o.no_stitch;
    if (!r->fig.stitched)
        return 0;
    run_test_crash(p, "stitch");
    /* This rank's slab of the links: an even split (any split gives the same graph). */
    const uint64_t n = r->in->nlinks, P = (uint64_t)p->size, k = (uint64_t)p->rank;
    const uint64_t lo = n * k / P, hi = n * (k + 1) / P;
    attrib_table lk;
    int rc = attrib_h5_read_table(r->in->f, &attrib_schema_links, lo, hi - lo, &lk);
    ATTRIB_TRY(attrib_par_agree(p, rc));
    /* The budget the graph pass may hold: what the identities, the links slab and the
     * base leave (the largest slab decides, so every rank passes the same budget). */
    uint64_t budget = 0;
    if (r->o.memory_per_rank) {
        const uint64_t held = 8 * ((r->ri.e1 - r->ri.e0) + (r->ri.c1 - r->ri.c0)) +
                              16 * (hi - lo) + STITCH_BASE_BYTES;
        const uint64_t held_max = attrib_par_max_u64(p, held);
        budget = r->o.memory_per_rank > held_max ? r->o.memory_per_rank - held_max : 1;
    }
    attrib_idgraph *g = NULL;
    rc = attrib_idgraph_build(p, ATTRIB_COL(&lk, ATTRIB_LK_A, uint64_t),
                              ATTRIB_COL(&lk, ATTRIB_LK_B, uint64_t), lk.n, r->fig.max_component,
                              budget, &g, &r->fig.idg);
    attrib_table_free(&lk);
    if (rc == ATTRIB_EINPUT && budget) { /* the graph saw only what is left: say what holds the rest */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", attrib_err_msg());
        char *cut = strstr(msg, " (--memory-per-rank");
        if (cut)
            *cut = '\0';
        rc = attrib_err_set(ATTRIB_EINPUT,
                            "%s: %s, beyond the %.0f MiB of --memory-per-rank %.0f MiB that the "
                            "identity columns, the links and the base already hold; give the run "
                            "more memory per rank or more ranks",
                            r->o.input, msg, (double)(r->o.memory_per_rank - budget) / 1048576.0,
                            (double)r->o.memory_per_rank / 1048576.0);
    }
    if (!rc)
        rc = attrib_idgraph_apply(p, g, r->ri.eid, (size_t)(r->ri.e1 - r->ri.e0));
    if (!rc)
        rc = attrib_idgraph_apply(p, g, r->ri.cid, (size_t)(r->ri.c1 - r->ri.c0));
    attrib_idgraph_free(g);
    r->fig.seconds[ATTRIB_RUN_STITCH] = attrib_par_wtime() - t;
    return attrib_par_agree(p, rc);
}

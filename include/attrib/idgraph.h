/* attrib — the identity graph (par layer): the connected components of the links of
 * /links, computed across ranks, and the map from an identity to the person it belongs
 * to (docs/identity.md).
 *
 * Vertices are identity hashes, each owned by one rank (a mix of its hash, so no rank
 * holds all vertices); edges are the links, held by the ranks that read them. The
 * components are found with FastSV (Zhang, Azad, Hu: "FastSV: a distributed-memory
 * connected component algorithm with fast convergence", SIAM PP 2020), min-label
 * hooking and shortcutting with Alltoallv rounds, so that every vertex ends labelled
 * with the smallest hash of its component, in O(log diameter)-ish rounds.
 *
 * A component of at most `max_component` vertices is merged (every identity in it
 * becomes its smallest hash); a larger one is left as it is (each identity stays
 * itself). Identities in no link are unchanged.
 *
 * Every function is collective over p->comm unless marked Local; results are the same
 * for any number of ranks and any order of the links.
 */
#ifndef ATTRIB_IDGRAPH_H
#define ATTRIB_IDGRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/par.h"

/* The figures of /report/identity (docs/formats.md), the same on every rank. */
typedef struct attrib_idgraph_figures {
    uint64_t links;               /* distinct edges: a repeat (either direction) once, a self link not */
    uint64_t vertices;            /* distinct identities named in the links */
    uint64_t components;          /* connected components (each has >= 2 vertices) */
    uint64_t merged_components;   /* components of <= max_component vertices */
    uint64_t identities_merged;   /* vertices in merged components */
    uint64_t oversize_components; /* components of > max_component vertices */
    uint64_t oversize_identities; /* vertices in oversize components */
    uint64_t largest_component;   /* vertices of the largest component, 0 without links */
    /* how the pass went (progress line, bench; not in /report/identity) */
    int rounds;                   /* FastSV iterations until no label changed */
    uint64_t bytes;               /* bytes this pass sent, all ranks, all rounds */
    uint64_t max_round_bytes;     /* the largest round's bytes, all ranks */
    uint64_t peak_bytes;          /* the largest memory this pass held on one rank */
    double seconds;
} attrib_idgraph_figures;

/* The default cap: the largest component merged (attrib run --max-component). */
#define ATTRIB_IDGRAPH_MAX_COMPONENT 1000

typedef struct attrib_idgraph attrib_idgraph;

/* Collective. Build the graph from this rank's share of the links: a[i]--b[i] for
 * i < n (any split over ranks, repeats and self links allowed and ignored), and find its
 * components. `budget` is the bytes per rank the pass may hold besides the caller's arrays
 * (0: no limit); a graph whose share does not fit is ATTRIB_EINPUT naming the budget it
 * needs. On success *out (on every rank) and *fig are filled; the arrays are not kept. */
int attrib_idgraph_build(const attrib_par *p, const uint64_t *a, const uint64_t *b, size_t n,
                         uint64_t max_component, uint64_t budget, attrib_idgraph **out,
                         attrib_idgraph_figures *fig);

/* Collective. Replace each ids[i] (i < n, this rank's array, any n per rank) in place by
 * the identity of its person: the smallest hash of its component when that component
 * is merged, else itself. */
int attrib_idgraph_apply(const attrib_par *p, const attrib_idgraph *g, uint64_t *ids, size_t n);

/* Collective. The identities whose person is `person` (as attrib_idgraph_apply maps),
 * sorted ascending, on rank 0 (*members, *n; NULL/0 elsewhere). A person in no merged
 * component has just itself. */
int attrib_idgraph_members(const attrib_par *p, const attrib_idgraph *g, uint64_t person,
                           uint64_t **members, size_t *n);

/* Local. The bytes each FastSV round sent (all ranks; *rounds of them, as in the
 * figures), for benchmarks. NULL and 0 for NULL. */
const uint64_t *attrib_idgraph_round_bytes(const attrib_idgraph *g, int *rounds);

/* Local. NULL ok. */
void attrib_idgraph_free(attrib_idgraph *g);

#endif

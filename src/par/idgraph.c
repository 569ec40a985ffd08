/* The identity graph (include/attrib/idgraph.h): the connected components of the links,
 * found across ranks with FastSV (Zhang, Azad, Hu: "FastSV: a distributed-memory
 * connected component algorithm with fast convergence", SIAM PP 2020), then the merge
 * decision per component and the map from an identity to its person.
 *
 * Layout. A vertex (an identity hash) is owned by rank owner_of(id), a multiply-high of
 * a splitmix64 finaliser of the hash (so neither its low bits nor its order matter). An
 * edge (u < v) is held by the rank of a mix of the pair, which also removes repeats: the
 * copies of one edge meet on one rank and are sorted and made unique there. Each edge
 * rank lists the distinct endpoints of its edges and sends them once to their owners;
 * that list is the communication plan used in every round (the owner keeps, for each id
 * it received, the index of the vertex), and the owners learn their vertices from it.
 *
 * FastSV, per round (f: parent, gf: grandparent = f[f], both start as the vertex itself;
 * every update is a minimum, so the order in which updates arrive does not matter):
 *   (a) owners send gf of every planned endpoint to the edge ranks (one Alltoallv);
 *   (b) edge ranks take, per endpoint, the smallest gf of its neighbours and send it
 *       back (one Alltoallv); the owner keeps the smallest over edge ranks: mn[u];
 *   (c) stochastic hooking f[f[u]] = min(f[f[u]], mn[u]): a pair (f[u], mn[u]) to the
 *       owner of f[u], only where mn[u] < gf[u] (else it cannot lower anything);
 *       aggressive hooking f[u] = min(f[u], mn[u]) and shortcutting f[u] = min(f[u],
 *       gf[u]) are local;
 *   (d) gf = f[f]: a request to the owner of f[u] and its answer (two Alltoallv), none
 *       for a root (f[u] = u) or a parent owned by the same rank.
 * The rounds stop after the first in which no f changed anywhere: then f = gf and f is
 * equal across every edge, so each component carries one label, a vertex of it below
 * or equal to all its vertices: the smallest hash. `rounds` counts that last round.
 *
 * Sizes: each rank counts its vertices per label and sends (label, count) to the
 * label's owner, which sums and answers each pair with the component's size; merged
 * components (size <= max_component) map their vertices to the label.
 *
 * Messages go through xchg(): one MPI_Alltoallv when every rank's counts fit an int,
 * else rounds of at most ROUND_ELEMS elements per rank (ATTRIB_IDGRAPH_ROUND_ELEMS in
 * the environment lowers it, so tests exercise the rounds). MPI failures end the job
 * (attrib_par_die): no step can go on without the one before. */
#include "attrib/idgraph.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/par_coll.h"

#define OWNER_SALT 0x6a09e667f3bcc909ULL
#define EDGE_SALT 0x3c6ef372fe94f82bULL
#define HT_SALT 0xbb67ae8584caa73bULL
#define NONE UINT64_MAX

struct attrib_idgraph {
    int P;
    size_t nv;          /* vertices owned here */
    uint64_t *v;        /* sorted */
    uint64_t *person;   /* per vertex: its label when merged, else itself */
    uint32_t *ht;       /* open addressing: vertex index + 1, 0 empty */
    uint64_t htmask;
    int rounds;
    uint64_t *round_bytes; /* per round, all ranks */
};

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline int owner_of(uint64_t id, int P)
{
    return (int)(((unsigned __int128)mix64(id ^ OWNER_SALT) * (unsigned)P) >> 64);
}

static inline int edge_owner(uint64_t u, uint64_t v, int P)
{
    return owner_of(mix64(u ^ EDGE_SALT) + v, P);
}

static inline uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* ---- memory accounting ---- */

typedef struct memt {
    uint64_t cur, peak;
} memt;

static void *m_get(memt *m, size_t bytes)
{
    void *p = attrib_xmalloc(bytes ? bytes : 1);
    m->cur += bytes;
    if (m->cur > m->peak)
        m->peak = m->cur;
    return p;
}

static void m_put(memt *m, void *p, size_t bytes)
{
    free(p);
    m->cur -= bytes;
}

/* ---- LSD radix sorts (11-bit digits, constant digits skipped), stable ---- */

typedef struct kv {
    uint64_t k, v;
} kv;

#define RBITS 11
#define RB (1u << RBITS)
#define RPASS 6

static void radix_kv(kv *a, kv *t, size_t n, int byv)
{
    if (n < 2)
        return;
    size_t *h = attrib_xcalloc((size_t)RPASS * RB, sizeof *h);
    for (size_t i = 0; i < n; i++) {
        const uint64_t x = byv ? a[i].v : a[i].k;
        for (int d = 0; d < RPASS; d++)
            h[d * RB + ((x >> (d * RBITS)) & (RB - 1))]++;
    }
    const uint64_t x0 = byv ? a[0].v : a[0].k;
    kv *src = a, *dst = t;
    for (int d = 0; d < RPASS; d++) {
        size_t *hd = h + (size_t)d * RB;
        if (hd[(x0 >> (d * RBITS)) & (RB - 1)] == n)
            continue;
        size_t s = 0;
        for (unsigned b = 0; b < RB; b++) {
            const size_t c = hd[b];
            hd[b] = s;
            s += c;
        }
        const int sh = d * RBITS;
        if (byv)
            for (size_t i = 0; i < n; i++)
                dst[hd[(src[i].v >> sh) & (RB - 1)]++] = src[i];
        else
            for (size_t i = 0; i < n; i++)
                dst[hd[(src[i].k >> sh) & (RB - 1)]++] = src[i];
        kv *x = src;
        src = dst;
        dst = x;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    free(h);
}

/* ---- the vertex hash table ---- */

static uint32_t *ht_build(const uint64_t *v, size_t nv, uint64_t *mask, memt *M, size_t *bytes)
{
    uint64_t cap = 2;
    while (cap < 2 * (uint64_t)nv)
        cap <<= 1;
    *bytes = (size_t)cap * sizeof(uint32_t);
    uint32_t *ht = m_get(M, *bytes);
    memset(ht, 0, *bytes);
    *mask = cap - 1;
    for (size_t i = 0; i < nv; i++) {
        uint64_t h = mix64(v[i] ^ HT_SALT) & *mask;
        while (ht[h])
            h = (h + 1) & *mask;
        ht[h] = (uint32_t)(i + 1);
    }
    return ht;
}

static inline int64_t ht_find(const uint32_t *ht, uint64_t mask, const uint64_t *v, uint64_t id)
{
    for (uint64_t h = mix64(id ^ HT_SALT) & mask;; h = (h + 1) & mask) {
        const uint32_t s = ht[h];
        if (!s)
            return -1;
        if (v[s - 1] == id)
            return (int64_t)s - 1;
    }
}

/* ---- exchanges ---- */

typedef struct ctx {
    const attrib_par *p;
    int P, me;
    uint64_t round_elems; /* most elements per rank in one Alltoallv */
    uint64_t bytes;       /* sent to other ranks, this rank */
    int *sc, *sd, *rc, *rd;
    uint64_t *sdisp, *rdisp;
} ctx;

static void ctx_init(ctx *c, const attrib_par *p)
{
    c->p = p;
    c->P = p->size;
    c->me = p->rank;
    c->round_elems = INT_MAX;
    const char *e = getenv("ATTRIB_IDGRAPH_ROUND_ELEMS");
    if (e && *e) {
        unsigned long long x = strtoull(e, NULL, 10);
        if (x >= 1 && x < c->round_elems)
            c->round_elems = x;
    }
    c->bytes = 0;
    const size_t P = (size_t)c->P;
    c->sc = attrib_xmalloc(P * sizeof *c->sc);
    c->sd = attrib_xmalloc(P * sizeof *c->sd);
    c->rc = attrib_xmalloc(P * sizeof *c->rc);
    c->rd = attrib_xmalloc(P * sizeof *c->rd);
    c->sdisp = attrib_xmalloc(P * sizeof *c->sdisp);
    c->rdisp = attrib_xmalloc(P * sizeof *c->rdisp);
}

static void ctx_free(ctx *c)
{
    free(c->sc);
    free(c->sd);
    free(c->rc);
    free(c->rd);
    free(c->sdisp);
    free(c->rdisp);
}

/* Collective. rcount[s] = what rank s sends here (scount[me] there). */
static void xcounts(ctx *c, const uint64_t *scount, uint64_t *rcount)
{
    if (MPI_Alltoall(scount, 1, MPI_UINT64_T, rcount, 1, MPI_UINT64_T, c->p->comm) != MPI_SUCCESS)
        attrib_par_die(c->p, "identity graph: MPI_Alltoall of counts failed");
}

static uint64_t prefix(const uint64_t *count, uint64_t *disp, int P)
{
    uint64_t s = 0;
    for (int d = 0; d < P; d++) {
        disp[d] = s;
        s += count[d];
    }
    return s;
}

/* Collective. Send scount[d] elements of es bytes to each rank d (send holds the blocks
 * in rank order) and receive rcount[s] from each rank s into recv (blocks in rank order). */
static void xchg(ctx *c, const void *send, const uint64_t *scount, void *recv,
                 const uint64_t *rcount, size_t es)
{
    const int P = c->P;
    const uint64_t ns = prefix(scount, c->sdisp, P), nr = prefix(rcount, c->rdisp, P);
    c->bytes += (ns - scount[c->me]) * es;
    uint64_t loc[2] = {ns > nr ? ns : nr, 0}, glob[2];
    const uint64_t chunk = c->round_elems / (uint64_t)P ? c->round_elems / (uint64_t)P : 1;
    for (int d = 0; d < P; d++) {
        const uint64_t r = (min64(scount[d], NONE - chunk) + chunk - 1) / chunk,
                       q = (min64(rcount[d], NONE - chunk) + chunk - 1) / chunk;
        loc[1] = loc[1] > r ? loc[1] : r;
        loc[1] = loc[1] > q ? loc[1] : q;
    }
    if (MPI_Allreduce(loc, glob, 2, MPI_UINT64_T, MPI_MAX, c->p->comm) != MPI_SUCCESS)
        attrib_par_die(c->p, "identity graph: MPI_Allreduce of exchange sizes failed");
    MPI_Datatype ty;
    MPI_Type_contiguous((int)es, MPI_BYTE, &ty);
    MPI_Type_commit(&ty);
    if (glob[0] <= c->round_elems) {
        for (int d = 0; d < P; d++) {
            c->sc[d] = (int)scount[d];
            c->sd[d] = (int)c->sdisp[d];
            c->rc[d] = (int)rcount[d];
            c->rd[d] = (int)c->rdisp[d];
        }
        if (MPI_Alltoallv(send, c->sc, c->sd, ty, recv, c->rc, c->rd, ty, c->p->comm) !=
            MPI_SUCCESS)
            attrib_par_die(c->p, "identity graph: MPI_Alltoallv failed");
        MPI_Type_free(&ty);
        return;
    }
    /* Rounds: piece k of every block is elements [k*chunk, (k+1)*chunk). */
    char *sb = attrib_xmalloc((size_t)(chunk * (uint64_t)P) * es);
    char *rb = attrib_xmalloc((size_t)(chunk * (uint64_t)P) * es);
    const char *s = send;
    char *r = recv;
    for (uint64_t k = 0; k < glob[1]; k++) {
        const uint64_t base = k * chunk;
        int so = 0, ro = 0;
        for (int d = 0; d < P; d++) {
            const uint64_t a = scount[d] > base ? min64(chunk, scount[d] - base) : 0;
            const uint64_t b = rcount[d] > base ? min64(chunk, rcount[d] - base) : 0;
            if (a)
                memcpy(sb + (size_t)so * es, s + (size_t)(c->sdisp[d] + base) * es, (size_t)a * es);
            c->sc[d] = (int)a;
            c->sd[d] = so;
            so += (int)a;
            c->rc[d] = (int)b;
            c->rd[d] = ro;
            ro += (int)b;
        }
        if (MPI_Alltoallv(sb, c->sc, c->sd, ty, rb, c->rc, c->rd, ty, c->p->comm) != MPI_SUCCESS)
            attrib_par_die(c->p, "identity graph: MPI_Alltoallv failed");
        for (int d = 0; d < P; d++)
            if (c->rc[d])
                memcpy(r + (size_t)(c->rdisp[d] + base) * es, rb + (size_t)c->rd[d] * es,
                       (size_t)c->rc[d] * es);
    }
    free(sb);
    free(rb);
    MPI_Type_free(&ty);
}

/* ---- the budget ---- */

static void human(char *buf, size_t len, uint64_t b)
{
    if (b >= (UINT64_C(1) << 30))
        snprintf(buf, len, "%.1f GiB", (double)b / 1073741824.0);
    else if (b >= (UINT64_C(1) << 20))
        snprintf(buf, len, "%.0f MiB", (double)b / 1048576.0);
    else
        snprintf(buf, len, "%llu KiB", (unsigned long long)((b + 1023) / 1024));
}

/* Collective. The most any rank will hold (`need`: what it holds now plus what the
 * next step adds) against the budget, and the 32-bit index limits; every rank returns
 * the same code and message. */
static int check(const attrib_par *p, uint64_t budget, uint64_t need, uint64_t items)
{
    uint64_t loc[2] = {need, items}, glob[2];
    if (MPI_Allreduce(loc, glob, 2, MPI_UINT64_T, MPI_MAX, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "identity graph: MPI_Allreduce of the memory needed failed");
    if (glob[1] >= UINT32_MAX)
        return attrib_err_set(ATTRIB_EINPUT,
                              "the identity graph puts %llu identities on one of %d rank%s "
                              "(at most %u); give it more ranks",
                              (unsigned long long)glob[1], p->size, p->size == 1 ? "" : "s",
                              UINT32_MAX - 1);
    if (budget && glob[0] > budget) {
        char a[32], b[32];
        human(a, sizeof a, glob[0]);
        human(b, sizeof b, budget);
        return attrib_err_set(ATTRIB_EINPUT,
                              "the identity graph needs %s per rank (--memory-per-rank %s); "
                              "give it more memory or more ranks",
                              a, b);
    }
    return 0;
}

/* ---- build ---- */

int attrib_idgraph_build(const attrib_par *p, const uint64_t *a, const uint64_t *b, size_t n,
                         uint64_t max_component, uint64_t budget, attrib_idgraph **out,
                         attrib_idgraph_figures *fig)
{
    const double t0 = MPI_Wtime();
    const int P = p->size, me = p->rank;
    ctx c;
    ctx_init(&c, p);
    memt M = {0, 0};
    int rc = 0;
    *out = NULL;
    memset(fig, 0, sizeof *fig);
    uint64_t *scount = attrib_xcalloc((size_t)P, sizeof *scount);
    uint64_t *rcount = attrib_xcalloc((size_t)P, sizeof *rcount);
    uint64_t *disp = attrib_xcalloc((size_t)P, sizeof *disp);
    uint64_t *pcount = attrib_xcalloc((size_t)P, sizeof *pcount); /* plan: endpoints per owner */
    uint64_t *qcount = attrib_xcalloc((size_t)P, sizeof *qcount); /* plan: ids per edge rank */
    uint64_t *rb = NULL; /* per round bytes, this rank */
    size_t rbcap = 0;

    /* 1. Each link, as (min, max), to the rank of its pair; self links dropped. */
    size_t nn = 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) {
            const uint64_t u = min64(a[i], b[i]), v = a[i] ^ b[i] ^ u;
            scount[edge_owner(u, v, P)]++;
            nn++;
        }
    xcounts(&c, scount, rcount);
    const uint64_t R = prefix(rcount, disp, P);
    /* Ahead: the links sent and received (16 bytes each), then the sort's scratch. */
    rc = check(p, budget, 16 * (uint64_t)nn > 16 * R ? 16 * (uint64_t)nn + 16 * R : 32 * R, 0);
    if (rc)
        goto out0;
    kv *sb = m_get(&M, nn * sizeof(kv));
    prefix(scount, disp, P);
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) {
            const uint64_t u = min64(a[i], b[i]), v = a[i] ^ b[i] ^ u;
            sb[disp[edge_owner(u, v, P)]++] = (kv){u, v};
        }
    kv *E = m_get(&M, (size_t)R * sizeof(kv));
    xchg(&c, sb, scount, E, rcount, sizeof(kv));
    m_put(&M, sb, nn * sizeof(kv));
    kv *tmp = m_get(&M, (size_t)R * sizeof(kv));
    radix_kv(E, tmp, (size_t)R, 1);
    radix_kv(E, tmp, (size_t)R, 0);
    m_put(&M, tmp, (size_t)R * sizeof(kv));
    size_t m = 0;
    for (size_t i = 0; i < (size_t)R; i++)
        if (m == 0 || E[i].k != E[m - 1].k || E[i].v != E[m - 1].v)
            E[m++] = E[i];
    E = attrib_xrealloc(E, (m ? m : 1) * sizeof(kv));
    M.cur -= ((size_t)R - m) * sizeof(kv);

    /* 2. The distinct endpoints of this rank's edges, and the edges as their indices. */
    kv *vs = m_get(&M, m * sizeof(kv));
    for (size_t e = 0; e < m; e++)
        vs[e] = (kv){E[e].v, e};
    tmp = m_get(&M, m * sizeof(kv));
    radix_kv(vs, tmp, m, 0);
    m_put(&M, tmp, m * sizeof(kv));
    size_t du = 0, dv = 0;
    for (size_t e = 0; e < m; e++) {
        du += e == 0 || E[e].k != E[e - 1].k;
        dv += e == 0 || vs[e].k != vs[e - 1].k;
    }
    uint64_t *ends = m_get(&M, (du + dv) * sizeof *ends);
    size_t ne = 0;
    {
        size_t i = 0, j = 0;
        while (i < m || j < m) {
            uint64_t x;
            if (j >= m || (i < m && E[i].k <= vs[j].k))
                x = E[i++].k;
            else
                x = vs[j++].k;
            if (ne == 0 || ends[ne - 1] != x)
                ends[ne++] = x;
        }
    }
    rc = check(p, budget, M.cur + 8 * (uint64_t)m + 12 * (uint64_t)ne, ne);
    if (rc) {
        m_put(&M, vs, m * sizeof(kv));
        m_put(&M, E, m * sizeof(kv));
        m_put(&M, ends, (du + dv) * sizeof *ends);
        goto out0;
    }
    uint32_t *ed = m_get(&M, 2 * m * sizeof *ed);
    for (size_t e = 0, j = 0; e < m; e++) {
        while (ends[j] != E[e].k)
            j++;
        ed[2 * e] = (uint32_t)j;
    }
    for (size_t e = 0, j = 0; e < m; e++) {
        while (ends[j] != vs[e].k)
            j++;
        ed[2 * vs[e].v + 1] = (uint32_t)j;
    }
    m_put(&M, vs, m * sizeof(kv));
    m_put(&M, E, m * sizeof(kv));
    /* Group the endpoints by owner (each owner's block ascending): the plan. */
    for (size_t j = 0; j < ne; j++)
        pcount[owner_of(ends[j], P)]++;
    prefix(pcount, disp, P);
    uint32_t *pos = m_get(&M, ne * sizeof *pos);
    uint64_t *ids = m_get(&M, ne * sizeof *ids);
    for (size_t j = 0; j < ne; j++) {
        const size_t q = (size_t)disp[owner_of(ends[j], P)]++;
        pos[j] = (uint32_t)q;
        ids[q] = ends[j];
    }
    m_put(&M, ends, (du + dv) * sizeof *ends);
    for (size_t k = 0; k < 2 * m; k++)
        ed[k] = pos[ed[k]];
    m_put(&M, pos, ne * sizeof *pos);
    xcounts(&c, pcount, qcount);
    const uint64_t Q = prefix(qcount, disp, P);
    /* Setup ahead: the ids received and their sort (32 Q); the rounds: per vertex (at
     * most Q of them) f, gf, mn, the table and the messages of (c) and (d) (about 100
     * bytes), per planned id its index and a buffer (12), per endpoint 16. */
    {
        const uint64_t setup = M.cur + 8 * Q + 32 * Q;
        const uint64_t rounds = 8 * (uint64_t)m + 16 * (uint64_t)ne + 12 * Q + 8 * Q + 100 * Q;
        rc = check(p, budget, setup > rounds ? setup : rounds, Q);
    }
    if (rc) {
        m_put(&M, ids, ne * sizeof *ids);
        m_put(&M, ed, 2 * m * sizeof *ed);
        goto out0;
    }
    uint64_t *qids = m_get(&M, (size_t)Q * sizeof *qids);
    xchg(&c, ids, pcount, qids, qcount, sizeof *ids);
    m_put(&M, ids, ne * sizeof *ids);

    /* 3. The owner's vertices and, per planned id, its vertex index. */
    kv *qp = m_get(&M, (size_t)Q * sizeof(kv));
    for (size_t k = 0; k < (size_t)Q; k++)
        qp[k] = (kv){qids[k], k};
    m_put(&M, qids, (size_t)Q * sizeof *qids);
    tmp = m_get(&M, (size_t)Q * sizeof(kv));
    radix_kv(qp, tmp, (size_t)Q, 0);
    m_put(&M, tmp, (size_t)Q * sizeof(kv));
    size_t nv = 0;
    for (size_t k = 0; k < (size_t)Q; k++)
        nv += k == 0 || qp[k].k != qp[k - 1].k;
    uint64_t *V = m_get(&M, nv * sizeof *V);
    uint32_t *req = m_get(&M, (size_t)Q * sizeof *req);
    nv = 0;
    for (size_t k = 0; k < (size_t)Q; k++) {
        if (k == 0 || qp[k].k != qp[k - 1].k)
            V[nv++] = qp[k].k;
        req[qp[k].v] = (uint32_t)(nv - 1);
    }
    m_put(&M, qp, (size_t)Q * sizeof(kv));
    uint64_t htmask;
    size_t htbytes;
    uint32_t *ht = ht_build(V, nv, &htmask, &M, &htbytes);

    /* 4. FastSV rounds. */
    uint64_t *f = m_get(&M, nv * 8), *gf = m_get(&M, nv * 8), *mn = m_get(&M, nv * 8);
    uint64_t *gfE = m_get(&M, ne * 8), *mE = m_get(&M, ne * 8), *qb = m_get(&M, (size_t)Q * 8);
    memcpy(f, V, nv * 8);
    memcpy(gf, V, nv * 8);
    const uint64_t links = attrib_par_sum_u64(p, m);
    int rounds = 0;
    while (links > 0) {
        const uint64_t b0 = c.bytes;
        /* (a) gf to the edge ranks, (b) the smallest gf of the neighbours back. */
        for (size_t k = 0; k < (size_t)Q; k++)
            qb[k] = gf[req[k]];
        xchg(&c, qb, qcount, gfE, pcount, 8);
        for (size_t j = 0; j < ne; j++)
            mE[j] = NONE;
        for (size_t e = 0; e < m; e++) {
            const uint32_t x = ed[2 * e], y = ed[2 * e + 1];
            mE[x] = min64(mE[x], gfE[y]);
            mE[y] = min64(mE[y], gfE[x]);
        }
        xchg(&c, mE, pcount, qb, qcount, 8);
        for (size_t i = 0; i < nv; i++)
            mn[i] = NONE;
        for (size_t k = 0; k < (size_t)Q; k++)
            mn[req[k]] = min64(mn[req[k]], qb[k]);
        /* (c) stochastic hooking: (f[u], mn[u]) to the owner of f[u]. */
        memset(scount, 0, (size_t)P * sizeof *scount);
        size_t ns = 0;
        for (size_t i = 0; i < nv; i++)
            if (mn[i] < gf[i]) {
                scount[owner_of(f[i], P)]++;
                ns++;
            }
        prefix(scount, disp, P);
        kv *hs = m_get(&M, ns * sizeof(kv));
        for (size_t i = 0; i < nv; i++)
            if (mn[i] < gf[i])
                hs[disp[owner_of(f[i], P)]++] = (kv){f[i], mn[i]};
        xcounts(&c, scount, rcount);
        const uint64_t nh = prefix(rcount, disp, P);
        kv *hr = m_get(&M, (size_t)nh * sizeof(kv));
        xchg(&c, hs, scount, hr, rcount, sizeof(kv));
        m_put(&M, hs, ns * sizeof(kv));
        int changed = 0;
        /* aggressive hooking and shortcutting */
        for (size_t i = 0; i < nv; i++) {
            const uint64_t x = min64(min64(mn[i], gf[i]), f[i]);
            if (x < f[i]) {
                f[i] = x;
                changed = 1;
            }
        }
        for (size_t k = 0; k < (size_t)nh; k++) {
            const int64_t i = ht_find(ht, htmask, V, hr[k].k);
            if (i < 0)
                attrib_par_die(p, "identity graph: a parent is not a vertex of its owner");
            if (hr[k].v < f[i]) {
                f[i] = hr[k].v;
                changed = 1;
            }
        }
        m_put(&M, hr, (size_t)nh * sizeof(kv));
        /* (d) gf = f[f] */
        memset(scount, 0, (size_t)P * sizeof *scount);
        size_t nq = 0;
        for (size_t i = 0; i < nv; i++) {
            if (f[i] == V[i]) {
                gf[i] = f[i];
                continue;
            }
            const int o = owner_of(f[i], P);
            if (o == me) {
                const int64_t j = ht_find(ht, htmask, V, f[i]);
                if (j < 0)
                    attrib_par_die(p, "identity graph: a parent is not a vertex of its owner");
                gf[i] = f[j];
            } else {
                scount[o]++;
                nq++;
            }
        }
        prefix(scount, disp, P);
        uint64_t *qs = m_get(&M, nq * 8);
        uint32_t *qi = m_get(&M, nq * 4);
        for (size_t i = 0; i < nv; i++)
            if (f[i] != V[i]) {
                const int o = owner_of(f[i], P);
                if (o != me) {
                    const size_t q = (size_t)disp[o]++;
                    qs[q] = f[i];
                    qi[q] = (uint32_t)i;
                }
            }
        xcounts(&c, scount, rcount);
        const uint64_t nqr = prefix(rcount, disp, P);
        uint64_t *qr = m_get(&M, (size_t)nqr * 8);
        xchg(&c, qs, scount, qr, rcount, 8);
        for (size_t k = 0; k < (size_t)nqr; k++) {
            const int64_t j = ht_find(ht, htmask, V, qr[k]);
            if (j < 0)
                attrib_par_die(p, "identity graph: a parent is not a vertex of its owner");
            qr[k] = f[j];
        }
        xchg(&c, qr, rcount, qs, scount, 8);
        for (size_t k = 0; k < nq; k++)
            gf[qi[k]] = qs[k];
        m_put(&M, qr, (size_t)nqr * 8);
        m_put(&M, qi, nq * 4);
        m_put(&M, qs, nq * 8);
        rounds++;
        if ((size_t)rounds > rbcap) {
            rbcap = rbcap ? 2 * rbcap : 32;
            rb = attrib_xrealloc(rb, rbcap * sizeof *rb);
        }
        rb[rounds - 1] = c.bytes - b0;
        int any = 0;
        if (MPI_Allreduce(&changed, &any, 1, MPI_INT, MPI_MAX, p->comm) != MPI_SUCCESS)
            attrib_par_die(p, "identity graph: MPI_Allreduce of a round's outcome failed");
        if (!any)
            break;
    }
    m_put(&M, qb, (size_t)Q * 8);
    m_put(&M, mE, ne * 8);
    m_put(&M, gfE, ne * 8);
    m_put(&M, gf, nv * 8);
    m_put(&M, req, (size_t)Q * sizeof *req);
    m_put(&M, ed, 2 * m * sizeof *ed);

    /* 5. Component sizes at the label's owner, and the merge decision. */
    kv *lp = m_get(&M, nv * sizeof(kv));
    for (size_t i = 0; i < nv; i++)
        lp[i] = (kv){f[i], i};
    tmp = m_get(&M, nv * sizeof(kv));
    radix_kv(lp, tmp, nv, 0);
    m_put(&M, tmp, nv * sizeof(kv));
    memset(scount, 0, (size_t)P * sizeof *scount);
    size_t nl = 0;
    for (size_t i = 0; i < nv; i++)
        if (i == 0 || lp[i].k != lp[i - 1].k) {
            scount[owner_of(lp[i].k, P)]++;
            nl++;
        }
    prefix(scount, disp, P);
    kv *ls = m_get(&M, nl * sizeof(kv));
    for (size_t i = 0; i < nv;) {
        size_t j = i;
        while (j < nv && lp[j].k == lp[i].k)
            j++;
        ls[disp[owner_of(lp[i].k, P)]++] = (kv){lp[i].k, j - i};
        i = j;
    }
    xcounts(&c, scount, rcount);
    const uint64_t nlr = prefix(rcount, disp, P);
    kv *lr = m_get(&M, (size_t)nlr * sizeof(kv));
    xchg(&c, ls, scount, lr, rcount, sizeof(kv));
    uint64_t *size = mn;
    memset(size, 0, nv * 8);
    for (size_t k = 0; k < (size_t)nlr; k++) {
        const int64_t i = ht_find(ht, htmask, V, lr[k].k);
        if (i < 0)
            attrib_par_die(p, "identity graph: a label is not a vertex of its owner");
        size[i] += lr[k].v;
    }
    for (size_t k = 0; k < (size_t)nlr; k++)
        lr[k].v = size[ht_find(ht, htmask, V, lr[k].k)];
    xchg(&c, lr, rcount, ls, scount, sizeof(kv));
    m_put(&M, lr, (size_t)nlr * sizeof(kv));
    prefix(scount, disp, P);
    uint64_t *person = f;
    for (size_t i = 0; i < nv;) {
        size_t j = i;
        while (j < nv && lp[j].k == lp[i].k)
            j++;
        const uint64_t s = ls[disp[owner_of(lp[i].k, P)]++].v;
        for (size_t k = i; k < j; k++)
            person[lp[k].v] = s <= max_component ? lp[i].k : V[lp[k].v];
        i = j;
    }
    m_put(&M, ls, nl * sizeof(kv));
    m_put(&M, lp, nv * sizeof(kv));

    /* 6. Figures. */
    uint64_t sums[7] = {m, nv, 0, 0, 0, 0, 0};
    uint64_t largest = 0;
    for (size_t i = 0; i < nv; i++)
        if (size[i]) {
            sums[2]++;
            if (size[i] <= max_component) {
                sums[3]++;
                sums[4] += size[i];
            } else {
                sums[5]++;
                sums[6] += size[i];
            }
            largest = largest > size[i] ? largest : size[i];
        }
    m_put(&M, mn, nv * 8);
    const uint64_t held_peak = M.peak;
    if (attrib_par_sum_u64_array(p, sums, 7) < 0)
        attrib_par_die(p, "identity graph: %s", attrib_err_msg());
    uint64_t *rball = attrib_xcalloc((size_t)(rounds ? rounds : 1), sizeof *rball);
    if (rounds) {
        memcpy(rball, rb, (size_t)rounds * sizeof *rb);
        if (attrib_par_sum_u64_array(p, rball, (size_t)rounds) < 0)
            attrib_par_die(p, "identity graph: %s", attrib_err_msg());
    }
    fig->links = sums[0];
    fig->vertices = sums[1];
    fig->components = sums[2];
    fig->merged_components = sums[3];
    fig->identities_merged = sums[4];
    fig->oversize_components = sums[5];
    fig->oversize_identities = sums[6];
    fig->largest_component = attrib_par_max_u64(p, largest);
    fig->rounds = rounds;
    fig->bytes = attrib_par_sum_u64(p, c.bytes);
    for (int r = 0; r < rounds; r++)
        fig->max_round_bytes = rball[r] > fig->max_round_bytes ? rball[r] : fig->max_round_bytes;
    fig->peak_bytes = attrib_par_max_u64(p, held_peak);
    double secs = MPI_Wtime() - t0, smax = secs;
    if (MPI_Allreduce(&secs, &smax, 1, MPI_DOUBLE, MPI_MAX, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "identity graph: MPI_Allreduce of the time failed");
    fig->seconds = smax;

    attrib_idgraph *g = attrib_xcalloc(1, sizeof *g);
    g->P = P;
    g->nv = nv;
    g->v = V;
    g->person = person;
    g->ht = ht;
    g->htmask = htmask;
    g->rounds = rounds;
    g->round_bytes = rball;
    *out = g;
    (void)htbytes;
out0:
    free(rb);
    free(scount);
    free(rcount);
    free(disp);
    free(pcount);
    free(qcount);
    ctx_free(&c);
    return rc;
}

const uint64_t *attrib_idgraph_round_bytes(const attrib_idgraph *g, int *rounds)
{
    *rounds = g ? g->rounds : 0;
    return g ? g->round_bytes : NULL;
}

/* ---- apply ---- */

int attrib_idgraph_apply(const attrib_par *p, const attrib_idgraph *g, uint64_t *ids, size_t n)
{
    const int P = p->size;
    ctx c;
    ctx_init(&c, p);
    memt M = {0, 0};
    uint64_t *scount = attrib_xcalloc((size_t)P, sizeof *scount);
    uint64_t *rcount = attrib_xcalloc((size_t)P, sizeof *rcount);
    uint64_t *disp = attrib_xcalloc((size_t)P, sizeof *disp);
    kv *pr = m_get(&M, n * sizeof(kv));
    for (size_t i = 0; i < n; i++)
        pr[i] = (kv){ids[i], i};
    kv *tmp = m_get(&M, n * sizeof(kv));
    radix_kv(pr, tmp, n, 0);
    m_put(&M, tmp, n * sizeof(kv));
    size_t nd = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || pr[i].k != pr[i - 1].k) {
            scount[owner_of(pr[i].k, P)]++;
            nd++;
        }
    prefix(scount, disp, P);
    uint64_t *sb = m_get(&M, nd * 8);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || pr[i].k != pr[i - 1].k)
            sb[disp[owner_of(pr[i].k, P)]++] = pr[i].k;
    xcounts(&c, scount, rcount);
    const uint64_t nr = prefix(rcount, disp, P);
    uint64_t *rbuf = m_get(&M, (size_t)nr * 8);
    xchg(&c, sb, scount, rbuf, rcount, 8);
    for (size_t k = 0; k < (size_t)nr; k++) {
        const int64_t i = g->nv ? ht_find(g->ht, g->htmask, g->v, rbuf[k]) : -1;
        if (i >= 0)
            rbuf[k] = g->person[i];
    }
    xchg(&c, rbuf, rcount, sb, scount, 8);
    m_put(&M, rbuf, (size_t)nr * 8);
    prefix(scount, disp, P);
    for (size_t i = 0; i < n;) {
        const uint64_t x = sb[disp[owner_of(pr[i].k, P)]++];
        size_t j = i;
        while (j < n && pr[j].k == pr[i].k)
            ids[pr[j++].v] = x;
        i = j;
    }
    m_put(&M, sb, nd * 8);
    m_put(&M, pr, n * sizeof(kv));
    free(scount);
    free(rcount);
    free(disp);
    ctx_free(&c);
    return 0;
}

/* ---- members ---- */

static int cmp_u64(const void *x, const void *y)
{
    const uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

int attrib_idgraph_members(const attrib_par *p, const attrib_idgraph *g, uint64_t person,
                           uint64_t **members, size_t *n)
{
    *members = NULL;
    *n = 0;
    size_t k = 0, cap = 16;
    uint64_t *mine = attrib_xmalloc(cap * sizeof *mine);
    for (size_t i = 0; i < g->nv; i++)
        if (g->person[i] == person) {
            if (k == cap) {
                cap *= 2;
                mine = attrib_xrealloc(mine, cap * sizeof *mine);
            }
            mine[k++] = g->v[i];
        }
    if (owner_of(person, p->size) == p->rank &&
        (g->nv == 0 || ht_find(g->ht, g->htmask, g->v, person) < 0)) {
        if (k == cap)
            mine = attrib_xrealloc(mine, ++cap * sizeof *mine);
        mine[k++] = person;
    }
    const uint64_t total = attrib_par_sum_u64(p, k);
    if (total > INT_MAX) {
        free(mine);
        return attrib_err_set(ATTRIB_EINPUT,
                              "person %016llx has %llu identities: more than one rank gathers",
                              (unsigned long long)person, (unsigned long long)total);
    }
    int cnt = (int)k, *cnts = NULL, *disps = NULL;
    uint64_t *all = NULL;
    if (p->rank == 0) {
        cnts = attrib_xmalloc((size_t)p->size * sizeof *cnts);
        disps = attrib_xmalloc((size_t)p->size * sizeof *disps);
        all = attrib_xmalloc((size_t)(total ? total : 1) * sizeof *all);
    }
    if (MPI_Gather(&cnt, 1, MPI_INT, cnts, 1, MPI_INT, 0, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "identity graph: MPI_Gather of member counts failed");
    if (p->rank == 0) {
        int s = 0;
        for (int r = 0; r < p->size; r++) {
            disps[r] = s;
            s += cnts[r];
        }
    }
    if (MPI_Gatherv(mine, cnt, MPI_UINT64_T, all, cnts, disps, MPI_UINT64_T, 0, p->comm) !=
        MPI_SUCCESS)
        attrib_par_die(p, "identity graph: MPI_Gatherv of members failed");
    free(mine);
    free(cnts);
    free(disps);
    if (p->rank == 0) {
        qsort(all, (size_t)total, sizeof *all, cmp_u64);
        *members = all;
        *n = (size_t)total;
    }
    return 0;
}

void attrib_idgraph_free(attrib_idgraph *g)
{
    if (!g)
        return;
    free(g->v);
    free(g->person);
    free(g->ht);
    free(g->round_bytes);
    free(g);
}

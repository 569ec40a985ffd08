/* mpi: 1 2 3 4 */
/* The identity graph (src/par/idgraph.c) against a brute-force union-find: every rank
 * generates the same global links, computes the expected components alone, builds the
 * graph from its share (even, uneven with rank 0 holding none, round robin after a
 * shuffle) and checks every figure, attrib_idgraph_apply (ids outside the graph,
 * duplicates, n = 0 on some ranks) and attrib_idgraph_members. Random graphs of several
 * densities, long chains (in hash order and in a random order), stars, cycles, components
 * of exactly max_component and one more, repeats in both directions, self links, the
 * empty graph, exchanges forced into rounds, and the memory budget. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/idgraph.h"
#include "attrib/par.h"

static int failures, rank, size;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "rank %d: %s:%d: [%s] check failed: %s\n", rank, __FILE__, __LINE__,  \
                    cur_case, #c);                                                                 \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)
static const char *cur_case = "";

static uint64_t rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int cmp_u64(const void *x, const void *y)
{
    const uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* ---- the global link list ---- */
typedef struct links {
    uint64_t *a, *b;
    size_t n, cap;
} links;

static void add(links *L, uint64_t a, uint64_t b)
{
    if (L->n == L->cap) {
        L->cap = L->cap ? 2 * L->cap : 1024;
        L->a = realloc(L->a, L->cap * sizeof *L->a);
        L->b = realloc(L->b, L->cap * sizeof *L->b);
    }
    L->a[L->n] = a;
    L->b[L->n++] = b;
}

/* ---- brute force ---- */
typedef struct truth {
    uint64_t *v;      /* sorted distinct vertices */
    size_t nv;
    uint64_t *person; /* per vertex */
    attrib_idgraph_figures fig;
} truth;

static size_t find(size_t *par, size_t x)
{
    while (par[x] != x) {
        par[x] = par[par[x]];
        x = par[x];
    }
    return x;
}

static size_t vindex(const truth *T, uint64_t id)
{
    size_t lo = 0, hi = T->nv;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (T->v[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < T->nv && T->v[lo] == id ? lo : (size_t)-1;
}

static void brute(const links *L, uint64_t maxc, truth *T)
{
    memset(T, 0, sizeof *T);
    uint64_t *all = malloc((2 * L->n + 1) * sizeof *all);
    size_t k = 0;
    for (size_t i = 0; i < L->n; i++)
        if (L->a[i] != L->b[i]) {
            all[k++] = L->a[i];
            all[k++] = L->b[i];
        }
    qsort(all, k, sizeof *all, cmp_u64);
    size_t nv = 0;
    for (size_t i = 0; i < k; i++)
        if (nv == 0 || all[nv - 1] != all[i])
            all[nv++] = all[i];
    T->v = all;
    T->nv = nv;
    size_t *par = malloc((nv + 1) * sizeof *par);
    for (size_t i = 0; i < nv; i++)
        par[i] = i;
    /* distinct undirected edges */
    uint64_t *e = malloc((2 * L->n + 1) * sizeof *e);
    size_t ne = 0;
    for (size_t i = 0; i < L->n; i++)
        if (L->a[i] != L->b[i]) {
            uint64_t u = L->a[i] < L->b[i] ? L->a[i] : L->b[i];
            uint64_t v = L->a[i] < L->b[i] ? L->b[i] : L->a[i];
            e[2 * ne] = u;
            e[2 * ne + 1] = v;
            ne++;
            size_t x = find(par, vindex(T, u)), y = find(par, vindex(T, v));
            if (x != y) /* the root is the smaller index: the smallest hash */
                par[x > y ? x : y] = x < y ? x : y;
        }
    /* count distinct pairs */
    qsort(e, ne, 2 * sizeof *e, cmp_u64); /* by u only; then dedupe per run of u */
    uint64_t distinct = 0;
    for (size_t i = 0; i < ne;) {
        size_t j = i;
        while (j < ne && e[2 * j] == e[2 * i])
            j++;
        uint64_t *vs = malloc((j - i) * sizeof *vs);
        for (size_t t = i; t < j; t++)
            vs[t - i] = e[2 * t + 1];
        qsort(vs, j - i, sizeof *vs, cmp_u64);
        for (size_t t = 0; t < j - i; t++)
            distinct += t == 0 || vs[t] != vs[t - 1];
        free(vs);
        i = j;
    }
    free(e);
    uint64_t *csize = calloc(nv + 1, sizeof *csize);
    for (size_t i = 0; i < nv; i++)
        csize[find(par, i)]++;
    T->person = malloc((nv + 1) * sizeof *T->person);
    attrib_idgraph_figures *f = &T->fig;
    f->links = distinct;
    f->vertices = nv;
    for (size_t i = 0; i < nv; i++) {
        size_t r = find(par, i);
        T->person[i] = csize[r] <= maxc ? T->v[r] : T->v[i];
        if (r == i) {
            f->components++;
            if (csize[i] <= maxc) {
                f->merged_components++;
                f->identities_merged += csize[i];
            } else {
                f->oversize_components++;
                f->oversize_identities += csize[i];
            }
            if (csize[i] > f->largest_component)
                f->largest_component = csize[i];
        }
    }
    free(csize);
    free(par);
}

static uint64_t truth_apply(const truth *T, uint64_t id)
{
    size_t i = vindex(T, id);
    return i == (size_t)-1 ? id : T->person[i];
}

/* ---- one case ---- */

/* This rank's share of the links: split 0 even and contiguous, 1 uneven (rank 0 none,
 * the last rank most), 2 round robin after a shuffle with sides swapped at random. */
static size_t share(const links *L, int split, uint64_t seed, uint64_t **a, uint64_t **b)
{
    size_t n = L->n, lo = 0, hi = 0, k = 0;
    *a = malloc((n + 1) * sizeof **a);
    *b = malloc((n + 1) * sizeof **b);
    if (split == 0) {
        lo = n * (size_t)rank / (size_t)size;
        hi = n * (size_t)(rank + 1) / (size_t)size;
    } else if (split == 1) {
        /* weights 0, 1, 2, ... , size-1 (+ the rest on the last rank) */
        size_t tot = (size_t)size * (size_t)(size - 1) / 2;
        if (tot == 0) {
            lo = 0;
            hi = n;
        } else {
            size_t before = (size_t)rank * (size_t)(rank - 1) / 2;
            lo = n * before / tot;
            hi = rank == size - 1 ? n : n * (before + (size_t)rank) / tot;
        }
    }
    if (split < 2) {
        for (size_t i = lo; i < hi; i++) {
            (*a)[k] = L->a[i];
            (*b)[k++] = L->b[i];
        }
        return k;
    }
    size_t *perm = malloc((n + 1) * sizeof *perm);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    uint64_t s = seed;
    for (size_t i = n; i > 1; i--) {
        size_t j = rng(&s) % i, t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        if (i % (size_t)size == (size_t)rank) {
            int swap = (int)(rng(&s) & 1);
            (*a)[k] = swap ? L->b[perm[i]] : L->a[perm[i]];
            (*b)[k++] = swap ? L->a[perm[i]] : L->b[perm[i]];
        }
    free(perm);
    return k;
}

static void check_case(attrib_par *p, const char *name, const links *L, uint64_t maxc,
                       uint64_t seed)
{
    cur_case = name;
    truth T;
    brute(L, maxc, &T);
    int rounds0 = -1;
    for (int split = 0; split < 3; split++) {
        uint64_t *a, *b;
        size_t n = share(L, split, seed + (uint64_t)split, &a, &b);
        attrib_idgraph *g = NULL;
        attrib_idgraph_figures fig;
        int rc = attrib_idgraph_build(p, a, b, n, maxc, 0, &g, &fig);
        CHECK(rc == 0);
        if (rc) {
            fprintf(stderr, "%s\n", attrib_err_msg());
            free(a);
            free(b);
            continue;
        }
        CHECK(fig.links == T.fig.links);
        CHECK(fig.vertices == T.fig.vertices);
        CHECK(fig.components == T.fig.components);
        CHECK(fig.merged_components == T.fig.merged_components);
        CHECK(fig.identities_merged == T.fig.identities_merged);
        CHECK(fig.oversize_components == T.fig.oversize_components);
        CHECK(fig.oversize_identities == T.fig.oversize_identities);
        CHECK(fig.largest_component == T.fig.largest_component);
        CHECK(fig.components == 0 || fig.rounds >= 2);
        CHECK(fig.links > 0 || fig.rounds == 0);
        CHECK(fig.peak_bytes > 0 || fig.vertices == 0);
        CHECK(size == 1 || fig.vertices == 0 || fig.bytes > 0);
        CHECK(fig.max_round_bytes <= fig.bytes);
        /* The rounds are a function of the graph, not of the split. */
        if (rounds0 < 0)
            rounds0 = fig.rounds;
        CHECK(fig.rounds == rounds0);
        int nr = 0;
        const uint64_t *rb = attrib_idgraph_round_bytes(g, &nr);
        CHECK(nr == fig.rounds);
        uint64_t sum = 0, mx = 0;
        for (int r = 0; r < nr; r++) {
            sum += rb[r];
            mx = rb[r] > mx ? rb[r] : mx;
        }
        CHECK(sum <= fig.bytes);
        CHECK(mx == fig.max_round_bytes);
        /* Every figure the same on every rank. */
        uint64_t mine[4] = {fig.links, fig.bytes, fig.peak_bytes, (uint64_t)fig.rounds}, mx4[4];
        MPI_Allreduce(mine, mx4, 4, MPI_UINT64_T, MPI_MAX, p->comm);
        CHECK(memcmp(mine, mx4, sizeof mine) == 0);

        /* apply: this rank's ids = some vertices, some outsiders, duplicates; rank 1
         * (when there is one) none, and the split changes the share. */
        uint64_t s = seed * 31 + (uint64_t)rank * 7 + (uint64_t)split;
        size_t m = (rank == 1) ? 0 : (size_t)(rng(&s) % 3000);
        uint64_t *ids = malloc((m + 1) * sizeof *ids), *want = malloc((m + 1) * sizeof *want);
        for (size_t i = 0; i < m; i++) {
            uint64_t r = rng(&s);
            if (T.nv && r % 4 != 0)
                ids[i] = T.v[r % T.nv];
            else if (r % 8 == 0 && i > 0)
                ids[i] = ids[r % i];
            else
                ids[i] = rng(&s);
            want[i] = truth_apply(&T, ids[i]);
        }
        CHECK(attrib_idgraph_apply(p, g, ids, m) == 0);
        for (size_t i = 0; i < m; i++)
            CHECK(ids[i] == want[i]);
        free(ids);
        free(want);
        /* The whole vertex set through apply, on rank 0 only. */
        if (split == 0) {
            size_t k = rank == 0 ? T.nv : 0;
            uint64_t *all = malloc((k + 1) * sizeof *all);
            if (k)
                memcpy(all, T.v, k * sizeof *all);
            CHECK(attrib_idgraph_apply(p, g, all, k) == 0);
            for (size_t i = 0; i < k; i++)
                CHECK(all[i] == T.person[i]);
            free(all);
        }

        /* members: a few persons (a label, a member that is not one, an outsider). */
        uint64_t ask[6] = {12345, 0, 0, 0, 0, 0};
        uint64_t s2 = seed + 99;
        for (int q = 1; q < 6 && T.nv; q++) {
            size_t i = (size_t)(rng(&s2) % T.nv);
            ask[q] = q % 2 ? T.person[i] : T.v[i];
        }
        for (int q = 0; q < 6; q++) {
            uint64_t *mem = NULL;
            size_t nm = 0;
            CHECK(attrib_idgraph_members(p, g, ask[q], &mem, &nm) == 0);
            if (rank == 0) {
                size_t k = 0;
                for (size_t i = 0; i < T.nv; i++)
                    if (T.person[i] == ask[q])
                        k++;
                if (vindex(&T, ask[q]) == (size_t)-1)
                    k++;
                CHECK(nm == k);
                size_t j = 0;
                int inorder = 1;
                for (size_t i = 0; i < T.nv && j < nm; i++)
                    if (T.person[i] == ask[q])
                        inorder &= mem[j++] == T.v[i];
                if (vindex(&T, ask[q]) == (size_t)-1)
                    inorder &= nm == 1 && mem[0] == ask[q];
                CHECK(inorder);
            } else {
                CHECK(mem == NULL && nm == 0);
            }
            free(mem);
        }
        attrib_idgraph_free(g);
        free(a);
        free(b);
    }
    if (rank == 0)
        printf("%-28s links %8llu vertices %8llu components %6llu rounds %d\n", name,
               (unsigned long long)T.fig.links, (unsigned long long)T.fig.vertices,
               (unsigned long long)T.fig.components, rounds0);
    free(T.v);
    free(T.person);
}

/* Random "persons with devices": npers persons of 1..maxdev devices, each person's
 * devices linked at random (connected), with repeats and self links. */
static void persons(links *L, uint64_t *s, size_t npers, int maxdev, uint64_t idmask)
{
    uint64_t dev[64];
    for (size_t q = 0; q < npers; q++) {
        int k = 1 + (int)(rng(s) % (uint64_t)maxdev);
        for (int i = 0; i < k; i++)
            dev[i] = rng(s) & idmask;
        for (int i = 1; i < k; i++)
            add(L, dev[i], dev[rng(s) % (uint64_t)i]);
        if (k >= 2 && rng(s) % 3 == 0)
            add(L, dev[1], dev[0]); /* a repeat, the other way round */
        if (rng(s) % 5 == 0)
            add(L, dev[0], dev[0]);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    attrib_par p;
    attrib_par_init(&p, MPI_COMM_WORLD);
    p.progress = 0;
    rank = p.rank;
    size = p.size;
    links L = {0};
    uint64_t s = 42;

    check_case(&p, "empty", &L, 1000, 1);

    add(&L, 7, 7);
    add(&L, 9, 9);
    check_case(&p, "self links only", &L, 1000, 2);

    L.n = 0;
    add(&L, 5, 3);
    add(&L, 3, 5);
    add(&L, 5, 3);
    check_case(&p, "one edge, repeated", &L, 1000, 3);

    /* random graphs, sparse to dense, some with ids sharing their low bits */
    const struct {
        size_t nv, ne;
        uint64_t shift;
    } rg[] = {{2000, 500, 0}, {2000, 1500, 0}, {2000, 2000, 20}, {3000, 9000, 0}, {500, 20000, 32}};
    for (size_t t = 0; t < sizeof rg / sizeof rg[0]; t++) {
        L.n = 0;
        uint64_t *pool = malloc(rg[t].nv * sizeof *pool);
        for (size_t i = 0; i < rg[t].nv; i++)
            pool[i] = rng(&s) << rg[t].shift;
        for (size_t e = 0; e < rg[t].ne; e++)
            add(&L, pool[rng(&s) % rg[t].nv], pool[rng(&s) % rg[t].nv]);
        free(pool);
        char name[64];
        snprintf(name, sizeof name, "random %zu/%zu<<%llu", rg[t].nv, rg[t].ne,
                 (unsigned long long)rg[t].shift);
        check_case(&p, name, &L, 50, 10 + t);
        check_case(&p, name, &L, 1000000, 20 + t);
    }

    /* persons with devices, small ids (low bits not uniform) and full hashes */
    L.n = 0;
    persons(&L, &s, 3000, 8, UINT64_MAX);
    check_case(&p, "persons", &L, 4, 30);
    L.n = 0;
    persons(&L, &s, 2000, 12, 0xffff);
    check_case(&p, "persons, 16-bit ids", &L, 6, 31);

    /* long chains: ids increasing along the path (the hardest order for min labels),
     * decreasing, and random; diameter 2*10^4 */
    for (int kind = 0; kind < 3; kind++) {
        L.n = 0;
        const size_t N = 20000;
        uint64_t prev = 0;
        for (size_t i = 0; i < N; i++) {
            uint64_t id = kind == 0 ? (uint64_t)i * 1000 + 1
                          : kind == 1 ? (uint64_t)(N - i) * 3
                                      : rng(&s);
            if (i)
                add(&L, prev, id);
            prev = id;
        }
        const char *nm[] = {"chain ascending", "chain descending", "chain random"};
        check_case(&p, nm[kind], &L, N, 40 + (uint64_t)kind);
        check_case(&p, nm[kind], &L, N - 1, 50 + (uint64_t)kind);
    }

    /* stars and cycles; components of exactly max_component and one more */
    L.n = 0;
    const uint64_t MC = 100;
    for (int st = 0; st < 3; st++) {
        uint64_t hub = rng(&s);
        size_t leaves = st == 0 ? MC - 1 : st == 1 ? MC : 3000; /* sizes MC, MC+1, big */
        for (size_t i = 0; i < leaves; i++) {
            uint64_t leaf = rng(&s);
            if (i & 1)
                add(&L, hub, leaf);
            else
                add(&L, leaf, hub);
        }
    }
    for (int cy = 0; cy < 2; cy++) {
        size_t len = cy == 0 ? MC : MC + 1;
        uint64_t first = rng(&s), prev = first;
        for (size_t i = 1; i < len; i++) {
            uint64_t id = rng(&s);
            add(&L, prev, id);
            prev = id;
        }
        add(&L, prev, first);
    }
    check_case(&p, "stars and cycles", &L, MC, 60);
    check_case(&p, "stars and cycles, cap 0", &L, 0, 61);

    /* exchanges in rounds of a few elements */
    setenv("ATTRIB_IDGRAPH_ROUND_ELEMS", "7", 1);
    check_case(&p, "stars and cycles, rounds", &L, MC, 62);
    L.n = 0;
    persons(&L, &s, 500, 6, UINT64_MAX);
    check_case(&p, "persons, rounds", &L, 3, 63);
    unsetenv("ATTRIB_IDGRAPH_ROUND_ELEMS");

    /* the budget: too small everywhere gives the same error on every rank */
    {
        cur_case = "budget";
        uint64_t *a, *b;
        size_t n = share(&L, 1, 5, &a, &b);
        attrib_idgraph *g = (attrib_idgraph *)1;
        attrib_idgraph_figures fig;
        int rc = attrib_idgraph_build(&p, a, b, n, 10, 4096, &g, &fig);
        CHECK(rc == ATTRIB_EINPUT);
        CHECK(g == NULL);
        CHECK(strstr(attrib_err_msg(), "the identity graph needs ") != NULL);
        CHECK(strstr(attrib_err_msg(), "per rank (--memory-per-rank 4 KiB)") != NULL);
        int mx = rc, mn = rc;
        MPI_Allreduce(&rc, &mx, 1, MPI_INT, MPI_MAX, p.comm);
        MPI_Allreduce(&rc, &mn, 1, MPI_INT, MPI_MIN, p.comm);
        CHECK(mx == mn);
        rc = attrib_idgraph_build(&p, a, b, n, 10, UINT64_C(1) << 40, &g, &fig);
        CHECK(rc == 0);
        attrib_idgraph_free(g);
        free(a);
        free(b);
    }

    free(L.a);
    free(L.b);
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, p.comm);
    if (rank == 0)
        printf("%s\n", total ? "FAIL" : "ok");
    MPI_Finalize();
    return total ? 1 : 0;
}

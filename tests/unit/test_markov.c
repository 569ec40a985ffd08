/* layer: core — the data-driven models (src/model): exact Markov removal effects on
 * hand-worked chains (orders 1 and 2, repeats, cycles, no conversion, one channel), both
 * solvers, the singular-chain rule, Shapley / first / last / linear, row-order
 * independence, and the path-table parser (formats, separators, quoting, errors). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/markov.h"
#include "attrib/paths.h"

static int fails;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)

static int near(double a, double b)
{
    return fabs(a - b) <= 1e-13 * (fabs(b) > 1 ? fabs(b) : 1);
}
#define NEAR(a, b)                                                                                 \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!near(a_, b_)) {                                                                       \
            fprintf(stderr, "%s:%d: %s = %.17g, expected %.17g\n", __FILE__, __LINE__, #a, a_, b_); \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)

/* Parse `text` as a path file fed in pieces of `chunk` bytes (0: at once). */
static int parse(const char *text, size_t chunk, const attrib_pathfile_opts *o, attrib_pathfile **out)
{
    attrib_pathfile *pf;
    attrib_pathfile_new("t.csv", o, &pf);
    const size_t n = strlen(text);
    size_t have = 0, start = 0; /* window [start, have) */
    int rc = 0;
    for (;;) {
        have = chunk && have + chunk < n ? have + chunk : n;
        const int eof = have == n;
        size_t used;
        rc = attrib_pathfile_feed(pf, text + start, have - start, eof, &used);
        if (rc < 0 || eof)
            break;
        start += used;
    }
    if (rc == 0)
        rc = attrib_pathfile_finish(pf);
    if (rc < 0) {
        attrib_pathfile_free(pf);
        *out = NULL;
        return rc;
    }
    *out = pf;
    return 0;
}

/* Fit the single table of `text` (CSV, header "path,conv,value,null" style). */
static int fit_text(const char *text, int order, attrib_fit_result *r, attrib_pathgroup *g, attrib_pathfile **pf)
{
    if (parse(text, 0, NULL, pf) < 0)
        return -1;
    attrib_pathfile_group(*pf, 0, g);
    return attrib_fit_paths(&g->tab, order, r);
}

static size_t chan(const attrib_pathgroup *g, const char *name)
{
    for (size_t k = 0; k < g->tab.nchan; k++)
        if (g->name_len[k] == strlen(name) && memcmp(g->names[k], name, g->name_len[k]) == 0)
            return k;
    fprintf(stderr, "no channel %s\n", name);
    fails++;
    return 0;
}

/* Both solvers. */
static void dense_max(const char *v)
{
    if (v)
        setenv("ATTRIB_MARKOV_DENSE_MAX", v, 1);
    else
        unsetenv("ATTRIB_MARKOV_DENSE_MAX");
}

static const char *const solvers[] = {NULL, "0"};

/* The example of docs/datadriven.md: c1>c2>c3 converts once (value 10), c1 and c2>c3
 * do not. P = 1/3; P_{-c1} = 1/6, P_{-c2} = P_{-c3} = 0: RE = 1/2, 1, 1; conversions
 * 0.2, 0.4, 0.4; every conversion ends at c3 (m = 10, A_c3 = 1/3), so VRE = 5/3, 10/3,
 * 10/3 and value = 2, 4, 4. */
static void test_spec_example(void)
{
    const char *t = "path,total_conversions,total_conversion_value,total_null\n"
                    "c1 > c2 > c3,1,10,0\n"
                    "c1,0,0,1\n"
                    "c2 > c3,0,,1\n";
    for (int s = 0; s < 2; s++) {
        dense_max(solvers[s]);
        attrib_fit_result r;
        attrib_pathgroup g;
        attrib_pathfile *pf;
        CHECK(fit_text(t, 1, &r, &g, &pf) == 0);
        CHECK(r.method == (s ? ATTRIB_MARKOV_SWEEP : ATTRIB_MARKOV_DENSE));
        CHECK(r.nchan == 3 && r.nstates == 3 && r.journeys == 3 && r.conversions == 1);
        NEAR(r.p, 1.0 / 3);
        const size_t c1 = chan(&g, "c1"), c2 = chan(&g, "c2"), c3 = chan(&g, "c3");
        NEAR(r.removal_effect[c1], 0.5);
        NEAR(r.removal_effect[c2], 1.0);
        NEAR(r.removal_effect[c3], 1.0);
        NEAR(r.markov_conv[c1], 0.2);
        NEAR(r.markov_conv[c2], 0.4);
        NEAR(r.markov_conv[c3], 0.4);
        NEAR(r.vre[c1], 5.0 / 3);
        NEAR(r.vre[c2], 10.0 / 3);
        NEAR(r.markov_value[c1], 2.0);
        NEAR(r.markov_value[c2], 4.0);
        NEAR(r.markov_value[c3], 4.0);
        NEAR(r.shapley_conv[c1], 1.0 / 3);
        NEAR(r.shapley_value[c3], 10.0 / 3);
        NEAR(r.first_conv[c1], 1.0);
        NEAR(r.first_conv[c2], 0.0);
        NEAR(r.last_conv[c3], 1.0);
        NEAR(r.linear_conv[c2], 1.0 / 3);
        attrib_fit_result_free(&r);
        attrib_pathfile_free(pf);
    }
    dense_max(NULL);
}

/* Two last states with different mean values. a>b: 1 conversion (10) and 1 null; a: 1
 * conversion (30) and 1 null. Chain: start->a 4; a->b 2, a->conv 1, a->null 1; b->conv
 * 1, b->null 1. h_b = 1/2, h_a = 1/4 + 1/2 h_b = 1/2 = P. Without a: P = 0, RE_a = 1.
 * Without b: P = 1/4, RE_b = 1/2. Conversions 2 * (1, 1/2) / 1.5 = 4/3, 2/3.
 * A_a = 1/4, A_b = 1/2 * 1/2 = 1/4, m_a = 30, m_b = 10: VRE_a = 30/4 + 10/4 = 10,
 * VRE_b = 10 (1/4 - 0) = 2.5 (A_{-b,a} = A_a); value 40 * (10, 2.5) / 12.5 = 32, 8. */
static void test_values(void)
{
    const char *t = "path,conversions,value,nulls\n"
                    "a>b,1,10,1\n"
                    "a,1,30,1\n";
    for (int s = 0; s < 2; s++) {
        dense_max(solvers[s]);
        attrib_fit_result r;
        attrib_pathgroup g;
        attrib_pathfile *pf;
        CHECK(fit_text(t, 1, &r, &g, &pf) == 0);
        const size_t a = chan(&g, "a"), b = chan(&g, "b");
        NEAR(r.removal_effect[a], 1.0);
        NEAR(r.removal_effect[b], 0.5);
        NEAR(r.markov_conv[a], 4.0 / 3);
        NEAR(r.markov_conv[b], 2.0 / 3);
        NEAR(r.vre[a], 10.0);
        NEAR(r.vre[b], 2.5);
        NEAR(r.markov_value[a], 32.0);
        NEAR(r.markov_value[b], 8.0);
        NEAR(r.shapley_conv[a], 1.5);
        NEAR(r.shapley_value[a], 35.0);
        NEAR(r.shapley_value[b], 5.0);
        NEAR(r.first_conv[a], 2.0);
        NEAR(r.last_conv[a], 1.0);
        NEAR(r.last_conv[b], 1.0);
        NEAR(r.linear_conv[a], 1.5);
        NEAR(r.linear_value[b], 5.0);
        attrib_fit_result_free(&r);
        attrib_pathfile_free(pf);
    }
    dense_max(NULL);
}

/* Order 2, by hand. Paths: a>b>c (1 conversion, value 6), a>b (1 null), b>c (1
 * conversion, value 3, 1 null), c (1 null: shorter than 2, one state "c").
 * States ab, bc, c. start->ab 2, start->bc 2, start->c 1 (J = 5); ab->bc 1, ab->null 1;
 * bc->conv 2, bc->null 1; c->null 1. h_bc = 2/3, h_ab = 1/3, h_c = 0;
 * P = 2/5 * 1/3 + 2/5 * 2/3 = 2/5. Removing a removes ab: P = 2/5 * 2/3 = 4/15,
 * RE_a = 1/3; removing b removes ab and bc: RE_b = 1; removing c removes bc and c:
 * RE_c = 1. Conversions 2 * (1/3, 1, 1) / (7/3) = 2/7, 6/7, 6/7. Every conversion ends
 * at bc (m = 4.5, A_bc = 2/5): VRE_a = 4.5 (2/5 - 4/15) = 0.6, VRE_b = VRE_c = 1.8;
 * value 9 * (0.6, 1.8, 1.8) / 4.2 = 9/7, 27/7, 27/7. */
static void test_order2(void)
{
    const char *t = "path,total_conversions,total_conversion_value,total_null\n"
                    "a>b>c,1,6,0\n"
                    "a>b,0,0,1\n"
                    "b>c,1,3,1\n"
                    "c,0,0,1\n";
    for (int s = 0; s < 2; s++) {
        dense_max(solvers[s]);
        attrib_fit_result r;
        attrib_pathgroup g;
        attrib_pathfile *pf;
        CHECK(fit_text(t, 2, &r, &g, &pf) == 0);
        CHECK(r.nstates == 3 && r.journeys == 5);
        const size_t a = chan(&g, "a"), b = chan(&g, "b"), c = chan(&g, "c");
        NEAR(r.removal_effect[a], 1.0 / 3);
        NEAR(r.removal_effect[b], 1.0);
        NEAR(r.removal_effect[c], 1.0);
        NEAR(r.markov_conv[a], 2.0 / 7);
        NEAR(r.markov_conv[b], 6.0 / 7);
        NEAR(r.vre[a], 0.6);
        NEAR(r.vre[c], 1.8);
        NEAR(r.markov_value[a], 9.0 / 7);
        NEAR(r.markov_value[c], 27.0 / 7);
        attrib_fit_result_free(&r);
        attrib_pathfile_free(pf);
    }
    dense_max(NULL);
}

/* Repeats and a cycle: c1>c1>c2>c1>c3 converts once, c2 does not. Order 1 collapses the
 * repeat: c1 -> c2 -> c1 -> c3. start->c1 1, start->c2 1; c1->c2 1, c1->c3 1; c2->c1 1,
 * c2->null 1; c3->conv 1. h_c3 = 1, h_c1 = h_c2/2 + 1/2, h_c2 = h_c1/2: h_c1 = 2/3,
 * h_c2 = 1/3, P = 1/2. Without c1: P = 0 (RE 1); without c2: h_c1 = 1/2, P = 1/4 (RE
 * 1/2); without c3: RE 1. Conversions 0.4, 0.2, 0.4. Linear counts repeats over the raw
 * path of 5 touches: 3/5, 1/5, 1/5. Order 2: states c1c1, c1c2, c2c1, c1c3 (a chain
 * without a cycle), and c2: every channel is on the one converting path's states and
 * removing any of them kills it, so RE = 1, 1, 1. */
static void test_cycle(void)
{
    const char *t = "path,total_conversions,total_null\n"
                    "c1>c1>c2>c1>c3,1,0\n"
                    "c2,0,1\n";
    for (int s = 0; s < 2; s++) {
        dense_max(solvers[s]);
        attrib_fit_result r;
        attrib_pathgroup g;
        attrib_pathfile *pf;
        CHECK(fit_text(t, 1, &r, &g, &pf) == 0);
        const size_t c1 = chan(&g, "c1"), c2 = chan(&g, "c2"), c3 = chan(&g, "c3");
        NEAR(r.removal_effect[c1], 1.0);
        NEAR(r.removal_effect[c2], 0.5);
        NEAR(r.removal_effect[c3], 1.0);
        NEAR(r.markov_conv[c1], 0.4);
        NEAR(r.markov_conv[c2], 0.2);
        NEAR(r.linear_conv[c1], 0.6);
        NEAR(r.linear_conv[c2], 0.2);
        NEAR(r.shapley_conv[c2], 1.0 / 3);
        CHECK(r.markov_value[c1] == 0.0); /* no values: sum VRE = 0 */
        attrib_fit_result_free(&r);
        CHECK(attrib_fit_paths(&g.tab, 2, &r) == 0);
        CHECK(r.nstates == 5);
        NEAR(r.removal_effect[c1], 1.0);
        NEAR(r.removal_effect[c2], 1.0);
        NEAR(r.removal_effect[c3], 1.0);
        attrib_fit_result_free(&r);
        attrib_pathfile_free(pf);
    }
    dense_max(NULL);
}

/* No conversion at all (P = 0): every removal effect and split is 0. One channel: RE 1
 * and it gets every conversion and all the value. A channel only on paths with no
 * journeys is listed with zeros. */
static void test_edges(void)
{
    attrib_fit_result r;
    attrib_pathgroup g;
    attrib_pathfile *pf;
    CHECK(fit_text("path,total_conversions,total_null\na>b,0,2\nb,0,1\n", 1, &r, &g, &pf) == 0);
    CHECK(r.method == ATTRIB_MARKOV_NONE && r.p == 0.0);
    for (size_t k = 0; k < r.nchan; k++)
        CHECK(r.removal_effect[k] == 0.0 && r.markov_conv[k] == 0.0 && r.shapley_conv[k] == 0.0);
    attrib_fit_result_free(&r);
    attrib_pathfile_free(pf);

    for (int s = 0; s < 2; s++) {
        dense_max(solvers[s]);
        CHECK(fit_text("path,total_conversions,total_conversion_value,total_null\n"
                       "a,1,5,1\na>a,2,7,0\nz,0,0,0\n",
                       1, &r, &g, &pf) == 0);
        const size_t a = chan(&g, "a"), z = chan(&g, "z");
        NEAR(r.removal_effect[a], 1.0);
        NEAR(r.markov_conv[a], 3.0);
        NEAR(r.markov_value[a], 12.0);
        NEAR(r.linear_conv[a], 3.0);
        CHECK(r.removal_effect[z] == 0.0 && r.markov_conv[z] == 0.0);
        attrib_fit_result_free(&r);
        attrib_pathfile_free(pf);
    }
    dense_max(NULL);
}

/* A chain whose counts balance but where states 1 and 2 loop with no way out: the
 * system is singular and the solver says so, naming the state; unbalanced counts
 * (not those of walks) are refused. */
static void test_singular(void)
{
    const uint32_t from[] = {0, 1, 2}, to[] = {3, 2, 1};
    const uint64_t count[] = {1, 1, 1}, conv[] = {0, 0, 0, 1}, null[] = {0, 0, 0, 0};
    const double value[] = {0, 0, 0, 0};
    const uint64_t goff[] = {0, 2, 3};
    const uint32_t gstate[] = {1, 2, 3};
    attrib_markov_chain c = {.n = 4, .ntrans = 3, .ngroups = 2, .from = from, .to = to, .count = count,
                             .conv = conv, .null = null, .value = value, .goff = goff, .gstate = gstate};
    double rem[2], vrem[2];
    for (int s = 0; s < 2; s++) {
        dense_max(solvers[s]);
        CHECK(attrib_markov_removal(&c, rem, vrem, NULL, NULL) == ATTRIB_EINTERNAL);
        CHECK(strstr(attrib_err_msg(), "state 1 can reach neither") != NULL);
    }
    const uint64_t count2[] = {1, 2, 1};
    c.count = count2;
    CHECK(attrib_markov_removal(&c, rem, vrem, NULL, NULL) == ATTRIB_EINPUT);
    CHECK(strstr(attrib_err_msg(), "entered") != NULL);
    /* The healthy part alone: start -> 3 -> conv. */
    const uint32_t f1[] = {0}, t1[] = {3};
    const uint64_t c1[] = {1};
    attrib_markov_chain ok = {.n = 4, .ntrans = 1, .ngroups = 2, .from = f1, .to = t1, .count = c1,
                              .conv = conv, .null = null, .value = value, .goff = goff, .gstate = gstate};
    CHECK(attrib_markov_removal(&ok, rem, vrem, NULL, NULL) == 0);
    NEAR(rem[0], 0.0);
    NEAR(rem[1], 1.0);
    dense_max(NULL);
}

/* Random tables: any permutation of the rows gives the same bits; the two solvers agree;
 * duplicate rows add up. */
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_random(void)
{
    enum { NP = 300, NCH = 7 };
    uint64_t off[NP + 1], conv[NP], nulls[NP];
    double value[NP];
    uint32_t step[NP * 12];
    off[0] = 0;
    for (size_t i = 0; i < NP; i++) {
        const size_t len = 1 + rnd() % 10;
        for (size_t j = 0; j < len; j++)
            step[off[i] + j] = (uint32_t)(rnd() % (1 + rnd() % NCH));
        off[i + 1] = off[i] + len;
        conv[i] = rnd() % 3;
        nulls[i] = rnd() % 4;
        value[i] = conv[i] ? (double)(rnd() % 10000) / 7.0 : 0.0;
    }
    attrib_pathtab t = {NCH, NP, off, step, conv, nulls, value};
    for (int order = 1; order <= 4; order++) {
        attrib_fit_result a, b, d;
        dense_max(NULL);
        CHECK(attrib_fit_paths(&t, order, &a) == 0);
        CHECK(a.method == ATTRIB_MARKOV_DENSE);
        /* reversed and rotated copies of the rows */
        uint64_t off2[NP + 1], conv2[NP], nulls2[NP];
        double value2[NP];
        uint32_t step2[NP * 12];
        off2[0] = 0;
        for (size_t i = 0; i < NP; i++) {
            const size_t src = (NP - 1 - i + 37) % NP;
            const size_t len = off[src + 1] - off[src];
            memcpy(step2 + off2[i], step + off[src], len * sizeof *step);
            off2[i + 1] = off2[i] + len;
            conv2[i] = conv[src];
            nulls2[i] = nulls[src];
            value2[i] = value[src];
        }
        attrib_pathtab t2 = {NCH, NP, off2, step2, conv2, nulls2, value2};
        CHECK(attrib_fit_paths(&t2, order, &b) == 0);
        const size_t bytes = NCH * sizeof(double);
        CHECK(memcmp(a.removal_effect, b.removal_effect, bytes) == 0);
        CHECK(memcmp(a.markov_value, b.markov_value, bytes) == 0);
        CHECK(memcmp(a.shapley_value, b.shapley_value, bytes) == 0);
        CHECK(memcmp(a.linear_conv, b.linear_conv, bytes) == 0);
        dense_max("0");
        CHECK(attrib_fit_paths(&t, order, &d) == 0);
        CHECK(d.method == ATTRIB_MARKOV_SWEEP && d.sweeps > 0);
        for (size_t k = 0; k < NCH; k++) {
            NEAR(d.removal_effect[k], a.removal_effect[k]);
            NEAR(d.markov_value[k], a.markov_value[k]);
        }
        attrib_fit_result_free(&a);
        attrib_fit_result_free(&b);
        attrib_fit_result_free(&d);
    }
    dense_max(NULL);
    /* a>b twice with 1 conversion each = a>b once with 2 */
    const uint64_t o2[] = {0, 2, 4, 5}, o1[] = {0, 2, 3};
    const uint32_t s2[] = {0, 1, 0, 1, 1}, s1[] = {0, 1, 1};
    const uint64_t cv2[] = {1, 1, 0}, nl2[] = {0, 1, 1}, cv1[] = {2, 0}, nl1[] = {1, 1};
    const double v2[] = {1.5, 2.5, 0}, v1[] = {4.0, 0};
    attrib_pathtab d2 = {2, 3, o2, s2, cv2, nl2, v2}, d1 = {2, 2, o1, s1, cv1, nl1, v1};
    attrib_fit_result r2, r1;
    CHECK(attrib_fit_paths(&d2, 1, &r2) == 0 && attrib_fit_paths(&d1, 1, &r1) == 0);
    for (size_t k = 0; k < 2; k++) {
        NEAR(r2.removal_effect[k], r1.removal_effect[k]);
        NEAR(r2.markov_value[k], r1.markov_value[k]);
    }
    attrib_fit_result_free(&r2);
    attrib_fit_result_free(&r1);
    /* malformed tables */
    const uint64_t oe[] = {0, 0};
    const uint64_t one[] = {1};
    attrib_pathtab e = {1, 1, oe, s1, one, NULL, NULL};
    CHECK(attrib_fit_paths(&e, 1, &r1) == ATTRIB_EINPUT);
    CHECK(attrib_fit_paths(&d1, 5, &r1) == ATTRIB_EINPUT);
    const double bad[] = {NAN, 0};
    attrib_pathtab e2 = {2, 2, o1, s1, cv1, nl1, bad};
    CHECK(attrib_fit_paths(&e2, 1, &r1) == ATTRIB_EINPUT);
}

/* The parser: both column sets, separators, quoting, CRLF, BOM, advertisers, pieces. */
static void test_parser(void)
{
    attrib_pathfile *pf;
    attrib_pathgroup g;
    /* ';' detected, quoted path with a ';' inside a name, CRLF, BOM, extra column */
    const char *t1 = "\xEF\xBB\xBF\"path\";total_conversions;extra;total_null\r\n"
                     "\"x;y > b\";2;foo;1\r\n"
                     "\r\n"
                     "b;0;;3\r\n";
    for (size_t chunk = 0; chunk < 4; chunk++) {
        CHECK(parse(t1, chunk, NULL, &pf) == 0);
        if (!pf)
            continue;
        CHECK(attrib_pathfile_sep(pf) == ';' && attrib_pathfile_rows(pf) == 2);
        CHECK(attrib_pathfile_ngroups(pf) == 1 && !attrib_pathfile_has_advertiser(pf));
        attrib_pathfile_group(pf, 0, &g);
        CHECK(g.tab.nchan == 2 && g.name_len[1] == 3 && memcmp(g.names[1], "x;y", 3) == 0);
        CHECK(g.tab.npaths == 2 && g.tab.conv[0] == 2 && g.tab.nulls[1] == 3);
        attrib_pathfile_free(pf);
    }
    /* /report/paths columns, advertisers sorted numerically, channels bytewise per advertiser */
    const char *t2 = "advertiser_id,path,conversions,value,nulls\n"
                     "10,7 > 12,1,2.5,0\n"
                     "9,12,0,0,4\n"
                     "10,7,0,0,1\n";
    CHECK(parse(t2, 5, NULL, &pf) == 0);
    if (pf) {
        CHECK(attrib_pathfile_has_advertiser(pf) && attrib_pathfile_ngroups(pf) == 2);
        attrib_pathfile_group(pf, 0, &g);
        CHECK(g.advertiser_id == 9 && g.tab.nchan == 1 && g.tab.npaths == 1);
        attrib_pathfile_group(pf, 1, &g);
        CHECK(g.advertiser_id == 10 && g.tab.nchan == 2 && memcmp(g.names[0], "12", 2) == 0);
        CHECK(g.tab.value[0] == 2.5 && g.tab.step[g.tab.off[0]] == 1);
        attrib_pathfile_free(pf);
    }
    /* tab, given; counts written as decimals; --no-nulls without the column */
    attrib_pathfile_opts o = {'\t', 1};
    CHECK(parse("path\ttotal_conversions\na>b\t3.0\nb\t1e+00\n", 0, &o, &pf) == 0);
    if (pf) {
        attrib_pathfile_group(pf, 0, &g);
        CHECK(g.tab.conv[0] == 3 && g.tab.conv[1] == 1 && g.tab.nulls[0] == 0);
        attrib_pathfile_free(pf);
    }
    /* errors name the file and line */
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"", "t.csv: empty file"},
        {"path total_conversions\n", "t.csv:1: no column separator"},
        {"path,total_conversions\na,1\n", "t.csv:1: no column 'total_null' or 'nulls'"},
        {"path,conversions,nulls,conversions\n", "t.csv:1: column 'total_conversions' given twice"},
        {"path,conversions,nulls\na,1,0\n\nb,x,1\n", "t.csv:4: total_conversions 'x' is not a non-negative integer"},
        {"path,conversions,nulls\na,1.5,0\n", "t.csv:2: total_conversions '1.5'"},
        {"path,conversions,nulls\na,-1,0\n", "t.csv:2: total_conversions '-1'"},
        {"path,conversions,nulls\na,1\n", "t.csv:2: 2 fields, the header has 3"},
        {"path,conversions,nulls\na>>b,1,0\n", "t.csv:2: empty channel name"},
        {"path,conversions,nulls\n  ,1,0\n", "t.csv:2: empty path"},
        {"path,conversions,nulls,value\na,0,1,3\n", "t.csv:2: a conversion value without conversions"},
        {"path,conversions,nulls,value\na,1,1,nan\n", "t.csv:2: total_conversion_value 'nan'"},
        {"path,conversions,nulls\n\"a\"x,1,0\n", "t.csv:2: malformed quoting"},
        {"path,conversions,nulls\n\"a\nb\",1,0\nc,x,0\n", "t.csv:4: total_conversions 'x'"},
        {"advertiser_id,path,conversions,nulls\n-3,a,1,0\n", "t.csv:2: advertiser_id '-3'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (size_t chunk = 0; chunk < 3; chunk++) {
            const int rc = parse(bad[i].text, chunk, NULL, &pf);
            CHECK(rc == ATTRIB_EINPUT && pf == NULL);
            if (!strstr(attrib_err_msg(), bad[i].msg)) {
                fprintf(stderr, "case %zu: got '%s', expected '%s'\n", i, attrib_err_msg(), bad[i].msg);
                fails++;
            }
        }
    }
}

int main(void)
{
    test_spec_example();
    test_values();
    test_order2();
    test_cycle();
    test_edges();
    test_singular();
    test_random();
    test_parser();
    if (fails)
        fprintf(stderr, "%d checks failed\n", fails);
    return fails != 0;
}

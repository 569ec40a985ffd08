/* attrib explain's distributed scan (include/attrib/explain.h):
 *
 *   with /links (and no --no-stitch): the identity graph, as attrib run builds it, and
 *             every block's identities replaced by their person's as they are read
 *   every rank: scan its slab of /conversions in blocks for the conversion id
 *   rank 0: pick the (advertiser, identity), or fail listing the choices
 *   every rank: scan its slab of /events in blocks for that identity's rows (of the
 *             identity's partition alone in a partitioned store, when not stitched)
 *   rank 0: attrib_explain_build (the engine on those rows + the classifier)
 *
 * No rank ever holds more than a block of the input plus the identity's rows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/explain.h"
#include "attrib/gather.h"
#include "attrib/par_coll.h"
#include "attrib/h5io.h"
#include "attrib/idgraph.h"
#include "attrib/input.h"
#include "attrib/par.h"
#include "attrib/partition.h"
#include "attrib/rules.h"
#include "attrib/table.h"

#define SCAN_BLOCK ((uint64_t)1 << 20)

typedef int (*row_pred)(const attrib_table *t, size_t i, const void *arg);

/* The identity a row was read under, beside the rows kept (stitched scans). */
static const attrib_schema raw_ids = {"identity", 1, {{"identity", ATTRIB_T_U64, NULL}}};

/* Collective. Every rank scans its slab of the table of schema `s` in blocks and keeps
 * the rows [lo, hi) where `keep` holds, in `out` (initialised by the caller); then rank 0 gets
 * them all. Every rank reads the same number of blocks (an empty one past its slab),
 * as the reads are collective. With a graph `g`, each block's identity column (`idcol`)
 * is replaced by the persons' before `keep` sees it (collective too, per block), and the
 * identity each kept row was read under goes to `raw` (initialised with raw_ids), in
 * the order of `out`. */
static int scan_table(const attrib_par *p, attrib_h5file *f, const attrib_schema *s, uint64_t lo,
                      uint64_t hi, row_pred keep, const void *arg, attrib_table *out,
                      const attrib_idgraph *g, int idcol, attrib_table *raw)
{
    const uint64_t r = (uint64_t)p->rank, P = (uint64_t)p->size, nrows = hi - lo;
    const uint64_t a = lo + nrows * r / P, b = lo + nrows * (r + 1) / P;
    const uint64_t slab_max = (nrows + P - 1) / P;
    const uint64_t nblocks = (slab_max + SCAN_BLOCK - 1) / SCAN_BLOCK;
    int rc = 0;
    for (uint64_t k = 0; k < nblocks; k++) {
        uint64_t s0 = a + k * SCAN_BLOCK, cnt = 0;
        if (s0 < b)
            cnt = b - s0 < SCAN_BLOCK ? b - s0 : SCAN_BLOCK;
        else
            s0 = a;
        attrib_table blk;
        attrib_table_init(&blk, s, 1);
        const int lrc = attrib_h5_read_table(f, s, s0, rc ? 0 : cnt, &blk);
        if (!rc && lrc)
            rc = lrc;
        uint64_t *orig = NULL;
        if (g) { /* every rank, every block: the apply is collective */
            uint64_t *id = lrc ? NULL : blk.col[idcol];
            const size_t n = lrc ? 0 : blk.n;
            orig = attrib_xmalloc((n ? n : 1) * sizeof *orig);
            if (n)
                memcpy(orig, id, n * sizeof *orig);
            const int grc = attrib_idgraph_apply(p, g, id, n);
            if (!rc && grc)
                rc = grc;
        }
        if (!lrc)
            for (size_t i = 0; i < blk.n; i++)
                if (keep(&blk, i, arg)) {
                    if (out->n == 0)
                        for (size_t c = 0; c < s->ncols; c++)
                            if (s->cols[c].type == ATTRIB_T_STR)
                                attrib_table_set_strw(out, c, blk.strw[c]);
                    attrib_table_append(out, &blk, i, 1);
                    if (g) {
                        attrib_table_resize(raw, raw->n + 1);
                        ATTRIB_COL(raw, 0, uint64_t)[raw->n - 1] = orig[i];
                    }
                }
        free(orig);
        attrib_table_free(&blk);
    }
    rc = attrib_par_agree(p, rc);
    if (rc)
        return rc;
    ATTRIB_TRY(attrib_par_agree(p, attrib_par_gather_rows(p, out)));
    return g ? attrib_par_agree(p, attrib_par_gather_rows(p, raw)) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_pair(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : cmp_u64(x + 1, y + 1);
}

/* Sort n items of `w` u64 each and drop repeats; the count left. */
static size_t sort_unique(uint64_t *v, size_t n, size_t w)
{
    if (n == 0)
        return 0;
    qsort(v, n, w * sizeof *v, w == 1 ? cmp_u64 : cmp_pair);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (memcmp(v + i * w, v + (k - 1) * w, w * sizeof *v) != 0)
            memmove(v + k++ * w, v + i * w, w * sizeof *v);
    return k;
}


static int keep_conversion(const attrib_table *t, size_t i, const void *arg)
{
    const attrib_explain_query *q = arg;
    return ATTRIB_COL(t, ATTRIB_CV_CONVERSION_ID, uint64_t)[i] == q->conversion_id &&
           (!q->has_advertiser ||
            ATTRIB_COL(t, ATTRIB_CV_ADVERTISER_ID, uint32_t)[i] == q->advertiser_id) &&
           (!q->has_identity || ATTRIB_COL(t, ATTRIB_CV_IDENTITY, uint64_t)[i] == q->identity);
}

static int keep_identity(const attrib_table *t, size_t i, const void *arg)
{
    return ATTRIB_COL(t, ATTRIB_EV_IDENTITY, uint64_t)[i] == *(const uint64_t *)arg;
}

/* "1, 2, 5": the distinct advertisers of the rows, in increasing order. */
static void list_advertisers(const attrib_table *m, char *list, size_t size)
{
    const uint32_t *a = m->col[ATTRIB_CV_ADVERTISER_ID];
    uint32_t last = 0;
    int first = 1;
    list[0] = '\0';
    for (;;) {
        uint32_t next = UINT32_MAX;
        int found = 0;
        for (size_t i = 0; i < m->n; i++)
            if ((first || a[i] > last) && (!found || a[i] < next))
                next = a[i], found = 1;
        if (!found)
            break;
        const size_t l = strlen(list);
        snprintf(list + l, size - l, "%s%u", first ? "" : ", ", (unsigned)next);
        last = next;
        first = 0;
    }
}

/* "7, 3": the distinct identities of the rows, in order of first appearance. */
static void list_identities(const attrib_table *m, char *list, size_t size)
{
    const uint64_t *id = m->col[ATTRIB_CV_IDENTITY];
    list[0] = '\0';
    for (size_t i = 0; i < m->n && strlen(list) < size - 64; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= id[j] == id[i];
        if (!seen) {
            const size_t l = strlen(list);
            snprintf(list + l, size - l, "%s%" PRIu64, l ? ", " : "", id[i]);
        }
    }
}

/* Rank 0: choose the (advertiser, identity) of the conversion among the matching rows. */
static int choose(const attrib_explain_query *q, const attrib_table *m, uint32_t *advid,
                  uint64_t *identity)
{
    if (m->n == 0) {
        char adv[48] = "", idn[64] = "";
        if (q->has_advertiser)
            snprintf(adv, sizeof adv, " of advertiser %u", (unsigned)q->advertiser_id);
        if (q->has_identity)
            snprintf(idn, sizeof idn, " of identity %" PRIu64, q->identity);
        return attrib_err_set(ATTRIB_EINPUT, "conversion %" PRIu64 "%s%s not found in '%s'",
                              q->conversion_id, adv, idn, q->input_path);
    }
    const uint32_t *a = m->col[ATTRIB_CV_ADVERTISER_ID];
    const uint64_t *id = m->col[ATTRIB_CV_IDENTITY];
    int many_adv = 0, many_id = 0;
    for (size_t i = 1; i < m->n; i++)
        many_adv |= a[i] != a[0];
    char list[1024];
    if (many_adv) {
        list_advertisers(m, list, sizeof list);
        return attrib_err_set(ATTRIB_EINPUT,
                              "conversion %" PRIu64
                              " is ambiguous: advertisers %s have it; pass --advertiser A",
                              q->conversion_id, list);
    }
    for (size_t i = 1; i < m->n; i++)
        many_id |= id[i] != id[0];
    if (many_id) {
        list_identities(m, list, sizeof list);
        return attrib_err_set(ATTRIB_EINPUT,
                              "conversion %" PRIu64 " of advertiser %u is ambiguous: identities "
                              "%s have it; pass --identity H",
                              q->conversion_id, (unsigned)a[0], list);
    }
    *advid = a[0];
    *identity = id[0];
    return 0;
}

/* Local. The removal effects of /report/markov in a run's results, by catalog index. */
static int read_removal_effects(const char *path, const attrib_rules *r, double **out)
{
    *out = NULL;
    attrib_h5file *f = NULL;
    ATTRIB_TRY(attrib_h5_open(MPI_COMM_NULL, path, &f));
    uint64_t n = 0;
    attrib_table t;
    int rc = attrib_h5_table_rows(f, &attrib_schema_report_markov, &n);
    if (rc) {
        attrib_h5_close(f);
        return attrib_err_set(ATTRIB_EINPUT, "%s has no /report/markov (written by attrib run "
                              "when a model is markov or shapley, or with --journeys)", path);
    }
    rc = attrib_h5_read_table(f, &attrib_schema_report_markov, 0, n, &t);
    attrib_h5_close(f);
    if (rc)
        return rc;
    const size_t nc = attrib_rules_ncampaigns(r);
    double *re = attrib_xcalloc(nc ? nc : 1, sizeof *re);
    for (size_t i = 0; i < t.n; i++) {
        const int64_t k = attrib_rules_camp_index(r, ATTRIB_COL(&t, ATTRIB_RM_CAMPAIGN_ID, uint32_t)[i]);
        if (k >= 0)
            re[k] = ATTRIB_COL(&t, ATTRIB_RM_REMOVAL_EFFECT, double)[i];
    }
    attrib_table_free(&t);
    *out = re;
    return 0;
}

/* Collective. The rules on every rank, with the query's model. */
static int load_rules(const attrib_par *p, const attrib_explain_query *q, attrib_rules **rules)
{
    int rc = attrib_rules_load(q->rules_path, rules);
    if (rc == 0 && q->model >= 0)
        attrib_rules_override_model(*rules, (enum attrib_model)q->model);
    return attrib_par_agree(p, rc);
}

/* Collective: the file is closed on every rank (it was opened on p->comm). */
static void input_close_file(attrib_input *in)
{
    if (in && in->f) {
        attrib_h5_close(in->f);
        in->f = NULL;
    }
}

int attrib_explain_scan(const attrib_par *p, const attrib_explain_query *q,
                        attrib_explain_result **out)
{
    *out = NULL;
    attrib_explain_result *res = attrib_xcalloc(1, sizeof *res);
    res->from = q->from;
    res->to = q->to;
    res->model_overridden = q->model >= 0;
    attrib_table convs, evs;
    attrib_table_init(&convs, &attrib_schema_conversions, 1);
    attrib_table_init(&evs, &attrib_schema_events, 1);
    attrib_table craw, eraw;
    attrib_table_init(&craw, &raw_ids, 1);
    attrib_table_init(&eraw, &raw_ids, 1);
    attrib_input *in = NULL;
    attrib_idgraph *g = NULL;
    double *re = NULL;
    int rc;

    ATTRIB_TRY_GOTO(rc, load_rules(p, q, &res->rules), done);
    ATTRIB_TRY_GOTO(rc, attrib_input_open(p, q->input_path, res->rules, &in), done);
    res->input = in;
    res->stitched = in->has_links && !q->no_stitch;
    attrib_idgraph_figures gfig; /* the graph as attrib run builds it */
    if (res->stitched)
        ATTRIB_TRY_GOTO(rc, attrib_input_idgraph(p, in, q->max_component, 0, &g, &gfig), done);

    /* 1. The conversion's rows, and its (advertiser, identity). */
    ATTRIB_TRY_GOTO(rc,
                    scan_table(p, in->f, &attrib_schema_conversions, 0, in->nconversions,
                               keep_conversion, q, &convs, g, ATTRIB_CV_IDENTITY, &craw),
                    done);
    uint64_t sel[2] = {0, 0}; /* advertiser, identity */
    if (p->rank == 0) {
        uint32_t a = 0;
        rc = choose(q, &convs, &a, &sel[1]);
        sel[0] = a;
    }
    ATTRIB_TRY_GOTO(rc, attrib_par_agree(p, rc), done);
    ATTRIB_TRY_GOTO(rc, attrib_par_agree(p, attrib_par_bcast_u64(p, sel, 2, 0)), done);

    /* 2. Every touch row of the identity (of the person, stitched: of its identities).
     * In a partitioned store an identity's rows are in its partition alone. */
    uint64_t e0 = 0, e1 = in->nevents;
    if (in->partitioned && !g) {
        const uint32_t part = attrib_partition_of(sel[1]);
        e0 = in->ev_off[part];
        e1 = in->ev_off[part + 1];
    }
    ATTRIB_TRY_GOTO(rc,
                    scan_table(p, in->f, &attrib_schema_events, e0, e1, keep_identity, &sel[1],
                               &evs, g, ATTRIB_EV_IDENTITY, &eraw),
                    done);
    input_close_file(in);
    if (g) {
        ATTRIB_TRY_GOTO(rc, attrib_idgraph_members(p, g, sel[1], &res->members, &res->nmembers),
                        done);
        if (p->rank == 0) { /* which identity each row was read under */
            res->conv_dev = attrib_xmalloc((craw.n ? craw.n : 1) * sizeof *res->conv_dev);
            for (size_t i = 0; i < craw.n; i++)
                res->conv_dev[i] = ATTRIB_COL(&craw, 0, uint64_t)[i];
            res->nconv_dev = sort_unique(res->conv_dev, craw.n, 1);
            res->touch_dev = attrib_xmalloc((evs.n ? evs.n : 1) * 2 * sizeof *res->touch_dev);
            for (size_t i = 0; i < evs.n; i++) {
                res->touch_dev[2 * i] = ATTRIB_COL(&evs, ATTRIB_EV_EVENT_ID, uint64_t)[i];
                res->touch_dev[2 * i + 1] = ATTRIB_COL(&eraw, 0, uint64_t)[i];
            }
            res->ntouch_dev = sort_unique(res->touch_dev, evs.n, 2);
        }
    }

    /* 3. Rank 0 explains (markov: with the removal effects of a run's results). */
    /* The input contract of a run (run_exchange.c): amounts the report sums can hold. */
    for (size_t i = 0; p->rank == 0 && !rc && i < evs.n; i++)
        if (!attrib_amount_ok(ATTRIB_COL(&evs, ATTRIB_EV_COST, double)[i]))
            rc = attrib_err_set(ATTRIB_EINPUT, "%s: dataset /events/cost: event %" PRIu64
                                " has %g, not an amount from 0 to %g", q->input_path,
                                ATTRIB_COL(&evs, ATTRIB_EV_EVENT_ID, uint64_t)[i],
                                ATTRIB_COL(&evs, ATTRIB_EV_COST, double)[i], ATTRIB_AMOUNT_MAX);
    for (size_t i = 0; p->rank == 0 && !rc && i < convs.n; i++)
        if (!attrib_amount_ok(ATTRIB_COL(&convs, ATTRIB_CV_VALUE, double)[i]))
            rc = attrib_err_set(ATTRIB_EINPUT, "%s: dataset /conversions/value: conversion %" PRIu64
                                " has %g, not an amount from 0 to %g", q->input_path,
                                ATTRIB_COL(&convs, ATTRIB_CV_CONVERSION_ID, uint64_t)[i],
                                ATTRIB_COL(&convs, ATTRIB_CV_VALUE, double)[i], ATTRIB_AMOUNT_MAX);
    if (p->rank == 0 && !rc && q->results_path)
        rc = read_removal_effects(q->results_path, res->rules, &re);
    if (p->rank == 0 && !rc) {
        const attrib_explain_in xin = {.rules = res->rules,
                                       .from = q->from,
                                       .to = q->to,
                                       .ntypes = in->ntypes,
                                       .conversion_id = q->conversion_id,
                                       .identity = sel[1],
                                       .advertiser_id = (uint32_t)sel[0],
                                       .re = re};
        rc = attrib_explain_build(&xin, &evs, &convs, &res->x);
    }
    rc = attrib_par_agree(p, rc);

done:
    free(re);
    attrib_idgraph_free(g);
    attrib_table_free(&convs);
    attrib_table_free(&evs);
    attrib_table_free(&craw);
    attrib_table_free(&eraw);
    if (rc) {
        attrib_explain_result_free(res);
        return rc;
    }
    *out = res;
    return 0;
}

void attrib_explain_result_free(attrib_explain_result *r)
{
    if (!r)
        return;
    attrib_explanation_free(r->x);
    free(r->members);
    free(r->touch_dev);
    free(r->conv_dev);
    attrib_input_close(r->input);
    attrib_rules_free(r->rules);
    free(r);
}

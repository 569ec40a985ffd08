/* attrib run — the match of one wave: each of this rank's partitions, its pieces from
 * every block of the stores (include/attrib/recx.h), is fed to the engine, which groups
 * the rows by identity in cache; with --explain the partition is also gathered into
 * tables for the per-conversion counts of /explain/conversion. */
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/explain.h"
#include "run_impl.h"

/* Rows of this rank's j-th partition: the pieces of every block, gathered into *buf
 * unless they are one piece already contiguous (then *out points into the store). */
typedef struct gather {
    uint64_t *cur; /* per block: next row */
    char *buf;
    uint64_t bufcap;
} gather;

static char *gather_part(attrib_recx_store *s, gather *g, uint32_t j, uint64_t *n_out)
{
    uint64_t n = 0, pieces = 0, first = 0;
    for (size_t b = 0; b < s->nblk; b++) {
        const uint32_t c = s->cnt[b * s->nmine + j];
        if (c) {
            if (!pieces)
                first = g->cur[b];
            pieces++;
            n += c;
        }
    }
    *n_out = n;
    if (pieces <= 1) {
        for (size_t b = 0; b < s->nblk; b++)
            g->cur[b] += s->cnt[b * s->nmine + j];
        return s->rows + first * s->recsize;
    }
    if (n > g->bufcap) {
        free(g->buf);
        g->bufcap = n + n / 4;
        g->buf = attrib_xmalloc((size_t)g->bufcap * s->recsize);
    }
    char *d = g->buf;
    for (size_t b = 0; b < s->nblk; b++) {
        const uint32_t c = s->cnt[b * s->nmine + j];
        memcpy(d, s->rows + g->cur[b] * s->recsize, (size_t)c * s->recsize);
        d += (size_t)c * s->recsize;
        g->cur[b] += c;
    }
    return g->buf;
}

/* The non-empty pieces of this rank's j-th partition, one per block, neighbours in
 * memory joined (a partitioned store's partition read in two rounds); advances cur. */
static size_t pieces_of(const attrib_recx_store *s, uint64_t *cur, uint32_t j, attrib_piece *out)
{
    size_t k = 0;
    for (size_t b = 0; b < s->nblk; b++) {
        const uint32_t c = s->cnt[b * s->nmine + j];
        if (c) {
            const char *at = s->rows + cur[b] * s->recsize;
            if (k && (const char *)out[k - 1].rows + out[k - 1].n * s->recsize == at)
                out[k - 1].n += c;
            else {
                out[k].rows = at;
                out[k++].n = c;
            }
            cur[b] += c;
        }
    }
    return k;
}

/* attrib run --explain: the per-conversion counts take tables. */
static int explain_part(const attrib_engine_cfg *cfg, size_t ntypes, const attrib_ev_rec *ev,
                        size_t ne, const attrib_cv_rec *cv, size_t nc, attrib_table *xconv)
{
    attrib_table te, tc;
    attrib_table_init(&te, &attrib_schema_events, 1);
    attrib_table_init(&tc, &attrib_schema_conversions, 1);
    attrib_table_resize(&te, ne);
    attrib_table_resize(&tc, nc);
    for (size_t i = 0; i < ne; i++) {
        ATTRIB_COL(&te, ATTRIB_EV_EVENT_ID, uint64_t)[i] = ev[i].event_id;
        ATTRIB_COL(&te, ATTRIB_EV_IDENTITY, uint64_t)[i] = ev[i].identity;
        ATTRIB_COL(&te, ATTRIB_EV_TS, int64_t)[i] = ev[i].ts;
        ATTRIB_COL(&te, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[i] = ev[i].campaign_id;
        ATTRIB_COL(&te, ATTRIB_EV_KIND, uint8_t)[i] = ev[i].kind;
        ATTRIB_COL(&te, ATTRIB_EV_COST, double)[i] = ev[i].cost;
    }
    for (size_t i = 0; i < nc; i++) {
        ATTRIB_COL(&tc, ATTRIB_CV_CONVERSION_ID, uint64_t)[i] = cv[i].conversion_id;
        ATTRIB_COL(&tc, ATTRIB_CV_IDENTITY, uint64_t)[i] = cv[i].identity;
        ATTRIB_COL(&tc, ATTRIB_CV_TS, int64_t)[i] = cv[i].ts;
        ATTRIB_COL(&tc, ATTRIB_CV_ADVERTISER_ID, uint32_t)[i] = cv[i].advertiser_id;
        ATTRIB_COL(&tc, ATTRIB_CV_TYPE, uint16_t)[i] = cv[i].type;
        ATTRIB_COL(&tc, ATTRIB_CV_VALUE, double)[i] = cv[i].value;
    }
    int rc = attrib_explain_counts(cfg, &te, &tc, ntypes, xconv);
    attrib_table_free(&te);
    attrib_table_free(&tc);
    return rc;
}

int run_match_wave(attrib_recx_store *ev, attrib_recx_store *cv, attrib_engine *e,
                   const attrib_engine_cfg *cfg, size_t ntypes, attrib_table *xconv)
{
    int rc = 0;
    gather ge = {attrib_xmalloc((ev->nblk ? ev->nblk : 1) * sizeof(uint64_t)), NULL, 0};
    gather gc = {attrib_xmalloc((cv->nblk ? cv->nblk : 1) * sizeof(uint64_t)), NULL, 0};
    if (ev->nblk) /* base is NULL while there are no blocks */
        memcpy(ge.cur, ev->base, ev->nblk * sizeof(uint64_t));
    if (cv->nblk)
        memcpy(gc.cur, cv->base, cv->nblk * sizeof(uint64_t));
    attrib_piece *pe = attrib_xmalloc((ev->nblk ? ev->nblk : 1) * sizeof *pe);
    attrib_piece *pc = attrib_xmalloc((cv->nblk ? cv->nblk : 1) * sizeof *pc);
    for (uint32_t j = 0; j < ev->nmine && rc == 0; j++) {
        if (xconv) { /* explain's counts take contiguous tables: gather */
            uint64_t ne, nc;
            attrib_ev_rec *er = (attrib_ev_rec *)gather_part(ev, &ge, j, &ne);
            attrib_cv_rec *cr = (attrib_cv_rec *)gather_part(cv, &gc, j, &nc);
            rc = explain_part(cfg, ntypes, er, (size_t)ne, cr, (size_t)nc, xconv);
            if (!rc)
                attrib_engine_feed(e, ne ? er : NULL, (size_t)ne, nc ? cr : NULL, (size_t)nc);
            continue;
        }
        /* The engine reads the partition's pieces where they arrived: no gathering copy. */
        size_t npe = pieces_of(ev, ge.cur, j, pe), npc = pieces_of(cv, gc.cur, j, pc);
        attrib_engine_feed_pieces(e, pe, npe, pc, npc);
    }
    free(pe);
    free(pc);
    free(ge.cur);
    free(ge.buf);
    free(gc.cur);
    free(gc.buf);
    attrib_recx_store_free(ev);
    attrib_recx_store_free(cv);
    return rc;
}

/* attrib reconcile --by conversion (include/attrib/reconcile.h): /credits of both results
 * files read in blocks and merged in their common sort order (conversion_id,
 * advertiser_id, …); /unattributed of the other side, read by a cursor that only moves
 * forward, says why a conversion credited on one side only has no credit on the other. */
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/reconcile.h"
#include "attrib/results.h"
#include "attrib/table.h"

const char *const attrib_reconcile_kind_names[] = {"new", "lost", "moved", "credit_changed", NULL};

/* A table of a results file, read a block at a time. */
typedef struct cursor {
    attrib_results *r;
    const attrib_schema *s;
    uint64_t total, next;
    attrib_table t;
    size_t pos;
    int loaded;
} cursor;

static void cur_init(cursor *c, attrib_results *r, const attrib_schema *s, uint64_t total)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    c->s = s;
    c->total = total;
}

/* 1 when a row is at c->pos, 0 at the end, < 0 on error. */
static int cur_fill(cursor *c)
{
    if (c->loaded && c->pos < c->t.n)
        return 1;
    if (c->next >= c->total)
        return 0;
    if (c->loaded)
        attrib_table_free(&c->t);
    c->loaded = 0;
    uint64_t cnt = c->total - c->next;
    if (cnt > ATTRIB_RESULTS_BLOCK_ROWS)
        cnt = ATTRIB_RESULTS_BLOCK_ROWS;
    ATTRIB_TRY(attrib_results_read(c->r, c->s, c->next, cnt, &c->t));
    c->loaded = 1;
    c->next += cnt;
    c->pos = 0;
    return c->t.n > 0;
}

static void cur_free(cursor *c)
{
    if (c->loaded)
        attrib_table_free(&c->t);
    c->loaded = 0;
}

static int key_cmp(uint64_t c1, uint32_t a1, uint64_t c2, uint32_t a2)
{
    if (c1 != c2)
        return c1 < c2 ? -1 : 1;
    return (a1 > a2) - (a1 < a2);
}

/* One conversion's credit rows on one side. */
typedef struct group {
    uint64_t conv;
    uint32_t adv;
    size_t n, cap;
    attrib_reconcile_credit *p;
} group;

static int credit_cmp(const void *x, const void *y)
{
    const attrib_reconcile_credit *a = x, *b = y;
    return (a->campaign_id > b->campaign_id) - (a->campaign_id < b->campaign_id);
}

/* Read the next conversion's credit rows (they are consecutive), summed per campaign
 * and sorted by campaign. Returns 1, 0 at the end, or < 0. */
static int group_next(cursor *c, group *g)
{
    int rc = cur_fill(c);
    if (rc <= 0)
        return rc;
    g->conv = ATTRIB_COL(&c->t, ATTRIB_CR_CONVERSION_ID, uint64_t)[c->pos];
    g->adv = ATTRIB_COL(&c->t, ATTRIB_CR_ADVERTISER_ID, uint32_t)[c->pos];
    g->n = 0;
    while ((rc = cur_fill(c)) > 0) {
        const size_t i = c->pos;
        if (ATTRIB_COL(&c->t, ATTRIB_CR_CONVERSION_ID, uint64_t)[i] != g->conv ||
            ATTRIB_COL(&c->t, ATTRIB_CR_ADVERTISER_ID, uint32_t)[i] != g->adv)
            break;
        if (g->n == g->cap) {
            g->cap = g->cap ? g->cap * 2 : 8;
            g->p = attrib_xrealloc(g->p, g->cap * sizeof *g->p);
        }
        g->p[g->n++] = (attrib_reconcile_credit){ATTRIB_COL(&c->t, ATTRIB_CR_CAMPAIGN_ID, uint32_t)[i],
                                                 ATTRIB_COL(&c->t, ATTRIB_CR_CREDIT, double)[i],
                                                 ATTRIB_COL(&c->t, ATTRIB_CR_CREDITED_VALUE, double)[i]};
        c->pos++;
    }
    if (rc < 0)
        return rc;
    qsort(g->p, g->n, sizeof *g->p, credit_cmp);
    size_t m = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (m && g->p[m - 1].campaign_id == g->p[i].campaign_id) {
            g->p[m - 1].credit += g->p[i].credit;
            g->p[m - 1].credited_value += g->p[i].credited_value;
        } else {
            g->p[m++] = g->p[i];
        }
    }
    g->n = m;
    return 1;
}

/* The reason the conversion is unattributed on this side, or -1 (not in /unattributed).
 * Keys are asked in increasing order, so the cursor only moves forward. */
static int unattr_reason(cursor *c, uint64_t conv, uint32_t adv, int *err)
{
    int rc;
    while ((rc = cur_fill(c)) > 0) {
        const size_t i = c->pos;
        const int k = key_cmp(ATTRIB_COL(&c->t, ATTRIB_UN_CONVERSION_ID, uint64_t)[i],
                              ATTRIB_COL(&c->t, ATTRIB_UN_ADVERTISER_ID, uint32_t)[i], conv, adv);
        if (k > 0)
            return -1;
        if (k == 0)
            return ATTRIB_COL(&c->t, ATTRIB_UN_REASON, uint8_t)[i];
        c->pos++;
    }
    if (rc < 0)
        *err = rc;
    return -1;
}

/* A side's state: credited (g), unattributed (reason >= 0) or absent. */
static void side_set(attrib_reconcile_conv_side *s, const group *g, int reason)
{
    memset(s, 0, sizeof *s);
    if (g) {
        s->status = ATTRIB_RECONCILE_CREDITED;
        s->ncredits = g->n;
        s->credit = attrib_xmalloc((g->n ? g->n : 1) * sizeof *s->credit);
        memcpy(s->credit, g->p, g->n * sizeof *s->credit);
    } else {
        s->status = reason >= 0 ? ATTRIB_RECONCILE_UNATTRIBUTED : ATTRIB_RECONCILE_ABSENT;
        s->reason = reason;
    }
}

static void list_add(attrib_reconcile_conversions *r, int kind, uint64_t conv, uint32_t adv,
                     const group *ga, int ra, const group *gb, int rb)
{
    attrib_reconcile_kind_list *l = &r->kind[kind];
    l->count++;
    r->changed++;
    if (r->opts.limit && l->n >= r->opts.limit)
        return;
    /* Grown by doubling: capacity is the next power of two at or above n. */
    if ((l->n & (l->n - 1)) == 0)
        l->conv = attrib_xrealloc(l->conv, (l->n ? 2 * l->n : 1) * sizeof *l->conv);
    attrib_reconcile_conversion *e = &l->conv[l->n++];
    e->conversion_id = conv;
    e->advertiser_id = adv;
    side_set(&e->side[0], ga, ra);
    side_set(&e->side[1], gb, rb);
}

/* Both sides credit the conversion: same campaigns and credits, moved, or changed. */
static int classify(const attrib_reconcile_opts *o, const group *ga, const group *gb)
{
    int moved = ga->n != gb->n, changed = 0;
    for (size_t i = 0; i < ga->n && !moved; i++)
        moved = ga->p[i].campaign_id != gb->p[i].campaign_id;
    if (moved)
        return ATTRIB_RECONCILE_MOVED;
    for (size_t i = 0; i < ga->n && !changed; i++)
        changed = attrib_reconcile_differs(o, ga->p[i].credit, gb->p[i].credit) ||
                  attrib_reconcile_differs(o, ga->p[i].credited_value, gb->p[i].credited_value);
    return changed ? ATTRIB_RECONCILE_CREDIT_CHANGED : -1;
}

static int open_both(const char *a, const char *b, attrib_results **ra, attrib_results **rb)
{
    if (!attrib_results_is_hdf5(a) || !attrib_results_is_hdf5(b))
        return attrib_err_set(ATTRIB_EUSAGE,
                              "--by conversion compares two results files; '%s' "
                              "is not one",
                              attrib_results_is_hdf5(a) ? b : a);
    ATTRIB_TRY(attrib_results_open(a, ra));
    ATTRIB_TRY(attrib_results_open(b, rb));
    if (!(*ra)->has_credits || !(*rb)->has_credits)
        return attrib_err_set(ATTRIB_EINPUT, "%s: no /credits table", (*ra)->has_credits ? b : a);
    return 0;
}

/* The merge of the two files' credit groups. */
static int merge(attrib_reconcile_conversions *r, attrib_results *ra, attrib_results *rb)
{
    cursor ca, cb, ua, ub;
    cur_init(&ca, ra, &attrib_schema_credits, ra->ncredits);
    cur_init(&cb, rb, &attrib_schema_credits, rb->ncredits);
    cur_init(&ua, ra, &attrib_schema_unattributed, ra->nunattributed);
    cur_init(&ub, rb, &attrib_schema_unattributed, rb->nunattributed);
    group ga = {0}, gb = {0};
    int rc = 0;
    int ha = group_next(&ca, &ga), hb = ha < 0 ? 0 : group_next(&cb, &gb);
    while (rc == 0 && ha >= 0 && hb >= 0 && (ha > 0 || hb > 0)) {
        const int k = ha == 0 ? 1 : hb == 0 ? -1 : key_cmp(ga.conv, ga.adv, gb.conv, gb.adv);
        int err = 0;
        if (k < 0) {
            const int reason = unattr_reason(&ub, ga.conv, ga.adv, &err);
            list_add(r, ATTRIB_RECONCILE_LOST, ga.conv, ga.adv, &ga, -1, NULL, reason);
            r->credited_a++;
            ha = group_next(&ca, &ga);
        } else if (k > 0) {
            const int reason = unattr_reason(&ua, gb.conv, gb.adv, &err);
            list_add(r, ATTRIB_RECONCILE_NEW, gb.conv, gb.adv, NULL, reason, &gb, -1);
            r->credited_b++;
            hb = group_next(&cb, &gb);
        } else {
            const int kind = classify(&r->opts, &ga, &gb);
            if (kind >= 0)
                list_add(r, kind, ga.conv, ga.adv, &ga, -1, &gb, -1);
            else
                r->unchanged++;
            r->credited_a++;
            r->credited_b++;
            ha = group_next(&ca, &ga);
            hb = group_next(&cb, &gb);
        }
        if (err)
            rc = err;
    }
    if (rc == 0 && ha < 0)
        rc = ha;
    if (rc == 0 && hb < 0)
        rc = hb;
    free(ga.p);
    free(gb.p);
    cur_free(&ca);
    cur_free(&cb);
    cur_free(&ua);
    cur_free(&ub);
    return rc;
}

int attrib_reconcile_by_conversion(const char *a, const char *b, const attrib_reconcile_opts *o,
                                   attrib_reconcile_conversions **out)
{
    *out = NULL;
    attrib_reconcile_conversions *r = attrib_xcalloc(1, sizeof *r);
    r->opts = *o;
    r->path_a = strdup(a);
    r->path_b = strdup(b);
    if (!r->path_a || !r->path_b)
        ATTRIB_DIE("out of memory");
    attrib_results *ra = NULL, *rb = NULL;
    int rc = open_both(a, b, &ra, &rb);
    if (rc == 0)
        rc = merge(r, ra, rb);
    attrib_results_close(ra);
    attrib_results_close(rb);
    if (rc) {
        attrib_reconcile_conversions_free(r);
        return rc;
    }
    r->within_tolerance = r->changed == 0;
    *out = r;
    return 0;
}

void attrib_reconcile_conversions_free(attrib_reconcile_conversions *r)
{
    if (!r)
        return;
    for (int k = 0; k < ATTRIB_RECONCILE_NKINDS; k++) {
        for (size_t i = 0; i < r->kind[k].n; i++) {
            free(r->kind[k].conv[i].side[0].credit);
            free(r->kind[k].conv[i].side[1].credit);
        }
        free(r->kind[k].conv);
    }
    free(r->path_a);
    free(r->path_b);
    free(r);
}

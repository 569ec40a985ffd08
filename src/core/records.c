/* Records: the stored order of a partitioned store's rows, and records back into
 * columns (include/attrib/records.h). */
#include "attrib/records.h"

#include <string.h>

#include "attrib/msort.h"

static uint64_t bits_of(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* The stored order inside a partition: identity, ts, id, then every other column (a
 * total order of the row's values). */
static int ev_less(const attrib_ev_rec *a, const attrib_ev_rec *b)
{
    if (a->identity != b->identity)
        return a->identity < b->identity;
    if (a->ts != b->ts)
        return a->ts < b->ts;
    if (a->event_id != b->event_id)
        return a->event_id < b->event_id;
    if (a->campaign_id != b->campaign_id)
        return a->campaign_id < b->campaign_id;
    if (a->kind != b->kind)
        return a->kind < b->kind;
    return bits_of(a->cost) < bits_of(b->cost);
}

static int cv_less(const attrib_cv_rec *a, const attrib_cv_rec *b)
{
    if (a->identity != b->identity)
        return a->identity < b->identity;
    if (a->ts != b->ts)
        return a->ts < b->ts;
    if (a->conversion_id != b->conversion_id)
        return a->conversion_id < b->conversion_id;
    if (a->advertiser_id != b->advertiser_id)
        return a->advertiser_id < b->advertiser_id;
    if (a->type != b->type)
        return a->type < b->type;
    return bits_of(a->value) < bits_of(b->value);
}

#define EV_LESS(a, b) ev_less(a, b)
#define CV_LESS(a, b) cv_less(a, b)
DEFINE_MSORT(sort_ev, attrib_ev_rec, EV_LESS)
DEFINE_MSORT(sort_cv, attrib_cv_rec, CV_LESS)

void attrib_sort_stored_events(attrib_ev_rec *a, size_t n, attrib_ev_rec *tmp)
{
    sort_ev(a, n, tmp);
}

void attrib_sort_stored_conversions(attrib_cv_rec *a, size_t n, attrib_cv_rec *tmp)
{
    sort_cv(a, n, tmp);
}


void attrib_unpack_events(const attrib_ev_rec *e, size_t n, attrib_table *t, size_t at)
{
    for (size_t i = 0; i < n; i++) {
        ATTRIB_COL(t, ATTRIB_EV_EVENT_ID, uint64_t)[at + i] = e[i].event_id;
        ATTRIB_COL(t, ATTRIB_EV_IDENTITY, uint64_t)[at + i] = e[i].identity;
        ATTRIB_COL(t, ATTRIB_EV_TS, int64_t)[at + i] = e[i].ts;
        ATTRIB_COL(t, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[at + i] = e[i].campaign_id;
        ATTRIB_COL(t, ATTRIB_EV_KIND, uint8_t)[at + i] = e[i].kind;
        ATTRIB_COL(t, ATTRIB_EV_COST, double)[at + i] = e[i].cost;
    }
}

void attrib_unpack_conversions(const attrib_cv_rec *c, size_t n, attrib_table *t, size_t at)
{
    for (size_t i = 0; i < n; i++) {
        ATTRIB_COL(t, ATTRIB_CV_CONVERSION_ID, uint64_t)[at + i] = c[i].conversion_id;
        ATTRIB_COL(t, ATTRIB_CV_IDENTITY, uint64_t)[at + i] = c[i].identity;
        ATTRIB_COL(t, ATTRIB_CV_TS, int64_t)[at + i] = c[i].ts;
        ATTRIB_COL(t, ATTRIB_CV_ADVERTISER_ID, uint32_t)[at + i] = c[i].advertiser_id;
        ATTRIB_COL(t, ATTRIB_CV_TYPE, uint16_t)[at + i] = c[i].type;
        ATTRIB_COL(t, ATTRIB_CV_VALUE, double)[at + i] = c[i].value;
    }
}

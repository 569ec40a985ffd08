/* Unit tests of explain (core, no MPI): on random data with duplicates, versions,
 * kinds off, type rules and every model, for EVERY conversion, attrib_explain_build
 * agrees with attrib_engine_run over all rows (credits bit for bit, unattributed
 * reasons), and the counts of attrib_explain_counts (run --explain) agree with the
 * explanation; every touch status occurs; offsets and durations format as documented. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/engine.h"
#include "attrib/err.h"
#include "attrib/explain.h"
#include "attrib/rules.h"
#include "attrib/table.h"

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            if (failures < 20) {                                                                   \
                printf("FAIL %s:%d: ", __FILE__, __LINE__);                                        \
                printf(__VA_ARGS__);                                                               \
                printf("\n");                                                                      \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static char *const type_names[] = {"add_to_cart", "purchase", "signup"};
#define NTYPES 3
#define DAY INT64_C(86400000)
#define T0 INT64_C(1791633600000) /* 2026-10-10T12:00Z */

static const char rules_text[] =
    "defaults: { model = \"last_touch\"; engagement_priority = true;\n"
    "  lookback = { engagement = \"30d\"; impression = \"1d\"; nurture = \"7d\"; }; };\n"
    "advertisers = (\n"
    "  { id = 1; model = \"linear\"; },\n"
    "  { id = 2; model = \"time_decay\"; engagement_priority = false;\n"
    "    time_decay = { half_life = \"1d\"; }; },\n"
    "  { id = 3; model = \"position_based\"; position_based = { first = 0.5; last = 0.5; }; },\n"
    "  { id = 3; effective_from = \"2026-10-12T00:00:00Z\"; model = \"first_touch\"; }\n"
    ");\n"
    "campaigns = (\n"
    "  { id = 1; lookback = { impression = \"off\"; }; },\n"
    "  { id = 2; conversion_types = [\"purchase\"]; },\n"
    "  { id = 3; effective_from = \"2026-10-08T00:00:00Z\"; lookback = { engagement = \"2d\"; }; },\n"
    "  { id = 3; effective_from = \"2026-10-11T00:00:00Z\"; lookback = { nurture = \"off\"; }; },\n"
    "  { id = 6; lookback = { engagement = \"3d\"; nurture = \"2d\"; }; }\n"
    ");\n";

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static attrib_rules *make_rules(attrib_table *cat)
{
    attrib_rules *r = NULL;
    if (attrib_rules_load_text("rules.cfg", rules_text, &r) != 0) {
        printf("FAIL rules: %s\n", attrib_err_msg());
        exit(1);
    }
    attrib_table_init(cat, &attrib_schema_campaigns, 8);
    for (uint32_t c = 1; c <= 12; c++) {
        const size_t i = attrib_table_push(cat);
        ATTRIB_COL(cat, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[i] = c;
        ATTRIB_COL(cat, ATTRIB_CA_ADVERTISER_ID, uint32_t)[i] = (c - 1) % 4 + 1;
        attrib_table_set_str(cat, ATTRIB_CA_NAME, i, "c", 1);
    }
    char *warn = NULL;
    if (attrib_rules_bind(r, cat, type_names, NTYPES, &warn) != 0) {
        printf("FAIL bind: %s\n", attrib_err_msg());
        exit(1);
    }
    free(warn);
    return r;
}

static void gen_data(attrib_table *ev, attrib_table *cv, size_t nid, size_t ne, size_t nc)
{
    attrib_table_init(ev, &attrib_schema_events, 1);
    attrib_table_init(cv, &attrib_schema_conversions, 1);
    static const double costs[] = {0, 0.5, 0.25, 1};
    for (size_t i = 0; i < ne; i++) {
        const size_t r = attrib_table_push(ev);
        if (r > 0 && rnd() % 30 == 0) { /* a redelivery, sometimes altered */
            const size_t s = rnd() % r;
            for (size_t c = 0; c < ATTRIB_EV_NCOLS; c++) {
                const size_t es = attrib_table_elem_size(ev, c);
                memcpy((char *)ev->col[c] + r * es, (char *)ev->col[c] + s * es, es);
            }
            if (rnd() % 3 == 0)
                ATTRIB_COL(ev, ATTRIB_EV_TS, int64_t)[r] += (int64_t)(rnd() % 7200000);
            if (rnd() % 4 == 0)
                ATTRIB_COL(ev, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[r] = (uint32_t)(rnd() % 13 + 1);
            continue;
        }
        const uint64_t id = rnd() % 4 == 0 ? rnd() % 8 : rnd() % nid; /* a few heavy ones */
        ATTRIB_COL(ev, ATTRIB_EV_EVENT_ID, uint64_t)[r] = rnd() % (ne * 2);
        ATTRIB_COL(ev, ATTRIB_EV_IDENTITY, uint64_t)[r] = id * 0x9e3779b97f4a7c15ull;
        ATTRIB_COL(ev, ATTRIB_EV_TS, int64_t)[r] = T0 - 40 * DAY + (int64_t)(rnd() % (uint64_t)(80 * DAY));
        ATTRIB_COL(ev, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[r] = (uint32_t)(rnd() % 13 + 1); /* 13: unknown */
        ATTRIB_COL(ev, ATTRIB_EV_KIND, uint8_t)[r] = (uint8_t)(rnd() % 3);
        ATTRIB_COL(ev, ATTRIB_EV_COST, double)[r] = costs[rnd() % 4];
    }
    for (size_t i = 0; i < nc; i++) {
        const size_t r = attrib_table_push(cv);
        if (r > 0 && rnd() % 40 == 0) {
            const size_t s = rnd() % r;
            for (size_t c = 0; c < ATTRIB_CV_NCOLS; c++) {
                const size_t es = attrib_table_elem_size(cv, c);
                memcpy((char *)cv->col[c] + r * es, (char *)cv->col[c] + s * es, es);
            }
            if (rnd() % 2)
                ATTRIB_COL(cv, ATTRIB_CV_TS, int64_t)[r] += (int64_t)(rnd() % DAY) - DAY / 2;
            continue;
        }
        const uint64_t id = rnd() % 4 == 0 ? rnd() % 8 : rnd() % nid;
        ATTRIB_COL(cv, ATTRIB_CV_CONVERSION_ID, uint64_t)[r] = rnd() % (nc * 3 / 4) + 1;
        ATTRIB_COL(cv, ATTRIB_CV_IDENTITY, uint64_t)[r] = id * 0x9e3779b97f4a7c15ull;
        ATTRIB_COL(cv, ATTRIB_CV_TS, int64_t)[r] = T0 - 5 * DAY + (int64_t)(rnd() % (uint64_t)(10 * DAY));
        ATTRIB_COL(cv, ATTRIB_CV_ADVERTISER_ID, uint32_t)[r] = (uint32_t)(rnd() % 5 + 1); /* 5: unknown */
        ATTRIB_COL(cv, ATTRIB_CV_TYPE, uint16_t)[r] = (uint16_t)(rnd() % NTYPES);
        ATTRIB_COL(cv, ATTRIB_CV_VALUE, double)[r] = (double)(rnd() % 50000) / 100.0;
    }
}

static void copy_table(attrib_table *dst, const attrib_table *src)
{
    attrib_table_init(dst, src->schema, 1);
    attrib_table_append(dst, src, 0, src->n);
}

static size_t status_seen[ATTRIB_XS_N];

static void run_case(const attrib_rules *r, const attrib_table *ev, const attrib_table *cv,
                     int64_t from, int64_t to)
{
    attrib_table e2, c2, cr, un, xc;
    copy_table(&e2, ev);
    copy_table(&c2, cv);
    attrib_table_init(&cr, &attrib_schema_credits, 1);
    attrib_table_init(&un, &attrib_schema_unattributed, 1);
    attrib_table_init(&xc, &attrib_schema_explain_conversion, 1);
    attrib_acc acc;
    attrib_acc_init(&acc, attrib_rules_ncampaigns(r));
    const attrib_engine_cfg cfg = {.rules = r, .from = from, .to = to};
    CHECK(attrib_engine_run(&cfg, &e2, &c2, NTYPES, &cr, &un, &acc) == 0, "engine");
    attrib_acc_free(&acc);
    attrib_table_free(&e2);
    attrib_table_free(&c2);
    copy_table(&e2, ev);
    copy_table(&c2, cv);
    CHECK(attrib_explain_counts(&cfg, &e2, &c2, NTYPES, &xc) == 0, "counts");
    CHECK(e2.n == ev->n && c2.n == cv->n, "counts keeps the rows");

    size_t nexplained = 0, nattr = 0, nxrows = 0;
    for (size_t i = 0; i < cv->n; i++) {
        const uint64_t cid = ATTRIB_COL(cv, ATTRIB_CV_CONVERSION_ID, uint64_t)[i];
        const uint64_t id = ATTRIB_COL(cv, ATTRIB_CV_IDENTITY, uint64_t)[i];
        const uint32_t adv = ATTRIB_COL(cv, ATTRIB_CV_ADVERTISER_ID, uint32_t)[i];
        int first = 1; /* explain each (identity, advertiser, conversion) once */
        for (size_t j = 0; j < i && first; j++)
            first = !(ATTRIB_COL(cv, ATTRIB_CV_CONVERSION_ID, uint64_t)[j] == cid &&
                      ATTRIB_COL(cv, ATTRIB_CV_IDENTITY, uint64_t)[j] == id &&
                      ATTRIB_COL(cv, ATTRIB_CV_ADVERTISER_ID, uint32_t)[j] == adv);
        if (!first)
            continue;
        const attrib_explain_in in = {.rules = r, .from = from, .to = to, .ntypes = NTYPES,
                                      .conversion_id = cid, .identity = id, .advertiser_id = adv};
        attrib_explanation *x = NULL;
        const int rc = attrib_explain_build(&in, ev, cv, &x);
        CHECK(rc == 0, "explain %" PRIu64 "/%u: %s", cid, (unsigned)adv, attrib_err_msg());
        if (rc)
            continue;
        nexplained++;
        /* The whole run's rows of this conversion. */
        size_t ncr = 0, nun = 0;
        for (size_t j = 0; j < cr.n; j++) {
            if (ATTRIB_COL(&cr, ATTRIB_CR_CONVERSION_ID, uint64_t)[j] != cid ||
                ATTRIB_COL(&cr, ATTRIB_CR_IDENTITY, uint64_t)[j] != id ||
                ATTRIB_COL(&cr, ATTRIB_CR_ADVERTISER_ID, uint32_t)[j] != adv)
                continue;
            ncr++;
            const uint64_t eid = ATTRIB_COL(&cr, ATTRIB_CR_EVENT_ID, uint64_t)[j];
            const attrib_xtouch *t = NULL;
            for (size_t k = 0; k < x->ntouches; k++)
                if (x->touch[k].event_id == eid && x->touch[k].status == ATTRIB_XS_CREDITED)
                    t = &x->touch[k];
            CHECK(t != NULL, "conv %" PRIu64 ": credited event %" PRIu64 " not credited", cid, eid);
            if (t) {
                CHECK(t->credit == ATTRIB_COL(&cr, ATTRIB_CR_CREDIT, double)[j] &&
                          t->credited_value == ATTRIB_COL(&cr, ATTRIB_CR_CREDITED_VALUE, double)[j] &&
                          t->position == ATTRIB_COL(&cr, ATTRIB_CR_POSITION, uint32_t)[j] &&
                          t->rule_version == ATTRIB_COL(&cr, ATTRIB_CR_RULE_VERSION, uint32_t)[j] &&
                          x->counts.path_length == ATTRIB_COL(&cr, ATTRIB_CR_PATH_LENGTH, uint32_t)[j],
                      "conv %" PRIu64 ": event %" PRIu64 " differs from /credits", cid, eid);
            }
        }
        for (size_t j = 0; j < un.n; j++)
            if (ATTRIB_COL(&un, ATTRIB_UN_CONVERSION_ID, uint64_t)[j] == cid &&
                ATTRIB_COL(&un, ATTRIB_UN_IDENTITY, uint64_t)[j] == id &&
                ATTRIB_COL(&un, ATTRIB_UN_ADVERTISER_ID, uint32_t)[j] == adv) {
                nun++;
                CHECK(x->in_period &&
                          (int)ATTRIB_COL(&un, ATTRIB_UN_REASON, uint8_t)[j] + 1 == x->outcome,
                      "conv %" PRIu64 ": reason differs", cid);
            }
        if (!x->in_period) {
            CHECK(ncr == 0 && nun == 0, "conv %" PRIu64 " outside the period has rows", cid);
        } else {
            CHECK(ncr == x->counts.credited && nun == (x->outcome != ATTRIB_XOUT_ATTRIBUTED),
                  "conv %" PRIu64 ": %zu credit rows, %zu unattributed; explanation %u credited",
                  cid, ncr, nun, (unsigned)x->counts.credited);
            nattr += x->outcome == ATTRIB_XOUT_ATTRIBUTED;
            for (size_t k = 0; k < x->ntouches; k++)
                status_seen[x->touch[k].status]++;
        }
        /* run --explain's row for it. */
        size_t found = 0;
        for (size_t j = 0; j < xc.n; j++) {
            if (ATTRIB_COL(&xc, ATTRIB_XC_CONVERSION_ID, uint64_t)[j] != cid ||
                ATTRIB_COL(&xc, ATTRIB_XC_IDENTITY, uint64_t)[j] != id ||
                ATTRIB_COL(&xc, ATTRIB_XC_ADVERTISER_ID, uint32_t)[j] != adv)
                continue;
            found++;
            const attrib_xcounts *k = &x->counts;
            const uint32_t want[] = {k->touches, k->candidates, k->path_length, k->credited,
                                     k->outside_window, k->kind_off, k->type_excluded,
                                     k->beaten_by_engagement, k->after_conversion,
                                     k->duplicate_touches, k->duplicate_conversions};
            for (size_t f = 0; f < sizeof want / sizeof want[0]; f++)
                CHECK(ATTRIB_COL(&xc, ATTRIB_XC_TOUCHES + f, uint32_t)[j] == want[f],
                      "conv %" PRIu64 ": /explain/conversion column %s = %u, explanation %u", cid,
                      attrib_schema_explain_conversion.cols[ATTRIB_XC_TOUCHES + f].name,
                      (unsigned)ATTRIB_COL(&xc, ATTRIB_XC_TOUCHES + f, uint32_t)[j], (unsigned)want[f]);
            CHECK(ATTRIB_COL(&xc, ATTRIB_XC_OUTCOME, uint8_t)[j] == x->outcome, "outcome");
        }
        CHECK(found == (size_t)x->in_period, "conv %" PRIu64 ": %zu counts rows", cid, found);
        nxrows += found;
        attrib_explanation_free(x);
    }
    CHECK(nxrows == xc.n, "counts rows %zu, explained in period %zu", xc.n, nxrows);
    printf("explained %zu conversions (%zu attributed, %zu credit rows)\n", nexplained, nattr,
           cr.n);
    attrib_table *all[] = {&e2, &c2, &cr, &un, &xc};
    for (size_t i = 0; i < 5; i++)
        attrib_table_free(all[i]);
}

static void test_format(void)
{
    char b[64];
    attrib_explain_format_offset(-(2 * DAY + 3 * 3600000 + 10 * 60000), b, sizeof b);
    CHECK(strcmp(b, "-2d 03:10") == 0, "offset '%s'", b);
    attrib_explain_format_offset(3600000, b, sizeof b);
    CHECK(strcmp(b, "+01:00") == 0, "offset '%s'", b);
    attrib_explain_format_offset(-1, b, sizeof b);
    CHECK(strcmp(b, "-00:00:00.001") == 0, "offset '%s'", b);
    attrib_explain_format_offset(0, b, sizeof b);
    CHECK(strcmp(b, "0") == 0, "offset '%s'", b);
    attrib_explain_format_duration(30 * DAY, b, sizeof b);
    CHECK(strcmp(b, "30d") == 0, "duration '%s'", b);
    attrib_explain_format_duration(36 * 3600000, b, sizeof b);
    CHECK(strcmp(b, "36h") == 0, "duration '%s'", b);
    attrib_explain_format_duration(1500, b, sizeof b);
    CHECK(strcmp(b, "1500ms") == 0, "duration '%s'", b);
    attrib_explain_format_duration(ATTRIB_LOOKBACK_OFF, b, sizeof b);
    CHECK(strcmp(b, "off") == 0, "duration '%s'", b);
}

int main(void)
{
    test_format();
    attrib_table cat, ev, cv;
    attrib_rules *r = make_rules(&cat);
    gen_data(&ev, &cv, 400, 20000, 2000);
    run_case(r, &ev, &cv, INT64_MIN, INT64_MAX);
    run_case(r, &ev, &cv, T0 - 2 * DAY, T0 + 2 * DAY);
    for (int s = 0; s < ATTRIB_XS_N; s++)
        CHECK(status_seen[s] > 0, "status %s never seen", attrib_xstatus_names[s]);
    /* An absent conversion is an input error. */
    attrib_explanation *x = NULL;
    const attrib_explain_in in = {.rules = r, .from = INT64_MIN, .to = INT64_MAX,
                                  .ntypes = NTYPES, .conversion_id = UINT64_MAX};
    CHECK(attrib_explain_build(&in, &ev, &cv, &x) == ATTRIB_EINPUT && x == NULL, "absent");
    attrib_table_free(&ev);
    attrib_table_free(&cv);
    attrib_table_free(&cat);
    attrib_rules_free(r);
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}

/* Unit tests of the attribution engine (no MPI), the semantics rule by rule on their edges,
 * the reports, a brute-force reference on random data, and order independence.
 *
 * `test_engine --bench NTOUCHES NCONVERSIONS [NIDENTITIES [MODEL]]` instead times
 * attrib_engine_run on synthetic in-memory data (a benchmark, not a test). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "attrib/engine.h"
#include "attrib/err.h"
#include "attrib/rules.h"
#include "attrib/timeparse.h"

static int failures;
#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                             \
            printf(__VA_ARGS__);                                                               \
            printf("\n");                                                                      \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

#define MS_H INT64_C(3600000)
#define MS_D (24 * MS_H)
/* 2026-10-01T00:00:00Z */
#define T0 INT64_C(1790812800000)

enum { IMP = ATTRIB_KIND_IMPRESSION, ENG = ATTRIB_KIND_ENGAGEMENT, NUR = ATTRIB_KIND_NURTURE };
enum { LEAD = 0, PURCHASE = 1, SIGNUP = 2 }; /* type ids: names sorted bytewise */
static char *const type_names[] = {"lead", "purchase", "signup"};
#define NTYPES 3

/* Catalog: campaign → advertiser. */
static const uint32_t cat_camp[] = {10, 11, 12, 20, 30};
static const uint32_t cat_adv[] = {1, 1, 1, 2, 3};
#define NCAT 5

#define DEFAULTS_FMT                                                                           \
    "defaults: { model = \"%s\"; engagement_priority = true;\n"                                \
    "  lookback = { engagement = \"30d\"; impression = \"1d\"; nurture = \"7d\"; };\n"         \
    "  conversion_types = []; time_decay = { half_life = \"1h\"; };\n"                         \
    "  position_based = { first = %s; last = %s; }; };\n"

typedef struct tcase {
    attrib_rules *rules;
    attrib_table ev, cv, credits, unattr;
    attrib_acc acc;
    attrib_table rc, rd, rdt, ra;
    int have_tables;
    int labels;      /* tc_run asks for /labels rows, into lb */
    attrib_table lb;
} tcase;

static attrib_rules *rules_make(const char *text)
{
    attrib_rules *r = NULL;
    if (attrib_rules_load_text("test.cfg", text, &r) != 0) {
        printf("FAIL rules: %s\n--\n%s\n", attrib_err_msg(), text);
        exit(1);
    }
    attrib_table cat;
    attrib_table_init(&cat, &attrib_schema_campaigns, 8);
    for (size_t i = 0; i < NCAT; i++) {
        size_t row = attrib_table_push(&cat);
        ATTRIB_COL(&cat, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[row] = cat_camp[i];
        ATTRIB_COL(&cat, ATTRIB_CA_ADVERTISER_ID, uint32_t)[row] = cat_adv[i];
        attrib_table_set_str(&cat, ATTRIB_CA_NAME, row, "c", 1);
    }
    char *warn = NULL;
    if (attrib_rules_bind(r, &cat, type_names, NTYPES, &warn) != 0) {
        printf("FAIL bind: %s\n", attrib_err_msg());
        exit(1);
    }
    free(warn);
    attrib_table_free(&cat);
    return r;
}

static void tc_init(tcase *c)
{
    memset(c, 0, sizeof *c);
    attrib_table_init(&c->ev, &attrib_schema_events, 1);
    attrib_table_init(&c->cv, &attrib_schema_conversions, 1);
    attrib_table_init(&c->credits, &attrib_schema_credits, 1);
    attrib_table_init(&c->unattr, &attrib_schema_unattributed, 1);
    attrib_table_init(&c->lb, &attrib_schema_labels, 1);
}

static void tc_free(tcase *c)
{
    attrib_table_free(&c->ev);
    attrib_table_free(&c->cv);
    attrib_table_free(&c->credits);
    attrib_table_free(&c->unattr);
    attrib_table_free(&c->lb);
    if (c->rules)
        attrib_acc_free(&c->acc);
    if (c->have_tables) {
        attrib_table_free(&c->rc);
        attrib_table_free(&c->rd);
        attrib_table_free(&c->rdt);
        attrib_table_free(&c->ra);
    }
    attrib_rules_free(c->rules);
}

static void ev(tcase *c, uint64_t eid, uint64_t ident, int64_t ts, uint32_t camp, int kind,
               double cost)
{
    size_t r = attrib_table_push(&c->ev);
    ATTRIB_COL(&c->ev, ATTRIB_EV_EVENT_ID, uint64_t)[r] = eid;
    ATTRIB_COL(&c->ev, ATTRIB_EV_IDENTITY, uint64_t)[r] = ident;
    ATTRIB_COL(&c->ev, ATTRIB_EV_TS, int64_t)[r] = ts;
    ATTRIB_COL(&c->ev, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[r] = camp;
    ATTRIB_COL(&c->ev, ATTRIB_EV_KIND, uint8_t)[r] = (uint8_t)kind;
    ATTRIB_COL(&c->ev, ATTRIB_EV_COST, double)[r] = cost;
}

static void cv(tcase *c, uint64_t cid, uint64_t ident, int64_t ts, uint32_t adv, int type,
               double value)
{
    size_t r = attrib_table_push(&c->cv);
    ATTRIB_COL(&c->cv, ATTRIB_CV_CONVERSION_ID, uint64_t)[r] = cid;
    ATTRIB_COL(&c->cv, ATTRIB_CV_IDENTITY, uint64_t)[r] = ident;
    ATTRIB_COL(&c->cv, ATTRIB_CV_TS, int64_t)[r] = ts;
    ATTRIB_COL(&c->cv, ATTRIB_CV_ADVERTISER_ID, uint32_t)[r] = adv;
    ATTRIB_COL(&c->cv, ATTRIB_CV_TYPE, uint16_t)[r] = (uint16_t)type;
    ATTRIB_COL(&c->cv, ATTRIB_CV_VALUE, double)[r] = value;
}

static int tc_run(tcase *c, const char *rules_text, int64_t from, int64_t to)
{
    c->rules = rules_make(rules_text);
    attrib_acc_init(&c->acc, attrib_rules_ncampaigns(c->rules));
    attrib_engine_cfg cfg = {.rules = c->rules, .from = from, .to = to,
                             .labels = c->labels ? &c->lb : NULL};
    int rc = attrib_engine_run(&cfg, &c->ev, &c->cv, NTYPES, &c->credits, &c->unattr, &c->acc);
    if (rc == 0) {
        attrib_acc_to_tables(&c->acc, c->rules, &c->rc, &c->rd, &c->rdt, &c->ra);
        c->have_tables = 1;
    }
    return rc;
}

static char *defaults(const char *model, const char *first, const char *last, const char *more)
{
    static char buf[4096];
    int n = snprintf(buf, sizeof buf, DEFAULTS_FMT, model, first, last);
    snprintf(buf + n, sizeof buf - (size_t)n, "%s", more ? more : "");
    return buf;
}

/* Credit row of (identity, conversion, event), or -1. */
static long credit_row(const tcase *c, uint64_t ident, uint64_t cid, uint64_t eid)
{
    for (size_t r = 0; r < c->credits.n; r++)
        if (ATTRIB_COL(&c->credits, ATTRIB_CR_IDENTITY, uint64_t)[r] == ident &&
            ATTRIB_COL(&c->credits, ATTRIB_CR_CONVERSION_ID, uint64_t)[r] == cid &&
            ATTRIB_COL(&c->credits, ATTRIB_CR_EVENT_ID, uint64_t)[r] == eid)
            return (long)r;
    return -1;
}

static size_t ncredits(const tcase *c, uint64_t ident, uint64_t cid)
{
    size_t k = 0;
    for (size_t r = 0; r < c->credits.n; r++)
        k += ATTRIB_COL(&c->credits, ATTRIB_CR_IDENTITY, uint64_t)[r] == ident &&
             ATTRIB_COL(&c->credits, ATTRIB_CR_CONVERSION_ID, uint64_t)[r] == cid;
    return k;
}

static double credit_of(const tcase *c, uint64_t ident, uint64_t cid, uint64_t eid)
{
    long r = credit_row(c, ident, cid, eid);
    return r < 0 ? -1 : ATTRIB_COL(&c->credits, ATTRIB_CR_CREDIT, double)[r];
}

/* Reason of the unattributed row of (identity, conversion): -1 none, -2 several. */
static int reason_of(const tcase *c, uint64_t ident, uint64_t cid)
{
    int found = -1;
    for (size_t r = 0; r < c->unattr.n; r++)
        if (ATTRIB_COL(&c->unattr, ATTRIB_UN_IDENTITY, uint64_t)[r] == ident &&
            ATTRIB_COL(&c->unattr, ATTRIB_UN_CONVERSION_ID, uint64_t)[r] == cid)
            found = found == -1 ? ATTRIB_COL(&c->unattr, ATTRIB_UN_REASON, uint8_t)[r] : -2;
    return found;
}

static long unattr_row(const tcase *c, uint64_t ident, uint64_t cid)
{
    for (size_t r = 0; r < c->unattr.n; r++)
        if (ATTRIB_COL(&c->unattr, ATTRIB_UN_IDENTITY, uint64_t)[r] == ident &&
            ATTRIB_COL(&c->unattr, ATTRIB_UN_CONVERSION_ID, uint64_t)[r] == cid)
            return (long)r;
    return -1;
}

static long report_row(const attrib_table *t, int idcol, uint32_t id)
{
    for (size_t r = 0; r < t->n; r++)
        if (ATTRIB_COL(t, idcol, uint32_t)[r] == id)
            return (long)r;
    return -1;
}

static uint64_t adv_field(const tcase *c, uint32_t adv, int col)
{
    long r = report_row(&c->ra, ATTRIB_RA_ADVERTISER_ID, adv);
    return r < 0 ? UINT64_MAX : ATTRIB_COL(&c->ra, col, uint64_t)[r];
}

#define NO_TOUCH ATTRIB_REASON_NO_TOUCH
#define RULE_EXCLUDED ATTRIB_REASON_RULE_EXCLUDED
#define OUTSIDE ATTRIB_REASON_OUTSIDE_WINDOW
#define OPEN INT64_MIN, INT64_MAX

/* ---- windows and order (docs/models.md) ---- */
static void test_windows(void)
{
    tcase c;
    tc_init(&c);
    const int64_t T = T0 + 5 * MS_D;
    ev(&c, 1, 1, T - MS_D, 10, IMP, 0); /* exactly the lookback: in */
    cv(&c, 101, 1, T, 1, PURCHASE, 10);
    ev(&c, 2, 2, T - MS_D - 1, 10, IMP, 0); /* 1 ms past: out */
    cv(&c, 102, 2, T, 1, PURCHASE, 10);
    ev(&c, 3, 3, T, 10, IMP, 0); /* at the conversion's millisecond: in */
    cv(&c, 103, 3, T, 1, PURCHASE, 10);
    ev(&c, 4, 4, T + 1, 10, IMP, 0); /* 1 ms after: not a touch before c */
    cv(&c, 104, 4, T, 1, PURCHASE, 10);
    ev(&c, 5, 5, T - 30 * MS_D, 10, ENG, 0);
    cv(&c, 105, 5, T, 1, PURCHASE, 10);
    ev(&c, 6, 6, T - 30 * MS_D - 1, 10, ENG, 0);
    cv(&c, 106, 6, T, 1, PURCHASE, 10);
    ev(&c, 5, 7, T - MS_H, 10, IMP, 0); /* equal ts: order by event_id */
    ev(&c, 3, 7, T - MS_H, 11, IMP, 0);
    cv(&c, 107, 7, T, 1, PURCHASE, 10);
    ev(&c, 8, 8, T - MS_H, 20, IMP, 0); /* another advertiser's touch */
    cv(&c, 108, 8, T, 1, PURCHASE, 10);
    cv(&c, 109, 9, T, 99, PURCHASE, 10); /* advertiser not in the catalog */
    ev(&c, 10, 10, T - MS_H, 99, ENG, 0); /* campaign not in the catalog: ignored */
    cv(&c, 110, 10, T, 1, PURCHASE, 10);
    ev(&c, 11, 11, T - MS_H, 10, NUR, 0); /* nurture 7d, and after-conversion touch */
    ev(&c, 12, 11, T + MS_H, 10, ENG, 0);
    cv(&c, 111, 11, T, 1, PURCHASE, 10);

    CHECK(tc_run(&c, defaults("last_touch", "0.4", "0.4", NULL), OPEN) == 0, "%s",
          attrib_err_msg());
    CHECK(credit_of(&c, 1, 101, 1) == 1.0, "lookback edge");
    CHECK(reason_of(&c, 2, 102) == OUTSIDE, "1 ms past lookback: %d", reason_of(&c, 2, 102));
    CHECK(credit_of(&c, 3, 103, 3) == 1.0, "same ms");
    CHECK(reason_of(&c, 4, 104) == NO_TOUCH, "touch after: %d", reason_of(&c, 4, 104));
    CHECK(credit_of(&c, 5, 105, 5) == 1.0, "engagement 30d edge");
    CHECK(reason_of(&c, 6, 106) == OUTSIDE, "engagement past 30d");
    long r = credit_row(&c, 7, 107, 5);
    CHECK(r >= 0 && ncredits(&c, 7, 107) == 1, "tie by event_id: last is eid 5");
    if (r >= 0) {
        CHECK(ATTRIB_COL(&c.credits, ATTRIB_CR_POSITION, uint32_t)[r] == 2, "position");
        CHECK(ATTRIB_COL(&c.credits, ATTRIB_CR_PATH_LENGTH, uint32_t)[r] == 2, "path_length");
        CHECK(ATTRIB_COL(&c.credits, ATTRIB_CR_CAMPAIGN_ID, uint32_t)[r] == 10, "campaign");
        CHECK(ATTRIB_COL(&c.credits, ATTRIB_CR_ADVERTISER_ID, uint32_t)[r] == 1, "advertiser");
        CHECK(ATTRIB_COL(&c.credits, ATTRIB_CR_CONV_TS, int64_t)[r] == T, "conv_ts");
        CHECK(ATTRIB_COL(&c.credits, ATTRIB_CR_TOUCH_TS, int64_t)[r] == T - MS_H, "touch_ts");
        CHECK(ATTRIB_COL(&c.credits, ATTRIB_CR_KIND, uint8_t)[r] == IMP, "kind");
        CHECK(ATTRIB_COL(&c.credits, ATTRIB_CR_CREDITED_VALUE, double)[r] == 10.0, "credited value");
        CHECK(ATTRIB_COL(&c.credits, ATTRIB_CR_RULE_VERSION, uint32_t)[r] == 0, "no campaign entry");
    }
    CHECK(reason_of(&c, 8, 108) == NO_TOUCH, "other advertiser's touch");
    CHECK(reason_of(&c, 9, 109) == NO_TOUCH, "unknown advertiser");
    CHECK(adv_field(&c, 99, ATTRIB_RA_CONVERSIONS) == 1 && adv_field(&c, 99, ATTRIB_RA_UNATTR_NO_TOUCH) == 1,
          "unknown advertiser row");
    CHECK(reason_of(&c, 10, 110) == NO_TOUCH, "unknown campaign ignored");
    CHECK(credit_of(&c, 11, 111, 11) == 1.0 && ncredits(&c, 11, 111) == 1, "nurture, later eng");
    CHECK(c.credits.n == 5 && c.unattr.n == 6, "rows %zu %zu", c.credits.n, c.unattr.n);
    CHECK(adv_field(&c, 1, ATTRIB_RA_CONVERSIONS) == 10 && adv_field(&c, 1, ATTRIB_RA_ATTRIBUTED) == 5 &&
              adv_field(&c, 1, ATTRIB_RA_UNATTR_NO_TOUCH) == 3 &&
              adv_field(&c, 1, ATTRIB_RA_UNATTR_OUTSIDE_WINDOW) == 2,
          "advertiser 1 counts");
    CHECK(c.ra.n == 4, "advertiser rows: 1 2 3 99, got %zu", c.ra.n);
    tc_free(&c);
}

/* ---- engagement priority (docs/models.md) ---- */
static void test_priority(void)
{
    tcase c;
    tc_init(&c);
    const int64_t T = T0 + 5 * MS_D;
    ev(&c, 1, 1, T - 2 * MS_H, 10, ENG, 0);
    ev(&c, 2, 1, T - MS_H, 11, IMP, 0);
    cv(&c, 101, 1, T, 1, PURCHASE, 10);
    ev(&c, 1, 2, T - 2 * MS_H, 10, IMP, 0);
    ev(&c, 2, 2, T - MS_H, 11, IMP, 0);
    cv(&c, 102, 2, T, 1, PURCHASE, 10);
    ev(&c, 1, 3, T - 2 * MS_H, 20, ENG, 0); /* advertiser 2: priority off */
    ev(&c, 2, 3, T - MS_H, 20, IMP, 0);
    cv(&c, 103, 3, T, 2, PURCHASE, 10);
    ev(&c, 1, 4, T - 31 * MS_D, 10, ENG, 0); /* engagement outside its window */
    ev(&c, 2, 4, T - MS_H, 11, IMP, 0);
    cv(&c, 104, 4, T, 1, PURCHASE, 10);
    ev(&c, 1, 5, T - 3 * MS_H, 10, IMP, 0); /* linear: path_length after priority */
    ev(&c, 2, 5, T - 2 * MS_H, 10, ENG, 0);
    ev(&c, 3, 5, T - MS_H, 11, ENG, 0);
    cv(&c, 105, 5, T, 3, PURCHASE, 10);
    ev(&c, 1, 6, T - 3 * MS_H, 30, IMP, 0);
    ev(&c, 2, 6, T - 2 * MS_H, 30, ENG, 0);
    ev(&c, 3, 6, T - MS_H, 30, ENG, 0);
    cv(&c, 106, 6, T, 3, PURCHASE, 10);

    const char *more = "advertisers = ( { id = 2; engagement_priority = false; },\n"
                       "  { id = 3; model = \"linear\"; } );\n";
    CHECK(tc_run(&c, defaults("last_touch", "0.4", "0.4", more), OPEN) == 0, "%s",
          attrib_err_msg());
    long r = credit_row(&c, 1, 101, 1);
    CHECK(r >= 0 && ncredits(&c, 1, 101) == 1, "engagement wins over later impression");
    if (r >= 0)
        CHECK(ATTRIB_COL(&c.credits, ATTRIB_CR_PATH_LENGTH, uint32_t)[r] == 1 &&
                  ATTRIB_COL(&c.credits, ATTRIB_CR_POSITION, uint32_t)[r] == 1,
              "only engagement candidates remain");
    r = credit_row(&c, 2, 102, 2);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_PATH_LENGTH, uint32_t)[r] == 2,
          "no engagement: all candidates");
    r = credit_row(&c, 3, 103, 2);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_PATH_LENGTH, uint32_t)[r] == 2,
          "priority off: last impression");
    CHECK(credit_of(&c, 4, 104, 2) == 1.0, "engagement outside its window does not count");
    /* identity 5: advertiser 3 has no campaign 10/11 → no touch for advertiser 3 */
    CHECK(reason_of(&c, 5, 105) == NO_TOUCH, "advertiser match");
    CHECK(credit_of(&c, 6, 106, 2) == 0.5 && credit_of(&c, 6, 106, 3) == 0.5 &&
              credit_of(&c, 6, 106, 1) == -1,
          "linear over engagements only");
    tc_free(&c);
}

/* ---- kind off and conversion types; unattributed reasons (docs/models.md) ---- */
static void test_exclusions(void)
{
    tcase c;
    tc_init(&c);
    const int64_t T = T0 + 5 * MS_D;
    ev(&c, 1, 1, T - MS_H, 10, IMP, 0);
    cv(&c, 101, 1, T, 1, PURCHASE, 10);
    ev(&c, 1, 2, T - MS_H, 11, IMP, 0);
    cv(&c, 102, 2, T, 1, SIGNUP, 10);
    ev(&c, 1, 3, T - MS_H, 11, IMP, 0);
    cv(&c, 103, 3, T, 1, PURCHASE, 10);
    ev(&c, 1, 4, T - MS_H, 10, IMP, 0);     /* excluded (kind off) */
    ev(&c, 2, 4, T - 3 * MS_D, 12, IMP, 0); /* allowed but too old */
    cv(&c, 104, 4, T, 1, PURCHASE, 10);
    ev(&c, 1, 5, T - MS_H, 10, ENG, 0);
    cv(&c, 105, 5, T, 1, PURCHASE, 10);
    ev(&c, 1, 6, T - MS_H, 12, IMP, 0);
    cv(&c, 106, 6, T, 1, PURCHASE, 10);
    ev(&c, 1, 7, T - 3 * MS_D, 10, IMP, 0); /* excluded and too old: excluded */
    cv(&c, 107, 7, T, 1, PURCHASE, 10);
    ev(&c, 1, 8, T - MS_H, 11, IMP, 0);      /* type-excluded */
    ev(&c, 2, 8, T + MS_H, 12, IMP, 0);      /* allowed, but after c */
    cv(&c, 108, 8, T, 1, SIGNUP, 10);
    cv(&c, 109, 8, T + 2 * MS_H, 1, SIGNUP, 10); /* now the allowed touch is before */

    const char *more = "campaigns = ( { id = 10; lookback = { impression = \"off\"; }; },\n"
                       "  { id = 11; conversion_types = [\"purchase\"]; } );\n";
    CHECK(tc_run(&c, defaults("last_touch", "0.4", "0.4", more), OPEN) == 0, "%s",
          attrib_err_msg());
    CHECK(reason_of(&c, 1, 101) == RULE_EXCLUDED, "kind off: %d", reason_of(&c, 1, 101));
    CHECK(reason_of(&c, 2, 102) == RULE_EXCLUDED, "type not allowed");
    long r = credit_row(&c, 3, 103, 1);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_RULE_VERSION, uint32_t)[r] == 1, "type allowed");
    CHECK(reason_of(&c, 4, 104) == OUTSIDE, "one allowed touch outside: %d",
          reason_of(&c, 4, 104));
    r = credit_row(&c, 5, 105, 1);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_RULE_VERSION, uint32_t)[r] == 1,
          "engagement still on, inherited lookback");
    r = credit_row(&c, 6, 106, 1);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_RULE_VERSION, uint32_t)[r] == 0,
          "campaign without entry: version 0");
    CHECK(reason_of(&c, 7, 107) == RULE_EXCLUDED, "all excluded, even when also old");
    CHECK(reason_of(&c, 8, 108) == RULE_EXCLUDED, "later touch does not count");
    CHECK(credit_of(&c, 8, 109, 2) == 1.0, "later conversion sees it");
    CHECK(adv_field(&c, 1, ATTRIB_RA_UNATTR_RULE_EXCLUDED) == 4 &&
              adv_field(&c, 1, ATTRIB_RA_UNATTR_OUTSIDE_WINDOW) == 1 &&
              adv_field(&c, 1, ATTRIB_RA_ATTRIBUTED) == 4 && adv_field(&c, 1, ATTRIB_RA_CONVERSIONS) == 9,
          "advertiser reasons");
    tc_free(&c);
}

/* ---- versions (docs/rules.md): the version in force at the conversion's timestamp ---- */
static void test_versions(void)
{
    tcase c;
    tc_init(&c);
    const int64_t SW = T0 + 10 * MS_D;
    ev(&c, 1, 1, T0 + 5 * MS_D - 36 * MS_H, 11, IMP, 0);
    cv(&c, 101, 1, T0 + 5 * MS_D, 1, PURCHASE, 10);
    ev(&c, 1, 2, SW + 2 * MS_D - MS_H, 11, IMP, 0);
    cv(&c, 102, 2, SW + 2 * MS_D, 1, PURCHASE, 10);
    ev(&c, 1, 3, SW - MS_H, 11, IMP, 0);
    cv(&c, 103, 3, SW, 1, PURCHASE, 10); /* v2 in force from its instant */
    ev(&c, 1, 4, SW - 2, 11, IMP, 0);
    cv(&c, 104, 4, SW - 1, 1, PURCHASE, 10);
    ev(&c, 1, 5, SW + 2 * MS_D - MS_H, 11, ENG, 0);
    cv(&c, 105, 5, SW + 2 * MS_D, 1, PURCHASE, 10);
    ev(&c, 1, 6, SW - MS_D, 11, IMP, 0); /* touch under v1, conversion under v2 */
    cv(&c, 106, 6, SW + MS_H, 1, PURCHASE, 10);

    const char *more =
        "campaigns = (\n"
        "  { id = 11; effective_from = \"2026-10-11T00:00:00Z\"; lookback = { impression = \"off\"; }; },\n"
        "  { id = 11; lookback = { impression = \"2d\"; }; } );\n";
    CHECK(tc_run(&c, defaults("last_touch", "0.4", "0.4", more), OPEN) == 0, "%s",
          attrib_err_msg());
    long r = credit_row(&c, 1, 101, 1);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_RULE_VERSION, uint32_t)[r] == 1, "v1 2d lookback");
    CHECK(reason_of(&c, 2, 102) == RULE_EXCLUDED, "v2 impression off");
    CHECK(reason_of(&c, 3, 103) == RULE_EXCLUDED, "v2 from its effective instant");
    r = credit_row(&c, 4, 104, 1);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_RULE_VERSION, uint32_t)[r] == 1, "1 ms before v2");
    r = credit_row(&c, 5, 105, 1);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_RULE_VERSION, uint32_t)[r] == 2,
          "v2 engagement inherits 30d");
    CHECK(reason_of(&c, 6, 106) == RULE_EXCLUDED, "rules at c.ts, not at t.ts");
    tc_free(&c);
}

/* ---- duplicates (docs/models.md) ---- */
static void test_dups(void)
{
    tcase c;
    tc_init(&c);
    const int64_t T = T0 + 5 * MS_D;
    ev(&c, 1, 1, T - MS_H, 10, IMP, 1.0);
    ev(&c, 1, 1, T - MS_H, 10, IMP, 1.0); /* exact copy */
    cv(&c, 101, 1, T, 1, PURCHASE, 10);
    ev(&c, 2, 2, T - MS_H, 11, IMP, 0);
    ev(&c, 2, 2, T - 2 * MS_H, 10, IMP, 0); /* earlier ts wins */
    cv(&c, 102, 2, T, 1, PURCHASE, 10);
    ev(&c, 3, 3, T - MS_H, 11, IMP, 0);
    ev(&c, 3, 3, T - MS_H, 10, IMP, 0); /* same ts: smaller campaign wins */
    cv(&c, 103, 3, T, 1, PURCHASE, 10);
    ev(&c, 4, 4, T - MS_H, 10, ENG, 0);
    ev(&c, 4, 4, T - MS_H, 10, IMP, 0); /* impression < engagement */
    cv(&c, 104, 4, T, 1, PURCHASE, 10);
    ev(&c, 5, 5, T - MS_H, 12, IMP, 2.0);
    ev(&c, 5, 5, T - MS_H, 12, IMP, 1.5); /* smaller cost */
    ev(&c, 6, 6, T - MS_H, 12, IMP, 0);
    cv(&c, 106, 6, T, 1, PURCHASE, 10);
    cv(&c, 106, 6, T - 1, 1, PURCHASE, 10); /* earliest conversion ts wins */
    ev(&c, 7, 7, T - MS_H, 11, IMP, 0);
    cv(&c, 107, 7, T, 1, PURCHASE, 10);
    cv(&c, 107, 7, T, 1, LEAD, 10); /* smaller type name wins → excluded by type */
    cv(&c, 108, 8, T, 1, PURCHASE, 5);
    cv(&c, 108, 8, T, 1, PURCHASE, 3); /* smaller value wins */
    cv(&c, 109, 9, T, 1, PURCHASE, 5);
    cv(&c, 109, 9, T, 1, PURCHASE, 5); /* exact */
    cv(&c, 110, 10, T, 1, PURCHASE, 5);
    cv(&c, 110, 10, T, 2, PURCHASE, 5); /* other advertiser: not a duplicate */
    ev(&c, 11, 11, T - MS_H, 10, IMP, 0);
    ev(&c, 11, 11, T - 2 * MS_H, 20, IMP, 0); /* kept row is advertiser 2's */
    ev(&c, 12, 12, T - MS_H, 10, IMP, 0);     /* same event_id, other identity: distinct */
    ev(&c, 12, 13, T - MS_H, 10, IMP, 0);

    const char *more = "campaigns = ( { id = 11; conversion_types = [\"purchase\"]; } );\n";
    CHECK(tc_run(&c, defaults("last_touch", "0.4", "0.4", more), OPEN) == 0, "%s",
          attrib_err_msg());
    CHECK(credit_of(&c, 1, 101, 1) == 1.0, "exact dup");
    long r = credit_row(&c, 2, 102, 2);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_TOUCH_TS, int64_t)[r] == T - 2 * MS_H &&
              ATTRIB_COL(&c.credits, ATTRIB_CR_CAMPAIGN_ID, uint32_t)[r] == 10,
          "earliest ts kept");
    r = credit_row(&c, 3, 103, 3);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_CAMPAIGN_ID, uint32_t)[r] == 10, "smallest camp");
    r = credit_row(&c, 4, 104, 4);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_KIND, uint8_t)[r] == IMP, "impression kept");
    long rc12 = report_row(&c.rc, ATTRIB_RC_CAMPAIGN_ID, 12);
    CHECK(rc12 >= 0 && ATTRIB_COL(&c.rc, ATTRIB_RC_COST, double)[rc12] == 1.5 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_IMPRESSIONS, uint64_t)[rc12] == 2 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_REACH, uint64_t)[rc12] == 2,
          "smallest cost kept, counted once");
    r = credit_row(&c, 6, 106, 6);
    CHECK(r >= 0 && ATTRIB_COL(&c.credits, ATTRIB_CR_CONV_TS, int64_t)[r] == T - 1, "earliest conv");
    CHECK(reason_of(&c, 7, 107) == RULE_EXCLUDED, "smallest type kept: %d",
          reason_of(&c, 7, 107));
    r = unattr_row(&c, 8, 108);
    CHECK(r >= 0 && ATTRIB_COL(&c.unattr, ATTRIB_UN_VALUE, double)[r] == 3, "smallest value kept");
    CHECK(reason_of(&c, 9, 109) == NO_TOUCH, "exact conversion dup: one row");
    CHECK(reason_of(&c, 10, 110) == -2, "same conversion_id, two advertisers: two rows");
    CHECK(adv_field(&c, 1, ATTRIB_RA_DUP_TOUCHES) == 5 && adv_field(&c, 1, ATTRIB_RA_DUP_TOUCHES_INEXACT) == 4,
          "touch dups adv 1: %llu %llu", (unsigned long long)adv_field(&c, 1, ATTRIB_RA_DUP_TOUCHES),
          (unsigned long long)adv_field(&c, 1, ATTRIB_RA_DUP_TOUCHES_INEXACT));
    CHECK(adv_field(&c, 2, ATTRIB_RA_DUP_TOUCHES) == 1 && adv_field(&c, 2, ATTRIB_RA_DUP_TOUCHES_INEXACT) == 1,
          "touch dup under the kept row's advertiser");
    CHECK(adv_field(&c, 1, ATTRIB_RA_DUP_CONVERSIONS) == 4 &&
              adv_field(&c, 1, ATTRIB_RA_DUP_CONVERSIONS_INEXACT) == 3,
          "conversion dups: %llu %llu",
          (unsigned long long)adv_field(&c, 1, ATTRIB_RA_DUP_CONVERSIONS),
          (unsigned long long)adv_field(&c, 1, ATTRIB_RA_DUP_CONVERSIONS_INEXACT));
    CHECK(adv_field(&c, 2, ATTRIB_RA_DUP_CONVERSIONS) == 0 && adv_field(&c, 2, ATTRIB_RA_CONVERSIONS) == 1,
          "advertiser 2 conversions");
    long rc10 = report_row(&c.rc, ATTRIB_RC_CAMPAIGN_ID, 10);
    /* campaign 10 touches: ids 1,2(kept),3(kept),4(kept),12,12' — 11 went to campaign 20 */
    CHECK(rc10 >= 0 && ATTRIB_COL(&c.rc, ATTRIB_RC_IMPRESSIONS, uint64_t)[rc10] == 6 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_REACH, uint64_t)[rc10] == 6 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_COST, double)[rc10] == 1.0,
          "campaign 10 touches after dedup");
    tc_free(&c);
}

/* ---- models on 1, 2, 3 and 5 candidates ---- */
static void check_model(const char *model, const char *first, const char *last, size_t n,
                        const double *want)
{
    tcase c;
    tc_init(&c);
    const int64_t T = T0 + 5 * MS_D;
    /* candidates i = 0..n-1, oldest first, ages (n-1-i) hours */
    for (size_t i = 0; i < n; i++)
        ev(&c, 100 - i, 1, T - (int64_t)(n - 1 - i) * MS_H, 10, IMP, 0);
    cv(&c, 1, 1, T, 1, PURCHASE, 8);
    CHECK(tc_run(&c, defaults(model, first, last, NULL), OPEN) == 0, "%s", attrib_err_msg());
    double sum = 0;
    size_t rows = 0;
    for (size_t i = 0; i < n; i++) {
        long r = credit_row(&c, 1, 1, 100 - i);
        if (want[i] == 0) {
            CHECK(r < 0, "%s n=%zu pos %zu: zero share must have no row", model, n, i + 1);
            continue;
        }
        rows++;
        CHECK(r >= 0, "%s n=%zu pos %zu: missing row", model, n, i + 1);
        if (r < 0)
            continue;
        const double got = ATTRIB_COL(&c.credits, ATTRIB_CR_CREDIT, double)[r];
        sum += got;
        CHECK(fabs(got - want[i]) <= 1e-15, "%s n=%zu pos %zu: credit %.17g want %.17g", model,
              n, i + 1, got, want[i]);
        CHECK(ATTRIB_COL(&c.credits, ATTRIB_CR_POSITION, uint32_t)[r] == i + 1 &&
                  ATTRIB_COL(&c.credits, ATTRIB_CR_PATH_LENGTH, uint32_t)[r] == n,
              "%s n=%zu: position/path_length", model, n);
        CHECK(fabs(ATTRIB_COL(&c.credits, ATTRIB_CR_CREDITED_VALUE, double)[r] - 8 * want[i]) < 1e-14,
              "credited value");
    }
    CHECK(c.credits.n == rows, "%s n=%zu: %zu rows, want %zu", model, n, c.credits.n, rows);
    CHECK(fabs(sum - 1) <= 1e-12, "%s n=%zu: sum %.17g", model, n, sum);
    tc_free(&c);
}

static void test_models(void)
{
    const double t3 = 1.0 / 3, m3 = 0.2 / 3;
    struct {
        const char *model, *first, *last;
        size_t n;
        double want[5];
    } cases[] = {
        {"last_touch", "0.4", "0.4", 1, {1}},
        {"last_touch", "0.4", "0.4", 2, {0, 1}},
        {"last_touch", "0.4", "0.4", 3, {0, 0, 1}},
        {"last_touch", "0.4", "0.4", 5, {0, 0, 0, 0, 1}},
        {"first_touch", "0.4", "0.4", 1, {1}},
        {"first_touch", "0.4", "0.4", 2, {1, 0}},
        {"first_touch", "0.4", "0.4", 3, {1, 0, 0}},
        {"first_touch", "0.4", "0.4", 5, {1, 0, 0, 0, 0}},
        {"linear", "0.4", "0.4", 1, {1}},
        {"linear", "0.4", "0.4", 2, {0.5, 0.5}},
        {"linear", "0.4", "0.4", 3, {t3, t3, t3}},
        {"linear", "0.4", "0.4", 5, {0.2, 0.2, 0.2, 0.2, 0.2}},
        /* half-life 1 h, ages (n-1-i) h: weights 2^-(age) */
        {"time_decay", "0.4", "0.4", 1, {1}},
        {"time_decay", "0.4", "0.4", 2, {1.0 / 3, 2.0 / 3}},
        {"time_decay", "0.4", "0.4", 3, {1.0 / 7, 2.0 / 7, 4.0 / 7}},
        {"time_decay", "0.4", "0.4", 5, {1.0 / 31, 2.0 / 31, 4.0 / 31, 8.0 / 31, 16.0 / 31}},
        {"position_based", "0.3", "0.5", 1, {1}},
        {"position_based", "0.3", "0.5", 2, {0.375, 0.625}},
        {"position_based", "0.3", "0.5", 3, {0.3, 0.2, 0.5}},
        {"position_based", "0.3", "0.5", 5, {0.3, m3, m3, m3, 0.5}},
        {"position_based", "0.5", "0.5", 3, {0.5, 0, 0.5}},
        {"position_based", "0.7", "0.3", 5, {0.7, 0, 0, 0, 0.3}},
        {"position_based", "0.0", "0.0", 2, {0.5, 0.5}},
        {"position_based", "0.0", "0.0", 3, {0, 1, 0}},
        {"u_shaped", "0.1", "0.1", 1, {1}},
        {"u_shaped", "0.1", "0.1", 2, {0.5, 0.5}},
        {"u_shaped", "0.1", "0.1", 3, {0.4, 0.2, 0.4}},
        {"u_shaped", "0.1", "0.1", 5, {0.4, m3, m3, m3, 0.4}},
        {"j_curve", "0.1", "0.1", 2, {0.25, 0.75}},
        {"j_curve", "0.1", "0.1", 3, {0.2, 0.2, 0.6}},
        {"j_curve", "0.1", "0.1", 5, {0.2, m3, m3, m3, 0.6}},
        {"inverse_j", "0.1", "0.1", 2, {0.75, 0.25}},
        {"inverse_j", "0.1", "0.1", 3, {0.6, 0.2, 0.2}},
        {"inverse_j", "0.1", "0.1", 5, {0.6, m3, m3, m3, 0.2}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_model(cases[i].model, cases[i].first, cases[i].last, cases[i].n, cases[i].want);
}

/* ---- period and the reports (docs/models.md) ---- */
static void test_period_reports(void)
{
    tcase c;
    tc_init(&c);
    const int64_t from = T0, to = T0 + 10 * MS_D;
    ev(&c, 1, 1, T0 - MS_H, 10, IMP, 2.0); /* before the period: candidate, not counted */
    ev(&c, 2, 1, T0 + MS_H, 11, IMP, 1.0);
    cv(&c, 101, 1, T0 + 2 * MS_H, 1, PURCHASE, 100);
    ev(&c, 3, 2, T0 - MS_H, 12, IMP, 0);
    cv(&c, 102, 2, T0, 1, PURCHASE, 7); /* at from: in */
    ev(&c, 4, 3, to - MS_H, 12, IMP, 0);
    cv(&c, 103, 3, to, 1, PURCHASE, 7);    /* at to: out */
    cv(&c, 104, 3, T0 - 1, 1, PURCHASE, 7); /* before from: out */
    ev(&c, 5, 4, T0 + 3 * MS_D, 11, IMP, 0.25);
    ev(&c, 6, 4, T0 + 4 * MS_D, 11, IMP, 0.25);
    ev(&c, 7, 4, T0 + 4 * MS_D, 11, NUR, 0);
    ev(&c, 8, 4, to, 11, ENG, 5.0); /* at to: not counted */
    cv(&c, 150, 5, to + MS_D, 50, PURCHASE, 1); /* unknown advertiser, out of period */

    CHECK(tc_run(&c, defaults("linear", "0.4", "0.4", NULL), from, to) == 0, "%s",
          attrib_err_msg());
    CHECK(credit_of(&c, 1, 101, 1) == 0.5 && credit_of(&c, 1, 101, 2) == 0.5, "linear 2");
    CHECK(credit_of(&c, 2, 102, 3) == 1.0, "conversion at from");
    CHECK(ncredits(&c, 3, 103) == 0 && reason_of(&c, 3, 103) == -1, "conversion at to");
    CHECK(ncredits(&c, 3, 104) == 0 && reason_of(&c, 3, 104) == -1, "conversion before from");
    CHECK(c.credits.n == 3 && c.unattr.n == 0, "rows");

    CHECK(c.rc.n == NCAT, "one row per catalog campaign");
    for (size_t i = 0; i + 1 < c.rc.n; i++)
        CHECK(ATTRIB_COL(&c.rc, ATTRIB_RC_CAMPAIGN_ID, uint32_t)[i] <
                  ATTRIB_COL(&c.rc, ATTRIB_RC_CAMPAIGN_ID, uint32_t)[i + 1],
              "sorted by campaign_id");
    long r = report_row(&c.rc, ATTRIB_RC_CAMPAIGN_ID, 10);
    CHECK(r >= 0 && ATTRIB_COL(&c.rc, ATTRIB_RC_ADVERTISER_ID, uint32_t)[r] == 1 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_IMPRESSIONS, uint64_t)[r] == 0 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_REACH, uint64_t)[r] == 0 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_COST, double)[r] == 0 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_CONVERSIONS, double)[r] == 0.5 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_VALUE, double)[r] == 50 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_CREDITED_TOUCHES, uint64_t)[r] == 1 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_MEAN_TTC_S, double)[r] == 10800 &&
              isnan(ATTRIB_COL(&c.rc, ATTRIB_RC_ROAS, double)[r]),
          "campaign 10");
    r = report_row(&c.rc, ATTRIB_RC_CAMPAIGN_ID, 11);
    CHECK(r >= 0 && ATTRIB_COL(&c.rc, ATTRIB_RC_IMPRESSIONS, uint64_t)[r] == 3 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_NURTURES, uint64_t)[r] == 1 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_ENGAGEMENTS, uint64_t)[r] == 0 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_REACH, uint64_t)[r] == 2 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_COST, double)[r] == 1.5 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_CONVERSIONS, double)[r] == 0.5 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_MEAN_TTC_S, double)[r] == 3600 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_ROAS, double)[r] == 50 / 1.5,
          "campaign 11");
    r = report_row(&c.rc, ATTRIB_RC_CAMPAIGN_ID, 12);
    CHECK(r >= 0 && ATTRIB_COL(&c.rc, ATTRIB_RC_IMPRESSIONS, uint64_t)[r] == 1 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_CONVERSIONS, double)[r] == 1 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_VALUE, double)[r] == 7 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_MEAN_TTC_S, double)[r] == 3600,
          "campaign 12");
    r = report_row(&c.rc, ATTRIB_RC_CAMPAIGN_ID, 20);
    CHECK(r >= 0 && ATTRIB_COL(&c.rc, ATTRIB_RC_ADVERTISER_ID, uint32_t)[r] == 2 &&
              ATTRIB_COL(&c.rc, ATTRIB_RC_CONVERSIONS, double)[r] == 0 &&
              isnan(ATTRIB_COL(&c.rc, ATTRIB_RC_MEAN_TTC_S, double)[r]) &&
              isnan(ATTRIB_COL(&c.rc, ATTRIB_RC_ROAS, double)[r]),
          "zero campaign row");

    /* daily by conversion day, daily_touch by touch day */
    CHECK(c.rd.n == 3, "daily rows %zu", c.rd.n);
    const char *want_d[] = {"2026-10-01", "2026-10-01", "2026-10-01"};
    const uint32_t want_c[] = {10, 11, 12};
    const double want_conv[] = {0.5, 0.5, 1}, want_val[] = {50, 50, 7};
    for (size_t i = 0; i < 3 && i < c.rd.n; i++) {
        CHECK(ATTRIB_COL(&c.rd, ATTRIB_RD_CAMPAIGN_ID, uint32_t)[i] == want_c[i] &&
                  strncmp(attrib_table_str(&c.rd, ATTRIB_RD_DAY, i), want_d[i], 10) == 0 &&
                  ATTRIB_COL(&c.rd, ATTRIB_RD_CONVERSIONS, double)[i] == want_conv[i] &&
                  ATTRIB_COL(&c.rd, ATTRIB_RD_VALUE, double)[i] == want_val[i],
              "daily row %zu", i);
    }
    const char *want_dt[] = {"2026-09-30", "2026-10-01", "2026-09-30"};
    CHECK(c.rdt.n == 3, "daily_touch rows %zu", c.rdt.n);
    for (size_t i = 0; i < 3 && i < c.rdt.n; i++)
        CHECK(ATTRIB_COL(&c.rdt, ATTRIB_RD_CAMPAIGN_ID, uint32_t)[i] == want_c[i] &&
                  strncmp(attrib_table_str(&c.rdt, ATTRIB_RD_DAY, i), want_dt[i], 10) == 0 &&
                  ATTRIB_COL(&c.rdt, ATTRIB_RD_CONVERSIONS, double)[i] == want_conv[i],
              "daily_touch row %zu: %.10s", i, attrib_table_str(&c.rdt, ATTRIB_RD_DAY, i));

    CHECK(c.ra.n == 4, "advertiser rows %zu", c.ra.n);
    const uint32_t want_a[] = {1, 2, 3, 50};
    for (size_t i = 0; i < 4 && i < c.ra.n; i++)
        CHECK(ATTRIB_COL(&c.ra, ATTRIB_RA_ADVERTISER_ID, uint32_t)[i] == want_a[i], "advertiser order");
    CHECK(adv_field(&c, 1, ATTRIB_RA_CONVERSIONS) == 2 && adv_field(&c, 1, ATTRIB_RA_ATTRIBUTED) == 2,
          "advertiser 1: only conversions in period");
    CHECK(adv_field(&c, 50, ATTRIB_RA_CONVERSIONS) == 0, "out-of-period advertiser still has a row");
    tc_free(&c);
}

/* Bad input is refused, not crashed on. */
static void test_bad_input(void)
{
    tcase c;
    tc_init(&c);
    cv(&c, 1, 1, T0, 1, 7, 1); /* type id beyond the 3 names */
    CHECK(tc_run(&c, defaults("linear", "0.4", "0.4", NULL), OPEN) == ATTRIB_EINPUT,
          "type id out of range");
    CHECK(c.credits.n == 0 && c.unattr.n == 0, "nothing written");
    tc_free(&c);
    tc_init(&c);
    ev(&c, 1, 1, T0, 10, 3, 0);
    CHECK(tc_run(&c, defaults("linear", "0.4", "0.4", NULL), OPEN) == ATTRIB_EINPUT,
          "kind out of range");
    tc_free(&c);
    tc_init(&c); /* empty input */
    CHECK(tc_run(&c, defaults("linear", "0.4", "0.4", NULL), OPEN) == 0, "empty");
    CHECK(c.rc.n == NCAT && c.ra.n == 3 && c.rd.n == 0, "empty reports");
    tc_free(&c);
}

/* ---- random data: brute-force reference, order independence ---- */

static uint64_t rng = 12345;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static const char *random_rules =
    "defaults: { model = \"time_decay\"; engagement_priority = true;\n"
    "  lookback = { engagement = \"3d\"; impression = \"1d\"; nurture = \"2d\"; };\n"
    "  time_decay = { half_life = \"7h\"; }; position_based = { first = 0.3; last = 0.3; }; };\n"
    "advertisers = ( { id = 1; model = \"linear\"; },\n"
    "  { id = 2; model = \"position_based\"; engagement_priority = false; },\n"
    "  { id = 2; effective_from = \"2026-10-04T00:00:00Z\"; model = \"last_touch\"; } );\n"
    "campaigns = ( { id = 10; conversion_types = [\"purchase\", \"lead\"]; },\n"
    "  { id = 10; effective_from = \"2026-10-03T12:00:00Z\"; lookback = { impression = \"off\"; }; },\n"
    "  { id = 11; lookback = { engagement = \"5h\"; }; },\n"
    "  { id = 20; effective_from = \"2026-10-02T00:00:00Z\"; lookback = { nurture = \"off\"; }; } );\n";

static void random_data(tcase *c, size_t nident, size_t nev, size_t ncv)
{
    static const uint32_t camps[] = {10, 11, 12, 20, 30, 99};
    static const uint32_t advs[] = {1, 2, 3, 7};
    static const double costs[] = {0, 0.5, 1.25};
    for (size_t i = 0; i < nev; i++) {
        uint64_t ident = 1 + rnd() % nident;
        ev(c, 1 + rnd() % 60, ident, T0 + (int64_t)(rnd() % 400) * (MS_H / 4), camps[rnd() % 6],
           (int)(rnd() % 3), costs[rnd() % 3]);
        if (rnd() % 10 == 0) /* exact redelivery */
            attrib_table_append(&c->ev, &c->ev, c->ev.n - 1, 1);
    }
    for (size_t i = 0; i < ncv; i++) {
        cv(c, 1 + rnd() % 30, 1 + rnd() % nident, T0 + (int64_t)(rnd() % 400) * (MS_H / 4),
           advs[rnd() % 4], (int)(rnd() % 3), (double)(rnd() % 4) * 2.5);
        if (rnd() % 10 == 0)
            attrib_table_append(&c->cv, &c->cv, c->cv.n - 1, 1);
    }
}

static void shuffle_table(attrib_table *t)
{
    uint32_t *perm = malloc((t->n ? t->n : 1) * sizeof *perm);
    for (size_t i = 0; i < t->n; i++)
        perm[i] = (uint32_t)i;
    for (size_t i = t->n; i > 1; i--) {
        size_t j = rnd() % i;
        uint32_t x = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = x;
    }
    attrib_table_permute(t, perm, t->n);
    free(perm);
}

/* Rows of a table in a canonical order (all columns, bytes), for comparing sets. */
static const attrib_table *sort_tab;
static int cmp_rows(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    for (size_t c = 0; c < sort_tab->schema->ncols; c++) {
        size_t es = attrib_table_elem_size(sort_tab, c);
        int k = memcmp((const char *)sort_tab->col[c] + x * es,
                       (const char *)sort_tab->col[c] + y * es, es);
        if (k)
            return k;
    }
    return 0;
}

static void canonical(attrib_table *t)
{
    uint32_t *perm = malloc((t->n ? t->n : 1) * sizeof *perm);
    for (size_t i = 0; i < t->n; i++)
        perm[i] = (uint32_t)i;
    sort_tab = t;
    qsort(perm, t->n, sizeof *perm, cmp_rows);
    attrib_table_permute(t, perm, t->n);
    free(perm);
}

static int tables_equal(const attrib_table *a, const attrib_table *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t c = 0; c < a->schema->ncols; c++)
        if (memcmp(a->col[c], b->col[c], a->n * attrib_table_elem_size(a, c)) != 0)
            return 0;
    return 1;
}

static int sparse_equal(const attrib_sparse *a, const attrib_sparse *b)
{
    return a->n == b->n && memcmp(a->key, b->key, a->n * sizeof *a->key) == 0 &&
           memcmp(a->val, b->val, a->n * a->nvals * sizeof *a->val) == 0;
}

/* Reference: the semantics of docs/models.md literally, every conversion against every touch of its identity. */
typedef struct ref_touch {
    uint64_t eid, ident;
    int64_t ts;
    uint32_t camp;
    int kind;
    double cost;
    int keep;
} ref_touch;

static int ref_touch_better(const ref_touch *a, const ref_touch *b)
{
    if (a->ts != b->ts)
        return a->ts < b->ts;
    if (a->camp != b->camp)
        return a->camp < b->camp;
    if (a->kind != b->kind)
        return a->kind < b->kind;
    return a->cost < b->cost;
}

static void reference_check(const tcase *c, const attrib_table *ev_in, const attrib_table *cv_in)
{
    const attrib_rules *r = c->rules;
    size_t ne = ev_in->n, nc = cv_in->n;
    ref_touch *t = calloc(ne ? ne : 1, sizeof *t);
    size_t nt = 0;
    for (size_t i = 0; i < ne; i++) {
        ref_touch x = {ATTRIB_COL(ev_in, ATTRIB_EV_EVENT_ID, uint64_t)[i],
                       ATTRIB_COL(ev_in, ATTRIB_EV_IDENTITY, uint64_t)[i],
                       ATTRIB_COL(ev_in, ATTRIB_EV_TS, int64_t)[i],
                       ATTRIB_COL(ev_in, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[i],
                       ATTRIB_COL(ev_in, ATTRIB_EV_KIND, uint8_t)[i],
                       ATTRIB_COL(ev_in, ATTRIB_EV_COST, double)[i], 1};
        if (attrib_rules_camp_index(r, x.camp) < 0)
            continue;
        t[nt++] = x;
    }
    for (size_t i = 0; i < nt; i++) /* keep the best of each (identity, event_id) */
        for (size_t j = 0; j < nt && t[i].keep; j++)
            if (j != i && t[j].ident == t[i].ident && t[j].eid == t[i].eid &&
                (ref_touch_better(&t[j], &t[i]) ||
                 (!ref_touch_better(&t[i], &t[j]) && j < i)))
                t[i].keep = 0;
    size_t n_rows = 0;
    uint64_t *cand = malloc((nt ? nt : 1) * sizeof *cand);
    for (size_t k = 0; k < nc; k++) {
        uint64_t cid = ATTRIB_COL(cv_in, ATTRIB_CV_CONVERSION_ID, uint64_t)[k];
        uint64_t ident = ATTRIB_COL(cv_in, ATTRIB_CV_IDENTITY, uint64_t)[k];
        int64_t ts = ATTRIB_COL(cv_in, ATTRIB_CV_TS, int64_t)[k];
        uint32_t adv = ATTRIB_COL(cv_in, ATTRIB_CV_ADVERTISER_ID, uint32_t)[k];
        int type = ATTRIB_COL(cv_in, ATTRIB_CV_TYPE, uint16_t)[k];
        double value = ATTRIB_COL(cv_in, ATTRIB_CV_VALUE, double)[k];
        int kept = 1; /* the earliest (ts, type, value), first index on exact ties */
        for (size_t q = 0; q < nc && kept; q++) {
            if (q == k || ATTRIB_COL(cv_in, ATTRIB_CV_CONVERSION_ID, uint64_t)[q] != cid ||
                ATTRIB_COL(cv_in, ATTRIB_CV_IDENTITY, uint64_t)[q] != ident ||
                ATTRIB_COL(cv_in, ATTRIB_CV_ADVERTISER_ID, uint32_t)[q] != adv)
                continue;
            int64_t ts2 = ATTRIB_COL(cv_in, ATTRIB_CV_TS, int64_t)[q];
            int type2 = ATTRIB_COL(cv_in, ATTRIB_CV_TYPE, uint16_t)[q];
            double v2 = ATTRIB_COL(cv_in, ATTRIB_CV_VALUE, double)[q];
            int better = ts2 != ts ? ts2 < ts : type2 != type ? type2 < type : v2 != value ? v2 < value : q < k;
            if (better)
                kept = 0;
        }
        if (!kept)
            continue;
        size_t n = 0;
        int any_before = 0, any_allowed = 0, has_eng = 0;
        for (size_t i = 0; i < nt; i++) {
            if (!t[i].keep || t[i].ident != ident || t[i].ts > ts)
                continue;
            size_t ci = (size_t)attrib_rules_camp_index(r, t[i].camp);
            if (attrib_rules_adv_id(r, attrib_rules_camp_adv(r, ci)) != adv)
                continue;
            any_before = 1;
            const attrib_camp_rule *cr = attrib_rules_camp_at(r, ci, ts);
            int64_t lb = cr->lookback_ms[t[i].kind];
            if (lb == ATTRIB_LOOKBACK_OFF || (cr->type_allowed && !cr->type_allowed[type]))
                continue;
            any_allowed = 1;
            if (ts - t[i].ts <= lb) {
                cand[n++] = i;
                has_eng |= t[i].kind == ENG;
            }
        }
        if (n == 0) {
            int want = !any_before ? NO_TOUCH : !any_allowed ? RULE_EXCLUDED : OUTSIDE;
            int got = reason_of(c, ident, cid);
            /* (identity, cid) may repeat across advertisers; look for a matching row */
            int found = 0;
            for (size_t u = 0; u < c->unattr.n; u++)
                found |= ATTRIB_COL(&c->unattr, ATTRIB_UN_IDENTITY, uint64_t)[u] == ident &&
                         ATTRIB_COL(&c->unattr, ATTRIB_UN_CONVERSION_ID, uint64_t)[u] == cid &&
                         ATTRIB_COL(&c->unattr, ATTRIB_UN_ADVERTISER_ID, uint32_t)[u] == adv &&
                         ATTRIB_COL(&c->unattr, ATTRIB_UN_REASON, uint8_t)[u] == want &&
                         ATTRIB_COL(&c->unattr, ATTRIB_UN_CONV_TS, int64_t)[u] == ts;
            CHECK(found, "reference: ident %llu conv %llu adv %u reason %d (engine %d)",
                  (unsigned long long)ident, (unsigned long long)cid, adv, want, got);
            continue;
        }
        int64_t ai = attrib_rules_adv_index(r, adv);
        const attrib_adv_rule *ar = attrib_rules_adv_at(r, (size_t)ai, ts);
        if (ar->engagement_priority && has_eng) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if (t[cand[i]].kind == ENG)
                    cand[m++] = cand[i];
            n = m;
        }
        for (size_t i = 1; i < n; i++) /* order by (ts, event_id) */
            for (size_t j = i; j > 0; j--) {
                const ref_touch *a = &t[cand[j - 1]], *b = &t[cand[j]];
                if (a->ts > b->ts || (a->ts == b->ts && a->eid > b->eid)) {
                    uint64_t x = cand[j];
                    cand[j] = cand[j - 1];
                    cand[j - 1] = x;
                }
            }
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            long row = -1;
            for (size_t q = 0; q < c->credits.n; q++)
                if (ATTRIB_COL(&c->credits, ATTRIB_CR_IDENTITY, uint64_t)[q] == ident &&
                    ATTRIB_COL(&c->credits, ATTRIB_CR_CONVERSION_ID, uint64_t)[q] == cid &&
                    ATTRIB_COL(&c->credits, ATTRIB_CR_ADVERTISER_ID, uint32_t)[q] == adv &&
                    ATTRIB_COL(&c->credits, ATTRIB_CR_EVENT_ID, uint64_t)[q] == t[cand[i]].eid)
                    row = (long)q;
            if (row < 0) /* allowed only for a zero share */
                continue;
            n_rows++;
            CHECK(ATTRIB_COL(&c->credits, ATTRIB_CR_POSITION, uint32_t)[row] == i + 1 &&
                      ATTRIB_COL(&c->credits, ATTRIB_CR_PATH_LENGTH, uint32_t)[row] == n &&
                      ATTRIB_COL(&c->credits, ATTRIB_CR_TOUCH_TS, int64_t)[row] == t[cand[i]].ts &&
                      ATTRIB_COL(&c->credits, ATTRIB_CR_CONV_TS, int64_t)[row] == ts,
                  "reference: credit row of conv %llu eid %llu", (unsigned long long)cid,
                  (unsigned long long)t[cand[i]].eid);
            sum += ATTRIB_COL(&c->credits, ATTRIB_CR_CREDIT, double)[row];
        }
        CHECK(fabs(sum - 1) <= 1e-12, "reference: conv %llu credits sum %.17g",
              (unsigned long long)cid, sum);
    }
    CHECK(n_rows == c->credits.n, "reference: %zu credit rows expected, engine %zu", n_rows,
          c->credits.n);
    free(cand);
    free(t);
}


/* ---- labels (run --labels): one row per touch of the period, worked by hand ---- */

/* The label row of (identity, event), or -1; several: -2. */
static long label_row(const tcase *c, uint64_t ident, uint64_t eid)
{
    long found = -1;
    for (size_t r = 0; r < c->lb.n; r++)
        if (ATTRIB_COL(&c->lb, ATTRIB_LB_IDENTITY, uint64_t)[r] == ident &&
            ATTRIB_COL(&c->lb, ATTRIB_LB_EVENT_ID, uint64_t)[r] == eid)
            found = found == -1 ? (long)r : -2;
    return found;
}

static void check_label(const tcase *c, uint64_t ident, uint64_t eid, uint32_t cand, uint32_t elig,
                        uint32_t cred, double credit, double cvalue, int64_t next_ms)
{
    long r = label_row(c, ident, eid);
    CHECK(r >= 0, "label of identity %llu event %llu: row %ld", (unsigned long long)ident,
          (unsigned long long)eid, r);
    if (r < 0)
        return;
    const attrib_table *t = &c->lb;
    CHECK(ATTRIB_COL(t, ATTRIB_LB_CANDIDATE_OF, uint32_t)[r] == cand &&
              ATTRIB_COL(t, ATTRIB_LB_ELIGIBLE_OF, uint32_t)[r] == elig &&
              ATTRIB_COL(t, ATTRIB_LB_CREDITED_OF, uint32_t)[r] == cred &&
              ATTRIB_COL(t, ATTRIB_LB_CREDIT, double)[r] == credit &&
              ATTRIB_COL(t, ATTRIB_LB_CREDITED_VALUE, double)[r] == cvalue &&
              ATTRIB_COL(t, ATTRIB_LB_MS_TO_NEXT, int64_t)[r] == next_ms,
          "label of event %llu: cand %u elig %u cred %u credit %g value %g next %lld", (unsigned long long)eid,
          ATTRIB_COL(t, ATTRIB_LB_CANDIDATE_OF, uint32_t)[r], ATTRIB_COL(t, ATTRIB_LB_ELIGIBLE_OF, uint32_t)[r],
          ATTRIB_COL(t, ATTRIB_LB_CREDITED_OF, uint32_t)[r], ATTRIB_COL(t, ATTRIB_LB_CREDIT, double)[r],
          ATTRIB_COL(t, ATTRIB_LB_CREDITED_VALUE, double)[r],
          (long long)ATTRIB_COL(t, ATTRIB_LB_MS_TO_NEXT, int64_t)[r]);
}

static void test_labels(void)
{
    /* Period [T0, T0 + 10d); last_touch; lookbacks impression 1d, engagement 30d;
     * engagement priority on (DEFAULTS_FMT). */
    tcase c;
    tc_init(&c);
    c.labels = 1;
    /* identity 1: e1 and e2 are candidates of both conversions; e2 wins c100, e3 c101 */
    ev(&c, 1, 1, T0 + 1 * MS_H, 10, IMP, 1.0);
    ev(&c, 2, 1, T0 + 2 * MS_H, 11, IMP, 0.5);
    cv(&c, 100, 1, T0 + 3 * MS_H, 1, PURCHASE, 10.0);
    ev(&c, 3, 1, T0 + 10 * MS_H, 12, IMP, 0.0);
    cv(&c, 101, 1, T0 + 20 * MS_H, 1, PURCHASE, 20.0);
    /* identity 2: e10 is beaten by the engagement e11. identity 5: e12, e13 are outside
     * every window (c201 is 2-3 days after them; unattributed outside_window) */
    ev(&c, 10, 2, T0 + MS_D, 10, IMP, 0.0);
    ev(&c, 11, 2, T0 + MS_D + MS_H, 10, ENG, 0.0);
    cv(&c, 200, 2, T0 + MS_D + 2 * MS_H, 1, PURCHASE, 5.0);
    ev(&c, 12, 5, T0 + 3 * MS_D, 11, IMP, 0.0);
    ev(&c, 13, 5, T0 + 4 * MS_D, 10, IMP, 0.0);
    cv(&c, 201, 5, T0 + 6 * MS_D, 1, PURCHASE, 5.0);
    /* identity 3: e20 is before the period, credited by c300 but not labelled; e21 is of
     * an advertiser it never converted with; e22 is delivered twice (one row); e23 is
     * after the period (no row); e99 is on a campaign outside the catalog (no row) */
    ev(&c, 20, 3, T0 - MS_H, 20, ENG, 2.0);
    cv(&c, 300, 3, T0 + MS_H, 2, PURCHASE, 7.0);
    ev(&c, 21, 3, T0 + 2 * MS_H, 30, IMP, 0.0);
    ev(&c, 22, 3, T0 + 5 * MS_H, 20, IMP, 0.25);
    ev(&c, 22, 3, T0 + 5 * MS_H, 20, IMP, 0.25);
    ev(&c, 23, 3, T0 + 11 * MS_D, 20, IMP, 0.0);
    ev(&c, 99, 3, T0 + 2 * MS_H, 77, IMP, 0.0);
    /* identity 4: touches only */
    ev(&c, 30, 4, T0 + 5 * MS_D, 12, NUR, 0.0);
    CHECK(tc_run(&c, defaults("last_touch", "0.4", "0.4", NULL), T0, T0 + 10 * MS_D) == 0, "%s",
          attrib_err_msg());
    CHECK(c.lb.n == 10, "labels: %zu rows, 10 expected", c.lb.n);
    check_label(&c, 1, 1, 2, 2, 0, 0, 0, 2 * MS_H);
    check_label(&c, 1, 2, 2, 2, 1, 1, 10, MS_H);
    check_label(&c, 1, 3, 1, 1, 1, 1, 20, 10 * MS_H);
    check_label(&c, 2, 10, 1, 0, 0, 0, 0, 2 * MS_H);
    check_label(&c, 2, 11, 1, 1, 1, 1, 5, MS_H);
    check_label(&c, 5, 12, 0, 0, 0, 0, 0, -1);
    check_label(&c, 5, 13, 0, 0, 0, 0, 0, -1);
    CHECK(reason_of(&c, 5, 201) == OUTSIDE, "c201 outside every window");
    check_label(&c, 3, 21, 0, 0, 0, 0, 0, -1);
    check_label(&c, 3, 22, 0, 0, 0, 0, 0, -1);
    check_label(&c, 4, 30, 0, 0, 0, 0, 0, -1);
    CHECK(label_row(&c, 3, 20) == -1 && label_row(&c, 3, 23) == -1 && label_row(&c, 3, 99) == -1,
          "no label before or after the period, or off the catalog");
    CHECK(credit_of(&c, 3, 300, 20) == 1, "the touch before the period is still credited");
    long r = label_row(&c, 1, 2);
    if (r >= 0)
        CHECK(ATTRIB_COL(&c.lb, ATTRIB_LB_CAMPAIGN_ID, uint32_t)[r] == 11 &&
                  ATTRIB_COL(&c.lb, ATTRIB_LB_ADVERTISER_ID, uint32_t)[r] == 1 &&
                  ATTRIB_COL(&c.lb, ATTRIB_LB_KIND, uint8_t)[r] == IMP &&
                  ATTRIB_COL(&c.lb, ATTRIB_LB_TS, int64_t)[r] == T0 + 2 * MS_H &&
                  ATTRIB_COL(&c.lb, ATTRIB_LB_COST, double)[r] == 0.5,
              "label columns of the touch");
    tc_free(&c);

    /* linear over three candidates, the middle one credited 0 under u-shaped weights
     * first = last = 0.5 (no credit row, so credited_of 0 though eligible) */
    tc_init(&c);
    c.labels = 1;
    ev(&c, 1, 1, T0 + 1 * MS_H, 10, IMP, 0.0);
    ev(&c, 2, 1, T0 + 2 * MS_H, 11, IMP, 0.0);
    ev(&c, 3, 1, T0 + 3 * MS_H, 12, IMP, 0.0);
    cv(&c, 100, 1, T0 + 4 * MS_H, 1, PURCHASE, 8.0);
    cv(&c, 101, 1, T0 + 5 * MS_H, 1, LEAD, 4.0);
    CHECK(tc_run(&c, defaults("position_based", "0.5", "0.5", NULL), OPEN) == 0, "%s",
          attrib_err_msg());
    check_label(&c, 1, 1, 2, 2, 2, 1.0, 6.0, 3 * MS_H);
    check_label(&c, 1, 2, 2, 2, 0, 0, 0, 2 * MS_H);
    check_label(&c, 1, 3, 2, 2, 2, 1.0, 6.0, MS_H);
    tc_free(&c);
}

/* Labels against the definition, literally: for every kept touch of the period, each
 * kept conversion of the period with the same identity and advertiser it is a candidate
 * of, the same after priority, and the credit rows naming it. */
static void labels_reference_check(const tcase *c, const attrib_table *ev_in,
                                   const attrib_table *cv_in, int64_t from, int64_t to)
{
    const attrib_rules *r = c->rules;
    /* kept touches: the engine's dedup winner per (identity, event id) */
    size_t ne = ev_in->n, nc = cv_in->n, expect_rows = 0;
    uint8_t *keep = calloc(ne ? ne : 1, 1);
    for (size_t pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < ne; i++) {
        const uint64_t eid = ATTRIB_COL(ev_in, ATTRIB_EV_EVENT_ID, uint64_t)[i];
        const uint64_t ident = ATTRIB_COL(ev_in, ATTRIB_EV_IDENTITY, uint64_t)[i];
        const uint32_t camp = ATTRIB_COL(ev_in, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[i];
        const int64_t cix = attrib_rules_camp_index(r, camp);
        if (cix < 0)
            continue;
        ref_touch x = {eid, ident, ATTRIB_COL(ev_in, ATTRIB_EV_TS, int64_t)[i], camp,
                       ATTRIB_COL(ev_in, ATTRIB_EV_KIND, uint8_t)[i],
                       ATTRIB_COL(ev_in, ATTRIB_EV_COST, double)[i], 1};
        int kept = 1;
        for (size_t j = 0; j < ne && kept; j++) {
            if (j == i || ATTRIB_COL(ev_in, ATTRIB_EV_EVENT_ID, uint64_t)[j] != eid ||
                ATTRIB_COL(ev_in, ATTRIB_EV_IDENTITY, uint64_t)[j] != ident ||
                attrib_rules_camp_index(r, ATTRIB_COL(ev_in, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[j]) < 0)
                continue;
            ref_touch y = {eid, ident, ATTRIB_COL(ev_in, ATTRIB_EV_TS, int64_t)[j],
                           ATTRIB_COL(ev_in, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[j],
                           ATTRIB_COL(ev_in, ATTRIB_EV_KIND, uint8_t)[j],
                           ATTRIB_COL(ev_in, ATTRIB_EV_COST, double)[j], 1};
            if (ref_touch_better(&y, &x) || (!ref_touch_better(&x, &y) && j < i))
                kept = 0;
        }
        if (pass == 0) { /* first pass: which rows dedup keeps */
            keep[i] = (uint8_t)kept;
            continue;
        }
        if (!kept || x.ts < from || x.ts >= to)
            continue;
        expect_rows++;
        const uint32_t adv = attrib_rules_adv_id(r, attrib_rules_camp_adv(r, (size_t)cix));
        uint32_t ncand = 0, nelig = 0;
        int64_t next = -1;
        for (size_t k = 0; k < nc; k++) { /* kept conversions of the period */
            const uint64_t cid = ATTRIB_COL(cv_in, ATTRIB_CV_CONVERSION_ID, uint64_t)[k];
            const int64_t cts = ATTRIB_COL(cv_in, ATTRIB_CV_TS, int64_t)[k];
            const int type = ATTRIB_COL(cv_in, ATTRIB_CV_TYPE, uint16_t)[k];
            const double value = ATTRIB_COL(cv_in, ATTRIB_CV_VALUE, double)[k];
            if (ATTRIB_COL(cv_in, ATTRIB_CV_IDENTITY, uint64_t)[k] != ident ||
                ATTRIB_COL(cv_in, ATTRIB_CV_ADVERTISER_ID, uint32_t)[k] != adv || cts < from ||
                cts >= to)
                continue;
            int ckept = 1;
            for (size_t q = 0; q < nc && ckept; q++) {
                if (q == k || ATTRIB_COL(cv_in, ATTRIB_CV_CONVERSION_ID, uint64_t)[q] != cid ||
                    ATTRIB_COL(cv_in, ATTRIB_CV_IDENTITY, uint64_t)[q] != ident ||
                    ATTRIB_COL(cv_in, ATTRIB_CV_ADVERTISER_ID, uint32_t)[q] != adv)
                    continue;
                const int64_t ts2 = ATTRIB_COL(cv_in, ATTRIB_CV_TS, int64_t)[q];
                const int type2 = ATTRIB_COL(cv_in, ATTRIB_CV_TYPE, uint16_t)[q];
                const double v2 = ATTRIB_COL(cv_in, ATTRIB_CV_VALUE, double)[q];
                if (ts2 != cts ? ts2 < cts : type2 != type ? type2 < type : v2 != value ? v2 < value : q < k)
                    ckept = 0;
            }
            if (!ckept)
                continue;
            /* is x a candidate of (cid, cts)? */
            const attrib_camp_rule *cr = attrib_rules_camp_at(r, (size_t)cix, cts);
            const int64_t lb = cr->lookback_ms[x.kind];
            if (lb == ATTRIB_LOOKBACK_OFF || (cr->type_allowed && !cr->type_allowed[type]) ||
                cts < x.ts || cts - x.ts > lb)
                continue;
            ncand++;
            if (next < 0 || cts - x.ts < next)
                next = cts - x.ts;
            /* after priority: x stays unless it is not an engagement and the conversion
             * has an engagement candidate under a rule with priority */
            int elig = 1;
            const attrib_adv_rule *ar = attrib_rules_adv_at(r, (size_t)attrib_rules_adv_index(r, adv), cts);
            if (ar->engagement_priority && x.kind != ENG)
                for (size_t j = 0; j < ne && elig; j++) {
                    const int64_t cj = attrib_rules_camp_index(r, ATTRIB_COL(ev_in, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[j]);
                    if (cj < 0 || !keep[j] || ATTRIB_COL(ev_in, ATTRIB_EV_IDENTITY, uint64_t)[j] != ident ||
                        ATTRIB_COL(ev_in, ATTRIB_EV_KIND, uint8_t)[j] != ENG ||
                        attrib_rules_adv_id(r, attrib_rules_camp_adv(r, (size_t)cj)) != adv)
                        continue;
                    const int64_t tj = ATTRIB_COL(ev_in, ATTRIB_EV_TS, int64_t)[j];
                    const attrib_camp_rule *crj = attrib_rules_camp_at(r, (size_t)cj, cts);
                    const int64_t lbj = crj->lookback_ms[ENG];
                    if (lbj != ATTRIB_LOOKBACK_OFF && !(crj->type_allowed && !crj->type_allowed[type]) &&
                        cts >= tj && cts - tj <= lbj)
                        elig = 0;
                }
            nelig += (uint32_t)elig;
        }
        uint32_t ncred = 0;
        double credit = 0, cvalue = 0;
        for (size_t q = 0; q < c->credits.n; q++)
            if (ATTRIB_COL(&c->credits, ATTRIB_CR_IDENTITY, uint64_t)[q] == ident &&
                ATTRIB_COL(&c->credits, ATTRIB_CR_EVENT_ID, uint64_t)[q] == eid &&
                ATTRIB_COL(&c->credits, ATTRIB_CR_ADVERTISER_ID, uint32_t)[q] == adv) {
                ncred++;
                credit += ATTRIB_COL(&c->credits, ATTRIB_CR_CREDIT, double)[q];
                cvalue += ATTRIB_COL(&c->credits, ATTRIB_CR_CREDITED_VALUE, double)[q];
            }
        const long row = label_row(c, ident, eid);
        CHECK(row >= 0, "reference: label of identity %llu event %llu missing (%ld)",
              (unsigned long long)ident, (unsigned long long)eid, row);
        if (row < 0)
            continue;
        const attrib_table *t = &c->lb;
        CHECK(ATTRIB_COL(t, ATTRIB_LB_CANDIDATE_OF, uint32_t)[row] == ncand &&
                  ATTRIB_COL(t, ATTRIB_LB_ELIGIBLE_OF, uint32_t)[row] == nelig &&
                  ATTRIB_COL(t, ATTRIB_LB_CREDITED_OF, uint32_t)[row] == ncred &&
                  ATTRIB_COL(t, ATTRIB_LB_MS_TO_NEXT, int64_t)[row] == next &&
                  fabs(ATTRIB_COL(t, ATTRIB_LB_CREDIT, double)[row] - credit) <= 1e-12 &&
                  fabs(ATTRIB_COL(t, ATTRIB_LB_CREDITED_VALUE, double)[row] - cvalue) <= 1e-9 &&
                  ATTRIB_COL(t, ATTRIB_LB_TS, int64_t)[row] == x.ts &&
                  ATTRIB_COL(t, ATTRIB_LB_CAMPAIGN_ID, uint32_t)[row] == camp &&
                  ATTRIB_COL(t, ATTRIB_LB_ADVERTISER_ID, uint32_t)[row] == adv,
              "reference: label of identity %llu event %llu: engine cand %u elig %u cred %u next %lld, "
              "reference %u %u %u %lld",
              (unsigned long long)ident, (unsigned long long)eid,
              ATTRIB_COL(t, ATTRIB_LB_CANDIDATE_OF, uint32_t)[row],
              ATTRIB_COL(t, ATTRIB_LB_ELIGIBLE_OF, uint32_t)[row],
              ATTRIB_COL(t, ATTRIB_LB_CREDITED_OF, uint32_t)[row],
              (long long)ATTRIB_COL(t, ATTRIB_LB_MS_TO_NEXT, int64_t)[row], ncand, nelig, ncred,
              (long long)next);
    }
    CHECK(c->lb.n == expect_rows, "reference: %zu label rows expected, engine %zu", expect_rows,
          c->lb.n);
    free(keep);
}

/* Duplicates in a long touch list (over 8 touches: the hashed dedup of heavy
 * identities): per event id the first row in (ts, campaign, kind, cost) order is kept,
 * the others counted (inexact when they differ), under the kept row's advertiser; the
 * credits equal a run given only the kept rows, in any order. */
static void test_dups_long(void)
{
    const uint32_t camps[] = {10, 11, 12, 20};
    for (int round = 0; round < 3; round++) {
        tcase a, b;
        tc_init(&a);
        tc_init(&b);
        uint64_t seed = 99 + (uint64_t)round;
        const int64_t T = T0 + 20 * MS_D;
        uint64_t dups[4] = {0}, inexact[4] = {0}; /* by advertiser 1, 2 */
        for (uint64_t id = 1; id <= 30; id++) {
            const int copies = 1 + (int)(id % 3); /* 1, 2 or 3 rows of each event id */
            int64_t kts = 0;
            uint32_t kcamp = 0;
            int kkind = 0;
            double kcost = 0;
            int nk = 0;
            struct { int64_t ts; uint32_t camp; int kind; double cost; } row[3];
            for (int k = 0; k < copies; k++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                const uint64_t r = seed >> 33;
                row[k].ts = T - (int64_t)(1 + r % 4) * MS_H; /* repeats of a ts happen */
                row[k].camp = camps[(r >> 4) % 4];
                row[k].kind = (int)((r >> 8) % 2);
                row[k].cost = (double)((r >> 12) % 3);
                if (k > 0 && (r >> 20) % 2) /* an exact copy of the first */
                    row[k] = row[0];
                ev(&a, 1000 + id, 7, row[k].ts, row[k].camp, row[k].kind, row[k].cost);
            }
            for (int k = 0; k < copies; k++) { /* the kept row: smallest (ts, camp, kind, cost) */
                if (nk == 0 || row[k].ts < kts ||
                    (row[k].ts == kts && (row[k].camp < kcamp ||
                                          (row[k].camp == kcamp && (row[k].kind < kkind ||
                                                                    (row[k].kind == kkind && row[k].cost < kcost)))))) {
                    kts = row[k].ts;
                    kcamp = row[k].camp;
                    kkind = row[k].kind;
                    kcost = row[k].cost;
                    nk = 1;
                }
            }
            const int adv = kcamp == 20 ? 2 : 1;
            for (int k = 0; k < copies; k++) {
                const int same = row[k].ts == kts && row[k].camp == kcamp && row[k].kind == kkind &&
                                 row[k].cost == kcost;
                if (same && nk == 1) { /* the kept one itself (the first exact match) */
                    nk = 2;
                    continue;
                }
                dups[adv]++;
                inexact[adv] += !same;
            }
            ev(&b, 1000 + id, 7, kts, kcamp, kkind, kcost);
        }
        cv(&a, 501, 7, T, 1, 1, 10);
        cv(&a, 502, 7, T, 2, 1, 10);
        cv(&b, 501, 7, T, 1, 1, 10);
        cv(&b, 502, 7, T, 2, 1, 10);
        shuffle_table(&a.ev);
        CHECK(tc_run(&a, defaults(round == 1 ? "linear" : "last_touch", "0.4", "0.4", ""), OPEN) == 0,
              "%s", attrib_err_msg());
        CHECK(tc_run(&b, defaults(round == 1 ? "linear" : "last_touch", "0.4", "0.4", ""), OPEN) == 0,
              "%s", attrib_err_msg());
        CHECK(a.credits.n > 0, "round %d: some credit", round);
        canonical(&a.credits);
        canonical(&b.credits);
        CHECK(tables_equal(&a.credits, &b.credits), "round %d: credits differ from the kept rows' run",
              round);
        for (uint32_t adv = 1; adv <= 2; adv++)
            CHECK(adv_field(&a, adv, ATTRIB_RA_DUP_TOUCHES) == dups[adv] &&
                      adv_field(&a, adv, ATTRIB_RA_DUP_TOUCHES_INEXACT) == inexact[adv],
                  "round %d adv %u: dups %llu/%llu inexact %llu/%llu", round, adv,
                  (unsigned long long)adv_field(&a, adv, ATTRIB_RA_DUP_TOUCHES), (unsigned long long)dups[adv],
                  (unsigned long long)adv_field(&a, adv, ATTRIB_RA_DUP_TOUCHES_INEXACT),
                  (unsigned long long)inexact[adv]);
        tc_free(&a);
        tc_free(&b);
    }
}

static void test_random(void)
{
    for (int round = 0; round < 4; round++) {
        tcase a, b;
        tc_init(&a);
        tc_init(&b);
        a.labels = b.labels = 1;
        random_data(&a, 3 + (size_t)round * 7, 400 + (size_t)round * 300, 150 + (size_t)round * 100);
        attrib_table_append(&b.ev, &a.ev, 0, a.ev.n);
        attrib_table_append(&b.cv, &a.cv, 0, a.cv.n);
        shuffle_table(&b.ev);
        shuffle_table(&b.cv);
        attrib_table ev_copy, cv_copy;
        attrib_table_init(&ev_copy, &attrib_schema_events, 1);
        attrib_table_init(&cv_copy, &attrib_schema_conversions, 1);
        attrib_table_append(&ev_copy, &a.ev, 0, a.ev.n);
        attrib_table_append(&cv_copy, &a.cv, 0, a.cv.n);
        const int64_t from = round % 2 ? T0 + MS_D : INT64_MIN;
        const int64_t to = round % 2 ? T0 + 3 * MS_D : INT64_MAX;
        CHECK(tc_run(&a, random_rules, from, to) == 0, "%s", attrib_err_msg());
        CHECK(tc_run(&b, random_rules, from, to) == 0, "%s", attrib_err_msg());
        if (from == INT64_MIN)
            reference_check(&a, &ev_copy, &cv_copy);
        labels_reference_check(&a, &ev_copy, &cv_copy, from, to);
        CHECK(a.lb.n > 50, "random data gives labels");
        { /* without labels: the same credits and reports */
            tcase d;
            tc_init(&d);
            attrib_table_append(&d.ev, &ev_copy, 0, ev_copy.n);
            attrib_table_append(&d.cv, &cv_copy, 0, cv_copy.n);
            CHECK(tc_run(&d, random_rules, from, to) == 0, "%s", attrib_err_msg());
            CHECK(d.lb.n == 0, "no labels unless asked");
            attrib_table cr_a;
            attrib_table_init(&cr_a, &attrib_schema_credits, 1);
            attrib_table_append(&cr_a, &a.credits, 0, a.credits.n);
            canonical(&cr_a);
            canonical(&d.credits);
            CHECK(tables_equal(&cr_a, &d.credits) && tables_equal(&a.rc, &d.rc) &&
                      tables_equal(&a.ra, &d.ra),
                  "round %d: labels change the credits or reports", round);
            attrib_table_free(&cr_a);
            tc_free(&d);
        }
        CHECK(a.credits.n > 10 && a.unattr.n > 10, "random data exercises both outcomes");
        canonical(&a.credits);
        canonical(&b.credits);
        canonical(&a.unattr);
        canonical(&b.unattr);
        CHECK(tables_equal(&a.credits, &b.credits), "round %d: credits differ by input order",
              round);
        CHECK(tables_equal(&a.unattr, &b.unattr), "round %d: unattributed differ", round);
        canonical(&a.lb);
        canonical(&b.lb);
        CHECK(tables_equal(&a.lb, &b.lb), "round %d: labels differ by input order", round);
        CHECK(memcmp(a.acc.camp, b.acc.camp, a.acc.ncampaigns * ATTRIB_ACC_C_N * sizeof(attrib_fx)) ==
                  0,
              "campaign sums differ");
        CHECK(sparse_equal(&a.acc.daily, &b.acc.daily) &&
                  sparse_equal(&a.acc.daily_touch, &b.acc.daily_touch) &&
                  sparse_equal(&a.acc.advertiser, &b.acc.advertiser),
              "sparse sums differ");
        CHECK(tables_equal(&a.rc, &b.rc) && tables_equal(&a.rd, &b.rd) &&
                  tables_equal(&a.rdt, &b.rdt) && tables_equal(&a.ra, &b.ra),
              "report tables differ");
        /* advertiser counts add up */
        for (size_t i = 0; i < a.ra.n; i++) {
            const uint64_t *cnv = ATTRIB_COL(&a.ra, ATTRIB_RA_CONVERSIONS, uint64_t);
            uint64_t s = ATTRIB_COL(&a.ra, ATTRIB_RA_ATTRIBUTED, uint64_t)[i] +
                         ATTRIB_COL(&a.ra, ATTRIB_RA_UNATTR_NO_TOUCH, uint64_t)[i] +
                         ATTRIB_COL(&a.ra, ATTRIB_RA_UNATTR_RULE_EXCLUDED, uint64_t)[i] +
                         ATTRIB_COL(&a.ra, ATTRIB_RA_UNATTR_OUTSIDE_WINDOW, uint64_t)[i];
            CHECK(s == cnv[i], "advertiser counts add up");
        }
        attrib_table_free(&ev_copy);
        attrib_table_free(&cv_copy);
        tc_free(&a);
        tc_free(&b);
    }
}

/* Sparse maps: compaction, merge, and the fixed point. */
static void test_acc(void)
{
    attrib_sparse s, t;
    attrib_sparse_init(&s, 2);
    attrib_sparse_init(&t, 2);
    for (int i = 0; i < 10000; i++) {
        attrib_fx v[2] = {1, i};
        attrib_sparse_add(&s, (uint64_t)(i * 7919) % 13, v);
        attrib_sparse_add(&t, (uint64_t)(i % 5) * 3, v);
    }
    CHECK(s.cap < 1000, "compaction keeps the map small: cap %zu", s.cap);
    attrib_sparse_finish(&s);
    attrib_sparse_finish(&t);
    CHECK(s.n == 13 && t.n == 5, "distinct keys");
    attrib_fx tot = 0;
    for (size_t i = 0; i < s.n; i++)
        tot += s.val[2 * i];
    CHECK(tot == 10000, "counts");
    attrib_sparse_merge(&s, &t);
    CHECK(s.n == 13 && s.val[0] == 770 + 2000, "merge: %zu %lld", s.n, (long long)s.val[0]);
    for (size_t i = 1; i < s.n; i++)
        CHECK(s.key[i - 1] < s.key[i], "merged sorted");
    attrib_sparse_free(&s);
    attrib_sparse_free(&t);

    CHECK(attrib_fx_from_double(1.0, 64) == (attrib_fx)1 << 64, "fx 1");
    CHECK(attrib_fx_from_double(0.5, 1) == 1, "fx exact");
    CHECK(attrib_fx_from_double(0.75, 1) == 2 && attrib_fx_from_double(-0.75, 1) == -2,
          "round to nearest even");
    CHECK(attrib_fx_to_double(attrib_fx_from_double(1.0 / 3, 64), 64) == 1.0 / 3, "round trip");
    CHECK(fabs(attrib_fx_to_double(attrib_fx_from_double(123456.789, 32), 32) - 123456.789) <=
              0x1p-33,
          "money round trip to 2^-33");
    CHECK(attrib_fx_from_double(1e300, 32) > 0 && attrib_fx_from_double(NAN, 32) == 0,
          "saturates");
}

/* ---- benchmark ---- */
static double now_s(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench(size_t nt, size_t nc, size_t nident, const char *model)
{
    const char *text = defaults(model, "0.4", "0.4", NULL);
    tcase c;
    tc_init(&c);
    attrib_table_reserve(&c.ev, nt);
    attrib_table_reserve(&c.cv, nc);
    for (size_t i = 0; i < nt; i++)
        ev(&c, rnd(), rnd() % nident * 0x9E3779B97F4A7C15ull, T0 + (int64_t)(rnd() % (60 * MS_D)),
           cat_camp[rnd() % NCAT], (int)(rnd() % 3), 0.01);
    for (size_t i = 0; i < nc; i++)
        cv(&c, rnd(), rnd() % nident * 0x9E3779B97F4A7C15ull,
           T0 + 30 * MS_D + (int64_t)(rnd() % (30 * MS_D)), 1 + (uint32_t)(rnd() % 3),
           (int)(rnd() % 3), 10);
    /* CPU time too: on a shared machine the wall time says more about the neighbours. */
    double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    int rc = tc_run(&c, text, OPEN);
    double dt = now_s(CLOCK_MONOTONIC) - t0, dc = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("bench: %zu touches, %zu conversions, %zu identities: wall %.3f s, cpu %.3f s, "
           "%.2f Mrows/cpu-s, %zu credits, %zu unattributed, max RSS %ld MB (rc %d)\n",
           nt, nc, nident, dt, dc, (double)(nt + nc) / dc / 1e6, c.credits.n, c.unattr.n,
           ru.ru_maxrss / 1024, rc);
    tc_free(&c);
    return rc != 0;
}

/* attrib_fx_from_double_fast gives attrib_fx_from_double's value for every input. */
static void test_fx_fast(void)
{
    const double edge[] = {0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -1.5, 0x1p-53, 0x1p-52, 0x1p-12, 1.0,
                           49.9, 0.1, -0.1, 0x1p52, 0x1p52 - 0.5, -0x1p52 + 0.5, 0x1p63, 0x1p64,
                           0x1p64 - 2048, -0x1p63, 1e300, -1e300, NAN, INFINITY, -INFINITY,
                           0.49999999999999994, 4503599627370495.5, -4503599627370495.5};
    const int shifts[] = {ATTRIB_FX_CREDIT_SHIFT, ATTRIB_FX_MONEY_SHIFT, 0};
    const double scales[] = {0x1p64, 0x1p52, 1.0};
    int bad = 0;
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
            bad += attrib_fx_from_double_fast(edge[i], scales[k], shifts[k]) !=
                   attrib_fx_from_double(edge[i], shifts[k]);
        uint64_t st = 88172645463325252ULL;
        for (int i = 0; i < 200000; i++) {
            st ^= st << 13, st ^= st >> 7, st ^= st << 17;
            double x;
            if (i % 3 == 0) {
                memcpy(&x, &st, sizeof x); /* any bit pattern */
            } else {
                x = (double)(st >> 11) * 0x1p-53 * (i % 2 ? 1.0 : -1.0); /* [0, 1) and money-like */
                if (i % 5 == 0)
                    x *= 1e6;
            }
            bad += attrib_fx_from_double_fast(x, scales[k], shifts[k]) != attrib_fx_from_double(x, shifts[k]);
        }
    }
    CHECK(bad == 0, "%d values differ between attrib_fx_from_double_fast and attrib_fx_from_double", bad);
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--bench") == 0) {
        size_t nt = strtoull(argv[2], NULL, 10), nc = strtoull(argv[3], NULL, 10);
        size_t ni = argc >= 5 ? strtoull(argv[4], NULL, 10) : nc;
        return bench(nt, nc, ni ? ni : 1, argc >= 6 ? argv[5] : "time_decay");
    }
    test_acc();
    test_windows();
    test_fx_fast();
    test_priority();
    test_exclusions();
    test_versions();
    test_dups();
    test_dups_long();
    test_models();
    test_period_reports();
    test_bad_input();
    test_labels();
    test_random();
    if (failures) {
        printf("test_engine: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_engine: ok\n");
    return 0;
}

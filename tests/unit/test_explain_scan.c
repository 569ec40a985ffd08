/* mpi: 1 2 3 */
/* Unit tests of explain's distributed scan (attrib_explain_scan, src/explain/) and of the
 * par wrappers it uses (attrib_par_gather_rows, attrib_par_bcast_u64), at 1, 2 and 3
 * ranks, on a small input file written here whose identity's rows lie in every rank's
 * slab. The explanation of conversion 7 is worked out by hand (linear over two
 * candidates, one touch outside its window, one after the conversion, one of another
 * advertiser) and must equal attrib_explain_build on all the rows in memory; a missing
 * conversion, an ambiguous advertiser or identity, and a results file given as input
 * are errors with their exact words on every rank, and leave no result. */
#include <inttypes.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/err.h"
#include "attrib/explain.h"
#include "attrib/gather.h"
#include "attrib/par_coll.h"
#include "attrib/h5io.h"
#include "attrib/input.h"
#include "attrib/par.h"
#include "attrib/rules.h"
#include "attrib/table.h"

static int failures;
static attrib_par par;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "rank %d: %s:%d: check failed: %s (last error: %s)\n", par.rank,       \
                    __FILE__, __LINE__, #c, attrib_err_msg());                                     \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#define HOUR INT64_C(3600000)
#define DAY (24 * HOUR)
#define T INT64_C(1791633600000) /* 2026-10-10T12:00Z */

static const char rules_text[] =
    "defaults: { model = \"last_touch\"; engagement_priority = false;\n"
    "  lookback = { engagement = \"30d\"; impression = \"1d\"; nurture = \"7d\"; }; };\n"
    "advertisers = ( { id = 1; model = \"linear\"; } );\n";

static char dir[64], rules_path[128], input_path[128], results_path[128];

static void push_event(attrib_table *t, uint64_t eid, uint64_t id, int64_t ts, uint32_t camp,
                       int kind)
{
    const size_t r = attrib_table_push(t);
    ATTRIB_COL(t, ATTRIB_EV_EVENT_ID, uint64_t)[r] = eid;
    ATTRIB_COL(t, ATTRIB_EV_IDENTITY, uint64_t)[r] = id;
    ATTRIB_COL(t, ATTRIB_EV_TS, int64_t)[r] = ts;
    ATTRIB_COL(t, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[r] = camp;
    ATTRIB_COL(t, ATTRIB_EV_KIND, uint8_t)[r] = (uint8_t)kind;
}

static void push_conv(attrib_table *t, uint64_t cid, uint64_t id, uint32_t adv, double value)
{
    const size_t r = attrib_table_push(t);
    ATTRIB_COL(t, ATTRIB_CV_CONVERSION_ID, uint64_t)[r] = cid;
    ATTRIB_COL(t, ATTRIB_CV_IDENTITY, uint64_t)[r] = id;
    ATTRIB_COL(t, ATTRIB_CV_TS, int64_t)[r] = T;
    ATTRIB_COL(t, ATTRIB_CV_ADVERTISER_ID, uint32_t)[r] = adv;
    ATTRIB_COL(t, ATTRIB_CV_TYPE, uint16_t)[r] = 0;
    ATTRIB_COL(t, ATTRIB_CV_VALUE, double)[r] = value;
}

/* Identity 100's touches for advertiser 1 (campaigns 1, 2), spread over the file among
 * 60 rows of other identities:
 *   event 1  T - 2d  campaign 1 engagement  candidate (30d lookback)
 *   event 2  T - 2h  campaign 2 impression  candidate (1d)
 *   event 3  T - 3d  campaign 2 impression  outside its window by 2d
 *   event 4  T + 1h  campaign 1 engagement  after the conversion
 *   event 5  T - 1h  campaign 3 (advertiser 2): not a touch of advertiser 1
 * Conversion 7 (identity 100, advertiser 1, value 90): linear over events 1 and 2,
 * credit 0.5 and credited value 45 each. */
static void make_tables(attrib_table *ev, attrib_table *cv, attrib_table *cat)
{
    attrib_table_init(ev, &attrib_schema_events, 1);
    attrib_table_init(cv, &attrib_schema_conversions, 1);
    attrib_table_init(cat, &attrib_schema_campaigns, 8);
    for (uint64_t i = 0; i < 60; i++) {
        switch (i) {
        case 0:
            push_event(ev, 1, 100, T - 2 * DAY, 1, ATTRIB_KIND_ENGAGEMENT);
            break;
        case 20:
            push_event(ev, 2, 100, T - 2 * HOUR, 2, ATTRIB_KIND_IMPRESSION);
            break;
        case 30:
            push_event(ev, 5, 100, T - HOUR, 3, ATTRIB_KIND_ENGAGEMENT);
            break;
        case 40:
            push_event(ev, 3, 100, T - 3 * DAY, 2, ATTRIB_KIND_IMPRESSION);
            break;
        case 59:
            push_event(ev, 4, 100, T + HOUR, 1, ATTRIB_KIND_ENGAGEMENT);
            break;
        default:
            push_event(ev, 1000 + i, 1000 + i % 7, T - (int64_t)i * HOUR, 1 + (uint32_t)(i % 3), 1);
        }
    }
    for (uint64_t i = 0; i < 12; i++) {
        switch (i) {
        case 1:
            push_conv(cv, 8, 100, 1, 10);
            break; /* 8: advertisers 1 and 2 */
        case 2:
            push_conv(cv, 9, 100, 1, 20);
            break; /* 9: identities 100 and 200 */
        case 5:
            push_conv(cv, 7, 100, 1, 90);
            break;
        case 9:
            push_conv(cv, 8, 101, 2, 30);
            break;
        case 11:
            push_conv(cv, 9, 200, 1, 40);
            break;
        default:
            push_conv(cv, 100 + i, 1000 + i % 7, 1, 5);
        }
    }
    static const char *const names[] = {"Alpha", "Beta", "Gamma"};
    for (uint32_t c = 1; c <= 3; c++) {
        const size_t r = attrib_table_push(cat);
        ATTRIB_COL(cat, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[r] = c;
        ATTRIB_COL(cat, ATTRIB_CA_ADVERTISER_ID, uint32_t)[r] = c < 3 ? 1 : 2;
        attrib_table_set_str(cat, ATTRIB_CA_NAME, r, names[c - 1], strlen(names[c - 1]));
    }
}

/* Rank 0 writes the rules, the input and a results file (only /credits). */
static int write_files(void)
{
    FILE *f = fopen(rules_path, "w");
    if (!f)
        return attrib_err_set(ATTRIB_EIO, "cannot write %s", rules_path);
    fputs(rules_text, f);
    fclose(f);
    attrib_table ev, cv, cat, cr;
    make_tables(&ev, &cv, &cat);
    attrib_h5file *h = NULL;
    int rc = attrib_h5_create(MPI_COMM_SELF, input_path, &h);
    const attrib_table *all[] = {&ev, &cv, &cat};
    for (int i = 0; i < 3 && rc == 0; i++)
        rc = attrib_h5_write_table(h, all[i], 0, all[i]->n, 3);
    const char *const types[] = {"purchase"};
    if (rc == 0)
        rc = attrib_h5_write_strings(h, "conversions/type_names", types, 1);
    if (h) {
        const int crc = attrib_h5_close(h);
        rc = rc ? rc : crc;
    }
    attrib_table_init(&cr, &attrib_schema_credits, 1);
    if (rc == 0)
        rc = attrib_h5_create(MPI_COMM_SELF, results_path, &h);
    if (rc == 0) {
        rc = attrib_h5_write_table(h, &cr, 0, 0, 3);
        const int crc = attrib_h5_close(h);
        rc = rc ? rc : crc;
    }
    attrib_table_free(&ev);
    attrib_table_free(&cv);
    attrib_table_free(&cat);
    attrib_table_free(&cr);
    return rc;
}

static attrib_explain_query query(uint64_t cid)
{
    return (attrib_explain_query){.rules_path = rules_path,
                                  .input_path = input_path,
                                  .model = -1,
                                  .conversion_id = cid,
                                  .from = INT64_MIN,
                                  .to = INT64_MAX};
}

static const attrib_xtouch *touch_of(const attrib_explanation *x, uint64_t eid)
{
    for (size_t i = 0; i < x->ntouches; i++)
        if (x->touch[i].event_id == eid)
            return &x->touch[i];
    return NULL;
}

/* The scan's explanation of conversion 7 against the hand-worked figures and against
 * attrib_explain_build on every row in memory. */
static void test_scan(void)
{
    attrib_explain_query q = query(7);
    attrib_explain_result *r = NULL;
    CHECK(attrib_explain_scan(&par, &q, &r) == 0 && r != NULL);
    if (!r)
        return;
    CHECK(r->input && r->input->f == NULL && r->input->ntypes == 1 && r->input->catalog.n == 3);
    CHECK(!r->model_overridden && r->from == INT64_MIN && r->to == INT64_MAX);
    if (par.rank != 0) {
        CHECK(r->x == NULL);
        attrib_explain_result_free(r);
        return;
    }
    const attrib_explanation *x = r->x;
    CHECK(x != NULL);
    if (!x) {
        attrib_explain_result_free(r);
        return;
    }
    CHECK(x->conversion_id == 7 && x->identity == 100 && x->advertiser_id == 1 && x->ts == T);
    CHECK(x->in_period && x->outcome == ATTRIB_XOUT_ATTRIBUTED && x->value == 90);
    CHECK(x->adv_rule.model == ATTRIB_MODEL_LINEAR);
    CHECK(x->ntouches == 4); /* events 1-4; event 5 is advertiser 2's */
    const attrib_xcounts *k = &x->counts;
    CHECK(k->touches == 3 && k->candidates == 2 && k->path_length == 2 && k->credited == 2);
    CHECK(k->outside_window == 1 && k->after_conversion == 1 && k->kind_off == 0 &&
          k->type_excluded == 0 && k->beaten_by_engagement == 0 && k->duplicate_touches == 0);
    const attrib_xtouch *t1 = touch_of(x, 1), *t2 = touch_of(x, 2), *t3 = touch_of(x, 3),
                        *t4 = touch_of(x, 4);
    CHECK(t1 && t1->status == ATTRIB_XS_CREDITED && t1->credit == 0.5 && t1->credited_value == 45 &&
          t1->position == 1);
    CHECK(t2 && t2->status == ATTRIB_XS_CREDITED && t2->credit == 0.5 && t2->position == 2);
    CHECK(t3 && t3->status == ATTRIB_XS_OUTSIDE_WINDOW && t3->age_ms - t3->lookback_ms == 2 * DAY);
    CHECK(t4 && t4->status == ATTRIB_XS_AFTER_CONVERSION && t4->age_ms == -HOUR);
    CHECK(touch_of(x, 5) == NULL);

    /* The same as explaining from every row at once. */
    attrib_table ev, cv, cat;
    make_tables(&ev, &cv, &cat);
    const attrib_explain_in in = {.rules = r->rules,
                                  .from = INT64_MIN,
                                  .to = INT64_MAX,
                                  .ntypes = 1,
                                  .conversion_id = 7,
                                  .identity = 100,
                                  .advertiser_id = 1};
    attrib_explanation *y = NULL;
    CHECK(attrib_explain_build(&in, &ev, &cv, &y) == 0 && y);
    if (y) {
        CHECK(y->ntouches == x->ntouches && memcmp(&y->counts, &x->counts, sizeof x->counts) == 0);
        for (size_t i = 0; i < x->ntouches && i < y->ntouches; i++)
            CHECK(x->touch[i].event_id == y->touch[i].event_id &&
                  x->touch[i].status == y->touch[i].status &&
                  x->touch[i].credit == y->touch[i].credit);
    }
    attrib_explanation_free(y);
    attrib_table_free(&ev);
    attrib_table_free(&cv);
    attrib_table_free(&cat);

    /* The renderers name the campaigns from the catalog. */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    attrib_explain_print_text(r, m);
    fclose(m);
    CHECK(buf && strstr(buf, "conversion 7 of advertiser 1, identity 100\n") &&
          strstr(buf, "outcome: attributed to 2 touches (credit 1, credited value 90)") &&
          strstr(buf, "1 Alpha") && strstr(buf, "linear over 2 candidates: 1/2 each"));
    free(buf);
    m = open_memstream(&buf, &len);
    attrib_explain_print_json(r, m);
    fclose(m);
    CHECK(buf && strstr(buf, "{\"conversion_id\":7,\"advertiser_id\":1,\"identity\":100,") &&
          strstr(buf, "\"campaign_name\":\"Beta\"") && buf[len - 1] == '\n');
    free(buf);
    attrib_explain_result_free(r);
}

/* Every rank fails with the same code and words, and gets no result. */
static void expect_error(attrib_explain_query q, int code, const char *words)
{
    static attrib_explain_result unset;
    attrib_explain_result *r = &unset; /* must be reset to NULL */
    CHECK(attrib_explain_scan(&par, &q, &r) == code && r == NULL);
    CHECK(strstr(attrib_err_msg(), words) != NULL);
}

static void test_errors(void)
{
    char words[512];
    snprintf(words, sizeof words, "conversion 999 not found in '%s'", input_path);
    expect_error(query(999), ATTRIB_EINPUT, words);
    attrib_explain_query q = query(7);
    q.has_advertiser = 1;
    q.advertiser_id = 2;
    snprintf(words, sizeof words, "conversion 7 of advertiser 2 not found in '%s'", input_path);
    expect_error(q, ATTRIB_EINPUT, words);
    expect_error(query(8), ATTRIB_EINPUT,
                 "conversion 8 is ambiguous: advertisers 1, 2 have it; pass --advertiser A");
    expect_error(query(9), ATTRIB_EINPUT,
                 "conversion 9 of advertiser 1 is ambiguous: identities "
                 "100, 200 have it; pass --identity H");
    q = query(7);
    q.input_path = results_path;
    snprintf(words, sizeof words, "%s: is a results file of 'attrib run'", results_path);
    expect_error(q, ATTRIB_EINPUT, words);
    q = query(7);
    q.rules_path = input_path; /* not a rules file */
    expect_error(q, ATTRIB_EINPUT, input_path);

    /* The choice narrowed: conversion 8 of advertiser 2 is identity 101's, no touch;
     * conversion 9 of identity 200 too; --model replaces the model. */
    q = query(8);
    q.has_advertiser = 1;
    q.advertiser_id = 2;
    attrib_explain_result *r = NULL;
    CHECK(attrib_explain_scan(&par, &q, &r) == 0 && r);
    if (r && par.rank == 0)
        CHECK(r->x && r->x->identity == 101 && r->x->outcome == ATTRIB_XOUT_NO_TOUCH);
    attrib_explain_result_free(r);
    q = query(9);
    q.has_identity = 1;
    q.identity = 200;
    q.model = ATTRIB_MODEL_FIRST_TOUCH;
    r = NULL;
    CHECK(attrib_explain_scan(&par, &q, &r) == 0 && r && r->model_overridden);
    if (r && par.rank == 0)
        CHECK(r->x && r->x->identity == 200 && r->x->value == 40 &&
              r->x->adv_rule.model == ATTRIB_MODEL_FIRST_TOUCH);
    attrib_explain_result_free(r);
}

/* Rank r contributes r + 1 rows; rank 0 gets them all in rank order. */
static void test_gather(void)
{
    attrib_table t;
    attrib_table_init(&t, &attrib_schema_campaigns, 4 + (size_t)par.rank); /* widths differ */
    for (int k = 0; k <= par.rank; k++) {
        const size_t r = attrib_table_push(&t);
        ATTRIB_COL(&t, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[r] = (uint32_t)(100 * par.rank + k);
        char name[32];
        snprintf(name, sizeof name, "r%dk%d", par.rank, k);
        attrib_table_set_str(&t, ATTRIB_CA_NAME, r, name, strlen(name));
    }
    CHECK(attrib_par_gather_rows(&par, &t) == 0);
    if (par.rank == 0) {
        size_t i = 0;
        CHECK(t.n == (size_t)(par.size * (par.size + 1) / 2));
        for (int r = 0; r < par.size; r++)
            for (int k = 0; k <= r; k++, i++) {
                char name[32];
                snprintf(name, sizeof name, "r%dk%d", r, k);
                CHECK(i < t.n &&
                      ATTRIB_COL(&t, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[i] == (uint32_t)(100 * r + k) &&
                      attrib_table_strlen(&t, ATTRIB_CA_NAME, i) == strlen(name) &&
                      memcmp(attrib_table_str(&t, ATTRIB_CA_NAME, i), name, strlen(name)) == 0);
            }
    } else {
        CHECK(t.n == 0);
    }
    attrib_table_free(&t);
    uint64_t v[3] = {0, 0, 0};
    if (par.rank == par.size - 1)
        v[0] = 7, v[1] = UINT64_MAX, v[2] = 42;
    CHECK(attrib_par_bcast_u64(&par, v, 3, par.size - 1) == 0);
    CHECK(v[0] == 7 && v[1] == UINT64_MAX && v[2] == 42);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    attrib_par_init(&par, MPI_COMM_WORLD);
    char tmpl[] = "/tmp/attrib_test_xscan_XXXXXX";
    if (par.rank == 0 && !mkdtemp(tmpl))
        tmpl[0] = '\0';
    MPI_Bcast(tmpl, sizeof tmpl, MPI_CHAR, 0, MPI_COMM_WORLD);
    CHECK(tmpl[0] != '\0');
    snprintf(dir, sizeof dir, "%s", tmpl);
    snprintf(rules_path, sizeof rules_path, "%s/rules.cfg", dir);
    snprintf(input_path, sizeof input_path, "%s/in.h5", dir);
    snprintf(results_path, sizeof results_path, "%s/results.h5", dir);
    CHECK(attrib_h5_register_zstd() == 0);
    int rc = par.rank == 0 ? write_files() : 0;
    CHECK(attrib_par_agree(&par, rc) == 0);
    test_gather();
    test_scan();
    test_errors();
    MPI_Barrier(MPI_COMM_WORLD);
    if (par.rank == 0) {
        unlink(rules_path);
        unlink(input_path);
        unlink(results_path);
        rmdir(dir);
    }
    int all = 0;
    MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Finalize();
    if (all) {
        if (par.rank == 0)
            fprintf(stderr, "test_explain_scan: %d check(s) failed\n", all);
        return 1;
    }
    if (par.rank == 0)
        printf("test_explain_scan: ok (%d ranks)\n", par.size);
    return 0;
}

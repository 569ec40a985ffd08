/* Unit tests of the reconcile library (include/attrib/reconcile.h) on tiny hand-made
 * sides, every expected figure worked out by hand in the comments:
 *  - by campaign, two CSV campaign reports (columns in other orders, an advertiser
 *    that differs, a campaign on one side only), at three tolerances, absolute and
 *    relative; a results file against its own figures as CSV;
 *  - by conversion, two results files written here with every kind (new from
 *    unattributed and from absent, lost to unattributed and to absent, moved, credit
 *    changed, a conversion id under two advertisers, rows of one campaign summed), with
 *    --limit and a tolerance that absorbs the credit change;
 *  - bad inputs (a CSV side for --by conversion, a bad CSV) are errors, not figures;
 *  - the renderers print the figures (a few lines checked through a memory stream).
 * Results files are opened on MPI_COMM_SELF, hence MPI_Init. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/err.h"
#include "attrib/h5io.h"
#include "attrib/reconcile.h"
#include "attrib/results.h"
#include "attrib/table.h"

static int failures;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n", __FILE__, __LINE__, #c,  \
                    attrib_err_msg());                                                             \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)
#define NEAR(a, b) (fabs((a) - (b)) < 1e-12)

static char dir[] = "/tmp/attrib_test_reconcile_XXXXXX";

static const char *path_of(const char *name)
{
    static char buf[4][4096];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static const char *write_text(const char *name, const char *text)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

/* What a renderer prints, as a malloc'd string. */
typedef void (*render_fn)(const void *, FILE *);
static char *render(render_fn fn, const void *figs)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    fn(figs, m);
    fclose(m);
    return buf;
}

static const attrib_reconcile_campaign *camp_at(const attrib_reconcile_campaigns *r, size_t i)
{
    return i < r->n ? &r->camp[i] : NULL;
}

/* ---------------------------------------------------------------- by campaign ---- */

/* A:  1: 10 conv, 100 value, advertiser 1     B:  1: 10, 100, advertiser 1 (same)
 *     2:  5,  50, 1                               2:  6,  50, 1 (one more conversion)
 *     3:  2,  20, 2                               3:  2,  20, 3 (another advertiser)
 *     4:  1,  30, 2 (only in A)                   5:  0,   0, 2 (only in B, nothing)
 * Totals: A 18 conversions, 200 value; B 18, 170. Impact = max(|dconv| / 18, |dvalue| /
 * 200): campaign 4 max(1/18, 30/200) = 0.15, campaign 2 1/18, the others 0. */
static const char csv_a[] = "campaign_id,conversions,value,advertiser_id\n"
                            "1,10,100,1\n2,5,50,1\n3,2,20,2\n4,1,30,2\n";
static const char csv_b[] = "\xef\xbb\xbf"
                            "Advertiser_ID, value ,campaign_id,Conversions,note\n"
                            "1,100,1,10,x\n1,50,2,6,\"y, z\"\n\n3,20,3,2,\n2,0,5,0,\n";

static void test_by_campaign(void)
{
    const char *a = write_text("a.csv", csv_a), *b = write_text("b.csv", csv_b);
    attrib_reconcile_opts o = ATTRIB_RECONCILE_OPTS_DEFAULT;
    attrib_reconcile_campaigns *r = NULL;
    CHECK(attrib_reconcile_by_campaign(a, b, &o, &r) == 0 && r != NULL);
    if (!r)
        return;
    CHECK(!r->a.is_results && !r->b.is_results && r->a.has_advertiser && r->b.has_advertiser);
    CHECK(r->a.ncampaigns == 4 && r->b.ncampaigns == 4);
    CHECK(NEAR(r->a.conversions, 18) && NEAR(r->a.value, 200));
    CHECK(NEAR(r->b.conversions, 18) && NEAR(r->b.value, 170));
    CHECK(r->n == 5 && r->ndiffering == 3 && r->nlisted == 4 && r->only_a == 1 && r->only_b == 1);
    CHECK(r->totals_differ && !r->within_tolerance);
    /* Differing by impact (4, 2, then 3 at 0), then the others by id (1, 5). */
    static const uint32_t order[] = {4, 2, 3, 1, 5};
    for (size_t i = 0; i < 5; i++)
        CHECK(camp_at(r, i) && camp_at(r, i)->campaign_id == order[i]);
    const attrib_reconcile_campaign *c4 = camp_at(r, 0), *c2 = camp_at(r, 1), *c3 = camp_at(r, 2),
                                    *c1 = camp_at(r, 3), *c5 = camp_at(r, 4);
    if (c1 && c2 && c3 && c4 && c5) {
        CHECK(c4->in_a && !c4->in_b && c4->differs && c4->listed && NEAR(c4->impact, 0.15));
        CHECK(NEAR(c4->conversions_a, 1) && c4->conversions_b == 0 && NEAR(c4->value_a, 30));
        CHECK(c2->differs && NEAR(c2->impact, 1.0 / 18) && NEAR(c2->conversions_b, 6));
        CHECK(c3->differs && c3->advertiser_differs && c3->advertiser_a == 2 &&
              c3->advertiser_b == 3 && c3->impact == 0);
        CHECK(!c1->differs && !c1->listed && !c1->advertiser_differs);
        CHECK(!c5->in_a && c5->in_b && !c5->differs && c5->listed);
    }
    char *text = render((render_fn)attrib_reconcile_campaigns_print_text, r);
    CHECK(text && strstr(text, "3 of 5 campaigns differ beyond tolerance (4 listed, 1 identical "
                               "not listed; --all lists them); 1 only in A, 1 only in B.\n"));
    CHECK(text && strstr(text, "DIFFERS, only in A") && strstr(text, "DIFFERS, advertiser 2 vs 3"));
    CHECK(text && strstr(text, "TOTAL") && strstr(text, "-30.00") && strstr(text, "-15.00%"));
    free(text);
    char *json = render((render_fn)attrib_reconcile_campaigns_print_json, r);
    CHECK(json && strstr(json, "\"within_tolerance\": false, \"campaigns_compared\": 5, "
                               "\"campaigns_differing\": 3, \"only_in_a\": 1, \"only_in_b\": 1"));
    CHECK(json && strstr(json, "\"value_delta\": -30"));
    free(json);
    attrib_reconcile_campaigns_free(r);

    /* T = 1.5: campaign 2 (one conversion) is within; 4 still differs by its value (30),
     * 3 by its advertiser. */
    o.tolerance = 1.5;
    CHECK(attrib_reconcile_by_campaign(a, b, &o, &r) == 0 && r);
    if (r) {
        CHECK(r->ndiffering == 2 && camp_at(r, 0)->campaign_id == 4 &&
              camp_at(r, 1)->campaign_id == 3);
        CHECK(r->nlisted == 4 && r->totals_differ); /* 200 vs 170 */
        attrib_reconcile_campaigns_free(r);
    }
    /* Relative 0.2: campaign 2 differs by 1 <= 0.2 * 6 (within); 4 by 1 > 0.2 * 1. */
    o.relative = 1;
    o.tolerance = 0.2;
    CHECK(attrib_reconcile_by_campaign(a, b, &o, &r) == 0 && r);
    if (r) {
        CHECK(r->ndiffering == 2 && !r->within_tolerance);
        CHECK(!r->totals_differ); /* 30 <= 0.2 * 200 */
        attrib_reconcile_campaigns_free(r);
    }
    /* --all lists the identical campaign too; a side against itself agrees. */
    o = (attrib_reconcile_opts)ATTRIB_RECONCILE_OPTS_DEFAULT;
    o.all = 1;
    CHECK(attrib_reconcile_by_campaign(a, a, &o, &r) == 0 && r);
    if (r) {
        CHECK(r->within_tolerance && r->ndiffering == 0 && r->nlisted == 4 && !r->totals_differ);
        attrib_reconcile_campaigns_free(r);
    }
    /* Without an advertiser column on one side, advertisers are not compared. */
    const char *b2 = write_text("b2.csv", "campaign_id,conversions,value\n1,10,100\n2,5,50\n"
                                          "3,2,20\n4,1,30\n");
    o = (attrib_reconcile_opts)ATTRIB_RECONCILE_OPTS_DEFAULT;
    CHECK(attrib_reconcile_by_campaign(a, b2, &o, &r) == 0 && r);
    if (r) {
        CHECK(r->within_tolerance && r->nlisted == 0 && !r->b.has_advertiser);
        attrib_reconcile_campaigns_free(r);
    }
    /* Bad sides are errors naming file and line, and give no figures. */
    static attrib_reconcile_campaigns unset;
    r = &unset; /* must be reset to NULL */
    const char *bad = write_text("bad.csv", "campaign_id,conversions,value\n1,2,3\n1,2,3\n");
    CHECK(attrib_reconcile_by_campaign(a, bad, &o, &r) == ATTRIB_EINPUT && r == NULL);
    CHECK(strstr(attrib_err_msg(), "bad.csv:3: campaign_id 1 appears twice (first on line 2)"));
    bad = write_text("bad2.csv", "campaign_id,conversions,value\n1,0x10,3\n");
    CHECK(attrib_reconcile_by_campaign(bad, a, &o, &r) == ATTRIB_EINPUT && r == NULL);
    CHECK(strstr(attrib_err_msg(), "bad2.csv:2: bad conversions '0x10'"));
}

/* --------------------------------------------------------------- by conversion ---- */

typedef struct credit_row {
    uint64_t conv;
    uint32_t adv, camp;
    double credit, cvalue;
} credit_row;
typedef struct unattr_row {
    uint64_t conv;
    uint32_t adv;
    int reason;
} unattr_row;

/* A results file with these /credits and /unattributed rows (in their sort order), an
 * empty catalog and report/campaign with the credits summed per campaign. */
static int write_results(const char *path, const credit_row *cr, size_t ncr, const unattr_row *un,
                         size_t nun)
{
    attrib_table t[7];
    const attrib_schema *s[7] = {&attrib_schema_credits,
                                 &attrib_schema_unattributed,
                                 &attrib_schema_report_campaign,
                                 &attrib_schema_report_daily,
                                 &attrib_schema_report_daily_touch,
                                 &attrib_schema_report_advertiser,
                                 &attrib_schema_campaigns};
    for (int i = 0; i < 7; i++)
        attrib_table_init(&t[i], s[i], 8);
    for (size_t i = 0; i < ncr; i++) {
        const size_t r = attrib_table_push(&t[0]);
        ATTRIB_COL(&t[0], ATTRIB_CR_CONVERSION_ID, uint64_t)[r] = cr[i].conv;
        ATTRIB_COL(&t[0], ATTRIB_CR_ADVERTISER_ID, uint32_t)[r] = cr[i].adv;
        ATTRIB_COL(&t[0], ATTRIB_CR_CAMPAIGN_ID, uint32_t)[r] = cr[i].camp;
        ATTRIB_COL(&t[0], ATTRIB_CR_CREDIT, double)[r] = cr[i].credit;
        ATTRIB_COL(&t[0], ATTRIB_CR_CREDITED_VALUE, double)[r] = cr[i].cvalue;
        size_t k = 0;
        while (k < t[2].n && ATTRIB_COL(&t[2], ATTRIB_RC_CAMPAIGN_ID, uint32_t)[k] != cr[i].camp)
            k++;
        if (k == t[2].n) {
            k = attrib_table_push(&t[2]);
            ATTRIB_COL(&t[2], ATTRIB_RC_CAMPAIGN_ID, uint32_t)[k] = cr[i].camp;
            ATTRIB_COL(&t[2], ATTRIB_RC_ADVERTISER_ID, uint32_t)[k] = cr[i].adv;
        }
        ATTRIB_COL(&t[2], ATTRIB_RC_CONVERSIONS, double)[k] += cr[i].credit;
        ATTRIB_COL(&t[2], ATTRIB_RC_VALUE, double)[k] += cr[i].cvalue;
    }
    for (size_t i = 0; i < nun; i++) {
        const size_t r = attrib_table_push(&t[1]);
        ATTRIB_COL(&t[1], ATTRIB_UN_CONVERSION_ID, uint64_t)[r] = un[i].conv;
        ATTRIB_COL(&t[1], ATTRIB_UN_ADVERTISER_ID, uint32_t)[r] = un[i].adv;
        ATTRIB_COL(&t[1], ATTRIB_UN_REASON, uint8_t)[r] = (uint8_t)un[i].reason;
    }
    attrib_h5file *f = NULL;
    int rc = attrib_h5_create(MPI_COMM_SELF, path, &f);
    for (int i = 0; i < 7 && rc == 0; i++)
        rc = attrib_h5_write_table(f, &t[i], 0, t[i].n, 3);
    if (rc == 0)
        rc = attrib_h5_set_attr_i64(f, "schema_version", ATTRIB_SCHEMA_VERSION);
    if (f) {
        const int crc = attrib_h5_close(f);
        rc = rc ? rc : crc;
    }
    for (int i = 0; i < 7; i++)
        attrib_table_free(&t[i]);
    return rc;
}

/*            A                                  B                         kind
 * conv 1/1   10:1                               10:1                      unchanged
 * conv 2/1   10:0.5 (25), 11:0.5 (25)           10:0.7 (35), 11:0.3 (15)  credit changed
 * conv 3/1   10:1                               12:1                      moved
 * conv 4/2   20:1                               unattributed outside_window  lost
 * conv 5/2   20:0.5 (10) + 20:0.5 (10): 20:1    20:1 (20)                 unchanged (summed)
 * conv 6/1   10:1                               absent                    lost
 * conv 7/1   unattributed no_touch              10:1                      new
 * conv 8/2   absent                             20:1                      new
 * conv 9/1   10:1                               10:1                      unchanged
 * conv 9/2   absent                             20:1                      new
 * credited: A 7 (1 2 3 4 5 6 9/1), B 8 (1 2 3 5 7 8 9/1 9/2); unchanged 3; changed 7. */
static const credit_row cr_a[] = {{1, 1, 10, 1, 100},  {2, 1, 10, 0.5, 25}, {2, 1, 11, 0.5, 25},
                                  {3, 1, 10, 1, 40},   {4, 2, 20, 1, 60},   {5, 2, 20, 0.5, 10},
                                  {5, 2, 20, 0.5, 10}, {6, 1, 10, 1, 5},    {9, 1, 10, 1, 9}};
static const unattr_row un_a[] = {{7, 1, ATTRIB_REASON_NO_TOUCH}};
static const credit_row cr_b[] = {{1, 1, 10, 1, 100}, {2, 1, 11, 0.3, 15}, {2, 1, 10, 0.7, 35},
                                  {3, 1, 12, 1, 40},  {5, 2, 20, 1, 20},   {7, 1, 10, 1, 70},
                                  {8, 2, 20, 1, 80},  {9, 1, 10, 1, 9},    {9, 2, 20, 1, 90}};
static const unattr_row un_b[] = {{4, 2, ATTRIB_REASON_OUTSIDE_WINDOW}};

static const attrib_reconcile_conversion *conv_at(const attrib_reconcile_conversions *r, int kind,
                                                  size_t i)
{
    return i < r->kind[kind].n ? &r->kind[kind].conv[i] : NULL;
}

static void test_by_conversion(void)
{
    const char *a = path_of("a.h5"), *b = path_of("b.h5");
    CHECK(write_results(a, cr_a, sizeof cr_a / sizeof *cr_a, un_a, 1) == 0);
    CHECK(write_results(b, cr_b, sizeof cr_b / sizeof *cr_b, un_b, 1) == 0);
    attrib_reconcile_opts o = ATTRIB_RECONCILE_OPTS_DEFAULT;
    attrib_reconcile_conversions *r = NULL;
    CHECK(attrib_reconcile_by_conversion(a, b, &o, &r) == 0 && r);
    if (!r)
        return;
    CHECK(r->credited_a == 7 && r->credited_b == 8 && r->unchanged == 3 && r->changed == 7);
    CHECK(!r->within_tolerance);
    CHECK(r->kind[ATTRIB_RECONCILE_NEW].count == 3 && r->kind[ATTRIB_RECONCILE_NEW].n == 3);
    CHECK(r->kind[ATTRIB_RECONCILE_LOST].count == 2 && r->kind[ATTRIB_RECONCILE_MOVED].count == 1);
    CHECK(r->kind[ATTRIB_RECONCILE_CREDIT_CHANGED].count == 1);
    const attrib_reconcile_conversion *e;
    /* new: 7/1 (A unattributed no_touch), 8/2 (A absent), 9/2 (A absent). */
    static const uint64_t new_ids[3][2] = {{7, 1}, {8, 2}, {9, 2}};
    for (size_t i = 0; i < 3; i++) {
        e = conv_at(r, ATTRIB_RECONCILE_NEW, i);
        CHECK(e && e->conversion_id == new_ids[i][0] && e->advertiser_id == new_ids[i][1]);
        CHECK(e && e->side[1].status == ATTRIB_RECONCILE_CREDITED && e->side[1].ncredits == 1);
        CHECK(e && e->side[0].status ==
                       (i == 0 ? ATTRIB_RECONCILE_UNATTRIBUTED : ATTRIB_RECONCILE_ABSENT));
    }
    e = conv_at(r, ATTRIB_RECONCILE_NEW, 0);
    CHECK(e && e->side[0].reason == ATTRIB_REASON_NO_TOUCH &&
          NEAR(e->side[1].credit[0].credited_value, 70));
    /* lost: 4/2 (B unattributed outside_window), 6/1 (B absent). */
    e = conv_at(r, ATTRIB_RECONCILE_LOST, 0);
    CHECK(e && e->conversion_id == 4 && e->advertiser_id == 2 &&
          e->side[1].status == ATTRIB_RECONCILE_UNATTRIBUTED &&
          e->side[1].reason == ATTRIB_REASON_OUTSIDE_WINDOW &&
          e->side[0].status == ATTRIB_RECONCILE_CREDITED && e->side[0].credit[0].campaign_id == 20);
    e = conv_at(r, ATTRIB_RECONCILE_LOST, 1);
    CHECK(e && e->conversion_id == 6 && e->side[1].status == ATTRIB_RECONCILE_ABSENT);
    /* moved: 3/1, 10:1 -> 12:1. */
    e = conv_at(r, ATTRIB_RECONCILE_MOVED, 0);
    CHECK(e && e->conversion_id == 3 && e->side[0].ncredits == 1 && e->side[1].ncredits == 1 &&
          e->side[0].credit[0].campaign_id == 10 && e->side[1].credit[0].campaign_id == 12);
    /* credit changed: 2/1, both sides by campaign: 10 then 11. */
    e = conv_at(r, ATTRIB_RECONCILE_CREDIT_CHANGED, 0);
    CHECK(e && e->conversion_id == 2 && e->side[0].ncredits == 2 && e->side[1].ncredits == 2);
    if (e && e->side[1].ncredits == 2) {
        CHECK(e->side[1].credit[0].campaign_id == 10 && NEAR(e->side[1].credit[0].credit, 0.7) &&
              NEAR(e->side[1].credit[0].credited_value, 35));
        CHECK(e->side[1].credit[1].campaign_id == 11 && NEAR(e->side[1].credit[1].credit, 0.3));
        CHECK(NEAR(e->side[0].credit[0].credit, 0.5) &&
              NEAR(e->side[0].credit[1].credited_value, 25));
    }
    char *text = render((render_fn)attrib_reconcile_conversions_print_text, r);
    CHECK(text && strstr(text, "\n7 conversions changed: 3 new, 2 lost, 1 moved, 1 credit changed; "
                               "3 unchanged."));
    CHECK(text && strstr(text, "unattributed (outside_window)") && strstr(text, "10:0.7 11:0.3"));
    free(text);
    char *json = render((render_fn)attrib_reconcile_conversions_print_json, r);
    CHECK(json && strstr(json, "\"counts\": {\"new\": 3, \"lost\": 2, \"moved\": 1, "
                               "\"credit_changed\": 1}"));
    CHECK(json &&
          strstr(json, "\"b\": {\"status\": \"unattributed\", \"reason\": \"outside_window\"}"));
    free(json);
    attrib_reconcile_conversions_free(r);

    /* --limit 1: the counts stay complete, one conversion kept per kind. */
    o.limit = 1;
    CHECK(attrib_reconcile_by_conversion(a, b, &o, &r) == 0 && r);
    if (r) {
        CHECK(r->kind[ATTRIB_RECONCILE_NEW].count == 3 && r->kind[ATTRIB_RECONCILE_NEW].n == 1);
        CHECK(r->kind[ATTRIB_RECONCILE_LOST].n == 1 && r->changed == 7);
        char *t = render((render_fn)attrib_reconcile_conversions_print_text, r);
        CHECK(t && strstr(t, "  … 2 more (--limit 0 lists all)\n"));
        free(t);
        attrib_reconcile_conversions_free(r);
    }
    /* T = 20: the credit change (0.2 in credit, 10 in credited value) is within. */
    o = (attrib_reconcile_opts)ATTRIB_RECONCILE_OPTS_DEFAULT;
    o.tolerance = 20;
    CHECK(attrib_reconcile_by_conversion(a, b, &o, &r) == 0 && r);
    if (r) {
        CHECK(r->kind[ATTRIB_RECONCILE_CREDIT_CHANGED].count == 0 && r->unchanged == 4 &&
              r->changed == 6 && r->kind[ATTRIB_RECONCILE_MOVED].count == 1);
        attrib_reconcile_conversions_free(r);
    }
    /* A file against itself. */
    o = (attrib_reconcile_opts)ATTRIB_RECONCILE_OPTS_DEFAULT;
    CHECK(attrib_reconcile_by_conversion(b, b, &o, &r) == 0 && r);
    if (r) {
        CHECK(r->within_tolerance && r->changed == 0 && r->unchanged == 8);
        attrib_reconcile_conversions_free(r);
    }
    /* By campaign on the same files: report/campaign of A: 10: 1+0.5+1+1+1 = 4.5,
     * 11: 0.5, 20: 1+1 = 2; of B: 10: 1+0.7+1+1 = 3.7, 11: 0.3, 12: 1, 20: 1+1+1 = 3. */
    attrib_reconcile_campaigns *rc = NULL;
    CHECK(attrib_reconcile_by_campaign(a, b, &o, &rc) == 0 && rc);
    if (rc) {
        CHECK(rc->a.is_results && rc->n == 4 && rc->ndiffering == 4 && rc->only_b == 1);
        CHECK(NEAR(rc->a.conversions, 7) && NEAR(rc->b.conversions, 8));
        attrib_reconcile_campaigns_free(rc);
    }
    /* --by conversion needs two results files. */
    const char *csv = write_text("c.csv", csv_a);
    static attrib_reconcile_conversions unset;
    r = &unset; /* must be reset to NULL */
    CHECK(attrib_reconcile_by_conversion(a, csv, &o, &r) == ATTRIB_EUSAGE && r == NULL);
    CHECK(strstr(attrib_err_msg(), "c.csv' is not one"));
}

static void test_differs(void)
{
    attrib_reconcile_opts o = ATTRIB_RECONCILE_OPTS_DEFAULT;
    CHECK(!attrib_reconcile_differs(&o, 1.0, 1.001));
    CHECK(attrib_reconcile_differs(&o, 1.0, 1.0011));
    CHECK(!attrib_reconcile_differs(&o, NAN, NAN) && attrib_reconcile_differs(&o, NAN, 0));
    o.tolerance = 0;
    CHECK(attrib_reconcile_differs(&o, 0.1 + 0.2, 0.3) && !attrib_reconcile_differs(&o, 2, 2));
    o.relative = 1;
    o.tolerance = 0.1;
    CHECK(!attrib_reconcile_differs(&o, 100, 109) && attrib_reconcile_differs(&o, 1, 1.2));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    CHECK(mkdtemp(dir) != NULL);
    CHECK(attrib_h5_register_zstd() == 0);
    test_differs();
    test_by_campaign();
    test_by_conversion();
    static const char *const files[] = {"a.csv",    "b.csv", "b2.csv", "bad.csv",
                                        "bad2.csv", "a.h5",  "b.h5",   "c.csv"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        unlink(path_of(files[i]));
    rmdir(dir);
    MPI_Finalize();
    if (failures) {
        fprintf(stderr, "test_reconcile: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_reconcile: ok\n");
    return 0;
}

/* Unit tests of `attrib report` and `attrib reconcile` on results files built in memory.
 *
 * The generator writes a results file as `attrib run` would (every table of SPEC 5 and
 * the root attributes), from a synthetic set of conversions: 3000 conversions of 6
 * advertisers over ~3 weeks, 10% unattributed, the others credited linearly to 1-3
 * touches of the advertiser's 10 campaigns; the reports are sums over the credit rows.
 * Variants change one thing:
 *   moved.h5   one single-touch conversion credited to another campaign
 *   camp.h5    report/campaign of campaign 142 only: conversions +3, value +300
 *   kinds.h5   one conversion of each kind --by conversion reports: new (unattributed
 *              in A, credited in B), lost, moved, credit changed (0.5/0.5 -> 0.7/0.3)
 *
 * With `--make-fixtures DIR` it writes a.h5, moved.h5, camp.h5, kinds.h5 into DIR and
 * prints the facts the end-to-end tests check (tests/e2e/reconcile_*.sh, report_*.sh):
 * `moved <conversion_id> <from campaign> <to campaign>` and so on. Without arguments
 * it checks report and reconcile exit codes on those files in a temporary directory.
 */
#include <inttypes.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrib/cmd.h"
#include "attrib/err.h"
#include "attrib/h5io.h"
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

#define NCAMP 60
#define CAMP0 100
#define NADV 6
#define NCONV 3000
#define T0 INT64_C(1790812800000) /* 2026-10-01T00:00:00Z */

typedef struct conv {
    uint64_t id;
    uint32_t adv;
    int64_t ts;
    double value;
    int reason; /* -1 attributed, else enum attrib_reason */
    int k;      /* touches */
    uint32_t camp[3];
    int64_t tts[3];
    double credit[3];
} conv;

static uint64_t lcg_state;
static uint32_t rnd(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(lcg_state >> 33);
}

static void gen(conv *c)
{
    lcg_state = 42;
    for (int i = 0; i < NCONV; i++) {
        conv *x = &c[i];
        memset(x, 0, sizeof *x);
        x->id = (uint64_t)i + 1;
        x->adv = 1 + (uint32_t)(x->id % NADV);
        x->ts = T0 + (int64_t)x->id * 600000;
        x->value = (double)(5 + rnd() % 200) + 0.25 * (double)(rnd() % 4);
        x->reason = i % 10 == 3 ? (int)((unsigned)i / 10 % ATTRIB_NREASONS) : -1;
        if (x->reason >= 0)
            continue;
        x->k = 1 + (int)(rnd() % 3);
        static const int64_t span[] = {1800000, 4 * 3600000LL, 20 * 3600000LL, 5 * 86400000LL,
                                       40 * 86400000LL};
        for (int j = 0; j < x->k; j++) {
            /* Campaigns of advertiser a: CAMP0 + c with c % NADV == a - 1. */
            x->camp[j] = CAMP0 + (x->adv - 1) + NADV * (rnd() % (NCAMP / NADV));
            x->tts[j] = x->ts - 1000 - (int64_t)(rnd() % (uint32_t)span[rnd() % 5]);
            x->credit[j] = 1.0 / x->k;
        }
    }
}

static uint32_t adv_of_campaign(uint32_t camp) { return 1 + (camp - CAMP0) % NADV; }

static void day_of(int64_t ms, char *buf)
{
    int64_t d = ms / 86400000 - T0 / 86400000; /* all test times are after T0 - 40 days */
    int64_t days = T0 / 86400000 + d;
    /* civil from days (Howard Hinnant) */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned dd = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    sprintf(buf, "%04d-%02u-%02u", (int)(y + (m <= 2)), m, dd);
}

/* report/daily or daily_touch rows: (campaign, day) sums, sorted. */
typedef struct dkey {
    uint32_t camp;
    char day[16];
    double conv, value;
} dkey;
static int dkey_cmp(const void *a, const void *b)
{
    const dkey *x = a, *y = b;
    if (x->camp != y->camp)
        return x->camp < y->camp ? -1 : 1;
    return strcmp(x->day, y->day);
}

static void daily_table(const conv *c, int touch_day, attrib_table *t, const attrib_schema *s)
{
    dkey *k = calloc(NCONV * 3, sizeof *k);
    size_t n = 0;
    for (int i = 0; i < NCONV; i++)
        for (int j = 0; j < c[i].k; j++) {
            k[n].camp = c[i].camp[j];
            day_of(touch_day ? c[i].tts[j] : c[i].ts, k[n].day);
            k[n].conv = c[i].credit[j];
            k[n].value = c[i].credit[j] * c[i].value;
            n++;
        }
    qsort(k, n, sizeof *k, dkey_cmp);
    attrib_table_init(t, s, 10);
    for (size_t i = 0; i < n; i++) {
        size_t r;
        if (t->n && ATTRIB_COL(t, RD_CAMPAIGN_ID, uint32_t)[t->n - 1] == k[i].camp &&
            strncmp(attrib_table_str(t, RD_DAY, t->n - 1), k[i].day, 10) == 0) {
            r = t->n - 1;
        } else {
            r = attrib_table_push(t);
            ATTRIB_COL(t, RD_CAMPAIGN_ID, uint32_t)[r] = k[i].camp;
            attrib_table_set_str(t, RD_DAY, r, k[i].day, 10);
        }
        ATTRIB_COL(t, RD_CONVERSIONS, double)[r] += k[i].conv;
        ATTRIB_COL(t, RD_VALUE, double)[r] += k[i].value;
    }
    free(k);
}

static int write_results(const char *path, const conv *c, int camp_tweak)
{
    attrib_table cr, un, rc, rd, rdt, ra, ca;
    attrib_table_init(&cr, &attrib_schema_credits, 1);
    attrib_table_init(&un, &attrib_schema_unattributed, 1);
    attrib_table_init(&rc, &attrib_schema_report_campaign, 1);
    attrib_table_init(&ra, &attrib_schema_report_advertiser, 1);
    attrib_table_init(&ca, &attrib_schema_campaigns, 48);
    double ttc[NCAMP] = {0};
    attrib_table_resize(&rc, NCAMP);
    attrib_table_resize(&ca, NCAMP);
    uint32_t lcg = 7;
    for (int j = 0; j < NCAMP; j++) {
        uint32_t id = CAMP0 + (uint32_t)j;
        ATTRIB_COL(&rc, RC_CAMPAIGN_ID, uint32_t)[j] = id;
        ATTRIB_COL(&rc, RC_ADVERTISER_ID, uint32_t)[j] = adv_of_campaign(id);
        lcg = lcg * 1103515245u + 12345u;
        ATTRIB_COL(&rc, RC_IMPRESSIONS, uint64_t)[j] = 1000 + lcg % 5000;
        ATTRIB_COL(&rc, RC_ENGAGEMENTS, uint64_t)[j] = 50 + lcg % 300;
        ATTRIB_COL(&rc, RC_NURTURES, uint64_t)[j] = lcg % 40;
        ATTRIB_COL(&rc, RC_REACH, uint64_t)[j] = 400 + lcg % 2000;
        ATTRIB_COL(&rc, RC_COST, double)[j] = j % 2 ? 0.0 : 100.0 + (double)(lcg % 900);
        ATTRIB_COL(&ca, CA_CAMPAIGN_ID, uint32_t)[j] = id;
        ATTRIB_COL(&ca, CA_ADVERTISER_ID, uint32_t)[j] = adv_of_campaign(id);
        char name[64];
        if (j == 7)
            snprintf(name, sizeof name, "Q4 \"Brand\", <EU> & more");
        else
            snprintf(name, sizeof name, "Campaign %u", id);
        attrib_table_set_str(&ca, CA_NAME, (size_t)j, name, strlen(name));
    }
    uint64_t adv[NADV + 1][RA_NCOLS];
    memset(adv, 0, sizeof adv);
    for (int i = 0; i < NCONV; i++) {
        const conv *x = &c[i];
        adv[x->adv][RA_CONVERSIONS]++;
        if (x->reason >= 0) {
            size_t r = attrib_table_push(&un);
            ATTRIB_COL(&un, UN_CONVERSION_ID, uint64_t)[r] = x->id;
            ATTRIB_COL(&un, UN_ADVERTISER_ID, uint32_t)[r] = x->adv;
            ATTRIB_COL(&un, UN_IDENTITY, uint64_t)[r] = x->id * 7919;
            ATTRIB_COL(&un, UN_CONV_TS, int64_t)[r] = x->ts;
            ATTRIB_COL(&un, UN_VALUE, double)[r] = x->value;
            ATTRIB_COL(&un, UN_REASON, uint8_t)[r] = (uint8_t)x->reason;
            adv[x->adv][RA_UNATTR_NO_TOUCH + x->reason]++;
            continue;
        }
        adv[x->adv][RA_ATTRIBUTED]++;
        for (int j = 0; j < x->k; j++) {
            size_t r = attrib_table_push(&cr);
            ATTRIB_COL(&cr, CR_CONVERSION_ID, uint64_t)[r] = x->id;
            ATTRIB_COL(&cr, CR_ADVERTISER_ID, uint32_t)[r] = x->adv;
            ATTRIB_COL(&cr, CR_IDENTITY, uint64_t)[r] = x->id * 7919;
            ATTRIB_COL(&cr, CR_CONV_TS, int64_t)[r] = x->ts;
            ATTRIB_COL(&cr, CR_VALUE, double)[r] = x->value;
            ATTRIB_COL(&cr, CR_EVENT_ID, uint64_t)[r] = x->id * 10 + (uint64_t)j;
            ATTRIB_COL(&cr, CR_CAMPAIGN_ID, uint32_t)[r] = x->camp[j];
            ATTRIB_COL(&cr, CR_KIND, uint8_t)[r] = (uint8_t)(j % ATTRIB_NKINDS);
            ATTRIB_COL(&cr, CR_TOUCH_TS, int64_t)[r] = x->tts[j];
            ATTRIB_COL(&cr, CR_POSITION, uint32_t)[r] = (uint32_t)j + 1;
            ATTRIB_COL(&cr, CR_PATH_LENGTH, uint32_t)[r] = (uint32_t)x->k;
            ATTRIB_COL(&cr, CR_CREDIT, double)[r] = x->credit[j];
            ATTRIB_COL(&cr, CR_CREDITED_VALUE, double)[r] = x->credit[j] * x->value;
            ATTRIB_COL(&cr, CR_RULE_VERSION, uint32_t)[r] = 1;
            size_t ci = x->camp[j] - CAMP0;
            ATTRIB_COL(&rc, RC_CONVERSIONS, double)[ci] += x->credit[j];
            ATTRIB_COL(&rc, RC_VALUE, double)[ci] += x->credit[j] * x->value;
            ATTRIB_COL(&rc, RC_CREDITED_TOUCHES, uint64_t)[ci]++;
            ttc[ci] += x->credit[j] * (double)(x->ts - x->tts[j]) / 1000.0;
        }
    }
    if (camp_tweak) {
        ATTRIB_COL(&rc, RC_CONVERSIONS, double)[42] += 3;
        ATTRIB_COL(&rc, RC_VALUE, double)[42] += 300;
    }
    for (int j = 0; j < NCAMP; j++) {
        double cv = ATTRIB_COL(&rc, RC_CONVERSIONS, double)[j];
        double cost = ATTRIB_COL(&rc, RC_COST, double)[j];
        ATTRIB_COL(&rc, RC_MEAN_TTC_S, double)[j] = cv > 0 ? ttc[j] / cv : NAN;
        ATTRIB_COL(&rc, RC_ROAS, double)[j] = cost > 0 ? ATTRIB_COL(&rc, RC_VALUE, double)[j] / cost : NAN;
    }
    for (uint32_t a = 1; a <= NADV; a++) {
        size_t r = attrib_table_push(&ra);
        ATTRIB_COL(&ra, RA_ADVERTISER_ID, uint32_t)[r] = a;
        for (int k = RA_CONVERSIONS; k < RA_NCOLS; k++)
            ATTRIB_COL(&ra, k, uint64_t)[r] = adv[a][k];
    }
    daily_table(c, 0, &rd, &attrib_schema_report_daily);
    daily_table(c, 1, &rdt, &attrib_schema_report_daily_touch);

    attrib_h5file *f = NULL;
    int rcode = attrib_h5_create(MPI_COMM_SELF, path, &f);
    const attrib_table *all[] = {&cr, &un, &rc, &rd, &rdt, &ra, &ca};
    for (size_t i = 0; i < 7 && rcode == 0; i++)
        rcode = attrib_h5_write_table(f, all[i], 0, all[i]->n, 3);
    const char *attrs[][2] = {{"period_from", "2026-10-01T00:00:00.000Z"},
                              {"period_to", "2026-11-01T00:00:00.000Z"},
                              {"rules", "defaults: { model = \"linear\"; };\n"},
                              {"rules_file", "rules.cfg"},
                              {"input_file", "in.h5"},
                              {"input_checksum", "crc32:00000000 size:0"},
                              {"model", "linear"},
                              {"software_version", "attrib test"}};
    for (size_t i = 0; i < 8 && rcode == 0; i++)
        rcode = attrib_h5_set_attr_str(f, attrs[i][0], attrs[i][1]);
    if (rcode == 0)
        rcode = attrib_h5_set_attr_i64(f, "ranks", 1);
    if (rcode == 0)
        rcode = attrib_h5_set_attr_i64(f, "schema_version", ATTRIB_SCHEMA_VERSION);
    int crc = attrib_h5_close(f);
    if (rcode == 0)
        rcode = crc;
    for (size_t i = 0; i < 7; i++)
        attrib_table_free((attrib_table *)all[i]);
    return rcode;
}

/* First conversion at or after index `from` that is attributed with exactly k touches. */
static int find_conv(const conv *c, int from, int k)
{
    for (int i = from; i < NCONV; i++)
        if (c[i].reason < 0 && c[i].k == k)
            return i;
    return -1;
}

static void move_one(conv *c, int i, FILE *facts)
{
    uint32_t from = c[i].camp[0], to = from + NADV;
    if (to >= CAMP0 + NCAMP)
        to = from - NADV;
    c[i].camp[0] = to;
    if (facts)
        fprintf(facts, "moved %" PRIu64 " %u %u\n", c[i].id, from, to);
}

static int make_fixtures(const char *dir, FILE *facts)
{
    conv *base = malloc(NCONV * sizeof *base), *v = malloc(NCONV * sizeof *v);
    char path[4096];
    int rc;
    gen(base);
    snprintf(path, sizeof path, "%s/a.h5", dir);
    rc = write_results(path, base, 0);

    memcpy(v, base, NCONV * sizeof *v);
    move_one(v, find_conv(v, 1000, 1), facts);
    snprintf(path, sizeof path, "%s/moved.h5", dir);
    if (rc == 0)
        rc = write_results(path, v, 0);

    snprintf(path, sizeof path, "%s/camp.h5", dir);
    if (rc == 0)
        rc = write_results(path, base, 1);
    if (facts)
        fprintf(facts, "camp %u\n", CAMP0 + 42);

    memcpy(v, base, NCONV * sizeof *v);
    int i_new = -1;
    for (int i = 500; i < NCONV && i_new < 0; i++)
        if (v[i].reason >= 0)
            i_new = i;
    v[i_new].reason = -1;
    v[i_new].k = 1;
    v[i_new].camp[0] = CAMP0 + (v[i_new].adv - 1);
    v[i_new].tts[0] = v[i_new].ts - 3600000;
    v[i_new].credit[0] = 1;
    int i_lost = find_conv(v, 700, 1);
    v[i_lost].reason = ATTRIB_REASON_NO_TOUCH;
    v[i_lost].k = 0;
    int i_moved = find_conv(v, 1000, 1);
    move_one(v, i_moved, NULL);
    int i_credit = find_conv(v, 1500, 2);
    v[i_credit].credit[0] = 0.7;
    v[i_credit].credit[1] = 0.3;
    if (v[i_credit].camp[0] == v[i_credit].camp[1]) /* both touches on one campaign: use a 2-campaign path */
        v[i_credit].camp[1] = v[i_credit].camp[0] == CAMP0 + (v[i_credit].adv - 1)
                                  ? v[i_credit].camp[0] + NADV
                                  : CAMP0 + (v[i_credit].adv - 1);
    /* base must match on the campaigns for a pure credit change */
    base[i_credit].camp[1] = v[i_credit].camp[1];
    snprintf(path, sizeof path, "%s/a.h5", dir);
    if (rc == 0)
        rc = write_results(path, base, 0);
    snprintf(path, sizeof path, "%s/kinds.h5", dir);
    if (rc == 0)
        rc = write_results(path, v, 0);
    if (facts)
        fprintf(facts, "kinds new %" PRIu64 " lost %" PRIu64 " moved %" PRIu64 " credit %" PRIu64 "\n",
                v[i_new].id, v[i_lost].id, v[i_moved].id, v[i_credit].id);
    /* moved.h5 again, from the final base (identical but for the one moved conversion). */
    memcpy(v, base, NCONV * sizeof *v);
    move_one(v, find_conv(v, 1000, 1), NULL);
    snprintf(path, sizeof path, "%s/moved.h5", dir);
    if (rc == 0)
        rc = write_results(path, v, 0);
    snprintf(path, sizeof path, "%s/camp.h5", dir);
    if (rc == 0)
        rc = write_results(path, base, 1);
    free(base);
    free(v);
    return rc;
}

static int run_cmd(int (*cmd)(const attrib_cmd_ctx *, int, char **), const char *const *args)
{
    attrib_par par;
    attrib_par_init(&par, MPI_COMM_WORLD);
    const attrib_cmd_ctx ctx = {.name = args[0], .par = &par};
    char *argv[32];
    int argc = 0;
    for (; args[argc]; argc++)
        argv[argc] = (char *)args[argc];
    argv[argc] = NULL;
    fflush(stdout);
    return cmd(&ctx, argc, argv);
}

static long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static int file_has(const char *p, const char *needle)
{
    FILE *fp = fopen(p, "rb");
    if (!fp)
        return 0;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, fp);
    b[got] = 0;
    fclose(fp);
    int yes = strstr(b, needle) != NULL;
    free(b);
    return yes;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    if (argc == 3 && strcmp(argv[1], "--make-fixtures") == 0) {
        int rc = make_fixtures(argv[2], stdout);
        if (rc)
            fprintf(stderr, "test_report: %s\n", attrib_err_msg());
        MPI_Finalize();
        return rc ? 1 : 0;
    }
    char dir[] = "/tmp/attrib_test_report_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(make_fixtures(dir, NULL) == 0);
    char a[4096], moved[4096], camp[4096], kinds[4096], out[4096], bad[4096];
    snprintf(a, sizeof a, "%s/a.h5", dir);
    snprintf(moved, sizeof moved, "%s/moved.h5", dir);
    snprintf(camp, sizeof camp, "%s/camp.h5", dir);
    snprintf(kinds, sizeof kinds, "%s/kinds.h5", dir);

    /* results loading */
    attrib_results *r = NULL;
    CHECK(attrib_results_open(a, &r) == 0);
    if (r) {
        CHECK(r->campaign.n == NCAMP);
        CHECK(r->advertiser.n == NADV);
        CHECK(r->ncredits > NCONV);
        CHECK(r->nunattributed == NCONV / 10);
        CHECK(r->attr[ATTRIB_RES_MODEL] && strcmp(r->attr[ATTRIB_RES_MODEL], "linear") == 0);
        size_t len = 0;
        const char *nm = attrib_results_campaign_name(r, 101, &len);
        CHECK(nm && len == 12 && memcmp(nm, "Campaign 101", 12) == 0);
        CHECK(attrib_results_campaign_name(r, 5, &len) == NULL);
        attrib_table t;
        CHECK(attrib_results_read(r, &attrib_schema_credits, 10, 5, &t) == 0);
        CHECK(t.n == 5);
        attrib_table_free(&t);
        attrib_results_close(r);
    }
    snprintf(bad, sizeof bad, "%s/bad.csv", dir);
    FILE *fp = fopen(bad, "w");
    fputs("campaign_id,conversions\n1,2\n", fp);
    fclose(fp);
    r = NULL;
    CHECK(attrib_results_open(bad, &r) == ATTRIB_EINPUT && r == NULL);

    /* report: every format writes a file */
    static const char *const fmts[] = {"text", "csv", "json", "html"};
    for (int i = 0; i < 4; i++) {
        snprintf(out, sizeof out, "%s/report.%s", dir, fmts[i]);
        const char *args[] = {"report", a, "--format", fmts[i], "-o", out, NULL};
        CHECK(run_cmd(attrib_cmd_report, args) == 0);
        CHECK(file_size(out) > 100);
    }
    snprintf(out, sizeof out, "%s/report.html", dir);
    CHECK(file_has(out, "data-chart=\"ttc\""));
    CHECK(file_has(out, "Q4 &quot;Brand&quot;, &lt;EU&gt; &amp; more"));
    CHECK(!file_has(out, "sourceMappingURL"));
    snprintf(out, sizeof out, "%s/report.json", dir);
    CHECK(file_has(out, "\"time_to_convert\""));
    {
        const char *args[] = {"report", a, "--format", "pdf", NULL};
        CHECK(run_cmd(attrib_cmd_report, args) == 2);
        const char *args2[] = {"report", bad, NULL};
        CHECK(run_cmd(attrib_cmd_report, args2) == 2);
        const char *args3[] = {"report", NULL};
        CHECK(run_cmd(attrib_cmd_report, args3) == 2);
    }

    /* reconcile exit codes */
    {
        const char *same[] = {"reconcile", a, a, NULL};
        CHECK(run_cmd(attrib_cmd_reconcile, same) == 0);
        const char *mv[] = {"reconcile", a, moved, NULL};
        CHECK(run_cmd(attrib_cmd_reconcile, mv) == 1);
        const char *mvc[] = {"reconcile", a, moved, "--by", "conversion", NULL};
        CHECK(run_cmd(attrib_cmd_reconcile, mvc) == 1);
        const char *samec[] = {"reconcile", a, a, "--by", "conversion", NULL};
        CHECK(run_cmd(attrib_cmd_reconcile, samec) == 0);
        const char *cp[] = {"reconcile", a, camp, "--json", NULL};
        CHECK(run_cmd(attrib_cmd_reconcile, cp) == 1);
        const char *loose[] = {"reconcile", a, camp, "--tolerance", "1000", NULL};
        CHECK(run_cmd(attrib_cmd_reconcile, loose) == 0);
        const char *kd[] = {"reconcile", a, kinds, "--by", "conversion", "--json", NULL};
        CHECK(run_cmd(attrib_cmd_reconcile, kd) == 1);
        const char *badcsv[] = {"reconcile", a, bad, NULL};
        CHECK(run_cmd(attrib_cmd_reconcile, badcsv) == 2);
        const char *csvconv[] = {"reconcile", a, bad, "--by", "conversion", NULL};
        CHECK(run_cmd(attrib_cmd_reconcile, csvconv) == 2);
        snprintf(out, sizeof out, "%s/report.csv", dir);
        const char *vscsv[] = {"reconcile", a, out, NULL};
        CHECK(run_cmd(attrib_cmd_reconcile, vscsv) == 0);
        const char *badtol[] = {"reconcile", a, a, "--tolerance", "-1", NULL};
        CHECK(run_cmd(attrib_cmd_reconcile, badtol) == 2);
    }

    char cmd[8300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (failures == 0 && system(cmd) != 0)
        fprintf(stderr, "test_report: cannot remove %s\n", dir);
    MPI_Finalize();
    if (failures) {
        fprintf(stderr, "test_report: %d check(s) failed (files kept in %s)\n", failures, dir);
        return 1;
    }
    printf("test_report: ok\n");
    return 0;
}

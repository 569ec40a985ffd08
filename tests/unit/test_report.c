/* Unit tests of `attrib report` (the figures of src/report and their renderers) and of
 * `attrib reconcile`, on results files built in memory.
 *
 * Figures: a tiny results file whose every number is worked out by hand below
 * (check_figures) is read back by attrib_report_build, and the figures struct is checked
 * field by field; then the renderers' fixed defects (rank/ranks, the HTML period, the
 * public-key warning, the advertiser table's width) and -o onto the results file itself.
 *
 * The generator writes a results file as `attrib run` would (every table of a results
 * file and the root attributes), from a synthetic set of conversions: 3000 conversions
 * of 6 advertisers over ~3 weeks, 10% unattributed, the others credited linearly to 1-3
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
 * it checks the figures, then report and reconcile exit codes on those files in a
 * temporary directory.
 */
#include <inttypes.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "attrib/err.h"
#include "attrib/h5io.h"
#include "attrib/hash.h"
#include "attrib/report.h"
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
        if (t->n && ATTRIB_COL(t, ATTRIB_RD_CAMPAIGN_ID, uint32_t)[t->n - 1] == k[i].camp &&
            strncmp(attrib_table_str(t, ATTRIB_RD_DAY, t->n - 1), k[i].day, 10) == 0) {
            r = t->n - 1;
        } else {
            r = attrib_table_push(t);
            ATTRIB_COL(t, ATTRIB_RD_CAMPAIGN_ID, uint32_t)[r] = k[i].camp;
            attrib_table_set_str(t, ATTRIB_RD_DAY, r, k[i].day, 10);
        }
        ATTRIB_COL(t, ATTRIB_RD_CONVERSIONS, double)[r] += k[i].conv;
        ATTRIB_COL(t, ATTRIB_RD_VALUE, double)[r] += k[i].value;
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
        ATTRIB_COL(&rc, ATTRIB_RC_CAMPAIGN_ID, uint32_t)[j] = id;
        ATTRIB_COL(&rc, ATTRIB_RC_ADVERTISER_ID, uint32_t)[j] = adv_of_campaign(id);
        lcg = lcg * 1103515245u + 12345u;
        ATTRIB_COL(&rc, ATTRIB_RC_IMPRESSIONS, uint64_t)[j] = 1000 + lcg % 5000;
        ATTRIB_COL(&rc, ATTRIB_RC_ENGAGEMENTS, uint64_t)[j] = 50 + lcg % 300;
        ATTRIB_COL(&rc, ATTRIB_RC_NURTURES, uint64_t)[j] = lcg % 40;
        ATTRIB_COL(&rc, ATTRIB_RC_REACH, uint64_t)[j] = 400 + lcg % 2000;
        ATTRIB_COL(&rc, ATTRIB_RC_COST, double)[j] = j % 2 ? 0.0 : 100.0 + (double)(lcg % 900);
        ATTRIB_COL(&ca, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[j] = id;
        ATTRIB_COL(&ca, ATTRIB_CA_ADVERTISER_ID, uint32_t)[j] = adv_of_campaign(id);
        char name[64];
        if (j == 7)
            snprintf(name, sizeof name, "Q4 \"Brand\", <EU> & more");
        else
            snprintf(name, sizeof name, "Campaign %u", id);
        attrib_table_set_str(&ca, ATTRIB_CA_NAME, (size_t)j, name, strlen(name));
    }
    uint64_t adv[NADV + 1][ATTRIB_RA_NCOLS];
    memset(adv, 0, sizeof adv);
    for (int i = 0; i < NCONV; i++) {
        const conv *x = &c[i];
        adv[x->adv][ATTRIB_RA_CONVERSIONS]++;
        if (x->reason >= 0) {
            size_t r = attrib_table_push(&un);
            ATTRIB_COL(&un, ATTRIB_UN_CONVERSION_ID, uint64_t)[r] = x->id;
            ATTRIB_COL(&un, ATTRIB_UN_ADVERTISER_ID, uint32_t)[r] = x->adv;
            ATTRIB_COL(&un, ATTRIB_UN_IDENTITY, uint64_t)[r] = x->id * 7919;
            ATTRIB_COL(&un, ATTRIB_UN_CONV_TS, int64_t)[r] = x->ts;
            ATTRIB_COL(&un, ATTRIB_UN_VALUE, double)[r] = x->value;
            ATTRIB_COL(&un, ATTRIB_UN_REASON, uint8_t)[r] = (uint8_t)x->reason;
            adv[x->adv][ATTRIB_RA_UNATTR_NO_TOUCH + x->reason]++;
            continue;
        }
        adv[x->adv][ATTRIB_RA_ATTRIBUTED]++;
        for (int j = 0; j < x->k; j++) {
            size_t r = attrib_table_push(&cr);
            ATTRIB_COL(&cr, ATTRIB_CR_CONVERSION_ID, uint64_t)[r] = x->id;
            ATTRIB_COL(&cr, ATTRIB_CR_ADVERTISER_ID, uint32_t)[r] = x->adv;
            ATTRIB_COL(&cr, ATTRIB_CR_IDENTITY, uint64_t)[r] = x->id * 7919;
            ATTRIB_COL(&cr, ATTRIB_CR_CONV_TS, int64_t)[r] = x->ts;
            ATTRIB_COL(&cr, ATTRIB_CR_VALUE, double)[r] = x->value;
            ATTRIB_COL(&cr, ATTRIB_CR_EVENT_ID, uint64_t)[r] = x->id * 10 + (uint64_t)j;
            ATTRIB_COL(&cr, ATTRIB_CR_CAMPAIGN_ID, uint32_t)[r] = x->camp[j];
            ATTRIB_COL(&cr, ATTRIB_CR_KIND, uint8_t)[r] = (uint8_t)(j % ATTRIB_NKINDS);
            ATTRIB_COL(&cr, ATTRIB_CR_TOUCH_TS, int64_t)[r] = x->tts[j];
            ATTRIB_COL(&cr, ATTRIB_CR_POSITION, uint32_t)[r] = (uint32_t)j + 1;
            ATTRIB_COL(&cr, ATTRIB_CR_PATH_LENGTH, uint32_t)[r] = (uint32_t)x->k;
            ATTRIB_COL(&cr, ATTRIB_CR_CREDIT, double)[r] = x->credit[j];
            ATTRIB_COL(&cr, ATTRIB_CR_CREDITED_VALUE, double)[r] = x->credit[j] * x->value;
            ATTRIB_COL(&cr, ATTRIB_CR_RULE_VERSION, uint32_t)[r] = 1;
            size_t ci = x->camp[j] - CAMP0;
            ATTRIB_COL(&rc, ATTRIB_RC_CONVERSIONS, double)[ci] += x->credit[j];
            ATTRIB_COL(&rc, ATTRIB_RC_VALUE, double)[ci] += x->credit[j] * x->value;
            ATTRIB_COL(&rc, ATTRIB_RC_CREDITED_TOUCHES, uint64_t)[ci]++;
            ttc[ci] += x->credit[j] * (double)(x->ts - x->tts[j]) / 1000.0;
        }
    }
    if (camp_tweak) {
        ATTRIB_COL(&rc, ATTRIB_RC_CONVERSIONS, double)[42] += 3;
        ATTRIB_COL(&rc, ATTRIB_RC_VALUE, double)[42] += 300;
    }
    for (int j = 0; j < NCAMP; j++) {
        double cv = ATTRIB_COL(&rc, ATTRIB_RC_CONVERSIONS, double)[j];
        double cost = ATTRIB_COL(&rc, ATTRIB_RC_COST, double)[j];
        ATTRIB_COL(&rc, ATTRIB_RC_MEAN_TTC_S, double)[j] = cv > 0 ? ttc[j] / cv : NAN;
        ATTRIB_COL(&rc, ATTRIB_RC_ROAS, double)[j] = cost > 0 ? ATTRIB_COL(&rc, ATTRIB_RC_VALUE, double)[j] / cost : NAN;
    }
    for (uint32_t a = 1; a <= NADV; a++) {
        size_t r = attrib_table_push(&ra);
        ATTRIB_COL(&ra, ATTRIB_RA_ADVERTISER_ID, uint32_t)[r] = a;
        for (int k = ATTRIB_RA_CONVERSIONS; k < ATTRIB_RA_NCOLS; k++)
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
    /* report is a command without MPI: it gets no context, as main() gives it none */
    const attrib_cmd_ctx ctx = {.name = args[0], .par = cmd == attrib_cmd_report ? NULL : &par};
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

/* ---- Figures of a tiny results file, worked out by hand ----
 *
 * Conversions (T0 = 2026-10-01T00:00:00Z):
 *   1  advertiser 1, value 20, at T0+10min; one touch of campaign 10 at 30 min before
 *      (2026-09-30T23:40): credit 1.0, credited value 20
 *   2  advertiser 1, value 20, at T0+1d12h (2026-10-02T12:00); touches of campaign 11 at
 *      1 h before (credit 0.5, value 10) and of campaign 10 at 30 min before (0.5, 10)
 *   3  advertiser 1, unattributed: no_touch;  4  advertiser 1, outside_window
 *   5  advertiser 2, rule_excluded
 * report/campaign (campaign 11 has no name in /campaigns; 12 had no conversion):
 *   id adv imp eng nur reach cost conv value touches mean_ttc_s          roas
 *   10  1  100  10   1   50   20  1.5   30     2   (1*1800+.5*1800)/1.5  30/20 = 1.5
 *                                                  = 1800
 *   11  1  200   0   0   70    0  0.5   10     1   3600                  NaN (no cost)
 *   12  2    0   5   2    5   10  0      0     0   NaN                   0/10 = 0
 *   TOTAL 300 15 3 125, cost 30, conversions 2, value 40, touches 3;
 *   mean ttc = (1800*1.5 + 3600*0.5) / 2 = 2250 (campaign 12 has no credit);
 *   ROAS over campaigns with cost > 0 (10 and 12) = (30 + 0) / (20 + 10) = 1.
 * report/advertiser: 1: 4 conversions, 2 attributed, no_touch 1, rule_excluded 0,
 *   outside_window 1, duplicates 3 touches (1 inexact), 0 conversions;
 *   2: 1 conversion, 0 attributed, rule_excluded 1, duplicates 0 touches, 2 conversions
 *   (1 inexact). Totals 5, 2, [1 1 1], 3, 1, 2, 1; each reason 1/5 = 0.2 of all
 *   conversions, unattributed 3/5 = 0.6.
 * Time to convert (a bucket is [lo, hi)): rows of 1800 s, 3600 s, 1800 s → <1h: credit
 *   1.5, value 30, 2 rows; 1-6h (3600 s is its lower edge): 0.5, 10, 1 row; shares
 *   1.5/2 = 0.75 and 0.5/2 = 0.25; every other bucket 0.
 * Days: report/daily (10, 10-01, 1, 20), (10, 10-02, .5, 10), (11, 10-02, .5, 10);
 *   report/daily_touch (10, 09-30, 1, 20), (10, 10-02, .5, 10), (11, 10-02, .5, 10);
 *   summed: 09-30 (0, 0 | 1, 20), 10-01 (1, 20 | 0, 0), 10-02 (1, 20 | 1, 20);
 *   total (2, 40 | 2, 40).
 * Charts at --top 2: by conversions 10, 11 (of 3); by value 10, 11 (of 3); by cost, the
 *   campaigns with cost > 0: 10, 12 (of 2).
 */
#define C1_TS (T0 + 600000)
#define C2_TS (T0 + 129600000)

typedef struct tiny_meta {
    const char *from, *to, *identity_hash; /* identity_hash NULL: not written */
    int64_t ranks;
    int datadriven; /* also write the tables of write_dd */
} tiny_meta;

/* ---- The data-driven tables of tiny_dd.h5, figures by hand ----
 * report/paths (advertiser, path, conversions, value, nulls):
 *   1 "10" 3 30 1 | 1 "10 > 11" 3 45 0 | 1 "11" 0 0 5 | 1 "11 > 10" 3 12 1 | 2 "12" 0 0 0
 *   | 3 "p00" … "p10" (11 paths), 1 conversion, value 1, 0 nulls each
 *   advertiser 1: 4 distinct paths, 9 converting + 7 non-converting = 16 journeys, value
 *   87; top: "10" (3 conv, 1 null) before "11 > 10" (3, 1: bytewise) before "10 > 11"
 *   (3, 0: fewer nulls) before "11"; rates 3/4, 3/4, 1, 0. Advertiser 2: 1 path, 0
 *   journeys, rate NaN. Advertiser 3: 11 paths, the top 10 are p00 … p09 (bytewise).
 * report/markov: (1, 10, RE 0.5, 6, 60), (1, 11, 0.25, 3, 27);
 * report/shapley: (1, 10, 6, 57), (1, 11, 3, 30), (2, 12, 0, 0): 12 has no Markov row.
 * report/models, the models in the order own, markov (first appearance):
 *   (1, 10, own, 1.5, 30, 2) (1, 11, own, .5, 10, 1) (2, 12, own, 0, 0, 0)
 *   (1, 10, markov, 1, 20, 2) (1, 11, markov, 1, 20, 1); campaign 12 lacks markov (NaN).
 *   Totals own 2 / 40 / 3, markov 2 / 40 / 3; chart at --top 2: 10 (2.5), 11 (1.5) of 3.
 */
static void push_path(attrib_table *t, uint32_t adv, const char *path, uint64_t conv,
                      double value, uint64_t nulls)
{
    size_t r = attrib_table_push(t);
    ATTRIB_COL(t, ATTRIB_RP_ADVERTISER_ID, uint32_t)[r] = adv;
    attrib_table_set_str(t, ATTRIB_RP_PATH, r, path, strlen(path));
    ATTRIB_COL(t, ATTRIB_RP_CONVERSIONS, uint64_t)[r] = conv;
    ATTRIB_COL(t, ATTRIB_RP_VALUE, double)[r] = value;
    ATTRIB_COL(t, ATTRIB_RP_NULLS, uint64_t)[r] = nulls;
}

static int write_dd(attrib_h5file *f)
{
    attrib_table tp, tm, ts, to;
    attrib_table_init(&tp, &attrib_schema_report_paths, 16);
    attrib_table_init(&tm, &attrib_schema_report_markov, 1);
    attrib_table_init(&ts, &attrib_schema_report_shapley, 1);
    attrib_table_init(&to, &attrib_schema_report_models, 8);
    push_path(&tp, 1, "10", 3, 30, 1);
    push_path(&tp, 1, "10 > 11", 3, 45, 0);
    push_path(&tp, 1, "11", 0, 0, 5);
    push_path(&tp, 1, "11 > 10", 3, 12, 1);
    push_path(&tp, 2, "12", 0, 0, 0);
    for (int i = 0; i < 11; i++) {
        char p[8];
        snprintf(p, sizeof p, "p%02d", i);
        push_path(&tp, 3, p, 1, 1, 0);
    }
    static const struct { uint32_t adv, camp; double re, conv, value; } mk[] = {
        {1, 10, 0.5, 6, 60}, {1, 11, 0.25, 3, 27}};
    for (size_t i = 0; i < 2; i++) {
        size_t r = attrib_table_push(&tm);
        ATTRIB_COL(&tm, ATTRIB_RM_ADVERTISER_ID, uint32_t)[r] = mk[i].adv;
        ATTRIB_COL(&tm, ATTRIB_RM_CAMPAIGN_ID, uint32_t)[r] = mk[i].camp;
        ATTRIB_COL(&tm, ATTRIB_RM_REMOVAL_EFFECT, double)[r] = mk[i].re;
        ATTRIB_COL(&tm, ATTRIB_RM_CONVERSIONS, double)[r] = mk[i].conv;
        ATTRIB_COL(&tm, ATTRIB_RM_VALUE, double)[r] = mk[i].value;
    }
    static const struct { uint32_t adv, camp; double conv, value; } sh[] = {
        {1, 10, 6, 57}, {1, 11, 3, 30}, {2, 12, 0, 0}};
    for (size_t i = 0; i < 3; i++) {
        size_t r = attrib_table_push(&ts);
        ATTRIB_COL(&ts, ATTRIB_RS_ADVERTISER_ID, uint32_t)[r] = sh[i].adv;
        ATTRIB_COL(&ts, ATTRIB_RS_CAMPAIGN_ID, uint32_t)[r] = sh[i].camp;
        ATTRIB_COL(&ts, ATTRIB_RS_CONVERSIONS, double)[r] = sh[i].conv;
        ATTRIB_COL(&ts, ATTRIB_RS_VALUE, double)[r] = sh[i].value;
    }
    static const struct { uint32_t adv, camp; const char *model; double conv, value; uint64_t touches; } mo[] = {
        {1, 10, "own", 1.5, 30, 2}, {1, 11, "own", 0.5, 10, 1}, {2, 12, "own", 0, 0, 0},
        {1, 10, "markov", 1, 20, 2}, {1, 11, "markov", 1, 20, 1}};
    for (size_t i = 0; i < 5; i++) {
        size_t r = attrib_table_push(&to);
        ATTRIB_COL(&to, ATTRIB_RMO_ADVERTISER_ID, uint32_t)[r] = mo[i].adv;
        ATTRIB_COL(&to, ATTRIB_RMO_CAMPAIGN_ID, uint32_t)[r] = mo[i].camp;
        attrib_table_set_str(&to, ATTRIB_RMO_MODEL, r, mo[i].model, strlen(mo[i].model));
        ATTRIB_COL(&to, ATTRIB_RMO_CONVERSIONS, double)[r] = mo[i].conv;
        ATTRIB_COL(&to, ATTRIB_RMO_VALUE, double)[r] = mo[i].value;
        ATTRIB_COL(&to, ATTRIB_RMO_CREDITED_TOUCHES, uint64_t)[r] = mo[i].touches;
    }
    int rc = 0;
    attrib_table *all[] = {&tp, &tm, &ts, &to};
    for (size_t i = 0; i < 4; i++) {
        if (rc == 0)
            rc = attrib_h5_write_table(f, all[i], 0, all[i]->n, 3);
        attrib_table_free(all[i]);
    }
    return rc;
}

static void push_daily(attrib_table *t, uint32_t camp, const char *day, double conv, double value)
{
    size_t r = attrib_table_push(t);
    ATTRIB_COL(t, ATTRIB_RD_CAMPAIGN_ID, uint32_t)[r] = camp;
    attrib_table_set_str(t, ATTRIB_RD_DAY, r, day, strlen(day));
    ATTRIB_COL(t, ATTRIB_RD_CONVERSIONS, double)[r] = conv;
    ATTRIB_COL(t, ATTRIB_RD_VALUE, double)[r] = value;
}

static int write_tiny(const char *path, const tiny_meta *m)
{
    attrib_table cr, un, rc, rd, rdt, ra, ca;
    attrib_table_init(&cr, &attrib_schema_credits, 1);
    attrib_table_init(&un, &attrib_schema_unattributed, 1);
    attrib_table_init(&rc, &attrib_schema_report_campaign, 1);
    attrib_table_init(&rd, &attrib_schema_report_daily, 10);
    attrib_table_init(&rdt, &attrib_schema_report_daily_touch, 10);
    attrib_table_init(&ra, &attrib_schema_report_advertiser, 1);
    attrib_table_init(&ca, &attrib_schema_campaigns, 32);
    /* /credits */
    static const struct { uint64_t conv, event; uint32_t camp, pos, len; int64_t ts, before; double credit; } crow[] = {
        {1, 1001, 10, 1, 1, C1_TS, 1800000, 1.0},
        {2, 2001, 11, 1, 2, C2_TS, 3600000, 0.5},
        {2, 2002, 10, 2, 2, C2_TS, 1800000, 0.5}};
    for (size_t i = 0; i < 3; i++) {
        size_t r = attrib_table_push(&cr);
        ATTRIB_COL(&cr, ATTRIB_CR_CONVERSION_ID, uint64_t)[r] = crow[i].conv;
        ATTRIB_COL(&cr, ATTRIB_CR_ADVERTISER_ID, uint32_t)[r] = 1;
        ATTRIB_COL(&cr, ATTRIB_CR_IDENTITY, uint64_t)[r] = 111 * crow[i].conv;
        ATTRIB_COL(&cr, ATTRIB_CR_CONV_TS, int64_t)[r] = crow[i].ts;
        ATTRIB_COL(&cr, ATTRIB_CR_VALUE, double)[r] = 20;
        ATTRIB_COL(&cr, ATTRIB_CR_EVENT_ID, uint64_t)[r] = crow[i].event;
        ATTRIB_COL(&cr, ATTRIB_CR_CAMPAIGN_ID, uint32_t)[r] = crow[i].camp;
        ATTRIB_COL(&cr, ATTRIB_CR_KIND, uint8_t)[r] = ATTRIB_KIND_ENGAGEMENT;
        ATTRIB_COL(&cr, ATTRIB_CR_TOUCH_TS, int64_t)[r] = crow[i].ts - crow[i].before;
        ATTRIB_COL(&cr, ATTRIB_CR_POSITION, uint32_t)[r] = crow[i].pos;
        ATTRIB_COL(&cr, ATTRIB_CR_PATH_LENGTH, uint32_t)[r] = crow[i].len;
        ATTRIB_COL(&cr, ATTRIB_CR_CREDIT, double)[r] = crow[i].credit;
        ATTRIB_COL(&cr, ATTRIB_CR_CREDITED_VALUE, double)[r] = 20 * crow[i].credit;
        ATTRIB_COL(&cr, ATTRIB_CR_RULE_VERSION, uint32_t)[r] = 1;
    }
    /* /unattributed */
    static const struct { uint64_t conv; uint32_t adv; uint8_t reason; } urow[] = {
        {3, 1, ATTRIB_REASON_NO_TOUCH}, {4, 1, ATTRIB_REASON_OUTSIDE_WINDOW},
        {5, 2, ATTRIB_REASON_RULE_EXCLUDED}};
    for (size_t i = 0; i < 3; i++) {
        size_t r = attrib_table_push(&un);
        ATTRIB_COL(&un, ATTRIB_UN_CONVERSION_ID, uint64_t)[r] = urow[i].conv;
        ATTRIB_COL(&un, ATTRIB_UN_ADVERTISER_ID, uint32_t)[r] = urow[i].adv;
        ATTRIB_COL(&un, ATTRIB_UN_IDENTITY, uint64_t)[r] = 999;
        ATTRIB_COL(&un, ATTRIB_UN_CONV_TS, int64_t)[r] = T0 + 86400000;
        ATTRIB_COL(&un, ATTRIB_UN_VALUE, double)[r] = 5;
        ATTRIB_COL(&un, ATTRIB_UN_REASON, uint8_t)[r] = urow[i].reason;
    }
    /* report/campaign */
    static const struct { uint32_t id, adv; uint64_t imp, eng, nur, reach, touches; double cost, conv, value, ttc, roas; } crep[] = {
        {10, 1, 100, 10, 1, 50, 2, 20, 1.5, 30, 1800, 1.5},
        {11, 1, 200, 0, 0, 70, 1, 0, 0.5, 10, 3600, NAN},
        {12, 2, 0, 5, 2, 5, 0, 10, 0, 0, NAN, 0}};
    for (size_t i = 0; i < 3; i++) {
        size_t r = attrib_table_push(&rc);
        ATTRIB_COL(&rc, ATTRIB_RC_CAMPAIGN_ID, uint32_t)[r] = crep[i].id;
        ATTRIB_COL(&rc, ATTRIB_RC_ADVERTISER_ID, uint32_t)[r] = crep[i].adv;
        ATTRIB_COL(&rc, ATTRIB_RC_IMPRESSIONS, uint64_t)[r] = crep[i].imp;
        ATTRIB_COL(&rc, ATTRIB_RC_ENGAGEMENTS, uint64_t)[r] = crep[i].eng;
        ATTRIB_COL(&rc, ATTRIB_RC_NURTURES, uint64_t)[r] = crep[i].nur;
        ATTRIB_COL(&rc, ATTRIB_RC_REACH, uint64_t)[r] = crep[i].reach;
        ATTRIB_COL(&rc, ATTRIB_RC_COST, double)[r] = crep[i].cost;
        ATTRIB_COL(&rc, ATTRIB_RC_CONVERSIONS, double)[r] = crep[i].conv;
        ATTRIB_COL(&rc, ATTRIB_RC_VALUE, double)[r] = crep[i].value;
        ATTRIB_COL(&rc, ATTRIB_RC_CREDITED_TOUCHES, uint64_t)[r] = crep[i].touches;
        ATTRIB_COL(&rc, ATTRIB_RC_MEAN_TTC_S, double)[r] = crep[i].ttc;
        ATTRIB_COL(&rc, ATTRIB_RC_ROAS, double)[r] = crep[i].roas;
    }
    push_daily(&rd, 10, "2026-10-01", 1.0, 20);
    push_daily(&rd, 10, "2026-10-02", 0.5, 10);
    push_daily(&rd, 11, "2026-10-02", 0.5, 10);
    push_daily(&rdt, 10, "2026-09-30", 1.0, 20);
    push_daily(&rdt, 10, "2026-10-02", 0.5, 10);
    push_daily(&rdt, 11, "2026-10-02", 0.5, 10);
    /* report/advertiser: id, conversions, attributed, 3 reasons, 4 duplicate counts */
    static const uint64_t arep[2][ATTRIB_RA_NCOLS] = {{1, 4, 2, 1, 0, 1, 3, 1, 0, 0},
                                               {2, 1, 0, 0, 1, 0, 0, 0, 2, 1}};
    for (size_t i = 0; i < 2; i++) {
        size_t r = attrib_table_push(&ra);
        ATTRIB_COL(&ra, ATTRIB_RA_ADVERTISER_ID, uint32_t)[r] = (uint32_t)arep[i][0];
        for (int k = ATTRIB_RA_CONVERSIONS; k < ATTRIB_RA_NCOLS; k++)
            ATTRIB_COL(&ra, k, uint64_t)[r] = arep[i][k];
    }
    /* /campaigns, not sorted (the reader sorts it); campaign 11 has no row */
    static const struct { uint32_t id, adv; const char *name; } cat[] = {
        {12, 2, "Q4 <EU>"}, {10, 1, "Spring sale"}};
    for (size_t i = 0; i < 2; i++) {
        size_t r = attrib_table_push(&ca);
        ATTRIB_COL(&ca, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[r] = cat[i].id;
        ATTRIB_COL(&ca, ATTRIB_CA_ADVERTISER_ID, uint32_t)[r] = cat[i].adv;
        attrib_table_set_str(&ca, ATTRIB_CA_NAME, r, cat[i].name, strlen(cat[i].name));
    }

    attrib_h5file *f = NULL;
    int rcode = attrib_h5_create(MPI_COMM_SELF, path, &f);
    const attrib_table *all[] = {&cr, &un, &rc, &rd, &rdt, &ra, &ca};
    for (size_t i = 0; i < 7 && rcode == 0; i++)
        rcode = attrib_h5_write_table(f, all[i], 0, all[i]->n, 3);
    if (rcode == 0 && m->datadriven)
        rcode = write_dd(f);
    attrib_results_meta meta = {.ranks = m->ranks};
    meta.attr[ATTRIB_RES_PERIOD_FROM] = m->from;
    meta.attr[ATTRIB_RES_PERIOD_TO] = m->to;
    meta.attr[ATTRIB_RES_MODEL] = "linear";
    meta.attr[ATTRIB_RES_RULES_FILE] = "r.cfg";
    meta.attr[ATTRIB_RES_INPUT_FILE] = "in.h5";
    meta.attr[ATTRIB_RES_INPUT_CHECKSUM] = "crc32:00000000 size:0";
    meta.attr[ATTRIB_RES_SOFTWARE_VERSION] = "attrib test";
    meta.attr[ATTRIB_RES_RULES] = "defaults: { model = \"linear\"; };\n";
    meta.attr[ATTRIB_RES_IDENTITY_HASH] = m->identity_hash;
    if (rcode == 0)
        rcode = attrib_results_write_meta(f, &meta);
    int crc = f ? attrib_h5_close(f) : 0;
    if (rcode == 0)
        rcode = crc;
    for (size_t i = 0; i < 7; i++)
        attrib_table_free((attrib_table *)all[i]);
    return rcode;
}

static attrib_report *build_report(const char *path, size_t top)
{
    attrib_results *r = NULL;
    attrib_report *rep = NULL;
    const attrib_report_options opt = {.top = top};
    CHECK(attrib_results_open(path, &r) == 0);
    if (r)
        CHECK(attrib_report_build(r, &opt, &rep) == 0);
    attrib_results_close(r);
    return rep;
}

enum { R_TEXT, R_CSV, R_JSON, R_HTML };
static char *render(const attrib_report *rep, int format, int table)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (format == R_TEXT)
        attrib_report_write_text(rep, out);
    else if (format == R_CSV)
        attrib_report_write_csv(rep, out, table);
    else if (format == R_JSON)
        attrib_report_write_json(rep, out);
    else
        attrib_report_write_html(rep, out);
    fclose(out);
    return buf;
}

static int csv_table(const char *name)
{
    for (int i = 0; attrib_report_csv_tables[i]; i++)
        if (strcmp(attrib_report_csv_tables[i], name) == 0)
            return i;
    return -1;
}

static int has(const char *hay, const char *needle)
{
    int yes = hay && strstr(hay, needle) != NULL;
    if (!yes)
        fprintf(stderr, "test_report: output lacks \"%s\"\n", needle);
    return yes;
}

/* The text of the CSS rule that begins with `selector{` in an HTML page. */
static int css_rule_has(const char *html, const char *selector, const char *decl)
{
    char open[64];
    snprintf(open, sizeof open, "\n%s{", selector);
    const char *at = html ? strstr(html, open) : NULL;
    const char *end = at ? strchr(at, '}') : NULL;
    if (!at || !end)
        return 0;
    const char *d = strstr(at, decl);
    return d && d < end;
}

static void check_datadriven(const char *dir)
{
    char plain[4096], dd[4096];
    snprintf(plain, sizeof plain, "%s/tiny_plain.h5", dir);
    snprintf(dd, sizeof dd, "%s/tiny_dd.h5", dir);
    const tiny_meta mp = {"", "", NULL, 1, 0}, md = {"", "", NULL, 1, 1};
    CHECK(write_tiny(plain, &mp) == 0);
    CHECK(write_tiny(dd, &md) == 0);

    /* A file without the tables: none of the sections, and --table paths … refused. */
    attrib_report *rep = build_report(plain, 2);
    char *plain_text = NULL, *plain_json = NULL, *plain_html = NULL;
    if (rep) {
        CHECK(!rep->has_paths && !rep->has_markov && !rep->has_shapley && !rep->has_models);
        plain_text = render(rep, R_TEXT, 0);
        plain_json = render(rep, R_JSON, 0);
        plain_html = render(rep, R_HTML, 0);
        CHECK(plain_text && !strstr(plain_text, "Models compared") && !strstr(plain_text, "paths"));
        CHECK(plain_json && !strstr(plain_json, "models_compared") && !strstr(plain_json, "markov"));
        CHECK(plain_html && !strstr(plain_html, "data-chart=\"models\"") &&
              !strstr(plain_html, "model_names") && !strstr(plain_html, "yOffset: {field: 'model'") &&
              !strstr(plain_html, "id=\"paths-") && !strstr(plain_html, "markov-shapley"));
        static const char *const dd_tables[] = {"paths", "markov", "shapley", "models"};
        for (int i = 0; i < 4; i++) {
            CHECK(attrib_report_csv_check(rep, csv_table(dd_tables[i])) == ATTRIB_EINPUT);
            CHECK(strstr(attrib_err_msg(), "no /report/") != NULL);
        }
        attrib_err_clear();
        CHECK(attrib_report_csv_check(rep, csv_table("campaign")) == 0);
        attrib_report_free(rep);
    }

    rep = build_report(dd, 2);
    if (!rep)
        return;
    CHECK(rep->has_paths && rep->has_markov && rep->has_shapley && rep->has_models);
    for (int i = 0; attrib_report_csv_tables[i]; i++) /* all but identity: tiny has none */
        CHECK(attrib_report_csv_check(rep, i) == (i == csv_table("identity") ? ATTRIB_EINPUT : 0));
    CHECK(!rep->has_identity && !rep->stitched && rep->max_component == -1);
    attrib_err_clear();
    /* Paths per advertiser. */
    CHECK(rep->npaths == 16 && rep->npath_groups == 3);
    const attrib_report_path_group *g = &rep->path_groups[0];
    CHECK(g->advertiser_id == 1 && g->paths == 4 && g->converting == 9 && g->non_converting == 7);
    CHECK(g->value == 87 && g->ntop == 4);
    static const char *const want_top[] = {"10", "11 > 10", "10 > 11", "11"};
    static const double want_rate[] = {0.75, 0.75, 1, 0};
    for (size_t k = 0; k < 4 && k < g->ntop; k++) {
        CHECK(strcmp(rep->paths[g->top[k]].path, want_top[k]) == 0);
        CHECK(rep->paths[g->top[k]].conversion_rate == want_rate[k]);
    }
    g = &rep->path_groups[1];
    CHECK(g->advertiser_id == 2 && g->paths == 1 && g->ntop == 1);
    CHECK(isnan(rep->paths[g->top[0]].conversion_rate));
    g = &rep->path_groups[2];
    CHECK(g->advertiser_id == 3 && g->paths == 11 && g->ntop == ATTRIB_REPORT_TOP_PATHS);
    CHECK(strcmp(rep->paths[g->top[0]].path, "p00") == 0);
    CHECK(strcmp(rep->paths[g->top[9]].path, "p09") == 0);
    /* Markov next to Shapley. */
    CHECK(rep->ndd == 3);
    if (rep->ndd == 3) {
        CHECK(rep->dd[0].campaign_id == 10 && rep->dd[0].removal_effect == 0.5);
        CHECK(rep->dd[0].markov_value == 60 && rep->dd[0].shapley_value == 57);
        CHECK(rep->dd[1].campaign_id == 11 && rep->dd[1].shapley_conversions == 3);
        CHECK(strcmp(rep->dd[0].label, "Spring sale (10)") == 0);
        CHECK(rep->dd[2].advertiser_id == 2 && rep->dd[2].campaign_id == 12);
        CHECK(isnan(rep->dd[2].removal_effect) && rep->dd[2].shapley_conversions == 0);
    }
    /* Models side by side. */
    const attrib_report_models *M = &rep->models;
    CHECK(M->n == 2 && M->nrows == 3);
    if (M->n == 2 && M->nrows == 3) {
        CHECK(strcmp(M->name[0], "own") == 0 && strcmp(M->name[1], "markov") == 0);
        CHECK(M->rows[0].campaign_id == 10 && M->rows[0].conversions[0] == 1.5);
        CHECK(M->rows[0].conversions[1] == 1 && M->rows[0].credited_touches[1] == 2);
        CHECK(M->rows[2].campaign_id == 12 && isnan(M->rows[2].conversions[1]));
        CHECK(M->rows[2].credited_touches[1] == 0);
        CHECK(M->total.conversions[0] == 2 && M->total.conversions[1] == 2);
        CHECK(M->total.value[1] == 40 && M->total.credited_touches[0] == 3);
        CHECK(M->chart.n == 2 && M->chart.eligible == 3 && M->chart.row[0] == 0 &&
              M->chart.row[1] == 1);
    }

    char *t = render(rep, R_TEXT, 0), *j = render(rep, R_JSON, 0), *h = render(rep, R_HTML, 0);
    char *csv = render(rep, R_CSV, csv_table("paths"));
    char *csvm = render(rep, R_CSV, csv_table("models"));
    /* The older sections come first, unchanged: after the first line (the file's name),
     * the plain file's text is a prefix, as is its JSON but for the closing "}\n". */
    const char *tn = t ? strchr(t, '\n') : NULL, *ptn = plain_text ? strchr(plain_text, '\n') : NULL;
    CHECK(tn && ptn && strncmp(tn, ptn, strlen(ptn)) == 0);
    CHECK(has(t, "\nModels compared: conversions per campaign (report/models, 2 models)\n"
                 "  campaign_id  advertiser_id    own  markov\n"
                 "           10              1  1.500   1.000\n"));
    CHECK(has(t, "           12              2  0.000       -\n"));
    CHECK(has(t, "  advertiser 1: 4 distinct paths, 16 journeys (9 converting, 7 non-converting), "
                 "value 87.00\n"
                 "    path     conversions  value  nulls  conversion_rate\n"
                 "    10                 3  30.00      1           0.7500\n"
                 "    11 > 10            3  12.00      1           0.7500\n"
                 "    10 > 11            3  45.00      0           1.0000\n"
                 "    11                 0   0.00      5           0.0000\n"));
    CHECK(has(t, "  advertiser 2: 1 distinct path, 0 journeys (0 converting, 0 non-converting)"));
    CHECK(has(t, "              2           12               -                   -             -"
                 "                0.000           0.00\n"));
    /* JSON: the old keys unchanged, the new ones after them. */
    const char *jn = j ? strchr(j, '\n') : NULL, *pjn = plain_json ? strchr(plain_json, '\n') : NULL;
    CHECK(jn && pjn && strlen(pjn) > 2 && strncmp(jn, pjn, strlen(pjn) - 2) == 0);
    CHECK(has(j, "\"models_compared\": {\"models\": [\"own\", \"markov\"],"));
    CHECK(has(j, "{\"campaign_id\": 12, \"advertiser_id\": 2, \"name\": \"Q4 \\u003cEU\\u003e\", "
                 "\"conversions\": {\"own\": 0, \"markov\": null}"));
    CHECK(has(j, "{\"path\": \"11 \\u003e 10\", \"conversions\": 3, \"value\": 12, \"nulls\": 1, "
                 "\"conversion_rate\": 0.75}"));
    CHECK(has(j, "{\"advertiser_id\": 2, \"distinct_paths\": 1, \"journeys\": 0"));
    CHECK(has(j, "\"conversion_rate\": null}"));
    CHECK(has(j, "{\"advertiser_id\": 2, \"campaign_id\": 12, \"removal_effect\": null, "
                 "\"markov_conversions\": null, \"markov_value\": null, "
                 "\"shapley_conversions\": 0, \"shapley_value\": 0}"));
    CHECK(has(h, "data-chart=\"models\""));
    CHECK(has(h, "yOffset: {field: 'model'"));
    CHECK(has(h, "\"model_names\": [\"own\", \"markov\"]"));
    CHECK(has(h, "<table class=\"data\" id=\"paths-3\">"));
    CHECK(has(h, "<td>p09</td>") && h && !strstr(h, "<td>p10</td>"));
    CHECK(has(h, "<tr><td>2</td><td>Q4 &lt;EU&gt; (12)</td><td>-</td><td>-</td><td>-</td>"
                 "<td>0.000</td><td>0.00</td></tr>"));
    CHECK(has(csv, "advertiser_id,path,conversions,value,nulls\n1,10,3,30,1\n1,10 > 11,3,45,0\n"));
    CHECK(has(csvm, "advertiser_id,campaign_id,model,conversions,value,credited_touches\n"
                    "1,10,own,1.5,30,2\n"));
    free(t);
    free(j);
    free(h);
    free(csv);
    free(csvm);
    free(plain_text);
    free(plain_json);
    free(plain_html);
    attrib_report_free(rep);
}

static void check_figures(const char *dir)
{
    char tiny[4096], tiny2[4096], alias[4096], public_hash[64], kid[17];
    attrib_hash_key key;
    CHECK(attrib_hash_key_parse(ATTRIB_HASH_DEFAULT_KEY, &key) == 0);
    attrib_hash_key_id(&key, kid);
    snprintf(public_hash, sizeof public_hash, "siphash-2-4 key_id=%s", kid); /* what import writes */
    snprintf(tiny, sizeof tiny, "%s/tiny.h5", dir);
    snprintf(tiny2, sizeof tiny2, "%s/tiny2.h5", dir);
    const tiny_meta open_period = {"", "", public_hash, 1, 0};
    const tiny_meta closed = {"2026-10-01T00:00:00.000Z", "2026-10-03T00:00:00.000Z",
                              "siphash-2-4 key_id=0123456789abcdef", 2, 0};
    CHECK(write_tiny(tiny, &open_period) == 0);
    CHECK(write_tiny(tiny2, &closed) == 0);

    /* How identity_hash names the key. */
    CHECK(attrib_report_identity_key(NULL) == ATTRIB_REPORT_KEY_UNKNOWN);
    CHECK(attrib_report_identity_key(public_hash) == ATTRIB_REPORT_KEY_PUBLIC);
    CHECK(attrib_report_identity_key("siphash-2-4 key=public-default") == ATTRIB_REPORT_KEY_PUBLIC);
    CHECK(attrib_report_identity_key("siphash-2-4 key_id=0123456789abcdef") == ATTRIB_REPORT_KEY_OWN);
    char longer[80];
    snprintf(longer, sizeof longer, "%s0", public_hash); /* not the same id */
    CHECK(attrib_report_identity_key(longer) == ATTRIB_REPORT_KEY_OWN);

    attrib_report *rep = build_report(tiny, 2);
    if (!rep)
        return;
    /* the run */
    CHECK(strcmp(rep->path, tiny) == 0);
    CHECK(rep->ranks == 1 && rep->period_all == 1 && rep->credit_rows == 3);
    CHECK(rep->identity_key == ATTRIB_REPORT_KEY_PUBLIC);
    CHECK(rep->attr[ATTRIB_RES_MODEL] && strcmp(rep->attr[ATTRIB_RES_MODEL], "linear") == 0);
    CHECK(rep->attr[ATTRIB_RES_PERIOD_FROM] && !*rep->attr[ATTRIB_RES_PERIOD_FROM]);
    /* campaigns */
    CHECK(rep->ncampaigns == 3);
    if (rep->ncampaigns == 3) {
        const attrib_report_campaign *c = rep->campaigns;
        CHECK(c[0].campaign_id == 10 && c[0].advertiser_id == 1 && c[0].name &&
              strcmp(c[0].name, "Spring sale") == 0 && strcmp(c[0].label, "Spring sale (10)") == 0);
        CHECK(c[0].impressions == 100 && c[0].engagements == 10 && c[0].nurtures == 1 &&
              c[0].reach == 50 && c[0].credited_touches == 2);
        CHECK(c[0].cost == 20 && c[0].conversions == 1.5 && c[0].value == 30 &&
              c[0].mean_ttc_s == 1800 && c[0].roas == 1.5);
        CHECK(c[1].campaign_id == 11 && c[1].name == NULL && strcmp(c[1].label, "campaign 11") == 0);
        CHECK(c[1].cost == 0 && c[1].conversions == 0.5 && c[1].value == 10 &&
              c[1].mean_ttc_s == 3600 && isnan(c[1].roas) && c[1].credited_touches == 1);
        CHECK(c[2].campaign_id == 12 && c[2].advertiser_id == 2 && strcmp(c[2].label, "Q4 <EU> (12)") == 0);
        CHECK(c[2].conversions == 0 && isnan(c[2].mean_ttc_s) && c[2].roas == 0);
    }
    const attrib_report_campaign *ct = &rep->campaign_total;
    CHECK(strcmp(ct->label, "TOTAL") == 0);
    CHECK(ct->impressions == 300 && ct->engagements == 15 && ct->nurtures == 3 &&
          ct->reach == 125 && ct->credited_touches == 3);
    CHECK(ct->cost == 30 && ct->conversions == 2 && ct->value == 40);
    CHECK(ct->mean_ttc_s == 2250 && ct->roas == 1);
    CHECK(rep->cost_known_cost == 30 && rep->cost_known_value == 30);
    /* advertisers and unattributed by reason */
    CHECK(rep->nadvertisers == 2);
    if (rep->nadvertisers == 2) {
        const attrib_report_advertiser *a = rep->advertisers;
        CHECK(a[0].advertiser_id == 1 && a[0].conversions == 4 && a[0].attributed == 2 &&
              a[0].unattributed[ATTRIB_REASON_NO_TOUCH] == 1 &&
              a[0].unattributed[ATTRIB_REASON_RULE_EXCLUDED] == 0 &&
              a[0].unattributed[ATTRIB_REASON_OUTSIDE_WINDOW] == 1 && a[0].dup_touches == 3 &&
              a[0].dup_touches_inexact == 1 && a[0].dup_conversions == 0 &&
              a[0].dup_conversions_inexact == 0);
        CHECK(a[1].advertiser_id == 2 && a[1].conversions == 1 && a[1].attributed == 0 &&
              a[1].unattributed[ATTRIB_REASON_RULE_EXCLUDED] == 1 && a[1].dup_conversions == 2 &&
              a[1].dup_conversions_inexact == 1);
    }
    const attrib_report_advertiser *at = &rep->advertiser_total;
    CHECK(at->advertiser_id == 0 && at->conversions == 5 && at->attributed == 2 &&
          at->unattributed[0] == 1 && at->unattributed[1] == 1 && at->unattributed[2] == 1 &&
          at->dup_touches == 3 && at->dup_touches_inexact == 1 && at->dup_conversions == 2 &&
          at->dup_conversions_inexact == 1);
    for (int k = 0; k < ATTRIB_NREASONS; k++)
        CHECK(strcmp(rep->unattributed[k].reason, attrib_reason_names[k]) == 0 &&
              rep->unattributed[k].conversions == 1 && rep->unattributed[k].share == 0.2);
    CHECK(rep->unattributed_total.conversions == 3 && rep->unattributed_total.share == 0.6);
    /* time to convert */
    CHECK(strcmp(rep->ttc[0].label, "<1h") == 0 && rep->ttc[0].lo_s == 0 && rep->ttc[0].hi_s == 3600);
    CHECK(rep->ttc[0].credit == 1.5 && rep->ttc[0].credited_value == 30 &&
          rep->ttc[0].credited_touches == 2 && rep->ttc[0].share == 0.75);
    CHECK(strcmp(rep->ttc[1].label, "1-6h") == 0 && rep->ttc[1].lo_s == 3600 && rep->ttc[1].hi_s == 21600);
    CHECK(rep->ttc[1].credit == 0.5 && rep->ttc[1].credited_value == 10 &&
          rep->ttc[1].credited_touches == 1 && rep->ttc[1].share == 0.25);
    for (int k = 2; k < ATTRIB_REPORT_NTTC; k++)
        CHECK(rep->ttc[k].credit == 0 && rep->ttc[k].credited_touches == 0 && rep->ttc[k].share == 0);
    CHECK(strcmp(rep->ttc[ATTRIB_REPORT_NTTC - 1].label, ">=90d") == 0 &&
          rep->ttc[ATTRIB_REPORT_NTTC - 1].lo_s == 90 * 86400 && isinf(rep->ttc[ATTRIB_REPORT_NTTC - 1].hi_s));
    CHECK(rep->ttc_total.credit == 2 && rep->ttc_total.credited_value == 40 &&
          rep->ttc_total.credited_touches == 3 && rep->ttc_total.share == 1);
    /* days */
    CHECK(rep->ndaily == 3 && rep->ndaily_touch == 3);
    if (rep->ndaily == 3 && rep->ndaily_touch == 3) {
        CHECK(rep->daily[1].campaign_id == 10 && strcmp(rep->daily[1].day, "2026-10-02") == 0 &&
              rep->daily[1].conversions == 0.5 && rep->daily[1].value == 10);
        CHECK(rep->daily_touch[0].campaign_id == 10 && strcmp(rep->daily_touch[0].day, "2026-09-30") == 0 &&
              rep->daily_touch[0].conversions == 1 && rep->daily_touch[0].value == 20);
    }
    CHECK(rep->ndays == 3);
    if (rep->ndays == 3) {
        const attrib_report_day *d = rep->days;
        CHECK(strcmp(d[0].day, "2026-09-30") == 0 && d[0].conversions == 0 && d[0].value == 0 &&
              d[0].conversions_by_touch_day == 1 && d[0].value_by_touch_day == 20);
        CHECK(strcmp(d[1].day, "2026-10-01") == 0 && d[1].conversions == 1 && d[1].value == 20 &&
              d[1].conversions_by_touch_day == 0 && d[1].value_by_touch_day == 0);
        CHECK(strcmp(d[2].day, "2026-10-02") == 0 && d[2].conversions == 1 && d[2].value == 20 &&
              d[2].conversions_by_touch_day == 1 && d[2].value_by_touch_day == 20);
    }
    CHECK(strcmp(rep->day_total.day, "TOTAL") == 0 && rep->day_total.conversions == 2 &&
          rep->day_total.value == 40 && rep->day_total.conversions_by_touch_day == 2 &&
          rep->day_total.value_by_touch_day == 40);
    /* charts at --top 2 */
    CHECK(rep->top == 2);
    CHECK(rep->by_conversions.n == 2 && rep->by_conversions.eligible == 3 &&
          rep->by_conversions.row[0] == 0 && rep->by_conversions.row[1] == 1);
    CHECK(rep->by_value.n == 2 && rep->by_value.eligible == 3 && rep->by_value.row[0] == 0 &&
          rep->by_value.row[1] == 1);
    CHECK(rep->by_cost.n == 2 && rep->by_cost.eligible == 2 && rep->by_cost.row[0] == 0 &&
          rep->by_cost.row[1] == 2);

    /* Renderers print these figures. */
    char *txt = render(rep, R_TEXT, 0);
    CHECK(has(txt, "  period    [beginning of input, end of input)\n"));
    CHECK(has(txt, "  software  attrib test, 1 rank\n")); /* not "1 ranks" */
    CHECK(has(txt, "\n  warning   identities were hashed with the built-in public key"));
    CHECK(has(txt, "  conversions            5 (attributed 2, unattributed 3)\n"));
    CHECK(has(txt, "  credited conversions   2.000\n  credited value         40.00\n"
                   "  cost                   30.00\n  ROAS (cost known)      1.000\n"
                   "  mean time to convert   2250 s\n  credit rows            3\n"));
    CHECK(has(txt, "\n        TOTAL                         300           15         3    125  "
                   "30.00        2.000  40.00                 3        2250  1.000\n"));
    CHECK(has(txt, "\n           11              1          200            0         0     70   "
                   "0.00        0.500  10.00                 1        3600      -\n"));
    free(txt);
    char *csv = render(rep, R_CSV, csv_table("campaign"));
    CHECK(csv && strcmp(csv, "campaign_id,advertiser_id,impressions,engagements,nurtures,reach,"
                             "cost,conversions,value,credited_touches,mean_time_to_convert_s,roas\n"
                             "10,1,100,10,1,50,20,1.5,30,2,1800,1.5\n"
                             "11,1,200,0,0,70,0,0.5,10,1,3600,NaN\n"
                             "12,2,0,5,2,5,10,0,0,0,NaN,0\n") == 0);
    free(csv);
    csv = render(rep, R_CSV, csv_table("daily_total"));
    CHECK(csv && strcmp(csv, "day,conversions,value,conversions_by_touch_day,value_by_touch_day\n"
                             "2026-09-30,0,0,1,20\n2026-10-01,1,20,0,0\n2026-10-02,1,20,1,20\n") == 0);
    free(csv);
    csv = render(rep, R_CSV, csv_table("time_to_convert"));
    CHECK(has(csv, "bucket,lo_s,hi_s,credit,credited_touches,credited_value\n"
                   "<1h,0,3600,1.5,2,30\n1-6h,3600,21600,0.5,1,10\n6-24h,21600,86400,0,0,0\n"));
    CHECK(has(csv, "\n>=90d,7776000,inf,0,0,0\n"));
    free(csv);
    csv = render(rep, R_CSV, csv_table("unattributed"));
    CHECK(csv && strcmp(csv, "reason,conversions\nno_touch,1\nrule_excluded,1\noutside_window,1\n") == 0);
    free(csv);
    csv = render(rep, R_CSV, csv_table("advertiser"));
    CHECK(has(csv, "\n1,4,2,1,0,1,3,1,0,0\n2,1,0,0,1,0,0,0,2,1\n"));
    free(csv);
    char *json = render(rep, R_JSON, 0);
    CHECK(has(json, "\n\"identity_hash_public_key\": true,\n"));
    CHECK(has(json, "\"totals\": {\"conversions\": 5, \"attributed\": 2, \"unattributed\": 3, "
                    "\"impressions\": 300, \"engagements\": 15, \"nurtures\": 3, \"reach_sum\": 125, "
                    "\"credited_touches\": 3, \"credit_rows\": 3, \"credited_conversions\": 2, "
                    "\"value\": 40, \"cost\": 30, \"roas_cost_known\": 1, "
                    "\"mean_time_to_convert_s\": 2250}"));
    CHECK(has(json, "\"mean_time_to_convert_s\": 3600, \"roas\": null}"));
    CHECK(has(json, "\"name\": \"Q4 \\u003cEU\\u003e\"}"));
    free(json);
    char *html = render(rep, R_HTML, 0);
    CHECK(has(html, "<tr><td>period</td><td>all conversions</td></tr>"));
    CHECK(has(html, "<p class=\"note warn\" id=\"public-key\">"));
    CHECK(has(html, "<p class=\"note\">the 2 largest of 3 campaigns</p>"));
    CHECK(has(html, "campaigns with a known cost (> 0): 2</p>"));
    CHECK(has(html, "<td>Q4 &lt;EU&gt; (12)</td>"));
    /* The advertiser table (10 long headers) is wider than the page: its box is limited to
     * the page's width and scrolls (tests/e2e/report_html.sh measures it in Chromium). */
    CHECK(css_rule_has(html, ".scroll", "max-width:100%"));
    CHECK(css_rule_has(html, ".scroll", "overflow:auto"));
    free(html);
    attrib_report_free(rep);

    /* top 0 = every campaign; top 1. */
    rep = build_report(tiny, 0);
    if (rep) {
        CHECK(rep->by_conversions.n == 3 && rep->by_conversions.row[2] == 2);
        CHECK(rep->by_cost.n == 2);
        attrib_report_free(rep);
    }
    rep = build_report(tiny, 1);
    if (rep) {
        CHECK(rep->by_cost.n == 1 && rep->by_cost.eligible == 2 && rep->by_cost.row[0] == 0);
        char *h = render(rep, R_HTML, 0);
        CHECK(has(h, "campaigns with a known cost (> 0): 2, the largest by cost shown</p>"));
        free(h);
        attrib_report_free(rep);
    }

    /* A closed period, 2 ranks, a key of the site's own. */
    rep = build_report(tiny2, 25);
    if (rep) {
        CHECK(rep->period_all == 0 && rep->ranks == 2 && rep->identity_key == ATTRIB_REPORT_KEY_OWN);
        char *t = render(rep, R_TEXT, 0), *j = render(rep, R_JSON, 0), *h = render(rep, R_HTML, 0);
        CHECK(has(t, "  period    [2026-10-01T00:00:00.000Z, 2026-10-03T00:00:00.000Z)\n"));
        CHECK(has(t, "  software  attrib test, 2 ranks\n"));
        CHECK(t && !strstr(t, "warning"));
        CHECK(has(j, "\n\"identity_hash_public_key\": false,\n"));
        CHECK(has(h, "<tr><td>period</td><td>[2026-10-01T00:00:00.000Z, 2026-10-03T00:00:00.000Z)</td></tr>"));
        CHECK(h && !strstr(h, "id=\"public-key\""));
        free(t);
        free(j);
        free(h);
        attrib_report_free(rep);
    }

    /* -o onto the results file itself (by another path to the same file) is refused before
     * any work, and the results file is left as it was. */
    snprintf(alias, sizeof alias, "%s/./tiny.h5", dir);
    long before = file_size(tiny);
    const char *self[] = {"report", tiny, "-o", alias, NULL};
    CHECK(run_cmd(attrib_cmd_report, self) == 2);
    CHECK(strstr(attrib_err_msg(), "is one of the inputs") != NULL);
    CHECK(file_size(tiny) == before);
    attrib_results *r = NULL;
    CHECK(attrib_results_open(tiny, &r) == 0);
    attrib_results_close(r);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", alias);
    CHECK(file_size(tmp) < 0);
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
    check_figures(dir);
    check_datadriven(dir);
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
    /* A results file without an identity_hash attribute: the key is unknown (JSON null),
     * and no warning. */
    attrib_report *rep = build_report(a, 25);
    if (rep) {
        CHECK(rep->identity_key == ATTRIB_REPORT_KEY_UNKNOWN && rep->ncampaigns == NCAMP);
        CHECK(rep->by_conversions.n == 25 && rep->by_conversions.eligible == NCAMP);
        char *j = render(rep, R_JSON, 0), *t = render(rep, R_TEXT, 0);
        CHECK(has(j, "\n\"identity_hash_public_key\": null,\n"));
        CHECK(t && !strstr(t, "warning"));
        free(j);
        free(t);
        attrib_report_free(rep);
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

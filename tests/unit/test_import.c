/* mpi: 1 2 3 — the import pipeline as a library (attrib_import_run): the figures it
 * returns (rows, rejects by kind and reason, types, the reject-rate and epoch-seconds
 * failures) are the same at every rank count, and so is the store; the canonical links
 * (attrib_links_canonical) against a brute force, for any spread of the edges. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/csvsplit.h"
#include "attrib/err.h"
#include "attrib/h5io.h"
#include "attrib/import.h"
#include "attrib/par.h"
#include "attrib/table.h"
#include "attrib/timeparse.h"

static int fails;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)

static char dir[256];

static void put(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

/* A path in the test directory; each call's string lives to the end (64 at most). */
static const char *at(const char *name)
{
    static char paths[64][512];
    static int next;
    if (next == 64)
        abort();
    char *p = paths[next++];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static void write_inputs(void)
{
    put("camp.csv", "campaign_id,advertiser_id,name\n10,7,\"Ten, \"\"big\"\"\"\n11,7,Eleven\n"
                    "10,8,Dup\nx,7,Bad\n");
    /* Long quoted notes with newlines put range boundaries inside quotes at 2-3 ranks. */
    char *ev = malloc(1 << 16);
    size_t n = (size_t)sprintf(ev, "event_id,identity,timestamp,campaign_id,kind,note\n");
    for (int i = 1; i <= 40; i++)
        n += (size_t)sprintf(ev + n, "%d,id%d,%lld,%d,%s,\"n\n\"\"%d\"\"\nz\"\n", i, i % 7,
                             1790000000000LL + i, 10 + i % 2,
                             i % 3 ? "impression" : "engagement", i);
    strcpy(ev + n, "41,a,2026-10-01T12:00:00,10,impression,x\n" /* no zone */
                   "42,a,0,99,impression,x\n"                    /* unknown campaign */
                   "43,a,0,10,click,x\n"                         /* kind */
                   "44,,0,10,impression,x\n"                     /* empty identity */
                   "45,a,0,10,impression\n");                    /* columns */
    put("ev1.csv", ev);
    free(ev);
    put("ev2.csv", "event_id,identity,timestamp,campaign_id,kind\n50,b,2026-10-02T00:00:00Z,11,"
                   "nurture\n51,b,2026-10-02,11,impression\n");
    put("cv.csv", "conversion_id,identity,timestamp,advertiser_id,type,value\n"
                  "1,id1,1790000001000,7,purchase,10\n2,id2,1790000002000,7,signup,\n"
                  "3,id3,1790000003000,7,purchase,-1\n4,id4,1790000004000,7,\"a,b\",1\n");
    put("sec.csv", "event_id,identity,timestamp,campaign_id,kind\n1,a,1790000000000,10,impression\n"
                   "2,a,0,10,impression\n3,a,1790000000,10,impression\n");
}

static attrib_import_spec spec_of(const char *const *ev, size_t nev, const char *const *cv,
                                  const char *const *camp, const char *out, const char *rej)
{
    attrib_import_spec s;
    memset(&s, 0, sizeof s);
    s.paths[ATTRIB_CSV_EVENTS] = ev;
    s.npaths[ATTRIB_CSV_EVENTS] = nev;
    s.paths[ATTRIB_CSV_CONVERSIONS] = cv;
    s.npaths[ATTRIB_CSV_CONVERSIONS] = 1;
    s.paths[ATTRIB_CSV_CAMPAIGNS] = camp;
    s.npaths[ATTRIB_CSV_CAMPAIGNS] = 1;
    s.store_tmp = out;
    s.store_name = out;
    s.rejects_tmp = rej;
    s.max_reject_rate = 1;
    attrib_hash_key_default(&s.key);
    return s;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

static int cmp_pair(const void *x, const void *y)
{
    const uint64_t *a = x, *b = y;
    return a[0] != b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] != b[1] ? (a[1] < b[1] ? -1 : 1) : 0;
}

/* n global edges over `nv` vertices (many self links and repeats when nv is small), edge
 * i on rank owner(i); the canonical result gathered to every rank and compared with a
 * sort-unique of the same edges. `spread`: 0 round-robin, 1 all on the last rank, 2 in
 * blocks. */
static void test_canonical_case(const attrib_par *par, uint64_t n, uint64_t nv, int spread,
                                uint64_t seed)
{
    attrib_table t;
    attrib_table_init(&t, &attrib_schema_links, 1);
    uint64_t *all = malloc((2 * n + 2) * sizeof *all), nall = 0, nself = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t a = mix(seed ^ mix(2 * i)) % nv, b = mix(seed ^ mix(2 * i + 1)) % nv;
        a = mix(a); /* spread the vertex ids over u64 */
        b = mix(b);
        int owner = spread == 0 ? (int)(i % (uint64_t)par->size)
                    : spread == 1 ? par->size - 1
                                  : (int)(i * (uint64_t)par->size / n);
        if (owner == par->rank) {
            size_t r = attrib_table_push(&t);
            ATTRIB_COL(&t, ATTRIB_LK_A, uint64_t)[r] = a;
            ATTRIB_COL(&t, ATTRIB_LK_B, uint64_t)[r] = b;
        }
        if (a == b) {
            nself++;
            continue;
        }
        all[2 * nall] = a < b ? a : b;
        all[2 * nall + 1] = a < b ? b : a;
        nall++;
    }
    qsort(all, nall, 2 * sizeof *all, cmp_pair);
    uint64_t u = 0;
    for (uint64_t i = 0; i < nall; i++)
        if (u == 0 || cmp_pair(&all[2 * (u - 1)], &all[2 * i]) != 0) {
            all[2 * u] = all[2 * i];
            all[2 * u + 1] = all[2 * i + 1];
            u++;
        }
    attrib_links_figures f;
    CHECK(attrib_links_canonical(par, &t, &f) == 0);
    CHECK(f.read == n && f.self == nself && f.kept == u && f.repeats == n - nself - u);
    /* Gather in rank order. */
    int mine = (int)(2 * t.n), *cnt = malloc((size_t)par->size * sizeof *cnt),
        *dis = malloc((size_t)par->size * sizeof *dis);
    MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, par->comm);
    int tot = 0;
    for (int r = 0; r < par->size; r++) {
        dis[r] = tot;
        tot += cnt[r];
    }
    uint64_t *loc = malloc((t.n * 2 + 1) * sizeof *loc), *got = malloc(((size_t)tot + 1) * sizeof *got);
    for (size_t i = 0; i < t.n; i++) {
        loc[2 * i] = ATTRIB_COL(&t, ATTRIB_LK_A, uint64_t)[i];
        loc[2 * i + 1] = ATTRIB_COL(&t, ATTRIB_LK_B, uint64_t)[i];
    }
    MPI_Allgatherv(loc, mine, MPI_UINT64_T, got, cnt, dis, MPI_UINT64_T, par->comm);
    CHECK((uint64_t)tot == 2 * u && memcmp(got, all, (size_t)tot * sizeof *got) == 0);
    free(loc);
    free(got);
    free(cnt);
    free(dis);
    free(all);
    attrib_table_free(&t);
}

static void test_canonical(const attrib_par *par)
{
    test_canonical_case(par, 0, 10, 0, 1);          /* nothing */
    test_canonical_case(par, 1000, 1, 0, 2);        /* all self links */
    test_canonical_case(par, 1000, 2, 0, 3);        /* one edge, repeated on every rank */
    test_canonical_case(par, 5000, 60, 0, 4);       /* dense repeats and both directions */
    test_canonical_case(par, 5000, 60, 1, 5);       /* all on one rank */
    test_canonical_case(par, 20000, 100000, 2, 6);  /* sparse, few repeats, in blocks */
    test_canonical_case(par, 3, 1000, 2, 7);        /* fewer edges than ranks */
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    attrib_par par;
    attrib_par_init(&par, MPI_COMM_WORLD);
    par.progress = 0;
    if (par.rank == 0) {
        snprintf(dir, sizeof dir, "/tmp/attrib-test-import-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        write_inputs();
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    test_canonical(&par);

    const char *ev[2] = {at("ev1.csv"), at("ev2.csv")}, *cv[1] = {at("cv.csv")},
               *camp[1] = {at("camp.csv")};
    const char *out = at("in.h5"), *rej = at("rej.csv");

    /* Everything accepted or rejected by reason. */
    attrib_import_spec s = spec_of(ev, 2, cv, camp, out, rej);
    attrib_import_figures f;
    int rc = attrib_import_run(&par, &s, &f);
    CHECK(rc == 0);
    CHECK(f.files[ATTRIB_CSV_EVENTS] == 2 && f.files[ATTRIB_CSV_CAMPAIGNS] == 1);
    CHECK(f.rows[ATTRIB_CSV_CAMPAIGNS] == 2 && f.rejected[ATTRIB_CSV_CAMPAIGNS] == 2);
    CHECK(f.reasons[ATTRIB_CSV_CAMPAIGNS][ATTRIB_CSV_R_DUP_CAMPAIGN] == 1);
    CHECK(f.reasons[ATTRIB_CSV_CAMPAIGNS][ATTRIB_CSV_R_ID] == 1);
    CHECK(f.rows[ATTRIB_CSV_EVENTS] == 42 && f.rejected[ATTRIB_CSV_EVENTS] == 5);
    CHECK(f.reasons[ATTRIB_CSV_EVENTS][ATTRIB_CSV_R_TS_NO_ZONE] == 1);
    CHECK(f.reasons[ATTRIB_CSV_EVENTS][ATTRIB_CSV_R_UNKNOWN_CAMPAIGN] == 1);
    CHECK(f.reasons[ATTRIB_CSV_EVENTS][ATTRIB_CSV_R_KIND] == 1);
    CHECK(f.reasons[ATTRIB_CSV_EVENTS][ATTRIB_CSV_R_IDENTITY_EMPTY] == 1);
    CHECK(f.reasons[ATTRIB_CSV_EVENTS][ATTRIB_CSV_R_COLUMNS] == 1);
    CHECK(f.rows[ATTRIB_CSV_CONVERSIONS] == 3 && f.rejected[ATTRIB_CSV_CONVERSIONS] == 1);
    CHECK(f.reasons[ATTRIB_CSV_CONVERSIONS][ATTRIB_CSV_R_AMOUNT] == 1);
    CHECK(f.ntypes == 3);
    CHECK(f.total_rows == 2 + 2 + 42 + 5 + 3 + 1 && f.total_rejected == 8);
    CHECK(f.rejects_written && !f.rate_exceeded && !f.seconds_file);
    CHECK(f.bytes[ATTRIB_CSV_EVENTS] > 40 * 20);
    CHECK(par.size == 1 ? f.scanned_ranges == 0
                        : f.scanned_ranges == 3 * (uint64_t)(par.size - 1)); /* ev1, ev2, cv */
    uint64_t sum = 0;
    for (int k = 0; k < 3; k++)
        for (int r = 0; r < ATTRIB_CSV_NREASONS; r++)
            sum += f.reasons[k][r];
    CHECK(sum == f.total_rejected);
    if (par.rank == 0) {
        /* The rejects file lists them in input order, by physical line. */
        FILE *fp = fopen(rej, "r");
        char buf[4096];
        size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
        buf[n] = '\0';
        if (fp)
            fclose(fp);
        char want[2048];
        snprintf(want, sizeof want,
                 "file,line,reason\n%s,4,duplicate campaign_id in the catalog\n"
                 "%s,5,bad campaign_id\n"
                 "%s,122,timestamp has no time zone (add Z or +HH:MM)\n"
                 "%s,123,campaign_id not in the campaigns catalog\n%s,124,unknown kind\n"
                 "%s,125,empty identity\n%s,126,wrong column count\n%s,4,bad value\n",
                 camp[0], camp[0], ev[0], ev[0], ev[0], ev[0], ev[0], cv[0]);
        CHECK(strcmp(buf, want) == 0);
        if (strcmp(buf, want) != 0)
            fprintf(stderr, "rejects:\n%s\nwant:\n%s\n", buf, want);
    }

    /* The reject rate: EINPUT, the rejects file written, no store. */
    s = spec_of(ev, 2, cv, camp, at("rate.h5"), at("rate.csv"));
    s.max_reject_rate = 0.1;
    rc = attrib_import_run(&par, &s, &f);
    CHECK(rc == ATTRIB_EINPUT && f.rate_exceeded && f.rejects_written && f.total_rejected == 8);
    CHECK(access(at("rate.h5"), F_OK) != 0 && access(at("rate.csv"), F_OK) == 0);

    /* Epoch seconds without a unit: the first one, named; nothing written. */
    const char *sec[2] = {at("ev2.csv"), at("sec.csv")};
    s = spec_of(sec, 2, cv, camp, at("sec.h5"), at("sec_rej.csv"));
    rc = attrib_import_run(&par, &s, &f);
    CHECK(rc == ATTRIB_EINPUT && f.seconds_file && strcmp(f.seconds_file, sec[1]) == 0);
    CHECK(f.seconds_line == 4 && f.seconds_value == 1790000000);
    CHECK(strstr(attrib_err_msg(), "sec.csv:4: integer timestamp 1790000000") != NULL);
    CHECK(!strstr(attrib_err_msg(), "rank"));
    CHECK(!f.rejects_written && access(at("sec.h5"), F_OK) != 0 &&
          access(at("sec_rej.csv"), F_OK) != 0);
    /* With the unit stated. */
    s.ts_unit = ATTRIB_TIME_UNIT_S;
    s.store_tmp = s.store_name = at("sec_s.h5");
    rc = attrib_import_run(&par, &s, &f);
    CHECK(rc == 0 && f.rows[ATTRIB_CSV_EVENTS] == 4 && f.rejected[ATTRIB_CSV_EVENTS] == 1);
    CHECK(f.reasons[ATTRIB_CSV_EVENTS][ATTRIB_CSV_R_TS_RANGE] == 1); /* 1790000000000 s */
    s.ts_unit = ATTRIB_TIME_UNIT_MS;
    s.store_tmp = s.store_name = at("sec_ms.h5");
    rc = attrib_import_run(&par, &s, &f);
    CHECK(rc == 0 && f.rows[ATTRIB_CSV_EVENTS] == 5 && f.rejected[ATTRIB_CSV_EVENTS] == 0);

    /* A missing input: the file named, no rank. */
    const char *none[1] = {at("none.csv")};
    s = spec_of(none, 1, cv, camp, at("none.h5"), NULL);
    rc = attrib_import_run(&par, &s, &f);
    CHECK(rc == ATTRIB_EIO && strstr(attrib_err_msg(), "none.csv: cannot open") &&
          !strstr(attrib_err_msg(), "rank"));

    /* The split plan: one range per rank of a plain file, whole files round-robin. */
    attrib_csvsplit_file sf[3] = {{100, 0, 0}, {50, 1, 0}, {70, 0, 1}};
    attrib_csvsplit_unit *u;
    size_t nu = attrib_csvsplit_plan(&par, sf, 3, &u);
    CHECK(nu == (size_t)par.size + 2);
    CHECK(u[0].start == 0 && u[par.size - 1].end == UINT64_MAX && u[0].split == 1);
    for (int r = 1; r < par.size; r++)
        CHECK(u[r].start == u[r - 1].end && u[r].owner == r);
    CHECK(u[par.size].file == 1 && u[par.size].owner == 0 && !u[par.size].split);
    CHECK(u[par.size + 1].file == 2 && u[par.size + 1].owner == 0);
    free(u);

    int all = 0;
    MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    if (par.rank == 0) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
        printf("test_import: %s\n", all ? "FAILED" : "ok");
    }
    MPI_Finalize();
    return all != 0;
}

/* CSV tokenizer (RFC 4180 by quote parity), range starts, field and row parsers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/csv.h"
#include "attrib/err.h"
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

/* Parse all records of s (whole buffer, eof) into a flat description:
 * fields joined by '|', records by '\n', with "!" marking bad quoting. */
static void describe(const char *s, size_t n, char *out, size_t cap, size_t *nrec)
{
    attrib_csv_rec r;
    attrib_csv_rec_init(&r);
    size_t pos = 0, o = 0, used;
    *nrec = 0;
    out[0] = '\0';
    while (attrib_csv_next(&r, s + pos, s + n, 1, &used) == ATTRIB_CSV_REC) {
        for (size_t i = 0; i < r.nf; i++)
            o += (size_t)snprintf(out + o, cap - o, "%s%.*s", i ? "|" : "", (int)r.f[i].len,
                                  r.f[i].p);
        o += (size_t)snprintf(out + o, cap - o, "%s/%zu\n", r.bad_quote ? "!" : "", r.nlf);
        pos += used;
        (*nrec)++;
    }
    attrib_csv_rec_free(&r);
}

static void expect(const char *in, const char *want, size_t want_n)
{
    char got[1024];
    size_t n;
    describe(in, strlen(in), got, sizeof got, &n);
    if (strcmp(got, want) != 0 || n != want_n) {
        fprintf(stderr, "input  <%s>\ngot    <%s> (%zu records)\nwanted <%s> (%zu)\n", in, got, n,
                want, want_n);
        fails++;
    }
}

static void test_tokenizer(void)
{
    expect("a,b,c\n1,2,3\n", "a|b|c/1\n1|2|3/1\n", 2);
    expect("a,b,c\r\n1,2,3\r\n", "a|b|c/1\n1|2|3/1\n", 2);           /* CRLF */
    expect("a,b\n1,2", "a|b/1\n1|2/0\n", 2);                        /* no final LF */
    expect("a,b\r\n1,2\r", "a|b/1\n1|2/0\n", 2);                    /* final CR */
    expect("a,,\n,,\n", "a||/1\n||/1\n", 2);                        /* empty fields */
    expect("\"x,y\",\"he said \"\"hi\"\"\"\n", "x,y|he said \"hi\"/1\n", 1);
    expect("\"line1\nline2\",b\nc,d\n", "line1\nline2|b/2\nc|d/1\n", 2); /* quoted LF */
    expect("\"a\r\nb\",c\r\n", "a\r\nb|c/2\n", 1);                  /* quoted CRLF kept */
    expect("\"\",\"\"\"\"\n", "|\"/1\n", 1);                        /* empty and lone quote */
    expect("\"q\"\r\n", "q/1\n", 1);
    expect("\n\r\nx\n", "/1\n/1\nx/1\n", 3);                        /* blank lines */
    /* Malformed quoting: records still end by quote parity. */
    expect("ab\"c,d\ne\"f\ng,h\n", "ab!/2\ng|h/1\n", 2);
    expect("\"a\"x,b\nc\n", "a!/1\nc/1\n", 2);
    expect("\"open,b\nc\n", "open,b\nc\n!/2\n", 1);                 /* never closed */
    expect("a,\"b\"", "a|b/0\n", 1);
    /* Field pointers survive scratch growth in long records with many quoted fields. */
    {
        char big[8192];
        size_t o = 0;
        for (int i = 0; i < 400; i++)
            o += (size_t)sprintf(big + o, "%s\"f%03d\"", i ? "," : "", i);
        big[o++] = '\n';
        attrib_csv_rec r;
        attrib_csv_rec_init(&r);
        size_t used;
        CHECK(attrib_csv_next(&r, big, big + o, 1, &used) == ATTRIB_CSV_REC && used == o);
        CHECK(r.nf == 400);
        if (r.nf == 400)
            CHECK(r.f[399].len == 4 && memcmp(r.f[399].p, "f399", 4) == 0 &&
                  memcmp(r.f[0].p, "f000", 4) == 0);
        attrib_csv_rec_free(&r);
    }
}

/* Feeding a buffer in growing windows (as the file reader does) gives the same
 * records as the whole buffer at once. */
static void test_windows(void)
{
    const char *s = "id,\"na\nme\",v\r\n1,\"x\"\"y\",2\r\n\"3\",,\"\"\r\n4,\"z\n\",\"5\"";
    size_t n = strlen(s);
    char whole[1024];
    size_t nrec;
    describe(s, n, whole, sizeof whole, &nrec);
    for (size_t step = 1; step <= n; step++) {
        attrib_csv_rec r;
        attrib_csv_rec_init(&r);
        char got[1024];
        size_t o = 0, pos = 0, avail = step < n ? step : n, used, cnt = 0;
        got[0] = '\0';
        for (;;) {
            int eof = avail == n;
            int rc = attrib_csv_next(&r, s + pos, s + avail, eof, &used);
            if (rc == ATTRIB_CSV_END)
                break;
            if (rc == ATTRIB_CSV_NEED_MORE) {
                CHECK(!eof);
                avail = avail + step < n ? avail + step : n;
                continue;
            }
            for (size_t i = 0; i < r.nf; i++)
                o += (size_t)snprintf(got + o, sizeof got - o, "%s%.*s", i ? "|" : "",
                                      (int)r.f[i].len, r.f[i].p);
            o += (size_t)snprintf(got + o, sizeof got - o, "%s/%zu\n", r.bad_quote ? "!" : "",
                                  r.nlf);
            pos += used;
            cnt++;
        }
        attrib_csv_rec_free(&r);
        if (strcmp(got, whole) != 0 || cnt != nrec) {
            fprintf(stderr, "window %zu: got <%s> want <%s>\n", step, got, whole);
            fails++;
            break;
        }
    }
}

/* For every split point k, the record start a rank finds from k (knowing only the
 * quote parity before k) is the first record start after k of a sequential parse. */
static void check_splits(const char *s)
{
    size_t n = strlen(s);
    size_t starts[256], ns = 0, pos = 0, used;
    attrib_csv_rec r;
    attrib_csv_rec_init(&r);
    while (attrib_csv_next(&r, s + pos, s + n, 1, &used) == ATTRIB_CSV_REC) {
        pos += used;
        starts[ns++] = pos; /* a record starts after each record end */
    }
    attrib_csv_rec_free(&r);
    for (size_t k = 0; k < n; k++) {
        uint64_t q = 0, l = 0;
        attrib_csv_count(s, k, &q, &l);
        int inq = (int)(q & 1);
        size_t st = 0;
        uint64_t nlf = 0;
        int found = attrib_csv_find_row_start(s + k, n - k, &inq, &st, &nlf);
        size_t want = n;
        for (size_t i = 0; i < ns; i++)
            if (starts[i] > k && starts[i] < want)
                want = starts[i];
        size_t got = found ? k + st : n;
        /* A record "starting" at n is the end of the input: no record. */
        if (got != want) {
            fprintf(stderr, "split at %zu of <%s>: start %zu, want %zu\n", k, s, got, want);
            fails++;
            return;
        }
        uint64_t q2 = 0, l2 = 0;
        attrib_csv_count(s + k, got - k, &q2, &l2);
        CHECK(l2 == nlf);
    }
}

static void test_splits(void)
{
    check_splits("a,b\n1,\"x\ny\"\n2,\"\"\"\n\"\n3,z\n");
    check_splits("h\n\"a\n\n\",\"b\"\"\n\"\"c\"\r\nq\"w\ne\"r\nlast");
    check_splits("\n\n\"\n\"\n\"\"\n,\n");
}

static void test_numbers(void)
{
    uint64_t u;
    CHECK(attrib_csv_parse_u64("0", 1, &u) == 0 && u == 0);
    CHECK(attrib_csv_parse_u64("18446744073709551615", 20, &u) == 0 && u == UINT64_MAX);
    CHECK(attrib_csv_parse_u64("18446744073709551616", 20, &u) < 0);
    CHECK(attrib_csv_parse_u64("", 0, &u) < 0);
    CHECK(attrib_csv_parse_u64("-1", 2, &u) < 0);
    CHECK(attrib_csv_parse_u64(" 1", 2, &u) < 0);
    CHECK(attrib_csv_parse_u64("1x", 2, &u) < 0);
    double d;
    static const char *good[] = {"0", "1.5", "0.1", "123456.789", "+2", ".5", "3.", "1e3",
                                 "2.5E-3", "0.30000000000000004", "12345678901234567890",
                                 "1.7976931348623157e308", "4.9e-324", "0.000000000000000000001"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int rc = attrib_csv_parse_amount(good[i], strlen(good[i]), &d);
        CHECK(rc == 0);
        if (rc == 0 && d != strtod(good[i], NULL)) {
            fprintf(stderr, "amount '%s': %.17g != strtod %.17g\n", good[i], d,
                    strtod(good[i], NULL));
            fails++;
        }
    }
    /* The fast path is exact: every 2-decimal amount below 10^6 equals strtod. */
    for (int i = 0; i < 100000000; i += 9973) {
        char b[32];
        int len = snprintf(b, sizeof b, "%d.%02d", i / 100, i % 100);
        CHECK(attrib_csv_parse_amount(b, (size_t)len, &d) == 0 && d == strtod(b, NULL));
    }
    static const char *bad[] = {"", "-1", "-0", "nan", "NaN", "inf", "Infinity", "0x10", "1e",
                                "1e+", "1.2.3", "1,5", " 1", "1 ", ".", "+", "1e400", "e5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (attrib_csv_parse_amount(bad[i], strlen(bad[i]), &d) == 0) {
            fprintf(stderr, "amount '%s' accepted\n", bad[i]);
            fails++;
        }
    }
}

static attrib_csv_rec g_rec;
static const attrib_csv_rec *rec_of(const char *line)
{
    size_t used;
    int rc = attrib_csv_next(&g_rec, line, line + strlen(line), 1, &used);
    CHECK(rc == ATTRIB_CSV_REC);
    return &g_rec;
}

static void test_header(void)
{
    attrib_csv_header h;
    const char *missing;
    int dup;
    CHECK(attrib_csv_header_parse(&h, ATTRIB_CSV_EVENTS,
                                  rec_of("\xEF\xBB\xBFkind,extra,timestamp,identity,campaign_id,"
                                         "event_id\r\n"),
                                  &missing, &dup) == 0);
    CHECK(h.ncols == 6 && h.at[ATTRIB_CSV_STR] == 0 && h.at[ATTRIB_CSV_ID] == 5 &&
          h.at[ATTRIB_CSV_AMOUNT] == -1 && h.at[ATTRIB_CSV_TS] == 2);
    CHECK(attrib_csv_header_parse(&h, ATTRIB_CSV_EVENTS,
                                  rec_of("event_id,identity,timestamp,kind,cost\n"), &missing,
                                  &dup) == ATTRIB_EINPUT);
    CHECK(missing && strcmp(missing, "campaign_id") == 0 && !dup);
    CHECK(attrib_csv_header_parse(&h, ATTRIB_CSV_CAMPAIGNS,
                                  rec_of("campaign_id,name,advertiser_id,name\n"), &missing,
                                  &dup) == ATTRIB_EINPUT);
    CHECK(dup && strcmp(missing, "name") == 0);
    CHECK(attrib_csv_header_parse(&h, ATTRIB_CSV_CONVERSIONS,
                                  rec_of("value,type,advertiser_id,timestamp,identity,"
                                         "conversion_id\n"),
                                  &missing, &dup) == 0);
}

static attrib_hash_key g_key;
static int g_unit = ATTRIB_TIME_UNIT_NONE;

static int row(attrib_csv_kind kind, const char *header, const char *line, attrib_csv_values *v)
{
    attrib_csv_header h;
    const char *missing;
    int dup;
    if (attrib_csv_header_parse(&h, kind, rec_of(header), &missing, &dup) != 0)
        return -1;
    const attrib_csv_parse_opts o = {&g_key, g_unit};
    return attrib_csv_parse_row(&h, rec_of(line), &o, v);
}

static void test_rows(void)
{
    attrib_hash_key_parse(ATTRIB_HASH_DEFAULT_KEY, &g_key);
    const char *eh = "event_id,identity,timestamp,campaign_id,kind,cost";
    attrib_csv_values v;
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "7,alice@x,1000,3,engagement,0.25", &v) == 0);
    CHECK(v.id == 7 && v.ts == 1000 && v.ref == 3 && v.kind == ATTRIB_KIND_ENGAGEMENT &&
          v.amount == 0.25 && v.identity == attrib_identity_hash(&g_key, "alice@x", 7));
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "7,\"a,b\",2026-10-01T12:00:00.250+02:00,3,nurture,", &v) ==
              0 &&
          v.ts == 1790848800250LL && v.amount == 0 && v.kind == ATTRIB_KIND_NURTURE &&
          v.identity == attrib_identity_hash(&g_key, "a,b", 3));
    CHECK(row(ATTRIB_CSV_EVENTS, "identity,event_id,campaign_id,kind,timestamp",
              "bob,8,4,impression,0", &v) == 0 &&
          v.amount == 0 && v.id == 8 && v.ref == 4);
    char longid[300];
    memset(longid, 'x', sizeof longid);
    char line[512];
    snprintf(line, sizeof line, "1,%.257s,0,1,impression,0", longid);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, line, &v) == ATTRIB_CSV_R_IDENTITY_LONG);
    snprintf(line, sizeof line, "1,%.256s,0,1,impression,0", longid);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, line, &v) == 0);
    static const struct { const char *line; int reason; } ev[] = {
        {"1,a,0,1,impression", ATTRIB_CSV_R_COLUMNS},
        {"1,a,0,1,impression,0,9", ATTRIB_CSV_R_COLUMNS},
        {"1,a\"b,0,1,impression,0", ATTRIB_CSV_R_QUOTING},
        {"x,a,0,1,impression,0", ATTRIB_CSV_R_ID},
        {"18446744073709551616,a,0,1,impression,0", ATTRIB_CSV_R_ID},
        {"1,,0,1,impression,0", ATTRIB_CSV_R_IDENTITY_EMPTY},
        {"1,a,2026-13-01T00:00:00Z,1,impression,0", ATTRIB_CSV_R_TS},
        {"1,a,,1,impression,0", ATTRIB_CSV_R_TS},
        {"1,a,0,4294967296,impression,0", ATTRIB_CSV_R_REF},
        {"1,a,0,-1,impression,0", ATTRIB_CSV_R_REF},
        {"1,a,0,1,click,0", ATTRIB_CSV_R_KIND},
        {"1,a,0,1,Impression,0", ATTRIB_CSV_R_KIND},
        {"1,a,0,1,impression,NaN", ATTRIB_CSV_R_AMOUNT},
        {"1,a,0,1,impression,inf", ATTRIB_CSV_R_AMOUNT},
        {"1,a,0,1,impression,-0.5", ATTRIB_CSV_R_AMOUNT},
        {"1,a,0,1,impression,abc", ATTRIB_CSV_R_AMOUNT},
    };
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++) {
        int got = row(ATTRIB_CSV_EVENTS, eh, ev[i].line, &v);
        if (got != ev[i].reason) {
            fprintf(stderr, "events row '%s': reason %d (%s), want %d (%s)\n", ev[i].line, got,
                    attrib_csv_reason_str(ATTRIB_CSV_EVENTS, got), ev[i].reason,
                    attrib_csv_reason_str(ATTRIB_CSV_EVENTS, ev[i].reason));
            fails++;
        }
    }
    const char *ch = "conversion_id,identity,timestamp,advertiser_id,type,value";
    CHECK(row(ATTRIB_CSV_CONVERSIONS, ch, "5,a,2026-10-01,9,purchase,19.99", &v) == 0 &&
          v.ts == 1790812800000LL && v.ref == 9 && v.str_len == 8 &&
          memcmp(v.str, "purchase", 8) == 0 && v.amount == 19.99);
    CHECK(row(ATTRIB_CSV_CONVERSIONS, ch, "5,a,0,9,,1", &v) == ATTRIB_CSV_R_TYPE_EMPTY);
    CHECK(row(ATTRIB_CSV_CONVERSIONS, ch, "5,a,0,9,123456789012345678901234567890123,1", &v) ==
          ATTRIB_CSV_R_TYPE_LONG);
    CHECK(row(ATTRIB_CSV_CONVERSIONS, ch, "5,a,0,9,12345678901234567890123456789012,1", &v) == 0);
    CHECK(row(ATTRIB_CSV_CONVERSIONS, ch, "5,a,0,9,x,1e999", &v) == ATTRIB_CSV_R_AMOUNT);
    CHECK(row(ATTRIB_CSV_CONVERSIONS, ch, "5,a,0,x,t,1", &v) == ATTRIB_CSV_R_REF);
    const char *kh = "name,campaign_id,advertiser_id";
    CHECK(row(ATTRIB_CSV_CAMPAIGNS, kh, "\"Spring, \"\"sale\"\"\",10,7", &v) == 0 && v.id == 10 &&
          v.ref == 7 && v.str_len == 14 && memcmp(v.str, "Spring, \"sale\"", 14) == 0);
    CHECK(row(ATTRIB_CSV_CAMPAIGNS, kh, "n,4294967296,7", &v) == ATTRIB_CSV_R_ID);
    CHECK(row(ATTRIB_CSV_CAMPAIGNS, kh, "n,1,x", &v) == ATTRIB_CSV_R_REF);
    CHECK(row(ATTRIB_CSV_CAMPAIGNS, kh, ",1,2", &v) == 0 && v.str_len == 0);
    /* Reason texts name the column and never repeat row data. */
    CHECK(strcmp(attrib_csv_reason_str(ATTRIB_CSV_EVENTS, ATTRIB_CSV_R_ID), "bad event_id") == 0);
    CHECK(strcmp(attrib_csv_reason_str(ATTRIB_CSV_EVENTS, ATTRIB_CSV_R_REF), "bad campaign_id") ==
          0);
    CHECK(strcmp(attrib_csv_reason_str(ATTRIB_CSV_CONVERSIONS, ATTRIB_CSV_R_AMOUNT),
                 "bad value") == 0);
    for (int r = 1; r < ATTRIB_CSV_NREASONS; r++)
        CHECK(strcmp(attrib_csv_reason_str(ATTRIB_CSV_EVENTS, r), "accepted") != 0 &&
              !strchr(attrib_csv_reason_str(ATTRIB_CSV_EVENTS, r), ','));
}

/* Links rows: identity_a and identity_b by name in any order, each 1..256 bytes (any
 * bytes), hashed as event identities are; a self link and both directions are accepted
 * here (dropping them is the import's); reasons name the column. */
static void test_links(void)
{
    const char *lh = "x,identity_b,identity_a";
    attrib_csv_values v, e;
    attrib_csv_header h;
    const char *missing;
    int dup;
    CHECK(attrib_csv_header_parse(&h, ATTRIB_CSV_LINKS, rec_of("identity_a,extra\n"), &missing,
                                  &dup) == ATTRIB_EINPUT &&
          strcmp(missing, "identity_b") == 0 && !dup);
    CHECK(attrib_csv_header_parse(&h, ATTRIB_CSV_LINKS,
                                  rec_of("identity_b,identity_a,identity_b\n"), &missing,
                                  &dup) == ATTRIB_EINPUT &&
          dup && strcmp(missing, "identity_b") == 0);
    /* "identity" alone is not a links column. */
    CHECK(attrib_csv_header_parse(&h, ATTRIB_CSV_LINKS, rec_of("identity,identity_b\n"), &missing,
                                  &dup) == ATTRIB_EINPUT &&
          strcmp(missing, "identity_a") == 0);
    CHECK(row(ATTRIB_CSV_LINKS, lh, "1,\"bob, b\",alice", &v) == 0);
    CHECK(row(ATTRIB_CSV_EVENTS, "event_id,identity,timestamp,campaign_id,kind", "1,alice,0,1,nurture",
              &e) == 0 &&
          v.identity == e.identity);
    CHECK(row(ATTRIB_CSV_EVENTS, "event_id,identity,timestamp,campaign_id,kind",
              "1,\"bob, b\",0,1,nurture", &e) == 0 &&
          v.identity_b == e.identity && v.identity != v.identity_b);
    CHECK(row(ATTRIB_CSV_LINKS, lh, "1,alice,alice", &v) == 0 && v.identity == v.identity_b);
    CHECK(row(ATTRIB_CSV_LINKS, lh, "1,alice", &v) == ATTRIB_CSV_R_COLUMNS);
    CHECK(row(ATTRIB_CSV_LINKS, lh, "1,alice,b,c", &v) == ATTRIB_CSV_R_COLUMNS);
    CHECK(row(ATTRIB_CSV_LINKS, lh, "1,alice,", &v) == ATTRIB_CSV_R_IDENTITY_EMPTY);
    CHECK(row(ATTRIB_CSV_LINKS, lh, "1,,alice", &v) == ATTRIB_CSV_R_IDENTITY_B_EMPTY);
    CHECK(row(ATTRIB_CSV_LINKS, lh, "1,\"\",alice", &v) == ATTRIB_CSV_R_IDENTITY_B_EMPTY);
    CHECK(row(ATTRIB_CSV_LINKS, lh, "1,\"a\"b,c", &v) == ATTRIB_CSV_R_QUOTING);
    char line[700], id[300];
    memset(id, 'x', sizeof id);
    snprintf(line, sizeof line, "1,%.256s,%.256s", id, id);
    CHECK(row(ATTRIB_CSV_LINKS, lh, line, &v) == 0);
    snprintf(line, sizeof line, "1,%.256s,%.257s", id, id);
    CHECK(row(ATTRIB_CSV_LINKS, lh, line, &v) == ATTRIB_CSV_R_IDENTITY_LONG);
    snprintf(line, sizeof line, "1,%.257s,%.256s", id, id);
    CHECK(row(ATTRIB_CSV_LINKS, lh, line, &v) == ATTRIB_CSV_R_IDENTITY_B_LONG);
    CHECK(strcmp(attrib_csv_reason_str(ATTRIB_CSV_LINKS, ATTRIB_CSV_R_IDENTITY_EMPTY),
                 "empty identity_a") == 0);
    CHECK(strcmp(attrib_csv_reason_str(ATTRIB_CSV_EVENTS, ATTRIB_CSV_R_IDENTITY_EMPTY),
                 "empty identity") == 0);
    CHECK(strcmp(attrib_csv_reason_str(ATTRIB_CSV_LINKS, ATTRIB_CSV_R_IDENTITY_B_LONG),
                 "identity_b longer than 256 bytes") == 0);
    CHECK(strcmp(attrib_csv_kind_names[ATTRIB_CSV_LINKS], "links") == 0);
}

/* Integer timestamps and their unit: an integer that looks like epoch seconds is never
 * taken silently; seconds are multiplied by 1000 exactly (overflow checked); ISO text
 * is the same under every unit; a time of day without a zone has its own reason. */
static void test_timestamp_units(void)
{
    const char *eh = "event_id,identity,timestamp,campaign_id,kind,cost";
    attrib_csv_values v;
    g_unit = ATTRIB_TIME_UNIT_NONE;
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,1790856000,1,impression,0", &v) ==
              ATTRIB_CSV_R_TS_SECONDS &&
          v.ts == 1790856000);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,100000000,1,impression,0", &v) ==
          ATTRIB_CSV_R_TS_SECONDS);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,99999999999,1,impression,0", &v) ==
          ATTRIB_CSV_R_TS_SECONDS);
    /* Just outside the range: milliseconds as before. */
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,99999999,1,impression,0", &v) == 0 && v.ts == 99999999);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,100000000000,1,impression,0", &v) == 0 &&
          v.ts == 100000000000LL);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,1790856000000,1,impression,0", &v) == 0 &&
          v.ts == 1790856000000LL);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,-100000000,1,impression,0", &v) == 0 &&
          v.ts == -100000000LL);
    /* ms: the ambiguous range is taken as milliseconds. */
    g_unit = ATTRIB_TIME_UNIT_MS;
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,1790856000,1,impression,0", &v) == 0 &&
          v.ts == 1790856000LL);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,1790856000000,1,impression,0", &v) == 0 &&
          v.ts == 1790856000000LL);
    /* s: every integer is seconds. */
    g_unit = ATTRIB_TIME_UNIT_S;
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,1790856000,1,impression,0", &v) == 0 &&
          v.ts == 1790856000000LL);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,-86400,1,impression,0", &v) == 0 && v.ts == -86400000LL);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,0,1,impression,0", &v) == 0 && v.ts == 0);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,253402300799,1,impression,0", &v) == 0 &&
          v.ts == 253402300799000LL);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,253402300800,1,impression,0", &v) ==
          ATTRIB_CSV_R_TS_RANGE);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,9223372036854775,1,impression,0", &v) ==
          ATTRIB_CSV_R_TS_RANGE);
    CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,9223372036854776,1,impression,0", &v) ==
          ATTRIB_CSV_R_TS_RANGE); /* x1000 overflows int64 */
    /* ISO is read the same whatever the unit; no zone is its own reason. */
    static const int units[] = {ATTRIB_TIME_UNIT_NONE, ATTRIB_TIME_UNIT_MS, ATTRIB_TIME_UNIT_S};
    for (int u = 0; u < 3; u++) {
        g_unit = units[u];
        CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,2026-10-01T12:00:00.250+02:00,1,impression,0",
                  &v) == 0 &&
              v.ts == 1790848800250LL);
        CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,2026-10-01,1,impression,0", &v) == 0 &&
              v.ts == 1790812800000LL);
        CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,2026-10-01T12:00:00,1,impression,0", &v) ==
              ATTRIB_CSV_R_TS_NO_ZONE);
        CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,2026-10-01T12:00:00.250,1,impression,0", &v) ==
              ATTRIB_CSV_R_TS_NO_ZONE);
        CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,2026-10-01T12:00,1,impression,0", &v) ==
              ATTRIB_CSV_R_TS);
        CHECK(row(ATTRIB_CSV_EVENTS, eh, "1,a,2026-10-01T25:00:00,1,impression,0", &v) ==
              ATTRIB_CSV_R_TS);
    }
    g_unit = ATTRIB_TIME_UNIT_NONE;
    CHECK(strcmp(attrib_csv_reason_str(ATTRIB_CSV_EVENTS, ATTRIB_CSV_R_TS_NO_ZONE),
                 "timestamp has no time zone (add Z or +HH:MM)") == 0);
}

int main(void)
{
    attrib_csv_rec_init(&g_rec);
    test_tokenizer();
    test_windows();
    test_splits();
    test_numbers();
    test_header();
    test_rows();
    test_timestamp_units();
    test_links();
    attrib_csv_rec_free(&g_rec);
    printf("test_csv: %s\n", fails ? "FAILED" : "ok");
    return fails != 0;
}

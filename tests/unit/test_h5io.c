/* mpi: 1 2 3 */
/* Unit tests of the HDF5 store (src/io/h5io.c) on MPI_COMM_WORLD.
 *
 * Every table of every schema is written with deterministic values (a function of the
 * global row and the column), each rank contributing a share: the events table through
 * scattered segments held out of order locally, with chunks smaller than one rank's
 * share so that chunks are shared between ranks; the others through one contiguous
 * slab per rank, some ranks with no rows. Every rank then reads everything back and
 * compares every value. Also: string lists, root attributes, and the rejection of
 * missing tables, missing columns, wrong types, garbage and truncated files.
 *
 * With an argument PATH the file written is left at PATH (tests/e2e/export_h5py.sh
 * checks it with h5py, h5dump and `attrib export`).
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/err.h"
#include "attrib/h5io.h"
#include "attrib/par.h"
#include "attrib/table.h"

static int failures;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: rank %d: check failed: %s (last error: %s)\n", __FILE__,       \
                    __LINE__, rank, #c, attrib_err_msg());                                         \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)
static int rank, nranks;

/* Rows of each table: events spans several test-sized chunks; report/daily_touch is
 * empty; campaigns has fewer rows than ranks at 3 ranks. */
static uint64_t table_rows(const attrib_schema *s)
{
    if (s == &attrib_schema_events)
        return 1000;
    if (s == &attrib_schema_report_daily_touch)
        return 0;
    if (s == &attrib_schema_campaigns)
        return 2 + 5; /* small, with a name of every kind below */
    if (s == &attrib_schema_report_advertiser)
        return 2;
    return 37;
}

static const char *const type_names[] = {"click_through", "purchase", "signup, \"trial\""};
#define NTYPES 3

static const char *str_value(const attrib_schema *s, size_t c, uint64_t g, char *buf)
{
    if (strcmp(s->cols[c].name, "day") == 0) {
        sprintf(buf, "2026-10-%02u", (unsigned)(g % 28 + 1));
        return buf;
    }
    static const char *const names[] = {"Spring sale", "Spring \"Sale\", 2026", "x", "multi\nline",
                                        "caf\xc3\xa9 cr\xc3\xa8me"};
    return names[g % 5];
}

/* The value of column c at global row g, written into `out` (elem size bytes). */
static void value(const attrib_schema *s, size_t c, uint64_t g, void *out, size_t strw)
{
    const attrib_colspec *cs = &s->cols[c];
    uint64_t h = (g + 1) * 0x9E3779B97F4A7C15ull ^ (c * 0x51ull);
    char buf[64];
    switch (cs->type) {
    case ATTRIB_T_U8: {
        size_t n = 0;
        while (cs->enum_names && cs->enum_names[n])
            n++;
        *(uint8_t *)out = (uint8_t)(n ? g % n : h);
        break;
    }
    case ATTRIB_T_U16:
        *(uint16_t *)out = (uint16_t)(g % NTYPES);
        break;
    case ATTRIB_T_U32:
        *(uint32_t *)out = g == 1 ? UINT32_MAX : (uint32_t)(g * 7 + c);
        break;
    case ATTRIB_T_U64:
        *(uint64_t *)out = g == 2 ? UINT64_MAX : h;
        break;
    case ATTRIB_T_I64:
        *(int64_t *)out = ((int64_t)g - 5) * 1234567 + (int64_t)c;
        break;
    case ATTRIB_T_F64: {
        double d = g * 0.1 + (double)c;
        if (g % 17 == 3)
            d = NAN;
        else if (g % 17 == 4)
            d = g % 2 ? INFINITY : -INFINITY;
        else if (g % 17 == 5)
            d = -1e-300 / 3;
        *(double *)out = d;
        break;
    }
    case ATTRIB_T_STR: {
        const char *v = str_value(s, c, g, buf);
        memset(out, 0, strw);
        memcpy(out, v, strlen(v) < strw ? strlen(v) : strw);
        break;
    }
    }
}

/* Fill local row r with the values of global row g. */
static void fill_row(attrib_table *t, size_t r, uint64_t g)
{
    for (size_t c = 0; c < t->schema->ncols; c++) {
        size_t es = attrib_table_elem_size(t, c);
        value(t->schema, c, g, (char *)t->col[c] + r * es, es);
    }
}

static int check_table(const attrib_table *t, uint64_t first)
{
    int bad = 0;
    unsigned char want[256];
    for (size_t r = 0; r < t->n && bad < 5; r++)
        for (size_t c = 0; c < t->schema->ncols; c++) {
            size_t es = attrib_table_elem_size(t, c);
            value(t->schema, c, first + r, want, es);
            /* bytewise, so that NaN equals NaN */
            if (memcmp(want, (const char *)t->col[c] + r * es, es) != 0) {
                fprintf(stderr, "rank %d: /%s/%s row %llu differs\n", rank, t->schema->name,
                        t->schema->cols[c].name, (unsigned long long)(first + r));
                bad++;
            }
        }
    return bad;
}

/* Events: this rank owns the stripes of 7 rows g with (g / 7) % nranks == rank, held
 * locally in reverse stripe order, so the writer must reorder to file order. */
static void write_events(attrib_h5file *f, uint64_t total)
{
    attrib_table t;
    attrib_table_init(&t, &attrib_schema_events, 1);
    attrib_h5seg *segs = attrib_xcalloc(total / 7 + 2, sizeof *segs);
    size_t nseg = 0;
    uint64_t nstripes = (total + 6) / 7;
    for (uint64_t k = nstripes; k-- > 0;) {
        if (k % (uint64_t)nranks != (uint64_t)rank)
            continue;
        uint64_t g0 = k * 7, cnt = total - g0 < 7 ? total - g0 : 7;
        segs[nseg] = (attrib_h5seg){t.n, g0, cnt};
        /* an empty segment, too, which must be ignored */
        if (nseg == 1)
            segs[++nseg] = (attrib_h5seg){t.n, 0, 0};
        nseg++;
        for (uint64_t i = 0; i < cnt; i++)
            fill_row(&t, attrib_table_push(&t), g0 + i);
    }
    CHECK(attrib_h5_write_table_segs(f, &t, segs, nseg, total, 3) == 0);
    free(segs);
    attrib_table_free(&t);
}

/* Any other table: a contiguous slab per rank, the last rank taking the remainder. */
static void write_slab(attrib_h5file *f, const attrib_schema *s, uint64_t total, int level)
{
    attrib_par p;
    attrib_par_init(&p, MPI_COMM_WORLD);
    uint64_t per = total / (uint64_t)nranks, off = per * (uint64_t)rank;
    uint64_t n = rank == nranks - 1 ? total - off : per;
    attrib_table t;
    attrib_table_init(&t, s, 1);
    /* Widths differ between ranks until agreed: the longest value decides. */
    for (size_t c = 0; c < s->ncols; c++)
        if (s->cols[c].type == ATTRIB_T_STR) {
            size_t w = 1;
            char buf[64];
            for (uint64_t g = off; g < off + n; g++)
                if (strlen(str_value(s, c, g, buf)) > w)
                    w = strlen(str_value(s, c, g, buf));
            attrib_table_set_strw(&t, c, w);
        }
    attrib_par_agree_strw(&p, &t);
    for (uint64_t g = off; g < off + n; g++)
        fill_row(&t, attrib_table_push(&t), g);
    if (s != &attrib_schema_report_daily) {
        CHECK(attrib_h5_write_table(f, &t, off, total, level) == 0);
        attrib_table_free(&t);
        return;
    }
    /* The table in two collective blocks per rank (the way `gen` writes). */
    CHECK(attrib_h5_table_create(f, s, total, t.strw, level) == 0);
    for (int half = 0; half < 2; half++) {
        attrib_table b;
        attrib_table_init(&b, s, 1);
        for (size_t c = 0; c < s->ncols; c++)
            if (s->cols[c].type == ATTRIB_T_STR)
                attrib_table_set_strw(&b, c, t.strw[c]);
        uint64_t from = half ? n / 2 : 0, to = half ? n : n / 2;
        attrib_table_append(&b, &t, from, to - from);
        CHECK(attrib_h5_table_write_block(f, &b, off + from) == 0);
        attrib_table_free(&b);
    }
    /* A block past the end on one rank fails every rank, without a hang. */
    attrib_table one;
    attrib_table_init(&one, s, 1);
    if (rank == 0)
        attrib_table_resize(&one, 1);
    CHECK(attrib_h5_table_write_block(f, &one, total) == ATTRIB_EINTERNAL);
    attrib_table_free(&one);
    attrib_table_free(&t);
}

static void read_back(attrib_h5file *f, const attrib_schema *s)
{
    uint64_t rows = 99;
    CHECK(attrib_h5_table_rows(f, s, &rows) == 0);
    CHECK(rows == table_rows(s));
    attrib_table t;
    CHECK(attrib_h5_read_table(f, s, 0, rows, &t) == 0);
    CHECK(t.n == rows);
    CHECK(check_table(&t, 0) == 0);
    attrib_table_free(&t);
    /* Different ranges on different ranks, some empty. */
    uint64_t start = rows ? (uint64_t)rank * 3 % rows : 0;
    uint64_t count = rank == 1 ? 0 : (rows - start < 11 ? rows - start : 11);
    CHECK(attrib_h5_read_table(f, s, start, count, &t) == 0);
    CHECK(t.n == count && check_table(&t, start) == 0);
    attrib_table_free(&t);
    /* Past the end is bad input, not a crash. */
    CHECK(attrib_h5_read_table(f, s, rows, 1, &t) == ATTRIB_EINPUT);
}

static int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);

    char path[512], bad[600], trunc[600];
    if (rank == 0) {
        if (argc > 1)
            snprintf(path, sizeof path, "%s", argv[1]);
        else
            snprintf(path, sizeof path, "%s/test_h5io_%ld.h5",
                     getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    }
    MPI_Bcast(path, sizeof path, MPI_CHAR, 0, MPI_COMM_WORLD);
    snprintf(bad, sizeof bad, "%s.garbage", path);
    snprintf(trunc, sizeof trunc, "%s.trunc", path);

    CHECK(attrib_h5_register_zstd() == 0);
    CHECK(attrib_h5_register_zstd() == 0);
    attrib_h5_set_chunk_rows(64);

    /* ---- write ---- */
    attrib_h5file *f = NULL;
    CHECK(attrib_h5_create(MPI_COMM_WORLD, path, &f) == 0);
    if (!f) {
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    write_events(f, table_rows(&attrib_schema_events));
    for (size_t i = 0; attrib_schemas[i]; i++)
        if (attrib_schemas[i] != &attrib_schema_events)
            /* level 0 (no filter) for one table, to cover that path */
            write_slab(f, attrib_schemas[i], table_rows(attrib_schemas[i]),
                       attrib_schemas[i] == &attrib_schema_report_advertiser ? 0 : 3);
    CHECK(attrib_h5_write_strings(f, "conversions/type_names", type_names, NTYPES) == 0);
    CHECK(attrib_h5_write_strings(f, "meta/empty_list", NULL, 0) == 0);
    CHECK(attrib_h5_set_attr_i64(f, "schema_version", ATTRIB_SCHEMA_VERSION) == 0);
    CHECK(attrib_h5_set_attr_str(f, "identity_hash", "siphash-2-4 key_id=0123456789abcdef") == 0);
    CHECK(attrib_h5_set_attr_str(f, "source_files", "a.csv\nb.csv.gz") == 0);
    CHECK(attrib_h5_set_attr_str(f, "empty", "") == 0);
    CHECK(attrib_h5_set_attr_str(f, "empty", "replaced") == 0);
    CHECK(attrib_h5_set_attr_f64(f, "wall_s", 1.25) == 0);
    /* Rules texts can exceed HDF5's 64 KiB limit of compact attribute storage. */
    char *big = attrib_xmalloc(200001);
    for (size_t i = 0; i < 200000; i++)
        big[i] = (char)('a' + i % 26);
    big[200000] = 0;
    CHECK(attrib_h5_set_attr_str(f, "rules", big) == 0);
    /* A table written twice is an error, not a corrupt file. */
    {
        attrib_table t;
        attrib_table_init(&t, &attrib_schema_report_daily_touch, 1);
        CHECK(attrib_h5_write_table(f, &t, 0, 0, 3) == ATTRIB_EIO);
        CHECK(contains(attrib_err_msg(), path) && contains(attrib_err_msg(), "report/daily_touch"));
        /* Bad segments on one rank fail every rank without a hang. */
        attrib_h5seg seg = {0, 0, rank == nranks - 1 ? 5 : 0};
        CHECK(attrib_h5_write_table_segs(f, &t, &seg, 1, 0, 3) == ATTRIB_EINTERNAL);
        attrib_table_free(&t);
    }
    CHECK(attrib_h5_close(f) == 0);

    /* ---- read back ---- */
    CHECK(attrib_h5_open(MPI_COMM_WORLD, path, &f) == 0);
    if (!f) {
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (size_t i = 0; attrib_schemas[i]; i++)
        read_back(f, attrib_schemas[i]);
    CHECK(attrib_h5_exists(f, "/events") == 1);
    CHECK(attrib_h5_exists(f, "report/campaign") == 1);
    CHECK(attrib_h5_exists(f, "report/nope") == 0);
    CHECK(attrib_h5_exists(f, "nope/deeper") == 0);

    char **names = NULL;
    size_t nnames = 0;
    CHECK(attrib_h5_read_strings(f, "conversions/type_names", &names, &nnames) == 0);
    CHECK(nnames == NTYPES);
    for (size_t i = 0; i < nnames && i < NTYPES; i++)
        CHECK(strcmp(names[i], type_names[i]) == 0);
    attrib_strlist_free(names, nnames);
    CHECK(attrib_h5_read_strings(f, "/meta/empty_list", &names, &nnames) == 0);
    CHECK(nnames == 0);
    attrib_strlist_free(names, nnames);
    CHECK(attrib_h5_read_strings(f, "conversions/nope", &names, &nnames) == ATTRIB_EINPUT);
    CHECK(attrib_h5_read_strings(f, "events/ts", &names, &nnames) == ATTRIB_EINPUT);
    CHECK(contains(attrib_err_msg(), "/events/ts"));

    int64_t v = 0;
    char *s = NULL;
    CHECK(attrib_h5_get_attr_i64(f, "schema_version", &v) == 0 && v == ATTRIB_SCHEMA_VERSION);
    CHECK(attrib_h5_get_attr_str(f, "identity_hash", &s) == 0 && s &&
          strcmp(s, "siphash-2-4 key_id=0123456789abcdef") == 0);
    free(s);
    CHECK(attrib_h5_get_attr_str(f, "source_files", &s) == 0 && s &&
          strcmp(s, "a.csv\nb.csv.gz") == 0);
    free(s);
    CHECK(attrib_h5_get_attr_str(f, "empty", &s) == 0 && s && strcmp(s, "replaced") == 0);
    free(s);
    CHECK(attrib_h5_get_attr_str(f, "rules", &s) == 0 && s && strcmp(s, big) == 0);
    free(s);
    free(big);
    s = NULL;
    CHECK(attrib_h5_get_attr_str(f, "missing", &s) == ATTRIB_EINPUT && s == NULL);
    CHECK(contains(attrib_err_msg(), "missing") && contains(attrib_err_msg(), path));
    CHECK(attrib_h5_get_attr_i64(f, "identity_hash", &v) == ATTRIB_EINPUT);
    CHECK(attrib_h5_get_attr_str(f, "wall_s", &s) == ATTRIB_EINPUT);

    /* Schemas that disagree with the file: a missing column, a wrong type, an unknown
     * enum name, a missing group. (Unequal lengths: tests/e2e/h5_bad_files.sh.) */
    attrib_schema extra = attrib_schema_campaigns;
    extra.cols[extra.ncols++] = (attrib_colspec){"budget", ATTRIB_T_F64, NULL};
    uint64_t rows;
    CHECK(attrib_h5_table_rows(f, &extra, &rows) == ATTRIB_EINPUT);
    CHECK(contains(attrib_err_msg(), path) && contains(attrib_err_msg(), "/campaigns/budget"));
    attrib_schema wrong = attrib_schema_events;
    wrong.cols[ATTRIB_EV_TS].type = ATTRIB_T_F64;
    CHECK(attrib_h5_table_rows(f, &wrong, &rows) == ATTRIB_EINPUT);
    CHECK(contains(attrib_err_msg(),
                   "/events/ts: expected 64-bit float, found 64-bit signed integer"));
    wrong = attrib_schema_events;
    wrong.cols[ATTRIB_EV_EVENT_ID].type = ATTRIB_T_I64;
    CHECK(attrib_h5_table_rows(f, &wrong, &rows) == ATTRIB_EINPUT);
    CHECK(contains(attrib_err_msg(),
                   "expected 64-bit signed integer, found 64-bit unsigned integer"));
    wrong = attrib_schema_campaigns;
    wrong.cols[ATTRIB_CA_NAME].type = ATTRIB_T_U32;
    attrib_table t;
    CHECK(attrib_h5_read_table(f, &wrong, 0, 1, &t) == ATTRIB_EINPUT);
    CHECK(contains(attrib_err_msg(), "found fixed-length string"));
    static const char *const other_kinds[] = {"impression", "click", NULL};
    wrong = attrib_schema_events;
    wrong.cols[ATTRIB_EV_KIND].enum_names = other_kinds;
    CHECK(attrib_h5_table_rows(f, &wrong, &rows) == ATTRIB_EINPUT);
    CHECK(contains(attrib_err_msg(), "unknown enum name"));
    attrib_schema missing = attrib_schema_credits;
    missing.name = "results/credits";
    CHECK(attrib_h5_table_rows(f, &missing, &rows) == ATTRIB_EINPUT);
    CHECK(contains(attrib_err_msg(), "results/credits"));
    attrib_schema mixed = {
        "events", 2, {{"event_id", ATTRIB_T_U64, NULL}, {"ts", ATTRIB_T_I64, NULL}}};
    CHECK(attrib_h5_table_rows(f, &mixed, &rows) == 0 && rows == 1000);
    CHECK(attrib_h5_close(f) == 0);

    /* ---- files that are not (whole) HDF5 files ---- */
    if (rank == 0) {
        FILE *g = fopen(bad, "wb");
        fputs("conversion_id,identity\n1,2\n", g);
        fclose(g);
        FILE *in = fopen(path, "rb"), *out = fopen(trunc, "wb");
        char buf[4096];
        fseek(in, 0, SEEK_END);
        long len = ftell(in), done = 0;
        fseek(in, 0, SEEK_SET);
        while (done < len / 2) {
            size_t k = fread(
                buf, 1,
                sizeof buf < (size_t)(len / 2 - done) ? sizeof buf : (size_t)(len / 2 - done), in);
            if (k == 0)
                break;
            fwrite(buf, 1, k, out);
            done += (long)k;
        }
        fclose(in);
        fclose(out);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    f = NULL;
    CHECK(attrib_h5_open(MPI_COMM_WORLD, bad, &f) == ATTRIB_EINPUT && f == NULL);
    CHECK(contains(attrib_err_msg(), bad) && contains(attrib_err_msg(), "not an HDF5 file"));
    CHECK(attrib_h5_open(MPI_COMM_WORLD, trunc, &f) == ATTRIB_EINPUT && f == NULL);
    CHECK(contains(attrib_err_msg(), trunc));
    attrib_h5_close(f);
    CHECK(attrib_h5_open(MPI_COMM_WORLD, "/nonexistent/x.h5", &f) == ATTRIB_EIO && f == NULL);
    CHECK(contains(attrib_err_msg(), "/nonexistent/x.h5"));
    CHECK(attrib_h5_create(MPI_COMM_WORLD, "/nonexistent/x.h5", &f) == ATTRIB_EIO && f == NULL);

    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        remove(bad);
        remove(trunc);
        if (argc <= 1)
            remove(path);
    }
    int all = 0;
    MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        printf("test_h5io: %d ranks, %s\n", nranks, all ? "FAILED" : "ok");
    MPI_Finalize();
    return all ? 1 : 0;
}

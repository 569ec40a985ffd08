/* attrib import — CSV drops (SPEC 2.1) into one columnar HDF5 input file (SPEC 2.2).
 *
 * The input is a list of work units with a global order: every campaigns file whole
 * (rank 0 reads the catalog), then each events and conversions file either split into
 * one byte range per rank (plain files) or whole (compressed files, round-robin over
 * ranks). A range starts at the first record that begins after its first byte; with
 * the quote parity at that byte (an MPI_Exscan of '"' counts) this is exact even with
 * quoted newlines. Each unit's accepted rows go to global positions computed from the
 * per-unit counts, so the file's tables are the same for any number of ranks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attrib/cmd.h"
#include "attrib/csv.h"
#include "attrib/csvfile.h"
#include "attrib/err.h"
#include "attrib/h5io.h"
#include "attrib/hash.h"
#include "attrib/par.h"
#include "attrib/table.h"
#include "attrib/timeparse.h"

/* Level 1 with shuffle: most of level 3's ratio on these columns at a fraction of the
 * cost, and import is meant to keep up with a CSV reader. */
#define IMPORT_ZSTD_LEVEL 1

const char attrib_usage_import[] =
    "usage: attrib import --events F [--events F ...] --conversions F [--conversions F ...]\n"
    "                     --campaigns F [--campaigns F ...] [--rejects R.csv]\n"
    "                     [--max-reject-rate 0.001] [--hash-key HEX32] [-q] -o in.h5\n"
    "\n"
    "Read CSV drops of touch events, conversions and the campaigns catalog into one\n"
    "columnar HDF5 file for `attrib run`.\n"
    "\n"
    "  --events F          touch events: event_id, identity, timestamp, campaign_id, kind\n"
    "                      (impression|engagement|nurture), cost (optional, default 0)\n"
    "  --conversions F     conversions: conversion_id, identity, timestamp, advertiser_id,\n"
    "                      type, value (optional, default 0)\n"
    "  --campaigns F       the catalog: campaign_id, advertiser_id, name\n"
    "  -o, --output FILE   the HDF5 file to write (via FILE.tmp, renamed when complete)\n"
    "  --rejects R.csv     write every rejected row as file,line,reason (never row data)\n"
    "  --max-reject-rate F fail when more than this fraction of all data rows (all\n"
    "                      kinds together) is rejected (default 0.001). The output is\n"
    "                      then not written, but the rejects file still is: it says why.\n"
    "  --hash-key HEX32    128-bit key of the identity hash (else $ATTRIB_HASH_KEY, else a\n"
    "                      public default key)\n"
    "  -q, --quiet         no progress lines on stderr\n"
    "\n"
    "Files are UTF-8 CSV (RFC 4180 quoting, LF or CRLF, optional BOM) with one header\n"
    "line; columns are found by name in any order and extra columns are ignored. Each\n"
    "option may be repeated; files are read in the order given. Names ending in .gz or\n"
    ".zst are decompressed. Timestamps are integer milliseconds since the Unix epoch or\n"
    "ISO 8601 with a zone (2026-10-01T12:00:00Z, 2026-10-01T12:00:00.250+02:00).\n"
    "Blank lines are skipped. Line numbers in the rejects file are physical lines of the\n"
    "(decompressed) file, of the first line of the row.\n"
    "\n"
    "Under `mpirun -n N` plain files are split into N byte ranges and compressed files\n"
    "are shared out whole; the output is the same for any N. Exit codes: 0 success,\n"
    "2 usage or bad input (a missing column, a truncated .gz, too many rejects),\n"
    "3 internal or MPI failure.\n";

typedef struct infile {
    const char *path;
    attrib_csv_kind kind;
    attrib_csvfile_codec codec;
    uint64_t size;
    attrib_csv_header hdr;
} infile;

typedef struct unit {
    size_t file;
    int owner;
    int split;           /* one of several byte ranges of a plain file */
    uint64_t start, end; /* raw byte range: records whose preceding LF is in [start, end) */
    /* Owner-local: */
    int parity;          /* quote parity at `start` */
    uint64_t line0;      /* line number of the byte at `start` */
    uint64_t accepted, rejected, bytes;
    size_t local_start;  /* first row in the rank's table of this kind */
    size_t rej_start, rej_len; /* the unit's lines in the rank's rejects text */
} unit;

typedef struct u32set {
    uint32_t *key;
    unsigned char *used;
    size_t mask;
} u32set;

typedef struct typemap {
    char **names;
    size_t n, cap;
    uint32_t *slot; /* index + 1, 0 empty */
    size_t mask;
} typemap;

typedef struct importer {
    attrib_par par;
    attrib_hash_key key;
    infile *files;
    size_t nfiles;
    unit *units;
    size_t nunits;
    attrib_table tab[3];
    u32set camps;
    typemap types;
    attrib_csv_rec rec;
    char *rej;
    size_t rej_len, rej_cap;
} importer;

/* ---- small containers ---- */

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c *= 2;
    return c;
}

static void u32set_init(u32set *s, size_t n)
{
    size_t cap = pow2_at_least(2 * n + 1);
    s->key = attrib_xcalloc(cap, sizeof *s->key);
    s->used = attrib_xcalloc(cap, 1);
    s->mask = cap - 1;
}

static void u32set_free(u32set *s)
{
    free(s->key);
    free(s->used);
    memset(s, 0, sizeof *s);
}

/* Returns 1 when k was already there. The set never fills: sized for all keys. */
static int u32set_insert(u32set *s, uint32_t k, int insert)
{
    size_t i = (size_t)attrib_mix64(k) & s->mask;
    while (s->used[i]) {
        if (s->key[i] == k)
            return 1;
        i = (i + 1) & s->mask;
    }
    if (insert) {
        s->used[i] = 1;
        s->key[i] = k;
    }
    return 0;
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void typemap_rehash(typemap *m, size_t cap)
{
    free(m->slot);
    m->slot = attrib_xcalloc(cap, sizeof *m->slot);
    m->mask = cap - 1;
    for (size_t j = 0; j < m->n; j++) {
        size_t i = (size_t)fnv1a(m->names[j], strlen(m->names[j])) & m->mask;
        while (m->slot[i])
            i = (i + 1) & m->mask;
        m->slot[i] = (uint32_t)(j + 1);
    }
}

/* Local id of a type name (added when new). */
static uint32_t typemap_get(typemap *m, const char *s, size_t len)
{
    if (!m->slot)
        typemap_rehash(m, 64);
    size_t i = (size_t)fnv1a(s, len) & m->mask;
    while (m->slot[i]) {
        const char *n = m->names[m->slot[i] - 1];
        if (strlen(n) == len && memcmp(n, s, len) == 0)
            return m->slot[i] - 1;
        i = (i + 1) & m->mask;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;
        m->names = attrib_xrealloc(m->names, m->cap * sizeof *m->names);
    }
    char *c = attrib_xmalloc(len + 1);
    memcpy(c, s, len);
    c[len] = '\0';
    m->names[m->n] = c;
    m->slot[i] = (uint32_t)(++m->n);
    if (2 * m->n > m->mask)
        typemap_rehash(m, 2 * (m->mask + 1));
    return (uint32_t)(m->n - 1);
}

static void typemap_free(typemap *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->names[i]);
    free(m->names);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* ---- rejects ---- */

static void rej_append(importer *im, const char *s, size_t n)
{
    if (im->rej_len + n > im->rej_cap) {
        im->rej_cap = pow2_at_least(im->rej_len + n + 1024);
        im->rej = attrib_xrealloc(im->rej, im->rej_cap);
    }
    memcpy(im->rej + im->rej_len, s, n);
    im->rej_len += n;
}

/* A CSV field, quoted when it must be. */
static void rej_field(importer *im, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        rej_append(im, s, strlen(s));
        return;
    }
    rej_append(im, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            rej_append(im, "\"", 1);
        rej_append(im, s, 1);
    }
    rej_append(im, "\"", 1);
}

static void reject(importer *im, const infile *fi, uint64_t line, int reason)
{
    char buf[128];
    rej_field(im, fi->path);
    int n = snprintf(buf, sizeof buf, ",%llu,%s\n", (unsigned long long)line,
                     attrib_csv_reason_str(fi->kind, reason));
    rej_append(im, buf, (size_t)n);
}

/* ---- reading ---- */

/* Read the header record of a file (rank 0). */
static int read_header(importer *im, infile *fi)
{
    attrib_csvfile *f;
    ATTRIB_TRY(attrib_csvfile_open(fi->path, 0, 1 << 16, &f));
    const char *p;
    size_t n, used;
    int eof, rc, r;
    ATTRIB_TRY_GOTO(rc, attrib_csvfile_window(f, 0, &p, &n, &eof), out);
    while ((r = attrib_csv_next(&im->rec, p, p + n, eof, &used)) == ATTRIB_CSV_NEED_MORE)
        ATTRIB_TRY_GOTO(rc, attrib_csvfile_window(f, 0, &p, &n, &eof), out);
    if (r == ATTRIB_CSV_END) {
        rc = attrib_err_set(ATTRIB_EINPUT, "'%s': empty file (no header line)", fi->path);
        goto out;
    }
    if (im->rec.bad_quote) {
        rc = attrib_err_set(ATTRIB_EINPUT, "%s:1: malformed quoting in the header line",
                            fi->path);
        goto out;
    }
    const char *col;
    int dup;
    if (attrib_csv_header_parse(&fi->hdr, fi->kind, &im->rec, &col, &dup) < 0) {
        rc = attrib_err_set(ATTRIB_EINPUT,
                            dup ? "%s:1: column '%s' appears twice in the header of %s file"
                                : "%s:1: missing column '%s' in the header of %s file",
                            fi->path, col, attrib_csv_kind_names[fi->kind]);
        goto out;
    }
    rc = 0;
out:
    attrib_csvfile_close(f);
    return rc;
}

/* Quote and LF counts of a unit's raw range (for the parity and line numbers of the
 * ranges after it). */
static int count_range(const infile *fi, const unit *u, uint64_t *quotes, uint64_t *lfs)
{
    if (u->end <= u->start)
        return 0;
    attrib_csvfile *f;
    ATTRIB_TRY(attrib_csvfile_open(fi->path, u->start, 0, &f));
    uint64_t left = u->end - u->start;
    int rc = 0, eof = 0;
    const char *p;
    size_t n = 0;
    while (left > 0) {
        ATTRIB_TRY_GOTO(rc, attrib_csvfile_window(f, n, &p, &n, &eof), out);
        size_t take = n < left ? n : (size_t)left;
        attrib_csv_count(p, take, quotes, lfs);
        left -= take;
        if (eof)
            break;
    }
out:
    attrib_csvfile_close(f);
    return rc;
}

static void store_row(importer *im, attrib_csv_kind kind, const attrib_csv_values *v, uint32_t type)
{
    attrib_table *t = &im->tab[kind];
    if (t->n == t->cap)
        attrib_table_reserve(t, t->cap ? 2 * t->cap : 1 << 16);
    size_t i = t->n++;
    switch (kind) {
    case ATTRIB_CSV_EVENTS:
        ATTRIB_COL(t, EV_EVENT_ID, uint64_t)[i] = v->id;
        ATTRIB_COL(t, EV_IDENTITY, uint64_t)[i] = v->identity;
        ATTRIB_COL(t, EV_TS, int64_t)[i] = v->ts;
        ATTRIB_COL(t, EV_CAMPAIGN_ID, uint32_t)[i] = v->ref;
        ATTRIB_COL(t, EV_KIND, uint8_t)[i] = v->kind;
        ATTRIB_COL(t, EV_COST, double)[i] = v->amount;
        break;
    case ATTRIB_CSV_CONVERSIONS:
        ATTRIB_COL(t, CV_CONVERSION_ID, uint64_t)[i] = v->id;
        ATTRIB_COL(t, CV_IDENTITY, uint64_t)[i] = v->identity;
        ATTRIB_COL(t, CV_TS, int64_t)[i] = v->ts;
        ATTRIB_COL(t, CV_ADVERTISER_ID, uint32_t)[i] = v->ref;
        ATTRIB_COL(t, CV_TYPE, uint16_t)[i] = (uint16_t)type;
        ATTRIB_COL(t, CV_VALUE, double)[i] = v->amount;
        break;
    case ATTRIB_CSV_CAMPAIGNS:
        ATTRIB_COL(t, CA_CAMPAIGN_ID, uint32_t)[i] = (uint32_t)v->id;
        ATTRIB_COL(t, CA_ADVERTISER_ID, uint32_t)[i] = v->ref;
        if (v->str_len > t->strw[CA_NAME])
            attrib_table_set_strw(t, CA_NAME, v->str_len);
        attrib_table_set_str(t, CA_NAME, i, v->str, v->str_len);
        break;
    }
}

/* One row: parse, check against the catalog, store or reject. */
static int handle_row(importer *im, const infile *fi, unit *u, uint64_t line)
{
    attrib_csv_values v;
    int reason = attrib_csv_parse_row(&fi->hdr, &im->rec, &im->key, &v);
    uint32_t type = 0;
    if (reason == ATTRIB_CSV_OK) {
        if (fi->kind == ATTRIB_CSV_CAMPAIGNS) {
            if (u32set_insert(&im->camps, (uint32_t)v.id, 1))
                reason = ATTRIB_CSV_R_DUP_CAMPAIGN;
        } else if (fi->kind == ATTRIB_CSV_EVENTS) {
            if (!u32set_insert(&im->camps, v.ref, 0))
                reason = ATTRIB_CSV_R_UNKNOWN_CAMPAIGN;
        } else {
            type = typemap_get(&im->types, v.str, v.str_len);
            if (type > UINT16_MAX)
                return attrib_err_set(ATTRIB_EINPUT,
                                      "%s:%llu: more than 65536 distinct conversion types",
                                      fi->path, (unsigned long long)line);
        }
    }
    if (reason != ATTRIB_CSV_OK) {
        reject(im, fi, line, reason);
        u->rejected++;
        return 0;
    }
    store_row(im, fi->kind, &v, type);
    u->accepted++;
    return 0;
}

static int process_unit(importer *im, unit *u)
{
    const infile *fi = &im->files[u->file];
    u->local_start = im->tab[fi->kind].n;
    u->rej_start = im->rej_len;
    attrib_csvfile *f;
    ATTRIB_TRY(attrib_csvfile_open(fi->path, u->start, 0, &f));
    const char *p;
    size_t n, pos = 0;
    int eof, rc;
    uint64_t line = 1;
    ATTRIB_TRY_GOTO(rc, attrib_csvfile_window(f, 0, &p, &n, &eof), out);
    if (u->start > 0) {
        /* Skip to the first record that begins after `start`: it is ours when the LF
         * before it lies in our range. */
        int inq = u->parity;
        uint64_t lfs = 0;
        for (;;) {
            uint64_t woff = attrib_csvfile_offset(f);
            size_t lim = u->end <= woff ? 0 : (u->end - woff < n ? (size_t)(u->end - woff) : n);
            uint64_t nl;
            int found = attrib_csv_find_row_start(p, lim, &inq, &pos, &nl);
            lfs += nl;
            if (found)
                break;
            if (lim < n || eof || woff + n >= u->end)
                goto out; /* no record starts in this range */
            ATTRIB_TRY_GOTO(rc, attrib_csvfile_window(f, n, &p, &n, &eof), out);
        }
        line = u->line0 + lfs;
    }
    for (;;) {
        uint64_t s = attrib_csvfile_offset(f) + pos;
        if (s > 0 && s - 1 >= u->end)
            break;
        size_t used;
        int r = attrib_csv_next(&im->rec, p + pos, p + n, eof, &used);
        if (r == ATTRIB_CSV_NEED_MORE) {
            ATTRIB_TRY_GOTO(rc, attrib_csvfile_window(f, pos, &p, &n, &eof), out);
            pos = 0;
            continue;
        }
        if (r == ATTRIB_CSV_END)
            break;
        const attrib_csv_rec *rec = &im->rec;
        int blank = rec->nf == 1 && rec->f[0].len == 0 && !rec->f[0].quoted && !rec->bad_quote;
        if (s > 0 && !blank)
            ATTRIB_TRY_GOTO(rc, handle_row(im, fi, u, line), out);
        line += rec->nlf;
        pos += used;
        u->bytes += used;
    }
    rc = 0;
out:
    attrib_csvfile_close(f);
    u->rej_len = im->rej_len - u->rej_start;
    return rc;
}

/* ---- phases ---- */

static int collect_header_info(importer *im)
{
    int rc = 0;
    if (im->par.rank == 0) {
        for (size_t i = 0; i < im->nfiles && rc == 0; i++) {
            infile *fi = &im->files[i];
            rc = attrib_csvfile_stat(fi->path, &fi->size);
            if (rc == 0)
                rc = read_header(im, fi);
        }
    }
    ATTRIB_TRY(attrib_par_agree(&im->par, rc));
    /* Every rank needs each file's size and column map. */
    size_t w = 2 + ATTRIB_CSV_NSLOTS;
    int64_t *buf = attrib_xcalloc(im->nfiles * w, sizeof *buf);
    for (size_t i = 0; i < im->nfiles && im->par.rank == 0; i++) {
        buf[i * w] = (int64_t)im->files[i].size;
        buf[i * w + 1] = im->files[i].hdr.ncols;
        for (int s = 0; s < ATTRIB_CSV_NSLOTS; s++)
            buf[i * w + 2 + s] = im->files[i].hdr.at[s];
    }
    if (MPI_Bcast(buf, (int)(im->nfiles * w), MPI_INT64_T, 0, im->par.comm) != MPI_SUCCESS)
        attrib_par_die(&im->par, "MPI_Bcast of the CSV headers failed");
    for (size_t i = 0; i < im->nfiles; i++) {
        infile *fi = &im->files[i];
        fi->size = (uint64_t)buf[i * w];
        fi->hdr.kind = (int)fi->kind;
        fi->hdr.ncols = (int)buf[i * w + 1];
        for (int s = 0; s < ATTRIB_CSV_NSLOTS; s++)
            fi->hdr.at[s] = (int)buf[i * w + 2 + s];
    }
    free(buf);
    return 0;
}

static void make_units(importer *im)
{
    const int N = im->par.size;
    size_t cap = im->nfiles * (size_t)N, rr = 0;
    im->units = attrib_xcalloc(cap, sizeof *im->units);
    for (size_t i = 0; i < im->nfiles; i++) {
        const infile *fi = &im->files[i];
        if (fi->kind != ATTRIB_CSV_CAMPAIGNS && fi->codec == ATTRIB_CODEC_NONE) {
            for (int r = 0; r < N; r++) {
                unit *u = &im->units[im->nunits++];
                u->file = i;
                u->owner = r;
                u->split = 1;
                u->start = (uint64_t)((unsigned __int128)fi->size * (unsigned)r / (unsigned)N);
                u->end = r == N - 1 ? UINT64_MAX
                                    : (uint64_t)((unsigned __int128)fi->size * (unsigned)(r + 1) /
                                                 (unsigned)N);
            }
        } else {
            unit *u = &im->units[im->nunits++];
            u->file = i;
            u->owner = fi->kind == ATTRIB_CSV_CAMPAIGNS ? 0 : (int)(rr++ % (size_t)N);
            u->start = 0;
            u->end = UINT64_MAX;
        }
    }
}

/* Quote parity and line number at the start of each of this rank's ranges. */
static int scan_ranges(importer *im)
{
    /* Indexed by file: a file's ranges are owned by ranks 0..N-1 in order, so the
     * exclusive scan over ranks of the per-range counts is the count before a range. */
    size_t nf = im->nfiles;
    uint64_t *mine = attrib_xcalloc(2 * nf, sizeof *mine);
    uint64_t *before = attrib_xcalloc(2 * nf, sizeof *before);
    int rc = 0;
    for (size_t k = 0; k < im->nunits && rc == 0; k++) {
        unit *u = &im->units[k];
        /* The last range's counts are nobody's prefix. */
        if (!u->split || u->owner != im->par.rank || u->owner == im->par.size - 1)
            continue;
        uint64_t end = u->end;
        u->end = end < im->files[u->file].size ? end : im->files[u->file].size;
        rc = count_range(&im->files[u->file], u, &mine[2 * u->file], &mine[2 * u->file + 1]);
        u->end = end;
    }
    rc = attrib_par_agree(&im->par, rc);
    if (rc == 0) {
        if (MPI_Exscan(mine, before, (int)(2 * nf), MPI_UINT64_T, MPI_SUM, im->par.comm) !=
            MPI_SUCCESS)
            attrib_par_die(&im->par, "MPI_Exscan of quote counts failed");
        for (size_t k = 0; k < im->nunits; k++) {
            unit *u = &im->units[k];
            if (u->owner != im->par.rank || !u->split)
                continue;
            uint64_t q = im->par.rank ? before[2 * u->file] : 0;
            uint64_t l = im->par.rank ? before[2 * u->file + 1] : 0;
            u->parity = (int)(q & 1);
            u->line0 = l + 1;
        }
    }
    free(mine);
    free(before);
    return rc;
}

/* Parse this rank's units of one kind; return global rows and bytes. */
static int parse_kind(importer *im, attrib_csv_kind kind, uint64_t *rows, uint64_t *rejected,
                      uint64_t *bytes)
{
    int rc = 0;
    uint64_t a = 0, r = 0, b = 0;
    for (size_t k = 0; k < im->nunits && rc == 0; k++) {
        unit *u = &im->units[k];
        if (im->files[u->file].kind != kind || u->owner != im->par.rank)
            continue;
        rc = process_unit(im, u);
        a += u->accepted;
        r += u->rejected;
        b += u->bytes;
    }
    ATTRIB_TRY(attrib_par_agree(&im->par, rc));
    *rows = attrib_par_sum_u64(&im->par, a);
    *rejected = attrib_par_sum_u64(&im->par, r);
    *bytes = attrib_par_sum_u64(&im->par, b);
    return 0;
}

/* The catalog's ids, from rank 0 to all, as the set touches are checked against. */
static int share_catalog(importer *im)
{
    attrib_table *t = &im->tab[ATTRIB_CSV_CAMPAIGNS];
    uint64_t n = t->n;
    MPI_Bcast(&n, 1, MPI_UINT64_T, 0, im->par.comm);
    uint32_t *ids = attrib_xmalloc((n ? n : 1) * sizeof *ids);
    if (im->par.rank == 0)
        memcpy(ids, t->col[CA_CAMPAIGN_ID], n * sizeof *ids);
    if (MPI_Bcast(ids, (int)n, MPI_UINT32_T, 0, im->par.comm) != MPI_SUCCESS)
        attrib_par_die(&im->par, "MPI_Bcast of the campaign catalog failed");
    if (im->par.rank != 0) {
        u32set_free(&im->camps);
        u32set_init(&im->camps, n);
        for (uint64_t i = 0; i < n; i++)
            u32set_insert(&im->camps, ids[i], 1);
    }
    free(ids);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Global sorted type names; remap the local type ids to indexes into them. */
static int merge_types(importer *im, char ***names_out, size_t *n_out)
{
    typemap *m = &im->types;
    size_t len = 0;
    for (size_t i = 0; i < m->n; i++)
        len += strlen(m->names[i]) + 1;
    char *mine = attrib_xmalloc(len + 1);
    for (size_t i = 0, o = 0; i < m->n; i++) {
        size_t l = strlen(m->names[i]) + 1;
        memcpy(mine + o, m->names[i], l);
        o += l;
    }
    int N = im->par.size, mylen = (int)len;
    int *lens = attrib_xmalloc((size_t)N * sizeof *lens), *displs = attrib_xmalloc((size_t)N * sizeof *displs);
    MPI_Allgather(&mylen, 1, MPI_INT, lens, 1, MPI_INT, im->par.comm);
    size_t total = 0;
    for (int r = 0; r < N; r++) {
        displs[r] = (int)total;
        total += (size_t)lens[r];
    }
    char *all = attrib_xmalloc(total + 1);
    if (MPI_Allgatherv(mine, mylen, MPI_CHAR, all, lens, displs, MPI_CHAR, im->par.comm) !=
        MPI_SUCCESS)
        attrib_par_die(&im->par, "MPI_Allgatherv of conversion types failed");
    size_t cnt = 0;
    for (size_t o = 0; o < total; o++)
        cnt += all[o] == '\0';
    char **names = attrib_xmalloc((cnt ? cnt : 1) * sizeof *names);
    size_t k = 0;
    for (size_t o = 0; o < total; o += strlen(all + o) + 1)
        names[k++] = all + o;
    qsort(names, cnt, sizeof *names, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < cnt; i++)
        if (u == 0 || strcmp(names[u - 1], names[i]) != 0)
            names[u++] = names[i];
    int rc = 0;
    if (u > (size_t)UINT16_MAX + 1)
        rc = attrib_err_set(ATTRIB_EINPUT, "more than 65536 distinct conversion types (%zu)", u);
    if (rc == 0) {
        uint16_t *remap = attrib_xmalloc((m->n ? m->n : 1) * sizeof *remap);
        for (size_t i = 0; i < m->n; i++) {
            const char *key = m->names[i];
            char **hit = bsearch(&key, names, u, sizeof *names, cmp_str);
            remap[i] = (uint16_t)(hit - names);
        }
        attrib_table *t = &im->tab[ATTRIB_CSV_CONVERSIONS];
        uint16_t *col = ATTRIB_COL(t, CV_TYPE, uint16_t);
        for (size_t i = 0; i < t->n; i++)
            col[i] = remap[col[i]];
        free(remap);
        char **out = attrib_xmalloc((u ? u : 1) * sizeof *out);
        for (size_t i = 0; i < u; i++)
            out[i] = attrib_xstrdup(names[i]);
        *names_out = out;
        *n_out = u;
    }
    free(names);
    free(all);
    free(lens);
    free(displs);
    free(mine);
    return rc;
}

/* Gather every unit's rejects text to rank 0, in unit order, and write the file. */
static int write_rejects(importer *im, const char *path, const uint64_t *rej_len)
{
    int N = im->par.size;
    int *cnt = attrib_xcalloc((size_t)N, sizeof *cnt), *displs = attrib_xcalloc((size_t)N, sizeof *displs);
    uint64_t total = 0;
    for (size_t k = 0; k < im->nunits; k++)
        total += rej_len[k];
    if (total > (uint64_t)INT32_MAX) {
        free(cnt);
        free(displs);
        return attrib_err_set(ATTRIB_EINPUT, "too many rejected rows to gather (%llu bytes)",
                              (unsigned long long)total);
    }
    for (size_t k = 0; k < im->nunits; k++)
        cnt[im->units[k].owner] += (int)rej_len[k];
    for (int r = 1; r < N; r++)
        displs[r] = displs[r - 1] + cnt[r - 1];
    char *all = im->par.rank == 0 ? attrib_xmalloc(total + 1) : NULL;
    if (MPI_Gatherv(im->rej, (int)im->rej_len, MPI_CHAR, all, cnt, displs, MPI_CHAR, 0,
                    im->par.comm) != MPI_SUCCESS)
        attrib_par_die(&im->par, "MPI_Gatherv of rejected rows failed");
    int rc = 0;
    if (im->par.rank == 0 && path) {
        FILE *fp = fopen(path, "w");
        if (!fp) {
            rc = attrib_err_set(ATTRIB_EIO, "cannot create '%s': %s", path, strerror(errno));
        } else {
            fputs("file,line,reason\n", fp);
            /* Within a rank's block, units follow in unit order. */
            int *at = attrib_xcalloc((size_t)N, sizeof *at);
            for (size_t k = 0; k < im->nunits; k++) {
                int o = im->units[k].owner;
                fwrite(all + displs[o] + at[o], 1, rej_len[k], fp);
                at[o] += (int)rej_len[k];
            }
            free(at);
            if (ferror(fp) | (fclose(fp) != 0))
                rc = attrib_err_set(ATTRIB_EIO, "cannot write '%s': %s", path, strerror(errno));
        }
    }
    free(all);
    free(cnt);
    free(displs);
    return rc;
}

typedef struct import_opts {
    const char **paths[3];
    size_t npaths[3];
    const char *out, *rejects, *hash_key;
    double max_rate;
    int quiet;
} import_opts;

static int parse_args(int argc, char **argv, import_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_rate = 0.001;
    for (int k = 0; k < 3; k++)
        o->paths[k] = attrib_xcalloc((size_t)argc, sizeof(char *));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int kind = strcmp(a, "--events") == 0        ? ATTRIB_CSV_EVENTS
                   : strcmp(a, "--conversions") == 0 ? ATTRIB_CSV_CONVERSIONS
                   : strcmp(a, "--campaigns") == 0   ? ATTRIB_CSV_CAMPAIGNS
                                                     : -1;
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
            continue;
        }
        if (!v || (kind < 0 && strcmp(a, "-o") && strcmp(a, "--output") &&
                   strcmp(a, "--rejects") && strcmp(a, "--max-reject-rate") &&
                   strcmp(a, "--hash-key"))) {
            if (!v && a[0] == '-' && (kind >= 0 || !strcmp(a, "-o") || !strcmp(a, "--output") ||
                                      !strcmp(a, "--rejects") ||
                                      !strcmp(a, "--max-reject-rate") ||
                                      !strcmp(a, "--hash-key")))
                return attrib_err_set(ATTRIB_EUSAGE, "import: option '%s' needs a value", a);
            return attrib_err_set(ATTRIB_EUSAGE, "import: unknown argument '%s' (see --help)", a);
        }
        i++;
        if (kind >= 0)
            o->paths[kind][o->npaths[kind]++] = v;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            o->out = v;
        else if (!strcmp(a, "--rejects"))
            o->rejects = v;
        else if (!strcmp(a, "--hash-key"))
            o->hash_key = v;
        else {
            char *end;
            errno = 0;
            o->max_rate = strtod(v, &end);
            if (errno || end == v || *end || !(o->max_rate >= 0 && o->max_rate <= 1))
                return attrib_err_set(ATTRIB_EUSAGE,
                                      "import: --max-reject-rate wants a fraction in [0, 1], "
                                      "not '%s'", v);
        }
    }
    if (!o->out)
        return attrib_err_set(ATTRIB_EUSAGE, "import: -o OUT.h5 is required (see --help)");
    if (!o->npaths[ATTRIB_CSV_EVENTS] || !o->npaths[ATTRIB_CSV_CONVERSIONS] ||
        !o->npaths[ATTRIB_CSV_CAMPAIGNS])
        return attrib_err_set(ATTRIB_EUSAGE, "import: --events, --conversions and --campaigns "
                                             "are each required at least once (see --help)");
    return 0;
}

static int write_output(importer *im, const import_opts *o, const char *tmp, char **types,
                        size_t ntypes, const uint64_t *acc)
{
    attrib_h5file *h5 = NULL;
    int rc = attrib_h5_create(im->par.comm, tmp, &h5);
    ATTRIB_TRY(attrib_par_agree(&im->par, rc));

    attrib_table *camp = &im->tab[ATTRIB_CSV_CAMPAIGNS];
    attrib_par_agree_strw(&im->par, camp);
    uint64_t ncamp = attrib_par_sum_u64(&im->par, camp->n);
    rc = attrib_h5_write_table(h5, camp, 0, ncamp, IMPORT_ZSTD_LEVEL);
    rc = attrib_par_agree(&im->par, rc);

    for (int kind = ATTRIB_CSV_EVENTS; kind <= ATTRIB_CSV_CONVERSIONS && rc == 0; kind++) {
        attrib_h5seg *segs = attrib_xcalloc(im->nunits + 1, sizeof *segs);
        size_t nseg = 0;
        uint64_t off = 0;
        for (size_t k = 0; k < im->nunits; k++) {
            unit *u = &im->units[k];
            if (im->files[u->file].kind != (attrib_csv_kind)kind)
                continue;
            if (u->owner == im->par.rank && acc[k] > 0)
                segs[nseg++] = (attrib_h5seg){u->local_start, off, acc[k]};
            off += acc[k];
        }
        rc = attrib_h5_write_table_segs(h5, &im->tab[kind], segs, nseg, off, IMPORT_ZSTD_LEVEL);
        free(segs);
        rc = attrib_par_agree(&im->par, rc);
    }
    if (rc == 0)
        rc = attrib_par_agree(&im->par, attrib_h5_write_strings(h5, "conversions/type_names",
                                                                (const char *const *)types,
                                                                ntypes));
    if (rc == 0) {
        char kid[17], hashattr[64], created[40];
        attrib_hash_key_id(&im->key, kid);
        snprintf(hashattr, sizeof hashattr, "siphash-2-4 key_id=%s", kid);
        if (im->par.rank == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            attrib_time_format_iso((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, created);
        }
        MPI_Bcast(created, sizeof created, MPI_CHAR, 0, im->par.comm);
        size_t slen = 1;
        static const int order[3] = {ATTRIB_CSV_EVENTS, ATTRIB_CSV_CONVERSIONS,
                                     ATTRIB_CSV_CAMPAIGNS};
        for (int k = 0; k < 3; k++)
            for (size_t i = 0; i < o->npaths[order[k]]; i++)
                slen += strlen(o->paths[order[k]][i]) + 1;
        char *src = attrib_xcalloc(slen, 1);
        for (int k = 0; k < 3; k++)
            for (size_t i = 0; i < o->npaths[order[k]]; i++) {
                if (*src)
                    strcat(src, "\n");
                strcat(src, o->paths[order[k]][i]);
            }
        rc = attrib_h5_set_attr_i64(h5, "schema_version", ATTRIB_SCHEMA_VERSION);
        if (rc == 0)
            rc = attrib_h5_set_attr_str(h5, "identity_hash", hashattr);
        if (rc == 0)
            rc = attrib_h5_set_attr_str(h5, "created_at", created);
        if (rc == 0)
            rc = attrib_h5_set_attr_str(h5, "source_files", src);
        free(src);
        rc = attrib_par_agree(&im->par, rc);
    }
    int crc = attrib_h5_close(h5);
    if (rc == 0)
        rc = attrib_par_agree(&im->par, crc);
    return rc;
}

static void importer_free(importer *im)
{
    for (int k = 0; k < 3; k++)
        attrib_table_free(&im->tab[k]);
    u32set_free(&im->camps);
    typemap_free(&im->types);
    attrib_csv_rec_free(&im->rec);
    free(im->files);
    free(im->units);
    free(im->rej);
}

int attrib_cmd_import(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (attrib_cmd_is_help(argv[i])) {
            int rank = 0;
            MPI_Comm_rank(MPI_COMM_WORLD, &rank);
            if (rank == 0)
                fputs(attrib_usage_import, stdout);
            return 0;
        }
    import_opts o;
    importer im;
    memset(&im, 0, sizeof im);
    attrib_par_init(&im.par, MPI_COMM_WORLD);
    char **types = NULL;
    size_t ntypes = 0;
    char *tmp = NULL;
    uint64_t *cnt = NULL;
    uint64_t rows[3] = {0}, rej[3] = {0}, bytes[3] = {0}, nrej = 0, nall = 0;
    /* Arguments are the same on every rank, so every rank takes the same branch. */
    int rc = parse_args(argc, argv, &o);
    if (rc == 0) {
        const char *hex = o.hash_key ? o.hash_key : getenv("ATTRIB_HASH_KEY");
        if (hex && *hex) {
            if (attrib_hash_key_parse(hex, &im.key) < 0)
                rc = attrib_err_set(ATTRIB_EUSAGE, "import: the hash key (%s) must be 32 hex "
                                                   "digits",
                                    o.hash_key ? "--hash-key" : "ATTRIB_HASH_KEY");
        } else {
            attrib_hash_key_parse(ATTRIB_HASH_DEFAULT_KEY, &im.key);
        }
    }
    if (rc < 0)
        goto done;
    im.par.progress = !o.quiet;
    attrib_csv_rec_init(&im.rec);
    attrib_table_init(&im.tab[ATTRIB_CSV_CAMPAIGNS], &attrib_schema_campaigns, 1);
    attrib_table_init(&im.tab[ATTRIB_CSV_EVENTS], &attrib_schema_events, 1);
    attrib_table_init(&im.tab[ATTRIB_CSV_CONVERSIONS], &attrib_schema_conversions, 1);
    for (int k = 0; k < 3; k++)
        im.nfiles += o.npaths[k];
    im.files = attrib_xcalloc(im.nfiles, sizeof *im.files);
    {
        size_t i = 0;
        for (int k = 0; k < 3; k++)
            for (size_t j = 0; j < o.npaths[k]; j++, i++) {
                im.files[i].path = o.paths[k][j];
                im.files[i].kind = (attrib_csv_kind)k;
                im.files[i].codec = attrib_csvfile_codec_of(o.paths[k][j]);
            }
    }

    attrib_progress_begin(&im.par, "headers");
    ATTRIB_TRY_GOTO(rc, collect_header_info(&im), done);
    make_units(&im);
    ATTRIB_TRY_GOTO(rc, scan_ranges(&im), done);
    attrib_progress_end(&im.par, "scan", 0, 0, "(headers, quote parity)");

    static const char *const phase[3] = {"campaigns", "events", "conversions"};
    for (int kind = 0; kind < 3; kind++) {
        attrib_progress_begin(&im.par, phase[kind]);
        if (kind == ATTRIB_CSV_CAMPAIGNS)
            u32set_init(&im.camps, 1 << 16);
        ATTRIB_TRY_GOTO(rc, parse_kind(&im, (attrib_csv_kind)kind, &rows[kind], &rej[kind],
                                       &bytes[kind]),
                        done);
        if (kind == ATTRIB_CSV_CAMPAIGNS)
            share_catalog(&im);
        char extra[64];
        snprintf(extra, sizeof extra, "%llu rejected", (unsigned long long)rej[kind]);
        attrib_progress_end(&im.par, phase[kind], rows[kind], bytes[kind], extra);
    }

    attrib_progress_begin(&im.par, "merge");
    rc = attrib_par_agree(&im.par, merge_types(&im, &types, &ntypes));
    if (rc < 0)
        goto done;
    /* Per-unit accepted counts and rejects text lengths, everywhere. */
    cnt = attrib_xcalloc(2 * im.nunits, sizeof *cnt);
    for (size_t k = 0; k < im.nunits; k++)
        if (im.units[k].owner == im.par.rank) {
            cnt[k] = im.units[k].accepted;
            cnt[im.nunits + k] = im.units[k].rej_len;
        }
    if (MPI_Allreduce(MPI_IN_PLACE, cnt, (int)(2 * im.nunits), MPI_UINT64_T, MPI_SUM,
                      im.par.comm) != MPI_SUCCESS)
        attrib_par_die(&im.par, "MPI_Allreduce of row counts failed");
    nrej = rej[0] + rej[1] + rej[2];
    nall = nrej + rows[0] + rows[1] + rows[2];
    rc = attrib_par_agree(&im.par, write_rejects(&im, o.rejects, cnt + im.nunits));
    if (rc < 0)
        goto done;
    if (nrej > 0 && (double)nrej > o.max_rate * (double)nall) {
        rc = attrib_err_set(ATTRIB_EINPUT,
                            "%llu of %llu rows rejected (%.4g%%), more than --max-reject-rate "
                            "%g allows; nothing written%s%s",
                            (unsigned long long)nrej, (unsigned long long)nall,
                            100.0 * (double)nrej / (double)nall, o.max_rate,
                            o.rejects ? ", see " : " (--rejects FILE lists them)",
                            o.rejects ? o.rejects : "");
        goto done;
    }
    attrib_progress_end(&im.par, "merge", nall, 0, "");

    attrib_progress_begin(&im.par, "write");
    tmp = attrib_xmalloc(strlen(o.out) + 5);
    sprintf(tmp, "%s.tmp", o.out);
    rc = write_output(&im, &o, tmp, types, ntypes, cnt);
    if (rc == 0) {
        int r0 = 0;
        if (im.par.rank == 0 && rename(tmp, o.out) != 0)
            r0 = attrib_err_set(ATTRIB_EIO, "cannot rename '%s' to '%s': %s", tmp, o.out,
                                strerror(errno));
        rc = attrib_par_agree(&im.par, r0);
    }
    if (rc < 0) {
        if (im.par.rank == 0)
            unlink(tmp);
        goto done;
    }
    attrib_progress_end(&im.par, "write", rows[0] + rows[1] + rows[2], 0, o.out);

done:
    if (rc < 0)
        rc = attrib_cmd_fail_legacy(rc, 0);
    for (int k = 0; k < 3; k++)
        free(o.paths[k]);
    attrib_strlist_free(types, ntypes);
    free(tmp);
    free(cnt);
    importer_free(&im);
    return rc;
}

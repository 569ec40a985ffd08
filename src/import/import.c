/* The import pipeline (include/attrib/import.h): CSV drops into one columnar HDF5 file.
 *
 * Every unit's accepted rows go to global positions computed from the per-unit counts
 * (units in global order, csvsplit.h), so the file's tables are the same for any
 * number of ranks; the rejects text of each unit is gathered to rank 0 in unit order.
 * The links are the exception: their order is the canonical one (sorted by hash,
 * attrib_links_canonical), which does not depend on the units either. So are events and
 * conversions of a partitioned store (the default): grouped by logical partition and
 * sorted inside each (partition.c), which depends on neither the units nor the ranks.
 */
#include "attrib/import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attrib/csvfile.h"
#include "attrib/csvsplit.h"
#include "attrib/err.h"
#include "attrib/h5io.h"
#include "attrib/outcome.h"
#include "attrib/par_coll.h"
#include "attrib/partition.h"
#include "attrib/table.h"
#include "attrib/timeparse.h"
#include "partition.h"

/* Level 1 with shuffle: most of level 3's ratio on these columns at a fraction of the
 * cost, and import is meant to keep up with a CSV reader. */
#define IMPORT_ZSTD_LEVEL 1

typedef struct infile {
    const char *path;
    attrib_csv_kind kind;
    attrib_csvfile_codec codec;
    uint64_t size;
    attrib_csv_header hdr;
} infile;

/* A unit's state on its owner. */
typedef struct unit_state {
    uint64_t accepted, rejected, bytes;
    size_t local_start;        /* first row in the rank's table of this kind */
    size_t rej_start, rej_len; /* the unit's lines in the rank's rejects text */
    uint64_t sec_line;         /* stopped at a timestamp that looks like seconds: its line */
    int64_t sec_value;
} unit_state;

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
    attrib_par *par;
    const attrib_import_spec *spec;
    attrib_import_figures *fig;
    attrib_csv_parse_opts popts;
    infile *files;
    size_t nfiles;
    attrib_csvsplit_unit *units;
    unit_state *st;
    size_t nunits;
    attrib_table tab[ATTRIB_CSV_NKINDS];
    u32set camps;
    typemap types;
    attrib_csv_rec rec;
    uint64_t reasons[ATTRIB_CSV_NKINDS][ATTRIB_CSV_NREASONS]; /* this rank's */
    char *rej;
    size_t rej_len, rej_cap;
    int partitioned;         /* tab[events], tab[conversions] hold this rank's partitions */
    uint64_t first[2];       /* and their first global rows */
    attrib_table parts;      /* /partitions (every rank; rank 0 writes it) */
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
    im->reasons[fi->kind][reason]++;
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
        rc = attrib_err_path(ATTRIB_EINPUT, fi->path, "empty file (no header line)", "%s", "");
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

/* Quote and LF counts of a raw byte range (attrib_csvsplit_count_fn). */
static int count_range(void *ctx, size_t file, uint64_t start, uint64_t end, uint64_t *quotes,
                       uint64_t *lfs)
{
    const importer *im = ctx;
    attrib_csvfile *f;
    ATTRIB_TRY(attrib_csvfile_open(im->files[file].path, start, 0, &f));
    uint64_t left = end - start;
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
        ATTRIB_COL(t, ATTRIB_EV_EVENT_ID, uint64_t)[i] = v->id;
        ATTRIB_COL(t, ATTRIB_EV_IDENTITY, uint64_t)[i] = v->identity;
        ATTRIB_COL(t, ATTRIB_EV_TS, int64_t)[i] = v->ts;
        ATTRIB_COL(t, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[i] = v->ref;
        ATTRIB_COL(t, ATTRIB_EV_KIND, uint8_t)[i] = v->kind;
        ATTRIB_COL(t, ATTRIB_EV_COST, double)[i] = v->amount;
        break;
    case ATTRIB_CSV_CONVERSIONS:
        ATTRIB_COL(t, ATTRIB_CV_CONVERSION_ID, uint64_t)[i] = v->id;
        ATTRIB_COL(t, ATTRIB_CV_IDENTITY, uint64_t)[i] = v->identity;
        ATTRIB_COL(t, ATTRIB_CV_TS, int64_t)[i] = v->ts;
        ATTRIB_COL(t, ATTRIB_CV_ADVERTISER_ID, uint32_t)[i] = v->ref;
        ATTRIB_COL(t, ATTRIB_CV_TYPE, uint16_t)[i] = (uint16_t)type;
        ATTRIB_COL(t, ATTRIB_CV_VALUE, double)[i] = v->amount;
        break;
    case ATTRIB_CSV_CAMPAIGNS:
        ATTRIB_COL(t, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[i] = (uint32_t)v->id;
        ATTRIB_COL(t, ATTRIB_CA_ADVERTISER_ID, uint32_t)[i] = v->ref;
        if (v->str_len > t->strw[ATTRIB_CA_NAME])
            attrib_table_set_strw(t, ATTRIB_CA_NAME, v->str_len);
        attrib_table_set_str(t, ATTRIB_CA_NAME, i, v->str, v->str_len);
        break;
    case ATTRIB_CSV_LINKS: /* as read: attrib_links_canonical orders them */
        ATTRIB_COL(t, ATTRIB_LK_A, uint64_t)[i] = v->identity;
        ATTRIB_COL(t, ATTRIB_LK_B, uint64_t)[i] = v->identity_b;
        break;
    default: break;
    }
}

/* One row: parse, check against the catalog, store or reject. Returns 1 (stop the
 * unit) at a timestamp that looks like epoch seconds. */
static int handle_row(importer *im, const infile *fi, unit_state *u, uint64_t line)
{
    attrib_csv_values v;
    int reason = attrib_csv_parse_row(&fi->hdr, &im->rec, &im->popts, &v);
    uint32_t type = 0;
    if (reason == ATTRIB_CSV_R_TS_SECONDS) {
        u->sec_line = line;
        u->sec_value = v.ts;
        return 1;
    }
    if (reason == ATTRIB_CSV_OK) {
        if (fi->kind == ATTRIB_CSV_CAMPAIGNS) {
            if (u32set_insert(&im->camps, (uint32_t)v.id, 1))
                reason = ATTRIB_CSV_R_DUP_CAMPAIGN;
        } else if (fi->kind == ATTRIB_CSV_EVENTS) {
            if (!u32set_insert(&im->camps, v.ref, 0))
                reason = ATTRIB_CSV_R_UNKNOWN_CAMPAIGN;
        } else if (fi->kind == ATTRIB_CSV_CONVERSIONS) {
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

/* Parse one unit. Returns 0, 1 when stopped at a timestamp that looks like seconds, or
 * a negative attrib_err. */
static int process_unit(importer *im, size_t k)
{
    const attrib_csvsplit_unit *u = &im->units[k];
    unit_state *us = &im->st[k];
    const infile *fi = &im->files[u->file];
    us->local_start = im->tab[fi->kind].n;
    us->rej_start = im->rej_len;
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
            rc = 0;
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
        if (s > 0 && !blank) {
            ATTRIB_TRY_GOTO(rc, handle_row(im, fi, us, line), out);
            if (rc > 0)
                goto out;
        }
        line += rec->nlf;
        pos += used;
        us->bytes += used;
    }
    rc = 0;
out:
    attrib_csvfile_close(f);
    us->rej_len = im->rej_len - us->rej_start;
    return rc;
}

/* ---- phases ---- */

static int collect_header_info(importer *im)
{
    int rc = 0;
    if (im->par->rank == 0) {
        for (size_t i = 0; i < im->nfiles && rc == 0; i++) {
            infile *fi = &im->files[i];
            rc = attrib_csvfile_stat(fi->path, &fi->size);
            if (rc == 0)
                rc = read_header(im, fi);
        }
    }
    ATTRIB_TRY(attrib_par_outcome_of(im->par, 0, rc));
    /* Every rank needs each file's size and column map. */
    size_t w = 2 + ATTRIB_CSV_NSLOTS;
    int64_t *buf = attrib_xcalloc(im->nfiles * w, sizeof *buf);
    for (size_t i = 0; i < im->nfiles && im->par->rank == 0; i++) {
        buf[i * w] = (int64_t)im->files[i].size;
        buf[i * w + 1] = im->files[i].hdr.ncols;
        for (int s = 0; s < ATTRIB_CSV_NSLOTS; s++)
            buf[i * w + 2 + s] = im->files[i].hdr.at[s];
    }
    if (MPI_Bcast(buf, (int)(im->nfiles * w), MPI_INT64_T, 0, im->par->comm) != MPI_SUCCESS)
        attrib_par_die(im->par, "MPI_Bcast of the CSV headers failed");
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

/* Units and the quote parity at the start of each of this rank's ranges. */
static int split_inputs(importer *im)
{
    attrib_csvsplit_file *sf = attrib_xcalloc(im->nfiles + 1, sizeof *sf);
    for (size_t i = 0; i < im->nfiles; i++) {
        sf[i].size = im->files[i].size;
        sf[i].whole = im->files[i].codec != ATTRIB_CODEC_NONE;
        sf[i].on_root = im->files[i].kind == ATTRIB_CSV_CAMPAIGNS; /* the catalog comes first */
    }
    im->nunits = attrib_csvsplit_plan(im->par, sf, im->nfiles, &im->units);
    im->st = attrib_xcalloc(im->nunits + 1, sizeof *im->st);
    attrib_csvsplit_stats ss = {0, 0, 0};
    int rc = attrib_csvsplit_scan(im->par, sf, im->nfiles, im->units, im->nunits, count_range, im,
                                  &ss);
    im->fig->scanned_bytes = ss.bytes;
    im->fig->scanned_lines = ss.lines;
    im->fig->scanned_ranges = ss.ranges;
    free(sf);
    return rc;
}

/* Agree on the outcome of a phase of units: the first failing unit in unit order (a
 * rank stops at its first) gives the failure, as its owner set it, so the message is
 * the input's and not a rank's; a stop at a timestamp that looks like epoch seconds
 * names the first such value of the input. */
static int agree_units(importer *im, size_t stopped, int rc)
{
    uint64_t k = stopped == SIZE_MAX ? UINT64_MAX : (uint64_t)stopped, kmin = k;
    if (im->par->size > 1 &&
        MPI_Allreduce(&k, &kmin, 1, MPI_UINT64_T, MPI_MIN, im->par->comm) != MPI_SUCCESS)
        attrib_par_die(im->par, "MPI_Allreduce of failing units failed");
    if (kmin == UINT64_MAX)
        return 0;
    const int owner = im->units[kmin].owner;
    uint64_t sec[2] = {0, 0};
    if (im->par->rank == owner) {
        sec[0] = im->st[kmin].sec_line;
        sec[1] = (uint64_t)im->st[kmin].sec_value;
        if (sec[0])
            rc = attrib_err_set(ATTRIB_EINPUT, "%s:%llu: integer timestamp %lld looks like "
                                               "epoch seconds, not milliseconds",
                                im->files[im->units[kmin].file].path,
                                (unsigned long long)sec[0], (long long)im->st[kmin].sec_value);
    }
    rc = attrib_par_outcome_of(im->par, owner, rc);
    if (im->par->size > 1 && MPI_Bcast(sec, 2, MPI_UINT64_T, owner, im->par->comm) != MPI_SUCCESS)
        attrib_par_die(im->par, "MPI_Bcast of a failing unit failed");
    if (sec[0]) {
        im->fig->seconds_file = im->files[im->units[kmin].file].path;
        im->fig->seconds_line = sec[0];
        im->fig->seconds_value = (int64_t)sec[1];
    }
    return rc;
}

/* Parse this rank's units of one kind; global rows, rejects and bytes into the figures. */
static int parse_kind(importer *im, attrib_csv_kind kind)
{
    int rc = 0;
    size_t stopped = SIZE_MAX;
    uint64_t a = 0, r = 0, b = 0;
    for (size_t k = 0; k < im->nunits; k++) {
        const attrib_csvsplit_unit *u = &im->units[k];
        if (im->files[u->file].kind != kind || u->owner != im->par->rank)
            continue;
        rc = process_unit(im, k);
        a += im->st[k].accepted;
        r += im->st[k].rejected;
        b += im->st[k].bytes;
        if (rc != 0) {
            stopped = k;
            break;
        }
    }
    ATTRIB_TRY(agree_units(im, stopped, rc));
    im->fig->rows[kind] = attrib_par_sum_u64(im->par, a);
    im->fig->rejected[kind] = attrib_par_sum_u64(im->par, r);
    im->fig->bytes[kind] = attrib_par_sum_u64(im->par, b);
    return 0;
}

/* The catalog's ids, from rank 0 to all, as the set touches are checked against. */
static void share_catalog(importer *im)
{
    attrib_table *t = &im->tab[ATTRIB_CSV_CAMPAIGNS];
    uint64_t n = t->n;
    MPI_Bcast(&n, 1, MPI_UINT64_T, 0, im->par->comm);
    uint32_t *ids = attrib_xmalloc((n ? n : 1) * sizeof *ids);
    if (im->par->rank == 0)
        memcpy(ids, t->col[ATTRIB_CA_CAMPAIGN_ID], n * sizeof *ids);
    if (MPI_Bcast(ids, (int)n, MPI_UINT32_T, 0, im->par->comm) != MPI_SUCCESS)
        attrib_par_die(im->par, "MPI_Bcast of the campaign catalog failed");
    if (im->par->rank != 0) {
        u32set_free(&im->camps);
        u32set_init(&im->camps, n);
        for (uint64_t i = 0; i < n; i++)
            u32set_insert(&im->camps, ids[i], 1);
    }
    free(ids);
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
    int N = im->par->size, mylen = (int)len;
    int *lens = attrib_xmalloc((size_t)N * sizeof *lens), *displs = attrib_xmalloc((size_t)N * sizeof *displs);
    MPI_Allgather(&mylen, 1, MPI_INT, lens, 1, MPI_INT, im->par->comm);
    size_t total = 0;
    for (int r = 0; r < N; r++) {
        displs[r] = (int)total;
        total += (size_t)lens[r];
    }
    char *all = attrib_xmalloc(total + 1);
    if (MPI_Allgatherv(mine, mylen, MPI_CHAR, all, lens, displs, MPI_CHAR, im->par->comm) !=
        MPI_SUCCESS)
        attrib_par_die(im->par, "MPI_Allgatherv of conversion types failed");
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
        uint16_t *col = ATTRIB_COL(t, ATTRIB_CV_TYPE, uint16_t);
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
    int N = im->par->size;
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
    char *all = im->par->rank == 0 ? attrib_xmalloc(total + 1) : NULL;
    if (MPI_Gatherv(im->rej, (int)im->rej_len, MPI_CHAR, all, cnt, displs, MPI_CHAR, 0,
                    im->par->comm) != MPI_SUCCESS)
        attrib_par_die(im->par, "MPI_Gatherv of rejected rows failed");
    int rc = 0;
    if (im->par->rank == 0) {
        FILE *fp = fopen(path, "w");
        if (!fp) {
            rc = attrib_err_write(path, errno);
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
            const int werr = ferror(fp) ? errno : 0;
            if (werr | (fclose(fp) != 0))
                rc = attrib_err_write(path, werr ? werr : errno);
        }
    }
    free(all);
    free(cnt);
    free(displs);
    return rc;
}

/* "a\nb\n…": the inputs in the order events, conversions, campaigns, links. */
static char *source_files(const attrib_import_spec *s)
{
    static const int order[ATTRIB_CSV_NKINDS] = {ATTRIB_CSV_EVENTS, ATTRIB_CSV_CONVERSIONS,
                                                 ATTRIB_CSV_CAMPAIGNS, ATTRIB_CSV_LINKS};
    size_t slen = 1;
    for (int k = 0; k < ATTRIB_CSV_NKINDS; k++)
        for (size_t i = 0; i < s->npaths[order[k]]; i++)
            slen += strlen(s->paths[order[k]][i]) + 1;
    char *src = attrib_xcalloc(slen, 1);
    for (int k = 0; k < ATTRIB_CSV_NKINDS; k++)
        for (size_t i = 0; i < s->npaths[order[k]]; i++) {
            if (*src)
                strcat(src, "\n");
            strcat(src, s->paths[order[k]][i]);
        }
    return src;
}

static int write_store(importer *im, char **types, size_t ntypes, const uint64_t *acc)
{
    const attrib_import_spec *s = im->spec;
    attrib_h5file *h5 = NULL;
    int rc = attrib_h5_create(im->par->comm, s->store_tmp, &h5);
    ATTRIB_TRY(attrib_par_agree(im->par, rc));
    if (s->store_name)
        attrib_h5_set_name(h5, s->store_name);

    attrib_table *camp = &im->tab[ATTRIB_CSV_CAMPAIGNS];
    attrib_par_agree_strw(im->par, camp);
    uint64_t ncamp = attrib_par_sum_u64(im->par, camp->n);
    rc = attrib_h5_write_table(h5, camp, 0, ncamp, IMPORT_ZSTD_LEVEL);
    rc = attrib_par_agree(im->par, rc);

    for (int kind = ATTRIB_CSV_EVENTS; kind <= ATTRIB_CSV_CONVERSIONS && rc == 0 && im->partitioned;
         kind++) {
        const uint64_t total = attrib_par_sum_u64(im->par, im->tab[kind].n);
        rc = attrib_h5_write_table(h5, &im->tab[kind], im->first[kind - ATTRIB_CSV_EVENTS], total,
                                   IMPORT_ZSTD_LEVEL);
        rc = attrib_par_agree(im->par, rc);
    }
    if (rc == 0 && im->partitioned) { /* rank 0 writes the index, the others take part */
        attrib_table none;
        attrib_table_init(&none, &attrib_schema_partitions, 1);
        rc = attrib_h5_write_table(h5, im->par->rank == 0 ? &im->parts : &none, 0,
                                   ATTRIB_NPARTITIONS + 1, IMPORT_ZSTD_LEVEL);
        attrib_table_free(&none);
        rc = attrib_par_agree(im->par, rc);
    }
    for (int kind = ATTRIB_CSV_EVENTS; kind <= ATTRIB_CSV_CONVERSIONS && rc == 0 && !im->partitioned;
         kind++) {
        attrib_h5seg *segs = attrib_xcalloc(im->nunits + 1, sizeof *segs);
        size_t nseg = 0;
        uint64_t off = 0;
        for (size_t k = 0; k < im->nunits; k++) {
            const attrib_csvsplit_unit *u = &im->units[k];
            if (im->files[u->file].kind != (attrib_csv_kind)kind)
                continue;
            if (u->owner == im->par->rank && acc[k] > 0)
                segs[nseg++] = (attrib_h5seg){im->st[k].local_start, off, acc[k]};
            off += acc[k];
        }
        rc = attrib_h5_write_table_segs(h5, &im->tab[kind], segs, nseg, off, IMPORT_ZSTD_LEVEL);
        free(segs);
        rc = attrib_par_agree(im->par, rc);
    }
    if (rc == 0 && s->npaths[ATTRIB_CSV_LINKS] > 0) {
        /* Canonical already: rank r holds the r-th range of the sorted edges. */
        attrib_table *lk = &im->tab[ATTRIB_CSV_LINKS];
        const uint64_t off = attrib_par_exscan_u64(im->par, lk->n);
        rc = attrib_h5_write_table(h5, lk, off, im->fig->links_kept, IMPORT_ZSTD_LEVEL);
        rc = attrib_par_agree(im->par, rc);
    }
    if (rc == 0)
        rc = attrib_par_agree(im->par, attrib_h5_write_strings(h5, "conversions/type_names",
                                                               (const char *const *)types,
                                                               ntypes));
    if (rc == 0) {
        char hashattr[ATTRIB_HASH_DESC_MAX], created[40];
        attrib_hash_describe(&s->key, hashattr);
        if (im->par->rank == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            attrib_time_format_iso((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, created);
        }
        MPI_Bcast(created, sizeof created, MPI_CHAR, 0, im->par->comm);
        char *src = source_files(s);
        rc = attrib_h5_set_attr_i64(h5, "schema_version", ATTRIB_SCHEMA_VERSION);
        if (rc == 0)
            rc = attrib_h5_set_attr_str(h5, "identity_hash", hashattr);
        if (rc == 0)
            rc = attrib_h5_set_attr_str(h5, "created_at", created);
        if (rc == 0)
            rc = attrib_h5_set_attr_str(h5, "source_files", src);
        free(src);
        rc = attrib_par_agree(im->par, rc);
    }
    int crc = attrib_h5_close(h5);
    if (rc == 0)
        rc = attrib_par_agree(im->par, crc);
    return rc;
}

static void importer_free(importer *im)
{
    for (int k = 0; k < ATTRIB_CSV_NKINDS; k++)
        attrib_table_free(&im->tab[k]);
    u32set_free(&im->camps);
    typemap_free(&im->types);
    attrib_csv_rec_free(&im->rec);
    free(im->files);
    free(im->units);
    free(im->st);
    free(im->rej);
    attrib_table_free(&im->parts);
}

int attrib_import_run(attrib_par *p, const attrib_import_spec *spec, attrib_import_figures *fig)
{
    memset(fig, 0, sizeof *fig);
    importer im;
    memset(&im, 0, sizeof im);
    im.par = p;
    im.spec = spec;
    im.fig = fig;
    im.popts.key = &spec->key;
    im.popts.ts_unit = spec->ts_unit;
    char **types = NULL;
    size_t ntypes = 0;
    uint64_t *cnt = NULL;
    int rc = 0;
    attrib_csv_rec_init(&im.rec);
    attrib_table_init(&im.tab[ATTRIB_CSV_CAMPAIGNS], &attrib_schema_campaigns, 1);
    attrib_table_init(&im.tab[ATTRIB_CSV_EVENTS], &attrib_schema_events, 1);
    attrib_table_init(&im.tab[ATTRIB_CSV_CONVERSIONS], &attrib_schema_conversions, 1);
    attrib_table_init(&im.tab[ATTRIB_CSV_LINKS], &attrib_schema_links, 1);
    for (int k = 0; k < ATTRIB_CSV_NKINDS; k++) {
        im.nfiles += spec->npaths[k];
        fig->files[k] = spec->npaths[k];
    }
    im.files = attrib_xcalloc(im.nfiles + 1, sizeof *im.files);
    for (int k = 0, i = 0; k < ATTRIB_CSV_NKINDS; k++)
        for (size_t j = 0; j < spec->npaths[k]; j++, i++) {
            im.files[i].path = spec->paths[k][j];
            im.files[i].kind = (attrib_csv_kind)k;
            im.files[i].codec = attrib_csvfile_codec_of(spec->paths[k][j]);
        }

    attrib_progress_begin(p, "scan");
    ATTRIB_TRY_GOTO(rc, collect_header_info(&im), done);
    ATTRIB_TRY_GOTO(rc, split_inputs(&im), done);
    /* Only a scan that read something is worth a line (at one rank only the headers are
     * read, and their time goes to the campaigns line). Its rows are the lines counted. */
    if (fig->scanned_ranges > 0) {
        char extra[64];
        snprintf(extra, sizeof extra, "quote parity of %llu byte ranges",
                 (unsigned long long)fig->scanned_ranges);
        attrib_progress_end(p, "scan", fig->scanned_lines, fig->scanned_bytes, extra);
    }

    static const char *const phase[ATTRIB_CSV_NKINDS] = {"campaigns", "events", "conversions",
                                                         "links"};
    for (int kind = 0; kind < ATTRIB_CSV_NKINDS; kind++) {
        if (kind == ATTRIB_CSV_LINKS && spec->npaths[kind] == 0)
            break; /* no --links: no phase, no line, no /links */
        if (kind > 0) /* the campaigns line also times the headers (and scan, if no line) */
            attrib_progress_begin(p, phase[kind]);
        if (kind == ATTRIB_CSV_CAMPAIGNS)
            u32set_init(&im.camps, 1 << 16);
        ATTRIB_TRY_GOTO(rc, parse_kind(&im, (attrib_csv_kind)kind), done);
        if (kind == ATTRIB_CSV_CAMPAIGNS)
            share_catalog(&im);
        char extra[160];
        if (kind == ATTRIB_CSV_LINKS) {
            attrib_links_figures lf;
            rc = attrib_par_agree(p, attrib_links_canonical(p, &im.tab[kind], &lf));
            if (rc < 0)
                goto done;
            fig->links_kept = lf.kept;
            fig->links_self = lf.self;
            fig->links_repeats = lf.repeats;
            snprintf(extra, sizeof extra, "%llu rejected; %llu kept, %llu self, %llu repeats",
                     (unsigned long long)fig->rejected[kind], (unsigned long long)lf.kept,
                     (unsigned long long)lf.self, (unsigned long long)lf.repeats);
        } else {
            snprintf(extra, sizeof extra, "%llu rejected", (unsigned long long)fig->rejected[kind]);
        }
        attrib_progress_end(p, phase[kind], fig->rows[kind], fig->bytes[kind], extra);
    }

    attrib_progress_begin(p, "merge");
    rc = attrib_par_agree(p, merge_types(&im, &types, &ntypes));
    if (rc < 0)
        goto done;
    fig->ntypes = ntypes;
    /* Per-unit accepted counts and rejects text lengths, everywhere; reasons summed. */
    const size_t nr = ATTRIB_CSV_NKINDS * ATTRIB_CSV_NREASONS;
    cnt = attrib_xcalloc(2 * im.nunits + nr, sizeof *cnt);
    for (size_t k = 0; k < im.nunits; k++)
        if (im.units[k].owner == p->rank) {
            cnt[k] = im.st[k].accepted;
            cnt[im.nunits + k] = im.st[k].rej_len;
        }
    memcpy(cnt + 2 * im.nunits, im.reasons, sizeof im.reasons);
    if (MPI_Allreduce(MPI_IN_PLACE, cnt, (int)(2 * im.nunits + nr), MPI_UINT64_T, MPI_SUM,
                      p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Allreduce of row counts failed");
    memcpy(fig->reasons, cnt + 2 * im.nunits, sizeof fig->reasons);
    for (int k = 0; k < ATTRIB_CSV_NKINDS; k++) {
        fig->total_rejected += fig->rejected[k];
        fig->total_rows += fig->rows[k] + fig->rejected[k];
    }
    if (spec->rejects_tmp) {
        /* Rank 0 alone writes it. */
        rc = attrib_par_outcome_of(p, 0, write_rejects(&im, spec->rejects_tmp, cnt + im.nunits));
        if (rc < 0)
            goto done;
        fig->rejects_written = 1;
    }
    const uint64_t nrej = fig->total_rejected;
    if (nrej > 0 && (double)nrej > spec->max_reject_rate * (double)fig->total_rows) {
        fig->rate_exceeded = 1;
        rc = attrib_err_set(ATTRIB_EINPUT, "%llu of %llu rows rejected (%.4g%%), more than %g "
                                           "allows; nothing written",
                            (unsigned long long)nrej, (unsigned long long)fig->total_rows,
                            100.0 * (double)nrej / (double)fig->total_rows,
                            spec->max_reject_rate);
        goto done;
    }
    attrib_progress_end(p, "merge", fig->total_rows, 0, "");

    if (spec->partition) {
        attrib_progress_begin(p, "partition");
        rc = attrib_import_partition(p, &im.tab[ATTRIB_CSV_EVENTS], &im.tab[ATTRIB_CSV_CONVERSIONS],
                                     &im.parts, im.first);
        if (rc < 0)
            goto done;
        im.partitioned = 1;
        fig->partitioned = 1;
        char extra[96];
        const uint64_t mine = im.tab[ATTRIB_CSV_EVENTS].n + im.tab[ATTRIB_CSV_CONVERSIONS].n;
        snprintf(extra, sizeof extra, "%d logical partitions; rank rows max %llu min %llu",
                 ATTRIB_NPARTITIONS, (unsigned long long)attrib_par_max_u64(p, mine),
                 (unsigned long long)(UINT64_MAX - attrib_par_max_u64(p, UINT64_MAX - mine)));
        attrib_progress_end(p, "partition", fig->rows[ATTRIB_CSV_EVENTS] + fig->rows[ATTRIB_CSV_CONVERSIONS],
                            0, extra);
    }

    attrib_progress_begin(p, "write");
    rc = write_store(&im, types, ntypes, cnt);
    if (rc < 0)
        goto done;
    attrib_progress_end(p, "write", fig->rows[0] + fig->rows[1] + fig->rows[2] + fig->links_kept, 0,
                        spec->store_name ? spec->store_name : spec->store_tmp);

done:
    attrib_strlist_free(types, ntypes);
    free(cnt);
    importer_free(&im);
    return rc;
}

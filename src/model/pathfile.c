/* Path tables from text (paths.h): records, the header, rows, channel names. */
#define _GNU_SOURCE /* qsort_r */
#include "attrib/paths.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/csv.h"
#include "attrib/err.h"

enum { COL_PATH, COL_CONV, COL_NULL, COL_VALUE, COL_ADV, NCOL };

static const char *const col_names[NCOL][2] = {
    {"path", NULL},
    {"total_conversions", "conversions"},
    {"total_null", "nulls"},
    {"total_conversion_value", "value"},
    {"advertiser_id", NULL},
};

struct attrib_pathfile {
    char *name;
    attrib_pathfile_opts o;
    char sep;
    int have_header, ncols, at[NCOL];
    uint64_t line; /* LF bytes consumed */
    /* the current record's fields, unquoted, in buf */
    char *buf;
    size_t bcap, nf, fcap;
    size_t *fs, *fl;
    /* channel names */
    char *arena;
    size_t alen, acap;
    size_t *noff, *nlen;
    size_t nch, chcap;
    uint32_t *slot; /* id + 1, 0 = empty */
    size_t mask;
    /* rows in file order */
    uint64_t *adv, *off, *conv, *nulls;
    double *value;
    uint32_t *step;
    size_t nrows, rcap, nsteps, scap;
    /* after finish */
    size_t ngroups;
    size_t *grow;              /* group g: rows [grow[g], grow[g+1]) of the g_ arrays */
    size_t *gname;             /* group g: names [gname[g], gname[g+1]) */
    uint64_t *gadv, *g_off, *g_conv, *g_nulls;
    double *g_value;
    uint32_t *g_step;
    const char **names;
    size_t *name_len;
};

int attrib_pathfile_new(const char *name, const attrib_pathfile_opts *opts, attrib_pathfile **out)
{
    attrib_pathfile *pf = attrib_xcalloc(1, sizeof *pf);
    pf->name = attrib_xstrdup(name);
    if (opts)
        pf->o = *opts;
    pf->sep = pf->o.sep;
    pf->bcap = 256;
    pf->buf = attrib_xmalloc(pf->bcap);
    pf->fcap = 16;
    pf->fs = attrib_xmalloc(pf->fcap * sizeof *pf->fs);
    pf->fl = attrib_xmalloc(pf->fcap * sizeof *pf->fl);
    pf->mask = 1023;
    pf->slot = attrib_xcalloc(pf->mask + 1, sizeof *pf->slot);
    pf->rcap = 1024;
    pf->adv = attrib_xmalloc(pf->rcap * sizeof *pf->adv);
    pf->off = attrib_xmalloc((pf->rcap + 1) * sizeof *pf->off);
    pf->conv = attrib_xmalloc(pf->rcap * sizeof *pf->conv);
    pf->nulls = attrib_xmalloc(pf->rcap * sizeof *pf->nulls);
    pf->value = attrib_xmalloc(pf->rcap * sizeof *pf->value);
    pf->off[0] = 0;
    pf->scap = 4096;
    pf->step = attrib_xmalloc(pf->scap * sizeof *pf->step);
    *out = pf;
    return 0;
}

void attrib_pathfile_free(attrib_pathfile *pf)
{
    if (!pf)
        return;
    free(pf->name);
    free(pf->buf);
    free(pf->fs);
    free(pf->fl);
    free(pf->arena);
    free(pf->noff);
    free(pf->nlen);
    free(pf->slot);
    free(pf->adv);
    free(pf->off);
    free(pf->conv);
    free(pf->nulls);
    free(pf->value);
    free(pf->step);
    free(pf->grow);
    free(pf->gname);
    free(pf->gadv);
    free(pf->g_off);
    free(pf->g_conv);
    free(pf->g_nulls);
    free(pf->g_value);
    free(pf->g_step);
    free(pf->names);
    free(pf->name_len);
    free(pf);
}

static void buf_put(attrib_pathfile *pf, size_t *len, char ch)
{
    if (*len == pf->bcap) {
        pf->bcap *= 2;
        pf->buf = attrib_xrealloc(pf->buf, pf->bcap);
    }
    pf->buf[(*len)++] = ch;
}

static void field_push(attrib_pathfile *pf, size_t start, size_t len)
{
    if (pf->nf == pf->fcap) {
        pf->fcap *= 2;
        pf->fs = attrib_xrealloc(pf->fs, pf->fcap * sizeof *pf->fs);
        pf->fl = attrib_xrealloc(pf->fl, pf->fcap * sizeof *pf->fl);
    }
    pf->fs[pf->nf] = start;
    pf->fl[pf->nf++] = len;
}

/* Split record [p, p + n) (no line end) into fields. Returns 0 or -1 (bad quoting). */
static int split(attrib_pathfile *pf, const char *p, size_t n)
{
    size_t i = 0, len = 0;
    pf->nf = 0;
    for (;;) {
        const size_t start = len;
        if (i < n && p[i] == '"') {
            for (i++;; i++) {
                if (i == n)
                    return -1; /* open quote at the end of the record */
                if (p[i] == '"') {
                    if (i + 1 < n && p[i + 1] == '"') {
                        buf_put(pf, &len, '"');
                        i++;
                    } else {
                        i++;
                        break;
                    }
                } else {
                    buf_put(pf, &len, p[i]);
                }
            }
            if (i < n && p[i] != pf->sep)
                return -1; /* junk after the closing quote */
        } else {
            for (; i < n && p[i] != pf->sep; i++) {
                if (p[i] == '"')
                    return -1;
                buf_put(pf, &len, p[i]);
            }
        }
        field_push(pf, start, len - start);
        if (i == n)
            return 0;
        i++; /* the separator */
    }
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static void field(const attrib_pathfile *pf, int col, const char **s, size_t *n)
{
    *s = pf->buf + pf->fs[col];
    *n = pf->fl[col];
    trim(s, n);
}

static int header(attrib_pathfile *pf, const char *p, size_t n, uint64_t line)
{
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        n -= 3;
    }
    if (!pf->sep) {
        int q = 0;
        for (size_t i = 0; i < n && !pf->sep; i++) {
            if (p[i] == '"')
                q = !q;
            else if (!q && (p[i] == ',' || p[i] == ';' || p[i] == '\t' || p[i] == '|'))
                pf->sep = p[i];
        }
        if (!pf->sep)
            return attrib_err_set(ATTRIB_EINPUT,
                                  "%s:%llu: no column separator (',', ';', tab or '|') in the header; "
                                  "a path table needs at least the columns path and total_conversions",
                                  pf->name, (unsigned long long)line);
    }
    if (split(pf, p, n) < 0)
        return attrib_err_set(ATTRIB_EINPUT, "%s:%llu: malformed quoting in the header", pf->name,
                              (unsigned long long)line);
    for (int c = 0; c < NCOL; c++)
        pf->at[c] = -1;
    pf->ncols = (int)pf->nf;
    for (size_t f = 0; f < pf->nf; f++) {
        const char *s;
        size_t len;
        field(pf, (int)f, &s, &len);
        for (int c = 0; c < NCOL; c++)
            for (int alt = 0; alt < 2; alt++) {
                const char *cn = col_names[c][alt];
                if (!cn || strlen(cn) != len || memcmp(cn, s, len) != 0)
                    continue;
                if (pf->at[c] >= 0)
                    return attrib_err_set(ATTRIB_EINPUT, "%s:%llu: column '%s' given twice", pf->name,
                                          (unsigned long long)line, col_names[c][0]);
                pf->at[c] = (int)f;
            }
    }
    if (pf->o.no_nulls)
        pf->at[COL_NULL] = -1;
    const int need[] = {COL_PATH, COL_CONV, COL_NULL};
    for (size_t j = 0; j < sizeof need / sizeof need[0]; j++) {
        const int c = need[j];
        if (pf->at[c] >= 0 || (c == COL_NULL && pf->o.no_nulls))
            continue;
        char sepname[8];
        if (pf->sep == '\t')
            strcpy(sepname, "tab");
        else
            snprintf(sepname, sizeof sepname, "'%c'", pf->sep);
        return attrib_err_set(ATTRIB_EINPUT, "%s:%llu: no column '%s'%s%s%s (separator %s)%s", pf->name,
                              (unsigned long long)line, col_names[c][0], col_names[c][1] ? " or '" : "",
                              col_names[c][1] ? col_names[c][1] : "", col_names[c][1] ? "'" : "", sepname,
                              c == COL_NULL ? "; --no-nulls fits the converting paths alone" : "");
    }
    pf->have_header = 1;
    return 0;
}

/* A non-negative integer count: decimal digits, or a decimal with an integral value up
 * to 2^53 ("3.0", "1e+05", as R writes numbers). */
static int parse_count(const char *s, size_t n, uint64_t *out)
{
    if (attrib_csv_parse_u64(s, n, out) == 0)
        return 0;
    double d;
    if (attrib_csv_parse_amount(s, n, &d) < 0 || d != floor(d) || d > 9007199254740992.0)
        return -1;
    *out = (uint64_t)d;
    return 0;
}

static uint32_t channel_id(attrib_pathfile *pf, const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    size_t k = (size_t)(h ^ (h >> 31)) & pf->mask;
    while (pf->slot[k]) {
        const size_t id = pf->slot[k] - 1;
        if (pf->nlen[id] == n && memcmp(pf->arena + pf->noff[id], s, n) == 0)
            return (uint32_t)id;
        k = (k + 1) & pf->mask;
    }
    if (pf->nch == pf->chcap) {
        pf->chcap = pf->chcap ? 2 * pf->chcap : 64;
        pf->noff = attrib_xrealloc(pf->noff, pf->chcap * sizeof *pf->noff);
        pf->nlen = attrib_xrealloc(pf->nlen, pf->chcap * sizeof *pf->nlen);
    }
    while (pf->alen + n > pf->acap) {
        pf->acap = pf->acap ? 2 * pf->acap : 4096;
        pf->arena = attrib_xrealloc(pf->arena, pf->acap);
    }
    if (n)
        memcpy(pf->arena + pf->alen, s, n);
    const size_t id = pf->nch++;
    pf->noff[id] = pf->alen;
    pf->nlen[id] = n;
    pf->alen += n;
    pf->slot[k] = (uint32_t)(id + 1);
    if (2 * pf->nch > pf->mask) { /* grow and rehash */
        const size_t ns = (pf->mask + 1) * 2;
        uint32_t *slot = attrib_xcalloc(ns, sizeof *slot);
        for (size_t j = 0; j < pf->nch; j++) {
            const char *t = pf->arena + pf->noff[j];
            uint64_t hh = 0xcbf29ce484222325ull;
            for (size_t i = 0; i < pf->nlen[j]; i++)
                hh = (hh ^ (unsigned char)t[i]) * 0x100000001b3ull;
            size_t kk = (size_t)(hh ^ (hh >> 31)) & (ns - 1);
            while (slot[kk])
                kk = (kk + 1) & (ns - 1);
            slot[kk] = (uint32_t)(j + 1);
        }
        free(pf->slot);
        pf->slot = slot;
        pf->mask = ns - 1;
    }
    return (uint32_t)id;
}

static int bad_number(const attrib_pathfile *pf, uint64_t line, int col, const char *s, size_t n,
                      const char *what)
{
    return attrib_err_set(ATTRIB_EINPUT, "%s:%llu: %s '%.*s' is not %s", pf->name, (unsigned long long)line,
                          col_names[col][0], n > 40 ? 40 : (int)n, s, what);
}

static int row(attrib_pathfile *pf, const char *p, size_t n, uint64_t line)
{
    const unsigned long long ln = (unsigned long long)line;
    if (split(pf, p, n) < 0)
        return attrib_err_set(ATTRIB_EINPUT, "%s:%llu: malformed quoting", pf->name, ln);
    if (pf->nf != (size_t)pf->ncols)
        return attrib_err_set(ATTRIB_EINPUT, "%s:%llu: %zu fields, the header has %d", pf->name, ln, pf->nf,
                              pf->ncols);
    const char *s;
    size_t len;
    uint64_t conv = 0, nulls = 0, adv = 0;
    double value = 0.0;
    field(pf, pf->at[COL_CONV], &s, &len);
    if (parse_count(s, len, &conv) < 0)
        return bad_number(pf, line, COL_CONV, s, len, "a non-negative integer");
    if (pf->at[COL_NULL] >= 0) {
        field(pf, pf->at[COL_NULL], &s, &len);
        if (parse_count(s, len, &nulls) < 0)
            return bad_number(pf, line, COL_NULL, s, len, "a non-negative integer");
    }
    if (pf->at[COL_VALUE] >= 0) {
        field(pf, pf->at[COL_VALUE], &s, &len);
        if (len > 0 && attrib_csv_parse_amount(s, len, &value) < 0)
            return bad_number(pf, line, COL_VALUE, s, len, "a finite non-negative number");
        if (value > 0.0 && conv == 0)
            return attrib_err_set(ATTRIB_EINPUT, "%s:%llu: a conversion value without conversions", pf->name, ln);
    }
    if (pf->at[COL_ADV] >= 0) {
        field(pf, pf->at[COL_ADV], &s, &len);
        if (attrib_csv_parse_u64(s, len, &adv) < 0)
            return bad_number(pf, line, COL_ADV, s, len, "a non-negative integer");
    }
    if (pf->nrows == pf->rcap) {
        pf->rcap *= 2;
        pf->adv = attrib_xrealloc(pf->adv, pf->rcap * sizeof *pf->adv);
        pf->off = attrib_xrealloc(pf->off, (pf->rcap + 1) * sizeof *pf->off);
        pf->conv = attrib_xrealloc(pf->conv, pf->rcap * sizeof *pf->conv);
        pf->nulls = attrib_xrealloc(pf->nulls, pf->rcap * sizeof *pf->nulls);
        pf->value = attrib_xrealloc(pf->value, pf->rcap * sizeof *pf->value);
    }
    /* The path: channels between '>', trimmed. */
    const char *ps = pf->buf + pf->fs[pf->at[COL_PATH]];
    const size_t pn = pf->fl[pf->at[COL_PATH]];
    size_t nsteps = pf->nsteps;
    {
        const char *t = ps;
        size_t tn = pn;
        trim(&t, &tn);
        if (tn == 0)
            return attrib_err_set(ATTRIB_EINPUT, "%s:%llu: empty path", pf->name, ln);
    }
    for (size_t i = 0;;) {
        size_t j = i;
        while (j < pn && ps[j] != '>')
            j++;
        const char *c = ps + i;
        size_t cn = j - i;
        trim(&c, &cn);
        if (cn == 0) {
            return attrib_err_set(ATTRIB_EINPUT, "%s:%llu: empty channel name in the path", pf->name, ln);
        }
        if (nsteps == pf->scap) {
            pf->scap *= 2;
            pf->step = attrib_xrealloc(pf->step, pf->scap * sizeof *pf->step);
        }
        pf->step[nsteps++] = channel_id(pf, c, cn);
        if (j == pn)
            break;
        i = j + 1;
    }
    pf->nsteps = nsteps;
    pf->adv[pf->nrows] = adv;
    pf->conv[pf->nrows] = conv;
    pf->nulls[pf->nrows] = nulls;
    pf->value[pf->nrows] = value;
    pf->off[++pf->nrows] = nsteps;
    return 0;
}

int attrib_pathfile_feed(attrib_pathfile *pf, const char *p, size_t n, int eof, size_t *used)
{
    size_t i = 0;
    *used = 0;
    while (i < n) {
        /* The record ends at the first LF outside double quotes. */
        size_t e = i, lfs = 0;
        int q = 0;
        while (e < n && (p[e] != '\n' || q)) {
            if (p[e] == '"')
                q = !q;
            else if (p[e] == '\n')
                lfs++;
            e++;
        }
        if (e == n && !eof)
            break; /* incomplete: wait for more */
        const uint64_t line = pf->line + 1;
        size_t len = e - i;
        if (len > 0 && p[i + len - 1] == '\r')
            len--;
        pf->line += lfs + (e < n);
        int rc = 0;
        if (len > 0) /* empty lines are skipped */
            rc = pf->have_header ? row(pf, p + i, len, line) : header(pf, p + i, len, line);
        i = e < n ? e + 1 : e;
        *used = i;
        if (rc < 0)
            return rc;
    }
    if (eof)
        *used = n;
    return 0;
}

static int name_cmp(const void *pa, const void *pb, void *ctx)
{
    const attrib_pathfile *sort_pf = ctx;
    const uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const size_t la = sort_pf->nlen[a], lb = sort_pf->nlen[b];
    const int c = memcmp(sort_pf->arena + sort_pf->noff[a], sort_pf->arena + sort_pf->noff[b], la < lb ? la : lb);
    if (c)
        return c;
    return (la > lb) - (la < lb);
}

typedef struct adv_row {
    uint64_t adv;
    size_t row;
} adv_row;

static int adv_cmp(const void *pa, const void *pb)
{
    const adv_row *a = pa, *b = pb;
    if (a->adv != b->adv)
        return a->adv < b->adv ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

static int rank_cmp(const void *pa, const void *pb, void *ctx)
{
    const uint32_t *rank = ctx;
    const uint32_t a = rank[*(const uint32_t *)pa], b = rank[*(const uint32_t *)pb];
    return (a > b) - (a < b);
}

int attrib_pathfile_finish(attrib_pathfile *pf)
{
    if (!pf->have_header)
        return attrib_err_set(ATTRIB_EINPUT, "%s: empty file (no header line)", pf->name);
    const size_t nr = pf->nrows, nc = pf->nch;
    /* Channel ranks by name, bytewise. */
    uint32_t *byname = attrib_xmalloc((nc ? nc : 1) * sizeof *byname);
    uint32_t *rank = attrib_xmalloc((nc ? nc : 1) * sizeof *rank);
    for (size_t k = 0; k < nc; k++)
        byname[k] = (uint32_t)k;
    qsort_r(byname, nc, sizeof *byname, name_cmp, pf);
    for (size_t k = 0; k < nc; k++)
        rank[byname[k]] = (uint32_t)k;
    free(byname);
    /* Rows by advertiser. */
    adv_row *ar = attrib_xmalloc((nr ? nr : 1) * sizeof *ar);
    for (size_t i = 0; i < nr; i++)
        ar[i] = (adv_row){pf->adv[i], i};
    qsort(ar, nr, sizeof *ar, adv_cmp);
    size_t ng = 0;
    for (size_t i = 0; i < nr; i++)
        ng += i == 0 || ar[i].adv != ar[i - 1].adv;
    if (ng == 0)
        ng = 1; /* a header alone: one empty table */
    pf->ngroups = ng;
    pf->grow = attrib_xcalloc(ng + 1, sizeof *pf->grow);
    pf->gname = attrib_xcalloc(ng + 1, sizeof *pf->gname);
    pf->gadv = attrib_xcalloc(ng, sizeof *pf->gadv);
    pf->g_off = attrib_xmalloc((nr + 1) * sizeof *pf->g_off);
    pf->g_conv = attrib_xmalloc((nr ? nr : 1) * sizeof *pf->g_conv);
    pf->g_nulls = attrib_xmalloc((nr ? nr : 1) * sizeof *pf->g_nulls);
    pf->g_value = attrib_xmalloc((nr ? nr : 1) * sizeof *pf->g_value);
    pf->g_step = attrib_xmalloc((pf->nsteps ? pf->nsteps : 1) * sizeof *pf->g_step);
    uint32_t *local = attrib_xmalloc((nc ? nc : 1) * sizeof *local);
    uint32_t *list = attrib_xmalloc((nc ? nc : 1) * sizeof *list);
    size_t *stamp = attrib_xcalloc(nc ? nc : 1, sizeof *stamp);
    size_t nnames = 0, namecap = 64, g = 0, st = 0;
    pf->names = attrib_xmalloc(namecap * sizeof *pf->names);
    pf->name_len = attrib_xmalloc(namecap * sizeof *pf->name_len);
    pf->g_off[0] = 0;
    for (size_t i0 = 0; i0 < nr; g++) {
        size_t i1 = i0;
        while (i1 < nr && ar[i1].adv == ar[i0].adv)
            i1++;
        size_t nl = 0;
        for (size_t i = i0; i < i1; i++)
            for (uint64_t j = pf->off[ar[i].row]; j < pf->off[ar[i].row + 1]; j++)
                if (stamp[pf->step[j]] != g + 1) {
                    stamp[pf->step[j]] = g + 1;
                    list[nl++] = pf->step[j];
                }
        qsort_r(list, nl, sizeof *list, rank_cmp, rank);
        for (size_t k = 0; k < nl; k++)
            local[list[k]] = (uint32_t)k;
        while (nnames + nl > namecap) {
            namecap *= 2;
            pf->names = attrib_xrealloc(pf->names, namecap * sizeof *pf->names);
            pf->name_len = attrib_xrealloc(pf->name_len, namecap * sizeof *pf->name_len);
        }
        for (size_t k = 0; k < nl; k++) {
            pf->names[nnames + k] = pf->arena + pf->noff[list[k]];
            pf->name_len[nnames + k] = pf->nlen[list[k]];
        }
        nnames += nl;
        pf->gname[g + 1] = nnames;
        pf->gadv[g] = ar[i0].adv;
        for (size_t i = i0; i < i1; i++) {
            const size_t r = ar[i].row;
            for (uint64_t j = pf->off[r]; j < pf->off[r + 1]; j++)
                pf->g_step[st++] = local[pf->step[j]];
            pf->g_off[i + 1] = st;
            pf->g_conv[i] = pf->conv[r];
            pf->g_nulls[i] = pf->nulls[r];
            pf->g_value[i] = pf->value[r];
        }
        pf->grow[g + 1] = i1;
        i0 = i1;
    }
    free(stamp);
    free(list);
    free(local);
    free(ar);
    free(rank);
    return 0;
}

size_t attrib_pathfile_ngroups(const attrib_pathfile *pf) { return pf->ngroups; }
int attrib_pathfile_has_advertiser(const attrib_pathfile *pf) { return pf->have_header && pf->at[COL_ADV] >= 0; }
char attrib_pathfile_sep(const attrib_pathfile *pf) { return pf->sep; }
size_t attrib_pathfile_rows(const attrib_pathfile *pf) { return pf->nrows; }

void attrib_pathfile_group(const attrib_pathfile *pf, size_t g, attrib_pathgroup *out)
{
    const size_t r0 = pf->grow[g], r1 = pf->grow[g + 1];
    out->advertiser_id = pf->gadv[g];
    out->tab = (attrib_pathtab){.nchan = pf->gname[g + 1] - pf->gname[g],
                                .npaths = r1 - r0,
                                .off = pf->g_off + r0,
                                .step = pf->g_step,
                                .conv = pf->g_conv + r0,
                                .nulls = pf->g_nulls + r0,
                                .value = pf->g_value + r0};
    out->names = pf->names + pf->gname[g];
    out->name_len = pf->name_len + pf->gname[g];
}

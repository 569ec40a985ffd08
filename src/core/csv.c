/* RFC 4180 records by quote parity, and the row parsers of the import (see csv.h). */
#include "attrib/csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/table.h"
#include "attrib/timeparse.h"

const char *const attrib_csv_kind_names[] = {"campaigns", "events", "conversions", "links", NULL};

void attrib_csv_rec_init(attrib_csv_rec *r)
{
    memset(r, 0, sizeof *r);
    r->capf = 16;
    r->f = attrib_xmalloc(r->capf * sizeof *r->f);
    r->scap = 256;
    r->scratch = attrib_xmalloc(r->scap);
}

void attrib_csv_rec_free(attrib_csv_rec *r)
{
    if (!r)
        return;
    free(r->f);
    free(r->scratch);
    memset(r, 0, sizeof *r);
}

/* Bytes that end an unquoted field's fast scan. */
static const unsigned char special[256] = {['\n'] = 1, [','] = 1, ['"'] = 1};

static attrib_csv_field *push_field(attrib_csv_rec *r)
{
    if (r->nf == r->capf) {
        r->capf *= 2;
        r->f = attrib_xrealloc(r->f, r->capf * sizeof *r->f);
    }
    return &r->f[r->nf++];
}

static void scratch_append(attrib_csv_rec *r, size_t *used, const char *s, size_t n)
{
    if (*used + n > r->scap) {
        while (*used + n > r->scap)
            r->scap *= 2;
        r->scratch = attrib_xrealloc(r->scratch, r->scap);
    }
    memcpy(r->scratch + *used, s, n);
    *used += n;
}

static size_t count_lf(const char *s, size_t n)
{
    size_t c = 0;
    const char *e = s + n;
    while ((s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
        c++;
        s++;
    }
    return c;
}

static void push_unquoted(attrib_csv_rec *r, const char *b, const char *e, int last)
{
    /* The CR of a CRLF terminator belongs to no field. */
    if (last && e > b && e[-1] == '\r')
        e--;
    attrib_csv_field *f = push_field(r);
    f->p = b;
    f->len = (size_t)(e - b);
    f->quoted = 0;
}

int attrib_csv_next(attrib_csv_rec *r, const char *p, const char *end, int eof, size_t *used)
{
    if (p == end)
        return eof ? ATTRIB_CSV_END : ATTRIB_CSV_NEED_MORE;
    const char *s = p;
    size_t sc = 0;
    int inq = 0;
    r->nf = 0;
    r->nlf = 0;
    r->bad_quote = 0;
    for (;;) {
        if (s < end && *s == '"') {
            s++;
            attrib_csv_field *f = push_field(r);
            f->quoted = 1;
            f->off = sc;
            for (;;) {
                const char *q = memchr(s, '"', (size_t)(end - s));
                if (!q) {
                    if (!eof)
                        return ATTRIB_CSV_NEED_MORE;
                    /* A quoted field still open at the end of the input. */
                    scratch_append(r, &sc, s, (size_t)(end - s));
                    r->nlf += count_lf(s, (size_t)(end - s));
                    f->len = sc - f->off;
                    r->bad_quote = 1;
                    s = end;
                    goto done;
                }
                scratch_append(r, &sc, s, (size_t)(q - s));
                r->nlf += count_lf(s, (size_t)(q - s));
                if (q + 1 == end && !eof)
                    return ATTRIB_CSV_NEED_MORE; /* a doubled quote or the closing one? */
                if (q + 1 < end && q[1] == '"') {
                    scratch_append(r, &sc, "\"", 1);
                    s = q + 2;
                    continue;
                }
                s = q + 1;
                break;
            }
            f->len = sc - f->off;
            if (s == end) {
                if (!eof)
                    return ATTRIB_CSV_NEED_MORE;
                goto done;
            }
            if (*s == ',') {
                s++;
                continue;
            }
            if (*s == '\n') {
                s++;
                r->nlf++;
                goto done;
            }
            if (*s == '\r') {
                if (s + 1 == end) {
                    if (!eof)
                        return ATTRIB_CSV_NEED_MORE;
                    s++;
                    goto done;
                }
                if (s[1] == '\n') {
                    s += 2;
                    r->nlf++;
                    goto done;
                }
            }
            /* Junk after a closing quote: the quotes so far pair up. */
            r->bad_quote = 1;
            inq = 0;
            goto skip_rest;
        }
        const char *b = s;
        while (s < end && !special[(unsigned char)*s])
            s++;
        if (s == end) {
            if (!eof)
                return ATTRIB_CSV_NEED_MORE;
            push_unquoted(r, b, s, 1);
            goto done;
        }
        if (*s == ',') {
            push_unquoted(r, b, s, 0);
            s++;
            continue;
        }
        if (*s == '\n') {
            push_unquoted(r, b, s, 1);
            s++;
            r->nlf++;
            goto done;
        }
        /* A '"' inside an unquoted field opens a quote by the parity rule. */
        push_unquoted(r, b, s, 0);
        r->bad_quote = 1;
        inq = 1;
        s++;
        goto skip_rest;
    }
skip_rest:
    while (s < end) {
        char c = *s++;
        if (c == '"')
            inq ^= 1;
        else if (c == '\n') {
            r->nlf++;
            if (!inq)
                goto done;
        }
    }
    if (!eof)
        return ATTRIB_CSV_NEED_MORE;
done:
    for (size_t i = 0; i < r->nf; i++)
        if (r->f[i].quoted)
            r->f[i].p = r->scratch + r->f[i].off;
    *used = (size_t)(s - p);
    return ATTRIB_CSV_REC;
}

int attrib_csv_find_row_start(const char *p, size_t n, int *in_quotes, size_t *start,
                              uint64_t *nlf)
{
    uint64_t lfs = 0;
    int inq = *in_quotes;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            inq ^= 1;
        else if (p[i] == '\n') {
            lfs++;
            if (!inq) {
                *nlf = lfs;
                *start = i + 1;
                return 1;
            }
        }
    }
    *nlf = lfs;
    *in_quotes = inq;
    return 0;
}

void attrib_csv_count(const char *p, size_t n, uint64_t *quotes, uint64_t *lfs)
{
    uint64_t q = 0, l = 0;
    /* Byte counters over blocks of at most 255 bytes vectorise well. */
    while (n) {
        size_t m = n < 255 ? n : 255;
        unsigned char bq = 0, bl = 0;
        for (size_t i = 0; i < m; i++) {
            bq += (unsigned char)(p[i] == '"');
            bl += (unsigned char)(p[i] == '\n');
        }
        q += bq;
        l += bl;
        p += m;
        n -= m;
    }
    *quotes += q;
    *lfs += l;
}

/* ---- Row parsers ---- */

static const char *const slot_names[ATTRIB_CSV_NKINDS][ATTRIB_CSV_NSLOTS] = {
    [ATTRIB_CSV_CAMPAIGNS] = {"campaign_id", NULL, NULL, "advertiser_id", "name", NULL},
    [ATTRIB_CSV_EVENTS] = {"event_id", "identity", "timestamp", "campaign_id", "kind", "cost"},
    [ATTRIB_CSV_CONVERSIONS] = {"conversion_id", "identity", "timestamp", "advertiser_id", "type",
                                "value"},
    [ATTRIB_CSV_LINKS] = {NULL, "identity_a", NULL, NULL, "identity_b", NULL},
};

int attrib_csv_header_parse(attrib_csv_header *h, attrib_csv_kind kind, const attrib_csv_rec *r,
                            const char **missing, int *dup)
{
    h->kind = (int)kind;
    h->ncols = (int)r->nf;
    *dup = 0;
    *missing = NULL;
    for (int s = 0; s < ATTRIB_CSV_NSLOTS; s++)
        h->at[s] = -1;
    for (size_t i = 0; i < r->nf; i++) {
        const char *name = r->f[i].p;
        size_t len = r->f[i].len;
        if (i == 0 && len >= 3 && memcmp(name, "\xEF\xBB\xBF", 3) == 0) {
            name += 3;
            len -= 3;
        }
        for (int s = 0; s < ATTRIB_CSV_NSLOTS; s++) {
            const char *want = slot_names[kind][s];
            if (!want || strlen(want) != len || memcmp(want, name, len) != 0)
                continue;
            if (h->at[s] >= 0) {
                *missing = want;
                *dup = 1;
                return ATTRIB_EINPUT;
            }
            h->at[s] = (int)i;
        }
    }
    for (int s = 0; s < ATTRIB_CSV_NSLOTS; s++) {
        if (slot_names[kind][s] && s != ATTRIB_CSV_AMOUNT && h->at[s] < 0) {
            *missing = slot_names[kind][s];
            return ATTRIB_EINPUT;
        }
    }
    return 0;
}

const char *attrib_csv_reason_str(attrib_csv_kind kind, int reason)
{
    switch (reason) {
    case ATTRIB_CSV_R_COLUMNS: return "wrong column count";
    case ATTRIB_CSV_R_QUOTING: return "malformed quoting";
    case ATTRIB_CSV_R_ID:
        return kind == ATTRIB_CSV_EVENTS        ? "bad event_id"
               : kind == ATTRIB_CSV_CONVERSIONS ? "bad conversion_id"
                                                : "bad campaign_id";
    case ATTRIB_CSV_R_REF: return kind == ATTRIB_CSV_EVENTS ? "bad campaign_id" : "bad advertiser_id";
    case ATTRIB_CSV_R_TS: return "bad timestamp";
    case ATTRIB_CSV_R_KIND: return "unknown kind";
    case ATTRIB_CSV_R_IDENTITY_EMPTY:
        return kind == ATTRIB_CSV_LINKS ? "empty identity_a" : "empty identity";
    case ATTRIB_CSV_R_IDENTITY_LONG:
        return kind == ATTRIB_CSV_LINKS ? "identity_a longer than 256 bytes"
                                        : "identity longer than 256 bytes";
    case ATTRIB_CSV_R_IDENTITY_B_EMPTY: return "empty identity_b";
    case ATTRIB_CSV_R_IDENTITY_B_LONG: return "identity_b longer than 256 bytes";
    case ATTRIB_CSV_R_TYPE_EMPTY: return "empty type";
    case ATTRIB_CSV_R_TYPE_LONG: return "type longer than 32 bytes";
    case ATTRIB_CSV_R_TYPE_NUL: return "NUL byte in type";
    case ATTRIB_CSV_R_NAME_LONG: return "name longer than 256 bytes";
    case ATTRIB_CSV_R_AMOUNT: return kind == ATTRIB_CSV_EVENTS ? "bad cost" : "bad value";
    case ATTRIB_CSV_R_UNKNOWN_CAMPAIGN: return "campaign_id not in the campaigns catalog";
    case ATTRIB_CSV_R_DUP_CAMPAIGN: return "duplicate campaign_id in the catalog";
    case ATTRIB_CSV_R_TS_RANGE: return "timestamp outside years 0000 to 9999";
    case ATTRIB_CSV_R_TS_NO_ZONE: return "timestamp has no time zone (add Z or +HH:MM)";
    case ATTRIB_CSV_R_TS_SECONDS: return "integer timestamp looks like epoch seconds";
    default: return "accepted";
    }
}

int attrib_csv_parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9)
            return -1;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v))
            return -1;
    }
    *out = v;
    return 0;
}

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int attrib_csv_parse_amount(const char *s, size_t len, double *out)
{
    size_t i = 0;
    if (len > 0 && s[0] == '+')
        i++;
    uint64_t m = 0;
    int ndig = 0, nfrac = 0;
    for (; i < len && (unsigned)((unsigned char)s[i] - '0') <= 9u; i++, ndig++)
        m = m * 10 + (uint64_t)(s[i] - '0');
    if (i < len && s[i] == '.') {
        for (i++; i < len && (unsigned)((unsigned char)s[i] - '0') <= 9u; i++, ndig++, nfrac++)
            m = m * 10 + (uint64_t)(s[i] - '0');
    }
    if (ndig == 0)
        return -1;
    if (i == len && ndig <= 15) {
        /* m < 10^15 < 2^53 and 10^nfrac are exact doubles, so one IEEE division is the
         * correctly rounded value of the decimal (Clinger's fast path). */
        *out = (double)m / pow10_exact[nfrac];
        return 0;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e0 = i;
        while (i < len && (unsigned)((unsigned char)s[i] - '0') <= 9u)
            i++;
        if (i == e0)
            return -1;
    }
    if (i != len || len >= 128)
        return -1;
    /* The grammar is checked above, so strtod sees only a plain decimal. */
    char buf[128];
    memcpy(buf, s, len);
    buf[len] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v) || !attrib_amount_ok(v)) /* over ATTRIB_AMOUNT_MAX (table.h) */
        return -1;
    *out = v;
    return 0;
}

static int parse_u32(const attrib_csv_field *f, uint32_t *out)
{
    uint64_t v;
    if (attrib_csv_parse_u64(f->p, f->len, &v) < 0 || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_kind(const char *s, size_t len, uint8_t *kind)
{
    for (int k = 0; k < ATTRIB_NKINDS; k++) {
        const char *n = attrib_kind_names[k];
        if (strlen(n) == len && memcmp(n, s, len) == 0) {
            *kind = (uint8_t)k;
            return 0;
        }
    }
    return -1;
}

int attrib_csv_parse_row(const attrib_csv_header *h, const attrib_csv_rec *r,
                         const attrib_csv_parse_opts *o, attrib_csv_values *v)
{
    if (r->bad_quote)
        return ATTRIB_CSV_R_QUOTING;
    if (r->nf != (size_t)h->ncols)
        return ATTRIB_CSV_R_COLUMNS;
    const attrib_csv_field *f = r->f;
    const int *at = h->at;
    v->amount = 0;
    v->kind = 0;
    v->identity = 0;
    v->identity_b = 0;
    v->ts = 0;
    if (h->kind == ATTRIB_CSV_LINKS) {
        const attrib_csv_field *fa = &f[at[ATTRIB_CSV_IDENTITY]], *fb = &f[at[ATTRIB_CSV_STR]];
        if (fa->len == 0)
            return ATTRIB_CSV_R_IDENTITY_EMPTY;
        if (fa->len > ATTRIB_CSV_IDENTITY_MAX)
            return ATTRIB_CSV_R_IDENTITY_LONG;
        if (fb->len == 0)
            return ATTRIB_CSV_R_IDENTITY_B_EMPTY;
        if (fb->len > ATTRIB_CSV_IDENTITY_MAX)
            return ATTRIB_CSV_R_IDENTITY_B_LONG;
        v->id = 0;
        v->ref = 0;
        v->str = NULL;
        v->str_len = 0;
        v->identity = attrib_identity_hash(o->key, fa->p, fa->len);
        v->identity_b = attrib_identity_hash(o->key, fb->p, fb->len);
        return ATTRIB_CSV_OK;
    }
    if (h->kind == ATTRIB_CSV_CAMPAIGNS) {
        uint32_t id;
        if (parse_u32(&f[at[ATTRIB_CSV_ID]], &id) < 0)
            return ATTRIB_CSV_R_ID;
        v->id = id;
        if (parse_u32(&f[at[ATTRIB_CSV_REF]], &v->ref) < 0)
            return ATTRIB_CSV_R_REF;
        const attrib_csv_field *n = &f[at[ATTRIB_CSV_STR]];
        if (n->len > ATTRIB_CSV_NAME_MAX)
            return ATTRIB_CSV_R_NAME_LONG;
        v->str = n->p;
        v->str_len = n->len;
        return ATTRIB_CSV_OK;
    }
    if (attrib_csv_parse_u64(f[at[ATTRIB_CSV_ID]].p, f[at[ATTRIB_CSV_ID]].len, &v->id) < 0)
        return ATTRIB_CSV_R_ID;
    const attrib_csv_field *idf = &f[at[ATTRIB_CSV_IDENTITY]];
    if (idf->len == 0)
        return ATTRIB_CSV_R_IDENTITY_EMPTY;
    if (idf->len > ATTRIB_CSV_IDENTITY_MAX)
        return ATTRIB_CSV_R_IDENTITY_LONG;
    const attrib_csv_field *tsf = &f[at[ATTRIB_CSV_TS]];
    switch (attrib_time_parse_input(tsf->p, tsf->len, o->ts_unit, &v->ts)) {
    case ATTRIB_TIME_OK: break;
    case ATTRIB_TIME_NO_ZONE: return ATTRIB_CSV_R_TS_NO_ZONE;
    case ATTRIB_TIME_SECONDS: return ATTRIB_CSV_R_TS_SECONDS; /* v->ts: the integer */
    case ATTRIB_TIME_OVERFLOW: return ATTRIB_CSV_R_TS_RANGE;
    default: return ATTRIB_CSV_R_TS;
    }
    if (v->ts < ATTRIB_TIME_MIN_MS || v->ts > ATTRIB_TIME_MAX_MS)
        return ATTRIB_CSV_R_TS_RANGE;
    if (parse_u32(&f[at[ATTRIB_CSV_REF]], &v->ref) < 0)
        return ATTRIB_CSV_R_REF;
    const attrib_csv_field *sf = &f[at[ATTRIB_CSV_STR]];
    if (h->kind == ATTRIB_CSV_EVENTS) {
        if (parse_kind(sf->p, sf->len, &v->kind) < 0)
            return ATTRIB_CSV_R_KIND;
        v->str = NULL;
        v->str_len = 0;
    } else {
        if (sf->len == 0)
            return ATTRIB_CSV_R_TYPE_EMPTY;
        if (sf->len > ATTRIB_CSV_TYPE_MAX)
            return ATTRIB_CSV_R_TYPE_LONG;
        if (memchr(sf->p, '\0', sf->len))
            return ATTRIB_CSV_R_TYPE_NUL;
        v->str = sf->p;
        v->str_len = sf->len;
    }
    if (at[ATTRIB_CSV_AMOUNT] >= 0) {
        const attrib_csv_field *af = &f[at[ATTRIB_CSV_AMOUNT]];
        if (af->len > 0 && attrib_csv_parse_amount(af->p, af->len, &v->amount) < 0)
            return ATTRIB_CSV_R_AMOUNT;
    }
    /* Hash last: a rejected row costs no hashing. */
    v->identity = attrib_identity_hash(o->key, idf->p, idf->len);
    return ATTRIB_CSV_OK;
}

/* attrib reconcile --by campaign (include/attrib/reconcile.h): the figures of each side
 * (a results file's report/campaign or a CSV campaign report), merged by campaign_id. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attrib/csv.h"
#include "attrib/csvfile.h"
#include "attrib/err.h"
#include "attrib/reconcile.h"
#include "attrib/results.h"
#include "attrib/table.h"

int attrib_reconcile_differs(const attrib_reconcile_opts *o, double a, double b)
{
    if (a == b)
        return 0;
    if (isnan(a) || isnan(b))
        return !(isnan(a) && isnan(b));
    const double d = fabs(a - b);
    return o->relative ? d > o->tolerance * fmax(fabs(a), fabs(b)) : d > o->tolerance;
}

/* One campaign's figures on one side; `line` orders duplicates for the message. */
typedef struct camp_fig {
    uint32_t id, adv;
    double conv, value;
    size_t line;
} camp_fig;

typedef struct side_figs {
    camp_fig *c;
    size_t n;
} side_figs;

static int fig_cmp(const void *a, const void *b)
{
    const camp_fig *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* A decimal number, blanks around it allowed, hexadecimal and non-finite refused. */
static int parse_num(const char *s, size_t len, double *out)
{
    char buf[128];
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *end;
    const double v = strtod(buf, &end);
    if (*end || !isfinite(v) || strchr(buf, 'x') || strchr(buf, 'X'))
        return -1;
    *out = v;
    return 0;
}

static int field_is(const attrib_csv_field *f, const char *name, int first)
{
    const char *p = f->p;
    size_t len = f->len;
    if (first && len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3, len -= 3;
    while (len && (*p == ' ' || *p == '\t'))
        p++, len--;
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    return len == strlen(name) && strncasecmp(p, name, len) == 0;
}

enum { COL_CAMPAIGN, COL_CONVERSIONS, COL_VALUE, COL_ADVERTISER, NCOLS };
static const char *const col_names[NCOLS] = {"campaign_id", "conversions", "value",
                                             "advertiser_id"};

/* The header line: where each column is. */
static int csv_header(const attrib_csv_rec *rec, const char *path, size_t line, int *at)
{
    for (size_t i = 0; i < rec->nf; i++)
        for (int k = 0; k < NCOLS; k++)
            if (field_is(&rec->f[i], col_names[k], i == 0)) {
                if (at[k] >= 0)
                    return attrib_err_set(ATTRIB_EINPUT, "%s:%zu: column '%s' appears twice", path,
                                          line, col_names[k]);
                at[k] = (int)i;
            }
    for (int k = 0; k < COL_ADVERTISER; k++)
        if (at[k] < 0)
            return attrib_err_set(ATTRIB_EINPUT,
                                  "%s:%zu: missing column '%s' (a campaign report "
                                  "needs campaign_id, conversions and value)",
                                  path, line, col_names[k]);
    return 0;
}

static int csv_id(const attrib_csv_field *f, const char *path, size_t line, const char *what,
                  uint32_t *out)
{
    uint64_t id = 0;
    if (attrib_csv_parse_u64(f->p, f->len, &id) != 0 || id > UINT32_MAX)
        return attrib_err_set(ATTRIB_EINPUT, "%s:%zu: bad %s '%.*s'", path, line, what,
                              (int)(f->len > 40 ? 40 : f->len), f->p);
    *out = (uint32_t)id;
    return 0;
}

/* One data row into c. */
static int csv_row(const attrib_csv_rec *rec, const char *path, size_t line, const int *at,
                   camp_fig *c)
{
    memset(c, 0, sizeof *c);
    c->line = line;
    ATTRIB_TRY(csv_id(&rec->f[at[COL_CAMPAIGN]], path, line, "campaign_id", &c->id));
    for (int k = COL_CONVERSIONS; k <= COL_VALUE; k++) {
        const attrib_csv_field *fi = &rec->f[at[k]];
        if (parse_num(fi->p, fi->len, k == COL_CONVERSIONS ? &c->conv : &c->value) != 0)
            return attrib_err_set(ATTRIB_EINPUT, "%s:%zu: bad %s '%.*s'", path, line, col_names[k],
                                  (int)(fi->len > 40 ? 40 : fi->len), fi->p);
    }
    if (at[COL_ADVERTISER] >= 0)
        ATTRIB_TRY(csv_id(&rec->f[at[COL_ADVERTISER]], path, line, "advertiser_id", &c->adv));
    return 0;
}

static int load_csv(const char *path, attrib_reconcile_side *s, side_figs *sf)
{
    attrib_csvfile *f = NULL;
    ATTRIB_TRY(attrib_csvfile_open(path, 0, 0, &f));
    attrib_csv_rec rec;
    attrib_csv_rec_init(&rec);
    const char *p;
    size_t n, line = 1, cap = 0, ncols = 0, off = 0;
    int eof = 0, have_header = 0;
    int at[NCOLS] = {-1, -1, -1, -1};
    int rc = attrib_csvfile_window(f, 0, &p, &n, &eof);
    while (rc == 0) {
        size_t used = 0;
        const int st = attrib_csv_next(&rec, p + off, p + n, eof, &used);
        if (st == ATTRIB_CSV_END)
            break;
        if (st == ATTRIB_CSV_NEED_MORE) {
            rc = attrib_csvfile_window(f, off, &p, &n, &eof);
            off = 0;
            continue;
        }
        off += used;
        const size_t this_line = line;
        line += rec.nlf;
        if (rec.nf == 1 && rec.f[0].len == 0 && !rec.f[0].quoted)
            continue; /* blank line */
        if (rec.bad_quote) {
            rc = attrib_err_set(ATTRIB_EINPUT, "%s:%zu: malformed quoting", path, this_line);
            break;
        }
        if (!have_header) {
            rc = csv_header(&rec, path, this_line, at);
            ncols = rec.nf;
            have_header = 1;
            s->has_advertiser = at[COL_ADVERTISER] >= 0;
            continue;
        }
        if (rec.nf != ncols) {
            rc = attrib_err_set(ATTRIB_EINPUT, "%s:%zu: %zu fields, the header has %zu", path,
                                this_line, rec.nf, ncols);
            break;
        }
        if (sf->n == cap) {
            cap = cap ? cap * 2 : 256;
            sf->c = attrib_xrealloc(sf->c, cap * sizeof *sf->c);
        }
        rc = csv_row(&rec, path, this_line, at, &sf->c[sf->n]);
        if (rc == 0)
            sf->n++;
    }
    if (rc == 0 && !have_header)
        rc = attrib_err_set(ATTRIB_EINPUT,
                            "%s: empty file (a campaign report needs a header "
                            "line: campaign_id,conversions,value)",
                            path);
    attrib_csv_rec_free(&rec);
    attrib_csvfile_close(f);
    if (rc)
        return rc;
    qsort(sf->c, sf->n, sizeof *sf->c, fig_cmp);
    for (size_t i = 1; i < sf->n; i++)
        if (sf->c[i].id == sf->c[i - 1].id)
            return attrib_err_set(ATTRIB_EINPUT,
                                  "%s:%zu: campaign_id %" PRIu32 " appears twice "
                                  "(first on line %zu)",
                                  path, sf->c[i].line, sf->c[i].id, sf->c[i - 1].line);
    return 0;
}

static int load_results(const char *path, attrib_reconcile_side *s, side_figs *sf)
{
    attrib_results *r = NULL;
    ATTRIB_TRY(attrib_results_open(path, &r));
    const attrib_table *t = &r->campaign;
    s->is_results = s->has_advertiser = 1;
    sf->n = t->n;
    sf->c = attrib_xcalloc(t->n ? t->n : 1, sizeof *sf->c);
    for (size_t i = 0; i < t->n; i++)
        sf->c[i] = (camp_fig){ATTRIB_COL(t, ATTRIB_RC_CAMPAIGN_ID, uint32_t)[i],
                              ATTRIB_COL(t, ATTRIB_RC_ADVERTISER_ID, uint32_t)[i],
                              ATTRIB_COL(t, ATTRIB_RC_CONVERSIONS, double)[i],
                              ATTRIB_COL(t, ATTRIB_RC_VALUE, double)[i], i};
    attrib_results_close(r);
    qsort(sf->c, sf->n, sizeof *sf->c, fig_cmp);
    for (size_t i = 1; i < sf->n; i++)
        if (sf->c[i].id == sf->c[i - 1].id)
            return attrib_err_set(ATTRIB_EINPUT,
                                  "%s: report/campaign: campaign_id %" PRIu32 " appears twice",
                                  path, sf->c[i].id);
    return 0;
}

/* Fill the side and its campaigns (sorted by campaign_id) from `path`. */
static int load_side(const char *path, attrib_reconcile_side *s, side_figs *sf)
{
    s->path = strdup(path);
    if (!s->path)
        ATTRIB_DIE("out of memory");
    ATTRIB_TRY(attrib_results_is_hdf5(path) ? load_results(path, s, sf) : load_csv(path, s, sf));
    s->ncampaigns = sf->n;
    for (size_t i = 0; i < sf->n; i++) {
        s->conversions += sf->c[i].conv;
        s->value += sf->c[i].value;
    }
    return 0;
}

static int camp_cmp(const void *x, const void *y)
{
    const attrib_reconcile_campaign *a = x, *b = y;
    if (a->differs != b->differs)
        return a->differs ? -1 : 1;
    if (a->impact != b->impact)
        return a->impact > b->impact ? -1 : 1;
    return (a->campaign_id > b->campaign_id) - (a->campaign_id < b->campaign_id);
}

/* The merge of two sides sorted by campaign_id. */
static void compare(attrib_reconcile_campaigns *r, const side_figs *A, const side_figs *B)
{
    const attrib_reconcile_opts *o = &r->opts;
    const double tc = fmax(fabs(r->a.conversions), fabs(r->b.conversions));
    const double tv = fmax(fabs(r->a.value), fabs(r->b.value));
    const int cmp_adv = r->a.has_advertiser && r->b.has_advertiser;
    r->camp = attrib_xcalloc(A->n + B->n + 1, sizeof *r->camp);
    size_t i = 0, j = 0;
    while (i < A->n || j < B->n) {
        attrib_reconcile_campaign *c = &r->camp[r->n++];
        const int take_a = j >= B->n || (i < A->n && A->c[i].id <= B->c[j].id);
        const int take_b = i >= A->n || (j < B->n && B->c[j].id <= A->c[i].id);
        if (take_a) {
            c->campaign_id = A->c[i].id;
            c->in_a = 1;
            c->advertiser_a = A->c[i].adv;
            c->conversions_a = A->c[i].conv;
            c->value_a = A->c[i].value;
            i++;
        }
        if (take_b) {
            c->campaign_id = B->c[j].id;
            c->in_b = 1;
            c->advertiser_b = B->c[j].adv;
            c->conversions_b = B->c[j].conv;
            c->value_b = B->c[j].value;
            j++;
        }
        r->only_a += !c->in_b;
        r->only_b += !c->in_a;
        c->advertiser_differs = cmp_adv && c->in_a && c->in_b && c->advertiser_a != c->advertiser_b;
        c->differs = attrib_reconcile_differs(o, c->conversions_a, c->conversions_b) ||
                     attrib_reconcile_differs(o, c->value_a, c->value_b) || c->advertiser_differs;
        c->impact = fmax(fabs(c->conversions_b - c->conversions_a) / fmax(tc, 1e-12),
                         fabs(c->value_b - c->value_a) / fmax(tv, 1e-12));
        if (!isfinite(c->impact))
            c->impact = INFINITY;
        c->listed = o->all || c->differs || c->conversions_a != c->conversions_b ||
                    c->value_a != c->value_b || !c->in_a || !c->in_b;
        r->ndiffering += (size_t)c->differs;
        r->nlisted += (size_t)c->listed;
    }
    qsort(r->camp, r->n, sizeof *r->camp, camp_cmp);
    r->totals_differ = attrib_reconcile_differs(o, r->a.conversions, r->b.conversions) ||
                       attrib_reconcile_differs(o, r->a.value, r->b.value);
    r->within_tolerance = r->ndiffering == 0;
}

int attrib_reconcile_by_campaign(const char *a, const char *b, const attrib_reconcile_opts *o,
                                 attrib_reconcile_campaigns **out)
{
    *out = NULL;
    attrib_reconcile_campaigns *r = attrib_xcalloc(1, sizeof *r);
    r->opts = *o;
    side_figs A = {NULL, 0}, B = {NULL, 0};
    int rc = load_side(a, &r->a, &A);
    if (rc == 0)
        rc = load_side(b, &r->b, &B);
    if (rc == 0)
        compare(r, &A, &B);
    free(A.c);
    free(B.c);
    if (rc) {
        attrib_reconcile_campaigns_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void attrib_reconcile_campaigns_free(attrib_reconcile_campaigns *r)
{
    if (!r)
        return;
    free(r->a.path);
    free(r->b.path);
    free(r->camp);
    free(r);
}

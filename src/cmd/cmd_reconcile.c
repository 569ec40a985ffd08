/* attrib reconcile — compare two results files, or a results file and a campaign
 * report exported by another system (CSV), campaign by campaign or conversion by
 * conversion. Exit 0 when every figure is within tolerance, 1 when not, 2 on bad input.
 *
 * Single process: results files are opened on MPI_COMM_SELF (include/attrib/results.h).
 * --by conversion streams /credits (and /unattributed, for the reason a conversion has
 * no credit) of both files in blocks, merging them in their common sort order
 * (conversion_id, advertiser_id, …), so memory does not grow with the files. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attrib/cmd.h"
#include "attrib/csv.h"
#include "attrib/csvfile.h"
#include "attrib/err.h"
#include "attrib/results.h"
#include "attrib/table.h"
#include "attrib/textout.h"

const char attrib_usage_reconcile[] =
    "usage: attrib reconcile A B [--by campaign|conversion] [--tolerance T] [--relative]\n"
    "                            [--json] [--all] [--limit N]\n"
    "\n"
    "Compare A with B. Each is a results file of `attrib run` (HDF5, recognised by its\n"
    "signature) or, for --by campaign, a campaign report as CSV — an export of figures\n"
    "reported by another system, or `attrib report --format csv`, or `attrib export\n"
    "RESULTS report/campaign`. Exit 0 when A and B agree within the tolerance, 1 when\n"
    "they do not, 2 on bad input or usage.\n"
    "\n"
    "  --by campaign      (default) per campaign: conversions (sum of credit) and value\n"
    "                     (credited value) of A and B, their difference (B - A), absolute\n"
    "                     and relative to A, with totals; campaigns are listed by impact\n"
    "                     (the larger of |delta conversions| / total conversions and\n"
    "                     |delta value| / total value, totals the larger of A's and B's),\n"
    "                     campaigns beyond tolerance first. Campaigns with no difference\n"
    "                     are counted, not listed (--all lists them).\n"
    "  --by conversion    A and B must be results files: lists the conversions whose\n"
    "                     credited campaigns or credits differ, both sides shown, grouped\n"
    "                     by kind: new (credited in B only; in A unattributed or absent),\n"
    "                     lost (credited in A only), moved (the set of credited campaigns\n"
    "                     changed), credit changed (same campaigns, a campaign's credit or\n"
    "                     credited value differs beyond tolerance). A conversion is\n"
    "                     identified by (conversion_id, advertiser_id).\n"
    "  --tolerance T      (default 0.001) a figure differs when |A - B| > T: an absolute\n"
    "                     tolerance, in conversions for conversions and credit and in\n"
    "                     money for value. So a single conversion moved between two\n"
    "                     campaigns is caught whatever the size of the campaigns, while\n"
    "                     the last bits of float sums are not; use e.g. 0.01 against a\n"
    "                     CSV rounded to cents. T = 0 asks for exact equality.\n"
    "  --relative         make T relative: a figure differs when\n"
    "                     |A - B| > T * max(|A|, |B|)\n"
    "  --json             print one JSON object instead of text\n"
    "  --all              --by campaign: list every campaign, also those without difference\n"
    "  --limit N          --by conversion: conversions listed per kind (default 20, 0 = all;\n"
    "                     the counts are always complete)\n"
    "\n"
    "CSV campaign reports: a header line naming at least the columns campaign_id,\n"
    "conversions and value (any order, names matched case-insensitively; other columns\n"
    "are ignored), then one row per campaign: campaign_id a decimal integer below 2^32,\n"
    "conversions and value decimal numbers. An optional advertiser_id column is compared\n"
    "when both sides have one (a campaign under another advertiser differs). RFC 4180\n"
    "quoting; .gz and .zst files are read too. A missing column, a row with another\n"
    "number of fields, a bad number or a campaign_id given twice is bad input (exit 2).\n"
    "\n"
    "A campaign present on one side only (a results file lists every catalog campaign, an\n"
    "external report may leave out campaigns without conversions) is compared with zero\n"
    "conversions and zero value on the other side: it differs only when its figures do,\n"
    "and is marked 'only in A' or 'only in B'.\n";

typedef struct opts {
    const char *a, *b;
    int by_conversion, json, relative, all;
    double tol;
    size_t limit;
} opts;

static int differs(const opts *o, double a, double b)
{
    if (a == b)
        return 0;
    if (isnan(a) || isnan(b))
        return !(isnan(a) && isnan(b));
    double d = fabs(a - b);
    return o->relative ? d > o->tol * fmax(fabs(a), fabs(b)) : d > o->tol;
}

/* ---------------------------------------------------------------- by campaign ---- */

typedef struct camp_fig {
    uint32_t id, adv;
    double conv, value;
    size_t line;
} camp_fig;

typedef struct side {
    const char *path;
    int is_results, has_adv;
    camp_fig *c;
    size_t n;
    double conv, value; /* totals */
} side;

static int fig_cmp(const void *a, const void *b)
{
    const camp_fig *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

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
    double v = strtod(buf, &end);
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

static int load_csv(side *s)
{
    attrib_csvfile *f = NULL;
    ATTRIB_TRY(attrib_csvfile_open(s->path, 0, 0, &f));
    attrib_csv_rec rec;
    attrib_csv_rec_init(&rec);
    const char *p;
    size_t n, consumed = 0, line = 1, cap = 0;
    int eof = 0, rc = 0, have_header = 0;
    int at[4] = {-1, -1, -1, -1}; /* campaign_id, conversions, value, advertiser_id */
    static const char *const names[4] = {"campaign_id", "conversions", "value", "advertiser_id"};
    size_t ncols = 0;
    rc = attrib_csvfile_window(f, 0, &p, &n, &eof);
    size_t off = 0;
    while (rc == 0) {
        size_t used = 0;
        int st = attrib_csv_next(&rec, p + off, p + n, eof, &used);
        if (st == ATTRIB_CSV_END)
            break;
        if (st == ATTRIB_CSV_NEED_MORE) {
            consumed = off;
            rc = attrib_csvfile_window(f, consumed, &p, &n, &eof);
            off = 0;
            continue;
        }
        off += used;
        size_t this_line = line;
        line += rec.nlf;
        if (rec.nf == 1 && rec.f[0].len == 0 && !rec.f[0].quoted)
            continue; /* blank line */
        if (rec.bad_quote) {
            rc = attrib_err_set(ATTRIB_EINPUT, "%s:%zu: malformed quoting", s->path, this_line);
            break;
        }
        if (!have_header) {
            for (size_t i = 0; i < rec.nf; i++)
                for (int k = 0; k < 4; k++)
                    if (field_is(&rec.f[i], names[k], i == 0)) {
                        if (at[k] >= 0) {
                            rc = attrib_err_set(ATTRIB_EINPUT, "%s:%zu: column '%s' appears twice",
                                                s->path, this_line, names[k]);
                            break;
                        }
                        at[k] = (int)i;
                    }
            for (int k = 0; k < 3 && rc == 0; k++)
                if (at[k] < 0)
                    rc = attrib_err_set(ATTRIB_EINPUT, "%s:%zu: missing column '%s' (a campaign "
                                        "report needs campaign_id, conversions and value)",
                                        s->path, this_line, names[k]);
            ncols = rec.nf;
            have_header = 1;
            s->has_adv = at[3] >= 0;
            continue;
        }
        if (rec.nf != ncols) {
            rc = attrib_err_set(ATTRIB_EINPUT, "%s:%zu: %zu fields, the header has %zu", s->path,
                                this_line, rec.nf, ncols);
            break;
        }
        if (s->n == cap) {
            cap = cap ? cap * 2 : 256;
            s->c = attrib_xrealloc(s->c, cap * sizeof *s->c);
        }
        camp_fig *c = &s->c[s->n];
        memset(c, 0, sizeof *c);
        c->line = this_line;
        uint64_t id = 0;
        const attrib_csv_field *fi = &rec.f[at[0]];
        if (attrib_csv_parse_u64(fi->p, fi->len, &id) != 0 || id > UINT32_MAX) {
            rc = attrib_err_set(ATTRIB_EINPUT, "%s:%zu: bad campaign_id '%.*s'", s->path,
                                this_line, (int)(fi->len > 40 ? 40 : fi->len), fi->p);
            break;
        }
        c->id = (uint32_t)id;
        for (int k = 1; k <= 2 && rc == 0; k++) {
            fi = &rec.f[at[k]];
            if (parse_num(fi->p, fi->len, k == 1 ? &c->conv : &c->value) != 0)
                rc = attrib_err_set(ATTRIB_EINPUT, "%s:%zu: bad %s '%.*s'", s->path, this_line,
                                    names[k], (int)(fi->len > 40 ? 40 : fi->len), fi->p);
        }
        if (rc == 0 && at[3] >= 0) {
            fi = &rec.f[at[3]];
            if (attrib_csv_parse_u64(fi->p, fi->len, &id) != 0 || id > UINT32_MAX)
                rc = attrib_err_set(ATTRIB_EINPUT, "%s:%zu: bad advertiser_id '%.*s'", s->path,
                                    this_line, (int)(fi->len > 40 ? 40 : fi->len), fi->p);
            c->adv = (uint32_t)id;
        }
        if (rc)
            break;
        s->n++;
    }
    if (rc == 0 && !have_header)
        rc = attrib_err_set(ATTRIB_EINPUT, "%s: empty file (a campaign report needs a header "
                            "line: campaign_id,conversions,value)", s->path);
    attrib_csv_rec_free(&rec);
    attrib_csvfile_close(f);
    if (rc)
        return rc;
    qsort(s->c, s->n, sizeof *s->c, fig_cmp);
    for (size_t i = 1; i < s->n; i++)
        if (s->c[i].id == s->c[i - 1].id)
            return attrib_err_set(ATTRIB_EINPUT, "%s:%zu: campaign_id %" PRIu32 " appears twice "
                                  "(first on line %zu)", s->path, s->c[i].line, s->c[i].id,
                                  s->c[i - 1].line);
    return 0;
}

static int load_side(side *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    int rc;
    if (attrib_results_is_hdf5(path)) {
        attrib_results *r = NULL;
        ATTRIB_TRY(attrib_results_open(path, &r));
        const attrib_table *t = &r->campaign;
        s->is_results = s->has_adv = 1;
        s->n = t->n;
        s->c = attrib_xcalloc(t->n ? t->n : 1, sizeof *s->c);
        for (size_t i = 0; i < t->n; i++) {
            s->c[i].id = ATTRIB_COL(t, RC_CAMPAIGN_ID, uint32_t)[i];
            s->c[i].adv = ATTRIB_COL(t, RC_ADVERTISER_ID, uint32_t)[i];
            s->c[i].conv = ATTRIB_COL(t, RC_CONVERSIONS, double)[i];
            s->c[i].value = ATTRIB_COL(t, RC_VALUE, double)[i];
            s->c[i].line = i;
        }
        attrib_results_close(r);
        qsort(s->c, s->n, sizeof *s->c, fig_cmp);
        rc = 0;
        for (size_t i = 1; i < s->n && rc == 0; i++)
            if (s->c[i].id == s->c[i - 1].id)
                rc = attrib_err_set(ATTRIB_EINPUT, "%s: report/campaign: campaign_id %" PRIu32
                                    " appears twice", path, s->c[i].id);
    } else {
        rc = load_csv(s);
    }
    for (size_t i = 0; i < s->n && rc == 0; i++) {
        s->conv += s->c[i].conv;
        s->value += s->c[i].value;
    }
    return rc;
}

typedef struct crow {
    uint32_t id, adv_a, adv_b;
    int in_a, in_b, adv_differs, out;
    double ca, cb, va, vb, impact;
} crow;

static int crow_cmp(const void *x, const void *y)
{
    const crow *a = x, *b = y;
    if (a->out != b->out)
        return a->out ? -1 : 1;
    if (a->impact != b->impact)
        return a->impact > b->impact ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

static const char *rel(char *buf, size_t n, double a, double b)
{
    if (a == b)
        snprintf(buf, n, "0.00%%");
    else if (a == 0)
        snprintf(buf, n, "new");
    else
        snprintf(buf, n, "%+.2f%%", 100.0 * (b - a) / fabs(a));
    return buf;
}

static void json_side(FILE *out, const char *key, const side *s)
{
    fprintf(out, "\"%s\": {\"path\": ", key);
    attrib_json_str(out, s->path, strlen(s->path));
    fprintf(out, ", \"kind\": \"%s\", \"campaigns\": %zu, \"conversions\": ",
            s->is_results ? "results" : "csv", s->n);
    attrib_json_num(out, s->conv);
    fputs(", \"value\": ", out);
    attrib_json_num(out, s->value);
    fputs("}", out);
}

static void json_num_kv(FILE *out, const char *k, double v)
{
    fprintf(out, ", \"%s\": ", k);
    attrib_json_num(out, v);
}

static int by_campaign(const opts *o)
{
    side A, B;
    int rc = load_side(&A, o->a);
    if (rc == 0)
        rc = load_side(&B, o->b);
    else
        memset(&B, 0, sizeof B);
    if (rc) {
        free(A.c);
        free(B.c);
        return attrib_cmd_fail_legacy(rc, 1);
    }
    crow *rows = attrib_xcalloc(A.n + B.n + 1, sizeof *rows);
    size_t n = 0, i = 0, j = 0, nout = 0, only_a = 0, only_b = 0;
    double tc = fmax(fabs(A.conv), fabs(B.conv)), tv = fmax(fabs(A.value), fabs(B.value));
    int cmp_adv = A.has_adv && B.has_adv;
    while (i < A.n || j < B.n) {
        crow *r = &rows[n++];
        if (j >= B.n || (i < A.n && A.c[i].id < B.c[j].id)) {
            *r = (crow){.id = A.c[i].id, .adv_a = A.c[i].adv, .in_a = 1, .ca = A.c[i].conv,
                        .va = A.c[i].value};
            i++;
            only_a++;
        } else if (i >= A.n || B.c[j].id < A.c[i].id) {
            *r = (crow){.id = B.c[j].id, .adv_b = B.c[j].adv, .in_b = 1, .cb = B.c[j].conv,
                        .vb = B.c[j].value};
            j++;
            only_b++;
        } else {
            *r = (crow){.id = A.c[i].id, .adv_a = A.c[i].adv, .adv_b = B.c[j].adv, .in_a = 1,
                        .in_b = 1, .ca = A.c[i].conv, .cb = B.c[j].conv, .va = A.c[i].value,
                        .vb = B.c[j].value};
            r->adv_differs = cmp_adv && r->adv_a != r->adv_b;
            i++;
            j++;
        }
        r->out = differs(o, r->ca, r->cb) || differs(o, r->va, r->vb) || r->adv_differs;
        r->impact = fmax(fabs(r->cb - r->ca) / fmax(tc, 1e-12), fabs(r->vb - r->va) / fmax(tv, 1e-12));
        if (!isfinite(r->impact))
            r->impact = INFINITY;
        nout += (size_t)r->out;
    }
    qsort(rows, n, sizeof *rows, crow_cmp);
    size_t listed = 0;
    for (size_t k = 0; k < n; k++)
        listed += o->all || rows[k].out || rows[k].ca != rows[k].cb || rows[k].va != rows[k].vb ||
                  rows[k].adv_differs || !rows[k].in_a || !rows[k].in_b;
    char b[12][64];
    if (o->json) {
        fputs("{\"by\": \"campaign\", ", stdout);
        json_side(stdout, "a", &A);
        fputs(", ", stdout);
        json_side(stdout, "b", &B);
        fputs(", \"tolerance\": ", stdout);
        attrib_json_num(stdout, o->tol);
        printf(", \"tolerance_mode\": \"%s\", \"within_tolerance\": %s, \"campaigns_compared\": %zu"
               ", \"campaigns_differing\": %zu, \"only_in_a\": %zu, \"only_in_b\": %zu",
               o->relative ? "relative" : "absolute", nout ? "false" : "true", n, nout, only_a,
               only_b);
        fputs(", \"totals\": {\"conversions_a\": ", stdout);
        attrib_json_num(stdout, A.conv);
        json_num_kv(stdout, "conversions_b", B.conv);
        json_num_kv(stdout, "conversions_delta", B.conv - A.conv);
        json_num_kv(stdout, "value_a", A.value);
        json_num_kv(stdout, "value_b", B.value);
        json_num_kv(stdout, "value_delta", B.value - A.value);
        fputs("},\n\"campaigns\": [", stdout);
        size_t w = 0;
        for (size_t k = 0; k < n; k++) {
            const crow *r = &rows[k];
            if (!(o->all || r->out || r->ca != r->cb || r->va != r->vb || r->adv_differs ||
                  !r->in_a || !r->in_b))
                continue;
            printf("%s{\"campaign_id\": %" PRIu32 ", \"in_a\": %s, \"in_b\": %s", w++ ? ",\n  " : "\n  ",
                   r->id, r->in_a ? "true" : "false", r->in_b ? "true" : "false");
            if (r->in_a && A.has_adv)
                printf(", \"advertiser_id_a\": %" PRIu32, r->adv_a);
            if (r->in_b && B.has_adv)
                printf(", \"advertiser_id_b\": %" PRIu32, r->adv_b);
            json_num_kv(stdout, "conversions_a", r->ca);
            json_num_kv(stdout, "conversions_b", r->cb);
            json_num_kv(stdout, "conversions_delta", r->cb - r->ca);
            json_num_kv(stdout, "conversions_delta_rel", r->ca != 0 ? (r->cb - r->ca) / fabs(r->ca) : (r->cb == 0 ? 0 : NAN));
            json_num_kv(stdout, "value_a", r->va);
            json_num_kv(stdout, "value_b", r->vb);
            json_num_kv(stdout, "value_delta", r->vb - r->va);
            json_num_kv(stdout, "value_delta_rel", r->va != 0 ? (r->vb - r->va) / fabs(r->va) : (r->vb == 0 ? 0 : NAN));
            json_num_kv(stdout, "impact", r->impact);
            printf(", \"differs\": %s}", r->out ? "true" : "false");
        }
        fputs("]}\n", stdout);
    } else {
        printf("reconcile by campaign\n  A  %s (%s, %zu campaigns)\n  B  %s (%s, %zu campaigns)\n",
               A.path, A.is_results ? "results file" : "CSV campaign report", A.n, B.path,
               B.is_results ? "results file" : "CSV campaign report", B.n);
        if (o->relative)
            printf("  tolerance %g relative: a figure differs when |A - B| > %g * max(|A|, |B|)\n\n",
                   o->tol, o->tol);
        else
            printf("  tolerance %g absolute: a figure differs when |A - B| > %g\n\n", o->tol, o->tol);
        static const char *const h[] = {"campaign_id", "conversions_A", "conversions_B", "delta",
                                        "delta_%", "value_A", "value_B", "delta", "delta_%",
                                        "status"};
        attrib_grid *g = attrib_grid_create(10, h, "rrrrrrrrrl");
        for (size_t k = 0; k < n; k++) {
            const crow *r = &rows[k];
            if (!(o->all || r->out || r->ca != r->cb || r->va != r->vb || r->adv_differs ||
                  !r->in_a || !r->in_b))
                continue;
            char st[96] = "";
            snprintf(st, sizeof st, "%s", r->out ? "DIFFERS" : "within tolerance");
            if (!r->in_a)
                strcat(st, ", only in B");
            if (!r->in_b)
                strcat(st, ", only in A");
            if (r->adv_differs)
                snprintf(st + strlen(st), sizeof st - strlen(st), ", advertiser %" PRIu32 " vs %" PRIu32,
                         r->adv_a, r->adv_b);
            snprintf(b[0], 64, "%" PRIu32, r->id);
            snprintf(b[1], 64, "%.3f", r->ca);
            snprintf(b[2], 64, "%.3f", r->cb);
            snprintf(b[3], 64, "%+.3f", r->cb - r->ca);
            snprintf(b[5], 64, "%.2f", r->va);
            snprintf(b[6], 64, "%.2f", r->vb);
            snprintf(b[7], 64, "%+.2f", r->vb - r->va);
            attrib_grid_rowv(g, b[0], b[1], b[2], b[3], rel(b[4], 64, r->ca, r->cb), b[5], b[6],
                             b[7], rel(b[8], 64, r->va, r->vb), st);
        }
        attrib_grid_rule(g);
        snprintf(b[1], 64, "%.3f", A.conv);
        snprintf(b[2], 64, "%.3f", B.conv);
        snprintf(b[3], 64, "%+.3f", B.conv - A.conv);
        snprintf(b[5], 64, "%.2f", A.value);
        snprintf(b[6], 64, "%.2f", B.value);
        snprintf(b[7], 64, "%+.2f", B.value - A.value);
        attrib_grid_rowv(g, "TOTAL", b[1], b[2], b[3], rel(b[4], 64, A.conv, B.conv), b[5], b[6],
                         b[7], rel(b[8], 64, A.value, B.value),
                         differs(o, A.conv, B.conv) || differs(o, A.value, B.value) ? "DIFFERS" : "");
        attrib_grid_print(g, stdout, "  ");
        attrib_grid_free(g);
        printf("\n%zu of %zu campaigns differ beyond tolerance (%zu listed, %zu identical not "
               "listed%s); %zu only in A, %zu only in B.\n",
               nout, n, listed, n - listed, o->all ? "" : "; --all lists them", only_a, only_b);
    }
    free(rows);
    free(A.c);
    free(B.c);
    return nout ? 1 : 0;
}

/* -------------------------------------------------------------- by conversion ---- */

typedef struct credit_part {
    uint32_t campaign;
    double credit, cvalue;
} credit_part;

typedef struct group {
    uint64_t conv;
    uint32_t adv;
    size_t n, cap;
    credit_part *p;
} group;

typedef struct cursor {
    attrib_results *r;
    const attrib_schema *s;
    uint64_t total, next;
    attrib_table t;
    size_t pos;
    int loaded;
} cursor;

static void cur_init(cursor *c, attrib_results *r, const attrib_schema *s, uint64_t total)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    c->s = s;
    c->total = total;
}

/* 1 when a row is at c->pos, 0 at the end, < 0 on error. */
static int cur_fill(cursor *c)
{
    if (c->loaded && c->pos < c->t.n)
        return 1;
    if (c->next >= c->total)
        return 0;
    if (c->loaded)
        attrib_table_free(&c->t);
    c->loaded = 0;
    uint64_t cnt = c->total - c->next;
    if (cnt > ATTRIB_RESULTS_BLOCK_ROWS)
        cnt = ATTRIB_RESULTS_BLOCK_ROWS;
    ATTRIB_TRY(attrib_results_read(c->r, c->s, c->next, cnt, &c->t));
    c->loaded = 1;
    c->next += cnt;
    c->pos = 0;
    return c->t.n > 0;
}

static void cur_free(cursor *c)
{
    if (c->loaded)
        attrib_table_free(&c->t);
    c->loaded = 0;
}

/* (conversion_id, advertiser_id) of the row at pos; both tables start with them. */
static int key_cmp(uint64_t c1, uint32_t a1, uint64_t c2, uint32_t a2)
{
    if (c1 != c2)
        return c1 < c2 ? -1 : 1;
    return (a1 > a2) - (a1 < a2);
}

static int part_cmp(const void *x, const void *y)
{
    const credit_part *a = x, *b = y;
    return (a->campaign > b->campaign) - (a->campaign < b->campaign);
}

/* Read the next conversion's credit rows (they are consecutive), summed per campaign
 * and sorted by campaign. Returns 1, 0 at the end, or < 0. */
static int group_next(cursor *c, group *g)
{
    int rc = cur_fill(c);
    if (rc <= 0)
        return rc;
    g->conv = ATTRIB_COL(&c->t, CR_CONVERSION_ID, uint64_t)[c->pos];
    g->adv = ATTRIB_COL(&c->t, CR_ADVERTISER_ID, uint32_t)[c->pos];
    g->n = 0;
    while ((rc = cur_fill(c)) > 0) {
        size_t i = c->pos;
        if (ATTRIB_COL(&c->t, CR_CONVERSION_ID, uint64_t)[i] != g->conv ||
            ATTRIB_COL(&c->t, CR_ADVERTISER_ID, uint32_t)[i] != g->adv)
            break;
        if (g->n == g->cap) {
            g->cap = g->cap ? g->cap * 2 : 8;
            g->p = attrib_xrealloc(g->p, g->cap * sizeof *g->p);
        }
        g->p[g->n++] = (credit_part){ATTRIB_COL(&c->t, CR_CAMPAIGN_ID, uint32_t)[i],
                                     ATTRIB_COL(&c->t, CR_CREDIT, double)[i],
                                     ATTRIB_COL(&c->t, CR_CREDITED_VALUE, double)[i]};
        c->pos++;
    }
    if (rc < 0)
        return rc;
    qsort(g->p, g->n, sizeof *g->p, part_cmp);
    size_t m = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (m && g->p[m - 1].campaign == g->p[i].campaign) {
            g->p[m - 1].credit += g->p[i].credit;
            g->p[m - 1].cvalue += g->p[i].cvalue;
        } else {
            g->p[m++] = g->p[i];
        }
    }
    g->n = m;
    return 1;
}

/* The reason the conversion is unattributed on this side, or -1 (not in /unattributed).
 * Keys are asked in increasing order, so the cursor only moves forward. */
static int unattr_reason(cursor *c, uint64_t conv, uint32_t adv, int *err)
{
    int rc;
    while ((rc = cur_fill(c)) > 0) {
        size_t i = c->pos;
        int k = key_cmp(ATTRIB_COL(&c->t, UN_CONVERSION_ID, uint64_t)[i],
                        ATTRIB_COL(&c->t, UN_ADVERTISER_ID, uint32_t)[i], conv, adv);
        if (k > 0)
            return -1;
        if (k == 0)
            return ATTRIB_COL(&c->t, UN_REASON, uint8_t)[i];
        c->pos++;
    }
    if (rc < 0)
        *err = rc;
    return -1;
}

enum { K_NEW, K_LOST, K_MOVED, K_CREDIT, NKINDS };
static const char *const kind_names[NKINDS] = {"new", "lost", "moved", "credit_changed"};
static const char *const kind_titles[NKINDS] = {
    "new: credited in B only", "lost: credited in A only",
    "moved: credited campaigns changed", "credit changed: same campaigns, other credit"};

/* One side of a listed conversion: credited (parts), unattributed (reason) or absent. */
typedef struct side_state {
    int status; /* 0 credited, 1 unattributed, 2 absent */
    int reason;
    size_t n;
    credit_part *p;
} side_state;

typedef struct entry {
    uint64_t conv;
    uint32_t adv;
    side_state s[2];
} entry;

typedef struct kind_list {
    size_t count, n, cap;
    entry *e;
} kind_list;

static void side_set(side_state *s, const group *g, int reason)
{
    memset(s, 0, sizeof *s);
    if (g) {
        s->n = g->n;
        s->p = attrib_xmalloc((g->n ? g->n : 1) * sizeof *s->p);
        memcpy(s->p, g->p, g->n * sizeof *s->p);
    } else {
        s->status = reason >= 0 ? 1 : 2;
        s->reason = reason;
    }
}

static void list_add(kind_list *l, const opts *o, uint64_t conv, uint32_t adv, const group *ga,
                     int ra, const group *gb, int rb)
{
    l->count++;
    if (o->limit && l->n >= o->limit)
        return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->e = attrib_xrealloc(l->e, l->cap * sizeof *l->e);
    }
    entry *e = &l->e[l->n++];
    e->conv = conv;
    e->adv = adv;
    side_set(&e->s[0], ga, ra);
    side_set(&e->s[1], gb, rb);
}

static void side_text(const side_state *s, char *buf, size_t n)
{
    if (s->status == 1) {
        snprintf(buf, n, "unattributed (%s)", attrib_reason_names[s->reason]);
        return;
    }
    if (s->status == 2) {
        snprintf(buf, n, "absent");
        return;
    }
    size_t w = 0;
    buf[0] = 0;
    for (size_t i = 0; i < s->n && w + 1 < n; i++) {
        int k = snprintf(buf + w, n - w, "%s%" PRIu32 ":%.4g", i ? " " : "", s->p[i].campaign,
                         s->p[i].credit);
        if (k < 0 || (size_t)k >= n - w) {
            if (n > 4)
                strcpy(buf + n - 4, "...");
            break;
        }
        w += (size_t)k;
    }
}

static void side_json(FILE *out, const side_state *s)
{
    if (s->status == 1) {
        printf("{\"status\": \"unattributed\", \"reason\": \"%s\"}", attrib_reason_names[s->reason]);
        return;
    }
    if (s->status == 2) {
        fputs("{\"status\": \"absent\"}", out);
        return;
    }
    fputs("{\"status\": \"credited\", \"credits\": [", out);
    for (size_t i = 0; i < s->n; i++) {
        fprintf(out, "%s{\"campaign_id\": %" PRIu32 ", \"credit\": ", i ? ", " : "", s->p[i].campaign);
        attrib_json_num(out, s->p[i].credit);
        fputs(", \"credited_value\": ", out);
        attrib_json_num(out, s->p[i].cvalue);
        fputc('}', out);
    }
    fputs("]}", out);
}

static int by_conversion(const opts *o)
{
    attrib_results *ra = NULL, *rb = NULL;
    int rc = 0;
    if (!attrib_results_is_hdf5(o->a) || !attrib_results_is_hdf5(o->b))
        return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "reconcile: --by conversion compares "
                                              "two results files; '%s' is not one",
                                              attrib_results_is_hdf5(o->a) ? o->b : o->a), 1);
    rc = attrib_results_open(o->a, &ra);
    if (rc == 0)
        rc = attrib_results_open(o->b, &rb);
    if (rc == 0 && (!ra->has_credits || !rb->has_credits))
        rc = attrib_err_set(ATTRIB_EINPUT, "%s: no /credits table",
                            ra->has_credits ? o->b : o->a);
    if (rc) {
        attrib_results_close(ra);
        attrib_results_close(rb);
        return attrib_cmd_fail_legacy(rc, 1);
    }
    cursor ca, cb, ua, ub;
    cur_init(&ca, ra, &attrib_schema_credits, ra->ncredits);
    cur_init(&cb, rb, &attrib_schema_credits, rb->ncredits);
    cur_init(&ua, ra, &attrib_schema_unattributed, ra->nunattributed);
    cur_init(&ub, rb, &attrib_schema_unattributed, rb->nunattributed);
    group ga = {0}, gb = {0};
    kind_list lists[NKINDS];
    memset(lists, 0, sizeof lists);
    uint64_t conv_a = 0, conv_b = 0, same = 0;
    int ha = group_next(&ca, &ga), hb = ha < 0 ? 0 : group_next(&cb, &gb);
    while (rc == 0 && ha >= 0 && hb >= 0 && (ha > 0 || hb > 0)) {
        int k = ha == 0 ? 1 : hb == 0 ? -1 : key_cmp(ga.conv, ga.adv, gb.conv, gb.adv);
        int err = 0;
        if (k < 0) { /* credited in A only */
            int reason = unattr_reason(&ub, ga.conv, ga.adv, &err);
            list_add(&lists[K_LOST], o, ga.conv, ga.adv, &ga, -1, NULL, reason);
            conv_a++;
            ha = group_next(&ca, &ga);
        } else if (k > 0) {
            int reason = unattr_reason(&ua, gb.conv, gb.adv, &err);
            list_add(&lists[K_NEW], o, gb.conv, gb.adv, NULL, reason, &gb, -1);
            conv_b++;
            hb = group_next(&cb, &gb);
        } else {
            int moved = ga.n != gb.n, changed = 0;
            for (size_t i = 0; i < ga.n && !moved; i++)
                moved = ga.p[i].campaign != gb.p[i].campaign;
            for (size_t i = 0; i < ga.n && !moved && !changed; i++)
                changed = differs(o, ga.p[i].credit, gb.p[i].credit) ||
                          differs(o, ga.p[i].cvalue, gb.p[i].cvalue);
            if (moved)
                list_add(&lists[K_MOVED], o, ga.conv, ga.adv, &ga, -1, &gb, -1);
            else if (changed)
                list_add(&lists[K_CREDIT], o, ga.conv, ga.adv, &ga, -1, &gb, -1);
            else
                same++;
            conv_a++;
            conv_b++;
            ha = group_next(&ca, &ga);
            hb = group_next(&cb, &gb);
        }
        if (err)
            rc = err;
    }
    if (rc == 0 && ha < 0)
        rc = ha;
    if (rc == 0 && hb < 0)
        rc = hb;
    size_t total = 0;
    for (int k = 0; k < NKINDS; k++)
        total += lists[k].count;
    if (rc == 0 && o->json) {
        printf("{\"by\": \"conversion\", \"a\": {\"path\": ");
        attrib_json_str(stdout, o->a, strlen(o->a));
        printf(", \"credited_conversions\": %" PRIu64 "}, \"b\": {\"path\": ", conv_a);
        attrib_json_str(stdout, o->b, strlen(o->b));
        printf(", \"credited_conversions\": %" PRIu64 "}, \"tolerance\": ", conv_b);
        attrib_json_num(stdout, o->tol);
        printf(", \"tolerance_mode\": \"%s\", \"within_tolerance\": %s, \"unchanged\": %" PRIu64
               ", \"changed\": %zu, \"counts\": {",
               o->relative ? "relative" : "absolute", total ? "false" : "true", same, total);
        for (int k = 0; k < NKINDS; k++)
            printf("%s\"%s\": %zu", k ? ", " : "", kind_names[k], lists[k].count);
        fputs("}", stdout);
        for (int k = 0; k < NKINDS; k++) {
            printf(",\n\"%s\": [", kind_names[k]);
            for (size_t i = 0; i < lists[k].n; i++) {
                const entry *e = &lists[k].e[i];
                printf("%s{\"conversion_id\": %" PRIu64 ", \"advertiser_id\": %" PRIu32 ", \"a\": ",
                       i ? ",\n  " : "\n  ", e->conv, e->adv);
                side_json(stdout, &e->s[0]);
                fputs(", \"b\": ", stdout);
                side_json(stdout, &e->s[1]);
                fputc('}', stdout);
            }
            printf("], \"%s_truncated\": %s", kind_names[k],
                   lists[k].n < lists[k].count ? "true" : "false");
        }
        fputs("}\n", stdout);
    } else if (rc == 0) {
        printf("reconcile by conversion\n  A  %s (%" PRIu64 " credited conversions)\n"
               "  B  %s (%" PRIu64 " credited conversions)\n",
               o->a, conv_a, o->b, conv_b);
        printf("  tolerance %g %s (credit and credited value per campaign)\n", o->tol,
               o->relative ? "relative" : "absolute");
        for (int k = 0; k < NKINDS; k++) {
            if (!lists[k].count)
                continue;
            printf("\n%s (%zu)\n", kind_titles[k], lists[k].count);
            static const char *const h[] = {"conversion_id", "advertiser_id", "A", "B"};
            attrib_grid *g = attrib_grid_create(4, h, "rrll");
            char sa[512], sb[512], c1[32], c2[32];
            for (size_t i = 0; i < lists[k].n; i++) {
                const entry *e = &lists[k].e[i];
                side_text(&e->s[0], sa, sizeof sa);
                side_text(&e->s[1], sb, sizeof sb);
                snprintf(c1, sizeof c1, "%" PRIu64, e->conv);
                snprintf(c2, sizeof c2, "%" PRIu32, e->adv);
                attrib_grid_rowv(g, c1, c2, sa, sb);
            }
            attrib_grid_print(g, stdout, "  ");
            attrib_grid_free(g);
            if (lists[k].n < lists[k].count)
                printf("  … %zu more (--limit 0 lists all)\n", lists[k].count - lists[k].n);
        }
        printf("\n%zu conversions changed: %zu new, %zu lost, %zu moved, %zu credit changed; "
               "%" PRIu64 " unchanged. (A credit is shown as campaign_id:credit.)\n",
               total, lists[K_NEW].count, lists[K_LOST].count, lists[K_MOVED].count,
               lists[K_CREDIT].count, same);
    }
    for (int k = 0; k < NKINDS; k++) {
        for (size_t i = 0; i < lists[k].n; i++) {
            free(lists[k].e[i].s[0].p);
            free(lists[k].e[i].s[1].p);
        }
        free(lists[k].e);
    }
    free(ga.p);
    free(gb.p);
    cur_free(&ca);
    cur_free(&cb);
    cur_free(&ua);
    cur_free(&ub);
    attrib_results_close(ra);
    attrib_results_close(rb);
    if (rc)
        return attrib_cmd_fail_legacy(rc, 1);
    return total ? 1 : 0;
}

int attrib_cmd_reconcile(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    opts o = {.tol = 0.001, .limit = 20};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (attrib_cmd_is_help(a)) {
            fputs(attrib_usage_reconcile, stdout);
            return 0;
        }
        char key[32];
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        if (eq && (size_t)(eq - a) < sizeof key) {
            memcpy(key, a, (size_t)(eq - a));
            key[eq - a] = 0;
            a = key;
            val = eq + 1;
        }
        int takes = strcmp(a, "--by") == 0 || strcmp(a, "--tolerance") == 0 ||
                    strcmp(a, "--limit") == 0;
        if (takes && !val) {
            if (i + 1 >= argc)
                return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "reconcile: %s needs a value. "
                                                      "See 'attrib reconcile --help'.", a), 1);
            val = argv[++i];
        }
        if (strcmp(a, "--by") == 0) {
            if (strcmp(val, "campaign") == 0)
                o.by_conversion = 0;
            else if (strcmp(val, "conversion") == 0)
                o.by_conversion = 1;
            else
                return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "reconcile: --by takes "
                                                      "campaign or conversion, not '%s'", val), 1);
        } else if (strcmp(a, "--tolerance") == 0) {
            if (parse_num(val, strlen(val), &o.tol) != 0 || o.tol < 0)
                return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "reconcile: bad --tolerance "
                                                      "'%s' (want a number >= 0)", val), 1);
        } else if (strcmp(a, "--limit") == 0) {
            char *end;
            long v = strtol(val, &end, 10);
            if (!*val || *end || v < 0)
                return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "reconcile: bad --limit '%s'",
                                                      val), 1);
            o.limit = (size_t)v;
        } else if (strcmp(a, "--json") == 0 && !val) {
            o.json = 1;
        } else if (strcmp(a, "--relative") == 0 && !val) {
            o.relative = 1;
        } else if (strcmp(a, "--all") == 0 && !val) {
            o.all = 1;
        } else if (a[0] == '-' && a[1]) {
            return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "reconcile: unknown option '%s'. "
                                                  "See 'attrib reconcile --help'.", argv[i]), 1);
        } else if (!o.a) {
            o.a = a;
        } else if (!o.b) {
            o.b = a;
        } else {
            return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "reconcile: unexpected argument "
                                                  "'%s'", a), 1);
        }
    }
    if (!o.a || !o.b)
        return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "reconcile: two files A and B are "
                                              "required. See 'attrib reconcile --help'."), 1);
    return o.by_conversion ? by_conversion(&o) : by_campaign(&o);
}

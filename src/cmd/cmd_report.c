/* attrib report — print the reports of a results file (SPEC 5, 6) as an aligned text
 * table, CSV, JSON, or one self-contained HTML page with charts drawn by the vendored
 * Vega-Lite (vendor/vega/, embedded at build time: include/attrib/html_assets.h).
 *
 * Single process: the file is opened on MPI_COMM_SELF (include/attrib/results.h). The
 * report tables are small and read whole; the time-to-convert distribution needs every
 * credit row, so /credits is read in blocks of ATTRIB_RESULTS_BLOCK_ROWS. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/cmd.h"
#include "attrib/err.h"
#include "attrib/html_assets.h"
#include "attrib/results.h"
#include "attrib/table.h"
#include "attrib/textout.h"

const char attrib_usage_report[] =
    "usage: attrib report RESULTS.h5 [--format text|csv|json|html] [-o OUT]\n"
    "                     [--table NAME] [--top N]\n"
    "\n"
    "Print the reports of a results file written by `attrib run`.\n"
    "\n"
    "  -f, --format F   text (default): aligned tables with totals — campaigns,\n"
    "                   advertisers, unattributed conversions by reason, the\n"
    "                   time-to-convert distribution and the daily trend;\n"
    "                   csv: one table (see --table) in the format of `attrib export`;\n"
    "                   json: every section as one JSON object (NaN as null);\n"
    "                   html: one self-contained page (no network access needed or made)\n"
    "                   with charts — conversions and value by campaign, the daily trend\n"
    "                   by conversion day and by touch day, the time-to-convert\n"
    "                   distribution, unattributed conversions by reason, ROAS of the\n"
    "                   campaigns whose cost is known — and the tables.\n"
    "  -o, --output F   write to F (written as F.tmp, renamed when complete); default\n"
    "                   standard output\n"
    "      --table T    the table --format csv prints: campaign (default; the columns of\n"
    "                   report/campaign), daily, daily_touch, advertiser, daily_total\n"
    "                   (every campaign summed per day, by conversion and by touch day),\n"
    "                   time_to_convert, unattributed\n"
    "      --top N      campaigns shown in the per-campaign charts of --format html,\n"
    "                   the N largest by the charted figure (default 25; 0 = all)\n"
    "\n"
    "Definitions (docs/conventions.md): conversions are sums of credit; value is the sum\n"
    "of credited value; roas = value / cost (NaN when cost is 0); total ROAS is over the\n"
    "campaigns with a cost > 0 only. The time-to-convert distribution is credit-weighted:\n"
    "each credit row adds its credit to the bucket of conv_ts - touch_ts. Reach totals are\n"
    "sums over campaigns (an identity touched by two campaigns counts twice).\n";

/* ---- Time-to-convert buckets ---- */
#define NTTC 11
static const double ttc_edge[NTTC + 1] = {0, 3600, 6 * 3600, 86400, 2 * 86400, 3 * 86400,
                                          7 * 86400, 14 * 86400, 30 * 86400, 60 * 86400,
                                          90 * 86400, INFINITY};
static const char *const ttc_label[NTTC] = {"<1h", "1-6h", "6-24h", "1-2d", "2-3d", "3-7d",
                                            "7-14d", "14-30d", "30-60d", "60-90d", ">=90d"};

typedef struct day_row {
    char day[16];
    double conv[2], value[2]; /* [0] by conversion day, [1] by touch day */
} day_row;

typedef struct rep {
    attrib_results *r;
    /* campaign totals */
    uint64_t imp, eng, nur, reach, touches;
    double cost, conv, value, ttc_num, cost_known_cost, cost_known_value;
    uint64_t adv[RA_NCOLS]; /* column sums of report/advertiser (index 0 unused) */
    day_row *days;
    size_t ndays;
    double ttc_credit[NTTC], ttc_value[NTTC];
    uint64_t ttc_rows[NTTC];
} rep;

/* ---- Helpers ---- */
static const char *fmt(char *buf, size_t n, const char *f, double v)
{
    if (!isfinite(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, f, v == 0 ? 0.0 : v);
    return buf;
}

static const char *fmtu(char *buf, size_t n, uint64_t v)
{
    snprintf(buf, n, "%" PRIu64, v);
    return buf;
}

static void campaign_label(const attrib_results *r, uint32_t id, char *buf, size_t n)
{
    size_t len = 0;
    const char *name = attrib_results_campaign_name(r, id, &len);
    if (name && len)
        snprintf(buf, n, "%.*s (%" PRIu32 ")", (int)(len > 60 ? 60 : len), name, id);
    else
        snprintf(buf, n, "campaign %" PRIu32, id);
}

static int day_cmp(const void *a, const void *b)
{
    return strcmp(((const day_row *)a)->day, ((const day_row *)b)->day);
}

/* Sum report/daily (side 0) and report/daily_touch (side 1) over campaigns per day. */
static void build_days(rep *R)
{
    const attrib_table *t[2] = {&R->r->daily, &R->r->daily_touch};
    size_t cap = t[0]->n + t[1]->n, n = 0;
    day_row *d = attrib_xcalloc(cap ? cap : 1, sizeof *d);
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < t[s]->n; i++) {
            size_t len = attrib_table_strlen(t[s], RD_DAY, i);
            if (len >= sizeof d[n].day)
                len = sizeof d[n].day - 1;
            memcpy(d[n].day, attrib_table_str(t[s], RD_DAY, i), len);
            d[n].day[len] = 0;
            d[n].conv[s] = ATTRIB_COL(t[s], RD_CONVERSIONS, double)[i];
            d[n].value[s] = ATTRIB_COL(t[s], RD_VALUE, double)[i];
            n++;
        }
    qsort(d, n, sizeof *d, day_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && strcmp(d[m - 1].day, d[i].day) == 0) {
            for (int s = 0; s < 2; s++) {
                d[m - 1].conv[s] += d[i].conv[s];
                d[m - 1].value[s] += d[i].value[s];
            }
        } else {
            d[m++] = d[i];
        }
    }
    R->days = d;
    R->ndays = m;
}

static int build(rep *R)
{
    const attrib_table *c = &R->r->campaign;
    for (size_t i = 0; i < c->n; i++) {
        R->imp += ATTRIB_COL(c, RC_IMPRESSIONS, uint64_t)[i];
        R->eng += ATTRIB_COL(c, RC_ENGAGEMENTS, uint64_t)[i];
        R->nur += ATTRIB_COL(c, RC_NURTURES, uint64_t)[i];
        R->reach += ATTRIB_COL(c, RC_REACH, uint64_t)[i];
        R->touches += ATTRIB_COL(c, RC_CREDITED_TOUCHES, uint64_t)[i];
        double cost = ATTRIB_COL(c, RC_COST, double)[i];
        double conv = ATTRIB_COL(c, RC_CONVERSIONS, double)[i];
        double value = ATTRIB_COL(c, RC_VALUE, double)[i];
        double ttc = ATTRIB_COL(c, RC_MEAN_TTC_S, double)[i];
        R->cost += cost;
        R->conv += conv;
        R->value += value;
        if (conv > 0 && isfinite(ttc))
            R->ttc_num += ttc * conv;
        if (cost > 0) {
            R->cost_known_cost += cost;
            R->cost_known_value += value;
        }
    }
    const attrib_table *a = &R->r->advertiser;
    for (size_t i = 0; i < a->n; i++)
        for (int k = RA_CONVERSIONS; k < RA_NCOLS; k++)
            R->adv[k] += ATTRIB_COL(a, k, uint64_t)[i];
    build_days(R);

    /* Credit-weighted time to convert, from /credits in blocks. */
    for (uint64_t start = 0; start < R->r->ncredits; start += ATTRIB_RESULTS_BLOCK_ROWS) {
        uint64_t cnt = R->r->ncredits - start;
        if (cnt > ATTRIB_RESULTS_BLOCK_ROWS)
            cnt = ATTRIB_RESULTS_BLOCK_ROWS;
        attrib_table t;
        ATTRIB_TRY(attrib_results_read(R->r, &attrib_schema_credits, start, cnt, &t));
        const int64_t *cts = ATTRIB_COL(&t, CR_CONV_TS, int64_t);
        const int64_t *tts = ATTRIB_COL(&t, CR_TOUCH_TS, int64_t);
        const double *cr = ATTRIB_COL(&t, CR_CREDIT, double);
        const double *cv = ATTRIB_COL(&t, CR_CREDITED_VALUE, double);
        for (size_t i = 0; i < t.n; i++) {
            double dt = ((double)cts[i] - (double)tts[i]) / 1000.0;
            int b = 0;
            while (b + 1 < NTTC && dt >= ttc_edge[b + 1])
                b++;
            R->ttc_credit[b] += cr[i];
            R->ttc_value[b] += cv[i];
            R->ttc_rows[b]++;
        }
        attrib_table_free(&t);
    }
    return 0;
}

static double total_roas(const rep *R)
{
    return R->cost_known_cost > 0 ? R->cost_known_value / R->cost_known_cost : NAN;
}

static double total_ttc(const rep *R) { return R->conv > 0 ? R->ttc_num / R->conv : NAN; }

static const char *attr_or(const rep *R, int i, const char *dflt)
{
    return R->r->attr[i] ? R->r->attr[i] : dflt;
}

/* ---- text ---- */
static void text_campaigns(const rep *R, FILE *out)
{
    static const char *const h[] = {"campaign_id", "advertiser_id", "impressions", "engagements",
                                    "nurtures", "reach", "cost", "conversions", "value",
                                    "credited_touches", "mean_ttc_s", "roas"};
    attrib_grid *g = attrib_grid_create(12, h, "rrrrrrrrrrrr");
    const attrib_table *c = &R->r->campaign;
    char b[12][64];
    for (size_t i = 0; i < c->n; i++) {
        const char *cells[12] = {
            fmtu(b[0], 64, ATTRIB_COL(c, RC_CAMPAIGN_ID, uint32_t)[i]),
            fmtu(b[1], 64, ATTRIB_COL(c, RC_ADVERTISER_ID, uint32_t)[i]),
            fmtu(b[2], 64, ATTRIB_COL(c, RC_IMPRESSIONS, uint64_t)[i]),
            fmtu(b[3], 64, ATTRIB_COL(c, RC_ENGAGEMENTS, uint64_t)[i]),
            fmtu(b[4], 64, ATTRIB_COL(c, RC_NURTURES, uint64_t)[i]),
            fmtu(b[5], 64, ATTRIB_COL(c, RC_REACH, uint64_t)[i]),
            fmt(b[6], 64, "%.2f", ATTRIB_COL(c, RC_COST, double)[i]),
            fmt(b[7], 64, "%.3f", ATTRIB_COL(c, RC_CONVERSIONS, double)[i]),
            fmt(b[8], 64, "%.2f", ATTRIB_COL(c, RC_VALUE, double)[i]),
            fmtu(b[9], 64, ATTRIB_COL(c, RC_CREDITED_TOUCHES, uint64_t)[i]),
            fmt(b[10], 64, "%.0f", ATTRIB_COL(c, RC_MEAN_TTC_S, double)[i]),
            fmt(b[11], 64, "%.3f", ATTRIB_COL(c, RC_ROAS, double)[i])};
        attrib_grid_row(g, cells);
    }
    attrib_grid_rule(g);
    const char *tot[12] = {"TOTAL", "", fmtu(b[2], 64, R->imp), fmtu(b[3], 64, R->eng),
                           fmtu(b[4], 64, R->nur), fmtu(b[5], 64, R->reach),
                           fmt(b[6], 64, "%.2f", R->cost), fmt(b[7], 64, "%.3f", R->conv),
                           fmt(b[8], 64, "%.2f", R->value), fmtu(b[9], 64, R->touches),
                           fmt(b[10], 64, "%.0f", total_ttc(R)),
                           fmt(b[11], 64, "%.3f", total_roas(R))};
    attrib_grid_row(g, tot);
    fprintf(out, "Campaigns (%zu)\n", c->n);
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
}

static void text_advertisers(const rep *R, FILE *out)
{
    const attrib_schema *s = &attrib_schema_report_advertiser;
    const char *h[RA_NCOLS], *align = "rrrrrrrrrr";
    static const char *const short_names[RA_NCOLS] = {
        "advertiser_id", "conversions", "attributed", "no_touch", "rule_excluded",
        "outside_window", "dup_touches", "dup_touches_inexact", "dup_conversions",
        "dup_conversions_inexact"};
    for (int k = 0; k < RA_NCOLS; k++)
        h[k] = short_names[k];
    (void)s;
    attrib_grid *g = attrib_grid_create(RA_NCOLS, h, align);
    const attrib_table *a = &R->r->advertiser;
    char b[RA_NCOLS][32];
    const char *cells[RA_NCOLS];
    for (size_t i = 0; i < a->n; i++) {
        cells[0] = fmtu(b[0], 32, ATTRIB_COL(a, RA_ADVERTISER_ID, uint32_t)[i]);
        for (int k = RA_CONVERSIONS; k < RA_NCOLS; k++)
            cells[k] = fmtu(b[k], 32, ATTRIB_COL(a, k, uint64_t)[i]);
        attrib_grid_row(g, cells);
    }
    attrib_grid_rule(g);
    cells[0] = "TOTAL";
    for (int k = RA_CONVERSIONS; k < RA_NCOLS; k++)
        cells[k] = fmtu(b[k], 32, R->adv[k]);
    attrib_grid_row(g, cells);
    fprintf(out, "Advertisers (%zu)\n", a->n);
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
}

static void text_unattributed(const rep *R, FILE *out)
{
    static const char *const h[] = {"reason", "conversions", "share"};
    attrib_grid *g = attrib_grid_create(3, h, "lrr");
    char b[2][32];
    for (int k = 0; k < ATTRIB_NREASONS; k++) {
        uint64_t v = R->adv[RA_UNATTR_NO_TOUCH + k];
        attrib_grid_rowv(g, attrib_reason_names[k], fmtu(b[0], 32, v),
                         fmt(b[1], 32, "%.4f", R->adv[RA_CONVERSIONS] ? (double)v / (double)R->adv[RA_CONVERSIONS] : NAN));
    }
    uint64_t u = R->adv[RA_UNATTR_NO_TOUCH] + R->adv[RA_UNATTR_RULE_EXCLUDED] +
                 R->adv[RA_UNATTR_OUTSIDE_WINDOW];
    attrib_grid_rule(g);
    attrib_grid_rowv(g, "TOTAL", fmtu(b[0], 32, u),
                     fmt(b[1], 32, "%.4f", R->adv[RA_CONVERSIONS] ? (double)u / (double)R->adv[RA_CONVERSIONS] : NAN));
    fprintf(out, "Unattributed conversions by reason\n");
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
}

static void text_ttc(const rep *R, FILE *out)
{
    static const char *const h[] = {"time_to_convert", "credit", "share", "credited_touches",
                                    "credited_value"};
    attrib_grid *g = attrib_grid_create(5, h, "lrrrr");
    char b[4][32];
    double tc = 0, tv = 0;
    uint64_t tr = 0;
    for (int k = 0; k < NTTC; k++) {
        tc += R->ttc_credit[k];
        tv += R->ttc_value[k];
        tr += R->ttc_rows[k];
    }
    for (int k = 0; k < NTTC; k++)
        attrib_grid_rowv(g, ttc_label[k], fmt(b[0], 32, "%.3f", R->ttc_credit[k]),
                         fmt(b[1], 32, "%.4f", tc > 0 ? R->ttc_credit[k] / tc : NAN),
                         fmtu(b[2], 32, R->ttc_rows[k]), fmt(b[3], 32, "%.2f", R->ttc_value[k]));
    attrib_grid_rule(g);
    attrib_grid_rowv(g, "TOTAL", fmt(b[0], 32, "%.3f", tc), fmt(b[1], 32, "%.4f", tc > 0 ? 1.0 : NAN),
                     fmtu(b[2], 32, tr), fmt(b[3], 32, "%.2f", tv));
    fprintf(out, "Time to convert (credit-weighted, from /credits)\n");
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
}

static void text_days(const rep *R, FILE *out)
{
    static const char *const h[] = {"day", "conversions", "value", "conversions_by_touch_day",
                                    "value_by_touch_day"};
    attrib_grid *g = attrib_grid_create(5, h, "lrrrr");
    char b[4][32];
    double t[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < R->ndays; i++) {
        const day_row *d = &R->days[i];
        attrib_grid_rowv(g, d->day, fmt(b[0], 32, "%.3f", d->conv[0]),
                         fmt(b[1], 32, "%.2f", d->value[0]), fmt(b[2], 32, "%.3f", d->conv[1]),
                         fmt(b[3], 32, "%.2f", d->value[1]));
        t[0] += d->conv[0];
        t[1] += d->value[0];
        t[2] += d->conv[1];
        t[3] += d->value[1];
    }
    attrib_grid_rule(g);
    attrib_grid_rowv(g, "TOTAL", fmt(b[0], 32, "%.3f", t[0]), fmt(b[1], 32, "%.2f", t[1]),
                     fmt(b[2], 32, "%.3f", t[2]), fmt(b[3], 32, "%.2f", t[3]));
    fprintf(out, "Daily, all campaigns (UTC days; by conversion day and by touch day)\n");
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
}

static void write_text(const rep *R, FILE *out)
{
    char b[64];
    fprintf(out, "attrib report: %s\n", R->r->path);
    const char *from = attr_or(R, ATTRIB_RES_PERIOD_FROM, "?"), *to = attr_or(R, ATTRIB_RES_PERIOD_TO, "?");
    /* An open end is stored as an empty string (run without --from / --to). */
    fprintf(out, "  period    [%s, %s)\n", *from ? from : "beginning of input", *to ? to : "end of input");
    fprintf(out, "  model     %s\n", attr_or(R, ATTRIB_RES_MODEL, "?"));
    fprintf(out, "  rules     %s\n", attr_or(R, ATTRIB_RES_RULES_FILE, "?"));
    fprintf(out, "  input     %s (%s)\n", attr_or(R, ATTRIB_RES_INPUT_FILE, "?"),
            attr_or(R, ATTRIB_RES_INPUT_CHECKSUM, "?"));
    fprintf(out, "  software  %s", attr_or(R, ATTRIB_RES_SOFTWARE_VERSION, "?"));
    if (R->r->ranks > 0)
        fprintf(out, ", %" PRId64 " ranks", R->r->ranks);
    fprintf(out, "\n\nTotals\n");
    uint64_t u = R->adv[RA_UNATTR_NO_TOUCH] + R->adv[RA_UNATTR_RULE_EXCLUDED] +
                 R->adv[RA_UNATTR_OUTSIDE_WINDOW];
    fprintf(out, "  conversions            %" PRIu64 " (attributed %" PRIu64 ", unattributed %" PRIu64 ")\n",
            R->adv[RA_CONVERSIONS], R->adv[RA_ATTRIBUTED], u);
    fprintf(out, "  credited conversions   %s\n", fmt(b, sizeof b, "%.3f", R->conv));
    fprintf(out, "  credited value         %s\n", fmt(b, sizeof b, "%.2f", R->value));
    fprintf(out, "  cost                   %s\n", fmt(b, sizeof b, "%.2f", R->cost));
    fprintf(out, "  ROAS (cost known)      %s\n", fmt(b, sizeof b, "%.3f", total_roas(R)));
    fprintf(out, "  mean time to convert   %s s\n", fmt(b, sizeof b, "%.0f", total_ttc(R)));
    fprintf(out, "  credit rows            %" PRIu64 "\n\n", R->r->ncredits);
    text_campaigns(R, out);
    fputc('\n', out);
    text_advertisers(R, out);
    fputc('\n', out);
    text_unattributed(R, out);
    fputc('\n', out);
    text_ttc(R, out);
    fputc('\n', out);
    text_days(R, out);
}

/* ---- CSV ---- */
static void csv_cell(FILE *out, const attrib_table *t, size_t c, size_t i)
{
    const attrib_colspec *cs = &t->schema->cols[c];
    switch (cs->type) {
    case ATTRIB_T_U8: {
        uint8_t v = ATTRIB_COL(t, c, uint8_t)[i];
        if (cs->enum_names)
            fputs(cs->enum_names[v], out);
        else
            fprintf(out, "%u", v);
        break;
    }
    case ATTRIB_T_U16: fprintf(out, "%u", ATTRIB_COL(t, c, uint16_t)[i]); break;
    case ATTRIB_T_U32: fprintf(out, "%" PRIu32, ATTRIB_COL(t, c, uint32_t)[i]); break;
    case ATTRIB_T_U64: fprintf(out, "%" PRIu64, ATTRIB_COL(t, c, uint64_t)[i]); break;
    case ATTRIB_T_I64: fprintf(out, "%" PRId64, ATTRIB_COL(t, c, int64_t)[i]); break;
    case ATTRIB_T_F64: attrib_csv_put_num(out, ATTRIB_COL(t, c, double)[i]); break;
    case ATTRIB_T_STR:
        attrib_csv_put_str(out, attrib_table_str(t, c, i), attrib_table_strlen(t, c, i));
        break;
    }
}

static void csv_table(FILE *out, const attrib_table *t)
{
    for (size_t c = 0; c < t->schema->ncols; c++)
        fprintf(out, "%s%s", c ? "," : "", t->schema->cols[c].name);
    fputc('\n', out);
    for (size_t i = 0; i < t->n; i++) {
        for (size_t c = 0; c < t->schema->ncols; c++) {
            if (c)
                fputc(',', out);
            csv_cell(out, t, c, i);
        }
        fputc('\n', out);
    }
}

static const char *const csv_tables[] = {"campaign", "daily", "daily_touch", "advertiser",
                                         "daily_total", "time_to_convert", "unattributed", NULL};

static void write_csv(const rep *R, FILE *out, const char *table)
{
    if (strcmp(table, "campaign") == 0)
        csv_table(out, &R->r->campaign);
    else if (strcmp(table, "daily") == 0)
        csv_table(out, &R->r->daily);
    else if (strcmp(table, "daily_touch") == 0)
        csv_table(out, &R->r->daily_touch);
    else if (strcmp(table, "advertiser") == 0)
        csv_table(out, &R->r->advertiser);
    else if (strcmp(table, "daily_total") == 0) {
        fputs("day,conversions,value,conversions_by_touch_day,value_by_touch_day\n", out);
        for (size_t i = 0; i < R->ndays; i++) {
            const day_row *d = &R->days[i];
            fprintf(out, "%s,", d->day);
            attrib_csv_put_num(out, d->conv[0]);
            fputc(',', out);
            attrib_csv_put_num(out, d->value[0]);
            fputc(',', out);
            attrib_csv_put_num(out, d->conv[1]);
            fputc(',', out);
            attrib_csv_put_num(out, d->value[1]);
            fputc('\n', out);
        }
    } else if (strcmp(table, "time_to_convert") == 0) {
        fputs("bucket,lo_s,hi_s,credit,credited_touches,credited_value\n", out);
        for (int k = 0; k < NTTC; k++) {
            fprintf(out, "%s,", ttc_label[k]);
            attrib_csv_put_num(out, ttc_edge[k]);
            fputc(',', out);
            attrib_csv_put_num(out, ttc_edge[k + 1]);
            fputc(',', out);
            attrib_csv_put_num(out, R->ttc_credit[k]);
            fprintf(out, ",%" PRIu64 ",", R->ttc_rows[k]);
            attrib_csv_put_num(out, R->ttc_value[k]);
            fputc('\n', out);
        }
    } else {
        fputs("reason,conversions\n", out);
        for (int k = 0; k < ATTRIB_NREASONS; k++)
            fprintf(out, "%s,%" PRIu64 "\n", attrib_reason_names[k],
                    R->adv[RA_UNATTR_NO_TOUCH + k]);
    }
}

/* ---- JSON ---- */
static void json_cell(FILE *out, const attrib_table *t, size_t c, size_t i)
{
    const attrib_colspec *cs = &t->schema->cols[c];
    if (cs->type == ATTRIB_T_F64)
        attrib_json_num(out, ATTRIB_COL(t, c, double)[i]);
    else if (cs->type == ATTRIB_T_STR)
        attrib_json_str(out, attrib_table_str(t, c, i), attrib_table_strlen(t, c, i));
    else if (cs->type == ATTRIB_T_U8 && cs->enum_names) {
        const char *s = cs->enum_names[ATTRIB_COL(t, c, uint8_t)[i]];
        attrib_json_str(out, s, strlen(s));
    } else
        csv_cell(out, t, c, i); /* integers print the same */
}

static void json_table(FILE *out, const char *key, const attrib_table *t, const rep *names)
{
    fprintf(out, ",\n\"%s\": [", key);
    for (size_t i = 0; i < t->n; i++) {
        fputs(i ? ",\n  {" : "\n  {", out);
        for (size_t c = 0; c < t->schema->ncols; c++) {
            fprintf(out, "%s\"%s\": ", c ? ", " : "", t->schema->cols[c].name);
            json_cell(out, t, c, i);
        }
        if (names) {
            size_t len = 0;
            const char *nm = attrib_results_campaign_name(names->r, ATTRIB_COL(t, 0, uint32_t)[i], &len);
            if (nm) {
                fputs(", \"name\": ", out);
                attrib_json_str(out, nm, len);
            }
        }
        fputc('}', out);
    }
    fputs("]", out);
}

static void json_kv_num(FILE *out, const char *k, double v, int first)
{
    fprintf(out, "%s\"%s\": ", first ? "" : ", ", k);
    attrib_json_num(out, v);
}

static void write_json(const rep *R, FILE *out)
{
    fputs("{\"file\": ", out);
    attrib_json_str(out, R->r->path, strlen(R->r->path));
    fputs(",\n\"attributes\": {", out);
    int first = 1;
    for (int i = 0; i < ATTRIB_RES_NATTRS; i++) {
        if (!R->r->attr[i])
            continue;
        fprintf(out, "%s\"%s\": ", first ? "" : ", ", attrib_results_attr_names[i]);
        attrib_json_str(out, R->r->attr[i], strlen(R->r->attr[i]));
        first = 0;
    }
    if (R->r->ranks >= 0)
        fprintf(out, "%s\"ranks\": %" PRId64, first ? "" : ", ", R->r->ranks);
    fputs("},\n\"totals\": {", out);
    uint64_t u = R->adv[RA_UNATTR_NO_TOUCH] + R->adv[RA_UNATTR_RULE_EXCLUDED] +
                 R->adv[RA_UNATTR_OUTSIDE_WINDOW];
    fprintf(out, "\"conversions\": %" PRIu64 ", \"attributed\": %" PRIu64
                 ", \"unattributed\": %" PRIu64 ", \"impressions\": %" PRIu64
                 ", \"engagements\": %" PRIu64 ", \"nurtures\": %" PRIu64
                 ", \"reach_sum\": %" PRIu64 ", \"credited_touches\": %" PRIu64
                 ", \"credit_rows\": %" PRIu64,
            R->adv[RA_CONVERSIONS], R->adv[RA_ATTRIBUTED], u, R->imp, R->eng, R->nur, R->reach,
            R->touches, R->r->ncredits);
    json_kv_num(out, "credited_conversions", R->conv, 0);
    json_kv_num(out, "value", R->value, 0);
    json_kv_num(out, "cost", R->cost, 0);
    json_kv_num(out, "roas_cost_known", total_roas(R), 0);
    json_kv_num(out, "mean_time_to_convert_s", total_ttc(R), 0);
    fputs("}", out);
    json_table(out, "campaigns", &R->r->campaign, R);
    json_table(out, "advertisers", &R->r->advertiser, NULL);
    json_table(out, "daily", &R->r->daily, NULL);
    json_table(out, "daily_touch", &R->r->daily_touch, NULL);
    fputs(",\n\"daily_totals\": [", out);
    for (size_t i = 0; i < R->ndays; i++) {
        const day_row *d = &R->days[i];
        fprintf(out, "%s{\"day\": \"%s\"", i ? ",\n  " : "\n  ", d->day);
        json_kv_num(out, "conversions", d->conv[0], 0);
        json_kv_num(out, "value", d->value[0], 0);
        json_kv_num(out, "conversions_by_touch_day", d->conv[1], 0);
        json_kv_num(out, "value_by_touch_day", d->value[1], 0);
        fputc('}', out);
    }
    fputs("],\n\"unattributed_by_reason\": [", out);
    for (int k = 0; k < ATTRIB_NREASONS; k++)
        fprintf(out, "%s{\"reason\": \"%s\", \"conversions\": %" PRIu64 "}", k ? ", " : "",
                attrib_reason_names[k], R->adv[RA_UNATTR_NO_TOUCH + k]);
    fputs("],\n\"time_to_convert\": [", out);
    for (int k = 0; k < NTTC; k++) {
        fprintf(out, "%s{\"bucket\": \"%s\", \"order\": %d", k ? ",\n  " : "\n  ", ttc_label[k], k);
        json_kv_num(out, "lo_s", ttc_edge[k], 0);
        json_kv_num(out, "hi_s", ttc_edge[k + 1], 0); /* null: unbounded */
        json_kv_num(out, "credit", R->ttc_credit[k], 0);
        fprintf(out, ", \"credited_touches\": %" PRIu64, R->ttc_rows[k]);
        json_kv_num(out, "credited_value", R->ttc_value[k], 0);
        fputc('}', out);
    }
    fputs("]}\n", out);
}

/* ---- HTML ---- */

/* Reproduced in every page, as clause 2 of the BSD licence of the bundled library asks. */
static const char vega_notice[] =
    "Bundled below: Vega, Vega-Lite and Vega-Embed (vendor/vega/README.md gives the\n"
    "versions), BSD-3-Clause. Copyright (c) 2015-2023, University of Washington Interactive\n"
    "Data Lab. All rights reserved. Vega bundles modules of d3 (ISC licence, Copyright\n"
    "Mike Bostock).\n\n"
    "Redistribution and use in source and binary forms, with or without modification, are\n"
    "permitted provided that the following conditions are met:\n"
    "1. Redistributions of source code must retain the above copyright notice, this list of\n"
    "   conditions and the following disclaimer.\n"
    "2. Redistributions in binary form must reproduce the above copyright notice, this list\n"
    "   of conditions and the following disclaimer in the documentation and/or other\n"
    "   materials provided with the distribution.\n"
    "3. Neither the name of the copyright holder nor the names of its contributors may be\n"
    "   used to endorse or promote products derived from this software without specific\n"
    "   prior written permission.\n\n"
    "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS \"AS IS\" AND ANY\n"
    "EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF\n"
    "MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL\n"
    "THE COPYRIGHT OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,\n"
    "SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT\n"
    "OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS\n"
    "INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT\n"
    "LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE\n"
    "OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.\n";

static const char html_style[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;"
    "max-width:1100px;color:#222;padding:0 16px}\n"
    "h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:32px;border-bottom:1px "
    "solid #ddd;padding-bottom:4px}\n"
    ".meta{color:#555;font-size:13px}.meta td{padding:1px 12px 1px 0}\n"
    ".kpis{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.kpi{border:1px solid #ddd;"
    "border-radius:6px;padding:8px 14px;min-width:130px}.kpi b{display:block;font-size:18px}\n"
    ".kpi span{color:#666;font-size:12px}\n"
    ".chart{margin:8px 0 16px}.note{color:#777;font-style:italic}\n"
    "table.data{border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums}\n"
    "table.data th,table.data td{padding:2px 8px;border-bottom:1px solid #eee;text-align:right}\n"
    "table.data th{position:sticky;top:0;background:#f6f6f6}\n"
    "table.data td:first-child,table.data th:first-child{text-align:left}\n"
    "table.data tr.total td{font-weight:bold;border-top:2px solid #999}\n"
    ".scroll{max-height:480px;overflow:auto;border:1px solid #eee;display:inline-block}\n"
    "footer{margin-top:40px;color:#888;font-size:12px}\n";

/* Vega-Lite specs, built in the page from the data block (so the data appears once). */
static const char html_script[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var state = window.attribReport = {done: false, errors: [], drawn: 0, charts: 0};\n"
    "  var D = JSON.parse(document.getElementById('attrib-data').textContent);\n"
    "  var W = 680;\n"
    "  function bars(values, field, title) {\n"
    "    return {width: W, height: {step: 16}, data: {values: values},\n"
    "      mark: {type: 'bar', tooltip: true, color: '#4c78a8'},\n"
    "      encoding: {\n"
    "        y: {field: 'campaign', type: 'nominal', sort: '-x', title: null,\n"
    "            axis: {labelLimit: 280}},\n"
    "        x: {field: field, type: 'quantitative', title: title}}};\n"
    "  }\n"
    "  function trend(field, title) {\n"
    "    return {width: W, height: 240, data: {values: D.daily},\n"
    "      mark: {type: 'line', point: true, tooltip: true},\n"
    "      encoding: {\n"
    "        x: {field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate',\n"
    "            title: 'day (UTC)'},\n"
    "        y: {field: field, type: 'quantitative', title: title},\n"
    "        color: {field: 'series', type: 'nominal', title: null,\n"
    "                legend: {orient: 'top'}}}};\n"
    "  }\n"
    "  var specs = {\n"
    "    conv_campaign: bars(D.campaigns_conv, 'conversions', 'conversions (sum of credit)'),\n"
    "    value_campaign: bars(D.campaigns_value, 'value', 'credited value'),\n"
    "    daily_conv: trend('conversions', 'conversions'),\n"
    "    daily_value: trend('value', 'credited value'),\n"
    "    ttc: {width: W, height: 240, data: {values: D.ttc},\n"
    "      mark: {type: 'bar', tooltip: true, color: '#72b7b2'},\n"
    "      encoding: {\n"
    "        x: {field: 'bucket', type: 'ordinal', sort: {field: 'order'},\n"
    "            title: 'conversion time - touch time', axis: {labelAngle: 0}},\n"
    "        y: {field: 'credit', type: 'quantitative', title: 'credit'}}},\n"
    "    unattributed: {width: W, height: {step: 28}, data: {values: D.unattributed},\n"
    "      mark: {type: 'bar', tooltip: true},\n"
    "      encoding: {\n"
    "        y: {field: 'reason', type: 'nominal', title: null, sort: null},\n"
    "        x: {field: 'conversions', type: 'quantitative', title: 'conversions'},\n"
    "        color: {field: 'reason', type: 'nominal', legend: null}}},\n"
    "    roas: bars(D.roas, 'roas', 'ROAS (credited value / cost)')\n"
    "  };\n"
    "  var opts = {mode: 'vega-lite', renderer: 'svg', actions: false};\n"
    "  var els = document.querySelectorAll('.chart[data-chart]');\n"
    "  state.charts = els.length;\n"
    "  var jobs = Array.prototype.map.call(els, function (el) {\n"
    "    var name = el.getAttribute('data-chart');\n"
    "    if (!specs[name]) {\n"
    "      state.errors.push(name + ': no such chart');\n"
    "      return Promise.resolve();\n"
    "    }\n"
    "    return vegaEmbed(el, specs[name], opts).then(function () { state.drawn++; },\n"
    "      function (e) {\n"
    "        state.errors.push(name + ': ' + e);\n"
    "        console.error('attrib report: chart ' + name + ' failed: ' + e);\n"
    "        el.textContent = 'chart failed: ' + e;\n"
    "      });\n"
    "  });\n"
    "  var v = document.getElementById('versions');\n"
    "  if (v) v.textContent = 'Vega ' + vega.version + ', Vega-Lite ' + vegaLite.version +\n"
    "    ', Vega-Embed ' + vegaEmbed.version;\n"
    "  Promise.all(jobs).then(function () {\n"
    "    state.done = true;\n"
    "    document.body.setAttribute('data-charts-done', String(state.drawn));\n"
    "  });\n"
    "})();\n";

static const double *sort_vals;
static const uint32_t *sort_cids;
static int cmp_desc(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = isfinite(sort_vals[i]) ? sort_vals[i] : -INFINITY;
    double y = isfinite(sort_vals[j]) ? sort_vals[j] : -INFINITY;
    if (x != y)
        return x < y ? 1 : -1;
    return (sort_cids[i] > sort_cids[j]) - (sort_cids[i] < sort_cids[j]);
}

/* Rows of report/campaign ordered by `col` descending (ties by campaign_id); only rows
 * with `keep_col` > 0 when keep_col >= 0. Returns the count kept (at most top, 0 = all). */
static size_t campaigns_by(const rep *R, int col, int keep_col, size_t top, size_t **idx)
{
    const attrib_table *c = &R->r->campaign;
    size_t *ix = attrib_xmalloc((c->n ? c->n : 1) * sizeof *ix), n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (keep_col < 0 || ATTRIB_COL(c, keep_col, double)[i] > 0)
            ix[n++] = i;
    sort_vals = ATTRIB_COL(c, col, double);
    sort_cids = ATTRIB_COL(c, RC_CAMPAIGN_ID, uint32_t);
    qsort(ix, n, sizeof *ix, cmp_desc);
    *idx = ix;
    return top && n > top ? top : n;
}

static void html_campaign_series(const rep *R, FILE *out, const char *key, int col, int keep,
                                 size_t top)
{
    const attrib_table *c = &R->r->campaign;
    size_t *ix, n = campaigns_by(R, col, keep, top, &ix);
    char label[128];
    fprintf(out, ",\n\"%s\": [", key);
    for (size_t k = 0; k < n; k++) {
        size_t i = ix[k];
        campaign_label(R->r, ATTRIB_COL(c, RC_CAMPAIGN_ID, uint32_t)[i], label, sizeof label);
        fputs(k ? ",\n {\"campaign\": " : "\n {\"campaign\": ", out);
        attrib_json_str(out, label, strlen(label));
        fprintf(out, ", \"campaign_id\": %" PRIu32, ATTRIB_COL(c, RC_CAMPAIGN_ID, uint32_t)[i]);
        json_kv_num(out, "conversions", ATTRIB_COL(c, RC_CONVERSIONS, double)[i], 0);
        json_kv_num(out, "value", ATTRIB_COL(c, RC_VALUE, double)[i], 0);
        json_kv_num(out, "cost", ATTRIB_COL(c, RC_COST, double)[i], 0);
        json_kv_num(out, "roas", ATTRIB_COL(c, RC_ROAS, double)[i], 0);
        fputc('}', out);
    }
    fputc(']', out);
    free(ix);
}

static void html_data(const rep *R, FILE *out, size_t top)
{
    fputs("{\"generated_by\": \"attrib report\"", out);
    html_campaign_series(R, out, "campaigns_conv", RC_CONVERSIONS, -1, top);
    html_campaign_series(R, out, "campaigns_value", RC_VALUE, -1, top);
    html_campaign_series(R, out, "roas", RC_COST, RC_COST, top);
    fputs(",\n\"daily\": [", out);
    static const char *const series[2] = {"by conversion day", "by touch day"};
    int first = 1;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < R->ndays; i++) {
            const day_row *d = &R->days[i];
            fprintf(out, "%s{\"day\": \"%s\", \"series\": \"%s\"", first ? "\n " : ",\n ", d->day,
                    series[s]);
            json_kv_num(out, "conversions", d->conv[s], 0);
            json_kv_num(out, "value", d->value[s], 0);
            fputc('}', out);
            first = 0;
        }
    fputs("],\n\"ttc\": [", out);
    for (int k = 0; k < NTTC; k++) {
        fprintf(out, "%s{\"bucket\": \"%s\", \"order\": %d", k ? ", " : "", ttc_label[k], k);
        json_kv_num(out, "credit", R->ttc_credit[k], 0);
        fprintf(out, ", \"credited_touches\": %" PRIu64 "}", R->ttc_rows[k]);
    }
    fputs("],\n\"unattributed\": [", out);
    for (int k = 0; k < ATTRIB_NREASONS; k++)
        fprintf(out, "%s{\"reason\": \"%s\", \"conversions\": %" PRIu64 "}", k ? ", " : "",
                attrib_reason_names[k], R->adv[RA_UNATTR_NO_TOUCH + k]);
    fputs("]}", out);
}

static void html_kpi(FILE *out, const char *value, const char *label)
{
    fputs("<div class=\"kpi\"><b>", out);
    attrib_html_str(out, value, strlen(value));
    fputs("</b><span>", out);
    attrib_html_str(out, label, strlen(label));
    fputs("</span></div>\n", out);
}

static void html_chart(FILE *out, const char *title, const char *name, const char *note)
{
    fprintf(out, "<h2>%s</h2>\n", title);
    if (note)
        fprintf(out, "<p class=\"note\">%s</p>\n", note);
    fprintf(out, "<div class=\"chart\" id=\"chart-%s\" data-chart=\"%s\"></div>\n", name, name);
}

static void html_td(FILE *out, const char *s)
{
    fputs("<td>", out);
    attrib_html_str(out, s, strlen(s));
    fputs("</td>", out);
}

static void html_campaign_table(const rep *R, FILE *out)
{
    const attrib_table *c = &R->r->campaign;
    fputs("<div class=\"scroll\"><table class=\"data\" id=\"campaigns\"><thead><tr><th>campaign"
          "</th><th>advertiser</th><th>impressions</th><th>engagements</th><th>nurtures</th>"
          "<th>reach</th><th>cost</th><th>conversions</th><th>value</th><th>credited touches"
          "</th><th>mean ttc (s)</th><th>ROAS</th></tr></thead><tbody>\n", out);
    char b[128];
    for (size_t i = 0; i < c->n; i++) {
        fputs("<tr>", out);
        campaign_label(R->r, ATTRIB_COL(c, RC_CAMPAIGN_ID, uint32_t)[i], b, sizeof b);
        html_td(out, b);
        html_td(out, fmtu(b, sizeof b, ATTRIB_COL(c, RC_ADVERTISER_ID, uint32_t)[i]));
        html_td(out, fmtu(b, sizeof b, ATTRIB_COL(c, RC_IMPRESSIONS, uint64_t)[i]));
        html_td(out, fmtu(b, sizeof b, ATTRIB_COL(c, RC_ENGAGEMENTS, uint64_t)[i]));
        html_td(out, fmtu(b, sizeof b, ATTRIB_COL(c, RC_NURTURES, uint64_t)[i]));
        html_td(out, fmtu(b, sizeof b, ATTRIB_COL(c, RC_REACH, uint64_t)[i]));
        html_td(out, fmt(b, sizeof b, "%.2f", ATTRIB_COL(c, RC_COST, double)[i]));
        html_td(out, fmt(b, sizeof b, "%.3f", ATTRIB_COL(c, RC_CONVERSIONS, double)[i]));
        html_td(out, fmt(b, sizeof b, "%.2f", ATTRIB_COL(c, RC_VALUE, double)[i]));
        html_td(out, fmtu(b, sizeof b, ATTRIB_COL(c, RC_CREDITED_TOUCHES, uint64_t)[i]));
        html_td(out, fmt(b, sizeof b, "%.0f", ATTRIB_COL(c, RC_MEAN_TTC_S, double)[i]));
        html_td(out, fmt(b, sizeof b, "%.3f", ATTRIB_COL(c, RC_ROAS, double)[i]));
        fputs("</tr>\n", out);
    }
    fputs("<tr class=\"total\">", out);
    html_td(out, "TOTAL");
    html_td(out, "");
    html_td(out, fmtu(b, sizeof b, R->imp));
    html_td(out, fmtu(b, sizeof b, R->eng));
    html_td(out, fmtu(b, sizeof b, R->nur));
    html_td(out, fmtu(b, sizeof b, R->reach));
    html_td(out, fmt(b, sizeof b, "%.2f", R->cost));
    html_td(out, fmt(b, sizeof b, "%.3f", R->conv));
    html_td(out, fmt(b, sizeof b, "%.2f", R->value));
    html_td(out, fmtu(b, sizeof b, R->touches));
    html_td(out, fmt(b, sizeof b, "%.0f", total_ttc(R)));
    html_td(out, fmt(b, sizeof b, "%.3f", total_roas(R)));
    fputs("</tr></tbody></table></div>\n", out);
}

static void html_advertiser_table(const rep *R, FILE *out)
{
    const attrib_table *a = &R->r->advertiser;
    fputs("<div class=\"scroll\"><table class=\"data\" id=\"advertisers\"><thead><tr>", out);
    for (int k = 0; k < RA_NCOLS; k++)
        fprintf(out, "<th>%s</th>", attrib_schema_report_advertiser.cols[k].name);
    fputs("</tr></thead><tbody>\n", out);
    char b[64];
    for (size_t i = 0; i < a->n; i++) {
        fputs("<tr>", out);
        html_td(out, fmtu(b, sizeof b, ATTRIB_COL(a, RA_ADVERTISER_ID, uint32_t)[i]));
        for (int k = RA_CONVERSIONS; k < RA_NCOLS; k++)
            html_td(out, fmtu(b, sizeof b, ATTRIB_COL(a, k, uint64_t)[i]));
        fputs("</tr>\n", out);
    }
    fputs("<tr class=\"total\">", out);
    html_td(out, "TOTAL");
    for (int k = RA_CONVERSIONS; k < RA_NCOLS; k++)
        html_td(out, fmtu(b, sizeof b, R->adv[k]));
    fputs("</tr></tbody></table></div>\n", out);
}

/* An embedded script, without its trailing source-map comment (the map is not shipped,
 * and a browser's developer tools would try to fetch it). */
static void html_asset(FILE *out, const attrib_html_asset *a)
{
    static const char map[] = "//# sourceMappingURL=";
    size_t len = a->len;
    const char *s = (const char *)a->data;
    for (size_t i = len; i-- > 0;) {
        if (s[i] == '\n' && i + 1 < len && len - (i + 1) >= sizeof map - 1 &&
            memcmp(s + i + 1, map, sizeof map - 1) == 0) {
            len = i + 1;
            break;
        }
        if (len - i > 4096) /* only the tail of the file */
            break;
    }
    fprintf(out, "<script>/* %s */\n", a->name);
    fwrite(s, 1, len, out);
    fputs("\n</script>\n", out);
}

static void write_html(const rep *R, FILE *out, size_t top)
{
    char b[64], lab[160];
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          /* Everything is inline; the policy makes the browser refuse any fetch. Vega
           * compiles its expressions with Function(), hence 'unsafe-eval'. */
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
          "img-src data: blob:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
          "attrib report: ", out);
    attrib_html_str(out, R->r->path, strlen(R->r->path));
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>Attribution report</h1>\n",
            html_style);
    fputs("<table class=\"meta\">\n", out);
    const char *rows[][2] = {{"results", R->r->path},
                             {"period from", attr_or(R, ATTRIB_RES_PERIOD_FROM, "?")},
                             {"period to", attr_or(R, ATTRIB_RES_PERIOD_TO, "?")},
                             {"model", attr_or(R, ATTRIB_RES_MODEL, "?")},
                             {"rules", attr_or(R, ATTRIB_RES_RULES_FILE, "?")},
                             {"input", attr_or(R, ATTRIB_RES_INPUT_FILE, "?")},
                             {"input checksum", attr_or(R, ATTRIB_RES_INPUT_CHECKSUM, "?")},
                             {"software", attr_or(R, ATTRIB_RES_SOFTWARE_VERSION, "?")}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fprintf(out, "<tr><td>%s</td><td>", rows[i][0]);
        attrib_html_str(out, rows[i][1], strlen(rows[i][1]));
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n<div class=\"kpis\">\n", out);
    uint64_t u = R->adv[RA_UNATTR_NO_TOUCH] + R->adv[RA_UNATTR_RULE_EXCLUDED] +
                 R->adv[RA_UNATTR_OUTSIDE_WINDOW];
    html_kpi(out, fmtu(b, sizeof b, R->adv[RA_CONVERSIONS]), "conversions");
    html_kpi(out, fmtu(b, sizeof b, R->adv[RA_ATTRIBUTED]), "attributed");
    html_kpi(out, fmtu(b, sizeof b, u), "unattributed");
    html_kpi(out, fmt(b, sizeof b, "%.2f", R->conv), "credited conversions");
    html_kpi(out, fmt(b, sizeof b, "%.2f", R->value), "credited value");
    html_kpi(out, fmt(b, sizeof b, "%.2f", R->cost), "cost");
    html_kpi(out, fmt(b, sizeof b, "%.3f", total_roas(R)), "ROAS (campaigns with cost)");
    fputs("</div>\n", out);

    size_t nc = R->r->campaign.n, shown = top && nc > top ? top : nc;
    snprintf(lab, sizeof lab, "the %zu largest of %zu campaigns", shown, nc);
    html_chart(out, "Conversions by campaign", "conv_campaign", shown < nc ? lab : NULL);
    html_chart(out, "Value by campaign", "value_campaign", shown < nc ? lab : NULL);
    html_chart(out, "Daily conversions", "daily_conv",
               "UTC days; by the day of the conversion (report/daily) and by the day of the "
               "credited touch (report/daily_touch)");
    html_chart(out, "Daily credited value", "daily_value", NULL);
    html_chart(out, "Time to convert", "ttc",
               "credit-weighted: each credit row adds its credit to the bucket of "
               "conv_ts - touch_ts (from /credits)");
    html_chart(out, "Unattributed conversions by reason", "unattributed", NULL);
    size_t *ix, ncost = campaigns_by(R, RC_COST, RC_COST, 0, &ix);
    free(ix);
    if (ncost) {
        snprintf(lab, sizeof lab, "campaigns with a known cost (> 0): %zu%s", ncost,
                 top && ncost > top ? ", the largest by cost shown" : "");
        html_chart(out, "ROAS by campaign", "roas", lab);
    } else {
        fputs("<h2>ROAS by campaign</h2>\n<p class=\"note\">No campaign has a known cost (cost is "
              "0 everywhere), so ROAS is not defined.</p>\n", out);
    }
    fputs("<h2>Campaigns</h2>\n", out);
    html_campaign_table(R, out);
    fputs("<h2>Advertisers</h2>\n", out);
    html_advertiser_table(R, out);
    fputs("<footer>Written by attrib report. Charts: <span id=\"versions\">Vega-Lite</span> "
          "(BSD-3-Clause, bundled in this file).</footer>\n", out);
    fputs("<script type=\"application/json\" id=\"attrib-data\">", out);
    html_data(R, out, top);
    fputs("</script>\n<!--\n", out);
    fputs(vega_notice, out);
    fputs("-->\n", out);
    for (const attrib_html_asset *a = attrib_html_assets; a->name; a++)
        html_asset(out, a);
    fprintf(out, "<script>\n%s</script>\n</body>\n</html>\n", html_script);
}

int attrib_cmd_report(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    const char *path = NULL, *format = "text", *output = NULL, *table = "campaign";
    long top = 25;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (attrib_cmd_is_help(a)) {
            fputs(attrib_usage_report, stdout);
            return 0;
        }
        int takes = strcmp(a, "-f") == 0 || strcmp(a, "--format") == 0 || strcmp(a, "-o") == 0 ||
                    strcmp(a, "--output") == 0 || strcmp(a, "--table") == 0 ||
                    strcmp(a, "--top") == 0;
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        char key[32] = "";
        if (eq && (size_t)(eq - a) < sizeof key) {
            memcpy(key, a, (size_t)(eq - a));
            key[eq - a] = 0;
            a = key;
            val = eq + 1;
            takes = 1;
        } else if (takes) {
            if (i + 1 >= argc)
                return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "report: %s needs a value. "
                                                      "See 'attrib report --help'.", a), 1);
            val = argv[++i];
        }
        if (strcmp(a, "-f") == 0 || strcmp(a, "--format") == 0)
            format = val;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
            output = val;
        else if (strcmp(a, "--table") == 0)
            table = val;
        else if (strcmp(a, "--top") == 0) {
            char *end;
            top = strtol(val, &end, 10);
            if (*val == 0 || *end || top < 0)
                return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "report: bad --top '%s'", val), 1);
        } else if (a[0] == '-' && a[1])
            return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "report: unknown option '%s'. "
                                                  "See 'attrib report --help'.", a), 1);
        else if (!path)
            path = a;
        else
            return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "report: unexpected argument '%s'", a), 1);
    }
    if (!path)
        return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "report: a results file is required. "
                                              "See 'attrib report --help'."), 1);
    int fmt_id = strcmp(format, "text") == 0 ? 0 : strcmp(format, "csv") == 0 ? 1
               : strcmp(format, "json") == 0 ? 2 : strcmp(format, "html") == 0 ? 3 : -1;
    if (fmt_id < 0)
        return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "report: unknown format '%s' "
                                              "(text, csv, json, html)", format), 1);
    int known = 0;
    for (size_t i = 0; csv_tables[i]; i++)
        known |= strcmp(csv_tables[i], table) == 0;
    if (!known)
        return attrib_cmd_fail_legacy(attrib_err_set(ATTRIB_EUSAGE, "report: unknown table '%s' for "
                                              "--table", table), 1);

    rep R;
    memset(&R, 0, sizeof R);
    int rc = attrib_results_open(path, &R.r);
    if (rc == 0)
        rc = build(&R);
    attrib_outfile o;
    memset(&o, 0, sizeof o);
    if (rc == 0)
        rc = attrib_outfile_open(&o, output);
    if (rc == 0) {
        switch (fmt_id) {
        case 0: write_text(&R, o.fp); break;
        case 1: write_csv(&R, o.fp, table); break;
        case 2: write_json(&R, o.fp); break;
        default: write_html(&R, o.fp, (size_t)top); break;
        }
        rc = attrib_outfile_close(&o, 1);
    }
    free(R.days);
    attrib_results_close(R.r);
    return rc < 0 ? attrib_cmd_fail_legacy(rc, 1) : 0;
}

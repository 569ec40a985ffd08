/* The text report: the run, totals, then aligned tables (include/attrib/report.h). */
#include <inttypes.h>
#include <stdio.h>

#include "attrib/report.h"
#include "attrib/textout.h"
#include "report_fmt.h"

#define F attrib_report_fmt
#define U attrib_report_fmtu

static const char *attr_or(const attrib_report *rep, int i, const char *dflt)
{
    return rep->attr[i] ? rep->attr[i] : dflt;
}

static void campaign_cells(const attrib_report_campaign *c, int total, char b[12][64],
                           const char *cells[12])
{
    cells[0] = total ? "TOTAL" : U(b[0], 64, c->campaign_id);
    cells[1] = total ? "" : U(b[1], 64, c->advertiser_id);
    cells[2] = U(b[2], 64, c->impressions);
    cells[3] = U(b[3], 64, c->engagements);
    cells[4] = U(b[4], 64, c->nurtures);
    cells[5] = U(b[5], 64, c->reach);
    cells[6] = F(b[6], 64, "%.2f", c->cost);
    cells[7] = F(b[7], 64, "%.3f", c->conversions);
    cells[8] = F(b[8], 64, "%.2f", c->value);
    cells[9] = U(b[9], 64, c->credited_touches);
    cells[10] = F(b[10], 64, "%.0f", c->mean_ttc_s);
    cells[11] = F(b[11], 64, "%.3f", c->roas);
}

static void text_campaigns(const attrib_report *rep, FILE *out)
{
    static const char *const h[] = {"campaign_id", "advertiser_id", "impressions", "engagements",
                                    "nurtures", "reach", "cost", "conversions", "value",
                                    "credited_touches", "mean_ttc_s", "roas"};
    attrib_grid *g = attrib_grid_create(12, h, "rrrrrrrrrrrr");
    char b[12][64];
    const char *cells[12];
    for (size_t i = 0; i < rep->ncampaigns; i++) {
        campaign_cells(&rep->campaigns[i], 0, b, cells);
        attrib_grid_row(g, cells);
    }
    attrib_grid_rule(g);
    campaign_cells(&rep->campaign_total, 1, b, cells);
    attrib_grid_row(g, cells);
    fprintf(out, "Campaigns (%zu)\n", rep->ncampaigns);
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
}

static void advertiser_cells(const attrib_report_advertiser *a, int total, char b[ATTRIB_RA_NCOLS][32],
                             const char *cells[ATTRIB_RA_NCOLS])
{
    uint64_t v[ATTRIB_RA_NCOLS];
    attrib_report_advertiser_values(a, v);
    for (int k = 0; k < ATTRIB_RA_NCOLS; k++)
        cells[k] = U(b[k], 32, v[k]);
    if (total)
        cells[0] = "TOTAL";
}

static void text_advertisers(const attrib_report *rep, FILE *out)
{
    static const char *const h[ATTRIB_RA_NCOLS] = {
        "advertiser_id", "conversions", "attributed", "no_touch", "rule_excluded",
        "outside_window", "dup_touches", "dup_touches_inexact", "dup_conversions",
        "dup_conversions_inexact"};
    attrib_grid *g = attrib_grid_create(ATTRIB_RA_NCOLS, h, "rrrrrrrrrr");
    char b[ATTRIB_RA_NCOLS][32];
    const char *cells[ATTRIB_RA_NCOLS];
    for (size_t i = 0; i < rep->nadvertisers; i++) {
        advertiser_cells(&rep->advertisers[i], 0, b, cells);
        attrib_grid_row(g, cells);
    }
    attrib_grid_rule(g);
    advertiser_cells(&rep->advertiser_total, 1, b, cells);
    attrib_grid_row(g, cells);
    fprintf(out, "Advertisers (%zu)\n", rep->nadvertisers);
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
}

static void text_unattributed(const attrib_report *rep, FILE *out)
{
    static const char *const h[] = {"reason", "conversions", "share"};
    attrib_grid *g = attrib_grid_create(3, h, "lrr");
    char b[2][32];
    for (int k = 0; k < ATTRIB_NREASONS; k++) {
        const attrib_report_reason *x = &rep->unattributed[k];
        attrib_grid_rowv(g, x->reason, U(b[0], 32, x->conversions), F(b[1], 32, "%.4f", x->share));
    }
    attrib_grid_rule(g);
    const attrib_report_reason *t = &rep->unattributed_total;
    attrib_grid_rowv(g, t->reason, U(b[0], 32, t->conversions), F(b[1], 32, "%.4f", t->share));
    fprintf(out, "Unattributed conversions by reason\n");
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
}

static void ttc_row(attrib_grid *g, const attrib_report_ttc *x)
{
    char b[4][32];
    attrib_grid_rowv(g, x->label, F(b[0], 32, "%.3f", x->credit), F(b[1], 32, "%.4f", x->share),
                     U(b[2], 32, x->credited_touches), F(b[3], 32, "%.2f", x->credited_value));
}

static void text_ttc(const attrib_report *rep, FILE *out)
{
    static const char *const h[] = {"time_to_convert", "credit", "share", "credited_touches",
                                    "credited_value"};
    attrib_grid *g = attrib_grid_create(5, h, "lrrrr");
    for (int k = 0; k < ATTRIB_REPORT_NTTC; k++)
        ttc_row(g, &rep->ttc[k]);
    attrib_grid_rule(g);
    ttc_row(g, &rep->ttc_total);
    fprintf(out, "Time to convert (credit-weighted, from /credits)\n");
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
}

static void day_row(attrib_grid *g, const attrib_report_day *d)
{
    char b[4][32];
    attrib_grid_rowv(g, d->day, F(b[0], 32, "%.3f", d->conversions), F(b[1], 32, "%.2f", d->value),
                     F(b[2], 32, "%.3f", d->conversions_by_touch_day),
                     F(b[3], 32, "%.2f", d->value_by_touch_day));
}

static void text_days(const attrib_report *rep, FILE *out)
{
    static const char *const h[] = {"day", "conversions", "value", "conversions_by_touch_day",
                                    "value_by_touch_day"};
    attrib_grid *g = attrib_grid_create(5, h, "lrrrr");
    for (size_t i = 0; i < rep->ndays; i++)
        day_row(g, &rep->days[i]);
    attrib_grid_rule(g);
    day_row(g, &rep->day_total);
    fprintf(out, "Daily, all campaigns (UTC days; by conversion day and by touch day)\n");
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
}

void attrib_report_write_text(const attrib_report *rep, FILE *out)
{
    char b[64];
    fprintf(out, "attrib report: %s\n", rep->path);
    const char *from = attr_or(rep, ATTRIB_RES_PERIOD_FROM, "?");
    const char *to = attr_or(rep, ATTRIB_RES_PERIOD_TO, "?");
    fprintf(out, "  period    [%s, %s)\n", *from ? from : "beginning of input",
            *to ? to : "end of input");
    fprintf(out, "  model     %s\n", attr_or(rep, ATTRIB_RES_MODEL, "?"));
    fprintf(out, "  rules     %s\n", attr_or(rep, ATTRIB_RES_RULES_FILE, "?"));
    fprintf(out, "  input     %s (%s)\n", attr_or(rep, ATTRIB_RES_INPUT_FILE, "?"),
            attr_or(rep, ATTRIB_RES_INPUT_CHECKSUM, "?"));
    fprintf(out, "  software  %s", attr_or(rep, ATTRIB_RES_SOFTWARE_VERSION, "?"));
    if (rep->ranks > 0)
        fprintf(out, ", %" PRId64 " rank%s", rep->ranks, rep->ranks == 1 ? "" : "s");
    fputc('\n', out);
    if (rep->identity_key == ATTRIB_REPORT_KEY_PUBLIC)
        fputs("  warning   identities were hashed with the built-in public key: pseudonymous "
              "only (import --hash-key sets a key of your own)\n", out);
    fprintf(out, "\nTotals\n");
    const attrib_report_advertiser *a = &rep->advertiser_total;
    const attrib_report_campaign *c = &rep->campaign_total;
    fprintf(out, "  conversions            %" PRIu64 " (attributed %" PRIu64 ", unattributed %" PRIu64 ")\n",
            a->conversions, a->attributed, rep->unattributed_total.conversions);
    fprintf(out, "  credited conversions   %s\n", F(b, sizeof b, "%.3f", c->conversions));
    fprintf(out, "  credited value         %s\n", F(b, sizeof b, "%.2f", c->value));
    fprintf(out, "  cost                   %s\n", F(b, sizeof b, "%.2f", c->cost));
    fprintf(out, "  ROAS (cost known)      %s\n", F(b, sizeof b, "%.3f", c->roas));
    fprintf(out, "  mean time to convert   %s s\n", F(b, sizeof b, "%.0f", c->mean_ttc_s));
    fprintf(out, "  credit rows            %" PRIu64 "\n\n", rep->credit_rows);
    text_campaigns(rep, out);
    fputc('\n', out);
    text_advertisers(rep, out);
    fputc('\n', out);
    text_unattributed(rep, out);
    fputc('\n', out);
    text_ttc(rep, out);
    fputc('\n', out);
    text_days(rep, out);
}

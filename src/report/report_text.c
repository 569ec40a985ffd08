/* The text report: the run, totals, then aligned tables (include/attrib/report.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"

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

/* ---- Data-driven tables (each section only when the file has its table) ---- */

/* Models side by side: the figure `which` (0 conversions, 1 value) of every model. */
static void text_models(const attrib_report *rep, FILE *out, int which)
{
    const attrib_report_models *M = &rep->models;
    const size_t nc = 2 + M->n;
    const char **h = attrib_xmalloc(nc * sizeof *h);
    char *align = attrib_xmalloc(nc + 1);
    h[0] = "campaign_id";
    h[1] = "advertiser_id";
    for (size_t m = 0; m < M->n; m++)
        h[2 + m] = M->name[m];
    memset(align, 'r', nc);
    align[nc] = 0;
    attrib_grid *g = attrib_grid_create(nc, h, align);
    char(*b)[64] = attrib_xmalloc(nc * sizeof *b);
    const char **cells = attrib_xmalloc(nc * sizeof *cells);
    for (size_t k = 0; k <= M->nrows; k++) {
        const int total = k == M->nrows;
        const attrib_report_model_row *r = total ? &M->total : &M->rows[k];
        if (total)
            attrib_grid_rule(g);
        cells[0] = total ? "TOTAL" : U(b[0], 64, r->campaign_id);
        cells[1] = total ? "" : U(b[1], 64, r->advertiser_id);
        for (size_t m = 0; m < M->n; m++)
            cells[2 + m] = which ? F(b[2 + m], 64, "%.2f", r->value[m])
                                 : F(b[2 + m], 64, "%.3f", r->conversions[m]);
        attrib_grid_row(g, cells);
    }
    fprintf(out, "Models compared: %s per campaign (report/models, %zu model%s)\n",
            which ? "credited value" : "conversions", M->n, M->n == 1 ? "" : "s");
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
    free(cells);
    free(b);
    free(align);
    free(h);
}

/* Paths longer than this are cut in the text ("..." appended); CSV and JSON keep them. */
#define TEXT_PATH_MAX 60

static void text_paths(const attrib_report *rep, FILE *out)
{
    static const char *const h[] = {"path", "conversions", "value", "nulls", "conversion_rate"};
    fprintf(out, "Top paths per advertiser (report/paths: the %d most converting, then most "
                 "nulls; %zu advertiser%s)\n",
            ATTRIB_REPORT_TOP_PATHS, rep->npath_groups, rep->npath_groups == 1 ? "" : "s");
    if (!rep->npath_groups)
        fputs("  no journeys\n", out);
    for (size_t i = 0; i < rep->npath_groups; i++) {
        const attrib_report_path_group *x = &rep->path_groups[i];
        char v[64];
        fprintf(out, "%s  advertiser %" PRIu32 ": %" PRIu64 " distinct path%s, %" PRIu64
                     " journeys (%" PRIu64 " converting, %" PRIu64 " non-converting), value %s\n",
                i ? "\n" : "", x->advertiser_id, x->paths, x->paths == 1 ? "" : "s",
                x->converting + x->non_converting, x->converting, x->non_converting,
                F(v, sizeof v, "%.2f", x->value));
        attrib_grid *g = attrib_grid_create(5, h, "lrrrr");
        for (size_t k = 0; k < x->ntop; k++) {
            const attrib_report_path *p = &rep->paths[x->top[k]];
            char b[4][64], path[TEXT_PATH_MAX + 4];
            if (strlen(p->path) > TEXT_PATH_MAX)
                snprintf(path, sizeof path, "%.*s...", TEXT_PATH_MAX, p->path);
            else
                snprintf(path, sizeof path, "%s", p->path);
            attrib_grid_rowv(g, path, U(b[0], 64, p->conversions), F(b[1], 64, "%.2f", p->value),
                             U(b[2], 64, p->nulls), F(b[3], 64, "%.4f", p->conversion_rate));
        }
        attrib_grid_print(g, out, "    ");
        attrib_grid_free(g);
    }
}

/* Markov removal effects next to Shapley (the columns of the tables the file has). */
static void text_dd(const attrib_report *rep, FILE *out)
{
    const char *h[7] = {"advertiser_id", "campaign_id"};
    size_t nc = 2;
    if (rep->has_markov) {
        h[nc++] = "removal_effect";
        h[nc++] = "markov_conversions";
        h[nc++] = "markov_value";
    }
    if (rep->has_shapley) {
        h[nc++] = "shapley_conversions";
        h[nc++] = "shapley_value";
    }
    static const char align[] = "rrrrrrr"; /* right-aligned: the last nc of them */
    attrib_grid *g = attrib_grid_create(nc, h, &align[7 - nc]);
    char b[7][64];
    const char *cells[7];
    double tot[4] = {0, 0, 0, 0};
    for (size_t i = 0; i <= rep->ndd; i++) {
        const int total = i == rep->ndd;
        const attrib_report_dd *d = total ? NULL : &rep->dd[i];
        size_t c = 2;
        if (total) {
            attrib_grid_rule(g);
            cells[0] = "TOTAL";
            cells[1] = "";
        } else {
            cells[0] = U(b[0], 64, d->advertiser_id);
            cells[1] = U(b[1], 64, d->campaign_id);
        }
        const double v[4] = {total ? tot[0] : d->markov_conversions, total ? tot[1] : d->markov_value,
                             total ? tot[2] : d->shapley_conversions, total ? tot[3] : d->shapley_value};
        if (rep->has_markov) {
            cells[c] = total ? "" : F(b[c], 64, "%.4f", d->removal_effect);
            c++;
            cells[c] = F(b[c], 64, "%.3f", v[0]);
            c++;
            cells[c] = F(b[c], 64, "%.2f", v[1]);
            c++;
        }
        if (rep->has_shapley) {
            cells[c] = F(b[c], 64, "%.3f", v[2]);
            c++;
            cells[c] = F(b[c], 64, "%.2f", v[3]);
            c++;
        }
        attrib_grid_row(g, cells);
        for (int k = 0; !total && k < 4; k++)
            if (isfinite(v[k]))
                tot[k] += v[k];
    }
    fprintf(out, "%s per advertiser and campaign (%s)\n",
            rep->has_markov && rep->has_shapley ? "Markov removal effects and Shapley"
            : rep->has_markov                   ? "Markov removal effects"
                                                : "Shapley",
            rep->has_markov && rep->has_shapley ? "report/markov, report/shapley"
            : rep->has_markov                   ? "report/markov"
                                                : "report/shapley");
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
}

/* The identity graph's figures, when the run stitched identities. */
static void text_identity(const attrib_report *rep, FILE *out)
{
    if (!rep->has_identity || !rep->stitched)
        return;
    const uint64_t *v = rep->identity;
    fprintf(out,
            "\nIdentity graph (report/identity): %" PRIu64 " links between %" PRIu64
            " identities in %" PRIu64 " components\n"
            "  merged into one person each: %" PRIu64 " components (%" PRIu64 " identities)\n"
            "  left unmerged, over %" PRId64 " identities: %" PRIu64 " components (%" PRIu64
            " identities)\n"
            "  largest component: %" PRIu64 " identities\n",
            v[ATTRIB_RI_LINKS], v[ATTRIB_RI_VERTICES], v[ATTRIB_RI_COMPONENTS],
            v[ATTRIB_RI_MERGED_COMPONENTS], v[ATTRIB_RI_IDENTITIES_MERGED], rep->max_component,
            v[ATTRIB_RI_OVERSIZE_COMPONENTS], v[ATTRIB_RI_OVERSIZE_IDENTITIES],
            v[ATTRIB_RI_LARGEST_COMPONENT]);
}

static void text_datadriven(const attrib_report *rep, FILE *out)
{
    text_identity(rep, out);
    if (rep->has_models) {
        fputc('\n', out);
        text_models(rep, out, 0);
        fputc('\n', out);
        text_models(rep, out, 1);
    }
    if (rep->has_paths) {
        fputc('\n', out);
        text_paths(rep, out);
    }
    if (rep->has_markov || rep->has_shapley) {
        fputc('\n', out);
        text_dd(rep, out);
    }
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
    text_datadriven(rep, out);
}

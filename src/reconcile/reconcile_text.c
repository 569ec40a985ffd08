/* attrib reconcile: the text renderers (include/attrib/reconcile.h). They print figures
 * the comparison computed; they decide nothing. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "attrib/reconcile.h"
#include "attrib/table.h"
#include "attrib/textout.h"

/* "+12.50%", "0.00%", or "new" when A is 0. */
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

static const char *side_kind(const attrib_reconcile_side *s)
{
    return s->is_results ? "results file" : "CSV campaign report";
}

static void campaign_status(const attrib_reconcile_campaign *c, char *st, size_t n)
{
    snprintf(st, n, "%s", c->differs ? "DIFFERS" : "within tolerance");
    if (!c->in_a)
        snprintf(st + strlen(st), n - strlen(st), ", only in B");
    if (!c->in_b)
        snprintf(st + strlen(st), n - strlen(st), ", only in A");
    if (c->advertiser_differs)
        snprintf(st + strlen(st), n - strlen(st), ", advertiser %" PRIu32 " vs %" PRIu32,
                 c->advertiser_a, c->advertiser_b);
}

/* One grid row: label, conversions A B delta delta_%, value A B delta delta_%, status. */
static void figures_row(attrib_grid *g, const char *label, double ca, double cb, double va,
                        double vb, const char *status)
{
    char b[9][64];
    snprintf(b[1], 64, "%.3f", ca);
    snprintf(b[2], 64, "%.3f", cb);
    snprintf(b[3], 64, "%+.3f", cb - ca);
    snprintf(b[5], 64, "%.2f", va);
    snprintf(b[6], 64, "%.2f", vb);
    snprintf(b[7], 64, "%+.2f", vb - va);
    attrib_grid_rowv(g, label, b[1], b[2], b[3], rel(b[4], 64, ca, cb), b[5], b[6], b[7],
                     rel(b[8], 64, va, vb), status);
}

void attrib_reconcile_campaigns_print_text(const attrib_reconcile_campaigns *r, FILE *out)
{
    const attrib_reconcile_opts *o = &r->opts;
    fprintf(
        out, "reconcile by campaign\n  A  %s (%s, %zu campaigns)\n  B  %s (%s, %zu campaigns)\n",
        r->a.path, side_kind(&r->a), r->a.ncampaigns, r->b.path, side_kind(&r->b), r->b.ncampaigns);
    if (o->relative)
        fprintf(out,
                "  tolerance %g relative: a figure differs when |A - B| > %g * max(|A|, |B|)\n\n",
                o->tolerance, o->tolerance);
    else
        fprintf(out, "  tolerance %g absolute: a figure differs when |A - B| > %g\n\n",
                o->tolerance, o->tolerance);
    static const char *const h[] = {"campaign_id", "conversions_A", "conversions_B", "delta",
                                    "delta_%",     "value_A",       "value_B",       "delta",
                                    "delta_%",     "status"};
    attrib_grid *g = attrib_grid_create(10, h, "rrrrrrrrrl");
    for (size_t k = 0; k < r->n; k++) {
        const attrib_reconcile_campaign *c = &r->camp[k];
        if (!c->listed)
            continue;
        char id[16], st[96];
        snprintf(id, sizeof id, "%" PRIu32, c->campaign_id);
        campaign_status(c, st, sizeof st);
        figures_row(g, id, c->conversions_a, c->conversions_b, c->value_a, c->value_b, st);
    }
    attrib_grid_rule(g);
    figures_row(g, "TOTAL", r->a.conversions, r->b.conversions, r->a.value, r->b.value,
                r->totals_differ ? "DIFFERS" : "");
    attrib_grid_print(g, out, "  ");
    attrib_grid_free(g);
    fprintf(out,
            "\n%zu of %zu campaigns differ beyond tolerance (%zu listed, %zu identical not "
            "listed%s); %zu only in A, %zu only in B.\n",
            r->ndiffering, r->n, r->nlisted, r->n - r->nlisted, o->all ? "" : "; --all lists them",
            r->only_a, r->only_b);
}

static const char *const kind_titles[ATTRIB_RECONCILE_NKINDS] = {
    "new: credited in B only", "lost: credited in A only", "moved: credited campaigns changed",
    "credit changed: same campaigns, other credit"};

/* "101:0.5 102:0.5", "unattributed (no_touch)", "absent". */
static void side_text(const attrib_reconcile_conv_side *s, char *buf, size_t n)
{
    if (s->status == ATTRIB_RECONCILE_UNATTRIBUTED) {
        snprintf(buf, n, "unattributed (%s)", attrib_reason_names[s->reason]);
        return;
    }
    if (s->status == ATTRIB_RECONCILE_ABSENT) {
        snprintf(buf, n, "absent");
        return;
    }
    size_t w = 0;
    buf[0] = 0;
    for (size_t i = 0; i < s->ncredits && w + 1 < n; i++) {
        const int k = snprintf(buf + w, n - w, "%s%" PRIu32 ":%.4g", i ? " " : "",
                               s->credit[i].campaign_id, s->credit[i].credit);
        if (k < 0 || (size_t)k >= n - w) {
            if (n > 4)
                strcpy(buf + n - 4, "...");
            break;
        }
        w += (size_t)k;
    }
}

void attrib_reconcile_conversions_print_text(const attrib_reconcile_conversions *r, FILE *out)
{
    fprintf(out,
            "reconcile by conversion\n  A  %s (%" PRIu64 " credited conversions)\n"
            "  B  %s (%" PRIu64 " credited conversions)\n",
            r->path_a, r->credited_a, r->path_b, r->credited_b);
    fprintf(out, "  tolerance %g %s (credit and credited value per campaign)\n", r->opts.tolerance,
            r->opts.relative ? "relative" : "absolute");
    for (int k = 0; k < ATTRIB_RECONCILE_NKINDS; k++) {
        const attrib_reconcile_kind_list *l = &r->kind[k];
        if (!l->count)
            continue;
        fprintf(out, "\n%s (%zu)\n", kind_titles[k], l->count);
        static const char *const h[] = {"conversion_id", "advertiser_id", "A", "B"};
        attrib_grid *g = attrib_grid_create(4, h, "rrll");
        char sa[512], sb[512], c1[32], c2[32];
        for (size_t i = 0; i < l->n; i++) {
            const attrib_reconcile_conversion *e = &l->conv[i];
            side_text(&e->side[0], sa, sizeof sa);
            side_text(&e->side[1], sb, sizeof sb);
            snprintf(c1, sizeof c1, "%" PRIu64, e->conversion_id);
            snprintf(c2, sizeof c2, "%" PRIu32, e->advertiser_id);
            attrib_grid_rowv(g, c1, c2, sa, sb);
        }
        attrib_grid_print(g, out, "  ");
        attrib_grid_free(g);
        if (l->n < l->count)
            fprintf(out, "  … %zu more (--limit 0 lists all)\n", l->count - l->n);
    }
    fprintf(out,
            "\n%zu conversions changed: %zu new, %zu lost, %zu moved, %zu credit changed; "
            "%" PRIu64 " unchanged. (A credit is shown as campaign_id:credit.)\n",
            r->changed, r->kind[ATTRIB_RECONCILE_NEW].count, r->kind[ATTRIB_RECONCILE_LOST].count,
            r->kind[ATTRIB_RECONCILE_MOVED].count, r->kind[ATTRIB_RECONCILE_CREDIT_CHANGED].count,
            r->unchanged);
}

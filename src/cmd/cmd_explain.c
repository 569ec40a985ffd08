/* attrib explain — why one conversion was attributed as it was (SPEC 6), and the
 * writer of /explain/conversion for `attrib run --explain`.
 *
 *   every rank: scan its slab of /conversions in blocks for the conversion id
 *   rank 0: pick the (advertiser, identity), or fail listing the choices
 *   every rank: scan its slab of /events in blocks for that identity's rows
 *   rank 0: attrib_explain_build (the engine on those rows + the classifier), print
 *
 * No rank ever holds more than a block of the input plus the identity's rows.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/cmd.h"
#include "attrib/engine.h"
#include "attrib/err.h"
#include "attrib/explain.h"
#include "attrib/h5io.h"
#include "attrib/par.h"
#include "attrib/rules.h"
#include "attrib/table.h"
#include "attrib/textout.h"
#include "attrib/timeparse.h"

const char attrib_usage_explain[] =
    "usage: attrib explain -c RULES -i IN.h5 --conversion ID [--advertiser A]\n"
    "                      [--identity H] [--from DATE] [--to DATE] [--model M] [--json]\n"
    "\n"
    "Explain how `attrib run` attributes one conversion: every touch of the conversion's\n"
    "identity for its advertiser, from the longest lookback before the conversion to the\n"
    "same span after it, each with its status and reason; the rule version that applied\n"
    "to each campaign and where in RULES it comes from; the model and how it split the\n"
    "credit. The figures are those of `attrib run`'s /credits (the engine itself runs on\n"
    "the identity's rows).\n"
    "\n"
    "  -c, --rules FILE     rules file (as given to attrib run)\n"
    "  -i, --input FILE     input HDF5 file (as given to attrib run)\n"
    "      --conversion ID  the conversion_id\n"
    "      --advertiser A   its advertiser, when several advertisers use that id\n"
    "      --identity H     its identity hash, when several identities use that id\n"
    "      --from DATE      --to DATE  --model M: as given to attrib run, so that the\n"
    "                       explanation agrees with a run made with them\n"
    "      --json           one JSON document instead of text\n"
    "\n"
    "Statuses: credited (a candidate with a share of the credit), zero_share (a candidate\n"
    "the model gives nothing, e.g. not the last under last_touch), beaten_by_engagement\n"
    "(a candidate dropped by engagement priority), outside_window (older than its kind's\n"
    "lookback, by how much), kind_off (its kind's lookback is \"off\" for its campaign),\n"
    "type_excluded (its campaign does not count this conversion type), after_conversion,\n"
    "duplicate (a redelivered row dropped by dedup).\n"
    "Unattributed conversions show their reason (no_touch, rule_excluded, outside_window).\n"
    "\n"
    "Exit: 0 explained (also when outside the period: it says so), 2 conversion not found,\n"
    "ambiguous (the choices are listed) or bad input, 3 internal failure.\n"
    "Runs on one process or under mpirun: each rank scans a slab of the input.\n"
    "\n"
    "`attrib run --explain` writes /explain/conversion (see docs/explain.md): one row per\n"
    "conversion in the period with its outcome and counts of touches, candidates, path\n"
    "length, credited touches, exclusions by reason, touches after the conversion and\n"
    "dropped duplicates, sorted like /credits.\n";

typedef struct xopts {
    const char *rules, *input, *model;
    uint64_t cid, identity;
    uint32_t advid;
    int has_cid, has_adv, has_identity, json, model_id;
    int64_t from, to;
} xopts;

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!*s || *s == '-')
        return -1;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end)
        return -1;
    *v = x;
    return 0;
}

static int parse_args(int argc, char **argv, xopts *o)
{
    static const struct option longopts[] = {
        {"rules", required_argument, 0, 'c'},      {"input", required_argument, 0, 'i'},
        {"conversion", required_argument, 0, 'C'}, {"advertiser", required_argument, 0, 'A'},
        {"identity", required_argument, 0, 'I'},   {"from", required_argument, 0, 'F'},
        {"to", required_argument, 0, 'T'},         {"model", required_argument, 0, 'm'},
        {"json", no_argument, 0, 'j'},             {"help", no_argument, 0, 'h'},
        {"quiet", no_argument, 0, 'q'},            {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->from = INT64_MIN;
    o->to = INT64_MAX;
    o->model_id = -1;
    optind = 1;
    opterr = 0;
    int ch;
    uint64_t v;
    while ((ch = getopt_long(argc, argv, "c:i:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': o->rules = optarg; break;
        case 'i': o->input = optarg; break;
        case 'm': o->model = optarg; break;
        case 'j': o->json = 1; break;
        case 'q': break;
        case 'h': return 1;
        case 'C':
            if (parse_u64(optarg, &o->cid))
                return attrib_err_set(ATTRIB_EUSAGE, "explain: bad --conversion '%s'", optarg);
            o->has_cid = 1;
            break;
        case 'A':
            if (parse_u64(optarg, &v) || v > UINT32_MAX)
                return attrib_err_set(ATTRIB_EUSAGE, "explain: bad --advertiser '%s'", optarg);
            o->advid = (uint32_t)v;
            o->has_adv = 1;
            break;
        case 'I':
            if (parse_u64(optarg, &o->identity))
                return attrib_err_set(ATTRIB_EUSAGE, "explain: bad --identity '%s'", optarg);
            o->has_identity = 1;
            break;
        case 'F':
        case 'T':
            if (attrib_time_parse(optarg, strlen(optarg), ch == 'F' ? &o->from : &o->to) != 0)
                return attrib_err_set(ATTRIB_EUSAGE,
                                      "explain: bad %s '%s' (want YYYY-MM-DD or a timestamp)",
                                      ch == 'F' ? "--from" : "--to", optarg);
            break;
        default:
            return attrib_err_set(ATTRIB_EUSAGE,
                                  "explain: unknown option '%s'. See 'attrib explain --help'.",
                                  argv[optind - 1]);
        }
    }
    if (optind < argc)
        return attrib_err_set(ATTRIB_EUSAGE, "explain: unexpected argument '%s'", argv[optind]);
    if (!o->rules || !o->input || !o->has_cid)
        return attrib_err_set(ATTRIB_EUSAGE, "explain: -c RULES, -i IN.h5 and --conversion ID "
                                             "are required. See 'attrib explain --help'.");
    if (o->from >= o->to)
        return attrib_err_set(ATTRIB_EUSAGE, "explain: --from must be before --to");
    if (o->model) {
        o->model_id = attrib_model_parse(o->model);
        if (o->model_id < 0)
            return attrib_err_set(ATTRIB_EUSAGE, "explain: unknown model '%s'", o->model);
    }
    return 0;
}

/* ---- MPI helpers ---- */

/* Collective. Gather every rank's rows of `t` to rank 0 (appended after its own). */
static int gather_rows(const attrib_par *p, attrib_table *t)
{
    if (p->size == 1)
        return 0;
    attrib_par_agree_strw(p, t);
    int n = (int)t->n;
    int *counts = NULL, *displs = NULL;
    if (p->rank == 0) {
        counts = attrib_xcalloc((size_t)p->size, sizeof *counts);
        displs = attrib_xcalloc((size_t)p->size, sizeof *displs);
    }
    if (MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, p->comm) != MPI_SUCCESS)
        return attrib_err_set(ATTRIB_EMPI, "explain: MPI_Gather failed");
    size_t total = 0;
    if (p->rank == 0)
        for (int r = 0; r < p->size; r++)
            total += (size_t)counts[r];
    attrib_table all;
    attrib_table_init(&all, t->schema, 1);
    for (size_t c = 0; c < t->schema->ncols; c++)
        if (t->schema->cols[c].type == ATTRIB_T_STR)
            attrib_table_set_strw(&all, c, t->strw[c]);
    if (p->rank == 0)
        attrib_table_resize(&all, total);
    int rc = 0;
    for (size_t c = 0; c < t->schema->ncols && !rc; c++) {
        const int es = (int)attrib_table_elem_size(t, c);
        int *bc = NULL, *bd = NULL;
        if (p->rank == 0) {
            bc = attrib_xmalloc((size_t)p->size * sizeof *bc);
            bd = attrib_xmalloc((size_t)p->size * sizeof *bd);
            int off = 0;
            for (int r = 0; r < p->size; r++) {
                bc[r] = counts[r] * es;
                bd[r] = off;
                off += bc[r];
            }
        }
        static char empty;
        if (MPI_Gatherv(t->n ? t->col[c] : &empty, n * es, MPI_BYTE,
                        p->rank == 0 && total ? all.col[c] : NULL, bc, bd, MPI_BYTE, 0,
                        p->comm) != MPI_SUCCESS)
            rc = attrib_err_set(ATTRIB_EMPI, "explain: MPI_Gatherv failed");
        free(bc);
        free(bd);
    }
    free(counts);
    free(displs);
    if (p->rank == 0) {
        attrib_table_free(t);
        *t = all;
    } else {
        attrib_table_free(&all);
        t->n = 0;
    }
    return rc;
}

#define SCAN_BLOCK ((uint64_t)1 << 20)

typedef int (*row_pred)(const attrib_table *t, size_t i, const void *arg);

/* Collective. Every rank scans its slab of the table of schema `s` in blocks and keeps
 * the rows where `keep` holds, in `out` (initialised by the caller); then rank 0 gets
 * them all. */
static int scan_table(const attrib_par *p, attrib_h5file *f, const attrib_schema *s,
                      uint64_t nrows, row_pred keep, const void *arg, attrib_table *out)
{
    const uint64_t r = (uint64_t)p->rank, P = (uint64_t)p->size;
    const uint64_t a = nrows * r / P, b = nrows * (r + 1) / P;
    const uint64_t slab_max = (nrows + P - 1) / P;
    const uint64_t nblocks = (slab_max + SCAN_BLOCK - 1) / SCAN_BLOCK;
    int rc = 0;
    for (uint64_t k = 0; k < nblocks; k++) {
        uint64_t s0 = a + k * SCAN_BLOCK, cnt = 0;
        if (s0 < b)
            cnt = b - s0 < SCAN_BLOCK ? b - s0 : SCAN_BLOCK;
        else
            s0 = a;
        attrib_table blk;
        attrib_table_init(&blk, s, 1);
        int lrc = attrib_h5_read_table(f, s, s0, rc ? 0 : cnt, &blk);
        if (!rc && lrc)
            rc = lrc;
        if (!lrc)
            for (size_t i = 0; i < blk.n; i++)
                if (keep(&blk, i, arg)) {
                    if (out->n == 0)
                        for (size_t c = 0; c < s->ncols; c++)
                            if (s->cols[c].type == ATTRIB_T_STR)
                                attrib_table_set_strw(out, c, blk.strw[c]);
                    attrib_table_append(out, &blk, i, 1);
                }
        attrib_table_free(&blk);
    }
    rc = attrib_par_agree(p, rc);
    if (rc)
        return rc;
    return attrib_par_agree(p, gather_rows(p, out));
}

typedef struct conv_key {
    uint64_t cid, identity;
    uint32_t advid;
    int has_adv, has_identity;
} conv_key;

static int keep_conversion(const attrib_table *t, size_t i, const void *arg)
{
    const conv_key *k = arg;
    return ATTRIB_COL(t, CV_CONVERSION_ID, uint64_t)[i] == k->cid &&
           (!k->has_adv || ATTRIB_COL(t, CV_ADVERTISER_ID, uint32_t)[i] == k->advid) &&
           (!k->has_identity || ATTRIB_COL(t, CV_IDENTITY, uint64_t)[i] == k->identity);
}

static int keep_identity(const attrib_table *t, size_t i, const void *arg)
{
    return ATTRIB_COL(t, EV_IDENTITY, uint64_t)[i] == *(const uint64_t *)arg;
}

/* Rank 0: choose the (advertiser, identity) of the conversion among the matching rows. */
static int choose(const xopts *o, const attrib_table *m, uint32_t *advid, uint64_t *identity)
{
    if (m->n == 0) {
        char adv[48] = "", idn[64] = "";
        if (o->has_adv)
            snprintf(adv, sizeof adv, " of advertiser %u", (unsigned)o->advid);
        if (o->has_identity)
            snprintf(idn, sizeof idn, " of identity %" PRIu64, o->identity);
        return attrib_err_set(ATTRIB_EINPUT, "conversion %" PRIu64 "%s%s not found in '%s'",
                              o->cid, adv, idn, o->input);
    }
    const uint32_t *a = m->col[CV_ADVERTISER_ID];
    const uint64_t *id = m->col[CV_IDENTITY];
    int many_adv = 0, many_id = 0;
    uint32_t amin = a[0];
    for (size_t i = 1; i < m->n; i++) {
        many_adv |= a[i] != a[0];
        amin = a[i] < amin ? a[i] : amin;
    }
    if (many_adv) {
        char list[1024] = "";
        uint32_t last = 0;
        int first = 1;
        for (;;) { /* distinct advertisers in increasing order */
            uint32_t next = UINT32_MAX;
            int found = 0;
            for (size_t i = 0; i < m->n; i++)
                if ((first || a[i] > last) && (!found || a[i] < next))
                    next = a[i], found = 1;
            if (!found)
                break;
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s%u", first ? "" : ", ", (unsigned)next);
            last = next;
            first = 0;
        }
        return attrib_err_set(ATTRIB_EINPUT,
                              "conversion %" PRIu64
                              " is ambiguous: advertisers %s have it; pass --advertiser A",
                              o->cid, list);
    }
    for (size_t i = 1; i < m->n; i++)
        many_id |= id[i] != id[0];
    if (many_id) {
        char list[1024] = "";
        for (size_t i = 0; i < m->n && strlen(list) < sizeof list - 64; i++) {
            int seen = 0;
            for (size_t j = 0; j < i; j++)
                seen |= id[j] == id[i];
            if (!seen) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%" PRIu64, l ? ", " : "", id[i]);
            }
        }
        return attrib_err_set(ATTRIB_EINPUT,
                              "conversion %" PRIu64 " of advertiser %u is ambiguous: identities "
                              "%s have it; pass --identity H",
                              o->cid, (unsigned)amin, list);
    }
    *advid = a[0];
    *identity = id[0];
    return 0;
}

/* ---- rendering ---- */

typedef struct render_ctx {
    const attrib_explanation *x;
    const attrib_rules *rules;
    char *const *type_names;
    size_t ntypes;
    const attrib_table *cat; /* sorted by campaign_id */
    int64_t from, to;
    const char *model_override;
} render_ctx;

static const char *campaign_name(const render_ctx *c, uint32_t id, size_t *len)
{
    const int64_t ci = attrib_rules_camp_index(c->rules, id);
    *len = 0;
    if (ci < 0 || (size_t)ci >= c->cat->n)
        return "";
    *len = attrib_table_strlen(c->cat, CA_NAME, (size_t)ci);
    return attrib_table_str(c->cat, CA_NAME, (size_t)ci);
}

static const attrib_xcamp *xcamp_of(const attrib_explanation *x, uint32_t id)
{
    for (size_t i = 0; i < x->ncamps; i++)
        if (x->camp[i].campaign_id == id)
            return &x->camp[i];
    return NULL;
}

static void dur_abs(int64_t ms, char *buf, size_t size)
{
    char tmp[64];
    attrib_explain_format_offset(ms, tmp, sizeof tmp);
    snprintf(buf, size, "%s", tmp[0] == '+' || tmp[0] == '-' ? tmp + 1 : tmp);
}

static void type_list(const render_ctx *c, const uint8_t *allowed, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t t = 0; t < c->ntypes; t++)
        if (allowed[t]) {
            size_t l = strlen(buf);
            snprintf(buf + l, size - l, "%s%s", l ? ", " : "", c->type_names[t]);
        }
    if (!buf[0])
        snprintf(buf, size, "no type present in the input");
}

static const char *type_name(const render_ctx *c)
{
    return c->x->type < c->ntypes ? c->type_names[c->x->type] : "?";
}

/* The reason column: why this touch has its status, in words. */
static void touch_reason(const render_ctx *c, const attrib_xtouch *t, char *buf, size_t size)
{
    const attrib_explanation *x = c->x;
    const char *kind = attrib_kind_names[t->kind];
    const attrib_xcamp *xc = xcamp_of(x, t->campaign_id);
    const char *origin = xc ? xc->origin : "?";
    char d1[64], d2[64], types[512];
    switch (t->status) {
    case ATTRIB_XS_CREDITED:
    case ATTRIB_XS_ZERO_SHARE:
        snprintf(buf, size, "position %u of %u%s", (unsigned)t->position,
                 (unsigned)x->counts.path_length,
                 t->status == ATTRIB_XS_ZERO_SHARE ? ": the model gives it no share" : "");
        break;
    case ATTRIB_XS_BEATEN_BY_ENGAGEMENT:
        snprintf(buf, size, "in its %s window, but engagement priority keeps only the %u "
                 "engagement candidate%s", kind, (unsigned)x->counts.path_length,
                 x->counts.path_length == 1 ? "" : "s");
        break;
    case ATTRIB_XS_OUTSIDE_WINDOW:
        attrib_explain_format_duration(t->lookback_ms, d1, sizeof d1);
        dur_abs(t->age_ms - t->lookback_ms, d2, sizeof d2);
        snprintf(buf, size, "older than the %s %s lookback by %s", d1, kind, d2);
        break;
    case ATTRIB_XS_KIND_OFF:
        snprintf(buf, size, "%s lookback is off for campaign %u (%s)", kind,
                 (unsigned)t->campaign_id, origin);
        break;
    case ATTRIB_XS_TYPE_EXCLUDED:
        if (xc && xc->type_allowed)
            type_list(c, xc->type_allowed, types, sizeof types);
        else
            snprintf(types, sizeof types, "?");
        snprintf(buf, size, "campaign %u counts only %s (%s), not %s", (unsigned)t->campaign_id,
                 types, origin, type_name(c));
        break;
    case ATTRIB_XS_AFTER_CONVERSION:
        snprintf(buf, size, "after the conversion: never a candidate for it");
        break;
    case ATTRIB_XS_DUPLICATE:
        snprintf(buf, size, "redelivery of event %" PRIu64 ", dropped by dedup (%s)", t->event_id,
                 t->dup_exact ? "an exact copy"
                              : "differs; the smallest (ts, campaign, kind, cost) is kept");
        break;
    default:
        snprintf(buf, size, "?");
    }
}

static void fmt_num(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.6g", v);
}

/* "linear over 3 candidates: 1/3 each", … */
static void model_summary(const render_ctx *c, char *buf, size_t size)
{
    const attrib_explanation *x = c->x;
    const attrib_adv_rule *ar = &x->adv_rule;
    const char *name = attrib_model_names[ar->model];
    const unsigned n = x->counts.path_length;
    char hl[64];
    if (x->outcome != ATTRIB_XOUT_ATTRIBUTED) {
        snprintf(buf, size, "%s: nothing to split (no candidate)", name);
        return;
    }
    switch (ar->model) {
    case ATTRIB_MODEL_LAST_TOUCH:
        snprintf(buf, size, "last_touch over %u candidate%s: the last one gets 1", n,
                 n == 1 ? "" : "s");
        break;
    case ATTRIB_MODEL_FIRST_TOUCH:
        snprintf(buf, size, "first_touch over %u candidate%s: the first one gets 1", n,
                 n == 1 ? "" : "s");
        break;
    case ATTRIB_MODEL_LINEAR:
        snprintf(buf, size, "linear over %u candidate%s: 1/%u each", n, n == 1 ? "" : "s", n);
        break;
    case ATTRIB_MODEL_TIME_DECAY:
        attrib_explain_format_duration(ar->half_life_ms, hl, sizeof hl);
        snprintf(buf, size,
                 "time_decay over %u candidate%s: weight 2^-(age - youngest age)/%s (the "
                 "half-life), normalised to sum 1",
                 n, n == 1 ? "" : "s", hl);
        break;
    default:
        if (n == 1)
            snprintf(buf, size, "%s (first %g, last %g) over 1 candidate: it gets 1", name,
                     ar->first, ar->last);
        else if (n == 2)
            snprintf(buf, size,
                     "%s (first %g, last %g) over 2 candidates: first/(first+last) and "
                     "last/(first+last)",
                     name, ar->first, ar->last);
        else
            snprintf(buf, size,
                     "%s over %u candidates: first %g, last %g, the %u in the middle share "
                     "%g (%.6g each)",
                     name, n, ar->first, ar->last, n - 2,
                     ar->first + ar->last >= 1 ? 0.0 : 1 - ar->first - ar->last,
                     ar->first + ar->last >= 1 ? 0.0 : (1 - ar->first - ar->last) / (n - 2));
    }
}

static void period_text(const render_ctx *c, char *buf, size_t size)
{
    char a[40] = "", b[40] = "";
    if (c->from == INT64_MIN && c->to == INT64_MAX) {
        snprintf(buf, size, "all conversions (no --from/--to)");
        return;
    }
    if (c->from != INT64_MIN)
        attrib_time_format_iso(c->from, a);
    if (c->to != INT64_MAX)
        attrib_time_format_iso(c->to, b);
    snprintf(buf, size, "[%s, %s)", a[0] ? a : "-inf", b[0] ? b : "+inf");
}

static void lookbacks_text(const int64_t *lb, char *buf, size_t size)
{
    char d[3][32];
    for (int k = 0; k < ATTRIB_NKINDS; k++)
        attrib_explain_format_duration(lb[k], d[k], sizeof d[k]);
    snprintf(buf, size, "engagement %s, impression %s, nurture %s", d[ATTRIB_KIND_ENGAGEMENT],
             d[ATTRIB_KIND_IMPRESSION], d[ATTRIB_KIND_NURTURE]);
}

static void print_text(const render_ctx *c, FILE *out)
{
    const attrib_explanation *x = c->x;
    char iso[40], buf[1024], hz[64];
    attrib_time_format_iso(x->ts, iso);
    fprintf(out, "conversion %" PRIu64 " of advertiser %u, identity %" PRIu64 "\n",
            x->conversion_id, (unsigned)x->advertiser_id, x->identity);
    fprintf(out, "  at %s, type %s, value %.17g\n", iso, type_name(c), x->value);
    if (x->counts.duplicate_conversions)
        fprintf(out, "  %u duplicate row%s of this conversion dropped by dedup (the earliest is "
                "kept)\n", (unsigned)x->counts.duplicate_conversions,
                x->counts.duplicate_conversions == 1 ? "" : "s");
    period_text(c, buf, sizeof buf);
    fprintf(out, "  period: %s\n", buf);
    if (!x->in_period) {
        fprintf(out, "\nOutside the period: a run with this period does not attribute it (no "
                     "credit, no unattributed row).\n");
        return;
    }
    if (x->outcome == ATTRIB_XOUT_ATTRIBUTED) {
        double sum = 0, vsum = 0;
        for (size_t i = 0; i < x->ntouches; i++)
            if (x->touch[i].status == ATTRIB_XS_CREDITED) {
                sum += x->touch[i].credit;
                vsum += x->touch[i].credited_value;
            }
        fprintf(out, "  outcome: attributed to %u touch%s (credit %.6g, credited value %.6g)\n",
                (unsigned)x->counts.credited, x->counts.credited == 1 ? "" : "es", sum, vsum);
    } else {
        static const char *const why[] = {
            "", "no touch of this identity for this advertiser at or before the conversion",
            ("every touch at or before the conversion is excluded by its campaign's kind or "
             "conversion-type rules"),
            "touches pass the rules, but none is within its lookback"};
        fprintf(out, "  outcome: unattributed, reason %s: %s\n",
                attrib_xoutcome_names[x->outcome], why[x->outcome]);
    }

    attrib_explain_format_duration(x->max_lookback_ms, hz, sizeof hz);
    fprintf(out, "\nJourney: touches of this identity for advertiser %u from %s before to %s "
                 "after the conversion (time relative to it)\n",
            (unsigned)x->advertiser_id, hz, hz);
    static const char *const head[] = {"when", "event", "campaign", "kind", "rule",
                                       "status", "credit", "value", "reason"};
    attrib_grid *g = attrib_grid_create(9, head, "lrllrlrrl");
    size_t shown = 0;
    for (size_t i = 0; i < x->ntouches; i++) {
        const attrib_xtouch *t = &x->touch[i];
        if (!t->in_journey)
            continue;
        char when[64], ev[32], camp[96], ver[16], cr[32] = "", val[32] = "", reason[768];
        attrib_explain_format_offset(-t->age_ms, when, sizeof when);
        snprintf(ev, sizeof ev, "%" PRIu64, t->event_id);
        size_t nl;
        const char *nm = campaign_name(c, t->campaign_id, &nl);
        snprintf(camp, sizeof camp, "%u%s%.*s", (unsigned)t->campaign_id, nl ? " " : "",
                 (int)(nl > 24 ? 24 : nl), nm);
        snprintf(ver, sizeof ver, "v%u", (unsigned)t->rule_version);
        if (t->status == ATTRIB_XS_CREDITED) {
            fmt_num(t->credit, cr, sizeof cr);
            fmt_num(t->credited_value, val, sizeof val);
        } else if (t->status == ATTRIB_XS_ZERO_SHARE) {
            snprintf(cr, sizeof cr, "0");
        }
        touch_reason(c, t, reason, sizeof reason);
        const char *cells[] = {when, ev, camp, attrib_kind_names[t->kind], ver,
                               attrib_xstatus_names[t->status], cr, val, reason};
        attrib_grid_row(g, cells);
        shown++;
    }
    if (shown)
        attrib_grid_print(g, out, "  ");
    else
        fprintf(out, "  (no touch)\n");
    attrib_grid_free(g);
    if (x->before_journey || x->after_journey)
        fprintf(out, "  not shown: %zu older and %zu later touches beyond %s (counted below)\n",
                x->before_journey, x->after_journey, hz);
    const attrib_xcounts *k = &x->counts;
    fprintf(out, "  counts: %u touches at or before the conversion: %u candidates (%u beaten "
                 "by engagement, %u on the path, %u credited), %u outside their window, %u kind "
                 "off, %u type excluded; %u after; %u duplicate rows dropped\n",
            (unsigned)k->touches, (unsigned)k->candidates, (unsigned)k->beaten_by_engagement,
            (unsigned)k->path_length, (unsigned)k->credited, (unsigned)k->outside_window,
            (unsigned)k->kind_off, (unsigned)k->type_excluded, (unsigned)k->after_conversion,
            (unsigned)k->duplicate_touches);

    fprintf(out, "\nRules in force at the conversion:\n");
    if (x->ncamps == 0)
        fprintf(out, "  (no campaign of this advertiser touched this identity)\n");
    for (size_t i = 0; i < x->ncamps; i++) {
        const attrib_xcamp *xc = &x->camp[i];
        char since[64] = "", lb[256], types[512];
        if (xc->since != INT64_MIN) {
            char d[40];
            attrib_time_format_iso(xc->since, d);
            snprintf(since, sizeof since, ", in force since %s", d);
        }
        lookbacks_text(xc->lookback_ms, lb, sizeof lb);
        if (xc->type_allowed)
            type_list(c, xc->type_allowed, types, sizeof types);
        else
            snprintf(types, sizeof types, "all");
        if (xc->rule_version)
            fprintf(out, "  campaign %u: version %u from %s%s\n", (unsigned)xc->campaign_id,
                    (unsigned)xc->rule_version, xc->origin, since);
        else
            fprintf(out, "  campaign %u: no entry of its own in force (version 0), from %s%s\n",
                    (unsigned)xc->campaign_id, xc->origin, since);
        fprintf(out, "      lookback %s; conversion types: %s\n", lb, types);
    }

    const attrib_adv_rule *ar = &x->adv_rule;
    char hl[32];
    attrib_explain_format_duration(ar->half_life_ms, hl, sizeof hl);
    fprintf(out, "\nModel: advertiser %u uses %s%s; engagement priority %s", (unsigned)x->advertiser_id,
            attrib_model_names[ar->model], c->model_override ? " (--model)" : "",
            ar->engagement_priority ? "on" : "off");
    if (ar->engagement_priority)
        fprintf(out, "%s", x->priority_applied ? " (applied: engagement candidates only)"
                                               : " (not applied)");
    fprintf(out, "\n");
    model_summary(c, buf, sizeof buf);
    fprintf(out, "  %s\n", buf);
}

static void json_key(FILE *out, const char *k, int *first)
{
    fprintf(out, "%s\"%s\":", *first ? "" : ",", k);
    *first = 0;
}

static void print_json(const render_ctx *c, FILE *out)
{
    const attrib_explanation *x = c->x;
    char buf[1024], iso[40];
    int f = 1;
    fputc('{', out);
    json_key(out, "conversion_id", &f);
    fprintf(out, "%" PRIu64, x->conversion_id);
    json_key(out, "advertiser_id", &f);
    fprintf(out, "%u", (unsigned)x->advertiser_id);
    json_key(out, "identity", &f);
    fprintf(out, "%" PRIu64, x->identity);
    json_key(out, "conv_ts", &f);
    fprintf(out, "%" PRId64, x->ts);
    attrib_time_format_iso(x->ts, iso);
    json_key(out, "conv_time", &f);
    attrib_json_str(out, iso, strlen(iso));
    json_key(out, "type", &f);
    attrib_json_str(out, type_name(c), strlen(type_name(c)));
    json_key(out, "value", &f);
    attrib_json_num(out, x->value);
    json_key(out, "period", &f);
    period_text(c, buf, sizeof buf);
    attrib_json_str(out, buf, strlen(buf));
    json_key(out, "in_period", &f);
    fputs(x->in_period ? "true" : "false", out);
    json_key(out, "duplicate_conversions", &f);
    fprintf(out, "%u", (unsigned)x->counts.duplicate_conversions);
    if (x->in_period) {
        json_key(out, "outcome", &f);
        attrib_json_str(out, attrib_xoutcome_names[x->outcome], strlen(attrib_xoutcome_names[x->outcome]));
        json_key(out, "reason", &f);
        if (x->outcome == ATTRIB_XOUT_ATTRIBUTED)
            fputs("null", out);
        else
            attrib_json_str(out, attrib_xoutcome_names[x->outcome],
                            strlen(attrib_xoutcome_names[x->outcome]));
        const attrib_adv_rule *ar = &x->adv_rule;
        json_key(out, "model", &f);
        int g = 1;
        fputc('{', out);
        json_key(out, "name", &g);
        attrib_json_str(out, attrib_model_names[ar->model], strlen(attrib_model_names[ar->model]));
        json_key(out, "overridden", &g);
        fputs(c->model_override ? "true" : "false", out);
        json_key(out, "engagement_priority", &g);
        fputs(ar->engagement_priority ? "true" : "false", out);
        json_key(out, "priority_applied", &g);
        fputs(x->priority_applied ? "true" : "false", out);
        json_key(out, "half_life_ms", &g);
        fprintf(out, "%" PRId64, ar->half_life_ms);
        json_key(out, "first", &g);
        attrib_json_num(out, ar->first);
        json_key(out, "last", &g);
        attrib_json_num(out, ar->last);
        json_key(out, "summary", &g);
        model_summary(c, buf, sizeof buf);
        attrib_json_str(out, buf, strlen(buf));
        fputc('}', out);

        const attrib_xcounts *k = &x->counts;
        json_key(out, "counts", &f);
        fprintf(out,
                "{\"touches\":%u,\"candidates\":%u,\"path_length\":%u,\"credited\":%u,"
                "\"excluded_outside_window\":%u,\"excluded_kind_off\":%u,\"excluded_type\":%u,"
                "\"beaten_by_engagement\":%u,\"after_conversion\":%u,\"duplicate_touches\":%u,"
                "\"duplicate_conversions\":%u}",
                k->touches, k->candidates, k->path_length, k->credited, k->outside_window,
                k->kind_off, k->type_excluded, k->beaten_by_engagement, k->after_conversion,
                k->duplicate_touches, k->duplicate_conversions);
        json_key(out, "journey_horizon_ms", &f);
        fprintf(out, "%" PRId64, x->max_lookback_ms);

        json_key(out, "touches", &f);
        fputc('[', out);
        for (size_t i = 0; i < x->ntouches; i++) {
            const attrib_xtouch *t = &x->touch[i];
            int h = 1;
            fputs(i ? ",{" : "{", out);
            json_key(out, "event_id", &h);
            fprintf(out, "%" PRIu64, t->event_id);
            json_key(out, "ts", &h);
            fprintf(out, "%" PRId64, t->ts);
            json_key(out, "offset_ms", &h);
            fprintf(out, "%" PRId64, -t->age_ms);
            attrib_explain_format_offset(-t->age_ms, buf, sizeof buf);
            json_key(out, "offset", &h);
            attrib_json_str(out, buf, strlen(buf));
            json_key(out, "campaign_id", &h);
            fprintf(out, "%u", (unsigned)t->campaign_id);
            size_t nl;
            const char *nm = campaign_name(c, t->campaign_id, &nl);
            json_key(out, "campaign_name", &h);
            attrib_json_str(out, nm, nl);
            json_key(out, "kind", &h);
            attrib_json_str(out, attrib_kind_names[t->kind], strlen(attrib_kind_names[t->kind]));
            json_key(out, "cost", &h);
            attrib_json_num(out, t->cost);
            json_key(out, "status", &h);
            attrib_json_str(out, attrib_xstatus_names[t->status],
                            strlen(attrib_xstatus_names[t->status]));
            touch_reason(c, t, buf, sizeof buf);
            json_key(out, "reason", &h);
            attrib_json_str(out, buf, strlen(buf));
            json_key(out, "lookback_ms", &h);
            fprintf(out, "%" PRId64, t->lookback_ms);
            if (t->status == ATTRIB_XS_OUTSIDE_WINDOW) {
                json_key(out, "outside_by_ms", &h);
                fprintf(out, "%" PRId64, t->age_ms - t->lookback_ms);
            }
            json_key(out, "rule_version", &h);
            fprintf(out, "%u", (unsigned)t->rule_version);
            json_key(out, "position", &h);
            fprintf(out, "%u", (unsigned)t->position);
            json_key(out, "credit", &h);
            attrib_json_num(out, t->credit);
            json_key(out, "credited_value", &h);
            attrib_json_num(out, t->status == ATTRIB_XS_CREDITED ? t->credited_value : 0.0);
            json_key(out, "in_journey", &h);
            fputs(t->in_journey ? "true" : "false", out);
            fputc('}', out);
        }
        fputc(']', out);

        json_key(out, "campaigns", &f);
        fputc('[', out);
        for (size_t i = 0; i < x->ncamps; i++) {
            const attrib_xcamp *xc = &x->camp[i];
            int h = 1;
            fputs(i ? ",{" : "{", out);
            json_key(out, "campaign_id", &h);
            fprintf(out, "%u", (unsigned)xc->campaign_id);
            json_key(out, "rule_version", &h);
            fprintf(out, "%u", (unsigned)xc->rule_version);
            json_key(out, "origin", &h);
            attrib_json_str(out, xc->origin, strlen(xc->origin));
            json_key(out, "in_force_since", &h);
            if (xc->since == INT64_MIN) {
                fputs("null", out);
            } else {
                attrib_time_format_iso(xc->since, iso);
                attrib_json_str(out, iso, strlen(iso));
            }
            json_key(out, "lookback_ms", &h);
            fprintf(out, "{\"impression\":%" PRId64 ",\"engagement\":%" PRId64
                         ",\"nurture\":%" PRId64 "}",
                    xc->lookback_ms[0], xc->lookback_ms[1], xc->lookback_ms[2]);
            json_key(out, "conversion_types", &h);
            if (!xc->type_allowed) {
                fputs("null", out);
            } else {
                fputc('[', out);
                int first = 1;
                for (size_t t = 0; t < c->ntypes; t++)
                    if (xc->type_allowed[t]) {
                        if (!first)
                            fputc(',', out);
                        first = 0;
                        attrib_json_str(out, c->type_names[t], strlen(c->type_names[t]));
                    }
                fputc(']', out);
            }
            fputc('}', out);
        }
        fputc(']', out);
    }
    fputs("}\n", out);
}

/* ---- the command ---- */

int attrib_cmd_explain(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    attrib_par p;
    attrib_par_init(&p, MPI_COMM_WORLD);
    xopts o;
    int rc = parse_args(argc, argv, &o);
    if (rc == 1) {
        if (p.rank == 0)
            fputs(attrib_usage_explain, stdout);
        return 0;
    }
    if (rc < 0)
        return attrib_cmd_fail_legacy(rc, 0);

    attrib_rules *rules = NULL;
    char *warnings = NULL, **type_names = NULL;
    size_t ntypes = 0;
    attrib_h5file *in = NULL;
    attrib_explanation *x = NULL;
    attrib_table cat, convs, evs;
    attrib_table_init(&cat, &attrib_schema_campaigns, 1);
    attrib_table_init(&convs, &attrib_schema_conversions, 1);
    attrib_table_init(&evs, &attrib_schema_events, 1);
    uint64_t nev = 0, ncv = 0, ncat = 0;

    ATTRIB_TRY_GOTO(rc, attrib_h5_register_zstd(), done);
    if (p.rank == 0) {
        rc = attrib_rules_load(o.rules, &rules);
        if (!rc && o.model_id >= 0)
            attrib_rules_override_model(rules, (enum attrib_model)o.model_id);
    }
    ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);

    rc = attrib_h5_open(p.comm, o.input, &in);
    ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);
    rc = attrib_h5_table_rows(in, &attrib_schema_events, &nev);
    if (!rc)
        rc = attrib_h5_table_rows(in, &attrib_schema_conversions, &ncv);
    if (!rc)
        rc = attrib_h5_table_rows(in, &attrib_schema_campaigns, &ncat);
    if (!rc)
        rc = attrib_h5_read_strings(in, "conversions/type_names", &type_names, &ntypes);
    if (!rc)
        rc = attrib_h5_read_table(in, &attrib_schema_campaigns, 0, p.rank == 0 ? ncat : 0, &cat);
    if (!rc && p.rank == 0) {
        rc = attrib_catalog_sort(&cat, o.input);
        if (!rc)
            rc = attrib_rules_bind(rules, &cat, type_names, ntypes, &warnings);
    }
    ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);

    /* 1. The conversion's rows. */
    conv_key ck = {.cid = o.cid, .advid = o.advid, .identity = o.identity,
                   .has_adv = o.has_adv, .has_identity = o.has_identity};
    ATTRIB_TRY_GOTO(rc, scan_table(&p, in, &attrib_schema_conversions, ncv, keep_conversion, &ck,
                                   &convs), done);
    uint64_t sel[2] = {0, 0}; /* advertiser, identity */
    if (p.rank == 0) {
        uint32_t a = 0;
        rc = choose(&o, &convs, &a, &sel[1]);
        sel[0] = a;
    }
    ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);
    MPI_Bcast(sel, 2, MPI_UINT64_T, 0, p.comm);

    /* 2. Every touch row of the identity. */
    ATTRIB_TRY_GOTO(rc, scan_table(&p, in, &attrib_schema_events, nev, keep_identity, &sel[1],
                                   &evs), done);
    attrib_h5_close(in);
    in = NULL;

    /* 3. Rank 0 explains. */
    if (p.rank == 0) {
        const attrib_explain_in xin = {.rules = rules, .from = o.from, .to = o.to,
                                       .ntypes = ntypes, .conversion_id = o.cid,
                                       .identity = sel[1], .advertiser_id = (uint32_t)sel[0]};
        rc = attrib_explain_build(&xin, &evs, &convs, &x);
        if (!rc) {
            const render_ctx c = {.x = x, .rules = rules, .type_names = type_names,
                                  .ntypes = ntypes, .cat = &cat, .from = o.from, .to = o.to,
                                  .model_override = o.model};
            if (o.json)
                print_json(&c, stdout);
            else
                print_text(&c, stdout);
            if (fflush(stdout) != 0)
                rc = attrib_err_set(ATTRIB_EIO, "explain: cannot write the output");
        }
    }
    rc = attrib_par_agree(&p, rc);

done:
    if (in)
        attrib_h5_close(in);
    attrib_explanation_free(x);
    attrib_table_free(&cat);
    attrib_table_free(&convs);
    attrib_table_free(&evs);
    attrib_strlist_free(type_names, ntypes);
    free(warnings);
    attrib_rules_free(rules);
    return rc ? attrib_cmd_fail_legacy(rc, 0) : 0;
}

/* ---- attrib run --explain ---- */

int attrib_explain_write(const attrib_par *p, attrib_h5file *f, attrib_table *t, int level)
{
    static const int keys[] = {XC_CONVERSION_ID, XC_ADVERTISER_ID, XC_IDENTITY};
    int rc = attrib_par_agree(p, attrib_par_sort(p, t, keys, 3));
    if (rc)
        return rc;
    const uint64_t total = attrib_par_sum_u64(p, t->n);
    const uint64_t off = attrib_par_exscan_u64(p, t->n);
    return attrib_h5_write_table(f, t, off, total, level);
}

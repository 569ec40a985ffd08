/* attrib run — the state of a run, the test hook, and the short phases (plan, reduce,
 * sort). The pipeline is described in include/attrib/run.h; the rows' journey in
 * run_read.c, run_exchange.c and run_match.c. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/explain.h"
#include "attrib/gather.h"
#include "attrib/par_coll.h"
#include "run_impl.h"

const char *const attrib_run_phase_names[] = {"read", "stitch", "plan", "exchange", "match",
                                              "fit",  "reduce", "sort", "write",    NULL};

void run_test_crash(const attrib_par *p, const char *phase)
{
    attrib_par_phase(phase); /* every phase begins here: the watchdog names it */
    const char *s = getenv("ATTRIB_TEST_CRASH");
    const size_t n = strlen(phase);
    if (s && strncmp(s, phase, n) == 0 && s[n] == ':' && atoi(s + n + 1) == p->rank)
        raise(SIGKILL);
}

void attrib_run_create(const attrib_par *p, const attrib_run_opts *o, attrib_run **out)
{
    attrib_run *r = attrib_xcalloc(1, sizeof *r);
    r->p = p;
    r->o = *o;
    r->fig.t_start = attrib_par_wtime();
    r->fig.nwaves = 1;
    attrib_table_init(&r->credits, &attrib_schema_credits, 1);
    attrib_table_init(&r->unattr, &attrib_schema_unattributed, 1);
    attrib_table_init(&r->xconv, &attrib_schema_explain_conversion, 1);
    attrib_table_init(&r->labels, &attrib_schema_labels, 1);
    attrib_table_init(&r->rep[0], &attrib_schema_report_campaign, 1);
    attrib_table_init(&r->rep[1], &attrib_schema_report_daily, 10);
    attrib_table_init(&r->rep[2], &attrib_schema_report_daily_touch, 10);
    attrib_table_init(&r->rep[3], &attrib_schema_report_advertiser, 1);
    attrib_table_init(&r->dd[0], &attrib_schema_report_paths, 16);
    attrib_table_init(&r->dd[1], &attrib_schema_report_markov, 1);
    attrib_table_init(&r->dd[2], &attrib_schema_report_shapley, 1);
    attrib_table_init(&r->dd[3], &attrib_schema_report_models, 16);
    *out = r;
}

const attrib_run_figures *attrib_run_figures_of(const attrib_run *r)
{
    return &r->fig;
}

void attrib_run_free(attrib_run *r)
{
    if (!r)
        return;
    if (r->eng) /* a failed run: its partial sums are dropped with acc */
        attrib_engine_close(r->eng);
    attrib_recx_store_free(&r->sev);
    attrib_recx_store_free(&r->scv);
    run_input_free(&r->ri);
    attrib_input_close(r->in);
    attrib_run_waves_free(&r->waves);
    attrib_plan_free(&r->plan);
    if (r->acc_init)
        attrib_acc_free(&r->acc);
    attrib_table_free(&r->credits);
    attrib_table_free(&r->unattr);
    attrib_table_free(&r->xconv);
    attrib_table_free(&r->labels);
    for (size_t i = 0; i < 4; i++) {
        attrib_table_free(&r->rep[i]);
        attrib_table_free(&r->dd[i]);
    }
    attrib_pathrows_free(r->prows);
    attrib_pathmap_free(r->paths);
    free(r->identity_hash);
    free(r->rules_text);
    attrib_rules_free(r->rules);
    free(r);
}

/* ---- plan ---- */

int attrib_run_plan(attrib_run *r)
{
    const attrib_par *p = r->p;
    const double t = attrib_par_wtime();
    run_test_crash(p, "plan");
    if (!r->ri.direct)
        ATTRIB_TRY(run_count_partitions(p, &r->ri));
    uint64_t *lrows = attrib_xcalloc(ATTRIB_NPARTITIONS, sizeof *lrows);
    uint64_t *lbytes = attrib_xcalloc(ATTRIB_NPARTITIONS, sizeof *lbytes);
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++) {
        /* direct: the global rows (every rank knows them); else this rank's */
        lrows[q] = r->ri.direct ? r->ri.ev_hist[q] + r->ri.cv_hist[q] : r->ri.local_rows[q];
        lbytes[q] = lrows[q] * sizeof(attrib_ev_rec); /* what is held: 40-byte records */
    }
    int rc = 0;
    if (r->ri.direct) /* each rank a contiguous range of partitions: one range of rows */
        attrib_plan_build_ranges(p->size, lrows, lbytes, &r->plan);
    else
        rc = attrib_plan_build(p, lrows, lbytes, &r->plan);
    free(lrows);
    free(lbytes);
    ATTRIB_TRY(attrib_par_agree(p, rc));
    r->fig.plan = &r->plan;
    uint64_t mx = 0, mn = UINT64_MAX;
    for (int k = 0; k < p->size; k++) {
        mx = r->plan.rank_rows[k] > mx ? r->plan.rank_rows[k] : mx;
        mn = r->plan.rank_rows[k] < mn ? r->plan.rank_rows[k] : mn;
    }
    r->fig.rank_rows_max = mx;
    r->fig.rank_rows_min = mn;
    /* The waves: every rank computes the same table from the plan and the largest slab. */
    const uint64_t slab = (r->ri.e1 - r->ri.e0) + (r->ri.c1 - r->ri.c0);
    const uint64_t slab_max = r->o.memory_per_rank ? attrib_par_max_u64(p, slab) : 0;
    /* With labels, a rank also holds a label row per event of its partitions (and the
     * sort's copy): that part of the budget is not the waves'. */
    uint64_t budget = r->o.memory_per_rank;
    if (budget && r->o.labels) {
        uint64_t *evrows = attrib_xcalloc((size_t)p->size, sizeof *evrows), mx = 0;
        for (uint32_t q = 0; q < r->plan.npart; q++)
            evrows[r->plan.owner[q]] += r->ri.ev_hist[q];
        for (int k = 0; k < p->size; k++)
            mx = evrows[k] > mx ? evrows[k] : mx;
        free(evrows);
        const uint64_t lb = mx * ATTRIB_RUN_LABEL_BYTES;
        budget = budget > lb ? budget - lb : 1;
    }
    attrib_run_plan_waves(budget, &r->plan, p->size, slab_max, r->ri.round_rows, &r->waves);
    r->fig.nwaves = r->waves.n;
    r->fig.round_rows = r->ri.round_rows;
    r->fig.wave_room = r->waves.room;
    r->fig.largest_partition_bytes = r->waves.largest;
    r->fig.seconds[ATTRIB_RUN_PLAN] = attrib_par_wtime() - t;
    return 0;
}

/* ---- exchange and match, per wave ---- */

int attrib_run_exchange(attrib_run *r, int w)
{
    const attrib_par *p = r->p;
    const double t = attrib_par_wtime();
    double read_s = 0;
    run_test_crash(p, "exchange");
    if (r->ri.direct) /* read step by step, interleaved with the match (attrib_run_match) */
        return 0;
    ATTRIB_TRY(run_exchange_wave(p, &r->ri, &r->plan, r->waves.of_part, w, &r->sev, &r->scv,
                                 &read_s));
    r->fig.seconds[ATTRIB_RUN_EXCHANGE] += attrib_par_wtime() - t;
    r->fig.wave_exchange_s = attrib_par_wtime() - t;
    r->fig.wave_read_s = read_s;
    r->fig.wave_rows = attrib_par_sum_u64(p, r->sev.n + r->scv.n);
    r->fig.wave_bytes = attrib_par_sum_u64(p, r->sev.n * r->sev.recsize + r->scv.n * r->scv.recsize);
    return 0;
}

int attrib_run_match(attrib_run *r, int w)
{
    const attrib_par *p = r->p;
    int rc = 0;
    if (!r->eng) { /* the first wave */
        attrib_acc_init(&r->acc, attrib_rules_ncampaigns(r->rules));
        attrib_acc_init_compare(&r->acc, r->o.ncompare);
        r->acc_init = 1;
        /* The data-driven outputs cost a pass over every touch of every identity and a
         * fit: done when some advertiser's model needs them, --compare, or --journeys. */
        r->fig.datadriven = r->o.journeys || r->o.ncompare || attrib_rules_uses_datadriven(r->rules);
        if (r->fig.datadriven)
            r->paths = attrib_pathmap_new();
        r->cfg = (attrib_engine_cfg){.rules = r->rules, .from = r->o.from, .to = r->o.to,
                                     .labels = r->o.labels ? &r->labels : NULL,
                                     .paths = r->paths,
                                     .compare = r->o.compare,
                                     .ncompare = r->o.ncompare};
        if (r->o.labels) { /* at most a row per event of this rank's partitions: no regrowth */
            uint64_t mine = 0;
            for (uint32_t q = 0; q < r->plan.npart; q++)
                mine += r->plan.owner[q] == p->rank ? r->ri.ev_hist[q] : 0;
            attrib_table_reserve(&r->labels, (size_t)mine);
        }
        ATTRIB_TRY(attrib_par_agree(p, attrib_engine_open(&r->cfg, &r->credits, &r->unattr,
                                                          &r->acc, &r->eng)));
    }
    const double t = attrib_par_wtime();
    run_test_crash(p, "match");
    if (r->ri.direct) {
        run_stream_figures sf = {0};
        rc = run_direct_stream(p, &r->ri, &r->plan, r->waves.of_part, w, r->eng, &r->cfg,
                               r->o.explain ? &r->xconv : NULL, &sf);
        ATTRIB_TRY(rc);
        /* The exchange's share of the steps (reading, checking, packing), and the match's. */
        const double all = attrib_par_wtime() - t;
        r->fig.seconds[ATTRIB_RUN_EXCHANGE] += all - sf.match_s;
        r->fig.seconds[ATTRIB_RUN_MATCH] += sf.match_s;
        r->fig.wave_exchange_s = all - sf.match_s;
        r->fig.wave_read_s = sf.read_s;
        r->fig.wave_rows = attrib_par_sum_u64(p, sf.rows);
        r->fig.wave_bytes = attrib_par_sum_u64(p, sf.bytes);
    } else {
        rc = run_match_wave(&r->sev, &r->scv, r->eng, &r->cfg, r->in->ntypes,
                            r->o.explain ? &r->xconv : NULL);
        ATTRIB_TRY(attrib_par_agree(p, rc));
        r->fig.seconds[ATTRIB_RUN_MATCH] += attrib_par_wtime() - t;
    }
    if (w + 1 < r->waves.n)
        return 0;
    /* The last wave: the input is done (the engine closes after the fit). */
    if (r->in->f) {
        attrib_h5_close(r->in->f);
        r->in->f = NULL;
    }
    run_input_free(&r->ri);
    r->fig.ncredits = attrib_par_sum_u64(p, r->credits.n); /* markov's come in the fit */
    r->fig.nunattributed = attrib_par_sum_u64(p, r->unattr.n);
    r->fig.nlabels = r->o.labels ? attrib_par_sum_u64(p, r->labels.n) : 0;
    return 0;
}

/* ---- fit: the data-driven models of the period ---- */

typedef struct fit_ctx {
    const attrib_rules *rules;
    double *re; /* per campaign index */
} fit_ctx;

static int order_of(uint32_t advertiser_id, void *ctx)
{
    return attrib_rules_markov_order(((fit_ctx *)ctx)->rules, advertiser_id);
}

static void re_out(uint32_t advertiser_id, uint32_t campaign_id, double re, void *ctx)
{
    (void)advertiser_id;
    fit_ctx *f = ctx;
    const int64_t k = attrib_rules_camp_index(f->rules, campaign_id);
    if (k >= 0)
        f->re[k] = re;
}

int attrib_run_fit(attrib_run *r)
{
    const attrib_par *p = r->p;
    const double t = attrib_par_wtime();
    run_test_crash(p, "fit");
    if (!r->fig.datadriven) { /* nothing waits for a fit: the engine closes */
        attrib_engine_close(r->eng);
        r->eng = NULL;
        r->fig.seconds[ATTRIB_RUN_FIT] = attrib_par_wtime() - t;
        return 0;
    }
    uint8_t *mine;
    size_t len;
    attrib_pathmap_pack(r->paths, &mine, &len);
    r->fig.journeys = attrib_par_sum_u64(p, attrib_pathmap_journeys(r->paths));
    void *all = NULL;
    size_t all_len = 0;
    int rc = attrib_par_gather_bytes(p, mine, len, &all, &all_len);
    free(mine);
    ATTRIB_TRY(attrib_par_agree(p, rc));
    const size_t ncamp = attrib_rules_ncampaigns(r->rules);
    fit_ctx f = {r->rules, attrib_xcalloc(ncamp ? ncamp : 1, sizeof(double))};
    attrib_pathmap_free(r->paths); /* this rank's journeys are sent */
    r->paths = NULL;
    if (p->rank == 0) { /* rank 0 keeps every path until /report/paths is written */
        r->paths = attrib_pathmap_new();
        rc = attrib_pathmap_add_packed(r->paths, all, all_len);
        free(all);
        all = NULL;
        if (!rc)
            rc = attrib_pathmap_fit(r->paths, order_of, re_out, &f, &r->dd[1], &r->dd[2]);
        if (!rc)
            r->prows = attrib_pathrows_new(r->paths);
        r->fig.paths = attrib_pathmap_size(r->paths);
    }
    free(all);
    rc = attrib_par_agree(p, rc);
    if (!rc)
        rc = attrib_par_agree(p, attrib_par_bcast_bytes(p, f.re, ncamp * sizeof(double), 0));
    if (rc) {
        free(f.re);
        return rc;
    }
    if ((rc = attrib_par_agree(p, attrib_par_bcast_u64(p, &r->fig.paths, 1, 0))) != 0) {
        free(f.re);
        return rc;
    }
    r->fig.markov_pending = attrib_par_sum_u64(p, attrib_engine_pending(r->eng));
    attrib_engine_finish_markov(r->eng, f.re);
    free(f.re);
    /* The engine adds its per-advertiser counters and closes. */
    attrib_engine_close(r->eng);
    r->eng = NULL;
    r->fig.ncredits = attrib_par_sum_u64(p, r->credits.n);
    r->fig.nunattributed = attrib_par_sum_u64(p, r->unattr.n);
    r->fig.nlabels = r->o.labels ? attrib_par_sum_u64(p, r->labels.n) : 0;
    r->fig.seconds[ATTRIB_RUN_FIT] = attrib_par_wtime() - t;
    return 0;
}

/* ---- reduce ---- */

/* /report/models (rank 0, after the reduction): a row per listed model and catalog
 * campaign, in list order, then campaign_id. */
static void run_models_table(attrib_run *r)
{
    attrib_table *t = &r->dd[3];
    attrib_table_free(t);
    attrib_table_init(t, &attrib_schema_report_models, 16);
    const size_t nc = attrib_rules_ncampaigns(r->rules);
    if (!r->o.ncompare)
        return;
    size_t w = 0;
    for (size_t k = 0; k < r->o.ncompare; k++) {
        const int m = r->o.compare[k];
        const size_t l = strlen(m == ATTRIB_MODEL_OWN ? "own" : attrib_model_names[m]);
        w = l > w ? l : w;
    }
    attrib_table_set_strw(t, ATTRIB_RMO_MODEL, w);
    attrib_table_resize(t, r->o.ncompare * nc);
    for (size_t k = 0; k < r->o.ncompare; k++) {
        const int m = r->o.compare[k];
        const char *name = m == ATTRIB_MODEL_OWN ? "own" : attrib_model_names[m];
        for (size_t c = 0; c < nc; c++) {
            const size_t row = k * nc + c;
            const attrib_fx *a = r->acc.cmp + (k * nc + c) * ATTRIB_ACC_M_N;
            ATTRIB_COL(t, ATTRIB_RMO_ADVERTISER_ID, uint32_t)[row] =
                attrib_rules_adv_id(r->rules, attrib_rules_camp_adv(r->rules, c));
            ATTRIB_COL(t, ATTRIB_RMO_CAMPAIGN_ID, uint32_t)[row] = attrib_rules_camp_id(r->rules, c);
            attrib_table_set_str(t, ATTRIB_RMO_MODEL, row, name, strlen(name));
            ATTRIB_COL(t, ATTRIB_RMO_CONVERSIONS, double)[row] =
                attrib_fx_to_double(a[ATTRIB_ACC_M_CONVERSIONS], ATTRIB_FX_CREDIT_SHIFT);
            ATTRIB_COL(t, ATTRIB_RMO_VALUE, double)[row] =
                attrib_fx_to_double(a[ATTRIB_ACC_M_VALUE], ATTRIB_FX_MONEY_SHIFT);
            ATTRIB_COL(t, ATTRIB_RMO_CREDITED_TOUCHES, uint64_t)[row] =
                (uint64_t)a[ATTRIB_ACC_M_CREDITED_TOUCHES];
        }
    }
}

int attrib_run_reduce(attrib_run *r)
{
    const attrib_par *p = r->p;
    const double t = attrib_par_wtime();
    run_test_crash(p, "reduce");
    attrib_sparse_finish(&r->acc.daily);
    attrib_sparse_finish(&r->acc.daily_touch);
    attrib_sparse_finish(&r->acc.advertiser);
    ATTRIB_TRY(attrib_par_reduce_acc(p, &r->acc));
    if (p->rank == 0) {
        for (size_t i = 0; i < 4; i++)
            attrib_table_free(&r->rep[i]);
        attrib_acc_to_tables(&r->acc, r->rules, &r->rep[0], &r->rep[1], &r->rep[2], &r->rep[3]);
        run_models_table(r);
    }
    r->fig.seconds[ATTRIB_RUN_REDUCE] = attrib_par_wtime() - t;
    return 0;
}

/* ---- sort: the global order of the row tables (docs/formats.md) ---- */

int attrib_run_sort(attrib_run *r)
{
    static const int ckeys[] = {ATTRIB_CR_CONVERSION_ID, ATTRIB_CR_ADVERTISER_ID, ATTRIB_CR_EVENT_ID, ATTRIB_CR_IDENTITY};
    static const int ukeys[] = {ATTRIB_UN_CONVERSION_ID, ATTRIB_UN_ADVERTISER_ID, ATTRIB_UN_IDENTITY};
    const attrib_par *p = r->p;
    const double t = attrib_par_wtime();
    run_test_crash(p, "sort");
    static const int lkeys[] = {ATTRIB_LB_EVENT_ID, ATTRIB_LB_IDENTITY};
    int rc = attrib_par_sort(p, &r->credits, ckeys, 4);
    if (!rc)
        rc = attrib_par_sort(p, &r->unattr, ukeys, 3);
    if (!rc && r->o.labels)
        rc = attrib_par_sort(p, &r->labels, lkeys, 2);
    ATTRIB_TRY(attrib_par_agree(p, rc));
    r->fig.seconds[ATTRIB_RUN_SORT] = attrib_par_wtime() - t;
    return 0;
}

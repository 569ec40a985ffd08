/* attrib run — the distributed attribution: options, the phases of the run library
 * (include/attrib/run.h, src/run/), and the progress lines. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "attrib/err.h"
#include "attrib/output.h"
#include "attrib/par_coll.h"
#include "attrib/run.h"

const char attrib_usage_run[] =
    "usage: attrib run -c RULES -i IN.h5 -o OUT.h5 [--from DATE] [--to DATE] [--model M]\n"
    "                  [--compare all|M1,M2,...] [--journeys] [--no-stitch] [--max-component N]\n"
    "                  [--plan] [--explain] [--labels] [--level N] [--memory-per-rank SIZE]\n"
    "                  [--silence-timeout S] [-q]\n"
    "\n"
    "Attribute every conversion of IN.h5 (written by `attrib import` or `attrib gen`) to\n"
    "the touches that led to it, under the rules of RULES (see `attrib check`), and write\n"
    "the credits, the unattributed conversions and the reports to OUT.h5.\n"
    "\n"
    "  -c, --rules FILE   rules file (libconfig, docs/rules.md)\n"
    "  -i, --input FILE   input HDF5 file\n"
    "  -o, --output FILE  results HDF5 file; written as FILE.tmp and renamed when complete\n"
    "      --from DATE    attribute conversions with ts >= DATE (YYYY-MM-DD = midnight UTC,\n"
    "                     or a timestamp: integer ms or ISO 8601)\n"
    "      --to DATE      … and ts < DATE. Touches before --from still count as candidates.\n"
    "      --model M      replace every advertiser's model by M (last_touch, first_touch,\n"
    "                     linear, time_decay, position_based, u_shaped, j_curve, inverse_j,\n"
    "                     markov, shapley), keeping their other keys\n"
    "      --compare LIST also write /report/models: every campaign's conversions, value and\n"
    "                     credited touches under each model of LIST (comma-separated model\n"
    "                     names, `own` for each advertiser's rules as written; `all` = every\n"
    "                     model and own), from the same read of the input\n"
    "      --journeys     write /report/paths, /report/markov and /report/shapley even when\n"
    "                     no advertiser's model is markov or shapley (they are written\n"
    "                     whenever one is, and with --compare; docs/datadriven.md)\n"
    "      --no-stitch    ignore the input's /links: attribute every identity as itself\n"
    "      --max-component N\n"
    "                     merge the identities of a linked component of at most N of them\n"
    "                     into one person (default 1000); a larger one (a shared device)\n"
    "                     stays unmerged (docs/identity.md)\n"
    "      --plan         print the partition plan (rows per rank) and stop (a dry run)\n"
    "      --explain      also write /explain/conversion: per conversion, its outcome and the\n"
    "                     counts of candidates and of excluded touches by reason (see\n"
    "                     `attrib explain --help` and docs/explain.md)\n"
    "      --labels       also write /labels: one row per touch of the period, zero-credit\n"
    "                     touches included, with the conversions it was a candidate of,\n"
    "                     eligible for and credited by, its credit and credited value, and\n"
    "                     the time to its next conversion (for models that learn;\n"
    "                     docs/formats.md)\n"
    "      --level N      zstd level of the output (default 1: with shuffle it compresses\n"
    "                     these columns as well as 3, faster; 0 = uncompressed)\n"
    "      --memory-per-rank SIZE\n"
    "                     memory budget of each rank (e.g. 2G): partitions are exchanged and\n"
    "                     matched in waves that fit it; when even one rank's share of the\n"
    "                     input does not fit, stop before reading and name the rank count\n"
    "                     needed. Output rows (credits) come on top of the budget; label\n"
    "                     rows (--labels) are counted in it.\n"
    "      --silence-timeout S\n"
    "                     end the job (exit 3) when a rank has not been heard from for S\n"
    "                     seconds (a host down, a network partition), naming the ranks and\n"
    "                     the phase; 0 = off (default $ATTRIB_SILENCE_TIMEOUT, else 60;\n"
    "                     docs/cluster.md)\n"
    "  -q, --quiet        no progress lines\n"
    "\n"
    "Run under `mpirun -n N attrib run …` or `srun attrib run …` for N processes. The\n"
    "output tables are identical, bit for bit, for any N and any input row order.\n"
    "Tables written: /credits, /unattributed, /report/campaign, /report/daily,\n"
    "/report/daily_touch, /report/advertiser, /report/identity; with the options above /explain/conversion,\n"
    "/labels and /report/models; when a model is markov or shapley, with --compare or\n"
    "--journeys, /report/paths, /report/markov and /report/shapley (docs/formats.md,\n"
    "docs/datadriven.md).\n";

enum { OPT_PLAN = ATTRIB_OPT_ID_USER, OPT_EXPLAIN, OPT_LABELS, OPT_LEVEL, OPT_MEMORY, OPT_COMPARE,
       OPT_JOURNEYS, OPT_SILENCE, OPT_NO_STITCH, OPT_MAX_COMPONENT };

static const attrib_opt options[] = {
    ATTRIB_OPT_RULES, ATTRIB_OPT_INPUT, ATTRIB_OPT_OUTPUT, ATTRIB_OPT_FROM, ATTRIB_OPT_TO,
    ATTRIB_OPT_MODEL, ATTRIB_OPT_QUIET,
    {"plan", 0, 0, OPT_PLAN}, {"explain", 0, 0, OPT_EXPLAIN}, {"labels", 0, 0, OPT_LABELS},
    {"level", 0, 1, OPT_LEVEL}, {"compare", 0, 1, OPT_COMPARE},
    {"journeys", 0, 0, OPT_JOURNEYS}, {"no-stitch", 0, 0, OPT_NO_STITCH},
    {"max-component", 0, 1, OPT_MAX_COMPONENT},
    {"memory-per-rank", 0, 1, OPT_MEMORY}, {"silence-timeout", 0, 1, OPT_SILENCE}, ATTRIB_OPT_END};

typedef struct run_cli {
    attrib_run_opts run;
    int compare[ATTRIB_NMODELS + 1];
    const char *output;
    int plan_only, quiet;
    int64_t silence; /* seconds; -1 = not given */
} run_cli;

/* --compare all | M1,M2,...: model names or `own`, each once. */
static int parse_compare(const char *opt, const char *val, run_cli *c)
{
    attrib_run_opts *o = &c->run;
    o->ncompare = 0;
    o->compare = c->compare;
    o->compare_arg = val;
    if (strcmp(val, "all") == 0) {
        for (int m = 0; m < ATTRIB_NMODELS; m++)
            c->compare[o->ncompare++] = m;
        c->compare[o->ncompare++] = ATTRIB_MODEL_OWN;
        return 0;
    }
    for (const char *s = val;;) {
        const char *e = strchr(s, ',');
        const size_t n = e ? (size_t)(e - s) : strlen(s);
        char name[32];
        int m = -1;
        if (n < sizeof name) {
            memcpy(name, s, n);
            name[n] = '\0';
            m = strcmp(name, "own") == 0 ? ATTRIB_MODEL_OWN : attrib_model_parse(name);
        }
        if (m < 0)
            return attrib_err_set(ATTRIB_EUSAGE, "%s: unknown model '%.*s' (a model name, own or all)",
                                  opt, (int)(n < 64 ? n : 64), s);
        for (size_t k = 0; k < o->ncompare; k++)
            if (c->compare[k] == m)
                return attrib_err_set(ATTRIB_EUSAGE, "%s: '%.*s' is listed twice", opt,
                                      (int)(n < 64 ? n : 64), s);
        c->compare[o->ncompare++] = m;
        if (!e)
            return 0;
        s = e + 1;
    }
}

/* 0, 1 for --help, or ATTRIB_EUSAGE with the message set. */
static int parse_args(int argc, char **argv, run_cli *c)
{
    memset(c, 0, sizeof *c);
    attrib_run_opts *o = &c->run;
    o->from = INT64_MIN;
    o->to = INT64_MAX;
    o->level = 1;
    o->model = -1;
    c->silence = -1;
    attrib_args a;
    attrib_args_init(&a, argc, argv);
    uint64_t level;
    int id;
    while ((id = attrib_args_next(&a, options)) != ATTRIB_ARGS_END) {
        switch (id) {
        case ATTRIB_ARGS_HELP: return 1;
        case ATTRIB_ARGS_POS: return attrib_err_set(ATTRIB_EUSAGE, "unexpected argument '%s'", a.val);
        case ATTRIB_OPT_ID_RULES: o->rules = a.val; break;
        case ATTRIB_OPT_ID_INPUT: o->input = a.val; break;
        case ATTRIB_OPT_ID_OUTPUT: c->output = a.val; break;
        case ATTRIB_OPT_ID_FROM: ATTRIB_TRY(attrib_args_time(&a, &o->from)); break;
        case ATTRIB_OPT_ID_TO: ATTRIB_TRY(attrib_args_time(&a, &o->to)); break;
        case ATTRIB_OPT_ID_MODEL:
            ATTRIB_TRY(attrib_args_model(&a, &o->model));
            o->model_name = a.val;
            break;
        case ATTRIB_OPT_ID_QUIET: c->quiet = 1; break;
        case OPT_PLAN: c->plan_only = 1; break;
        case OPT_EXPLAIN: o->explain = 1; break;
        case OPT_LABELS: o->labels = 1; break;
        case OPT_JOURNEYS: o->journeys = 1; break;
        case OPT_NO_STITCH: o->no_stitch = 1; break;
        case OPT_MAX_COMPONENT: ATTRIB_TRY(attrib_args_max_component(&a, &o->max_component)); break;
        case OPT_COMPARE: ATTRIB_TRY(parse_compare(a.opt, a.val, c)); break;
        case OPT_LEVEL:
            ATTRIB_TRY(attrib_args_u64(&a, 22, &level));
            o->level = (int)level;
            break;
        case OPT_MEMORY: ATTRIB_TRY(attrib_args_size(&a, &o->memory_per_rank)); break;
        case OPT_SILENCE:
            ATTRIB_TRY(attrib_args_u64(&a, 1000000, &level));
            c->silence = (int64_t)level;
            break;
        default: return id; /* an unknown option, a missing value: the message is set */
        }
    }
    if (!o->rules || !o->input || (!c->output && !c->plan_only))
        return attrib_err_set(ATTRIB_EUSAGE, "-c RULES, -i IN.h5 and -o OUT.h5 are required");
    if (o->from >= o->to)
        return attrib_err_set(ATTRIB_EUSAGE, "--from must be before --to");
    return 0;
}

/* The waves a memory budget gives (rank 0, unless quiet). */
static void print_budget(const attrib_par *p, uint64_t budget, const attrib_run_figures *fig)
{
    if (p->rank != 0 || !p->progress)
        return;
    fprintf(stderr, "attrib: budget     %.0f MiB per rank: %d wave%s, rounds of %llu rows",
            (double)budget / 1048576.0, fig->nwaves, fig->nwaves == 1 ? "" : "s",
            (unsigned long long)fig->round_rows);
    if (fig->largest_partition_bytes > fig->wave_room)
        fprintf(stderr, " (warning: one partition holds %.0f MiB, more than a wave's room of "
                        "%.0f MiB: identities that skewed may exceed the budget)",
                (double)fig->largest_partition_bytes / 1048576.0, (double)fig->wave_room / 1048576.0);
    fputc('\n', stderr);
}

int attrib_cmd_run(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    attrib_par *p = ctx->par;
    run_cli c;
    int rc = parse_args(argc, argv, &c);
    if (rc == 1) {
        if (p->rank == 0)
            fputs(attrib_usage_run, stdout);
        return 0;
    }
    if (rc)
        return attrib_cmd_fail(ctx, rc, 0);
    p->progress = !c.quiet;
    if (c.silence >= 0 && (rc = attrib_par_watchdog(p, (double)c.silence)) != 0)
        return attrib_cmd_fail(ctx, rc, 0);

    /* The output is checked before any work: its directory, and that it is not an input. */
    attrib_output *out = NULL;
    const char *inputs[] = {c.run.input, c.run.rules, NULL};
    if (!c.plan_only && (rc = attrib_output_begin(p, c.output, inputs, &out)) != 0)
        return attrib_cmd_fail(ctx, rc, 0);

    attrib_run *r;
    attrib_run_create(p, &c.run, &r);
    const attrib_run_figures *fig = attrib_run_figures_of(r);
    char extra[256];
    attrib_progress_begin(p, "rules");
    ATTRIB_TRY_GOTO(rc, attrib_run_rules(r), done);
    rc = attrib_run_read(r);
    if (fig->input)
        attrib_input_print_warnings(p, fig->input);
    if (rc)
        goto done;
    const uint64_t nin = fig->nevents + fig->nconversions;
    if (fig->direct)
        attrib_progress_end(p, "read", nin, 0,
                            "the partition index; each rank reads its partitions' rows "
                            "during the exchange, and nothing is sent");
    else
        attrib_progress_end(p, "read", nin, nin * sizeof(uint64_t),
                            "identities; the other columns are read during the exchange");

    ATTRIB_TRY_GOTO(rc, attrib_run_stitch(r), done);
    if (fig->stitched) {
        const attrib_idgraph_figures *g = &fig->idg;
        snprintf(extra, sizeof extra,
                 "%llu links, %llu identities in %llu components: %llu merged (%llu identities), "
                 "%llu over %llu (%llu identities), largest %llu; %d rounds",
                 (unsigned long long)g->links, (unsigned long long)g->vertices,
                 (unsigned long long)g->components, (unsigned long long)g->merged_components,
                 (unsigned long long)g->identities_merged, (unsigned long long)g->oversize_components,
                 (unsigned long long)fig->max_component, (unsigned long long)g->oversize_identities,
                 (unsigned long long)g->largest_component, g->rounds);
        attrib_progress_end(p, "stitch", g->links, g->bytes, extra);
    }

    ATTRIB_TRY_GOTO(rc, attrib_run_plan(r), done);
    snprintf(extra, sizeof extra, "rank rows max %llu min %llu",
             (unsigned long long)fig->rank_rows_max, (unsigned long long)fig->rank_rows_min);
    attrib_progress_end(p, "plan", nin, 0, extra);
    if (c.plan_only) {
        if (p->rank == 0)
            attrib_plan_print(fig->plan, p->size, stdout);
        goto done;
    }
    if (c.run.memory_per_rank)
        print_budget(p, c.run.memory_per_rank, fig);

    for (int w = 0; w < fig->nwaves; w++) {
        ATTRIB_TRY_GOTO(rc, attrib_run_exchange(r, w), done);
        /* A partitioned store is read during the match, a step at a time: its exchange
         * line comes after it, with the reading's share of the time. */
        if (fig->direct)
            ATTRIB_TRY_GOTO(rc, attrib_run_match(r, w), done);
        int n = fig->direct ? snprintf(extra, sizeof extra,
                                       "partitioned store: read in place, nothing sent; "
                                       "reading %.3f s", fig->wave_read_s)
                            : snprintf(extra, sizeof extra,
                                       "of which reading the other columns %.3f s", fig->wave_read_s);
        if (fig->nwaves > 1)
            snprintf(extra + n, sizeof extra - (size_t)n, ", wave %d/%d", w + 1, fig->nwaves);
        p->t_phase = attrib_par_wtime() - fig->wave_exchange_s;
        attrib_progress_end(p, "exchange", fig->wave_rows, fig->wave_bytes, extra);
        if (!fig->direct)
            ATTRIB_TRY_GOTO(rc, attrib_run_match(r, w), done);
    }
    uint64_t nout = fig->ncredits + fig->nunattributed;
    int ne = snprintf(extra, sizeof extra, "%llu credits, %llu unattributed",
                      (unsigned long long)fig->ncredits, (unsigned long long)fig->nunattributed);
    if (c.run.labels)
        snprintf(extra + ne, sizeof extra - (size_t)ne, ", %llu labels",
                 (unsigned long long)fig->nlabels);
    /* The line gives the matching time of every wave, not the time since the last line. */
    p->t_phase = attrib_par_wtime() - fig->seconds[ATTRIB_RUN_MATCH];
    attrib_progress_end(p, "match", nout, 0, extra);

    ATTRIB_TRY_GOTO(rc, attrib_run_fit(r), done);
    snprintf(extra, sizeof extra, "%llu journeys, %llu distinct paths, %llu markov conversions",
             (unsigned long long)fig->journeys, (unsigned long long)fig->paths,
             (unsigned long long)fig->markov_pending);
    if (fig->datadriven)
        attrib_progress_end(p, "fit", fig->journeys, 0, extra);
    nout = fig->ncredits + fig->nunattributed;

    ATTRIB_TRY_GOTO(rc, attrib_run_reduce(r), done);
    attrib_progress_end(p, "reduce", 0, 0, NULL);
    ATTRIB_TRY_GOTO(rc, attrib_run_sort(r), done);
    attrib_progress_end(p, "sort", nout + fig->nlabels, 0, NULL);
    rc = attrib_run_write(r, attrib_output_tmp(out), attrib_output_path(out));
    rc = attrib_output_finish(p, out, rc); /* rename OUT.tmp to OUT, or remove it */
    out = NULL;
    if (rc)
        goto done;
    attrib_progress_end(p, "write", nout + fig->nlabels, 0, NULL);
    if (p->rank == 0 && p->progress)
        fprintf(stderr, "attrib: run done in %.3f s on %d rank%s, peak RSS %.0f MiB per rank (max): %s\n",
                attrib_par_wtime() - fig->t_start, p->size, p->size == 1 ? "" : "s",
                (double)fig->peak_rss_max / 1048576.0, c.output);
done:
    if (out)
        rc = attrib_output_finish(p, out, rc);
    attrib_run_free(r);
    return attrib_cmd_fail(ctx, rc, 0);
}

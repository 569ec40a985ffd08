/* attrib run — the distributed attribution (SPEC 4, 5; DESIGN "The shape of a run").
 *
 *   rank 0: parse rules, broadcast          every rank: read a slab of each input table
 *   plan: partition row counts → owners     exchange rows to their owners (Alltoallv)
 *   engine on the rank's partitions         reduce reports exactly to rank 0
 *   sort credits globally (sample sort)     write NAME.tmp collectively, rename on success
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "attrib/checksum.h"
#include "attrib/cmd.h"
#include "attrib/engine.h"
#include "attrib/err.h"
#include "attrib/explain.h" /* explain: */
#include "attrib/h5io.h"
#include "attrib/par.h"
#include "attrib/rules.h"
#include "attrib/table.h"
#include "attrib/timeparse.h"
#include "run_rows.h"

const char attrib_usage_run[] =
    "usage: attrib run -c RULES -i IN.h5 -o OUT.h5 [--from DATE] [--to DATE] [--model M]\n"
    "                  [--plan] [--level N] [-q]\n"
    "\n"
    "Attribute every conversion of IN.h5 (written by `attrib import` or `attrib gen`) to\n"
    "the touches that led to it, under the rules of RULES (see `attrib check`), and write\n"
    "the credits, the unattributed conversions and the reports to OUT.h5.\n"
    "\n"
    "  -c, --rules FILE   rules file (libconfig, SPEC 3)\n"
    "  -i, --input FILE   input HDF5 file\n"
    "  -o, --output FILE  results HDF5 file; written as FILE.tmp and renamed when complete\n"
    "      --from DATE    attribute conversions with ts >= DATE (YYYY-MM-DD = midnight UTC,\n"
    "                     or a timestamp: integer ms or ISO 8601)\n"
    "      --to DATE      … and ts < DATE. Touches before --from still count as candidates.\n"
    "      --model M      replace every advertiser's model by M (last_touch, first_touch,\n"
    "                     linear, time_decay, position_based, u_shaped, j_curve, inverse_j),\n"
    "                     keeping their other keys\n"
    "      --plan         print the partition plan (rows per rank) and stop (a dry run)\n"
    /* explain: */
    "      --explain      also write /explain/conversion: per conversion, its outcome and the\n"
    "                     counts of candidates and of excluded touches by reason (see\n"
    "                     `attrib explain --help` and docs/explain.md)\n"
    "      --level N      zstd level of the output (default 1: with shuffle it compresses\n"
    "                     these columns as well as 3, faster; 0 = uncompressed)\n"
    "      --memory-per-rank SIZE\n"
    "                     memory budget of each rank (e.g. 2G): partitions are exchanged and\n"
    "                     matched in waves that fit it; when even one rank's share of the\n"
    "                     input does not fit, stop before reading and name the rank count\n"
    "                     needed. Output rows (credits) come on top of the budget.\n"
    "  -q, --quiet        no progress lines\n"
    "\n"
    "Run under `mpirun -n N attrib run …` or `srun attrib run …` for N processes. The\n"
    "output tables are identical, bit for bit, for any N and any input row order.\n"
    "Tables written: /credits, /unattributed, /report/campaign, /report/daily,\n"
    "/report/daily_touch, /report/advertiser (see README).\n";

typedef struct run_opts {
    const char *rules, *input, *output, *model;
    int64_t from, to;
    char from_s[64], to_s[64];
    int plan_only, quiet, level, model_id;
    uint64_t mem_budget; /* bytes per rank; 0 = no budget */
    int explain; /* explain: --explain */
} run_opts;

static int parse_args(int argc, char **argv, run_opts *o)
{
    static const struct option longopts[] = {
        {"rules", required_argument, 0, 'c'}, {"input", required_argument, 0, 'i'},
        {"output", required_argument, 0, 'o'}, {"from", required_argument, 0, 'F'},
        {"to", required_argument, 0, 'T'},     {"model", required_argument, 0, 'm'},
        {"plan", no_argument, 0, 'P'},         {"level", required_argument, 0, 'L'},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
        {"explain", no_argument, 0, 'X'}, /* explain: */
        {"memory-per-rank", required_argument, 0, 'M'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->from = INT64_MIN;
    o->to = INT64_MAX;
    o->level = 1;
    o->model_id = -1;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "c:i:o:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': o->rules = optarg; break;
        case 'i': o->input = optarg; break;
        case 'o': o->output = optarg; break;
        case 'm': o->model = optarg; break;
        case 'P': o->plan_only = 1; break;
        case 'q': o->quiet = 1; break;
        case 'X': o->explain = 1; break; /* explain: */
        case 'h': return 1;
        case 'L': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 22)
                return attrib_err_set(ATTRIB_EUSAGE, "run: --level takes 0..22, not '%s'", optarg);
            o->level = (int)v;
            break;
        }
        case 'M': {
            char *end;
            double v = strtod(optarg, &end);
            double mult = 1;
            switch (*end) {
            case 'k': case 'K': mult = 1024.0; end++; break;
            case 'm': case 'M': mult = 1048576.0; end++; break;
            case 'g': case 'G': mult = 1073741824.0; end++; break;
            case 't': case 'T': mult = 1099511627776.0; end++; break;
            default: break;
            }
            if (*end == 'i' || *end == 'B')
                end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
            if (*end || !(v > 0) || v * mult > 1e18)
                return attrib_err_set(ATTRIB_EUSAGE,
                                      "run: bad --memory-per-rank '%s' (want e.g. 512M, 4G)", optarg);
            o->mem_budget = (uint64_t)(v * mult);
            break;
        }
        case 'F':
        case 'T': {
            int64_t *dst = ch == 'F' ? &o->from : &o->to;
            if (attrib_time_parse(optarg, strlen(optarg), dst) != 0)
                return attrib_err_set(ATTRIB_EUSAGE, "run: bad %s '%s' (want YYYY-MM-DD or a timestamp)",
                                      ch == 'F' ? "--from" : "--to", optarg);
            snprintf(ch == 'F' ? o->from_s : o->to_s, 64, "%s", optarg);
            break;
        }
        default:
            return attrib_err_set(ATTRIB_EUSAGE, "run: unknown option '%s'. See 'attrib run --help'.",
                                  argv[optind - 1]);
        }
    }
    if (optind < argc)
        return attrib_err_set(ATTRIB_EUSAGE, "run: unexpected argument '%s'", argv[optind]);
    if (!o->rules || !o->input || (!o->output && !o->plan_only))
        return attrib_err_set(ATTRIB_EUSAGE, "run: -c RULES, -i IN.h5 and -o OUT.h5 are required. "
                                             "See 'attrib run --help'.");
    if (o->from >= o->to)
        return attrib_err_set(ATTRIB_EUSAGE, "run: --from must be before --to");
    if (o->model) {
        o->model_id = attrib_model_parse(o->model);
        if (o->model_id < 0)
            return attrib_err_set(ATTRIB_EUSAGE, "run: unknown model '%s'", o->model);
    }
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = attrib_xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0)
            buf = attrib_xrealloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Rank 0 parses and validates the rules; every rank receives the parsed form. The file's
 * text travels too, to be recorded in the results. */
static int load_rules(const attrib_par *p, const char *path, attrib_rules **rules, char **text)
{
    void *buf = NULL;
    size_t len = 0;
    uint64_t sizes[2] = {0, 0};
    int rc = 0;
    *text = NULL;
    if (p->rank == 0) {
        attrib_rules *r = NULL;
        rc = attrib_rules_load(path, &r);
        if (rc == 0)
            rc = attrib_rules_pack(r, &buf, &len);
        attrib_rules_free(r);
        if (rc == 0) {
            *text = slurp(path);
            if (!*text)
                rc = attrib_err_set(ATTRIB_EIO, "cannot read '%s'", path);
        }
        if (rc == 0) {
            sizes[0] = len;
            sizes[1] = strlen(*text);
        }
    }
    rc = attrib_par_agree(p, rc);
    if (rc) {
        free(buf);
        free(*text);
        *text = NULL;
        return rc;
    }
    MPI_Bcast(sizes, 2, MPI_UINT64_T, 0, p->comm);
    if (p->rank != 0) {
        buf = attrib_xmalloc(sizes[0] + 1);
        *text = attrib_xmalloc(sizes[1] + 1);
    }
    MPI_Bcast(buf, (int)sizes[0], MPI_BYTE, 0, p->comm);
    MPI_Bcast(*text, (int)sizes[1] + 1, MPI_CHAR, 0, p->comm);
    rc = attrib_rules_unpack(buf, (size_t)sizes[0], rules);
    free(buf);
    return attrib_par_agree(p, rc);
}

/* Rank 0 owns the report tables; the others need the same shape (rows, string widths)
 * to take part in the collective writes with no rows of their own. */
static void share_shape(const attrib_par *p, attrib_table *t, uint64_t *total)
{
    uint64_t shape[1 + ATTRIB_MAX_COLS];
    shape[0] = t->n;
    for (size_t c = 0; c < ATTRIB_MAX_COLS; c++)
        shape[1 + c] = c < t->schema->ncols ? t->strw[c] : 0;
    MPI_Bcast(shape, 1 + ATTRIB_MAX_COLS, MPI_UINT64_T, 0, p->comm);
    *total = shape[0];
    if (p->rank != 0)
        for (size_t c = 0; c < t->schema->ncols; c++)
            if (t->schema->cols[c].type == ATTRIB_T_STR)
                attrib_table_set_strw(t, c, shape[1 + c]);
}

static int write_distributed(const attrib_par *p, attrib_h5file *f, const attrib_table *t, int level)
{
    uint64_t total = attrib_par_sum_u64(p, t->n);
    uint64_t off = attrib_par_exscan_u64(p, t->n);
    return attrib_h5_write_table(f, t, off, total, level);
}

static void iso_or_open(int64_t ms, int open, char *buf)
{
    if (open)
        strcpy(buf, "");
    else
        attrib_time_format_iso(ms, buf);
}

/* ---- Memory budget and waves ----
 * Estimated peak of a rank (cmd_run_rows.c): a fixed base (MPI, HDF5, libraries), the
 * identity columns of its slab (8 bytes per row, held for the whole run), the buffers of
 * one round (a round's other columns, its packed records and slots: ROUND_ROW_BYTES per
 * row), and per wave the records it receives (40 bytes per row) plus a tenth for the
 * partition buffers and the engine's scratch. Output rows (credits) come on top: they
 * are what the run is for. Under a budget, rounds shrink to a quarter of the room. */
#define RUN_BASE_BYTES (UINT64_C(64) << 20)
#define ID_BYTES 8
#define REC_BYTES 44 /* 40-byte record + a tenth */
#define ROUND_ROW_BYTES 80
#define MIN_ROUND_ROWS (UINT64_C(1) << 14)

typedef struct run_waves {
    int n;            /* number of waves (1 without a budget) */
    uint16_t *of_part; /* wave of each logical partition */
} run_waves;

/* Before reading: the identity columns of a slab and the smallest rounds must fit with
 * room to spare (a quarter of the identities) for the waves. */
static int check_budget_before_read(const attrib_par *p, const run_opts *o, uint64_t nev,
                                    uint64_t ncv, uint64_t *round_rows)
{
    *round_rows = 0;
    if (!o->mem_budget)
        return 0;
    const uint64_t total = (nev + ncv) * ID_BYTES, P = (uint64_t)p->size;
    const uint64_t slab = (total + P - 1) / P, floor = MIN_ROUND_ROWS * ROUND_ROW_BYTES;
    const uint64_t room = o->mem_budget > RUN_BASE_BYTES ? o->mem_budget - RUN_BASE_BYTES : 0;
    if (room > floor && slab + slab / 4 <= room - floor) {
        uint64_t rr = (room - slab) / 4 / ROUND_ROW_BYTES;
        rr = rr < MIN_ROUND_ROWS ? MIN_ROUND_ROWS : rr;
        *round_rows = rr < (UINT64_C(1) << 20) ? rr : (UINT64_C(1) << 20);
        return 0;
    }
    if (room > floor) {
        uint64_t need = (total + total / 4 + (room - floor) - 1) / (room - floor);
        return attrib_err_set(ATTRIB_EUSAGE,
                              "run: --memory-per-rank %.0f MiB is too small for %d rank%s: each "
                              "rank holds the identities of its share of the input (%.0f MiB) "
                              "plus working space; these data need at least %llu ranks at this "
                              "budget",
                              (double)o->mem_budget / 1048576.0, p->size, p->size == 1 ? "" : "s",
                              (double)slab / 1048576.0, (unsigned long long)need);
    }
    return attrib_err_set(ATTRIB_EUSAGE,
                          "run: --memory-per-rank %.0f MiB is below the %.0f MiB a rank needs "
                          "before any data", (double)o->mem_budget / 1048576.0,
                          (double)(RUN_BASE_BYTES + floor) / 1048576.0);
}

/* Split each rank's partitions into the same number of waves, each wave's received rows
 * within the room the budget leaves. Every rank computes the same table from the plan. */
static int plan_waves(const attrib_par *p, const run_opts *o, const attrib_plan *plan,
                      const run_input *ri, run_waves *wv)
{
    wv->n = 1;
    wv->of_part = attrib_xcalloc(plan->npart, sizeof *wv->of_part);
    if (!o->mem_budget)
        return 0;
    uint64_t slab = ((ri->e1 - ri->e0) + (ri->c1 - ri->c0)) * ID_BYTES, slab_max = 0;
    MPI_Allreduce(&slab, &slab_max, 1, MPI_UINT64_T, MPI_MAX, p->comm);
    uint64_t used = RUN_BASE_BYTES + slab_max + ri->round_rows * ROUND_ROW_BYTES;
    uint64_t room = o->mem_budget > used ? o->mem_budget - used : 1;
    uint64_t maxw = 1, biggest = 0;
    for (int r = 0; r < p->size; r++) {
        uint64_t need = REC_BYTES * plan->rank_rows[r];
        uint64_t w = (need + room - 1) / room;
        maxw = w > maxw ? w : maxw;
    }
    for (uint32_t q = 0; q < plan->npart; q++)
        biggest = plan->rows[q] > biggest ? plan->rows[q] : biggest;
    if (maxw > 65535)
        maxw = 65535;
    wv->n = (int)maxw;
    /* Within a rank: its partitions in index order, cut where the running row count
     * crosses each multiple of rank_rows / waves. */
    uint64_t *cum = attrib_xcalloc((size_t)p->size, sizeof *cum);
    for (uint32_t q = 0; q < plan->npart; q++) {
        int r = plan->owner[q];
        uint64_t tot = plan->rank_rows[r] ? plan->rank_rows[r] : 1;
        uint64_t w = (uint64_t)((unsigned __int128)cum[r] * maxw / tot);
        wv->of_part[q] = (uint16_t)(w < maxw ? w : maxw - 1);
        cum[r] += plan->rows[q];
    }
    free(cum);
    if (p->rank == 0 && p->progress) {
        fprintf(stderr, "attrib: budget     %.0f MiB per rank: %d wave%s, rounds of %llu rows",
                (double)o->mem_budget / 1048576.0, wv->n, wv->n == 1 ? "" : "s",
                (unsigned long long)ri->round_rows);
        if (REC_BYTES * biggest > room)
            fprintf(stderr, " (warning: one partition holds %.0f MiB, more than a wave's room of "
                            "%.0f MiB: identities that skewed may exceed the budget)",
                    (double)(REC_BYTES * biggest) / 1048576.0, (double)room / 1048576.0);
        fputc('\n', stderr);
    }
    return 0;
}

/* Peak resident set of this process so far, in bytes. */
static uint64_t peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_maxrss * 1024; /* Linux reports KiB */
}

/* test hook: ATTRIB_TEST_CRASH="PHASE:RANK" makes that rank SIGKILL itself as PHASE
 * begins (tests/e2e/hard_faults.sh); phases read plan exchange match reduce sort write. */
static void test_crash(const attrib_par *p, const char *phase)
{
    const char *s = getenv("ATTRIB_TEST_CRASH");
    size_t n = strlen(phase);
    if (s && strncmp(s, phase, n) == 0 && s[n] == ':' && atoi(s + n + 1) == p->rank)
        raise(SIGKILL);
}

typedef struct phase_times {
    double read, plan, exchange, match, reduce, sort, write;
} phase_times;

int attrib_cmd_run(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    attrib_par p;
    attrib_par_init(&p, MPI_COMM_WORLD);
    run_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc == 1) {
        if (p.rank == 0)
            fputs(attrib_usage_run, stdout);
        return 0;
    }
    if (rc < 0)
        return attrib_cmd_fail_legacy(rc, 0);
    p.progress = !o.quiet;

    attrib_rules *rules = NULL;
    char *rules_text = NULL, *warnings = NULL, **type_names = NULL, tmp_path[4096] = "";
    size_t ntypes = 0;
    attrib_h5file *in = NULL, *out = NULL;
    attrib_table cat, credits, unattr, rep_c, rep_d, rep_dt, rep_a;
    attrib_table_init(&cat, &attrib_schema_campaigns, 1);
    attrib_table_init(&credits, &attrib_schema_credits, 1);
    attrib_table_init(&unattr, &attrib_schema_unattributed, 1);
    attrib_table_init(&rep_c, &attrib_schema_report_campaign, 1);
    attrib_table_init(&rep_d, &attrib_schema_report_daily, 10);
    attrib_table_init(&rep_dt, &attrib_schema_report_daily_touch, 10);
    attrib_table_init(&rep_a, &attrib_schema_report_advertiser, 1);
    /* explain: */
    attrib_table xconv;
    attrib_table_init(&xconv, &attrib_schema_explain_conversion, 1);
    attrib_acc acc;
    memset(&acc, 0, sizeof acc);
    int acc_init = 0;
    attrib_plan plan;
    memset(&plan, 0, sizeof plan);
    run_waves waves = {0, NULL};
    run_input ri;
    int ri_init = 0;
    attrib_engine *eng = NULL;
    phase_times tm;
    memset(&tm, 0, sizeof tm);
    double t0 = MPI_Wtime(), t;
    uint32_t in_crc = 0;
    uint64_t in_size = 0;
    char extra[256] = "";
    uint64_t peak_max = 0;

    ATTRIB_TRY_GOTO(rc, attrib_h5_register_zstd(), done);

    /* 1. Rules. */
    attrib_progress_begin(&p, "rules");
    ATTRIB_TRY_GOTO(rc, load_rules(&p, o.rules, &rules, &rules_text), done);
    if (o.model_id >= 0)
        attrib_rules_override_model(rules, (enum attrib_model)o.model_id);

    /* 2. Open and validate the input; every rank reads the small tables whole. */
    t = MPI_Wtime();
    uint64_t nev = 0, ncv = 0, ncat = 0;
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
        rc = attrib_h5_read_table(in, &attrib_schema_campaigns, 0, ncat, &cat);
    if (!rc)
        rc = attrib_catalog_sort(&cat, o.input);
    if (!rc)
        rc = attrib_rules_bind(rules, &cat, type_names, ntypes, &warnings);
    ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);
    if (p.rank == 0 && warnings && *warnings)
        for (const char *line = warnings; *line;) {
            const char *nl = strchr(line, '\n');
            int len = nl ? (int)(nl - line) : (int)strlen(line);
            fprintf(stderr, "attrib: warning: %.*s\n", len, line);
            line += len + (nl != NULL);
        }

    /* 3. Each rank reads the identities of its slab of the big tables; the other columns
     * are read round by round during the exchange (cmd_run_rows.c). */
    uint64_t round_rows = 0;
    ATTRIB_TRY_GOTO(rc, check_budget_before_read(&p, &o, nev, ncv, &round_rows), done);
    test_crash(&p, "read"); /* test hook */
    ri_init = 1; /* run_read_identities clears ri first; on failure done: frees what it read */
    ATTRIB_TRY_GOTO(rc, run_read_identities(&p, in, o.input, ntypes, nev, ncv, round_rows, &ri),
                    done);
    ATTRIB_TRY_GOTO(rc, attrib_file_crc32(&p, o.input, &in_crc, &in_size), done);
    tm.read = MPI_Wtime() - t;
    attrib_progress_end(&p, "read", nev + ncv, (nev + ncv) * sizeof(uint64_t),
                        "identities; the other columns are read during the exchange");

    /* 4. The plan: partition row counts → owners. */
    t = MPI_Wtime();
    test_crash(&p, "plan"); /* test hook */
    {
        uint64_t *lrows = attrib_xcalloc(ATTRIB_NPARTITIONS, sizeof *lrows);
        uint64_t *lbytes = attrib_xcalloc(ATTRIB_NPARTITIONS, sizeof *lbytes);
        run_local_counts(&ri, lrows);
        for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
            lbytes[q] = lrows[q] * sizeof(attrib_ev_rec); /* what is exchanged: 40-byte records */
        rc = attrib_plan_build(&p, lrows, lbytes, &plan);
        free(lrows);
        free(lbytes);
        ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);
    }
    tm.plan = MPI_Wtime() - t;
    {
        uint64_t mx = 0, mn = UINT64_MAX;
        for (int r = 0; r < p.size; r++) {
            mx = plan.rank_rows[r] > mx ? plan.rank_rows[r] : mx;
            mn = plan.rank_rows[r] < mn ? plan.rank_rows[r] : mn;
        }
        snprintf(extra, sizeof extra, "rank rows max %llu min %llu", (unsigned long long)mx,
                 (unsigned long long)mn);
    }
    attrib_progress_end(&p, "plan", nev + ncv, 0, extra);
    if (o.plan_only) {
        if (p.rank == 0)
            attrib_plan_print(&plan, p.size, stdout);
        goto done;
    }

    /* 5-6. Read the other columns, exchange rows to the owners of their partitions, then
     * match and apply the models there; under a memory budget, a group of partitions (a
     * wave) at a time, each wave reading the input again. */
    ATTRIB_TRY_GOTO(rc, plan_waves(&p, &o, &plan, &ri, &waves), done);
    attrib_acc_init(&acc, attrib_rules_ncampaigns(rules));
    acc_init = 1;
    attrib_engine_cfg cfg = {.rules = rules, .from = o.from, .to = o.to};
    ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, attrib_engine_open(&cfg, &credits, &unattr, &acc, &eng)),
                    done);
    double read_s = 0; /* reading the other columns, all waves */
    for (int w = 0; w < waves.n; w++) {
        run_store sev, scv;
        t = MPI_Wtime();
        const double r0 = read_s;
        test_crash(&p, "exchange"); /* test hook */
        ATTRIB_TRY_GOTO(rc, run_exchange_wave(&p, &ri, &plan, waves.of_part, w, &sev, &scv, &read_s),
                        done);
        tm.exchange += MPI_Wtime() - t;
        snprintf(extra, sizeof extra, "of which reading the other columns %.3f s", read_s - r0);
        if (waves.n > 1)
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), ", wave %d/%d", w + 1,
                     waves.n);
        attrib_progress_end(&p, "exchange", attrib_par_sum_u64(&p, sev.n + scv.n),
                            attrib_par_sum_u64(&p, sev.n * sev.recsize + scv.n * scv.recsize),
                            extra);

        t = MPI_Wtime();
        test_crash(&p, "match"); /* test hook */
        rc = run_match_wave(&sev, &scv, eng, &cfg, ntypes, o.explain ? &xconv : NULL);
        ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);
        tm.match += MPI_Wtime() - t;
    }
    attrib_engine_close(eng);
    eng = NULL;
    attrib_h5_close(in);
    in = NULL;
    run_input_free(&ri);
    ri_init = 0;
    uint64_t ncred = attrib_par_sum_u64(&p, credits.n), nun = attrib_par_sum_u64(&p, unattr.n);
    snprintf(extra, sizeof extra, "%llu credits, %llu unattributed", (unsigned long long)ncred,
             (unsigned long long)nun);
    p.t_phase = MPI_Wtime() - tm.match; /* the line reports the matching time of every wave */
    attrib_progress_end(&p, "match", ncred + nun, 0, extra);

    /* 7. Reports: exact sums reduced to rank 0. */
    t = MPI_Wtime();
    test_crash(&p, "reduce"); /* test hook */
    attrib_sparse_finish(&acc.daily);
    attrib_sparse_finish(&acc.daily_touch);
    attrib_sparse_finish(&acc.advertiser);
    ATTRIB_TRY_GOTO(rc, attrib_par_reduce_acc(&p, &acc), done);
    if (p.rank == 0) {
        attrib_table_free(&rep_c);
        attrib_table_free(&rep_d);
        attrib_table_free(&rep_dt);
        attrib_table_free(&rep_a);
        attrib_acc_to_tables(&acc, rules, &rep_c, &rep_d, &rep_dt, &rep_a);
    }
    tm.reduce = MPI_Wtime() - t;
    attrib_progress_end(&p, "reduce", 0, 0, NULL);

    /* 8. Global order of the row tables (SPEC 5), independent of the rank count. */
    t = MPI_Wtime();
    test_crash(&p, "sort"); /* test hook */
    {
        static const int ckeys[] = {CR_CONVERSION_ID, CR_ADVERTISER_ID, CR_EVENT_ID, CR_IDENTITY};
        static const int ukeys[] = {UN_CONVERSION_ID, UN_ADVERTISER_ID, UN_IDENTITY};
        rc = attrib_par_sort(&p, &credits, ckeys, 4);
        if (!rc)
            rc = attrib_par_sort(&p, &unattr, ukeys, 3);
        ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);
    }
    tm.sort = MPI_Wtime() - t;
    attrib_progress_end(&p, "sort", ncred + nun, 0, NULL);

    /* 9. Write NAME.tmp collectively; rename only when every rank succeeded. */
    t = MPI_Wtime();
    if (snprintf(tmp_path, sizeof tmp_path, "%s.tmp", o.output) >= (int)sizeof tmp_path) {
        rc = attrib_err_set(ATTRIB_EUSAGE, "run: output path too long");
        goto done;
    }
    rc = attrib_h5_create(p.comm, tmp_path, &out);
    ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);
    rc = write_distributed(&p, out, &credits, o.level);
    test_crash(&p, "write"); /* test hook: NAME.tmp exists, half written */
    if (!rc)
        rc = write_distributed(&p, out, &unattr, o.level);
    /* explain: /explain/conversion */
    if (!rc && o.explain)
        rc = attrib_explain_write(&p, out, &xconv, o.level);
    attrib_table *reps[] = {&rep_c, &rep_d, &rep_dt, &rep_a};
    for (size_t i = 0; i < 4 && !rc; i++) {
        uint64_t total;
        share_shape(&p, reps[i], &total);
        rc = attrib_h5_write_table(out, reps[i], 0, total, o.level);
    }
    if (!rc) {
        char buf[64], ver[64];
        iso_or_open(o.from, o.from == INT64_MIN, buf);
        rc = attrib_h5_set_attr_str(out, "period_from", buf);
        iso_or_open(o.to, o.to == INT64_MAX, buf);
        if (!rc)
            rc = attrib_h5_set_attr_str(out, "period_to", buf);
        if (!rc)
            rc = attrib_h5_set_attr_str(out, "rules", rules_text);
        if (!rc)
            rc = attrib_h5_set_attr_str(out, "rules_file", o.rules);
        if (!rc)
            rc = attrib_h5_set_attr_str(out, "input_file", o.input);
        snprintf(buf, sizeof buf, "crc32:%08x size:%llu", in_crc, (unsigned long long)in_size);
        if (!rc)
            rc = attrib_h5_set_attr_str(out, "input_checksum", buf);
        if (!rc)
            rc = attrib_h5_set_attr_str(out, "model", o.model ? o.model : "per rules");
        if (!rc)
            rc = attrib_h5_set_attr_i64(out, "ranks", p.size);
        snprintf(ver, sizeof ver, "attrib %s", ATTRIB_VERSION);
        if (!rc)
            rc = attrib_h5_set_attr_str(out, "software_version", ver);
        if (!rc)
            rc = attrib_h5_set_attr_i64(out, "schema_version", ATTRIB_SCHEMA_VERSION);
    }
    tm.write = MPI_Wtime() - t;
    if (!rc) {
        /* Wall times per phase, as rank 0 saw them (they vary run to run; the tables don't). */
        const char *names[] = {"read", "plan", "exchange", "match", "reduce", "sort", "write"};
        const double vals[] = {tm.read, tm.plan, tm.exchange, tm.match, tm.reduce, tm.sort, tm.write};
        char key[64];
        for (size_t i = 0; i < 7 && !rc; i++) {
            double v = vals[i];
            MPI_Bcast(&v, 1, MPI_DOUBLE, 0, p.comm);
            snprintf(key, sizeof key, "seconds_%s", names[i]);
            rc = attrib_h5_set_attr_f64(out, key, v);
        }
        double total = MPI_Wtime() - t0;
        MPI_Bcast(&total, 1, MPI_DOUBLE, 0, p.comm);
        if (!rc)
            rc = attrib_h5_set_attr_f64(out, "seconds_total", total);
    }
    if (!rc) {
        uint64_t mine = peak_rss(), mx = 0;
        MPI_Allreduce(&mine, &mx, 1, MPI_UINT64_T, MPI_MAX, p.comm);
        peak_max = mx;
        rc = attrib_h5_set_attr_f64(out, "peak_rss_mib_max", (double)mx / 1048576.0);
    }
    {
        int crc = attrib_h5_close(out);
        out = NULL;
        if (!rc)
            rc = crc;
    }
    rc = attrib_par_agree(&p, rc);
    if (!rc && p.rank == 0 && rename(tmp_path, o.output) != 0)
        rc = attrib_err_set(ATTRIB_EIO, "cannot rename '%s' to '%s'", tmp_path, o.output);
    rc = attrib_par_agree(&p, rc);
    attrib_progress_end(&p, "write", ncred + nun, 0, NULL);
    if (!rc && p.rank == 0 && p.progress)
        fprintf(stderr, "attrib: run done in %.3f s on %d rank%s, peak RSS %.0f MiB per rank (max): %s\n",
                MPI_Wtime() - t0, p.size, p.size == 1 ? "" : "s", (double)peak_max / 1048576.0,
                o.output);

done:
    if (eng) /* a failed run: its partial sums are dropped with acc */
        attrib_engine_close(eng);
    if (ri_init)
        run_input_free(&ri);
    if (out)
        attrib_h5_close(out);
    if (in)
        attrib_h5_close(in);
    if (rc && tmp_path[0] && p.rank == 0)
        unlink(tmp_path);
    free(waves.of_part);
    attrib_plan_free(&plan);
    if (acc_init)
        attrib_acc_free(&acc);
    attrib_table_free(&xconv); /* explain: */
    attrib_table *all[] = {&cat, &credits, &unattr, &rep_c, &rep_d, &rep_dt, &rep_a};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        attrib_table_free(all[i]);
    attrib_strlist_free(type_names, ntypes);
    free(warnings);
    free(rules_text);
    attrib_rules_free(rules);
    return rc ? attrib_cmd_fail_legacy(rc, 0) : 0;
}

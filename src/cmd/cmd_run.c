/* attrib run — the distributed attribution (SPEC 4, 5; DESIGN "The shape of a run").
 *
 *   rank 0: parse rules, broadcast          every rank: read a slab of each input table
 *   plan: partition row counts → owners     exchange rows to their owners (Alltoallv)
 *   engine on the rank's partitions         reduce reports exactly to rank 0
 *   sort credits globally (sample sort)     write NAME.tmp collectively, rename on success
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attrib/checksum.h"
#include "attrib/cmd.h"
#include "attrib/engine.h"
#include "attrib/err.h"
#include "attrib/h5io.h"
#include "attrib/par.h"
#include "attrib/rules.h"
#include "attrib/table.h"
#include "attrib/timeparse.h"

static const char usage_text[] =
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
    "      --level N      zstd level of the output (default 3; 0 = uncompressed)\n"
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
} run_opts;

static int parse_args(int argc, char **argv, run_opts *o)
{
    static const struct option longopts[] = {
        {"rules", required_argument, 0, 'c'}, {"input", required_argument, 0, 'i'},
        {"output", required_argument, 0, 'o'}, {"from", required_argument, 0, 'F'},
        {"to", required_argument, 0, 'T'},     {"model", required_argument, 0, 'm'},
        {"plan", no_argument, 0, 'P'},         {"level", required_argument, 0, 'L'},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->from = INT64_MIN;
    o->to = INT64_MAX;
    o->level = 3;
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
        case 'h': return 1;
        case 'L': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 22)
                return attrib_err_set(ATTRIB_EUSAGE, "run: --level takes 0..22, not '%s'", optarg);
            o->level = (int)v;
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

/* The catalog sorted by campaign_id (bind requires it); duplicates are an input error. */
static int sort_catalog(attrib_table *cat, const char *input)
{
    uint32_t *perm = attrib_xmalloc((cat->n ? cat->n : 1) * sizeof *perm);
    int keys[1] = {CA_CAMPAIGN_ID};
    attrib_table_sort_perm(cat, keys, 1, perm);
    attrib_table_permute(cat, perm, cat->n);
    free(perm);
    const uint32_t *id = ATTRIB_COL(cat, CA_CAMPAIGN_ID, uint32_t);
    for (size_t i = 1; i < cat->n; i++)
        if (id[i] == id[i - 1])
            return attrib_err_set(ATTRIB_EINPUT, "%s: /campaigns: campaign_id %u appears twice", input,
                                  id[i]);
    return 0;
}

static uint64_t table_bytes(const attrib_table *t)
{
    uint64_t b = 0;
    for (size_t c = 0; c < t->schema->ncols; c++)
        b += (uint64_t)attrib_table_elem_size(t, c);
    return b * t->n;
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

typedef struct phase_times {
    double read, plan, exchange, match, reduce, sort, write;
} phase_times;

int attrib_cmd_run(int argc, char **argv)
{
    attrib_par p;
    attrib_par_init(&p, MPI_COMM_WORLD);
    run_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc == 1) {
        if (p.rank == 0)
            fputs(usage_text, stdout);
        return 0;
    }
    if (rc < 0)
        return attrib_cmd_fail(rc, 0);
    p.progress = !o.quiet;

    attrib_rules *rules = NULL;
    char *rules_text = NULL, *warnings = NULL, **type_names = NULL, tmp_path[4096] = "";
    size_t ntypes = 0;
    attrib_h5file *in = NULL, *out = NULL;
    attrib_table cat, ev, cv, credits, unattr, rep_c, rep_d, rep_dt, rep_a;
    attrib_table_init(&cat, &attrib_schema_campaigns, 1);
    attrib_table_init(&ev, &attrib_schema_events, 1);
    attrib_table_init(&cv, &attrib_schema_conversions, 1);
    attrib_table_init(&credits, &attrib_schema_credits, 1);
    attrib_table_init(&unattr, &attrib_schema_unattributed, 1);
    attrib_table_init(&rep_c, &attrib_schema_report_campaign, 1);
    attrib_table_init(&rep_d, &attrib_schema_report_daily, 10);
    attrib_table_init(&rep_dt, &attrib_schema_report_daily_touch, 10);
    attrib_table_init(&rep_a, &attrib_schema_report_advertiser, 1);
    attrib_acc acc;
    memset(&acc, 0, sizeof acc);
    int acc_init = 0;
    attrib_plan plan;
    memset(&plan, 0, sizeof plan);
    uint32_t *part = NULL;
    int *dest = NULL;
    phase_times tm;
    memset(&tm, 0, sizeof tm);
    double t0 = MPI_Wtime(), t;
    uint32_t in_crc = 0;
    uint64_t in_size = 0;
    char extra[256];

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
        rc = sort_catalog(&cat, o.input);
    if (!rc)
        rc = attrib_rules_bind(rules, &cat, type_names, ntypes, &warnings);
    ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);
    if (p.rank == 0 && warnings && *warnings)
        fprintf(stderr, "%s%s", warnings, warnings[strlen(warnings) - 1] == '\n' ? "" : "\n");

    /* 3. Each rank reads its slab of the big tables. */
    {
        uint64_t r = (uint64_t)p.rank, P = (uint64_t)p.size;
        uint64_t e0 = nev * r / P, e1 = nev * (r + 1) / P;
        uint64_t c0 = ncv * r / P, c1 = ncv * (r + 1) / P;
        attrib_table_free(&ev);
        attrib_table_free(&cv);
        rc = attrib_h5_read_table(in, &attrib_schema_events, e0, e1 - e0, &ev);
        if (!rc)
            rc = attrib_h5_read_table(in, &attrib_schema_conversions, c0, c1 - c0, &cv);
        ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);
    }
    attrib_h5_close(in);
    in = NULL;
    ATTRIB_TRY_GOTO(rc, attrib_file_crc32(&p, o.input, &in_crc, &in_size), done);
    tm.read = MPI_Wtime() - t;
    attrib_progress_end(&p, "read", nev + ncv,
                        attrib_par_sum_u64(&p, table_bytes(&ev) + table_bytes(&cv)), NULL);

    /* 4. The plan: partition row counts → owners. */
    t = MPI_Wtime();
    {
        uint64_t *lrows = attrib_xcalloc(ATTRIB_NPARTITIONS, sizeof *lrows);
        uint64_t *lbytes = attrib_xcalloc(ATTRIB_NPARTITIONS, sizeof *lbytes);
        size_t nmax = ev.n > cv.n ? ev.n : cv.n;
        part = attrib_xmalloc((nmax ? nmax : 1) * sizeof *part);
        const uint64_t ebytes = table_bytes(&ev) / (ev.n ? ev.n : 1);
        const uint64_t cbytes = table_bytes(&cv) / (cv.n ? cv.n : 1);
        const uint64_t *eid = ATTRIB_COL(&ev, EV_IDENTITY, uint64_t);
        const uint64_t *cid = ATTRIB_COL(&cv, CV_IDENTITY, uint64_t);
        for (size_t i = 0; i < ev.n; i++) {
            uint32_t q = attrib_partition_of(eid[i]);
            lrows[q]++;
            lbytes[q] += ebytes;
        }
        for (size_t i = 0; i < cv.n; i++) {
            uint32_t q = attrib_partition_of(cid[i]);
            lrows[q]++;
            lbytes[q] += cbytes;
        }
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

    /* 5. Exchange rows to the owners of their partitions. */
    t = MPI_Wtime();
    if (p.size > 1) {
        dest = attrib_xmalloc(((ev.n > cv.n ? ev.n : cv.n) + 1) * sizeof *dest);
        const uint64_t *eid = ATTRIB_COL(&ev, EV_IDENTITY, uint64_t);
        for (size_t i = 0; i < ev.n; i++)
            dest[i] = plan.owner[attrib_partition_of(eid[i])];
        rc = attrib_par_exchange(&p, &ev, dest, 0);
        if (!rc) {
            const uint64_t *cid = ATTRIB_COL(&cv, CV_IDENTITY, uint64_t);
            for (size_t i = 0; i < cv.n; i++)
                dest[i] = plan.owner[attrib_partition_of(cid[i])];
            rc = attrib_par_exchange(&p, &cv, dest, 0);
        }
        free(dest);
        dest = NULL;
        ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);
    }
    free(part);
    part = NULL;
    tm.exchange = MPI_Wtime() - t;
    attrib_progress_end(&p, "exchange", nev + ncv,
                        attrib_par_sum_u64(&p, table_bytes(&ev) + table_bytes(&cv)), extra);

    /* 6. Match and apply the models on this rank's partitions. */
    t = MPI_Wtime();
    attrib_acc_init(&acc, attrib_rules_ncampaigns(rules));
    acc_init = 1;
    {
        attrib_engine_cfg cfg = {.rules = rules, .from = o.from, .to = o.to};
        rc = attrib_engine_run(&cfg, &ev, &cv, ntypes, &credits, &unattr, &acc);
        ATTRIB_TRY_GOTO(rc, attrib_par_agree(&p, rc), done);
    }
    attrib_table_free(&ev);
    attrib_table_free(&cv);
    tm.match = MPI_Wtime() - t;
    uint64_t ncred = attrib_par_sum_u64(&p, credits.n), nun = attrib_par_sum_u64(&p, unattr.n);
    snprintf(extra, sizeof extra, "%llu credits, %llu unattributed", (unsigned long long)ncred,
             (unsigned long long)nun);
    attrib_progress_end(&p, "match", ncred + nun, 0, extra);

    /* 7. Reports: exact sums reduced to rank 0. */
    t = MPI_Wtime();
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
    if (!rc)
        rc = write_distributed(&p, out, &unattr, o.level);
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
        fprintf(stderr, "attrib: run done in %.3f s on %d rank%s: %s\n", MPI_Wtime() - t0, p.size,
                p.size == 1 ? "" : "s", o.output);

done:
    if (out)
        attrib_h5_close(out);
    if (in)
        attrib_h5_close(in);
    if (rc && tmp_path[0] && p.rank == 0)
        unlink(tmp_path);
    free(part);
    free(dest);
    attrib_plan_free(&plan);
    if (acc_init)
        attrib_acc_free(&acc);
    attrib_table *all[] = {&cat, &ev, &cv, &credits, &unattr, &rep_c, &rep_d, &rep_dt, &rep_a};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        attrib_table_free(all[i]);
    attrib_strlist_free(type_names, ntypes);
    free(warnings);
    free(rules_text);
    attrib_rules_free(rules);
    return rc ? attrib_cmd_fail(rc, 0) : 0;
}

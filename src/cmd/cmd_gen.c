/* attrib gen — realistic synthetic input data (SPEC 2), as HDF5 or as CSV drops.
 *
 * Rows come from the pure generator (src/core/gen.c): identity i's rows are a function
 * of (seed, i) only. Ranks take contiguous identity ranges; the weight sums of the
 * ranges are gathered (exact 128-bit integers) so that every rank knows where its
 * rows start; rows are generated and written in batches of --batch rows, so memory per
 * rank is bounded whatever N. The tables are the same for any number of ranks.
 *
 * HDF5: datasets of the final sizes are created once, then every rank writes its
 * batches at their global offsets in collective calls (the same number on every rank).
 * CSV: every rank writes its rows to a part file, then copies it into the final file at
 * its offset (exclusive scan of the part sizes) with MPI-IO.
 * Both write NAME.tmp and rename when every rank succeeded.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attrib/cmd.h"
#include "attrib/err.h"
#include "attrib/gen.h"
#include "attrib/h5io.h"
#include "attrib/hash.h"
#include "attrib/par.h"
#include "attrib/table.h"
#include "attrib/timeparse.h"

const char attrib_usage_gen[] =
    "usage: attrib gen --events N --conversions M [options] (-o OUT.h5 | --csv DIR)\n"
    "\n"
    "Generate realistic synthetic input: N touch rows and M conversion rows exactly\n"
    "(deliberate duplicates included) and a campaign catalog, either as an input HDF5\n"
    "file (as `attrib import` writes) or as CSV files DIR/events.csv,\n"
    "DIR/conversions.csv and DIR/campaigns.csv that `attrib import` reads.\n"
    "\n"
    "  -o, --output FILE      HDF5 file; written as FILE.tmp and renamed when complete\n"
    "      --csv DIR          write CSV files into DIR (created if missing) instead\n"
    "      --events N         touch rows (exact)\n"
    "      --conversions M    conversion rows (exact)\n"
    "      --identities I     identities (default N/20, at least 1); activity per identity\n"
    "                         is heavy-tailed: most have a few touches, a few have many\n"
    "      --advertisers A    advertisers (default 10)\n"
    "      --campaigns C      campaigns (default 50); campaign c belongs to advertiser\n"
    "                         ((c-1) %% A) + 1\n"
    "      --from DATE        start of the conversion period (default 2026-10-01)\n"
    "      --days D           length of the period in days (default 31)\n"
    "      --lookback-days L  touches also fall in the L days before --from (default 30)\n"
    "      --seed S           random seed (default 1); same seed, same data, for any\n"
    "                         number of processes\n"
    "      --hash-key HEX32   identity hashing key (else $ATTRIB_HASH_KEY, else the\n"
    "                         public default), as for `attrib import`\n"
    "      --iso              CSV timestamps as ISO 8601 (default: integer ms)\n"
    "      --level N          zstd level of the HDF5 output (default 1, as import;\n"
    "                         0 = uncompressed)\n"
    "      --batch ROWS       rows generated and written at a time per process\n"
    "                         (default 1048576)\n"
    "  -q, --quiet            no progress lines\n"
    "\n"
    "The data: each identity (\"u000000000001@example.test\", hashed) follows 1-3\n"
    "advertisers and revisits their campaigns in sessions; touches are ~70%% impressions\n"
    "(cost 0.002-0.01), ~20%% engagements (0.1-1.0), ~10%% nurtures (0); some share a\n"
    "timestamp. Conversions (purchase 5-500, add_to_cart, signup) mostly follow a touch of\n"
    "the same advertiser within minutes to days; ~10%% are far outside every window and\n"
    "~10%% are for advertisers the identity never touched. ~0.5%% of touches and\n"
    "conversions are re-delivered (a tenth of those with a different timestamp).\n"
    "Run under `mpirun -n P attrib gen …` to generate with P processes.\n";

typedef struct gen_opts {
    attrib_gen_params gp;
    const char *output, *csv_dir, *from_s, *key_src;
    int have_events, have_conversions, iso, quiet, level;
    uint64_t batch;
} gen_opts;

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return attrib_err_set(ATTRIB_EUSAGE, "gen: %s takes a number, not '%s'", opt, s);
    unsigned long long v = strtoull(s, &end, 10);
    /* allow 1e9-style sizes */
    if (*end == 'e' || *end == 'E') {
        char *e2;
        long ex = strtol(end + 1, &e2, 10);
        if (*e2 || ex < 0 || ex > 19)
            return attrib_err_set(ATTRIB_EUSAGE, "gen: %s takes a number, not '%s'", opt, s);
        for (long i = 0; i < ex; i++) {
            if (v > ULLONG_MAX / 10)
                return attrib_err_set(ATTRIB_EUSAGE, "gen: %s: '%s' is too large", opt, s);
            v *= 10;
        }
        end = e2;
    }
    if (*end || errno)
        return attrib_err_set(ATTRIB_EUSAGE, "gen: %s takes a number, not '%s'", opt, s);
    if (v > max)
        return attrib_err_set(ATTRIB_EUSAGE, "gen: %s: '%s' is too large (at most %llu)", opt, s,
                              (unsigned long long)max);
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, gen_opts *o)
{
    static const struct option longopts[] = {{"output", required_argument, 0, 'o'},
                                             {"csv", required_argument, 0, 'C'},
                                             {"events", required_argument, 0, 'e'},
                                             {"conversions", required_argument, 0, 'm'},
                                             {"identities", required_argument, 0, 'I'},
                                             {"advertisers", required_argument, 0, 'A'},
                                             {"campaigns", required_argument, 0, 'c'},
                                             {"from", required_argument, 0, 'F'},
                                             {"days", required_argument, 0, 'D'},
                                             {"lookback-days", required_argument, 0, 'L'},
                                             {"seed", required_argument, 0, 's'},
                                             {"hash-key", required_argument, 0, 'K'},
                                             {"iso", no_argument, 0, 'S'},
                                             {"level", required_argument, 0, 'l'},
                                             {"batch", required_argument, 0, 'B'},
                                             {"quiet", no_argument, 0, 'q'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    uint64_t ident = 0, adv = 10, camp = 50, days = 31, lb = 30, level = 1, v;
    o->gp.seed = 1;
    o->from_s = "2026-10-01";
    o->batch = UINT64_C(1) << 20;
    const char *key = NULL;
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            o->output = optarg;
            break;
        case 'C':
            o->csv_dir = optarg;
            break;
        case 'e':
            ATTRIB_TRY(parse_u64("--events", optarg, ATTRIB_GEN_MAX_ROWS, &o->gp.events));
            o->have_events = 1;
            break;
        case 'm':
            ATTRIB_TRY(parse_u64("--conversions", optarg, ATTRIB_GEN_MAX_ROWS, &o->gp.conversions));
            o->have_conversions = 1;
            break;
        case 'I':
            ATTRIB_TRY(parse_u64("--identities", optarg, ATTRIB_GEN_MAX_ROWS, &ident));
            break;
        case 'A':
            ATTRIB_TRY(parse_u64("--advertisers", optarg, 10000000, &adv));
            break;
        case 'c':
            ATTRIB_TRY(parse_u64("--campaigns", optarg, 10000000, &camp));
            break;
        case 'D':
            ATTRIB_TRY(parse_u64("--days", optarg, 3660, &days));
            break;
        case 'L':
            ATTRIB_TRY(parse_u64("--lookback-days", optarg, 3660, &lb));
            break;
        case 's':
            ATTRIB_TRY(parse_u64("--seed", optarg, UINT64_MAX, &o->gp.seed));
            break;
        case 'l':
            ATTRIB_TRY(parse_u64("--level", optarg, 22, &level));
            break;
        case 'B':
            ATTRIB_TRY(parse_u64("--batch", optarg, UINT64_C(1) << 28, &v));
            if (v == 0)
                return attrib_err_set(ATTRIB_EUSAGE, "gen: --batch must be at least 1");
            o->batch = v;
            break;
        case 'F':
            o->from_s = optarg;
            break;
        case 'K':
            key = optarg;
            break;
        case 'S':
            o->iso = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            return 1;
        default:
            return attrib_err_set(ATTRIB_EUSAGE,
                                  "gen: unknown option '%s'. See 'attrib gen --help'.",
                                  argv[optind - 1]);
        }
    }
    if (optind < argc)
        return attrib_err_set(ATTRIB_EUSAGE, "gen: unexpected argument '%s'", argv[optind]);
    if (!o->have_events || !o->have_conversions)
        return attrib_err_set(ATTRIB_EUSAGE, "gen: --events N and --conversions M are required. "
                                             "See 'attrib gen --help'.");
    if (!o->output == !o->csv_dir)
        return attrib_err_set(ATTRIB_EUSAGE, "gen: give exactly one of -o OUT.h5 and --csv DIR");
    if (attrib_time_parse(o->from_s, strlen(o->from_s), &o->gp.from_ms) != 0)
        return attrib_err_set(ATTRIB_EUSAGE,
                              "gen: bad --from '%s' (want YYYY-MM-DD or a timestamp)", o->from_s);
    if (days < 1)
        return attrib_err_set(ATTRIB_EUSAGE, "gen: --days must be at least 1");
    o->gp.identities = ident ? ident : (o->gp.events / 20 ? o->gp.events / 20 : 1);
    o->gp.advertisers = (uint32_t)adv;
    o->gp.campaigns = (uint32_t)camp;
    o->gp.days = (uint32_t)days;
    o->gp.lookback_days = (uint32_t)lb;
    o->level = (int)level;
    if (!key) {
        key = getenv("ATTRIB_HASH_KEY");
        o->key_src = "ATTRIB_HASH_KEY";
        if (!key || !*key) {
            key = ATTRIB_HASH_DEFAULT_KEY;
            o->key_src = NULL;
        }
    } else {
        o->key_src = "--hash-key";
    }
    if (attrib_hash_key_parse(key, &o->gp.key) != 0)
        return attrib_err_set(ATTRIB_EUSAGE, "gen: bad hash key in %s (want 32 hex digits)",
                              o->key_src ? o->key_src : "the default");
    return 0;
}

/* ---- the plan: identity ranges and where their rows go ---- */

typedef struct gen_plan {
    uint64_t id_lo, id_hi;             /* this rank's identities */
    attrib_u128 we_lo, wc_lo;          /* weight prefixes at id_lo */
    uint64_t ev_lo, ev_n, cv_lo, cv_n; /* this rank's global rows */
    uint64_t ev_batches, cv_batches;   /* max over ranks */
} gen_plan;

/* Batches cover global rows [k·B, (k+1)·B) cut to the rank's rows, so that with B equal
 * to the HDF5 chunk size (both 1 Mi rows by default) a compressed chunk is written
 * whole, once, except where two ranks' rows meet. */
static uint64_t aligned_batches(uint64_t lo, uint64_t n, uint64_t batch)
{
    return n ? (lo + n + batch - 1) / batch - lo / batch : 0;
}

static void plan_build(attrib_par *p, attrib_gen *g, uint64_t batch, gen_plan *pl)
{
    const attrib_gen_params *gp = attrib_gen_params_of(g);
    const attrib_u128 I = gp->identities;
    pl->id_lo = (uint64_t)(I * (unsigned)p->rank / (unsigned)p->size);
    pl->id_hi = (uint64_t)(I * (unsigned)(p->rank + 1) / (unsigned)p->size);
    attrib_u128 we, wc;
    attrib_gen_weight_sum(g, pl->id_lo, pl->id_hi, &we, &wc);
    uint64_t mine[4] = {(uint64_t)we, (uint64_t)(we >> 64), (uint64_t)wc, (uint64_t)(wc >> 64)};
    uint64_t *all = attrib_xmalloc(sizeof(uint64_t) * 4 * (size_t)p->size);
    if (MPI_Allgather(mine, 4, MPI_UINT64_T, all, 4, MPI_UINT64_T, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Allgather of the generator's weights failed");
    attrib_u128 te = 0, tc = 0;
    pl->we_lo = pl->wc_lo = 0;
    for (int r = 0; r < p->size; r++) {
        if (r == p->rank) {
            pl->we_lo = te;
            pl->wc_lo = tc;
        }
        te += (attrib_u128)all[4 * r] | (attrib_u128)all[4 * r + 1] << 64;
        tc += (attrib_u128)all[4 * r + 2] | (attrib_u128)all[4 * r + 3] << 64;
    }
    free(all);
    attrib_gen_set_totals(g, te, tc);
    pl->ev_lo = attrib_gen_row_of(g, ATTRIB_GEN_EVENTS, pl->we_lo);
    pl->ev_n = attrib_gen_row_of(g, ATTRIB_GEN_EVENTS, pl->we_lo + we) - pl->ev_lo;
    pl->cv_lo = attrib_gen_row_of(g, ATTRIB_GEN_CONVERSIONS, pl->wc_lo);
    pl->cv_n = attrib_gen_row_of(g, ATTRIB_GEN_CONVERSIONS, pl->wc_lo + wc) - pl->cv_lo;
    uint64_t nb[2] = {aligned_batches(pl->ev_lo, pl->ev_n, batch),
                      aligned_batches(pl->cv_lo, pl->cv_n, batch)},
             mx[2];
    if (MPI_Allreduce(nb, mx, 2, MPI_UINT64_T, MPI_MAX, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Allreduce of batch counts failed");
    pl->ev_batches = mx[0];
    pl->cv_batches = mx[1];
}

static void describe(const gen_opts *o, char *buf, size_t n)
{
    const attrib_gen_params *g = &o->gp;
    snprintf(buf, n,
             "attrib gen --events %llu --conversions %llu --identities %llu --advertisers %u "
             "--campaigns %u --from %s --days %u --lookback-days %u --seed %llu",
             (unsigned long long)g->events, (unsigned long long)g->conversions,
             (unsigned long long)g->identities, g->advertisers, g->campaigns, o->from_s, g->days,
             g->lookback_days, (unsigned long long)g->seed);
}

/* ---- HDF5 output ---- */

static int write_h5_table(attrib_par *p, attrib_h5file *f, attrib_gen *g, const gen_plan *pl,
                          int which, const gen_opts *o)
{
    const attrib_schema *s =
        which == ATTRIB_GEN_EVENTS ? &attrib_schema_events : &attrib_schema_conversions;
    const attrib_gen_params *gp = attrib_gen_params_of(g);
    const uint64_t total = which == ATTRIB_GEN_EVENTS ? gp->events : gp->conversions;
    uint64_t off = which == ATTRIB_GEN_EVENTS ? pl->ev_lo : pl->cv_lo;
    const uint64_t nb = which == ATTRIB_GEN_EVENTS ? pl->ev_batches : pl->cv_batches;
    const char *phase = which == ATTRIB_GEN_EVENTS ? "gen events" : "gen convs";
    attrib_progress_begin(p, phase);
    ATTRIB_TRY(attrib_h5_table_create(f, s, total, NULL, o->level));
    attrib_gen_cursor c;
    attrib_gen_cursor_init(&c, g, which, pl->id_lo, pl->id_hi, pl->we_lo, pl->wc_lo);
    attrib_table t;
    attrib_table_init(&t, s, 1);
    attrib_table_reserve(&t, (size_t)o->batch);
    int rc = 0;
    const uint64_t end = off + (which == ATTRIB_GEN_EVENTS ? pl->ev_n : pl->cv_n);
    for (uint64_t b = 0; b < nb && rc == 0; b++) {
        uint64_t stop = (off / o->batch + 1) * o->batch;
        if (stop > end)
            stop = end;
        t.n = 0;
        if (attrib_gen_cursor_fill(&c, &t, (size_t)(stop - off), NULL) != stop - off)
            attrib_par_die(p, "gen: the generator produced fewer rows than planned");
        rc = attrib_h5_table_write_block(f, &t, off);
        off += t.n;
    }
    if (rc == 0 && off != end)
        attrib_par_die(p, "gen: %llu rows planned, %llu written", (unsigned long long)end,
                       (unsigned long long)off);
    attrib_table_free(&t);
    size_t rowbytes = 0;
    for (size_t k = 0; k < s->ncols; k++)
        rowbytes += attrib_type_size(s->cols[k].type);
    attrib_progress_end(p, phase, total, total * rowbytes, NULL);
    return rc;
}

static int write_h5(attrib_par *p, attrib_gen *g, const gen_plan *pl, const gen_opts *o)
{
    char tmp[4096], desc[1024], now_s[40], hashdesc[64], kid[17];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", o->output) >= (int)sizeof tmp)
        return attrib_err_set(ATTRIB_EUSAGE, "gen: output path too long");
    int rc = attrib_par_agree(p, attrib_h5_register_zstd());
    if (rc < 0)
        return rc;
    attrib_h5file *f = NULL;
    ATTRIB_TRY(attrib_h5_create(p->comm, tmp, &f));

    describe(o, desc, sizeof desc);
    attrib_hash_key_id(&o->gp.key, kid);
    snprintf(hashdesc, sizeof hashdesc, "siphash-2-4 key_id=%s", kid);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000;
    MPI_Bcast(&now, 1, MPI_INT64_T, 0, p->comm);
    attrib_time_format_iso(now, now_s);
    ATTRIB_TRY_GOTO(rc, attrib_h5_set_attr_i64(f, "schema_version", ATTRIB_SCHEMA_VERSION), fail);
    ATTRIB_TRY_GOTO(rc, attrib_h5_set_attr_str(f, "identity_hash", hashdesc), fail);
    ATTRIB_TRY_GOTO(rc, attrib_h5_set_attr_str(f, "created_at", now_s), fail);
    ATTRIB_TRY_GOTO(rc, attrib_h5_set_attr_str(f, "source_files", desc), fail);

    ATTRIB_TRY_GOTO(rc, write_h5_table(p, f, g, pl, ATTRIB_GEN_EVENTS, o), fail);
    ATTRIB_TRY_GOTO(rc, write_h5_table(p, f, g, pl, ATTRIB_GEN_CONVERSIONS, o), fail);
    ATTRIB_TRY_GOTO(rc,
                    attrib_h5_write_strings(f, "conversions/type_names", attrib_gen_type_names,
                                            ATTRIB_GEN_NTYPES),
                    fail);
    attrib_table ca;
    attrib_gen_campaigns(g, &ca);
    if (p->rank != 0)
        ca.n = 0;
    rc = attrib_h5_write_table(f, &ca, 0, attrib_gen_params_of(g)->campaigns, o->level);
    attrib_table_free(&ca);
    if (rc < 0)
        goto fail;
    rc = attrib_h5_close(f);
    f = NULL;
    rc = attrib_par_agree(p, rc);
    if (rc < 0)
        goto fail;
    if (p->rank == 0 && rename(tmp, o->output) != 0)
        rc = attrib_err_set(ATTRIB_EIO, "cannot rename '%s' to '%s': %s", tmp, o->output,
                            strerror(errno));
    rc = attrib_par_agree(p, rc);
    if (rc < 0)
        goto fail;
    return 0;
fail:
    if (f)
        attrib_h5_close(f);
    if (p->rank == 0)
        unlink(tmp);
    return rc;
}

/* ---- CSV output ---- */

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return put_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(p, (uint64_t)v);
}

/* A non-negative amount with as many decimals as `scale` has zeros (the generator makes
 * amounts whole numbers of those units, so this is exact and reads back to the same
 * double). */
static char *put_fixed(char *p, double v, int64_t scale)
{
    int64_t u = llround(v * (double)scale);
    p = put_u64(p, (uint64_t)(u / scale));
    *p++ = '.';
    int64_t frac = u % scale;
    for (int64_t d = scale / 10; d >= 1; d /= 10) {
        *p++ = (char)('0' + frac / d);
        frac %= d;
    }
    return p;
}

static char *put_ts(char *p, int64_t ts, int iso)
{
    if (!iso)
        return put_i64(p, ts);
    char b[40];
    attrib_time_format_iso(ts, b);
    size_t n = strlen(b);
    memcpy(p, b, n);
    return p + n;
}

#define CSV_BUF (8u << 20)
#define CSV_ROW_MAX 512

static const char *const csv_header[2] = {
    "event_id,identity,timestamp,campaign_id,kind,cost\n",
    "conversion_id,identity,timestamp,advertiser_id,type,value\n"};

/* Write this rank's rows of a table to `part`; *bytes gets its size. */
static int write_csv_part(attrib_gen *g, const gen_plan *pl, int which, const gen_opts *o,
                          const char *part, uint64_t *bytes)
{
    FILE *fp = fopen(part, "wb");
    if (!fp)
        return attrib_err_set(ATTRIB_EIO, "cannot create '%s': %s", part, strerror(errno));
    attrib_gen_cursor c;
    attrib_gen_cursor_init(&c, g, which, pl->id_lo, pl->id_hi, pl->we_lo, pl->wc_lo);
    attrib_table t;
    attrib_table_init(
        &t, which == ATTRIB_GEN_EVENTS ? &attrib_schema_events : &attrib_schema_conversions, 1);
    attrib_table_reserve(&t, (size_t)o->batch);
    uint64_t *ids = attrib_xmalloc(sizeof(uint64_t) * (size_t)o->batch);
    char *buf = attrib_xmalloc(CSV_BUF);
    size_t used = 0;
    int rc = 0;
    *bytes = 0;
    for (;;) {
        t.n = 0;
        if (attrib_gen_cursor_fill(&c, &t, (size_t)o->batch, ids) == 0)
            break;
        for (size_t i = 0; i < t.n; i++) {
            if (used > CSV_BUF - CSV_ROW_MAX) {
                if (fwrite(buf, 1, used, fp) != used)
                    rc = -1;
                *bytes += used;
                used = 0;
            }
            char *q = buf + used;
            char idb[64];
            size_t idl = attrib_gen_identity_string(ids[i], idb);
            if (which == ATTRIB_GEN_EVENTS) {
                q = put_u64(q, ATTRIB_COL(&t, EV_EVENT_ID, uint64_t)[i]);
                *q++ = ',';
                memcpy(q, idb, idl);
                q += idl;
                *q++ = ',';
                q = put_ts(q, ATTRIB_COL(&t, EV_TS, int64_t)[i], o->iso);
                *q++ = ',';
                q = put_u64(q, ATTRIB_COL(&t, EV_CAMPAIGN_ID, uint32_t)[i]);
                *q++ = ',';
                const char *k = attrib_kind_names[ATTRIB_COL(&t, EV_KIND, uint8_t)[i]];
                size_t kl = strlen(k);
                memcpy(q, k, kl);
                q += kl;
                *q++ = ',';
                q = put_fixed(q, ATTRIB_COL(&t, EV_COST, double)[i], 1000000);
            } else {
                q = put_u64(q, ATTRIB_COL(&t, CV_CONVERSION_ID, uint64_t)[i]);
                *q++ = ',';
                memcpy(q, idb, idl);
                q += idl;
                *q++ = ',';
                q = put_ts(q, ATTRIB_COL(&t, CV_TS, int64_t)[i], o->iso);
                *q++ = ',';
                q = put_u64(q, ATTRIB_COL(&t, CV_ADVERTISER_ID, uint32_t)[i]);
                *q++ = ',';
                const char *k = attrib_gen_type_names[ATTRIB_COL(&t, CV_TYPE, uint16_t)[i]];
                size_t kl = strlen(k);
                memcpy(q, k, kl);
                q += kl;
                *q++ = ',';
                q = put_fixed(q, ATTRIB_COL(&t, CV_VALUE, double)[i], 100);
            }
            *q++ = '\n';
            used = (size_t)(q - buf);
        }
    }
    if (used && fwrite(buf, 1, used, fp) != used)
        rc = -1;
    *bytes += used;
    if (fclose(fp) != 0)
        rc = -1;
    if (rc < 0)
        rc = attrib_err_set(ATTRIB_EIO, "cannot write '%s': %s", part, strerror(errno));
    free(buf);
    free(ids);
    attrib_table_free(&t);
    return rc;
}

/* Collective. Concatenate the ranks' part files, in rank order, after `header`, into
 * `dst` (MPI-IO, each rank writing at its offset). */
static int csv_concat(attrib_par *p, const char *dst, const char *header, const char *part,
                      uint64_t part_bytes, uint64_t *total)
{
    const uint64_t hl = strlen(header);
    const uint64_t off0 = hl + attrib_par_exscan_u64(p, part_bytes);
    *total = hl + attrib_par_sum_u64(p, part_bytes);
    MPI_File fh;
    if (p->rank == 0)
        unlink(dst);
    MPI_Barrier(p->comm);
    int mrc = MPI_File_open(p->comm, dst, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
    int rc =
        mrc == MPI_SUCCESS ? 0 : attrib_err_set(ATTRIB_EIO, "cannot create '%s' (MPI-IO)", dst);
    rc = attrib_par_agree(p, rc);
    if (rc < 0)
        return rc;
    MPI_Status st;
    if (p->rank == 0 && MPI_File_write_at(fh, 0, header, (int)hl, MPI_BYTE, &st) != MPI_SUCCESS)
        rc = attrib_err_set(ATTRIB_EIO, "cannot write '%s'", dst);
    FILE *in = rc == 0 ? fopen(part, "rb") : NULL;
    if (rc == 0 && !in)
        rc = attrib_err_set(ATTRIB_EIO, "cannot read '%s': %s", part, strerror(errno));
    char *buf = attrib_xmalloc(CSV_BUF);
    uint64_t off = off0;
    size_t n;
    while (rc == 0 && (n = fread(buf, 1, CSV_BUF, in)) > 0) {
        if (MPI_File_write_at(fh, (MPI_Offset)off, buf, (int)n, MPI_BYTE, &st) != MPI_SUCCESS)
            rc = attrib_err_set(ATTRIB_EIO, "cannot write '%s'", dst);
        off += n;
    }
    if (rc == 0 && off != off0 + part_bytes)
        rc = attrib_err_set(ATTRIB_EIO, "'%s' changed while being copied", part);
    if (in)
        fclose(in);
    free(buf);
    if (MPI_File_close(&fh) != MPI_SUCCESS && rc == 0)
        rc = attrib_err_set(ATTRIB_EIO, "cannot close '%s'", dst);
    return attrib_par_agree(p, rc);
}

static int write_csv(attrib_par *p, attrib_gen *g, const gen_plan *pl, const gen_opts *o)
{
    static const char *const names[3] = {"events.csv", "conversions.csv", "campaigns.csv"};
    char fin[3][4096], tmp[3][4096], part[4096];
    int rc = 0;
    for (int k = 0; k < 3; k++)
        if (snprintf(fin[k], sizeof fin[k], "%s/%s", o->csv_dir, names[k]) >= (int)sizeof fin[k] ||
            snprintf(tmp[k], sizeof tmp[k], "%s/%s.tmp", o->csv_dir, names[k]) >=
                (int)sizeof tmp[k])
            rc = attrib_err_set(ATTRIB_EUSAGE, "gen: --csv path too long");
    ATTRIB_TRY(rc);
    if (p->rank == 0 && mkdir(o->csv_dir, 0777) != 0 && errno != EEXIST)
        rc = attrib_err_set(ATTRIB_EIO, "cannot create directory '%s': %s", o->csv_dir,
                            strerror(errno));
    ATTRIB_TRY(attrib_par_agree(p, rc));

    for (int which = 0; which < 2 && rc == 0; which++) {
        const char *phase = which == ATTRIB_GEN_EVENTS ? "gen events" : "gen convs";
        attrib_progress_begin(p, phase);
        snprintf(part, sizeof part, "%s/.%s.part%d", o->csv_dir, names[which], p->rank);
        uint64_t bytes = 0, total = 0;
        rc = attrib_par_agree(p, write_csv_part(g, pl, which, o, part, &bytes));
        if (rc == 0)
            rc = csv_concat(p, tmp[which], csv_header[which], part, bytes, &total);
        unlink(part);
        const attrib_gen_params *gp = attrib_gen_params_of(g);
        attrib_progress_end(p, phase, which == ATTRIB_GEN_EVENTS ? gp->events : gp->conversions,
                            total, NULL);
    }
    if (rc == 0 && p->rank == 0) {
        attrib_table ca;
        attrib_gen_campaigns(g, &ca);
        FILE *fp = fopen(tmp[2], "wb");
        if (!fp) {
            rc = attrib_err_set(ATTRIB_EIO, "cannot create '%s': %s", tmp[2], strerror(errno));
        } else {
            fputs("campaign_id,advertiser_id,name\n", fp);
            for (size_t i = 0; i < ca.n; i++)
                fprintf(fp, "%u,%u,%.*s\n", ATTRIB_COL(&ca, CA_CAMPAIGN_ID, uint32_t)[i],
                        ATTRIB_COL(&ca, CA_ADVERTISER_ID, uint32_t)[i],
                        (int)attrib_table_strlen(&ca, CA_NAME, i),
                        attrib_table_str(&ca, CA_NAME, i));
            if (ferror(fp) | fclose(fp))
                rc = attrib_err_set(ATTRIB_EIO, "cannot write '%s'", tmp[2]);
        }
        attrib_table_free(&ca);
        for (int k = 0; k < 3 && rc == 0; k++)
            if (rename(tmp[k], fin[k]) != 0)
                rc = attrib_err_set(ATTRIB_EIO, "cannot rename '%s' to '%s': %s", tmp[k], fin[k],
                                    strerror(errno));
    }
    rc = attrib_par_agree(p, rc);
    if (rc < 0 && p->rank == 0)
        for (int k = 0; k < 3; k++)
            unlink(tmp[k]);
    return rc;
}

int attrib_cmd_gen(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    attrib_par p;
    attrib_par_init(&p, MPI_COMM_WORLD);
    gen_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc == 1) {
        if (p.rank == 0)
            fputs(attrib_usage_gen, stdout);
        return 0;
    }
    if (rc < 0)
        return attrib_cmd_fail_legacy(rc, 0);
    p.progress = !o.quiet;
    attrib_gen *g = NULL;
    rc = attrib_gen_create(&o.gp, &g);
    if (rc < 0)
        return attrib_cmd_fail_legacy(rc, 0);
    gen_plan pl;
    double t0 = MPI_Wtime();
    plan_build(&p, g, o.batch, &pl);
    rc = o.output ? write_h5(&p, g, &pl, &o) : write_csv(&p, g, &pl, &o);
    attrib_gen_free(g);
    if (rc < 0)
        return attrib_cmd_fail_legacy(rc, 0);
    if (p.rank == 0 && !o.quiet) {
        double s = MPI_Wtime() - t0;
        uint64_t rows = o.gp.events + o.gp.conversions;
        fprintf(stderr, "attrib: gen: %llu rows in %.3f s (%.0f rows/s) on %d process%s\n",
                (unsigned long long)rows, s, s > 0 ? (double)rows / s : 0.0, p.size,
                p.size == 1 ? "" : "es");
    }
    return 0;
}

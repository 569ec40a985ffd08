/* attrib gen — realistic synthetic input data, as HDF5 or as CSV drops. The command
 * parses the options, checks the outputs and prints a summary; the generator is
 * src/core/gen.c and the writers src/gen/gen_write.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "attrib/err.h"
#include "attrib/gen.h"
#include "attrib/gen_write.h"
#include "attrib/import.h"
#include "attrib/output.h"
#include "attrib/timeparse.h"

const char attrib_usage_gen[] =
    "usage: attrib gen --events N --conversions M [options] [--links] (-o OUT.h5 | --csv DIR)\n"
    "\n"
    "Generate realistic synthetic input: N touch rows and M conversion rows exactly\n"
    "(deliberate duplicates included) and a campaign catalog, either as an input HDF5\n"
    "file (as `attrib import` writes) or as CSV files DIR/events.csv,\n"
    "DIR/conversions.csv and DIR/campaigns.csv that `attrib import` reads.\n"
    "\n"
    "  -o, --output FILE      HDF5 file; written as FILE.tmp and renamed when complete\n"
    "      --csv DIR          write CSV files into DIR (created if missing) instead, each\n"
    "                         as NAME.tmp renamed when all three are complete\n"
    "      --events N         touch rows (exact; 1e6 style allowed for every count)\n"
    "      --conversions M    conversion rows (exact)\n"
    "      --identities I     identities (default N/20, at least 1); activity per identity\n"
    "                         is heavy-tailed: most have a few touches, a few have many\n"
    "      --advertisers A    advertisers (default 10)\n"
    "      --campaigns C      campaigns (default 50); campaign c belongs to advertiser\n"
    "                         ((c-1) % A) + 1\n"
    "      --from DATE        start of the conversion period (default 2026-10-01)\n"
    "      --days D           length of the period in days (default 31)\n"
    "      --lookback-days L  touches also fall in the L days before --from (default 30)\n"
    "      --seed S           random seed (default 1); same seed, same data, for any\n"
    "                         number of processes\n"
    "      --hash-key-file F  identity hashing key (as for `attrib import`: a file of 32\n"
    "                         hex digits that only its owner may read)\n"
    "      --hash-key HEX32   the key itself (visible in `ps`); else $ATTRIB_HASH_KEY_FILE,\n"
    "                         $ATTRIB_HASH_KEY, else the public default key. The data is\n"
    "                         synthetic, so the default key draws no warning here; the\n"
    "                         file records which key was used (identity_hash)\n"
    "      --iso              CSV timestamps as ISO 8601 (default: integer ms)\n"
    "      --level N          zstd level of the HDF5 output (default 1, as import;\n"
    "                         0 = uncompressed)\n"
    "      --batch ROWS       rows generated and written at a time per process\n"
    "                         (default 1048576)\n"
    "      --partitioned      with -o: a partitioned store, as `attrib import` writes\n"
    "                         (rows grouped by logical partition, /partitions; the same\n"
    "                         tables as --csv then import), which `attrib run` reads\n"
    "                         in place; not with links. Default: rows in generation order\n"
    "      --links            an identity graph: --devices-per-person 3 --hubs 2 unless\n"
    "                         given (each of the three options below implies --links)\n"
    "      --devices-per-person K  each identity is a person with 1..K devices (uniform,\n"
    "                         K <= 16); its rows are spread over them, its devices linked\n"
    "                         as a chain, half of those with 3+ devices closed as a cycle\n"
    "      --hubs H           H shared devices (hubs), hub h linked to one device of each\n"
    "                         person i < H*P with i % H == h\n"
    "      --hub-persons P    persons per hub (default 1000, so that a hub's component\n"
    "                         has more than 1000 identities and stays unmerged)\n"
    "  -q, --quiet            no progress lines\n"
    "\n"
    "The data: each identity (\"u000000000001@example.test\", hashed) follows 1-3\n"
    "advertisers and revisits their campaigns in sessions; touches are ~70% impressions\n"
    "(cost 0.002-0.01), ~20% engagements (0.1-1.0), ~10% nurtures (0); some share a\n"
    "timestamp. Conversions (purchase 5-500, add_to_cart, signup) mostly follow a touch of\n"
    "the same advertiser within minutes to days; ~10% are far outside every window and\n"
    "~10% are for advertisers the identity never touched. ~0.5% of touches and\n"
    "conversions are re-delivered (a tenth of those with a different timestamp).\n"
    "With links a person's rows fall on its devices (\"u000000000001-d1@example.test\",\n"
    "...; the first is the identity's own name), each row's device drawn on its own, so\n"
    "most re-deliveries of a person with 2+ devices come under another device (same\n"
    "event_id or conversion_id). The links go to /links (as `attrib import --links`\n"
    "stores them) or DIR/links.csv (identity_a,identity_b; also 1 in 8 persons' first\n"
    "link again reversed and 1 in 64 a self link, which import drops and counts).\n"
    "Run under `mpirun -n P attrib gen …` to generate with P processes.\n";

enum {
    OPT_CSV = ATTRIB_OPT_ID_USER,
    OPT_EVENTS,
    OPT_CONVERSIONS,
    OPT_IDENTITIES,
    OPT_ADVERTISERS,
    OPT_CAMPAIGNS,
    OPT_DAYS,
    OPT_LOOKBACK,
    OPT_SEED,
    OPT_HASH_KEY,
    OPT_HASH_KEY_FILE,
    OPT_ISO,
    OPT_LEVEL,
    OPT_BATCH,
    OPT_LINKS,
    OPT_DEVICES,
    OPT_HUBS,
    OPT_HUB_PERSONS,
    OPT_PARTITIONED,
};

static const attrib_opt options[] = {
    ATTRIB_OPT_OUTPUT,
    {"csv", 0, 1, OPT_CSV},
    {"events", 0, 1, OPT_EVENTS},
    {"conversions", 0, 1, OPT_CONVERSIONS},
    {"identities", 0, 1, OPT_IDENTITIES},
    {"advertisers", 0, 1, OPT_ADVERTISERS},
    {"campaigns", 0, 1, OPT_CAMPAIGNS},
    ATTRIB_OPT_FROM,
    {"days", 0, 1, OPT_DAYS},
    {"lookback-days", 0, 1, OPT_LOOKBACK},
    {"seed", 0, 1, OPT_SEED},
    {"hash-key", 0, 1, OPT_HASH_KEY},
    {"hash-key-file", 0, 1, OPT_HASH_KEY_FILE},
    {"iso", 0, 0, OPT_ISO},
    {"level", 0, 1, OPT_LEVEL},
    {"batch", 0, 1, OPT_BATCH},
    {"links", 0, 0, OPT_LINKS},
    {"devices-per-person", 0, 1, OPT_DEVICES},
    {"hubs", 0, 1, OPT_HUBS},
    {"hub-persons", 0, 1, OPT_HUB_PERSONS},
    {"partitioned", 0, 0, OPT_PARTITIONED},
    ATTRIB_OPT_QUIET,
    ATTRIB_OPT_END,
};

typedef struct gen_args {
    attrib_gen_params gp;
    attrib_gen_spec spec;
    const char *output, *csv_dir, *hash_key, *hash_key_file;
    int have_events, have_conversions, quiet, help;
} gen_args;

/* A count: a decimal integer in [0, max], or one written as 1e6 (a power of ten times an
 * integer, exact). */
static int count_arg(const attrib_args *a, uint64_t max, uint64_t *out)
{
    const char *s = a->val, *e = strpbrk(s, "eE");
    if (!e)
        return attrib_args_u64(a, max, out);
    uint64_t v = 0;
    int ok = e > s && e[1] != '\0' && strlen(e + 1) <= 2;
    for (const char *q = s; ok && q < e; q++) {
        ok = *q >= '0' && *q <= '9' && v <= (max - (uint64_t)(*q - '0')) / 10;
        v = v * 10 + (uint64_t)(*q - '0');
    }
    for (const char *q = e + 1; ok && *q; q++)
        ok = *q >= '0' && *q <= '9';
    for (int ex = ok ? atoi(e + 1) : 0; ok && ex > 0; ex--) {
        ok = v <= max / 10;
        v *= 10;
    }
    if (!ok)
        return attrib_err_set(ATTRIB_EUSAGE, "%s: '%s' is not an integer from 0 to %llu", a->opt,
                              s, (unsigned long long)max);
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, gen_args *o)
{
    uint64_t ident = 0, adv = 10, camp = 50, days = 31, lb = 30, level = 1, v;
    uint64_t devices = 0, hubs = UINT64_MAX, hub_persons = 1000;
    int links = 0;
    o->gp.seed = 1;
    o->spec.from = "2026-10-01";
    o->spec.batch = UINT64_C(1) << 20;
    int64_t from = 0;
    int have_from = 0;
    attrib_args a;
    attrib_args_init(&a, argc, argv);
    int id;
    while ((id = attrib_args_next(&a, options)) != ATTRIB_ARGS_END) {
        switch (id) {
        case ATTRIB_ARGS_HELP: o->help = 1; return 0;
        case ATTRIB_OPT_ID_OUTPUT: o->output = a.val; break;
        case OPT_CSV: o->csv_dir = a.val; break;
        case OPT_EVENTS:
            ATTRIB_TRY(count_arg(&a, ATTRIB_GEN_MAX_ROWS, &o->gp.events));
            o->have_events = 1;
            break;
        case OPT_CONVERSIONS:
            ATTRIB_TRY(count_arg(&a, ATTRIB_GEN_MAX_ROWS, &o->gp.conversions));
            o->have_conversions = 1;
            break;
        case OPT_IDENTITIES: ATTRIB_TRY(count_arg(&a, ATTRIB_GEN_MAX_ROWS, &ident)); break;
        case OPT_ADVERTISERS: ATTRIB_TRY(count_arg(&a, 10000000, &adv)); break;
        case OPT_CAMPAIGNS: ATTRIB_TRY(count_arg(&a, 10000000, &camp)); break;
        case OPT_DAYS: ATTRIB_TRY(count_arg(&a, 3660, &days)); break;
        case OPT_LOOKBACK: ATTRIB_TRY(count_arg(&a, 3660, &lb)); break;
        case OPT_SEED: ATTRIB_TRY(count_arg(&a, UINT64_MAX, &o->gp.seed)); break;
        case OPT_LEVEL: ATTRIB_TRY(attrib_args_u64(&a, 22, &level)); break;
        case OPT_BATCH:
            ATTRIB_TRY(count_arg(&a, UINT64_C(1) << 28, &v));
            if (v == 0)
                return attrib_err_set(ATTRIB_EUSAGE, "--batch must be at least 1");
            o->spec.batch = v;
            break;
        case ATTRIB_OPT_ID_FROM:
            ATTRIB_TRY(attrib_args_time(&a, &from));
            o->spec.from = a.val;
            have_from = 1;
            break;
        case OPT_HASH_KEY: o->hash_key = a.val; break;
        case OPT_HASH_KEY_FILE: o->hash_key_file = a.val; break;
        case OPT_ISO: o->spec.iso = 1; break;
        case OPT_LINKS: links = 1; break;
        case OPT_PARTITIONED: o->spec.partition = 1; break;
        case OPT_DEVICES:
            ATTRIB_TRY(count_arg(&a, ATTRIB_GEN_MAX_DEVICES, &devices));
            if (devices == 0)
                return attrib_err_set(ATTRIB_EUSAGE, "--devices-per-person must be in 1..%d",
                                      ATTRIB_GEN_MAX_DEVICES);
            links = 1;
            break;
        case OPT_HUBS:
            ATTRIB_TRY(count_arg(&a, ATTRIB_GEN_MAX_HUBS, &hubs));
            links = 1;
            break;
        case OPT_HUB_PERSONS:
            ATTRIB_TRY(count_arg(&a, ATTRIB_GEN_MAX_ROWS, &hub_persons));
            if (hub_persons == 0)
                return attrib_err_set(ATTRIB_EUSAGE, "--hub-persons must be at least 1");
            links = 1;
            break;
        case ATTRIB_OPT_ID_QUIET: o->quiet = 1; break;
        case ATTRIB_ARGS_POS: return attrib_err_set(ATTRIB_EUSAGE, "unexpected argument '%s'", a.val);
        default: return id;
        }
    }
    if (!o->have_events || !o->have_conversions)
        return attrib_err_set(ATTRIB_EUSAGE, "--events N and --conversions M are required");
    if (!o->output == !o->csv_dir)
        return attrib_err_set(ATTRIB_EUSAGE, "give exactly one of -o OUT.h5 and --csv DIR");
    if ((o->output && !*o->output) || (o->csv_dir && !*o->csv_dir))
        return attrib_err_set(ATTRIB_EUSAGE, "empty output name");
    if (days < 1)
        return attrib_err_set(ATTRIB_EUSAGE, "--days must be at least 1");
    if (o->spec.partition && !o->output)
        return attrib_err_set(ATTRIB_EUSAGE, "--partitioned writes an HDF5 store: give -o OUT.h5 "
                                             "(CSV files are partitioned by attrib import)");
    if (!have_from && attrib_time_parse(o->spec.from, strlen(o->spec.from), &from) != 0)
        return attrib_err_set(ATTRIB_EINTERNAL, "the default --from is not a date");
    o->gp.from_ms = from;
    o->gp.identities = ident ? ident : (o->gp.events / 20 ? o->gp.events / 20 : 1);
    o->gp.advertisers = (uint32_t)adv;
    o->gp.campaigns = (uint32_t)camp;
    o->gp.days = (uint32_t)days;
    o->gp.lookback_days = (uint32_t)lb;
    o->spec.level = (int)level;
    o->gp.devices = links ? (uint32_t)(devices ? devices : 3) : 1;
    o->gp.hubs = links ? (uint32_t)(hubs != UINT64_MAX ? hubs : 2) : 0;
    o->gp.hub_persons = hub_persons;
    if (o->spec.partition && (o->gp.devices > 1 || o->gp.hubs > 0))
        return attrib_err_set(ATTRIB_EUSAGE,
                              "--partitioned does not take an identity graph (--links, "
                              "--devices-per-person, --hubs): write --csv and import it");
    return 0;
}

/* The outputs: -o FILE, or the three CSV files of --csv DIR (DIR created first), four
 * with links. */
static int outputs_begin(attrib_par *p, gen_args *o, int nfiles, attrib_output *out[4],
                         char path[4][4096])
{
    static const char *const names[4] = {"events.csv", "conversions.csv", "campaigns.csv",
                                         "links.csv"};
    if (o->output) {
        ATTRIB_TRY(attrib_output_begin(p, o->output, NULL, &out[0]));
        o->spec.h5_tmp = attrib_output_tmp(out[0]);
        o->spec.h5_name = attrib_output_path(out[0]);
        return 0;
    }
    for (int k = 0; k < nfiles; k++)
        if (snprintf(path[k], 4096, "%s/%s", o->csv_dir, names[k]) >= 4096)
            return attrib_err_path(ATTRIB_EUSAGE, o->csv_dir, "path too long", "%s", "");
    ATTRIB_TRY(attrib_gen_csv_dir(p, o->csv_dir));
    o->spec.csv_dir = o->csv_dir;
    for (int k = 0; k < nfiles; k++) {
        ATTRIB_TRY(attrib_output_begin(p, path[k], NULL, &out[k]));
        if (k < 3)
            o->spec.csv_tmp[k] = attrib_output_tmp(out[k]);
        else
            o->spec.csv_links_tmp = attrib_output_tmp(out[k]);
    }
    return 0;
}

int attrib_cmd_gen(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    attrib_par *p = ctx->par;
    gen_args o;
    memset(&o, 0, sizeof o);
    int rc = parse_args(argc, argv, &o);
    if (rc == 0 && o.help) {
        if (p->rank == 0)
            fputs(attrib_usage_gen, stdout);
        return 0;
    }
    attrib_key_source src;
    if (rc == 0)
        rc = attrib_import_key_choose(p, o.hash_key, o.hash_key_file, &o.gp.key, &src);
    attrib_gen *g = NULL;
    if (rc == 0)
        rc = attrib_gen_create(&o.gp, &g);
    if (rc < 0)
        return attrib_cmd_fail(ctx, rc, 0);
    attrib_output *out[4] = {NULL, NULL, NULL, NULL};
    char path[4][4096];
    const int nfiles = attrib_gen_has_links(g) ? 4 : 3;
    rc = outputs_begin(p, &o, nfiles, out, path);
    attrib_gen_figures fig;
    memset(&fig, 0, sizeof fig);
    if (rc == 0) {
        p->progress = !o.quiet;
        rc = attrib_gen_write(p, g, &o.spec, &fig);
    }
    attrib_gen_free(g);
    /* All the CSV files or none. */
    for (int k = 0; k < nfiles; k++)
        rc = attrib_output_finish(p, out[k], rc);
    if (rc < 0)
        return attrib_cmd_fail(ctx, rc, 0);
    if (p->rank == 0 && !o.quiet) {
        const uint64_t rows = fig.rows[0] + fig.rows[1];
        char lk[64] = "";
        if (nfiles == 4)
            snprintf(lk, sizeof lk, " and %llu links", (unsigned long long)fig.links);
        fprintf(stderr, "attrib: gen: %llu rows%s in %.3f s (%.0f rows/s) on %d process%s\n",
                (unsigned long long)rows, lk, fig.seconds,
                fig.seconds > 0 ? (double)rows / fig.seconds : 0.0, p->size,
                p->size == 1 ? "" : "es");
    }
    return 0;
}

/* attrib import — CSV drops (and identity links) into one columnar HDF5 input file. The
 * command parses the options, chooses the hash key, checks the outputs and renders the
 * outcome; the pipeline is attrib_import_run (src/import/import.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "attrib/err.h"
#include "attrib/import.h"
#include "attrib/output.h"
#include "attrib/timeparse.h"

const char attrib_usage_import[] =
    "usage: attrib import --events F [--events F ...] --conversions F [--conversions F ...]\n"
    "                     --campaigns F [--campaigns F ...] [--links F ...] [--rejects R.csv]\n"
    "                     [--max-reject-rate 0.001] [--timestamp-unit s|ms]\n"
    "                     [--hash-key-file F | --hash-key HEX32] [--no-partition] [-q]\n"
    "                     -o in.h5\n"
    "\n"
    "Read CSV drops of touch events, conversions, the campaigns catalog and identity\n"
    "links into one columnar HDF5 file for `attrib run`.\n"
    "\n"
    "  --events F          touch events: event_id, identity, timestamp, campaign_id, kind\n"
    "                      (impression|engagement|nurture), cost (optional, default 0)\n"
    "  --conversions F     conversions: conversion_id, identity, timestamp, advertiser_id,\n"
    "                      type, value (optional, default 0)\n"
    "  --campaigns F       the catalog: campaign_id, advertiser_id, name\n"
    "  --links F           identity links: identity_a, identity_b (two identifiers of one\n"
    "                      person, 1-256 bytes each), stored hashed as /links, each\n"
    "                      undirected link once as (smaller, larger hash), sorted; self\n"
    "                      links and repeats (either direction, any file) are dropped\n"
    "                      and counted on the links line. Without it the output\n"
    "                      has no /links\n"
    "  -o, --output FILE   the HDF5 file to write (via FILE.tmp, renamed when complete)\n"
    "  --rejects R.csv     write every rejected row as file,line,reason (never row data)\n"
    "  --max-reject-rate F fail when more than this fraction of all data rows (all\n"
    "                      kinds together) is rejected (default 0.001). The output is\n"
    "                      then not written, but the rejects file still is: it says why.\n"
    "  --timestamp-unit U  the unit of integer timestamps: s (seconds since the epoch,\n"
    "                      multiplied by 1000) or ms (milliseconds); see below\n"
    "  --hash-key-file F   the identity hash key: a file holding 32 hex digits, readable\n"
    "                      and writable by its owner only (chmod 600), else refused\n"
    "  --hash-key HEX32    the key itself (32 hex digits); other users of the machine can\n"
    "                      read it in `ps`: prefer --hash-key-file\n"
    "  --no-partition      keep /events and /conversions in the order of the files\n"
    "                      and write no /partitions: every run of the store then\n"
    "                      regroups the rows across ranks (an exchange)\n"
    "  -q, --quiet         no progress lines on stderr\n"
    "\n"
    "The store is partitioned: events and conversions are grouped by logical partition\n"
    "of the identity hash (4096 of them) and sorted inside each by identity, timestamp\n"
    "and id, with the index /partitions (the first row of each partition), so that\n"
    "`attrib run` reads each rank's partitions directly, without an exchange, and\n"
    "`attrib explain` reads one partition (docs/formats.md).\n"
    "\n"
    "Files are UTF-8 CSV (RFC 4180 quoting, LF or CRLF, optional BOM) with one header\n"
    "line; columns are found by name in any order and extra columns are ignored. Each\n"
    "option may be repeated; files are read in the order given. Names ending in .gz or\n"
    ".zst are decompressed. Blank lines are skipped. Line numbers in the rejects file are\n"
    "physical lines of the (decompressed) file, of the first line of the row.\n"
    "\n"
    "Timestamps are ISO 8601 with a zone (2026-10-01T12:00:00Z,\n"
    "2026-10-01T12:00:00.250+02:00), a date alone (2026-10-01, midnight UTC), or integers:\n"
    "milliseconds since the Unix epoch, or seconds with --timestamp-unit s. A time of day\n"
    "without a zone is rejected (\"timestamp has no time zone\"). Without --timestamp-unit,\n"
    "an integer from 100000000 to 99999999999 stops the import (exit 2, nothing written)\n"
    "naming its file and line: as seconds it is a date of 1973 to 5138, as milliseconds\n"
    "one of 1970-01-02 to 1973-03-03, so attrib does not guess. --timestamp-unit ms takes\n"
    "such values as milliseconds. ISO timestamps are read the same with either unit.\n"
    "\n"
    "Identity hash key: identities are stored as SipHash-2-4 hashes under a 128-bit key,\n"
    "taken from --hash-key-file or --hash-key, else $ATTRIB_HASH_KEY_FILE or\n"
    "$ATTRIB_HASH_KEY (not both), else a public default key. Under the public key\n"
    "anyone holding a list of e-mail addresses can test which are in the data, so every\n"
    "such import prints a warning. A site makes its key once, e.g.\n"
    "    (umask 077; openssl rand -hex 16 >/etc/attrib/hash.key)\n"
    "keeps it with its other secrets, and sets ATTRIB_HASH_KEY_FILE=/etc/attrib/hash.key\n"
    "for every import. A new key (rotation) gives every identity a new hash: stores and\n"
    "results made under different keys do not join, so re-import all the data a job\n"
    "uses under the new key. The store's root attribute identity_hash records the key id\n"
    "(a hash of the key, never the key) and key=public-default or key=site, so stores\n"
    "can be told apart.\n"
    "\n"
    "Under `mpirun -n N` plain files are split into N byte ranges and compressed files\n"
    "are shared out whole; the output is the same for any N. Exit codes: 0 success,\n"
    "2 usage or bad input (a missing column, a truncated .gz, too many rejects),\n"
    "3 internal or MPI failure.\n";

enum {
    OPT_EVENTS = ATTRIB_OPT_ID_USER, /* + attrib_csv_kind order below */
    OPT_CONVERSIONS,
    OPT_CAMPAIGNS,
    OPT_LINKS,
    OPT_REJECTS,
    OPT_MAX_RATE,
    OPT_TS_UNIT,
    OPT_HASH_KEY,
    OPT_HASH_KEY_FILE,
    OPT_NO_PARTITION,
};

static const attrib_opt options[] = {
    {"events", 0, 1, OPT_EVENTS},
    {"conversions", 0, 1, OPT_CONVERSIONS},
    {"campaigns", 0, 1, OPT_CAMPAIGNS},
    {"links", 0, 1, OPT_LINKS},
    {"rejects", 0, 1, OPT_REJECTS},
    {"max-reject-rate", 0, 1, OPT_MAX_RATE},
    {"timestamp-unit", 0, 1, OPT_TS_UNIT},
    {"hash-key", 0, 1, OPT_HASH_KEY},
    {"hash-key-file", 0, 1, OPT_HASH_KEY_FILE},
    {"no-partition", 0, 0, OPT_NO_PARTITION},
    ATTRIB_OPT_OUTPUT,
    ATTRIB_OPT_QUIET,
    ATTRIB_OPT_END,
};

typedef struct import_args {
    const char **paths[ATTRIB_CSV_NKINDS]; /* by attrib_csv_kind */
    size_t npaths[ATTRIB_CSV_NKINDS];
    const char **all;      /* every input, NULL-terminated (for the output checks) */
    const char *out, *rejects, *hash_key, *hash_key_file;
    double max_rate;
    int ts_unit, quiet, help, no_partition;
} import_args;

static int parse_args(int argc, char **argv, import_args *o)
{
    static const char *const units[] = {"s", "ms", NULL};
    o->max_rate = 0.001;
    for (int k = 0; k < ATTRIB_CSV_NKINDS; k++)
        o->paths[k] = attrib_xcalloc((size_t)argc + 1, sizeof(char *));
    o->all = attrib_xcalloc((size_t)argc + 1, sizeof(char *));
    size_t nall = 0;
    attrib_args a;
    attrib_args_init(&a, argc, argv);
    int id, u;
    while ((id = attrib_args_next(&a, options)) != ATTRIB_ARGS_END) {
        switch (id) {
        case ATTRIB_ARGS_HELP: o->help = 1; return 0;
        case OPT_EVENTS: case OPT_CONVERSIONS: case OPT_CAMPAIGNS: case OPT_LINKS: {
            const attrib_csv_kind kind = id == OPT_EVENTS        ? ATTRIB_CSV_EVENTS
                                         : id == OPT_CONVERSIONS ? ATTRIB_CSV_CONVERSIONS
                                         : id == OPT_LINKS       ? ATTRIB_CSV_LINKS
                                                                 : ATTRIB_CSV_CAMPAIGNS;
            if (!*a.val)
                return attrib_err_set(ATTRIB_EUSAGE, "%s: empty file name", a.opt);
            o->paths[kind][o->npaths[kind]++] = a.val;
            o->all[nall++] = a.val;
            break;
        }
        case ATTRIB_OPT_ID_OUTPUT: o->out = a.val; break;
        case OPT_REJECTS: o->rejects = a.val; break;
        case OPT_MAX_RATE: ATTRIB_TRY(attrib_args_double(&a, 0, 1, &o->max_rate)); break;
        case OPT_TS_UNIT:
            ATTRIB_TRY(attrib_args_choice(&a, units, &u));
            o->ts_unit = u == 0 ? ATTRIB_TIME_UNIT_S : ATTRIB_TIME_UNIT_MS;
            break;
        case OPT_HASH_KEY: o->hash_key = a.val; break;
        case OPT_HASH_KEY_FILE: o->hash_key_file = a.val; break;
        case OPT_NO_PARTITION: o->no_partition = 1; break;
        case ATTRIB_OPT_ID_QUIET: o->quiet = 1; break;
        case ATTRIB_ARGS_POS: return attrib_err_set(ATTRIB_EUSAGE, "unexpected argument '%s'", a.val);
        default: return id;
        }
    }
    if (!o->out)
        return attrib_err_set(ATTRIB_EUSAGE, "-o OUT.h5 is required");
    if (!o->npaths[ATTRIB_CSV_EVENTS] || !o->npaths[ATTRIB_CSV_CONVERSIONS] ||
        !o->npaths[ATTRIB_CSV_CAMPAIGNS])
        return attrib_err_set(ATTRIB_EUSAGE,
                              "--events, --conversions and --campaigns are each required at "
                              "least once");
    if (o->rejects) {
        struct stat s1, s2;
        if (strcmp(o->rejects, o->out) == 0 ||
            (stat(o->rejects, &s1) == 0 && stat(o->out, &s2) == 0 && s1.st_dev == s2.st_dev &&
             s1.st_ino == s2.st_ino))
            return attrib_err_set(ATTRIB_EUSAGE, "-o and --rejects name the same file '%s'",
                                  o->out);
    }
    return 0;
}

static void args_free(import_args *o)
{
    for (int k = 0; k < ATTRIB_CSV_NKINDS; k++)
        free(o->paths[k]);
    free(o->all);
}

/* The failure message of a figure the library returned, in the command's words. */
static void explain_failure(const import_args *o, const attrib_import_figures *f)
{
    if (f->seconds_file) {
        attrib_err_set(ATTRIB_EINPUT,
                       "%s:%llu: integer timestamp %lld looks like epoch seconds; state the "
                       "unit of integer timestamps: --timestamp-unit s (seconds) or "
                       "--timestamp-unit ms (milliseconds); nothing written",
                       f->seconds_file, (unsigned long long)f->seconds_line,
                       (long long)f->seconds_value);
    } else if (f->rate_exceeded) {
        attrib_err_set(ATTRIB_EINPUT,
                       "%llu of %llu rows rejected (%.4g%%), more than --max-reject-rate %g "
                       "allows; nothing written%s%s",
                       (unsigned long long)f->total_rejected, (unsigned long long)f->total_rows,
                       100.0 * (double)f->total_rejected / (double)f->total_rows, o->max_rate,
                       o->rejects ? ", see " : " (--rejects FILE lists them)",
                       o->rejects ? o->rejects : "");
    }
}

int attrib_cmd_import(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    attrib_par *p = ctx->par;
    import_args o;
    memset(&o, 0, sizeof o);
    int rc = parse_args(argc, argv, &o);
    if (rc == 0 && o.help) {
        if (p->rank == 0)
            fputs(attrib_usage_import, stdout);
        args_free(&o);
        return 0;
    }
    attrib_import_spec spec;
    memset(&spec, 0, sizeof spec);
    attrib_key_source src = ATTRIB_KEY_DEFAULT;
    if (rc == 0)
        rc = attrib_import_key_choose(p, o.hash_key, o.hash_key_file, &spec.key, &src);
    if (rc < 0) {
        args_free(&o);
        return attrib_cmd_fail(ctx, rc, 0);
    }
    if (p->rank == 0 && attrib_hash_key_is_default(&spec.key))
        fprintf(stderr, "attrib: import: warning: identities are hashed with the public default "
                        "key: anyone holding a list of e-mail addresses can test which are in "
                        "%s; set a site key (--hash-key-file, see 'attrib import --help')\n",
                o.out);

    attrib_output *out = NULL, *rej = NULL;
    rc = attrib_output_begin(p, o.out, o.all, &out);
    if (rc == 0 && o.rejects)
        rc = attrib_output_begin(p, o.rejects, o.all, &rej);
    if (rc < 0) {
        attrib_output_finish(p, out, rc);
        args_free(&o);
        return attrib_cmd_fail(ctx, rc, 0);
    }
    p->progress = !o.quiet;
    for (int k = 0; k < ATTRIB_CSV_NKINDS; k++) {
        spec.paths[k] = o.paths[k];
        spec.npaths[k] = o.npaths[k];
    }
    spec.store_tmp = attrib_output_tmp(out);
    spec.store_name = o.out;
    spec.rejects_tmp = rej ? attrib_output_tmp(rej) : NULL;
    spec.max_reject_rate = o.max_rate;
    spec.ts_unit = o.ts_unit;
    spec.partition = !o.no_partition;
    attrib_import_figures fig;
    rc = attrib_import_run(p, &spec, &fig);
    if (rc < 0)
        explain_failure(&o, &fig);
    /* The rejects file is kept when it is complete, even when the import failed on the
     * reject rate: it says why. */
    const int rrc = attrib_output_finish(p, rej, fig.rejects_written ? 0 : rc);
    if (rc == 0)
        rc = rrc;
    rc = attrib_output_finish(p, out, rc);
    args_free(&o);
    return attrib_cmd_fail(ctx, rc, 0);
}

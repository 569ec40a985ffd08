/* attrib export FILE TABLE [-o OUT.csv] [--iso]: one table of an attrib HDF5 file as
 * CSV. A command without MPI; the work is attrib_export_table (src/io/export.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "attrib/err.h"
#include "attrib/export.h"
#include "attrib/output.h"
#include "attrib/table.h"

const char attrib_usage_export[] =
    "usage: attrib export FILE TABLE [-o OUT.csv] [--iso]\n"
    "\n"
    "Write one table of an attrib HDF5 file (input or results) as CSV with a header line.\n"
    "\n"
    "TABLE is the table's HDF5 path, with or without the leading slash: events,\n"
    "conversions, campaigns, links (an input with an identity graph), credits,\n"
    "unattributed, report/campaign, report/daily, report/daily_touch, report/advertiser,\n"
    "report/identity, explain/conversion, labels, report/paths, report/markov,\n"
    "report/shapley, report/models (the last six when the run wrote them).\n"
    "\n"
    "  -o, --output OUT  write to OUT (through OUT.tmp, renamed when complete)\n"
    "                    instead of standard output\n"
    "      --iso         print timestamps (ts, conv_ts, touch_ts) as ISO 8601 UTC\n"
    "                    (2026-10-01T12:00:00.000Z) instead of integer milliseconds\n"
    "  -h, --help        show this help\n"
    "\n"
    "Columns are in schema order. Integers in decimal (identity as the unsigned 64-bit\n"
    "hash); floats with 17 significant digits (%.17g, exact round trip), NaN as NaN,\n"
    "infinities as inf and -inf; enumerations and conversion types as names; strings\n"
    "quoted per RFC 4180 when they contain a comma, a double quote, CR or LF.\n"
    "\n"
    "Exit codes: 0 success, 2 usage error, missing file or table, or bad input file.\n";

static int export_to(const char *file, const attrib_schema *s, int iso, const char *outpath)
{
    if (!outpath) {
        int rc = attrib_export_table(file, s, iso, stdout, "standard output");
        if (fflush(stdout) != 0 && rc == 0)
            rc = attrib_err_write("standard output", errno);
        return rc;
    }
    const char *inputs[] = {file, NULL};
    attrib_output *o = NULL;
    ATTRIB_TRY(attrib_output_begin(NULL, outpath, inputs, &o));
    FILE *out = fopen(attrib_output_tmp(o), "wb");
    int rc = out ? attrib_export_table(file, s, iso, out, outpath) : attrib_err_write(outpath, errno);
    if (out && fclose(out) != 0 && rc == 0)
        rc = attrib_err_write(outpath, errno);
    return attrib_output_finish(NULL, o, rc);
}

static const attrib_opt options[] = {ATTRIB_OPT_OUTPUT, {"iso", 0, 0, ATTRIB_OPT_ID_USER}, ATTRIB_OPT_END};

int attrib_cmd_export(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *outpath = NULL;
    int npos = 0, iso = 0, id;
    attrib_args a;
    attrib_args_init(&a, argc, argv);
    while ((id = attrib_args_next(&a, options)) != ATTRIB_ARGS_END) {
        if (id < 0 && id != ATTRIB_ARGS_POS && id != ATTRIB_ARGS_HELP)
            return attrib_cmd_fail(ctx, id, 0);
        if (id == ATTRIB_ARGS_HELP) {
            fputs(attrib_usage_export, stdout);
            return 0;
        } else if (id == ATTRIB_OPT_ID_OUTPUT) {
            outpath = a.val;
        } else if (id == ATTRIB_OPT_ID_USER) {
            iso = 1;
        } else if (npos < 2) {
            pos[npos++] = a.val;
        } else {
            return attrib_cmd_fail(ctx, attrib_err_set(ATTRIB_EUSAGE, "unexpected argument '%s'", a.val), 0);
        }
    }
    if (npos < 2)
        return attrib_cmd_fail(ctx, attrib_err_set(ATTRIB_EUSAGE, "%s", npos ? "missing TABLE" : "missing FILE and TABLE"), 0);
    if (outpath && !*outpath)
        return attrib_cmd_fail(ctx, attrib_err_set(ATTRIB_EUSAGE, "empty output file name"), 0);
    const attrib_schema *s = attrib_schema_find(pos[1]);
    if (!s) {
        char list[512] = "";
        for (size_t i = 0; attrib_schemas[i]; i++) {
            if (i)
                strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, attrib_schemas[i]->name, sizeof list - strlen(list) - 1);
        }
        return attrib_cmd_fail(ctx, attrib_err_set(ATTRIB_EUSAGE, "unknown table '%s' (tables: %s)", pos[1], list), 0);
    }
    return attrib_cmd_fail(ctx, export_to(pos[0], s, iso, outpath), 0);
}

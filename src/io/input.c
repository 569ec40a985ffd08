/* Opening an input file for a run (include/attrib/input.h). */
#include "attrib/input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/partition.h"

/* A results file has /credits or /report and no /events: say so, instead of "missing
 * /events". */
static int check_kind(attrib_h5file *f, const char *path)
{
    if (attrib_h5_exists(f, "events") > 0)
        return 0;
    if (attrib_h5_exists(f, "credits") > 0 || attrib_h5_exists(f, "report") > 0)
        return attrib_err_path(ATTRIB_EINPUT, path, "is a results file of 'attrib run'",
                               "give the input file that 'attrib import' or 'attrib gen' wrote");
    return 0; /* attrib_h5_table_rows names what is missing */
}

/* /partitions must index the tables as they are: ATTRIB_NPARTITIONS + 1 rows, from 0 to
 * the table's rows, never decreasing. (That each row lies in its partition is checked
 * as rows are read.) */
static int check_index(const char *path, const uint64_t *off, uint64_t rows, const char *table)
{
    const uint32_t NP = ATTRIB_NPARTITIONS;
    const char *fix = "re-import the store, or delete /partitions to read it unpartitioned";
    if (off[0] != 0 || off[NP] != rows)
        return attrib_err_set(ATTRIB_EINPUT,
                              "%s: /partitions/%s runs from %llu to %llu, but /%s has %llu rows: "
                              "%s",
                              path, table, (unsigned long long)off[0], (unsigned long long)off[NP],
                              table, (unsigned long long)rows, fix);
    for (uint32_t q = 0; q < NP; q++)
        if (off[q + 1] < off[q])
            return attrib_err_set(ATTRIB_EINPUT,
                                  "%s: dataset /partitions/%s row %u: %llu is below row %u's %llu: %s",
                                  path, table, q + 1, (unsigned long long)off[q + 1], q,
                                  (unsigned long long)off[q], fix);
    return 0;
}

static int read_partitions(attrib_input *in, const char *path)
{
    uint64_t n = 0;
    ATTRIB_TRY(attrib_h5_table_rows(in->f, &attrib_schema_partitions, &n));
    if (n != ATTRIB_NPARTITIONS + 1)
        return attrib_err_set(ATTRIB_EINPUT,
                              "%s: /partitions has %llu rows, not %d (one per logical partition "
                              "and one more): re-import the store, or delete /partitions to read "
                              "it unpartitioned",
                              path, (unsigned long long)n, ATTRIB_NPARTITIONS + 1);
    attrib_table t;
    ATTRIB_TRY(attrib_h5_read_table(in->f, &attrib_schema_partitions, 0, n, &t));
    in->ev_off = t.col[ATTRIB_PT_EVENTS];
    in->cv_off = t.col[ATTRIB_PT_CONVERSIONS];
    t.col[ATTRIB_PT_EVENTS] = t.col[ATTRIB_PT_CONVERSIONS] = NULL;
    attrib_table_free(&t);
    ATTRIB_TRY(check_index(path, in->ev_off, in->nevents, "events"));
    ATTRIB_TRY(check_index(path, in->cv_off, in->nconversions, "conversions"));
    in->partitioned = 1;
    return 0;
}

int attrib_input_open(const attrib_par *p, const char *path, attrib_rules *rules,
                      attrib_input **out)
{
    *out = NULL;
    attrib_input *in = attrib_xcalloc(1, sizeof *in);
    attrib_table_init(&in->catalog, &attrib_schema_campaigns, 1);
    in->path = strdup(path);
    if (!in->path)
        ATTRIB_DIE("out of memory");
    uint64_t ncat = 0;
    int rc = attrib_h5_register_zstd();
    if (!rc)
        rc = attrib_h5_open(p->comm, path, &in->f);
    rc = attrib_par_agree(p, rc);
    if (!rc)
        rc = check_kind(in->f, path);
    if (!rc)
        rc = attrib_h5_table_rows(in->f, &attrib_schema_events, &in->nevents);
    if (!rc)
        rc = attrib_h5_table_rows(in->f, &attrib_schema_conversions, &in->nconversions);
    if (!rc)
        rc = attrib_h5_table_rows(in->f, &attrib_schema_campaigns, &ncat);
    if (!rc && attrib_h5_exists(in->f, "links") > 0) { /* optional: import --links, gen --links */
        in->has_links = 1;
        rc = attrib_h5_table_rows(in->f, &attrib_schema_links, &in->nlinks);
    }
    if (!rc && attrib_h5_exists(in->f, "partitions") > 0) /* import writes it; gen does not */
        rc = read_partitions(in, path);
    if (!rc)
        rc = attrib_h5_read_strings(in->f, "conversions/type_names", &in->type_names, &in->ntypes);
    if (!rc)
        rc = attrib_h5_read_table(in->f, &attrib_schema_campaigns, 0, ncat, &in->catalog);
    if (!rc)
        rc = attrib_catalog_sort(&in->catalog, path);
    if (!rc && rules)
        rc = attrib_rules_bind(rules, &in->catalog, in->type_names, in->ntypes, &in->warnings);
    rc = attrib_par_agree(p, rc);
    if (rc) {
        attrib_input_close(in);
        return rc;
    }
    *out = in;
    return 0;
}

void attrib_input_print_warnings(const attrib_par *p, const attrib_input *in)
{
    if (p->rank != 0 || !in->warnings)
        return;
    for (const char *line = in->warnings; *line;) {
        const char *nl = strchr(line, '\n');
        const int len = nl ? (int)(nl - line) : (int)strlen(line);
        fprintf(stderr, "attrib: warning: %.*s\n", len, line);
        line += len + (nl != NULL);
    }
}

void attrib_input_close(attrib_input *in)
{
    if (!in)
        return;
    if (in->f)
        attrib_h5_close(in->f);
    attrib_table_free(&in->catalog);
    attrib_strlist_free(in->type_names, in->ntypes);
    free(in->warnings);
    free(in->path);
    free(in->ev_off);
    free(in->cv_off);
    free(in);
}

int attrib_input_idgraph(const attrib_par *p, const attrib_input *in, uint64_t max_component,
                         uint64_t budget, attrib_idgraph **g, attrib_idgraph_figures *fig)
{
    /* An even split: any split gives the same graph. */
    const uint64_t n = in->nlinks, P = (uint64_t)p->size, k = (uint64_t)p->rank;
    const uint64_t lo = n * k / P, hi = n * (k + 1) / P;
    attrib_table lk;
    ATTRIB_TRY(attrib_par_agree(p, attrib_h5_read_table(in->f, &attrib_schema_links, lo, hi - lo, &lk)));
    const int rc = attrib_idgraph_build(p, ATTRIB_COL(&lk, ATTRIB_LK_A, uint64_t),
                                        ATTRIB_COL(&lk, ATTRIB_LK_B, uint64_t), lk.n,
                                        max_component ? max_component : ATTRIB_IDGRAPH_MAX_COMPONENT,
                                        budget, g, fig);
    attrib_table_free(&lk);
    return attrib_par_agree(p, rc);
}

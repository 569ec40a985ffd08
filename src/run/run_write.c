/* attrib run — the write phase: /credits and /unattributed collectively (offsets by an
 * exclusive scan), /explain/conversion when asked, the report tables from rank 0, and
 * the root attributes of a results file (include/attrib/results.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "attrib/err.h"
#include "attrib/explain.h"
#include "attrib/par_coll.h"
#include "attrib/results.h"
#include "attrib/timeparse.h"
#include "run_impl.h"

static int write_distributed(const attrib_par *p, attrib_h5file *f, const attrib_table *t, int level)
{
    const uint64_t total = attrib_par_sum_u64(p, t->n);
    const uint64_t off = attrib_par_exscan_u64(p, t->n);
    return attrib_h5_write_table(f, t, off, total, level);
}

/* Rank 0 owns the report tables; the others need the same shape (rows, string widths)
 * to take part in the collective writes with no rows of their own. */
static int share_shape(const attrib_par *p, attrib_table *t, uint64_t *total)
{
    uint64_t shape[1 + ATTRIB_MAX_COLS];
    shape[0] = t->n;
    for (size_t c = 0; c < ATTRIB_MAX_COLS; c++)
        shape[1 + c] = c < t->schema->ncols ? t->strw[c] : 0;
    ATTRIB_TRY(attrib_par_agree(p, attrib_par_bcast_u64(p, shape, 1 + ATTRIB_MAX_COLS, 0)));
    *total = shape[0];
    if (p->rank != 0)
        for (size_t c = 0; c < t->schema->ncols; c++)
            if (t->schema->cols[c].type == ATTRIB_T_STR)
                attrib_table_set_strw(t, c, shape[1 + c]);
    return 0;
}

/* Rank 0, after the collective close: /report/paths into the closed file, its path a
 * variable-length string (parallel HDF5 cannot write those; a fixed width would be the
 * longest path times every row). */
static int write_paths(attrib_run *r, const char *path, const char *name, int level)
{
    attrib_table *t = &r->dd[0];
    const size_t n = r->prows ? attrib_pathrows_count(r->prows) : 0;
    const char **strs = attrib_xmalloc((n ? n : 1) * sizeof *strs);
    if (r->prows)
        attrib_pathrows_get_all(r->prows, t, strs);
    const int rc = attrib_h5_add_table_vlen(path, name, t, ATTRIB_RP_PATH, strs, level);
    free(strs);
    return rc;
}

/* "" for an open end of the period, else ISO 8601. */
static void iso_or_open(int64_t ms, int open, char *buf)
{
    if (open)
        buf[0] = '\0';
    else
        attrib_time_format_iso(ms, buf);
}

/* Peak resident set of this process so far, in bytes. */
static uint64_t peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_maxrss * 1024; /* Linux reports KiB */
}

/* The root attributes: the same values on every rank (rank 0's clock for the times). */
static int write_meta(attrib_run *r, attrib_h5file *f)
{
    const attrib_par *p = r->p;
    const attrib_run_opts *o = &r->o;
    char from[64], to[64], sum[64], ver[64];
    iso_or_open(o->from, o->from == INT64_MIN, from);
    iso_or_open(o->to, o->to == INT64_MAX, to);
    snprintf(sum, sizeof sum, "crc32:%08x size:%llu", r->in_crc, (unsigned long long)r->in_size);
    snprintf(ver, sizeof ver, "attrib %s", ATTRIB_VERSION);
    double secs[ATTRIB_RUN_NPHASES];
    for (size_t i = 0; i < ATTRIB_RUN_NPHASES; i++)
        secs[i] = attrib_par_bcast_f64(p, r->fig.seconds[i], 0);
    r->fig.peak_rss_max = attrib_par_max_u64(p, peak_rss());
    attrib_results_meta m = {
        .ranks = p->size,
        .nphases = ATTRIB_RUN_NPHASES,
        .phase_names = attrib_run_phase_names,
        .phase_seconds = secs,
        .seconds_total = attrib_par_bcast_f64(p, attrib_par_wtime() - r->fig.t_start, 0),
        .peak_rss_mib = (double)r->fig.peak_rss_max / 1048576.0,
    };
    m.attr[ATTRIB_RES_PERIOD_FROM] = from;
    m.attr[ATTRIB_RES_PERIOD_TO] = to;
    m.attr[ATTRIB_RES_MODEL] = o->model_name ? o->model_name : "per rules";
    m.attr[ATTRIB_RES_RULES_FILE] = o->rules;
    m.attr[ATTRIB_RES_INPUT_FILE] = o->input;
    m.attr[ATTRIB_RES_INPUT_CHECKSUM] = sum;
    m.attr[ATTRIB_RES_SOFTWARE_VERSION] = ver;
    m.attr[ATTRIB_RES_RULES] = r->rules_text;
    m.attr[ATTRIB_RES_IDENTITY_HASH] = r->identity_hash;
    ATTRIB_TRY(attrib_results_write_meta(f, &m));
    ATTRIB_TRY(attrib_h5_set_attr_i64(f, ATTRIB_RES_ATTR_STITCHED, r->fig.stitched));
    return attrib_h5_set_attr_i64(f, ATTRIB_RES_ATTR_MAX_COMPONENT, (int64_t)r->fig.max_component);
}

/* /report/identity: one row, the stitching figures (zeros when not stitched). Every rank
 * has them; rank 0 writes the row. */
static int write_identity(attrib_run *r, attrib_h5file *f, int level)
{
    attrib_table t;
    attrib_table_init(&t, &attrib_schema_report_identity, 1);
    if (r->p->rank == 0) {
        const attrib_idgraph_figures *g = &r->fig.idg;
        const uint64_t v[ATTRIB_RI_NCOLS] = {
            [ATTRIB_RI_LINKS] = g->links,
            [ATTRIB_RI_VERTICES] = g->vertices,
            [ATTRIB_RI_COMPONENTS] = g->components,
            [ATTRIB_RI_MERGED_COMPONENTS] = g->merged_components,
            [ATTRIB_RI_IDENTITIES_MERGED] = g->identities_merged,
            [ATTRIB_RI_OVERSIZE_COMPONENTS] = g->oversize_components,
            [ATTRIB_RI_OVERSIZE_IDENTITIES] = g->oversize_identities,
            [ATTRIB_RI_LARGEST_COMPONENT] = g->largest_component};
        attrib_table_reserve(&t, 1);
        for (size_t c = 0; c < ATTRIB_RI_NCOLS; c++)
            ATTRIB_COL(&t, c, uint64_t)[0] = v[c];
        t.n = 1;
    }
    const int rc = attrib_h5_write_table(f, &t, 0, 1, level);
    attrib_table_free(&t);
    return rc;
}

int attrib_run_write(attrib_run *r, const char *path, const char *name)
{
    const attrib_par *p = r->p;
    const int level = r->o.level;
    const double t = attrib_par_wtime();
    attrib_h5file *out = NULL;
    int rc = attrib_h5_create(p->comm, path, &out);
    ATTRIB_TRY(attrib_par_agree(p, rc));
    if (name)
        attrib_h5_set_name(out, name);
    rc = write_distributed(p, out, &r->credits, level);
    run_test_crash(p, "write"); /* the file exists, half written */
    if (!rc)
        rc = write_distributed(p, out, &r->unattr, level);
    if (!rc && r->o.explain)
        rc = attrib_explain_write(p, out, &r->xconv, level);
    if (!rc && r->o.labels)
        rc = write_distributed(p, out, &r->labels, level);
    for (size_t i = 0; i < 4 && !rc; i++) {
        uint64_t total;
        rc = share_shape(p, &r->rep[i], &total);
        if (!rc)
            rc = attrib_h5_write_table(out, &r->rep[i], 0, total, level);
    }
    if (!rc)
        rc = write_identity(r, out, level);
    /* report/markov, shapley when data-driven (paths below); report/models with --compare */
    for (size_t i = 1; i < (r->o.ncompare ? 4u : 3u) && !rc && r->fig.datadriven; i++) {
        uint64_t total;
        rc = share_shape(p, &r->dd[i], &total);
        if (!rc)
            rc = attrib_h5_write_table(out, &r->dd[i], 0, total, level);
    }
    r->fig.seconds[ATTRIB_RUN_WRITE] = attrib_par_wtime() - t;
    if (!rc)
        rc = write_meta(r, out);
    const int crc = attrib_h5_close(out);
    rc = attrib_par_agree(p, rc ? rc : crc);
    if (rc || !r->fig.datadriven)
        return rc;
    return attrib_par_agree(p, p->rank == 0 ? write_paths(r, path, name, level) : 0);
}

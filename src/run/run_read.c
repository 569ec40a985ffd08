/* attrib run — the read phase: open and validate the input, check the memory budget,
 * and read the identity column of this rank's slab of /events and /conversions (a range
 * of whole file chunks); the plan counts them per logical partition once the stitch
 * phase (run_stitch.c) has replaced each by its person. The other columns are read wave
 * by wave during the exchange (run_exchange.c).
 *
 * Memory per rank: the identity columns (8 bytes per slab row), instead of whole input
 * columns plus their exchanged and sorted copies. Every order here is fixed by the plan
 * and the input; the engine's result depends only on the set of rows it is fed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/checksum.h"
#include "attrib/err.h"
#include "attrib/par_coll.h"
#include "run_impl.h"

#define RUN_CHUNK_ROWS ((uint64_t)1 << 20) /* rows per round: the large files' chunk size */

/* The identity column alone of each input table; the column spec is copied from the full
 * schema, so name and type cannot drift. */
static attrib_schema ev_ids, cv_ids;

static void id_schema(attrib_schema *out, const attrib_schema *full, int col)
{
    memset(out, 0, sizeof *out);
    out->name = full->name;
    out->ncols = 1;
    out->cols[0] = full->cols[col];
}

/* Rank r's slab of n rows: whole file chunks of `unit` rows, split as evenly as chunks
 * go (the exchange rebalances rows anyway), so no chunk is decompressed twice. */
static void slab_of(uint64_t n, uint64_t unit, int rank, int size, uint64_t *lo, uint64_t *hi)
{
    const uint64_t nch = (n + unit - 1) / unit;
    const uint64_t a = nch * (uint64_t)rank / (uint64_t)size;
    const uint64_t b = nch * (uint64_t)(rank + 1) / (uint64_t)size;
    *lo = a * unit < n ? a * unit : n;
    *hi = b * unit < n ? b * unit : n;
}

/* Rows per read round of a table chunked by `unit`: whole chunks up to `target` rows
 * (at least one chunk unless target is smaller: then sub-chunk reads). */
static uint64_t round_of(uint64_t unit, uint64_t target)
{
    return unit <= target ? target / unit * unit : target;
}

/* Rounds of the largest slab: the same number on every rank. */
static uint64_t rounds_of(uint64_t n, uint64_t unit, int size, uint64_t round)
{
    const uint64_t nch = (n + unit - 1) / unit;
    const uint64_t rows = ((nch + (uint64_t)size - 1) / (uint64_t)size) * unit;
    return (rows + round - 1) / round;
}

/* The file's chunk rows of a column (RUN_CHUNK_ROWS when it is not chunked). */
static uint64_t unit_of(attrib_h5file *in, const char *path)
{
    uint64_t u = 0;
    if (attrib_h5_chunk_rows_of(in, path, &u) != 0 || u == 0)
        u = RUN_CHUNK_ROWS;
    return u;
}

static int read_ids(attrib_h5file *in, const attrib_schema *s, uint64_t lo, uint64_t hi,
                    uint64_t **out)
{
    attrib_table t;
    int rc = attrib_h5_read_table(in, s, lo, hi - lo, &t);
    if (rc)
        return rc;
    *out = t.col[0]; /* take the column over */
    t.col[0] = NULL;
    attrib_table_free(&t);
    if (!*out)
        *out = attrib_xmalloc(sizeof **out);
    return 0;
}

int run_read_identities(const attrib_par *p, attrib_h5file *in, const char *path,
                        size_t ntypes, uint64_t nev, uint64_t ncv, uint64_t round_rows,
                        run_input *ri)
{
    memset(ri, 0, sizeof *ri);
    id_schema(&ev_ids, &attrib_schema_events, ATTRIB_EV_IDENTITY);
    id_schema(&cv_ids, &attrib_schema_conversions, ATTRIB_CV_IDENTITY);
    ri->in = in;
    ri->path = path;
    ri->ntypes = ntypes;
    ri->nev = nev;
    ri->ncv = ncv;
    /* Rounds: whole file chunks up to 2^20 rows (or the budget's round size), and small
     * enough that every count and displacement of the exchange fits an int. */
    uint64_t rr = round_rows ? round_rows : RUN_CHUNK_ROWS;
    const uint64_t cap = (uint64_t)INT_MAX / (uint64_t)p->size;
    rr = rr < cap ? rr : cap;
    const uint64_t eu = unit_of(in, "events/identity"), cu = unit_of(in, "conversions/identity");
    ri->ev_unit = eu;
    ri->cv_unit = cu;
    ri->ev_round = round_of(eu, rr);
    ri->cv_round = round_of(cu, rr);
    ri->round_rows = ri->ev_round > ri->cv_round ? ri->ev_round : ri->cv_round;
    slab_of(nev, eu, p->rank, p->size, &ri->e0, &ri->e1);
    slab_of(ncv, cu, p->rank, p->size, &ri->c0, &ri->c1);
    ri->ev_rounds = rounds_of(nev, eu, p->size, ri->ev_round);
    ri->cv_rounds = rounds_of(ncv, cu, p->size, ri->cv_round);
    int rc = read_ids(in, &ev_ids, ri->e0, ri->e1, &ri->eid);
    if (!rc)
        rc = read_ids(in, &cv_ids, ri->c0, ri->c1, &ri->cid);
    return attrib_par_agree(p, rc);
}

int run_read_index(const attrib_par *p, const attrib_input *in, uint64_t round_rows, run_input *ri)
{
    memset(ri, 0, sizeof *ri);
    ri->in = in->f;
    ri->path = in->path;
    ri->ntypes = in->ntypes;
    ri->nev = in->nevents;
    ri->ncv = in->nconversions;
    ri->direct = 1;
    ri->ev_off = in->ev_off;
    ri->cv_off = in->cv_off;
    uint64_t rr = round_rows ? round_rows : RUN_CHUNK_ROWS;
    const uint64_t cap = (uint64_t)INT_MAX / (uint64_t)p->size;
    rr = rr < cap ? rr : cap;
    ri->ev_unit = unit_of(in->f, "events/identity");
    ri->cv_unit = unit_of(in->f, "conversions/identity");
    ri->ev_round = round_of(ri->ev_unit, rr);
    ri->cv_round = round_of(ri->cv_unit, rr);
    ri->round_rows = ri->ev_round > ri->cv_round ? ri->ev_round : ri->cv_round;
    ri->ev_hist = attrib_xmalloc(ATTRIB_NPARTITIONS * sizeof *ri->ev_hist);
    ri->cv_hist = attrib_xmalloc(ATTRIB_NPARTITIONS * sizeof *ri->cv_hist);
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++) {
        ri->ev_hist[q] = in->ev_off[q + 1] - in->ev_off[q];
        ri->cv_hist[q] = in->cv_off[q + 1] - in->cv_off[q];
    }
    return attrib_par_agree(p, 0);
}

int run_count_partitions(const attrib_par *p, run_input *ri)
{
    /* Global rows per partition and table: the exact size of every rank's stores. */
    ri->ev_hist = attrib_xcalloc(ATTRIB_NPARTITIONS, sizeof *ri->ev_hist);
    ri->cv_hist = attrib_xcalloc(ATTRIB_NPARTITIONS, sizeof *ri->cv_hist);
    for (uint64_t i = 0; i < ri->e1 - ri->e0; i++)
        ri->ev_hist[attrib_partition_of(ri->eid[i])]++;
    for (uint64_t i = 0; i < ri->c1 - ri->c0; i++)
        ri->cv_hist[attrib_partition_of(ri->cid[i])]++;
    ri->local_rows = attrib_xmalloc(ATTRIB_NPARTITIONS * sizeof *ri->local_rows);
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        ri->local_rows[q] = ri->ev_hist[q] + ri->cv_hist[q];
    int rc = attrib_par_sum_u64_array(p, ri->ev_hist, ATTRIB_NPARTITIONS);
    if (!rc)
        rc = attrib_par_sum_u64_array(p, ri->cv_hist, ATTRIB_NPARTITIONS);
    return attrib_par_agree(p, rc);
}

void run_input_free(run_input *ri)
{
    free(ri->eid);
    free(ri->cid);
    free(ri->ev_hist);
    free(ri->cv_hist);
    free(ri->local_rows);
    memset(ri, 0, sizeof *ri);
}

int attrib_run_read(attrib_run *r)
{
    const attrib_par *p = r->p;
    const double t = attrib_par_wtime();
    ATTRIB_TRY(attrib_input_open(p, r->o.input, r->rules, &r->in));
    r->fig.input = r->in;
    r->fig.nevents = r->in->nevents;
    r->fig.nconversions = r->in->nconversions;
    /* How identities were hashed (a keyed hash, or the public key): recorded in the
     * results. Older inputs lack it. */
    if (attrib_h5_get_attr_str(r->in->f, "identity_hash", &r->identity_hash) != 0) {
        r->identity_hash = NULL;
        attrib_err_clear();
    }
    /* A partitioned store is read where it lies, unless stitching moves identities to
     * other partitions: then the identity columns are read and the rows exchanged. */
    const int direct = r->in->partitioned && !(r->in->has_links && !r->o.no_stitch);
    uint64_t round_rows = 0;
    const uint64_t held = (direct ? 0 : (r->in->nevents + r->in->nconversions) * 8) +
                          (r->o.labels ? r->in->nevents * ATTRIB_RUN_LABEL_BYTES : 0);
    ATTRIB_TRY(attrib_run_check_budget_held(r->o.memory_per_rank, held, p->size, &round_rows));
    run_test_crash(p, "read");
    r->fig.direct = direct;
    if (direct)
        ATTRIB_TRY(run_read_index(p, r->in, round_rows, &r->ri));
    else
        ATTRIB_TRY(run_read_identities(p, r->in->f, r->o.input, r->in->ntypes, r->in->nevents,
                                       r->in->nconversions, round_rows, &r->ri));
    ATTRIB_TRY(attrib_file_crc32(p, r->o.input, &r->in_crc, &r->in_size));
    r->fig.seconds[ATTRIB_RUN_READ] = attrib_par_wtime() - t;
    return 0;
}

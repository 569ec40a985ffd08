/* Synthetic data written as HDF5 or CSV (include/attrib/gen_write.h). Rows come from
 * the pure generator (src/core/gen.c): identity i's rows are a function of (seed, i)
 * only, so any split of the identities among ranks gives the same tables. */
#include "attrib/gen_write.h"
#include "attrib/par_coll.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attrib/err.h"
#include "attrib/h5io.h"
#include "attrib/hash.h"
#include "attrib/import.h"
#include "attrib/partition.h"
#include "attrib/records.h"
#include "attrib/table.h"
#include "attrib/timeparse.h"

/* ---- the plan: identity ranges and where their rows go ---- */

/* Batches cover global rows [k·B, (k+1)·B) cut to the rank's rows, so that with B equal
 * to the HDF5 chunk size (both 1 Mi rows by default) a compressed chunk is written
 * whole, once, except where two ranks' rows meet. */
static uint64_t aligned_batches(uint64_t lo, uint64_t n, uint64_t batch)
{
    return n ? (lo + n + batch - 1) / batch - lo / batch : 0;
}

void attrib_gen_plan_build(const attrib_par *p, attrib_gen *g, uint64_t batch,
                           attrib_gen_plan *pl)
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

/* The source_files attribute: the command that makes the same data. */
static void describe(const attrib_gen *g, const attrib_gen_spec *s, char *buf, size_t n)
{
    const attrib_gen_params *gp = attrib_gen_params_of(g);
    snprintf(buf, n,
             "attrib gen --events %llu --conversions %llu --identities %llu --advertisers %u "
             "--campaigns %u --from %s --days %u --lookback-days %u --seed %llu",
             (unsigned long long)gp->events, (unsigned long long)gp->conversions,
             (unsigned long long)gp->identities, gp->advertisers, gp->campaigns, s->from, gp->days,
             gp->lookback_days, (unsigned long long)gp->seed);
    if (attrib_gen_has_links(g)) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, " --devices-per-person %u --hubs %u --hub-persons %llu",
                 gp->devices, gp->hubs, (unsigned long long)gp->hub_persons);
    }
}

/* This rank's persons' links, as identity codes (CSV) or hashes (HDF5) in `t`. */
static void person_links(const attrib_gen *g, const attrib_gen_plan *pl, int hashed,
                         attrib_table *t)
{
    uint64_t a[ATTRIB_GEN_MAX_PERSON_LINKS], b[ATTRIB_GEN_MAX_PERSON_LINKS];
    for (uint64_t id = pl->id_lo; id < pl->id_hi; id++) {
        size_t n = attrib_gen_person_links(g, id, a, b);
        if (t->n + n > t->cap)
            attrib_table_reserve(t, 2 * (t->n + n) + 1024);
        uint64_t *ca = ATTRIB_COL(t, ATTRIB_LK_A, uint64_t);
        uint64_t *cb = ATTRIB_COL(t, ATTRIB_LK_B, uint64_t);
        for (size_t k = 0; k < n; k++) {
            ca[t->n + k] = hashed ? attrib_gen_code_hash(g, a[k]) : a[k];
            cb[t->n + k] = hashed ? attrib_gen_code_hash(g, b[k]) : b[k];
        }
        t->n += n;
    }
}

static int write_h5_links(attrib_par *p, attrib_h5file *f, const attrib_gen *g,
                          const attrib_gen_plan *pl, const attrib_gen_spec *o,
                          attrib_gen_figures *fig)
{
    attrib_progress_begin(p, "gen links");
    attrib_table t;
    attrib_table_init(&t, &attrib_schema_links, 1);
    person_links(g, pl, 1, &t);
    attrib_links_figures lf;
    int rc = attrib_par_agree(p, attrib_links_canonical(p, &t, &lf));
    if (rc == 0) {
        const uint64_t off = attrib_par_exscan_u64(p, t.n);
        rc = attrib_par_agree(p, attrib_h5_write_table(f, &t, off, lf.kept, o->level));
    }
    attrib_table_free(&t);
    fig->links = lf.kept;
    fig->links_bytes = 16 * lf.kept;
    char extra[96];
    snprintf(extra, sizeof extra, "%llu self, %llu repeats dropped", (unsigned long long)lf.self,
             (unsigned long long)lf.repeats);
    attrib_progress_end(p, "gen links", lf.kept, 16 * lf.kept, extra);
    return rc;
}

/* ---- HDF5 output ---- */

static int write_h5_table(attrib_par *p, attrib_h5file *f, attrib_gen *g, const attrib_gen_plan *pl,
                          int which, const attrib_gen_spec *o, attrib_gen_figures *fig)
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
    fig->rows[which] = total;
    fig->bytes[which] = total * rowbytes;
    attrib_progress_end(p, phase, total, total * rowbytes, NULL);
    return rc;
}

/* ---- HDF5 output, partitioned (gen --partitioned): the layout import writes ----
 *
 * Every rank computes the weight prefix and the partition of every identity (a pass
 * over the identities, no rows), so it knows the rows of every partition, the index
 * /partitions and the contiguous range of partitions it writes (attrib_plan_ranges, as
 * import). It then generates the rows of its partitions identity by identity, a slice of
 * whole partitions (about `batch` rows) at a time, sorts each partition in the stored
 * order and writes the slice at its offset: the same tables, bit for bit, as `gen --csv`
 * followed by `attrib import`, and memory bounded by the slice. */
typedef struct gen_parts {
    uint64_t nid;
    attrib_u128 *pe, *pc;  /* weight prefixes of identities 0..nid */
    uint64_t *hist[2];     /* rows per partition: events, conversions */
    uint64_t *off[2];      /* first row of each partition (NP + 1) */
    int *owner;            /* partition -> rank */
    uint32_t *ids;         /* this rank's identities, by partition, then hash */
    uint32_t *first;       /* per partition: its first entry in ids (NP + 1) */
} gen_parts;

typedef struct id_hash {
    uint64_t hash;
    uint32_t id;
} id_hash;

static int cmp_id_hash(const void *a, const void *b)
{
    const id_hash *x = a, *y = b;
    return x->hash != y->hash ? (x->hash < y->hash ? -1 : 1) : (x->id > y->id) - (x->id < y->id);
}

static void gen_parts_build(const attrib_par *p, const attrib_gen *g, gen_parts *gp)
{
    const uint32_t NP = ATTRIB_NPARTITIONS;
    const uint64_t I = attrib_gen_params_of(g)->identities;
    memset(gp, 0, sizeof *gp);
    gp->nid = I;
    gp->pe = attrib_xmalloc((size_t)(I + 1) * sizeof *gp->pe);
    gp->pc = attrib_xmalloc((size_t)(I + 1) * sizeof *gp->pc);
    uint16_t *part = attrib_xmalloc((size_t)(I ? I : 1) * sizeof *part);
    uint64_t *hash = attrib_xmalloc((size_t)(I ? I : 1) * sizeof *hash);
    gp->pe[0] = gp->pc[0] = 0;
    for (uint64_t i = 0; i < I; i++) {
        attrib_u128 we, wc;
        attrib_gen_weight_sum(g, i, i + 1, &we, &wc);
        gp->pe[i + 1] = gp->pe[i] + we;
        gp->pc[i + 1] = gp->pc[i] + wc;
        hash[i] = attrib_gen_code_hash(g, i);
        part[i] = (uint16_t)attrib_partition_of(hash[i]);
    }
    for (int k = 0; k < 2; k++) {
        gp->hist[k] = attrib_xcalloc(NP, sizeof *gp->hist[k]);
        gp->off[k] = attrib_xcalloc(NP + 1, sizeof *gp->off[k]);
    }
    for (uint64_t i = 0; i < I; i++)
        for (int k = 0; k < 2; k++) {
            const attrib_u128 *w = k ? gp->pc : gp->pe;
            gp->hist[k][part[i]] += attrib_gen_row_of(g, k, w[i + 1]) - attrib_gen_row_of(g, k, w[i]);
        }
    uint64_t *rows = attrib_xmalloc(NP * sizeof *rows);
    for (uint32_t q = 0; q < NP; q++) {
        rows[q] = gp->hist[0][q] + gp->hist[1][q];
        for (int k = 0; k < 2; k++)
            gp->off[k][q + 1] = gp->off[k][q] + gp->hist[k][q];
    }
    gp->owner = attrib_xmalloc(NP * sizeof *gp->owner);
    attrib_plan_ranges(rows, NP, p->size, gp->owner);
    free(rows);
    /* This rank's identities, grouped by partition (counting sort), by hash inside. */
    gp->first = attrib_xcalloc(NP + 1, sizeof *gp->first);
    size_t n = 0;
    for (uint64_t i = 0; i < I; i++)
        if (gp->owner[part[i]] == p->rank) {
            gp->first[part[i] + 1]++;
            n++;
        }
    for (uint32_t q = 0; q < NP; q++)
        gp->first[q + 1] += gp->first[q];
    id_hash *tmp = attrib_xmalloc((n ? n : 1) * sizeof *tmp);
    uint32_t *at = attrib_xmalloc(NP * sizeof *at);
    memcpy(at, gp->first, NP * sizeof *at);
    for (uint64_t i = 0; i < I; i++)
        if (gp->owner[part[i]] == p->rank)
            tmp[at[part[i]]++] = (id_hash){hash[i], (uint32_t)i};
    gp->ids = attrib_xmalloc((n ? n : 1) * sizeof *gp->ids);
    for (uint32_t q = 0; q < NP; q++) {
        qsort(tmp + gp->first[q], gp->first[q + 1] - gp->first[q], sizeof *tmp, cmp_id_hash);
        for (uint32_t k = gp->first[q]; k < gp->first[q + 1]; k++)
            gp->ids[k] = tmp[k].id;
    }
    free(at);
    free(tmp);
    free(hash);
    free(part);
}

static void gen_parts_free(gen_parts *gp)
{
    free(gp->pe);
    free(gp->pc);
    for (int k = 0; k < 2; k++) {
        free(gp->hist[k]);
        free(gp->off[k]);
    }
    free(gp->owner);
    free(gp->ids);
    free(gp->first);
}

/* Slices of this rank's partitions [qa, qb): whole partitions, about `batch` rows of
 * table k each; the start of each in *cut (n + 1 entries), returns n. */
static size_t slices_of(const gen_parts *gp, int k, uint32_t qa, uint32_t qb, uint64_t batch,
                        uint32_t **cut)
{
    uint32_t *c = attrib_xmalloc(((size_t)(qb - qa) + 2) * sizeof *c);
    size_t n = 0;
    uint64_t rows = 0;
    c[0] = qa;
    for (uint32_t q = qa; q < qb; q++) {
        rows += gp->hist[k][q];
        if (rows >= batch || q + 1 == qb) {
            c[++n] = q + 1;
            rows = 0;
        }
    }
    *cut = c;
    return n;
}

static int write_h5_partitioned(attrib_par *p, attrib_h5file *f, attrib_gen *g, const gen_parts *gp,
                                int which, const attrib_gen_spec *o, attrib_gen_figures *fig)
{
    const int ev = which == ATTRIB_GEN_EVENTS;
    const attrib_schema *s = ev ? &attrib_schema_events : &attrib_schema_conversions;
    const uint64_t total = gp->off[which][ATTRIB_NPARTITIONS];
    const char *phase = ev ? "gen events" : "gen convs";
    attrib_progress_begin(p, phase);
    ATTRIB_TRY(attrib_h5_table_create(f, s, total, NULL, o->level));
    uint32_t qa = ATTRIB_NPARTITIONS, qb = 0;
    for (uint32_t q = 0; q < ATTRIB_NPARTITIONS; q++)
        if (gp->owner[q] == p->rank) {
            qa = q < qa ? q : qa;
            qb = q + 1;
        }
    if (qb == 0)
        qa = 0;
    uint32_t *cut;
    const size_t ns = slices_of(gp, which, qa, qb, o->batch, &cut);
    const uint64_t nsl = attrib_par_max_u64(p, ns);
    uint64_t biggest = 0;
    for (uint32_t q = qa; q < qb; q++)
        biggest = gp->hist[which][q] > biggest ? gp->hist[which][q] : biggest;
    const size_t rs = ev ? sizeof(attrib_ev_rec) : sizeof(attrib_cv_rec);
    char *rec = attrib_xmalloc((size_t)(biggest ? biggest : 1) * rs);
    char *tmp = attrib_xmalloc((size_t)(biggest ? biggest : 1) * rs);
    int32_t *zero = attrib_xcalloc((size_t)(biggest ? biggest : 1), sizeof *zero);
    attrib_table t, one;
    attrib_table_init(&t, s, 1);
    attrib_table_init(&one, s, 1);
    int rc = 0;
    for (uint64_t k = 0; k < nsl && rc == 0; k++) {
        t.n = 0;
        const uint32_t a = k < ns ? cut[k] : qb, b = k < ns ? cut[k + 1] : qb;
        for (uint32_t q = a; q < b; q++) {
            size_t n = 0;
            for (uint32_t e = gp->first[q]; e < gp->first[q + 1]; e++) { /* identity by identity */
                const uint32_t i = gp->ids[e];
                attrib_gen_cursor c;
                attrib_gen_cursor_init(&c, g, which, i, (uint64_t)i + 1, gp->pe[i], gp->pc[i]);
                one.n = 0;
                while (attrib_gen_cursor_fill(&c, &one, 1 << 16, NULL) > 0) {
                }
                if (n + one.n > gp->hist[which][q])
                    attrib_par_die(p, "gen: partition %u has more rows than planned", q);
                uint64_t cursor = n;
                if (ev) {
                    attrib_ev_cols cc = {one.col[ATTRIB_EV_IDENTITY], one.col[ATTRIB_EV_EVENT_ID],
                                         one.col[ATTRIB_EV_TS], one.col[ATTRIB_EV_CAMPAIGN_ID],
                                         one.col[ATTRIB_EV_KIND], one.col[ATTRIB_EV_COST]};
                    attrib_pack_events(&cc, one.n, zero, &cursor, (attrib_ev_rec *)rec);
                } else {
                    attrib_cv_cols cc = {one.col[ATTRIB_CV_IDENTITY], one.col[ATTRIB_CV_CONVERSION_ID],
                                         one.col[ATTRIB_CV_TS], one.col[ATTRIB_CV_ADVERTISER_ID],
                                         one.col[ATTRIB_CV_TYPE], one.col[ATTRIB_CV_VALUE]};
                    attrib_pack_conversions(&cc, one.n, zero, &cursor, (attrib_cv_rec *)rec);
                }
                n += one.n;
            }
            if (n != gp->hist[which][q])
                attrib_par_die(p, "gen: partition %u: %zu rows, %llu planned", q, n,
                               (unsigned long long)gp->hist[which][q]);
            const size_t at = t.n;
            attrib_table_resize(&t, at + n);
            if (ev) {
                attrib_sort_stored_events((attrib_ev_rec *)rec, n, (attrib_ev_rec *)tmp);
                attrib_unpack_events((const attrib_ev_rec *)rec, n, &t, at);
            } else {
                attrib_sort_stored_conversions((attrib_cv_rec *)rec, n, (attrib_cv_rec *)tmp);
                attrib_unpack_conversions((const attrib_cv_rec *)rec, n, &t, at);
            }
        }
        rc = attrib_h5_table_write_block(f, &t, gp->off[which][a]);
    }
    attrib_table_free(&t);
    attrib_table_free(&one);
    free(rec);
    free(tmp);
    free(zero);
    free(cut);
    size_t rowbytes = 0;
    for (size_t c = 0; c < s->ncols; c++)
        rowbytes += attrib_type_size(s->cols[c].type);
    fig->rows[which] = total;
    fig->bytes[which] = total * rowbytes;
    attrib_progress_end(p, phase, total, total * rowbytes, "partitioned");
    return rc;
}

static int write_h5_index(attrib_par *p, attrib_h5file *f, const gen_parts *gp, int level)
{
    attrib_table t;
    attrib_table_init(&t, &attrib_schema_partitions, 1);
    if (p->rank == 0) {
        attrib_table_resize(&t, ATTRIB_NPARTITIONS + 1);
        memcpy(t.col[ATTRIB_PT_EVENTS], gp->off[0], (ATTRIB_NPARTITIONS + 1) * sizeof(uint64_t));
        memcpy(t.col[ATTRIB_PT_CONVERSIONS], gp->off[1], (ATTRIB_NPARTITIONS + 1) * sizeof(uint64_t));
    }
    const int rc = attrib_h5_write_table(f, &t, 0, ATTRIB_NPARTITIONS + 1, level);
    attrib_table_free(&t);
    return attrib_par_agree(p, rc);
}

static int write_h5(attrib_par *p, attrib_gen *g, const attrib_gen_plan *pl,
                    const attrib_gen_spec *o, attrib_gen_figures *fig)
{
    char desc[1024], now_s[40], hashdesc[ATTRIB_HASH_DESC_MAX];
    int rc = attrib_par_agree(p, attrib_h5_register_zstd());
    if (rc < 0)
        return rc;
    attrib_h5file *f = NULL;
    ATTRIB_TRY(attrib_h5_create(p->comm, o->h5_tmp, &f));
    if (o->h5_name)
        attrib_h5_set_name(f, o->h5_name);

    describe(g, o, desc, sizeof desc);
    attrib_hash_describe(&attrib_gen_params_of(g)->key, hashdesc);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000;
    ATTRIB_TRY(attrib_par_bcast_bytes(p, &now, sizeof now, 0));
    attrib_time_format_iso(now, now_s);
    ATTRIB_TRY_GOTO(rc, attrib_h5_set_attr_i64(f, "schema_version", ATTRIB_SCHEMA_VERSION), fail);
    ATTRIB_TRY_GOTO(rc, attrib_h5_set_attr_str(f, "identity_hash", hashdesc), fail);
    ATTRIB_TRY_GOTO(rc, attrib_h5_set_attr_str(f, "created_at", now_s), fail);
    ATTRIB_TRY_GOTO(rc, attrib_h5_set_attr_str(f, "source_files", desc), fail);

    if (o->partition) {
        gen_parts gp;
        gen_parts_build(p, g, &gp);
        rc = write_h5_partitioned(p, f, g, &gp, ATTRIB_GEN_EVENTS, o, fig);
        if (rc == 0)
            rc = write_h5_partitioned(p, f, g, &gp, ATTRIB_GEN_CONVERSIONS, o, fig);
        if (rc == 0)
            rc = write_h5_index(p, f, &gp, o->level);
        gen_parts_free(&gp);
        if (rc < 0)
            goto fail;
    } else {
        ATTRIB_TRY_GOTO(rc, write_h5_table(p, f, g, pl, ATTRIB_GEN_EVENTS, o, fig), fail);
        ATTRIB_TRY_GOTO(rc, write_h5_table(p, f, g, pl, ATTRIB_GEN_CONVERSIONS, o, fig), fail);
    }
    ATTRIB_TRY_GOTO(rc,
                    attrib_h5_write_strings(f, "conversions/type_names", attrib_gen_type_names,
                                            ATTRIB_GEN_NTYPES),
                    fail);
    attrib_table ca;
    attrib_gen_campaigns(g, &ca);
    if (p->rank != 0)
        ca.n = 0;
    fig->rows[2] = attrib_gen_params_of(g)->campaigns;
    rc = attrib_h5_write_table(f, &ca, 0, attrib_gen_params_of(g)->campaigns, o->level);
    attrib_table_free(&ca);
    if (rc < 0)
        goto fail;
    if (attrib_gen_has_links(g))
        ATTRIB_TRY_GOTO(rc, write_h5_links(p, f, g, pl, o, fig), fail);
    rc = attrib_h5_close(f);
    f = NULL;
    return attrib_par_agree(p, rc);
fail:
    if (f)
        attrib_h5_close(f);
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
static int write_csv_part(attrib_gen *g, const attrib_gen_plan *pl, int which,
                          const attrib_gen_spec *o, const char *part, uint64_t *bytes)
{
    FILE *fp = fopen(part, "wb");
    if (!fp)
        return attrib_err_write(part, errno);
    attrib_gen_cursor c;
    attrib_gen_cursor_init(&c, g, which, pl->id_lo, pl->id_hi, pl->we_lo, pl->wc_lo);
    attrib_table t;
    attrib_table_init(
        &t, which == ATTRIB_GEN_EVENTS ? &attrib_schema_events : &attrib_schema_conversions, 1);
    attrib_table_reserve(&t, (size_t)o->batch);
    uint64_t *ids = attrib_xmalloc(sizeof(uint64_t) * (size_t)o->batch);
    char *buf = attrib_xmalloc(CSV_BUF);
    size_t used = 0;
    int err = 0;
    *bytes = 0;
    for (;;) {
        t.n = 0;
        if (attrib_gen_cursor_fill(&c, &t, (size_t)o->batch, ids) == 0)
            break;
        for (size_t i = 0; i < t.n; i++) {
            if (used > CSV_BUF - CSV_ROW_MAX) {
                if (fwrite(buf, 1, used, fp) != used && !err)
                    err = errno ? errno : EIO;
                *bytes += used;
                used = 0;
            }
            char *q = buf + used;
            char idb[64];
            size_t idl = attrib_gen_identity_string(ids[i], idb);
            if (which == ATTRIB_GEN_EVENTS) {
                q = put_u64(q, ATTRIB_COL(&t, ATTRIB_EV_EVENT_ID, uint64_t)[i]);
                *q++ = ',';
                memcpy(q, idb, idl);
                q += idl;
                *q++ = ',';
                q = put_ts(q, ATTRIB_COL(&t, ATTRIB_EV_TS, int64_t)[i], o->iso);
                *q++ = ',';
                q = put_u64(q, ATTRIB_COL(&t, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[i]);
                *q++ = ',';
                const char *k = attrib_kind_names[ATTRIB_COL(&t, ATTRIB_EV_KIND, uint8_t)[i]];
                size_t kl = strlen(k);
                memcpy(q, k, kl);
                q += kl;
                *q++ = ',';
                q = put_fixed(q, ATTRIB_COL(&t, ATTRIB_EV_COST, double)[i], 1000000);
            } else {
                q = put_u64(q, ATTRIB_COL(&t, ATTRIB_CV_CONVERSION_ID, uint64_t)[i]);
                *q++ = ',';
                memcpy(q, idb, idl);
                q += idl;
                *q++ = ',';
                q = put_ts(q, ATTRIB_COL(&t, ATTRIB_CV_TS, int64_t)[i], o->iso);
                *q++ = ',';
                q = put_u64(q, ATTRIB_COL(&t, ATTRIB_CV_ADVERTISER_ID, uint32_t)[i]);
                *q++ = ',';
                const char *k = attrib_gen_type_names[ATTRIB_COL(&t, ATTRIB_CV_TYPE, uint16_t)[i]];
                size_t kl = strlen(k);
                memcpy(q, k, kl);
                q += kl;
                *q++ = ',';
                q = put_fixed(q, ATTRIB_COL(&t, ATTRIB_CV_VALUE, double)[i], 100);
            }
            *q++ = '\n';
            used = (size_t)(q - buf);
        }
    }
    if (used && fwrite(buf, 1, used, fp) != used && !err)
        err = errno ? errno : EIO;
    *bytes += used;
    if (fclose(fp) != 0 && !err)
        err = errno ? errno : EIO;
    free(buf);
    free(ids);
    attrib_table_free(&t);
    return err ? attrib_err_write(part, err) : 0;
}

int attrib_gen_csv_concat(const attrib_par *p, const char *dst, const char *header,
                          const char *part, uint64_t part_bytes, uint64_t *total)
{
    const uint64_t hl = strlen(header);
    const uint64_t off0 = hl + attrib_par_exscan_u64(p, part_bytes);
    *total = hl + attrib_par_sum_u64(p, part_bytes);
    MPI_File fh;
    if (p->rank == 0)
        unlink(dst);
    MPI_Barrier(p->comm);
    int mrc = MPI_File_open(p->comm, dst, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
    int rc = mrc == MPI_SUCCESS ? 0 : attrib_err_path(ATTRIB_EIO, dst, "cannot write", "MPI-IO open failed");
    rc = attrib_par_agree(p, rc);
    if (rc < 0)
        return rc;
    MPI_Status st;
    if (p->rank == 0 && MPI_File_write_at(fh, 0, header, (int)hl, MPI_BYTE, &st) != MPI_SUCCESS)
        rc = attrib_err_path(ATTRIB_EIO, dst, "cannot write", "MPI-IO write failed");
    FILE *in = rc == 0 ? fopen(part, "rb") : NULL;
    if (rc == 0 && !in)
        rc = attrib_err_read(part, errno);
    char *buf = attrib_xmalloc(CSV_BUF);
    uint64_t off = off0;
    size_t n;
    while (rc == 0 && (n = fread(buf, 1, CSV_BUF, in)) > 0) {
        if (MPI_File_write_at(fh, (MPI_Offset)off, buf, (int)n, MPI_BYTE, &st) != MPI_SUCCESS)
            rc = attrib_err_path(ATTRIB_EIO, dst, "cannot write", "MPI-IO write failed");
        off += n;
    }
    if (rc == 0 && off != off0 + part_bytes)
        rc = attrib_err_path(ATTRIB_EIO, part, "changed while being copied", "%s", "");
    if (in)
        fclose(in);
    free(buf);
    if (MPI_File_close(&fh) != MPI_SUCCESS && rc == 0)
        rc = attrib_err_path(ATTRIB_EIO, dst, "cannot write", "MPI-IO close failed");
    return attrib_par_agree(p, rc);
}

int attrib_gen_csv_dir(const attrib_par *p, const char *dir)
{
    int rc = 0;
    if (p->rank == 0 && mkdir(dir, 0777) != 0 && errno != EEXIST)
        rc = attrib_err_write(dir, errno);
    return attrib_par_agree(p, rc);
}

/* links.csv: this rank's persons' links as raw identifiers, in person order. */
static int write_csv_links(attrib_par *p, const attrib_gen *g, const attrib_gen_plan *pl,
                           const attrib_gen_spec *o, attrib_gen_figures *fig)
{
    attrib_progress_begin(p, "gen links");
    char part[4096];
    int rc = 0;
    if (snprintf(part, sizeof part, "%s/.links.csv.part%d", o->csv_dir, p->rank) >=
        (int)sizeof part)
        rc = attrib_err_path(ATTRIB_EUSAGE, o->csv_dir, "path too long", "%s", "");
    uint64_t bytes = 0, total = 0, rows = 0;
    FILE *fp = rc == 0 ? fopen(part, "wb") : NULL;
    if (rc == 0 && !fp)
        rc = attrib_err_write(part, errno);
    if (fp) {
        uint64_t a[ATTRIB_GEN_MAX_PERSON_LINKS], b[ATTRIB_GEN_MAX_PERSON_LINKS];
        for (uint64_t id = pl->id_lo; id < pl->id_hi; id++) {
            size_t n = attrib_gen_person_links(g, id, a, b);
            for (size_t k = 0; k < n; k++) {
                char sa[64], sb[64];
                attrib_gen_identity_string(a[k], sa);
                attrib_gen_identity_string(b[k], sb);
                int w = fprintf(fp, "%s,%s\n", sa, sb);
                bytes += w > 0 ? (uint64_t)w : 0;
            }
            rows += n;
        }
        const int werr = ferror(fp) ? (errno ? errno : EIO) : 0;
        if (fclose(fp) != 0 || werr)
            rc = attrib_err_write(part, werr ? werr : errno);
    }
    rc = attrib_par_agree(p, rc);
    if (rc == 0)
        rc = attrib_gen_csv_concat(p, o->csv_links_tmp, "identity_a,identity_b\n", part, bytes,
                                   &total);
    unlink(part);
    fig->links = attrib_par_sum_u64(p, rows);
    fig->links_bytes = total;
    attrib_progress_end(p, "gen links", fig->links, total, NULL);
    return rc;
}

static int write_csv(attrib_par *p, attrib_gen *g, const attrib_gen_plan *pl,
                     const attrib_gen_spec *o, attrib_gen_figures *fig)
{
    static const char *const names[2] = {"events.csv", "conversions.csv"};
    char part[4096];
    int rc = 0;
    const attrib_gen_params *gp = attrib_gen_params_of(g);
    for (int which = 0; which < 2 && rc == 0; which++) {
        const char *phase = which == ATTRIB_GEN_EVENTS ? "gen events" : "gen convs";
        attrib_progress_begin(p, phase);
        if (snprintf(part, sizeof part, "%s/.%s.part%d", o->csv_dir, names[which], p->rank) >=
            (int)sizeof part)
            rc = attrib_err_path(ATTRIB_EUSAGE, o->csv_dir, "path too long", "%s", "");
        uint64_t bytes = 0, total = 0;
        if (rc == 0)
            rc = write_csv_part(g, pl, which, o, part, &bytes);
        rc = attrib_par_agree(p, rc);
        if (rc == 0)
            rc = attrib_gen_csv_concat(p, o->csv_tmp[which], csv_header[which], part, bytes, &total);
        unlink(part);
        fig->rows[which] = which == ATTRIB_GEN_EVENTS ? gp->events : gp->conversions;
        fig->bytes[which] = total;
        attrib_progress_end(p, phase, fig->rows[which], total, NULL);
    }
    if (rc == 0 && p->rank == 0) {
        attrib_table ca;
        attrib_gen_campaigns(g, &ca);
        FILE *fp = fopen(o->csv_tmp[2], "wb");
        if (!fp) {
            rc = attrib_err_write(o->csv_tmp[2], errno);
        } else {
            long n = 0;
            const char *h = "campaign_id,advertiser_id,name\n";
            fputs(h, fp);
            n += (long)strlen(h);
            for (size_t i = 0; i < ca.n; i++) {
                int w = fprintf(fp, "%u,%u,%.*s\n", ATTRIB_COL(&ca, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[i],
                                ATTRIB_COL(&ca, ATTRIB_CA_ADVERTISER_ID, uint32_t)[i],
                                (int)attrib_table_strlen(&ca, ATTRIB_CA_NAME, i),
                                attrib_table_str(&ca, ATTRIB_CA_NAME, i));
                n += w > 0 ? w : 0;
            }
            const int werr = ferror(fp) ? (errno ? errno : EIO) : 0;
            if (fclose(fp) != 0 || werr)
                rc = attrib_err_write(o->csv_tmp[2], werr ? werr : errno);
            fig->bytes[2] = (uint64_t)n;
        }
        attrib_table_free(&ca);
    }
    fig->rows[2] = gp->campaigns;
    rc = attrib_par_agree(p, rc);
    if (rc == 0 && p->size > 1)
        MPI_Bcast(&fig->bytes[2], 1, MPI_UINT64_T, 0, p->comm);
    if (rc == 0 && attrib_gen_has_links(g))
        rc = write_csv_links(p, g, pl, o, fig);
    return rc;
}

int attrib_gen_write(attrib_par *p, attrib_gen *g, const attrib_gen_spec *spec,
                     attrib_gen_figures *fig)
{
    memset(fig, 0, sizeof *fig);
    const double t0 = MPI_Wtime();
    attrib_gen_plan pl;
    attrib_gen_plan_build(p, g, spec->batch, &pl);
    const int rc = spec->h5_tmp ? write_h5(p, g, &pl, spec, fig) : write_csv(p, g, &pl, spec, fig);
    double s = MPI_Wtime() - t0;
    /* Every rank reports rank 0's clock. */
    MPI_Bcast(&s, 1, MPI_DOUBLE, 0, p->comm);
    fig->seconds = s;
    return rc;
}

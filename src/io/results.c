/* Reading a results file (include/attrib/results.h). The file is opened on MPI_COMM_NULL
 * (HDF5's POSIX driver): reading needs no MPI, so report runs without it, and reconcile
 * and explain read results on any rank without a collective open. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/results.h"

const char *const attrib_results_attr_names[] = {
    "period_from", "period_to", "model", "rules_file", "input_file", "input_checksum",
    "software_version", "rules", "identity_hash", NULL};

int attrib_results_write_meta(attrib_h5file *f, const attrib_results_meta *m)
{
    for (int i = 0; i < ATTRIB_RES_NATTRS; i++)
        if (m->attr[i])
            ATTRIB_TRY(attrib_h5_set_attr_str(f, attrib_results_attr_names[i], m->attr[i]));
    ATTRIB_TRY(attrib_h5_set_attr_i64(f, ATTRIB_RES_ATTR_RANKS, m->ranks));
    ATTRIB_TRY(attrib_h5_set_attr_i64(f, ATTRIB_RES_ATTR_SCHEMA_VERSION, ATTRIB_SCHEMA_VERSION));
    char key[64];
    for (size_t i = 0; i < m->nphases; i++) {
        snprintf(key, sizeof key, "%s%s", ATTRIB_RES_ATTR_SECONDS_PREFIX, m->phase_names[i]);
        ATTRIB_TRY(attrib_h5_set_attr_f64(f, key, m->phase_seconds[i]));
    }
    ATTRIB_TRY(attrib_h5_set_attr_f64(f, ATTRIB_RES_ATTR_SECONDS_PREFIX "total", m->seconds_total));
    return attrib_h5_set_attr_f64(f, ATTRIB_RES_ATTR_PEAK_RSS, m->peak_rss_mib);
}

int attrib_results_is_hdf5(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    int yes = 0;
    unsigned char buf[8];
    /* The superblock is at 0 or at 512 · 2^k (after a user block). */
    for (long off = 0; off <= (1L << 24) && !yes; off = off ? off * 2 : 512) {
        if (fseek(fp, off, SEEK_SET) != 0 || fread(buf, 1, 8, fp) != 8)
            break;
        yes = memcmp(buf, sig, 8) == 0;
    }
    fclose(fp);
    return yes;
}

static void results_free(attrib_results *r)
{
    attrib_table_free(&r->campaign);
    attrib_table_free(&r->daily);
    attrib_table_free(&r->daily_touch);
    attrib_table_free(&r->advertiser);
    attrib_table_free(&r->campaigns);
    for (int i = 0; i < ATTRIB_RES_NATTRS; i++)
        free(r->attr[i]);
    free(r->path);
    free(r);
}

static const uint32_t *sort_ids;
static int cmp_by_id(const void *a, const void *b)
{
    uint32_t x = sort_ids[*(const uint32_t *)a], y = sort_ids[*(const uint32_t *)b];
    return (x > y) - (x < y);
}

/* For attrib_results_campaign_name's binary search (import writes /campaigns sorted;
 * other writers may not). */
static void sort_campaigns(attrib_table *t)
{
    const uint32_t *id = ATTRIB_COL(t, ATTRIB_CA_CAMPAIGN_ID, uint32_t);
    size_t i = 1;
    while (i < t->n && id[i - 1] <= id[i])
        i++;
    if (i >= t->n)
        return;
    uint32_t *perm = attrib_xmalloc(t->n * sizeof *perm);
    for (i = 0; i < t->n; i++)
        perm[i] = (uint32_t)i;
    sort_ids = id;
    qsort(perm, t->n, sizeof *perm, cmp_by_id);
    attrib_table_permute(t, perm, t->n);
    free(perm);
}

static int read_whole(attrib_results *r, const attrib_schema *s, attrib_table *t)
{
    uint64_t n = 0;
    if (!attrib_h5_exists(r->f, s->name))
        return attrib_err_set(ATTRIB_EINPUT, "%s: not a results file of attrib run (no /%s)",
                              r->path, s->name);
    ATTRIB_TRY(attrib_h5_table_rows(r->f, s, &n));
    return attrib_h5_read_table(r->f, s, 0, n, t);
}

int attrib_results_open(const char *path, attrib_results **out)
{
    *out = NULL;
    if (!attrib_results_is_hdf5(path)) {
        FILE *fp = fopen(path, "rb");
        if (!fp)
            return attrib_err_open(path, errno);
        fclose(fp);
        return attrib_err_set(ATTRIB_EINPUT, "%s: not an HDF5 file", path);
    }
    attrib_results *r = attrib_xcalloc(1, sizeof *r);
    r->path = attrib_xstrdup(path);
    r->ranks = -1;
    attrib_table_init(&r->campaign, &attrib_schema_report_campaign, 1);
    attrib_table_init(&r->daily, &attrib_schema_report_daily, 1);
    attrib_table_init(&r->daily_touch, &attrib_schema_report_daily_touch, 1);
    attrib_table_init(&r->advertiser, &attrib_schema_report_advertiser, 1);
    attrib_table_init(&r->campaigns, &attrib_schema_campaigns, 1);
    int rc = attrib_h5_open(MPI_COMM_NULL, path, &r->f);
    if (rc < 0) {
        r->f = NULL;
        goto fail;
    }
    int64_t version = 0;
    if (attrib_h5_get_attr_i64(r->f, ATTRIB_RES_ATTR_SCHEMA_VERSION, &version) == 0 &&
        version != ATTRIB_SCHEMA_VERSION) {
        rc = attrib_err_set(ATTRIB_EINPUT, "%s: schema_version %lld, this attrib reads %d", path,
                            (long long)version, ATTRIB_SCHEMA_VERSION);
        goto fail;
    }
    attrib_table_free(&r->campaign);
    attrib_table_free(&r->daily);
    attrib_table_free(&r->daily_touch);
    attrib_table_free(&r->advertiser);
    ATTRIB_TRY_GOTO(rc, read_whole(r, &attrib_schema_report_campaign, &r->campaign), fail);
    ATTRIB_TRY_GOTO(rc, read_whole(r, &attrib_schema_report_daily, &r->daily), fail);
    ATTRIB_TRY_GOTO(rc, read_whole(r, &attrib_schema_report_daily_touch, &r->daily_touch), fail);
    ATTRIB_TRY_GOTO(rc, read_whole(r, &attrib_schema_report_advertiser, &r->advertiser), fail);
    if (attrib_h5_exists(r->f, "campaigns")) {
        attrib_table_free(&r->campaigns);
        ATTRIB_TRY_GOTO(rc, read_whole(r, &attrib_schema_campaigns, &r->campaigns), fail);
        sort_campaigns(&r->campaigns);
    }
    r->has_credits = attrib_h5_exists(r->f, "credits") > 0;
    if (r->has_credits)
        ATTRIB_TRY_GOTO(rc, attrib_h5_table_rows(r->f, &attrib_schema_credits, &r->ncredits), fail);
    r->has_unattributed = attrib_h5_exists(r->f, "unattributed") > 0;
    if (r->has_unattributed)
        ATTRIB_TRY_GOTO(rc, attrib_h5_table_rows(r->f, &attrib_schema_unattributed,
                                                 &r->nunattributed), fail);
    /* Attributes are optional: a missing one leaves NULL. */
    for (int i = 0; i < ATTRIB_RES_NATTRS; i++)
        if (attrib_h5_get_attr_str(r->f, attrib_results_attr_names[i], &r->attr[i]) < 0)
            r->attr[i] = NULL;
    if (attrib_h5_get_attr_i64(r->f, ATTRIB_RES_ATTR_RANKS, &r->ranks) < 0)
        r->ranks = -1;
    attrib_err_clear();
    *out = r;
    return 0;
fail:
    if (r->f)
        attrib_h5_close(r->f);
    results_free(r);
    return rc;
}

void attrib_results_close(attrib_results *r)
{
    if (!r)
        return;
    attrib_h5_close(r->f);
    results_free(r);
}

int attrib_results_read(const attrib_results *r, const attrib_schema *s, uint64_t start,
                        uint64_t count, attrib_table *out)
{
    int have = s == &attrib_schema_credits ? r->has_credits
             : s == &attrib_schema_unattributed ? r->has_unattributed : 1;
    if (!have) {
        attrib_table_init(out, s, 1);
        if (count == 0)
            return 0;
        return attrib_err_set(ATTRIB_EINPUT, "%s: no /%s table", r->path, s->name);
    }
    return attrib_h5_read_table(r->f, s, start, count, out);
}

const char *attrib_results_campaign_name(const attrib_results *r, uint32_t campaign_id,
                                         size_t *len)
{
    const attrib_table *t = &r->campaigns;
    const uint32_t *id = ATTRIB_COL(t, ATTRIB_CA_CAMPAIGN_ID, uint32_t);
    /* Sorted by campaign_id at open. */
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (id[mid] < campaign_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= t->n || id[lo] != campaign_id)
        return NULL;
    *len = attrib_table_strlen(t, ATTRIB_CA_NAME, lo);
    return attrib_table_str(t, ATTRIB_CA_NAME, lo);
}

/* Unit tests of the synthetic data generator (core, no MPI): exact sizes, the same rows
 * whatever the split into identity ranges and batches, and the statistics the engine's
 * tests rely on (duplicates, ties, far conversions, kind mix). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/gen.h"
#include "attrib/table.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static void gen_range(const attrib_gen *g, int which, uint64_t lo, uint64_t hi, size_t batch,
                      attrib_table *out)
{
    attrib_u128 we, wc;
    attrib_gen_weight_sum(g, 0, lo, &we, &wc);
    attrib_gen_cursor c;
    attrib_gen_cursor_init(&c, g, which, lo, hi, we, wc);
    attrib_table b;
    attrib_table_init(&b, out->schema, 1);
    for (;;) {
        b.n = 0;
        if (attrib_gen_cursor_fill(&c, &b, batch, NULL) == 0)
            break;
        attrib_table_append(out, &b, 0, b.n);
    }
    attrib_table_free(&b);
}

static int tables_equal(const attrib_table *a, const attrib_table *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t c = 0; c < a->schema->ncols; c++)
        if (memcmp(a->col[c], b->col[c], a->n * attrib_table_elem_size(a, c)) != 0)
            return 0;
    return 1;
}

typedef struct {
    uint64_t id, eid;
    int64_t ts;
} key3;

static int cmp_key3(const void *x, const void *y)
{
    const key3 *a = x, *b = y;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    if (a->eid != b->eid)
        return a->eid < b->eid ? -1 : 1;
    return (a->ts > b->ts) - (a->ts < b->ts);
}

int main(void)
{
    attrib_gen_params p = {0};
    p.events = 200000;
    p.conversions = 30000;
    p.identities = 10000;
    p.advertisers = 10;
    p.campaigns = 50;
    p.from_ms = INT64_C(1790812800000); /* 2026-10-01 */
    p.days = 31;
    p.lookback_days = 30;
    p.seed = 1;
    CHECK(attrib_hash_key_parse(ATTRIB_HASH_DEFAULT_KEY, &p.key) == 0);
    attrib_gen *g;
    CHECK(attrib_gen_create(&p, &g) == 0);
    attrib_gen_compute_totals(g);

    /* whole range in one go, vs three ranges in odd batch sizes */
    attrib_table ev, cv, ev2, cv2;
    attrib_table_init(&ev, &attrib_schema_events, 1);
    attrib_table_init(&cv, &attrib_schema_conversions, 1);
    attrib_table_init(&ev2, &attrib_schema_events, 1);
    attrib_table_init(&cv2, &attrib_schema_conversions, 1);
    gen_range(g, ATTRIB_GEN_EVENTS, 0, p.identities, (size_t)1 << 30, &ev);
    gen_range(g, ATTRIB_GEN_CONVERSIONS, 0, p.identities, (size_t)1 << 30, &cv);
    CHECK(ev.n == p.events);
    CHECK(cv.n == p.conversions);
    const uint64_t cut[] = {0, 1234, 7777, p.identities};
    for (int r = 0; r < 3; r++) {
        gen_range(g, ATTRIB_GEN_EVENTS, cut[r], cut[r + 1], 997, &ev2);
        gen_range(g, ATTRIB_GEN_CONVERSIONS, cut[r], cut[r + 1], 13, &cv2);
    }
    CHECK(tables_equal(&ev, &ev2));
    CHECK(tables_equal(&cv, &cv2));

    /* a different seed gives different data of the same sizes */
    {
        attrib_gen_params q = p;
        q.seed = 2;
        attrib_gen *g2;
        CHECK(attrib_gen_create(&q, &g2) == 0);
        attrib_gen_compute_totals(g2);
        attrib_table e3;
        attrib_table_init(&e3, &attrib_schema_events, 1);
        gen_range(g2, ATTRIB_GEN_EVENTS, 0, q.identities, 4096, &e3);
        CHECK(e3.n == p.events && !tables_equal(&ev, &e3));
        attrib_table_free(&e3);
        attrib_gen_free(g2);
    }

    /* statistics of the events */
    const int64_t from = p.from_ms, to = from + 31 * ATTRIB_DAY_MS, t0 = from - 30 * ATTRIB_DAY_MS;
    uint64_t kinds[3] = {0};
    const uint64_t *eid = ATTRIB_COL(&ev, ATTRIB_EV_EVENT_ID, uint64_t);
    const uint64_t *eidn = ATTRIB_COL(&ev, ATTRIB_EV_IDENTITY, uint64_t);
    const int64_t *ets = ATTRIB_COL(&ev, ATTRIB_EV_TS, int64_t);
    const uint32_t *ecam = ATTRIB_COL(&ev, ATTRIB_EV_CAMPAIGN_ID, uint32_t);
    const uint8_t *ekind = ATTRIB_COL(&ev, ATTRIB_EV_KIND, uint8_t);
    const double *ecost = ATTRIB_COL(&ev, ATTRIB_EV_COST, double);
    key3 *k = malloc(ev.n * sizeof *k);
    for (size_t i = 0; i < ev.n; i++) {
        CHECK(ekind[i] < 3);
        kinds[ekind[i]]++;
        CHECK(ecam[i] >= 1 && ecam[i] <= p.campaigns);
        CHECK(ets[i] >= t0 - 600000 && ets[i] < to + 600000);
        if (ekind[i] == 0)
            CHECK(ecost[i] >= 0.002 && ecost[i] <= 0.01);
        else if (ekind[i] == 1)
            CHECK(ecost[i] >= 0.1 && ecost[i] <= 1.0);
        else
            CHECK(ecost[i] == 0.0);
        k[i] = (key3){eidn[i], eid[i], ets[i]};
    }
    CHECK(kinds[0] > ev.n * 65 / 100 && kinds[0] < ev.n * 75 / 100);
    CHECK(kinds[1] > ev.n * 17 / 100 && kinds[1] < ev.n * 23 / 100);
    CHECK(kinds[2] > ev.n * 8 / 100 && kinds[2] < ev.n * 12 / 100);
    qsort(k, ev.n, sizeof *k, cmp_key3);
    uint64_t dup_exact = 0, dup_inexact = 0;
    for (size_t i = 1; i < ev.n; i++)
        if (k[i].id == k[i - 1].id && k[i].eid == k[i - 1].eid) {
            if (k[i].ts == k[i - 1].ts)
                dup_exact++;
            else
                dup_inexact++;
        }
    /* event ids are unique across identities */
    for (size_t i = 0; i < ev.n; i++)
        k[i] = (key3){eid[i], eidn[i], 0};
    qsort(k, ev.n, sizeof *k, cmp_key3);
    for (size_t i = 1; i < ev.n; i++)
        CHECK(k[i].id != k[i - 1].id || k[i].eid == k[i - 1].eid);
    /* ties: same identity and timestamp, different event ids */
    for (size_t i = 0; i < ev.n; i++)
        k[i] = (key3){eidn[i], (uint64_t)ets[i], (int64_t)eid[i]};
    qsort(k, ev.n, sizeof *k, cmp_key3);
    uint64_t ties = 0;
    for (size_t i = 1; i < ev.n; i++)
        ties += k[i].id == k[i - 1].id && k[i].eid == k[i - 1].eid && k[i].ts != k[i - 1].ts;
    free(k);
    printf("events: %zu, kinds %llu/%llu/%llu, dups %llu exact %llu inexact, ties %llu\n", ev.n,
           (unsigned long long)kinds[0], (unsigned long long)kinds[1], (unsigned long long)kinds[2],
           (unsigned long long)dup_exact, (unsigned long long)dup_inexact,
           (unsigned long long)ties);
    CHECK(dup_exact + dup_inexact > ev.n / 400 && dup_exact + dup_inexact < ev.n / 100);
    CHECK(dup_inexact > 0 && dup_inexact < dup_exact);
    CHECK(ties > ev.n / 1000);

    /* conversions: types, values, period, and how far they are from touches of their
     * advertiser (per identity, by a scan over that identity's touches). */
    const uint64_t *cidn = ATTRIB_COL(&cv, ATTRIB_CV_IDENTITY, uint64_t);
    const int64_t *cts = ATTRIB_COL(&cv, ATTRIB_CV_TS, int64_t);
    const uint32_t *cadv = ATTRIB_COL(&cv, ATTRIB_CV_ADVERTISER_ID, uint32_t);
    const uint16_t *ctype = ATTRIB_COL(&cv, ATTRIB_CV_TYPE, uint16_t);
    const double *cval = ATTRIB_COL(&cv, ATTRIB_CV_VALUE, double);
    uint64_t types[3] = {0}, in_period = 0, near = 0, far = 0, untouched = 0, before = 0;
    /* events are in identity order: index each identity's run of rows by its hash */
    key3 *runs = malloc((ev.n + 1) * sizeof *runs);
    size_t nruns = 0;
    for (size_t i = 0; i < ev.n; i++)
        if (i == 0 || eidn[i] != eidn[i - 1])
            runs[nruns++] = (key3){eidn[i], i, 0};
    qsort(runs, nruns, sizeof *runs, cmp_key3);
    for (size_t i = 0; i < cv.n; i++) {
        CHECK(ctype[i] < 3);
        types[ctype[i]]++;
        if (ctype[i] == ATTRIB_GEN_PURCHASE)
            CHECK(cval[i] >= 5.0 && cval[i] <= 500.0);
        else
            CHECK(cval[i] == 0.0);
        CHECK(cadv[i] >= 1 && cadv[i] <= p.advertisers);
        in_period += cts[i] >= from && cts[i] < to;
        size_t e0 = ev.n, lo = 0, hi = nruns;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (runs[mid].id < cidn[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < nruns && runs[lo].id == cidn[i])
            e0 = runs[lo].eid;
        int64_t best = INT64_MAX;
        int any = 0;
        for (size_t e = e0; e < ev.n && eidn[e] == cidn[i]; e++) {
            if ((ecam[e] - 1) % p.advertisers + 1 != cadv[i])
                continue;
            any = 1;
            if (ets[e] <= cts[i] && cts[i] - ets[e] < best)
                best = cts[i] - ets[e];
        }
        if (!any)
            untouched++;
        else if (best == INT64_MAX)
            before++;
        else if (best <= 7 * ATTRIB_DAY_MS)
            near++;
        else if (best > 30 * ATTRIB_DAY_MS)
            far++;
    }
    free(runs);
    printf("conversions: %zu, types %llu/%llu/%llu, in period %llu, near %llu, far %llu, "
           "before %llu, untouched advertiser %llu\n",
           cv.n, (unsigned long long)types[0], (unsigned long long)types[1],
           (unsigned long long)types[2], (unsigned long long)in_period, (unsigned long long)near,
           (unsigned long long)far, (unsigned long long)before, (unsigned long long)untouched);
    CHECK(in_period > cv.n * 95 / 100);
    CHECK(near > cv.n * 65 / 100);
    CHECK(far > cv.n / 50);
    CHECK(untouched > cv.n / 20);
    CHECK(types[0] > 0 && types[1] > 0 && types[2] > 0);

    /* campaigns */
    attrib_table ca;
    attrib_gen_campaigns(g, &ca);
    CHECK(ca.n == 50);
    CHECK(ATTRIB_COL(&ca, ATTRIB_CA_ADVERTISER_ID, uint32_t)[13] == 4);
    CHECK(attrib_table_strlen(&ca, ATTRIB_CA_NAME, 13) == strlen("Campaign 14 (adv 4)") &&
          memcmp(attrib_table_str(&ca, ATTRIB_CA_NAME, 13), "Campaign 14 (adv 4)", 19) == 0);
    attrib_table_free(&ca);

    /* tiny and degenerate sizes stay exact */
    const uint64_t sizes[][3] = {{0, 0, 1}, {1, 1, 1}, {5, 3, 100}, {1000, 0, 7}, {0, 10, 3}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        attrib_gen_params q = p;
        q.events = sizes[s][0];
        q.conversions = sizes[s][1];
        q.identities = sizes[s][2];
        q.advertisers = 3;
        q.campaigns = 2; /* advertiser 3 owns no campaign */
        attrib_gen *g3;
        CHECK(attrib_gen_create(&q, &g3) == 0);
        attrib_gen_compute_totals(g3);
        attrib_table e, c;
        attrib_table_init(&e, &attrib_schema_events, 1);
        attrib_table_init(&c, &attrib_schema_conversions, 1);
        gen_range(g3, ATTRIB_GEN_EVENTS, 0, q.identities, 3, &e);
        gen_range(g3, ATTRIB_GEN_CONVERSIONS, 0, q.identities, 3, &c);
        CHECK(e.n == q.events && c.n == q.conversions);
        for (size_t i = 0; i < e.n; i++)
            CHECK(ATTRIB_COL(&e, ATTRIB_EV_CAMPAIGN_ID, uint32_t)[i] <= 2);
        attrib_table_free(&e);
        attrib_table_free(&c);
        attrib_gen_free(g3);
    }
    attrib_gen_params bad = p;
    bad.identities = 0;
    attrib_gen *gb;
    CHECK(attrib_gen_create(&bad, &gb) == ATTRIB_EUSAGE && gb == NULL);
    bad = p;
    bad.devices = ATTRIB_GEN_MAX_DEVICES + 1;
    CHECK(attrib_gen_create(&bad, &gb) == ATTRIB_EUSAGE && gb == NULL);
    bad = p;
    bad.hubs = 1;
    bad.hub_persons = 0;
    CHECK(attrib_gen_create(&bad, &gb) == ATTRIB_EUSAGE && gb == NULL);

    /* Links: the same rows but for the identity, which is one of the person's devices
     * (device 0: the plain identity); each person's chain, cycle, hub, repeat and self
     * link as documented; codes decode to distinct strings. */
    {
        attrib_gen_params q = p;
        q.devices = 4;
        q.hubs = 3;
        q.hub_persons = 100;
        attrib_gen *gl;
        CHECK(attrib_gen_create(&q, &gl) == 0 && attrib_gen_has_links(gl) && !attrib_gen_has_links(g));
        attrib_gen_compute_totals(gl);
        attrib_table el;
        attrib_table_init(&el, &attrib_schema_events, 1);
        gen_range(gl, ATTRIB_GEN_EVENTS, 0, q.identities, 4099, &el);
        CHECK(el.n == ev.n);
        size_t same = 0;
        for (size_t i = 0; i < el.n; i++) {
            CHECK(ATTRIB_COL(&el, ATTRIB_EV_EVENT_ID, uint64_t)[i] ==
                      ATTRIB_COL(&ev, ATTRIB_EV_EVENT_ID, uint64_t)[i] &&
                  ATTRIB_COL(&el, ATTRIB_EV_TS, int64_t)[i] == ATTRIB_COL(&ev, ATTRIB_EV_TS, int64_t)[i]);
            same += ATTRIB_COL(&el, ATTRIB_EV_IDENTITY, uint64_t)[i] ==
                    ATTRIB_COL(&ev, ATTRIB_EV_IDENTITY, uint64_t)[i];
        }
        CHECK(same > el.n / 5 && same < el.n * 3 / 4);
        attrib_table_free(&el);
        uint64_t a[ATTRIB_GEN_MAX_PERSON_LINKS], b[ATTRIB_GEN_MAX_PERSON_LINKS];
        uint64_t hubbed = 0, cycles = 0, selfs = 0, nd_hist[5] = {0};
        for (uint64_t id = 0; id < q.identities; id++) {
            const uint32_t nd = attrib_gen_devices_of(gl, id);
            CHECK(nd >= 1 && nd <= 4);
            nd_hist[nd]++;
            size_t n = attrib_gen_person_links(gl, id, a, b);
            CHECK(n <= ATTRIB_GEN_MAX_PERSON_LINKS && n >= nd - 1);
            for (uint32_t t = 0; t + 1 < nd; t++)
                CHECK(a[t] == id + ((uint64_t)t << ATTRIB_GEN_CODE_SHIFT) &&
                      b[t] == id + ((uint64_t)(t + 1) << ATTRIB_GEN_CODE_SHIFT));
            for (size_t k = nd - 1; k < n; k++) {
                hubbed += a[k] >= ATTRIB_GEN_HUB_CODE(0);
                if (a[k] >= ATTRIB_GEN_HUB_CODE(0))
                    CHECK(a[k] == ATTRIB_GEN_HUB_CODE(id % 3) && id < 300);
                cycles += nd >= 3 && k == nd - 1 && a[k] == id + ((uint64_t)(nd - 1) << ATTRIB_GEN_CODE_SHIFT);
                selfs += a[k] == b[k];
            }
        }
        CHECK(hubbed == 300 && cycles > 0 && selfs > 0);
        for (int k = 1; k <= 4; k++)
            CHECK(nd_hist[k] > q.identities / 5);
        char s1[64], s2[64], s3[64];
        attrib_gen_identity_string(41, s1);
        attrib_gen_identity_string(41 + ((uint64_t)2 << ATTRIB_GEN_CODE_SHIFT), s2);
        attrib_gen_identity_string(ATTRIB_GEN_HUB_CODE(41), s3);
        CHECK(strcmp(s1, "u000000000042@example.test") == 0 &&
              strcmp(s2, "u000000000042-d2@example.test") == 0 &&
              strcmp(s3, "hub000000000042@example.test") == 0);
        CHECK(attrib_gen_code_hash(gl, 41) != attrib_gen_code_hash(gl, ATTRIB_GEN_HUB_CODE(41)));
        attrib_gen_free(gl);
    }

    attrib_table_free(&ev);
    attrib_table_free(&cv);
    attrib_table_free(&ev2);
    attrib_table_free(&cv2);
    attrib_gen_free(g);
    printf("test_gen: ok\n");
    return 0;
}

/* libFuzzer target: the CSV tokenizer, the range-start scan and the row parsers.
 * Input: first byte picks the kind and a window step; the rest is a CSV file whose
 * first record is the header. Checks that windowed parsing (as the file reader feeds
 * it) sees the same records as whole-buffer parsing, that the range start found
 * from any split point is a record start of the sequential parse, and that each row
 * parses consistently under the three units of integer timestamps (not stated, ms, s):
 * only an unstated unit stops at epoch seconds, ms otherwise agrees with it, and s
 * differs only in the timestamp, which is then exactly 1000 times the integer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/csv.h"
#include "attrib/hash.h"
#include "attrib/timeparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    attrib_csv_kind kind = (attrib_csv_kind)(data[0] % 3);
    size_t step = 1 + (data[0] >> 2);
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    attrib_hash_key key = {1, 2};
    attrib_csv_rec r, w;
    attrib_csv_rec_init(&r);
    attrib_csv_rec_init(&w);
    attrib_csv_header h;
    int have_header = 0;
    size_t pos = 0, used, wpos = 0, avail = step < n ? step : n;
    size_t *starts = malloc((n + 2) * sizeof *starts), ns = 0;
    while (attrib_csv_next(&r, s + pos, s + n, 1, &used) == ATTRIB_CSV_REC) {
        if (used == 0 || pos + used > n)
            abort();
        /* The same record through growing windows. */
        /* The window grows by `step` a few times, then doubles its growth: every
         * retry re-parses the record from its start, so constant steps would cost
         * O(L^2 / step) per record of L bytes and slow the fuzzer down a hundredfold
         * on long records, for little: the early boundaries are the varied ones. */
        size_t wused, grow = step;
        int rc, tries = 0;
        while ((rc = attrib_csv_next(&w, s + wpos, s + avail, avail == n, &wused)) ==
               ATTRIB_CSV_NEED_MORE) {
            avail = avail + grow < n ? avail + grow : n;
            if (++tries >= 4)
                grow *= 2;
        }
        if (rc != ATTRIB_CSV_REC || wused != used || w.nf != r.nf || w.nlf != r.nlf ||
            w.bad_quote != r.bad_quote)
            abort();
        for (size_t i = 0; i < r.nf; i++)
            if (w.f[i].len != r.f[i].len || memcmp(w.f[i].p, r.f[i].p, r.f[i].len) != 0)
                abort();
        wpos += wused;
        if (!have_header) {
            const char *missing;
            int dup;
            have_header = attrib_csv_header_parse(&h, kind, &r, &missing, &dup) == 0;
        } else {
            attrib_csv_values v, vm, vs;
            const attrib_csv_parse_opts on = {&key, ATTRIB_TIME_UNIT_NONE},
                                        om = {&key, ATTRIB_TIME_UNIT_MS},
                                        os = {&key, ATTRIB_TIME_UNIT_S};
            int reason = attrib_csv_parse_row(&h, &r, &on, &v);
            int rm = attrib_csv_parse_row(&h, &r, &om, &vm);
            int rs = attrib_csv_parse_row(&h, &r, &os, &vs);
            if (reason < 0 || reason >= ATTRIB_CSV_NREASONS || rm < 0 ||
                rm >= ATTRIB_CSV_NREASONS || rs < 0 || rs >= ATTRIB_CSV_NREASONS)
                abort();
            if (rm == ATTRIB_CSV_R_TS_SECONDS || rs == ATTRIB_CSV_R_TS_SECONDS)
                abort(); /* a stated unit never stops */
            if (reason == ATTRIB_CSV_R_TS_SECONDS) {
                if (!attrib_time_looks_seconds(v.ts) || (rm == ATTRIB_CSV_OK && vm.ts != v.ts))
                    abort();
            } else if (rm != reason ||
                       (reason == ATTRIB_CSV_OK &&
                        (vm.ts != v.ts || vm.id != v.id || vm.identity != v.identity))) {
                abort(); /* ms agrees with no unit outside the seconds range */
            }
            if (rs == ATTRIB_CSV_OK && rm == ATTRIB_CSV_OK && h.kind != ATTRIB_CSV_CAMPAIGNS) {
                const attrib_csv_field *tf = &r.f[h.at[ATTRIB_CSV_TS]];
                int64_t t;
                const int integer = tf->len > 0 && attrib_csv_parse_u64(tf->p + (tf->p[0] == '-'),
                                                                        tf->len - (tf->p[0] == '-'),
                                                                        &(uint64_t){0}) == 0;
                if (attrib_time_parse(tf->p, tf->len, &t) != 0 || t != vm.ts)
                    abort();
                if (integer ? vs.ts != vm.ts * 1000 : vs.ts != vm.ts)
                    abort();
                if (vs.id != vm.id || vs.identity != vm.identity || vs.ref != vm.ref)
                    abort();
            }
        }
        for (size_t i = 0; i < r.nf; i++) {
            int64_t ms;
            double d;
            uint64_t u;
            if (attrib_time_parse(r.f[i].p, r.f[i].len, &ms) == 0) {
                char buf[40];
                attrib_time_format_iso(ms, buf);
            }
            attrib_csv_parse_amount(r.f[i].p, r.f[i].len, &d);
            attrib_csv_parse_u64(r.f[i].p, r.f[i].len, &u);
        }
        pos += used;
        starts[ns++] = pos;
    }
    /* Range starts agree with the sequential parse at a few split points. */
    for (size_t k = 0; k < n; k += 1 + n / 7) {
        uint64_t q = 0, l = 0;
        attrib_csv_count(s, k, &q, &l);
        int inq = (int)(q & 1);
        size_t st;
        uint64_t nlf;
        size_t want = n;
        for (size_t i = 0; i < ns; i++)
            if (starts[i] > k && starts[i] < want)
                want = starts[i];
        size_t got = attrib_csv_find_row_start(s + k, n - k, &inq, &st, &nlf) ? k + st : n;
        if (got != want)
            abort();
    }
    free(starts);
    attrib_csv_rec_free(&r);
    attrib_csv_rec_free(&w);
    return 0;
}

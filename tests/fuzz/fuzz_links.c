/* libFuzzer target: the links CSV (import --links) through the tokenizer, the header
 * map and the links row parser. Input: a CSV file whose first record is the header.
 * Checks, for every record after a valid header: the reason is in range; an accepted
 * row has both identity fields of 1..256 bytes and their hashes are those of the field
 * bytes under the key (as for event identities), a rejected row is rejected for a
 * reason of the links kind (columns, quoting, an empty or long identity_a/identity_b)
 * and exactly the first that applies; the same record parsed under a header with the
 * two columns swapped gives the two hashes swapped. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/csv.h"
#include "attrib/hash.h"
#include "attrib/timeparse.h"

static int expected_reason(const attrib_csv_header *h, const attrib_csv_rec *r)
{
    if (r->bad_quote)
        return ATTRIB_CSV_R_QUOTING;
    if (r->nf != (size_t)h->ncols)
        return ATTRIB_CSV_R_COLUMNS;
    const attrib_csv_field *a = &r->f[h->at[ATTRIB_CSV_IDENTITY]], *b = &r->f[h->at[ATTRIB_CSV_STR]];
    if (a->len == 0)
        return ATTRIB_CSV_R_IDENTITY_EMPTY;
    if (a->len > ATTRIB_CSV_IDENTITY_MAX)
        return ATTRIB_CSV_R_IDENTITY_LONG;
    if (b->len == 0)
        return ATTRIB_CSV_R_IDENTITY_B_EMPTY;
    if (b->len > ATTRIB_CSV_IDENTITY_MAX)
        return ATTRIB_CSV_R_IDENTITY_B_LONG;
    return ATTRIB_CSV_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    attrib_hash_key key = {3, 4};
    const attrib_csv_parse_opts o = {&key, ATTRIB_TIME_UNIT_NONE};
    attrib_csv_rec r;
    attrib_csv_rec_init(&r);
    attrib_csv_header h, sw;
    int have_header = 0;
    size_t pos = 0, used;
    while (attrib_csv_next(&r, s + pos, s + size, 1, &used) == ATTRIB_CSV_REC) {
        if (used == 0 || pos + used > size)
            abort();
        pos += used;
        if (!have_header) {
            const char *missing;
            int dup;
            int rc = attrib_csv_header_parse(&h, ATTRIB_CSV_LINKS, &r, &missing, &dup);
            if (rc != 0) {
                if (!missing || (strcmp(missing, "identity_a") && strcmp(missing, "identity_b")))
                    abort();
                break;
            }
            if (h.at[ATTRIB_CSV_IDENTITY] < 0 || h.at[ATTRIB_CSV_STR] < 0 ||
                h.at[ATTRIB_CSV_IDENTITY] == h.at[ATTRIB_CSV_STR] ||
                h.at[ATTRIB_CSV_IDENTITY] >= h.ncols || h.at[ATTRIB_CSV_STR] >= h.ncols ||
                h.at[ATTRIB_CSV_ID] >= 0 || h.at[ATTRIB_CSV_TS] >= 0 || h.at[ATTRIB_CSV_REF] >= 0 ||
                h.at[ATTRIB_CSV_AMOUNT] >= 0)
                abort();
            sw = h;
            sw.at[ATTRIB_CSV_IDENTITY] = h.at[ATTRIB_CSV_STR];
            sw.at[ATTRIB_CSV_STR] = h.at[ATTRIB_CSV_IDENTITY];
            have_header = 1;
            continue;
        }
        attrib_csv_values v, w;
        memset(&v, 0xA5, sizeof v);
        int reason = attrib_csv_parse_row(&h, &r, &o, &v);
        if (reason < 0 || reason >= ATTRIB_CSV_NREASONS || reason != expected_reason(&h, &r))
            abort();
        const char *text = attrib_csv_reason_str(ATTRIB_CSV_LINKS, reason);
        if (!text || strchr(text, ',') || strchr(text, '\n'))
            abort();
        if (reason != ATTRIB_CSV_OK)
            continue;
        const attrib_csv_field *a = &r.f[h.at[ATTRIB_CSV_IDENTITY]], *b = &r.f[h.at[ATTRIB_CSV_STR]];
        if (v.identity != attrib_identity_hash(&key, a->p, a->len) ||
            v.identity_b != attrib_identity_hash(&key, b->p, b->len))
            abort();
        if (a->len == b->len && memcmp(a->p, b->p, a->len) == 0 && v.identity != v.identity_b)
            abort(); /* a self link hashes to one vertex */
        if (attrib_csv_parse_row(&sw, &r, &o, &w) != ATTRIB_CSV_OK || w.identity != v.identity_b ||
            w.identity_b != v.identity)
            abort();
    }
    attrib_csv_rec_free(&r);
    return 0;
}

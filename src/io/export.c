/* One table of an attrib HDF5 file as CSV (include/attrib/export.h; the format is in
 * docs/formats.md). The table is read in blocks of one chunk, so memory stays bounded
 * whatever the table's size; no MPI (the file is opened on MPI_COMM_NULL). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/export.h"
#include "attrib/err.h"
#include "attrib/h5io.h"
#include "attrib/table.h"
#include "attrib/timeparse.h"

/* Rows per read: one chunk of the files attrib writes, so each chunk is decompressed once. */
#define EXPORT_BLOCK_ROWS ((uint64_t)1 << 20)
#define EXPORT_FLUSH_BYTES ((size_t)1 << 16)

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_reserve(sbuf *b, size_t more)
{
    if (b->n + more <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 1 << 17;
    while (cap < b->n + more)
        cap *= 2;
    b->p = attrib_xrealloc(b->p, cap);
    b->cap = cap;
}

static void sb_put(sbuf *b, const char *s, size_t len)
{
    sb_reserve(b, len);
    memcpy(b->p + b->n, s, len);
    b->n += len;
}

static void sb_putc(sbuf *b, char c)
{
    sb_reserve(b, 1);
    b->p[b->n++] = c;
}

static void sb_u64(sbuf *b, uint64_t v)
{
    char tmp[24];
    int i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_put(b, tmp + i, sizeof tmp - (size_t)i);
}

static void sb_i64(sbuf *b, int64_t v)
{
    if (v < 0) {
        sb_putc(b, '-');
        sb_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        sb_u64(b, (uint64_t)v);
    }
}

static void sb_f64(sbuf *b, double v)
{
    if (isnan(v)) {
        sb_put(b, "NaN", 3);
    } else if (isinf(v)) {
        if (v < 0)
            sb_put(b, "-inf", 4);
        else
            sb_put(b, "inf", 3);
    } else {
        char tmp[40];
        int n = snprintf(tmp, sizeof tmp, "%.17g", v);
        sb_put(b, tmp, (size_t)n);
    }
}

/* RFC 4180: quote only when needed, doubling quotes inside. */
static void sb_field(sbuf *b, const char *s, size_t len)
{
    int quote = 0;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        sb_put(b, s, len);
        return;
    }
    sb_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            sb_putc(b, '"');
        sb_putc(b, s[i]);
    }
    sb_putc(b, '"');
}

static int sb_flush(sbuf *b, FILE *out, const char *outname)
{
    if (b->n && fwrite(b->p, 1, b->n, out) != b->n)
        return attrib_err_write(outname, errno);
    b->n = 0;
    return 0;
}

static int is_timestamp(const attrib_colspec *cs)
{
    return cs->type == ATTRIB_T_I64 &&
           (strcmp(cs->name, "ts") == 0 || strcmp(cs->name, "conv_ts") == 0 ||
            strcmp(cs->name, "touch_ts") == 0);
}

typedef struct export_ctx {
    const char *file;
    const attrib_schema *s;
    int iso;
    char **type_names; /* conversions only */
    size_t ntypes;
    size_t nenum[ATTRIB_MAX_COLS];
} export_ctx;

/* Rows of one block; `first` is the global index of row 0, for messages. */
static int format_block(const export_ctx *x, const attrib_table *t, uint64_t first, sbuf *b,
                        FILE *out, const char *outname)
{
    const attrib_schema *s = x->s;
    for (size_t r = 0; r < t->n; r++) {
        for (size_t c = 0; c < s->ncols; c++) {
            const attrib_colspec *cs = &s->cols[c];
            if (c)
                sb_putc(b, ',');
            switch (cs->type) {
            case ATTRIB_T_U8: {
                uint8_t v = ATTRIB_COL(t, c, uint8_t)[r];
                if (!cs->enum_names) {
                    sb_u64(b, v);
                } else if (v < x->nenum[c]) {
                    sb_put(b, cs->enum_names[v], strlen(cs->enum_names[v]));
                } else {
                    return attrib_err_set(ATTRIB_EINPUT,
                                          "%s: dataset /%s/%s row %llu: %u is not a "
                                          "valid %s",
                                          x->file, s->name, cs->name,
                                          (unsigned long long)(first + r), v, cs->name);
                }
                break;
            }
            case ATTRIB_T_U16: {
                uint16_t v = ATTRIB_COL(t, c, uint16_t)[r];
                if (!x->type_names || c != ATTRIB_CV_TYPE) {
                    sb_u64(b, v);
                } else if (v < x->ntypes) {
                    sb_field(b, x->type_names[v], strlen(x->type_names[v]));
                } else {
                    return attrib_err_set(ATTRIB_EINPUT,
                                          "%s: dataset /conversions/type row %llu: "
                                          "%u is not an index into /conversions/type_names (%zu "
                                          "names)",
                                          x->file, (unsigned long long)(first + r), v, x->ntypes);
                }
                break;
            }
            case ATTRIB_T_U32:
                sb_u64(b, ATTRIB_COL(t, c, uint32_t)[r]);
                break;
            case ATTRIB_T_U64:
                sb_u64(b, ATTRIB_COL(t, c, uint64_t)[r]);
                break;
            case ATTRIB_T_I64: {
                int64_t v = ATTRIB_COL(t, c, int64_t)[r];
                if (x->iso && is_timestamp(cs)) {
                    char iso[40];
                    attrib_time_format_iso(v, iso);
                    sb_put(b, iso, strlen(iso));
                } else {
                    sb_i64(b, v);
                }
                break;
            }
            case ATTRIB_T_F64:
                sb_f64(b, ATTRIB_COL(t, c, double)[r]);
                break;
            case ATTRIB_T_STR:
                sb_field(b, attrib_table_str(t, c, r), attrib_table_strlen(t, c, r));
                break;
            }
        }
        sb_putc(b, '\n');
        if (b->n >= EXPORT_FLUSH_BYTES)
            ATTRIB_TRY(sb_flush(b, out, outname));
    }
    return 0;
}

int attrib_export_table(const char *file, const attrib_schema *s, int iso, FILE *out,
                        const char *outname)
{
    attrib_h5file *f = NULL;
    export_ctx x = {file, s, iso, NULL, 0, {0}};
    sbuf b = {0};
    uint64_t rows = 0;
    int rc;
    ATTRIB_TRY_GOTO(rc, attrib_h5_open(MPI_COMM_NULL, file, &f), out);
    ATTRIB_TRY_GOTO(rc, attrib_h5_exists(f, s->name), out);
    if (rc == 0) {
        rc = attrib_err_set(ATTRIB_EINPUT, "%s: has no table '%s'", file, s->name);
        goto out;
    }
    ATTRIB_TRY_GOTO(rc, attrib_h5_table_rows(f, s, &rows), out);
    if (s == &attrib_schema_conversions)
        ATTRIB_TRY_GOTO(
            rc, attrib_h5_read_strings(f, "conversions/type_names", &x.type_names, &x.ntypes), out);
    for (size_t c = 0; c < s->ncols; c++)
        while (s->cols[c].enum_names && s->cols[c].enum_names[x.nenum[c]])
            x.nenum[c]++;

    for (size_t c = 0; c < s->ncols; c++) {
        if (c)
            sb_putc(&b, ',');
        sb_put(&b, s->cols[c].name, strlen(s->cols[c].name));
    }
    sb_putc(&b, '\n');
    for (uint64_t at = 0; at < rows; at += EXPORT_BLOCK_ROWS) {
        uint64_t n = rows - at < EXPORT_BLOCK_ROWS ? rows - at : EXPORT_BLOCK_ROWS;
        attrib_table t;
        ATTRIB_TRY_GOTO(rc, attrib_h5_read_table(f, s, at, n, &t), out);
        rc = format_block(&x, &t, at, &b, out, outname);
        attrib_table_free(&t);
        if (rc < 0)
            goto out;
    }
    rc = sb_flush(&b, out, outname);
out:
    free(b.p);
    attrib_strlist_free(x.type_names, x.ntypes);
    int rc2 = attrib_h5_close(f);
    return rc < 0 ? rc : rc2;
}


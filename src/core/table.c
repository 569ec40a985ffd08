#include "attrib/table.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/sort.h"
#include "attrib/err.h"

size_t attrib_type_size(attrib_type t)
{
    switch (t) {
    case ATTRIB_T_U8: return 1;
    case ATTRIB_T_U16: return 2;
    case ATTRIB_T_U32: return 4;
    case ATTRIB_T_U64:
    case ATTRIB_T_I64:
    case ATTRIB_T_F64: return 8;
    case ATTRIB_T_STR: return 0;
    }
    return 0;
}

size_t attrib_table_elem_size(const attrib_table *t, size_t c)
{
    assert(c < t->schema->ncols);
    attrib_type ty = t->schema->cols[c].type;
    return ty == ATTRIB_T_STR ? t->strw[c] : attrib_type_size(ty);
}

void attrib_table_init(attrib_table *t, const attrib_schema *s, size_t strw_default)
{
    memset(t, 0, sizeof *t);
    t->schema = s;
    for (size_t c = 0; c < s->ncols; c++)
        t->strw[c] = s->cols[c].type == ATTRIB_T_STR ? (strw_default ? strw_default : 1) : 0;
}

void attrib_table_free(attrib_table *t)
{
    if (!t || !t->schema)
        return;
    for (size_t c = 0; c < t->schema->ncols; c++) {
        free(t->col[c]);
        t->col[c] = NULL;
    }
    t->n = t->cap = 0;
}

void attrib_table_reserve(attrib_table *t, size_t cap)
{
    if (cap <= t->cap)
        return;
    size_t nc = t->cap ? t->cap : 16;
    while (nc < cap)
        nc = nc + nc / 2 + 16;
    for (size_t c = 0; c < t->schema->ncols; c++)
        t->col[c] = attrib_xrealloc(t->col[c], nc * attrib_table_elem_size(t, c));
    t->cap = nc;
}

void attrib_table_resize(attrib_table *t, size_t n)
{
    attrib_table_reserve(t, n);
    if (n > t->n)
        for (size_t c = 0; c < t->schema->ncols; c++) {
            size_t es = attrib_table_elem_size(t, c);
            memset((char *)t->col[c] + t->n * es, 0, (n - t->n) * es);
        }
    t->n = n;
}

size_t attrib_table_push(attrib_table *t)
{
    if (t->n == t->cap)
        attrib_table_reserve(t, t->n + 1);
    size_t r = t->n++;
    for (size_t c = 0; c < t->schema->ncols; c++) {
        size_t es = attrib_table_elem_size(t, c);
        memset((char *)t->col[c] + r * es, 0, es);
    }
    return r;
}

void attrib_table_set_strw(attrib_table *t, size_t c, size_t w)
{
    assert(t->schema->cols[c].type == ATTRIB_T_STR);
    if (w == 0)
        w = 1;
    size_t old = t->strw[c];
    if (w == old)
        return;
    char *nd = attrib_xcalloc(t->cap ? t->cap : 1, w);
    const char *od = t->col[c];
    for (size_t r = 0; r < t->n; r++)
        memcpy(nd + r * w, od + r * old, old < w ? old : w);
    free(t->col[c]);
    t->col[c] = nd;
    t->strw[c] = w;
}

void attrib_table_set_str(attrib_table *t, size_t c, size_t r, const char *s, size_t len)
{
    assert(t->schema->cols[c].type == ATTRIB_T_STR && r < t->n);
    size_t w = t->strw[c];
    char *d = (char *)t->col[c] + r * w;
    if (len > w)
        len = w;
    memcpy(d, s, len);
    memset(d + len, 0, w - len);
}

const char *attrib_table_str(const attrib_table *t, size_t c, size_t r)
{
    return (const char *)t->col[c] + r * t->strw[c];
}

size_t attrib_table_strlen(const attrib_table *t, size_t c, size_t r)
{
    const char *s = attrib_table_str(t, c, r);
    const char *z = memchr(s, 0, t->strw[c]);
    return z ? (size_t)(z - s) : t->strw[c];
}

void attrib_table_append(attrib_table *dst, const attrib_table *src, size_t from, size_t count)
{
    assert(dst->schema == src->schema && from + count <= src->n);
    for (size_t c = 0; c < src->schema->ncols; c++)
        if (src->schema->cols[c].type == ATTRIB_T_STR && src->strw[c] > dst->strw[c])
            attrib_table_set_strw(dst, c, src->strw[c]);
    size_t at = dst->n;
    attrib_table_resize(dst, at + count);
    for (size_t c = 0; c < src->schema->ncols; c++) {
        size_t es = attrib_table_elem_size(dst, c);
        if (src->schema->cols[c].type == ATTRIB_T_STR && src->strw[c] != dst->strw[c]) {
            for (size_t i = 0; i < count; i++)
                attrib_table_set_str(dst, c, at + i, attrib_table_str(src, c, from + i),
                                     attrib_table_strlen(src, c, from + i));
        } else if (count) { /* an empty table may have NULL columns */
            memcpy((char *)dst->col[c] + at * es, (const char *)src->col[c] + from * es, count * es);
        }
    }
}

void attrib_table_permute(attrib_table *t, const uint32_t *perm, size_t n_out)
{
    size_t maxes = 0;
    for (size_t c = 0; c < t->schema->ncols; c++) {
        size_t es = attrib_table_elem_size(t, c);
        if (es > maxes)
            maxes = es;
    }
    char *tmp = attrib_xmalloc((n_out ? n_out : 1) * maxes);
    for (size_t c = 0; c < t->schema->ncols; c++) {
        size_t es = attrib_table_elem_size(t, c);
        const char *src = t->col[c];
        switch (es) {
        case 1:
            for (size_t i = 0; i < n_out; i++) tmp[i] = src[perm[i]];
            break;
        case 2:
            for (size_t i = 0; i < n_out; i++) ((uint16_t *)tmp)[i] = ((const uint16_t *)src)[perm[i]];
            break;
        case 4:
            for (size_t i = 0; i < n_out; i++) ((uint32_t *)tmp)[i] = ((const uint32_t *)src)[perm[i]];
            break;
        case 8:
            for (size_t i = 0; i < n_out; i++) ((uint64_t *)tmp)[i] = ((const uint64_t *)src)[perm[i]];
            break;
        default:
            for (size_t i = 0; i < n_out; i++) memcpy(tmp + i * es, src + (size_t)perm[i] * es, es);
        }
        memcpy(t->col[c], tmp, n_out * es);
    }
    free(tmp);
    t->n = n_out;
}

int attrib_schema_col(const attrib_schema *s, const char *name)
{
    for (size_t c = 0; c < s->ncols; c++)
        if (strcmp(s->cols[c].name, name) == 0)
            return (int)c;
    return -1;
}

int attrib_catalog_sort(attrib_table *cat, const char *file)
{
    uint32_t *perm = attrib_xmalloc((cat->n ? cat->n : 1) * sizeof *perm);
    const uint64_t *keys[1];
    uint64_t *id64 = attrib_xmalloc((cat->n ? cat->n : 1) * sizeof *id64);
    const uint32_t *id = ATTRIB_COL(cat, ATTRIB_CA_CAMPAIGN_ID, uint32_t);
    for (size_t i = 0; i < cat->n; i++)
        id64[i] = id[i];
    keys[0] = id64;
    attrib_sort_lex(cat->n, 1, keys, perm);
    free(id64);
    if (cat->n)
        attrib_table_permute(cat, perm, cat->n);
    free(perm);
    id = ATTRIB_COL(cat, ATTRIB_CA_CAMPAIGN_ID, uint32_t);
    for (size_t i = 1; i < cat->n; i++)
        if (id[i] == id[i - 1])
            return attrib_err_set(ATTRIB_EINPUT, "%s: /campaigns: campaign_id %u appears twice", file,
                                  id[i]);
    return 0;
}

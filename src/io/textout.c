/* Small writers for report-like outputs (include/attrib/textout.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/textout.h"

struct attrib_grid {
    size_t ncols, nrows, cap;
    char *align;
    char **cells; /* (nrows + 1) * ncols, row 0 the header; a NULL row marks a rule */
    unsigned char *rule;
};

static void grid_push(attrib_grid *g, const char *const *cells, int rule)
{
    if (g->nrows + 1 >= g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->cells = attrib_xrealloc(g->cells, g->cap * g->ncols * sizeof *g->cells);
        g->rule = attrib_xrealloc(g->rule, g->cap);
    }
    size_t r = g->nrows++;
    g->rule[r] = (unsigned char)rule;
    for (size_t c = 0; c < g->ncols; c++)
        g->cells[r * g->ncols + c] = attrib_xstrdup(cells && cells[c] ? cells[c] : "");
}

attrib_grid *attrib_grid_create(size_t ncols, const char *const *header, const char *align)
{
    attrib_grid *g = attrib_xcalloc(1, sizeof *g);
    g->ncols = ncols;
    g->align = attrib_xmalloc(ncols + 1);
    for (size_t c = 0; c < ncols; c++)
        g->align[c] = align && strlen(align) > c ? align[c] : 'l';
    g->align[ncols] = 0;
    grid_push(g, header, 0);
    return g;
}

void attrib_grid_row(attrib_grid *g, const char *const *cells) { grid_push(g, cells, 0); }

void attrib_grid_rowv(attrib_grid *g, ...)
{
    const char **cells = attrib_xmalloc(g->ncols * sizeof *cells);
    va_list ap;
    va_start(ap, g);
    for (size_t c = 0; c < g->ncols; c++)
        cells[c] = va_arg(ap, const char *);
    va_end(ap);
    grid_push(g, cells, 0);
    free(cells);
}

void attrib_grid_rule(attrib_grid *g) { grid_push(g, NULL, 1); }


/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

void attrib_grid_print(const attrib_grid *g, FILE *out, const char *indent)
{
    size_t *w = attrib_xcalloc(g->ncols, sizeof *w);
    for (size_t r = 0; r < g->nrows; r++)
        for (size_t c = 0; c < g->ncols && !g->rule[r]; c++) {
            size_t x = width(g->cells[r * g->ncols + c]);
            if (x > w[c])
                w[c] = x;
        }
    for (size_t r = 0; r < g->nrows; r++) {
        fputs(indent ? indent : "", out);
        /* Trailing blanks are not printed: the last column is never padded on the right. */
        size_t last = g->ncols;
        while (last > 0 && !g->rule[r] && !*g->cells[r * g->ncols + last - 1])
            last--;
        for (size_t c = 0; c < last; c++) {
            const char *s = g->cells[r * g->ncols + c];
            size_t pad = g->rule[r] ? 0 : w[c] - width(s);
            if (c)
                fputs("  ", out);
            if (g->rule[r]) {
                for (size_t i = 0; i < w[c]; i++)
                    fputc('-', out);
                continue;
            }
            if (g->align[c] == 'r')
                fprintf(out, "%*s%s", (int)pad, "", s);
            else if (c + 1 < last)
                fprintf(out, "%s%*s", s, (int)pad, "");
            else
                fputs(s, out);
        }
        fputc('\n', out);
    }
    free(w);
}

void attrib_grid_free(attrib_grid *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nrows * g->ncols; i++)
        free(g->cells[i]);
    free(g->cells);
    free(g->rule);
    free(g->align);
    free(g);
}

void attrib_json_str(FILE *out, const char *s, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&' || ch == 0x7f)
                fprintf(out, "\\u%04x", ch);
            else
                fputc(ch, out);
        }
    }
    fputc('"', out);
}

void attrib_json_num(FILE *out, double v)
{
    if (!isfinite(v))
        fputs("null", out);
    else if (v == 0)
        fputs("0", out); /* no "-0" */
    else
        fprintf(out, "%.17g", v);
}

void attrib_csv_put_str(FILE *out, const char *s, size_t len)
{
    int q = 0;
    for (size_t i = 0; i < len && !q; i++)
        q = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!q) {
        fwrite(s, 1, len, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}

void attrib_csv_put_num(FILE *out, double v)
{
    if (isnan(v))
        fputs("NaN", out);
    else if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", out);
    else
        fprintf(out, "%.17g", v);
}

void attrib_html_str(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(s[i], out);
        }
    }
}

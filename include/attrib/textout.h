/* attrib — small writers shared by everything that prints reports (the renderers of
 * src/report, reconcile, explain): aligned text tables, and JSON, CSV and HTML scalars.
 * Local, no MPI. */
#ifndef ATTRIB_TEXTOUT_H
#define ATTRIB_TEXTOUT_H

#include <stddef.h>
#include <stdio.h>

/* ---- Aligned text tables ---- */
typedef struct attrib_grid attrib_grid;

/* A table of `ncols` columns with the given header cells (copied). `align` is a string
 * of ncols characters, 'r' for a right-aligned column (numbers), 'l' for left. */
attrib_grid *attrib_grid_create(size_t ncols, const char *const *header, const char *align);
/* Append a row of ncols cells (copied; NULL prints as empty). */
void attrib_grid_row(attrib_grid *g, const char *const *cells);
/* Append a row from printf-style cells: each of the ncols variadic arguments is a
 * const char * (convenience for literal rows). */
void attrib_grid_rowv(attrib_grid *g, ...);
/* Append a separator line (dashes under every column). */
void attrib_grid_rule(attrib_grid *g);
/* Print with columns separated by two spaces, each line prefixed by `indent`. */
void attrib_grid_print(const attrib_grid *g, FILE *out, const char *indent);
void attrib_grid_free(attrib_grid *g); /* NULL ok */

/* ---- Scalars ---- */
/* JSON string (quoted), escaping control bytes, '"', '\\' and also '<', '>' and '&' (as
 * \u003c …) so the text is safe inside an HTML <script> element. */
void attrib_json_str(FILE *out, const char *s, size_t len);
/* JSON number: %.17g, or null for NaN and infinities. */
void attrib_json_num(FILE *out, double v);
/* CSV field per RFC 4180: quoted only when it holds ',', '"', CR or LF. */
void attrib_csv_put_str(FILE *out, const char *s, size_t len);
/* CSV number as `attrib export` writes it: %.17g, NaN, inf, -inf. */
void attrib_csv_put_num(FILE *out, double v);
/* HTML text with &, <, >, " escaped. */
void attrib_html_str(FILE *out, const char *s, size_t len);

#endif

/* attrib — one table of an attrib HDF5 file (input or results) as CSV. */
#ifndef ATTRIB_EXPORT_H
#define ATTRIB_EXPORT_H

#include <stdio.h>

#include "attrib/table.h"

/* Local, no MPI. Write table `s` of `file` to `out` as CSV with a header line: columns
 * in schema order, integers in decimal, floats as %.17g, enumerations and conversion
 * types by name, timestamps as integer ms or (iso) ISO 8601 UTC, strings quoted per
 * RFC 4180 when needed. `outname` names `out` in messages. Returns 0 or a negative
 * attrib_err (a missing file or table, a damaged one, a failed write). */
int attrib_export_table(const char *file, const attrib_schema *s, int iso, FILE *out,
                        const char *outname);

#endif

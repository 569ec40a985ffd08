/* Helpers shared by the renderers of src/report (private to the folder). Local. */
#ifndef ATTRIB_REPORT_FMT_H
#define ATTRIB_REPORT_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "attrib/report.h"

/* `v` printed with printf format `f` into buf ("-" for NaN and infinities; -0 as 0). */
const char *attrib_report_fmt(char *buf, size_t n, const char *f, double v);
/* `v` in decimal into buf. */
const char *attrib_report_fmtu(char *buf, size_t n, uint64_t v);
/* `, "KEY": NUMBER` (null for NaN and infinities). */
void attrib_report_json_kv(FILE *out, const char *key, double v);

/* The columns of report/advertiser, in schema order (RA_*): v[0] is advertiser_id. */
void attrib_report_advertiser_values(const attrib_report_advertiser *a, uint64_t v[ATTRIB_RA_NCOLS]);

#endif

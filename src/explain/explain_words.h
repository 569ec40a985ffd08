/* attrib explain's renderers (src/explain/ only): what the text and JSON renderers say
 * alike — campaign names, type names, why a touch has its status, how the model split
 * the credit, the period. Local. */
#ifndef ATTRIB_EXPLAIN_WORDS_H
#define ATTRIB_EXPLAIN_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/explain.h"
#include "attrib/rules.h"
#include "attrib/table.h"

/* What the renderers read, taken from an attrib_explain_result (rank 0). */
typedef struct attrib_explain_view {
    const attrib_explanation *x;
    const attrib_rules *rules;
    char *const *type_names;
    size_t ntypes;
    const attrib_table *cat; /* sorted by campaign_id */
    int64_t from, to;
    int model_overridden;
    /* stitching: the result's fields (attrib_explain_result) */
    int stitched;
    const uint64_t *members, *touch_dev, *conv_dev;
    size_t nmembers, ntouch_dev, nconv_dev;
} attrib_explain_view;

void attrib_explain_view_init(attrib_explain_view *c, const attrib_explain_result *r);

/* The campaign's name from the catalog ("" and *len 0 when unknown; not NUL-terminated
 * when it fills the column: use *len). */
const char *attrib_explain_campaign_name(const attrib_explain_view *c, uint32_t id, size_t *len);
/* The conversion's type name ("?" when out of range). */
const char *attrib_explain_type_name(const attrib_explain_view *c);
/* "purchase, signup": the types `allowed` marks. */
void attrib_explain_type_list(const attrib_explain_view *c, const uint8_t *allowed, char *buf,
                              size_t size);
/* The reason column: why this touch has its status, in words. */
void attrib_explain_touch_reason(const attrib_explain_view *c, const attrib_xtouch *t, char *buf,
                                 size_t size);
/* "linear over 3 candidates: 1/3 each", … */
void attrib_explain_model_summary(const attrib_explain_view *c, char *buf, size_t size);
/* The identities (distinct, sorted) event `event_id` of the person was read under:
 * *n of them from the returned pointer's pairs (stride 2, identity at [1]). */
const uint64_t *attrib_explain_touch_devices(const attrib_explain_view *c, uint64_t event_id,
                                             size_t *n);
/* Does the person span several identities (stitched, more than one member)? */
int attrib_explain_cross_device(const attrib_explain_view *c);
/* "all conversions (no --from/--to)" or "[FROM, TO)". */
void attrib_explain_period_text(const attrib_explain_view *c, char *buf, size_t size);

#endif

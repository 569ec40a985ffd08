/* attrib — the journeys of a run, counted by path (core layer: no MPI, no HDF5).
 *
 * A journey (docs/datadriven.md, "Journeys") is a sequence of touches of one advertiser's
 * campaigns: the candidates of a conversion (converting), or the recent touches of an
 * identity that never converted with the advertiser (non-converting). What the models
 * need of it is its path, the campaign ids in (ts, event_id) order. A path map counts,
 * per (advertiser, path), the converting journeys, the sum of their values (exact fixed
 * point, so that any order of adding gives the same bits) and the non-converting ones.
 *
 * Each rank fills its own map in the engine's pass; the maps are merged on one rank
 * (pack / add_packed), which writes /report/paths and fits the data-driven models of
 * every advertiser (attrib_pathmap_fit, markov.h). Every function is local.
 */
#ifndef ATTRIB_JOURNEYS_H
#define ATTRIB_JOURNEYS_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/fixed.h"
#include "attrib/table.h"

typedef struct attrib_pathmap attrib_pathmap;

attrib_pathmap *attrib_pathmap_new(void);
void attrib_pathmap_free(attrib_pathmap *m); /* NULL ok */

/* Add to the entry of (advertiser, path): `conv` converting journeys whose values sum to
 * `value` (money scale, fixed.h) and `nulls` non-converting ones. n >= 1. */
void attrib_pathmap_add(attrib_pathmap *m, uint32_t advertiser_id, const uint32_t *campaign_ids,
                        size_t n, uint64_t conv, attrib_fx value, uint64_t nulls);

/* Distinct (advertiser, path) entries, and journeys (converting + non-converting). */
size_t attrib_pathmap_size(const attrib_pathmap *m);
uint64_t attrib_pathmap_journeys(const attrib_pathmap *m);

/* Serialise every entry into a malloc'd buffer (*buf, *len), and add such a buffer's
 * entries to a map. add_packed returns 0, or ATTRIB_EINTERNAL for a corrupt buffer. */
void attrib_pathmap_pack(const attrib_pathmap *m, uint8_t **buf, size_t *len);
int attrib_pathmap_add_packed(attrib_pathmap *m, const uint8_t *buf, size_t len);

/* The /report/paths rows (attrib_schema_report_paths): one per entry, sorted by
 * advertiser_id, then path bytewise, the path being the campaign ids in decimal joined
 * by " > ". The strings are made once (their total length, not rows x the longest);
 * rows are taken in blocks: get(r, start, count, t) resizes t to `count` rows, with the
 * path column as wide as the longest path. The map must outlive r. */
typedef struct attrib_pathrows attrib_pathrows;
attrib_pathrows *attrib_pathrows_new(const attrib_pathmap *m);
size_t attrib_pathrows_count(const attrib_pathrows *r);
size_t attrib_pathrows_width(const attrib_pathrows *r);
void attrib_pathrows_get(const attrib_pathrows *r, size_t start, size_t count, attrib_table *t);
/* Every row at once, the path column left empty (width 1): strs[i] is row i's path,
 * NUL-terminated, valid until attrib_pathrows_free (for a variable-length column). */
void attrib_pathrows_get_all(const attrib_pathrows *r, attrib_table *t, const char **strs);
void attrib_pathrows_free(attrib_pathrows *r); /* NULL ok */

/* Fit every advertiser of the map (markov.h, attrib_fit_paths) at the order
 * order_of(advertiser_id, ctx) returns (1..4), channels numbered by the bytewise order
 * of the campaign ids' decimal strings (as `attrib fit` numbers names, so that fitting
 * /report/paths exported as CSV gives the same bits). Appends to `markov`
 * (attrib_schema_report_markov) and `shapley` (attrib_schema_report_shapley) one row
 * per (advertiser, campaign on any of its paths), sorted by advertiser_id, campaign_id,
 * and calls re_out(advertiser_id, campaign_id, removal_effect, ctx) for each. Returns 0
 * or the fit's error (its message names the advertiser). */
int attrib_pathmap_fit(const attrib_pathmap *m, int (*order_of)(uint32_t advertiser_id, void *ctx),
                       void (*re_out)(uint32_t advertiser_id, uint32_t campaign_id, double re,
                                      void *ctx),
                       void *ctx, attrib_table *markov, attrib_table *shapley);

#endif

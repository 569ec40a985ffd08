/* attrib — the report accumulators (core): dense per-campaign sums, sparse per-day and
 * per-advertiser sums, all exact fixed point (fixed.h), and the report tables built from
 * them. All local. */
#ifndef ATTRIB_ACC_H
#define ATTRIB_ACC_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/fixed.h"
#include "attrib/rules.h"
#include "attrib/table.h"

/* Dense per-campaign accumulator fields (index = campaign index * ATTRIB_ACC_C_N + field). */
enum {
    ATTRIB_ACC_C_IMPRESSIONS, ATTRIB_ACC_C_ENGAGEMENTS, ATTRIB_ACC_C_NURTURES, /* touches with ts in period */
    ATTRIB_ACC_C_REACH,            /* distinct identities with a touch of the campaign in period */
    ATTRIB_ACC_C_COST,             /* money: sum of cost of those touches */
    ATTRIB_ACC_C_CONVERSIONS,      /* credit: sum of credit */
    ATTRIB_ACC_C_VALUE,            /* money: sum of credited value */
    ATTRIB_ACC_C_CREDITED_TOUCHES, /* count of credit rows */
    ATTRIB_ACC_C_TTC,              /* money scale: sum of credit × (conv_ts − touch_ts)/1000 */
    ATTRIB_ACC_C_N
};

/* Sparse accumulators: sorted unique u64 keys, each with `nvals` attrib_fx values. */
typedef struct attrib_sparse {
    size_t n, cap, nvals;
    uint64_t *key;
    attrib_fx *val; /* n * nvals */
    int sorted;     /* keys sorted and unique */
} attrib_sparse;

/* daily / daily_touch: key = (campaign index << 32) | (uint32_t)(day + 2^31) where day
 * is days since 1970-01-01 (floor); values {conversions (credit scale), value (money)}.
 * advertiser: key = advertiser id; values, all plain counts:
 * {conversions, attributed, no_touch, rule_excluded, outside_window,
 *  dup_touches, dup_touches_inexact, dup_conversions, dup_conversions_inexact}. */
enum { ATTRIB_ACC_D_CONVERSIONS, ATTRIB_ACC_D_VALUE, ATTRIB_ACC_D_N };
enum {
    ATTRIB_ACC_A_CONVERSIONS, ATTRIB_ACC_A_ATTRIBUTED, ATTRIB_ACC_A_NO_TOUCH, ATTRIB_ACC_A_RULE_EXCLUDED,
    ATTRIB_ACC_A_OUTSIDE_WINDOW, ATTRIB_ACC_A_DUP_TOUCHES, ATTRIB_ACC_A_DUP_TOUCHES_INEXACT, ATTRIB_ACC_A_DUP_CONVERSIONS,
    ATTRIB_ACC_A_DUP_CONVERSIONS_INEXACT, ATTRIB_ACC_A_N
};

/* --compare: per (compared model, campaign index) */
enum { ATTRIB_ACC_M_CONVERSIONS, ATTRIB_ACC_M_VALUE, ATTRIB_ACC_M_CREDITED_TOUCHES, ATTRIB_ACC_M_N };

typedef struct attrib_acc {
    size_t ncampaigns;
    attrib_fx *camp; /* ncampaigns * ATTRIB_ACC_C_N */
    size_t ncmp;     /* compared models (0 without --compare) */
    attrib_fx *cmp;  /* ncmp * ncampaigns * ATTRIB_ACC_M_N: credit, money, count */
    attrib_sparse daily, daily_touch, advertiser;
} attrib_acc;

void attrib_acc_init(attrib_acc *a, size_t ncampaigns);
void attrib_acc_free(attrib_acc *a);
/* Room for the sums of `ncmp` compared models (zero). */
void attrib_acc_init_compare(attrib_acc *a, size_t ncmp);

void attrib_sparse_init(attrib_sparse *s, size_t nvals);
void attrib_sparse_free(attrib_sparse *s);
/* Add `vals` (nvals of them) to key (may leave the map unsorted). The map combines
 * equal keys whenever it would grow, so its size follows its distinct keys. */
void attrib_sparse_add(attrib_sparse *s, uint64_t key, const attrib_fx *vals);
/* Sort by key and combine equal keys. */
void attrib_sparse_finish(attrib_sparse *s);
/* Merge another finished map into a finished map (sums equal keys). */
void attrib_sparse_merge(attrib_sparse *dst, const attrib_sparse *src);

/* Build the four report tables (initialised here) from a fully reduced accumulator.
 * report/campaign has one row per catalog campaign (zero rows included), sorted by
 * campaign_id; the others sorted by their keys. */
void attrib_acc_to_tables(const attrib_acc *a, const attrib_rules *bound_rules,
                          attrib_table *campaign, attrib_table *daily, attrib_table *daily_touch,
                          attrib_table *advertiser);

#endif

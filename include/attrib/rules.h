/* attrib — attribution rules (docs/rules.md), resolved for fast lookup.
 *
 * Loading (libconfig text → attrib_rules) lives in io (rules_load.c); everything
 * else here is core: resolution, binding to a campaign catalog, lookups, packing
 * for broadcast. All functions are local.
 *
 * Lifecycle: attrib_rules_load() (or attrib_rules_unpack()) → optionally
 * attrib_rules_override_model() → attrib_rules_bind() to the input's campaign catalog
 * and type names → lookups → attrib_rules_free().
 */
#ifndef ATTRIB_RULES_H
#define ATTRIB_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "attrib/table.h"

enum attrib_model {
    ATTRIB_MODEL_LAST_TOUCH,
    ATTRIB_MODEL_FIRST_TOUCH,
    ATTRIB_MODEL_LINEAR,
    ATTRIB_MODEL_TIME_DECAY,
    ATTRIB_MODEL_POSITION_BASED,
    ATTRIB_MODEL_U_SHAPED,
    ATTRIB_MODEL_J_CURVE,
    ATTRIB_MODEL_INVERSE_J,
    ATTRIB_MODEL_MARKOV,  /* data-driven (docs/datadriven.md): removal effects of the period */
    ATTRIB_MODEL_SHAPLEY, /* simplified Shapley: equal shares per distinct campaign */
    ATTRIB_NMODELS
};
/* In --compare lists only: each advertiser's model as its rules give it, before --model. */
#define ATTRIB_MODEL_OWN ATTRIB_NMODELS
/* "last_touch", … in enum order, NULL-terminated. */
extern const char *const attrib_model_names[];
/* Model by name, or -1. */
int attrib_model_parse(const char *name);

#define ATTRIB_LOOKBACK_OFF INT64_C(-1)

/* `markov = { order = K; }`: K in 1..ATTRIB_MARKOV_MAX_ORDER, one per advertiser. */
#define ATTRIB_MARKOV_MAX_ORDER 4

/* Per-advertiser keys, resolved (defaults ← advertiser version). For the presets
 * (u_shaped, j_curve, inverse_j) `first`/`last` hold the preset's weights and
 * `model` stays the preset; the engine treats all four as position-based. */
typedef struct attrib_adv_rule {
    enum attrib_model model;
    int engagement_priority; /* 0 or 1 */
    int64_t half_life_ms;    /* > 0 */
    double first, last;      /* position_based weights */
    int markov_order;        /* 1..ATTRIB_MARKOV_MAX_ORDER (4) */
    /* As the rules give them, before --model: the model (and, after presets, the weights
     * it uses), and the position_based weights as configured (for --compare). */
    enum attrib_model own_model;
    double own_first, own_last;
    double cfg_first, cfg_last;
} attrib_adv_rule;

/* Local. The rule `a` with its model replaced by m (ATTRIB_MODEL_OWN: a's own model),
 * other keys kept: position_based takes the configured weights, presets their own. */
attrib_adv_rule attrib_rules_adv_with_model(const attrib_adv_rule *a, int m);


/* Per-campaign keys, resolved (defaults ← advertiser version ← campaign version). */
typedef struct attrib_camp_rule {
    int64_t lookback_ms[3];       /* by enum attrib_kind; ATTRIB_LOOKBACK_OFF when "off" */
    uint32_t rule_version;        /* docs/rules.md: 1-based position of the campaign entry in force, 0 if none */
    const uint8_t *type_allowed;  /* after bind: indexed by conversion type id, 1 = counts;
                                     NULL = every type counts */
} attrib_camp_rule;

typedef struct attrib_rules attrib_rules;

/* io: parse and validate a libconfig rules file. Errors name file, line and key
 * ("rules.cfg:12: unknown model 'lastclick'"); returns ATTRIB_EINPUT / ATTRIB_EIO. */
int attrib_rules_load(const char *path, attrib_rules **out);
/* Same, from text in memory; `name` is used in messages in place of a path. */
int attrib_rules_load_text(const char *name, const char *text, attrib_rules **out);

void attrib_rules_free(attrib_rules *r); /* NULL ok */
/* Local. 1 when some advertiser (or the defaults), in some version, uses markov or
 * shapley after --model: the run then counts journeys and fits the data-driven models. */
int attrib_rules_uses_datadriven(const attrib_rules *r);

/* Replace every advertiser's model (and the defaults') by `m`, keeping their other keys
 * (docs/rules.md, `--model`). */
void attrib_rules_override_model(attrib_rules *r, enum attrib_model m);

/* Serialise to a malloc'd byte buffer and back (for MPI_Bcast from rank 0). The
 * round trip is exact. Unpack of a corrupt buffer returns ATTRIB_EINPUT. */
int attrib_rules_pack(const attrib_rules *r, void **buf, size_t *len);
int attrib_rules_unpack(const void *buf, size_t len, attrib_rules **out);

/* Bind to a campaign catalog (an attrib_schema_campaigns table) and the input's
 * conversion type names. After this, campaigns and advertisers are addressed by dense
 * indices: campaign index = row of the catalog once sorted by campaign_id (the catalog
 * passed must be sorted by campaign_id, ids unique); advertiser index via
 * attrib_rules_adv_index(). Rules entries naming campaigns or advertisers absent from
 * the catalog produce one warning line each in *warnings (malloc'd, may be NULL when
 * none). Returns ATTRIB_EINPUT if the catalog is not sorted/unique. */
int attrib_rules_bind(attrib_rules *r, const attrib_table *campaigns_sorted,
                      char *const *type_names, size_t ntypes, char **warnings);

/* After bind. Dense index of a campaign id / advertiser id, or -1 if absent. */
int64_t attrib_rules_camp_index(const attrib_rules *r, uint32_t campaign_id);
int64_t attrib_rules_adv_index(const attrib_rules *r, uint32_t advertiser_id);
size_t attrib_rules_ncampaigns(const attrib_rules *r);
size_t attrib_rules_nadvertisers(const attrib_rules *r);
uint32_t attrib_rules_camp_id(const attrib_rules *r, size_t camp_index);
uint32_t attrib_rules_adv_id(const attrib_rules *r, size_t adv_index);
/* Dense advertiser index of a campaign (from the catalog). */
size_t attrib_rules_camp_adv(const attrib_rules *r, size_t camp_index);

/* After bind. The rule in force at timestamp ts (the conversion's). Never NULL.
 * For an advertiser id absent from the catalog use attrib_rules_adv_default_at(). */
const attrib_adv_rule *attrib_rules_adv_at(const attrib_rules *r, size_t adv_index, int64_t ts);
const attrib_adv_rule *attrib_rules_adv_default_at(const attrib_rules *r, uint32_t advertiser_id,
                                                   int64_t ts);
const attrib_camp_rule *attrib_rules_camp_at(const attrib_rules *r, size_t camp_index, int64_t ts);

/* The Markov order of an advertiser (docs/rules.md, `markov = { order = K; }`): one for
 * the whole time line, as attrib_rules_finish() refuses versions that differ; the
 * defaults' for an advertiser without an entry. Needs finished rules, not bind. */
int attrib_rules_markov_order(const attrib_rules *r, uint32_t advertiser_id);

/* The longest lookback of any kind in any version of any campaign (0 if all off):
 * the bound of the matching window. Before bind, an upper bound over every lookback
 * the defaults or any entry gives; after bind, the maximum over the defaults, every
 * advertiser version and every resolved campaign segment. */
int64_t attrib_rules_max_lookback(const attrib_rules *r);

/* Print the resolved rules, readable by a person (attrib check). Before bind it prints
 * the levels and versions as resolved from the file. */
void attrib_rules_print(const attrib_rules *r, FILE *out);

/* Where an entry came from, for explain: "rules.cfg:14" of the campaign entry in force
 * for campaign index at ts, else of the advertiser entry in force, else "defaults" (the
 * file's defaults block) or "built-in defaults". Static or owned by r. */
const char *attrib_rules_camp_origin(const attrib_rules *r, size_t camp_index, int64_t ts);

/* The same as attrib_rules_print() as one JSON object (attrib check --json). */
void attrib_rules_print_json(const attrib_rules *r, FILE *out);

/* ---- Building rules: the loader's side of the contract, also used by unpack and
 * tests. core, no libconfig. Local. ----
 *
 * attrib_rules_create() → attrib_rules_add() per entry (defaults at most once) →
 * attrib_rules_finish(), which sorts versions, rejects two versions of one id with the
 * same effective_from, combined position_based weights above 1 and an advertiser whose
 * Markov order changes over time, and resolves. A
 * rules object is usable (override, pack, bind, lookups, print) only once finished;
 * attrib_rules_load() and attrib_rules_unpack() return finished rules. */

/* Keys of an entry; bit (1u << key) in attrib_rules_keys.set. */
enum attrib_rule_key {
    ATTRIB_RK_MODEL,
    ATTRIB_RK_ENGAGEMENT_PRIORITY,
    ATTRIB_RK_LOOKBACK, /* + enum attrib_kind: one key per kind */
    ATTRIB_RK_CONVERSION_TYPES = ATTRIB_RK_LOOKBACK + ATTRIB_NKINDS,
    ATTRIB_RK_HALF_LIFE,
    ATTRIB_RK_FIRST,
    ATTRIB_RK_LAST,
    ATTRIB_RK_MARKOV_ORDER,
    ATTRIB_RK_EFFECTIVE_FROM,
    ATTRIB_NRULE_KEYS
};
/* "model", "engagement_priority", "lookback.impression", …, "effective_from" in enum
 * order (the key paths a rules file uses), NULL-terminated. */
extern const char *const attrib_rule_key_names[];

/* Keys a campaign entry may not hold (they are per advertiser, docs/rules.md). */
#define ATTRIB_RK_ADVERTISER_ONLY                                                                  \
    ((1u << ATTRIB_RK_MODEL) | (1u << ATTRIB_RK_ENGAGEMENT_PRIORITY) |                             \
     (1u << ATTRIB_RK_HALF_LIFE) | (1u << ATTRIB_RK_FIRST) | (1u << ATTRIB_RK_LAST) |            \
     (1u << ATTRIB_RK_MARKOV_ORDER))

enum attrib_rules_level { ATTRIB_RULES_DEFAULTS, ATTRIB_RULES_ADVERTISER, ATTRIB_RULES_CAMPAIGN };

/* The keys given in one entry. Values of keys whose bit is not in `set` are ignored. */
typedef struct attrib_rules_keys {
    uint32_t set;
    uint32_t line[ATTRIB_NRULE_KEYS]; /* source line of each key given, for messages (0: the
                                         entry's line) */
    enum attrib_model model;
    int engagement_priority;
    int64_t lookback_ms[ATTRIB_NKINDS]; /* >= 0 or ATTRIB_LOOKBACK_OFF */
    const char *const *types;           /* borrowed (copied by add); ntypes 0 = all types */
    size_t ntypes;
    int64_t half_life_ms; /* > 0 */
    double first, last;   /* in [0, 1] */
    int64_t effective_from;
    int64_t markov_order; /* in 1..ATTRIB_MARKOV_MAX_ORDER (checked by add) */
} attrib_rules_keys;

/* An empty, unfinished rules object; `name` (copied) is used in messages. */
attrib_rules *attrib_rules_create(const char *name);
/* Add an entry (id is ignored for the defaults). Checks the values and which keys the
 * level allows; errors (ATTRIB_EINPUT) name the file, line and key. */
int attrib_rules_add(attrib_rules *r, enum attrib_rules_level level, uint32_t id, uint32_t line,
                     const attrib_rules_keys *k);
/* Validate across entries and resolve. 0 or ATTRIB_EINPUT. */
int attrib_rules_finish(attrib_rules *r);

#endif

/* attrib — attribution rules (docs/rules.md): validation across entries, resolution, binding
 * to a campaign catalog, lookups, packing for broadcast, printing.
 *
 * Entries are kept as given (one bit per key set), so that a version can inherit from
 * the level above and never from an earlier version of the same id. finish() sorts each
 * level by (id, effective_from), which makes the versions of an id contiguous and in
 * force order, and resolves each advertiser version once. bind() precomputes, per
 * catalog campaign, the breakpoints where its own or its advertiser's version changes,
 * each with a fully resolved attrib_camp_rule: a lookup is then one binary search over a
 * handful of int64s, cheap enough for the conversion × campaign inner loop.
 */
#include "attrib/rules.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/timeparse.h"

#define DAY_MS INT64_C(86400000)
#define MAX_TYPE_LEN 32           /* docs/formats.md: a conversion type is 1..32 bytes */
#define FROM_START INT64_MIN      /* effective_from of an entry that gives none */
/* effective_from is limited to years 0000..9999 so every version start prints as ISO. */
#define FROM_MIN INT64_C(-62167219200000)
#define FROM_MAX INT64_C(253402300799999)
/* first + last is compared to 1 with this slack: 0.7 + 0.3 must not be refused for a
 * rounding error in the last bit. */
#define WEIGHT_SLACK 1e-9
#define BIT(k) (1u << (k))

const char *const attrib_model_names[] = {
    "last_touch", "first_touch", "linear",   "time_decay", "position_based",
    "u_shaped",   "j_curve",     "inverse_j", "markov",         "shapley", NULL};

const char *const attrib_rule_key_names[] = {
    "model",           "engagement_priority",  "lookback.impression",
    "lookback.engagement", "lookback.nurture", "conversion_types",
    "time_decay.half_life", "position_based.first", "position_based.last",
    "markov.order",    "effective_from",  NULL};

_Static_assert(ATTRIB_KIND_IMPRESSION == 0 && ATTRIB_KIND_ENGAGEMENT == 1 &&
                   ATTRIB_KIND_NURTURE == 2,
               "attrib_rule_key_names lists the lookback keys in enum attrib_kind order");
_Static_assert(ATTRIB_NRULE_KEYS <= 32, "keys are bits of a uint32_t");

int attrib_model_parse(const char *name)
{
    for (int m = 0; name && attrib_model_names[m]; m++)
        if (strcmp(name, attrib_model_names[m]) == 0)
            return m;
    return -1;
}

static int preset_weights(enum attrib_model m, double *first, double *last)
{
    switch (m) {
    case ATTRIB_MODEL_U_SHAPED: *first = 0.4, *last = 0.4; return 1;
    case ATTRIB_MODEL_J_CURVE: *first = 0.2, *last = 0.6; return 1;
    case ATTRIB_MODEL_INVERSE_J: *first = 0.6, *last = 0.2; return 1;
    default: return 0;
    }
}

/* The built-in defaults, used for every key the defaults block does not give (or when
 * the file has none); `attrib check --help` documents them. */
static const attrib_adv_rule builtin_adv = {.model = ATTRIB_MODEL_LAST_TOUCH,
                                            .engagement_priority = 1,
                                            .half_life_ms = 7 * DAY_MS,
                                            .first = 0.4,
                                            .last = 0.4};
static const int64_t builtin_lookback[ATTRIB_NKINDS] = {
    [ATTRIB_KIND_IMPRESSION] = DAY_MS,
    [ATTRIB_KIND_ENGAGEMENT] = 30 * DAY_MS,
    [ATTRIB_KIND_NURTURE] = 7 * DAY_MS,
};

typedef struct rules_entry {
    uint32_t id, line, set;
    uint32_t version; /* 1-based position among the versions of its id, in force order */
    uint32_t key_line[ATTRIB_NRULE_KEYS];
    int64_t from; /* FROM_START when not given */
    enum attrib_model model;
    int priority;
    int64_t lookback_ms[ATTRIB_NKINDS];
    int64_t half_life_ms;
    double first, last;
    int markov_order;
    char **types;
    size_t ntypes;
    char *origin;     /* "file:line" */
    uint8_t *allowed; /* after bind, when a non-empty type list is given */
} rules_entry;

/* The distinct ids of one level, sorted, each with the range of its versions. */
typedef struct id_index {
    size_t n;
    uint32_t *id;
    size_t *off; /* versions of id[i]: entries [off[i], off[i+1]) */
} id_index;

struct attrib_rules {
    char *name;
    int override_model; /* -1 without --model */
    int finished, bound;
    int has_defaults;
    rules_entry defaults;
    rules_entry *adv, *camp;
    size_t nadv, ncamp, adv_cap, camp_cap;

    /* finish() */
    id_index radv, rcamp;
    attrib_adv_rule defaults_rule;
    int64_t defaults_lookback[ATTRIB_NKINDS];
    /* Segments of each advertiser of the file (radv order): [aseg_off[i], aseg_off[i+1]);
     * a leading defaults segment when its first version has an effective_from. */
    size_t *aseg_off;
    int64_t *aseg_start;
    attrib_adv_rule *aseg_rule;

    /* bind() */
    size_t nc, na;
    uint32_t *c_id, *a_id;
    /* Direct map campaign id -> index + 1 (0 = absent) when ids are dense enough;
     * the engine looks up every touch's campaign, a binary search showed in profiles. */
    uint32_t *c_direct;
    size_t c_direct_n;
    size_t *c_adv;
    int64_t *a_radv; /* index in radv, or -1 */
    size_t *cseg_off;
    int64_t *cseg_start;
    attrib_camp_rule *cseg_rule;
    const char **cseg_origin;
    int64_t bound_max_lookback;
};

/* ---------------------------------------------------------------- lifecycle */

static void entry_free(rules_entry *e)
{
    for (size_t i = 0; i < e->ntypes; i++)
        free(e->types[i]);
    free(e->types);
    free(e->origin);
    free(e->allowed);
    memset(e, 0, sizeof *e);
}

static void unbind(attrib_rules *r)
{
    free(r->c_id), free(r->a_id), free(r->c_adv), free(r->a_radv), free(r->c_direct);
    r->c_direct = NULL;
    r->c_direct_n = 0;
    free(r->cseg_off), free(r->cseg_start), free(r->cseg_rule), free(r->cseg_origin);
    r->c_id = r->a_id = NULL;
    r->c_adv = r->cseg_off = NULL;
    r->a_radv = r->cseg_start = NULL;
    r->cseg_rule = NULL;
    r->cseg_origin = NULL;
    r->nc = r->na = 0;
    free(r->defaults.allowed);
    r->defaults.allowed = NULL;
    for (size_t i = 0; i < r->nadv; i++)
        free(r->adv[i].allowed), r->adv[i].allowed = NULL;
    for (size_t i = 0; i < r->ncamp; i++)
        free(r->camp[i].allowed), r->camp[i].allowed = NULL;
    r->bound = 0;
}

attrib_rules *attrib_rules_create(const char *name)
{
    attrib_rules *r = attrib_xcalloc(1, sizeof *r);
    r->name = attrib_xstrdup(name ? name : "rules");
    r->override_model = -1;
    return r;
}

void attrib_rules_free(attrib_rules *r)
{
    if (!r)
        return;
    unbind(r);
    free(r->radv.id), free(r->radv.off), free(r->rcamp.id), free(r->rcamp.off);
    free(r->aseg_off), free(r->aseg_start), free(r->aseg_rule);
    entry_free(&r->defaults);
    for (size_t i = 0; i < r->nadv; i++)
        entry_free(&r->adv[i]);
    for (size_t i = 0; i < r->ncamp; i++)
        entry_free(&r->camp[i]);
    free(r->adv), free(r->camp), free(r->name);
    free(r);
}

/* ---------------------------------------------------------------- building */

static void context(char *buf, size_t n, enum attrib_rules_level level, uint32_t id)
{
    if (level == ATTRIB_RULES_DEFAULTS)
        snprintf(buf, n, "defaults");
    else
        snprintf(buf, n, "%s %" PRIu32, level == ATTRIB_RULES_ADVERTISER ? "advertiser" : "campaign",
                 id);
}

int attrib_rules_add(attrib_rules *r, enum attrib_rules_level level, uint32_t id, uint32_t line,
                     const attrib_rules_keys *k)
{
    if (r->finished)
        return attrib_err_set(ATTRIB_EINTERNAL, "rules: entry added after attrib_rules_finish()");
    if (level != ATTRIB_RULES_DEFAULTS && level != ATTRIB_RULES_ADVERTISER &&
        level != ATTRIB_RULES_CAMPAIGN)
        return attrib_err_set(ATTRIB_EINTERNAL, "rules: bad level %d", (int)level);
    char ctx[48];
    context(ctx, sizeof ctx, level, id);
    const char *f = r->name;
#define KLINE(key) (k->line[(key)] ? k->line[(key)] : line)

    uint32_t allowed = BIT(ATTRIB_NRULE_KEYS) - 1;
    if (level == ATTRIB_RULES_DEFAULTS)
        allowed &= ~BIT(ATTRIB_RK_EFFECTIVE_FROM);
    if (level == ATTRIB_RULES_CAMPAIGN)
        allowed &= ~(uint32_t)ATTRIB_RK_ADVERTISER_ONLY;
    if (k->set & ~(BIT(ATTRIB_NRULE_KEYS) - 1))
        return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s: unknown key (bits 0x%" PRIx32 ")",
                              f, line, ctx, k->set);
    if (k->set & ~allowed) {
        int key = __builtin_ctz(k->set & ~allowed);
        return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s: '%s' is not allowed in %s", f,
                              KLINE(key), ctx, attrib_rule_key_names[key],
                              level == ATTRIB_RULES_CAMPAIGN
                                  ? "a campaign entry (it is a per-advertiser key)"
                                  : "the defaults");
    }
    if (level == ATTRIB_RULES_DEFAULTS && r->has_defaults)
        return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": defaults given twice (first at %s)",
                              f, line, r->defaults.origin);
    if ((k->set & BIT(ATTRIB_RK_MODEL)) && (unsigned)k->model >= ATTRIB_NMODELS)
        return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s: unknown model #%d", f,
                              KLINE(ATTRIB_RK_MODEL), ctx, (int)k->model);
    if ((k->set & BIT(ATTRIB_RK_ENGAGEMENT_PRIORITY)) && k->engagement_priority != 0 &&
        k->engagement_priority != 1)
        return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s: 'engagement_priority' must be "
                              "true or false", f, KLINE(ATTRIB_RK_ENGAGEMENT_PRIORITY), ctx);
    for (int kind = 0; kind < ATTRIB_NKINDS; kind++) {
        int key = ATTRIB_RK_LOOKBACK + kind;
        if ((k->set & BIT(key)) && k->lookback_ms[kind] < 0 &&
            k->lookback_ms[kind] != ATTRIB_LOOKBACK_OFF)
            return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s: '%s' must be a duration "
                                  ">= 0 or \"off\"", f, KLINE(key), ctx,
                                  attrib_rule_key_names[key]);
    }
    if ((k->set & BIT(ATTRIB_RK_HALF_LIFE)) && k->half_life_ms <= 0)
        return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s: 'time_decay.half_life' must be "
                              "greater than 0", f, KLINE(ATTRIB_RK_HALF_LIFE), ctx);
    for (int key = ATTRIB_RK_FIRST; key <= ATTRIB_RK_LAST; key++) {
        double w = key == ATTRIB_RK_FIRST ? k->first : k->last;
        if ((k->set & BIT(key)) && !(w >= 0 && w <= 1)) /* NaN fails too */
            return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s: '%s' = %g is outside [0, 1]",
                                  f, KLINE(key), ctx, attrib_rule_key_names[key], w);
    }
    if ((k->set & BIT(ATTRIB_RK_MARKOV_ORDER)) &&
        (k->markov_order < 1 || k->markov_order > ATTRIB_MARKOV_MAX_ORDER))
        return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s: 'markov.order' = %" PRId64
                              " is outside 1..%d", f, KLINE(ATTRIB_RK_MARKOV_ORDER), ctx,
                              k->markov_order, ATTRIB_MARKOV_MAX_ORDER);
    if ((k->set & BIT(ATTRIB_RK_EFFECTIVE_FROM)) &&
        (k->effective_from < FROM_MIN || k->effective_from > FROM_MAX))
        return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s: 'effective_from' %" PRId64
                              " is out of range (years 0000 to 9999)", f,
                              KLINE(ATTRIB_RK_EFFECTIVE_FROM), ctx, k->effective_from);
    if (k->set & BIT(ATTRIB_RK_CONVERSION_TYPES)) {
        if (k->ntypes && !k->types)
            return attrib_err_set(ATTRIB_EINTERNAL, "rules: type list missing");
        for (size_t i = 0; i < k->ntypes; i++) {
            const char *t = k->types[i];
            size_t len = t ? strlen(t) : 0;
            if (len == 0 || len > MAX_TYPE_LEN)
                return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s: conversion type '%.40s' "
                                      "in 'conversion_types' must be 1 to %d bytes", f,
                                      KLINE(ATTRIB_RK_CONVERSION_TYPES), ctx, t ? t : "",
                                      MAX_TYPE_LEN);
        }
    }

    rules_entry e = {0};
    e.id = level == ATTRIB_RULES_DEFAULTS ? 0 : id;
    e.line = line;
    e.set = k->set;
    for (int key = 0; key < ATTRIB_NRULE_KEYS; key++)
        e.key_line[key] = (k->set & BIT(key)) ? KLINE(key) : 0;
#undef KLINE
    e.from = (k->set & BIT(ATTRIB_RK_EFFECTIVE_FROM)) ? k->effective_from : FROM_START;
    if (k->set & BIT(ATTRIB_RK_MODEL))
        e.model = k->model;
    if (k->set & BIT(ATTRIB_RK_ENGAGEMENT_PRIORITY))
        e.priority = k->engagement_priority;
    for (int kind = 0; kind < ATTRIB_NKINDS; kind++)
        if (k->set & BIT(ATTRIB_RK_LOOKBACK + kind))
            e.lookback_ms[kind] = k->lookback_ms[kind];
    if (k->set & BIT(ATTRIB_RK_HALF_LIFE))
        e.half_life_ms = k->half_life_ms;
    if (k->set & BIT(ATTRIB_RK_FIRST))
        e.first = k->first;
    if (k->set & BIT(ATTRIB_RK_LAST))
        e.last = k->last;
    if (k->set & BIT(ATTRIB_RK_MARKOV_ORDER))
        e.markov_order = (int)k->markov_order;
    if ((k->set & BIT(ATTRIB_RK_CONVERSION_TYPES)) && k->ntypes) {
        e.ntypes = k->ntypes;
        e.types = attrib_xmalloc(k->ntypes * sizeof *e.types);
        for (size_t i = 0; i < k->ntypes; i++)
            e.types[i] = attrib_xstrdup(k->types[i]);
    }
    size_t olen = strlen(f) + 16;
    e.origin = attrib_xmalloc(olen);
    snprintf(e.origin, olen, "%s:%" PRIu32, f, line);

    if (level == ATTRIB_RULES_DEFAULTS) {
        r->defaults = e;
        r->has_defaults = 1;
    } else if (level == ATTRIB_RULES_ADVERTISER) {
        if (r->nadv == r->adv_cap) {
            r->adv_cap = r->adv_cap ? 2 * r->adv_cap : 8;
            r->adv = attrib_xrealloc(r->adv, r->adv_cap * sizeof *r->adv);
        }
        r->adv[r->nadv++] = e;
    } else {
        if (r->ncamp == r->camp_cap) {
            r->camp_cap = r->camp_cap ? 2 * r->camp_cap : 8;
            r->camp = attrib_xrealloc(r->camp, r->camp_cap * sizeof *r->camp);
        }
        r->camp[r->ncamp++] = e;
    }
    return 0;
}

static int cmp_entry(const void *pa, const void *pb)
{
    const rules_entry *a = pa, *b = pb;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

static void format_from(int64_t from, char buf[48])
{
    if (from == FROM_START)
        snprintf(buf, 48, "the beginning of time");
    else
        attrib_time_format_iso(from, buf);
}

static int check_versions(const attrib_rules *r, const rules_entry *v, size_t n, const char *what)
{
    for (size_t i = 1; i < n; i++) {
        if (v[i].id != v[i - 1].id || v[i].from != v[i - 1].from)
            continue;
        /* cmp_entry put the earlier line first: name the later one, the repeat. */
        const rules_entry *first = &v[i - 1], *again = &v[i];
        if (v[i].from == FROM_START)
            return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s %" PRIu32 ": two versions "
                                  "without effective_from (the other is at %s)", r->name,
                                  again->line, what, again->id, first->origin);
        char iso[48];
        format_from(again->from, iso);
        return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s %" PRIu32 ": two versions with "
                              "effective_from %s (the other is at %s)", r->name,
                              again->key_line[ATTRIB_RK_EFFECTIVE_FROM], what, again->id, iso,
                              first->origin);
    }
    return 0;
}

static void index_build(id_index *ix, rules_entry *v, size_t n)
{
    size_t nu = 0;
    for (size_t i = 0; i < n; i++)
        nu += i == 0 || v[i].id != v[i - 1].id;
    ix->n = nu;
    ix->id = attrib_xmalloc(nu * sizeof *ix->id);
    ix->off = attrib_xmalloc((nu + 1) * sizeof *ix->off);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || v[i].id != v[i - 1].id) {
            ix->id[u] = v[i].id;
            ix->off[u++] = i;
            v[i].version = 1;
        } else {
            v[i].version = v[i - 1].version + 1;
        }
    }
    ix->off[nu] = n;
}

static int64_t index_find(const id_index *ix, uint32_t id)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->n && ix->id[lo] == id ? (int64_t)lo : -1;
}

/* Apply the advertiser-level keys an entry gives. */
static void adv_apply(attrib_adv_rule *a, const rules_entry *e)
{
    if (e->set & BIT(ATTRIB_RK_MODEL))
        a->model = e->model;
    if (e->set & BIT(ATTRIB_RK_ENGAGEMENT_PRIORITY))
        a->engagement_priority = e->priority;
    if (e->set & BIT(ATTRIB_RK_HALF_LIFE))
        a->half_life_ms = e->half_life_ms;
    if (e->set & BIT(ATTRIB_RK_FIRST))
        a->first = e->first;
    if (e->set & BIT(ATTRIB_RK_LAST))
        a->last = e->last;
    if (e->set & BIT(ATTRIB_RK_MARKOV_ORDER))
        a->markov_order = e->markov_order;
}

/* The defaults' advertiser keys as given, before --model and presets. */
static attrib_adv_rule defaults_raw(const attrib_rules *r)
{
    attrib_adv_rule a = builtin_adv;
    a.markov_order = 1; /* the built-in order (attrib check --help) */
    if (r->has_defaults)
        adv_apply(&a, &r->defaults);
    return a;
}

static void adv_final(const attrib_rules *r, attrib_adv_rule *a)
{
    a->own_model = a->model;
    a->cfg_first = a->own_first = a->first;
    a->cfg_last = a->own_last = a->last;
    preset_weights(a->own_model, &a->own_first, &a->own_last);
    if (r->override_model >= 0)
        a->model = (enum attrib_model)r->override_model;
    preset_weights(a->model, &a->first, &a->last);
}

attrib_adv_rule attrib_rules_adv_with_model(const attrib_adv_rule *a, int m)
{
    attrib_adv_rule x = *a;
    x.model = m == ATTRIB_MODEL_OWN ? a->own_model : (enum attrib_model)m;
    x.first = a->cfg_first;
    x.last = a->cfg_last;
    preset_weights(x.model, &x.first, &x.last);
    return x;
}

static int check_weights(const attrib_rules *r, const attrib_adv_rule *a, const rules_entry *e,
                         const char *ctx, const char *inherited)
{
    if (a->first + a->last <= 1 + WEIGHT_SLACK)
        return 0;
    uint32_t line = e->key_line[ATTRIB_RK_FIRST] ? e->key_line[ATTRIB_RK_FIRST]
                    : e->key_line[ATTRIB_RK_LAST] ? e->key_line[ATTRIB_RK_LAST]
                                                  : e->line;
    return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": %s: 'position_based' first + last = %g "
                          "exceeds 1 (first %g%s, last %g%s)", r->name, line, ctx,
                          a->first + a->last, a->first,
                          (e->set & BIT(ATTRIB_RK_FIRST)) ? "" : inherited, a->last,
                          (e->set & BIT(ATTRIB_RK_LAST)) ? "" : inherited);
}

/* The Markov order is fitted over the whole period: it may not change over an
 * advertiser's time line. Each version must resolve to the order of the first one, and
 * when the first version has an effective_from, to the defaults' order in force before
 * it. `v` holds the n versions of one advertiser, sorted; `base` the defaults. */
static int check_markov_order(const attrib_rules *r, const rules_entry *v, size_t n,
                              const attrib_adv_rule *base)
{
    const char *from_base = r->has_defaults && (r->defaults.set & BIT(ATTRIB_RK_MARKOV_ORDER))
                                ? " (the defaults')"
                                : " (built in)";
    int first = (v[0].set & BIT(ATTRIB_RK_MARKOV_ORDER)) ? v[0].markov_order : base->markov_order;
    for (size_t i = 0; i < n; i++) {
        int o = (v[i].set & BIT(ATTRIB_RK_MARKOV_ORDER)) ? v[i].markov_order : base->markov_order;
        if (i == 0 && v[0].from != FROM_START && o != base->markov_order) {
            /* Only a version that sets the key can differ from the defaults. */
            char iso[48];
            format_from(v[0].from, iso);
            return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": advertiser %" PRIu32 ": "
                                  "'markov.order' = %d here, %d%s before this first version "
                                  "comes into force (%s); the order of one advertiser may not "
                                  "change over time (the fit is over the whole period)", r->name,
                                  v[0].key_line[ATTRIB_RK_MARKOV_ORDER], v[0].id, o,
                                  base->markov_order, from_base, iso);
        }
        if (o == first)
            continue;
        /* Name the entry that sets the key (the later one when both do). */
        const rules_entry *here = (v[i].set & BIT(ATTRIB_RK_MARKOV_ORDER)) ? &v[i] : &v[0];
        const rules_entry *other = here == &v[i] ? &v[0] : &v[i];
        int oh = here == &v[i] ? o : first, oo = here == &v[i] ? first : o;
        return attrib_err_set(ATTRIB_EINPUT, "%s:%" PRIu32 ": advertiser %" PRIu32 ": "
                              "'markov.order' = %d here, %d%s in its version at %s; the order "
                              "may not differ between versions of one advertiser (the fit is "
                              "over the whole period)", r->name,
                              here->key_line[ATTRIB_RK_MARKOV_ORDER], here->id, oh, oo,
                              (other->set & BIT(ATTRIB_RK_MARKOV_ORDER)) ? "" : from_base,
                              other->origin);
    }
    return 0;
}

/* (Re)compute the resolved advertiser rules: after finish and after an override. */
static void adv_resolve(attrib_rules *r)
{
    attrib_adv_rule base = defaults_raw(r);
    r->defaults_rule = base;
    adv_final(r, &r->defaults_rule);
    for (size_t i = 0; i < r->radv.n; i++) {
        size_t s = r->aseg_off[i];
        size_t lo = r->radv.off[i], hi = r->radv.off[i + 1];
        if (r->adv[lo].from != FROM_START) {
            r->aseg_start[s] = FROM_START;
            r->aseg_rule[s++] = r->defaults_rule;
        }
        for (size_t v = lo; v < hi; v++, s++) {
            attrib_adv_rule a = base;
            adv_apply(&a, &r->adv[v]);
            adv_final(r, &a);
            r->aseg_start[s] = r->adv[v].from;
            r->aseg_rule[s] = a;
        }
        assert(s == r->aseg_off[i + 1]);
    }
}

int attrib_rules_finish(attrib_rules *r)
{
    if (r->finished)
        return 0;
    if (r->nadv)
        qsort(r->adv, r->nadv, sizeof *r->adv, cmp_entry);
    if (r->ncamp)
        qsort(r->camp, r->ncamp, sizeof *r->camp, cmp_entry);
    ATTRIB_TRY(check_versions(r, r->adv, r->nadv, "advertiser"));
    ATTRIB_TRY(check_versions(r, r->camp, r->ncamp, "campaign"));

    /* position_based weights combine across levels: check them as resolved. */
    attrib_adv_rule base = defaults_raw(r);
    if (r->has_defaults)
        ATTRIB_TRY(check_weights(r, &base, &r->defaults, "defaults", " built in"));
    for (size_t i = 0; i < r->nadv; i++) {
        attrib_adv_rule a = base;
        adv_apply(&a, &r->adv[i]);
        char ctx[48];
        context(ctx, sizeof ctx, ATTRIB_RULES_ADVERTISER, r->adv[i].id);
        ATTRIB_TRY(check_weights(r, &a, &r->adv[i], ctx,
                                 r->has_defaults ? " from the defaults" : " built in"));
    }

    for (int kind = 0; kind < ATTRIB_NKINDS; kind++)
        r->defaults_lookback[kind] =
            (r->defaults.set & BIT(ATTRIB_RK_LOOKBACK + kind)) ? r->defaults.lookback_ms[kind]
                                                               : builtin_lookback[kind];
    index_build(&r->radv, r->adv, r->nadv);
    index_build(&r->rcamp, r->camp, r->ncamp);
    for (size_t i = 0; i < r->radv.n; i++)
        ATTRIB_TRY(check_markov_order(r, &r->adv[r->radv.off[i]],
                                      r->radv.off[i + 1] - r->radv.off[i], &base));
    r->aseg_off = attrib_xmalloc((r->radv.n + 1) * sizeof *r->aseg_off);
    size_t nseg = 0;
    for (size_t i = 0; i < r->radv.n; i++) {
        r->aseg_off[i] = nseg;
        nseg += r->radv.off[i + 1] - r->radv.off[i] + (r->adv[r->radv.off[i]].from != FROM_START);
    }
    r->aseg_off[r->radv.n] = nseg;
    r->aseg_start = attrib_xmalloc(nseg * sizeof *r->aseg_start);
    r->aseg_rule = attrib_xmalloc(nseg * sizeof *r->aseg_rule);
    r->finished = 1;
    adv_resolve(r);
    return 0;
}

void attrib_rules_override_model(attrib_rules *r, enum attrib_model m)
{
    assert(r->finished && (unsigned)m < ATTRIB_NMODELS);
    r->override_model = (int)m;
    adv_resolve(r);
}

/* ---------------------------------------------------------------- pack / unpack */

#define PACK_MAGIC "ATRL"
#define PACK_FORMAT 2u /* 2: markov.order */

typedef struct wbuf {
    uint8_t *p;
    size_t n, cap;
} wbuf;

static void put(wbuf *w, const void *v, size_t n)
{
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2 + 64;
        w->p = attrib_xrealloc(w->p, w->cap);
    }
    memcpy(w->p + w->n, v, n);
    w->n += n;
}
static void put_u32(wbuf *w, uint32_t v) { put(w, &v, sizeof v); }
static void put_i64(wbuf *w, int64_t v) { put(w, &v, sizeof v); }
static void put_f64(wbuf *w, double v) { put(w, &v, sizeof v); }
static void put_str(wbuf *w, const char *s)
{
    size_t n = strlen(s);
    put_u32(w, (uint32_t)n);
    put(w, s, n);
}

static void put_entry(wbuf *w, const rules_entry *e)
{
    put_u32(w, e->id);
    put_u32(w, e->line);
    put_u32(w, e->set);
    for (int k = 0; k < ATTRIB_NRULE_KEYS; k++)
        put_u32(w, e->key_line[k]);
    put_i64(w, e->from);
    put_u32(w, (uint32_t)e->model);
    put_u32(w, (uint32_t)e->priority);
    for (int k = 0; k < ATTRIB_NKINDS; k++)
        put_i64(w, e->lookback_ms[k]);
    put_i64(w, e->half_life_ms);
    put_f64(w, e->first);
    put_f64(w, e->last);
    put_u32(w, (uint32_t)e->markov_order);
    put_u32(w, (uint32_t)e->ntypes);
    for (size_t i = 0; i < e->ntypes; i++)
        put_str(w, e->types[i]);
}

int attrib_rules_pack(const attrib_rules *r, void **buf, size_t *len)
{
    if (!r->finished)
        return attrib_err_set(ATTRIB_EINTERNAL, "rules: pack before attrib_rules_finish()");
    wbuf w = {0};
    put(&w, PACK_MAGIC, 4);
    put_u32(&w, PACK_FORMAT);
    put_str(&w, r->name);
    put_u32(&w, (uint32_t)r->override_model);
    put_u32(&w, (uint32_t)r->has_defaults);
    if (r->has_defaults)
        put_entry(&w, &r->defaults);
    put_u32(&w, (uint32_t)r->nadv);
    for (size_t i = 0; i < r->nadv; i++)
        put_entry(&w, &r->adv[i]);
    put_u32(&w, (uint32_t)r->ncamp);
    for (size_t i = 0; i < r->ncamp; i++)
        put_entry(&w, &r->camp[i]);
    *buf = w.p;
    *len = w.n;
    return 0;
}

typedef struct rbuf {
    const uint8_t *p;
    size_t n, pos;
    int bad;
} rbuf;

static int get(rbuf *b, void *v, size_t n)
{
    if (b->bad || n > b->n - b->pos) {
        b->bad = 1;
        memset(v, 0, n);
        return -1;
    }
    memcpy(v, b->p + b->pos, n);
    b->pos += n;
    return 0;
}
static uint32_t get_u32(rbuf *b)
{
    uint32_t v;
    get(b, &v, sizeof v);
    return v;
}
static int64_t get_i64(rbuf *b)
{
    int64_t v;
    get(b, &v, sizeof v);
    return v;
}
static double get_f64(rbuf *b)
{
    double v;
    get(b, &v, sizeof v);
    return v;
}
/* A malloc'd NUL-terminated copy, or NULL (and b->bad) when truncated or holding a NUL. */
static char *get_str(rbuf *b)
{
    uint32_t n = get_u32(b);
    if (b->bad || n > b->n - b->pos || memchr(b->p + b->pos, 0, n)) {
        b->bad = 1;
        return NULL;
    }
    char *s = attrib_xmalloc((size_t)n + 1);
    memcpy(s, b->p + b->pos, n);
    s[n] = '\0';
    b->pos += n;
    return s;
}

/* Read one entry and add it; the builder validates every value. */
static int get_entry(rbuf *b, attrib_rules *r, enum attrib_rules_level level)
{
    attrib_rules_keys k = {0};
    uint32_t id = get_u32(b), line = get_u32(b);
    k.set = get_u32(b);
    for (int key = 0; key < ATTRIB_NRULE_KEYS; key++)
        k.line[key] = get_u32(b);
    int64_t from = get_i64(b);
    k.effective_from = from;
    uint32_t model = get_u32(b);
    if (model >= ATTRIB_NMODELS) {
        if (k.set & BIT(ATTRIB_RK_MODEL))
            return attrib_err_set(ATTRIB_EINPUT, "corrupt rules buffer (bad model)");
        model = 0;
    }
    k.model = (enum attrib_model)model;
    k.engagement_priority = (int)get_u32(b);
    for (int kind = 0; kind < ATTRIB_NKINDS; kind++)
        k.lookback_ms[kind] = get_i64(b);
    k.half_life_ms = get_i64(b);
    k.first = get_f64(b);
    k.last = get_f64(b);
    k.markov_order = get_u32(b);
    uint32_t ntypes = get_u32(b);
    /* Each type takes at least 5 bytes: refuse counts the buffer cannot hold. */
    if (b->bad || ntypes > (b->n - b->pos) / 5)
        return attrib_err_set(ATTRIB_EINPUT, "corrupt rules buffer (bad type count)");
    char **types = attrib_xcalloc(ntypes ? ntypes : 1, sizeof *types);
    int rc = 0;
    for (uint32_t i = 0; i < ntypes && !b->bad; i++)
        types[i] = get_str(b);
    if (b->bad)
        rc = attrib_err_set(ATTRIB_EINPUT, "corrupt rules buffer (truncated type name)");
    else if ((k.set & BIT(ATTRIB_RK_EFFECTIVE_FROM)) ? 0 : from != FROM_START)
        rc = attrib_err_set(ATTRIB_EINPUT, "corrupt rules buffer (stray effective_from)");
    else if (ntypes && !(k.set & BIT(ATTRIB_RK_CONVERSION_TYPES)))
        rc = attrib_err_set(ATTRIB_EINPUT, "corrupt rules buffer (stray type list)");
    if (rc == 0) {
        k.types = (const char *const *)types;
        k.ntypes = ntypes;
        rc = attrib_rules_add(r, level, id, line, &k);
    }
    for (uint32_t i = 0; i < ntypes; i++)
        free(types[i]);
    free(types);
    return rc;
}

int attrib_rules_unpack(const void *buf, size_t len, attrib_rules **out)
{
    *out = NULL;
    rbuf b = {buf, len, 0, 0};
    char magic[4];
    if (!buf || get(&b, magic, 4) || memcmp(magic, PACK_MAGIC, 4) != 0 ||
        get_u32(&b) != PACK_FORMAT)
        return attrib_err_set(ATTRIB_EINPUT, "corrupt rules buffer (bad magic or format)");
    char *name = get_str(&b);
    if (!name)
        return attrib_err_set(ATTRIB_EINPUT, "corrupt rules buffer (truncated name)");
    attrib_rules *r = attrib_rules_create(name);
    free(name);
    int rc = 0;
    int32_t override = (int32_t)get_u32(&b);
    uint32_t has_defaults = get_u32(&b);
    if (b.bad || override < -1 || override >= ATTRIB_NMODELS || has_defaults > 1) {
        rc = attrib_err_set(ATTRIB_EINPUT, "corrupt rules buffer (bad header)");
        goto fail;
    }
    if (has_defaults)
        ATTRIB_TRY_GOTO(rc, get_entry(&b, r, ATTRIB_RULES_DEFAULTS), fail);
    for (int level = ATTRIB_RULES_ADVERTISER; level <= ATTRIB_RULES_CAMPAIGN; level++) {
        uint32_t n = get_u32(&b);
        if (b.bad) {
            rc = attrib_err_set(ATTRIB_EINPUT, "corrupt rules buffer (truncated)");
            goto fail;
        }
        for (uint32_t i = 0; i < n; i++) {
            ATTRIB_TRY_GOTO(rc, get_entry(&b, r, (enum attrib_rules_level)level), fail);
            if (b.bad) {
                rc = attrib_err_set(ATTRIB_EINPUT, "corrupt rules buffer (truncated entry)");
                goto fail;
            }
        }
    }
    if (b.bad || b.pos != b.n) {
        rc = attrib_err_set(ATTRIB_EINPUT, "corrupt rules buffer (%s)",
                            b.bad ? "truncated" : "trailing bytes");
        goto fail;
    }
    r->override_model = override;
    ATTRIB_TRY_GOTO(rc, attrib_rules_finish(r), fail);
    *out = r;
    return 0;
fail:
    attrib_rules_free(r);
    return rc;
}

/* ---------------------------------------------------------------- bind */

static int cmp_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

static int64_t u32_find(const uint32_t *v, size_t n, uint32_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == x ? (int64_t)lo : -1;
}

static void make_allowed(rules_entry *e, char *const *type_names, size_t ntypes)
{
    if (!(e->set & BIT(ATTRIB_RK_CONVERSION_TYPES)) || e->ntypes == 0)
        return;
    /* Never NULL even with no input types: NULL would mean "every type counts". */
    e->allowed = attrib_xcalloc(ntypes ? ntypes : 1, 1);
    for (size_t t = 0; t < ntypes; t++)
        for (size_t i = 0; i < e->ntypes && type_names[t]; i++)
            if (strcmp(type_names[t], e->types[i]) == 0)
                e->allowed[t] = 1;
}

static const char *defaults_origin(const attrib_rules *r)
{
    return r->has_defaults ? "defaults" : "built-in defaults";
}

/* Segments of one campaign, whose advertiser's versions are A[0..na) and own versions
 * C[0..nc) (each sorted by from): a breakpoint at the beginning of time and at every
 * version start of either. Counts only when `start` is NULL. */
static size_t camp_segments(const attrib_rules *r, const rules_entry *A, size_t na,
                            const rules_entry *C, size_t nc, int64_t *start,
                            attrib_camp_rule *rule, const char **origin)
{
    size_t n = 0, ia = 0, ic = 0;
    int64_t t = FROM_START;
    for (;;) {
        while (ia < na && A[ia].from <= t)
            ia++;
        while (ic < nc && C[ic].from <= t)
            ic++;
        const rules_entry *a = ia ? &A[ia - 1] : NULL, *c = ic ? &C[ic - 1] : NULL;
        if (start) {
            attrib_camp_rule *o = &rule[n];
            for (int kind = 0; kind < ATTRIB_NKINDS; kind++) {
                uint32_t bit = BIT(ATTRIB_RK_LOOKBACK + kind);
                o->lookback_ms[kind] = c && (c->set & bit)   ? c->lookback_ms[kind]
                                       : a && (a->set & bit) ? a->lookback_ms[kind]
                                                             : r->defaults_lookback[kind];
            }
            uint32_t tbit = BIT(ATTRIB_RK_CONVERSION_TYPES);
            o->type_allowed = c && (c->set & tbit)   ? c->allowed
                              : a && (a->set & tbit) ? a->allowed
                                                     : r->defaults.allowed;
            o->rule_version = c ? c->version : 0;
            start[n] = t;
            origin[n] = c ? c->origin : a ? a->origin : defaults_origin(r);
        }
        n++;
        int64_t next = INT64_MAX;
        int more = 0;
        if (ia < na)
            next = A[ia].from, more = 1;
        if (ic < nc && C[ic].from < next)
            next = C[ic].from, more = 1;
        if (!more)
            return n;
        t = next;
    }
}

static void append_line(char **s, size_t *len, const char *line)
{
    size_t n = strlen(line);
    *s = attrib_xrealloc(*s, *len + n + 2);
    memcpy(*s + *len, line, n);
    (*s)[*len + n] = '\n';
    (*s)[*len + n + 1] = '\0';
    *len += n + 1;
}

static uint32_t first_line(const rules_entry *v, size_t lo, size_t hi)
{
    uint32_t line = UINT32_MAX;
    for (size_t i = lo; i < hi; i++)
        if (v[i].line < line)
            line = v[i].line;
    return line;
}

int attrib_rules_bind(attrib_rules *r, const attrib_table *cat, char *const *type_names,
                      size_t ntypes, char **warnings)
{
    if (warnings)
        *warnings = NULL;
    if (!r->finished)
        return attrib_err_set(ATTRIB_EINTERNAL, "rules: bind before attrib_rules_finish()");
    if (!cat || !cat->schema || cat->schema->ncols <= ATTRIB_CA_ADVERTISER_ID ||
        cat->schema->cols[ATTRIB_CA_CAMPAIGN_ID].type != ATTRIB_T_U32 ||
        cat->schema->cols[ATTRIB_CA_ADVERTISER_ID].type != ATTRIB_T_U32 || (ntypes && !type_names))
        return attrib_err_set(ATTRIB_EINTERNAL, "rules: bind needs a campaigns table");
    const size_t n = cat->n;
    const uint32_t *cid = n ? ATTRIB_COL(cat, ATTRIB_CA_CAMPAIGN_ID, uint32_t) : NULL;
    const uint32_t *aid = n ? ATTRIB_COL(cat, ATTRIB_CA_ADVERTISER_ID, uint32_t) : NULL;
    for (size_t i = 1; i < n; i++)
        if (cid[i] <= cid[i - 1])
            return attrib_err_set(ATTRIB_EINPUT, "campaign catalog is not sorted by campaign_id "
                                  "with unique ids (campaign %" PRIu32 " after %" PRIu32 ")",
                                  cid[i], cid[i - 1]);
    unbind(r);

    r->nc = n;
    r->c_id = attrib_xmalloc((n ? n : 1) * sizeof *r->c_id);
    if (n)
        memcpy(r->c_id, cid, n * sizeof *cid);
    if (n && (uint64_t)cid[n - 1] < 8 * (uint64_t)n + 65536) {
        r->c_direct_n = (size_t)cid[n - 1] + 1;
        r->c_direct = attrib_xcalloc(r->c_direct_n, sizeof *r->c_direct);
        for (size_t i = 0; i < n; i++)
            r->c_direct[cid[i]] = (uint32_t)i + 1;
    }
    r->a_id = attrib_xmalloc((n ? n : 1) * sizeof *r->a_id);
    if (n)
        memcpy(r->a_id, aid, n * sizeof *aid);
    qsort(r->a_id, n, sizeof *r->a_id, cmp_u32);
    size_t na = 0;
    for (size_t i = 0; i < n; i++)
        if (na == 0 || r->a_id[i] != r->a_id[na - 1])
            r->a_id[na++] = r->a_id[i];
    r->na = na;
    r->c_adv = attrib_xmalloc((n ? n : 1) * sizeof *r->c_adv);
    for (size_t i = 0; i < n; i++)
        r->c_adv[i] = (size_t)u32_find(r->a_id, na, aid[i]);
    r->a_radv = attrib_xmalloc((na ? na : 1) * sizeof *r->a_radv);
    for (size_t j = 0; j < na; j++)
        r->a_radv[j] = index_find(&r->radv, r->a_id[j]);

    make_allowed(&r->defaults, type_names, ntypes);
    for (size_t i = 0; i < r->nadv; i++)
        make_allowed(&r->adv[i], type_names, ntypes);
    for (size_t i = 0; i < r->ncamp; i++)
        make_allowed(&r->camp[i], type_names, ntypes);

    /* Two passes over the same walk: count, then fill. */
    r->cseg_off = attrib_xmalloc((n + 1) * sizeof *r->cseg_off);
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        total = 0;
        for (size_t i = 0; i < n; i++) {
            const rules_entry *A = NULL, *C = NULL;
            size_t nA = 0, nC = 0;
            int64_t k = r->a_radv[r->c_adv[i]];
            if (k >= 0)
                A = &r->adv[r->radv.off[k]], nA = r->radv.off[k + 1] - r->radv.off[k];
            int64_t j = index_find(&r->rcamp, cid[i]);
            if (j >= 0)
                C = &r->camp[r->rcamp.off[j]], nC = r->rcamp.off[j + 1] - r->rcamp.off[j];
            r->cseg_off[i] = total;
            if (pass == 0)
                total += camp_segments(r, A, nA, C, nC, NULL, NULL, NULL);
            else
                total += camp_segments(r, A, nA, C, nC, r->cseg_start + total,
                                       r->cseg_rule + total, r->cseg_origin + total);
        }
        if (pass == 0) {
            r->cseg_start = attrib_xmalloc((total ? total : 1) * sizeof *r->cseg_start);
            r->cseg_rule = attrib_xmalloc((total ? total : 1) * sizeof *r->cseg_rule);
            r->cseg_origin = attrib_xmalloc((total ? total : 1) * sizeof *r->cseg_origin);
        }
    }
    r->cseg_off[n] = total;

    int64_t m = 0;
    for (int kind = 0; kind < ATTRIB_NKINDS; kind++)
        if (r->defaults_lookback[kind] > m)
            m = r->defaults_lookback[kind];
    for (size_t i = 0; i < total; i++)
        for (int kind = 0; kind < ATTRIB_NKINDS; kind++)
            if (r->cseg_rule[i].lookback_ms[kind] > m)
                m = r->cseg_rule[i].lookback_ms[kind];
    for (size_t i = 0; i < r->nadv; i++)
        for (int kind = 0; kind < ATTRIB_NKINDS; kind++)
            if ((r->adv[i].set & BIT(ATTRIB_RK_LOOKBACK + kind)) && r->adv[i].lookback_ms[kind] > m)
                m = r->adv[i].lookback_ms[kind];
    r->bound_max_lookback = m;

    if (warnings) {
        char *w = NULL;
        size_t wlen = 0;
        char line[256];
        for (size_t j = 0; j < r->radv.n; j++)
            if (u32_find(r->a_id, na, r->radv.id[j]) < 0) {
                snprintf(line, sizeof line, "%s:%" PRIu32 ": advertiser %" PRIu32
                         " is not in the catalog", r->name,
                         first_line(r->adv, r->radv.off[j], r->radv.off[j + 1]), r->radv.id[j]);
                append_line(&w, &wlen, line);
            }
        for (size_t j = 0; j < r->rcamp.n; j++)
            if (u32_find(r->c_id, n, r->rcamp.id[j]) < 0) {
                snprintf(line, sizeof line, "%s:%" PRIu32 ": campaign %" PRIu32
                         " is not in the catalog", r->name,
                         first_line(r->camp, r->rcamp.off[j], r->rcamp.off[j + 1]),
                         r->rcamp.id[j]);
                append_line(&w, &wlen, line);
            }
        *warnings = w;
    }
    r->bound = 1;
    return 0;
}

/* ---------------------------------------------------------------- lookups */

int64_t attrib_rules_camp_index(const attrib_rules *r, uint32_t campaign_id)
{
    if (r->c_direct)
        return campaign_id < r->c_direct_n ? (int64_t)r->c_direct[campaign_id] - 1 : -1;
    return u32_find(r->c_id, r->nc, campaign_id);
}

int64_t attrib_rules_adv_index(const attrib_rules *r, uint32_t advertiser_id)
{
    return u32_find(r->a_id, r->na, advertiser_id);
}

size_t attrib_rules_ncampaigns(const attrib_rules *r) { return r->nc; }
size_t attrib_rules_nadvertisers(const attrib_rules *r) { return r->na; }

int attrib_rules_uses_datadriven(const attrib_rules *r)
{
    assert(r->finished);
    const attrib_adv_rule *d = &r->defaults_rule;
    if (d->model == ATTRIB_MODEL_MARKOV || d->model == ATTRIB_MODEL_SHAPLEY)
        return 1;
    for (size_t s = 0; s < r->aseg_off[r->radv.n]; s++)
        if (r->aseg_rule[s].model == ATTRIB_MODEL_MARKOV || r->aseg_rule[s].model == ATTRIB_MODEL_SHAPLEY)
            return 1;
    return 0;
}

uint32_t attrib_rules_camp_id(const attrib_rules *r, size_t camp_index)
{
    assert(camp_index < r->nc);
    return r->c_id[camp_index];
}

uint32_t attrib_rules_adv_id(const attrib_rules *r, size_t adv_index)
{
    assert(adv_index < r->na);
    return r->a_id[adv_index];
}

size_t attrib_rules_camp_adv(const attrib_rules *r, size_t camp_index)
{
    assert(camp_index < r->nc);
    return r->c_adv[camp_index];
}

/* The last segment of [lo, hi) starting at or before ts; start[lo] is the beginning of
 * time, so there is one. */
static size_t seg_find(const int64_t *start, size_t lo, size_t hi, int64_t ts)
{
    assert(lo < hi && start[lo] == FROM_START);
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (start[mid] <= ts)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static const attrib_adv_rule *radv_at(const attrib_rules *r, int64_t k, int64_t ts)
{
    if (k < 0)
        return &r->defaults_rule;
    return &r->aseg_rule[seg_find(r->aseg_start, r->aseg_off[k], r->aseg_off[k + 1], ts)];
}

const attrib_adv_rule *attrib_rules_adv_at(const attrib_rules *r, size_t adv_index, int64_t ts)
{
    assert(r->bound && adv_index < r->na);
    return radv_at(r, r->a_radv[adv_index], ts);
}

const attrib_adv_rule *attrib_rules_adv_default_at(const attrib_rules *r, uint32_t advertiser_id,
                                                   int64_t ts)
{
    assert(r->finished);
    return radv_at(r, index_find(&r->radv, advertiser_id), ts);
}

int attrib_rules_markov_order(const attrib_rules *r, uint32_t advertiser_id)
{
    assert(r->finished);
    int64_t k = index_find(&r->radv, advertiser_id);
    /* finish() made every segment of an advertiser agree: the first one says it. */
    return k < 0 ? r->defaults_rule.markov_order : r->aseg_rule[r->aseg_off[k]].markov_order;
}

const attrib_camp_rule *attrib_rules_camp_at(const attrib_rules *r, size_t camp_index, int64_t ts)
{
    assert(r->bound && camp_index < r->nc);
    return &r->cseg_rule[seg_find(r->cseg_start, r->cseg_off[camp_index],
                                  r->cseg_off[camp_index + 1], ts)];
}

const char *attrib_rules_camp_origin(const attrib_rules *r, size_t camp_index, int64_t ts)
{
    assert(r->bound && camp_index < r->nc);
    return r->cseg_origin[seg_find(r->cseg_start, r->cseg_off[camp_index],
                                   r->cseg_off[camp_index + 1], ts)];
}

int64_t attrib_rules_max_lookback(const attrib_rules *r)
{
    assert(r->finished);
    if (r->bound)
        return r->bound_max_lookback;
    int64_t m = 0;
    for (int kind = 0; kind < ATTRIB_NKINDS; kind++) {
        uint32_t bit = BIT(ATTRIB_RK_LOOKBACK + kind);
        if (r->defaults_lookback[kind] > m)
            m = r->defaults_lookback[kind];
        for (size_t i = 0; i < r->nadv; i++)
            if ((r->adv[i].set & bit) && r->adv[i].lookback_ms[kind] > m)
                m = r->adv[i].lookback_ms[kind];
        for (size_t i = 0; i < r->ncamp; i++)
            if ((r->camp[i].set & bit) && r->camp[i].lookback_ms[kind] > m)
                m = r->camp[i].lookback_ms[kind];
    }
    return m;
}

/* ---------------------------------------------------------------- printing */

static void format_duration(int64_t ms, char buf[32])
{
    static const struct {
        int64_t ms;
        const char *unit;
    } units[] = {{DAY_MS, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
    if (ms == ATTRIB_LOOKBACK_OFF) {
        snprintf(buf, 32, "off");
        return;
    }
    if (ms == 0) {
        snprintf(buf, 32, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms % units[i].ms == 0) {
            snprintf(buf, 32, "%" PRId64 "%s", ms / units[i].ms, units[i].unit);
            return;
        }
    snprintf(buf, 32, "%" PRId64 "ms", ms);
}

/* The shortest of %.15g / %.17g that reads back as the same double. */
static void format_double(double v, char buf[32])
{
    snprintf(buf, 32, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, 32, "%.17g", v);
}

/* The campaign-level keys of a version as resolved over the defaults alone (without a
 * catalog the campaign's advertiser is unknown). */
static void camp_over_defaults(const attrib_rules *r, const rules_entry *e, int64_t lb[3],
                               const rules_entry **types_from)
{
    for (int kind = 0; kind < ATTRIB_NKINDS; kind++)
        lb[kind] = (e && (e->set & BIT(ATTRIB_RK_LOOKBACK + kind))) ? e->lookback_ms[kind]
                                                                    : r->defaults_lookback[kind];
    *types_from = e && (e->set & BIT(ATTRIB_RK_CONVERSION_TYPES)) ? e
                  : (r->defaults.set & BIT(ATTRIB_RK_CONVERSION_TYPES)) ? &r->defaults
                                                                        : NULL;
}

static const char *mark(const rules_entry *e, int key)
{
    return e && (e->set & BIT(key)) ? " *" : "";
}

static void print_adv_keys(FILE *out, const attrib_adv_rule *a, const rules_entry *e)
{
    char b1[32], b2[32];
    double f, l;
    int preset = preset_weights(a->model, &f, &l);
    fprintf(out, "    %-22s%s%s\n", "model", attrib_model_names[a->model],
            mark(e, ATTRIB_RK_MODEL));
    fprintf(out, "    %-22s%s%s\n", "engagement_priority", a->engagement_priority ? "true" : "false",
            mark(e, ATTRIB_RK_ENGAGEMENT_PRIORITY));
    format_duration(a->half_life_ms, b1);
    fprintf(out, "    %-22s%s%s\n", "time_decay.half_life", b1, mark(e, ATTRIB_RK_HALF_LIFE));
    format_double(a->first, b1);
    format_double(a->last, b2);
    fprintf(out, "    %-22sfirst %s%s, last %s%s%s\n", "position_based", b1,
            preset ? "" : mark(e, ATTRIB_RK_FIRST), b2, preset ? "" : mark(e, ATTRIB_RK_LAST),
            preset ? " (the preset's weights)" : "");
    fprintf(out, "    %-22s%d%s\n", "markov.order", a->markov_order, mark(e, ATTRIB_RK_MARKOV_ORDER));
}

static void print_camp_keys(FILE *out, const int64_t lb[3], const rules_entry *types_from,
                            const rules_entry *e)
{
    char b[32];
    fprintf(out, "    %-22s", "lookback");
    for (int kind = 0; kind < ATTRIB_NKINDS; kind++) {
        format_duration(lb[kind], b);
        fprintf(out, "%s %s%s%s", attrib_kind_names[kind], b, mark(e, ATTRIB_RK_LOOKBACK + kind),
                kind + 1 < ATTRIB_NKINDS ? ", " : "\n");
    }
    fprintf(out, "    %-22s", "conversion_types");
    if (!types_from || types_from->ntypes == 0)
        fprintf(out, "all");
    for (size_t i = 0; types_from && i < types_from->ntypes; i++)
        fprintf(out, "%s%s", i ? ", " : "", types_from->types[i]);
    fprintf(out, "%s\n", mark(e, ATTRIB_RK_CONVERSION_TYPES));
}

static void print_period(FILE *out, const rules_entry *v, size_t i, size_t n)
{
    char b1[48], b2[48];
    format_from(v[i].from, b1);
    fprintf(out, "in force from %s", b1);
    if (i + 1 < n) {
        format_from(v[i + 1].from, b2);
        fprintf(out, " until %s", b2);
    }
}

void attrib_rules_print(const attrib_rules *r, FILE *out)
{
    assert(r->finished);
    char b[48];
    int64_t lb[3];
    const rules_entry *tf;
    fprintf(out, "rules %s (* marks a key set at that level; the others are inherited)\n",
            r->name);
    if (r->override_model >= 0)
        fprintf(out, "model overridden for every advertiser: %s\n",
                attrib_model_names[r->override_model]);
    const rules_entry *d = r->has_defaults ? &r->defaults : NULL;
    fprintf(out, "\ndefaults (%s):\n", d ? d->origin : "built in: the file has none");
    print_adv_keys(out, &r->defaults_rule, d);
    camp_over_defaults(r, NULL, lb, &tf);
    print_camp_keys(out, lb, tf, d);

    for (size_t i = 0; i < r->radv.n; i++) {
        size_t lo = r->radv.off[i], hi = r->radv.off[i + 1];
        const rules_entry *v = &r->adv[lo];
        fprintf(out, "\nadvertiser %" PRIu32 ":\n", r->radv.id[i]);
        size_t s = r->aseg_off[i];
        if (v[0].from != FROM_START) {
            format_from(v[0].from, b);
            fprintf(out, "  before %s: the defaults\n", b);
            s++;
        }
        for (size_t j = 0; j < hi - lo; j++, s++) {
            fprintf(out, "  version %" PRIu32 ", ", v[j].version);
            print_period(out, v, j, hi - lo);
            fprintf(out, " (%s):\n", v[j].origin);
            print_adv_keys(out, &r->aseg_rule[s], &v[j]);
            camp_over_defaults(r, &v[j], lb, &tf);
            print_camp_keys(out, lb, tf, &v[j]);
        }
    }
    if (r->rcamp.n)
        fprintf(out, "\ncampaigns (a key a version does not set comes from the campaign's "
                     "advertiser\nin force, else from the defaults; shown here over the "
                     "defaults):\n");
    for (size_t i = 0; i < r->rcamp.n; i++) {
        size_t lo = r->rcamp.off[i], hi = r->rcamp.off[i + 1];
        const rules_entry *v = &r->camp[lo];
        fprintf(out, "\ncampaign %" PRIu32 ":\n", r->rcamp.id[i]);
        if (v[0].from != FROM_START) {
            format_from(v[0].from, b);
            fprintf(out, "  before %s: no entry in force (rule_version 0), the advertiser's "
                         "rules apply\n", b);
        }
        for (size_t j = 0; j < hi - lo; j++) {
            fprintf(out, "  rule_version %" PRIu32 ", ", v[j].version);
            print_period(out, v, j, hi - lo);
            fprintf(out, " (%s):\n", v[j].origin);
            camp_over_defaults(r, &v[j], lb, &tf);
            print_camp_keys(out, lb, tf, &v[j]);
        }
    }
}

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void json_keys(FILE *out, const rules_entry *e)
{
    fprintf(out, "\"keys\": [");
    int n = 0;
    for (int k = 0; e && k < ATTRIB_NRULE_KEYS; k++)
        if (e->set & BIT(k))
            fprintf(out, "%s\"%s\"", n++ ? ", " : "", attrib_rule_key_names[k]);
    fprintf(out, "]");
}

static void json_adv(FILE *out, const attrib_adv_rule *a)
{
    char b1[32], b2[32];
    format_double(a->first, b1);
    format_double(a->last, b2);
    fprintf(out, ", \"model\": \"%s\", \"engagement_priority\": %s, \"half_life_ms\": %" PRId64
            ", \"position_based\": {\"first\": %s, \"last\": %s}, \"markov_order\": %d",
            attrib_model_names[a->model], a->engagement_priority ? "true" : "false",
            a->half_life_ms, b1, b2, a->markov_order);
}

static void json_camp(FILE *out, const int64_t lb[3], const rules_entry *tf)
{
    char b[32];
    fprintf(out, ", \"lookback\": {");
    for (int kind = 0; kind < ATTRIB_NKINDS; kind++) {
        format_duration(lb[kind], b);
        fprintf(out, "%s\"%s\": \"%s\"", kind ? ", " : "", attrib_kind_names[kind], b);
    }
    fprintf(out, "}, \"lookback_ms\": {");
    for (int kind = 0; kind < ATTRIB_NKINDS; kind++) {
        fprintf(out, "%s\"%s\": ", kind ? ", " : "", attrib_kind_names[kind]);
        if (lb[kind] == ATTRIB_LOOKBACK_OFF)
            fprintf(out, "null");
        else
            fprintf(out, "%" PRId64, lb[kind]);
    }
    fprintf(out, "}, \"conversion_types\": ");
    if (!tf || tf->ntypes == 0) {
        fprintf(out, "null");
        return;
    }
    fputc('[', out);
    for (size_t i = 0; i < tf->ntypes; i++) {
        if (i)
            fprintf(out, ", ");
        json_str(out, tf->types[i]);
    }
    fputc(']', out);
}

static void json_time(FILE *out, const char *key, int64_t ms, int present)
{
    char b[48];
    if (!present || ms == FROM_START) {
        fprintf(out, ", \"%s\": null, \"%s_ms\": null", key, key);
        return;
    }
    attrib_time_format_iso(ms, b);
    fprintf(out, ", \"%s\": \"%s\", \"%s_ms\": %" PRId64, key, b, key, ms);
}

static void json_version(FILE *out, const char *what, const rules_entry *v, size_t j, size_t n)
{
    fprintf(out, "{\"%s\": %" PRIu32 ", \"origin\": ", what, v[j].version);
    json_str(out, v[j].origin);
    json_time(out, "effective_from", v[j].from, 1);
    json_time(out, "effective_until", j + 1 < n ? v[j + 1].from : 0, j + 1 < n);
    fprintf(out, ", ");
    json_keys(out, &v[j]);
}

void attrib_rules_print_json(const attrib_rules *r, FILE *out)
{
    assert(r->finished);
    int64_t lb[3];
    const rules_entry *tf;
    fprintf(out, "{\"file\": ");
    json_str(out, r->name);
    fprintf(out, ",\n \"model_override\": ");
    if (r->override_model >= 0)
        fprintf(out, "\"%s\"", attrib_model_names[r->override_model]);
    else
        fprintf(out, "null");
    fprintf(out, ",\n \"defaults\": {\"origin\": ");
    json_str(out, r->has_defaults ? r->defaults.origin : "built-in defaults");
    fprintf(out, ", ");
    json_keys(out, r->has_defaults ? &r->defaults : NULL);
    json_adv(out, &r->defaults_rule);
    camp_over_defaults(r, NULL, lb, &tf);
    json_camp(out, lb, tf);
    fprintf(out, "},\n \"advertisers\": [");
    for (size_t i = 0; i < r->radv.n; i++) {
        size_t lo = r->radv.off[i], hi = r->radv.off[i + 1];
        const rules_entry *v = &r->adv[lo];
        size_t s = r->aseg_off[i] + (v[0].from != FROM_START);
        fprintf(out, "%s\n  {\"id\": %" PRIu32 ", \"versions\": [", i ? "," : "", r->radv.id[i]);
        for (size_t j = 0; j < hi - lo; j++, s++) {
            fprintf(out, "%s\n    ", j ? "," : "");
            json_version(out, "version", v, j, hi - lo);
            json_adv(out, &r->aseg_rule[s]);
            camp_over_defaults(r, &v[j], lb, &tf);
            json_camp(out, lb, tf);
            fprintf(out, "}");
        }
        fprintf(out, "]}");
    }
    fprintf(out, "],\n \"campaigns\": [");
    for (size_t i = 0; i < r->rcamp.n; i++) {
        size_t lo = r->rcamp.off[i], hi = r->rcamp.off[i + 1];
        const rules_entry *v = &r->camp[lo];
        fprintf(out, "%s\n  {\"id\": %" PRIu32 ", \"versions\": [", i ? "," : "", r->rcamp.id[i]);
        for (size_t j = 0; j < hi - lo; j++) {
            fprintf(out, "%s\n    ", j ? "," : "");
            json_version(out, "rule_version", v, j, hi - lo);
            camp_over_defaults(r, &v[j], lb, &tf);
            json_camp(out, lb, tf);
            fprintf(out, "}");
        }
        fprintf(out, "]}");
    }
    fprintf(out, "]}\n");
}

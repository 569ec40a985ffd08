/* attrib — rules files (docs/rules.md): libconfig text → attrib_rules.
 *
 * The only file that calls config_*: it checks the shape of the file (known keys, value
 * types, durations, timestamps, model and kind names) with the line of each setting, and
 * hands the values to the core builder (attrib_rules_add/finish), which checks ranges
 * and what spans entries (versions, combined weights).
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/rules.h"
#include "attrib/timeparse.h"

/* A rules file is a page of text; anything this large is a wrong path. */
#define MAX_RULES_BYTES (16u << 20)
#define MAX_TYPES 4096

typedef struct loader {
    const char *name;
    attrib_rules *r;
    char ctx[64]; /* "defaults", "advertiser 7", "campaigns entry 3" */
} loader;

static unsigned line_of(const config_setting_t *s)
{
    return config_setting_source_line(s);
}

static int fail(const loader *ld, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const loader *ld, const config_setting_t *s, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return attrib_err_set(ATTRIB_EINPUT, "%s:%u: %s: %s", ld->name, line_of(s), ld->ctx, msg);
}

static const char *type_name(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_GROUP: return "a group { … }";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a number";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_ARRAY: return "an array [ … ]";
    case CONFIG_TYPE_LIST: return "a list ( … )";
    default: return "nothing";
    }
}

static int is_int(const config_setting_t *s)
{
    return config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64;
}

static int parse_duration(const loader *ld, const config_setting_t *s, const char *key, int off_ok,
                          int64_t *ms)
{
    const char *v = config_setting_get_string(s);
    if (!v)
        return fail(ld, s, "'%s' must be a duration string like \"7d\"%s, not %s", key,
                    off_ok ? " or \"off\"" : "", type_name(s));
    if (off_ok && strcmp(v, "off") == 0) {
        *ms = ATTRIB_LOOKBACK_OFF;
        return 0;
    }
    if (attrib_duration_parse(v, ms) != 0)
        return fail(ld, s, "bad duration '%.64s' for '%s' (expected <integer><ms|s|m|h|d>%s)", v,
                    key, off_ok ? " or \"off\"" : "");
    return 0;
}

static int parse_lookback(const loader *ld, const config_setting_t *g, attrib_rules_keys *k)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(ld, g, "'lookback' must be a group like { engagement = \"7d\"; }, not %s",
                    type_name(g));
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        int kind = -1;
        for (int j = 0; j < ATTRIB_NKINDS; j++)
            if (strcmp(name, attrib_kind_names[j]) == 0)
                kind = j;
        if (kind < 0)
            return fail(ld, s, "unknown kind '%s' in 'lookback' (expected impression, engagement "
                        "or nurture)", name);
        int key = ATTRIB_RK_LOOKBACK + kind;
        ATTRIB_TRY(parse_duration(ld, s, attrib_rule_key_names[key], 1, &k->lookback_ms[kind]));
        k->set |= 1u << key;
        k->line[key] = line_of(s);
    }
    return 0;
}

static int parse_weight(const loader *ld, const config_setting_t *s, const char *key, double *w)
{
    if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
        *w = config_setting_get_float(s);
    else if (is_int(s))
        *w = (double)config_setting_get_int64(s);
    else
        return fail(ld, s, "'%s' must be a number in [0, 1], not %s", key, type_name(s));
    return 0;
}

/* `markov = { order = K; }`; the range is checked by attrib_rules_add(). */
static int parse_markov(const loader *ld, const config_setting_t *g, attrib_rules_keys *k)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(ld, g, "'markov' must be a group like { order = 1; }, not %s", type_name(g));
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        if (strcmp(config_setting_name(s), "order") != 0)
            return fail(ld, s, "unknown key 'markov.%s'", config_setting_name(s));
        if (!is_int(s))
            return fail(ld, s, "'markov.order' must be an integer in 1..%d, not %s",
                        ATTRIB_MARKOV_MAX_ORDER, type_name(s));
        k->markov_order = config_setting_get_int64(s);
        k->set |= 1u << ATTRIB_RK_MARKOV_ORDER;
        k->line[ATTRIB_RK_MARKOV_ORDER] = line_of(s);
    }
    return 0;
}

static int parse_types(const loader *ld, const config_setting_t *s, attrib_rules_keys *k,
                       const char ***types)
{
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return fail(ld, s, "'conversion_types' must be an array of strings like [\"purchase\"], "
                    "not %s", type_name(s));
    int n = config_setting_length(s);
    if (n > MAX_TYPES)
        return fail(ld, s, "'conversion_types' lists %d types (at most %d)", n, MAX_TYPES);
    *types = attrib_xcalloc(n ? (size_t)n : 1, sizeof **types);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        const char *v = config_setting_get_string(e);
        if (!v)
            return fail(ld, e, "'conversion_types' must hold strings, not %s", type_name(e));
        (*types)[i] = v;
    }
    k->types = *types;
    k->ntypes = (size_t)n;
    return 0;
}

static int parse_id(loader *ld, const config_setting_t *g, const char *list, int index,
                    uint32_t *id)
{
    snprintf(ld->ctx, sizeof ld->ctx, "%s entry %d", list, index + 1);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return fail(ld, g, "must be a group like { id = 7; … }, not %s", type_name(g));
    const config_setting_t *s = config_setting_get_member(g, "id");
    if (!s)
        return fail(ld, g, "missing 'id'");
    long long v = is_int(s) ? config_setting_get_int64(s) : -1;
    if (!is_int(s) || v < 0 || v > UINT32_MAX)
        return fail(ld, s, "'id' must be an integer in 0..4294967295");
    *id = (uint32_t)v;
    snprintf(ld->ctx, sizeof ld->ctx, "%s %" PRIu32,
             strcmp(list, "advertisers") == 0 ? "advertiser" : "campaign", *id);
    return 0;
}

/* One entry: the defaults group, or an element of advertisers/campaigns. */
static int parse_entry(loader *ld, const config_setting_t *g, enum attrib_rules_level level,
                       uint32_t id)
{
    attrib_rules_keys k = {0};
    const char **types = NULL;
    int rc = 0;
    for (int i = 0; i < config_setting_length(g) && rc == 0; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        int key = -1;
        if (strcmp(name, "id") == 0) {
            if (level == ATTRIB_RULES_DEFAULTS)
                rc = fail(ld, s, "'id' is not allowed in the defaults");
            continue;
        }
        /* Refuse per-advertiser keys in a campaign before looking at their values. */
        static const char *const adv_only[] = {"model", "engagement_priority", "time_decay",
                                               "position_based", "markov"};
        for (size_t j = 0; j < sizeof adv_only / sizeof adv_only[0]; j++)
            if (level == ATTRIB_RULES_CAMPAIGN && strcmp(name, adv_only[j]) == 0)
                rc = fail(ld, s, "'%s' is not allowed in a campaign entry (it is a "
                          "per-advertiser key)", name);
        if (rc)
            break;
        if (strcmp(name, "effective_from") == 0) {
            key = ATTRIB_RK_EFFECTIVE_FROM;
            if (level == ATTRIB_RULES_DEFAULTS) {
                rc = fail(ld, s, "'effective_from' is not allowed in the defaults");
            } else if (is_int(s)) {
                k.effective_from = config_setting_get_int64(s);
                /* An integer that looks like epoch seconds is never read as ms in silence. */
                if (k.effective_from >= ATTRIB_TIME_SECONDS_LO &&
                    k.effective_from <= ATTRIB_TIME_SECONDS_HI)
                    rc = fail(ld, s, "'effective_from' %lld looks like epoch seconds; give "
                              "milliseconds (%lld000) or an ISO 8601 string",
                              (long long)k.effective_from, (long long)k.effective_from);
            } else {
                const char *v = config_setting_get_string(s);
                if (!v || attrib_time_parse(v, strlen(v), &k.effective_from) != 0)
                    rc = fail(ld, s, "bad timestamp %s%.64s%s for 'effective_from' (expected ISO "
                              "8601 like \"2026-10-15T00:00:00Z\" or integer milliseconds)",
                              v ? "'" : "", v ? v : type_name(s), v ? "'" : "");
            }
        } else if (strcmp(name, "model") == 0) {
            key = ATTRIB_RK_MODEL;
            const char *v = config_setting_get_string(s);
            int m = attrib_model_parse(v);
            if (!v)
                rc = fail(ld, s, "'model' must be a string, not %s", type_name(s));
            else if (m < 0)
                rc = fail(ld, s, "unknown model '%.64s' (expected last_touch, first_touch, linear, "
                          "time_decay, position_based, u_shaped, j_curve, inverse_j, markov or "
                          "shapley)", v);
            else
                k.model = (enum attrib_model)m;
        } else if (strcmp(name, "engagement_priority") == 0) {
            key = ATTRIB_RK_ENGAGEMENT_PRIORITY;
            if (config_setting_type(s) != CONFIG_TYPE_BOOL)
                rc = fail(ld, s, "'engagement_priority' must be true or false, not %s",
                          type_name(s));
            else
                k.engagement_priority = config_setting_get_bool(s) ? 1 : 0;
        } else if (strcmp(name, "lookback") == 0) {
            rc = parse_lookback(ld, s, &k);
        } else if (strcmp(name, "conversion_types") == 0) {
            key = ATTRIB_RK_CONVERSION_TYPES;
            rc = parse_types(ld, s, &k, &types);
        } else if (strcmp(name, "time_decay") == 0) {
            if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
                rc = fail(ld, s, "'time_decay' must be a group like { half_life = \"7d\"; }, "
                          "not %s", type_name(s));
                break;
            }
            for (int j = 0; j < config_setting_length(s) && rc == 0; j++) {
                const config_setting_t *c = config_setting_get_elem(s, (unsigned)j);
                if (strcmp(config_setting_name(c), "half_life") != 0) {
                    rc = fail(ld, c, "unknown key 'time_decay.%s'", config_setting_name(c));
                } else {
                    rc = parse_duration(ld, c, "time_decay.half_life", 0, &k.half_life_ms);
                    k.set |= 1u << ATTRIB_RK_HALF_LIFE;
                    k.line[ATTRIB_RK_HALF_LIFE] = line_of(c);
                }
            }
        } else if (strcmp(name, "position_based") == 0) {
            if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
                rc = fail(ld, s, "'position_based' must be a group like { first = 0.4; last = "
                          "0.4; }, not %s", type_name(s));
                break;
            }
            for (int j = 0; j < config_setting_length(s) && rc == 0; j++) {
                const config_setting_t *c = config_setting_get_elem(s, (unsigned)j);
                const char *cn = config_setting_name(c);
                int wk = strcmp(cn, "first") == 0 ? ATTRIB_RK_FIRST
                         : strcmp(cn, "last") == 0 ? ATTRIB_RK_LAST
                                                   : -1;
                if (wk < 0) {
                    rc = fail(ld, c, "unknown key 'position_based.%s'", cn);
                } else {
                    rc = parse_weight(ld, c, attrib_rule_key_names[wk],
                                      wk == ATTRIB_RK_FIRST ? &k.first : &k.last);
                    k.set |= 1u << wk;
                    k.line[wk] = line_of(c);
                }
            }
        } else if (strcmp(name, "markov") == 0) {
            rc = parse_markov(ld, s, &k);
        } else {
            rc = fail(ld, s, "unknown key '%s'", name);
        }
        if (rc == 0 && key >= 0) {
            k.set |= 1u << key;
            k.line[key] = line_of(s);
        }
    }
    if (rc == 0)
        rc = attrib_rules_add(ld->r, level, id, line_of(g), &k);
    free(types);
    return rc;
}

static int parse_list(loader *ld, const config_setting_t *s, const char *list,
                      enum attrib_rules_level level)
{
    snprintf(ld->ctx, sizeof ld->ctx, "%s", list);
    int t = config_setting_type(s);
    /* `x = [];` is an empty array to libconfig: accept it as an empty list. */
    if (t != CONFIG_TYPE_LIST && !(t == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0))
        return fail(ld, s, "'%s' must be a list ( { id = …; … }, … ), not %s", list,
                    type_name(s));
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
        uint32_t id = 0;
        ATTRIB_TRY(parse_id(ld, g, list, i, &id));
        ATTRIB_TRY(parse_entry(ld, g, level, id));
    }
    return 0;
}

/* Prepare the text for libconfig 1.5, whose scanner has two traps:
 * - an integer literal without an L suffix is read as a 32-bit int, silently truncated
 *   (effective_from = 1792022400000 would become a date in 1970): append the L to every
 *   literal that does not fit, so it is read as the 64-bit integer it is, and refuse
 *   those beyond 64 bits;
 * - `@include "file"` opens a file relative to the working directory: refuse it, so the
 *   rules are the one text stored with the results.
 * A small scanner skips comments and strings the way libconfig does; appending a
 * character never moves a line, so libconfig's line numbers stay the file's. Returns a
 * malloc'd copy. */
static int prepare_text(const char *name, const char *text, char **out)
{
    size_t len = strlen(text);
    char *o = attrib_xmalloc(len + len / 2 + 2); /* at most one L per 2 input bytes */
    size_t n = 0;
    unsigned line = 1;
    int at_line_start = 1;
    const char *p = text;
#define EMIT(c) (o[n++] = (c))
    while (*p) {
        char c = *p;
        if (c == '\n') {
            line++;
            at_line_start = 1;
            EMIT(*p++);
            continue;
        }
        if (at_line_start && (c == ' ' || c == '\t')) {
            EMIT(*p++);
            continue;
        }
        if (at_line_start && strncmp(p, "@include", 8) == 0) {
            free(o);
            return attrib_err_set(ATTRIB_EINPUT, "%s:%u: @include is not supported (a rules "
                                  "file must be self-contained)", name, line);
        }
        at_line_start = 0;
        if (c == '#' || (c == '/' && p[1] == '/')) {
            while (*p && *p != '\n')
                EMIT(*p++);
        } else if (c == '/' && p[1] == '*') {
            EMIT(*p++), EMIT(*p++);
            while (*p && !(p[0] == '*' && p[1] == '/')) {
                line += *p == '\n';
                EMIT(*p++);
            }
            if (*p)
                EMIT(*p++), EMIT(*p++);
        } else if (c == '"') {
            EMIT(*p++);
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    EMIT(*p++);
                line += *p == '\n';
                EMIT(*p++);
            }
            if (*p)
                EMIT(*p++);
        } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*' || c == '_') {
            while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                   (*p >= '0' && *p <= '9') || *p == '*' || *p == '_' || *p == '-')
                EMIT(*p++);
        } else if (c >= '0' && c <= '9') {
            int neg = n > 0 && o[n - 1] == '-';
            int hex = c == '0' && (p[1] == 'x' || p[1] == 'X');
            const char *q = p + (hex ? 2 : 0);
            unsigned __int128 v = 0;
            int big = 0;
            while (hex ? ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
                          (*q >= 'A' && *q <= 'F'))
                       : (*q >= '0' && *q <= '9')) {
                unsigned d = *q <= '9' ? (unsigned)(*q - '0') : (unsigned)((*q | 0x20) - 'a' + 10);
                v = v * (hex ? 16u : 10u) + d;
                big |= v > (unsigned __int128)UINT64_MAX;
                q++;
            }
            int is_float = !hex && (*q == '.' || *q == 'e' || *q == 'E');
            int is_long = *q == 'L';
            const char *lit = p;
            while (p < q)
                EMIT(*p++);
            if (is_float) {
                while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' ||
                       ((*p == '+' || *p == '-') && (p[-1] == 'e' || p[-1] == 'E')))
                    EMIT(*p++);
                continue;
            }
            if (is_long)
                continue; /* the scanner reads these itself */
            unsigned __int128 lim32 = hex ? 0x7fffffffu : neg ? 0x80000000u : 0x7fffffffu;
            unsigned __int128 lim64 = hex ? UINT64_MAX : neg ? (unsigned __int128)INT64_MAX + 1
                                                             : (unsigned __int128)INT64_MAX;
            if (big || v > lim64) {
                free(o);
                return attrib_err_set(ATTRIB_EINPUT, "%s:%u: integer %s%.*s is out of range "
                                      "(64 bits)", name, line, neg ? "-" : "",
                                      (int)(q - lit > 40 ? 40 : q - lit), lit);
            }
            if (v > lim32)
                EMIT('L');
        } else {
            EMIT(*p++);
        }
    }
#undef EMIT
    o[n] = '\0';
    *out = o;
    return 0;
}

int attrib_rules_load_text(const char *name, const char *text, attrib_rules **out)
{
    *out = NULL;
    char *prepared = NULL;
    ATTRIB_TRY(prepare_text(name, text, &prepared));
    config_t cfg;
    config_init(&cfg);
    int ok = config_read_string(&cfg, prepared);
    free(prepared);
    if (ok != CONFIG_TRUE) {
        int rc = attrib_err_set(ATTRIB_EINPUT, "%s:%d: %s", name, config_error_line(&cfg),
                                config_error_text(&cfg) ? config_error_text(&cfg)
                                                        : "cannot parse");
        config_destroy(&cfg);
        return rc;
    }
    loader ld = {name, attrib_rules_create(name), ""};
    int rc = 0;
    const config_setting_t *root = config_root_setting(&cfg);
    for (int i = 0; i < config_setting_length(root) && rc == 0; i++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *key = config_setting_name(s);
        if (strcmp(key, "defaults") == 0) {
            snprintf(ld.ctx, sizeof ld.ctx, "defaults");
            if (config_setting_type(s) != CONFIG_TYPE_GROUP)
                rc = fail(&ld, s, "'defaults' must be a group { … }, not %s", type_name(s));
            else
                rc = parse_entry(&ld, s, ATTRIB_RULES_DEFAULTS, 0);
        } else if (strcmp(key, "advertisers") == 0) {
            rc = parse_list(&ld, s, "advertisers", ATTRIB_RULES_ADVERTISER);
        } else if (strcmp(key, "campaigns") == 0) {
            rc = parse_list(&ld, s, "campaigns", ATTRIB_RULES_CAMPAIGN);
        } else {
            rc = attrib_err_set(ATTRIB_EINPUT, "%s:%u: unknown key '%s' (expected defaults, "
                                "advertisers or campaigns)", name, line_of(s), key);
        }
    }
    config_destroy(&cfg);
    if (rc == 0)
        rc = attrib_rules_finish(ld.r);
    if (rc < 0) {
        attrib_rules_free(ld.r);
        return rc;
    }
    *out = ld.r;
    return 0;
}

int attrib_rules_load(const char *path, attrib_rules **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return attrib_err_open(path, errno);
    size_t cap = 4096, n = 0;
    char *buf = attrib_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            if (cap >= MAX_RULES_BYTES) {
                fclose(f);
                free(buf);
                return attrib_err_set(ATTRIB_EINPUT, "%s: too large for a rules file (over %u "
                                      "MiB)", path, MAX_RULES_BYTES >> 20);
            }
            cap *= 2;
            buf = attrib_xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return attrib_err_read(path, err ? EIO : 0);
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        free(buf);
        return attrib_err_set(ATTRIB_EINPUT, "%s: holds a NUL byte (not a text file)", path);
    }
    int rc = attrib_rules_load_text(path, buf, out);
    free(buf);
    return rc;
}

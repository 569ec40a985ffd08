/* Unit tests of the rules: loading and every error class (with the exact file:line and
 * key of the message), inheritance key by key, versions and their boundaries,
 * rule_version, bind to a catalog with type bitmaps, pack/unpack, --model override. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/rules.h"

static int failures;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#define DAY INT64_C(86400000)

static attrib_rules *load(const char *text, int line)
{
    attrib_rules *r = NULL;
    attrib_err_clear();
    int rc = attrib_rules_load_text("t.cfg", text, &r);
    if (rc != 0 || !r) {
        fprintf(stderr, "%s:%d: load failed: %s\n", __FILE__, line, attrib_err_msg());
        failures++;
    }
    return r;
}
#define LOAD(text) load((text), __LINE__)

/* The load must fail with exactly this message. */
static void load_err(const char *text, const char *want, int line)
{
    attrib_rules *r = NULL;
    attrib_err_clear();
    int rc = attrib_rules_load_text("t.cfg", text, &r);
    if (rc != ATTRIB_EINPUT || r || strcmp(attrib_err_msg(), want) != 0) {
        fprintf(stderr, "%s:%d: want error \"%s\"\n    got rc %d: \"%s\"\n", __FILE__, line, want,
                rc, attrib_err_msg());
        failures++;
    }
    attrib_rules_free(r);
}
#define ERR(text, want) load_err((text), (want), __LINE__)

static void test_errors(void)
{
    ERR("defaults: {\n  model = \"last_touch\";\n  lookback = ; };\n", "t.cfg:3: syntax error");
    ERR("defaults: { model = \"last_touch\"; };\ncampaign = ();\n",
        "t.cfg:2: unknown key 'campaign' (expected defaults, advertisers or campaigns)");
    ERR("advertisers = (\n  { id = 7;\n    model = \"lastclick\"; }\n);\n",
        "t.cfg:3: advertiser 7: unknown model 'lastclick' (expected last_touch, first_touch, "
        "linear, time_decay, position_based, u_shaped, j_curve, inverse_j, markov or shapley)");
    ERR("defaults: {\n model = 4; };\n", "t.cfg:2: defaults: 'model' must be a string, not an "
        "integer");
    ERR("campaigns = (\n { id = 10; lookbak = { engagement = \"7d\"; }; }\n);\n",
        "t.cfg:2: campaign 10: unknown key 'lookbak'");
    ERR("campaigns = (\n { id = 10;\n   lookback = {\n     click = \"7d\"; }; }\n);\n",
        "t.cfg:4: campaign 10: unknown kind 'click' in 'lookback' (expected impression, "
        "engagement or nurture)");
    ERR("campaigns = (\n { id = 10; lookback = { engagement = \"7x\"; }; }\n);\n",
        "t.cfg:2: campaign 10: bad duration '7x' for 'lookback.engagement' (expected "
        "<integer><ms|s|m|h|d> or \"off\")");
    ERR("campaigns = (\n { id = 10; lookback = { nurture = 7; }; }\n);\n",
        "t.cfg:2: campaign 10: 'lookback.nurture' must be a duration string like \"7d\" or "
        "\"off\", not an integer");
    ERR("campaigns = (\n { id = 10; lookback = \"7d\"; }\n);\n",
        "t.cfg:2: campaign 10: 'lookback' must be a group like { engagement = \"7d\"; }, not a "
        "string");
    ERR("defaults: {\n time_decay = { half_life = \"off\"; }; };\n",
        "t.cfg:2: defaults: bad duration 'off' for 'time_decay.half_life' (expected "
        "<integer><ms|s|m|h|d>)");
    ERR("defaults: {\n time_decay = {\n  half_life = \"0s\"; }; };\n",
        "t.cfg:3: defaults: 'time_decay.half_life' must be greater than 0");
    ERR("defaults: {\n time_decay = { halflife = \"1d\"; }; };\n",
        "t.cfg:2: defaults: unknown key 'time_decay.halflife'");
    ERR("advertisers = ( { id = 3;\n  position_based = { first = 1.5; }; } );\n",
        "t.cfg:2: advertiser 3: 'position_based.first' = 1.5 is outside [0, 1]");
    ERR("advertisers = ( { id = 3;\n  position_based = { last = -0.1; }; } );\n",
        "t.cfg:2: advertiser 3: 'position_based.last' = -0.1 is outside [0, 1]");
    ERR("advertisers = ( { id = 3;\n  position_based = { middle = 0.1; }; } );\n",
        "t.cfg:2: advertiser 3: unknown key 'position_based.middle'");
    ERR("advertisers = ( { id = 3;\n  position_based = { first = \"0.4\"; }; } );\n",
        "t.cfg:2: advertiser 3: 'position_based.first' must be a number in [0, 1], not a string");
    ERR("defaults: {\n position_based = {\n  first = 0.7;\n  last = 0.5; }; };\n",
        "t.cfg:3: defaults: 'position_based' first + last = 1.2 exceeds 1 (first 0.7, last 0.5)");
    /* Combined across levels: 0.8 here and 0.4 inherited. */
    ERR("defaults: { position_based = { last = 0.4; }; };\nadvertisers = (\n { id = 5;\n"
        "   position_based = { first = 0.8; }; }\n);\n",
        "t.cfg:4: advertiser 5: 'position_based' first + last = 1.2 exceeds 1 (first 0.8, last "
        "0.4 from the defaults)");
    ERR("defaults: {\n engagement_priority = 1; };\n",
        "t.cfg:2: defaults: 'engagement_priority' must be true or false, not an integer");
    ERR("campaigns = (\n { id = 14; conversion_types = \"purchase\"; }\n);\n",
        "t.cfg:2: campaign 14: 'conversion_types' must be an array of strings like "
        "[\"purchase\"], not a string");
    ERR("campaigns = (\n { id = 14; conversion_types = [1, 2]; }\n);\n",
        "t.cfg:2: campaign 14: 'conversion_types' must hold strings, not an integer");
    ERR("campaigns = (\n { id = 14; conversion_types = [\"\"]; }\n);\n",
        "t.cfg:2: campaign 14: conversion type '' in 'conversion_types' must be 1 to 32 bytes");
    ERR("campaigns = (\n { id = 10;\n   model = \"linear\"; }\n);\n",
        "t.cfg:3: campaign 10: 'model' is not allowed in a campaign entry (it is a "
        "per-advertiser key)");
    ERR("campaigns = ( { id = 10;\n   engagement_priority = false; } );\n",
        "t.cfg:2: campaign 10: 'engagement_priority' is not allowed in a campaign entry (it is a "
        "per-advertiser key)");
    ERR("campaigns = ( { id = 10;\n   time_decay = { half_life = \"1d\"; }; } );\n",
        "t.cfg:2: campaign 10: 'time_decay' is not allowed in a campaign entry (it is a "
        "per-advertiser key)");
    ERR("campaigns = ( { id = 10;\n   position_based = { first = 0.1; }; } );\n",
        "t.cfg:2: campaign 10: 'position_based' is not allowed in a campaign entry (it is a "
        "per-advertiser key)");
    ERR("campaigns = (\n { id = 10; },\n { lookback = { engagement = \"1d\"; }; }\n);\n",
        "t.cfg:3: campaigns entry 2: missing 'id'");
    ERR("campaigns = (\n { id = -4; }\n);\n",
        "t.cfg:2: campaigns entry 1: 'id' must be an integer in 0..4294967295");
    ERR("advertisers = (\n { id = \"7\"; }\n);\n",
        "t.cfg:2: advertisers entry 1: 'id' must be an integer in 0..4294967295");
    ERR("advertisers = (\n 7\n);\n",
        "t.cfg:2: advertisers entry 1: must be a group like { id = 7; … }, not an integer");
    ERR("advertisers = { id = 7; };\n",
        "t.cfg:1: advertisers: 'advertisers' must be a list ( { id = …; … }, … ), not a group "
        "{ … }");
    ERR("defaults: {\n id = 3; };\n", "t.cfg:2: defaults: 'id' is not allowed in the defaults");
    ERR("defaults: {\n effective_from = 0; };\n",
        "t.cfg:2: defaults: 'effective_from' is not allowed in the defaults");
    ERR("defaults = 3;\n", "t.cfg:1: defaults: 'defaults' must be a group { … }, not an integer");
    ERR("campaigns = (\n { id = 20; effective_from = \"2026-13-01T00:00:00Z\"; }\n);\n",
        "t.cfg:2: campaign 20: bad timestamp '2026-13-01T00:00:00Z' for 'effective_from' "
        "(expected ISO 8601 like \"2026-10-15T00:00:00Z\" or integer milliseconds)");
    /* An integer that looks like epoch seconds is refused, not read as 1970 ms. */
    ERR("campaigns = (\n { id = 20; effective_from = 1792022400; }\n);\n",
        "t.cfg:2: campaign 20: 'effective_from' 1792022400 looks like epoch seconds; give "
        "milliseconds (1792022400000) or an ISO 8601 string");
    ERR("campaigns = (\n { id = 20; effective_from = true; }\n);\n",
        "t.cfg:2: campaign 20: bad timestamp a boolean for 'effective_from' (expected ISO 8601 "
        "like \"2026-10-15T00:00:00Z\" or integer milliseconds)");
    ERR("campaigns = (\n { id = 20; effective_from = 1000; },\n { id = 21; },\n"
        " { id = 20;\n   effective_from = \"1970-01-01T00:00:01Z\"; }\n);\n",
        "t.cfg:5: campaign 20: two versions with effective_from 1970-01-01T00:00:01.000Z (the "
        "other is at t.cfg:2)");
    ERR("advertisers = (\n { id = 7; },\n { id = 7; model = \"linear\"; }\n);\n",
        "t.cfg:3: advertiser 7: two versions without effective_from (the other is at t.cfg:2)");
    ERR("campaigns = (\n { id = 1; effective_from = 99999999999999999999; }\n);\n",
        "t.cfg:2: integer 99999999999999999999 is out of range (64 bits)");
    ERR("campaigns = (\n { id = 4294967296; }\n);\n",
        "t.cfg:2: campaigns entry 1: 'id' must be an integer in 0..4294967295");
    ERR("# rules\n  @include \"/etc/passwd\"\n",
        "t.cfg:2: @include is not supported (a rules file must be self-contained)");
}

static void test_inheritance(void)
{
    attrib_rules *r = LOAD("defaults: {\n"
                           "  model = \"time_decay\";\n"
                           "  lookback = { engagement = \"10d\"; impression = \"2d\"; };\n"
                           "  conversion_types = [\"purchase\"];\n"
                           "  time_decay = { half_life = \"3d\"; };\n"
                           "};\n"
                           "advertisers = (\n"
                           "  { id = 1; engagement_priority = false;\n"
                           "    lookback = { impression = \"off\"; nurture = \"1h\"; };\n"
                           "    position_based = { first = 0.3; }; }\n"
                           ");\n"
                           "campaigns = (\n"
                           "  { id = 10; lookback = { engagement = \"90m\"; }; },\n"
                           "  { id = 11; conversion_types = []; },\n"
                           "  { id = 20; lookback = { nurture = \"30s\"; }; }\n"
                           ");\n");
    if (!r)
        return;
    /* Advertiser 1: priority off, model and half-life from the defaults, first from its
     * own entry and last built in. */
    const attrib_adv_rule *a = attrib_rules_adv_default_at(r, 1, 0);
    CHECK(a->model == ATTRIB_MODEL_TIME_DECAY && a->engagement_priority == 0);
    CHECK(a->half_life_ms == 3 * DAY && a->first == 0.3 && a->last == 0.4);
    const attrib_adv_rule *d = attrib_rules_adv_default_at(r, 99, 0);
    CHECK(d->model == ATTRIB_MODEL_TIME_DECAY && d->engagement_priority == 1 && d->first == 0.4);
    CHECK(attrib_rules_max_lookback(r) == 10 * DAY);

    attrib_table cat;
    attrib_table_init(&cat, &attrib_schema_campaigns, 8);
    const uint32_t ids[][2] = {{10, 1}, {11, 1}, {20, 2}, {21, 1}};
    for (size_t i = 0; i < 4; i++) {
        size_t row = attrib_table_push(&cat);
        ATTRIB_COL(&cat, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[row] = ids[i][0];
        ATTRIB_COL(&cat, ATTRIB_CA_ADVERTISER_ID, uint32_t)[row] = ids[i][1];
    }
    char *types[] = {"lead", "purchase", "signup"};
    char *warn = (char *)"unset";
    CHECK(attrib_rules_bind(r, &cat, types, 3, &warn) == 0);
    CHECK(warn == NULL);
    CHECK(attrib_rules_ncampaigns(r) == 4 && attrib_rules_nadvertisers(r) == 2);
    int64_t c10 = attrib_rules_camp_index(r, 10), c11 = attrib_rules_camp_index(r, 11);
    int64_t c20 = attrib_rules_camp_index(r, 20), c21 = attrib_rules_camp_index(r, 21);
    CHECK(c10 == 0 && c11 == 1 && c20 == 2 && c21 == 3 && attrib_rules_camp_index(r, 12) == -1);
    CHECK(attrib_rules_camp_id(r, 2) == 20 && attrib_rules_adv_id(r, 1) == 2);
    CHECK(attrib_rules_camp_adv(r, 2) == (size_t)attrib_rules_adv_index(r, 2));
    CHECK(attrib_rules_adv_index(r, 3) == -1);

    /* Campaign 10 (advertiser 1): engagement its own, impression and nurture the
     * advertiser's, types the defaults'. */
    const attrib_camp_rule *c = attrib_rules_camp_at(r, (size_t)c10, 0);
    CHECK(c->lookback_ms[ATTRIB_KIND_ENGAGEMENT] == 90 * 60000);
    CHECK(c->lookback_ms[ATTRIB_KIND_IMPRESSION] == ATTRIB_LOOKBACK_OFF);
    CHECK(c->lookback_ms[ATTRIB_KIND_NURTURE] == 3600000);
    CHECK(c->type_allowed && c->type_allowed[0] == 0 && c->type_allowed[1] == 1 &&
          c->type_allowed[2] == 0);
    CHECK(c->rule_version == 1);
    /* Campaign 11: [] lifts the defaults' type restriction. */
    c = attrib_rules_camp_at(r, (size_t)c11, 0);
    CHECK(c->type_allowed == NULL && c->lookback_ms[ATTRIB_KIND_ENGAGEMENT] == 10 * DAY);
    /* Campaign 20 of advertiser 2 (no entry): defaults for all but nurture. */
    c = attrib_rules_camp_at(r, (size_t)c20, 0);
    CHECK(c->lookback_ms[ATTRIB_KIND_ENGAGEMENT] == 10 * DAY &&
          c->lookback_ms[ATTRIB_KIND_IMPRESSION] == 2 * DAY &&
          c->lookback_ms[ATTRIB_KIND_NURTURE] == 30000);
    /* Campaign 21: no entry, the advertiser's; rule_version 0. */
    c = attrib_rules_camp_at(r, (size_t)c21, 0);
    CHECK(c->rule_version == 0 && c->lookback_ms[ATTRIB_KIND_NURTURE] == 3600000 &&
          c->lookback_ms[ATTRIB_KIND_ENGAGEMENT] == 10 * DAY);
    CHECK(strcmp(attrib_rules_camp_origin(r, (size_t)c10, 0), "t.cfg:13") == 0);
    CHECK(strcmp(attrib_rules_camp_origin(r, (size_t)c21, 0), "t.cfg:8") == 0);
    CHECK(strcmp(attrib_rules_camp_origin(r, (size_t)c20, 5), "t.cfg:15") == 0);
    a = attrib_rules_adv_at(r, attrib_rules_camp_adv(r, (size_t)c10), 0);
    CHECK(a->engagement_priority == 0 && a->first == 0.3);
    CHECK(attrib_rules_max_lookback(r) == 10 * DAY);
    attrib_table_free(&cat);
    attrib_rules_free(r);
}

static attrib_table catalog(const uint32_t (*ids)[2], size_t n)
{
    attrib_table cat;
    attrib_table_init(&cat, &attrib_schema_campaigns, 8);
    for (size_t i = 0; i < n; i++) {
        size_t row = attrib_table_push(&cat);
        ATTRIB_COL(&cat, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[row] = ids[i][0];
        ATTRIB_COL(&cat, ATTRIB_CA_ADVERTISER_ID, uint32_t)[row] = ids[i][1];
    }
    return cat;
}

/* Versions listed out of order, with lookups just before, exactly at and after each
 * boundary (a version is in force from its effective_from, inclusive). */
static const char *versions_text =
    "advertisers = (\n"
    "  { id = 2; effective_from = 2000; model = \"linear\"; lookback = { nurture = \"2s\"; }; },\n"
    "  { id = 2; effective_from = 4000; model = \"first_touch\"; }\n"
    ");\n"
    "campaigns = (\n"
    "  { id = 20; effective_from = 3000; lookback = { engagement = \"3s\"; }; },\n"
    "  { id = 20; effective_from = 1000; lookback = { engagement = \"1s\"; }; },\n"
    "  { id = 20; effective_from = 5000; conversion_types = [\"signup\"]; },\n"
    "  { id = 30; lookback = { impression = \"9ms\"; }; },\n"
    "  { id = 30; effective_from = \"1970-01-01T00:00:02.500Z\"; },\n"
    "  { id = 55; },\n"
    "  { id = 44; lookback = { engagement = \"1d\"; }; }\n"
    ");\n"
    "advertisers = ( { id = 9; model = \"j_curve\"; } );\n";

static void test_versions(void)
{
    /* libconfig allows a key once: the second `advertisers` is its syntax error. */
    ERR(versions_text, "t.cfg:14: duplicate setting name");
    char text[2048];
    snprintf(text, sizeof text, "%s", versions_text);
    *strstr(text, "advertisers = ( { id = 9") = '\0';
    attrib_rules *r = LOAD(text);
    if (!r)
        return;
    CHECK(attrib_rules_max_lookback(r) == 30 * DAY); /* the engagement default */
    const uint32_t ids[][2] = {{20, 2}, {30, 3}, {44, 2}};
    attrib_table cat = catalog(ids, 3);
    char *types[] = {"purchase", "signup"};
    char *warn = NULL;
    CHECK(attrib_rules_bind(r, &cat, types, 2, &warn) == 0);
    CHECK(warn && strcmp(warn, "t.cfg:11: campaign 55 is not in the catalog\n") == 0);
    free(warn);
    size_t c20 = (size_t)attrib_rules_camp_index(r, 20);
    size_t c30 = (size_t)attrib_rules_camp_index(r, 30);
    size_t a2 = (size_t)attrib_rules_adv_index(r, 2);
    struct {
        int64_t ts;
        uint32_t version;
        int64_t engagement, nurture;
        int model;
        const char *origin;
        int types_all;
    } want[] = {
        {-1, 0, 30 * DAY, 7 * DAY, ATTRIB_MODEL_LAST_TOUCH, "built-in defaults", 1},
        {999, 0, 30 * DAY, 7 * DAY, ATTRIB_MODEL_LAST_TOUCH, "built-in defaults", 1},
        {1000, 1, 1000, 7 * DAY, ATTRIB_MODEL_LAST_TOUCH, "t.cfg:7", 1},
        {1999, 1, 1000, 7 * DAY, ATTRIB_MODEL_LAST_TOUCH, "t.cfg:7", 1},
        {2000, 1, 1000, 2000, ATTRIB_MODEL_LINEAR, "t.cfg:7", 1},
        {2999, 1, 1000, 2000, ATTRIB_MODEL_LINEAR, "t.cfg:7", 1},
        {3000, 2, 3000, 2000, ATTRIB_MODEL_LINEAR, "t.cfg:6", 1},
        /* The advertiser's second version gives no nurture: the defaults', not 2s. */
        {4000, 2, 3000, 7 * DAY, ATTRIB_MODEL_FIRST_TOUCH, "t.cfg:6", 1},
        {4999, 2, 3000, 7 * DAY, ATTRIB_MODEL_FIRST_TOUCH, "t.cfg:6", 1},
        /* Version 3 gives no lookback: inherited from the advertiser/defaults, not v2. */
        {5000, 3, 30 * DAY, 7 * DAY, ATTRIB_MODEL_FIRST_TOUCH, "t.cfg:8", 0},
        {INT64_MAX, 3, 30 * DAY, 7 * DAY, ATTRIB_MODEL_FIRST_TOUCH, "t.cfg:8", 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const attrib_camp_rule *c = attrib_rules_camp_at(r, c20, want[i].ts);
        const attrib_adv_rule *a = attrib_rules_adv_at(r, a2, want[i].ts);
        if (c->rule_version != want[i].version ||
            c->lookback_ms[ATTRIB_KIND_ENGAGEMENT] != want[i].engagement ||
            c->lookback_ms[ATTRIB_KIND_NURTURE] != want[i].nurture ||
            (int)a->model != want[i].model || (c->type_allowed == NULL) != want[i].types_all ||
            strcmp(attrib_rules_camp_origin(r, c20, want[i].ts), want[i].origin) != 0) {
            fprintf(stderr, "%s:%d: campaign 20 at %lld: version %u engagement %lld nurture %lld "
                    "model %d origin %s\n", __FILE__, __LINE__, (long long)want[i].ts,
                    c->rule_version, (long long)c->lookback_ms[ATTRIB_KIND_ENGAGEMENT],
                    (long long)c->lookback_ms[ATTRIB_KIND_NURTURE], (int)a->model,
                    attrib_rules_camp_origin(r, c20, want[i].ts));
            failures++;
        }
    }
    const attrib_camp_rule *c = attrib_rules_camp_at(r, c20, 6000);
    CHECK(c->type_allowed && c->type_allowed[0] == 0 && c->type_allowed[1] == 1);
    /* Campaign 30: version 1 from the beginning of time, version 2 (no keys) from 2.5 s. */
    c = attrib_rules_camp_at(r, c30, INT64_MIN);
    CHECK(c->rule_version == 1 && c->lookback_ms[ATTRIB_KIND_IMPRESSION] == 9);
    c = attrib_rules_camp_at(r, c30, 2499);
    CHECK(c->rule_version == 1 && c->lookback_ms[ATTRIB_KIND_IMPRESSION] == 9);
    c = attrib_rules_camp_at(r, c30, 2500);
    CHECK(c->rule_version == 2 && c->lookback_ms[ATTRIB_KIND_IMPRESSION] == DAY);
    CHECK(attrib_rules_max_lookback(r) == 30 * DAY);
    attrib_table_free(&cat);
    attrib_rules_free(r);
}

static char *print_str(const attrib_rules *r, int json)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    if (json)
        attrib_rules_print_json(r, f);
    else
        attrib_rules_print(r, f);
    fclose(f);
    return s;
}

static void test_pack(void)
{
    attrib_rules *r = LOAD("defaults: {\n  model = \"position_based\";\n"
                           "  position_based = { first = 0.1; last = 0.7; };\n"
                           "  conversion_types = [\"purchase\", \"lead\"];\n};\n"
                           "advertisers = (\n"
                           "  { id = 4; effective_from = \"2026-10-15T00:00:00+02:00\";\n"
                           "    model = \"u_shaped\"; time_decay = { half_life = \"36h\"; }; },\n"
                           "  { id = 4; engagement_priority = false; }\n);\n"
                           "campaigns = (\n"
                           "  { id = 1; lookback = { engagement = \"1500ms\"; nurture = \"off\"; };"
                           " conversion_types = [\"a \\\"quoted\\\" type\"]; },\n"
                           "  { id = 1; effective_from = 1760486400000; }\n);\n");
    if (!r)
        return;
    void *buf = NULL;
    size_t len = 0;
    CHECK(attrib_rules_pack(r, &buf, &len) == 0 && len > 0);
    attrib_rules *u = NULL;
    CHECK(attrib_rules_unpack(buf, len, &u) == 0 && u);
    if (u) {
        char *p1 = print_str(r, 0), *p2 = print_str(u, 0);
        CHECK(strcmp(p1, p2) == 0);
        CHECK(strstr(p1, "version 2, in force from 2026-10-14T22:00:00.000Z (t.cfg:7)"));
        CHECK(strstr(p1, "first 0.4, last 0.4 (the preset's weights)"));
        CHECK(strstr(p1, "engagement 1500ms *"));
        free(p1), free(p2);
        p1 = print_str(r, 1), p2 = print_str(u, 1);
        CHECK(strcmp(p1, p2) == 0);
        CHECK(strstr(p1, "\"conversion_types\": [\"a \\\"quoted\\\" type\"]"));
        free(p1), free(p2);
        void *buf2 = NULL;
        size_t len2 = 0;
        CHECK(attrib_rules_pack(u, &buf2, &len2) == 0 && len2 == len &&
              memcmp(buf, buf2, len) == 0);
        free(buf2);
    }
    attrib_rules_free(u);
    /* Every truncation and every single-byte corruption is refused or read as valid rules,
     * never a crash (the sanitizer build checks the "never"). */
    for (size_t cut = 0; cut < len; cut++) {
        u = NULL;
        CHECK(attrib_rules_unpack(buf, cut, &u) == ATTRIB_EINPUT && u == NULL);
    }
    unsigned char *bad = malloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        memcpy(bad, buf, len);
        bad[i] ^= 0xA5;
        u = NULL;
        int rc = attrib_rules_unpack(bad, len, &u);
        CHECK((rc == 0) == (u != NULL) && (rc == 0 || rc == ATTRIB_EINPUT));
        attrib_rules_free(u);
    }
    memcpy(bad, buf, len);
    bad[len] = 0;
    u = NULL;
    CHECK(attrib_rules_unpack(bad, len + 1, &u) == ATTRIB_EINPUT && !u);
    CHECK(strcmp(attrib_err_msg(), "corrupt rules buffer (trailing bytes)") == 0);
    free(bad);
    free(buf);

    /* The override travels with the rules. */
    attrib_rules_override_model(r, ATTRIB_MODEL_LINEAR);
    CHECK(attrib_rules_pack(r, &buf, &len) == 0);
    u = NULL;
    CHECK(attrib_rules_unpack(buf, len, &u) == 0 && u);
    if (u) {
        CHECK(attrib_rules_adv_default_at(u, 4, 0)->model == ATTRIB_MODEL_LINEAR);
        char *p1 = print_str(r, 0), *p2 = print_str(u, 0);
        CHECK(strcmp(p1, p2) == 0);
        free(p1), free(p2);
    }
    attrib_rules_free(u);
    free(buf);
    attrib_rules_free(r);
}

/* markov = { order = K; }: 1..4, default 1, per advertiser, inherited from the
 * defaults, the same in every version of one advertiser; pack/unpack keeps it. */
static void test_markov(void)
{
    /* Default 1, with no file defaults and with defaults that say nothing of it. */
    attrib_rules *r = LOAD("advertisers = ( { id = 5; model = \"linear\"; } );\n");
    if (r) {
        CHECK(attrib_rules_markov_order(r, 5) == 1 && attrib_rules_markov_order(r, 6) == 1);
        CHECK(attrib_rules_adv_default_at(r, 5, 0)->markov_order == 1);
        CHECK(attrib_rules_adv_default_at(r, 6, 0)->markov_order == 1);
        char *p = print_str(r, 0);
        CHECK(strstr(p, "    markov.order          1\n"));
        CHECK(!strstr(p, "markov.order          1 *"));
        free(p);
        p = print_str(r, 1);
        CHECK(strstr(p, "\"markov_order\": 1,"));
        CHECK(!strstr(p, "\"markov.order\""));
        free(p);
        attrib_rules_free(r);
    }

    /* Inherited from the defaults; set per advertiser; equal versions are fine, also
     * versions that inherit the same value, and a first version with effective_from
     * whose order is the defaults'. */
    r = LOAD("defaults: { markov = { order = 3; }; };\n"
             "advertisers = (\n"
             "  { id = 1; model = \"linear\"; },\n"
             "  { id = 2; markov = { order = 4; }; },\n"
             "  { id = 2; effective_from = 5000; markov = {\n order = 4; }; },\n"
             "  { id = 3; effective_from = 1000; },\n"
             "  { id = 3; effective_from = 2000; markov = { order = 3; }; },\n"
             "  { id = 4; markov = { order = 1; }; model = \"first_touch\"; }\n"
             ");\n"
             "campaigns = ( { id = 10; lookback = { engagement = \"1d\"; }; } );\n");
    if (r) {
        const uint32_t want[][2] = {{1, 3}, {2, 4}, {3, 3}, {4, 1}, {99, 3}};
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            int o = attrib_rules_markov_order(r, want[i][0]);
            if (o != (int)want[i][1]) {
                fprintf(stderr, "%s:%d: advertiser %u: order %d, want %u\n", __FILE__, __LINE__,
                        want[i][0], o, want[i][1]);
                failures++;
            }
            /* Every version (and the time before the first) resolves to the same. */
            const int64_t ts[] = {INT64_MIN, 0, 999, 1000, 1999, 2000, 4999, 5000, INT64_MAX};
            for (size_t j = 0; j < sizeof ts / sizeof ts[0]; j++)
                CHECK(attrib_rules_adv_default_at(r, want[i][0], ts[j])->markov_order ==
                      (int)want[i][1]);
        }
        CHECK(attrib_rules_adv_default_at(r, 4, 0)->model == ATTRIB_MODEL_FIRST_TOUCH);
        /* After bind, attrib_rules_adv_at() agrees. */
        const uint32_t ids[][2] = {{10, 2}, {11, 7}};
        attrib_table cat = catalog(ids, 2);
        CHECK(attrib_rules_bind(r, &cat, NULL, 0, NULL) == 0);
        CHECK(attrib_rules_adv_at(r, (size_t)attrib_rules_adv_index(r, 2), 6000)->markov_order == 4);
        CHECK(attrib_rules_adv_at(r, (size_t)attrib_rules_adv_index(r, 7), 0)->markov_order == 3);
        CHECK(attrib_rules_markov_order(r, 2) == 4 && attrib_rules_markov_order(r, 7) == 3);
        attrib_table_free(&cat);
        /* --model keeps the order. */
        attrib_rules_override_model(r, ATTRIB_MODEL_LINEAR);
        CHECK(attrib_rules_markov_order(r, 2) == 4 && attrib_rules_markov_order(r, 1) == 3);
        /* Printing marks the levels that set it. */
        char *p = print_str(r, 0);
        CHECK(strstr(p, "defaults (t.cfg:1):\n    model                 linear\n"));
        CHECK(strstr(p, "    markov.order          3 *\n"));
        CHECK(strstr(p, "    markov.order          4 *\n"));
        CHECK(strstr(p, "advertiser 1:\n  version 1, in force from the beginning of time (t.cfg:3):\n"
                        "    model                 linear *\n"));
        CHECK(strstr(p, "    markov.order          3\n"));
        free(p);
        p = print_str(r, 1);
        CHECK(strstr(p, "\"keys\": [\"markov.order\"], \"model\": \"linear\", "
                        "\"engagement_priority\": true, \"half_life_ms\": 604800000, "
                        "\"position_based\": {\"first\": 0.4, \"last\": 0.4}, "
                        "\"markov_order\": 3,"));
        CHECK(strstr(p, "\"markov_order\": 4,"));
        free(p);

        /* Pack/unpack keeps every order (and the buffer is the same once repacked). */
        void *buf = NULL, *buf2 = NULL;
        size_t len = 0, len2 = 0;
        attrib_rules *u = NULL;
        CHECK(attrib_rules_pack(r, &buf, &len) == 0);
        CHECK(attrib_rules_unpack(buf, len, &u) == 0 && u);
        if (u) {
            for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
                CHECK(attrib_rules_markov_order(u, want[i][0]) == (int)want[i][1]);
            CHECK(attrib_rules_adv_default_at(u, 3, 1500)->markov_order == 3);
            char *p1 = print_str(r, 0), *p2 = print_str(u, 0);
            CHECK(strcmp(p1, p2) == 0);
            free(p1), free(p2);
            p1 = print_str(r, 1), p2 = print_str(u, 1);
            CHECK(strcmp(p1, p2) == 0);
            free(p1), free(p2);
            CHECK(attrib_rules_pack(u, &buf2, &len2) == 0 && len2 == len &&
                  memcmp(buf, buf2, len) == 0);
            free(buf2);
        }
        attrib_rules_free(u);
        free(buf);
        attrib_rules_free(r);
    }

    /* The order without a defaults block, one advertiser set, the others built in. */
    r = LOAD("advertisers = ( { id = 8; markov = { order = 2; }; } );\n");
    if (r) {
        CHECK(attrib_rules_markov_order(r, 8) == 2 && attrib_rules_markov_order(r, 9) == 1);
        attrib_rules_free(r);
    }

    /* Errors: range, type, unknown key, shape, level. */
    ERR("defaults: {\n  markov = {\n    order = 5; }; };\n",
        "t.cfg:3: defaults: 'markov.order' = 5 is outside 1..4");
    ERR("advertisers = ( { id = 7;\n  markov = { order = 0; }; } );\n",
        "t.cfg:2: advertiser 7: 'markov.order' = 0 is outside 1..4");
    ERR("defaults: { markov = { order = -1; }; };\n",
        "t.cfg:1: defaults: 'markov.order' = -1 is outside 1..4");
    ERR("defaults: { markov = { order = 4294967297; }; };\n",
        "t.cfg:1: defaults: 'markov.order' = 4294967297 is outside 1..4");
    ERR("defaults: { markov = { order = 2.0; }; };\n",
        "t.cfg:1: defaults: 'markov.order' must be an integer in 1..4, not a number");
    ERR("defaults: { markov = { order = \"2\"; }; };\n",
        "t.cfg:1: defaults: 'markov.order' must be an integer in 1..4, not a string");
    ERR("defaults: { markov = { order = true; }; };\n",
        "t.cfg:1: defaults: 'markov.order' must be an integer in 1..4, not a boolean");
    ERR("advertisers = ( { id = 7;\n  markov = { order = 2;\n    states = 3; }; } );\n",
        "t.cfg:3: advertiser 7: unknown key 'markov.states'");
    ERR("defaults: { markov = 2; };\n",
        "t.cfg:1: defaults: 'markov' must be a group like { order = 1; }, not an integer");
    ERR("defaults: { markov = ( { order = 2; } ); };\n",
        "t.cfg:1: defaults: 'markov' must be a group like { order = 1; }, not a list ( … )");
    ERR("defaults: { markov_order = 2; };\n", "t.cfg:1: defaults: unknown key 'markov_order'");
    ERR("campaigns = ( { id = 10;\n   markov = { order = 2; }; } );\n",
        "t.cfg:2: campaign 10: 'markov' is not allowed in a campaign entry (it is a "
        "per-advertiser key)");
    /* A campaign's markov is refused before its value is looked at. */
    ERR("campaigns = ( { id = 10;\n   markov = { order = 9; }; } );\n",
        "t.cfg:2: campaign 10: 'markov' is not allowed in a campaign entry (it is a "
        "per-advertiser key)");

    /* Versions of one advertiser that differ: both set, one inherits the defaults', one
     * inherits the built-in value; listed in any order; the message names the line of
     * the key and the other version. */
    ERR("advertisers = (\n"
        "  { id = 7; markov = { order = 2; }; },\n"
        "  { id = 7; effective_from = \"2026-10-15\";\n"
        "    markov = { order = 3; }; }\n"
        ");\n",
        "t.cfg:4: advertiser 7: 'markov.order' = 3 here, 2 in its version at t.cfg:2; the order "
        "may not differ between versions of one advertiser (the fit is over the whole period)");
    ERR("defaults: { markov = { order = 2; }; };\n"
        "advertisers = (\n"
        "  { id = 7; effective_from = 3000; model = \"linear\"; },\n"
        "  { id = 7; effective_from = 1000;\n"
        "    markov = { order = 2; }; },\n"
        "  { id = 7; effective_from = 2000;\n"
        "    markov = { order = 4; }; }\n"
        ");\n",
        "t.cfg:7: advertiser 7: 'markov.order' = 4 here, 2 in its version at t.cfg:4; the order "
        "may not differ between versions of one advertiser (the fit is over the whole period)");
    ERR("defaults: { markov = { order = 2; }; };\n"
        "advertisers = (\n"
        "  { id = 7; markov = {\n order = 3; }; },\n"
        "  { id = 7; effective_from = 2000; model = \"linear\"; }\n"
        ");\n",
        "t.cfg:4: advertiser 7: 'markov.order' = 3 here, 2 (the defaults') in its version at "
        "t.cfg:5; the order may not differ between versions of one advertiser (the fit is over "
        "the whole period)");
    ERR("advertisers = (\n"
        "  { id = 7; effective_from = 2000; model = \"linear\"; },\n"
        "  { id = 7; markov = { order = 3; }; }\n"
        ");\n",
        "t.cfg:3: advertiser 7: 'markov.order' = 3 here, 1 (built in) in its version at t.cfg:2; "
        "the order may not differ between versions of one advertiser (the fit is over the whole "
        "period)");
    /* Before an advertiser's first version the defaults apply: that period counts too. */
    ERR("advertisers = (\n"
        "  { id = 7; effective_from = \"2026-10-15\";\n"
        "    markov = { order = 2; }; }\n"
        ");\n",
        "t.cfg:3: advertiser 7: 'markov.order' = 2 here, 1 (built in) before this first version "
        "comes into force (2026-10-15T00:00:00.000Z); the order of one advertiser may not change "
        "over time (the fit is over the whole period)");
    ERR("defaults: { markov = { order = 4; }; };\n"
        "advertisers = ( { id = 7; effective_from = 1; markov = { order = 2; }; } );\n",
        "t.cfg:2: advertiser 7: 'markov.order' = 2 here, 4 (the defaults') before this first "
        "version comes into force (1970-01-01T00:00:00.001Z); the order of one advertiser may "
        "not change over time (the fit is over the whole period)");
    /* Other advertisers' orders do not matter. */
    r = LOAD("advertisers = ( { id = 7; markov = { order = 2; }; }, { id = 8; markov = { order "
             "= 4; }; }, { id = 9; } );\n");
    if (r) {
        CHECK(attrib_rules_markov_order(r, 7) == 2 && attrib_rules_markov_order(r, 8) == 4 &&
              attrib_rules_markov_order(r, 9) == 1);
        attrib_rules_free(r);
    }

    /* The builder refuses out-of-range values and a campaign's order on its own too (the
     * path unpack takes). */
    r = attrib_rules_create("b");
    attrib_rules_keys k = {0};
    k.set = 1u << ATTRIB_RK_MARKOV_ORDER;
    k.markov_order = 5;
    k.line[ATTRIB_RK_MARKOV_ORDER] = 9;
    CHECK(attrib_rules_add(r, ATTRIB_RULES_ADVERTISER, 3, 8, &k) == ATTRIB_EINPUT);
    CHECK(strcmp(attrib_err_msg(), "b:9: advertiser 3: 'markov.order' = 5 is outside 1..4") == 0);
    k.markov_order = 2;
    CHECK(attrib_rules_add(r, ATTRIB_RULES_CAMPAIGN, 3, 8, &k) == ATTRIB_EINPUT);
    CHECK(strcmp(attrib_err_msg(), "b:9: campaign 3: 'markov.order' is not allowed in a campaign "
                                   "entry (it is a per-advertiser key)") == 0);
    CHECK(attrib_rules_add(r, ATTRIB_RULES_DEFAULTS, 0, 1, &k) == 0);
    CHECK(attrib_rules_finish(r) == 0);
    CHECK(attrib_rules_markov_order(r, 3) == 2);
    attrib_rules_free(r);
}

static void test_override(void)
{
    attrib_rules *r = LOAD("defaults: { model = \"time_decay\"; };\n"
                           "advertisers = (\n"
                           "  { id = 1; model = \"u_shaped\"; position_based = { first = 0.1; "
                           "last = 0.2; }; engagement_priority = false; },\n"
                           "  { id = 2; time_decay = { half_life = \"1h\"; }; }\n);\n");
    if (!r)
        return;
    const attrib_adv_rule *a = attrib_rules_adv_default_at(r, 1, 0);
    CHECK(a->model == ATTRIB_MODEL_U_SHAPED && a->first == 0.4 && a->last == 0.4);
    attrib_rules_override_model(r, ATTRIB_MODEL_POSITION_BASED);
    a = attrib_rules_adv_default_at(r, 1, 0);
    CHECK(a->model == ATTRIB_MODEL_POSITION_BASED && a->first == 0.1 && a->last == 0.2);
    CHECK(a->engagement_priority == 0);
    attrib_rules_override_model(r, ATTRIB_MODEL_J_CURVE);
    a = attrib_rules_adv_default_at(r, 1, 0);
    CHECK(a->model == ATTRIB_MODEL_J_CURVE && a->first == 0.2 && a->last == 0.6);
    a = attrib_rules_adv_default_at(r, 2, 0);
    CHECK(a->model == ATTRIB_MODEL_J_CURVE && a->half_life_ms == 3600000 && a->first == 0.2);
    a = attrib_rules_adv_default_at(r, 77, 0);
    CHECK(a->model == ATTRIB_MODEL_J_CURVE && a->half_life_ms == 7 * DAY);
    attrib_rules_override_model(r, ATTRIB_MODEL_LINEAR);
    a = attrib_rules_adv_default_at(r, 2, 0);
    CHECK(a->model == ATTRIB_MODEL_LINEAR && a->first == 0.4 && a->half_life_ms == 3600000);
    char *p = print_str(r, 0);
    CHECK(strstr(p, "model overridden for every advertiser: linear"));
    free(p);
    attrib_rules_free(r);
}

static void test_bind_errors(void)
{
    attrib_rules *r = LOAD("advertisers = ( { id = 8; } );\ncampaigns = ( { id = 3; } );\n");
    if (!r)
        return;
    const uint32_t unsorted[][2] = {{5, 1}, {3, 1}};
    attrib_table cat = catalog(unsorted, 2);
    CHECK(attrib_rules_bind(r, &cat, NULL, 0, NULL) == ATTRIB_EINPUT);
    CHECK(strcmp(attrib_err_msg(), "campaign catalog is not sorted by campaign_id with unique ids "
                                   "(campaign 3 after 5)") == 0);
    attrib_table_free(&cat);
    const uint32_t dup[][2] = {{3, 1}, {3, 1}};
    cat = catalog(dup, 2);
    CHECK(attrib_rules_bind(r, &cat, NULL, 0, NULL) == ATTRIB_EINPUT);
    attrib_table_free(&cat);
    /* An empty catalog binds; both entries are then warnings. */
    cat = catalog(dup, 0);
    char *warn = NULL;
    CHECK(attrib_rules_bind(r, &cat, NULL, 0, &warn) == 0);
    CHECK(warn && strcmp(warn, "t.cfg:1: advertiser 8 is not in the catalog\n"
                               "t.cfg:2: campaign 3 is not in the catalog\n") == 0);
    free(warn);
    CHECK(attrib_rules_ncampaigns(r) == 0);
    /* Rebinding replaces the earlier binding. */
    const uint32_t ok[][2] = {{3, 8}};
    attrib_table_free(&cat);
    cat = catalog(ok, 1);
    CHECK(attrib_rules_bind(r, &cat, NULL, 0, NULL) == 0);
    CHECK(attrib_rules_ncampaigns(r) == 1);
    CHECK(strcmp(attrib_rules_camp_origin(r, 0, 0), "t.cfg:2") == 0);
    attrib_table_free(&cat);
    attrib_rules_free(r);

    /* A type list naming no type of the input allows none (not all). */
    r = LOAD("defaults: { conversion_types = [\"refund\"]; lookback = { engagement = \"1h\"; "
             "impression = \"off\"; nurture = \"off\"; }; };\n");
    if (!r)
        return;
    CHECK(attrib_rules_max_lookback(r) == 3600000);
    cat = catalog(ok, 1);
    CHECK(attrib_rules_bind(r, &cat, NULL, 0, NULL) == 0);
    const attrib_camp_rule *c = attrib_rules_camp_at(r, 0, 0);
    CHECK(c->type_allowed != NULL && c->lookback_ms[ATTRIB_KIND_NURTURE] == ATTRIB_LOOKBACK_OFF);
    CHECK(strcmp(attrib_rules_camp_origin(r, 0, 0), "defaults") == 0);
    CHECK(attrib_rules_max_lookback(r) == 3600000);
    attrib_table_free(&cat);
    attrib_rules_free(r);
}

static void test_builtin(void)
{
    attrib_rules *r = LOAD("# nothing but a comment\n");
    if (!r)
        return;
    const attrib_adv_rule *a = attrib_rules_adv_default_at(r, 1, 0);
    CHECK(a->model == ATTRIB_MODEL_LAST_TOUCH && a->engagement_priority == 1 &&
          a->half_life_ms == 7 * DAY && a->first == 0.4 && a->last == 0.4 &&
          a->markov_order == 1);
    CHECK(attrib_rules_max_lookback(r) == 30 * DAY);
    char *p = print_str(r, 0);
    CHECK(strstr(p, "defaults (built in: the file has none):"));
    CHECK(strstr(p, "    lookback              impression 1d, engagement 30d, nurture 7d\n"));
    free(p);
    attrib_rules_free(r);
    CHECK(attrib_model_parse("inverse_j") == ATTRIB_MODEL_INVERSE_J);
    CHECK(attrib_model_parse("lastclick") == -1 && attrib_model_parse(NULL) == -1);
    attrib_rules_free(NULL);

    /* libconfig 1.5 reads integers as 32 bits unless suffixed with L: big literals must
     * keep their value (ids, millisecond timestamps), and floats, strings, comments and
     * names with digits must be left alone. */
    r = LOAD("// 5000000000 in a comment\n"
             "advertisers = ( { id = 4000000000; effective_from = 1792022400000;\n"
             "  position_based = { first = 0.12345678901234; last = 1e-1; }; },\n"
             "  { id = 0xFFFFFFFF; effective_from = -62167219200000; },\n"
             "  { id = 4000000000; effective_from = 1792022400001L; } );\n"
             "campaigns = ( { id = 2147483647; conversion_types = [\"x12345678901\"]; } );\n");
    if (r) {
        a = attrib_rules_adv_default_at(r, 4000000000u, 1792022400000);
        CHECK(a->first == 0.12345678901234 && a->last == 0.1);
        CHECK(attrib_rules_adv_default_at(r, 4000000000u, 1792022399999)->first == 0.4);
        p = print_str(r, 1);
        CHECK(strstr(p, "\"effective_from_ms\": 1792022400000,"));
        CHECK(strstr(p, "\"effective_from_ms\": 1792022400001,"));
        CHECK(strstr(p, "{\"id\": 4294967295, \"versions\": [\n    {\"version\": 1, \"origin\": "
                        "\"t.cfg:4\", \"effective_from\": \"0000-01-01T00:00:00.000Z\""));
        CHECK(strstr(p, "[\"x12345678901\"]"));
        free(p);
        attrib_rules_free(r);
    }

    attrib_rules *f = NULL;
    CHECK(attrib_rules_load("/nonexistent/rules.cfg", &f) == ATTRIB_EIO && !f);
    CHECK(strstr(attrib_err_msg(), "/nonexistent/rules.cfg: cannot open: No such file or directory"));
}

int main(void)
{
    test_errors();
    test_inheritance();
    test_versions();
    test_pack();
    test_markov();
    test_override();
    test_bind_errors();
    test_builtin();
    if (failures) {
        fprintf(stderr, "test_rules: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_rules: ok\n");
    return 0;
}

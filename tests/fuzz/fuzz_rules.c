/* libFuzzer target: rules text → attrib_rules_load_text, then everything a run does with
 * the rules: pack/unpack (the round trip must print identically), --model override, bind
 * to a small catalog with type names, lookups around every version start, printing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/rules.h"

/* libconfig 1.5 leaks its string buffer when a syntax error interrupts a string (fixed
 * in later releases); that is not ours to fix, and a one-shot `attrib check` or rank-0
 * parse does not mind. Only leaks whose stack passes through libconfig are ignored. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libconfig.so\n";
}

static char *print_both(const attrib_rules *r)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    if (!f)
        abort();
    attrib_rules_print(r, f);
    attrib_rules_print_json(r, f);
    fclose(f);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    attrib_rules *r = NULL;
    int rc = attrib_rules_load_text("fuzz.cfg", text, &r);
    free(text);
    if (rc != 0) {
        if (r || rc != ATTRIB_EINPUT || !*attrib_err_msg())
            abort(); /* a failure is a bad-input failure, with a message */
        return 0;
    }

    void *buf = NULL;
    size_t len = 0;
    attrib_rules *u = NULL;
    if (attrib_rules_pack(r, &buf, &len) != 0 || attrib_rules_unpack(buf, len, &u) != 0)
        abort();
    char *p1 = print_both(r), *p2 = print_both(u);
    if (strcmp(p1, p2) != 0)
        abort();
    free(p1), free(p2), free(buf);
    attrib_rules_free(u);

    /* The input picks the override from its size, so every model is exercised. */
    if (size % 3 == 0)
        attrib_rules_override_model(r, (enum attrib_model)(size % ATTRIB_NMODELS));

    attrib_table cat;
    attrib_table_init(&cat, &attrib_schema_campaigns, 4);
    for (uint32_t id = 0; id < 40; id += 1 + id % 3) {
        size_t row = attrib_table_push(&cat);
        ATTRIB_COL(&cat, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[row] = id;
        ATTRIB_COL(&cat, ATTRIB_CA_ADVERTISER_ID, uint32_t)[row] = id % 7;
    }
    char *types[] = {"lead", "purchase", "signup"};
    char *warn = NULL;
    if (attrib_rules_bind(r, &cat, types, 3, &warn) != 0)
        abort();
    free(warn);
    int64_t maxlb = attrib_rules_max_lookback(r);
    static const int64_t probe[] = {INT64_MIN, -1, 0, 1, 999, 1000, 1001, 1760486399999,
                                    1760486400000, 1792022400000, INT64_MAX};
    for (size_t c = 0; c < attrib_rules_ncampaigns(r); c++) {
        for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
            const attrib_camp_rule *cr = attrib_rules_camp_at(r, c, probe[i]);
            for (int k = 0; k < ATTRIB_NKINDS; k++)
                if (cr->lookback_ms[k] > maxlb ||
                    (cr->lookback_ms[k] < 0 && cr->lookback_ms[k] != ATTRIB_LOOKBACK_OFF))
                    abort();
            if (cr->type_allowed && cr->type_allowed[2] > 1)
                abort();
            if (!attrib_rules_camp_origin(r, c, probe[i]))
                abort();
            const attrib_adv_rule *a = attrib_rules_adv_at(r, attrib_rules_camp_adv(r, c), probe[i]);
            if (!(a->first >= 0 && a->last >= 0 && a->first + a->last <= 1 + 1e-9) ||
                a->half_life_ms <= 0 || (unsigned)a->model >= ATTRIB_NMODELS)
                abort();
        }
    }
    for (uint32_t id = 0; id < 12; id++)
        (void)attrib_rules_adv_default_at(r, id * 1000u, 0);
    attrib_table_free(&cat);
    attrib_rules_free(r);
    return 0;
}

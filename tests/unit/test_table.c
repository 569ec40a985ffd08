/* layer: core. Unit tests of the columnar table: linked to attrib_core alone. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "attrib/table.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); return 1; } } while (0)

int main(void)
{
    attrib_table t;
    attrib_table_init(&t, &attrib_schema_campaigns, 4);
    for (uint32_t i = 0; i < 100; i++) {
        size_t r = attrib_table_push(&t);
        ATTRIB_COL(&t, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[r] = 100 - i;
        ATTRIB_COL(&t, ATTRIB_CA_ADVERTISER_ID, uint32_t)[r] = i % 7;
        char name[16];
        int n = snprintf(name, sizeof name, "c%u", 100 - i);
        attrib_table_set_str(&t, ATTRIB_CA_NAME, r, name, (size_t)n);
    }
    CHECK(t.n == 100);
    CHECK(attrib_table_strlen(&t, ATTRIB_CA_NAME, 0) == 4 && memcmp(attrib_table_str(&t, ATTRIB_CA_NAME, 0), "c100", 4) == 0);
    attrib_table_set_strw(&t, ATTRIB_CA_NAME, 8);
    CHECK(attrib_table_strlen(&t, ATTRIB_CA_NAME, 1) == 3);
    uint32_t perm[100];
    for (uint32_t i = 0; i < 100; i++) perm[i] = 99 - i;
    attrib_table_permute(&t, perm, 100);
    CHECK(ATTRIB_COL(&t, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[0] == 1);
    CHECK(strcmp(attrib_table_str(&t, ATTRIB_CA_NAME, 0), "c1") == 0);
    attrib_table u;
    attrib_table_init(&u, &attrib_schema_campaigns, 2);
    attrib_table_append(&u, &t, 10, 5);
    CHECK(u.n == 5 && u.strw[ATTRIB_CA_NAME] == 8);
    CHECK(ATTRIB_COL(&u, ATTRIB_CA_CAMPAIGN_ID, uint32_t)[0] == 11);
    CHECK(attrib_schema_find("/report/daily") == &attrib_schema_report_daily);
    CHECK(attrib_schema_find("credits") == &attrib_schema_credits);
    CHECK(attrib_schema_find("nope") == NULL);
    CHECK(attrib_schema_col(&attrib_schema_events, "kind") == ATTRIB_EV_KIND);
    attrib_table_free(&t);
    attrib_table_free(&u);
    attrib_table_free(NULL);
    printf("test_table: ok\n");
    return 0;
}

/* layer: core. attrib_sort_lex: stable lexicographic permutation, checked against a reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/sort.h"

static int failures;
#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                        \
            printf(__VA_ARGS__);                                                               \
            printf("\n");                                                                      \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Checks that perm is a permutation, ordered by the keys, and stable (equal keys keep
 * their index order). */
static int check_perm(size_t n, size_t nkeys, const uint64_t *const *keys, const uint32_t *perm)
{
    char *seen = calloc(n ? n : 1, 1);
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        if (perm[i] >= n || seen[perm[i]])
            ok = 0;
        else
            seen[perm[i]] = 1;
    }
    for (size_t i = 1; i < n && ok; i++) {
        uint32_t a = perm[i - 1], b = perm[i];
        int cmp = 0;
        for (size_t k = 0; k < nkeys && cmp == 0; k++)
            cmp = keys[k][a] < keys[k][b] ? -1 : keys[k][a] > keys[k][b] ? 1 : 0;
        if (cmp > 0 || (cmp == 0 && a > b))
            ok = 0;
    }
    free(seen);
    return ok;
}

static void run_case(const char *name, size_t n, size_t nkeys, uint64_t (*gen)(size_t k, size_t i))
{
    uint64_t *cols[4];
    for (size_t k = 0; k < nkeys; k++) {
        cols[k] = malloc((n ? n : 1) * sizeof(uint64_t));
        for (size_t i = 0; i < n; i++)
            cols[k][i] = gen(k, i);
    }
    uint32_t *perm = malloc((n ? n : 1) * sizeof *perm);
    attrib_sort_lex(n, nkeys, (const uint64_t *const *)cols, perm);
    CHECK(check_perm(n, nkeys, (const uint64_t *const *)cols, perm), "%s n=%zu nkeys=%zu", name,
          n, nkeys);
    for (size_t k = 0; k < nkeys; k++)
        free(cols[k]);
    free(perm);
}

static uint64_t g_random(size_t k, size_t i) { return rnd(); }
static uint64_t g_few(size_t k, size_t i) { return rnd() % 5; }
static uint64_t g_const(size_t k, size_t i) { return k == 1 ? 42 : rnd() % 1000; }
static uint64_t g_high(size_t k, size_t i) { return (rnd() % 7) << 58; }
static uint64_t g_signed(size_t k, size_t i)
{
    /* signed values mapped as the header says */
    int64_t v = (int64_t)(rnd() % 2001) - 1000;
    return (uint64_t)v ^ (UINT64_C(1) << 63);
}
static uint64_t g_desc(size_t k, size_t i) { return UINT64_MAX - i; }
static uint64_t g_allsame(size_t k, size_t i) { return 7; }

int main(void)
{
    static const size_t sizes[] = {0, 1, 2, 3, 17, 48, 49, 100, 1000, 70000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t n = sizes[s];
        for (size_t nk = 1; nk <= 3; nk++) {
            run_case("random", n, nk, g_random);
            run_case("few", n, nk, g_few);
            run_case("const", n, nk, g_const);
            run_case("high", n, nk, g_high);
            run_case("signed", n, nk, g_signed);
            run_case("desc", n, nk, g_desc);
            run_case("allsame", n, nk, g_allsame);
        }
    }
    /* A hand-checked case: stability among equal keys, constant second key. */
    {
        uint64_t a[] = {3, 1, 3, 0, 1};
        uint64_t b[] = {9, 9, 9, 9, 9};
        const uint64_t *keys[] = {a, b};
        uint32_t perm[5];
        attrib_sort_lex(5, 2, keys, perm);
        const uint32_t want[] = {3, 1, 4, 0, 2};
        CHECK(memcmp(perm, want, sizeof want) == 0, "hand case: %u %u %u %u %u", perm[0],
              perm[1], perm[2], perm[3], perm[4]);
    }
    if (failures) {
        printf("test_sort: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_sort: ok\n");
    return 0;
}

/* SipHash-2-4 against the reference test vectors (Aumasson & Bernstein, vectors.h). */
#include <stdio.h>
#include <string.h>

#include "attrib/hash.h"

int main(void)
{
    /* key 00 01 .. 0f, messages 00 01 .. (len-1); expected outputs from the paper's
     * reference implementation for lengths 0, 1, 7, 8, 15, 63. */
    static const struct { size_t len; uint64_t out; } vec[] = {
        {0, 0x726fdb47dd0e0e31ULL},  {1, 0x74f839c593dc67fdULL},
        {7, 0xab0200f58b01d137ULL},  {8, 0x93f5f5799a932462ULL},
        {15, 0xa129ca6149be45e5ULL}, {63, 0x958a324ceb064572ULL},
    };
    attrib_hash_key key;
    if (attrib_hash_key_parse("0706050403020100" "0f0e0d0c0b0a0908", &key) != 0)
        return 1;
    unsigned char msg[64];
    for (int i = 0; i < 64; i++) msg[i] = (unsigned char)i;
    int bad = 0;
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        uint64_t h = attrib_siphash24(&key, msg, vec[i].len);
        if (h != vec[i].out) {
            fprintf(stderr, "len %zu: got %016llx want %016llx\n", vec[i].len,
                    (unsigned long long)h, (unsigned long long)vec[i].out);
            bad = 1;
        }
    }
    attrib_hash_key bad_key;
    if (attrib_hash_key_parse("xyz", &bad_key) == 0 || attrib_hash_key_parse("0123456789abcdef0123456789abcdeg", &bad_key) == 0)
        bad = 1;
    /* Key files: 32 hex digits on one line, blanks and line ends around them allowed. */
    attrib_hash_key k;
    static const char *const good_text[] = {"000102030405060708090a0b0c0d0e0f",
                                            "000102030405060708090a0b0c0d0e0f\n",
                                            "  000102030405060708090A0B0C0D0E0F\r\n",
                                            "\n000102030405060708090a0b0c0d0e0f\t\n\n"};
    for (size_t i = 0; i < sizeof good_text / sizeof *good_text; i++)
        if (attrib_hash_key_parse_text(good_text[i], strlen(good_text[i]), &k) != 0 ||
            k.k0 != 0x0001020304050607ULL || k.k1 != 0x08090a0b0c0d0e0fULL) {
            fprintf(stderr, "key text %zu refused or misread\n", i);
            bad = 1;
        }
    static const char *const bad_text[] = {"", "\n", "000102030405060708090a0b0c0d0e0",
                                           "000102030405060708090a0b0c0d0e0f0",
                                           "00010203 0405060708090a0b0c0d0e0f",
                                           "000102030405060708090a0b0c0d0e0f\n00",
                                           "0x0102030405060708090a0b0c0d0e0f",
                                           "000102030405060708090a0b0c0d0e0g"};
    for (size_t i = 0; i < sizeof bad_text / sizeof *bad_text; i++)
        if (attrib_hash_key_parse_text(bad_text[i], strlen(bad_text[i]), &k) == 0) {
            fprintf(stderr, "key text '%s' accepted\n", bad_text[i]);
            bad = 1;
        }
    /* The parse is bounded by the length, not by a NUL. */
    if (attrib_hash_key_parse_text("000102030405060708090a0b0c0d0e0fff", 32, &k) != 0)
        bad = 1;
    /* identity_hash: the key id and whether the key is the public default. */
    char desc[ATTRIB_HASH_DESC_MAX], kid[17];
    attrib_hash_key d;
    attrib_hash_key_default(&d);
    attrib_hash_key_id(&d, kid);
    if (!attrib_hash_key_is_default(&d) || strcmp(kid, "7caa054f33514b61") != 0) {
        fprintf(stderr, "default key id %s\n", kid);
        bad = 1;
    }
    attrib_hash_describe(&d, desc);
    if (strcmp(desc, "siphash-2-4 key_id=7caa054f33514b61 key=public-default") != 0) {
        fprintf(stderr, "default key: '%s'\n", desc);
        bad = 1;
    }
    attrib_hash_key_parse("000102030405060708090a0b0c0d0e0f", &k);
    attrib_hash_key_id(&k, kid);
    attrib_hash_describe(&k, desc);
    char want[ATTRIB_HASH_DESC_MAX];
    snprintf(want, sizeof want, "siphash-2-4 key_id=%s key=site", kid);
    if (attrib_hash_key_is_default(&k) || strcmp(desc, want) != 0 ||
        strcmp(kid, "7caa054f33514b61") == 0 || strstr(desc, "0001020304")) {
        fprintf(stderr, "site key: '%s'\n", desc);
        bad = 1;
    }
    /* One bit of the key changes the id. */
    attrib_hash_key k2 = k;
    k2.k1 ^= 1;
    char kid2[17];
    attrib_hash_key_id(&k2, kid2);
    if (strcmp(kid, kid2) == 0)
        bad = 1;
    printf("test_hash: %s\n", bad ? "FAILED" : "ok");
    return bad;
}

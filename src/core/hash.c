/* SipHash-2-4 (Aumasson & Bernstein), the keyed 64-bit hash of identities. */
#include "attrib/hash.h"

#include <stdio.h>
#include <string.h>

#include "attrib/err.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                    \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                    \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                \
    } while (0)

static inline uint64_t load_le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

uint64_t attrib_siphash24(const attrib_hash_key *key, const void *data, size_t len)
{
    const unsigned char *in = data;
    uint64_t v0 = 0x736f6d6570736575ULL ^ key->k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ key->k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ key->k0;
    uint64_t v3 = 0x7465646279746573ULL ^ key->k1;
    const unsigned char *end = in + len - (len % 8);
    for (; in != end; in += 8) {
        uint64_t m = load_le64(in);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = ((uint64_t)len) << 56;
    switch (len & 7) {
    case 7: b |= ((uint64_t)in[6]) << 48; /* fall through */
    case 6: b |= ((uint64_t)in[5]) << 40; /* fall through */
    case 5: b |= ((uint64_t)in[4]) << 32; /* fall through */
    case 4: b |= ((uint64_t)in[3]) << 24; /* fall through */
    case 3: b |= ((uint64_t)in[2]) << 16; /* fall through */
    case 2: b |= ((uint64_t)in[1]) << 8;  /* fall through */
    case 1: b |= ((uint64_t)in[0]); break;
    case 0: break;
    }
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void attrib_hash_key_id(const attrib_hash_key *key, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)attrib_siphash24(key, "", 0));
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int attrib_hash_key_parse(const char *hex, attrib_hash_key *key)
{
    if (strlen(hex) != 32)
        return ATTRIB_EINPUT;
    uint64_t k[2] = {0, 0};
    for (int i = 0; i < 32; i++) {
        int v = hexval(hex[i]);
        if (v < 0)
            return ATTRIB_EINPUT;
        k[i / 16] = (k[i / 16] << 4) | (uint64_t)v;
    }
    key->k0 = k[0];
    key->k1 = k[1];
    return 0;
}

int attrib_hash_key_parse_text(const char *s, size_t len, attrib_hash_key *key)
{
    size_t b = 0, e = len;
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n'))
        b++;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
        e--;
    if (e - b != 32)
        return ATTRIB_EINPUT;
    char hex[33];
    memcpy(hex, s + b, 32);
    hex[32] = '\0';
    int rc = attrib_hash_key_parse(hex, key);
    memset(hex, 0, sizeof hex);
    return rc;
}

void attrib_hash_key_default(attrib_hash_key *key)
{
    if (attrib_hash_key_parse(ATTRIB_HASH_DEFAULT_KEY, key) != 0)
        ATTRIB_DIE("the built-in hash key is not 32 hex digits");
}

int attrib_hash_key_is_default(const attrib_hash_key *key)
{
    attrib_hash_key d;
    attrib_hash_key_default(&d);
    return key->k0 == d.k0 && key->k1 == d.k1;
}

void attrib_hash_describe(const attrib_hash_key *key, char out[ATTRIB_HASH_DESC_MAX])
{
    char kid[17];
    attrib_hash_key_id(key, kid);
    snprintf(out, ATTRIB_HASH_DESC_MAX, "siphash-2-4 key_id=%s key=%s", kid,
             attrib_hash_key_is_default(key) ? "public-default" : "site");
}

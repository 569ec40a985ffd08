/* attrib — identity hashing. Raw identifiers are hashed on input with a keyed
 * 64-bit hash and never stored or logged. Local. */
#ifndef ATTRIB_HASH_H
#define ATTRIB_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct attrib_hash_key {
    uint64_t k0, k1;
} attrib_hash_key;

/* SipHash-2-4 of `len` bytes under the 128-bit key. */
uint64_t attrib_siphash24(const attrib_hash_key *key, const void *data, size_t len);

/* The identity hash (SipHash-2-4 of the raw identifier bytes). */
static inline uint64_t attrib_identity_hash(const attrib_hash_key *key, const void *s, size_t len)
{
    return attrib_siphash24(key, s, len);
}

/* A short public id of a key (hex of SipHash of the empty string under the key),
 * recorded in files so two files hashed with different keys are told apart
 * without revealing the key. Writes 16 hex digits + NUL. */
void attrib_hash_key_id(const attrib_hash_key *key, char out[17]);

/* Parse 32 hex digits into a key. Returns 0 or ATTRIB_EINPUT. */
int attrib_hash_key_parse(const char *hex, attrib_hash_key *key);

/* Local. Parse the text of a key file: 32 hex digits, optionally surrounded by blanks
 * and line ends (one line, as `openssl rand -hex 16` writes). Returns 0 or ATTRIB_EINPUT
 * (no message set: the caller names the file, never its content). */
int attrib_hash_key_parse_text(const char *s, size_t len, attrib_hash_key *key);

/* Local. The built-in public key (ATTRIB_HASH_DEFAULT_KEY), and whether `key` is it. */
void attrib_hash_key_default(attrib_hash_key *key);
int attrib_hash_key_is_default(const attrib_hash_key *key);

/* Local. The value of a store's `identity_hash` root attribute for `key`:
 *   "siphash-2-4 key_id=<16 hex> key=public-default"  under the built-in public key
 *   "siphash-2-4 key_id=<16 hex> key=site"            under any other key
 * Space-separated, the algorithm first, then name=value pairs; a reader that knows
 * only "siphash-2-4 key_id=<16 hex>" still finds it at the start. */
#define ATTRIB_HASH_DESC_MAX 80
void attrib_hash_describe(const attrib_hash_key *key, char out[ATTRIB_HASH_DESC_MAX]);

/* A mixer for partitioning already-hashed identities (stable across versions). */
static inline uint64_t attrib_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

#endif

#ifndef ATTRIB_HASH_DEFAULT_KEY
/* The key used when none is configured (--hash-key-file, --hash-key, ATTRIB_HASH_KEY_FILE,
 * ATTRIB_HASH_KEY): public, so it pseudonymises but does not protect against a
 * dictionary attack (anyone can hash a list of e-mail addresses and look for them).
 * Sites set their own; import warns under this one and stores record it
 * (attrib_hash_describe). */
#define ATTRIB_HASH_DEFAULT_KEY "6174747269622d64656661756c742d6b"
#endif

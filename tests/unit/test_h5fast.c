/* The direct chunk read's filters (src/io/h5fast.c) against HDF5's own, and the CRC-32 of
 * src/io/checksum.c against zlib's. Fletcher-32
 * against libhdf5's H5_checksum_fletcher32 (exported by the shared library) on random,
 * all-0x00, all-0xff and sparse data of every length up to a few blocks, odd ones
 * included; the check against HDF5's stored form; un-shuffle of row ranges against the
 * definition for the element sizes attrib uses and odd ones. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "attrib/h5io.h"
#include "io/h5_private.h"

/* libhdf5's function (not in its public headers, but exported). */
extern uint32_t H5_checksum_fletcher32(const void *data, size_t len);

static int failures;
#define CHECK(c, ...)                                                                              \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            if (++failures > 20)                                                                   \
                exit(1);                                                                           \
        }                                                                                          \
    } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint8_t rnd8(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint8_t)(rng >> 24);
}

static void fletcher_cases(void)
{
    enum { MAX = 3 * 4096 * 2 + 37 };
    uint8_t *buf = malloc(MAX + 8);
    for (int pat = 0; pat < 4; pat++) {
        for (size_t i = 0; i < MAX + 8; i++)
            buf[i] = pat == 0 ? rnd8() : pat == 1 ? 0 : pat == 2 ? 0xff : (i % 977 == 5 ? rnd8() : 0);
        for (size_t len = 1; len <= MAX; len++) {
            /* every length near the 4 KiB SIMD blocks, a sample of the others */
            if (len >= 300 && len % 4096 > 8 && len % 4096 < 4088 && len % 61 != 0)
                continue;
            for (size_t off = 0; off < 2; off++) {
                uint32_t want = H5_checksum_fletcher32(buf + off, len);
                uint32_t got = attrib_fletcher32(buf + off, len);
                CHECK(want == got, "pattern %d len %zu off %zu: %08x != HDF5 %08x", pat, len, off,
                      got, want);
            }
        }
    }
    /* large buffers, several SIMD blocks and a tail */
    size_t big = (size_t)8 << 20;
    uint8_t *b = malloc(big + 3);
    for (size_t i = 0; i < big + 3; i++)
        b[i] = rnd8();
    for (size_t len = big - 5; len <= big + 3; len++)
        CHECK(H5_checksum_fletcher32(b, len) == attrib_fletcher32(b, len), "big len %zu", len);
    memset(b, 0xff, big + 3);
    CHECK(H5_checksum_fletcher32(b, big + 1) == attrib_fletcher32(b, big + 1), "big 0xff");
    memset(b, 0, big + 3);
    b[big] = 1;
    CHECK(H5_checksum_fletcher32(b, big + 1) == attrib_fletcher32(b, big + 1), "big last");

    /* the check: stored little-endian after the data; the pre-1.6.3 form accepted too;
     * a flipped bit anywhere rejected */
    size_t n = 1001;
    for (size_t i = 0; i < n; i++)
        buf[i] = rnd8();
    uint32_t f = H5_checksum_fletcher32(buf, n);
    buf[n] = (uint8_t)f, buf[n + 1] = (uint8_t)(f >> 8), buf[n + 2] = (uint8_t)(f >> 16),
    buf[n + 3] = (uint8_t)(f >> 24);
    CHECK(attrib_fletcher32_check(buf, n + 4) == 1, "check ok");
    uint8_t c0 = buf[n], c2 = buf[n + 2];
    buf[n] = buf[n + 1], buf[n + 1] = c0, buf[n + 2] = buf[n + 3], buf[n + 3] = c2;
    CHECK(attrib_fletcher32_check(buf, n + 4) == 1, "check reversed ok");
    for (size_t bit = 0; bit < 8 * (n + 4); bit += 13) {
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        CHECK(attrib_fletcher32_check(buf, n + 4) == 0, "flipped bit %zu accepted", bit);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    CHECK(attrib_fletcher32_check(buf, 3) == 0, "short chunk accepted");
    free(b);
    free(buf);
}

static void unshuffle_cases(void)
{
    static const size_t sizes[] = {1, 2, 3, 4, 8, 16, 24};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t es = sizes[si];
        for (size_t n = 1; n < 300; n += (n < 40 ? 1 : 37)) {
            uint8_t *src = malloc(n * es), *dst = malloc(n * es + 16), *ref = malloc(n * es);
            for (size_t i = 0; i < n * es; i++)
                src[i] = rnd8();
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < es; j++)
                    ref[i * es + j] = src[j * n + i];
            for (size_t row0 = 0; row0 < n; row0 += 1 + row0 / 3) {
                for (size_t nr = 0; row0 + nr <= n; nr += 1 + nr / 2) {
                    memset(dst, 0xa5, n * es + 16);
                    attrib_unshuffle_rows(dst, src, n, es, row0, nr);
                    CHECK(memcmp(dst, ref + row0 * es, nr * es) == 0,
                          "es %zu n %zu rows [%zu,+%zu)", es, n, row0, nr);
                    CHECK(dst[nr * es] == 0xa5, "es %zu n %zu: wrote past the rows", es, n);
                }
            }
            free(src);
            free(dst);
            free(ref);
        }
    }
}

static void crc_cases(void)
{
    enum { MAX = 5000 };
    uint8_t *buf = malloc(MAX + 64);
    for (size_t i = 0; i < MAX + 64; i++)
        buf[i] = rnd8();
    for (size_t len = 0; len <= MAX; len += len < 300 ? 1 : 17)
        for (size_t off = 0; off < 16; off += 5) {
            uint32_t seed = off ? 0x12345678u * (uint32_t)off : 0;
            uint32_t want = (uint32_t)crc32(seed, buf + off, (uInt)len);
            uint32_t got = attrib_crc32_update(seed, buf + off, len);
            CHECK(want == got, "crc32 len %zu off %zu: %08x != zlib %08x", len, off, got, want);
        }
    /* chained over pieces, as attrib_file_crc32 reads the file */
    uint32_t a = 0, z = (uint32_t)crc32(0, buf, MAX);
    for (size_t at = 0; at < MAX;) {
        size_t n = 1 + rnd8() * 3;
        if (n > MAX - at)
            n = MAX - at;
        a = attrib_crc32_update(a, buf + at, n);
        at += n;
    }
    CHECK(a == z, "crc32 chained %08x != %08x", a, z);
    free(buf);
}

int main(void)
{
    crc_cases();
    fletcher_cases();
    unshuffle_cases();
    if (failures)
        return 1;
    printf("ok\n");
    return 0;
}

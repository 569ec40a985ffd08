/* attrib — building blocks of the HDF5 store private to src/io and its tests
 * (tests/unit/test_h5fast.c includes it as "io/h5_private.h"). */
#ifndef ATTRIB_IO_H5_PRIVATE_H
#define ATTRIB_IO_H5_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

/* Local. Building blocks of the direct chunk read (src/io/h5fast.c), checked by
 * tests/unit/test_h5fast.c. attrib_fletcher32: HDF5's Fletcher-32 of `len` bytes
 * (H5_checksum_fletcher32, bit for bit, odd lengths included).
 * attrib_fletcher32_check: 1 if the last 4 bytes of `chunk` (little-endian) are the
 * checksum of the bytes before them as HDF5's fletcher32 filter accepts it, else 0.
 * attrib_unshuffle_rows: undo HDF5's shuffle filter for a chunk of `n` elements of `es`
 * bytes in `src` (byte plane j at src + j*n), writing rows [row0, row0+nrows) to dst. */
uint32_t attrib_fletcher32(const void *data, size_t len);
int attrib_fletcher32_check(const void *chunk, size_t nbytes);
void attrib_unshuffle_rows(void *dst, const void *src, size_t n, size_t es, size_t row0,
                           size_t nrows);
/* Local. zlib's crc32(crc, data, len), faster where the CPU allows (src/io/checksum.c). */
uint32_t attrib_crc32_update(uint32_t crc, const void *data, size_t len);

#endif

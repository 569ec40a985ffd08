/* attrib — file checksums recorded in results (io layer, wraps zlib's crc32). */
#ifndef ATTRIB_CHECKSUM_H
#define ATTRIB_CHECKSUM_H

#include <stdint.h>

#include "attrib/par.h"

/* Collective. CRC-32 (zlib's polynomial) of the whole file at `path`: each rank reads
 * one byte range and rank 0 combines the parts with crc32_combine, so the value is
 * that of a sequential pass. *crc is set on every rank. Returns 0 or ATTRIB_EIO. */
int attrib_file_crc32(const attrib_par *p, const char *path, uint32_t *crc, uint64_t *size);

#endif

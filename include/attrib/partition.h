/* attrib — logical partitions of identities (core: no MPI).
 *
 * Identities hash into a fixed number of partitions, independent of the rank count, so
 * every figure is the same for any N. The run's plan assigns partitions to ranks; the
 * engine handles a rank's rows partition by partition (each one cache-sized). */
#ifndef ATTRIB_PARTITION_H
#define ATTRIB_PARTITION_H

#include <stdint.h>

#define ATTRIB_NPARTITIONS 4096

static inline uint32_t attrib_partition_of(uint64_t identity)
{
    /* identity is already a keyed hash; mixing again guards against a weak key. */
    uint64_t x = identity ^ (identity >> 33);
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (uint32_t)(x >> 52); /* top 12 bits: 4096 partitions */
}

#endif

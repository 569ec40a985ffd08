/* attrib import — the partitioned layout of the store (private to src/import; the
 * format is in docs/formats.md, "The input file"). */
#ifndef ATTRIB_IMPORT_PARTITION_H
#define ATTRIB_IMPORT_PARTITION_H

#include <stdint.h>

#include "attrib/par.h"
#include "attrib/table.h"

/* Collective. Regroup this rank's accepted rows of /events (ev) and /conversions (cv),
 * in any order, by logical partition of their identity (attrib_partition_of): the
 * partitions are cut into contiguous ranges, one per rank, balanced by rows
 * (attrib_plan_ranges), every row is sent to the rank of its partition, and each rank
 * sorts its rows by (partition, identity, ts, id, then the other columns) — a total
 * order, so the tables are the same for any rank count and row order. ev and cv are
 * replaced by this rank's range; first[0] and first[1] are its first global row in
 * each. parts gets the index (attrib_schema_partitions, ATTRIB_NPARTITIONS + 1 rows) on
 * every rank. */
int attrib_import_partition(const attrib_par *p, attrib_table *ev, attrib_table *cv,
                            attrib_table *parts, uint64_t first[2]);

#endif

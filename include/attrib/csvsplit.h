/* attrib — sharing CSV files out among ranks as byte ranges (par layer).
 *
 * The import reads a list of work units in a global order: each file in the order
 * given, either whole (a compressed file, round-robin over ranks, or a file that must be
 * read by rank 0) or as one byte range per rank (a plain file: rank r gets
 * [size·r/N, size·(r+1)/N)). A range holds the records whose preceding LF lies in it, so
 * its first record begins after the first LF outside quotes at or after its start; the
 * quote parity there is the parity of the '"' bytes of the ranges before it, which an
 * MPI_Exscan of per-range quote counts gives every rank at once (with the LF counts, the
 * line number of the range's first byte). That rule is exact even with quoted newlines
 * (see attrib_csv_find_row_start in csv.h), so the records, and the import's tables, are
 * the same for any number of ranks.
 */
#ifndef ATTRIB_CSVSPLIT_H
#define ATTRIB_CSVSPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/par.h"

/* How one input file is read. */
typedef struct attrib_csvsplit_file {
    uint64_t size; /* bytes as stored */
    int whole;     /* read whole (compressed: no random access) */
    int on_root;   /* read whole by rank 0 (implies whole) */
} attrib_csvsplit_file;

/* One work unit: a whole file or one rank's byte range of it. */
typedef struct attrib_csvsplit_unit {
    size_t file;         /* index into the file list */
    int owner;           /* rank that reads it */
    int split;           /* one of several byte ranges of a plain file */
    uint64_t start, end; /* records whose preceding LF is in [start, end); end UINT64_MAX
                            for the last range and whole files */
    /* Set by attrib_csvsplit_scan on the owner: */
    int parity;          /* quote parity at `start` */
    uint64_t line0;      /* physical line number of the byte at `start` (1 at 0) */
} attrib_csvsplit_unit;

/* Local (every rank computes the same list). The units of `nfiles` files in global
 * order for p->size ranks. Returns their number; *out is owned by the caller (free). */
size_t attrib_csvsplit_plan(const attrib_par *p, const attrib_csvsplit_file *files,
                            size_t nfiles, attrib_csvsplit_unit **out);

/* Counts the '"' and LF bytes of a raw byte range [start, end) of file `file` (added to
 * *quotes and *lfs); returns 0 or a negative attrib_err with the message set. */
typedef int (*attrib_csvsplit_count_fn)(void *ctx, size_t file, uint64_t start, uint64_t end,
                                        uint64_t *quotes, uint64_t *lfs);

/* What the scan counted, over all ranks (for progress). */
typedef struct attrib_csvsplit_stats {
    uint64_t ranges, bytes, lines;
} attrib_csvsplit_stats;

/* Collective (identical units). Set parity and line0 of this rank's split units: every
 * rank counts its ranges but the last of each file (`count`, with `files[].size` bounding
 * the ranges), then an exclusive scan over ranks gives the counts before each range.
 * Returns 0 with *stats set, or the agreed failure of a count. */
int attrib_csvsplit_scan(const attrib_par *p, const attrib_csvsplit_file *files, size_t nfiles,
                         attrib_csvsplit_unit *units, size_t nunits, attrib_csvsplit_count_fn count,
                         void *ctx, attrib_csvsplit_stats *stats);

#endif

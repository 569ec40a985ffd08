/* attrib — writing synthetic data (`attrib gen`) as an input HDF5 file or as the CSV
 * drops `attrib import` reads (app layer, over the pure generator of gen.h).
 *
 * Ranks take contiguous identity ranges; the weight sums of the ranges are gathered
 * (exact 128-bit integers) so that every rank knows where its rows start; rows are
 * generated and written in batches, so memory per rank is bounded whatever the size.
 * The tables are the same for any number of ranks.
 *
 * HDF5: datasets of the final sizes are created once, then every rank writes its
 * batches at their global offsets in collective calls (the same number on every rank).
 * CSV: every rank writes its rows to a part file, then copies it into the final file at
 * its offset (exclusive scan of the part sizes) with MPI-IO.
 *
 * Links (gen --links): each rank makes the links of its persons; the HDF5 /links is
 * their canonical form (attrib_links_canonical, as import stores it: each rank holds
 * its share of the edges, 16 bytes each, for the sort), the CSV links.csv the raw rows
 * in person order (repeats and self links included, for import to drop).
 */
#ifndef ATTRIB_GEN_WRITE_H
#define ATTRIB_GEN_WRITE_H

#include <stdint.h>

#include "attrib/gen.h"
#include "attrib/par.h"

/* Where this rank's rows are. */
typedef struct attrib_gen_plan {
    uint64_t id_lo, id_hi;             /* this rank's identities */
    attrib_u128 we_lo, wc_lo;          /* weight prefixes at id_lo */
    uint64_t ev_lo, ev_n, cv_lo, cv_n; /* this rank's global rows */
    uint64_t ev_batches, cv_batches;   /* max over ranks */
} attrib_gen_plan;

/* Collective. Split the identities of `g` among the ranks, tell `g` the weight totals,
 * and compute this rank's rows and the number of batches of `batch` rows (aligned to
 * global multiples of `batch`) every rank takes part in. */
void attrib_gen_plan_build(const attrib_par *p, attrib_gen *g, uint64_t batch,
                           attrib_gen_plan *pl);

/* What to write. Identical on every rank. */
typedef struct attrib_gen_spec {
    const char *from;       /* the period start as the user gave it (recorded) */
    uint64_t batch;         /* rows generated and written at a time per rank (>= 1) */
    int level;              /* zstd level of the HDF5 output, 0 = uncompressed */
    int iso;                /* CSV timestamps as ISO 8601 instead of integer ms */
    int partition;          /* HDF5: a partitioned store, as attrib import writes
                               (docs/formats.md); not with links */
    const char *h5_tmp;     /* write an HDF5 input file here, or NULL */
    const char *h5_name;    /* the name messages give it (the final path), or NULL */
    const char *csv_dir;    /* write CSV files (parts in this directory), or NULL */
    const char *csv_tmp[3]; /* the events, conversions and campaigns CSV files */
    const char *csv_links_tmp; /* the links CSV file (when the generator makes links) */
} attrib_gen_spec;

/* What was written, the same on every rank. */
typedef struct attrib_gen_figures {
    uint64_t rows[3];  /* events, conversions, campaigns */
    uint64_t bytes[3]; /* CSV bytes (CSV output) or column bytes (HDF5) of each table */
    uint64_t links;    /* links: edges in /links (HDF5) or rows of links.csv (CSV) */
    uint64_t links_bytes;
    double seconds;    /* wall time of the plan and the writing */
} attrib_gen_figures;

/* Collective (identical arguments; `g` built from the same parameters everywhere). Plan
 * and write the data of `g` as spec says (exactly one of h5_tmp and csv_dir). The HDF5
 * file records the generator's parameters (source_files), the key id and kind
 * (identity_hash, see attrib_hash_describe), created_at and schema_version. Returns 0
 * or the agreed failure; a failed write leaves the files it created for the caller to
 * remove (attrib_output_finish). */
int attrib_gen_write(attrib_par *p, attrib_gen *g, const attrib_gen_spec *spec,
                     attrib_gen_figures *fig);

/* Collective. Create directory `dir` (rank 0) unless it exists. Returns 0 or the
 * agreed ATTRIB_EIO naming it. */
int attrib_gen_csv_dir(const attrib_par *p, const char *dir);

/* Collective. Concatenate the ranks' part files, in rank order, after `header`, into
 * `dst` (MPI-IO, each rank writing at its offset). *total gets dst's size. */
int attrib_gen_csv_concat(const attrib_par *p, const char *dst, const char *header,
                          const char *part, uint64_t part_bytes, uint64_t *total);

#endif

/* attrib — import: CSV drops of touch events, conversions, the campaigns catalog and
 * the identity links into one columnar HDF5 input file (app layer; the formats are in
 * docs/formats.md).
 *
 * The pipeline (attrib_import_run), collective over p->comm:
 *   1. rank 0 opens every input and reads its header line; sizes and column maps go
 *      to every rank;
 *   2. the files are cut into work units (whole files, or one byte range per rank of a
 *      plain file) and the quote parity at each range start is scanned (csvsplit.h);
 *   3. the campaigns are parsed (rank 0) and their ids shared as the catalog that touch
 *      rows are checked against; then events, then conversions, then links, each rank
 *      its units; the links are made canonical (attrib_links_canonical);
 *   4. conversion type names are merged into one sorted list and the local type ids
 *      remapped to it;
 *   5. the rejects file is written (rank 0, in unit order) and the reject rate is
 *      checked;
 *   6. with spec->partition (the default of the command): events and conversions are
 *      regrouped by logical partition, each rank a contiguous range of partitions,
 *      sorted inside each (src/import/partition.c);
 *   7. the store is written: partitioned, each rank's range at its offset with the
 *      index /partitions; else every unit's rows at the global position given by the
 *      per-unit counts (the links in their canonical order either way), so the file
 *      is the same for any number of ranks.
 */
#ifndef ATTRIB_IMPORT_H
#define ATTRIB_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/csv.h"
#include "attrib/hash.h"
#include "attrib/par.h"

/* What to import and where to write it. Identical on every rank. */
typedef struct attrib_import_spec {
    const char *const *paths[ATTRIB_CSV_NKINDS]; /* input files by enum attrib_csv_kind, in
                                                    the order given (links: none is no /links) */
    size_t npaths[ATTRIB_CSV_NKINDS];
    const char *store_tmp;       /* the HDF5 file to write (attrib_output_tmp) */
    const char *store_name;      /* its final name, for messages and progress */
    const char *rejects_tmp;     /* the rejects CSV to write, or NULL for none */
    double max_reject_rate;      /* fail when more than this fraction of rows is rejected */
    attrib_hash_key key;         /* identity hash key */
    int ts_unit;                 /* enum attrib_time_unit */
    int partition;               /* write /events and /conversions grouped by logical
                                  * partition, with /partitions (docs/formats.md) */
} attrib_import_spec;

/* What the import did, the same on every rank once attrib_import_run returns. */
typedef struct attrib_import_figures {
    uint64_t files[ATTRIB_CSV_NKINDS];     /* input files by kind */
    uint64_t rows[ATTRIB_CSV_NKINDS];      /* accepted rows by kind (links: read) */
    uint64_t rejected[ATTRIB_CSV_NKINDS];  /* rejected rows by kind */
    uint64_t bytes[ATTRIB_CSV_NKINDS];     /* bytes parsed by kind (decompressed) */
    uint64_t reasons[ATTRIB_CSV_NKINDS][ATTRIB_CSV_NREASONS]; /* rejected rows by kind, reason */
    /* Links: of the rows[ATTRIB_CSV_LINKS] accepted, `links_self` had a == b (after
     * hashing), `links_repeats` repeated a link before them (either direction, any file),
     * and `links_kept` are the edges stored in /links (read = kept + self + repeats). */
    uint64_t links_kept, links_self, links_repeats;
    uint64_t total_rows;   /* data rows read: accepted + rejected, all kinds */
    uint64_t total_rejected;
    uint64_t ntypes;       /* distinct conversion types */
    uint64_t scanned_ranges, scanned_bytes, scanned_lines; /* counted for the quote parity
                                                              of byte ranges (csvsplit.h) */
    int rejects_written;   /* the rejects file is complete (also when the rate failed) */
    int rate_exceeded;     /* failed: more rejects than max_reject_rate allows */
    int partitioned;       /* the store was written partitioned (spec->partition) */
    /* Failed at an integer timestamp that looks like epoch seconds (ts_unit NONE): the
     * first one in input order. */
    const char *seconds_file; /* path (one of spec->paths) or NULL */
    uint64_t seconds_line;
    int64_t seconds_value;
} attrib_import_figures;

/* Collective (identical spec). Run the import. Returns 0 with *fig filled and the store
 * written to spec->store_tmp; or a negative attrib_err (every rank the same) with the
 * message set and *fig filled as far as the import went: ATTRIB_EINPUT with
 * fig->rate_exceeded when the reject rate is exceeded (the store is not written, the
 * rejects file is), with fig->seconds_file when an integer timestamp looks like epoch
 * seconds and no unit was stated (nothing written); input errors name file and line. */
int attrib_import_run(attrib_par *p, const attrib_import_spec *spec, attrib_import_figures *fig);

/* What attrib_links_canonical did (global figures). */
typedef struct attrib_links_figures {
    uint64_t read, self, repeats, kept;
} attrib_links_figures;

/* Collective. Make the links in `t` (schema attrib_schema_links, each rank some rows, in
 * any order) canonical, the form /links is stored in: every edge as (min, max) of its two
 * hashes, self links (a == b) dropped, each undirected edge once, sorted by (a, b) across
 * the ranks (attrib_par_sort): on return rank r holds the r-th range of that order, so
 * the ranks' rows concatenated in rank order are the same for any rank count and input
 * order. *f gets the global figures, the same on every rank. Returns 0 or ATTRIB_EMPI. */
int attrib_links_canonical(const attrib_par *p, attrib_table *t, attrib_links_figures *f);

/* Where the identity-hash key came from. */
typedef enum attrib_key_source {
    ATTRIB_KEY_DEFAULT = 0, /* the built-in public key */
    ATTRIB_KEY_OPTION,      /* --hash-key HEX */
    ATTRIB_KEY_FILE,        /* --hash-key-file F */
    ATTRIB_KEY_ENV,         /* $ATTRIB_HASH_KEY */
    ATTRIB_KEY_ENV_FILE,    /* $ATTRIB_HASH_KEY_FILE */
} attrib_key_source;

/* Collective (identical arguments). Choose the identity-hash key of an import or gen:
 * `hex` (--hash-key), else `file` (--hash-key-file; at most one of the two), else
 * $ATTRIB_HASH_KEY_FILE or $ATTRIB_HASH_KEY (not both), else the public default.
 * Rank 0 reads the environment and the file and every rank gets the key. A key file
 * must be a regular file that neither group nor others may read or write. Returns 0
 * with *key and *source set, or ATTRIB_EUSAGE / ATTRIB_EINPUT / ATTRIB_EIO with a message
 * naming the option, variable or file (never the key). */
int attrib_import_key_choose(const attrib_par *p, const char *hex, const char *file,
                             attrib_hash_key *key, attrib_key_source *source);

/* Local. Read a key file (the checks of attrib_import_key_choose). Returns 0 or a
 * negative attrib_err with a message naming the file and, for a wrong mode, the mode. */
int attrib_import_key_file(const char *path, attrib_hash_key *key);

#endif

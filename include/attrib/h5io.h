/* attrib — the HDF5 store (docs/formats.md: the store and the results). The only place that calls H5*.
 *
 * Files are opened with the MPI-IO driver on the communicator given (a single
 * process uses MPI_COMM_SELF semantics just the same). Tables are groups with one
 * 1-D chunked dataset per column; numeric columns are shuffled and compressed with
 * Zstandard (registered filter 32015, cd_values[0] = level).
 *
 * "Collective" below means: every rank of the file's communicator calls, with the
 * arguments marked identical equal on all ranks. Every function returns 0 or a
 * negative attrib_err with the detail in attrib_err_msg().
 */
#ifndef ATTRIB_H5IO_H
#define ATTRIB_H5IO_H

#include <mpi.h>
#include <stdint.h>

#include "attrib/table.h"

typedef struct attrib_h5file attrib_h5file;

/* Local, idempotent. Register the zstd filter with the HDF5 library in this process. */
int attrib_h5_register_zstd(void);

/* Files are opened on a communicator (collective calls over it) or, in a process
 * without MPI, on MPI_COMM_NULL (HDF5's POSIX driver; "collective" then means local). */

/* Collective. Create (truncate) `path` for writing. */
int attrib_h5_create(MPI_Comm comm, const char *path, attrib_h5file **out);
/* Collective. Open `path` read-only. A file that is not HDF5 is ATTRIB_EINPUT. */
int attrib_h5_open(MPI_Comm comm, const char *path, attrib_h5file **out);
/* Local. The name messages give the file (default: its path), e.g. the output's final
 * name while its temporary file is written. */
void attrib_h5_set_name(attrib_h5file *f, const char *name);
/* Collective. Close and free; NULL ok. Returns the first error flushing, if any. */
int attrib_h5_close(attrib_h5file *f);

/* Collective (identical: everything but `local` and the segments). Create the group
 * of the table (intermediate groups too) and one dataset per column with `total` rows,
 * then write this rank's rows. `local` rows are placed at the global positions given
 * by the segments: segment i takes local rows [segs[i].local, +count) to global
 * [segs[i].global, +count). With nseg == 1 and segs == NULL the local rows go to
 * [offset, offset + local->n). String column widths must be identical on all ranks
 * (use attrib_par_agree_strw()). Compression level `level` (0: no filter).
 */
typedef struct attrib_h5seg {
    uint64_t local, global, count;
} attrib_h5seg;
int attrib_h5_write_table(attrib_h5file *f, const attrib_table *local, uint64_t offset,
                          uint64_t total, int level);
int attrib_h5_write_table_segs(attrib_h5file *f, const attrib_table *local,
                               const attrib_h5seg *segs, size_t nseg, uint64_t total, int level);

/* Collective. Check that the table of schema `s` exists, every column has the right
 * type class and size and all have the same length; set *rows. A missing dataset, a
 * wrong type or unequal lengths is ATTRIB_EINPUT naming the file and dataset. */
int attrib_h5_table_rows(attrib_h5file *f, const attrib_schema *s, uint64_t *rows);
/* Collective (identical s). Read rows [start, start+count) of the table into `out`
 * (initialised here; caller frees). Ranks may pass different ranges, count 0 ok. */
int attrib_h5_read_table(attrib_h5file *f, const attrib_schema *s, uint64_t start,
                         uint64_t count, attrib_table *out);
/* Does the group or dataset `path` exist? (Collective: metadata read.) */
int attrib_h5_exists(attrib_h5file *f, const char *path);

/* A list of strings stored as a 1-D fixed-width string dataset (e.g.
 * "conversions/type_names"). Write: collective, identical arguments. Read: collective;
 * *out is a malloc'd array of malloc'd strings, free with attrib_strlist_free. */
int attrib_h5_write_strings(attrib_h5file *f, const char *path, const char *const *s, size_t n);
int attrib_h5_read_strings(attrib_h5file *f, const char *path, char ***out, size_t *n);
void attrib_strlist_free(char **s, size_t n);

/* Root attributes. Set: collective, identical arguments. Get: collective; a missing
 * attribute is ATTRIB_EINPUT. get_str returns a malloc'd string. */
int attrib_h5_set_attr_str(attrib_h5file *f, const char *name, const char *value);
int attrib_h5_set_attr_i64(attrib_h5file *f, const char *name, int64_t value);
int attrib_h5_set_attr_f64(attrib_h5file *f, const char *name, double value);
int attrib_h5_get_attr_str(attrib_h5file *f, const char *name, char **value);
int attrib_h5_get_attr_i64(attrib_h5file *f, const char *name, int64_t *value);

/* Local. Rows per chunk of the existing dataset `path` (0 when not chunked). */
int attrib_h5_chunk_rows_of(attrib_h5file *f, const char *path, uint64_t *rows);

/* Local. Rows per chunk of the datasets created from now on in this process (default
 * 1 Mi rows; a table shorter than 16 such chunks gets ~16 smaller ones, of at least
 * 16 Ki rows, so that ranks compress in parallel; one of 16 Ki rows or fewer gets one
 * chunk). For tests and benchmarks that need tables
 * spanning many chunks without millions of rows. */
void attrib_h5_set_chunk_rows(uint64_t rows);

/* Writing a table in several collective calls, for tables larger than memory (gen):
 * create the group and one dataset per column of `total` rows once, then write row
 * blocks. Create: collective, identical arguments; `strw` gives the byte width of each
 * ATTRIB_T_STR column (indexed by column; NULL when the schema has none); level as in
 * attrib_h5_write_table. Write block: collective — every rank calls it the same number
 * of times (a rank with nothing to write passes an empty table of the same schema and
 * string widths); this rank's `local` rows go to [global_offset, +local->n). */
int attrib_h5_table_create(attrib_h5file *f, const attrib_schema *s, uint64_t total,
                           const size_t *strw, int level);
int attrib_h5_table_write_block(attrib_h5file *f, const attrib_table *local,
                                uint64_t global_offset);


/* Local: one process, the file closed everywhere else. Reopen `path` read-write (the
 * serial driver) and add table t, all its rows, its string column `vcol` stored as
 * variable-length strings vstr[0 .. t->n) (NUL-terminated; t's own column is not read):
 * parallel HDF5 cannot write variable-length data. `name` names the file in messages
 * (NULL: path). Readers (attrib_h5_read_table) give such a column the width of the
 * longest string of the rows read. */
int attrib_h5_add_table_vlen(const char *path, const char *name, const attrib_table *t,
                             size_t vcol, const char *const *vstr, int level);

/* The schema_version attrib writes and accepts. */
#define ATTRIB_SCHEMA_VERSION 1

#endif

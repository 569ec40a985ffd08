/* The HDF5 store (include/attrib/h5io.h): the only file that calls H5* functions.
 *
 * Every HDF5 failure becomes an attrib error whose message names the file and the
 * object, followed by HDF5's innermost description of the cause. HDF5's own error
 * printing is switched off: it would print a stack trace per rank for what is, to
 * the user, one bad input file.
 */
#include "attrib/h5io.h"
#include "h5_private.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "attrib/err.h"

#define ZSTD_FILTER_ID 32015

extern const H5Z_class2_t attrib_h5z_zstd_class;

struct attrib_h5file {
    hid_t fid;
    MPI_Comm comm;
    int rank;
    char *path; /* the file operated on */
    char *name; /* the name messages use (attrib_h5_set_name; the path by default) */
    int writing; /* created by attrib_h5_create */
    int failed;  /* an HDF5 call on this file failed (see attrib_h5_close) */
    struct chunk_memo *memo; /* the direct read's last partly read chunk per column */
    size_t nmemo;
};

/* About 1M rows: 8 MiB chunks for 8-byte columns are large enough that compression
 * and collective I/O are efficient and small enough to fit a block reader's memory. */
static uint64_t chunk_rows = (uint64_t)1 << 20;

void attrib_h5_set_chunk_rows(uint64_t rows)
{
    chunk_rows = rows ? rows : 1;
}

#define CLOSE(fn, id)                                                                              \
    do {                                                                                           \
        if ((id) >= 0)                                                                             \
            (void)fn(id);                                                                          \
        (id) = H5I_INVALID_HID;                                                                    \
    } while (0)

/* ---- errors ---- */

static herr_t walk_innermost(unsigned n, const H5E_error2_t *e, void *data)
{
    if (n == 0 && e->desc && *e->desc)
        snprintf((char *)data, 256, "%s", e->desc);
    return 0;
}

/* Record "<file>: <what>[: <HDF5's innermost reason>]" and return err. */
static int h5fail(const attrib_h5file *f, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int h5fail(const attrib_h5file *f, int err, const char *fmt, ...)
{
    char what[512], cause[256] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_innermost, cause);
    H5Eclear2(H5E_DEFAULT);
    if (*cause)
        return attrib_err_set(err, "%s: %s (HDF5: %s)", f->name, what, cause);
    return attrib_err_set(err, "%s: %s", f->name, what);
}

/* A failed write (H5Dwrite, H5Awrite): the ranks may now be at different points of
 * HDF5's collective sequence, so the file is marked for attrib_h5_close to end the job. */
#define h5fail_write(f, ...) ((f)->failed = 1, h5fail((f), ATTRIB_EIO, __VA_ARGS__))

/* Agree on the outcome of a local check before a collective HDF5 call, so that a rank
 * with bad arguments does not leave the others waiting inside HDF5. */
static int agree(const attrib_h5file *f, int rc)
{
    int all = rc;
    if (f->comm == MPI_COMM_NULL)
        return rc;
    if (MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, f->comm) != MPI_SUCCESS)
        return attrib_err_set(ATTRIB_EMPI, "%s: MPI_Allreduce failed", f->name);
    if (all < 0 && rc == 0)
        return attrib_err_set(all, "%s: another rank failed", f->name);
    return all;
}

/* ---- setup ---- */

static int h5_init(void)
{
    static int done;
    if (done)
        return 0;
    if (H5open() < 0)
        return attrib_err_set(ATTRIB_EINTERNAL, "cannot initialise the HDF5 library");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Zfilter_avail(ZSTD_FILTER_ID) <= 0 && H5Zregister(&attrib_h5z_zstd_class) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return attrib_err_set(ATTRIB_EINTERNAL, "cannot register the zstd HDF5 filter (32015)");
    }
    done = 1;
    return 0;
}

void attrib_h5_set_name(attrib_h5file *f, const char *name)
{
    free(f->name);
    f->name = attrib_xstrdup(name);
}

int attrib_h5_register_zstd(void)
{
    return h5_init();
}

static attrib_h5file *file_new(MPI_Comm comm, const char *path)
{
    attrib_h5file *f = attrib_xcalloc(1, sizeof *f);
    f->fid = H5I_INVALID_HID;
    f->comm = comm;
    if (comm != MPI_COMM_NULL)
        MPI_Comm_rank(comm, &f->rank);
    f->path = attrib_xstrdup(path);
    f->name = attrib_xstrdup(path);
    return f;
}

static void memo_free(attrib_h5file *f);

static void file_free(attrib_h5file *f)
{
    memo_free(f);
    free(f->path);
    free(f->name);
    free(f);
}

static hid_t mpio_fapl(MPI_Comm comm)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (comm == MPI_COMM_NULL) /* a process without MPI: HDF5's default (POSIX) driver */
        return fapl;
    if (fapl >= 0 && H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0)
        CLOSE(H5Pclose, fapl);
    return fapl;
}

int attrib_h5_create(MPI_Comm comm, const char *path, attrib_h5file **out)
{
    *out = NULL;
    ATTRIB_TRY(h5_init());
    attrib_h5file *f = file_new(comm, path);
    hid_t fapl = mpio_fapl(comm);
    /* The 1.8 file format stores large attributes densely (the rules text of a run can
     * exceed the 64 KiB of compact storage) and is still read by every HDF5 since 1.8. */
    if (fapl >= 0 && H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) >= 0)
        f->fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (f->fid < 0) {
        /* before any other H5 call, which would clear the error stack */
        int rc = h5fail(f, ATTRIB_EIO, "cannot create the file");
        CLOSE(H5Pclose, fapl);
        file_free(f);
        return rc;
    }
    CLOSE(H5Pclose, fapl);
    f->writing = 1;
    *out = f;
    return 0;
}

int attrib_h5_open(MPI_Comm comm, const char *path, attrib_h5file **out)
{
    *out = NULL;
    ATTRIB_TRY(h5_init());
    /* Tell a missing or unreadable file from a damaged one: HDF5 reports both as a
     * failed open, but the user's remedy differs. */
    struct stat st;
    if (stat(path, &st) != 0)
        return attrib_err_open(path, errno);
    if (S_ISDIR(st.st_mode))
        return attrib_err_open(path, EISDIR);
    if (access(path, R_OK) != 0)
        return attrib_err_open(path, errno);
    attrib_h5file *f = file_new(comm, path);
    hid_t fapl = mpio_fapl(comm);
    if (fapl >= 0)
        f->fid = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (f->fid < 0) {
        /* before any other H5 call, which would clear the error stack */
        int rc = h5fail(f, ATTRIB_EINPUT, "not an HDF5 file, or a damaged or truncated one");
        CLOSE(H5Pclose, fapl);
        file_free(f);
        return rc;
    }
    CLOSE(H5Pclose, fapl);
    *out = f;
    return 0;
}

/* Room for what HDF5 still writes at close: the metadata it keeps in its cache, in
 * holes below the end of the file or past it (3 to 31 KiB measured for input and
 * results files). HDF5 truncates the file to its end of allocated space at close. */
#define CLOSE_MARGIN ((off_t)1 << 17)

/* Rank 0: make sure the file system can take the whole file (a full disk or a file-size
 * limit shows here, not in the middle of HDF5's collective close). */
static int reserve_space(attrib_h5file *f)
{
    struct stat st;
    int fd = open(f->path, O_WRONLY);
    int e = fd < 0 || fstat(fd, &st) != 0 ? errno
                                          : posix_fallocate(fd, 0, st.st_size + CLOSE_MARGIN);
    if (fd >= 0)
        close(fd);
    if (e != 0)
        return attrib_err_write(f->name, e);
    return 0;
}

/* An HDF5 write failure (a full disk, a file-size limit) leaves the ranks at different
 * points of HDF5's own collective sequence: a collective H5Fclose would then hang, and
 * on one rank HDF5 crashes at MPI_Finalize. So a file being written is checked first,
 * and if any rank had a failure or there is no room to finish it, the job ends here
 * with the cause (exit 2); the partial file is removed. */
static void check_before_close(attrib_h5file *f)
{
    int bad = f->failed, any = 0;
    if (!bad && f->rank == 0)
        bad = reserve_space(f) < 0;
    if (f->comm == MPI_COMM_NULL) /* no job to end: attrib_h5_close reports the failure */
        return;
    if (MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, f->comm) == MPI_SUCCESS && !any)
        return;
    if (bad) {
        int size = 1;
        MPI_Comm_size(f->comm, &size);
        const char *m = attrib_err_msg();
        const char *cmd = attrib_err_command(), *sep = *cmd ? ": " : "";
        if (size > 1 && strncmp(m, "rank ", 5) != 0)
            fprintf(stderr, "attrib: %s%srank %d: %s\n", cmd, sep, f->rank,
                    *m ? m : "cannot write the file");
        else
            fprintf(stderr, "attrib: %s%s%s\n", cmd, sep, *m ? m : "cannot write the file");
    }
    if (f->rank == 0)
        unlink(f->path);
    fflush(stderr);
    MPI_Abort(f->comm, attrib_err_exit_code(ATTRIB_EIO));
}

int attrib_h5_close(attrib_h5file *f)
{
    if (!f)
        return 0;
    int rc = 0;
    if (f->writing && f->fid >= 0)
        check_before_close(f);
    if (f->fid >= 0 && H5Fclose(f->fid) < 0)
        rc = h5fail(f, ATTRIB_EIO, "cannot close (flush) the file");
    file_free(f);
    return rc;
}

/* ---- types ---- */

/* The type a column has in memory (native) or in the file (little-endian standard
 * types, what h5py and numpy expect). Enums keep the schema's names over u8. */
/* A string width meaning "variable length" (col_type, create_table). */
#define STRW_VLEN SIZE_MAX

static hid_t col_type(const attrib_colspec *cs, size_t strw, int file)
{
    hid_t t = H5I_INVALID_HID;
    switch (cs->type) {
    case ATTRIB_T_U8:
        if (cs->enum_names) {
            t = H5Tenum_create(file ? H5T_STD_U8LE : H5T_NATIVE_UINT8);
            if (t < 0)
                return t;
            for (unsigned i = 0; cs->enum_names[i]; i++) {
                uint8_t v = (uint8_t)i;
                if (H5Tenum_insert(t, cs->enum_names[i], &v) < 0) {
                    H5Tclose(t);
                    return H5I_INVALID_HID;
                }
            }
            return t;
        }
        return H5Tcopy(file ? H5T_STD_U8LE : H5T_NATIVE_UINT8);
    case ATTRIB_T_U16:
        return H5Tcopy(file ? H5T_STD_U16LE : H5T_NATIVE_UINT16);
    case ATTRIB_T_U32:
        return H5Tcopy(file ? H5T_STD_U32LE : H5T_NATIVE_UINT32);
    case ATTRIB_T_U64:
        return H5Tcopy(file ? H5T_STD_U64LE : H5T_NATIVE_UINT64);
    case ATTRIB_T_I64:
        return H5Tcopy(file ? H5T_STD_I64LE : H5T_NATIVE_INT64);
    case ATTRIB_T_F64:
        return H5Tcopy(file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE);
    case ATTRIB_T_STR:
        t = H5Tcopy(H5T_C_S1);
        if (t >= 0 && strw == STRW_VLEN) { /* variable length: NUL-terminated strings */
            if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
                H5Tclose(t);
                return H5I_INVALID_HID;
            }
            return t;
        }
        if (t >= 0 &&
            (H5Tset_size(t, strw ? strw : 1) < 0 || H5Tset_strpad(t, H5T_STR_NULLPAD) < 0 ||
             H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
            H5Tclose(t);
            return H5I_INVALID_HID;
        }
        return t;
    }
    return H5I_INVALID_HID;
}

/* A fixed-length string type for memory with the file type's width and character set
 * (HDF5 does not convert between ASCII and UTF-8), padding normalised to NUL. */
static hid_t str_memtype(hid_t ftype)
{
    hid_t t = H5Tcopy(ftype);
    if (t >= 0 && H5Tset_strpad(t, H5T_STR_NULLPAD) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

static const char *expected_desc(const attrib_colspec *cs)
{
    switch (cs->type) {
    case ATTRIB_T_U8:
        return cs->enum_names ? "8-bit enum (or unsigned integer)" : "8-bit unsigned integer";
    case ATTRIB_T_U16:
        return "16-bit unsigned integer";
    case ATTRIB_T_U32:
        return "32-bit unsigned integer";
    case ATTRIB_T_U64:
        return "64-bit unsigned integer";
    case ATTRIB_T_I64:
        return "64-bit signed integer";
    case ATTRIB_T_F64:
        return "64-bit float";
    case ATTRIB_T_STR:
        return "fixed-length string";
    }
    return "?";
}

static void found_desc(hid_t t, char *buf, size_t len)
{
    H5T_class_t cl = H5Tget_class(t);
    size_t bits = H5Tget_size(t) * 8;
    switch (cl) {
    case H5T_INTEGER:
        snprintf(buf, len, "%zu-bit %s integer", bits,
                 H5Tget_sign(t) == H5T_SGN_NONE ? "unsigned" : "signed");
        break;
    case H5T_FLOAT:
        snprintf(buf, len, "%zu-bit float", bits);
        break;
    case H5T_ENUM:
        snprintf(buf, len, "%zu-bit enum", bits);
        break;
    case H5T_STRING:
        snprintf(buf, len, "%s string",
                 H5Tis_variable_str(t) > 0 ? "variable-length" : "fixed-length");
        break;
    case H5T_COMPOUND:
        snprintf(buf, len, "compound");
        break;
    case H5T_ARRAY:
        snprintf(buf, len, "array");
        break;
    case H5T_VLEN:
        snprintf(buf, len, "variable-length sequence");
        break;
    case H5T_OPAQUE:
        snprintf(buf, len, "opaque");
        break;
    case H5T_BITFIELD:
        snprintf(buf, len, "bitfield");
        break;
    case H5T_REFERENCE:
        snprintf(buf, len, "reference");
        break;
    case H5T_TIME:
        snprintf(buf, len, "time");
        break;
    default:
        snprintf(buf, len, "unknown type");
        break;
    }
}

static int int_ok(hid_t t, size_t size, H5T_sign_t sign)
{
    return H5Tget_class(t) == H5T_INTEGER && H5Tget_size(t) == size && H5Tget_sign(t) == sign;
}

/* Does the stored type of a column match its spec? 1 yes, 0 no (with *why for enums). */
/* Variable-length strings are accepted only where attrib writes them. */
static int vlen_allowed(const attrib_schema *s, size_t c)
{
    return s == &attrib_schema_report_paths && c == ATTRIB_RP_PATH;
}

static int type_matches(const attrib_colspec *cs, hid_t t, int allow_vlen, char *why, size_t whylen)
{
    *why = 0;
    switch (cs->type) {
    case ATTRIB_T_U8:
        if (cs->enum_names && H5Tget_class(t) == H5T_ENUM) {
            hid_t base = H5Tget_super(t);
            int ok = base >= 0 && int_ok(base, 1, H5T_SGN_NONE);
            CLOSE(H5Tclose, base);
            if (!ok)
                return 0;
            /* HDF5 converts enums by name, so every stored name must be one of ours. */
            int nm = H5Tget_nmembers(t);
            for (int i = 0; i < nm; i++) {
                char *name = H5Tget_member_name(t, (unsigned)i);
                int known = 0;
                for (size_t k = 0; name && cs->enum_names[k]; k++)
                    known |= strcmp(name, cs->enum_names[k]) == 0;
                if (!known) {
                    snprintf(why, whylen, "unknown enum name '%s'", name ? name : "?");
                    H5free_memory(name);
                    return 0;
                }
                H5free_memory(name);
            }
            return 1;
        }
        return int_ok(t, 1, H5T_SGN_NONE);
    case ATTRIB_T_U16:
        return int_ok(t, 2, H5T_SGN_NONE);
    case ATTRIB_T_U32:
        return int_ok(t, 4, H5T_SGN_NONE);
    case ATTRIB_T_U64:
        return int_ok(t, 8, H5T_SGN_NONE);
    case ATTRIB_T_I64:
        return int_ok(t, 8, H5T_SGN_2);
    case ATTRIB_T_F64:
        return H5Tget_class(t) == H5T_FLOAT && H5Tget_size(t) == 8;
    case ATTRIB_T_STR: /* fixed length, or variable where allowed (/report/paths' path) */
        return H5Tget_class(t) == H5T_STRING &&
               (H5Tis_variable_str(t) == 0 || (allow_vlen && H5Tis_variable_str(t) > 0));
    }
    return 0;
}

/* ---- paths ---- */

/* The type of the object at `path`, or H5O_TYPE_UNKNOWN when there is none. */
static H5O_type_t obj_type(hid_t fid, const char *path)
{
    H5O_info_t info;
    if (H5Oexists_by_name(fid, path, H5P_DEFAULT) <= 0 ||
        H5Oget_info_by_name2(fid, path, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return H5O_TYPE_UNKNOWN;
    }
    return info.type;
}

/* Does every component of `path` (relative to the root) exist? 1, 0 or < 0. */
static int path_exists(hid_t fid, const char *path)
{
    char buf[512];
    while (*path == '/')
        path++;
    if (!*path)
        return 1;
    if (strlen(path) >= sizeof buf)
        return 0;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            htri_t e = H5Lexists(fid, buf, H5P_DEFAULT);
            if (e <= 0)
                return e < 0 ? -1 : 0;
            if (c == 0)
                break;
            /* Below a dataset nothing exists (HDF5 would report an error instead). */
            if (obj_type(fid, buf) != H5O_TYPE_GROUP)
                return 0;
            *p = c;
        }
    }
    return H5Oexists_by_name(fid, buf, H5P_DEFAULT) > 0;
}

int attrib_h5_exists(attrib_h5file *f, const char *path)
{
    int e = path_exists(f->fid, path);
    if (e < 0)
        return h5fail(f, ATTRIB_EINPUT, "cannot look up /%s", path[0] == '/' ? path + 1 : path);
    return e;
}

static hid_t lcpl_intermediate(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) < 0)
        CLOSE(H5Pclose, lcpl);
    return lcpl;
}

/* ---- writing tables ---- */

static int seg_cmp(const void *a, const void *b)
{
    const attrib_h5seg *x = a, *y = b;
    return x->global < y->global ? -1 : x->global > y->global;
}

/* Rows per chunk of a table of `total` rows: at most chunk_rows, and for tables of less
 * than PAR_CHUNKS * chunk_rows rows about total / PAR_CHUNKS (a power of two, at least
 * MIN_CHUNK_ROWS). Parallel HDF5 compresses each chunk of a collective write on one rank
 * (the one holding most of its rows): with a single chunk, as a results table of a
 * million rows had, one rank compressed the whole table while the others waited. With
 * ~PAR_CHUNKS chunks each rank compresses about its own share. The choice depends on
 * the table's length only, so files are the same whatever the number of ranks; tables
 * of 16 Mi rows and more keep chunks of chunk_rows, small ones a single chunk. */
#define PAR_CHUNKS 16
#define MAX_CHUNK_BYTES ((size_t)8 << 20)
#define MIN_CHUNK_ROWS ((uint64_t)1 << 14)
static uint64_t table_chunk_rows(uint64_t total)
{
    uint64_t want = (total + PAR_CHUNKS - 1) / PAR_CHUNKS, c = MIN_CHUNK_ROWS;
    while (c < want && c < chunk_rows)
        c *= 2;
    if (c > chunk_rows)
        c = chunk_rows;
    return total < c ? total : c;
}

/* Create the group of table s and its datasets of `total` rows (then closed again). */
static int create_table(attrib_h5file *f, const attrib_schema *s, uint64_t total,
                        const size_t *strw, int level)
{
    int rc = 0;
    hid_t lcpl = lcpl_intermediate(), gid = H5I_INVALID_HID;
    if (lcpl >= 0)
        gid = H5Gcreate2(f->fid, s->name, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (gid < 0) {
        rc = h5fail(f, ATTRIB_EIO, "cannot create group /%s", s->name);
        CLOSE(H5Pclose, lcpl);
        return rc;
    }
    hsize_t dims[1] = {total}, maxdims[1] = {total};
    hsize_t chunk[1] = {table_chunk_rows(total)};
    /* A wide string column (a long path in /report/paths) keeps chunks of at most
     * MAX_CHUNK_BYTES, the same for every column of the table. */
    size_t widest = 1;
    for (size_t c = 0; c < s->ncols; c++) {
        const size_t w = s->cols[c].type == ATTRIB_T_STR ? (strw[c] == STRW_VLEN ? 16 : strw[c]) : 8;
        widest = w > widest ? w : widest;
    }
    if (chunk[0] > MAX_CHUNK_BYTES / widest)
        chunk[0] = MAX_CHUNK_BYTES / widest ? MAX_CHUNK_BYTES / widest : 1;
    if (chunk[0] == 0) {
        /* A fixed-size empty dataset cannot be chunked (chunk > max size), and an empty
         * table should still look like the others (chunked, compressed) to readers. */
        chunk[0] = 1;
        maxdims[0] = H5S_UNLIMITED;
    }
    for (size_t c = 0; c < s->ncols && rc == 0; c++) {
        const attrib_colspec *cs = &s->cols[c];
        hid_t ftype = col_type(cs, cs->type == ATTRIB_T_STR ? strw[c] : 0, 1);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), fspace = H5Screate_simple(1, dims, maxdims);
        hid_t dset = H5I_INVALID_HID;
        /* Every row is written (the callers cover [0, total)), so HDF5 need not write
         * fill values first: in parallel it allocates filtered datasets early. */
        const int vlen = cs->type == ATTRIB_T_STR && strw[c] == STRW_VLEN;
        if (ftype < 0 || dcpl < 0 || fspace < 0 || H5Pset_chunk(dcpl, 1, chunk) < 0 ||
            (!vlen && H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0)) {
            rc = h5fail(f, ATTRIB_EINTERNAL, "cannot set up dataset /%s/%s", s->name, cs->name);
        } else if (level > 0 && !vlen) {
            /* (variable-length data takes no filters: its strings live in the heap) */
            unsigned cd[1] = {(unsigned)level};
            /* Shuffling bytes helps numbers (high bytes alike), not text. */
            if ((cs->type != ATTRIB_T_STR && H5Pset_shuffle(dcpl) < 0) ||
                H5Pset_filter(dcpl, ZSTD_FILTER_ID, H5Z_FLAG_MANDATORY, 1, cd) < 0)
                rc = h5fail(f, ATTRIB_EINTERNAL, "cannot set up compression of /%s/%s", s->name,
                            cs->name);
        }
        /* A Fletcher-32 checksum of every stored chunk, last in the pipeline: a damaged
         * chunk is then an error on read rather than silently different numbers (a zstd
         * frame carries no checksum, and raw blocks or level 0 have no check at all). */
        if (rc == 0 && !vlen && H5Pset_fletcher32(dcpl) < 0)
            rc = h5fail(f, ATTRIB_EINTERNAL, "cannot set up the checksum of /%s/%s", s->name,
                        cs->name);
        if (rc == 0) {
            dset = H5Dcreate2(gid, cs->name, ftype, fspace, H5P_DEFAULT, dcpl, H5P_DEFAULT);
            if (dset < 0)
                rc = h5fail(f, ATTRIB_EIO, "cannot create dataset /%s/%s", s->name, cs->name);
        }
        CLOSE(H5Dclose, dset);
        CLOSE(H5Sclose, fspace);
        CLOSE(H5Pclose, dcpl);
        CLOSE(H5Tclose, ftype);
    }
    CLOSE(H5Gclose, gid);
    CLOSE(H5Pclose, lcpl);
    return rc;
}

/* Write this rank's rows to the existing datasets of the table, collectively. The file
 * selection is the union of the segments, which HDF5 walks in increasing file offset,
 * so memory must hold the rows in that same order: `segs` is sorted by global position,
 * without empty ones, and unless the local rows already are in that order (`direct`)
 * they are packed into a contiguous buffer first. */
static int write_rows(attrib_h5file *f, const attrib_table *t, const attrib_h5seg *segs,
                      size_t nseg, uint64_t nsel, int direct)
{
    const attrib_schema *s = t->schema;
    int rc = 0;
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    /* Filtered datasets can only be written collectively in parallel HDF5. */
    if (dxpl < 0 || H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
        rc = h5fail(f, ATTRIB_EINTERNAL, "cannot set up collective transfer");
        CLOSE(H5Pclose, dxpl);
        return rc;
    }
    for (size_t c = 0; c < s->ncols && rc == 0; c++) {
        const attrib_colspec *cs = &s->cols[c];
        size_t es = attrib_table_elem_size(t, c);
        char path[600];
        snprintf(path, sizeof path, "%s/%s", s->name, cs->name);
        hsize_t mdims[1] = {nsel ? nsel : 1};
        hid_t mtype = col_type(cs, t->strw[c], 0), dset = H5Dopen2(f->fid, path, H5P_DEFAULT);
        hid_t fspace = dset >= 0 ? H5Dget_space(dset) : H5I_INVALID_HID;
        hid_t mspace = H5Screate_simple(1, mdims, NULL);
        void *packed = NULL;
        herr_t e = mtype < 0 || dset < 0 || fspace < 0 || mspace < 0 ? -1 : 0;
        if (e >= 0 && nsel == 0)
            e = H5Sselect_none(fspace) < 0 || H5Sselect_none(mspace) < 0 ? -1 : 0;
        for (size_t i = 0; i < nseg && e >= 0 && nsel > 0; i++) {
            hsize_t st[1] = {segs[i].global}, cnt[1] = {segs[i].count};
            e = H5Sselect_hyperslab(fspace, i ? H5S_SELECT_OR : H5S_SELECT_SET, st, NULL, cnt,
                                    NULL);
        }
        if (e < 0) {
            rc = h5fail(f, ATTRIB_EINTERNAL, "cannot select rows of dataset /%s", path);
        } else {
            static const uint64_t dummy;
            const void *buf = &dummy; /* HDF5 rejects NULL even for an empty selection */
            if (nsel > 0 && direct) {
                buf = (const char *)t->col[c] + segs[0].local * es;
            } else if (nsel > 0) {
                char *p = packed = attrib_xmalloc(nsel * es);
                for (size_t i = 0; i < nseg; i++) {
                    memcpy(p, (const char *)t->col[c] + segs[i].local * es, segs[i].count * es);
                    p += segs[i].count * es;
                }
                buf = packed;
            }
            if (H5Dwrite(dset, mtype, mspace, fspace, dxpl, buf) < 0)
                rc = h5fail_write(f, "cannot write dataset /%s", path);
        }
        free(packed);
        CLOSE(H5Sclose, mspace);
        CLOSE(H5Sclose, fspace);
        CLOSE(H5Dclose, dset);
        CLOSE(H5Tclose, mtype);
    }
    CLOSE(H5Pclose, dxpl);
    return rc;
}

/* Sort and check segments against `nrows` local and `total` global rows; sets *nsel,
 * *direct and returns the number of non-empty segments kept in `out`, or < 0. */
static int prepare_segs(attrib_h5file *f, const attrib_table *local, const attrib_h5seg *in,
                        size_t nseg, uint64_t total, attrib_h5seg *out, size_t *nout,
                        uint64_t *nsel, int *direct)
{
    const char *name = local->schema->name;
    size_t k = 0;
    for (size_t i = 0; i < nseg; i++)
        if (in[i].count > 0)
            out[k++] = in[i];
    qsort(out, k, sizeof *out, seg_cmp);
    *nout = k;
    *nsel = 0;
    *direct = 1;
    for (size_t i = 0; i < k; i++) {
        const attrib_h5seg *g = &out[i];
        if (g->local > local->n || g->count > local->n - g->local || g->global > total ||
            g->count > total - g->global)
            return attrib_err_set(ATTRIB_EINTERNAL,
                                  "%s: /%s: segment of %llu rows at local %llu, global %llu is "
                                  "outside %zu local or %llu total rows",
                                  f->name, name, (unsigned long long)g->count,
                                  (unsigned long long)g->local, (unsigned long long)g->global,
                                  local->n, (unsigned long long)total);
        if (i > 0 && out[i - 1].global + out[i - 1].count > g->global)
            return attrib_err_set(ATTRIB_EINTERNAL, "%s: /%s: overlapping segments at global %llu",
                                  f->name, name, (unsigned long long)g->global);
        if (i > 0 && out[i - 1].local + out[i - 1].count != g->local)
            *direct = 0;
        *nsel += g->count;
    }
    return 0;
}

int attrib_h5_write_table_segs(attrib_h5file *f, const attrib_table *local,
                               const attrib_h5seg *segs_in, size_t nseg, uint64_t total, int level)
{
    attrib_h5seg one = {0, 0, local->n};
    uint64_t nsel = 0;
    int rc = 0, direct = 1;
    size_t k = 0;
    if (!segs_in) {
        if (nseg != 1)
            rc = attrib_err_set(ATTRIB_EINTERNAL, "%s: /%s: no segments given", f->name,
                                local->schema->name);
        nseg = 1;
        segs_in = &one;
    }
    attrib_h5seg *segs = attrib_xmalloc((nseg ? nseg : 1) * sizeof *segs);
    if (rc == 0)
        rc = prepare_segs(f, local, segs_in, nseg, total, segs, &k, &nsel, &direct);
    /* Agree first, so that no rank enters a collective HDF5 call alone. */
    rc = agree(f, rc);
    if (rc == 0)
        rc = create_table(f, local->schema, total, local->strw, level);
    if (rc == 0)
        rc = write_rows(f, local, segs, k, nsel, direct);
    free(segs);
    return rc;
}

int attrib_h5_write_table(attrib_h5file *f, const attrib_table *local, uint64_t offset,
                          uint64_t total, int level)
{
    attrib_h5seg seg = {0, offset, local->n};
    return attrib_h5_write_table_segs(f, local, &seg, 1, total, level);
}

int attrib_h5_table_create(attrib_h5file *f, const attrib_schema *s, uint64_t total,
                           const size_t *strw, int level)
{
    size_t w[ATTRIB_MAX_COLS] = {0};
    for (size_t c = 0; c < s->ncols; c++)
        if (s->cols[c].type == ATTRIB_T_STR) {
            if (!strw)
                return attrib_err_set(ATTRIB_EINTERNAL, "%s: /%s: no string widths given", f->name,
                                      s->name);
            w[c] = strw[c];
        }
    return create_table(f, s, total, w, level);
}

int attrib_h5_table_write_block(attrib_h5file *f, const attrib_table *local, uint64_t global_offset)
{
    const attrib_schema *s = local->schema;
    attrib_h5seg seg = {0, global_offset, local->n}, out;
    uint64_t total = 0, nsel = 0;
    size_t k = 0;
    int direct = 1;
    char path[600];
    snprintf(path, sizeof path, "%s/%s", s->name, s->cols[0].name);
    /* The table's length, to check this rank's block before the collective writes. */
    hid_t dset = H5Dopen2(f->fid, path, H5P_DEFAULT);
    hid_t space = dset >= 0 ? H5Dget_space(dset) : H5I_INVALID_HID;
    hsize_t dims[1] = {0};
    int rc = 0;
    if (space < 0 || H5Sget_simple_extent_ndims(space) != 1 ||
        H5Sget_simple_extent_dims(space, dims, NULL) < 0)
        rc = h5fail(f, ATTRIB_EINTERNAL, "cannot open dataset /%s (create the table first)", path);
    CLOSE(H5Sclose, space);
    CLOSE(H5Dclose, dset);
    total = dims[0];
    if (rc == 0)
        rc = prepare_segs(f, local, &seg, 1, total, &out, &k, &nsel, &direct);
    rc = agree(f, rc);
    if (rc == 0)
        rc = write_rows(f, local, &out, k, nsel, direct);
    return rc;
}

/* ---- reading tables ---- */

/* Open column c of table s and check its type and shape; *rows = its length. */
static int open_column(attrib_h5file *f, const attrib_schema *s, size_t c, hid_t *dset,
                       hid_t *ftype, uint64_t *rows)
{
    const attrib_colspec *cs = &s->cols[c];
    char path[600], got[64], why[160];
    hid_t space = H5I_INVALID_HID;
    int rc = 0;
    *dset = *ftype = H5I_INVALID_HID;
    snprintf(path, sizeof path, "%s/%s", s->name, cs->name);
    int e = path_exists(f->fid, path);
    if (e <= 0)
        return e < 0 ? h5fail(f, ATTRIB_EINPUT, "cannot look up dataset /%s", path)
                     : attrib_err_set(ATTRIB_EINPUT, "%s: missing dataset /%s", f->name, path);
    *dset = H5Dopen2(f->fid, path, H5P_DEFAULT);
    if (*dset < 0)
        return h5fail(f, ATTRIB_EINPUT, "/%s is not a readable dataset", path);
    *ftype = H5Dget_type(*dset);
    space = H5Dget_space(*dset);
    if (*ftype < 0 || space < 0) {
        rc = h5fail(f, ATTRIB_EINPUT, "cannot read the type of dataset /%s", path);
        goto out;
    }
    int nd = H5Sget_simple_extent_ndims(space);
    hsize_t dims[1];
    if (nd != 1) {
        rc = attrib_err_set(ATTRIB_EINPUT, "%s: dataset /%s: expected 1-D, found %d-D", f->name,
                            path, nd);
        goto out;
    }
    H5Sget_simple_extent_dims(space, dims, NULL);
    *rows = dims[0];
    if (!type_matches(cs, *ftype, vlen_allowed(s, c), why, sizeof why)) {
        found_desc(*ftype, got, sizeof got);
        rc = attrib_err_set(ATTRIB_EINPUT, "%s: dataset /%s: expected %s, found %s%s%s", f->name,
                            path, expected_desc(cs), got, *why ? ": " : "", why);
    }
out:
    CLOSE(H5Sclose, space);
    if (rc < 0) {
        CLOSE(H5Tclose, *ftype);
        CLOSE(H5Dclose, *dset);
    }
    return rc;
}

int attrib_h5_chunk_rows_of(attrib_h5file *f, const char *path, uint64_t *rows)
{
    *rows = 0;
    hid_t dset = H5Dopen2(f->fid, path, H5P_DEFAULT);
    hid_t dcpl = dset >= 0 ? H5Dget_create_plist(dset) : H5I_INVALID_HID;
    hsize_t cdims[2] = {0, 0};
    if (dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 2, cdims) == 1)
        *rows = cdims[0];
    CLOSE(H5Pclose, dcpl);
    CLOSE(H5Dclose, dset);
    H5Eclear2(H5E_DEFAULT);
    return dset < 0 ? attrib_err_set(ATTRIB_EINPUT, "%s: missing dataset /%s", f->name, path) : 0;
}

int attrib_h5_table_rows(attrib_h5file *f, const attrib_schema *s, uint64_t *rows)
{
    *rows = 0;
    int e = path_exists(f->fid, s->name);
    if (e < 0)
        return h5fail(f, ATTRIB_EINPUT, "cannot look up /%s", s->name);
    if (e == 0)
        return attrib_err_set(ATTRIB_EINPUT, "%s: missing table (group) /%s", f->name, s->name);
    if (obj_type(f->fid, s->name) != H5O_TYPE_GROUP)
        return attrib_err_set(ATTRIB_EINPUT, "%s: /%s is not a group (table)", f->name, s->name);
    uint64_t n0 = 0;
    for (size_t c = 0; c < s->ncols; c++) {
        hid_t dset, ftype;
        uint64_t n;
        ATTRIB_TRY(open_column(f, s, c, &dset, &ftype, &n));
        CLOSE(H5Tclose, ftype);
        CLOSE(H5Dclose, dset);
        if (c == 0)
            n0 = n;
        else if (n != n0)
            return attrib_err_set(ATTRIB_EINPUT,
                                  "%s: dataset /%s/%s has %llu rows but /%s/%s has %llu", f->name,
                                  s->name, s->cols[c].name, (unsigned long long)n, s->name,
                                  s->cols[0].name, (unsigned long long)n0);
    }
    *rows = n0;
    return 0;
}

/* ---- direct chunk read ----
 *
 * For the datasets attrib writes (chunked, 1-D, filters a subsequence of shuffle, zstd,
 * Fletcher-32 in that order, a stored type identical to the memory type) each chunk
 * overlapping the rows asked for is read raw with H5Dread_chunk and decoded here: the
 * checksum verified, the zstd frame decompressed (straight into the column when the
 * chunk lies whole inside the rows and is not shuffled), the bytes un-shuffled for only
 * the rows wanted, straight into the column. HDF5's pipeline instead allocates, fills
 * and copies whole-chunk buffers and un-shuffles a byte at a time.
 *
 * Anything else goes through H5Dread as before: another filter or order, a type that
 * HDF5 would convert (byte order, enum mapping, string padding), an unallocated chunk,
 * a chunk whose filter mask skips a filter, a stored size out of bounds, any failing
 * HDF5 call. The direct path fails only where HDF5's pipeline would: a checksum
 * mismatch or a zstd frame that does not decode to exactly one chunk. */

/* Chunks larger than this are left to HDF5 (attrib's are at most 8 MiB per string
 * byte); it also bounds what a damaged file can make us allocate. */
#define DIRECT_MAX_CHUNK ((size_t)64 << 20)

typedef struct direct_bufs {
    ZSTD_DCtx *dctx;
    void *raw, *tmp;
    size_t raw_cap, tmp_cap;
} direct_bufs;

static void direct_bufs_free(direct_bufs *b)
{
    ZSTD_freeDCtx(b->dctx);
    free(b->raw);
    free(b->tmp);
    memset(b, 0, sizeof *b);
}

static void *grow(void **p, size_t *cap, size_t n)
{
    if (n > *cap) {
        free(*p);
        *p = attrib_xmalloc(n);
        *cap = n;
    }
    return *p;
}

typedef struct direct_plan {
    uint64_t chunk_rows;
    size_t es, chunk_bytes, max_stored;
    int shuffle, zstd, fletcher;
} direct_plan;

/* 1 with *pl filled if column `dset` can be read directly into memory type `mtype`. */
static int direct_plan_of(hid_t dset, hid_t ftype, hid_t mtype, direct_plan *pl)
{
    memset(pl, 0, sizeof *pl);
    /* HDF5 copies bytes unconverted exactly when the types compare equal. */
    if (H5Tequal(ftype, mtype) <= 0 || H5Tget_size(ftype) != H5Tget_size(mtype)) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    pl->es = H5Tget_size(ftype);
    hid_t dcpl = H5Dget_create_plist(dset);
    hsize_t cdims[2] = {0, 0};
    int ok = dcpl >= 0 && pl->es > 0 && H5Pget_layout(dcpl) == H5D_CHUNKED &&
             H5Pget_chunk(dcpl, 2, cdims) == 1 && cdims[0] > 0;
    /* Partial edge chunks stored unfiltered (H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS) are
     * not what the decoding below expects: leave such datasets to HDF5. */
    unsigned copts = 0;
    ok = ok && H5Pget_chunk_opts(dcpl, &copts) >= 0 &&
         !(copts & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS);
    int nf = ok ? H5Pget_nfilters(dcpl) : -1, stage = 0;
    ok = ok && nf > 0;
    for (int i = 0; ok && i < nf; i++) {
        unsigned flags = 0, cd[8] = {0}, conf = 0;
        size_t ncd = 8;
        char name[64];
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name,
                                         &conf);
        if (id == H5Z_FILTER_SHUFFLE && stage < 1) {
            /* HDF5 shuffles by cd_values[0] bytes: the element size, set at creation. */
            ok = ncd == 1 && cd[0] == pl->es;
            pl->shuffle = 1, stage = 1;
        } else if (id == ZSTD_FILTER_ID && stage < 2) {
            pl->zstd = 1, stage = 2;
        } else if (id == H5Z_FILTER_FLETCHER32 && stage < 3) {
            pl->fletcher = 1, stage = 3;
        } else {
            ok = 0;
        }
    }
    CLOSE(H5Pclose, dcpl);
    H5Eclear2(H5E_DEFAULT);
    if (!ok || !(pl->zstd || pl->fletcher))
        return 0;
    pl->chunk_rows = cdims[0];
    if (pl->chunk_rows > DIRECT_MAX_CHUNK / pl->es)
        return 0;
    pl->chunk_bytes = (size_t)pl->chunk_rows * pl->es;
    /* A chunk of one element is not shuffled (HDF5 skips it), nor are 1-byte ones. */
    if (pl->es == 1 || pl->chunk_rows == 1)
        pl->shuffle = 0;
    pl->max_stored = (pl->zstd ? ZSTD_compressBound(pl->chunk_bytes) : pl->chunk_bytes) +
                     (pl->fletcher ? 4 : 0);
    return 1;
}

/* A reader that walks a file forward in pieces smaller than a chunk (a run over a
 * partitioned store reads a few hundred thousand rows at a time; chunks hold 2^20)
 * would decompress each chunk once per piece. So the direct read keeps, per column,
 * the decompressed (still shuffled) bytes of the last chunk it read only in part, and
 * takes the next piece's rows from there. One chunk per column: at most a few tens
 * of MiB for a whole table, freed with the file. Only read-only files are memoised
 * (the bytes cannot change under the memo). */
#define MEMO_MAX 32

typedef struct chunk_memo {
    char *path;    /* the dataset's path */
    uint64_t k;    /* chunk index */
    void *bytes;   /* chunk_bytes decompressed, or NULL */
    size_t cap;
} chunk_memo;

static void memo_free(attrib_h5file *f)
{
    for (size_t i = 0; i < f->nmemo; i++) {
        free(f->memo[i].path);
        free(f->memo[i].bytes);
    }
    free(f->memo);
    f->memo = NULL;
    f->nmemo = 0;
}

/* The memo slot of a dataset (a new one, or NULL when MEMO_MAX are taken). */
static chunk_memo *memo_of(attrib_h5file *f, const char *path)
{
    for (size_t i = 0; i < f->nmemo; i++)
        if (strcmp(f->memo[i].path, path) == 0)
            return &f->memo[i];
    if (f->nmemo == MEMO_MAX)
        return NULL;
    if (!f->memo)
        f->memo = attrib_xcalloc(MEMO_MAX, sizeof *f->memo);
    chunk_memo *m = &f->memo[f->nmemo++];
    m->path = attrib_xstrdup(path);
    m->k = UINT64_MAX;
    return m;
}

/* Read rows [start, start+count) of column c directly into dst. 1 done, 0 use H5Dread
 * instead (nothing reported), < 0 a damaged chunk (error set). */
static int read_direct(attrib_h5file *f, const attrib_schema *s, size_t c, hid_t dset,
                       hid_t ftype, hid_t mtype, uint64_t start, uint64_t count, void *dst,
                       direct_bufs *b)
{
    direct_plan pl;
    if (count == 0 || !direct_plan_of(dset, ftype, mtype, &pl))
        return 0;
    const uint64_t cr = pl.chunk_rows, end = start + count;
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s->name, s->cols[c].name);
    chunk_memo *memo = !f->writing && pl.zstd ? memo_of(f, path) : NULL;
    for (uint64_t k = start / cr; k <= (end - 1) / cr; k++) {
        /* rows [lo, hi) of this chunk go to dst rows [lo + k*cr - start, ...) */
        const uint64_t c0 = k * cr, lo = start > c0 ? start - c0 : 0;
        const uint64_t hi = end - c0 < cr ? end - c0 : cr;
        char *out = (char *)dst + (size_t)(c0 + lo - start) * pl.es;
        const int whole = lo == 0 && hi == cr;
        if (memo && memo->k == k) { /* decompressed by the previous piece */
            if (pl.shuffle)
                attrib_unshuffle_rows(out, memo->bytes, (size_t)cr, pl.es, (size_t)lo, (size_t)(hi - lo));
            else
                memcpy(out, (const char *)memo->bytes + (size_t)lo * pl.es, (size_t)(hi - lo) * pl.es);
            continue;
        }
        hsize_t off[1] = {k * cr}, stored = 0;
        uint32_t mask = 0;
        if (H5Dget_chunk_storage_size(dset, off, &stored) < 0 || stored == 0 ||
            stored > pl.max_stored || (!pl.zstd && stored != pl.max_stored)) {
            H5Eclear2(H5E_DEFAULT);
            return 0;
        }
        unsigned char *raw = grow(&b->raw, &b->raw_cap, (size_t)stored);
        if (H5Dread_chunk(dset, H5P_DEFAULT, off, &mask, raw) < 0 || mask != 0) {
            H5Eclear2(H5E_DEFAULT);
            return 0;
        }
        size_t n = (size_t)stored;
        if (pl.fletcher) {
            if (!attrib_fletcher32_check(raw, n))
                return attrib_err_set(ATTRIB_EINPUT,
                                      "%s: cannot read dataset /%s/%s (data error detected by "
                                      "Fletcher32 checksum in the chunk at row %llu)",
                                      f->name, s->name, s->cols[c].name, (unsigned long long)c0);
            n -= 4;
        }
        const unsigned char *data = raw;
        if (pl.zstd) {
            /* as the filter (src/plugin/h5z_zstd.c): one frame that records its size */
            unsigned long long sz = ZSTD_getFrameContentSize(raw, n);
            if (sz != pl.chunk_bytes)
                return attrib_err_set(ATTRIB_EINPUT,
                                      "%s: cannot read dataset /%s/%s (damaged zstd frame in the "
                                      "chunk at row %llu)",
                                      f->name, s->name, s->cols[c].name, (unsigned long long)c0);
            /* A chunk read in part goes to the memo: the next piece may want the rest. */
            const int keep = memo && !whole;
            if (keep)
                memo->k = UINT64_MAX; /* until it holds chunk k */
            void *to = whole && !pl.shuffle ? out
                       : keep                ? grow(&memo->bytes, &memo->cap, pl.chunk_bytes)
                                             : grow(&b->tmp, &b->tmp_cap, pl.chunk_bytes);
            if (!b->dctx && !(b->dctx = ZSTD_createDCtx()))
                return attrib_err_set(ATTRIB_ENOMEM, "cannot allocate a zstd decoder");
            size_t got = ZSTD_decompressDCtx(b->dctx, to, pl.chunk_bytes, raw, n);
            if (ZSTD_isError(got) || got != pl.chunk_bytes)
                return attrib_err_set(ATTRIB_EINPUT,
                                      "%s: cannot read dataset /%s/%s (zstd: %s in the chunk at "
                                      "row %llu)",
                                      f->name, s->name, s->cols[c].name,
                                      ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong size",
                                      (unsigned long long)c0);
            if (to == out)
                continue;
            if (keep)
                memo->k = k;
            data = to;
        } else if (n != pl.chunk_bytes) {
            return 0;
        }
        if (pl.shuffle)
            attrib_unshuffle_rows(out, data, (size_t)cr, pl.es, (size_t)lo, (size_t)(hi - lo));
        else
            memcpy(out, data + (size_t)lo * pl.es, (size_t)(hi - lo) * pl.es);
    }
    return 1;
}

/* Rows [start, start+count) of a variable-length string column into *buf (count
 * pointers, each freed with H5free_memory), *width the longest (at least 1). */
static int read_vlen(attrib_h5file *f, const attrib_schema *s, size_t c, hid_t dset, hid_t ftype,
                     uint64_t start, uint64_t count, char ***buf, size_t *width)
{
    *buf = attrib_xcalloc(count ? (size_t)count : 1, sizeof **buf);
    *width = 1;
    if (count == 0)
        return 0;
    hsize_t st[1] = {start}, cnt[1] = {count};
    hid_t mtype = H5Tcopy(H5T_C_S1), fspace = H5Dget_space(dset), mspace = H5Screate_simple(1, cnt, NULL);
    int rc = 0;
    if (mtype < 0 || fspace < 0 || mspace < 0 || H5Tset_size(mtype, H5T_VARIABLE) < 0 ||
        H5Tset_cset(mtype, H5Tget_cset(ftype)) < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, st, NULL, cnt, NULL) < 0 ||
        H5Dread(dset, mtype, mspace, fspace, H5P_DEFAULT, *buf) < 0)
        rc = h5fail(f, ATTRIB_EINPUT, "cannot read dataset /%s/%s", s->name, s->cols[c].name);
    for (uint64_t i = 0; i < count && rc == 0; i++) {
        const size_t l = (*buf)[i] ? strlen((*buf)[i]) : 0;
        *width = l > *width ? l : *width;
    }
    CLOSE(H5Sclose, mspace);
    CLOSE(H5Sclose, fspace);
    CLOSE(H5Tclose, mtype);
    return rc;
}

int attrib_h5_read_table(attrib_h5file *f, const attrib_schema *s, uint64_t start, uint64_t count,
                         attrib_table *out)
{
    attrib_table_init(out, s, 1);
    int rc = 0;
    hid_t dset[ATTRIB_MAX_COLS], ftype[ATTRIB_MAX_COLS];
    char **vbuf[ATTRIB_MAX_COLS] = {0}; /* variable-length string columns, read first */
    direct_bufs bufs = {0};
    for (size_t c = 0; c < s->ncols; c++)
        dset[c] = ftype[c] = H5I_INVALID_HID;
    /* Open every column first: string widths come from the file and must be set on the
     * empty table before its arrays are allocated. */
    for (size_t c = 0; c < s->ncols && rc == 0; c++) {
        uint64_t n;
        rc = open_column(f, s, c, &dset[c], &ftype[c], &n);
        if (rc == 0 && (start > n || count > n - start))
            rc = attrib_err_set(ATTRIB_EINPUT,
                                "%s: dataset /%s/%s: rows [%llu, %llu) requested, "
                                "it has %llu",
                                f->name, s->name, s->cols[c].name, (unsigned long long)start,
                                (unsigned long long)(start + count), (unsigned long long)n);
        if (rc == 0 && s->cols[c].type == ATTRIB_T_STR && H5Tis_variable_str(ftype[c]) > 0)
            rc = read_vlen(f, s, c, dset[c], ftype[c], start, count, &vbuf[c], &out->strw[c]);
        else if (rc == 0 && s->cols[c].type == ATTRIB_T_STR)
            out->strw[c] = H5Tget_size(ftype[c]);
    }
    if (rc == 0) {
        /* Every row of every column is written below (or the table freed), so the
         * arrays need not be zeroed first as attrib_table_resize would. */
        attrib_table_reserve(out, count);
        out->n = count;
    }
    for (size_t c = 0; c < s->ncols && rc == 0 && count > 0; c++) {
        const attrib_colspec *cs = &s->cols[c];
        if (vbuf[c]) { /* into the fixed width of the longest string of these rows */
            const size_t w = out->strw[c];
            for (uint64_t i = 0; i < count; i++) {
                char *d = (char *)out->col[c] + i * w;
                const size_t l = vbuf[c][i] ? strlen(vbuf[c][i]) : 0;
                memcpy(d, vbuf[c][i] ? vbuf[c][i] : "", l);
                memset(d + l, 0, w - l);
            }
            continue;
        }
        hid_t mtype, fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
        hsize_t st[1] = {start}, cnt[1] = {count};
        if (cs->type == ATTRIB_T_STR)
            mtype = str_memtype(ftype[c]);
        else if (cs->enum_names && H5Tget_class(ftype[c]) != H5T_ENUM)
            mtype = H5Tcopy(H5T_NATIVE_UINT8);
        else
            mtype = col_type(cs, 0, 0);
        int done = mtype < 0 ? 0
                             : read_direct(f, s, c, dset[c], ftype[c], mtype, start, count,
                                           out->col[c], &bufs);
        if (done < 0) {
            rc = done;
        } else if (!done) {
            fspace = H5Dget_space(dset[c]);
            mspace = H5Screate_simple(1, cnt, NULL);
            if (mtype < 0 || fspace < 0 || mspace < 0 ||
                H5Sselect_hyperslab(fspace, H5S_SELECT_SET, st, NULL, cnt, NULL) < 0 ||
                H5Dread(dset[c], mtype, mspace, fspace, H5P_DEFAULT, out->col[c]) < 0)
                rc = h5fail(f, ATTRIB_EINPUT, "cannot read dataset /%s/%s", s->name, cs->name);
        }
        CLOSE(H5Sclose, mspace);
        CLOSE(H5Sclose, fspace);
        CLOSE(H5Tclose, mtype);
    }
    direct_bufs_free(&bufs);
    for (size_t c = 0; c < s->ncols; c++) {
        if (vbuf[c]) {
            for (uint64_t i = 0; i < count; i++)
                H5free_memory(vbuf[c][i]);
            free(vbuf[c]);
        }
        CLOSE(H5Tclose, ftype[c]);
        CLOSE(H5Dclose, dset[c]);
    }
    if (rc < 0)
        attrib_table_free(out);
    return rc;
}

/* ---- string lists ---- */

int attrib_h5_write_strings(attrib_h5file *f, const char *path, const char *const *s, size_t n)
{
    size_t w = 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(s[i]) > w)
            w = strlen(s[i]);
    char *buf = attrib_xcalloc(n ? n : 1, w);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * w, s[i], strlen(s[i]));
    int rc = 0;
    hsize_t dims[1] = {n};
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate_simple(1, dims, NULL);
    hid_t lcpl = lcpl_intermediate(), dxpl = H5Pcreate(H5P_DATASET_XFER);
    hid_t mspace = H5Screate_simple(1, dims, NULL), dset = H5I_INVALID_HID;
    if (type < 0 || space < 0 || lcpl < 0 || dxpl < 0 || mspace < 0 || H5Tset_size(type, w) < 0 ||
        H5Tset_strpad(type, H5T_STR_NULLPAD) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0 ||
        H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
        rc = h5fail(f, ATTRIB_EINTERNAL, "cannot set up dataset /%s", path);
        goto out;
    }
    dset = H5Dcreate2(f->fid, path, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (dset < 0) {
        rc = h5fail(f, ATTRIB_EIO, "cannot create dataset /%s", path);
        goto out;
    }
    /* Identical on every rank, so one writes and the others take part with nothing. */
    if (f->rank != 0 && (H5Sselect_none(space) < 0 || H5Sselect_none(mspace) < 0)) {
        rc = h5fail(f, ATTRIB_EINTERNAL, "cannot select in dataset /%s", path);
        goto out;
    }
    if (n > 0 && H5Dwrite(dset, type, mspace, space, dxpl, buf) < 0)
        rc = h5fail_write(f, "cannot write dataset /%s", path);
out:
    CLOSE(H5Dclose, dset);
    CLOSE(H5Sclose, mspace);
    CLOSE(H5Pclose, dxpl);
    CLOSE(H5Pclose, lcpl);
    CLOSE(H5Sclose, space);
    CLOSE(H5Tclose, type);
    free(buf);
    return rc;
}

void attrib_strlist_free(char **s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

int attrib_h5_read_strings(attrib_h5file *f, const char *path, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    while (*path == '/')
        path++;
    int e = path_exists(f->fid, path);
    if (e <= 0)
        return e < 0 ? h5fail(f, ATTRIB_EINPUT, "cannot look up dataset /%s", path)
                     : attrib_err_set(ATTRIB_EINPUT, "%s: missing dataset /%s", f->name, path);
    int rc = 0;
    char got[64], **list = NULL;
    void *buf = NULL;
    hsize_t dims[1] = {0};
    hid_t dset = H5Dopen2(f->fid, path, H5P_DEFAULT), ftype = H5I_INVALID_HID;
    hid_t space = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
    if (dset < 0 || (ftype = H5Dget_type(dset)) < 0 || (space = H5Dget_space(dset)) < 0) {
        rc = h5fail(f, ATTRIB_EINPUT, "/%s is not a readable dataset", path);
        goto out;
    }
    if (H5Tget_class(ftype) != H5T_STRING || H5Sget_simple_extent_ndims(space) != 1) {
        found_desc(ftype, got, sizeof got);
        rc = attrib_err_set(ATTRIB_EINPUT,
                            "%s: dataset /%s: expected a 1-D list of strings, "
                            "found %d-D %s",
                            f->name, path, H5Sget_simple_extent_ndims(space), got);
        goto out;
    }
    H5Sget_simple_extent_dims(space, dims, NULL);
    int vlen = H5Tis_variable_str(ftype) > 0;
    size_t w = vlen ? sizeof(char *) : H5Tget_size(ftype);
    mtype = vlen ? H5Tcopy(ftype) : str_memtype(ftype);
    buf = attrib_xcalloc(dims[0] ? dims[0] : 1, w);
    if (mtype < 0 ||
        (dims[0] > 0 && H5Dread(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)) {
        rc = h5fail(f, ATTRIB_EINPUT, "cannot read dataset /%s", path);
        goto out;
    }
    list = attrib_xcalloc(dims[0] ? dims[0] : 1, sizeof *list);
    for (hsize_t i = 0; i < dims[0]; i++) {
        const char *p = vlen ? ((char **)buf)[i] : (const char *)buf + i * w;
        if (vlen)
            list[i] = attrib_xstrdup(p ? p : "");
        else {
            const char *z = memchr(p, 0, w);
            size_t len = z ? (size_t)(z - p) : w;
            list[i] = attrib_xmalloc(len + 1);
            memcpy(list[i], p, len);
            list[i][len] = 0;
        }
    }
    if (vlen)
        H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, buf);
    *out = list;
    *n = dims[0];
out:
    free(buf);
    CLOSE(H5Tclose, mtype);
    CLOSE(H5Sclose, space);
    CLOSE(H5Tclose, ftype);
    CLOSE(H5Dclose, dset);
    return rc;
}

/* ---- root attributes ---- */

static int set_attr(attrib_h5file *f, const char *name, hid_t type, const void *value)
{
    int rc = 0;
    hid_t space = H5Screate(H5S_SCALAR), attr = H5I_INVALID_HID;
    htri_t e = H5Aexists(f->fid, name);
    if (space < 0 || e < 0 || (e > 0 && H5Adelete(f->fid, name) < 0)) {
        rc = h5fail(f, ATTRIB_EIO, "cannot replace attribute '%s'", name);
        goto out;
    }
    attr = H5Acreate2(f->fid, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, type, value) < 0)
        rc = h5fail_write(f, "cannot write attribute '%s'", name);
out:
    CLOSE(H5Aclose, attr);
    CLOSE(H5Sclose, space);
    return rc;
}

int attrib_h5_set_attr_str(attrib_h5file *f, const char *name, const char *value)
{
    /* Fixed-length (parallel HDF5 cannot write variable-length attributes); h5py reads
     * it as bytes. Width >= 1 because HDF5 has no zero-size string type. */
    size_t len = strlen(value);
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0 || H5Tset_size(type, len ? len : 1) < 0 ||
        H5Tset_strpad(type, H5T_STR_NULLPAD) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0) {
        CLOSE(H5Tclose, type);
        return h5fail(f, ATTRIB_EINTERNAL, "cannot set up attribute '%s'", name);
    }
    int rc = set_attr(f, name, type, len ? value : "");
    CLOSE(H5Tclose, type);
    return rc;
}

int attrib_h5_set_attr_i64(attrib_h5file *f, const char *name, int64_t value)
{
    return set_attr(f, name, H5T_NATIVE_INT64, &value);
}

int attrib_h5_set_attr_f64(attrib_h5file *f, const char *name, double value)
{
    return set_attr(f, name, H5T_NATIVE_DOUBLE, &value);
}

/* Open a root attribute holding one value; the caller closes *attr and *type. */
static int open_attr(attrib_h5file *f, const char *name, hid_t *attr, hid_t *type)
{
    *attr = *type = H5I_INVALID_HID;
    htri_t e = H5Aexists(f->fid, name);
    if (e < 0)
        return h5fail(f, ATTRIB_EINPUT, "cannot look up attribute '%s'", name);
    if (e == 0)
        return attrib_err_set(ATTRIB_EINPUT, "%s: missing root attribute '%s'", f->name, name);
    hid_t space = H5I_INVALID_HID;
    *attr = H5Aopen(f->fid, name, H5P_DEFAULT);
    if (*attr < 0 || (*type = H5Aget_type(*attr)) < 0 || (space = H5Aget_space(*attr)) < 0) {
        CLOSE(H5Tclose, *type);
        CLOSE(H5Aclose, *attr);
        return h5fail(f, ATTRIB_EINPUT, "cannot open attribute '%s'", name);
    }
    hssize_t npts = H5Sget_simple_extent_npoints(space);
    CLOSE(H5Sclose, space);
    if (npts != 1) {
        CLOSE(H5Tclose, *type);
        CLOSE(H5Aclose, *attr);
        return attrib_err_set(ATTRIB_EINPUT, "%s: attribute '%s': expected one value, found %lld",
                              f->name, name, (long long)npts);
    }
    return 0;
}

int attrib_h5_get_attr_str(attrib_h5file *f, const char *name, char **value)
{
    *value = NULL;
    hid_t attr, type, mtype = H5I_INVALID_HID;
    char got[64];
    int rc = 0;
    ATTRIB_TRY(open_attr(f, name, &attr, &type));
    if (H5Tget_class(type) != H5T_STRING) {
        found_desc(type, got, sizeof got);
        rc = attrib_err_set(ATTRIB_EINPUT, "%s: attribute '%s': expected a string, found %s",
                            f->name, name, got);
    } else if (H5Tis_variable_str(type) > 0) {
        char *s = NULL;
        mtype = H5Tcopy(type);
        if (mtype < 0 || H5Aread(attr, mtype, &s) < 0) {
            rc = h5fail(f, ATTRIB_EINPUT, "cannot read attribute '%s'", name);
        } else {
            *value = attrib_xstrdup(s ? s : "");
            H5free_memory(s);
        }
    } else {
        size_t w = H5Tget_size(type);
        char *s = attrib_xcalloc(w + 1, 1);
        mtype = str_memtype(type);
        if (mtype < 0 || H5Aread(attr, mtype, s) < 0) {
            free(s);
            rc = h5fail(f, ATTRIB_EINPUT, "cannot read attribute '%s'", name);
        } else {
            *value = s;
        }
    }
    CLOSE(H5Tclose, mtype);
    CLOSE(H5Tclose, type);
    CLOSE(H5Aclose, attr);
    return rc;
}

int attrib_h5_get_attr_i64(attrib_h5file *f, const char *name, int64_t *value)
{
    hid_t attr, type;
    char got[64];
    int rc = 0;
    ATTRIB_TRY(open_attr(f, name, &attr, &type));
    if (H5Tget_class(type) != H5T_INTEGER) {
        found_desc(type, got, sizeof got);
        rc = attrib_err_set(ATTRIB_EINPUT, "%s: attribute '%s': expected an integer, found %s",
                            f->name, name, got);
    } else if (H5Aread(attr, H5T_NATIVE_INT64, value) < 0) {
        rc = h5fail(f, ATTRIB_EINPUT, "cannot read attribute '%s'", name);
    }
    CLOSE(H5Tclose, type);
    CLOSE(H5Aclose, attr);
    return rc;
}

int attrib_h5_add_table_vlen(const char *path, const char *name, const attrib_table *t,
                             size_t vcol, const char *const *vstr, int level)
{
    ATTRIB_TRY(h5_init());
    attrib_h5file *f = file_new(MPI_COMM_NULL, path);
    if (name)
        attrib_h5_set_name(f, name);
    f->fid = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f->fid < 0) {
        int rc = h5fail(f, ATTRIB_EIO, "cannot reopen the file to add /%s", t->schema->name);
        file_free(f);
        return rc;
    }
    f->writing = 1;
    size_t strw[ATTRIB_MAX_COLS];
    for (size_t c = 0; c < t->schema->ncols; c++)
        strw[c] = c == vcol ? STRW_VLEN : t->strw[c];
    int rc = create_table(f, t->schema, t->n, strw, level);
    for (size_t c = 0; c < t->schema->ncols && rc == 0 && t->n > 0; c++) {
        const attrib_colspec *cs = &t->schema->cols[c];
        char dpath[600];
        snprintf(dpath, sizeof dpath, "%s/%s", t->schema->name, cs->name);
        hid_t dset = H5Dopen2(f->fid, dpath, H5P_DEFAULT);
        hid_t mtype = col_type(cs, c == vcol ? STRW_VLEN : t->strw[c], 0);
        if (dset < 0 || mtype < 0 ||
            H5Dwrite(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                     c == vcol ? (const void *)vstr : t->col[c]) < 0)
            rc = h5fail(f, ATTRIB_EIO, "cannot write dataset /%s", dpath);
        CLOSE(H5Tclose, mtype);
        CLOSE(H5Dclose, dset);
    }
    if (rc)
        f->failed = 1;
    const int crc = attrib_h5_close(f);
    return rc ? rc : crc;
}

/* libFuzzer target: the HDF5 input validator, on mutated attrib files.
 *
 * HDF5 opens files by name, so each input is written to one file in /dev/shm (a tmpfs;
 * $ATTRIB_FUZZ_DIR overrides) and opened the way `attrib run` and `attrib export` open
 * their input: attrib_h5_open on MPI_COMM_SELF (MPI-IO driver), attrib_h5_table_rows
 * of every input schema (the optional /links and /partitions too), attrib_h5_read_strings of conversions/type_names,
 * attrib_h5_read_table, and the root attributes. MPI and HDF5 are initialised once, in
 * LLVMFuzzerInitialize; nothing per input but the file write and the HDF5 calls.
 *
 * Properties: no crash, no sanitizer report, no leak; every failure is ATTRIB_EINPUT
 * with a message naming the file; a table whose lengths validated reads back with the
 * number of rows asked for.
 *
 * Row counts come from the (mutated) file: a 2 KiB input can claim 2^60 rows. Like
 * `attrib run` on a slab, the target reads at most READ_CAP rows from the start and
 * from the end of each table, so its memory stays bounded while every chunk-decoding
 * path is still reached.
 */
#include <fcntl.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/err.h"
#include "attrib/h5io.h"
#include "attrib/table.h"

#define READ_CAP 4096

/* Sanitizer settings of this target (ASAN_OPTIONS / LSAN_OPTIONS add to them):
 *  - a damaged header can make HDF5 itself ask malloc for petabytes; glibc answers NULL
 *    and HDF5 reports an error, so here too: a single allocation above 4 GiB returns
 *    NULL instead of stopping the run (attrib's own attrib_xmalloc still aborts on
 *    NULL, so an absurd allocation by attrib is still a finding);
 *  - HDF5 1.10 leaks small blocks on some error paths of damaged files (half-loaded
 *    object headers, error strings formatted with vasprintf); that is not ours to fix.
 *    libhdf5 has no frame pointers, so the fast unwinder loses the frames above libc's
 *    vasprintf: attrib never calls (v)asprintf, so that frame is suppressed too.
 *    The library suppressions of tests/lsan.supp are built in, so that a run by hand
 *    needs no LSAN_OPTIONS. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1:max_allocation_size_mb=4096";
}
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libhdf5\nleak:__vasprintf_internal\nleak:libmpi.so\nleak:libopen-pal.so\n"
           "leak:libopen-rte.so\nleak:libpmix.so\nleak:libhwloc.so\nleak:libevent\nleak:mca_\n";
}

static char path[256];
static int fd = -1;

static void cleanup(void)
{
    if (fd >= 0)
        close(fd);
    unlink(path);
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin)
        MPI_Finalize();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int provided;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_SINGLE, &provided);
    if (attrib_h5_register_zstd() != 0)
        abort();
    const char *dir = getenv("ATTRIB_FUZZ_DIR");
    snprintf(path, sizeof path, "%s/attrib_fuzz_h5_%d.h5", dir && *dir ? dir : "/dev/shm",
             (int)getpid());
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    atexit(cleanup);
    return 0;
}

static void check_err(int rc)
{
    if (rc == 0)
        return;
    const char *m = attrib_err_msg();
    if (rc != ATTRIB_EINPUT || !m || strncmp(m, path, strlen(path)) != 0) {
        fprintf(stderr, "fuzz_h5_input: rc %d, message '%s'\n", rc, m ? m : "(null)");
        abort();
    }
}

static void read_some(attrib_h5file *f, const attrib_schema *s, uint64_t rows)
{
    uint64_t n = rows < READ_CAP ? rows : READ_CAP;
    uint64_t starts[2] = {0, rows - n};
    for (int k = 0; k < (rows > n ? 2 : 1); k++) {
        attrib_table t;
        int rc = attrib_h5_read_table(f, s, starts[k], n, &t);
        check_err(rc);
        if (rc != 0)
            return;
        if (t.n != n)
            abort();
        attrib_table_free(&t);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();

    attrib_h5file *f = NULL;
    int rc = attrib_h5_open(MPI_COMM_SELF, path, &f);
    check_err(rc);
    if (rc != 0)
        return 0;

    static const attrib_schema *const schemas[] = {
        &attrib_schema_events, &attrib_schema_conversions, &attrib_schema_campaigns,
        &attrib_schema_links, &attrib_schema_partitions};
    for (size_t i = 0; i < sizeof schemas / sizeof schemas[0]; i++) {
        uint64_t rows = 0;
        rc = attrib_h5_table_rows(f, schemas[i], &rows);
        check_err(rc);
        if (rc == 0)
            read_some(f, schemas[i], rows);
    }
    char **names = NULL;
    size_t nnames = 0;
    rc = attrib_h5_read_strings(f, "conversions/type_names", &names, &nnames);
    check_err(rc);
    attrib_strlist_free(names, nnames);

    int64_t v;
    char *str = NULL;
    check_err(attrib_h5_get_attr_i64(f, "schema_version", &v));
    rc = attrib_h5_get_attr_str(f, "identity_hash", &str);
    check_err(rc);
    free(str);

    /* Closing a read-only file flushes nothing; a failure here would be ours. */
    if (attrib_h5_close(f) != 0)
        abort();
    return 0;
}

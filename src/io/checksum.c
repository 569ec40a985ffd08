#include "attrib/checksum.h"
#include "attrib/par_coll.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#include "attrib/err.h"
#include "attrib/h5io.h"
#include "h5_private.h"

/* CRC-32 (zlib's polynomial and conventions) by libdeflate, which folds with carry-less
 * multiplication where the CPU has it: about 2× zlib's table-driven crc32 on this
 * machine. tests/unit/test_h5fast.c compares it with zlib. */
uint32_t attrib_crc32_update(uint32_t crc, const void *data, size_t len)
{
    return (uint32_t)libdeflate_crc32(crc, data, len);
}

int attrib_file_crc32(const attrib_par *p, const char *path, uint32_t *crc, uint64_t *size)
{
    int err = 0;
    uint64_t fsize = 0, lo = 0, hi = 0;
    uLong part = crc32(0L, Z_NULL, 0);
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        err = attrib_err_read(path, errno);
    } else {
        fsize = (uint64_t)st.st_size;
        lo = fsize * (uint64_t)p->rank / (uint64_t)p->size;
        hi = fsize * (uint64_t)(p->rank + 1) / (uint64_t)p->size;
        size_t bufsz = 1 << 20;
        unsigned char *buf = attrib_xmalloc(bufsz);
        for (uint64_t off = lo; off < hi && !err;) {
            size_t want = (size_t)(hi - off < bufsz ? hi - off : bufsz);
            ssize_t got = pread(fd, buf, want, (off_t)off);
            if (got <= 0) {
                err = got < 0 ? attrib_err_read(path, errno)
                              : attrib_err_path(ATTRIB_EIO, path, "cannot read", "unexpected end of file");
                break;
            }
            part = attrib_crc32_update((uint32_t)part, buf, (size_t)got);
            off += (uint64_t)got;
        }
        free(buf);
    }
    if (fd >= 0)
        close(fd);
    err = attrib_par_agree(p, err);
    if (err)
        return err;
    uint64_t mine[2] = {part, hi - lo};
    uint64_t *all = attrib_xmalloc(2 * (size_t)p->size * sizeof *all);
    if (MPI_Gather(mine, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, 0, p->comm) != MPI_SUCCESS) {
        free(all);
        return attrib_err_set(ATTRIB_EMPI, "MPI_Gather of checksums failed");
    }
    uint64_t c = 0;
    if (p->rank == 0) {
        c = all[0];
        for (int r = 1; r < p->size; r++)
            c = crc32_combine((uLong)c, (uLong)all[2 * r], (z_off_t)all[2 * r + 1]);
    }
    free(all);
    ATTRIB_TRY(attrib_par_bcast_u64(p, &c, 1, 0));
    *crc = (uint32_t)c;
    if (size)
        *size = fsize;
    return 0;
}

/* CSV input files: plain (pread from any offset), gzip and zstd (streaming). */
#include "attrib/csvfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "attrib/err.h"

#define IN_BUFSIZE (1u << 20)

struct attrib_csvfile {
    char *path;
    int fd;
    attrib_csvfile_codec codec;
    char *buf;
    size_t cap, len;  /* window = buf[0, len) */
    uint64_t winoff;  /* decompressed offset of buf[0] */
    uint64_t rawpos;  /* next offset to read from the file */
    uint64_t total;   /* decompressed bytes produced */
    int src_eof;      /* no more decompressed bytes will come */
    int in_eof;       /* the file itself is read to its end */
    unsigned char *in;
    z_stream z;
    int z_init, in_member;
    size_t zret; /* last ZSTD_decompressStream result: 0 once a frame is done and flushed */
    ZSTD_DStream *zs;
    ZSTD_inBuffer zin;
};

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

attrib_csvfile_codec attrib_csvfile_codec_of(const char *path)
{
    if (has_suffix(path, ".gz"))
        return ATTRIB_CODEC_GZIP;
    if (has_suffix(path, ".zst"))
        return ATTRIB_CODEC_ZSTD;
    return ATTRIB_CODEC_NONE;
}

int attrib_csvfile_stat(const char *path, uint64_t *size)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return attrib_err_open(path, errno);
    if (S_ISDIR(st.st_mode))
        return attrib_err_read(path, EISDIR);
    *size = (uint64_t)st.st_size;
    return 0;
}

int attrib_csvfile_open(const char *path, uint64_t start, size_t bufsize, attrib_csvfile **out)
{
    *out = NULL;
    attrib_csvfile_codec codec = attrib_csvfile_codec_of(path);
    if (codec != ATTRIB_CODEC_NONE && start != 0)
        return attrib_err_set(ATTRIB_EINTERNAL, "%s: a compressed file is read from its start",
                              path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return attrib_err_open(path, errno);
    attrib_csvfile *f = attrib_xcalloc(1, sizeof *f);
    f->path = attrib_xstrdup(path);
    f->fd = fd;
    f->codec = codec;
    f->cap = bufsize ? bufsize : (size_t)4 << 20;
    f->buf = attrib_xmalloc(f->cap);
    f->winoff = start;
    f->rawpos = start;
    if (codec == ATTRIB_CODEC_NONE) {
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    } else {
        f->in = attrib_xmalloc(IN_BUFSIZE);
        if (codec == ATTRIB_CODEC_GZIP) {
            /* 15 + 16: gzip wrapper only (a .gz that is zlib or raw is corrupt). */
            if (inflateInit2(&f->z, 15 + 16) != Z_OK) {
                attrib_csvfile_close(f);
                return attrib_err_set(ATTRIB_EINTERNAL, "%s: cannot initialise zlib", path);
            }
            f->z_init = 1;
            f->in_member = 1;
        } else {
            f->zs = ZSTD_createDStream();
            if (!f->zs || ZSTD_isError(ZSTD_initDStream(f->zs))) {
                attrib_csvfile_close(f);
                return attrib_err_set(ATTRIB_EINTERNAL, "%s: cannot initialise zstd", path);
            }
            f->zin.src = f->in;
            f->zret = 1;
        }
    }
    *out = f;
    return 0;
}

void attrib_csvfile_close(attrib_csvfile *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    if (f->z_init)
        inflateEnd(&f->z);
    ZSTD_freeDStream(f->zs);
    free(f->in);
    free(f->buf);
    free(f->path);
    free(f);
}

/* Read up to n bytes of the file at rawpos; 0 at end of file. */
static int raw_read(attrib_csvfile *f, void *dst, size_t n, size_t *got)
{
    for (;;) {
        ssize_t r = pread(f->fd, dst, n, (off_t)f->rawpos);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return attrib_err_read(f->path, errno);
        f->rawpos += (uint64_t)r;
        *got = (size_t)r;
        if (r == 0)
            f->in_eof = 1;
        return 0;
    }
}

static int fill_plain(attrib_csvfile *f)
{
    while (f->len < f->cap && !f->src_eof) {
        size_t got;
        ATTRIB_TRY(raw_read(f, f->buf + f->len, f->cap - f->len, &got));
        f->len += got;
        f->total += got;
        if (got == 0)
            f->src_eof = 1;
    }
    return 0;
}

static int fill_gzip(attrib_csvfile *f)
{
    while (f->len < f->cap && !f->src_eof) {
        if (f->z.avail_in == 0 && !f->in_eof) {
            size_t got;
            ATTRIB_TRY(raw_read(f, f->in, IN_BUFSIZE, &got));
            f->z.next_in = f->in;
            f->z.avail_in = (uInt)got;
        }
        if (!f->in_member) {
            /* Between members: more input is another member (concatenated drops). */
            if (f->z.avail_in == 0) {
                f->src_eof = 1;
                break;
            }
            inflateReset(&f->z);
            f->in_member = 1;
        }
        size_t before = f->len;
        f->z.next_out = (unsigned char *)f->buf + f->len;
        f->z.avail_out = (uInt)(f->cap - f->len);
        int ret = inflate(&f->z, Z_NO_FLUSH);
        f->len = f->cap - f->z.avail_out;
        f->total += f->len - before;
        if (ret == Z_STREAM_END) {
            f->in_member = 0;
            continue;
        }
        if (ret != Z_OK && ret != Z_BUF_ERROR)
            return attrib_err_set(ATTRIB_EINPUT, "%s: corrupt gzip stream (%s)", f->path,
                                  f->z.msg ? f->z.msg : "inflate failed");
        if (f->len == before && f->z.avail_in == 0 && f->in_eof)
            return attrib_err_set(ATTRIB_EINPUT, "%s: truncated gzip stream", f->path);
    }
    return 0;
}

static int fill_zstd(attrib_csvfile *f)
{
    while (f->len < f->cap && !f->src_eof) {
        if (f->zin.pos == f->zin.size && !f->in_eof) {
            size_t got;
            ATTRIB_TRY(raw_read(f, f->in, IN_BUFSIZE, &got));
            f->zin.size = got;
            f->zin.pos = 0;
        }
        if (f->zin.pos == f->zin.size && f->in_eof && f->zret == 0) {
            f->src_eof = 1;
            break;
        }
        ZSTD_outBuffer out = {f->buf, f->cap, f->len};
        size_t before = f->len;
        size_t ret = ZSTD_decompressStream(f->zs, &out, &f->zin);
        if (ZSTD_isError(ret))
            return attrib_err_set(ATTRIB_EINPUT, "%s: corrupt zstd stream (%s)", f->path,
                                  ZSTD_getErrorName(ret));
        f->len = out.pos;
        f->total += f->len - before;
        f->zret = ret;
        if (f->zin.pos == f->zin.size && f->in_eof && ret != 0 && f->len == before)
            return attrib_err_set(ATTRIB_EINPUT, "%s: truncated zstd stream", f->path);
    }
    return 0;
}

int attrib_csvfile_window(attrib_csvfile *f, size_t consumed, const char **p, size_t *n, int *eof)
{
    if (consumed > f->len)
        return attrib_err_set(ATTRIB_EINTERNAL, "%s: window consumed beyond its end", f->path);
    if (consumed) {
        memmove(f->buf, f->buf + consumed, f->len - consumed);
        f->len -= consumed;
        f->winoff += consumed;
    }
    if (!f->src_eof) {
        if (f->len == f->cap) {
            f->cap *= 2;
            f->buf = attrib_xrealloc(f->buf, f->cap);
        }
        int rc = f->codec == ATTRIB_CODEC_NONE   ? fill_plain(f)
                 : f->codec == ATTRIB_CODEC_GZIP ? fill_gzip(f)
                                                 : fill_zstd(f);
        if (rc < 0)
            return rc;
    }
    *p = f->buf;
    *n = f->len;
    *eof = f->src_eof;
    return 0;
}

uint64_t attrib_csvfile_offset(const attrib_csvfile *f) { return f->winoff; }


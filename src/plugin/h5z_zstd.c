/* The Zstandard HDF5 filter, registered id 32015, cd_values[0] = compression level.
 *
 * Chunk format, shared with hdf5plugin's and the other community zstd plugins: the
 * compressed chunk is exactly one zstd frame that records its content size, so a
 * reader sizes its output buffer from the frame header alone.
 *
 * This file is compiled both into attrib_io (registered with H5Zregister) and into the
 * loadable plugin libh5zzstd.so. The plugin must not link libhdf5 (h5dump links the
 * serial library, the program the parallel one), so only HDF5 *types* are used here,
 * never an HDF5 function; buffers are plain malloc/free as HDF5 expects of filters.
 */
#include <hdf5.h> /* types only: H5Z_class2_t and what it refers to */
#include <stdlib.h>
#include <zstd.h>

#define ATTRIB_H5Z_ZSTD_ID 32015
#define ATTRIB_H5Z_ZSTD_DEFAULT_LEVEL 3
/* HDF5 chunks are at most 4 GiB; a larger content size is a damaged frame, and refusing
 * it keeps a corrupt file from making us attempt an absurd allocation. */
#define ATTRIB_H5Z_ZSTD_MAX_CHUNK ((unsigned long long)0xffffffffu)

/* One compression and one decompression context, kept between calls: ZSTD_compress and
 * ZSTD_decompress would create and free one per chunk, which at level 3 costs about as
 * much as compressing a 512 KiB chunk (the match tables are allocated and cleared each
 * time). The frames are the same bytes either way. HDF5 never runs two filters at once
 * (a thread-safe build holds its global lock during H5Dread/H5Dwrite; other builds must
 * not be called from two threads), so plain statics are enough. */
static ZSTD_CCtx *h5z_zstd_cctx;
static ZSTD_DCtx *h5z_zstd_dctx;

static size_t h5z_zstd_filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[],
                              size_t nbytes, size_t *buf_size, void **buf)
{
    void *out;
    size_t n, alloc;
    if (flags & H5Z_FLAG_REVERSE) {
        unsigned long long sz = ZSTD_getFrameContentSize(*buf, nbytes);
        if (sz == ZSTD_CONTENTSIZE_UNKNOWN || sz == ZSTD_CONTENTSIZE_ERROR ||
            sz > ATTRIB_H5Z_ZSTD_MAX_CHUNK)
            return 0;
        /* A chunk holds at least one element, so an empty frame is damage too. */
        if (sz == 0)
            return 0;
        alloc = (size_t)sz;
        out = malloc(alloc);
        if (!out)
            return 0;
        if (!h5z_zstd_dctx && !(h5z_zstd_dctx = ZSTD_createDCtx())) {
            free(out);
            return 0;
        }
        n = ZSTD_decompressDCtx(h5z_zstd_dctx, out, (size_t)sz, *buf, nbytes);
        if (ZSTD_isError(n) || n != sz) {
            free(out);
            return 0;
        }
    } else {
        int level = ATTRIB_H5Z_ZSTD_DEFAULT_LEVEL;
        /* Levels are signed in zstd (negative = fast modes); HDF5 stores them unsigned. */
        if (cd_nelmts > 0)
            level = (int)cd_values[0];
        if (level > ZSTD_maxCLevel())
            level = ZSTD_maxCLevel();
        alloc = ZSTD_compressBound(nbytes);
        out = malloc(alloc);
        if (!out)
            return 0;
        if (!h5z_zstd_cctx && !(h5z_zstd_cctx = ZSTD_createCCtx())) {
            free(out);
            return 0;
        }
        n = ZSTD_compressCCtx(h5z_zstd_cctx, out, alloc, *buf, nbytes, level);
        if (ZSTD_isError(n)) {
            free(out);
            return 0;
        }
    }
    free(*buf);
    *buf = out;
    *buf_size = alloc;
    return n;
}

/* Referenced by h5io.c (H5Zregister) and h5z_zstd_plugin.c (H5PLget_plugin_info). */
extern const H5Z_class2_t attrib_h5z_zstd_class;
const H5Z_class2_t attrib_h5z_zstd_class = {
    H5Z_CLASS_T_VERS,
    (H5Z_filter_t)ATTRIB_H5Z_ZSTD_ID,
    1, /* encoder present */
    1, /* decoder present */
    "Zstandard compression: http://www.zstd.net",
    NULL, /* can_apply */
    NULL, /* set_local */
    h5z_zstd_filter,
};

/* attrib — reading CSV input files: plain files from any byte offset, .gz (zlib,
 * multi-member) and .zst (libzstd, multi-frame) from the start, chosen by suffix.
 * Local (no MPI). Every function returns 0 or a negative attrib_err with a message
 * naming the file; a truncated or corrupt compressed stream is ATTRIB_EINPUT.
 *
 * The reader hands out a window of contiguous bytes. A caller parses what it can,
 * then asks for more, saying how many bytes of the window it has consumed; the rest
 * is kept at the front of the next window (the buffer grows when one record is longer
 * than the buffer). */
#ifndef ATTRIB_CSVFILE_H
#define ATTRIB_CSVFILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct attrib_csvfile attrib_csvfile;

typedef enum attrib_csvfile_codec {
    ATTRIB_CODEC_NONE = 0,
    ATTRIB_CODEC_GZIP = 1,
    ATTRIB_CODEC_ZSTD = 2,
} attrib_csvfile_codec;

/* Local. The codec a path's suffix implies (".gz", ".zst"). */
attrib_csvfile_codec attrib_csvfile_codec_of(const char *path);

/* Local. Size in bytes of the file as stored (compressed size for .gz/.zst). */
int attrib_csvfile_stat(const char *path, uint64_t *size);

/* Local. Open `path` for reading from decompressed offset `start` (must be 0 for a
 * compressed file). `bufsize` is the initial window capacity (0: 4 MiB). */
int attrib_csvfile_open(const char *path, uint64_t start, size_t bufsize, attrib_csvfile **out);
/* Local. Close and free; NULL ok. */
void attrib_csvfile_close(attrib_csvfile *f);

/* Local. Drop the first `consumed` bytes of the current window, read more, and return
 * the new window [*p, *p + *n). *eof is set when the window holds everything up to the
 * end of the file. Each call adds at least one byte unless *eof. */
int attrib_csvfile_window(attrib_csvfile *f, size_t consumed, const char **p, size_t *n,
                          int *eof);

/* Local. Decompressed file offset of the first byte of the current window. */
uint64_t attrib_csvfile_offset(const attrib_csvfile *f);


#endif

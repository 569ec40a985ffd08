#include "attrib/err.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static char g_msg[4096];

/* A hook for the MPI layer: when set, fatal errors abort the whole job. */
void (*attrib_die_hook)(void) = NULL;

const char *attrib_strerror(int err)
{
    switch (err) {
    case ATTRIB_OK: return "success";
    case ATTRIB_EUSAGE: return "usage error";
    case ATTRIB_EINPUT: return "bad input";
    case ATTRIB_EIO: return "i/o error";
    case ATTRIB_ENOMEM: return "out of memory";
    case ATTRIB_EINTERNAL: return "internal error";
    case ATTRIB_EMPI: return "MPI failure";
    case ATTRIB_ENEGATIVE: return "negative answer";
    default: return "unknown error";
    }
}

int attrib_err_exit_code(int err)
{
    switch (err) {
    case ATTRIB_OK: return 0;
    case ATTRIB_ENEGATIVE: return 1;
    case ATTRIB_EUSAGE:
    case ATTRIB_EINPUT:
    case ATTRIB_EIO: return 2;
    default: return 3;
    }
}

int attrib_err_vset(int err, const char *fmt, va_list ap)
{
    vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    return err;
}

int attrib_err_set(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    attrib_err_vset(err, fmt, ap);
    va_end(ap);
    return err;
}

static int err_file(const char *path, const char *what, int errnum)
{
    if (errnum)
        return attrib_err_set(ATTRIB_EIO, "%s: %s: %s", path, what, strerror(errnum));
    return attrib_err_set(ATTRIB_EIO, "%s: %s", path, what);
}

int attrib_err_open(const char *path, int errnum) { return err_file(path, "cannot open", errnum); }
int attrib_err_read(const char *path, int errnum) { return err_file(path, "cannot read", errnum); }
int attrib_err_write(const char *path, int errnum) { return err_file(path, "cannot write", errnum); }

int attrib_err_path(int err, const char *path, const char *what, const char *cause_fmt, ...)
{
    char cause[2048];
    va_list ap;
    va_start(ap, cause_fmt);
    vsnprintf(cause, sizeof cause, cause_fmt, ap);
    va_end(ap);
    if (*cause)
        return attrib_err_set(err, "%s: %s: %s", path, what, cause);
    return attrib_err_set(err, "%s: %s", path, what);
}

void attrib_err_replace(const char *from, const char *to)
{
    const size_t nf = strlen(from), nt = strlen(to);
    if (!nf)
        return;
    char out[sizeof g_msg];
    size_t o = 0;
    for (const char *s = g_msg; *s && o + 1 < sizeof out;) {
        if (strncmp(s, from, nf) == 0 && o + nt + 1 < sizeof out) {
            memcpy(out + o, to, nt);
            o += nt;
            s += nf;
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
    memcpy(g_msg, out, o + 1);
}

static char g_command[32];

void attrib_err_set_command(const char *name)
{
    snprintf(g_command, sizeof g_command, "%s", name ? name : "");
}

const char *attrib_err_command(void) { return g_command; }

const char *attrib_err_msg(void) { return g_msg; }

void attrib_err_clear(void) { g_msg[0] = '\0'; }

#ifndef NDEBUG
void attrib_err_trace(const char *file, int line)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t len = strlen(g_msg);
    /* Keep the trace short: a few hops are enough to find the origin. */
    if (len + 32 < sizeof g_msg && getenv("ATTRIB_TRACE"))
        snprintf(g_msg + len, sizeof g_msg - len, " [%s:%d]", base, line);
}
#endif

void attrib_die_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "attrib: fatal: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (%s:%d)\n", file, line);
    fflush(stderr);
    if (attrib_die_hook)
        attrib_die_hook();
    abort();
}

/* Large arrays (column buffers, exchange buffers) are touched once page by page right
 * after allocation: asking for transparent huge pages there (THP is in "madvise" mode
 * on Debian) takes ~500× fewer page faults. Advice only: failure changes nothing. */
#define BIG_ALLOC ((size_t)4 << 20)
static void advise_big(void *p, size_t n)
{
    if (n < BIG_ALLOC)
        return;
    const uintptr_t page = 4096, a = ((uintptr_t)p + page - 1) & ~(page - 1);
    const uintptr_t e = ((uintptr_t)p + n) & ~(page - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
}

void attrib_malloc_tune(void)
{
    /* Blocks up to 32 MiB (HDF5's chunk buffers, per-round exchange buffers) come from
     * the heap and are reused instead of being mapped and faulted in afresh each time;
     * freed memory is kept (trim threshold) for the next phase. Measured on the 10^7
     * benchmark: 5.1 s → 3.7 s wall (bench/README.md). */
    (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
    (void)mallopt(M_TRIM_THRESHOLD, 1 << 30);
    (void)mallopt(M_TOP_PAD, 64 << 20);
}

void *attrib_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        ATTRIB_DIE("out of memory allocating %zu bytes", n);
    advise_big(p, n);
    return p;
}

void *attrib_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        ATTRIB_DIE("out of memory allocating %zu x %zu bytes", n, size);
    if (size && n <= SIZE_MAX / size)
        advise_big(p, n * size);
    return p;
}

void *attrib_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        ATTRIB_DIE("out of memory reallocating %zu bytes", n);
    advise_big(q, n);
    return q;
}

char *attrib_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = attrib_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

#include "attrib/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void *attrib_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        ATTRIB_DIE("out of memory allocating %zu bytes", n);
    return p;
}

void *attrib_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        ATTRIB_DIE("out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *attrib_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        ATTRIB_DIE("out of memory reallocating %zu bytes", n);
    return q;
}

char *attrib_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = attrib_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

/* attrib — error codes and messages.
 *
 * Every fallible function returns 0 (ATTRIB_OK) or a negative enum attrib_err.
 * The human-readable detail of the most recent failure on this process is kept
 * in a per-process buffer set with attrib_err_set(); callers print it with
 * attrib_err_msg(). Messages follow git's manner: what failed first, then the
 * subject, with file:line for input errors ("rules.cfg:12: unknown model 'x'").
 */
#ifndef ATTRIB_ERR_H
#define ATTRIB_ERR_H

#include <stdarg.h>

enum attrib_err {
    ATTRIB_OK = 0,
    ATTRIB_EUSAGE = -1,    /* bad command line */
    ATTRIB_EINPUT = -2,    /* bad input data or rules (user's fault, exit 2) */
    ATTRIB_EIO = -3,       /* cannot open/read/write a file (exit 2) */
    ATTRIB_ENOMEM = -4,    /* out of memory (exit 3) */
    ATTRIB_EINTERNAL = -5, /* broken invariant, library failure (exit 3) */
    ATTRIB_EMPI = -6,      /* MPI failure (exit 3) */
    ATTRIB_ENEGATIVE = -7, /* the command's own negative answer (exit 1) */
};

/* Local. A static string naming the code ("bad input", …). */
const char *attrib_strerror(int err);

/* Local. The process exit code of an error code (0,1,2,3). */
int attrib_err_exit_code(int err);

/* Local. Record the detail of a failure (printf-style) and return `err`, so that
 * `return attrib_err_set(ATTRIB_EINPUT, "%s:%zu: bad id", f, line);` reads well. */
int attrib_err_set(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int attrib_err_vset(int err, const char *fmt, va_list ap);

/* Local. The one wording of each file failure, naming the path the user gave:
 * "PATH: cannot open: CAUSE", "PATH: cannot read: CAUSE", "PATH: cannot write: CAUSE"
 * (CAUSE is strerror(errnum); errnum 0 gives no cause). Return ATTRIB_EIO. */
int attrib_err_open(const char *path, int errnum);
int attrib_err_read(const char *path, int errnum);
int attrib_err_write(const char *path, int errnum);
/* Local. "PATH: WHAT: CAUSE" (printf-style cause) with any code. */
int attrib_err_path(int err, const char *path, const char *what, const char *cause_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Local. Replace every occurrence of `from` in the recorded detail by `to` (so that a
 * failure on OUT.tmp is reported as one on OUT, the path the user gave). */
void attrib_err_replace(const char *from, const char *to);

/* Local. The command this process runs ("run"; set once by main), for the few messages
 * printed below the command layer (an abort that ends the job): "attrib: CMD: …".
 * attrib_err_command() gives "" before it is set. */
void attrib_err_set_command(const char *name);
const char *attrib_err_command(void);

/* Local. The last detail recorded (empty string when none). Owned by the library. */
const char *attrib_err_msg(void);

/* Local. Forget the last detail. */
void attrib_err_clear(void);

/* Propagate a failure. In debug builds, with ATTRIB_TRACE=1 in the environment, the
 * file:line of each hop is appended to the detail so a failure can be traced. */
#ifndef NDEBUG
void attrib_err_trace(const char *file, int line);
#define ATTRIB_TRACE() attrib_err_trace(__FILE__, __LINE__)
#else
#define ATTRIB_TRACE() ((void)0)
#endif

#define ATTRIB_TRY(expr)                                                                           \
    do {                                                                                           \
        int attrib_try_rc_ = (expr);                                                               \
        if (attrib_try_rc_ < 0) {                                                                  \
            ATTRIB_TRACE();                                                                        \
            return attrib_try_rc_;                                                                 \
        }                                                                                          \
    } while (0)

/* Jump to a cleanup label with rc set (for functions that own resources). */
#define ATTRIB_TRY_GOTO(rc, expr, label)                                                           \
    do {                                                                                           \
        (rc) = (expr);                                                                             \
        if ((rc) < 0) {                                                                            \
            ATTRIB_TRACE();                                                                        \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)

/* Unrecoverable: print rank-less message with file:line and abort the process.
 * In MPI code use attrib_par_die() instead, which calls MPI_Abort. */
_Noreturn void attrib_die_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define ATTRIB_DIE(...) attrib_die_at(__FILE__, __LINE__, __VA_ARGS__)

/* Checked allocation: dies (out of memory is unrecoverable) instead of returning NULL. */
#include <stddef.h>
void *attrib_xmalloc(size_t n);
void *attrib_xcalloc(size_t n, size_t size);
void *attrib_xrealloc(void *p, size_t n);
char *attrib_xstrdup(const char *s);
/* Allocations of 4 MiB and more are advised for transparent huge pages. Call
 * attrib_malloc_tune() once at process start: it keeps blocks up to 32 MiB on the heap
 * and freed memory in the process, so buffers reused phase after phase are not faulted
 * in again (see err.c). */
void attrib_malloc_tune(void);

#endif

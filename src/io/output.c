/* Atomic outputs (include/attrib/output.h). */
#include "attrib/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrib/err.h"
#include "attrib/outcome.h"

struct attrib_output {
    char *path, *tmp;
};

static int agree(const attrib_par *p, int rc)
{
    return p ? attrib_par_agree(p, rc) : rc;
}

static int is_root(const attrib_par *p)
{
    return !p || p->rank == 0;
}

/* The directory part of `path` ("." when it has none). */
static void dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, size, ".");
    else if (slash == path)
        snprintf(buf, size, "/");
    else
        snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

static int check(const char *path, const char *const *inputs)
{
    if (!*path)
        return attrib_err_set(ATTRIB_EUSAGE, "the output path is empty");
    struct stat st, in;
    const int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode))
        return attrib_err_path(ATTRIB_EUSAGE, path, "is a directory", "%s", "");
    for (size_t i = 0; exists && inputs && inputs[i]; i++)
        if (stat(inputs[i], &in) == 0 && in.st_dev == st.st_dev && in.st_ino == st.st_ino)
            return attrib_err_path(ATTRIB_EUSAGE, path, "is one of the inputs",
                                   "'%s'; write the output elsewhere", inputs[i]);
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    struct stat ds;
    if (stat(dir, &ds) != 0)
        return attrib_err_write(path, errno);
    if (!S_ISDIR(ds.st_mode))
        return attrib_err_write(path, ENOTDIR);
    if (access(dir, W_OK | X_OK) != 0)
        return attrib_err_write(path, errno);
    return 0;
}

int attrib_output_begin(const attrib_par *p, const char *path, const char *const *inputs,
                        attrib_output **out)
{
    *out = NULL;
    int rc = is_root(p) ? check(path, inputs) : 0;
    /* Rank 0 checked: its message goes to every rank as it is, without a rank prefix. */
    rc = p ? attrib_par_outcome_of(p, 0, rc) : rc;
    if (rc)
        return rc;
    attrib_output *o = attrib_xcalloc(1, sizeof *o);
    o->path = strdup(path);
    o->tmp = attrib_xmalloc(strlen(path) + 5);
    if (!o->path)
        ATTRIB_DIE("out of memory");
    sprintf(o->tmp, "%s.tmp", path);
    *out = o;
    return 0;
}

const char *attrib_output_tmp(const attrib_output *o) { return o->tmp; }
const char *attrib_output_path(const attrib_output *o) { return o->path; }

int attrib_output_finish(const attrib_par *p, attrib_output *o, int rc)
{
    rc = agree(p, rc);
    if (!o)
        return rc;
    if (!rc) {
        if (is_root(p) && rename(o->tmp, o->path) != 0)
            rc = attrib_err_write(o->path, errno);
        rc = p ? attrib_par_outcome_of(p, 0, rc) : rc;
    }
    if (rc) {
        if (is_root(p))
            (void)unlink(o->tmp);
        attrib_err_replace(o->tmp, o->path);
    }
    free(o->path);
    free(o->tmp);
    free(o);
    return rc;
}

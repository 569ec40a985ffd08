/* attrib run — the rules phase: rank 0 parses and validates the rules file, every rank
 * receives the parsed form (and the file's text, recorded in the results). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/err.h"
#include "attrib/par_coll.h"
#include "run_impl.h"

/* The whole file as a string, or NULL with errno set. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, got;
    char *buf = attrib_xmalloc(cap);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0)
            buf = attrib_xrealloc(buf, cap *= 2);
    }
    const int bad = ferror(f), err = errno;
    fclose(f);
    if (bad) {
        free(buf);
        errno = err;
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int load_rules(const attrib_par *p, const char *path, attrib_rules **rules, char **text)
{
    void *buf = NULL;
    size_t len = 0;
    uint64_t sizes[2] = {0, 0};
    int rc = 0;
    *text = NULL;
    if (p->rank == 0) {
        attrib_rules *r = NULL;
        rc = attrib_rules_load(path, &r);
        if (rc == 0)
            rc = attrib_rules_pack(r, &buf, &len);
        attrib_rules_free(r);
        if (rc == 0) {
            *text = slurp(path);
            if (!*text)
                rc = attrib_err_read(path, errno);
        }
        if (rc == 0) {
            sizes[0] = len;
            sizes[1] = strlen(*text);
        }
    }
    rc = attrib_par_agree(p, rc);
    if (!rc)
        rc = attrib_par_agree(p, attrib_par_bcast_u64(p, sizes, 2, 0));
    if (rc) {
        free(buf);
        free(*text);
        *text = NULL;
        return rc;
    }
    if (p->rank != 0) {
        buf = attrib_xmalloc(sizes[0] + 1);
        *text = attrib_xmalloc(sizes[1] + 1);
    }
    rc = attrib_par_bcast_bytes(p, buf, (size_t)sizes[0], 0);
    if (!rc)
        rc = attrib_par_bcast_bytes(p, *text, (size_t)sizes[1] + 1, 0);
    if (!rc)
        rc = attrib_rules_unpack(buf, (size_t)sizes[0], rules);
    free(buf);
    return attrib_par_agree(p, rc);
}

int attrib_run_rules(attrib_run *r)
{
    run_test_crash(r->p, "rules");
    ATTRIB_TRY(load_rules(r->p, r->o.rules, &r->rules, &r->rules_text));
    if (r->o.model >= 0)
        attrib_rules_override_model(r->rules, (enum attrib_model)r->o.model);
    return 0;
}

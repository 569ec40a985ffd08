/* Choosing the identity-hash key of an import or gen (include/attrib/import.h). The key
 * itself never reaches a message: only the option, variable or file it came from. */
#include "attrib/import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrib/err.h"
#include "attrib/outcome.h"

int attrib_import_key_file(const char *path, attrib_hash_key *key)
{
    if (!*path)
        return attrib_err_set(ATTRIB_EUSAGE, "the hash key file name is empty");
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return attrib_err_open(path, errno);
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = attrib_err_read(path, errno);
    } else if (!S_ISREG(st.st_mode)) {
        rc = attrib_err_path(ATTRIB_EINPUT, path, "not a regular file",
                             "a hash key file holds 32 hex digits");
    } else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        /* The file is checked, not only its permission to us: a key others can read
         * protects nothing. */
        rc = attrib_err_path(ATTRIB_EINPUT, path, "a hash key file must be private",
                             "its mode %04o lets group or others use it; chmod 600 %s",
                             (unsigned)(st.st_mode & 07777), path);
    } else {
        char buf[128];
        size_t n = 0;
        for (;;) {
            const ssize_t r = read(fd, buf + n, sizeof buf - n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                rc = attrib_err_read(path, errno);
                break;
            }
            if (r == 0 || (n += (size_t)r) == sizeof buf)
                break;
        }
        if (rc == 0 && (n == sizeof buf || attrib_hash_key_parse_text(buf, n, key) != 0))
            rc = attrib_err_path(ATTRIB_EINPUT, path, "not a hash key file",
                                 "want 32 hex digits (128 bits) on one line");
        memset(buf, 0, sizeof buf);
    }
    close(fd);
    return rc;
}

/* Rank 0's choice. */
static int choose_local(const char *hex, const char *file, attrib_hash_key *key,
                        attrib_key_source *source)
{
    if (hex && file)
        return attrib_err_set(ATTRIB_EUSAGE, "give --hash-key or --hash-key-file, not both");
    const char *ehex = getenv("ATTRIB_HASH_KEY"), *efile = getenv("ATTRIB_HASH_KEY_FILE");
    if (ehex && !*ehex)
        ehex = NULL;
    if (efile && !*efile)
        efile = NULL;
    if (!hex && !file && ehex && efile)
        return attrib_err_set(ATTRIB_EUSAGE, "ATTRIB_HASH_KEY and ATTRIB_HASH_KEY_FILE are both "
                                             "set; unset one");
    if (hex) {
        *source = ATTRIB_KEY_OPTION;
        if (attrib_hash_key_parse(hex, key) != 0)
            return attrib_err_set(ATTRIB_EUSAGE, "--hash-key: not a key (want 32 hex digits)");
        return 0;
    }
    if (file) {
        *source = ATTRIB_KEY_FILE;
        return attrib_import_key_file(file, key);
    }
    if (efile) {
        *source = ATTRIB_KEY_ENV_FILE;
        return attrib_import_key_file(efile, key);
    }
    if (ehex) {
        *source = ATTRIB_KEY_ENV;
        if (attrib_hash_key_parse(ehex, key) != 0)
            return attrib_err_set(ATTRIB_EUSAGE,
                                  "ATTRIB_HASH_KEY: not a key (want 32 hex digits)");
        return 0;
    }
    *source = ATTRIB_KEY_DEFAULT;
    attrib_hash_key_default(key);
    return 0;
}

int attrib_import_key_choose(const attrib_par *p, const char *hex, const char *file,
                             attrib_hash_key *key, attrib_key_source *source)
{
    uint64_t buf[3] = {0, 0, 0};
    int rc = 0;
    if (p->rank == 0) {
        attrib_hash_key k = {0, 0};
        attrib_key_source s = ATTRIB_KEY_DEFAULT;
        rc = choose_local(hex, file, &k, &s);
        buf[0] = k.k0;
        buf[1] = k.k1;
        buf[2] = (uint64_t)s;
    }
    rc = attrib_par_outcome_of(p, 0, rc); /* rank 0 alone decided: no rank in the message */
    if (rc == 0 && p->size > 1 && MPI_Bcast(buf, 3, MPI_UINT64_T, 0, p->comm) != MPI_SUCCESS)
        attrib_par_die(p, "MPI_Bcast of the hash key failed");
    key->k0 = buf[0];
    key->k1 = buf[1];
    *source = (attrib_key_source)buf[2];
    memset(buf, 0, sizeof buf);
    return rc;
}

/* The command framework (src/cmd/cli.h): option parsing, value parsers, failure
 * reporting. Local functions; no MPI call here (attrib_cmd_fail reads the rank from the
 * context). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/csv.h"
#include "attrib/err.h"
#include "attrib/rules.h"
#include "attrib/timeparse.h"

int attrib_cmd_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int attrib_cmd_fail(const attrib_cmd_ctx *ctx, int rc, int all)
{
    if (rc >= 0)
        return rc == 0 ? 0 : attrib_err_exit_code(rc);
    const int rank = ctx->par ? ctx->par->rank : 0;
    if (all || rank == 0) {
        const char *m = attrib_err_msg();
        if (!*m)
            m = attrib_strerror(rc);
        /* Library messages do not name the command; tolerate one that does. */
        const size_t nl = strlen(ctx->name);
        if (strncmp(m, ctx->name, nl) == 0 && m[nl] == ':' && m[nl + 1] == ' ')
            m += nl + 2;
        if (rc == ATTRIB_EUSAGE && !strstr(m, "--help"))
            fprintf(stderr, "attrib: %s: %s. See 'attrib %s --help'.\n", ctx->name, m, ctx->name);
        else
            fprintf(stderr, "attrib: %s: %s\n", ctx->name, m);
    }
    return attrib_err_exit_code(rc);
}

void attrib_args_init(attrib_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->argc = argc;
    a->argv = argv;
    a->i = 1;
}

static const attrib_opt *find_long(const attrib_opt *opts, const char *name, size_t len)
{
    for (const attrib_opt *o = opts; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const attrib_opt *find_letter(const attrib_opt *opts, char c)
{
    for (const attrib_opt *o = opts; o->name; o++)
        if (o->letter && o->letter == c)
            return o;
    return NULL;
}

/* A short option from a cluster: "-qc FILE", "-cFILE", "-q". */
static int next_short(attrib_args *a, const attrib_opt *opts)
{
    const char c = *a->cluster++;
    snprintf(a->opt, sizeof a->opt, "-%c", c);
    if (c == 'h')
        return a->cluster = NULL, ATTRIB_ARGS_HELP;
    const attrib_opt *o = find_letter(opts, c);
    if (!o) {
        a->cluster = NULL;
        return attrib_err_set(ATTRIB_EUSAGE, "unknown option '-%c'", c);
    }
    if (!o->has_arg) {
        if (!*a->cluster)
            a->cluster = NULL;
        return o->id;
    }
    if (*a->cluster) {
        a->val = a->cluster;
    } else if (a->i < a->argc) {
        a->val = a->argv[a->i++];
    } else {
        a->cluster = NULL;
        return attrib_err_set(ATTRIB_EUSAGE, "option '-%c' needs a value", c);
    }
    a->cluster = NULL;
    return o->id;
}

int attrib_args_next(attrib_args *a, const attrib_opt *opts)
{
    a->val = NULL;
    if (a->cluster && *a->cluster)
        return next_short(a, opts);
    a->cluster = NULL;
    if (a->i >= a->argc)
        return ATTRIB_ARGS_END;
    const char *arg = a->argv[a->i++];
    if (a->only_pos || arg[0] != '-' || arg[1] == '\0') { /* "-" alone is a positional (stdin) */
        a->val = arg;
        snprintf(a->opt, sizeof a->opt, "%s", "argument");
        return ATTRIB_ARGS_POS;
    }
    if (strcmp(arg, "--") == 0) {
        a->only_pos = 1;
        return attrib_args_next(a, opts);
    }
    if (arg[1] != '-') {
        a->cluster = arg + 1;
        return next_short(a, opts);
    }
    const char *name = arg + 2, *eq = strchr(name, '=');
    const size_t len = eq ? (size_t)(eq - name) : strlen(name);
    snprintf(a->opt, sizeof a->opt, "--%.*s", (int)(len < 60 ? len : 60), name);
    if (len == 4 && strncmp(name, "help", 4) == 0 && !eq)
        return ATTRIB_ARGS_HELP;
    const attrib_opt *o = find_long(opts, name, len);
    if (!o)
        return attrib_err_set(ATTRIB_EUSAGE, "unknown option '%s'", a->opt);
    if (!o->has_arg) {
        if (eq)
            return attrib_err_set(ATTRIB_EUSAGE, "option '%s' takes no value", a->opt);
        return o->id;
    }
    if (eq) {
        a->val = eq + 1;
    } else if (a->i < a->argc) {
        a->val = a->argv[a->i++];
    } else {
        return attrib_err_set(ATTRIB_EUSAGE, "option '%s' needs a value", a->opt);
    }
    return o->id;
}

int attrib_args_u64(const attrib_args *a, uint64_t max, uint64_t *out)
{
    /* The same strict decimal as every id in a CSV row (no sign, no spaces, no overflow). */
    const char *s = a->val ? a->val : "";
    uint64_t v = 0;
    if (attrib_csv_parse_u64(s, strlen(s), &v) != 0 || v > max)
        return attrib_err_set(ATTRIB_EUSAGE, "%s: '%s' is not an integer from 0 to %llu", a->opt,
                              s, (unsigned long long)max);
    *out = v;
    return 0;
}

int attrib_args_double(const attrib_args *a, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    const double v = a->val && *a->val ? strtod(a->val, &end) : NAN;
    if (!a->val || !*a->val || *end || errno == ERANGE || !isfinite(v) || v < lo || v > hi)
        return attrib_err_set(ATTRIB_EUSAGE, "%s: '%s' is not a number from %g to %g", a->opt,
                              a->val ? a->val : "", lo, hi);
    *out = v;
    return 0;
}

int attrib_args_max_component(const attrib_args *a, uint64_t *out)
{
    ATTRIB_TRY(attrib_args_u64(a, UINT64_MAX, out));
    if (*out < 1)
        return attrib_err_set(ATTRIB_EUSAGE, "%s: must be at least 1 (a component has at least 2 "
                              "identities, so 1 merges none)", a->opt);
    return 0;
}

int attrib_args_size(const attrib_args *a, uint64_t *out)
{
    char *end;
    const char *s = a->val ? a->val : "";
    const double v = *s ? strtod(s, &end) : NAN;
    double mult = 1;
    if (*s) {
        switch (*end) {
        case 'k': case 'K': mult = 1024.0; end++; break;
        case 'm': case 'M': mult = 1048576.0; end++; break;
        case 'g': case 'G': mult = 1073741824.0; end++; break;
        case 't': case 'T': mult = 1099511627776.0; end++; break;
        default: break;
        }
        if (*end == 'i' && end[1] == 'B')
            end += 2;
        else if (*end == 'B')
            end++;
    }
    if (!*s || *end || !(v > 0) || v * mult > 1e18)
        return attrib_err_set(ATTRIB_EUSAGE, "%s: '%s' is not a size (want e.g. 512M, 4G)", a->opt, s);
    *out = (uint64_t)(v * mult);
    return 0;
}

int attrib_args_time(const attrib_args *a, int64_t *out)
{
    const char *s = a->val ? a->val : "";
    int64_t v;
    if (attrib_time_parse(s, strlen(s), &v) != 0 || v < ATTRIB_TIME_MIN_MS || v > ATTRIB_TIME_MAX_MS)
        return attrib_err_set(ATTRIB_EUSAGE,
                              "%s: '%s' is not a date (want YYYY-MM-DD, integer milliseconds or "
                              "ISO 8601 with a zone)", a->opt, s);
    /* An integer that looks like epoch seconds is not taken for milliseconds in silence. */
    const char *d = s + (*s == '-');
    if (*d && strspn(d, "0123456789") == strlen(d) && v >= ATTRIB_TIME_SECONDS_LO &&
        v <= ATTRIB_TIME_SECONDS_HI)
        return attrib_err_set(ATTRIB_EUSAGE,
                              "%s: '%s' looks like epoch seconds; give milliseconds (%s000) or a "
                              "date", a->opt, s, s);
    *out = v;
    return 0;
}

static void join_names(const char *const *names, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i] && n + 1 < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", names[i]);
}

int attrib_args_model(const attrib_args *a, int *out)
{
    const int m = a->val ? attrib_model_parse(a->val) : -1;
    if (m < 0) {
        char list[512];
        join_names(attrib_model_names, list, sizeof list);
        return attrib_err_set(ATTRIB_EUSAGE, "%s: unknown model '%s' (valid: %s)", a->opt,
                              a->val ? a->val : "", list);
    }
    *out = m;
    return 0;
}

int attrib_args_choice(const attrib_args *a, const char *const *choices, int *out)
{
    for (int i = 0; choices[i]; i++)
        if (a->val && strcmp(a->val, choices[i]) == 0) {
            *out = i;
            return 0;
        }
    char list[512];
    join_names(choices, list, sizeof list);
    return attrib_err_set(ATTRIB_EUSAGE, "%s: '%s' is not one of %s", a->opt, a->val ? a->val : "",
                          list);
}

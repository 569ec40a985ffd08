/* The command framework (src/cmd/cli.c): option forms, common options, value parsers and
 * their messages, the failure printer's format. No MPI. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "attrib/err.h"
#include "attrib/rules.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s (msg: %s)\n", __FILE__, __LINE__, #c,        \
                    attrib_err_msg());                                                             \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

enum { OPT_LEVEL = ATTRIB_OPT_ID_USER, OPT_PLAN };
static const attrib_opt opts[] = {ATTRIB_OPT_RULES, ATTRIB_OPT_INPUT, ATTRIB_OPT_OUTPUT,
                                  ATTRIB_OPT_FROM,  ATTRIB_OPT_QUIET, ATTRIB_OPT_MODEL,
                                  {"level", 0, 1, OPT_LEVEL}, {"plan", 0, 0, OPT_PLAN},
                                  ATTRIB_OPT_END};

/* Parse `args` (NULL-terminated, args[0] the command) and write "id=value" items. */
static int parse(const char *const *args, char *out, size_t size)
{
    char *argv[32];
    int argc = 0;
    while (args[argc]) {
        argv[argc] = (char *)args[argc];
        argc++;
    }
    attrib_args a;
    attrib_args_init(&a, argc, argv);
    out[0] = '\0';
    int id;
    while ((id = attrib_args_next(&a, opts)) != ATTRIB_ARGS_END) {
        if (id < 0 && id != ATTRIB_ARGS_POS && id != ATTRIB_ARGS_HELP)
            return id;
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%d=%s", n ? " " : "", id, a.val ? a.val : "");
    }
    return 0;
}

static int expect(const char *const *args, const char *want)
{
    char got[512];
    int rc = parse(args, got, sizeof got);
    if (rc != 0 || strcmp(got, want) != 0) {
        fprintf(stderr, "parse: got '%s' (rc %d, %s), want '%s'\n", got, rc, attrib_err_msg(), want);
        return 1;
    }
    return 0;
}

static int expect_error(const char *const *args, const char *msg)
{
    char got[512];
    int rc = parse(args, got, sizeof got);
    if (rc != ATTRIB_EUSAGE || strcmp(attrib_err_msg(), msg) != 0) {
        fprintf(stderr, "parse: rc %d, message '%s', want '%s'\n", rc, attrib_err_msg(), msg);
        return 1;
    }
    return 0;
}

static attrib_args value(const char *opt, const char *val)
{
    attrib_args a;
    memset(&a, 0, sizeof a);
    snprintf(a.opt, sizeof a.opt, "%s", opt);
    a.val = val;
    return a;
}

int main(void)
{
    char want[256];
    /* Every value form means the same. */
    snprintf(want, sizeof want, "%d=r.cfg %d=in.h5 %d=out.h5 %d=2026-10-01", 'c', 'i', 'o',
             ATTRIB_OPT_ID_FROM);
    CHECK(!expect((const char *const[]){"run", "-c", "r.cfg", "-i", "in.h5", "-o", "out.h5",
                                        "--from", "2026-10-01", NULL}, want));
    CHECK(!expect((const char *const[]){"run", "--rules=r.cfg", "--input", "in.h5", "-oout.h5",
                                        "--from=2026-10-01", NULL}, want));
    /* Clustered flags with a value at the end; "--" ends the options; "-" is positional. */
    snprintf(want, sizeof want, "%d= %d=r.cfg %d=-x %d=-", 'q', 'c', ATTRIB_ARGS_POS, ATTRIB_ARGS_POS);
    CHECK(!expect((const char *const[]){"run", "-qc", "r.cfg", "--", "-x", "-", NULL}, want));
    /* An empty value after '=' is a value. */
    snprintf(want, sizeof want, "%d=", OPT_LEVEL);
    CHECK(!expect((const char *const[]){"run", "--level=", NULL}, want));
    /* --help and -h anywhere. */
    snprintf(want, sizeof want, "%d= %d=", ATTRIB_ARGS_HELP, ATTRIB_ARGS_HELP);
    CHECK(!expect((const char *const[]){"run", "--help", "-h", NULL}, want));
    /* Errors. */
    CHECK(!expect_error((const char *const[]){"run", "--bogus", NULL}, "unknown option '--bogus'"));
    CHECK(!expect_error((const char *const[]){"run", "-z", NULL}, "unknown option '-z'"));
    CHECK(!expect_error((const char *const[]){"run", "--model", NULL},
                        "option '--model' needs a value"));
    CHECK(!expect_error((const char *const[]){"run", "-c", NULL}, "option '-c' needs a value"));
    CHECK(!expect_error((const char *const[]){"run", "--plan=1", NULL},
                        "option '--plan' takes no value"));

    /* Integers: no sign, no junk, no overflow, within the bound. */
    uint64_t u = 0;
    attrib_args a = value("--conversion", "18446744073709551615");
    CHECK(attrib_args_u64(&a, UINT64_MAX, &u) == 0 && u == UINT64_MAX);
    a = value("--conversion", "18446744073709551616");
    CHECK(attrib_args_u64(&a, UINT64_MAX, &u) == ATTRIB_EUSAGE);
    CHECK(strcmp(attrib_err_msg(), "--conversion: '18446744073709551616' is not an integer from 0 "
                                   "to 18446744073709551615") == 0);
    const char *bad_ints[] = {"", "-1", "+1", "1e3", "12x", " 1", NULL};
    for (int i = 0; bad_ints[i]; i++) {
        a = value("--level", bad_ints[i]);
        CHECK(attrib_args_u64(&a, 22, &u) == ATTRIB_EUSAGE);
    }
    a = value("--level", "23");
    CHECK(attrib_args_u64(&a, 22, &u) == ATTRIB_EUSAGE);
    a = value("--level", "22");
    CHECK(attrib_args_u64(&a, 22, &u) == 0 && u == 22);

    /* Numbers. */
    double d;
    a = value("--tolerance", "0.001");
    CHECK(attrib_args_double(&a, 0, 1e300, &d) == 0 && d == 0.001);
    a = value("--tolerance", "nan");
    CHECK(attrib_args_double(&a, 0, 1e300, &d) == ATTRIB_EUSAGE);
    a = value("--tolerance", "-1");
    CHECK(attrib_args_double(&a, 0, 1e300, &d) == ATTRIB_EUSAGE);

    /* Sizes. */
    a = value("--memory-per-rank", "512M");
    CHECK(attrib_args_size(&a, &u) == 0 && u == 512ull << 20);
    a = value("--memory-per-rank", "4GiB");
    CHECK(attrib_args_size(&a, &u) == 0 && u == 4ull << 30);
    a = value("--memory-per-rank", "4X");
    CHECK(attrib_args_size(&a, &u) == ATTRIB_EUSAGE);
    a = value("--memory-per-rank", "0");
    CHECK(attrib_args_size(&a, &u) == ATTRIB_EUSAGE);

    /* Dates: a date is midnight UTC; integer ms are taken; integers that look like epoch
     * seconds are refused, never read as ms in silence. */
    int64_t t = 0;
    a = value("--from", "2026-10-01");
    CHECK(attrib_args_time(&a, &t) == 0 && t == INT64_C(1790812800000));
    a = value("--from", "1790812800000");
    CHECK(attrib_args_time(&a, &t) == 0 && t == INT64_C(1790812800000));
    a = value("--from", "1791285045");
    CHECK(attrib_args_time(&a, &t) == ATTRIB_EUSAGE);
    CHECK(strstr(attrib_err_msg(), "looks like epoch seconds") != NULL);
    a = value("--from", "2026-10-01T00:00:00");
    CHECK(attrib_args_time(&a, &t) == ATTRIB_EUSAGE);
    a = value("--from", "0");
    CHECK(attrib_args_time(&a, &t) == 0 && t == 0);

    /* Models: an unknown one lists every valid name. */
    int m = -1;
    a = value("--model", "linear");
    CHECK(attrib_args_model(&a, &m) == 0 && m == ATTRIB_MODEL_LINEAR);
    a = value("--model", "lastclick");
    CHECK(attrib_args_model(&a, &m) == ATTRIB_EUSAGE);
    CHECK(strncmp(attrib_err_msg(), "--model: unknown model 'lastclick' (valid: last_touch, ", 55) == 0);
    for (int i = 0; attrib_model_names[i]; i++)
        CHECK(strstr(attrib_err_msg(), attrib_model_names[i]) != NULL);

    /* Choices. */
    static const char *const fmts[] = {"text", "csv", "json", "html", NULL};
    a = value("--format", "json");
    CHECK(attrib_args_choice(&a, fmts, &m) == 0 && m == 2);
    a = value("--format", "xml");
    CHECK(attrib_args_choice(&a, fmts, &m) == ATTRIB_EUSAGE);
    CHECK(strcmp(attrib_err_msg(), "--format: 'xml' is not one of text, csv, json, html") == 0);

    /* The failure printer's exit codes (it prints to stderr; the format is checked by the
     * e2e tests that read the messages). */
    const attrib_cmd_ctx ctx = {.name = "run", .par = NULL};
    attrib_err_set(ATTRIB_EINPUT, "in.h5: bad");
    CHECK(attrib_cmd_fail(&ctx, ATTRIB_EINPUT, 0) == 2);
    attrib_err_set(ATTRIB_ENEGATIVE, "differ");
    CHECK(attrib_cmd_fail(&ctx, ATTRIB_ENEGATIVE, 0) == 1);
    CHECK(attrib_cmd_fail(&ctx, 0, 0) == 0);
    attrib_err_set(ATTRIB_EMPI, "x");
    CHECK(attrib_cmd_fail(&ctx, ATTRIB_EMPI, 0) == 3);

    /* The message of a failure on X.tmp names X. */
    attrib_err_set(ATTRIB_EIO, "out.h5.tmp: cannot write: No space left on device");
    attrib_err_replace("out.h5.tmp", "out.h5");
    CHECK(strcmp(attrib_err_msg(), "out.h5: cannot write: No space left on device") == 0);

    printf("test_cli: ok\n");
    return 0;
}

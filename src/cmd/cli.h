/* attrib — the command framework (private to src/cmd and the tests of commands): the
 * table of commands, one option parser for every command, the common options, value
 * parsers with one wording of their errors, and one way of reporting a failure.
 *
 * Options: `--name=value`, `--name value`, `-x value` and `-xvalue` are accepted for
 * every option that takes a value; `--` ends the options. The common options have the
 * same letter, name and meaning in every command that has them (ATTRIB_OPT_RULES …).
 *
 * Messages: a command's failure is printed once, from rank 0, as
 *   attrib: CMD: MESSAGE
 * where MESSAGE is attrib_err_msg(); library messages therefore never name the command
 * and, for files, read "PATH: what: cause" with the path the user gave.
 */
#ifndef ATTRIB_CLI_H
#define ATTRIB_CLI_H

#include <stdint.h>

#include "attrib/par.h"

/* ---- Commands ---- */

/* The command needs MPI: main() initialises it (after --help has been answered) and
 * passes the world context. Without the flag the command runs without MPI (ctx->par is
 * NULL) and must not call MPI or open files on an MPI communicator. */
#define ATTRIB_CMD_MPI 1u

typedef struct attrib_cmd_ctx {
    const char *name; /* "run" */
    attrib_par *par;  /* MPI_COMM_WORLD context; NULL for commands without MPI */
} attrib_cmd_ctx;

typedef struct attrib_command {
    const char *name;
    int (*run)(const attrib_cmd_ctx *ctx, int argc, char **argv); /* argv[0] = name; exit code */
    const char *summary; /* one line for `attrib --help` */
    const char *usage;   /* the whole `attrib NAME --help` text */
    unsigned flags;      /* ATTRIB_CMD_* */
} attrib_command;

/* Local. The command table (one static array in main.c's unit, src/cmd/commands.c). */
extern const attrib_command attrib_commands[];
extern const unsigned attrib_ncommands;

/* Local. Print "attrib: CMD: <message>" on stderr (from rank 0 only, unless `all`),
 * where message is attrib_err_msg() (or attrib_strerror(rc) when empty); a usage error
 * gets " See 'attrib CMD --help'." appended. Returns the exit code of rc (0 for rc 0,
 * without printing). Safe with ctx->par NULL. */
int attrib_cmd_fail(const attrib_cmd_ctx *ctx, int rc, int all);

/* Is the argument "--help" or "-h"? */
int attrib_cmd_is_help(const char *arg);

/* ---- Options ---- */

typedef struct attrib_opt {
    const char *name; /* long name without "--" */
    char letter;      /* short option letter, 0 when none */
    int has_arg;      /* 1: takes a value */
    int id;           /* > 0, what attrib_args_next returns for it */
} attrib_opt;

/* Ids of the common options (command-specific ids should start at ATTRIB_OPT_ID_USER). */
enum {
    ATTRIB_OPT_ID_RULES = 'c',
    ATTRIB_OPT_ID_INPUT = 'i',
    ATTRIB_OPT_ID_OUTPUT = 'o',
    ATTRIB_OPT_ID_QUIET = 'q',
    ATTRIB_OPT_ID_FROM = 256,
    ATTRIB_OPT_ID_TO,
    ATTRIB_OPT_ID_MODEL,
    ATTRIB_OPT_ID_JSON,
    ATTRIB_OPT_ID_USER = 512,
};

/* The common options: -c/--rules FILE, -i/--input FILE, -o/--output FILE,
 * --from DATE, --to DATE, --model M, -q/--quiet, --json. */
#define ATTRIB_OPT_RULES {"rules", 'c', 1, ATTRIB_OPT_ID_RULES}
#define ATTRIB_OPT_INPUT {"input", 'i', 1, ATTRIB_OPT_ID_INPUT}
#define ATTRIB_OPT_OUTPUT {"output", 'o', 1, ATTRIB_OPT_ID_OUTPUT}
#define ATTRIB_OPT_QUIET {"quiet", 'q', 0, ATTRIB_OPT_ID_QUIET}
#define ATTRIB_OPT_FROM {"from", 0, 1, ATTRIB_OPT_ID_FROM}
#define ATTRIB_OPT_TO {"to", 0, 1, ATTRIB_OPT_ID_TO}
#define ATTRIB_OPT_MODEL {"model", 0, 1, ATTRIB_OPT_ID_MODEL}
#define ATTRIB_OPT_JSON {"json", 0, 0, ATTRIB_OPT_ID_JSON}
#define ATTRIB_OPT_END {0, 0, 0, 0}

/* What attrib_args_next returns besides an option id. */
enum {
    ATTRIB_ARGS_END = 0,   /* no more arguments */
    ATTRIB_ARGS_POS = -100, /* a positional argument, in a->val */
    ATTRIB_ARGS_HELP = -101 /* --help or -h */
};

typedef struct attrib_args {
    int argc;
    char **argv;
    int i;            /* next argument to look at */
    int only_pos;     /* after "--" */
    const char *val;  /* the value of the option just returned, or the positional argument */
    char opt[64];     /* the option as the user named it ("--from", "-c"), for messages */
    char letter_buf[3];
    const char *cluster; /* rest of a short-option cluster ("-qv") */
} attrib_args;

/* Local. Start parsing argv[1..argc-1] (argv[0] is the command name). */
void attrib_args_init(attrib_args *a, int argc, char **argv);

/* Local. The next option's id (its value in a->val when it takes one), ATTRIB_ARGS_POS,
 * ATTRIB_ARGS_HELP, ATTRIB_ARGS_END, or a negative attrib_err (ATTRIB_EUSAGE: unknown
 * option, missing value, a value given to a flag) with the message set. `opts` ends
 * with ATTRIB_OPT_END. */
int attrib_args_next(attrib_args *a, const attrib_opt *opts);

/* Local value parsers for the option just returned (a->val, named a->opt in errors).
 * Each returns 0 or ATTRIB_EUSAGE with "OPT: MESSAGE" set. */
/* A decimal integer in [0, max] (no sign, no overflow: "--conversion: '1e3' is not an
 * integer from 0 to 18446744073709551615"). */
int attrib_args_u64(const attrib_args *a, uint64_t max, uint64_t *out);
/* A finite number in [lo, hi]. */
int attrib_args_double(const attrib_args *a, double lo, double hi, double *out);
/* A size in bytes: 512M, 4G, 1.5T, 4096 (k, M, G, T; optional "iB"/"B"). */
int attrib_args_size(const attrib_args *a, uint64_t *out);
/* A date or timestamp: YYYY-MM-DD (midnight UTC), integer ms, or ISO 8601 with a zone. */
int attrib_args_time(const attrib_args *a, int64_t *out);
/* --max-component N: the largest linked component merged into one person, at least 1
 * (a component has at least 2 identities, so 1 merges none). */
int attrib_args_max_component(const attrib_args *a, uint64_t *out);
/* A model name (enum attrib_model); an unknown one lists the valid names. */
int attrib_args_model(const attrib_args *a, int *out);
/* One of `choices` (NULL-terminated); *out is its index. The error lists them. */
int attrib_args_choice(const attrib_args *a, const char *const *choices, int *out);

#endif

/* attrib — subcommands. Each takes (argc, argv) with argv[0] the subcommand name and
 * returns a process exit code (SPEC 6: 0 ok, 1 negative answer, 2 usage/bad input,
 * 3 internal or MPI failure). MPI is initialised by main() before any command runs;
 * commands use MPI_COMM_WORLD (only cmd names it) and must return on every rank. */
#ifndef ATTRIB_CMD_H
#define ATTRIB_CMD_H

#include <stdio.h>

typedef struct attrib_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} attrib_command;

int attrib_cmd_import(int argc, char **argv);
int attrib_cmd_run(int argc, char **argv);
int attrib_cmd_report(int argc, char **argv);
int attrib_cmd_explain(int argc, char **argv);
int attrib_cmd_reconcile(int argc, char **argv);
int attrib_cmd_export(int argc, char **argv);
int attrib_cmd_gen(int argc, char **argv);
int attrib_cmd_check(int argc, char **argv);

/* Print "attrib: <msg>" on stderr from rank 0 (every rank when `all`), where msg is
 * attrib_err_msg() after a failure `rc`, and return the exit code of rc. */
int attrib_cmd_fail(int rc, int all);

/* Is the argument "--help" or "-h"? */
int attrib_cmd_is_help(const char *arg);

#endif

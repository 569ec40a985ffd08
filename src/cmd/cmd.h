/* attrib — the subcommands (private to src/cmd and the tests of commands). Each takes
 * (ctx, argc, argv) with argv[0] the subcommand name and returns the process exit code
 * (0 ok, 1 negative answer, 2 usage or bad input, 3 internal or MPI failure). main()
 * answers --help from the command table before anything starts, and initialises MPI only
 * for commands flagged ATTRIB_CMD_MPI; those must return on every rank. */
#ifndef ATTRIB_CMD_H
#define ATTRIB_CMD_H

#include "cli.h"

int attrib_cmd_import(const attrib_cmd_ctx *ctx, int argc, char **argv);
int attrib_cmd_run(const attrib_cmd_ctx *ctx, int argc, char **argv);
int attrib_cmd_report(const attrib_cmd_ctx *ctx, int argc, char **argv);
int attrib_cmd_explain(const attrib_cmd_ctx *ctx, int argc, char **argv);
int attrib_cmd_reconcile(const attrib_cmd_ctx *ctx, int argc, char **argv);
int attrib_cmd_export(const attrib_cmd_ctx *ctx, int argc, char **argv);
int attrib_cmd_gen(const attrib_cmd_ctx *ctx, int argc, char **argv);
int attrib_cmd_check(const attrib_cmd_ctx *ctx, int argc, char **argv);
int attrib_cmd_fit(const attrib_cmd_ctx *ctx, int argc, char **argv);

/* The `attrib NAME --help` texts, beginning with the synopsis ("usage: attrib NAME …"). */
extern const char attrib_usage_import[], attrib_usage_run[], attrib_usage_report[],
    attrib_usage_explain[], attrib_usage_reconcile[], attrib_usage_export[], attrib_usage_gen[],
    attrib_usage_check[];
extern const char attrib_usage_fit[];


#endif

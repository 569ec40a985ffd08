/* The table of subcommands (git's manner): name, entry, summary, --help text, whether
 * it needs MPI. `--help` is answered from here before anything starts. */
#include "cmd.h"

const attrib_command attrib_commands[] = {
    {"import", attrib_cmd_import, "read CSV drops into one columnar HDF5 input file",
     attrib_usage_import, ATTRIB_CMD_MPI},
    {"run", attrib_cmd_run, "attribute conversions to touches and write results + reports",
     attrib_usage_run, ATTRIB_CMD_MPI},
    {"report", attrib_cmd_report, "print the reports of a results file (text, csv, json, html)",
     attrib_usage_report, 0},
    {"explain", attrib_cmd_explain, "show why a conversion was credited where it was",
     attrib_usage_explain, ATTRIB_CMD_MPI},
    {"reconcile", attrib_cmd_reconcile, "compare two results files or campaign reports",
     attrib_usage_reconcile, 0},
    {"export", attrib_cmd_export, "write a table of an attrib HDF5 file as CSV",
     attrib_usage_export, 0},
    {"gen", attrib_cmd_gen, "generate realistic synthetic data", attrib_usage_gen, ATTRIB_CMD_MPI},
    {"fit", attrib_cmd_fit, "fit Markov, Shapley and heuristic models on a table of paths",
     attrib_usage_fit, 0},
    {"check", attrib_cmd_check, "validate a rules file and print the resolved rules",
     attrib_usage_check, 0},
};
const unsigned attrib_ncommands = sizeof attrib_commands / sizeof attrib_commands[0];

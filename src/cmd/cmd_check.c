/* attrib check — validate a rules file and print the rules as resolved (SPEC 6).
 * A single-process command: under a launcher every rank validates (it is cheap) so all
 * return the same code, and only rank 0 prints. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "attrib/cmd.h"
#include "attrib/err.h"
#include "attrib/rules.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: attrib check -c RULES.cfg [--json]\n"
            "\n"
            "Validate an attribution rules file (libconfig syntax, SPEC 3) and print the rules\n"
            "as resolved: the defaults, each advertiser's versions and each campaign's\n"
            "versions with their effective periods and resolved lookbacks.\n"
            "\n"
            "options:\n"
            "  -c, --config FILE  the rules file to check\n"
            "      --json         print the resolved rules as one JSON object\n"
            "  -h, --help         this text\n"
            "\n"
            "Keys: model (last_touch, first_touch, linear, time_decay, position_based,\n"
            "u_shaped, j_curve, inverse_j), engagement_priority (true/false), lookback =\n"
            "{ impression; engagement; nurture } as \"<integer><ms|s|m|h|d>\" or \"off\",\n"
            "conversion_types (list of strings, [] = all), time_decay = { half_life },\n"
            "position_based = { first; last } in [0, 1] with first + last <= 1. The presets\n"
            "u_shaped (0.4/0.4), j_curve (0.2/0.6) and inverse_j (0.6/0.2) use their own\n"
            "weights. Advertiser and campaign entries take an id and an optional\n"
            "effective_from (ISO 8601 or integer ms); model, engagement_priority, time_decay\n"
            "and position_based are per advertiser and refused in a campaign entry.\n"
            "\n"
            "Built-in defaults, for every key the file's defaults block does not give (or\n"
            "when it has none):\n"
            "  model = \"last_touch\"; engagement_priority = true;\n"
            "  lookback = { engagement = \"30d\"; impression = \"1d\"; nurture = \"7d\"; };\n"
            "  conversion_types = [];  (all types)\n"
            "  time_decay = { half_life = \"7d\"; };\n"
            "  position_based = { first = 0.4; last = 0.4; };\n"
            "\n"
            "In the text output, * marks a key set at that level; campaign values are shown\n"
            "over the defaults, as the campaign's advertiser needs the input's catalog.\n"
            "\n"
            "Exit codes: 0 the rules are valid, 2 usage error or invalid rules (the message\n"
            "names the file, line and key), 3 internal failure.\n");
}

int attrib_cmd_check(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (attrib_cmd_is_help(a)) {
            if (rank == 0)
                usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= argc) {
                if (rank == 0)
                    fprintf(stderr, "attrib: check: %s needs a file\n", a);
                return 2;
            }
            path = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            path = a + 9;
        } else {
            if (rank == 0)
                fprintf(stderr, "attrib: check: unknown argument '%s'. See 'attrib check "
                                "--help'.\n", a);
            return 2;
        }
    }
    if (!path) {
        if (rank == 0)
            fprintf(stderr, "attrib: check: no rules file (-c RULES.cfg). See 'attrib check "
                            "--help'.\n");
        return 2;
    }
    attrib_rules *r = NULL;
    int rc = attrib_rules_load(path, &r);
    if (rc < 0) {
        if (rank == 0) {
            const char *m = attrib_err_msg();
            fprintf(stderr, "attrib: check: %s\n", *m ? m : attrib_strerror(rc));
        }
        return attrib_err_exit_code(rc);
    }
    if (rank == 0) {
        if (json)
            attrib_rules_print_json(r, stdout);
        else
            attrib_rules_print(r, stdout);
    }
    attrib_rules_free(r);
    return 0;
}

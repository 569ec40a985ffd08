/* attrib check — validate a rules file and print the rules as resolved. A command
 * without MPI: one process, nothing distributed. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "attrib/err.h"
#include "attrib/rules.h"

const char attrib_usage_check[] =

            "usage: attrib check -c RULES.cfg [--json]\n"
            "\n"
            "Validate an attribution rules file (libconfig syntax, docs/rules.md) and print the rules\n"
            "as resolved: the defaults, each advertiser's versions and each campaign's\n"
            "versions with their effective periods and resolved lookbacks.\n"
            "\n"
            "options:\n"
            "  -c, --rules FILE   the rules file to check (--config is the same)\n"
            "      --json         print the resolved rules as one JSON object\n"
            "  -h, --help         this text\n"
            "\n"
            "Keys: model (last_touch, first_touch, linear, time_decay, position_based,\n"
            "u_shaped, j_curve, inverse_j, markov, shapley), engagement_priority (true/false),\n"
            "lookback =\n"
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
            "  markov = { order = 1; };  (1..4, per advertiser, the same in all its versions)\n"
            "\n"
            "In the text output, * marks a key set at that level; campaign values are shown\n"
            "over the defaults, as the campaign's advertiser needs the input's catalog.\n"
            "\n"
            "Exit codes: 0 the rules are valid, 2 usage error or invalid rules (the message\n"
            "names the file, line and key), 3 internal failure.\n";

static const attrib_opt options[] = {
    ATTRIB_OPT_RULES, {"config", 0, 1, ATTRIB_OPT_ID_RULES}, ATTRIB_OPT_JSON, ATTRIB_OPT_END};

int attrib_cmd_check(const attrib_cmd_ctx *ctx, int argc, char **argv)
{
    const char *path = NULL;
    int json = 0, id;
    attrib_args a;
    attrib_args_init(&a, argc, argv);
    while ((id = attrib_args_next(&a, options)) != ATTRIB_ARGS_END) {
        switch (id) {
        case ATTRIB_ARGS_HELP: fputs(attrib_usage_check, stdout); return 0;
        case ATTRIB_OPT_ID_RULES: path = a.val; break;
        case ATTRIB_OPT_ID_JSON: json = 1; break;
        case ATTRIB_ARGS_POS:
            return attrib_cmd_fail(ctx, attrib_err_set(ATTRIB_EUSAGE, "unexpected argument '%s'", a.val), 0);
        default: return attrib_cmd_fail(ctx, id, 0);
        }
    }
    if (!path)
        return attrib_cmd_fail(ctx, attrib_err_set(ATTRIB_EUSAGE, "no rules file (-c RULES.cfg)"), 0);
    attrib_rules *r = NULL;
    int rc = attrib_rules_load(path, &r);
    if (rc < 0)
        return attrib_cmd_fail(ctx, rc, 0);
    if (json)
        attrib_rules_print_json(r, stdout);
    else
        attrib_rules_print(r, stdout);
    attrib_rules_free(r);
    return fflush(stdout) == 0 ? 0 : attrib_cmd_fail(ctx, attrib_err_write("standard output", 0), 0);
}

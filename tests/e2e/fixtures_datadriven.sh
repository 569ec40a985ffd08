#!/usr/bin/env bash
# The hand-worked data-driven fixtures (tests/fixtures/datadriven/, NOTES.md in each):
# journeys (/report/paths), exact Markov removal effects (/report/markov), Shapley
# (/report/shapley), --compare (/report/models) and the markov and shapley credits, at 1
# and 3 ranks, through tests/e2e/fixtures.sh.
set -euo pipefail
ATTRIB_SRC=${ATTRIB_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FIXTURE_CASES="$ATTRIB_SRC/tests/fixtures/datadriven" exec bash "$ATTRIB_SRC/tests/e2e/fixtures.sh"

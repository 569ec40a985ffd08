#!/usr/bin/env bash
# The DuckDB peer (bench/duckdb/peer.mjs) on the hand-worked identity-graph fixtures
# (tests/fixtures/identity/): an independent check of both. For each case: the
# identifier names are hashed by `attrib import` (tests/tools/identity_names.py), the
# events and conversions imported without links and exported (hash identities), the
# links files translated to hashes the same way (the peer drops repeats and self links
# itself), the peer run with the case's args (--max-component, --no-stitch), and every
# table the peer writes compared by compare_csv.py with the expected_*.csv, identities
# resolved to hashes. Needs no `import --links`: only the peer stitches here.
#
# usage: ATTRIB=build/attrib tests/tools/peer_fixtures_identity.sh [CASE ...]
# Needs node and bench/duckdb/node_modules (npm ci there). Exit 0 when every case agrees.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
ATTRIB=${ATTRIB:?set ATTRIB to the attrib binary}
PY=/usr/bin/python3
CASES="$SRC/tests/fixtures/identity"
NAMES="$SRC/tests/tools/identity_names.py"
CMP="$SRC/tests/tools/compare_csv.py"
PEER="$SRC/bench/duckdb/peer.mjs"
W=$(mktemp -d "${TMPDIR:-/tmp}/peer-fixtures-identity.XXXXXX")
trap 'rm -rf "$W"' EXIT

if [ $# -eq 0 ]; then
    set -- $(cd "$CASES" && for d in */; do [ -f "$d/rules.cfg" ] && echo "${d%/}"; done)
fi
bad=0
for name in "$@"; do
    dir="$CASES/$name"
    d="$W/$name"
    mkdir -p "$d/csv" "$d/peer"
    args=()
    [ -f "$dir/args" ] && read -r -a args <"$dir/args"
    lfiles=("$dir"/links*.csv)
    "$PY" "$NAMES" hash "$ATTRIB" "$d/names.csv" "$dir/events.csv" "$dir/conversions.csv" "${lfiles[@]}"
    "$PY" "$NAMES" links "$d/names.csv" "$d/csv/links.csv" "${lfiles[@]}"
    "$ATTRIB" import -q --events "$dir/events.csv" --conversions "$dir/conversions.csv" \
        --campaigns "$dir/campaigns.csv" -o "$d/in.h5" 2>/dev/null
    for t in events conversions campaigns; do
        "$ATTRIB" export "$d/in.h5" "$t" -o "$d/csv/$t.csv"
    done
    node "$PEER" --quiet --events "$d/csv/events.csv" --conversions "$d/csv/conversions.csv" \
        --campaigns "$d/csv/campaigns.csv" --links "$d/csv/links.csv" -c "$dir/rules.cfg" \
        -o "$d/peer" ${args[@]+"${args[@]}"} >/dev/null
    for exp in "$dir"/expected_*.csv; do
        f=$(basename "$exp" .csv); f=${f#expected_}
        t=$f
        case $f in report_*) t="report/${f#report_}" ;; esac
        "$PY" "$NAMES" expected "$d/names.csv" "$t" "$exp" "$d/exp_$f.csv"
        if [ ! -f "$d/peer/$f.csv" ]; then
            echo "FAIL $name $t: the peer wrote no $f.csv"; bad=1
        elif "$PY" "$CMP" -q "$d/peer/$f.csv" "$d/exp_$f.csv"; then
            echo "PASS $name $t"
        else
            echo "FAIL $name $t"; bad=1
        fi
    done
done
[ "$bad" = 0 ] && echo "peer_fixtures_identity: OK" || { echo "peer_fixtures_identity: FAILED"; exit 1; }

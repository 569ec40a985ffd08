#!/usr/bin/env bash
# attrib against the Polars peer (bench/polars/peer.mjs), a second independent
# implementation of docs/models.md: same exported CSV inputs, same rules, every table the
# peer writes (credits, unattributed, report/campaign, report/daily, report/daily_touch,
# report/advertiser) must agree (integers and strings exactly, floats within 1e-9
# relative, NaN = NaN; bench/duckdb/compare.py), for every model it supports, with rule
# versions, conversion types, kinds off, periods, and on data with heavy identities.
#
# Environment (CTest): ATTRIB, ATTRIB_SRC, ATTRIB_BUILD, HDF5_PLUGIN_PATH, MPIEXEC.
# Needs node (exit 77 without it) and the npm packages of bench/polars (nodejs-polars and
# its native part): installed with `npm ci` there when missing (network access to the npm
# registry). PEER_RTOL overrides the float tolerance.
set -euo pipefail

: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
MPIEXEC=${MPIEXEC:-mpiexec}
RTOL=${PEER_RTOL:-1e-9}
PEER_DIR="$ATTRIB_SRC/bench/polars"
PY=/usr/bin/python3

if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node not found (the Polars peer needs Node >= 20)"
    exit 77
fi
have_polars() { [ -d "$PEER_DIR/node_modules/nodejs-polars" ] && [ -d "$PEER_DIR/node_modules/nodejs-polars-linux-x64-gnu" ]; }
if ! have_polars; then
    echo "installing the Polars peer's npm packages (npm ci in $PEER_DIR)"
    if ! command -v npm >/dev/null 2>&1; then
        echo "SKIP: npm not found"
        exit 77
    fi
    # one installer at a time if several test runs share the source tree
    ( if command -v flock >/dev/null 2>&1; then flock 9; fi
      have_polars || (cd "$PEER_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    ) 9>"${ATTRIB_BUILD:-/tmp}/.peer_polars_npm.lock"
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI=("$MPIEXEC" --allow-run-as-root --oversubscribe)

# Two inputs: the generator's defaults, and the same number of rows over 150 identities
# (heavy identities: ~130 touches each, long candidate paths, many same-millisecond ties).
gen_input() { # dir [gen options...]
    local d=$1
    shift
    mkdir -p "$d"
    "$ATTRIB" gen -q --events 20000 --conversions 2000 "$@" -o "$d/in.h5"
    for t in events conversions campaigns; do
        "$ATTRIB" export "$d/in.h5" "$t" -o "$d/$t.csv"
    done
}
gen_input "$W/std"
gen_input "$W/heavy" --identities 150 --seed 5
n=$(wc -l <"$W/std/events.csv")
[ "$n" -eq 20001 ] || { echo "FAIL: events.csv has $n lines, expected 20001"; exit 1; }

# Rules exercising what the example does not: advertiser and campaign versions,
# key-by-key inheritance, conversion types, "off", position weights (first + last = 1).
cat >"$W/versions.rules.cfg" <<'EOF'
defaults: {
  model = "last_touch";
  engagement_priority = true;
  lookback = { engagement = "20d"; impression = "2d"; nurture = "5d"; };
  conversion_types = [];
  time_decay = { half_life = "3d"; };
  position_based = { first = 0.3; last = 0.5; };
};
advertisers = (
  { id = 1; model = "position_based"; position_based = { first = 0.7; last = 0.3; }; },
  { id = 2; effective_from = "2026-10-12T00:00:00Z"; model = "time_decay"; engagement_priority = false;
    lookback = { impression = "off"; }; },
  { id = 2; model = "linear"; },
  { id = 3; model = "j_curve"; conversion_types = ["purchase", "signup"]; },
  { id = 4; effective_from = "2026-10-20"; model = "first_touch"; time_decay = { half_life = "12h"; }; },
  { id = 5; model = "position_based"; position_based = { first = 0.0; }; engagement_priority = false; },
  { id = 6; model = "inverse_j"; lookback = { engagement = "off"; }; }
);
campaigns = (
  { id = 11; lookback = { nurture = "off"; }; },
  { id = 11; effective_from = "2026-10-08T12:00:00Z"; conversion_types = ["purchase"]; },
  { id = 21; effective_from = "2026-10-25T00:00:00.500+02:00"; lookback = { engagement = "3d"; }; },
  { id = 12; effective_from = "2026-10-15T00:00:00Z"; lookback = { engagement = "1d"; impression = "1h"; }; },
  { id = 13; conversion_types = ["add_to_cart"]; },
  { id = 16; lookback = { engagement = "1d"; impression = "off"; nurture = "off"; }; },
  { id = 999; lookback = { engagement = "1d"; }; }
);
EOF
EX="$ATTRIB_SRC/conf/example.rules.cfg"
TABLES="credits unattributed report/campaign report/daily report/daily_touch report/advertiser"

fail=0
declare -A REASONS_SEEN=()
check() { # name input-dir rules ranks [attrib run options...]
    local name=$1 in=$2 rules=$3 np=$4
    shift 4
    local d="$W/$name"
    mkdir -p "$d"
    "${MPI[@]}" -n "$np" "$ATTRIB" run -q -c "$rules" -i "$in/in.h5" -o "$d/out.h5" "$@"
    for t in $TABLES; do
        "$ATTRIB" export "$d/out.h5" "$t" -o "$d/${t//\//_}.csv"
    done
    local popts=()
    while [ $# -gt 0 ]; do
        case $1 in
            --from) popts+=(--period-from "$2"); shift 2 ;;
            --to) popts+=(--period-to "$2"); shift 2 ;;
            *) popts+=("$1"); shift ;;
        esac
    done
    node "$PEER_DIR/peer.mjs" --quiet --events "$in/events.csv" --conversions "$in/conversions.csv" \
        --campaigns "$in/campaigns.csv" -c "$rules" -o "$d/peer" "${popts[@]}" >"$d/peer.times"
    echo "== $name ($(tr '\n' ' ' <"$d/peer.times"))"
    local t
    for t in $TABLES; do
        if [ ! -s "$d/peer/${t//\//_}.csv" ]; then
            echo "FAIL: $name: the peer wrote no $t"
            fail=1
        fi
    done
    if ! "$PY" "$ATTRIB_SRC/bench/duckdb/compare.py" --rtol "$RTOL" "$d" "$d/peer"; then
        echo "FAIL: $name: attrib and the Polars peer disagree"
        fail=1
    fi
    # the comparison must have looked at real content
    local credits
    credits=$(($(wc -l <"$d/credits.csv") - 1))
    if [ "$credits" -lt 100 ]; then
        echo "FAIL: $name: only $credits credit rows, the comparison is too weak"
        fail=1
    fi
    local r
    for r in $(tail -n +2 "$d/unattributed.csv" | awk -F, '{print $NF}' | sort -u); do REASONS_SEEN[$r]=1; done
}

check example "$W/std" "$EX" 2
check example_linear_period "$W/std" "$EX" 1 --model linear --from 2026-10-05 --to 2026-10-20
check versions "$W/std" "$W/versions.rules.cfg" 2
check versions_first_touch_period "$W/std" "$W/versions.rules.cfg" 2 --model first_touch --from 2026-10-03 --to 2026-10-28
check versions_time_decay "$W/std" "$W/versions.rules.cfg" 2 --model time_decay --to 2026-10-21
check versions_position_based "$W/std" "$W/versions.rules.cfg" 2 --model position_based
check heavy_example "$W/heavy" "$EX" 2
check heavy_versions "$W/heavy" "$W/versions.rules.cfg" 2
check heavy_first_touch "$W/heavy" "$W/versions.rules.cfg" 1 --model first_touch
check heavy_time_decay_period "$W/heavy" "$EX" 2 --model time_decay --from 2026-10-08 --to 2026-10-30
check heavy_j_curve "$W/heavy" "$W/versions.rules.cfg" 2 --model j_curve

# The hand-worked fixtures (tests/fixtures/cases: lookback edges, same-millisecond
# touches, event_id ties, priority, kinds off, types, versions, dedup, period, every
# model at 1, 2, 3 and 5 candidates): the peer's tables against the expected files.
nfix=0
for dir in "$ATTRIB_SRC"/tests/fixtures/cases/*/; do
    dir=${dir%/}
    [ -f "$dir/rules.cfg" ] || continue
    name=fixture_$(basename "$dir")
    d="$W/$name"
    mkdir -p "$d"
    args=()
    if [ -f "$dir/args" ]; then read -r -a args <"$dir/args" || true; fi
    "$ATTRIB" import -q --events "$dir/events.csv" --conversions "$dir/conversions.csv" \
        --campaigns "$dir/campaigns.csv" -o "$d/in.h5"
    for t in events conversions campaigns; do
        "$ATTRIB" export "$d/in.h5" "$t" -o "$d/$t.csv"
    done
    node "$PEER_DIR/peer.mjs" --quiet --events "$d/events.csv" --conversions "$d/conversions.csv" \
        --campaigns "$d/campaigns.csv" -c "$dir/rules.cfg" -o "$d/peer" ${args[@]+"${args[@]}"} >/dev/null
    ok=1
    for t in $TABLES; do
        f=${t//\//_}
        [ -f "$dir/expected_$f.csv" ] || continue
        if ! "$PY" "$ATTRIB_SRC/tests/tools/compare_csv.py" --rel "$RTOL" "$d/peer/$f.csv" "$dir/expected_$f.csv" >"$d/cmp_$f.log" 2>&1; then
            echo "FAIL: $name: $t differs from the expected file:"
            sed 's/^/    | /' "$d/cmp_$f.log" | head -n 12
            ok=0; fail=1
        fi
    done
    [ "$ok" = 0 ] || nfix=$((nfix + 1))
done
echo "== fixtures: $nfix cases agree with their expected tables"
[ "$nfix" -ge 20 ] || { echo "FAIL: only $nfix fixture cases agreed (expected at least 20)"; fail=1; }

# the cases covered every unattributed reason, and the heavy input long paths
for r in no_touch rule_excluded outside_window; do
    [ -n "${REASONS_SEEN[$r]:-}" ] || { echo "FAIL: no case had an unattributed '$r'"; fail=1; }
done
maxlen=$(tail -n +2 "$W/heavy_example/credits.csv" | cut -d, -f11 | sort -n | tail -1)
if [ "${maxlen:-0}" -lt 20 ]; then
    echo "FAIL: heavy_example: longest path $maxlen, expected heavy identities (>= 20)"
    fail=1
fi

if [ "$fail" -ne 0 ]; then
    echo "peer_polars: FAILED"
    exit 1
fi
echo "peer_polars: OK"

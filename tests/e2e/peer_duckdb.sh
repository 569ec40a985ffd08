#!/usr/bin/env bash
# attrib against an independent implementation of docs/models.md in SQL (the DuckDB peer,
# bench/duckdb/peer.mjs): same exported CSV inputs, same rules, the tables (/labels
# included, for the LABELS=1 cases) must agree
# (integers and strings exactly, floats within 1e-9 relative, NaN = NaN).
# The identity graph (cross-device stitching): the same people spread over linked devices
# by tests/tools/split_devices.py, imported with --links; the peer computes the
# components itself from the exported /links, and /report/identity is compared too (and
# with split_devices.py's own figures), with the default cap, a small one, --no-stitch,
# and shuffled rows and link files at another rank count; and on `attrib gen --links`.
#
# Environment (CTest): ATTRIB, ATTRIB_SRC, ATTRIB_BUILD, HDF5_PLUGIN_PATH, MPIEXEC.
# Needs node (exit 77 without it) and the npm package @duckdb/node-api: installed with
# `npm ci` in bench/duckdb when missing (network access to the npm registry).
# PEER_RTOL overrides the float tolerance.
set -euo pipefail

: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
MPIEXEC=${MPIEXEC:-mpiexec}
RTOL=${PEER_RTOL:-1e-9}
PEER_DIR="$ATTRIB_SRC/bench/duckdb"
PY=/usr/bin/python3

if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node not found (the DuckDB peer needs Node >= 18)"
    exit 77
fi
if [ ! -d "$PEER_DIR/node_modules/@duckdb/node-api" ]; then
    echo "installing the DuckDB peer's npm packages (npm ci in $PEER_DIR)"
    if ! command -v npm >/dev/null 2>&1; then
        echo "SKIP: npm not found"
        exit 77
    fi
    # one installer at a time if several test runs share the source tree
    ( if command -v flock >/dev/null 2>&1; then flock 9; fi
      [ -d "$PEER_DIR/node_modules/@duckdb/node-api" ] ||
          (cd "$PEER_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    ) 9>"${ATTRIB_BUILD:-/tmp}/.peer_duckdb_npm.lock"
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI=("$MPIEXEC" --allow-run-as-root --oversubscribe)

"$ATTRIB" gen -q --events 20000 --conversions 2000 -o "$W/in.h5"
for t in events conversions campaigns; do
    "$ATTRIB" export "$W/in.h5" "$t" -o "$W/$t.csv"
done
n=$(wc -l <"$W/events.csv")
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
  { id = 5; model = "position_based"; position_based = { first = 0.0; }; engagement_priority = false; }
);
campaigns = (
  { id = 11; lookback = { nurture = "off"; }; },
  { id = 11; effective_from = "2026-10-08T12:00:00Z"; conversion_types = ["purchase"]; },
  { id = 21; effective_from = "2026-10-25T00:00:00.500+02:00"; lookback = { engagement = "3d"; }; },
  { id = 12; effective_from = "2026-10-15T00:00:00Z"; lookback = { engagement = "1d"; impression = "1h"; }; },
  { id = 13; conversion_types = ["add_to_cart"]; },
  { id = 999; lookback = { engagement = "1d"; }; }
);
EOF

fail=0
# Environment of check: LABELS=1 compares /labels too; STITCH=1 takes the input with
# links (stitched input $STITCH_DIR, default $W/stitch: in.h5 and its exported CSVs) and compares
# /report/identity; IDENT=1 compares /report/identity on the input without links.
check() { # name rules [attrib run options...]
    local name=$1 rules=$2
    shift 2
    local d="$W/$name"
    mkdir -p "$d"
    local tables="report/campaign credits unattributed report/daily report/daily_touch report/advertiser"
    local ptables="credits,unattributed,report/campaign,report/daily,report/daily_touch,report/advertiser"
    local lopt=() ptab=() plinks=() in="$W/in.h5" csv="$W"
    if [ "${LABELS:-0}" = 1 ]; then # /labels too (the peer then takes its pair path)
        lopt=(--labels); tables="$tables labels"; ptables="$ptables,labels"
        ptab=(--tables "$ptables")
    fi
    if [ "${STITCH:-0}" = 1 ]; then
        csv="${STITCH_DIR:-$W/stitch}"; in="$csv/in.h5"; plinks=(--links "$csv/links.csv")
    fi
    if [ "${STITCH:-0}" = 1 ] || [ "${IDENT:-0}" = 1 ]; then
        tables="$tables report/identity"; ptab=(--tables "$ptables,report/identity")
    fi
    "${MPI[@]}" -n 2 "$ATTRIB" run -q -c "$rules" -i "$in" -o "$d/out.h5" "${lopt[@]}" "$@"
    for t in $tables; do
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
    node "$PEER_DIR/peer.mjs" --quiet --events "$csv/events.csv" --conversions "$csv/conversions.csv" \
        --campaigns "$csv/campaigns.csv" "${plinks[@]}" -c "$rules" -o "$d/peer" "${ptab[@]}" "${popts[@]}" >"$d/peer.times"
    echo "== $name ($(tr '\n' ' ' <"$d/peer.times"))"
    if ! "$PY" "$PEER_DIR/compare.py" --rtol "$RTOL" "$d" "$d/peer"; then
        echo "FAIL: $name: attrib and the DuckDB peer disagree"
        fail=1
    fi
    if [ "${LABELS:-0}" = 1 ] && [ ! -s "$d/peer/labels.csv" ]; then
        echo "FAIL: $name: the peer wrote no labels"
        fail=1
    fi
    if { [ "${STITCH:-0}" = 1 ] || [ "${IDENT:-0}" = 1 ]; } && [ ! -s "$d/peer/report_identity.csv" ]; then
        echo "FAIL: $name: the peer wrote no report/identity"
        fail=1
    fi
    # the comparison must have looked at real content
    local credits
    credits=$(($(wc -l <"$d/credits.csv") - 1))
    if [ "$credits" -lt 100 ]; then
        echo "FAIL: $name: only $credits credit rows, the comparison is too weak"
        fail=1
    fi
}

# The peer has two ways to compute last_touch/first_touch (bench/README.md): small data
# takes the pair path on its own, PEER_PATH=rank forces the other.
check example "$ATTRIB_SRC/conf/example.rules.cfg"
PEER_PATH=rank check example_rank "$ATTRIB_SRC/conf/example.rules.cfg"
check example_linear_period "$ATTRIB_SRC/conf/example.rules.cfg" --model linear --from 2026-10-05 --to 2026-10-20
check versions "$W/versions.rules.cfg"
PEER_PATH=rank check versions_first_touch_rank "$W/versions.rules.cfg" --model first_touch --from 2026-10-03 --to 2026-10-28
check versions_u_shaped "$W/versions.rules.cfg" --model u_shaped --from 2026-10-10
# /labels (run --labels) against the peer's own SQL for them: rules as written, a period
# with touches before it, and a last_touch-only run (the peer's per-conversion credits).
LABELS=1 check labels_versions_period "$W/versions.rules.cfg" --from 2026-10-06 --to 2026-10-24
LABELS=1 check labels_example_linear "$ATTRIB_SRC/conf/example.rules.cfg" --model linear
LABELS=1 check labels_example_last_touch "$ATTRIB_SRC/conf/example.rules.cfg" --model last_touch --from 2026-10-04
# Only last/first touch in force: the peer's pair path aggregates per conversion instead
# of numbering candidates (bench/README.md); both models, with and without priority.
PEER_PATH=pairs check example_last_touch_pairs "$ATTRIB_SRC/conf/example.rules.cfg" --model last_touch
PEER_PATH=pairs check versions_first_touch_pairs "$W/versions.rules.cfg" --model first_touch --from 2026-10-03

# Without links every run writes the all-zero /report/identity.
IDENT=1 check identity_no_links "$ATTRIB_SRC/conf/example.rules.cfg" --model linear

# ---- identity graph (cross-device stitching) ----
# Each person of the generated data spread over devices with links between them
# (tests/tools/split_devices.py: stars, chains, cycles, a chain of 41, ghosts without
# rows, people linked to each other, three small hubs, one hub of 1100+ identifiers;
# redeliveries of events and conversions across a person's devices), imported with
# two links files: links1.csv (each edge once) and links2.csv.gz (repeats either way
# and self links, which import drops). The exported events, conversions and links are
# the peer's input.
S="$W/stitch"
"$PY" "$ATTRIB_SRC/tests/tools/split_devices.py" --events "$W/events.csv" --conversions "$W/conversions.csv" \
    -o "$S/raw" --seed 11 --caps 1000,8
"$ATTRIB" import -q --events "$S/raw/events.csv" --conversions "$S/raw/conversions.csv" --campaigns "$W/campaigns.csv" \
    --links "$S/raw/links1.csv" --links "$S/raw/links2.csv.gz" -o "$S/in.h5" 2>"$S/import.log" ||
    { cat "$S/import.log"; echo "FAIL: import --links"; exit 1; }
for t in events conversions campaigns links; do
    "$ATTRIB" export "$S/in.h5" "$t" -o "$S/$t.csv"
done
nlinks=$(($(wc -l <"$S/links.csv") - 1))
want_links=$(sed -n 2p "$S/raw/identity_cap1000.csv" | cut -d, -f1)
if [ "$nlinks" -ne "$want_links" ]; then
    echo "FAIL: /links has $nlinks rows, expected $want_links (links1's edges; links2 only repeats and self links)"
    fail=1
fi

STITCH=1 check stitch_example "$ATTRIB_SRC/conf/example.rules.cfg"
STITCH=1 check stitch_example_nostitch "$ATTRIB_SRC/conf/example.rules.cfg" --no-stitch
STITCH=1 check stitch_cap8_linear "$ATTRIB_SRC/conf/example.rules.cfg" --max-component 8 --model linear
STITCH=1 check stitch_versions_u_shaped_period "$W/versions.rules.cfg" --model u_shaped --from 2026-10-05 --to 2026-10-25
STITCH=1 PEER_PATH=rank check stitch_versions_rank_cap8 "$W/versions.rules.cfg" --model last_touch --max-component 8
STITCH=1 PEER_PATH=pairs check stitch_first_touch_pairs "$W/versions.rules.cfg" --model first_touch
STITCH=1 LABELS=1 check stitch_labels_time_decay "$W/versions.rules.cfg" --model time_decay --max-component 30
STITCH=1 check stitch_versions_nostitch_cap8 "$W/versions.rules.cfg" --no-stitch --max-component 8

# /report/identity also against split_devices.py's own union-find over the device names
for c in stitch_example:1000 stitch_cap8_linear:8; do
    if ! cmp -s "$W/${c%%:*}/report_identity.csv" "$S/raw/identity_cap${c##*:}.csv"; then
        echo "FAIL: ${c%%:*}: report/identity differs from split_devices.py's figures:"
        cat "$W/${c%%:*}/report_identity.csv" "$S/raw/identity_cap${c##*:}.csv"
        fail=1
    fi
done
# the graph has merged and oversize components at both caps, so stitching was exercised
for c in stitch_example stitch_cap8_linear; do
    if ! awk -F, 'NR == 2 && $4 > 100 && $6 >= 1 { ok = 1 } END { exit !ok }' "$W/$c/report_identity.csv"; then
        echo "FAIL: $c: expected merged and oversize components"; fail=1
    fi
done
# stitching changes the answer (cross-device journeys, redeliveries)
if cmp -s "$W/stitch_example/credits.csv" "$W/stitch_example_nostitch/credits.csv"; then
    echo "FAIL: stitched and --no-stitch credits are identical: stitching did nothing"
    fail=1
fi
# Shuffled rows, shuffled links and the links files in the other order, at 3 ranks:
# every table byte-identical to stitch_example (2 ranks).
"$PY" "$ATTRIB_SRC/tests/tools/split_devices.py" --events "$W/events.csv" --conversions "$W/conversions.csv" \
    -o "$S/shuf" --seed 11 --shuffle 5 >/dev/null
"$ATTRIB" import -q --events "$S/shuf/events.csv" --conversions "$S/shuf/conversions.csv" --campaigns "$W/campaigns.csv" \
    --links "$S/shuf/links2.csv.gz" --links "$S/shuf/links1.csv" -o "$S/in_shuf.h5" 2>/dev/null
"${MPI[@]}" -n 3 "$ATTRIB" run -q -c "$ATTRIB_SRC/conf/example.rules.cfg" -i "$S/in_shuf.h5" -o "$S/out_shuf.h5"
same=1
for t in credits unattributed report/campaign report/daily report/daily_touch report/advertiser report/identity; do
    "$ATTRIB" export "$S/out_shuf.h5" "$t" -o "$S/shuf_${t//\//_}.csv"
    if ! cmp -s "$S/shuf_${t//\//_}.csv" "$W/stitch_example/${t//\//_}.csv"; then
        echo "FAIL: shuffled input and links at 3 ranks: $t differs from stitch_example (2 ranks)"
        diff "$W/stitch_example/${t//\//_}.csv" "$S/shuf_${t//\//_}.csv" | head -n 6 || true
        fail=1; same=0
    fi
done
[ "$same" = 0 ] || echo "== stitch_shuffled_np3: every table identical to stitch_example"

# attrib gen --links: its own persons of 1..4 devices (chains, cycles), one hub linked to
# 500 persons (a component of about 1200 devices, over the default cap), straight to /links
G="$W/gen_links"
mkdir -p "$G"
"$ATTRIB" gen -q --events 20000 --conversions 2000 --devices-per-person 4 --hubs 1 --hub-persons 500 -o "$G/in.h5"
for t in events conversions campaigns links; do
    "$ATTRIB" export "$G/in.h5" "$t" -o "$G/$t.csv"
done
STITCH_DIR=$G STITCH=1 check gen_links_example "$ATTRIB_SRC/conf/example.rules.cfg"
STITCH_DIR=$G STITCH=1 check gen_links_cap2_position "$W/versions.rules.cfg" --model position_based --max-component 2
STITCH_DIR=$G STITCH=1 check gen_links_nostitch "$ATTRIB_SRC/conf/example.rules.cfg" --no-stitch
for c in gen_links_example gen_links_cap2_position; do
    if ! awk -F, 'NR == 2 && $4 > 20 && $6 >= 1 { ok = 1 } END { exit !ok }' "$W/$c/report_identity.csv"; then
        echo "FAIL: $c: expected merged and oversize components"; cat "$W/$c/report_identity.csv"; fail=1
    fi
done

if [ "$fail" -ne 0 ]; then
    echo "peer_duckdb: FAILED"
    exit 1
fi
echo "peer_duckdb: OK"

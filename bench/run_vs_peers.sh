#!/usr/bin/env bash
# attrib vs Polars and DuckDB doing the same work, in one table (bench/README.md,
# "attrib vs Polars and DuckDB").
#
#   bench/run_vs_peers.sh [--quick] [--rows "heavy7 real7 heavy50"] [--reps K] [--ranks R]
#                         [--rules FILE] [--work DIR] [--models "linear time_decay"]
#                         [--models-row heavy7] [--import-row heavy7] [--no-import]
#                         [--no-duckdb] [--models-polars]
#
# Rows (conversions = events / 10; `attrib gen` with --identities chosen so that the
# busiest identity holds the given share of the event rows: the generator's busiest
# identity has about 137 · events / identities rows, so identities = 137 / share):
#   heavy7   10^7 events, heavy identities (busiest 0.1 % of events)
#   real7    10^7 events, realistic skew (busiest 0.01 %)
#   heavy50  5·10^7 events, heavy identities (busiest 0.1 %)
# --quick divides every size by 10 (10^6, 10^6, 5·10^6), keeping the identity counts.
# The measured shape (identities, busiest identity's rows and share) is printed per row.
#
# For each row: `mpirun -n R attrib run --model last_touch` from the partitioned HDF5
# store that `attrib import` writes (wall clock including mpirun, median of K runs), and
# the same from the unpartitioned store of `attrib gen` (same rows: every run exchanges), the Polars peer (bench/polars/peer.mjs) and
# the DuckDB peer (bench/duckdb/peer.mjs), each with 2 threads on data already loaded
# (query time, median of K runs in one process, --repeat K), all three on the rules
# file (default conf/example.rules.cfg: per-campaign lookbacks, conversion types, a rule
# version) with dedup and report/campaign; report/campaign of both peers checked equal
# to attrib's (bench/duckdb/compare.py). Then the models row (--models, default linear and
# time_decay, on --models-row): attrib and DuckDB for each model (Polars too with
# --models-polars: at 10^7 with heavy identities its candidate expansion for linear ran
# out of the machine's 23 GiB, see bench/README.md). Then the import row (on
# --import-row): `mpirun -n R attrib import` of the CSV files `attrib gen --csv` writes
# (events, conversions, campaigns; wall clock, store written, median of K) against
# Polars' read_csv and DuckDB's read_csv of the same files (2 threads, in-process time,
# median of K).
#
# Environment: ATTRIB (default build/attrib), HDF5_PLUGIN_PATH (default build/plugin),
# MPIEXEC (default mpirun). Work dir default bench/out/peers (git-ignored; inputs cached).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
ATTRIB=${ATTRIB:-$SRC/build/attrib}
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-$(dirname "$ATTRIB")/plugin}
MPIEXEC=${MPIEXEC:-mpirun}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ROWS="heavy7 real7 heavy50"
REPS=3
RANKS=2
RULES=$SRC/conf/example.rules.cfg
WORK=$SRC/bench/out/peers
MODELS="linear time_decay"
MODELS_ROW=heavy7
IMPORT_ROW=heavy7
DO_IMPORT=1
DO_DUCKDB=1
MODELS_POLARS=0
SCALE=1

while [ $# -gt 0 ]; do
    case $1 in
        --quick) SCALE=10; shift ;;
        --rows) ROWS=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --ranks) RANKS=$2; shift 2 ;;
        --rules) RULES=$2; shift 2 ;;
        --work) WORK=$2; shift 2 ;;
        --models) MODELS=$2; shift 2 ;;
        --models-row) MODELS_ROW=$2; shift 2 ;;
        --import-row) IMPORT_ROW=$2; shift 2 ;;
        --no-import) DO_IMPORT=0; shift ;;
        --no-duckdb) DO_DUCKDB=0; shift ;;
        --models-polars) MODELS_POLARS=1; shift ;;
        -h|--help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run_vs_peers: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

[ -x "$ATTRIB" ] || { echo "run_vs_peers: no attrib binary at $ATTRIB (set ATTRIB)" >&2; exit 2; }
command -v node >/dev/null || { echo "run_vs_peers: node not found" >&2; exit 2; }
if [ ! -d "$HERE/polars/node_modules/nodejs-polars-linux-x64-gnu" ]; then
    (cd "$HERE/polars" && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ "$DO_DUCKDB" = 1 ] && [ ! -d "$HERE/duckdb/node_modules/@duckdb/node-api" ]; then
    (cd "$HERE/duckdb" && npm ci --no-audit --no-fund --loglevel=error)
fi
MPI=("$MPIEXEC" --oversubscribe -n "$RANKS")

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) printf "%.3f\n", a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
num() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
ratio() { if num "$1" && num "$2"; then printf '%.1f' "$(echo "$1 / $2" | bc -l)"; else printf '—'; fi; }
f2() { if num "$1"; then printf '%.2f' "$1"; else printf '%s' "$1"; fi; }
cell() { if num "$1"; then printf '%.2f s (%s×)' "$1" "$(ratio "$1" "$2")"; else printf '%s' "$1"; fi; } # peer attrib
load() { cut -d' ' -f1-3 /proc/loadavg; }

row_params() { # name -> "events conversions identities label"
    local ne share label
    case $1 in
        heavy7) ne=10000000; share=0.001; label="10^7 / 10^6, heavy identities (busiest 0.1 %)" ;;
        real7) ne=10000000; share=0.0001; label="10^7 / 10^6, realistic skew (busiest 0.01 %)" ;;
        heavy50) ne=50000000; share=0.001; label="5·10^7 / 5·10^6, heavy identities (busiest 0.1 %)" ;;
        *) echo "run_vs_peers: unknown row '$1'" >&2; exit 2 ;;
    esac
    ne=$((ne / SCALE))
    if [ "$SCALE" != 1 ]; then label="$(echo "$label" | sed 's/^[^,]*,/'"$ne"' \/ '"$((ne / 10))"',/') (--quick)"; fi
    local ni
    ni=$(echo "137 / $share" | bc)
    echo "$ne $((ne / 10)) $ni $label"
}

# gen_row name -> directory with in.h5 (attrib gen: unpartitioned), in_p.h5 (the same
# rows through gen --csv and attrib import: partitioned) and the peers' CSVs exported
# from in.h5 (cached)
gen_row() {
    local ne nc ni label
    read -r ne nc ni label < <(row_params "$1")
    local d="$WORK/e${ne}_i${ni}"
    mkdir -p "$d"
    if [ ! -s "$d/campaigns.csv" ]; then
        echo "# generating $ne events, $nc conversions, $ni identities in $d" >&2
        rm -f "$d"/*.csv
        "${MPI[@]}" "$ATTRIB" gen -q --events "$ne" --conversions "$nc" --identities "$ni" -o "$d/in.h5"
        for t in events conversions campaigns; do
            "$ATTRIB" export "$d/in.h5" "$t" -o "$d/$t.csv.tmp" && mv "$d/$t.csv.tmp" "$d/$t.csv"
        done
    fi
    if [ ! -s "$d/in_p.h5" ]; then
        echo "# importing the same rows as a partitioned store $d/in_p.h5" >&2
        "${MPI[@]}" "$ATTRIB" gen -q --events "$ne" --conversions "$nc" --identities "$ni" --csv "$d/src"
        "${MPI[@]}" "$ATTRIB" import -q --events "$d/src/events.csv" --conversions "$d/src/conversions.csv" \
            --campaigns "$d/src/campaigns.csv" -o "$d/in_p.h5" 2>/dev/null
        rm -rf "$d/src"
    fi
    echo "$d"
}

# time_attrib dir model [store] -> median wall seconds of mpirun … attrib run on the
# store (default in_p.h5, the partitioned one; the last run's report kept for the peers)
time_attrib() {
    local d=$1 m=$2 store=${3:-in_p.h5} walls=() t0 t1
    for _ in $(seq "$REPS"); do
        t0=$(now)
        "${MPI[@]}" "$ATTRIB" run -q -c "$RULES" -i "$d/$store" -o "$d/out_$m.h5" --model "$m"
        t1=$(now)
        walls+=("$(echo "$t1 - $t0" | bc -l)")
    done
    mkdir -p "$d/att_$m"
    "$ATTRIB" export "$d/out_$m.h5" report/campaign -o "$d/att_$m/report_campaign.csv"
    printf '%s\n' "${walls[@]}" | median
}

# time_peer polars|duckdb dir model -> "query_s verdict" (report/campaign checked against attrib's)
time_peer() {
    local p=$1 d=$2 m=$3 out
    local extra=()
    [ "$1" = polars ] && extra=(--stats)
    rm -rf "$d/${p}_$m"
    out=$(node --expose-gc "$HERE/$p/peer.mjs" --quiet --events "$d/events.csv" --conversions "$d/conversions.csv" \
          --campaigns "$d/campaigns.csv" -c "$RULES" --model "$m" --repeat "$REPS" --threads 2 \
          --tables report/campaign -o "$d/${p}_$m" "${extra[@]}") || {
        echo "run_vs_peers: the $p peer failed on $d ($m) (dmesg: $(dmesg 2>/dev/null | grep -c 'Out of memory') out-of-memory kills so far)" >&2
        echo "failed FAILED"; return 0; }
    echo "$out" >"$d/${p}_$m.times"
    local q verdict
    q=$(echo "$out" | sed -n 's/^query_s=//p')
    if /usr/bin/python3 "$HERE/duckdb/compare.py" --tables report/campaign "$d/att_$m" "$d/${p}_$m" >"$d/verify_${p}_$m.txt"; then
        verdict=agree
    else
        verdict=DIFFER
    fi
    echo "$q $verdict"
}

echo "attrib: $ATTRIB ($("$ATTRIB" --version 2>&1 | head -1)), mpirun -n $RANKS; Polars $(node -e "console.log(require('$HERE/polars/node_modules/nodejs-polars/package.json').version)") and DuckDB peers 2 threads; median of $REPS; rules $RULES"
echo "host: $(nproc) cores; load average at start $(load)"
echo
echo "| data (events / conversions) | attrib -n $RANKS | attrib, unpartitioned store | Polars (2 threads) | DuckDB (2 threads) | report/campaign | load before |"
echo "|---|---|---|---|---|---|---|"
declare -A SHAPE=()
for r in $ROWS; do
    read -r _ _ _ label < <(row_params "$r")
    d=$(gen_row "$r")
    la=$(load)
    au=$(time_attrib "$d" last_touch in.h5)
    a=$(time_attrib "$d" last_touch)
    read -r pq pv < <(time_peer polars "$d" last_touch)
    SHAPE[$r]=$(sed -n 's/^\(identities\|busiest_identity_rows\|busiest_share\)=/\1 /p' "$d/polars_last_touch.times" 2>/dev/null | tr '\n' ' ' || true)
    dcell="—" dv=""
    if [ "$DO_DUCKDB" = 1 ]; then
        read -r dq dv < <(time_peer duckdb "$d" last_touch)
        dcell=$(cell "$dq" "$a")
    fi
    echo "| $label | $(f2 "$a") s | $(f2 "$au") s | $(cell "$pq" "$a") | $dcell | polars $pv${dv:+, duckdb $dv} | $la |"
done
echo
for r in $ROWS; do echo "shape of $r: ${SHAPE[$r]}"; done

if [ -n "$MODELS" ]; then
    read -r _ _ _ label < <(row_params "$MODELS_ROW")
    d=$(gen_row "$MODELS_ROW")
    echo
    echo "Models on $label:"
    echo
    echo "| model | attrib -n $RANKS | Polars (2 threads) | DuckDB (2 threads) | report/campaign | load before |"
    echo "|---|---|---|---|---|---|"
    for m in $MODELS; do
        la=$(load)
        a=$(time_attrib "$d" "$m")
        pcell="—" pv=""
        if [ "$MODELS_POLARS" = 1 ]; then
            read -r pq pv < <(time_peer polars "$d" "$m")
            pcell=$(cell "$pq" "$a")
        fi
        dcell="—" dv=""
        if [ "$DO_DUCKDB" = 1 ]; then
            read -r dq dv < <(time_peer duckdb "$d" "$m")
            dcell=$(cell "$dq" "$a")
        fi
        echo "| $m | $(f2 "$a") s | $pcell | $dcell | ${pv:+polars $pv, }${dv:+duckdb $dv} | $la |"
    done
fi

if [ "$DO_IMPORT" = 1 ]; then
    read -r ne nc ni label < <(row_params "$IMPORT_ROW")
    c="$WORK/csv_e${ne}_i${ni}"
    if [ ! -s "$c/campaigns.csv" ]; then
        echo "# generating the CSV files of $IMPORT_ROW in $c" >&2
        "${MPI[@]}" "$ATTRIB" gen -q --events "$ne" --conversions "$nc" --identities "$ni" --csv "$c"
    fi
    cat "$c"/*.csv >/dev/null # page cache warm for everyone alike
    mib=$(du -cm "$c"/events.csv "$c"/conversions.csv "$c"/campaigns.csv | tail -1 | cut -f1)
    la=$(load)
    walls=()
    for _ in $(seq "$REPS"); do
        t0=$(now)
        "${MPI[@]}" "$ATTRIB" import -q --events "$c/events.csv" --conversions "$c/conversions.csv" \
            --campaigns "$c/campaigns.csv" -o "$c/imported.h5" 2>/dev/null
        t1=$(now)
        walls+=("$(echo "$t1 - $t0" | bc -l)")
    done
    ai=$(printf '%s\n' "${walls[@]}" | median)
    walls=()
    for _ in $(seq "$REPS"); do
        t0=$(now)
        "${MPI[@]}" "$ATTRIB" import -q --no-partition --events "$c/events.csv" --conversions "$c/conversions.csv" \
            --campaigns "$c/campaigns.csv" -o "$c/imported_np.h5" 2>/dev/null
        t1=$(now)
        walls+=("$(echo "$t1 - $t0" | bc -l)")
    done
    anp=$(printf '%s\n' "${walls[@]}" | median)
    pr=$(node "$HERE/polars/read_csv.mjs" "$c/events.csv" "$c/conversions.csv" "$c/campaigns.csv" "$REPS" 2)
    pi=$(echo "$pr" | sed -n 's/^read_s=//p')
    dcell="—"
    if [ "$DO_DUCKDB" = 1 ]; then
        dr=$(node "$HERE/polars/duckdb_read_csv.mjs" "$c/events.csv" "$c/conversions.csv" "$c/campaigns.csv" "$REPS" 2)
        di=$(echo "$dr" | sed -n 's/^read_s=//p')
        dcell=$(cell "$di" "$ai")
    fi
    echo
    echo "Import of $label, CSV files of $mib MiB ($(echo "$pr" | sed -n 's/^rows=//p') rows):"
    echo
    echo "| import | attrib import -n $RANKS (partitioned store written) | attrib import --no-partition | Polars read_csv (2 threads) | DuckDB read_csv (2 threads) | load before |"
    echo "|---|---|---|---|---|---|"
    echo "| CSV → memory / store | $(f2 "$ai") s | $(f2 "$anp") s | $(cell "$pi" "$ai") | $dcell | $la |"
fi
echo
echo "load average at end $(load)"
echo "attrib: wall clock of mpirun … attrib run / import (MPI start-up, reading, output written);"
echo "peers: query time on data already loaded (median of $REPS in one process), CSV read time in-process;"
echo "(N×) = peer time / attrib time (> 1: attrib faster); report/campaign: the peers' tables against attrib's."

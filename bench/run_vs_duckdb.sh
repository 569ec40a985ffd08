#!/usr/bin/env bash
# attrib vs DuckDB doing the same work (bench/README.md).
#
#   bench/run_vs_duckdb.sh [--events N] [--conversions M] [--ranks R] [--reps K]
#                          [--models "last_touch linear time_decay"] [--rules FILE]
#                          [--work DIR] [--verify] [--scaling]
#
# Generates synthetic input with `attrib gen` (cached in the work dir), exports it to CSV,
# then for each model times `mpirun -n R attrib run --model M` (median of K runs, wall
# clock, plus attrib's own "run done in" time) and the DuckDB peer's query time on
# already-loaded tables (median of K, bench/duckdb/peer.mjs --repeat K, 2 threads), and
# prints a table with the ratio. --scaling does 10^6, 10^7 and 5·10^7 events (conversions
# = events / 10). --verify also checks that report/campaign agrees (last run per model).
#
# Environment: ATTRIB (default build/attrib), HDF5_PLUGIN_PATH (default build/plugin),
# MPIEXEC (default mpirun). Work dir default bench/out/ (git-ignored).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
ATTRIB=${ATTRIB:-$SRC/build/attrib}
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-$(dirname "$ATTRIB")/plugin}
MPIEXEC=${MPIEXEC:-mpirun}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
EVENTS=10000000
CONVS=
RANKS=2
REPS=3
MODELS="last_touch linear time_decay"
RULES=$SRC/conf/example.rules.cfg
WORK=$SRC/bench/out
VERIFY=0
SCALING=0

while [ $# -gt 0 ]; do
    case $1 in
        --events) EVENTS=$2; shift 2 ;;
        --conversions) CONVS=$2; shift 2 ;;
        --ranks) RANKS=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --models) MODELS=$2; shift 2 ;;
        --rules) RULES=$2; shift 2 ;;
        --work) WORK=$2; shift 2 ;;
        --verify) VERIFY=1; shift ;;
        --scaling) SCALING=1; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run_vs_duckdb: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

[ -x "$ATTRIB" ] || { echo "run_vs_duckdb: no attrib binary at $ATTRIB (set ATTRIB)" >&2; exit 2; }
command -v node >/dev/null || { echo "run_vs_duckdb: node not found" >&2; exit 2; }
if [ ! -d "$HERE/duckdb/node_modules/@duckdb/node-api" ]; then
    (cd "$HERE/duckdb" && npm ci --no-audit --no-fund --loglevel=error)
fi

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) printf "%.3f\n", a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

bench_one() { # events conversions
    local ne=$1 nc=$2
    local d="$WORK/e${ne}_c${nc}"
    mkdir -p "$d"
    if [ ! -s "$d/campaigns.csv" ]; then
        echo "# generating $ne events, $nc conversions in $d" >&2
        rm -f "$d"/*.csv
        "$MPIEXEC" --oversubscribe -n "$RANKS" "$ATTRIB" gen -q --events "$ne" --conversions "$nc" -o "$d/in.h5"
        for t in events conversions campaigns; do
            "$ATTRIB" export "$d/in.h5" "$t" -o "$d/$t.csv"
        done
    fi
    local rows=()
    for m in $MODELS; do
        local walls=() inners=()
        for _ in $(seq "$REPS"); do
            local t0 t1 log
            t0=$(now)
            log=$("$MPIEXEC" --oversubscribe -n "$RANKS" "$ATTRIB" run -c "$RULES" -i "$d/in.h5" \
                  -o "$d/out_$m.h5" --model "$m" 2>&1)
            t1=$(now)
            walls+=("$(echo "$t1 - $t0" | bc -l)")
            inners+=("$(echo "$log" | sed -n 's/.*run done in \([0-9.]*\) s.*/\1/p' | tail -1)")
        done
        local aw ai
        aw=$(printf '%s\n' "${walls[@]}" | median)
        ai=$(printf '%s\n' "${inners[@]}" | grep . | median || true)
        local popt=(--no-write)
        if [ "$VERIFY" -eq 1 ]; then popt=(-o "$d/peer_$m" --tables report/campaign); fi
        local pout
        pout=$(node "$HERE/duckdb/peer.mjs" --quiet --events "$d/events.csv" --conversions "$d/conversions.csv" \
               --campaigns "$d/campaigns.csv" -c "$RULES" --model "$m" --repeat "$REPS" "${popt[@]}")
        local pq pl
        pq=$(echo "$pout" | sed -n 's/^query_s=//p')
        pl=$(echo "$pout" | sed -n 's/^load_s=//p')
        local agree=""
        if [ "$VERIFY" -eq 1 ]; then
            mkdir -p "$d/att_$m"
            "$ATTRIB" export "$d/out_$m.h5" report/campaign -o "$d/att_$m/report_campaign.csv"
            if /usr/bin/python3 "$HERE/duckdb/compare.py" --tables report/campaign "$d/att_$m" "$d/peer_$m" >"$d/verify_$m.txt"; then
                agree=" agree"
            else
                agree=" DIFFER (see $d/verify_$m.txt)"
            fi
        fi
        rows+=("$(printf '%-10s %-12s %10s %10s %10s %10s %8s%s' "$ne" "$m" "$aw" "${ai:-?}" "$pq" "$pl" \
                 "$(echo "scale=2; $pq / $aw" | bc -l)" "$agree")")
    done
    printf '%s\n' "${rows[@]}"
}

echo "attrib: $ATTRIB ($("$ATTRIB" --version 2>&1 | head -1)), $RANKS ranks; DuckDB peer 2 threads; median of $REPS; rules $RULES"
echo "host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %-12s %10s %10s %10s %10s %8s\n' events model attrib_s attrib_in_s duckdb_q_s duckdb_ld_s ratio
if [ "$SCALING" -eq 1 ]; then
    for ne in 1000000 10000000 50000000; do bench_one "$ne" $((ne / 10)); done
else
    bench_one "$EVENTS" "${CONVS:-$((EVENTS / 10))}"
fi
echo "attrib_s: wall clock of mpirun … attrib run (start-up and output writing included);"
echo "attrib_in_s: attrib's own 'run done in'; duckdb_q_s: all SQL work on loaded tables;"
echo "duckdb_ld_s: CSV → tables (not compared); ratio = duckdb_q_s / attrib_s (> 1: attrib faster)"

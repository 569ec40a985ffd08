#!/usr/bin/env bash
# Rows per second of `attrib run --model last_touch` from 10^7 to 5·10^8 events, and
# the speed-up from 1 to 2 ranks (bench/README.md, "Rows per second and ranks").
#
#   bench/scale.sh [--sizes "10000000 100000000 500000000"] [--ranks "1 2"] [--reps K]
#                  [--stores "unpartitioned partitioned"] [--budget BYTES]
#                  [--budget-from N] [--work DIR] [--rules FILE]
#
# Each size is generated once with `mpirun -n 2 attrib gen` straight to HDF5, as an
# unpartitioned store (gen -o) and as a partitioned one (gen --partitioned: the tables
# `attrib import` would write of the same rows); conversions = events / 10, identities
# = events / 73, so the busiest identity holds about 0.1 % of the rows at every size.
# Cached in the work dir (default bench/out/scale, git-ignored). Sizes of
# at least --budget-from events (default 10^8) run under --memory-per-rank BYTES
# (default 8G per rank): the largest does not fit in memory at once and runs in waves.
# For every (size, store, ranks): the wall clock of mpirun … attrib run (median of K,
# default 3), the waves, the rows (events + conversions) per second, and the ratio to
# the smallest size at the same ranks; then 1 → 2 ranks at the smallest size.
#
# Environment: ATTRIB (default build/attrib), HDF5_PLUGIN_PATH, MPIEXEC (mpirun).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
ATTRIB=${ATTRIB:-$SRC/build/attrib}
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-$(dirname "$ATTRIB")/plugin}
MPIEXEC=${MPIEXEC:-mpirun}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
SIZES="10000000 100000000 500000000"
RANKS="1 2"
STORES="unpartitioned partitioned"
REPS=3
BUDGET=8G
BUDGET_FROM=100000000
WORK=$SRC/bench/out/scale
RULES=$SRC/conf/example.rules.cfg
while [ $# -gt 0 ]; do
    case $1 in
        --sizes) SIZES=$2; shift 2 ;;
        --ranks) RANKS=$2; shift 2 ;;
        --stores) STORES=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --budget) BUDGET=$2; shift 2 ;;
        --budget-from) BUDGET_FROM=$2; shift 2 ;;
        --work) WORK=$2; shift 2 ;;
        --rules) RULES=$2; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "scale: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[ -x "$ATTRIB" ] || { echo "scale: no attrib binary at $ATTRIB (set ATTRIB)" >&2; exit 2; }
mkdir -p "$WORK"
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) printf "%.3f\n", a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
smallest=$(echo "$SIZES" | tr ' ' '\n' | sort -n | head -1)

store_of() { # size kind -> path (generated once)
    local n=$1 f="$WORK/e$1.h5" opt=()
    if [ "$2" = partitioned ]; then f="$WORK/e$1_p.h5"; opt=(--partitioned); fi
    if [ ! -s "$f" ]; then
        echo "# generating $n events in $f" >&2
        "$MPIEXEC" --oversubscribe -n 2 "$ATTRIB" gen -q --events "$n" --conversions $((n / 10)) \
            --identities $((n / 73)) "${opt[@]}" -o "$f"
    fi
    echo "$f"
}

echo "attrib: $ATTRIB, last_touch, rules $RULES, median of $REPS; --memory-per-rank $BUDGET from $BUDGET_FROM events"
echo "host: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load average at start $(load)"
echo
echo "| events | store | ranks | waves | wall s | rows/s (events + conversions) | vs $smallest | load before |"
echo "|---|---|---|---|---|---|---|---|"
declare -A RATE=()
for n in $SIZES; do
    for kind in $STORES; do
        f=$(store_of "$n" "$kind")
        opts=()
        [ "$n" -ge "$BUDGET_FROM" ] && opts=(--memory-per-rank "$BUDGET")
        for r in $RANKS; do
            la=$(load)
            walls=()
            for _ in $(seq "$REPS"); do
                t0=$(now)
                "$MPIEXEC" --oversubscribe -n "$r" "$ATTRIB" run -c "$RULES" -i "$f" -o "$WORK/out.h5" \
                    --model last_touch "${opts[@]}" 2>"$WORK/run.err"
                t1=$(now)
                walls+=("$(echo "$t1 - $t0" | bc -l)")
            done
            w=$(printf '%s\n' "${walls[@]}" | median)
            waves=$(sed -n 's/.*budget.*: \([0-9]*\) waves\{0,1\},.*/\1/p' "$WORK/run.err" | head -1)
            rows=$((n + n / 10))
            rate=$(echo "$rows / $w" | bc -l)
            RATE[$n.$kind.$r]=$rate
            base=${RATE[$smallest.$kind.$r]}
            printf '| %s | %s | %s | %s | %.2f | %.2f M | %.2f | %s |\n' "$n" "$kind" "$r" "${waves:-1}" "$w" \
                "$(echo "$rate / 1000000" | bc -l)" "$(echo "$rate / $base" | bc -l)" "$la"
        done
    done
done
echo
for kind in unpartitioned partitioned; do
    a=${RATE[$smallest.$kind.1]:-} b=${RATE[$smallest.$kind.2]:-}
    [ -n "$a" ] && [ -n "$b" ] && printf '1 -> 2 ranks at %s events, %s store: %.2fx\n' "$smallest" "$kind" "$(echo "$b / $a" | bc -l)"
done
echo "load average at end $(load)"

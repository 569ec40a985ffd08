#!/usr/bin/env bash
# The cost of every model in one pass (bench/README.md): `attrib run --model last_touch`
# against `attrib run --compare all` (every model, markov and shapley fitted exactly,
# /report/models, /report/paths, /report/markov, /report/shapley) on the same input,
# alternating, median of K runs each.
#
#   bench/compare.sh [--events N] [--ranks R] [--reps K] [--work DIR]
#
# Input: `attrib gen` seed 1, conversions = events / 10, cached in the work dir (default
# bench/out/, git-ignored; shared with bench/labels.sh).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
ATTRIB=${ATTRIB:-$SRC/build/attrib}
MPIEXEC=${MPIEXEC:-mpirun}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
EVENTS=10000000 RANKS=2 REPS=3 WORK=$SRC/bench/out
while [ $# -gt 0 ]; do
  case $1 in
    --events) EVENTS=$2; shift 2 ;;
    --ranks) RANKS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$WORK"
IN=$WORK/labels-$EVENTS.h5
[ -s "$IN" ] || "$ATTRIB" gen --events "$EVENTS" --conversions $((EVENTS / 10)) --seed 1 -q -o "$IN"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $EVENTS events, -n $RANKS, $REPS reps"
declare -A wall rss
for ((k = 0; k < REPS; k++)); do
  for v in last_touch compare_all; do
    args=(--model last_touch); [ $v = compare_all ] && args=(--compare all)
    t0=$(date +%s.%N)
    $MPIEXEC -n "$RANKS" "$ATTRIB" run -c "$SRC/conf/example.rules.cfg" -i "$IN" "${args[@]}" \
      -o "$WORK/compare-out-$v.h5" 2>"$WORK/compare-$v.log"
    t1=$(date +%s.%N)
    wall[$v]+="$(echo "$t1 - $t0" | bc) "
    rss[$v]+="$(sed -n 's/.*peak RSS \([0-9]*\) MiB.*/\1/p' "$WORK/compare-$v.log") "
  done
done
med() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-12s %10s %14s   %s\n' variant "wall s" "peak RSS MiB" "runs"
for v in last_touch compare_all; do
  printf '%-12s %10.3f %14s   %s\n' $v "$(echo "${wall[$v]}" | med)" "$(echo "${rss[$v]}" | med)" "${wall[$v]}"
done
a=$(echo "${wall[last_touch]}" | med) b=$(echo "${wall[compare_all]}" | med)
echo "compare all / last_touch: $(echo "scale=2; $b / $a" | bc)x (goal <= 2x)"
grep -E "match|fit|write" "$WORK/compare-compare_all.log" | sed 's/^/  compare all: /'

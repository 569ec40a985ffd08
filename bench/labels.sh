#!/usr/bin/env bash
# The cost of `attrib run --labels` (bench/README.md): the same run with and without it,
# on the same generated input, alternating, median of K runs each.
#
#   bench/labels.sh [--events N] [--ranks R] [--reps K] [--model M] [--work DIR]
#
# Prints per variant the median wall clock (including mpirun), attrib's own "run done"
# time and its peak RSS per rank (max over ranks), and the ratios. Input cached in the
# work dir (default bench/out/, git-ignored) as labels-N.h5 (conversions = events / 10).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
ATTRIB=${ATTRIB:-$SRC/build/attrib}
MPIEXEC=${MPIEXEC:-mpirun}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
EVENTS=10000000 RANKS=2 REPS=3 MODEL=last_touch WORK=$SRC/bench/out
while [ $# -gt 0 ]; do
  case $1 in
    --events) EVENTS=$2; shift 2 ;;
    --ranks) RANKS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "labels.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$WORK"
IN=$WORK/labels-$EVENTS.h5
[ -s "$IN" ] || "$ATTRIB" gen --events "$EVENTS" --conversions $((EVENTS / 10)) --seed 1 -q -o "$IN"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $EVENTS events, -n $RANKS, model $MODEL, $REPS reps"
declare -A wall own rss
for ((k = 0; k < REPS; k++)); do
  for v in plain labels; do
    args=(); [ $v = labels ] && args=(--labels)
    t0=$(date +%s.%N)
    $MPIEXEC -n "$RANKS" "$ATTRIB" run -c "$SRC/conf/example.rules.cfg" -i "$IN" --model "$MODEL" \
      "${args[@]}" -o "$WORK/labels-out-$v.h5" 2>"$WORK/labels-$v.log"
    t1=$(date +%s.%N)
    wall[$v]+="$(echo "$t1 - $t0" | bc) "
    own[$v]+="$(sed -n 's/.*run done in \([0-9.]*\) s.*/\1/p' "$WORK/labels-$v.log") "
    rss[$v]+="$(sed -n 's/.*peak RSS \([0-9]*\) MiB.*/\1/p' "$WORK/labels-$v.log") "
  done
done
med() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-8s %10s %12s %14s\n' variant "wall s" "run done s" "peak RSS MiB"
for v in plain labels; do
  printf '%-8s %10.3f %12.3f %14s\n' $v "$(echo "${wall[$v]}" | med)" "$(echo "${own[$v]}" | med)" "$(echo "${rss[$v]}" | med)"
done
wp=$(echo "${wall[plain]}" | med) wl=$(echo "${wall[labels]}" | med)
rp=$(echo "${rss[plain]}" | med) rl=$(echo "${rss[labels]}" | med)
echo "labels/plain: wall $(echo "scale=2; $wl / $wp" | bc)x, peak RSS $(echo "scale=2; $rl / $rp" | bc)x; labels rows: $(grep -o '[0-9]* labels' "$WORK/labels-labels.log" | head -1)"

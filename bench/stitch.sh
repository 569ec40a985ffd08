#!/usr/bin/env bash
# The cost of stitching (docs/identity.md, bench/README.md): `attrib run` on an input
# with an identity graph (attrib gen --links), stitched and with --no-stitch (the same
# run without the links), alternating, median of K runs each.
#
#   bench/stitch.sh [--events N] [--ranks R] [--reps K] [--model M] [--devices K]
#                   [--hubs H] [--work DIR]
#
# Prints per variant the median wall clock (including mpirun), attrib's own "run done"
# time, the stitch phase's seconds and its line, and the peak RSS per rank (max over
# ranks). Input cached in the work dir (default bench/out/, git-ignored) as
# stitch-N-K-H.h5 (conversions = events / 10, --devices-per-person K, --hubs H).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
ATTRIB=${ATTRIB:-$SRC/build/attrib}
MPIEXEC=${MPIEXEC:-mpirun}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
EVENTS=10000000 RANKS=2 REPS=3 MODEL=last_touch DEV=3 HUBS=2 WORK=$SRC/bench/out
while [ $# -gt 0 ]; do
  case $1 in
    --events) EVENTS=$2; shift 2 ;;
    --ranks) RANKS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --devices) DEV=$2; shift 2 ;;
    --hubs) HUBS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "stitch.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$WORK"
IN=$WORK/stitch-$EVENTS-$DEV-$HUBS.h5
[ -s "$IN" ] || "$ATTRIB" gen --events "$EVENTS" --conversions $((EVENTS / 10)) --seed 1 \
  --devices-per-person "$DEV" --hubs "$HUBS" -q -o "$IN"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $EVENTS events, -n $RANKS, model $MODEL, devices-per-person $DEV, hubs $HUBS, $REPS reps"
declare -A wall own rss st
for ((k = 0; k < REPS; k++)); do
  for v in no-stitch stitched; do
    args=(); [ $v = no-stitch ] && args=(--no-stitch)
    t0=$(date +%s.%N)
    $MPIEXEC -n "$RANKS" "$ATTRIB" run -c "$SRC/conf/example.rules.cfg" -i "$IN" --model "$MODEL" \
      "${args[@]}" -o "$WORK/stitch-out-$v.h5" 2>"$WORK/stitch-$v.log"
    t1=$(date +%s.%N)
    wall[$v]+="$(echo "$t1 - $t0" | bc) "
    own[$v]+="$(sed -n 's/.*run done in \([0-9.]*\) s.*/\1/p' "$WORK/stitch-$v.log") "
    rss[$v]+="$(sed -n 's/.*peak RSS \([0-9]*\) MiB.*/\1/p' "$WORK/stitch-$v.log") "
    s=$(awk '$2 == "stitch" {for (i = 1; i <= NF; i++) if ($i == "s") {print $(i-1); exit}}' "$WORK/stitch-$v.log")
    st[$v]+="${s:-0} "
  done
done
med() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-10s %10s %12s %10s %14s\n' variant "wall s" "run done s" "stitch s" "peak RSS MiB"
for v in no-stitch stitched; do
  printf '%-10s %10.3f %12.3f %10.3f %14s\n' $v "$(echo "${wall[$v]}" | med)" "$(echo "${own[$v]}" | med)" \
    "$(echo "${st[$v]}" | med)" "$(echo "${rss[$v]}" | med)"
done
wn=$(echo "${wall[no-stitch]}" | med) ws=$(echo "${wall[stitched]}" | med)
echo "stitched/no-stitch: wall $(echo "scale=2; $ws / $wn" | bc)x"
grep '^attrib: stitch' "$WORK/stitch-stitched.log" || true
grep '^attrib: match' "$WORK/stitch-stitched.log" "$WORK/stitch-no-stitch.log" | sed 's/^.*stitch-//' || true

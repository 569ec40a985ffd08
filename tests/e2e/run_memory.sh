#!/usr/bin/env bash
# --memory-per-rank: a budget that forces waves gives output identical to an
# unbudgeted run, and the peak RSS attrib measures on every rank stays within the budget;
# a budget too small for a rank's share of the input stops before reading, exit 2, with
# the rank count needed, and leaves no output.
set -euo pipefail
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI="$MPIEXEC --allow-run-as-root --oversubscribe"
RULES="$ATTRIB_SRC/conf/example.rules.cfg"
fail=0
"$ATTRIB" gen --events 1000000 --conversions 100000 --seed 3 -q -o "$W/in.h5"
"$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" -o "$W/ref.h5"
for n in 1 2; do
  budget=$((n == 1 ? 100 : 80))
  $MPI -n $n "$ATTRIB" run -c "$RULES" -i "$W/in.h5" --memory-per-rank ${budget}M -o "$W/b$n.h5" 2>"$W/log$n"
  waves=$(sed -n 's/.*per rank: \([0-9]*\) wave.*/\1/p' "$W/log$n")
  peak=$(sed -n 's/.*peak RSS \([0-9]*\) MiB.*/\1/p' "$W/log$n")
  echo "n=$n: $waves waves, peak RSS $peak MiB, budget $budget MiB"
  if [ -z "$waves" ] || [ "$waves" -lt 3 ]; then echo "FAIL n=$n: expected at least 3 waves"; fail=1; fi
  if [ -z "$peak" ] || [ "$peak" -gt "$budget" ]; then echo "FAIL n=$n: peak RSS $peak MiB over the $budget MiB budget"; fail=1; fi
  for t in credits unattributed report/campaign report/daily report/daily_touch report/advertiser; do
    if cmp -s <("$ATTRIB" export "$W/ref.h5" $t) <("$ATTRIB" export "$W/b$n.h5" $t); then :; else echo "FAIL n=$n: $t differs from the unbudgeted run"; fail=1; fi
  done
done
set +e
$MPI -n 2 "$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" --memory-per-rank 70M -o "$W/small.h5" 2>"$W/small.log"
rc=$?
set -e
if [ $rc -ne 2 ]; then echo "FAIL: too small a budget exited $rc, want 2"; fail=1; fi
if ! grep -q "too small for 2 ranks.*need at least [0-9]* ranks" "$W/small.log"; then echo "FAIL: message"; cat "$W/small.log"; fail=1; fi
if [ -e "$W/small.h5" ] || [ -e "$W/small.h5.tmp" ]; then echo "FAIL: output left behind"; fail=1; fi
[ $fail = 0 ] && echo "PASS run_memory"
exit $fail

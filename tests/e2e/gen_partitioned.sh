#!/usr/bin/env bash
# attrib gen --partitioned writes the partitioned store that attrib import writes:
#  - every table (/events, /conversions, /partitions, /campaigns, type names) equals,
#    bit for bit, `gen --csv` of the same parameters followed by `attrib import`, at 1,
#    2 and 3 ranks and with small batches (many slices per rank);
#  - attrib run reads it in place and gives the tables of a run of the unpartitioned
#    `gen -o` store of the same data, also in waves;
#  - --partitioned with --csv or with an identity graph is a usage error (exit 2).
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}" "${MPIEXEC:?}"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI="$MPIEXEC --allow-run-as-root --oversubscribe"
RULES="$ATTRIB_SRC/conf/example.rules.cfg"
G=(--events 40000 --conversions 4000 --identities 900 --seed 8)
fail=0

"$ATTRIB" gen -q "${G[@]}" --csv "$W/csv"
"$ATTRIB" import -q --events "$W/csv/events.csv" --conversions "$W/csv/conversions.csv" \
  --campaigns "$W/csv/campaigns.csv" -o "$W/imp.h5" 2>/dev/null
"$ATTRIB" gen -q "${G[@]}" -o "$W/plain.h5"
for n in 1 2 3; do
  $MPI -n $n "$ATTRIB" gen -q "${G[@]}" --partitioned --batch 3000 -o "$W/g$n.h5"
  for t in events conversions partitions campaigns; do
    h5diff -q "$W/imp.h5" "$W/g$n.h5" "/$t" || { echo "FAIL $n ranks: /$t differs from gen --csv | import"; fail=1; }
  done
done
[ $fail = 0 ] && echo "PASS gen --partitioned = gen --csv | import, at 1-3 ranks"

exp() { "$ATTRIB" export "$1" "$2"; }
TABLES="credits unattributed report/campaign report/daily report/advertiser"
"$ATTRIB" run -q -c "$RULES" -i "$W/plain.h5" -o "$W/r_plain.h5"
for opt in "" "--memory-per-rank 68681728"; do
  # shellcheck disable=SC2086
  $MPI -n 2 "$ATTRIB" run -c "$RULES" -i "$W/g2.h5" $opt -o "$W/r_part.h5" 2>"$W/r.err"
  grep -q 'partitioned store: read in place, nothing sent' "$W/r.err" || { echo "FAIL not read in place"; cat "$W/r.err"; fail=1; }
  for t in $TABLES; do
    cmp -s <(exp "$W/r_plain.h5" "$t") <(exp "$W/r_part.h5" "$t") || { echo "FAIL run ${opt:-(no budget)}: $t differs"; fail=1; }
  done
  echo "PASS run of the partitioned store = run of gen -o ${opt:+(waves: $(grep -m1 budget "$W/r.err" | sed 's/.*: //'))}"
done

for bad in "--csv $W/x" "--links -o $W/x.h5" "--hubs 2 -o $W/x.h5"; do
  set +e
  # shellcheck disable=SC2086
  "$ATTRIB" gen -q "${G[@]}" --partitioned $bad 2>"$W/e.txt"
  rc=$?
  set -e
  if [ $rc = 2 ] && grep -q -- "--partitioned" "$W/e.txt"; then echo "PASS refused: --partitioned $bad: $(head -1 "$W/e.txt")"
  else echo "FAIL --partitioned $bad: exit $rc"; cat "$W/e.txt"; fail=1; fi
done
[ $fail = 0 ] && echo "gen_partitioned: ok"
exit $fail

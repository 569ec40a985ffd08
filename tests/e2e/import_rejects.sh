#!/usr/bin/env bash
# attrib import: every reject reason (docs/formats.md) lands in the rejects file with
# its file and physical line (also inside a .gz); the reject-rate limit fails with exit
# 2 and no output (but the rejects file); a missing column and a truncated .gz fail
# cleanly.
# (Imports take --no-partition: rows stay in file order and compare row for row; the
# partitioned layout, the default, is checked in run_partitioned.sh.)
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
PY=/usr/bin/python3
FIX=$ATTRIB_SRC/tests/fixtures/import
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$FIX"/*.csv .
gzip -c conversions_bad.csv >conversions_bad.csv.gz
args=(--campaigns campaigns_bad.csv --events events_bad.csv --conversions conversions_bad.csv.gz)

# Allowed rate: the good rows are written, each bad one is listed.
"$ATTRIB" import --no-partition -q "${args[@]}" --rejects rej.csv --max-reject-rate 1 -o ok.h5
diff -u expected_rejects.csv rej.csv
grep -q "aaaa\|xxxxxxxxxx" rej.csv && { echo "raw row data in the rejects file"; exit 1; }
"$PY" - ok.h5 <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert list(f["events/event_id"][()]) == [1, 12, 15], f["events/event_id"][()]
assert list(f["conversions/conversion_id"][()]) == [1], f["conversions/conversion_id"][()]
assert list(f["campaigns/campaign_id"][()]) == [10], f["campaigns/campaign_id"][()]
assert f["campaigns/advertiser_id"][0] == 7
PYEOF

# Default rate (0.001): exit 2, nothing written, the rejects file still is.
rm -f rej.csv
set +e
"$ATTRIB" import --no-partition -q "${args[@]}" --rejects rej.csv -o no.h5 2>err.txt
rc=$?
set -e
[ $rc -eq 2 ] || { echo "exit $rc, expected 2"; cat err.txt; exit 1; }
test ! -e no.h5 && test ! -e no.h5.tmp
grep -q "max-reject-rate" err.txt || { cat err.txt; exit 1; }
diff -u expected_rejects.csv rej.csv

# The same under 2 ranks (rejects gathered in file and line order).
if [ -n "${MPIEXEC:-}" ]; then
    rm -f rej.csv
    $MPIEXEC --allow-run-as-root --oversubscribe -n 2 "$ATTRIB" import --no-partition -q "${args[@]}" \
        --rejects rej.csv --max-reject-rate 1 -o ok2.h5
    diff -u expected_rejects.csv rej.csv
fi

# A missing required column: exit 2 naming file and column.
printf 'event_id,identity,timestamp,kind\n1,a,0,impression\n' >nocol.csv
set +e
"$ATTRIB" import --no-partition -q --campaigns campaigns_bad.csv --events nocol.csv \
    --conversions conversions_bad.csv.gz -o x.h5 2>err.txt
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "nocol.csv" err.txt && grep -q "campaign_id" err.txt ||
    { echo "missing column: exit $rc"; cat err.txt; exit 1; }
test ! -e x.h5 && test ! -e x.h5.tmp

# A truncated .gz: exit 2 naming the file, no output.
"$PY" -c "
import gzip
rows = ''.join(f'{i},id{i},{1790000000000 + i},10,impression,0.5\n' for i in range(20000))
open('big.csv.gz', 'wb').write(gzip.compress(('event_id,identity,timestamp,campaign_id,kind,cost\n' + rows).encode()))"
head -c 30000 big.csv.gz >trunc.csv.gz
printf 'campaign_id,advertiser_id,name\n10,7,A\n' >camp.csv
printf 'conversion_id,identity,timestamp,advertiser_id,type\n' >conv.csv
"$ATTRIB" import --no-partition -q --campaigns camp.csv --events big.csv.gz --conversions conv.csv -o full.h5
set +e
"$ATTRIB" import --no-partition -q --campaigns camp.csv --events trunc.csv.gz --conversions conv.csv -o t.h5 2>err.txt
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "trunc.csv.gz" err.txt && grep -q "truncated" err.txt ||
    { echo "truncated gz: exit $rc"; cat err.txt; exit 1; }
test ! -e t.h5 && test ! -e t.h5.tmp
gzip -dc big.csv.gz | zstd -q -c >big.csv.zst
head -c 30000 big.csv.zst >trunc.csv.zst
set +e
"$ATTRIB" import --no-partition -q --campaigns camp.csv --events trunc.csv.zst --conversions conv.csv -o t.h5 2>err.txt
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "trunc.csv.zst" err.txt ||
    { echo "truncated zst: exit $rc"; cat err.txt; exit 1; }
# A missing input file and a usage error are exit 2 too.
set +e
"$ATTRIB" import --no-partition -q --campaigns camp.csv --events nope.csv --conversions conv.csv -o t.h5 2>err.txt
rc1=$?
"$ATTRIB" import --no-partition -q --campaigns camp.csv --events big.csv.gz -o t.h5 2>/dev/null
rc2=$?
set -e
[ $rc1 -eq 2 ] && grep -q "nope.csv" err.txt && [ $rc2 -eq 2 ] || { echo "exit $rc1 $rc2"; exit 1; }
# One wording for input errors, "attrib: import: FILE[:LINE]: …", whatever the ranks.
for n in 1 2; do
    set +e
    ${MPIEXEC:-mpiexec} --allow-run-as-root --oversubscribe -n $n "$ATTRIB" import --no-partition -q --campaigns camp.csv \
        --events nope.csv --conversions conv.csv -o t.h5 2>err.txt
    rc=$?
    ${MPIEXEC:-mpiexec} --allow-run-as-root --oversubscribe -n $n "$ATTRIB" import --no-partition -q --campaigns campaigns_bad.csv \
        --events nocol.csv --conversions conversions_bad.csv.gz -o x.h5 2>err2.txt
    rc2=$?
    set -e
    [ $rc = 2 ] && grep -qx "attrib: import: nope.csv: cannot open: No such file or directory" err.txt ||
        { echo "$n ranks: $(cat err.txt)"; exit 1; }
    [ $rc2 = 2 ] && grep -qx "attrib: import: nocol.csv:1: missing column 'campaign_id' in the header of events file" err2.txt ||
        { echo "$n ranks: $(cat err2.txt)"; exit 1; }
done
echo "import_rejects: ok"

#!/usr/bin/env bash
# attrib import at 1, 2 and 3 ranks gives identical tables, on files whose byte-range
# boundaries fall inside quoted fields with newlines and doubled quotes, with a mix
# of plain and compressed files per kind: the partitioned store (the default) and the
# --no-partition one (rows in file order), which hold the same rows.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}" "${MPIEXEC:?}"
PY=/usr/bin/python3
FIX=$ATTRIB_SRC/tests/fixtures/import
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$PY" - <<'PYEOF'
import random, gzip
r = random.Random(42)
kinds = ["impression", "engagement", "nurture"]
with open("camp.csv", "w") as f:
    f.write("campaign_id,advertiser_id,name\n")
    for c in range(1, 41):
        f.write(f'{c},{c % 5},"camp ""{c}""\nline2"\n')
def events(n, first):
    # A long quoted note (newlines, commas, doubled quotes) puts most bytes inside
    # quotes, so range boundaries mostly fall where the quote parity matters.
    out = ["kind,identity,event_id,note,timestamp,campaign_id,cost\r\n"]
    for i in range(first, first + n):
        ident = r.choice(['"a\n""b""\n"', "plain", '"x,y"', f"user{r.randrange(500)}"])
        ts = 1790000000000 + r.randrange(10**9) if r.random() < 0.5 else \
            f"2026-10-{r.randrange(1, 31):02d}T{r.randrange(24):02d}:00:00.{r.randrange(1000):03d}+01:00"
        camp = r.randrange(1, 45)  # a few unknown campaigns -> rejects
        cost = r.choice(["", "0.25", "1e-3", f"{r.randrange(10**6)}.{r.randrange(100):02d}", "-1"])
        note = '"' + 'n\n""q"",\r\n' * r.randrange(0, 30) + '"'
        out.append(f"{r.choice(kinds)},{ident},{i},{note},{ts},{camp},{cost}\r\n")
    return "".join(out)
open("ev1.csv", "w", newline="").write(events(3000, 0))
open("ev2.csv.gz", "wb").write(gzip.compress(events(1000, 10000).encode()))
open("ev3.csv", "w", newline="").write(events(2000, 20000))
types = ["purchase", "signup", "Refund", "a,b", 'q"t']
def convs(n, first):
    out = ["conversion_id,identity,timestamp,advertiser_id,type,value\n"]
    for i in range(first, first + n):
        t = r.choice(types)
        t = '"' + t.replace('"', '""') + '"' if ("," in t or '"' in t) else t
        out.append(f'{i},"u\n{r.randrange(300)}",{1790000000000 + r.randrange(10**9)},{r.randrange(5)},{t},{r.randrange(10**5)}.5\n')
    return "".join(out)
open("cv1.csv", "w").write(convs(1500, 0))
open("cv2.csv.gz", "wb").write(gzip.compress(convs(700, 5000).encode()))
PYEOF
args=(--campaigns camp.csv --events ev1.csv --events ev2.csv.gz --events ev3.csv
      --conversions cv1.csv --conversions cv2.csv.gz --max-reject-rate 1)
"$ATTRIB" import -q "${args[@]}" --rejects rej1.csv -o r1.h5
"$PY" "$FIX/check_h5.py" dump r1.h5 >d1.txt
"$ATTRIB" import -q --no-partition "${args[@]}" --rejects rejp1.csv -o p1.h5
"$PY" "$FIX/check_h5.py" dump p1.h5 >dp1.txt
cmp rej1.csv rejp1.csv || { echo "rejects differ with --no-partition"; exit 1; }
cmp -s d1.txt dp1.txt && { echo "the partitioned store should not keep file order"; exit 1; }
cmp <(sort d1.txt) <(sort dp1.txt) || { echo "partitioned and --no-partition rows differ"; exit 1; }
[ "$(grep -c . rej1.csv)" -gt 10 ] || { echo "expected some rejects"; exit 1; }
for n in 2 3 4; do
    $MPIEXEC --allow-run-as-root --oversubscribe -n $n "$ATTRIB" import -q "${args[@]}" \
        --rejects rej$n.csv -o r$n.h5
    "$PY" "$FIX/check_h5.py" dump r$n.h5 >d$n.txt
    cmp d1.txt d$n.txt || { echo "tables differ at $n ranks"; diff d1.txt d$n.txt | head; exit 1; }
    cmp rej1.csv rej$n.csv || { echo "rejects differ at $n ranks"; diff rej1.csv rej$n.csv | head; exit 1; }
    $MPIEXEC --allow-run-as-root --oversubscribe -n $n "$ATTRIB" import -q --no-partition "${args[@]}" \
        -o p$n.h5
    "$PY" "$FIX/check_h5.py" dump p$n.h5 >dp$n.txt
    cmp dp1.txt dp$n.txt || { echo "--no-partition tables differ at $n ranks"; exit 1; }
done
# Sanity: the row counts are what the generator wrote minus the rejects.
"$PY" - p1.h5 "$(grep -c '^ev' rej1.csv)" "$(grep -c '^cv' rej1.csv)" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert len(f["events/event_id"]) == 6000 - int(sys.argv[2]), (len(f["events/event_id"]), sys.argv[2])
assert len(f["conversions/conversion_id"]) == 2200 - int(sys.argv[3])
assert len(f["campaigns/campaign_id"]) == 40
ids = list(f["events/event_id"][()])
assert ids == sorted(ids), "rows not in input order"
PYEOF
echo "import_ranks: ok"

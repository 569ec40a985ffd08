#!/usr/bin/env bash
# The partitioned store (docs/formats.md, "The input file"):
#  - attrib import writes /events and /conversions grouped by logical partition and
#    sorted inside each, with the index /partitions: checked against an independent
#    model in Python (the partition function, the order, the index, the same rows as
#    --no-partition), and identical at 1, 2 and 3 ranks and for shuffled CSV rows;
#  - attrib run reads it in place (the progress line says nothing is sent) and every
#    table equals a run of the --no-partition store, at 1-4 ranks, in waves under a
#    memory budget, in steps of a few hundred rows, for every model (--compare all),
#    labels and explain;
#  - a stitched run (import --links) takes the exchange path and equals the
#    --no-partition store's stitched run;
#  - attrib explain gives the same answer on both stores;
#  - a broken index is refused with exit 2 naming the dataset: a wrong end, a decreasing
#    row, a wrong length, a row moved into another partition; without /partitions the
#    store is read unpartitioned.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}" "${MPIEXEC:?}"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI="$MPIEXEC --allow-run-as-root --oversubscribe"
PY=/usr/bin/python3
RULES="$ATTRIB_SRC/conf/example.rules.cfg"
fail=0

"$ATTRIB" gen --events 30000 --conversions 3000 --identities 2000 --seed 5 -q --links --csv "$W/csv"
C=$W/csv
for t in events conversions; do $PY "$ATTRIB_SRC/tests/tools/shuffle_csv.py" 9 "$C/$t.csv" "$W/$t.shuf.csv"; done
IMP=(--events "$C/events.csv" --conversions "$C/conversions.csv" --campaigns "$C/campaigns.csv")
"$ATTRIB" import -q "${IMP[@]}" -o "$W/p1.h5" 2>/dev/null
"$ATTRIB" import -q "${IMP[@]}" --no-partition -o "$W/u.h5" 2>/dev/null
for n in 2 3; do $MPI -n $n "$ATTRIB" import -q "${IMP[@]}" -o "$W/p$n.h5" 2>/dev/null; done
$MPI -n 2 "$ATTRIB" import -q --events "$W/events.shuf.csv" --conversions "$W/conversions.shuf.csv" \
  --campaigns "$C/campaigns.csv" -o "$W/ps.h5" 2>/dev/null
"$ATTRIB" import -q "${IMP[@]}" --links "$C/links.csv" -o "$W/pl.h5" 2>/dev/null
"$ATTRIB" import -q "${IMP[@]}" --links "$C/links.csv" --no-partition -o "$W/ul.h5" 2>/dev/null

# The layout, against a model of it.
if $PY - "$W" <<'PYEOF'
import sys, h5py, numpy as np
W = sys.argv[1]
M = (1 << 64) - 1
def part(i):
    x = i ^ (i >> 33)
    x = (x * 0xff51afd7ed558ccd) & M
    x ^= x >> 33
    return x >> 52
def rows(f, t):
    g = f[t]
    cols = [c for c in g if c != "type_names"]
    return cols, {c: g[c][()] for c in cols}
def tuples(cols, d):
    return list(zip(*[d[c].tolist() for c in cols]))
order = {"events": ["identity", "ts", "event_id", "campaign_id", "kind", "cost"],
         "conversions": ["identity", "ts", "conversion_id", "advertiser_id", "type", "value"]}
p1 = h5py.File(f"{W}/p1.h5", "r"); u = h5py.File(f"{W}/u.h5", "r")
assert "partitions" not in u, "--no-partition wrote /partitions"
for f in ["p2", "p3", "ps"]:
    g = h5py.File(f"{W}/{f}.h5", "r")
    for t in ["events", "conversions", "partitions"]:
        for c in p1[t]:
            assert np.array_equal(p1[t][c][()], g[t][c][()]), (f, t, c)
for t in ["events", "conversions"]:
    cols, d = rows(p1, t)
    off = p1["partitions"][t][()].tolist()
    assert len(off) == 4097 and off[0] == 0 and off[-1] == len(d["identity"]), (t, len(off))
    key = order[t]
    recs = list(zip(*[d[c].tolist() for c in key]))
    for q in range(4096):
        seg = recs[off[q]:off[q + 1]]
        assert all(part(r[0]) == q for r in seg), (t, q)
        assert seg == sorted(seg), (t, q, "not sorted")
    ucols, ud = rows(u, t)
    assert sorted(tuples(cols, d)) == sorted(tuples(cols, ud)), (t, "rows differ from --no-partition")
    nonempty = sum(1 for q in range(4096) if off[q + 1] > off[q])
    print(f"{t}: {len(recs)} rows in {nonempty} non-empty partitions")
PYEOF
then echo "PASS layout = model, identical at 1-3 ranks and shuffled"; else echo "FAIL layout"; fail=1; fi

TABLES="credits unattributed report/campaign report/daily report/daily_touch report/advertiser labels explain/conversion report/paths report/markov report/shapley report/models"
OPTS=(--labels --explain --compare all)
exp() { "$ATTRIB" export "$1" "$2"; }
same() { # what file-a file-b tables...
  local what=$1 a=$2 b=$3; shift 3
  for t in "$@"; do
    if ! cmp -s <(exp "$a" "$t") <(exp "$b" "$t"); then echo "FAIL $what: $t differs"; fail=1; return; fi
  done
  echo "PASS $what"
}

"$ATTRIB" run -c "$RULES" -i "$W/u.h5" "${OPTS[@]}" -o "$W/ru.h5" 2>"$W/ru.err"
grep -q 'of which reading the other columns' "$W/ru.err" && echo "PASS --no-partition store exchanges" \
  || { echo "FAIL unpartitioned progress"; cat "$W/ru.err"; fail=1; }
for n in 1 2 3 4; do
  $MPI -n $n "$ATTRIB" run -c "$RULES" -i "$W/p1.h5" "${OPTS[@]}" -o "$W/rp$n.h5" 2>"$W/rp$n.err"
  grep -q 'partitioned store: read in place, nothing sent' "$W/rp$n.err" \
    || { echo "FAIL $n ranks: not read in place"; cat "$W/rp$n.err"; fail=1; }
  same "partitioned store at $n ranks = --no-partition store" "$W/ru.h5" "$W/rp$n.h5" $TABLES
done
# Steps: a partitioned store is read and matched a step of partitions at a time (2^19
# rows); steps of 700 rows (ATTRIB_TEST_STEP_ROWS) cut these data into dozens per rank,
# so partitions end at step boundaries and file chunks are read in many pieces (the
# reader's memo of the last chunk).
ATTRIB_TEST_STEP_ROWS=700 $MPI -x ATTRIB_TEST_STEP_ROWS -n 2 "$ATTRIB" run -q -c "$RULES" -i "$W/p1.h5" "${OPTS[@]}" -o "$W/rst.h5"
same "partitioned store in steps of 700 rows at 2 ranks" "$W/ru.h5" "$W/rst.h5" $TABLES
ATTRIB_TEST_STEP_ROWS=1 "$ATTRIB" run -q -c "$RULES" -i "$W/p1.h5" --model linear -o "$W/rs1.h5"
"$ATTRIB" run -q -c "$RULES" -i "$W/u.h5" --model linear -o "$W/ru1.h5"
same "partitioned store one partition per step (linear)" "$W/ru1.h5" "$W/rs1.h5" credits unattributed report/campaign report/daily
# Waves: a budget that needs several (the progress line names them; no labels, whose
# rows would need a larger budget than these data's waves).
WOPTS=(--explain --compare all)
WTABLES=${TABLES/ labels/}
"$ATTRIB" run -q -c "$RULES" -i "$W/u.h5" "${WOPTS[@]}" -o "$W/ruw.h5"
$MPI -n 2 "$ATTRIB" run -c "$RULES" -i "$W/p1.h5" "${WOPTS[@]}" --memory-per-rank 68681728 -o "$W/rw.h5" 2>"$W/rw.err"
if grep -q 'wave 2/' "$W/rw.err"; then same "partitioned store in waves ($(grep -m1 budget "$W/rw.err" | sed 's/.*: //'))" "$W/ruw.h5" "$W/rw.h5" $WTABLES
else echo "FAIL no waves at 70M"; cat "$W/rw.err"; fail=1; fi
for m in linear time_decay first_touch; do
  "$ATTRIB" run -q -c "$RULES" -i "$W/u.h5" --model $m -o "$W/mu.h5"
  $MPI -n 3 "$ATTRIB" run -q -c "$RULES" -i "$W/ps.h5" --model $m -o "$W/mp.h5"
  same "--model $m, shuffled-CSV store at 3 ranks" "$W/mu.h5" "$W/mp.h5" credits unattributed report/campaign
done

# Stitched: the exchange path, the same results.
"$ATTRIB" run -q -c "$RULES" -i "$W/ul.h5" "${OPTS[@]}" -o "$W/rul.h5"
$MPI -n 2 "$ATTRIB" run -c "$RULES" -i "$W/pl.h5" "${OPTS[@]}" -o "$W/rpl.h5" 2>"$W/rpl.err"
grep -q 'of which reading the other columns' "$W/rpl.err" && grep -q '^attrib: stitch ' "$W/rpl.err" \
  && echo "PASS stitched partitioned store exchanges" || { echo "FAIL stitched path"; cat "$W/rpl.err"; fail=1; }
same "stitched: partitioned = --no-partition" "$W/rul.h5" "$W/rpl.h5" $TABLES report/identity

# explain: the same answer from both stores.
cid=$("$ATTRIB" export "$W/ru.h5" credits | awk -F, 'NR == 2 { print $1 }')
"$ATTRIB" explain -c "$RULES" -i "$W/u.h5" --conversion "$cid" --json >"$W/xu.json"
$MPI -n 2 "$ATTRIB" explain -c "$RULES" -i "$W/p1.h5" --conversion "$cid" --json >"$W/xp.json"
if cmp -s "$W/xu.json" "$W/xp.json"; then echo "PASS explain conversion $cid identical"
else echo "FAIL explain differs"; diff "$W/xu.json" "$W/xp.json" | head; fail=1; fi

# A broken index: exit 2, a message naming it, no output.
bad() { # name python-statement expected-words
  local name=$1 stmt=$2 words=$3
  cp "$W/p1.h5" "$W/bad.h5"
  $PY -c "
import h5py, numpy as np
f = h5py.File('$W/bad.h5', 'r+')
$stmt"
  rm -f "$W/bad.out.h5"
  set +e
  $MPI -n 2 "$ATTRIB" run -q -c "$RULES" -i "$W/bad.h5" -o "$W/bad.out.h5" 2>"$W/bad.err"
  local rc=$?
  set -e
  if [ $rc = 2 ] && grep -q "$words" "$W/bad.err" && [ ! -e "$W/bad.out.h5" ]; then
    echo "PASS refused: $name: $(grep -m1 "$words" "$W/bad.err")"
  else echo "FAIL $name: exit $rc"; cat "$W/bad.err"; fail=1; fi
}
bad "wrong end" "d = f['partitions/events']; d[4096] = d[4096] - 1" "/partitions/events runs from 0 to"
bad "decreasing row" "d = f['partitions/conversions']; d[100] = d[101] + 1" "dataset /partitions/conversions row 10[01]"
bad "wrong length" "
e = f['partitions/events'][()][:100]; c = f['partitions/conversions'][()][:100]
del f['partitions']; f['partitions/events'] = e; f['partitions/conversions'] = c" "/partitions has 100 rows"
bad "a row in another partition" "
d = f['events/identity']; off = f['partitions/events'][()]
q = next(q for q in range(4096) if off[q + 1] > off[q])
r = next(q2 for q2 in range(q + 1, 4096) if off[q2 + 1] > off[q2])
v = d[int(off[r])]; d[int(off[q])] = v" "is of logical partition"
cp "$W/p1.h5" "$W/nop.h5"
$PY -c "import h5py; f = h5py.File('$W/nop.h5', 'r+'); del f['partitions']"
$MPI -n 2 "$ATTRIB" run -c "$RULES" -i "$W/nop.h5" "${OPTS[@]}" -o "$W/rnop.h5" 2>"$W/rnop.err"
grep -q 'of which reading the other columns' "$W/rnop.err" || { echo "FAIL without /partitions: not exchanged"; fail=1; }
same "without /partitions: read unpartitioned, same results" "$W/ru.h5" "$W/rnop.h5" $TABLES

[ $fail = 0 ] && echo "run_partitioned: ok"
exit $fail

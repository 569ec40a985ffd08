#!/usr/bin/env bash
# attrib run --labels (/labels, docs/formats.md):
#  - /labels identical at 1, 2, 3 and 4 ranks, on a shuffled copy of the input, and in
#    waves under --memory-per-rank; /credits and the reports identical to a run without
#    --labels (labels change nothing else);
#  - against /credits and the input: one row per deduplicated catalog touch of the
#    period, credit sums and credited_of per touch equal to its /credits rows,
#    candidate_of >= eligible_of >= credited_of, ms_to_next_conversion -1 exactly when
#    candidate_of is 0; for a period and for the whole input, under two models;
#  - the export names kinds, and the pandas example of docs/formats.md runs;
#  - too small a budget for the label rows is refused before reading (exit 2).
set -euo pipefail
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI="$MPIEXEC --allow-run-as-root --oversubscribe"
PY=/usr/bin/python3
RULES="$ATTRIB_SRC/conf/example.rules.cfg"
fail=0

"$ATTRIB" gen --events 60000 --conversions 6000 --seed 5 -q -o "$W/in.h5"
$PY "$ATTRIB_SRC/tests/tools/shuffle_h5.py" "$W/in.h5" "$W/shuf.h5" 3
# The generator's period: its first and last conversion days, for a --from/--to inside.
read -r FROM TO < <($PY - "$W/in.h5" <<'PYEOF'
import sys, h5py, numpy as np, datetime as dt
with h5py.File(sys.argv[1], "r") as f:
    ts = f["conversions/ts"][:]
day = 86400000
lo, hi = int(ts.min() // day + 2) * day, int(ts.max() // day - 2) * day
f = lambda ms: dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%d")
print(f(lo), f(hi))
PYEOF
)
echo "period $FROM .. $TO"

exp() { "$ATTRIB" export "$1" "$2"; }
same() { # label file-a file-b tables...
  local what=$1 a=$2 b=$3; shift 3
  for t in "$@"; do
    if cmp -s <(exp "$a" "$t") <(exp "$b" "$t"); then :; else echo "FAIL $what: $t differs"; fail=1; return; fi
  done
  echo "PASS $what"
}

for case in "open linear" "period rules"; do
  set -- $case
  pargs=(); [ "$1" = period ] && pargs=(--from "$FROM" --to "$TO")
  margs=(); [ "$2" != rules ] && margs=(--model "$2")
  tag="$1/$2"
  "$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" "${pargs[@]}" "${margs[@]}" --labels -o "$W/l1.h5"
  "$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" "${pargs[@]}" "${margs[@]}" -o "$W/n1.h5"
  same "$tag: --labels changes no other table" "$W/l1.h5" "$W/n1.h5" credits unattributed report/campaign report/daily report/advertiser
  for n in 2 3 4; do
    $MPI -n $n "$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" "${pargs[@]}" "${margs[@]}" --labels -o "$W/l$n.h5"
    same "$tag: $n ranks identical to 1" "$W/l1.h5" "$W/l$n.h5" labels credits
  done
  $MPI -n 2 "$ATTRIB" run -q -c "$RULES" -i "$W/shuf.h5" "${pargs[@]}" "${margs[@]}" --labels -o "$W/ls.h5"
  same "$tag: shuffled input identical" "$W/l1.h5" "$W/ls.h5" labels credits
  from_ms=-9223372036854775808 to_ms=9223372036854775807
  if [ "$1" = period ]; then
    from_ms=$($PY -c "import datetime as d;print(int(d.datetime.strptime('$FROM','%Y-%m-%d').replace(tzinfo=d.timezone.utc).timestamp()*1000))")
    to_ms=$($PY -c "import datetime as d;print(int(d.datetime.strptime('$TO','%Y-%m-%d').replace(tzinfo=d.timezone.utc).timestamp()*1000))")
  fi
  if exp "$W/l1.h5" labels > "$W/labels.csv" && exp "$W/l1.h5" credits > "$W/credits.csv" &&
     $PY - "$W/in.h5" "$W/labels.csv" "$W/credits.csv" "$from_ms" "$to_ms" <<'PYEOF'
import sys, h5py, numpy as np, pandas as pd
inp, lab_csv, cr_csv, lo, hi = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
lab = pd.read_csv(lab_csv)
cr = pd.read_csv(cr_csv)
with h5py.File(inp, "r") as f:
    ev = pd.DataFrame({c: f["events"][c][:] for c in ("event_id", "identity", "ts", "campaign_id")})
    cat = set(f["campaigns/campaign_id"][:].tolist())
ok = True
def bad(m):
    global ok; ok = False; print("  ", m)
assert len(lab) > 1000 and (lab["credited_of"] > 0).sum() > 100 and (lab["credited_of"] == 0).sum() > 100, "data exercises the labels"
if list(lab.columns) != ["event_id", "identity", "campaign_id", "advertiser_id", "kind", "ts", "cost", "candidate_of", "eligible_of", "credited_of", "credit", "credited_value", "ms_to_next_conversion"]:
    bad(f"columns {list(lab.columns)}")
if not set(lab["kind"]) <= {"impression", "engagement", "nurture"}: bad("kind not by name")
key = ["event_id", "identity"]
if lab.duplicated(key).any(): bad("a touch labelled twice")
if not lab[key].apply(tuple, axis=1).is_monotonic_increasing: bad("not sorted by event_id, identity")
# rows: the deduplicated catalog touches of the period (dedup keeps a row per (identity, event_id)
# with ts the smallest of its copies)
ev = ev[ev["campaign_id"].isin(cat)]
kept = ev.sort_values("ts").drop_duplicates(key)
kept = kept[(kept["ts"] >= lo) & (kept["ts"] < hi)]
if len(kept) != len(lab): bad(f"{len(lab)} label rows, {len(kept)} touches in the period")
m = lab.merge(kept, on=key, how="outer", suffixes=("", "_in"), indicator=True)
if (m["_merge"] != "both").any(): bad(f"label rows and touches differ: {m[m['_merge'] != 'both'].head()}")
elif (m["ts"] != m["ts_in"]).any(): bad("ts differs from the kept touch")
g = cr.groupby(key).agg(n=("credit", "size"), credit=("credit", "sum"), value=("credited_value", "sum")).reset_index()
j = lab.merge(g, on=key, how="left").fillna({"n": 0, "credit": 0.0, "value": 0.0})
if (j["credited_of"] != j["n"]).any(): bad("credited_of != number of credit rows")
if (abs(j["credit"] - j["credit_x"] if "credit_x" in j else 0) > 1e-12).any() if False else False: pass
jc = lab.merge(g.rename(columns={"credit": "cr_sum", "value": "cv_sum"}), on=key, how="left").fillna({"cr_sum": 0.0, "cv_sum": 0.0})
if (abs(jc["credit"] - jc["cr_sum"]) > 1e-12).any(): bad("credit != sum of its credits")
if (abs(jc["credited_value"] - jc["cv_sum"]) > 1e-9 * np.maximum(1, jc["cv_sum"])).any(): bad("credited_value != sum")
# credits of touches before the period have no label row; every other credited touch has one
inper = cr[(cr["touch_ts"] >= lo) & (cr["touch_ts"] < hi)]
if len(g.merge(lab[key], on=key)) != len(inper.drop_duplicates(key)): bad("a credited touch of the period has no label")
if not ((lab["candidate_of"] >= lab["eligible_of"]) & (lab["eligible_of"] >= lab["credited_of"])).all(): bad("candidate_of >= eligible_of >= credited_of broken")
if ((lab["ms_to_next_conversion"] == -1) != (lab["candidate_of"] == 0)).any(): bad("ms_to_next_conversion -1 iff no candidacy broken")
if (lab["ms_to_next_conversion"] < -1).any(): bad("negative ms_to_next_conversion")
# the credited conversion's age bounds the earliest one: ms_to_next <= min(conv_ts - touch_ts) over its credits
cr["age"] = cr["conv_ts"] - cr["touch_ts"]
a = lab.merge(cr.groupby(key)["age"].min().reset_index(), on=key)
if (a["ms_to_next_conversion"] > a["age"]).any(): bad("ms_to_next_conversion later than a credited conversion")
print(f"   {len(lab)} labels, {(lab['credited_of'] > 0).sum()} credited, {(lab['candidate_of'] > lab['eligible_of']).sum()} beaten by priority")
sys.exit(0 if ok else 1)
PYEOF
  then echo "PASS $tag: labels agree with /credits and the input"; else echo "FAIL $tag: labels disagree with /credits or the input"; fail=1; fi
done

# Waves: the label rows take most of a budget (176 bytes per touch against 44 per record
# of a wave), so waves come only near the smallest budget accepted. Find it (MiB), and
# check that it gives several waves, the same tables, and a peak RSS within it.
"$ATTRIB" gen --events 200000 --conversions 20000 --seed 5 -q -o "$W/m.h5"
"$ATTRIB" run -q -c "$RULES" -i "$W/m.h5" --labels -o "$W/lref.h5"
budget=""
for b in $(seq 100 130); do
  if "$ATTRIB" run -c "$RULES" -i "$W/m.h5" --labels --memory-per-rank ${b}M -o "$W/lw.h5" 2>"$W/lw.log"; then budget=$b; break; fi
done
waves=$(sed -n 's/.*per rank: \([0-9]*\) wave.*/\1/p' "$W/lw.log")
peak=$(sed -n 's/.*peak RSS \([0-9]*\) MiB.*/\1/p' "$W/lw.log")
echo "smallest budget accepted: ${budget:-none} MiB, ${waves:-?} waves, peak RSS ${peak:-?} MiB"
rss_ok=0
if [ "${ATTRIB_INSTRUMENTED:-0}" = 1 ]; then
  echo "peak RSS against the budget: not checked (instrumented build: ASan or Valgrind)"; rss_ok=1
elif [ -n "$peak" ] && [ "$peak" -le "$budget" ]; then rss_ok=1; fi
if [ -n "$budget" ] && [ -n "$waves" ] && [ "$waves" -ge 2 ] && [ $rss_ok = 1 ]; then
  same "budget: $waves waves identical" "$W/lref.h5" "$W/lw.h5" labels credits unattributed report/campaign
else echo "FAIL budget: want >= 2 waves and peak RSS within the budget"; cat "$W/lw.log"; fail=1; fi

# A budget too small once the label rows are counted: refused before reading, exit 2.
set +e
"$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" --labels --memory-per-rank 66M -o "$W/small.h5" 2>"$W/small.log"
rc=$?
"$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" --memory-per-rank 66M -o "$W/nolab.h5" 2>/dev/null
rc2=$?
set -e
if [ $rc = 2 ] && grep -q -- "--labels" "$W/small.log" && [ ! -e "$W/small.h5" ] && [ $rc2 = 0 ]; then echo "PASS budget: label rows counted (refused with, accepted without)"
else echo "FAIL budget: exit $rc (want 2), without labels $rc2 (want 0)"; cat "$W/small.log"; fail=1; fi

# The pandas example of docs/formats.md, as written, on these results.
sed -n '/<!-- labels-example/,/^```$/p' "$ATTRIB_SRC/docs/formats.md" | sed '1,2d;$d' > "$W/example.py"
if [ "$(wc -l < "$W/example.py")" -ge 4 ] && (cd "$W" && cp lref.h5 results.h5 && $PY example.py > example.out) && grep -q impression "$W/example.out"; then
  echo "PASS docs: the pandas example runs"; else echo "FAIL docs: the pandas example"; cat "$W/example.py"; fail=1; fi
exit $fail

#!/usr/bin/env bash
# Invariants of `attrib run` on generated data:
#  - every output table is identical at 1, 2, 3 and 4 ranks, and on a shuffled copy of
#    the input (compared through `attrib export`, i.e. every value of every row);
#  - the credits of each attributed conversion sum to 1 (within 1e-12);
#  - report/campaign totals equal the sums of the credit rows; report/advertiser counts
#    agree with /credits and /unattributed;
#  - the same for every model through --model.
set -euo pipefail
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI="$MPIEXEC --allow-run-as-root --oversubscribe"
PY=/usr/bin/python3
TABLES="credits unattributed report/campaign report/daily report/daily_touch report/advertiser"
fail=0

"$ATTRIB" gen --events 40000 --conversions 4000 --seed 7 -q -o "$W/in.h5"
$PY "$ATTRIB_SRC/tests/tools/shuffle_h5.py" "$W/in.h5" "$W/shuf.h5" 11

export_all() { # dir file
  mkdir -p "$1"
  for t in $TABLES; do "$ATTRIB" export "$2" "$t" -o "$1/${t//\//_}.csv"; done
}

for model in "" linear time_decay position_based first_touch; do
  margs=(); tag=rules
  if [ -n "$model" ]; then margs=(--model "$model"); tag=$model; fi
  "$ATTRIB" run -q -c "$ATTRIB_SRC/conf/example.rules.cfg" -i "$W/in.h5" "${margs[@]}" -o "$W/r1.h5"
  export_all "$W/$tag.1" "$W/r1.h5"
  for n in 2 3 4; do
    $MPI -n $n "$ATTRIB" run -q -c "$ATTRIB_SRC/conf/example.rules.cfg" -i "$W/in.h5" "${margs[@]}" -o "$W/r$n.h5"
    export_all "$W/$tag.$n" "$W/r$n.h5"
    if diff -r -q "$W/$tag.1" "$W/$tag.$n" >/dev/null; then echo "PASS $tag: $n ranks identical to 1"; else echo "FAIL $tag: $n ranks differ"; diff -r "$W/$tag.1" "$W/$tag.$n" | head -5; fail=1; fi
  done
  $MPI -n 3 "$ATTRIB" run -q -c "$ATTRIB_SRC/conf/example.rules.cfg" -i "$W/shuf.h5" "${margs[@]}" -o "$W/rs.h5"
  export_all "$W/$tag.s" "$W/rs.h5"
  if diff -r -q "$W/$tag.1" "$W/$tag.s" >/dev/null; then echo "PASS $tag: shuffled input identical"; else echo "FAIL $tag: shuffled input differs"; fail=1; fi
  if $PY - "$W/$tag.1" <<'PYEOF'
import sys, pandas as pd, numpy as np
d = sys.argv[1]
cr = pd.read_csv(f"{d}/credits.csv")
un = pd.read_csv(f"{d}/unattributed.csv")
rc = pd.read_csv(f"{d}/report_campaign.csv")
ra = pd.read_csv(f"{d}/report_advertiser.csv")
ok = True
def bad(msg):
    global ok; ok = False; print("  ", msg)
assert len(cr) > 100, "too few credits for a meaningful test"
s = cr.groupby(["conversion_id", "advertiser_id", "identity"])["credit"].sum()
if (abs(s - 1) > 1e-12).any(): bad(f"credits not summing to 1: {s[abs(s-1)>1e-12].head()}")
if (cr["credit"] <= 0).any() or (cr["credit"] > 1).any(): bad("credit outside (0,1]")
g = cr.groupby("campaign_id").agg(conv=("credit", "sum"), val=("credited_value", "sum"), n=("credit", "size"))
m = rc.set_index("campaign_id").join(g, how="left").fillna({"conv": 0, "val": 0, "n": 0})
if (abs(m["conversions"] - m["conv"]) > 1e-9 * np.maximum(1, m["conv"])).any(): bad("report conversions != sum of credits")
if (abs(m["value"] - m["val"]) > 1e-6 * np.maximum(1, m["val"])).any(): bad("report value != sum of credited values")
if (m["credited_touches"] != m["n"]).any(): bad("credited_touches != credit rows")
att = s.reset_index().groupby("advertiser_id").size()
ra = ra.set_index("advertiser_id")
for a, row in ra.iterrows():
    if row["attributed"] != att.get(a, 0): bad(f"advertiser {a}: attributed {row['attributed']} != {att.get(a, 0)}")
    if row["conversions"] != row["attributed"] + row["unattributed_no_touch"] + row["unattributed_rule_excluded"] + row["unattributed_outside_window"]:
        bad(f"advertiser {a}: conversions != attributed + unattributed")
u = un.groupby(["advertiser_id", "reason"]).size()
for (a, r), c in u.items():
    if ra.loc[a, f"unattributed_{r}"] != c: bad(f"advertiser {a}: {r} {ra.loc[a, f'unattributed_{r}']} != {c}")
if len(un) == 0 or un["reason"].nunique() < 2: bad("generated data should have unattributed conversions of several reasons")
sys.exit(0 if ok else 1)
PYEOF
  then echo "PASS $tag: credits sum to 1, reports equal credit sums"; else echo "FAIL $tag: sums"; fail=1; fi
done
exit $fail

#!/usr/bin/env bash
# The data-driven models in attrib run (docs/datadriven.md), on generated data with
# rule-based and data-driven advertisers mixed, Markov orders 1 and 2, and a version
# that switches an advertiser from linear to markov mid-month:
#  - /report/paths, /report/markov, /report/shapley, /report/models and /credits
#    identical at 1, 2, 3 and 4 ranks and on a shuffled copy of the input;
#  - `attrib fit` on the run's /report/paths (exported as CSV) gives /report/markov's and
#    /report/shapley's numbers bit for bit (each advertiser at its order);
#  - an independent Python computation (tests/tools/journeys_ref.py) of the journeys from
#    the input gives /report/paths, and tests/tools/markov_ref.py on those paths the
#    removal effects, for simple rules;
#  - markov credits are RE(campaign) / multiplicity normalised, shapley credits
#    1 / (|S| multiplicity); /report/models' `own` equals the sums of /credits;
#  - a rule-based run writes none of the data-driven tables; --journeys forces them.
set -euo pipefail
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI="$MPIEXEC --allow-run-as-root --oversubscribe"
PY=/usr/bin/python3
fail=0
DD="report/paths report/markov report/shapley report/models credits unattributed"

"$ATTRIB" gen --events 30000 --conversions 3000 --advertisers 4 --campaigns 12 --seed 9 -q -o "$W/in.h5"
$PY "$ATTRIB_SRC/tests/tools/shuffle_h5.py" "$W/in.h5" "$W/shuf.h5" 5
cat > "$W/mixed.cfg" <<'CFG'
defaults: { model = "linear"; engagement_priority = true;
  lookback = { impression = "1d"; engagement = "7d"; nurture = "3d"; }; };
advertisers = (
  { id = 1; model = "markov"; markov = { order = 2; }; },
  { id = 2; model = "shapley"; },
  { id = 3; model = "linear"; },
  { id = 3; effective_from = "2026-10-16"; model = "markov"; }
);
CFG

exp() { "$ATTRIB" export "$1" "$2"; }
same() { # what a b tables...
  local what=$1 a=$2 b=$3; shift 3
  for t in "$@"; do
    if ! cmp -s <(exp "$a" "$t") <(exp "$b" "$t"); then echo "FAIL $what: $t differs"; fail=1; return; fi
  done
  echo "PASS $what"
}

"$ATTRIB" run -q -c "$W/mixed.cfg" -i "$W/in.h5" --compare all -o "$W/r1.h5"
for n in 2 3 4; do
  $MPI -n $n "$ATTRIB" run -q -c "$W/mixed.cfg" -i "$W/in.h5" --compare all -o "$W/r$n.h5"
  same "$n ranks identical to 1" "$W/r1.h5" "$W/r$n.h5" $DD
done
$MPI -n 2 "$ATTRIB" run -q -c "$W/mixed.cfg" -i "$W/shuf.h5" --compare all -o "$W/rs.h5"
same "shuffled input identical" "$W/r1.h5" "$W/rs.h5" $DD

# attrib fit on the exported paths: the same bits, per advertiser at its order.
exp "$W/r1.h5" report/paths > "$W/paths.csv"
for order in 1 2; do "$ATTRIB" fit --paths "$W/paths.csv" --order $order > "$W/fit$order.csv"; done
exp "$W/r1.h5" report/markov > "$W/markov.csv"
exp "$W/r1.h5" report/shapley > "$W/shapley.csv"
if $PY - "$W" <<'PYEOF'
import csv, sys
w = sys.argv[1]
order = {1: 2}  # advertiser 1 is fitted at order 2, the others at 1
fit = {}
for k in (1, 2):
    for r in csv.DictReader(open(f"{w}/fit{k}.csv")):
        fit[(k, r["advertiser_id"], r["channel"])] = r
bad = 0
mk = list(csv.DictReader(open(f"{w}/markov.csv")))
sh = {(r["advertiser_id"], r["campaign_id"]): r for r in csv.DictReader(open(f"{w}/shapley.csv"))}
assert len(mk) >= 10, "too few markov rows"
for r in mk:
    k = order.get(int(r["advertiser_id"]), 1)
    f = fit[(k, r["advertiser_id"], r["campaign_id"])]
    s = sh[(r["advertiser_id"], r["campaign_id"])]
    if (f["removal_effect"], f["conversions"], f["value"], f["shapley"]) != (r["removal_effect"], r["conversions"], r["value"], s["conversions"]):
        bad += 1
        if bad < 5: print("  differ:", r, f, s)
print(f"   {len(mk)} rows compared, {bad} differ")
sys.exit(1 if bad else 0)
PYEOF
then echo "PASS fit on /report/paths reproduces /report/markov and /report/shapley"; else echo "FAIL fit on /report/paths"; fail=1; fi

# Credits and /report/models against the model definitions.
for t in credits report/models report/campaign; do exp "$W/r1.h5" $t > "$W/${t//\//_}.csv"; done
if $PY - "$W" <<'PYEOF'
import sys, pandas as pd, numpy as np
w = sys.argv[1]
cr = pd.read_csv(f"{w}/credits.csv"); mk = pd.read_csv(f"{w}/markov.csv"); mo = pd.read_csv(f"{w}/report_models.csv")
re = {(a, c): x for a, c, x in zip(mk.advertiser_id, mk.campaign_id, mk.removal_effect)}
ok = True
def bad(m):
    global ok; ok = False; print("  ", m)
k = ["conversion_id", "advertiser_id", "identity"]
cr["mult"] = cr.groupby(k + ["campaign_id"])["event_id"].transform("size")
cr["S"] = cr.groupby(k)["campaign_id"].transform("nunique")
n_sh = n_mk = 0
for key, g in cr.groupby(k):
    adv = key[1]
    if adv == 2:  # shapley: every candidate has a row (no zero share)
        n_sh += 1
        want = 1.0 / (g["S"] * g["mult"])
        if (abs(g["credit"] - want) > 1e-12).any(): bad(f"shapley credit {key}")
    elif adv == 1 or (adv == 3 and g["conv_ts"].iloc[0] >= 1792108800000):
        n_mk += 1
        wgt = np.array([re.get((adv, c), 0.0) for c in g["campaign_id"]]) / g["mult"].to_numpy()
        # rows are the candidates with a weight > 0 (all weights 0: linear over path_length)
        if wgt.sum() > 0:
            if (abs(g["credit"].to_numpy() - wgt / wgt.sum()) > 1e-12).any(): bad(f"markov credit {key}")
        elif (abs(g["credit"] - 1.0 / g["path_length"]) > 1e-12).any(): bad(f"markov fallback {key}")
assert n_sh > 50 and n_mk > 50, (n_sh, n_mk)
own = mo[mo.model == "own"].set_index("campaign_id")
s = cr.groupby("campaign_id").agg(c=("credit", "sum"), v=("credited_value", "sum"), n=("credit", "size"))
j = own.join(s, how="left").fillna({"c": 0, "v": 0, "n": 0})
if (abs(j["conversions"] - j["c"]) > 1e-9 * np.maximum(1, j["c"])).any(): bad("own conversions != credits")
if (abs(j["value"] - j["v"]) > 1e-6 * np.maximum(1, j["v"])).any(): bad("own value != credits")
if (j["credited_touches"] != j["n"]).any(): bad("own credited_touches != credit rows")
models = list(dict.fromkeys(mo.model))
if models != ["last_touch", "first_touch", "linear", "time_decay", "position_based", "u_shaped", "j_curve", "inverse_j", "markov", "shapley", "own"]: bad(f"models {models}")
tot = mo.groupby("model")["conversions"].sum()
if (abs(tot - tot["own"]) > 1e-6).any(): bad(f"every model gives out the same conversions: {tot}")
print(f"   {n_mk} markov and {n_sh} shapley conversions checked")
sys.exit(0 if ok else 1)
PYEOF
then echo "PASS credits and /report/models follow the definitions"; else echo "FAIL credits or /report/models"; fail=1; fi

# Independent journeys and removal effects, simple rules (no versions, no per-campaign keys).
cat > "$W/simple.cfg" <<'CFG'
defaults: { model = "markov"; engagement_priority = true;
  lookback = { impression = "1d"; engagement = "7d"; nurture = "off"; }; };
CFG
"$ATTRIB" run -q -c "$W/simple.cfg" -i "$W/in.h5" --from 2026-10-05 --to 2026-10-25 -o "$W/simple.h5"
exp "$W/simple.h5" report/paths > "$W/spaths.csv"
exp "$W/simple.h5" report/markov > "$W/smarkov.csv"
if $PY "$ATTRIB_SRC/tests/tools/journeys_ref.py" "$W/in.h5" --from 2026-10-05 --to 2026-10-25 \
     --lookback impression=86400000,engagement=604800000 > "$W/ref_paths.csv" &&
   $PY "$ATTRIB_SRC/tests/tools/compare_csv.py" -q "$W/spaths.csv" "$W/ref_paths.csv"; then
  echo "PASS /report/paths equals the independent journeys ($(($(wc -l < "$W/spaths.csv") - 1)) paths)"
else echo "FAIL /report/paths differs from the independent journeys"; fail=1; fi
if $PY - "$W" "$ATTRIB_SRC/tests/tools/markov_ref.py" <<'PYEOF'
import csv, subprocess, sys
w, ref = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(f"{w}/ref_paths.csv")))
bad = n = 0
got = {(r["advertiser_id"], r["campaign_id"]): float(r["removal_effect"]) for r in csv.DictReader(open(f"{w}/smarkov.csv"))}
for adv in sorted({r["advertiser_id"] for r in rows}):
    with open(f"{w}/adv.csv", "w", newline="") as f:
        o = csv.writer(f); o.writerow(["path", "conversions", "value", "nulls"])
        for r in rows:
            if r["advertiser_id"] == adv: o.writerow([r["path"], r["conversions"], r["value"], r["nulls"]])
    out = subprocess.run([sys.executable, ref, f"{w}/adv.csv"], capture_output=True, text=True, check=True).stdout
    for r in csv.DictReader(out.splitlines()):
        n += 1
        if abs(float(r["removal_effect"]) - got[(adv, r["channel"])]) > 1e-9: bad += 1
print(f"   {n} removal effects compared, {bad} differ")
sys.exit(1 if bad or n < 10 else 0)
PYEOF
then echo "PASS removal effects equal the independent reference"; else echo "FAIL removal effects"; fail=1; fi

# Rule-based rules: no data-driven tables; --journeys writes them.
"$ATTRIB" run -q -c "$W/simple.cfg" -i "$W/in.h5" --model last_touch -o "$W/rb.h5"
"$ATTRIB" run -q -c "$W/simple.cfg" -i "$W/in.h5" --model last_touch --journeys -o "$W/rj.h5"
if ! exp "$W/rb.h5" report/paths >/dev/null 2>&1 && [ "$(exp "$W/rj.h5" report/paths | wc -l)" -gt 10 ]; then
  echo "PASS rule-based run without the data-driven tables; --journeys writes them"
else echo "FAIL data-driven tables of a rule-based run"; fail=1; fi
# explain: a markov conversion's weights from the run's /report/markov (--results), a
# shapley one's from its candidates; without --results a markov conversion is refused.
F="$ATTRIB_SRC/tests/fixtures/datadriven/journeys_compare"
"$ATTRIB" import -q --events "$F/events.csv" --conversions "$F/conversions.csv" --campaigns "$F/campaigns.csv" -o "$W/jc.h5" 2>/dev/null
P=(--from 2026-10-10 --to 2026-10-20)
"$ATTRIB" run -q -c "$F/rules.cfg" -i "$W/jc.h5" "${P[@]}" -o "$W/jcr.h5"
set +e
"$ATTRIB" explain -c "$F/rules.cfg" -i "$W/jc.h5" --conversion 1 "${P[@]}" >/dev/null 2>"$W/x.err"; xrc=$?
set -e
"$ATTRIB" explain -c "$F/rules.cfg" -i "$W/jc.h5" --conversion 1 "${P[@]}" --results "$W/jcr.h5" --json > "$W/x1.json"
"$ATTRIB" explain -c "$F/rules.cfg" -i "$W/jc.h5" --conversion 3 "${P[@]}" --json > "$W/x3.json"
if [ $xrc = 2 ] && grep -q -- "--results" "$W/x.err" && $PY - "$W/x1.json" "$W/x3.json" <<'PYEOF'
import json, sys
x1 = {t["event_id"]: t for t in json.load(open(sys.argv[1]))["touches"]}
x3 = {t["event_id"]: t for t in json.load(open(sys.argv[2]))["touches"]}
want = {101: (0.5, 2, 0.25, 1 / 6), 102: (0.5, 2, 0.25, 1 / 6), 103: (1.0, 1, 1.0, 2 / 3)}
ok = all(abs(x1[e]["removal_effect"] - r) < 1e-12 and x1[e]["multiplicity"] == m and
         abs(x1[e]["weight"] - w) < 1e-12 and abs(x1[e]["credit"] - c) < 1e-12 for e, (r, m, w, c) in want.items())
ok = ok and x3[302]["weight"] == 1 and x3[302]["credit"] == 1 and x3[301]["status"] == "beaten_by_engagement"
sys.exit(0 if ok else 1)
PYEOF
then echo "PASS explain shows markov and shapley weights (and asks for --results)"; else echo "FAIL explain of markov/shapley conversions"; cat "$W/x.err"; fail=1; fi
exit $fail

#!/usr/bin/env bash
# attrib run and explain over an input with /links (docs/identity.md), against an
# independent model (tests/tools/stitch_h5.py: union-find in Python, the cap, the
# identities rewritten in a copy of the input without /links):
#  - every table of the stitched run (credits, unattributed, every report, labels,
#    explain/conversion, the data-driven tables under --compare all) equals a plain run
#    on the rewritten copy, and /report/identity equals the model's figures;
#  - identical at 1, 2, 3 and 4 ranks, on shuffled rows and on shuffled, flipped links;
#  - --no-stitch equals a run on the input without /links (report/identity all zeros);
#  - the default cap (1000) merges the hub the small cap leaves; --max-component 1
#    merges nothing;
#  - attrib explain of a cross-device conversion names the person's identities (those of
#    the model) and agrees with the run's credits; --no-stitch explains the identifier
#    alone;
#  - the stitched run under a memory budget (waves) is identical; a budget the graph
#    does not fit is refused with exit 2 and no output;
#  - attrib report shows report/identity in text, json, html and csv.
set -euo pipefail
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI="$MPIEXEC --allow-run-as-root --oversubscribe"
PY=/usr/bin/python3
TOOL="$ATTRIB_SRC/tests/tools/stitch_h5.py"
RULES="$ATTRIB_SRC/conf/example.rules.cfg"
CAP=50
fail=0

"$ATTRIB" gen --events 40000 --conversions 4000 --seed 11 -q -o "$W/plain.h5"
$PY "$TOOL" addlinks "$W/plain.h5" "$W/in.h5" 7
$PY "$TOOL" shufflelinks "$W/in.h5" "$W/lshuf.h5" 3
$PY "$ATTRIB_SRC/tests/tools/shuffle_h5.py" "$W/lshuf.h5" "$W/shuf.h5" 5
$PY "$TOOL" rewrite "$W/in.h5" "$W/ref.h5" $CAP "$W/fig.csv"
$PY "$TOOL" rewrite "$W/in.h5" "$W/ref1000.h5" 1000 "$W/fig1000.csv"

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
zeros="0,0,0,0,0,0,0,0"

"$ATTRIB" run -q -c "$RULES" -i "$W/ref.h5" "${OPTS[@]}" -o "$W/ref.out.h5"
"$ATTRIB" run -c "$RULES" -i "$W/in.h5" "${OPTS[@]}" --max-component $CAP -o "$W/s1.h5" 2> "$W/s1.err"
grep -q '^attrib: stitch ' "$W/s1.err" && echo "PASS progress line: $(grep '^attrib: stitch ' "$W/s1.err")" \
  || { echo "FAIL no stitch progress line"; cat "$W/s1.err"; fail=1; }
same "stitched run = run on the model's rewritten identities" "$W/s1.h5" "$W/ref.out.h5" $TABLES
if cmp -s <(exp "$W/s1.h5" report/identity) "$W/fig.csv"; then echo "PASS report/identity = model: $(tail -1 "$W/fig.csv")"
else echo "FAIL report/identity"; exp "$W/s1.h5" report/identity; cat "$W/fig.csv"; fail=1; fi
for n in 2 3 4; do
  $MPI -n $n "$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" "${OPTS[@]}" --max-component $CAP -o "$W/s$n.h5"
  same "$n ranks identical to 1" "$W/s1.h5" "$W/s$n.h5" $TABLES report/identity
done
$MPI -n 3 "$ATTRIB" run -q -c "$RULES" -i "$W/shuf.h5" "${OPTS[@]}" --max-component $CAP -o "$W/sh.h5"
same "shuffled rows and shuffled, flipped links identical" "$W/s1.h5" "$W/sh.h5" $TABLES report/identity
$MPI -n 2 "$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" "${OPTS[@]}" --max-component $CAP \
  --memory-per-rank 80M -o "$W/sw.h5"
same "under a memory budget identical" "$W/s1.h5" "$W/sw.h5" $TABLES report/identity

# --no-stitch = no links at all
"$ATTRIB" run -q -c "$RULES" -i "$W/plain.h5" "${OPTS[@]}" -o "$W/plain.out.h5"
$MPI -n 2 "$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" "${OPTS[@]}" --no-stitch -o "$W/ns.h5"
same "--no-stitch = the input without /links" "$W/ns.h5" "$W/plain.out.h5" $TABLES report/identity
[ "$(exp "$W/ns.h5" report/identity | tail -1)" = "$zeros" ] && echo "PASS --no-stitch: report/identity zeros" \
  || { echo "FAIL --no-stitch report/identity"; fail=1; }
if cmp -s <(exp "$W/s1.h5" credits) <(exp "$W/ns.h5" credits); then echo "FAIL stitching changed no credit"; fail=1; fi

# the default cap merges the hub; a cap of 1 merges nothing
$MPI -n 2 "$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" -o "$W/d.h5"
"$ATTRIB" run -q -c "$RULES" -i "$W/ref1000.h5" -o "$W/ref1000.out.h5"
same "default cap = model at 1000" "$W/d.h5" "$W/ref1000.out.h5" credits unattributed report/campaign report/advertiser
cmp -s <(exp "$W/d.h5" report/identity) "$W/fig1000.csv" && echo "PASS default cap report/identity" \
  || { echo "FAIL default cap report/identity"; fail=1; }
"$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" --max-component 1 -o "$W/c1.h5"
"$ATTRIB" run -q -c "$RULES" -i "$W/plain.h5" -o "$W/plain1.h5"
same "--max-component 1 merges nothing" "$W/c1.h5" "$W/plain1.h5" credits unattributed report/campaign report/advertiser
rc=0; "$ATTRIB" run -q -c "$RULES" -i "$W/in.h5" --max-component 0 -o "$W/c0.h5" 2> "$W/c0.err" || rc=$?
[ $rc = 2 ] && grep -q 'at least 1' "$W/c0.err" && echo "PASS --max-component 0 refused" || { echo "FAIL --max-component 0 (exit $rc)"; fail=1; }

# explain a conversion that stitching attributes and that was no_touch without it
read -r CID ADV PERSON < <($PY - "$W" <<'PYEOF'
import sys, csv, subprocess, os
w = sys.argv[1]
exp = lambda f, t: list(csv.DictReader(subprocess.run([os.environ["ATTRIB"], "export", f, t],
                        capture_output=True, text=True, check=True).stdout.splitlines()))
ns = {(r["conversion_id"], r["advertiser_id"]) for r in exp(w + "/ns.h5", "unattributed") if r["reason"] == "no_touch"}
for r in exp(w + "/s1.h5", "credits"):
    if (r["conversion_id"], r["advertiser_id"]) in ns:
        print(r["conversion_id"], r["advertiser_id"], r["identity"]); break
PYEOF
)
[ -n "${CID:-}" ] || { echo "FAIL no cross-device conversion found"; exit 1; }
$MPI -n 2 "$ATTRIB" explain -c "$RULES" -i "$W/in.h5" --conversion "$CID" --advertiser "$ADV" \
  --max-component $CAP --json > "$W/x.json"
$PY - "$W/x.json" "$PERSON" <<PYEOF || fail=1
import json, sys, subprocess
x = json.load(open(sys.argv[1]))
person = int(sys.argv[2])
want = [int(v) for v in subprocess.run(["$PY", "$TOOL", "members", "$W/in.h5", "$CAP", str(person)],
        capture_output=True, text=True, check=True).stdout.split()]
ok = x["stitched"] and x["identity"] == person and x["person_identities"] == want and len(want) > 1
ok = ok and x["outcome"] == "attributed"
ok = ok and all(set(t["read_under"]) <= set(want) for t in x["touches"])
ok = ok and len({d for t in x["touches"] for d in t["read_under"]} | set(x["conversion_read_under"])) > 1
print(("PASS" if ok else "FAIL") + " explain: person %d of %d identities, read under %s"
      % (person, len(want), x["conversion_read_under"]))
sys.exit(0 if ok else 1)
PYEOF
"$ATTRIB" explain -c "$RULES" -i "$W/in.h5" --conversion "$CID" --advertiser "$ADV" --max-component $CAP > "$W/x.txt"
grep -q "person: .* identities merged" "$W/x.txt" && echo "PASS explain text names the person" \
  || { echo "FAIL explain text"; cat "$W/x.txt"; fail=1; }
"$ATTRIB" explain -c "$RULES" -i "$W/in.h5" --conversion "$CID" --advertiser "$ADV" --no-stitch --json > "$W/xn.json"
$PY -c "import json,sys; x=json.load(open('$W/xn.json')); sys.exit(0 if not x['stitched'] and x['outcome']=='no_touch' else 1)" \
  && echo "PASS explain --no-stitch: no_touch" || { echo "FAIL explain --no-stitch"; fail=1; }

# A budget that holds the run's identity columns but not the graph: refused (exit 2)
# naming what the graph needs, nothing written. The budget is found by stepping up
# from the base: the run's own check refuses first, then the graph's, then it runs.
"$ATTRIB" gen --events 300000 --conversions 30000 --seed 3 --devices-per-person 3 --hubs 1 -q -o "$W/big.h5"
seen=0
for m in $(seq 64 200); do
  rc=0; "$ATTRIB" run -q -c "$RULES" -i "$W/big.h5" --memory-per-rank ${m}M -o "$W/b.h5" 2> "$W/b.err" || rc=$?
  if grep -q 'the identity graph needs' "$W/b.err"; then
    [ $rc = 2 ] && [ ! -e "$W/b.h5" ] && seen=1
    echo "at --memory-per-rank ${m}M (exit $rc): $(cat "$W/b.err")"; break
  fi
  [ $rc = 0 ] && break
done
[ $seen = 1 ] && echo "PASS a graph over the budget is refused" || { echo "FAIL no budget refused the graph (last: exit $rc at ${m}M)"; fail=1; }

# report views
# (to files: grep -q would close a pipe early, and pipefail would call that a failure)
"$ATTRIB" report "$W/s1.h5" > "$W/rep.txt"
"$ATTRIB" report "$W/s1.h5" --format html > "$W/rep.html"
"$ATTRIB" report "$W/ns.h5" > "$W/rep_ns.txt"
grep -q '^Identity graph (report/identity)' "$W/rep.txt" && echo "PASS report text" || { echo "FAIL report text"; fail=1; }
"$ATTRIB" report "$W/s1.h5" --format json | $PY -c "import json,sys; d=json.load(sys.stdin)['identity']; sys.exit(0 if d['stitched'] and d['max_component']==$CAP and d['links']==$(tail -1 "$W/fig.csv" | cut -d, -f1) else 1)" \
  && echo "PASS report json" || { echo "FAIL report json"; fail=1; }
grep -q '<h2>Identity graph</h2>' "$W/rep.html" && echo "PASS report html" || { echo "FAIL report html"; fail=1; }
cmp -s <("$ATTRIB" report "$W/s1.h5" --format csv --table identity) "$W/fig.csv" && echo "PASS report csv" || { echo "FAIL report csv"; fail=1; }
grep -q 'Identity graph' "$W/rep_ns.txt" && { echo "FAIL unstitched report shows the graph"; fail=1; } || echo "PASS unstitched report: no graph section"
exit $fail

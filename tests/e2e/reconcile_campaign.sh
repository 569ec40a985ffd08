#!/usr/bin/env bash
# attrib reconcile --by campaign: identical files exit 0; one campaign changed exits 1
# and names it first; one moved conversion (out of 3000) is caught at the default
# tolerance; external CSV reports are read (and malformed ones exit 2); --json parses.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_BUILD:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Open MPI's session directory, private to this run of the script: runs sharing one
# (this test twice at once under one build's per-test directory) race on creating and
# removing it, and MPI_Init then fails ("A call to mkdir was unable to create the
# desired directory").
mkdir "$work/mpi"
export OMPI_MCA_orte_tmpdir_base="$work/mpi"
"$ATTRIB_BUILD/tests/test_report" --make-fixtures "$work" >"$work/facts"
read -r _ conv from to < <(grep '^moved ' "$work/facts")
read -r _ camp < <(grep '^camp ' "$work/facts")
a="$work/a.h5"

expect() { # expect CODE OUTFILE CMD...
  local want=$1 out=$2; shift 2
  set +e; "$@" >"$out" 2>"$out.err"; local rc=$?; set -e
  if [ "$rc" != "$want" ]; then
    echo "FAIL: '$*' exited $rc, want $want"; cat "$out" "$out.err"; exit 1
  fi
}

# Identical files.
expect 0 "$work/same" "$ATTRIB" reconcile "$a" "$a"
grep -q "^0 of 60 campaigns differ" "$work/same"

# One campaign changed: exit 1, that campaign on the first row of the table.
expect 1 "$work/camp" "$ATTRIB" reconcile "$a" "$work/camp.h5"
first=$(awk '/campaign_id/ {getline; print $1; exit}' "$work/camp")
[ "$first" = "$camp" ] || { echo "FAIL: first campaign $first, want $camp"; cat "$work/camp"; exit 1; }
grep -q "DIFFERS" "$work/camp"
# ... and within a loose tolerance.
expect 0 "$work/loose" "$ATTRIB" reconcile "$a" "$work/camp.h5" --tolerance 500
expect 0 "$work/rel" "$ATTRIB" reconcile "$a" "$work/camp.h5" --relative --tolerance 0.2

# One moved conversion: both campaigns named, exit 1.
expect 1 "$work/moved" "$ATTRIB" reconcile "$a" "$work/moved.h5" --json
/usr/bin/python3 - "$work/moved" "$from" "$to" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
ids = [c["campaign_id"] for c in j["campaigns"] if c["differs"]]
assert sorted(ids) == sorted([int(sys.argv[2]), int(sys.argv[3])]), ids
assert j["within_tolerance"] is False and j["campaigns_differing"] == 2
assert abs(j["totals"]["conversions_delta"]) < 1e-9  # a move keeps the totals
PY

# External CSV reports: the results file's own export agrees; a changed figure does not.
"$ATTRIB" report "$a" --format csv -o "$work/ours.csv"
expect 0 "$work/csv_same" "$ATTRIB" reconcile "$a" "$work/ours.csv"
/usr/bin/python3 - "$work/ours.csv" "$work/ext.csv" "$camp" <<'PY'
import sys
import pandas as pd
d = pd.read_csv(sys.argv[1])
d = d[d["conversions"] > 0][["value", "conversions", "campaign_id"]].copy()  # other order, fewer columns
d.loc[d["campaign_id"] == int(sys.argv[3]), "conversions"] += 2
d["value"] = d["value"].round(2)
d.to_csv(sys.argv[2], index=False)
PY
expect 1 "$work/ext" "$ATTRIB" reconcile "$work/ext.csv" "$a" --tolerance 0.01
first=$(awk '/campaign_id/ {getline; print $1; exit}' "$work/ext")
[ "$first" = "$camp" ] || { echo "FAIL: CSV: first campaign $first, want $camp"; cat "$work/ext"; exit 1; }

# Malformed CSV: exit 2 with a message naming the file (and line).
printf 'campaign_id,conversions\n1,2\n' >"$work/bad1.csv"
printf 'campaign_id,conversions,value\n1,2,3\n2,4\n' >"$work/bad2.csv"
printf 'campaign_id,conversions,value\n1,2,x\n' >"$work/bad3.csv"
printf 'campaign_id,conversions,value\n1,2,3\n1,2,3\n' >"$work/bad4.csv"
printf 'campaign_id,conversions,value\n"1,2,3\n' >"$work/bad5.csv"
: >"$work/bad6.csv"
for i in 1 2 3 4 5 6; do
  expect 2 "$work/bad$i.out" "$ATTRIB" reconcile "$a" "$work/bad$i.csv"
  grep -q "bad$i.csv" "$work/bad$i.out.err"
done
grep -q "missing column 'value'" "$work/bad1.out.err"
grep -q "bad2.csv:3: 2 fields" "$work/bad2.out.err"
grep -q "appears twice" "$work/bad4.out.err"
expect 2 "$work/usage" "$ATTRIB" reconcile "$a"
expect 2 "$work/usage" "$ATTRIB" reconcile "$a" "$a" --tolerance -1
expect 2 "$work/usage" "$ATTRIB" reconcile "$a" "$a" --by nothing
"$ATTRIB" reconcile --help | grep -q -- "--tolerance"
echo "reconcile_campaign: ok"

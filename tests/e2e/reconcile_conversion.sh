#!/usr/bin/env bash
# attrib reconcile --by conversion: one moved conversion is caught and named with both
# sides; new, lost, moved and credit-changed conversions land in their groups.
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
read -r _ _ knew _ klost _ kmoved _ kcredit < <(grep '^kinds ' "$work/facts")
a="$work/a.h5"

expect() {
  local want=$1 out=$2; shift 2
  set +e; "$@" >"$out" 2>"$out.err"; local rc=$?; set -e
  if [ "$rc" != "$want" ]; then
    echo "FAIL: '$*' exited $rc, want $want"; cat "$out" "$out.err"; exit 1
  fi
}

expect 0 "$work/same" "$ATTRIB" reconcile "$a" "$a" --by conversion
grep -q "^0 conversions changed" "$work/same"

# A single moved conversion out of 3000.
expect 1 "$work/moved" "$ATTRIB" reconcile "$a" "$work/moved.h5" --by conversion
grep -q "^moved: credited campaigns changed (1)" "$work/moved"
grep -Eq "^ +$conv +[0-9]+ +$from:1 +$to:1\$" "$work/moved" ||
  { echo "FAIL: moved conversion $conv ($from -> $to) not listed"; cat "$work/moved"; exit 1; }
grep -q "^1 conversions changed: 0 new, 0 lost, 1 moved, 0 credit changed" "$work/moved"

# Every kind, in JSON.
expect 1 "$work/kinds" "$ATTRIB" reconcile "$a" "$work/kinds.h5" --by conversion --json
/usr/bin/python3 - "$work/kinds" "$knew" "$klost" "$kmoved" "$kcredit" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
new, lost, moved, credit = map(int, sys.argv[2:6])
assert j["counts"] == {"new": 1, "lost": 1, "moved": 1, "credit_changed": 1}, j["counts"]
assert j["within_tolerance"] is False
assert [e["conversion_id"] for e in j["new"]] == [new]
assert j["new"][0]["a"]["status"] == "unattributed" and j["new"][0]["b"]["status"] == "credited"
assert [e["conversion_id"] for e in j["lost"]] == [lost]
assert j["lost"][0]["b"] == {"status": "unattributed", "reason": "no_touch"}
assert [e["conversion_id"] for e in j["moved"]] == [moved]
m = j["moved"][0]
assert {c["campaign_id"] for c in m["a"]["credits"]} != {c["campaign_id"] for c in m["b"]["credits"]}
assert [e["conversion_id"] for e in j["credit_changed"]] == [credit]
cc = j["credit_changed"][0]
assert sorted(c["credit"] for c in cc["a"]["credits"]) == [0.5, 0.5]
assert sorted(round(c["credit"], 6) for c in cc["b"]["credits"]) == [0.3, 0.7]
PY
# A credit change within the tolerance is not one (credit 0.5 -> 0.7, credited value
# 61.25 -> 85.75: both within 30); the moved conversion still is.
expect 1 "$work/kinds_tol" "$ATTRIB" reconcile "$a" "$work/kinds.h5" --by conversion --tolerance 30 --json
/usr/bin/python3 -c "
import json, sys; j = json.load(open('$work/kinds_tol'))
assert j['counts']['credit_changed'] == 0 and j['counts']['moved'] == 1, j['counts']"
# --by conversion needs two results files.
"$ATTRIB" report "$a" --format csv -o "$work/ours.csv"
expect 2 "$work/csv" "$ATTRIB" reconcile "$a" "$work/ours.csv" --by conversion
echo "reconcile_conversion: ok"

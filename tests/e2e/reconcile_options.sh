#!/usr/bin/env bash
# attrib reconcile's options and messages: every failure reads "attrib: reconcile: …"
# (bad input names the file and line; usage errors point to --help), --by lists its
# choices, values are accepted as --opt=value and --opt value alike, and --limit keeps
# the counts complete. Env (CTest): ATTRIB, ATTRIB_BUILD.
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
"$ATTRIB_BUILD/tests/test_report" --make-fixtures "$work" >/dev/null
a="$work/a.h5"
fail=0
bad() { echo "FAIL $*"; fail=1; }

# expect CODE STDERR-REGEX ARGS...: exit code and one line of stderr.
expect() {
  local want=$1 re=$2; shift 2
  local rc=0
  "$ATTRIB" reconcile "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" = "$want" ] || { bad "'$*' exited $rc, want $want"; cat "$work/err"; return 0; }
  [ -z "$re" ] || grep -Eq -- "$re" "$work/err" || { bad "'$*': stderr lacks /$re/"; cat "$work/err"; }
}

printf 'campaign_id,conversions,value\n1,2,3\n1,2,3\n' >"$work/dup.csv"
expect 2 "^attrib: reconcile: $work/dup.csv:3: campaign_id 1 appears twice \(first on line 2\)\$" "$a" "$work/dup.csv"
expect 2 "^attrib: reconcile: --by: 'nothing' is not one of campaign, conversion\. See 'attrib reconcile --help'\.\$" "$a" "$a" --by nothing
expect 2 "^attrib: reconcile: --tolerance: 'abc' is not a number" "$a" "$a" --tolerance=abc
expect 2 "^attrib: reconcile: --limit: '-1' is not an integer from 0 to" "$a" "$a" --limit -1
expect 2 "^attrib: reconcile: two files A and B are required\. See 'attrib reconcile --help'\.\$" "$a"
expect 2 "^attrib: reconcile: unexpected argument 'x'" "$a" "$a" x
expect 2 "^attrib: reconcile: option '--json' takes no value" "$a" "$a" --json=yes
expect 2 "^attrib: reconcile: --by conversion compares two results files; '$work/dup.csv' is not one" "$a" "$work/dup.csv" --by=conversion
[ "$(wc -l <"$work/err")" = 1 ] || { bad "more than one message line"; cat "$work/err"; }

# --opt=value and --opt value read the same.
expect 1 "" "$a" "$work/kinds.h5" --by=conversion --limit=1 --tolerance=0.5 --json
cp "$work/out" "$work/eq.json"
expect 1 "" "$a" "$work/kinds.h5" --by conversion --limit 1 --tolerance 0.5 --json
cmp -s "$work/out" "$work/eq.json" || bad "--opt=value and --opt value differ"
/usr/bin/python3 - "$work/out" <<'PY' || bad "--limit 1: counts or lists wrong"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["tolerance"] == 0.5 and j["changed"] == sum(j["counts"].values()), j
assert all(len(j[k]) == min(1, n) for k, n in j["counts"].items()), j
PY
[ "$fail" = 0 ] && echo "reconcile_options: ok"
exit "$fail"

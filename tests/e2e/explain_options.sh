#!/usr/bin/env bash
# attrib explain's options and messages: a results file given as input is named as
# such (not "missing /events"); --conversion, --advertiser and --identity refuse values
# beyond their range naming the option (18446744073709551616 is not taken for the
# largest id); --model lists the valid models; --opt=value, --opt value and -cFILE read
# the same; every failure is one line "attrib: explain: …" from rank 0, usage errors
# pointing to --help. Env (CTest): ATTRIB, ATTRIB_SRC, MPIEXEC.
set -euo pipefail

ATTRIB=${ATTRIB:?set ATTRIB to the attrib binary}
ATTRIB_SRC=${ATTRIB_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
MPIEXEC=${MPIEXEC:-mpiexec}
export OMPI_MCA_ess_singleton_isolated=1
export OMPI_MCA_sharedfp=^sm # (unused by HDF5; its component only warns here)
D=$ATTRIB_SRC/tests/fixtures/cases/dedup

work=$(mktemp -d "${TMPDIR:-/tmp}/attrib-explain-opt.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Open MPI's session directory, private to this run of the script. Isolated singletons
# all name their job jf.0/1 below it, so two runs sharing one (this test twice at once
# under one build's per-test directory, or any two runs before tests had their own)
# remove each other's directories and MPI_Init fails with "A call to mkdir was unable
# to create the desired directory".
mkdir "$work/mpi"
export OMPI_MCA_orte_tmpdir_base="$work/mpi"
fail=0
bad() { echo "FAIL $*"; fail=1; }

"$ATTRIB" import -q --events "$D/events.csv" --conversions "$D/conversions.csv" \
    --campaigns "$D/campaigns.csv" -o "$work/in.h5"
"$ATTRIB" run -q -c "$D/rules.cfg" -i "$work/in.h5" -o "$work/results.h5"

# expect CODE STDERR-REGEX ARGS...: the exit code and the one line of stderr.
expect() {
    local want=$1 re=$2; shift 2
    local rc=0
    "$ATTRIB" explain "$@" >"$work/out" 2>"$work/err" </dev/null || rc=$?
    [ "$rc" = "$want" ] || { bad "'$*' exited $rc, want $want"; sed 's/^/    | /' "$work/err"; return 0; }
    [ -z "$re" ] || grep -Eq -- "$re" "$work/err" || { bad "'$*': stderr lacks /$re/"; sed 's/^/    | /' "$work/err"; }
    [ "$want" = 0 ] || [ "$(wc -l <"$work/err")" = 1 ] || { bad "'$*': not one line"; sed 's/^/    | /' "$work/err"; }
}
X=(-c "$D/rules.cfg" -i "$work/in.h5")

expect 2 "^attrib: explain: $work/results.h5: is a results file of 'attrib run'" \
    -c "$D/rules.cfg" -i "$work/results.h5" --conversion 2
grep -q "missing" "$work/err" && bad "a results file reported as missing a table"
expect 2 "^attrib: explain: --conversion: '18446744073709551616' is not an integer from 0 to 18446744073709551615\. See 'attrib explain --help'\.\$" \
    "${X[@]}" --conversion 18446744073709551616
expect 2 "^attrib: explain: conversion 18446744073709551615 not found in '$work/in.h5'\$" \
    "${X[@]}" --conversion 18446744073709551615
expect 2 "^attrib: explain: --advertiser: '4294967296' is not an integer from 0 to 4294967295" \
    "${X[@]}" --conversion 2 --advertiser 4294967296
expect 2 "^attrib: explain: --identity: '18446744073709551616' is not an integer" \
    "${X[@]}" --conversion 2 --identity 18446744073709551616
expect 2 "^attrib: explain: --conversion: '-1' is not an integer" "${X[@]}" --conversion -1
expect 2 "^attrib: explain: --model: unknown model 'lastclick' \(valid: last_touch, first_touch, linear, time_decay, position_based, u_shaped, j_curve, inverse_j, markov, shapley\)" \
    "${X[@]}" --conversion 2 --model lastclick
expect 2 "^attrib: explain: --from: 'yesterday' is not a date" "${X[@]}" --conversion 2 --from yesterday
expect 2 "^attrib: explain: --from must be before --to\. See 'attrib explain --help'\.\$" \
    "${X[@]}" --conversion 2 --from 2026-11-01 --to 2026-10-01
expect 2 "^attrib: explain: -c RULES, -i IN\.h5 and --conversion ID are required\. See 'attrib explain --help'\.\$" \
    "${X[@]}"
expect 2 "^attrib: explain: unexpected argument 'extra'" "${X[@]}" --conversion 2 extra
expect 2 "^attrib: explain: unknown option '--bogus'" "${X[@]}" --conversion 2 --bogus
expect 2 "^attrib: explain: $work/nothing\.h5: cannot open" -c "$D/rules.cfg" -i "$work/nothing.h5" --conversion 2

# The spellings of an option's value read the same.
expect 0 "" -c "$D/rules.cfg" -i "$work/in.h5" --conversion 5 --advertiser 2 --json
cp "$work/out" "$work/ref.json"
expect 0 "" "-c$D/rules.cfg" "--input=$work/in.h5" --conversion=5 --advertiser=2 --json -q
cmp -s "$work/out" "$work/ref.json" || bad "--opt=value / -cFILE output differs"
grep -q '"conversion_id":5,"advertiser_id":2,' "$work/ref.json" || bad "not the conversion asked for"
expect 0 "" "${X[@]}" --conversion 5 --advertiser 2 --model linear --json
grep -q '"name":"linear","overridden":true' "$work/out" || bad "--model not applied"

# Several ranks: one message, from rank 0.
rc=0
"$MPIEXEC" --allow-run-as-root --oversubscribe -n 2 "$ATTRIB" explain -c "$D/rules.cfg" \
    -i "$work/results.h5" --conversion 2 >/dev/null 2>"$work/err2" || rc=$?
[ "$rc" = 2 ] || bad "2 ranks, results file: exit $rc"
[ "$(grep -c '^attrib: explain: ' "$work/err2")" = 1 ] || { bad "2 ranks: not one message"; cat "$work/err2"; }

[ "$fail" = 0 ] && echo "PASS explain options"
exit "$fail"

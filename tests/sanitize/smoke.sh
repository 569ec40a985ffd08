#!/bin/bash
# Every attrib command once, on small data, for the memory checkers: registered as
# sanitize.smoke in Valgrind builds (where $ATTRIB is the memcheck wrapper attrib-vg,
# see tests/CMakeLists.txt), so that each command's whole life cycle — MPI_Init, HDF5,
# the command's work, MPI_Finalize — is checked at a size memcheck runs in seconds.
# Outputs are checked only loosely here (exit codes, non-empty files): their contents are
# the other e2e tests' business. A memcheck error or definite leak exits 99.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
MPIEXEC=${MPIEXEC:-mpiexec}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "-- $*"; }
F=$ATTRIB_SRC/tests/fixtures/import
C=$ATTRIB_SRC/tests/fixtures/cases/dedup

step gen
"$ATTRIB" gen -q --events 50 --conversions 10 -o "$W/gen.h5"
step import
"$ATTRIB" import -q --events "$F/events_a.csv" --events "$F/events_b.csv" \
    --conversions "$F/conversions_a.csv" --campaigns "$F/campaigns.csv" -o "$W/imp.h5"
step check
"$ATTRIB" check -c "$C/rules.cfg" >"$W/check.txt"
step "import (rejects) and run np=1"
"$ATTRIB" import -q --events "$C/events.csv" --events "$F/events_bad.csv" \
    --conversions "$C/conversions.csv" --campaigns "$C/campaigns.csv" \
    --rejects "$W/rej.csv" --max-reject-rate 1 -o "$W/case.h5"
[ -s "$W/rej.csv" ] || fail "no rejects written"
"$ATTRIB" run -q -c "$C/rules.cfg" -i "$W/case.h5" -o "$W/out1.h5"
step "run np=2"
"$MPIEXEC" --allow-run-as-root --oversubscribe -n 2 "$ATTRIB" run -q -c "$C/rules.cfg" \
    -i "$W/case.h5" -o "$W/out2.h5"
step "run on generated data (--labels --explain)"
"$ATTRIB" run -q -c "$ATTRIB_SRC/conf/example.rules.cfg" -i "$W/gen.h5" --labels --explain -o "$W/gen_out.h5"
"$ATTRIB" export "$W/gen_out.h5" labels -o "$W/labels.csv"
[ -s "$W/labels.csv" ] || fail "export of labels empty"
step export
"$ATTRIB" export "$W/imp.h5" events -o "$W/events.csv"
[ -s "$W/events.csv" ] || fail "export of events empty"
"$ATTRIB" export "$W/out1.h5" credits -o "$W/credits.csv"
step "export of a damaged file (exit 2)"
head -c 3000 "$W/imp.h5" >"$W/trunc.h5"
rc=0
"$ATTRIB" export "$W/trunc.h5" events >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "export of a truncated file exited $rc, not 2"
step report
"$ATTRIB" report "$W/out1.h5" >"$W/report.txt"
step reconcile
"$ATTRIB" reconcile "$W/out1.h5" "$W/out2.h5" --by conversion >"$W/rec.txt"
step explain
conv=$(sed -n 2p "$C/conversions.csv" | cut -d, -f1)
"$ATTRIB" explain -c "$C/rules.cfg" -i "$W/case.h5" --conversion "$conv" >"$W/explain.txt" || {
    rc=$?
    [ "$rc" = 1 ] || fail "explain exited $rc"
}
echo "smoke: every command ran clean"

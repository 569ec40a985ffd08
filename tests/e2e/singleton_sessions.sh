#!/usr/bin/env bash
# Open MPI session directories of singletons (a process no launcher started). Concurrent
# singletons of one user on one node share ompi.HOST.UID under the temp directory and can
# race on it ("A call to mkdir was unable to create the desired directory",
# open-mpi/ompi#8510). attrib gives each singleton whose user chose no orte_tmpdir_base a
# private base under $TMPDIR and removes it at exit. This test checks:
#   (a) while a singleton runs, its session directory is below a private attrib-mpi-*
#       base, never ompi.* directly in $TMPDIR;
#   (b) after it exits, nothing of it is left in $TMPDIR;
#   (c) a user's own OMPI_MCA_orte_tmpdir_base is respected;
#   (d) 3 rounds of 8 concurrent singletons all succeed.
# Env (CTest): ATTRIB.
set -euo pipefail
ATTRIB=${ATTRIB:?set ATTRIB to the attrib binary}
W=$(mktemp -d "${TMPDIR:-/tmp}/attrib-sess.XXXXXX")
trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
unset OMPI_MCA_orte_tmpdir_base
mkdir -p "$W/tmp" "$W/own"

# (a) + (b): a singleton long enough to be seen.
TMPDIR=$W/tmp "$ATTRIB" gen --events 2000000 --conversions 200000 -q -o "$W/big.h5" &
pid=$!
seen=""
for _ in $(seq 1 100); do
  s=$(find "$W/tmp" -mindepth 1 -maxdepth 2 -name 'ompi.*' -print -quit 2>/dev/null || true)
  if [ -n "$s" ]; then seen=$s; break; fi
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
wait $pid || bad "the singleton failed"
case "$seen" in
  "$W"/tmp/attrib-mpi-*/ompi.*) echo "ok: private session directory ${seen#"$W"/tmp/}" ;;
  "") bad "no session directory seen below \$TMPDIR while the singleton ran" ;;
  *) bad "session directory $seen is not below a private base" ;;
esac
left=$(ls -A "$W/tmp")
[ -z "$left" ] && echo "ok: nothing left in \$TMPDIR" || bad "left in \$TMPDIR: $left"

# (c) the user's choice is kept.
OMPI_MCA_orte_tmpdir_base=$W/own TMPDIR=$W/tmp "$ATTRIB" gen --events 2000000 --conversions 200000 -q -o "$W/big2.h5" &
pid=$!
seen=""
for _ in $(seq 1 100); do
  s=$(find "$W/own" -mindepth 1 -maxdepth 1 -name 'ompi.*' -print -quit 2>/dev/null || true)
  if [ -n "$s" ]; then seen=$s; break; fi
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
wait $pid || bad "the singleton with a chosen orte_tmpdir_base failed"
[ -n "$seen" ] && echo "ok: OMPI_MCA_orte_tmpdir_base respected" || bad "the chosen orte_tmpdir_base was not used"
[ -z "$(ls -A "$W/tmp")" ] || bad "a private base was made although the user chose one"

# (d) concurrent singletons.
for round in 1 2 3; do
  pids=()
  for i in $(seq 1 8); do
    TMPDIR=$W/tmp "$ATTRIB" gen --events 300 --conversions 30 -q -o "$W/g$i.h5" 2>"$W/e$i.txt" &
    pids+=($!)
  done
  for i in $(seq 1 8); do
    wait "${pids[$((i - 1))]}" || bad "round $round singleton $i: $(head -c 300 "$W/e$i.txt")"
  done
done
[ -z "$(ls -A "$W/tmp")" ] || bad "left in \$TMPDIR after the concurrent rounds: $(ls -A "$W/tmp")"
[ $fail = 0 ] && echo "singleton_sessions: all checks passed"
exit $fail

#!/usr/bin/env bash
# attrib export's output (the atomic output helper, src/io/output.c): an output that is
# the input file, by any path, is refused before any work and the input is untouched; a
# missing or non-directory parent is found before any work; the message names the path
# the user gave, never OUT.tmp; a successful export leaves no OUT.tmp. export and check
# run without MPI: they work with no launcher environment and leave no Open MPI session
# directory. Env (CTest): ATTRIB.
set -euo pipefail
ATTRIB=${ATTRIB:?set ATTRIB to the attrib binary}
W=$(mktemp -d "${TMPDIR:-/tmp}/attrib-expout.XXXXXX")
trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
"$ATTRIB" gen --events 500 --conversions 50 -q -o "$W/in.h5"
sum0=$(cksum <"$W/in.h5")

expect2() { # expect2 "message" args…
    local msg=$1 rc=0; shift
    "$ATTRIB" export "$@" >"$W/out.txt" 2>"$W/err.txt" || rc=$?
    [ $rc = 2 ] || bad "export $* exited $rc, not 2"
    grep -qF -- "$msg" "$W/err.txt" || bad "export $*: message lacks '$msg': $(cat "$W/err.txt")"
    ! grep -q '\.tmp' "$W/err.txt" || bad "export $*: message names a .tmp file: $(cat "$W/err.txt")"
}
expect2 "attrib: export: $W/in.h5: is one of the inputs" "$W/in.h5" events -o "$W/in.h5"
ln -s in.h5 "$W/link.h5"
expect2 "attrib: export: $W/link.h5: is one of the inputs" "$W/in.h5" events -o "$W/link.h5"
expect2 "attrib: export: $W/./in.h5: is one of the inputs" "$W/in.h5" events --output="$W/./in.h5"
[ "$(cksum <"$W/in.h5")" = "$sum0" ] || bad "the input changed"
expect2 "attrib: export: $W/nodir/x.csv: cannot write: No such file or directory" "$W/in.h5" events -o "$W/nodir/x.csv"
: > "$W/plain"
expect2 "attrib: export: $W/plain/x.csv: cannot write: Not a directory" "$W/in.h5" events -o "$W/plain/x.csv"
expect2 "attrib: export: $W: is a directory" "$W/in.h5" events -o "$W"
ls "$W" | grep -q '\.tmp$' && bad "a .tmp file was left: $(ls "$W")"

# A good export, with no launcher variables at all and a private TMPDIR: no session dir.
mkdir "$W/tmp"
env -u OMPI_MCA_orte_tmpdir_base TMPDIR="$W/tmp" "$ATTRIB" export "$W/in.h5" events -o "$W/ev.csv"
[ "$(wc -l <"$W/ev.csv")" -gt 1 ] || bad "export wrote no rows"
[ ! -e "$W/ev.csv.tmp" ] || bad "ev.csv.tmp left"
env -u OMPI_MCA_orte_tmpdir_base TMPDIR="$W/tmp" "$ATTRIB" check -c "${ATTRIB_SRC:?}/conf/example.rules.cfg" >/dev/null
[ -z "$(ls -A "$W/tmp")" ] || bad "export/check left files in TMPDIR (MPI started?): $(ls -A "$W/tmp")"
[ $fail = 0 ] && echo "export_outputs: all checks passed"
exit $fail

#!/usr/bin/env bash
# Faults during `attrib run` at 3 ranks (outputs are renamed only when complete,
# docs/formats.md; a failure leaves no output):
#  - one rank SIGKILLed as each phase begins (test hook ATTRIB_TEST_CRASH=PHASE:RANK in
#    src/run/run.c): the job exits non-zero within seconds, no file at the output
#    name (a NAME.tmp at most), and a rerun gives tables identical to an undisturbed run;
#  - an output directory on a read-only mount (found before any work), and a full disk
#    (a small tmpfs), at 1 and 3 ranks: exit 2 with a message naming the output as the
#    user gave it (never NAME.tmp) and the cause, no output, no .tmp.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
MPI="${MPIEXEC:-mpiexec} --allow-run-as-root --oversubscribe"
RULES=$ATTRIB_SRC/conf/example.rules.cfg
TABLES="credits unattributed report/campaign report/daily report/daily_touch report/advertiser"
W=$(mktemp -d)
MOUNTS=()
cleanup() {
    for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
cd "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
export_all() { # DIR FILE
    mkdir -p "$1"
    for t in $TABLES; do "$ATTRIB" export "$2" "$t" -o "$1/${t//\//_}.csv"; done
}

"$ATTRIB" gen --events 30000 --conversions 3000 --seed 5 -q -o in.h5
$MPI -n 3 "$ATTRIB" run -q -c "$RULES" -i in.h5 -o ref.h5
export_all ref ref.h5
[ "$(wc -l <ref/credits.csv)" -gt 100 ] || fail "too few credits for a meaningful test"

# --- 1. A rank killed in each phase.
# Each phase once, the killed rank varied (0 is the one that writes the reports).
for pr in rules:1 read:0 plan:2 exchange:1 match:0 reduce:2 sort:1 write:0 write:2; do
    phase=${pr%:*} rank=${pr#*:}
    {
        rm -f out.h5 out.h5.tmp
        rc=0
        t0=$(date +%s%N)
        timeout 60 $MPI -n 3 -x ATTRIB_TEST_CRASH="$phase:$rank" "$ATTRIB" run -q -c "$RULES" \
            -i in.h5 -o out.h5 >o.txt 2>e.txt || rc=$?
        ms=$((($(date +%s%N) - t0) / 1000000))
        [ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "$phase:$rank: exit $rc"
        [ "$ms" -lt 15000 ] || fail "$phase:$rank: took $ms ms"
        grep -q "rank $rank .*signal 9" e.txt || fail "$phase:$rank: no word of the killed rank: $(cat e.txt)"
        [ ! -e out.h5 ] || fail "$phase:$rank: out.h5 exists after a killed run"
        if [ "$phase" = write ]; then
            [ -e out.h5.tmp ] || fail "write:$rank: the hook should fire with out.h5.tmp half written"
        fi
        # The rerun (over a stale out.h5.tmp, if any) equals the undisturbed run.
        $MPI -n 3 "$ATTRIB" run -q -c "$RULES" -i in.h5 -o out.h5
        [ ! -e out.h5.tmp ] || fail "$phase:$rank: out.h5.tmp left by the rerun"
        rm -rf re
        export_all re out.h5
        diff -r -q ref re >/dev/null || fail "$phase:$rank: rerun differs"
        echo "PASS kill $phase:$rank (exit $rc after $ms ms)"
    }
done

# --- 2. An unwritable output directory, a full disk.
mkdir ro full
if ! mount -t tmpfs -o size=1m tmpfs ro 2>/dev/null; then
    echo "skip: cannot mount a tmpfs here"
    exit 77
fi
MOUNTS+=("$W/ro")
mount -o remount,ro ro || fail "remount ro"
mount -t tmpfs -o size=160k tmpfs full || fail "mount full"
MOUNTS+=("$W/full")
for n in 1 3; do
    rc=0
    timeout 60 $MPI -n $n "$ATTRIB" run -q -c "$RULES" -i in.h5 -o ro/out.h5 >o.txt 2>e.txt || rc=$?
    [ "$rc" = 2 ] || fail "read-only dir, $n ranks: exit $rc: $(cat e.txt)"
    grep -qE "^attrib: run: (rank 0: )?ro/out.h5: cannot write: Read-only file system" e.txt ||
        fail "read-only msg: $(cat e.txt)"
    ! grep -q "out.h5.tmp" e.txt || fail "read-only msg names the .tmp: $(cat e.txt)"
    [ -z "$(ls -A ro)" ] || fail "read-only dir: $(ls ro)"
    rc=0
    t0=$(date +%s%N)
    timeout 60 $MPI -n $n "$ATTRIB" run -q -c "$RULES" -i in.h5 -o full/out.h5 >o.txt 2>e.txt || rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    [ "$rc" = 2 ] || fail "full disk, $n ranks: exit $rc after $ms ms: $(cat e.txt)"
    # (The io layer ends the job itself here; the line still names the command.)
    grep -q "^attrib: run: .*full/out.h5: .*\(No space left on device\|write failed\)" e.txt ||
        fail "full disk msg: $(cat e.txt)"
    ! grep -q "out.h5.tmp" e.txt || fail "full disk msg names the .tmp: $(cat e.txt)"
    [ -z "$(ls -A full)" ] || fail "full disk: left $(ls full)"
    echo "PASS read-only dir and full disk at $n ranks (full: $ms ms)"
done
# Import and gen on a full disk too.
rc=0
timeout 60 "$ATTRIB" gen --events 200000 --conversions 20000 -q -o full/g.h5 2>e.txt || rc=$?
[ "$rc" = 2 ] && grep -q "^attrib: gen: .*full/g.h5: " e.txt || fail "gen on a full disk: exit $rc: $(cat e.txt)"
! grep -q "g.h5.tmp" e.txt || fail "gen on a full disk: the message names the .tmp: $(cat e.txt)"
[ -z "$(ls -A full)" ] || fail "gen, full disk: left $(ls full)"
# After the faults, the disk freed: the same run succeeds and matches.
umount full
mount -t tmpfs -o size=8m tmpfs full
$MPI -n 3 "$ATTRIB" run -q -c "$RULES" -i in.h5 -o full/out.h5
export_all fin full/out.h5
diff -r -q ref fin >/dev/null || fail "run on the freed disk differs"
echo "hard_faults: ok"

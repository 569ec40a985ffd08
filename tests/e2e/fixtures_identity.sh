#!/usr/bin/env bash
# End-to-end check of the hand-worked identity-graph fixtures in tests/fixtures/identity/
# (cross-device stitching; see fixturegen.py and each case's NOTES.md). For every case
# directory (one holding rules.cfg):
#   attrib import  events.csv conversions.csv campaigns.csv --links links*.csv -> in.h5
#   attrib run     -c rules.cfg -i in.h5 $(cat args) -o out.h5       (one process)
#   attrib export  credits, unattributed, the four reports and report/identity, each
#                  compared by compare_csv.py with expected_<table>.csv, whose identity
#                  column names identifiers (`alice_phone`, `min:alice_laptop|alice_phone`)
#                  and is first resolved to hashes by tests/tools/identity_names.py (the
#                  hashes this attrib import gives those names, same hash key)
#   the same run under $MPIEXEC -n 3, and under -n 3 again on shuffled events,
#   conversions and links rows with the links files in the other order: every exported
#   table byte-identical to the 1-rank run.
# Prints a PASS/FAIL line per case and table and ends with "N passed, M failed".
# Env (set by CTest): ATTRIB, ATTRIB_SRC, MPIEXEC. Optional: FIXTURE_ONLY=name[,name],
# FIXTURE_RANKS=3 (0 skips the parallel runs).
set -euo pipefail

ATTRIB_SRC=${ATTRIB_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
ATTRIB=${ATTRIB:?set ATTRIB to the attrib binary}
MPIEXEC=${MPIEXEC:-mpiexec}
CASES=$ATTRIB_SRC/tests/fixtures/identity
RANKS=${FIXTURE_RANKS:-3}
PY=/usr/bin/python3
CMP="$ATTRIB_SRC/tests/tools/compare_csv.py"
NAMES="$ATTRIB_SRC/tests/tools/identity_names.py"
SHUF="$ATTRIB_SRC/tests/tools/shuffle_csv.py"
TABLES=(credits unattributed report/campaign report/daily report/daily_touch report/advertiser report/identity)

work=$(mktemp -d "${TMPDIR:-/tmp}/attrib-fixtures-identity.XXXXXX")
trap 'rm -rf "$work"' EXIT

npass=0
nfail=0
pass() { echo "PASS $*"; npass=$((npass + 1)); }
fail() { echo "FAIL $*"; nfail=$((nfail + 1)); }
show() { sed -e 's/^/    | /' "$1" | tail -n 25; }

# run NAME OUT.h5 NP IN.h5 ARGS...: attrib run (NP = 1: no launcher)
run() {
    local what=$1 out=$2 np=$3 in=$4
    shift 4
    local rc=0
    if [ "$np" = 1 ]; then
        "$ATTRIB" run -c "$dir/rules.cfg" -i "$in" "$@" -o "$out" >"$W/run.log" 2>&1 || rc=$?
    else
        $MPIEXEC --allow-run-as-root --oversubscribe -n "$np" "$ATTRIB" run -c "$dir/rules.cfg" \
            -i "$in" "$@" -o "$out" >"$W/run.log" 2>&1 || rc=$?
    fi
    if [ "$rc" != 0 ]; then
        fail "$name $what (exit $rc)"
        show "$W/run.log"
        return 1
    fi
}

# same OUT.h5 DIR WHAT: every table of OUT.h5 byte-identical to the 1-rank export in np1/
same() {
    local out=$1 sub=$2 what=$3 ok=1 t f
    mkdir -p "$W/$sub"
    for t in "${TABLES[@]}"; do
        f=${t//\//_}
        if ! "$ATTRIB" export "$out" "$t" -o "$W/$sub/$f.csv" >"$W/export.log" 2>&1; then
            echo "    $what: export of $t failed"
            show "$W/export.log"
            ok=0
        elif [ ! -f "$W/np1/$f.csv" ] || ! cmp -s "$W/np1/$f.csv" "$W/$sub/$f.csv"; then
            echo "    $what: $t differs from np=1:"
            [ -f "$W/np1/$f.csv" ] && { diff "$W/np1/$f.csv" "$W/$sub/$f.csv" | head -n 10 | sed -e 's/^/    | /' || true; }
            ok=0
        fi
    done
    if [ "$ok" = 1 ]; then pass "$name $what identical to np=1"; else fail "$name $what identical to np=1"; fi
}

only=",${FIXTURE_ONLY:-},"
ncases=0
for dir in "$CASES"/*/; do
    dir=${dir%/}
    [ -f "$dir/rules.cfg" ] || continue
    name=$(basename "$dir")
    if [ "$only" != ",," ] && [[ "$only" != *",$name,"* ]]; then
        continue
    fi
    ncases=$((ncases + 1))
    W="$work/$name"
    mkdir -p "$W/np1"

    args=()
    if [ -f "$dir/args" ]; then
        read -r -a args <"$dir/args" || true
    fi
    lfiles=("$dir"/links*.csv)
    [ -f "${lfiles[0]}" ] || { fail "$name: no links*.csv"; continue; }
    links=()
    for l in "${lfiles[@]}"; do links+=(--links "$l"); done

    rc=0
    "$ATTRIB" import --events "$dir/events.csv" --conversions "$dir/conversions.csv" \
        --campaigns "$dir/campaigns.csv" "${links[@]}" -o "$W/in.h5" >"$W/import.log" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        fail "$name import (exit $rc)"
        show "$W/import.log"
        continue
    fi
    # the hashes of every identifier of the case, by the same attrib import
    if ! "$PY" "$NAMES" hash "$ATTRIB" "$W/names.csv" "$dir/events.csv" "$dir/conversions.csv" \
        "${lfiles[@]}" >"$W/names.log" 2>&1; then
        fail "$name: hashing the identifier names"
        show "$W/names.log"
        continue
    fi
    run "run np=1" "$W/out1.h5" 1 "$W/in.h5" ${args[@]+"${args[@]}"} || continue

    for t in "${TABLES[@]}"; do
        f=${t//\//_}
        out="$W/np1/$f.csv"
        rc=0
        "$ATTRIB" export "$W/out1.h5" "$t" -o "$out" >"$W/export.log" 2>&1 || rc=$?
        if [ "$rc" != 0 ]; then
            fail "$name $t export (exit $rc)"
            show "$W/export.log"
            continue
        fi
        exp="$dir/expected_$f.csv"
        [ -f "$exp" ] || { fail "$name $t: no $exp"; continue; }
        if ! "$PY" "$NAMES" expected "$W/names.csv" "$t" "$exp" "$W/exp_$f.csv" >"$W/cmp.log" 2>&1; then
            fail "$name $t: resolving the expected identities"
            show "$W/cmp.log"
        elif "$PY" "$CMP" -q "$out" "$W/exp_$f.csv" >"$W/cmp.log" 2>&1; then
            pass "$name $t"
        else
            fail "$name $t"
            show "$W/cmp.log"
        fi
    done

    [ "$RANKS" -gt 0 ] || continue
    if run "run np=$RANKS" "$W/outN.h5" "$RANKS" "$W/in.h5" ${args[@]+"${args[@]}"}; then
        same "$W/outN.h5" npN "np=$RANKS"
    fi

    # shuffled rows of every input, the links files given in the other order
    mkdir -p "$W/shuf"
    seed=$(printf '%s' "$name" | cksum | cut -d' ' -f1)
    for f in events conversions campaigns; do
        "$PY" "$SHUF" "$seed" "$dir/$f.csv" "$W/shuf/$f.csv"
    done
    slinks=()
    for ((i = ${#lfiles[@]} - 1; i >= 0; i--)); do
        b=$(basename "${lfiles[$i]}")
        "$PY" "$SHUF" "$seed" "${lfiles[$i]}" "$W/shuf/$b"
        slinks+=(--links "$W/shuf/$b")
    done
    rc=0
    "$ATTRIB" import --events "$W/shuf/events.csv" --conversions "$W/shuf/conversions.csv" \
        --campaigns "$W/shuf/campaigns.csv" "${slinks[@]}" -o "$W/in_shuf.h5" >"$W/import.log" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        fail "$name import of the shuffled inputs (exit $rc)"
        show "$W/import.log"
        continue
    fi
    if run "run np=$RANKS shuffled" "$W/outS.h5" "$RANKS" "$W/in_shuf.h5" ${args[@]+"${args[@]}"}; then
        same "$W/outS.h5" shuf_out "np=$RANKS shuffled rows and links"
    fi
done

if [ "$ncases" = 0 ]; then
    fail "no fixture case found in $CASES"
fi
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]

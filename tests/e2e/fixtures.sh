#!/usr/bin/env bash
# End-to-end check of the hand-worked fixtures in tests/fixtures/cases/ (see the
# README there). For every case directory (one holding rules.cfg):
#   attrib import  events.csv conversions.csv campaigns.csv -> in.h5
#   attrib run     -c rules.cfg -i in.h5 $(cat args) -o out.h5       (one process)
#   attrib export  out.h5 TABLE for credits, unattributed and the four reports, each
#                  compared with expected_<table>.csv (if present) by compare_csv.py
#   the same run under $MPIEXEC -n 3: every exported table byte-identical to 1 rank.
# Prints a PASS/FAIL line per case and table and ends with "N passed, M failed".
# Env (set by CTest): ATTRIB, ATTRIB_SRC, MPIEXEC (HDF5_PLUGIN_PATH not needed).
# Optional: FIXTURE_CASES=dir (another cases dir), FIXTURE_ONLY=name[,name] (subset),
#           FIXTURE_RANKS=3 (rank count of the parallel run; 0 skips it).
set -euo pipefail

ATTRIB_SRC=${ATTRIB_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
ATTRIB=${ATTRIB:?set ATTRIB to the attrib binary}
MPIEXEC=${MPIEXEC:-mpiexec}
CASES=${FIXTURE_CASES:-$ATTRIB_SRC/tests/fixtures/cases}
RANKS=${FIXTURE_RANKS:-3}
PY=/usr/bin/python3
CMP="$ATTRIB_SRC/tests/tools/compare_csv.py"
TABLES=(credits unattributed report/campaign report/daily report/daily_touch report/advertiser)

work=$(mktemp -d "${TMPDIR:-/tmp}/attrib-fixtures.XXXXXX")
trap 'rm -rf "$work"' EXIT

npass=0
nfail=0
pass() { echo "PASS $*"; npass=$((npass + 1)); }
fail() { echo "FAIL $*"; nfail=$((nfail + 1)); }
# Show the tail of a log, indented, after a failure.
show() { sed -e 's/^/    | /' "$1" | tail -n 25; }

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
    mkdir -p "$W/np1" "$W/npN"

    args=()
    if [ -f "$dir/args" ]; then
        read -r -a args <"$dir/args" || true
    fi
    tables=("${TABLES[@]}")
    # the data-driven tables, for the cases that expect them (a run writes them when a
    # model is markov or shapley, with --compare or --journeys)
    if compgen -G "$dir/expected_report_[pms][ah]*.csv" >/dev/null; then
        tables+=(report/paths report/markov report/shapley)
    fi
    case " ${args[*]-} " in *" --compare "*) tables+=(report/models) ;; esac

    rc=0
    "$ATTRIB" import --events "$dir/events.csv" --conversions "$dir/conversions.csv" \
        --campaigns "$dir/campaigns.csv" -o "$W/in.h5" >"$W/import.log" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        fail "$name import (exit $rc)"
        show "$W/import.log"
        continue
    fi
    rc=0
    "$ATTRIB" run -c "$dir/rules.cfg" -i "$W/in.h5" ${args[@]+"${args[@]}"} \
        -o "$W/out1.h5" >"$W/run1.log" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        fail "$name run np=1 (exit $rc)"
        show "$W/run1.log"
        continue
    fi

    for t in "${tables[@]}"; do
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
        [ -f "$exp" ] || continue
        if "$PY" "$CMP" -q "$out" "$exp" >"$W/cmp.log" 2>&1; then
            pass "$name $t"
        else
            fail "$name $t"
            show "$W/cmp.log"
        fi
    done

    [ "$RANKS" -gt 0 ] || continue
    rc=0
    $MPIEXEC --allow-run-as-root --oversubscribe -n "$RANKS" "$ATTRIB" run \
        -c "$dir/rules.cfg" -i "$W/in.h5" ${args[@]+"${args[@]}"} -o "$W/outN.h5" \
        >"$W/runN.log" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        fail "$name run np=$RANKS (exit $rc)"
        show "$W/runN.log"
        continue
    fi
    same=1
    for t in "${tables[@]}"; do
        f=${t//\//_}
        if ! "$ATTRIB" export "$W/outN.h5" "$t" -o "$W/npN/$f.csv" >"$W/export.log" 2>&1; then
            echo "    np=$RANKS: export of $t failed"
            show "$W/export.log"
            same=0
        elif [ ! -f "$W/np1/$f.csv" ] || ! cmp -s "$W/np1/$f.csv" "$W/npN/$f.csv"; then
            echo "    np=$RANKS: $t differs from np=1:"
            if [ -f "$W/np1/$f.csv" ]; then
                diff "$W/np1/$f.csv" "$W/npN/$f.csv" | head -n 10 | sed -e 's/^/    | /' || true
            fi
            same=0
        fi
    done
    if [ "$same" = 1 ]; then
        pass "$name np=$RANKS identical to np=1"
    else
        fail "$name np=$RANKS identical to np=1"
    fi
done

if [ "$ncases" = 0 ]; then
    fail "no fixture case found in $CASES"
fi
echo "$npass passed, $nfail failed"
[ "$nfail" = 0 ]

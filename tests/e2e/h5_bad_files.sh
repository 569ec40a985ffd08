#!/bin/bash
# Foreign or damaged HDF5 tables (written here with h5py) must be refused by
# `attrib export` with exit 2 and a message naming the file and dataset: wrong types,
# unequal lengths, wrong rank, unknown enum names, out-of-range codes, variable-length
# strings. Foreign but valid variations (plain u8 for an enum, other string padding,
# big-endian integers) must be read correctly. A bad /links is refused by run and
# explain too, and a good one is stitched.
set -euo pipefail
: "${ATTRIB:?}"
PY=/usr/bin/python3
"$PY" -c 'import h5py, numpy' 2>/dev/null || { echo "skip: no h5py in $PY"; exit 77; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# make NAME 'python statements mutating dict c of column arrays for events, conversions'
make() {
    "$PY" - "$W/$1.h5" "$2" <<'PYEOF'
import sys, numpy as np, h5py
path, mutate = sys.argv[1], sys.argv[2]
kind = h5py.enum_dtype({"impression": 0, "engagement": 1, "nurture": 2}, basetype="u1")
ev = {"event_id": np.array([1, 2, 3], "<u8"), "identity": np.array([7, 7, 8], "<u8"),
      "ts": np.array([-1, 0, 1700000000000], "<i8"), "campaign_id": np.array([10, 11, 10], "<u4"),
      "kind": np.array([0, 1, 2], kind), "cost": np.array([0.5, 0.0, 1e300], "<f8")}
cv = {"conversion_id": np.array([5], "<u8"), "identity": np.array([7], "<u8"),
      "ts": np.array([3], "<i8"), "advertiser_id": np.array([1], "<u4"),
      "type": np.array([1], "<u2"), "value": np.array([9.5], "<f8")}
names = np.array([b"a", b"purchase"], "S8")
ca = {"campaign_id": np.array([10], "<u4"), "advertiser_id": np.array([1], "<u4"),
      "name": np.array([b"x,y"], "S4")}
exec(mutate)
with h5py.File(path, "w") as f:
    for t, cols in (("events", ev), ("conversions", cv), ("campaigns", ca)):
        for k, v in cols.items():
            f[t + "/" + k] = v
    f["conversions/type_names"] = names
PYEOF
}
expect_fail() { # expect_fail FILE TABLE "message"
    local rc=0
    "$ATTRIB" export "$W/$1.h5" "$2" >"$W/o.txt" 2>"$W/e.txt" || rc=$?
    [ "$rc" = 2 ] || fail "export $1 $2 exited $rc, not 2: $(cat "$W/e.txt")"
    grep -qF -- "$1.h5: $3" "$W/e.txt" || fail "export $1 $2: message lacks '$1.h5: $3': $(cat "$W/e.txt")"
}

make good ''
"$ATTRIB" export "$W/good.h5" events > "$W/ev.csv"
printf '%s\n' 'event_id,identity,ts,campaign_id,kind,cost' '1,7,-1,10,impression,0.5' \
    '2,7,0,11,engagement,0' '3,8,1700000000000,10,nurture,1.0000000000000001e+300' | cmp -s - "$W/ev.csv" \
    || fail "good events: $(cat "$W/ev.csv")"
"$ATTRIB" export "$W/good.h5" conversions | tail -1 | grep -qx '5,7,3,1,purchase,9.5' || fail "good conversions"
"$ATTRIB" export "$W/good.h5" campaigns | tail -1 | grep -qx '10,1,"x,y"' || fail "good campaigns"

# Valid variations: plain u8 kind, big-endian ts, a narrower name.
make variant 'ev["kind"] = np.array([2, 1, 0], "u1"); ev["ts"] = ev["ts"].astype(">i8")
ca["name"] = np.array([b"ab"], "S4")'
"$ATTRIB" export "$W/variant.h5" events | sed -n 2p | grep -qx '1,7,-1,10,nurture,0.5' || fail "variant events"
"$ATTRIB" export "$W/variant.h5" campaigns | tail -1 | grep -qx '10,1,ab' || fail "variant campaigns"

make f32ts 'ev["ts"] = ev["ts"].astype("<f4")'
expect_fail f32ts events "dataset /events/ts: expected 64-bit signed integer, found 32-bit float"
make i32id 'ev["event_id"] = ev["event_id"].astype("<i4")'
expect_fail i32id events "dataset /events/event_id: expected 64-bit unsigned integer, found 32-bit signed integer"
make short 'ev["cost"] = ev["cost"][:2]'
expect_fail short events "dataset /events/cost has 2 rows but /events/event_id has 3"
make twod 'ev["ts"] = ev["ts"].reshape(3, 1)'
expect_fail twod events "dataset /events/ts: expected 1-D, found 2-D"
make badenum 'ev["kind"] = np.array([0, 1, 2], h5py.enum_dtype({"impression": 0, "click": 1, "nurture": 2}, basetype="u1"))'
expect_fail badenum events "dataset /events/kind: expected 8-bit enum (or unsigned integer), found 8-bit enum: unknown enum name 'click'"
make kind9 'ev["kind"] = np.array([0, 9, 2], "u1")'
expect_fail kind9 events "dataset /events/kind row 1: 9 is not a valid kind"
make type7 'cv["type"] = np.array([7], "<u2")'
expect_fail type7 conversions "dataset /conversions/type row 0: 7 is not an index into /conversions/type_names (2 names)"
make vlen 'ca["name"] = np.array(["x"], h5py.string_dtype())'
expect_fail vlen campaigns "dataset /campaigns/name: expected fixed-length string, found variable-length string"
make strid 'ca["campaign_id"] = np.array([b"10"], "S2")'
expect_fail strid campaigns "dataset /campaigns/campaign_id: expected 32-bit unsigned integer, found fixed-length string"
# A group where a dataset should be, and a dataset where the table group should be.
"$PY" -c 'import h5py, sys
with h5py.File(sys.argv[1], "a") as f:
    del f["events/ts"]; f.create_group("events/ts")' "$W/good.h5"
expect_fail good events "/events/ts is not a readable dataset"
"$PY" -c 'import h5py, sys
with h5py.File(sys.argv[1], "a") as f:
    del f["campaigns"]; f["campaigns"] = [1, 2]' "$W/good.h5"
expect_fail good campaigns "/campaigns is not a group (table)"
# A bad /links (the optional identity graph) is refused by run, explain and export with
# exit 2 naming the dataset, before anything is written.
links() { # links NAME 'python: a = ..., b = ... (None: absent)'
    make "$1" 'ev["cost"] = np.array([0.5, 0.0, 1.0], "<f8")'
    "$PY" - "$W/$1.h5" "$2" <<'PYEOF'
import sys, numpy as np, h5py
a = np.array([7, 8], "<u8"); b = np.array([8, 9], "<u8")
exec(sys.argv[2])
with h5py.File(sys.argv[1], "a") as f:
    if a is not None: f["links/a"] = a
    if b is not None: f["links/b"] = b
PYEOF
}
printf 'defaults: { model = "last_touch"; };\n' > "$W/rules.cfg"
expect_run_fail() { # expect_run_fail FILE "message" [run-only]
    local rc=0
    "$ATTRIB" run -q -c "$W/rules.cfg" -i "$W/$1.h5" -o "$W/out.h5" 2>"$W/e.txt" || rc=$?
    [ "$rc" = 2 ] || fail "run $1 exited $rc, not 2: $(cat "$W/e.txt")"
    [ ! -e "$W/out.h5" ] || fail "run $1 left an output"
    grep -qF -- "$1.h5: $2" "$W/e.txt" || fail "run $1: message lacks '$1.h5: $2': $(cat "$W/e.txt")"
    [ "${3:-}" = run-only ] && return
    rc=0
    "$ATTRIB" explain -c "$W/rules.cfg" -i "$W/$1.h5" --conversion 5 2>"$W/e.txt" >/dev/null || rc=$?
    [ "$rc" = 2 ] && grep -qF -- "$1.h5: $2" "$W/e.txt" || fail "explain $1 exited $rc: $(cat "$W/e.txt")"
}
# An amount the exact report sums cannot hold (good.h5's 1e300 cost) is refused too.
make huge ''
expect_run_fail huge "dataset /events/cost row 2: 1e+300 is not an amount from 0 to 1e+15" run-only
make huge_cv 'cv["value"] = np.array([2e15], "<f8"); ev["cost"] = np.array([0.5, 0.0, 1.0], "<f8")'
expect_run_fail huge_cv "dataset /conversions/value row 0: 2e+15 is not an amount from 0 to 1e+15" run-only
rc=0; "$ATTRIB" explain -c "$W/rules.cfg" -i "$W/huge_cv.h5" --conversion 5 2>"$W/e.txt" >/dev/null || rc=$?
[ $rc = 2 ] && grep -qF "huge_cv.h5: dataset /conversions/value: conversion 5 has 2e+15, not an amount from 0 to 1e+15" "$W/e.txt" \
    || fail "explain huge_cv exited $rc: $(cat "$W/e.txt")"
links links_short 'b = b[:1]'
expect_run_fail links_short "dataset /links/b has 1 rows but /links/a has 2"
expect_fail links_short links "dataset /links/b has 1 rows but /links/a has 2"
links links_f64 'a = a.astype("<f8")'
expect_run_fail links_f64 "dataset /links/a: expected 64-bit unsigned integer, found 64-bit float"
links links_nob 'b = None'
expect_run_fail links_nob "missing dataset /links/b"
links links_ok ''
"$ATTRIB" run -q -c "$W/rules.cfg" -i "$W/links_ok.h5" -o "$W/ok.h5" || fail "run with a good /links"
"$ATTRIB" export "$W/ok.h5" report/identity | tail -1 | grep -qx '2,3,1,1,3,0,0,3' || fail "report/identity of a good /links: $("$ATTRIB" export "$W/ok.h5" report/identity)"
"$ATTRIB" export "$W/ok.h5" credits | tail -1 | grep -q '^5,1,7,3,9.5,' || fail "credit of the stitched conversion"
echo "h5_bad_files: ok"

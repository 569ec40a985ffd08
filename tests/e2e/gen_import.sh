#!/usr/bin/env bash
# attrib gen --csv followed by attrib import gives the same tables (same identity
# hashes, same rows in the same order) as attrib gen -o, with integer and ISO
# timestamps, under the default key and under ATTRIB_HASH_KEY.
# (Imports take --no-partition: rows stay in file order and compare row for row; the
# partitioned layout, the default, is checked in run_partitioned.sh.)
set -euo pipefail
: "${ATTRIB:?}" "${MPIEXEC:?}" "${HDF5_PLUGIN_PATH:?}"
PY=/usr/bin/python3
$PY -c 'import h5py, numpy' 2>/dev/null || { echo "skip: h5py/numpy missing for $PY"; exit 77; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI="$MPIEXEC --allow-run-as-root --oversubscribe"
ARGS=(--events 20000 --conversions 3000 --advertisers 6 --campaigns 25 --seed 7 -q)

imp() { # dir out [mpi ranks]
  local d=$1 out=$2
  "$ATTRIB" import --no-partition --events "$d/events.csv" --conversions "$d/conversions.csv" \
    --campaigns "$d/campaigns.csv" --max-reject-rate 0 -q -o "$out"
}

"$ATTRIB" gen "${ARGS[@]}" -o "$W/direct.h5"
$MPI -n 2 "$ATTRIB" gen "${ARGS[@]}" --csv "$W/csv"
imp "$W/csv" "$W/imported.h5"
"$ATTRIB" gen "${ARGS[@]}" --iso --csv "$W/iso"
imp "$W/iso" "$W/imported_iso.h5"
grep -q 'T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' <(sed -n 2p "$W/iso/events.csv")

KEY=00112233445566778899aabbccddeeff
ATTRIB_HASH_KEY=$KEY "$ATTRIB" gen "${ARGS[@]}" -o "$W/direct_key.h5"
"$ATTRIB" gen "${ARGS[@]}" --hash-key $KEY --csv "$W/csvk"
ATTRIB_HASH_KEY=$KEY imp "$W/csvk" "$W/imported_key.h5"

$PY - "$W" <<'PYEOF'
import sys, h5py, numpy as np
w = sys.argv[1]
def load(path):
    with h5py.File(path, "r") as f:
        t = {}
        for g in ("events", "conversions", "campaigns"):
            for k in f[g]:
                t[f"{g}/{k}"] = f[g][k][()]
        a = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    return t, a
def same(x, y, what):
    (a, aa), (b, ba) = load(x), load(y)
    assert set(a) == set(b), (what, set(a) ^ set(b))
    for k in a:
        u, v = a[k], b[k]
        if u.dtype.kind == "S":
            u = [s.rstrip(b"\0") for s in u]; v = [s.rstrip(b"\0") for s in v]
            assert u == v, (what, k)
        else:
            assert len(u) == len(v) and np.array_equal(u.astype(v.dtype), v), (what, k)
    assert aa["identity_hash"] == ba["identity_hash"], (what, aa["identity_hash"], ba["identity_hash"])
    return a
t = same(f"{w}/direct.h5", f"{w}/imported.h5", "csv")
same(f"{w}/direct.h5", f"{w}/imported_iso.h5", "iso csv")
k = same(f"{w}/direct_key.h5", f"{w}/imported_key.h5", "keyed")
assert len(t["events/ts"]) == 20000 and len(t["conversions/ts"]) == 3000
assert not np.array_equal(t["events/identity"], k["events/identity"]), "key ignored"
print("gen_import: gen --csv | import == gen -o")
PYEOF
echo "gen_import: ok"

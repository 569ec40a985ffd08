#!/usr/bin/env bash
# attrib gen: exact sizes, and the same tables (HDF5 and CSV, byte for byte) for the same
# seed at 1, 2 and 3 ranks, with batches small enough that ranks write several blocks
# and unequal numbers of them.
set -euo pipefail
: "${ATTRIB:?}" "${MPIEXEC:?}" "${HDF5_PLUGIN_PATH:?}"
PY=/usr/bin/python3
$PY -c 'import h5py, numpy' 2>/dev/null || { echo "skip: h5py/numpy missing for $PY"; exit 77; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI="$MPIEXEC --allow-run-as-root --oversubscribe"
ARGS=(--events 30011 --conversions 4001 --identities 1500 --advertisers 7 --campaigns 30 --seed 42 --batch 977 -q)

"$ATTRIB" gen --help | grep -- '--conversions' >/dev/null # not -q: see import_basic.sh
"$ATTRIB" gen "${ARGS[@]}" -o "$W/n1.h5"
$MPI -n 2 "$ATTRIB" gen "${ARGS[@]}" -o "$W/n2.h5"
$MPI -n 3 "$ATTRIB" gen "${ARGS[@]}" -o "$W/n3.h5"
$MPI -n 2 "$ATTRIB" gen "${ARGS[@]}" --batch 100000 --level 0 -o "$W/n2big.h5"
"$ATTRIB" gen "${ARGS[@]/42/43}" -o "$W/seed43.h5"
test ! -e "$W/n1.h5.tmp" && test ! -e "$W/n3.h5.tmp"

$PY - "$W" <<'PYEOF'
import sys, h5py, numpy as np
w = sys.argv[1]
def tables(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
        f.visititems(visit)
        attrs = dict(f.attrs)
    return out, attrs
a, attrs = tables(f"{w}/n1.h5")
expect = {"events/event_id", "events/identity", "events/ts", "events/campaign_id", "events/kind",
          "events/cost", "conversions/conversion_id", "conversions/identity", "conversions/ts",
          "conversions/advertiser_id", "conversions/type", "conversions/value",
          "conversions/type_names", "campaigns/campaign_id", "campaigns/advertiser_id",
          "campaigns/name"}
assert set(a) == expect, sorted(set(a) ^ expect)
for k in a:
    if k.startswith("events/"):
        assert len(a[k]) == 30011, (k, len(a[k]))
    elif k.startswith("conversions/") and k != "conversions/type_names":
        assert len(a[k]) == 4001, (k, len(a[k]))
assert [s.decode() for s in a["conversions/type_names"]] == ["add_to_cart", "purchase", "signup"]
assert len(a["campaigns/campaign_id"]) == 30
assert list(a["campaigns/campaign_id"]) == list(range(1, 31))
assert list(a["campaigns/advertiser_id"]) == [(c - 1) % 7 + 1 for c in range(1, 31)]
assert a["campaigns/name"][13].rstrip(b"\0") == b"Campaign 14 (adv 7)", a["campaigns/name"][13]
assert int(attrs["schema_version"]) == 1
hs = attrs["identity_hash"]; hs = hs.decode() if isinstance(hs, bytes) else hs
assert hs.startswith("siphash-2-4 key_id="), hs
src = attrs["source_files"]; src = src.decode() if isinstance(src, bytes) else src
assert "--seed 42" in src and "--events 30011" in src, src
assert "created_at" in attrs
# at least one dataset must hold real numbers (guards against an unreadable filter)
assert a["events/ts"].min() > 1_700_000_000_000
for n in ("n2", "n3", "n2big"):
    b, _ = tables(f"{w}/{n}.h5")
    assert set(b) == set(a)
    for k in a:
        assert a[k].dtype == b[k].dtype, (n, k)
        assert np.array_equal(a[k], b[k]), f"{n}: {k} differs from 1 rank"
c, _ = tables(f"{w}/seed43.h5")
assert not np.array_equal(a["events/ts"], c["events/ts"]), "another seed gives the same data"
assert len(c["events/ts"]) == 30011
print("gen_ranks: hdf5 identical at 1, 2, 3 ranks and any batch size")
PYEOF

# CSV: the same bytes at 1 and 3 ranks
"$ATTRIB" gen "${ARGS[@]}" --csv "$W/csv1"
$MPI -n 3 "$ATTRIB" gen "${ARGS[@]}" --csv "$W/csv3"
for t in events conversions campaigns; do
  cmp "$W/csv1/$t.csv" "$W/csv3/$t.csv"
done
test "$(ls -A "$W/csv3" | sort | tr '\n' ' ')" = "campaigns.csv conversions.csv events.csv "
test "$(wc -l < "$W/csv1/events.csv")" -eq 30012
test "$(wc -l < "$W/csv1/conversions.csv")" -eq 4002
test "$(wc -l < "$W/csv1/campaigns.csv")" -eq 31
head -1 "$W/csv1/events.csv" | grep -qx 'event_id,identity,timestamp,campaign_id,kind,cost'
head -1 "$W/csv1/conversions.csv" | grep -qx 'conversion_id,identity,timestamp,advertiser_id,type,value'
grep -q '^14,7,Campaign 14 (adv 7)$' "$W/csv1/campaigns.csv"
grep -Eq '^[0-9]+,u[0-9]{12}@example\.test,[0-9]+,[0-9]+,(impression|engagement|nurture),[0-9]+\.[0-9]{6}$' <(sed -n 2p "$W/csv1/events.csv")

# usage errors exit 2 and write nothing
set +e
"$ATTRIB" gen --events 10 -o "$W/bad.h5" 2>/dev/null; rc1=$?
"$ATTRIB" gen --events 10 --conversions x -o "$W/bad.h5" 2>/dev/null; rc2=$?
"$ATTRIB" gen --events 10 --conversions 1 --from 2026-13-45 -o "$W/bad.h5" 2>/dev/null; rc3=$?
set -e
test $rc1 -eq 2 && test $rc2 -eq 2 && test $rc3 -eq 2
test ! -e "$W/bad.h5" && test ! -e "$W/bad.h5.tmp"

# --help is printed as it is (no printf doubling: '%' not '%%')
"$ATTRIB" gen --help >"$W/help.txt"
grep -q '%%' "$W/help.txt" && { echo "gen --help prints %%"; exit 1; }
grep -q '~70% impressions' "$W/help.txt" && grep -q '((c-1) % A) + 1' "$W/help.txt"
# --opt=value and 1e3-style counts are the same options
"$ATTRIB" gen --events=1e3 --conversions=100 --seed=3 --batch=64 -q -o "$W/eq.h5"
"$ATTRIB" gen --events 1000 --conversions 1e2 --seed 3 --batch 64 -q -o "$W/sp.h5"
$PY - "$W/eq.h5" "$W/sp.h5" <<'PYEOF'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:])
assert len(a["events/ts"]) == 1000 and len(a["conversions/ts"]) == 100
for t in ("events", "conversions", "campaigns"):
    for k in a[t]:
        assert np.array_equal(a[t][k][()], b[t][k][()]), (t, k)
assert a.attrs["source_files"] == b.attrs["source_files"]
PYEOF
# Outputs are checked before any work: a missing directory, a --csv that is a file
set +e
"$ATTRIB" gen --events 10 --conversions 1 -q -o "$W/nodir/x.h5" 2>"$W/e1.txt"; rc1=$?
: >"$W/afile"
"$ATTRIB" gen --events 10 --conversions 1 -q --csv "$W/afile" 2>"$W/e2.txt"; rc2=$?
"$ATTRIB" gen --events 10 --conversions 1 --events-typo 3 -o "$W/x.h5" 2>"$W/e3.txt"; rc3=$?
set -e
test $rc1 -eq 2 && grep -q "attrib: gen: $W/nodir/x.h5: cannot write" "$W/e1.txt"
test $rc2 -eq 2 && grep -q "attrib: gen: $W/afile/events.csv: cannot write" "$W/e2.txt"
test $rc3 -eq 2 && grep -q "attrib: gen: unknown option '--events-typo'. See 'attrib gen --help'." "$W/e3.txt"
test ! -e "$W/nodir" && test ! -e "$W/x.h5"
echo "gen_ranks: ok"

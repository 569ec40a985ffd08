#!/usr/bin/env bash
# attrib gen with an identity graph (--devices-per-person, --hubs, --hub-persons):
#  - every table, /links included, the same at 1, 2 and 3 ranks (small batches), and
#    the CSV files (links.csv included) byte for byte;
#  - /links canonical: a < b, sorted, each edge once;
#  - the rows are those of gen without links but for the identity: a person's rows fall
#    on its devices (device 0 keeps the plain identity), so persons really are spread
#    over several devices, some events re-delivered under two devices (same event_id)
#    and some conversions duplicated across devices (same conversion_id);
#  - the components (union-find here): each hub's is over the default cap of 1000
#    identities, every other one a single person's devices (at most K);
#  - the CSV output (links.csv with repeats and self links) imported gives the same
#    tables as the HDF5 output, and import counts the repeats and self links.
# (Imports take --no-partition: rows stay in file order and compare row for row; the
# partitioned layout, the default, is checked in run_partitioned.sh.)
set -euo pipefail
: "${ATTRIB:?}" "${MPIEXEC:?}" "${HDF5_PLUGIN_PATH:?}"
PY=/usr/bin/python3
$PY -c 'import h5py, numpy' 2>/dev/null || { echo "skip: h5py/numpy missing for $PY"; exit 77; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPI="$MPIEXEC --allow-run-as-root --oversubscribe"
BASE=(--events 30011 --conversions 12001 --identities 3000 --advertisers 7 --campaigns 30 --seed 42
      --batch 977 -q)
LK=(--devices-per-person 4 --hubs 2)

"$ATTRIB" gen "${BASE[@]}" -o "$W/plain.h5"
"$ATTRIB" gen "${BASE[@]}" "${LK[@]}" -o "$W/n1.h5"
$MPI -n 2 "$ATTRIB" gen "${BASE[@]}" "${LK[@]}" -o "$W/n2.h5"
$MPI -n 3 "$ATTRIB" gen "${BASE[@]}" "${LK[@]}" -o "$W/n3.h5"
"$ATTRIB" gen "${BASE[@]}" --links -o "$W/dflt.h5"
$MPI -n 2 "$ATTRIB" gen "${BASE[@]}" "${LK[@]}" --csv "$W/csv"
test -f "$W/csv/links.csv"
"$ATTRIB" gen "${BASE[@]}" "${LK[@]}" --csv "$W/csv1"
$MPI -n 3 "$ATTRIB" gen "${BASE[@]}" "${LK[@]}" --csv "$W/csv3"
for f in events conversions campaigns links; do
    cmp "$W/csv/$f.csv" "$W/csv1/$f.csv" && cmp "$W/csv/$f.csv" "$W/csv3/$f.csv" ||
        { echo "FAIL: $f.csv differs between 1, 2 and 3 ranks" >&2; exit 1; }
done
[ "$(head -1 "$W/csv/links.csv")" = "identity_a,identity_b" ] || { echo "FAIL: links.csv header" >&2; exit 1; }
"$ATTRIB" import --no-partition --events "$W/csv/events.csv" --conversions "$W/csv/conversions.csv" \
    --campaigns "$W/csv/campaigns.csv" --links "$W/csv/links.csv" -o "$W/imported.h5" 2>"$W/imp.txt"
grep -E '^attrib: links ' "$W/imp.txt" >"$W/links_line.txt"

$PY - "$W" <<'PYEOF'
import sys, re, csv, collections, h5py, numpy as np
w = sys.argv[1]
def tables(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
    return out, attrs
a, attrs = tables(f"{w}/n1.h5")
assert "links/a" in a and "links/b" in a, sorted(a)
assert attrs["source_files"].endswith(" --devices-per-person 4 --hubs 2 --hub-persons 1000"), attrs
for n in (2, 3):
    b, _ = tables(f"{w}/n{n}.h5")
    assert set(a) == set(b), (n, sorted(set(a) ^ set(b)))
    for k in a:
        assert np.array_equal(a[k], b[k]), f"{k} differs at {n} ranks"
la, lb = a["links/a"], a["links/b"]
assert la.dtype == np.uint64 and len(la) > 3000
assert np.all(la < lb), "an edge not as (min, max) or a self link"
order = np.lexsort((lb, la))
assert np.array_equal(order, np.arange(len(la))), "not sorted by (a, b)"
assert np.all((la[1:] != la[:-1]) | (lb[1:] != lb[:-1])), "a repeated edge"
d, _ = tables(f"{w}/dflt.h5")
assert "links/a" in d and len(d["links/a"]) > 1000

# Same rows as without links but for the identity.
p, _ = tables(f"{w}/plain.h5")
assert "links/a" not in p
for t in ("events", "conversions"):
    for k in p:
        if k.startswith(t + "/") and not k.endswith("/identity"):
            assert np.array_equal(p[k], a[k]), k
    same = np.count_nonzero(p[t + "/identity"] == a[t + "/identity"])
    n = len(p[t + "/identity"])
    assert 0.2 * n < same < 0.9 * n, (t, same, n)  # device 0 keeps the plain identity

# Persons over devices, from the CSV (raw identifiers): person -> devices with rows.
dev_re = re.compile(r"u(\d{12})(?:-d(\d+))?@example\.test")
def person_dev(s):
    m = dev_re.fullmatch(s)
    assert m, s
    return int(m.group(1)), int(m.group(2) or 0)
devs = collections.defaultdict(set)
by_id = {"events": collections.defaultdict(set), "conversions": collections.defaultdict(set)}
for t, idcol in (("events", "event_id"), ("conversions", "conversion_id")):
    with open(f"{w}/csv/{t}.csv") as f:
        for r in csv.DictReader(f):
            pr, dv = person_dev(r["identity"])
            assert dv < 4
            devs[pr].add(dv)
            by_id[t][int(r[idcol])].add((pr, dv))
multi = sum(1 for s in devs.values() if len(s) >= 2)
assert multi > 0.4 * len(devs), (multi, len(devs))
for t in by_id:
    cross = [k for k, s in by_id[t].items() if len(s) >= 2]
    assert all(len({pr for pr, _ in by_id[t][k]}) == 1 for k in cross), "a duplicate across persons"
    assert len(cross) >= 5, (t, len(cross))

# Components by union-find over /links: the hubs' over 1000, the others within a person.
parent = {}
def find(x):
    while parent.get(x, x) != x:
        parent[x] = parent.get(parent[x], parent[x])
        x = parent[x]
    return x
for x, y in zip(la.tolist(), lb.tolist()):
    rx, ry = find(x), find(y)
    if rx != ry:
        parent[max(rx, ry)] = min(rx, ry)
sizes = collections.Counter(find(x) for x in set(la.tolist()) | set(lb.tolist()))
big = sorted(s for s in sizes.values() if s > 1000)
assert len(big) == 2, big
assert max(s for s in sizes.values() if s <= 1000) <= 4, "a small component over one person"

# CSV -> import gives the same tables; import dropped links.csv's repeats and self links.
c, _ = tables(f"{w}/imported.h5")
for k in ("events/identity", "events/event_id", "conversions/identity", "links/a", "links/b"):
    assert np.array_equal(a[k], c[k]), k
line = open(f"{w}/links_line.txt").read()
m = re.search(r"0 rejected; (\d+) kept, (\d+) self, (\d+) repeats", line)
assert m and int(m.group(1)) == len(la) and int(m.group(2)) > 0 and int(m.group(3)) > 0, line
print("gen_links: ok")
PYEOF

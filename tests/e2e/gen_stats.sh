#!/usr/bin/env bash
# attrib gen: the data has what the engine's tests need — exact and inexact
# duplicates, identical timestamps, conversions far from every touch and for
# advertisers never touched, the kind mix, cost and value ranges, heavy identities.
set -euo pipefail
: "${ATTRIB:?}" "${HDF5_PLUGIN_PATH:?}"
PY=/usr/bin/python3
$PY -c 'import h5py, numpy' 2>/dev/null || { echo "skip: h5py/numpy missing for $PY"; exit 77; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$ATTRIB" gen --events 100000 --conversions 15000 -q -o "$W/g.h5"
$PY - "$W/g.h5" <<'PYEOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
e = {k: f["events"][k][()] for k in f["events"]}
c = {k: f["conversions"][k][()] for k in f["conversions"] if k != "type_names"}
N, M = len(e["ts"]), len(c["ts"])
assert N == 100000 and M == 15000, (N, M)
frm = 1790812800000; day = 86400000; to = frm + 31 * day
# kinds ~70/20/10, costs by kind
kinds = np.bincount(e["kind"], minlength=3) / N
assert abs(kinds[0] - .7) < .04 and abs(kinds[1] - .2) < .03 and abs(kinds[2] - .1) < .03, kinds
imp, eng, nur = (e["cost"][e["kind"] == k] for k in range(3))
assert imp.min() >= .002 and imp.max() <= .01 and eng.min() >= .1 and eng.max() <= 1 and (nur == 0).all()
assert e["ts"].min() >= frm - 30 * day - 600000 and e["ts"].max() < to + 600000
assert e["campaign_id"].min() >= 1 and e["campaign_id"].max() <= 50
# duplicates: same (identity, event_id); exact when the whole row is equal
def groups(*cols):
    """Number of rows that repeat an earlier row's values of `cols`."""
    order = np.lexsort(cols[::-1])
    same = np.ones(len(order) - 1, bool)
    for col in cols:
        s = col[order]
        same &= s[1:] == s[:-1]
    return int(same.sum())
dups = groups(e["identity"], e["event_id"])
exact = groups(e["identity"], e["event_id"], e["ts"], e["campaign_id"], e["kind"], e["cost"])
assert N * .0025 < dups < N * .01 and 0 < dups - exact < exact, (dups, exact)
# event ids: unique across identities
assert groups(e["event_id"]) == dups
# ties: distinct event ids of one identity at the same ms
ties = groups(e["identity"], e["ts"]) - groups(e["identity"], e["ts"], e["event_id"])
assert ties > N * .002, ties
# heavy-tailed activity: a few identities with many touches, most with few
_, per = np.unique(e["identity"], return_counts=True)
assert np.median(per) <= 12 and per.max() >= 20 * np.median(per), (np.median(per), per.max())
# conversions: types, values, period; distance to the last touch of the same advertiser
types = [s.decode() for s in f["conversions/type_names"][()]]
assert types == ["add_to_cart", "purchase", "signup"]
assert set(np.unique(c["type"])) == {0, 1, 2}
pv = c["value"][c["type"] == 1]
assert pv.min() >= 5 and pv.max() <= 500 and (c["value"][c["type"] != 1] == 0).all()
assert ((c["ts"] >= frm) & (c["ts"] < to)).mean() > .95
adv = (e["campaign_id"].astype(np.int64) - 1) % 10 + 1
order = np.lexsort((e["ts"], adv, e["identity"]))
ei, ea, et = e["identity"][order], adv[order], e["ts"][order]
key_e = ei.astype(object) * 100 + ea
from collections import defaultdict
touch = defaultdict(list)
for i, a, t in zip(ei.tolist(), ea.tolist(), et.tolist()):
    touch[(i, a)].append(t)
near = far = never = before = 0
import bisect
for i, a, t in zip(c["identity"].tolist(), c["advertiser_id"].tolist(), c["ts"].tolist()):
    ts = touch.get((i, a))
    if not ts:
        never += 1; continue
    k = bisect.bisect_right(ts, t)
    if k == 0:
        before += 1
    elif t - ts[k - 1] <= 7 * day:
        near += 1
    elif t - ts[k - 1] > 30 * day:
        far += 1
print(f"gen_stats: {N} events, {M} conversions, dups {dups} ({dups - exact} inexact), ties {ties}, "
      f"near {near}, far {far}, before-first-touch {before}, never-touched advertiser {never}")
assert near > .6 * M and far + before > .04 * M and never > .05 * M
PYEOF
echo "gen_stats: ok"

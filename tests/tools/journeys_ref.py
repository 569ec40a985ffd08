#!/usr/bin/python3
"""Independent reference for the journeys of `attrib run` (/report/paths,
docs/datadriven.md), written from the definitions and sharing no code with src/:
reads an attrib input file with h5py and prints /report/paths as `attrib export` does.

Rules: one lookback per kind for every campaign (--lookback kind=MS,...; a kind not
given is off), every conversion type counts; no versions. Needs HDF5_PLUGIN_PATH.

usage: journeys_ref.py IN.h5 [--from YYYY-MM-DD] [--to YYYY-MM-DD] --lookback impression=MS,...
"""
import argparse
import datetime as dt
import math
import sys
from collections import defaultdict

import h5py

KINDS = {"impression": 0, "engagement": 1, "nurture": 2}


def day_ms(s):
    return int(dt.datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc).timestamp() * 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("--from", dest="lo")
    ap.add_argument("--to", dest="hi")
    ap.add_argument("--lookback", required=True)
    a = ap.parse_args()
    lo = day_ms(a.lo) if a.lo else -(1 << 63)
    hi = day_ms(a.hi) if a.hi else (1 << 63) - 1
    lb = {}
    for kv in a.lookback.split(","):
        k, v = kv.split("=")
        lb[KINDS[k]] = int(v)
    with h5py.File(a.input, "r") as f:
        camp_adv = dict(zip(f["campaigns/campaign_id"][:].tolist(), f["campaigns/advertiser_id"][:].tolist()))
        ev = list(zip(*(f["events/" + c][:].tolist() for c in ("event_id", "identity", "ts", "campaign_id", "kind", "cost"))))
        cv = list(zip(*(f["conversions/" + c][:].tolist() for c in ("conversion_id", "identity", "ts", "advertiser_id", "type", "value"))))
    # dedup: touches of catalog campaigns, per (identity, event_id) the smallest (ts, campaign, kind, cost)
    best = {}
    for eid, ident, ts, camp, kind, cost in ev:
        if camp not in camp_adv:
            continue
        key = (ident, eid)
        cand = (ts, camp, kind, cost)
        if key not in best or cand < best[key]:
            best[key] = cand
    touches = defaultdict(list)  # (identity, advertiser) -> [(ts, eid, camp, kind)]
    for (ident, eid), (ts, camp, kind, cost) in best.items():
        touches[(ident, camp_adv[camp])].append((ts, eid, camp, kind))
    for v in touches.values():
        v.sort()
    cbest = {}
    for cid, ident, ts, adv, typ, value in cv:
        key = (ident, adv, cid)
        cand = (ts, typ, value)
        if key not in cbest or cand < cbest[key]:
            cbest[key] = cand
    converted = {(ident, adv) for (ident, adv, cid) in cbest}
    conv = defaultdict(int)
    vals = defaultdict(list)
    nulls = defaultdict(int)
    for (ident, adv, cid), (cts, typ, value) in cbest.items():
        if not (lo <= cts < hi):
            continue
        path = [c for ts, e, c, k in touches.get((ident, adv), ()) if k in lb and 0 <= cts - ts <= lb[k]]
        if path:
            key = (adv, " > ".join(map(str, path)))
            conv[key] += 1
            vals[key].append(value)
    for (ident, adv), ts_list in touches.items():
        if (ident, adv) in converted:
            continue
        star = [t for t in ts_list if lo <= t[0] < hi and t[3] in lb]
        if not star:
            continue
        T = star[-1][0]
        path = [c for ts, e, c, k in ts_list if k in lb and 0 <= T - ts <= lb[k]]
        nulls[(adv, " > ".join(map(str, path)))] += 1
    keys = sorted(set(conv) | set(nulls), key=lambda k: (k[0], k[1].encode()))
    out = sys.stdout
    out.write("advertiser_id,path,conversions,value,nulls\n")
    for k in keys:
        out.write(f"{k[0]},{k[1]},{conv.get(k, 0)},{math.fsum(vals.get(k, [])):.17g},{nulls.get(k, 0)}\n")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Add the data-driven report tables (report/paths, report/markov, report/shapley and,
unless --no-models, report/models) to a results file of `attrib run` that lacks them, in
attrib's own layout: one group per table, one 1-D dataset per column (u32, u64, f64 as
little-endian; strings fixed-length, NUL-padded, UTF-8, as long as the longest value),
chunked (one chunk, or 1 row and an unlimited size when empty), shuffle (numbers only),
zstd level 1 and Fletcher-32, fill time never. Needs HDF5_PLUGIN_PATH for zstd.

The figures are made from the file itself, so that they look like a run's:
  paths    the credited conversions of /credits, one journey per conversion, its path
           the campaigns by position; nulls are made up (deterministic): every catalog
           campaign of the advertiser gets 1 + id % 5 non-converting journeys on the
           one-campaign path, and a converting path (3 * conversions + the sum of
           its bytes) % 5 more;
  markov   the exact removal effects of those paths (tests/tools/markov_ref.py, order 1);
  shapley  the simplified Shapley split of the converting journeys' distinct campaigns;
  models   last_touch, first_touch, linear (from the paths), shapley and own (the file's
           report/campaign), one row per catalog campaign and model, sorted by model in
           that order, then campaign_id; credited touches counted alike.

usage: add_dd_tables.py RESULTS.h5 [--no-models] [--empty]
  --empty   write the four tables with zero rows (every column present)
"""
import argparse
import os
import sys
from fractions import Fraction

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import markov_ref  # noqa: E402

ZSTD = 32015
MODELS = ["last_touch", "first_touch", "linear", "shapley", "own"]


def write_table(f, name, cols):
    """cols: list of (column, numpy array or list of str)."""
    g = f.create_group(name)
    for col, data in cols:
        is_str = isinstance(data, list)
        n = len(data)
        if is_str:
            width = max([len(s.encode()) for s in data] + [1])
            tid = h5py.h5t.C_S1.copy()
            tid.set_size(width)
            tid.set_strpad(h5py.h5t.STR_NULLPAD)
            tid.set_cset(h5py.h5t.CSET_UTF8)
            arr = np.array([s.encode() for s in data], dtype=f"S{width}")
        else:
            arr = data
            tid = h5py.h5t.py_create(arr.dtype.newbyteorder("<"))
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((n if n else 1,))
        dcpl.set_fill_time(h5py.h5d.FILL_TIME_NEVER)
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
        if not is_str:
            dcpl.set_shuffle()
        dcpl.set_filter(ZSTD, h5py.h5z.FLAG_MANDATORY, (1,))
        dcpl.set_fletcher32()
        space = h5py.h5s.create_simple((n,), (n if n else h5py.h5s.UNLIMITED,))
        dsid = h5py.h5d.create(g.id, col.encode(), tid, space, dcpl=dcpl)
        if n:
            mt = tid if is_str else h5py.h5t.py_create(arr.dtype)
            dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, arr, mtype=mt)
        dsid.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results")
    ap.add_argument("--no-models", action="store_true")
    ap.add_argument("--empty", action="store_true")
    a = ap.parse_args()
    with h5py.File(a.results, "a") as f:
        for t in ("paths", "markov", "shapley", "models"):
            if f"report/{t}" in f:
                sys.exit(f"add_dd_tables: {a.results} already has /report/{t}")
        rc = {k: f["report/campaign"][k][()] for k in f["report/campaign"]}
        if "campaigns" in f:
            cat = sorted(zip(f["campaigns/campaign_id"][()].tolist(),
                             f["campaigns/advertiser_id"][()].tolist()))
        else:
            cat = sorted(zip(rc["campaign_id"].tolist(), rc["advertiser_id"].tolist()))
        # Journeys from /credits.
        cr = {k: f["credits"][k][()] for k in
              ("conversion_id", "advertiser_id", "campaign_id", "position", "value")}
        conv = {}
        for cid, adv, camp, pos, val in zip(*(cr[k].tolist() for k in
                                             ("conversion_id", "advertiser_id", "campaign_id",
                                              "position", "value"))):
            c = conv.setdefault(cid, [adv, val, []])
            c[2].append((pos, camp))
        paths = {}  # (adv, path) -> [conversions, value, nulls, chans]
        for cid in sorted(conv):
            adv, val, touches = conv[cid]
            chans = [str(camp) for _, camp in sorted(touches)]
            p = paths.setdefault((adv, " > ".join(chans)), [0, 0.0, 0, chans])
            p[0] += 1
            p[1] += val
        for (adv, path), p in paths.items():
            p[2] = (3 * p[0] + sum(path.encode())) % 5
        for camp, adv in cat:
            p = paths.setdefault((adv, str(camp)), [0, 0.0, 0, [str(camp)]])
            p[2] += 1 + camp % 5
        if a.empty:
            paths = {}
        keys = sorted(paths, key=lambda k: (k[0], k[1].encode()))
        write_table(f, "report/paths", [
            ("advertiser_id", np.array([k[0] for k in keys], dtype="<u4")),
            ("path", [k[1] for k in keys]),
            ("conversions", np.array([paths[k][0] for k in keys], dtype="<u8")),
            ("value", np.array([paths[k][1] for k in keys], dtype="<f8")),
            ("nulls", np.array([paths[k][2] for k in keys], dtype="<u8"))])
        # Markov and Shapley per advertiser.
        mk, sh = [], []
        per_model = {m: {} for m in MODELS}
        for adv in sorted({k[0] for k in keys}):
            rows = [(paths[k][3], paths[k][0], paths[k][2], Fraction(paths[k][1]))
                    for k in keys if k[0] == adv]
            chans, res = markov_ref.fit(rows, 1, 0, False)
            sv = {}
            for chs, cv, _, v in rows:
                if cv == 0:
                    continue
                s = set(chs)
                for c in s:
                    sv[c] = sv.get(c, Fraction(0)) + v / len(s)
            for c in sorted(chans, key=int):
                r = res[c]
                mk.append((adv, int(c), r["re"], r["conv"], r["value"]))
                sh.append((adv, int(c), float(r["shapley"]), float(sv.get(c, 0))))
            for chs, cv, _, v in rows:
                if cv == 0:
                    continue
                n = len(chs)
                for m, share in (("last_touch", {chs[-1]: 1}), ("first_touch", {chs[0]: 1}),
                                 ("linear", {c: Fraction(chs.count(c), n) for c in chs}),
                                 ("shapley", {c: Fraction(1, len(set(chs))) for c in chs})):
                    for c, w in share.items():
                        d = per_model[m].setdefault(int(c), [Fraction(0), Fraction(0), 0])
                        d[0] += cv * w
                        d[1] += v * w
                        d[2] += cv * (1 if m in ("last_touch", "first_touch") else chs.count(c))
        for name, rows, cols in (
                ("report/markov", mk, ["removal_effect", "conversions", "value"]),
                ("report/shapley", sh, ["conversions", "value"])):
            write_table(f, name, [
                ("advertiser_id", np.array([r[0] for r in rows], dtype="<u4")),
                ("campaign_id", np.array([r[1] for r in rows], dtype="<u4"))] +
                [(c, np.array([r[2 + i] for r in rows], dtype="<f8")) for i, c in enumerate(cols)])
        if a.no_models:
            return
        own = {int(c): (float(cv), float(v), int(t)) for c, cv, v, t in
               zip(rc["campaign_id"], rc["conversions"], rc["value"], rc["credited_touches"])}
        mo = []
        if not a.empty:
            for m in MODELS:
                for camp, adv in cat:
                    if m == "own":
                        cv, v, t = own.get(camp, (0.0, 0.0, 0))
                    else:
                        d = per_model[m].get(camp, [0, 0, 0])
                        cv, v, t = float(d[0]), float(d[1]), d[2]
                    mo.append((adv, camp, m, cv, v, t))
        write_table(f, "report/models", [
            ("advertiser_id", np.array([r[0] for r in mo], dtype="<u4")),
            ("campaign_id", np.array([r[1] for r in mo], dtype="<u4")),
            ("model", [r[2] for r in mo]),
            ("conversions", np.array([r[3] for r in mo], dtype="<f8")),
            ("value", np.array([r[4] for r in mo], dtype="<f8")),
            ("credited_touches", np.array([r[5] for r in mo], dtype="<u8"))])


if __name__ == "__main__":
    main()

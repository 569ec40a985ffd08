#!/usr/bin/python3
"""Monte Carlo estimate of the Markov removal effects, in the manner documented for
ChannelAttribution's markov_model (walks from start on the estimated transition matrix),
written from its documentation only (bench/fit/README.md says what is documented and what
is guessed here). It shares no code with attrib (src/model) nor with ChannelAttribution.

The chain is the one attrib fits (docs/datadriven.md): states start, one per K-gram of
the paths (order 1: consecutive repeats collapsed), conv and null; maximum-likelihood
transition probabilities. A simulated walk starts at start and moves until it is absorbed
in conv or null, or until it has visited MAX_STEP channel states (it is then cut and
counts as not converting). From N walks:

  P        = walks absorbed in conv / N
  P_-k     = the same on the chain with channel k removed (every transition into a state
             containing k goes to null); --removal resimulate (default) draws N fresh
             walks for each channel, --removal reuse counts the converting walks of the
             base simulation that never entered a state containing k (the same event)
  RE_k     = max(0, 1 - P_-k / P)
  V, V_-k  = the mean conversion value per walk (a converting walk whose last channel
             state is l draws its value from the conversions that ended at l, each row's
             value / conversions weighted by its conversions; --value mean uses their mean)
  VRE_k    = max(0, V - V_-k)
  conversions_k = TC * RE_k / sum RE,   value_k = TV * VRE_k / sum VRE

--converge adds markov_model's documented iteration: nfold repetitions of nsim walks
each; stop when every channel's conversions vary by less than conv_par (relative, the
largest deviation of a repetition from their mean) over the repetitions, else nsim *=
rate_step_sim. The result is the mean of the last iteration's repetitions.

usage: simulate.py PATHS.csv [--order K] [--walks N] [--seeds S[,S...]] [--max-step M]
                   [--removal resimulate|reuse] [--value draw|mean] [--no-nulls]
                   [--converge [--nfold F] [--conv-par C] [--rate-step-sim R]]
                   [--compare EXACT.json [--threshold X]]

Prints JSON: {"order", "walks", "max_step", "runs": [{"seed", "walks",
"conversion_probability", "cut", "channels": {name: {"removal_effect",
"conversions", "value_removal_effect", "value"}}}]}. With --compare EXACT.json (the
output of `attrib fit --json` on the same table) prints instead a table per channel:
the exact removal effect and conversions, the simulated conversions' mean, min and max
over the seeds and the mean and largest relative error, then a summary line.
Exit codes: 0 success, 2 usage error or bad input.
"""
import argparse
import csv
import json
import math
import sys

import numpy as np

COLS = {
    "path": ("path",),
    "conv": ("total_conversions", "conversions"),
    "null": ("total_null", "nulls"),
    "value": ("total_conversion_value", "value"),
}


def die(msg):
    print(f"simulate.py: {msg}", file=sys.stderr)
    sys.exit(2)


def read_table(path, no_nulls):
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as e:
        die(f"{path}: {e.strerror}")
    first = text.split("\n", 1)[0]
    seps = [c for c in first if c in ",;\t|"]
    if not seps:
        die(f"{path}: no column separator in the header")
    rows = [r for r in csv.reader(text.splitlines(), delimiter=seps[0]) if r]
    head = [h.strip(" \t") for h in rows[0]]
    if "advertiser_id" in head:
        die(f"{path}: advertiser_id: one advertiser per table here")
    col = {}
    for key, names in COLS.items():
        for n in names:
            if n in head:
                col[key] = head.index(n)
    for key in ("path", "conv") + (() if no_nulls else ("null",)):
        if key not in col:
            die(f"{path}: missing column {COLS[key][0]}")
    out = []
    for i, r in enumerate(rows[1:], start=2):
        try:
            chans = [c.strip(" \t") for c in r[col["path"]].split(">")]
            conv = int(float(r[col["conv"]]))
            null = 0 if no_nulls else int(float(r[col["null"]]))
            v = r[col["value"]].strip(" \t") if "value" in col else ""
            value = float(v) if v else 0.0
        except (ValueError, IndexError):
            die(f"{path}:{i}: bad row")
        if any(c == "" for c in chans) or conv < 0 or null < 0:
            die(f"{path}:{i}: bad row")
        out.append((chans, conv, null, value))
    return out


def states_of(chans, order):
    """The path's chain states: sliding K-grams, consecutive identical ones collapsed."""
    if len(chans) < order:
        grams = [tuple(chans)]
    else:
        grams = [tuple(chans[i:i + order]) for i in range(len(chans) - order + 1)]
    out = []
    for g in grams:
        if not out or out[-1] != g:
            out.append(g)
    return out


class Chain:
    """Transient states 0 (start) .. S-1, conv = S, null = S + 1; rows as CSR."""

    def __init__(self, rows, order):
        index = {(): 0}
        counts = {}
        conv_at = {}          # last state -> list of (per-conversion value, conversions)
        self.tc = 0
        self.tv = 0.0
        self.longest = 0
        seqs = []
        for chans, conv, null, value in rows:
            if conv + null == 0:
                continue
            st = states_of(chans, order)
            for g in st:
                if g not in index:
                    index[g] = len(index)
            ids = [0] + [index[g] for g in st]
            seqs.append((ids, conv, null))
            self.longest = max(self.longest, len(st))
            for a, b in zip(ids, ids[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + conv + null
            if conv:
                counts[(ids[-1], "conv")] = counts.get((ids[-1], "conv"), 0) + conv
                conv_at.setdefault(ids[-1], []).append((value / conv, conv))
            if null:
                counts[(ids[-1], "null")] = counts.get((ids[-1], "null"), 0) + null
            self.tc += conv
            self.tv += value
        S = len(index)
        self.S = S
        self.channels = sorted({c for g in index for c in g})
        cidx = {c: j for j, c in enumerate(self.channels)}
        # contains[s, j]: state s contains channel j.
        self.contains = np.zeros((S + 2, len(self.channels)), dtype=bool)
        for g, s in index.items():
            for c in g:
                self.contains[s, cidx[c]] = True
        by_row = [[] for _ in range(S)]
        for (a, b), n in counts.items():
            by_row[a].append((S if b == "conv" else S + 1 if b == "null" else b, n))
        dest, cum = [], []
        for a in range(S):
            row = sorted(by_row[a])
            tot = sum(n for _, n in row)
            acc = 0
            for b, n in row:
                acc += n
                dest.append(b)
                # Row a's cumulative probabilities are stored as a + F(b): one sorted
                # array for every row, searched with a + u.
                cum.append(a + acc / tot)
            cum[-1] = a + 1.0
        self.dest = np.array(dest, dtype=np.int64)
        self.cum = np.array(cum)
        # Conversion values by last state, the same layout.
        vdest, vcum = [], []
        self.vmean = np.zeros(S + 2)
        for a in range(S):
            lst = conv_at.get(a, [])
            tot = sum(n for _, n in lst)
            acc = 0
            for v, n in lst:
                acc += n
                vdest.append(v)
                vcum.append(a + acc / tot)
            if lst:
                vcum[-1] = a + 1.0
                self.vmean[a] = sum(v * n for v, n in lst) / tot
        self.vval = np.array(vdest)
        self.vcum = np.array(vcum)

    def walk(self, rng, n, max_step, removed=None, track=False, value="draw"):
        """n walks from start. Returns (converted bool[n], value float[n], visited
        bool[n, C] or None, cut count). A step into a state of `removed` ends in null."""
        S = self.S
        cur = np.zeros(n, dtype=np.int64)
        alive = np.arange(n)
        conv = np.zeros(n, dtype=bool)
        last = np.zeros(n, dtype=np.int64)
        visited = np.zeros((n, len(self.channels)), dtype=bool) if track else None
        steps = 0
        cut = 0
        while alive.size:
            u = rng.random(alive.size)
            pos = np.searchsorted(self.cum, cur[alive] + u, side="right")
            nxt = self.dest[pos]
            if removed is not None:
                nxt = np.where(removed[nxt], S + 1, nxt)
            done_c = nxt == S
            conv[alive[done_c]] = True
            last[alive[done_c]] = cur[alive[done_c]]
            go = nxt < S
            if steps == max_step:   # a further channel state would exceed max_step
                cut += int(go.sum())
                break
            alive = alive[go]
            cur[alive] = nxt[go]
            if track:
                visited[alive] |= self.contains[nxt[go]]
            steps += 1
        val = np.zeros(n)
        ci = np.nonzero(conv)[0]
        if ci.size:
            if value == "mean":
                val[ci] = self.vmean[last[ci]]
            else:
                u = rng.random(ci.size)
                val[ci] = self.vval[np.searchsorted(self.vcum, last[ci] + u, side="right")]
        return conv, val, visited, cut


def estimate(chain, rng, n, max_step, removal, value):
    C = len(chain.channels)
    track = removal == "reuse"
    conv, val, visited, cut = chain.walk(rng, n, max_step, track=track, value=value)
    P = conv.sum() / n
    V = val.sum() / n
    Pk = np.zeros(C)
    Vk = np.zeros(C)
    for j in range(C):
        if track:
            keep = conv & ~visited[:, j]
            Pk[j] = keep.sum() / n
            Vk[j] = val[keep].sum() / n
        else:
            ck, vk, _, ct = chain.walk(rng, n, max_step, removed=chain.contains[:, j], value=value)
            Pk[j] = ck.sum() / n
            Vk[j] = vk.sum() / n
            cut += ct
    re = np.maximum(0.0, 1.0 - Pk / P) if P > 0 else np.zeros(C)
    vre = np.maximum(0.0, V - Vk)
    conv_k = chain.tc * re / re.sum() if re.sum() > 0 else np.zeros(C)
    val_k = chain.tv * vre / vre.sum() if vre.sum() > 0 else np.zeros(C)
    return {"P": float(P), "cut": cut, "re": re, "vre": vre, "conv": conv_k, "value": val_k}


def run(chain, seed, a, max_step):
    rng = np.random.default_rng(seed)
    if not a.converge:
        e = estimate(chain, rng, a.walks, max_step, a.removal, a.value)
        e["walks"] = a.walks
        return e
    nsim = a.walks
    while True:
        reps = [estimate(chain, rng, nsim, max_step, a.removal, a.value) for _ in range(a.nfold)]
        conv = np.array([r["conv"] for r in reps])
        mean = conv.mean(axis=0)
        nz = mean > 0
        var = float(np.max(np.abs(conv[:, nz] - mean[nz]) / mean[nz])) if nz.any() else 0.0
        if var < a.conv_par or nsim * a.nfold > a.max_walks:
            out = {k: np.mean([r[k] for r in reps], axis=0) for k in ("re", "vre", "conv", "value")}
            out["P"] = float(np.mean([r["P"] for r in reps]))
            out["cut"] = int(sum(r["cut"] for r in reps))
            out["walks"] = nsim * a.nfold
            out["variation"] = var
            out["converged"] = var < a.conv_par
            return out
        nsim = int(math.ceil(nsim * a.rate_step_sim))


def compare(chain, runs, exact_path, threshold):
    with open(exact_path) as f:
        ex = json.load(f)["advertisers"][0]
    exc = {c["channel"]: c for c in ex["channels"]}
    names = chain.channels
    if sorted(exc) != names:
        die(f"{exact_path}: not the same channels as the path table")
    sim = np.array([r["conv"] for r in runs])          # seeds x channels
    exact = np.array([exc[c]["conversions"] for c in names])
    rel = np.where(exact > 0, np.abs(sim - exact) / np.where(exact > 0, exact, 1), np.nan)
    print(f"{'channel':<12} {'exact RE':>10} {'exact conv':>12} {'sim mean':>12} "
          f"{'sim min':>12} {'sim max':>12} {'mean err':>9} {'max err':>9} {'spread':>8}")
    for j, c in enumerate(names):
        e = exact[j]
        col = sim[:, j]
        if e > 0:
            errs = (f"{np.mean(rel[:, j]) * 100:>8.3f}% {np.max(rel[:, j]) * 100:>8.3f}% "
                    f"{(col.max() - col.min()) / e * 100:>7.3f}%")
        else:       # no relative error of an exact 0
            errs = f"{'-':>9} {'-':>9} {'-':>8}"
        print(f"{c:<12} {exc[c]['removal_effect']:>10.6f} {e:>12.4f} {col.mean():>12.4f} "
              f"{col.min():>12.4f} {col.max():>12.4f} {errs}")
    flat = rel[~np.isnan(rel)]
    spreads = [(sim[:, j].max() - sim[:, j].min()) / exact[j] for j in range(len(names)) if exact[j] > 0]
    zeros = int(((sim == 0) & (exact > 0)).sum())
    walks = runs[0]["walks"]
    print(f"summary: {len(names)} channels x {len(runs)} seeds, {walks} walks per run: "
          f"relative error of the simulated conversions max {flat.max() * 100:.3f}% "
          f"median {np.median(flat) * 100:.3f}%; off by more than {threshold * 100:g}%: "
          f"{(flat > threshold).mean() * 100:.1f}% of channel runs "
          f"({int((flat > threshold).sum())}/{flat.size}); seed-to-seed spread (max-min)/exact "
          f"median {np.median(spreads) * 100:.3f}% max {max(spreads) * 100:.3f}%; "
          f"channels at 0: {zeros} of {flat.size} runs; "
          f"P exact {ex['conversion_probability']:.6f} sim "
          f"{np.mean([r['P'] for r in runs]):.6f}; walks cut at max_step: "
          f"{sum(r['cut'] for r in runs)}")


def main():
    ap = argparse.ArgumentParser(
        description="Monte Carlo Markov removal effects as documented for "
        "ChannelAttribution's markov_model (see the module docstring and bench/fit/README.md).")
    ap.add_argument("paths")
    ap.add_argument("--order", type=int, default=1)
    ap.add_argument("--walks", type=int, default=100000, help="walks per simulation (nsim_start, default 1e5)")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds, one run each (default 0)")
    ap.add_argument("--max-step", type=int, default=None,
                    help="channel states a walk may visit (default: the longest path of the table; 0: no limit)")
    ap.add_argument("--removal", choices=("resimulate", "reuse"), default="resimulate")
    ap.add_argument("--value", choices=("draw", "mean"), default="draw")
    ap.add_argument("--no-nulls", action="store_true")
    ap.add_argument("--converge", action="store_true", help="markov_model's documented iteration")
    ap.add_argument("--nfold", type=int, default=10)
    ap.add_argument("--conv-par", type=float, default=0.05)
    ap.add_argument("--rate-step-sim", type=float, default=1.5)
    ap.add_argument("--max-walks", type=int, default=10**8, help="--converge stops past this many walks per run")
    ap.add_argument("--compare", metavar="EXACT.json")
    ap.add_argument("--threshold", type=float, default=0.01)
    a = ap.parse_args()
    if not 1 <= a.order <= 4:
        die("--order: 1 to 4")
    if a.walks < 1:
        die("--walks: at least 1")
    try:
        seeds = [int(s) for s in a.seeds.split(",")]
    except ValueError:
        die("--seeds: comma-separated integers")
    chain = Chain(read_table(a.paths, a.no_nulls), a.order)
    if chain.tc == 0:
        die(f"{a.paths}: no conversion")
    max_step = chain.longest if a.max_step is None else (a.max_step if a.max_step > 0 else -1)
    runs = [dict(run(chain, s, a, max_step), seed=s) for s in seeds]
    if a.compare:
        compare(chain, runs, a.compare, a.threshold)
        return
    out = {"order": a.order, "walks": a.walks, "max_step": max_step, "removal": a.removal, "runs": []}
    for r in runs:
        o = {"seed": r["seed"], "walks": r["walks"], "conversion_probability": r["P"], "cut": r["cut"],
             "channels": {c: {"removal_effect": float(r["re"][j]), "conversions": float(r["conv"][j]),
                              "value_removal_effect": float(r["vre"][j]), "value": float(r["value"][j])}
                          for j, c in enumerate(chain.channels)}}
        for k in ("variation", "converged"):
            if k in r:
                o[k] = r[k]
        out["runs"].append(o)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()

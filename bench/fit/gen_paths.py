#!/usr/bin/python3
"""A synthetic path table for `attrib fit` benchmarks: N distinct paths over C channels.

Channel popularity is Zipf-like (weight 1/rank^s), path lengths are 1 + geometric
(mean 1 + 1/p - 1), a step repeats the previous channel with probability `repeat`.
Each distinct path gets a converting count, a value and a null count. Deterministic for
a given --seed.

usage: gen_paths.py N [--channels C] [--zipf S] [--p P] [--repeat R] [--seed X] > paths.csv
"""
import argparse
import sys

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("n", type=int)
ap.add_argument("--channels", type=int, default=50)
ap.add_argument("--zipf", type=float, default=1.0)
ap.add_argument("--p", type=float, default=0.3)
ap.add_argument("--repeat", type=float, default=0.15)
ap.add_argument("--max-len", type=int, default=30)
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
rng = np.random.default_rng(a.seed)
w = 1.0 / np.arange(1, a.channels + 1) ** a.zipf
w /= w.sum()
names = [f"ch{i:03d}" for i in range(a.channels)]
seen = set()
out = sys.stdout
out.write("path,total_conversions,total_conversion_value,total_null\n")
while len(seen) < a.n:
    m = 200000
    lens = np.minimum(rng.geometric(a.p, size=m), a.max_len)
    total = int(lens.sum())
    ch = rng.choice(a.channels, size=total, p=w)
    rep = rng.random(total) < a.repeat
    pos = 0
    for L in lens:
        seg = ch[pos:pos + L]
        r = rep[pos:pos + L]
        pos += L
        for j in range(1, L):
            if r[j]:
                seg[j] = seg[j - 1]
        key = " > ".join(names[c] for c in seg)
        if key in seen:
            continue
        seen.add(key)
        if len(seen) > a.n:
            break
        conv = int(rng.poisson(0.3 * (1 + L / 4)))
        nulls = int(rng.poisson(2.0))
        if conv + nulls == 0:
            nulls = 1
        value = round(float(rng.gamma(2.0, 40.0)) * conv, 2) if conv else 0
        out.write(f"{key},{conv},{value},{nulls}\n")

#!/usr/bin/python3
"""Independent reference for `attrib fit` (docs/datadriven.md), written from the
definitions and sharing no code or formula with src/model:

  P       conversion probability from start: solve (I - Q) x = r, P = x[start]
  P_{-k}  the same on the chain where every transition into a state containing k goes
          to null (those states' columns of Q are zeroed)
  RE_k    1 - P_{-k} / P
  A_l     probability of being absorbed in conv with l the last state: the expected
          visits y = e_start (I - Q)^{-1}, A_l = y_l r_l; A_{-k,l} on the removed chain
  VRE_k   sum_l m_l (A_l - A_{-k,l}), m_l the mean value of conversions ending at l

With --exact (or automatically for chains of at most --exact-max states) every system
is solved in rational arithmetic (fractions.Fraction, Gauss-Jordan elimination);
otherwise with numpy.linalg.solve. Prints the same CSV as `attrib fit` (repr floats).

usage: markov_ref.py PATHS.csv [--sep C] [--order K] [--no-nulls] [--exact] [--exact-max N]
"""
import argparse
import csv
import sys
from fractions import Fraction

import numpy as np

NAMES = {
    "path": ("path",),
    "conv": ("total_conversions", "conversions"),
    "null": ("total_null", "nulls"),
    "value": ("total_conversion_value", "value"),
    "adv": ("advertiser_id",),
}


def read_table(path, sep, no_nulls):
    with open(path, newline="", encoding="utf-8-sig") as f:
        text = f.read()
    if sep is None:
        first = text.split("\n", 1)[0]
        sep = next(c for c in first if c in ",;\t|")
    rows = list(csv.reader(text.splitlines(), delimiter=sep))
    rows = [r for r in rows if r != []]
    head = [h.strip(" \t") for h in rows[0]]
    col = {}
    for key, alts in NAMES.items():
        for a in alts:
            if a in head:
                col[key] = head.index(a)
    out = {}
    for r in rows[1:]:
        adv = int(r[col["adv"]]) if "adv" in col else None
        chans = [c.strip(" \t") for c in r[col["path"]].split(">")]
        conv = int(float(r[col["conv"]]))
        null = 0 if no_nulls or "null" not in col else int(float(r[col["null"]]))
        v = r[col["value"]].strip(" \t") if "value" in col else ""
        value = Fraction(v) if v else Fraction(0)
        out.setdefault(adv, []).append((chans, conv, null, value))
    return out


def states_of(chans, order):
    if len(chans) < order:
        grams = [tuple(chans)]
    else:
        grams = [tuple(chans[i:i + order]) for i in range(len(chans) - order + 1)]
    seq = []
    for g in grams:
        if not seq or seq[-1] != g:
            seq.append(g)
    return seq


def solve_exact(a, b):
    """Solve a x = b (lists of Fractions) by Gauss-Jordan elimination."""
    n = len(a)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = next(r for r in range(c, n) if m[r][c] != 0)
        m[c], m[p] = m[p], m[c]
        inv = 1 / m[c][c]
        m[c] = [x * inv for x in m[c]]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] for i in range(n)]


def fit(rows, order, exact_max, force_exact):
    chans = sorted({c for p, _, _, _ in rows for c in p}, key=lambda s: s.encode())
    res = {c: dict(re=0.0, conv=0.0, value=0.0, shapley=Fraction(0), first=Fraction(0),
                   last=Fraction(0), linear=Fraction(0)) for c in chans}
    tc = sum(cv for _, cv, _, _ in rows)
    tv = sum((v for _, _, _, v in rows), Fraction(0))
    for p, cv, _, _ in rows:
        if cv == 0:
            continue
        s = set(p)
        for c in s:
            res[c]["shapley"] += Fraction(cv, len(s))
            res[c]["linear"] += Fraction(cv * p.count(c), len(p))
        res[p[0]]["first"] += cv
        res[p[-1]]["last"] += cv
    if tc == 0:
        return chans, res
    # The chain: state 0 start, then the distinct states; counts of transitions.
    index = {"start": 0}
    trans = {}
    end_conv, end_null, end_value = {}, {}, {}
    for p, cv, nl, v in rows:
        w = cv + nl
        if w == 0:
            continue
        prev = 0
        for s in states_of(p, order):
            j = index.setdefault(s, len(index))
            trans[(prev, j)] = trans.get((prev, j), 0) + w
            prev = j
        end_conv[prev] = end_conv.get(prev, 0) + cv
        end_null[prev] = end_null.get(prev, 0) + nl
        end_value[prev] = end_value.get(prev, Fraction(0)) + v
    n = len(index)
    total = [0] * n
    for (i, _), w in trans.items():
        total[i] += w
    for i in range(n):
        total[i] += end_conv.get(i, 0) + end_null.get(i, 0)
    q = [[Fraction(0)] * n for _ in range(n)]
    for (i, j), w in trans.items():
        q[i][j] = Fraction(w, total[i])
    r = [Fraction(end_conv.get(i, 0), total[i]) for i in range(n)]
    m = [end_value[i] / end_conv[i] if end_conv.get(i, 0) else Fraction(0) for i in range(n)]
    exact = force_exact or n <= exact_max
    members = {s: set(s) for s in index if s != "start"}

    def probs(removed):
        """(P, [A_l]) on the chain with the states in `removed` sent to null."""
        keep = [i for i in range(n) if i not in removed]
        a = [[(1 if i == j else 0) - q[i][j] for j in keep] for i in keep]
        rhs = [r[i] for i in keep]
        at = [list(col) for col in zip(*a)]
        e = [1 if i == 0 else 0 for i in keep]
        if exact:
            x = solve_exact(a, rhs)
            y = solve_exact(at, [Fraction(v) for v in e])
        else:
            fa = np.array([[float(v) for v in row] for row in a])
            x = np.linalg.solve(fa, np.array([float(v) for v in rhs]))
            y = np.linalg.solve(fa.T, np.array(e, dtype=float))
        big_a = [0] * n
        for pos, i in enumerate(keep):
            big_a[i] = y[pos] * (r[i] if exact else float(r[i]))
        return x[0], big_a

    p0, a0 = probs(set())
    re, vre = {}, {}
    for c in chans:
        removed = {index[s] for s, mem in members.items() if c in mem}
        pk, ak = probs(removed)
        re[c] = 1 - pk / p0 if p0 != 0 else 0
        vre[c] = sum((m[l] if exact else float(m[l])) * (a0[l] - ak[l]) for l in range(n))
    sre, svre = sum(re.values()), sum(vre.values())
    for c in chans:
        res[c]["re"] = float(re[c])
        res[c]["conv"] = float(tc * re[c] / sre) if sre else 0.0
        res[c]["value"] = float(tv * vre[c] / svre) if svre else 0.0
    return chans, res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("paths")
    ap.add_argument("--sep")
    ap.add_argument("--order", type=int, default=1)
    ap.add_argument("--no-nulls", action="store_true")
    ap.add_argument("--exact", action="store_true")
    ap.add_argument("--exact-max", type=int, default=0)
    a = ap.parse_args()
    sep = "\t" if a.sep == "tab" else a.sep
    table = read_table(a.paths, sep, a.no_nulls)
    has_adv = None not in table
    w = sys.stdout.write
    w(("advertiser_id," if has_adv else "") + "channel,removal_effect,conversions,value,shapley,first,last,linear\n")
    for adv in sorted(table, key=lambda x: -1 if x is None else x):
        chans, res = fit(table[adv], a.order, a.exact_max, a.exact)
        for c in chans:
            v = res[c]
            cells = [v["re"], v["conv"], v["value"], float(v["shapley"]), float(v["first"]),
                     float(v["last"]), float(v["linear"])]
            w((f"{adv}," if has_adv else "") + c + "," + ",".join(repr(float(x)) for x in cells) + "\n")


if __name__ == "__main__":
    main()

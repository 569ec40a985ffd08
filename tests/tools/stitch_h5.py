#!/usr/bin/python3
"""Independent model of attrib's identity stitching (docs/identity.md), for the tests.

  stitch_h5.py addlinks IN.h5 OUT.h5 SEED
      copy IN.h5 (an attrib input without /links) to OUT.h5 with a /links table built
      from its identities: persons of 2-5 identities linked as chains, some closed into
      cycles, some as stars; a hub linked to many identities (over a small cap); links
      to identities that have no rows; a few repeats (either direction) and self links
      (a store of attrib import has neither; the run must not care).
  stitch_h5.py shufflelinks IN.h5 OUT.h5 SEED
      copy with /links in another order and each link's direction flipped at random.
  stitch_h5.py rewrite IN.h5 OUT.h5 CAP FIGURES.csv
      copy IN.h5 with every identity of /events and /conversions replaced by its
      person's (union-find over /links; a component of at most CAP identities becomes
      its smallest hash, larger ones stay), /links dropped; write the expected
      /report/identity row to FIGURES.csv.
  stitch_h5.py members IN.h5 CAP IDENTITY
      print the sorted identities of IDENTITY's person (one per line).

Needs h5py and HDF5_PLUGIN_PATH for the zstd filter.
"""
import sys

import h5py
import numpy as np


def copy_without(fi, fo, skip):
    for k, v in fi.attrs.items():
        fo.attrs[k] = v
    for name in fi:
        if name not in skip:
            fi.copy(name, fo)


def identities(f):
    return np.unique(np.concatenate([f["events/identity"][:], f["conversions/identity"][:]]))


def addlinks(src, dst, seed):
    rng = np.random.default_rng(seed)
    with h5py.File(src, "r") as fi, h5py.File(dst, "w") as fo:
        copy_without(fi, fo, {"links"})
        ids = identities(fi)
        rng.shuffle(ids)
        a, b = [], []
        i, n = 0, len(ids)
        hub_n = min(80, n // 10)
        hub, spokes = ids[0], ids[1:1 + hub_n]
        for s in spokes:  # a hub: over a cap of 50 (the test's --max-component)
            a.append(hub), b.append(s)
        i = 1 + hub_n
        while i + 5 < n * 3 // 4:
            k = int(rng.integers(2, 6))
            p = ids[i:i + k]
            shape = rng.integers(0, 3)
            if shape == 0 or k == 2:  # chain
                for j in range(k - 1):
                    a.append(p[j]), b.append(p[j + 1])
            elif shape == 1:  # cycle
                for j in range(k):
                    a.append(p[j]), b.append(p[(j + 1) % k])
            else:  # star
                for j in range(1, k):
                    a.append(p[0]), b.append(p[j])
            if rng.random() < 0.2:  # an identity with no rows in the person
                a.append(p[0]), b.append(np.uint64(rng.integers(1, 2**63)))
            i += k
        m = len(a)
        for j in rng.integers(0, m, size=max(1, m // 50)):  # repeats, either direction
            if rng.random() < 0.5:
                a.append(a[j]), b.append(b[j])
            else:
                a.append(b[j]), b.append(a[j])
        for j in rng.integers(0, n, size=3):  # self links
            a.append(ids[j]), b.append(ids[j])
        g = fo.create_group("links")
        g.create_dataset("a", data=np.array(a, dtype=np.uint64), chunks=True)
        g.create_dataset("b", data=np.array(b, dtype=np.uint64), chunks=True)


def shufflelinks(src, dst, seed):
    rng = np.random.default_rng(seed)
    with h5py.File(src, "r") as fi, h5py.File(dst, "w") as fo:
        copy_without(fi, fo, {"links"})
        a, b = fi["links/a"][:], fi["links/b"][:]
        perm = rng.permutation(len(a))
        a, b = a[perm], b[perm]
        flip = rng.random(len(a)) < 0.5
        a2, b2 = np.where(flip, b, a), np.where(flip, a, b)
        g = fo.create_group("links")
        g.create_dataset("a", data=a2.astype(np.uint64), chunks=True)
        g.create_dataset("b", data=b2.astype(np.uint64), chunks=True)


def components(f):
    """vertex -> root (smallest hash of its component), and sizes by root."""
    a = [int(x) for x in f["links/a"][:]]
    b = [int(x) for x in f["links/b"][:]]
    parent = {}

    def find(x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    edges = set()
    for x, y in zip(a, b):
        parent.setdefault(x, x)
        parent.setdefault(y, y)
        if x != y:
            edges.add((min(x, y), max(x, y)))
    for x, y in edges:
        rx, ry = find(x), find(y)
        if rx != ry:  # the smaller hash is the root
            parent[max(rx, ry)] = min(rx, ry)
    root = {v: find(v) for v in parent}
    size = {}
    for r in root.values():
        size[r] = size.get(r, 0) + 1
    return root, size, len(edges)


def person_map(root, size, cap):
    return {v: (r if size[r] <= cap else v) for v, r in root.items()}


def rewrite(src, dst, cap, figures):
    with h5py.File(src, "r") as fi, h5py.File(dst, "w") as fo:
        root, size, nlinks = components(fi)
        pm = person_map(root, size, cap)
        copy_without(fi, fo, {"links", "events", "conversions"})
        for t in ("events", "conversions"):
            gi = fi[t]
            go = fo.create_group(t)
            for c in gi:
                data = gi[c][:]
                if c == "identity":
                    data = np.array([pm.get(int(x), int(x)) for x in data], dtype=np.uint64)
                if isinstance(gi[c], h5py.Dataset) and c != "type_names":
                    go.create_dataset(c, data=data, dtype=gi[c].dtype, chunks=True)
                else:
                    gi.copy(c, go)
            for k, v in gi.attrs.items():
                go.attrs[k] = v
        merged = [r for r in size if size[r] <= cap]
        over = [r for r in size if size[r] > cap]
        row = [nlinks, len(root), len(size), len(merged), sum(size[r] for r in merged),
               len(over), sum(size[r] for r in over), max(size.values(), default=0)]
        with open(figures, "w") as out:
            out.write("links,vertices,components,merged_components,identities_merged,"
                      "oversize_components,oversize_identities,largest_component\n")
            out.write(",".join(str(x) for x in row) + "\n")


def members(src, cap, identity):
    with h5py.File(src, "r") as f:
        root, size, _ = components(f)
    pm = person_map(root, size, cap)
    ms = sorted(v for v, p in pm.items() if p == identity) or [identity]
    print("\n".join(str(x) for x in ms))


def main():
    cmd = sys.argv[1]
    if cmd == "addlinks":
        addlinks(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "shufflelinks":
        shufflelinks(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "rewrite":
        rewrite(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif cmd == "members":
        members(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit("usage: stitch_h5.py addlinks|shufflelinks|rewrite|members ...")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Write a copy of an attrib input file with the rows of /events and /conversions in a
random order (seeded). Everything else is copied as is. Used to check that attrib's
results do not depend on input row order. Needs HDF5_PLUGIN_PATH for the zstd filter."""
import sys

import h5py
import numpy as np


def main():
    src, dst, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = np.random.default_rng(seed)
    with h5py.File(src, "r") as fi, h5py.File(dst, "w") as fo:
        for k, v in fi.attrs.items():
            fo.attrs[k] = v
        for name in fi:
            if name not in ("events", "conversions"):
                fi.copy(name, fo)
                continue
            g = fi[name]
            cols = [c for c in g if isinstance(g[c], h5py.Dataset) and c != "type_names"]
            n = len(g[cols[0]])
            perm = rng.permutation(n)
            go = fo.create_group(name)
            for c in g:
                ds = g[c]
                if c in cols:
                    data = ds[:][perm]
                    go.create_dataset(c, data=data, dtype=ds.dtype, chunks=True)
                else:
                    g.copy(c, go)


if __name__ == "__main__":
    main()

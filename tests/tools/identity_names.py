#!/usr/bin/python3
"""Identifier names and their identity hashes, for tests of the identity graph
(tests/e2e/fixtures_identity.sh, tests/e2e/peer_duckdb.sh).

usage:
  identity_names.py hash ATTRIB MAP.csv FILE.csv [FILE.csv ...]
      Every identifier named in the files' identity, identity_a or identity_b columns
      (plain or .gz CSV) is hashed by the engine itself: one events row per name is
      imported with `ATTRIB import` (same environment, so the same hash key as the
      imports of the test) and exported. Writes MAP.csv: name,hash.
  identity_names.py links MAP.csv OUT.csv LINKS.csv [LINKS.csv ...]
      The links files with their names replaced by hashes, as `attrib export in.h5
      links` prints them (header a,b), self links and repeats (either direction) kept:
      the DuckDB peer drops them itself. For running the peer without `import --links`.
  identity_names.py expected MAP.csv TABLE IN.csv OUT.csv
      A hand-written expected table (tests/fixtures/identity/) with its identity
      column resolved: `*` stays (matches anything), `name` becomes the hash of name,
      `min:a|b|c` the smallest (as u64) of the hashes of a, b and c (the identity of a
      merged component: the component's smallest identity hash); a part holding `*` is
      a pattern (fnmatch) over every name in MAP.csv, e.g. `min:hub|leaf*`. The rows are then
      sorted as attrib sorts the table (credits: conversion_id, advertiser_id,
      event_id, identity; unattributed and labels likewise, numerically), since the
      order of rows that differ only by identity depends on the hashes.
"""
import csv
import fnmatch
import gzip
import io
import os
import subprocess
import sys
import tempfile

SORT_KEYS = {
    "credits": ("conversion_id", "advertiser_id", "event_id", "identity"),
    "unattributed": ("conversion_id", "advertiser_id", "identity"),
    "labels": ("event_id", "identity"),
}


def open_text(path):
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, newline="", encoding="utf-8")


def rows(path):
    with open_text(path) as f:
        return list(csv.DictReader(f))


def load_map(path):
    return {r["name"]: int(r["hash"]) for r in rows(path)}


def cmd_hash(attrib, out, files):
    names = set()
    for p in files:
        for r in rows(p):
            for c in ("identity", "identity_a", "identity_b"):
                if r.get(c):
                    names.add(r[c])
    names = sorted(names)
    with tempfile.TemporaryDirectory() as d:
        ev, cv, k, h5 = (os.path.join(d, x) for x in ("e.csv", "c.csv", "k.csv", "in.h5"))
        with open(ev, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["event_id", "identity", "timestamp", "campaign_id", "kind"])
            for i, n in enumerate(names, 1):
                w.writerow([i, n, "2026-10-01T00:00:00Z", 1, "impression"])
        with open(cv, "w") as f:
            f.write("conversion_id,identity,timestamp,advertiser_id,type\n")
        with open(k, "w") as f:
            f.write("campaign_id,advertiser_id,name\n1,1,names\n")
        subprocess.run([attrib, "import", "-q", "--events", ev, "--conversions", cv,
                        "--campaigns", k, "-o", h5], check=True, stderr=subprocess.DEVNULL)
        exp = subprocess.run([attrib, "export", h5, "events"], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
    by_id = {int(r["event_id"]): r["identity"] for r in csv.DictReader(io.StringIO(exp))}
    if len(by_id) != len(names):
        sys.exit("identity_names: %d names, %d rows exported" % (len(names), len(by_id)))
    hashes = {by_id[i] for i in by_id}
    if len(hashes) != len(names):
        sys.exit("identity_names: two names have the same hash")
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "hash"])
        for i, n in enumerate(names, 1):
            w.writerow([n, by_id[i]])
    return 0


def cmd_links(mp, out, files):
    m = load_map(mp)
    with open(out, "w") as f:
        f.write("a,b\n")
        for p in files:
            for r in rows(p):
                f.write("%d,%d\n" % (m[r["identity_a"]], m[r["identity_b"]]))
    return 0


def resolve(m, cell):
    if cell == "*":
        return cell
    if cell.startswith("min:"):
        hs = []
        for part in cell[4:].split("|"):
            if "*" in part:  # a pattern over the known names
                got = [m[n] for n in m if fnmatch.fnmatchcase(n, part)]
                if not got:
                    sys.exit("identity_names: pattern %r matches no name" % part)
                hs += got
            else:
                hs.append(m[part])
        return str(min(hs))
    return str(m[cell])


def cmd_expected(mp, table, inp, out):
    m = load_map(mp)
    with open(inp, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        body = list(r)
    if "identity" in header:
        j = header.index("identity")
        for row in body:
            row[j] = resolve(m, row[j])
        key = SORT_KEYS.get(table)
        if key:
            ix = [header.index(c) for c in key]
            if any(row[j] == "*" for row in body):
                sys.exit("identity_names: %s: cannot sort rows whose identity is '*'" % inp)
            body.sort(key=lambda row: [int(row[i]) for i in ix])
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(body)
    return 0


def main(argv):
    if len(argv) >= 4 and argv[0] == "hash":
        return cmd_hash(argv[1], argv[2], argv[3:])
    if len(argv) >= 4 and argv[0] == "links":
        return cmd_links(argv[1], argv[2], argv[3:])
    if len(argv) == 5 and argv[0] == "expected":
        return cmd_expected(*argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/python3
"""Spread the people of exported events/conversions over several devices, and say
which devices belong together: input for `attrib import --links` (tests/e2e/peer_duckdb.sh).

usage: split_devices.py --events E.csv --conversions C.csv -o DIR [--seed N]
                        [--shuffle N] [--caps 1000,8] [--big-hub 1100]

E.csv and C.csv are what `attrib export` writes (identity = a u64 hash, ts in ms). Each
distinct identity is taken as one person, identified by the decimal string of its hash,
and given one or more devices (identifier strings "<hash>", "<hash>~1", ...). Every row
of the person goes to one of its devices at random; some events and conversions are
also redelivered on a second device of the same person (an exact copy, or one with
another ts, cost or value), which only stitching (before dedup) makes one touch or one
conversion. The links say which devices are one person: stars, chains, cycles, a long
chain (diameter 40), devices with no rows at all ("ghosts"), a few people linked to each
other, small hubs (a shared device linked to 15 people) and one big hub linked to
--big-hub ghosts (a component over the default cap of 1000).

Writes to DIR:
  events.csv, conversions.csv   the rows under their device strings (import columns)
  links1.csv                    identity_a,identity_b (the graph's edges, each once)
  links2.csv.gz                 identity_b,identity_a,source: repeats of some edges (same
                                and reversed direction) and self links, which import
                                drops; gzip-compressed
  identity_cap<N>.csv           for each N of --caps, the report/identity row that
                                `attrib run --max-component N` must give, from this
                                script's own union-find over the device strings
With --shuffle N the rows of every file (not the header) are permuted by seed N: the
same content in another order. Deterministic for a given --seed.
"""
import argparse
import csv
import gzip
import os
import random
import sys


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", required=True)
    ap.add_argument("--conversions", required=True)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shuffle", type=int, default=None)
    ap.add_argument("--caps", default="1000")
    ap.add_argument("--big-hub", type=int, default=1100)
    o = ap.parse_args(argv)
    rng = random.Random(o.seed)
    ev = read(o.events)
    cv = read(o.conversions)
    persons = sorted({r["identity"] for r in ev} | {r["identity"] for r in cv}, key=int)
    if len(persons) < 60:
        sys.exit("split_devices: need at least 60 identities, got %d" % len(persons))

    devices = {}  # person -> devices that hold rows
    edges = []    # (a, b) device strings, each undirected edge once
    ghosts = 0

    def ghost(p):
        nonlocal ghosts
        ghosts += 1
        return "%s~g%d" % (p, ghosts)

    for n, p in enumerate(persons):
        r = rng.random()
        if n == 0:  # a long chain: diameter 40
            ds = [p] + ["%s~%d" % (p, i) for i in range(1, 41)]
            edges += list(zip(ds, ds[1:]))
        elif r < 0.35:
            ds = [p]
        elif r < 0.65:  # a star around the first device
            ds = [p] + ["%s~%d" % (p, i) for i in range(1, rng.randint(2, 4))]
            edges += [(ds[0], d) for d in ds[1:]]
        elif r < 0.80:  # a chain
            ds = [p] + ["%s~%d" % (p, i) for i in range(1, rng.randint(3, 8))]
            rng.shuffle(ds)
            edges += list(zip(ds, ds[1:]))
        elif r < 0.88:  # a cycle
            ds = [p] + ["%s~%d" % (p, i) for i in range(1, rng.randint(3, 6))]
            edges += list(zip(ds, ds[1:])) + [(ds[-1], ds[0])]
        else:  # one device with rows, one without
            ds = [p]
            edges.append((ghost(p), p) if rng.random() < 0.5 else (p, ghost(p)))
        devices[p] = ds

    multi = [p for p in persons if len(devices[p]) > 1]
    # people linked to each other (a household, a shared login): components of a few people
    for _ in range(max(3, len(persons) // 30)):
        a, b = rng.sample(persons, 2)
        edges.append((rng.choice(devices[a]), rng.choice(devices[b])))
    # small hubs: a shared device linked to 15 people's devices
    hubs = []
    for h in range(3):
        hub = "hub-small-%d" % h
        hubs.append(hub)
        for p in rng.sample(persons, 15):
            edges.append((hub, rng.choice(devices[p])))
    # the big hub: a call-centre number, linked to many identifiers (ghosts) and 10 people
    big = "hub-big"
    hubs.append(big)
    for i in range(o.big_hub):
        edges.append((big, "hub-big~g%d" % i))
    for p in rng.sample(persons, 10):
        edges.append((rng.choice(devices[p]), big))

    # the same undirected edge twice would be a repeat in links1: keep the first
    seen = set()
    uniq = []
    for a, b in edges:
        k = (a, b) if a < b else (b, a)
        if a != b and k not in seen:
            seen.add(k)
            uniq.append((a, b))
    edges = uniq

    # rows onto devices; redeliveries on another device of the same person
    out_ev = []
    for r in ev:
        p = r["identity"]
        d = rng.choice(devices[p])
        row = [r["event_id"], d, r["ts"], r["campaign_id"], r["kind"], r["cost"]]
        if rng.random() < 0.01:  # a touch on a shared device
            row[1] = rng.choice(hubs)
        out_ev.append(row)
        if len(devices[p]) > 1 and rng.random() < 0.06:
            d2 = rng.choice([x for x in devices[p] if x != d])
            dup = list(row)
            dup[1] = d2
            x = rng.random()
            if x < 0.25:
                dup[2] = str(int(dup[2]) + 1000)
            elif x < 0.4:
                dup[2] = str(int(dup[2]) - 1000)
            elif x < 0.55:
                dup[5] = repr(float(dup[5]) + 0.5)
            out_ev.append(dup)
    out_cv = []
    for r in cv:
        p = r["identity"]
        d = rng.choice(devices[p])
        row = [r["conversion_id"], d, r["ts"], r["advertiser_id"], r["type"], r["value"]]
        out_cv.append(row)
        if len(devices[p]) > 1 and rng.random() < 0.1:
            d2 = rng.choice([x for x in devices[p] if x != d])
            dup = list(row)
            dup[1] = d2
            x = rng.random()
            if x < 0.3:
                dup[2] = str(int(dup[2]) + 3600 * 1000)
            elif x < 0.45:
                dup[2] = str(int(dup[2]) - 60 * 1000)
            elif x < 0.6:
                dup[5] = repr(float(dup[5]) + 1.0)
            out_cv.append(dup)

    # links2: repeats (either direction) and self links, all dropped by import
    noise = []
    for a, b in rng.sample(edges, min(len(edges), 200)):
        noise.append((a, b) if rng.random() < 0.5 else (b, a))
    for p in rng.sample(multi, min(len(multi), 50)):
        noise.append((p, p))

    if o.shuffle is not None:
        srng = random.Random(o.shuffle)
        for lst in (out_ev, out_cv, edges, noise):
            srng.shuffle(lst)

    os.makedirs(o.out, exist_ok=True)

    def write(name, header, rows, opener=open):
        with opener(os.path.join(o.out, name), "wt", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    write("events.csv", ["event_id", "identity", "timestamp", "campaign_id", "kind", "cost"], out_ev)
    write("conversions.csv", ["conversion_id", "identity", "timestamp", "advertiser_id", "type", "value"], out_cv)
    write("links1.csv", ["identity_a", "identity_b"], edges)
    write("links2.csv.gz", ["identity_b", "identity_a", "source"], [(b, a, "crm") for a, b in noise],
          opener=lambda p, m, newline: gzip.open(p, m, newline=newline))

    # expected report/identity: union-find over the device strings
    parent = {}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for a, b in edges:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    sizes = {}
    for v in parent:
        r = find(v)
        sizes[r] = sizes.get(r, 0) + 1
    for cap in (int(c) for c in o.caps.split(",")):
        small = [s for s in sizes.values() if s <= cap]
        large = [s for s in sizes.values() if s > cap]
        write("identity_cap%d.csv" % cap,
              ["links", "vertices", "components", "merged_components", "identities_merged",
               "oversize_components", "oversize_identities", "largest_component"],
              [[len(edges), len(parent), len(sizes), len(small), sum(small), len(large),
                sum(large), max(sizes.values())]])
    print("split_devices: %d persons, %d multi-device, %d events -> %d rows, %d conversions -> %d rows, "
          "%d links (+%d dropped by import), %d components, largest %d" % (
              len(persons), len(multi), len(ev), len(out_ev), len(cv), len(out_cv), len(edges),
              len(noise), len(sizes), max(sizes.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

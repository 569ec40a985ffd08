#!/usr/bin/python3
"""Compare attrib's exported tables with the DuckDB peer's (tests/e2e/peer_duckdb.sh).

usage: compare.py [--rtol 1e-9] [--tables T,T,...] ATTRIB_DIR PEER_DIR

Each directory holds CSV files named after the table with '/' as '_' (credits.csv,
report_campaign.csv, ...). A table is compared when the peer wrote it. Rows are matched
by the table's key; integer and string columns must be equal, float columns equal within
rtol relative (absolute 1e-300 near 0), NaN = NaN. credits: row count, then every row.
Prints every mismatch (up to 20 per table) and exits 1 if there is any.
"""
import csv
import math
import os
import sys

KEYS = {
    'report_campaign': ['campaign_id'],
    'credits': ['conversion_id', 'advertiser_id', 'identity', 'event_id'],
    'unattributed': ['conversion_id', 'advertiser_id', 'identity'],
    'report_daily': ['campaign_id', 'day'],
    'report_daily_touch': ['campaign_id', 'day'],
    'report_advertiser': ['advertiser_id'],
    'labels': ['event_id', 'identity'],
    'report_identity': [],  # one row
}
FLOATS = {'cost', 'conversions', 'value', 'mean_time_to_convert_s', 'roas', 'credit', 'credited_value'}


def load(path):
    with open(path, newline='') as f:
        r = csv.reader(f)
        header = next(r)
        return header, [row for row in r]


def fparse(s):
    if s == 'NaN':
        return math.nan
    if s in ('inf', '-inf'):
        return float(s)
    return float(s)


def main(argv):
    rtol = 1e-9
    only = None
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == '--rtol':
            rtol = float(argv[i + 1]); i += 2
        elif argv[i] == '--tables':
            only = argv[i + 1].replace('/', '_').split(','); i += 2
        else:
            args.append(argv[i]); i += 1
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    adir, pdir = args
    bad = 0
    compared = 0
    for table, key in KEYS.items():
        if only is not None and table not in only:
            continue
        pp = os.path.join(pdir, table + '.csv')
        ap = os.path.join(adir, table + '.csv')
        if not os.path.exists(pp):
            continue
        if not os.path.exists(ap):
            print(f'{table}: attrib export missing ({ap})')
            bad += 1
            continue
        ah, arows = load(ap)
        ph, prows = load(pp)
        compared += 1
        if ah != ph:
            print(f'{table}: header differs:\n  attrib {ah}\n  peer   {ph}')
            bad += 1
            continue
        if len(arows) != len(prows):
            print(f'{table}: row count attrib {len(arows)} peer {len(prows)}')
            bad += 1
        ki = [ah.index(k) for k in key]
        amap = {tuple(r[j] for j in ki): r for r in arows}
        pmap = {tuple(r[j] for j in ki): r for r in prows}
        if len(amap) != len(arows) or len(pmap) != len(prows):
            print(f'{table}: duplicate keys (attrib {len(arows) - len(amap)}, peer {len(prows) - len(pmap)})')
            bad += 1
        shown = 0
        tbad = 0
        for k in sorted(set(amap) | set(pmap), key=lambda t: [int(x) if x.isdigit() else x for x in t]):
            a, p = amap.get(k), pmap.get(k)
            if a is None or p is None:
                tbad += 1
                if shown < 20:
                    print(f'{table} {dict(zip(key, k))}: only in {"peer" if a is None else "attrib"}: {p or a}')
                    shown += 1
                continue
            diffs = []
            for c, name in enumerate(ah):
                if name in FLOATS:
                    x, y = fparse(a[c]), fparse(p[c])
                    if math.isnan(x) and math.isnan(y):
                        continue
                    if math.isnan(x) or math.isnan(y) or (x != y and abs(x - y) > rtol * max(abs(x), abs(y)) + 1e-300):
                        diffs.append(f'{name} attrib {a[c]} peer {p[c]}')
                elif a[c] != p[c]:
                    diffs.append(f'{name} attrib {a[c]} peer {p[c]}')
            if diffs:
                tbad += 1
                if shown < 20:
                    print(f'{table} {dict(zip(key, k))}: ' + '; '.join(diffs))
                    shown += 1
        if tbad:
            print(f'{table}: {tbad} of {max(len(arows), len(prows))} rows differ')
            bad += 1
        else:
            print(f'{table}: {len(arows)} rows agree')
    if compared == 0:
        print('no table compared')
        return 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

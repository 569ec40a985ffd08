#!/usr/bin/python3
"""Write a CSV file with its data rows in a random order (header first, kept).

usage: shuffle_csv.py SEED IN.csv OUT.csv

Rows are parsed and written back with Python's csv module (RFC 4180: quoted fields stay
quoted where needed), so a row with a quoted comma or newline moves as one row. The
order depends only on SEED and the file: the same call gives the same file.
"""
import csv
import random
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    seed, src, dst = argv
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        print("shuffle_csv: %s: empty file" % src, file=sys.stderr)
        return 1
    head, body = rows[0], rows[1:]
    random.Random(seed).shuffle(body)
    with open(dst, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(head)
        w.writerows(body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

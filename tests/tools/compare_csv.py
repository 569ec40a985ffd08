#!/usr/bin/python3
"""Compare an `attrib export` CSV with an expected CSV.

usage: compare_csv.py ACTUAL.csv EXPECTED.csv [--float-cols a,b,...] [--rel 1e-12] [-q]

Rules
  * same header (column names and order), same number of rows, compared row by row;
  * a cell `*` in EXPECTED matches anything (identities are keyed hashes);
  * integer and string columns must be equal as text;
  * float columns are equal when both print the same, or both are NaN, or both are the
    same infinity (spelled NaN, inf, -inf as the export prints them), or |a - b| <= rel * max(1, |a|, |b|) (rel = 1e-12 by default);
  * which columns are floats: from the attrib schema whose header matches (the F64
    columns of include/attrib/table.h / src/core/schema.c); for an unknown header,
    --float-cols, else every column in which some cell does not look like an integer.

Every mismatch is reported with its data row (1-based, header excluded), the CSV line
number, the column name and both values. Exit 0 when equal, 1 when different or
unreadable, 2 on usage errors.
"""
import argparse
import csv
import math
import sys

# F64 columns of every exported table, keyed by the table's exact header.
SCHEMAS = {
    "events": ("event_id,identity,ts,campaign_id,kind,cost", {"cost"}),
    "conversions": ("conversion_id,identity,ts,advertiser_id,type,value", {"value"}),
    "campaigns": ("campaign_id,advertiser_id,name", set()),
    "credits": ("conversion_id,advertiser_id,identity,conv_ts,value,event_id,campaign_id,"
                "kind,touch_ts,position,path_length,credit,credited_value,rule_version",
                {"value", "credit", "credited_value"}),
    "unattributed": ("conversion_id,advertiser_id,identity,conv_ts,value,reason", {"value"}),
    "report/campaign": ("campaign_id,advertiser_id,impressions,engagements,nurtures,reach,"
                        "cost,conversions,value,credited_touches,mean_time_to_convert_s,roas",
                        {"cost", "conversions", "value", "mean_time_to_convert_s", "roas"}),
    "report/daily": ("campaign_id,day,conversions,value", {"conversions", "value"}),
    "report/advertiser": ("advertiser_id,conversions,attributed,unattributed_no_touch,"
                          "unattributed_rule_excluded,unattributed_outside_window,"
                          "duplicate_touches,duplicate_touches_inexact,duplicate_conversions,"
                          "duplicate_conversions_inexact", set()),
}
BY_HEADER = {tuple(h.split(",")): cols for (h, cols) in SCHEMAS.values()}


def read(path):
    """Rows (header first) and the CSV line number where each row starts."""
    with open(path, newline="", encoding="utf-8") as f:
        text = f.read()
    rows, lines = [], []
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        if row == []:  # a blank line (only possible at the very end of an export)
            continue
        rows.append(row)
        lines.append(line)
    return rows, lines


def parse_float(s):
    """A float as `attrib export` prints it: %.17g, or NaN, inf, -inf (exactly these
    spellings, docs/conventions.md); anything else raises ValueError."""
    if s == "NaN":
        return math.nan
    if s == "inf":
        return math.inf
    if s == "-inf":
        return -math.inf
    if any(c.isalpha() and c not in "eE" for c in s) or s != s.strip():
        raise ValueError(s)
    return float(s)


def floats_equal(a, b, rel):
    if a == b:
        return True
    try:
        x, y = parse_float(a), parse_float(b)
    except ValueError:
        return False
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= rel * max(1.0, abs(x), abs(y))


def looks_int(s):
    t = s[1:] if s[:1] in "+-" else s
    return t.isdigit()


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("actual")
    ap.add_argument("expected")
    ap.add_argument("--float-cols", default=None,
                    help="comma-separated float columns (default: from the schema)")
    ap.add_argument("--rel", type=float, default=1e-12)
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing when equal")
    ap.add_argument("--max-report", type=int, default=200,
                    help="stop listing mismatches after this many (default 200)")
    o = ap.parse_args(argv)

    try:
        act, act_lines = read(o.actual)
        exp, exp_lines = read(o.expected)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        print("compare_csv: %s" % e)
        return 1
    label = "%s vs %s" % (o.actual, o.expected)
    if not exp:
        print("compare_csv: %s: expected file has no header" % o.expected)
        return 1
    if not act:
        print("compare_csv: %s: empty file (no header)" % o.actual)
        return 1
    hdr = exp[0]
    if act[0] != hdr:
        print("%s: header differs:\n  actual:   %s\n  expected: %s" % (
            label, ",".join(act[0]), ",".join(hdr)))
        return 1

    if o.float_cols is not None:
        fcols = {c for c in o.float_cols.split(",") if c}
    elif tuple(hdr) in BY_HEADER:
        fcols = BY_HEADER[tuple(hdr)]
    else:
        fcols = set()
        for j, name in enumerate(hdr):
            for r in exp[1:] + act[1:]:
                if j < len(r) and r[j] != "*" and r[j] != "" and not looks_int(r[j]):
                    fcols.add(name)
                    break

    problems = []
    na, ne = len(act) - 1, len(exp) - 1
    if na != ne:
        problems.append("row count: actual %d, expected %d" % (na, ne))
    for i in range(1, min(na, ne) + 1):
        a, e = act[i], exp[i]
        where = "row %d (actual line %d, expected line %d)" % (i, act_lines[i], exp_lines[i])
        if len(a) != len(e):
            problems.append("%s: %d fields, expected %d" % (where, len(a), len(e)))
            continue
        for j, name in enumerate(hdr):
            ev, av = e[j], a[j]
            if ev == "*":
                continue
            ok = floats_equal(av, ev, o.rel) if name in fcols else av == ev
            if not ok:
                problems.append("%s, column %s: actual %r, expected %r" % (where, name, av, ev))
    for i in range(min(na, ne) + 1, max(na, ne) + 1):
        if i <= na:
            problems.append("extra actual row %d (line %d): %s" % (i, act_lines[i], ",".join(act[i])))
        else:
            problems.append("missing row %d (expected line %d): %s" % (i, exp_lines[i], ",".join(exp[i])))

    if problems:
        print("%s: %d difference(s)" % (label, len(problems)))
        for p in problems[:o.max_report]:
            print("  " + p)
        if len(problems) > o.max_report:
            print("  ... %d more" % (len(problems) - o.max_report))
        return 1
    if not o.quiet:
        print("%s: equal (%d rows)" % (label, ne))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

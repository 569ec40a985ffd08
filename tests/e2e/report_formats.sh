#!/usr/bin/env bash
# attrib report: text, csv and json parse back (pandas, json) and agree with the
# results file; the run's rank count reads "1 rank" / "2 ranks"; a results file whose
# input was hashed with the built-in public key gets a warning (text) and a field (JSON);
# -o onto the results file itself is refused; bad usage and bad input exit 2.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_BUILD:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ATTRIB_BUILD/tests/test_report" --make-fixtures "$work" >/dev/null
a="$work/a.h5"
"$ATTRIB" report "$a" >"$work/r.txt"
"$ATTRIB" report "$a" --format csv -o "$work/r.csv"
"$ATTRIB" report "$a" --format json -o "$work/r.json"
for t in daily daily_touch advertiser daily_total time_to_convert unattributed; do
  "$ATTRIB" report "$a" --format csv --table "$t" >"$work/r_$t.csv"
done
test ! -e "$work/r.csv.tmp"

/usr/bin/python3 - "$work" <<'PY'
import json, math, re, sys
import h5py, numpy as np, pandas as pd
w = sys.argv[1]
f = h5py.File(f"{w}/a.h5", "r")
rc = {k: f["report/campaign"][k][()] for k in f["report/campaign"]}
n = len(rc["campaign_id"])

# CSV: same columns and values as report/campaign (floats round-trip exactly).
c = pd.read_csv(f"{w}/r.csv", float_precision="round_trip")
assert list(c.columns) == ["campaign_id", "advertiser_id", "impressions", "engagements",
    "nurtures", "reach", "cost", "conversions", "value", "credited_touches",
    "mean_time_to_convert_s", "roas"], list(c.columns)
assert len(c) == n
for k in c.columns:
    assert np.array_equal(c[k].to_numpy(), rc[k], equal_nan=True) if c[k].dtype.kind == "f" \
        else (c[k].to_numpy() == rc[k]).all(), k

# JSON: parses; campaigns and totals agree.
j = json.load(open(f"{w}/r.json"))
assert len(j["campaigns"]) == n
assert abs(j["totals"]["credited_conversions"] - rc["conversions"].sum()) < 1e-6
assert abs(j["totals"]["value"] - rc["value"].sum()) < 1e-6
assert j["attributes"]["model"] == "linear"
by_id = {r["campaign_id"]: r for r in j["campaigns"]}
for i in range(n):
    r = by_id[int(rc["campaign_id"][i])]
    assert r["conversions"] == rc["conversions"][i]
    assert (r["roas"] is None) == math.isnan(rc["roas"][i])
assert any("<EU>" in r.get("name", "") for r in j["campaigns"])
ttc = j["time_to_convert"]
assert abs(sum(b["credit"] for b in ttc) - f["credits"]["credit"][()].sum()) < 1e-6
assert sum(b["credited_touches"] for b in ttc) == len(f["credits"]["credit"])
un = {u["reason"]: u["conversions"] for u in j["unattributed_by_reason"]}
reasons = f["unattributed"]["reason"][()]
assert sum(un.values()) == len(reasons)

# Other CSV tables parse and agree.
d = pd.read_csv(f"{w}/r_daily.csv")
assert len(d) == len(f["report/daily"]["day"])
assert abs(d["conversions"].sum() - rc["conversions"].sum()) < 1e-6
dt = pd.read_csv(f"{w}/r_daily_total.csv")
assert abs(dt["conversions_by_touch_day"].sum() - rc["conversions"].sum()) < 1e-6
t = pd.read_csv(f"{w}/r_time_to_convert.csv")
assert len(t) == 11 and t["credited_touches"].sum() == len(f["credits"]["credit"])
u = pd.read_csv(f"{w}/r_unattributed.csv")
assert u["conversions"].sum() == len(reasons)

# Text: the campaign table parses back (whitespace columns) with a TOTAL row.
lines = open(f"{w}/r.txt").read().splitlines()
i = next(k for k, l in enumerate(lines) if l.startswith("Campaigns ("))
head = lines[i + 1].split()
assert head[0] == "campaign_id" and "conversions" in head
rows, total = [], None
for l in lines[i + 2:]:
    if not l.strip():
        break
    parts = l.split()
    if set(parts[0]) == {"-"}:
        continue
    if parts[0] == "TOTAL":
        total = parts
    else:
        rows.append(parts)
assert len(rows) == n and total is not None
ci = head.index("conversions")
assert abs(sum(float(r[ci]) for r in rows) - float(total[ci - 1])) < 0.01 * n
assert abs(float(total[ci - 1]) - rc["conversions"].sum()) < 0.001
print("report_formats: text, csv, json parse back and agree")
PY

# The rank count: "1 rank", "2 ranks".
grep -q '^  software  attrib test, 1 rank$' "$work/r.txt"
if grep -q "1 ranks" "$work/r.txt"; then echo "report_formats: '1 ranks'"; exit 1; fi
# The key the input was hashed with: what gen and import write for the built-in public
# key ("siphash-2-4 key_id=ID"), and a value that says "public-default".
"$ATTRIB" gen -q --events 20 --conversions 2 --campaigns 2 -o "$work/g.h5"
/usr/bin/python3 - "$work" <<'PY'
import shutil, sys
import h5py
w = sys.argv[1]
hashed = h5py.File(f"{w}/g.h5", "r").attrs["identity_hash"]
for name, value, ranks in [("pub", hashed, 2), ("pubdef", "siphash-2-4 key=public-default", 1),
                           ("own", "siphash-2-4 key_id=0123456789abcdef", 1)]:
    shutil.copy(f"{w}/a.h5", f"{w}/{name}.h5")
    with h5py.File(f"{w}/{name}.h5", "a") as f:
        f.attrs["identity_hash"] = value
        f.attrs["ranks"] = ranks
PY
for v in pub pubdef own; do
  "$ATTRIB" report "$work/$v.h5" >"$work/$v.txt"
  "$ATTRIB" report "$work/$v.h5" --format json -o "$work/$v.json"
done
grep -q '^  software  attrib test, 2 ranks$' "$work/pub.txt"
for v in pub pubdef; do
  [ "$(grep -c '^  warning   identities were hashed with the built-in public key' "$work/$v.txt")" = 1 ]
done
if grep -q "warning" "$work/own.txt" "$work/r.txt"; then echo "report_formats: a warning without the public key"; exit 1; fi
/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
want = {"r": None, "pub": True, "pubdef": True, "own": False}
for name, v in want.items():
    j = json.load(open(f"{w}/{name}.json"))
    assert "identity_hash_public_key" in j and j["identity_hash_public_key"] is v, (name, j.get("identity_hash_public_key"))
PY

# -o onto the results file itself (under another name): refused before any work.
cp "$a" "$work/a.copy"
set +e
"$ATTRIB" report "$a" -o "$work/./a.h5" >/dev/null 2>"$work/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "^attrib: report: $work/./a.h5: is one of the inputs" "$work/err"
cmp "$a" "$work/a.copy"
test ! -e "$a.tmp"

# Bad usage and bad input: exit 2 with a message.
set +e
"$ATTRIB" report "$a" --format pdf >/dev/null 2>"$work/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "^attrib: report: --format: 'pdf' is not one of text, csv, json, html" "$work/err"
printf 'not hdf5\n' >"$work/junk.h5"
set +e
"$ATTRIB" report "$work/junk.h5" >/dev/null 2>"$work/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "^attrib: report: $work/junk.h5: not an HDF5 file" "$work/err"
set +e
"$ATTRIB" report "$work/nope.h5" >/dev/null 2>"$work/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "^attrib: report: $work/nope.h5: cannot open: No such file or directory" "$work/err"
"$ATTRIB" report --help | grep -q -- "--format"
echo "report_formats: ok"

#!/bin/bash
# The HDF5 store seen from outside: a file written by test_h5io on 2 ranks (every table,
# deterministic values) is read back with h5py and h5dump through the zstd plugin, must
# be unreadable without the plugin (the filter is really applied), and `attrib export`
# of every table must match a CSV computed independently here from the same value
# formulas. Damaged files must give exit 2 with a message.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_BUILD:?}" "${HDF5_PLUGIN_PATH:?}"
PY=/usr/bin/python3
"$PY" -c 'import h5py, numpy' 2>/dev/null || { echo "skip: no h5py in $PY"; exit 77; }
command -v h5dump >/dev/null || { echo "skip: no h5dump"; exit 77; }
MPIEXEC=${MPIEXEC:-mpiexec}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$MPIEXEC" --allow-run-as-root --oversubscribe -n 2 "$ATTRIB_BUILD/tests/test_h5io" "$W/t.h5" >/dev/null
[ -s "$W/t.h5" ] || fail "test_h5io left no file"

# The value formulas of tests/unit/test_h5io.c, the schemas of src/core/schema.c and the
# CSV rules of docs/conventions.md, written again independently.
cat > "$W/expect.py" <<'PYEOF'
import math, sys, datetime
KINDS = ["impression", "engagement", "nurture"]
REASONS = ["no_touch", "rule_excluded", "outside_window"]
TYPES = ["click_through", "purchase", 'signup, "trial"']
E, R = ("u8e", KINDS), ("u8e", REASONS)
T = {
 "events": [("event_id","u64"),("identity","u64"),("ts","i64"),("campaign_id","u32"),("kind",E),("cost","f64")],
 "conversions": [("conversion_id","u64"),("identity","u64"),("ts","i64"),("advertiser_id","u32"),("type","u16"),("value","f64")],
 "campaigns": [("campaign_id","u32"),("advertiser_id","u32"),("name","str")],
 "credits": [("conversion_id","u64"),("advertiser_id","u32"),("identity","u64"),("conv_ts","i64"),("value","f64"),("event_id","u64"),("campaign_id","u32"),("kind",E),("touch_ts","i64"),("position","u32"),("path_length","u32"),("credit","f64"),("credited_value","f64"),("rule_version","u32")],
 "unattributed": [("conversion_id","u64"),("advertiser_id","u32"),("identity","u64"),("conv_ts","i64"),("value","f64"),("reason",R)],
 "report/campaign": [("campaign_id","u32"),("advertiser_id","u32"),("impressions","u64"),("engagements","u64"),("nurtures","u64"),("reach","u64"),("cost","f64"),("conversions","f64"),("value","f64"),("credited_touches","u64"),("mean_time_to_convert_s","f64"),("roas","f64")],
 "report/daily": [("campaign_id","u32"),("day","str"),("conversions","f64"),("value","f64")],
 "report/daily_touch": [("campaign_id","u32"),("day","str"),("conversions","f64"),("value","f64")],
 "report/advertiser": [("advertiser_id","u32")] + [(n,"u64") for n in ["conversions","attributed","unattributed_no_touch","unattributed_rule_excluded","unattributed_outside_window","duplicate_touches","duplicate_touches_inexact","duplicate_conversions","duplicate_conversions_inexact"]],
}
ROWS = {"events": 1000, "report/daily_touch": 0, "campaigns": 7, "report/advertiser": 2}
NAMES = ["Spring sale", 'Spring "Sale", 2026', "x", "multi\nline", "caf\u00e9 cr\u00e8me"]
M64 = (1 << 64) - 1

def rows(t): return ROWS.get(t, 37)

def value(col, c, g):
    name, kind = col
    h = (((g + 1) * 0x9E3779B97F4A7C15) & M64) ^ (c * 0x51)
    if isinstance(kind, tuple): return g % len(kind[1])
    if kind == "u16": return g % 3
    if kind == "u32": return 0xFFFFFFFF if g == 1 else (g * 7 + c) & 0xFFFFFFFF
    if kind == "u64": return M64 if g == 2 else h
    if kind == "i64": return (g - 5) * 1234567 + c
    if kind == "f64":
        if g % 17 == 3: return float("nan")
        if g % 17 == 4: return math.inf if g % 2 else -math.inf
        if g % 17 == 5: return -1e-300 / 3
        return float(g) * 0.1 + float(c)
    if name == "day": return "2026-10-%02d" % (g % 28 + 1)
    return NAMES[g % 5]

def field(s):
    return '"' + s.replace('"', '""') + '"' if any(ch in s for ch in ',"\r\n') else s

def iso(ms):
    d = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)

def csv(t, use_iso=False):
    out = [",".join(n for n, _ in T[t])]
    for g in range(rows(t)):
        f = []
        for c, col in enumerate(T[t]):
            v = value(col, c, g); kind = col[1]
            if isinstance(kind, tuple): f.append(kind[1][v])
            elif t == "conversions" and col[0] == "type": f.append(field(TYPES[v]))
            elif kind == "f64": f.append("NaN" if math.isnan(v) else "%.17g" % v)
            elif kind == "str": f.append(field(v))
            elif use_iso and col[0] in ("ts", "conv_ts", "touch_ts"): f.append(iso(v))
            else: f.append(str(v))
        out.append(",".join(f))
    return "\n".join(out) + "\n"
PYEOF

# (a) h5py reads every column of every table with the right type and values.
"$PY" - "$W" <<'PYEOF'
import sys, math, numpy as np, h5py
sys.path.insert(0, sys.argv[1]); from expect import *
f = h5py.File(sys.argv[1] + "/t.h5", "r")
np_types = {"u16": "uint16", "u32": "uint32", "u64": "uint64", "i64": "int64", "f64": "float64"}
checked = 0
for t, cols in T.items():
    for c, col in enumerate(cols):
        d = f[t + "/" + col[0]]
        assert d.ndim == 1 and d.shape[0] == rows(t), (t, col, d.shape)
        assert d.chunks is not None, (t, col, "not chunked")
        kind = col[1]
        if isinstance(kind, tuple):
            assert h5py.check_enum_dtype(d.dtype) == {n: i for i, n in enumerate(kind[1])}, (t, col, d.dtype)
        elif kind == "str":
            assert d.dtype.kind == "S", (t, col, d.dtype)
        else:
            assert d.dtype == np.dtype(np_types[kind]).newbyteorder("<"), (t, col, d.dtype)
        got = d[()]
        for g in range(rows(t)):
            want = value(col, c, g)
            x = got[g]
            if kind == "str": x = x.decode("utf-8")
            elif kind == "f64":
                if math.isnan(want):
                    assert math.isnan(x), (t, col, g, x); continue
                x = float(x)
            else: x = int(x)
            assert x == want, (t, col[0], g, x, want)
            checked += 1
ts = f["events/ts"]
filters = ts._filters
assert "32015" in filters and tuple(filters["32015"])[0] == 3 and "shuffle" in filters, filters
assert "32015" not in f["report/advertiser/conversions"]._filters  # written at level 0
assert [s.decode() for s in f["conversions/type_names"][()]] == TYPES
a = f.attrs
assert int(a["schema_version"]) == 1
assert a["identity_hash"] == b"siphash-2-4 key_id=0123456789abcdef", a["identity_hash"]
assert a["source_files"] == b"a.csv\nb.csv.gz"
assert float(a["wall_s"]) == 1.25
print("h5py: %d values checked" % checked)
PYEOF

# (b) h5dump with the plugin prints the values of /events/ts.
h5dump -d /events/ts "$W/t.h5" > "$W/dump.txt"
"$PY" - "$W" <<'PYEOF'
import sys, re
sys.path.insert(0, sys.argv[1]); from expect import *
text = open(sys.argv[1] + "/dump.txt").read()
data = text.split("DATA {", 1)[1]
data = re.sub(r"\(\d+\):", " ", data)
vals = [int(v) for v in re.findall(r"-?\d+", data)]
want = [value(T["events"][2], 2, g) for g in range(1000)]
assert vals == want, (len(vals), vals[:5], want[:5])
print("h5dump: %d values" % len(vals))
PYEOF

# (c) Without the plugin the compressed data cannot be read: the filter is real.
if env -u HDF5_PLUGIN_PATH "$PY" -c 'import h5py, sys; h5py.File(sys.argv[1], "r")["events/ts"][()]' "$W/t.h5" 2>"$W/noplugin.err"; then
    fail "h5py read /events/ts without the zstd plugin"
fi
grep -qi "filter\|plugin" "$W/noplugin.err" || fail "unexpected error without plugin: $(tail -1 "$W/noplugin.err")"
if env -u HDF5_PLUGIN_PATH h5dump -d /events/ts "$W/t.h5" >"$W/dump2.txt" 2>&1 && grep -q -- "-6172833" "$W/dump2.txt"; then
    fail "h5dump printed /events/ts without the zstd plugin"
fi

# (d) attrib export of every table, with and without the leading slash, to stdout and -o.
for t in events conversions campaigns credits unattributed report/campaign report/daily \
         report/daily_touch report/advertiser; do
    "$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); from expect import *; sys.stdout.write(csv(sys.argv[2]))' "$W" "$t" > "$W/want.csv"
    "$ATTRIB" export "$W/t.h5" "$t" > "$W/got.csv"
    cmp -s "$W/want.csv" "$W/got.csv" || { diff "$W/want.csv" "$W/got.csv" | head -20; fail "export $t differs"; }
    "$ATTRIB" export "$W/t.h5" "/$t" -o "$W/out.csv"
    cmp -s "$W/want.csv" "$W/out.csv" || fail "export /$t -o differs"
    [ ! -e "$W/out.csv.tmp" ] || fail "export left out.csv.tmp"
done
"$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); from expect import *; sys.stdout.write(csv("credits", True))' "$W" > "$W/want.csv"
"$ATTRIB" export "$W/t.h5" credits --iso > "$W/got.csv"
cmp -s "$W/want.csv" "$W/got.csv" || { diff "$W/want.csv" "$W/got.csv" | head; fail "export --iso differs"; }
# A few lines written out by hand, so that a shared mistake above cannot hide.
"$ATTRIB" export "$W/t.h5" campaigns > "$W/c.csv"
head -3 "$W/c.csv" > "$W/c3.csv"
printf '%s\n' 'campaign_id,advertiser_id,name' '0,1,Spring sale' '4294967295,4294967295,"Spring ""Sale"", 2026"' | cmp -s - "$W/c3.csv" || fail "campaigns CSV head: $(cat "$W/c3.csv")"
"$ATTRIB" export "$W/t.h5" events | sed -n '3p;5,6p' > "$W/e.csv"
printf '%s\n' '4354685564936845354,4354685564936845435,-4938266,4294967295,engagement,5.0999999999999996' \
    '8709371129873690708,8709371129873690629,-2469132,24,impression,NaN' \
    '1663341875487337577,1663341875487337528,-1234565,31,engagement,-inf' | cmp -s - "$W/e.csv" || fail "events CSV lines: $(cat "$W/e.csv")"
"$ATTRIB" export "$W/t.h5" conversions | sed -n '4p' | grep -qx '18446744073709551615,18446744073709551615,-3703699,17,"signup, ""trial""",5.2000000000000002' || fail "conversions type name"
"$ATTRIB" export --help | grep -q "usage: attrib export FILE TABLE" || fail "--help"

# (e) Damaged files, missing files and tables: exit 2 and a message, no crash.
expect_fail() { # expect_fail "message part" args…
    local msg=$1 rc=0; shift
    "$ATTRIB" export "$@" >"$W/o.txt" 2>"$W/e.txt" || rc=$?
    [ "$rc" = 2 ] || fail "export $* exited $rc, not 2: $(cat "$W/e.txt")"
    grep -qF -- "$msg" "$W/e.txt" || fail "export $*: message lacks '$msg': $(cat "$W/e.txt")"
    [ ! -s "$W/o.txt" ] || [ "$(wc -l <"$W/o.txt")" -le 1 ] || fail "export $* printed rows"
}
head -c 20000 "$W/t.h5" > "$W/trunc.h5"
expect_fail "trunc.h5: not an HDF5 file, or a damaged or truncated one" "$W/trunc.h5" events
printf 'event_id,identity\n1,2\n' > "$W/garbage.h5"
expect_fail "garbage.h5: not an HDF5 file" "$W/garbage.h5" events
: > "$W/empty.h5"
expect_fail "empty.h5" "$W/empty.h5" events
expect_fail "nope.h5: cannot open" "$W/nope.h5" events
expect_fail "unknown table 'nope'" "$W/t.h5" nope
expect_fail "attrib: export: missing TABLE. See 'attrib export --help'." "$W/t.h5"
expect_fail "unknown option '--bogus'" "$W/t.h5" events --bogus
"$PY" -c 'import h5py, sys
import numpy as np
with h5py.File(sys.argv[1], "w") as f: f["events/event_id"] = np.array([1], dtype="<u8")' "$W/only_events.h5"
expect_fail "attrib: export: $W/only_events.h5: has no table 'credits'" "$W/only_events.h5" credits
expect_fail "only_events.h5: missing dataset /events/identity" "$W/only_events.h5" events
# A chunk whose bytes are damaged: a clean error, not a crash or wrong numbers.
"$PY" - "$W/t.h5" "$W/badchunk.h5" <<'PYEOF'
import sys, h5py, shutil
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[1], "r") as f:
    off = f["events/ts"].id.get_chunk_info(0).byte_offset
with open(sys.argv[2], "r+b") as g:
    g.seek(off); g.write(b"\xff" * 64)
PYEOF
expect_fail "cannot read dataset /events/ts" "$W/badchunk.h5" events
echo "export_h5py: ok"

#!/usr/bin/env bash
# attrib fit on hand-worked tables (docs/datadriven.md's example): exact CSV bytes, JSON,
# the /report/paths column names with advertisers, ';' and tab separators, gzip and
# zstd input, --no-nulls, and bad input (exit 2, file:line) and usage errors.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
PY=/usr/bin/python3

# The example: c1>c2>c3 converts once (value 10), c1 and c2>c3 do not. P = 1/3,
# RE = 1/2, 1, 1; conversions 0.2, 0.4, 0.4; value 2, 4, 4 (docs/datadriven.md).
cat >"$work/ex.csv" <<'EOF'
path,total_conversions,total_conversion_value,total_null
c1 > c2 > c3,1,10,0
c1,0,0,1
c2 > c3,0,,1
EOF
cat >"$work/ex.want" <<'EOF'
channel,removal_effect,conversions,value,shapley,first,last,linear
c1,0.5,0.20000000000000001,2,0.33333333333333331,1,0,0.33333333333333331
c2,1,0.40000000000000002,4,0.33333333333333331,0,0,0.33333333333333331
c3,1,0.40000000000000002,4,0.33333333333333331,0,1,0.33333333333333331
EOF
"$ATTRIB" fit --paths "$work/ex.csv" >"$work/ex.out" || fail "example: exit $?"
cmp -s "$work/ex.out" "$work/ex.want" || { fail "example: output differs"; diff "$work/ex.want" "$work/ex.out" >&2 || true; }
# The same through the sweep solver, gzip, zstd, ';' and tab separators (given and detected).
ATTRIB_MARKOV_DENSE_MAX=0 "$ATTRIB" fit --paths "$work/ex.csv" >"$work/ex.sweep"
cmp -s "$work/ex.sweep" "$work/ex.want" || fail "example (sweeps): output differs"
gzip -c "$work/ex.csv" >"$work/ex.csv.gz"
zstd -q -c "$work/ex.csv" >"$work/ex.csv.zst"
"$ATTRIB" fit --paths "$work/ex.csv.gz" | cmp -s - "$work/ex.want" || fail "example .gz"
"$ATTRIB" fit --paths "$work/ex.csv.zst" | cmp -s - "$work/ex.want" || fail "example .zst"
tr ',' ';' <"$work/ex.csv" >"$work/ex.semi"
"$ATTRIB" fit --paths "$work/ex.semi" | cmp -s - "$work/ex.want" || fail "example ';' detected"
"$ATTRIB" fit --sep ';' --paths "$work/ex.semi" | cmp -s - "$work/ex.want" || fail "example --sep ';'"
tr ',' '\t' <"$work/ex.csv" >"$work/ex.tsv"
"$ATTRIB" fit --sep tab --paths "$work/ex.tsv" | cmp -s - "$work/ex.want" || fail "example --sep tab"

# JSON: the same figures and the chain's size.
"$ATTRIB" fit --paths "$work/ex.csv" --json >"$work/ex.json" || fail "json: exit $?"
$PY - "$work/ex.json" <<'PY' || fail "json content"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["order"] == 1 and len(j["advertisers"]) == 1, j
a = j["advertisers"][0]
assert "advertiser_id" not in a and a["journeys"] == 3 and a["conversions"] == 1 and a["states"] == 3
assert abs(a["conversion_probability"] - 1 / 3) < 1e-15
ch = {c["channel"]: c for c in a["channels"]}
assert list(ch) == ["c1", "c2", "c3"]
for name, re, conv, val, vre in (("c1", .5, .2, 2, 5 / 3), ("c2", 1, .4, 4, 10 / 3), ("c3", 1, .4, 4, 10 / 3)):
    c = ch[name]
    assert abs(c["removal_effect"] - re) < 1e-15 and abs(c["conversions"] - conv) < 1e-15, c
    assert abs(c["value"] - val) < 1e-13 and abs(c["value_removal_effect"] - vre) < 1e-13, c
PY

# /report/paths columns (campaign ids, " > "), two advertisers fitted apart, channels
# bytewise ("12" before "7"). Advertiser 9 is the example with ids for names; advertiser
# 3 converts on one channel only.
cat >"$work/rp.csv" <<'EOF'
advertiser_id,path,conversions,value,nulls
9,7 > 12 > 30,1,10,0
9,7,0,0,1
3,5 > 5,2,6,1
9,12 > 30,0,0,1
EOF
cat >"$work/rp.want" <<'EOF'
advertiser_id,channel,removal_effect,conversions,value,shapley,first,last,linear
3,5,1,2,6,2,2,2,2
9,12,1,0.40000000000000002,4,0.33333333333333331,0,0,0.33333333333333331
9,30,1,0.40000000000000002,4,0.33333333333333331,0,1,0.33333333333333331
9,7,0.5,0.20000000000000001,2,0.33333333333333331,1,0,0.33333333333333331
EOF
"$ATTRIB" fit --paths "$work/rp.csv" >"$work/rp.out" || fail "report/paths: exit $?"
cmp -s "$work/rp.out" "$work/rp.want" || { fail "report/paths: output differs"; diff "$work/rp.want" "$work/rp.out" >&2 || true; }

# --no-nulls: converting paths alone (the null column may be absent). c1>c2>c3 is then
# the only journey: P = 1 and removing any channel gives 0, RE 1, 1, 1.
printf 'path,total_conversions\nc1>c2>c3,1\n' >"$work/nn.csv"
"$ATTRIB" fit --no-nulls --paths "$work/nn.csv" | grep -qx 'c2,1,0.33333333333333331,0,0.33333333333333331,0,0,0.33333333333333331' ||
    fail "--no-nulls"
"$ATTRIB" fit --no-nulls --paths "$work/ex.csv" | grep -qx 'c1,1,0.33333333333333331,3.3333333333333335,0.33333333333333331,1,0,0.33333333333333331' ||
    fail "--no-nulls ignores total_null"

# Order 2 (test_markov.c works it by hand): RE_a = 1/3, conversions 2/7.
printf 'path,total_conversions,total_conversion_value,total_null\na>b>c,1,6,0\na>b,0,0,1\nb>c,1,3,1\nc,0,0,1\n' >"$work/o2.csv"
"$ATTRIB" fit --order 2 --paths "$work/o2.csv" | grep -q '^a,0.3333333333333333[0-9]*,0.285714285714285[0-9]*,1.28571428571428[0-9]*,' ||
    fail "order 2: $("$ATTRIB" fit --order 2 --paths "$work/o2.csv" | grep '^a,')"

# Bad input: exit 2, "attrib: fit: FILE:LINE: reason".
expect2() { # name, expected message, args...
    local name=$1 want=$2
    shift 2
    local rc=0
    "$ATTRIB" fit "$@" >"$work/out" 2>"$work/err" || rc=$?
    [ "$rc" = 2 ] || fail "$name: exit $rc, expected 2"
    grep -qF -- "$want" "$work/err" || fail "$name: message '$(cat "$work/err")', expected '$want'"
    [ ! -s "$work/out" ] || fail "$name: printed something on stdout"
}
printf 'path,total_conversions,total_null\na>b,1,0\nb,x,1\n' >"$work/bad1.csv"
expect2 "bad count" "attrib: fit: $work/bad1.csv:3: total_conversions 'x' is not a non-negative integer" --paths "$work/bad1.csv"
printf 'path,total_conversions,total_null\na>,1,0\n' >"$work/bad2.csv"
expect2 "empty channel" "$work/bad2.csv:2: empty channel name in the path" --paths "$work/bad2.csv"
printf 'path,total_conversions\na,1\n' >"$work/bad3.csv"
expect2 "no nulls column" "$work/bad3.csv:1: no column 'total_null' or 'nulls' (separator ','); --no-nulls" --paths "$work/bad3.csv"
printf 'path,total_conversions,total_null\na,1,0,7\n' >"$work/bad4.csv"
expect2 "field count" "$work/bad4.csv:2: 4 fields, the header has 3" --paths "$work/bad4.csv"
# A failure in the second advertiser's fit (counts that overflow 64 bits) prints nothing
# of the first one's.
printf 'advertiser_id,path,conversions,nulls\n1,a>b,1,0\n2,b,1,18446744073709551615\n' >"$work/ovf.csv"
expect2 "overflow" "$work/ovf.csv: advertiser 2: path table: counts overflow 64 bits" --paths "$work/ovf.csv"
expect2 "missing file" "none.csv" --paths "$work/none.csv"
grep -q "cannot open" "$work/err" || fail "missing file: $(cat "$work/err")"
printf 'garbage' | gzip -c | head -c 15 >"$work/trunc.csv.gz"
expect2 "truncated gzip" "$work/trunc.csv.gz" --paths "$work/trunc.csv.gz"
# Usage errors.
expect2 "no --paths" "attrib: fit: no path table (--paths F). See 'attrib fit --help'." --order 2
expect2 "order 5" "attrib: fit: --order: '5' is not one of" --paths "$work/ex.csv" --order 5
expect2 "order 0" "--order: '0' is not one of" --paths "$work/ex.csv" --order 0
expect2 "bad sep" "--sep: 'ab' is not one character" --paths "$work/ex.csv" --sep ab
expect2 "unknown option" "fit" --paths "$work/ex.csv" --bogus
"$ATTRIB" fit --help | grep -q '^usage: attrib fit --paths F' || fail "--help"

if [ "$fails" -gt 0 ]; then
    echo "$fails failure(s)" >&2
    exit 1
fi
echo "fit_basic: ok"

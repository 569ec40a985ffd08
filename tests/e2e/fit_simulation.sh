#!/usr/bin/env bash
# bench/fit/simulate.py (the ChannelAttribution-style Monte Carlo estimate) against
# `attrib fit --json` (exact) on tiny tables, with fixed seeds: the mean relative error
# of the simulated conversions over 5 seeds at 10^6 walks (worked example of
# docs/datadriven.md) or 10^5 walks (a table with a cycle, no step limit; an order-2
# table) is below half of that at 10^3 walks (sampling error shrinks as 1/sqrt(walks):
# about 1/32 and 1/10 expected; observed 1/66 to 1/6.5), and every channel is within 1%
# of the exact value at the larger count; with fresh walks per removed channel and with
# reused walks. Also: seeds are repeatable, the default step limit cuts walks on a
# cycle, the comparison table of sim_vs_exact.sh, --help and bad input.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
PY=/usr/bin/python3
SIM=$ATTRIB_SRC/bench/fit/simulate.py

cat >"$work/example.csv" <<'EOF'
path,total_conversions,total_conversion_value,total_null
c1 > c2 > c3,1,10,0
c1,0,0,1
c2 > c3,0,,1
EOF
# b and c send walks back and forth (a cycle); d only on a null path.
cat >"$work/cycle.csv" <<'EOF'
path,total_conversions,total_conversion_value,total_null
a > b > c > b > c,3,30,2
a > c > b,2,14,5
b > a,1,5,4
c > d,0,0,3
b > c > a > b,2,40,1
EOF
cat >"$work/order2.csv" <<'EOF'
path,total_conversions,total_conversion_value,total_null
x > y > y > z,4,40,3
y > x > z,1,5,6
x > x > y,2,8,2
z > y,0,0,4
EOF

# check TABLE ORDER REMOVAL WALKS [simulate.py options]: errors at 10^3 and WALKS walks.
check() {
    local t=$1 order=$2 removal=$3 big=$4
    shift 4
    "$ATTRIB" fit --paths "$work/$t.csv" --order "$order" --json >"$work/$t.exact.json" || { fail "$t: attrib fit exit $?"; return; }
    for n in 1000 $big; do
        $PY "$SIM" "$work/$t.csv" --order "$order" --removal "$removal" --walks $n --seeds 1,2,3,4,5 "$@" \
            >"$work/$t.$n.json" || { fail "$t $removal $n: simulate.py exit $?"; return; }
    done
    $PY - "$work/$t.exact.json" "$work/$t.1000.json" "$work/$t.$big.json" "$t $removal order $order" $big <<'PY' || fail "$t $removal order $order"
import json, sys
ex = {c["channel"]: c["conversions"] for c in json.load(open(sys.argv[1]))["advertisers"][0]["channels"]}
def errs(path):
    runs = json.load(open(path))["runs"]
    assert len(runs) == 5, "five seeds"
    out = []
    for r in runs:
        assert sorted(r["channels"]) == sorted(ex), "same channels"
        for c, e in ex.items():
            if e > 0:
                out.append(abs(r["channels"][c]["conversions"] - e) / e)
    return out
small, big = errs(sys.argv[2]), errs(sys.argv[3])
ms, mb = sum(small) / len(small), sum(big) / len(big)
print(f"{sys.argv[4]}: mean relative error {ms:.4%} at 1000 walks, {mb:.4%} at {sys.argv[5]}, worst there {max(big):.4%}")
ok = mb < ms / 2 and max(big) < 0.01 and ms > 0
sys.exit(0 if ok else 1)
PY
}
check example 1 resimulate 1000000
check example 1 reuse 1000000
check cycle 1 resimulate 100000 --max-step 0
check cycle 1 reuse 100000 --max-step 0
check order2 2 resimulate 100000 --max-step 0
check order2 2 reuse 100000 --max-step 0

# The same seed gives the same numbers; another seed other numbers.
a=$($PY "$SIM" "$work/cycle.csv" --walks 2000 --seeds 7)
b=$($PY "$SIM" "$work/cycle.csv" --walks 2000 --seeds 7)
c=$($PY "$SIM" "$work/cycle.csv" --walks 2000 --seeds 8)
[ "$a" = "$b" ] || fail "seed 7 twice: different output"
[ "$a" != "$c" ] || fail "seeds 7 and 8: same output"

# The default step limit (the longest path) cuts walks on the cycle: some are counted.
$PY "$SIM" "$work/cycle.csv" --walks 20000 --seeds 1 | $PY -c '
import json, sys
r = json.load(sys.stdin)
assert r["max_step"] == 5, r["max_step"]
assert r["runs"][0]["cut"] > 0, "no walk cut at max_step 5 on a cycle"
' || fail "default max_step on the cycle"

# The comparison table (what bench/fit/sim_vs_exact.sh prints).
"$ATTRIB" fit --paths "$work/cycle.csv" --json >"$work/cycle.exact.json"
$PY "$SIM" "$work/cycle.csv" --walks 5000 --seeds 1,2,3 --compare "$work/cycle.exact.json" >"$work/cmp.txt" ||
    fail "--compare: exit $?"
for ch in a b c d; do grep -q "^$ch " "$work/cmp.txt" || fail "--compare: no row for $ch"; done
grep -q '^summary: 4 channels x 3 seeds, 5000 walks per run: relative error' "$work/cmp.txt" || fail "--compare: no summary line"
bash "$ATTRIB_SRC/bench/fit/sim_vs_exact.sh" --build "$(dirname "$ATTRIB")" --seeds 2 --walks 2000 "$work/example.csv" >"$work/sve.txt" ||
    fail "sim_vs_exact.sh: exit $?"
grep -q '^summary: 3 channels x 2 seeds, 2000 walks per run' "$work/sve.txt" || fail "sim_vs_exact.sh: no summary"

# --help and bad input.
$PY "$SIM" --help | grep -q 'usage:' || fail "simulate.py --help"
bash "$ATTRIB_SRC/bench/fit/sim_vs_exact.sh" --help | grep -q 'usage:' || fail "sim_vs_exact.sh --help"
set +e
$PY "$SIM" "$work/missing.csv" 2>/dev/null; rc=$?
[ $rc = 2 ] || fail "missing file: exit $rc, want 2"
printf 'path,total_conversions\na > b,x\n' >"$work/bad.csv"
$PY "$SIM" "$work/bad.csv" --no-nulls 2>"$work/bad.err"; rc=$?
[ $rc = 2 ] || fail "bad row: exit $rc, want 2"
grep -q 'bad.csv:2: bad row' "$work/bad.err" || fail "bad row: message"
bash "$ATTRIB_SRC/bench/fit/sim_vs_exact.sh" --seeds 0 2>/dev/null; rc=$?
[ $rc = 2 ] || fail "sim_vs_exact.sh --seeds 0: exit $rc, want 2"
set -e

[ $fails = 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "fit_simulation: ok"

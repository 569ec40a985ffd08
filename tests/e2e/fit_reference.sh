#!/usr/bin/env bash
# attrib fit against an independent reference (tests/tools/markov_ref.py: the
# definitions solved with fractions.Fraction for small chains, numpy otherwise) on
# generated path tables, orders 1 to 4, both solvers, one and several advertisers: every
# figure within 1e-12 relative. Shuffled rows give identical bytes.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
PY=/usr/bin/python3
REF="$ATTRIB_SRC/tests/tools/markov_ref.py"

# gen SEED NPATHS NCHANNELS ADVERTISERS > table: distinct random paths (lengths 1-10,
# repeats and cycles frequent), conversions with values, nulls.
gen() {
    $PY - "$@" <<'PY'
import random, sys
seed, n, nch, nadv = map(int, sys.argv[1:])
rng = random.Random(seed)
names = [f"ch{i}" for i in range(nch)] + ["x y"]  # a name with a space inside
seen = set()
print(("advertiser_id," if nadv else "") + "path,total_conversions,total_conversion_value,total_null")
while len(seen) < n:
    length = 1 + min(int(rng.expovariate(0.4)), 9)
    pool = names[: rng.randint(1, len(names))]
    path = [rng.choice(pool) for _ in range(length)]
    adv = rng.randint(1, nadv) if nadv else 0
    key = (adv, " > ".join(path))
    if key in seen:
        continue
    seen.add(key)
    conv = rng.choice([0, 0, 1, 2, 5])
    nul = rng.choice([0, 1, 3, 10]) if conv else rng.choice([1, 3, 10])
    value = f"{rng.uniform(1, 100) * conv:.2f}" if conv else "0"
    print((f"{adv}," if nadv else "") + f"{key[1]},{conv},{value},{nul}")
PY
}

# compare A B: same header, same keys, every number within 1e-12 relative.
compare() {
    $PY - "$1" "$2" <<'PY'
import csv, sys
a = list(csv.reader(open(sys.argv[1])))
b = list(csv.reader(open(sys.argv[2])))
assert a[0] == b[0], (a[0], b[0])
assert len(a) == len(b), (len(a), len(b))
nk = 2 if a[0][0] == "advertiser_id" else 1
worst = 0.0
for ra, rb in zip(a[1:], b[1:]):
    assert ra[:nk] == rb[:nk], (ra, rb)
    for col, x, y in zip(a[0][nk:], ra[nk:], rb[nk:]):
        x, y = float(x), float(y)
        d = abs(x - y) / max(abs(x), abs(y)) if x != y else 0.0
        worst = max(worst, d)
        if d > 1e-12:
            sys.exit(f"{ra[:nk]} {col}: attrib {x!r}, reference {y!r}")
print(f"worst relative difference {worst:.3g}")
PY
}

run_case() { # name table order exact(0/1) [extra attrib args]
    local name=$1 table=$2 order=$3 exact=$4
    local ref_args=(--order "$order")
    [ "$exact" = 1 ] && ref_args+=(--exact)
    $PY "$REF" "$table" "${ref_args[@]}" >"$work/$name.ref" || { fail "$name: reference failed"; return; }
    for dm in "" 0; do
        local out="$work/$name.dm$dm.csv"
        ATTRIB_MARKOV_DENSE_MAX=$dm "$ATTRIB" fit --paths "$table" --order "$order" >"$out" ||
            { fail "$name (dense max '$dm'): exit $?"; continue; }
        local msg
        msg=$(compare "$out" "$work/$name.ref" 2>&1) || fail "$name (dense max '$dm'): $msg"
        echo "$name (dense max '${dm:-default}'): $msg"
    done
}

# Small tables, exact rational reference.
gen 1 40 3 0 >"$work/small.csv"
for k in 1 2 3 4; do run_case "small.k$k" "$work/small.csv" "$k" 1; done
gen 2 25 5 0 >"$work/small2.csv"
for k in 1 2; do run_case "small2.k$k" "$work/small2.csv" "$k" 1; done
# Larger tables with advertisers, numpy reference.
gen 3 600 8 3 >"$work/mid.csv"
for k in 1 2 3; do run_case "mid.k$k" "$work/mid.csv" "$k" 0; done

# Shuffled rows: the same bytes, for each order and both solvers.
{ head -1 "$work/mid.csv"; tail -n +2 "$work/mid.csv" | shuf --random-source=<(yes); } >"$work/mid.shuf.csv"
cmp -s "$work/mid.csv" "$work/mid.shuf.csv" && fail "shuffle did not change the row order"
for k in 1 3; do
    for dm in "" 0; do
        ATTRIB_MARKOV_DENSE_MAX=$dm "$ATTRIB" fit --paths "$work/mid.shuf.csv" --order "$k" >"$work/shuf.out"
        cmp -s "$work/shuf.out" "$work/mid.k$k.dm$dm.csv" || fail "shuffled rows, order $k, dense max '$dm': output differs"
    done
done

if [ "$fails" -gt 0 ]; then
    echo "$fails failure(s)" >&2
    exit 1
fi
echo "fit_reference: ok"

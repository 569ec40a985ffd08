#!/usr/bin/env bash
# attrib fit on 10^6 distinct paths over 50 channels (bench/fit/gen_paths.py), Markov
# orders 1 and 3: the median wall time of REPEAT runs each, with user time and peak
# memory, and the chain's size and solver from --json. Prints one line per order.
#
# usage: bench/fit/run.sh [BUILD_DIR] [NPATHS] [REPEAT]   (defaults: build 1000000 3)
# Environment: FIT_ORDERS (default "1 3"), FIT_KEEP=DIR keeps the table in DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
n=${2:-1000000}
repeat=${3:-3}
attrib=$(cd "$build" && pwd)/attrib
work=${FIT_KEEP:-$(mktemp -d)}
[ -n "${FIT_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
table="$work/paths_$n.csv"
if [ ! -s "$table" ]; then
    /usr/bin/python3 "$here/gen_paths.py" "$n" >"$table"
fi
echo "table: $n distinct paths, $(wc -c <"$table") bytes; $(uptime)"
for order in ${FIT_ORDERS:-1 3}; do
    times=()
    for ((i = 0; i < repeat; i++)); do
        /usr/bin/time -f "%e %U %M" -o "$work/time" "$attrib" fit --paths "$table" --order "$order" >"$work/out.csv"
        read -r wall user rss <"$work/time"
        times+=("$wall $user $rss")
    done
    med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((repeat + 1) / 2))p")
    "$attrib" fit --paths "$table" --order "$order" --json >"$work/out.json"
    info=$(/usr/bin/python3 - "$work/out.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["advertisers"][0]
print("states=%d transitions=%d solver=%s sweeps=%d channels=%d"
      % (a["states"], a["transitions"], a["solver"], a["sweeps"], len(a["channels"])))
PY
)
    read -r wall user rss <<<"$med"
    echo "order $order: median wall ${wall}s (user ${user}s, peak RSS $((rss / 1024)) MiB) of $repeat runs [$(printf '%s; ' "${times[@]}")] $info"
done
echo "after: $(uptime)"

#!/usr/bin/env bash
# attrib import vs DuckDB's CSV reader on the same events CSV, same cores.
# usage: bench/import_vs_duckdb.sh [ROWS=10000000] [RUNS=3]
# Needs a built attrib (ATTRIB=path, default build/attrib), mpirun, node + npm.
set -euo pipefail
ROWS=${1:-10000000}
RUNS=${2:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
ATTRIB=${ATTRIB:-$HERE/../build/attrib}
MPIRUN=${MPIRUN:-mpirun}
WORK=${WORK:-$(mktemp -d)}
trap 'rm -rf "$WORK"' EXIT

csv=$WORK/events.csv
echo "generating $ROWS events in $csv" >&2
# awk: deterministic, fast, and no dependency. Identities are 32-hex (hashed e-mails),
# timestamps integer ms, 1000 campaigns, a cost with 2 decimals.
awk -v n="$ROWS" 'BEGIN {
  srand(7); print "event_id,identity,timestamp,campaign_id,kind,cost";
  split("impression engagement nurture", k, " ");
  for (i = 1; i <= n; i++) {
    u = int(rand() * 2000000);
    printf "%d,%08x%08x%08x%08x,%d,%d,%s,%d.%02d\n", i, u, u * 7 + 1, u * 13 + 5, u * 31 + 9,
      1790000000000 + int(rand() * 2592000000), 1 + int(rand() * 1000), k[1 + int(rand() * 3)],
      int(rand() * 5), int(rand() * 100);
  }
}' >"$csv"
{ echo "campaign_id,advertiser_id,name"; for c in $(seq 1 1000); do echo "$c,$((c % 50)),c$c"; done; } >"$WORK/camp.csv"
echo "conversion_id,identity,timestamp,advertiser_id,type,value" >"$WORK/conv.csv"
echo "$(du -m "$csv" | cut -f1) MiB" >&2

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
now() { date +%s.%N; }

run_attrib() { # ranks
    local t0 t1
    t0=$(now)
    "$MPIRUN" --allow-run-as-root --oversubscribe -n "$1" "$ATTRIB" import -q \
        --campaigns "$WORK/camp.csv" --events "$csv" --conversions "$WORK/conv.csv" \
        -o "$WORK/out.h5"
    t1=$(now)
    echo "$t1 - $t0" | bc -l
}

if [ ! -d "$HERE/duckdb/node_modules/@duckdb/node-api" ]; then
    (cd "$HERE/duckdb" && npm install --no-audit --no-fund @duckdb/node-api >/dev/null)
fi
run_duckdb() { # total wall time of the node process, and DuckDB's own query time
    local t0 t1 q
    t0=$(now)
    q=$(node "$HERE/duckdb/import_csv.mjs" "$csv" 2 | cut -d' ' -f1)
    t1=$(now)
    echo "$(echo "$t1 - $t0" | bc -l) $q"
}

cat "$csv" >/dev/null # warm the page cache for everyone alike
a1=() a2=() dw=() dq=()
for i in $(seq 1 "$RUNS"); do
    a1+=("$(run_attrib 1)")
    a2+=("$(run_attrib 2)")
    read -r w q < <(run_duckdb)
    dw+=("$w") dq+=("$q")
done
m1=$(printf '%s\n' "${a1[@]}" | median)
m2=$(printf '%s\n' "${a2[@]}" | median)
mw=$(printf '%s\n' "${dw[@]}" | median)
mq=$(printf '%s\n' "${dq[@]}" | median)
rows=$("/usr/bin/python3" -c "import h5py,sys; print(len(h5py.File(sys.argv[1])['events/event_id']))" "$WORK/out.h5" 2>/dev/null || echo "?")
printf 'rows %s (attrib wrote %s)\n' "$ROWS" "$rows"
printf 'attrib import -n 1        %7.2f s   (median of %d, wall incl. mpirun start and HDF5+zstd write)\n' "$m1" "$RUNS"
printf 'attrib import -n 2        %7.2f s\n' "$m2"
printf 'duckdb read_csv 2 threads %7.2f s   (query only; %.2f s wall incl. node start)\n' "$mq" "$mw"
printf 'ratio duckdb/attrib(-n 2) %7.2f     (>1: attrib faster)\n' "$(echo "$mq / $m2" | bc -l)"

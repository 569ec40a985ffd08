#!/usr/bin/env bash
# The identity graph's component pass (bench/README.md, "Identity graph"): FastSV over
# generated graphs held in memory, at -n RANKS, with bench/idgraph_bench.c.
#
#   bench/idgraph.sh [--ranks R] [--links "N1 N2 ..."] [--chains "L1 L2 ..."]
#
# "persons with devices" graphs of each N links (default 10^7 and 10^8) and single
# chains of each length L (default 10^3 .. 10^7: how rounds grow with the diameter).
# Prints the machine's load, a table (seconds, rounds, bytes sent, the largest round,
# the memory the pass counted and VmHWM per rank, apply's time) and the bytes of each
# round. Needs build/attrib-bench-idgraph (cmake --build build --target
# attrib-bench-idgraph); 10^8 links take about 8 GiB per rank at -n 2.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
BENCH=${BENCH:-$SRC/build/attrib-bench-idgraph}
MPIEXEC=${MPIEXEC:-mpirun}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
RANKS=2 LINKS="10000000 100000000" CHAINS="1000 10000 100000 1000000 10000000"
while [ $# -gt 0 ]; do
  case $1 in
    --ranks) RANKS=$2; shift 2 ;;
    --links) LINKS=$2; shift 2 ;;
    --chains) CHAINS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "idgraph.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$BENCH" ] || { echo "idgraph.sh: $BENCH not built" >&2; exit 2; }

field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }

echo "load before: $(uptime)"
echo
printf '| graph | links given | distinct links | vertices | components | oversize | largest | rounds | build s | MiB sent | largest round MiB | counted peak MiB/rank | VmHWM MiB/rank | apply ids | apply s |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
ROUNDS_OUT=""
for spec in $(for n in $LINKS; do echo "persons:$n"; done; for l in $CHAINS; do echo "chain:$l"; done); do
  kind=${spec%%:*} n=${spec#*:}
  out=$("$MPIEXEC" -n "$RANKS" "$BENCH" "$kind" "$n")
  line=$(head -1 <<<"$out")
  rb=$(sed -n 's/^round_bytes=//p' <<<"$out")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
    "$kind" "$n" "$(field "$line" links)" "$(field "$line" vertices)" \
    "$(field "$line" components)" "$(field "$line" oversize)" "$(field "$line" largest)" \
    "$(field "$line" rounds)" "$(field "$line" seconds)" "$(mib "$(field "$line" bytes)")" \
    "$(mib "$(field "$line" max_round_bytes)")" "$(mib "$(field "$line" peak_bytes)")" \
    "$(awk -v k="$(field "$line" vmhwm_kib)" 'BEGIN { printf "%.0f", k / 1024 }')" \
    "$(field "$line" apply_ids)" "$(field "$line" apply_seconds)"
  ROUNDS_OUT+="$kind $n: MiB per round: $(tr ',' '\n' <<<"$rb" | awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $1 / 1048576 }')"$'\n'
done
echo
printf '%s' "$ROUNDS_OUT"
echo
echo "load after: $(uptime)"

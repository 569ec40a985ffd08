#!/usr/bin/env bash
# The measurements of docs/scaling.md (as root; not part of the test suite):
#
#   tests/cluster/measure.sh [ATTRIB_BINARY] [EVENTS]     (default 3000000 events)
#
# Generates EVENTS touches and EVENTS/10 conversions once, then runs `attrib run` on
# them at 1, 2, 3 and 4 ranks on one host (shared memory, as Open MPI chooses on one
# node) and at 1, 2 and 3 hosts x 1 rank and 3 hosts x 2 ranks of the namespace cluster
# (tests/cluster/netns.sh; TCP only), and prints, per run, the progress lines (rows,
# MiB, seconds per phase) and the bytes that crossed the bridge (sum of the ports' rx).
# The input, results and sizes are printed too. Everything is removed at the end.
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
D=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$D/../.." && pwd)
ATTRIB=${1:-${ATTRIB:-$src/build/attrib}}
ATTRIB=$(cd "$(dirname "$ATTRIB")" && pwd)/$(basename "$ATTRIB")
EV=${2:-3000000}
RULES=$src/conf/example.rules.cfg
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-$(dirname "$ATTRIB")/plugin}
export ATTRIB_CLUSTER_NS=atm$$
NS=$ATTRIB_CLUSTER_NS
W=$(mktemp -d /tmp/attrib-measure.XXXXXX)
trap '"$D/netns.sh" down "$NS"; rm -rf "$W"' EXIT
cd "$W"
mkdir ompi
export OMPI_MCA_orte_tmpdir_base=$W/ompi
"$D/netns.sh" up "$NS" 3
NET=10.78.0.0/24
"$ATTRIB" gen --events "$EV" --conversions $((EV / 10)) --seed 5 -q -o in.h5
echo "input: $(stat -c %s in.h5) bytes, $((EV + EV / 10)) rows"
rx() { ip -n "$NS-sw" -s -j link show | python3 -c '
import json, sys
print(sum(l["stats64"]["rx"]["bytes"] for l in json.load(sys.stdin) if l["ifname"].startswith("p")))'; }
for n in 1 2 3 4; do
  echo "== 1 host x $n ranks (shared memory)"
  mpirun --allow-run-as-root --oversubscribe -n $n "$ATTRIB" run -c "$RULES" -i in.h5 -o out.h5 2>&1 | grep '^attrib: '
done
echo "results: $(stat -c %s out.h5) bytes"
for hk in 1:1 2:1 3:1 3:2; do
  h=${hk%:*} k=${hk#*:}
  hosts=$(for i in $(seq 1 "$h"); do printf "10.78.0.1$i:$k,"; done)
  echo "== $h hosts x $k ranks (TCP)"
  b0=$(rx)
  "$D/in-host" 1 mpirun --allow-run-as-root --mca plm_rsh_agent "$D/fake-rsh" --mca plm_rsh_no_tree_spawn 1 \
    --mca btl tcp,self --mca btl_tcp_if_include $NET --mca oob_tcp_if_include $NET \
    --mca mpi_yield_when_idle 1 --bind-to none --host "${hosts%,}" -n $((h * k)) \
    "$ATTRIB" run -c "$RULES" -i "$W/in.h5" -o "$W/out.h5" 2>&1 | grep '^attrib: '
  echo "bridge: $(( $(rx) - b0 )) bytes"
done

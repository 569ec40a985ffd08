#!/bin/sh
# A small cluster of "hosts" on one machine, for tests/cluster/e2e.sh:
#
#   netns.sh up PREFIX N     switch namespace PREFIX-sw (bridge br0, ports p1..pN) and
#                            host namespaces PREFIX-h1..PREFIX-hN, each with eth0 (a veth
#                            into the bridge) at 10.78.0.1I/24 and lo up
#   netns.sh check PREFIX N  every host reaches every other over TCP (tests/cluster/probe.py)
#   netns.sh heal PREFIX N   after a port of the bridge was set down and up again: wait
#                            until every link has its carrier, flush every host's
#                            neighbour (ARP) table, then check
#   netns.sh down PREFIX     kill every pid left in those namespaces, delete them
#   netns.sh --help
#
# The test subnet 10.78.0.0/24 exists only inside PREFIX-*: no route, no address and no
# link in the root namespace, nothing can leave; two clusters with different prefixes
# (two test runs at once) are separate networks. lo must be up: PMIx talks to its
# clients over 127.0.0.1 and a namespace without lo hangs MPI_Init. IPv6 is off so only
# the test addresses exist; net.ipv4.tcp_retries2 is 3 in each host (docs/cluster.md).
# Why heal: with ARP left dynamic (as this script first did), while a port is down the
# cut-off host's processes keep sending, so its ARP entries for the other hosts go
# INCOMPLETE (probes that cannot arrive). Such an entry outlives the processes and the
# outage: it fails once its probes run out (up to 3 s later), and a connection opened
# in between, though the link is back, fails with EHOSTUNREACH. A new Open MPI daemon
# started then on that host cannot reach mpirun, exits 1, and, being daemonised, is
# never missed: mpirun waits for it forever (what made the cluster test's rerun after a
# partition hang, 5 times in 16 tries). The hosts' entries are now permanent (up); heal
# still flushes any other stale entry, checks the permanent ones are there, and proves
# TCP between every pair before anything is launched.
# Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN).
set -eu
NET=10.78.0
here=$(cd "$(dirname "$0")" && pwd)
check() { # PREFIX N: TCP from every host to every other; a failure is retried twice, loudly
  local P=$1 N=$2 i j a t pf
  pf=$(mktemp -u /tmp/attrib-probe.XXXXXX)
  for i in $(seq 1 "$N"); do
    for j in $(seq 1 "$N"); do
      [ "$i" != "$j" ] || continue
      for a in 1 2 3; do
        rm -f "$pf"
        ip netns exec "$P-h$j" /usr/bin/python3 "$here/probe.py" listen "$NET.1$j" "$pf" &
        t=0
        while [ ! -s "$pf" ] && [ $t -lt 100 ]; do sleep 0.02; t=$((t + 1)); done
        if [ -s "$pf" ] && out=$(ip netns exec "$P-h$i" /usr/bin/python3 "$here/probe.py" connect "$NET.1$j" "$(cat "$pf")"); then
          wait $! || true
          break
        fi
        kill $! 2>/dev/null || true; wait $! 2>/dev/null || true
        echo "netns: WARNING: h$i cannot reach h$j over TCP (attempt $a of 3): ${out:-no listener}" >&2
        [ $a -lt 3 ] || { rm -f "$pf"; echo "netns: h$i cannot reach h$j" >&2; return 1; }
        sleep 1
      done
    done
  done
  rm -f "$pf"
}
case "${1:-}" in
-h|--help)
  sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
up)
  P=$2 N=$3
  ip netns add "$P-sw"
  ip -n "$P-sw" link set lo up
  ip -n "$P-sw" link add br0 type bridge stp_state 0 forward_delay 0
  ip -n "$P-sw" link set br0 up
  i=1
  while [ "$i" -le "$N" ]; do
    ns=$P-h$i
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    # A connection with data in flight to a host cut off gives up after 3 retransmissions
    # (~3 s) instead of 15 (~15 min): what docs/cluster.md asks of a site's nodes, so that
    # mpirun's message to a lost host's daemon fails and the job can end.
    ip netns exec "$ns" sysctl -qw net.ipv4.tcp_retries2=3
    # Created in the switch namespace, its peer moved straight into the host: the root
    # namespace never holds either end.
    ip -n "$P-sw" link add "p$i" type veth peer name eth0 netns "$ns"
    ip -n "$P-sw" link set "p$i" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$NET.1$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    i=$((i + 1))
  done
  # Static (permanent) ARP entries between the hosts, as many clusters preload them: no
  # address resolution on the test network, so neither an outage (below, "Why heal")
  # nor cores too busy to answer an ARP probe within its 3 s can fail a connection.
  macs=""
  i=1
  while [ "$i" -le "$N" ]; do
    macs="$macs $(ip -n "$P-h$i" -j link show eth0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')"
    i=$((i + 1))
  done
  i=1
  while [ "$i" -le "$N" ]; do
    j=1
    for mac in $macs; do
      [ "$j" = "$i" ] || ip -n "$P-h$i" neigh replace "$NET.1$j" lladdr "$mac" dev eth0 nud permanent
      j=$((j + 1))
    done
    i=$((i + 1))
  done
  i=1
  while [ "$i" -le "$N" ]; do
    ip -n "$P-h$i" -br addr show eth0 | grep -q "UP.*$NET.1$i/24" ||
      { echo "netns: $P-h$i: eth0 is not up with $NET.1$i/24" >&2; exit 1; }
    i=$((i + 1))
  done
  check "$P" "$N" ;;
check)
  check "$2" "$3" ;;
heal)
  P=$2 N=$3 t=0
  # carrier on both ends of every link (a veth's peer gets its carrier back with it)
  while ip -n "$P-sw" -br link | grep -E '^p[0-9]+@' | grep -qv LOWER_UP ||
    for i in $(seq 1 "$N"); do ip -n "$P-h$i" -br link show eth0; done | grep -qv LOWER_UP; do
    [ $t -lt 50 ] || { echo "netns: heal: a link has no carrier after 5 s" >&2; exit 1; }
    sleep 0.1; t=$((t + 1))
  done
  for i in $(seq 1 "$N"); do
    [ "$(ip -n "$P-h$i" neigh show nud permanent | wc -l)" = $((N - 1)) ] ||
      { echo "netns: heal: h$i lost its static ARP entries: $(ip -n "$P-h$i" neigh)" >&2; exit 1; }
    stale=$(ip -n "$P-h$i" neigh show nud incomplete; ip -n "$P-h$i" neigh show nud failed)
    [ -z "$stale" ] || echo "netns: heal: h$i: flushing stale neighbour entries: $(echo $stale)"
    ip -n "$P-h$i" neigh flush all
  done
  check "$P" "$N"
  echo "netns: healed: every link has its carrier, static ARP in place, TCP between every pair of the $N hosts" ;;
down)
  P=$2
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$P-(sw|h[0-9]+)\$" || true); do
    pids=$(ip netns pids "$ns" || true)
    if [ -n "$pids" ]; then
      echo "netns: killing pids left in $ns: $(echo $pids)" >&2
      kill -9 $pids 2>/dev/null || true
    fi
    ip netns del "$ns"
  done ;;
*)
  echo "usage: netns.sh up PREFIX N | check PREFIX N | heal PREFIX N | down PREFIX | --help" >&2; exit 2 ;;
esac

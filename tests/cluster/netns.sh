#!/bin/sh
# A small cluster of "hosts" on one machine, for tests/cluster/e2e.sh:
#
#   netns.sh up PREFIX N     switch namespace PREFIX-sw (bridge br0, ports p1..pN) and
#                            host namespaces PREFIX-h1..PREFIX-hN, each with eth0 (a veth
#                            into the bridge) at 10.78.0.1I/24 and lo up
#   netns.sh down PREFIX     kill every pid left in those namespaces, delete them
#   netns.sh --help
#
# The test subnet 10.78.0.0/24 exists only inside PREFIX-*: no route, no address and no
# link in the root namespace, nothing can leave; two clusters with different prefixes
# (two test runs at once) are separate networks. lo must be up: PMIx talks to its
# clients over 127.0.0.1 and a namespace without lo hangs MPI_Init. IPv6 is off so only
# the test addresses exist; net.ipv4.tcp_retries2 is 3 in each host (docs/cluster.md).
# Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN).
set -eu
NET=10.78.0
case "${1:-}" in
-h|--help)
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
  i=1
  while [ "$i" -le "$N" ]; do
    ip -n "$P-h$i" -br addr show eth0 | grep -q "UP.*$NET.1$i/24" ||
      { echo "netns: $P-h$i: eth0 is not up with $NET.1$i/24" >&2; exit 1; }
    i=$((i + 1))
  done ;;
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
  echo "usage: netns.sh up PREFIX N | down PREFIX | --help" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# attrib on a cluster of three hosts on one machine (as root):
#
#   tests/cluster/e2e.sh [ATTRIB_BINARY]        (default: $ATTRIB, else build/attrib)
#
# The hosts are Linux network namespaces atcPID-h1..h3 (tests/cluster/netns.sh),
# each with its own address on the test subnet 10.78.0.0/24, its own hostname (h1..h3,
# a UTS namespace per launch) and lo up, joined by a bridge in a fourth namespace, with
# static ARP entries for each other (netns.sh: why); the subnet has no route to
# anything else. mpirun runs on h1 and starts its daemons on h2
# and h3 through tests/cluster/fake-rsh (the stand-in for ssh); the transport is TCP
# only (btl tcp,self: no shared memory, even between two ranks of one host). The file
# system is the machine's, shared by every host, as a cluster's parallel file system.
#
# Checked:
#   1. the hosts are distinct: each rank prints its hostname and address; the byte
#      counters of the bridge ports grow by the run's exchange;
#   2. gen --links, import --links, run (--explain --labels --compare all --journeys;
#      stitched, with the example rules, and --no-stitch with
#      tests/cluster/models.rules.cfg: every model and preset, one per advertiser),
#      explain and report across the hosts at 3x1 and 3x2 ranks give the same tables, bit for bit (every
#      dataset, its type and values: h5dump -A 0 -m %.17g), as one process on one host;
#   3. faults: both ranks of h3 SIGKILLed as each phase of run begins (the test hook
#      ATTRIB_TEST_CRASH; each ending within 20 s), all of h3's ranks killed from
#      outside by pid, h3's launcher daemon (orted) killed (10 s): the job ends non-zero within seconds, no output file (for
#      the daemon: none, or a complete and identical one when its orphaned ranks
#      finished the job before mpirun noticed), and the rerun is identical;
#   4. a network partition (h3's bridge port set down mid-run): attrib's silence
#      watchdog (ATTRIB_SILENCE_TIMEOUT, docs/cluster.md) ends the job with exit 3 within
#      its bound (20 s), naming the phase and ranks 4 and 5 on h3; no output; after the link is
#      back (netns.sh heal: carriers, stale ARP entries flushed, TCP between every pair
#      of hosts), the rerun is identical.
# Bounded: ATTRIB_CLUSTER_TEST_TIMEOUT seconds (default 420) for the whole test, every
# mpirun by its own timeout; the namespaces and everything in them are removed on any
# exit (trap). KEEP=1 keeps the temp dir.
# Exit 0 pass, 1 fail, 77 skipped: not root, or network namespaces cannot be created here.
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
D=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$D/../.." && pwd)
ATTRIB=${1:-${ATTRIB:-$src/build/attrib}}
ATTRIB=$(cd "$(dirname "$ATTRIB")" && pwd)/$(basename "$ATTRIB")
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-$(dirname "$ATTRIB")/plugin}
limit=${ATTRIB_CLUSTER_TEST_TIMEOUT:-420}
RULES=$src/conf/example.rules.cfg
t_start=$SECONDS

if [ "$(id -u)" != 0 ]; then echo "cluster: SKIP: needs root (network namespaces)"; exit 77; fi
if ! command -v ip >/dev/null && command -v apt-get >/dev/null; then
  # iproute2 is not in every Debian image (scripts/deps.sh does not list it yet)
  echo "cluster: installing iproute2 (ip)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends iproute2 >/dev/null ||
    echo "cluster: apt-get install iproute2 failed"
fi
for t in ip unshare; do
  command -v $t >/dev/null || { echo "cluster: SKIP: $t not installed: network namespaces cannot be made"; exit 77; }
done
for t in mpirun h5dump /usr/bin/python3; do
  command -v $t >/dev/null || { echo "cluster: FAIL: $t not installed (scripts/deps.sh --test)"; exit 1; }
done
[ -x "$ATTRIB" ] || { echo "cluster: FAIL: no attrib binary at $ATTRIB"; exit 1; }

# A prefix of our own: two runs at once are two separate clusters.
export ATTRIB_CLUSTER_NS=atc$$
NS=$ATTRIB_CLUSTER_NS
SW=$NS-sw
if ! ip netns add "$NS-probe" 2>/dev/null; then
  echo "cluster: SKIP: network namespaces cannot be created here ('ip netns add' refused: no CAP_SYS_ADMIN/CAP_NET_ADMIN, or a sandbox)"
  exit 77
fi
ip netns del "$NS-probe"

W=$(mktemp -d /tmp/attrib-cluster.XXXXXX)
BG=() # pids of background jobs of ours
cleanup() {
  rc=$?
  for p in "${BG[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  "$D/netns.sh" down "$NS" || true
  if [ -n "$(ip netns list | awk '{print $1}' | grep "^$NS-" || true)" ]; then
    echo "cluster: FAIL: namespaces left: $(ip netns list | grep "^$NS-")" >&2; rc=1
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "cluster: kept $W"; else rm -rf "$W"; fi
  exit $rc
}
trap cleanup EXIT
trap 'echo "cluster: FAIL: interrupted" >&2; exit 1' INT TERM
fail() { echo "cluster: FAIL: $*" >&2; exit 1; }
left() { [ $((SECONDS - t_start)) -lt "$limit" ] || fail "over the time limit of $limit s"; }
cd "$W"
mkdir ompi

"$D/netns.sh" up "$NS" 3
# Nothing leaves: no default route in any host, no test address in the root namespace.
for i in 1 2 3; do
  [ -z "$(ip -n "$NS-h$i" route show default)" ] || fail "h$i has a default route"
done
! ip -br addr | grep -q "10\.78\." || fail "the root namespace holds a test address"

H1=10.78.0.11 H2=10.78.0.12 H3=10.78.0.13
NET=10.78.0.0/24
# mpi_yield_when_idle: the "hosts" share this machine's cores, but each mpirun sees
# only its own slots and does not know it oversubscribes them; ranks that spin while
# they wait then starve the rank they wait for (1000 MPI_Allreduce across the three
# hosts: 5-7 s spinning, 0.15-0.6 s yielding, on 2 busy cores). A real cluster has a
# core per rank and no need of it.
mpi() { # SLOTS_PER_HOST SECONDS ARGS... : mpirun on h1 across the three hosts
  local k=$1 s=$2; shift 2
  timeout -k 5 "$s" "$D/in-host" 1 mpirun --allow-run-as-root \
    --mca plm_rsh_agent "$D/fake-rsh" --mca plm_rsh_no_tree_spawn 1 \
    --mca btl tcp,self --mca btl_tcp_if_include $NET --mca oob_tcp_if_include $NET \
    --mca oob_tcp_keepalive_time 2 --mca oob_tcp_keepalive_intvl 1 --mca oob_tcp_keepalive_probes 3 \
    --mca orte_tmpdir_base "$W/ompi" --mca mpi_yield_when_idle 1 --bind-to none \
    --host "$H1:$k,$H2:$k,$H3:$k" -n $((3 * k)) "$@"
}
one() { OMPI_MCA_orte_tmpdir_base=$W/ompi "$ATTRIB" "$@"; } # one process, the root namespace
port_bytes() { # "p1 RX TX p2 RX TX p3 RX TX" (bytes through each bridge port)
  ip -n "$SW" -s -j link show | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    if l["ifname"] in ("p1", "p2", "p3"):
        s = l["stats64"]
        print(l["ifname"], s["rx"]["bytes"], s["tx"]["bytes"], end=" ")
print()'
}
dump() { h5dump -A 0 -m %.17g "$1" | tail -n +2; } # every dataset: type, shape, values
same() { # REF OUT WHAT
  dump "$1" >"$W/d1.txt"; dump "$2" >"$W/d2.txt"
  [ "$(wc -l <"$W/d1.txt")" -gt 50 ] || fail "$3: too little in $1"
  cmp -s "$W/d1.txt" "$W/d2.txt" || fail "$3: tables differ from one host: $(diff "$W/d1.txt" "$W/d2.txt" | head -5)"
}
no_pids_left() { # NS SECONDS: every process of a failed job gone from the host
  local n=0
  while [ -n "$(ip netns pids "$1")" ]; do
    [ $n -lt $(($2 * 10)) ] || fail "$1: processes left: $(ip netns pids "$1" | xargs -r ps -o pid=,comm= -p)"
    sleep 0.1; n=$((n + 1))
  done
}

# ---- 1. distinct hosts
echo "== hosts: each rank's hostname and address (3 hosts x 2 ranks)"
mpi 2 30 sh -c 'echo "rank $OMPI_COMM_WORLD_RANK: $(hostname) $(ip -br -4 addr show eth0 | tr -s " ")"' >ranks.txt
sort -n -k2 ranks.txt | sed 's/^/  /'
for r in 0 1 2 3 4 5; do
  i=$((r / 2 + 1))
  grep -qE "^rank $r: h$i eth0(@if[0-9]+)? UP 10\.78\.0\.1$i/24 *$" ranks.txt || fail "rank $r not on h$i: $(cat ranks.txt)"
done

# ---- 2. same tables as one host
echo "== tables across hosts = one host"
# With an identity graph (devices per person, hubs: /links), so that import's links and
# run's stitching (its connected components computed across the ranks) cross hosts too.
GEN="--events 60000 --conversions 6000 --seed 11 --links"
one gen $GEN -q -o gen1.h5
one gen $GEN -q --csv csv
for k in 1 2; do
  mpi $k 40 "$ATTRIB" gen $GEN -q -o "$W/gen$k.x.h5"
  same gen1.h5 gen$k.x.h5 "gen 3x$k"
done
one import --events csv/events.csv --conversions csv/conversions.csv --campaigns csv/campaigns.csv \
  --links csv/links.csv -q -o imp1.h5
for k in 1 2; do
  mpi $k 40 "$ATTRIB" import --events "$W/csv/events.csv" --conversions "$W/csv/conversions.csv" \
    --campaigns "$W/csv/campaigns.csv" --links "$W/csv/links.csv" -q -o "$W/imp$k.x.h5"
  same imp1.h5 imp$k.x.h5 "import 3x$k"
done
echo "PASS gen --links and import --links at 3x1 and 3x2 ranks ($((SECONDS - t_start)) s so far)"
before=$(port_bytes)
# Every optional output at once: /explain/conversion, /labels, /report/models (every
# model), /report/paths, /report/markov, /report/shapley.
XOPT="--explain --labels --compare all --journeys"
# Two rule sets: the example's (per-campaign lookbacks and types, a version switch) and
# tests/cluster/models.rules.cfg (every model, one per advertiser, presets, a switch to
# markov mid-month, a Markov chain of order 2), so one run exercises every model's
# credits, and --compare all every model on every conversion. The first stitches (the
# input has /links: /report/identity, merged persons), the second runs --no-stitch.
MODELS=$D/models.rules.cfg
one run -q -c "$RULES" -i imp1.h5 -o ref.h5 $XOPT
one run -q -c "$MODELS" -i imp1.h5 -o ref.m.h5 $XOPT --no-stitch
h5ls ref.h5/report/identity >/dev/null 2>&1 || fail "the stitched run wrote no /report/identity"
# every model credits rows in the models run (/credits names no model: by advertiser)
[ "$(one export ref.m.h5 credits | awk -F, 'NR > 1 {a[$2]} END {print length(a)}')" = 10 ] ||
  fail "the models run credits fewer than 10 advertisers"
for k in 1 2; do
  mpi $k 60 "$ATTRIB" run -c "$RULES" -i "$W/imp1.h5" -o "$W/run$k.h5" $XOPT 2>run$k.err
  same ref.h5 run$k.h5 "run $XOPT 3x$k"
  mpi $k 60 "$ATTRIB" run -q -c "$MODELS" -i "$W/imp1.h5" -o "$W/run$k.m.h5" $XOPT --no-stitch
  same ref.m.h5 run$k.m.h5 "run (every model) $XOPT --no-stitch 3x$k"
done
after=$(port_bytes)
grep -E "^attrib: (stitch|exchange|run done)" run2.err | sed 's/^/  3x2: /'
echo "  bridge port bytes (port rx tx) before: $before"
echo "  bridge port bytes (port rx tx) after:  $after"
# Each host's port carried at least half of what the 3x1 exchange sends it (two thirds
# of its rows come from the other hosts); a run over shared memory would leave them flat.
xch=$(awk '/^attrib: exchange/ {print int($5 * 1048576)}' run1.err)
[ -n "$xch" ] && [ "$xch" -gt 100000 ] || fail "no exchange line in the 3x1 run: $(cat run1.err)"
read -r -a b <<<"$before"; read -r -a a <<<"$after"
for j in 0 3 6; do
  d=$((a[j + 2] - b[j + 2]))
  [ "$d" -gt $((xch / 6)) ] || fail "port ${a[j]}: only $d bytes to its host during the runs (exchange $xch bytes)"
done
for fmt in text csv json; do
  one report ref.h5 --format $fmt -o rep1.$fmt
  one report run2.h5 --format $fmt -o rep2.$fmt
  # The header names the file, the input as given and the rank count: the rest is equal.
  norm() { sed -e "s|$W/||g" -e 's/run2\.h5/ref.h5/g' -e 's/\b[16] ranks\?\b/N ranks/g' -e 's/"ranks": [16]\b/"ranks": N/' "$1"; }
  [ "$(wc -l <rep1.$fmt)" -gt 5 ] || fail "report --format $fmt: too short"
  diff <(norm rep1.$fmt) <(norm rep2.$fmt) || fail "report --format $fmt differs"
done
echo "PASS run $XOPT (stitched: the identity graph across hosts) at 3x1 and 3x2 ranks, reports equal"
echo "PASS run, every model, at 3x1 and 3x2 ranks ($((SECONDS - t_start)) s so far)"
left
# explain: credited conversions, one unattributed.
ids=$(one export ref.h5 credits | awk -F, 'NR == 1000 {print $1 "," $2}')
ids="$ids $(one export ref.h5 unattributed | awk -F, 'NR == 2 {print $1 "," $2}')"
[ "$(echo $ids | wc -w)" = 2 ] || fail "too few conversions to explain"
for ca in $ids; do
  c=${ca%,*} a=${ca#*,}
  one explain -c "$RULES" -i imp1.h5 --conversion "$c" --advertiser "$a" --json >x1.json
  for k in 1 2; do
    mpi $k 40 "$ATTRIB" explain -c "$RULES" -i "$W/imp1.h5" --conversion "$c" --advertiser "$a" --json >x$k.x.json
    [ -s x1.json ] && cmp -s x1.json x$k.x.json || fail "explain $c/$a at 3x$k differs"
  done
done
echo "PASS explain of a credited and an unattributed conversion at 3x1 and 3x2 ranks"
left

# ---- 3. faults
echo "== faults ($((SECONDS - t_start)) s so far): a host lost (3 hosts x 2 ranks; h3 holds ranks 4 and 5)"
one gen --events 30000 --conversions 3000 --seed 5 --links -q -o fin.h5 # (--links: a stitch phase)
one run -q -c "$RULES" -i fin.h5 -o fref.h5
dump fref.h5 >fref.txt
# For the faults from outside and the partition: enough rows that the run is still
# exchanging when the host is hit, once its plan line is out. Made on the side while the
# faults in each phase run (they mostly wait for Open MPI to notice the lost host).
TABLES="credits unattributed report/campaign report/daily report/daily_touch report/advertiser"
(
  one gen --events 1000000 --conversions 100000 --seed 6 -q -o part.h5
  one run -q -c "$RULES" -i part.h5 -o pref.h5
  for t in $TABLES; do one export pref.h5 $t >"pref.${t//\//_}.csv"; done
) >prep.log 2>&1 &
prep=$!; BG+=($prep)
rerun_part() { # WHAT: the same, for part.h5 (every table through attrib export)
  rm -f out.h5
  mpi 2 60 "$ATTRIB" run -q -c "$RULES" -i "$W/part.h5" -o "$W/out.h5" || fail "$1: the rerun failed"
  [ ! -e out.h5.tmp ] || fail "$1: out.h5.tmp left by the rerun"
  for t in $TABLES; do
    cmp -s "pref.${t//\//_}.csv" <(one export out.h5 $t) || fail "$1: the rerun's $t differs"
  done
}
rerun_same() { # WHAT OUT: a clean rerun over the debris (3 hosts x 1 rank) equals the reference
  rm -f "$2"
  mpi 1 60 "$ATTRIB" run -q -c "$RULES" -i "$W/fin.h5" -o "$W/$2" || fail "$1: the rerun failed"
  [ ! -e "$2.tmp" ] || fail "$1: $2.tmp left by the rerun"
  dump "$2" >"$2.txt"
  cmp -s fref.txt "$2.txt" || fail "$1: the rerun differs"
}
crash() { # PHASE: both ranks of h3 kill themselves as PHASE begins; then the rerun
  local phase=$1 out=out.$1.h5 rc=0 t0 ms
  rm -f "$out" "$out.tmp"
  t0=$(date +%s%N)
  mpi 2 60 sh -c 'r=$OMPI_COMM_WORLD_RANK; [ "$r" -lt 4 ] || export ATTRIB_TEST_CRASH="$0:$r"; shift; exec "$@"' \
    "$phase" - "$ATTRIB" run -q -c "$RULES" -i "$W/fin.h5" -o "$W/$out" >"o.$phase.txt" 2>"e.$phase.txt" || rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ $rc != 0 ] && [ $rc != 124 ] || fail "kill h3 in $phase: exit $rc: $(tail -5 "e.$phase.txt")"
  [ $ms -lt 20000 ] || fail "kill h3 in $phase: took $ms ms (bound 20 s)"
  # mpirun names the first failure it sees: the killed rank 4 or 5 (signal 9), or a rank
  # of another host that died writing to them (SIGPIPE) or gave up (non-zero exit).
  grep -qE "process rank [0-9]+ .*exited on signal|exited with non-zero status|rank [0-9]+ .*signal 9" "e.$phase.txt" ||
    fail "kill h3 in $phase: mpirun named no failed process: $(cat "e.$phase.txt")"
  [ ! -e "$out" ] || fail "kill h3 in $phase: $out exists"
  rerun_same "kill h3 in $phase" "$out"
  echo "PASS both ranks of h3 killed as $phase begins: exit $rc after $ms ms; rerun identical"
}
# One after the other: three such jobs at once on two loaded cores starved the kernel's
# own network work (a connection between ranks timed out and the job hung).
for phase in rules read stitch plan exchange match fit reduce sort write; do
  (crash "$phase") || fail "kill h3 in $phase (above)"
  left
done
no_pids_left "$NS-h3" 15
wait $prep || fail "making part.h5 and its reference failed: $(cat prep.log)"
# From outside, by pid: h3's ranks, then h3's launcher daemon, once the exchange runs.
for what in ranks orted; do
  rm -f out.h5 out.h5.tmp o.txt e.txt # (a stale e.txt would show the plan line at once)
  mpi 2 60 "$ATTRIB" run -c "$RULES" -i "$W/part.h5" -o "$W/out.h5" >o.txt 2>e.txt &
  job=$!; BG+=($job)
  n=0
  until grep -q "^attrib: plan" e.txt 2>/dev/null; do
    [ $n -lt 300 ] && kill -0 $job 2>/dev/null || fail "kill $what: the run never reached its plan: $(cat e.txt)"
    sleep 0.05; n=$((n + 1))
  done
  pids=$(for p in $(ip netns pids "$NS-h3"); do
    c=$(cat /proc/$p/comm 2>/dev/null || true)
    if [ "$what" = ranks ] && [ "$c" = attrib ]; then echo $p; fi
    if [ "$what" = orted ] && [ "$c" = orted ]; then echo $p; fi
  done)
  [ -n "$pids" ] || fail "kill $what: none found in h3"
  t0=$(date +%s%N)
  kill -9 $pids
  rc=0; wait $job || rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ $rc != 0 ] && [ $rc != 124 ] || fail "kill $what of h3: exit $rc: $(tail -5 e.txt)"
  [ $ms -lt 10000 ] || fail "kill $what of h3: the job ended $ms ms after"
  note=""
  if [ -e out.h5 ]; then
    # Only for the daemon: its ranks live on without it (orphans) and may finish the
    # job, rename included, in the ~2 s mpirun takes to notice the daemon is gone. Then
    # every rank succeeded and the output must be complete and right.
    [ "$what" = orted ] || fail "kill $what of h3: out.h5 exists"
    for t in $TABLES; do
      cmp -s "pref.${t//\//_}.csv" <(one export out.h5 $t) || fail "kill orted of h3: out.h5 exists and its $t differs"
    done
    note=" (the orphaned ranks had finished the job: out.h5 complete and identical)"
  fi
  no_pids_left "$NS-h3" 15
  rerun_part "kill $what of h3"
  echo "PASS h3's $what (pids $(echo $pids)) killed from outside mid-run: exit $rc after $ms ms$note; rerun identical"
  left
done

# ---- 4. a network partition
echo "== partition ($((SECONDS - t_start)) s so far): h3's link down mid-run, ATTRIB_SILENCE_TIMEOUT=3"
rm -f out.h5 out.h5.tmp o.txt e.txt
ATTRIB_SILENCE_TIMEOUT=3 mpi 2 60 -x ATTRIB_SILENCE_TIMEOUT "$ATTRIB" run -c "$RULES" \
  -i "$W/part.h5" -o "$W/out.h5" >o.txt 2>e.txt &
job=$!; BG+=($job)
n=0
until grep -q "^attrib: plan" e.txt 2>/dev/null; do
  [ $n -lt 300 ] && kill -0 $job 2>/dev/null || fail "partition: the run never reached its plan: $(cat e.txt)"
  sleep 0.05; n=$((n + 1))
done
ip -n "$SW" link set p3 down
t0=$(date +%s%N)
rc=0; wait $job || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
grep "silence\|no word" e.txt | sed 's/^/  /' || true
[ $rc = 3 ] || fail "partition: exit $rc (want 3) after $ms ms: $(cat e.txt)"
# The bound: 3 s of silence, then mpirun's own give-up on h3's daemon (tcp_retries2=3).
[ $ms -lt 20000 ] || fail "partition: the job ended $ms ms after the link went down (bound 20 s)"
grep -qE "^attrib: run: rank 0: no word for 3 s from ranks 4 \(h3, silent [0-9.]+ s, last heard in '[a-z-]+'\), 5 \(h3, silent [0-9.]+ s, last heard in '[a-z-]+'\), during phase '(exchange|match|fit|reduce|sort|write)'" e.txt ||
  fail "partition: no message naming ranks 4 and 5 of h3 and the phase: $(cat e.txt)"
[ ! -e out.h5 ] || fail "partition: out.h5 exists"
# The cut-off side ends too: its ranks hear nothing from rank 0, its daemon loses mpirun.
no_pids_left "$NS-h3" 15
ip -n "$SW" link set p3 up
# The link back: carriers up, stale ARP entries of the outage flushed, every host reaching
# every other (tests/cluster/netns.sh, "Why heal flushes"), then the rerun.
"$D/netns.sh" heal "$NS" 3 | sed 's/^/  /' || fail "partition: the network did not heal"
# The same job again, the link back: equal to one process on one host (every table).
rerun_part "partition"
echo "PASS partition: exit 3 after $ms ms, the silent ranks named; h3 emptied itself; rerun identical"
echo "cluster: ok ($((SECONDS - t_start)) s)"

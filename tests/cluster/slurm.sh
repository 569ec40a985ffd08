#!/usr/bin/env bash
# Slurm across the three hosts of the namespace cluster (as root; Debian's slurm-wlm and
# munge installed):
#
#   tests/cluster/slurm.sh [ATTRIB_BINARY]      (default: $ATTRIB, else build/attrib)
#
# Brings up the hosts of tests/cluster/netns.sh (prefix atsPID), munged in the root
# namespace (its socket is a file path, so every namespace reaches it), slurmctld on h1
# and one `slurmd -N hI` per host, each in its host's network namespace (NodeAddr
# 10.78.0.1I) with its own hostname and its own node-local PMIx directory (a mount
# namespace per slurmd: the hosts share /tmp, and PMIx's per-step directory would
# collide). Then checks:
#   1. the three nodes idle; `srun -N3 -n6` puts two tasks on each host (hostname,
#      address);
#   2. `srun --mpi=pmix` (TCP only: OMPI_MCA_btl=tcp,self on the test subnet) of attrib
#      run on 3 nodes x 2 tasks gives tables bit-identical to one process on one host,
#      and the bridge ports carry the exchange;
#   3. the monthly chain (slurm/monthly.sh: import, run, report, reconcile, status) of
#      a generated month on the 3 nodes (import 3 tasks, run 6, one per node and two per
#      node): every job COMPLETED 0:0 on the nodes asked, the run step's NodeList is all
#      three, report.csv equal to a direct one-process run and reconciled "match", every
#      node idle after.
# Bounded: ATTRIB_CLUSTER_SLURM_TIMEOUT seconds (default 180); daemons are stopped by
# pid and the namespaces removed on any exit. KEEP=1 keeps the temp dir.
# Exit 0 pass, 1 fail, 77 skipped: not root, Slurm or munge not installed, or network
# namespaces cannot be created here.
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
D=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$D/../.." && pwd)
ATTRIB=${1:-${ATTRIB:-$src/build/attrib}}
ATTRIB=$(cd "$(dirname "$ATTRIB")" && pwd)/$(basename "$ATTRIB")
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-$(dirname "$ATTRIB")/plugin}
limit=${ATTRIB_CLUSTER_SLURM_TIMEOUT:-180}
PY=/usr/bin/python3
t0=$SECONDS

if [ "$(id -u)" != 0 ]; then echo "cluster slurm: SKIP: needs root"; exit 77; fi
for t in slurmctld slurmd munged sbatch srun nsenter unshare ip; do
  command -v $t >/dev/null || { echo "cluster slurm: SKIP: $t not installed (apt-get install slurm-wlm munge)"; exit 77; }
done
[ -x "$ATTRIB" ] || { echo "cluster slurm: FAIL: no attrib binary at $ATTRIB"; exit 1; }
export ATTRIB_CLUSTER_NS=ats$$
NS=$ATTRIB_CLUSTER_NS
if ! ip netns add "$NS-probe" 2>/dev/null; then
  echo "cluster slurm: SKIP: network namespaces cannot be created here ('ip netns add' refused)"
  exit 77
fi
ip netns del "$NS-probe"

T=$(mktemp -d /tmp/attrib-cluster-slurm.XXXXXX)
chmod 0755 "$T" # munged (user munge) must reach its socket under it
S=$T/slurm
stop_slurm() {
  local p f i
  if [ -f "$S/slurm.conf" ]; then
    timeout 10 nsenter --net="/run/netns/$NS-h1" scancel --state=PENDING,RUNNING -u root 2>/dev/null || true
    timeout 10 nsenter --net="/run/netns/$NS-h1" scontrol shutdown >/dev/null 2>&1 || true
  fi
  for f in "$S"/run/*.pid; do
    [ -s "$f" ] || continue
    p=$(tr -dc 0-9 <"$f")
    for i in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$p" 2>/dev/null && { echo "cluster slurm: $(basename "$f" .pid) ($p) still running, SIGKILL" >&2; kill -9 "$p" 2>/dev/null; }
  done
  if [ -s "$S/munge/munged.pid" ]; then
    p=$(tr -dc 0-9 <"$S/munge/munged.pid")
    kill "$p" 2>/dev/null || true
    for i in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
  fi
}
cleanup() {
  local rc=$?
  stop_slurm || true
  "$D/netns.sh" down "$NS" || true
  if [ "${KEEP:-0}" = 1 ] || [ $rc != 0 ]; then echo "cluster slurm: files kept in $T"; else rm -rf "$T"; fi
  exit $rc
}
trap cleanup EXIT
trap 'echo "cluster slurm: FAIL: interrupted" >&2; exit 1' INT TERM
logs() {
  for f in "$S"/log/*.log; do [ -f "$f" ] && { echo "---- $f"; tail -n 15 "$f"; }; done
  for f in "$T"/data/months/*/status.txt "$T"/data/months/*/logs/*.log; do
    [ -f "$f" ] && { echo "---- $f"; tail -n 10 "$f"; }
  done
}
fail() { echo "cluster slurm: FAIL: $*" >&2; logs >&2; exit 1; }
ok() { echo "cluster slurm: ok: $*"; }
left() { [ $((SECONDS - t0)) -lt "$limit" ] || fail "over the time limit of $limit s"; }
on1() { nsenter --net="/run/netns/$NS-h1" "$@"; } # a Slurm client, on the test network

"$D/netns.sh" up "$NS" 3

# --- munge, slurm.conf, the daemons --------------------------------------------------
mkdir -p "$S"/{munge,state,spool/h1,spool/h2,spool/h3,log,run,nodetmp,tmp-h1,tmp-h2,tmp-h3}
chown munge:munge "$S/munge"
chmod 0755 "$S" "$S/munge"
chmod 1777 "$S"/tmp-h*
sock=$S/munge/munge.socket
runuser -u munge -- munged --socket="$sock" --pid-file="$S/munge/munged.pid" \
  --log-file="$S/munge/munged.log" --seed-file="$S/munge/munged.seed" || fail "munged did not start"
n=0
until munge -S "$sock" -n 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1; do
  [ $n -lt 40 ] || fail "munge -n | unmunge fails"; sleep 0.25; n=$((n + 1))
done
cat >"$S/slurm.conf" <<EOF
# Written by tests/cluster/slurm.sh: Slurm on the three namespace hosts.
ClusterName=attribcluster
MailProg=/bin/true
SlurmctldHost=h1(10.78.0.11)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool/%n
SlurmctldPidFile=$S/run/slurmctld.pid
SlurmdPidFile=$S/run/slurmd.%n.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.%n.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=pmix
EnforcePartLimits=ALL
DependencyParameters=kill_invalid_depend
MinJobAge=600
ReturnToService=2
KillWait=5
InactiveLimit=0
TmpFS=$S/nodetmp
NodeName=h1 NodeAddr=10.78.0.11 CPUs=2 RealMemory=1000 State=UNKNOWN
NodeName=h2 NodeAddr=10.78.0.12 CPUs=2 RealMemory=1000 State=UNKNOWN
NodeName=h3 NodeAddr=10.78.0.13 CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
# PMIx's per-step client directory, node-local through each slurmd's mount namespace
echo "PMIxCliTmpDirBase=$S/nodetmp" >"$S/mpi.conf"
export SLURM_CONF=$S/slurm.conf
# nsenter --net, not `ip netns exec`: the latter remounts /sys, hiding the cgroup tree
# slurmd 22.05 initialises even with proctrack/linuxproc ("No filesystem mounted on
# /sys/fs/cgroup", slurmd exits).
on1 unshare --uts sh -c 'hostname h1; exec slurmctld -c -f "$SLURM_CONF"' || fail "slurmctld did not start"
for i in 1 2 3; do
  nsenter --net="/run/netns/$NS-h$i" unshare --uts --mount sh -c \
    "hostname h$i && mount --bind '$S/tmp-h$i' '$S/nodetmp' && exec slurmd -f '$SLURM_CONF' -N h$i" ||
    fail "slurmd on h$i did not start"
done
n=0
until [ "$(on1 sinfo -h -N -o '%N %T' 2>/dev/null | sort | tr '\n' ' ')" = "h1 idle h2 idle h3 idle " ]; do
  [ $n -lt 120 ] || fail "the nodes are not idle after 30 s: $(on1 sinfo -h -N -o '%N %T' 2>&1 | tr '\n' ' ')"
  sleep 0.25; n=$((n + 1))
done
ok "Slurm up on h1 h2 h3 in $((SECONDS - t0)) s: $(on1 sinfo -h -N -o '%N=%T' | tr '\n' ' ')"

# --- 1. tasks on distinct hosts --------------------------------------------------------
on1 timeout 60 srun -N3 -n6 --overcommit sh -c 'echo "task $SLURM_PROCID: $(hostname) $(ip -br -4 addr show eth0 | tr -s " ")"' >"$T/tasks.txt" 2>&1 ||
  fail "srun -N3 -n6 failed: $(cat "$T/tasks.txt")"
sort -n -k2 "$T/tasks.txt" | sed 's/^/  /'
for r in 0 1 2 3 4 5; do
  i=$((r / 2 + 1))
  grep -qE "^task $r: h$i eth0(@if[0-9]+)? UP 10\.78\.0\.1$i/24 *$" "$T/tasks.txt" || fail "task $r not on h$i"
done
ok "srun -N3 -n6: two tasks on each of h1, h2, h3"

# --- 2. srun --mpi=pmix across the nodes = one host ----------------------------------
# TCP only, on the test network; mpi_yield_when_idle: the 3 "nodes" share 2 cores.
export OMPI_MCA_btl=tcp,self OMPI_MCA_btl_tcp_if_include=10.78.0.0/24 OMPI_MCA_mpi_yield_when_idle=1
export OMPI_MCA_orte_tmpdir_base=$T/ompi
mkdir -p "$T/ompi"
W=$T/w
mkdir -p "$W"
one() { env -u OMPI_MCA_btl -u OMPI_MCA_btl_tcp_if_include "$ATTRIB" "$@"; } # root namespace
one gen --events 200000 --conversions 20000 --seed 3 -q -o "$W/in.h5"
one run -q -c "$src/conf/example.rules.cfg" -i "$W/in.h5" -o "$W/ref.h5" --compare all
rx() { ip -n "$NS-sw" -s -j link show | "$PY" -c '
import json, sys
print(" ".join("%s:%d" % (l["ifname"], l["stats64"]["tx"]["bytes"]) for l in json.load(sys.stdin) if l["ifname"].startswith("p")))'; }
b0=$(rx)
on1 timeout 90 srun -N3 -n6 --overcommit --mpi=pmix --kill-on-bad-exit=1 "$ATTRIB" run -c "$src/conf/example.rules.cfg" \
  -i "$W/in.h5" -o "$W/srun.h5" --compare all 2>"$T/srun.err" || fail "srun --mpi=pmix attrib run failed: $(cat "$T/srun.err")"
b1=$(rx)
grep -E '^attrib: (exchange|run done)' "$T/srun.err" | sed 's/^/  /'
echo "  bytes sent to each host's port (before / after): $b0 / $b1"
h5dump -A 0 -m %.17g "$W/ref.h5" | tail -n +2 >"$T/d1.txt"
h5dump -A 0 -m %.17g "$W/srun.h5" | tail -n +2 >"$T/d2.txt"
[ "$(wc -l <"$T/d1.txt")" -gt 50 ] || fail "too little in the reference"
cmp -s "$T/d1.txt" "$T/d2.txt" || fail "srun across 3 nodes: tables differ from one host: $(diff "$T/d1.txt" "$T/d2.txt" | head -5)"
"$PY" - "$b0" "$b1" <<'EOF' || fail "the bridge ports carried too little: $b0 / $b1"
import sys
a = dict(x.split(":") for x in sys.argv[1].split()); b = dict(x.split(":") for x in sys.argv[2].split())
sys.exit(0 if all(int(b[p]) - int(a[p]) > 500000 for p in a) else 1)
EOF
ok "srun --mpi=pmix, 3 nodes x 2 tasks over TCP: every table of run --compare all identical to one host"
left

# --- 3. the monthly chain on the three nodes -----------------------------------------
DD=$T/data
mkdir -p "$DD/drops" "$DD/external"
one gen --events 30000 --conversions 3000 --from 2026-10-01 --days 31 --lookback-days 30 --seed 7 --csv "$T/gen" -q
cp "$T/gen/campaigns.csv" "$DD/campaigns.csv"
cp "$src/conf/example.rules.cfg" "$DD/rules.cfg"
"$PY" - "$T/gen" "$DD/drops" <<'EOF' || fail "splitting the generated data into daily drops failed"
import csv, datetime, os, sys
gen, drops = sys.argv[1], sys.argv[2]
day0 = datetime.date(2026, 9, 1)
days = [day0 + datetime.timedelta(d) for d in range(61)]          # 2026-09-01 .. 10-31
for name in ("events", "conversions"):
    with open(os.path.join(gen, name + ".csv"), newline="") as f:
        r = csv.reader(f)
        header = next(r)
        ts = header.index("timestamp")
        rows = {d: [] for d in days}
        for row in r:
            d = datetime.datetime.fromtimestamp(int(row[ts]) / 1000, datetime.timezone.utc).date()
            rows[d].append(row)
    for d in days:
        dd = os.path.join(drops, d.isoformat())
        os.makedirs(dd, exist_ok=True)
        with open(os.path.join(dd, name + ".csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows[d])
EOF
args=()
for f in "$DD"/drops/2026-09-*/events.csv "$DD"/drops/2026-10-*/events.csv; do args+=(--events "$f"); done
for f in "$DD"/drops/2026-10-*/conversions.csv; do args+=(--conversions "$f"); done
one import -q "${args[@]}" --campaigns "$DD/campaigns.csv" -o "$T/ref-in.h5" 2>/dev/null
one run -q -c "$DD/rules.cfg" -i "$T/ref-in.h5" --from 2026-10-01 --to 2026-11-01 -o "$T/ref-m.h5"
one report "$T/ref-m.h5" --format csv -o "$DD/external/2026-10.csv"
cat >"$T/job.cfg" <<EOF
ATTRIB_DATA=$DD
ATTRIB_BIN=$ATTRIB
ATTRIB_LOOKBACK_DAYS=30
ATTRIB_IMPORT_SBATCH="--nodes=3 --ntasks=3"
ATTRIB_RUN_SBATCH="--nodes=3 --ntasks=6 --overcommit"
ATTRIB_RECONCILE_TOLERANCE=0.001
EOF
unset ATTRIB_DATA ATTRIB_RULES ATTRIB_CAMPAIGNS ATTRIB_JOB_CONFIG ATTRIB_RECONCILE_REF ATTRIB_SBATCH_ARGS
s1=$SECONDS
on1 "$src/slurm/monthly.sh" --config "$T/job.cfg" 2026-10 >"$T/monthly.out" 2>&1 || fail "monthly.sh failed: $(cat "$T/monthly.out")"
sed 's/^/  /' "$T/monthly.out"
m=$DD/months/2026-10
n=0
while [ -n "$(on1 squeue -h -o %i 2>/dev/null)" ]; do
  [ $((SECONDS - t0)) -lt "$limit" ] || fail "jobs still queued at the time limit: $(on1 squeue 2>&1)"
  sleep 0.25
done
job() { on1 scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
for step in import run report reconcile status; do
  j=$(cat "$m/state/$step.jobid" 2>/dev/null) || fail "no job id for $step"
  st="$(job "$j" JobState) $(job "$j" ExitCode)"
  [ "$st" = "COMPLETED 0:0" ] || fail "$step: job $j is '$st'"
  nodes=$(job "$j" NodeList)
  echo "  $step: job $j $st on $nodes"
  case $step in import | run) [ "$nodes" = "h[1-3]" ] || fail "$step ran on '$nodes', not on h[1-3]" ;; esac
done
grep -q 'attrib-slurm: run: wrote' "$m/logs/run-$(cat "$m/state/run.jobid").log" || fail "the run log does not say it wrote the results"
cmp -s "$m/report.csv" "$DD/external/2026-10.csv" || fail "2026-10: report.csv (6 tasks on 3 nodes) differs from the direct 1-process run"
v=$(cat "$m/reconcile.verdict")
[ "$v" = "match $DD/external/2026-10.csv" ] || fail "reconcile verdict '$v'"
grep -q "verdict: 2026-10 complete" "$m/status.txt" || fail "status: $(tail -n 1 "$m/status.txt")"
st=$(on1 sinfo -h -N -o '%N %T' | sort | tr '\n' ' ')
[ "$st" = "h1 idle h2 idle h3 idle " ] || fail "nodes after the chain: $st"
ok "monthly chain 2026-10 on 3 nodes in $((SECONDS - s1)) s: 5 jobs COMPLETED 0:0, report.csv equals the direct run, reconcile: match; nodes idle"
echo "cluster slurm: ok ($((SECONDS - t0)) s)"

#!/usr/bin/env bash
# Bring up a private single-node Slurm (munged, slurmctld, slurmd) for tests, as root,
# with the settings that work on a 2-core Debian 12 machine without systemd (tests/README.md):
#
#   tests/slurm/slurm_up.sh DIR       # DIR: an empty or new directory (state, logs, conf)
#   . DIR/env.sh                      # exports SLURM_CONF for sbatch/squeue/scontrol/srun
#   ...
#   tests/slurm/slurm_down.sh DIR     # stops the daemons by their pids
#
# Everything lives under DIR: slurm.conf, state, spool, pid and log files, and munged's
# own socket (DIR/munge/munge.socket, so a system munged, if any, is left alone).
# Daemons are started and, in slurm_down.sh, stopped by pid only.
# Environment: ATTRIB_SLURM_PORT (default 6817; slurmd uses the next port),
# ATTRIB_SLURM_UP_TIMEOUT (seconds, default 30).
# Exit 0 when the node is idle; otherwise prints the daemons' logs, stops what it
# started and exits 1.
set -euo pipefail
dir=${1:?usage: slurm_up.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
port=${ATTRIB_SLURM_PORT:-6817}
timeout=${ATTRIB_SLURM_UP_TIMEOUT:-30}
here=$(cd "$(dirname "$0")" && pwd)

[ "$(id -u)" = 0 ] || { echo "slurm_up: must run as root" >&2; exit 1; }
for t in munged munge unmunge slurmctld slurmd scontrol sinfo; do
  command -v $t >/dev/null || { echo "slurm_up: $t not found (apt-get install slurm-wlm munge)" >&2; exit 1; }
done

# munged runs as the munge user: it must be able to reach DIR/munge.
chmod 0755 "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
chown munge:munge "$dir/munge"
runuser -u munge -- test -x "$dir/munge" ||
  { echo "slurm_up: the munge user cannot reach $dir (a parent directory is not o+x)" >&2; exit 1; }
chmod 0755 "$dir/munge"
sock=$dir/munge/munge.socket

fail() {
  echo "slurm_up: $*" >&2
  for f in "$dir/log/slurmctld.log" "$dir/log/slurmd.log" "$dir/munge/munged.log"; do
    [ -f "$f" ] && { echo "---- $f (last 30 lines)" >&2; tail -n 30 "$f" >&2; }
  done
  "$here/slurm_down.sh" "$dir" >&2 || true
  exit 1
}

# 1. munge
runuser -u munge -- munged --socket="$sock" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" ||
  fail "munged did not start"
ok=0
for _ in $(seq 1 40); do
  if munge -S "$sock" -n 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.25
done
[ $ok = 1 ] || fail "munge -n | unmunge fails"

# 2. slurm.conf: the node line from slurmd -C, memory lowered, address pinned.
host=$(hostname -s)
mkdir -p "$dir/spool/$host"
node=$(slurmd -C | head -n 1 | sed -e 's/RealMemory=[0-9]*/RealMemory=1000/')
case $node in NodeName=*) ;; *) fail "slurmd -C printed no node line: $node" ;; esac
node=$(echo "$node" | sed -e "s/^NodeName=[^ ]*/NodeName=$host/")
cat >"$dir/slurm.conf" <<EOF
# Written by tests/slurm/slurm_up.sh: a private single-node Slurm for tests.
ClusterName=attribtest
MailProg=/bin/true
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
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
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
cat >"$dir/env.sh" <<EOF
export SLURM_CONF=$dir/slurm.conf
EOF
export SLURM_CONF=$dir/slurm.conf

# 3. slurmctld (cleared state), slurmd; both daemonise and write their pid files.
slurmctld -c -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" -N "$host" || fail "slurmd did not start"

# 4. wait until the controller answers and the node is idle.
deadline=$((SECONDS + timeout))
state=
while [ $SECONDS -lt $deadline ]; do
  if scontrol ping 2>/dev/null | grep -q 'is UP'; then
    state=$(sinfo -h -N -n "$host" -o '%T' 2>/dev/null || true)
    [ "$state" = idle ] && break
  fi
  sleep 0.25
done
[ "$state" = idle ] || fail "node $host not idle after ${timeout}s (state '${state:-?}')"
echo "slurm_up: node $host idle; SLURM_CONF=$SLURM_CONF"

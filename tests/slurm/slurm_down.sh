#!/usr/bin/env bash
# Stop the private Slurm started by tests/slurm/slurm_up.sh DIR: `scontrol shutdown`,
# wait for slurmctld and slurmd by their pids (SIGTERM, then SIGKILL, by pid, if they
# linger), then stop munged by its pid file. Never kills by name. Safe to call twice
# and on a half-started DIR.
set -uo pipefail
dir=${1:?usage: slurm_down.sh DIR}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)

pid_of() { # pid file -> pid if that process is alive
  local p
  [ -s "$1" ] || return 1
  p=$(tr -dc 0-9 <"$1")
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$p"
}
wait_gone() { # pid seconds
  local i
  for ((i = 0; i < $2 * 4; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.25; done
  return 1
}
stop_pid() { # pid-file name
  local p
  p=$(pid_of "$1") || return 0
  wait_gone "$p" 10 && return 0
  echo "slurm_down: $2 ($p) still running, SIGTERM" >&2
  kill -TERM "$p" 2>/dev/null
  wait_gone "$p" 5 && return 0
  echo "slurm_down: $2 ($p) still running, SIGKILL" >&2
  kill -KILL "$p" 2>/dev/null
  wait_gone "$p" 5
}

if [ -f "$dir/slurm.conf" ] && { pid_of "$dir/run/slurmctld.pid" >/dev/null || pid_of "$dir/run/slurmd.pid" >/dev/null; }; then
  if pid_of "$dir/run/slurmctld.pid" >/dev/null; then
    export SLURM_CONF=$dir/slurm.conf
    # jobs survive a daemon shutdown (their slurmstepd keep running): cancel every job
    # of this private cluster, by id, and wait (bounded) until they are gone
    jobs=$(timeout 10 squeue -h -o %i 2>/dev/null || true)
    if [ -n "$jobs" ]; then
      echo "slurm_down: cancelling jobs $(echo $jobs)" >&2
      # shellcheck disable=SC2086
      timeout 10 scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 60; i++)); do
        [ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
        sleep 0.25
      done
    fi
    timeout 10 scontrol shutdown >/dev/null 2>&1 || true
  fi
  stop_pid "$dir/run/slurmctld.pid" slurmctld
  # without a controller slurmd does not get the shutdown: SIGTERM it by pid
  if p=$(pid_of "$dir/run/slurmd.pid"); then
    wait_gone "$p" 2 || kill -TERM "$p" 2>/dev/null
  fi
  stop_pid "$dir/run/slurmd.pid" slurmd
fi
if p=$(pid_of "$dir/munge/munged.pid"); then
  kill -TERM "$p" 2>/dev/null
  wait_gone "$p" 5 || { kill -KILL "$p" 2>/dev/null; wait_gone "$p" 2; }
fi
exit 0

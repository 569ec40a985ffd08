#!/usr/bin/env bash
# A large recompute: submit the monthly chain (slurm/monthly.sh) of every month from
# FROM to TO inclusive, at most K chains at a time.
#
#   slurm/backfill.sh [--config JOB.cfg] [-K N | --max-chains N] [--force | --from-step STEP]
#                     [--dry-run] FROM TO            (FROM, TO: YYYY-MM)
#
# Concurrency: the chain of the i-th month starts (afterany) when the chain of month
# i-K has ended, whatever its outcome: one failed month does not stop the others, and
# each month's chain stops at its own first failure. Default K: $ATTRIB_BACKFILL_CHAINS,
# else 2. Months already complete submit nothing (idempotent, as monthly.sh): re-run
# the same command after fixing a failed month. After a rules change, recompute from
# the existing inputs with --from-step run (reconcile then compares with the published
# figures). Progress: `slurm/monthly.sh --status MONTH` per month, or squeue.
# Exit: 0 all submitted, 1 a submission failed (the months before it stay queued),
# 2 usage.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=slurm/lib.sh
. "$here/lib.sh"
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }
K=${ATTRIB_BACKFILL_CHAINS:-2} pass=() months=()
while (($#)); do
  case $1 in
  -K | --max-chains) K=${2:?$1 needs a number}; shift ;;
  --max-chains=*) K=${1#*=} ;;
  --config | --from-step) pass+=("$1" "${2:?$1 needs a value}"); shift ;;
  --config=* | --from-step=* | --force | --dry-run) pass+=("$1") ;;
  -h | --help) usage ;;
  -*) echo "backfill: unknown option '$1'" >&2; usage ;;
  *) months+=("$1") ;;
  esac
  shift
done
((${#months[@]} == 2)) || usage
[[ $K =~ ^[1-9][0-9]*$ ]] || { echo "backfill: -K wants a positive number" >&2; exit 2; }
from=${months[0]} to=${months[1]}
attrib_check_month "$from" && attrib_check_month "$to" || exit 2
[[ ! $to < $from ]] || { echo "backfill: TO ($to) is before FROM ($from)" >&2; exit 2; }

list=() m=$from
while [[ ! $m > $to ]]; do list+=("$m"); m=$(attrib_month_add "$m" 1); done
echo "backfill: ${#list[@]} month(s) $from .. $to, at most $K chain(s) at a time" >&2
lasts=() # lasts[i]: last job of month i's chain ("" when it submitted nothing)
for i in "${!list[@]}"; do
  M=${list[$i]} after=()
  if ((i >= K)) && [ -n "${lasts[$((i - K))]}" ]; then after=(--after "${lasts[$((i - K))]}"); fi
  if ! j=$("$here/monthly.sh" "${pass[@]}" "${after[@]}" --parsable "$M"); then
    echo "backfill: submitting $M failed; months before it stay queued, $M and later were not submitted" >&2
    exit 1
  fi
  lasts[$i]=$j
  if [ -n "$j" ]; then
    echo "backfill: $M: chain ends with job $j${after[1]:+ (starts after job ${after[1]})}"
  else
    echo "backfill: $M: complete, nothing submitted"
  fi
done

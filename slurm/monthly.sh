#!/usr/bin/env bash
# Submit the monthly chain of one month to Slurm, skipping the steps whose complete
# outputs exist (idempotent: re-submitting a month redoes only what is missing).
#
#   slurm/monthly.sh [--config JOB.cfg] [--force | --from-step STEP] [--after JOBID]
#                    [--parsable] [--dry-run] MONTH
#   slurm/monthly.sh [--config JOB.cfg] --status MONTH
#   slurm/monthly.sh [--config JOB.cfg] --publish [--force] MONTH
#
# The chain (each step a job, afterok on the one before; see docs/cluster.md):
#   import     slurm/import.sbatch      drops of MONTH + lookback margin -> input.h5
#   run        slurm/recompute.sbatch   attrib run --from MONTH-01 --to NEXT-01 -> results.h5
#   report     slurm/report.sbatch      report.{txt,csv,json,html}
#   reconcile  slurm/reconcile.sbatch   against published/MONTH.csv or external/MONTH.csv
#   status     slurm/status.sbatch      afterany on all: status.txt, names the failed step
# With DependencyParameters=kill_invalid_depend, Slurm cancels the steps after a failed
# one at once; without it they stay pending (reason DependencyNeverSatisfied) and the
# status job waits: `monthly.sh --status` still names the failed step, `scancel` the rest.
#
#   --config F     job config (shell KEY=VALUE, see conf/example.job.cfg); else
#                  $ATTRIB_JOB_CONFIG; variables set in the environment win
#   --force        redo every step;  --from-step STEP: redo STEP and the steps after it
#   --after JOBID  the chain's first job waits for JOBID to end (afterany; backfill.sh)
#   --parsable     print only the id of the chain's last job (nothing if none)
#   --dry-run      print the sbatch commands instead of running them
#   --status       print each step's state and the verdict; exit 0 complete, 1 failed,
#                  3 in progress, 4 incomplete
#   --publish      copy report.csv to $ATTRIB_DATA/published/MONTH.csv (the figures
#                  later recomputes of MONTH are reconciled against); refuses unless the
#                  chain is complete and reconcile did not find differences (--force)
# Exit: 0 submitted (or nothing to do), 1 a submission failed (jobs already submitted
# for the month are cancelled), 2 usage or configuration error.
set -euo pipefail
ATTRIB_SLURM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ATTRIB_SLURM_DIR
# shellcheck source=slurm/lib.sh
. "$ATTRIB_SLURM_DIR/lib.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }
config="" force=0 from_step="" after="" parsable=0 dry=0 mode=submit M=""
while (($#)); do
  case $1 in
  --config) config=${2:?--config needs a file}; shift ;;
  --config=*) config=${1#*=} ;;
  --force) force=1 ;;
  --from-step) from_step=${2:?--from-step needs a step}; shift ;;
  --from-step=*) from_step=${1#*=} ;;
  --after) after=${2:?--after needs a job id}; shift ;;
  --after=*) after=${1#*=} ;;
  --parsable) parsable=1 ;;
  --dry-run) dry=1 ;;
  --status) mode=status ;;
  --publish) mode=publish ;;
  -h | --help) usage ;;
  -*) echo "monthly: unknown option '$1'" >&2; usage ;;
  *) [ -z "$M" ] || { echo "monthly: one MONTH only" >&2; exit 2; }; M=$1 ;;
  esac
  shift
done
[ -n "$M" ] || usage
attrib_check_month "$M" || exit 2
attrib_load_config "$config" || exit 2
[ -n "${ATTRIB_DATA:-}" ] || { echo "monthly: ATTRIB_DATA is not set (environment or job config)" >&2; exit 2; }
ATTRIB_DATA=$(attrib_abs "$ATTRIB_DATA")
export ATTRIB_DATA
if [ -n "$from_step" ] && ! [[ " $ATTRIB_STEPS " == *" $from_step "* ]]; then
  echo "monthly: --from-step must be one of: $ATTRIB_STEPS" >&2; exit 2
fi
mdir=$(attrib_month_dir "$M")
st=$mdir/state
say() { echo "monthly: $M: $*" >&2; }

# --- status / publish -----------------------------------------------------------------
if [ $mode = status ]; then
  [ -d "$mdir" ] || { echo "month $M: nothing submitted yet ($mdir does not exist)"; exit 4; }
  attrib_month_status "$M"
  exit
fi
if [ $mode = publish ]; then
  set +e; attrib_month_status "$M" >/dev/null; rc=$?; set -e
  verdict=$(cat "$mdir/reconcile.verdict" 2>/dev/null || true)
  if [ $force = 0 ] && { [ $rc != 0 ] || [[ $verdict == differences* ]]; }; then
    say "not publishing: the chain is not complete or reconcile found differences (monthly.sh --status $M; --force to publish anyway)"
    exit 1
  fi
  [ -s "$mdir/report.csv" ] || { say "no $mdir/report.csv to publish"; exit 1; }
  mkdir -p "$ATTRIB_DATA/published"
  cp "$mdir/report.csv" "$ATTRIB_DATA/published/$M.csv.tmp"
  mv "$ATTRIB_DATA/published/$M.csv.tmp" "$ATTRIB_DATA/published/$M.csv"
  say "published $ATTRIB_DATA/published/$M.csv"
  exit 0
fi

# --- submit ---------------------------------------------------------------------------
for v in ATTRIB_RULES ATTRIB_CAMPAIGNS; do
  [ -r "${!v}" ] || { echo "monthly: $v '${!v}' not found" >&2; exit 2; }
done
ATTRIB_RULES=$(attrib_abs "$ATTRIB_RULES") ATTRIB_CAMPAIGNS=$(attrib_abs "$ATTRIB_CAMPAIGNS")
export ATTRIB_RULES ATTRIB_CAMPAIGNS
case $ATTRIB_BIN in */*) ATTRIB_BIN=$(attrib_abs "$ATTRIB_BIN") ;; esac
export ATTRIB_BIN
# Validate the rules before queueing anything, when attrib is available here.
if command -v "$ATTRIB_BIN" >/dev/null 2>&1; then
  "$ATTRIB_BIN" check -c "$ATTRIB_RULES" >/dev/null || { echo "monthly: rules '$ATTRIB_RULES' do not validate (attrib check)" >&2; exit 2; }
fi
command -v sbatch >/dev/null || { echo "monthly: sbatch not found" >&2; exit 2; }
[ $dry = 1 ] || mkdir -p "$st" "$mdir/logs"

# A chain of this month still queued or running? Submitting again would race it.
for step in $ATTRIB_STEPS status; do
  job=$(cat "$st/$step.jobid" 2>/dev/null || true)
  if [ -n "$job" ] && attrib_job_active "$job"; then
    say "a chain is still active (job $job, step $step): see 'monthly.sh --status $M'; scancel it to resubmit"
    exit 1
  fi
done

submitted=() chain="" last="" prev="" redo=$force
cleanup_submitted() {
  local j
  for j in "${submitted[@]}"; do scancel "$j" 2>/dev/null || true; done
}
submit() { # STEP SCRIPT EXTRA_SBATCH_ARGS... -- SCRIPT_ARGS...
  local step=$1 script=$2 out dep=() sargs=() jid
  shift 2
  while (($#)) && [ "$1" != -- ]; do sargs+=("$1"); shift; done
  shift
  if [ -n "$prev" ]; then dep=(--dependency="afterok:$prev")
  elif [ -n "$after" ]; then dep=(--dependency="afterany:$after"); fi
  local cmd=(sbatch --parsable --export=ALL --job-name="attrib-$M-$step"
             --output="$mdir/logs/$step-%j.log" "${dep[@]}")
  # shellcheck disable=SC2206
  cmd+=($ATTRIB_SBATCH_ARGS "${sargs[@]}")
  # the steps: cancelled at once when the step before fails, whatever the site's
  # DependencyParameters; the status job (afterany) is never invalid
  [ "$step" = status ] || cmd+=(--kill-on-invalid-dep=yes)
  cmd+=("$ATTRIB_SLURM_DIR/$script" "$@")
  if [ $dry = 1 ]; then
    echo "ATTRIB_STEP=$step ${cmd[*]}" >&2
    jid="DRY-$step"
    submitted+=("$jid")
  else
    if ! out=$(ATTRIB_STEP=$step ATTRIB_STATE_DIR=$st "${cmd[@]}" 2>&1); then
      say "sbatch of step $step failed: $out"
      cleanup_submitted
      exit 1
    fi
    jid=$(printf '%s\n' "$out" | tail -n 1)
    jid=${jid%%;*}
    [[ $jid =~ ^[0-9_]+$ ]] || { say "sbatch of step $step printed no job id: $out"; cleanup_submitted; exit 1; }
    submitted+=("$jid")
  fi
  [ $dry = 1 ] || echo "$jid" >"$st/$step.jobid"
  chain+=" $step=$jid"
  last=$jid
}

first=$(attrib_month_first "$M")
next=$(attrib_month_next "$M")
for step in $ATTRIB_STEPS; do
  [ "$step" = "$from_step" ] && redo=1
  if [ $redo = 0 ] && attrib_step_complete "$step" "$M"; then
    say "$step: skipped, complete: $(attrib_step_outputs "$step" "$M" | tr '\n' ' ')"
    [ $dry = 1 ] || { rm -f "$st/$step.jobid" "$st/$step.failed" "$st/$step.running"; touch "$st/$step.skipped"; }
    chain+=" $step=skip"
    continue
  fi
  redo=1 # every step after a redone one is redone
  if [ $dry = 0 ]; then
    rm -f "$st/$step.ok" "$st/$step.failed" "$st/$step.running" "$st/$step.skipped" "$st/$step.stderr"
    touch "$st/$step.stale" # until the step succeeds, its old outputs (if any) do not count
  fi
  # shellcheck disable=SC2086
  case $step in
  import) submit import import.sbatch $ATTRIB_IMPORT_SBATCH -- "$M" ;;
  run)
    ATTRIB_INPUT=$mdir/input.h5 ATTRIB_OUTPUT=$mdir/results.h5 ATTRIB_FROM=$first ATTRIB_TO=$next \
      submit run recompute.sbatch $ATTRIB_RUN_SBATCH -- ;;
  report) submit report report.sbatch $ATTRIB_REPORT_SBATCH -- "$M" ;;
  reconcile) submit reconcile reconcile.sbatch $ATTRIB_RECONCILE_SBATCH -- "$M" ;;
  esac
  prev=$last
  say "$step: submitted job $last"
done

if [ -z "$last" ]; then
  say "every step is complete; nothing submitted ($(cat "$mdir/reconcile.verdict" 2>/dev/null || echo 'no reconcile verdict'))"
  [ $parsable = 1 ] || echo "chain $M:$chain"
  exit 0
fi
deps=$(IFS=:; echo "${submitted[*]:-}")
prev="" after_save=$after after=""
[ -n "$deps" ] && after=$deps
# shellcheck disable=SC2086
submit status status.sbatch $ATTRIB_STATUS_SBATCH -- "$M"
after=$after_save
say "status: submitted job $last (after every step; writes $mdir/status.txt)"
if [ $parsable = 1 ]; then echo "$last"; else echo "chain $M:$chain"; fi

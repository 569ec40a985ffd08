#!/usr/bin/env bash
# Submit the daily month-to-date chain of one day to Slurm: the month so far, from the
# first day of DAY's month to DAY inclusive, and its change since the day before.
# Idempotent like monthly.sh: steps whose complete outputs exist are skipped.
#
#   slurm/daily.sh [--config JOB.cfg] [--force | --from-step STEP] [--after JOBID]
#                  [--parsable] [--dry-run] DAY
#   slurm/daily.sh [--config JOB.cfg] --status DAY
#
# DAY: YYYY-MM-DD, or "yesterday" (UTC; for cron). The chain (each step a job of
# slurm/daily.sbatch, afterok on the one before; outputs in $ATTRIB_DATA/days/DAY/):
#   import  drops of the month's days up to DAY + the lookback margin -> input.h5
#   run     attrib run --from MONTH-01 --to DAY+1 (--labels if ATTRIB_DAILY_LABELS=1)
#   report  report.{txt,csv,json,html}
#   delta   against the previous day's results: conversions new, lost, moved (credited
#           campaigns changed, e.g. by a late event), credit changed, and per campaign
#           the change in conversions and value -> delta.txt, delta.verdict; a change
#           beyond the bound (ATTRIB_DAILY_MAX_REVISED_RATE, ATTRIB_DAILY_MAX_REVISED)
#           marks the day for review: the delta job exits 1
#   status  afterany on all: status.txt (each step, the day's figures, the delta)
# A chain still queued or running for an earlier day of the month is waited for
# (afterany), so the delta compares with finished results. On the month's last day the
# day's status job, once the day is complete, submits the month's chain (monthly.sh),
# unless it is already complete or queued (ATTRIB_DAILY_FEED_MONTHLY=0: never), with
# the day's results as its last reconcile reference: the month's figures must equal
# the day's. (A rerun with nothing to redo submits the month's chain itself.)
#
#   --config F     job config (shell KEY=VALUE, see conf/example.job.cfg); else
#                  $ATTRIB_JOB_CONFIG; variables set in the environment win
#   --force        redo every step (on the month's last day, the monthly chain too)
#   --from-step STEP   redo STEP (import, run, report or delta) and the steps after it
#   --after JOBID  the chain's first job also waits for JOBID to end (afterany)
#   --parsable     print only the id of the chain's last job (nothing if none)
#   --dry-run      print the sbatch commands instead of running them
#   --status       print each step's state, the figures, the delta and the verdict; exit
#                  0 complete, 1 failed or marked for review, 3 in progress, 4 incomplete
# Exit: 0 submitted (or nothing to do), 1 a submission failed (jobs already submitted
# for the day are cancelled; or the monthly chain could not be submitted), 2 usage or
# configuration error.
set -euo pipefail
ATTRIB_SLURM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ATTRIB_SLURM_DIR
# shellcheck source=slurm/lib.sh
. "$ATTRIB_SLURM_DIR/lib.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }
config="" force=0 from_step="" after="" parsable=0 dry=0 mode=submit DAY=""
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
  -h | --help) usage ;;
  -*) echo "daily: unknown option '$1'" >&2; usage ;;
  *) [ -z "$DAY" ] || { echo "daily: one DAY only" >&2; exit 2; }; DAY=$1 ;;
  esac
  shift
done
[ -n "$DAY" ] || usage
[ "$DAY" = yesterday ] && DAY=$(date -u -d yesterday +%Y-%m-%d)
attrib_check_day "$DAY" || exit 2
attrib_load_config "$config" || exit 2
attrib_daily_defaults
attrib_daily_check_settings || exit 2
[ -n "${ATTRIB_DATA:-}" ] || { echo "daily: ATTRIB_DATA is not set (environment or job config)" >&2; exit 2; }
ATTRIB_DATA=$(attrib_abs "$ATTRIB_DATA")
export ATTRIB_DATA
if [ -n "$from_step" ] && ! [[ " $ATTRIB_DAY_STEPS " == *" $from_step "* ]]; then
  echo "daily: --from-step must be one of: $ATTRIB_DAY_STEPS" >&2; exit 2
fi
[ -z "$after" ] || [[ $after =~ ^[0-9]+(_[0-9]+)?(:[0-9]+(_[0-9]+)?)*$ ]] || { echo "daily: --after wants a job id" >&2; exit 2; }
M=$(attrib_day_month "$DAY")
ddir=$(attrib_day_dir "$DAY")
st=$ddir/state
say() { echo "daily: $DAY: $*" >&2; }

if [ $mode = status ]; then
  [ -d "$ddir" ] || { echo "day $DAY: nothing submitted yet ($ddir does not exist)"; exit 4; }
  attrib_day_status "$DAY"
  exit
fi

# --- submit ---------------------------------------------------------------------------
for v in ATTRIB_RULES ATTRIB_CAMPAIGNS; do
  [ -r "${!v}" ] || { echo "daily: $v '${!v}' not found" >&2; exit 2; }
done
ATTRIB_RULES=$(attrib_abs "$ATTRIB_RULES") ATTRIB_CAMPAIGNS=$(attrib_abs "$ATTRIB_CAMPAIGNS")
export ATTRIB_RULES ATTRIB_CAMPAIGNS
case $ATTRIB_BIN in */*) ATTRIB_BIN=$(attrib_abs "$ATTRIB_BIN") ;; esac
export ATTRIB_BIN
if command -v "$ATTRIB_BIN" >/dev/null 2>&1; then
  "$ATTRIB_BIN" check -c "$ATTRIB_RULES" >/dev/null || { echo "daily: rules '$ATTRIB_RULES' do not validate (attrib check)" >&2; exit 2; }
  if [ "$ATTRIB_DAILY_LABELS" = 1 ] && ! "$ATTRIB_BIN" run --help 2>&1 | grep -q -- --labels; then
    echo "daily: ATTRIB_DAILY_LABELS=1 but '$ATTRIB_BIN run' has no --labels option" >&2; exit 2
  fi
fi
command -v sbatch >/dev/null || { echo "daily: sbatch not found" >&2; exit 2; }
# Run from inside a job (scrontab, sbatch --wrap): the job's own SLURM_* variables
# (tasks, memory, node list, ...) must not reach the chain's jobs through --export=ALL.
if [ -n "${SLURM_JOB_ID:-}" ]; then
  for v in ${!SLURM_@}; do [ "$v" = SLURM_CONF ] || unset "$v"; done
fi
[ $dry = 1 ] || mkdir -p "$st" "$ddir/logs"

# A chain of this day still queued or running? Submitting again would race it.
for step in $ATTRIB_DAY_STEPS status; do
  job=$(cat "$st/$step.jobid" 2>/dev/null || true)
  if [ -n "$job" ] && attrib_job_active "$job"; then
    say "a chain is still active (job $job, step $step): see 'daily.sh --status $DAY'; scancel it to resubmit"
    exit 1
  fi
done
# The chain of an earlier day of the month still queued or running: wait for its end.
first=$(attrib_month_first "$M")
wait_for="" e=$DAY
while [[ $e > $first ]] && [ -z "$wait_for" ]; do
  e=$(attrib_day_prev "$e")
  job=$(cat "$(attrib_day_dir "$e")/state/status.jobid" 2>/dev/null || true)
  if [ -n "$job" ] && attrib_job_active "$job"; then wait_for=$job; say "waits for the chain of $e (its status job $job)"; fi
done

submitted=() chain="" last="" prev="" redo=$force
cleanup_submitted() {
  local j
  for j in "${submitted[@]}"; do scancel "$j" 2>/dev/null || true; done
}
first_dep() { # the dependency of the chain's first job: --after and an earlier day's chain
  local a
  a=$(echo "$after${after:+${wait_for:+:}}$wait_for")
  [ -n "$a" ] && echo "--dependency=afterany:$a"
  return 0
}
submit() { # STEP EXTRA_SBATCH_ARGS... (per-step defaults first; the site's win)
  local step=$1 out dep=() jid
  shift
  if [ -n "$prev" ]; then dep=(--dependency="afterok:$prev")
  else mapfile -t dep < <(first_dep); fi
  local cmd=(sbatch --parsable --export=ALL --job-name="attrib-$DAY-$step" --chdir="$ddir"
             --output="$ddir/logs/$step-%j.log" "${dep[@]}")
  # shellcheck disable=SC2206
  cmd+=("$@" $ATTRIB_SBATCH_ARGS)
  case $step in
  import) cmd+=($ATTRIB_IMPORT_SBATCH) ;; run) cmd+=($ATTRIB_RUN_SBATCH) ;;
  report) cmd+=($ATTRIB_REPORT_SBATCH) ;; delta) cmd+=($ATTRIB_DELTA_SBATCH) ;;
  status) cmd+=($ATTRIB_STATUS_SBATCH) ;;
  esac
  [ "$step" = status ] || cmd+=(--kill-on-invalid-dep=yes)
  cmd+=("$ATTRIB_SLURM_DIR/daily.sbatch" "$step" "$DAY")
  if [ $dry = 1 ]; then
    echo "ATTRIB_STEP=$step ${cmd[*]}" >&2
    jid="DRY-$step"
  else
    if ! out=$(ATTRIB_STEP=$step ATTRIB_STATE_DIR=$st "${cmd[@]}" 2>&1); then
      say "sbatch of step $step failed: $out"
      cleanup_submitted
      exit 1
    fi
    jid=$(printf '%s\n' "$out" | tail -n 1)
    jid=${jid%%;*}
    [[ $jid =~ ^[0-9_]+$ ]] || { say "sbatch of step $step printed no job id: $out"; cleanup_submitted; exit 1; }
    echo "$jid" >"$st/$step.jobid"
  fi
  submitted+=("$jid")
  chain+=" $step=$jid"
  last=$jid
}

for step in $ATTRIB_DAY_STEPS; do
  [ "$step" = "$from_step" ] && redo=1
  if [ $redo = 0 ] && attrib_day_step_complete "$step" "$DAY"; then
    say "$step: skipped, complete: $(attrib_day_step_outputs "$step" "$DAY" | tr '\n' ' ')"
    [ $dry = 1 ] || { rm -f "$st/$step.jobid" "$st/$step.running"; touch "$st/$step.skipped"; }
    chain+=" $step=skip"
    continue
  fi
  redo=1 # every step after a redone one is redone
  if [ $dry = 0 ]; then
    rm -f "$st/$step.ok" "$st/$step.failed" "$st/$step.running" "$st/$step.skipped" "$st/$step.stderr"
    touch "$st/$step.stale" # until the step succeeds, its old outputs (if any) do not count
  fi
  # per-step defaults (the #SBATCH lines of daily.sbatch are for one task)
  case $step in
  import | run) submit "$step" --ntasks=4 --time=04:00:00 ;;
  *) submit "$step" --ntasks=1 --time=00:30:00 ;;
  esac
  prev=$last
  say "$step: submitted job $last"
done

feed=0
attrib_day_is_month_end "$DAY" && [ "$ATTRIB_DAILY_FEED_MONTHLY" = 1 ] && feed=1
mforce=0
{ [ $force = 1 ] || [ -n "$from_step" ]; } && mforce=1
if [ -n "$last" ]; then
  deps=$(IFS=:; echo "${submitted[*]}")
  prev="" after=$deps wait_for=""
  # on the month's last day, the status job feeds the monthly chain once the day is done
  export ATTRIB_DAILY_FEED=$feed ATTRIB_DAILY_FEED_FORCE=$mforce
  submit status
  say "status: submitted job $last (after every step; writes $ddir/status.txt)"
  [ $feed = 1 ] && say "month end: the status job submits the monthly chain of $M when the day's chain is complete"
  if [ $parsable = 1 ]; then echo "$last"; else echo "chain $DAY:$chain"; fi
  exit 0
fi
say "every step is complete; nothing submitted ($(cut -d' ' -f1-2 "$ddir/delta.verdict" 2>/dev/null || echo 'no delta verdict'))"
rc=0
if [ $feed = 1 ]; then
  margs=()
  [ $dry = 1 ] && margs+=(--dry-run)
  line=$(attrib_daily_feed_monthly "$DAY" $mforce "${margs[@]}") || rc=1
  say "month end: $line"
fi
[ $parsable = 1 ] || echo "chain $DAY:$chain"
exit $rc

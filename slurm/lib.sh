# Shared by slurm/*.sh and slurm/*.sbatch (sourced, bash). See docs/cluster.md.
#
# Settings are environment variables, optionally read from a job config file
# (conf/example.job.cfg: shell syntax, KEY=VALUE). A variable already set in the
# environment wins over the config file, so `ATTRIB_LOOKBACK_DAYS=45 slurm/monthly.sh …`
# overrides one value of a site's config.

# --- settings ---------------------------------------------------------------------

attrib_load_config() { # [FILE]: load FILE (or $ATTRIB_JOB_CONFIG), then defaults
  local f=${1:-${ATTRIB_JOB_CONFIG:-}} saved
  if [ -n "$f" ]; then
    [ -r "$f" ] || { echo "attrib-slurm: cannot read job config '$f'" >&2; return 2; }
    f=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
    saved=$(export -p | sed -n 's/^declare -x \(ATTRIB_\)/declare -gx \1/p')
    set -a
    # shellcheck disable=SC1090
    . "$f" || { set +a; echo "attrib-slurm: error in job config '$f'" >&2; return 2; }
    set +a
    eval "$saved"
    export ATTRIB_JOB_CONFIG=$f
  fi
  export ATTRIB_BIN=${ATTRIB_BIN:-attrib}
  export ATTRIB_SRUN_ARGS=${ATTRIB_SRUN_ARGS:---mpi=pmix --kill-on-bad-exit=1}
  export ATTRIB_LOOKBACK_DAYS=${ATTRIB_LOOKBACK_DAYS:-30}
  export ATTRIB_MAX_REJECT_RATE=${ATTRIB_MAX_REJECT_RATE:-0.001}
  export ATTRIB_REPORT_FORMATS=${ATTRIB_REPORT_FORMATS:-text csv json html}
  export ATTRIB_RECONCILE_TOLERANCE=${ATTRIB_RECONCILE_TOLERANCE:-0.001}
  export ATTRIB_RECONCILE_DIFF_FAILS=${ATTRIB_RECONCILE_DIFF_FAILS:-1}
  export ATTRIB_REQUIRE_DAILY_DROPS=${ATTRIB_REQUIRE_DAILY_DROPS:-1}
  export ATTRIB_RECONCILE_BY=${ATTRIB_RECONCILE_BY:-} ATTRIB_MODEL=${ATTRIB_MODEL:-}
  # extra sbatch options: for every job, then per step (e.g. "--ntasks=64 --time=6:00:00")
  export ATTRIB_SBATCH_ARGS=${ATTRIB_SBATCH_ARGS:-} ATTRIB_IMPORT_SBATCH=${ATTRIB_IMPORT_SBATCH:-}
  export ATTRIB_RUN_SBATCH=${ATTRIB_RUN_SBATCH:-} ATTRIB_REPORT_SBATCH=${ATTRIB_REPORT_SBATCH:-}
  export ATTRIB_RECONCILE_SBATCH=${ATTRIB_RECONCILE_SBATCH:-} ATTRIB_STATUS_SBATCH=${ATTRIB_STATUS_SBATCH:-}
  if [ -n "${ATTRIB_DATA:-}" ]; then
    export ATTRIB_RULES=${ATTRIB_RULES:-$ATTRIB_DATA/rules.cfg}
    export ATTRIB_CAMPAIGNS=${ATTRIB_CAMPAIGNS:-$ATTRIB_DATA/campaigns.csv}
    local refs="$ATTRIB_DATA/published/{month}.csv $ATTRIB_DATA/external/{month}.csv"
    export ATTRIB_RECONCILE_REF=${ATTRIB_RECONCILE_REF:-$refs}
  fi
}

attrib_abs() { # PATH -> absolute path (the file need not exist)
  case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac
}

# --- months -------------------------------------------------------------------------

attrib_check_month() { # YYYY-MM
  [[ $1 =~ ^[0-9]{4}-(0[1-9]|1[0-2])$ ]] || { echo "attrib-slurm: bad month '$1' (want YYYY-MM)" >&2; return 2; }
}
attrib_month_first() { echo "$1-01"; }                                   # YYYY-MM -> YYYY-MM-01
attrib_month_next() { date -u -d "$1-01 +1 month" +%Y-%m-%d; }           # -> first day of next month
attrib_month_add() { date -u -d "$1-01 +$2 month" +%Y-%m; }              # YYYY-MM N -> YYYY-MM
attrib_days() { # FROM TO (YYYY-MM-DD, TO exclusive) -> one date per line
  local d=$1
  while [[ $d < $2 ]]; do echo "$d"; d=$(date -u -d "$d +1 day" +%Y-%m-%d); done
}

# --- the month's files --------------------------------------------------------------
# $ATTRIB_DATA/drops/YYYY-MM-DD/{events,conversions}*.csv[.gz|.zst]   daily drops
# $ATTRIB_DATA/campaigns.csv, rules.cfg                               catalog and rules
# $ATTRIB_DATA/months/YYYY-MM/                                        one month's chain:
#   input.h5 rejects.csv results.h5 report.{txt,csv,json,html} reconcile.txt
#   reconcile.verdict status.txt  logs/STEP-JOBID.log  state/STEP.{jobid,ok,failed,...}
# $ATTRIB_DATA/published/YYYY-MM.csv, external/YYYY-MM.csv            reconcile references

ATTRIB_STEPS="import run report reconcile"

attrib_month_dir() { echo "$ATTRIB_DATA/months/$1"; }

attrib_report_ext() { case $1 in text) echo txt ;; *) echo "$1" ;; esac; }

attrib_step_outputs() { # STEP MONTH -> the files whose existence means "done"
  local m
  m=$(attrib_month_dir "$2")
  case $1 in
  import) echo "$m/input.h5" ;;
  run) echo "$m/results.h5" ;;
  report) for f in $ATTRIB_REPORT_FORMATS; do echo "$m/report.$(attrib_report_ext "$f")"; done ;;
  reconcile) echo "$m/reconcile.verdict" ;;
  esac
}

attrib_step_complete() { # STEP MONTH: its outputs exist and no redo is pending
  local m f
  m=$(attrib_month_dir "$2")
  [ -e "$m/state/$1.stale" ] && return 1
  for f in $(attrib_step_outputs "$1" "$2"); do [ -s "$f" ] || return 1; done
  # a reconcile is final only when it matched; "no reference" or "differences" is redone
  if [ "$1" = reconcile ]; then [ "$(cut -d' ' -f1 "$m/reconcile.verdict")" = match ] || return 1; fi
  return 0
}

attrib_reconcile_ref() { # MONTH -> the first existing reference file, or nothing
  local t f
  for t in $ATTRIB_RECONCILE_REF; do
    f=${t//\{month\}/$1}
    [ -s "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

# --- inside a job: step markers -----------------------------------------------------
# A chain step runs its command through attrib_step_exec: state/STEP.running while it
# runs, then state/STEP.ok, or state/STEP.failed with the exit code and the last lines
# of its stderr. Outside a chain (no ATTRIB_STATE_DIR) it only runs the command.

attrib_step_exec() { # COMMAND... -> its exit code
  local st=${ATTRIB_STATE_DIR:-} step=${ATTRIB_STEP:-step} rc err
  echo "attrib-slurm: $step: $(date -u +%FT%TZ) job ${SLURM_JOB_ID:-none} on ${SLURMD_NODENAME:-$(hostname -s)}: $*" >&2
  if [ -z "$st" ]; then
    "$@"
    return
  fi
  mkdir -p "$st"
  rm -f "$st/$step.ok" "$st/$step.failed"
  echo "job=${SLURM_JOB_ID:-none} started=$(date -u +%FT%TZ)" >"$st/$step.running"
  err=$st/$step.stderr
  set +e
  # stderr to the job log and, for the marker, to state/STEP.stderr; stdout untouched
  { "$@" 2>&1 1>&3 3>&- | tee "$err" >&2; rc=${PIPESTATUS[0]}; } 3>&1
  set -e
  # the message: attrib's last words, without progress lines and srun's echo of them
  attrib_step_mark "$rc" "$(grep -Ev '^(srun: (error|Job step aborted|launch/)|attrib: [a-z_]+ +[0-9]+ rows )' "$err" | tail -n 4)"
  return $rc
}

attrib_step_mark() { # RC [MESSAGE]: write the step's ok/failed marker
  local st=$ATTRIB_STATE_DIR step=${ATTRIB_STEP:-step}
  rm -f "$st/$step.running" "$st/$step.ok" "$st/$step.failed"
  if [ "$1" = 0 ]; then
    echo "job=${SLURM_JOB_ID:-none} finished=$(date -u +%FT%TZ)" >"$st/$step.ok"
    rm -f "$st/$step.stale"
  else
    { echo "job=${SLURM_JOB_ID:-none} exit=$1 finished=$(date -u +%FT%TZ)"; [ -n "${2:-}" ] && printf '%s\n' "$2"; } >"$st/$step.failed"
    echo "attrib-slurm: ${step} FAILED (exit $1)" >&2
  fi
}

attrib_step_fail() { # RC MESSAGE: a step that fails before running attrib
  echo "attrib-slurm: ${ATTRIB_STEP:-step}: $2" >&2
  [ -n "${ATTRIB_STATE_DIR:-}" ] && { mkdir -p "$ATTRIB_STATE_DIR"; attrib_step_mark "$1" "$2"; }
  exit "$1"
}

# --- jobs -----------------------------------------------------------------------------

attrib_job_field() { # JOBID FIELD -> value from `scontrol show job` (nothing if unknown)
  [[ $1 =~ ^[0-9]+(_[0-9]+)?$ ]] || return 0
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

attrib_job_active() { # JOBID: pending, running or finishing
  case $(attrib_job_field "$1" JobState) in
  PENDING | RUNNING | CONFIGURING | COMPLETING | SUSPENDED | REQUEUED | RESIZING | SIGNALING | STAGE_OUT) return 0 ;;
  *) return 1 ;;
  esac
}

# --- status of a month's chain ----------------------------------------------------------
# Without accounting: from the marker files and, while Slurm still knows the jobs,
# `scontrol show job`. Prints one line per step and a verdict line; returns 0 when
# every step is done, 1 when a step failed or was cancelled, 3 while in progress,
# 4 when steps were never submitted.

# One step's line of a chain's status (attrib_month_status, attrib_day_status): sets
# _line, and _class to active, failed, missing, special or "" (done). DIR is the chain's
# directory (DIR/state, DIR/logs), KEY its month or day. OK_COMPLETE_FN STEP KEY: does an
# ok marker mean done; COMPLETE_FN STEP KEY: are its outputs there; OUTPUTS_FN STEP KEY:
# what they are; SPECIAL_FN STEP KEY (optional): a line of its own for a step that is not
# running (the day's delta marked for review), printed when it returns 0.
attrib_step_status() { # STEP KEY SELF DIR OK_COMPLETE_FN COMPLETE_FN OUTPUTS_FN [SPECIAL_FN]
  local step=$1 key=$2 self=$3 d=$4 okc=$5 complete=$6 outputs=$7 special=${8:-}
  local st=$4/state job js="" ec="" reason="" msg
  _line="" _class=""
  job=$(cat "$st/$step.jobid" 2>/dev/null || true)
  if [ -n "$job" ] && [ "$job" != "$self" ]; then
    js=$(attrib_job_field "$job" JobState)
    ec=$(attrib_job_field "$job" ExitCode)
    reason=$(attrib_job_field "$job" Reason)
  fi
  if [ -n "$js" ] && attrib_job_active "$job"; then
    _line="${js,,} (job $job${reason:+, $reason})" _class=active
  elif [ -n "$special" ] && _line=$("$special" "$step" "$key"); then
    _class=special
  elif [ -f "$st/$step.failed" ]; then
    msg=$(sed -n '2,$p' "$st/$step.failed" | sed 's/^/      | /')
    _line="FAILED (job $(sed -n 's/.*job=\([^ ]*\).*/\1/p;q' "$st/$step.failed"), exit $(sed -n 's/.*exit=\([^ ]*\).*/\1/p;q' "$st/$step.failed")${js:+, $js $ec}); log: $d/logs/$step-$job.log"
    [ -n "$msg" ] && _line="$_line"$'\n'"$msg"
    _class=failed
  elif [ -f "$st/$step.ok" ] && ! [ -f "$st/$step.stale" ]; then
    if "$okc" "$step" "$key"; then
      _line="done (job $(sed -n 's/.*job=\([^ ]*\).*/\1/p;q' "$st/$step.ok")${js:+, $js $ec})"
    else
      _line="FAILED: job finished but its output is missing: $("$outputs" "$step" "$key" | tr '\n' ' ')"
      _class=failed
    fi
  elif [ "$js" = CANCELLED ] && [ "$reason" = DependencyNeverSatisfied ]; then
    _line="CANCELLED, not run: an earlier step failed (job $job)" _class=failed
  elif [ -n "$js" ]; then
    # the job ended without writing a marker: time limit, node failure, cancelled,
    # or a job "COMPLETED" whose steps never ran
    _line="FAILED: job $job ended $js $ec${reason:+ ($reason)} without finishing the step; log: $d/logs/$step-$job.log"
    _class=failed
  elif [ -f "$st/$step.running" ] && [ -n "$job" ] && [ "$job" != "$self" ]; then
    _line="FAILED: job $job vanished while running the step" _class=failed
  elif [ -n "$job" ] && [ "$job" = "$self" ]; then
    _line="running"
  elif "$complete" "$step" "$key"; then
    _line="done (output exists)"
  elif [ -f "$st/$step.stale" ] && [ -n "$job" ]; then
    _line="not run (job $job unknown to Slurm); outputs are stale" _class=failed
  else
    _line="not done" _class=missing
  fi
}

# The month's reconcile writes no output of its own: its ok marker is enough.
attrib_month_ok_complete() { attrib_step_complete "$1" "$2" || [ "$1" = reconcile ]; }

attrib_month_status() { # MONTH [EXCLUDE_JOBID]
  local M=$1 self=${2:-} m step first_fail="" active="" missing=""
  m=$(attrib_month_dir "$M")
  echo "month $M  ($m)"
  for step in $ATTRIB_STEPS; do
    attrib_step_status "$step" "$M" "$self" "$m" attrib_month_ok_complete attrib_step_complete \
      attrib_step_outputs
    case $_class in
    active) active=${active:-$step} ;;
    failed) first_fail=${first_fail:-$step} ;;
    missing) missing=${missing:-$step} ;;
    esac
    printf '  %-10s %s\n' "$step" "$_line"
  done
  if [ -n "$first_fail" ]; then
    echo "verdict: $M FAILED at step $first_fail; later steps did not run or were cancelled"
    return 1
  elif [ -n "$active" ]; then
    echo "verdict: $M in progress (at step $active)"
    return 3
  elif [ -n "$missing" ]; then
    echo "verdict: $M incomplete (from step $missing: not submitted)"
    return 4
  fi
  echo "verdict: $M complete; reconcile: $(cat "$m/reconcile.verdict" 2>/dev/null || echo '?')"
  return 0
}

# --- the daily chain (slurm/daily.sh, slurm/daily.sbatch) ---------------------------------
# $ATTRIB_DATA/days/YYYY-MM-DD/    one day's month-to-date chain (the month's first day
#                                   to DAY inclusive):
#   input.h5 rejects.csv results.h5 report.{txt,csv,json,html}    as a month's
#   delta.txt delta-conversions.json delta-campaigns.json delta.verdict
#   status.txt  logs/STEP-JOBID.log  state/STEP.{jobid,ok,failed,stale,skipped}

ATTRIB_DAY_STEPS="import run report delta"

attrib_daily_defaults() { # the daily chain's settings (after attrib_load_config)
  export ATTRIB_DAILY_LABELS=${ATTRIB_DAILY_LABELS:-0}
  export ATTRIB_DAILY_TOLERANCE=${ATTRIB_DAILY_TOLERANCE:-0.001}
  export ATTRIB_DAILY_MAX_REVISED_RATE=${ATTRIB_DAILY_MAX_REVISED_RATE:-0.01}
  export ATTRIB_DAILY_MAX_REVISED=${ATTRIB_DAILY_MAX_REVISED:-}
  export ATTRIB_DAILY_REVIEW_FAILS=${ATTRIB_DAILY_REVIEW_FAILS:-1}
  export ATTRIB_DAILY_DELTA_LIMIT=${ATTRIB_DAILY_DELTA_LIMIT:-0}
  export ATTRIB_DAILY_FEED_MONTHLY=${ATTRIB_DAILY_FEED_MONTHLY:-1}
  export ATTRIB_DELTA_SBATCH=${ATTRIB_DELTA_SBATCH:-}
}

attrib_daily_check_settings() { # the daily settings are well formed, else a message and 2
  local v
  for v in ATTRIB_DAILY_LABELS ATTRIB_DAILY_REVIEW_FAILS ATTRIB_DAILY_FEED_MONTHLY; do
    [[ ${!v} =~ ^[01]$ ]] || { echo "attrib-slurm: $v must be 0 or 1, not '${!v}'" >&2; return 2; }
  done
  for v in ATTRIB_DAILY_TOLERANCE ATTRIB_DAILY_MAX_REVISED_RATE; do
    [[ ${!v} =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "attrib-slurm: $v must be a number >= 0, not '${!v}'" >&2; return 2; }
  done
  [[ $ATTRIB_DAILY_MAX_REVISED =~ ^([0-9]+)?$ ]] || { echo "attrib-slurm: ATTRIB_DAILY_MAX_REVISED must be a count or empty, not '$ATTRIB_DAILY_MAX_REVISED'" >&2; return 2; }
  [[ $ATTRIB_DAILY_DELTA_LIMIT =~ ^[0-9]+$ ]] || { echo "attrib-slurm: ATTRIB_DAILY_DELTA_LIMIT must be a count, not '$ATTRIB_DAILY_DELTA_LIMIT'" >&2; return 2; }
}

attrib_check_day() { # YYYY-MM-DD, a real date
  [[ $1 =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] && [ "$(date -u -d "$1" +%Y-%m-%d 2>/dev/null)" = "$1" ] ||
    { echo "attrib-slurm: bad day '$1' (want YYYY-MM-DD)" >&2; return 2; }
}
attrib_day_month() { echo "${1:0:7}"; }                                  # YYYY-MM-DD -> YYYY-MM
attrib_day_next() { date -u -d "$1 +1 day" +%Y-%m-%d; }                  # -> the day after
attrib_day_prev() { date -u -d "$1 -1 day" +%Y-%m-%d; }                  # -> the day before
attrib_day_is_month_end() { [ "$(attrib_day_next "$1")" = "$(attrib_month_next "$(attrib_day_month "$1")")" ]; }
attrib_day_dir() { echo "$ATTRIB_DATA/days/$1"; }

attrib_day_report_formats() { # ATTRIB_REPORT_FORMATS, with csv (the status reads it)
  case " $ATTRIB_REPORT_FORMATS " in *" csv "*) echo "$ATTRIB_REPORT_FORMATS" ;; *) echo "$ATTRIB_REPORT_FORMATS csv" ;; esac
}

attrib_day_step_outputs() { # STEP DAY -> the files whose existence means "done"
  local d f
  d=$(attrib_day_dir "$2")
  case $1 in
  import) echo "$d/input.h5" ;;
  run) echo "$d/results.h5" ;;
  report) for f in $(attrib_day_report_formats); do echo "$d/report.$(attrib_report_ext "$f")"; done ;;
  delta) echo "$d/delta.verdict" ;;
  esac
}

attrib_day_step_complete() { # STEP DAY: its outputs exist and no redo is pending. A delta
  local d f                  # is final whatever its verdict (ok, review, no-previous)
  d=$(attrib_day_dir "$2")
  [ -e "$d/state/$1.stale" ] && return 1
  for f in $(attrib_day_step_outputs "$1" "$2"); do [ -s "$f" ] || return 1; done
  return 0
}

attrib_day_previous() { # DAY -> the latest earlier day of DAY's month whose run is complete
  local first d
  first=$(attrib_month_first "$(attrib_day_month "$1")")
  d=$1
  while [[ $d > $first ]]; do
    d=$(attrib_day_prev "$d")
    attrib_day_step_complete run "$d" && { echo "$d"; return 0; }
  done
  return 1
}

# The drops a chain imports, in the order monthly's import.sbatch reads them: for each
# day from FROM (the lookback margin's first day) to TO (exclusive), its events files;
# from CONV_FROM on also its conversions files. Sets ATTRIB_DROP_ARGS (--events F and
# --conversions F for attrib import), ATTRIB_DROP_NEV and ATTRIB_DROP_NCONV (file
# counts), ATTRIB_DROP_MISSING (the days from CONV_FROM without both files); warns on
# stderr for margin days without events.
attrib_drop_files() { # FROM CONV_FROM TO
  local d dd f ev cv
  ATTRIB_DROP_ARGS=() ATTRIB_DROP_MISSING=() ATTRIB_DROP_NEV=0 ATTRIB_DROP_NCONV=0
  shopt -s nullglob
  for d in $(attrib_days "$1" "$3"); do
    dd=$ATTRIB_DATA/drops/$d
    ev=("$dd"/events*.csv "$dd"/events*.csv.gz "$dd"/events*.csv.zst)
    cv=("$dd"/conversions*.csv "$dd"/conversions*.csv.gz "$dd"/conversions*.csv.zst)
    for f in "${ev[@]}"; do ATTRIB_DROP_ARGS+=(--events "$f"); ATTRIB_DROP_NEV=$((ATTRIB_DROP_NEV + 1)); done
    if [[ $d < $2 ]]; then
      ((${#ev[@]})) || echo "attrib-slurm: import: warning: lookback margin day $d has no events drop in $dd" >&2
      continue
    fi
    for f in "${cv[@]}"; do ATTRIB_DROP_ARGS+=(--conversions "$f"); ATTRIB_DROP_NCONV=$((ATTRIB_DROP_NCONV + 1)); done
    ((${#ev[@]} && ${#cv[@]})) || ATTRIB_DROP_MISSING+=("$d")
  done
  shopt -u nullglob
}

attrib_day_figures() { # REPORT_CSV -> "C conversions, value V, K campaigns credited"
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "conversions") c = i; if ($i == "value") v = i }; next }
           c && v { n += $c; s += $v; if ($c > 0) k++ }
           END { if (!c || !v) { print "?"; exit } printf "%.3f conversions, value %.2f, %d campaigns credited\n", n, s, k }' "$1"
}

attrib_verdict_field() { # VERDICT_LINE KEY -> the value of KEY=VALUE (reason=: the rest)
  if [ "$2" = reason ]; then echo "$1" | sed -n 's/.* reason=//p'; return; fi
  echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

attrib_day_delta_summary() { # DAY -> one line on the delta, from delta.verdict
  local d v kind prev k
  local -A x=()
  d=$(attrib_day_dir "$1")
  v=$(cat "$d/delta.verdict" 2>/dev/null) || { echo "no delta"; return; }
  kind=${v%% *}
  case $kind in
  no-previous) echo "no earlier results in $(attrib_day_month "$1") to compare with (first day of the month or of the chain)" ;;
  ok | review)
    prev=$(echo "$v" | cut -d' ' -f2)
    for k in new lost moved credit_changed revised of rate campaigns_changed conversions_delta value_delta reason; do
      x[$k]=$(attrib_verdict_field "$v" $k)
    done
    echo "against $prev: ${x[new]} new, ${x[lost]} lost, ${x[moved]} moved, ${x[credit_changed]} credit changed;" \
      "${x[revised]} of the ${x[of]} conversions credited on $prev revised ($(awk -v r="${x[rate]}" 'BEGIN { printf "%.3g%%", 100 * r }'));" \
      "per campaign: ${x[campaigns_changed]} changed, conversions ${x[conversions_delta]}, value ${x[value_delta]}$(
        [ "$kind" = review ] && echo "; REVIEW: ${x[reason]}")"
    ;;
  *) echo "$v" ;;
  esac
}

# Status of a day's chain: as attrib_month_status (same markers, same exit codes: 0 done,
# 1 a step failed or the delta asks for review, 3 in progress, 4 not submitted), plus
# the day's figures and the delta's size.
# The status line of a day's delta beyond the bound: final (a rerun skips it), but the
# day needs a look. Returns 1 for any other step or delta.
attrib_day_review_line() { # STEP DAY
  local d mk
  d=$(attrib_day_dir "$2")
  [ "$1" = delta ] && attrib_day_step_complete delta "$2" &&
    [ "$(cut -d' ' -f1 "$d/delta.verdict")" = review ] || return 1
  mk=$d/state/$1.failed; [ -f "$mk" ] || mk=$d/state/$1.ok
  echo "REVIEW$([ -f "$mk" ] && echo " (job $(sed -n 's/.*job=\([^ ]*\).*/\1/p;q' "$mk"), exit $(sed -n 's/.*exit=\([^ ]*\).*/\1/p;q' "$mk" | grep . || echo 0))"): the change is beyond the bound; see $d/delta.txt"
}

attrib_day_status() { # DAY [EXCLUDE_JOBID]
  local D=$1 self=${2:-} d step first_fail="" active="" missing="" review=""
  d=$(attrib_day_dir "$D")
  echo "day $D  (month to date $(attrib_month_first "$(attrib_day_month "$D")") .. $D; $d)"
  for step in $ATTRIB_DAY_STEPS; do
    attrib_step_status "$step" "$D" "$self" "$d" attrib_day_step_complete attrib_day_step_complete \
      attrib_day_step_outputs attrib_day_review_line
    case $_class in
    active) active=${active:-$step} ;;
    failed) first_fail=${first_fail:-$step} ;;
    missing) missing=${missing:-$step} ;;
    special) review=1 ;;
    esac
    printf '  %-10s %s\n' "$step" "$_line"
  done
  if [ -s "$d/report.csv" ] && attrib_day_step_complete report "$D"; then
    echo "figures: $(attrib_day_figures "$d/report.csv")"
  fi
  attrib_day_step_complete delta "$D" && echo "delta: $(attrib_day_delta_summary "$D")"
  if attrib_day_is_month_end "$D" && [ -d "$(attrib_month_dir "$(attrib_day_month "$D")")/state" ]; then
    echo "monthly: $(attrib_month_status "$(attrib_day_month "$D")" 2>/dev/null | tail -n 1 | sed 's/^verdict: //')"
  fi
  if [ -n "$first_fail" ]; then
    echo "verdict: $D FAILED at step $first_fail; later steps did not run or were cancelled"
    return 1
  elif [ -n "$active" ]; then
    echo "verdict: $D in progress (at step $active)"
    return 3
  elif [ -n "$missing" ]; then
    echo "verdict: $D incomplete (from step $missing: not submitted)"
    return 4
  elif [ -n "$review" ]; then
    echo "verdict: $D complete; REVIEW: $(attrib_verdict_field "$(cat "$d/delta.verdict")" reason)"
    [ "${ATTRIB_DAILY_REVIEW_FAILS:-1}" = 0 ] || return 1
    return 0
  fi
  echo "verdict: $D complete; delta $(cut -d' ' -f1 "$d/delta.verdict" 2>/dev/null || echo '?')"
  return 0
}

# The month's last day feeds the monthly chain: slurm/monthly.sh MONTH, unless the
# month's chain is queued or running, or complete (FORCE=1: redone unless running), with
# the day's results as the last reconcile reference (after published/ and external/):
# the month's figures must equal the day's. Run from inside a job (the day's status
# job), the job's own SLURM_* variables are not passed on. Prints one line on what it
# did; returns 1 when the submission failed.
attrib_daily_feed_monthly() { # DAY FORCE [MONTHLY_ARGS...]
  local D=$1 force=$2 M mst step job out ref
  shift 2
  M=$(attrib_day_month "$D")
  mst=$(attrib_month_dir "$M")/state
  for step in $ATTRIB_STEPS status; do
    job=$(cat "$mst/$step.jobid" 2>/dev/null || true)
    if [ -n "$job" ] && attrib_job_active "$job"; then
      echo "monthly chain of $M already queued or running (job $job): not submitted again"
      return 0
    fi
  done
  if [ "$force" = 0 ] && attrib_month_status "$M" >/dev/null 2>&1; then
    echo "monthly chain of $M complete: not submitted again"
    return 0
  fi
  ref="${ATTRIB_RECONCILE_REF:+$ATTRIB_RECONCILE_REF }$(attrib_day_dir "$D")/results.h5"
  [ "$force" = 1 ] && set -- --force "$@"
  if out=$(
    if [ -n "${SLURM_JOB_ID:-}" ]; then for v in ${!SLURM_@}; do [ "$v" = SLURM_CONF ] || unset "$v"; done; fi
    ATTRIB_RECONCILE_REF=$ref "$ATTRIB_SLURM_DIR/monthly.sh" "$@" "$M" 2>&1
  ); then
    echo "monthly chain of $M submitted: $(printf '%s\n' "$out" | grep '^chain ' | tail -n 1)"
    return 0
  fi
  echo "monthly chain of $M NOT submitted (submit it with slurm/monthly.sh $M): $(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')"
  return 1
}

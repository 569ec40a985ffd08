#!/usr/bin/env bash
# End-to-end test of slurm/ on a real single-node Slurm (as root; Debian's slurm-wlm and
# munge installed, see scripts/deps.sh --test):
#
#   tests/slurm/e2e.sh [ATTRIB_BINARY]          (default: $ATTRIB, else build/attrib)
#
# Brings up munged/slurmctld/slurmd under a temp dir (tests/slurm/slurm_up.sh), generates
# two small months of daily drops with `attrib gen`, and checks:
#   1. backfill.sh 2026-10 2026-11 -K 1 (monthly.sh per month): every job COMPLETED 0:0,
#      with its log and outputs (input, results, reports, reconcile verdict, status);
#      October's report equals, byte for byte, a direct 1-process run on the same files
#      and reconciles "match" against it; November's chain starts after October's ends.
#   2. monthly.sh 2026-10 again: every step skipped, no job submitted, nothing rewritten.
#   3. --publish 2026-11, the published figures altered, report.html removed: only
#      report and reconcile run; reconcile finds the differences, its job FAILED 1:0 and
#      the chain's status names it.
#   4. a broken drop: import FAILED 2:0 with attrib's message in the status, every later
#      step CANCELLED without starting, no input.h5 or results.h5.
#   5. after every job the node is still idle (a job "COMPLETED" with no output, or a
#      drained node, is a failure: with the cgroup plugins and no cgroup.conf every step fails,
#      the node drains and the job still reads COMPLETED 0:0), then Slurm stops.
# Bounded: ATTRIB_SLURM_TEST_TIMEOUT seconds (default 240) for the whole test; the
# daemons are stopped by pid on any exit. KEEP=1 keeps the temp dir.
# Exit 0 pass, 1 fail, 77 skipped (not root, or Slurm/munge not installed).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
ATTRIB=${1:-${ATTRIB:-$src/build/attrib}}
ATTRIB=$(cd "$(dirname "$ATTRIB")" && pwd)/$(basename "$ATTRIB")
limit=${ATTRIB_SLURM_TEST_TIMEOUT:-240}
t0=$SECONDS
PY=/usr/bin/python3

if [ "$(id -u)" != 0 ]; then echo "slurm e2e: SKIP: needs root"; exit 77; fi
for t in slurmctld slurmd munged sbatch srun; do
  command -v $t >/dev/null || { echo "slurm e2e: SKIP: $t not installed (apt-get install slurm-wlm munge)"; exit 77; }
done
[ -x "$ATTRIB" ] || { echo "slurm e2e: FAIL: no attrib binary at $ATTRIB"; exit 1; }

T=$(mktemp -d /tmp/attrib-slurm-e2e.XXXXXX)
chmod 0755 "$T" # munged (user munge) must reach its socket under it
cleanup() {
  local rc=$?
  "$src/tests/slurm/slurm_down.sh" "$T/slurm" || true
  if [ "${KEEP:-0}" = 1 ] || [ $rc != 0 ]; then echo "slurm e2e: files kept in $T"; else rm -rf "$T"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fails=0
fail() { echo "slurm e2e: FAIL: $*"; fails=$((fails + 1)); }
die() { echo "slurm e2e: FAIL: $*"; dump; exit 1; }
ok() { echo "slurm e2e: ok: $*"; }
dump() { # what helps when something failed
  echo "---- squeue"; squeue 2>&1 || true
  echo "---- sinfo"; sinfo -N -l 2>&1 || true
  for f in "$T"/data*/months/*/status.txt "$T"/data*/months/*/logs/*.log; do
    [ -f "$f" ] && { echo "---- $f"; tail -n 20 "$f"; }
  done
  tail -n 20 "$T/slurm/log/slurmctld.log" "$T/slurm/log/slurmd.log" 2>/dev/null || true
}
left() { echo $((limit - (SECONDS - t0))); }

# --- Slurm ------------------------------------------------------------------------------
"$src/tests/slurm/slurm_up.sh" "$T/slurm" || die "Slurm did not come up"
# shellcheck disable=SC1091
. "$T/slurm/env.sh"
node=$(sinfo -h -N -o '%N' | head -n 1)
ok "Slurm up in $((SECONDS - t0)) s (node $node)"

wait_queue() { # wait until no job is pending or running (0.25 s polls, bounded)
  local end=$((SECONDS + $(left)))
  while [ -n "$(squeue -h -o %i 2>/dev/null)" ] || ! scontrol ping >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || die "jobs still queued at the test's time limit (${limit}s)"
    sleep 0.25
  done
}
job() { # JOBID FIELD
  [[ $1 =~ ^[0-9]+$ ]] || { echo "no-job"; return; }
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
expect_job() { # JOBID STATE EXITCODE WHAT
  local s e
  s=$(job "$1" JobState) e=$(job "$1" ExitCode)
  if [ "$s" = "$2" ] && [ "$e" = "$3" ]; then ok "$4: job $1 $s $e"; else fail "$4: job $1 is '$s' '$e', expected $2 $3"; fi
}
node_idle() {
  local s
  s=$(sinfo -h -N -n "$node" -o '%T')
  [ "$s" = idle ] && ok "node $node idle ($1)" || fail "node $node is '$s' after $1 (expected idle): $(scontrol show node "$node" | grep -o 'Reason=.*')"
}
jobid() { cat "$1/state/$2.jobid" 2>/dev/null || echo "none"; }
mtime() { stat -c %Y.%y "$1"; }

# --- data: two months of daily drops (+ the lookback margin in September) ---------------
D=$T/data
mkdir -p "$D/drops" "$D/external"
"$ATTRIB" gen --events 6000 --conversions 600 --from 2026-10-01 --days 61 --lookback-days 30 \
  --seed 7 --csv "$T/gen" -q || die "attrib gen failed"
cp "$T/gen/campaigns.csv" "$D/campaigns.csv"
cp "$src/conf/example.rules.cfg" "$D/rules.cfg"
"$PY" - "$T/gen" "$D/drops" <<'EOF' || die "splitting the generated data into daily drops failed"
import csv, datetime, gzip, os, sys
gen, drops = sys.argv[1], sys.argv[2]
day0 = datetime.date(2026, 9, 1)
days = [day0 + datetime.timedelta(d) for d in range(91)]          # 2026-09-01 .. 11-30
for name in ("events", "conversions"):
    with open(os.path.join(gen, name + ".csv"), newline="") as f:
        r = csv.reader(f)
        header = next(r)
        ts = header.index("timestamp")
        rows = {d: [] for d in days}
        for row in r:
            d = datetime.datetime.fromtimestamp(int(row[ts]) / 1000, datetime.timezone.utc).date()
            if d not in rows:
                sys.exit(f"{name}: row outside 2026-09..11: {d}")
            rows[d].append(row)
    for i, d in enumerate(days):
        dd = os.path.join(drops, d.isoformat())
        os.makedirs(dd, exist_ok=True)
        gz = i % 7 == 3                     # some drops arrive gzipped
        path = os.path.join(dd, name + ".csv" + (".gz" if gz else ""))
        with (gzip.open(path, "wt", newline="") if gz else open(path, "w", newline="")) as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows[d])
EOF
ok "data: $(ls "$D/drops" | wc -l) daily drops $(ls "$D/drops" | head -n 1) .. $(ls "$D/drops" | tail -n 1)"

# October's reference figures: a direct one-process run on exactly the files the chain
# should import (September's events as the 30-day margin, October's events and
# conversions), independent of slurm/.
args=()
for f in "$D"/drops/2026-09-*/events.csv* "$D"/drops/2026-10-*/events.csv*; do args+=(--events "$f"); done
for f in "$D"/drops/2026-10-*/conversions.csv*; do args+=(--conversions "$f"); done
"$ATTRIB" import -q "${args[@]}" --campaigns "$D/campaigns.csv" -o "$T/ref-in.h5" || die "direct import failed"
"$ATTRIB" run -q -c "$D/rules.cfg" -i "$T/ref-in.h5" --from 2026-10-01 --to 2026-11-01 -o "$T/ref.h5" || die "direct run failed"
"$ATTRIB" report "$T/ref.h5" --format csv -o "$D/external/2026-10.csv" || die "direct report failed"
ok "October reference: $(($(wc -l <"$D/external/2026-10.csv") - 1)) campaigns"

cat >"$T/test.job.cfg" <<EOF
ATTRIB_DATA=$D
ATTRIB_BIN=$ATTRIB
ATTRIB_LOOKBACK_DAYS=30
ATTRIB_IMPORT_SBATCH="--ntasks=3 --overcommit"
ATTRIB_RUN_SBATCH="--ntasks=2"
ATTRIB_RECONCILE_TOLERANCE=0.001
EOF
# 3 ranks on the 2-CPU node (import, --overcommit) must not spin on each other
export OMPI_MCA_mpi_yield_when_idle=1
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-$(dirname "$ATTRIB")/plugin}
# no stray settings from the caller's environment
unset ATTRIB_DATA ATTRIB_RULES ATTRIB_CAMPAIGNS ATTRIB_JOB_CONFIG ATTRIB_RECONCILE_REF ATTRIB_SBATCH_ARGS

# --- 1. backfill two months, one chain at a time ---------------------------------------------
s1=$SECONDS
"$src/slurm/backfill.sh" --config "$T/test.job.cfg" -K 1 2026-10 2026-11 >"$T/backfill.out" 2>&1 ||
  { cat "$T/backfill.out"; die "backfill.sh failed"; }
cat "$T/backfill.out"
wait_queue
ok "two monthly chains (10 jobs) ran in $((SECONDS - s1)) s"
for M in 2026-10 2026-11; do
  m=$D/months/$M
  for step in import run report reconcile status; do
    j=$(jobid "$m" $step) || { fail "$M: no job id for $step"; continue; }
    expect_job "$j" COMPLETED 0:0 "$M $step"
    [ -s "$m/logs/$step-$j.log" ] || fail "$M $step: no log $m/logs/$step-$j.log"
  done
  grep -q 'attrib-slurm: run: wrote' "$m/logs/run-$(jobid "$m" run).log" || fail "$M: run log does not say it wrote the results"
  for f in input.h5 results.h5 report.txt report.csv report.json report.html reconcile.txt reconcile.verdict status.txt; do
    [ -s "$m/$f" ] || fail "$M: $f missing or empty"
  done
  [ ! -e "$m/results.h5.tmp" ] || fail "$M: results.h5.tmp left behind"
  n=0
  "$ATTRIB" export "$m/results.h5" credits -o "$T/credits-$M.csv" && n=$(($(wc -l <"$T/credits-$M.csv") - 1))
  ((n > 100)) && ok "$M: $n credit rows" || fail "$M: $n credit rows"
  head -n 1 "$m/report.csv" | grep -q '^campaign_id,' || fail "$M: report.csv has no campaign header"
  "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$m/report.json" || fail "$M: report.json is not JSON"
  grep -qi '<html' "$m/report.html" || fail "$M: report.html is not HTML"
  grep -q "verdict: $M complete" "$m/status.txt" || fail "$M: status.txt: $(tail -n 1 "$m/status.txt")"
done
# the run step attributed only its month
"$PY" - "$T/credits-2026-10.csv" "$T/credits-2026-11.csv" <<'EOF' || fail "credits outside their month"
import csv, sys
lo = {0: 1790812800000, 1: 1793491200000, 2: 1796083200000}   # 2026-10-01, 11-01, 12-01 UTC
for i, p in enumerate(sys.argv[1:]):
    for r in csv.DictReader(open(p)):
        t = int(r["conv_ts"])
        if not lo[i] <= t < lo[i + 1]:
            sys.exit(f"{p}: conv_ts {t} outside the month")
EOF
cmp -s "$D/months/2026-10/report.csv" "$D/external/2026-10.csv" &&
  ok "2026-10: report.csv (2 ranks under srun) equals the direct 1-process figures" ||
  fail "2026-10: report.csv differs from the direct run's"
v=$(cat "$D/months/2026-10/reconcile.verdict")
[ "$v" = "match $D/external/2026-10.csv" ] && ok "2026-10 reconcile: $v" || fail "2026-10 reconcile verdict '$v'"
v=$(cat "$D/months/2026-11/reconcile.verdict")
[ "$v" = no-reference ] && ok "2026-11 reconcile: $v" || fail "2026-11 reconcile verdict '$v' (expected no-reference)"
# -K 1: November's chain waited for October's to end
oct_end=$(job "$(jobid "$D/months/2026-10" status)" EndTime)
nov_start=$(job "$(jobid "$D/months/2026-11" import)" StartTime)
nov_dep=$(grep -o 'starts after job [0-9]*' "$T/backfill.out" | awk '{print $4}')
[ "$nov_dep" = "$(jobid "$D/months/2026-10" status)" ] && [[ ! $nov_start < $oct_end ]] &&
  ok "backfill -K 1: 2026-11 started $nov_start, after 2026-10 ended $oct_end" ||
  fail "backfill -K 1: 2026-11 started $nov_start (after job '$nov_dep'), 2026-10 ended $oct_end"
node_idle "the two chains"

# --- 2. re-submitting a finished month skips every step --------------------------------
before=$(mtime "$D/months/2026-10/results.h5")$(mtime "$D/months/2026-10/input.h5")
out=$("$src/slurm/monthly.sh" --config "$T/test.job.cfg" 2026-10 2>"$T/resubmit.err") || die "monthly.sh 2026-10 (again) failed: $(cat "$T/resubmit.err")"
[ "$out" = "chain 2026-10: import=skip run=skip report=skip reconcile=skip" ] &&
  ok "second monthly.sh 2026-10: $out" || fail "second monthly.sh 2026-10 printed '$out'"
[ -z "$(squeue -h -o %i)" ] || fail "second monthly.sh 2026-10 queued jobs: $(squeue -h)"
[ "$before" = "$(mtime "$D/months/2026-10/results.h5")$(mtime "$D/months/2026-10/input.h5")" ] || fail "outputs of 2026-10 were rewritten"
"$src/slurm/monthly.sh" --config "$T/test.job.cfg" --status 2026-10 >"$T/status-oct.txt" ||
  fail "monthly.sh --status 2026-10 exit $? (expected 0): $(cat "$T/status-oct.txt")"

# --- 2b. recompute.sbatch on its own: parameters from a job config (the argument) and
#         the environment; a failing run is a FAILED job with attrib's exit code --------
cat >"$T/recompute.job.cfg" <<EOF
ATTRIB_BIN=$ATTRIB
ATTRIB_INPUT=$D/months/2026-10/input.h5
ATTRIB_RULES=$D/rules.cfg
ATTRIB_FROM=2026-10-01
ATTRIB_TO=2026-11-01
ATTRIB_MODEL=linear
EOF
printf 'defaults: { model = "no_such_model"; };\n' >"$T/bad.rules.cfg"
good=$(cd "$T" && ATTRIB_OUTPUT=$T/recompute/linear.h5 sbatch --parsable -n 2 "$src/slurm/recompute.sbatch" "$T/recompute.job.cfg")
bad=$(cd "$T" && ATTRIB_OUTPUT=$T/recompute/bad.h5 ATTRIB_RULES=$T/bad.rules.cfg sbatch --parsable -n 2 "$src/slurm/recompute.sbatch" "$T/recompute.job.cfg")
wait_queue
expect_job "$good" COMPLETED 0:0 "recompute.sbatch (model linear)"
[ -s "$T/recompute/linear.h5" ] && [ -s "$T/attrib-recompute-$good.log" ] || fail "recompute.sbatch: no results or no log attrib-recompute-$good.log"
"$ATTRIB" export "$D/months/2026-10/results.h5" report/campaign -o "$T/last_touch.csv" || fail "cannot export"
"$ATTRIB" export "$T/recompute/linear.h5" report/campaign -o "$T/linear.csv" && ! cmp -s "$T/linear.csv" "$T/last_touch.csv" ||
  fail "recompute.sbatch: the linear model's figures equal last_touch's (ATTRIB_MODEL ignored?)"
expect_job "$bad" FAILED 2:0 "recompute.sbatch with invalid rules"
grep -q 'no_such_model' "$T/attrib-recompute-$bad.log" || fail "recompute.sbatch with invalid rules: attrib's message not in its log"
[ ! -e "$T/recompute/bad.h5" ] && [ ! -e "$T/recompute/bad.h5.tmp" ] || fail "recompute.sbatch with invalid rules left an output"

# --- 3. publish November, alter the published figures, redo the report: only report,
#        reconcile (and status) run, and reconcile catches the difference -----------------
"$src/slurm/monthly.sh" --config "$T/test.job.cfg" --publish 2026-11 || fail "--publish 2026-11 failed"
cmp -s "$D/published/2026-11.csv" "$D/months/2026-11/report.csv" || fail "published/2026-11.csv is not the month's report.csv"
"$PY" - "$D/published/2026-11.csv" <<'EOF' || die "cannot alter the published figures"
import csv, sys
p = sys.argv[1]
rows = list(csv.reader(open(p)))
h = rows[0]; c = h.index("conversions")
best = max(range(1, len(rows)), key=lambda i: float(rows[i][c]))
rows[best][c] = repr(float(rows[best][c]) + 1.0)   # one conversion more than we computed
csv.writer(open(p, "w", newline=""), lineterminator="\n").writerows(rows)
EOF
before=$(mtime "$D/months/2026-11/results.h5")$(mtime "$D/months/2026-11/input.h5")
rm "$D/months/2026-11/report.html"
s3=$SECONDS
out=$("$src/slurm/monthly.sh" --config "$T/test.job.cfg" 2026-11 2>"$T/redo.err") || die "monthly.sh 2026-11 (redo) failed: $(cat "$T/redo.err")"
[[ $out =~ ^"chain 2026-11: import=skip run=skip report="[0-9]+" reconcile="[0-9]+" status="[0-9]+$ ]] &&
  ok "monthly.sh 2026-11 after removing report.html: $out" || fail "monthly.sh 2026-11 redo printed '$out'"
wait_queue
m=$D/months/2026-11
expect_job "$(jobid "$m" report)" COMPLETED 0:0 "2026-11 report (redone)"
expect_job "$(jobid "$m" reconcile)" FAILED 1:0 "2026-11 reconcile against altered figures"
expect_job "$(jobid "$m" status)" FAILED 1:0 "2026-11 status"
[ -s "$m/report.html" ] || fail "2026-11: report.html not rewritten"
[ "$before" = "$(mtime "$m/results.h5")$(mtime "$m/input.h5")" ] || fail "2026-11: input or results were rewritten"
[[ $(cat "$m/reconcile.verdict") == "differences $D/published/2026-11.csv" ]] || fail "2026-11 verdict: $(cat "$m/reconcile.verdict")"
grep -q 'verdict: 2026-11 FAILED at step reconcile' "$m/status.txt" && grep -q 'differs from' "$m/status.txt" &&
  ok "2026-11 status names the failed step: $(grep -m1 'differs from' "$m/status.txt" | sed 's/^ *| *//')" ||
  fail "2026-11 status.txt: $(cat "$m/status.txt")"
ok "redo of report + reconcile took $((SECONDS - s3)) s"

# --- 4. a broken drop stops the chain at import -----------------------------------------------
B=$T/data-broken
mkdir -p "$B/drops"
for d in "$D"/drops/*; do ln -s "$d" "$B/drops/$(basename "$d")"; done
ln -s "$D/campaigns.csv" "$B/campaigns.csv"
ln -s "$D/rules.cfg" "$B/rules.cfg"
rm "$B/drops/2026-10-15"
mkdir "$B/drops/2026-10-15"
cp "$D"/drops/2026-10-15/conversions.csv* "$B/drops/2026-10-15/"
{ zcat -f "$D"/drops/2026-10-15/events.csv*
  for i in $(seq 1 40); do echo "9${i}00000,u-broken,not-a-time,1,impression,0.1"; done
} >"$B/drops/2026-10-15/events.csv"
s4=$SECONDS
ATTRIB_DATA=$B "$src/slurm/monthly.sh" --config "$T/test.job.cfg" 2026-10 >"$T/broken.out" 2>&1 || die "monthly.sh on the broken data failed to submit: $(cat "$T/broken.out")"
wait_queue
m=$B/months/2026-10
expect_job "$(jobid "$m" import)" FAILED 2:0 "broken drop: import"
for step in run report reconcile; do
  j=$(jobid "$m" $step)
  expect_job "$j" CANCELLED 0:0 "broken drop: $step"
  [ "$(job "$j" Reason)" = DependencyNeverSatisfied ] || fail "broken drop: $step job $j reason '$(job "$j" Reason)'"
  ls "$m/logs/$step-"* >/dev/null 2>&1 && fail "broken drop: $step left a log: it started"
  for s in ok failed running; do [ -e "$m/state/$step.$s" ] && fail "broken drop: $step has a .$s marker: it ran"; done
done
expect_job "$(jobid "$m" status)" FAILED 1:0 "broken drop: status"
for f in input.h5 input.h5.tmp results.h5 report.csv; do [ -e "$m/$f" ] && fail "broken drop: $f exists"; done
[ -s "$m/rejects.csv" ] && grep -q 'events.csv' "$m/rejects.csv" || fail "broken drop: no rejects.csv naming events.csv"
grep -q 'verdict: 2026-10 FAILED at step import' "$m/status.txt" || fail "broken drop: status.txt: $(cat "$m/status.txt")"
grep -qi 'reject' "$m/status.txt" || fail "broken drop: status.txt does not quote attrib's message: $(cat "$m/status.txt")"
set +e
ATTRIB_DATA=$B "$src/slurm/monthly.sh" --config "$T/test.job.cfg" --status 2026-10 >"$T/status-broken.txt"
rc=$?
set -e
[ $rc = 1 ] && grep -q 'CANCELLED, not run: an earlier step failed' "$T/status-broken.txt" ||
  fail "monthly.sh --status on the broken month: exit $rc: $(cat "$T/status-broken.txt")"
echo "---- monthly.sh --status 2026-10 (broken drop):"
cat "$T/status-broken.txt"
ok "broken drop handled in $((SECONDS - s4)) s"
node_idle "every job"

# --- 5. stop -------------------------------------------------------------------------------
ctld=$(cat "$T/slurm/run/slurmctld.pid") sd=$(cat "$T/slurm/run/slurmd.pid") mg=$(cat "$T/slurm/munge/munged.pid")
"$src/tests/slurm/slurm_down.sh" "$T/slurm"
for p in $ctld $sd $mg; do kill -0 "$p" 2>/dev/null && fail "daemon pid $p still running after slurm_down.sh"; done
if ((fails)); then dump; echo "slurm e2e: $fails check(s) FAILED in $((SECONDS - t0)) s"; exit 1; fi
echo "slurm e2e: PASS in $((SECONDS - t0)) s"

#!/usr/bin/env bash
# End-to-end test of the daily month-to-date chain (slurm/daily.sh) on a real
# single-node Slurm (as root; slurm-wlm and munge installed, see scripts/deps.sh --test):
#
#   tests/slurm/daily.sh [ATTRIB_BINARY]        (default: $ATTRIB, else build/attrib)
#
# Brings up munged/slurmctld/slurmd under a temp dir (tests/slurm/slurm_up.sh, port
# $ATTRIB_SLURM_PORT, default 6827), generates October 2026 (and September's events as
# the lookback margin) with `attrib gen`, split into daily drops, and adds to the drop
# of 10-31 a late event: an engagement dated 10-29, one second before a conversion of
# 10-29, for another campaign of its advertiser. Then:
#   1. daily.sh 10-29, 10-30, 10-31 submitted at once: each day's chain waits for the
#      day before; every job COMPLETED 0:0 except 10-31's delta and status (FAILED 1:0:
#      ATTRIB_DAILY_MAX_REVISED=0 and the late event revised a conversion); 10-29's
#      figures equal a direct 1-process run on the same files; 10-29 has no previous
#      day, 10-30's delta counts the new conversions, 10-31's names the conversion
#      moved from its campaign to the late event's. The counts (new, lost, moved, credit
#      changed) and the per-campaign changes equal what the test derives itself from
#      the two days' exported credits and reports.
#   2. 10-31 is the month's last day: its status job submitted the monthly chain of
#      2026-10; its report.csv equals the day's byte for byte, its reconcile matched the
#      day's results, and `attrib reconcile --by conversion --tolerance 0` of the two
#      agrees.
#   3. daily.sh of the three days again, and monthly.sh 2026-10: nothing submitted,
#      nothing rewritten. daily.sh --force 10-30, from inside a job (as scrontab runs
#      it): the whole day is redone, same delta.
#   4. month end in the other order, on a fresh data root: monthly.sh 2026-10 by hand
#      right after daily.sh 10-31: both succeed, the status job leaves the month's
#      chain alone, the figures are equal.
#   5. a day without its drop: import FAILED 2:0, the later steps cancelled, the
#      status names the step and attrib-slurm's message.
#   Also: --status exit codes (0 complete, 1 review); bad arguments exit 2; --dry-run;
#   --labels is exercised only when `attrib run --help` offers it (else a stand-in
#   attrib checks that ATTRIB_DAILY_LABELS=1 passes it; the output says which).
# Bounded: ATTRIB_SLURM_TEST_TIMEOUT seconds (default 200); the daemons are stopped by
# pid on any exit. KEEP=1 keeps the temp dir. Exit 0 pass, 1 fail, 77 skipped.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
ATTRIB=${1:-${ATTRIB:-$src/build/attrib}}
ATTRIB=$(cd "$(dirname "$ATTRIB")" && pwd)/$(basename "$ATTRIB")
limit=${ATTRIB_SLURM_TEST_TIMEOUT:-200}
export ATTRIB_SLURM_PORT=${ATTRIB_SLURM_PORT:-6827}
t0=$SECONDS
PY=/usr/bin/python3
N="slurm daily"

if [ "$(id -u)" != 0 ]; then echo "$N: SKIP: needs root"; exit 77; fi
for t in slurmctld slurmd munged sbatch srun; do
  command -v $t >/dev/null || { echo "$N: SKIP: $t not installed (apt-get install slurm-wlm munge)"; exit 77; }
done
[ -x "$ATTRIB" ] || { echo "$N: FAIL: no attrib binary at $ATTRIB"; exit 1; }

T=$(mktemp -d /tmp/attrib-slurm-daily.XXXXXX)
chmod 0755 "$T" # munged (user munge) must reach its socket under it
cleanup() {
  local rc=$?
  "$src/tests/slurm/slurm_down.sh" "$T/slurm" || true
  if [ "${KEEP:-0}" = 1 ] || [ $rc != 0 ]; then echo "$N: files kept in $T"; else rm -rf "$T"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fails=0
fail() { echo "$N: FAIL: $*"; fails=$((fails + 1)); }
die() { echo "$N: FAIL: $*"; dump; exit 1; }
ok() { echo "$N: ok: $*"; }
dump() {
  echo "---- squeue"; squeue 2>&1 || true
  for f in "$T"/data/days/*/status.txt "$T"/data/months/*/status.txt "$T"/data/days/*/logs/*.log "$T"/data/months/*/logs/*.log; do
    [ -f "$f" ] && { echo "---- $f"; tail -n 15 "$f"; }
  done
  tail -n 20 "$T/slurm/log/slurmctld.log" 2>/dev/null || true
}
left() { echo $((limit - (SECONDS - t0))); }

cd "$T" # jobs start in the directory they were submitted from
"$src/tests/slurm/slurm_up.sh" "$T/slurm" || die "Slurm did not come up"
# shellcheck disable=SC1091
. "$T/slurm/env.sh"
node=$(sinfo -h -N -o '%N' | head -n 1)
ok "Slurm up in $((SECONDS - t0)) s (node $node, port $ATTRIB_SLURM_PORT)"

wait_queue() {
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
jobid() { cat "$1/state/$2.jobid" 2>/dev/null || echo "none"; }
mtime() { stat -c %Y.%y "$1"; }

# --- data -----------------------------------------------------------------------------
D=$T/data
D1=2026-10-29 D2=2026-10-30 D3=2026-10-31
mkdir -p "$D/drops"
"$ATTRIB" gen --events 4000 --conversions 400 --from 2026-10-01 --days 31 --lookback-days 30 \
  --seed 11 --csv "$T/gen" -q || die "attrib gen failed"
cp "$T/gen/campaigns.csv" "$D/campaigns.csv"
cp "$src/conf/example.rules.cfg" "$D/rules.cfg"
"$PY" - "$T/gen" "$D/drops" <<'EOF' || die "splitting the generated data into daily drops failed"
import csv, datetime, gzip, os, sys
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
    for i, d in enumerate(days):
        dd = os.path.join(drops, d.isoformat())
        os.makedirs(dd, exist_ok=True)
        gz = i % 5 == 2
        path = os.path.join(dd, name + ".csv" + (".gz" if gz else ""))
        with (gzip.open(path, "wt", newline="") if gz else open(path, "w", newline="")) as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows[d])
EOF
ok "data: $(ls "$D/drops" | wc -l) daily drops $(ls "$D/drops" | head -n 1) .. $(ls "$D/drops" | tail -n 1)"

direct() { # DAY OUT.h5: a direct 1-process month-to-date run on the files the chain reads
  local args=() f
  for f in "$D"/drops/2026-09-*/events*.csv* "$D"/drops/2026-10-*/events*.csv*; do
    [[ ${f#"$D"/drops/} > "$1/~" ]] || args+=(--events "$f")
  done
  for f in "$D"/drops/2026-10-*/conversions*.csv*; do
    [[ ${f#"$D"/drops/} > "$1/~" ]] || args+=(--conversions "$f")
  done
  "$ATTRIB" import -q "${args[@]}" --campaigns "$D/campaigns.csv" -o "$2.in.h5" 2>/dev/null &&
    "$ATTRIB" run -q -c "$D/rules.cfg" -i "$2.in.h5" --from 2026-10-01 --to "$(date -u -d "$1 +1 day" +%F)" -o "$2"
}
direct $D1 "$T/direct-$D1.h5" || die "direct run of $D1 failed"
"$ATTRIB" report "$T/direct-$D1.h5" --format csv -o "$T/direct-$D1.csv" || die "direct report failed"
"$ATTRIB" export "$T/direct-$D1.h5" credits -o "$T/direct-$D1-credits.csv" || die "export failed"

# The late event: a conversion of D1 credited wholly to one campaign X, whose advertiser
# has another campaign Y without campaign rules; an engagement with Y one second before
# the conversion (after X's touch), delivered in D3's drop. Under the advertiser's
# model the set of credited campaigns then changes: the conversion "moves".
"$ATTRIB" check -c "$D/rules.cfg" | sed -n 's/^campaign \([0-9]*\):.*/\1/p' >"$T/ruled-campaigns"
"$PY" - "$T/direct-$D1-credits.csv" "$T/gen" "$T/ruled-campaigns" "$D/drops/$D3/events-late.csv" "$T/late.txt" <<'EOF' || die "cannot build the late event"
import csv, sys, datetime
credits, gen, ruled, out, info = sys.argv[1:]
day = int(datetime.datetime(2026, 10, 29, tzinfo=datetime.timezone.utc).timestamp() * 1000)
ruled = {int(x) for x in open(ruled).read().split()}
camp = {int(r["campaign_id"]): int(r["advertiser_id"]) for r in csv.DictReader(open(gen + "/campaigns.csv"))}
convs = list(csv.DictReader(open(gen + "/conversions.csv")))
count = {}
for c in convs:
    count[(c["conversion_id"], c["advertiser_id"])] = count.get((c["conversion_id"], c["advertiser_id"]), 0) + 1
rows = {}
for r in csv.DictReader(open(credits)):
    rows.setdefault((r["conversion_id"], r["advertiser_id"]), []).append(r)
maxev = max(int(e["event_id"]) for e in csv.DictReader(open(gen + "/events.csv")))
for key in sorted(rows, key=lambda k: (int(k[0]), int(k[1]))):
    rs = rows[key]
    if len(rs) != 1 or float(rs[0]["credit"]) != 1.0 or count.get(key) != 1:
        continue
    r = rs[0]
    ct, tt, x = int(r["conv_ts"]), int(r["touch_ts"]), int(r["campaign_id"])
    if not (day + 2000 <= ct < day + 86400000 and ct - tt >= 2000 and x not in ruled):
        continue
    ys = sorted(c for c, a in camp.items() if a == int(key[1]) and c != x and c not in ruled)
    if not ys:
        continue
    conv = next(c for c in convs if (c["conversion_id"], c["advertiser_id"]) == key)
    with open(out, "w") as f:
        f.write("event_id,identity,timestamp,campaign_id,kind,cost\n")
        f.write(f"{maxev + 1000},{conv['identity']},{ct - 1000},{ys[0]},engagement,0.5\n")
    open(info, "w").write(f"{key[0]} {key[1]} {x} {ys[0]} {ct - 1000}\n")
    sys.exit(0)
sys.exit("no suitable conversion on 2026-10-29")
EOF
read -r LC LA LX LY LTS <"$T/late.txt"
ok "late event in $D3's drop: engagement with campaign $LY at $(date -u -d @$((LTS / 1000)) +%FT%TZ) before conversion $LC (advertiser $LA), credited on $D1 to campaign $LX"

labels=0
if "$ATTRIB" run --help 2>&1 | grep -q -- --labels; then labels=1; fi
cat >"$T/test.job.cfg" <<EOF
ATTRIB_DATA=$D
ATTRIB_BIN=$ATTRIB
ATTRIB_LOOKBACK_DAYS=30
ATTRIB_IMPORT_SBATCH="--ntasks=2"
ATTRIB_RUN_SBATCH="--ntasks=2"
ATTRIB_DAILY_LABELS=$labels
# any revised conversion marks the day for review (the rate bound stays at its 1% default)
ATTRIB_DAILY_MAX_REVISED=0
EOF
export OMPI_MCA_mpi_yield_when_idle=1
export HDF5_PLUGIN_PATH=${HDF5_PLUGIN_PATH:-$(dirname "$ATTRIB")/plugin}
unset ATTRIB_DATA ATTRIB_RULES ATTRIB_CAMPAIGNS ATTRIB_JOB_CONFIG ATTRIB_RECONCILE_REF ATTRIB_SBATCH_ARGS
unset ${!ATTRIB_DAILY_@}
DS=$src/slurm/daily.sh
cfg=(--config "$T/test.job.cfg")

# --- usage ------------------------------------------------------------------------------
for bad in "2026-02-30" "2026-10" "--from-step reconcile $D1" "--bogus $D1"; do
  set +e
  # shellcheck disable=SC2086
  "$DS" "${cfg[@]}" $bad >/dev/null 2>&1
  rc=$?
  set -e
  [ $rc = 2 ] || fail "daily.sh $bad: exit $rc, expected 2"
done
"$DS" --help >"$T/help.txt" 2>&1 && fail "daily.sh --help exit 0 (usage exits 2)"
grep -q 'month-to-date chain' "$T/help.txt" && grep -q -- '--status' "$T/help.txt" || fail "daily.sh --help: $(head -n 3 "$T/help.txt")"
if [ $labels = 0 ]; then
  set +e; ATTRIB_DAILY_LABELS=1 "$DS" "${cfg[@]}" --dry-run $D1 >/dev/null 2>"$T/labels.err"; rc=$?; set -e
  [ $rc = 2 ] && grep -q -- '--labels' "$T/labels.err" && ok "ATTRIB_DAILY_LABELS=1 with an attrib without --labels: refused (exit 2)" ||
    fail "ATTRIB_DAILY_LABELS=1 without --labels support: exit $rc: $(cat "$T/labels.err")"
fi
y=$(date -u -d yesterday +%F)
"$DS" "${cfg[@]}" --dry-run yesterday >/dev/null 2>"$T/dry.err" && grep -q "daily.sbatch import $y\$" "$T/dry.err" ||
  fail "daily.sh --dry-run yesterday: $(cat "$T/dry.err")"
[ -z "$(squeue -h -o %i)" ] && [ ! -e "$D/days/$y" ] || fail "--dry-run submitted jobs or wrote $D/days/$y"
ok "usage errors exit 2; --dry-run yesterday ($y) submits nothing"

# --- 1. three consecutive days, submitted at once --------------------------------------------
s1=$SECONDS
for day in $D1 $D2 $D3; do
  out=$("$DS" "${cfg[@]}" $day 2>>"$T/submit.err") || { cat "$T/submit.err"; die "daily.sh $day failed"; }
  echo "$out"
  echo "$out" >"$T/submit-$day.out"
done
grep -q "daily: $D2: waits for the chain of $D1" "$T/submit.err" && grep -q "daily: $D3: waits for the chain of $D2" "$T/submit.err" ||
  fail "the days' chains do not wait for each other: $(cat "$T/submit.err")"
grep -q "daily: $D3: month end: the status job submits the monthly chain of 2026-10" "$T/submit.err" ||
  fail "$D3 (month end) does not say it feeds the monthly chain: $(cat "$T/submit.err")"
wait_queue
ok "three daily chains and the monthly chain ran in $((SECONDS - s1)) s"

for day in $D1 $D2 $D3; do
  d=$D/days/$day
  for step in import run report delta status; do
    j=$(jobid "$d" $step)
    if [ $day = $D3 ] && { [ $step = delta ] || [ $step = status ]; }; then
      expect_job "$j" FAILED 1:0 "$day $step (marked for review)"
    else
      expect_job "$j" COMPLETED 0:0 "$day $step"
    fi
    [ -s "$d/logs/$step-$j.log" ] || fail "$day $step: no log $d/logs/$step-$j.log"
  done
  for f in input.h5 results.h5 report.txt report.csv report.json report.html delta.txt delta.verdict status.txt; do
    [ -s "$d/$f" ] || fail "$day: $f missing or empty"
  done
done
# each day's chain started after the day before had ended
for pair in "$D1 $D2" "$D2 $D3"; do
  read -r a b <<<"$pair"
  e=$(job "$(jobid "$D/days/$a" status)" EndTime) s=$(job "$(jobid "$D/days/$b" import)" StartTime)
  [[ ! $s < $e ]] && ok "$b started $s, after $a ended $e" || fail "$b started $s, before $a ended $e"
done
cmp -s "$D/days/$D1/report.csv" "$T/direct-$D1.csv" && ok "$D1: report.csv (2 ranks under srun) equals the direct 1-process run" ||
  fail "$D1: report.csv differs from the direct run's"
[ "$(cat "$D/days/$D1/delta.verdict")" = no-previous ] && ok "$D1: delta no-previous (no earlier day of the month)" ||
  fail "$D1: delta verdict '$(cat "$D/days/$D1/delta.verdict")'"
if [ $labels = 1 ]; then
  h5ls "$D/days/$D1/results.h5/labels" >/dev/null 2>&1 && ok "labels: EXERCISED: ATTRIB_DAILY_LABELS=1 wrote /labels" ||
    fail "ATTRIB_DAILY_LABELS=1 but $D1's results have no /labels"
else
  echo "$N: labels: NOT EXERCISED (this attrib's run has no --labels; checked: the refusal, and the pass-through to a stand-in)"
fi

# ATTRIB_DAILY_LABELS=1 passes --labels to attrib run: checked with a stand-in attrib
# (the real one, minus the option) when this attrib has none; the run step on its own.
if [ $labels = 0 ]; then
  W=$T/labels-standin
  mkdir -p "$W/data/days/$D1"
  cp "$D/days/$D1/input.h5" "$W/data/days/$D1/"
  cat >"$W/attrib" <<STANDIN
#!/usr/bin/env bash
args=()
for a in "\$@"; do if [ "\$a" = --labels ]; then echo "\$*" >>"$W/labels.log"; else args+=("\$a"); fi; done
exec "$ATTRIB" "\${args[@]}"
STANDIN
  chmod +x "$W/attrib"
  if (unset ATTRIB_STEP ATTRIB_STATE_DIR; ATTRIB_DATA=$W/data ATTRIB_BIN=$W/attrib ATTRIB_DAILY_LABELS=1 ATTRIB_RULES=$D/rules.cfg \
      ATTRIB_CAMPAIGNS=$D/campaigns.csv "$src/slurm/daily.sbatch" run $D1 >"$W/run.log" 2>&1) &&
    grep -q -- "--labels" "$W/labels.log" 2>/dev/null &&
    "$ATTRIB" reconcile "$D/days/$D1/results.h5" "$W/data/days/$D1/results.h5" --by conversion --tolerance 0 >/dev/null; then
    ok "ATTRIB_DAILY_LABELS=1: the run step passed --labels (to a stand-in attrib that drops it; real labels NOT EXERCISED)"
  else
    fail "ATTRIB_DAILY_LABELS=1: --labels not passed to attrib run: $(cat "$W/labels.log" "$W/run.log" 2>&1 | tail -n 5)"
  fi
fi

# The delta, derived independently from the exported credits and campaign reports.
for day in $D2 $D3; do
  "$ATTRIB" export "$D/days/$day/results.h5" credits -o "$T/credits-$day.csv" || fail "export $day"
done
"$ATTRIB" export "$D/days/$D1/results.h5" credits -o "$T/credits-$D1.csv" || fail "export $D1"
check_delta() { # PREV DAY
  "$PY" - "$T/credits-$1.csv" "$T/credits-$2.csv" "$D/days/$1/report.csv" "$D/days/$2/report.csv" \
    "$D/days/$2/delta.verdict" "$D/days/$2/delta-conversions.json" "$D/days/$2/delta-campaigns.json" "$1" <<'EOF'
import csv, json, sys
ca, cb, ra, rb, verdict, jconv, jcamp, prev = sys.argv[1:]
def credits(p):
    out = {}
    for r in csv.DictReader(open(p)):
        k = (int(r["conversion_id"]), int(r["advertiser_id"]))
        c = out.setdefault(k, {}).setdefault(int(r["campaign_id"]), [0.0, 0.0])
        c[0] += float(r["credit"]); c[1] += float(r["credited_value"])
    return out
A, B = credits(ca), credits(cb)
tol = 0.001
kinds = {"new": set(), "lost": set(), "moved": set(), "credit_changed": set()}
for k in set(A) | set(B):
    a, b = A.get(k), B.get(k)
    if a is None: kinds["new"].add(k)
    elif b is None: kinds["lost"].add(k)
    elif set(a) != set(b): kinds["moved"].add(k)
    elif any(abs(a[c][i] - b[c][i]) > tol for c in a for i in (0, 1)): kinds["credit_changed"].add(k)
v = dict(x.split("=", 1) for x in open(verdict).read().split(" reason=")[0].split()[2:])
errs = []
for kind, ks in kinds.items():
    if int(v[kind]) != len(ks): errs.append(f"{kind}: verdict {v[kind]}, derived {len(ks)}")
rev = len(kinds["lost"]) + len(kinds["moved"]) + len(kinds["credit_changed"])
if int(v["revised"]) != rev or int(v["of"]) != len(A):
    errs.append(f"revised {v['revised']} of {v['of']}, derived {rev} of {len(A)}")
if open(verdict).read().split()[1] != prev: errs.append("verdict names another previous day")
j = json.load(open(jconv))
for kind, ks in kinds.items():
    listed = {(e["conversion_id"], e["advertiser_id"]) for e in j[kind]}
    if listed != ks: errs.append(f"{kind}: JSON lists {len(listed)}, derived {len(ks)}")
def report(p):
    return {int(r["campaign_id"]): (float(r["conversions"]), float(r["value"])) for r in csv.DictReader(open(p))}
RA, RB = report(ra), report(rb)
camps = json.load(open(jcamp))["campaigns"]
got = {c["campaign_id"]: (c["conversions_delta"], c["value_delta"]) for c in camps if c["differs"]}
want = {c: (RB.get(c, (0, 0))[0] - RA.get(c, (0, 0))[0], RB.get(c, (0, 0))[1] - RA.get(c, (0, 0))[1])
        for c in set(RA) | set(RB)}
want = {c: d for c, d in want.items() if abs(d[0]) > tol or abs(d[1]) > tol}
if set(got) != set(want): errs.append(f"campaigns changed: delta {sorted(got)}, reports {sorted(want)}")
for c in got:
    if c in want and (abs(got[c][0] - want[c][0]) > 1e-9 or abs(got[c][1] - want[c][1]) > 1e-6):
        errs.append(f"campaign {c}: delta {got[c]}, reports {want[c]}")
if int(v["campaigns_changed"]) != len(want): errs.append(f"campaigns_changed {v['campaigns_changed']}, derived {len(want)}")
if errs: sys.exit("; ".join(errs))
print(" ".join(f"{k}={len(s)}" for k, s in kinds.items()), f"campaigns_changed={len(want)}")
EOF
}
if got=$(check_delta $D1 $D2 2>&1); then ok "$D2 delta equals the derived one: $got"; else fail "$D2 delta: $got"; fi
if got=$(check_delta $D2 $D3 2>&1); then ok "$D3 delta equals the derived one: $got"; else fail "$D3 delta: $got"; fi
v2=$(cat "$D/days/$D2/delta.verdict") v3=$(cat "$D/days/$D3/delta.verdict")
[[ $v2 == "ok $D1 "* ]] && [[ $v2 == *" revised=0 "* ]] && [[ ! $v2 == *" new=0 "* ]] && ok "$D2: $v2" || fail "$D2 verdict: $v2"
[[ $v3 == "review $D2 "* ]] && [[ ! $v3 == *" moved=0 "* ]] && ok "$D3: $v3" || fail "$D3 verdict: $v3"
# the moved conversion is named: in the JSON (from X to Y) and in delta.txt's moved section
"$PY" - "$D/days/$D3/delta-conversions.json" "$LC" "$LA" "$LX" "$LY" <<'EOF' && ok "$D3 delta names conversion $LC as moved from campaign $LX to $LY" || fail "$D3 delta does not name conversion $LC moved $LX -> $LY"
import json, sys
j = json.load(open(sys.argv[1])); c, a, x, y = map(int, sys.argv[2:])
e = [e for e in j["moved"] if (e["conversion_id"], e["advertiser_id"]) == (c, a)]
assert len(e) == 1, "not in moved"
ca = {k["campaign_id"] for k in e[0]["a"]["credits"]}
cb = {k["campaign_id"] for k in e[0]["b"]["credits"]}
assert ca == {x} and y in cb and x not in cb, (ca, cb)
EOF
sed -n '/^moved/,/^$/p' "$D/days/$D3/delta.txt" | grep -Eq "^ +$LC +$LA +$LX:1 +$LY:1" &&
  ok "$D3 delta.txt: $(sed -n '/^moved/,/^$/p' "$D/days/$D3/delta.txt" | grep -E "^ +$LC +$LA ")" ||
  fail "$D3 delta.txt moved section: $(sed -n '/^moved/,/^$/p' "$D/days/$D3/delta.txt")"
st3=$D/days/$D3/status.txt
grep -q "^verdict: $D3 complete; REVIEW:" "$st3" && grep -q "^figures: " "$st3" && grep -q "^delta: against $D2: .* moved" "$st3" &&
  grep -q '^  delta *REVIEW' "$st3" && ok "$D3 status names the figures, the delta and the review" || fail "$D3 status.txt: $(cat "$st3")"
echo "---- $st3"; cat "$st3"
grep -q "^verdict: $D2 complete; delta ok" "$D/days/$D2/status.txt" || fail "$D2 status.txt: $(cat "$D/days/$D2/status.txt")"

# --- 2. the month end fed the monthly chain ------------------------------------------------
m=$D/months/2026-10
grep -Eq "^month end: monthly chain of 2026-10 submitted: chain 2026-10: import=$(jobid "$m" import) run=[0-9]+ report=[0-9]+ reconcile=[0-9]+ status=$(jobid "$m" status)\$" "$st3" &&
  ok "$D3's status job fed the monthly chain: $(grep '^month end' "$st3")" || fail "$D3 status.txt does not name the monthly chain it submitted: $(cat "$st3")"
tail -n 1 "$st3" | grep -q "^verdict: $D3 " || fail "$D3 status.txt does not end with its verdict: $(tail -n 2 "$st3")"
for step in import run report reconcile status; do expect_job "$(jobid "$m" $step)" COMPLETED 0:0 "monthly 2026-10 $step"; done
e=$(job "$(jobid "$D/days/$D3" status)" EndTime) s=$(job "$(jobid "$m" import)" StartTime)
[[ ! $s < $e ]] || fail "the monthly chain started $s, before $D3's chain ended $e"
cmp -s "$m/report.csv" "$D/days/$D3/report.csv" && ok "month end: monthly 2026-10 report.csv equals $D3's" ||
  fail "month end: monthly report.csv differs from $D3's"
[ "$(cat "$m/reconcile.verdict")" = "match $D/days/$D3/results.h5" ] && ok "monthly reconcile: $(cat "$m/reconcile.verdict")" ||
  fail "monthly reconcile verdict: $(cat "$m/reconcile.verdict" 2>/dev/null)"
"$ATTRIB" reconcile "$D/days/$D3/results.h5" "$m/results.h5" --by conversion --tolerance 0 >"$T/month-end.txt" &&
  ok "month end: reconcile --by conversion --tolerance 0: $(tail -n 1 "$T/month-end.txt")" || fail "month end: $(cat "$T/month-end.txt")"

# --- 3. reruns submit nothing; --force redoes ---------------------------------------------
before=""
for day in $D1 $D2 $D3; do before+=$(mtime "$D/days/$day/results.h5")$(mtime "$D/days/$day/delta.verdict"); done
before+=$(mtime "$m/results.h5")
for day in $D1 $D2 $D3; do
  out=$("$DS" "${cfg[@]}" $day 2>"$T/rerun.err") || fail "daily.sh $day (rerun): $(cat "$T/rerun.err")"
  [ "$out" = "chain $day: import=skip run=skip report=skip delta=skip" ] && ok "rerun daily.sh $day: $out" || fail "rerun daily.sh $day printed '$out'"
done
grep -q "daily: $D3: month end: monthly chain of 2026-10 complete: not submitted again" "$T/rerun.err" || fail "rerun $D3: $(cat "$T/rerun.err")"
out=$("$src/slurm/monthly.sh" "${cfg[@]}" 2026-10 2>/dev/null) || fail "monthly.sh 2026-10 (rerun) failed"
[ "$out" = "chain 2026-10: import=skip run=skip report=skip reconcile=skip" ] || fail "rerun monthly.sh 2026-10 printed '$out'"
[ -z "$(squeue -h -o %i)" ] && ok "reruns queued no job" || fail "reruns queued jobs: $(squeue -h)"
after=""
for day in $D1 $D2 $D3; do after+=$(mtime "$D/days/$day/results.h5")$(mtime "$D/days/$day/delta.verdict"); done
after+=$(mtime "$m/results.h5")
[ "$before" = "$after" ] || fail "reruns rewrote outputs"
set +e
"$DS" "${cfg[@]}" --status $D3 >"$T/status3.txt"; rc3=$?
"$DS" "${cfg[@]}" --status $D2 >"$T/status2.txt"; rc2=$?
set -e
[ $rc3 = 1 ] && [ $rc2 = 0 ] && ok "--status: $D3 exit 1 (review), $D2 exit 0" || fail "--status exit $rc3 ($D3), $rc2 ($D2)"

# --force, submitted from inside a job as scrontab would (sbatch --wrap; --wait: until
# the wrapping job has submitted the chain and ended)
old=$(mtime "$D/days/$D2/results.h5")
wj=$(sbatch --parsable --wait --output="$T/force-%j.log" --wrap "$DS --config $T/test.job.cfg --force $D2") ||
  fail "sbatch --wrap 'daily.sh --force $D2' failed: $(cat "$T"/force-*.log)"
expect_job "$wj" COMPLETED 0:0 "daily.sh --force $D2 inside a job"
out=$(grep '^chain ' "$T/force-$wj.log" || true)
[[ $out =~ ^"chain $D2: import="[0-9]+" run="[0-9]+" report="[0-9]+" delta="[0-9]+" status="[0-9]+$ ]] &&
  ok "daily.sh --force $D2: $out" || fail "daily.sh --force $D2 printed '$out'"
wait_queue
for step in import run report delta status; do expect_job "$(jobid "$D/days/$D2" $step)" COMPLETED 0:0 "--force $D2 $step"; done
[ "$old" != "$(mtime "$D/days/$D2/results.h5")" ] || fail "--force $D2 did not rewrite results.h5"
[ "$(cat "$D/days/$D2/delta.verdict")" = "$v2" ] && ok "--force $D2: same delta" || fail "--force $D2: delta now '$(cat "$D/days/$D2/delta.verdict")', was '$v2'"
# --- 4. month end, the other order: monthly.sh submitted by hand right after daily.sh of
#        the last day (data it has never seen: a fresh data root on the same drops).
#        Both submit; the status job then finds the month's chain queued and leaves it.
R=$T/data-race
mkdir -p "$R"
ln -s "$D/drops" "$R/drops"; ln -s "$D/campaigns.csv" "$R/campaigns.csv"; ln -s "$D/rules.cfg" "$R/rules.cfg"
ATTRIB_DATA=$R "$DS" "${cfg[@]}" $D3 >"$T/race.out" 2>&1 || fail "race: daily.sh $D3: $(cat "$T/race.out")"
ATTRIB_DATA=$R "$src/slurm/monthly.sh" "${cfg[@]}" 2026-10 >>"$T/race.out" 2>&1 || fail "race: monthly.sh 2026-10 right after daily.sh: $(cat "$T/race.out")"
wait_queue
grep -q "^month end: monthly chain of 2026-10 already queued or running (job [0-9]*): not submitted again" "$R/days/$D3/status.txt" &&
  ok "race: $D3's status job left the month's chain submitted by hand alone" || fail "race: $D3 status.txt: $(cat "$R/days/$D3/status.txt")"
for step in import run report reconcile status; do expect_job "$(jobid "$R/months/2026-10" $step)" COMPLETED 0:0 "race: monthly 2026-10 $step"; done
[ "$(cat "$R/days/$D3/delta.verdict")" = no-previous ] || fail "race: $D3 alone has delta '$(cat "$R/days/$D3/delta.verdict")'"
cmp -s "$R/months/2026-10/report.csv" "$R/days/$D3/report.csv" && cmp -s "$R/days/$D3/report.csv" "$D/days/$D3/report.csv" &&
  ok "race: the month's report.csv equals $D3's (and the first data root's)" || fail "race: report.csv differ"
"$ATTRIB" reconcile "$R/days/$D3/results.h5" "$R/months/2026-10/results.h5" --by conversion --tolerance 0 >/dev/null ||
  fail "race: the month's results differ from $D3's"

# --- 5. a day without its drop: import FAILED 2:0, the rest cancelled, the status says so
ATTRIB_DATA=$R "$DS" "${cfg[@]}" 2026-11-01 >"$T/nodrop.out" 2>&1 || fail "daily.sh 2026-11-01: $(cat "$T/nodrop.out")"
wait_queue
n=$R/days/2026-11-01
expect_job "$(jobid "$n" import)" FAILED 2:0 "no drop for 2026-11-01: import"
for step in run report delta; do expect_job "$(jobid "$n" $step)" CANCELLED 0:0 "no drop for 2026-11-01: $step"; done
expect_job "$(jobid "$n" status)" FAILED 1:0 "no drop for 2026-11-01: status"
grep -q '^verdict: 2026-11-01 FAILED at step import' "$n/status.txt" && grep -q 'no complete drop' "$n/status.txt" &&
  ok "no drop for 2026-11-01: the status names the step and the cause" || fail "no drop: status.txt: $(cat "$n/status.txt")"
for f in input.h5 results.h5 delta.verdict; do [ -e "$n/$f" ] && fail "no drop for 2026-11-01: $f exists"; done

state=$(sinfo -h -N -n "$node" -o '%T')
[ "$state" = idle ] && ok "node $node idle after every job" || fail "node $node is '$state'"

if ((fails)); then dump; echo "$N: $fails check(s) FAILED in $((SECONDS - t0)) s"; exit 1; fi
echo "$N: PASS in $((SECONDS - t0)) s"

#!/usr/bin/env bash
# Extreme shapes of input (issue "bad input catalogue"):
#  - one identity with 10^6 touches (and 2000 conversions): `attrib run` finishes in
#    bounded time and memory (max RSS per rank from /usr/bin/time), with exact results;
#  - all rows in one partition (skew) at 3 ranks: the plan finishes, `--plan` and the
#    progress line say how unbalanced the ranks are, and the tables equal the 1-rank run.
set -euo pipefail
: "${ATTRIB:?}"
MPI="${MPIEXEC:-mpiexec} --allow-run-as-root --oversubscribe"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "skip: no /usr/bin/time"; exit 77; }

printf 'campaign_id,advertiser_id,name\n1,1,A\n2,1,B\n3,2,C\n' >camp.csv
# One touch a minute for ~694 days, campaigns 1..3 in turn (kind follows the campaign);
# %.0f, not %d: mawk's %d stops at 2^31.
awk 'BEGIN { print "event_id,identity,timestamp,campaign_id,kind,cost"
  k[0] = "impression"; k[1] = "engagement"; k[2] = "nurture"
  for (i = 1; i <= 1000000; i++)
    printf "%d,heavy.user@example.com,%.0f,%d,%s,0.001\n", i, 1790000000000 + i * 60000, 1 + i % 3, k[i % 3] }' >ev.csv
# A conversion every 30 000 000 ms (500 minutes) + 7 ms, advertisers 2 and 1 in turn.
awk 'BEGIN { print "conversion_id,identity,timestamp,advertiser_id,type,value"
  for (i = 1; i <= 2000; i++)
    printf "%d,heavy.user@example.com,%.0f,%d,purchase,10\n", i, 1790000000000 + i * 30000000 + 7, 1 + i % 2 }' >cv.csv
cat >rules.cfg <<'EOF'
defaults: { model = "last_touch"; engagement_priority = true;
  lookback = { engagement = "30d"; impression = "30d"; nurture = "30d"; }; };
EOF
timeout 120 "$ATTRIB" import -q --events ev.csv --conversions cv.csv --campaigns camp.csv -o in.h5
for n in 1 3; do
    rc=0
    timeout 120 /usr/bin/time -f "%e s %M KB" -o time$n.txt $MPI -n $n "$ATTRIB" run -c rules.cfg \
        -i in.h5 -o out$n.h5 2>err$n.txt || rc=$?
    [ "$rc" = 0 ] || fail "heavy identity, $n ranks: exit $rc: $(cat err$n.txt)"
    read -r secs _ kb _ <time$n.txt
    echo "heavy identity at $n ranks: $secs s, max RSS $kb KB"
    # 35 MiB of rows: a few times that is fine; quadratic buffers are not.
    [ "$kb" -lt 800000 ] || fail "max RSS $kb KB"
    awk -v s="$secs" 'BEGIN { exit !(s < 60) }' || fail "took $secs s"
done
# The heavy identity is one partition: all its rows on one rank.
grep -q "plan .*rank rows max 1002000 min 0" err3.txt || fail "skew line: $(cat err3.txt)"
# Exact: the last touch of the advertiser's campaigns within 30 days (engagement first:
# advertiser 1 (even conversions) -> its engagement campaign 2, touches i % 3 == 1;
# advertiser 2 (odd) has only the nurture campaign 3, touches i % 3 == 2); position and
# path_length = the number of such touches in the window.
"$ATTRIB" export out3.h5 credits | cut -d, -f1,2,6,7,8,10,11 >cr.csv
[ "$(wc -l <cr.csv)" = 2001 ] || fail "credit rows: $(wc -l <cr.csv)"
awk -F, 'NR > 1 {
  c = $1; t = 1790000000000 + c * 30000000 + 7; n = int((t - 1790000000000) / 60000)
  r = c % 2 ? 2 : 1; camp = 1 + r; kind = r == 1 ? "engagement" : "nurture"
  want = n; while (want % 3 != r) want--
  pos = 0; for (j = n; j >= 1 && (t - (1790000000000 + j * 60000)) <= 2592000000; j--) if (j % 3 == r) pos++
  if ($3 != want || $4 != camp || $5 != kind || $6 != pos || $7 != pos) { print "row " NR ": " $0 " want " want "," camp "," kind "," pos; bad = 1; exit 1 } }
  END { exit bad }' cr.csv || fail "heavy identity credits"
for t in credits report/campaign report/advertiser; do
    cmp -s <("$ATTRIB" export out1.h5 $t) <("$ATTRIB" export out3.h5 $t) || fail "$t: 1 vs 3 ranks"
done

# --- All rows in one partition, small: --plan states the imbalance.
"$ATTRIB" gen --events 2000 --conversions 200 --seed 1 -q --csv gen
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "identity") c = i; print; next } { $c = "same@example.com"; print }' OFS=, gen/events.csv >e1.csv
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "identity") c = i; print; next } { $c = "same@example.com"; print }' OFS=, gen/conversions.csv >c1.csv
"$ATTRIB" import -q --events e1.csv --conversions c1.csv --campaigns gen/campaigns.csv -o one.h5
$MPI -n 3 "$ATTRIB" run -q -c rules.cfg -i one.h5 --plan >plan.txt
grep -q "4096 logical partitions (1 non-empty), 2200 rows, largest partition 2200 rows" plan.txt ||
    fail "plan: $(cat plan.txt)"
grep -q "rank [0-2]: 1 partitions, 2200 rows" plan.txt || fail "plan ranks: $(cat plan.txt)"
grep -q "balance: max/mean bytes 3.000, max/min inf" plan.txt || fail "plan balance: $(cat plan.txt)"
$MPI -n 3 "$ATTRIB" run -c rules.cfg -i one.h5 -o one3.h5 2>e.txt
grep -q "plan .*rank rows max 2200 min 0" e.txt || fail "progress: $(cat e.txt)"
"$ATTRIB" run -q -c rules.cfg -i one.h5 -o one1.h5
for t in credits unattributed report/campaign report/advertiser; do
    cmp -s <("$ATTRIB" export one1.h5 $t) <("$ATTRIB" export one3.h5 $t) || fail "skew $t: 1 vs 3 ranks"
done
echo "hard_skew: ok"

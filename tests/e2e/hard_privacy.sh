#!/usr/bin/env bash
# Privacy (raw identifiers never reach the engine's files or logs): data with
# recognisable raw identifiers (e-mails, customer ids, some in rejected rows: too long,
# bad timestamp, unknown campaign, duplicate) goes through import (with a rejects file,
# at 1 and 2 ranks), run (3 ranks), report in every format, export of every table, and
# failing commands; every byte written (HDF5 files included, and all stdout/stderr) is
# searched for every identifier: none may appear.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
MPI="${MPIEXEC:-mpiexec} --allow-run-as-root --oversubscribe"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir in out
IDS=(alice.secret@example.com bob.hidden@example.org CUST-0042-SECRET "carol, \"quoted\" smith"
     zz-unknown-campaign-person yy-bad-timestamp-person)
LONG="longsecret$(printf 'Q%.0s' $(seq 300))"
printf 'campaign_id,advertiser_id,name\n10,7,Autumn\n11,7,Search\n12,8,Video\n' >in/camp.csv
cat >in/ev.csv <<EOF
event_id,identity,timestamp,campaign_id,kind,cost
1,alice.secret@example.com,2026-10-01T10:00:00Z,10,impression,0.01
2,alice.secret@example.com,2026-10-01T11:00:00Z,11,engagement,0.5
3,bob.hidden@example.org,2026-10-02T09:00:00Z,12,engagement,0.2
4,CUST-0042-SECRET,2026-10-03T09:00:00Z,10,nurture,0
5,"carol, ""quoted"" smith",2026-10-03T10:00:00Z,11,engagement,0.1
5,"carol, ""quoted"" smith",2026-10-03T10:00:00Z,11,engagement,0.1
6,zz-unknown-campaign-person,2026-10-03T10:00:00Z,99,engagement,0.1
7,yy-bad-timestamp-person,2026-10-33T10:00:00Z,10,engagement,0.1
8,$LONG,2026-10-03T10:00:00Z,10,engagement,0.1
EOF
cat >in/cv.csv <<EOF
conversion_id,identity,timestamp,advertiser_id,type,value
100,alice.secret@example.com,2026-10-01T12:00:00Z,7,purchase,20
101,bob.hidden@example.org,2026-10-02T10:00:00Z,8,signup,0
102,CUST-0042-SECRET,2026-10-03T12:00:00Z,7,purchase,5
103,"carol, ""quoted"" smith",2026-10-03T12:00:00Z,7,purchase,7
104,nobody-touched-me@example.net,2026-10-04T12:00:00Z,7,purchase,1
105,$LONG,2026-10-04T12:00:00Z,7,purchase,1
EOF
IDS+=(nobody-touched-me@example.net "$LONG")
cp "$ATTRIB_SRC/conf/example.rules.cfg" in/rules.cfg
log=$W/out/all.log
run() { # everything the commands print goes to the log; the exit code is kept
    echo "\$ $*" >>"$log.cmd"
    "$@" >>"$log" 2>&1 || echo "exit $?" >>"$log.cmd"
}
cd out
run "$ATTRIB" import --events ../in/ev.csv --conversions ../in/cv.csv --campaigns ../in/camp.csv \
    --rejects rej.csv --max-reject-rate 1 -o in.h5
run $MPI -n 2 "$ATTRIB" import --events ../in/ev.csv --conversions ../in/cv.csv \
    --campaigns ../in/camp.csv --rejects rej2.csv --max-reject-rate 1 -o in2.h5
run "$ATTRIB" import --events ../in/ev.csv --conversions ../in/cv.csv --campaigns ../in/camp.csv \
    --rejects rej3.csv -o fail.h5
run $MPI -n 3 "$ATTRIB" run -c ../in/rules.cfg -i in.h5 -o res.h5
run $MPI -n 3 "$ATTRIB" run -c ../in/rules.cfg -i in.h5 --plan
for f in text csv json html; do run "$ATTRIB" report res.h5 --format "$f" -o "report.$f"; done
run "$ATTRIB" report res.h5
for t in credits unattributed daily daily_touch advertiser time_to_convert daily_total; do
    run "$ATTRIB" report res.h5 --format csv --table "$t"
done
for t in events conversions campaigns; do run "$ATTRIB" export in.h5 "$t" -o "in_${t}.csv"; done
for t in credits unattributed report/campaign report/daily report/daily_touch report/advertiser; do
    run "$ATTRIB" export res.h5 "$t" -o "res_${t//\//_}.csv"
    run "$ATTRIB" export res.h5 "$t" --iso
done
if "$ATTRIB" explain --help >/dev/null 2>&1; then
    for c in 100 102 103 104; do
        run "$ATTRIB" explain -c ../in/rules.cfg -i in.h5 --conversion "$c"
        run "$ATTRIB" explain -c ../in/rules.cfg -i in.h5 --conversion "$c" --json
    done
fi
run "$ATTRIB" reconcile res.h5 res.h5
run "$ATTRIB" export res.h5 nosuchtable
run "$ATTRIB" run -c ../in/rules.cfg -i ../in/ev.csv -o bad.h5
cd ..

# The run did happen, on the expected rows (so that the search is meaningful).
[ -s out/res.h5 ] && [ -s out/report.html ] || fail "outputs missing: $(cat "$log.cmd")"
grep -q '^100,7,' out/res_credits.csv || fail "no credit for conversion 100"
grep -q '^104,7,.*no_touch' out/res_unattributed.csv || fail "no unattributed 104"
[ "$(grep -c . out/rej.csv)" = 5 ] || fail "rejects: $(cat out/rej.csv)"
grep -q 'identity longer than 256 bytes' out/rej.csv || fail "no long identity reject"
grep -q "exit 2" "$log.cmd" || fail "the failing commands did not fail: $(cat "$log.cmd")"

# Every identifier, and distinctive pieces of it, in every byte written.
leaks=0
for id in "${IDS[@]}"; do
    for needle in "$id" "${id:0:14}"; do
        if grep -rlaF -- "$needle" out >hits.txt; then
            echo "LEAK of '${needle:0:40}' in: $(tr '\n' ' ' <hits.txt)"
            leaks=1
        fi
    done
done
for s in alice.secret bob.hidden CUST-0042 quoted longsecret QQQQQQQQ nobody-touched; do
    if grep -rlai -- "$s" out >hits.txt; then echo "LEAK of '$s' in: $(tr '\n' ' ' <hits.txt)"; leaks=1; fi
    # Also as UTF-16 or in compressed form would not be grep-able: the HDF5 files
    # hold only hashes, checked by their strings.
    for h in out/*.h5; do
        if strings -a "$h" | grep -qi -- "$s"; then echo "LEAK of '$s' in strings of $h"; leaks=1; fi
    done
done
[ "$leaks" = 0 ] || fail "raw identifiers leaked"
echo "hard_privacy: ok ($(ls out | wc -l) files, $(wc -c <"$log") bytes of output searched)"

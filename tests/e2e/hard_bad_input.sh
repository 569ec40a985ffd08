#!/usr/bin/env bash
# Bad input catalogue (exit codes and rejects: docs/formats.md), whole commands: exit
# code, a message naming the file and line or dataset, and no output file (nor
# NAME.tmp) left behind.
#  - every class of rejected row past --max-reject-rate (events, conversions, links):
#    import exits 2, nothing written;
#  - an empty input file (2) and a header-only input (a valid, empty run: 0);
#  - a period with no conversions (0, empty tables);
#  - rules naming an unknown campaign (warning, 0) or with a syntax error (2);
#  - a truncated, a garbage and a damaged-chunk HDF5 into run (2, at 3 ranks);
#  - a results file missing a dataset into export and report (2);
#  - timestamps before 1970, in year 0000, 2262 and 9999 attribute exactly; outside
#    years 0000..9999 they are rejected with their own reason;
#  - u64 ids at their maximum round-trip through import -> run -> export.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
PY=/usr/bin/python3
MPI="${MPIEXEC:-mpiexec} --allow-run-as-root --oversubscribe"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect RC CMD... : run with a time bound, stderr to err.txt, check the exit code.
expect() {
    local want=$1 rc=0
    shift
    timeout 60 "$@" >out.txt 2>err.txt || rc=$?
    [ "$rc" = "$want" ] || fail "exit $rc (want $want): $*: $(head -c 2000 err.txt)"
}
has() { grep -qF -- "$1" "${2:-err.txt}" || fail "'$1' not in ${2:-err.txt}: $(head -c 2000 "${2:-err.txt}")"; }
absent() { for f in "$@"; do [ ! -e "$f" ] || fail "$f exists"; done; }

printf 'campaign_id,advertiser_id,name\n10,7,Ten\n11,7,Eleven\n' >camp.csv
EVH='event_id,identity,timestamp,campaign_id,kind,cost'
CVH='conversion_id,identity,timestamp,advertiser_id,type,value'
good_ev() { echo "$EVH"; for i in 1 2 3 4 5; do echo "$i,id$i,2026-10-01T0$i:00:00Z,10,engagement,0.5"; done; }
good_cv() { echo "$CVH"; for i in 1 2 3; do echo "$i,id$i,2026-10-01T0$i:30:00Z,7,purchase,9.5"; done; }
good_ev >ev.csv
good_cv >cv.csv
cat >rules.cfg <<'EOF'
defaults: { model = "last_touch"; lookback = { engagement = "30d"; impression = "1d"; nurture = "7d"; }; };
EOF

# --- 1. One bad row of each rejected class, at the default rate: exit 2, no output.
declare -A EVROW=(
    [columns]='6,id6,2026-10-01T06:00:00Z,10,engagement'
    [id]='x6,id6,2026-10-01T06:00:00Z,10,engagement,0'
    [kind]='6,id6,2026-10-01T06:00:00Z,10,click,0'
    [ts]='6,id6,2026-13-01T06:00:00Z,10,engagement,0'
    [tsrange]='6,id6,253402300800000,10,engagement,0'
    [identity]="6,$(printf 'x%.0s' $(seq 257)),2026-10-01T06:00:00Z,10,engagement,0"
    [nan]='6,id6,2026-10-01T06:00:00Z,10,engagement,NaN'
    [inf]='6,id6,2026-10-01T06:00:00Z,10,engagement,inf'
    [negative]='6,id6,2026-10-01T06:00:00Z,10,engagement,-1'
    [campaign]='6,id6,2026-10-01T06:00:00Z,99,engagement,0'
)
declare -A REASON=([columns]='wrong column count' [id]='bad event_id' [kind]='unknown kind'
    [ts]='bad timestamp' [tsrange]='timestamp outside years 0000 to 9999'
    [identity]='identity longer than 256 bytes' [nan]='bad cost' [inf]='bad cost'
    [negative]='bad cost' [campaign]='campaign_id not in the campaigns catalog')
for k in "${!EVROW[@]}"; do
    { good_ev; echo "${EVROW[$k]}"; } >"ev_$k.csv"
    expect 2 "$ATTRIB" import -q --campaigns camp.csv --events "ev_$k.csv" --conversions cv.csv \
        --rejects "rej_$k.csv" -o "in_$k.h5"
    has "1 of 11 rows rejected"
    has "max-reject-rate"
    has "rej_$k.csv"
    grep -qxF "ev_$k.csv,7,${REASON[$k]}" "rej_$k.csv" || fail "$k: rejects: $(cat "rej_$k.csv")"
    absent "in_$k.h5" "in_$k.h5.tmp"
done
# The same classes in conversions (value, advertiser, type).
{ good_cv; echo '4,id4,2026-10-01T04:30:00Z,7,purchase,-3'; } >cv_neg.csv
{ good_cv; echo '4,id4,2026-10-01T04:30:00Z,seven,purchase,1'; } >cv_adv.csv
{ good_cv; echo "4,id4,2026-10-01T04:30:00Z,7,$(printf 't%.0s' $(seq 33)),1"; } >cv_type.csv
for k in neg:'bad value' adv:'bad advertiser_id' type:'type longer than 32 bytes'; do
    f=${k%%:*}
    expect 2 "$ATTRIB" import -q --campaigns camp.csv --events ev.csv --conversions "cv_$f.csv" \
        --rejects "rej_cv_$f.csv" -o "in_cv_$f.h5"
    has "max-reject-rate"
    grep -qxF "cv_$f.csv,5,${k#*:}" "rej_cv_$f.csv" || fail "cv $f: $(cat "rej_cv_$f.csv")"
    absent "in_cv_$f.h5" "in_cv_$f.h5.tmp"
done
# The same in links (--links): one malformed link row of each class among 8 good rows and
# a links file with an identity over 256 bytes; an empty links file and one without
# identity_b are exit 2 naming the file.
LKH='identity_a,identity_b'
good_lk() { echo "$LKH"; for i in 1 2 3 4 5 6 7 8; do echo "id$i,dev$i"; done; }
declare -A LKROW=(
    [columns]='id9' [columns3]='id9,dev9,x' [quoting]='id9,"dev"9' [open]='id9,"dev9'
    [empty_a]=',dev9' [empty_b]='id9,' [long_a]="$(printf 'a%.0s' $(seq 257)),dev9"
    [long_b]="id9,$(printf 'b%.0s' $(seq 300))"
)
declare -A LKREASON=([columns]='wrong column count' [columns3]='wrong column count'
    [quoting]='malformed quoting' [open]='malformed quoting' [empty_a]='empty identity_a'
    [empty_b]='empty identity_b' [long_a]='identity_a longer than 256 bytes'
    [long_b]='identity_b longer than 256 bytes')
for k in "${!LKROW[@]}"; do
    { good_lk; echo "${LKROW[$k]}"; } >"lk_$k.csv"
    # 5 events + 3 conversions + 2 campaigns + 9 link rows: 1 of 19 is over 0.001.
    expect 2 "$ATTRIB" import -q --campaigns camp.csv --events ev.csv --conversions cv.csv \
        --links "lk_$k.csv" --rejects "rej_lk_$k.csv" -o "in_lk_$k.h5"
    has "1 of 19 rows rejected"
    grep -qxF "lk_$k.csv,10,${LKREASON[$k]}" "rej_lk_$k.csv" || fail "links $k: $(cat "rej_lk_$k.csv")"
    absent "in_lk_$k.h5" "in_lk_$k.h5.tmp"
    # Under a rate that allows it, the same file imports with its 8 good links.
    expect 0 "$ATTRIB" import -q --campaigns camp.csv --events ev.csv --conversions cv.csv \
        --links "lk_$k.csv" --max-reject-rate 0.1 -o "ok_lk_$k.h5"
    [ "$("$ATTRIB" export "ok_lk_$k.h5" links | wc -l)" = 9 ] || fail "links $k: kept rows"
done
: >lk_empty.csv
expect 2 "$ATTRIB" import -q --campaigns camp.csv --events ev.csv --conversions cv.csv \
    --links lk_empty.csv -o in_lk.h5
has "lk_empty.csv: empty file (no header line)"
echo 'identity_a,identity_c' >lk_nob.csv
expect 2 "$ATTRIB" import -q --campaigns camp.csv --events ev.csv --conversions cv.csv \
    --links lk_nob.csv -o in_lk.h5
has "lk_nob.csv:1: missing column 'identity_b' in the header of links file"
echo 'identity_a,identity_b,identity_a' >lk_dup.csv
expect 2 "$ATTRIB" import -q --campaigns camp.csv --events ev.csv --conversions cv.csv \
    --links lk_dup.csv -o in_lk.h5
has "lk_dup.csv:1: column 'identity_a' appears twice in the header of links file"
absent in_lk.h5 in_lk.h5.tmp

# --- 2. An empty input file: exit 2 naming it. A header-only input: a valid empty run.
: >empty.csv
expect 2 "$ATTRIB" import -q --campaigns camp.csv --events empty.csv --conversions cv.csv -o e.h5
has "attrib: import: empty.csv: empty file (no header line)"
absent e.h5 e.h5.tmp
echo "$EVH" >ev0.csv
echo "$CVH" >cv0.csv
expect 0 "$ATTRIB" import -q --campaigns camp.csv --events ev0.csv --conversions cv0.csv -o e.h5
expect 0 $MPI -n 3 "$ATTRIB" run -q -c rules.cfg -i e.h5 -o eo.h5
[ "$("$ATTRIB" export eo.h5 credits | wc -l)" = 1 ] || fail "empty input: credits rows"
"$ATTRIB" export eo.h5 report/campaign | grep -qx '10,7,0,0,0,0,0,0,0,0,NaN,NaN' || fail "empty report"

# --- 3. A period with no conversions: exit 0, empty credits, zero counts.
expect 0 "$ATTRIB" import -q --campaigns camp.csv --events ev.csv --conversions cv.csv -o in.h5
expect 0 $MPI -n 3 "$ATTRIB" run -q -c rules.cfg -i in.h5 --from 2030-01-01 --to 2030-02-01 -o p.h5
[ "$("$ATTRIB" export p.h5 credits | wc -l)" = 1 ] || fail "empty period: credits"
[ "$("$ATTRIB" export p.h5 unattributed | wc -l)" = 1 ] || fail "empty period: unattributed"
"$ATTRIB" export p.h5 report/advertiser | grep -q '^7,0,0,0,0,0,' || fail "empty period: advertiser"
expect 0 "$ATTRIB" report p.h5
has "conversions            0" out.txt

# --- 4. Rules: an unknown campaign warns (file:line), a syntax error fails (file:line).
printf 'defaults: { model = "linear"; };\ncampaigns = (\n  { id = 999; lookback = { engagement = "7d"; }; }\n);\n' >unk.cfg
expect 0 "$ATTRIB" run -q -c unk.cfg -i in.h5 -o u.h5
has "unk.cfg:3: campaign 999 is not in the catalog"
[ -s u.h5 ] || fail "unknown campaign: no output"
printf 'defaults: {\n  model = "linear";\n  lookback = { engagement = = "7d"; };\n};\n' >syn.cfg
expect 2 $MPI -n 3 "$ATTRIB" run -q -c syn.cfg -i in.h5 -o s.h5
has "syn.cfg:3"
absent s.h5 s.h5.tmp
expect 2 "$ATTRIB" check -c syn.cfg
has "syn.cfg:3"

# --- 5. Damaged HDF5 input into run (3 ranks): exit 2 naming the file, no output.
head -c 3000 in.h5 >trunc.h5
expect 2 $MPI -n 3 "$ATTRIB" run -q -c rules.cfg -i trunc.h5 -o t.h5
has "trunc.h5: not an HDF5 file, or a damaged or truncated one"
absent t.h5 t.h5.tmp
head -c 50000 /dev/urandom >garbage.h5
expect 2 $MPI -n 3 "$ATTRIB" run -q -c rules.cfg -i garbage.h5 -o t.h5
has "garbage.h5: not an HDF5 file"
absent t.h5 t.h5.tmp
# One flipped byte inside a stored chunk: a checksum error, never other numbers.
cp in.h5 flip.h5
off=$("$PY" -c 'import h5py, sys
d = h5py.File(sys.argv[1], "r")["events/cost"]
c = d.id.get_chunk_info(0); print(c.byte_offset + c.size // 2)' flip.h5)
printf '\x5a' | dd of=flip.h5 bs=1 seek="$off" conv=notrunc status=none
cmp -s in.h5 flip.h5 && fail "flip did not change the file"
expect 2 $MPI -n 3 "$ATTRIB" run -q -c rules.cfg -i flip.h5 -o t.h5
has "flip.h5: cannot read dataset /events/cost"
has "Fletcher32"
absent t.h5 t.h5.tmp

# --- 6. A results file missing a dataset, into export and report: exit 2, no output.
expect 0 "$ATTRIB" run -q -c rules.cfg -i in.h5 -o r.h5
"$PY" -c 'import h5py, sys
with h5py.File(sys.argv[1], "a") as f:
    del f["credits/credit"]; del f["report/campaign/roas"]' r.h5
expect 2 "$ATTRIB" export r.h5 credits -o cr.csv
has "r.h5: missing dataset /credits/credit"
absent cr.csv cr.csv.tmp
for fmt in text json html; do
    expect 2 "$ATTRIB" report r.h5 --format "$fmt" -o "rep.$fmt"
    has "r.h5: missing dataset /"
    absent "rep.$fmt" "rep.$fmt.tmp"
done

# --- 7. Timestamps: valid years 0000..9999 (ISO or integer ms), before 1970 included.
cat >tev.csv <<'EOF'
event_id,identity,timestamp,campaign_id,kind,cost
1,pre1970,1969-12-31T23:00:00Z,10,engagement,1
2,epochm,-86400000,10,engagement,1
3,y0,0000-01-01T00:00:00Z,10,engagement,1
4,y9999,9999-12-31T00:00:00+00:00,10,engagement,1
5,y2262,2262-04-12T00:00:00Z,10,engagement,1
6,late,253402300800000,10,engagement,1
7,early,-62167219200001,10,engagement,1
8,huge,9223372036854775807,10,engagement,1
EOF
cat >tcv.csv <<'EOF'
conversion_id,identity,timestamp,advertiser_id,type,value
1,pre1970,1969-12-31T23:59:59.999Z,7,purchase,1
2,epochm,-1,7,purchase,2
3,y0,0000-01-02T00:00:00Z,7,purchase,3
4,y9999,9999-12-31T23:59:59.999Z,7,purchase,4
5,y2262,2262-04-12T00:00:01Z,7,purchase,5
6,huge,9223372036854775807,7,purchase,6
7,tiny,-9223372036854775808,7,purchase,7
8,late,10000-01-01T00:00:00Z,7,purchase,8
EOF
expect 0 "$ATTRIB" import -q --campaigns camp.csv --events tev.csv --conversions tcv.csv \
    --rejects trej.csv --max-reject-rate 1 -o ts.h5
cat >want_trej.csv <<'EOF'
file,line,reason
tev.csv,7,timestamp outside years 0000 to 9999
tev.csv,8,timestamp outside years 0000 to 9999
tev.csv,9,timestamp outside years 0000 to 9999
tcv.csv,7,timestamp outside years 0000 to 9999
tcv.csv,8,timestamp outside years 0000 to 9999
tcv.csv,9,bad timestamp
EOF
diff -u want_trej.csv trej.csv || fail "timestamp rejects"
expect 0 $MPI -n 3 "$ATTRIB" run -q -c rules.cfg -i ts.h5 -o tso.h5
"$ATTRIB" export tso.h5 credits | cut -d, -f1,4,6,9,12 >tcred.csv
cat >want_tcred.csv <<'EOF'
conversion_id,conv_ts,event_id,touch_ts,credit
1,-1,1,-3600000,1
2,-1,2,-86400000,1
3,-62167132800000,3,-62167219200000,1
4,253402300799999,4,253402214400000,1
5,9223372801000,5,9223372800000,1
EOF
diff -u want_tcred.csv tcred.csv || fail "timestamp credits"
"$ATTRIB" export tso.h5 report/daily >tday.csv
for d in 0000-01-02 1969-12-31 2262-04-12 9999-12-31; do grep -q "^10,$d," tday.csv || fail "day $d: $(cat tday.csv)"; done
"$ATTRIB" export tso.h5 credits --iso | grep -q ',0000-01-02T00:00:00.000Z,' || fail "iso year 0"

# --- 8. u64 ids at their maximum round-trip exactly.
MAX=18446744073709551615
printf '%s\n%s,big,2026-10-01T00:00:00Z,10,engagement,0\n%s,big,2026-10-01T00:00:01Z,10,impression,0\n' \
    "$EVH" "$MAX" "$((2**62))" >uev.csv
printf '%s\n%s,big,2026-10-01T01:00:00Z,7,purchase,1\n' "$CVH" "$MAX" >ucv.csv
printf 'campaign_id,advertiser_id,name\n4294967295,4294967295,Max\n10,7,Ten\n' >ucamp.csv
printf '1,big,2026-10-01T01:00:00Z,4294967295,purchase,1\n' >>ucv.csv
expect 0 "$ATTRIB" import -q --campaigns ucamp.csv --events uev.csv --conversions ucv.csv -o u64.h5
"$ATTRIB" export u64.h5 events | grep -q "^$MAX," || fail "u64 event_id in events"
"$ATTRIB" export u64.h5 campaigns | grep -qx '4294967295,4294967295,Max' || fail "u32 max campaign"
expect 0 $MPI -n 2 "$ATTRIB" run -q -c rules.cfg -i u64.h5 -o u64o.h5
"$ATTRIB" export u64o.h5 credits | cut -d, -f1,2,6,7,8 >ucred.csv
printf 'conversion_id,advertiser_id,event_id,campaign_id,kind\n%s,7,%s,10,engagement\n' "$MAX" "$MAX" |
    diff -u - ucred.csv || fail "u64 credits"
"$ATTRIB" export u64o.h5 unattributed | grep -q '^1,4294967295,[0-9]*,[0-9]*,1,no_touch$' ||
    fail "u32 max advertiser: $("$ATTRIB" export u64o.h5 unattributed)"
echo "hard_bad_input: ok"

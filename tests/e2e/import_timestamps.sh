#!/usr/bin/env bash
# attrib import and the unit of integer timestamps (docs/formats.md):
#  - an integer that looks like epoch seconds (10^8 .. 10^11-1) without a stated unit
#    stops the import: exit 2, no store, no rejects file, a message naming the file and
#    line of the first such value (the same at 1, 2 and 3 ranks) and the option;
#  - --timestamp-unit s gives the same store as the same data in milliseconds (1 and
#    3 ranks), and refuses nothing else; seconds that overflow are out of range;
#  - --timestamp-unit ms takes the ambiguous range as milliseconds;
#  - ISO timestamps are read the same under every unit; a time without a zone is
#    rejected with its own reason; a date alone is midnight UTC;
#  - --help says all this.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
MPI="${MPIEXEC:-mpiexec} --allow-run-as-root --oversubscribe"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {
    local want=$1 rc=0
    shift
    timeout 120 "$@" >out.txt 2>err.txt || rc=$?
    [ "$rc" = "$want" ] || fail "exit $rc (want $want): $*: $(head -c 2000 err.txt)"
}
has() { grep -qF -- "$1" "${2:-err.txt}" || fail "'$1' not in ${2:-err.txt}: $(head -c 2000 "${2:-err.txt}")"; }
absent() { for f in "$@"; do [ ! -e "$f" ] || fail "$f exists"; done; }

printf 'campaign_id,advertiser_id,name\n10,7,Ten\n11,7,Eleven\n' >camp.csv
# The same touches and conversions in seconds, in milliseconds and in ISO 8601; the
# files are long enough that 3 ranks split them.
python3 - <<'PYEOF'
import datetime
def iso(s):
    return datetime.datetime.fromtimestamp(s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
base = 1790812800  # 2026-10-01T00:00:00Z
ev = [(i, f"id{i % 97}", base + 37 * i, 10 + i % 2, ("impression", "engagement", "nurture")[i % 3])
      for i in range(1, 3001)]
cv = [(i, f"id{i % 97}", base + 3600 + 53 * i, 7, "purchase") for i in range(1, 401)]
for name, f in (("s", lambda t: str(t)), ("ms", lambda t: str(t * 1000)), ("iso", iso)):
    with open(f"ev_{name}.csv", "w") as o:
        o.write("event_id,identity,timestamp,campaign_id,kind\n")
        o.writelines(f"{i},{u},{f(t)},{c},{k}\n" for i, u, t, c, k in ev)
    with open(f"cv_{name}.csv", "w") as o:
        o.write("conversion_id,identity,timestamp,advertiser_id,type,value\n")
        o.writelines(f"{i},{u},{f(t)},{a},{ty},1.5\n" for i, u, t, a, ty in cv)
# Seconds hidden in a milliseconds file: the first at line 2001 of ev_late.csv; ev_more.csv
# (read after it) has one at line 3.
rows = open("ev_ms.csv").read().splitlines(True)
rows[2000] = rows[2000].replace(str((base + 37 * 2000) * 1000), str(base + 37 * 2000))
rows[2500] = rows[2500].replace(str((base + 37 * 2500) * 1000), str(base + 37 * 2500))
open("ev_late.csv", "w").writelines(rows)
rows = open("ev_ms.csv").read().splitlines(True)
rows[2] = rows[2].replace(str((base + 37 * 2) * 1000), str(base + 37 * 2))
open("ev_more.csv", "w").writelines(rows)
PYEOF

dump() { # store -> every table as CSV
    for t in events conversions campaigns; do "$ATTRIB" export "$1" "$t"; done
}

# --- 1. Seconds without a unit: exit 2, nothing written, file and line named.
for n in 1 2 3; do
    expect 2 $MPI -n $n "$ATTRIB" import -q --campaigns camp.csv --events ev_late.csv \
        --events ev_more.csv --conversions cv_ms.csv --rejects rej.csv -o in.h5
    has "attrib: import: ev_late.csv:2001: integer timestamp 1790886800 looks like epoch seconds"
    has "--timestamp-unit s"
    has "--timestamp-unit ms"
    grep -q "rank" err.txt && fail "$n ranks: the message names a rank: $(cat err.txt)"
    absent in.h5 in.h5.tmp rej.csv rej.csv.tmp
done
# In a conversions file too, and the smallest and largest such value.
printf 'conversion_id,identity,timestamp,advertiser_id,type\n1,a,99999999,7,p\n2,a,100000000,7,p\n' >cv_lo.csv
expect 2 "$ATTRIB" import -q --campaigns camp.csv --events ev_ms.csv --conversions cv_lo.csv -o in.h5
has "cv_lo.csv:3: integer timestamp 100000000 looks like epoch seconds"
absent in.h5
printf 'conversion_id,identity,timestamp,advertiser_id,type\n1,a,100000000000,7,p\n2,a,99999999999,7,p\n' >cv_hi.csv
expect 2 "$ATTRIB" import -q --campaigns camp.csv --events ev_ms.csv --conversions cv_hi.csv -o in.h5
has "cv_hi.csv:3: integer timestamp 99999999999 looks like epoch seconds"

# --- 2. --timestamp-unit s: the same store as milliseconds or ISO input.
expect 0 "$ATTRIB" import -q --campaigns camp.csv --events ev_ms.csv --conversions cv_ms.csv -o ms.h5
expect 0 "$ATTRIB" import -q --campaigns camp.csv --events ev_iso.csv --conversions cv_iso.csv -o iso.h5
expect 0 "$ATTRIB" import -q --timestamp-unit s --campaigns camp.csv --events ev_s.csv \
    --conversions cv_s.csv -o s.h5
expect 0 $MPI -n 3 "$ATTRIB" import -q --timestamp-unit=s --campaigns camp.csv --events ev_s.csv \
    --conversions cv_s.csv -o s3.h5
dump ms.h5 >ms.txt
[ "$(grep -c ',1790812837000,' ms.txt)" = 1 ] || fail "ms store: $(head -3 ms.txt)"
for f in iso s s3; do dump $f.h5 >$f.txt; cmp -s ms.txt $f.txt || fail "$f store differs from ms: $(diff ms.txt $f.txt | head -5)"; done
# ISO input reads the same under both units.
expect 0 "$ATTRIB" import -q --timestamp-unit s --campaigns camp.csv --events ev_iso.csv \
    --conversions cv_iso.csv -o iso_s.h5
dump iso_s.h5 | cmp -s - ms.txt || fail "ISO under --timestamp-unit s differs"
# Seconds past year 9999, or whose milliseconds overflow: out of range, rejected.
printf 'conversion_id,identity,timestamp,advertiser_id,type\n1,a,253402300799,7,p\n2,a,253402300800,7,p\n3,a,9223372036854776,7,p\n' >cv_big.csv
expect 0 "$ATTRIB" import -q --timestamp-unit s --campaigns camp.csv --events ev_s.csv \
    --conversions cv_big.csv --rejects big_rej.csv --max-reject-rate 1 -o big.h5
printf 'file,line,reason\ncv_big.csv,3,timestamp outside years 0000 to 9999\ncv_big.csv,4,timestamp outside years 0000 to 9999\n' |
    diff -u - big_rej.csv || fail "seconds out of range"
"$ATTRIB" export big.h5 conversions >big.txt
grep -q '^1,[0-9]*,253402300799000,' big.txt || fail "largest seconds"

# --- 3. --timestamp-unit ms: the ambiguous range is milliseconds.
expect 0 "$ATTRIB" import -q --timestamp-unit ms --campaigns camp.csv --events ev_s.csv \
    --conversions cv_s.csv -o ams.h5
"$ATTRIB" export ams.h5 events >ams.txt
grep -q '^1,[0-9]*,1790812837,11,' ams.txt || fail "ms: $(head -3 ams.txt)"
expect 2 "$ATTRIB" import -q --timestamp-unit seconds --campaigns camp.csv --events ev_s.csv \
    --conversions cv_s.csv -o bad.h5
has "--timestamp-unit: 'seconds' is not one of s, ms"

# --- 4. No zone: its own reason; a date alone is midnight UTC.
cat >cv_zone.csv <<'EOF'
conversion_id,identity,timestamp,advertiser_id,type
1,a,2026-10-01T12:00:00,7,p
2,a,2026-10-01T12:00:00.250,7,p
3,a,2026-10-01,7,p
4,a,2026-10-01T12:00:00+00:00,7,p
5,a,2026-10-01 12:00:00Z,7,p
EOF
expect 0 "$ATTRIB" import -q --campaigns camp.csv --events ev_ms.csv --conversions cv_zone.csv \
    --rejects zrej.csv --max-reject-rate 1 -o zone.h5
cat >want.csv <<'EOF'
file,line,reason
cv_zone.csv,2,timestamp has no time zone (add Z or +HH:MM)
cv_zone.csv,3,timestamp has no time zone (add Z or +HH:MM)
cv_zone.csv,6,bad timestamp
EOF
diff -u want.csv zrej.csv || fail "no-zone rejects"
"$ATTRIB" export zone.h5 conversions | cut -d, -f1,3 | tail -n +2 | tr '\n' ' ' >zone.txt
[ "$(cat zone.txt)" = '3,1790812800000 4,1790856000000 ' ] || fail "date alone: $(cat zone.txt)"

# --- 5. --help documents the unit, the detection, the zone and the bare date.
"$ATTRIB" import --help >help.txt
for s in "--timestamp-unit" "100000000 to 99999999999" "midnight UTC" "without a zone"; do
    has "$s" help.txt
done
echo "import_timestamps: ok"

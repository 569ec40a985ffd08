#!/usr/bin/env bash
# attrib import --links (docs/formats.md): identity_a and identity_b found by name in any
# order with extra columns, RFC 4180 quoting, .gz and .zst; each link hashed with the key
# of every identity (checked against the hashes import gives the same strings as event
# identities), stored once as (min, max) sorted by (a, b); self links and repeats in
# either direction across files dropped and counted; bad rows in the rejects file with
# file, line and reason, counted in the reject rate; an identity of 256 bytes accepted
# and one of 257 rejected; /links the same at 1, 2 and 3 ranks and for shuffled rows and
# files; no --links, no /links.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
PY=/usr/bin/python3
$PY -c 'import h5py, numpy' 2>/dev/null || { echo "skip: h5py/numpy missing for $PY"; exit 77; }
MPI="${MPIEXEC:-mpiexec} --allow-run-as-root --oversubscribe"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
export ATTRIB_HASH_KEY=000102030405060708090a0b0c0d0e0f

X256=$(printf 'x%.0s' $(seq 256))
X257=${X256}y
# Every identity of the links also appears as an event identity, so the hash import
# gives each string is known (event_id -> identity string).
cat >campaigns.csv <<EOF
campaign_id,advertiser_id,name
1,1,c
EOF
cat >events.csv <<EOF
event_id,identity,timestamp,campaign_id,kind
1,alice,0,1,impression
2,"bob, the builder",0,1,impression
3,carol,0,1,impression
4,"dave ""d""",0,1,impression
5,$X256,0,1,impression
6,eve,0,1,impression
7,frank,0,1,impression
8,"multi
line",0,1,impression
EOF
cat >conversions.csv <<EOF
conversion_id,identity,timestamp,advertiser_id,type
1,alice,1,1,purchase
EOF
# links1.csv: reordered columns and an extra one; CRLF on one row.
printf '%s\n' \
    'note,identity_b,identity_a' \
    'x,"bob, the builder",alice' \
    'y,carol,carol' \
    'z,dave' \
    'w,dave,' \
    "v,$X257,alice" \
    '"n,1",carol,"dave ""d"""' \
    "u,$X256,eve" \
    't,"ab"c,alice' \
    'q,,alice' \
    "p,eve,$X257" \
    '"m","multi
line",alice' >links1.csv
printf 's,alice,frank\r\n' >>links1.csv
# links2: repeats of links1 in the other direction, a new link, a blank line.
printf 'identity_a,identity_b\n"bob, the builder",alice\n\neve,frank\n' | gzip -c >links2.csv.gz
# links3: reordered with an extra column; a repeat in the other direction of links2's.
printf 'identity_b,identity_a,extra\neve,frank,1\nfrank,carol,2\n' | zstd -q -c >links3.csv.zst

IN=(--campaigns campaigns.csv --events events.csv --conversions conversions.csv)
LK=(--links links1.csv --links links2.csv.gz --links links3.csv.zst)
"$ATTRIB" import "${IN[@]}" "${LK[@]}" --rejects rej.csv --max-reject-rate 0.5 -o n1.h5 2>err.txt ||
    fail "import: $(cat err.txt)"
cat >want_rej.csv <<'EOF'
file,line,reason
links1.csv,4,wrong column count
links1.csv,5,empty identity_a
links1.csv,6,identity_b longer than 256 bytes
links1.csv,9,malformed quoting
links1.csv,10,empty identity_b
links1.csv,11,identity_a longer than 256 bytes
EOF
diff want_rej.csv rej.csv || fail "rejects differ"
# 10 link rows read (links1: 6 good of 12; links2: 2; links3: 2), 6 rejected; kept 7:
# alice-bob, carol-dave, eve-X256, alice-multi, frank-alice, eve-frank, frank-carol; 1 self
# link (carol), 2 repeats (bob-alice, frank-eve).
grep -Eq '^attrib: links +10 rows .* 6 rejected; 7 kept, 1 self, 2 repeats$' err.txt ||
    fail "links line: $(cat err.txt)"
grep -Eq '^attrib: write +17 rows ' err.txt || fail "write line: $(cat err.txt)"

# The values: the hashes of the strings as event identities, as (min, max), sorted.
$PY - n1.h5 <<'PYEOF' || fail "values"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
h = dict(zip(f["events/event_id"][()].tolist(), f["events/identity"][()].tolist()))
alice, bob, carol, dave, x256, eve, frank, multi = (h[i] for i in range(1, 9))
pairs = [(alice, bob), (dave, carol), (eve, x256), (alice, multi), (frank, alice), (eve, frank),
         (carol, frank)]
want = sorted((min(a, b), max(a, b)) for a, b in pairs)
got = list(zip(f["links/a"][()].tolist(), f["links/b"][()].tolist()))
assert got == want, (got, want)
assert f["links/a"].dtype == np.uint64 and f["links/b"].dtype == np.uint64
assert f["links/a"].chunks is not None
src = f.attrs["source_files"]
src = src.decode() if isinstance(src, bytes) else src
assert src.endswith("\ncampaigns.csv\nlinks1.csv\nlinks2.csv.gz\nlinks3.csv.zst"), src
PYEOF

# export prints the table.
"$ATTRIB" export n1.h5 links -o links.csv
[ "$(head -1 links.csv)" = "a,b" ] && [ "$(wc -l <links.csv)" = 8 ] || fail "export: $(cat links.csv)"
"$ATTRIB" export n1.h5 /links | cmp - links.csv || fail "export /links"

# The reject rate counts link rows: 6 of 8 + 1 + 1 + 16 = 26 rows.
rc=0
"$ATTRIB" import -q "${IN[@]}" "${LK[@]}" --max-reject-rate 0.2 -o bad.h5 2>err.txt || rc=$?
[ "$rc" = 2 ] || fail "exit $rc at a rate of 6/26 > 0.2"
grep -qF "6 of 26 rows rejected" err.txt || fail "rate message: $(cat err.txt)"
[ ! -e bad.h5 ] || fail "bad.h5 written"
"$ATTRIB" import -q "${IN[@]}" "${LK[@]}" --max-reject-rate 0.24 -o ok.h5 || fail "6/26 < 0.24"

# No --links: no /links; --links with only a header: an empty /links.
"$ATTRIB" import -q "${IN[@]}" -o nolinks.h5
echo 'identity_a,identity_b' >empty.csv
"$ATTRIB" import -q "${IN[@]}" --links empty.csv -o empty.h5
$PY - nolinks.h5 empty.h5 <<'PYEOF' || fail "no /links"
import sys, h5py
assert "links" not in h5py.File(sys.argv[1], "r")
f = h5py.File(sys.argv[2], "r")
assert f["links/a"].shape == (0,) and f["links/b"].shape == (0,)
PYEOF
# A missing column is a clear exit 2.
echo 'identity_a,identity' >nocol.csv
rc=0
"$ATTRIB" import -q "${IN[@]}" --links nocol.csv -o nocol.h5 2>err.txt || rc=$?
[ "$rc" = 2 ] && grep -qF "nocol.csv:1: missing column 'identity_b' in the header of links file" err.txt ||
    fail "missing column: exit $rc: $(cat err.txt)"

# The same /links at 2 and 3 ranks (plain files split in byte ranges), and for shuffled
# rows and files (the bad rows kept, so the rate is the same).
exp() { "$ATTRIB" export "$1" links; }
exp n1.h5 >want.csv
for n in 2 3; do
    $MPI -n $n "$ATTRIB" import -q "${IN[@]}" "${LK[@]}" --max-reject-rate 0.5 -o n$n.h5
    exp n$n.h5 | cmp - want.csv || fail "/links differs at $n ranks"
done
$PY - <<'PYEOF'
import random, gzip, subprocess
random.seed(7)
lines = open("links1.csv", newline="").read().split("\n")
# records: the header, then rows; the "m" row spans two physical lines
rows, i = [], 1
while i < len(lines):
    if lines[i].startswith('"m"'):
        rows.append(lines[i] + "\n" + lines[i + 1]); i += 2
    elif lines[i]:
        rows.append(lines[i]); i += 1
    else:
        i += 1
random.shuffle(rows)
open("s1.csv", "w", newline="").write(lines[0] + "\n" + "\n".join(rows) + "\n")
# the repeats of links2/3 moved: frank-eve to a plain file, the rest gzipped
open("s2.csv", "w").write("identity_b,identity_a\nfrank,carol\nalice,\"bob, the builder\"\n")
with gzip.open("s3.csv.gz", "wt") as f:
    f.write("identity_a,identity_b\nfrank,eve\neve,frank\n")
PYEOF
for n in 1 3; do
    $MPI -n $n "$ATTRIB" import -q "${IN[@]}" --links s3.csv.gz --links s2.csv --links s1.csv \
        --max-reject-rate 0.5 -o s$n.h5 2>err.txt || fail "shuffled: $(cat err.txt)"
    exp s$n.h5 | cmp - want.csv || fail "/links differs for shuffled input at $n ranks"
done
echo "import_links: ok"

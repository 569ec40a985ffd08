#!/usr/bin/env bash
# attrib import: reordered columns, extra columns, RFC 4180 quoting (commas, doubled
# quotes, embedded CRLF/LF), CRLF files, a BOM, a blank line, a missing final newline,
# several files per kind, .gz and .zst: the tables hold exactly the expected rows.
# (Imports take --no-partition: rows stay in file order and compare row for row; the
# partitioned layout, the default, is checked in run_partitioned.sh.)
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
PY=/usr/bin/python3
FIX=$ATTRIB_SRC/tests/fixtures/import
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$FIX"/*.csv .
gzip -c events_b.csv >events_b.csv.gz
zstd -q -c events_c.csv >events_c.csv.zst
zstd -q -c conversions_b.csv >conversions_b.csv.zst

"$ATTRIB" import --no-partition -q --campaigns campaigns.csv --events events_a.csv --events events_b.csv.gz \
    --events events_c.csv.zst --conversions conversions_a.csv --conversions conversions_b.csv.zst \
    --rejects rej.csv -o in.h5
test -f in.h5 && test ! -e in.h5.tmp
[ "$(cat rej.csv)" = "file,line,reason" ] || { echo "unexpected rejects:"; cat rej.csv; exit 1; }
"$PY" "$FIX/check_h5.py" expect in.h5 "$FIX"

# Root attributes (docs/formats.md, docs/conventions.md).
"$PY" - in.h5 <<'PYEOF'
import sys, h5py, re
f = h5py.File(sys.argv[1], "r")
a = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
assert re.fullmatch(r"siphash-2-4 key_id=[0-9a-f]{16} key=public-default", a["identity_hash"]), a
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", a["created_at"]), a
assert a["source_files"] == "events_a.csv\nevents_b.csv.gz\nevents_c.csv.zst\nconversions_a.csv\nconversions_b.csv.zst\ncampaigns.csv", a
assert [t.decode() for t in f["conversions/type_names"][()]] == ["Refund", "add,to,cart", "purchase", "signup"]
PYEOF

# Another key gives other identities (and the hashes still match the reference).
KEY=000102030405060708090a0b0c0d0e0f
ATTRIB_HASH_KEY=$KEY "$ATTRIB" import --no-partition -q --campaigns campaigns.csv --events events_a.csv \
    --events events_b.csv.gz --events events_c.csv.zst --conversions conversions_a.csv \
    --conversions conversions_b.csv.zst -o keyed.h5
"$PY" "$FIX/check_h5.py" expect keyed.h5 "$FIX" $KEY

# Export (when available) agrees on the row count.
if "$ATTRIB" export in.h5 events -o ev.csv 2>/dev/null; then
    [ "$(wc -l <ev.csv)" -ge 8 ] || { echo "export: too few lines"; cat ev.csv; exit 1; }
fi

# Progress lines on stderr without -q, one per phase, each with something in it: at one
# rank there is no scan of byte ranges, so no scan line.
"$ATTRIB" import --no-partition --campaigns campaigns.csv --events events_a.csv --conversions conversions_a.csv \
    -o p.h5 2>err.txt
grep -q "events .* 4 rows" err.txt || { cat err.txt; exit 1; }
grep -q "scan" err.txt && { echo "a scan line at one rank:"; cat err.txt; exit 1; }
grep -E "^attrib: [a-z]+ +0 rows +0.0 MiB" err.txt && { echo "an empty progress line"; exit 1; }
[ "$(grep -c '^attrib: ' err.txt)" = 6 ] || { echo "want the warning and 5 phases:"; cat err.txt; exit 1; }
if [ -n "${MPIEXEC:-}" ]; then
    $MPIEXEC --allow-run-as-root --oversubscribe -n 2 "$ATTRIB" import --no-partition --campaigns campaigns.csv \
        --events events_a.csv --conversions conversions_a.csv -o p2.h5 2>err.txt
    grep -Eq "^attrib: scan +[1-9][0-9]* rows .*quote parity of 2 byte ranges" err.txt ||
        { echo "no scan line at 2 ranks:"; cat err.txt; exit 1; }
fi
"$ATTRIB" import --help | grep -- "--max-reject-rate" >/dev/null # not -q: the help is over 4 KiB, grep -q would close the pipe early (SIGPIPE under pipefail)

# --opt=value is the same option; -q in a cluster; the output refused when it is an input.
"$ATTRIB" import --no-partition -q --campaigns=campaigns.csv --events=events_a.csv --conversions=conversions_a.csv \
    --max-reject-rate=0 --rejects=r.csv --output=eq.h5
"$ATTRIB" export eq.h5 events | cmp -s - <("$ATTRIB" export p.h5 events) || { echo "--opt=value"; exit 1; }
set +e
"$ATTRIB" import --no-partition -q --campaigns campaigns.csv --events events_a.csv --conversions conversions_a.csv \
    -o events_a.csv 2>err1.txt; rc1=$?
"$ATTRIB" import --no-partition -q --campaigns campaigns.csv --events events_a.csv --conversions conversions_a.csv \
    -o x.h5 --rejects campaigns.csv 2>err2.txt; rc2=$?
"$ATTRIB" import --no-partition -q --campaigns campaigns.csv --events events_a.csv --conversions conversions_a.csv \
    -o x.h5 --rejects x.h5 2>err3.txt; rc3=$?
"$ATTRIB" import --no-partition -q --campaigns campaigns.csv --events events_a.csv --conversions conversions_a.csv \
    -o x.h5 --max-reject-rate 2 2>err4.txt; rc4=$?
set -e
[ $rc1 = 2 ] && grep -q "attrib: import: events_a.csv: is one of the inputs" err1.txt || { cat err1.txt; exit 1; }
[ $rc2 = 2 ] && grep -q "attrib: import: campaigns.csv: is one of the inputs" err2.txt || { cat err2.txt; exit 1; }
[ $rc3 = 2 ] && grep -q "attrib: import: -o and --rejects name the same file 'x.h5'" err3.txt || { cat err3.txt; exit 1; }
[ $rc4 = 2 ] && grep -q "attrib: import: --max-reject-rate: '2' is not a number from 0 to 1" err4.txt || { cat err4.txt; exit 1; }
test ! -e x.h5 && test ! -e x.h5.tmp && cmp events_a.csv "$FIX/events_a.csv" && cmp campaigns.csv "$FIX/campaigns.csv"
echo "import_basic: ok"

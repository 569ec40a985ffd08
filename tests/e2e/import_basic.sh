#!/usr/bin/env bash
# attrib import: reordered columns, extra columns, RFC 4180 quoting (commas, doubled
# quotes, embedded CRLF/LF), CRLF files, a BOM, a blank line, a missing final newline,
# several files per kind, .gz and .zst: the tables hold exactly the expected rows.
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

"$ATTRIB" import -q --campaigns campaigns.csv --events events_a.csv --events events_b.csv.gz \
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
ATTRIB_HASH_KEY=$KEY "$ATTRIB" import -q --campaigns campaigns.csv --events events_a.csv \
    --events events_b.csv.gz --events events_c.csv.zst --conversions conversions_a.csv \
    --conversions conversions_b.csv.zst -o keyed.h5
"$PY" "$FIX/check_h5.py" expect keyed.h5 "$FIX" $KEY

# Export (when available) agrees on the row count.
if "$ATTRIB" export in.h5 events -o ev.csv 2>/dev/null; then
    [ "$(wc -l <ev.csv)" -ge 8 ] || { echo "export: too few lines"; cat ev.csv; exit 1; }
fi

# Progress lines on stderr without -q, one per phase.
"$ATTRIB" import --campaigns campaigns.csv --events events_a.csv --conversions conversions_a.csv \
    -o p.h5 2>err.txt
grep -q "events .* 4 rows" err.txt || { cat err.txt; exit 1; }
"$ATTRIB" import --help | grep -q -- "--max-reject-rate"
echo "import_basic: ok"

#!/usr/bin/env bash
# attrib report --format html: the page renders in headless Chromium with every chart
# drawn (non-empty SVG), no console error and no network request, and at window widths
# of 1280, 1024 and 800 px nothing (the advertiser table above all) makes the page
# scroll sideways; the screenshot is kept as a test artifact in
# $ATTRIB_BUILD/artifacts/report.png. The page shows the run's period ("all
# conversions" when open) and a note when the input was hashed with the public key.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_BUILD:?}" "${ATTRIB_SRC:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v chromium >/dev/null 2>&1; then
  echo "report_html: installing Debian's chromium (first run only)"
  if ! { apt-get install -y --no-install-recommends chromium >"$work/apt.log" 2>&1 ||
         { apt-get update >>"$work/apt.log" 2>&1 &&
           apt-get install -y --no-install-recommends chromium >>"$work/apt.log" 2>&1; }; }; then
    tail -5 "$work/apt.log"
    echo "report_html: chromium is not available; skipped"
    exit 77
  fi
fi
command -v node >/dev/null 2>&1 || { echo "report_html: node is not available; skipped"; exit 77; }

"$ATTRIB_BUILD/tests/test_report" --make-fixtures "$work" >/dev/null
"$ATTRIB" report "$work/a.h5" --format html -o "$work/report.html"
test -s "$work/report.html"
# Self-contained: outside the inline scripts, no element loads anything.
/usr/bin/python3 - "$work/report.html" <<'PY'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
outside = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S)
bad = re.findall(r"<(?:script|link|img|iframe|object|embed)\b[^>]*\b(?:src|href|data)=", outside)
assert not bad, bad
assert "Content-Security-Policy" in html and "default-src 'none'" in html
assert html.count("<script") >= 5  # vega, vega-lite, vega-embed, data, page script
PY

# The period, and the note on the public key.
grep -qF '<tr><td>period</td><td>[2026-10-01T00:00:00.000Z, 2026-11-01T00:00:00.000Z)</td></tr>' "$work/report.html"
if grep -q 'id="public-key"' "$work/report.html"; then echo "report_html: public-key note without the key"; exit 1; fi
"$ATTRIB" gen -q --events 20 --conversions 2 --campaigns 2 -o "$work/g.h5"
/usr/bin/python3 - "$work" <<'PY'
import shutil, sys
import h5py
w = sys.argv[1]
shutil.copy(f"{w}/a.h5", f"{w}/open.h5")
with h5py.File(f"{w}/open.h5", "a") as f:
    f.attrs["period_from"] = ""  # what run writes without --from / --to
    f.attrs["period_to"] = ""
    f.attrs["identity_hash"] = h5py.File(f"{w}/g.h5", "r").attrs["identity_hash"]
PY
"$ATTRIB" report "$work/open.h5" --format html -o "$work/open.html"
grep -qF '<tr><td>period</td><td>all conversions</td></tr>' "$work/open.html"
[ "$(grep -c '<p class="note warn" id="public-key">The input.s identities were hashed with the built-in public key' "$work/open.html")" = 1 ]

mkdir -p "$ATTRIB_BUILD/artifacts"
node "$ATTRIB_SRC/tests/tools/render_html.js" "$work/report.html" \
  "$ATTRIB_BUILD/artifacts/report.png" "$(command -v chromium)" >"$work/render.json"
cp "$work/render.json" "$ATTRIB_BUILD/artifacts/report_render.json"
/usr/bin/python3 - "$work/render.json" "$ATTRIB_BUILD/artifacts/report.png" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
charts = {c["chart"]: c for c in d["charts"]}
want = {"conv_campaign", "value_campaign", "daily_conv", "daily_value", "ttc",
        "unattributed", "roas"}
assert want <= set(charts), f"missing charts: {want - set(charts)}"
for name, c in charts.items():
    assert c["svg"] and c["elements"] >= 5 and c["markItems"] >= 1, (name, c)
assert not d["problems"], d["problems"]
# The tables stay within the page at every width tried; the advertiser table, wider
# than the page, scrolls inside its box.
assert [l["width"] for l in d["layout"]] == [1280, 1024, 800], d["layout"]
for l in d["layout"]:
    assert l["scrollWidth"] <= l["clientWidth"], l
    boxes = {t["table"]: t for t in l["tables"]}
    assert set(boxes) == {"campaigns", "advertisers"}, l
    for t in boxes.values():
        assert t["right"] <= l["clientWidth"], (l["width"], t)
    assert boxes["advertisers"]["scrolls"], l
assert all(u.startswith("file:") for u in d["requests"]), d["requests"]
png = open(sys.argv[2], "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20000, "screenshot missing or blank"
print(f"report_html: {len(charts)} charts drawn, screenshot {sys.argv[2]} ({len(png)} bytes)")
PY

#!/usr/bin/env bash
# attrib report on the data-driven tables (report/paths, report/markov, report/shapley,
# report/models) of a real results file (gen + run):
#  - when `attrib run --help` offers --compare, the run writes them itself
#    (`run --compare all`); otherwise tests/tools/add_dd_tables.py adds them in attrib's
#    layout (the test says which it used);
#  - text, JSON, HTML and CSV show the numbers of the file (rows picked from the file:
#    the campaign with the most conversions under the first model, each advertiser's top
#    path, the largest removal effect), the top paths in the documented order, JSON
#    parses, the HTML holds the grouped bar chart and its data, and --table paths …
#    models prints exactly what `attrib export` prints;
#  - a file without the tables (an older run's) gets none of the sections: its text and
#    JSON are the first part of the new file's, and --table models exits 2;
#  - zero-row tables are shown as such.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_MCA_orte_tmpdir_base="$work"
cd "$work"
fail() { echo "report_datadriven: FAIL: $*" >&2; exit 1; }

timeout 120 "$ATTRIB" gen -q --events 20000 --conversions 1500 --advertisers 3 --campaigns 12 \
  --seed 5 -o in.h5
mkdir old new
timeout 120 "$ATTRIB" run -q -c "$ATTRIB_SRC/conf/example.rules.cfg" -i in.h5 -o plain.h5 2>/dev/null
if "$ATTRIB" run --help | grep -q -- '--compare'; then
  echo "report_datadriven: tables written by attrib run --compare all"
  timeout 120 "$ATTRIB" run -q -c "$ATTRIB_SRC/conf/example.rules.cfg" -i in.h5 --compare all \
    -o new/r.h5 2>/dev/null
  # The older file: the same results without the four tables (nor report/identity,
  # which came after them: the JSON of both files then ends the same way).
  cp new/r.h5 old/r.h5
  /usr/bin/python3 - old/r.h5 new/r.h5 <<'PY'
import sys
import h5py
for path in sys.argv[1:]:
    with h5py.File(path, "a") as f:
        if "report/identity" in f:
            del f["report/identity"]
with h5py.File(sys.argv[1], "a") as f:
    for t in ("paths", "markov", "shapley", "models"):
        if f"report/{t}" in f:
            del f[f"report/{t}"]
PY
else
  echo "report_datadriven: attrib run has no --compare yet: tables added by tests/tools/add_dd_tables.py"
  cp plain.h5 old/r.h5
  cp plain.h5 new/r.h5
  /usr/bin/python3 "$ATTRIB_SRC/tests/tools/add_dd_tables.py" new/r.h5
fi

for d in old new; do
  (cd "$d" && "$ATTRIB" report r.h5 >r.txt && "$ATTRIB" report r.h5 --format json -o r.json &&
   "$ATTRIB" report r.h5 --format html -o r.html)
done
for t in paths markov shapley models; do
  "$ATTRIB" report new/r.h5 --format csv --table "$t" -o "new/$t.csv"
  "$ATTRIB" export new/r.h5 "report/$t" -o "new/export_$t.csv"
  cmp "new/$t.csv" "new/export_$t.csv" || fail "--table $t differs from attrib export"
done

/usr/bin/python3 - "$work" <<'PY'
import json, math, re, sys
import h5py, numpy as np, pandas as pd
w = sys.argv[1]
f = h5py.File(f"{w}/new/r.h5", "r")
def table(name):
    g = f[f"report/{name}"]
    return {k: (g[k].asstr()[()] if h5py.check_string_dtype(g[k].dtype) else g[k][()]) for k in g}
P, MK, SH, MO = table("paths"), table("markov"), table("shapley"), table("models")
text = open(f"{w}/new/r.txt").read()
j = json.load(open(f"{w}/new/r.json"))
html = open(f"{w}/new/r.html", encoding="utf-8").read()
def fmt(v, d):
    return "-" if not math.isfinite(v) else f"{(0.0 if v == 0 else v):.{d}f}"

# ---- Models side by side.
models = list(dict.fromkeys(MO["model"].tolist()))
assert models and j["models_compared"]["models"] == models, (models, j["models_compared"]["models"])
camps = sorted(set(zip(MO["campaign_id"].tolist(), MO["advertiser_id"].tolist())))
assert [(c["campaign_id"], c["advertiser_id"]) for c in j["models_compared"]["campaigns"]] == camps
cell = {}
for a, c, m, cv, v, t in zip(MO["advertiser_id"], MO["campaign_id"], MO["model"], MO["conversions"],
                             MO["value"], MO["credited_touches"]):
    cell[(int(c), m)] = (float(cv), float(v), int(t))
for row in j["models_compared"]["campaigns"]:
    for m in models:
        cv, v, t = cell[(row["campaign_id"], m)]
        assert row["conversions"][m] == cv and row["value"][m] == v and row["credited_touches"][m] == t
# The campaign with the most conversions under the first model: its text rows.
best = max(camps, key=lambda k: (cell[(k[0], models[0])][0], -k[0]))
conv_line = r"\s+".join([str(best[0]), str(best[1])] + [re.escape(fmt(cell[(best[0], m)][0], 3)) for m in models])
val_line = r"\s+".join([str(best[0]), str(best[1])] + [re.escape(fmt(cell[(best[0], m)][1], 2)) for m in models])
sec = text.split("Models compared: conversions per campaign", 1)[1]
conv_sec, val_sec = sec.split("Models compared: credited value per campaign", 1)
assert re.search(r"(?m)^\s+" + conv_line + r"\s*$", conv_sec), conv_line
assert re.search(r"(?m)^\s+" + val_line + r"\s*$", val_sec.split("\n\n", 1)[0]), val_line
head = conv_sec.splitlines()[1].split()
assert head == ["campaign_id", "advertiser_id"] + models, head
for m in models:
    tot = sum(cell[(c, m)][0] for c, _ in camps)
    assert abs(j["models_compared"]["total"]["conversions"][m] - tot) < 1e-9 * max(1, tot)
# HTML: the chart, its data (the --top 25 campaigns × every model), the tables.
assert 'data-chart="models"' in html and "yOffset: {field: 'model'" in html
data = json.loads(re.search(r'<script type="application/json" id="attrib-data">(.*?)</script>',
                            html, re.S).group(1))
assert data["model_names"] == models
assert len(data["models"]) == min(25, len(camps)) * len(models)
first = data["models"][0]
assert first["conversions"] == cell[(first["campaign_id"], first["model"])][0]
assert 'id="models-conversions"' in html and 'id="models-value"' in html

# ---- Paths per advertiser.
advs = sorted(set(P["advertiser_id"].tolist()))
assert [g["advertiser_id"] for g in j["paths"]] == advs
for g in j["paths"]:
    a = g["advertiser_id"]
    sel = P["advertiser_id"] == a
    rows = sorted(zip(P["path"][sel].tolist(), P["conversions"][sel].tolist(),
                      P["value"][sel].tolist(), P["nulls"][sel].tolist()),
                  key=lambda r: (-r[1], -r[3], r[0].encode()))
    conv, nulls = int(P["conversions"][sel].sum()), int(P["nulls"][sel].sum())
    assert g["distinct_paths"] == int(sel.sum()) and g["converting_journeys"] == conv
    assert g["non_converting_journeys"] == nulls and g["journeys"] == conv + nulls
    assert [t["path"] for t in g["top"]] == [r[0] for r in rows[:10]], a
    for t, r in zip(g["top"], rows):
        assert (t["conversions"], t["value"], t["nulls"]) == (r[1], r[2], r[3])
        rate = r[1] / (r[1] + r[3]) if r[1] + r[3] else None
        assert t["conversion_rate"] == rate
    summary = (f"  advertiser {a}: {int(sel.sum())} distinct path{'' if sel.sum() == 1 else 's'}, "
               f"{conv + nulls} journeys ({conv} converting, {nulls} non-converting), value ")
    assert summary in text, summary
    if rows:
        p, c, v, n = rows[0]
        shown = p if len(p) <= 60 else p[:60] + "..."
        line = (re.escape(shown) + r"\s+" + str(c) + r"\s+" + re.escape(fmt(v, 2)) + r"\s+" + str(n)
                + r"\s+" + re.escape(fmt(c / (c + n) if c + n else math.nan, 4)))
        assert re.search(r"(?m)^    " + line + r"\s*$", text), line
        assert f'<table class="data" id="paths-{a}">' in html
        esc = p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert f"<tr><td>{esc}</td><td>{c}</td>" in html, esc

# ---- Markov next to Shapley.
mk = {(int(a), int(c)): (re_, cv, v) for a, c, re_, cv, v in
      zip(MK["advertiser_id"], MK["campaign_id"], MK["removal_effect"], MK["conversions"], MK["value"])}
sh = {(int(a), int(c)): (cv, v) for a, c, cv, v in
      zip(SH["advertiser_id"], SH["campaign_id"], SH["conversions"], SH["value"])}
keys = sorted(set(mk) | set(sh))
assert [(r["advertiser_id"], r["campaign_id"]) for r in j["markov_shapley"]] == keys
for r in j["markov_shapley"]:
    k = (r["advertiser_id"], r["campaign_id"])
    if k in mk:
        assert (r["removal_effect"], r["markov_conversions"], r["markov_value"]) == mk[k]
    if k in sh:
        assert (r["shapley_conversions"], r["shapley_value"]) == sh[k]
assert mk, "no Markov rows"
k = max(mk, key=lambda k: (mk[k][0], k))
re_, cv, v = mk[k]
line = r"\s+".join([str(k[0]), str(k[1]), re.escape(fmt(re_, 4)), re.escape(fmt(cv, 3)),
                    re.escape(fmt(v, 2)), re.escape(fmt(sh.get(k, (math.nan,))[0], 3)),
                    re.escape(fmt(sh.get(k, (math.nan, math.nan))[1], 2))])
assert re.search(r"(?m)^\s+" + line + r"\s*$", text.split("Markov removal effects and Shapley", 1)[1]), line
assert 'id="markov-shapley"' in html

# ---- CSV (the same as export, checked by the shell) parses back to the file's columns.
for name, t in (("paths", P), ("markov", MK), ("shapley", SH), ("models", MO)):
    c = pd.read_csv(f"{w}/new/{name}.csv", float_precision="round_trip", keep_default_na=False)
    assert list(c.columns) == list(f[f"report/{name}"].keys()) or set(c.columns) == set(t), name
    for col in t:
        got = c[col].astype(str).tolist() if t[col].dtype.kind in "OU" else c[col].to_numpy()
        want = t[col].tolist() if t[col].dtype.kind in "OU" else t[col]
        assert (list(got) == list(want)) if t[col].dtype.kind in "OU" else np.array_equal(got, want), (name, col)

# ---- The older file: none of the sections; text and JSON are the new file's first part.
ot = open(f"{w}/old/r.txt").read()
oj_text = open(f"{w}/old/r.json").read()
nj_text = open(f"{w}/new/r.json").read()
oh = open(f"{w}/old/r.html", encoding="utf-8").read()
for s in ("Models compared", "Top paths per advertiser", "Markov removal effects"):
    assert s not in ot and s in text, s
assert text.startswith(ot), "the older sections changed"
assert nj_text.startswith(oj_text[:-2]) and oj_text.endswith("]}\n")
oj = json.loads(oj_text)
assert not {"models_compared", "paths", "markov_shapley"} & set(oj)
assert {k: v for k, v in j.items() if k not in ("models_compared", "paths", "markov_shapley")} == oj
assert 'data-chart="models"' not in oh and "model_names" not in oh and 'id="markov-shapley"' not in oh
print(f"report_datadriven: {len(models)} models x {len(camps)} campaigns, {len(P['path'])} paths "
      f"of {len(advs)} advertisers, {len(keys)} Markov/Shapley rows: text, json, html, csv agree")
PY

# Old file: --table models (and paths) exit 2 with a message naming the file.
for t in models paths; do
  set +e
  "$ATTRIB" report old/r.h5 --format csv --table "$t" >out.csv 2>err.txt; rc=$?
  set -e
  [ "$rc" = 2 ] || fail "--table $t on an older file: exit $rc"
  grep -q "^attrib: report: old/r.h5: no /report/$t table" err.txt || fail "message: $(cat err.txt)"
done

# Zero-row tables (every column present).
cp plain.h5 empty.h5
/usr/bin/python3 "$ATTRIB_SRC/tests/tools/add_dd_tables.py" empty.h5 --empty
"$ATTRIB" report empty.h5 >empty.txt
"$ATTRIB" report empty.h5 --format json | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["paths"] == [] and j["markov_shapley"] == [] and j["models_compared"]["models"] == [], j
'
grep -q "^  no journeys$" empty.txt || fail "empty paths: $(cat empty.txt | tail -20)"
"$ATTRIB" report empty.h5 --format html -o empty.html
grep -q "Models compared: conversions by campaign</h2>" empty.html
if grep -q 'data-chart="models"' empty.html; then fail "a chart of no rows"; fi
[ "$("$ATTRIB" report empty.h5 --format csv --table paths)" = "advertiser_id,path,conversions,value,nulls" ]

# Deterministic: the same file, the same bytes.
for fmt in text json html; do
  "$ATTRIB" report new/r.h5 --format "$fmt" >a.out
  "$ATTRIB" report new/r.h5 --format "$fmt" >b.out
  cmp a.out b.out || fail "$fmt output differs between two runs"
done

# Rendering (when Chromium and node are there, as tests/e2e/report_html.sh installs
# them): the models chart is drawn, no error, no network request.
if command -v chromium >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
  timeout 150 node "$ATTRIB_SRC/tests/tools/render_html.js" new/r.html shot.png "$(command -v chromium)" \
    >render.json || fail "render: $(tail -c 2000 render.json)"
  /usr/bin/python3 - render.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["chart"]: x for x in d["charts"]}
assert "models" in c and c["models"]["svg"] and c["models"]["markItems"] >= 10, c.get("models")
assert not d["problems"], d["problems"]
PY
  echo "report_datadriven: the models chart renders in Chromium"
else
  echo "report_datadriven: no chromium/node here: the page was checked as text only (not rendered)"
fi
echo "report_datadriven: ok"

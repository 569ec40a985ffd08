#!/usr/bin/env bash
# attrib check on the example rules and on the rules fixtures: valid files print the
# resolved rules (text and JSON) and exit 0; each bad fixture exits 2 with exactly the
# message its "# expect:" line gives (file, line and key).
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fix="$ATTRIB_SRC/tests/fixtures/rules"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# The example rules pass and print every level with its resolved values.
"$ATTRIB" check -c "$ATTRIB_SRC/conf/example.rules.cfg" >"$work/example.txt"
for want in \
    "advertiser 7:" \
    "    model                 linear *" \
    "    time_decay.half_life  2d *" \
    "campaign 10:" \
    "    lookback              impression off *, engagement 7d *, nurture 7d" \
    "    conversion_types      purchase *" \
    "  before 2026-10-15T00:00:00.000Z: no entry in force (rule_version 0), the advertiser's rules apply" \
    "    lookback              impression 1d, engagement 14d *, nurture 7d"; do
    grep -qxF -- "$want" "$work/example.txt" || fail "example: missing line '$want'"
done

"$ATTRIB" check --json -c "$ATTRIB_SRC/conf/example.rules.cfg" >"$work/example.json"
/usr/bin/python3 - "$work/example.json" <<'PY' || fail "example --json content"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["defaults"]["model"] == "last_touch", j["defaults"]
assert j["defaults"]["lookback_ms"] == {"impression": 86400000, "engagement": 2592000000, "nurture": 604800000}
adv = {a["id"]: a["versions"] for a in j["advertisers"]}
assert adv[7][0]["model"] == "linear" and adv[3][0]["half_life_ms"] == 2 * 86400000
camp = {c["id"]: c["versions"] for c in j["campaigns"]}
assert camp[10][0]["lookback_ms"]["impression"] is None
assert camp[10][0]["lookback_ms"]["engagement"] == 7 * 86400000
assert camp[14][0]["conversion_types"] == ["purchase"]
v = camp[20][0]
assert v["rule_version"] == 1 and v["effective_from_ms"] == 1792022400000, v
assert v["effective_from"] == "2026-10-15T00:00:00.000Z"
PY

# Versions in any order are numbered in effective_from order, each with its period.
"$ATTRIB" check -c "$fix/good_versions.cfg" >"$work/versions.txt"
for want in \
    "  rule_version 1, in force from the beginning of time until 2026-10-01T00:00:00.000Z ($fix/good_versions.cfg:14):" \
    "  rule_version 2, in force from 2026-10-01T00:00:00.000Z until 2026-10-15T00:00:00.000Z ($fix/good_versions.cfg:13):" \
    "  rule_version 3, in force from 2026-10-15T00:00:00.000Z ($fix/good_versions.cfg:12):" \
    "    conversion_types      purchase, signup *" \
    "    model                 j_curve *" \
    "    position_based        first 0.2, last 0.6 (the preset's weights)"; do
    grep -qxF -- "$want" "$work/versions.txt" || fail "good_versions: missing line '$want'"
done
# markov.order: inherited from the defaults, set per advertiser, the same in every
# version; * where a level sets it; JSON "markov_order" in every version and in "keys"
# where set.
"$ATTRIB" check -c "$fix/good_markov.cfg" >"$work/markov.txt"
/usr/bin/python3 - "$work/markov.txt" "$fix/good_markov.cfg" <<'PY' || fail "good_markov text"
import sys
text, cfg = open(sys.argv[1]).read(), sys.argv[2]
blocks, cur = {}, None
for line in text.split("\n"):
    if line.startswith("defaults (") or line.startswith("  version ") or line.startswith("  before "):
        cur = line
    elif line.startswith("advertiser "):
        adv = line
    if line.startswith("    markov.order"):
        blocks[(adv if cur and cur.startswith("  ") else "", cur)] = line.split(None, 1)[1]
want = {
    ("", "defaults (%s:3):" % cfg): "2 *",
    ("advertiser 5:", "  version 1, in force from the beginning of time until 2026-10-15T00:00:00.000Z (%s:7):" % cfg): "3 *",
    ("advertiser 5:", "  version 2, in force from 2026-10-15T00:00:00.000Z (%s:8):" % cfg): "3 *",
    ("advertiser 6:", "  version 1, in force from 2026-10-01T00:00:00.000Z until 2026-11-01T00:00:00.000Z (%s:9):" % cfg): "2",
    ("advertiser 6:", "  version 2, in force from 2026-11-01T00:00:00.000Z (%s:10):" % cfg): "2 *",
    ("advertiser 8:", "  version 1, in force from the beginning of time (%s:11):" % cfg): "4 *",
}
assert blocks == want, (blocks, want)
PY
"$ATTRIB" check --json -c "$fix/good_markov.cfg" >"$work/markov.json"
/usr/bin/python3 - "$work/markov.json" <<'PY' || fail "good_markov --json"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["defaults"]["markov_order"] == 2 and "markov.order" in j["defaults"]["keys"], j["defaults"]
adv = {a["id"]: a["versions"] for a in j["advertisers"]}
got = {i: [(v["markov_order"], "markov.order" in v["keys"]) for v in vs] for i, vs in adv.items()}
assert got == {5: [(3, True), (3, True)], 6: [(2, False), (2, True)], 8: [(4, True)]}, got
PY
grep -qxF "    markov.order          1" "$work/example.txt" || fail "example: markov.order not 1 (built in)"

"$ATTRIB" check -c "$fix/good_no_defaults.cfg" >"$work/nodef.txt"
grep -qxF "defaults (built in: the file has none):" "$work/nodef.txt" || fail "good_no_defaults"

# Every bad fixture: exit 2 and exactly the expected message on stderr, nothing on stdout.
n=0
cd "$fix"
for f in bad_*.cfg; do
    n=$((n + 1))
    want="attrib: check: $(sed -n 's/^# expect: //p' "$f")"
    rc=0
    "$ATTRIB" check -c "$f" >"$work/out" 2>"$work/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "$f: exit $rc, want 2"
    [ "$(cat "$work/err")" = "$want" ] || fail "$f: got '$(cat "$work/err")', want '$want'"
    [ ! -s "$work/out" ] || fail "$f: printed on stdout"
done
[ "$n" -ge 10 ] || fail "only $n bad fixtures found"

# Usage errors and help.
rc=0; "$ATTRIB" check >/dev/null 2>"$work/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "no rules file" "$work/err" || fail "check without -c: exit $rc"
rc=0; "$ATTRIB" check -c /nonexistent/rules.cfg 2>"$work/err" || rc=$?
[ "$rc" -eq 2 ] && grep -qF "attrib: check: /nonexistent/rules.cfg: cannot open: No such file or directory" "$work/err" \
    || fail "missing file: exit $rc"
rc=0; "$ATTRIB" check --bogus 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "unknown option: exit $rc"
"$ATTRIB" check --help >"$work/help"
grep -qF 'lookback = { engagement = "30d"; impression = "1d"; nurture = "7d"; };' "$work/help" \
    || fail "--help does not document the built-in defaults"
grep -qF 'markov = { order = 1; };' "$work/help" || fail "--help does not document the built-in markov order"

if [ "$fails" -ne 0 ]; then
    echo "$fails failure(s)" >&2
    exit 1
fi
echo "check_rules: ok ($n bad fixtures)"

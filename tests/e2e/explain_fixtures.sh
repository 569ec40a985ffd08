#!/usr/bin/env bash
# attrib explain on the hand-worked fixtures (tests/fixtures/cases/*): for every
# conversion of every case, `attrib explain --json` agrees with the run's /credits,
# /unattributed and /explain/conversion (run --explain); across the cases every touch
# status appears with its exact reason; the text output reads as documented; a missing
# or ambiguous conversion exits 2 naming the choices; a conversion outside the period
# says so. Env (CTest): ATTRIB, ATTRIB_SRC, MPIEXEC.
set -euo pipefail

ATTRIB=${ATTRIB:?set ATTRIB to the attrib binary}
ATTRIB_SRC=${ATTRIB_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
MPIEXEC=${MPIEXEC:-mpiexec}
PY=/usr/bin/python3
CASES=$ATTRIB_SRC/tests/fixtures/cases
# A singleton MPI process without a daemon: ~0.3 s per explain instead of ~1.3 s.
export OMPI_MCA_ess_singleton_isolated=1
export OMPI_MCA_sharedfp=^sm # (unused by HDF5; its component only warns here)

work=$(mktemp -d "${TMPDIR:-/tmp}/attrib-explain-fx.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Open MPI's session directory, private to this run of the script. Isolated singletons
# all name their job jf.0/1 below it, so two runs sharing one (this test twice at once
# under one build's per-test directory, or any two runs before tests had their own)
# remove each other's directories and MPI_Init fails with "A call to mkdir was unable
# to create the desired directory".
mkdir "$work/mpi"
export OMPI_MCA_orte_tmpdir_base="$work/mpi"
fail=0
bad() { echo "FAIL $*"; fail=1; }

CHECK_PY=$(cat <<'EOF'
import csv, json, sys
credits, unattr, xconv, doc, seen = sys.argv[1:6]
x = json.load(open(doc))
key = (str(x["conversion_id"]), str(x["advertiser_id"]), str(x["identity"]))
def rows(path):
    return [r for r in csv.DictReader(open(path))
            if (r["conversion_id"], r["advertiser_id"], r["identity"]) == key]
cr, un, xc = rows(credits), rows(unattr), rows(xconv)
err = []
if not x["in_period"]:
    if cr or un or xc:
        err.append("outside the period, yet the run has rows")
else:
    touches = x["touches"]
    credited = [t for t in touches if t["status"] == "credited"]
    if x["outcome"] == "attributed":
        if un: err.append("attributed but in /unattributed")
        if len(cr) != len(credited): err.append("%d credit rows, %d credited" % (len(cr), len(credited)))
        by = {int(r["event_id"]): r for r in cr}
        for t in credited:
            r = by.get(t["event_id"])
            if r is None: err.append("event %d not in /credits" % t["event_id"]); continue
            for a, b in (("credit", "credit"), ("credited_value", "credited_value")):
                if float(r[a]) != float(t[b]): err.append("event %d %s %s != %s" % (t["event_id"], a, r[a], t[b]))
            for a, b in (("position", "position"), ("rule_version", "rule_version"), ("campaign_id", "campaign_id"), ("touch_ts", "ts")):
                if int(r[a]) != int(t[b]): err.append("event %d %s" % (t["event_id"], a))
            if int(r["path_length"]) != x["counts"]["path_length"]: err.append("path_length")
            if r["kind"] != t["kind"]: err.append("kind")
    else:
        if cr or len(un) != 1 or un[0]["reason"] != x["reason"]:
            err.append("reason %s vs /unattributed %s" % (x["reason"], [u["reason"] for u in un]))
    if len(xc) != 1:
        err.append("%d /explain/conversion rows" % len(xc))
    else:
        r = xc[0]
        if r["outcome"] != x["outcome"]: err.append("outcome")
        for k, v in x["counts"].items():
            if int(r[k]) != v: err.append("/explain/conversion %s %s != %s" % (k, r[k], v))
    with open(seen, "a") as f:
        for t in touches:
            f.write("%s\t%s\t%s\n" % (doc, t["status"], t["reason"]))
if err:
    print("; ".join(err)); sys.exit(1)
EOF
)

n=0
for dir in "$CASES"/*/; do
    dir=${dir%/}
    [ -f "$dir/rules.cfg" ] || continue
    name=$(basename "$dir")
    W="$work/$name"
    mkdir -p "$W"
    args=()
    if [ -f "$dir/args" ]; then read -r -a args <"$dir/args" || true; fi
    "$ATTRIB" import -q --events "$dir/events.csv" --conversions "$dir/conversions.csv" \
        --campaigns "$dir/campaigns.csv" -o "$W/in.h5" >"$W/log" 2>&1 || { bad "$name import"; cat "$W/log"; continue; }
    "$ATTRIB" run -q --explain -c "$dir/rules.cfg" -i "$W/in.h5" ${args[@]+"${args[@]}"} -o "$W/out.h5" \
        >"$W/log" 2>&1 || { bad "$name run"; cat "$W/log"; continue; }
    for t in credits unattributed conversions explain/conversion; do
        "$ATTRIB" export "$W/out.h5" "$t" -o "$W/${t//\//_}.csv" 2>/dev/null || true
    done
    "$ATTRIB" export "$W/in.h5" conversions -o "$W/conversions.csv"
    # Every distinct (conversion, advertiser, identity) of the input.
    tail -n +2 "$W/conversions.csv" | cut -d, -f1,2,4 | sort -u >"$W/keys"
    while IFS=, read -r cid ident adv; do
        doc="$W/x_${cid}_${adv}_${ident}.json"
        rc=0
        "$ATTRIB" explain -c "$dir/rules.cfg" -i "$W/in.h5" ${args[@]+"${args[@]}"} --conversion "$cid" \
            --advertiser "$adv" --identity "$ident" --json >"$doc" 2>"$W/err" </dev/null || rc=$?
        if [ "$rc" != 0 ]; then bad "$name conversion $cid: exit $rc"; cat "$W/err"; continue; fi
        if ! "$PY" -c "$CHECK_PY" "$W/credits.csv" "$W/unattributed.csv" "$W/explain_conversion.csv" \
            "$doc" "$work/seen.tsv" >"$W/cmp" 2>&1; then
            bad "$name conversion $cid advertiser $adv: $(cat "$W/cmp")"
        fi
        n=$((n + 1))
    done <"$W/keys"
done
echo "explained $n conversions"
[ "$n" -ge 90 ] || bad "only $n conversions explained"

# Every status, with its exact reason.
check_reason() { # status, extended regex of the whole reason
    if ! awk -F'\t' -v s="$1" '$2 == s { print $3 }' "$work/seen.tsv" | grep -Eq "^$2\$"; then
        bad "no '$1' touch with reason /$2/"
        awk -F'\t' -v s="$1" '$2 == s { print "    | " $3 }' "$work/seen.tsv" | sort -u | head -5
    fi
}
check_reason credited 'position [0-9]+ of [0-9]+'
check_reason zero_share 'position 1 of 2: the model gives it no share'
check_reason beaten_by_engagement 'in its impression window, but engagement priority keeps only the 1 engagement candidate'
check_reason outside_window 'older than the 1d impression lookback by 00:00:00\.001'
check_reason outside_window 'older than the 30d engagement lookback by 00:00:00\.001'
check_reason kind_off 'impression lookback is off for campaign 51 \(.*kind_off/rules\.cfg:[0-9]+\)'
check_reason type_excluded 'campaign 61 counts only purchase \(.*conversion_types/rules\.cfg:[0-9]+\), not signup'
check_reason after_conversion 'after the conversion: never a candidate for it'
check_reason duplicate 'redelivery of event [0-9]+, dropped by dedup \(an exact copy\)'
check_reason duplicate 'redelivery of event [0-9]+, dropped by dedup \(differs; the smallest \(ts, campaign, kind, cost\) is kept\)'

# Text for people: the journey table, the rule provenance, the model summary.
K=$CASES/rule_versions
out=$("$ATTRIB" explain -c "$CASES/kind_off/rules.cfg" -i "$work/kind_off/in.h5" --conversion 1)
for want in 'conversion 1 of advertiser 5' 'outcome: attributed to 1 touch \(credit 1, credited value 100\)' \
    'Journey: touches of this identity for advertiser 5' 'kind_off' \
    'campaign 51: version 1 from .*kind_off/rules.cfg:[0-9]+' 'lookback engagement 30d, impression off, nurture 7d' \
    'Model: advertiser 5 uses last_touch; engagement priority on' 'last_touch over 1 candidate: the last one gets 1'; do
    echo "$out" | grep -Eq -- "$want" || { bad "text lacks /$want/"; echo "$out" | sed 's/^/    | /'; }
done
out=$("$ATTRIB" explain -c "$K/rules.cfg" -i "$work/rule_versions/in.h5" --conversion 2 2>&1 || true)
echo "$out" | grep -Eq 'campaign [0-9]+: version 2 from .*rules.cfg:[0-9]+, in force since 20[0-9-]+T' ||
    { bad "rule_versions: no 'version 2 … in force since'"; echo "$out" | sed 's/^/    | /'; }
out=$("$ATTRIB" explain -c "$CASES/model_linear/rules.cfg" -i "$work/model_linear/in.h5" --conversion 3)
echo "$out" | grep -q 'linear over 3 candidates: 1/3 each' || { bad "linear summary"; echo "$out"; }
out=$("$ATTRIB" explain -c "$CASES/unattributed_reasons/rules.cfg" -i "$work/unattributed_reasons/in.h5" \
    --conversion 2 2>&1 || true)
echo "$out" | grep -Eq 'outcome: unattributed, reason (no_touch|outside_window|rule_excluded): ' ||
    { bad "unattributed text"; echo "$out"; }

# Outside the period: said so, exit 0.
out=$("$ATTRIB" explain -c "$CASES/period/rules.cfg" -i "$work/period/in.h5" --from 2026-10-01 --to 2026-11-01 --conversion 2)
echo "$out" | grep -q 'Outside the period' || { bad "period: not said"; echo "$out"; }

# Not found, ambiguous: exit 2 with the choices.
rc=0
"$ATTRIB" explain -c "$CASES/dedup/rules.cfg" -i "$work/dedup/in.h5" --conversion 999 2>"$work/e" >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q "conversion 999 not found" "$work/e" || bad "not found: exit $rc $(cat "$work/e")"
rc=0
"$ATTRIB" explain -c "$CASES/dedup/rules.cfg" -i "$work/dedup/in.h5" --conversion 5 2>"$work/e" >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q "conversion 5 is ambiguous: advertisers 1, 2 have it; pass --advertiser A" "$work/e" ||
    bad "ambiguous: exit $rc $(cat "$work/e")"
"$ATTRIB" explain -c "$CASES/dedup/rules.cfg" -i "$work/dedup/in.h5" --conversion 5 --advertiser 2 >/dev/null ||
    bad "--advertiser 2 does not resolve the ambiguity"
# Several ranks: the same document.
$MPIEXEC --allow-run-as-root --oversubscribe -n 3 "$ATTRIB" explain -c "$CASES/dedup/rules.cfg" \
    -i "$work/dedup/in.h5" --conversion 2 --json >"$work/np3.json"
"$ATTRIB" explain -c "$CASES/dedup/rules.cfg" -i "$work/dedup/in.h5" --conversion 2 --json >"$work/np1.json"
cmp -s "$work/np1.json" "$work/np3.json" || bad "3 ranks differ from 1"

[ "$fail" = 0 ] && echo "PASS explain fixtures"
exit "$fail"

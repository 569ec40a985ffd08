#!/usr/bin/env bash
# attrib explain and run --explain on generated data (attrib gen --events 20000
# --conversions 2000, conf/example.rules.cfg):
#  - /explain/conversion of `run --explain` agrees with /credits and /unattributed for
#    ALL conversions (outcome, credited rows, path_length), is identical at 1 and 3
#    ranks, and the run's other tables are unchanged by --explain;
#  - `attrib explain --json` (1 and 2 ranks) agrees with /credits, /unattributed and
#    /explain/conversion for a sample of conversions (attributed and not, every
#    advertiser). tests/unit/test_explain.c checks every conversion of a random data set
#    in-process through the same library call.
# Env (CTest): ATTRIB, ATTRIB_SRC, MPIEXEC.
set -euo pipefail

ATTRIB=${ATTRIB:?set ATTRIB to the attrib binary}
ATTRIB_SRC=${ATTRIB_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
MPIEXEC=${MPIEXEC:-mpiexec}
PY=/usr/bin/python3
RULES=$ATTRIB_SRC/conf/example.rules.cfg
export OMPI_MCA_ess_singleton_isolated=1
export OMPI_MCA_sharedfp=^sm # (unused by HDF5; its component only warns here)
MPI=($MPIEXEC --allow-run-as-root --oversubscribe)

work=$(mktemp -d "${TMPDIR:-/tmp}/attrib-explain-gen.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Open MPI's session directory, private to this run of the script. Isolated singletons
# all name their job jf.0/1 below it, so two runs sharing one (this test twice at once
# under one build's per-test directory, or any two runs before tests had their own)
# remove each other's directories and MPI_Init fails with "A call to mkdir was unable
# to create the desired directory".
mkdir "$work/mpi"
export OMPI_MCA_orte_tmpdir_base="$work/mpi"
cd "$work"
fail=0
bad() { echo "FAIL $*"; fail=1; }

"$ATTRIB" gen -q --events 20000 --conversions 2000 -o in.h5
"$ATTRIB" run -q -c "$RULES" -i in.h5 -o plain.h5
"$ATTRIB" run -q --explain -c "$RULES" -i in.h5 -o x1.h5
"${MPI[@]}" -n 3 "$ATTRIB" run -q --explain -c "$RULES" -i in.h5 -o x3.h5 2>/dev/null
for t in credits unattributed report/campaign report/advertiser; do
    "$ATTRIB" export plain.h5 $t -o "p_${t//\//_}.csv"
    "$ATTRIB" export x1.h5 $t -o "${t//\//_}.csv"
    cmp -s "p_${t//\//_}.csv" "${t//\//_}.csv" || bad "--explain changed $t"
done
"$ATTRIB" export x1.h5 explain/conversion -o xconv.csv
"$ATTRIB" export x3.h5 explain/conversion -o xconv3.csv
cmp -s xconv.csv xconv3.csv || bad "/explain/conversion differs between 1 and 3 ranks"

# All conversions: /explain/conversion against /credits and /unattributed.
"$PY" - <<'EOF' || bad "/explain/conversion disagrees with /credits"
import csv, collections, sys
cr = collections.defaultdict(list)
for r in csv.DictReader(open("credits.csv")):
    cr[(r["conversion_id"], r["advertiser_id"], r["identity"])].append(r)
un = {(r["conversion_id"], r["advertiser_id"], r["identity"]): r["reason"]
      for r in csv.DictReader(open("unattributed.csv"))}
xc = list(csv.DictReader(open("xconv.csv")))
keys = [(r["conversion_id"], r["advertiser_id"], r["identity"]) for r in xc]
err = []
if len(set(keys)) != len(keys) or set(keys) != set(cr) | set(un) or sorted(keys, key=lambda k: tuple(map(int, k))) != keys:
    err.append("rows are not exactly the attributed + unattributed conversions, sorted")
for r, k in zip(xc, keys):
    n = lambda c: int(r[c])
    if n("touches") != n("candidates") + n("excluded_outside_window") + n("excluded_kind_off") + n("excluded_type"):
        err.append("%s: touches do not add up" % (k,))
    if n("candidates") != n("path_length") + n("beaten_by_engagement"):
        err.append("%s: candidates do not add up" % (k,))
    if r["outcome"] == "attributed":
        rows = cr.get(k, [])
        if len(rows) != n("credited") or any(int(x["path_length"]) != n("path_length") for x in rows):
            err.append("%s: %d credit rows, credited %s" % (k, len(rows), r["credited"]))
    elif un.get(k) != r["outcome"] or k in cr:
        err.append("%s: outcome %s, /unattributed %s" % (k, r["outcome"], un.get(k)))
print("checked %d conversions, %d attributed" % (len(xc), sum(r["outcome"] == "attributed" for r in xc)))
if err:
    print("\n".join(err[:10])); sys.exit(1)
EOF

# A sample through the command: every 25th conversion, plus unattributed ones and one
# of each outcome, alternating 1 and 2 ranks.
"$PY" - >sample.txt <<'EOF'
import csv
xc = list(csv.DictReader(open("xconv.csv")))
pick = {i for i in range(0, len(xc), 25)}
for o in ("no_touch", "rule_excluded", "outside_window"):
    pick |= set([i for i, r in enumerate(xc) if r["outcome"] == o][:5])
for i in sorted(pick):
    r = xc[i]
    print(r["conversion_id"], r["advertiser_id"], r["identity"])
EOF
CHECK_PY=$(sed -n "/^CHECK_PY=\$(cat <<'EOF'\$/,/^EOF\$/p" "$ATTRIB_SRC/tests/e2e/explain_fixtures.sh" | sed '1d;$d')
n=0
while read -r cid adv ident; do
    np=$((n % 2 + 1))
    rc=0
    if [ "$np" = 1 ]; then
        "$ATTRIB" explain -c "$RULES" -i in.h5 --conversion "$cid" --advertiser "$adv" \
            --identity "$ident" --json >doc.json 2>err.txt </dev/null || rc=$?
    else
        "${MPI[@]}" -n 2 "$ATTRIB" explain -c "$RULES" -i in.h5 --conversion "$cid" \
            --advertiser "$adv" --identity "$ident" --json >doc.json 2>err.txt </dev/null || rc=$?
    fi
    if [ "$rc" != 0 ]; then bad "explain $cid/$adv: exit $rc: $(cat err.txt)"; continue; fi
    "$PY" -c "$CHECK_PY" credits.csv unattributed.csv xconv.csv doc.json seen.tsv >cmp.txt 2>&1 ||
        bad "explain $cid/$adv: $(cat cmp.txt)"
    n=$((n + 1))
done <sample.txt
echo "explained $n sampled conversions through the command"
[ "$n" -ge 80 ] || bad "only $n sampled"
[ "$fail" = 0 ] && echo "PASS explain gen"
exit "$fail"

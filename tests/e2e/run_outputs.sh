#!/usr/bin/env bash
# attrib run's output and options, checked before any work:
#  - an output that is one of the inputs (-i X -o X, -o the rules file, the same file
#    through ./X or a symlink) is refused with exit 2 naming the path, at 1 and 2 ranks,
#    and the file is unchanged (checksum);
#  - a missing output directory, a parent that is a regular file, and (run as nobody
#    when setpriv is there) a directory without write permission: exit 2 before the
#    input is read (the read-phase crash hook never fires; a missing input is not what
#    is reported), the message names the user's path, never OUT.tmp;
#  - options through the framework: --model lastclick lists the valid models, --level
#    and --memory-per-rank values, --opt=value forms; failures read "attrib: run: …";
#  - the results' root attributes, with the input's identity_hash.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
MPI="${MPIEXEC:-mpiexec} --allow-run-as-root --oversubscribe"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
# Every attrib command of this script gets an Open MPI session directory of its own
# (below $W, short enough for PMIx's socket paths). Sharing the test's one, a mpiexec
# once failed in MPI_Init ("A call to mkdir was unable to create the desired directory:
# ... ompi.vm.0: File exists") because the previous command's singleton daemon was still
# removing that directory (open-mpi/ompi#8510).
nsess=0
sess() { nsess=$((nsess + 1)); mkdir "$W/m$nsess"; OMPI_MCA_orte_tmpdir_base=$W/m$nsess; export OMPI_MCA_orte_tmpdir_base; }
# expect RC CMD...: exit code RC, stderr in err.txt.
expect() {
    local want=$1 rc=0
    shift
    sess
    timeout 60 "$@" >out.txt 2>err.txt || rc=$?
    [ "$rc" = "$want" ] || fail "exit $rc (want $want): $*: $(head -c 2000 err.txt)"
}
has() { grep -qF -- "$1" err.txt || fail "'$1' not in: $(head -c 2000 err.txt)"; }
# The output is checked on rank 0: under mpiexec the message may say "rank 0: ".
hasr0() { grep -qE -- "^attrib: run: (rank 0: )?$1" err.txt || fail "'$1' not in: $(head -c 2000 err.txt)"; }
hasnt() { ! grep -qF -- "$1" err.txt || fail "'$1' in: $(head -c 2000 err.txt)"; }

cp "$ATTRIB_SRC/conf/example.rules.cfg" rules.cfg
sess
"$ATTRIB" gen --events 3000 --conversions 300 --seed 4 -q -o in.h5
ln -s in.h5 link.h5
ln -s rules.cfg rlink.cfg
sums() { sha256sum in.h5 rules.cfg; }
before=$(sums)

# --- 1. The output is one of the inputs.
for n in 1 2; do
    launch=("$ATTRIB")
    [ "$n" = 1 ] || launch=($MPI -n "$n" "$ATTRIB")
    for o in in.h5 ./in.h5 link.h5 "$W/in.h5" rules.cfg ./rules.cfg rlink.cfg; do
        expect 2 "${launch[@]}" run -q -c rules.cfg -i in.h5 -o "$o"
        hasr0 "$o: is one of the inputs"
        [ "$(grep -c 'is one of the inputs' err.txt)" = 1 ] || fail "printed more than once: $(cat err.txt)"
        [ "$(sums)" = "$before" ] || fail "-o $o at $n ranks changed an input"
        [ ! -e "$o.tmp" ] || fail "-o $o: $o.tmp left"
    done
    # The rules file through a symlink given as -c, the output the link's target.
    expect 2 "${launch[@]}" run -q -c rlink.cfg -i in.h5 -o rules.cfg
    hasr0 "rules.cfg: is one of the inputs: 'rlink.cfg'"
    [ "$(sums)" = "$before" ] || fail "-c rlink.cfg -o rules.cfg changed an input"
    echo "PASS output is an input, $n rank(s)"
done

# --- 2. An output that cannot be written, found before the input is read: with the
# read phase's crash hook armed, a run that read first would be killed, not exit 2.
touch afile
for n in 1 2; do
    launch=("$ATTRIB")
    [ "$n" = 1 ] || launch=($MPI -n "$n" -x ATTRIB_TEST_CRASH=read:0 "$ATTRIB")
    export ATTRIB_TEST_CRASH=read:0
    expect 2 "${launch[@]}" run -q -c rules.cfg -i in.h5 -o nodir/out.h5
    hasr0 "nodir/out.h5: cannot write: No such file or directory"
    hasnt "out.h5.tmp"
    expect 2 "${launch[@]}" run -q -c rules.cfg -i in.h5 -o afile/out.h5
    hasr0 "afile/out.h5: cannot write: Not a directory"
    hasnt "out.h5.tmp"
    # A missing input is not what is reported when the output cannot be written either.
    expect 2 "${launch[@]}" run -q -c rules.cfg -i missing.h5 -o nodir/out.h5
    hasr0 "nodir/out.h5: cannot write"
    hasnt "missing.h5"
    unset ATTRIB_TEST_CRASH
    [ ! -e nodir ] && [ ! -e afile/out.h5 ] || fail "something was created"
    echo "PASS unwritable output found first, $n rank(s)"
done
# A directory without write permission: root writes anywhere, so run as nobody.
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$ATTRIB"; then
    mkdir ro && chmod 555 ro && chmod 755 "$W" && chmod 644 in.h5 rules.cfg
    rc=0
    mkdir -m 777 s # nobody's Open MPI session directory
    HOME=$W OMPI_MCA_orte_tmpdir_base=$W/s ATTRIB_TEST_CRASH=read:0 timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$ATTRIB" run -q -c rules.cfg -i in.h5 -o ro/out.h5 >out.txt 2>err.txt || rc=$?
    [ "$rc" = 2 ] || fail "read-only directory as nobody: exit $rc: $(cat err.txt)"
    has "attrib: run: ro/out.h5: cannot write: Permission denied"
    hasnt "out.h5.tmp"
    [ -z "$(ls -A ro)" ] || fail "ro: $(ls ro)"
    echo "PASS directory without write permission (as nobody)"
else
    # Without a way to drop root's rights the permission check cannot be observed.
    echo "skip: no setpriv to run as nobody; permission sub-check not run"
fi

# --- 3. Options through the framework.
expect 2 "$ATTRIB" run -q -c rules.cfg -i in.h5 -o x.h5 --model lastclick
has "attrib: run: --model: unknown model 'lastclick' (valid: last_touch, first_touch, linear, time_decay, position_based, u_shaped, j_curve, inverse_j, markov, shapley). See 'attrib run --help'."
expect 2 "$ATTRIB" run -q -c rules.cfg -i in.h5 -o x.h5 --level 23
has "attrib: run: --level: '23' is not an integer from 0 to 22. See 'attrib run --help'."
expect 2 "$ATTRIB" run -q -c rules.cfg -i in.h5 -o x.h5 --memory-per-rank lots
has "attrib: run: --memory-per-rank: 'lots' is not a size (want e.g. 512M, 4G)"
expect 2 "$ATTRIB" run -q -c rules.cfg -i in.h5
has "attrib: run: -c RULES, -i IN.h5 and -o OUT.h5 are required. See 'attrib run --help'."
expect 2 "$ATTRIB" run -q -c rules.cfg -i in.h5 -o x.h5 --from 2026-10-02 --to 2026-10-01
has "attrib: run: --from must be before --to"
expect 2 "$ATTRIB" run -q -c rules.cfg -i in.h5 -o x.h5 stray
has "attrib: run: unexpected argument 'stray'"
# A library failure carries the command's name too, and names the file.
expect 2 "$ATTRIB" run -q -c rules.cfg -i missing.h5 -o x.h5
has "attrib: run: missing.h5"
[ ! -e x.h5 ] && [ ! -e x.h5.tmp ] || fail "x.h5 after failures"
# --opt=value and -cVALUE forms give the same tables as the spaced forms.
expect 0 "$ATTRIB" run -q -c rules.cfg -i in.h5 -o a.h5 --level 3 --model linear --memory-per-rank 66M
expect 0 "$ATTRIB" run -q -crules.cfg --input=in.h5 --output=b.h5 --level=3 --model=linear --memory-per-rank=66M
for t in credits unattributed report/campaign report/advertiser; do
    sess
    "$ATTRIB" export a.h5 "$t" >ea.csv
    sess
    "$ATTRIB" export b.h5 "$t" >eb.csv
    cmp -s ea.csv eb.csv || fail "$t differs between option forms"
done
expect 0 "$ATTRIB" export a.h5 credits
[ "$(wc -l <out.txt)" -gt 10 ] || fail "too few credits for a meaningful comparison"
echo "PASS options"

# --- 4. The results record how identities were hashed (the input's identity_hash) next
# to the other root attributes.
/usr/bin/python3 - in.h5 a.h5 rules.cfg <<'PYEOF' || fail "root attributes"
import sys, h5py
def s(v): return v.decode() if isinstance(v, bytes) else v
i, r = h5py.File(sys.argv[1], "r").attrs, h5py.File(sys.argv[2], "r").attrs
want = {"identity_hash": s(i["identity_hash"]), "input_file": "in.h5", "rules_file": "rules.cfg",
        "model": "linear", "period_from": "", "period_to": "",
        "rules": open(sys.argv[3]).read(), "software_version": None, "input_checksum": None}
bad = [k for k, v in want.items() if k not in r or (v is not None and s(r[k]) != v)]
if not s(i["identity_hash"]).startswith("siphash-2-4 key_id="): bad.append("input identity_hash")
for k in ("ranks", "schema_version", "seconds_read", "seconds_total", "peak_rss_mib_max"):
    if k not in r: bad.append(k)
if bad: print("wrong or missing:", bad, dict((k, s(r[k])) for k in r if k != "rules")); sys.exit(1)
PYEOF
echo "PASS root attributes"
echo "run_outputs: ok"

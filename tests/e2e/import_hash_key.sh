#!/usr/bin/env bash
# The identity hash key of import and gen (docs/formats.md):
#  - under the built-in public key import prints exactly one warning line (also with
#    -q and at 2 ranks), and none under a site key (--hash-key, --hash-key-file,
#    ATTRIB_HASH_KEY, ATTRIB_HASH_KEY_FILE); gen never warns;
#  - identity_hash records the key id and key=public-default or key=site; the key id
#    is SipHash-2-4 of the empty string under the key (checked by an independent
#    implementation), never the key;
#  - a key file of mode 0600 (or 0400) is accepted; one that group or others may read
#    or write (0644, 0640, 0604, 0620) is refused with exit 2 naming the file and its
#    mode, and nothing is written; a missing file, a directory and bad content too;
#  - the same key by file, by ATTRIB_HASH_KEY_FILE, by ATTRIB_HASH_KEY and by
#    --hash-key gives identical stores, at 1 and 2 ranks;
#  - --help says how to set and rotate a key, and that `ps` shows --hash-key.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
MPI="${MPIEXEC:-mpiexec} --allow-run-as-root --oversubscribe"
PY=/usr/bin/python3
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
unset ATTRIB_HASH_KEY ATTRIB_HASH_KEY_FILE
F=$ATTRIB_SRC/tests/fixtures/import
IN=(--campaigns "$F/campaigns.csv" --events "$F/events_a.csv" --events "$F/events_b.csv"
    --conversions "$F/conversions_a.csv" --conversions "$F/conversions_b.csv")
KEY=000102030405060708090a0b0c0d0e0f
WARN="warning: identities are hashed with the public default key"
nwarn() { grep -c -- "$WARN" err.txt || true; }
attr() { # file -> its identity_hash
    "$PY" -c 'import h5py, sys
v = h5py.File(sys.argv[1], "r").attrs["identity_hash"]
print(v.decode() if isinstance(v, bytes) else v)' "$1"
}
keyid() { # hex key -> SipHash-2-4 of "" under it, as attrib_hash_key_id prints it
    "$PY" - "$1" <<'PYEOF'
import sys
M = (1 << 64) - 1
rotl = lambda x, b: ((x << b) | (x >> (64 - b))) & M
h = sys.argv[1]
k0, k1 = int(h[:16], 16), int(h[16:], 16)  # attrib reads the hex as two big-endian u64
v0, v1, v2, v3 = k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573
def rnd():
    global v0, v1, v2, v3
    v0 = (v0 + v1) & M; v1 = rotl(v1, 13) ^ v0; v0 = rotl(v0, 32)
    v2 = (v2 + v3) & M; v3 = rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & M; v3 = rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & M; v1 = rotl(v1, 17) ^ v2; v2 = rotl(v2, 32)
b = 0  # empty message: length 0 in the top byte
v3 ^= b; rnd(); rnd(); v0 ^= b
v2 ^= 0xff
for _ in range(4): rnd()
print("%016x" % (v0 ^ v1 ^ v2 ^ v3))
PYEOF
}
dump() { for t in events conversions campaigns; do "$ATTRIB" export "$1" "$t"; done; }

# --- 1. The public default key: one warning line, recorded as such.
expect 0 "$ATTRIB" import -q "${IN[@]}" -o def.h5
[ "$(nwarn)" = 1 ] || fail "default key: $(nwarn) warnings: $(cat err.txt)"
has "attrib: import: $WARN"
[ "$(wc -l <err.txt)" = 1 ] || fail "more than the warning on stderr: $(cat err.txt)"
expect 0 $MPI -n 2 "$ATTRIB" import -q "${IN[@]}" -o def2.h5
[ "$(nwarn)" = 1 ] || fail "2 ranks: $(nwarn) warnings"
DEFID=$(keyid 6174747269622d64656661756c742d6b)
[ "$(attr def.h5)" = "siphash-2-4 key_id=$DEFID key=public-default" ] || fail "default: $(attr def.h5)"
# The default key given explicitly is still the public key.
expect 0 "$ATTRIB" import -q "${IN[@]}" --hash-key 6174747269622d64656661756c742d6b -o def3.h5
[ "$(nwarn)" = 1 ] || fail "explicit default key: no warning"

# --- 2. A site key, four ways: no warning, identical stores, key id recorded.
printf '%s\n' "$KEY" >key600
chmod 600 key600
expect 0 "$ATTRIB" import -q "${IN[@]}" --hash-key-file key600 -o file.h5
[ "$(nwarn)" = 0 ] && [ ! -s err.txt ] || fail "key file: $(cat err.txt)"
ATTRIB_HASH_KEY_FILE=key600 expect 0 "$ATTRIB" import -q "${IN[@]}" -o envfile.h5
[ ! -s err.txt ] || fail "ATTRIB_HASH_KEY_FILE: $(cat err.txt)"
ATTRIB_HASH_KEY=$KEY expect 0 "$ATTRIB" import -q "${IN[@]}" -o env.h5
[ ! -s err.txt ] || fail "ATTRIB_HASH_KEY: $(cat err.txt)"
expect 0 "$ATTRIB" import -q "${IN[@]}" --hash-key="$KEY" -o opt.h5
ATTRIB_HASH_KEY_FILE=key600 expect 0 $MPI -n 2 "$ATTRIB" import -q "${IN[@]}" -o envfile2.h5
expect 0 $MPI -n 2 "$ATTRIB" import -q "${IN[@]}" --hash-key-file=key600 -o file2.h5
[ ! -s err.txt ] || fail "key file, 2 ranks: $(cat err.txt)"
want="siphash-2-4 key_id=$(keyid $KEY) key=site"
dump file.h5 >file.txt
for f in file envfile env opt envfile2 file2; do
    [ "$(attr $f.h5)" = "$want" ] || fail "$f: identity_hash '$(attr $f.h5)', want '$want'"
    dump $f.h5 | cmp -s - file.txt || fail "$f: tables differ from the key file's"
done
dump def.h5 | cmp -s - file.txt && fail "the site key changed nothing"
grep -rqaF "$KEY" file.h5 env.h5 && fail "the key itself is in a store"
# The command line wins over the environment; both variables at once are an error.
ATTRIB_HASH_KEY=00112233445566778899aabbccddeeff expect 0 "$ATTRIB" import -q "${IN[@]}" \
    --hash-key-file key600 -o over.h5
[ "$(attr over.h5)" = "$want" ] || fail "--hash-key-file over ATTRIB_HASH_KEY"
ATTRIB_HASH_KEY=$KEY ATTRIB_HASH_KEY_FILE=key600 expect 2 "$ATTRIB" import -q "${IN[@]}" -o both.h5
has "ATTRIB_HASH_KEY and ATTRIB_HASH_KEY_FILE are both set"
expect 2 "$ATTRIB" import -q "${IN[@]}" --hash-key "$KEY" --hash-key-file key600 -o both.h5
has "not both"
absent both.h5

# --- 3. Key file modes: only the owner may read or write it.
cp key600 key400 && chmod 400 key400
expect 0 "$ATTRIB" import -q "${IN[@]}" --hash-key-file key400 -o k400.h5
for m in 644 640 604 620 602 660; do
    cp key600 "key$m" && chmod "$m" "key$m"
    for n in 1 2; do
        expect 2 $MPI -n $n "$ATTRIB" import -q "${IN[@]}" --hash-key-file "key$m" -o "k$m.h5"
        has "attrib: import: key$m: a hash key file must be private: its mode 0$m"
        grep -q "rank" err.txt && fail "mode $m: a rank in the message: $(cat err.txt)"
        absent "k$m.h5" "k$m.h5.tmp"
    done
    ATTRIB_HASH_KEY_FILE="key$m" expect 2 "$ATTRIB" import -q "${IN[@]}" -o "k$m.h5"
    has "key$m: a hash key file must be private"
done
expect 2 "$ATTRIB" import -q "${IN[@]}" --hash-key-file nokey -o x.h5
has "nokey: cannot open: No such file or directory"
mkdir keydir && chmod 700 keydir
expect 2 "$ATTRIB" import -q "${IN[@]}" --hash-key-file keydir -o x.h5
has "keydir: not a regular file"
printf 'not a key\n' >badkey && chmod 600 badkey
expect 2 "$ATTRIB" import -q "${IN[@]}" --hash-key-file badkey -o x.h5
has "badkey: not a hash key file"
grep -q "not a key" err.txt && fail "the key file's content is in the message"
expect 2 "$ATTRIB" import -q "${IN[@]}" --hash-key 0123 -o x.h5
has "--hash-key: not a key (want 32 hex digits)"
absent x.h5

# --- 4. gen: no warning, but the store says which key.
expect 0 "$ATTRIB" gen -q --events 200 --conversions 20 -o g.h5
[ ! -s err.txt ] || fail "gen printed: $(cat err.txt)"
[ "$(attr g.h5)" = "siphash-2-4 key_id=$DEFID key=public-default" ] || fail "gen default: $(attr g.h5)"
expect 0 "$ATTRIB" gen -q --events 200 --conversions 20 --hash-key-file key600 -o gk.h5
[ "$(attr gk.h5)" = "$want" ] || fail "gen key file: $(attr gk.h5)"
ATTRIB_HASH_KEY=$KEY expect 0 "$ATTRIB" gen -q --events 200 --conversions 20 -o gk2.h5
"$ATTRIB" export gk.h5 events >gk.txt
"$ATTRIB" export gk2.h5 events | cmp -s - gk.txt || fail "gen: key file and ATTRIB_HASH_KEY differ"
expect 2 "$ATTRIB" gen -q --events 200 --conversions 20 --hash-key-file key644 -o gbad.h5
has "key644: a hash key file must be private: its mode 0644"
absent gbad.h5

# --- 5. --help: setting and rotating a key, and `ps`.
"$ATTRIB" import --help >help.txt
for s in "--hash-key-file" "ATTRIB_HASH_KEY_FILE" "chmod 600" "ps" "rotation" "do not join" \
         "key=public-default" "key id"; do
    has "$s" help.txt
done
"$ATTRIB" gen --help >ghelp.txt
has "--hash-key-file" ghelp.txt
echo "import_hash_key: ok"

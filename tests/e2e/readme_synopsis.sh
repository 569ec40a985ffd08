#!/usr/bin/env bash
# README.md's "## Commands" section shows, for every command `attrib --help` lists, one
# fenced block with exactly the synopsis of `attrib CMD --help` (the lines from
# "usage: attrib CMD" to the first blank line, whitespace included), and no block for
# a command that does not exist. Checked here with awk, independently of
# scripts/readme-synopsis.py, whose --check must agree and whose --fix must repair a
# README with a changed, a missing and a stale block.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# The commands, in the order of `attrib --help`.
"$ATTRIB" --help | awk '/^commands:$/ { f = 1; next } f && /^[[:space:]]*$/ { exit }
    f && /^  [a-z]/ { print $1 }' >"$work/commands"
[ "$(wc -l <"$work/commands")" -ge 8 ] || fail "attrib --help lists only: $(tr '\n' ' ' <"$work/commands")"
mkdir "$work/want"
while read -r c; do
    "$ATTRIB" "$c" --help | awk -v c="$c" '
        !f && ($0 == "usage: attrib " c || index($0, "usage: attrib " c " ") == 1) { f = 1 }
        f && /^[[:space:]]*$/ { exit }
        f { print }' >"$work/want/$c"
    [ -s "$work/want/$c" ] || fail "attrib $c --help: no 'usage: attrib $c' line"
done <"$work/commands"

# check_readme FILE: one line per problem on stdout.
check_readme() {
    local readme=$1 d
    d=$(mktemp -d "$work/readme.XXXXXX")
    grep -qx '## Commands' "$readme" || { echo "no '## Commands' section"; return; }
    # Every fenced block of the section whose first line is "usage: attrib CMD ...",
    # into d/CMD (d/CMD.dup when a second one is found).
    awk -v d="$d" '
        $0 == "## Commands" { sec = 1; next }
        sec && /^## / { exit }
        !sec { next }
        !inb && /^```/ { inb = 1; first = 1; out = ""; next }
        inb && /^```/ { inb = 0; if (out != "") close(out); next }
        inb && first {
            first = 0
            if (index($0, "usage: attrib ") == 1) {
                split(substr($0, 15), w, " ")
                out = d "/" w[1]
                if ((out in seen)) out = out ".dup"
                seen[out] = 1
                print > out
            }
            next
        }
        inb && out != "" { print > out }' "$readme"
    for f in "$d"/*; do
        [ -e "$f" ] || continue
        local c=${f##*/}
        case $c in *.dup) echo "two synopsis blocks for '${c%.dup}'"; continue ;; esac
        grep -qxF -- "$c" "$work/commands" || echo "a synopsis block for '$c', which attrib --help does not list"
    done
    while read -r c; do
        if [ ! -f "$d/$c" ]; then
            echo "no synopsis block for '$c'"
        elif ! cmp -s "$d/$c" "$work/want/$c"; then
            echo "the synopsis of '$c' differs: $(diff "$d/$c" "$work/want/$c" | head -5 | tr '\n' '|')"
        fi
    done <"$work/commands"
}

# 1. The README as committed.
check_readme "$ATTRIB_SRC/README.md" >"$work/problems"
while IFS= read -r p; do fail "README.md: $p"; done <"$work/problems"
"$PY" "$ATTRIB_SRC/scripts/readme-synopsis.py" --check --attrib "$ATTRIB" \
    --readme "$ATTRIB_SRC/README.md" 2>"$work/py.err" ||
    fail "readme-synopsis.py --check refuses README.md: $(cat "$work/py.err")"

# 2. Both checks fail on a README with a trailing space in one synopsis line, without
# the block of one command, and with a block of a command that does not exist; --fix
# repairs all three and then both checks pass.
cp "$ATTRIB_SRC/README.md" "$work/broken.md"
run_line=$(grep -n '^usage: attrib run ' "$work/broken.md" | head -1 | cut -d: -f1)
[ -n "$run_line" ] || fail "no run synopsis line in README.md"
sed -i "$((run_line + 1))s/\$/ /" "$work/broken.md"
"$PY" - "$work/broken.md" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
# drop the check block (fences included), add one for a command "frobnicate"
s2 = re.sub(r"```text\nusage: attrib check [^\n]*\n(?:[^`][^\n]*\n)*```\n", "", s, count=1)
assert s2 != s, "no check block to remove"
s2 = s2.replace("### `attrib export`", "```text\nusage: attrib frobnicate FILE\n```\n\n### `attrib export`", 1)
open(p, "w", encoding="utf-8").write(s2)
PY
check_readme "$work/broken.md" >"$work/problems"
for want in "the synopsis of 'run' differs" "no synopsis block for 'check'" \
    "a synopsis block for 'frobnicate'"; do
    grep -qF "$want" "$work/problems" || fail "check on a broken README: no '$want' in: $(cat "$work/problems")"
done
rc=0
"$PY" "$ATTRIB_SRC/scripts/readme-synopsis.py" --check --attrib "$ATTRIB" \
    --readme "$work/broken.md" 2>"$work/py.err" || rc=$?
[ "$rc" -eq 1 ] || fail "readme-synopsis.py --check on a broken README: exit $rc, want 1"
for want in "the synopsis of 'run' differs" "no synopsis block for 'check'" \
    "a synopsis block for 'frobnicate'"; do
    grep -qF "$want" "$work/py.err" || fail "readme-synopsis.py --check: no '$want' in: $(cat "$work/py.err")"
done
"$PY" "$ATTRIB_SRC/scripts/readme-synopsis.py" --fix --attrib "$ATTRIB" \
    --readme "$work/broken.md" >"$work/fix.out" || fail "readme-synopsis.py --fix failed"
check_readme "$work/broken.md" >"$work/problems"
[ ! -s "$work/problems" ] || fail "after --fix: $(cat "$work/problems")"
"$PY" "$ATTRIB_SRC/scripts/readme-synopsis.py" --check --attrib "$ATTRIB" \
    --readme "$work/broken.md" 2>"$work/py.err" || fail "after --fix, --check: $(cat "$work/py.err")"
grep -q "^### \`attrib check\`" "$work/broken.md" || fail "--fix did not add a section for check"
# --fix leaves a correct README unchanged, byte for byte.
cp "$ATTRIB_SRC/README.md" "$work/good.md"
"$PY" "$ATTRIB_SRC/scripts/readme-synopsis.py" --fix --attrib "$ATTRIB" --readme "$work/good.md" >/dev/null
cmp -s "$work/good.md" "$ATTRIB_SRC/README.md" || fail "--fix changed a correct README"

[ "$fails" -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "ok: $(wc -l <"$work/commands") synopses"

#!/usr/bin/env bash
# The rules examples of the documents are true:
# - every ```cfg block of README.md and docs/*.md is accepted by `attrib check -c`;
# - every ```cfg-invalid block is refused with exit 2 and exactly the message of the
#   ```text block that follows it (the block is checked as a file named rules.cfg);
# - every conf/*.rules.cfg passes, conf/example.rules.cfg sets every key of the language
#   and names every model, and conf/*.job.cfg (shell KEY=VALUE files) parse as bash;
# - the checker itself finds a broken block, a valid cfg-invalid block and a wrong
#   message in a document made to hold them.
set -euo pipefail
: "${ATTRIB:?}" "${ATTRIB_SRC:?}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# extract DOC DIR: one DIR/N/ per block: rules.cfg, kind (cfg | cfg-invalid), where
# (DOC:LINE) and, for cfg-invalid, expect (the message, or nothing when missing).
extract() {
    "$PY" - "$1" "$2" <<'PY'
import os, sys
doc, out = sys.argv[1], sys.argv[2]
lines = open(doc, encoding="utf-8").read().split("\n")
blocks = []  # (info, first line number, body lines)
i = 0
while i < len(lines):
    s = lines[i].strip()
    if s.startswith("```"):
        info, start, body = s[3:].strip(), i + 2, []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        blocks.append((info, start, body))
    i += 1
n = 0
for k, (info, start, body) in enumerate(blocks):
    if info not in ("cfg", "cfg-invalid"):
        continue
    d = os.path.join(out, str(n))
    n += 1
    os.makedirs(d)
    open(os.path.join(d, "rules.cfg"), "w", encoding="utf-8").write("\n".join(body) + "\n")
    open(os.path.join(d, "kind"), "w").write(info)
    open(os.path.join(d, "where"), "w").write("%s:%d" % (doc, start))
    if info == "cfg-invalid":
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        msg = nxt[2][0] if nxt and nxt[0] == "text" and len(nxt[2]) == 1 else ""
        open(os.path.join(d, "expect"), "w", encoding="utf-8").write(msg)
PY
}

# check_doc DOC: check every block of DOC; prints one line per failure, and the counts
# "valid N invalid M" on the last line.
check_doc() {
    local doc=$1 dir nv=0 ni=0 rc
    dir=$(mktemp -d "$work/doc.XXXXXX")
    extract "$doc" "$dir"
    for b in "$dir"/*/; do
        [ -f "$b/kind" ] || continue
        local where kind
        where=$(cat "$b/where")
        kind=$(cat "$b/kind")
        rc=0
        (cd "$b" && "$ATTRIB" check -c rules.cfg >out 2>err) || rc=$?
        if [ "$kind" = cfg ]; then
            nv=$((nv + 1))
            [ "$rc" -eq 0 ] || echo "$where: cfg block refused (exit $rc): $(cat "$b/err")"
        else
            ni=$((ni + 1))
            local want
            want=$(cat "$b/expect")
            if [ -z "$want" ]; then
                echo "$where: cfg-invalid block not followed by a one-line text block with its message"
            elif [ "$rc" -ne 2 ]; then
                echo "$where: cfg-invalid block: exit $rc, want 2"
            elif [ "$(cat "$b/err")" != "$want" ]; then
                echo "$where: cfg-invalid block: got '$(cat "$b/err")', want '$want'"
            fi
        fi
    done
    echo "valid $nv invalid $ni"
}

# 1. The checker fails where it must: a document with a valid block, a bad cfg block, a
# cfg-invalid block that is valid, one with the wrong message, one without a message,
# and a good cfg-invalid block.
cat >"$work/selftest.md" <<'EOF'
```cfg
defaults: { model = "linear"; };
```
```cfg
defaults: { model = "lastclick"; };
```
```cfg-invalid
defaults: { model = "linear"; };
```
```text
attrib: check: rules.cfg:1: whatever
```
```cfg-invalid
defaults: { lookback = { engagement = "7 d"; }; };
```
```text
attrib: check: rules.cfg:1: defaults: something else
```
```cfg-invalid
defaults: { lookback = { engagement = "7 d"; }; };
```
```cfg-invalid
defaults: { model = "lastclick"; };
```
```text
attrib: check: rules.cfg:1: defaults: unknown model 'lastclick' (expected last_touch, first_touch, linear, time_decay, position_based, u_shaped, j_curve, inverse_j, markov or shapley)
```
EOF
check_doc "$work/selftest.md" >"$work/selftest.out"
nerr=$(grep -c ':[0-9]*: ' "$work/selftest.out" || true)
[ "$nerr" -eq 4 ] || fail "self-test: $nerr failures found, want 4: $(cat "$work/selftest.out")"
for pat in ':5: cfg block refused' ':8: cfg-invalid block: exit 0' ':14: cfg-invalid block: got' \
    ':20: cfg-invalid block not followed'; do
    grep -qF -- "$pat" "$work/selftest.out" || fail "self-test: no '$pat' in $(cat "$work/selftest.out")"
done
grep -qx 'valid 2 invalid 4' "$work/selftest.out" || fail "self-test counts: $(tail -1 "$work/selftest.out")"

# 2. The documents.
total_v=0 total_i=0
for doc in "$ATTRIB_SRC/README.md" "$ATTRIB_SRC"/docs/*.md; do
    check_doc "$doc" >"$work/out"
    while IFS= read -r line; do
        case $line in
        "valid "*) set -- $line; total_v=$((total_v + $2)); total_i=$((total_i + $4)) ;;
        *) fail "$line" ;;
        esac
    done <"$work/out"
done
# docs/rules.md and docs/models.md hold examples of both kinds: an extraction that finds
# none is broken, not clean.
[ "$total_v" -ge 4 ] || fail "only $total_v cfg blocks found in the documents"
[ "$total_i" -ge 10 ] || fail "only $total_i cfg-invalid blocks found in the documents"

# 3. conf/.
n=0
for f in "$ATTRIB_SRC"/conf/*.rules.cfg; do
    n=$((n + 1))
    "$ATTRIB" check -c "$f" >/dev/null 2>"$work/err" || fail "$f: refused: $(cat "$work/err")"
done
[ "$n" -ge 1 ] || fail "no conf/*.rules.cfg"
for f in "$ATTRIB_SRC"/conf/*.cfg; do
    case $f in *.rules.cfg) continue ;; esac
    bash -n "$f" 2>"$work/err" || fail "$f: not valid shell: $(cat "$work/err")"
done
ex=$ATTRIB_SRC/conf/example.rules.cfg
sed 's/#.*//' "$ex" >"$work/example.nocomments"
for key in defaults advertisers campaigns id effective_from model engagement_priority lookback \
    impression engagement nurture conversion_types time_decay half_life position_based first last \
    markov order; do
    grep -Eq "(^|[^a-z_])$key[[:space:]]*[=:]" "$work/example.nocomments" ||
        fail "conf/example.rules.cfg does not set '$key'"
done
for m in last_touch first_touch linear time_decay position_based u_shaped j_curve inverse_j; do
    grep -q "$m" "$ex" || fail "conf/example.rules.cfg does not name the model $m"
    grep -q "\`$m\`" "$ATTRIB_SRC/docs/rules.md" || fail "docs/rules.md does not name the model $m"
    grep -q "^## \`$m\`\|^### \`$m\`\|^## $m\|^### $m" "$ATTRIB_SRC/docs/models.md" ||
        fail "docs/models.md has no section for $m"
done

[ "$fails" -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "ok: $total_v cfg and $total_i cfg-invalid blocks, conf/ checked"

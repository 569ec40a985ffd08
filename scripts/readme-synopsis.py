#!/usr/bin/env python3
"""Keep the command synopses of README.md equal to what the binary prints.

The "## Commands" section of README.md holds one fenced block per command whose first
line is "usage: attrib CMD ...": the synopsis, i.e. the lines of `attrib CMD --help`
from the one starting "usage: attrib CMD" to the first blank line, byte for byte.

  scripts/readme-synopsis.py --check   exit 1 (with a diff) when a block differs from
                                       the binary, is missing or names no command
  scripts/readme-synopsis.py --fix     rewrite the blocks from the binary: replace each
                                       block's lines, append a section for a command
                                       that has none, drop blocks of commands that are
                                       gone (their prose is left for you to edit)

Options: --attrib PATH (default build/attrib, then attrib on PATH), --readme PATH
(default README.md next to scripts/). Commands are the ones `attrib --help` lists.
tests/e2e/readme_synopsis.sh runs --check, and checks the same thing on its own.
"""
import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys

HEADING = "## Commands"


def run_help(attrib, args):
    p = subprocess.run([attrib] + args + ["--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        sys.exit("readme-synopsis: '%s %s --help' exited %d: %s"
                 % (attrib, " ".join(args), p.returncode, p.stderr.strip()))
    return p.stdout.split("\n")


def commands(attrib):
    """The command names of `attrib --help`, in its order."""
    lines = run_help(attrib, [])
    try:
        i = lines.index("commands:")
    except ValueError:
        sys.exit("readme-synopsis: 'attrib --help' has no 'commands:' line")
    out = []
    for line in lines[i + 1:]:
        if not line.strip():
            break
        m = re.match(r"^  ([a-z][a-z0-9_-]*)(\s|$)", line)
        if m:
            out.append(m.group(1))
    if not out:
        sys.exit("readme-synopsis: 'attrib --help' lists no command")
    return out


def synopsis(attrib, cmd):
    """Lines of `attrib CMD --help` from "usage: attrib CMD" to the first blank line."""
    lines = run_help(attrib, [cmd])
    for i, line in enumerate(lines):
        if line == "usage: attrib " + cmd or line.startswith("usage: attrib " + cmd + " "):
            j = i
            while j < len(lines) and lines[j].strip():
                j += 1
            return lines[i:j]
    sys.exit("readme-synopsis: 'attrib %s --help' has no 'usage: attrib %s' line" % (cmd, cmd))


def section(lines):
    """(start, end) line indexes of the Commands section: its heading to the next '## '."""
    try:
        start = lines.index(HEADING)
    except ValueError:
        sys.exit("readme-synopsis: README has no '%s' heading" % HEADING)
    end = start + 1
    while end < len(lines) and not lines[end].startswith("## "):
        end += 1
    return start, end


def blocks(lines, start, end):
    """Synopsis blocks in lines[start:end]: (command, first content line, end line),
    the end being the index of the closing fence."""
    out = []
    i = start
    while i < end:
        if lines[i].startswith("```"):
            j = i + 1
            while j < end and not lines[j].startswith("```"):
                j += 1
            if j < end and j > i + 1:
                m = re.match(r"^usage: attrib (\S+)", lines[i + 1])
                if m:
                    out.append((m.group(1), i + 1, j))
            i = j + 1
        else:
            i += 1
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--fix", action="store_true")
    ap.add_argument("--attrib")
    ap.add_argument("--readme")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    attrib = a.attrib or os.path.join(root, "build", "attrib")
    if not os.path.exists(attrib):
        attrib = shutil.which("attrib") or sys.exit("readme-synopsis: no attrib binary "
                                                    "(build it or give --attrib)")
    readme = a.readme or os.path.join(root, "README.md")
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")

    cmds = commands(attrib)
    want = {c: synopsis(attrib, c) for c in cmds}
    start, end = section(lines)
    found = blocks(lines, start, end)

    problems = []
    seen = {}
    for cmd, b, e in found:
        if cmd not in want:
            problems.append("a synopsis block for '%s', which `attrib --help` does not list" % cmd)
        elif cmd in seen:
            problems.append("two synopsis blocks for '%s'" % cmd)
        else:
            seen[cmd] = (b, e)
            if lines[b:e] != want[cmd]:
                diff = difflib.unified_diff(lines[b:e], want[cmd], "README.md (%s)" % cmd,
                                            "attrib %s --help" % cmd, lineterm="")
                problems.append("the synopsis of '%s' differs:\n%s" % (cmd, "\n".join(diff)))
    for cmd in cmds:
        if cmd not in seen:
            problems.append("no synopsis block for '%s'" % cmd)

    if a.check:
        for p in problems:
            print("readme-synopsis: %s: %s" % (readme, p), file=sys.stderr)
        if problems:
            print("readme-synopsis: run scripts/readme-synopsis.py --fix", file=sys.stderr)
            return 1
        return 0

    # --fix: rebuild the section from the end, so earlier indexes stay valid.
    keep = {}
    for cmd, b, e in found:
        if cmd in want and cmd not in keep:
            keep[cmd] = (b, e)
    edits = []  # (b, e, new lines), replacing lines[b:e]
    for cmd, b, e in found:
        if keep.get(cmd) == (b, e):
            if lines[b:e] != want[cmd]:
                edits.append((b, e, want[cmd]))
                print("readme-synopsis: updated '%s'" % cmd)
        else:
            edits.append((b - 1, e + 1, []))  # the fences too
            print("readme-synopsis: removed a block of '%s' (edit its prose)" % cmd)
    added = []
    for cmd in cmds:
        if cmd not in keep:
            added += ["### `attrib %s`" % cmd, "", "```text"] + want[cmd] + ["```", ""]
            print("readme-synopsis: added a section for '%s' at the end of '%s'"
                  % (cmd, HEADING))
    if added:
        at = end
        while at > start + 1 and not lines[at - 1].strip():
            at -= 1
        edits.append((at, at, [""] + added))
    for b, e, new in sorted(edits, key=lambda x: x[0], reverse=True):
        lines[b:e] = new
    new_text = "\n".join(lines)
    if new_text != text:
        with open(readme, "w", encoding="utf-8") as f:
            f.write(new_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

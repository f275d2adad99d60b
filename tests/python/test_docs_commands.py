"""Every `publica` command in the README's and docs/'s shell blocks names a
command the binary has and only options that command takes, checked
against the binary's own `--help` (clap). The walk-through blocks that
run as written are tested by their pages' tests (money, cash-out, deploy,
pilot); this test catches the rest drifting: a renamed command, a removed
or misspelled option, in any example."""

import re
import shlex
import subprocess

from publica_node import BIN, REPO

SHELL = {"", "sh", "bash", "console", "shell"}
# Where a command may start inside a line: its beginning, after a pipe, a
# `;`, `&&`, `||`, `$(` or `VAR=`.
START = re.compile(r"(?:^|[|;&(]|\$\(|=)\s*publica\s")

_help = {}


def help_of(path):
    if path not in _help:
        run = subprocess.run([BIN, *path, "--help"], capture_output=True, text=True, timeout=30)
        _help[path] = run.stdout if run.returncode == 0 else None
    return _help[path]


def subcommands(text):
    names, inside = set(), False
    for line in text.splitlines():
        if line.startswith("Commands:"):
            inside = True
            continue
        if inside:
            # A command's line, or its description wrapped onto the next
            # (indented further); the list ends at a blank line.
            if not line.strip():
                break
            m = re.match(r" {2}([a-z0-9][a-z0-9-]*)(?:\s|$)", line)
            if m:
                names.add(m.group(1))
    return names


def blocks(text):
    """(first line number, lines) of each fenced block in a shell language
    or none."""
    lang, start, lines = None, 0, []
    for i, line in enumerate(text.splitlines(), 1):
        if lang is None and line.startswith("```"):
            lang, start, lines = line[3:].strip(), i + 1, []
        elif lang is not None and line.strip() == "```":
            if lang in SHELL:
                yield start, lines
            lang = None
        elif lang is not None:
            lines.append(line)


def commands():
    """(file, line number, text) of each `publica` command in a shell block."""
    files = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    for path in files:
        for first, lines in blocks(path.read_text()):
            joined, start = [], None
            for i, line in enumerate(lines):
                if start is None:
                    start = first + i
                more = line.rstrip().endswith("\\")
                joined.append(line.rstrip()[:-1] if more else line)
                if more:
                    continue
                full, line_no = " ".join(joined), start
                joined, start = [], None
                code = "" if full.lstrip().startswith("#") else full.split(" #")[0]
                for m in START.finditer(code):
                    yield path.relative_to(REPO), line_no, code[m.end() - len("publica "):]


def words(command):
    # Up to the end of this command: a pipe, redirection, `;`, `&&`, `)`.
    cut = re.split(r"\s(?:\||;|&&|\|\||>|<|2>)\s|\)\s*$|\s&\s*$|\s&$", command)[0]
    try:
        return shlex.split(cut)
    except ValueError:
        return cut.split()


def check(command):
    """None when the command parses as far as can be told, else why not."""
    toks = words(command)[1:]
    path = ()
    while toks and help_of(path) is not None and toks[0] in subcommands(help_of(path)):
        path, toks = path + (toks[0],), toks[1:]
    text = help_of(path)
    if text is None:
        return f"`publica {' '.join(path)}` has no help"
    if subcommands(text) and not (toks and toks[0].startswith("-")) and "help" not in toks:
        if toks and not toks[0].startswith(("<", "$", "\"")):
            return f"`publica {' '.join(path)}` has no command `{toks[0]}`"
        if not toks:
            return f"`publica {' '.join(path)}` needs a command"
    for t in toks:
        if t.startswith("--") and len(t) > 2:
            name = t.split("=")[0]
            if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
                return f"`publica {' '.join(path)}` takes no option `{name}`"
    return None


def test_every_documented_command_parses():
    found, bad = 0, []
    for where, line, command in commands():
        found += 1
        why = check(command)
        if why:
            bad.append(f"{where}:{line}: {why}\n    {command.strip()}")
    assert found > 100, f"only {found} commands found: is the block pattern right?"
    assert not bad, "documented commands the binary refuses:\n" + "\n".join(bad)

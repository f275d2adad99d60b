"""Every shell block of the README and of every page under docs/ either
runs in a test or says why not, so a broken example fails CI:

- a block preceded by `<!-- walkthrough: NAME -->` is run, with the other
  blocks of NAME on that page, by a test that names the page and NAME
  (`walkthrough("docs/x.md", "NAME")`);
- a block preceded by `<!-- not run: REASON -->` says why not (a server
  that runs until stopped, a benchmark, a network of validators that
  another test starts) and which test covers it;
- no fence leaves its language out (diagrams and sample output are
  `text`)."""

import re

from publica_node import REPO

SHELL = ("```sh", "```bash", "```shell", "```console")
MARK = re.compile(r"<!-- (walkthrough: ([a-z0-9-]+)|not run: .+) -->")


def pages():
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def blocks(page):
    """(line number, fence, the line above) of every opening fence."""
    text, inside, found = page.read_text().splitlines(), False, []
    for i, line in enumerate(text):
        fence = line.strip()
        if not fence.startswith("```"):
            continue
        if not inside:
            found.append((i + 1, fence, text[i - 1].strip() if i else ""))
        inside = not inside
    return found


def test_every_shell_block_is_run_or_says_why():
    bad = []
    for page in pages():
        rel = page.relative_to(REPO)
        for line, fence, above in blocks(page):
            if fence == "```":
                bad.append(f"{rel}:{line} (a fence without a language)")
            elif fence in SHELL and not MARK.fullmatch(above):
                bad.append(f"{rel}:{line}")
    assert not bad, "blocks neither run nor marked `<!-- not run: why -->`: " + ", ".join(bad)


def test_every_walkthrough_is_run_by_a_test():
    tests = "\n".join(p.read_text() for p in (REPO / "tests" / "python").glob("test_*.py"))
    missing = set()
    for page in pages():
        rel = str(page.relative_to(REPO))
        for _, fence, above in blocks(page):
            m = MARK.fullmatch(above)
            if fence in SHELL and m and m.group(2):
                name = m.group(2)
                if f'"{rel}", "{name}"' not in tests and f"'{rel}', '{name}'" not in tests:
                    missing.add(f"{rel} walk-through {name}")
    assert not missing, "walk-throughs no test runs: " + ", ".join(sorted(missing))

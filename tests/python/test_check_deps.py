"""The dependency policy check (scripts/check-deps), run as CI runs it.

The script reads the real `cargo metadata` of this workspace; each test
hands it a policy and checks the verdict and the exit code.
"""

import importlib.machinery
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check-deps"
POLICY = ROOT / "scripts" / "deps-policy.toml"


def load_script():
    loader = importlib.machinery.SourceFileLoader("check_deps", str(SCRIPT))
    spec = importlib.util.spec_from_loader("check_deps", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def run(policy_path):
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--policy", str(policy_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_policy(tmp_path, allow, exceptions, duplicates):
    lines = ["[licenses]"]
    lines.append("allow = [" + ", ".join(f'"{a}"' for a in allow) + "]")
    lines.append("exceptions = [" + ", ".join(f'"{e}"' for e in exceptions) + "]")
    lines.append("[duplicates]")
    for name, reason in duplicates.items():
        lines.append(f'{name} = "{reason}"')
    path = tmp_path / "policy.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_with_duplicates(tmp_path, policy, dups):
    """Runs the check with the checked-in licences and `dups` listed."""
    path = write_policy(
        tmp_path,
        policy["licenses"]["allow"],
        policy["licenses"].get("exceptions", []),
        dups,
    )
    return run(path)


@pytest.fixture(scope="module")
def policy():
    with open(POLICY, "rb") as f:
        return tomllib.load(f)


def test_spdx_expressions():
    s = load_script().satisfiable
    allowed = {"MIT", "Apache-2.0"}
    exc = {"LLVM-exception"}
    assert s("MIT OR GPL-3.0", allowed, exc)
    assert not s("MIT AND GPL-3.0", allowed, exc)
    assert s("(MIT OR GPL-3.0) AND Apache-2.0", allowed, exc)
    assert not s("(MIT OR GPL-3.0) AND LGPL-2.1", allowed, exc)
    assert s("Apache-2.0 WITH LLVM-exception", allowed, exc)
    assert not s("Apache-2.0 WITH Classpath-exception-2.0", allowed, exc)
    assert s("MIT/Apache-2.0", allowed, exc)
    assert s("Apache-2.0+", allowed, exc)
    with pytest.raises(ValueError):
        s("(MIT OR Apache-2.0", allowed, exc)


def test_the_checked_in_policy_holds():
    r = run(POLICY)
    assert r.returncode == 0, r.stderr
    assert "all listed" in r.stdout


def test_a_disallowed_licence_fails(tmp_path, policy):
    allow = [a for a in policy["licenses"]["allow"] if a not in ("MIT", "Apache-2.0")]
    path = write_policy(
        tmp_path, allow, policy["licenses"].get("exceptions", []), policy["duplicates"]
    )
    r = run(path)
    assert r.returncode == 1
    assert "is not allowed" in r.stderr


def test_an_unlisted_duplicate_fails(tmp_path, policy):
    dups = dict(policy["duplicates"])
    name = sorted(dups)[0]
    del dups[name]
    r = run_with_duplicates(tmp_path, policy, dups)
    assert r.returncode == 1
    assert f"error: {name} is built in" in r.stderr


def test_a_stale_listed_duplicate_fails(tmp_path, policy):
    dups = dict(policy["duplicates"])
    dups["no-such-crate-here"] = "listed by mistake"
    r = run_with_duplicates(tmp_path, policy, dups)
    assert r.returncode == 1
    assert "no-such-crate-here is no longer duplicated" in r.stdout


@pytest.mark.parametrize(
    "text, why",
    [
        (None, "No such file"),
        ("[licenses\n", "not TOML"),
        ("[duplicates]\n", "needs [licenses] with an `allow` list"),
        ('[licenses]\nallow = ["MIT"]\n[duplicates]\nsyn = ""\n', "gives its reason"),
    ],
)
def test_an_unusable_policy_is_named_with_why(tmp_path, text, why):
    path = tmp_path / "policy.toml"
    if text is not None:
        path.write_text(text)
    r = run(path)
    assert r.returncode == 1
    assert f"policy {path}:" in r.stderr
    assert why in r.stderr
    assert "Traceback" not in r.stderr

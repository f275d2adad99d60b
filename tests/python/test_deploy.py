"""The deployment kit (docs/deploy.md): the page's walk-through runs as
written (keys, a genesis, `publica node --config`, a transaction, a
backup, a clean stop, a restore), on a free port instead of 8700; and the
systemd unit in deploy/systemd passes `systemd-analyze verify`.

systemd-analyze comes with Debian's systemd package, which .ci/run
installs; elsewhere that test skips unless PUBLICA_REQUIRE_SYSTEMD_ANALYZE=1."""

import os
import subprocess
import tempfile

from publica_node import BIN, REPO, required_tool, run_script, walkthrough


def test_the_deploy_walkthrough_runs_as_written():
    blocks = walkthrough("docs/deploy.md", "deploy")
    assert len(blocks) == 1, "docs/deploy.md has one walk-through block"
    assert "127.0.0.1:8700" in blocks[0]
    with tempfile.TemporaryDirectory() as work:
        run = run_script([blocks[0].replace("127.0.0.1:8700", "127.0.0.1:0")], work, timeout=120)
        assert run.returncode == 0, run.stderr
        lines = run.stdout.split()
        assert lines[:2] == ["ok", "city-pilot"], run.stdout
        height, verified = int(lines[2]), int(lines[3])
        assert height >= 1 and verified == height, run.stdout
        assert not os.path.exists(os.path.join(work, "data", "dev-admin-key.json"))


def test_the_systemd_unit_verifies():
    tool = required_tool("systemd-analyze", "PUBLICA_REQUIRE_SYSTEMD_ANALYZE", "systemd")
    unit = (REPO / "deploy" / "systemd" / "publica.service").read_text()
    assert "ExecStart=/usr/local/bin/publica node --config /etc/publica/node.json" in unit
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "publica.service")
        # verify checks that ExecStart's binary exists: point it at ours.
        with open(path, "w") as f:
            f.write(unit.replace("/usr/local/bin/publica", os.path.abspath(BIN)))
        run = subprocess.run([tool, "verify", path], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert run.stderr.strip() == "", run.stderr

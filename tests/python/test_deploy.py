"""The deployment kit (docs/deploy.md): the page's walk-through runs as
written (keys, a genesis, `publica node --config`, a transaction, a
backup, a clean stop, a restore), on a free port instead of 8700; and the
systemd unit in deploy/systemd passes `systemd-analyze verify`.

systemd-analyze comes with Debian's systemd package, which .ci/run
installs; elsewhere that test skips unless PUBLICA_REQUIRE_SYSTEMD_ANALYZE=1."""

import os
import re
import signal
import subprocess
import tempfile


from publica_node import BIN, REPO, required_tool

BLOCK = re.compile(r"<!-- walkthrough: deploy -->\s*\n```sh\n(.*?)```", re.S)


def test_the_deploy_walkthrough_runs_as_written():
    blocks = BLOCK.findall((REPO / "docs" / "deploy.md").read_text())
    assert len(blocks) == 1, "docs/deploy.md has one walk-through block"
    assert "127.0.0.1:8700" in blocks[0]
    script = "set -euo pipefail\n" + blocks[0].replace("127.0.0.1:8700", "127.0.0.1:0")
    with tempfile.TemporaryDirectory() as tmp:
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        os.symlink(BIN, os.path.join(bindir, "publica"))
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"])
        run = subprocess.Popen(["bash", "-c", script], cwd=work, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
        try:
            out, err = run.communicate(timeout=120)
        finally:
            # The node the script started goes with it, whatever happened.
            try:
                os.killpg(run.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert run.returncode == 0, err
        lines = out.split()
        assert lines[:2] == ["ok", "city-pilot"], out
        height, verified = int(lines[2]), int(lines[3])
        assert height >= 1 and verified == height, out
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

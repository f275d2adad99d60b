"""The pilot runbook (docs/pilot.md) runs as written: its walk-through
blocks, in order, in a fresh directory with `publica` on the PATH and the
node on a free port instead of 8700 — keys, a genesis, the node, staff
from CSV files, the coin and budget, a monthly UBI approved by its hash,
300 people attested, given nullifier tokens and enrolled, their first
month paid by the schedule, a purchase at an accredited grocer, a
cash-out exported as a pain.001 file, and the month's report."""

import json
import os
import re
import signal
import subprocess
import tempfile

from publica_node import BIN, REPO

BLOCK = re.compile(r"<!-- walkthrough: pilot -->\s*\n```sh\n(.*?)```", re.S)


def test_the_pilot_runbook_runs_as_written():
    blocks = BLOCK.findall((REPO / "docs" / "pilot.md").read_text())
    assert len(blocks) == 8, "docs/pilot.md has eight walk-through blocks"
    script = "set -euo pipefail\n" + "\n".join(blocks).replace("127.0.0.1:8700", "127.0.0.1:0")
    with tempfile.TemporaryDirectory() as tmp:
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        os.symlink(BIN, os.path.join(bindir, "publica"))
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"])
        env.pop("PUBLICA_NODE", None)
        run = subprocess.Popen(["bash", "-c", script], cwd=work, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
        try:
            out, err = run.communicate(timeout=600)
        finally:
            # The node the script started goes with it, whatever happened.
            try:
                os.killpg(run.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert run.returncode == 0, err[-4000:]
        lines = out.splitlines()
        statuses = [line for line in lines if line in ("ok", "failed")]
        assert statuses == ["ok"] * 13, out
        assert '{"enrolled":300,"paid_total":"3000000","remaining_budget":"33000000"}' in lines, out
        assert "2350" in lines, out
        assert '{"batch":"co-0-1","count":1,"total":"60.00"}' in lines, out
        assert lines[-1].strip() == "300", out
        staff = [json.load(open(os.path.join(work, f"staff-{i}.json"))) for i in (1, 2)]
        assert [s["summary"]["granted"] for s in staff] == [2, 1], staff
        assert os.path.getsize(os.path.join(work, "cash-out-1.xml")) > 0

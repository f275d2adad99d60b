"""The pilot runbook (docs/pilot.md) runs as written: its walk-through
blocks, in order, in a fresh directory with `publica` on the PATH and the
node on a free port instead of 8700 — keys, a genesis, the node, staff
from CSV files, the coin and budget, a monthly UBI approved by its hash,
300 people attested, given nullifier tokens and enrolled, their first
month paid by the schedule, a purchase at an accredited grocer, a
cash-out exported as a pain.001 file, and the month's report."""

import json
import os
import tempfile

from publica_node import run_script, walkthrough


def test_the_pilot_runbook_runs_as_written():
    blocks = walkthrough("docs/pilot.md", "pilot")
    assert len(blocks) == 8, "docs/pilot.md has eight walk-through blocks"
    blocks = [b.replace("127.0.0.1:8700", "127.0.0.1:0") for b in blocks]
    with tempfile.TemporaryDirectory() as work:
        run = run_script(blocks, work, timeout=600)
        assert run.returncode == 0, run.stderr[-4000:]
        out, lines = run.stdout, run.stdout.splitlines()
        statuses = [line for line in lines if line in ("ok", "failed")]
        assert statuses == ["ok"] * 14, out
        assert '{"enrolled":300,"paid_total":"3000000","remaining_budget":"33000000"}' in lines, out
        assert "2350" in lines, out
        assert '{"batch":"co-0-1","count":1,"total":"60.00"}' in lines, out
        assert lines[-1].strip() == "300", out
        staff = [json.load(open(os.path.join(work, f"staff-{i}.json"))) for i in (1, 2)]
        assert [s["summary"]["granted"] for s in staff] == [2, 1], staff
        assert os.path.getsize(os.path.join(work, "cash-out-1.xml")) > 0

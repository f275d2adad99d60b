"""The HTTP walk-through in docs/money.md ("A money flow over HTTP") runs as
it is written: its `<!-- walkthrough: money -->` shell blocks, in order,
against a fresh dev node, with `publica` on the PATH, print `<method> ok`
for every call, and the books it ends with are what the page says."""

import json
import os
import re
import subprocess
import tempfile
import urllib.request

from publica_node import BIN, REPO, running_node

BLOCK = re.compile(r"<!-- walkthrough: money -->\s*\n```sh\n(.*?)```", re.S)


def test_the_money_walkthrough_runs_as_written():
    blocks = BLOCK.findall((REPO / "docs" / "money.md").read_text())
    assert len(blocks) == 3, "docs/money.md has three walk-through blocks"
    with running_node("--block-ms", "20") as (url, data), tempfile.TemporaryDirectory() as tmp:
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        os.symlink(BIN, os.path.join(bindir, "publica"))
        env = dict(os.environ, NODE=url, KEY=os.path.join(data, "dev-admin-key.json"),
                   PATH=bindir + os.pathsep + os.environ["PATH"])
        script = "set -euo pipefail\n" + "\n".join(blocks)
        run = subprocess.run(["bash", "-c", script], cwd=tmp, env=env,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        calls = [line for line in run.stdout.splitlines() if re.fullmatch(r"[a-z_]+ \w+", line)]
        assert len(calls) == 8, run.stdout
        assert all(line.endswith(" ok") for line in calls), run.stdout
        with urllib.request.urlopen(url + "/v1/money/accounts/alice/provenance") as r:
            prov = json.load(r)
        assert prov["balance"] == "12500" and prov["provenance"] == {"DEMO/pilot": "12500"}, prov

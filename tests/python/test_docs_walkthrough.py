"""The HTTP walk-through in docs/money.md ("A money flow over HTTP") runs as
it is written: its `<!-- walkthrough: money -->` shell blocks, in order,
against a fresh dev node, with `publica` on the PATH, print `<method> ok`
for every call, and the books it ends with are what the page says."""

import json
import os
import re
import tempfile
import urllib.request

from publica_node import run_script, running_node, walkthrough


def test_the_money_walkthrough_runs_as_written():
    blocks = walkthrough("docs/money.md", "money")
    assert len(blocks) == 3, "docs/money.md has three walk-through blocks"
    with running_node("--block-ms", "20") as (url, data), tempfile.TemporaryDirectory() as tmp:
        run = run_script(blocks, tmp, env={"NODE": url, "KEY": os.path.join(data, "dev-admin-key.json")})
        assert run.returncode == 0, run.stderr
        calls = [line for line in run.stdout.splitlines() if re.fullmatch(r"[a-z_]+ \w+", line)]
        assert len(calls) == 8, run.stdout
        assert all(line.endswith(" ok") for line in calls), run.stdout
        with urllib.request.urlopen(url + "/v1/money/accounts/alice/provenance") as r:
            prov = json.load(r)
        assert prov["balance"] == "12500" and prov["provenance"] == {"DEMO/pilot": "12500"}, prov
